//! Analysis and header suggestions on the shared samples (`shared/samples/README.md`), and on
//! hostile input: `analyze_path` must return, never panic or hang (DESIGN §3).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kasa::domain::naskah::{HeaderSuggestions, suggest};
use kasa::ingest::extract::{Analysis, analyze_path};

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/samples");

fn sample(rel: &str) -> PathBuf {
    Path::new(SAMPLES).join(rel)
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Text {
    /// Born-digital: a text layer is expected.
    Yes,
    /// No text layer (scan, image); a note is expected.
    No,
    /// Encrypted: no text, the note says so.
    Encrypted,
    /// Broken: no text, a note explains.
    Broken,
}

/// Every sample file with its MIME type, page count (samples/README.md) and text expectation.
const EXPECTED: &[(&str, &str, u32, Text)] = &[
    (
        "naskah/dup-sop-backup-data-elektronik-bolmong.pdf",
        "application/pdf",
        2,
        Text::Yes,
    ),
    (
        "naskah/scan-0001-surat-pengantar.pdf",
        "application/pdf",
        1,
        Text::No,
    ),
    (
        "naskah/scan-0002-naskah-dikecualikan.tif",
        "image/tiff",
        2,
        Text::No,
    ),
    (
        "naskah/scan-0003-berita-sanapati-hal1.jpg",
        "image/jpeg",
        1,
        Text::No,
    ),
    (
        "naskah/sop-backup-data-elektronik-bolmong.pdf",
        "application/pdf",
        2,
        Text::Yes,
    ),
    (
        "naskah/sop-pemeliharaan-peralatan-sandi-trenggalek.pdf",
        "application/pdf",
        2,
        Text::Yes,
    ),
    (
        "naskah/sop-pengiriman-berita-sanapati-palangkaraya.pdf",
        "application/pdf",
        2,
        Text::Yes,
    ),
    (
        "naskah/sop-pengiriman-naskah-dikecualikan-pekalongan.pdf",
        "application/pdf",
        2,
        Text::Yes,
    ),
    (
        "naskah/surat-pengantar-laporan-persandian-jembrana.pdf",
        "application/pdf",
        1,
        Text::Yes,
    ),
    (
        "pdf-corpus/crazyones-pdfa.pdf",
        "application/pdf",
        1,
        Text::Yes,
    ),
    (
        "pdf-corpus/google-doc-document.pdf",
        "application/pdf",
        1,
        Text::Yes,
    ),
    (
        "pdf-corpus/grayscale-image.pdf",
        "application/pdf",
        1,
        Text::No,
    ),
    (
        "pdf-corpus/imagemagick-CCITTFaxDecode.pdf",
        "application/pdf",
        1,
        Text::No,
    ),
    (
        "pdf-corpus/libreoffice-writer-password.pdf",
        "application/pdf",
        1,
        Text::Encrypted,
    ),
    (
        "pdf-corpus/minimal-document.pdf",
        "application/pdf",
        1,
        Text::Yes,
    ),
    (
        "pdf-corpus/pdflatex-4-pages.pdf",
        "application/pdf",
        4,
        Text::Yes,
    ),
    ("pdf-corpus/smile-lzw.tiff", "image/tiff", 1, Text::No),
    ("pdf-corpus/smile.jpg", "image/jpeg", 1, Text::No),
    (
        "pdf-corpus/unreadablemetadata.pdf",
        "application/pdf",
        4,
        Text::Broken,
    ),
    (
        "pdf-corpus/with-attachment.pdf",
        "application/pdf",
        1,
        Text::Yes,
    ),
];

#[test]
fn every_sample_is_listed() {
    for dir in ["naskah", "pdf-corpus"] {
        for entry in std::fs::read_dir(sample(dir)).unwrap() {
            let name = format!("{dir}/{}", entry.unwrap().file_name().to_string_lossy());
            assert!(
                EXPECTED.iter().any(|e| e.0 == name),
                "{name} has no expectation"
            );
        }
    }
}

#[test]
fn kinds_pages_and_text() {
    for &(rel, kind, pages, text) in EXPECTED {
        let a = analyze_path(&sample(rel));
        assert_eq!(a.kind, kind, "{rel}");
        assert_eq!(a.pages, Some(pages), "{rel}: {a:?}");
        match text {
            Text::Yes => {
                let t = a.text.as_deref().unwrap_or("");
                assert!(
                    t.trim().len() > 100,
                    "{rel}: expected a text layer, got {a:?}"
                );
            }
            Text::No => {
                assert_eq!(a.text, None, "{rel}");
                let note = a.note.as_deref().unwrap_or("");
                assert!(note.contains("OCR"), "{rel}: {note}");
            }
            Text::Encrypted => {
                assert_eq!(a.text, None, "{rel}");
                let note = a.note.as_deref().unwrap_or("");
                assert!(
                    note.contains("terenkripsi") && note.contains("encrypted"),
                    "{rel}: {note}"
                );
            }
            Text::Broken => {
                assert_eq!(a.text, None, "{rel}");
                assert!(
                    a.note.as_deref().is_some_and(|n| n.contains("rusak")),
                    "{rel}: {a:?}"
                );
            }
        }
    }
}

#[test]
fn analysis_round_trips_as_one_json_line() {
    let a = analyze_path(&sample(
        "naskah/surat-pengantar-laporan-persandian-jembrana.pdf",
    ));
    let line = serde_json::to_string(&a).unwrap();
    assert!(!line.contains('\n'));
    let back: Analysis = serde_json::from_str(&line).unwrap();
    assert_eq!(back, a);
}

fn suggestions(rel: &str) -> HeaderSuggestions {
    let a = analyze_path(&sample(rel));
    suggest(a.text.as_deref().expect("text layer"))
}

#[test]
fn cover_letter_header() {
    let s = suggestions("naskah/surat-pengantar-laporan-persandian-jembrana.pdf");
    assert_eq!(s.nomor.as_deref(), Some("800/283/Kominfo/2021"));
    assert_eq!(s.klasifikasi.as_deref(), Some("Rahasia"));
    assert_eq!(s.lampiran.as_deref(), Some("1 (satu) berkas"));
    let hal = s.hal.as_deref().unwrap();
    assert!(
        hal.starts_with("Penyampaian Laporan Hasil Pemantauan dan Evaluasi"),
        "{hal}"
    );
    assert_eq!(
        s.yth.as_deref(),
        Some("Gubernur Bali u.p. Kepala Dinas Komunikasi, Informatika dan Statistik Provinsi Bali")
    );
    assert_eq!(s.tempat_tanggal.as_deref(), Some("Negara, 22 April 2021"));
    assert_eq!(s.tanggal.as_deref(), Some("2021-04-22"));
    assert_eq!(s.nomor_sop, None);
}

#[test]
fn sop_numbers() {
    let s = suggestions("naskah/sop-pengiriman-naskah-dikecualikan-pekalongan.pdf");
    assert_eq!(s.nomor_sop.as_deref(), Some("088.6"));
    let s = suggestions("naskah/sop-pemeliharaan-peralatan-sandi-trenggalek.pdf");
    assert_eq!(s.nomor_sop.as_deref(), Some("SOP/14/406.020/2019"));
    // SOPs are not letters: no letter number is invented from "Nomor 14 Tahun 2008" in the text.
    for rel in [
        "naskah/sop-pengiriman-naskah-dikecualikan-pekalongan.pdf",
        "naskah/sop-pemeliharaan-peralatan-sandi-trenggalek.pdf",
        "naskah/sop-pengiriman-berita-sanapati-palangkaraya.pdf",
        "naskah/sop-backup-data-elektronik-bolmong.pdf",
    ] {
        assert_eq!(suggestions(rel).nomor, None, "{rel}");
    }
}

/// Runs `analyze_path` on `bytes` written to a temp file; fails if it takes unreasonably long.
fn analyze_bytes_file(dir: &Path, name: &str, bytes: &[u8]) -> Analysis {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let t = Instant::now();
    let a = analyze_path(&path);
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "{name} took {:?}",
        t.elapsed()
    );
    a
}

