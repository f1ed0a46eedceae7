//! Buffer snapshots (insta) of the Disposisi pane and the dispose form from fixed data and a fixed clock.

#[path = "console_harness.rs"]
mod harness;

use kasa::console::App;
use kasa::console::action::{Action, Pane};
use kasa::console::app::Purpose;
use kasa::domain::disposisi::{Disposisi, DisposisiRules};
use kasa::domain::{Operator, Role};
use kasa::proto::Reply;
use kasa::proto::disposisi::{DisposisiReply, Lingkup};

use harness::text;

fn op(uid: u32, nama: &str, role: Role) -> Operator {
    Operator {
        uid,
        username: format!("op{uid}"),
        nama: nama.into(),
        nip: String::new(),
        jabatan: String::new(),
        role,
        kualifikasi: Default::default(),
        disabled: false,
    }
}

fn records(me: &Operator) -> Vec<Disposisi> {
    let kadis = op(2001, "Dr. I Made Wirawan", Role::Kadis);
    let t0 = harness::ts("2026-11-19T01:00:00Z");
    // Overdue (batas 06:00Z, now 07:30Z) and one due tomorrow; the node sends overdue first.
    let mut a = Disposisi::issue(
        4,
        3,
        None,
        &kadis,
        me,
        vec!["Untuk dihadiri".into()],
        "",
        harness::ts("2026-11-20T06:00:00Z"),
        t0,
    );
    a.mark_read(t0, me).unwrap();
    let b = Disposisi::issue(
        7,
        5,
        None,
        &kadis,
        me,
        vec!["Untuk ditindaklanjuti".into(), "Siapkan bahan".into()],
        "",
        harness::ts("2026-11-21T09:00:00Z"),
        t0,
    );
    vec![a, b]
}

fn with_pane() -> App {
    let mut app = harness::app("default", 5, 80, 24);
    let me = app.operator.clone().unwrap();
    let now = app.now;
    app.on_reply(
        Purpose::DisposisiList(Lingkup::UntukSaya),
        Ok(Reply::Disposisi(DisposisiReply::Records {
            records: records(&me),
            now,
            zone: "WITA".into(),
            perihal: harness::entries(5)
                .into_iter()
                .map(|e| (e.id, e.perihal))
                .collect(),
            nomor: harness::entries(5)
                .into_iter()
                .map(|e| (e.id, kasa::domain::disposisi::nomor_agenda(&e)))
                .collect(),
            tuntas: Vec::new(),
        })),
    );
    app.update(Action::Tab(Pane::Disposisi));
    app
}

#[test]
fn untuk_saya_overdue_first_with_time_left_80x24() {
    let app = with_pane();
    assert!(!app.disposisi.bell, "the first list never rings");
    insta::assert_snapshot!(text(&app));
}

#[test]
fn dari_saya_with_state_and_overdue_80x24() {
    let mut app = with_pane();
    let me = app.operator.clone().unwrap();
    let now = app.now;
    app.on_reply(
        Purpose::DisposisiList(Lingkup::DariSaya),
        Ok(Reply::Disposisi(DisposisiReply::Records {
            records: records(&me),
            now,
            zone: "WITA".into(),
            perihal: harness::entries(5)
                .into_iter()
                .map(|e| (e.id, e.perihal))
                .collect(),
            nomor: harness::entries(5)
                .into_iter()
                .map(|e| (e.id, kasa::domain::disposisi::nomor_agenda(&e)))
                .collect(),
            tuntas: Vec::new(),
        })),
    );
    app.update(Action::DisposisiTab);
    insta::assert_snapshot!(text(&app));
}

#[test]
fn disposing_an_unregistered_scan_is_refused_before_the_form() {
    let mut app = harness::app("default", 5, 80, 24);
    assert_eq!(
        app.masuk.selected().unwrap().status,
        kasa::domain::Status::Baru
    );
    let effects = app.update(Action::Dispose);
    assert!(effects.is_empty());
    let m = app.message.clone().unwrap();
    assert!(m.error && m.text.contains("aturan teragenda"), "{m:?}");
}

#[test]
fn dispose_form_80x24() {
    let mut app = harness::app("default", 5, 80, 24);
    if let Some(o) = &mut app.operator {
        o.role = Role::Kadis;
    }
    app.disposisi.operators = vec![
        op(2002, "Ni Luh Putu Ayu", Role::Kabid),
        op(2003, "I Ketut Arsa", Role::Kasi),
    ];
    let mut e = app.masuk.selected().unwrap().clone();
    e.tujuan = "Bupati Jembrana".into();
    let rules = DisposisiRules::default();
    let saran = rules.saran(&e).cloned();
    let now = app.now;
    app.on_reply(
        Purpose::DisposeForm(e.id, None),
        Ok(Reply::Disposisi(DisposisiReply::Chain {
            entry: Box::new(e),
            records: Vec::new(),
            saran,
            instruksi: rules.instruksi.clone(),
            now,
            zone: "WITA".into(),
            node_name: String::new(),
            hierarki: rules.hierarki.clone(),
        })),
    );
    app.update(Action::FormNext);
    app.update(Action::FormNext);
    app.update(Action::CycleNext);
    insta::assert_snapshot!(text(&app));
}

