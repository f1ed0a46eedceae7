//! The store: every redb access of kasa lives here (DESIGN §2).
//!
//! One redb file (`kasa.redb`) opened by the node only. Every write transaction commits with
//! `Durability::Immediate` and appends its audit record(s) in the same transaction, so a change and its
//! audit trail are atomic. Values are versioned bytes ([`codec`]); secondary indexes are written in the
//! same transaction as their rows.

pub mod atrest;
pub mod backup;
pub mod checkpoint;
pub mod codec;
mod kriptogram;
mod link;
pub mod ocr;
pub mod saring;

pub use kriptogram::{
    KgmMasukInput, KgmMasukOutcome, LedgerCheck, LedgerRecord, PeerRecord, Relation,
};
pub use link::{InboxRecord, OutboxItem, OutboxPayload, ReceiptRecord, SentRecord};
pub mod disposisi;
pub mod insiden;
pub mod palsan;

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use redb::{
    Database, Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition,
    WriteTransaction,
};
use serde::{Deserialize, Serialize};

use crate::domain::audit::{AuditRecord, ChainBreak, ChainVerifier, GENESIS_HASH};
use crate::domain::naskah::HeaderSuggestions;
use crate::domain::{
    Attachment, Book, DomainError, Entry, Klasifikasi, Operator, RegisterFields, Status,
};

/// The schema version this binary writes and understands. 2: every row of `entries`, `operators` and
/// `alarms` is named with its digest by the audit record that wrote it (row digests, issue 11 §6);
/// a version-1 store gets a baseline record at migration ([`ROW_DIGESTS_SINCE`]). 3: the filter
/// indexes of [`saring`] (words, klasifikasi), built for every entry at migration.
pub const SCHEMA_VERSION: u64 = 3;

/// The first schema version with the filter indexes of [`saring`].
pub const SARING_SINCE: u64 = 3;

/// The first schema version whose audit records name every row they write with its digest.
pub const ROW_DIGESTS_SINCE: u64 = 2;

/// Rows named by one `store.baseline` audit record (bounds the record's size: ~80 bytes a row).
const BASELINE_ROWS_PER_RECORD: usize = 500;

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const SEQ: TableDefinition<&str, u64> = TableDefinition::new("seq");
const ENTRIES: TableDefinition<u64, &[u8]> = TableDefinition::new("entries");
pub(crate) const ENTRY_TEXT: TableDefinition<u64, &str> = TableDefinition::new("entry_text");
/// (entry id, [`SEALED_SUGGESTIONS`] | [`SEALED_TEXT`]) → age ciphertext (binary) to the node's own X25519
/// recipient: the extracted text and header suggestions of an entry ingested while the node had an
/// identity (issue 11 §5). Opened only by an unlocked node.
pub(crate) const ENTRY_SEALED: TableDefinition<(u64, u8), &[u8]> =
    TableDefinition::new("entry_sealed");
/// Key kind of the sealed header suggestions in `entry_sealed`.
pub const SEALED_SUGGESTIONS: u8 = 0;
/// Key kind of the sealed extracted text in `entry_sealed`.
pub const SEALED_TEXT: u8 = 1;
/// (book, received_at µs, id)
const IDX_BOOK: TableDefinition<(u8, i64, u64), ()> = TableDefinition::new("idx_book_time");
/// (book, status, received_at µs, id)
const IDX_BOOK_STATUS: TableDefinition<(u8, u8, i64, u64), ()> =
    TableDefinition::new("idx_book_status_time");
/// (book, status) → count
const COUNTS: TableDefinition<(u8, u8), u64> = TableDefinition::new("counts");
/// (book, year) → last nomor agenda allocated
const NOMOR_COUNTER: TableDefinition<(u8, i16), u64> = TableDefinition::new("nomor_counter");
/// (book, year, nomor) → entry id
const NOMOR_INDEX: TableDefinition<(u8, i16, u64), u64> = TableDefinition::new("nomor_index");
/// sha256 → first entry id with that content
const HASHES: TableDefinition<&[u8], u64> = TableDefinition::new("content_hashes");
/// sha256 → size of the blob file
const BLOBS: TableDefinition<&[u8], u64> = TableDefinition::new("blobs");
/// (dev, ino, mtime ns, size) of a dropped file → entry id (crash idempotency)
const SOURCES: TableDefinition<(u64, u64, i64, u64), u64> = TableDefinition::new("ingest_sources");
const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit");
const OPERATORS: TableDefinition<u32, &[u8]> = TableDefinition::new("operators");
const ALARMS: TableDefinition<u64, &[u8]> = TableDefinition::new("alarms");
/// (uid, key) → draft bytes (console forms kept across dropped connections)
const DRAFTS: TableDefinition<(u32, &str), &[u8]> = TableDefinition::new("drafts");

/// Errors of the store. Messages name the problem and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "database {path} has schema version {found}, newer than this kasa understands ({known}): upgrade kasa, or restore a backup made by this version"
    )]
    NewerSchema {
        path: PathBuf,
        found: u64,
        known: u64,
    },
    #[error(
        "database {0} is open in another process: only the node opens it (is another node running?)"
    )]
    AlreadyOpen(PathBuf),
    #[error("database error: {0}")]
    Db(String),
    /// The database is closed after a storage I/O error (typically a full disk) and being reopened.
    #[error(
        "disk penuh / storage error: the node cannot write its database ({0}); nothing is lost, writes are refused until space is freed on the data directory's file system, and kasa retries by itself"
    )]
    DiskFull(String),
    #[error("{0}")]
    Rule(String),
    #[error("not found: {0}")]
    NotFound(String),
}

impl From<DomainError> for StoreError {
    fn from(e: DomainError) -> Self {
        StoreError::Rule(e.0)
    }
}

macro_rules! db_err {
    ($($t:ty),*) => {$(impl From<$t> for StoreError {
        fn from(e: $t) -> Self { note_io(&e); StoreError::Db(e.to_string()) }
    })*};
}
db_err!(
    redb::Error,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::SetDurabilityError
);

pub type Result<T> = std::result::Result<T, StoreError>;

/// Who makes a change: an operator (by uid) or the node itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub uid: Option<u32>,
    pub name: String,
}

impl Actor {
    /// The node itself (ingest, timers).
    pub fn node() -> Actor {
        Actor {
            uid: None,
            name: "node".into(),
        }
    }
    /// An operator.
    pub fn operator(op: &Operator) -> Actor {
        Actor {
            uid: Some(op.uid),
            name: op.nama.clone(),
        }
    }
}

/// What a committed transaction changed; the node pushes these to subscribed clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    Entry {
        id: u64,
    },
    Alarm {
        id: u64,
    },
    Operator {
        uid: u32,
    },
    /// The palsan register (items, repair cases, key material, periodic duties) changed; `id` is the
    /// item, case or key id (0 for periodic duties).
    Palsan {
        id: u64,
    },
    /// An incident of the logbook changed (opened, logged, ticked, closed…).
    Insiden {
        id: u64,
    },
}

/// A visible alarm (failed ingest, refused access, …) shown in every console until acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alarm {
    pub id: u64,
    pub at: Timestamp,
    /// `ingest.failed`, `access.refused`, `kriptogram.replay`, …
    pub kind: String,
    pub message: String,
    /// Object reference (`file:…`, `entry:…`).
    pub object: String,
    #[serde(default)]
    pub acked_by: Option<String>,
}

/// Identity of a dropped file, to finish a crash-interrupted ingest without duplicating it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceKey {
    pub dev: u64,
    pub ino: u64,
    pub mtime_ns: i64,
    pub size: u64,
}

/// Everything the ingest path commits for one file, in one transaction.
#[derive(Debug, Clone)]
pub struct IngestInput {
    /// Identity of the dropped file (`None` for files handed over a socket).
    pub source: Option<SourceKey>,
    pub sha256: [u8; 32],
    pub attachment: Attachment,
    pub text: Option<String>,
    pub suggestions: Option<HeaderSuggestions>,
    pub text_note: Option<String>,
    /// The suggestions and the text sealed to the node's own recipient (age, binary), each `None` when
    /// absent. When either is set, `text` and `suggestions` are `None` and the entry records their
    /// digests ([`crate::domain::naskah::SealedDigests`]).
    pub sealed_suggestions: Option<Vec<u8>>,
    pub sealed_text: Option<Vec<u8>>,
    /// An image-only scan: the new entry is queued for OCR in the same transaction
    /// ([`ocr::OCR_QUEUE`]; a duplicate is not, it shares the first entry's reading).
    pub perlu_ocr: bool,
    pub at: Timestamp,
    /// Where it came from, for the timeline: `folder drop`, `kasa ingest (uid 1000)`.
    pub origin: String,
}

/// The result of [`Store::ingest_commit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum IngestOutcome {
    /// A new `baru` entry.
    New { id: u64 },
    /// Same content as `of`: a `duplikat` entry pointing at it.
    Duplicate { id: u64, of: u64 },
    /// This very file (same inode, size, mtime) was committed before a crash: nothing new.
    AlreadyIngested { id: u64 },
}

/// Most rows of one page ([`Store::page`], [`Store::saring_page`]).
pub const PAGE_MAX: usize = 1000;

/// A page query over one book (newest first).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageQuery {
    pub book: Option<Book>,
    /// More books merged into one list (newest first across them); with `book`, its book is added.
    pub books: Vec<Book>,
    pub status: Option<Status>,
    /// Rows at most (capped at 1000).
    pub limit: usize,
    /// Continue after this `(received_at µs, id)` cursor (exclusive).
    pub before: Option<(i64, u64)>,
}

