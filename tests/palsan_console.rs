//! Console key sequences on the Palsan pane against a real node: create an item through the form, open a
//! repair case on it, record the next step; readiness and reminders follow.

#[path = "console_harness.rs"]
mod harness;

use kasa::console::app::Layer;
use kasa::console::palsan::{FormKind, PalsanLayer};
use kasa::console::session::Session;
use kasa::domain::palsan::{JenisPalsan, Kesiapan, LangkahPerbaikan};
use kasa::proto::palsan::{PalsanReply, PalsanRequest};
use kasa::proto::{Reply, Request};

use harness::session;

fn form_kind(s: &Session<kasa::client::Client>) -> Option<FormKind> {
    match s.app.layers.last() {
        Some(Layer::Palsan(l)) => match &**l {
            PalsanLayer::Form(f) => Some(f.kind.clone()),
            _ => None,
        },
        _ => None,
    }
}

fn item(n: &harness::Node, id: u64) -> kasa::domain::palsan::Palsan {
    let mut c = n.client();
    let Reply::Palsan(r) = c
        .call(Request::Palsan(PalsanRequest::ItemShow { id }))
        .unwrap()
    else {
        panic!()
    };
    let PalsanReply::Item { item, .. } = *r else {
        panic!()
    };
    *item
}

#[test]
fn create_item_and_open_a_repair_case_by_keys() {
    let n = harness::start_node(false);
    let mut s = session(&n);
    // Fresh node: Email Sanapati and the equipment audit were never recorded → 2 overdue reminders.
    assert_eq!(s.app.palsan.reminders.len(), 2);
    assert_eq!(s.app.palsan.overdue(), 2);

    s.keys("4");
    assert_eq!(s.app.pane, kasa::console::action::Pane::Palsan);
    assert!(s.app.palsan.items.is_empty());

    // Add: jenis picker → dongle_enkripsi (second choice), nama with spaces, seri; save.
    s.keys("a");
    assert_eq!(form_kind(&s), Some(FormKind::Add));
    s.keys("<Right><Tab>Dongle Sanapati 01<Tab>DG-77<C-s>");
    assert!(form_kind(&s).is_none(), "form closed: {:?}", s.app.message);
    assert_eq!(
        s.app.message.as_ref().unwrap().text,
        "palsan Dongle Sanapati 01 ditambahkan"
    );
    let sel = s
        .app
        .palsan
        .selected()
        .expect("listed and selected")
        .clone();
    assert_eq!(sel.jenis, JenisPalsan::DongleEnkripsi);
    assert_eq!(sel.nama, "Dongle Sanapati 01");
    assert_eq!(sel.nomor_seri, "DG-77");
    assert_eq!(sel.kesiapan, Kesiapan::Siap);

    // Report damage: r opens the repair form; kerusakan typed; kondisi rusak_berat; save.
    s.keys("r");
    assert_eq!(form_kind(&s), Some(FormKind::RepairOpen(sel.id)));
    s.keys("tidak terbaca di port USB<Tab><Right><C-s>");
    assert!(form_kind(&s).is_none(), "form closed: {:?}", s.app.message);
    let p = item(&n, sel.id);
    assert_eq!(p.kesiapan, Kesiapan::TidakSiap);
    let case = p.perbaikan.expect("open case");
    assert_eq!(
        s.app.palsan.selected().unwrap().kesiapan,
        Kesiapan::TidakSiap
    );
    // r again is refused with what to do instead.
    s.keys("r");
    assert!(form_kind(&s).is_none());
    assert!(s.app.message.as_ref().unwrap().text.contains("tekan s"));

    // Step 2 is the Kasi's (seed 000): the operator of this console becomes the Kasi.
    n.become_role("kasi");
    // Detail shows the case; s records step 2 (nota dinas) with its document.
    s.keys("<Enter>");
    let lines = match s.app.layers.last() {
        Some(Layer::Palsan(l)) => match &**l {
            PalsanLayer::Detail(d) => {
                kasa::console::palsan::detail_lines(&s.app.palsan, &s.app.cx, d)
            }
            _ => panic!("detail expected"),
        },
        _ => panic!("detail expected"),
    };
    let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    assert!(
        text.iter()
            .any(|l| l.contains(&format!("Perbaikan {case}"))),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|l| l.contains("Nota dinas ke Kabid") && l.contains("berjalan")),
        "{text:#?}"
    );
    s.keys("s");
    assert_eq!(
        form_kind(&s),
        Some(FormKind::RepairStep {
            case,
            langkah: LangkahPerbaikan::NotaDinas
        })
    );
    // Without the document the node refuses and the form stays open with the reason.
    s.keys("Kasi Made<C-s>");
    assert!(form_kind(&s).is_some());
    assert!(s.app.message.as_ref().unwrap().text.contains("--dokumen"));
    s.keys("<Tab>ND/12/2026<C-s>");
    assert!(form_kind(&s).is_none(), "{:?}", s.app.message);
    let mut c = n.client();
    let Reply::Palsan(r) = c
        .call(Request::Palsan(PalsanRequest::RepairShow {
            id: case,
            at: None,
        }))
        .unwrap()
    else {
        panic!()
    };
    let PalsanReply::Case(v) = *r else { panic!() };
    assert_eq!(v.perbaikan.langkah.len(), 2);
    assert_eq!(v.perbaikan.langkah[1].oleh, "Kasi Made");
    assert_eq!(v.perbaikan.langkah[1].dokumen, "ND/12/2026");
    assert_eq!(v.palsan.kesiapan, Kesiapan::TidakSiap);

    // Filters: kesiapan:siap hides it, kesiapan:tidak_siap shows it.
    s.keys("<Esc>/kesiapan:siap<Enter>");
    assert!(s.app.palsan.view.is_empty());
    s.keys("/<C-u>kesiapan:tidak_siap jenis:dongle_enkripsi<Enter>");
    assert_eq!(s.app.palsan.view.len(), 1);
}

