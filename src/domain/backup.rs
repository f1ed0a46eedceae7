//! Backup and restore rules (seed 001 *Back Up Data Elektronik Naskah Dinas Biasa/Dikecualikan*, seed 003
//! SOP PI.01 *Backup dan Restore*; issue 17). Pure: no I/O, time is an argument.
//!
//! What lives here:
//! - the four sets of SOP 001 step 5 ([`Himpunan`]: kirim/terima × biasa/dikecualikan) and how an entry
//!   falls into one;
//! - the manifest ([`ManifestBody`]) and its text form (signed bytes + `signature:` line), the catalog
//!   of a backup ([`Catalog`]), the chain rules of manifests ([`check_chain`]);
//! - the chunking rule of table dumps ([`Chunker`]) that makes incrementals write only what changed;
//! - the schedule rules of PI.01 (daily incremental, a full every N runs, missed runs, the restore test at
//!   least every three months: [`Policy`]);
//! - the backup log record ([`BackupRun`]) and the reports: backup report with its *daftar kontrol*
//!   (001 steps 8–10), *berita acara* of a restore (PI.01 V.8) and the monthly failure analysis
//!   (PI.01 V.6), as Markdown built from a structured model ([`Laporan`]) so a PDF layer can render it.

use std::collections::BTreeMap;

use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Book, Entry};

/// Format version of manifests, catalogs and table chunks written by this kasa.
pub const FORMAT: u32 = 1;
/// First line of a manifest file.
pub const MANIFEST_MAGIC: &str = "kasa-backup-manifest v1";
/// Prefix of the last line of a manifest file (hex Ed25519 signature).
pub const SIGNATURE_PREFIX: &str = "signature: ";
/// Domain label prepended to the signed bytes of a manifest.
pub const SIGN_LABEL: &[u8] = b"kasa/backup/manifest/v1\n";
/// Magic of a table chunk (plaintext inside its age piece).
pub const CHUNK_MAGIC: &[u8; 8] = b"KASATBL1";

// ------------------------------------------------------------------------------------------- sets

/// The four sets of SOP 001 step 5: a. pengiriman biasa, b. penerimaan biasa, c. pengiriman
/// dikecualikan, d. penerimaan dikecualikan. Visible in the manifest and the report (never as
/// plaintext folders in the backup directory).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Himpunan {
    KirimBiasa,
    TerimaBiasa,
    KirimDikecualikan,
    TerimaDikecualikan,
}

impl Himpunan {
    /// In SOP 001 step 5 order (a–d).
    pub const ALL: [Himpunan; 4] = [
        Himpunan::KirimBiasa,
        Himpunan::TerimaBiasa,
        Himpunan::KirimDikecualikan,
        Himpunan::TerimaDikecualikan,
    ];

    /// The set of an entry: keluar books are *kirim*, masuk books *terima*; Rahasia and Sangat Rahasia
    /// are *dikecualikan* (SOP 001 step 3), the rest *biasa* (encryption at rest also covers Terbatas:
    /// [`crate::domain::Klasifikasi::encrypted_at_rest`]).
    pub fn of(e: &Entry) -> Himpunan {
        let kirim = matches!(e.book, Book::Keluar | Book::KriptogramKeluar);
        let dik = e.klasifikasi.is_some_and(|k| k.is_dikecualikan());
        match (kirim, dik) {
            (true, false) => Himpunan::KirimBiasa,
            (false, false) => Himpunan::TerimaBiasa,
            (true, true) => Himpunan::KirimDikecualikan,
            (false, true) => Himpunan::TerimaDikecualikan,
        }
    }

    /// Stable key (`kirim-biasa`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Himpunan::KirimBiasa => "kirim-biasa",
            Himpunan::TerimaBiasa => "terima-biasa",
            Himpunan::KirimDikecualikan => "kirim-dikecualikan",
            Himpunan::TerimaDikecualikan => "terima-dikecualikan",
        }
    }

    /// The wording of SOP 001 step 5.
    pub fn label(self) -> &'static str {
        match self {
            Himpunan::KirimBiasa => "a. Pengiriman naskah dinas biasa",
            Himpunan::TerimaBiasa => "b. Penerimaan naskah dinas biasa",
            Himpunan::KirimDikecualikan => "c. Pengiriman naskah dinas dikecualikan",
            Himpunan::TerimaDikecualikan => "d. Penerimaan naskah dinas dikecualikan",
        }
    }
}

/// Counts of one set in one backup.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetStat {
    pub himpunan: Option<Himpunan>,
    /// Entries of the set in the snapshot.
    pub entries: u64,
    /// Blobs (documents) of the set.
    pub blobs: u64,
    /// Their size in bytes (plaintext size recorded on the attachment).
    pub bytes: u64,
    /// Blobs stored encrypted at rest (dikecualikan is encrypted first, SOP 001 steps 3–4).
    #[serde(default)]
    pub encrypted_at_rest: u64,
}

/// Adds up the four sets over `entries` (every set present, in SOP order).
pub fn set_stats<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Vec<SetStat> {
    let mut m: BTreeMap<Himpunan, SetStat> = Himpunan::ALL
        .iter()
        .map(|h| {
            (
                *h,
                SetStat {
                    himpunan: Some(*h),
                    ..Default::default()
                },
            )
        })
        .collect();
    for e in entries {
        let s = m.entry(Himpunan::of(e)).or_default();
        s.entries += 1;
        for a in e.attachments.iter().filter(|a| !a.sha256.is_empty()) {
            s.blobs += 1;
            s.bytes += a.size;
            if a.encrypted_at_rest {
                s.encrypted_at_rest += 1;
            }
        }
    }
    Himpunan::ALL.iter().filter_map(|h| m.remove(h)).collect()
}

// ------------------------------------------------------------------------------------ manifests

/// Full or incremental (PI.01 V.1: daily incrementals; a full every N runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Jenis {
    /// Every piece written anew (depends on no earlier piece file).
    Penuh,
    /// Only pieces not yet in the directory are written; the rest are reused.
    Inkremental,
}

impl Jenis {
    pub fn as_str(self) -> &'static str {
        match self {
            Jenis::Penuh => "penuh",
            Jenis::Inkremental => "inkremental",
        }
    }
}

/// Why a backup ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Alasan {
    /// `kasa backup create` by an operator.
    Manual,
    /// The daily schedule of `node.toml` (PI.01 V.1).
    Jadwal,
    /// Before a schema migration / upgrade of the data (PI.01 V.2).
    Migrasi,
}

impl Alasan {
    pub fn as_str(self) -> &'static str {
        match self {
            Alasan::Manual => "manual",
            Alasan::Jadwal => "jadwal",
            Alasan::Migrasi => "migrasi",
        }
    }
}

/// What a piece holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PieceKind {
    /// A chunk of one table's records.
    Table,
    /// A document blob.
    Blob,
    /// Another file of the data directory (node.toml, outbox, ingest/failed, …).
    File,
    /// The catalog (which piece holds what).
    Catalog,
}

/// One piece named by a manifest: `pieces/<ab>/<sha256>.age` in the backup directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PieceRef {
    /// Lowercase hex SHA-256 of the piece file (its ciphertext); also its file name.
    pub sha256: String,
    /// Size of the piece file in bytes.
    pub size: u64,
    pub kind: PieceKind,
    /// True when this run wrote the piece (false: reused from an earlier run).
    pub new: bool,
}

