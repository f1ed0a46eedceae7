//! Bounds of the socket service (issue 11 "bounded node"): connection slots (global, per uid,
//! unauthenticated), the in-flight frame budget, per-connection outboxes bounded in bytes, the refusal
//! audit throttle and the unlock gate (one Argon2 run at a time, back-off per uid, alarm on guessing).
//!
//! Nothing here allocates per byte a client sends: every queue and counter has a cap from
//! [`LimitsConfig`].

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::config::LimitsConfig;

/// Counters of open connections.
#[derive(Default)]
pub struct Conns {
    total: AtomicUsize,
    per_uid: Mutex<HashMap<u32, usize>>,
    unauth: AtomicUsize,
    /// Bytes of request frames being received, all connections together.
    inflight: AtomicUsize,
    refusals: Mutex<HashMap<u32, RefusalLog>>,
}

#[derive(Clone, Copy)]
struct RefusalLog {
    last_audit: Instant,
    suppressed: u64,
}

/// One admitted connection; releases its slot when dropped.
pub struct Slot {
    conns: Arc<Conns>,
    uid: u32,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.conns.total.fetch_sub(1, Ordering::SeqCst);
        if let Ok(mut m) = self.conns.per_uid.lock()
            && let Some(n) = m.get_mut(&self.uid)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.uid);
            }
        }
    }
}

/// A refused connection allowed to linger to read its explanation; released on drop.
pub struct UnauthSlot(Arc<Conns>);

impl Drop for UnauthSlot {
    fn drop(&mut self) {
        self.0.unauth.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Bytes reserved from the in-flight budget; returned on drop.
pub struct Reserved {
    conns: Arc<Conns>,
    bytes: usize,
}

impl Drop for Reserved {
    fn drop(&mut self) {
        self.conns.inflight.fetch_sub(self.bytes, Ordering::SeqCst);
    }
}

/// Why a connection was not admitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// `max_connections` reached.
    Full(usize),
    /// `max_per_uid` reached for this uid.
    PerUid(usize),
}

impl Refusal {
    /// The message sent to the client.
    pub fn message(&self) -> String {
        match self {
            Refusal::Full(n) => format!(
                "the node serves its maximum of {n} connections (limits.max_connections); try again in a moment"
            ),
            Refusal::PerUid(n) => format!(
                "your user already holds {n} connections to the node (limits.max_per_uid): close some consoles or wait"
            ),
        }
    }
}

impl Conns {
    /// Admits a connection of `uid` or says which cap is reached.
    pub fn admit(self: &Arc<Self>, uid: u32, lim: &LimitsConfig) -> Result<Slot, Refusal> {
        if self.total.fetch_add(1, Ordering::SeqCst) >= lim.max_connections {
            self.total.fetch_sub(1, Ordering::SeqCst);
            return Err(Refusal::Full(lim.max_connections));
        }
        let mut m = match self.per_uid.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        let n = m.entry(uid).or_insert(0);
        if *n >= lim.max_per_uid {
            drop(m);
            self.total.fetch_sub(1, Ordering::SeqCst);
            return Err(Refusal::PerUid(lim.max_per_uid));
        }
        *n += 1;
        Ok(Slot {
            conns: self.clone(),
            uid,
        })
    }

    /// Open connections now (all users).
    pub fn open(&self) -> usize {
        self.total.load(Ordering::SeqCst)
    }

