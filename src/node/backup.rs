//! Backup and restore (issue 17; seed 001, SOP PI.01; format in `docs/backup.md`).
//!
//! A backup directory holds:
//!
//! ```text
//! DIR/kasa-backup.toml            which node and directory id (plain; written once)
//! DIR/identity/node.keystore      the node keystore (already sealed under the passphrase, Argon2id)
//! DIR/identity/node.card.toml     the public node card
//! DIR/pieces/ab/<sha256>.age      every piece: age to the node key (+ recovery recipient); named by
//!                                 the SHA-256 of the file itself
//! DIR/manifests/000001.manifest   signed (Ed25519 node key), chained manifests; written last
//! ```
//!
//! Writes are crash-safe: every piece goes to a 0600 temporary file, is fsynced and renamed into place;
//! the directories are fsynced; the manifest is written the same way, last. A run killed at any point
//! leaves only complete pieces that no manifest names (ignored by verify and restore, reused or
//! re-written by the next run) and never a manifest whose pieces are missing.
//!
//! [`create`] runs in the node (it holds the store and the signing key); [`verify`] and [`restore`] work
//! on a directory alone (no node, no passphrase for verify), so a new box can be rebuilt from the disk.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{self, File};
use std::io::{self, BufReader, Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, VerifyingKey};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Paths;
use crate::crypto::fsutil::{TempFile, ensure_private_dir};
use crate::crypto::{Armor, Decryptor, Encryptor, Identity, NodeCard, NodeKeys, Recipient};
use crate::domain::backup::{
    Alasan, BlobEntry, Catalog, ChainLink, ChunkEntry, Chunker, FORMAT, FaktaRestore, FileEntry,
    IdentityFile, Jenis, JenisKegagalan, ManifestBody, ParsedManifest, PieceKind, PieceRef, Policy,
    PreviousManifest, SetStat, TableEntry, check_chain, manifest_file_name, manifest_no_of,
    manifest_signed_text, parse_manifest, piece_rel_path, render_manifest, safe_rel_path,
    set_stats, sha256_hex, signing_message,
};
use crate::store::backup::{Loader, PieceIndex, Snapshot, TableMeta};

/// A failed backup operation: the kind (for the monthly analysis) and a message naming the problem
/// and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupError {
    pub jenis: JenisKegagalan,
    pub message: String,
}

impl std::fmt::Display for BackupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BackupError {}

fn err(jenis: JenisKegagalan, m: impl Into<String>) -> BackupError {
    BackupError {
        jenis,
        message: m.into(),
    }
}

fn io_err(what: &Path, e: io::Error) -> BackupError {
    let jenis = match e.raw_os_error() {
        Some(libc::ENOSPC) | Some(libc::EDQUOT) => JenisKegagalan::RuangHabis,
        Some(libc::ENOENT) | Some(libc::EACCES) | Some(libc::EROFS) | Some(libc::EPERM)
        | Some(libc::ENOTDIR) | Some(libc::EIO) => JenisKegagalan::TargetTidakTersedia,
        _ => JenisKegagalan::Lainnya,
    };
    err(jenis, format!("{}: {e}", what.display()))
}

fn store_err(e: crate::store::StoreError) -> BackupError {
    err(JenisKegagalan::Lainnya, e.to_string())
}

// --------------------------------------------------------------------------------- directory

/// `DIR/kasa-backup.toml`: the node and the random id of this backup directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetInfo {
    pub kasa_backup: u32,
    pub node_id: String,
    pub target_id: String,
    pub created_at: Timestamp,
}

const TARGET_TOML: &str = "kasa-backup.toml";

fn manifests_dir(dir: &Path) -> PathBuf {
    dir.join("manifests")
}

fn read_target(dir: &Path) -> Result<Option<TargetInfo>, BackupError> {
    let p = dir.join(TARGET_TOML);
    match fs::read_to_string(&p) {
        Ok(t) => toml::from_str(&t).map(Some).map_err(|e| {
            err(
                JenisKegagalan::DataRusak,
                format!("{}: not a kasa backup directory file: {e}", p.display()),
            )
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(&p, e)),
    }
}

/// Writes `bytes` to `dest` crash-safely: 0600 temp beside it, fsync, rename, fsync the directory.
fn write_atomic(dest: &Path, bytes: &[u8]) -> Result<(), BackupError> {
    let tmp = TempFile::new_beside(dest).map_err(|e| io_err(dest, e))?;
    {
        let mut f = tmp.file();
        f.write_all(bytes).map_err(|e| io_err(dest, e))?;
    }
    tmp.persist_replace(dest).map_err(|e| io_err(dest, e))
}

/// Manifest numbers present in `DIR/manifests`, sorted (temporary and foreign files ignored).
fn manifest_numbers(dir: &Path) -> Result<Vec<u64>, BackupError> {
    let md = manifests_dir(dir);
    let mut v = Vec::new();
    match fs::read_dir(&md) {
        Ok(rd) => {
            for e in rd.flatten() {
                if let Some(n) = manifest_no_of(&e.file_name().to_string_lossy()) {
                    v.push(n);
                }
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(&md, e)),
    }
    v.sort_unstable();
    Ok(v)
}

/// An exclusive lock on the backup directory for one run (`DIR/.kasa-backup.lock`, flock).
struct DirLock {
    _file: File,
}

impl DirLock {
    fn acquire(dir: &Path) -> Result<DirLock, BackupError> {
        use std::os::fd::AsRawFd;
        let p = dir.join(".kasa-backup.lock");
        let f = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&p)
            .map_err(|e| io_err(&p, e))?;
        // SAFETY: flock on an fd we own.
        if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            return Err(err(
                JenisKegagalan::Lainnya,
                format!(
                    "another backup is writing to {} right now: wait for it to finish",
                    dir.display()
                ),
            ));
        }
        Ok(DirLock { _file: f })
    }
}

// ------------------------------------------------------------------------------------ writing

/// A writer that hashes and counts what passes through.
struct HashingWriter<W: Write> {
    inner: W,
    hash: Sha256,
    n: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(b)?;
        self.hash.update(&b[..n]);
        self.n += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes pieces into `DIR/pieces`, tracking bytes and the directories to fsync before the manifest.
struct PieceWriter<'a> {
    dir: &'a Path,
    recipients: &'a [Recipient],
    dirty_dirs: HashSet<PathBuf>,
    bytes_written: u64,
}

impl PieceWriter<'_> {
    /// Encrypts everything `src` yields into a new piece; returns (piece sha, size).
    fn write(&mut self, src: &mut dyn Read) -> Result<(String, u64), BackupError> {
        let tmpdir = self.dir.join("pieces");
        fs::create_dir_all(&tmpdir).map_err(|e| io_err(&tmpdir, e))?;
        let tmp = TempFile::new_beside(&tmpdir.join("piece")).map_err(|e| io_err(&tmpdir, e))?;
        let (sha, size) = {
            let hw = HashingWriter {
                inner: io::BufWriter::with_capacity(256 * 1024, tmp.file()),
                hash: Sha256::new(),
                n: 0,
            };
            let mut enc = Encryptor::new(hw, self.recipients, Armor::Binary)
                .map_err(|e| err(JenisKegagalan::Lainnya, e.to_string()))?;
            io::copy(src, &mut enc).map_err(|e| io_err(tmp.path(), e))?;
            let mut hw = enc.finish().map_err(|e| match e {
                crate::crypto::AgeError::Io(io) => io_err(tmp.path(), io),
                other => err(JenisKegagalan::Lainnya, other.to_string()),
            })?;
            hw.flush().map_err(|e| io_err(tmp.path(), e))?;
            (hex::encode(hw.hash.finalize()), hw.n)
        };
        let dest = self.dir.join(piece_rel_path(&sha));
        let parent = dest.parent().unwrap_or(self.dir).to_path_buf();
        fs::create_dir_all(&parent).map_err(|e| io_err(&parent, e))?;
        tmp.file().sync_all().map_err(|e| io_err(&dest, e))?;
        fs::rename(tmp.path(), &dest).map_err(|e| io_err(&dest, e))?;
        // The temp file is gone (renamed); forget it without removing the destination.
        std::mem::forget(tmp);
        self.dirty_dirs.insert(parent);
        self.bytes_written += size;
        Ok((sha, size))
    }

    fn sync_dirs(&mut self) -> Result<(), BackupError> {
        self.dirty_dirs.insert(self.dir.join("pieces"));
        for d in self.dirty_dirs.drain() {
            File::open(&d)
                .and_then(|f| f.sync_all())
                .map_err(|e| io_err(&d, e))?;
        }
        Ok(())
    }
}