/// The chain Kadis → me (Kabid) → Kasi, the Kasi's part finished: the root is done below.
fn chain_done_below(me: &Operator) -> Vec<Disposisi> {
    let kadis = op(2001, "Dr. I Made Wirawan", Role::Kadis);
    let kasi = op(2003, "I Ketut Arsa", Role::Kasi);
    let t0 = harness::ts("2026-11-19T01:00:00Z");
    let t1 = harness::ts("2026-11-19T03:10:00Z");
    let batas = harness::ts("2026-11-21T08:00:00Z");
    let mut root = Disposisi::issue(
        4,
        3,
        None,
        &kadis,
        me,
        vec!["Untuk ditindaklanjuti".into()],
        "Mohon dikoordinasikan dengan BSSN, laporkan hasilnya sebelum rapat",
        batas,
        t0,
    );
    root.forwarded(t1, me, &[5], "").unwrap();
    let mut kid = Disposisi::issue(
        5,
        3,
        Some(4),
        me,
        &kasi,
        vec!["Siapkan bahan".into()],
        "Siapkan bahan rapat",
        batas,
        t1,
    );
    kid.finish(
        harness::ts("2026-11-20T02:00:00Z"),
        &kasi,
        "Bahan terkirim ke BSSN",
    )
    .unwrap();
    vec![root, kid]
}

#[test]
fn detail_shows_entry_chain_catatan_and_done_below_80x24() {
    let mut app = with_pane();
    let me = app.operator.clone().unwrap();
    let chain = chain_done_below(&me);
    let now = app.now;
    let entry = harness::entries(5).into_iter().find(|e| e.id == 3).unwrap();
    app.on_reply(
        Purpose::DisposisiList(Lingkup::UntukSaya),
        Ok(Reply::Disposisi(DisposisiReply::Records {
            records: vec![chain[0].clone()],
            now,
            zone: "WITA".into(),
            perihal: vec![(3, entry.perihal.clone())],
            nomor: vec![(3, "3/2026".into())],
            tuntas: vec![4],
        })),
    );
    let list = text(&app);
    assert!(list.contains("3/2026"), "{list}");
    assert!(list.contains("selesai di bawah"), "{list}");
    let effects = app.update(Action::DisposisiOpen);
    assert_eq!(effects.len(), 1, "one Open request");
    app.on_reply(
        Purpose::DisposisiDetail(4),
        Ok(Reply::Disposisi(DisposisiReply::Chain {
            entry: Box::new(entry),
            records: chain,
            saran: None,
            instruksi: DisposisiRules::default().instruksi,
            now,
            zone: "WITA".into(),
            node_name: String::new(),
            hierarki: DisposisiRules::default().hierarki,
        })),
    );
    insta::assert_snapshot!(text(&app));
}

#[test]
fn dari_saya_done_below_rings_once_80x24() {
    let mut app = with_pane();
    let me = app.operator.clone().unwrap();
    let chain = chain_done_below(&me);
    let now = app.now;
    let reply = |tuntas: Vec<u64>| {
        Ok(Reply::Disposisi(DisposisiReply::Records {
            records: vec![chain[0].clone()],
            now,
            zone: "WITA".into(),
            perihal: vec![(3, "Undangan rapat koordinasi persandian".into())],
            nomor: vec![(3, "3/2026".into())],
            tuntas,
        }))
    };
    app.on_reply(Purpose::DisposisiList(Lingkup::DariSaya), reply(vec![]));
    assert!(!app.disposisi.bell);
    app.on_reply(Purpose::DisposisiList(Lingkup::DariSaya), reply(vec![4]));
    assert!(app.disposisi.bell, "the issuer is told");
    let m = app.message.clone().unwrap().text;
    assert!(
        m.contains("#4 (agenda 3/2026)") && m.contains("selesai di bawah"),
        "{m}"
    );
    app.disposisi.bell = false;
    app.on_reply(Purpose::DisposisiList(Lingkup::DariSaya), reply(vec![4]));
    assert!(!app.disposisi.bell, "only once");
    app.update(Action::DisposisiTab);
    insta::assert_snapshot!(text(&app));
}
