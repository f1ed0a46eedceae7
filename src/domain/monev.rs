//! The annual Monev report's Lampiran I–XI (seed 003: *Laporan Hasil Pemantauan dan Evaluasi
//! Penyelenggaraan Urusan Persandian*), built from what kasa holds: operators and their
//! qualifications (II), palsan (III), key material (IV), jammer and countersurveillance (V), berita
//! per channel and classification (VII), incidents handled (VIII), the pola hubungan komunikasi
//! sandi from the peers (IX), the channels used (X), sarana kerja and backups (XI).
//!
//! What kasa cannot know (regulations, the formation plan, certifications, electronic systems, …) is
//! a marked blank ([`KOSONG`]) to be filled by hand, never invented. Pure: data and the year come in.

use serde::{Deserialize, Serialize};

use crate::doc::{Blok, Dokumen, KOSONG, KopSurat, Sel, Tabel, Ukuran};
use crate::domain::insiden::Insiden;
use crate::domain::palsan::{Kesiapan, Kondisi, Lampiran, Palsan, TabelLampiran, persen};
use crate::domain::{Book, Entry, Klasifikasi, Operator, Role};

/// A peer of the jaring komunikasi sandi as the report needs it (from `kasa peer list`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Hubungan {
    pub node_id: String,
    pub nama: String,
    /// `pusat`, `provinsi`, `kab-kota`, `opd`.
    pub relasi: String,
    pub saluran: String,
    pub terverifikasi: bool,
}

/// Everything the report is built from. Entries and incidents may span several years: only those of
/// `tahun` (in the node's zone) count.
#[derive(Debug, Clone)]
pub struct MonevData {
    pub tahun: i16,
    pub zone: jiff::tz::TimeZone,
    /// The office name for the sentences (`Dinas Komunikasi dan Informatika …`).
    pub instansi: String,
    pub operator: Vec<Operator>,
    pub entri: Vec<Entry>,
    /// Lampiran III, IV, V tables as the node computes them.
    pub palsan: Vec<TabelLampiran>,
    /// All equipment items (for Lampiran XI).
    pub barang: Vec<Palsan>,
    pub insiden: Vec<Insiden>,
    pub hubungan: Vec<Hubungan>,
    /// The backup log (issue 17): backups and restore tests, any year (only `tahun`'s count).
    pub cadangan: Vec<crate::domain::backup::BackupRun>,
}

/// Lampiran XI's backup row from the backup log of `data.tahun` (PI.01 V.3, V.4): the number of
/// backups and how many failed, and the last restore test. No run in the year: the count is a marked
/// blank and the condition says the log is empty (never an invented figure).
fn ringkas_cadangan(data: &MonevData) -> (String, String) {
    use crate::domain::backup::{Hasil, JenisRun};
    let tahun_ini = |t: jiff::Timestamp| t.to_zoned(data.zone.clone()).year() == data.tahun;
    let runs: Vec<_> = data
        .cadangan
        .iter()
        .filter(|r| tahun_ini(r.started_at) && r.hasil != Hasil::Berjalan)
        .collect();
    if runs.is_empty() {
        return (KOSONG.into(), "kasa belum mencatat cadangan data".into());
    }
    let backup: Vec<_> = runs
        .iter()
        .filter(|r| r.jenis_run == JenisRun::Backup)
        .collect();
    let gagal = backup
        .iter()
        .filter(|r| matches!(r.hasil, Hasil::Gagal { .. }))
        .count();
    let mut kondisi = format!("{} berhasil, {gagal} gagal", backup.len() - gagal);
    match runs
        .iter()
        .filter(|r| r.jenis_run == JenisRun::UjiRestore)
        .max_by_key(|r| r.started_at)
    {
        Some(u) => kondisi.push_str(&format!(
            "; uji pemulihan terakhir {} {}",
            crate::doc::tanggal(u.started_at.to_zoned(data.zone.clone()).date()),
            if u.hasil == Hasil::Berhasil {
                "berhasil"
            } else {
                "GAGAL"
            }
        )),
        None => kondisi.push_str("; belum ada uji pemulihan tahun ini"),
    }
    (format!("{} kali backup", backup.len()), kondisi)
}

