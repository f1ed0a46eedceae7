//! Agenda books and their entries: the *buku agenda* of berita masuk and keluar and the kriptogram books.
//!
//! Source: GLOSSARY (agenda, nomor agenda, klasifikasi, derajat kecepatan), seeds 001/002/004, DESIGN §2.
//! An entry is never deleted; voiding keeps it with a reason. Every change appends a [`TimelineEvent`].

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::naskah::{HeaderSuggestions, SealedDigests};

/// Which register book an entry belongs to. Nomor agenda are allocated per book per year.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Book {
    /// Berita masuk (incoming).
    Masuk,
    /// Berita keluar (outgoing).
    Keluar,
    /// Kriptogram received from another node.
    KriptogramMasuk,
    /// Kriptogram sealed to other nodes.
    KriptogramKeluar,
}

impl Book {
    pub const ALL: [Book; 4] = [
        Book::Masuk,
        Book::Keluar,
        Book::KriptogramMasuk,
        Book::KriptogramKeluar,
    ];

    /// Stable small code used in store keys (never reorder).
    pub fn code(self) -> u8 {
        match self {
            Book::Masuk => 1,
            Book::Keluar => 2,
            Book::KriptogramMasuk => 3,
            Book::KriptogramKeluar => 4,
        }
    }

    /// Inverse of [`Book::code`].
    pub fn from_code(c: u8) -> Option<Book> {
        Book::ALL.into_iter().find(|b| b.code() == c)
    }

    /// The name used on the CLI and in JSON (`masuk`, `keluar`, `kriptogram-masuk`, `kriptogram-keluar`).
    pub fn as_str(self) -> &'static str {
        match self {
            Book::Masuk => "masuk",
            Book::Keluar => "keluar",
            Book::KriptogramMasuk => "kriptogram-masuk",
            Book::KriptogramKeluar => "kriptogram-keluar",
        }
    }

    /// Parses a book name; the error lists the accepted names.
    pub fn parse(s: &str) -> Result<Book, String> {
        let l = s.trim().to_lowercase();
        Book::ALL
            .into_iter()
            .find(|b| b.as_str() == l)
            .ok_or_else(|| {
                format!(
                    "unknown book '{s}': use masuk, keluar, kriptogram-masuk or kriptogram-keluar"
                )
            })
    }

    /// True for the incoming books (masuk, kriptogram-masuk).
    pub fn is_incoming(self) -> bool {
        matches!(self, Book::Masuk | Book::KriptogramMasuk)
    }
}

/// Security classification (*klasifikasi keamanan*): B, T, R, SR (GLOSSARY).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Klasifikasi {
    #[serde(rename = "Biasa")]
    Biasa,
    #[serde(rename = "Terbatas")]
    Terbatas,
    #[serde(rename = "Rahasia")]
    Rahasia,
    #[serde(rename = "Sangat Rahasia")]
    SangatRahasia,
}

impl Klasifikasi {
    pub const ALL: [Klasifikasi; 4] = [
        Klasifikasi::Biasa,
        Klasifikasi::Terbatas,
        Klasifikasi::Rahasia,
        Klasifikasi::SangatRahasia,
    ];

    /// Full Indonesian name (`Biasa`, `Terbatas`, `Rahasia`, `Sangat Rahasia`).
    pub fn as_str(self) -> &'static str {
        match self {
            Klasifikasi::Biasa => "Biasa",
            Klasifikasi::Terbatas => "Terbatas",
            Klasifikasi::Rahasia => "Rahasia",
            Klasifikasi::SangatRahasia => "Sangat Rahasia",
        }
    }

    /// Short code (`B`, `T`, `R`, `SR`).
    pub fn code(self) -> &'static str {
        match self {
            Klasifikasi::Biasa => "B",
            Klasifikasi::Terbatas => "T",
            Klasifikasi::Rahasia => "R",
            Klasifikasi::SangatRahasia => "SR",
        }
    }

    /// Parses a name or code, case-insensitive (`rahasia`, `R`, `sangat rahasia`, `SR`).
    pub fn parse(s: &str) -> Result<Klasifikasi, String> {
        let l = s.trim().to_lowercase();
        let l = l.split_whitespace().collect::<Vec<_>>().join(" ");
        Klasifikasi::ALL
            .into_iter()
            .find(|k| k.as_str().to_lowercase() == l || k.code().to_lowercase() == l)
            .ok_or_else(|| format!("unknown klasifikasi '{s}': use Biasa (B), Terbatas (T), Rahasia (R) or Sangat Rahasia (SR)"))
    }

    /// Items classified Rahasia or Sangat Rahasia are *dikecualikan* (SOP 001 step 3).
    pub fn is_dikecualikan(self) -> bool {
        matches!(self, Klasifikasi::Rahasia | Klasifikasi::SangatRahasia)
    }

    /// Everything that is not *biasa* is kept encrypted at rest: Terbatas, Rahasia, Sangat Rahasia
    /// (SOP 001 step 3 encrypts all that is not Biasa; issue 11 §5).
    pub fn encrypted_at_rest(self) -> bool {
        self != Klasifikasi::Biasa
    }
}