/// The pieces of one run: those already in the directory (`index`), those written or aliased by this
/// run (`new_index`), and the manifest's list.
struct Pieces<'d> {
    dir: &'d Path,
    index: HashMap<String, PieceIndex>,
    new_index: HashMap<String, PieceIndex>,
    seen: HashSet<String>,
    list: Vec<PieceRef>,
    bytes_total: u64,
}

impl Pieces<'_> {
    /// Adds a piece to the manifest's list (once).
    fn record(&mut self, key: String, sha: String, size: u64, kind: PieceKind, new: bool) {
        if self.seen.insert(sha.clone()) {
            self.bytes_total += size;
            self.list.push(PieceRef {
                sha256: sha.clone(),
                size,
                kind,
                new,
            });
        }
        if new || !self.index.contains_key(&key) {
            self.new_index.insert(key, PieceIndex { piece: sha, size });
        }
    }

    /// The piece already in the directory for `key` (file present with the recorded size), recorded.
    fn reuse(&mut self, key: &str, kind: PieceKind) -> Option<String> {
        let ix = self
            .index
            .get(key)
            .or_else(|| self.new_index.get(key))?
            .clone();
        let path = self.dir.join(piece_rel_path(&ix.piece));
        if !fs::metadata(&path).is_ok_and(|m| m.len() == ix.size) {
            return None;
        }
        if self.seen.insert(ix.piece.clone()) {
            self.bytes_total += ix.size;
            self.list.push(PieceRef {
                sha256: ix.piece.clone(),
                size: ix.size,
                kind,
                new: false,
            });
        }
        Some(ix.piece)
    }

    /// Reuses the piece of `key` or writes a new one from `make`.
    fn put(
        &mut self,
        key: String,
        kind: PieceKind,
        w: &mut PieceWriter<'_>,
        make: &mut dyn FnMut() -> Result<Box<dyn Read>, BackupError>,
    ) -> Result<String, BackupError> {
        if let Some(p) = self.reuse(&key, kind) {
            return Ok(p);
        }
        let mut src = make()?;
        let (sha, size) = w.write(&mut src)?;
        self.record(key, sha.clone(), size, kind, true);
        Ok(sha)
    }
}

/// Everything [`create`] needs from the node.
pub struct CreateParams<'a> {
    pub paths: &'a Paths,
    pub snapshot: &'a Snapshot,
    /// Pieces already written to the directory (from the store's index), by piece key.
    pub index: HashMap<String, PieceIndex>,
    pub node_id: &'a str,
    pub node_name: &'a str,
    pub keys: &'a NodeKeys,
    pub recovery: Option<Recipient>,
    pub policy: &'a Policy,
    pub alasan: Alasan,
    pub operator: &'a str,
    /// Force a full backup.
    pub full: bool,
    pub now: Timestamp,
}

/// What [`create`] did.
#[derive(Debug, Clone)]
pub struct Created {
    pub target: TargetInfo,
    pub manifest: ManifestBody,
    /// Pieces written by this run, for the store's index.
    pub new_pieces: Vec<(String, PieceIndex)>,
}

/// Prepares the directory (checks it exists, reads or writes `kasa-backup.toml`). Returns its info
/// and the lock held for the run.
fn open_target(
    dir: &Path,
    node_id: &str,
    now: Timestamp,
) -> Result<(TargetInfo, DirLock), BackupError> {
    let md = fs::metadata(dir).map_err(|e| {
        err(
            JenisKegagalan::TargetTidakTersedia,
            format!(
                "backup directory {} is not available ({e}): mount the external disk or create the directory",
                dir.display()
            ),
        )
    })?;
    if !md.is_dir() {
        return Err(err(
            JenisKegagalan::TargetTidakTersedia,
            format!("{} is not a directory", dir.display()),
        ));
    }
    let lock = DirLock::acquire(dir)?;
    let info = match read_target(dir)? {
        Some(t) if t.node_id != node_id => {
            return Err(err(
                JenisKegagalan::Lainnya,
                format!(
                    "{} holds backups of node {}, not of this node {node_id}: use another directory",
                    dir.display(),
                    t.node_id
                ),
            ));
        }
        Some(t) => t,
        None => {
            if !manifest_numbers(dir)?.is_empty() {
                return Err(err(
                    JenisKegagalan::DataRusak,
                    format!(
                        "{} has manifests but no {TARGET_TOML}: the directory was altered; run `kasa backup verify`",
                        dir.display()
                    ),
                ));
            }
            let mut rnd = [0u8; 16];
            getrandom::fill(&mut rnd).map_err(|e| err(JenisKegagalan::Lainnya, e.to_string()))?;
            let t = TargetInfo {
                kasa_backup: FORMAT,
                node_id: node_id.into(),
                target_id: hex::encode(rnd),
                created_at: now,
            };
            let text =
                toml::to_string(&t).map_err(|e| err(JenisKegagalan::Lainnya, e.to_string()))?;
            write_atomic(&dir.join(TARGET_TOML), text.as_bytes())?;
            t
        }
    };
    Ok((info, lock))
}

/// Files of the data directory other than the database and blobs that a restore needs (relative
/// paths): node settings, the identity, the outbox, and what ingest kept (refused, duplicate and
/// processed originals).
fn data_files(paths: &Paths) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let d = &paths.data_dir;
    for f in ["node.toml", "keys/node.keystore", "keys/node.card.toml"] {
        let p = d.join(f);
        if p.is_file() {
            out.push((f.to_string(), p));
        }
    }
    for sub in [
        "outbox",
        "ingest/failed",
        "ingest/duplicates",
        "ingest/processed",
    ] {
        let mut stack = vec![d.join(sub)];
        while let Some(dir) = stack.pop() {
            let Ok(rd) = fs::read_dir(&dir) else { continue };
            for e in rd.flatten() {
                let p = e.path();
                let Ok(ft) = e.file_type() else { continue };
                if ft.is_dir() {
                    stack.push(p);
                } else if ft.is_file()
                    && let Ok(rel) = p.strip_prefix(d)
                {
                    let rel = rel.to_string_lossy().into_owned();
                    if !rel
                        .split('/')
                        .any(|c| c.starts_with(".kasa-tmp") || c.contains(".kasa-tmp-"))
                    {
                        out.push((rel, p));
                    }
                }
            }
        }
    }
    out.sort();
    out
}

