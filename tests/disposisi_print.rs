//! The printed lembar disposisi of a sample entry (A5 text, reviewed snapshot) and its PDF form.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use kasa::cli::disposisi::{SHEET_COLS, lembar_pdf, lembar_text};
use kasa::domain::disposisi::{Disposisi, DisposisiRules};
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
    d3.finish(
        wita("2026-11-20T14:20"),
        &sandiman,
        "Kriptogram nomor 41/KK/2026 terkirim",
    )
    .unwrap();
    (e, vec![d3, d1, d2])
}

#[test]
fn lembar_disposisi_text_matches_the_reviewed_snapshot() {
    let (e, chain) = sample();
    let rules = DisposisiRules::default();
    let text = lembar_text(
        &e,
        &chain,
        &rules.instruksi,
        "Diskominfo Kabupaten Jembrana",
        "WITA",
    );
    for l in text.lines() {
        assert!(l.chars().count() <= SHEET_COLS, "line wider than A5: {l:?}");
        assert!(l.is_ascii(), "{l:?}");
    }
    insta::assert_snapshot!("lembar_disposisi_a5", text);
}

#[test]
fn lembar_disposisi_pdf_is_one_a5_page_with_the_text() {
    let (e, chain) = sample();
    let text = lembar_text(
        &e,
        &chain,
        &DisposisiRules::default().instruksi,
        "Diskominfo Kabupaten Jembrana",
        "WITA",
    );
    let pdf = lembar_pdf(&text).unwrap();
    assert!(pdf.starts_with(b"%PDF-1.5"));
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let pages = doc.get_pages();
    assert_eq!(pages.len(), 1);
    let pid = *pages.values().next().unwrap();
    let content = doc.get_page_content(pid);
    let s = String::from_utf8_lossy(&content);
    assert!(
        s.contains("LEMBAR DISPOSISI") && s.contains("Ni Made Sari"),
        "{s}"
    );
    let root = doc.catalog().unwrap();
    let pages_dict = doc
        .get_dictionary(root.get(b"Pages").unwrap().as_reference().unwrap())
        .unwrap();
    let mb: Vec<i64> = pages_dict
        .get(b"MediaBox")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_i64().unwrap())
        .collect();
    assert_eq!(mb, [0, 0, 420, 595], "A5 portrait in points");
}