/// Life-cycle state of an entry (issue 2 §6).
///
/// Masuk: `baru` (scanned, untriaged) → `teragenda` → `didisposisi` → `selesai` / `diarsipkan`;
/// `duplikat` (same content as an earlier entry) and `batal` (voided with a reason) are terminal.
/// Keluar: `draft` → `diagendakan` → `terkirim`.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Baru,
    Duplikat,
    Teragenda,
    Didisposisi,
    Selesai,
    Diarsipkan,
    Batal,
    Draft,
    Diagendakan,
    Terkirim,
}

impl Status {
    pub const ALL: [Status; 10] = [
        Status::Baru,
        Status::Duplikat,
        Status::Teragenda,
        Status::Didisposisi,
        Status::Selesai,
        Status::Diarsipkan,
        Status::Batal,
        Status::Draft,
        Status::Diagendakan,
        Status::Terkirim,
    ];

    /// Stable small code used in store keys (never reorder).
    pub fn code(self) -> u8 {
        Status::ALL.iter().position(|s| *s == self).unwrap_or(0) as u8 + 1
    }

    /// Lowercase name used on the CLI and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Baru => "baru",
            Status::Duplikat => "duplikat",
            Status::Teragenda => "teragenda",
            Status::Didisposisi => "didisposisi",
            Status::Selesai => "selesai",
            Status::Diarsipkan => "diarsipkan",
            Status::Batal => "batal",
            Status::Draft => "draft",
            Status::Diagendakan => "diagendakan",
            Status::Terkirim => "terkirim",
        }
    }

    /// Parses a status name; the error lists the accepted names.
    pub fn parse(s: &str) -> Result<Status, String> {
        let l = s.trim().to_lowercase();
        Status::ALL
            .into_iter()
            .find(|x| x.as_str() == l)
            .ok_or_else(|| {
                let names: Vec<_> = Status::ALL.iter().map(|s| s.as_str()).collect();
                format!("unknown status '{s}': use one of {}", names.join(", "))
            })
    }

    /// True while the entry still needs someone's action (for "open" counts and deadlines).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Baru
                | Status::Teragenda
                | Status::Didisposisi
                | Status::Draft
                | Status::Diagendakan
        )
    }
}

/// A document attached to an entry; the bytes live in the blob store under `sha256`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Lowercase hex SHA-256 of the stored bytes (the blob key).
    pub sha256: String,
    /// Original file name as dropped or handed in.
    pub name: String,
    /// MIME type from magic bytes (`application/pdf`, `image/tiff`, …).
    pub mime: String,
    /// Size in bytes.
    pub size: u64,
    /// Page count when known.
    pub pages: Option<u32>,
    /// True when the blob is stored encrypted at rest (Rahasia / Sangat Rahasia).
    #[serde(default)]
    pub encrypted_at_rest: bool,
    /// What the file is to the entry: the letter itself, or a proof of sending (issue 14).
    #[serde(default, skip_serializing_if = "JenisLampiran::is_surat")]
    pub jenis: JenisLampiran,
}

/// What an attached file is to its entry (`kasa agenda attach --kind`): the letter (its scan or its
/// born-digital file), the fax machine's transmission journal (003 SOP E langkah 5), the Email
/// Sanapati delivery receipt (*resi pengiriman*, 003 SOP F langkah 8, 002 langkah 5), or anything else.
/// The proof of sending a channel asks for is one of these ([`super::keluar`]).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[serde(rename_all = "kebab-case")]
pub enum JenisLampiran {
    /// The letter itself (the default: what the drop folder and sealing attach).
    #[default]
    Surat,
    /// The fax transmission journal (*jurnal pengiriman faksimili*).
    JurnalFaks,
    /// A delivery receipt (*resi pengiriman*): Email Sanapati, courier, post.
    Resi,
    /// Anything else (a covering note, a photo of the envelope).
    Lain,
}

impl JenisLampiran {
    pub const ALL: [JenisLampiran; 4] = [
        JenisLampiran::Surat,
        JenisLampiran::JurnalFaks,
        JenisLampiran::Resi,
        JenisLampiran::Lain,
    ];

    /// The CLI / JSON name: `surat`, `jurnal-faks`, `resi`, `lain`.
    pub fn as_str(self) -> &'static str {
        match self {
            JenisLampiran::Surat => "surat",
            JenisLampiran::JurnalFaks => "jurnal-faks",
            JenisLampiran::Resi => "resi",
            JenisLampiran::Lain => "lain",
        }
    }

    /// Parses a CLI name; the error lists the accepted ones.
    pub fn parse(s: &str) -> Result<JenisLampiran, String> {
        let l = s.trim().to_lowercase().replace('_', "-");
        JenisLampiran::ALL
            .into_iter()
            .find(|j| j.as_str() == l)
            .ok_or_else(|| {
                format!(
                    "jenis lampiran '{s}' tidak dikenal: pakai surat, jurnal-faks, resi atau lain"
                )
            })
    }

    /// For `skip_serializing_if`: the default kind is not written.
    pub fn is_surat(&self) -> bool {
        *self == JenisLampiran::Surat
    }
}

