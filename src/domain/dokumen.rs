//! The documents people sign, as [`Dokumen`] models (rendered to PDF and Markdown by `crate::doc`):
//! lembar disposisi (A5 boxed form), laporan insiden (PI.03 B5 laporan pendek with the full
//! timeline), berita acara (serah terima, pemusnahan kunci, restore), tanda terima of a
//! distribution, buku agenda of a period, and the resi of a delivered kriptogram.
//!
//! Pure: the zone, the report time and the letterhead come in as arguments. What kasa does not know
//! is printed as a marked blank ([`KOSONG`]), never invented. Issue 20.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::doc::{Blok, Dokumen, KOSONG, KopSurat, Penanda, Sel, Tabel, Ukuran, tanggal};
use crate::domain::Entry;
use crate::domain::disposisi::{Disposisi, chain_tree};
use crate::domain::insiden::{Insiden, KeadaanSla, SlaJenis};

/// `20-11-2026 08:30 WITA` in `tz` (the zone's abbreviation as jiff knows it).
pub fn waktu(t: Timestamp, tz: &TimeZone) -> String {
    super::waktu::dalam(t, tz, "%d-%m-%Y %H:%M %Z")
}

/// `2 jam 5 menit`, `45 menit`, `3 hari 2 jam` (rounded down to minutes); negative → `-`.
pub fn durasi(dari: Timestamp, ke: Timestamp) -> String {
    let s = ke.as_second() - dari.as_second();
    if s < 0 {
        return "-".into();
    }
    let (h, j, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    let mut v = Vec::new();
    if h > 0 {
        v.push(format!("{h} hari"));
    }
    if j > 0 {
        v.push(format!("{j} jam"));
    }
    if m > 0 || v.is_empty() {
        v.push(format!("{m} menit"));
    }
    v.join(" ")
}

fn atau_kosong(s: &str) -> String {
    if s.trim().is_empty() {
        KOSONG.into()
    } else {
        s.to_string()
    }
}

fn kotak(centang: bool) -> &'static str {
    if centang { "☑" } else { "☐" }
}

// ------------------------------------------------------------------------------------ disposisi

