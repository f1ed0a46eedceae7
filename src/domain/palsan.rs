//! Palsan: the register of crypto equipment (*peralatan sandi*), main supporting equipment (APU), key
//! material metadata (*kunci sistem sandi*), the repair procedure to BSSN, reminders and the annual-report
//! Lampiran III/IV/V tables.
//!
//! Sources: seed 000 (SOP Pemeliharaan Peralatan Sandi, steps 1–14 and their *mutu baku*), seed 002
//! Peringatan 2 (Email Sanapati password at least every 3 months), seed 003 Lampiran III, IV, V (table
//! layouts), GLOSSARY (palsan, APU, kunci sissan). Asset model after Snipe-IT (check-out/in, status,
//! maintenance records).
//!
//! Everything is pure: time comes in as an argument (`at`/`now`), so every rule is tested with an
//! injected clock. Key material is metadata only: there is no field for a key value or a safe
//! combination, and free text that looks like key material is refused ([`check_no_secret`]).

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::agenda::DomainError;
use super::calendar::WorkCalendar;
use super::waktu::tampil;

fn err<T>(s: impl Into<String>) -> Result<T, DomainError> {
    Err(DomainError(s.into()))
}

/// Longest accepted free-text field, in characters.
pub const MAX_TEXT: usize = 500;

fn clean(field: &str, v: &str) -> Result<String, DomainError> {
    let v = v.trim();
    if v.chars().count() > MAX_TEXT {
        return err(format!(
            "{field} terlalu panjang: maksimum {MAX_TEXT} karakter; persingkat"
        ));
    }
    if v.chars().any(|c| c.is_control()) {
        return err(format!(
            "{field} berisi karakter kendali; hapus baris baru/tab"
        ));
    }
    check_no_secret(field, v)?;
    Ok(v.to_string())
}

fn required(field: &str, v: &str) -> Result<String, DomainError> {
    let v = clean(field, v)?;
    if v.is_empty() {
        return err(format!("{field} wajib diisi"));
    }
    Ok(v)
}

/// Refuses text that looks like key material (a run of 32 or more hex/base64 characters): kasa keeps
/// metadata only, never key values or safe combinations (GLOSSARY: kunci sissan).
pub fn check_no_secret(field: &str, v: &str) -> Result<(), DomainError> {
    let looks_secret = v
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .any(|tok| {
            tok.len() >= 32
                && tok
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | '_'))
                && tok.chars().any(|c| c.is_ascii_digit())
        });
    if looks_secret {
        return err(format!(
            "{field} tampak berisi nilai kunci atau sandi (deret ≥ 32 karakter hex/base64): kasa hanya \
             menyimpan metadata; tulis rujukan dokumennya saja"
        ));
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------- kinds

/// Which annual-report table an item counts in (seed 003).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lampiran {
    /// Lampiran III – Daftar Peralatan Sandi.
    III,
    /// Lampiran IV – Daftar Kunci Sistem Sandi.
    IV,
    /// Lampiran V – Daftar Alat Pendukung Utama: jammer and countersurveillance only.
    V,
    /// Lampiran XI – Daftar Kelengkapan Sarana Kerja (sarana kamar sandi, backup disks, other
    /// supporting equipment: not *alat pendukung utama* in the report's definition).
    XI,
}

/// Jenis of an equipment item (GLOSSARY: palsan, APU).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum JenisPalsan {
    /// Peralatan sandi (a crypto device).
    PeralatanSandi,
    /// Dongle enkripsi (seed 002 step 4).
    DongleEnkripsi,
    /// Aplikasi enkripsi.
    AplikasiEnkripsi,
    /// APU: jammer.
    Jammer,
    /// APU: countersurveillance.
    Countersurveillance,
    /// APU: sarana kamar sandi.
    SaranaKasa,
    /// APU: backup disk.
    BackupDisk,
    /// APU: other supporting equipment.
    ApuLain,
}

impl JenisPalsan {
    /// All kinds, Lampiran III kinds first.
    pub const ALL: [JenisPalsan; 8] = [
        JenisPalsan::PeralatanSandi,
        JenisPalsan::DongleEnkripsi,
        JenisPalsan::AplikasiEnkripsi,
        JenisPalsan::Jammer,
        JenisPalsan::Countersurveillance,
        JenisPalsan::SaranaKasa,
        JenisPalsan::BackupDisk,
        JenisPalsan::ApuLain,
    ];

    /// Machine name (CLI, JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            JenisPalsan::PeralatanSandi => "peralatan_sandi",
            JenisPalsan::DongleEnkripsi => "dongle_enkripsi",
            JenisPalsan::AplikasiEnkripsi => "aplikasi_enkripsi",
            JenisPalsan::Jammer => "jammer",
            JenisPalsan::Countersurveillance => "countersurveillance",
            JenisPalsan::SaranaKasa => "sarana_kasa",
            JenisPalsan::BackupDisk => "backup_disk",
            JenisPalsan::ApuLain => "apu_lain",
        }
    }

    /// Label as printed in the report.
    pub fn label(self) -> &'static str {
        match self {
            JenisPalsan::PeralatanSandi => "Peralatan sandi",
            JenisPalsan::DongleEnkripsi => "Dongle enkripsi",
            JenisPalsan::AplikasiEnkripsi => "Aplikasi enkripsi",
            JenisPalsan::Jammer => "Jammer",
            JenisPalsan::Countersurveillance => "Countersurveillance",
            JenisPalsan::SaranaKasa => "Sarana kamar sandi",
            JenisPalsan::BackupDisk => "Backup disk",
            JenisPalsan::ApuLain => "APU lain",
        }
    }

    /// Lampiran III (palsan), V (APU: jammer and countersurveillance only, as seed 003 Lampiran V
    /// defines it) or XI (sarana kerja: kamar sandi fittings, backup disks, other equipment).
    pub fn lampiran(self) -> Lampiran {
        match self {
            JenisPalsan::PeralatanSandi
            | JenisPalsan::DongleEnkripsi
            | JenisPalsan::AplikasiEnkripsi => Lampiran::III,
            JenisPalsan::Jammer | JenisPalsan::Countersurveillance => Lampiran::V,
            JenisPalsan::SaranaKasa | JenisPalsan::BackupDisk | JenisPalsan::ApuLain => {
                Lampiran::XI
            }
        }
    }

    /// Parses a machine name or label (case-insensitive, `-`/space as `_`). Errors list the choices.
    pub fn parse(s: &str) -> Result<JenisPalsan, DomainError> {
        let l = s.trim().to_lowercase().replace(['-', ' '], "_");
        JenisPalsan::ALL
            .into_iter()
            .find(|j| j.as_str() == l || j.label().to_lowercase().replace(' ', "_") == l)
            .ok_or_else(|| {
                DomainError(format!(
                    "jenis '{s}' tidak dikenal: pilih {}",
                    JenisPalsan::ALL.map(|j| j.as_str()).join(", ")
                ))
            })
    }
}

/// Kondisi fungsional (GLOSSARY; Lampiran III/IV/V count Rusak ringan and Rusak berat as *Rusak*).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Kondisi {
    Baik,
    RusakRingan,
    RusakBerat,
}

impl Kondisi {
    pub const ALL: [Kondisi; 3] = [Kondisi::Baik, Kondisi::RusakRingan, Kondisi::RusakBerat];
    /// Machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kondisi::Baik => "baik",
            Kondisi::RusakRingan => "rusak_ringan",
            Kondisi::RusakBerat => "rusak_berat",
        }
    }
    /// Label.
    pub fn label(self) -> &'static str {
        match self {
            Kondisi::Baik => "Baik",
            Kondisi::RusakRingan => "Rusak ringan",
            Kondisi::RusakBerat => "Rusak berat",
        }
    }
    /// Parses `baik`, `rusak_ringan`/`ringan`, `rusak_berat`/`berat` (case-insensitive).
    pub fn parse(s: &str) -> Result<Kondisi, DomainError> {
        match s.trim().to_lowercase().replace(['-', ' '], "_").as_str() {
            "baik" => Ok(Kondisi::Baik),
            "rusak_ringan" | "ringan" => Ok(Kondisi::RusakRingan),
            "rusak_berat" | "berat" => Ok(Kondisi::RusakBerat),
            _ => err(format!(
                "kondisi '{s}' tidak dikenal: pilih baik, rusak_ringan atau rusak_berat"
            )),
        }
    }
}

/// Kesiapan operasional.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Kesiapan {
    Siap,
    TidakSiap,
}

impl Kesiapan {
    pub const ALL: [Kesiapan; 2] = [Kesiapan::Siap, Kesiapan::TidakSiap];
    /// Machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kesiapan::Siap => "siap",
            Kesiapan::TidakSiap => "tidak_siap",
        }
    }
    /// Label.
    pub fn label(self) -> &'static str {
        match self {
            Kesiapan::Siap => "Siap",
            Kesiapan::TidakSiap => "Tidak siap",
        }
    }
    /// Parses `siap` / `tidak_siap` (or `tidak`).
    pub fn parse(s: &str) -> Result<Kesiapan, DomainError> {
        match s.trim().to_lowercase().replace(['-', ' '], "_").as_str() {
            "siap" => Ok(Kesiapan::Siap),
            "tidak_siap" | "tidak" => Ok(Kesiapan::TidakSiap),
            _ => err(format!(
                "kesiapan '{s}' tidak dikenal: pilih siap atau tidak_siap"
            )),
        }
    }
}

// ------------------------------------------------------------------------------------------- items

/// One line of an item's append-only history (*riwayat*).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Riwayat {
    pub at: Timestamp,
    /// Operator who recorded it.
    pub oleh: String,
    /// `ditambahkan`, `diubah`, `dipinjam`, `dikembalikan`, `perbaikan.buka`, `perbaikan.langkah`,
    /// `perbaikan.selesai`, `dihapus`.
    pub aksi: String,
    pub catatan: String,
}