impl Attachment {
    /// One line for people: `surat.pdf · application/pdf · 44455 B · 1 hlm` (` · terenkripsi` when
    /// stored encrypted at rest; `? hlm` when the page count is unknown; ` · jurnal-faks` / ` · resi` /
    /// ` · lain` for a file that is not the letter itself).
    pub fn summary(&self) -> String {
        format!(
            "{} · {} · {} B · {} hlm{}{}",
            self.name,
            self.mime,
            self.size,
            self.pages.map_or("?".into(), |p| p.to_string()),
            if self.encrypted_at_rest {
                " · terenkripsi"
            } else {
                ""
            },
            if self.jenis.is_surat() {
                String::new()
            } else {
                format!(" · {}", self.jenis.as_str())
            }
        )
    }
}

/// One event in an entry's append-only timeline.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct TimelineEvent {
    pub at: Timestamp,
    /// Operator uid, or `None` for the node itself (ingest, timers).
    pub uid: Option<u32>,
    /// Operator name at the time (kept so the timeline reads without the operator table).
    pub by: String,
    /// Short machine-readable kind: `diterima`, `diagendakan`, `catatan`, `batal`, `duplikat`, `terkirim`, …
    pub kind: String,
    /// Human text.
    pub detail: String,
}

/// A register entry. Field names follow GLOSSARY. Stored versioned by the store; never deleted.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: u64,
    pub book: Book,
    /// Year the nomor agenda belongs to (in the node's zone), set at registration.
    pub tahun: Option<i16>,
    /// Nomor agenda: per book per year, gapless, allocated at registration; `None` until registered.
    pub nomor_agenda: Option<u64>,
    pub status: Status,
    /// When the item arrived (masuk) or was created (keluar).
    pub received_at: Timestamp,
    /// When it was registered in the book.
    #[serde(default)]
    pub registered_at: Option<Timestamp>,
    /// When it was sent (keluar).
    #[serde(default)]
    pub sent_at: Option<Timestamp>,
    /// Channel (*saluran*): Email Sanapati, Faksimili, Kurir, …
    #[serde(default)]
    pub saluran: String,
    /// Sender (masuk).
    #[serde(default)]
    pub asal: String,
    /// Addressee (keluar; masuk: the Yth. line).
    #[serde(default)]
    pub tujuan: String,
    /// The document's own reference number (≥ 64 characters allowed; capped at 256).
    #[serde(default)]
    pub nomor_surat: String,
    /// Date written on the document.
    #[serde(default)]
    pub tanggal_surat: Option<jiff::civil::Date>,
    #[serde(default)]
    pub perihal: String,
    #[serde(default)]
    pub isi_ringkas: String,
    #[serde(default)]
    pub klasifikasi: Option<Klasifikasi>,
    /// Name of the derajat kecepatan from the configured table (e.g. `Segera`).
    #[serde(default)]
    pub derajat: Option<String>,
    /// Follow-up deadline computed from the derajat kecepatan at registration.
    #[serde(default)]
    pub batas_waktu: Option<Timestamp>,
    #[serde(default)]
    pub lampiran: String,
    /// True when the item is (or came as) a kriptogram.
    #[serde(default)]
    pub kriptogram: bool,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// Set when the same content was ingested before: the id of the first entry.
    #[serde(default)]
    pub duplicate_of: Option<u64>,
    /// Header fields found in the text, to be confirmed at triage.
    #[serde(default)]
    pub suggestions: Option<HeaderSuggestions>,
    /// Why there is no text layer (encrypted PDF, image-only scan, analysis failure), if so.
    #[serde(default)]
    pub text_note: Option<String>,
    /// Set when the extracted text and the header suggestions were sealed at ingest to the node's own
    /// age X25519 recipient (table `entry_sealed`, issue 11 §5): the stored row then keeps
    /// `suggestions` empty. In a reply the node opens them for the caller and clears this field; it
    /// stays set only when the node is locked and could not (`kasa node unlock`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<SealedDigests>,
    #[serde(default)]
    pub void_reason: Option<String>,
    /// Entries the cross-channel check at registration found "mungkin sama" (003 SOP C langkah 3): what
    /// the console offers first when the operator links a duplicate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mungkin_sama: Vec<u64>,
    /// Entries linked as duplicates of this one (the same letter by another channel or a second scan).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duplikat: Vec<u64>,
    /// Handovers to internal recipients with their tanda terima (003 SOP A3/B3/C4).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distribusi: Vec<super::penerimaan::Distribusi>,
    /// When and by whom the item was re-entered in SI APEL (003 SOP A4/B4/C5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub siapel: Option<super::penerimaan::SiApel>,
    /// Outgoing: the send flow chosen for this item (`alur.toml` code, e.g. `PK`); `None`: the flow of
    /// its channel ([`super::alur::AlurSet::alur_of`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alur: Option<String>,
    /// Outgoing: paraf and signature (issue 14; 004 langkah 6–7).
    #[serde(default, skip_serializing_if = "super::keluar::Persetujuan::is_kosong")]
    pub persetujuan: super::keluar::Persetujuan,
    /// Outgoing: how the sending was proven (an attachment, a link receipt, or none with a reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bukti_kirim: Option<super::keluar::BuktiKirim>,
    #[serde(default)]
    pub timeline: Vec<TimelineEvent>,
}

/// Maximum length (characters) of free-text fields; nomor surat must allow ≥ 64 (GLOSSARY).
pub const MAX_FIELD_CHARS: usize = 256;
/// Maximum length of perihal / isi ringkas / notes.
pub const MAX_TEXT_CHARS: usize = 4000;

