//! The printed lembar disposisi of a sample entry: a four-level chain as the A5 boxed form (one page),
//! its extracted text and rendered page against reviewed snapshots, and its Markdown record.

#[path = "common/pdf.rs"]
mod pdf;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use kasa::doc::KopSurat;
use kasa::domain::disposisi::{Disposisi, DisposisiRules};
use kasa::domain::dokumen::lembar_disposisi;
use kasa::domain::{Attachment, Entry, Klasifikasi, Operator, Role, Status};

fn wita(s: &str) -> Timestamp {
    s.parse::<jiff::civil::DateTime>()
        .unwrap()
        .to_zoned(TimeZone::get("Asia/Makassar").unwrap())
        .unwrap()
        .timestamp()
}

fn op(uid: u32, nama: &str, role: Role) -> Operator {
    Operator {
        uid,
        username: format!("op{uid}"),
        nama: nama.into(),
        nip: String::new(),
        jabatan: String::new(),
        role,
        kualifikasi: Default::default(),
        disabled: false,
    }
}

fn sample() -> (Entry, Vec<Disposisi>) {
    let mut e = Entry::new_scan(
        12,
        wita("2026-11-20T08:05"),
        Attachment {
            sha256: String::new(),
            name: "scan-0012.pdf".into(),
            mime: "application/pdf".into(),
            size: 1,
            pages: Some(2),
            encrypted_at_rest: false,
            jenis: Default::default(),
        },
    );
    e.status = Status::Didisposisi;
    e.tahun = Some(2026);
    e.nomor_agenda = Some(37);
    e.registered_at = Some(wita("2026-11-20T08:30"));
    e.nomor_surat = "005/1234/Dinkes/XI/2026".into();
    e.tanggal_surat = Some(jiff::civil::date(2026, 11, 18));
    e.asal = "Dinas Kesehatan Kabupaten Jembrana".into();
    e.tujuan = "Kepala Dinas Komunikasi dan Informatika".into();
    e.perihal = "Permohonan pengiriman berita rahasia hasil rapat koordinasi penanganan kejadian luar biasa melalui persandian".into();
    e.klasifikasi = Some(Klasifikasi::Rahasia);
    e.derajat = Some("Segera".into());
    let kadis = op(2001, "Dr. I Made Wirawan, M.Si", Role::Kadis);
    let kabid = op(2002, "Ni Luh Putu Ayu, S.Kom", Role::Kabid);
    let kasi = op(2003, "I Ketut Arsa, S.T.", Role::Kasi);
    let sandiman = op(2004, "Ni Made Sari", Role::Sandiman);
    let pelaksana = op(2005, "Ketut Ñoman Śrī (Жанна)", Role::Sandiman);
    let batas = wita("2026-11-22T09:00");
    let mut d1 = Disposisi::issue(
        1,
        12,
        None,
        &kadis,
        &kabid,
        vec!["Untuk ditindaklanjuti".into(), "Koordinasikan".into()],
        "Segera kirim melalui persandian ke Dinkes Provinsi",
        batas,
        wita("2026-11-20T09:00"),
    );
    let mut d2 = Disposisi::issue(
        2,
        12,
        Some(1),
        &kabid,
        &kasi,
        vec!["Untuk ditindaklanjuti".into()],
        "",
        batas,
        wita("2026-11-20T10:15"),
    );
    let mut d3 = Disposisi::issue(
        3,
        12,
        Some(2),
        &kasi,
        &sandiman,
        vec!["Siapkan bahan".into()],
        "Gunakan kunci periode November",
        batas,
        wita("2026-11-20T11:00"),
    );
    d1.mark_read(wita("2026-11-20T10:10"), &kabid).unwrap();
    d1.forwarded(wita("2026-11-20T10:15"), &kabid, &[2], "")
        .unwrap();
    d2.mark_read(wita("2026-11-20T10:50"), &kasi).unwrap();
    d2.forwarded(wita("2026-11-20T11:00"), &kasi, &[3], "")
        .unwrap();
    let mut d4 = Disposisi::issue(
        4,
        12,
        Some(3),
        &sandiman,
        &pelaksana,
        vec!["Untuk ditindaklanjuti".into(), "Arsipkan".into()],
        "Kirim via JKS → Dinkes Provinsi ✓ lalu arsipkan",
        batas,
        wita("2026-11-20T11:30"),
    );
    d3.mark_read(wita("2026-11-20T11:20"), &sandiman).unwrap();
    d3.forwarded(wita("2026-11-20T11:30"), &sandiman, &[4], "")
        .unwrap();
    d4.finish(
        wita("2026-11-20T14:20"),
        &pelaksana,
        "Kriptogram nomor 41/KK/2026 terkirim",
    )
    .unwrap();
    (e, vec![d3, d1, d4, d2])
}

fn kop() -> KopSurat {
    KopSurat {
        pemerintah: "PEMERINTAH KABUPATEN JEMBRANA".into(),
        dinas: "DINAS KOMUNIKASI DAN INFORMATIKA".into(),
        alamat: "Jalan Surapati Nomor 1 (0365) 41210 Negara".into(),
        kontak: String::new(),
        tempat: "Negara".into(),
    }
}

#[test]
fn four_level_disposisi_is_one_a5_page_matching_the_reviewed_snapshots() {
    let (e, chain) = sample();
    let tz = TimeZone::get("Asia/Makassar").unwrap();
    let d = lembar_disposisi(
        &kop(),
        &e,
        &chain,
        &DisposisiRules::default().instruksi,
        &tz,
    );
    let bytes = kasa::doc::pdf::render(&d).unwrap();
    assert_eq!(pdf::pages(&bytes), 1, "a four-level chain fits one A5 page");
    let (w, h) = pdf::page_size(&bytes);
    assert!(
        (w - 419.5).abs() < 1.0 && (h - 595.3).abs() < 1.0,
        "A5: {w} x {h}"
    );
    let text = pdf::text(&bytes);
    for who in [
        "Dr. I Made Wirawan, M.Si",
        "Ni Luh Putu Ayu, S.Kom",
        "I Ketut Arsa, S.T.",
        "Ni Made Sari",
        "Ketut Ñoman Śrī",
        "(Жанна)",
        "☑ Untuk ditindaklanjuti",
        "☐ Untuk dijawab",
        "JKS → Dinkes Provinsi ✓",
        "PEMERINTAH KABUPATEN JEMBRANA",
    ] {
        assert!(text.contains(who), "{who} missing from:\n{text}");
    }
    insta::assert_snapshot!("lembar_disposisi_a5_pdftotext", text);
    pdf::assert_png("lembar_disposisi_a5", &bytes, 1);
    insta::assert_snapshot!(
        "lembar_disposisi_a5_markdown",
        kasa::doc::markdown::render(&d)
    );
}
