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

/// True when process `pid` exists (`kill(pid, 0)`; a pid we may not signal still exists).
fn alive(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks for existence and permission.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Reads the pid recorded in a pid file.
pub fn read_pid(path: &Path) -> Option<i32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

impl PidLock {
    /// Takes the lock or reports the holder's pid. When the recorded holder is dead but the lock is
    /// still held, the holder is a child the dead node forked (an extraction child between `fork`
    /// and `exec` keeps every descriptor until it execs): waited for, up to 10 s, instead of refusing
    /// a restart right after a kill -9.
    pub fn acquire(path: &Path) -> Result<PidLock, LockError> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match Self::try_acquire(path) {
                Err(LockError::Held(pid))
                    if !alive(pid) && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                r => return r,
            }
        }
    }

    fn try_acquire(path: &Path) -> Result<PidLock, LockError> {
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
