//! Scanner drop-folder ingest (DESIGN §3, issue 2 §7–8).
//!
//! File events are hints; the directory listing is the truth. The loop scans at start, re-lists
//! periodically and whenever the watcher reports an overflow or error, and re-checks every tracked path
//! each tick. A path is taken only when it is a regular file (lstat, never followed), non-empty, and its
//! size and mtime (ns) did not change for `stable_ms`.
//!
//! Crash-idempotent order for one file: copy + SHA-256 into `ingest/staging` → fsync → analysis in a
//! child process → rename into the blob store → one redb transaction (entry, hash index, source identity,
//! audit) → only then move the original to `ingest/processed` (or `ingest/duplicates`). A crash at any
//! point leaves either the original in the drop folder (taken again; the source identity or the blob make
//! it idempotent) or a committed entry whose original is moved on the next pass.

pub mod extract;
pub mod halaman;
pub mod ocr;
pub mod sniff;
pub mod worker;

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::{IngestConfig, Paths};
use crate::domain::Attachment;
use sha2::{Digest, Sha256};

use crate::proto::IngestProgress;
use crate::store::{Change, IngestInput, IngestOutcome, SourceKey, Store};

/// Publishes committed changes to subscribers (the node's hub).
pub type Publish = Arc<dyn Fn(Vec<Change>) + Send + Sync>;

/// Opens a `.kgm` or a plain age file taken by the ingest path (set by the node, `node::kriptogram::open_dropped`):
/// `(the file, read in place; name)` → `None` to store it as a plain attachment, else the outcome or the reason to
/// refuse it.
pub type KgmHook = Box<dyn Fn(&File, &str) -> Option<Result<IngestOutcome, String>> + Send + Sync>;

/// The most dropped files committed in one transaction ([`Ingest::take_paths`]).
pub const BATCH_MAX: usize = 64;

/// Files up to this size (bytes, 256 KiB) are staged from one buffer of their size, hashed inline.
const SMALL_FILE: usize = 256 * 1024;

/// The most persistent analysis workers per ingest service (one per core, up to this).
pub const WORKERS_MAX: usize = 2;

/// Names the ingest leaves alone: OS litter and files still being written by another program.
pub fn is_junk(name: &str) -> bool {
    let l = name.to_lowercase();
    l == ".ds_store"
        || l == "thumbs.db"
        || l == "desktop.ini"
        || name.starts_with("._")
        || name.starts_with("~$")
        || name.starts_with(".#")
        || l.ends_with(".part")
        || l.ends_with(".tmp")
        || l.ends_with(".crdownload")
        || l.ends_with(".error.txt")
}

/// Outcome of trying to take one path.
#[derive(Debug)]
pub enum Taken {
    /// Committed (new, duplicate, or already committed before a crash).
    Ingested(IngestOutcome),
    /// Refused for good: moved to `ingest/failed/` with a sidecar and an alarm.
    Refused(String),
    /// A transient error (EBUSY, ENOSPC, EACCES, …): try again later.
    Transient(String),
    /// The path disappeared under us (or is a refused file that could not be moved): forget it.
    Vanished,
    /// The file changed while it was read (rewritten in place, or replaced under the same name): the
    /// staged copy was dropped; the loop watches the path again and takes it as a new file once stable.
    Changed,
}

fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(
            libc::EBUSY
                | libc::ENOSPC
                | libc::EACCES
                | libc::EAGAIN
                | libc::EMFILE
                | libc::ENFILE
                | libc::EDQUOT
                | libc::ETXTBSY
        )
    )
}

fn fsync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Removes a redundant private file (a staged copy whose content is stored already) on a thread of
/// its own: freeing a large file's pages and extents takes ~0.4 s per GiB on ext4, which the
/// operator's reply need not wait for (issue 19). The file is the node's own, under `ingest/staging/`,
/// so a node stopped first leaves it to [`Ingest::recover`] at the next start. Files under 64 MiB
/// are removed at once; a directory is removed with what it holds, after the files queued before it.
pub fn remove_in_background(path: PathBuf) {
    use std::sync::OnceLock;
    use std::sync::mpsc::{Sender, channel};
    static REAPER: OnceLock<Option<Mutex<Sender<PathBuf>>>> = OnceLock::new();
    let remove = |p: &Path| {
        if p.is_dir() {
            fs::remove_dir_all(p)
        } else {
            fs::remove_file(p)
        }
    };
    if fs::symlink_metadata(&path).is_ok_and(|m| m.is_file() && m.len() < 64 << 20) {
        let _ = fs::remove_file(&path);
        return;
    }
    let reaper = REAPER.get_or_init(|| {
        let (tx, rx) = channel::<PathBuf>();
        std::thread::Builder::new()
            .name("kasa-reaper".into())
            .spawn(move || {
                for p in rx {
                    if let Err(e) = remove(&p)
                        && e.kind() != io::ErrorKind::NotFound
                    {
                        tracing::warn!(file = %p.display(), error = %e, "cannot remove a redundant copy");
                    }
                }
            })
            .ok()
            .map(|_| Mutex::new(tx))
    });
    let path = match reaper.as_ref().and_then(|m| m.lock().ok()) {
        Some(tx) => match tx.send(path) {
            Ok(()) => return,
            Err(e) => e.0,
        },
        None => path,
    };
    let _ = remove(&path);
}

/// Creates `dir` (and parents) with mode 0700.
pub fn mkdir_private(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
}

/// Longest file name (bytes) on the file systems kasa writes to (NAME_MAX of ext4, xfs, tmpfs).
pub const NAME_MAX: usize = 255;

/// Splits a safe name into `(stem, .ext)` and shortens the stem (on a character boundary) so that
/// `stem + "-NNNN" + ext + suffix` fits [`NAME_MAX`]: a valid 255-byte name keeps its `.error.txt`
/// sidecar and its `-1` variants.
fn fit_name(safe: &str, suffix: &str) -> (String, String) {
    let (stem, ext) = match safe.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && e.len() < 32 => (s.to_string(), format!(".{e}")),
        _ => (safe.to_string(), String::new()),
    };
    let room = NAME_MAX.saturating_sub(ext.len() + suffix.len() + 6);
    let mut cut = stem.len().min(room);
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    (stem[..cut].to_string(), ext)
}

fn safe_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c == '/' || c.is_control() { '_' } else { c })
        .collect();
    if s.is_empty() || s == "." || s == ".." {
        "berkas".into()
    } else {
        s
    }
}

/// Moves `src` to `dst` (which must not exist): rename(2), or, when `src` is on another file system
/// (EXDEV, e.g. a drop folder on a network share), copy into a new 0600 file, fsync, then unlink `src`
/// once. The target directory is fsynced.
pub fn move_file(src: &Path, dst: &Path) -> io::Result<()> {
    move_file_in(src, dst, true)
}

/// [`move_file`]; with `sync_dir` false the target directory is not fsynced (the caller fsyncs it
/// once for a batch of moves).
fn move_file_in(src: &Path, dst: &Path, sync_dir: bool) -> io::Result<()> {
    match fs::rename(src, dst) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EXDEV) => {
            let mut from = File::open(src)?;
            let mut to = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(dst)?;
            let r = io::copy(&mut from, &mut to).and_then(|_| to.sync_all());
            if let Err(e) = r {
                let _ = fs::remove_file(dst);
                return Err(e);
            }
            fs::remove_file(src)?;
            if let Some(d) = src.parent() {
                fsync_dir(d);
            }
        }
        Err(e) => return Err(e),
    }
    if sync_dir && let Some(d) = dst.parent() {
        fsync_dir(d);
    }
    Ok(())
}

/// Moves `src` into `dir` under `name`, adding `-1`, `-2`, … when the name is taken (names shortened to
/// fit [`NAME_MAX`]). Works across file systems ([`move_file`]). Returns the target.
pub fn move_unique(src: &Path, dir: &Path, name: &str) -> io::Result<PathBuf> {
    move_unique_in(src, dir, name, true)
}

/// [`move_unique`]; with `sync_dir` false `dir` is not fsynced (see [`move_file_in`]).
fn move_unique_in(src: &Path, dir: &Path, name: &str, sync_dir: bool) -> io::Result<PathBuf> {
    let safe = safe_name(name);
    let (stem, ext) = fit_name(&safe, "");
    for i in 0..10_000 {
        let cand = if i == 0 && safe.len() <= NAME_MAX {
            dir.join(&safe)
        } else if i == 0 {
            dir.join(format!("{stem}{ext}"))
        } else {
            dir.join(format!("{stem}-{i}{ext}"))
        };
        if fs::symlink_metadata(&cand).is_err() {
            // rename(2) replaces silently; the check above narrows the race to our own single thread.
            move_file_in(src, &cand, sync_dir)?;
            return Ok(cand);
        }
    }
    Err(io::Error::other(format!(
        "no free name for {name} in {}",
        dir.display()
    )))
}