/// Writes one backup of `snapshot` into `dir` (see the module doc). The caller records the run.
///
/// Errors: [`BackupError`] with the kind of failure; nothing a verify would accept is left behind.
pub fn create(p: CreateParams<'_>, dir: &Path) -> Result<Created, BackupError> {
    let (target, _lock) = open_target(dir, p.node_id, p.now)?;
    // Temporary files of an interrupted run (never named by a manifest) are removed under the lock.
    for sub in ["pieces", "manifests", "identity"] {
        if let Ok(rd) = fs::read_dir(dir.join(sub)) {
            for e in rd.flatten() {
                if e.file_name().to_string_lossy().contains(".kasa-tmp-") {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
    }
    let numbers = manifest_numbers(dir)?;
    // The previous manifest: must parse and carry our signature (a broken chain is not extended).
    let my_key = p.keys.signing.verifying_key();
    let mut previous = None;
    let mut prev_seq = 0;
    let mut runs_since_full: Option<u32> = None;
    for (i, no) in numbers.iter().rev().enumerate() {
        let path = manifests_dir(dir).join(manifest_file_name(*no));
        let bytes = fs::read(&path).map_err(|e| io_err(&path, e))?;
        let m = parse_manifest(&bytes).map_err(|e| {
            err(
                JenisKegagalan::DataRusak,
                format!(
                    "{}: {e}; run `kasa backup verify {}`",
                    path.display(),
                    dir.display()
                ),
            )
        })?;
        if i == 0 {
            check_signature(&m, &my_key).map_err(|e| {
                err(
                    JenisKegagalan::DataRusak,
                    format!("{}: {e}", path.display()),
                )
            })?;
            previous = Some(PreviousManifest {
                no: *no,
                sha256: sha256_hex(&bytes),
            });
            prev_seq = m.body.audit_seq;
        }
        if m.body.jenis == Jenis::Penuh {
            runs_since_full = Some(i as u32 + 1);
            break;
        }
        if i > 64 {
            runs_since_full = Some(i as u32 + 1);
            break;
        }
    }
    let jenis = if p.full {
        Jenis::Penuh
    } else {
        p.policy.jenis_berikut(runs_since_full)
    };
    let no = numbers.last().copied().unwrap_or(0) + 1;
    let mut recipients = vec![p.keys.encryption.recipient()];
    if let Some(r) = &p.recovery {
        recipients.push(*r);
    }
    let index = if jenis == Jenis::Penuh {
        HashMap::new()
    } else {
        p.index
    };
    let mut w = PieceWriter {
        dir,
        recipients: &recipients,
        dirty_dirs: HashSet::new(),
        bytes_written: 0,
    };
    let mut pc = Pieces {
        dir,
        index,
        new_index: HashMap::new(),
        seen: HashSet::new(),
        list: Vec::new(),
        bytes_total: 0,
    };
    let mut put = |key: String,
                   kind: PieceKind,
                   w: &mut PieceWriter<'_>,
                   make: &mut dyn FnMut() -> Result<Box<dyn Read>, BackupError>|
     -> Result<String, BackupError> { pc.put(key, kind, w, make) };

    // 1. Tables, chunked.
    let snap = p.snapshot;
    let (audit_seq, audit_hash) = snap.audit_head().map_err(store_err)?;
    let schema_version = snap.schema_version().map_err(store_err)?;
    let metas: Vec<TableMeta> = snap.tables().map_err(store_err)?;
    let mut catalog = Catalog {
        format: FORMAT,
        no,
        ..Default::default()
    };
    let mut table_counts = BTreeMap::new();
    for t in &metas {
        let mut chunker = Chunker::default();
        let mut done: Vec<(Vec<u8>, u64)> = Vec::new();
        let mut chunks = Vec::new();
        let mut failure: Option<BackupError> = None;
        let records = snap
            .dump(&t.name, &mut |k, v| {
                if let Some(c) = chunker.push(k, v) {
                    done.push(c);
                }
                // Flush finished chunks as they come so memory stays bounded.
                for (plain, n) in done.drain(..) {
                    let psha = sha256_hex(&plain);
                    let r = put(format!("t:{psha}"), PieceKind::Table, &mut w, &mut || {
                        Ok(Box::new(io::Cursor::new(plain.clone())) as Box<dyn Read>)
                    });
                    match r {
                        Ok(piece) => chunks.push(ChunkEntry {
                            piece,
                            plain_sha256: psha,
                            records: n,
                        }),
                        Err(e) => {
                            failure = Some(e.clone());
                            return Err(e.message);
                        }
                    }
                }
                Ok(())
            })
            .map_err(|e| failure.clone().unwrap_or_else(|| store_err(e)))?;
        if let Some((plain, n)) = chunker.finish() {
            let psha = sha256_hex(&plain);
            let piece = put(format!("t:{psha}"), PieceKind::Table, &mut w, &mut || {
                Ok(Box::new(io::Cursor::new(plain.clone())) as Box<dyn Read>)
            })?;
            chunks.push(ChunkEntry {
                piece,
                plain_sha256: psha,
                records: n,
            });
        }
        table_counts.insert(t.name.clone(), records);
        catalog.tables.push(TableEntry {
            name: t.name.clone(),
            key_type: t.key_type.clone(),
            value_type: t.value_type.clone(),
            records,
            chunks,
        });
    }

    // 2. Blobs, by the set of the entries that hold them.
    let entries = snap.entries().map_err(store_err)?;
    let himpunan: Vec<SetStat> = set_stats(entries.iter());
    let mut set_of: HashMap<String, crate::domain::backup::Himpunan> = HashMap::new();
    for e in &entries {
        for a in &e.attachments {
            set_of
                .entry(a.sha256.clone())
                .or_insert(crate::domain::backup::Himpunan::of(e));
        }
    }
    let blobs = crate::ingest::Blobs::new(p.paths.blobs());
    let mut blob_piece: HashMap<String, String> = HashMap::new();
    for (sha, _) in snap.blobs().map_err(store_err)? {
        let hex = hex::encode(sha);
        // The plaintext may have been encrypted at rest since the snapshot: take whichever exists.
        let plain = blobs.path(&hex);
        let enc = blobs.age_path(&hex);
        let kgm = blobs.kgm_path(&hex);
        let (path, at_rest, in_kgm) = if plain.is_file() {
            (plain, false, false)
        } else if enc.is_file() {
            (enc, true, false)
        } else if kgm.is_file() {
            (kgm, true, true)
        } else {
            return Err(err(
                JenisKegagalan::DataRusak,
                format!(
                    "blob {hex} is recorded but neither {} nor its .age or .kgm form exists: the data directory lost a document; run `kasa audit verify` and report it",
                    plain.display()
                ),
            ));
        };
        let size = fs::metadata(&path).map_err(|e| io_err(&path, e))?.len();
        let key = format!(
            "b:{hex}{}",
            match (at_rest, in_kgm) {
                (_, true) => ".kgm",
                (true, false) => ".age",
                _ => "",
            }
        );
        let piece = put(key, PieceKind::Blob, &mut w, &mut || {
            let f = File::open(&path).map_err(|e| io_err(&path, e))?;
            Ok(Box::new(BufReader::with_capacity(256 * 1024, f)) as Box<dyn Read>)
        })?;
        if !at_rest {
            blob_piece.insert(hex.clone(), piece.clone());
        }
        catalog.blobs.push(BlobEntry {
            sha256: hex.clone(),
            at_rest,
            kgm: in_kgm,
            piece,
            size,
            himpunan: set_of.get(&hex).copied(),
        });
    }

    // 3. Other files of the data directory. A file with the content of a document already in this backup
    // (the originals kept in ingest/processed, duplicates) points at that document's piece.
    for (rel, path) in data_files(p.paths) {
        let Ok(md) = fs::metadata(&path) else {
            continue;
        };
        let key = format!(
            "f:{rel}:{}:{}:{}",
            md.len(),
            md.mtime_nsec() + md.mtime() * 1_000_000_000,
            md.ino()
        );
        if let Some(piece) = pc.reuse(&key, PieceKind::File) {
            catalog.files.push(FileEntry {
                path: rel,
                piece,
                size: md.len(),
                sha256: String::new(),
            });
            continue;
        }
        let data = fs::read(&path).map_err(|e| io_err(&path, e))?;
        let file_sha = sha256_hex(&data);
        let piece = match blob_piece.get(&file_sha) {
            Some(bp) => {
                let size = fs::metadata(dir.join(piece_rel_path(bp)))
                    .map_err(|e| io_err(&path, e))?
                    .len();
                pc.record(key, bp.clone(), size, PieceKind::Blob, false);
                bp.clone()
            }
            None => pc.put(key, PieceKind::File, &mut w, &mut || {
                Ok(Box::new(io::Cursor::new(data.clone())) as Box<dyn Read>)
            })?,
        };
        catalog.files.push(FileEntry {
            path: rel,
            piece,
            size: md.len(),
            sha256: file_sha,
        });
    }

    // 4. The catalog (always new: it names this run).
    let cat_json =
        serde_json::to_vec(&catalog).map_err(|e| err(JenisKegagalan::Lainnya, e.to_string()))?;
    let (cat_sha, cat_size) = w.write(&mut io::Cursor::new(cat_json))?;
    pc.bytes_total += cat_size;
    pc.list.push(PieceRef {
        sha256: cat_sha.clone(),
        size: cat_size,
        kind: PieceKind::Catalog,
        new: true,
    });

    // 5. Identity files in clear (the keystore is sealed under the passphrase).
    let idir = dir.join("identity");
    fs::create_dir_all(&idir).map_err(|e| io_err(&idir, e))?;
    let mut identity = Vec::new();
    for (src, name) in [
        (
            crate::node::kriptogram::keystore_path(p.paths),
            "node.keystore",
        ),
        (
            crate::node::kriptogram::card_path(p.paths),
            "node.card.toml",
        ),
    ] {
        let data = fs::read(&src).map_err(|e| io_err(&src, e))?;
        let dest = idir.join(name);
        if fs::read(&dest).ok().as_deref() != Some(&data[..]) {
            write_atomic(&dest, &data)?;
            w.bytes_written += data.len() as u64;
        }
        identity.push(IdentityFile {
            path: format!("identity/{name}"),
            sha256: sha256_hex(&data),
            size: data.len() as u64,
        });
    }

    // 6. Make every piece durable, then write the manifest last.
    w.sync_dirs()?;
    let body = ManifestBody {
        format: FORMAT,
        no,
        node_id: p.node_id.into(),
        node_name: p.node_name.into(),
        target_id: target.target_id.clone(),
        jenis,
        alasan: p.alasan,
        operator: p.operator.into(),
        created_at: p.now,
        schema_version,
        audit_from_seq: prev_seq + 1,
        audit_seq,
        audit_hash,
        previous,
        catalog: cat_sha,
        pieces: std::mem::take(&mut pc.list),
        identity,
        recipients: recipients.iter().map(|r| r.to_string()).collect(),
        himpunan,
        tables: table_counts,
        bytes_total: pc.bytes_total,
        bytes_written: 0,
        signing_key: hex::encode(my_key.as_bytes()),
        signing_fingerprint: crate::crypto::card::signing_fingerprint(&my_key),
    };
    let mut body = body;
    body.bytes_written = w.bytes_written;
    let signed = manifest_signed_text(&body);
    body.bytes_written += signed.len() as u64 + 140;
    let signed = manifest_signed_text(&body);
    let sig = p.keys.signing.sign(&signing_message(signed.as_bytes()));
    let text = render_manifest(&signed, &hex::encode(sig.to_bytes()));
    let mdir = manifests_dir(dir);
    fs::create_dir_all(&mdir).map_err(|e| io_err(&mdir, e))?;
    let dest = mdir.join(manifest_file_name(no));
    let tmp = TempFile::new_beside(&dest).map_err(|e| io_err(&dest, e))?;
    {
        let mut f = tmp.file();
        f.write_all(text.as_bytes()).map_err(|e| io_err(&dest, e))?;
    }
    tmp.persist_noclobber(&dest).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            err(
                JenisKegagalan::Lainnya,
                format!(
                    "{} appeared during the run: another writer uses this directory",
                    dest.display()
                ),
            )
        } else {
            io_err(&dest, e)
        }
    })?;
    Ok(Created {
        target,
        manifest: body,
        new_pieces: pc.new_index.into_iter().collect(),
    })
}