#[test]
fn key_material_and_periodic_duties_by_keys() {
    let n = harness::start_node(false);
    let mut s = session(&n);
    s.keys("4a<Tab>Secure X<C-s>");
    let id = s.app.palsan.selected().expect("item").id;
    // j/k still move in the Palsan list.
    s.keys("jk");
    assert_eq!(s.app.palsan.selected().unwrap().id, id);
    // e: the edit form is pre-filled; change lokasi (4th field) only.
    s.keys("e");
    assert_eq!(form_open(&s), Some(FormKind::Edit(id)));
    s.keys("<Tab><Tab><Tab>Lemari besi 2<C-s>");
    assert!(form_open(&s).is_none(), "{:?}", s.app.message);
    let p = s.app.palsan.selected().unwrap();
    assert_eq!(
        (p.nama.as_str(), p.lokasi.as_str()),
        ("Secure X", "Lemari besi 2")
    );
    assert_eq!(p.riwayat.last().unwrap().aksi, "diubah");
    // n: key material linked to the selected item; a bad date is refused in the form.
    // Dates relative to the (possibly shifted) clock: valid for two more years, so no expiry reminder
    // joins the two periodic ones whatever day the suite runs.
    let today = kasa::clock::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let from = today.saturating_sub(jiff::Span::new().days(30));
    let until = today.saturating_add(jiff::Span::new().years(2));
    s.keys(&format!(
        "nKunci Sissan Secure X<Tab>ED-4<Tab>{from}<Tab>{}<C-s>",
        until.strftime("%d-%m-%Y")
    ));
    assert!(s.app.message.as_ref().unwrap().text.contains("TTTT-BB-HH"));
    s.keys(&format!("<C-u>{until}<C-s>"));
    assert!(form_open(&s).is_none(), "{:?}", s.app.message);
    assert_eq!(s.app.palsan.kunci.len(), 1);
    let k = &s.app.palsan.kunci[0];
    assert_eq!(k.palsan_id, Some(id));
    assert_eq!(k.status, kasa::domain::palsan::StatusKunci::Diterima);
    // K: diterima → aktif.
    s.keys(&format!("K{}<C-s>", k.id));
    assert!(form_open(&s).is_none(), "{:?}", s.app.message);
    assert_eq!(
        s.app.palsan.kunci[0].status,
        kasa::domain::palsan::StatusKunci::Aktif
    );
    // S and A record the Email Sanapati password change and the audit: the two reminders go away.
    assert_eq!(s.app.palsan.reminders.len(), 2);
    s.keys("S");
    assert_eq!(s.app.palsan.reminders.len(), 1);
    s.keys("A");
    assert!(
        s.app.palsan.reminders.is_empty(),
        "{:?}",
        s.app.palsan.reminders
    );
}

fn form_open(s: &Session<kasa::client::Client>) -> Option<FormKind> {
    form_kind(s)
}

