//! Backup dump and load of the database (issue 17; redb has no backup API: its maintainer's advice is to
//! back up from inside the process in a read transaction, never to copy the file while it is written).
//!
//! - [`Store::backup_snapshot`] opens one read transaction ([`Snapshot`]); every table is dumped from it
//!   record by record as redb's own key and value bytes (`Key::as_bytes` / `Value::as_bytes`), so the
//!   dump is logical (independent of the file's page layout) and the load is exact. Read transactions
//!   never block writers (MVCC): the node keeps taking writes while a backup runs.
//! - [`Loader`] rebuilds a new database file from such a dump, in one write transaction.
//! - The backup log (`backup_log`, PI.01 V.3) and the index of pieces already written to each backup
//!   directory (`backup_pieces`, what makes a run incremental without the passphrase) live here too.
//!
//! Every table of kasa must be listed in [`known_tables!`]: a table the dump does not know makes the
//! backup fail with its name (never a silent partial backup).

use super::optional_table;
use std::collections::HashMap;
use std::path::Path;

use jiff::Timestamp;
use redb::{
    Database, Durability, Key, MultimapTableHandle, ReadTransaction, ReadableDatabase,
    ReadableTable, TableDefinition, TableHandle, Value,
};
use serde::{Deserialize, Serialize};

use super::{
    ALARMS, AUDIT, Actor, BLOBS, COUNTS, Change, DRAFTS, ENTRIES, ENTRY_TEXT, HASHES, IDX_BOOK,
    IDX_BOOK_STATUS, META, NOMOR_COUNTER, NOMOR_INDEX, OPERATORS, Result, SEQ, SOURCES, Store,
    StoreError, audit, begin, codec, digest_of, next_seq,
};
use crate::domain::Entry;
use crate::domain::backup::{BackupRun, Hasil, JenisKegagalan, decode_chunk};

/// The backup log: run id → [`BackupRun`].
const BACKUP_LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("backup_log");
/// (backup directory id, piece key) → [`PieceIndex`]: what this node already wrote there.
const BACKUP_PIECES: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("backup_pieces");

// Tables of the other store areas (same names and types as their own definitions; a mismatch is a
// redb `TableTypeMismatch` caught by the backup tests).
const PALSAN_ITEMS: TableDefinition<u64, &[u8]> = TableDefinition::new("palsan_items");
const PALSAN_CASES: TableDefinition<u64, &[u8]> = TableDefinition::new("palsan_perbaikan");
const PALSAN_KUNCI: TableDefinition<u64, &[u8]> = TableDefinition::new("palsan_kunci");
const PALSAN_META: TableDefinition<&str, &[u8]> = TableDefinition::new("palsan_meta");
const INSIDEN: TableDefinition<u64, &[u8]> = TableDefinition::new("insiden");
const PEERS: TableDefinition<&str, &[u8]> = TableDefinition::new("peers");
const KGM_LEDGER: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("kgm_ledger");
const DISPOSISI: TableDefinition<u64, &[u8]> = TableDefinition::new("disposisi");
const DISPOSISI_BY_ENTRY: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("disposisi_by_entry");

/// Calls `$m!(DEF)` for every table kasa has. Add a new table here (the backup test fails otherwise).
macro_rules! known_tables {
    ($m:ident) => {{
        $m!(META);
        $m!(SEQ);
        $m!(ENTRIES);
        $m!(ENTRY_TEXT);
        $m!((super::ENTRY_SEALED));
        $m!(IDX_BOOK);
        $m!(IDX_BOOK_STATUS);
        $m!(COUNTS);
        $m!(NOMOR_COUNTER);
        $m!(NOMOR_INDEX);
        $m!(HASHES);
        $m!(BLOBS);
        $m!(SOURCES);
        $m!(AUDIT);
        $m!(OPERATORS);
        $m!(ALARMS);
        $m!(DRAFTS);
        $m!((super::atrest::PENDING));
        $m!(PALSAN_ITEMS);
        $m!(PALSAN_CASES);
        $m!(PALSAN_KUNCI);
        $m!(PALSAN_META);
        $m!(INSIDEN);
        $m!(PEERS);
        $m!(KGM_LEDGER);
        $m!(DISPOSISI);
        $m!(DISPOSISI_BY_ENTRY);
        $m!((super::link::LINK_ADDR));
        $m!((super::link::LINK_OUTBOX));
        $m!((super::link::LINK_SENT));
        $m!((super::link::LINK_INBOX));
        $m!((super::link::KGM_RECEIPTS));
        $m!(BACKUP_LOG);
        $m!(BACKUP_PIECES);
        $m!((super::checkpoint::CHECKPOINTS));
        $m!((super::ocr::OCR_QUEUE));
        $m!((super::saring::IDX_KATA));
        $m!((super::saring::KATA));
        $m!((super::saring::IDX_KLAS));
        $m!((super::saring::COUNTS_KLAS));
    }};
}