#[test]
fn truncated_pdfs_return() {
    let dir = tempfile::tempdir().unwrap();
    for rel in [
        "naskah/surat-pengantar-laporan-persandian-jembrana.pdf",
        "pdf-corpus/libreoffice-writer-password.pdf",
        "pdf-corpus/pdflatex-4-pages.pdf",
    ] {
        let data = std::fs::read(sample(rel)).unwrap();
        let len = data.len();
        for n in [
            0,
            5,
            9,
            64,
            512,
            1024,
            len / 4,
            len / 2,
            len * 3 / 4,
            len - 200,
            len - 1,
        ] {
            let a = analyze_bytes_file(dir.path(), "cut.pdf", &data[..n.min(len)]);
            if n >= 5 {
                assert_eq!(a.kind, "application/pdf", "{rel} cut at {n}");
            }
            assert!(a.pages.unwrap_or(0) <= 4, "{rel} cut at {n}: {a:?}");
        }
    }
}

#[test]
fn random_bytes_after_pdf_header_return() {
    let dir = tempfile::tempdir().unwrap();
    // A small deterministic xorshift generator: reproducible garbage without extra crates.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..24 {
        let len = 16 + (next() % 8192) as usize;
        let mut bytes = b"%PDF-1.7\n".to_vec();
        bytes.extend((0..len).map(|_| next() as u8));
        if round % 3 == 0 {
            bytes.extend_from_slice(b"\ntrailer\n<</Root 1 0 R/Size 3>>\nstartxref\n9\n%%EOF\n");
        }
        if round % 4 == 0 {
            bytes.extend_from_slice(b"1 0 obj <</Type/Catalog/Pages 1 0 R>> endobj\n");
        }
        let a = analyze_bytes_file(dir.path(), "random.pdf", &bytes);
        assert_eq!(a.kind, "application/pdf");
        assert!(a.note.is_some() || a.text.is_some(), "round {round}: {a:?}");
    }
}

