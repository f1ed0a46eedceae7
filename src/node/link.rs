//! The direct node-to-node link (issue "Between nodes"): Noise over TCP between verified peers, a
//! durable per-peer outbox (store `link_outbox`), signed delivery receipts (*resi*).
//!
//! * **Who connects:** the node listens on `[link] listen` (if set) and dials every verified peer that
//!   has an address (`kasa peer set ID --address HOST:PORT`). Whoever can connect does; once a link is
//!   up, both sides flush what they hold for each other, so a node behind NAT that dials out gets its
//!   mail. One live link per peer (a newer one replaces the older).
//! * **Handshake:** `crypto::link` (Noise XX, pinned keys). The dialled peer's key is checked against
//!   its verified card after message 2; the dialler's key is looked up among verified peers after
//!   message 3; nothing else moves before. At most [`MAX_PENDING`] handshakes run at once (more
//!   connections are closed at once), each within [`HANDSHAKE_TIMEOUT`].
//! * **Frames:** `proto::link`. A bad frame, a decryption error (altered, replayed or reordered
//!   frame), oversize data or a silent peer ([`IDLE_TIMEOUT`]; keepalive `PING` every [`PING_EVERY`],
//!   plus TCP keepalive) drops that connection only.
//! * **Outbox:** every item is retried until acknowledged: a `.kgm` by its receipt (`DITERIMA` or
//!   `DITOLAK`), a receipt by `ACK`. Dialling backs off by the most urgent derajat queued (kilat 5 s,
//!   sangat segera 15 s, segera 60 s, biasa 300 s at most); a `.kgm` still queued after
//!   [`alarm_after`] raises the alarm `link.flashdisk` ("bawa dengan flashdisk") once.
//! * **Receiving:** `node::kriptogram::receive_over_link` checks format, address, sender, signature
//!   and replay, keeps the `.kgm` in `<data>/inbox/` and answers `DITERIMA`, or `DITOLAK` with the
//!   reason (nothing is decrypted or released). `DIBUKA` follows when an operator opens it.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use jiff::Timestamp;

use super::NodeState;
use crate::crypto::NodeCard;
use crate::crypto::link::{LinkCryptoError, NOISE_MAX, NOISE_TAG, ResiFields, Transport};
use crate::proto::Reply;
use crate::proto::link::{
    Ack, DATA_CHUNK, Frame, Hello, KgmBegin, LinkReply, LinkRequest, PeerLinkStatus, ReceiptInfo,
    Resi,
};
use crate::store::{Actor, OutboxPayload, ReceiptRecord, SentRecord};

/// Most handshakes in progress at once; further connections are closed immediately.
pub const MAX_PENDING: usize = 64;
/// A handshake must finish within this time.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// A link with nothing received for this long is dropped.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// Keepalive frame interval.
pub const PING_EVERY: Duration = Duration::from_secs(30);
/// Default largest `.kgm` accepted over the link (4 GiB).
pub const DEFAULT_MAX_KGM: u64 = 4 << 30;

type KResult = Result<Reply, (&'static str, String)>;

/// The sending half of a link: the socket, the sending nonce, and a plaintext and a message buffer
/// reused for every frame.
struct Writer {
    stream: TcpStream,
    nonce: u64,
    pt: Vec<u8>,
    msg: Vec<u8>,
}

impl Writer {
    /// Encrypts one encoded frame with the next nonce and writes length and message with one write
    /// (one syscall and one segment train per frame).
    fn send(&mut self, transport: &Transport, pt: &[u8]) -> Result<(), String> {
        if pt.len() > NOISE_MAX - NOISE_TAG {
            return Err("frame too large".into());
        }
        let mut msg = std::mem::take(&mut self.msg);
        msg.clear();
        let r = transport
            .seal_framed(self.nonce, pt, &mut msg)
            .map_err(|e| e.to_string())
            .and_then(|()| {
                self.nonce += 1;
                self.stream
                    .write_all(&msg)
                    .map_err(|e| format!("send: {e}"))
            });
        self.msg = msg;
        r
    }
}

/// One live, authenticated link.
struct Conn {
    id: u64,
    peer: String,
    transport: Transport,
    writer: Mutex<Writer>,
    closed: AtomicBool,
}

impl Conn {
    fn send(&self, f: &Frame) -> Result<(), String> {
        self.send_plain(&f.encode())
    }

    /// A `KGM_DATA` frame of `piece` (at most `DATA_CHUNK` bytes), encoded without an owned copy.
    fn send_data(&self, piece: &[u8]) -> Result<(), String> {
        let mut w = self.writer.lock().map_err(|_| "writer poisoned")?;
        let mut pt = std::mem::take(&mut w.pt);
        pt.clear();
        pt.push(3);
        pt.extend_from_slice(piece);
        let r = w.send(&self.transport, &pt);
        w.pt = pt;
        r
    }

    /// Sends one encoded frame ([`Writer::send`]).
    fn send_plain(&self, pt: &[u8]) -> Result<(), String> {
        let mut w = self.writer.lock().map_err(|_| "writer poisoned")?;
        w.send(&self.transport, pt)
    }

    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        if let Ok(w) = self.writer.lock() {
            let _ = w.stream.shutdown(std::net::Shutdown::Both);
        }
    }
}

#[derive(Default)]
struct PeerRt {
    conn: Option<Arc<Conn>>,
    last_seen: Option<Timestamp>,
    last_error: Option<String>,
    next_dial: Option<Instant>,
    backoff_secs: u64,
    dialing: bool,
}