fn check_signature(m: &ParsedManifest, key: &VerifyingKey) -> Result<(), String> {
    if m.body.signing_key != hex::encode(key.as_bytes()) {
        return Err(format!(
            "signed by key {} , not by the node key {}",
            m.body.signing_fingerprint,
            crate::crypto::card::signing_fingerprint(key)
        ));
    }
    let sig = Signature::from_slice(&m.signature)
        .map_err(|_| "the signature is malformed".to_string())?;
    key.verify_strict(&signing_message(&m.signed), &sig)
        .map_err(|_| "the signature does not verify: the manifest was altered".to_string())
}

// ---------------------------------------------------------------------------------- verifying

/// A problem found by [`verify`]: the manifest and/or piece it concerns, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Masalah {
    pub manifest: Option<u64>,
    /// The file concerned, relative to the directory (`pieces/ab/….age`, `manifests/000003.manifest`).
    pub file: Option<String>,
    pub message: String,
}

/// One manifest as listed by [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestInfo {
    pub no: u64,
    pub jenis: Jenis,
    pub alasan: Alasan,
    pub created_at: Timestamp,
    pub audit_seq: u64,
    pub audit_hash: String,
    pub pieces: usize,
    pub bytes_total: u64,
    pub bytes_written: u64,
    pub himpunan: Vec<SetStat>,
}

/// Result of [`verify`] (`kasa backup verify --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    pub ok: bool,
    pub dir: String,
    pub node_id: Option<String>,
    /// Fingerprint of the signing key the manifests were checked against, and where it came from
    /// (`--card`, `data dir`, `backup dir`: compare the last with the paper node card).
    pub signing_fingerprint: Option<String>,
    pub key_source: String,
    pub manifests: Vec<ManifestInfo>,
    pub pieces_checked: u64,
    pub bytes_checked: u64,
    /// Complete pieces no manifest names (left by an interrupted run; harmless).
    pub unreferenced: u64,
    pub problem: Option<Masalah>,
}

fn problem(r: &mut VerifyReport, manifest: Option<u64>, file: Option<String>, message: String) {
    r.ok = false;
    let message = match &file {
        Some(f) if !message.contains(f.as_str()) => format!("{f}: {message}"),
        _ => message,
    };
    if r.problem.is_none() {
        r.problem = Some(Masalah {
            manifest,
            file,
            message,
        });
    }
}

fn kind_label(k: PieceKind) -> &'static str {
    match k {
        PieceKind::Table => "table chunk",
        PieceKind::Blob => "document blob",
        PieceKind::File => "data-directory file",
        PieceKind::Catalog => "catalog",
    }
}

/// Hashes a file; `None` when missing.
fn hash_file(path: &Path) -> io::Result<(String, u64)> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex::encode(h.finalize()), n))
}

/// Checks a backup directory without the passphrase: `kasa-backup.toml`, every manifest's signature
/// (against `card` when given, else the data directory's card of the same node, else the card in the
/// directory), the chain (numbers, previous hashes, no reordering), and the SHA-256 and size of every
/// piece of every manifest up to `upto` (all when `None`). The first problem is named with its file.
pub fn verify(
    dir: &Path,
    card: Option<(&NodeCard, &str)>,
    upto: Option<u64>,
) -> (VerifyReport, Vec<ParsedManifest>) {
    let mut r = VerifyReport {
        ok: true,
        dir: dir.display().to_string(),
        node_id: None,
        signing_fingerprint: None,
        key_source: String::new(),
        manifests: vec![],
        pieces_checked: 0,
        bytes_checked: 0,
        unreferenced: 0,
        problem: None,
    };
    let mut parsed = Vec::new();
    let target = match read_target(dir) {
        Ok(Some(t)) => t,
        Ok(None) => {
            problem(
                &mut r,
                None,
                Some(TARGET_TOML.into()),
                format!(
                    "{} is not a kasa backup directory ({TARGET_TOML} is missing)",
                    dir.display()
                ),
            );
            return (r, parsed);
        }
        Err(e) => {
            problem(&mut r, None, Some(TARGET_TOML.into()), e.message);
            return (r, parsed);
        }
    };
    r.node_id = Some(target.node_id.clone());
    let (key, source) = match card {
        Some((c, src)) => (Some(c.signing), src.to_string()),
        None => {
            let p = dir.join("identity/node.card.toml");
            match fs::read_to_string(&p)
                .ok()
                .and_then(|t| NodeCard::parse(&t).ok())
            {
                Some(c) if c.node_id == target.node_id => {
                    (Some(c.signing), "backup dir".to_string())
                }
                _ => (None, String::new()),
            }
        }
    };
    let Some(key) = key else {
        problem(
            &mut r,
            None,
            Some("identity/node.card.toml".into()),
            "no node card to check the signatures against: give --card FILE (the node's card)"
                .into(),
        );
        return (r, parsed);
    };
    r.key_source = source;
    r.signing_fingerprint = Some(crate::crypto::card::signing_fingerprint(&key));
    let numbers = match manifest_numbers(dir) {
        Ok(n) => n,
        Err(e) => {
            problem(&mut r, None, Some("manifests".into()), e.message);
            return (r, parsed);
        }
    };
    if numbers.is_empty() {
        problem(
            &mut r,
            None,
            Some("manifests".into()),
            "the directory holds no manifest: no backup was completed here".into(),
        );
        return (r, parsed);
    }
    let numbers: Vec<u64> = numbers
        .into_iter()
        .filter(|n| upto.is_none_or(|u| *n <= u))
        .collect();
    if let Some(u) = upto
        && numbers.last() != Some(&u)
    {
        problem(
            &mut r,
            Some(u),
            Some(format!("manifests/{}", manifest_file_name(u))),
            format!("manifest {u} does not exist in this directory"),
        );
        return (r, parsed);
    }
    let mut shas = Vec::new();
    for no in &numbers {
        let rel = format!("manifests/{}", manifest_file_name(*no));
        let bytes = match fs::read(dir.join(&rel)) {
            Ok(b) => b,
            Err(e) => {
                problem(&mut r, Some(*no), Some(rel), format!("cannot read: {e}"));
                return (r, parsed);
            }
        };
        let m = match parse_manifest(&bytes) {
            Ok(m) => m,
            Err(e) => {
                problem(&mut r, Some(*no), Some(rel), format!("manifest {no} {e}"));
                return (r, parsed);
            }
        };
        if let Err(e) = check_signature(&m, &key) {
            problem(&mut r, Some(*no), Some(rel), format!("manifest {no}: {e}"));
            return (r, parsed);
        }
        shas.push(sha256_hex(&bytes));
        parsed.push(m);
    }
    let links: Vec<ChainLink<'_>> = numbers
        .iter()
        .zip(&shas)
        .zip(&parsed)
        .map(|((n, s), m)| ChainLink {
            file_no: *n,
            file_sha256: s.clone(),
            body: &m.body,
        })
        .collect();
    if let Err((no, msg)) = check_chain(&links) {
        problem(
            &mut r,
            Some(no),
            Some(format!("manifests/{}", manifest_file_name(no))),
            msg,
        );
        return (r, parsed);
    }
    for m in &parsed {
        if m.body.target_id != target.target_id || m.body.node_id != target.node_id {
            problem(
                &mut r,
                Some(m.body.no),
                Some(format!("manifests/{}", manifest_file_name(m.body.no))),
                format!(
                    "manifest {} belongs to another node or directory",
                    m.body.no
                ),
            );
            return (r, parsed);
        }
    }
    let mut checked: HashSet<String> = HashSet::new();
    for m in &parsed {
        for pc in &m.body.pieces {
            if !checked.insert(pc.sha256.clone()) {
                continue;
            }
            let rel = pc.rel_path();
            match hash_file(&dir.join(&rel)) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    problem(
                        &mut r,
                        Some(m.body.no),
                        Some(rel.clone()),
                        format!(
                            "piece {rel} ({}) named by manifest {} is missing",
                            kind_label(pc.kind),
                            m.body.no
                        ),
                    );
                    return (r, parsed);
                }
                Err(e) => {
                    problem(
                        &mut r,
                        Some(m.body.no),
                        Some(rel.clone()),
                        format!("piece {rel}: {e}"),
                    );
                    return (r, parsed);
                }
                Ok((sha, n)) => {
                    if sha != pc.sha256 || n != pc.size {
                        problem(
                            &mut r,
                            Some(m.body.no),
                            Some(rel.clone()),
                            format!(
                                "piece {rel} ({}) named by manifest {} was altered: its SHA-256 or size does not match",
                                kind_label(pc.kind),
                                m.body.no
                            ),
                        );
                        return (r, parsed);
                    }
                    r.pieces_checked += 1;
                    r.bytes_checked += n;
                }
            }
        }
    }
    if let Some(last) = parsed.last() {
        for f in &last.body.identity {
            match hash_file(&dir.join(&f.path)) {
                Ok((sha, _)) if sha == f.sha256 => {}
                Ok(_) => {
                    problem(
                        &mut r,
                        Some(last.body.no),
                        Some(f.path.clone()),
                        format!("{} does not match manifest {}", f.path, last.body.no),
                    );
                    return (r, parsed);
                }
                Err(e) => {
                    problem(
                        &mut r,
                        Some(last.body.no),
                        Some(f.path.clone()),
                        format!("{}: {e}", f.path),
                    );
                    return (r, parsed);
                }
            }
        }
    }
    // Unreferenced pieces (interrupted runs): counted, not an error.
    if let Ok(rd) = fs::read_dir(dir.join("pieces")) {
        for d in rd.flatten() {
            if let Ok(sub) = fs::read_dir(d.path()) {
                for f in sub.flatten() {
                    let n = f.file_name().to_string_lossy().into_owned();
                    if let Some(s) = n.strip_suffix(".age")
                        && !checked.contains(s)
                    {
                        r.unreferenced += 1;
                    }
                }
            }
        }
    }
    r.manifests = parsed
        .iter()
        .map(|m| ManifestInfo {
            no: m.body.no,
            jenis: m.body.jenis,
            alasan: m.body.alasan,
            created_at: m.body.created_at,
            audit_seq: m.body.audit_seq,
            audit_hash: m.body.audit_hash.clone(),
            pieces: m.body.pieces.len(),
            bytes_total: m.body.bytes_total,
            bytes_written: m.body.bytes_written,
            himpunan: m.body.himpunan.clone(),
        })
        .collect();
    (r, parsed)
}

