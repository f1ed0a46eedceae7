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

/// Status of an incident: terbuka → penanganan → pemulihan → ditutup (forward only).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
#[serde(rename_all = "snake_case")]
pub enum StatusInsiden {
    #[default]
    Terbuka,
    Penanganan,
    Pemulihan,
    Ditutup,
}

impl StatusInsiden {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusInsiden::Terbuka => "terbuka",
            StatusInsiden::Penanganan => "penanganan",
            StatusInsiden::Pemulihan => "pemulihan",
            StatusInsiden::Ditutup => "ditutup",
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
    /// True until the incident is closed.
    pub fn is_open(self) -> bool {
        self != StatusInsiden::Ditutup
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

/// One checklist step as shipped in `data/playbooks.toml`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct LangkahPlaybook {
    pub kode: String,
    pub teks: String,
    #[serde(default)]
    pub sla: Option<SlaJenis>,
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
}

/// Who ticked a step and when.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Centang {
    pub oleh: String,
    #[serde(default)]
    pub pelaksana: Option<String>,
    pub at: Timestamp,
}

/// A custody transfer of an evidence item (*serah terima*).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct SerahTerima {
    pub dari: String,
    pub ke: String,
    pub at: Timestamp,
    pub tempat: String,
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
    #[serde(default)]
    pub serah_terima: Vec<SerahTerima>,
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
}

/// One timeline entry; never edited once appended.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Entri {
    /// 1-based position in the timeline.
    pub no: u32,
    /// When it was recorded (node clock).
    pub at: Timestamp,
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

/// An incident of the logbook.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Insiden {
    pub id: u64,
    /// Short title (the first captured line unless changed).
    pub judul: String,
    /// Detection time (*diketahui*): the SLA clocks start here. Set when opened.
    pub diketahui_at: Timestamp,
    /// When the record was created on the node.
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
}

