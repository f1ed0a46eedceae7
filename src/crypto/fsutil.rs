//! File-system helpers for secrets and released plaintext: 0600 files created exclusively, 0700
//! directories, atomic replace (temp + fsync + rename + fsync dir), permission checks.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Creates `path` exclusively (`O_CREAT|O_EXCL|O_NOFOLLOW`) with mode 0600.
pub fn create_new_private(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
}

/// Writes `data` to a new file `path`, created exclusively with mode 0600 whatever the umask, and
/// fsyncs it. Content kasa hands out (exports, reports, PDFs, identity exports, sealed copies) is
/// written this way. Errors: `AlreadyExists` when `path` exists (never overwritten), and any I/O error.
pub fn write_new_private(path: &Path, data: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut f = create_new_private(path).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{} already exists: kasa never overwrites a file; choose another name or remove it",
                    path.display()
                ),
            )
        } else {
            e
        }
    })?;
    f.write_all(data)?;
    f.sync_all()
}

/// Creates `dir` (and missing parents) with mode 0700 when it does not exist. An existing directory
/// is left as is.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// fsyncs the directory holding `path` (so a rename or create is durable).
pub fn sync_parent(path: &Path) -> io::Result<()> {
    let parent = parent_of(path);
    File::open(parent)?.sync_all()
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Fails with `PermissionDenied` and the exact `chmod 600 <path>` fix when `path` is readable or
/// writable by group or others.
pub fn check_private_file(path: &Path, what: &str) -> io::Result<()> {
    let meta = fs::metadata(path)?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "{what} {} has mode {mode:04o}, readable or writable by group or others; \
                 fix it with: chmod 600 {}",
                path.display(),
                path.display()
            ),
        ));
    }
    Ok(())
}

/// A 0600 temporary file beside its destination; removed on drop unless persisted.
pub struct TempFile {
    path: PathBuf,
    file: Option<File>,
}

impl TempFile {
    /// Creates `.<name>.kasa-tmp-<random>` exclusively in the directory of `dest`.
    pub fn new_beside(dest: &Path) -> io::Result<TempFile> {
        let name = dest
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "destination has no name"))?
            .to_string_lossy()
            .into_owned();
        let mut rnd = [0u8; 8];
        getrandom::fill(&mut rnd).map_err(|e| io::Error::other(e.to_string()))?;
        let path = parent_of(dest).join(format!(".{name}.kasa-tmp-{}", hex::encode(rnd)));
        let file = create_new_private(&path)?;
        Ok(TempFile {
            path,
            file: Some(file),
        })
    }

    /// The open file.
    pub fn file(&self) -> &File {
        self.file.as_ref().expect("open until persisted")
    }

    /// The temporary path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// fsync, then atomically rename over `dest` (replacing it), then fsync the directory.
    pub fn persist_replace(mut self, dest: &Path) -> io::Result<()> {
        let f = self.file.take().expect("open");
        f.sync_all()?;
        drop(f);
        fs::rename(&self.path, dest)?;
        self.path = PathBuf::new();
        sync_parent(dest)
    }

    /// fsync, then link to `dest` only if it does not exist (`AlreadyExists` otherwise), remove the
    /// temporary name, fsync the directory.
    pub fn persist_noclobber(mut self, dest: &Path) -> io::Result<()> {
        let f = self.file.take().expect("open");
        f.sync_all()?;
        drop(f);
        fs::hard_link(&self.path, dest)?;
        let _ = fs::remove_file(&self.path);
        self.path = PathBuf::new();
        sync_parent(dest)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.path);
        }
    }
}