/// A check-out (*peminjaman*) to an operator.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Peminjaman {
    /// Who holds the item now.
    pub kepada: String,
    pub keluar_at: Timestamp,
    /// Expected check-in; reminders fire from it.
    #[serde(default)]
    pub rencana_kembali: Option<Timestamp>,
    #[serde(default)]
    pub catatan: String,
}

/// Disposal (*penghapusan/pemusnahan*): after it the item is read-only.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Penghapusan {
    /// Nomor berita acara penghapusan/pemusnahan.
    pub berita_acara: String,
    /// Witnesses (*saksi*), at least two.
    pub saksi: Vec<String>,
    pub alasan: String,
    pub at: Timestamp,
    pub oleh: String,
}

/// Fields to add an item.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct PalsanBaru {
    pub jenis: JenisPalsan,
    /// Nama/model, e.g. "Secure X" (Lampiran III groups by it).
    pub nama: String,
    #[serde(default)]
    pub nomor_seri: String,
    /// Sumber, e.g. "BSSN", "APBD 2021".
    #[serde(default)]
    pub sumber: String,
    #[serde(default)]
    pub lokasi: String,
    /// Custodian (*pemegang*).
    #[serde(default)]
    pub pemegang: String,
    pub kondisi: Kondisi,
    pub kesiapan: Kesiapan,
    #[serde(default)]
    pub catatan: String,
}

/// Fields to change on an item (`None` keeps the value).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct PalsanUbah {
    #[serde(default)]
    pub nama: Option<String>,
    #[serde(default)]
    pub nomor_seri: Option<String>,
    #[serde(default)]
    pub sumber: Option<String>,
    #[serde(default)]
    pub lokasi: Option<String>,
    #[serde(default)]
    pub pemegang: Option<String>,
    #[serde(default)]
    pub kondisi: Option<Kondisi>,
    #[serde(default)]
    pub kesiapan: Option<Kesiapan>,
    #[serde(default)]
    pub catatan: Option<String>,
}

/// An equipment item of the register.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Palsan {
    pub id: u64,
    pub jenis: JenisPalsan,
    pub nama: String,
    #[serde(default)]
    pub nomor_seri: String,
    #[serde(default)]
    pub sumber: String,
    #[serde(default)]
    pub lokasi: String,
    #[serde(default)]
    pub pemegang: String,
    pub kondisi: Kondisi,
    pub kesiapan: Kesiapan,
    #[serde(default)]
    pub catatan: String,
    /// Current check-out, if any.
    #[serde(default)]
    pub dipinjam: Option<Peminjaman>,
    /// Open repair case id, if any (the item is Tidak siap meanwhile).
    #[serde(default)]
    pub perbaikan: Option<u64>,
    /// Disposal record; set once, then the item is read-only.
    #[serde(default)]
    pub dihapus: Option<Penghapusan>,
    /// While a repair case has the item at BSSN (SOP 000 steps 10–14): its lokasi and pemegang before,
    /// restored at step 14.
    #[serde(default)]
    pub penempatan_asal: Option<Penempatan>,
    pub dibuat_at: Timestamp,
    /// Append-only history.
    #[serde(default)]
    pub riwayat: Vec<Riwayat>,
}

impl Palsan {
    /// A new item. Errors: empty nama, bad text.
    pub fn new(id: u64, f: &PalsanBaru, at: Timestamp, oleh: &str) -> Result<Palsan, DomainError> {
        let mut p = Palsan {
            id,
            jenis: f.jenis,
            nama: required("nama", &f.nama)?,
            nomor_seri: clean("nomor_seri", &f.nomor_seri)?,
            sumber: clean("sumber", &f.sumber)?,
            lokasi: clean("lokasi", &f.lokasi)?,
            pemegang: clean("pemegang", &f.pemegang)?,
            kondisi: f.kondisi,
            kesiapan: f.kesiapan,
            catatan: clean("catatan", &f.catatan)?,
            dipinjam: None,
            perbaikan: None,
            dihapus: None,
            penempatan_asal: None,
            dibuat_at: at,
            riwayat: Vec::new(),
        };
        p.log(
            at,
            oleh,
            "ditambahkan",
            format!("{} · {}", p.kondisi.label(), p.kesiapan.label()),
        );
        Ok(p)
    }

    fn log(&mut self, at: Timestamp, oleh: &str, aksi: &str, catatan: String) {
        self.riwayat.push(Riwayat {
            at,
            oleh: oleh.to_string(),
            aksi: aksi.to_string(),
            catatan,
        });
    }

    /// Refuses any change to a disposed item.
    pub fn check_mutable(&self) -> Result<(), DomainError> {
        if let Some(d) = &self.dihapus {
            return err(format!(
                "palsan {} sudah dihapus (berita acara {}) dan hanya dapat dibaca: tidak ada perubahan yang \
                 dapat dicatat",
                self.id, d.berita_acara
            ));
        }
        Ok(())
    }

    /// Edits fields. Errors: disposed item; `kesiapan` Siap while a repair case is open.
    pub fn ubah(
        &mut self,
        u: &PalsanUbah,
        at: Timestamp,
        oleh: &str,
    ) -> Result<String, DomainError> {
        self.check_mutable()?;
        let mut changed = Vec::new();
        macro_rules! text {
            ($f:ident, $req:expr) => {
                if let Some(v) = &u.$f {
                    let v = if $req {
                        required(stringify!($f), v)?
                    } else {
                        clean(stringify!($f), v)?
                    };
                    if v != self.$f {
                        changed.push(format!("{}: {} → {}", stringify!($f), self.$f, v));
                        self.$f = v;
                    }
                }
            };
        }
        text!(nama, true);
        text!(nomor_seri, false);
        text!(sumber, false);
        text!(lokasi, false);
        text!(pemegang, false);
        text!(catatan, false);
        if let Some(k) = u.kondisi
            && k != self.kondisi
        {
            changed.push(format!("kondisi: {} → {}", self.kondisi.label(), k.label()));
            self.kondisi = k;
        }
        if let Some(k) = u.kesiapan
            && k != self.kesiapan
        {
            if k == Kesiapan::Siap
                && let Some(c) = self.perbaikan
            {
                return err(format!(
                    "palsan {} sedang dalam perbaikan (kasus {c}): tetap Tidak siap sampai langkah 14 \
                     (kembali) dicatat",
                    self.id
                ));
            }
            changed.push(format!(
                "kesiapan: {} → {}",
                self.kesiapan.label(),
                k.label()
            ));
            self.kesiapan = k;
        }
        if changed.is_empty() {
            return err("tidak ada perubahan: sebutkan field yang diubah");
        }
        let d = changed.join("; ");
        self.log(at, oleh, "diubah", d.clone());
        Ok(d)
    }

    /// Check-out to `kepada`. Errors: disposed, already out (names the holder), empty `kepada`,
    /// `rencana_kembali` before `at`.
    pub fn checkout(
        &mut self,
        kepada: &str,
        rencana_kembali: Option<Timestamp>,
        catatan: &str,
        at: Timestamp,
        oleh: &str,
    ) -> Result<(), DomainError> {
        self.check_mutable()?;
        if let Some(p) = &self.dipinjam {
            return err(format!(
                "palsan {} sedang dipinjam {} sejak {}: catat pengembalian (checkin) dahulu",
                self.id, p.kepada, p.keluar_at
            ));
        }
        if let Some(c) = self.perbaikan {
            return err(format!(
                "palsan {} sedang dalam perbaikan (kasus {c}) dan Tidak siap: tidak dapat dipinjamkan sampai \
                 langkah 14 (kembali) dicatat",
                self.id
            ));
        }
        let kepada = required("kepada", kepada)?;
        if let Some(r) = rencana_kembali
            && r <= at
        {
            return err("rencana kembali harus setelah waktu peminjaman");
        }
        let catatan = clean("catatan", catatan)?;
        self.dipinjam = Some(Peminjaman {
            kepada: kepada.clone(),
            keluar_at: at,
            rencana_kembali,
            catatan: catatan.clone(),
        });
        let mut d = format!("kepada {kepada}");
        if let Some(r) = rencana_kembali {
            d.push_str(&format!(", rencana kembali {r}"));
        }
        if !catatan.is_empty() {
            d.push_str(&format!(" · {catatan}"));
        }
        self.log(at, oleh, "dipinjam", d);
        Ok(())
    }

    /// Check-in with the condition found and a note. Kondisi Baik → Siap, otherwise Tidak siap (a repair
    /// case keeps it Tidak siap). Errors: disposed, not checked out.
    pub fn checkin(
        &mut self,
        kondisi: Kondisi,
        catatan: &str,
        at: Timestamp,
        oleh: &str,
    ) -> Result<(), DomainError> {
        self.check_mutable()?;
        let Some(p) = self.dipinjam.take() else {
            return err(format!(
                "palsan {} tidak sedang dipinjam: tidak ada yang dikembalikan (lihat `kasa palsan item show {}`)",
                self.id, self.id
            ));
        };
        let catatan = match clean("catatan", catatan) {
            Ok(c) => c,
            Err(e) => {
                self.dipinjam = Some(p);
                return Err(e);
            }
        };
        self.kondisi = kondisi;
        self.kesiapan = if kondisi == Kondisi::Baik && self.perbaikan.is_none() {
            Kesiapan::Siap
        } else {
            Kesiapan::TidakSiap
        };
        let mut d = format!("dari {} · kondisi {}", p.kepada, kondisi.label());
        if !catatan.is_empty() {
            d.push_str(&format!(" · {catatan}"));
        }
        self.log(at, oleh, "dikembalikan", d);
        Ok(())
    }

