//! OCR as the node's second phase (issue 15), on a real node with the real drop folder and the real
//! `tesseract`: a scan's entry appears at once, its text and header suggestions follow (a separate
//! audited step, a pushed change); a kill -9 while OCR is pending loses and duplicates nothing;
//! hostile images end as entries with a note; without tesseract the note names the packages.

mod common;

use std::fs;
use std::path::Path;
use std::time::Duration;

use common::*;
use kasa::domain::RegisterFields;
use kasa::domain::agenda::Klasifikasi;
use kasa::domain::naskah::HeaderSuggestions;

const SCAN: &str = "scan-0001-surat-pengantar.pdf";

fn entry_named(node: &TestNode, name: &str) -> Option<serde_json::Value> {
    node.entries_named(name).into_iter().next()
}

/// Waits until the entry of `name` has left the OCR queue (its timeline has the `ocr` event).
fn wait_ocr(node: &TestNode, name: &str) -> serde_json::Value {
    let mut last = None;
    let done = wait_until(Duration::from_secs(120), || {
        last = entry_named(node, name);
        last.as_ref().is_some_and(|e| {
            e["timeline"]
                .as_array()
                .is_some_and(|t| t.iter().any(|x| x["kind"] == "ocr"))
        })
    });
    assert!(done, "{name}: no OCR after 120 s: {last:?}\n{}", node.log());
    last.unwrap()
}

#[test]
fn a_scan_appears_at_once_and_its_suggestions_follow() {
    let node = TestNode::start_new();
    fs::copy(
        sample(&format!("naskah/{SCAN}")),
        node.drop_dir().join(SCAN),
    )
    .unwrap();
    assert!(
        node.wait_entries(1, Duration::from_secs(60)),
        "{}",
        node.log()
    );
    let e = wait_ocr(&node, SCAN);

    // Two phases, each its own audited transaction: the entry first, the reading after.
    let audit = node.audit_tail(50);
    let seq_of = |action: &str| {
        audit
            .iter()
            .find(|r| r["action"] == action)
            .and_then(|r| r["seq"].as_u64())
            .unwrap_or_else(|| panic!("no {action} in {audit:?}"))
    };
    assert!(seq_of("ingest.accept") < seq_of("ingest.ocr"));
    let kinds: Vec<&str> = e["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["kind"].as_str().unwrap_or(""))
        .collect();
    let (d, o) = (
        kinds.iter().position(|k| *k == "diterima").unwrap(),
        kinds.iter().position(|k| *k == "ocr").unwrap(),
    );
    assert!(d < o, "{kinds:?}");

    let s: HeaderSuggestions = serde_json::from_value(e["suggestions"].clone()).unwrap();
    assert_eq!(s.nomor.as_deref(), Some("800/283/Kominfo/2021"), "{e}");
    assert_eq!(s.klasifikasi.as_deref(), Some("Rahasia"));
    assert_eq!(s.tempat_tanggal.as_deref(), Some("Negara, 22 April 2021"));
    assert!(s.bukti["nomor"].kotak.is_some() && !s.bukti["nomor"].ragu);
    // What the registration form (console and `--accept-suggestions`) preselects.
    let mut f = RegisterFields::default();
    f.apply_suggestions(&s);
    assert_eq!(f.klasifikasi, Some(Klasifikasi::Rahasia));
    assert_eq!(f.nomor_surat, "800/283/Kominfo/2021");
    let note = e["text_note"].as_str().unwrap_or("");
    assert!(note.contains("OCR"), "{note}");
    let text = node.kasa_ok(&["agenda", "show", &e["id"].to_string()]);
    assert!(text.contains("Penyampaian Laporan"), "{text}");

    // The status names OCR and an empty queue.
    let st = node.status();
    assert!(
        st["ocr"]["Ok"].as_str().unwrap_or("").contains("ind"),
        "{st}"
    );
    assert_eq!(st["ocr_menunggu"], 0);
}

#[test]
fn kill_9_with_ocr_pending_loses_and_duplicates_nothing() {
    let mut node = TestNode::start_new();
    for n in ["a.pdf", "b.pdf"] {
        fs::copy(sample(&format!("naskah/{SCAN}")), node.drop_dir().join(n)).unwrap();
    }
    // The first file's entry exists (its OCR may be running): kill the node.
    assert!(
        node.wait_entries(1, Duration::from_secs(60)),
        "{}",
        node.log()
    );
    node.kill9();
    node.start();
    assert!(
        node.wait_entries(2, Duration::from_secs(60)),
        "{}",
        node.log()
    );
    let e = wait_ocr(&node, "a.pdf");
    assert_eq!(e["suggestions"]["nomor"], "800/283/Kominfo/2021", "{e}");
    let entries = node.entries();
    assert_eq!(entries.len(), 2, "{entries:?}");
    let ocr_events = e["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["kind"] == "ocr")
        .count();
    assert_eq!(ocr_events, 1);
    assert!(
        wait_until(Duration::from_secs(120), || node.status()["ocr_menunggu"]
            == 0),
        "{}",
        node.status()
    );
}

fn tiff_declaring(w: u32, h: u32) -> Vec<u8> {
    let mut t = b"II*\0\x08\0\0\0".to_vec();
    t.extend_from_slice(&3u16.to_le_bytes());
    for (tag, v) in [(256u16, w), (257, h), (258, 1)] {
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&4u16.to_le_bytes());
        t.extend_from_slice(&1u32.to_le_bytes());
        t.extend_from_slice(&v.to_le_bytes());
    }
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(&[0u8; 64]);
    t
}

#[test]
fn hostile_images_end_as_entries_with_a_note() {
    let node = TestNode::start_new();
    let mut corrupt = fs::read(sample("naskah/scan-0003-berita-sanapati-hal1.jpg")).unwrap();
    corrupt.truncate(2_000);
    corrupt.extend(std::iter::repeat_n(0x5Au8, 20_000));
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("huge.png", png_declaring(60_000, 60_000)),
        ("huge.tif", tiff_declaring(60_000, 60_000)),
        ("corrupt.jpg", corrupt),
    ];
    let staging = node.scratch();
    for (name, data) in &files {
        drop_atomic(&staging, &node.drop_dir(), name, data);
    }
    assert!(
        node.wait_entries(3, Duration::from_secs(60)),
        "{}",
        node.log()
    );
    for (name, _) in &files {
        let e = wait_ocr(&node, name);
        let note = e["text_note"].as_str().unwrap_or("").to_string();
        assert!(
            note.contains("melebihi batas")
                || note.contains("tidak dapat dibaca")
                || note.contains("tidak menemukan teks"),
            "{name}: {note}"
        );
        assert!(
            e["suggestions"].is_null() || e["suggestions"]["nomor"].is_null(),
            "{e}"
        );
        println!("{name}: {note}");
    }
    // The node is alive and answers.
    assert_eq!(node.status()["entries"], 3);
}