/// One Lampiran: number (`I` … `XI`), title, blocks, and its tables by name for CSV.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct LampiranMonev {
    pub nomor: String,
    pub judul: String,
    pub blok: Vec<Blok>,
}

/// The eleven Lampiran of a year.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Monev {
    pub tahun: i16,
    pub instansi: String,
    pub lampiran: Vec<LampiranMonev>,
}

fn kosong_baris(n: usize) -> Vec<Sel> {
    let mut v = vec![Sel::new("1")];
    v.push(Sel::new(KOSONG));
    for _ in 2..n {
        v.push(Sel::new(""));
    }
    v
}

/// A palsan Lampiran table in the report's layout: two header rows (`Kondisi Fungsional` over
/// Baik/Rusak, `Kesiapan Operasional` over Siap/Tidak), rows numbered, `Jumlah total`, `Persentase`.
pub fn tabel_palsan(t: &TabelLampiran) -> Tabel {
    let mut atas = vec![
        Sel::new("No").gabung_bawah().tengah(),
        Sel::new(&t.kolom_nama).gabung_bawah().tengah(),
        Sel::new("Jml").gabung_bawah().tengah(),
        Sel::new(if t.kesiapan {
            "Kondisi Fungsional"
        } else {
            "Kondisi"
        })
        .span(2)
        .tengah(),
    ];
    let mut bawah = vec![
        Sel::new(""),
        Sel::new(""),
        Sel::new(""),
        Sel::new("Baik").tengah(),
        Sel::new("Rusak").tengah(),
    ];
    let mut lebar = vec![0.7, 5.0, 1.0, 1.2, 1.2];
    if t.kesiapan {
        atas.push(Sel::new("Kesiapan Operasional").span(2).tengah());
        bawah.push(Sel::new("Siap").tengah());
        bawah.push(Sel::new("Tidak").tengah());
        lebar.extend([1.2, 1.2]);
    }
    let mut out = Tabel {
        lebar,
        kepala: vec![atas, bawah],
        baris: vec![],
        skala: 1.0,
    };
    let row = |no: String, nama: &str, v: [String; 5]| {
        let mut r = vec![Sel::new(no).kanan(), Sel::new(nama)];
        let n = if t.kesiapan { 5 } else { 3 };
        for x in v.into_iter().take(n) {
            r.push(Sel::new(x).kanan());
        }
        r
    };
    for (i, b) in t.baris.iter().enumerate() {
        out.baris.push(row(
            (i + 1).to_string(),
            &b.nama,
            [b.jml, b.baik, b.rusak, b.siap, b.tidak].map(|x| x.to_string()),
        ));
    }
    let tot = t.total();
    out.baris.push(row(
        String::new(),
        "Jumlah total",
        [tot.jml, tot.baik, tot.rusak, tot.siap, tot.tidak].map(|x| x.to_string()),
    ));
    out.baris.push(row(
        String::new(),
        "Persentase",
        [
            persen(tot.jml, tot.jml),
            persen(tot.baik, tot.jml),
            persen(tot.rusak, tot.jml),
            persen(tot.siap, tot.jml),
            persen(tot.tidak, tot.jml),
        ],
    ));
    out
}

fn pct(part: usize, total: usize) -> String {
    if total == 0 {
        return "-".into();
    }
    let v = part as f64 * 100.0 / total as f64;
    let s = format!("{v:.1}");
    let s = s.strip_suffix(".0").unwrap_or(&s).replace('.', ",");
    format!("{s}%")
}

fn tahun_dari(t: jiff::Timestamp, tz: &jiff::tz::TimeZone) -> i16 {
    t.to_zoned(tz.clone()).year()
}