    /// Disposal with berita acara and at least two witnesses. Errors: already disposed, checked out,
    /// repair case open, missing berita acara or witnesses.
    pub fn hapus(
        &mut self,
        berita_acara: &str,
        saksi: &[String],
        alasan: &str,
        at: Timestamp,
        oleh: &str,
    ) -> Result<(), DomainError> {
        self.check_mutable()?;
        if let Some(p) = &self.dipinjam {
            return err(format!(
                "palsan {} masih dipinjam {}: catat pengembalian dahulu",
                self.id, p.kepada
            ));
        }
        if let Some(c) = self.perbaikan {
            return err(format!(
                "palsan {} masih dalam perbaikan (kasus {c}): selesaikan kasusnya dahulu",
                self.id
            ));
        }
        let ba = required("berita_acara", berita_acara)?;
        let saksi: Vec<String> = saksi
            .iter()
            .map(|s| clean("saksi", s))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        if saksi.len() < 2 {
            return err("penghapusan memerlukan sedikitnya 2 saksi (--saksi dua kali)");
        }
        let alasan = clean("alasan", alasan)?;
        self.kesiapan = Kesiapan::TidakSiap;
        self.log(
            at,
            oleh,
            "dihapus",
            format!("berita acara {ba}; saksi {}; {alasan}", saksi.join(", ")),
        );
        self.dihapus = Some(Penghapusan {
            berita_acara: ba,
            saksi,
            alasan,
            at,
            oleh: oleh.to_string(),
        });
        Ok(())
    }
}

// ------------------------------------------------------------------------------------------- repair

/// The 14 steps of seed 000 (SOP Pemeliharaan Peralatan Sandi), in order.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum LangkahPerbaikan {
    /// 1. Sandiman melaporkan kerusakan kepada Kasi (15 menit).
    Dilaporkan,
    /// 2. Nota dinas persetujuan perbaikan ke BSSN kepada Kabid IATIK (15 menit).
    NotaDinas,
    /// 3. Kabid mengusulkan/mendisposisikan Kasi membuat draft surat (15 menit).
    Disposisi,
    /// 4. Draft surat ke BSSN, surat tugas dan SPPD (2 jam).
    SuratBssn,
    /// 5. Draft surat disampaikan kepada Kabid IATIK (15 menit).
    DraftKeKabid,
    /// 6. Kabid menandatangani, diteruskan ke Kadis (5 menit).
    TtdKabid,
    /// 7. Kadis menandatangani NPKND ke Sekretariat Daerah (tanpa mutu baku).
    TtdKadis,
    /// 8. Sekda menandatangani surat (tanpa mutu baku).
    TtdSekda,
    /// 9. Surat disampaikan kepada sandiman yang bertugas (5 menit).
    SuratDiserahkan,
    /// 10. Sandiman membawa peralatan ke BSSN (1 jam).
    DibawaKeBssn,
    /// 11. BSSN menilai kerusakan ringan atau berat (1 jam).
    Dinilai,
    /// 12. BSSN memperbaiki (1 hari).
    Diperbaiki,
    /// 13. Serah terima dengan berita acara (15 menit).
    SerahTerima,
    /// 14. Sandiman membawa kembali peralatan yang sudah diperbaiki (1 hari).
    Kembali,
}

impl LangkahPerbaikan {
    /// All steps in SOP order.
    pub const ALL: [LangkahPerbaikan; 14] = [
        LangkahPerbaikan::Dilaporkan,
        LangkahPerbaikan::NotaDinas,
        LangkahPerbaikan::Disposisi,
        LangkahPerbaikan::SuratBssn,
        LangkahPerbaikan::DraftKeKabid,
        LangkahPerbaikan::TtdKabid,
        LangkahPerbaikan::TtdKadis,
        LangkahPerbaikan::TtdSekda,
        LangkahPerbaikan::SuratDiserahkan,
        LangkahPerbaikan::DibawaKeBssn,
        LangkahPerbaikan::Dinilai,
        LangkahPerbaikan::Diperbaiki,
        LangkahPerbaikan::SerahTerima,
        LangkahPerbaikan::Kembali,
    ];

    /// The SOP step number, 1–14.
    pub fn nomor(self) -> u8 {
        LangkahPerbaikan::ALL
            .iter()
            .position(|l| *l == self)
            .map_or(0, |i| i as u8 + 1)
    }

    /// The step with SOP number `n` (1–14).
    pub fn from_nomor(n: u8) -> Option<LangkahPerbaikan> {
        (1..=14)
            .contains(&n)
            .then(|| LangkahPerbaikan::ALL[n as usize - 1])
    }

    /// Parses a step number (`4`) or machine name (`surat_bssn`).
    pub fn parse(s: &str) -> Result<LangkahPerbaikan, DomainError> {
        let t = s.trim().to_lowercase();
        if let Ok(n) = t.parse::<u8>() {
            return LangkahPerbaikan::from_nomor(n).ok_or_else(|| {
                DomainError(format!("langkah {n} tidak ada: SOP 000 punya langkah 1–14"))
            });
        }
        LangkahPerbaikan::ALL
            .into_iter()
            .find(|l| l.as_str() == t)
            .ok_or_else(|| {
                DomainError(format!(
                    "langkah '{s}' tidak dikenal: pakai nomor 1–14 atau {}",
                    LangkahPerbaikan::ALL.map(|l| l.as_str()).join(", ")
                ))
            })
    }

    /// Machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            LangkahPerbaikan::Dilaporkan => "dilaporkan",
            LangkahPerbaikan::NotaDinas => "nota_dinas",
            LangkahPerbaikan::Disposisi => "disposisi",
            LangkahPerbaikan::SuratBssn => "surat_bssn",
            LangkahPerbaikan::DraftKeKabid => "draft_ke_kabid",
            LangkahPerbaikan::TtdKabid => "ttd_kabid",
            LangkahPerbaikan::TtdKadis => "ttd_kadis",
            LangkahPerbaikan::TtdSekda => "ttd_sekda",
            LangkahPerbaikan::SuratDiserahkan => "surat_diserahkan",
            LangkahPerbaikan::DibawaKeBssn => "dibawa_ke_bssn",
            LangkahPerbaikan::Dinilai => "dinilai",
            LangkahPerbaikan::Diperbaiki => "diperbaiki",
            LangkahPerbaikan::SerahTerima => "serah_terima",
            LangkahPerbaikan::Kembali => "kembali",
        }
    }

    /// Short Indonesian label.
    pub fn label(self) -> &'static str {
        match self {
            LangkahPerbaikan::Dilaporkan => "Dilaporkan rusak",
            LangkahPerbaikan::NotaDinas => "Nota dinas ke Kabid",
            LangkahPerbaikan::Disposisi => "Disposisi",
            LangkahPerbaikan::SuratBssn => "Surat ke BSSN, surat tugas, SPPD",
            LangkahPerbaikan::DraftKeKabid => "Draft surat ke Kabid",
            LangkahPerbaikan::TtdKabid => "Ditandatangani Kabid",
            LangkahPerbaikan::TtdKadis => "Ditandatangani Kadis (NPKND)",
            LangkahPerbaikan::TtdSekda => "Ditandatangani Sekda",
            LangkahPerbaikan::SuratDiserahkan => "Surat diserahkan ke sandiman",
            LangkahPerbaikan::DibawaKeBssn => "Dibawa ke BSSN",
            LangkahPerbaikan::Dinilai => "Dinilai ringan/berat",
            LangkahPerbaikan::Diperbaiki => "Diperbaiki",
            LangkahPerbaikan::SerahTerima => "Serah terima (berita acara)",
            LangkahPerbaikan::Kembali => "Kembali",
        }
    }

    /// Who performs the step (seed 000 pelaksana columns; the tick marks are lost in the seed text, so
    /// this follows the step wording).
    pub fn pelaksana(self) -> &'static str {
        match self {
            LangkahPerbaikan::Dilaporkan => "Sandiman",
            LangkahPerbaikan::NotaDinas => "Kasi Keamanan Informasi dan Persandian",
            LangkahPerbaikan::Disposisi => "Kabid IATIK",
            LangkahPerbaikan::SuratBssn => "Kasi Keamanan Informasi dan Persandian",
            LangkahPerbaikan::DraftKeKabid => "Kasi Keamanan Informasi dan Persandian",
            LangkahPerbaikan::TtdKabid => "Kabid IATIK",
            LangkahPerbaikan::TtdKadis => "Kadis Komunikasi dan Informatika",
            LangkahPerbaikan::TtdSekda => "Sekda",
            LangkahPerbaikan::SuratDiserahkan => "Kasi Keamanan Informasi dan Persandian",
            LangkahPerbaikan::DibawaKeBssn => "Sandiman",
            LangkahPerbaikan::Dinilai => "BSSN",
            LangkahPerbaikan::Diperbaiki => "BSSN",
            LangkahPerbaikan::SerahTerima => "BSSN",
            LangkahPerbaikan::Kembali => "Sandiman",
        }
    }

    /// The step's *mutu baku* from seed 000 ("15 Menit", "2 Jam", "1 Hari"); `None` for steps 7
    /// (Kadis/NPKND) and 8 (Sekda), which have no norm: they show elapsed time only. Every norm runs in
    /// office time of the node's calendar ([`MutuBaku::batas`]).
    pub fn mutu_baku(self) -> Option<MutuBaku> {
        let m = |n: u32| Some(MutuBaku::Menit(n));
        match self {
            LangkahPerbaikan::Dilaporkan
            | LangkahPerbaikan::NotaDinas
            | LangkahPerbaikan::Disposisi
            | LangkahPerbaikan::DraftKeKabid
            | LangkahPerbaikan::SerahTerima => m(15),
            LangkahPerbaikan::SuratBssn => m(120),
            LangkahPerbaikan::TtdKabid | LangkahPerbaikan::SuratDiserahkan => m(5),
            LangkahPerbaikan::TtdKadis | LangkahPerbaikan::TtdSekda => None,
            LangkahPerbaikan::DibawaKeBssn | LangkahPerbaikan::Dinilai => m(60),
            LangkahPerbaikan::Diperbaiki | LangkahPerbaikan::Kembali => {
                Some(MutuBaku::HariKerja(1))
            }
        }
    }

    /// The document the step must cite (its *output* in seed 000), if one is required.
    pub fn dokumen_wajib(self) -> Option<&'static str> {
        match self {
            LangkahPerbaikan::NotaDinas => Some("nomor nota dinas"),
            LangkahPerbaikan::Disposisi => Some("lembar disposisi"),
            LangkahPerbaikan::SuratBssn => Some("nomor surat ke BSSN / surat tugas / SPPD"),
            LangkahPerbaikan::TtdKadis => Some("nomor NPKND"),
            LangkahPerbaikan::SerahTerima => Some("nomor berita acara serah terima"),
            _ => None,
        }
    }
}