/// Counts per book and status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub rows: Vec<(Book, Status, u64)>,
}

impl Counts {
    /// The count for one book and status.
    pub fn get(&self, book: Book, status: Status) -> u64 {
        self.rows
            .iter()
            .find(|(b, s, _)| *b == book && *s == status)
            .map_or(0, |r| r.2)
    }
}

/// Outcome of [`Store::audit_verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    pub ok: bool,
    pub head_seq: u64,
    pub head_hash: String,
    pub records: u64,
    pub first_bad_seq: Option<u64>,
    pub problem: Option<String>,
    /// The highest seq covered by a checkpoint signed with the node's key (checked by the node).
    #[serde(default)]
    pub signed_seq: Option<u64>,
}

impl AuditReport {
    /// The report for a chain read up to `head` (`(seq, hash)`) over `records` records: `ok` when
    /// `problem` is `None`, else failed at `first_bad_seq` (when one record is to blame).
    fn of(
        head: (u64, [u8; 32]),
        records: u64,
        first_bad_seq: Option<u64>,
        problem: Option<String>,
    ) -> AuditReport {
        AuditReport {
            ok: problem.is_none(),
            head_seq: head.0,
            head_hash: hex::encode(head.1),
            records,
            first_bad_seq,
            problem,
            signed_seq: None,
        }
    }
}

pub(crate) fn micros(t: Timestamp) -> i64 {
    (t.as_microsecond()).clamp(i64::MIN as i128 as i64, i64::MAX)
}

/// The kasa database.
pub struct Store {
    /// The open database; `None` while it is being reopened after a storage I/O error (disk penuh).
    db: std::sync::RwLock<Option<std::sync::Arc<Database>>>,
    path: PathBuf,
    /// Why the database is closed for recovery, and since when.
    down: std::sync::Mutex<Option<(String, Timestamp)>>,
}

