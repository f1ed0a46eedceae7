//! Runs the state's effects against a node connection. Tests drive a `Session` with key strings
//! against a real node; the terminal loop uses the same type.

use std::collections::{HashMap, VecDeque};
use std::sync::mpsc::{self, Receiver, Sender};

use base64::Engine;
use crossterm::event::KeyEvent;

use super::action::Action;
use super::app::{App, Effect, Purpose};
use super::keymap::parse_keys;
use crate::client::{Client, ClientError};
use crate::proto::{Reply, Request};

/// The node connection as the console needs it.
pub trait NodeLink {
    fn call(&mut self, req: Request) -> Result<Reply, ClientError>;
}

impl NodeLink for Client {
    fn call(&mut self, req: Request) -> Result<Reply, ClientError> {
        Client::call(self, req)
    }
}

/// A node connection driven on its own thread: requests go in with a sequence number, replies come
/// back in the same order on a channel, so the input thread never waits for the node (a slow unlock,
/// export or seal does not freeze the keys). `wake` is called after each reply is queued (the terminal
/// loop uses it to wake up).
pub struct Worker {
    tx: Sender<(u64, Request)>,
    rx: Receiver<(u64, Result<Reply, ClientError>)>,
}

impl Worker {
    /// Moves `link` onto a new thread.
    pub fn spawn<L: NodeLink + Send + 'static>(
        mut link: L,
        wake: Option<Box<dyn Fn() + Send>>,
    ) -> Worker {
        let (tx, req_rx) = mpsc::channel::<(u64, Request)>();
        let (rep_tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut queue: VecDeque<(u64, Request)> = VecDeque::new();
            loop {
                if queue.is_empty() {
                    match req_rx.recv() {
                        Ok(m) => queue.push_back(m),
                        Err(_) => return,
                    }
                }
                queue.extend(req_rx.try_iter());
                let Some((seq, req)) = queue.pop_front() else {
                    continue;
                };
                // Typing queues one draft save per key: over a slow link only the newest draft of a
                // form is sent, the older ones are answered as done (same key, replaced anyway).
                let superseded = matches!(&req, Request::DraftPut { key, .. }
                    if queue.iter().any(|(_, r)| matches!(r, Request::DraftPut { key: k, .. } if k == key)));
                let r = if superseded {
                    Ok(Reply::Ok)
                } else {
                    link.call(req)
                };
                if rep_tx.send((seq, r)).is_err() {
                    return;
                }
                if let Some(w) = &wake {
                    w();
                }
            }
        });
        Worker { tx, rx }
    }
}

/// State plus (maybe) a connection.
/// Runs a request (with the paths of an attachment's files) on a connection of its own: see
/// [`Session::background`].
pub type Background = Box<dyn FnMut(Request, Vec<std::path::PathBuf>, Purpose)>;

pub struct Session<L: NodeLink> {
    pub app: App,
    pub link: Option<L>,
    /// When set, requests run on this worker thread instead of `link` (the terminal loop).
    pub worker: Option<Worker>,
    /// Requests sent to the worker and not answered yet, by sequence number.
    pending: HashMap<u64, Purpose>,
    next_seq: u64,
    /// The terminal must be cleared before the next draw (Ctrl-L).
    pub clear: bool,
    /// Runs an [`Effect::CallLong`] (and an attachment's files, passed as descriptors) in the
    /// background (the terminal: its own connection in a thread,
    /// the reply comes back as a message). `None`: long calls run like the others, on `link`.
    pub background: Option<Background>,
    /// The node refused this operator as disabled: the terminal loop stops reconnecting.
    pub disabled: bool,
}

impl<L: NodeLink> Session<L> {
    /// The node refused a connection or a request of this operator as disabled (code `disabled`):
    /// the console says so once, offers to quit, and stops reconnecting. `false` for other errors.
    pub fn refused_disabled(&mut self, e: &ClientError) -> bool {
        if e.code() != Some(crate::proto::ErrorCode::Disabled) {
            return false;
        }
        if !self.disabled {
            let text = self.app.cx.refusal(e);
            self.app.operator_disabled(&text);
        }
        self.disabled = true;
        self.link = None;
        self.worker = None;
        self.pending.clear();
        self.app.cx.busy = 0;
        true
    }

    pub fn new(app: App, link: Option<L>) -> Session<L> {
        let mut s = Session {
            app,
            link,
            worker: None,
            pending: HashMap::new(),
            next_seq: 1,
            clear: false,
            background: None,
            disabled: false,
        };
        s.app.cx.connected = s.link.is_some();
        s
    }