/// Name and redb type names of one table in a dump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableMeta {
    pub name: String,
    pub key_type: String,
    pub value_type: String,
}

fn meta_of<K: Key + 'static, V: Value + 'static>(def: TableDefinition<K, V>) -> TableMeta {
    TableMeta {
        name: def.name().to_string(),
        key_type: K::type_name().name().to_string(),
        value_type: V::type_name().name().to_string(),
    }
}

/// Every table this kasa knows, with its types.
pub fn known_table_metas() -> Vec<TableMeta> {
    let mut v = Vec::new();
    macro_rules! push {
        ($d:expr) => {
            v.push(meta_of($d))
        };
    }
    known_tables!(push);
    v
}

/// What the node wrote for one piece key into one backup directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PieceIndex {
    /// Piece file hash.
    pub piece: String,
    /// Piece file size.
    pub size: u64,
}

/// One consistent view of the database (one redb read transaction).
pub struct Snapshot {
    tx: ReadTransaction,
}

type Sink<'a> = dyn FnMut(&[u8], &[u8]) -> std::result::Result<(), String> + 'a;

fn dump_one<K: Key + 'static, V: Value + 'static>(
    tx: &ReadTransaction,
    def: TableDefinition<K, V>,
    sink: &mut Sink<'_>,
) -> Result<u64> {
    let Some(t) = optional_table(tx, def)? else {
        return Ok(0);
    };
    let mut n = 0;
    for r in t.iter()? {
        let (k, v) = r?;
        let kv = k.value();
        let vv = v.value();
        let kb = K::as_bytes(&kv);
        let vb = V::as_bytes(&vv);
        sink(kb.as_ref(), vb.as_ref()).map_err(StoreError::Db)?;
        n += 1;
    }
    Ok(n)
}

impl Snapshot {
    /// The audit head `(seq, hex hash)` of this snapshot (`(0, genesis)` on an empty chain).
    pub fn audit_head(&self) -> Result<(u64, String)> {
        let meta = self.tx.open_table(META)?;
        Ok(match meta.get("audit_head")? {
            Some(v) if v.value().len() == 40 => {
                let b = v.value();
                (
                    u64::from_be_bytes(b[..8].try_into().unwrap_or_default()),
                    hex::encode(&b[8..40]),
                )
            }
            _ => (0, hex::encode(crate::domain::GENESIS_HASH)),
        })
    }

    /// `meta.schema_version`.
    pub fn schema_version(&self) -> Result<u64> {
        let meta = self.tx.open_table(META)?;
        Ok(meta
            .get("schema_version")?
            .and_then(|v| v.value().try_into().ok().map(u64::from_be_bytes))
            .unwrap_or(0))
    }

    /// A meta string (`node_id`, `node_name`).
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        let meta = self.tx.open_table(META)?;
        Ok(meta
            .get(key)?
            .map(|v| String::from_utf8_lossy(v.value()).into_owned()))
    }

    /// The tables present in this snapshot, in dump order. Errors name a table this kasa does not
    /// know how to dump (a new table missing from `known_tables!`), or a multimap table.
    pub fn tables(&self) -> Result<Vec<TableMeta>> {
        let known = known_table_metas();
        let present: Vec<String> = self
            .tx
            .list_tables()?
            .map(|h| h.name().to_string())
            .collect();
        if let Some(h) = self.tx.list_multimap_tables()?.next() {
            return Err(StoreError::Db(format!(
                "multimap table '{}' cannot be backed up by this kasa: report it as a bug",
                h.name()
            )));
        }
        for p in &present {
            if !known.iter().any(|k| &k.name == p) {
                return Err(StoreError::Db(format!(
                    "table '{p}' is not known to the backup: this kasa cannot back it up completely; report it as a bug (add it to store/backup.rs)"
                )));
            }
        }
        Ok(known
            .into_iter()
            .filter(|k| present.contains(&k.name))
            .collect())
    }

    /// Feeds every record of table `name` (in key order) to `sink` as redb key and value bytes.
    /// Returns the record count.
    pub fn dump(&self, name: &str, sink: &mut Sink<'_>) -> Result<u64> {
        let mut out = None;
        macro_rules! one {
            ($d:expr) => {
                if out.is_none() && $d.name() == name {
                    out = Some(dump_one(&self.tx, $d, sink));
                }
            };
        }
        known_tables!(one);
        out.unwrap_or_else(|| Err(StoreError::NotFound(format!("table {name}"))))
    }

    /// Every entry (for the four sets of SOP 001).
    pub fn entries(&self) -> Result<Vec<Entry>> {
        let t = self.tx.open_table(ENTRIES)?;
        let mut out = Vec::new();
        for r in t.iter()? {
            let (_, v) = r?;
            out.push(codec::decode(v.value()).map_err(StoreError::Db)?);
        }
        Ok(out)
    }

    /// Every recorded blob `(sha256, size)`.
    pub fn blobs(&self) -> Result<Vec<([u8; 32], u64)>> {
        let t = self.tx.open_table(BLOBS)?;
        let mut out = Vec::new();
        for r in t.iter()? {
            let (k, v) = r?;
            if let Ok(h) = <[u8; 32]>::try_from(k.value()) {
                out.push((h, v.value()));
            }
        }
        Ok(out)
    }
}

