//! Time and size of a 20-page incident report (A4, kop, TLP on every page, a long timeline table with
//! repeated headers), rendered through `kasa::doc::pdf` (krilla, embedded font subsets). The page
//! count and PDF size are printed once before the timing.

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use kasa::doc::{KopSurat, Penanda};
use kasa::domain::dokumen::{Pengesahan, laporan_insiden};
use kasa::domain::insiden::{Ctx, Insiden, playbooks};

fn insiden(entries: usize) -> Insiden {
    let start: Timestamp = "2026-05-04T00:00:00Z".parse().unwrap();
    let c = |k: i64| Ctx {
        at: start + jiff::SignedDuration::from_mins(k),
        oleh: "Ni Made Sari".into(),
        pelaksana: None,
        waktu: None,
        tz: jiff::tz::TimeZone::get("Asia/Makassar").unwrap(),
    };
    let mut i = Insiden::buka(9, "Gangguan jaringan berulang", &c(0), &playbooks()).unwrap();
    let mut k = 1;
    while i.linimasa.len() < entries {
        i.catat(
            &format!(
                "Catatan {k}: pengguna melaporkan koneksi putus-sambung; port diganti, ping sepuluh \
                 menit tanpa paket hilang ✓ — Ñoman"
            ),
            &c(k),
        )
        .unwrap();
        k += 1;
    }
    i
}

fn bench(cr: &mut Criterion) {
    let kop = KopSurat {
        pemerintah: "PEMERINTAH KABUPATEN JEMBRANA".into(),
        dinas: "DINAS KOMUNIKASI DAN INFORMATIKA".into(),
        alamat: "Jalan Surapati Nomor 1 (0365) 41210 Negara".into(),
        kontak: String::new(),
        tempat: "Negara".into(),
    };
    let tz = TimeZone::get("Asia/Makassar").unwrap();
    let sah = Pengesahan {
        nomor: String::new(),
        penanda: vec![Penanda {
            atas: "Negara, 4 Mei 2026".into(),
            jabatan: "Pelapor".into(),
            nama: "Ni Made Sari".into(),
            nip: String::new(),
        }],
        distribusi: vec!["Kepala Dinas".into(), "Arsip".into()],
    };
    let now: Timestamp = "2026-05-05T00:00:00Z".parse().unwrap();
    // Find the timeline length that gives 20 pages.
    let mut n = 300;
    let d = loop {
        let d = laporan_insiden(&kop, &insiden(n), &tz, now, &sah);
        let pages = kasa::doc::pdf::tata_letak(&d).halaman.len();
        if pages >= 20 {
            break d;
        }
        n += 20;
    };
    let bytes = kasa::doc::pdf::render(&d).unwrap();
    eprintln!(
        "incident report: {} timeline entries, {} pages, {} bytes ({:.1} KiB)",
        n,
        kasa::doc::pdf::tata_letak(&d).halaman.len(),
        bytes.len(),
        bytes.len() as f64 / 1024.0
    );
    let mut g = cr.benchmark_group("doc");
    g.sample_size(10);
    g.bench_function("incident_report_20_pages_pdf", |b| {
        b.iter(|| kasa::doc::pdf::render(&d).unwrap().len())
    });
    g.bench_function("incident_report_20_pages_markdown", |b| {
        b.iter(|| kasa::doc::markdown::render(&d).len())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