/// The identity of the file at `path` (lstat, never followed): device, inode, size, mtime (ns).
pub fn identity_of(path: &Path) -> Option<SourceKey> {
    fs::symlink_metadata(path).ok().map(|m| key_of(&m))
}

fn key_of(m: &fs::Metadata) -> SourceKey {
    SourceKey {
        dev: m.dev(),
        ino: m.ino(),
        mtime_ns: m.mtime() * 1_000_000_000 + m.mtime_nsec(),
        size: m.len(),
    }
}

/// Writes a new 0600 file (O_EXCL) and fsyncs it.
fn write_new_private(path: &Path, data: &[u8]) -> io::Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(data)?;
    f.sync_all()
}

/// Test hook: `KASA_TEST_INGEST_PAUSE=copy|move` makes the ingest pause 1.5 s after the first chunk of
/// the staging copy (`copy`) or after the commit, before the original is moved (`move`), so tests can
/// change the dropped file at exactly that moment. Unset in production.
fn test_pause(at: &str) {
    if std::env::var("KASA_TEST_INGEST_PAUSE").is_ok_and(|v| v == at) {
        std::thread::sleep(Duration::from_millis(1500));
    }
}

/// The content-addressed blob store: `blobs/ab/abcdef…` (lowercase hex SHA-256).
#[derive(Debug, Clone)]
pub struct Blobs {
    root: PathBuf,
}

impl Blobs {
    pub fn new(root: PathBuf) -> Blobs {
        Blobs { root }
    }

    /// Path of the blob with hex hash `hex`.
    pub fn path(&self, hex: &str) -> PathBuf {
        let prefix = hex.get(..2).unwrap_or("00");
        self.root.join(prefix).join(hex)
    }

    /// Moves a staged file into place (idempotent: an existing blob with the same hash is kept and the
    /// staged copy removed). The directory entry is fsynced.
    pub fn put_staged(&self, staged: &Path, sha: &[u8; 32]) -> io::Result<PathBuf> {
        if let Some(dir) = self.put_staged_unsynced(staged, sha)? {
            fsync_dir(&dir);
        }
        Ok(self.path(&hex::encode(sha)))
    }

    /// [`Blobs::put_staged`] without the directory fsync: returns the directory to fsync (`None`
    /// when the blob existed and the staged copy was removed), so a batch fsyncs each directory
    /// once before its commit. The staged copy's data must be on disk already.
    pub fn put_staged_unsynced(
        &self,
        staged: &Path,
        sha: &[u8; 32],
    ) -> io::Result<Option<PathBuf>> {
        let hex = hex::encode(sha);
        let target = self.path(&hex);
        let dir = target.parent().unwrap_or(&self.root).to_path_buf();
        mkdir_private(&dir)?;
        if target.exists() || self.age_path(&hex).exists() {
            // Same content stored before (in plaintext, or encrypted at rest because it was classified
            // Rahasia / Sangat Rahasia: never re-create its plaintext).
            remove_in_background(staged.to_path_buf());
            Ok(None)
        } else {
            fs::rename(staged, &target)?;
            Ok(Some(dir))
        }
    }

    /// Moves a copy staged encrypted ([`stage_copy_sealed_unsynced`]) into place as
    /// `blobs/ab/<sha>.age` (idempotent: an existing encrypted blob is kept and the staged copy
    /// removed). A plaintext blob of the same content (another, Biasa entry's) is left alone. The
    /// directory entry is fsynced.
    pub fn put_staged_sealed(&self, staged: &Path, sha: &[u8; 32]) -> io::Result<PathBuf> {
        let hex = hex::encode(sha);
        let target = self.age_path(&hex);
        let dir = target.parent().unwrap_or(&self.root).to_path_buf();
        mkdir_private(&dir)?;
        if target.exists() {
            remove_in_background(staged.to_path_buf());
        } else {
            fs::rename(staged, &target)?;
            fsync_dir(&dir);
        }
        Ok(target)
    }

    /// Path of the blob encrypted at rest (age, to the node's own X25519 key): `blobs/ab/<sha>.age`.
    pub fn age_path(&self, hex: &str) -> PathBuf {
        let mut p = self.path(hex).into_os_string();
        p.push(".age");
        PathBuf::from(p)
    }

    /// Path of the blob kept inside a `.kgm` the node sealed, with an archive stanza to its own key
    /// (`kgm::seal_archived`): `blobs/ab/<sha>.kgm`, a hard link to the kriptogram in `outbox/`, so
    /// the letter is on disk once, encrypted (issue 19). Read with `kgm::archived_file`.
    pub fn kgm_path(&self, hex: &str) -> PathBuf {
        let mut p = self.path(hex).into_os_string();
        p.push(".kgm");
        PathBuf::from(p)
    }

    /// Links the sealed kriptogram at `kgm` (its data already on disk) as blob `sha`'s `.kgm` form
    /// ([`Blobs::kgm_path`]) and fsyncs the directory. Idempotent: an existing link is kept (the
    /// same content sealed before). Errors: I/O (the blob store on another file system than the
    /// outbox, among others).
    pub fn link_kgm(&self, kgm: &Path, sha: &[u8; 32]) -> io::Result<PathBuf> {
        let target = self.kgm_path(&hex::encode(sha));
        let dir = target.parent().unwrap_or(&self.root).to_path_buf();
        mkdir_private(&dir)?;
        match fs::hard_link(kgm, &target) {
            Ok(()) => fsync_dir(&dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        Ok(target)
    }

    /// Reads a blob whole.
    pub fn read(&self, hex: &str) -> io::Result<Vec<u8>> {
        fs::read(self.path(hex))
    }

    /// Every blob hash on disk (for the orphan check).
    pub fn list(&self) -> io::Result<Vec<String>> {
        let mut out = Vec::new();
        let Ok(rd) = fs::read_dir(&self.root) else {
            return Ok(out);
        };
        for d in rd.flatten() {
            if d.file_type()?.is_dir() {
                for f in fs::read_dir(d.path())?.flatten() {
                    out.push(f.file_name().to_string_lossy().into_owned());
                }
            }
        }
        Ok(out)
    }
}

/// Copies `src` into a new 0600 file in `staging` while hashing; fsyncs it. Returns (path, sha, size).
/// Errors: I/O, `FileTooLarge` over `max` bytes (the partial copy is removed).
pub fn stage_copy(
    src: &mut impl Read,
    staging: &Path,
    max: u64,
) -> io::Result<(PathBuf, [u8; 32], u64)> {
    let (path, sha, total) = stage_copy_unsynced(src, staging, max)?;
    if let Err(e) = File::open(&path).and_then(|f| f.sync_all()) {
        let _ = fs::remove_file(&path);
        return Err(e);
    }
    Ok((path, sha, total))
}

/// [`stage_copy`] without the final fsync: 1 MiB blocks, SHA-256 on a second thread, write-back
/// started every 8 MiB; the caller fsyncs the copy before a commit relies on it.
pub fn stage_copy_unsynced(
    src: &mut impl Read,
    staging: &Path,
    max: u64,
) -> io::Result<(PathBuf, [u8; 32], u64)> {
    stage_into(src, staging, max, None)
}

/// [`stage_copy_unsynced`] that writes the copy encrypted at rest (age v1, binary, to `to`: the
/// node's own X25519 recipient) while the SHA-256 and size are those of the plaintext, so a
/// classified file never touches the disk in clear. Same passes, same memory (1 MiB blocks plus the
/// encryptor's 64 KiB chunk). The result is ready for [`Blobs::put_staged_sealed`]. Errors: I/O,
/// `FileTooLarge` over `max` bytes, the encryptor's failure (the partial copy is removed).
pub fn stage_copy_sealed_unsynced(
    src: &mut impl Read,
    staging: &Path,
    max: u64,
    to: &crate::crypto::Recipient,
) -> io::Result<(PathBuf, [u8; 32], u64)> {
    stage_into(src, staging, max, Some(to))
}

/// Where a staged copy goes: plain, or through an age encryptor to the node's own recipient
/// (encryption at rest). 1 MiB writes with write-back started as they go; [`Sink::finish`] ends the
/// age stream (the caller fsyncs the file).
pub enum Sink<'f> {
    /// The plaintext copy.
    Plain(crate::crypto::pipe::WritebackFile<'f>),
    /// The copy encrypted at rest (ready for [`Blobs::put_staged_sealed`]).
    Sealed(Box<crate::crypto::Encryptor<crate::crypto::pipe::WritebackFile<'f>>>),
}

impl Write for Sink<'_> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(b),
            Sink::Sealed(w) => w.write(b),
        }
    }

