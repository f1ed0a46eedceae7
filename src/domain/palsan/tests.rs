//! Domain tests with an injected clock (no sleeps, no I/O).

use super::*;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn tz() -> TimeZone {
    TimeZone::get("Asia/Makassar").unwrap()
}

/// The node calendar of the tests: WITA, default jam kerja 07:30–16:00, no holidays.
fn cal() -> WorkCalendar {
    WorkCalendar::new("Asia/Makassar", []).unwrap()
}

/// A case opened (step 1) at `at` for damage found then, by the operator `op`.
fn buka(id: u64, palsan_id: u64, kerusakan: &str, at: Timestamp) -> Result<Perbaikan, DomainError> {
    Perbaikan::buka(
        id,
        palsan_id,
        &LaporanKerusakan {
            kerusakan: kerusakan.into(),
            dilaporkan_at: Some(at),
            ..Default::default()
        },
        at,
        &tz(),
        "op",
    )
}

fn baru(jenis: JenisPalsan, nama: &str) -> PalsanBaru {
    PalsanBaru {
        jenis,
        nama: nama.into(),
        nomor_seri: "SN-1".into(),
        sumber: "BSSN".into(),
        lokasi: "Kamar sandi".into(),
        pemegang: "Sandiman A".into(),
        kondisi: Kondisi::Baik,
        kesiapan: Kesiapan::Siap,
        catatan: String::new(),
    }
}

fn item() -> Palsan {
    Palsan::new(
        1,
        &baru(JenisPalsan::PeralatanSandi, "Secure X"),
        t("2026-01-05T01:00:00Z"),
        "admin",
    )
    .unwrap()
}

fn step(l: LangkahPerbaikan, at: &str, oleh: &str, dok: &str) -> LangkahInput {
    LangkahInput {
        langkah: l,
        oleh: oleh.into(),
        dokumen: dok.into(),
        catatan: String::new(),
        penilaian: None,
        at: Some(t(at)),
    }
}

#[test]
fn checkout_twice_and_checkin_not_out_are_refused() {
    let mut p = item();
    let at = t("2026-01-06T01:00:00Z");
    p.checkout("Budi", None, "", at, "admin").unwrap();
    let e = p.checkout("Sari", None, "", at, "admin").unwrap_err();
    assert!(e.0.contains("sedang dipinjam Budi"), "{e}");
    p.checkin(Kondisi::RusakRingan, "layar retak", at, "admin")
        .unwrap();
    assert_eq!(p.kesiapan, Kesiapan::TidakSiap);
    let e = p.checkin(Kondisi::Baik, "", at, "admin").unwrap_err();
    assert!(e.0.contains("tidak sedang dipinjam"), "{e}");
    assert_eq!(
        p.riwayat
            .iter()
            .map(|r| r.aksi.as_str())
            .collect::<Vec<_>>(),
        ["ditambahkan", "dipinjam", "dikembalikan"]
    );
}

#[test]
fn disposed_item_is_read_only_and_disposal_needs_two_witnesses() {
    let mut p = item();
    let at = t("2026-02-01T01:00:00Z");
    let e = p
        .hapus(
            "BA/01/2026",
            &["Saksi 1".into()],
            "rusak berat",
            at,
            "admin",
        )
        .unwrap_err();
    assert!(e.0.contains("2 saksi"), "{e}");
    assert!(
        p.hapus("", &["a".into(), "b".into()], "", at, "admin")
            .is_err()
    );
    p.hapus(
        "BA/01/2026",
        &["Saksi 1".into(), "Saksi 2".into()],
        "rusak berat",
        at,
        "admin",
    )
    .unwrap();
    let n = p.riwayat.len();
    let e = p
        .ubah(
            &PalsanUbah {
                lokasi: Some("Gudang".into()),
                ..Default::default()
            },
            at,
            "admin",
        )
        .unwrap_err();
    assert!(e.0.contains("hanya dapat dibaca"), "{e}");
    assert!(p.checkout("Budi", None, "", at, "admin").is_err());
    assert!(
        p.hapus("BA/2", &["a".into(), "b".into()], "", at, "admin")
            .is_err()
    );
    assert_eq!(p.riwayat.len(), n, "history unchanged after refusals");
}

#[test]
fn key_values_are_refused_in_free_text() {
    let mut f = baru(JenisPalsan::DongleEnkripsi, "Dongle");
    f.catatan = "kunci 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into();
    let e = Palsan::new(1, &f, t("2026-01-01T00:00:00Z"), "a").unwrap_err();
    assert!(e.0.contains("metadata"), "{e}");
}

