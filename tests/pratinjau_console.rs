//! The page preview, the full-text search and the late OCR suggestions in the console (issue 15),
//! from fixed data and a fixed clock, with a real page image made by the real `kasa __halaman`
//! child from the sample scan:
//! - half-block snapshots of the preview at 80×24 (shown with `v`) and 200×50 (shown by itself),
//!   whole page and zoomed to the header. The snapshot keeps the screen text and, for the preview
//!   column, the page redrawn from the cells' colours (`█` both halves dark, `▀` `▄` one, ` ` none);
//! - `/` asks the node to search the file texts and the hits join the list with their snippet;
//! - suggestions arriving while the form is open fill only the empty fields.

#[path = "console_harness.rs"]
mod harness;

use base64::Engine;
use kasa::console::App;
use kasa::console::action::{Action, Pane};
use kasa::console::app::{Effect, Purpose};
use kasa::console::keymap::parse_keys;
use kasa::proto::{Event, Reply, Request, TeksCocok};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

const SCAN: &str = "scan-0001-surat-pengantar.pdf";

/// Page 1 of the sample scan, as the node sends it.
fn page_reply(id: u64) -> Reply {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/samples/naskah")
        .join(SCAN);
    let h = kasa::ingest::halaman::render_in_child(
        std::path::Path::new(env!("CARGO_BIN_EXE_kasa")),
        &path,
        1,
        400,
        566,
        &Default::default(),
    )
    .unwrap();
    Reply::Halaman {
        id,
        halaman: 1,
        jumlah: h.jumlah,
        lebar: h.lebar,
        tinggi: h.tinggi,
        png_b64: base64::engine::general_purpose::STANDARD.encode(&h.png),
    }
}

fn keys(app: &mut App, k: &str) -> Vec<Effect> {
    let mut out = Vec::new();
    for k in parse_keys(k).unwrap() {
        out.extend(app.on_key(k.to_event()));
    }
    out
}

fn halaman_call(fx: &[Effect]) -> Option<(u64, u32)> {
    fx.iter().find_map(|f| match f {
        Effect::Call(Request::Halaman { id, halaman, .. }, Purpose::Halaman(i, h))
            if id == i && halaman == h =>
        {
            Some((*id, *halaman))
        }
        _ => None,
    })
}

/// Opens the detail of the selected entry (Enter) and answers its `agenda show`.
fn open_detail(app: &mut App) -> (u64, Vec<Effect>) {
    let mut fx = keys(app, "<Enter>");
    let e = app.current().cloned().unwrap();
    let id = e.id;
    fx.extend(app.on_reply(
        Purpose::Show(id),
        Ok(Reply::Entry {
            entry: Box::new(e),
            text: None,
        }),
    ));
    (id, fx)
}

fn luma(c: Color) -> Option<u8> {
    match c {
        Color::Rgb(r, g, b) => Some(((r as u16 + g as u16 + b as u16) / 3) as u8),
        _ => None,
    }
}

/// Ink: the preview stretches the contrast (`pratinjau::half_block_image`), so text is dark.
const INK: u8 = 128;