    fn write_all(&mut self, b: &[u8]) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.write_all(b),
            Sink::Sealed(w) => w.write_all(b),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            Sink::Sealed(_) => Ok(()),
        }
    }
}

impl<'f> Sink<'f> {
    /// A sink into `out`: plain, or sealed to `seal_to`. Errors: the encryptor could not start.
    pub fn new(out: &'f File, seal_to: Option<&crate::crypto::Recipient>) -> io::Result<Sink<'f>> {
        use crate::crypto::pipe::WritebackFile;
        Ok(match seal_to {
            None => Sink::Plain(WritebackFile::new(out)),
            Some(to) => Sink::Sealed(Box::new(
                crate::crypto::Encryptor::new(
                    WritebackFile::new(out),
                    std::slice::from_ref(to),
                    crate::crypto::Armor::Binary,
                )
                .map_err(|e| io::Error::other(format!("encryption at rest: {e}")))?,
            )),
        })
    }

    /// Ends the copy (the age stream's final chunk when sealed). Errors: I/O, the encryptor's.
    pub fn finish(self) -> io::Result<()> {
        match self {
            Sink::Plain(_) => Ok(()),
            Sink::Sealed(w) => w
                .finish()
                .map(|_| ())
                .map_err(|e| io::Error::other(format!("encryption at rest: {e}"))),
        }
    }
}

/// A new, empty private file (0600, `create_new`) with a random name in the `staging` folder, for a
/// copy the caller writes itself (e.g. the letter a seal keeps while it encrypts it). Errors: I/O.
pub fn new_staging_file(staging: &Path) -> io::Result<(PathBuf, fs::File)> {
    let mut rnd = [0u8; 8];
    getrandom::fill(&mut rnd).map_err(|e| io::Error::other(e.to_string()))?;
    let path = staging.join(format!("{}.stage", hex::encode(rnd)));
    let out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)?;
    Ok((path, out))
}

fn stage_into(
    src: &mut impl Read,
    staging: &Path,
    max: u64,
    seal_to: Option<&crate::crypto::Recipient>,
) -> io::Result<(PathBuf, [u8; 32], u64)> {
    use crate::crypto::pipe::{self, HashThread, Pool};
    let (path, out) = new_staging_file(staging)?;
    let mut total = 0u64;
    let res = (|| -> io::Result<[u8; 32]> {
        let mut w = Sink::new(&out, seal_to)?;
        let too_large = || {
            io::Error::new(
                io::ErrorKind::FileTooLarge,
                format!("larger than the configured maximum of {max} bytes"),
            )
        };
        // The first SMALL_FILE bytes are read into a buffer of their size: a file that ends there
        // (a born-digital letter, a one-page scan) is hashed inline, with no hashing thread and no
        // 1 MiB block to allocate and zero (issue 19: those were the largest share of the node's
        // CPU per small file). A longer file goes on in 1 MiB blocks after this first one.
        let mut first = Vec::with_capacity(SMALL_FILE + 1);
        (&mut *src)
            .take(SMALL_FILE as u64 + 1)
            .read_to_end(&mut first)?;
        if !first.is_empty() {
            test_pause("copy");
        }
        total = first.len() as u64;
        if total > max {
            return Err(too_large());
        }
        if first.len() <= SMALL_FILE {
            w.write_all(&first)?;
            w.finish()?;
            return Ok(Sha256::digest(&first).into());
        }
        let h = HashThread::spawn()?;
        let first: pipe::Block = std::sync::Arc::new(first);
        h.update(&first, 0..first.len());
        w.write_all(&first)?;
        drop(first);
        let mut pool = Pool::default();
        loop {
            let mut b = pool.get();
            let n = pipe::read_full(src, pipe::block_mut(&mut b))?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > max {
                return Err(too_large());
            }
            h.update(&b, 0..n);
            w.write_all(&b[..n])?;
            pool.put(b);
        }
        w.finish()?;
        h.finish()
    })();
    match res {
        Ok(sha) => Ok((path, sha, total)),
        Err(e) => {
            let _ = fs::remove_file(&path);
            Err(e)
        }
    }
}

#[derive(Debug, Clone)]
struct Seen {
    size: u64,
    mtime_ns: i64,
    since: Instant,
    /// Earliest instant for the next attempt after a transient error.
    retry_at: Option<Instant>,
    attempts: u32,
    alarmed: bool,
}

impl Seen {
    /// A file first seen now with metadata `md` (size and mtime are what the stability check compares).
    fn new(md: &fs::Metadata) -> Seen {
        Seen {
            size: md.len(),
            mtime_ns: md.mtime() * 1_000_000_000 + md.mtime_nsec(),
            since: Instant::now(),
            retry_at: None,
            attempts: 0,
            alarmed: false,
        }
    }
}

/// What the files of a drop folder become.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `drop/`: incoming scans, new `baru` entries of the masuk book (or duplicates).
    Masuk,
    /// `drop_keluar/` (issue 14): outgoing scans. A file whose header suggestions give a nomor surat
    /// matching exactly one open keluar or kriptogram-keluar entry (draft or diagendakan; compared
    /// with `domain::penerimaan::normal_nomor`) becomes its attachment (jenis surat); any other file
    /// a new keluar draft with fields from its suggestions. Both recorded "dari drop_keluar".
    Keluar,
}

/// The ingest service of one node.
pub struct Ingest {
    pub paths: Paths,
    pub cfg: IngestConfig,
    pub drop_dir: PathBuf,
    /// What this folder's files become ([`Target::Masuk`] unless set after [`Ingest::new`]).
    pub target: Target,
    pub store: Arc<Store>,
    /// The kasa executable, run as `kasa __extract FILE` for analysis.
    pub exe: PathBuf,
    pub publish: Publish,
    pub progress: Arc<Mutex<IngestProgress>>,
    blobs: Blobs,
    /// The node's own age X25519 recipient (from its public card): the extracted text and suggestions
    /// are sealed to it at ingest. `None` on a node without an identity (stored as before).
    pub seal_to: Option<crate::crypto::Recipient>,
    /// Kriptogram opening, set once by the node after start.
    pub kgm_hook: std::sync::OnceLock<KgmHook>,
    /// Refused files that could not be moved out of the drop folder, by path and identity: not refused
    /// (and alarmed) again while unchanged.
    refused: Mutex<HashMap<PathBuf, SourceKey>>,
    /// The persistent analysis workers (`kasa __extract-worker`, [`worker::Pool`]).
    workers: worker::Pool,
}

impl Ingest {
    /// Creates the ingest service and its directories (0700).
    pub fn new(
        paths: Paths,
        cfg: IngestConfig,
        drop_dir: PathBuf,
        store: Arc<Store>,
        exe: PathBuf,
        publish: Publish,
        seal_to: Option<crate::crypto::Recipient>,
    ) -> io::Result<Ingest> {
        for sub in ["staging", "processed", "failed", "duplicates"] {
            mkdir_private(&paths.ingest(sub))?;
        }
        mkdir_private(&paths.blobs())?;
        fs::create_dir_all(&drop_dir)?;
        let blobs = Blobs::new(paths.blobs());
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let workers = worker::Pool::new(exe.clone(), cores.min(WORKERS_MAX));
        Ok(Ingest {
            paths,
            cfg,
            drop_dir,
            target: Target::Masuk,
            store,
            exe,
            publish,
            progress: Arc::new(Mutex::new(IngestProgress::default())),
            blobs,
            seal_to,
            kgm_hook: std::sync::OnceLock::new(),
            refused: Mutex::new(HashMap::new()),
            workers,
        })
    }

    /// The blob store.
    pub fn blobs(&self) -> &Blobs {
        &self.blobs
    }

    /// Removes the kept originals (in `ingest/processed/` and `ingest/duplicates/`) whose content has
    /// SHA-256 `sha` (hex): called once the blob is encrypted at rest, so no plaintext copy of a
    /// classified document stays on disk.
    pub fn forget_originals(&self, sha: &str) {
        for dir in ["processed", "duplicates"] {
            let Ok(rd) = fs::read_dir(self.paths.ingest(dir)) else {
                continue;
            };
            for f in rd.flatten() {
                let p = f.path();
                let same = File::open(&p).and_then(|mut h| {
                    let mut hasher = Sha256::new();
                    let mut buf = vec![0u8; 1 << 16];
                    loop {
                        let n = h.read(&mut buf)?;
                        if n == 0 {
                            break;
                        }
                        hasher.update(&buf[..n]);
                    }
                    Ok(hex::encode(hasher.finalize()))
                });
                if same.is_ok_and(|h| h.eq_ignore_ascii_case(sha)) && fs::remove_file(&p).is_ok() {
                    tracing::info!(file = %p.display(), "plaintext original of a classified document removed");
                }
            }
        }
    }