impl Monev {
    /// Builds Lampiran I–XI of `data.tahun`.
    pub fn susun(data: &MonevData) -> Monev {
        let tz = &data.zone;
        let inst = &data.instansi;
        let mut l = Vec::new();

        // I — kebijakan: kasa does not hold the office's regulations.
        let mut t = Tabel::new(
            &[0.6, 5.0, 5.0, 2.0],
            &[
                "No",
                "Nama Peraturan",
                "Ruang Lingkup Pengaturan",
                "Keterangan",
            ],
        );
        t.baris.push(kosong_baris(4));
        let mut t2 = t.clone();
        t2.baris = vec![kosong_baris(4)];
        l.push(LampiranMonev {
            nomor: "I".into(),
            judul: "DAFTAR KEBIJAKAN KEAMANAN INFORMASI".into(),
            blok: vec![
                Blok::Kosong(
                    "Peraturan dan SOP daerah tidak tercatat di kasa: diisi manual.".into(),
                ),
                Blok::Subjudul("Tabel Daftar Peraturan tentang Persandian".into()),
                Blok::Tabel(t),
                Blok::Subjudul("Tabel Daftar Peraturan tentang Keamanan Informasi".into()),
                Blok::Tabel(t2),
            ],
        });

        // II — SDM from the operator register (active, not admin).
        let ops: Vec<&Operator> = data
            .operator
            .iter()
            .filter(|o| !o.disabled && o.role != Role::Admin)
            .collect();
        let unit = |r: Role| match r {
            Role::Kadis => "Kepala Dinas",
            Role::Kabid => "Kepala Bidang",
            Role::Kasi => "Kepala Seksi Persandian",
            _ => "Staf Seksi Persandian",
        };
        let peran = [Role::Kadis, Role::Kabid, Role::Kasi, Role::Sandiman];
        let mut formasi = Tabel {
            lebar: vec![0.6, 5.0, 1.5, 1.5, 2.0],
            kepala: vec![
                vec![
                    Sel::new("No").gabung_bawah().tengah(),
                    Sel::new("Satuan Unit Kerja").gabung_bawah().tengah(),
                    Sel::new("Jumlah").span(2).tengah(),
                    Sel::new("Ket").gabung_bawah().tengah(),
                ],
                vec![
                    Sel::new(""),
                    Sel::new(""),
                    Sel::new("Saat Ini").tengah(),
                    Sel::new("Seharusnya").tengah(),
                    Sel::new(""),
                ],
            ],
            baris: vec![],
            skala: 1.0,
        };
        let mut kual = Tabel {
            lebar: vec![0.6, 5.0, 1.8, 2.2, 1.8],
            kepala: vec![
                vec![
                    Sel::new("No").gabung_bawah().tengah(),
                    Sel::new("Satuan Unit Kerja").gabung_bawah().tengah(),
                    Sel::new("Jumlah").span(2).tengah(),
                    Sel::new("Persentase Pemenuhan").gabung_bawah().tengah(),
                ],
                vec![
                    Sel::new(""),
                    Sel::new(""),
                    Sel::new("Seluruhnya").tengah(),
                    Sel::new("Berkualifikasi Ahli Sandi").tengah(),
                    Sel::new(""),
                ],
            ],
            baris: vec![],
            skala: 1.0,
        };
        let (mut tot_n, mut tot_q) = (0, 0);
        for (i, r) in peran.iter().enumerate() {
            let g: Vec<&&Operator> = ops.iter().filter(|o| o.role == *r).collect();
            let q = g.iter().filter(|o| o.is_ahli_sandi()).count();
            tot_n += g.len();
            tot_q += q;
            formasi.baris.push(vec![
                Sel::new((i + 1).to_string()).kanan(),
                Sel::new(unit(*r)),
                Sel::new(g.len().to_string()).kanan(),
                Sel::new(KOSONG),
                Sel::new(""),
            ]);
            kual.baris.push(vec![
                Sel::new((i + 1).to_string()).kanan(),
                Sel::new(unit(*r)),
                Sel::new(g.len().to_string()).kanan(),
                Sel::new(q.to_string()).kanan(),
                Sel::new(pct(q, g.len())).kanan(),
            ]);
        }
        formasi.baris.push(vec![
            Sel::new(""),
            Sel::new("Total").tebal(),
            Sel::new(tot_n.to_string()).kanan(),
            Sel::new(KOSONG),
            Sel::new(""),
        ]);
        kual.baris.push(vec![
            Sel::new(""),
            Sel::new("Total").tebal(),
            Sel::new(tot_n.to_string()).kanan(),
            Sel::new(tot_q.to_string()).kanan(),
            Sel::new(pct(tot_q, tot_n)).kanan(),
        ]);
        let staf: Vec<&&Operator> = ops
            .iter()
            .filter(|o| matches!(o.role, Role::Kasi | Role::Sandiman))
            .collect();
        let ft = staf
            .iter()
            .filter(|o| o.jabatan.to_lowercase().contains("sandiman"))
            .count();
        let mut fung = Tabel {
            lebar: vec![0.6, 5.0, 1.5, 1.5, 1.8],
            kepala: vec![
                vec![
                    Sel::new("No").gabung_bawah().tengah(),
                    Sel::new("Satuan Unit Kerja").gabung_bawah().tengah(),
                    Sel::new("Jumlah").span(2).tengah(),
                    Sel::new("Pemenuhan").gabung_bawah().tengah(),
                ],
                vec![
                    Sel::new(""),
                    Sel::new(""),
                    Sel::new("Staf").tengah(),
                    Sel::new("FT").tengah(),
                    Sel::new(""),
                ],
            ],
            baris: vec![],
            skala: 1.0,
        };
        fung.baris.push(vec![
            Sel::new("1").kanan(),
            Sel::new("Seksi Persandian"),
            Sel::new(staf.len().to_string()).kanan(),
            Sel::new(ft.to_string()).kanan(),
            Sel::new(pct(ft, staf.len())).kanan(),
        ]);
        let mut sert = Tabel::new(
            &[0.6, 7.0, 1.5, 2.5],
            &[
                "No",
                "Bidang Keahlian Keamanan Informasi",
                "Jumlah",
                "Keterangan",
            ],
        );
        for (i, b) in [
            "Sertifikasi Klaster Pengelolaan Keamanan Informasi (BNSP)",
            "Tata Kelola Keamanan Informasi (Governance)",
            "Pengelolaan Keamanan Informasi (Management)",
            "Keamanan Pengembangan Aplikasi (Software Development)",
            "Pengujian Penetrasi Sistem (Penetration Testing)",
            "Keamanan Jaringan (Network)",
        ]
        .iter()
        .enumerate()
        {
            sert.baris.push(vec![
                Sel::new((i + 1).to_string()).kanan(),
                Sel::new(*b),
                Sel::new(KOSONG),
                Sel::new(""),
            ]);
        }
        l.push(LampiranMonev {
            nomor: "II".into(),
            judul: "DAFTAR SUMBER DAYA MANUSIA".into(),
            blok: vec![
                Blok::Paragraf(format!(
                    "Jumlah saat ini dan kualifikasi Ahli Sandi dihitung dari daftar operator kasa ({} operator aktif). FT = jabatan fungsional Sandiman (jabatan memuat \"Sandiman\"). Formasi seharusnya dan sertifikasi tidak tercatat di kasa.",
                    ops.len()
                )),
                Blok::Subjudul("Tabel Pemenuhan Formasi SDM".into()),
                Blok::Tabel(formasi),
                Blok::Subjudul("Tabel Kondisi Kualifikasi Ahli Sandi".into()),
                Blok::Tabel(kual),
                Blok::Subjudul("Tabel Kondisi Fungsional Sandiman/Tertentu".into()),
                Blok::Tabel(fung),
                Blok::Subjudul("Tabel Kondisi SDM Keamanan Informasi Berkualifikasi".into()),
                Blok::Tabel(sert),
            ],
        });

        // III, IV, V — from the palsan register.
        for (no, lamp, judul) in [
            ("III", Lampiran::III, "DAFTAR PERALATAN SANDI"),
            ("IV", Lampiran::IV, "DAFTAR KUNCI SISTEM SANDI"),
            ("V", Lampiran::V, "DAFTAR ALAT PENDUKUNG UTAMA"),
        ] {
            let mut blok = Vec::new();
            if lamp == Lampiran::V {
                blok.push(Blok::Paragraf(
                    "Alat Pendukung Utama Persandian meliputi perangkat Jammer dan countersurveillance.".into(),
                ));
            }
            match data.palsan.iter().find(|t| t.lampiran == lamp) {
                Some(t) => {
                    if t.baris.is_empty() {
                        blok.push(Blok::Paragraf(format!(
                            "{inst} belum memiliki {} yang tercatat di kasa.",
                            judul.to_lowercase().trim_start_matches("daftar ")
                        )));
                    }
                    blok.push(Blok::Tabel(tabel_palsan(t)));
                }
                None => blok.push(Blok::Kosong(format!("{KOSONG}: tabel tidak tersedia"))),
            }
            l.push(LampiranMonev {
                nomor: no.into(),
                judul: judul.into(),
                blok,
            });
        }

        // VI — sistem elektronik: not held.
        let mut se = Tabel::new(
            &[0.6, 4.0, 4.0, 2.5],
            &[
                "No",
                "Nama Sistem Elektronik",
                "Fungsi / Layanan",
                "Keterangan",
            ],
        );
        se.baris.push(kosong_baris(4));
        l.push(LampiranMonev {
            nomor: "VI".into(),
            judul: "DAFTAR SISTEM ELEKTRONIK".into(),
            blok: vec![
                Blok::Kosong(
                    "Daftar sistem elektronik tidak tercatat di kasa: diisi manual.".into(),
                ),
                Blok::Tabel(se),
            ],
        });

        // VII — berita handled in the year, per channel and classification.
        let entri: Vec<&Entry> = data
            .entri
            .iter()
            .filter(|e| {
                e.nomor_agenda.is_some()
                    && e.tahun.unwrap_or_else(|| tahun_dari(e.received_at, tz)) == data.tahun
            })
            .collect();
        let klas = [
            Some(Klasifikasi::Biasa),
            Some(Klasifikasi::Terbatas),
            Some(Klasifikasi::Rahasia),
            Some(Klasifikasi::SangatRahasia),
            None,
        ];
        let kol = ["B", "T", "R", "SR", "?"];
        let atas = vec![
            Sel::new("No").gabung_bawah().tengah(),
            Sel::new("Saluran").gabung_bawah().tengah(),
            Sel::new("Berita masuk").span(5).tengah(),
            Sel::new("Berita keluar").span(5).tengah(),
            Sel::new("Jumlah").gabung_bawah().tengah(),
        ];
        let mut bawah = vec![Sel::new(""), Sel::new("")];
        for _ in 0..2 {
            for k in kol {
                bawah.push(Sel::new(k).tengah());
            }
        }
        bawah.push(Sel::new(""));
        let mut lebar = vec![0.6, 3.4];
        lebar.extend([0.8; 10]);
        lebar.push(1.2);
        let mut rekap = Tabel {
            lebar,
            kepala: vec![atas, bawah],
            baris: vec![],
            skala: 0.95,
        };
        let mut saluran: Vec<String> = entri
            .iter()
            .map(|e| {
                if e.saluran.trim().is_empty() {
                    "(tidak dicatat)".to_string()
                } else {
                    e.saluran.trim().to_string()
                }
            })
            .collect();
        saluran.sort_by_key(|s| s.to_lowercase());
        saluran.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        let masuk = |e: &Entry| matches!(e.book, Book::Masuk | Book::KriptogramMasuk);
        let mut jumlah = [0usize; 11];
        for (i, s) in saluran.iter().enumerate() {
            let mut r = vec![Sel::new((i + 1).to_string()).kanan(), Sel::new(s)];
            let mut n = 0;
            for (j, arah) in [true, false].iter().enumerate() {
                for (k, kl) in klas.iter().enumerate() {
                    let c = entri
                        .iter()
                        .filter(|e| {
                            let e: &Entry = e;
                            let es = if e.saluran.trim().is_empty() {
                                "(tidak dicatat)"
                            } else {
                                e.saluran.trim()
                            };
                            es.eq_ignore_ascii_case(s) && masuk(e) == *arah && e.klasifikasi == *kl
                        })
                        .count();
                    jumlah[j * 5 + k] += c;
                    n += c;
                    r.push(Sel::new(c.to_string()).kanan());
                }
            }
            jumlah[10] += n;
            r.push(Sel::new(n.to_string()).kanan());
            rekap.baris.push(r);
        }
        let mut r = vec![Sel::new(""), Sel::new("Jumlah").tebal()];
        r.extend(jumlah.iter().map(|c| Sel::new(c.to_string()).kanan()));
        rekap.baris.push(r);
        let kripto = entri.iter().filter(|e| e.kriptogram).count();
        l.push(LampiranMonev {
            nomor: "VII".into(),
            judul: "DAFTAR KELENGKAPAN PENGELOLAAN DOKUMEN".into(),
            blok: vec![
                Blok::Paragraf(format!(
                    "Rekapitulasi berita yang teregistrasi di buku agenda kasa tahun {} menurut saluran dan klasifikasi (B = Biasa, T = Terbatas, R = Rahasia, SR = Sangat Rahasia, ? = belum diklasifikasi). Di antaranya {kripto} kriptogram.",
                    data.tahun
                )),
                Blok::Tabel(rekap),
                Blok::Kosong(
                    "Kelengkapan pengelolaan dokumen lainnya (lemari arsip, brankas, mesin penghancur kertas): diisi manual.".into(),
                ),
            ],
        });

        // VIII — layanan keamanan informasi: incidents handled in the year.
        let ins: Vec<&Insiden> = data
            .insiden
            .iter()
            .filter(|i| tahun_dari(i.diketahui_at, tz) == data.tahun)
            .collect();
        let mut it = Tabel::new(
            &[0.6, 4.0, 2.2, 1.6, 2.6, 2.2, 2.4],
            &[
                "No",
                "Insiden",
                "Kategori",
                "Keparahan",
                "Diketahui",
                "Lama penanganan",
                "Mutu baku (kontak / eskalasi)",
            ],
        );
        it.skala = 0.9;
        for (n, i) in ins.iter().enumerate() {
            let [k, e] = i.sla(i.ditutup_at.unwrap_or(i.diketahui_at));
            it.baris.push(vec![
                Sel::new((n + 1).to_string()).kanan(),
                Sel::new(format!("#{} {}", i.id, i.judul)),
                Sel::new(i.kategori.map_or("-", |k| k.label())),
                Sel::new(i.keparahan.map_or("-", |k| k.as_str())),
                Sel::new(
                    i.diketahui_at
                        .to_zoned(tz.clone())
                        .strftime("%d-%m-%Y %H:%M")
                        .to_string(),
                ),
                Sel::new(match i.ditutup_at {
                    Some(t) => crate::domain::dokumen::durasi(i.diketahui_at, t),
                    None => "belum ditutup".into(),
                }),
                Sel::new(format!("{} / {}", k.hasil(), e.hasil())),
            ]);
        }
        if it.baris.is_empty() {
            it.baris.push(vec![
                Sel::new("Tidak ada insiden tercatat pada tahun ini.").span(7),
            ]);
        }
        l.push(LampiranMonev {
            nomor: "VIII".into(),
            judul: "DAFTAR LAYANAN KEAMANAN INFORMASI".into(),
            blok: vec![
                Blok::Paragraf(format!(
                    "Penanganan insiden keamanan informasi (SOP PI.03) yang tercatat di Logbook Insiden kasa tahun {}: {} insiden, {} ditutup.",
                    data.tahun,
                    ins.len(),
                    ins.iter().filter(|i| i.ditutup_at.is_some()).count()
                )),
                Blok::Tabel(it),
                Blok::Kosong(
                    "Layanan lain (sertifikat elektronik, jamming, penginderaan, CSIRT): diisi manual.".into(),
                ),
            ],
        });

        // IX — pola hubungan komunikasi sandi from the peers.
        let mut ph = Tabel::new(
            &[0.6, 4.5, 2.0, 2.0, 3.0, 1.8],
            &[
                "No",
                "Simpul (node)",
                "Hubungan",
                "Saluran",
                "Sistem sandi",
                "Kartu diverifikasi",
            ],
        );
        for (n, h) in data.hubungan.iter().enumerate() {
            ph.baris.push(vec![
                Sel::new((n + 1).to_string()).kanan(),
                Sel::new(format!("{} ({})", h.nama, h.node_id)),
                Sel::new(&h.relasi),
                Sel::new(&h.saluran),
                Sel::new("kasa kriptogram (age X25519, Ed25519)"),
                Sel::new(if h.terverifikasi { "✓ ya" } else { "belum" }).tengah(),
            ]);
        }
        let mut ix = Vec::new();
        if ph.baris.is_empty() {
            ix.push(Blok::Paragraf(format!(
                "{inst} belum memiliki pola hubungan komunikasi sandi yang tercatat di kasa."
            )));
            ph.baris.push(kosong_baris(6));
        }
        ix.push(Blok::Tabel(ph));
        l.push(LampiranMonev {
            nomor: "IX".into(),
            judul: "DAFTAR POLA HUBUNGAN KOMUNIKASI SANDI".into(),
            blok: ix,
        });

        // X — aplikasi persuratan: the channels seen in the year's entries.
        let mut ap = Tabel::new(
            &[0.6, 6.0, 2.0],
            &["No", "Aplikasi / saluran", "Jumlah berita"],
        );
        for (n, s) in saluran.iter().enumerate() {
            let c = entri
                .iter()
                .filter(|e| {
                    let es = if e.saluran.trim().is_empty() {
                        "(tidak dicatat)"
                    } else {
                        e.saluran.trim()
                    };
                    es.eq_ignore_ascii_case(s)
                })
                .count();
            ap.baris.push(vec![
                Sel::new((n + 1).to_string()).kanan(),
                Sel::new(s),
                Sel::new(c.to_string()).kanan(),
            ]);
        }
        if ap.baris.is_empty() {
            ap.baris
                .push(vec![Sel::new("1"), Sel::new(KOSONG), Sel::new("")]);
        }
        l.push(LampiranMonev {
            nomor: "X".into(),
            judul: "DAFTAR APLIKASI PERSURATAN ONLINE/ELEKTRONIK".into(),
            blok: vec![
                Blok::Paragraf(
                    "Saluran yang dipakai berita teregistrasi di kasa pada tahun ini.".into(),
                ),
                Blok::Tabel(ap),
            ],
        });

        // XI — sarana kerja: equipment of Lampiran XI kinds, and the year's backups from the backup log.
        let mut sk = Tabel::new(
            &[0.6, 5.0, 1.4, 3.5],
            &["No", "Sarana Pendukung", "Jumlah", "Kondisi"],
        );
        let mut grup: Vec<(String, usize, usize, usize, usize)> = Vec::new();
        for p in data
            .barang
            .iter()
            .filter(|p| p.dihapus.is_none() && p.jenis.lampiran() == Lampiran::XI)
        {
            let nama = format!("{} — {}", p.jenis.label(), p.nama);
            let i = match grup.iter().position(|g| g.0.eq_ignore_ascii_case(&nama)) {
                Some(i) => i,
                None => {
                    grup.push((nama, 0, 0, 0, 0));
                    grup.len() - 1
                }
            };
            let g = &mut grup[i];
            g.1 += 1;
            if p.kondisi == Kondisi::Baik {
                g.2 += 1
            } else {
                g.3 += 1
            }
            if p.kesiapan != Kesiapan::Siap {
                g.4 += 1
            }
        }
        grup.sort_by_key(|g| g.0.to_lowercase());
        for (n, g) in grup.iter().enumerate() {
            let mut k = format!("{} Baik, {} Rusak", g.2, g.3);
            if g.4 > 0 {
                k.push_str(&format!(" ({} tidak siap)", g.4));
            }
            sk.baris.push(vec![
                Sel::new((n + 1).to_string()).kanan(),
                Sel::new(&g.0),
                Sel::new(g.1.to_string()).kanan(),
                Sel::new(k),
            ]);
        }
        let n = sk.baris.len();
        let (jumlah, kondisi) = ringkas_cadangan(data);
        sk.baris.push(vec![
            Sel::new((n + 1).to_string()).kanan(),
            Sel::new("Cadangan data (backup) dan uji pemulihan"),
            Sel::new(jumlah),
            Sel::new(kondisi),
        ]);
        sk.baris.push(vec![
            Sel::new((n + 2).to_string()).kanan(),
            Sel::new("Sarana kerja lain (komputer, pencetak, telepon, faksimili)"),
            Sel::new(KOSONG),
            Sel::new(""),
        ]);
        l.push(LampiranMonev {
            nomor: "XI".into(),
            judul: "DAFTAR KELENGKAPAN SARANA KERJA".into(),
            blok: vec![Blok::Tabel(sk)],
        });

        Monev {
            tahun: data.tahun,
            instansi: inst.clone(),
            lampiran: l,
        }
    }

