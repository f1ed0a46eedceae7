//! The documents of issue 20 rendered through the real PDF layer and read back with poppler:
//! berita acara, tanda terima, buku agenda, resi, and the Monev Lampiran I–XI of a scripted year,
//! each against reviewed snapshots (extracted text, Markdown, CSV, one rendered page). Pure models
//! with fixed times; the CLI path is covered at the end on a real node.

mod common;
#[path = "common/pdf.rs"]
mod pdf;

use std::os::unix::fs::PermissionsExt;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use kasa::doc::{KopSurat, Penanda};
use kasa::domain::dokumen::*;
use kasa::domain::insiden::{Ctx, Insiden, Keparahan, Ubahan, playbooks};
use kasa::domain::monev::{Hubungan, Monev, MonevData};
use kasa::domain::palsan::{
    JenisPalsan, Kesiapan, Kondisi, Kunci, KunciBaru, Palsan, PalsanBaru, lampiran_iii,
    lampiran_iv, lampiran_v,
};
use kasa::domain::{Attachment, Book, Entry, Klasifikasi, Operator, Role, Status};

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn wita() -> TimeZone {
    TimeZone::get("Asia/Makassar").unwrap()
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

fn entry(id: u64, book: Book, nomor: u64, at: &str) -> Entry {
    let mut e = Entry::new_scan(
        id,
        t(at),
        Attachment {
            sha256: "ab".repeat(32),
            name: format!("scan-{id}.pdf"),
            mime: "application/pdf".into(),
            size: 1,
            pages: Some(1),
            encrypted_at_rest: false,
            jenis: Default::default(),
        },
    );
    e.book = book;
    e.status = Status::Teragenda;
    e.tahun = Some(2026);
    e.nomor_agenda = Some(nomor);
    e.registered_at = Some(t(at));
    e
}

fn check(name: &str, d: &kasa::doc::Dokumen, must: &[&str]) -> Vec<u8> {
    let bytes = kasa::doc::pdf::render(d).unwrap();
    let text = pdf::text(&bytes);
    for m in must {
        assert!(text.contains(m), "{name}: '{m}' missing from:\n{text}");
    }
    insta::assert_snapshot!(format!("{name}_pdftotext"), text);
    insta::assert_snapshot!(format!("{name}_markdown"), kasa::doc::markdown::render(d));
    pdf::assert_png(name, &bytes, 1);
    bytes
}

#[test]
fn berita_acara_serah_terima_on_f4_with_both_signatures() {
    let ba = BeritaAcara {
        jenis: JenisBeritaAcara::SerahTerima,
        nomor: "027/BA-ST/Kominfo/2026".into(),
        tanggal: jiff::civil::date(2026, 11, 23),
        tempat: "Kamar Sandi Diskominfo".into(),
        pihak: vec![
            Penanda {
                atas: String::new(),
                jabatan: "Sandiman Ahli Pertama".into(),
                nama: "Ni Made Sari".into(),
                nip: "19900101 201501 2 001".into(),
            },
            Penanda {
                atas: String::new(),
                jabatan: "Teknisi BSSN".into(),
                nama: "Gede Ñyoman Prasetya".into(),
                nip: String::new(),
            },
        ],
        barang: vec![BarangBa {
            nama: "Secure X (Peralatan sandi)".into(),
            identitas: "SX-0042".into(),
            jumlah: "1".into(),
            keterangan: "kondisi Rusak ringan, Tidak siap — dibawa untuk perbaikan (SOP 000)"
                .into(),
        }],
        uraian: "Barang diserahkan dalam kotak tersegel ✓ beserta SPPD.".into(),
    };
    let d = berita_acara(&kop(), &ba);
    let bytes = check(
        "ba_serah_terima",
        &d,
        &[
            "BERITA ACARA SERAH TERIMA PERALATAN",
            "Senin, tanggal 23 November 2026",
            "PIHAK PERTAMA",
            "PIHAK KEDUA",
            "Gede Ñyoman Prasetya",
            "SX-0042",
            "✓",
        ],
    );
    let (w, h) = pdf::page_size(&bytes);
    assert!(
        (w - 609.4).abs() < 1.0 && (h - 935.4).abs() < 1.0,
        "F4: {w} x {h}"
    );
}

#[test]
fn berita_acara_pemusnahan_kunci_marks_unknown_number_as_blank() {
    let ba = BeritaAcara {
        jenis: JenisBeritaAcara::PemusnahanKunci,
        nomor: String::new(),
        tanggal: jiff::civil::date(2026, 12, 31),
        tempat: String::new(),
        pihak: vec![
            Penanda {
                jabatan: "Kepala Seksi Persandian".into(),
                nama: "I Ketut Arsa, S.T.".into(),
                ..Penanda::default()
            },
            Penanda::default(),
        ],
        barang: vec![BarangBa {
            nama: "Kunci Sissan Secure Y".into(),
            identitas: "KY-2025-11".into(),
            jumlah: "1".into(),
            keterangan: "berlaku 2025-01-01 s.d. 2025-12-31".into(),
        }],
        uraian: String::new(),
    };
    let d = berita_acara(&kop(), &ba);
    let bytes = kasa::doc::pdf::render(&d).unwrap();
    let text = pdf::text(&bytes);
    assert!(text.contains("Nomor: [diisi manual]"), "{text}");
    assert!(text.contains("Kamis, tanggal 31 Desember 2026"), "{text}");
    assert!(text.contains("NIP. .............................."));
    insta::assert_snapshot!("ba_pemusnahan_kunci_pdftotext", text);
}

#[test]
fn tanda_terima_has_a_row_per_recipient() {
    let mut e = entry(31, Book::Masuk, 88, "2026-11-20T00:30:00Z");
    e.nomor_surat = "005/77/Setda/2026".into();
    e.asal = "Sekretariat Daerah Provinsi Bali".into();
    e.perihal = "Undangan rapat koordinasi persandian".into();
    e.klasifikasi = Some(Klasifikasi::Biasa);
    let d = tanda_terima(
        &kop(),
        &e,
        &[
            "Bagian Umum Setda".into(),
            "Dinas Kesehatan".into(),
            "Bappeda — Bidang Litbang".into(),
        ],
        &wita(),
    );
    check(
        "tanda_terima",
        &d,
        &[
            "TANDA TERIMA",
            "88/2026 (masuk)",
            "Bappeda — Bidang Litbang",
            "Paraf",
        ],
    );
}

#[test]
fn buku_agenda_of_a_period_in_the_paper_columns() {
    let mut v = Vec::new();
    for n in 1..=45u64 {
        let at = format!("2026-11-{:02}T0{}:15:00Z", 1 + (n % 28), n % 9);
        let mut e = entry(100 + n, Book::Masuk, n, &at);
        e.nomor_surat = format!("{n:03}/Dinkes/XI/2026");
        e.asal = if n % 3 == 0 {
            "Dinas Kesehatan Provinsi Bali".into()
        } else {
            "BSSN — Direktorat Persandian Pemerintah Daerah".into()
        };
        e.perihal = format!("Berita nomor {n} tentang koordinasi pengamanan informasi");
        e.klasifikasi = Some(if n % 5 == 0 {
            Klasifikasi::Rahasia
        } else {
            Klasifikasi::Biasa
        });
        e.derajat = Some("Segera".into());
        e.saluran = if n % 2 == 0 {
            "Email Sanapati"
        } else {
            "Faksimili"
        }
        .into();
        v.push(e);
    }
    let d = buku_agenda(
        &kop(),
        "Berita Masuk",
        false,
        "1 November 2026 s.d. 30 November 2026",
        &v,
        &wita(),
    );
    let bytes = check(
        "buku_agenda",
        &d,
        &["BUKU AGENDA BERITA MASUK", "Perihal", "45/2026", "Sanapati"],
    );
    let n = pdf::pages(&bytes);
    assert!(n >= 2);
    for p in 2..=n {
        assert!(
            pdf::page_text(&bytes, p).contains("Perihal"),
            "header repeated on page {p}"
        );
    }
}

#[test]
fn resi_of_a_sent_kriptogram_on_a5() {
    let mut e = entry(52, Book::KriptogramKeluar, 9, "2026-11-21T02:00:00Z");
    e.nomor_surat = "41/KK/2026".into();
    e.perihal = "Hasil rapat koordinasi KLB".into();
    e.klasifikasi = Some(Klasifikasi::Rahasia);
    e.saluran = "Jaring Komunikasi Sandi".into();
    e.sent_at = Some(t("2026-11-21T02:05:00Z"));
    e.tujuan = "Diskominfos Provinsi Bali (5100)".into();
    let r = Resi {
        msg_id: String::new(),
        sha256: "cd".repeat(32),
        pengirim: "DINAS KOMUNIKASI DAN INFORMATIKA".into(),
        penerima: e.tujuan.clone(),
        diterima_at: None,
        tanda_terima: vec![],
    };
    let p = Penanda {
        atas: "Sandiman pengirim".into(),
        jabatan: "Sandiman Ahli Pertama".into(),
        nama: "Ni Made Sari".into(),
        nip: "19900101 201501 2 001".into(),
    };
    let d = resi_kriptogram(&kop(), &e, &r, &p, &wita());
    let bytes = check(
        "resi_kriptogram",
        &d,
        &[
            "RESI PENGIRIMAN KRIPTOGRAM",
            "41/KK/2026",
            "21-11-2026 10:05 WITA",
            "[diisi manual]",
        ],
    );
    assert_eq!(pdf::pages(&bytes), 1);
}

// ------------------------------------------------------------------------------------ Monev

fn op(uid: u32, nama: &str, role: Role, jabatan: &str, ahli: bool) -> Operator {
    Operator {
        uid,
        username: format!("op{uid}"),
        nama: nama.into(),
        nip: String::new(),
        jabatan: jabatan.into(),
        role,
        kualifikasi: if ahli {
            kasa::domain::Kualifikasi::TingkatI
        } else {
            kasa::domain::Kualifikasi::Tanpa
        },
        disabled: false,
    }
}

fn barang(id: u64, jenis: JenisPalsan, nama: &str, kondisi: Kondisi, kesiapan: Kesiapan) -> Palsan {
    let f = PalsanBaru {
        jenis,
        nama: nama.into(),
        nomor_seri: format!("SN-{id}"),
        sumber: "BSSN".into(),
        lokasi: "Kamar sandi".into(),
        pemegang: "Ni Made Sari".into(),
        kondisi,
        kesiapan,
        catatan: String::new(),
    };
    Palsan::new(id, &f, t("2026-01-05T01:00:00Z"), "Ni Made Sari").unwrap()
}

/// The scripted year 2026 of a small office.
fn tahun_2026() -> MonevData {
    let operator = vec![
        op(1, "Dr. I Made Wirawan", Role::Kadis, "Kepala Dinas", false),
        op(2, "Ni Luh Putu Ayu", Role::Kabid, "Kepala Bidang", false),
        op(
            3,
            "I Ketut Arsa",
            Role::Kasi,
            "Kepala Seksi Persandian",
            true,
        ),
        op(
            4,
            "Ni Made Sari",
            Role::Sandiman,
            "Sandiman Ahli Pertama",
            true,
        ),
        op(
            5,
            "Komang Adi",
            Role::Sandiman,
            "Pengelola Teknologi Informasi",
            false,
        ),
        op(6, "root", Role::Admin, "", false),
    ];
    let mut entri = Vec::new();
    let mut id = 1;
    for (book, saluran, klas, n) in [
        (Book::Masuk, "Email Sanapati", Some(Klasifikasi::Biasa), 7),
        (Book::Masuk, "Email Sanapati", Some(Klasifikasi::Rahasia), 2),
        (Book::Masuk, "Faksimili", Some(Klasifikasi::Biasa), 4),
        (Book::Masuk, "Faksimili", None, 1),
        (
            Book::KriptogramMasuk,
            "Jaring Komunikasi Sandi",
            Some(Klasifikasi::SangatRahasia),
            1,
        ),
        (
            Book::Keluar,
            "Email Sanapati",
            Some(Klasifikasi::Terbatas),
            3,
        ),
        (
            Book::KriptogramKeluar,
            "Jaring Komunikasi Sandi",
            Some(Klasifikasi::Rahasia),
            2,
        ),
    ] {
        for k in 0..n {
            let mut e = entry(
                id,
                book,
                id,
                &format!("2026-0{}-1{k}T02:00:00Z", 1 + (id % 9)),
            );
            e.saluran = saluran.into();
            e.klasifikasi = klas;
            e.kriptogram = matches!(book, Book::KriptogramMasuk | Book::KriptogramKeluar);
            entri.push(e);
            id += 1;
        }
    }
    // An entry of the previous year and an unregistered scan do not count.
    let mut lama = entry(id, Book::Masuk, 99, "2025-12-30T02:00:00Z");
    lama.tahun = Some(2025);
    lama.saluran = "Faksimili".into();
    entri.push(lama);
    let mut baru = entry(id + 1, Book::Masuk, 1, "2026-06-01T02:00:00Z");
    baru.nomor_agenda = None;
    entri.push(baru);

    let barang = vec![
        barang(
            1,
            JenisPalsan::PeralatanSandi,
            "Secure X",
            Kondisi::Baik,
            Kesiapan::Siap,
        ),
        barang(
            2,
            JenisPalsan::PeralatanSandi,
            "Secure X",
            Kondisi::RusakRingan,
            Kesiapan::TidakSiap,
        ),
        barang(
            3,
            JenisPalsan::DongleEnkripsi,
            "Dongle BSSN",
            Kondisi::Baik,
            Kesiapan::Siap,
        ),
        barang(
            4,
            JenisPalsan::Jammer,
            "Jammer J1",
            Kondisi::Baik,
            Kesiapan::Siap,
        ),
        barang(
            5,
            JenisPalsan::BackupDisk,
            "Backup 2TB",
            Kondisi::RusakRingan,
            Kesiapan::TidakSiap,
        ),
        barang(
            6,
            JenisPalsan::SaranaKasa,
            "Brankas",
            Kondisi::Baik,
            Kesiapan::Siap,
        ),
        barang(
            7,
            JenisPalsan::SaranaKasa,
            "Brankas",
            Kondisi::Baik,
            Kesiapan::Siap,
        ),
    ];
    let kunci: Vec<Kunci> = [
        ("Kunci Sissan Secure X", "KX-1"),
        ("Kunci Sissan Secure X", "KX-2"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (j, s))| {
        Kunci::new(
            i as u64 + 1,
            &KunciBaru {
                jenis: (*j).into(),
                seri: (*s).into(),
                palsan_id: None,
                berlaku_dari: jiff::civil::date(2026, 1, 1),
                berlaku_sampai: jiff::civil::date(2026, 12, 31),
                pemegang: "Ni Made Sari".into(),
                kondisi: Kondisi::Baik,
                catatan: String::new(),
            },
            t("2026-01-05T01:00:00Z"),
            "Ni Made Sari",
        )
        .unwrap()
    })
    .collect();
    let palsan = vec![
        lampiran_iii(&barang),
        lampiran_iv(&kunci, &wita(), t("2026-12-20T00:00:00Z")),
        lampiran_v(&barang),
    ];

    let ctx = |at: &str| Ctx {
        at: t(at),
        oleh: "Ni Made Sari".into(),
        pelaksana: None,
        waktu: None,
        tz: jiff::tz::TimeZone::get("Asia/Makassar").unwrap(),
    };
    let pb = playbooks();
    let mut a = Insiden::buka(
        1,
        "Phishing ke akun Email Sanapati",
        &ctx("2026-03-02T01:00:00Z"),
        &pb,
    )
    .unwrap();
    a.ubah(
        Ubahan::Keparahan(Keparahan::Tinggi),
        &ctx("2026-03-02T01:02:00Z"),
    )
    .unwrap();
    a.centang("U1", &ctx("2026-03-02T01:03:00Z")).unwrap();
    a.centang("U2", &ctx("2026-03-02T01:20:00Z")).unwrap();
    a.tutup(
        "Kata sandi diganti; pelatihan phishing",
        &ctx("2026-03-02T04:30:00Z"),
    )
    .unwrap();
    let b = Insiden::buka(2, "Server web lambat", &ctx("2026-10-10T03:00:00Z"), &pb).unwrap();
    let lalu = Insiden::buka(3, "Insiden tahun lalu", &ctx("2025-06-01T03:00:00Z"), &pb).unwrap();

    MonevData {
        cadangan: vec![],
        tahun: 2026,
        zone: wita(),
        instansi: "Dinas Komunikasi dan Informatika Kabupaten Jembrana".into(),
        operator,
        entri,
        palsan,
        barang,
        insiden: vec![a, b, lalu],
        hubungan: vec![
            Hubungan {
                node_id: "5100".into(),
                nama: "Diskominfos Provinsi Bali".into(),
                relasi: "provinsi".into(),
                saluran: "JKS".into(),
                terverifikasi: true,
            },
            Hubungan {
                node_id: "5101-01".into(),
                nama: "Dinas Kesehatan Kab. Jembrana".into(),
                relasi: "opd".into(),
                saluran: "JKS".into(),
                terverifikasi: false,
            },
        ],
    }
}

#[test]
fn monev_of_a_scripted_year_matches_the_reviewed_snapshots() {
    let m = Monev::susun(&tahun_2026());
    assert_eq!(
        m.lampiran
            .iter()
            .map(|l| l.nomor.as_str())
            .collect::<Vec<_>>(),
        [
            "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI"
        ]
    );
    let d = m.dokumen(&kop());
    let bytes = kasa::doc::pdf::render(&d).unwrap();
    let text = pdf::text(&bytes);
    for l in [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI",
    ] {
        assert!(
            text.contains(&format!("LAMPIRAN {l} - ")),
            "Lampiran {l} missing"
        );
    }
    insta::assert_snapshot!("monev_2026_pdftotext", text);
    insta::assert_snapshot!("monev_2026_markdown", kasa::doc::markdown::render(&d));
    let csv = m.csv();
    let all: String = csv.iter().map(|(n, b)| format!("== {n}\n{b}")).collect();
    insta::assert_snapshot!("monev_2026_csv", all);
    pdf::assert_png("monev_2026_p1", &bytes, 1);

    // Lampiran V counts jammer and countersurveillance only: the backup disk and the brankas are
    // sarana kerja (Lampiran XI).
    let v = &csv.iter().find(|(n, _)| n == "lampiran-V.csv").unwrap().1;
    assert!(v.contains("1,Jammer,1,1,0,1,0"), "{v}");
    assert!(v.contains("2,Countersurveillance,0,0,0,0,0"), "{v}");
    assert!(
        !v.to_lowercase().contains("backup") && !v.contains("Brankas"),
        "{v}"
    );
    assert!(v.contains(",Jumlah total,1,1,0,1,0"), "{v}");
    let xi = &csv.iter().find(|(n, _)| n == "lampiran-XI.csv").unwrap().1;
    assert!(
        xi.contains("Backup disk — Backup 2TB,1,\"0 Baik, 1 Rusak (1 tidak siap)\""),
        "{xi}"
    );
    assert!(
        xi.contains("Sarana kamar sandi — Brankas,2,\"2 Baik, 0 Rusak\""),
        "{xi}"
    );
    // Berita of 2026 only, registered only: 20 of the 22 entries.
    let vii = &csv.iter().find(|(n, _)| n == "lampiran-VII.csv").unwrap().1;
    assert!(vii.lines().last().unwrap().ends_with(",20"), "{vii}");
    // What kasa cannot know is a marked blank.
    for l in ["lampiran-I-1.csv", "lampiran-VI.csv"] {
        let b = &csv.iter().find(|(n, _)| n == l).unwrap().1;
        assert!(b.contains("[diisi manual]"), "{l}: {b}");
    }
}

// --------------------------------------------------------------------------- CLI, real node

#[test]
fn cli_writes_every_document_0600_and_never_overwrites() {
    let n = common::TestNode::start_with(|t| {
        let mut k = toml::Table::new();
        k.insert("pemerintah".into(), "PEMERINTAH KABUPATEN JEMBRANA".into());
        k.insert("dinas".into(), "DINAS KOMUNIKASI DAN INFORMATIKA".into());
        k.insert(
            "alamat".into(),
            "Jalan Surapati Nomor 1 (0365) 41210 Negara".into(),
        );
        k.insert("tempat".into(), "Negara".into());
        t.insert("kop".into(), toml::Value::Table(k));
    });
    for (jenis, nama) in [("jammer", "Jammer J1"), ("backup_disk", "Backup 2TB")] {
        n.kasa_ok(&[
            "palsan", "item", "add", "--jenis", jenis, "--nama", nama, "--json",
        ]);
    }
    let tahun = kasa::clock::now()
        .to_zoned(TimeZone::get("Asia/Jakarta").unwrap())
        .year()
        .to_string();
    let out = n.scratch().join("laporan");
    let v: serde_json::Value = serde_json::from_str(&n.kasa_ok(&[
        "laporan",
        "monev",
        "--tahun",
        &tahun,
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]))
    .unwrap();
    let files: Vec<String> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    assert!(files.len() > 11, "{files:?}");
    for f in &files {
        let m = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
        assert_eq!(m, 0o600, "{f}");
    }
    let pdf_bytes = std::fs::read(out.join(format!("monev-{tahun}.pdf"))).unwrap();
    let text = pdf::text(&pdf_bytes);
    assert!(
        text.contains("PEMERINTAH KABUPATEN JEMBRANA"),
        "kop from node.toml"
    );
    let v_csv = std::fs::read_to_string(out.join(format!("monev-{tahun}-lampiran-V.csv"))).unwrap();
    assert!(v_csv.contains(",Jumlah total,1,"), "{v_csv}");
    // Second run into the same folder: refused, nothing overwritten.
    let o = n.kasa(&[
        "laporan",
        "monev",
        "--tahun",
        &tahun,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("sudah ada"));
    assert_eq!(
        std::fs::read(out.join(format!("monev-{tahun}.pdf"))).unwrap(),
        pdf_bytes
    );
    // The restore berita acara comes with the restore itself: the refusal says which command.
    let o = n.kasa(&["laporan", "berita-acara", "restore", "--id", "1"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("kasa backup restore"));
    // Serah terima of the jammer.
    let ba = n.scratch().join("ba");
    n.kasa_ok(&[
        "laporan",
        "berita-acara",
        "serah-terima",
        "--id",
        "1",
        "--kepada",
        "Gede Teknisi",
        "--tanggal",
        "2026-11-23",
        "--out",
        ba.to_str().unwrap(),
    ]);
    let pdfs: Vec<_> = std::fs::read_dir(&ba)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    assert_eq!(pdfs.len(), 1);
    let t = pdf::text(&std::fs::read(&pdfs[0]).unwrap());
    assert!(t.contains("Jammer J1") && t.contains("Gede Teknisi"), "{t}");
}

/// The restore berita acara of PI.01 V.8, as `kasa backup restore` writes it next to the restored
/// data: through the document layer with the kop surat and the three signers.
#[test]
fn berita_acara_restore_with_pemohon_pelaksana_pimpinan() {
    use kasa::domain::backup::{
        FaktaRestore, Himpunan, PihakRestore, SetStat, berita_acara_restore,
    };
    let f = FaktaRestore {
        node_id: "5101".into(),
        from_dir: "/media/brankas/kasa-backup".into(),
        to_dir: "/var/lib/kasa-baru".into(),
        manifest_no: 12,
        manifest_created_at: Some(t("2026-11-20T18:00:00Z")),
        audit_seq: 4821,
        audit_hash: "ab".repeat(32),
        entries: 1377,
        blobs: 1204,
        files: 3,
        bytes: 734_003_200,
        himpunan: vec![
            SetStat {
                himpunan: Some(Himpunan::TerimaBiasa),
                entries: 1100,
                blobs: 1000,
                ..Default::default()
            },
            SetStat {
                himpunan: Some(Himpunan::TerimaDikecualikan),
                entries: 277,
                blobs: 204,
                ..Default::default()
            },
        ],
        at: Some(t("2026-11-23T02:30:00Z")),
    };
    let p = PihakRestore {
        pemohon: "Kepala Bidang Persandian".into(),
        pelaksana: "Ni Made Sari".into(),
        pimpinan: "I Gede Ñyoman Wirawan".into(),
        alasan: "penggantian perangkat keras server".into(),
    };
    let d = berita_acara_restore(&f, &p, &wita()).dokumen(Some(kop()));
    check(
        "ba_restore",
        &d,
        &[
            "BERITA ACARA PELAKSANAAN RESTORE",
            "PEMERINTAH KABUPATEN JEMBRANA",
            "penggantian perangkat keras server",
            "Pemohon",
            "Pelaksana",
            "Pimpinan",
            "I Gede Ñyoman Wirawan",
            "4821",
        ],
    );
}