/// A step's *mutu baku* as seed 000 writes it: "15 Menit", "2 Jam", "1 Hari".
///
/// Both kinds run in office time of the node's calendar, through the one rule the receive and send
/// flows use ([`WorkCalendar::add_office_time`]: `jam_kerja` of `node.toml`, Monday–Friday, the
/// configured holidays). A minute norm whose clock starts at 15:55 on a Friday is due minutes after
/// Monday's opening; a day is one working day of office time (the length of `jam_kerja`, 8 h 30 min
/// by default), so "1 Hari" from Friday 14:00 is due Monday 14:00, never on the weekend.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MutuBaku {
    /// Minutes of office time ("2 Jam" is 120).
    Menit(u32),
    /// Working days, each one full day of office time ("1 Hari").
    HariKerja(u32),
}

impl MutuBaku {
    /// `15 menit`, `2 jam`, `1 hari kerja`: the norm in words (alarms, CLI text).
    pub fn teks(self) -> String {
        match self {
            MutuBaku::Menit(n) if n >= 60 && n % 60 == 0 => format!("{} jam", n / 60),
            MutuBaku::Menit(n) => format!("{n} menit"),
            MutuBaku::HariKerja(n) => format!("{n} hari kerja"),
        }
    }

    /// `15m`, `2j`, `1hk`: the norm in a table cell.
    pub fn singkat(self) -> String {
        match self {
            MutuBaku::Menit(n) if n >= 60 && n % 60 == 0 => format!("{}j", n / 60),
            MutuBaku::Menit(n) => format!("{n}m"),
            MutuBaku::HariKerja(n) => format!("{n}hk"),
        }
    }

    /// The norm as a span of office time: minutes as they are; a working day as the length of
    /// `cal.jam_kerja` (closing minus opening).
    pub fn durasi(self, cal: &WorkCalendar) -> SignedDuration {
        match self {
            MutuBaku::Menit(n) => SignedDuration::from_mins(n as i64),
            MutuBaku::HariKerja(n) => {
                let hari = cal.jam_kerja.selesai.duration_since(cal.jam_kerja.mulai);
                hari * n as i32
            }
        }
    }

    /// When a step whose clock starts at `mulai` is due: `mulai` plus [`MutuBaku::durasi`] of office
    /// time (`cal.add_office_time`). A start outside office hours counts from the next opening.
    pub fn batas(self, cal: &WorkCalendar, mulai: Timestamp) -> Timestamp {
        cal.add_office_time(mulai, self.durasi(cal))
    }
}

/// Formats a duration as `1h 05m`, `3d 02h`, `12m` (negative values with a leading `-`).
pub fn fmt_durasi(d: SignedDuration) -> String {
    let neg = d.is_negative();
    let s = d.as_secs().unsigned_abs();
    let (dd, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    let t = if dd > 0 {
        format!("{dd}h{h:02}j")
    } else if h > 0 {
        format!("{h}j{m:02}m")
    } else {
        format!("{m}m")
    };
    if neg { format!("-{t}") } else { t }
}

/// A recorded step of a repair case.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct CatatanLangkah {
    pub langkah: LangkahPerbaikan,
    /// When the step was done.
    pub at: Timestamp,
    /// Who did it (name and/or post: Kasi, Kabid, Sekda, petugas BSSN …).
    pub oleh: String,
    /// Operator who recorded it in kasa.
    pub dicatat_oleh: String,
    /// Document reference (nota dinas, surat, SPPD, berita acara …).
    #[serde(default)]
    pub dokumen: String,
    #[serde(default)]
    pub catatan: String,
    /// Step 11 only: the damage as assessed (rusak ringan / rusak berat).
    #[serde(default)]
    pub penilaian: Option<Kondisi>,
}

/// Input for recording a step (`kasa palsan repair step`, the console's `s` form).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct LangkahInput {
    pub langkah: LangkahPerbaikan,
    /// Performer; empty → the recording operator.
    #[serde(default)]
    pub oleh: String,
    #[serde(default)]
    pub dokumen: String,
    #[serde(default)]
    pub catatan: String,
    /// Step 11 only: the damage as BSSN assessed it (`rusak_ringan` / `rusak_berat`).
    #[serde(default)]
    pub penilaian: Option<Kondisi>,
    /// When the step actually happened (RFC 3339 instant); `None` → now. May be back-dated (yesterday's
    /// Sekda signature), never into the future nor before the previous step.
    #[serde(default)]
    pub at: Option<Timestamp>,
}

/// The damage report that opens a case (SOP 000 step 1: the sandiman reports the damage to the Kasi).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct LaporanKerusakan {
    /// What is broken (required).
    pub kerusakan: String,
    /// Who reported; empty → the recording operator.
    #[serde(default)]
    pub pelapor: String,
    /// When the damage was found: the start of step 1's 15-minute norm. `None` → the report time.
    #[serde(default)]
    pub ditemukan_at: Option<Timestamp>,
    /// When it was reported (step 1 done). `None` → now.
    #[serde(default)]
    pub dilaporkan_at: Option<Timestamp>,
}

/// A repair case (*perbaikan*) of one item, following seed 000 steps 1–14.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Perbaikan {
    pub id: u64,
    pub palsan_id: u64,
    /// What is broken.
    pub kerusakan: String,
    /// When the damage was found (the start of step 1's norm).
    pub ditemukan_at: Timestamp,
    /// Recorded steps, in order (step 1 is recorded when the case opens).
    pub langkah: Vec<CatatanLangkah>,
    /// Set when step 14 is recorded.
    #[serde(default)]
    pub selesai_at: Option<Timestamp>,
}

/// SLA state of one step. `elapsed_s` is wall-clock seconds from the step's start (the previous step
/// done) to its completion or to now; `norma_s` is the norm as office-time seconds
/// ([`MutuBaku::durasi`]: 900 for 15 minutes, 30 600 for one working day of 07:30–16:00). Whether a step is
/// late is decided by its due instant ([`SlaLangkah::batas`]), which skips nights, weekends and holidays.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SlaState {
    /// Done by its due instant.
    TepatWaktu { elapsed_s: i64, norma_s: i64 },
    /// Done after its due instant.
    Terlambat { elapsed_s: i64, norma_s: i64 },
    /// Done; no norm in the SOP (elapsed only).
    Selesai { elapsed_s: i64 },
    /// The next step, not yet due.
    Berjalan { elapsed_s: i64, norma_s: i64 },
    /// The next step, past its due instant (the node raises the `palsan.perbaikan` alarm).
    Lewat { elapsed_s: i64, norma_s: i64 },
    /// The next step; no norm in the SOP (elapsed only).
    Menunggu { elapsed_s: i64 },
    /// Not reached yet.
    Belum,
}

/// One row of a case's SLA view.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct SlaLangkah {
    pub langkah: LangkahPerbaikan,
    pub nomor: u8,
    pub sla: SlaState,
    /// When the step's clock started (the previous step done; step 1: ditemukan); `None` before.
    #[serde(default)]
    pub mulai: Option<Timestamp>,
    /// When the step is (was) due: `mulai` + its norm in office time; `None` without a norm or start.
    #[serde(default)]
    pub batas: Option<Timestamp>,
}

impl SlaLangkah {
    /// One-line Indonesian text: elapsed (wall clock) over the norm, e.g. `tepat waktu 10m/15m`,
    /// `LEWAT 3h01j/1hk` (hk = hari kerja), `berjalan 3m (tanpa norma)`, `belum`.
    pub fn teks(&self) -> String {
        let f = |s: i64| fmt_durasi(SignedDuration::from_secs(s));
        let n = self
            .langkah
            .mutu_baku()
            .map(|m| m.singkat())
            .unwrap_or_default();
        match self.sla {
            SlaState::TepatWaktu { elapsed_s, .. } => format!("tepat waktu {}/{n}", f(elapsed_s)),
            SlaState::Terlambat { elapsed_s, .. } => format!("terlambat {}/{n}", f(elapsed_s)),
            SlaState::Selesai { elapsed_s } => format!("selesai {} (tanpa norma)", f(elapsed_s)),
            SlaState::Berjalan { elapsed_s, .. } => format!("berjalan {}/{n}", f(elapsed_s)),
            SlaState::Lewat { elapsed_s, .. } => format!("LEWAT {}/{n}", f(elapsed_s)),
            SlaState::Menunggu { elapsed_s } => format!("berjalan {} (tanpa norma)", f(elapsed_s)),
            SlaState::Belum => "belum".into(),
        }
    }
}

/// An instant for a refusal: to the second, in the node's zone (two times in the same minute differ).
fn detik(t: Timestamp, tz: &TimeZone) -> String {
    super::waktu::dalam(t, tz, "%Y-%m-%d %H:%M:%S %Z")
}

