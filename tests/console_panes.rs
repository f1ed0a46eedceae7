//! The console as panes (issue 12): every pane's actions reach only what is on screen (issue 10.7),
//! and the 80×24 readability fixes (wrapped incident log scrolled to its end, the header keeping the
//! zone and node id, all twelve safety-number groups, the confirm box keeping its keys, help paging).
//! Drawn from fixed data with a fixed clock, no node.

#[path = "console_harness.rs"]
mod harness;

use kasa::console::App;
use kasa::console::action::{Action, Pane};
use kasa::console::app::{ConfirmKind, ConfirmState, Effect, Layer, PromptKind, Purpose};
use kasa::console::pane::REGISTRY;
use kasa::domain::disposisi::Disposisi;
use kasa::domain::insiden::{Insiden, playbooks};
use kasa::domain::palsan::{JenisPalsan, Kesiapan, Kondisi, Palsan, PalsanBaru};
use kasa::domain::{Operator, Role};
use kasa::proto::disposisi::{DisposisiReply, Lingkup};
use kasa::proto::{PeerInfo, Reply};

use harness::text;

use harness::insiden_ctx as ctx;

/// Every pane holds something under its cursor: masuk and keluar entries, a palsan item, a
/// disposisi for me, an open incident.
fn full_app() -> App {
    let mut app = harness::app("default", 6, 80, 24);
    let mut keluar = harness::entries(3);
    for e in &mut keluar {
        e.book = kasa::domain::Book::Keluar;
        e.id += 100;
    }
    app.on_reply(
        Purpose::List(Pane::Keluar),
        Ok(Reply::Entries { entries: keluar }),
    );
    let item = Palsan::new(
        1,
        &PalsanBaru {
            jenis: JenisPalsan::PeralatanSandi,
            nama: "Secure X".into(),
            nomor_seri: "SX-1".into(),
            sumber: "BSSN".into(),
            lokasi: "Kamar sandi".into(),
            pemegang: "Kasi".into(),
            kondisi: Kondisi::Baik,
            kesiapan: Kesiapan::Siap,
            catatan: String::new(),
        },
        harness::ts("2026-11-18T01:00:00Z"),
        "Admin",
    )
    .unwrap();
    let page = app.page();
    app.palsan.set_items(vec![item], page);
    let me = app.operator.clone().unwrap();
    let kadis = Operator {
        uid: 2001,
        username: "kadis".into(),
        nama: "Kadis".into(),
        nip: String::new(),
        jabatan: String::new(),
        role: Role::Kadis,
        kualifikasi: Default::default(),
        disabled: false,
    };
    let d = Disposisi::issue(
        4,
        3,
        None,
        &kadis,
        &me,
        vec!["Untuk dihadiri".into()],
        "",
        harness::ts("2026-11-21T06:00:00Z"),
        harness::ts("2026-11-19T01:00:00Z"),
    );
    let now = app.now;
    app.on_reply(
        Purpose::DisposisiList(Lingkup::UntukSaya),
        Ok(Reply::Disposisi(DisposisiReply::Records {
            records: vec![d],
            now,
            zone: "WITA".into(),
            perihal: Default::default(),
            nomor: Default::default(),
            tuntas: Default::default(),
        })),
    );
    let i = Insiden::buka(
        7,
        "Web OPD diretas",
        &ctx("2026-11-20T07:20:00Z"),
        &playbooks(),
    )
    .unwrap();
    app.insiden.set(vec![i]);
    app.message = None;
    app
}