#[test]
fn full_repair_case_with_sla_and_readiness() {
    let mut p = item();
    let found = t("2026-03-02T00:50:00Z");
    let opened = t("2026-03-02T01:00:00Z"); // 10 min after found: within 15 min
    let mut c = Perbaikan::buka(
        7,
        1,
        &LaporanKerusakan {
            kerusakan: "tidak bisa enkripsi".into(),
            pelapor: "Sandiman A".into(),
            ditemukan_at: Some(found),
            dilaporkan_at: Some(opened),
        },
        opened,
        &tz(),
        "op1",
    )
    .unwrap();
    p.buka_perbaikan(&c, Kondisi::RusakRingan, "op1").unwrap();
    assert_eq!(p.kesiapan, Kesiapan::TidakSiap);
    // Step 2 is running, within 15 min at +10 min; past at +16 min.
    let s = c.sla(&cal(), t("2026-03-02T01:10:00Z"));
    assert!(matches!(
        s[0].sla,
        SlaState::TepatWaktu {
            elapsed_s: 600,
            norma_s: 900
        }
    ));
    assert!(matches!(
        s[1].sla,
        SlaState::Berjalan { elapsed_s: 600, .. }
    ));
    assert_eq!(s[2].sla, SlaState::Belum);
    let s = c.sla(&cal(), t("2026-03-02T01:15:00Z"));
    assert!(
        matches!(s[1].sla, SlaState::Berjalan { elapsed_s: 900, .. }),
        "boundary is on time"
    );
    let s = c.sla(&cal(), t("2026-03-02T01:15:01Z"));
    assert!(matches!(s[1].sla, SlaState::Lewat { .. }));

    use LangkahPerbaikan as L;
    let plan: [(L, &str, &str, &str); 13] = [
        (L::NotaDinas, "2026-03-02T01:14:00Z", "Kasi", "ND/1/2026"),
        (L::Disposisi, "2026-03-02T01:20:00Z", "Kabid", "DISP/3"),
        (
            L::SuratBssn,
            "2026-03-02T03:30:00Z",
            "Kasi",
            "SURAT/BSSN/1; ST/2; SPPD/3",
        ), // 2h10 > 2h: late
        (L::DraftKeKabid, "2026-03-02T03:40:00Z", "Kasi", ""),
        (L::TtdKabid, "2026-03-02T03:44:00Z", "Kabid", ""),
        (L::TtdKadis, "2026-03-03T02:00:00Z", "Kadis", "NPKND/9"),
        (L::TtdSekda, "2026-03-05T02:00:00Z", "Sekda", ""),
        (L::SuratDiserahkan, "2026-03-05T02:05:00Z", "Kasi", ""),
        (L::DibawaKeBssn, "2026-03-06T01:00:00Z", "Sandiman B", ""),
        (L::Dinilai, "2026-03-06T01:30:00Z", "Petugas BSSN", ""),
        (L::Diperbaiki, "2026-03-06T20:00:00Z", "Petugas BSSN", ""),
        (
            L::SerahTerima,
            "2026-03-06T20:10:00Z",
            "Petugas BSSN",
            "BA/ST/44",
        ),
        (L::Kembali, "2026-03-07T08:00:00Z", "Sandiman B", ""),
    ];
    for (l, at, oleh, dok) in plan {
        // While open, the SLA of the next step is visible and the item is not ready.
        assert_eq!(c.berikutnya(), Some(l));
        assert_eq!(p.kesiapan, Kesiapan::TidakSiap);
        let mut inp = step(l, at, oleh, dok);
        if l == L::Dinilai {
            inp.penilaian = Some(Kondisi::RusakBerat);
        }
        let rec = c.catat(&inp, t(at), &tz(), "op2").unwrap().clone();
        p.ikuti_langkah(&c, &rec, "op2").unwrap();
        if l == L::Dinilai {
            assert_eq!(p.kondisi, Kondisi::RusakBerat);
        }
    }
    assert!(!c.terbuka());
    assert_eq!(c.berikutnya(), None);
    assert_eq!(p.kesiapan, Kesiapan::Siap);
    assert_eq!(p.kondisi, Kondisi::Baik);
    assert_eq!(p.perbaikan, None);
    let s = c.sla(&cal(), t("2026-04-01T00:00:00Z"));
    assert!(matches!(
        s[3].sla,
        SlaState::Terlambat {
            elapsed_s: 7800,
            norma_s: 7200
        }
    ));
    assert!(
        matches!(s[6].sla, SlaState::Selesai { .. }),
        "Kadis: no norm"
    );
    assert!(
        matches!(s[7].sla, SlaState::Selesai { elapsed_s: 172800 }),
        "Sekda: elapsed only"
    );
    assert!(matches!(s[13].sla, SlaState::TepatWaktu { .. }));
    assert_eq!(c.langkah[9].oleh, "Sandiman B");
    assert_eq!(c.langkah[0].dicatat_oleh, "op1");
    assert_eq!(c.langkah[12].dokumen, "BA/ST/44");
    let e = c.catat(
        &step(L::Kembali, "2026-03-07T09:00:00Z", "", ""),
        t("2026-03-08T00:00:00Z"),
        &tz(),
        "x",
    );
    assert!(e.unwrap_err().0.contains("sudah selesai"));
}