fn load_one<K: Key + 'static, V: Value + 'static>(
    tx: &redb::WriteTransaction,
    def: TableDefinition<K, V>,
    records: &[(&[u8], &[u8])],
) -> Result<()> {
    let mut t = tx.open_table(def)?;
    for (k, v) in records {
        t.insert(K::from_bytes(k), V::from_bytes(v))?;
    }
    Ok(())
}

/// Rebuilds a database from a dump: created new at a path that must not exist, filled in one write
/// transaction, committed durably by [`Loader::finish`].
pub struct Loader {
    db: Database,
    tx: Option<redb::WriteTransaction>,
    known: Vec<TableMeta>,
}

impl Loader {
    /// Creates the new database file. Errors when `path` exists.
    pub fn create(path: &Path) -> Result<Loader> {
        if path.exists() {
            return Err(StoreError::Rule(format!(
                "{} exists: a restore never writes over a database",
                path.display()
            )));
        }
        let db = Database::create(path).map_err(|e| StoreError::Db(e.to_string()))?;
        let mut tx = db.begin_write()?;
        tx.set_durability(Durability::Immediate)?;
        Ok(Loader {
            db,
            tx: Some(tx),
            known: known_table_metas(),
        })
    }

    /// Checks that table `t` of a dump is known with the same types. Errors name the table.
    pub fn check_table(&self, t: &TableMeta) -> Result<()> {
        match self.known.iter().find(|k| k.name == t.name) {
            None => Err(StoreError::Rule(format!(
                "table '{}' of the backup is unknown to this kasa: restore with the kasa version that made the backup",
                t.name
            ))),
            Some(k) if k != t => Err(StoreError::Rule(format!(
                "table '{}' has types {}→{} in the backup but {}→{} in this kasa",
                t.name, t.key_type, t.value_type, k.key_type, k.value_type
            ))),
            Some(_) => Ok(()),
        }
    }

    /// Inserts one decoded chunk (the plaintext of a table piece) into table `name`. Returns its
    /// record count. Errors on a malformed chunk or an unknown table.
    pub fn insert_chunk(&mut self, name: &str, chunk: &[u8]) -> Result<u64> {
        let recs = decode_chunk(chunk).map_err(StoreError::Rule)?;
        let tx = self
            .tx
            .as_ref()
            .ok_or_else(|| StoreError::Db("loader finished".into()))?;
        let mut done = None;
        macro_rules! one {
            ($d:expr) => {
                if done.is_none() && $d.name() == name {
                    done = Some(load_one(tx, $d, &recs));
                }
            };
        }
        known_tables!(one);
        done.unwrap_or_else(|| Err(StoreError::NotFound(format!("table {name}"))))?;
        Ok(recs.len() as u64)
    }

    /// Commits the transaction durably and closes the database.
    pub fn finish(mut self) -> Result<()> {
        if let Some(tx) = self.tx.take() {
            tx.commit()?;
        }
        drop(self.db);
        Ok(())
    }
}

/// A snapshot of a database file opened read-only (the node's own database before a migration: the
/// backup of PI.01 V.2 runs before anything is written).
pub struct FileSnapshot {
    pub snapshot: Snapshot,
    _db: redb::ReadOnlyDatabase,
}

