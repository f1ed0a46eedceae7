//! The report of a scripted incident (PI.03 B5 short report) against a reviewed snapshot: record,
//! SLA outcomes (one met, one met after breach), checklist, timeline with corrections and audit seqs,
//! evidence with custody, lessons learned. Pure: fixed times, WITA zone.

#[path = "common/pdf.rs"]
mod pdf;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use kasa::doc::{KopSurat, Penanda};
use kasa::domain::dokumen::{Pengesahan, laporan_insiden};
use kasa::domain::insiden::*;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn c(at: &str, oleh: &str, pelaksana: Option<&str>) -> Ctx {
    Ctx {
        at: t(at),
        oleh: oleh.into(),
        pelaksana: pelaksana.map(Into::into),
        waktu: None,
        tz: jiff::tz::TimeZone::get("Asia/Makassar").unwrap(),
    }
}

/// A scripted incident; each mutation gets an audit seq as the store would give it.
pub fn scripted() -> Insiden {
    let pb = playbooks();
    let mut seq = 40;
    let mut i = Insiden::buka(
        7,
        "Akun admin SIMPEG login dari IP asing",
        &c("2026-03-02T01:15:00Z", "Ni Made Sari", None),
        &pb,
    )
    .unwrap();
    i.set_audit_seq(seq);
    let mut step = |i: &mut Insiden, f: &dyn Fn(&mut Insiden)| {
        f(i);
        seq += 1;
        i.set_audit_seq(seq);
    };
    step(&mut i, &|i| {
        i.catat(
            "Login admin dari 203.0.113.9 pukul 09.10 WITA",
            &c("2026-03-02T01:16:10Z", "Ni Made Sari", None),
        )
        .map(drop)
        .unwrap()
    });
    step(&mut i, &|i| {
        i.centang(
            "U1",
            &c("2026-03-02T01:18:00Z", "Ni Made Sari", Some("Komang Adi")),
        )
        .map(drop)
        .unwrap()
    });
    step(&mut i, &|i| {
        i.pakai_playbook(
            "C",
            &c("2026-03-02T01:19:00Z", "Ni Made Sari", None),
            &playbooks(),
        )
        .map(drop)
        .unwrap()
    });
    step(&mut i, &|i| {
        i.putuskan(
            Keputusan::Hentikan,
            "Kasi Persandian",
            &c("2026-03-02T01:21:00Z", "Ni Made Sari", None),
        )
        .map(drop)
        .unwrap()
    });
    step(&mut i, &|i| {
        i.catat(
            "Sesi admin diputus, kata sandi diganti",
            &c("2026-03-02T01:25:00Z", "Ni Made Sari", Some("Komang Adi")),
        )
        .map(drop)
        .unwrap()
    });
    step(&mut i, &|i| {
        i.koreksi(
            2,
            "Login admin dari 203.0.113.9 pukul 09.05 WITA",
            "jam dari log server, bukan dari laporan lisan",
            &c("2026-03-02T01:30:00Z", "Ni Made Sari", None),
        )
        .map(drop)
        .unwrap()
    });
    step(&mut i, &|i| {
        for u in [
            Ubahan::Kategori(Kategori::AksesTidakSah),
            Ubahan::Keparahan(Keparahan::Tinggi),
            Ubahan::SistemTerdampak("SIMPEG (simpeg.example.go.id)".into()),
            Ubahan::Sumber(SumberSerangan::Diketahui("203.0.113.9".into())),
            Ubahan::TerjadiAt(t("2026-03-02T01:05:00Z")),
            Ubahan::Peran(PenugasanPeran {
                peran: PeranInsiden::Koordinator,
                nama: "Ni Made Sari".into(),
            }),
        ] {
            i.ubah(u, &c("2026-03-02T01:31:00Z", "Ni Made Sari", None))
                .unwrap();
        }
    });
    step(&mut i, &|i| {
        i.centang("U2", &c("2026-03-02T01:52:00Z", "Ni Made Sari", None))
            .map(drop)
            .unwrap()
    });
    step(&mut i, &|i| {
        i.tambah_bukti(
            kasa::domain::insiden::BuktiBaru {
                deskripsi: "Ekspor log akses SIMPEG 2 Maret".into(),
                sha256: Some(
                    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
                ),
                ..Default::default()
            },
            &c("2026-03-02T02:10:00Z", "Ni Made Sari", None),
        )
        .map(drop)
        .unwrap()
    });
    step(&mut i, &|i| {
        i.serah_terima(
            1,
            "Ni Made Sari",
            "Komang Adi",
            "Kamar sandi Diskominfo",
            Some(t("2026-03-02T02:20:00Z")),
            &c("2026-03-02T02:21:00Z", "Ni Made Sari", None),
        )
        .map(drop)
        .unwrap()
    });
    step(&mut i, &|i| {
        i.tutup(
            "Aktifkan MFA untuk akun admin SIMPEG; daftar kontak darurat ditempel di kamar sandi",
            &c("2026-03-02T03:00:00Z", "Ni Made Sari", None),
        )
        .map(drop)
        .unwrap()
    });
    i
}