#[test]
fn repair_steps_refuse_wrong_order_missing_documents_and_backdating() {
    let mut c = buka(1, 1, "mati", t("2026-03-02T01:00:00Z")).unwrap();
    let now = t("2026-03-02T02:00:00Z");
    let e = c
        .catat(
            &step(
                LangkahPerbaikan::SuratBssn,
                "2026-03-02T01:30:00Z",
                "",
                "S/1",
            ),
            now,
            &tz(),
            "op",
        )
        .unwrap_err();
    assert!(e.0.contains("langkah berikutnya kasus 1 adalah 2"), "{e}");
    let e = c
        .catat(
            &step(LangkahPerbaikan::NotaDinas, "2026-03-02T01:30:00Z", "", ""),
            now,
            &tz(),
            "op",
        )
        .unwrap_err();
    assert!(e.0.contains("--dokumen"), "{e}");
    let e = c
        .catat(
            &step(
                LangkahPerbaikan::NotaDinas,
                "2026-03-02T00:30:00Z",
                "",
                "ND",
            ),
            now,
            &tz(),
            "op",
        )
        .unwrap_err();
    assert!(e.0.contains("sebelum langkah sebelumnya"), "{e}");
    let e = c
        .catat(
            &step(
                LangkahPerbaikan::NotaDinas,
                "2026-03-02T03:30:00Z",
                "",
                "ND",
            ),
            now,
            &tz(),
            "op",
        )
        .unwrap_err();
    assert!(e.0.contains("masa depan"), "{e}");
    assert_eq!(c.langkah.len(), 1);
    // A second case on an item with one open is refused.
    let mut p = item();
    p.buka_perbaikan(&c, Kondisi::RusakBerat, "op").unwrap();
    let c2 = buka(2, 1, "lagi", now).unwrap();
    assert!(p.buka_perbaikan(&c2, Kondisi::RusakBerat, "op").is_err());
    let e = p
        .ubah(
            &PalsanUbah {
                kesiapan: Some(Kesiapan::Siap),
                ..Default::default()
            },
            now,
            "op",
        )
        .unwrap_err();
    assert!(e.0.contains("perbaikan"), "{e}");
}

#[test]
fn key_status_follows_its_lifecycle() {
    let f = KunciBaru {
        jenis: "Kunci Sissan Secure X".into(),
        seri: "ED-12".into(),
        palsan_id: Some(1),
        berlaku_dari: "2026-01-01".parse().unwrap(),
        berlaku_sampai: "2026-06-30".parse().unwrap(),
        pemegang: "Kasi".into(),
        kondisi: Kondisi::Baik,
        catatan: String::new(),
    };
    let at = t("2026-01-01T00:00:00Z");
    let mut k = Kunci::new(1, &f, at, "op").unwrap();
    assert_eq!(k.status, StatusKunci::Diterima);
    let e = k
        .ubah_status(StatusKunci::Dimusnahkan, "BA", at, "op")
        .unwrap_err();
    assert!(
        e.0.contains("berikutnya hanya aktif atau kedaluwarsa"),
        "{e}"
    );
    k.ubah_status(StatusKunci::Aktif, "", at, "op").unwrap();
    k.ubah_status(StatusKunci::Diganti, "diganti ED-13", at, "op")
        .unwrap();
    assert!(
        k.ubah_status(StatusKunci::Dimusnahkan, "", at, "op")
            .is_err()
    );
    k.ubah_status(StatusKunci::Dimusnahkan, "BA/MUS/1", at, "op")
        .unwrap();
    assert!(
        k.ubah_status(StatusKunci::Aktif, "", at, "op")
            .unwrap_err()
            .0
            .contains("sudah dimusnahkan")
    );
    let mut f2 = f.clone();
    f2.berlaku_sampai = "2025-12-31".parse().unwrap();
    assert!(Kunci::new(2, &f2, at, "op").is_err());
}