/// A directory holding only the poppler tools: PATH for a node without tesseract.
fn path_without_tesseract(dir: &Path) -> String {
    let bin = dir.join("bin-no-tesseract");
    fs::create_dir_all(&bin).unwrap();
    for tool in ["pdfimages", "pdftoppm", "pdftotext"] {
        let _ = std::os::unix::fs::symlink(format!("/usr/bin/{tool}"), bin.join(tool));
    }
    bin.display().to_string()
}

#[test]
fn without_tesseract_the_note_and_status_name_the_packages() {
    let mut node = TestNode::init_with(|_| {});
    let path = path_without_tesseract(&node.scratch());
    node.node_env.push(("PATH".into(), path.clone()));
    node.start();
    fs::copy(
        sample(&format!("naskah/{SCAN}")),
        node.drop_dir().join(SCAN),
    )
    .unwrap();
    assert!(
        node.wait_entries(1, Duration::from_secs(60)),
        "{}",
        node.log()
    );
    let e = wait_ocr(&node, SCAN);
    let note = e["text_note"].as_str().unwrap_or("");
    assert!(
        note.contains("apt-get install tesseract-ocr tesseract-ocr-ind"),
        "{note}"
    );
    let st = node.status();
    assert!(
        st["ocr"]["Err"]
            .as_str()
            .unwrap_or("")
            .contains("apt-get install tesseract-ocr tesseract-ocr-ind"),
        "{st}"
    );
    let plain = node.kasa_ok(&["status"]);
    assert!(plain.contains("TIDAK TERSEDIA"), "{plain}");
    // `kasa config check` says so too (a warning: OCR is not needed to run).
    let o = node
        .cmd()
        .env("PATH", &path)
        .args(["config", "check"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("peringatan") && out.contains("tesseract-ocr-ind"),
        "{}",
        describe(&o)
    );
}

#[test]
fn with_a_node_identity_the_ocr_text_is_sealed_like_the_ingest_text() {
    let mut node = TestNode::init_with(|_| {});
    let _pass = node.create_identity("frasa sandi yang cukup panjang untuk uji\n", false);
    node.start();
    fs::copy(
        sample(&format!("naskah/{SCAN}")),
        node.drop_dir().join(SCAN),
    )
    .unwrap();
    assert!(
        node.wait_entries(1, Duration::from_secs(60)),
        "{}",
        node.log()
    );
    let e = wait_ocr(&node, SCAN);
    let id = e["id"].to_string();
    // The unlocked node opens what the OCR sealed.
    let show = node.json(&["agenda", "show", &id, "--json"]);
    assert_eq!(
        show["suggestions"]["nomor"], "800/283/Kominfo/2021",
        "{show}"
    );
    assert!(
        show["text"]
            .as_str()
            .unwrap_or("")
            .contains("Penyampaian Laporan"),
        "{show}"
    );
    node.terminate();
    // Neither the read text nor the suggested nomor is in the database file in plaintext.
    let db = fs::read(node.db()).unwrap();
    for needle in ["800/283/Kominfo/2021", "Penyampaian Laporan Hasil"] {
        assert!(
            !db.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "'{needle}' found in kasa.redb"
        );
    }
}
