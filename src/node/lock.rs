//! The per-data-directory node lock: an exclusive `flock` on `node.pid` holding the pid.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Held while the node runs; released (by the kernel) when the process exits, even on kill -9.
pub struct PidLock {
    _file: File,
}

/// Lock failures.
#[derive(Debug)]
pub enum LockError {
    /// Another live process holds the lock; its pid.
    Held(i32),
    Io(std::io::Error),
}

/// Reads the pid recorded in a pid file.
pub fn read_pid(path: &Path) -> Option<i32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

impl PidLock {
    /// Takes the lock or reports the holder's pid.
    pub fn acquire(path: &Path) -> Result<PidLock, LockError> {
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)
            .map_err(LockError::Io)?;
        // SAFETY: flock on a valid owned descriptor.
        let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if r != 0 {
            let mut s = String::new();
            let _ = f.read_to_string(&mut s);
            return Err(LockError::Held(s.trim().parse().unwrap_or(0)));
        }
        f.set_len(0).map_err(LockError::Io)?;
        f.seek(SeekFrom::Start(0)).map_err(LockError::Io)?;
        writeln!(f, "{}", std::process::id()).map_err(LockError::Io)?;
        f.sync_all().map_err(LockError::Io)?;
        Ok(PidLock { _file: f })
    }
}
