//! Buffer snapshots (insta) of the console drawn from fixed data with a fixed clock.

#[path = "console_harness.rs"]
mod harness;

use kasa::console::App;
use kasa::console::action::Action;
use kasa::console::view::draw;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn render(app: &App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    t.draw(|f| draw(app, f)).unwrap();
    t
}

use harness::text;

#[test]
fn main_80x24() {
    let app = harness::app("default", 40, 80, 24);
    insta::assert_snapshot!(text(&app));
}

#[test]
fn main_200x50() {
    let app = harness::app("default", 40, 200, 50);
    insta::assert_snapshot!(text(&app));
}

#[test]
fn detail_80x24() {
    let mut app = harness::app("default", 40, 80, 24);
    app.update(Action::Open);
    insta::assert_snapshot!(text(&app));
}

#[test]
fn form_80x24() {
    let mut app = harness::app("default", 40, 80, 24);
    app.update(Action::Triage);
    app.update(Action::FormNext);
    insta::assert_snapshot!(text(&app));
}

#[test]
fn form_with_errors_80x24() {
    let mut app = harness::app("default", 40, 80, 24);
    app.update(Action::Down);
    app.update(Action::Down);
    app.update(Action::Down);
    app.update(Action::Triage);
    for _ in 0..4 {
        app.update(Action::FormNext);
    }
    app.update(Action::ClearField);
    app.update(Action::FormNext);
    app.update(Action::FormNext);
    app.update(Action::CycleNext);
    app.update(Action::CycleNext);
    insta::assert_snapshot!(text(&app));
}

#[test]
fn help_80x24() {
    let mut app = harness::app("default", 40, 80, 24);
    app.update(Action::Help);
    insta::assert_snapshot!(text(&app));
}

#[test]
fn too_small() {
    let mut app = harness::app("default", 40, 80, 24);
    app.resize(79, 23);
    insta::assert_snapshot!(text(&app));
    app.resize(60, 20);
    insta::assert_snapshot!(text(&app));
}

#[test]
fn disconnected_header() {
    let mut app = harness::app("default", 5, 80, 24);
    app.set_connected(false);
    insta::assert_snapshot!(text(&app));
}

#[test]
fn styles_default_and_mono_80x24() {
    for theme in ["default", "mono"] {
        let mut app = harness::app(theme, 12, 80, 24);
        app.update(Action::Down);
        let t = render(&app);
        insta::assert_debug_snapshot!(format!("styles_{theme}"), t.backend().buffer());
    }
}

#[test]
fn no_color_keeps_selection_readable() {
    let mut app = harness::app("default", 12, 80, 24);
    app.theme = app.theme.clone().without_color();
    let t = render(&app);
    let buf = t.backend().buffer();
    // The selected row (first data row, y = 3) is reversed and marked with a glyph.
    let cell = &buf[(2, 3)];
    assert!(
        cell.modifier.contains(ratatui::style::Modifier::REVERSED),
        "{cell:?}"
    );
    assert_eq!(buf[(0, 3)].symbol(), "›");
    assert!(
        buf.content
            .iter()
            .all(|c| c.fg == ratatui::style::Color::Reset && c.bg == ratatui::style::Color::Reset)
    );
}

#[test]
fn cursor_stays_on_the_same_entry_when_rows_move() {
    let mut app = harness::app("default", 12, 80, 24);
    app.update(Action::Down);
    app.update(Action::Down);
    let id = app.masuk.selected().unwrap().id;
    let mut es = harness::entries(12);
    es.rotate_left(5);
    app.on_reply(
        kasa::console::app::Purpose::List(kasa::console::action::Pane::Masuk),
        Ok(kasa::proto::Reply::Entries { entries: es }),
    );
    assert_eq!(app.masuk.selected().unwrap().id, id);
}

#[test]
fn a_cursor_on_the_top_row_stays_on_top_as_scans_arrive() {
    // A fresh drop: untriaged scans arrive one by one, listed newest first; the operator has not
    // moved the cursor. The newest scan is under it each time.
    let mut app = harness::app("default", 0, 80, 24);
    let scan = harness::entries(1).remove(0);
    for n in 1..=3u64 {
        let es: Vec<_> = (1..=n)
            .rev()
            .map(|id| {
                let mut e = scan.clone();
                e.id = id;
                e
            })
            .collect();
        app.on_reply(
            kasa::console::app::Purpose::List(kasa::console::action::Pane::Masuk),
            Ok(kasa::proto::Reply::Entries { entries: es }),
        );
        assert_eq!(app.masuk.cursor.pos, 0);
        assert_eq!(app.masuk.selected().unwrap().id, n, "after {n} scans");
    }
    // Moved down, the cursor follows its entry instead.
    app.update(Action::Down);
    let id = app.masuk.selected().unwrap().id;
    let mut es = app.masuk.items.clone();
    let mut e = scan.clone();
    e.id = 4;
    es.insert(0, e);
    app.on_reply(
        kasa::console::app::Purpose::List(kasa::console::action::Pane::Masuk),
        Ok(kasa::proto::Reply::Entries { entries: es }),
    );
    assert_eq!(app.masuk.selected().unwrap().id, id);
}