impl Perbaikan {
    /// Opens a case: records step 1 (damage reported) at `lapor.dilaporkan_at` (default `now`), its
    /// clock counted from `lapor.ditemukan_at` (default the report time). Times in messages are shown in
    /// `tz`.
    ///
    /// Errors (SOP 000 step 1): empty kerusakan; a report time or a found time after `now`; a found
    /// time after the report time.
    pub fn buka(
        id: u64,
        palsan_id: u64,
        lapor: &LaporanKerusakan,
        now: Timestamp,
        tz: &TimeZone,
        operator: &str,
    ) -> Result<Perbaikan, DomainError> {
        let kerusakan = required("kerusakan", &lapor.kerusakan)?;
        let at = lapor.dilaporkan_at.unwrap_or(now);
        if at > now {
            return err(format!(
                "waktu laporan {} di masa depan (sekarang {}): langkah 1 SOP 000 mencatat laporan yang sudah \
                 disampaikan; isi waktu laporan sebenarnya, paling lambat sekarang, atau kosongkan untuk \
                 waktu sekarang",
                detik(at, tz),
                detik(now, tz)
            ));
        }
        let ditemukan_at = lapor.ditemukan_at.unwrap_or(at);
        if ditemukan_at > now {
            return err(format!(
                "waktu ditemukan {} di masa depan (sekarang {}): isi kapan kerusakan benar-benar ditemukan, \
                 paling lambat sekarang",
                detik(ditemukan_at, tz),
                detik(now, tz)
            ));
        }
        if ditemukan_at > at {
            return err(format!(
                "waktu ditemukan {} setelah waktu laporan {}: langkah 1 SOP 000 melaporkan kerusakan yang \
                 sudah ditemukan (mutu baku 15 menit dihitung sejak ditemukan); isi waktu ditemukan paling \
                 lambat waktu laporan",
                detik(ditemukan_at, tz),
                detik(at, tz)
            ));
        }
        let oleh = clean("oleh", &lapor.pelapor)?;
        Ok(Perbaikan {
            id,
            palsan_id,
            kerusakan: kerusakan.clone(),
            ditemukan_at,
            langkah: vec![CatatanLangkah {
                langkah: LangkahPerbaikan::Dilaporkan,
                at,
                oleh: if oleh.is_empty() {
                    operator.to_string()
                } else {
                    oleh
                },
                dicatat_oleh: operator.to_string(),
                dokumen: String::new(),
                catatan: kerusakan,
                penilaian: None,
            }],
            selesai_at: None,
        })
    }

    /// The next step to record, `None` when the case is closed.
    pub fn berikutnya(&self) -> Option<LangkahPerbaikan> {
        if self.selesai_at.is_some() {
            return None;
        }
        LangkahPerbaikan::from_nomor(self.langkah.len() as u8 + 1)
    }

    /// True while the case is open.
    pub fn terbuka(&self) -> bool {
        self.selesai_at.is_none()
    }

    /// When the last recorded step was done (the start of the next step's norm).
    pub fn terakhir_at(&self) -> Timestamp {
        self.langkah.last().map_or(self.ditemukan_at, |l| l.at)
    }

    /// BSSN's assessment of step 11 (rusak ringan / rusak berat), once recorded.
    pub fn penilaian(&self) -> Option<Kondisi> {
        self.langkah.iter().find_map(|l| l.penilaian)
    }

    /// Records the next step; `now` is the node's clock, `tz` its zone (for the times in messages).
    ///
    /// Errors: case closed; a step out of order (names the expected one); a time (`inp.at`) in the future
    /// or before the previous step (steps of SOP 000 follow each other); a missing document for steps that
    /// produce one; step 11 without a penilaian ringan/berat.
    pub fn catat(
        &mut self,
        inp: &LangkahInput,
        now: Timestamp,
        tz: &TimeZone,
        operator: &str,
    ) -> Result<&CatatanLangkah, DomainError> {
        let Some(next) = self.berikutnya() else {
            return err(format!(
                "kasus perbaikan {} sudah selesai: buka kasus baru bila peralatan rusak lagi",
                self.id
            ));
        };
        if inp.langkah != next {
            return err(format!(
                "langkah {} ({}) tidak dapat dicatat sekarang: langkah berikutnya kasus {} adalah {} ({})",
                inp.langkah.nomor(),
                inp.langkah.label(),
                self.id,
                next.nomor(),
                next.label()
            ));
        }
        let at = inp.at.unwrap_or(now);
        if at > now {
            return err(format!(
                "waktu langkah {} ({}) {} di masa depan (sekarang {}): SOP 000 mencatat langkah yang sudah \
                 terjadi; isi waktu sebenarnya, paling lambat sekarang, atau kosongkan untuk waktu sekarang",
                next.nomor(),
                next.label(),
                detik(at, tz),
                detik(now, tz)
            ));
        }
        let prev = self.terakhir_at();
        if at < prev {
            let sebelumnya = self.langkah.last().map_or("ditemukan".to_string(), |l| {
                format!("langkah {} ({})", l.langkah.nomor(), l.langkah.label())
            });
            return err(format!(
                "waktu langkah {} ({}) {} sebelum langkah sebelumnya, {sebelumnya} {}: langkah SOP 000 \
                 berurutan, tiap langkah dimulai setelah langkah sebelumnya selesai; periksa tanggal/jam \
                 (paling awal {})",
                next.nomor(),
                next.label(),
                detik(at, tz),
                detik(prev, tz),
                detik(prev, tz)
            ));
        }
        let dokumen = clean("dokumen", &inp.dokumen)?;
        if let Some(what) = next.dokumen_wajib()
            && dokumen.is_empty()
        {
            return err(format!(
                "langkah {} ({}) memerlukan rujukan dokumen: isi --dokumen dengan {what}",
                next.nomor(),
                next.label()
            ));
        }
        let penilaian = if next == LangkahPerbaikan::Dinilai {
            match inp.penilaian {
                Some(k @ (Kondisi::RusakRingan | Kondisi::RusakBerat)) => Some(k),
                _ => {
                    return err(
                        "langkah 11 (dinilai) memerlukan penilaian BSSN: --penilaian ringan atau berat",
                    );
                }
            }
        } else {
            None
        };
        let oleh = clean("oleh", &inp.oleh)?;
        self.langkah.push(CatatanLangkah {
            langkah: next,
            at,
            oleh: if oleh.is_empty() {
                operator.to_string()
            } else {
                oleh
            },
            dicatat_oleh: operator.to_string(),
            dokumen,
            catatan: clean("catatan", &inp.catatan)?,
            penilaian,
        });
        if next == LangkahPerbaikan::Kembali {
            self.selesai_at = Some(at);
        }
        Ok(self.langkah.last().expect("just pushed"))
    }

    /// The SLA state of every step at `now`. A step's clock starts when the previous step was done
    /// (step 1: when the damage was found) and runs in office time of `cal` ([`MutuBaku::batas`]); a
    /// step is late when done (or still open) after its due instant.
    pub fn sla(&self, cal: &WorkCalendar, now: Timestamp) -> Vec<SlaLangkah> {
        let mut out = Vec::with_capacity(14);
        let mut start = self.ditemukan_at;
        let next = self.berikutnya();
        for l in LangkahPerbaikan::ALL {
            let mutu = l.mutu_baku();
            let norma = mutu.map(|m| m.durasi(cal).as_secs());
            let (mulai, batas, sla) =
                if let Some(rec) = self.langkah.iter().find(|r| r.langkah == l) {
                    let batas = mutu.map(|m| m.batas(cal, start));
                    let e = rec.at.duration_since(start).as_secs();
                    let sla = match (norma, batas) {
                        (Some(n), Some(b)) if rec.at <= b => SlaState::TepatWaktu {
                            elapsed_s: e,
                            norma_s: n,
                        },
                        (Some(n), Some(_)) => SlaState::Terlambat {
                            elapsed_s: e,
                            norma_s: n,
                        },
                        _ => SlaState::Selesai { elapsed_s: e },
                    };
                    let mulai = start;
                    start = rec.at;
                    (Some(mulai), batas, sla)
                } else if Some(l) == next {
                    let batas = mutu.map(|m| m.batas(cal, start));
                    let e = now.duration_since(start).as_secs().max(0);
                    let sla = match (norma, batas) {
                        (Some(n), Some(b)) if now <= b => SlaState::Berjalan {
                            elapsed_s: e,
                            norma_s: n,
                        },
                        (Some(n), Some(_)) => SlaState::Lewat {
                            elapsed_s: e,
                            norma_s: n,
                        },
                        _ => SlaState::Menunggu { elapsed_s: e },
                    };
                    (Some(start), batas, sla)
                } else {
                    (None, None, SlaState::Belum)
                };
            out.push(SlaLangkah {
                langkah: l,
                nomor: l.nomor(),
                sla,
                mulai,
                batas,
            });
        }
        out
    }
}

/// The open step of a repair case past its due instant: what the node's watch raises one
/// `palsan.perbaikan` alarm for, and what the reminder list shows.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct LangkahLewat {
    pub perbaikan: u64,
    pub palsan_id: u64,
    pub langkah: LangkahPerbaikan,
    pub mutu_baku: MutuBaku,
    /// When the step's clock started (the previous step done).
    pub mulai: Timestamp,
    /// When it was due (`mulai` + the norm in office time).
    pub batas: Timestamp,
}

impl LangkahLewat {
    /// The alarm's object: `palsan:ITEM:perbaikan:CASE:langkah:K` (one alarm per case and step).
    pub fn objek(&self) -> String {
        format!(
            "palsan:{}:perbaikan:{}:langkah:{}",
            self.palsan_id,
            self.perbaikan,
            self.langkah.nomor()
        )
    }