/// Context of one mutation: the node time, the typing operator, and an optional second operator.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub at: Timestamp,
    pub oleh: String,
    pub pelaksana: Option<String>,
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
        let mut i = Insiden {
            id,
            judul,
            diketahui_at: ctx.at,
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
        };
        if let Some(u) = playbooks.iter().find(|p| p.kode == "umum") {
            i.attach(u);
        }
        i.push(ctx, JenisEntri::Dibuka, teks);
        Ok(i)
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
            });
        }
    }

    fn push(&mut self, ctx: &Ctx, jenis: JenisEntri, teks: String) -> u32 {
        let no = self.linimasa.len() as u32 + 1;
        self.linimasa.push(Entri {
            no,
            at: ctx.at,
            oleh: ctx.oleh.clone(),
            pelaksana: ctx.pelaksana.clone(),
            jenis,
            teks,
            audit_seq: 0,
        });
        no
    }

    fn open_or_refuse(&self) -> Result<(), DomainError> {
        if self.status.is_open() {
            Ok(())
        } else {
            err(format!(
                "insiden {} sudah ditutup: catatan baru tidak diterima; buka insiden baru bila perlu",
                self.id
            ))
        }
    }

    /// Appends a log line. Errors: empty/oversize text, closed incident. Returns the entry number.
    pub fn catat(&mut self, teks: &str, ctx: &Ctx) -> Result<u32, DomainError> {
        self.open_or_refuse()?;
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
                self.terjadi_at = Some(t);
                (
                    "terjadi_at",
                    format!("waktu kejadian: {}", super::waktu::tampil(t, &ctx.tz)),
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

    /// Ticks a checklist step: records who and when in the step and in the timeline.
    /// Errors: unknown step, already ticked, closed incident.
    pub fn centang(&mut self, kode: &str, ctx: &Ctx) -> Result<u32, DomainError> {
        self.open_or_refuse()?;
        let k = kode.trim().to_uppercase();
        let id = self.id;
        let known: Vec<String> = self.langkah.iter().map(|l| l.kode.clone()).collect();
        let l = self
            .langkah
            .iter_mut()
            .find(|l| l.kode.to_uppercase() == k)
            .ok_or_else(|| {
                DomainError(format!(
                    "langkah '{kode}' tidak ada pada insiden {id}: langkah yang ada {}; tambah playbook dengan `kasa incident playbook {id} A|B|C`",
                    known.join(", ")
                ))
            })?;
        if let Some(c) = &l.dicentang {
            return err(format!(
                "langkah {} sudah dicentang oleh {} pada {}",
                l.kode, c.oleh, c.at
            ));
        }
        l.dicentang = Some(Centang {
            oleh: ctx.oleh.clone(),
            pelaksana: ctx.pelaksana.clone(),
            at: ctx.at,
        });
        let teks = format!("✓ {} {}", l.kode, l.teks);
        let kode = l.kode.clone();
        Ok(self.push(ctx, JenisEntri::Langkah { kode }, teks))
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

    /// Records an evidence item (with the file's SHA-256 when given). Errors: empty description,
    /// malformed hash, closed incident.
    pub fn tambah_bukti(
        &mut self,
        deskripsi: &str,
        sha256: Option<&str>,
        ctx: &Ctx,
    ) -> Result<u32, DomainError> {
        self.open_or_refuse()?;
        let d = clean_text(deskripsi, "deskripsi bukti")?;
        let sha = match sha256 {
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
        let no = self.bukti.len() as u32 + 1;
        self.bukti.push(Bukti {
            no,
            deskripsi: d.clone(),
            sha256: sha.clone(),
            dicatat_at: ctx.at,
            dicatat_oleh: ctx.oleh.clone(),
            serah_terima: Vec::new(),
        });
        let teks = match sha {
            Some(h) => format!("bukti #{no}: {d} (sha256 {h})"),
            None => format!("bukti #{no}: {d}"),
        };
        Ok(self.push(ctx, JenisEntri::Bukti { bukti: no }, teks))
    }

    /// Records a custody transfer of evidence `no`. `at` is when the handover happened (defaults to
    /// `ctx.at`). Errors: unknown item, empty from/to/place. Allowed after closing (custody continues).
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
        let b = self.bukti.iter_mut().find(|b| b.no == no).ok_or_else(|| {
            DomainError(format!("bukti #{no} tidak ada pada insiden {id} (ada {n})"))
        })?;
        let dari = clean_text(dari, "dari")?;
        let ke = clean_text(ke, "ke")?;
        let tempat = clean_text(tempat, "tempat")?;
        let at = at.unwrap_or(ctx.at);
        b.serah_terima.push(SerahTerima {
            dari: dari.clone(),
            ke: ke.clone(),
            at,
            tempat: tempat.clone(),
        });
        Ok(self.push(
            ctx,
            JenisEntri::SerahTerima { bukti: no },
            format!(
                "serah terima bukti #{no}: {dari} → {ke} di {tempat} ({})",
                super::waktu::tampil(at, &ctx.tz)
            ),
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
                    "- [x] {} {} — {} pada {}{}\n",
                    l.kode,
                    l.teks,
                    c.oleh,
                    w(c.at),
                    c.pelaksana
                        .as_ref()
                        .map_or(String::new(), |p| format!(" (pelaksana {p})"))
                )),
                None => o.push_str(&format!("- [ ] {} {}\n", l.kode, l.teks)),
            }
        }
        o.push_str("\n## Linimasa\n\n| No | Waktu | Oleh | Pelaksana | Catatan | Audit seq |\n|---|---|---|---|---|---|\n");
        for e in &i.linimasa {
            let teks = i.teks_linimasa(e);
            o.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                e.no,
                w(e.at),
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
                "- #{} {} — dicatat {} oleh {}{}\n",
                b.no,
                b.deskripsi,
                w(b.dicatat_at),
                b.dicatat_oleh,
                b.sha256
                    .as_ref()
                    .map_or(String::new(), |h| format!(", SHA-256 `{h}`"))
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
        o.push_str(i.pelajaran.as_deref().unwrap_or("Belum ditutup."));
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
        i.tambah_bukti("log", Some(&"ab".repeat(32)), &c).unwrap();
        i.serah_terima(1, "Ani", "Budi", "kamar sandi", None, &c)
            .unwrap();
        i.ubah_status(StatusInsiden::Penanganan, &c).unwrap();
        i.tutup("selesai", &c).unwrap();
        let j = serde_json::to_string(&i).unwrap();
        let back: Insiden = serde_json::from_str(&j).unwrap();
        assert_eq!(back, i);
        assert!(i.tambah_bukti("x", Some("zz"), &c).is_err());
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
}
