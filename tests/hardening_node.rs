//! Issue 11, "bounded node" and "shutdown/start": the node survives its users. Real node binary, real
//! socket; hostile clients are real processes under another uid (forked, setuid) or raw sockets.
//! Tests that need a second uid need root (as here and in CI); they say so and return otherwise.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use common::*;
use kasa::client::Client;
use kasa::proto::{ClientMsg, PROTO_VERSION, Request};

const GID: u32 = 4343;
const NOBODY: u32 = 65534;

/// `Threads:` and `VmRSS:` (KiB) of a process, and its open descriptors.
fn proc_stats(pid: u32) -> (u64, u64, usize) {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |k: &str| {
        s.lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0);
    (field("Threads:"), field("VmRSS:"), fds)
}

fn frame(id: u64, req: Request) -> Vec<u8> {
    let body = serde_json::to_vec(&ClientMsg {
        v: PROTO_VERSION,
        id,
        req,
    })
    .unwrap();
    let mut f = (body.len() as u32).to_be_bytes().to_vec();
    f.extend_from_slice(&body);
    f
}

fn read_msg(s: &mut UnixStream) -> Option<serde_json::Value> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len).ok()?;
    let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
    s.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// Forks a child that becomes `uid`/`gid` and runs `f` (raw syscalls only), then exits. Returns its pid.
fn fork_as(uid: u32, gid: u32, f: impl FnOnce()) -> libc::pid_t {
    // SAFETY: the child only makes async-signal-safe system calls (setrlimit, setgroups, setgid, setuid,
    // socket, connect, close, clock_gettime, _exit) on data prepared before the fork.
    unsafe {
        let pid = libc::fork();
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            let lim = libc::rlimit {
                rlim_cur: 8192,
                rlim_max: 8192,
            };
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
            let groups = [gid as libc::gid_t];
            if libc::setgroups(1, groups.as_ptr()) != 0
                || libc::setgid(gid) != 0
                || libc::setuid(uid) != 0
            {
                libc::_exit(2);
            }
            f();
            libc::_exit(0);
        }
        pid
    }
}

fn sockaddr(path: &std::path::Path) -> (libc::sockaddr_un, libc::socklen_t) {
    // SAFETY: zeroed sockaddr_un is valid.
    let mut a: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    a.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let b = path.as_os_str().as_encoded_bytes();
    assert!(b.len() < a.sun_path.len());
    for (i, c) in b.iter().enumerate() {
        a.sun_path[i] = *c as libc::c_char;
    }
    (
        a,
        std::mem::size_of::<libc::sockaddr_un>() as libc::socklen_t,
    )
}

fn mono_secs() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

/// connect/close as fast as possible for `secs`.
fn flood_connect_close(addr: (libc::sockaddr_un, libc::socklen_t), secs: f64) {
    let end = mono_secs() + secs;
    while mono_secs() < end {
        // SAFETY: raw socket calls on our own descriptor.
        unsafe {
            let fd = libc::socket(libc::AF_UNIX, libc::SOCK_STREAM, 0);
            if fd >= 0 {
                libc::connect(fd, (&addr.0 as *const libc::sockaddr_un).cast(), addr.1);
                libc::close(fd);
            }
        }
    }
}

/// Opens up to `n` connections and holds them for `secs`.
fn flood_hold(addr: (libc::sockaddr_un, libc::socklen_t), n: usize, secs: f64) {
    let end = mono_secs() + secs;
    let mut opened = 0;
    while opened < n && mono_secs() < end {
        // SAFETY: raw socket calls; descriptors are released at _exit.
        unsafe {
            let fd = libc::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_NONBLOCK, 0);
            if fd < 0 {
                break;
            }
            libc::connect(fd, (&addr.0 as *const libc::sockaddr_un).cast(), addr.1);
        }
        opened += 1;
    }
    while mono_secs() < end {
        // SAFETY: sleeping.
        unsafe { libc::usleep(50_000) };
    }
}

fn reap(pid: libc::pid_t) {
    let mut st = 0;
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(pid, &mut st, 0) };
}