/// Set by any storage I/O error redb reports (ENOSPC, EIO, …): after one, redb answers every later
/// operation with "Previous I/O error" until the database is reopened ([`Store::recover`]). One node
/// opens one store per process, so a process-wide flag is enough.
static IO_FAILED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn note_io(e: &dyn std::fmt::Display) {
    let m = e.to_string();
    if m.contains("I/O error")
        || m.contains("No space left")
        || m.contains("Previous I/O")
        || m.contains("os error")
    {
        IO_FAILED.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

pub(crate) fn begin(db: &Database) -> Result<WriteTransaction> {
    let mut tx = db.begin_write()?;
    tx.set_durability(Durability::Immediate)?;
    Ok(tx)
}

pub(crate) fn next_seq(tx: &WriteTransaction, name: &str) -> Result<u64> {
    let mut t = tx.open_table(SEQ)?;
    let n = t.get(name)?.map_or(0, |v| v.value()) + 1;
    t.insert(name, n)?;
    Ok(n)
}

/// Appends an audit record in `tx` (the same transaction as the change it records).
pub(crate) fn audit(
    tx: &WriteTransaction,
    at: Timestamp,
    actor: &Actor,
    action: &str,
    object: &str,
    digest: &str,
    detail: &str,
) -> Result<u64> {
    let mut meta = tx.open_table(META)?;
    let (seq, prev) = match meta.get("audit_head")? {
        Some(v) => {
            let b = v.value();
            let mut h = [0u8; 32];
            if b.len() != 40 {
                return Err(StoreError::Db(
                    "audit head is corrupt: run `kasa audit verify`".into(),
                ));
            }
            h.copy_from_slice(&b[8..40]);
            (u64::from_be_bytes(b[..8].try_into().unwrap_or_default()), h)
        }
        None => {
            // A missing head over existing records (deleted offline) must never restart the chain at
            // seq 1 over them.
            if let Some(last) = tx.open_table(AUDIT)?.last()? {
                return Err(StoreError::Db(format!(
                    "the audit head is missing but {} audit records exist: the database was edited; nothing was written. Run `kasa audit verify` and restore a backup",
                    last.0.value()
                )));
            }
            (0, GENESIS_HASH)
        }
    };
    let mut rec = AuditRecord {
        seq: seq + 1,
        at,
        uid: actor.uid,
        actor: actor.name.clone(),
        action: action.into(),
        object: object.into(),
        digest: digest.into(),
        detail: detail.into(),
        prev_hash: String::new(),
        hash: String::new(),
    };
    let h = rec.seal(&prev);
    tx.open_table(AUDIT)?
        .insert(rec.seq, codec::encode(&rec).as_slice())?;
    let mut head = rec.seq.to_be_bytes().to_vec();
    head.extend_from_slice(&h);
    meta.insert("audit_head", head.as_slice())?;
    Ok(rec.seq)
}

pub(crate) fn digest_of(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

fn bump_count(tx: &WriteTransaction, book: Book, status: Status, delta: i64) -> Result<()> {
    let mut t = tx.open_table(COUNTS)?;
    let k = (book.code(), status.code());
    let cur = t.get(k)?.map_or(0, |v| v.value());
    t.insert(k, (cur as i64 + delta).max(0) as u64)?;
    Ok(())
}

/// Writes an entry and maintains the indexes and counts (old value given when updating).
pub(crate) fn put_entry(tx: &WriteTransaction, old: Option<&Entry>, e: &Entry) -> Result<String> {
    let bytes = codec::encode(e);
    tx.open_table(ENTRIES)?.insert(e.id, bytes.as_slice())?;
    let ts = micros(e.received_at);
    let mut by_status = tx.open_table(IDX_BOOK_STATUS)?;
    let mut by_book = tx.open_table(IDX_BOOK)?;
    if let Some(o) = old {
        let ots = micros(o.received_at);
        by_status.remove((o.book.code(), o.status.code(), ots, o.id))?;
        by_book.remove((o.book.code(), ots, o.id))?;
        bump_count(tx, o.book, o.status, -1)?;
    }
    by_status.insert((e.book.code(), e.status.code(), ts, e.id), ())?;
    by_book.insert((e.book.code(), ts, e.id), ())?;
    bump_count(tx, e.book, e.status, 1)?;
    saring::index(tx, old, e)?;
    // Dikecualikan (Rahasia / Sangat Rahasia) with a plaintext blob: queue it for encryption at rest in
    // the same transaction, so a crash cannot forget it (SOP 001 step 3).
    if atrest::needs_protection(e) {
        tx.open_table(atrest::PENDING)?.insert(e.id, ())?;
    }
    Ok(digest_of(&bytes))
}

/// The digest each row of `entries`, `operators` and `alarms` must have, by object (`entry:17`), with
/// the seq of the audit record that named it last: its `object` for a plain digest, or an
/// `object=digest` item of the record's comma-separated digest list.
fn expected_row_digests(
    audit: &impl ReadableTable<u64, &'static [u8]>,
) -> Result<std::collections::HashMap<String, (String, u64)>> {
    let mut expected = std::collections::HashMap::new();
    for r in audit.iter()? {
        let (_, v) = r?;
        let rec: AuditRecord = codec::decode(v.value()).map_err(StoreError::Db)?;
        for item in rec.digest.split(',').filter(|i| !i.is_empty()) {
            let (obj, d) = match item.split_once('=') {
                Some((o, d)) => (o.to_string(), d),
                None => (rec.object.clone(), item),
            };
            if obj.starts_with("entry:")
                || obj.starts_with("operator:")
                || obj.starts_with("alarm:")
            {
                expected.insert(obj, (d.to_string(), rec.seq));
            }
        }
    }
    Ok(expected)
}

/// Migration step to row digests (schema `from` < [`ROW_DIGESTS_SINCE`]): older kasa recorded an
/// ingest with the file's hash instead of the row's and raised alarms without naming their row, so
/// `audit verify` would report those rows. Every row of `entries`, `operators` and `alarms` whose
/// current digest differs from the one its latest record names (or that no record names) is recorded
/// as it is now, in `store.baseline` audit records (`object=digest` items, at most
/// [`BASELINE_ROWS_PER_RECORD`] a record) in the migration's transaction. The node's next signed
/// checkpoint covers them; any later change outside kasa differs from the baseline. Returns the number
/// of rows recorded.
fn baseline_rows(tx: &WriteTransaction, at: Timestamp, from: u64) -> Result<usize> {
    let expected = expected_row_digests(&tx.open_table(AUDIT)?)?;
    let mut items: Vec<String> = Vec::new();
    let mut note = |obj: String, bytes: &[u8]| {
        let got = digest_of(bytes);
        if expected.get(&obj).is_none_or(|(d, _)| *d != got) {
            items.push(format!("{obj}={got}"));
        }
    };
    for r in tx.open_table(ENTRIES)?.iter()? {
        let (k, v) = r?;
        note(format!("entry:{}", k.value()), v.value());
    }
    for r in tx.open_table(OPERATORS)?.iter()? {
        let (k, v) = r?;
        note(format!("operator:{}", k.value()), v.value());
    }
    for r in tx.open_table(ALARMS)?.iter()? {
        let (k, v) = r?;
        note(format!("alarm:{}", k.value()), v.value());
    }
    let parts = items.len().div_ceil(BASELINE_ROWS_PER_RECORD);
    for (i, chunk) in items.chunks(BASELINE_ROWS_PER_RECORD).enumerate() {
        audit(
            tx,
            at,
            &Actor::node(),
            "store.baseline",
            "store",
            &chunk.join(","),
            &format!(
                "schema {from} → {SCHEMA_VERSION}: rows written before row digests, recorded as they are at this upgrade ({} rows, part {} of {parts})",
                chunk.len(),
                i + 1
            ),
        )?;
    }
    Ok(items.len())
}

/// Writes the extracted text of an ingested file for entry `id` (in clear, or sealed with the
/// digests recorded on `e`), in the committing transaction.
fn put_text(tx: &WriteTransaction, id: u64, inp: &IngestInput, e: &mut Entry) -> Result<()> {
    if let Some(text) = &inp.text {
        tx.open_table(ENTRY_TEXT)?.insert(id, text.as_str())?;
    }
    if inp.sealed_suggestions.is_some() || inp.sealed_text.is_some() {
        let mut t = tx.open_table(ENTRY_SEALED)?;
        let mut d = crate::domain::naskah::SealedDigests::default();
        if let Some(b) = &inp.sealed_suggestions {
            t.insert((id, SEALED_SUGGESTIONS), b.as_slice())?;
            d.suggestions = Some(digest_of(b));
        }
        if let Some(b) = &inp.sealed_text {
            t.insert((id, SEALED_TEXT), b.as_slice())?;
            d.text = Some(digest_of(b));
        }
        e.sealed = Some(d);
    }
    Ok(())
}

/// The changes published after an ingest commit: the entry, and the original it duplicates.
fn ingest_changes(outcome: IngestOutcome) -> Vec<Change> {
    let mut changes = Vec::new();
    let id = match outcome {
        IngestOutcome::New { id } | IngestOutcome::AlreadyIngested { id } => id,
        IngestOutcome::Duplicate { id, of } => {
            changes.push(Change::Entry { id: of });
            id
        }
    };
    changes.insert(0, Change::Entry { id });
    changes
}

pub(crate) fn get_entry_tx(tx: &WriteTransaction, id: u64) -> Result<Entry> {
    let t = tx.open_table(ENTRIES)?;
    let v = t.get(id)?.ok_or_else(|| {
        StoreError::NotFound(format!("entry {id}: check the id with `kasa agenda list`"))
    })?;
    codec::decode(v.value()).map_err(StoreError::Db)
}

pub(crate) fn alloc_nomor(tx: &WriteTransaction, book: Book, year: i16, id: u64) -> Result<u64> {
    let mut c = tx.open_table(NOMOR_COUNTER)?;
    let n = c.get((book.code(), year))?.map_or(0, |v| v.value()) + 1;
    c.insert((book.code(), year), n)?;
    tx.open_table(NOMOR_INDEX)?
        .insert((book.code(), year, n), id)?;
    Ok(n)
}

/// redb's page cache, in bytes. redb's default (1 GiB) let the node grow to 867 MB at 10⁶ entries
/// after one scan and stay there; 32 MiB keeps the node under 128 MB whatever the query (issue 19)
/// while holding the upper levels of every index a page walks (`benches/million.sh` measures both).
pub const CACHE_BYTES: usize = 32 << 20;

fn create_db(path: &Path) -> std::result::Result<Database, redb::DatabaseError> {
    Database::builder().set_cache_size(CACHE_BYTES).create(path)
}

impl Store {
    /// Opens (creating if absent) the database at `path`: creates missing tables, checks
    /// `meta.schema_version` (newer → [`StoreError::NewerSchema`]; older → migrated after a backup copy).
    pub fn open(path: &Path) -> Result<Store> {
        let db = match create_db(path) {
            Ok(db) => db,
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                return Err(StoreError::AlreadyOpen(path.into()));
            }
            Err(e) => return Err(StoreError::Db(format!("{}: {e}", path.display()))),
        };
        let store = Store {
            db: std::sync::RwLock::new(Some(std::sync::Arc::new(db))),
            path: path.into(),
            down: std::sync::Mutex::new(None),
        };
        let found = store.schema_version()?;
        match found {
            Some(v) if v > SCHEMA_VERSION => {
                return Err(StoreError::NewerSchema {
                    path: path.into(),
                    found: v,
                    known: SCHEMA_VERSION,
                });
            }
            Some(v) if v < SCHEMA_VERSION => store.migrate(v)?,
            _ => {}
        }
        let tx = begin(&*store.db()?)?;
        {
            tx.open_table(SEQ)?;
            tx.open_table(ENTRIES)?;
            tx.open_table(ENTRY_TEXT)?;
            tx.open_table(ENTRY_SEALED)?;
            tx.open_table(IDX_BOOK)?;
            tx.open_table(IDX_BOOK_STATUS)?;
            tx.open_table(COUNTS)?;
            tx.open_table(NOMOR_COUNTER)?;
            tx.open_table(NOMOR_INDEX)?;
            tx.open_table(HASHES)?;
            tx.open_table(BLOBS)?;
            tx.open_table(SOURCES)?;
            tx.open_table(AUDIT)?;
            tx.open_table(OPERATORS)?;
            tx.open_table(ALARMS)?;
            tx.open_table(DRAFTS)?;
            tx.open_table(ocr::OCR_QUEUE)?;
            tx.open_table(saring::IDX_KATA)?;
            tx.open_table(saring::KATA)?;
            tx.open_table(saring::IDX_KLAS)?;
            tx.open_table(saring::COUNTS_KLAS)?;
            let mut meta = tx.open_table(META)?;
            if meta.get("schema_version")?.is_none() {
                meta.insert("schema_version", SCHEMA_VERSION.to_be_bytes().as_slice())?;
            }
        }
        tx.commit()?;
        Ok(store)
    }

    /// Reads a meta string (`node_id`, …) from the database file at `path` without writing to it
    /// (a read-only open: no table creation, no migration). Used by `kasa init` to ask "already
    /// initialised?" without touching an existing database.
    pub fn peek_meta(path: &Path, key: &str) -> Result<Option<String>> {
        let db = match redb::ReadOnlyDatabase::open(path) {
            Ok(db) => db,
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                return Err(StoreError::AlreadyOpen(path.into()));
            }
            Err(e) => return Err(StoreError::Db(format!("{}: {e}", path.display()))),
        };
        let tx = db.begin_read()?;
        let Some(t) = optional_table(&tx, META)? else {
            return Ok(None);
        };
        Ok(t.get(key)?
            .map(|v| String::from_utf8_lossy(v.value()).into_owned()))
    }

    /// The redb database, for the store's own submodules (one file per domain area: `impl Store` blocks
    /// that define their tables next to their methods and use [`begin`] and [`audit`]).
    pub(crate) fn db(&self) -> Result<std::sync::Arc<Database>> {
        let g = match self.db.read() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        g.clone().ok_or_else(|| {
            let why = self
                .down
                .lock()
                .ok()
                .and_then(|d| d.as_ref().map(|(m, at)| format!("{m}, since {at}")))
                .unwrap_or_else(|| "reopening".into());
            StoreError::DiskFull(why)
        })
    }

    /// True once a storage I/O error was seen and the database was not yet reopened.
    pub fn io_failed(&self) -> bool {
        IO_FAILED.load(std::sync::atomic::Ordering::SeqCst)
            || self.down.lock().is_ok_and(|d| d.is_some())
    }

    /// The "disk penuh" state: `Some((reason, since))` while the database is closed for recovery.
    pub fn down(&self) -> Option<(String, Timestamp)> {
        self.down.lock().ok().and_then(|d| d.clone())
    }

    /// Recovery after a storage I/O error (DESIGN §3: transient errors are retried): closes the
    /// database (every request meanwhile gets [`StoreError::DiskFull`]) and reopens it; redb repairs
    /// it from its last committed state, so nothing committed is lost. Returns `Ok(true)` when it is
    /// open again, `Ok(false)` when reopening must be retried later (no space yet, or transactions still
    /// hold the old handle). The caller backs off and raises the alarm once a write succeeds.
    pub fn recover(&self, at: Timestamp) -> Result<bool> {
        {
            let mut d = match self.down.lock() {
                Ok(d) => d,
                Err(p) => p.into_inner(),
            };
            if d.is_none() {
                *d = Some(("storage I/O error (disk full?)".into(), at));
            }
        }
        IO_FAILED.store(false, std::sync::atomic::Ordering::SeqCst);
        let mut g = match self.db.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if let Some(old) = g.take() {
            match std::sync::Arc::try_unwrap(old) {
                Ok(db) => drop(db),
                Err(still_used) => {
                    *g = Some(still_used);
                    return Ok(false);
                }
            }
        }
        match create_db(&self.path) {
            Ok(db) => {
                *g = Some(std::sync::Arc::new(db));
                drop(g);
                // A write must succeed before we call it recovered.
                let probe = (|| -> Result<()> {
                    let tx = begin(&*self.db()?)?;
                    next_seq(&tx, "storage_probe")?;
                    tx.commit()?;
                    Ok(())
                })();
                if probe.is_err() {
                    IO_FAILED.store(true, std::sync::atomic::Ordering::SeqCst);
                    return Ok(false);
                }
                if let Ok(mut d) = self.down.lock() {
                    *d = None;
                }
                IO_FAILED.store(false, std::sync::atomic::Ordering::SeqCst);
                Ok(true)
            }
            Err(e) => {
                tracing::warn!(error = %e, "reopening the database failed; will retry");
                Ok(false)
            }
        }
    }

    /// The file this store uses.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn schema_version(&self) -> Result<Option<u64>> {
        let tx = self.db()?.begin_read()?;
        let Some(t) = optional_table(&tx, META)? else {
            return Ok(None);
        };
        Ok(t.get("schema_version")?
            .and_then(|v| v.value().try_into().ok().map(u64::from_be_bytes)))
    }

    /// Migrates from schema `from` to [`SCHEMA_VERSION`]: a backup copy of the file first
    /// (`kasa.redb.bak-v{from}`), then one transaction with the steps and a `store.migrate` record.
    /// Steps: from before [`ROW_DIGESTS_SINCE`], a row-digest baseline ([`baseline_rows`]); from before
    /// [`SARING_SINCE`], the filter indexes of every entry ([`saring`]).
    fn migrate(&self, from: u64) -> Result<()> {
        let backup = self.path.with_extension(format!("redb.bak-v{from}"));
        std::fs::copy(&self.path, &backup).map_err(|e| {
            StoreError::Db(format!(
                "backup before migration to {}: {e}",
                backup.display()
            ))
        })?;
        let at = crate::clock::now();
        let tx = begin(&*self.db()?)?;
        tx.open_table(META)?
            .insert("schema_version", SCHEMA_VERSION.to_be_bytes().as_slice())?;
        let baseline = if from < ROW_DIGESTS_SINCE {
            baseline_rows(&tx, at, from)?
        } else {
            0
        };
        let indexed = if from < SARING_SINCE {
            saring::rebuild(&tx)?
        } else {
            0
        };
        audit(
            &tx,
            at,
            &Actor::node(),
            "store.migrate",
            "store",
            "",
            &format!(
                "schema {from} → {SCHEMA_VERSION}; row-digest baseline: {baseline} rows; filter indexes: {indexed} entries"
            ),
        )?;
        tx.commit()?;
        if baseline > 0 {
            tracing::warn!(
                rows = baseline,
                backup = %backup.display(),
                "rows written before row digests were recorded as they are now (store.baseline audit records); audit verify checks them from here"
            );
        }
        Ok(())
    }

    /// Test and repair hook: sets `meta.schema_version` (used to prove a newer schema is refused).
    pub fn force_schema_version(&self, v: u64) -> Result<()> {
        let tx = begin(&*self.db()?)?;
        tx.open_table(META)?
            .insert("schema_version", v.to_be_bytes().as_slice())?;
        tx.commit()?;
        Ok(())
    }

    /// Reads a meta string (`node_id`, `node_name`).
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        let tx = self.db()?.begin_read()?;
        let t = tx.open_table(META)?;
        Ok(t.get(key)?
            .map(|v| String::from_utf8_lossy(v.value()).into_owned()))
    }

    /// First-time initialisation: node id and name, and the first admin operator (issue 2 §3).
    /// Refuses when the database was initialised already.
    pub fn initialise(
        &self,
        node_id: &str,
        name: &str,
        admin: &Operator,
        at: Timestamp,
    ) -> Result<()> {
        let tx = begin(&*self.db()?)?;
        {
            let mut meta = tx.open_table(META)?;
            if meta.get("node_id")?.is_some() {
                return Err(StoreError::Rule(
                    "this data directory is already initialised; nothing was overwritten".into(),
                ));
            }
            meta.insert("node_id", node_id.as_bytes())?;
            meta.insert("node_name", name.as_bytes())?;
            drop(meta);
            let bytes = codec::encode(admin);
            tx.open_table(OPERATORS)?
                .insert(admin.uid, bytes.as_slice())?;
            audit(
                &tx,
                at,
                &Actor::operator(admin),
                "node.init",
                &format!("node:{node_id}"),
                &digest_of(&bytes),
                name,
            )?;
            audit(
                &tx,
                at,
                &Actor::operator(admin),
                "operator.add",
                &format!("operator:{}", admin.uid),
                &digest_of(&bytes),
                "admin pertama (kasa init)",
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    // ---------------------------------------------------------------- operators

    /// The operator record for `uid`, if any.
    pub fn operator(&self, uid: u32) -> Result<Option<Operator>> {
        self.get_decoded(OPERATORS, uid)
    }

    /// All operators, by uid.
    pub fn operators(&self) -> Result<Vec<Operator>> {
        let tx = self.db()?.begin_read()?;
        let t = tx.open_table(OPERATORS)?;
        let mut out = Vec::new();
        for r in t.iter()? {
            let (_, v) = r?;
            out.push(codec::decode(v.value()).map_err(StoreError::Db)?);
        }
        Ok(out)
    }

    /// Adds an operator (refused if the uid exists) or, with `replace`, updates one. Audited.
    pub fn put_operator(
        &self,
        actor: &Actor,
        op: &Operator,
        replace: bool,
        at: Timestamp,
    ) -> Result<Change> {
        let tx = begin(&*self.db()?)?;
        {
            let mut t = tx.open_table(OPERATORS)?;
            let exists = t.get(op.uid)?.is_some();
            if exists && !replace {
                return Err(StoreError::Rule(format!(
                    "uid {} is already an operator: use `kasa operator list`",
                    op.uid
                )));
            }
            if !exists && replace {
                return Err(StoreError::NotFound(format!(
                    "operator with uid {}",
                    op.uid
                )));
            }
            let bytes = codec::encode(op);
            t.insert(op.uid, bytes.as_slice())?;
            let action = if !exists {
                "operator.add"
            } else if op.disabled {
                "operator.disable"
            } else {
                "operator.update"
            };
            audit(
                &tx,
                at,
                actor,
                action,
                &format!("operator:{}", op.uid),
                &digest_of(&bytes),
                &format!("{} ({})", op.nama, op.role.as_str()),
            )?;
        }
        tx.commit()?;
        Ok(Change::Operator { uid: op.uid })
    }

    /// Records a refused connection (unknown or disabled uid) in the audit chain.
    pub fn audit_refusal(&self, uid: u32, pid: i32, why: &str, at: Timestamp) -> Result<()> {
        let tx = begin(&*self.db()?)?;
        audit(
            &tx,
            at,
            &Actor {
                uid: Some(uid),
                name: format!("uid {uid}"),
            },
            "access.refused",
            &format!("uid:{uid}"),
            "",
            &format!("{why} (pid {pid})"),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Appends a free audit record (node start/stop, exports) in its own transaction.
    pub fn audit_event(
        &self,
        actor: &Actor,
        action: &str,
        object: &str,
        detail: &str,
        at: Timestamp,
    ) -> Result<u64> {
        let tx = begin(&*self.db()?)?;
        let seq = audit(&tx, at, actor, action, object, "", detail)?;
        tx.commit()?;
        Ok(seq)
    }

    /// The record under `key` of a table of encoded records, decoded; `None` when absent. Errors: the
    /// database's, or a record that does not decode.
    fn get_decoded<K: redb::Key + 'static, T: serde::de::DeserializeOwned>(
        &self,
        def: TableDefinition<K, &[u8]>,
        key: impl std::borrow::Borrow<K::SelfType<'static>>,
    ) -> Result<Option<T>> {
        let tx = self.db()?.begin_read()?;
        let t = tx.open_table(def)?;
        t.get(key)?
            .map(|v| codec::decode(v.value()).map_err(StoreError::Db))
            .transpose()
    }

    // ---------------------------------------------------------------- entries

    /// One entry by id.
    pub fn entry(&self, id: u64) -> Result<Option<Entry>> {
        self.get_decoded(ENTRIES, id)
    }

    /// The extracted text of an entry's first attachment, if any.
    pub fn entry_text(&self, id: u64) -> Result<Option<String>> {
        let tx = self.db()?.begin_read()?;
        let t = tx.open_table(ENTRY_TEXT)?;
        Ok(t.get(id)?.map(|v| v.value().to_string()))
    }

    /// The sealed value `kind` ([`SEALED_SUGGESTIONS`] or [`SEALED_TEXT`]) of entry `id`: age ciphertext
    /// to the node's own recipient, to be opened by an unlocked node (`node::atrest::open_sealed`).
    pub fn entry_sealed(&self, id: u64, kind: u8) -> Result<Option<Vec<u8>>> {
        let tx = self.db()?.begin_read()?;
        let Some(t) = optional_table(&tx, ENTRY_SEALED)? else {
            return Ok(None);
        };
        Ok(t.get((id, kind))?.map(|v| v.value().to_vec()))
    }

    /// A page of entries, newest first (by received instant), optionally filtered by book and status.
    /// Uses the `(book, status, time, id)` index (a status without a book: that index of every book,
    /// merged): cost is O(books · limit · log n).
    pub fn page(&self, q: &PageQuery) -> Result<Vec<Entry>> {
        let mut books = q.books.clone();
        books.extend(q.book);
        if books.is_empty() && q.status.is_some() {
            // A status across every book: each book's (book, status, time) index, merged — never a
            // scan of the whole book (issue 19: 2.2 s and 867 MB at 10⁶ entries before).
            books.extend(Book::ALL);
        }
        books.sort_unstable();
        books.dedup();
        if books.len() > 1 {
            // Each book's newest page, merged by (received µs, id) and cut to the limit.
            let mut all = Vec::new();
            for b in books {
                all.extend(self.page(&PageQuery {
                    book: Some(b),
                    books: Vec::new(),
                    ..*q
                })?);
            }
            all.sort_by_key(|e| std::cmp::Reverse(Store::cursor_of(e)));
            all.truncate(q.limit.clamp(1, PAGE_MAX));
            return Ok(all);
        }
        let q = &PageQuery {
            book: books.first().copied(),
            books: Vec::new(),
            ..*q
        };
        let limit = q.limit.clamp(1, PAGE_MAX);
        let tx = self.db()?.begin_read()?;
        let entries = tx.open_table(ENTRIES)?;
        let mut ids = Vec::with_capacity(limit);
        let (cts, cid) = q.before.unwrap_or((i64::MAX, u64::MAX));
        match (q.book, q.status) {
            (Some(b), Some(s)) => {
                let t = tx.open_table(IDX_BOOK_STATUS)?;
                let lo = (b.code(), s.code(), i64::MIN, 0u64);
                let hi = (b.code(), s.code(), cts, cid);
                for r in t.range(lo..hi)?.rev().take(limit) {
                    ids.push(r?.0.value().3);
                }
            }
            (Some(b), None) => {
                let t = tx.open_table(IDX_BOOK)?;
                for r in t
                    .range((b.code(), i64::MIN, 0u64)..(b.code(), cts, cid))?
                    .rev()
                    .take(limit)
                {
                    ids.push(r?.0.value().2);
                }
            }
            (None, status) => {
                // Across books: newest ids first (ids grow with time of creation).
                for r in entries.iter()?.rev() {
                    let (_, v) = r?;
                    let e: Entry = codec::decode(v.value()).map_err(StoreError::Db)?;
                    if status.is_none_or(|s| s == e.status)
                        && (micros(e.received_at), e.id) < (cts, cid)
                    {
                        ids.push(e.id);
                        if ids.len() >= limit {
                            break;
                        }
                    }
                }
            }
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(v) = entries.get(id)? {
                out.push(codec::decode(v.value()).map_err(StoreError::Db)?);
            }
        }
        Ok(out)
    }

    /// Every entry of `books` whose status is one of `statuses` (through the book/status index).
    pub fn by_status(&self, books: &[Book], statuses: &[Status]) -> Result<Vec<Entry>> {
        let tx = self.db()?.begin_read()?;
        let entries = tx.open_table(ENTRIES)?;
        let idx = tx.open_table(IDX_BOOK_STATUS)?;
        let mut out = Vec::new();
        for b in books {
            for s in statuses {
                let lo = (b.code(), s.code(), i64::MIN, 0u64);
                let hi = (b.code(), s.code(), i64::MAX, u64::MAX);
                for r in idx.range(lo..=hi)? {
                    let id = r?.0.value().3;
                    if let Some(v) = entries.get(id)? {
                        out.push(codec::decode(v.value()).map_err(StoreError::Db)?);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Entries whose flow may still run: incoming baru, teragenda, didisposisi, selesai; outgoing draft,
    /// diagendakan, terkirim. What the flow watch checks.
    pub fn flow_open(&self) -> Result<Vec<Entry>> {
        let mut v = self.by_status(
            &[Book::Masuk, Book::KriptogramMasuk],
            &[
                Status::Baru,
                Status::Teragenda,
                Status::Didisposisi,
                Status::Selesai,
            ],
        )?;
        // The send flows (issue 14) run from the draft to the archive.
        v.extend(self.by_status(
            &[Book::Keluar, Book::KriptogramKeluar],
            &[Status::Draft, Status::Diagendakan, Status::Terkirim],
        )?);
        Ok(v)
    }

    /// Registered incoming entries (teragenda, didisposisi, selesai, diarsipkan): the SI APEL list.
    pub fn siapel_candidates(&self) -> Result<Vec<Entry>> {
        self.by_status(
            &[Book::Masuk, Book::KriptogramMasuk],
            &[
                Status::Teragenda,
                Status::Didisposisi,
                Status::Selesai,
                Status::Diarsipkan,
            ],
        )
    }

    /// The `(received µs, id)` cursor of an entry, for [`PageQuery::before`].
    pub fn cursor_of(e: &Entry) -> (i64, u64) {
        (micros(e.received_at), e.id)
    }

    /// Counts per book and status (O(number of statuses)).
    pub fn counts(&self) -> Result<Counts> {
        let tx = self.db()?.begin_read()?;
        let t = tx.open_table(COUNTS)?;
        let mut rows = Vec::new();
        for r in t.iter()? {
            let (k, v) = r?;
            let (b, s) = k.value();
            if let (Some(b), Some(s)) = (
                Book::from_code(b),
                Status::ALL.into_iter().find(|x| x.code() == s),
            ) && v.value() > 0
            {
                rows.push((b, s, v.value()));
            }
        }
        Ok(Counts { rows })
    }

    /// The entry id recorded for a dropped file's identity, if it was committed already.
    pub fn source_seen(&self, key: &SourceKey) -> Result<Option<u64>> {
        let tx = self.db()?.begin_read()?;
        let t = tx.open_table(SOURCES)?;
        Ok(t.get((key.dev, key.ino, key.mtime_ns, key.size))?
            .map(|v| v.value()))
    }

    /// The first entry holding this content, if any.
    pub fn entry_by_hash(&self, sha: &[u8; 32]) -> Result<Option<u64>> {
        let tx = self.db()?.begin_read()?;
        let t = tx.open_table(HASHES)?;
        Ok(t.get(sha.as_slice())?.map(|v| v.value()))
    }

    /// True when a blob with this hash is recorded.
    pub fn blob_known(&self, sha: &[u8; 32]) -> Result<bool> {
        let tx = self.db()?.begin_read()?;
        Ok(tx.open_table(BLOBS)?.get(sha.as_slice())?.is_some())
    }

    /// All recorded blob hashes (for the orphan check).
    pub fn blob_hashes(&self) -> Result<Vec<[u8; 32]>> {
        let tx = self.db()?.begin_read()?;
        let t = tx.open_table(BLOBS)?;
        let mut out = Vec::new();
        for r in t.iter()? {
            let (k, _) = r?;
            if let Ok(h) = <[u8; 32]>::try_from(k.value()) {
                out.push(h);
            }
        }
        Ok(out)
    }

    /// Commits one ingested file: the entry (new or duplicate), hash index, blob record, source record and
    /// audit record, all in one transaction (DESIGN §3). Idempotent on the source identity.
    pub fn ingest_commit(&self, inp: &IngestInput) -> Result<(IngestOutcome, Vec<Change>)> {
        let tx = begin(&*self.db()?)?;
        let outcome = Self::ingest_entry_tx(&tx, inp)?;
        if let IngestOutcome::AlreadyIngested { .. } = outcome {
            return Ok((outcome, vec![]));
        }
        tx.commit()?;
        Ok((outcome, ingest_changes(outcome)))
    }

    /// [`Store::ingest_commit`] of several files in one transaction (group commit, issue 19): the
    /// same per-file records, in the order given, then one commit (one fsync of the database for
    /// the whole batch). A file later in `inps` with the content of an earlier one becomes its
    /// duplicate, as if committed one after the other; a source identity recorded before (or
    /// earlier in the batch) gives [`IngestOutcome::AlreadyIngested`] and no change. Returns one
    /// outcome and its changes per input, in order.
    ///
    /// # Errors
    /// Any database error; then nothing of the batch is committed.
    pub fn ingest_commit_batch(
        &self,
        inps: &[IngestInput],
    ) -> Result<Vec<(IngestOutcome, Vec<Change>)>> {
        if inps.is_empty() {
            return Ok(Vec::new());
        }
        let tx = begin(&*self.db()?)?;
        let mut outcomes = Vec::with_capacity(inps.len());
        for inp in inps {
            outcomes.push(Self::ingest_entry_tx(&tx, inp)?);
        }
        let fresh = |o: &IngestOutcome| !matches!(o, IngestOutcome::AlreadyIngested { .. });
        if outcomes.iter().any(fresh) {
            tx.commit()?;
        }
        Ok(outcomes
            .into_iter()
            .map(|o| (o, if fresh(&o) { ingest_changes(o) } else { vec![] }))
            .collect())
    }

    /// The records of one ingested file in `tx`, the body shared by [`Store::ingest_commit`] and
    /// [`Store::ingest_commit_batch`]: the entry (new or duplicate), hash index, blob record,
    /// source record and audit record. [`IngestOutcome::AlreadyIngested`] (source identity
    /// recorded before) writes nothing.
    fn ingest_entry_tx(tx: &WriteTransaction, inp: &IngestInput) -> Result<IngestOutcome> {
        let outcome;
        {
            if let Some(k) = inp.source {
                let t = tx.open_table(SOURCES)?;
                if let Some(id) = t.get((k.dev, k.ino, k.mtime_ns, k.size))? {
                    return Ok(IngestOutcome::AlreadyIngested { id: id.value() });
                }
            }
            let id = next_seq(tx, "entry")?;
            let mut e = Entry::new_scan(id, inp.at, inp.attachment.clone());
            e.suggestions = inp.suggestions.clone();
            e.text_note = inp.text_note.clone();
            let first = tx
                .open_table(HASHES)?
                .get(inp.sha256.as_slice())?
                .map(|v| v.value());
            let mut linked_original = None;
            let (action, detail) = match first {
                Some(of) => {
                    e.status = Status::Duplikat;
                    e.duplicate_of = Some(of);
                    if let Ok(old) = get_entry_tx(tx, of) {
                        let mut o = old.clone();
                        o.duplikat.push(id);
                        o.push_event(
                            inp.at,
                            None,
                            "node",
                            "duplikat_ditautkan",
                            format!("entri {id} berisi sama ({})", inp.origin),
                        );
                        let d = put_entry(tx, Some(&old), &o)?;
                        linked_original = Some((of, d));
                    }
                    e.push_event(
                        inp.at,
                        None,
                        "node",
                        "duplikat",
                        format!("isi sama dengan entri {of} ({})", inp.origin),
                    );
                    outcome = IngestOutcome::Duplicate { id, of };
                    (
                        "ingest.duplicate",
                        format!("{} duplicate of entry {of}", inp.attachment.name),
                    )
                }
                None => {
                    tx.open_table(HASHES)?.insert(inp.sha256.as_slice(), id)?;
                    e.push_event(
                        inp.at,
                        None,
                        "node",
                        "diterima",
                        format!("{} ({})", inp.attachment.name, inp.origin),
                    );
                    outcome = IngestOutcome::New { id };
                    if inp.perlu_ocr {
                        tx.open_table(ocr::OCR_QUEUE)?
                            .insert(id, inp.at.as_microsecond())?;
                    }
                    ("ingest.accept", inp.attachment.name.clone())
                }
            };
            tx.open_table(BLOBS)?
                .insert(inp.sha256.as_slice(), inp.attachment.size)?;
            if let Some(k) = inp.source {
                tx.open_table(SOURCES)?
                    .insert((k.dev, k.ino, k.mtime_ns, k.size), id)?;
            }
            put_text(tx, id, inp, &mut e)?;
            let row = put_entry(tx, None, &e)?;
            let also = linked_original
                .map(|(of, d)| format!(",entry:{of}={d}"))
                .unwrap_or_default();
            audit(
                tx,
                inp.at,
                &Actor::node(),
                action,
                &format!("entry:{id}"),
                &format!("{},entry:{id}={row}{also}", hex::encode(inp.sha256)),
                &detail,
            )?;
        }
        Ok(outcome)
    }

    /// Records a refused file: an alarm and an audit record in one transaction.
    pub fn ingest_refused(
        &self,
        name: &str,
        reason: &str,
        at: Timestamp,
    ) -> Result<(u64, Vec<Change>)> {
        self.raise_alarm(
            "ingest.failed",
            &format!("{name}: {reason}"),
            &format!("file:{name}"),
            at,
        )
    }

    /// Raises an alarm (audited). Returns its id.
    pub fn raise_alarm(
        &self,
        kind: &str,
        message: &str,
        object: &str,
        at: Timestamp,
    ) -> Result<(u64, Vec<Change>)> {
        let tx = begin(&*self.db()?)?;
        let id = next_seq(&tx, "alarm")?;
        let a = Alarm {
            id,
            at,
            kind: kind.into(),
            message: message.into(),
            object: object.into(),
            acked_by: None,
        };
        let bytes = codec::encode(&a);
        tx.open_table(ALARMS)?.insert(id, bytes.as_slice())?;
        // The record's object is what the alarm is about; the row it wrote is named with its digest.
        audit(
            &tx,
            at,
            &Actor::node(),
            kind,
            object,
            &format!("alarm:{id}={}", digest_of(&bytes)),
            message,
        )?;
        tx.commit()?;
        Ok((id, vec![Change::Alarm { id }]))
    }

    /// Alarms; `open_only` leaves out acknowledged ones. Newest first.
    pub fn alarms(&self, open_only: bool) -> Result<Vec<Alarm>> {
        let tx = self.db()?.begin_read()?;
        let t = tx.open_table(ALARMS)?;
        let mut out = Vec::new();
        for r in t.iter()?.rev() {
            let (_, v) = r?;
            let a: Alarm = codec::decode(v.value()).map_err(StoreError::Db)?;
            if !open_only || a.acked_by.is_none() {
                out.push(a);
            }
        }
        Ok(out)
    }

    /// Acknowledges an alarm (audited; the alarm stays on record).
    pub fn ack_alarm(&self, actor: &Actor, id: u64, at: Timestamp) -> Result<Vec<Change>> {
        let tx = begin(&*self.db()?)?;
        {
            let mut t = tx.open_table(ALARMS)?;
            let mut a: Alarm = match t.get(id)? {
                Some(v) => codec::decode(v.value()).map_err(StoreError::Db)?,
                None => return Err(StoreError::NotFound(format!("alarm {id}"))),
            };
            if a.acked_by.is_some() {
                return Err(StoreError::Rule(format!(
                    "alarm {id} is already acknowledged"
                )));
            }
            a.acked_by = Some(actor.name.clone());
            let bytes = codec::encode(&a);
            t.insert(id, bytes.as_slice())?;
            audit(
                &tx,
                at,
                actor,
                "alarm.ack",
                &format!("alarm:{id}"),
                &digest_of(&bytes),
                &a.message,
            )?;
        }
        tx.commit()?;
        Ok(vec![Change::Alarm { id }])
    }

    /// Settles every open alarm whose object starts with `prefix` (an incident's SLA alarms when it
    /// is closed, voided or merged), in one transaction: each is marked acknowledged by `by` and
    /// audited (`alarm.selesai`). Returns the changes (none when nothing was open).
    pub fn settle_alarms(&self, prefix: &str, by: &str, at: Timestamp) -> Result<Vec<Change>> {
        // Most calls find nothing open: look first, write (and fsync) only when there is something.
        if !self
            .alarms(true)?
            .iter()
            .any(|a| a.object.starts_with(prefix))
        {
            return Ok(Vec::new());
        }
        let tx = begin(&*self.db()?)?;
        let mut changes = Vec::new();
        {
            let mut t = tx.open_table(ALARMS)?;
            let mut open = Vec::new();
            for r in t.iter()? {
                let (k, v) = r?;
                let a: Alarm = codec::decode(v.value()).map_err(StoreError::Db)?;
                if a.acked_by.is_none() && a.object.starts_with(prefix) {
                    open.push((k.value(), a));
                }
            }
            for (id, mut a) in open {
                a.acked_by = Some(by.to_string());
                let bytes = codec::encode(&a);
                t.insert(id, bytes.as_slice())?;
                audit(
                    &tx,
                    at,
                    &Actor::node(),
                    "alarm.selesai",
                    &format!("alarm:{id}"),
                    &digest_of(&bytes),
                    by,
                )?;
                changes.push(Change::Alarm { id });
            }
        }
        tx.commit()?;
        Ok(changes)
    }

    /// Applies a domain transition to an entry in one transaction with its audit record.
    /// `f` receives the entry and a nomor allocator `(book, year) → next nomor` usable at most as needed.
    pub fn update_entry<F>(
        &self,
        id: u64,
        actor: &Actor,
        action: &str,
        at: Timestamp,
        f: F,
    ) -> Result<(Entry, Vec<Change>)>
    where
        F: FnOnce(
            &mut Entry,
            &mut dyn FnMut(Book, i16) -> Result<u64>,
        ) -> std::result::Result<String, StoreError>,
    {
        let tx = begin(&*self.db()?)?;
        let e = {
            let old = get_entry_tx(&tx, id)?;
            let mut e = old.clone();
            let mut alloc = |b: Book, y: i16| alloc_nomor(&tx, b, y, id);
            let detail = f(&mut e, &mut alloc)?;
            let digest = put_entry(&tx, Some(&old), &e)?;
            audit(
                &tx,
                at,
                actor,
                action,
                &format!("entry:{id}"),
                &digest,
                &detail,
            )?;
            e
        };
        tx.commit()?;
        Ok((e, vec![Change::Entry { id }]))
    }

    /// Appends files to entry `id` (`kasa agenda attach`, issue 14): the attachments with their
    /// jenis, one `dilampirkan` timeline event ([`Entry::attach`]), the blob records and one audit
    /// record (`agenda.attach`, naming the blobs and the row digest), in one transaction. `atts`:
    /// (SHA-256, attachment) pairs whose blobs are already in the blob store. Errors: no such entry
    /// ([`StoreError::NotFound`]), a void or duplikat entry ([`StoreError::Rule`]), database.
    pub fn attach(
        &self,
        id: u64,
        atts: &[([u8; 32], Attachment)],
        actor: &Actor,
        at: Timestamp,
    ) -> Result<(Entry, Vec<Change>)> {
        let tx = begin(&*self.db()?)?;
        let e = {
            let old = get_entry_tx(&tx, id)?;
            let mut e = old.clone();
            e.attach(
                atts.iter().map(|(_, a)| a.clone()).collect(),
                None,
                at,
                actor.uid,
                &actor.name,
            )?;
            {
                let mut blobs = tx.open_table(BLOBS)?;
                for (sha, a) in atts {
                    blobs.insert(sha.as_slice(), a.size)?;
                }
            }
            let row = put_entry(&tx, Some(&old), &e)?;
            let hashes: Vec<String> = atts.iter().map(|(s, _)| hex::encode(s)).collect();
            let names: Vec<String> = atts
                .iter()
                .map(|(_, a)| format!("{} ({}, {} B)", a.name, a.jenis.as_str(), a.size))
                .collect();
            audit(
                &tx,
                at,
                actor,
                "agenda.attach",
                &format!("entry:{id}"),
                &format!("{},entry:{id}={row}", hashes.join(",")),
                &names.join(", "),
            )?;
            e
        };
        tx.commit()?;
        Ok((e, vec![Change::Entry { id }]))
    }

    /// Commits a file from the outgoing drop folder (`drop_keluar/`, issue 14) in one transaction,
    /// idempotent on the source identity like [`Store::ingest_commit`]: with `attach_to` still an
    /// open outgoing entry (keluar or kriptogram-keluar, draft or diagendakan) the file becomes its
    /// attachment (jenis surat, event `dilampirkan … dari ORIGIN`, audit `ingest.keluar_attach`);
    /// otherwise a new keluar draft with `fields` (event `draft` `dari ORIGIN`, audit
    /// `ingest.keluar_draft`) holding the file and its extracted text. Returns
    /// [`IngestOutcome::New`] with the id of the entry now holding the file (the existing one when
    /// attached), or `AlreadyIngested` for a source committed before. Errors: database.
    pub fn keluar_drop_commit(
        &self,
        inp: &IngestInput,
        attach_to: Option<u64>,
        fields: &RegisterFields,
    ) -> Result<(IngestOutcome, Vec<Change>)> {
        let tx = begin(&*self.db()?)?;
        let id;
        {
            if let Some(k) = inp.source {
                let t = tx.open_table(SOURCES)?;
                if let Some(id) = t.get((k.dev, k.ino, k.mtime_ns, k.size))? {
                    return Ok((IngestOutcome::AlreadyIngested { id: id.value() }, vec![]));
                }
            }
            let open = match attach_to {
                Some(t) => get_entry_tx(&tx, t).ok().filter(|e| {
                    matches!(e.book, Book::Keluar | Book::KriptogramKeluar)
                        && matches!(e.status, Status::Draft | Status::Diagendakan)
                }),
                None => None,
            };
            let (row, action, detail) = match open {
                Some(old) => {
                    id = old.id;
                    let mut e = old.clone();
                    e.attach(
                        vec![inp.attachment.clone()],
                        Some(&inp.origin),
                        inp.at,
                        None,
                        "node",
                    )?;
                    (
                        put_entry(&tx, Some(&old), &e)?,
                        "ingest.keluar_attach",
                        format!("{} dilampirkan ke entri {id}", inp.attachment.name),
                    )
                }
                None => {
                    id = next_seq(&tx, "entry")?;
                    let mut e = Entry::new_keluar_dari_berkas(
                        id,
                        fields,
                        inp.attachment.clone(),
                        inp.at,
                        &inp.origin,
                    );
                    e.suggestions = inp.suggestions.clone();
                    e.text_note = inp.text_note.clone();
                    put_text(&tx, id, inp, &mut e)?;
                    if inp.perlu_ocr {
                        tx.open_table(ocr::OCR_QUEUE)?
                            .insert(id, inp.at.as_microsecond())?;
                    }
                    (
                        put_entry(&tx, None, &e)?,
                        "ingest.keluar_draft",
                        format!("{} menjadi draf keluar", inp.attachment.name),
                    )
                }
            };
            {
                let mut hashes = tx.open_table(HASHES)?;
                if hashes.get(inp.sha256.as_slice())?.is_none() {
                    hashes.insert(inp.sha256.as_slice(), id)?;
                }
            }
            tx.open_table(BLOBS)?
                .insert(inp.sha256.as_slice(), inp.attachment.size)?;
            if let Some(k) = inp.source {
                tx.open_table(SOURCES)?
                    .insert((k.dev, k.ino, k.mtime_ns, k.size), id)?;
            }
            audit(
                &tx,
                inp.at,
                &Actor::node(),
                action,
                &format!("entry:{id}"),
                &format!("{},entry:{id}={row}", hex::encode(inp.sha256)),
                &detail,
            )?;
        }
        tx.commit()?;
        Ok((IngestOutcome::New { id }, vec![Change::Entry { id }]))
    }

    /// Applies a transition that changes two entries (a duplicate and its original) in one transaction
    /// with one audit record naming both rows' digests (`entry:A=…,entry:B=…`).
    pub fn update_pair<F>(
        &self,
        id: u64,
        other: u64,
        actor: &Actor,
        action: &str,
        at: Timestamp,
        f: F,
    ) -> Result<(Entry, Entry, Vec<Change>)>
    where
        F: FnOnce(&mut Entry, &mut Entry) -> std::result::Result<String, StoreError>,
    {
        let tx = begin(&*self.db()?)?;
        let (a, b) = {
            let (old_a, old_b) = (get_entry_tx(&tx, id)?, get_entry_tx(&tx, other)?);
            let (mut a, mut b) = (old_a.clone(), old_b.clone());
            let detail = f(&mut a, &mut b)?;
            let da = put_entry(&tx, Some(&old_a), &a)?;
            let db = put_entry(&tx, Some(&old_b), &b)?;
            audit(
                &tx,
                at,
                actor,
                action,
                &format!("entry:{id}"),
                &format!("entry:{id}={da},entry:{other}={db}"),
                &detail,
            )?;
            (a, b)
        };
        tx.commit()?;
        Ok((
            a,
            b,
            vec![Change::Entry { id }, Change::Entry { id: other }],
        ))
    }

    /// Registers a `baru` masuk entry: allocates the next nomor agenda of (book, `tahun`) in the same
    /// transaction (gapless, never reused) and applies [`Entry::register`]. `dicocokkan`: the result of
    /// the cross-channel check (003 SOP C langkah 3) as text and candidate ids, recorded as a `dicocokkan`
    /// event and [`Entry::mungkin_sama`] in the same transaction.
    #[allow(clippy::too_many_arguments)]
    pub fn register(
        &self,
        id: u64,
        fields: &RegisterFields,
        tahun: i16,
        batas_waktu: Option<Timestamp>,
        dicocokkan: Option<(String, Vec<u64>)>,
        op: &Operator,
        at: Timestamp,
    ) -> Result<(Entry, Vec<Change>)> {
        self.update_entry(
            id,
            &Actor::operator(op),
            "agenda.register",
            at,
            |e, alloc| {
                e.check_registrable()?;
                let n = alloc(e.book, tahun)?;
                e.register(fields, tahun, n, batas_waktu, at, op)?;
                if let Some((d, ids)) = dicocokkan {
                    e.push_event(at, Some(op.uid), &op.nama, "dicocokkan", d);
                    e.mungkin_sama = ids;
                }
                Ok(format!("nomor agenda {n}/{tahun} {}", e.book.as_str()))
            },
        )
    }

    /// Creates a keluar draft (book keluar or kriptogram-keluar). Audited.
    pub fn keluar_new(
        &self,
        fields: &RegisterFields,
        dari: Option<&Entry>,
        op: &Operator,
        at: Timestamp,
    ) -> Result<(Entry, Vec<Change>)> {
        let tx = begin(&*self.db()?)?;
        let e = {
            let id = next_seq(&tx, "entry")?;
            let mut e = Entry::new_keluar(id, fields, at, op);
            if let Some(src) = dari {
                // A forward: the same stored files (blobs are shared by hash), named in the timeline.
                e.attachments = src.attachments.clone();
                e.push_event(
                    at,
                    Some(op.uid),
                    &op.nama,
                    "catatan",
                    format!(
                        "diteruskan dari entri {} ({} berkas)",
                        src.id,
                        src.attachments.len()
                    ),
                );
            }
            let digest = put_entry(&tx, None, &e)?;
            audit(
                &tx,
                at,
                &Actor::operator(op),
                "keluar.draft",
                &format!("entry:{id}"),
                &digest,
                &e.perihal,
            )?;
            e
        };
        tx.commit()?;
        let id = e.id;
        Ok((e, vec![Change::Entry { id }]))
    }

    // ---------------------------------------------------------------- drafts

    /// Saves a console draft for `uid` under `key` (e.g. `register:17`).
    pub fn draft_put(&self, uid: u32, key: &str, data: &[u8]) -> Result<()> {
        let tx = begin(&*self.db()?)?;
        tx.open_table(DRAFTS)?.insert((uid, key), data)?;
        tx.commit()?;
        Ok(())
    }

    /// The drafts of `uid` as `(key, data)`.
    pub fn drafts(&self, uid: u32) -> Result<Vec<(String, Vec<u8>)>> {
        let tx = self.db()?.begin_read()?;
        let t = tx.open_table(DRAFTS)?;
        let mut out = Vec::new();
        for r in t.range((uid, "")..(uid.saturating_add(1), ""))? {
            let (k, v) = r?;
            if k.value().0 == uid {
                out.push((k.value().1.to_string(), v.value().to_vec()));
            }
        }
        Ok(out)
    }

    /// Deletes a draft (after its form was confirmed or discarded).
    pub fn draft_delete(&self, uid: u32, key: &str) -> Result<()> {
        let tx = begin(&*self.db()?)?;
        tx.open_table(DRAFTS)?.remove((uid, key))?;
        tx.commit()?;
        Ok(())
    }

    // ---------------------------------------------------------------- audit

    /// Recomputes the whole audit chain; the report names the first bad seq if any.
    pub fn audit_verify(&self) -> Result<AuditReport> {
        let tx = self.db()?.begin_read()?;
        let t = tx.open_table(AUDIT)?;
        let mut v = ChainVerifier::default();
        let mut n = 0;
        for r in t.iter()? {
            let (k, val) = r?;
            n += 1;
            let rec: AuditRecord = match codec::decode(val.value()) {
                Ok(r) => r,
                Err(e) => {
                    let (hs, hh) = v.head();
                    return Ok(AuditReport::of((hs, hh), n, Some(k.value()), Some(e)));
                }
            };
            if let Err(b) = v.push(&rec) {
                let (hs, hh) = v.head();
                let problem = match b {
                    ChainBreak::Gap { seq, expected_seq } => {
                        format!("record {seq} found where {expected_seq} was expected")
                    }
                    ChainBreak::PrevMismatch { seq } => {
                        format!("record {seq} does not chain onto record {}", seq - 1)
                    }
                    ChainBreak::HashMismatch { seq } => {
                        format!("record {seq} was altered: its hash does not match its content")
                    }
                };
                return Ok(AuditReport::of((hs, hh), n, Some(b.seq()), Some(problem)));
            }
        }
        let meta = tx.open_table(META)?;
        let (hs, hh) = v.head();
        if meta.get("audit_head")?.is_none() && n > 0 {
            return Ok(AuditReport::of(
                (hs, hh),
                n,
                Some(hs + 1),
                Some("the audit head (meta.audit_head) is missing".into()),
            ));
        }
        if let Some(problem) = self.check_rows(&tx)? {
            return Ok(AuditReport::of((hs, hh), n, None, Some(problem)));
        }
        if let Some(head) = meta.get("audit_head")? {
            let b = head.value();
            if b.len() == 40
                && (u64::from_be_bytes(b[..8].try_into().unwrap_or_default()) != hs || b[8..] != hh)
            {
                return Ok(AuditReport::of(
                    (hs, hh),
                    n,
                    Some(hs + 1),
                    Some(
                        "records after the last verified one are missing (chain truncated)".into(),
                    ),
                ));
            }
        }
        Ok(AuditReport::of((hs, hh), n, None, None))
    }

    /// Compares the current rows of `entries`, `operators` and `alarms` with the digests recorded by the
    /// audit records that wrote them (the latest record naming the row: its `object`, or an
    /// `object=digest` item of a record's comma-separated digest list). A row edited, added or
    /// restored outside kasa differs. Returns the first problem.
    fn check_rows(&self, tx: &redb::ReadTransaction) -> Result<Option<String>> {
        let expected = expected_row_digests(&tx.open_table(AUDIT)?)?;
        let check = |obj: String, bytes: &[u8]| -> Option<String> {
            let got = digest_of(bytes);
            match expected.get(&obj) {
                Some((d, _)) if *d == got => None,
                Some((_, seq)) => Some(format!(
                    "{obj} differs from what audit record {seq} wrote (edited outside kasa)"
                )),
                None => Some(format!("{obj} was written without an audit record")),
            }
        };
        for r in tx.open_table(ENTRIES)?.iter()? {
            let (k, v) = r?;
            if let Some(p) = check(format!("entry:{}", k.value()), v.value()) {
                return Ok(Some(p));
            }
        }
        for r in tx.open_table(OPERATORS)?.iter()? {
            let (k, v) = r?;
            if let Some(p) = check(format!("operator:{}", k.value()), v.value()) {
                return Ok(Some(p));
            }
        }
        for r in tx.open_table(ALARMS)?.iter()? {
            let (k, v) = r?;
            if let Some(p) = check(format!("alarm:{}", k.value()), v.value()) {
                return Ok(Some(p));
            }
        }
        Ok(None)
    }

    /// The audit record `seq`, if present.
    pub fn audit_record(&self, seq: u64) -> Result<Option<AuditRecord>> {
        self.get_decoded(AUDIT, seq)
    }

    /// The chain head `(seq, hash)` from `meta.audit_head`; `None` when absent.
    pub fn audit_head(&self) -> Result<Option<(u64, [u8; 32])>> {
        let tx = self.db()?.begin_read()?;
        let meta = tx.open_table(META)?;
        Ok(meta.get("audit_head")?.and_then(|v| {
            let b = v.value();
            (b.len() == 40).then(|| {
                let mut h = [0u8; 32];
                h.copy_from_slice(&b[8..40]);
                (u64::from_be_bytes(b[..8].try_into().unwrap_or_default()), h)
            })
        }))
    }

    /// Number of audit records.
    pub fn audit_len(&self) -> Result<u64> {
        let tx = self.db()?.begin_read()?;
        Ok(tx.open_table(AUDIT)?.len()?)
    }

    /// The last `n` audit records, newest last.
    pub fn audit_tail(&self, n: usize) -> Result<Vec<AuditRecord>> {
        let tx = self.db()?.begin_read()?;
        let t = tx.open_table(AUDIT)?;
        let mut out: Vec<AuditRecord> = Vec::new();
        for r in t.iter()?.rev().take(n) {
            let (_, v) = r?;
            out.push(codec::decode(v.value()).map_err(StoreError::Db)?);
        }
        out.reverse();
        Ok(out)
    }

    /// Audit records whose object is `object` (e.g. `entry:17`), oldest first.
    pub fn audit_for(&self, object: &str) -> Result<Vec<AuditRecord>> {
        let tx = self.db()?.begin_read()?;
        let t = tx.open_table(AUDIT)?;
        let mut out = Vec::new();
        for r in t.iter()? {
            let (_, v) = r?;
            let rec: AuditRecord = codec::decode(v.value()).map_err(StoreError::Db)?;
            if rec.object == object {
                out.push(rec);
            }
        }
        Ok(out)
    }

    /// Test hook: overwrites one audit record's detail without rehashing (simulates tampering).
    pub fn tamper_audit_for_test(&self, seq: u64, detail: &str) -> Result<()> {
        let tx = begin(&*self.db()?)?;
        {
            let mut t = tx.open_table(AUDIT)?;
            let mut rec: AuditRecord = match t.get(seq)? {
                Some(v) => codec::decode(v.value()).map_err(StoreError::Db)?,
                None => return Err(StoreError::NotFound(format!("audit record {seq}"))),
            };
            rec.detail = detail.into();
            t.insert(seq, codec::encode(&rec).as_slice())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Number of entries in all books.
    pub fn entry_count(&self) -> Result<u64> {
        let tx = self.db()?.begin_read()?;
        Ok(tx.open_table(ENTRIES)?.len()?)
    }

    /// Bulk-loads synthetic registered entries (benchmarks and load tests only): `n` entries into `book`,
    /// in batches, each batch one transaction with one audit record.
    pub fn bulk_load_for_bench(&self, book: Book, n: u64, start: Timestamp) -> Result<()> {
        let mut done = 0;
        while done < n {
            let batch = (n - done).min(20_000);
            let mut tx = self.db()?.begin_write()?;
            tx.set_durability(Durability::None)?;
            {
                for i in 0..batch {
                    let id = next_seq(&tx, "entry")?;
                    let at = start
                        .checked_add(jiff::SignedDuration::from_secs((done + i) as i64))
                        .unwrap_or(start);
                    let mut e = Entry::new_scan(
                        id,
                        at,
                        Attachment {
                            sha256: format!("{id:064x}"),
                            name: format!("scan-{id}.pdf"),
                            mime: "application/pdf".into(),
                            size: 1000,
                            pages: Some(1),
                            encrypted_at_rest: false,
                            jenis: Default::default(),
                        },
                    );
                    e.book = book;
                    // Varied like a real book: 40 perihal, 30 senders, four klasifikasi, one
                    // nomor surat each (so every filter kind has its realistic selectivity).
                    const POKOK: [&str; 8] = [
                        "Undangan rapat koordinasi",
                        "Laporan pengamanan informasi",
                        "Permohonan kunci sandi",
                        "Pemberitahuan jadwal pemeliharaan palsan",
                        "Surat edaran keamanan siber",
                        "Nota dinas persandian",
                        "Permintaan data statistik sektoral",
                        "Penyampaian hasil monitoring",
                    ];
                    const WILAYAH: [&str; 5] = [
                        "Kabupaten",
                        "Provinsi",
                        "Kecamatan",
                        "Kelurahan",
                        "Nasional",
                    ];
                    const ASAL: [&str; 6] = [
                        "Diskominfo",
                        "BSSN",
                        "Sekretariat Daerah",
                        "Inspektorat",
                        "BPBD",
                        "Dinas Kesehatan",
                    ];
                    e.perihal = format!(
                        "{} {} tahap {}",
                        POKOK[(id % 8) as usize],
                        WILAYAH[(id / 8 % 5) as usize],
                        id % 97
                    );
                    e.asal = format!(
                        "{} {}",
                        ASAL[(id % 6) as usize],
                        WILAYAH[(id / 6 % 5) as usize]
                    );
                    e.nomor_surat = format!(
                        "{:03}/{id}/{}/2026",
                        100 + id % 900,
                        ["Kominfo", "BSSN", "Setda"][(id % 3) as usize]
                    );
                    e.klasifikasi = Some(Klasifikasi::ALL[(id % 4) as usize]);
                    // Like a book kept for years: all but the newest 1,000 archived; of those,
                    // one in ten still an untriaged scan.
                    e.status = if done + i < n.saturating_sub(1000) {
                        Status::Diarsipkan
                    } else if id % 10 == 0 {
                        Status::Baru
                    } else {
                        Status::Teragenda
                    };
                    if e.status != Status::Baru {
                        e.nomor_agenda = Some(alloc_nomor(&tx, book, 2026, id)?);
                        e.tahun = Some(2026);
                    }
                    put_entry(&tx, None, &e)?;
                }
                audit(
                    &tx,
                    start,
                    &Actor::node(),
                    "bench.load",
                    book.as_str(),
                    "",
                    &format!("{batch} entries"),
                )?;
            }
            tx.commit()?;
            done += batch;
        }
        let tx = begin(&*self.db()?)?;
        audit(
            &tx,
            start,
            &Actor::node(),
            "bench.load.done",
            book.as_str(),
            "",
            "",
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// Opens table `def` of a read transaction; `None` when the table was never created (a store written
/// before the table existed, or nothing recorded yet). Errors: the database's.
pub(crate) fn optional_table<K: redb::Key + 'static, V: redb::Value + 'static>(
    tx: &redb::ReadTransaction,
    def: TableDefinition<K, V>,
) -> Result<Option<redb::ReadOnlyTable<K, V>>> {
    match tx.open_table(def) {
        Ok(t) => Ok(Some(t)),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