    /// The report's appendix as one F4 document: title, then each Lampiran under its heading.
    pub fn dokumen(&self, kop: &KopSurat) -> Dokumen {
        let mut d = Dokumen::new(
            format!("Lampiran Laporan Monev Persandian {}", self.tahun),
            Ukuran::F4,
            Some(kop.clone()),
        );
        d.huruf = 9.5;
        d.push(Blok::Judul {
            teks:
                "LAMPIRAN LAPORAN HASIL PEMANTAUAN DAN EVALUASI PENYELENGGARAAN URUSAN PERSANDIAN"
                    .into(),
            sub: vec![
                format!("TAHUN ANGGARAN {}", self.tahun),
                self.instansi.clone(),
            ],
        });
        d.push(Blok::Paragraf(format!(
            "Disusun oleh kasa dari data yang tercatat. Isian bertanda {KOSONG} tidak diketahui kasa dan diisi manual."
        )));
        for (n, l) in self.lampiran.iter().enumerate() {
            if n > 0 {
                d.push(Blok::Jarak(6.0));
            }
            d.push(Blok::Subjudul(format!(
                "LAMPIRAN {} - {}",
                l.nomor, l.judul
            )));
            d.blok.extend(l.blok.iter().cloned());
        }
        d
    }

    /// Every table as CSV, named `lampiran-<nomor>[-<k>].csv` (k counts tables within a Lampiran).
    pub fn csv(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for l in &self.lampiran {
            let tabel: Vec<&Tabel> = l
                .blok
                .iter()
                .filter_map(|b| match b {
                    Blok::Tabel(t) => Some(t),
                    _ => None,
                })
                .collect();
            for (k, t) in tabel.iter().enumerate() {
                let name = if tabel.len() == 1 {
                    format!("lampiran-{}.csv", l.nomor)
                } else {
                    format!("lampiran-{}-{}.csv", l.nomor, k + 1)
                };
                out.push((name, crate::doc::markdown::csv(t)));
            }
        }
        out
    }
}