/// Fields an operator confirms when registering an item (triage) or creating a keluar entry.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct RegisterFields {
    #[serde(default)]
    pub saluran: String,
    #[serde(default)]
    pub asal: String,
    #[serde(default)]
    pub tujuan: String,
    #[serde(default)]
    pub nomor_surat: String,
    #[serde(default)]
    pub tanggal_surat: Option<jiff::civil::Date>,
    #[serde(default)]
    pub perihal: String,
    #[serde(default)]
    pub isi_ringkas: String,
    #[serde(default)]
    pub klasifikasi: Option<Klasifikasi>,
    #[serde(default)]
    pub derajat: Option<String>,
    #[serde(default)]
    pub lampiran: String,
    #[serde(default)]
    pub kriptogram: bool,
}

impl RegisterFields {
    /// Fills the empty fields from the header suggestions of an entry (nomor, hal → perihal,
    /// klasifikasi, lampiran, yth → tujuan, tanggal): what the console's triage form and
    /// `kasa agenda register --accept-suggestions` pre-fill. Fields already filled are kept; a
    /// suggestion that does not parse (klasifikasi, tanggal) is left out, and so is one read with a
    /// confidence below [`crate::domain::naskah::AMBANG_YAKIN`] (`s.ragu(field)`: the form shows it
    /// as a hint to check against the paper, it never fills it silently).
    pub fn apply_suggestions(&mut self, s: &HeaderSuggestions) {
        let sure = |field: &str, v: &Option<String>| {
            if s.ragu(field) { None } else { v.clone() }
        };
        if self.nomor_surat.is_empty() {
            // An SOP document has no letter Nomor: its own number identifies it in the book.
            self.nomor_surat = sure("nomor", &s.nomor)
                .or_else(|| {
                    sure("nomor_sop", &s.nomor_sop).map(|n| {
                        if n.to_uppercase().starts_with("SOP") {
                            n
                        } else {
                            format!("SOP {n}")
                        }
                    })
                })
                .unwrap_or_default();
        }
        if self.perihal.is_empty() {
            self.perihal = sure("hal", &s.hal).unwrap_or_default();
        }
        if self.klasifikasi.is_none() {
            self.klasifikasi = sure("klasifikasi", &s.klasifikasi)
                .as_deref()
                .and_then(|k| Klasifikasi::parse(k).ok());
        }
        if self.lampiran.is_empty() {
            self.lampiran = sure("lampiran", &s.lampiran).unwrap_or_default();
        }
        if self.tujuan.is_empty() {
            self.tujuan = sure("yth", &s.yth).unwrap_or_default();
        }
        if self.tanggal_surat.is_none() {
            self.tanggal_surat = sure("tempat_tanggal", &s.tanggal)
                .as_deref()
                .and_then(|d| d.parse().ok());
        }
    }
}

impl RegisterFields {
    /// A forward (`kasa keluar new --dari ID`): the empty fields take the letter's own (nomor surat,
    /// tanggal, perihal, isi ringkas, klasifikasi, derajat, lampiran); asal and tujuan stay as given.
    /// The klasifikasi is never lowered below the source's.
    pub fn fill_from_entry(&mut self, e: &Entry) {
        if self.nomor_surat.is_empty() {
            self.nomor_surat = e.nomor_surat.clone();
        }
        if self.tanggal_surat.is_none() {
            self.tanggal_surat = e.tanggal_surat;
        }
        if self.perihal.is_empty() {
            self.perihal = e.perihal.clone();
        }
        if self.isi_ringkas.is_empty() {
            self.isi_ringkas = e.isi_ringkas.clone();
        }
        self.klasifikasi = match (self.klasifikasi, e.klasifikasi) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if self.derajat.is_none() {
            self.derajat = e.derajat.clone();
        }
        if self.lampiran.is_empty() {
            self.lampiran = e.lampiran.clone();
        }
    }
}

impl RegisterFields {
    /// 003 SOP A2: a kriptogram-masuk entry already carries the header of its signed manifest; what
    /// the operator leaves empty is taken from it (never asked twice), and an empty channel is
    /// `Kriptogram`. Other entries are left as given.
    pub fn fill_from_manifest(&mut self, e: &Entry) {
        if e.book != Book::KriptogramMasuk {
            return;
        }
        for (v, from) in [
            (&mut self.perihal, &e.perihal),
            (&mut self.nomor_surat, &e.nomor_surat),
            (&mut self.asal, &e.asal),
            (&mut self.tujuan, &e.tujuan),
        ] {
            if v.trim().is_empty() {
                *v = from.clone();
            }
        }
        self.klasifikasi = self.klasifikasi.or(e.klasifikasi);
        self.tanggal_surat = self.tanggal_surat.or(e.tanggal_surat);
        if self.derajat.is_none() {
            self.derajat = e.derajat.clone();
        }
        if self.saluran.trim().is_empty() {
            self.saluran = "Kriptogram".into();
        }
    }
}

/// A rule violation or bad input, with a message that names the problem and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DomainError(pub String);

fn err<T>(s: impl Into<String>) -> Result<T, DomainError> {
    Err(DomainError(s.into()))
}