/// The actions that act on the entry under some pane's cursor, with the pane that owns them
/// (`None`: both agenda panes, Masuk and Keluar). `open` and `goto` are every pane's own action on its own
/// cursor (an agenda entry, a palsan item, an incident): `open_acts_on_the_shown_pane_only` checks it.
fn owned_actions() -> Vec<(Option<Pane>, Action)> {
    let agenda = [
        Action::Void(Some("salah kirim".into())),
        Action::Note(Some("catatan".into())),
        Action::Duplicate(Some(1)),
        Action::Export(Some("/tmp/x.pdf".into())),
        Action::Seal(Some("51".into())),
        Action::KeluarRegister,
        Action::KeluarSend(Some("Faksimili".into())),
        Action::Triage,
    ];
    let palsan = [
        Action::PalsanCheckout,
        Action::PalsanCheckin,
        Action::PalsanRepair,
        Action::PalsanStep,
        Action::PalsanDispose,
        Action::PalsanEdit,
        Action::PalsanKunci,
        Action::PalsanKunciStatus,
    ];
    let disposisi = [
        Action::DisposisiRead,
        Action::DisposisiDone(Some("selesai".into())),
        Action::DisposisiOpen,
        Action::DisposisiReturn(Some("salah alamat".into())),
        Action::DisposisiCancel(Some("salah alamat".into())),
        Action::DisposisiPrint,
    ];
    let insiden = [
        Action::InsidenLog(Some("baris".into())),
        Action::InsidenTick(Some("U1".into())),
        Action::InsidenPlaybook(Some("A".into())),
        Action::InsidenClose(Some("pelajaran".into())),
        Action::InsidenSet(Some("keparahan 3".into())),
    ];
    let mut v: Vec<(Option<Pane>, Action)> = agenda.into_iter().map(|a| (None, a)).collect();
    v.extend(palsan.into_iter().map(|a| (Some(Pane::Palsan), a)));
    v.extend(disposisi.into_iter().map(|a| (Some(Pane::Disposisi), a)));
    v.extend(insiden.into_iter().map(|a| (Some(Pane::Insiden), a)));
    v
}

/// One test per pane (a loop over the registry): from each pane, every action owned by another pane
/// sends nothing to the node, opens nothing, and says why.
#[test]
fn no_action_reaches_an_entry_of_another_pane() {
    for reg in REGISTRY {
        for (owner, a) in owned_actions() {
            let foreign = match owner {
                None => !reg.id.is_agenda(),
                Some(p) => p != reg.id,
            };
            if !foreign {
                continue;
            }
            let mut app = full_app();
            app.update(Action::Tab(reg.id));
            let effects = app.update(a.clone());
            let calls: Vec<_> = effects
                .iter()
                .filter(|e| matches!(e, Effect::Call(..) | Effect::CallWithFiles(..)))
                .collect();
            assert!(
                calls.is_empty(),
                "{a:?} from the {} tab reached a hidden entry: {calls:?}",
                reg.name
            );
            assert!(
                app.layers.is_empty(),
                "{a:?} from the {} tab opened {:?}",
                reg.name,
                app.layers
            );
            let m = app
                .message
                .clone()
                .unwrap_or_else(|| panic!("{a:?} from the {} tab said nothing", reg.name));
            assert!(m.error, "{a:?} from {}: {m:?}", reg.name);
        }
    }
}

#[test]
fn void_from_the_insiden_tab_names_the_tabs_where_it_applies() {
    let mut app = full_app();
    app.update(Action::Tab(Pane::Insiden));
    let e = app.update(Action::Void(Some("salah".into())));
    assert!(e.is_empty());
    let m = app.message.clone().unwrap().text;
    assert!(
        m.contains("Masuk (1)") && m.contains("Keluar (2)") && m.contains("Insiden (5)"),
        "{m}"
    );
}

#[test]
fn bang_inside_an_incident_notes_a_line_in_it() {
    let mut app = full_app();
    app.update(Action::Tab(Pane::Insiden));
    app.update(Action::Open);
    let e = app.update(Action::InsidenNew);
    assert!(
        !e.iter().any(|e| matches!(e, Effect::Call(..))),
        "no second incident: {e:?}"
    );
    assert!(
        matches!(app.layers.last(), Some(Layer::Prompt(p)) if p.kind == PromptKind::InsidenLog(7)),
        "{:?}",
        app.layers
    );
}

#[test]
fn keluar_g_goes_to_the_top_and_registers_nothing() {
    let mut app = full_app();
    app.update(Action::Tab(Pane::Keluar));
    app.update(Action::Down);
    let e = app.on_key(crossterm::event::KeyEvent::from(
        crossterm::event::KeyCode::Char('g'),
    ));
    assert!(e.is_empty(), "{e:?}");
    assert_eq!(app.keluar.cursor.pos, 0);
}