    /// The Indonesian alarm/reminder text: which case, item and step, its pelaksana, its norm, when it
    /// started and was due (in `tz`), and what to do. `nama` is the item's nama/model (may be empty).
    pub fn pesan(&self, nama: &str, tz: &TimeZone) -> String {
        let l = self.langkah;
        let nama = if nama.is_empty() {
            String::new()
        } else {
            format!(" {nama}")
        };
        format!(
            "perbaikan {} (palsan {}{nama}): langkah {} {} (pelaksana {}) melewati mutu baku {} SOP 000 \
             Pemeliharaan Peralatan Sandi (mulai {}, batas {}); tanyakan kepada pelaksana, lalu catat \
             langkah {} begitu selesai (`kasa palsan repair step {} {}` atau s di tab Palsan)",
            self.perbaikan,
            self.palsan_id,
            l.nomor(),
            l.label(),
            l.pelaksana(),
            self.mutu_baku.teks(),
            tampil(self.mulai, tz),
            tampil(self.batas, tz),
            l.nomor(),
            self.perbaikan,
            l.nomor()
        )
    }
}

/// The open steps of `cases` past their due instant at `now` (strictly after it): for each open case
/// its next step when that step has a norm. Norms run in office time of `cal` ([`MutuBaku::batas`]),
/// so a "1 Hari" step started on a Friday afternoon is not late before Monday afternoon.
pub fn pelanggaran(cases: &[Perbaikan], cal: &WorkCalendar, now: Timestamp) -> Vec<LangkahLewat> {
    cases
        .iter()
        .filter(|c| c.terbuka())
        .filter_map(|c| {
            let langkah = c.berikutnya()?;
            let mutu_baku = langkah.mutu_baku()?;
            let mulai = c.terakhir_at();
            let batas = mutu_baku.batas(cal, mulai);
            (now > batas).then_some(LangkahLewat {
                perbaikan: c.id,
                palsan_id: c.palsan_id,
                langkah,
                mutu_baku,
                mulai,
                batas,
            })
        })
        .collect()
}

/// Where an item is while a repair case has taken it to BSSN (SOP 000 steps 10–13).
pub const LOKASI_BSSN: &str = "BSSN";
/// Who holds it meanwhile.
pub const PEMEGANG_BSSN: &str = "BSSN";
/// Where a repaired item returns to (step 14) when its earlier lokasi is unknown.
pub const LOKASI_KAMAR_SANDI: &str = "Kamar Sandi";

/// An item's lokasi and pemegang before it went to BSSN (restored at step 14).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct Penempatan {
    #[serde(default)]
    pub lokasi: String,
    #[serde(default)]
    pub pemegang: String,
}

fn atau_kosong(s: &str) -> &str {
    if s.is_empty() { "(kosong)" } else { s }
}

impl Palsan {
    /// Marks the item as under repair: Tidak siap, kondisi at least Rusak ringan. Errors: disposed, a case
    /// already open.
    pub fn buka_perbaikan(
        &mut self,
        case: &Perbaikan,
        kondisi: Kondisi,
        oleh: &str,
    ) -> Result<(), DomainError> {
        self.check_mutable()?;
        if let Some(c) = self.perbaikan {
            return err(format!(
                "palsan {} sudah punya kasus perbaikan terbuka ({c}): lanjutkan kasus itu",
                self.id
            ));
        }
        self.perbaikan = Some(case.id);
        self.kondisi = if kondisi == Kondisi::Baik {
            Kondisi::RusakRingan
        } else {
            kondisi
        };
        self.kesiapan = Kesiapan::TidakSiap;
        let at = case.langkah.first().map_or(case.ditemukan_at, |l| l.at);
        self.log(
            at,
            oleh,
            "perbaikan.buka",
            format!("kasus {} · {}", case.id, case.kerusakan),
        );
        Ok(())
    }

    /// Follows a recorded repair step, with one history line (`perbaikan.langkah`, step 14
    /// `perbaikan.selesai`) naming what changed:
    /// - step 10 (dibawa ke BSSN): lokasi [`LOKASI_BSSN`] and pemegang [`PEMEGANG_BSSN`]; the earlier
    ///   ones are kept in `penempatan_asal`;
    /// - step 11 (dinilai): kondisi becomes BSSN's assessment, written `penilaian BSSN: Rusak berat`;
    /// - step 14 (kembali): the case closes, the item is Baik and Siap, back at its earlier lokasi
    ///   ([`LOKASI_KAMAR_SANDI`] when none was recorded) with its earlier pemegang, the line naming the
    ///   berita acara serah terima of step 13.
    ///
    /// Errors: disposed item; `case` is not the item's open case.
    pub fn ikuti_langkah(
        &mut self,
        case: &Perbaikan,
        rec: &CatatanLangkah,
        oleh: &str,
    ) -> Result<(), DomainError> {
        self.check_mutable()?;
        if self.perbaikan != Some(case.id) {
            return err(format!(
                "kasus {} bukan kasus terbuka palsan {}",
                case.id, self.id
            ));
        }
        let mut d = format!(
            "kasus {} langkah {} {} oleh {}",
            case.id,
            rec.langkah.nomor(),
            rec.langkah.label(),
            rec.oleh
        );
        if !rec.dokumen.is_empty() {
            d.push_str(&format!(" · dok {}", rec.dokumen));
        }
        if let Some(k) = rec.penilaian {
            self.kondisi = k;
            d.push_str(&format!(" · penilaian BSSN: {}", k.label()));
        }
        match rec.langkah {
            LangkahPerbaikan::DibawaKeBssn => {
                d.push_str(&format!(
                    " · lokasi {} → {LOKASI_BSSN}; pemegang {} → {PEMEGANG_BSSN}",
                    atau_kosong(&self.lokasi),
                    atau_kosong(&self.pemegang)
                ));
                self.penempatan_asal = Some(Penempatan {
                    lokasi: std::mem::replace(&mut self.lokasi, LOKASI_BSSN.into()),
                    pemegang: std::mem::replace(&mut self.pemegang, PEMEGANG_BSSN.into()),
                });
            }
            LangkahPerbaikan::Kembali => {
                if let Some(asal) = self.penempatan_asal.take() {
                    let lokasi = if asal.lokasi.is_empty() || asal.lokasi == LOKASI_BSSN {
                        LOKASI_KAMAR_SANDI.to_string()
                    } else {
                        asal.lokasi
                    };
                    d.push_str(&format!(
                        " · lokasi {} → {lokasi}; pemegang {} → {}",
                        atau_kosong(&self.lokasi),
                        atau_kosong(&self.pemegang),
                        atau_kosong(&asal.pemegang)
                    ));
                    self.lokasi = lokasi;
                    self.pemegang = asal.pemegang;
                }
                if let Some(ba) = case
                    .langkah
                    .iter()
                    .find(|l| l.langkah == LangkahPerbaikan::SerahTerima)
                    .filter(|l| !l.dokumen.is_empty())
                {
                    d.push_str(&format!(" · berita acara serah terima {}", ba.dokumen));
                }
            }
            _ => {}
        }
        if rec.langkah == LangkahPerbaikan::Kembali {
            self.perbaikan = None;
            self.kondisi = Kondisi::Baik;
            self.kesiapan = Kesiapan::Siap;
            self.log(rec.at, oleh, "perbaikan.selesai", d);
        } else {
            self.kesiapan = Kesiapan::TidakSiap;
            self.log(rec.at, oleh, "perbaikan.langkah", d);
        }
        Ok(())
    }
}

// ------------------------------------------------------------------------------------------- keys

/// Status of key material: diterima → aktif → diganti/kedaluwarsa → dimusnahkan.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum StatusKunci {
    Diterima,
    Aktif,
    Diganti,
    Kedaluwarsa,
    Dimusnahkan,
}

impl StatusKunci {
    pub const ALL: [StatusKunci; 5] = [
        StatusKunci::Diterima,
        StatusKunci::Aktif,
        StatusKunci::Diganti,
        StatusKunci::Kedaluwarsa,
        StatusKunci::Dimusnahkan,
    ];
    /// Machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusKunci::Diterima => "diterima",
            StatusKunci::Aktif => "aktif",
            StatusKunci::Diganti => "diganti",
            StatusKunci::Kedaluwarsa => "kedaluwarsa",
            StatusKunci::Dimusnahkan => "dimusnahkan",
        }
    }
    /// Parses a machine name.
    pub fn parse(s: &str) -> Result<StatusKunci, DomainError> {
        let l = s.trim().to_lowercase();
        StatusKunci::ALL
            .into_iter()
            .find(|k| k.as_str() == l)
            .ok_or_else(|| {
                DomainError(format!(
                    "status '{s}' tidak dikenal: pilih diterima, aktif, diganti, kedaluwarsa, dimusnahkan"
                ))
            })
    }
    /// Allowed next statuses.
    pub fn berikutnya(self) -> &'static [StatusKunci] {
        match self {
            StatusKunci::Diterima => &[StatusKunci::Aktif, StatusKunci::Kedaluwarsa],
            StatusKunci::Aktif => &[StatusKunci::Diganti, StatusKunci::Kedaluwarsa],
            StatusKunci::Diganti | StatusKunci::Kedaluwarsa => &[StatusKunci::Dimusnahkan],
            StatusKunci::Dimusnahkan => &[],
        }
    }
}

/// Fields to register key material (metadata only).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct KunciBaru {
    /// Jenis/sistem, e.g. "Kunci Sissan Secure X" (Lampiran IV groups by it).
    pub jenis: String,
    /// Identifier printed on the material (seri/edisi), never the key itself.
    #[serde(default)]
    pub seri: String,
    /// Linked equipment item.
    #[serde(default)]
    pub palsan_id: Option<u64>,
    pub berlaku_dari: Date,
    pub berlaku_sampai: Date,
    #[serde(default)]
    pub pemegang: String,
    pub kondisi: Kondisi,
    #[serde(default)]
    pub catatan: String,
}