    /// Start-up recovery: staged copies of a crashed run are dropped (their originals are still in the
    /// drop folder, since originals move only after the commit), and so are the folders a kriptogram
    /// was decrypted into and those the background removal had not reached
    /// ([`remove_in_background`]).
    pub fn recover(&self) {
        if let Ok(rd) = fs::read_dir(self.paths.ingest("staging")) {
            for f in rd.flatten() {
                let _ = match f.file_type() {
                    Ok(t) if t.is_dir() => fs::remove_dir_all(f.path()),
                    _ => fs::remove_file(f.path()),
                };
            }
        }
    }

    /// The limits of the analysis child (`extract_cpu_secs`, `extract_memory_mb`,
    /// `extract_wall_secs` of `[ingest]`), also used for page previews.
    pub fn extract_limits(&self) -> extract::Limits {
        self.limits()
    }

    fn limits(&self) -> extract::Limits {
        extract::Limits {
            cpu_seconds: self.cfg.extract_cpu_secs,
            memory_bytes: self.cfg.extract_memory_mb << 20,
            wall: Duration::from_secs(self.cfg.extract_wall_secs),
        }
    }

    fn refuse(&self, path: &Path, name: &str, reason: &str) -> Taken {
        // Alarm and audit record first: a crash after this point leaves the file in the drop folder (it is
        // refused again, raising a second alarm) rather than a file in failed/ that nobody was told about.
        if let Ok((_, ch)) = self.store.ingest_refused(name, reason, crate::clock::now()) {
            (self.publish)(ch);
        }
        let failed = self.paths.ingest("failed");
        let safe = safe_name(name);
        let (stem, ext) = fit_name(&safe, ".error.txt");
        let mut target = failed.join(format!("{stem}{ext}"));
        let mut i = 0;
        while fs::symlink_metadata(&target).is_ok()
            || fs::symlink_metadata(format!("{}.error.txt", target.display())).is_ok()
        {
            i += 1;
            target = failed.join(format!("{stem}-{i}{ext}"));
        }
        // The sidecar is written before the move, so the file never sits in failed/ without its explanation.
        let side = PathBuf::from(format!("{}.error.txt", target.display()));
        let text = format!(
            "kasa menolak berkas ini / kasa refused this file\nberkas / file: {name}\nwaktu / time: {}\nalasan / reason: {reason}\n\nApa yang harus dilakukan / what to do: periksa berkasnya; jika benar, simpan ulang sebagai PDF/TIFF/JPEG/PNG biasa lalu letakkan lagi di folder drop, atau serahkan dengan `kasa ingest FILE`.\n",
            crate::clock::now()
        );
        if let Err(e) = write_new_private(&side, text.as_bytes()) {
            tracing::warn!(file = name, error = %e, "cannot write the refusal sidecar");
        }
        let id_before = identity_of(path);
        let moved = move_file(path, &target);
        if moved.is_err()
            && let (Some(k), Ok(mut r)) = (id_before, self.refused.lock())
        {
            // It could not leave the drop folder: remember this very file so later rescans do not
            // refuse it (and alarm) again. A changed file (other inode, size or mtime) is taken anew.
            r.insert(path.to_path_buf(), k);
        }
        tracing::warn!(file = name, reason, target = %target.display(), moved = moved.is_ok(), "ingest refused");
        if let Ok(mut p) = self.progress.lock() {
            p.failed += 1;
        }
        Taken::Refused(reason.to_string())
    }

    /// Takes one stable path from the drop folder through the whole pipeline
    /// ([`Ingest::take_paths`] with one path).
    pub fn take_path(&self, path: &Path) -> Taken {
        self.take_paths(&[path.to_path_buf()])
            .pop()
            .unwrap_or(Taken::Vanished)
    }

    /// Takes several stable paths from the drop folder at once (issue 19): each is checked, opened
    /// and copied into staging as [`Ingest::take_path`] always did, then all are analysed (both
    /// workers) and committed together ([`Ingest::finish_batch`]: one redb transaction, fsyncs
    /// batched), and only then are the originals moved out of the drop folder (one fsync per target
    /// directory). Refusals, duplicates and crash recovery are per file as before. One [`Taken`]
    /// per path, in order.
    pub fn take_paths(&self, paths: &[PathBuf]) -> Vec<Taken> {
        let batch = self.prepare_paths(paths);
        self.complete_paths(paths, batch)
    }

    /// The first half of [`Ingest::take_paths`]: checks, staging, analyses and commit inputs. The
    /// drop-folder loop prepares the next batch while the previous one is committed.
    fn prepare_paths(&self, paths: &[PathBuf]) -> PathBatch {
        let mut results: Vec<Option<Taken>> = paths.iter().map(|_| None).collect();
        let mut opened: Vec<(usize, File, SourceKey, String)> = Vec::new();
        for (i, path) in paths.iter().enumerate() {
            match self.open_dropped(path) {
                Ok((f, key, name)) => opened.push((i, f, key, name)),
                Err(t) => results[i] = Some(t),
            }
        }
        if opened.is_empty() {
            return PathBatch {
                results,
                done: Vec::new(),
                meta: Vec::new(),
                prepared: Vec::new(),
                processing: 0,
            };
        }
        if let Ok(mut p) = self.progress.lock() {
            p.processing += opened.len() as u64;
        }
        let origin = match self.target {
            Target::Masuk => "folder drop",
            Target::Keluar => "drop_keluar",
        };
        let mut done: Vec<(usize, SourceKey, String, Result<IngestOutcome, StageError>)> =
            Vec::new();
        let mut staged: Vec<(usize, SourceKey, String, Staged)> = Vec::new();
        for (i, f, key, name) in &opened {
            let unchanged_now = || f.metadata().is_ok_and(|m| key_of(&m) == *key);
            let unchanged = |copied: u64| copied == key.size && unchanged_now();
            // A kriptogram or age file is opened in place, read once: its signature (or AEAD) covers
            // every byte read, so a file changing under us is never half-taken. A refusal of a file that
            // changed while it was read is not a refusal of the new file: it is watched again and taken
            // once stable. The original then moves like any other (a retake after a crash is a ledger
            // duplicate).
            let r = match self.open_in_place(f, name) {
                Some(r) => r.map(Stage::Done).map_err(|why| {
                    if unchanged_now() {
                        StageError::Refuse(why)
                    } else {
                        StageError::Changed
                    }
                }),
                None => self.stage(&mut &*f, name, Some(*key), origin, &unchanged),
            };
            match r {
                Ok(Stage::Staged(s)) => staged.push((*i, *key, name.clone(), s)),
                Ok(Stage::Done(o)) => done.push((*i, *key, name.clone(), Ok(o))),
                Err(e) => done.push((*i, *key, name.clone(), Err(e))),
            }
        }
        drop(opened);
        let mut meta = Vec::with_capacity(staged.len());
        let items: Vec<Staged> = staged
            .into_iter()
            .map(|(i, key, name, s)| {
                meta.push((i, key, name));
                s
            })
            .collect();
        let processing = (done.len() + items.len()) as u64;
        let prepared = if items.is_empty() {
            Vec::new()
        } else {
            self.prepare_batch(items)
        };
        PathBatch {
            results,
            done,
            meta,
            prepared,
            processing,
        }
    }

    /// The second half of [`Ingest::take_paths`]: the commit of a prepared batch, then the
    /// originals moved out of the drop folder (or refused into `failed/`).
    fn complete_paths(&self, paths: &[PathBuf], batch: PathBatch) -> Vec<Taken> {
        let PathBatch {
            mut results,
            mut done,
            meta,
            prepared,
            processing,
        } = batch;
        let outs = if prepared.is_empty() {
            Vec::new()
        } else {
            self.commit_batch(prepared)
        };
        for ((i, key, name), r) in meta.into_iter().zip(outs) {
            done.push((i, key, name, r));
        }
        if let Ok(mut p) = self.progress.lock() {
            p.processing = p.processing.saturating_sub(processing);
        }
        if done.iter().any(|d| d.3.is_ok()) {
            test_pause("move");
        }
        let mut moved_into: Vec<PathBuf> = Vec::new();
        for (i, key, name, r) in done {
            let path = &paths[i];
            results[i] = Some(match r {
                Ok(outcome) => {
                    let (id, dir) = match outcome {
                        IngestOutcome::Duplicate { id, .. } => (id, "duplicates"),
                        IngestOutcome::New { id } | IngestOutcome::AlreadyIngested { id } => {
                            (id, "processed")
                        }
                    };
                    if let Some(d) = self.move_original(path, key, &name, id, dir, false)
                        && !moved_into.contains(&d)
                    {
                        moved_into.push(d);
                    }
                    if let Ok(mut p) = self.progress.lock() {
                        p.taken += 1;
                    }
                    Taken::Ingested(outcome)
                }
                Err(StageError::Refuse(reason)) => self.refuse(path, &name, &reason),
                Err(StageError::Transient(e)) => Taken::Transient(e),
                Err(StageError::Changed) => Taken::Changed,
            });
        }
        par_each(&moved_into, |d| {
            fsync_dir(d);
            Ok(())
        });
        results
            .into_iter()
            .map(|t| t.unwrap_or(Taken::Vanished))
            .collect()
    }

