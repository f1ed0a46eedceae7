//! Console key sequences for the incident logbook against a real node: quick capture from the main
//! screen and three log lines in under ten keystrokes plus the text; ticking a step and closing from the
//! Insiden pane; a second console sees the incident (and its SLA cells) after a pushed change.

#[path = "console_harness.rs"]
mod harness;

use kasa::console::App;
use kasa::console::action::Pane;
use kasa::console::app::{Layer, PromptKind};
use kasa::console::keymap::{Keymap, parse_keys};
use kasa::console::theme::Theme;
use kasa::domain::insiden::{Insiden, JenisEntri};
use kasa::proto::Request;
use kasa::proto::insiden::{InsidenReply, InsidenRequest};

use harness::session;

fn on_node(n: &harness::Node, id: u64) -> Insiden {
    let r = n
        .client()
        .call(Request::Insiden(InsidenRequest::Show { id }))
        .unwrap();
    let kasa::proto::Reply::Insiden(InsidenReply::Satu { insiden, .. }) = r else {
        panic!("{r:?}")
    };
    *insiden
}

/// Keystrokes in a key string, counting each printable character of `text` as text, not keys.
fn keystrokes(s: &str, texts: &[&str]) -> usize {
    let all = parse_keys(s).unwrap().len();
    all - texts.iter().map(|t| t.chars().count()).sum::<usize>()
}

#[test]
fn quick_capture_from_main_screen_logs_three_lines_in_under_ten_keystrokes() {
    let n = harness::start_node(false);
    let mut s = session(&n);
    assert_eq!(s.app.pane, Pane::Masuk);
    let lines = [
        "Web OPD diretas, halaman diganti",
        "Kabel uplink dicabut",
        "Kasi ditelepon",
    ];
    let seq = format!("!{}<Enter>{}<Enter>{}<Enter>", lines[0], lines[1], lines[2]);
    assert!(
        keystrokes(&seq, &lines) < 10,
        "{}",
        keystrokes(&seq, &lines)
    );
    s.keys(&seq);
    // The log prompt is still there for the next line, on the Insiden pane with the detail open.
    assert_eq!(s.app.pane, Pane::Insiden);
    let Some(Layer::Prompt(p)) = s.app.layers.last() else {
        panic!("log prompt open: {:?}", s.app.layers)
    };
    let PromptKind::InsidenLog(id) = p.kind else {
        panic!("{:?}", p.kind)
    };
    assert_eq!(s.app.insiden.detail, Some(id));

    let i = on_node(&n, id);
    assert_eq!(i.linimasa.len(), 4, "{:#?}", i.linimasa);
    assert_eq!(i.linimasa[0].jenis, JenisEntri::Dibuka);
    for (k, l) in lines.iter().enumerate() {
        let e = &i.linimasa[k + 1];
        assert_eq!(e.teks, *l);
        assert_eq!(e.jenis, JenisEntri::Catatan);
        assert!(!e.oleh.is_empty());
        assert_eq!(e.oleh, i.dibuka_oleh);
    }
    let mut ats: Vec<_> = i.linimasa.iter().map(|e| e.at).collect();
    ats.dedup();
    assert_eq!(ats.len(), 4, "distinct timestamps");
    assert_eq!(i.judul, lines[0], "first line titles the untitled incident");
    assert!(i.diketahui_at <= i.linimasa[1].at);

    // An empty Enter adds nothing; Esc leaves the prompt, Esc again leaves the detail.
    s.keys("<Enter>");
    assert_eq!(on_node(&n, id).linimasa.len(), 4);
    s.keys("<Esc>");
    assert!(s.app.layers.is_empty());
    assert_eq!(s.app.insiden.detail, Some(id));
    s.keys("<Esc>");
    assert_eq!(s.app.insiden.detail, None);

    // Tick U1 from the pane, then close with lessons learned via the prompt.
    s.keys("tu1<Enter>");
    let i = on_node(&n, id);
    assert!(i.langkah[0].dicentang.is_some(), "{:?}", s.app.message);
    s.keys("c<Enter>");
    assert!(
        s.app.message.as_ref().is_some_and(|m| m.error),
        "empty lessons refused"
    );
    s.keys("<Esc>cPasang WAF di depan web OPD<Enter>");
    let i = on_node(&n, id);
    assert_eq!(
        i.status,
        kasa::domain::insiden::StatusInsiden::Ditutup,
        "{:?}",
        s.app.message
    );
    assert_eq!(i.pelajaran.as_deref(), Some("Pasang WAF di depan web OPD"));
    let v = n.kasa(&["audit", "verify"]);
    assert!(v.status.success());
}