#[test]
fn report_of_a_scripted_incident_matches_the_reviewed_snapshot() {
    let i = scripted();
    let tz = TimeZone::get("Asia/Makassar").unwrap();
    let md = laporan::markdown(&i, &tz, t("2026-03-02T03:05:00Z"));
    insta::assert_snapshot!("laporan_insiden_7", md);
    let [k, e] = i.sla(t("2026-03-02T03:05:00Z"));
    assert_eq!(k.hasil(), "terpenuhi");
    assert_eq!(
        e.hasil(),
        "terlambat",
        "U2 ticked at +37 min: met after breach"
    );
}

fn kop() -> KopSurat {
    KopSurat {
        pemerintah: "PEMERINTAH KABUPATEN JEMBRANA".into(),
        dinas: "DINAS KOMUNIKASI DAN INFORMATIKA".into(),
        alamat: "Jalan Surapati Nomor 1 (0365) 41210 Negara".into(),
        kontak: "kominfo@jembranakab.go.id".into(),
        tempat: "Negara".into(),
    }
}

fn pengesahan() -> Pengesahan {
    Pengesahan {
        nomor: "800/INS-7/Kominfo/2026".into(),
        penanda: vec![
            Penanda {
                atas: "Mengetahui,".into(),
                jabatan: "Kepala Seksi Persandian".into(),
                nama: String::new(),
                nip: String::new(),
            },
            Penanda {
                atas: "Negara, 2 Maret 2026".into(),
                jabatan: "Pelapor, Sandiman Ahli Pertama".into(),
                nama: "Ni Made Sari".into(),
                nip: "19900101 201501 2 001".into(),
            },
        ],
        distribusi: vec![
            "Kepala Dinas".into(),
            "Kepala Bidang".into(),
            "Arsip".into(),
        ],
    }
}

#[test]
fn printed_report_has_kop_number_tlp_on_every_page_signatures_and_matches_snapshots() {
    let i = scripted();
    let tz = TimeZone::get("Asia/Makassar").unwrap();
    let d = laporan_insiden(&kop(), &i, &tz, t("2026-03-02T03:05:00Z"), &pengesahan());
    let bytes = kasa::doc::pdf::render(&d).unwrap();
    let n = pdf::pages(&bytes);
    for p in 1..=n {
        let page = pdf::page_text(&bytes, p);
        assert_eq!(
            page.matches(i.tlp.label()).count(),
            2,
            "TLP in the header and the footer of page {p}:\n{page}"
        );
        assert!(page.contains(&format!("hal. {p} / {n}")));
    }
    let text = pdf::text(&bytes);
    for want in [
        "PEMERINTAH KABUPATEN JEMBRANA",
        "Nomor: 800/INS-7/Kominfo/2026",
        "✓",
        "Ni Made Sari",
        "NIP. 19900101 201501 2 001",
        "Distribusi",
        "Lama penanganan",
    ] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    assert!(
        !text.contains("|---|") && !text.contains("**"),
        "no Markdown syntax in the PDF"
    );
    insta::assert_snapshot!("laporan_insiden_7_pdftotext", text);
    pdf::assert_png("laporan_insiden_7_p1", &bytes, 1);
    insta::assert_snapshot!(
        "laporan_insiden_7_dokumen_markdown",
        kasa::doc::markdown::render(&d)
    );
}