// ---------------------------------------------------------------------------------- restoring

/// Which blobs a restore writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobPilihan {
    All,
    /// A random sample of this many (the restore test of PI.01 V.4).
    Sample(usize),
}

/// Options of [`restore`].
pub struct RestoreParams<'a> {
    pub from: &'a Path,
    pub to: &'a Path,
    pub manifest: Option<u64>,
    pub identities: &'a [Identity],
    pub card: Option<(&'a NodeCard, &'a str)>,
    pub blobs: BlobPilihan,
    pub now: Timestamp,
}

/// What [`restore`] rebuilt.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Restored {
    pub fakta: FaktaRestore,
    /// Blob ids written (all, or the sample).
    pub blobs_written: Vec<String>,
    pub blobs_total: u64,
}

fn decrypt_piece(dir: &Path, sha: &str, ids: &[Identity]) -> Result<Vec<u8>, String> {
    let rel = piece_rel_path(sha);
    let f = File::open(dir.join(&rel)).map_err(|e| format!("piece {rel}: {e}"))?;
    let mut d = Decryptor::new_auto(BufReader::with_capacity(256 * 1024, f), ids).map_err(|e| {
        format!(
            "piece {rel} cannot be opened: {e}: give the node passphrase or the recovery identity"
        )
    })?;
    let mut out = Vec::new();
    while let Some(c) = d
        .next_chunk()
        .map_err(|e| format!("piece {rel} is damaged: {e}"))?
    {
        out.extend_from_slice(c);
    }
    Ok(out)
}