/// The lembar disposisi as a boxed A5 form: the entry's agenda data, then one boxed row per level of
/// the chain (dari → kepada, the instruksi checklist with ☑ for what this level gave, catatan, batas
/// waktu, paraf with the recorded read/forward/done times and a space for the hand paraf), then the
/// result. A four-level chain (Kadis → Kabid → Kasi → Sandiman and one more) fits one page.
pub fn lembar_disposisi(
    kop: &KopSurat,
    e: &Entry,
    records: &[Disposisi],
    instruksi: &[String],
    tz: &TimeZone,
) -> Dokumen {
    let w = |t: Timestamp| waktu(t, tz);
    let mut d = Dokumen::new(
        format!(
            "Lembar Disposisi {}",
            e.nomor_agenda
                .map_or(format!("entri {}", e.id), |n| format!(
                    "{n}/{}",
                    e.tahun.unwrap_or(0)
                ))
        ),
        Ukuran::A5,
        Some(kop.clone()),
    );
    d.huruf = 7.5;
    d.push(Blok::Judul {
        teks: "LEMBAR DISPOSISI".into(),
        sub: vec![],
    });
    let nomor = e
        .nomor_agenda
        .map_or("-".into(), |n| format!("{n}/{}", e.tahun.unwrap_or(0)));
    let l = |s: &str| Sel::new(s).tebal();
    let mut t = Tabel {
        lebar: vec![2.2, 3.8, 2.0, 3.0],
        kepala: vec![],
        baris: vec![],
        skala: 1.0,
    };
    t.baris.push(vec![
        l("Nomor agenda"),
        Sel::new(format!("{nomor} ({})", e.book.as_str())),
        l("Diterima"),
        Sel::new(w(e.registered_at.unwrap_or(e.received_at))),
    ]);
    t.baris.push(vec![
        l("Nomor surat"),
        Sel::new(atau_kosong(&e.nomor_surat)),
        l("Tgl. surat"),
        Sel::new(
            e.tanggal_surat
                .map_or(KOSONG.to_string(), |d| d.strftime("%d-%m-%Y").to_string()),
        ),
    ]);
    t.baris
        .push(vec![l("Asal"), Sel::new(atau_kosong(&e.asal)).span(3)]);
    t.baris.push(vec![
        l("Perihal"),
        Sel::new(atau_kosong(&e.perihal)).span(3),
    ]);
    t.baris.push(vec![
        l("Klasifikasi"),
        Sel::new(e.klasifikasi.map_or("-", |k| k.as_str())),
        l("Derajat"),
        Sel::new(e.derajat.clone().unwrap_or_else(|| "-".into())),
    ]);
    d.push(Blok::Tabel(t));

    let mut c = Tabel {
        lebar: vec![2.6, 4.4, 2.2, 1.8],
        kepala: vec![vec![
            Sel::new("Dari → Kepada").tebal().tengah(),
            Sel::new("Instruksi dan catatan").tebal().tengah(),
            Sel::new("Batas waktu / tercatat").tebal().tengah(),
            Sel::new("Paraf").tebal().tengah(),
        ]],
        baris: vec![],
        skala: 0.95,
    };
    if records.is_empty() {
        c.baris.push(vec![Sel::new("(belum didisposisi)").span(4)]);
    }
    for (depth, r) in chain_tree(records) {
        let mut dari = format!(
            "{}{} ({})\n→ {} ({})",
            "  ".repeat(depth),
            r.dari.nama,
            r.dari.role.as_str(),
            r.kepada.nama,
            r.kepada.role.as_str()
        );
        dari.push_str(&format!("\n#{} · {}", r.id, w(r.issued_at)));
        let mut ins: Vec<String> = instruksi
            .iter()
            .map(|i| {
                format!(
                    "{}\u{a0}{}",
                    kotak(r.instruksi.iter().any(|g| g.eq_ignore_ascii_case(i))),
                    i.replace(' ', "\u{a0}")
                )
            })
            .collect();
        // Instruksi given that are no longer in the configured list still show, ticked.
        for g in &r.instruksi {
            if !instruksi.iter().any(|i| i.eq_ignore_ascii_case(g)) {
                ins.push(format!("☑\u{a0}{}", g.replace(' ', "\u{a0}")));
            }
        }
        let mut isi = ins.join("   ");
        if !r.catatan.is_empty() {
            isi.push_str(&format!("\nCatatan: {}", r.catatan));
        }
        if let Some(h) = &r.hasil {
            isi.push_str(&format!("\nHasil: {h}"));
        }
        let mut jejak = vec![format!("Batas: {}", w(r.batas_waktu))];
        for l in &r.langkah {
            jejak.push(format!(
                "{} {}",
                l.keadaan.as_str(),
                l.at.to_zoned(tz.clone()).strftime("%d-%m %H:%M")
            ));
        }
        c.baris.push(vec![
            Sel::new(dari),
            Sel::new(isi),
            Sel::new(jejak.join("\n")),
            Sel::new("").tinggi(30.0),
        ]);
    }
    d.push(Blok::Tabel(c));
    d
}

// ------------------------------------------------------------------------------------- insiden

/// Who signs and who receives an incident report (the CLI fills it from the operator and options).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct Pengesahan {
    /// Report number; empty = `INS/<id>/<year>`.
    pub nomor: String,
    /// Signers (the reporting operator, the superior who acknowledges).
    pub penanda: Vec<Penanda>,
    /// Distribution list (who gets a copy).
    pub distribusi: Vec<String>,
}