/// An incident with a 60-entry timeline (non-Latin text and ✓ in it).
fn panjang() -> Insiden {
    let pb = playbooks();
    let mut i = Insiden::buka(
        9,
        "Gangguan jaringan berulang",
        &c("2026-05-04T00:00:00Z", "Ni Made Sari", None),
        &pb,
    )
    .unwrap();
    let start = t("2026-05-04T00:00:00Z");
    while i.linimasa.len() < 60 {
        let k = i.linimasa.len() as i64;
        let at = (start + jiff::SignedDuration::from_mins(3 * k)).to_string();
        let teks = match k % 4 {
            0 => format!("Pemeriksaan ke-{k}: paket ditolak oleh firewall ✓ dicatat"),
            1 => format!("Ketut Ñoman memeriksa switch lantai {k} → tidak ada anomali"),
            2 => format!("Σημείωση / Заметка {k}: log router disalin ke flashdisk bukti"),
            _ => format!(
                "Catatan panjang {k}: pengguna melaporkan koneksi putus-sambung di ruang rapat; \
                 kabel diperiksa, port diganti, dan pengujian ping selama sepuluh menit tidak \
                 menunjukkan paket hilang lagi"
            ),
        };
        i.catat(&teks, &c(&at, "Ni Made Sari", None)).unwrap();
    }
    i
}

#[test]
fn sixty_entry_timeline_breaks_across_pages_with_header_repeated_and_no_overlap() {
    let i = panjang();
    assert!(i.linimasa.len() >= 60);
    let tz = TimeZone::get("Asia/Makassar").unwrap();
    let d = laporan_insiden(&kop(), &i, &tz, t("2026-05-04T05:00:00Z"), &pengesahan());
    let bytes = kasa::doc::pdf::render(&d).unwrap();
    let n = pdf::pages(&bytes);
    assert!(n >= 3, "60 entries take several A4 pages, got {n}");
    // The timeline header row ("No Waktu Oleh / pelaksana Catatan Audit") opens every page the
    // timeline continues on.
    let mut with_timeline = 0;
    for p in 1..=n {
        let page = pdf::page_text(&bytes, p);
        if page.contains("Pemeriksaan ke-") || page.contains("Catatan panjang") {
            with_timeline += 1;
            assert!(
                page.contains("Oleh / pelaksana") && page.contains("Audit"),
                "page {p} continues the timeline without its header row:\n{page}"
            );
        }
    }
    assert!(with_timeline >= 2, "timeline spans pages");
    // No overlap: every body word lies above the footer rule; the footer words lie below it.
    let words = pdf::words(&bytes);
    for p in 1..=n {
        let hal = words
            .iter()
            .find(|w| w.page == p && w.text == "hal.")
            .expect("footer on every page");
        for w in words.iter().filter(|w| w.page == p) {
            let in_footer = (w.y0 - hal.y0).abs() < 2.0;
            assert!(
                in_footer || w.y1 < hal.y0 - 4.0,
                "page {p}: '{}' (y {}..{}) reaches the footer (y {})",
                w.text,
                w.y0,
                w.y1,
                hal.y0
            );
        }
    }
    // Every entry's text is there once, in order.
    let text = pdf::text(&bytes);
    let mut last = 0;
    for k in (4..60).step_by(4) {
        let needle = format!("Pemeriksaan ke-{k}:");
        let at = text
            .find(&needle)
            .unwrap_or_else(|| panic!("{needle} missing"));
        assert!(at > last, "entries out of order at {k}");
        last = at;
    }
    assert!(text.contains("Заметка") && text.contains("Ñoman") && text.contains("✓"));
    pdf::assert_png("laporan_insiden_60_p2", &bytes, 2);
}
