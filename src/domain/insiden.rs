//! The *Logbook Insiden Keamanan Informasi* (seed 003, SOP PI.03): incidents, their append-only
//! timeline (*linimasa*), the PI.03 checklists (playbooks A, B, C from `data/playbooks.toml`), the two
//! time norms (*mutu baku*) as SLA clocks, evidence with custody transfers, and the short report of
//! PI.03 B5 as Markdown.
//!
//! Pure: no I/O, no clock reads. Every mutation takes a [`Ctx`] (time, operator, audit seq filled in by
//! the store) and appends a timeline entry; nothing already in the timeline is ever changed.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::DomainError;

pub mod masukan;

fn err<T>(s: impl Into<String>) -> Result<T, DomainError> {
    Err(DomainError(s.into()))
}

/// Longest accepted timeline line or text field, in characters.
pub const MAX_TEKS: usize = 4000;

/// Incident category per PI.03 II / IV (procedure A = program jahat, B = pemaksaan akses,
/// C = akses tidak sah).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Kategori {
    ProgramJahat,
    PemaksaanAkses,
    AksesTidakSah,
    Lainnya,
}

impl Kategori {
    /// All categories in PI.03 order.
    pub const ALL: [Kategori; 4] = [
        Kategori::ProgramJahat,
        Kategori::PemaksaanAkses,
        Kategori::AksesTidakSah,
        Kategori::Lainnya,
    ];
    /// Stable name (`program_jahat`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Kategori::ProgramJahat => "program_jahat",
            Kategori::PemaksaanAkses => "pemaksaan_akses",
            Kategori::AksesTidakSah => "akses_tidak_sah",
            Kategori::Lainnya => "lainnya",
        }
    }
    /// Human label in Indonesian.
    pub fn label(self) -> &'static str {
        match self {
            Kategori::ProgramJahat => "Program jahat",
            Kategori::PemaksaanAkses => "Pemaksaan akses",
            Kategori::AksesTidakSah => "Akses tidak sah",
            Kategori::Lainnya => "Lainnya",
        }
    }
    /// Parses a name (case-insensitive; spaces or dashes as underscores). Error lists the values.
    pub fn parse(s: &str) -> Result<Kategori, DomainError> {
        let l = s.trim().to_lowercase().replace([' ', '-'], "_");
        Kategori::ALL
            .into_iter()
            .find(|k| k.as_str() == l)
            .ok_or_else(|| {
                DomainError(format!(
                    "kategori '{s}' tidak dikenal: pakai program_jahat, pemaksaan_akses, akses_tidak_sah atau lainnya"
                ))
            })
    }
}

/// Severity, four levels.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Keparahan {
    Rendah,
    Sedang,
    Tinggi,
    Kritis,
}

impl Keparahan {
    /// All levels, lowest first.
    pub const ALL: [Keparahan; 4] = [
        Keparahan::Rendah,
        Keparahan::Sedang,
        Keparahan::Tinggi,
        Keparahan::Kritis,
    ];
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Keparahan::Rendah => "rendah",
            Keparahan::Sedang => "sedang",
            Keparahan::Tinggi => "tinggi",
            Keparahan::Kritis => "kritis",
        }
    }
    /// Parses a name or a level number 1–4.
    pub fn parse(s: &str) -> Result<Keparahan, DomainError> {
        let l = s.trim().to_lowercase();
        if let Ok(n) = l.parse::<usize>()
            && (1..=4).contains(&n)
        {
            return Ok(Keparahan::ALL[n - 1]);
        }
        Keparahan::ALL
            .into_iter()
            .find(|k| k.as_str() == l)
            .ok_or_else(|| {
                DomainError(format!(
                    "keparahan '{s}' tidak dikenal: pakai rendah, sedang, tinggi, kritis (atau 1–4)"
                ))
            })
    }
}

/// Traffic Light Protocol 2.0 label (who may receive the report).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Tlp {
    Clear,
    Green,
    #[default]
    Amber,
    AmberStrict,
    Red,
}

impl Tlp {
    /// All labels.
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];
    /// The printed label, e.g. `TLP:AMBER+STRICT`.
    pub fn label(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }
    /// Parses `clear`, `green`, `amber`, `amber+strict` (or `amber_strict`), `red`, with or without `TLP:`.
    pub fn parse(s: &str) -> Result<Tlp, DomainError> {
        let l = s.trim().to_lowercase();
        let l = l.strip_prefix("tlp:").unwrap_or(&l);
        match l {
            "clear" | "white" => Ok(Tlp::Clear),
            "green" => Ok(Tlp::Green),
            "amber" => Ok(Tlp::Amber),
            "amber+strict" | "amber_strict" | "amber-strict" => Ok(Tlp::AmberStrict),
            "red" => Ok(Tlp::Red),
            _ => err(format!(
                "TLP '{s}' tidak dikenal: pakai clear, green, amber, amber+strict atau red"
            )),
        }
    }
}

/// Status of an incident: terbuka → penanganan → pemulihan → ditutup (forward only). An incident
/// opened by mistake ends `dibatalkan` (void), one that duplicates another ends `digabung` (merged
/// into it); both with a reason, audited, and their clocks never count as breached.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
#[serde(rename_all = "snake_case")]
pub enum StatusInsiden {
    #[default]
    Terbuka,
    Penanganan,
    Pemulihan,
    Ditutup,
    Dibatalkan,
    Digabung,
}

impl StatusInsiden {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusInsiden::Terbuka => "terbuka",
            StatusInsiden::Penanganan => "penanganan",
            StatusInsiden::Pemulihan => "pemulihan",
            StatusInsiden::Ditutup => "ditutup",
            StatusInsiden::Dibatalkan => "dibatalkan",
            StatusInsiden::Digabung => "digabung",
        }
    }
    /// Parses a status name.
    pub fn parse(s: &str) -> Result<StatusInsiden, DomainError> {
        match s.trim().to_lowercase().as_str() {
            "terbuka" => Ok(StatusInsiden::Terbuka),
            "penanganan" => Ok(StatusInsiden::Penanganan),
            "pemulihan" => Ok(StatusInsiden::Pemulihan),
            "ditutup" => Ok(StatusInsiden::Ditutup),
            _ => err(format!(
                "status '{s}' tidak dikenal: pakai terbuka, penanganan, pemulihan atau ditutup"
            )),
        }
    }
    /// True until the incident is closed, voided or merged.
    pub fn is_open(self) -> bool {
        self < StatusInsiden::Ditutup
    }
    /// True for a voided or merged incident: it never happened as an incident of its own, so its
    /// clocks do not count (not breached, not met).
    pub fn is_void(self) -> bool {
        self > StatusInsiden::Ditutup
    }
}

/// Source of attack (PI.03 B3/B4 branch on it).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
#[serde(tag = "jenis", content = "keterangan", rename_all = "snake_case")]
pub enum SumberSerangan {
    /// Not yet established.
    #[default]
    BelumDiketahui,
    /// Known: what it is (IP, account, host…).
    Diketahui(String),
    /// Established as unknown after investigation.
    TidakDiketahui,
}

impl SumberSerangan {
    /// Text for lists and reports.
    pub fn label(&self) -> String {
        match self {
            SumberSerangan::BelumDiketahui => "belum diketahui".into(),
            SumberSerangan::Diketahui(s) => format!("diketahui: {s}"),
            SumberSerangan::TidakDiketahui => "tidak diketahui".into(),
        }
    }
}

/// Roles of PI.03 III.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PeranInsiden {
    Koordinator,
    KepalaSeksi,
    Anggota,
}

impl PeranInsiden {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            PeranInsiden::Koordinator => "koordinator",
            PeranInsiden::KepalaSeksi => "kepala_seksi",
            PeranInsiden::Anggota => "anggota",
        }
    }
    /// Parses `koordinator`, `kepala_seksi` (or `kasi`), `anggota`.
    pub fn parse(s: &str) -> Result<PeranInsiden, DomainError> {
        match s.trim().to_lowercase().replace([' ', '-'], "_").as_str() {
            "koordinator" => Ok(PeranInsiden::Koordinator),
            "kepala_seksi" | "kasi" => Ok(PeranInsiden::KepalaSeksi),
            "anggota" => Ok(PeranInsiden::Anggota),
            _ => err(format!(
                "peran '{s}' tidak dikenal: pakai koordinator, kepala_seksi atau anggota"
            )),
        }
    }
}

/// A person in a role for this incident.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct PenugasanPeran {
    pub peran: PeranInsiden,
    pub nama: String,
}

/// The decision of PI.03 C2: let the unauthorised activity continue (to observe) or stop it now.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Keputusan {
    Lanjutkan,
    Hentikan,
}

impl Keputusan {
    /// Parses `lanjutkan`/`lanjut` or `hentikan`/`stop`.
    pub fn parse(s: &str) -> Result<Keputusan, DomainError> {
        match s.trim().to_lowercase().as_str() {
            "lanjutkan" | "lanjut" | "continue" => Ok(Keputusan::Lanjutkan),
            "hentikan" | "stop" | "henti" => Ok(Keputusan::Hentikan),
            _ => err(format!(
                "keputusan '{s}' tidak dikenal: pakai lanjutkan (biarkan berlanjut) atau hentikan (hentikan segera)"
            )),
        }
    }
    /// Indonesian label.
    pub fn label(self) -> &'static str {
        match self {
            Keputusan::Lanjutkan => "biarkan berlanjut dulu",
            Keputusan::Hentikan => "hentikan segera",
        }
    }
}

/// The C2 decision with who decided and when it was recorded.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct KeputusanC2 {
    pub keputusan: Keputusan,
    /// Who decided (the *pihak terkait*), free text.
    pub oleh: String,
    pub at: Timestamp,
}

/// Which SLA clock a step meets (PI.03 III.1 and C1/C3 time norms).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SlaJenis {
    /// Contact related parties: due 5 minutes after detection.
    Kontak,
    /// Notify higher staff and escalate: due 30 minutes after detection.
    Eskalasi,
}

impl SlaJenis {
    /// Both clocks.
    pub const ALL: [SlaJenis; 2] = [SlaJenis::Kontak, SlaJenis::Eskalasi];
    /// Time allowed from detection.
    pub fn batas(self) -> SignedDuration {
        match self {
            SlaJenis::Kontak => SignedDuration::from_mins(5),
            SlaJenis::Eskalasi => SignedDuration::from_mins(30),
        }
    }
    /// Short label for the status line.
    pub fn label(self) -> &'static str {
        match self {
            SlaJenis::Kontak => "kontak",
            SlaJenis::Eskalasi => "eskalasi",
        }
    }
}