impl Pengesahan {
    /// The signature block of an incident report made by `pelapor` at `now`: "Mengetahui," and the
    /// superior's `mengetahui` jabatan beside the reporter (place and date from the kop), and the
    /// distribution (default Kepala Dinas, Kepala Bidang, Arsip).
    pub fn laporan_insiden(
        kop: &KopSurat,
        pelapor: &crate::domain::Operator,
        now: Timestamp,
        tz: &TimeZone,
        nomor: String,
        mengetahui: String,
        distribusi: Vec<String>,
    ) -> Pengesahan {
        let tempat = if kop.tempat.is_empty() {
            String::new()
        } else {
            format!("{}, ", kop.tempat)
        };
        Pengesahan {
            nomor,
            penanda: vec![
                Penanda {
                    atas: "Mengetahui,".into(),
                    jabatan: mengetahui,
                    nama: String::new(),
                    nip: String::new(),
                },
                Penanda {
                    atas: format!(
                        "{tempat}{}",
                        crate::doc::tanggal(now.to_zoned(tz.clone()).date())
                    ),
                    jabatan: if pelapor.jabatan.is_empty() {
                        "Pelapor".into()
                    } else {
                        format!("Pelapor, {}", pelapor.jabatan)
                    },
                    nama: pelapor.nama.clone(),
                    nip: pelapor.nip.clone(),
                },
            ],
            distribusi: if distribusi.is_empty() {
                vec![
                    "Kepala Dinas".into(),
                    "Kepala Bidang".into(),
                    "Arsip".into(),
                ]
            } else {
                distribusi
            },
        }
    }
}

/// The number of an incident report: the one given, else `INS/<id>/<year of detection>`.
pub fn nomor_laporan_insiden(i: &Insiden, tz: &TimeZone, p: &Pengesahan) -> String {
    if p.nomor.trim().is_empty() {
        format!(
            "INS/{}/{}",
            i.id,
            i.diketahui_at.to_zoned(tz.clone()).year()
        )
    } else {
        p.nomor.clone()
    }
}

