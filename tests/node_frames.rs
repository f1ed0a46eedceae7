//! Bad frames on the node's socket (proto framing: 4-byte BE length + JSON, `MAX_FRAME`): each
//! disconnects only the client that sent it; other clients keep being served; new clients connect.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use common::*;
use kasa::client::Client;
use kasa::proto::{self, NodeMsg, Reply, Request};

/// Reads until the node closes the connection; returns the error codes of the frames it sent first.
/// Panics when the connection stays open for 10 s.
fn until_closed(s: &mut UnixStream) -> Vec<String> {
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut codes = Vec::new();
    loop {
        match proto::read_frame(s) {
            Ok(Some(body)) => {
                let m: NodeMsg = serde_json::from_slice(&body).unwrap();
                let e = m
                    .err
                    .clone()
                    .unwrap_or_else(|| panic!("not an error reply: {m:?}"));
                codes.push(e.code.to_string());
            }
            Ok(None) => return codes,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                panic!("the node kept a bad connection open (codes so far {codes:?})")
            }
            // Reset or truncated: closed as well.
            Err(_) => return codes,
        }
    }
}

fn status_ok(c: &mut Client, what: &str) {
    match c.call(Request::Status) {
        Ok(Reply::Status(s)) => assert_eq!(s.node_id, "5101"),
        other => panic!("after {what}: the good client got {other:?}"),
    }
}

#[test]
fn bad_frames_disconnect_only_their_client() {
    let mut node = TestNode::start_new();
    let mut good = Client::connect(&node.socket).unwrap();
    good.timeout = Duration::from_secs(10);
    status_ok(&mut good, "connecting");

    let mut json_wrong_shape = Vec::new();
    let body = br#"{"v":1,"id":1,"req":{"type":"no_such_request"}}"#;
    json_wrong_shape.extend_from_slice(&(body.len() as u32).to_be_bytes());
    json_wrong_shape.extend_from_slice(body);
    let mut just_over = ((proto::MAX_FRAME + 1) as u32).to_be_bytes().to_vec();
    just_over.extend_from_slice(b"{}");
    let cases: Vec<(&str, Vec<u8>, bool)> = vec![
        (
            "garbage bytes",
            b"GET / HTTP/1.1\r\nHost: kasa\r\n\r\n\x00\xff\xfe garbage".to_vec(),
            false,
        ),
        (
            "length 0xFFFFFFFF",
            vec![0xFF, 0xFF, 0xFF, 0xFF, b'{'],
            false,
        ),
        ("length MAX_FRAME + 1", just_over, false),
        (
            "truncated frame then close",
            [&[0u8, 0, 0, 100][..], br#"{"v":1,"id":1,"#].concat(),
            true,
        ),
        ("truncated length then close", vec![0u8, 0], true),
        (
            "valid length, not JSON",
            [&[0u8, 0, 0, 12][..], b"hello, node!"].concat(),
            false,
        ),
        ("JSON that is no request", json_wrong_shape, false),
    ];

    // A client that sent half a frame and stays connected must not hold up the others.
    let mut half = UnixStream::connect(&node.socket).unwrap();
    half.write_all(&[0, 0, 0, 200, b'{']).unwrap();

    for (what, bytes, close_write) in cases {
        let mut bad = UnixStream::connect(&node.socket).unwrap();
        bad.write_all(&bytes).unwrap();
        if close_write {
            bad.shutdown(Shutdown::Write).unwrap();
        }
        let codes = until_closed(&mut bad);
        assert!(
            codes.iter().all(|c| c == "bad_request"),
            "{what}: codes {codes:?}"
        );
        if !close_write {
            assert_eq!(
                codes,
                vec!["bad_request".to_string()],
                "{what}: no error frame"
            );
        }
        status_ok(&mut good, what);
    }

    // New clients connect and are served.
    let mut fresh = Client::connect(&node.socket).unwrap();
    fresh.timeout = Duration::from_secs(10);
    status_ok(&mut fresh, "all bad frames");
    let o = node.kasa(&["status", "--json"]);
    assert!(o.status.success(), "{}", describe(&o));
    // A clean request/response on a raw connection still works.
    let mut raw = UnixStream::connect(&node.socket).unwrap();
    let req = serde_json::to_vec(&proto::ClientMsg {
        v: proto::PROTO_VERSION,
        id: 42,
        req: Request::Hello {
            client: "node_frames".into(),
            as_uid: None,
        },
    })
    .unwrap();
    proto::write_frame(&mut raw, &req).unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let m: NodeMsg =
        serde_json::from_slice(&proto::read_frame(&mut raw).unwrap().unwrap()).unwrap();
    assert_eq!(m.re, Some(42));
    assert!(matches!(m.ok, Some(Reply::Welcome { .. })), "{m:?}");

    // The half-frame client is still connected (not served, not killed) and the node is alive.
    half.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut b = [0u8; 1];
    let r = half.read(&mut b);
    assert!(
        matches!(&r, Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)),
        "half-frame client: {r:?}"
    );
    assert!(node.child.as_mut().unwrap().try_wait().unwrap().is_none());
    status_ok(&mut good, "the end");
}