impl PieceRef {
    /// Path of the piece relative to the backup directory.
    pub fn rel_path(&self) -> String {
        piece_rel_path(&self.sha256)
    }
}

/// `pieces/ab/abcdef….age` for a piece hash.
pub fn piece_rel_path(sha: &str) -> String {
    format!("pieces/{}/{sha}.age", sha.get(..2).unwrap_or("00"))
}

/// A file copied in clear beside the pieces (the keystore, already sealed under the passphrase with
/// Argon2id, and the public node card): what restore needs to open the pieces on a new box.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityFile {
    /// Relative path in the backup directory (`identity/node.keystore`).
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

/// The signed part of a manifest. Field order is the signed order; see [`render_manifest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestBody {
    pub format: u32,
    /// Number in the chain (1, 2, …) = the file name `manifests/000001.manifest`.
    pub no: u64,
    pub node_id: String,
    pub node_name: String,
    /// Random id of the backup directory (written once in `kasa-backup.toml`).
    pub target_id: String,
    pub jenis: Jenis,
    pub alasan: Alasan,
    /// Operator who asked for it (or `node` for the schedule).
    pub operator: String,
    pub created_at: Timestamp,
    pub schema_version: u64,
    /// Audit records after the previous manifest's head up to this head: `(from, to]`.
    pub audit_from_seq: u64,
    /// Audit head (seq, hash) of the snapshot.
    pub audit_seq: u64,
    pub audit_hash: String,
    /// The previous manifest in the chain: number and SHA-256 of its file.
    pub previous: Option<PreviousManifest>,
    /// The catalog piece (hex SHA-256 of its file).
    pub catalog: String,
    /// Every piece a restore of this manifest needs (catalog included).
    pub pieces: Vec<PieceRef>,
    /// Files in clear beside the pieces.
    pub identity: Vec<IdentityFile>,
    /// age recipients every piece is encrypted to (node key first, then the recovery recipient).
    pub recipients: Vec<String>,
    /// The four sets of SOP 001 step 5.
    pub himpunan: Vec<SetStat>,
    /// Records dumped per table (name → count).
    pub tables: BTreeMap<String, u64>,
    pub bytes_total: u64,
    pub bytes_written: u64,
    /// Ed25519 verifying key (hex) that signs this manifest, and its fingerprint.
    pub signing_key: String,
    pub signing_fingerprint: String,
}

/// Link to the previous manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousManifest {
    pub no: u64,
    pub sha256: String,
}

/// File name of manifest `no`: `000001.manifest`.
pub fn manifest_file_name(no: u64) -> String {
    format!("{no:06}.manifest")
}

/// Parses a manifest file name back to its number.
pub fn manifest_no_of(name: &str) -> Option<u64> {
    name.strip_suffix(".manifest")
        .filter(|s| s.len() >= 6 && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse().ok())
}

/// The bytes that are signed: everything of the file before the signature line.
/// Layout: `MANIFEST_MAGIC\n` + pretty JSON of the body + `\n`.
pub fn manifest_signed_text(body: &ManifestBody) -> String {
    let json = serde_json::to_string_pretty(body).unwrap_or_default();
    format!("{MANIFEST_MAGIC}\n{json}\n")
}

/// The message handed to Ed25519: [`SIGN_LABEL`] ‖ signed text.
pub fn signing_message(signed_text: &[u8]) -> Vec<u8> {
    let mut m = SIGN_LABEL.to_vec();
    m.extend_from_slice(signed_text);
    m
}

/// The whole manifest file: signed text + `signature: <hex>\n`.
pub fn render_manifest(signed_text: &str, signature_hex: &str) -> String {
    format!("{signed_text}{SIGNATURE_PREFIX}{signature_hex}\n")
}

/// A parsed manifest file: the body, the exact signed bytes and the signature.
#[derive(Debug, Clone)]
pub struct ParsedManifest {
    pub body: ManifestBody,
    pub signed: Vec<u8>,
    pub signature: Vec<u8>,
}

/// Parses a manifest file. Errors name what is wrong (not a manifest, no signature line, bad JSON, a
/// newer format).
pub fn parse_manifest(bytes: &[u8]) -> Result<ParsedManifest, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())?;
    if !text.starts_with(MANIFEST_MAGIC) {
        return Err(format!("does not start with '{MANIFEST_MAGIC}'"));
    }
    let cut = text
        .rfind(&format!("\n{SIGNATURE_PREFIX}"))
        .ok_or("has no signature line")?
        + 1;
    let (signed, sigline) = text.split_at(cut);
    let sig_hex = sigline
        .strip_prefix(SIGNATURE_PREFIX)
        .map(str::trim)
        .ok_or("has no signature line")?;
    let signature = hex::decode(sig_hex).map_err(|_| "signature is not hex".to_string())?;
    let json = &signed[MANIFEST_MAGIC.len()..];
    let body: ManifestBody =
        serde_json::from_str(json).map_err(|e| format!("body is not a manifest: {e}"))?;
    if body.format > FORMAT {
        return Err(format!(
            "format {} is newer than this kasa understands ({FORMAT}): upgrade kasa",
            body.format
        ));
    }
    Ok(ParsedManifest {
        body,
        signed: signed.as_bytes().to_vec(),
        signature,
    })
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A manifest as found on disk, for [`check_chain`].
#[derive(Debug, Clone)]
pub struct ChainLink<'a> {
    /// Number in the file name.
    pub file_no: u64,
    /// SHA-256 of the whole file.
    pub file_sha256: String,
    pub body: &'a ManifestBody,
}

/// Checks the chain of manifests (sorted by file number): every body's number equals its file name,
/// numbers run 1, 2, … without gaps, each names the previous file's hash, node and directory ids agree,
/// and audit seqs and times never go back. Returns the file number of the first bad manifest and why.
pub fn check_chain(links: &[ChainLink<'_>]) -> Result<(), (u64, String)> {
    let mut prev: Option<&ChainLink<'_>> = None;
    for l in links {
        let b = l.body;
        if b.no != l.file_no {
            return Err((
                l.file_no,
                format!(
                    "manifest file {} holds manifest {}: manifests were renamed or reordered",
                    manifest_file_name(l.file_no),
                    b.no
                ),
            ));
        }
        match (prev, &b.previous) {
            (None, None) if l.file_no == 1 => {}
            (None, _) => {
                return Err((
                    l.file_no,
                    format!(
                        "manifest {} is not the first of the chain but the manifests before it are missing",
                        l.file_no
                    ),
                ));
            }
            (Some(p), None) => {
                return Err((
                    l.file_no,
                    format!(
                        "manifest {} does not name manifest {} before it",
                        l.file_no, p.file_no
                    ),
                ));
            }
            (Some(p), Some(pm)) => {
                if l.file_no != p.file_no + 1 || pm.no != p.file_no {
                    return Err((
                        l.file_no,
                        format!(
                            "manifest {} follows manifest {}, but the chain needs manifest {}",
                            l.file_no,
                            p.file_no,
                            l.file_no.saturating_sub(1)
                        ),
                    ));
                }
                if pm.sha256 != p.file_sha256 {
                    return Err((
                        l.file_no,
                        format!(
                            "manifest {} names a previous manifest {} other than the file in the directory (replaced or altered)",
                            l.file_no, pm.no
                        ),
                    ));
                }
                if b.node_id != p.body.node_id || b.target_id != p.body.target_id {
                    return Err((
                        l.file_no,
                        format!(
                            "manifest {} belongs to node {} / directory {}, the chain to {} / {}",
                            l.file_no, b.node_id, b.target_id, p.body.node_id, p.body.target_id
                        ),
                    ));
                }
                if b.audit_seq < p.body.audit_seq || b.created_at < p.body.created_at {
                    return Err((
                        l.file_no,
                        format!(
                            "manifest {} goes back in time (audit seq {} after {})",
                            l.file_no, b.audit_seq, p.body.audit_seq
                        ),
                    ));
                }
            }
        }
        prev = Some(l);
    }
    Ok(())
}

// -------------------------------------------------------------------------------------- catalog

/// Which piece holds what: the encrypted index of one backup (a piece itself).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    pub format: u32,
    pub no: u64,
    pub tables: Vec<TableEntry>,
    pub blobs: Vec<BlobEntry>,
    pub files: Vec<FileEntry>,
}