fn kunci_sampai(sampai: &str) -> Kunci {
    let f = KunciBaru {
        jenis: "Kunci Sissan Secure Y".into(),
        seri: String::new(),
        palsan_id: None,
        berlaku_dari: "2026-01-01".parse().unwrap(),
        berlaku_sampai: sampai.parse().unwrap(),
        pemegang: String::new(),
        kondisi: Kondisi::Baik,
        catatan: String::new(),
    };
    Kunci::new(4, &f, t("2026-01-01T00:00:00Z"), "op").unwrap()
}

fn done_berkala(at: &str) -> Berkala {
    Berkala {
        sanapati_terakhir: Some(t(at)),
        audit_terakhir: Some(t(at)),
    }
}

#[test]
fn key_expiry_reminders_around_the_boundaries() {
    // Valid through 2026-06-30 WITA: ends 2026-07-01T00:00+08 = 2026-06-30T16:00Z; warning 30 days before.
    let k = kunci_sampai("2026-06-30");
    let a = AturanPengingat::default();
    let b = done_berkala("2026-05-01T00:00:00Z");
    let r = |now: &str| pengingat(&[], &[], std::slice::from_ref(&k), &b, &a, &cal(), t(now));
    assert!(r("2026-05-31T15:59:59Z").is_empty());
    let x = r("2026-05-31T16:00:00Z");
    assert_eq!(x.len(), 1);
    assert_eq!(x[0].jenis, JenisPengingat::KunciKedaluwarsa);
    assert!(!x[0].terlambat);
    assert!(!r("2026-06-30T15:59:59Z")[0].terlambat, "last valid second");
    let x = r("2026-06-30T16:00:00Z");
    assert!(x[0].terlambat, "expired at local midnight");
    assert!(x[0].pesan.contains("kedaluwarsa sejak 2026-06-30"));
    let mut k2 = k.clone();
    k2.ubah_status(StatusKunci::Aktif, "", t("2026-01-02T00:00:00Z"), "op")
        .unwrap();
    k2.ubah_status(StatusKunci::Diganti, "", t("2026-01-03T00:00:00Z"), "op")
        .unwrap();
    assert!(pengingat(&[], &[], &[k2], &b, &a, &cal(), t("2026-07-20T00:00:00Z")).is_empty());
}

#[test]
fn email_sanapati_password_every_90_days() {
    let a = AturanPengingat::default();
    let mut b = done_berkala("2026-01-01T00:00:00Z");
    b.audit_terakhir = Some(t("2026-03-01T00:00:00Z"));
    let r = |now: &str, b: &Berkala| {
        pengingat(&[], &[], &[], b, &a, &cal(), t(now))
            .into_iter()
            .filter(|p| p.jenis == JenisPengingat::SandiEmailSanapati)
            .collect::<Vec<_>>()
    };
    // 90 days after 2026-01-01 is 2026-04-01; warn from 2026-03-25.
    assert!(r("2026-03-24T23:59:59Z", &b).is_empty());
    let x = r("2026-03-25T00:00:00Z", &b);
    assert_eq!(x.len(), 1);
    assert!(!x[0].terlambat);
    assert_eq!(x[0].jatuh_tempo, t("2026-04-01T00:00:00Z"));
    assert!(!r("2026-03-31T23:59:59Z", &b)[0].terlambat);
    assert!(r("2026-04-01T00:00:00Z", &b)[0].terlambat);
    // Recording the change clears it.
    b.sanapati_terakhir = Some(t("2026-04-02T00:00:00Z"));
    assert!(r("2026-04-03T00:00:00Z", &b).is_empty());
    // Never recorded: due now.
    let x = r("2026-04-03T00:00:00Z", &Berkala::default());
    assert!(x[0].terlambat && x[0].pesan.contains("belum pernah"));
}