#[test]
fn self_referencing_page_tree_returns() {
    let dir = tempfile::tempdir().unwrap();
    // /Pages whose only kid is itself, and a page whose parent loops.
    let pdf = b"%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n\
2 0 obj <</Type/Pages/Kids[2 0 R 3 0 R]/Count 2>> endobj\n\
3 0 obj <</Type/Page/Parent 2 0 R/Contents 4 0 R>> endobj\n\
4 0 obj <</Length 99999>> stream\nBT (x) Tj ET\nendstream endobj\n\
trailer <</Root 1 0 R/Size 5>>\n%%EOF\n";
    let a = analyze_bytes_file(dir.path(), "loop.pdf", pdf);
    assert_eq!(a.kind, "application/pdf");
}

#[test]
fn looping_tiff_returns() {
    let dir = tempfile::tempdir().unwrap();
    // Header → IFD at 8 (one entry) → IFD at 26 → back to 8.
    let mut t = b"II*\0".to_vec();
    t.extend_from_slice(&8u32.to_le_bytes());
    for next in [26u32, 8] {
        t.extend_from_slice(&1u16.to_le_bytes());
        t.extend_from_slice(&[0x00, 0x01, 0x03, 0x00, 1, 0, 0, 0, 10, 0, 0, 0]); // ImageWidth = 10
        t.extend_from_slice(&next.to_le_bytes());
    }
    let a = analyze_bytes_file(dir.path(), "loop.tif", &t);
    assert_eq!(a.kind, "image/tiff");
    assert_eq!(a.pages, Some(2));
    assert!(a.note.as_deref().unwrap().contains("loop"), "{a:?}");

    // Big-endian, offset far past the end.
    let a = analyze_bytes_file(dir.path(), "far.tif", b"MM\0*\xff\xff\xff\xf0");
    assert_eq!((a.kind.as_str(), a.pages), ("image/tiff", None));

    // Truncated real TIFF.
    let real = std::fs::read(sample("naskah/scan-0002-naskah-dikecualikan.tif")).unwrap();
    for n in [4, 8, 100, real.len() / 2] {
        let a = analyze_bytes_file(dir.path(), "cut.tif", &real[..n]);
        assert_eq!(a.kind, "image/tiff");
    }
}

#[test]
fn missing_and_empty_files_return() {
    let dir = tempfile::tempdir().unwrap();
    let a = analyze_path(&dir.path().join("absent.pdf"));
    assert!(a.note.is_some());
    let a = analyze_bytes_file(dir.path(), "empty", b"");
    assert_eq!(a.kind, "application/octet-stream");
    let a = analyze_path(dir.path());
    assert!(
        a.note.as_deref().unwrap().contains("not a regular file"),
        "{a:?}"
    );
    // A FIFO with no writer must not block the analysis.
    let fifo = dir.path().join("fifo.pdf");
    let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let a = analyze_path(&fifo);
    assert!(
        a.note.as_deref().unwrap().contains("not a regular file"),
        "{a:?}"
    );
}

#[test]
fn cover_letter_header_from_glyph_positions() {
    // What the node uses: positioned words of the text layer, lines rebuilt from positions.
    let a = analyze_path(&sample(
        "naskah/surat-pengantar-laporan-persandian-jembrana.pdf",
    ));
    assert!(a.words.len() > 100, "{} words", a.words.len());
    let s = a.suggestions().unwrap();
    assert_eq!(s.nomor.as_deref(), Some("800/283/Kominfo/2021"), "{s:?}");
    assert_eq!(s.klasifikasi.as_deref(), Some("Rahasia"));
    assert_eq!(s.lampiran.as_deref(), Some("1 (satu) berkas"));
    let hal = s.hal.as_deref().unwrap_or_default();
    assert!(
        hal.starts_with("Penyampaian Laporan Hasil Pemantauan dan Evaluasi"),
        "{hal}"
    );
    assert_eq!(
        s.yth.as_deref(),
        Some("Gubernur Bali u.p. Kepala Dinas Komunikasi, Informatika dan Statistik Provinsi Bali")
    );
    assert_eq!(s.tempat_tanggal.as_deref(), Some("Negara, 22 April 2021"));
    // Boxes: the Nomor line is in the upper third of page 1.
    let e = s
        .evidence
        .iter()
        .find(|e| e.value == "800/283/Kominfo/2021")
        .unwrap();
    let b = e.source.unwrap();
    assert!(b.page == 1 && b.y0 > 0.0 && b.y1 < 1414.0 / 3.0, "{b:?}");
    for rel in [
        "naskah/sop-pengiriman-naskah-dikecualikan-pekalongan.pdf",
        "naskah/sop-pemeliharaan-peralatan-sandi-trenggalek.pdf",
    ] {
        let s = analyze_path(&sample(rel)).suggestions().unwrap();
        assert!(s.nomor_sop.is_some() && s.nomor.is_none(), "{rel}: {s:?}");
    }
}