/// The incident report (PI.03 B5 laporan pendek, then the full timeline) on A4: number, record,
/// durations from detection (to contact, escalation, closure), SLA outcomes, checklist, timeline as a
/// table whose header repeats on every page, evidence with custody, lessons learned, signature block
/// and distribution. The TLP of the incident marks every page.
pub fn laporan_insiden(
    kop: &KopSurat,
    i: &Insiden,
    tz: &TimeZone,
    now: Timestamp,
    p: &Pengesahan,
) -> Dokumen {
    let w = |t: Timestamp| waktu(t, tz);
    let nomor = nomor_laporan_insiden(i, tz, p);
    let mut d = Dokumen::new(
        format!("Laporan Insiden #{} ({nomor})", i.id),
        Ukuran::A4,
        Some(kop.clone()),
    );
    d.huruf = 9.5;
    d.tlp = Some(i.tlp.label().to_string());
    d.push(Blok::Judul {
        teks: "LAPORAN INSIDEN KEAMANAN INFORMASI".into(),
        sub: vec![
            format!("Nomor: {nomor}"),
            format!("Laporan pendek menurut SOP PI.03 (B5) · dibuat {}", w(now)),
        ],
    });
    let peran = if i.peran.is_empty() {
        "-".to_string()
    } else {
        i.peran
            .iter()
            .map(|p| format!("{}: {}", p.peran.as_str(), p.nama))
            .collect::<Vec<_>>()
            .join("; ")
    };
    d.push(Blok::Subjudul("1. Data insiden".into()));
    d.push(Blok::Isian(vec![
        ("Judul".into(), i.judul.clone()),
        ("Status".into(), i.status.as_str().into()),
        (
            "Kategori".into(),
            i.kategori.map_or("-".into(), |k| k.label().into()),
        ),
        (
            "Keparahan".into(),
            i.keparahan.map_or("-".into(), |k| k.as_str().into()),
        ),
        ("Sistem terdampak".into(), i.sistem_terdampak.clone()),
        ("Sumber serangan".into(), i.sumber.label()),
        ("Diketahui (deteksi)".into(), w(i.diketahui_at)),
        (
            "Terjadi".into(),
            i.terjadi_at.map_or("belum diketahui".into(), w),
        ),
        ("Dicatat".into(), w(i.dicatat_at)),
        ("Ditutup".into(), i.ditutup_at.map_or("-".into(), w)),
        ("Dibuka oleh".into(), i.dibuka_oleh.clone()),
        ("Peran".into(), peran),
        (
            "Keputusan C2".into(),
            i.keputusan.as_ref().map_or("-".into(), |k| {
                format!(
                    "{} — diputuskan oleh {} ({})",
                    k.keputusan.label(),
                    k.oleh,
                    w(k.at)
                )
            }),
        ),
        ("Playbook".into(), i.playbooks.join(", ")),
    ]));

    d.push(Blok::Subjudul("2. Durasi dan mutu baku (SLA)".into()));
    let mut t = Tabel::new(
        &[4.0, 3.0, 1.6, 3.0, 2.0],
        &["Jam", "Batas", "Hasil", "Terpenuhi pada", "Durasi"],
    );
    for s in i.sla(now) {
        let (met, dur) = match s.keadaan {
            KeadaanSla::Terpenuhi { at } => (w(at), durasi(i.diketahui_at, at)),
            KeadaanSla::Terlambat {
                terpenuhi_at: Some(at),
            } => (format!("{} (terlambat)", w(at)), durasi(i.diketahui_at, at)),
            _ => ("-".into(), "-".into()),
        };
        let label = match s.jenis {
            SlaJenis::Kontak => "Hubungi pihak terkait (5 menit)",
            SlaJenis::Eskalasi => "Beritahu staf lebih tinggi, eskalasi (30 menit)",
        };
        t.baris(vec![
            label.into(),
            w(s.batas_at),
            s.hasil().into(),
            met,
            dur,
        ]);
    }
    t.baris(vec![
        "Lama penanganan (deteksi → ditutup)".into(),
        "-".into(),
        if i.ditutup_at.is_some() {
            "ditutup".into()
        } else {
            "berjalan".into()
        },
        i.ditutup_at.map_or("-".into(), w),
        durasi(i.diketahui_at, i.ditutup_at.unwrap_or(now)),
    ]);
    d.push(Blok::Tabel(t));

    d.push(Blok::Subjudul("3. Daftar periksa".into()));
    let mut cek = Tabel::new(&[0.8, 1.0, 7.0, 4.0], &["", "Kode", "Langkah", "Dicentang"]);
    for l in &i.langkah {
        let (m, oleh) = match &l.dicentang {
            Some(c) => (
                "✓",
                format!(
                    "{} · {}{}",
                    c.oleh,
                    w(c.at),
                    c.pelaksana
                        .as_ref()
                        .map_or(String::new(), |p| format!(" (pelaksana {p})"))
                ),
            ),
            None => ("", String::new()),
        };
        cek.baris.push(vec![
            Sel::new(m).tengah(),
            Sel::new(&l.kode),
            Sel::new(&l.teks),
            Sel::new(oleh),
        ]);
    }
    d.push(Blok::Tabel(cek));

    d.push(Blok::Subjudul("4. Linimasa".into()));
    d.push(Blok::Paragraf(
        "Urut menurut waktu kejadian; waktu dicatat di kasa disebut bila berbeda.".into(),
    ));
    let mut lin = Tabel::new(
        &[0.8, 2.6, 2.2, 6.5, 1.0],
        &[
            "No",
            "Waktu kejadian",
            "Oleh / pelaksana",
            "Catatan",
            "Audit",
        ],
    );
    lin.skala = 0.9;
    for e in i.linimasa_urut() {
        let teks = i.teks_linimasa(e);
        let oleh = match &e.pelaksana {
            Some(p) => format!("{} / {p}", e.oleh),
            None => e.oleh.clone(),
        };
        let waktu = match e.waktu {
            Some(t) => format!("{}\n(dicatat {})", w(t), w(e.at)),
            None => w(e.at),
        };
        lin.baris.push(vec![
            Sel::new(e.no.to_string()).kanan(),
            Sel::new(waktu),
            Sel::new(oleh),
            Sel::new(teks),
            Sel::new(e.audit_seq.to_string()).kanan(),
        ]);
    }
    d.push(Blok::Tabel(lin));

    d.push(Blok::Subjudul("5. Bukti dan serah terima".into()));
    if i.bukti.is_empty() {
        d.push(Blok::Paragraf("Tidak ada bukti tercatat.".into()));
    } else {
        let mut b = Tabel::new(
            &[0.8, 5.0, 3.5, 5.0],
            &["No", "Bukti", "Dicatat", "Serah terima"],
        );
        for x in &i.bukti {
            let mut desk = x.deskripsi.clone();
            if let Some(f) = &x.berkas {
                desk.push_str(&format!("\nberkas {} ({} byte)", f.nama, f.ukuran));
            }
            if let Some(h) = &x.sha256 {
                desk.push_str(&format!("\nSHA-256 {h}"));
            }
            if let Some(a) = &x.asal {
                desk.push_str(&format!("\n(dari {a})"));
            }
            desk.push_str(&format!("\npemegang sekarang: {}", x.pemegang()));
            let st: Vec<String> = x
                .serah_terima
                .iter()
                .map(|s| format!("{} → {} di {} ({})", s.dari, s.ke, s.tempat, w(s.at)))
                .collect();
            b.baris(vec![
                x.no.to_string(),
                desk,
                format!("{} · {}", x.dicatat_oleh, w(x.dicatat_at)),
                if st.is_empty() {
                    "-".into()
                } else {
                    st.join("\n")
                },
            ]);
        }
        d.push(Blok::Tabel(b));
    }
    d.push(Blok::Subjudul("6. Pelajaran (lessons learned)".into()));
    d.push(Blok::Paragraf(match &i.batal {
        Some(b) => b.kalimat(w),
        None => i
            .pelajaran
            .clone()
            .unwrap_or_else(|| "Belum ditutup.".into()),
    }));
    if !p.penanda.is_empty() {
        d.push(Blok::Tandatangan(p.penanda.clone()));
    }
    if !p.distribusi.is_empty() {
        d.push(Blok::Subjudul("Distribusi".into()));
        d.push(Blok::Daftar(p.distribusi.clone()));
    }
    d
}