#[test]
fn checkin_audit_and_repair_reminders() {
    let a = AturanPengingat::default();
    let b = done_berkala("2026-03-01T00:00:00Z");
    let mut p = item();
    p.checkout(
        "Budi",
        Some(t("2026-03-10T08:00:00Z")),
        "",
        t("2026-03-09T00:00:00Z"),
        "op",
    )
    .unwrap();
    let c = buka(3, 2, "mati", t("2026-03-10T01:00:00Z")).unwrap();
    let items = [p];
    let cases = [c];
    let r = |now: &str| pengingat(&items, &cases, &[], &b, &a, &cal(), t(now));
    assert!(r("2026-03-09T07:59:59Z").is_empty());
    let x = r("2026-03-09T08:00:00Z");
    assert_eq!(x.len(), 1);
    assert_eq!(x[0].jenis, JenisPengingat::Pengembalian);
    assert!(!x[0].terlambat);
    // Step 2 due 01:15; at 01:15 not yet past, at 01:15:01 past.
    assert_eq!(r("2026-03-10T01:15:00Z").len(), 1);
    let x = r("2026-03-10T08:00:01Z");
    assert_eq!(x.len(), 2);
    assert!(x.iter().all(|p| p.terlambat));
    assert!(
        x.iter()
            .any(|p| p.jenis == JenisPengingat::LangkahPerbaikan && p.pesan.contains("langkah 2"))
    );
    // Audit every 180 days: due 2026-08-28, warning 14 days before.
    let audit = |now: &str| {
        r(now)
            .into_iter()
            .filter(|p| p.jenis == JenisPengingat::AuditPeralatan)
            .count()
    };
    assert_eq!(audit("2026-08-13T23:59:59Z"), 0);
    assert_eq!(audit("2026-08-14T00:00:00Z"), 1);
}

#[test]
fn repair_steps_without_norm_never_remind() {
    let a = AturanPengingat::default();
    let b = done_berkala("2026-03-01T00:00:00Z");
    let mut c = buka(1, 1, "x", t("2026-03-02T00:00:00Z")).unwrap();
    use LangkahPerbaikan as L;
    for (i, (l, d)) in [
        (L::NotaDinas, "ND"),
        (L::Disposisi, "D"),
        (L::SuratBssn, "S"),
        (L::DraftKeKabid, ""),
        (L::TtdKabid, ""),
    ]
    .into_iter()
    .enumerate()
    {
        let at = t("2026-03-02T00:00:00Z")
            .checked_add(SignedDuration::from_mins(i as i64 + 1))
            .unwrap();
        let mut s = step(l, "2026-03-02T00:00:00Z", "", d);
        s.at = Some(at);
        c.catat(&s, at, &tz(), "op").unwrap();
    }
    assert_eq!(c.berikutnya(), Some(L::TtdKadis));
    let later = t("2026-03-20T00:00:00Z");
    let cases = [c];
    assert!(pengingat(&[], &cases, &[], &b, &a, &cal(), later).is_empty());
    assert!(matches!(
        cases[0].sla(&cal(), later)[6].sla,
        SlaState::Menunggu { .. }
    ));
}

#[test]
fn percentages_round_half_up() {
    assert_eq!(persen(0, 0), "0%");
    assert_eq!(persen(1, 1), "100%");
    assert_eq!(persen(2, 3), "67%");
    assert_eq!(persen(1, 8), "13%");
    assert_eq!(persen(1, 3), "33%");
}

#[test]
fn parsing_names_choices() {
    assert_eq!(
        JenisPalsan::parse("Dongle enkripsi").unwrap(),
        JenisPalsan::DongleEnkripsi
    );
    assert!(
        JenisPalsan::parse("radio")
            .unwrap_err()
            .0
            .contains("peralatan_sandi")
    );
    assert_eq!(Kondisi::parse("ringan").unwrap(), Kondisi::RusakRingan);
    assert_eq!(
        LangkahPerbaikan::parse("11").unwrap(),
        LangkahPerbaikan::Dinilai
    );
    assert!(LangkahPerbaikan::parse("15").is_err());
    assert_eq!(LangkahPerbaikan::Kembali.nomor(), 14);
    assert_eq!(LangkahPerbaikan::TtdSekda.mutu_baku(), None);
}

#[test]
fn empty_lampiran_says_so() {
    let tab = lampiran_iv(&[], &tz(), t("2026-01-01T00:00:00Z"));
    let md = tab.to_markdown();
    assert!(
        md.contains("Belum memiliki daftar kunci sistem sandi"),
        "{md}"
    );
    assert!(md.contains("| Persentase | 0% | 0% | 0% |"), "{md}");
    let v = lampiran_v(&[]);
    assert_eq!(
        v.baris.len(),
        2,
        "Jammer and Countersurveillance always listed"
    );
}