#[test]
fn second_console_sees_the_incident_after_a_pushed_change() {
    let n = harness::start_node(false);
    let mut a = session(&n);
    let mut b = session(&n);
    let mut c = n.client();
    let events = c.subscribe().unwrap();
    a.keys("!Server surat mati<Enter>");
    // The change is pushed to subscribers; the second console refreshes on it.
    let ev = events
        .recv_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    let e = b.app.on_event(ev);
    b.run(e);
    assert_eq!(b.app.insiden.open().count(), 1);
    let spans = kasa::console::insiden::header_spans(&b.app.insiden, &b.app.cx);
    let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
    assert!(text.contains("K ") && text.contains("E "), "{text}");
}

#[test]
fn at_name_names_the_second_operator() {
    use kasa::domain::insiden::masukan::baca_baris;
    let now: jiff::Timestamp = "2026-12-01T06:00:00+08:00".parse().unwrap();
    let tz = jiff::tz::TimeZone::get("Asia/Makassar").unwrap();
    let b = baca_baris("@Komang_Adi kabel dicabut", now, &tz).unwrap();
    assert_eq!(
        (b.pelaksana, b.teks),
        (Some("Komang Adi".into()), "kabel dicabut".into())
    );
    let b = baca_baris("tanpa pelaksana", now, &tz).unwrap();
    assert_eq!((b.pelaksana, b.teks), (None, "tanpa pelaksana".into()));
    let b = baca_baris("@ x", now, &tz).unwrap();
    assert_eq!((b.pelaksana, b.teks), (None, "@ x".into()));
    let n = harness::start_node(false);
    let mut s = session(&n);
    s.keys("!@Budi router dimatikan<Enter>");
    let id = s.app.insiden.detail.unwrap();
    let i = on_node(&n, id);
    assert_eq!(i.linimasa[1].pelaksana.as_deref(), Some("Budi"));
    assert_eq!(i.linimasa[1].teks, "router dimatikan");
}

/// The header cells flip from countdown to breached with the console clock (injected), and a step
/// ticked after the due time stays breached.
#[test]
fn header_cells_flip_to_breached_with_an_injected_clock() {
    use kasa::console::insiden::header_spans;
    use kasa::domain::insiden::{Ctx, playbooks};
    let t0: jiff::Timestamp = "2026-11-22T01:00:00Z".parse().unwrap();
    let ctx = |s: i64| Ctx {
        at: t0 + jiff::SignedDuration::from_secs(s),
        oleh: "Ani".into(),
        pelaksana: None,
        waktu: None,
        tz: jiff::tz::TimeZone::get("Asia/Makassar").unwrap(),
    };
    let mut app = App::new(
        Keymap::shipped("default"),
        Theme::shipped("default").unwrap(),
        false,
        Vec::new(),
    );
    let i = Insiden::buka(1, "uji", &ctx(0), &playbooks()).unwrap();
    app.insiden.set(vec![i.clone()]);
    let text = |app: &App| -> String {
        header_spans(&app.insiden, &app.cx)
            .iter()
            .map(|s| s.content.to_string())
            .collect()
    };
    app.tick(t0 + jiff::SignedDuration::from_secs(61));
    assert_eq!(text(&app), " · ⚑1 K 03:59 E 28:59");
    app.tick(t0 + jiff::SignedDuration::from_secs(301));
    assert_eq!(text(&app), " · ⚑1 K✗ E 24:59");
    let mut late = i.clone();
    late.centang("U1", &ctx(400)).unwrap();
    late.centang("U2", &ctx(600)).unwrap();
    app.insiden.set(vec![late]);
    app.tick(t0 + jiff::SignedDuration::from_secs(700));
    assert_eq!(text(&app), " · ⚑1 K✗ E✓");
}