/// The screen text, then the preview box redrawn from the half-block colours.
fn snapshot(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    t.draw(|f| kasa::console::view::draw(app, f)).unwrap();
    let buf = t.backend().buffer().clone();
    let mut out = t.backend().to_string();
    out.push_str("\n--- halaman (▀ atas bertinta, ▄ bawah, █ keduanya) ---\n");
    let w = buf.area.width;
    let row = |y: u16| -> String { (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect() };
    // The box: the row whose title says "Halaman", from its corner to the next one.
    let (top, x0) = (0..buf.area.height)
        .find_map(|y| {
            let cells: Vec<String> = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
            let at = row(y).find(" Halaman ")?;
            let col = row(y)[..at].chars().count() as u16;
            (0..col)
                .rev()
                .find(|&x| cells[x as usize] == "┌")
                .map(|x| (y, x))
        })
        .expect("a preview box");
    let x1 = (x0 + 1..w)
        .find(|&x| buf[(x, top)].symbol() == "┐")
        .unwrap();
    let bottom = (top + 1..buf.area.height)
        .find(|&y| buf[(x0, y)].symbol() == "└")
        .unwrap();
    let mut cells = 0;
    for y in top + 1..bottom.saturating_sub(1) {
        let mut line = String::new();
        for x in x0 + 1..x1 {
            let c = &buf[(x, y)];
            // The glyph's half takes the foreground colour, the other half the background.
            let halves = match (c.symbol(), luma(c.fg), luma(c.bg)) {
                ("▀", Some(f), Some(b)) => Some((f, b)),
                ("▄", Some(f), Some(b)) => Some((b, f)),
                (" ", _, Some(b)) => Some((b, b)),
                ("█", Some(f), _) => Some((f, f)),
                _ => None,
            };
            let ch = match halves {
                Some((up, down)) => {
                    cells += 1;
                    match (up < INK, down < INK) {
                        (true, true) => '█',
                        (true, false) => '▀',
                        (false, true) => '▄',
                        (false, false) => ' ',
                    }
                }
                None => ' ',
            };
            line.push(ch);
        }
        out.push('|');
        out.push_str(&line);
        out.push_str("|\n");
    }
    assert!(
        cells > 50,
        "the preview draws the page in half-blocks ({cells} cells)"
    );
    out
}

#[test]
fn preview_80x24_on_request_whole_page_and_header() {
    let mut app = harness::app("default", 6, 80, 24);
    let (id, fx) = open_detail(&mut app);
    assert_eq!(halaman_call(&fx), None, "80 columns: hidden until asked");
    let fx = keys(&mut app, "v");
    assert_eq!(halaman_call(&fx), Some((id, 1)));
    let fx = app.on_reply(Purpose::Halaman(id, 1), Ok(page_reply(id)));
    assert!(fx.is_empty());
    let s = snapshot(&app);
    assert!(s.contains("Halaman 1/1 · half-block"), "{s}");
    insta::assert_snapshot!("preview_detail_80x24", s);
    keys(&mut app, "V");
    let z = snapshot(&app);
    assert!(z.contains("kepala"), "{z}");
    insta::assert_snapshot!("preview_detail_header_80x24", z);
    // `v` again hides it; the detail has the whole width back.
    keys(&mut app, "v");
    let t = harness::text(&app);
    assert!(!t.contains("Halaman 1/1"), "{t}");
}

#[test]
fn preview_200x50_beside_the_form_and_in_the_detail() {
    let mut app = harness::app("default", 6, 200, 50);
    let (id, fx) = open_detail(&mut app);
    assert_eq!(
        halaman_call(&fx),
        Some((id, 1)),
        "wide screen: shown by itself"
    );
    app.on_reply(Purpose::Halaman(id, 1), Ok(page_reply(id)));
    insta::assert_snapshot!("preview_detail_200x50", snapshot(&app));
    // The registration form of an untriaged scan, with its page beside it.
    keys(&mut app, "<Esc>");
    let baru = app
        .masuk
        .items
        .iter()
        .position(|e| e.status == kasa::domain::Status::Baru && e.id != id)
        .unwrap();
    let bid = app.masuk.items[baru].id;
    assert!(app.masuk.goto(bid, 40));
    let fx = keys(&mut app, "r");
    assert_eq!(halaman_call(&fx), Some((bid, 1)));
    app.on_reply(Purpose::Halaman(bid, 1), Ok(page_reply(bid)));
    let s = snapshot(&app);
    assert!(
        s.contains("Daftarkan pindaian") && s.contains("Halaman 1/1"),
        "{s}"
    );
    insta::assert_snapshot!("preview_form_200x50", s);
    // A refusal from the node is shown in the column.
    let fx = keys(&mut app, "<PageDown>");
    assert!(halaman_call(&fx).is_none(), "one page only: no request");
    assert!(app.message.as_ref().is_some_and(|m| m.text.contains("1/1")));
}

#[test]
fn a_page_the_node_cannot_show_says_why() {
    let mut app = harness::app("default", 6, 200, 50);
    let (id, _) = open_detail(&mut app);
    app.on_reply(
        Purpose::Halaman(id, 1),
        Err("gambar 60000×60000 piksel melebihi batas OCR".into()),
    );
    let t = harness::text(&app);
    assert!(t.contains("Tidak ada pratinjau: gambar 60000×60000"), "{t}");
}

#[test]
fn slash_searches_the_file_texts_and_shows_the_snippet() {
    let mut app = harness::app("default", 6, 120, 30);
    let fx = app.update(Action::Filter(Some("dongle".into())));
    let (q, books) = fx
        .iter()
        .find_map(|f| match f {
            Effect::Call(Request::Cari { q, books }, Purpose::Cari(Pane::Masuk, pq)) if q == pq => {
                Some((q.clone(), books.clone()))
            }
            _ => None,
        })
        .expect("the filter asks the node");
    assert_eq!(q, "dongle");
    assert!(books.contains(&kasa::domain::Book::Masuk));
    assert!(app.masuk.view.is_empty(), "no field holds the word");
    // One hit is in the loaded list, one is older than the loaded page.
    let mut listed = app.masuk.items[1].clone();
    listed.perihal = "Berita Sanapati".into();
    app.masuk.items[1] = listed.clone();
    let mut older = harness::entries(1).remove(0);
    older.id = 99;
    older.perihal = "Pengiriman kunci".into();
    let hit = |e: &kasa::domain::Entry, c: &str| TeksCocok {
        entry: Box::new(e.clone()),
        cuplikan: c.into(),
    };
    app.on_reply(
        Purpose::Cari(Pane::Masuk, q.clone()),
        Ok(Reply::Cari {
            q,
            hits: vec![
                hit(&listed, "…Dongle enkripsi diserahkan…"),
                hit(&older, "…dongle cadangan…"),
            ],
            dilihat: 7,
            terkunci: 0,
            selesai: true,
        }),
    );
    assert_eq!(app.masuk.view.len(), 2);
    let t = harness::text(&app);
    assert!(
        t.contains("«…Dongle enkripsi diserahkan…» Berita Sanapa"),
        "{t}"
    );
    assert!(t.contains("«…dongle cadangan…» Pengiriman kunci"), "{t}");
    // A reply for an older query is ignored; a new word asks again.
    let fx = app.update(Action::Filter(Some("dongle cadangan".into())));
    assert!(
        fx.iter()
            .any(|f| matches!(f, Effect::Call(Request::Cari { .. }, _)))
    );
    assert!(app.masuk.cuplikan(listed.id).is_none());
}

#[test]
fn ocr_suggestions_arriving_fill_only_the_empty_fields_of_the_open_form() {
    let mut app = harness::app("default", 6, 80, 24);
    let baru = app
        .masuk
        .items
        .iter()
        .find(|e| e.status == kasa::domain::Status::Baru)
        .cloned()
        .unwrap();
    let mut scan = baru.clone();
    scan.suggestions = None;
    scan.text_note = Some(kasa::domain::agenda::NOTE_OCR_PENDING.into());
    let pos = app
        .masuk
        .items
        .iter()
        .position(|e| e.id == scan.id)
        .unwrap();
    app.masuk.items[pos] = scan.clone();
    app.masuk.rebuild(None, 20);
    assert!(
        harness::text(&app).contains("membaca…"),
        "the row says it is being read"
    );
    assert!(app.masuk.goto(scan.id, 20));
    keys(&mut app, "r");
    // The sandiman types the subject before the OCR is done.
    let f = app.form_mut().unwrap();
    let i = f.fields.iter().position(|x| x.name == "perihal").unwrap();
    f.fields[i].text = kasa::console::widgets::textarea("Diketik dari kertas");
    let fx = app.on_event(Event::Changed {
        change: kasa::store::Change::Entry { id: scan.id },
    });
    assert!(fx.iter().any(|f| matches!(
        f,
        Effect::Call(Request::AgendaShow { id }, Purpose::FormRefill(x)) if *id == scan.id && *x == scan.id
    )));
    let mut read = scan.clone();
    read.text_note = Some("teks dari OCR".into());
    read.suggestions = baru.suggestions.clone();
    app.on_reply(
        Purpose::FormRefill(scan.id),
        Ok(Reply::Entry {
            entry: Box::new(read),
            text: None,
        }),
    );
    let f = app.form().unwrap();
    let val = |n: &str| {
        let fl = f.fields.iter().find(|x| x.name == n).unwrap();
        (fl.text.lines().join(""), fl.choice, fl.suggested)
    };
    assert_eq!(
        val("nomor_surat").0,
        format!("800/{}/Kominfo/2026", scan.id)
    );
    assert!(val("nomor_surat").2, "marked as suggested");
    assert_eq!(
        val("perihal").0,
        "Diketik dari kertas",
        "what was typed stays"
    );
    assert!(
        val("klasifikasi").1 > 0,
        "the klasifikasi read is preselected"
    );
    let m = app.message.clone().unwrap();
    assert!(
        m.text.contains("saran tiba dari OCR") && m.text.contains("Nomor surat"),
        "{m:?}"
    );
}

#[test]
fn the_preview_is_off_by_configuration_and_a_bad_value_is_reported() {
    let d = tempfile::tempdir().unwrap();
    let p = kasa::config::Paths {
        data_dir: d.path().join("data"),
        config_dir: d.path().join("cfg"),
        explicit_data_dir: true,
    };
    std::fs::create_dir_all(&p.config_dir).unwrap();
    let cfg = p.config_dir.join("config.toml");
    std::fs::write(&cfg, "pratinjau = \"off\"\n").unwrap();
    let s = kasa::console::load_settings(&p, false);
    assert!(s.problems.is_empty(), "{:?}", s.problems);
    let mut app = kasa::console::app_from(s);
    app.resize(200, 50);
    app.on_reply(
        Purpose::List(Pane::Masuk),
        Ok(Reply::Entries {
            entries: harness::entries(6),
        }),
    );
    let (_, fx) = open_detail(&mut app);
    assert_eq!(halaman_call(&fx), None, "off: no page is asked for");
    let fx = keys(&mut app, "v");
    assert_eq!(halaman_call(&fx), None);
    let m = app.message.clone().unwrap();
    assert!(m.text.contains("pratinjau = \"off\""), "{m:?}");
    assert!(!harness::text(&app).contains("Halaman 1/"));

    std::fs::write(&cfg, "pratinjau = \"sixel\"\n").unwrap();
    let s = kasa::console::load_settings(&p, false);
    assert!(
        s.problems
            .iter()
            .any(|e| e.contains("pratinjau 'sixel' tidak dikenal")),
        "{:?}",
        s.problems
    );
}

#[test]
fn a_search_that_could_not_read_sealed_texts_says_so() {
    let mut app = harness::app("default", 6, 120, 30);
    app.update(Action::Filter(Some("dongle".into())));
    app.on_reply(
        Purpose::Cari(Pane::Masuk, "dongle".into()),
        Ok(Reply::Cari {
            q: "dongle".into(),
            hits: vec![],
            dilihat: 6,
            terkunci: 2,
            selesai: true,
        }),
    );
    let m = app.message.clone().unwrap();
    assert!(
        m.text.contains("2 teks tersegel tidak ikut dicari"),
        "{m:?}"
    );
}
