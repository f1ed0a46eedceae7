//! End to end in tmux: an incident opened with `!` in one console shows its SLA countdown in the header
//! of a second console, and the countdown moves. Skipped when tmux is not installed. Waits poll the
//! screen with a bound, never fixed sleeps.

#[path = "console_common.rs"]
mod common;

use std::process::Command;
use std::time::{Duration, Instant};

fn tmux(args: &[&str]) -> String {
    let o = Command::new("tmux").args(args).output().expect("tmux");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

struct Session(String);

impl Drop for Session {
    fn drop(&mut self) {
        tmux(&["kill-session", "-t", &self.0]);
    }
}

fn open(n: &common::Node, name: &str) -> Session {
    let cmd = format!(
        "{} --data-dir {} --config-dir {}",
        common::KASA,
        n.data().display(),
        n.cfg().display()
    );
    tmux(&["kill-session", "-t", name]);
    tmux(&[
        "new-session",
        "-d",
        "-s",
        name,
        "-x",
        "80",
        "-y",
        "24",
        &cmd,
    ]);
    Session(name.to_string())
}

fn screen(s: &Session) -> String {
    tmux(&["capture-pane", "-p", "-t", &s.0])
}

fn wait_for(s: &Session, what: &str, mut cond: impl FnMut(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let sc = screen(s);
        if cond(&sc) {
            return sc;
        }
        assert!(Instant::now() < deadline, "{what} never appeared:\n{sc}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn keys(s: &Session, k: &[&str]) {
    let mut a = vec!["send-keys", "-t", s.0.as_str()];
    a.extend_from_slice(k);
    tmux(&a);
}

/// The contact-clock cell `K mm:ss` of incident 1 in the header line, if shown.
fn contact_cell(sc: &str) -> Option<String> {
    let head = sc.lines().next()?;
    let at = head.find("⚑1 K ")?;
    Some(head[at..].chars().skip(5).take(5).collect())
}

#[test]
fn tmux_incident_opened_in_one_console_counts_down_in_another() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("tmux not installed; skipped");
        return;
    }
    let n = common::start_node(false);
    let tag = std::process::id();
    let a = open(&n, &format!("kasa-ia-{tag}"));
    let b = open(&n, &format!("kasa-ib-{tag}"));
    wait_for(&a, "console A", |s| s.contains("5 Insiden 0"));
    wait_for(&b, "console B", |s| s.contains("5 Insiden 0"));
    keys(&a, &["!"]);
    wait_for(&a, "the log prompt", |s| s.contains("log insiden 1>"));
    keys(&a, &["-l", "Router inti tidak merespons"]);
    keys(&a, &["Enter"]);
    wait_for(&a, "the logged line", |s| {
        s.contains("Router inti tidak merespons")
    });
    // Console B: the header shows the countdown of incident 1 and it moves.
    let first = wait_for(&b, "the countdown in console B", |s| {
        contact_cell(s).is_some_and(|c| c.starts_with("0"))
    });
    let c1 = contact_cell(&first).unwrap();
    assert!(c1.as_str() <= "05:00" && c1.contains(':'), "{c1}");
    wait_for(&b, "a later countdown value", |s| {
        contact_cell(s).is_some_and(|c| c != c1)
    });
    assert!(
        screen(&b).contains("E 2"),
        "escalation clock shown:\n{}",
        screen(&b)
    );
    keys(&a, &["Escape", "Escape", "q"]);
    keys(&b, &["q"]);
}
