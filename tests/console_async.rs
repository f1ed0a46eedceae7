//! Node calls run off the input thread (issue 12): while a request takes 2 s on a real node, the
//! console keeps answering keys and drawing frames, shows a spinner, and a reply for a pane that was
//! left is applied to that pane. Frames are counted, not timed by sleeping.

#[path = "console_harness.rs"]
mod harness;

use std::time::{Duration, Instant};

use kasa::client::{Client, ClientError};
use kasa::console::action::Pane;
use kasa::console::session::{NodeLink, Session};
use kasa::console::view::draw;
use kasa::console::{app_from, load_settings};
use kasa::proto::{Reply, Request};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The real node connection with 2 s of latency added to `Status` requests (a slow node: an unlock
/// or an export of a large file takes that long).
struct SlowStatus(Client);

const DELAY: Duration = Duration::from_secs(2);

impl NodeLink for SlowStatus {
    fn call(&mut self, req: Request) -> Result<Reply, ClientError> {
        if matches!(req, Request::Status) {
            std::thread::sleep(DELAY);
        }
        self.0.call(req)
    }
}

#[test]
fn a_two_second_node_call_leaves_the_console_answering_keys() {
    let n = harness::start_node(true);
    let app = app_from(load_settings(&n.paths(), false));
    let mut s = Session::new(app, Some(SlowStatus(n.client())));
    s.spawn_worker(None);
    let t0 = Instant::now();
    s.start();
    assert!(
        s.in_flight() > 3,
        "start returned before the node answered: {}",
        s.in_flight()
    );
    assert!(t0.elapsed() < DELAY, "start did not wait for the node");
    // Leave the Masuk tab while its list is still on the way.
    s.keys("2");
    assert_eq!(s.app.pane, Pane::Keluar);

    let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut frames = 0usize;
    let mut answered = 0usize;
    let mut spinner_seen = false;
    while s.in_flight() > 0 && t0.elapsed() < Duration::from_secs(30) {
        // One key, then one frame: the key must show in that frame.
        let help_before = !s.app.layers.is_empty();
        s.keys(if help_before { "<Esc>" } else { "?" });
        let help_after = !s.app.layers.is_empty();
        if help_before != help_after {
            answered += 1;
        }
        term.draw(|f| draw(&s.app, f)).unwrap();
        frames += 1;
        let header: String = (0..80)
            .map(|x| term.backend().buffer()[(x, 0)].symbol().to_string())
            .collect();
        spinner_seen |= ["◐", "◓", "◑", "◒"].iter().any(|g| header.contains(g));
        // Wait for a reply, not a fixed sleep: returns as soon as one arrives.
        s.wait_reply(Duration::from_millis(10));
    }
    let took = t0.elapsed();
    assert_eq!(s.in_flight(), 0, "every reply arrived");
    assert!(
        took >= DELAY,
        "the slow call really took {DELAY:?}: {took:?}"
    );
    // At one frame per 50 ms the 2 s call leaves room for 40 frames; ask for half of that.
    let wanted = (DELAY.as_millis() / 50 / 2) as usize;
    assert!(
        frames >= wanted,
        "{frames} frames in {took:?} while the node was busy (want ≥ {wanted})"
    );
    assert_eq!(answered, frames, "every key was answered in the next frame");
    assert!(spinner_seen, "the header showed the spinner while busy");
    assert_eq!(s.app.busy, 0);
    // The reply for the Masuk list, which was left, went to the Masuk pane.
    assert_eq!(s.app.pane, Pane::Keluar);
    assert_eq!(s.app.masuk.items.len(), 1, "{:?}", s.app.message);
    assert_eq!(s.app.node.id, "5101");
}