/// The open repair case of item `id`, from the node.
fn case_of(n: &harness::Node, id: u64) -> kasa::domain::palsan::Perbaikan {
    let case = item(n, id).perbaikan.expect("open case");
    let mut c = n.client();
    let Reply::Palsan(r) = c
        .call(Request::Palsan(PalsanRequest::RepairShow {
            id: case,
            at: None,
        }))
        .unwrap()
    else {
        panic!()
    };
    let PalsanReply::Case(v) = *r else { panic!() };
    v.perbaikan
}

fn form_error(s: &Session<kasa::client::Client>) -> Option<String> {
    match s.app.layers.last() {
        Some(Layer::Palsan(l)) => match &**l {
            PalsanLayer::Form(f) => f.error.clone(),
            _ => None,
        },
        _ => None,
    }
}

#[test]
fn damage_found_yesterday_and_a_step_with_its_real_time_by_keys() {
    use jiff::{SignedDuration, Timestamp};
    let n = harness::start_node(false);
    let mut s = session(&n);
    s.keys("4a<Tab>Secure X<C-s>");
    let id = s.app.palsan.selected().expect("item").id;
    let zone = s.app.node.calendar.zone.clone();
    // Times typed as the operator reads them: the node's zone, to the minute.
    let typed = |t: Timestamp| {
        t.to_zoned(zone.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    };
    let minute = |t: Timestamp| {
        typed(t)
            .replace(' ', "T")
            .parse::<jiff::civil::DateTime>()
            .unwrap()
    };
    let now = kasa::clock::now();
    let found = now - SignedDuration::from_hours(26);
    let reported = now - SignedDuration::from_hours(25);

    // r: kerusakan, kondisi, pelapor, ditemukan, dilaporkan. A found time in the future is the node's
    // refusal, shown in the form, which stays open.
    s.keys("r");
    assert_eq!(form_kind(&s), Some(FormKind::RepairOpen(id)));
    s.keys(&format!(
        "mati total<Tab><Tab><Tab>{}<C-s>",
        typed(now + SignedDuration::from_hours(2))
    ));
    assert_eq!(form_kind(&s), Some(FormKind::RepairOpen(id)));
    let e = form_error(&s).expect("refusal in the form");
    assert!(
        e.contains("waktu ditemukan") && e.contains("di masa depan"),
        "{e}"
    );
    // Found yesterday, reported an hour later.
    s.keys(&format!(
        "<C-u>{}<Tab>{}<C-s>",
        typed(found),
        typed(reported)
    ));
    assert!(form_kind(&s).is_none(), "{:?}", s.app.message);
    let c = case_of(&n, id);
    assert_eq!(
        c.ditemukan_at.to_zoned(zone.clone()).datetime(),
        minute(found)
    );
    assert_eq!(
        c.langkah[0].at.to_zoned(zone.clone()).datetime(),
        minute(reported)
    );

    // s: step 2 by the Kasi with its real time; a time before step 1 is refused with the rule.
    n.become_role("kasi");
    s.keys("s");
    assert!(matches!(form_kind(&s), Some(FormKind::RepairStep { .. })));
    s.keys(&format!(
        "Kasi Made<Tab>ND/1<Tab><Tab>{}<C-s>",
        typed(found)
    ));
    let e = form_error(&s).expect("refusal in the form");
    assert!(e.contains("sebelum langkah sebelumnya"), "{e}");
    assert!(e.contains("SOP 000"), "{e}");
    let at = reported + SignedDuration::from_mins(10);
    s.keys(&format!("<C-u>{}<C-s>", typed(at)));
    assert!(form_kind(&s).is_none(), "{:?}", s.app.message);
    assert!(
        s.app
            .message
            .as_ref()
            .unwrap()
            .text
            .contains(&format!("(waktu {}", typed(at))),
        "{:?}",
        s.app.message
    );
    let c = case_of(&n, id);
    assert_eq!(
        c.langkah[1].at.to_zoned(zone.clone()).datetime(),
        minute(at)
    );
    // The detail shows when it was found.
    s.keys("<Enter>");
    let lines = match s.app.layers.last() {
        Some(Layer::Palsan(l)) => match &**l {
            PalsanLayer::Detail(d) => {
                kasa::console::palsan::detail_lines(&s.app.palsan, &s.app.cx, d)
            }
            _ => panic!("detail expected"),
        },
        _ => panic!("detail expected"),
    };
    let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let shown = found
        .to_zoned(zone.clone())
        .strftime("%d-%m-%Y %H:%M")
        .to_string();
    assert!(
        text.iter()
            .any(|l| l.starts_with("Ditemukan") && l.contains(&shown)),
        "{text:#?}"
    );
}
