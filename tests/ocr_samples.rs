//! OCR of the scanned samples (issue 15) with the real `tesseract -l ind`: the scanned cover letter
//! yields its header (through the `kasa __ocr` child under its limits, as the node runs it), the fax
//! TIFF and the JPEG yield their text (`ocr_path` in-process). Hostile images: `tests/ocr_node.rs`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kasa::domain::RegisterFields;
use kasa::domain::agenda::Klasifikasi;
use kasa::ingest::extract::{Limits, analyze_path};
use kasa::ingest::ocr::{ocr_in_child, ocr_path};

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/samples");

fn sample(rel: &str) -> PathBuf {
    Path::new(SAMPLES).join(rel)
}

fn kasa_exe() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kasa"))
}

#[test]
fn scan_0001_header_from_ocr() {
    let path = sample("naskah/scan-0001-surat-pengantar.pdf");
    let first = analyze_path(&path);
    assert!(first.perlu_ocr, "{first:?}");
    let t = Instant::now();
    let a = ocr_in_child(
        &kasa_exe(),
        &path,
        8,
        &Limits {
            cpu_seconds: 120,
            memory_bytes: 1 << 30,
            wall: Duration::from_secs(180),
        },
    )
    .expect("ocr child");
    println!(
        "scan-0001: {:?} ms in child, peak {:?} KiB, wall {:?}",
        a.ocr_ms,
        a.ocr_peak_kib,
        t.elapsed()
    );
    let s = a.suggestions().expect("text");
    println!("{s:#?}");
    assert_eq!(s.nomor.as_deref(), Some("800/283/Kominfo/2021"));
    assert_eq!(s.klasifikasi.as_deref(), Some("Rahasia"));
    assert!(
        s.hal
            .as_deref()
            .unwrap_or("")
            .starts_with("Penyampaian Laporan Hasil Pemantauan"),
        "{:?}",
        s.hal
    );
    assert!(
        s.yth.as_deref().unwrap_or("").starts_with("Gubernur Bali"),
        "{:?}",
        s.yth
    );
    assert_eq!(s.tempat_tanggal.as_deref(), Some("Negara, 22 April 2021"));
    let mut f = RegisterFields::default();
    f.apply_suggestions(&s);
    assert_eq!(f.klasifikasi, Some(Klasifikasi::Rahasia));
}

#[test]
fn fax_tiff_and_jpeg_yield_text() {
    for (rel, words) in [
        (
            "naskah/scan-0002-naskah-dikecualikan.tif",
            &["PEKALONGAN", "PERSANDIAN"][..],
        ),
        (
            "naskah/scan-0003-berita-sanapati-hal1.jpg",
            &["PALANGKA", "Sanapati"][..],
        ),
    ] {
        let a = ocr_path(&sample(rel), 8);
        let text = a
            .text
            .as_deref()
            .unwrap_or_else(|| panic!("{rel}: {:?}", a.note));
        for w in words {
            assert!(text.contains(w), "{rel}: {w} not in {text}");
        }
        println!(
            "{rel}: pages {:?}, {} words, {:?} ms",
            a.pages,
            a.words.len(),
            a.ocr_ms
        );
    }
}