    /// Moves the original of committed entry `id` from the drop folder into `ingest/<dir>/` as
    /// `<id>-<name>`, unless the file at `path` is no longer the one read (identity `key`).
    /// Returns the directory it went to; with `sync` false that directory is not fsynced (the
    /// caller does it once per batch).
    fn move_original(
        &self,
        path: &Path,
        key: SourceKey,
        name: &str,
        id: u64,
        dir: &str,
        sync: bool,
    ) -> Option<PathBuf> {
        if identity_of(path) != Some(key) {
            // Replaced or rewritten since we read it: the file now at this name is another one and
            // is taken as new by the loop, never moved under this entry.
            tracing::info!(
                file = name,
                entry = id,
                "the dropped file changed after it was read; the new one is taken as a new file"
            );
            return None;
        }
        let target = self.paths.ingest(dir);
        match move_unique_in(path, &target, &format!("{id}-{name}"), sync) {
            Ok(_) => Some(target),
            Err(e) => {
                tracing::warn!(file = name, error = %e, "committed but could not move the original; will retry");
                None
            }
        }
    }

    /// The checks of one dropped path before it is read: lstat (symlinks, FIFOs, size), the
    /// refused-before list, open without following links, identity, committed-before-a-crash (the
    /// original is moved now), empty file. `Ok((file, identity, name))` to read it, else what the
    /// path came to.
    fn open_dropped(&self, path: &Path) -> Result<(File, SourceKey, String), Taken> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let md = match fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(Taken::Vanished),
            Err(e) if is_transient(&e) => return Err(Taken::Transient(e.to_string())),
            Err(e) => {
                return Err(self.refuse(
                    path,
                    &name,
                    &format!("cannot read file information: {e}"),
                ));
            }
        };
        let ft = md.file_type();
        if ft.is_symlink() {
            return Err(self.refuse(
                path,
                &name,
                "symbolic link: kasa never follows links; copy the real file into the drop folder",
            ));
        }
        if ft.is_dir() {
            return Err(Taken::Vanished);
        }
        if !ft.is_file() {
            return Err(self.refuse(path, &name, "not a regular file (FIFO, socket or device)"));
        }
        if md.len() > self.cfg.max_bytes {
            return Err(self.refuse(
                path,
                &name,
                &format!(
                    "file is {} bytes, over the configured maximum of {} bytes (ingest.max_bytes)",
                    md.len(),
                    self.cfg.max_bytes
                ),
            ));
        }
        if self
            .refused
            .lock()
            .is_ok_and(|r| r.get(path) == Some(&key_of(&md)))
        {
            // Refused before and could not leave the drop folder; unchanged since.
            return Err(Taken::Vanished);
        }
        // One descriptor for everything read from this file; its identity (dev, inode, size, mtime) is
        // taken from the descriptor and checked again after the copy and before the move.
        let f = match OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(Taken::Vanished),
            Err(e) if is_transient(&e) => return Err(Taken::Transient(e.to_string())),
            Err(e) => return Err(self.refuse(path, &name, &format!("cannot open: {e}"))),
        };
        let fmd = match f.metadata() {
            Ok(m) => m,
            Err(e) => return Err(Taken::Transient(e.to_string())),
        };
        if !fmd.is_file() || fmd.ino() != md.ino() || fmd.dev() != md.dev() {
            return Err(Taken::Changed);
        }
        let key = key_of(&fmd);
        // Finish a crash-interrupted ingest: committed before, original not yet moved.
        if let Ok(Some(id)) = self.store.source_seen(&key) {
            let dup = self
                .store
                .entry(id)
                .ok()
                .flatten()
                .is_some_and(|e| e.duplicate_of.is_some());
            self.move_original(
                path,
                key,
                &name,
                id,
                if dup { "duplicates" } else { "processed" },
                true,
            );
            return Err(Taken::Ingested(IngestOutcome::AlreadyIngested { id }));
        }
        if fmd.len() == 0 {
            return Err(self.refuse(path, &name, "empty file (0 bytes)"));
        }
        Ok((f, key, name))
    }

    /// Ingests bytes handed over the socket (`kasa ingest FILE`): same pipeline, no drop-folder original.
    pub fn take_bytes(
        &self,
        name: &str,
        data: &[u8],
        origin: &str,
    ) -> Result<IngestOutcome, String> {
        if data.is_empty() {
            return Err(format!("{name}: empty file (0 bytes); nothing to ingest"));
        }
        if data.len() as u64 > self.cfg.max_bytes {
            return Err(format!(
                "{name}: {} bytes, over the configured maximum of {} bytes",
                data.len(),
                self.cfg.max_bytes
            ));
        }
        let r = self.stage_and_commit(&mut &data[..], name, None, origin, &|n| {
            n == data.len() as u64
        });
        self.handed_outcome(name, r, || Ok(data))
    }

    /// [`Ingest::take_bytes`] for an open file handed over the socket as a descriptor (`kasa
    /// ingest`, issue 19): read once from its start, streaming in 1 MiB blocks, at any size up to
    /// `[ingest] max_bytes` (no frame cap, no base64). A refused file is copied into `failed/` from
    /// the same descriptor. Errors as [`Ingest::take_bytes`], and "changed while read" when the file's
    /// size changed during the copy.
    pub fn take_file(&self, name: &str, file: File, origin: &str) -> Result<IngestOutcome, String> {
        use std::io::{Seek, SeekFrom};
        let mut file = file;
        let len = file
            .metadata()
            .map_err(|e| format!("{name}: cannot read the file's size: {e}"))?
            .len();
        if len == 0 {
            return Err(format!("{name}: empty file (0 bytes); nothing to ingest"));
        }
        if len > self.cfg.max_bytes {
            return Err(format!(
                "{name}: {len} bytes, over the configured maximum of {} bytes",
                self.cfg.max_bytes
            ));
        }
        file.seek(SeekFrom::Start(0))
            .map_err(|e| format!("{name}: {e}"))?;
        let r = self.stage_and_commit(&mut file, name, None, origin, &|n| n == len);
        self.handed_outcome(name, r, || {
            file.seek(SeekFrom::Start(0))?;
            Ok(&mut file)
        })
    }

    /// The outcome of a file handed by a client. A refused file is kept visible in failed/ like a
    /// dropped one (the same path as the drop folder's refusals: alarm and audit first, sidecar
    /// before the move), copied from `again()`.
    fn handed_outcome<R: Read>(
        &self,
        name: &str,
        r: Result<IngestOutcome, StageError>,
        again: impl FnOnce() -> io::Result<R>,
    ) -> Result<IngestOutcome, String> {
        match r {
            Ok(o) => Ok(o),
            Err(StageError::Refuse(reason)) => {
                let copied = again().and_then(|mut src| {
                    stage_copy(&mut src, &self.paths.ingest("staging"), u64::MAX)
                });
                match copied {
                    Ok((staged, _, _)) => {
                        self.refuse(&staged, name, &reason);
                    }
                    Err(_) => {
                        if let Ok((_, ch)) =
                            self.store
                                .ingest_refused(name, &reason, crate::clock::now())
                        {
                            (self.publish)(ch);
                        }
                    }
                }
                Err(format!("{name}: refused: {reason}"))
            }
            Err(StageError::Transient(e)) => {
                Err(format!("{name}: temporary error, try again: {e}"))
            }
            Err(StageError::Changed) => Err(format!("{name}: changed while read; send it again")),
        }
    }

    /// The kriptogram hook on `f` itself when its head says `.kgm` or age and the hook takes it.
    fn open_in_place(&self, f: &File, name: &str) -> Option<Result<IngestOutcome, String>> {
        use std::os::unix::fs::FileExt;
        let hook = self.kgm_hook.get()?;
        let mut head = vec![0u8; sniff::HEAD_LEN];
        let mut n = 0;
        while n < head.len() {
            match f.read_at(&mut head[n..], n as u64) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(_) => return None,
            }
        }
        match sniff::sniff(&head[..n]) {
            Some(sniff::FileKind::Kgm | sniff::FileKind::Age) => hook(f, name),
            _ => None,
        }
    }

    /// Stages, analyses and commits one file read from `src` ([`Ingest::stage`], then
    /// [`Ingest::finish_batch`] with this one file).
    fn stage_and_commit(
        &self,
        src: &mut impl Read,
        name: &str,
        source: Option<SourceKey>,
        origin: &str,
        unchanged: &dyn Fn(u64) -> bool,
    ) -> Result<IngestOutcome, StageError> {
        match self.stage(src, name, source, origin, unchanged)? {
            Stage::Done(o) => Ok(o),
            Stage::Staged(s) => self
                .finish_batch(vec![s])
                .pop()
                .unwrap_or_else(|| Err(StageError::Transient("nothing committed".into()))),
        }
    }

    /// Copies one file read from `src` into staging (hashing it; not yet fsynced) and checks its
    /// type. `unchanged(bytes copied)` is asked right after the copy: `false` (the source was
    /// rewritten or replaced while read) drops the staged copy and returns [`StageError::Changed`],
    /// so a torn mix of two versions is never registered. A kriptogram taken by the hook is
    /// committed here ([`Stage::Done`]).
    fn stage(
        &self,
        src: &mut impl Read,
        name: &str,
        source: Option<SourceKey>,
        origin: &str,
        unchanged: &dyn Fn(u64) -> bool,
    ) -> Result<Stage, StageError> {
        let staging = self.paths.ingest("staging");
        let (staged, sha, size) = match stage_copy_unsynced(src, &staging, self.cfg.max_bytes) {
            Ok(x) => x,
            Err(e) if e.kind() == io::ErrorKind::FileTooLarge => {
                return Err(StageError::Refuse(e.to_string()));
            }
            Err(e) if is_transient(&e) => return Err(StageError::Transient(e.to_string())),
            Err(e) => return Err(StageError::Refuse(format!("cannot read: {e}"))),
        };
        if !unchanged(size) {
            cleanup(&staged);
            return Err(StageError::Changed);
        }
        // Type by magic bytes, on our private copy (the original may change under us).
        let (head, tail) = match head_tail(&staged) {
            Ok(x) => x,
            Err(e) => {
                cleanup(&staged);
                return Err(StageError::Transient(e.to_string()));
            }
        };
        let Some(kind) = sniff::sniff(&head) else {
            cleanup(&staged);
            return Err(StageError::Refuse(
                "unknown file type: kasa takes PDF, TIFF, JPEG, PNG, .kgm kriptogram and age files"
                    .into(),
            ));
        };
        if matches!(kind, sniff::FileKind::Kgm | sniff::FileKind::Age)
            && let Some(hook) = self.kgm_hook.get()
            && let Ok(f) = File::open(&staged)
            && let Some(r) = hook(&f, name)
        {
            cleanup(&staged);
            return r.map(Stage::Done).map_err(StageError::Refuse);
        }
        if kind == sniff::FileKind::Pdf && !sniff::pdf_has_eof(&tail) {
            cleanup(&staged);
            return Err(StageError::Refuse(
                "incomplete PDF: no %%EOF at the end (scan interrupted or file truncated)".into(),
            ));
        }
        Ok(Stage::Staged(Staged {
            path: staged,
            sha,
            size,
            kind,
            head,
            name: name.to_string(),
            source,
            origin: origin.to_string(),
        }))
    }

    /// The analysis of a staged file that needs no analysis child: same content as an earlier
    /// entry (its analysis is reused), an image (OCR later), a kriptogram. `None`: ask a worker.
    fn analysis_without_child(&self, s: &Staged) -> Option<extract::Analysis> {
        let kind = s.kind;
        // An outgoing scan is always analysed: its own suggestions decide where it goes.
        let known = match self.target {
            Target::Masuk => self.store.entry_by_hash(&s.sha).ok().flatten(),
            Target::Keluar => None,
        };
        if known.is_some() {
            // Same content as an earlier entry: reuse its analysis.
            let first = known.and_then(|id| self.store.entry(id).ok().flatten());
            let mut a = extract::Analysis::new(kind.mime());
            a.pages = first
                .as_ref()
                .and_then(|e| e.attachments.first().and_then(|a| a.pages));
            a.note = first.and_then(|e| e.text_note);
            return Some(a);
        }
        match kind {
            sniff::FileKind::Jpeg | sniff::FileKind::Png => {
                let mut a = extract::Analysis::new(kind.mime());
                a.pages = Some(1);
                a.perlu_ocr = true;
                Some(a)
            }
            sniff::FileKind::Kgm | sniff::FileKind::Age => {
                let mut a = extract::Analysis::new(kind.mime());
                a.note = Some("kriptogram: dibuka dengan `kasa kriptogram open` / open with `kasa kriptogram open`".to_string());
                Some(a)
            }
            _ => None,
        }
    }

    /// Analyses, makes durable and commits staged files (group commit, issue 19): analyses in the
    /// persistent workers (both at once), the staged copies' data fsynced (write-back started for
    /// all first), renamed into the blob store, one fsync per blob directory, then one redb
    /// transaction for all ([`Store::ingest_commit_batch`]; a `drop_keluar` file is committed on
    /// its own, [`Store::keluar_drop_commit`]). One result per file, in order; a database error
    /// makes every file of the batch transient (nothing of it was committed).
    fn finish_batch(&self, items: Vec<Staged>) -> Vec<Result<IngestOutcome, StageError>> {
        self.commit_batch(self.prepare_batch(items))
    }

    /// The CPU half of [`Ingest::finish_batch`]: analyses (both workers) and commit inputs.
    fn prepare_batch(&self, items: Vec<Staged>) -> Vec<Prepared> {
        // Analyses: cheap ones here, the rest in the workers.
        let mut analyses: Vec<Option<extract::Analysis>> = items
            .iter()
            .map(|s| self.analysis_without_child(s))
            .collect();
        let ask: Vec<usize> = (0..items.len())
            .filter(|&i| analyses[i].is_none())
            .collect();
        if !ask.is_empty() {
            let paths: Vec<&Path> = ask.iter().map(|&i| items[i].path.as_path()).collect();
            let done = self.workers.analyze_many(&paths, &self.limits());
            for (&i, r) in ask.iter().zip(done) {
                analyses[i] = Some(match r {
                    Ok(a) => a,
                    Err(e) => {
                        let mut a = extract::Analysis::new(items[i].kind.mime());
                        a.note = Some(format!("analisis gagal / analysis failed: {e}"));
                        a
                    }
                });
            }
        }
        items
            .into_iter()
            .zip(analyses)
            .map(|(s, a)| {
                let a = a.unwrap_or_else(|| extract::Analysis::new(s.kind.mime()));
                let r = self.input_of(&s, a);
                (s, r)
            })
            .collect()
    }

    /// The I/O half of [`Ingest::finish_batch`]: durability of the blobs, one commit, publication.
    fn commit_batch(&self, prepared: Vec<Prepared>) -> Vec<Result<IngestOutcome, StageError>> {
        let mut results: Vec<Option<Result<IngestOutcome, StageError>>> =
            prepared.iter().map(|_| None).collect();
        let mut items: Vec<Staged> = Vec::with_capacity(prepared.len());
        let mut ready: Vec<(usize, IngestInput, Option<KeluarPlan>)> = Vec::new();
        for (i, (s, r)) in prepared.into_iter().enumerate() {
            match r {
                Ok((inp, plan)) => ready.push((i, inp, plan)),
                Err(e) => {
                    cleanup(&s.path);
                    results[i] = Some(Err(e));
                }
            }
            items.push(s);
        }
        // Durability: every staged copy's data on disk before any of them is renamed into the
        // blob store, the renames on disk before the commit that refers to them.
        // The fsyncs run concurrently: the file system commits its journal once for the whole
        // group instead of once per file (~0.5 ms instead of ~5 ms per file on the test box).
        for &(i, _, _) in &ready {
            start_writeback(&items[i].path);
        }
        let synced = par_each(&ready, |(i, _, _)| {
            File::open(&items[*i].path).and_then(|f| f.sync_data())
        });
        let mut synced = synced.into_iter();
        ready.retain(|(i, _, _)| match synced.next() {
            Some(Err(e)) => {
                cleanup(&items[*i].path);
                results[*i] = Some(Err(StageError::Transient(format!("fsync: {e}"))));
                false
            }
            _ => true,
        });
        let mut dirs: Vec<PathBuf> = Vec::new();
        ready.retain(|(i, _, _)| {
            let s = &items[*i];
            match self.blobs.put_staged_unsynced(&s.path, &s.sha) {
                Ok(dir) => {
                    if let Some(d) = dir
                        && !dirs.contains(&d)
                    {
                        dirs.push(d);
                    }
                    true
                }
                Err(e) => {
                    cleanup(&s.path);
                    results[*i] = Some(Err(StageError::Transient(format!("blob store: {e}"))));
                    false
                }
            }
        });
        par_each(&dirs, |d| {
            fsync_dir(d);
            Ok(())
        });
        let mut changes = Vec::new();
        let (meta, inps): (Vec<(usize, Option<KeluarPlan>)>, Vec<IngestInput>) = ready
            .into_iter()
            .map(|(i, inp, plan)| ((i, plan), inp))
            .unzip();
        if self.target == Target::Masuk {
            match self.store.ingest_commit_batch(&inps) {
                Ok(outs) => {
                    for ((i, _), (o, ch)) in meta.iter().zip(outs) {
                        results[*i] = Some(Ok(o));
                        changes.extend(ch);
                    }
                }
                Err(e) => {
                    for (i, _) in &meta {
                        results[*i] = Some(Err(StageError::Transient(format!("database: {e}"))));
                    }
                }
            }
        } else {
            for ((i, plan), inp) in meta.iter().zip(&inps) {
                let r = match plan {
                    Some((attach_to, fields)) => {
                        self.store.keluar_drop_commit(inp, *attach_to, fields)
                    }
                    None => self.store.ingest_commit(inp),
                };
                results[*i] = Some(match r {
                    Ok((o, ch)) => {
                        changes.extend(ch);
                        Ok(o)
                    }
                    Err(e) => Err(StageError::Transient(format!("database: {e}"))),
                });
            }
        }
        if !changes.is_empty() {
            (self.publish)(changes);
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(StageError::Transient("not committed".into()))))
            .collect()
    }

    /// The commit input of a staged file from its analysis: OCR queueing, header suggestions, the
    /// `drop_keluar` plan, text and suggestions sealed to the node key.
    fn input_of(
        &self,
        s: &Staged,
        analysis: extract::Analysis,
    ) -> Result<(IngestInput, Option<KeluarPlan>), StageError> {
        let head = &s.head;
        // An image-only scan appears at once; its text and suggestions follow from the OCR thread
        // ([`Ingest::run_ocr`]).
        let mut perlu_ocr = analysis.perlu_ocr && analysis.text.is_none();
        let mut analysis = analysis;
        // An image too small to hold a line of text (an icon, a 1×1 test pixel) is not queued.
        if perlu_ocr
            && let Ok(sizes) = ocr::declared_sizes(head)
            && !sizes.is_empty()
            && sizes
                .iter()
                .all(|&(w, h)| w < ocr::MIN_SIDE || h < ocr::MIN_SIDE)
        {
            perlu_ocr = false;
            let (w, h) = sizes[0];
            analysis.note = Some(format!(
                "gambar {w}×{h} piksel terlalu kecil untuk OCR (kurang dari {} piksel per sisi): tidak dibaca; ketik kolomnya dari kertas / image too small for OCR: not read",
                ocr::MIN_SIDE
            ));
        }
        let suggestions = analysis.suggestions();
        let pages = analysis.pages;
        let text = analysis.text;
        let note = if perlu_ocr {
            Some(ocr::NOTE_OCR_PENDING.to_string())
        } else {
            analysis.note
        };
        let keluar =
            (self.target == Target::Keluar).then(|| self.keluar_plan(suggestions.as_ref()));
        // With a node identity the text and suggestions are sealed to the node's own recipient before
        // they reach the database (classification is only known at registration, and redb does not
        // zero freed pages: issue 11 §5). Without one they are stored as before.
        let (text, suggestions, sealed_suggestions, sealed_text) = match &self.seal_to {
            Some(to) if text.is_some() || suggestions.is_some() => {
                let seal = |b: &[u8]| crate::node::atrest::seal_bytes(b, to);
                let sg = suggestions
                    .as_ref()
                    .map(|x| seal(&serde_json::to_vec(x).unwrap_or_default()))
                    .transpose();
                let t = text.as_deref().map(|t| seal(t.as_bytes())).transpose();
                match (sg, t) {
                    (Ok(sg), Ok(t)) => (None, None, sg, t),
                    (Err(e), _) | (_, Err(e)) => {
                        return Err(StageError::Transient(format!(
                            "sealing the extracted text to the node key: {e}"
                        )));
                    }
                }
            }
            _ => (text, suggestions, None, None),
        };
        let att = Attachment {
            sha256: hex::encode(s.sha),
            name: s.name.clone(),
            mime: s.kind.mime().to_string(),
            size: s.size,
            pages,
            encrypted_at_rest: false,
            jenis: Default::default(),
        };
        let inp = IngestInput {
            source: s.source,
            sha256: s.sha,
            attachment: att,
            text,
            suggestions,
            text_note: note,
            sealed_suggestions,
            sealed_text,
            perlu_ocr,
            at: crate::clock::now(),
            origin: s.origin.clone(),
        };
        Ok((inp, keluar))
    }

    /// Where an outgoing scan goes ([`Target::Keluar`]): the id of the one open outgoing entry with
    /// the suggested nomor surat, if exactly one, and the fields of a new draft from the suggestions.
    fn keluar_plan(
        &self,
        s: Option<&crate::domain::naskah::HeaderSuggestions>,
    ) -> (Option<u64>, crate::domain::RegisterFields) {
        use crate::domain::{Book, Status};
        let mut fields = crate::domain::RegisterFields::default();
        let Some(s) = s else {
            return (None, fields);
        };
        fields.apply_suggestions(s);
        let nomor = s.nomor.as_deref().unwrap_or_default();
        let to = if nomor.trim().is_empty() {
            None
        } else {
            match self.store.by_status(
                &[Book::Keluar, Book::KriptogramKeluar],
                &[Status::Draft, Status::Diagendakan],
            ) {
                Ok(open) => crate::domain::penerimaan::keluar_untuk_nomor(nomor, &open),
                Err(e) => {
                    tracing::warn!(error = %e, "drop_keluar: cannot read the open outgoing entries; the file becomes a new draft");
                    None
                }
            }
        };
        (to, fields)
    }

    /// Runs the drop-folder loop until `stop` is set: watcher hints, periodic rescans, stability checks.
    pub fn run(&self, stop: Arc<AtomicBool>) {
        use notify::RecursiveMode;
        use notify_debouncer_full::new_debouncer;
        let (tx, rx) = std::sync::mpsc::channel();
        // The watcher only hints; the stability check (`stable_ms`) decides when a file is taken,
        // so a short debounce costs nothing in safety and takes ~75 ms off every drop (issue 19).
        let mut debouncer = match new_debouncer(Duration::from_millis(25), None, tx) {
            Ok(d) => Some(d),
            Err(e) => {
                tracing::warn!(error = %e, "file watcher unavailable; relying on periodic rescans");
                None
            }
        };
        if let Some(d) = debouncer.as_mut()
            && let Err(e) = d.watch(&self.drop_dir, RecursiveMode::NonRecursive)
        {
            tracing::warn!(error = %e, dir = %self.drop_dir.display(), "cannot watch the drop folder; relying on periodic rescans");
        }
        let mut tracked: HashMap<PathBuf, Seen> = HashMap::new();
        let stable = Duration::from_millis(self.cfg.stable_ms);
        let rescan_every = Duration::from_secs(self.cfg.rescan_secs.max(1));
        let mut last_rescan: Option<Instant> = None;
        let tick = Duration::from_millis((self.cfg.stable_ms / 4).clamp(20, 250));
        while !stop.load(Ordering::SeqCst) {
            let mut rescan = last_rescan.is_none_or(|t| t.elapsed() >= rescan_every);
            let mut hinted: Vec<PathBuf> = Vec::new();
            match rx.recv_timeout(tick) {
                Ok(res) => {
                    let mut handle = |res: notify_debouncer_full::DebounceEventResult| match res {
                        Ok(events) => {
                            for ev in events {
                                if ev.need_rescan() || ev.paths.is_empty() {
                                    rescan = true;
                                }
                                hinted.extend(ev.paths.iter().cloned());
                            }
                        }
                        Err(_) => rescan = true,
                    };
                    handle(res);
                    while let Ok(more) = rx.try_recv() {
                        handle(more);
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => rescan = true,
            }
            if rescan {
                last_rescan = Some(Instant::now());
                match fs::read_dir(&self.drop_dir) {
                    Ok(rd) => hinted.extend(rd.flatten().map(|d| d.path())),
                    Err(e) => tracing::warn!(error = %e, "cannot list the drop folder"),
                }
            }
            for p in hinted {
                if p.parent() != Some(self.drop_dir.as_path()) {
                    continue;
                }
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if is_junk(&name) || tracked.contains_key(&p) {
                    continue;
                }
                if let Ok(md) = fs::symlink_metadata(&p) {
                    if md.is_dir() {
                        continue;
                    }
                    tracked.insert(p, Seen::new(&md));
                }
            }
            // Re-check every tracked path; take the stable ones (oldest first).
            let mut due: Vec<PathBuf> = Vec::new();
            tracked.retain(|p, s| match fs::symlink_metadata(p) {
                Err(_) => false, // deleted (or moved away) before it was taken
                Ok(md) => {
                    let m = md.mtime() * 1_000_000_000 + md.mtime_nsec();
                    if md.len() != s.size || m != s.mtime_ns {
                        s.size = md.len();
                        s.mtime_ns = m;
                        s.since = Instant::now();
                    } else if s.since.elapsed() >= stable
                        && s.retry_at.is_none_or(|r| Instant::now() >= r)
                    {
                        due.push(p.clone());
                    }
                    true
                }
            });
            if let Ok(mut pr) = self.progress.lock() {
                pr.waiting = (tracked.len() - due.len()) as u64;
            }
            // Oldest first (mtime, then name), so "the first one ingested" is the one that arrived first.
            due.sort_by(|a, b| {
                let ka = tracked.get(a).map(|s| s.mtime_ns);
                let kb = tracked.get(b).map(|s| s.mtime_ns);
                ka.cmp(&kb).then_with(|| a.cmp(b))
            });
            // In batches (issue 19): analysed together, one commit each; the next batch is
            // prepared (staged, analysed) while the previous one is committed.
            let mut results: Vec<(PathBuf, Taken)> = Vec::with_capacity(due.len());
            std::thread::scope(|sc| {
                let mut pending: Option<(
                    &[PathBuf],
                    std::thread::ScopedJoinHandle<'_, Vec<Taken>>,
                )> = None;
                let collect = |c: &[PathBuf], h: std::thread::ScopedJoinHandle<'_, Vec<Taken>>| {
                    let taken = h.join().unwrap_or_else(|_| {
                        c.iter()
                            .map(|_| Taken::Transient("the commit thread failed".into()))
                            .collect()
                    });
                    c.iter().cloned().zip(taken).collect::<Vec<_>>()
                };
                for chunk in due.chunks(BATCH_MAX) {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let batch = self.prepare_paths(chunk);
                    if let Some((c, h)) = pending.take() {
                        results.extend(collect(c, h));
                    }
                    pending = Some((chunk, sc.spawn(move || self.complete_paths(chunk, batch))));
                }
                if let Some((c, h)) = pending.take() {
                    results.extend(collect(c, h));
                }
            });
            for (p, taken) in results {
                match taken {
                    Taken::Transient(e) => {
                        if let Some(s) = tracked.get_mut(&p) {
                            s.attempts += 1;
                            let backoff = Duration::from_millis(
                                500u64.saturating_mul(1 << s.attempts.min(13)),
                            )
                            .min(Duration::from_secs(3600));
                            s.retry_at = Some(Instant::now() + backoff);
                            tracing::info!(file = %p.display(), error = %e, attempts = s.attempts, "transient ingest error; retrying later");
                            if s.attempts >= 5 && !s.alarmed {
                                s.alarmed = true;
                                let name = p
                                    .file_name()
                                    .map(|n| n.to_string_lossy().into_owned())
                                    .unwrap_or_default();
                                if let Ok((_, ch)) = self.store.raise_alarm(
                                    "ingest.retrying",
                                    &format!("{name}: {e} (still retrying)"),
                                    &format!("file:{name}"),
                                    crate::clock::now(),
                                ) {
                                    (self.publish)(ch);
                                }
                            }
                        }
                    }
                    _ => {
                        tracked.remove(&p);
                        // Still there (changed while read, replaced after its commit, or not movable):
                        // watch it again from now, as a new file.
                        if let Ok(md) = fs::symlink_metadata(&p)
                            && md.is_file()
                        {
                            tracked.insert(p, Seen::new(&md));
                        }
                    }
                }
            }
        }
    }
}