/// What must be known of the attack's source before a step may be ticked (PI.03 B3 "sumber
/// diketahui", B4 "sumber tidak diketahui").
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SyaratSumber {
    /// The source is established (`sumber` set to what it is).
    Diketahui,
    /// The source was investigated and stays unknown (`sumber ?`).
    TidakDiketahui,
}

/// The rules of one checklist step, as the playbook data gives them (copied into the incident when
/// the playbook is attached, so a later edit of the file does not change a running response).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct AturanLangkah {
    /// Steps of which at most one may be ticked (procedure branches, PI.03 B3/B4).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tidak_bersama: Vec<String>,
    /// What must be known of the source first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub syarat_sumber: Option<SyaratSumber>,
    /// The incident cannot be closed while this step is open (PI.03 B5 report).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub wajib_tutup: bool,
    /// Ticking needs a report made of the incident first (`kasa incident report`, console `r`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub perlu_laporan: bool,
}

/// One checklist step as shipped in `data/playbooks.toml`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct LangkahPlaybook {
    pub kode: String,
    pub teks: String,
    #[serde(default)]
    pub sla: Option<SlaJenis>,
    #[serde(flatten)]
    pub aturan: AturanLangkah,
}

/// A PI.03 playbook (`umum`, `A`, `B`, `C`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Playbook {
    pub kode: String,
    pub judul: String,
    #[serde(default)]
    pub kategori: Option<Kategori>,
    pub langkah: Vec<LangkahPlaybook>,
}

#[derive(Deserialize)]
struct PlaybookFile {
    playbook: Vec<Playbook>,
}

/// The shipped playbooks file.
pub const PLAYBOOKS_TOML: &str = include_str!("../../data/playbooks.toml");

/// Parses a playbooks file. Errors name the problem (TOML error with line, or a duplicate step code).
pub fn parse_playbooks(text: &str) -> Result<Vec<Playbook>, DomainError> {
    let f: PlaybookFile =
        toml::from_str(text).map_err(|e| DomainError(format!("playbooks tidak sah: {e}")))?;
    let mut seen = std::collections::HashSet::new();
    for p in &f.playbook {
        for l in &p.langkah {
            if !seen.insert(l.kode.to_uppercase()) {
                return err(format!(
                    "playbooks: kode langkah '{}' dipakai dua kali; setiap kode harus unik",
                    l.kode
                ));
            }
        }
    }
    for p in &f.playbook {
        for l in &p.langkah {
            for x in &l.aturan.tidak_bersama {
                if !p.langkah.iter().any(|o| o.kode.eq_ignore_ascii_case(x)) {
                    return err(format!(
                        "playbooks: langkah {} menyebut tidak_bersama '{x}', yang tidak ada di playbook {}; sebut kode langkah playbook yang sama",
                        l.kode, p.kode
                    ));
                }
            }
        }
    }
    Ok(f.playbook)
}

/// The shipped playbooks (parsed from [`PLAYBOOKS_TOML`], checked by a test).
pub fn playbooks() -> Vec<Playbook> {
    parse_playbooks(PLAYBOOKS_TOML).unwrap_or_default()
}

/// A checklist step of one incident, with who ticked it and when.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Langkah {
    pub kode: String,
    pub teks: String,
    #[serde(default)]
    pub sla: Option<SlaJenis>,
    /// Playbook it came from (`umum`, `A`, …).
    pub playbook: String,
    #[serde(default)]
    pub dicentang: Option<Centang>,
    #[serde(flatten, default)]
    pub aturan: AturanLangkah,
}

/// Who ticked a step and when.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Centang {
    /// The operator who recorded the tick.
    pub oleh: String,
    /// Who performed the step, when not the typist (`@nama`).
    #[serde(default)]
    pub pelaksana: Option<String>,
    /// When the step was done (event time: may be back-dated, never before detection nor in the
    /// future). The SLA clocks use this time.
    pub at: Timestamp,
    /// When the tick was recorded on the node (absent in records older than event times).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dicatat_at: Option<Timestamp>,
}

/// A custody transfer of an evidence item (*serah terima*).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct SerahTerima {
    pub dari: String,
    pub ke: String,
    pub at: Timestamp,
    pub tempat: String,
}

/// The file kept with an evidence item, in the node's blob store under its SHA-256
/// ([`Bukti::sha256`]); encrypted at rest to the node's key unless the incident is TLP:CLEAR.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct BerkasBukti {
    /// The file name as given (no path).
    pub nama: String,
    /// Size in bytes.
    pub ukuran: u64,
    /// MIME type sniffed from the first bytes.
    pub mime: String,
    /// Stored encrypted at rest (`blobs/ab/<sha>.age`).
    pub terenkripsi: bool,
}

/// An evidence item.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Bukti {
    /// 1-based within the incident.
    pub no: u32,
    pub deskripsi: String,
    /// Lowercase hex SHA-256 of the file, when a file was given.
    #[serde(default)]
    pub sha256: Option<String>,
    pub dicatat_at: Timestamp,
    pub dicatat_oleh: String,
    /// Who holds the item when it is recorded (default: the recording operator). Custody starts
    /// here: the first handover must come from this person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pemegang_awal: Option<String>,
    /// The file itself, kept with the incident.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub berkas: Option<BerkasBukti>,
    /// Where it came from when merged from another incident (`insiden 4 bukti #1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asal: Option<String>,
    #[serde(default)]
    pub serah_terima: Vec<SerahTerima>,
}

impl Bukti {
    /// Who holds the item now: the receiver of the last handover, else the first holder.
    pub fn pemegang(&self) -> &str {
        self.serah_terima
            .last()
            .map(|s| s.ke.as_str())
            .or(self.pemegang_awal.as_deref())
            .unwrap_or(&self.dicatat_oleh)
    }
}

/// Names compare as people write them: case, repeated spaces and `_` for a space do not matter.
pub fn nama_sama(a: &str, b: &str) -> bool {
    let n = |s: &str| {
        s.replace('_', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    n(a) == n(b)
}

/// A new evidence item for [`Insiden::tambah_bukti`].
#[derive(Debug, Clone, Default)]
pub struct BuktiBaru {
    pub deskripsi: String,
    /// Lowercase hex SHA-256 (of the file, when one is kept).
    pub sha256: Option<String>,
    /// The file kept with it (already stored by the node under `sha256`).
    pub berkas: Option<BerkasBukti>,
    /// Who holds it now (default: the recording operator).
    pub pemegang: Option<String>,
}

/// Why an incident was voided or merged.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Pembatalan {
    pub alasan: String,
    pub oleh: String,
    pub at: Timestamp,
    /// The incident it was merged into (`None`: voided).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digabung_ke: Option<u64>,
}

impl Pembatalan {
    /// The sentence reports print in place of the lessons learned, with times by `w`:
    /// `Digabung ke insiden 2 oleh Ani (…): alasan` or `Dibatalkan oleh Ani (…): alasan`.
    pub fn kalimat(&self, w: impl Fn(Timestamp) -> String) -> String {
        match self.digabung_ke {
            Some(k) => format!(
                "Digabung ke insiden {k} oleh {} ({}): {}",
                self.oleh,
                w(self.at),
                self.alasan
            ),
            None => format!(
                "Dibatalkan oleh {} ({}): {}",
                self.oleh,
                w(self.at),
                self.alasan
            ),
        }
    }
}

/// What a timeline entry records.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "jenis", rename_all = "snake_case")]
pub enum JenisEntri {
    /// The incident was opened.
    Dibuka,
    /// A free log line.
    Catatan,
    /// A correction of entry `koreksi_atas` (the original stays visible).
    Koreksi { koreksi_atas: u32, alasan: String },
    /// A field of the record changed (`kategori`, `keparahan`, …).
    Ubah { field: String },
    /// A checklist step was ticked.
    Langkah { kode: String },
    /// A playbook's steps were added.
    Playbook { kode: String },
    /// Status changed.
    Status {
        dari: StatusInsiden,
        ke: StatusInsiden,
    },
    /// The C2 decision.
    Keputusan,
    /// Evidence item number `bukti` was recorded.
    Bukti { bukti: u32 },
    /// A custody transfer of evidence item `bukti`.
    SerahTerima { bukti: u32 },
    /// The report (PI.03 B5 laporan pendek) was made: its number and the SHA-256 of its PDF.
    Laporan { nomor: String, sha256: String },
    /// The incident was voided (opened by mistake) with a reason.
    Dibatalkan { alasan: String },
    /// The incident was merged into incident `ke` with a reason.
    Digabung { ke: u64, alasan: String },
    /// An entry copied from incident `dari` (its entry `no_asal`) when that one was merged here.
    Gabungan { dari: u64, no_asal: u32 },
}

/// One timeline entry; never edited once appended.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Entri {
    /// 1-based position in the timeline.
    pub no: u32,
    /// When it was recorded (node clock): the record time.
    pub at: Timestamp,
    /// When it happened (event time, `@04:55` in the console): absent when equal to `at` and in
    /// records older than event times. Read it with [`Entri::waktu`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waktu: Option<Timestamp>,
    /// Operator who typed it.
    pub oleh: String,
    /// A second operator who performed the action, when not the typist.
    #[serde(default)]
    pub pelaksana: Option<String>,
    #[serde(flatten)]
    pub jenis: JenisEntri,
    pub teks: String,
    /// Seq of the audit record written in the same transaction (0 until the store fills it in).
    pub audit_seq: u64,
}

impl Entri {
    /// The event time: when it happened, else when it was recorded.
    pub fn waktu(&self) -> Timestamp {
        self.waktu.unwrap_or(self.at)
    }
}

/// An incident of the logbook.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Insiden {
    pub id: u64,
    /// Short title (the first captured line unless changed).
    pub judul: String,
    /// Detection time (*diketahui*, when the incident became known): the SLA clocks start here.
    /// Defaults to the opening; may be set earlier (`terjadi ≤ diketahui ≤ dicatat`).
    pub diketahui_at: Timestamp,
    /// When the record was opened on the node.
    pub dicatat_at: Timestamp,
    /// When it happened, as established later (editable; `None` = not yet known).
    #[serde(default)]
    pub terjadi_at: Option<Timestamp>,
    pub dibuka_oleh: String,
    #[serde(default)]
    pub kategori: Option<Kategori>,
    #[serde(default)]
    pub sistem_terdampak: String,
    #[serde(default)]
    pub sumber: SumberSerangan,
    #[serde(default)]
    pub keparahan: Option<Keparahan>,
    #[serde(default)]
    pub tlp: Tlp,
    #[serde(default)]
    pub status: StatusInsiden,
    #[serde(default)]
    pub pelajaran: Option<String>,
    #[serde(default)]
    pub ditutup_at: Option<Timestamp>,
    #[serde(default)]
    pub peran: Vec<PenugasanPeran>,
    #[serde(default)]
    pub keputusan: Option<KeputusanC2>,
    #[serde(default)]
    pub playbooks: Vec<String>,
    #[serde(default)]
    pub langkah: Vec<Langkah>,
    #[serde(default)]
    pub bukti: Vec<Bukti>,
    #[serde(default)]
    pub linimasa: Vec<Entri>,
    /// Set when voided or merged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batal: Option<Pembatalan>,
}

