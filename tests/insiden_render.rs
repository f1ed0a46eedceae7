//! Buffer snapshots (insta) of the Insiden pane from fixed data and a fixed clock: the list with SLA
//! cells (running, breached, closed), the detail with a correction, and the header clocks at 80×24.

#[path = "console_harness.rs"]
mod harness;

use kasa::console::App;
use kasa::console::action::{Action, Pane};
use kasa::console::view::draw;
use kasa::domain::insiden::{Insiden, Keparahan, Ubahan, playbooks};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use harness::text;

use harness::insiden_ctx as ctx;

fn app() -> App {
    let mut app = harness::app("default", 3, 80, 24);
    // Now is 07:30:15Z. #3 detected 07:28:00 (running), #2 at 06:50 (contact breached, escalation met),
    // #1 closed.
    let pb = playbooks();
    let mut i3 = Insiden::buka(
        3,
        "Web OPD diretas, halaman diganti",
        &ctx("2026-11-20T07:28:00Z"),
        &pb,
    )
    .unwrap();
    i3.catat("Kabel uplink dicabut", &ctx("2026-11-20T07:28:40Z"))
        .unwrap();
    i3.catat("Kasi ditelepon pukul 15.27", &ctx("2026-11-20T07:29:10Z"))
        .unwrap();
    i3.koreksi(
        3,
        "Kasi ditelepon pukul 15.28",
        "jam salah ketik",
        &ctx("2026-11-20T07:29:30Z"),
    )
    .unwrap();
    let mut i2 = Insiden::buka(
        2,
        "Login admin SIMPEG dari IP asing",
        &ctx("2026-11-20T06:50:00Z"),
        &pb,
    )
    .unwrap();
    i2.centang("U2", &ctx("2026-11-20T07:10:00Z")).unwrap();
    i2.ubah(
        Ubahan::Keparahan(Keparahan::Tinggi),
        &ctx("2026-11-20T07:11:00Z"),
    )
    .unwrap();
    let mut i1 =
        Insiden::buka(1, "Virus di PC operator", &ctx("2026-11-19T01:00:00Z"), &pb).unwrap();
    i1.centang("U1", &ctx("2026-11-19T01:02:00Z")).unwrap();
    i1.tutup("Antivirus diperbarui", &ctx("2026-11-19T03:00:00Z"))
        .unwrap();
    app.insiden.set(vec![i3, i2, i1]);
    app
}

#[test]
fn insiden_list_80x24() {
    let mut app = app();
    app.update(Action::Tab(Pane::Insiden));
    insta::assert_snapshot!(text(&app));
}

#[test]
fn insiden_detail_80x24() {
    let mut app = app();
    app.update(Action::Tab(Pane::Insiden));
    app.update(Action::Open);
    insta::assert_snapshot!(text(&app));
}

/// One second later only clock cells change: the header clock and SLA cells (row 0), and on the
/// Insiden pane the SLA column of open incidents — nothing else is redrawn.
#[test]
fn a_clock_tick_changes_only_clock_cells() {
    let frame = |app: &App| {
        let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
        t.draw(|f| draw(app, f)).unwrap();
        t.backend().buffer().clone()
    };
    let mut app = app();
    let a = frame(&app);
    app.tick(harness::ts("2026-11-20T07:30:16Z"));
    let b = frame(&app);
    let changed: Vec<(u16, u16)> = a.diff(&b).iter().map(|(x, y, _)| (*x, *y)).collect();
    assert!(!changed.is_empty());
    assert!(changed.iter().all(|&(_, y)| y == 0), "{changed:?}");

    app.update(Action::Tab(Pane::Insiden));
    let a = frame(&app);
    app.tick(harness::ts("2026-11-20T07:30:17Z"));
    let b = frame(&app);
    let rows: std::collections::BTreeSet<u16> = a.diff(&b).iter().map(|(_, y, _)| *y).collect();
    // Header, and the row of the running incident #3 (#2 and #1 have no running clock).
    assert_eq!(rows.into_iter().collect::<Vec<_>>(), vec![0, 3]);
    let cols: Vec<u16> = a
        .diff(&b)
        .iter()
        .filter(|(_, y, _)| *y == 3)
        .map(|(x, _, _)| *x)
        .collect();
    assert!(cols.iter().all(|&x| (44..61).contains(&x)), "{cols:?}");
}
