//! OCR through the real node (issue 15): a scan becomes an entry at once with the note
//! "membaca…", then its suggestions are pushed live as a change event; hostile images end as
//! entries with a note and the node keeps running. And the child on the shared samples, and without
//! Tesseract on the PATH (the note names the package).

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{KASA, TestNode, sample, wait_until};
use kasa::ingest::extract::{Limits, run_child};
use kasa::ingest::ocr::{NOTE_OCR_DONE, NOTE_OCR_PENDING};
use kasa::proto::Event;
use kasa::store::Change;

fn ocr_child(path: &Path, path_env: Option<&str>) -> kasa::ingest::extract::Analysis {
    let mut cmd = Command::new(KASA);
    cmd.arg("__ocr").arg(path);
    if let Some(p) = path_env {
        cmd.env("PATH", p);
    }
    let limits = Limits {
        wall: Duration::from_secs(60),
        ..Limits::default()
    };
    run_child(cmd, &limits).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn scan_0001_yields_its_header_through_the_child() {
    let a = ocr_child(&sample("naskah/scan-0001-surat-pengantar.pdf"), None);
    assert!(a.ocr, "{a:?}");
    assert_eq!(a.note.as_deref(), Some(NOTE_OCR_DONE), "{a:?}");
    let s = a.suggestions().unwrap();
    assert_eq!(s.nomor.as_deref(), Some("800/283/Kominfo/2021"), "{s:?}");
    assert_eq!(s.klasifikasi.as_deref(), Some("Rahasia"), "{s:?}");
    assert_eq!(s.lampiran.as_deref(), Some("1 (satu) berkas"), "{s:?}");
    let hal = s.hal.as_deref().unwrap_or_default();
    assert!(
        hal.starts_with("Penyampaian Laporan Hasil Pemantauan dan Evaluasi Penyelenggaraan"),
        "{hal}"
    );
    let yth = s.yth.as_deref().unwrap_or_default();
    assert!(yth.starts_with("Gubernur Bali u.p. Kepala Dinas"), "{yth}");
    assert_eq!(s.tempat_tanggal.as_deref(), Some("Negara, 22 April 2021"));
    assert_eq!(s.tanggal.as_deref(), Some("2021-04-22"));
    // Every suggestion keeps where it was read, on page 1, in the upper part for the header.
    let nomor = s
        .evidence
        .iter()
        .find(|e| e.value == "800/283/Kominfo/2021")
        .unwrap();
    let b = nomor.source.unwrap();
    assert_eq!(b.page, 1);
    assert!(b.y0 < 400.0 && b.x1 > b.x0, "{b:?}");
    assert!(nomor.confidence > 0.6 && !nomor.uncertain, "{nomor:?}");
}

#[test]
fn fax_tiff_and_jpeg_yield_their_text() {
    let a = ocr_child(&sample("naskah/scan-0002-naskah-dikecualikan.tif"), None);
    assert_eq!(a.pages, Some(2), "{a:?}");
    let t = a.text.as_deref().unwrap_or_default();
    assert!(t.contains("PEKALONGAN"), "{t}");
    assert!(t.contains("NASKAH DINAS YANG DIKECUALIKAN"), "{t}");
    assert!(a.words.iter().any(|w| w.page == 2), "page 2 read too");
    assert_eq!(a.suggestions().unwrap().nomor_sop.as_deref(), Some("088.6"));

    let a = ocr_child(&sample("naskah/scan-0003-berita-sanapati-hal1.jpg"), None);
    let t = a.text.as_deref().unwrap_or_default();
    assert!(t.contains("PALANGKA RAYA"), "{t}");
    assert!(t.contains("Sanapati"), "{t}");
}

#[test]
fn without_tesseract_the_note_names_the_package() {
    let a = ocr_child(
        &sample("naskah/scan-0003-berita-sanapati-hal1.jpg"),
        Some("/nonexistent"),
    );
    let note = a.note.unwrap();
    assert!(
        note.contains("tesseract-ocr") && note.contains("tesseract-ocr-ind"),
        "{note}"
    );
    assert!(note.contains("apt-get install"), "{note}");
    assert!(a.text.is_none());

    let n = TestNode::init_with(|_| {});
    let o = n
        .cmd()
        .env("PATH", "/nonexistent")
        .args(["config", "check"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("tesseract-ocr-ind"), "{out}");
}

/// A PNG whose IHDR declares 60000×60000 pixels (and no pixel data).
fn huge_png() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    v.extend_from_slice(&60000u32.to_be_bytes());
    v.extend_from_slice(&60000u32.to_be_bytes());
    v.extend_from_slice(&[8, 0, 0, 0, 0, 0, 0, 0, 0]);
    v.extend_from_slice(b"\0\0\0\0IEND\xaeB`\x82");
    v
}

/// A little-endian TIFF with one IFD declaring 60000×60000 bilevel pixels in one G4 strip of 16
/// bytes.
fn huge_tiff() -> Vec<u8> {
    let entries: [(u16, u16, u32); 8] = [
        (256, 4, 60000),
        (257, 4, 60000),
        (258, 3, 1),
        (259, 3, 4),
        (262, 3, 0),
        (273, 4, 8 + 2 + 8 * 12 + 4),
        (278, 4, 60000),
        (279, 4, 16),
    ];
    let mut v = b"II*\0".to_vec();
    v.extend_from_slice(&8u32.to_le_bytes());
    v.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, typ, val) in entries {
        v.extend_from_slice(&tag.to_le_bytes());
        v.extend_from_slice(&typ.to_le_bytes());
        v.extend_from_slice(&1u32.to_le_bytes());
        v.extend_from_slice(&val.to_le_bytes());
    }
    v.extend_from_slice(&0u32.to_le_bytes());
    v.extend_from_slice(&[0x55; 16]);
    v
}