#[test]
fn set_fields_from_the_pane_and_the_command_line() {
    use kasa::console::insiden::parse_set;
    use kasa::proto::insiden::InsidenRequest;
    let now: jiff::Timestamp = "2026-12-01T06:00:00+08:00".parse().unwrap();
    let tz = jiff::tz::TimeZone::get("Asia/Makassar").unwrap();
    match parse_set(1, "diketahui 05:40", now, &tz).unwrap() {
        InsidenRequest::Ubah { ubahan, .. } => assert_eq!(
            ubahan,
            [kasa::domain::insiden::Ubahan::DiketahuiAt(
                "2026-12-01T05:40:00+08:00".parse().unwrap()
            )]
        ),
        other => panic!("{other:?}"),
    }
    assert!(
        parse_set(1, "terjadi kemarin", now, &tz)
            .unwrap_err()
            .contains("bukan waktu")
    );
    assert!(
        parse_set(1, "warna merah", now, &tz)
            .unwrap_err()
            .contains("tidak dikenal")
    );
    assert!(
        parse_set(1, "keparahan", now, &tz)
            .unwrap_err()
            .contains("perlu nilai")
    );
    assert!(
        parse_set(1, "keputusan hentikan", now, &tz)
            .unwrap_err()
            .contains("memutuskan")
    );
    let n = harness::start_node(false);
    // The C2 decision is the responsible official's (PI.03 C2): this console's operator is the Kasi.
    n.become_role("kasi");
    let mut s = session(&n);
    s.keys("!Malware di PC operator<Enter><Esc>");
    let id = s.app.insiden.detail.unwrap();
    s.keys("skategori program_jahat<Enter>skeparahan 3<Enter>");
    s.keys(":insiden_set keputusan hentikan Kasi Persandian<Enter>");
    s.keys(":insiden_set status penanganan<Enter>");
    s.keys("pA<Enter>");
    let i = on_node(&n, id);
    assert_eq!(
        i.kategori,
        Some(kasa::domain::insiden::Kategori::ProgramJahat),
        "{:?}",
        s.app.message
    );
    assert_eq!(i.keparahan, Some(kasa::domain::insiden::Keparahan::Tinggi));
    assert_eq!(i.keputusan.as_ref().unwrap().oleh, "Kasi Persandian");
    assert_eq!(i.status, kasa::domain::insiden::StatusInsiden::Penanganan);
    assert!(i.langkah.iter().any(|l| l.kode == "A9"));
    s.keys("sstatus terbuka<Enter>");
    assert!(
        s.app
            .message
            .as_ref()
            .is_some_and(|m| m.error && m.text.contains("maju")),
        "{:?}",
        s.app.message
    );
}

#[test]
fn a_refused_log_line_stays_in_the_prompt_with_the_reason() {
    let n = harness::start_node(false);
    let mut s = session(&n);
    s.keys("!Baris pertama<Enter>");
    let id = s.app.insiden.detail.unwrap();
    // Someone closes the incident from a shell while the prompt is open.
    let o = n.kasa(&[
        "incident",
        "close",
        &id.to_string(),
        "--pelajaran",
        "salah lapor",
    ]);
    assert!(o.status.success());
    s.keys("Baris kedua<Enter>");
    let Some(Layer::Prompt(p)) = s.app.layers.last() else {
        panic!("prompt still open")
    };
    assert_eq!(p.value(), "Baris kedua");
    assert!(
        p.error
            .as_deref()
            .is_some_and(|e| e.contains("sudah ditutup")),
        "{:?}",
        p.error
    );
    assert_eq!(on_node(&n, id).linimasa.len(), 3, "opened, line, closed");
}

#[test]
fn void_and_merge_from_the_detail_with_their_reasons() {
    use kasa::domain::insiden::StatusInsiden;
    let n = harness::start_node(false);
    let mut s = session(&n);
    // Incident 1 (a drill typed by mistake) is voided with x and its reason.
    s.keys("!latihan, bukan insiden<Enter><Esc>x");
    s.keys("dibuka keliru saat latihan<Enter>");
    let one = on_node(&n, 1);
    assert_eq!(one.status, StatusInsiden::Dibatalkan);
    assert_eq!(
        one.batal.as_ref().map(|b| b.alasan.as_str()),
        Some("dibuka keliru saat latihan")
    );
    // Incidents 2 and 3 are the same event: 3 is merged into 2 with m.
    s.keys("<Esc>!ransomware PC keuangan<Enter><Esc><Esc>");
    s.keys("!PC keuangan minta tebusan<Enter><Esc>m");
    s.keys("2 kejadian yang sama<Enter>");
    let three = on_node(&n, 3);
    assert_eq!(three.status, StatusInsiden::Digabung);
    let two = on_node(&n, 2);
    assert!(
        two.linimasa
            .iter()
            .any(|e| matches!(e.jenis, JenisEntri::Gabungan { dari: 3, .. })),
        "{:?}",
        two.linimasa
    );
    // A merge into a closed or unknown incident is refused with the reason on screen.
    s.keys("<Esc><Esc>!salah lagi<Enter><Esc>m");
    s.keys("99 x<Enter>");
    let screen = harness::text(&s.app);
    assert!(screen.contains("99"), "{screen}");
    assert!(on_node(&n, 4).status.is_open());
}