fn write_private(dest: &Path, data: &[u8]) -> Result<(), String> {
    if let Some(p) = dest.parent() {
        ensure_private_dir(p).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    let tmp = TempFile::new_beside(dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    {
        let mut f = tmp.file();
        f.write_all(data)
            .map_err(|e| format!("{}: {e}", dest.display()))?;
    }
    tmp.persist_noclobber(dest)
        .map_err(|e| format!("{}: {e}", dest.display()))
}

/// Picks `n` distinct indices of `0..len` at random.
fn sample_indices(len: usize, n: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..len).collect();
    let n = n.min(len);
    for i in 0..n {
        let mut b = [0u8; 8];
        let _ = getrandom::fill(&mut b);
        let j = i + (u64::from_le_bytes(b) as usize) % (len - i);
        idx.swap(i, j);
    }
    idx.truncate(n);
    idx
}

/// Rebuilds a data directory from a backup directory at manifest `manifest` (the latest when `None`):
/// verifies the chain and pieces first (refusing a tampered directory with the piece named), refuses a
/// non-empty `to`, decrypts the catalog with `identities` (node key or recovery identity), loads every
/// table in one transaction, writes the blobs and files (0600, directories 0700), and checks that the
/// rebuilt audit chain verifies with the manifest's head.
pub fn restore(p: RestoreParams<'_>) -> Result<Restored, String> {
    if let Ok(mut rd) = fs::read_dir(p.to)
        && rd.next().is_some()
    {
        return Err(format!(
            "{} is not empty: a restore only writes into a new or empty directory (nothing was changed)",
            p.to.display()
        ));
    }
    let (rep, parsed) = verify(p.from, p.card, p.manifest);
    if let Some(m) = rep.problem {
        return Err(format!("backup refused: {}", m.message));
    }
    let m = parsed.last().ok_or("no manifest")?;
    let body = &m.body;
    let cat: Catalog = serde_json::from_slice(&decrypt_piece(p.from, &body.catalog, p.identities)?)
        .map_err(|e| format!("catalog of manifest {} is not readable: {e}", body.no))?;
    ensure_private_dir(p.to).map_err(|e| format!("{}: {e}", p.to.display()))?;
    let _ = fs::set_permissions(p.to, fs::Permissions::from_mode(0o700));
    let paths = Paths {
        data_dir: p.to.to_path_buf(),
        config_dir: p.to.join("config"),
        explicit_data_dir: true,
    };
    // Tables.
    let mut loader = Loader::create(&paths.db()).map_err(|e| e.to_string())?;
    let mut entries = 0;
    for t in &cat.tables {
        loader
            .check_table(&TableMeta {
                name: t.name.clone(),
                key_type: t.key_type.clone(),
                value_type: t.value_type.clone(),
            })
            .map_err(|e| e.to_string())?;
        let mut n = 0;
        for c in &t.chunks {
            let plain = decrypt_piece(p.from, &c.piece, p.identities)?;
            if sha256_hex(&plain) != c.plain_sha256 {
                return Err(format!(
                    "piece {} (table {}) does not hold the chunk the catalog names",
                    piece_rel_path(&c.piece),
                    t.name
                ));
            }
            n += loader.insert_chunk(&t.name, &plain).map_err(|e| {
                format!("piece {} (table {}): {e}", piece_rel_path(&c.piece), t.name)
            })?;
        }
        if n != t.records {
            return Err(format!(
                "table {} restored {n} records, the catalog says {}",
                t.name, t.records
            ));
        }
        if t.name == "entries" {
            entries = n;
        }
    }
    loader.finish().map_err(|e| e.to_string())?;
    // Blobs.
    let blobs = crate::ingest::Blobs::new(paths.blobs());
    ensure_private_dir(&paths.blobs()).map_err(|e| e.to_string())?;
    let chosen: Vec<usize> = match p.blobs {
        BlobPilihan::All => (0..cat.blobs.len()).collect(),
        BlobPilihan::Sample(n) => sample_indices(cat.blobs.len(), n),
    };
    let mut bytes = 0;
    let mut written = Vec::new();
    for i in chosen {
        let b = &cat.blobs[i];
        let data = decrypt_piece(p.from, &b.piece, p.identities)?;
        if !b.at_rest && sha256_hex(&data) != b.sha256 {
            return Err(format!(
                "piece {} does not hold document {} (content hash differs)",
                piece_rel_path(&b.piece),
                b.sha256
            ));
        }
        let dest = if b.kgm {
            blobs.kgm_path(&b.sha256)
        } else if b.at_rest {
            blobs.age_path(&b.sha256)
        } else {
            blobs.path(&b.sha256)
        };
        write_private(&dest, &data)?;
        bytes += data.len() as u64;
        written.push(b.sha256.clone());
    }
    // Files.
    for f in &cat.files {
        if !safe_rel_path(&f.path) || f.path == "kasa.redb" {
            return Err(format!("catalog names an unsafe path '{}'", f.path));
        }
        let data = decrypt_piece(p.from, &f.piece, p.identities)?;
        if !f.sha256.is_empty() && sha256_hex(&data) != f.sha256 {
            return Err(format!(
                "piece {} does not hold {}",
                piece_rel_path(&f.piece),
                f.path
            ));
        }
        let dest = p.to.join(&f.path);
        write_private(&dest, &data)?;
        if f.path == "keys/node.card.toml" {
            let _ = fs::set_permissions(&dest, fs::Permissions::from_mode(0o644));
        }
        bytes += data.len() as u64;
    }
    for sub in ["staging", "processed", "failed", "duplicates"] {
        ensure_private_dir(&paths.ingest(sub)).map_err(|e| e.to_string())?;
    }
    ensure_private_dir(&paths.keys()).map_err(|e| e.to_string())?;
    // The rebuilt chain must verify with the manifest's head (a backup of an older schema is checked by
    // the node that migrates it: opening it here would migrate it).
    if crate::store::backup::peek_schema_version(&paths.db())
        .ok()
        .flatten()
        .is_some_and(|v| v >= crate::store::SCHEMA_VERSION)
    {
        let st = crate::store::Store::open(&paths.db()).map_err(|e| e.to_string())?;
        let a = st.audit_verify().map_err(|e| e.to_string())?;
        if !a.ok || a.head_seq != body.audit_seq || a.head_hash != body.audit_hash {
            return Err(format!(
                "the restored audit chain ends at seq {} ({}) but manifest {} names seq {} ({}): {}",
                a.head_seq,
                a.head_hash,
                body.no,
                body.audit_seq,
                body.audit_hash,
                a.problem.unwrap_or_default()
            ));
        }
    }
    Ok(Restored {
        fakta: FaktaRestore {
            node_id: body.node_id.clone(),
            from_dir: p.from.display().to_string(),
            to_dir: p.to.display().to_string(),
            manifest_no: body.no,
            manifest_created_at: Some(body.created_at),
            audit_seq: body.audit_seq,
            audit_hash: body.audit_hash.clone(),
            entries,
            blobs: written.len() as u64,
            files: cat.files.len() as u64,
            bytes,
            himpunan: body.himpunan.clone(),
            at: Some(p.now),
        },
        blobs_written: written,
        blobs_total: cat.blobs.len() as u64,
    })
}

/// The identities that open a backup: the node's X25519 key from `DIR/identity/node.keystore` under
/// `passphrase`, and/or age identities (`AGE-SECRET-KEY-1…` lines, e.g. the recovery identity) from
/// `identity_file`.
pub fn identities_for(
    dir: &Path,
    passphrase: Option<&[u8]>,
    identity_file: Option<&Path>,
) -> Result<Vec<Identity>, String> {
    let mut ids = Vec::new();
    if let Some(pass) = passphrase {
        let ks = dir.join("identity/node.keystore");
        let keys = crate::crypto::Keystore::open(&ks, pass)
            .map_err(|e| format!("{}: {e}", ks.display()))?;
        ids.push(Identity::from_bytes(*keys.encryption.to_bytes()));
    }
    if let Some(f) = identity_file {
        let text = zeroize::Zeroizing::new(
            fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?,
        );
        for l in text
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("AGE-SECRET-KEY-1"))
        {
            ids.push(Identity::parse(l).map_err(|e| format!("{}: {e}", f.display()))?);
        }
        if ids.is_empty() {
            return Err(format!("{} holds no AGE-SECRET-KEY-1… line", f.display()));
        }
    }
    if ids.is_empty() {
        return Err("no key to open the backup: give --passphrase-file (node keystore) or --identity (recovery identity)".into());
    }
    Ok(ids)
}

/// Reads the node card of a data directory, if it exists and belongs to `node_id`.
pub fn local_card(paths: &Paths) -> Option<NodeCard> {
    crate::node::kriptogram::read_card(paths).ok()
}

// ------------------------------------------------------------------------------------- the node

use std::sync::atomic::{AtomicBool, Ordering};

use super::NodeState;
use crate::domain::Operator;
use crate::domain::backup::{BackupRun, Hasil, JenisRun, UjiRestore, ringkas};
use crate::proto::Reply;
use crate::proto::backup::{BackupReply, BackupRequest};
use crate::store::Actor;

type HResult = Result<Reply, (&'static str, String)>;

/// One backup or test at a time in this node.
static RUNNING: AtomicBool = AtomicBool::new(false);

struct RunGuard;

impl RunGuard {
    fn take() -> Result<RunGuard, (&'static str, String)> {
        if RUNNING.swap(true, Ordering::SeqCst) {
            return Err((
                "busy",
                "a backup or restore test is running now: wait for it to finish (see `kasa backup log`)".into(),
            ));
        }
        Ok(RunGuard)
    }
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        RUNNING.store(false, Ordering::SeqCst);
    }
}

/// Target id of a backup directory, if it has one.
fn target_id_of(dir: &Path) -> Option<String> {
    read_target(dir).ok().flatten().map(|t| t.target_id)
}

fn new_run(
    jenis_run: JenisRun,
    dir: &Path,
    operator: &str,
    alasan: Alasan,
    now: Timestamp,
) -> BackupRun {
    BackupRun {
        id: 0,
        jenis_run,
        started_at: now,
        ended_at: None,
        target: dir.display().to_string(),
        target_id: target_id_of(dir).unwrap_or_default(),
        operator: operator.into(),
        alasan,
        jenis: None,
        hasil: Hasil::Berjalan,
        manifest_no: None,
        audit_seq: 0,
        bytes_total: 0,
        bytes_written: 0,
        pieces_total: 0,
        pieces_new: 0,
        himpunan: vec![],
        uji: None,
    }
}

fn fail_run(state: &NodeState, run: &mut BackupRun, e: &BackupError, actor: &Actor) {
    let now = crate::clock::now();
    run.hasil = Hasil::Gagal {
        jenis: e.jenis,
        alasan: e.message.clone(),
    };
    run.ended_at = Some(now);
    if let Err(se) = state.store.backup_log_finish(run, &[], actor, now) {
        tracing::error!(error = %se, "cannot record the failed backup run");
    }
    let kind = if run.jenis_run == JenisRun::UjiRestore {
        "backup.test_failed"
    } else {
        "backup.failed"
    };
    if let Ok((_, ch)) = state.store.raise_alarm(
        kind,
        &format!("{} {}: {}", run.target, e.jenis.label(), e.message),
        &format!("backup:{}", run.id),
        now,
    ) {
        state.hub.publish_changes(ch);
    }
}