// -------------------------------------------------------------------------------- berita acara

/// Kind of berita acara.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum JenisBeritaAcara {
    /// Serah terima of equipment (palsan/APU), e.g. a checkout or the handover to BSSN (SOP 000).
    SerahTerima,
    /// Pemusnahan of key material (kunci sistem sandi).
    PemusnahanKunci,
    /// Restore of a backup (DESIGN §11, PI.01 restore test). Model only until backups exist.
    Restore,
}

impl JenisBeritaAcara {
    /// Title line.
    pub fn judul(self) -> &'static str {
        match self {
            JenisBeritaAcara::SerahTerima => "BERITA ACARA SERAH TERIMA PERALATAN",
            JenisBeritaAcara::PemusnahanKunci => "BERITA ACARA PEMUSNAHAN KUNCI SISTEM SANDI",
            JenisBeritaAcara::Restore => "BERITA ACARA PEMULIHAN (RESTORE) CADANGAN DATA",
        }
    }
}

/// One line of the items table (equipment, key material, backup set).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct BarangBa {
    pub nama: String,
    /// Serial number, key id, backup id.
    pub identitas: String,
    pub jumlah: String,
    pub keterangan: String,
}

/// A berita acara: number, date and place, the two parties (and witnesses), the items and a free
/// account of what was done.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct BeritaAcara {
    pub jenis: JenisBeritaAcara,
    /// Empty prints a marked blank.
    pub nomor: String,
    pub tanggal: jiff::civil::Date,
    pub tempat: String,
    /// Pihak pertama (hands over / destroys / restores), pihak kedua (receives / witnesses).
    pub pihak: Vec<Penanda>,
    pub barang: Vec<BarangBa>,
    pub uraian: String,
}

const HARI: [&str; 7] = [
    "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu",
];

