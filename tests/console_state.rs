//! Key-sequence tests on the console state (no terminal) against a real node in a temp dir.

#[path = "console_harness.rs"]
mod harness;

use kasa::console::app::{ConfirmKind, Layer};
use kasa::domain::{Book, Status};
use kasa::proto::{Reply, Request};

use harness::session;

#[test]
fn triage_first_scan_registers_nomor_agenda_1_and_audits() {
    let n = harness::start_node(true);
    let mut s = session(&n);
    assert!(s.app.connected);
    assert_eq!(s.app.node.id, "5101");
    // The scan is listed, untriaged, on top and selected.
    let sel = s.app.masuk.selected().expect("a row").clone();
    assert_eq!(sel.status, Status::Baru);
    let id = sel.id;

    s.keys("r");
    let form = s.app.form().expect("form open");
    assert!(
        form.fields
            .iter()
            .any(|f| f.name == "perihal" && f.suggested)
    );
    assert!(
        form.fields
            .iter()
            .any(|f| f.name == "nomor_surat" && f.suggested)
    );
    // Accept the first four suggestions with Enter, land on perihal, replace it, confirm.
    s.keys("<Enter><Enter><Enter><Enter>");
    assert_eq!(s.app.form().unwrap().focused().name, "perihal");
    s.keys("<C-u>Laporan monev persandian 2020<C-s>");
    assert!(s.app.form().is_none(), "form closed: {:?}", s.app.message);
    assert_eq!(s.app.message.as_ref().unwrap().text, "Nomor agenda 1");

    let mut c = n.client();
    let Reply::Entry { entry, .. } = c.call(Request::AgendaShow { id }).unwrap() else {
        panic!()
    };
    assert_eq!(entry.book, Book::Masuk);
    assert_eq!(entry.nomor_agenda, Some(1));
    assert_eq!(entry.status, Status::Teragenda);
    assert_eq!(entry.perihal, "Laporan monev persandian 2020");
    assert_eq!(entry.nomor_surat, "800/283/Kominfo/2021");

    let Reply::AuditRecords { records } = c.call(Request::AuditTail { n: 20 }).unwrap() else {
        panic!()
    };
    let op = s.app.operator.clone().unwrap();
    assert!(
        records.iter().any(|r| r.action == "agenda.register"
            && r.object == format!("entry:{id}")
            && r.uid == Some(op.uid)),
        "{records:#?}"
    );
    // The draft was removed after the registration.
    let Reply::Drafts { drafts } = c.call(Request::DraftList).unwrap() else {
        panic!()
    };
    assert!(drafts.is_empty(), "{drafts:?}");
}

#[test]
fn interrupted_form_is_offered_back_and_filter_and_commands_work() {
    let n = harness::start_node(true);
    let mut s = session(&n);
    let id = s.app.masuk.selected().unwrap().id;
    s.keys("r<Tab><Tab>Dinas Kominfo Jembrana");
    // The session is dropped mid-form (like a SIGHUP); a new one offers the draft.
    drop(s);
    let mut s = session(&n);
    match s.app.layers.last() {
        Some(Layer::Confirm(c)) => assert!(
            matches!(&c.kind, ConfirmKind::ResumeDraft { key, .. } if *key == format!("register:{id}"))
        ),
        other => panic!("no draft offered: {other:?}"),
    }
    s.keys("y");
    let f = s.app.form().expect("form resumed");
    assert_eq!(f.to_fields().0.asal, "Dinas Kominfo Jembrana");
    // Esc on a changed form asks; yes discards (and deletes the draft).
    s.keys("<Esc>y");
    assert!(s.app.form().is_none());

    // `/` filter with tokens, then `:` command line with completion.
    s.keys("/status:teragenda<Enter>");
    assert_eq!(s.app.masuk.view.len(), 0);
    s.keys("<Esc>");
    assert_eq!(s.app.masuk.view.len(), 1);
    s.keys(":not<Tab> dicek manual<Enter>");
    assert!(
        s.app.message.as_ref().unwrap().text.contains("catatan"),
        "{:?}",
        s.app.message
    );
    s.keys(":tab keluar<Enter>");
    assert_eq!(s.app.pane, kasa::console::action::Pane::Keluar);
    // Keluar: new draft, register, send.
    s.keys("c<Tab><Tab><Tab>Gubernur Bali<Tab>Laporan keluar<Tab><Tab><Right><C-s>");
    assert!(s.app.form().is_none(), "{:?}", s.app.message);
    let k = s.app.keluar.selected().unwrap().clone();
    assert_eq!(k.status, Status::Draft);
    s.keys("r");
    assert_eq!(s.app.keluar.selected().unwrap().status, Status::Diagendakan);
    // The fax journal is the proof; without it the prompt's "! reason" sends without proof.
    s.keys("s<C-u>Faksimili<Enter>");
    assert_eq!(s.app.keluar.selected().unwrap().status, Status::Diagendakan);
    assert!(
        s.app.message.as_ref().unwrap().text.contains("jurnal-faks"),
        "{:?}",
        s.app.message
    );
    s.keys("s<C-u>Faksimili ! jurnal tidak tercetak<Enter>");
    let sent = s.app.keluar.selected().unwrap();
    assert_eq!(sent.status, Status::Terkirim, "{:?}", s.app.message);
    assert_eq!(sent.saluran, "Faksimili");
}

#[test]
fn void_and_export_from_the_list() {
    let n = harness::start_node(true);
    let mut s = session(&n);
    let out = n.dir.path().join("out.pdf");
    s.keys(&format!("e<C-u>{}<Enter>", out.display()));
    assert!(out.exists(), "{:?}", s.app.message);
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(harness::SAMPLE).unwrap()
    );
    s.keys("x<Enter>");
    assert!(matches!(s.app.layers.last(), Some(Layer::Prompt(p)) if p.error.is_some()));
    s.keys("salah pindai<Enter>");
    assert_eq!(
        s.app.masuk.selected().unwrap().status,
        Status::Batal,
        "{:?}",
        s.app.message
    );
}

/// No entry action reaches an entry that is not on screen: with a Masuk entry under the (hidden)
/// cursor, `:void`, `:note` and `:seal` from every other tab leave it untouched.
#[test]
fn no_entry_action_reaches_the_hidden_cursor_of_another_pane() {
    let n = harness::start_node(true);
    let mut s = session(&n);
    let id = s.app.masuk.selected().expect("the sample is listed").id;
    for pane in [
        kasa::console::action::Pane::Keluar,
        kasa::console::action::Pane::Disposisi,
        kasa::console::action::Pane::Palsan,
        kasa::console::action::Pane::Insiden,
    ] {
        s.app.pane = pane;
        s.keys(":void salah pindai<Enter>");
        s.keys(":note catatan tersembunyi<Enter>");
        s.keys("<Esc><Esc>");
        let mut c = n.client();
        let Reply::Entry { entry, .. } = c.call(Request::AgendaShow { id }).unwrap() else {
            panic!()
        };
        assert_eq!(
            entry.status,
            Status::Baru,
            "from {pane:?}: {:?}",
            s.app.message
        );
        assert!(
            !entry.timeline.iter().any(|t| t.kind == "catatan"),
            "from {pane:?}: a note reached the hidden entry"
        );
    }
}