/// A sealed letter's detail shows its delivery per recipient, fetched after the entry (issue 18):
/// the furthest receipt with its time, `menunggu` while the outbox holds it, the refusal reason.
#[test]
fn sealed_detail_shows_delivery_per_recipient() {
    use kasa::console::app::{Effect, Purpose};
    use kasa::domain::pengiriman::{Pengiriman, StatusKirim};
    use kasa::proto::Reply;
    use kasa::proto::link::{LinkReply, LinkRequest};
    // Tall enough that the whole detail is on screen.
    let mut app = harness::app("default", 40, 80, 60);
    app.update(Action::Open);
    let mut e = app.current().cloned().unwrap();
    e.book = kasa::domain::Book::KriptogramKeluar;
    let id = e.id;
    let fx = app.on_reply(
        Purpose::Show(id),
        Ok(Reply::Entry {
            entry: Box::new(e),
            text: None,
        }),
    );
    assert!(
        fx.iter().any(|f| matches!(
            f,
            Effect::Call(kasa::proto::Request::Link(LinkRequest::Receipts { entry }), Purpose::Pengiriman(x))
                if *entry == id && *x == id
        )),
        "the detail asks for the receipts"
    );
    let p = |peer: &str, status, at: Option<&str>, alasan: Option<&str>| Pengiriman {
        peer: peer.into(),
        status,
        at: at.map(harness::ts),
        alasan: alasan.map(String::from),
    };
    app.on_reply(
        Purpose::Pengiriman(id),
        Ok(Reply::Link(LinkReply::Receipts {
            receipts: vec![],
            pengiriman: vec![
                p(
                    "51.01",
                    StatusKirim::Dibuka,
                    Some("2026-11-20T03:05:00Z"),
                    None,
                ),
                p("51.02", StatusKirim::Menunggu, None, None),
                p(
                    "51.03",
                    StatusKirim::Ditolak,
                    Some("2026-11-20T03:02:00Z"),
                    Some("not_addressed"),
                ),
            ],
        })),
    );
    let t = text(&app);
    for want in [
        "Pengiriman per penerima",
        "51.01",
        "dibuka",
        "20-11-2026 11:05",
        "menunggu",
        "ditolak",
        "not_addressed",
    ] {
        assert!(t.contains(want), "{want:?} missing:\n{t}");
    }
}

/// The peers overlay carries each peer's link line: connected or down, queue, last seen, last error.
#[test]
fn peers_overlay_shows_the_link_status_80x24() {
    use kasa::console::app::{Effect, Purpose};
    use kasa::proto::Reply;
    use kasa::proto::link::{LinkReply, LinkRequest, PeerLinkStatus};
    let mut app = harness::app("default", 40, 80, 24);
    let peer = |id: &str, name: &str| -> kasa::proto::PeerInfo {
        serde_json::from_value(serde_json::json!({
            "node_id": id, "name": name, "relation": "kab-kota", "saluran": "JKS", "verified": true,
            "added_at": "2026-11-01T00:00:00Z", "x25519": "age1x", "x25519_key_id": "k",
            "ed25519_fingerprint": "f", "safety_number": "12345 67890"
        }))
        .unwrap()
    };
    let fx = app.on_reply(
        Purpose::Peers,
        Ok(Reply::Peers {
            peers: vec![
                peer("51.01", "Diskominfo Badung"),
                peer("51.02", "Diskominfo Bangli"),
            ],
        }),
    );
    assert!(fx.iter().any(|f| matches!(
        f,
        Effect::Call(
            kasa::proto::Request::Link(LinkRequest::PeerStatus),
            Purpose::LinkStatus
        )
    )));
    app.on_reply(
        Purpose::LinkStatus,
        Ok(Reply::Link(LinkReply::PeerStatus {
            peers: vec![
                PeerLinkStatus {
                    node_id: "51.01".into(),
                    connected: true,
                    last_seen: Some(harness::ts("2026-11-20T07:29:00Z")),
                    queued: 0,
                    last_error: None,
                    address: None,
                },
                PeerLinkStatus {
                    node_id: "51.02".into(),
                    connected: false,
                    last_seen: None,
                    queued: 2,
                    last_error: Some("connection refused".into()),
                    address: Some("10.0.0.2:7470".into()),
                },
            ],
        })),
    );
    let t = text(&app);
    for want in [
        "● tersambung",
        "20-11 15:29",
        "○ terputus",
        "antrean 2",
        "connection refused",
    ] {
        assert!(t.contains(want), "{want:?} missing:\n{t}");
    }
}