/// One table: its redb key and value type names and its chunks in key order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableEntry {
    pub name: String,
    pub key_type: String,
    pub value_type: String,
    pub records: u64,
    pub chunks: Vec<ChunkEntry>,
}

/// One chunk of a table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkEntry {
    /// Piece file hash.
    pub piece: String,
    /// SHA-256 of the chunk's plaintext.
    pub plain_sha256: String,
    pub records: u64,
}

/// One blob of the blob store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobEntry {
    /// The blob's id (hex SHA-256 of the document).
    pub sha256: String,
    /// True when the data directory held it encrypted at rest (`<sha>.age`); the piece then holds
    /// that file as is (dikecualikan is encrypted first, SOP 001 steps 3–4).
    pub at_rest: bool,
    /// True when the data directory held it as a kriptogram this node sealed (`<sha>.kgm`, the
    /// letter kept only inside the `.kgm` with a stanza to the node's key); `at_rest` is then true
    /// too and the piece holds that `.kgm` as is. Absent in catalogs written before.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub kgm: bool,
    pub piece: String,
    /// Size of the stored file.
    pub size: u64,
    pub himpunan: Option<Himpunan>,
}

/// Another file of the data directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path relative to the data directory (`outbox/x.kgm`).
    pub path: String,
    pub piece: String,
    pub size: u64,
    pub sha256: String,
}

/// Checks a relative path from a catalog before a restore writes it: no absolute path, no `..`, no
/// empty component.
pub fn safe_rel_path(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('/')
        && p.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
}

// ------------------------------------------------------------------------------------- chunking

/// Splits a table's records (in key order) into chunks at content-defined boundaries: a chunk ends
/// after a record whose key hashes to a multiple of `avg` (so an insert or update only changes the
/// chunk it falls in and the boundaries elsewhere stay put), or when it reaches `max_bytes`.
#[derive(Debug, Clone)]
pub struct Chunker {
    pub avg_records: u64,
    pub max_bytes: usize,
    buf: Vec<u8>,
    records: u64,
}

impl Default for Chunker {
    fn default() -> Self {
        Chunker::new(256, 4 << 20)
    }
}

fn fnv1a(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for x in b {
        h ^= *x as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Chunker {
    /// A chunker with average `avg_records` records per chunk (≥ 1) and a byte cap.
    pub fn new(avg_records: u64, max_bytes: usize) -> Chunker {
        Chunker {
            avg_records: avg_records.max(1),
            max_bytes,
            buf: Vec::new(),
            records: 0,
        }
    }

    /// Adds one record; returns a finished chunk (its plaintext and record count) at a boundary.
    /// Chunk plaintext: [`CHUNK_MAGIC`], then per record `u32 BE key len ‖ key ‖ u32 BE value len ‖ value`.
    pub fn push(&mut self, key: &[u8], value: &[u8]) -> Option<(Vec<u8>, u64)> {
        if self.buf.is_empty() {
            self.buf.extend_from_slice(CHUNK_MAGIC);
        }
        self.buf
            .extend_from_slice(&(key.len() as u32).to_be_bytes());
        self.buf.extend_from_slice(key);
        self.buf
            .extend_from_slice(&(value.len() as u32).to_be_bytes());
        self.buf.extend_from_slice(value);
        self.records += 1;
        if fnv1a(key).is_multiple_of(self.avg_records) || self.buf.len() >= self.max_bytes {
            return self.finish();
        }
        None
    }

    /// The last, partial chunk (if any records are left).
    pub fn finish(&mut self) -> Option<(Vec<u8>, u64)> {
        if self.records == 0 {
            return None;
        }
        let n = self.records;
        self.records = 0;
        Some((std::mem::take(&mut self.buf), n))
    }
}

/// A decoded record: (key bytes, value bytes).
pub type Record<'a> = (&'a [u8], &'a [u8]);

/// Decodes a chunk into `(key, value)` records. Errors name the offset.
pub fn decode_chunk(b: &[u8]) -> Result<Vec<Record<'_>>, String> {
    let mut rest = b
        .strip_prefix(CHUNK_MAGIC.as_slice())
        .ok_or("table chunk has no KASATBL1 header")?;
    let mut out = Vec::new();
    let take = |rest: &mut &'_ [u8]| -> Result<usize, String> {
        if rest.len() < 4 {
            return Err("table chunk truncated".into());
        }
        let n = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        *rest = &rest[4..];
        if rest.len() < n {
            return Err("table chunk truncated".into());
        }
        Ok(n)
    };
    while !rest.is_empty() {
        let kn = take(&mut rest)?;
        let (k, r) = rest.split_at(kn);
        rest = r;
        let vn = take(&mut rest)?;
        let (v, r) = rest.split_at(vn);
        rest = r;
        out.push((k, v));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------- policy

/// The backup policy of `node.toml` `[backup]` (PI.01 V.1, V.2, V.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Local time of the daily incremental (node zone); `None` = no schedule.
    pub daily_at: Option<Time>,
    /// A full backup every this many runs to the same directory (1 = always full).
    pub full_every: u32,
    /// Alarm when no successful backup is newer than this many hours (daily: 26 h).
    pub missed_after_hours: i64,
    /// Reminder when the last successful restore test is older than this many days (PI.01: 3 months).
    pub test_every_days: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            daily_at: None,
            full_every: 7,
            missed_after_hours: 26,
            test_every_days: 90,
        }
    }
}

impl Policy {
    /// Full or incremental for the next run, given how many successful runs went to that directory
    /// since (and including) the last full one (`None`: nothing there yet).
    pub fn jenis_berikut(&self, runs_since_full: Option<u32>) -> Jenis {
        match runs_since_full {
            None => Jenis::Penuh,
            Some(n) if n >= self.full_every.max(1) => Jenis::Penuh,
            Some(_) => Jenis::Inkremental,
        }
    }

    /// The instant of today's scheduled run in `zone` at or before `now`, if the schedule is set and
    /// the time passed today.
    fn slot_today(&self, now: Timestamp, zone: &TimeZone) -> Option<Timestamp> {
        let t = self.daily_at?;
        let z = now.to_zoned(zone.clone());
        let slot = z.date().to_datetime(t).to_zoned(zone.clone()).ok()?;
        (slot.timestamp() <= now).then(|| slot.timestamp())
    }

    /// True when the daily run is due: today's slot passed and no run (successful or not) started
    /// since that slot.
    pub fn due(&self, now: Timestamp, zone: &TimeZone, last_started: Option<Timestamp>) -> bool {
        match self.slot_today(now, zone) {
            Some(slot) => last_started.is_none_or(|l| l < slot),
            None => false,
        }
    }