/// Key material (*kunci sistem sandi*): metadata only — never key values or safe combinations.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Kunci {
    pub id: u64,
    pub jenis: String,
    #[serde(default)]
    pub seri: String,
    #[serde(default)]
    pub palsan_id: Option<u64>,
    /// First day of validity (inclusive, node zone).
    pub berlaku_dari: Date,
    /// Last day of validity (inclusive, node zone).
    pub berlaku_sampai: Date,
    pub status: StatusKunci,
    #[serde(default)]
    pub pemegang: String,
    pub kondisi: Kondisi,
    #[serde(default)]
    pub catatan: String,
    #[serde(default)]
    pub riwayat: Vec<Riwayat>,
}

impl Kunci {
    /// Registers received key material (status diterima). Errors: empty jenis, period reversed, text that
    /// looks like a key value.
    pub fn new(id: u64, f: &KunciBaru, at: Timestamp, oleh: &str) -> Result<Kunci, DomainError> {
        if f.berlaku_sampai < f.berlaku_dari {
            return err("berlaku sampai harus sama dengan atau setelah berlaku dari");
        }
        let mut k = Kunci {
            id,
            jenis: required("jenis", &f.jenis)?,
            seri: clean("seri", &f.seri)?,
            palsan_id: f.palsan_id,
            berlaku_dari: f.berlaku_dari,
            berlaku_sampai: f.berlaku_sampai,
            status: StatusKunci::Diterima,
            pemegang: clean("pemegang", &f.pemegang)?,
            kondisi: f.kondisi,
            catatan: clean("catatan", &f.catatan)?,
            riwayat: Vec::new(),
        };
        k.riwayat.push(Riwayat {
            at,
            oleh: oleh.into(),
            aksi: "diterima".into(),
            catatan: format!("berlaku {} s.d. {}", f.berlaku_dari, f.berlaku_sampai),
        });
        Ok(k)
    }

    /// The instant validity ends: the start of the day after `berlaku_sampai` in `tz`.
    pub fn berakhir_at(&self, tz: &TimeZone) -> Timestamp {
        self.berlaku_sampai
            .tomorrow()
            .ok()
            .and_then(|d| d.to_zoned(tz.clone()).ok())
            .map_or(Timestamp::MAX, |z| z.timestamp())
    }

    /// True when the material is expired at `at`: its status says so, or its validity ended
    /// ([`Kunci::berakhir_at`] in `tz`) — no manual status change needed. Lampiran IV counts it as not
    /// Baik.
    pub fn kedaluwarsa_pada(&self, tz: &TimeZone, at: Timestamp) -> bool {
        self.status == StatusKunci::Kedaluwarsa || at >= self.berakhir_at(tz)
    }

    /// Moves the status along diterima → aktif → diganti/kedaluwarsa → dimusnahkan. Dimusnahkan needs a
    /// berita acara reference in `catatan`. Errors name the allowed next statuses.
    pub fn ubah_status(
        &mut self,
        to: StatusKunci,
        catatan: &str,
        at: Timestamp,
        oleh: &str,
    ) -> Result<(), DomainError> {
        if !self.status.berikutnya().contains(&to) {
            let next = self.status.berikutnya();
            return err(if next.is_empty() {
                format!(
                    "kunci {} sudah dimusnahkan: tidak ada perubahan status lagi",
                    self.id
                )
            } else {
                format!(
                    "kunci {} berstatus {}: berikutnya hanya {}",
                    self.id,
                    self.status.as_str(),
                    next.iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(" atau ")
                )
            });
        }
        let catatan = clean("catatan", catatan)?;
        if to == StatusKunci::Dimusnahkan && catatan.is_empty() {
            return err("pemusnahan kunci memerlukan rujukan berita acara pemusnahan di --catatan");
        }
        self.riwayat.push(Riwayat {
            at,
            oleh: oleh.into(),
            aksi: to.as_str().into(),
            catatan,
        });
        self.status = to;
        Ok(())
    }
}

// ------------------------------------------------------------------------------------------- reminders

/// Periodic duties and when they were last done (recorded with `kasa palsan berkala`).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct Berkala {
    /// Last Email Sanapati password change (seed 002 Peringatan 2).
    #[serde(default)]
    pub sanapati_terakhir: Option<Timestamp>,
    /// Last equipment audit (stock-take of the register).
    #[serde(default)]
    pub audit_terakhir: Option<Timestamp>,
}

/// Which periodic duty.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum JenisBerkala {
    /// Email Sanapati password change.
    Sanapati,
    /// Equipment audit.
    Audit,
}

impl JenisBerkala {
    /// Parses `sanapati` or `audit`.
    pub fn parse(s: &str) -> Result<JenisBerkala, DomainError> {
        match s.trim().to_lowercase().as_str() {
            "sanapati" | "email_sanapati" => Ok(JenisBerkala::Sanapati),
            "audit" | "audit_peralatan" => Ok(JenisBerkala::Audit),
            _ => err(format!("'{s}' tidak dikenal: pilih sanapati atau audit")),
        }
    }
}

/// Reminder intervals and lead times (days).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct AturanPengingat {
    /// Warn this many days before key material expires.
    pub kunci_hari_sebelum: i64,
    /// Email Sanapati password interval (seed 002: 3 months → 90 days).
    pub sanapati_hari: i64,
    /// Warn this many days before the password is due.
    pub sanapati_hari_sebelum: i64,
    /// Equipment audit interval.
    pub audit_hari: i64,
    /// Warn this many days before an audit is due.
    pub audit_hari_sebelum: i64,
    /// Warn this many hours before an expected check-in.
    pub kembali_jam_sebelum: i64,
}

impl Default for AturanPengingat {
    fn default() -> Self {
        AturanPengingat {
            kunci_hari_sebelum: 30,
            sanapati_hari: 90,
            sanapati_hari_sebelum: 7,
            audit_hari: 180,
            audit_hari_sebelum: 14,
            kembali_jam_sebelum: 24,
        }
    }
}

/// Kind of reminder.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum JenisPengingat {
    KunciKedaluwarsa,
    Pengembalian,
    LangkahPerbaikan,
    SandiEmailSanapati,
    AuditPeralatan,
}

/// One due or overdue item.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Pengingat {
    pub jenis: JenisPengingat,
    /// `palsan:3`, `kunci:2`, `perbaikan:1`, `berkala:sanapati`.
    pub objek: String,
    /// When it is (was) due.
    pub jatuh_tempo: Timestamp,
    /// Past due.
    pub terlambat: bool,
    /// Indonesian text naming what to do.
    pub pesan: String,
}

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

fn add(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.checked_add(d).unwrap_or(Timestamp::MAX)
}

/// The reminder list at `now`: key expiry (before and after), expected check-ins, repair steps past their
/// norm ([`pelanggaran`], in office time of `cal`), the Email Sanapati password (every `sanapati_hari`,
/// never recorded = due now) and the equipment audit. Overdue first, then by due time. Disposed items,
/// closed cases and destroyed/replaced keys are skipped. Times in the texts are in `cal.zone`.
pub fn pengingat(
    items: &[Palsan],
    cases: &[Perbaikan],
    kunci: &[Kunci],
    berkala: &Berkala,
    aturan: &AturanPengingat,
    cal: &WorkCalendar,
    now: Timestamp,
) -> Vec<Pengingat> {
    let tz = &cal.zone;
    let mut out = Vec::new();
    for k in kunci {
        if !matches!(k.status, StatusKunci::Diterima | StatusKunci::Aktif) {
            continue;
        }
        let end = k.berakhir_at(tz);
        let warn = add(end, -days(aturan.kunci_hari_sebelum));
        if now >= warn {
            let terlambat = now >= end;
            out.push(Pengingat {
                jenis: JenisPengingat::KunciKedaluwarsa,
                objek: format!("kunci:{}", k.id),
                jatuh_tempo: end,
                terlambat,
                pesan: if terlambat {
                    format!(
                        "kunci {} ({}) kedaluwarsa sejak {}: ganti dan catat status kedaluwarsa/diganti",
                        k.id, k.jenis, k.berlaku_sampai
                    )
                } else {
                    format!(
                        "kunci {} ({}) berlaku sampai {}: siapkan penggantinya",
                        k.id, k.jenis, k.berlaku_sampai
                    )
                },
            });
        }
    }
    for p in items.iter().filter(|p| p.dihapus.is_none()) {
        if let Some(pj) = &p.dipinjam
            && let Some(r) = pj.rencana_kembali
            && now >= add(r, -SignedDuration::from_hours(aturan.kembali_jam_sebelum))
        {
            let terlambat = now > r;
            out.push(Pengingat {
                jenis: JenisPengingat::Pengembalian,
                objek: format!("palsan:{}", p.id),
                jatuh_tempo: r,
                terlambat,
                pesan: format!(
                    "{} ({}) dipinjam {} {} kembali {r}: catat pengembalian",
                    p.nama,
                    p.id,
                    pj.kepada,
                    if terlambat { "seharusnya" } else { "rencana" }
                ),
            });
        }
    }
    for l in pelanggaran(cases, cal, now) {
        let nama = items
            .iter()
            .find(|p| p.id == l.palsan_id)
            .map_or("", |p| p.nama.as_str());
        out.push(Pengingat {
            jenis: JenisPengingat::LangkahPerbaikan,
            objek: format!("perbaikan:{}", l.perbaikan),
            jatuh_tempo: l.batas,
            terlambat: true,
            pesan: l.pesan(nama, tz),
        });
    }
    let mut periodic = |jenis, objek: &str, last: Option<Timestamp>, every, before, what: &str| {
        let due = last.map_or(now, |l| add(l, days(every)));
        if now >= add(due, -days(before)) {
            out.push(Pengingat {
                jenis,
                objek: objek.into(),
                jatuh_tempo: due,
                terlambat: now >= due,
                pesan: match last {
                    None => format!("{what}: belum pernah dicatat; lakukan dan catat sekarang"),
                    Some(l) => format!(
                        "{what}: terakhir {}, jatuh tempo {}",
                        super::waktu::tampil(l, tz),
                        super::waktu::tampil(due, tz)
                    ),
                },
            });
        }
    };
    periodic(
        JenisPengingat::SandiEmailSanapati,
        "berkala:sanapati",
        berkala.sanapati_terakhir,
        aturan.sanapati_hari,
        aturan.sanapati_hari_sebelum,
        "ganti password Email Sanapati (paling lambat 3 bulan sekali)",
    );
    periodic(
        JenisPengingat::AuditPeralatan,
        "berkala:audit",
        berkala.audit_terakhir,
        aturan.audit_hari,
        aturan.audit_hari_sebelum,
        "audit peralatan sandi",
    );
    out.sort_by(|a, b| {
        b.terlambat
            .cmp(&a.terlambat)
            .then(a.jatuh_tempo.cmp(&b.jatuh_tempo))
            .then(a.objek.cmp(&b.objek))
    });
    out
}

