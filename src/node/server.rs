//! The Unix-socket server: bind, accept, identify the peer (SO_PEERCRED), read frames, dispatch.

use std::io::{BufReader, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::NodeState;
use super::limits::{self, Outbox};
use crate::config::NodeConfig;
use crate::domain::Operator;
use crate::proto::{self, ClientMsg, Event, NodeMsg};

/// Peer credentials of a connection, from the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerCred {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
    /// This connection's number (set when it is served; 0 before): what form claims are held by.
    pub conn: u64,
}

/// Reads SO_PEERCRED of a connected Unix stream.
pub fn peer_cred(s: &UnixStream) -> std::io::Result<PeerCred> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into `cred`, a properly sized ucred.
    let r = unsafe {
        libc::getsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if r != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(PeerCred {
        pid: cred.pid,
        uid: cred.uid,
        gid: cred.gid,
        conn: 0,
    })
}

fn resolve_group(g: &str) -> Result<u32, String> {
    if let Ok(n) = g.parse::<u32>() {
        return Ok(n);
    }
    let c = std::ffi::CString::new(g).map_err(|_| format!("bad group name '{g}'"))?;
    // SAFETY: getgrnam returns a pointer into static storage or null; we only read gr_gid.
    let p = unsafe { libc::getgrnam(c.as_ptr()) };
    if p.is_null() {
        return Err(format!(
            "socket_group '{g}' does not exist: create it (groupadd {g}) or use a numeric gid"
        ));
    }
    // SAFETY: p is non-null and points to a valid group record.
    Ok(unsafe { (*p).gr_gid })
}

/// The bound socket: the listener (shared with the accept thread so the main thread can wake it with
/// shutdown(2), never through the socket path) and the identity of the socket file we created, so a
/// stop removes only our own file.
pub struct Bound {
    pub listener: Arc<UnixListener>,
    file: Option<(u64, u64)>,
}

impl Bound {
    /// Wakes the accept thread: shutdown(2) on the listening descriptor makes poll/accept return at once,
    /// whatever happened to the socket path (removed, replaced by another program's socket).
    pub fn wake(&self) {
        // SAFETY: shutdown on a descriptor this Arc keeps open.
        unsafe {
            libc::shutdown(self.listener.as_raw_fd(), libc::SHUT_RDWR);
        }
    }

    /// Removes the socket file if it is still the one this node created.
    pub fn remove_file(&self, socket: &Path) {
        use std::os::unix::fs::MetadataExt;
        if let (Some((dev, ino)), Ok(md)) = (self.file, std::fs::symlink_metadata(socket))
            && md.dev() == dev
            && md.ino() == ino
        {
            let _ = std::fs::remove_file(socket);
        }
    }
}

/// Binds the socket, sets its mode and group. A socket file left by a dead node is replaced; a socket on
/// which another live node answers is refused (we hold our own data directory's lock, but another data
/// directory may name the same socket).
pub fn bind(socket: &Path, cfg: &NodeConfig) -> Result<Bound, String> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    if let Some(dir) = socket.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    if let Ok(md) = std::fs::symlink_metadata(socket) {
        if !md.file_type().is_socket() {
            return Err(format!(
                "{} exists and is not a socket: move it away or set another `socket` in node.toml",
                socket.display()
            ));
        }
        if UnixStream::connect(socket).is_ok() {
            return Err(format!(
                "another node already serves {}: stop it first, or give this node another `socket` in node.toml",
                socket.display()
            ));
        }
        let _ = std::fs::remove_file(socket);
    }
    let l = UnixListener::bind(socket)
        .map_err(|e| format!("cannot listen on {}: {e}", socket.display()))?;
    let mode = cfg.socket_mode_bits()?;
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(mode))
        .map_err(|e| e.to_string())?;
    if !cfg.socket_group.is_empty() {
        let gid = resolve_group(&cfg.socket_group)?;
        std::os::unix::fs::lchown(socket, None, Some(gid))
            .map_err(|e| format!("cannot give {} to group {gid}: {e}", socket.display()))?;
    }
    l.set_nonblocking(true).map_err(|e| e.to_string())?;
    let file = std::fs::symlink_metadata(socket)
        .ok()
        .map(|m| (m.dev(), m.ino()));
    Ok(Bound {
        listener: Arc::new(l),
        file,
    })
}

