//! End to end in tmux: an incident opened with `!` in one console shows its SLA countdown in the header
//! of a second console, and the countdown moves. Skipped when tmux is not installed. Waits poll the
//! screen with a bound, never fixed sleeps.

#[path = "console_harness.rs"]
mod harness;

use harness::{Tmux, have_tmux};

/// The contact-clock cell `K mm:ss` of incident 1 in the header line, if shown.
fn contact_cell(sc: &str) -> Option<String> {
    let head = sc.lines().next()?;
    let at = head.find("⚑1 K ")?;
    Some(head[at..].chars().skip(5).take(5).collect())
}

#[test]
fn tmux_incident_opened_in_one_console_counts_down_in_another() {
    if !have_tmux() {
        eprintln!("tmux not installed; skipped");
        return;
    }
    let n = harness::start_node(false);
    let tag = std::process::id();
    let a = Tmux::console(&n, &format!("kasa-ia-{tag}"), 80, 24);
    let b = Tmux::console(&n, &format!("kasa-ib-{tag}"), 80, 24);
    a.wait_until("console A", |s| s.contains("5 Insiden 0"));
    b.wait_until("console B", |s| s.contains("5 Insiden 0"));
    a.keys(&["!"]);
    a.wait_until("the log prompt", |s| s.contains("log insiden 1>"));
    a.type_text("Router inti tidak merespons");
    a.keys(&["Enter"]);
    a.wait_until("the logged line", |s| {
        s.contains("Router inti tidak merespons")
    });
    // Console B: the header shows the countdown of incident 1 and it moves.
    let first = b.wait_until("the countdown in console B", |s| {
        contact_cell(s).is_some_and(|c| c.starts_with("0"))
    });
    let c1 = contact_cell(&first).unwrap();
    assert!(c1.as_str() <= "05:00" && c1.contains(':'), "{c1}");
    b.wait_until("a later countdown value", |s| {
        contact_cell(s).is_some_and(|c| c != c1)
    });
    assert!(
        b.screen().contains("E 2"),
        "escalation clock shown:\n{}",
        b.screen()
    );
    a.keys(&["Escape", "Escape", "q"]);
    b.keys(&["q"]);
}