    /// True when a backup is missed: a schedule is set and the last success is older than
    /// `missed_after_hours` (or there was none and the node has run that long since `since`).
    pub fn missed(&self, now: Timestamp, last_ok: Option<Timestamp>, since: Timestamp) -> bool {
        if self.daily_at.is_none() {
            return false;
        }
        let limit = SignedDuration::from_hours(self.missed_after_hours.max(1));
        let base = last_ok.unwrap_or(since);
        now.duration_since(base) > limit
    }

    /// True when the restore test is overdue (PI.01 V.4: at least once in three months). `since` is
    /// the first successful backup: before any backup there is nothing to test.
    pub fn test_overdue(
        &self,
        now: Timestamp,
        last_test_ok: Option<Timestamp>,
        first_backup: Option<Timestamp>,
    ) -> bool {
        let Some(base) = last_test_ok.or(first_backup) else {
            return false;
        };
        let days = self.test_every_days.max(1);
        base.checked_add(SignedDuration::from_hours(days.saturating_mul(24)))
            .is_ok_and(|limit| now > limit)
    }
}

// ------------------------------------------------------------------------------------------- log

/// What kind of run a log record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JenisRun {
    /// `kasa backup create` (or the schedule, or before a migration).
    Backup,
    /// `kasa backup test` (PI.01 V.4).
    UjiRestore,
}

/// Kinds of failure for the monthly analysis (PI.01 V.6 a).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JenisKegagalan {
    /// The directory is missing, not mounted or not writable.
    TargetTidakTersedia,
    /// No space left on the backup medium.
    RuangHabis,
    /// The node is locked (no keys to sign).
    NodeTerkunci,
    /// A piece or manifest is damaged (verify or test failed).
    DataRusak,
    /// The node stopped during the run (crash, kill, power).
    Terputus,
    /// The scheduled run did not happen.
    Terlewat,
    Lainnya,
}

impl JenisKegagalan {
    pub fn label(self) -> &'static str {
        match self {
            JenisKegagalan::TargetTidakTersedia => "media/direktori tidak tersedia",
            JenisKegagalan::RuangHabis => "ruang media habis",
            JenisKegagalan::NodeTerkunci => "node terkunci",
            JenisKegagalan::DataRusak => "data cadangan rusak",
            JenisKegagalan::Terputus => "proses terputus",
            JenisKegagalan::Terlewat => "jadwal terlewat",
            JenisKegagalan::Lainnya => "lainnya",
        }
    }
}

/// Outcome of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Hasil {
    /// Started and not finished yet (a record left in this state by a dead node is closed as
    /// [`JenisKegagalan::Terputus`] at the next start).
    Berjalan,
    Berhasil,
    Gagal {
        jenis: JenisKegagalan,
        alasan: String,
    },
}

/// One record of the backup log (*Log Pelaksanaan Backup*, PI.01 V.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupRun {
    pub id: u64,
    pub jenis_run: JenisRun,
    pub started_at: Timestamp,
    #[serde(default)]
    pub ended_at: Option<Timestamp>,
    /// The backup directory.
    pub target: String,
    #[serde(default)]
    pub target_id: String,
    pub operator: String,
    pub alasan: Alasan,
    #[serde(default)]
    pub jenis: Option<Jenis>,
    pub hasil: Hasil,
    #[serde(default)]
    pub manifest_no: Option<u64>,
    #[serde(default)]
    pub audit_seq: u64,
    #[serde(default)]
    pub bytes_total: u64,
    #[serde(default)]
    pub bytes_written: u64,
    #[serde(default)]
    pub pieces_total: u64,
    #[serde(default)]
    pub pieces_new: u64,
    #[serde(default)]
    pub himpunan: Vec<SetStat>,
    /// Restore test: what was compared and found.
    #[serde(default)]
    pub uji: Option<UjiRestore>,
}

/// Findings of a restore test (PI.01 V.4: random sampling, compared with the live node).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UjiRestore {
    pub manifest_no: u64,
    /// Entries in the restored copy vs. entries of the live node at that backup's seq.
    pub entries_restored: u64,
    /// The live node's audit record at the manifest's seq has the manifest's hash.
    pub audit_head_match: bool,
    pub audit_chain_ok: bool,
    pub blobs_sampled: u64,
    pub blobs_matching: u64,
    /// Entries sampled and compared field by field with the live node.
    pub entries_sampled: u64,
    pub entries_matching: u64,
    /// Differences found (empty on success).
    pub selisih: Vec<String>,
}

impl BackupRun {
    pub fn ok(&self) -> bool {
        self.hasil == Hasil::Berhasil
    }
}

/// Last successful backup, last started backup, last successful test and first success, from a log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ringkasan {
    pub last_backup_ok: Option<Timestamp>,
    pub last_backup_started: Option<Timestamp>,
    pub first_backup_ok: Option<Timestamp>,
    pub last_test_ok: Option<Timestamp>,
    pub failures: u64,
}

/// Summarises the log (any order).
pub fn ringkas(runs: &[BackupRun]) -> Ringkasan {
    let mut r = Ringkasan::default();
    for x in runs {
        let end = x.ended_at.unwrap_or(x.started_at);
        match x.jenis_run {
            JenisRun::Backup => {
                r.last_backup_started = r.last_backup_started.max(Some(x.started_at));
                if x.ok() {
                    r.last_backup_ok = r.last_backup_ok.max(Some(end));
                    r.first_backup_ok = Some(r.first_backup_ok.map_or(end, |f| f.min(end)));
                }
            }
            JenisRun::UjiRestore => {
                if x.ok() {
                    r.last_test_ok = r.last_test_ok.max(Some(end));
                }
            }
        }
        if matches!(x.hasil, Hasil::Gagal { .. }) {
            r.failures += 1;
        }
    }
    r
}

/// What the backup status needs attention for (the console header, issue 17), most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Perhatian {
    /// The last finished backup run failed (PI.01 V.5).
    BackupGagal,
    /// No successful backup at all yet (PI.01 V.1).
    BelumAda,
    /// The scheduled backup is missed: the last success is older than `missed_after_hours`.
    BackupTerlewat,
    /// The last finished restore test failed (PI.01 V.4).
    UjiGagal,
    /// The restore test is overdue (`test_every_days`; PI.01 V.4: every three months).
    UjiTerlambat,
}

impl Perhatian {
    /// True when it concerns the restore test (else the backup itself).
    pub fn uji(self) -> bool {
        matches!(self, Perhatian::UjiGagal | Perhatian::UjiTerlambat)
    }
}

/// The one thing a backup status needs attention for, if any, from the log (any order) and the node's
/// `missed` / `test_overdue` flags (computed with [`Policy::missed`] and [`Policy::test_overdue`]).
/// A run still `berjalan` does not count either way.
pub fn perhatian(runs: &[BackupRun], missed: bool, test_overdue: bool) -> Option<Perhatian> {
    let last = |j: JenisRun| {
        runs.iter()
            .filter(|r| r.jenis_run == j && r.hasil != Hasil::Berjalan)
            .max_by_key(|r| (r.started_at, r.id))
    };
    let failed = |r: Option<&BackupRun>| r.is_some_and(|r| matches!(r.hasil, Hasil::Gagal { .. }));
    let r = ringkas(runs);
    if failed(last(JenisRun::Backup)) {
        Some(Perhatian::BackupGagal)
    } else if r.last_backup_ok.is_none() {
        Some(Perhatian::BelumAda)
    } else if missed {
        Some(Perhatian::BackupTerlewat)
    } else if failed(last(JenisRun::UjiRestore)) {
        Some(Perhatian::UjiGagal)
    } else if test_overdue {
        Some(Perhatian::UjiTerlambat)
    } else {
        None
    }
}