/// 40 log lines of ~120 characters (each wraps onto two rows at 80 columns), scrolled to the end:
/// the newest line is on screen.
#[test]
fn incident_40_wrapped_lines_scrolled_to_the_end_80x24() {
    let mut app = full_app();
    let mut i = Insiden::buka(
        8,
        "Gangguan jaringan OPD",
        &ctx("2026-11-20T06:00:00Z"),
        &playbooks(),
    )
    .unwrap();
    for n in 1..=40 {
        i.catat(
            &format!(
                "baris {n:02}: pemeriksaan perangkat jaringan di ruang server lantai dua, kabel uplink dan switch inti dicatat lengkap"
            ),
            &ctx(&format!("2026-11-20T06:{n:02}:00Z")),
        )
        .unwrap();
    }
    app.insiden.set(vec![i]);
    app.update(Action::Tab(Pane::Insiden));
    app.update(Action::Open);
    app.update(Action::Bottom);
    let t = text(&app);
    assert!(t.contains("dicatat lengkap"), "{t}");
    assert!(t.contains("baris 40"), "the newest line is shown:\n{t}");
    insta::assert_snapshot!(t);
    // PgUp after End moves at once (the view knows its rows from the last draw).
    app.update(Action::PageUp);
    let up = text(&app);
    assert!(!up.contains("baris 40"), "{up}");
    app.update(Action::Bottom);
    assert!(text(&app).contains("baris 40"));
}

/// A busy header at 80 columns keeps the whole clock with its zone and the node id.
#[test]
fn header_busy_with_the_wita_clock_80x24() {
    let mut app = full_app();
    app.busy = 2;
    app.alarms_open = 3;
    let t = text(&app);
    let header = t.lines().next().unwrap().to_string();
    assert!(header.contains("WITA"), "{header}");
    assert!(header.contains("(5101)"), "{header}");
    assert!(header.contains("15:30:15"), "{header}");
    insta::assert_snapshot!(t);
}

#[test]
fn peers_overlay_shows_all_12_groups_80x24() {
    let mut app = full_app();
    let groups: Vec<String> = (0..12)
        .map(|i| format!("{:05}", 11111 * (i + 1) % 100000))
        .collect();
    let peer = |id: &str, name: &str, verified: bool| PeerInfo {
        node_id: id.into(),
        name: name.into(),
        relation: kasa::store::Relation::Provinsi,
        saluran: "Email Sanapati".into(),
        verified,
        added_at: harness::ts("2026-11-01T00:00:00Z"),
        verified_at: None,
        verified_by: None,
        x25519: String::new(),
        x25519_key_id: String::new(),
        ed25519_fingerprint: String::new(),
        safety_number: Some(groups.join(" ")),
    };
    app.on_reply(
        Purpose::Peers,
        Ok(Reply::Peers {
            peers: vec![
                peer("51", "Diskominfos Provinsi Bali", true),
                peer("5171", "Diskominfo Kota Denpasar", false),
            ],
        }),
    );
    let t = text(&app);
    for g in &groups {
        assert_eq!(
            t.matches(g.as_str()).count(),
            2,
            "group {g} of both peers:\n{t}"
        );
    }
    insta::assert_snapshot!(t);
}

#[test]
fn confirm_box_keeps_its_keys_with_a_long_message() {
    let mut app = full_app();
    app.layers.push(Layer::Confirm(ConfirmState {
        message: "peer 5171 (Diskominfo Kota Denpasar) is not verified: compare the safety number with `kasa peer verify 5171` and confirm with --confirm, or seal anyway with --yes-unverified\n\nTetap kirim ke node yang belum diverifikasi? / Seal to an unverified peer anyway?".into(),
        kind: ConfirmKind::Quit,
    }));
    let t = text(&app);
    assert!(t.contains("[y] ya"), "{t}");
    assert!(t.contains("anyway?"), "{t}");
}