/// The berita acara on F4: opening sentence with the day and date in words of the calendar, the
/// parties, the items table, the account, and the signatures side by side.
pub fn berita_acara(kop: &KopSurat, ba: &BeritaAcara) -> Dokumen {
    let mut d = Dokumen::new(ba.jenis.judul(), Ukuran::F4, Some(kop.clone()));
    d.push(Blok::Judul {
        teks: ba.jenis.judul().into(),
        sub: vec![format!("Nomor: {}", atau_kosong(&ba.nomor))],
    });
    let hari = HARI[ba.tanggal.weekday().to_monday_zero_offset() as usize];
    d.push(Blok::Paragraf(format!(
        "Pada hari ini {hari}, tanggal {}, bertempat di {}, kami yang bertanda tangan di bawah ini:",
        tanggal(ba.tanggal),
        atau_kosong(&ba.tempat)
    )));
    for (n, p) in ba.pihak.iter().enumerate() {
        let sebut = match n {
            0 => "PIHAK PERTAMA",
            1 => "PIHAK KEDUA",
            _ => "SAKSI",
        };
        d.push(Blok::Isian(vec![
            ("Nama".into(), atau_kosong(&p.nama)),
            ("NIP".into(), atau_kosong(&p.nip)),
            ("Jabatan".into(), atau_kosong(&p.jabatan)),
            ("Selanjutnya disebut".into(), sebut.into()),
        ]));
    }
    let kalimat = match ba.jenis {
        JenisBeritaAcara::SerahTerima => {
            "PIHAK PERTAMA menyerahkan kepada PIHAK KEDUA, dan PIHAK KEDUA menerima dari PIHAK PERTAMA, barang sebagai berikut:"
        }
        JenisBeritaAcara::PemusnahanKunci => {
            "Telah dilaksanakan pemusnahan kunci sistem sandi berikut, disaksikan oleh para pihak:"
        }
        JenisBeritaAcara::Restore => {
            "Telah dilaksanakan pemulihan (restore) cadangan data berikut ke direktori data baru, dan hasilnya diperiksa:"
        }
    };
    d.push(Blok::Paragraf(kalimat.into()));
    let mut t = Tabel::new(
        &[0.8, 5.0, 4.0, 1.5, 4.0],
        &[
            "No",
            "Nama / jenis",
            "Nomor seri / identitas",
            "Jumlah",
            "Keterangan",
        ],
    );
    for (n, b) in ba.barang.iter().enumerate() {
        t.baris(vec![
            (n + 1).to_string(),
            b.nama.clone(),
            atau_kosong(&b.identitas),
            b.jumlah.clone(),
            b.keterangan.clone(),
        ]);
    }
    d.push(Blok::Tabel(t));
    if !ba.uraian.trim().is_empty() {
        d.push(Blok::Paragraf(ba.uraian.clone()));
    }
    d.push(Blok::Paragraf(
        "Demikian berita acara ini dibuat dengan sebenarnya untuk dipergunakan sebagaimana mestinya."
            .into(),
    ));
    let pihak: Vec<Penanda> = ba
        .pihak
        .iter()
        .enumerate()
        .map(|(n, p)| Penanda {
            atas: match n {
                0 => "PIHAK PERTAMA".into(),
                1 => "PIHAK KEDUA".into(),
                _ => "SAKSI".into(),
            },
            ..p.clone()
        })
        .collect();
    d.push(Blok::Tandatangan(pihak));
    d
}

// ------------------------------------------------------------------------------- tanda terima