// --------------------------------------------------------------------------------------- reports

/// A report as a structured model: title, key-value header, sections of paragraphs and tables, and
/// signature blocks. [`Laporan::markdown`] renders it; a PDF layer can render the same model.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Laporan {
    pub judul: String,
    pub kepala: Vec<(String, String)>,
    pub bagian: Vec<Bagian>,
    /// Signature blocks: (role, name).
    pub tanda_tangan: Vec<(String, String)>,
}

/// One section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bagian {
    pub judul: String,
    pub paragraf: Vec<String>,
    /// A table: header row then rows.
    pub tabel: Option<(Vec<String>, Vec<Vec<String>>)>,
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

impl Laporan {
    /// The same report as a printable document (A4, with `kop` on the first page): the header
    /// fields as aligned label–value lines, each section as a heading, paragraphs and a bordered
    /// table (header repeated across pages), the signers side by side. Rendered by `doc::pdf`.
    pub fn dokumen(&self, kop: Option<crate::doc::KopSurat>) -> crate::doc::Dokumen {
        use crate::doc::{Blok, Dokumen, Penanda, Tabel, Ukuran};
        let mut d = Dokumen::new(self.judul.clone(), Ukuran::A4, kop);
        d.push(Blok::Judul {
            teks: self.judul.to_uppercase(),
            sub: Vec::new(),
        });
        if !self.kepala.is_empty() {
            d.push(Blok::Isian(self.kepala.clone()));
        }
        for b in &self.bagian {
            d.push(Blok::Subjudul(b.judul.clone()));
            for p in &b.paragraf {
                // Markdown code marks are for the record copy; paper shows the plain text.
                d.push(Blok::Paragraf(p.replace('`', "")));
            }
            if let Some((h, rows)) = &b.tabel {
                let kepala: Vec<&str> = h.iter().map(String::as_str).collect();
                let mut t = Tabel::new(&vec![1.0; h.len()], &kepala);
                for r in rows {
                    t.baris(r.clone());
                }
                d.push(Blok::Tabel(t));
            }
        }
        if !self.tanda_tangan.is_empty() {
            d.push(Blok::Jarak(12.0));
            // At most three signers side by side; more go on the next row.
            for chunk in self.tanda_tangan.chunks(3) {
                d.push(Blok::Tandatangan(
                    chunk
                        .iter()
                        .map(|(peran, nama)| Penanda {
                            atas: String::new(),
                            jabatan: peran.clone(),
                            nama: nama.clone(),
                            nip: String::new(),
                        })
                        .collect(),
                ));
            }
        }
        d
    }

    /// Markdown rendering.
    pub fn markdown(&self) -> String {
        let mut s = format!("# {}\n\n", self.judul);
        for (k, v) in &self.kepala {
            s.push_str(&format!("- **{k}:** {v}\n"));
        }
        if !self.kepala.is_empty() {
            s.push('\n');
        }
        for b in &self.bagian {
            s.push_str(&format!("## {}\n\n", b.judul));
            for p in &b.paragraf {
                s.push_str(p);
                s.push_str("\n\n");
            }
            if let Some((h, rows)) = &b.tabel {
                s.push_str(&format!(
                    "| {} |\n",
                    h.iter().map(|c| md_cell(c)).collect::<Vec<_>>().join(" | ")
                ));
                s.push_str(&format!("|{}\n", "---|".repeat(h.len())));
                for r in rows {
                    s.push_str(&format!(
                        "| {} |\n",
                        r.iter().map(|c| md_cell(c)).collect::<Vec<_>>().join(" | ")
                    ));
                }
                s.push('\n');
            }
        }
        if !self.tanda_tangan.is_empty() {
            s.push_str("## Tanda tangan\n\n");
            for (peran, nama) in &self.tanda_tangan {
                let nama = if nama.is_empty() {
                    "(………………………………)"
                } else {
                    nama
                };
                s.push_str(&format!("- {peran}: {nama}\n"));
            }
        }
        s
    }
}

fn fmt_time(t: Timestamp, zone: &TimeZone) -> String {
    super::waktu::tampil(t, zone)
}

/// Human size (`12.3 MiB`).
pub fn human_bytes(b: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < units.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", units[i])
    }
}

fn hasil_str(h: &Hasil) -> String {
    match h {
        Hasil::Berjalan => "berjalan".into(),
        Hasil::Berhasil => "berhasil".into(),
        Hasil::Gagal { jenis, alasan } => format!("gagal ({}): {alasan}", jenis.label()),
    }
}

/// The *Laporan Hasil Back Up Data* with the *Daftar Kontrol Back Up* attached (SOP 001 step 8), for the
/// runs between `from` and `to`, with the four sets of the last successful run, and the checks of steps
/// 9 (Kasi Tata Kelola Persandian: memeriksa) and 10 (Kabid Persandian: memvalidasi).
pub fn laporan_backup(
    node: &str,
    runs: &[BackupRun],
    from: Timestamp,
    to: Timestamp,
    zone: &TimeZone,
) -> Laporan {
    let in_period: Vec<&BackupRun> = runs
        .iter()
        .filter(|r| r.started_at >= from && r.started_at < to)
        .collect();
    let backups: Vec<&&BackupRun> = in_period
        .iter()
        .filter(|r| r.jenis_run == JenisRun::Backup)
        .collect();
    let ok = backups.iter().filter(|r| r.ok()).count();
    let written: u64 = backups.iter().map(|r| r.bytes_written).sum();
    let mut l = Laporan {
        judul: "Laporan Hasil Back Up Data Elektronik Naskah Dinas Biasa/Dikecualikan".into(),
        kepala: vec![
            ("Node".into(), node.into()),
            (
                "Periode".into(),
                format!("{} s.d. {}", fmt_time(from, zone), fmt_time(to, zone)),
            ),
            (
                "Jumlah pelaksanaan".into(),
                format!(
                    "{} backup ({} berhasil, {} gagal)",
                    backups.len(),
                    ok,
                    backups.len() - ok
                ),
            ),
            ("Data ditulis".into(), human_bytes(written)),
            ("Dasar".into(), "SOP Back Up Data Elektronik Naskah Dinas Biasa/Dikecualikan langkah 8–10; SOP PI.01".into()),
        ],
        ..Default::default()
    };
    if let Some(last) = backups.iter().rev().find(|r| r.ok()) {
        l.bagian.push(Bagian {
            judul: format!(
                "Himpunan data (backup terakhir, manifest {})",
                last.manifest_no.unwrap_or(0)
            ),
            paragraf: vec![
                "Naskah dinas dikecualikan disimpan terenkripsi sebelum dicadangkan (langkah 3–4); seluruh isi media cadangan terenkripsi.".into(),
            ],
            tabel: Some((
                vec![
                    "Himpunan".into(),
                    "Entri".into(),
                    "Dokumen".into(),
                    "Ukuran".into(),
                    "Terenkripsi saat disimpan".into(),
                ],
                last.himpunan
                    .iter()
                    .map(|s| {
                        vec![
                            s.himpunan.map_or("-", |h| h.label()).to_string(),
                            s.entries.to_string(),
                            s.blobs.to_string(),
                            human_bytes(s.bytes),
                            s.encrypted_at_rest.to_string(),
                        ]
                    })
                    .collect(),
            )),
        });
    }
    l.bagian.push(Bagian {
        judul: "Daftar Kontrol Back Up".into(),
        paragraf: vec![],
        tabel: Some((
            vec![
                "No".into(),
                "Mulai".into(),
                "Jenis".into(),
                "Manifest".into(),
                "Seq audit".into(),
                "Ditulis".into(),
                "Total".into(),
                "Hasil".into(),
                "Pelaksana".into(),
            ],
            in_period
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    vec![
                        (i + 1).to_string(),
                        fmt_time(r.started_at, zone),
                        match r.jenis_run {
                            JenisRun::Backup => format!(
                                "backup {} ({})",
                                r.jenis.map_or("-", Jenis::as_str),
                                r.alasan.as_str()
                            ),
                            JenisRun::UjiRestore => "uji restore".into(),
                        },
                        r.manifest_no.map_or("-".into(), |n| n.to_string()),
                        r.audit_seq.to_string(),
                        human_bytes(r.bytes_written),
                        human_bytes(r.bytes_total),
                        hasil_str(&r.hasil),
                        r.operator.clone(),
                    ]
                })
                .collect(),
        )),
    });
    l.tanda_tangan = vec![
        ("Dibuat oleh Sandiman (langkah 8)".into(), String::new()),
        (
            "Diperiksa oleh Kasi Tata Kelola Persandian (langkah 9)".into(),
            String::new(),
        ),
        (
            "Divalidasi oleh Kabid Persandian (langkah 10)".into(),
            String::new(),
        ),
    ];
    l
}

