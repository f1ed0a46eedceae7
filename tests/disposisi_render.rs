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