/// Runs a backup in the node: log record `berjalan` → snapshot → [`create`] → final record with the
/// pieces written (or `gagal` + alarm `backup.failed`). Returns the record and manifest.
pub fn run_create(
    state: &NodeState,
    actor: &Actor,
    dir: &Path,
    full: bool,
    alasan: Alasan,
) -> Result<(BackupRun, ManifestBody), BackupError> {
    let _g = RunGuard::take().map_err(|(_, m)| err(JenisKegagalan::Lainnya, m))?;
    let now = crate::clock::now();
    let mut run = new_run(JenisRun::Backup, dir, &actor.name, alasan, now);
    run.id = state
        .store
        .backup_log_start(&run, actor, now)
        .map_err(store_err)?;
    let result = (|| {
        let keys = state.identity.keys().ok_or_else(|| {
            err(
                JenisKegagalan::NodeTerkunci,
                "the node is locked: backups are signed with the node key; unlock it (`kasa node unlock`) and run again",
            )
        })?;
        let recovery = state
            .cfg
            .backup
            .recovery()
            .map_err(|m| err(JenisKegagalan::Lainnya, m))?;
        let policy = state
            .cfg
            .backup
            .policy()
            .map_err(|m| err(JenisKegagalan::Lainnya, m))?;
        let index = match target_id_of(dir) {
            Some(t) => state.store.backup_piece_index(&t).map_err(store_err)?,
            None => HashMap::new(),
        };
        let snapshot = state.store.backup_snapshot().map_err(store_err)?;
        create(
            CreateParams {
                paths: &state.paths,
                snapshot: &snapshot,
                index,
                node_id: &state.node_id,
                node_name: &state.node_name,
                keys: &keys,
                recovery,
                policy: &policy,
                alasan,
                operator: &actor.name,
                full,
                now,
            },
            dir,
        )
    })();
    match result {
        Ok(c) => {
            let m = c.manifest;
            run.target_id = c.target.target_id.clone();
            run.ended_at = Some(crate::clock::now());
            run.hasil = Hasil::Berhasil;
            run.jenis = Some(m.jenis);
            run.manifest_no = Some(m.no);
            run.audit_seq = m.audit_seq;
            run.bytes_total = m.bytes_total;
            run.bytes_written = m.bytes_written;
            run.pieces_total = m.pieces.len() as u64;
            run.pieces_new = m.pieces.iter().filter(|p| p.new).count() as u64;
            run.himpunan = m.himpunan.clone();
            state
                .store
                .backup_log_finish(&run, &c.new_pieces, actor, crate::clock::now())
                .map_err(store_err)?;
            tracing::info!(dir = %dir.display(), manifest = m.no, jenis = m.jenis.as_str(), written = m.bytes_written, "backup written");
            Ok((run, m))
        }
        Err(e) => {
            tracing::warn!(dir = %dir.display(), error = %e, "backup failed");
            fail_run(state, &mut run, &e, actor);
            Err(e)
        }
    }
}

/// Restore test (PI.01 V.4): verify, restore the latest manifest into a temporary directory with a
/// random sample of documents, compare with the live node, record the result.
pub fn run_test(
    state: &NodeState,
    actor: &Actor,
    dir: &Path,
    sample: usize,
) -> Result<BackupRun, BackupError> {
    let _g = RunGuard::take().map_err(|(_, m)| err(JenisKegagalan::Lainnya, m))?;
    let now = crate::clock::now();
    let mut run = new_run(JenisRun::UjiRestore, dir, &actor.name, Alasan::Manual, now);
    run.id = state
        .store
        .backup_log_start(&run, actor, now)
        .map_err(store_err)?;
    let tmp = state
        .paths
        .data_dir
        .join(format!(".backup-test-{}", run.id));
    let result = (|| -> Result<UjiRestore, BackupError> {
        let keys = state.identity.keys().ok_or_else(|| {
            err(JenisKegagalan::NodeTerkunci, "the node is locked: the restore test decrypts the backup with the node key; unlock it (`kasa node unlock`) and run again")
        })?;
        let card = state
            .identity
            .card
            .clone()
            .ok_or_else(|| err(JenisKegagalan::Lainnya, "this node has no identity card"))?;
        let ids = [Identity::from_bytes(*keys.encryption.to_bytes())];
        let _ = fs::remove_dir_all(&tmp);
        let restored = restore(RestoreParams {
            from: dir,
            to: &tmp,
            manifest: None,
            identities: &ids,
            card: Some((&card, "node")),
            blobs: BlobPilihan::Sample(sample),
            now,
        })
        .map_err(|m| err(JenisKegagalan::DataRusak, m))?;
        let f = &restored.fakta;
        let mut u = UjiRestore {
            manifest_no: f.manifest_no,
            entries_restored: f.entries,
            audit_chain_ok: true,
            ..Default::default()
        };
        // The live chain holds the backed-up chain: same hash at the manifest's seq.
        match state.store.audit_at(f.audit_seq).map_err(store_err)? {
            Some(rec) if rec.hash == f.audit_hash => u.audit_head_match = true,
            Some(rec) => u.selisih.push(format!(
                "audit record {} has hash {} live but {} in the backup",
                f.audit_seq, rec.hash, f.audit_hash
            )),
            None if f.audit_seq == 0 => u.audit_head_match = true,
            None => u
                .selisih
                .push(format!("the live node has no audit record {}", f.audit_seq)),
        }
        // Documents: the sample decrypted and hashed during the restore; compare with the live files.
        let blobs = crate::ingest::Blobs::new(state.paths.blobs());
        let rblobs = crate::ingest::Blobs::new(tmp.join("blobs"));
        for sha in &restored.blobs_written {
            u.blobs_sampled += 1;
            let enc_form = |b: &crate::ingest::Blobs| {
                fs::read(b.age_path(sha)).or_else(|_| fs::read(b.kgm_path(sha)))
            };
            let same = match (fs::read(rblobs.path(sha)), enc_form(&rblobs)) {
                (Ok(d), _) => {
                    sha256_hex(&d) == *sha
                        && (blobs.path(sha).is_file()
                            || blobs.age_path(sha).is_file()
                            || blobs.kgm_path(sha).is_file())
                }
                (_, Ok(d)) => match enc_form(&blobs) {
                    Ok(live) => live == d,
                    Err(_) => blobs.path(sha).is_file(),
                },
                _ => false,
            };
            if same {
                u.blobs_matching += 1;
            } else {
                u.selisih
                    .push(format!("document {sha} differs from the live node"));
            }
        }
        // Entries: a random sample compared with the live node (entries changed since are expected to differ).
        let rst = crate::store::Store::open(&tmp.join("kasa.redb")).map_err(store_err)?;
        let changed = state
            .store
            .audit_objects_after(f.audit_seq)
            .map_err(store_err)?;
        let ids_r = rst.entry_ids().map_err(store_err)?;
        for i in sample_indices(ids_r.len(), sample) {
            let id = ids_r[i];
            u.entries_sampled += 1;
            let a = rst.entry(id).map_err(store_err)?;
            let b = state.store.entry(id).map_err(store_err)?;
            if a == b || changed.contains(&format!("entry:{id}")) {
                u.entries_matching += 1;
            } else {
                u.selisih
                    .push(format!("entry {id} differs from the live node"));
            }
        }
        let live_upto = state
            .store
            .entry_ids()
            .map_err(store_err)?
            .into_iter()
            .filter(|id| ids_r.last().is_some_and(|m| id <= m))
            .count() as u64;
        if live_upto != f.entries {
            u.selisih.push(format!(
                "{} entries restored, the live node has {live_upto} up to the same id",
                f.entries
            ));
        }
        Ok(u)
    })();
    let _ = fs::remove_dir_all(&tmp);
    match result {
        Ok(u) if u.selisih.is_empty() && u.audit_head_match => {
            run.ended_at = Some(crate::clock::now());
            run.hasil = Hasil::Berhasil;
            run.manifest_no = Some(u.manifest_no);
            run.uji = Some(u);
            state
                .store
                .backup_log_finish(&run, &[], actor, crate::clock::now())
                .map_err(store_err)?;
            Ok(run)
        }
        Ok(u) => {
            let e = err(JenisKegagalan::DataRusak, u.selisih.join("; "));
            run.manifest_no = Some(u.manifest_no);
            run.uji = Some(u);
            fail_run(state, &mut run, &e, actor);
            Ok(run)
        }
        Err(e) => {
            fail_run(state, &mut run, &e, actor);
            Err(e)
        }
    }
}

fn to_abs(s: &str) -> Result<PathBuf, (&'static str, String)> {
    let p = PathBuf::from(s);
    if !p.is_absolute() {
        return Err((
            "bad_request",
            format!("backup directory '{s}' must be an absolute path"),
        ));
    }
    Ok(p)
}

