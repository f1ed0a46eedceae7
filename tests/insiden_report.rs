//! The report of a scripted incident (PI.03 B5 short report) against a reviewed snapshot: record,
//! SLA outcomes (one met, one met after breach), checklist, timeline with corrections and audit seqs,
//! evidence with custody, lessons learned. Pure: fixed times, WITA zone.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use kasa::domain::insiden::*;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn c(at: &str, oleh: &str, pelaksana: Option<&str>) -> Ctx {
    Ctx {
        at: t(at),
        oleh: oleh.into(),
        pelaksana: pelaksana.map(Into::into),
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
            "Ekspor log akses SIMPEG 2 Maret",
            Some("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
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
    let pdf = laporan::pdf(&md);
    assert!(pdf.starts_with(b"%PDF-1.4"));
    assert!(pdf.ends_with(b"%%EOF\n"));
    // The PDF is well formed enough for a real parser: lopdf loads it and finds its pages.
    let doc = lopdf::Document::load_mem(&pdf).expect("lopdf reads the report PDF");
    assert!(!doc.get_pages().is_empty());
}