enum StageError {
    Refuse(String),
    Transient(String),
    /// The source changed while it was copied.
    Changed,
}

/// Where a `drop_keluar` file goes: the open outgoing entry it attaches to, and the fields of a new
/// draft otherwise ([`Ingest::keluar_plan`]).
type KeluarPlan = (Option<u64>, crate::domain::RegisterFields);

/// A file copied into staging and checked, waiting for its analysis and commit.
struct Staged {
    /// The staged copy (not yet fsynced).
    path: PathBuf,
    sha: [u8; 32],
    size: u64,
    kind: sniff::FileKind,
    /// The first bytes (at most 2 KiB).
    head: Vec<u8>,
    name: String,
    source: Option<SourceKey>,
    origin: String,
}

/// A staged file with its commit input, or what stops it ([`Ingest::prepare_batch`]).
type Prepared = (
    Staged,
    Result<(IngestInput, Option<KeluarPlan>), StageError>,
);

/// Dropped paths prepared by [`Ingest::prepare_paths`], waiting for [`Ingest::complete_paths`].
struct PathBatch {
    /// What each path came to already (vanished, refused before it was read, …); `None`: below.
    results: Vec<Option<Taken>>,
    /// Paths with an outcome before any commit (kriptogram hook, refusals while staging).
    done: Vec<(usize, SourceKey, String, Result<IngestOutcome, StageError>)>,
    /// Index, identity and name of each file of `prepared`, in the same order.
    meta: Vec<(usize, SourceKey, String)>,
    prepared: Vec<Prepared>,
    /// Files counted in `processing` of the progress report.
    processing: u64,
}