impl RegisterFields {
    /// Checks the fields for registration: perihal required, klasifikasi required, lengths bounded,
    /// no control characters. Returns every problem as `(field, message)` so a form can show them inline.
    pub fn validate(&self, derajat_names: &[String]) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let short: [(&'static str, &str); 5] = [
            ("saluran", &self.saluran),
            ("asal", &self.asal),
            ("tujuan", &self.tujuan),
            ("nomor_surat", &self.nomor_surat),
            ("lampiran", &self.lampiran),
        ];
        for (name, v) in short {
            if v.chars().count() > MAX_FIELD_CHARS {
                out.push((
                    name,
                    format!("terlalu panjang: maksimum {MAX_FIELD_CHARS} karakter"),
                ));
            }
            if v.chars().any(|c| c.is_control()) {
                out.push((
                    name,
                    "berisi karakter kendali; hapus baris baru/tab".to_string(),
                ));
            }
        }
        for (name, v) in [
            ("perihal", &self.perihal),
            ("isi_ringkas", &self.isi_ringkas),
        ] {
            if v.chars().count() > MAX_TEXT_CHARS {
                out.push((
                    name,
                    format!("terlalu panjang: maksimum {MAX_TEXT_CHARS} karakter"),
                ));
            }
        }
        if self.perihal.trim().is_empty() {
            out.push(("perihal", "wajib diisi (hal/perihal surat)".to_string()));
        }
        if self.klasifikasi.is_none() {
            out.push((
                "klasifikasi",
                "wajib dipilih: Biasa, Terbatas, Rahasia atau Sangat Rahasia".to_string(),
            ));
        }
        if let Some(d) = &self.derajat
            && !derajat_names.iter().any(|n| n == d)
        {
            out.push((
                "derajat",
                format!(
                    "derajat kecepatan '{d}' tidak dikenal: pilih {}",
                    derajat_names.join(", ")
                ),
            ));
        }
        out
    }
}

/// The note of an entry whose OCR is queued (issue 15): the entry is there, its text and
/// suggestions follow. Set at ingest, replaced when the OCR thread is done.
pub const NOTE_OCR_PENDING: &str = "membaca… (OCR menunggu giliran; saran kepala surat menyusul) / reading… (OCR pending; header suggestions follow)";

impl Entry {
    /// Whether the entry's scan is still waiting for OCR (its note is [`NOTE_OCR_PENDING`]): the
    /// list shows "membaca…" and the suggestions follow.
    pub fn menunggu_ocr(&self) -> bool {
        self.text_note.as_deref() == Some(NOTE_OCR_PENDING)
    }

    /// A new untriaged scan in the masuk book (status `baru`), as ingest creates it.
    pub fn new_scan(id: u64, received_at: Timestamp, attachment: Attachment) -> Entry {
        Entry {
            id,
            book: Book::Masuk,
            tahun: None,
            nomor_agenda: None,
            status: Status::Baru,
            received_at,
            registered_at: None,
            sent_at: None,
            saluran: String::new(),
            asal: String::new(),
            tujuan: String::new(),
            nomor_surat: String::new(),
            tanggal_surat: None,
            perihal: String::new(),
            isi_ringkas: String::new(),
            klasifikasi: None,
            derajat: None,
            batas_waktu: None,
            lampiran: String::new(),
            kriptogram: false,
            attachments: vec![attachment],
            duplicate_of: None,
            suggestions: None,
            text_note: None,
            sealed: None,
            void_reason: None,
            mungkin_sama: Vec::new(),
            duplikat: Vec::new(),
            distribusi: Vec::new(),
            siapel: None,
            alur: None,
            persetujuan: Default::default(),
            bukti_kirim: None,
            timeline: Vec::new(),
        }
    }

    /// Appends a timeline event.
    pub fn push_event(
        &mut self,
        at: Timestamp,
        uid: Option<u32>,
        by: &str,
        kind: &str,
        detail: impl Into<String>,
    ) {
        self.timeline.push(TimelineEvent {
            at,
            uid,
            by: by.to_string(),
            kind: kind.to_string(),
            detail: detail.into(),
        });
    }

    fn apply_fields(&mut self, f: &RegisterFields) {
        self.saluran = f.saluran.trim().to_string();
        self.asal = f.asal.trim().to_string();
        self.tujuan = f.tujuan.trim().to_string();
        self.nomor_surat = f.nomor_surat.trim().to_string();
        self.tanggal_surat = f.tanggal_surat;
        self.perihal = f.perihal.trim().to_string();
        self.isi_ringkas = f.isi_ringkas.trim().to_string();
        self.klasifikasi = f.klasifikasi;
        self.derajat = f.derajat.clone();
        self.lampiran = f.lampiran.trim().to_string();
        self.kriptogram = self.kriptogram || f.kriptogram;
    }

