//! Buffer snapshots (insta) of the Palsan pane drawn from fixed data with a fixed clock: the list with
//! reminders, an item's detail with its open repair case, and the add form.

#[path = "console_harness.rs"]
mod harness;

use harness::ts;
use kasa::console::App;
use kasa::console::action::{Action, Pane};
use kasa::domain::palsan::*;
use kasa::proto::palsan::CaseView;

use harness::text;

fn baru(jenis: JenisPalsan, nama: &str, seri: &str) -> PalsanBaru {
    PalsanBaru {
        jenis,
        nama: nama.into(),
        nomor_seri: seri.into(),
        sumber: "BSSN".into(),
        lokasi: "Kamar sandi".into(),
        pemegang: "Kasi Persandian".into(),
        kondisi: Kondisi::Baik,
        kesiapan: Kesiapan::Siap,
        catatan: String::new(),
    }
}

/// Three items (one checked out, one under repair at step 4), one key near expiry; clock 2026-11-20.
fn app() -> (App, Perbaikan) {
    let mut app = harness::app("default", 5, 80, 24);
    let t0 = ts("2026-11-18T01:00:00Z");
    let mut a = Palsan::new(
        1,
        &baru(JenisPalsan::PeralatanSandi, "Secure X", "SX-001"),
        t0,
        "Admin",
    )
    .unwrap();
    let mut b = Palsan::new(
        2,
        &baru(JenisPalsan::DongleEnkripsi, "Dongle Sanapati", "DG-77"),
        t0,
        "Admin",
    )
    .unwrap();
    let c = Palsan::new(
        3,
        &baru(JenisPalsan::Jammer, "Jammer J1", "JM-3"),
        t0,
        "Admin",
    )
    .unwrap();
    b.checkout(
        "I Wayan Sudarma",
        Some(ts("2026-11-20T02:00:00Z")),
        "",
        ts("2026-11-19T01:00:00Z"),
        "Admin",
    )
    .unwrap();
    let zone = app.node.calendar.zone.clone();
    let mut case = Perbaikan::buka(
        5,
        1,
        &LaporanKerusakan {
            kerusakan: "tidak dapat mengenkripsi".into(),
            pelapor: "Sandiman Putu".into(),
            ditemukan_at: Some(ts("2026-11-19T23:55:00Z")),
            dilaporkan_at: Some(ts("2026-11-20T00:00:00Z")),
        },
        ts("2026-11-20T00:00:00Z"),
        &zone,
        "Admin",
    )
    .unwrap();
    a.buka_perbaikan(&case, Kondisi::RusakRingan, "Admin")
        .unwrap();
    for (l, at, oleh, dok) in [
        (
            LangkahPerbaikan::NotaDinas,
            "2026-11-20T00:10:00Z",
            "Kasi Made",
            "ND/12",
        ),
        (
            LangkahPerbaikan::Disposisi,
            "2026-11-20T00:20:00Z",
            "Kabid Wayan",
            "DISP/7",
        ),
    ] {
        let rec = case
            .catat(
                &LangkahInput {
                    langkah: l,
                    oleh: oleh.into(),
                    dokumen: dok.into(),
                    catatan: String::new(),
                    penilaian: None,
                    at: Some(ts(at)),
                },
                ts(at),
                &zone,
                "Admin",
            )
            .unwrap()
            .clone();
        a.ikuti_langkah(&case, &rec, "Admin").unwrap();
    }
    let now = app.now;
    let kunci = Kunci::new(
        1,
        &KunciBaru {
            jenis: "Kunci Sissan Secure X".into(),
            seri: "ED-4".into(),
            palsan_id: Some(1),
            berlaku_dari: "2026-01-01".parse().unwrap(),
            berlaku_sampai: "2026-12-10".parse().unwrap(),
            pemegang: String::new(),
            kondisi: Kondisi::Baik,
            catatan: String::new(),
        },
        t0,
        "Admin",
    )
    .unwrap();
    let items = vec![a, b, c];
    app.palsan.reminders = pengingat(
        &items,
        std::slice::from_ref(&case),
        &[kunci],
        &Berkala {
            sanapati_terakhir: Some(ts("2026-08-01T00:00:00Z")),
            audit_terakhir: Some(ts("2026-10-01T00:00:00Z")),
        },
        &AturanPengingat::default(),
        &app.node.calendar,
        now,
    );
    app.pane = Pane::Palsan;
    let page = app.page();
    app.palsan.set_items(items, page);
    (app, case)
}

#[test]
fn palsan_list_with_reminders_80x24() {
    let (app, _) = app();
    insta::assert_snapshot!(text(&app));
}

#[test]
fn palsan_detail_with_open_case_80x24() {
    let (mut app, case) = app();
    let now = app.now;
    let sla = case.sla(&app.node.calendar, now);
    app.update(Action::Open);
    if let Some(kasa::console::app::Layer::Palsan(l)) = app.layers.last_mut()
        && let kasa::console::palsan::PalsanLayer::Detail(d) = &mut **l
    {
        let item = d.item.clone().unwrap();
        d.case = Some(Box::new(CaseView {
            sla,
            penilaian: case.penilaian(),
            perbaikan: case,
            palsan: *item,
            at: now,
        }));
    }
    insta::assert_snapshot!(text(&app));
}

#[test]
fn palsan_add_form_80x24() {
    let (mut app, _) = app();
    app.update(Action::PalsanAdd);
    app.update(Action::CycleNext);
    insta::assert_snapshot!(text(&app));
}

#[test]
fn palsan_help_lists_the_pane_keys() {
    let (app, _) = app();
    let ctxs = app.contexts();
    assert_eq!(ctxs, ["palsan", "list", "global"]);
    let lines = kasa::console::view::help_lines(&app, &ctxs);
    for (key, desc) in [
        ("a", "tambah palsan"),
        ("r", "laporkan rusak"),
        ("s", "langkah perbaikan"),
        ("S", "Email Sanapati"),
        ("k", "naik"),
        ("4", "pindah ke tab"),
    ] {
        assert!(
            lines.iter().any(|(_, k, d)| k == key && d.contains(desc)),
            "{key}: {lines:#?}"
        );
    }
}

#[test]
fn palsan_step_form_takes_its_time_80x24() {
    use kasa::console::palsan::{FormKind, PalsanForm, PalsanLayer};
    let (mut app, _) = app();
    let item = app.palsan.selected().cloned();
    app.layers.push(kasa::console::app::Layer::Palsan(Box::new(
        PalsanLayer::Form(PalsanForm::new(
            FormKind::RepairStep {
                case: 5,
                langkah: LangkahPerbaikan::TtdSekda,
            },
            item.as_ref(),
        )),
    )));
    insta::assert_snapshot!(text(&app));
}
