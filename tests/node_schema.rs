//! Node start-up and shutdown rules (DESIGN §1–2): newer schema refused, one node per data directory,
//! `kasa init` never overwrites, SIGTERM stops cleanly with a `node.stop` audit record.

mod common;

use std::time::Duration;

use common::*;

#[test]
fn newer_schema_is_refused_at_start_naming_both_versions() {
    let node = TestNode::init_with(|_| {});
    {
        let store = kasa::store::Store::open(&node.db()).unwrap();
        store
            .force_schema_version(kasa::store::SCHEMA_VERSION + 1)
            .unwrap();
    }
    let o = node.cmd().args(["node", "--foreground"]).output().unwrap();
    assert!(!o.status.success(), "{}", describe(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    let newer = kasa::store::SCHEMA_VERSION + 1;
    assert!(
        err.contains(&format!("schema version {newer}"))
            && err.contains(&format!("({})", kasa::store::SCHEMA_VERSION))
            && err.contains("newer"),
        "message does not name the versions: {err}"
    );
    assert!(
        !node.socket.exists() || std::os::unix::net::UnixStream::connect(&node.socket).is_err(),
        "a socket answers although the node refused to start"
    );
    // The refusal changed nothing: the database still says the newer version.
    let again = kasa::store::Store::open(&node.db()).err();
    assert!(
        again.is_some_and(|e| e.to_string().contains(&format!("schema version {newer}"))),
        "schema version was changed by the refused start"
    );
}

#[test]
fn second_node_on_the_same_data_dir_names_the_first_pid() {
    let node = TestNode::start_new();
    let o = node.cmd().args(["node", "--foreground"]).output().unwrap();
    assert!(!o.status.success(), "{}", describe(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    let want = format!("another node is running (pid {})", node.pid());
    assert!(err.contains(&want), "want '{want}', got: {err}");
    // The background form says the same.
    let o = node.kasa(&["node"]);
    assert!(!o.status.success(), "{}", describe(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains(&want),
        "{}",
        describe(&o)
    );
    // The first node still serves.
    assert_eq!(node.status()["pid"], node.pid());
}

#[test]
fn init_twice_refuses_and_leaves_the_database_untouched() {
    let node = TestNode::init_with(|_| {});
    let before = std::fs::read(node.db()).unwrap();
    let toml_before = std::fs::read(node.data.join("node.toml")).unwrap();
    let o = node
        .cmd()
        .args(["init", "--node-id", "9999", "--name", "Penimpa"])
        .output()
        .unwrap();
    assert!(!o.status.success(), "{}", describe(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("already initialised"), "{err}");
    assert_eq!(
        sha256_hex(&std::fs::read(node.db()).unwrap()),
        sha256_hex(&before),
        "kasa.redb changed"
    );
    assert_eq!(
        std::fs::read(node.data.join("node.toml")).unwrap(),
        toml_before
    );
    // Still the first identity.
    let mut node = node;
    node.start();
    let s = node.status();
    assert_eq!(s["node_id"], "5101");
    assert_eq!(s["node_name"], "Diskominfo Kabupaten Uji");
    // And while a node runs, init refuses as well.
    let o = node
        .cmd()
        .args(["init", "--node-id", "9999", "--name", "Penimpa"])
        .output()
        .unwrap();
    assert!(!o.status.success(), "{}", describe(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("nothing was overwritten"), "{err}");
    assert_eq!(node.status()["node_id"], "5101");
}

#[test]
fn sigterm_exits_zero_and_the_chain_records_node_stop() {
    let mut node = TestNode::start_new();
    let f = node.scratch().join("x.png");
    std::fs::write(&f, tiny_png(1)).unwrap();
    node.kasa_ok(&["ingest", f.to_str().unwrap()]);
    let pid = node.pid();
    let st = node.terminate();
    assert!(st.success(), "SIGTERM exit status {st}\n{}", node.log());
    assert!(
        wait_until(Duration::from_secs(5), || !node.socket.exists()),
        "socket left behind"
    );
    node.start();
    assert_ne!(node.pid(), pid);
    let o = node.kasa(&["audit", "verify"]);
    assert!(o.status.success(), "{}", describe(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("audit chain OK"));
    let tail = node.audit_tail(50);
    let stop = tail
        .iter()
        .position(|a| a["action"] == "node.stop")
        .unwrap_or_else(|| panic!("no node.stop record: {tail:?}"));
    let start_after = tail
        .iter()
        .rposition(|a| a["action"] == "node.start")
        .unwrap();
    assert!(stop < start_after, "node.stop is not before the restart");
    assert!(tail.iter().any(|a| a["action"] == "ingest.accept"));
}