// ------------------------------------------------------------------------------------------- lampiran

/// One row of a Lampiran table.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct BarisLampiran {
    pub nama: String,
    pub jml: u64,
    pub baik: u64,
    pub rusak: u64,
    pub siap: u64,
    pub tidak: u64,
}

/// A Lampiran table as the annual report lays it out (seed 003).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct TabelLampiran {
    pub lampiran: Lampiran,
    /// `LAMPIRAN III - DAFTAR PERALATAN SANDI`, …
    pub judul: String,
    /// Header of the name column (`Nama Palsan`, `Nama Jenis Kunci Sissan`).
    pub kolom_nama: String,
    /// Whether the Kesiapan Operasional columns exist (not in Lampiran IV).
    pub kesiapan: bool,
    pub baris: Vec<BarisLampiran>,
}

fn grouped<'a>(
    rows: impl Iterator<Item = (String, bool, bool)> + 'a,
    fixed: &[&str],
) -> Vec<BarisLampiran> {
    let mut out: Vec<BarisLampiran> = fixed
        .iter()
        .map(|n| BarisLampiran {
            nama: n.to_string(),
            jml: 0,
            baik: 0,
            rusak: 0,
            siap: 0,
            tidak: 0,
        })
        .collect();
    for (nama, baik, siap) in rows {
        let i = match out.iter().position(|r| r.nama.eq_ignore_ascii_case(&nama)) {
            Some(i) => i,
            None => {
                out.push(BarisLampiran {
                    nama,
                    jml: 0,
                    baik: 0,
                    rusak: 0,
                    siap: 0,
                    tidak: 0,
                });
                out.len() - 1
            }
        };
        let r = &mut out[i];
        r.jml += 1;
        if baik {
            r.baik += 1
        } else {
            r.rusak += 1
        }
        if siap { r.siap += 1 } else { r.tidak += 1 }
    }
    let n = fixed.len();
    out[n..].sort_by_key(|r| r.nama.to_lowercase());
    out
}

/// Lampiran III – Daftar Peralatan Sandi: items of jenis peralatan sandi, dongle and aplikasi enkripsi,
/// not disposed, one row per nama/model.
pub fn lampiran_iii(items: &[Palsan]) -> TabelLampiran {
    TabelLampiran {
        lampiran: Lampiran::III,
        judul: "LAMPIRAN III - DAFTAR PERALATAN SANDI".into(),
        kolom_nama: "Nama Palsan".into(),
        kesiapan: true,
        baris: grouped(
            items
                .iter()
                .filter(|p| p.dihapus.is_none() && p.jenis.lampiran() == Lampiran::III)
                .map(|p| {
                    (
                        p.nama.clone(),
                        p.kondisi == Kondisi::Baik,
                        p.kesiapan == Kesiapan::Siap,
                    )
                }),
            &[],
        ),
    }
}

/// Lampiran IV – Daftar Kunci Sistem Sandi at the report's time `at`: key material not destroyed, one row
/// per jenis; Kondisi only. Material expired at `at` ([`Kunci::kedaluwarsa_pada`]: validity over in
/// `tz`, or status kedaluwarsa) counts as *Rusak* whatever its recorded kondisi: it can no longer be used.
pub fn lampiran_iv(kunci: &[Kunci], tz: &TimeZone, at: Timestamp) -> TabelLampiran {
    TabelLampiran {
        lampiran: Lampiran::IV,
        judul: "LAMPIRAN IV - DAFTAR KUNCI SISTEM SANDI".into(),
        kolom_nama: "Nama Jenis Kunci Sissan".into(),
        kesiapan: false,
        baris: grouped(
            kunci
                .iter()
                .filter(|k| k.status != StatusKunci::Dimusnahkan)
                .map(|k| {
                    (
                        k.jenis.clone(),
                        k.kondisi == Kondisi::Baik && !k.kedaluwarsa_pada(tz, at),
                        true,
                    )
                }),
            &[],
        ),
    }
}

/// Lampiran V – Daftar Alat Pendukung Utama: jammer and countersurveillance items not disposed, one
/// row per jenis, both always listed. Seed 003 limits *alat pendukung utama* to these two; backup
/// disks and kamar sandi fittings count in Lampiran XI (sarana kerja), never here.
pub fn lampiran_v(items: &[Palsan]) -> TabelLampiran {
    TabelLampiran {
        lampiran: Lampiran::V,
        judul: "LAMPIRAN V - DAFTAR ALAT PENDUKUNG UTAMA".into(),
        kolom_nama: "Nama Palsan".into(),
        kesiapan: true,
        baris: grouped(
            items
                .iter()
                .filter(|p| p.dihapus.is_none() && p.jenis.lampiran() == Lampiran::V)
                .map(|p| {
                    (
                        p.jenis.label().to_string(),
                        p.kondisi == Kondisi::Baik,
                        p.kesiapan == Kesiapan::Siap,
                    )
                }),
            &["Jammer", "Countersurveillance"],
        ),
    }
}

/// `part` of `total` as a whole percentage (half up); 0% when total is 0.
pub fn persen(part: u64, total: u64) -> String {
    if total == 0 {
        return "0%".into();
    }
    format!("{}%", (part * 200 + total) / (total * 2))
}

impl TabelLampiran {
    /// Totals (Jml, Baik, Rusak, Siap, Tidak).
    pub fn total(&self) -> BarisLampiran {
        let mut t = BarisLampiran {
            nama: "Jumlah total".into(),
            jml: 0,
            baik: 0,
            rusak: 0,
            siap: 0,
            tidak: 0,
        };
        for r in &self.baris {
            t.jml += r.jml;
            t.baik += r.baik;
            t.rusak += r.rusak;
            t.siap += r.siap;
            t.tidak += r.tidak;
        }
        t
    }

    fn cells(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let mut head = vec![
            "No".to_string(),
            self.kolom_nama.clone(),
            "Jml".into(),
            "Kondisi Baik".into(),
            "Kondisi Rusak".into(),
        ];
        if self.kesiapan {
            head.push("Kesiapan Siap".into());
            head.push("Kesiapan Tidak".into());
        }
        let row = |no: String, r: &BarisLampiran| {
            let mut v = vec![
                no,
                r.nama.clone(),
                r.jml.to_string(),
                r.baik.to_string(),
                r.rusak.to_string(),
            ];
            if self.kesiapan {
                v.push(r.siap.to_string());
                v.push(r.tidak.to_string());
            }
            v
        };
        let mut rows: Vec<Vec<String>> = self
            .baris
            .iter()
            .enumerate()
            .map(|(i, r)| row((i + 1).to_string(), r))
            .collect();
        let t = self.total();
        rows.push(row(String::new(), &t));
        let mut p = vec![
            String::new(),
            "Persentase".into(),
            persen(t.jml, t.jml),
            persen(t.baik, t.jml),
            persen(t.rusak, t.jml),
        ];
        if self.kesiapan {
            p.push(persen(t.siap, t.jml));
            p.push(persen(t.tidak, t.jml));
        }
        rows.push(p);
        (head, rows)
    }

    /// The table as Markdown: title, one header row, rows numbered from 1, `Jumlah total`, `Persentase`.
    pub fn to_markdown(&self) -> String {
        let (head, rows) = self.cells();
        let mut s = format!("## {}\n\n", self.judul);
        s.push_str(&format!("| {} |\n", head.join(" | ")));
        s.push_str(&format!(
            "|{}\n",
            head.iter()
                .enumerate()
                .map(|(i, _)| if i == 1 { ":---|" } else { "---:|" })
                .collect::<String>()
        ));
        for r in rows {
            s.push_str(&format!("| {} |\n", r.join(" | ")));
        }
        if self.baris.is_empty() {
            s.push_str(match self.lampiran {
                Lampiran::IV => "\n_Belum memiliki daftar kunci sistem sandi._\n",
                _ => "\n_Belum ada peralatan terdaftar._\n",
            });
        }
        s
    }

    /// The table as CSV with the report's two header rows (`Kondisi Fungsional` over Baik/Rusak,
    /// `Kesiapan Operasional` over Siap/Tidak; Lampiran IV `Kondisi` only). Fields with commas or quotes
    /// are quoted.
    pub fn to_csv(&self) -> String {
        let (_, rows) = self.cells();
        let q = |c: &str| {
            if c.contains([',', '"', '\n']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.to_string()
            }
        };
        let mut s = String::new();
        if self.kesiapan {
            s.push_str(&format!(
                "No,{},Jml,Kondisi Fungsional,,Kesiapan Operasional,\n,,,Baik,Rusak,Siap,Tidak\n",
                q(&self.kolom_nama)
            ));
        } else {
            s.push_str(&format!(
                "No,{},Jml,Kondisi,\n,,,Baik,Rusak\n",
                q(&self.kolom_nama)
            ));
        }
        for r in rows {
            s.push_str(&r.iter().map(|c| q(c)).collect::<Vec<_>>().join(","));
            s.push('\n');
        }
        s
    }
}

#[cfg(test)]
mod tests;