/// Link runtime state of a node (in [`NodeState`]).
#[derive(Default)]
pub struct LinkState {
    peers: Mutex<HashMap<String, PeerRt>>,
    wake: Condvar,
    generation: Mutex<u64>,
    pending: AtomicUsize,
    next_id: AtomicU64,
    started: AtomicBool,
}

impl LinkState {
    fn with_peer<R>(&self, peer: &str, f: impl FnOnce(&mut PeerRt) -> R) -> R {
        let mut g = self.peers.lock().unwrap_or_else(|e| e.into_inner());
        f(g.entry(peer.to_string()).or_default())
    }

    /// Wakes the outbox pumps (something was queued).
    pub fn wake(&self) {
        let mut g = self.generation.lock().unwrap_or_else(|e| e.into_inner());
        *g += 1;
        self.wake.notify_all();
    }

    fn wait(&self, seen: u64, max: Duration) -> u64 {
        let g = self.generation.lock().unwrap_or_else(|e| e.into_inner());
        if *g != seen {
            return *g;
        }
        let (g, _) = self
            .wake
            .wait_timeout(g, max)
            .unwrap_or_else(|e| e.into_inner());
        *g
    }

    fn set_error(&self, peer: &str, e: &str) {
        tracing::warn!(peer, error = e, "link");
        self.with_peer(peer, |p| p.last_error = Some(e.to_string()));
    }
}

fn now() -> Timestamp {
    crate::clock::now()
}

