//! The Unix-socket server: bind, accept, identify the peer (SO_PEERCRED), read frames, dispatch.

use std::io::{BufReader, BufWriter};
use std::os::fd::AsRawFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc;

use super::NodeState;
use crate::config::NodeConfig;
use crate::domain::Operator;
use crate::proto::{self, ClientMsg, Event, NodeMsg};

/// Peer credentials of a connection, from the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerCred {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
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

/// Binds the socket (removing a stale one: we hold the node lock, so nobody else serves it), sets its
/// mode and group.
pub fn bind(socket: &Path, cfg: &NodeConfig) -> Result<UnixListener, String> {
    if let Some(dir) = socket.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let _ = std::fs::remove_file(socket);
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
    Ok(l)
}

/// Accepts connections until the node stops; one thread per connection.
pub fn accept_loop(l: UnixListener, state: Arc<NodeState>) {
    for conn in l.incoming() {
        if state.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(s) = conn else { continue };
        let st = state.clone();
        let _ = std::thread::Builder::new()
            .name("conn".into())
            .spawn(move || serve(s, st));
    }
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

fn send(tx: &mpsc::Sender<NodeMsg>, m: NodeMsg) {
    let _ = tx.send(m);
}

fn serve(s: UnixStream, state: Arc<NodeState>) {
    let Ok(cred) = peer_cred(&s) else { return };
    let Ok(ws) = s.try_clone() else { return };
    let (tx, rx) = mpsc::channel::<NodeMsg>();
    // Writer: replies and pushed events share one ordered channel.
    let writer = std::thread::spawn(move || {
        let mut w = BufWriter::new(ws);
        for m in rx {
            let Ok(body) = serde_json::to_vec(&m) else {
                continue;
            };
            if proto::write_frame(&mut w, &body).is_err() {
                break;
            }
        }
    });
    // Connect-time check: unknown and disabled uids are refused at once. Root may connect without
    // being an operator, but can then only name an admin to act as (`kasa --as UID`).
    let root = cred.uid == 0;
    if let Err((_, why)) = current_operator(&state, cred.uid)
        && !root
    {
        let _ = state
            .store
            .audit_refusal(cred.uid, cred.pid, &why, crate::clock::now());
        tracing::warn!(uid = cred.uid, pid = cred.pid, "refused connection");
        send(&tx, NodeMsg::error(0, "forbidden", why));
        drop(tx);
        let _ = writer.join();
        // Do not close at once: a client that sends its request now would fail its write with
        // EPIPE and report "broken pipe" instead of the reason above. Discard what it sends
        // (bounded in bytes and time, nothing allocated) until it hangs up.
        let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(2)));
        let _ = std::io::copy(&mut std::io::Read::take(&s, 1 << 20), &mut std::io::sink());
        return;
    }
    // The uid whose operator record governs this connection (root acting as an admin: that admin).
    let mut acting = cred.uid;
    let mut r = BufReader::new(proto::fdpass::FdReader::new(s));
    loop {
        let body = match proto::read_frame(&mut r) {
            Ok(Some(b)) => b,
            Ok(None) => break,
            Err(e) => {
                tracing::info!(uid = cred.uid, error = %e, "bad frame; closing this connection");
                send(
                    &tx,
                    NodeMsg::error(
                        0,
                        "bad_request",
                        format!("bad frame: {e}; connection closed"),
                    ),
                );
                break;
            }
        };
        let msg: ClientMsg = match serde_json::from_slice(&body) {
            Ok(m) => m,
            Err(e) => {
                send(
                    &tx,
                    NodeMsg::error(
                        0,
                        "bad_request",
                        format!("not a kasa request: {e}; connection closed"),
                    ),
                );
                break;
            }
        };
        if msg.v != proto::PROTO_VERSION {
            send(
                &tx,
                NodeMsg::error(
                    msg.id,
                    "version",
                    format!(
                        "protocol version {} is not {}: use the same kasa version as the node",
                        msg.v,
                        proto::PROTO_VERSION
                    ),
                ),
            );
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
                    send(&tx, NodeMsg::error(msg.id, "forbidden", why));
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
                send(&tx, NodeMsg::error(msg.id, code, why));
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
            send(&tx, NodeMsg::error(msg.id, "forbidden", why));
            continue;
        }
        if matches!(msg.req, proto::Request::Subscribe) {
            let (etx, erx) = mpsc::channel::<Event>();
            state.hub.subscribe(etx);
            let fwd = tx.clone();
            std::thread::spawn(move || {
                for ev in erx {
                    if fwd.send(NodeMsg::event(ev)).is_err() {
                        break;
                    }
                }
            });
            send(&tx, NodeMsg::reply(msg.id, proto::Reply::Ok));
            continue;
        }
        if state.stop.load(Ordering::SeqCst) {
            send(
                &tx,
                NodeMsg::error(
                    msg.id,
                    "stopping",
                    "the node is stopping; try again when it is back",
                ),
            );
            break;
        }
        // Files passed as descriptors with this request (SCM_RIGHTS), in order.
        let fds = match r.get_mut().take(msg.req.fds_expected()) {
            Ok(f) => f,
            Err(why) => {
                send(&tx, NodeMsg::error(msg.id, "bad_request", why));
                continue;
            }
        };
        let reply = {
            let _guard = state.work.read();
            super::handlers::handle(&state, &op, &cred, msg.req, fds)
        };
        match reply {
            Ok(mut r) => {
                super::permission::redact(&state, &op, &mut r);
                send(&tx, NodeMsg::reply(msg.id, r))
            }
            Err((code, m)) => send(&tx, NodeMsg::error(msg.id, code, m)),
        }
    }
    drop(tx);
    let _ = writer.join();
}