/// What [`Ingest::stage`] made of a file.
enum Stage {
    /// Committed already (a kriptogram opened by the hook).
    Done(IngestOutcome),
    /// Staged: analysis and commit follow ([`Ingest::finish_batch`]).
    Staged(Staged),
}

/// The most threads [`par_each`] runs at once.
const SYNC_THREADS: usize = 16;

/// Runs `f` on every item on up to [`SYNC_THREADS`] threads at once (for fsyncs, which the file
/// system then commits together). Results in the order of `items`.
fn par_each<T: Sync>(items: &[T], f: impl Fn(&T) -> io::Result<()> + Sync) -> Vec<io::Result<()>> {
    if items.len() <= 1 {
        return items.iter().map(&f).collect();
    }
    let per = items.len().div_ceil(SYNC_THREADS);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(per)
            .map(|c| {
                let f = &f;
                s.spawn(move || c.iter().map(f).collect::<Vec<_>>())
            })
            .collect();
        handles
            .into_iter()
            .zip(items.chunks(per))
            .flat_map(|(h, c)| {
                h.join().unwrap_or_else(|_| {
                    c.iter()
                        .map(|_| Err(io::Error::other("fsync thread failed")))
                        .collect()
                })
            })
            .collect()
    })
}

fn cleanup(p: &Path) {
    let _ = fs::remove_file(p);
}