#[test]
fn lampiran_v_counts_only_jammer_and_countersurveillance() {
    let mk = |id: u64, j: JenisPalsan, nama: &str| {
        Palsan::new(id, &baru(j, nama), t("2026-01-05T01:00:00Z"), "admin").unwrap()
    };
    let items = vec![
        mk(1, JenisPalsan::Jammer, "Jammer J1"),
        mk(2, JenisPalsan::Countersurveillance, "CS-1"),
        mk(3, JenisPalsan::BackupDisk, "Backup 2TB"),
        mk(4, JenisPalsan::SaranaKasa, "Brankas"),
        mk(5, JenisPalsan::ApuLain, "UPS"),
    ];
    let v = lampiran_v(&items);
    let names: Vec<&str> = v.baris.iter().map(|b| b.nama.as_str()).collect();
    assert_eq!(names, ["Jammer", "Countersurveillance"]);
    assert_eq!(v.total().jml, 2, "backup disk, brankas and UPS are not APU");
    for j in [
        JenisPalsan::BackupDisk,
        JenisPalsan::SaranaKasa,
        JenisPalsan::ApuLain,
    ] {
        assert_eq!(j.lampiran(), Lampiran::XI, "{j:?} is sarana kerja");
    }
}

/// A case on item 1 with steps 2–`upto` recorded one minute apart from `start` (documents and the
/// step-11 penilaian filled in).
fn case_until(start: &str, upto: u8) -> (Palsan, Perbaikan) {
    let mut p = item();
    let t0 = t(start);
    let mut c = buka(9, 1, "tidak dapat mengenkripsi", t0).unwrap();
    p.buka_perbaikan(&c, Kondisi::RusakRingan, "op").unwrap();
    for k in 2..=upto {
        let l = LangkahPerbaikan::from_nomor(k).unwrap();
        let at = t0
            .checked_add(SignedDuration::from_mins(k as i64 - 1))
            .unwrap();
        let mut inp = step(l, "2026-01-01T00:00:00Z", "Petugas", "");
        inp.at = Some(at);
        if l.dokumen_wajib().is_some() {
            inp.dokumen = format!("DOK/{k}");
        }
        if l == LangkahPerbaikan::Dinilai {
            inp.penilaian = Some(Kondisi::RusakBerat);
        }
        let rec = c.catat(&inp, at, &tz(), "op").unwrap().clone();
        p.ikuti_langkah(&c, &rec, "op").unwrap();
    }
    (p, c)
}

#[test]
fn one_hari_norm_counts_working_days_not_the_weekend() {
    // Step 11 done Friday 2026-12-04 14:00 WITA (06:00Z, minus the 10 one-minute steps before it).
    let (_, c) = case_until("2026-12-04T05:50:00Z", 11);
    assert_eq!(c.terakhir_at(), t("2026-12-04T06:00:00Z"));
    assert_eq!(c.berikutnya(), Some(LangkahPerbaikan::Diperbaiki));
    let cases = [c];
    // One working day of 07:30–16:00: two hours left on Friday, 6 h 30 on Monday → Monday 14:00 WITA.
    let s = cases[0].sla(&cal(), t("2026-12-05T06:00:00Z"));
    assert_eq!(s[11].batas, Some(t("2026-12-07T06:00:00Z")));
    assert!(matches!(
        s[11].sla,
        SlaState::Berjalan {
            elapsed_s: 86_400,
            norma_s: 30_600
        }
    ));
    assert_eq!(s[11].teks(), "berjalan 1h00j/1hk");
    for now in [
        "2026-12-05T06:00:01Z", // Saturday: 24 wall-clock hours have passed
        "2026-12-06T12:00:00Z", // Sunday
        "2026-12-07T06:00:00Z", // Monday 14:00 WITA: due, not yet past
    ] {
        assert!(pelanggaran(&cases, &cal(), t(now)).is_empty(), "{now}");
    }
    let v = pelanggaran(&cases, &cal(), t("2026-12-07T06:00:01Z"));
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].objek(), "palsan:1:perbaikan:9:langkah:12");
    assert_eq!(v[0].batas, t("2026-12-07T06:00:00Z"));
    let m = v[0].pesan("Secure X", &tz());
    for want in [
        "perbaikan 9 (palsan 1 Secure X)",
        "langkah 12 Diperbaiki (pelaksana BSSN)",
        "mutu baku 1 hari kerja SOP 000",
        "batas 2026-12-07 14:00 WITA",
        "kasa palsan repair step 9 12",
    ] {
        assert!(m.contains(want), "{want}: {m}");
    }
    // A holiday on Monday moves it to Tuesday.
    let libur = WorkCalendar::new("Asia/Makassar", ["2026-12-07".parse().unwrap()]).unwrap();
    assert!(pelanggaran(&cases, &libur, t("2026-12-07T08:00:00Z")).is_empty());
    assert_eq!(
        pelanggaran(&cases, &libur, t("2026-12-08T06:00:01Z")).len(),
        1
    );
    // The reminder is the same rule.
    let r = pengingat(
        &[],
        &cases,
        &[],
        &done_berkala("2026-12-01T00:00:00Z"),
        &AturanPengingat::default(),
        &cal(),
        t("2026-12-06T12:00:00Z"),
    );
    assert!(
        r.iter()
            .all(|p| p.jenis != JenisPengingat::LangkahPerbaikan)
    );
}