/// Handles [`BackupRequest`]s.
pub(super) fn handle(state: &NodeState, op: &Operator, req: BackupRequest) -> HResult {
    let actor = Actor::operator(op);
    match req {
        BackupRequest::Create { to, full } => {
            let dir = to_abs(&to)?;
            let (run, manifest) = run_create(state, &actor, &dir, full, Alasan::Manual)
                .map_err(|e| ("backup_failed", e.message))?;
            Ok(Reply::Backup(BackupReply::Created {
                run: Box::new(run),
                manifest: Box::new(manifest),
            }))
        }
        BackupRequest::Test { dir, sample } => {
            let dir = to_abs(&dir)?;
            let n = sample.unwrap_or(state.cfg.backup.test_sample).max(1) as usize;
            let run = run_test(state, &actor, &dir, n).map_err(|e| ("backup_failed", e.message))?;
            Ok(Reply::Backup(BackupReply::Tested { run: Box::new(run) }))
        }
        BackupRequest::Log => {
            let runs = state
                .store
                .backup_log()
                .map_err(|e| ("internal", e.to_string()))?;
            let r = ringkas(&runs);
            let now = crate::clock::now();
            let policy = state.cfg.backup.policy().unwrap_or_default();
            Ok(Reply::Backup(BackupReply::Log {
                test_overdue: policy.test_overdue(now, r.last_test_ok, r.first_backup_ok),
                missed: policy.missed(now, r.last_backup_ok, now),
                runs,
                ringkasan: Box::new(r),
                zone: state.cfg.zone.clone(),
                node_id: state.node_id.clone(),
                now,
                target: (!state.cfg.backup.target.as_os_str().is_empty()).then(|| {
                    state
                        .paths
                        .data_dir
                        .join(&state.cfg.backup.target)
                        .display()
                        .to_string()
                }),
            }))
        }
    }
}

/// The node's backup timer (main thread, checked every few seconds): the daily scheduled run of
/// `node.toml` `[backup]` in a background thread, the alarm for a missed run (`backup.missed`) and
/// the reminder when the restore test is overdue (`backup.test_due`), each raised once while open.
pub(super) struct BackupWatch {
    started: Timestamp,
}

impl BackupWatch {
    pub(super) fn new(now: Timestamp) -> BackupWatch {
        BackupWatch { started: now }
    }

    fn alarm_once(state: &NodeState, kind: &str, message: &str, now: Timestamp) {
        let open = state.store.alarms(true).unwrap_or_default();
        if open.iter().any(|a| a.kind == kind) {
            return;
        }
        if let Ok((_, ch)) = state.store.raise_alarm(kind, message, "backup", now) {
            state.hub.publish_changes(ch);
        }
    }

    /// One check at `now`.
    pub(super) fn check(&mut self, state: &std::sync::Arc<NodeState>, now: Timestamp) {
        let Ok(policy) = state.cfg.backup.policy() else {
            return;
        };
        let Ok(runs) = state.store.backup_log() else {
            return;
        };
        let r = ringkas(&runs);
        let zone = state.cfg.calendar().zone;
        if policy.due(now, &zone, r.last_backup_started) && !RUNNING.load(Ordering::SeqCst) {
            let st = state.clone();
            let dir = state.paths.data_dir.join(&state.cfg.backup.target);
            let _ = std::thread::Builder::new()
                .name("backup".into())
                .spawn(move || {
                    let _guard = st.work.read();
                    let _ = run_create(&st, &Actor::node(), &dir, false, Alasan::Jadwal);
                });
            return;
        }
        if policy.missed(now, r.last_backup_ok, self.started) {
            Self::alarm_once(
                state,
                "backup.missed",
                &format!(
                    "tidak ada backup berhasil dalam {} jam terakhir (PI.01 V.1: backup harian); periksa media {}",
                    policy.missed_after_hours,
                    state.cfg.backup.target.display()
                ),
                now,
            );
        }
        if policy.test_overdue(now, r.last_test_ok, r.first_backup_ok) {
            Self::alarm_once(
                state,
                "backup.test_due",
                &format!(
                    "uji restore terakhir lebih dari {} hari lalu (PI.01 V.4: sedikitnya sekali dalam tiga bulan): jalankan `kasa backup test DIR`",
                    policy.test_every_days
                ),
                now,
            );
        }
    }
}

/// A backup made before a schema migration, to record in the log once the store is open.
pub struct PreMigration {
    pub run: BackupRun,
    pub new_pieces: Vec<(String, PieceIndex)>,
}

/// PI.01 V.2 ("before every change of the system, back up first"): when the database at `paths` has an
/// older schema than this kasa and `[backup] target` is set, writes a full backup of the untouched file
/// (opened read-only) before the migration may run. Without a target, the store's own file copy
/// (`kasa.redb.bak-vN`) is the only copy; without the unlocked keys the start is refused, because the
/// backup must be signed.
pub fn before_migration(
    paths: &Paths,
    cfg: &crate::config::NodeConfig,
    keys: &dyn Fn() -> Option<std::sync::Arc<NodeKeys>>,
    now: Timestamp,
) -> Result<Option<PreMigration>, String> {
    let db = paths.db();
    let v = match crate::store::backup::peek_schema_version(&db) {
        Ok(Some(v)) => v,
        _ => return Ok(None),
    };
    if v >= crate::store::SCHEMA_VERSION || cfg.backup.target.as_os_str().is_empty() {
        return Ok(None);
    }
    let keys = keys().ok_or_else(|| {
        format!(
            "the database has schema {v} and this kasa migrates it to {}; a backup to {} runs first and must be signed: start the node with --passphrase-file",
            crate::store::SCHEMA_VERSION,
            cfg.backup.target.display()
        )
    })?;
    let fs_snap = crate::store::backup::snapshot_of_file(&db).map_err(|e| e.to_string())?;
    let node_id = fs_snap
        .snapshot
        .meta("node_id")
        .ok()
        .flatten()
        .unwrap_or_default();
    let node_name = fs_snap
        .snapshot
        .meta("node_name")
        .ok()
        .flatten()
        .unwrap_or_default();
    let dir = paths.data_dir.join(&cfg.backup.target);
    let policy = cfg.backup.policy()?;
    let c = create(
        CreateParams {
            paths,
            snapshot: &fs_snap.snapshot,
            index: HashMap::new(),
            node_id: &node_id,
            node_name: &node_name,
            keys: &keys,
            recovery: cfg.backup.recovery()?,
            policy: &policy,
            alasan: Alasan::Migrasi,
            operator: "node",
            full: true,
            now,
        },
        &dir,
    )
    .map_err(|e| format!("backup before the schema migration failed, nothing was migrated: {e}"))?;
    let m = &c.manifest;
    let mut run = new_run(JenisRun::Backup, &dir, "node", Alasan::Migrasi, now);
    run.target_id = c.target.target_id.clone();
    run.ended_at = Some(crate::clock::now());
    run.hasil = Hasil::Berhasil;
    run.jenis = Some(m.jenis);
    run.manifest_no = Some(m.no);
    run.audit_seq = m.audit_seq;
    run.bytes_total = m.bytes_total;
    run.bytes_written = m.bytes_written;
    run.pieces_total = m.pieces.len() as u64;
    run.pieces_new = m.pieces.len() as u64;
    run.himpunan = m.himpunan.clone();
    Ok(Some(PreMigration {
        run,
        new_pieces: c.new_pieces,
    }))
}

/// Records a [`PreMigration`] backup in the (now migrated) store's log.
pub fn record_pre_migration(store: &crate::store::Store, pm: PreMigration) {
    let now = crate::clock::now();
    let mut run = pm.run;
    let actor = Actor::node();
    match store.backup_log_start(&run, &actor, run.started_at) {
        Ok(id) => {
            run.id = id;
            if let Err(e) = store.backup_log_finish(&run, &pm.new_pieces, &actor, now) {
                tracing::warn!(error = %e, "cannot record the pre-migration backup");
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot record the pre-migration backup"),
    }
}

/// At node start (before any client connects): closes the runs a dead node left `berjalan` as failed
/// (*terputus*) with an alarm `backup.failed` each (PI.01 V.5).
pub fn close_interrupted(store: &crate::store::Store) {
    let now = crate::clock::now();
    match store.backup_close_interrupted(now) {
        Ok(v) => {
            for r in v {
                let _ = store.raise_alarm(
                    "backup.failed",
                    &format!(
                        "backup {} ke {} terputus: node berhenti sebelum selesai; jalankan lagi",
                        r.id, r.target
                    ),
                    &format!("backup:{}", r.id),
                    now,
                );
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot close interrupted backup runs"),
    }
}