/// Issue 11 §5: on a locked node an entry's text and suggestions come sealed; the detail and the
/// registration form say so and name `kasa node unlock` (the form still opens, not pre-filled).
#[test]
fn sealed_text_on_a_locked_node_is_named_in_detail_and_form() {
    let mut app = harness::app("default", 40, 120, 40);
    app.status.as_mut().unwrap().locked = true;
    let mut entries = harness::entries(40);
    entries[0].suggestions = None;
    entries[0].sealed = Some(Default::default());
    app.on_reply(
        kasa::console::app::Purpose::List(kasa::console::action::Pane::Masuk),
        Ok(kasa::proto::Reply::Entries { entries }),
    );
    app.update(Action::Open);
    let t = text(&app);
    assert!(t.contains("Teks dan saran tersegel"), "{t}");
    assert!(t.contains("kasa node unlock"), "{t}");
    app.update(Action::Back);
    app.update(Action::Triage);
    let t = text(&app);
    assert!(
        t.contains("tersegel"),
        "the form says why it is not pre-filled: {t}"
    );
    assert!(
        !t.contains("Penyampaian Laporan"),
        "nothing pre-filled: {t}"
    );
}

/// The list pages on from what it holds (issue 19): `G` at the end of the first page asks the node
/// for the next one (before the oldest entry held), merges it, and the next `G` reaches its end.
#[test]
fn the_end_of_the_loaded_page_asks_for_the_next_one() {
    use kasa::console::action::Pane;
    use kasa::console::app::{Effect, Purpose};
    use kasa::proto::{Reply, Request};
    let all = harness::entries(2500);
    let mut app = harness::app("default", 0, 80, 24);
    app.on_reply(
        Purpose::List(Pane::Masuk),
        Ok(Reply::Entries {
            entries: all[..1000].to_vec(),
        }),
    );
    let fx = app.update(Action::Bottom);
    let before = match fx.as_slice() {
        [Effect::Call(Request::AgendaList { before, .. }, Purpose::ListMore(Pane::Masuk))] => {
            *before
        }
        other => panic!("no request for the next page: {other:?}"),
    };
    assert_eq!(before, Some(kasa::store::Store::cursor_of(&all[999])));
    // Pressing on while it is on its way asks nothing more.
    assert!(app.update(Action::Bottom).is_empty());
    let fx = app.on_reply(
        Purpose::ListMore(Pane::Masuk),
        Ok(Reply::Entries {
            entries: all[1000..2000].to_vec(),
        }),
    );
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(app.masuk.view.len(), 2000);
    app.update(Action::Bottom);
    assert_eq!(app.masuk.selected().map(|e| e.id), Some(all[1999].id));
    // The last, short page: nothing more is asked after it.
    app.on_reply(
        Purpose::ListMore(Pane::Masuk),
        Ok(Reply::Entries {
            entries: all[2000..].to_vec(),
        }),
    );
    app.update(Action::Bottom);
    // The last row is the oldest scan already triaged (untriaged scans are listed on top).
    let last = all
        .iter()
        .rev()
        .find(|e| e.status != kasa::domain::Status::Baru);
    assert_eq!(app.masuk.selected().map(|e| e.id), last.map(|e| e.id));
    assert!(app.update(Action::Bottom).is_empty());
    assert_eq!(app.masuk.more, None);
}

/// A refresh after the whole book was paged in (the newest page again) keeps every row listed: the
/// list does not shrink back to the first page.
#[test]
fn a_refresh_after_paging_to_the_end_keeps_the_whole_book() {
    use kasa::console::action::Pane;
    use kasa::console::app::Purpose;
    use kasa::proto::Reply;
    let all = harness::entries(500);
    let mut app = harness::app("default", 0, 80, 24);
    let list = |app: &mut kasa::console::App, p: Purpose, es: &[kasa::domain::Entry]| {
        app.on_reply(
            p,
            Ok(Reply::Entries {
                entries: es.to_vec(),
            }),
        );
    };
    list(&mut app, Purpose::List(Pane::Masuk), &all[..200]);
    app.update(Action::Bottom);
    list(&mut app, Purpose::ListMore(Pane::Masuk), &all[200..]);
    assert_eq!(app.masuk.view.len(), 500);
    assert_eq!(app.masuk.more, None);
    list(&mut app, Purpose::List(Pane::Masuk), &all[..200]);
    assert_eq!(
        app.masuk.view.len(),
        500,
        "the refresh kept the older pages"
    );
    assert_eq!(app.masuk.more, None);
}

/// A `/` token the filter cannot read is named under the prompt as it is typed, and in the status
/// line after Enter; it filters nothing (every row stays).
#[test]
fn an_unreadable_filter_token_is_named_not_silently_dropped() {
    let mut app = harness::app("default", 6, 80, 24);
    for k in kasa::console::keymap::parse_keys("/status:bar").unwrap() {
        app.on_key(k.to_event());
    }
    let sc = text(&app);
    assert!(sc.contains("tak dimengerti"), "{sc}");
    for k in kasa::console::keymap::parse_keys("<Enter>").unwrap() {
        app.on_key(k.to_event());
    }
    let sc = text(&app);
    assert!(sc.contains("unknown status 'bar'"), "{sc}");
    assert_eq!(app.masuk.view.len(), 6);
}