/// Context of one mutation: the node time, the typing operator, an optional second operator and an
/// optional event time.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The record time (node clock).
    pub at: Timestamp,
    pub oleh: String,
    pub pelaksana: Option<String>,
    /// When what is recorded happened, if not now (checked by each mutation: never in the future).
    pub waktu: Option<Timestamp>,
    /// The node's zone: times written into log lines are shown in it ([`super::waktu::tampil`]).
    pub tz: jiff::tz::TimeZone,
}

fn clean_text(s: &str, what: &str) -> Result<String, DomainError> {
    let t = s.trim();
    if t.is_empty() {
        return err(format!("{what} kosong: ketik teksnya"));
    }
    if t.chars().count() > MAX_TEKS {
        return err(format!(
            "{what} terlalu panjang ({} karakter; paling banyak {MAX_TEKS}): bagi menjadi beberapa baris",
            t.chars().count()
        ));
    }
    Ok(t.replace(['\r', '\n'], " "))
}

/// A field edit of [`Insiden::ubah`].
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "field", content = "nilai", rename_all = "snake_case")]
pub enum Ubahan {
    Judul(String),
    TerjadiAt(Timestamp),
    /// When it became known (the PI.03 clocks count from here).
    DiketahuiAt(Timestamp),
    Kategori(Kategori),
    SistemTerdampak(String),
    Sumber(SumberSerangan),
    Keparahan(Keparahan),
    Tlp(Tlp),
    Peran(PenugasanPeran),
}

impl Insiden {
    /// Opens an incident (quick capture): detection time = `ctx.at`, status terbuka, the `umum` steps of
    /// `playbooks` attached, and `teks` as the first timeline entry. An empty `teks` opens an untitled
    /// incident (the console's one-key capture); its first log line becomes the title. Errors: oversize
    /// text.
    pub fn buka(
        id: u64,
        teks: &str,
        ctx: &Ctx,
        playbooks: &[Playbook],
    ) -> Result<Insiden, DomainError> {
        let (judul, teks) = if teks.trim().is_empty() {
            (String::new(), "insiden dibuka (tangkap cepat)".to_string())
        } else {
            let t = clean_text(teks, "teks insiden")?;
            (t.chars().take(120).collect(), t)
        };
        let diketahui = match ctx.waktu {
            Some(w) if w > ctx.at => {
                return err(format!(
                    "waktu diketahui {} ada di masa depan (sekarang {}): insiden dicatat setelah diketahui; periksa tanggal dan jamnya",
                    super::waktu::tampil(w, &ctx.tz),
                    super::waktu::tampil(ctx.at, &ctx.tz)
                ));
            }
            Some(w) => w,
            None => ctx.at,
        };
        let mut i = Insiden {
            id,
            judul,
            diketahui_at: diketahui,
            dicatat_at: ctx.at,
            terjadi_at: None,
            dibuka_oleh: ctx.oleh.clone(),
            kategori: None,
            sistem_terdampak: String::new(),
            sumber: SumberSerangan::BelumDiketahui,
            keparahan: None,
            tlp: Tlp::Amber,
            status: StatusInsiden::Terbuka,
            pelajaran: None,
            ditutup_at: None,
            peran: Vec::new(),
            keputusan: None,
            playbooks: Vec::new(),
            langkah: Vec::new(),
            bukti: Vec::new(),
            linimasa: Vec::new(),
            batal: None,
        };
        if let Some(u) = playbooks.iter().find(|p| p.kode == "umum") {
            i.attach(u);
        }
        i.push(ctx, JenisEntri::Dibuka, teks);
        Ok(i)
    }

    /// Sets when it happened, checked against detection: `terjadi ≤ diketahui`. Errors name both
    /// times and what to do.
    pub fn set_terjadi(
        &mut self,
        t: Timestamp,
        tz: &jiff::tz::TimeZone,
    ) -> Result<(), DomainError> {
        if t > self.diketahui_at {
            return err(format!(
                "waktu kejadian {} sesudah waktu diketahui {}: kejadian tidak bisa diketahui sebelum terjadi (terjadi ≤ diketahui ≤ sekarang); periksa jamnya, atau ubah dulu waktu diketahui (`diketahui …`)",
                super::waktu::tampil(t, tz),
                super::waktu::tampil(self.diketahui_at, tz)
            ));
        }
        self.terjadi_at = Some(t);
        Ok(())
    }

    fn attach(&mut self, p: &Playbook) {
        self.playbooks.push(p.kode.clone());
        for l in &p.langkah {
            self.langkah.push(Langkah {
                kode: l.kode.clone(),
                teks: l.teks.clone(),
                sla: l.sla,
                playbook: p.kode.clone(),
                dicentang: None,
                aturan: l.aturan.clone(),
            });
        }
    }

    fn push(&mut self, ctx: &Ctx, jenis: JenisEntri, teks: String) -> u32 {
        let no = self.linimasa.len() as u32 + 1;
        self.linimasa.push(Entri {
            no,
            at: ctx.at,
            waktu: ctx.waktu.filter(|w| *w != ctx.at),
            oleh: ctx.oleh.clone(),
            pelaksana: ctx.pelaksana.clone(),
            jenis,
            teks,
            audit_seq: 0,
        });
        no
    }

    fn open_or_refuse(&self) -> Result<(), DomainError> {
        match self.status {
            s if s.is_open() => Ok(()),
            StatusInsiden::Digabung => err(format!(
                "insiden {} sudah digabung ke insiden {}: catat di sana",
                self.id,
                self.batal.as_ref().and_then(|b| b.digabung_ke).unwrap_or(0)
            )),
            s => err(format!(
                "insiden {} sudah {}: catatan baru tidak diterima; buka insiden baru bila perlu",
                self.id,
                s.as_str()
            )),
        }
    }

    /// The event time of `ctx` checked: not in the future. Returns it (or the record time).
    fn waktu_sah(&self, ctx: &Ctx) -> Result<Timestamp, DomainError> {
        match ctx.waktu {
            Some(w) if w > ctx.at => err(format!(
                "waktu {} ada di masa depan (sekarang {}): catat yang sudah terjadi; periksa tanggal dan jamnya",
                super::waktu::tampil(w, &ctx.tz),
                super::waktu::tampil(ctx.at, &ctx.tz)
            )),
            Some(w) => Ok(w),
            None => Ok(ctx.at),
        }
    }

    /// The event time of a response action (a tick, evidence): as [`Insiden::waktu_sah`] and not
    /// before the incident was known (PI.03: the response starts at detection).
    fn waktu_tindakan(&self, ctx: &Ctx, apa: &str) -> Result<Timestamp, DomainError> {
        let w = self.waktu_sah(ctx)?;
        if w < self.diketahui_at {
            return err(format!(
                "{apa} pada {} sebelum insiden diketahui ({}): tindakan penanganan dimulai setelah diketahui; periksa jamnya, atau majukan waktu diketahui (`diketahui …`) bila insiden diketahui lebih awal",
                super::waktu::tampil(w, &ctx.tz),
                super::waktu::tampil(self.diketahui_at, &ctx.tz)
            ));
        }
        Ok(w)
    }

    /// Appends a log line. Errors: empty/oversize text, closed incident. Returns the entry number.
    pub fn catat(&mut self, teks: &str, ctx: &Ctx) -> Result<u32, DomainError> {
        self.open_or_refuse()?;
        self.waktu_sah(ctx)?;
        let t = clean_text(teks, "catatan")?;
        if self.judul.is_empty() {
            self.judul = t.chars().take(120).collect();
        }
        Ok(self.push(ctx, JenisEntri::Catatan, t))
    }

    /// Appends a correction of entry `no` with a reason; the original stays. Allowed also after closing
    /// (a report may need fixing). Errors: unknown entry, empty reason or text.
    pub fn koreksi(
        &mut self,
        no: u32,
        teks: &str,
        alasan: &str,
        ctx: &Ctx,
    ) -> Result<u32, DomainError> {
        if no == 0 || no as usize > self.linimasa.len() {
            return err(format!(
                "entri {no} tidak ada di linimasa insiden {} (1–{}): periksa nomornya dengan `kasa incident show {}`",
                self.id,
                self.linimasa.len(),
                self.id
            ));
        }
        self.waktu_sah(ctx)?;
        let t = clean_text(teks, "teks koreksi")?;
        let a = clean_text(alasan, "alasan koreksi")?;
        Ok(self.push(
            ctx,
            JenisEntri::Koreksi {
                koreksi_atas: no,
                alasan: a,
            },
            t,
        ))
    }