/// Opens `path` read-only and takes a snapshot. Errors when it is open elsewhere.
pub fn snapshot_of_file(path: &Path) -> Result<FileSnapshot> {
    let db = redb::ReadOnlyDatabase::open(path)
        .map_err(|e| StoreError::Db(format!("{}: {e}", path.display())))?;
    let tx = db.begin_read()?;
    Ok(FileSnapshot {
        snapshot: Snapshot { tx },
        _db: db,
    })
}

/// `meta.schema_version` of the database file at `path` without writing to it (`None`: a fresh file).
pub fn peek_schema_version(path: &Path) -> Result<Option<u64>> {
    let s = snapshot_of_file(path)?;
    let t = match s.snapshot.tx.open_table(META) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    Ok(t.get("schema_version")?
        .and_then(|v| v.value().try_into().ok().map(u64::from_be_bytes)))
}

impl Store {
    /// One consistent snapshot of every table for a backup (a redb read transaction; writers go on).
    pub fn backup_snapshot(&self) -> Result<Snapshot> {
        Ok(Snapshot {
            tx: self.db()?.begin_read()?,
        })
    }

    /// The pieces this node wrote into the backup directory `target_id`: piece key → index.
    pub fn backup_piece_index(&self, target_id: &str) -> Result<HashMap<String, PieceIndex>> {
        let tx = self.db()?.begin_read()?;
        let Some(t) = optional_table(&tx, BACKUP_PIECES)? else {
            return Ok(HashMap::new());
        };
        let mut out = HashMap::new();
        for r in t.range((target_id, "")..)? {
            let (k, v) = r?;
            let (tid, key) = k.value();
            if tid != target_id {
                break;
            }
            if let Ok(p) = codec::decode::<PieceIndex>(v.value()) {
                out.insert(key.to_string(), p);
            }
        }
        Ok(out)
    }

    /// Opens a backup log record (`berjalan`) before a run starts, audited (`backup.start`). Returns
    /// the run id. A record still `berjalan` at the next start was interrupted ([`Store::backup_close_interrupted`]).
    pub fn backup_log_start(&self, run: &BackupRun, actor: &Actor, at: Timestamp) -> Result<u64> {
        let tx = begin(&*self.db()?)?;
        let id = {
            let id = next_seq(&tx, "backup_run")?;
            let mut r = run.clone();
            r.id = id;
            let bytes = codec::encode(&r);
            tx.open_table(BACKUP_LOG)?.insert(id, bytes.as_slice())?;
            audit(
                &tx,
                at,
                actor,
                match r.jenis_run {
                    crate::domain::backup::JenisRun::Backup => "backup.start",
                    crate::domain::backup::JenisRun::UjiRestore => "backup.test.start",
                },
                &format!("backup:{id}"),
                &digest_of(&bytes),
                &r.target,
            )?;
            id
        };
        tx.commit()?;
        Ok(id)
    }

    /// Closes a run: the final record, the pieces written (added to the directory's index) and an audit
    /// record (`backup.create`, `backup.failed`, `backup.test`, `backup.test.failed`), in one transaction.
    pub fn backup_log_finish(
        &self,
        run: &BackupRun,
        new_pieces: &[(String, PieceIndex)],
        actor: &Actor,
        at: Timestamp,
    ) -> Result<Vec<Change>> {
        let tx = begin(&*self.db()?)?;
        {
            let bytes = codec::encode(run);
            tx.open_table(BACKUP_LOG)?
                .insert(run.id, bytes.as_slice())?;
            if !new_pieces.is_empty() {
                let mut t = tx.open_table(BACKUP_PIECES)?;
                for (k, p) in new_pieces {
                    t.insert(
                        (run.target_id.as_str(), k.as_str()),
                        codec::encode(p).as_slice(),
                    )?;
                }
            }
            let test = run.jenis_run == crate::domain::backup::JenisRun::UjiRestore;
            let (action, detail) = match (&run.hasil, test) {
                (Hasil::Gagal { jenis, alasan }, t) => (
                    if t {
                        "backup.test.failed"
                    } else {
                        "backup.failed"
                    },
                    format!("{}: {alasan}", jenis.label()),
                ),
                (_, true) => (
                    "backup.test",
                    format!("manifest {}", run.manifest_no.unwrap_or(0)),
                ),
                (_, false) => (
                    "backup.create",
                    format!(
                        "manifest {} {} audit seq {} ditulis {} B",
                        run.manifest_no.unwrap_or(0),
                        run.jenis.map_or("-", |j| j.as_str()),
                        run.audit_seq,
                        run.bytes_written
                    ),
                ),
            };
            audit(
                &tx,
                at,
                actor,
                action,
                &format!("backup:{}", run.id),
                &digest_of(&bytes),
                &detail,
            )?;
        }
        tx.commit()?;
        Ok(vec![])
    }