/// A Unix user in the socket group who is not an operator floods the node with connect/close and with
/// thousands of held connections; an operator is answered within 1 s throughout, on a connection opened
/// before and on fresh ones; the refusals do not flood the audit chain; afterwards the node's threads
/// return to a small number.
#[test]
fn non_operator_flood_leaves_the_node_serving_operators() {
    if !is_root() {
        eprintln!("SKIPPED: needs root to run the flood as another uid");
        return;
    }
    let (node, _sockdir, socket) = start_with_group_socket(GID);
    let pid = node.pid();
    let addr = sockaddr(&socket);
    let flood_secs = 4.0;
    let mut kids = Vec::new();
    for _ in 0..3 {
        kids.push(fork_as(NOBODY, GID, move || {
            flood_connect_close(addr, flood_secs)
        }));
    }
    kids.push(fork_as(NOBODY, GID, move || {
        flood_hold(addr, 7000, flood_secs)
    }));
    let mut c = Client::connect(&socket).unwrap();
    c.timeout = Duration::from_secs(1);
    let start = Instant::now();
    let mut rounds = 0;
    let mut max_threads = 0;
    while start.elapsed() < Duration::from_secs_f64(flood_secs) {
        c.call(Request::Status)
            .unwrap_or_else(|e| panic!("kept connection not answered within 1 s: {e}"));
        let s2 = socket.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let r = Client::connect(&s2).and_then(|mut c| {
                c.timeout = Duration::from_secs(1);
                c.call(Request::Status)
            });
            let _ = tx.send(r.map(|_| ()).map_err(|e| e.to_string()));
        });
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("fresh operator connection refused during the flood: {e}"),
            Err(_) => panic!("fresh operator connection not answered within 1 s"),
        }
        max_threads = max_threads.max(proc_stats(pid).0);
        rounds += 1;
    }
    for k in kids {
        reap(k);
    }
    assert!(rounds > 3, "the operator was served {rounds} times");
    assert!(
        max_threads < 400,
        "the node ran {max_threads} threads during the flood"
    );
    let mut node = node;
    assert!(
        node.child.as_mut().unwrap().try_wait().unwrap().is_none(),
        "the node died:\n{}",
        node.log()
    );
    let refused = node
        .audit_tail(2000)
        .iter()
        .filter(|r| r["action"] == "access.refused")
        .count();
    assert!(
        (1..=3).contains(&refused),
        "refusals are audited, throttled per uid: {refused} records"
    );
    assert!(
        wait_until(Duration::from_secs(10), || proc_stats(pid).0 < 30),
        "threads after the flood: {:?}",
        proc_stats(pid)
    );
}

/// Each subscribe-then-close used to leave 3 threads and 2 descriptors behind until the next event.
#[test]
fn subscribe_then_close_leaks_no_threads_or_descriptors() {
    // Caps out of the way: this test is about what a closed connection leaves behind.
    let node = TestNode::start_with(|t| {
        let mut l = toml::Table::new();
        l.insert("max_per_uid".into(), 1000.into());
        l.insert("max_connections".into(), 1000.into());
        t.insert("limits".into(), l.into());
    });
    let pid = node.pid();
    let _ = node.status();
    let (t0, _, fd0) = proc_stats(pid);
    for _ in 0..150 {
        let mut c = Client::connect(&node.socket).unwrap();
        let _events = c.subscribe().unwrap();
        drop(c);
    }
    assert!(
        wait_until(Duration::from_secs(10), || {
            let (t, _, fd) = proc_stats(pid);
            t <= t0 + 3 && fd <= fd0 + 3
        }),
        "before (threads, fds) = ({t0}, {fd0}); after = {:?}",
        proc_stats(pid)
    );
}

/// A client that sends requests and never reads the replies is disconnected; the node's memory stays
/// bounded and other clients are served.
#[test]
fn a_client_that_never_reads_is_disconnected() {
    let node = TestNode::start_with(|t| {
        let mut l = toml::Table::new();
        l.insert("write_timeout_secs".into(), 2.into());
        t.insert("limits".into(), l.into());
    });
    let pid = node.pid();
    let mut s = UnixStream::connect(&node.socket).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(1))).unwrap();
    let req = frame(1, Request::Status);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut sent = 0u64;
    let mut disconnected = false;
    while Instant::now() < deadline {
        match s.write_all(&req) {
            Ok(()) => sent += 1,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => {
                disconnected = true;
                break;
            }
        }
        if sent > 200_000 {
            break;
        }
    }
    let (_, rss_kib, _) = proc_stats(pid);
    assert!(
        disconnected,
        "the node kept a non-reading client after {sent} requests"
    );
    assert!(
        rss_kib < 300 * 1024,
        "node memory grew to {rss_kib} KiB with a non-reading client"
    );
    let mut c = Client::connect(&node.socket).unwrap();
    c.timeout = Duration::from_secs(5);
    c.call(Request::Status).unwrap();
}