    /// Checks that a masuk scan may be registered (status `baru` in an incoming book).
    pub fn check_registrable(&self) -> Result<(), DomainError> {
        if !self.book.is_incoming() {
            return err(format!(
                "entry {} is in the {} book: register outgoing items with `keluar register`",
                self.id,
                self.book.as_str()
            ));
        }
        match self.status {
            Status::Baru => Ok(()),
            Status::Duplikat => err(format!(
                "entry {} is a duplicate of entry {}: register the first one, or void this one",
                self.id,
                self.duplicate_of.unwrap_or(0)
            )),
            s => {
                // Name who got there first and what they saved, so a second operator's refused form
                // can be compared with it (issue 13: never silently lost).
                let by = self
                    .timeline
                    .iter()
                    .rev()
                    .find(|t| t.kind == "diagendakan" || t.kind == "batal")
                    .map(|t| format!(" oleh {}", t.by))
                    .unwrap_or_default();
                err(format!(
                    "entri {} sudah {}{by} (nomor agenda {}, perihal \"{}\", klasifikasi {}); isian Anda tidak disimpan: bandingkan dengan entri itu",
                    self.id,
                    s.as_str(),
                    self.nomor_agenda.map_or("-".into(), |n| n.to_string()),
                    self.perihal,
                    self.klasifikasi.map_or("-", |k| k.as_str()),
                ))
            }
        }
    }

    /// Registers a `baru` entry with the confirmed fields and the allocated nomor agenda (issue 2 §6).
    /// `batas_waktu` is the deadline computed from the derajat kecepatan by the caller.
    pub fn register(
        &mut self,
        f: &RegisterFields,
        tahun: i16,
        nomor: u64,
        batas_waktu: Option<Timestamp>,
        now: Timestamp,
        op: &super::Operator,
    ) -> Result<(), DomainError> {
        self.check_registrable()?;
        self.apply_fields(f);
        self.tahun = Some(tahun);
        self.nomor_agenda = Some(nomor);
        self.status = Status::Teragenda;
        self.registered_at = Some(now);
        self.batas_waktu = batas_waktu;
        self.push_event(
            now,
            Some(op.uid),
            &op.nama,
            "diagendakan",
            format!("nomor agenda {nomor}/{tahun}"),
        );
        Ok(())
    }