/// The tanda terima of a distribution: one row per recipient with a box for name, date and paraf. With
/// no `penerima` given, the rows are the entry's recorded distributions, name and time filled where
/// their tanda terima is recorded.
pub fn tanda_terima(kop: &KopSurat, e: &Entry, penerima: &[String], tz: &TimeZone) -> Dokumen {
    let mut d = Dokumen::new(
        format!("Tanda Terima entri {}", e.id),
        Ukuran::A4,
        Some(kop.clone()),
    );
    d.push(Blok::Judul {
        teks: "TANDA TERIMA".into(),
        sub: vec!["Distribusi berita / naskah dinas".into()],
    });
    d.push(Blok::Isian(vec![
        (
            "Nomor agenda".into(),
            e.nomor_agenda.map_or("-".into(), |n| {
                format!("{n}/{} ({})", e.tahun.unwrap_or(0), e.book.as_str())
            }),
        ),
        ("Nomor surat".into(), atau_kosong(&e.nomor_surat)),
        ("Asal".into(), atau_kosong(&e.asal)),
        ("Perihal".into(), atau_kosong(&e.perihal)),
        (
            "Klasifikasi".into(),
            e.klasifikasi.map_or("-".into(), |k| k.as_str().into()),
        ),
        (
            "Diterima kamar sandi".into(),
            waktu(e.registered_at.unwrap_or(e.received_at), tz),
        ),
    ]));
    let mut t = Tabel::new(
        &[0.7, 4.5, 3.5, 2.5, 2.0],
        &["No", "Penerima", "Nama penerima", "Tanggal / jam", "Paraf"],
    );
    if penerima.is_empty() {
        // The recorded distributions (003 SOP A3/B3/C4), with the tanda terima already recorded.
        for x in &e.distribusi {
            let (nama, kapan) = x
                .tanda_terima
                .as_ref()
                .map_or((String::new(), String::new()), |t| {
                    (t.nama.clone(), waktu(t.at, tz))
                });
            t.baris.push(vec![
                Sel::new(x.no.to_string()),
                Sel::new(&x.ke),
                Sel::new(nama),
                Sel::new(kapan),
                Sel::new("").tinggi(26.0),
            ]);
        }
    }
    for (n, p) in penerima.iter().enumerate() {
        t.baris.push(vec![
            Sel::new((n + 1).to_string()),
            Sel::new(p),
            Sel::new(""),
            Sel::new(""),
            Sel::new("").tinggi(26.0),
        ]);
    }
    d.push(Blok::Tabel(t));
    d
}

// --------------------------------------------------------------------------------- buku agenda

/// The buku agenda of a period as the paper book's columns (masuk: No, Tgl terima, Asal, Nomor &
/// tanggal surat, Perihal, Klasifikasi/derajat, Saluran, Keterangan; keluar: Tujuan instead of Asal;
/// kriptogram books the same with the kriptogram mark). Entries are in nomor agenda order; entries
/// without a nomor (not registered) are left out.
pub fn buku_agenda(
    kop: &KopSurat,
    judul_buku: &str,
    keluar: bool,
    periode: &str,
    entries: &[Entry],
    tz: &TimeZone,
) -> Dokumen {
    let mut d = Dokumen::new(
        format!("Buku Agenda {judul_buku} {periode}"),
        Ukuran::F4,
        Some(kop.clone()),
    );
    d.huruf = 9.0;
    d.push(Blok::Judul {
        teks: format!("BUKU AGENDA {}", judul_buku.to_uppercase()),
        sub: vec![format!("Periode: {periode}")],
    });
    let pihak = if keluar { "Tujuan" } else { "Asal" };
    let mut t = Tabel::new(
        &[1.6, 1.9, 3.0, 3.0, 4.3, 1.7, 1.8, 2.2],
        &[
            "No. agenda",
            "Tgl. terima",
            pihak,
            "Nomor / tgl. surat",
            "Perihal",
            "Klas. / derajat",
            "Saluran",
            "Keterangan",
        ],
    );
    t.skala = 0.82;
    let mut v: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.nomor_agenda.is_some())
        .collect();
    v.sort_by_key(|e| (e.tahun, e.nomor_agenda));
    for e in v {
        let tgl = e.registered_at.unwrap_or(e.received_at);
        let surat = match e.tanggal_surat {
            Some(t) => format!("{}\n{}", e.nomor_surat, t.strftime("%d-%m-%Y")),
            None => e.nomor_surat.clone(),
        };
        let mut ket = e.status.as_str().to_string();
        if e.kriptogram {
            ket.push_str(", kriptogram");
        }
        if let Some(r) = &e.void_reason {
            ket.push_str(&format!(": {r}"));
        }
        t.baris(vec![
            format!("{}/{}", e.nomor_agenda.unwrap_or(0), e.tahun.unwrap_or(0)),
            tgl.to_zoned(tz.clone())
                .strftime("%d-%m-%Y %H:%M")
                .to_string(),
            if keluar {
                e.tujuan.clone()
            } else {
                e.asal.clone()
            },
            surat,
            e.perihal.clone(),
            format!(
                "{}\n{}",
                e.klasifikasi.map_or("-", |k| k.as_str()),
                e.derajat.as_deref().unwrap_or("-")
            ),
            e.saluran.clone(),
            ket,
        ]);
    }
    if t.baris.is_empty() {
        t.baris.push(vec![
            Sel::new("Tidak ada entri terdaftar pada periode ini.").span(8),
        ]);
    }
    d.push(Blok::Tabel(t));
    d
}