    /// The backup log, oldest first.
    pub fn backup_log(&self) -> Result<Vec<BackupRun>> {
        let tx = self.db()?.begin_read()?;
        let Some(t) = optional_table(&tx, BACKUP_LOG)? else {
            return Ok(vec![]);
        };
        let mut out = Vec::new();
        for r in t.iter()? {
            let (_, v) = r?;
            out.push(codec::decode(v.value()).map_err(StoreError::Db)?);
        }
        Ok(out)
    }

    /// Closes every run left `berjalan` by a node that died (kill, crash, power loss) as failed
    /// ([`JenisKegagalan::Terputus`]), audited. Returns the closed runs.
    pub fn backup_close_interrupted(&self, at: Timestamp) -> Result<Vec<BackupRun>> {
        let open: Vec<BackupRun> = self
            .backup_log()?
            .into_iter()
            .filter(|r| r.hasil == Hasil::Berjalan)
            .collect();
        let mut out = Vec::new();
        for mut r in open {
            r.hasil = Hasil::Gagal {
                jenis: JenisKegagalan::Terputus,
                alasan: "node berhenti sebelum backup selesai; bagian yang sudah ditulis tidak dipakai tanpa manifest".into(),
            };
            r.ended_at = Some(at);
            self.backup_log_finish(&r, &[], &Actor::node(), at)?;
            out.push(r);
        }
        Ok(out)
    }
}

impl Store {
    /// The audit record at `seq`, if any (the restore test compares it with a manifest's head).
    pub fn audit_at(&self, seq: u64) -> Result<Option<crate::domain::AuditRecord>> {
        let tx = self.db()?.begin_read()?;
        let t = tx.open_table(AUDIT)?;
        t.get(seq)?
            .map(|v| codec::decode(v.value()).map_err(StoreError::Db))
            .transpose()
    }

    /// Objects (`entry:17`, …) named by audit records after `seq`: what changed since a backup.
    pub fn audit_objects_after(&self, seq: u64) -> Result<std::collections::HashSet<String>> {
        let tx = self.db()?.begin_read()?;
        let t = tx.open_table(AUDIT)?;
        let mut out = std::collections::HashSet::new();
        for r in t.range(seq.saturating_add(1)..)? {
            let (_, v) = r?;
            let rec: crate::domain::AuditRecord =
                codec::decode(v.value()).map_err(StoreError::Db)?;
            out.insert(rec.object);
        }
        Ok(out)
    }

    /// Entry ids (ascending).
    pub fn entry_ids(&self) -> Result<Vec<u64>> {
        let tx = self.db()?.begin_read()?;
        let t = tx.open_table(ENTRIES)?;
        let mut out = Vec::new();
        for r in t.iter()? {
            out.push(r?.0.value());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_of_a_fresh_store_is_known_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let st = Store::open(&dir.path().join("a.redb")).unwrap();
        // Make the area tables exist.
        let _ = st.palsan_items();
        st.audit_event(&Actor::node(), "x", "y", "z", Timestamp::UNIX_EPOCH)
            .unwrap();
        let snap = st.backup_snapshot().unwrap();
        let tables = snap.tables().unwrap();
        assert!(tables.iter().any(|t| t.name == "audit"));
        let mut l = Loader::create(&dir.path().join("b.redb")).unwrap();
        for t in &tables {
            l.check_table(t).unwrap();
            let mut ch = crate::domain::backup::Chunker::new(4, 1 << 20);
            let mut chunks = Vec::new();
            snap.dump(&t.name, &mut |k, v| {
                if let Some(c) = ch.push(k, v) {
                    chunks.push(c.0);
                }
                Ok(())
            })
            .unwrap();
            chunks.extend(ch.finish().map(|c| c.0));
            for c in chunks {
                l.insert_chunk(&t.name, &c).unwrap();
            }
        }
        l.finish().unwrap();
        let head = snap.audit_head().unwrap();
        drop(snap);
        let st2 = Store::open(&dir.path().join("b.redb")).unwrap();
        let r = st2.audit_verify().unwrap();
        assert!(r.ok);
        assert_eq!((r.head_seq, r.head_hash), head);
    }
}