    /// Voids the entry with a reason (never deletes; the nomor agenda stays used).
    pub fn void(
        &mut self,
        reason: &str,
        now: Timestamp,
        op: &super::Operator,
    ) -> Result<(), DomainError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return err("a void needs a reason (alasan): say why the entry is cancelled");
        }
        if self.status == Status::Batal {
            return err(format!("entry {} is already void", self.id));
        }
        if matches!(
            self.status,
            Status::Terkirim | Status::Selesai | Status::Diarsipkan
        ) {
            return err(format!(
                "entry {} is {}: a closed entry cannot be voided; add a note instead",
                self.id,
                self.status.as_str()
            ));
        }
        self.status = Status::Batal;
        self.void_reason = Some(reason.to_string());
        self.push_event(now, Some(op.uid), &op.nama, "batal", reason.to_string());
        Ok(())
    }

    /// Appends a note (catatan) to the timeline.
    pub fn add_note(
        &mut self,
        text: &str,
        now: Timestamp,
        op: &super::Operator,
    ) -> Result<(), DomainError> {
        let t = text.trim();
        if t.is_empty() {
            return err("an empty note: type the text of the note");
        }
        if t.chars().count() > MAX_TEXT_CHARS {
            return err(format!(
                "note too long: at most {MAX_TEXT_CHARS} characters"
            ));
        }
        self.push_event(now, Some(op.uid), &op.nama, "catatan", t.to_string());
        Ok(())
    }

    /// Whether files may still be attached to this entry (`kasa agenda attach`, issue 14): any book
    /// and status except a void (`batal`) entry and a `duplikat` (its content is the first copy's).
    /// Errors: the refusal naming the status, the rule and what to do (Indonesian, as shown to
    /// operators).
    pub fn check_attachable(&self) -> Result<(), DomainError> {
        match self.status {
            Status::Batal => err(format!(
                "entri {} sudah dibatalkan (batal): lampiran tidak ditambahkan ke entri batal; lampirkan ke entri penggantinya",
                self.id
            )),
            Status::Duplikat => err(format!(
                "entri {} adalah duplikat dari entri {}: lampiran ditambahkan ke entri pertama, bukan ke duplikatnya",
                self.id,
                self.duplicate_of.map_or("lain".into(), |d| d.to_string())
            )),
            _ => Ok(()),
        }
    }

    /// Appends `atts` to the attachments with one `dilampirkan` event naming each file and its jenis
    /// (`surat.pdf (surat), jurnal.pdf (jurnal-faks) dilampirkan`, then ` dari ORIGIN` when given).
    /// `uid`/`by`: who attached (`None`/`node` for the drop folder). Errors: [`Entry::check_attachable`],
    /// no file.
    pub fn attach(
        &mut self,
        atts: Vec<Attachment>,
        origin: Option<&str>,
        now: Timestamp,
        uid: Option<u32>,
        by: &str,
    ) -> Result<(), DomainError> {
        self.check_attachable()?;
        if atts.is_empty() {
            return err("tidak ada berkas untuk dilampirkan: sebutkan minimal satu berkas");
        }
        let names: Vec<String> = atts
            .iter()
            .map(|a| format!("{} ({})", a.name, a.jenis.as_str()))
            .collect();
        let mut detail = format!("{} dilampirkan", names.join(", "));
        if let Some(o) = origin {
            detail.push_str(" dari ");
            detail.push_str(o);
        }
        self.attachments.extend(atts);
        self.push_event(now, uid, by, "dilampirkan", detail);
        Ok(())
    }

    /// A keluar draft made by the node from a file dropped in `drop_keluar/` (issue 14): fields from
    /// the file's header suggestions, the file as its first attachment, one `draft` event
    /// `dari ORIGIN` by the node.
    pub fn new_keluar_dari_berkas(
        id: u64,
        f: &RegisterFields,
        att: Attachment,
        now: Timestamp,
        origin: &str,
    ) -> Entry {
        let mut e = Entry::new_scan(id, now, att);
        e.book = Book::Keluar;
        e.status = Status::Draft;
        e.timeline.clear();
        e.apply_fields(f);
        e.push_event(now, None, "node", "draft", format!("dari {origin}"));
        e
    }

    /// A new keluar draft.
    pub fn new_keluar(id: u64, f: &RegisterFields, now: Timestamp, op: &super::Operator) -> Entry {
        let mut e = Entry::new_scan(
            id,
            now,
            Attachment {
                sha256: String::new(),
                name: String::new(),
                mime: String::new(),
                size: 0,
                pages: None,
                encrypted_at_rest: false,
                jenis: Default::default(),
            },
        );
        e.attachments.clear();
        e.book = if f.kriptogram {
            Book::KriptogramKeluar
        } else {
            Book::Keluar
        };
        e.status = Status::Draft;
        e.apply_fields(f);
        e.push_event(
            now,
            Some(op.uid),
            &op.nama,
            "draft",
            "draf berita keluar dibuat",
        );
        e
    }

    /// Keluar: draft → diagendakan (allocates the nomor agenda).
    pub fn keluar_register(
        &mut self,
        tahun: i16,
        nomor: u64,
        now: Timestamp,
        op: &super::Operator,
    ) -> Result<(), DomainError> {
        if self.book.is_incoming() {
            return err(format!(
                "entry {} is incoming; use register for masuk entries",
                self.id
            ));
        }
        if self.status != Status::Draft {
            return err(format!(
                "entry {} is {}; only a draft can be registered",
                self.id,
                self.status.as_str()
            ));
        }
        if self.perihal.trim().is_empty() || self.klasifikasi.is_none() {
            return err("perihal and klasifikasi are required before registering an outgoing item");
        }
        self.tahun = Some(tahun);
        self.nomor_agenda = Some(nomor);
        self.status = Status::Diagendakan;
        self.registered_at = Some(now);
        self.push_event(
            now,
            Some(op.uid),
            &op.nama,
            "diagendakan",
            format!("nomor agenda {nomor}/{tahun}"),
        );
        Ok(())
    }

    /// Closes a registered incoming item (selesai), or archives an item ([`Entry::arsipkan`]: a sent
    /// outgoing one too).
    pub fn close(
        &mut self,
        to: Status,
        note: &str,
        now: Timestamp,
        op: &super::Operator,
    ) -> Result<(), DomainError> {
        if !matches!(to, Status::Selesai | Status::Diarsipkan) {
            return err("close to selesai or diarsipkan");
        }
        if to == Status::Diarsipkan {
            return self.arsipkan(note, now, op).map(|_| ());
        }
        if !matches!(
            self.status,
            Status::Teragenda | Status::Didisposisi | Status::Selesai
        ) {
            return err(format!(
                "entry {} is {}; register it before closing",
                self.id,
                self.status.as_str()
            ));
        }
        self.status = to;
        self.push_event(
            now,
            Some(op.uid),
            &op.nama,
            to.as_str(),
            note.trim().to_string(),
        );
        Ok(())
    }

    /// Text searched by the `/` filter: nomor, perihal, asal, tujuan, nomor surat, file names.
    pub fn haystack(&self) -> String {
        let mut s = format!(
            "{} {} {} {} {} {}",
            self.nomor_agenda.map_or(String::new(), |n| n.to_string()),
            self.perihal,
            self.asal,
            self.tujuan,
            self.nomor_surat,
            self.isi_ringkas
        );
        for a in &self.attachments {
            s.push(' ');
            s.push_str(&a.name);
        }
        s.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_sop_document_is_numbered_by_its_sop_number() {
        let s = HeaderSuggestions {
            nomor_sop: Some("088.6".into()),
            ..Default::default()
        };
        let mut f = RegisterFields::default();
        f.apply_suggestions(&s);
        assert_eq!(f.nomor_surat, "SOP 088.6");
        let s = HeaderSuggestions {
            nomor: Some("800/283/Kominfo/2021".into()),
            nomor_sop: Some("SOP/14/406.020/2019".into()),
            ..Default::default()
        };
        let mut f = RegisterFields::default();
        f.apply_suggestions(&s);
        assert_eq!(
            f.nomor_surat, "800/283/Kominfo/2021",
            "a letter's own Nomor first"
        );
        let s = HeaderSuggestions {
            nomor_sop: Some("SOP/14/406.020/2019".into()),
            ..Default::default()
        };
        let mut f = RegisterFields::default();
        f.apply_suggestions(&s);
        assert_eq!(f.nomor_surat, "SOP/14/406.020/2019");
    }
    use crate::domain::{Operator, Role};

    fn op() -> Operator {
        Operator {
            uid: 1000,
            username: "sari".into(),
            nama: "Sari".into(),
            nip: String::new(),
            jabatan: "Sandiman".into(),
            role: Role::Sandiman,
            kualifikasi: Default::default(),
            disabled: false,
        }
    }

    fn scan() -> Entry {
        Entry::new_scan(
            7,
            Timestamp::UNIX_EPOCH,
            Attachment {
                sha256: "ab".into(),
                name: "a.pdf".into(),
                mime: "application/pdf".into(),
                size: 1,
                pages: Some(1),
                encrypted_at_rest: false,
                jenis: Default::default(),
            },
        )
    }

    #[test]
    fn attach_appends_with_one_event_and_refuses_void_and_duplicate() {
        let now = Timestamp::UNIX_EPOCH;
        let att = |name: &str, jenis| Attachment {
            sha256: "ab".into(),
            name: name.into(),
            mime: "application/pdf".into(),
            size: 1,
            pages: None,
            encrypted_at_rest: false,
            jenis,
        };
        let mut e = Entry::new_keluar(7, &RegisterFields::default(), now, &op());
        e.attach(
            vec![
                att("surat.pdf", JenisLampiran::Surat),
                att("jurnal.pdf", JenisLampiran::JurnalFaks),
            ],
            None,
            now,
            Some(1000),
            "Wayan",
        )
        .unwrap();
        assert_eq!(e.attachments.len(), 2);
        let last = e.timeline.last().unwrap();
        assert_eq!(last.kind, "dilampirkan");
        assert_eq!(
            last.detail,
            "surat.pdf (surat), jurnal.pdf (jurnal-faks) dilampirkan"
        );
        assert!(e.attach(vec![], None, now, None, "node").is_err());
        e.status = Status::Batal;
        let r = e.attach(
            vec![att("x.pdf", JenisLampiran::Resi)],
            None,
            now,
            None,
            "node",
        );
        assert!(r.unwrap_err().0.contains("dibatalkan"));
        e.status = Status::Duplikat;
        e.duplicate_of = Some(3);
        assert!(
            e.check_attachable()
                .unwrap_err()
                .0
                .contains("duplikat dari entri 3")
        );
        assert_eq!(e.attachments.len(), 2);
    }

    #[test]
    fn register_then_register_again_is_refused() {
        let mut e = scan();
        let f = RegisterFields {
            perihal: "Laporan".into(),
            klasifikasi: Some(Klasifikasi::Rahasia),
            ..Default::default()
        };
        e.register(&f, 2026, 1, None, Timestamp::UNIX_EPOCH, &op())
            .unwrap();
        assert_eq!(e.status, Status::Teragenda);
        assert_eq!(e.nomor_agenda, Some(1));
        let again = e
            .register(&f, 2026, 2, None, Timestamp::UNIX_EPOCH, &op())
            .unwrap_err();
        assert!(again.0.contains("sudah teragenda oleh Sari"), "{again}");
        assert_eq!(e.timeline.len(), 1);
    }

    #[test]
    fn validation_names_each_field() {
        let f = RegisterFields {
            nomor_surat: "x".repeat(300),
            ..Default::default()
        };
        let v = f.validate(&["Biasa".into()]);
        let names: Vec<_> = v.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, vec!["nomor_surat", "perihal", "klasifikasi"]);
        let ok = RegisterFields {
            nomor_surat: "800/283/Kominfo/2021/".repeat(4),
            perihal: "p".into(),
            klasifikasi: Some(Klasifikasi::Biasa),
            ..Default::default()
        };
        assert!(ok.nomor_surat.len() > 64);
        assert!(ok.validate(&[]).is_empty());
    }

    #[test]
    fn void_needs_reason_and_keeps_number() {
        let mut e = scan();
        assert!(e.void("  ", Timestamp::UNIX_EPOCH, &op()).is_err());
        e.void("salah pindai", Timestamp::UNIX_EPOCH, &op())
            .unwrap();
        assert_eq!(e.status, Status::Batal);
        assert!(e.void("again", Timestamp::UNIX_EPOCH, &op()).is_err());
    }

    #[test]
    fn keluar_lifecycle_in_order_only() {
        let f = RegisterFields {
            perihal: "Undangan".into(),
            klasifikasi: Some(Klasifikasi::Biasa),
            ..Default::default()
        };
        let set = super::super::alur::AlurSet::default();
        let mut e = Entry::new_keluar(1, &f, Timestamp::UNIX_EPOCH, &op());
        let s = super::super::keluar::syarat(&set, &e);
        let k = super::super::keluar::Kirim {
            saluran: "Langsung".into(),
            ..Default::default()
        };
        let t = Timestamp::UNIX_EPOCH;
        assert!(e.kirim(&set, &s, &k, &op(), t).is_err());
        e.keluar_register(2026, 1, t, &op()).unwrap();
        e.kirim(&set, &s, &k, &op(), t).unwrap();
        assert_eq!(e.status, Status::Terkirim);
    }

    #[test]
    fn codes_are_stable() {
        assert_eq!(Status::Baru.code(), 1);
        assert_eq!(Status::Terkirim.code(), 10);
        assert_eq!(
            Klasifikasi::parse("sr").unwrap(),
            Klasifikasi::SangatRahasia
        );
        assert_eq!(
            Klasifikasi::parse("Sangat  Rahasia").unwrap(),
            Klasifikasi::SangatRahasia
        );
    }
}
