//! The shared samples dropped into the real drop folder of a real node (DESIGN §3, samples/README.md).

mod common;

use std::collections::HashMap;
use std::fs;
use std::time::Duration;

use common::*;

/// Page counts from the samples README table.
const PAGES: &[(&str, u64)] = &[
    ("surat-pengantar-laporan-persandian-jembrana.pdf", 1),
    ("scan-0001-surat-pengantar.pdf", 1),
    ("scan-0002-naskah-dikecualikan.tif", 2),
    ("scan-0003-berita-sanapati-hal1.jpg", 1),
    ("sop-backup-data-elektronik-bolmong.pdf", 2),
    ("dup-sop-backup-data-elektronik-bolmong.pdf", 2),
    ("sop-pemeliharaan-peralatan-sandi-trenggalek.pdf", 2),
    ("sop-pengiriman-berita-sanapati-palangkaraya.pdf", 2),
    ("sop-pengiriman-naskah-dikecualikan-pekalongan.pdf", 2),
    ("minimal-document.pdf", 1),
    ("pdflatex-4-pages.pdf", 4),
    ("libreoffice-writer-password.pdf", 1),
    ("imagemagick-CCITTFaxDecode.pdf", 1),
    ("google-doc-document.pdf", 1),
    ("unreadablemetadata.pdf", 4),
    ("grayscale-image.pdf", 1),
    ("crazyones-pdfa.pdf", 1),
    ("with-attachment.pdf", 1),
    ("smile-lzw.tiff", 1),
    ("smile.jpg", 1),
];

const DUP: &str = "dup-sop-backup-data-elektronik-bolmong.pdf";
const TWIN: &str = "sop-backup-data-elektronik-bolmong.pdf";

#[test]
fn samples_dropped_are_registered_once_with_duplicate_suggestions_and_pages() {
    let node = TestNode::start_new();
    let drop = node.drop_dir();
    let mut files = Vec::new();
    for dir in ["naskah", "pdf-corpus"] {
        for e in fs::read_dir(sample(dir)).unwrap() {
            files.push(e.unwrap().path());
        }
    }
    files.sort();
    assert_eq!(files.len(), PAGES.len(), "README table and samples differ");
    let name = |p: &std::path::Path| p.file_name().unwrap().to_string_lossy().into_owned();

    // Everything but the duplicate first.
    for f in files.iter().filter(|f| name(f) != DUP) {
        fs::copy(f, drop.join(name(f))).unwrap();
    }
    let first = (files.len() - 1) as u64;
    assert!(
        node.wait_entries(first, Duration::from_secs(120)),
        "only {} of {first} samples registered; log:\n{}",
        node.status()["entries"],
        node.log()
    );
    // Then the duplicate.
    fs::copy(sample(&format!("naskah/{DUP}")), drop.join(DUP)).unwrap();
    assert!(node.wait_entries(first + 1, Duration::from_secs(60)));
    assert!(
        wait_until(Duration::from_secs(30), || names_in(&drop).is_empty()),
        "drop folder not emptied: {:?}",
        names_in(&drop)
    );

    let entries = node.entries();
    assert_eq!(entries.len(), files.len(), "one entry per file");
    let mut by_name: HashMap<String, serde_json::Value> = HashMap::new();
    for e in &entries {
        let n = e["attachments"][0]["name"].as_str().unwrap().to_string();
        assert!(
            by_name.insert(n.clone(), e.clone()).is_none(),
            "{n} registered twice"
        );
    }
    for f in &files {
        let n = name(f);
        let e = by_name
            .get(&n)
            .unwrap_or_else(|| panic!("{n} not registered"));
        let data = fs::read(f).unwrap();
        assert_eq!(e["attachments"][0]["sha256"], sha256_hex(&data), "{n}");
        assert_eq!(e["attachments"][0]["size"], data.len() as u64, "{n}");
    }

    // Page counts (README table).
    for (n, pages) in PAGES {
        assert_eq!(
            by_name[*n]["attachments"][0]["pages"].as_u64(),
            Some(*pages),
            "{n}: {}",
            by_name[*n]
        );
    }

    // The later copy is a duplicate of the first; nothing else is.
    let twin = &by_name[TWIN];
    let dup = &by_name[DUP];
    assert_eq!(dup["duplicate_of"], twin["id"], "{dup}");
    assert_eq!(dup["status"], "duplikat");
    for (n, e) in &by_name {
        if n != DUP {
            assert!(e["duplicate_of"].is_null(), "{n} wrongly a duplicate: {e}");
            assert_eq!(e["status"], "baru", "{n}");
        }
    }

    // Header suggestions of the cover letter.
    let sp = &by_name["surat-pengantar-laporan-persandian-jembrana.pdf"]["suggestions"];
    assert_eq!(sp["nomor"], "800/283/Kominfo/2021", "{sp}");
    assert_eq!(sp["klasifikasi"], "Rahasia", "{sp}");
    assert!(
        sp["hal"]
            .as_str()
            .unwrap_or("")
            .starts_with("Penyampaian Laporan Hasil Pemantauan"),
        "{sp}"
    );

    // The encrypted PDF: a note, no text.
    let enc = &by_name["libreoffice-writer-password.pdf"];
    let note = enc["text_note"].as_str().unwrap_or("");
    assert!(note.contains("encrypted"), "note: {enc}");
    let shown = node.json(&["agenda", "show", &enc["id"].to_string(), "--json"]);
    assert!(
        shown["text"].is_null(),
        "encrypted PDF has text: {}",
        shown["text"]
    );
    // A born-digital one does have text (the show field works).
    let sp_id = by_name["surat-pengantar-laporan-persandian-jembrana.pdf"]["id"].to_string();
    let shown = node.json(&["agenda", "show", &sp_id, "--json"]);
    assert!(
        shown["text"]
            .as_str()
            .unwrap_or("")
            .contains("800/283/Kominfo/2021")
    );

    // Originals left the drop folder: each is in processed/ or (the duplicate) duplicates/.
    let processed = names_in(&node.ingest_dir("processed"));
    let duplicates = names_in(&node.ingest_dir("duplicates"));
    assert_eq!(processed.len(), files.len() - 1, "{processed:?}");
    assert_eq!(duplicates.len(), 1, "{duplicates:?}");
    assert!(duplicates[0].ends_with(DUP), "{duplicates:?}");
    for f in &files {
        let n = name(f);
        if n != DUP {
            assert!(
                processed.iter().any(|p| p.ends_with(&format!("-{n}"))),
                "{n} not in processed: {processed:?}"
            );
        }
    }
    assert!(node.alarms().is_empty(), "alarms: {:?}", node.alarms());
    node.kasa_ok(&["audit", "verify"]);
}