/// Parties of a restore's berita acara (PI.01 V.8: pemohon, pelaksana and their pimpinan).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PihakRestore {
    pub pemohon: String,
    pub pelaksana: String,
    pub pimpinan: String,
    /// Why the restore was done (e.g. "penggantian perangkat keras server", PI.01 V.7).
    pub alasan: String,
}

/// Facts of a finished restore, for its berita acara.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaktaRestore {
    pub node_id: String,
    pub from_dir: String,
    pub to_dir: String,
    pub manifest_no: u64,
    pub manifest_created_at: Option<Timestamp>,
    pub audit_seq: u64,
    pub audit_hash: String,
    pub entries: u64,
    pub blobs: u64,
    pub files: u64,
    pub bytes: u64,
    pub himpunan: Vec<SetStat>,
    pub at: Option<Timestamp>,
}

/// The *Berita Acara Pelaksanaan Restore* (PI.01 V.8).
pub fn berita_acara_restore(f: &FaktaRestore, p: &PihakRestore, zone: &TimeZone) -> Laporan {
    let at = f.at.map_or("-".into(), |t| fmt_time(t, zone));
    Laporan {
        judul: "Berita Acara Pelaksanaan Restore".into(),
        kepala: vec![
            ("Node".into(), f.node_id.clone()),
            ("Waktu".into(), at.clone()),
            (
                "Dasar".into(),
                "SOP PI.01 Backup dan Restore, V.7–V.8".into(),
            ),
        ],
        bagian: vec![Bagian {
            judul: "Pelaksanaan".into(),
            paragraf: vec![
                format!(
                    "Pada {at} telah dilaksanakan restore data kasa dari media cadangan `{}` (manifest {}, dibuat {}) ke direktori data `{}`.",
                    f.from_dir,
                    f.manifest_no,
                    f.manifest_created_at
                        .map_or("-".into(), |t| fmt_time(t, zone)),
                    f.to_dir
                ),
                format!(
                    "Alasan: {}.",
                    if p.alasan.is_empty() { "-" } else { &p.alasan }
                ),
                format!(
                    "Hasil: {} entri, {} dokumen, {} berkas lain ({}). Rantai audit utuh sampai seq {} dengan hash `{}`.",
                    f.entries,
                    f.blobs,
                    f.files,
                    human_bytes(f.bytes),
                    f.audit_seq,
                    f.audit_hash
                ),
            ],
            tabel: Some((
                vec!["Himpunan".into(), "Entri".into(), "Dokumen".into()],
                f.himpunan
                    .iter()
                    .map(|s| {
                        vec![
                            s.himpunan.map_or("-", |h| h.label()).to_string(),
                            s.entries.to_string(),
                            s.blobs.to_string(),
                        ]
                    })
                    .collect(),
            )),
        }],
        tanda_tangan: vec![
            ("Pemohon".into(), p.pemohon.clone()),
            ("Pelaksana".into(), p.pelaksana.clone()),
            ("Pimpinan".into(), p.pimpinan.clone()),
        ],
    }
}

/// Failure counts per kind in one month, for the trend.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalisisBulan {
    /// `YYYY-MM` in the node zone.
    pub bulan: String,
    pub runs: u64,
    pub gagal: u64,
    pub per_jenis: BTreeMap<String, u64>,
}

