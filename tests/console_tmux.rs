//! End to end in tmux: triage one scan, draft offered after a killed session, too-small screen.
//! Skipped when tmux is not installed. Waits poll the screen with a bound, never fixed sleeps.

#[path = "console_harness.rs"]
mod harness;

use harness::{Tmux, have_tmux};

#[test]
fn tmux_triage_draft_and_too_small() {
    if !have_tmux() {
        eprintln!("tmux not installed; skipped");
        return;
    }
    let n = harness::start_node(true);
    let tag = std::process::id();
    // 1. A draft left by a killed session is offered back.
    let s = Tmux::console(&n, &format!("kasa-a-{tag}"), 80, 24);
    s.wait("surat-pengantar");
    s.keys(&["r"]);
    s.wait("(saran)");
    s.keys(&["Tab", "Tab"]);
    s.type_text("Setda Jembrana");
    s.wait("Setda Jembrana");
    // The draft saves run off the input thread: wait until the header's spinner says they are done.
    s.wait_until("the draft saved", |sc| {
        !sc.lines()
            .next()
            .unwrap_or("")
            .contains(['◐', '◓', '◑', '◒'])
    });
    drop(s); // kill-session: the console gets SIGHUP mid-form
    let s = Tmux::console(&n, &format!("kasa-b-{tag}"), 80, 24);
    s.wait("Lanjutkan?");
    s.keys(&["y"]);
    s.wait("Setda Jembrana");
    // 2. Triage: confirm the form → nomor agenda 1.
    s.keys(&["C-s"]);
    s.wait("Nomor agenda 1");
    let o = n.kasa(&["agenda", "list", "--json"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("\"nomor_agenda\": 1") || out.contains("\"nomor_agenda\":1"),
        "{out}"
    );
    assert!(out.contains("\"Setda Jembrana\""), "{out}");
    // 3. Too small at 60×20.
    s.resize(60, 20);
    s.wait("terminal terlalu kecil");
    s.keys(&["q"]);
}