    /// Moves the connection onto a worker thread: from now on requests do not block (see [`Worker`]).
    pub fn spawn_worker(&mut self, wake: Option<Box<dyn Fn() + Send>>)
    where
        L: Send + 'static,
    {
        if let Some(l) = self.link.take() {
            self.worker = Some(Worker::spawn(l, wake));
        }
    }

    /// Is a connection (direct or on the worker) open?
    pub fn connected(&self) -> bool {
        self.link.is_some() || self.worker.is_some()
    }

    /// Requests sent to the worker and not answered yet.
    pub fn in_flight(&self) -> usize {
        self.pending.len()
    }

    /// A failure of the connection itself closes it (the terminal loop reconnects).
    fn failed(&mut self, e: ClientError) -> String {
        if self.refused_disabled(&e) {
            // The node refuses everything from now on: said once, quit offered, no more asking.
            return self.app.cx.refusal(&e);
        }
        if matches!(
            e,
            ClientError::Lost(_) | ClientError::Timeout(_) | ClientError::NoNode(_)
        ) {
            self.link = None;
            self.worker = None;
            self.pending.clear();
            self.app.cx.busy = 0;
            self.app.cx.set_connected(false);
        }
        self.app.cx.refusal(&e)
    }

    /// Applies the replies the worker has sent so far (never waits); true when any arrived.
    pub fn poll(&mut self) -> bool {
        let mut got = Vec::new();
        if let Some(w) = &self.worker {
            while let Ok(r) = w.rx.try_recv() {
                got.push(r);
            }
        }
        let any = !got.is_empty();
        for (seq, r) in got {
            let Some(purpose) = self.pending.remove(&seq) else {
                continue;
            };
            self.app.cx.busy = self.pending.len();
            let r = r.map_err(|e| self.failed(e));
            let e = self.app.on_reply(purpose, r);
            self.run(e);
        }
        if any && self.pending.is_empty() {
            let e = self.app.idle();
            self.run(e);
        }
        any
    }

    /// Before the console ends (quit, SIGHUP of a dropped SSH session, end of input): waits up to
    /// `timeout` in all for the requests still queued on the worker, so the last draft typed into a
    /// form reaches the node. Returns the number still unanswered (0: everything was sent).
    pub fn flush(&mut self, timeout: std::time::Duration) -> usize {
        let deadline = std::time::Instant::now() + timeout;
        while !self.pending.is_empty() && self.worker.is_some() {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() || !self.wait_reply(left) {
                break;
            }
        }
        self.pending.len()
    }

    /// Waits up to `timeout` for a worker reply and applies it (and any others queued).
    pub fn wait_reply(&mut self, timeout: std::time::Duration) -> bool {
        let first = match &self.worker {
            Some(w) => w.rx.recv_timeout(timeout).ok(),
            None => None,
        };
        let Some((seq, r)) = first else {
            return false;
        };
        if let Some(purpose) = self.pending.remove(&seq) {
            self.app.cx.busy = self.pending.len();
            let r = r.map_err(|e| self.failed(e));
            let e = self.app.on_reply(purpose, r);
            self.run(e);
        }
        self.poll();
        true
    }