    /// Changes one record field and logs it. Errors: closed incident, empty text where text is needed.
    pub fn ubah(&mut self, u: Ubahan, ctx: &Ctx) -> Result<u32, DomainError> {
        self.open_or_refuse()?;
        let (field, teks) = match u {
            Ubahan::Judul(s) => {
                let s = clean_text(&s, "judul")?;
                self.judul = s.clone();
                ("judul", format!("judul: {s}"))
            }
            Ubahan::TerjadiAt(t) => {
                if t > ctx.at {
                    return err(format!(
                        "waktu kejadian {} ada di masa depan (sekarang {}): terjadi ≤ diketahui ≤ sekarang; periksa tanggal dan jamnya",
                        super::waktu::tampil(t, &ctx.tz),
                        super::waktu::tampil(ctx.at, &ctx.tz)
                    ));
                }
                self.set_terjadi(t, &ctx.tz)?;
                (
                    "terjadi_at",
                    format!("waktu kejadian: {}", super::waktu::tampil(t, &ctx.tz)),
                )
            }
            Ubahan::DiketahuiAt(t) => {
                if t > self.dicatat_at {
                    return err(format!(
                        "waktu diketahui {} sesudah insiden dicatat di kasa ({}): insiden tidak bisa dicatat sebelum diketahui; periksa jamnya",
                        super::waktu::tampil(t, &ctx.tz),
                        super::waktu::tampil(self.dicatat_at, &ctx.tz)
                    ));
                }
                if let Some(j) = self.terjadi_at.filter(|j| *j > t) {
                    return err(format!(
                        "waktu diketahui {} sebelum waktu kejadian {}: terjadi ≤ diketahui ≤ sekarang; periksa jamnya, atau ubah dulu waktu kejadian (`terjadi …`)",
                        super::waktu::tampil(t, &ctx.tz),
                        super::waktu::tampil(j, &ctx.tz)
                    ));
                }
                if let Some(l) = self
                    .langkah
                    .iter()
                    .filter_map(|l| l.dicentang.as_ref().map(|c| (l, c.at)))
                    .find(|(_, at)| *at < t)
                {
                    return err(format!(
                        "langkah {} sudah dicentang pada {}, sebelum waktu diketahui {} yang baru: penanganan tidak bisa mendahului diketahuinya insiden; periksa jamnya",
                        l.0.kode,
                        super::waktu::tampil(l.1, &ctx.tz),
                        super::waktu::tampil(t, &ctx.tz)
                    ));
                }
                self.diketahui_at = t;
                (
                    "diketahui_at",
                    format!(
                        "waktu diketahui: {} (jam SLA dihitung dari sini)",
                        super::waktu::tampil(t, &ctx.tz)
                    ),
                )
            }
            Ubahan::Kategori(k) => {
                self.kategori = Some(k);
                ("kategori", format!("kategori: {}", k.label()))
            }
            Ubahan::SistemTerdampak(s) => {
                let s = clean_text(&s, "sistem terdampak")?;
                self.sistem_terdampak = s.clone();
                ("sistem_terdampak", format!("sistem terdampak: {s}"))
            }
            Ubahan::Sumber(s) => {
                if let SumberSerangan::Diketahui(d) = &s {
                    clean_text(d, "sumber serangan")?;
                }
                self.sumber = s.clone();
                ("sumber", format!("sumber serangan: {}", s.label()))
            }
            Ubahan::Keparahan(k) => {
                self.keparahan = Some(k);
                ("keparahan", format!("keparahan: {}", k.as_str()))
            }
            Ubahan::Tlp(t) => {
                self.tlp = t;
                ("tlp", t.label().to_string())
            }
            Ubahan::Peran(p) => {
                let nama = clean_text(&p.nama, "nama")?;
                self.peran.push(PenugasanPeran {
                    peran: p.peran,
                    nama: nama.clone(),
                });
                ("peran", format!("{}: {nama}", p.peran.as_str()))
            }
        };
        Ok(self.push(
            ctx,
            JenisEntri::Ubah {
                field: field.into(),
            },
            teks,
        ))
    }

    /// Adds a playbook's steps (`A`, `B`, `C`); sets the category from it when none is set.
    /// Errors: unknown code, already added, closed incident.
    pub fn pakai_playbook(
        &mut self,
        kode: &str,
        ctx: &Ctx,
        playbooks: &[Playbook],
    ) -> Result<u32, DomainError> {
        self.open_or_refuse()?;
        let k = kode.trim().to_uppercase();
        let p = playbooks
            .iter()
            .find(|p| p.kode.to_uppercase() == k && p.kode != "umum")
            .ok_or_else(|| {
                DomainError(format!(
                    "playbook '{kode}' tidak ada: pakai A (program jahat), B (pemaksaan akses) atau C (akses tidak sah)"
                ))
            })?;
        if self.playbooks.iter().any(|x| x.to_uppercase() == k) {
            return err(format!(
                "playbook {k} sudah dipakai pada insiden {}",
                self.id
            ));
        }
        self.attach(p);
        if self.kategori.is_none() {
            self.kategori = p.kategori;
        }
        Ok(self.push(
            ctx,
            JenisEntri::Playbook {
                kode: p.kode.clone(),
            },
            format!("playbook: {}", p.judul),
        ))
    }