#[test]
fn help_pages_down_and_wraps_long_descriptions() {
    let mut app = full_app();
    app.update(Action::Help);
    let first = text(&app);
    app.update(Action::PageDown);
    let second = text(&app);
    assert_ne!(first, second, "PgDn scrolls the help");
    // Page on until the filter binding shows: its long description is wrapped, not cut.
    let mut pages = vec![first, second];
    for _ in 0..20 {
        app.update(Action::PageDown);
        pages.push(text(&app));
    }
    let all = pages.join("\n");
    assert!(
        all.contains("urut:nomor|perihal|batas|k"),
        "the filter description wraps instead of being cut:\n{all}"
    );
}

/// `open` acts on the cursor of the pane on screen: from the Palsan tab it opens the palsan item,
/// from the Insiden tab the incident, never the hidden agenda entry.
#[test]
fn agenda_actions_act_on_the_cursor_of_the_shown_book() {
    // Masuk and Keluar are two panes of one kind, each with its own list and cursor: a void from the
    // Keluar tab names the keluar entry under its cursor, never the masuk one, and back.
    for (pane, book) in [
        (Pane::Masuk, kasa::domain::Book::Masuk),
        (Pane::Keluar, kasa::domain::Book::Keluar),
    ] {
        let mut app = full_app();
        app.update(Action::Tab(pane));
        let expected = app.agenda().unwrap().selected().unwrap().clone();
        assert_eq!(expected.book, book);
        let effects = app.update(Action::Void(Some("salah".into())));
        let ids: Vec<u64> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::Call(kasa::proto::Request::Void { id, .. }, _) => Some(*id),
                _ => None,
            })
            .collect();
        assert_eq!(ids, vec![expected.id], "{pane:?}: {effects:?}");
    }
}

#[test]
fn open_acts_on_the_shown_pane_only() {
    for reg in REGISTRY {
        let mut app = full_app();
        app.update(Action::Tab(reg.id));
        let effects = app.update(Action::Open);
        let shows_agenda = effects
            .iter()
            .any(|e| matches!(e, Effect::Call(kasa::proto::Request::AgendaShow { .. }, _)));
        assert_eq!(
            shows_agenda,
            reg.id.is_agenda(),
            "open from the {} tab: {effects:?}",
            reg.name
        );
    }
}

#[test]
fn long_messages_wrap_in_the_status_line() {
    let mut app = full_app();
    app.update(Action::Tab(Pane::Insiden));
    app.update(Action::Void(Some("x".into())));
    let m = app.message.clone().unwrap().text;
    assert!(m.chars().count() > 80, "{m}");
    let t = text(&app);
    let tail: String = m
        .chars()
        .rev()
        .take(12)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    assert!(
        t.contains(tail.trim()),
        "the end of the message is shown:\n{t}"
    );
}

/// Refusals arrive with a typed code; the console puts the code's words in its language before the
/// node's message (the session then offers a disabled operator to quit: `App::operator_disabled`).
#[test]
fn refusal_codes_are_worded_in_the_console_language() {
    use kasa::client::ClientError;
    use kasa::proto::ErrorCode;
    let mut app = full_app();
    let e = ClientError::Refused {
        code: ErrorCode::Forbidden,
        message: "sandiman may not void entries".into(),
    };
    assert_eq!(
        app.refusal(&e),
        "tidak berwenang: sandiman may not void entries"
    );
    assert!(app.layers.is_empty());
    let e = ClientError::Refused {
        code: ErrorCode::parse("disabled"),
        message: "operator ayu is disabled".into(),
    };
    let t = app.refusal(&e);
    assert!(t.starts_with("operator Anda dinonaktifkan"), "{t}");
    app.en = true;
    let e = ClientError::Refused {
        code: ErrorCode::parse("a_code_from_a_newer_node"),
        message: "x".into(),
    };
    assert_eq!(app.refusal(&e), "refused: x");
    // The wire form stays the snake_case name.
    assert_eq!(
        serde_json::to_string(&ErrorCode::NotFound).unwrap(),
        "\"not_found\""
    );
    let c: ErrorCode = serde_json::from_str("\"something_new\"").unwrap();
    assert_eq!(c, ErrorCode::Unknown);
}