/// The sample JPEG cut after a third, the rest replaced by garbage.
fn corrupt_jpeg() -> Vec<u8> {
    let real = std::fs::read(sample("naskah/scan-0003-berita-sanapati-hal1.jpg")).unwrap();
    let mut v = real[..real.len() / 3].to_vec();
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    v.extend((0..20_000).map(|_| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x as u8
    }));
    v
}

/// A JPEG whose frame header declares 60000×60000 pixels.
fn huge_jpeg() -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8];
    v.extend_from_slice(&60000u16.to_be_bytes());
    v.extend_from_slice(&60000u16.to_be_bytes());
    v.extend_from_slice(&[1, 1, 0x11, 0, 0xFF, 0xD9]);
    v
}

#[test]
fn node_reads_a_scan_in_the_background_and_pushes_the_suggestions() {
    let n = TestNode::start_new();
    let mut c = kasa::client::Client::connect(&n.socket).unwrap();
    let events = c.subscribe().unwrap();
    let scan = sample("naskah/scan-0001-surat-pengantar.pdf");
    n.kasa_ok(&["ingest", scan.to_str().unwrap()]);
    let entries = n.entries();
    assert_eq!(entries.len(), 1);
    let id = entries[0]["id"].as_u64().unwrap();
    // The entry is there before OCR has finished (or just after): never without a note.
    let note = entries[0]["text_note"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(note == NOTE_OCR_PENDING || note == NOTE_OCR_DONE, "{note}");
    // Two changes of the entry are pushed: its creation, then the OCR result.
    let mut changes = 0;
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    while changes < 2 && std::time::Instant::now() < deadline {
        if let Ok(Event::Changed {
            change: Change::Entry { id: e },
        }) = events.recv_timeout(Duration::from_secs(1))
            && e == id
        {
            changes += 1;
        }
    }
    assert_eq!(changes, 2, "creation and OCR result pushed");
    let e = &n.entries()[0];
    assert_eq!(e["text_note"], NOTE_OCR_DONE, "{e}");
    assert_eq!(e["suggestions"]["nomor"], "800/283/Kominfo/2021", "{e}");
    assert_eq!(e["suggestions"]["klasifikasi"], "Rahasia", "{e}");
    // The triage with the suggestions takes the klasifikasi the letter states.
    let actions: Vec<String> = n
        .audit_tail(20)
        .iter()
        .map(|r| r["action"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(actions.iter().any(|a| a == "ingest.ocr"), "{actions:?}");
    let st = n.status();
    assert!(
        st["ocr"].as_str().unwrap_or_default().contains("tesseract"),
        "{st}"
    );
    assert_eq!(st["ocr_pending"], 0);
}

#[test]
fn hostile_images_end_as_entries_with_a_note() {
    let n = TestNode::start_new();
    let dir = n.scratch();
    let files: [(&str, Vec<u8>, &str); 4] = [
        ("besar.png", huge_png(), "terlalu besar"),
        ("besar.tif", huge_tiff(), "terlalu besar"),
        ("besar.jpg", huge_jpeg(), "terlalu besar"),
        ("rusak.jpg", corrupt_jpeg(), ""),
    ];
    for (name, data, _) in &files {
        let p = dir.join(name);
        std::fs::write(&p, data).unwrap();
        n.kasa_ok(&["ingest", p.to_str().unwrap()]);
    }
    assert!(
        wait_until(Duration::from_secs(120), || {
            n.entries()
                .iter()
                .all(|e| e["text_note"].as_str() != Some(NOTE_OCR_PENDING))
        }),
        "OCR never finished: {:?}",
        n.entries()
    );
    for (name, _, want) in &files {
        let e = n.entries_named(name);
        assert_eq!(e.len(), 1, "{name}");
        let note = e[0]["text_note"].as_str().unwrap_or_default();
        assert!(!note.is_empty() && note.contains(want), "{name}: {note}");
    }
    // The node is alive and answers.
    assert_eq!(n.status()["entries"], 4);
}