    /// Ticks a checklist step: records who did it (`ctx.pelaksana`, else the typist), when it was
    /// done (`ctx.waktu`, else now) and when it was recorded, in the step and in the timeline.
    /// Errors: unknown step, already ticked, closed incident, a time before detection or in the
    /// future, a branch excluded by a ticked step (`tidak_bersama`, PI.03 B3/B4), the source not in
    /// the state the step needs (`syarat_sumber`), no report yet for a step that needs one.
    pub fn centang(&mut self, kode: &str, ctx: &Ctx) -> Result<u32, DomainError> {
        self.open_or_refuse()?;
        let k = kode.trim().to_uppercase();
        let id = self.id;
        let Some(ix) = self.langkah.iter().position(|l| l.kode.to_uppercase() == k) else {
            let known: Vec<String> = self.langkah.iter().map(|l| l.kode.clone()).collect();
            return err(format!(
                "langkah '{kode}' tidak ada pada insiden {id}: langkah yang ada {}; tambah playbook dengan `kasa incident playbook {id} A|B|C`",
                known.join(", ")
            ));
        };
        let l = &self.langkah[ix];
        if let Some(c) = &l.dicentang {
            return err(format!(
                "langkah {} sudah dicentang oleh {} pada {}",
                l.kode,
                c.oleh,
                super::waktu::tampil(c.at, &ctx.tz)
            ));
        }
        if let Some(o) = self.langkah.iter().find(|o| {
            o.dicentang.is_some()
                && (l
                    .aturan
                    .tidak_bersama
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(&o.kode))
                    || o.aturan
                        .tidak_bersama
                        .iter()
                        .any(|x| x.eq_ignore_ascii_case(&l.kode)))
        }) {
            return err(format!(
                "langkah {} tidak bisa dicentang: cabang prosedur {} sudah dijalankan ({}) dan keduanya saling meniadakan (PI.03 {}); bila {} keliru, koreksi entrinya lalu catat langkah yang benar sebagai catatan",
                l.kode, o.kode, o.teks, l.playbook, o.kode
            ));
        }
        match (l.aturan.syarat_sumber, &self.sumber) {
            (Some(SyaratSumber::Diketahui), s) if !matches!(s, SumberSerangan::Diketahui(_)) => {
                return err(format!(
                    "langkah {} hanya untuk sumber serangan yang diketahui (PI.03 {}), sedangkan sumber {}: catat sumbernya dulu (`sumber 203.0.113.9`), atau centang langkah untuk sumber tidak diketahui",
                    l.kode,
                    l.playbook,
                    s.label()
                ));
            }
            (Some(SyaratSumber::TidakDiketahui), s) if *s != SumberSerangan::TidakDiketahui => {
                return err(format!(
                    "langkah {} hanya untuk sumber serangan yang tidak diketahui (PI.03 {}), sedangkan sumber {}: bila sumbernya memang tidak bisa diketahui, catat `sumber ?` dulu",
                    l.kode,
                    l.playbook,
                    s.label()
                ));
            }
            _ => {}
        }
        if l.aturan.perlu_laporan && self.laporan_terakhir().is_none() {
            return err(format!(
                "langkah {} memerlukan laporan insiden: buat laporannya dulu (tombol r di konsol, atau `kasa incident report {id}`), lalu centang",
                l.kode
            ));
        }
        let at = self.waktu_tindakan(ctx, &format!("langkah {}", l.kode))?;
        let l = &mut self.langkah[ix];
        l.dicentang = Some(Centang {
            oleh: ctx.oleh.clone(),
            pelaksana: ctx.pelaksana.clone(),
            at,
            dicatat_at: Some(ctx.at),
        });
        let teks = format!("✓ {} {}", l.kode, l.teks);
        let kode = l.kode.clone();
        Ok(self.push(ctx, JenisEntri::Langkah { kode }, teks))
    }

    /// The newest report recorded on the timeline (number, PDF SHA-256).
    pub fn laporan_terakhir(&self) -> Option<(&str, &str)> {
        self.linimasa.iter().rev().find_map(|e| match &e.jenis {
            JenisEntri::Laporan { nomor, sha256 } => Some((nomor.as_str(), sha256.as_str())),
            _ => None,
        })
    }

    /// Records that the report was made (PI.03 B5): its number and the SHA-256 of its PDF. Allowed
    /// after closing (a report is often printed then). Errors: empty number, malformed hash.
    pub fn catat_laporan(
        &mut self,
        nomor: &str,
        sha256: &str,
        ctx: &Ctx,
    ) -> Result<u32, DomainError> {
        let nomor = clean_text(nomor, "nomor laporan")?;
        let h = sha256.trim().to_lowercase();
        if h.len() != 64 || !h.chars().all(|c| c.is_ascii_hexdigit()) {
            return err(format!(
                "SHA-256 laporan '{h}' tidak sah: harus 64 digit heksadesimal"
            ));
        }
        Ok(self.push(
            ctx,
            JenisEntri::Laporan {
                nomor: nomor.clone(),
                sha256: h.clone(),
            },
            format!("laporan insiden dibuat: nomor {nomor} (PDF sha256 {h})"),
        ))
    }

    /// Voids an incident opened by mistake: status `dibatalkan`, the reason and who on record, its
    /// clocks no longer count. Errors: empty reason, not open.
    pub fn batalkan(&mut self, alasan: &str, ctx: &Ctx) -> Result<u32, DomainError> {
        self.open_or_refuse()?;
        let a = clean_text(alasan, "alasan pembatalan")?;
        let dari = self.status;
        self.status = StatusInsiden::Dibatalkan;
        self.ditutup_at = Some(ctx.at);
        self.batal = Some(Pembatalan {
            alasan: a.clone(),
            oleh: ctx.oleh.clone(),
            at: ctx.at,
            digabung_ke: None,
        });
        self.push(
            ctx,
            JenisEntri::Status {
                dari,
                ke: StatusInsiden::Dibatalkan,
            },
            format!("status: {} → dibatalkan", dari.as_str()),
        );
        Ok(self.push(
            ctx,
            JenisEntri::Dibatalkan { alasan: a.clone() },
            format!("insiden dibatalkan: {a}"),
        ))
    }

    /// Merges this incident into `ke` (the same event logged twice): `ke` receives every timeline
    /// entry (as [`JenisEntri::Gabungan`], with their own event and record times and typists) and
    /// every evidence item (renumbered, `asal` naming this one, custody kept); this one ends
    /// `digabung` and its clocks no longer count. The earlier detection time wins on `ke`.
    /// Errors: the same incident, either not open, empty reason.
    pub fn gabung_ke(
        &mut self,
        ke: &mut Insiden,
        alasan: &str,
        ctx: &Ctx,
    ) -> Result<u32, DomainError> {
        if ke.id == self.id {
            return err(
                "insiden tidak bisa digabung ke dirinya sendiri: sebut nomor insiden tujuan",
            );
        }
        self.open_or_refuse()?;
        ke.open_or_refuse()?;
        let a = clean_text(alasan, "alasan penggabungan")?;
        let mut entri: Vec<Entri> = self.linimasa.clone();
        entri.sort_by_key(|e| (e.waktu(), e.no));
        for e in entri {
            let no = ke.linimasa.len() as u32 + 1;
            ke.linimasa.push(Entri {
                no,
                jenis: JenisEntri::Gabungan {
                    dari: self.id,
                    no_asal: e.no,
                },
                teks: format!("[insiden {} #{}] {}", self.id, e.no, self.teks_linimasa(&e)),
                audit_seq: 0,
                waktu: Some(e.waktu()),
                ..e
            });
        }
        for b in &self.bukti {
            let no = ke.bukti.len() as u32 + 1;
            ke.bukti.push(Bukti {
                no,
                asal: Some(format!("insiden {} bukti #{}", self.id, b.no)),
                ..b.clone()
            });
        }
        if self.diketahui_at < ke.diketahui_at {
            ke.diketahui_at = self.diketahui_at;
        }
        ke.push(
            ctx,
            JenisEntri::Catatan,
            format!("insiden {} digabung ke sini: {a}", self.id),
        );
        let dari = self.status;
        self.status = StatusInsiden::Digabung;
        self.ditutup_at = Some(ctx.at);
        self.batal = Some(Pembatalan {
            alasan: a.clone(),
            oleh: ctx.oleh.clone(),
            at: ctx.at,
            digabung_ke: Some(ke.id),
        });
        self.push(
            ctx,
            JenisEntri::Status {
                dari,
                ke: StatusInsiden::Digabung,
            },
            format!("status: {} → digabung", dari.as_str()),
        );
        Ok(self.push(
            ctx,
            JenisEntri::Digabung {
                ke: ke.id,
                alasan: a.clone(),
            },
            format!("digabung ke insiden {}: {a}", ke.id),
        ))
    }

    /// Records the C2 decision. Errors: empty decider, closed incident.
    pub fn putuskan(&mut self, k: Keputusan, oleh: &str, ctx: &Ctx) -> Result<u32, DomainError> {
        self.open_or_refuse()?;
        let oleh = clean_text(oleh, "yang memutuskan")?;
        self.keputusan = Some(KeputusanC2 {
            keputusan: k,
            oleh: oleh.clone(),
            at: ctx.at,
        });
        Ok(self.push(
            ctx,
            JenisEntri::Keputusan,
            format!("keputusan C2: {} (diputuskan oleh {oleh})", k.label()),
        ))
    }

    /// Moves the status forward (terbuka → penanganan → pemulihan); closing goes through [`Insiden::tutup`].
    /// Errors: backwards or same status, `ditutup` here.
    pub fn ubah_status(&mut self, ke: StatusInsiden, ctx: &Ctx) -> Result<u32, DomainError> {
        self.open_or_refuse()?;
        if ke == StatusInsiden::Ditutup {
            return err(
                "menutup insiden memerlukan catatan pelajaran (lessons learned): pakai `kasa incident close ID --pelajaran \"…\"`",
            );
        }
        if ke <= self.status {
            return err(format!(
                "status hanya maju (terbuka → penanganan → pemulihan → ditutup): insiden {} sudah {}",
                self.id,
                self.status.as_str()
            ));
        }
        let dari = self.status;
        self.status = ke;
        Ok(self.push(
            ctx,
            JenisEntri::Status { dari, ke },
            format!("status: {} → {}", dari.as_str(), ke.as_str()),
        ))
    }

    /// Closes with the mandatory lessons-learned note. Errors: empty note, already closed.
    pub fn tutup(&mut self, pelajaran: &str, ctx: &Ctx) -> Result<u32, DomainError> {
        self.open_or_refuse()?;
        let p = pelajaran.trim();
        if p.is_empty() {
            return err(
                "insiden hanya bisa ditutup dengan catatan pelajaran (lessons learned): tulis apa yang dipelajari dan apa yang diubah",
            );
        }
        let p = clean_text(p, "pelajaran")?;
        let kurang: Vec<String> = self
            .langkah
            .iter()
            .filter(|l| l.aturan.wajib_tutup && l.dicentang.is_none())
            .map(|l| format!("{} ({})", l.kode, l.teks))
            .collect();
        if !kurang.is_empty() {
            return err(format!(
                "insiden {} belum bisa ditutup: langkah wajib belum dicentang: {}; selesaikan dan centang dulu (PI.03), atau batalkan insiden bila dibuka keliru",
                self.id,
                kurang.join("; ")
            ));
        }
        let dari = self.status;
        self.status = StatusInsiden::Ditutup;
        self.pelajaran = Some(p.clone());
        self.ditutup_at = Some(ctx.at);
        Ok(self.push(
            ctx,
            JenisEntri::Status {
                dari,
                ke: StatusInsiden::Ditutup,
            },
            format!("ditutup; pelajaran: {p}"),
        ))
    }

    /// Records an evidence item: its description, the file's SHA-256 (and the file kept in the
    /// blob store when one was given) and who holds it (default: the recording operator). Errors:
    /// empty description, malformed hash, closed incident.
    pub fn tambah_bukti(&mut self, baru: BuktiBaru, ctx: &Ctx) -> Result<u32, DomainError> {
        self.open_or_refuse()?;
        self.waktu_sah(ctx)?;
        let d = clean_text(&baru.deskripsi, "deskripsi bukti")?;
        let sha = match baru.sha256.as_deref() {
            Some(h) => {
                let h = h.trim().to_lowercase();
                if h.len() != 64 || !h.chars().all(|c| c.is_ascii_hexdigit()) {
                    return err(format!(
                        "SHA-256 '{h}' tidak sah: harus 64 digit heksadesimal (pakai --file agar kasa menghitungnya)"
                    ));
                }
                Some(h)
            }
            None => None,
        };
        let pemegang = match baru.pemegang.as_deref().map(str::trim) {
            Some(p) if !p.is_empty() => clean_text(p, "pemegang bukti")?,
            _ => ctx.oleh.clone(),
        };
        let no = self.bukti.len() as u32 + 1;
        let berkas = baru.berkas;
        let teks = match (&sha, &berkas) {
            (Some(h), Some(f)) => format!(
                "bukti #{no}: {d} (berkas {}, {} byte, sha256 {h}); dipegang {pemegang}",
                f.nama, f.ukuran
            ),
            (Some(h), None) => format!("bukti #{no}: {d} (sha256 {h}); dipegang {pemegang}"),
            _ => format!("bukti #{no}: {d}; dipegang {pemegang}"),
        };
        self.bukti.push(Bukti {
            no,
            deskripsi: d,
            sha256: sha,
            dicatat_at: ctx.at,
            dicatat_oleh: ctx.oleh.clone(),
            pemegang_awal: Some(pemegang),
            berkas,
            asal: None,
            serah_terima: Vec::new(),
        });
        Ok(self.push(ctx, JenisEntri::Bukti { bukti: no }, teks))
    }

    /// Records a custody transfer of evidence `no` (chain of custody). `at` is when the handover
    /// happened (defaults to `ctx.waktu`, else now). Errors: unknown item; empty from/to/place; `dari`
    /// not the current holder ([`Bukti::pemegang`]); a time in the future, before the item was
    /// recorded, or before the previous handover. Allowed after closing (custody continues).
    pub fn serah_terima(
        &mut self,
        no: u32,
        dari: &str,
        ke: &str,
        tempat: &str,
        at: Option<Timestamp>,
        ctx: &Ctx,
    ) -> Result<u32, DomainError> {
        let id = self.id;
        let n = self.bukti.len();
        let tz = ctx.tz.clone();
        let tampil = |t: Timestamp| super::waktu::tampil(t, &tz);
        let b = self.bukti.iter_mut().find(|b| b.no == no).ok_or_else(|| {
            DomainError(format!(
                "bukti #{no} tidak ada pada insiden {id} (ada {n}): periksa nomornya di bagian Bukti"
            ))
        })?;
        let dari = clean_text(dari, "dari")?;
        let ke = clean_text(ke, "ke")?;
        let tempat = clean_text(tempat, "tempat")?;
        let at = at.or(ctx.waktu).unwrap_or(ctx.at);
        if !nama_sama(&dari, b.pemegang()) {
            return err(format!(
                "serah terima bukti #{no} ditolak: yang menyerahkan harus pemegang sekarang, yaitu {} (rantai pengawasan bukti); periksa namanya, atau catat dulu serah terima yang terlewat",
                b.pemegang()
            ));
        }
        if nama_sama(&dari, &ke) {
            return err(format!(
                "serah terima bukti #{no} ditolak: {dari} menyerahkan kepada dirinya sendiri; sebut penerimanya"
            ));
        }
        if at > ctx.at {
            return err(format!(
                "serah terima bukti #{no} pada {} ada di masa depan (sekarang {}): catat serah terima setelah terjadi",
                tampil(at),
                tampil(ctx.at)
            ));
        }
        if at < b.dicatat_at {
            return err(format!(
                "serah terima bukti #{no} pada {} sebelum bukti itu dicatat ({}): barang bukti diserahkan setelah dicatat; periksa jamnya",
                tampil(at),
                tampil(b.dicatat_at)
            ));
        }
        if let Some(prev) = b.serah_terima.last().filter(|p| at < p.at) {
            return err(format!(
                "serah terima bukti #{no} pada {} sebelum serah terima sebelumnya ({} → {}, {}): rantai pengawasan berurutan waktu; periksa jamnya",
                tampil(at),
                prev.dari,
                prev.ke,
                tampil(prev.at)
            ));
        }
        b.serah_terima.push(SerahTerima {
            dari: dari.clone(),
            ke: ke.clone(),
            at,
            tempat: tempat.clone(),
        });
        let c = Ctx {
            waktu: Some(at),
            ..ctx.clone()
        };
        Ok(self.push(
            &c,
            JenisEntri::SerahTerima { bukti: no },
            format!("serah terima bukti #{no}: {dari} → {ke} di {tempat}"),
        ))
    }

    /// Fills the audit seq into entries appended by the current mutation (those still at 0).
    pub fn set_audit_seq(&mut self, seq: u64) {
        for e in self.linimasa.iter_mut().filter(|e| e.audit_seq == 0) {
            e.audit_seq = seq;
        }
    }

    /// The text of timeline entry `e` as reports print it: a correction says what it corrects and
    /// why, a corrected entry names the entries that correct it (`[dikoreksi oleh #7]`).
    pub fn teks_linimasa(&self, e: &Entri) -> String {
        let mut teks = e.teks.clone();
        if let JenisEntri::Koreksi {
            koreksi_atas,
            alasan,
        } = &e.jenis
        {
            teks = format!("KOREKSI atas #{koreksi_atas} ({alasan}): {teks}");
        }
        let kor: Vec<String> = self
            .koreksi_untuk(e.no)
            .iter()
            .map(|k| format!("#{}", k.no))
            .collect();
        if !kor.is_empty() {
            teks = format!("{teks} [dikoreksi oleh {}]", kor.join(", "));
        }
        teks
    }

    /// The timeline in event-time order (ties by entry number): what views and reports show.
    pub fn linimasa_urut(&self) -> Vec<&Entri> {
        let mut v: Vec<&Entri> = self.linimasa.iter().collect();
        v.sort_by_key(|e| (e.waktu(), e.no));
        v
    }

    /// The entries that correct entry `no`.
    pub fn koreksi_untuk(&self, no: u32) -> Vec<&Entri> {
        self.linimasa
            .iter()
            .filter(|e| matches!(e.jenis, JenisEntri::Koreksi { koreksi_atas, .. } if koreksi_atas == no))
            .collect()
    }

    /// The two SLA clocks at `now`.
    pub fn sla(&self, now: Timestamp) -> [Sla; 2] {
        SlaJenis::ALL.map(|j| self.sla_one(j, now))
    }

    fn sla_one(&self, j: SlaJenis, now: Timestamp) -> Sla {
        let due = self
            .diketahui_at
            .saturating_add(j.batas())
            .unwrap_or(self.diketahui_at);
        if self.status.is_void() {
            return Sla {
                jenis: j,
                batas_at: due,
                keadaan: KeadaanSla::Batal,
            };
        }
        let met_at = self
            .langkah
            .iter()
            .filter(|l| l.sla == Some(j))
            .filter_map(|l| l.dicentang.as_ref().map(|c| c.at))
            .min();
        let keadaan = match met_at {
            Some(t) if t <= due => KeadaanSla::Terpenuhi { at: t },
            Some(t) => KeadaanSla::Terlambat {
                terpenuhi_at: Some(t),
            },
            None => {
                let end = if self.status.is_open() {
                    now
                } else {
                    self.ditutup_at.unwrap_or(now)
                };
                if end > due || !self.status.is_open() {
                    KeadaanSla::Terlambat { terpenuhi_at: None }
                } else {
                    KeadaanSla::Berjalan {
                        sisa_detik: (due.as_second() - now.as_second()).max(0),
                    }
                }
            }
        };
        Sla {
            jenis: j,
            batas_at: due,
            keadaan,
        }
    }
}