    /// A lingering slot for a refused connection, if fewer than `max_unauthenticated` linger.
    pub fn linger(self: &Arc<Self>, lim: &LimitsConfig) -> Option<UnauthSlot> {
        if self.unauth.fetch_add(1, Ordering::SeqCst) >= lim.max_unauthenticated {
            self.unauth.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(UnauthSlot(self.clone()))
    }

    /// Reserves `bytes` of the in-flight frame budget (`limits.inflight_mib`), or `None` when it would
    /// be exceeded.
    pub fn reserve(self: &Arc<Self>, bytes: usize, lim: &LimitsConfig) -> Option<Reserved> {
        let cap = (lim.inflight_mib as usize).saturating_mul(1 << 20);
        let before = self.inflight.fetch_add(bytes, Ordering::SeqCst);
        if before.saturating_add(bytes) > cap {
            self.inflight.fetch_sub(bytes, Ordering::SeqCst);
            return None;
        }
        Some(Reserved {
            conns: self.clone(),
            bytes,
        })
    }

    /// Whether a refusal of `uid` should be written to the audit chain now: the first one, then at
    /// most one a minute per uid. Returns the number of refusals left out since the last record.
    pub fn audit_refusal_due(&self, uid: u32, now: Instant) -> Option<u64> {
        let mut m = self.refusals.lock().ok()?;
        if m.len() > 4096 {
            m.retain(|_, r| now.duration_since(r.last_audit) < Duration::from_secs(60));
        }
        match m.get_mut(&uid) {
            Some(r) if now.duration_since(r.last_audit) < Duration::from_secs(60) => {
                r.suppressed += 1;
                None
            }
            Some(r) => {
                let n = r.suppressed;
                *r = RefusalLog {
                    last_audit: now,
                    suppressed: 0,
                };
                Some(n)
            }
            None => {
                m.insert(
                    uid,
                    RefusalLog {
                        last_audit: now,
                        suppressed: 0,
                    },
                );
                Some(0)
            }
        }
    }
}

/// Frames waiting to be written to one connection, bounded in bytes.
///
/// Replies wait for room ([`Outbox::push_reply`] blocks the connection's reader, so a client that does
/// not read stops being read); events never wait ([`Outbox::push_event`] fails when full, and the
/// connection is then dropped). A closed outbox refuses everything.
pub struct Outbox {
    q: Mutex<OutboxState>,
    cv: Condvar,
    cap: usize,
}

struct OutboxState {
    frames: VecDeque<Vec<u8>>,
    bytes: usize,
    closed: bool,
}

impl Outbox {
    /// An outbox holding at most `cap` bytes (one frame is always accepted when it is empty).
    pub fn new(cap: usize) -> Outbox {
        Outbox {
            q: Mutex::new(OutboxState {
                frames: VecDeque::new(),
                bytes: 0,
                closed: false,
            }),
            cv: Condvar::new(),
            cap,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, OutboxState> {
        match self.q.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Queues a reply, waiting while the outbox is full. `false` when the outbox was closed.
    pub fn push_reply(&self, frame: Vec<u8>) -> bool {
        let mut g = self.lock();
        while !g.closed && !g.frames.is_empty() && g.bytes + frame.len() > self.cap {
            g = match self.cv.wait(g) {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
        }
        if g.closed {
            return false;
        }
        g.bytes += frame.len();
        g.frames.push_back(frame);
        self.cv.notify_all();
        true
    }

    /// Queues an event without waiting. `false` when full or closed.
    pub fn push_event(&self, frame: Vec<u8>) -> bool {
        let mut g = self.lock();
        if g.closed || (!g.frames.is_empty() && g.bytes + frame.len() > self.cap) {
            return false;
        }
        g.bytes += frame.len();
        g.frames.push_back(frame);
        self.cv.notify_all();
        true
    }

    /// The next frame to write; `None` once closed and drained.
    pub fn pop(&self) -> Option<Vec<u8>> {
        let mut g = self.lock();
        loop {
            if let Some(f) = g.frames.pop_front() {
                g.bytes -= f.len();
                self.cv.notify_all();
                return Some(f);
            }
            if g.closed {
                return None;
            }
            g = match self.cv.wait(g) {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
        }
    }

    /// Closes the outbox: queued frames are still handed to the writer; new ones are refused.
    pub fn close(&self) {
        self.lock().closed = true;
        self.cv.notify_all();
    }

    /// Closes the outbox and drops what is queued (the peer is gone or too slow).
    pub fn abort(&self) {
        let mut g = self.lock();
        g.closed = true;
        g.frames.clear();
        g.bytes = 0;
        self.cv.notify_all();
    }
}

/// Unlock attempts: one Argon2 derivation at a time for the whole node, and per uid a back-off that
/// doubles with each failure after the first (none, 1 s, 2 s, 4 s … capped at 5 min), reset by a
/// success. The first failure costs no wait, so an operator who mistyped types it again at once.
#[derive(Default)]
pub struct UnlockGate {
    running: Mutex<()>,
    per_uid: Mutex<HashMap<u32, UnlockLog>>,
}

#[derive(Clone, Copy)]
struct UnlockLog {
    failures: u32,
    next_allowed: Instant,
    alarmed: bool,
}

/// Why an unlock attempt was not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnlockRefusal {
    /// Another attempt runs now.
    Busy,
    /// This uid must wait; `alarm` is true the first time a uid is seen guessing (raise an alarm).
    TooSoon { wait: Duration, alarm: bool },
}

/// Failures of one uid after which an alarm is raised even without hurried attempts.
pub const UNLOCK_ALARM_FAILURES: u32 = 3;

impl UnlockGate {
    /// Runs `attempt` if this uid may try now and no other attempt runs. `attempt` returns whether
    /// the passphrase was right. Returns `(result, raise_alarm)`.
    pub fn attempt<T>(
        &self,
        uid: u32,
        now: Instant,
        attempt: impl FnOnce() -> (bool, T),
    ) -> Result<(T, bool), UnlockRefusal> {
        {
            let mut m = self.per_uid.lock().map_err(|_| UnlockRefusal::Busy)?;
            if let Some(l) = m.get_mut(&uid)
                && now < l.next_allowed
            {
                let alarm = !l.alarmed;
                l.alarmed = true;
                return Err(UnlockRefusal::TooSoon {
                    wait: l.next_allowed - now,
                    alarm,
                });
            }
        }
        let Ok(_running) = self.running.try_lock() else {
            return Err(UnlockRefusal::Busy);
        };
        let (ok, out) = attempt();
        let mut m = self.per_uid.lock().map_err(|_| UnlockRefusal::Busy)?;
        if ok {
            m.remove(&uid);
            return Ok((out, false));
        }
        let l = m.entry(uid).or_insert(UnlockLog {
            failures: 0,
            next_allowed: now,
            alarmed: false,
        });
        l.failures += 1;
        let back = if l.failures < 2 {
            Duration::ZERO
        } else {
            Duration::from_secs(1u64 << (l.failures - 2).min(8)).min(Duration::from_secs(300))
        };
        l.next_allowed = Instant::now() + back;
        let alarm = l.failures >= UNLOCK_ALARM_FAILURES && !l.alarmed;
        if alarm {
            l.alarmed = true;
        }
        Ok((out, alarm))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_hold_and_release() {
        let lim = LimitsConfig {
            max_connections: 3,
            max_per_uid: 2,
            ..LimitsConfig::default()
        };
        let c = Arc::new(Conns::default());
        let a = c.admit(1, &lim).unwrap();
        let _b = c.admit(1, &lim).unwrap();
        assert_eq!(c.admit(1, &lim).err(), Some(Refusal::PerUid(2)));
        let _d = c.admit(2, &lim).unwrap();
        assert_eq!(c.admit(3, &lim).err(), Some(Refusal::Full(3)));
        drop(a);
        assert!(c.admit(1, &lim).is_ok());
    }

    #[test]
    fn budget_is_shared() {
        let lim = LimitsConfig {
            inflight_mib: 2,
            ..LimitsConfig::default()
        };
        let c = Arc::new(Conns::default());
        let r = c.reserve(1 << 20, &lim).unwrap();
        let _s = c.reserve(1 << 20, &lim).unwrap();
        assert!(c.reserve(1, &lim).is_none());
        drop(r);
        assert!(c.reserve(1, &lim).is_some());
    }

    #[test]
    fn events_never_wait_and_replies_are_bounded() {
        let o = Outbox::new(10);
        assert!(o.push_event(vec![0; 8]));
        assert!(!o.push_event(vec![0; 8]), "over the cap");
        assert_eq!(o.pop().unwrap().len(), 8);
        assert!(o.push_reply(vec![0; 20]), "one frame fits an empty outbox");
        o.close();
        assert!(!o.push_event(vec![0]));
        assert!(o.pop().is_some());
        assert!(o.pop().is_none());
    }

    #[test]
    fn unlock_backs_off_and_alarms() {
        let g = UnlockGate::default();
        let t = Instant::now();
        let (_, alarm) = g.attempt(5, t, || (false, ())).unwrap();
        assert!(!alarm);
        // A first mistake costs no wait (an operator retyping); the second starts the back-off.
        let (_, alarm) = g.attempt(5, Instant::now(), || (false, ())).unwrap();
        assert!(!alarm);
        match g.attempt(5, Instant::now(), || (false, ())) {
            Err(UnlockRefusal::TooSoon { alarm, .. }) => assert!(alarm),
            _ => panic!("second attempt at once must wait"),
        }
        // Another uid is not held back by uid 5.
        assert!(g.attempt(6, Instant::now(), || (true, ())).is_ok());
    }
}