/// Half-sent large frames share one in-flight budget (256 MiB by default): of four connections that
/// announce 95 MiB each, two are refused with `busy` at once.
#[test]
fn half_sent_large_frames_share_one_budget() {
    let node = TestNode::start_new();
    let mut conns: Vec<UnixStream> = (0..4)
        .map(|_| {
            let mut s = UnixStream::connect(&node.socket).unwrap();
            s.write_all(&(95u32 << 20).to_be_bytes()).unwrap();
            s.write_all(&[b'{'; 1024]).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            s
        })
        .collect();
    let mut busy = 0;
    for s in conns.iter_mut() {
        if let Some(m) = read_msg(s) {
            assert_eq!(m["err"]["code"], "busy", "{m}");
            busy += 1;
        }
    }
    assert_eq!(busy, 2, "two of four 95 MiB frames fit the budget");
    let (_, rss_kib, _) = proc_stats(node.pid());
    assert!(rss_kib < 200 * 1024, "node memory {rss_kib} KiB");
}

/// Thirty parallel unlock attempts by one operator: one Argon2 run at a time, the rest refused at once
/// (`busy` / `rate_limited`), an alarm raised.
#[test]
fn parallel_unlocks_are_serialized_rate_limited_and_alarmed() {
    let mut n = TestNode::init_with(|_| {});
    n.create_identity("frasa sandi yang cukup panjang untuk uji\n", true);
    n.node_args.clear(); // started locked
    n.start();
    let handles: Vec<_> = (0..30)
        .map(|i| {
            let s = n.socket.clone();
            std::thread::spawn(move || {
                let mut c = Client::connect(&s).unwrap();
                c.timeout = Duration::from_secs(30);
                match c.call(Request::Unlock {
                    passphrase: format!("tebakan salah nomor {i}"),
                }) {
                    Ok(_) => "ok".to_string(),
                    Err(e) => e.code().map_or("lost".to_string(), |c| c.to_string()),
                }
            })
        })
        .collect();
    let codes: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let ran = codes.iter().filter(|c| *c == "rule").count();
    assert!(
        (1..=2).contains(&ran),
        "attempts that ran Argon2: {ran}; codes {codes:?}"
    );
    assert!(
        codes
            .iter()
            .all(|c| c == "rule" || c == "busy" || c == "rate_limited"),
        "{codes:?}"
    );
    let alarms = n.alarms();
    assert!(
        alarms
            .iter()
            .any(|a| a["kind"] == "identity.unlock.guessing"),
        "{alarms:?}"
    );
    let failed = n
        .audit_tail(200)
        .iter()
        .filter(|r| r["action"] == "identity.unlock.failed")
        .count();
    assert_eq!(failed, ran);
}

/// SIGTERM after the socket file was removed: the node exits 0 within 2 s (the accept thread is woken
/// through its descriptor, not through the path).
#[test]
fn sigterm_with_the_socket_removed_exits_promptly() {
    let mut n = TestNode::start_new();
    std::fs::remove_file(&n.socket).unwrap();
    let mut c = n.child.take().unwrap();
    let t = Instant::now();
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
    let mut st = None;
    let ok = wait_until(Duration::from_secs(2), || {
        st = c.try_wait().unwrap();
        st.is_some()
    });
    if !ok {
        let _ = c.kill();
        let _ = c.wait();
    }
    assert!(ok, "the node did not exit within 2 s of SIGTERM");
    assert!(st.unwrap().success(), "exit status {st:?}");
    assert!(t.elapsed() < Duration::from_secs(2));
}

/// A second node (another data directory) configured with the same socket refuses to start and leaves
/// the first one serving.
#[test]
fn a_node_refuses_a_socket_another_live_node_serves() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("shared.sock");
    let s1 = sock.clone();
    let a = TestNode::start_with(move |t| {
        t.insert("socket".into(), s1.to_str().unwrap().into());
    });
    let s2 = sock.clone();
    let b = TestNode::init_with(move |t| {
        t.insert("socket".into(), s2.to_str().unwrap().into());
    });
    let o = b.kasa(&["node", "--foreground"]);
    assert!(!o.status.success(), "{}", describe(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("another node already serves"), "{err}");
    assert_eq!(a.status()["data_dir"], a.data.display().to_string());
}