/// The state of one SLA clock.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(tag = "keadaan", rename_all = "snake_case")]
pub enum KeadaanSla {
    /// Counting down: seconds left until due.
    Berjalan { sisa_detik: i64 },
    /// Met on time, at the tick of the matching step.
    Terpenuhi { at: Timestamp },
    /// Breached: not met by the due time (met late if `terpenuhi_at` is set — still a breach).
    Terlambat { terpenuhi_at: Option<Timestamp> },
    /// The incident was voided or merged: the clock does not count.
    Batal,
}

/// One SLA clock of an incident.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sla {
    pub jenis: SlaJenis,
    pub batas_at: Timestamp,
    pub keadaan: KeadaanSla,
}

impl Sla {
    /// Compact cell for status lines: `kontak 04:12`, `kontak ✓`, `kontak TERLAMBAT` (+ late ✓ mark).
    pub fn cell(&self, now: Timestamp) -> String {
        let n = self.jenis.label();
        match self.keadaan {
            KeadaanSla::Berjalan { .. } => {
                let s = (self.batas_at.as_second() - now.as_second()).max(0);
                format!("{n} {:02}:{:02}", s / 60, s % 60)
            }
            KeadaanSla::Terpenuhi { .. } => format!("{n} ✓"),
            KeadaanSla::Terlambat { terpenuhi_at: None } => format!("{n} TERLAMBAT"),
            KeadaanSla::Terlambat { .. } => format!("{n} TERLAMBAT✓"),
            KeadaanSla::Batal => format!("{n} -"),
        }
    }
    /// True when breached.
    pub fn is_breached(&self) -> bool {
        matches!(self.keadaan, KeadaanSla::Terlambat { .. })
    }
    /// Outcome word for reports: `terpenuhi`, `terlambat`, `berjalan`.
    pub fn hasil(&self) -> &'static str {
        match self.keadaan {
            KeadaanSla::Berjalan { .. } => "berjalan",
            KeadaanSla::Terpenuhi { .. } => "terpenuhi",
            KeadaanSla::Terlambat { .. } => "terlambat",
            KeadaanSla::Batal => "tidak dihitung (dibatalkan/digabung)",
        }
    }
}

/// Clocks of open incidents that are breached at `now`, as `(incident id, clock, alarm object)` with
/// the object `insiden:ID:sla:kontak|eskalasi` (the node raises one alarm per object, once).
pub fn pelanggaran(items: &[Insiden], now: Timestamp) -> Vec<(u64, SlaJenis, String)> {
    items
        .iter()
        .filter(|i| i.status.is_open())
        .flat_map(|i| {
            i.sla(now)
                .into_iter()
                .filter(|s| s.is_breached())
                .map(move |s| {
                    (
                        i.id,
                        s.jenis,
                        format!("insiden:{}:sla:{}", i.id, s.jenis.label()),
                    )
                })
        })
        .collect()
}

/// Open incidents first (newest detection first), then closed ones (newest first).
pub fn urutkan(v: &mut [Insiden]) {
    v.sort_by(|a, b| {
        b.status
            .is_open()
            .cmp(&a.status.is_open())
            .then(b.diketahui_at.cmp(&a.diketahui_at))
            .then(b.id.cmp(&a.id))
    });
}

/// The chronological report of an incident — the *laporan pendek* of PI.03 B5 — as Markdown (the
/// printed, signed form with kop, number and signatures is `domain::dokumen::laporan_insiden`).
/// Pure: the time zone and the report time come in as arguments.
pub mod laporan {
    use jiff::Timestamp;
    use jiff::tz::TimeZone;

    use super::{Insiden, KeadaanSla};

    /// `2026-11-22 19:04:32 WIB` in `tz`.
    pub fn waktu(t: Timestamp, tz: &TimeZone) -> String {
        crate::domain::waktu::dalam(t, tz, "%Y-%m-%d %H:%M:%S %Z")
    }

    fn cell(s: &str) -> String {
        s.replace('|', "\\|").replace(['\n', '\r'], " ")
    }