// ------------------------------------------------------------------------------------------ resi

/// The resi (receipt) of a delivered kriptogram: the entry, the message id and its SHA-256, and the
/// delivery evidence kasa holds. Fields kasa does not hold are marked blanks.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct Resi {
    /// Message id of the `.kgm` (hex), if known.
    pub msg_id: String,
    /// SHA-256 of the `.kgm` file.
    pub sha256: String,
    /// Sender and recipient node names/ids.
    pub pengirim: String,
    pub penerima: String,
    /// When the receipt (`diterima`) came back, if it did.
    pub diterima_at: Option<Timestamp>,
    /// The signed receipts of the receiving nodes (issue 18), oldest first; empty when the letter
    /// travelled by hand and no receipt file came back.
    #[serde(default)]
    pub tanda_terima: Vec<ResiPenerima>,
}

/// One signed receipt of a receiving node: `diterima`, `dibuka` or `ditolak` (with the reason).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct ResiPenerima {
    pub penerima: String,
    pub status: String,
    pub at: Timestamp,
    pub alasan: Option<String>,
}

/// The resi on A5: entry data, message identity, delivery, and the sandiman's signature.
pub fn resi_kriptogram(
    kop: &KopSurat,
    e: &Entry,
    r: &Resi,
    penanda: &Penanda,
    tz: &TimeZone,
) -> Dokumen {
    let mut d = Dokumen::new(
        format!("Resi Kriptogram entri {}", e.id),
        Ukuran::A5,
        Some(kop.clone()),
    );
    d.huruf = 8.0;
    d.push(Blok::Judul {
        teks: "RESI PENGIRIMAN KRIPTOGRAM".into(),
        sub: vec![],
    });
    let mut t = Tabel {
        lebar: vec![2.2, 5.0],
        kepala: vec![],
        baris: vec![],
        skala: 1.0,
    };
    let mut row = |k: &str, v: String| t.baris.push(vec![Sel::new(k).tebal(), Sel::new(v)]);
    row(
        "Nomor agenda",
        e.nomor_agenda.map_or("-".into(), |n| {
            format!("{n}/{} ({})", e.tahun.unwrap_or(0), e.book.as_str())
        }),
    );
    row("Nomor surat", atau_kosong(&e.nomor_surat));
    row("Perihal", atau_kosong(&e.perihal));
    row(
        "Klasifikasi",
        e.klasifikasi.map_or("-".into(), |k| k.as_str().into()),
    );
    row("Derajat", e.derajat.clone().unwrap_or_else(|| "-".into()));
    row("Pengirim", atau_kosong(&r.pengirim));
    row("Penerima", atau_kosong(&r.penerima));
    row("Saluran", atau_kosong(&e.saluran));
    row("ID pesan", atau_kosong(&r.msg_id));
    row("SHA-256 .kgm", atau_kosong(&r.sha256));
    row("Dikirim", e.sent_at.map_or(KOSONG.into(), |t| waktu(t, tz)));
    row(
        "Diterima (tanda terima)",
        r.diterima_at.map_or(KOSONG.into(), |t| waktu(t, tz)),
    );
    d.push(Blok::Tabel(t));
    if !r.tanda_terima.is_empty() {
        d.push(Blok::Subjudul(
            "Tanda terima elektronik (ditandatangani node penerima)".into(),
        ));
        let mut t = Tabel::new(
            &[2.0, 1.3, 2.2, 3.0],
            &["Penerima", "Status", "Waktu", "Keterangan"],
        );
        for p in &r.tanda_terima {
            t.baris(vec![
                p.penerima.clone(),
                p.status.to_uppercase(),
                waktu(p.at, tz),
                p.alasan.clone().unwrap_or_else(|| "-".into()),
            ]);
        }
        d.push(Blok::Tabel(t));
    }
    d.push(Blok::Tandatangan(vec![penanda.clone()]));
    d
}