#[test]
fn minute_norms_run_in_office_hours() {
    // Reported Friday 15:55 WITA: step 2 (15 min) has 5 minutes on Friday and 10 on Monday.
    let c = buka(1, 1, "mati", t("2026-12-04T07:55:00Z")).unwrap();
    let s = c.sla(&cal(), t("2026-12-05T01:00:00Z"));
    assert_eq!(s[1].batas, Some(t("2026-12-06T23:40:00Z")));
    assert!(matches!(s[1].sla, SlaState::Berjalan { .. }));
    assert!(pelanggaran(std::slice::from_ref(&c), &cal(), t("2026-12-06T23:40:00Z")).is_empty());
    assert_eq!(
        pelanggaran(&[c], &cal(), t("2026-12-06T23:40:01Z"))[0].objek(),
        "palsan:1:perbaikan:1:langkah:2"
    );
    assert_eq!(MutuBaku::Menit(120).teks(), "2 jam");
    assert_eq!(MutuBaku::HariKerja(1).teks(), "1 hari kerja");
}

#[test]
fn report_and_step_times_back_dated_but_never_future_or_out_of_order() {
    let now = t("2026-12-02T08:31:00Z"); // Wednesday 16:31 WITA
    let lapor = |found: &str, reported: Option<&str>| LaporanKerusakan {
        kerusakan: "layar mati".into(),
        pelapor: "Sandiman Putu".into(),
        ditemukan_at: Some(t(found)),
        dilaporkan_at: reported.map(t),
    };
    // Found yesterday afternoon, reported now: step 1 counts from the found time.
    let c = Perbaikan::buka(1, 1, &lapor("2026-12-01T07:00:00Z", None), now, &tz(), "op").unwrap();
    assert_eq!(c.ditemukan_at, t("2026-12-01T07:00:00Z"));
    assert_eq!(c.langkah[0].at, now);
    assert!(matches!(
        c.sla(&cal(), now)[0].sla,
        SlaState::Terlambat { .. }
    ));
    let e =
        Perbaikan::buka(1, 1, &lapor("2026-12-02T09:00:00Z", None), now, &tz(), "op").unwrap_err();
    assert!(
        e.0.contains("waktu ditemukan 2026-12-02 17:00:00 WITA di masa depan (sekarang 2026-12-02 16:31:00 WITA)"),
        "{e}"
    );
    let e = Perbaikan::buka(
        1,
        1,
        &lapor("2026-12-02T08:00:00Z", Some("2026-12-02T07:00:00Z")),
        now,
        &tz(),
        "op",
    )
    .unwrap_err();
    assert!(
        e.0.contains("setelah waktu laporan 2026-12-02 15:00:00 WITA"),
        "{e}"
    );
    assert!(e.0.contains("langkah 1 SOP 000"), "{e}");
    let e = Perbaikan::buka(
        1,
        1,
        &lapor("2026-12-02T08:00:00Z", Some("2026-12-02T09:00:00Z")),
        now,
        &tz(),
        "op",
    )
    .unwrap_err();
    assert!(
        e.0.contains("waktu laporan 2026-12-02 17:00:00 WITA di masa depan"),
        "{e}"
    );

    // Steps 2–7 recorded; yesterday's Sekda signature (step 8) entered today with its real time.
    let (_, mut c) = case_until("2026-11-30T01:00:00Z", 7);
    let sekda = |at: &str| {
        let mut s = step(LangkahPerbaikan::TtdSekda, at, "Sekda", "");
        s.at = Some(t(at));
        s
    };
    let e = c
        .catat(&sekda("2026-11-30T01:05:00Z"), now, &tz(), "op")
        .unwrap_err();
    for want in [
        "waktu langkah 8 (Ditandatangani Sekda) 2026-11-30 09:05:00 WITA sebelum langkah sebelumnya",
        "langkah 7 (Ditandatangani Kadis (NPKND)) 2026-11-30 09:06:00 WITA",
        "SOP 000",
        "periksa tanggal/jam",
    ] {
        assert!(e.0.contains(want), "{want}: {e}");
    }
    let e = c
        .catat(&sekda("2026-12-02T08:31:01Z"), now, &tz(), "op")
        .unwrap_err();
    assert!(
        e.0.contains("di masa depan (sekarang 2026-12-02 16:31:00 WITA)"),
        "{e}"
    );
    assert_eq!(c.langkah.len(), 7, "refusals record nothing");
    let rec = c
        .catat(&sekda("2026-12-01T06:00:00Z"), now, &tz(), "op")
        .unwrap();
    assert_eq!(rec.at, t("2026-12-01T06:00:00Z"));
    // Step 9 (5 min) counts from yesterday's signature: late now.
    assert!(matches!(c.sla(&cal(), now)[8].sla, SlaState::Lewat { .. }));
}