    /// The Markdown report: record, SLA outcomes, checklist, timeline (each entry with its audit-chain
    /// seq; corrections linked both ways), evidence with custody, lessons learned.
    pub fn markdown(i: &Insiden, tz: &TimeZone, now: Timestamp) -> String {
        let w = |t: Timestamp| waktu(t, tz);
        let mut o = String::new();
        o.push_str(&format!(
            "# Laporan Insiden Keamanan Informasi #{}\n\n",
            i.id
        ));
        o.push_str(&format!(
            "Laporan pendek menurut SOP PI.03 (B5) · **{}** · dibuat {}\n\n",
            i.tlp.label(),
            w(now)
        ));
        o.push_str("| Data | Isi |\n|---|---|\n");
        let peran = if i.peran.is_empty() {
            "-".to_string()
        } else {
            i.peran
                .iter()
                .map(|p| format!("{}: {}", p.peran.as_str(), p.nama))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let rows: Vec<(&str, String)> = vec![
            ("Judul", i.judul.clone()),
            ("Status", i.status.as_str().into()),
            (
                "Kategori",
                i.kategori.map_or("-".into(), |k| k.label().into()),
            ),
            (
                "Keparahan",
                i.keparahan.map_or("-".into(), |k| k.as_str().into()),
            ),
            (
                "Sistem terdampak",
                if i.sistem_terdampak.is_empty() {
                    "-".into()
                } else {
                    i.sistem_terdampak.clone()
                },
            ),
            ("Sumber serangan", i.sumber.label()),
            ("Diketahui (deteksi)", w(i.diketahui_at)),
            ("Terjadi", i.terjadi_at.map_or("belum diketahui".into(), w)),
            ("Dicatat", w(i.dicatat_at)),
            ("Ditutup", i.ditutup_at.map_or("-".into(), w)),
            ("Dibuka oleh", i.dibuka_oleh.clone()),
            ("Peran", peran),
            (
                "Keputusan C2",
                i.keputusan.as_ref().map_or("-".into(), |k| {
                    format!(
                        "{} — diputuskan oleh {} ({})",
                        k.keputusan.label(),
                        k.oleh,
                        w(k.at)
                    )
                }),
            ),
            ("Playbook", i.playbooks.join(", ")),
        ];
        for (k, v) in rows {
            o.push_str(&format!("| {k} | {} |\n", cell(&v)));
        }
        o.push_str(
            "\n## Mutu baku (SLA)\n\n| Jam | Batas | Hasil | Terpenuhi pada |\n|---|---|---|---|\n",
        );
        for s in i.sla(now) {
            let met = match s.keadaan {
                KeadaanSla::Terpenuhi { at } => w(at),
                KeadaanSla::Terlambat {
                    terpenuhi_at: Some(at),
                } => format!("{} (terlambat)", w(at)),
                _ => "-".into(),
            };
            let label = match s.jenis {
                super::SlaJenis::Kontak => "Hubungi pihak terkait (5 menit)",
                super::SlaJenis::Eskalasi => "Beritahu staf lebih tinggi, eskalasi (30 menit)",
            };
            o.push_str(&format!(
                "| {label} | {} | {} | {met} |\n",
                w(s.batas_at),
                s.hasil()
            ));
        }
        o.push_str("\n## Daftar periksa\n\n");
        for l in &i.langkah {
            match &l.dicentang {
                Some(c) => o.push_str(&format!(
                    "- [x] {} {} — {} pada {}{}{}\n",
                    l.kode,
                    l.teks,
                    c.oleh,
                    w(c.at),
                    c.dicatat_at
                        .filter(|d| *d != c.at)
                        .map_or(String::new(), |d| format!(" (dicatat {})", w(d))),
                    c.pelaksana
                        .as_ref()
                        .map_or(String::new(), |p| format!(" (pelaksana {p})"))
                )),
                None => o.push_str(&format!("- [ ] {} {}\n", l.kode, l.teks)),
            }
        }
        o.push_str("\n## Linimasa\n\nUrut menurut waktu kejadian; *dicatat* adalah saat entri diketik di kasa.\n\n| No | Waktu kejadian | Dicatat | Oleh | Pelaksana | Catatan | Audit seq |\n|---|---|---|---|---|---|---|\n");
        for e in i.linimasa_urut() {
            let teks = i.teks_linimasa(e);
            o.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                e.no,
                w(e.waktu()),
                if e.waktu.is_some() {
                    w(e.at)
                } else {
                    "=".into()
                },
                cell(&e.oleh),
                cell(e.pelaksana.as_deref().unwrap_or("-")),
                cell(&teks),
                e.audit_seq
            ));
        }
        o.push_str("\n## Bukti\n\n");
        if i.bukti.is_empty() {
            o.push_str("Tidak ada bukti tercatat.\n");
        }
        for b in &i.bukti {
            o.push_str(&format!(
                "- #{} {} — dicatat {} oleh {}{}{}; pemegang sekarang {}{}\n",
                b.no,
                b.deskripsi,
                w(b.dicatat_at),
                b.dicatat_oleh,
                b.berkas.as_ref().map_or(String::new(), |f| format!(
                    ", berkas {} ({} byte{})",
                    f.nama,
                    f.ukuran,
                    if f.terenkripsi {
                        ", tersimpan terenkripsi"
                    } else {
                        ""
                    }
                )),
                b.sha256
                    .as_ref()
                    .map_or(String::new(), |h| format!(", SHA-256 `{h}`")),
                b.pemegang(),
                b.asal
                    .as_ref()
                    .map_or(String::new(), |a| format!(" (dari {a})"))
            ));
            for s in &b.serah_terima {
                o.push_str(&format!(
                    "  - serah terima {} → {} di {} ({})\n",
                    s.dari,
                    s.ke,
                    s.tempat,
                    w(s.at)
                ));
            }
        }
        o.push_str("\n## Pelajaran (lessons learned)\n\n");
        match &i.batal {
            Some(b) => o.push_str(&b.kalimat(w)),
            None => o.push_str(i.pelajaran.as_deref().unwrap_or("Belum ditutup.")),
        }
        o.push('\n');
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }
    fn ctx(at: &str) -> Ctx {
        Ctx {
            at: t(at),
            oleh: "Ani".into(),
            pelaksana: None,
            waktu: None,
            tz: jiff::tz::TimeZone::get("Asia/Makassar").unwrap(),
        }
    }
    fn open(at: &str) -> Insiden {
        Insiden::buka(1, "trafik aneh", &ctx(at), &playbooks()).unwrap()
    }

    #[test]
    fn shipped_playbooks_parse_with_a_b_c_and_the_sla_steps() {
        let p = playbooks();
        let kode: Vec<&str> = p.iter().map(|p| p.kode.as_str()).collect();
        assert_eq!(kode, ["umum", "A", "B", "C"]);
        assert!(parse_playbooks(PLAYBOOKS_TOML).is_ok());
        let a = &p[1];
        assert_eq!(a.langkah.len(), 9, "PI.03 V.A has nine steps");
        assert_eq!(p[2].langkah.len(), 5);
        assert_eq!(p[3].langkah[0].sla, Some(SlaJenis::Kontak));
        let dup =
            "[[playbook]]\nkode='x'\njudul='x'\nlangkah=[{kode='Z',teks='a'},{kode='z',teks='b'}]";
        assert!(parse_playbooks(dup).unwrap_err().0.contains("dua kali"));
    }

    #[test]
    fn sla_counts_down_then_is_met_on_time() {
        let mut i = open("2026-11-22T01:00:00Z");
        let [k, e] = i.sla(t("2026-11-22T01:01:30Z"));
        assert_eq!(k.keadaan, KeadaanSla::Berjalan { sisa_detik: 210 });
        assert_eq!(k.cell(t("2026-11-22T01:01:30Z")), "kontak 03:30");
        assert_eq!(e.keadaan, KeadaanSla::Berjalan { sisa_detik: 1710 });
        i.centang("U1", &ctx("2026-11-22T01:04:59Z")).unwrap();
        let [k, _] = i.sla(t("2026-11-22T02:00:00Z"));
        assert_eq!(
            k.keadaan,
            KeadaanSla::Terpenuhi {
                at: t("2026-11-22T01:04:59Z")
            }
        );
        assert_eq!(k.hasil(), "terpenuhi");
    }

    #[test]
    fn sla_breaches_when_due_passes_and_met_after_breach_stays_breached() {
        let mut i = open("2026-11-22T01:00:00Z");
        // Exactly at due: still running (0 s left); one second later: breached.
        let [k, _] = i.sla(t("2026-11-22T01:05:00Z"));
        assert_eq!(k.keadaan, KeadaanSla::Berjalan { sisa_detik: 0 });
        let [k, e] = i.sla(t("2026-11-22T01:05:01Z"));
        assert!(k.is_breached() && !e.is_breached());
        assert_eq!(k.cell(t("2026-11-22T01:05:01Z")), "kontak TERLAMBAT");
        // Ticked late: recorded as a breach with the time it was met.
        i.centang("u1", &ctx("2026-11-22T01:07:00Z")).unwrap();
        let [k, _] = i.sla(t("2026-11-22T01:08:00Z"));
        assert_eq!(
            k.keadaan,
            KeadaanSla::Terlambat {
                terpenuhi_at: Some(t("2026-11-22T01:07:00Z"))
            }
        );
        assert_eq!(k.hasil(), "terlambat");
        // Escalation met by a playbook step tagged eskalasi (C3).
        i.pakai_playbook("c", &ctx("2026-11-22T01:09:00Z"), &playbooks())
            .unwrap();
        i.centang("C3", &ctx("2026-11-22T01:20:00Z")).unwrap();
        let [_, e] = i.sla(t("2026-11-22T03:00:00Z"));
        assert!(matches!(e.keadaan, KeadaanSla::Terpenuhi { .. }));
    }

    #[test]
    fn breaches_of_open_incidents_are_named_once_per_clock() {
        let a = open("2026-11-22T01:00:00Z");
        let mut b = Insiden::buka(2, "b", &ctx("2026-11-22T01:20:00Z"), &playbooks()).unwrap();
        assert!(pelanggaran(&[a.clone(), b.clone()], t("2026-11-22T01:05:00Z")).is_empty());
        let p = pelanggaran(&[a.clone(), b.clone()], t("2026-11-22T01:05:01Z"));
        assert_eq!(
            p,
            vec![(1, SlaJenis::Kontak, "insiden:1:sla:kontak".into())]
        );
        let p = pelanggaran(&[a.clone(), b.clone()], t("2026-11-22T01:30:01Z"));
        assert_eq!(p.len(), 3, "{p:?}");
        b.tutup("x", &ctx("2026-11-22T01:21:00Z")).unwrap();
        assert_eq!(pelanggaran(&[b], t("2026-11-22T03:00:00Z")), vec![]);
    }

    #[test]
    fn closing_unmet_clock_is_a_breach_and_closing_needs_lessons() {
        let mut i = open("2026-11-22T01:00:00Z");
        assert!(i.tutup(" ", &ctx("2026-11-22T01:01:00Z")).is_err());
        assert!(
            i.ubah_status(StatusInsiden::Ditutup, &ctx("2026-11-22T01:01:00Z"))
                .is_err()
        );
        i.ubah_status(StatusInsiden::Pemulihan, &ctx("2026-11-22T01:01:00Z"))
            .unwrap();
        assert!(
            i.ubah_status(StatusInsiden::Penanganan, &ctx("2026-11-22T01:01:00Z"))
                .is_err()
        );
        i.tutup("salah lapor", &ctx("2026-11-22T01:02:00Z"))
            .unwrap();
        let [k, _] = i.sla(t("2026-11-22T01:02:30Z"));
        assert_eq!(k.keadaan, KeadaanSla::Terlambat { terpenuhi_at: None });
        assert!(i.catat("x", &ctx("2026-11-22T01:03:00Z")).is_err());
    }

    #[test]
    fn correction_keeps_original_and_links_it() {
        let mut i = open("2026-11-22T01:00:00Z");
        i.catat("hubungi Budi", &ctx("2026-11-22T01:01:00Z"))
            .unwrap();
        let before = i.linimasa[1].clone();
        let n = i
            .koreksi(
                2,
                "hubungi Budi dan Kasi",
                "kurang lengkap",
                &ctx("2026-11-22T01:02:00Z"),
            )
            .unwrap();
        assert_eq!(n, 3);
        assert_eq!(i.linimasa[1], before);
        assert_eq!(i.koreksi_untuk(2).len(), 1);
        assert!(
            i.koreksi(9, "x", "y", &ctx("2026-11-22T01:02:00Z"))
                .is_err()
        );
        assert!(
            i.koreksi(2, "x", " ", &ctx("2026-11-22T01:02:00Z"))
                .is_err()
        );
    }

    #[test]
    fn every_entry_kind_round_trips_through_json() {
        let mut i = open("2026-11-22T01:00:00Z");
        let c = ctx("2026-11-22T01:01:00Z");
        i.catat("a", &c).unwrap();
        i.koreksi(2, "b", "c", &c).unwrap();
        i.ubah(Ubahan::Keparahan(Keparahan::Tinggi), &c).unwrap();
        i.pakai_playbook("B", &c, &playbooks()).unwrap();
        i.centang("B1", &c).unwrap();
        i.putuskan(Keputusan::Lanjutkan, "Kasi", &c).unwrap();
        i.tambah_bukti(
            BuktiBaru {
                deskripsi: "log".into(),
                sha256: Some("ab".repeat(32)),
                ..Default::default()
            },
            &c,
        )
        .unwrap();
        i.serah_terima(1, "Ani", "Budi", "kamar sandi", None, &c)
            .unwrap();
        i.ubah_status(StatusInsiden::Penanganan, &c).unwrap();
        i.catat_laporan("INS/1/2026", &"cd".repeat(32), &c).unwrap();
        i.centang("B5", &c).unwrap();
        i.tutup("selesai", &c).unwrap();
        let j = serde_json::to_string(&i).unwrap();
        let back: Insiden = serde_json::from_str(&j).unwrap();
        assert_eq!(back, i);
        assert!(
            i.tambah_bukti(
                BuktiBaru {
                    deskripsi: "x".into(),
                    sha256: Some("zz".into()),
                    ..Default::default()
                },
                &c
            )
            .is_err()
        );
    }

    #[test]
    fn empty_or_oversize_text_is_refused() {
        // Quick capture: empty text opens an untitled incident; the first line becomes its title.
        let mut q = Insiden::buka(1, "  ", &ctx("2026-11-22T01:00:00Z"), &playbooks()).unwrap();
        assert_eq!(q.judul, "");
        q.catat("server mati", &ctx("2026-11-22T01:00:05Z"))
            .unwrap();
        assert_eq!(q.judul, "server mati");
        assert!(q.catat(" ", &ctx("2026-11-22T01:00:06Z")).is_err());
        let mut i = open("2026-11-22T01:00:00Z");
        let long = "x".repeat(MAX_TEKS + 1);
        assert!(
            i.catat(&long, &ctx("2026-11-22T01:00:00Z"))
                .unwrap_err()
                .0
                .contains("terlalu panjang")
        );
    }

    fn at(c: &Ctx, w: &str) -> Ctx {
        Ctx {
            waktu: Some(t(w)),
            ..c.clone()
        }
    }

    #[test]
    fn event_times_are_kept_apart_from_record_times_and_sort_the_timeline() {
        let mut i = open("2026-12-01T05:50:00+08:00");
        let c = ctx("2026-12-01T05:52:00+08:00");
        i.catat("server lambat", &c).unwrap();
        i.catat(
            "email phishing dibuka",
            &at(&c, "2026-12-01T04:55:00+08:00"),
        )
        .unwrap();
        let e = &i.linimasa[2];
        assert_eq!(e.at, t("2026-12-01T05:52:00+08:00"));
        assert_eq!(e.waktu(), t("2026-12-01T04:55:00+08:00"));
        let order: Vec<u32> = i.linimasa_urut().iter().map(|e| e.no).collect();
        assert_eq!(order, [3, 1, 2]);
        let e = i
            .catat("x", &at(&c, "2026-12-01T06:30:00+08:00"))
            .unwrap_err();
        assert!(e.0.contains("masa depan"), "{e:?}");
        let md = laporan::markdown(&i, &c.tz, c.at);
        assert!(
            md.contains("| 3 | 2026-12-01 04:55:00 WITA | 2026-12-01 05:52:00 WITA |"),
            "{md}"
        );
    }

    #[test]
    fn known_at_is_between_occurred_and_now_and_the_clocks_count_from_it() {
        let c = ctx("2026-12-01T05:50:00+08:00");
        let mut i =
            Insiden::buka(1, "x", &at(&c, "2026-12-01T05:40:00+08:00"), &playbooks()).unwrap();
        assert_eq!(i.diketahui_at, t("2026-12-01T05:40:00+08:00"));
        assert_eq!(i.dicatat_at, c.at);
        // The 5-minute clock counted from 05:40 is already breached at 05:50.
        assert!(i.sla(c.at)[0].is_breached());
        let e =
            Insiden::buka(2, "x", &at(&c, "2026-12-01T06:00:00+08:00"), &playbooks()).unwrap_err();
        assert!(e.0.contains("masa depan"), "{e:?}");
        let e = i
            .ubah(Ubahan::TerjadiAt(t("2026-12-01T05:45:00+08:00")), &c)
            .unwrap_err();
        assert!(e.0.contains("terjadi ≤ diketahui ≤ sekarang"), "{e:?}");
        let e = i
            .ubah(Ubahan::TerjadiAt(t("2026-12-01T07:00:00+08:00")), &c)
            .unwrap_err();
        assert!(e.0.contains("masa depan"), "{e:?}");
        i.ubah(Ubahan::TerjadiAt(t("2026-12-01T04:55:00+08:00")), &c)
            .unwrap();
        let e = i
            .ubah(Ubahan::DiketahuiAt(t("2026-12-01T04:50:00+08:00")), &c)
            .unwrap_err();
        assert!(e.0.contains("sebelum waktu kejadian"), "{e:?}");
        let e = i
            .ubah(Ubahan::DiketahuiAt(t("2026-12-01T05:55:00+08:00")), &c)
            .unwrap_err();
        assert!(e.0.contains("sesudah insiden dicatat"), "{e:?}");
        // A tick cannot be dated before detection, nor in the future.
        let e = i
            .centang("U1", &at(&c, "2026-12-01T05:30:00+08:00"))
            .unwrap_err();
        assert!(e.0.contains("sebelum insiden diketahui"), "{e:?}");
        let e = i
            .centang("U1", &at(&c, "2026-12-01T05:59:00+08:00"))
            .unwrap_err();
        assert!(e.0.contains("masa depan"), "{e:?}");
        // A back-dated tick meets the clock at its event time.
        let c2 = Ctx {
            pelaksana: Some("Wayan Sudarma".into()),
            ..at(&c, "2026-12-01T05:44:00+08:00")
        };
        i.centang("U1", &c2).unwrap();
        let u1 = &i.langkah[0].dicentang.as_ref().unwrap();
        assert_eq!(u1.at, t("2026-12-01T05:44:00+08:00"));
        assert_eq!(u1.dicatat_at, Some(c.at));
        assert_eq!(u1.pelaksana.as_deref(), Some("Wayan Sudarma"));
        assert!(matches!(
            i.sla(c.at)[0].keadaan,
            KeadaanSla::Terpenuhi { .. }
        ));
    }

    #[test]
    fn custody_only_from_the_holder_in_time_order_never_before_recording_or_in_the_future() {
        let mut i = open("2026-12-01T05:50:00+08:00");
        let c = ctx("2026-12-01T06:10:00+08:00");
        i.tambah_bukti(
            BuktiBaru {
                deskripsi: "disk laptop".into(),
                pemegang: Some("Budi Santoso".into()),
                ..Default::default()
            },
            &c,
        )
        .unwrap();
        let later = ctx("2026-12-01T07:00:00+08:00");
        let st = |i: &mut Insiden, dari: &str, ke: &str, w: &str| {
            i.serah_terima(1, dari, ke, "Lemari bukti", Some(t(w)), &later)
        };
        let e = st(&mut i, "Ani", "Wayan", "2026-12-01T06:20:00+08:00").unwrap_err();
        assert!(
            e.0.contains("pemegang sekarang, yaitu Budi Santoso"),
            "{e:?}"
        );
        let e = st(&mut i, "Budi Santoso", "Wayan", "2026-12-01T06:00:00+08:00").unwrap_err();
        assert!(e.0.contains("sebelum bukti itu dicatat"), "{e:?}");
        let e = st(&mut i, "Budi Santoso", "Wayan", "2027-01-05T06:00:00+08:00").unwrap_err();
        assert!(e.0.contains("masa depan"), "{e:?}");
        st(
            &mut i,
            "budi_santoso",
            "Wayan Sudarma",
            "2026-12-01T06:30:00+08:00",
        )
        .unwrap();
        assert_eq!(i.bukti[0].pemegang(), "Wayan Sudarma");
        let e = st(&mut i, "Wayan Sudarma", "Ani", "2026-12-01T06:25:00+08:00").unwrap_err();
        assert!(e.0.contains("sebelum serah terima sebelumnya"), "{e:?}");
        let e = st(&mut i, "Budi Santoso", "Ani", "2026-12-01T06:40:00+08:00").unwrap_err();
        assert!(e.0.contains("yaitu Wayan Sudarma"), "{e:?}");
        st(&mut i, "Wayan Sudarma", "Ani", "2026-12-01T06:40:00+08:00").unwrap();
        assert_eq!(i.bukti[0].serah_terima.len(), 2);
    }

    #[test]
    fn b3_and_b4_exclude_each_other_and_follow_what_is_known_of_the_source() {
        let mut i = open("2026-12-01T05:50:00+08:00");
        let c = ctx("2026-12-01T05:55:00+08:00");
        i.pakai_playbook("B", &c, &playbooks()).unwrap();
        let e = i.centang("B3", &c).unwrap_err();
        assert!(e.0.contains("sumber serangan yang diketahui"), "{e:?}");
        let e = i.centang("B4", &c).unwrap_err();
        assert!(e.0.contains("`sumber ?`"), "{e:?}");
        i.ubah(
            Ubahan::Sumber(SumberSerangan::Diketahui("203.0.113.9".into())),
            &c,
        )
        .unwrap();
        i.centang("B3", &c).unwrap();
        i.ubah(Ubahan::Sumber(SumberSerangan::TidakDiketahui), &c)
            .unwrap();
        let e = i.centang("B4", &c).unwrap_err();
        assert!(e.0.contains("saling meniadakan"), "{e:?}");
        // Closing needs B5, and B5 needs the report.
        let e = i.tutup("selesai", &c).unwrap_err();
        assert!(e.0.contains("B5"), "{e:?}");
        let e = i.centang("B5", &c).unwrap_err();
        assert!(e.0.contains("memerlukan laporan"), "{e:?}");
        i.catat_laporan("INS/1/2026", &"ab".repeat(32), &c).unwrap();
        i.centang("B5", &c).unwrap();
        i.tutup("selesai", &c).unwrap();
    }

    #[test]
    fn a_voided_incident_has_no_breached_clock_and_a_merged_one_moves_its_record() {
        let mut a = open("2026-12-01T05:00:00+08:00");
        let c = ctx("2026-12-01T06:00:00+08:00");
        assert!(a.sla(c.at)[0].is_breached());
        a.batalkan("dibuka keliru saat latihan", &c).unwrap();
        assert_eq!(a.status, StatusInsiden::Dibatalkan);
        assert!(a.sla(c.at).iter().all(|s| s.keadaan == KeadaanSla::Batal));
        assert!(pelanggaran(std::slice::from_ref(&a), c.at).is_empty());
        assert!(a.catat("x", &c).is_err());

        let mut b = Insiden::buka(
            2,
            "ransomware di PC keuangan",
            &ctx("2026-12-01T05:10:00+08:00"),
            &playbooks(),
        )
        .unwrap();
        let mut d = Insiden::buka(
            3,
            "PC keuangan terkunci",
            &ctx("2026-12-01T05:05:00+08:00"),
            &playbooks(),
        )
        .unwrap();
        d.tambah_bukti(
            BuktiBaru {
                deskripsi: "foto layar tebusan".into(),
                ..Default::default()
            },
            &c,
        )
        .unwrap();
        d.gabung_ke(&mut b, "kejadian yang sama", &c).unwrap();
        assert_eq!(d.status, StatusInsiden::Digabung);
        assert_eq!(d.batal.as_ref().and_then(|x| x.digabung_ke), Some(2));
        // The kept incident knows it from the earlier detection and holds the other's record.
        assert_eq!(b.diketahui_at, t("2026-12-01T05:05:00+08:00"));
        assert_eq!(b.bukti[0].asal.as_deref(), Some("insiden 3 bukti #1"));
        assert!(b.linimasa.iter().any(|e| matches!(
            e.jenis,
            JenisEntri::Gabungan {
                dari: 3,
                no_asal: 1
            }
        ) && e.teks.contains("PC keuangan terkunci")));
        assert!(d.gabung_ke(&mut b, "lagi", &c).is_err());
    }
}
