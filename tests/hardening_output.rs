//! Issue 11 §7 and §8: terminal escapes from outside strings never reach CLI text output (`--json` keeps
//! exact values), the CLI is quiet on a closed pipe, the node log is plain text when not a terminal.

mod common;

use std::process::Stdio;

use common::*;

const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}fdp";

fn assert_clean(what: &str, out: &[u8]) {
    let s = String::from_utf8_lossy(out);
    for bad in ['\u{1b}', '\u{7}', '\u{202e}', '\u{9b}'] {
        assert!(
            !s.contains(bad),
            "{what}: U+{:04X} reached the terminal:\n{s}",
            bad as u32
        );
    }
}

#[test]
fn escapes_never_reach_cli_text_output() {
    let n = TestNode::start_new();
    let f = n.scratch().join(format!("{HOSTILE}.png"));
    std::fs::write(&f, tiny_png(5)).unwrap();
    let v = n.json(&["ingest", "--json", f.to_str().unwrap()]);
    let id = v["results"][0]["outcome"]["id"]
        .as_u64()
        .unwrap()
        .to_string();
    n.kasa_ok(&["agenda", "note", &id, &format!("catatan {HOSTILE}")]);
    // A refused drop with a hostile name raises an alarm naming it.
    drop_atomic(
        &n.scratch(),
        &n.drop_dir(),
        &format!("{HOSTILE}.bin"),
        b"junk",
    );
    assert!(wait_until(std::time::Duration::from_secs(20), || !n
        .alarms()
        .is_empty()));
    n.kasa_ok(&[
        "agenda",
        "void",
        &id,
        "--reason",
        &format!("batal {HOSTILE}"),
    ]);
    for args in [
        vec!["agenda", "list"],
        vec!["agenda", "show", &id],
        vec!["alarm", "list"],
        vec!["audit", "tail", "-n", "50"],
    ] {
        let o = n.kasa(&args);
        assert!(o.status.success(), "{args:?}: {}", describe(&o));
        assert_clean(&format!("{args:?}"), &o.stdout);
        assert_clean(&format!("{args:?} stderr"), &o.stderr);
        // Shown visibly: as its Control Picture in text, as a JSON escape where the text form is JSON
        // (`agenda show` prints the entry as JSON).
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            out.contains("␛") || out.contains("\\u001b"),
            "{args:?}: the escape is shown visibly:\n{out}"
        );
    }
    // --json keeps the exact value.
    let tail = n.json(&["audit", "tail", "-n", "50", "--json"]);
    assert!(
        tail.as_array()
            .unwrap()
            .iter()
            .any(|r| r["detail"].as_str().unwrap_or("").contains(HOSTILE)),
        "exact values in --json"
    );
}

#[test]
fn the_cli_is_quiet_on_a_closed_pipe() {
    let n = TestNode::start_new();
    let mut c = n
        .cmd()
        .args(["audit", "tail", "-n", "100"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(c.stdout.take()); // the reader (`head -1`) is gone before kasa prints
    let o = c.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.trim().is_empty(), "quiet: {err}");
}

#[test]
fn the_node_log_is_plain_text_when_not_a_terminal() {
    let n = TestNode::start_new();
    n.kasa_ok(&["status"]);
    let log = n.log();
    assert!(log.contains("node started"), "{log}");
    assert!(!log.contains('\u{1b}'), "colour escapes in the log:\n{log}");
}