/// A whole frame (length prefix and body) for `m`.
fn frame_of(m: &NodeMsg) -> Option<Vec<u8>> {
    let body = serde_json::to_vec(m).ok()?;
    if body.len() > proto::MAX_FRAME {
        return None;
    }
    let mut f = Vec::with_capacity(4 + body.len());
    f.extend_from_slice(&(body.len() as u32).to_be_bytes());
    f.extend_from_slice(&body);
    Some(f)
}

/// Writes `frame` without waiting (a refusal to a connection we will not serve), then drops it.
fn refuse_now(s: UnixStream, frame: Option<Vec<u8>>) {
    if let Some(f) = frame {
        let _ = s.set_nonblocking(true);
        let _ = (&s).write(&f);
    }
}

/// Accepts connections until the node stops; one thread per admitted connection (capped by
/// `limits.max_connections`). poll(2) with a timeout, so the stop flag is seen even if the wake-up is
/// lost; accept errors for lack of descriptors or memory back off (10 ms doubling to 1 s) instead of
/// spinning.
pub fn accept_loop(l: Arc<UnixListener>, state: Arc<NodeState>) {
    let lim = state.cfg.limits.clone();
    let mut backoff = Duration::ZERO;
    while !state.stop.load(Ordering::SeqCst) {
        let mut pfd = libc::pollfd {
            fd: l.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let r = unsafe { libc::poll(&mut pfd, 1, 250) };
        if r <= 0 {
            continue;
        }
        let s = match l.accept() {
            Ok((s, _)) => {
                backoff = Duration::ZERO;
                s
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
                ) =>
            {
                if backoff.is_zero() {
                    tracing::warn!(error = %e, open = state.conns.open(), "cannot accept connections (out of descriptors or memory); backing off");
                }
                backoff = (backoff * 2).clamp(Duration::from_millis(10), Duration::from_secs(1));
                std::thread::sleep(backoff);
                continue;
            }
            Err(e) => {
                if state.stop.load(Ordering::SeqCst) {
                    break;
                }
                tracing::debug!(error = %e, "accept failed");
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let _ = s.set_nonblocking(false);
        let Ok(cred) = peer_cred(&s) else { continue };
        let slot = match state.conns.admit(cred.uid, &lim) {
            Ok(slot) => slot,
            Err(why) => {
                refuse_now(s, frame_of(&NodeMsg::error(0, "busy", why.message())));
                continue;
            }
        };
        let st = state.clone();
        let _ = std::thread::Builder::new()
            .name("conn".into())
            .stack_size(256 * 1024)
            .spawn(move || serve(s, st, cred, slot));
    }
}

/// Explains a refusal to a non-operator. At most `limits.max_unauthenticated` such connections stay
/// open at once, each at most `limits.unauthenticated_ms` in total whatever it sends (so its request
/// write does not fail with EPIPE before it reads the reason); beyond that they are closed at once.
/// The audit record is written for the first refusal of a uid and then at most once a minute, with the
/// number of refusals left out (a flood cannot make the node write its disk full).
/// Refuses a connection at connect time with `code` (`disabled` for a disabled operator, so a
/// console that reconnects says so; `forbidden` otherwise) and `why`.
fn refuse(s: UnixStream, state: &NodeState, cred: PeerCred, code: &str, why: String) {
    let lim = &state.cfg.limits;
    if let Some(left_out) = state.conns.audit_refusal_due(cred.uid, Instant::now()) {
        let detail = if left_out > 0 {
            format!(
                "{why} ({left_out} more refusals of this uid in the last minute not recorded one by one)"
            )
        } else {
            why.clone()
        };
        let _ = state
            .store
            .audit_refusal(cred.uid, cred.pid, &detail, crate::clock::now());
        tracing::warn!(uid = cred.uid, pid = cred.pid, "refused connection");
    }
    let frame = frame_of(&NodeMsg::error(0, code, why));
    let Some(_linger) = state.conns.linger(lim) else {
        refuse_now(s, frame);
        return;
    };
    let total = Duration::from_millis(lim.unauthenticated_ms.max(1));
    let deadline = Instant::now() + total;
    let _ = s.set_write_timeout(Some(total));
    if let Some(f) = frame {
        let _ = (&s).write_all(&f);
    }
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || s.set_read_timeout(Some(left)).is_err() {
            break;
        }
        match (&s).read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
}

/// Why reading a request stopped.
enum ReadStop {
    /// Clean end of the connection.
    Closed,
    /// Reply with this error, then close.
    Error(&'static str, String),
}

/// Reads one request frame. Waiting for the length is unbounded (an idle operator console); once the
/// length arrived, its bytes are reserved from the node's in-flight budget (`limits.inflight_mib`;
/// refused with `busy` when exhausted) and the body must arrive within `limits.frame_timeout_secs`.
fn read_request(
    r: &mut impl Read,
    sock: &UnixStream,
    state: &NodeState,
) -> Result<(Vec<u8>, limits::Reserved), ReadStop> {
    let lim = &state.cfg.limits;
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match r.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Err(ReadStop::Closed),
            Ok(0) => return Err(ReadStop::Closed),
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return Err(ReadStop::Closed),
        }
        if got == 1 {
            let _ = sock.set_read_timeout(Some(Duration::from_secs(lim.frame_timeout_secs.max(1))));
        }
    }
    let n = u32::from_be_bytes(len) as usize;
    if n > proto::MAX_FRAME {
        return Err(ReadStop::Error(
            "bad_request",
            format!(
                "bad frame: frame length {n} exceeds the {}-byte cap; connection closed",
                proto::MAX_FRAME
            ),
        ));
    }
    let Some(reserved) = state.conns.reserve(n, lim) else {
        return Err(ReadStop::Error(
            "busy",
            format!(
                "the node is receiving too much data at once (limits.inflight_mib = {} MiB); send the {n}-byte request again in a moment",
                lim.inflight_mib
            ),
        ));
    };
    let deadline = Instant::now() + Duration::from_secs(lim.frame_timeout_secs.max(1));
    let mut body = Vec::with_capacity(n.min(64 * 1024));
    while body.len() < n {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || sock.set_read_timeout(Some(left)).is_err() {
            return Err(ReadStop::Error(
                "bad_request",
                format!(
                    "bad frame: {} of {n} bytes arrived within {} s (limits.frame_timeout_secs); connection closed",
                    body.len(),
                    lim.frame_timeout_secs
                ),
            ));
        }
        let want = (n - body.len()).min(1 << 20) as u64;
        match r.by_ref().take(want).read_to_end(&mut body) {
            Ok(0) => {
                return Err(ReadStop::Error(
                    "bad_request",
                    "bad frame: truncated frame body; connection closed".into(),
                ));
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return Err(ReadStop::Closed),
        }
    }
    let _ = sock.set_read_timeout(None);
    Ok((body, reserved))
}

/// The enabled operator record of `uid`, read now. Errors: `("disabled", why)` for a disabled operator,
/// `("forbidden", why)` for a uid that is not an operator, both with what to do.
fn current_operator(state: &NodeState, uid: u32) -> Result<Operator, (&'static str, String)> {
    match state.store.operator(uid) {
        Ok(Some(op)) if !op.disabled => Ok(op),
        Ok(Some(op)) => Err((
            "disabled",
            format!(
                "operator {} (uid {uid}) dinonaktifkan (disabled): akses ditolak; minta admin menjalankan `kasa operator enable {uid}`",
                op.nama
            ),
        )),
        Ok(None) => Err((
            "forbidden",
            format!(
                "uid {uid} is not a kasa operator: ask an admin to run `kasa operator add --uid {uid} --nama … --role …`"
            ),
        )),
        Err(e) => Err(("internal", format!("operator lookup failed: {e}"))),
    }
}

/// Lets root act as the admin `as_uid`. Errors name why not (not root, not an enabled admin).
fn act_as(state: &NodeState, cred: &PeerCred, as_uid: u32) -> Result<(), String> {
    if cred.uid != 0 {
        return Err(format!(
            "uid {} may not act as another operator: only root may use --as",
            cred.uid
        ));
    }
    match current_operator(state, as_uid) {
        Ok(op) if op.role == crate::domain::Role::Admin => {
            let _ = state.store.audit_event(
                &crate::store::Actor::operator(&op),
                "operator.act_as",
                &format!("uid:{as_uid}"),
                &format!("root (pid {}) bertindak sebagai {}", cred.pid, op.nama),
                crate::clock::now(),
            );
            Ok(())
        }
        Ok(op) => Err(format!(
            "--as {as_uid}: {} is {}, not an admin; root may act only as an admin",
            op.nama,
            op.role.as_str()
        )),
        Err((_, why)) => Err(format!("--as {as_uid}: {why}")),
    }
}

fn serve(s: UnixStream, state: Arc<NodeState>, mut cred: PeerCred, _slot: limits::Slot) {
    cred.conn = state.klaim.conn();
    // Connect-time check: unknown and disabled uids are refused at once. Root may connect without
    // being an operator, but can then only name an admin to act as (`kasa --as UID`).
    let root = cred.uid == 0;
    if let Err((code, why)) = current_operator(&state, cred.uid)
        && !root
    {
        refuse(s, &state, cred, code, why);
        return;
    }
    let lim = state.cfg.limits.clone();
    // The reader owns a duplicate of the socket (it receives passed descriptors with `recvmsg`);
    // timeouts and shutdown(2) act on the one socket behind both.
    let Ok(rs) = s.try_clone() else { return };
    let sock = Arc::new(s);
    let _ = sock.set_write_timeout(Some(Duration::from_secs(lim.write_timeout_secs.max(1))));
    let outbox = Arc::new(Outbox::new((lim.queue_kib as usize).saturating_mul(1024)));
    // Writer: replies and pushed events share one ordered, bounded outbox. A write that makes no progress
    // for `write_timeout_secs` (a client that does not read) closes the connection.
    let writer = {
        let (sock, outbox) = (sock.clone(), outbox.clone());
        std::thread::Builder::new()
            .name("conn-w".into())
            .stack_size(128 * 1024)
            .spawn(move || {
                while let Some(f) = outbox.pop() {
                    if (&*sock).write_all(&f).is_err() {
                        tracing::info!(
                            uid = cred.uid,
                            "client does not read its replies; disconnected"
                        );
                        outbox.abort();
                        let _ = sock.shutdown(std::net::Shutdown::Both);
                        break;
                    }
                }
            })
    };
    let Ok(writer) = writer else { return };
    let send = |m: NodeMsg| frame_of(&m).is_some_and(|f| outbox.push_reply(f));
    let mut sub: Option<u64> = None;
    // The uid whose operator record governs this connection (root acting as an admin: that admin).
    let mut acting = cred.uid;
    let mut r = BufReader::new(proto::fdpass::FdReader::new(rs));
    loop {
        let (body, _reserved) = match read_request(&mut r, &sock, &state) {
            Ok(b) => b,
            Err(ReadStop::Closed) => break,
            Err(ReadStop::Error(code, m)) => {
                tracing::info!(uid = cred.uid, error = %m, "bad frame; closing this connection");
                send(NodeMsg::error(0, code, m));
                break;
            }
        };
        let msg: ClientMsg = match serde_json::from_slice(&body) {
            Ok(m) => m,
            Err(e) => {
                send(NodeMsg::error(
                    0,
                    "bad_request",
                    format!("not a kasa request: {e}; connection closed"),
                ));
                break;
            }
        };
        if msg.v != proto::PROTO_VERSION {
            send(NodeMsg::error(
                msg.id,
                "version",
                format!(
                    "protocol version {} is not {}: use the same kasa version as the node",
                    msg.v,
                    proto::PROTO_VERSION
                ),
            ));
            break;
        }
        if let proto::Request::Hello {
            as_uid: Some(as_uid),
            ..
        } = &msg.req
        {
            match act_as(&state, &cred, *as_uid) {
                Ok(()) => acting = *as_uid,
                Err(why) => {
                    let _ =
                        state
                            .store
                            .audit_refusal(cred.uid, cred.pid, &why, crate::clock::now());
                    send(NodeMsg::error(msg.id, "forbidden", why));
                    break;
                }
            }
        }
        // The operator record is read at every request, so a disable bites at once.
        let op = match current_operator(&state, acting) {
            Ok(mut op) => {
                if acting != cred.uid {
                    op.nama = format!("{} (oleh root)", op.nama);
                }
                op
            }
            Err((code, why)) => {
                let _ = state
                    .store
                    .audit_refusal(cred.uid, cred.pid, &why, crate::clock::now());
                tracing::warn!(uid = cred.uid, "request refused: {why}");
                send(NodeMsg::error(msg.id, code, why));
                break;
            }
        };
        if let Err(p) = super::permission::authorize(&state, &op, &msg.req) {
            let why = p.to_string();
            let _ = state.store.audit_event(
                &crate::store::Actor::operator(&op),
                "access.denied",
                &format!("aksi:{}", p.aksi.as_str()),
                &why,
                crate::clock::now(),
            );
            if !send(NodeMsg::error(msg.id, "forbidden", why)) {
                break;
            }
            continue;
        }
        if matches!(msg.req, proto::Request::Subscribe) {
            if sub.is_none() {
                // The hub never waits: an event that does not fit the outbox drops this subscriber
                // and closes the connection (the console reconnects and reloads).
                let (ob, sk) = (outbox.clone(), sock.clone());
                sub = Some(state.hub.subscribe(Box::new(move |ev: &Event| {
                    let ok =
                        frame_of(&NodeMsg::event(ev.clone())).is_some_and(|f| ob.push_event(f));
                    if !ok {
                        ob.abort();
                        let _ = sk.shutdown(std::net::Shutdown::Both);
                    }
                    ok
                })));
            }
            if !send(NodeMsg::reply(msg.id, proto::Reply::Ok)) {
                break;
            }
            continue;
        }
        if state.stop.load(Ordering::SeqCst) {
            send(NodeMsg::error(
                msg.id,
                "stopping",
                "the node is stopping; try again when it is back",
            ));
            break;
        }
        // Files passed as descriptors with this request (SCM_RIGHTS), in order; at most MAX_FDS
        // (more were closed on arrival).
        let want = msg.req.fds_expected();
        if want > crate::proto::fdpass::MAX_FDS {
            let _ = r.get_mut().take(usize::MAX);
            let why = format!(
                "permintaan menyebut {want} berkas; paling banyak {} per permintaan (batas descriptor): kirim dalam beberapa permintaan",
                crate::proto::fdpass::MAX_FDS
            );
            if !send(NodeMsg::error(msg.id, "rule", why)) {
                break;
            }
            continue;
        }
        let fds = match r.get_mut().take(want) {
            Ok(f) => f,
            Err(why) => {
                if !send(NodeMsg::error(msg.id, "bad_request", why)) {
                    break;
                }
                continue;
            }
        };
        let reply = {
            let _guard = state.work.read();
            super::handlers::handle(&state, &op, &cred, msg.req, fds)
        };
        let sent = match reply {
            Ok(mut r) => {
                super::permission::redact(&state, &op, &mut r);
                super::atrest::reveal_reply(&state, &mut r);
                send(NodeMsg::reply(msg.id, r))
            }
            Err((code, m)) => send(NodeMsg::error(msg.id, code, m)),
        };
        if !sent {
            break;
        }
    }
    if let Some(id) = sub {
        state.hub.unsubscribe(id);
    }
    if state.klaim.drop_conn(cred.conn) {
        super::masuk::publish_klaim(&state);
    }
    outbox.close();
    let _ = writer.join();
}