/// Starts write-back of a staged copy (`sync_file_range(SYNC_FILE_RANGE_WRITE)`), so the fsyncs
/// of a batch that follow overlap their disk writes.
fn start_writeback(p: &Path) {
    use std::os::fd::AsRawFd;
    if let Ok(f) = File::open(p) {
        // SAFETY: sync_file_range on a valid descriptor; it only starts write-back.
        unsafe {
            libc::sync_file_range(f.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
}

fn head_tail(p: &Path) -> io::Result<(Vec<u8>, Vec<u8>)> {
    use std::io::{Seek, SeekFrom};
    let mut f = File::open(p)?;
    let len = f.metadata()?.len();
    let mut head = vec![0u8; len.min(2048) as usize];
    f.read_exact(&mut head)?;
    let tl = len.min(1024);
    f.seek(SeekFrom::Start(len - tl))?;
    let mut tail = vec![0u8; tl as usize];
    f.read_exact(&mut tail)?;
    Ok((head, tail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junk_names() {
        for j in [
            ".DS_Store",
            "._scan.pdf",
            "Thumbs.db",
            "scan.pdf.part",
            "x.tmp",
            "~$surat.docx",
        ] {
            assert!(is_junk(j), "{j}");
        }
        assert!(!is_junk("scan-0001.pdf"));
    }

    #[test]
    fn move_unique_never_overwrites() {
        let d = tempfile::tempdir().unwrap();
        let dst = d.path().join("out");
        fs::create_dir(&dst).unwrap();
        for i in 0..3 {
            let src = d.path().join(format!("s{i}"));
            fs::write(&src, format!("{i}")).unwrap();
            move_unique(&src, &dst, "a.pdf").unwrap();
        }
        let mut names: Vec<_> = fs::read_dir(&dst)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, vec!["a-1.pdf", "a-2.pdf", "a.pdf"]);
    }
}