    /// Runs effects until none are left (calls on the worker return at once; their replies come
    /// through [`Session::poll`]).
    pub fn run(&mut self, effects: Vec<Effect>) {
        let mut q: VecDeque<Effect> = effects.into();
        while let Some(e) = q.pop_front() {
            match e {
                Effect::Call(mut req, purpose) => {
                    if let Some(w) = &self.worker {
                        let seq = self.next_seq;
                        self.next_seq += 1;
                        match w.tx.send((seq, req)) {
                            Ok(()) => {
                                self.pending.insert(seq, purpose);
                                self.app.cx.busy = self.pending.len();
                                self.app.cx.dirty = true;
                                continue;
                            }
                            // The worker is gone: fall back to no connection.
                            Err(mpsc::SendError((_, r))) => req = r,
                        }
                        self.worker = None;
                        self.app.cx.set_connected(false);
                    }
                    let r = match &mut self.link {
                        Some(l) => match l.call(req) {
                            Ok(r) => Ok(r),
                            Err(e) => Err(self.failed(e)),
                        },
                        None => Err(self
                            .app
                            .tr("node tidak terhubung", "node not connected")
                            .to_string()),
                    };
                    q.extend(self.app.on_reply(purpose, r));
                }
                Effect::WriteFile(path, b64) => {
                    let r = base64::engine::general_purpose::STANDARD
                        .decode(b64)
                        .map_err(|e| e.to_string())
                        .and_then(|d| {
                            crate::crypto::fsutil::write_new_private(&path, &d)
                                .map_err(|e| e.to_string())
                        });
                    match r {
                        Ok(()) => self
                            .app
                            .notify(format!("lampiran diekspor ke {}", path.display()), false),
                        Err(e) => self
                            .app
                            .notify(format!("gagal menulis {}: {e}", path.display()), true),
                    }
                }
                Effect::WriteDoc { path, bytes, what } => {
                    let mut r = Err(String::new());
                    let mut at = path.clone();
                    for n in 1..100 {
                        if n > 1 {
                            let stem = path
                                .file_stem()
                                .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
                            let ext = path
                                .extension()
                                .map_or_else(String::new, |e| format!(".{}", e.to_string_lossy()));
                            at = path.with_file_name(format!("{stem}-{n}{ext}"));
                        }
                        r = crate::crypto::fsutil::write_new_private(&at, &bytes)
                            .map_err(|e| e.to_string());
                        if !at.exists() || r.is_ok() {
                            break;
                        }
                    }
                    let shown = std::fs::canonicalize(&at).unwrap_or(at.clone());
                    let written = self.app.tr("ditulis ke", "written to").to_string();
                    match r {
                        Ok(()) => self
                            .app
                            .notify(format!("{what} {written}: {}", shown.display()), false),
                        Err(e) => self
                            .app
                            .notify(format!("gagal menulis {}: {e}", at.display()), true),
                    }
                }
                Effect::CallWithFiles(req, paths, purpose)
                    if matches!(
                        req,
                        Request::AgendaAttach { .. }
                            | Request::Insiden(crate::proto::insiden::InsidenRequest::Bukti { .. })
                    ) && self.background.is_some() =>
                {
                    // Files of any size: opened here, handed to the node as descriptors on a
                    // connection of their own (issue 14), never read into a frame.
                    if let Some(run) = &mut self.background {
                        run(req, paths, purpose);
                    }
                }
                Effect::CallWithFiles(mut req, paths, purpose) => {
                    let mut loaded = Vec::new();
                    let mut failed = None;
                    for p in &paths {
                        match std::fs::read(p) {
                            Ok(d) => loaded.push(crate::proto::KgmFile {
                                name: p
                                    .file_name()
                                    .map(|n| n.to_string_lossy().into_owned())
                                    .unwrap_or_default(),
                                data_b64: base64::engine::general_purpose::STANDARD.encode(d),
                                ..Default::default()
                            }),
                            Err(e) => {
                                failed = Some(format!("{}: {e}", p.display()));
                                break;
                            }
                        }
                    }
                    if let Some(e) = failed {
                        self.app.cx.notify(e, true);
                        continue;
                    }
                    match &mut req {
                        Request::KriptogramSeal { files, .. }
                        | Request::AgendaAttach { files, .. } => files.extend(loaded),
                        Request::Insiden(crate::proto::insiden::InsidenRequest::Bukti {
                            berkas,
                            ..
                        }) => *berkas = loaded.into_iter().next(),
                        _ => {}
                    }
                    q.push_back(Effect::Call(req, purpose));
                }
                Effect::CallLong(req, purpose) => match &mut self.background {
                    Some(run) => run(req, Vec::new(), purpose),
                    None => q.push_front(Effect::Call(req, purpose)),
                },
                Effect::ClearScreen => self.clear = true,
                Effect::Refresh => {
                    let e = self.app.refresh();
                    q.extend(e);
                }
                Effect::Quit => self.app.cx.quit = true,
            }
        }
    }

    /// Loads everything (after connecting).
    pub fn start(&mut self) {
        let e = self.app.start();
        self.run(e);
    }

    pub fn key(&mut self, ev: KeyEvent) {
        let e = self.app.on_key(ev);
        self.run(e);
    }

    /// Presses keys written as a key string (`r<Tab><C-s>`); panics on a bad key name (tests).
    pub fn keys(&mut self, s: &str) {
        for k in parse_keys(s).expect("valid key string") {
            self.key(k.to_event());
        }
    }

    pub fn action(&mut self, a: Action) {
        let e = self.app.update(a);
        self.run(e);
    }
}
