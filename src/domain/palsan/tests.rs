//! Domain tests with an injected clock (no sleeps, no I/O).

use super::*;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn tz() -> TimeZone {
    TimeZone::get("Asia/Makassar").unwrap()
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
        "tidak bisa enkripsi",
        Some(found),
        "Sandiman A",
        opened,
        "op1",
    )
    .unwrap();
    p.buka_perbaikan(&c, Kondisi::RusakRingan, "op1").unwrap();
    assert_eq!(p.kesiapan, Kesiapan::TidakSiap);
    // Step 2 is running, within 15 min at +10 min; past at +16 min.
    let s = c.sla(t("2026-03-02T01:10:00Z"));
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
    let s = c.sla(t("2026-03-02T01:15:00Z"));
    assert!(
        matches!(s[1].sla, SlaState::Berjalan { elapsed_s: 900, .. }),
        "boundary is on time"
    );
    let s = c.sla(t("2026-03-02T01:15:01Z"));
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
        let rec = c.catat(&inp, t(at), "op2").unwrap().clone();
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
    let s = c.sla(t("2026-04-01T00:00:00Z"));
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
        "x",
    );
    assert!(e.unwrap_err().0.contains("sudah selesai"));
}

#[test]
fn repair_steps_refuse_wrong_order_missing_documents_and_backdating() {
    let mut c = Perbaikan::buka(1, 1, "mati", None, "", t("2026-03-02T01:00:00Z"), "op").unwrap();
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
            "op",
        )
        .unwrap_err();
    assert!(e.0.contains("langkah berikutnya kasus 1 adalah 2"), "{e}");
    let e = c
        .catat(
            &step(LangkahPerbaikan::NotaDinas, "2026-03-02T01:30:00Z", "", ""),
            now,
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
            "op",
        )
        .unwrap_err();
    assert!(e.0.contains("masa depan"), "{e}");
    assert_eq!(c.langkah.len(), 1);
    // A second case on an item with one open is refused.
    let mut p = item();
    p.buka_perbaikan(&c, Kondisi::RusakBerat, "op").unwrap();
    let c2 = Perbaikan::buka(2, 1, "lagi", None, "", now, "op").unwrap();
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
    let r = |now: &str| pengingat(&[], &[], std::slice::from_ref(&k), &b, &a, &tz(), t(now));
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
    assert!(pengingat(&[], &[], &[k2], &b, &a, &tz(), t("2026-07-20T00:00:00Z")).is_empty());
}

#[test]
fn email_sanapati_password_every_90_days() {
    let a = AturanPengingat::default();
    let mut b = done_berkala("2026-01-01T00:00:00Z");
    b.audit_terakhir = Some(t("2026-03-01T00:00:00Z"));
    let r = |now: &str, b: &Berkala| {
        pengingat(&[], &[], &[], b, &a, &tz(), t(now))
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
    let c = Perbaikan::buka(3, 2, "mati", None, "", t("2026-03-10T01:00:00Z"), "op").unwrap();
    let items = [p];
    let cases = [c];
    let r = |now: &str| pengingat(&items, &cases, &[], &b, &a, &tz(), t(now));
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
    let mut c = Perbaikan::buka(1, 1, "x", None, "", t("2026-03-02T00:00:00Z"), "op").unwrap();
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
        c.catat(&s, at, "op").unwrap();
    }
    assert_eq!(c.berikutnya(), Some(L::TtdKadis));
    let later = t("2026-03-20T00:00:00Z");
    let cases = [c];
    assert!(pengingat(&[], &cases, &[], &b, &a, &tz(), later).is_empty());
    assert!(matches!(
        cases[0].sla(later)[6].sla,
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
    let t = lampiran_iv(&[]);
    let md = t.to_markdown();
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