fn set_keepalive(s: &TcpStream) {
    let on: libc::c_int = 1;
    // SAFETY: setsockopt on an open socket fd with a valid int option value.
    unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_KEEPALIVE,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

fn read_msg(s: &mut impl Read) -> Result<Vec<u8>, String> {
    let mut len = [0u8; 2];
    s.read_exact(&mut len).map_err(|e| format!("read: {e}"))?;
    let n = usize::from(u16::from_be_bytes(len));
    if n == 0 {
        return Err("empty message".into());
    }
    let mut b = vec![0u8; n];
    s.read_exact(&mut b).map_err(|e| format!("read: {e}"))?;
    Ok(b)
}

/// [`read_msg`] into `buf` (at least `NOISE_MAX` bytes, reused for every message of a
/// connection): the message's length.
fn read_msg_into(s: &mut impl Read, buf: &mut [u8]) -> Result<usize, String> {
    let mut len = [0u8; 2];
    s.read_exact(&mut len).map_err(|e| format!("read: {e}"))?;
    let n = usize::from(u16::from_be_bytes(len));
    if n == 0 {
        return Err("empty message".into());
    }
    s.read_exact(&mut buf[..n])
        .map_err(|e| format!("read: {e}"))?;
    Ok(n)
}

fn write_msg(s: &mut TcpStream, b: &[u8]) -> Result<(), String> {
    let len = u16::try_from(b.len()).map_err(|_| "message too large")?;
    s.write_all(&len.to_be_bytes())
        .and_then(|_| s.write_all(b))
        .map_err(|e| format!("write: {e}"))
}

fn hs_err(e: impl std::fmt::Display) -> String {
    format!("handshake: {e}")
}

/// Verified peers with a link key: node id → (card, link key).
fn link_peers(state: &NodeState) -> HashMap<String, (NodeCard, [u8; 32])> {
    let mut m = HashMap::new();
    for p in state.store.peers().unwrap_or_default() {
        if !p.verified {
            continue;
        }
        if let Ok(c) = NodeCard::parse(&p.card)
            && let Some(l) = c.link
        {
            m.insert(p.node_id.clone(), (c, l));
        }
    }
    m
}

/// Starts the link threads when the node is unlocked and its card has a link key: the listener
/// (`[link] listen`) and the dialler/maintenance loop. No-op otherwise (a locked node has no link).
pub fn start(state: &Arc<NodeState>) {
    if state.identity.keys().is_none() {
        return;
    }
    if state.identity.card.as_ref().and_then(|c| c.link).is_none() {
        tracing::info!("link off: the node card has no link key (card version 1)");
        return;
    }
    if state.link.started.swap(true, Ordering::SeqCst) {
        return;
    }
    if let Some(addr) = state.cfg.link.listen.clone() {
        match TcpListener::bind(&addr) {
            Ok(l) => {
                tracing::info!(%addr, "link listening");
                let st = state.clone();
                let _ = std::thread::Builder::new()
                    .name("link-listen".into())
                    .spawn(move || listen_loop(l, st));
            }
            Err(e) => {
                tracing::error!(%addr, error = %e, "link cannot listen");
                if let Ok((_, ch)) = state.store.raise_alarm(
                    "link.listen",
                    &format!("link tidak dapat mendengarkan di {addr}: {e}"),
                    "link",
                    now(),
                ) {
                    state.hub.publish_changes(ch);
                }
            }
        }
    }
    let st = state.clone();
    let _ = std::thread::Builder::new()
        .name("link-dial".into())
        .spawn(move || maintenance_loop(st));
}

fn listen_loop(l: TcpListener, state: Arc<NodeState>) {
    let _ = l.set_nonblocking(true);
    while !state.stop.load(Ordering::SeqCst) {
        match l.accept() {
            Ok((s, from)) => {
                let _ = s.set_nonblocking(false);
                if state.link.pending.load(Ordering::SeqCst) >= MAX_PENDING {
                    tracing::warn!(%from, "link: too many handshakes in progress, connection closed");
                    drop(s);
                    continue;
                }
                state.link.pending.fetch_add(1, Ordering::SeqCst);
                let st = state.clone();
                let spawned = std::thread::Builder::new()
                    .name("link-in".into())
                    .spawn(move || {
                        let r = inbound(&st, s);
                        if let Err(e) = r {
                            tracing::info!(%from, error = %e, "link: inbound connection refused");
                        }
                    });
                if spawned.is_err() {
                    state.link.pending.fetch_sub(1, Ordering::SeqCst);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => {
                tracing::warn!(error = %e, "link accept");
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
}

/// Responder side: handshake, identify the peer by its static key, then run the link.
fn inbound(state: &Arc<NodeState>, mut s: TcpStream) -> Result<(), String> {
    let done = |st: &NodeState| {
        st.link.pending.fetch_sub(1, Ordering::SeqCst);
    };
    let r = (|| {
        let keys = state.identity.keys().ok_or("node locked")?;
        s.set_read_timeout(Some(HANDSHAKE_TIMEOUT))
            .map_err(hs_err)?;
        s.set_write_timeout(Some(HANDSHAKE_TIMEOUT))
            .map_err(hs_err)?;
        let mut hs = crate::crypto::link::handshake(&keys.link_secret(), false).map_err(hs_err)?;
        let mut buf = vec![0u8; NOISE_MAX];
        let m1 = read_msg(&mut s)?;
        hs.read_message(&m1, &mut buf).map_err(hs_err)?;
        let n = hs.write_message(&[], &mut buf).map_err(hs_err)?;
        write_msg(&mut s, &buf[..n])?;
        let m3 = read_msg(&mut s)?;
        hs.read_message(&m3, &mut buf).map_err(hs_err)?;
        let remote: [u8; 32] = hs
            .get_remote_static()
            .and_then(|k| k.try_into().ok())
            .ok_or("handshake: no remote static key")?;
        let peer = link_peers(state)
            .into_iter()
            .find(|(_, (_, l))| *l == remote)
            .map(|(id, _)| id)
            .ok_or("handshake: the link key is not the key of any verified peer")?;
        let t = Transport::new(hs).map_err(hs_err)?;
        Ok::<_, String>((peer, t))
    })();
    done(state);
    let (peer, t) = r?;
    run_conn(state, &peer, t, s);
    Ok(())
}

/// Initiator side: dial `addr`, check the responder's key against `peer`'s verified card.
fn dial(state: &Arc<NodeState>, peer: &str, addr: &str) -> Result<(), String> {
    let keys = state.identity.keys().ok_or("node locked")?;
    let (_, pinned) = link_peers(state)
        .remove(peer)
        .ok_or("peer is not verified or its card has no link key")?;
    let sa: SocketAddr = addr
        .parse()
        .map_err(|_| format!("address {addr:?} is not HOST:PORT"))?;
    let mut s = TcpStream::connect_timeout(&sa, Duration::from_secs(5))
        .map_err(|e| format!("connect {addr}: {e}"))?;
    s.set_read_timeout(Some(HANDSHAKE_TIMEOUT))
        .map_err(hs_err)?;
    s.set_write_timeout(Some(HANDSHAKE_TIMEOUT))
        .map_err(hs_err)?;
    let mut hs = crate::crypto::link::handshake(&keys.link_secret(), true).map_err(hs_err)?;
    let mut buf = vec![0u8; NOISE_MAX];
    let n = hs.write_message(&[], &mut buf).map_err(hs_err)?;
    write_msg(&mut s, &buf[..n])?;
    let m2 = read_msg(&mut s)?;
    hs.read_message(&m2, &mut buf).map_err(hs_err)?;
    if hs.get_remote_static() != Some(&pinned[..]) {
        let _ = s.shutdown(std::net::Shutdown::Both);
        return Err(LinkCryptoError::KeyMismatch.to_string());
    }
    let n = hs.write_message(&[], &mut buf).map_err(hs_err)?;
    write_msg(&mut s, &buf[..n])?;
    let t = Transport::new(hs).map_err(hs_err)?;
    run_conn(state, peer, t, s);
    Ok(())
}

/// A `.kgm` being received.
struct Incoming {
    begin: KgmBegin,
    path: PathBuf,
    file: std::fs::File,
    /// Hashes and checks the `.kgm` while it arrives (no second reading after `KGM_END`).
    verifier: crate::crypto::kgm::StreamVerifier,
    got: u64,
    /// Bytes already handed to the disk's write-back.
    kicked: u64,
    /// Frames gathered into a 1 MiB block before it is written (one write per MiB) and handed to
    /// the verifier's hashing thread as is (no copy); `len` bytes of it are filled.
    buf: crate::crypto::pipe::Block,
    len: usize,
    pool: crate::crypto::pipe::Pool,
    /// Bytes written to `file` so far.
    written: u64,
}

impl Incoming {
    /// Hashes and writes what was gathered; starts write-back every 8 MiB.
    fn drain(&mut self) -> Result<(), String> {
        if self.len == 0 {
            return Ok(());
        }
        self.file
            .write_all(&self.buf[..self.len])
            .map_err(|e| format!("staging: {e}"))?;
        self.verifier.update_block(&self.buf, self.len);
        self.written += self.len as u64;
        let next = self.pool.get();
        self.pool.put(std::mem::replace(&mut self.buf, next));
        self.len = 0;
        if self.written - self.kicked >= 8 << 20 {
            crate::crypto::pipe::start_writeback(
                &self.file,
                self.kicked,
                self.written - self.kicked,
            );
            self.kicked = self.written;
        }
        Ok(())
    }
}

fn run_conn(state: &Arc<NodeState>, peer: &str, t: Transport, s: TcpStream) {
    set_keepalive(&s);
    let _ = s.set_read_timeout(Some(IDLE_TIMEOUT));
    let _ = s.set_write_timeout(Some(Duration::from_secs(60)));
    let Ok(reader) = s.try_clone() else {
        return;
    };
    // Frames arrive back to back during a letter: read them through one buffer, not two syscalls each.
    let mut reader = std::io::BufReader::with_capacity(256 << 10, reader);
    let conn = Arc::new(Conn {
        id: state.link.next_id.fetch_add(1, Ordering::SeqCst),
        peer: peer.to_string(),
        transport: t,
        writer: Mutex::new(Writer {
            stream: s,
            nonce: 0,
            pt: Vec::new(),
            msg: Vec::new(),
        }),
        closed: AtomicBool::new(false),
    });
    let old = state.link.with_peer(peer, |p| {
        p.last_seen = Some(now());
        p.last_error = None;
        p.backoff_secs = 0;
        p.conn.replace(conn.clone())
    });
    if let Some(o) = old {
        o.close();
    }
    tracing::info!(peer, "link up");
    let hello = Frame::Hello(Hello {
        node_id: state.node_id.clone(),
        v: 1,
    });
    if let Err(e) = conn.send(&hello) {
        state.link.set_error(peer, &e);
        conn.close();
    }
    let st = state.clone();
    let c2 = conn.clone();
    let pump = std::thread::Builder::new()
        .name("link-pump".into())
        .spawn(move || pump_loop(&st, &c2));
    state.link.wake();
    let mut recv_nonce = 0u64;
    // One buffer each for the wire message and its plaintext, reused for every frame.
    let mut msg = vec![0u8; crate::crypto::link::NOISE_MAX];
    let mut plain = vec![0u8; crate::crypto::link::NOISE_MAX];
    let mut seen_at = Instant::now();
    let mut incoming: Option<Incoming> = None;
    let err = loop {
        if conn.closed.load(Ordering::SeqCst) || state.stop.load(Ordering::SeqCst) {
            break None;
        }
        let n = match read_msg_into(&mut reader, &mut msg) {
            Ok(n) => n,
            Err(e) => break Some(e),
        };
        let pt = match conn.transport.open_into(recv_nonce, &msg[..n], &mut plain) {
            Ok(k) => &plain[..k],
            Err(e) => break Some(format!("decryption failed, link dropped: {e}")),
        };
        recv_nonce += 1;
        // Last seen to the second: a letter's thousands of frames do not each take the peers lock.
        if seen_at.elapsed() >= Duration::from_secs(1) || recv_nonce == 1 {
            seen_at = Instant::now();
            state.link.with_peer(peer, |p| p.last_seen = Some(now()));
        }
        // Letter data, the bulk of the traffic, goes straight to the file without a decoded copy.
        if pt.first() == Some(&3) {
            if pt.len() - 1 > DATA_CHUNK {
                break Some(format!(
                    "KGM_DATA of {} bytes is over the limit",
                    pt.len() - 1
                ));
            }
            if let Err(e) = on_data(&mut incoming, &pt[1..]) {
                break Some(e);
            }
            continue;
        }
        let frame = match Frame::decode(pt) {
            Ok(f) => f,
            Err(e) => break Some(e),
        };
        if let Err(e) = on_frame(state, &conn, frame, &mut incoming) {
            break Some(e);
        }
    };
    if let Some(inc) = incoming.take() {
        let _ = std::fs::remove_file(&inc.path);
    }
    conn.close();
    state.link.with_peer(peer, |p| {
        if p.conn.as_ref().is_some_and(|c| c.id == conn.id) {
            p.conn = None;
        }
        if let Some(e) = &err
            && !state.stop.load(Ordering::SeqCst)
        {
            p.last_error = Some(e.clone());
        }
    });
    tracing::info!(peer, error = ?err, "link down");
    state.link.wake();
    if let Ok(h) = pump {
        let _ = h.join();
    }
}

fn max_kgm(state: &NodeState) -> u64 {
    state.cfg.link.max_kgm_bytes.unwrap_or(DEFAULT_MAX_KGM)
}

fn on_frame(
    state: &Arc<NodeState>,
    conn: &Conn,
    f: Frame,
    incoming: &mut Option<Incoming>,
) -> Result<(), String> {
    let peer = conn.peer.as_str();
    match f {
        Frame::Hello(h) => {
            if h.node_id != peer {
                return Err(format!(
                    "HELLO names node {} but the link key is {peer}'s",
                    h.node_id
                ));
            }
        }
        Frame::Ping => {}
        Frame::KgmBegin(b) => {
            if incoming.is_some() {
                return Err("KGM_BEGIN inside a kriptogram".into());
            }
            if b.size > max_kgm(state) {
                return Err(format!("kriptogram of {} bytes is over the limit", b.size));
            }
            let dir = state.paths.ingest("staging");
            let _ = crate::ingest::mkdir_private(&dir);
            let mut rnd = [0u8; 8];
            let _ = getrandom::fill(&mut rnd);
            let path = dir.join(format!("link-{}.kgm", hex::encode(rnd)));
            let file = {
                use std::os::unix::fs::OpenOptionsExt;
                std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&path)
                    .map_err(|e| format!("staging: {e}"))?
            };
            let verifier = match crate::crypto::kgm::StreamVerifier::new(b.size) {
                Ok(v) => v,
                Err(e) => {
                    let _ = std::fs::remove_file(&path);
                    return Err(format!("staging: {e}"));
                }
            };
            *incoming = Some(Incoming {
                begin: b,
                path,
                file,
                verifier,
                got: 0,
                kicked: 0,
                buf: crate::crypto::pipe::Pool::default().get(),
                len: 0,
                pool: Default::default(),
                written: 0,
            });
        }
        Frame::KgmData(d) => on_data(incoming, &d)?,
        Frame::KgmEnd => {
            let mut inc = incoming.take().ok_or("KGM_END outside a kriptogram")?;
            if let Err(e) = inc.drain() {
                let _ = std::fs::remove_file(&inc.path);
                return Err(e);
            }
            let _ = inc.file.sync_all();
            let streamed = match inc.verifier.finish() {
                Ok(s) => s,
                Err(e) => {
                    let _ = std::fs::remove_file(&inc.path);
                    return Err(format!("verifying: {e}"));
                }
            };
            let sha = hex::encode(streamed.file_sha256);
            if inc.got != inc.begin.size || sha != inc.begin.sha256 {
                // The sender trusts its sealed copy and does not re-hash it: a copy damaged on its
                // disk (or in transit) is refused here with a receipt that says so, not retried.
                let _ = std::fs::remove_file(&inc.path);
                return queue_resi(
                    state,
                    peer,
                    &inc.begin.msg_id,
                    &sha,
                    "ditolak",
                    Some(&format!(
                        "format: the .kgm that arrived ({} bytes, SHA-256 {sha}) is not the one announced ({} bytes, SHA-256 {}): the sender's copy changed after sealing or was damaged; seal it again",
                        inc.got, inc.begin.size, inc.begin.sha256
                    )),
                );
            }
            let (status, reason, msg_id) = {
                let _g = state.work.read();
                let verified = super::kriptogram::known_senders(state)
                    .map_err(|(_, m)| crate::crypto::KgmError::Io(std::io::Error::other(m)))
                    .and_then(|peers| streamed.verify(&|id| peers.get(id).map(|p| p.0)));
                super::kriptogram::receive_over_link(
                    state,
                    peer,
                    &inc.path,
                    &inc.begin.msg_id,
                    verified,
                )
            };
            queue_resi(state, peer, &msg_id, &sha, status, reason.as_deref())?;
        }
        Frame::Resi(r) => {
            let key = format!("resi:{}:{}", r.msg_id, r.status);
            if let Err(e) = on_resi(state, peer, &r) {
                tracing::warn!(peer, error = %e, "link: receipt refused");
            }
            conn.send(&Frame::Ack(Ack { key }))?;
        }
        Frame::Ack(a) => {
            state
                .store
                .link_outbox_remove(peer, &a.key)
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Appends `d` (the body of a `KGM_DATA` frame) to the letter being received. Errors (the caller
/// drops the connection): data outside a letter, more data than announced, the staging file.
fn on_data(incoming: &mut Option<Incoming>, d: &[u8]) -> Result<(), String> {
    let inc = incoming.as_mut().ok_or("KGM_DATA outside a kriptogram")?;
    inc.got += d.len() as u64;
    if inc.got > inc.begin.size {
        return Err("more kriptogram data than announced".into());
    }
    if inc.len + d.len() > crate::crypto::pipe::BLOCK {
        inc.drain()?;
    }
    let at = inc.len;
    crate::crypto::pipe::block_mut(&mut inc.buf)[at..at + d.len()].copy_from_slice(d);
    inc.len += d.len();
    Ok(())
}

/// Signs a receipt for the letter `msg_id` of `sender` and queues it for `sender`.
fn queue_resi(
    state: &NodeState,
    sender: &str,
    msg_id: &str,
    kgm_sha256: &str,
    status: &str,
    reason: Option<&str>,
) -> Result<(), String> {
    let keys = state.identity.keys().ok_or("node locked")?;
    let at = now().round(jiff::Unit::Second).unwrap_or(now()).to_string();
    let fields = ResiFields {
        sender,
        receiver: &state.node_id,
        msg_id,
        kgm_sha256,
        status,
        at: &at,
        reason: reason.unwrap_or(""),
    };
    let sig = fields.sign(&keys.signing);
    let resi = Resi {
        v: 1,
        sender: sender.into(),
        receiver: state.node_id.clone(),
        msg_id: msg_id.into(),
        kgm_sha256: kgm_sha256.into(),
        status: status.into(),
        at,
        reason: reason.map(str::to_string),
        sig: hex::encode(sig),
    };
    let json = serde_json::to_string(&resi).map_err(|e| e.to_string())?;
    state
        .store
        .link_queue_resi(sender, &format!("resi:{msg_id}:{status}"), &json, now())
        .map_err(|e| e.to_string())?;
    state.link.wake();
    Ok(())
}

/// After an operator opened a kriptogram that arrived over the link: return `DIBUKA` once.
pub fn after_open(state: &NodeState, sender: &str, msg_id: &str, sha: &[u8; 32]) {
    if let Ok(true) = state.store.link_inbox_mark_opened(sender, msg_id)
        && let Err(e) = queue_resi(state, sender, msg_id, &hex::encode(sha), "dibuka", None)
    {
        tracing::warn!(sender, error = %e, "link: DIBUKA not queued");
    }
}

fn on_resi(state: &Arc<NodeState>, peer: &str, r: &Resi) -> Result<(), String> {
    if r.v != 1 || r.sender != state.node_id || r.receiver != peer {
        return Err("receipt not for this node or not from this peer".into());
    }
    if !matches!(r.status.as_str(), "diterima" | "dibuka" | "ditolak") {
        return Err(format!("unknown receipt status {:?}", r.status));
    }
    let rec = state
        .store
        .peer(peer)
        .map_err(|e| e.to_string())?
        .ok_or("unknown peer")?;
    let card = NodeCard::parse(&rec.card).map_err(|e| e.to_string())?;
    let sig: [u8; 64] = hex::decode(&r.sig)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or("receipt signature is not 64 bytes of hex")?;
    ResiFields {
        sender: &r.sender,
        receiver: &r.receiver,
        msg_id: &r.msg_id,
        kgm_sha256: &r.kgm_sha256,
        status: &r.status,
        at: &r.at,
        reason: r.reason.as_deref().unwrap_or(""),
    }
    .verify(&card.signing, &sig)
    .map_err(|e| e.to_string())?;
    let at: Timestamp = r.at.parse().map_err(|_| "receipt time is not RFC 3339")?;
    let Some(sent) = state
        .store
        .link_sent(&r.msg_id)
        .map_err(|e| e.to_string())?
    else {
        return Ok(()); // not a letter of ours on the link (e.g. carried by hand): nothing to record
    };
    if r.status != "ditolak" && sent.sha256 != r.kgm_sha256 {
        return Err("receipt names other bytes than the sealed kriptogram".into());
    }
    let signed = serde_json::to_string(r).map_err(|e| e.to_string())?;
    let (_, ch) = state
        .store
        .link_record_receipt(
            peer,
            &r.msg_id,
            &ReceiptRecord {
                status: r.status.clone(),
                at,
                reason: r.reason.clone(),
                signed,
            },
            now(),
        )
        .map_err(|e| e.to_string())?;
    state.hub.publish_changes(ch);
    Ok(())
}

fn retry_wait(derajat: &str) -> Duration {
    Duration::from_secs(match derajat {
        "kilat" => 15,
        "sangat_segera" => 30,
        "segera" => 60,
        _ => 120,
    })
}

fn max_backoff(derajat: Option<&str>) -> u64 {
    match derajat {
        Some("kilat") => 5,
        Some("sangat_segera") => 15,
        Some("segera") => 60,
        Some(_) => 300,
        None => 60,
    }
}

/// How long a `.kgm` may stay queued before the flash-disk alarm.
pub fn alarm_after(state: &NodeState, derajat: &str) -> Duration {
    if let Some(s) = state.cfg.link.alarm_after_secs {
        return Duration::from_secs(s);
    }
    Duration::from_secs(match derajat {
        "kilat" => 5 * 60,
        "sangat_segera" => 30 * 60,
        "segera" => 2 * 3600,
        _ => 8 * 3600,
    })
}

/// A file's modification time in ns since the epoch (filesystem clock), if the filesystem has one.
/// (An `i64`: `i128` does not survive serde's internally tagged enums the outbox is stored in.)
fn mtime_ns(md: &std::fs::Metadata) -> Option<i64> {
    let t = md.modified().ok()?;
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).ok(),
        Err(e) => i64::try_from(e.duration().as_nanos()).ok().map(|n| -n),
    }
}

/// Sends the `.kgm` at `path` in one reading: `KGM_BEGIN` carries its size and the SHA-256 recorded
/// when it was sealed (`sha256`), then the bytes as they are. The sender does not hash them again:
/// the receiver hashes every byte to verify the signature anyway, and answers `DITOLAK` naming both
/// hashes when they are not the announced ones (a copy damaged on this disk), so nothing is retried
/// in vain and nothing unverified is released.
///
/// A file modified after it was sealed (its mtime differs from `sealed_mtime_ns`, or that is
/// unknown) is hashed first instead, and sent with that hash: it reaches the receiver, whose
/// signature check answers `DITOLAK`. Only filesystem times are compared, never the node's clock.
fn send_kgm(
    conn: &Conn,
    msg_id: &str,
    path: &Path,
    sealed_sha256: &str,
    sealed_mtime_ns: Option<i64>,
) -> Result<(), String> {
    use crate::crypto::pipe::{self, Pool};
    let f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let md = f.metadata().map_err(|e| e.to_string())?;
    let size = md.len();
    let modified_after_queueing = sealed_mtime_ns.is_none() || mtime_ns(&md) != sealed_mtime_ns;
    let fresh;
    let sha256 = if modified_after_queueing {
        fresh = hex::encode(
            pipe::hash_all(&mut &f)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .1,
        );
        fresh.as_str()
    } else {
        sealed_sha256
    };
    conn.send(&Frame::KgmBegin(KgmBegin {
        msg_id: msg_id.into(),
        size,
        sha256: sha256.into(),
    }))?;
    let mut pool = Pool::default();
    let mut r = &f;
    std::io::Seek::seek(&mut r, std::io::SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    let mut sent = 0u64;
    while sent < size {
        let mut b = pool.get();
        let want = (size - sent).min(pipe::BLOCK as u64) as usize;
        let n = pipe::read_full(&mut r, &mut pipe::block_mut(&mut b)[..want])
            .map_err(|e| e.to_string())?;
        if n == 0 {
            conn.close();
            return Err("the .kgm shrank while sending".into());
        }
        for piece in b[..n].chunks(DATA_CHUNK) {
            conn.send_data(piece)?;
        }
        pool.put(b);
        sent += n as u64;
    }
    conn.send(&Frame::KgmEnd)
}

/// Sends what is due for the connection's peer until the connection closes.
fn pump_loop(state: &Arc<NodeState>, conn: &Arc<Conn>) {
    let peer = conn.peer.clone();
    let mut seen = 0u64;
    let mut last_sent = Instant::now();
    let mut reported = false;
    while !conn.closed.load(Ordering::SeqCst) && !state.stop.load(Ordering::SeqCst) {
        let items = match state.store.link_outbox(&peer) {
            Ok(items) => items,
            Err(e) => {
                // Never an outbox that silently looks empty: say it once per connection, loudly.
                if !reported {
                    reported = true;
                    let msg = format!(
                        "antrean link untuk {peer} tidak terbaca ({e}); tidak ada yang dikirim ke node ini sampai diperbaiki: laporkan ke admin, bawa kriptogram dengan flashdisk"
                    );
                    tracing::error!(peer = %peer, error = %e, "link outbox unreadable");
                    if let Ok((_, ch)) =
                        state
                            .store
                            .raise_alarm("link.outbox", &msg, &format!("peer:{peer}"), now())
                    {
                        state.hub.publish_changes(ch);
                    }
                }
                Vec::new()
            }
        };
        let t = now();
        for (key, mut item) in items {
            if conn.closed.load(Ordering::SeqCst) {
                break;
            }
            if item.next_at.is_some_and(|n| n > t) {
                continue;
            }
            let r = match &item.payload {
                OutboxPayload::Kgm {
                    msg_id,
                    path,
                    sha256,
                    mtime_ns,
                    ..
                } => send_kgm(conn, msg_id, Path::new(path), sha256, *mtime_ns),
                OutboxPayload::Resi { json } => match serde_json::from_str::<Resi>(json) {
                    Ok(r) => conn.send(&Frame::Resi(Box::new(r))),
                    Err(e) => Err(format!("stored receipt unreadable: {e}")),
                },
            };
            let wait = match &item.payload {
                OutboxPayload::Kgm { derajat, .. } => retry_wait(derajat),
                OutboxPayload::Resi { .. } => Duration::from_secs(30),
            };
            item.attempts += 1;
            item.next_at = t.checked_add(wait).ok();
            item.last_error = r.as_ref().err().cloned();
            let _ = state.store.link_outbox_update(&peer, &key, &item);
            if let Err(e) = r {
                state.link.set_error(&peer, &e);
                conn.close();
                return;
            }
            last_sent = Instant::now();
        }
        if last_sent.elapsed() >= PING_EVERY {
            if let Err(e) = conn.send(&Frame::Ping) {
                state.link.set_error(&peer, &e);
                conn.close();
                return;
            }
            last_sent = Instant::now();
        }
        seen = state.link.wait(seen, Duration::from_secs(1));
    }
}

/// Dials peers with an address that have no link, with backoff; raises the flash-disk alarm.
fn maintenance_loop(state: Arc<NodeState>) {
    let mut next_alarm_check = Instant::now();
    while !state.stop.load(Ordering::SeqCst) {
        let addrs = state.store.link_addrs().unwrap_or_default();
        for (peer, addr) in addrs {
            let due = state.link.with_peer(&peer, |p| {
                p.conn.is_none() && !p.dialing && p.next_dial.is_none_or(|n| Instant::now() >= n)
            });
            if !due {
                continue;
            }
            state.link.with_peer(&peer, |p| p.dialing = true);
            let st = state.clone();
            let _ = std::thread::Builder::new()
                .name("link-out".into())
                .spawn(move || {
                    let r = dial(&st, &peer, &addr);
                    let urgent = most_urgent(&st, &peer);
                    st.link.with_peer(&peer, |p| {
                        p.dialing = false;
                        let cap = max_backoff(urgent.as_deref());
                        p.backoff_secs = if r.is_err() {
                            (p.backoff_secs.max(1) * 2).min(cap)
                        } else {
                            1
                        };
                        p.next_dial = Some(Instant::now() + Duration::from_secs(p.backoff_secs));
                    });
                    if let Err(e) = r {
                        st.link.set_error(&peer, &e);
                    }
                });
        }
        if Instant::now() >= next_alarm_check {
            check_alarms(&state);
            next_alarm_check = Instant::now() + Duration::from_secs(1);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn most_urgent(state: &NodeState, peer: &str) -> Option<String> {
    let rank = |d: &str| match d {
        "kilat" => 0,
        "sangat_segera" => 1,
        "segera" => 2,
        _ => 3,
    };
    state
        .store
        .link_outbox(peer)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(_, i)| match i.payload {
            OutboxPayload::Kgm { derajat, .. } => Some(derajat),
            OutboxPayload::Resi { .. } => None,
        })
        .min_by_key(|d| rank(d))
}

fn check_alarms(state: &NodeState) {
    let t = now();
    for p in state.store.peers().unwrap_or_default() {
        for (key, mut item) in state.store.link_outbox(&p.node_id).unwrap_or_default() {
            let OutboxPayload::Kgm {
                msg_id,
                path,
                derajat,
                ..
            } = &item.payload
            else {
                continue;
            };
            if item.alarmed {
                continue;
            }
            let limit = alarm_after(state, derajat);
            let waited = t.duration_since(item.queued_at);
            if waited.as_secs() < 0 || waited.unsigned_abs() < limit {
                continue;
            }
            let msg = format!(
                "kriptogram {msg_id} untuk {} belum terkirim lewat link sejak {} (derajat {derajat}): bawa dengan flashdisk — berkas {path}",
                p.node_id, item.queued_at
            );
            if let Ok((_, ch)) =
                state
                    .store
                    .raise_alarm("link.flashdisk", &msg, &format!("peer:{}", p.node_id), t)
            {
                state.hub.publish_changes(ch);
            }
            item.alarmed = true;
            let _ = state.store.link_outbox_update(&p.node_id, &key, &item);
        }
    }
}

/// Queues a freshly sealed kriptogram for each recipient reachable by link (its card has a link key
/// and it has an address, or this node listens). Called by `kriptogram::seal` after the commit.
pub fn queue_sealed(
    state: &NodeState,
    entry_id: u64,
    path: &Path,
    msg_id: &str,
    sha256: &str,
    derajat: &str,
    recipients: &[String],
) {
    let peers = link_peers(state);
    let listening = state.cfg.link.listen.is_some();
    let linked: Vec<String> = recipients
        .iter()
        .filter(|r| {
            peers.contains_key(r.as_str())
                && (listening || state.store.link_addr(r).ok().flatten().is_some())
        })
        .cloned()
        .collect();
    if linked.is_empty() {
        return;
    }
    let sent = SentRecord {
        entry_id,
        path: path.display().to_string(),
        sha256: sha256.into(),
        recipients: recipients.to_vec(),
        mtime_ns: std::fs::metadata(path).ok().and_then(|m| mtime_ns(&m)),
    };
    match state
        .store
        .link_queue_kgm(&sent, msg_id, derajat, &linked, now())
    {
        Ok(()) => state.link.wake(),
        Err(e) => tracing::error!(error = %e, "link: kriptogram not queued"),
    }
}

/// Handles the link requests (`kasa peer set`, `kasa peer status`, receipts).
pub(super) fn handle(state: &NodeState, op: &crate::domain::Operator, r: LinkRequest) -> KResult {
    let st = &state.store;
    let se = |e: crate::store::StoreError| match e {
        crate::store::StoreError::NotFound(m) => ("not_found", m),
        crate::store::StoreError::Rule(m) => ("rule", m),
        other => ("internal", other.to_string()),
    };
    match r {
        LinkRequest::PeerSetAddress { node_id, address } => {
            let address = address.filter(|a| !a.eq_ignore_ascii_case("none"));
            if let Some(a) = &address
                && a.parse::<SocketAddr>().is_err()
            {
                return Err((
                    "invalid",
                    format!(
                        "address {a:?} is not HOST:PORT with a numeric address, e.g. 127.0.0.1:7470 (or `none` to clear)"
                    ),
                ));
            }
            st.link_set_addr(&Actor::operator(op), &node_id, address.as_deref(), now())
                .map_err(se)?;
            state.link.with_peer(&node_id, |p| {
                p.next_dial = None;
                p.backoff_secs = 0;
                p.last_error = None;
            });
            Ok(Reply::Link(LinkReply::AddressSet { node_id, address }))
        }
        LinkRequest::PeerStatus => {
            let mut peers = vec![];
            for p in st.peers().map_err(se)? {
                let queued = st.link_outbox(&p.node_id).map_err(se)?.len();
                let address = st.link_addr(&p.node_id).map_err(se)?;
                let (connected, last_seen, last_error) = state.link.with_peer(&p.node_id, |r| {
                    (r.conn.is_some(), r.last_seen, r.last_error.clone())
                });
                peers.push(PeerLinkStatus {
                    node_id: p.node_id,
                    connected,
                    last_seen,
                    queued,
                    last_error,
                    address,
                });
            }
            Ok(Reply::Link(LinkReply::PeerStatus { peers }))
        }
        LinkRequest::Receipts { entry } => {
            let receipts: Vec<ReceiptInfo> = st
                .kgm_receipts(entry)
                .map_err(se)?
                .into_iter()
                .map(|(peer, r)| {
                    let signed = serde_json::from_str::<crate::proto::link::Resi>(&r.signed).ok();
                    ReceiptInfo {
                        peer,
                        status: r.status,
                        at: r.at,
                        reason: r.reason,
                        msg_id: signed.as_ref().map(|s| s.msg_id.clone()),
                        kgm_sha256: signed.map(|s| s.kgm_sha256),
                    }
                })
                .collect();
            let (recipients, queued) = st.link_delivery(entry).map_err(se)?;
            let rc: Vec<_> = receipts
                .iter()
                .map(|r: &ReceiptInfo| (r.peer.clone(), r.status.clone(), r.at, r.reason.clone()))
                .collect();
            let pengiriman = crate::domain::pengiriman::per_penerima(&recipients, &queued, &rc);
            Ok(Reply::Link(LinkReply::Receipts {
                receipts,
                pengiriman,
            }))
        }
    }
}