/// The monthly failure analysis of PI.01 V.6 (kinds, counts, trend over the months before) for the
/// month containing `month_of`, with `months_back` months of trend.
pub fn analisis_bulanan(
    node: &str,
    runs: &[BackupRun],
    month_of: Timestamp,
    months_back: u32,
    zone: &TimeZone,
) -> (Laporan, Vec<AnalisisBulan>) {
    let key = |t: Timestamp| t.to_zoned(zone.clone()).strftime("%Y-%m").to_string();
    let this = month_of.to_zoned(zone.clone()).date().first_of_month();
    let mut months = Vec::new();
    for i in (0..=months_back).rev() {
        let d = this.checked_sub((i as i64).months()).unwrap_or(this);
        months.push(d.strftime("%Y-%m").to_string());
    }
    let mut stats: BTreeMap<String, AnalisisBulan> = months
        .iter()
        .map(|m| {
            (
                m.clone(),
                AnalisisBulan {
                    bulan: m.clone(),
                    ..Default::default()
                },
            )
        })
        .collect();
    let mut failures_this = Vec::new();
    let cur = months.last().cloned().unwrap_or_default();
    for r in runs {
        let k = key(r.started_at);
        if let Some(s) = stats.get_mut(&k) {
            s.runs += 1;
            if let Hasil::Gagal { jenis, alasan } = &r.hasil {
                s.gagal += 1;
                *s.per_jenis.entry(jenis.label().to_string()).or_default() += 1;
                if k == cur {
                    failures_this.push((r, *jenis, alasan.clone()));
                }
            }
        }
    }
    let series: Vec<AnalisisBulan> = months.iter().filter_map(|m| stats.remove(m)).collect();
    let now = series.last().cloned().unwrap_or_default();
    let before = if series.len() >= 2 {
        series[series.len() - 2].gagal
    } else {
        0
    };
    let tren = match now.gagal.cmp(&before) {
        std::cmp::Ordering::Greater => "meningkat",
        std::cmp::Ordering::Less => "menurun",
        std::cmp::Ordering::Equal => "tetap",
    };
    let l = Laporan {
        judul: format!("Analisa Efektivitas Proses Backup — {cur}"),
        kepala: vec![
            ("Node".into(), node.into()),
            ("Bulan".into(), cur.clone()),
            (
                "Pelaksanaan".into(),
                format!("{} ({} gagal)", now.runs, now.gagal),
            ),
            (
                "Tren kegagalan".into(),
                format!("{tren} (bulan sebelumnya {before})"),
            ),
            ("Dasar".into(), "SOP PI.01 V.5–V.6".into()),
        ],
        bagian: vec![
            Bagian {
                judul: "a–b. Jenis dan jumlah kegagalan".into(),
                paragraf: if now.per_jenis.is_empty() {
                    vec!["Tidak ada kegagalan pada bulan ini.".into()]
                } else {
                    vec![]
                },
                tabel: (!now.per_jenis.is_empty()).then(|| {
                    (
                        vec!["Jenis".into(), "Jumlah".into()],
                        now.per_jenis
                            .iter()
                            .map(|(k, v)| vec![k.clone(), v.to_string()])
                            .collect(),
                    )
                }),
            },
            Bagian {
                judul: "c. Tren".into(),
                paragraf: vec![],
                tabel: Some((
                    vec!["Bulan".into(), "Pelaksanaan".into(), "Gagal".into()],
                    series
                        .iter()
                        .map(|s| vec![s.bulan.clone(), s.runs.to_string(), s.gagal.to_string()])
                        .collect(),
                )),
            },
            Bagian {
                judul: "d. Rincian kegagalan dan tindak lanjut".into(),
                paragraf: vec![],
                tabel: Some((
                    vec![
                        "Waktu".into(),
                        "Jenis".into(),
                        "Keterangan".into(),
                        "Tindak lanjut".into(),
                    ],
                    failures_this
                        .iter()
                        .map(|(r, j, a)| {
                            vec![
                                fmt_time(r.started_at, zone),
                                j.label().into(),
                                a.clone(),
                                String::new(),
                            ]
                        })
                        .collect(),
                )),
            },
        ],
        tanda_tangan: vec![("Koordinator".into(), String::new())],
    };
    (l, series)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Attachment, Klasifikasi};

    fn entry(id: u64, book: Book, k: Option<Klasifikasi>) -> Entry {
        let mut e = Entry::new_scan(
            id,
            "2026-01-01T00:00:00Z".parse().unwrap(),
            Attachment {
                sha256: format!("{id:064x}"),
                name: "a.pdf".into(),
                mime: "application/pdf".into(),
                size: 10,
                pages: Some(1),
                encrypted_at_rest: false,
                jenis: Default::default(),
            },
        );
        e.book = book;
        e.klasifikasi = k;
        e
    }

    #[test]
    fn four_sets_of_sop_001() {
        let es = [
            entry(1, Book::Masuk, Some(Klasifikasi::Biasa)),
            entry(2, Book::Masuk, Some(Klasifikasi::Rahasia)),
            entry(3, Book::Keluar, None),
            entry(4, Book::KriptogramKeluar, Some(Klasifikasi::SangatRahasia)),
            entry(5, Book::KriptogramMasuk, Some(Klasifikasi::Terbatas)),
        ];
        let s = set_stats(es.iter());
        assert_eq!(s.len(), 4);
        let get = |h| s.iter().find(|x| x.himpunan == Some(h)).unwrap().entries;
        assert_eq!(get(Himpunan::KirimBiasa), 1);
        assert_eq!(get(Himpunan::TerimaBiasa), 2);
        assert_eq!(get(Himpunan::KirimDikecualikan), 1);
        assert_eq!(get(Himpunan::TerimaDikecualikan), 1);
    }

    #[test]
    fn chunk_round_trip_and_stable_boundaries() {
        let mut c = Chunker::new(8, 1 << 20);
        let mut chunks = Vec::new();
        for i in 0u64..200 {
            if let Some(ch) = c.push(&i.to_le_bytes(), format!("v{i}").as_bytes()) {
                chunks.push(ch);
            }
        }
        chunks.extend(c.finish());
        let total: u64 = chunks.iter().map(|c| c.1).sum();
        assert_eq!(total, 200);
        let recs: Vec<_> = chunks
            .iter()
            .flat_map(|(b, _)| {
                decode_chunk(b)
                    .unwrap()
                    .into_iter()
                    .map(|(k, v)| (k.to_vec(), v.to_vec()))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(recs.len(), 200);
        assert_eq!(recs[7].1, b"v7");
        // Appending records leaves every earlier complete chunk identical.
        let mut c2 = Chunker::new(8, 1 << 20);
        let mut chunks2 = Vec::new();
        for i in 0u64..260 {
            if let Some(ch) = c2.push(&i.to_le_bytes(), format!("v{i}").as_bytes()) {
                chunks2.push(ch);
            }
        }
        let same = chunks[..chunks.len() - 1]
            .iter()
            .zip(&chunks2)
            .all(|(a, b)| a == b);
        assert!(same);
        assert!(decode_chunk(b"KASATBL1\0\0\0\x05ab").is_err());
    }

    fn body(no: u64, prev: Option<(u64, &str)>) -> ManifestBody {
        ManifestBody {
            format: FORMAT,
            no,
            node_id: "5101".into(),
            node_name: "Uji".into(),
            target_id: "t".into(),
            jenis: Jenis::Penuh,
            alasan: Alasan::Manual,
            operator: "x".into(),
            created_at: Timestamp::from_second(1_700_000_000 + no as i64).unwrap(),
            schema_version: 1,
            audit_from_seq: 1,
            audit_seq: no * 10,
            audit_hash: "h".into(),
            previous: prev.map(|(n, s)| PreviousManifest {
                no: n,
                sha256: s.into(),
            }),
            catalog: "c".into(),
            pieces: vec![],
            identity: vec![],
            recipients: vec![],
            himpunan: vec![],
            tables: BTreeMap::new(),
            bytes_total: 0,
            bytes_written: 0,
            signing_key: String::new(),
            signing_fingerprint: String::new(),
        }
    }

    #[test]
    fn manifest_text_round_trip() {
        let b = body(1, None);
        let t = manifest_signed_text(&b);
        let file = render_manifest(&t, "abcd");
        let p = parse_manifest(file.as_bytes()).unwrap();
        assert_eq!(p.body, b);
        assert_eq!(p.signed, t.as_bytes());
        assert_eq!(p.signature, vec![0xab, 0xcd]);
        assert_eq!(manifest_no_of(&manifest_file_name(12)), Some(12));
        assert!(parse_manifest(b"hello").is_err());
    }

    #[test]
    fn chain_rules() {
        let (b1, b2, b3) = (
            body(1, None),
            body(2, Some((1, "s1"))),
            body(3, Some((2, "s2"))),
        );
        let link = |n, s: &str, b| ChainLink {
            file_no: n,
            file_sha256: s.into(),
            body: b,
        };
        assert!(check_chain(&[link(1, "s1", &b1), link(2, "s2", &b2), link(3, "s3", &b3)]).is_ok());
        // Reordered: file 2 holds manifest 3.
        let e = check_chain(&[link(1, "s1", &b1), link(2, "s3", &b3), link(3, "s2", &b2)]);
        assert_eq!(e.unwrap_err().0, 2);
        // Dropped middle.
        let e = check_chain(&[link(1, "s1", &b1), link(3, "s3", &b3)]);
        assert_eq!(e.unwrap_err().0, 3);
        // Altered previous.
        let e = check_chain(&[link(1, "sX", &b1), link(2, "s2", &b2)]);
        assert_eq!(e.unwrap_err().0, 2);
    }

    #[test]
    fn policy_schedule_missed_and_test_reminder() {
        let zone = TimeZone::get("Asia/Makassar").unwrap();
        let p = Policy {
            daily_at: Some(Time::constant(2, 0, 0, 0)),
            ..Default::default()
        };
        // 2026-03-10 03:00 WITA = 2026-03-09T19:00Z
        let now: Timestamp = "2026-03-09T19:00:00Z".parse().unwrap();
        assert!(p.due(now, &zone, None));
        assert!(!p.due(now, &zone, Some("2026-03-09T18:30:00Z".parse().unwrap())));
        assert!(p.due(now, &zone, Some("2026-03-08T18:30:00Z".parse().unwrap())));
        // 01:00 WITA: today's slot not reached.
        let early: Timestamp = "2026-03-09T17:00:00Z".parse().unwrap();
        assert!(!p.due(early, &zone, Some("2026-03-08T18:30:00Z".parse().unwrap())));
        assert!(p.missed(now, Some("2026-03-08T10:00:00Z".parse().unwrap()), now));
        assert!(!p.missed(now, Some("2026-03-09T10:00:00Z".parse().unwrap()), now));
        assert!(!Policy::default().missed(now, None, "2020-01-01T00:00:00Z".parse().unwrap()));
        let t0: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        assert!(!p.test_overdue(t0, None, None));
        assert!(!p.test_overdue("2026-03-01T00:00:00Z".parse().unwrap(), Some(t0), None));
        assert!(p.test_overdue("2026-04-02T00:00:00Z".parse().unwrap(), Some(t0), None));
        assert!(p.test_overdue("2026-04-02T00:00:00Z".parse().unwrap(), None, Some(t0)));
        assert_eq!(p.jenis_berikut(None), Jenis::Penuh);
        assert_eq!(p.jenis_berikut(Some(3)), Jenis::Inkremental);
        assert_eq!(p.jenis_berikut(Some(7)), Jenis::Penuh);
    }

    fn run(at: &str, hasil: Hasil) -> BackupRun {
        BackupRun {
            id: 1,
            jenis_run: JenisRun::Backup,
            started_at: at.parse().unwrap(),
            ended_at: None,
            target: "/mnt/x".into(),
            target_id: "t".into(),
            operator: "Admin".into(),
            alasan: Alasan::Jadwal,
            jenis: Some(Jenis::Inkremental),
            hasil,
            manifest_no: Some(1),
            audit_seq: 5,
            bytes_total: 2048,
            bytes_written: 1024,
            pieces_total: 3,
            pieces_new: 1,
            himpunan: set_stats(std::iter::empty()),
            uji: None,
        }
    }

    #[test]
    fn reports_name_sets_steps_and_failures() {
        let zone = TimeZone::get("Asia/Makassar").unwrap();
        let gagal = |j| Hasil::Gagal {
            jenis: j,
            alasan: "disk".into(),
        };
        let runs = vec![
            run("2026-02-03T00:00:00Z", gagal(JenisKegagalan::RuangHabis)),
            run("2026-03-02T00:00:00Z", Hasil::Berhasil),
            run("2026-03-03T00:00:00Z", gagal(JenisKegagalan::RuangHabis)),
            run(
                "2026-03-04T00:00:00Z",
                gagal(JenisKegagalan::TargetTidakTersedia),
            ),
        ];
        let l = laporan_backup(
            "5101",
            &runs,
            "2026-03-01T00:00:00Z".parse().unwrap(),
            "2026-04-01T00:00:00Z".parse().unwrap(),
            &zone,
        );
        let md = l.markdown();
        assert!(md.contains("Daftar Kontrol Back Up"));
        assert!(md.contains("d. Penerimaan naskah dinas dikecualikan"));
        assert!(md.contains("3 backup (1 berhasil, 2 gagal)"));
        assert!(md.contains("langkah 10"));
        let (a, series) = analisis_bulanan(
            "5101",
            &runs,
            "2026-03-20T00:00:00Z".parse().unwrap(),
            2,
            &zone,
        );
        assert_eq!(series.len(), 3);
        assert_eq!(series[2].gagal, 2);
        assert_eq!(series[1].gagal, 1);
        let md = a.markdown();
        assert!(md.contains("meningkat"), "{md}");
        assert!(md.contains("ruang media habis"));
        let ba = berita_acara_restore(
            &FaktaRestore {
                manifest_no: 4,
                ..Default::default()
            },
            &PihakRestore {
                pemohon: "Kasi".into(),
                pelaksana: "Sandiman".into(),
                pimpinan: "Kabid".into(),
                alasan: "penggantian server".into(),
            },
            &zone,
        )
        .markdown();
        assert!(ba.contains("Pemohon: Kasi") && ba.contains("Pimpinan: Kabid"));
        assert!(ba.contains("manifest 4"));
        let s = ringkas(&runs);
        assert_eq!(s.failures, 3);
        assert_eq!(
            s.last_backup_ok,
            Some("2026-03-02T00:00:00Z".parse().unwrap())
        );
    }

    #[test]
    fn perhatian_most_urgent_first() {
        let gagal = Hasil::Gagal {
            jenis: JenisKegagalan::TargetTidakTersedia,
            alasan: "disk".into(),
        };
        assert_eq!(perhatian(&[], false, false), Some(Perhatian::BelumAda));
        let ok = run("2026-03-01T00:00:00Z", Hasil::Berhasil);
        assert_eq!(perhatian(std::slice::from_ref(&ok), false, false), None);
        assert_eq!(
            perhatian(std::slice::from_ref(&ok), true, true),
            Some(Perhatian::BackupTerlewat)
        );
        assert_eq!(
            perhatian(std::slice::from_ref(&ok), false, true),
            Some(Perhatian::UjiTerlambat)
        );
        // The last finished backup failed: that first, also before "none yet" and "missed".
        let mut bad = run("2026-03-02T00:00:00Z", gagal.clone());
        bad.id = 2;
        assert_eq!(
            perhatian(&[ok.clone(), bad.clone()], true, true),
            Some(Perhatian::BackupGagal)
        );
        assert_eq!(
            perhatian(std::slice::from_ref(&bad), false, false),
            Some(Perhatian::BackupGagal)
        );
        // A later success clears it; a run still going does not count.
        let mut ok2 = run("2026-03-03T00:00:00Z", Hasil::Berhasil);
        ok2.id = 3;
        let mut going = run("2026-03-04T00:00:00Z", Hasil::Berjalan);
        going.id = 4;
        assert_eq!(
            perhatian(&[bad.clone(), ok2.clone(), going], false, false),
            None
        );
        // A failed restore test after a good backup.
        let mut uji = run("2026-03-05T00:00:00Z", gagal);
        uji.id = 5;
        uji.jenis_run = JenisRun::UjiRestore;
        assert_eq!(
            perhatian(&[ok2.clone(), uji.clone()], false, false),
            Some(Perhatian::UjiGagal)
        );
        assert!(Perhatian::UjiGagal.uji() && !Perhatian::BelumAda.uji());
    }

    #[test]
    fn safe_paths() {
        assert!(safe_rel_path("outbox/a.kgm"));
        assert!(!safe_rel_path("../x"));
        assert!(!safe_rel_path("/etc/passwd"));
        assert!(!safe_rel_path("a//b"));
    }
}