#[test]
fn item_is_at_bssn_from_step_10_and_back_after_14_with_the_assessment_in_its_history() {
    let (p, _) = case_until("2026-12-01T01:00:00Z", 9);
    assert_eq!(
        (p.lokasi.as_str(), p.pemegang.as_str()),
        ("Kamar sandi", "Sandiman A")
    );
    let (p, c) = case_until("2026-12-01T01:00:00Z", 10);
    assert_eq!((p.lokasi.as_str(), p.pemegang.as_str()), ("BSSN", "BSSN"));
    let line = &p.riwayat.last().unwrap().catatan;
    assert!(
        line.contains("lokasi Kamar sandi → BSSN; pemegang Sandiman A → BSSN"),
        "{line}"
    );
    assert_eq!(c.penilaian(), None);
    let (p, c) = case_until("2026-12-01T01:00:00Z", 13);
    assert_eq!(p.lokasi, "BSSN");
    assert_eq!(p.kondisi, Kondisi::RusakBerat);
    assert_eq!(c.penilaian(), Some(Kondisi::RusakBerat));
    let r11 = p
        .riwayat
        .iter()
        .find(|r| r.catatan.contains("langkah 11"))
        .unwrap();
    assert!(
        r11.catatan.contains("penilaian BSSN: Rusak berat"),
        "{}",
        r11.catatan
    );
    let (p, c) = case_until("2026-12-01T01:00:00Z", 14);
    assert!(!c.terbuka());
    assert_eq!(
        (p.lokasi.as_str(), p.pemegang.as_str()),
        ("Kamar sandi", "Sandiman A")
    );
    assert_eq!(p.penempatan_asal, None);
    let last = p.riwayat.last().unwrap();
    assert_eq!(last.aksi, "perbaikan.selesai");
    assert!(
        last.catatan
            .contains("lokasi BSSN → Kamar sandi; pemegang BSSN → Sandiman A"),
        "{}",
        last.catatan
    );
    assert!(
        last.catatan.contains("berita acara serah terima DOK/13"),
        "{}",
        last.catatan
    );
    // An item without a recorded lokasi comes back to the Kamar Sandi.
    let mut q = item();
    q.lokasi.clear();
    let mut c = buka(2, 1, "x", t("2026-12-01T01:00:00Z")).unwrap();
    q.buka_perbaikan(&c, Kondisi::RusakRingan, "op").unwrap();
    for k in 2..=14u8 {
        let l = LangkahPerbaikan::from_nomor(k).unwrap();
        let at = t("2026-12-01T01:00:00Z")
            .checked_add(SignedDuration::from_mins(k as i64))
            .unwrap();
        let mut inp = step(l, "2026-01-01T00:00:00Z", "", "DOK");
        inp.at = Some(at);
        inp.penilaian = Some(Kondisi::RusakRingan);
        let rec = c.catat(&inp, at, &tz(), "op").unwrap().clone();
        q.ikuti_langkah(&c, &rec, "op").unwrap();
    }
    assert_eq!(q.lokasi, LOKASI_KAMAR_SANDI);
}

#[test]
fn lampiran_iv_counts_expired_key_material_as_rusak_at_the_report_time() {
    let k = kunci_sampai("2026-06-30"); // ends 2026-07-01 00:00 WITA = 2026-06-30T16:00Z
    let mut dicatat = kunci_sampai("2027-06-30");
    dicatat
        .ubah_status(
            StatusKunci::Kedaluwarsa,
            "",
            t("2026-02-01T00:00:00Z"),
            "op",
        )
        .unwrap();
    let row = |at: &str| {
        let tab = lampiran_iv(&[k.clone(), dicatat.clone()], &tz(), t(at));
        (tab.baris[0].jml, tab.baris[0].baik, tab.baris[0].rusak)
    };
    assert_eq!(row("2026-06-30T15:59:59Z"), (2, 1, 1), "last valid second");
    assert_eq!(
        row("2026-06-30T16:00:00Z"),
        (2, 0, 2),
        "expired, no status change"
    );
    assert!(k.kedaluwarsa_pada(&tz(), t("2026-06-30T16:00:00Z")));
    assert_eq!(k.status, StatusKunci::Diterima);
}
