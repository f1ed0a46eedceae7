//! The persistent extraction worker (issue 19): one long-lived `kasa __extract-worker CPU_SECS`
//! child per slot of a [`Pool`], fed file after file over a pipe, instead of one `kasa __extract
//! FILE` process per file (a fork of the node and an exec of the whole binary, ~3–4 ms each).
//!
//! Hardening is that of [`super::extract::run_child`]: the worker is started through
//! [`super::extract::limit_command`] (own process group, stdin/stdout/stderr pipes, `RLIMIT_AS`,
//! `RLIMIT_CORE` = 0, `RLIMIT_CPU`), and every file has its own wall-clock deadline
//! ([`super::extract::Limits::wall`]): a worker that does not answer in time, dies, or answers
//! garbage is killed with its whole process group and gives the very [`ExtractError`] a one-shot
//! child would have given (the caller turns it into the same "analisis gagal" note); the next file
//! gets a fresh worker.
//!
//! CPU: `RLIMIT_CPU` counts per process, so a long-lived worker would accumulate it. The worker sets
//! its own soft limit before each file to (CPU used so far, rounded up) + `cpu_seconds`, so every
//! file has the full per-file budget (SIGXCPU at the soft limit, as today); the hard limit fixed at
//! spawn is `2 × cpu_seconds + 1`, and the parent retires a worker whose used CPU leaves less than a
//! whole budget (or after [`WORKER_MAX_FILES`] files, or once its address space passed half of
//! `RLIMIT_AS`), so neither the soft limit nor the heap of a big file carry over far.
//!
//! Protocol (both directions little-endian length-prefixed frames): request = `u32` length +
//! the path's bytes (at most [`MAX_PATH_FRAME`]); reply = `u32` length + JSON [`Reply`] (at most
//! [`super::extract::CHILD_STDOUT_CAP`]). The worker keeps the pipe it answers on to itself and
//! points its fd 1 at its stderr, so nothing printed by accident corrupts a frame. End of input:
//! the worker exits 0.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::extract::{
    Analysis, CHILD_STDERR_TAIL, CHILD_STDOUT_CAP, ExtractError, Limits, analyze_path, crashed,
    exited_nowait, limit_command,
};

/// Files one worker analyses before it is replaced by a fresh one.
pub const WORKER_MAX_FILES: u32 = 1000;

/// The longest path accepted in a request frame, in bytes.
pub const MAX_PATH_FRAME: usize = 64 * 1024;

/// One answer of the worker: the [`Analysis`] of the file and the worker's CPU time so far
/// (user + system, microseconds, `getrusage(RUSAGE_SELF)`), from which the parent decides to
/// retire it.
#[derive(Serialize, Deserialize, Debug)]
pub struct Reply {
    /// The analysis, as `kasa __extract` prints it.
    pub analysis: Analysis,
    /// CPU time of the worker process so far, in microseconds.
    pub cpu_us: u64,
    /// The worker's address space after the file, in bytes (`/proc/self/statm`; 0 if unknown).
    #[serde(default)]
    pub vm_bytes: u64,
}

fn vm_bytes() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(0) as u64;
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |pages| pages * page)
}

fn cpu_used_us() -> u64 {
    // SAFETY: rusage is plain data; getrusage only writes into it.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to `ru`.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return 0;
    }
    let us = |t: libc::timeval| (t.tv_sec.max(0) as u64) * 1_000_000 + t.tv_usec.max(0) as u64;
    us(ru.ru_utime) + us(ru.ru_stime)
}

/// Gives the next file `cpu_seconds` of CPU: soft `RLIMIT_CPU` = used (rounded up) + `cpu_seconds`,
/// at most the hard limit set at spawn.
fn set_cpu_budget(cpu_seconds: u64) {
    // SAFETY: rlimit is plain data; getrlimit/setrlimit read or write only it.
    unsafe {
        let mut lim: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_CPU, &mut lim) != 0 {
            return;
        }
        let want = cpu_used_us()
            .div_ceil(1_000_000)
            .saturating_add(cpu_seconds);
        let soft = (want as libc::rlim_t).min(lim.rlim_max);
        lim.rlim_cur = soft;
        libc::setrlimit(libc::RLIMIT_CPU, &lim);
    }
}

/// Test hook: with `KASA_TEST_EXTRACT_TRAP=1` in the environment, a file containing
/// `%kasa-test-hang` makes the worker spin forever and one containing `%kasa-test-abort` makes it
/// abort, so tests can play a hostile PDF. Unset in production.
fn test_trap(path: &Path) {
    if std::env::var_os("KASA_TEST_EXTRACT_TRAP").is_none() {
        return;
    }
    let Ok(data) = std::fs::read(path) else {
        return;
    };
    let has = |m: &[u8]| data.windows(m.len()).any(|w| w == m);
    if has(b"%kasa-test-abort") {
        std::process::abort();
    }
    if has(b"%kasa-test-hang") {
        let mut x = 0u64;
        loop {
            x = std::hint::black_box(x.wrapping_add(1));
        }
    }
}

/// Entry point of the hidden `kasa __extract-worker CPU_SECS` subcommand: answers one [`Reply`] per
/// request frame until end of input (exit 0). Exit 1 when the reply pipe fails, 2 on a malformed
/// request.
pub fn worker_main(cpu_seconds: u64) -> i32 {
    // Keep the reply pipe private: fd 1 then points at stderr.
    // SAFETY: dup/dup2 on the process's own standard descriptors.
    let out_fd = unsafe { libc::dup(1) };
    if out_fd < 0 {
        return 1;
    }
    // SAFETY: as above.
    unsafe {
        libc::dup2(2, 1);
        libc::fcntl(out_fd, libc::F_SETFD, libc::FD_CLOEXEC);
    }
    // SAFETY: out_fd is a fresh descriptor owned by nothing else.
    let mut out = unsafe { File::from_raw_fd(out_fd) };
    let mut input = io::stdin().lock();
    loop {
        let mut len = [0u8; 4];
        match input.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return 0,
            Err(_) => return 1,
        }
        let n = u32::from_le_bytes(len) as usize;
        if n > MAX_PATH_FRAME {
            return 2;
        }
        let mut raw = vec![0u8; n];
        if input.read_exact(&mut raw).is_err() {
            return 2;
        }
        let path = PathBuf::from(OsString::from_vec(raw));
        set_cpu_budget(cpu_seconds);
        test_trap(&path);
        let reply = Reply {
            analysis: analyze_path(&path),
            cpu_us: cpu_used_us(),
            vm_bytes: vm_bytes(),
        };
        let Ok(body) = serde_json::to_vec(&reply) else {
            return 1;
        };
        let mut frame = Vec::with_capacity(body.len() + 4);
        frame.extend_from_slice(&(body.len() as u32).to_le_bytes());
        frame.extend_from_slice(&body);
        if out.write_all(&frame).is_err() {
            return 1;
        }
    }
}

/// One running worker process (the parent's side).
pub struct Worker {
    child: Child,
    pid: libc::pid_t,
    stdin: ChildStdin,
    stdout: ChildStdout,
    stderr: Arc<Mutex<Vec<u8>>>,
    err_thread: Option<thread::JoinHandle<()>>,
    limits: Limits,
    cpu_hard: u64,
    files: u32,
    reaped: bool,
}

impl Worker {
    /// Starts `exe __extract-worker CPU_SECS` under `limits` (see the module docs).
    ///
    /// # Errors
    /// The process cannot be started.
    pub fn spawn(exe: &Path, limits: &Limits) -> io::Result<Worker> {
        let cpu_hard = limits.cpu_seconds.saturating_mul(2).saturating_add(1);
        let mut cmd = Command::new(exe);
        cmd.arg("__extract-worker")
            .arg(limits.cpu_seconds.to_string());
        limit_command(&mut cmd, limits, cpu_hard);
        cmd.stdin(Stdio::piped());
        let mut child = cmd.spawn()?;
        let pid = child.id() as libc::pid_t;
        let (Some(stdin), Some(stdout), Some(mut err)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::other("worker pipes missing"));
        };
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let tail = Arc::clone(&stderr);
        let err_thread = thread::Builder::new()
            .name("extract-worker-stderr".into())
            .spawn(move || {
                let mut chunk = [0u8; 4096];
                loop {
                    match err.read(&mut chunk) {
                        Ok(0) => break,
                        Ok(n) => {
                            if let Ok(mut t) = tail.lock() {
                                t.extend_from_slice(&chunk[..n]);
                                if t.len() > 2 * CHILD_STDERR_TAIL {
                                    let cut = t.len() - CHILD_STDERR_TAIL;
                                    t.drain(..cut);
                                }
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(_) => break,
                    }
                }
            })
            .ok();
        Ok(Worker {
            child,
            pid,
            stdin,
            stdout,
            stderr,
            err_thread,
            limits: limits.clone(),
            cpu_hard,
            files: 0,
            reaped: false,
        })
    }

    fn kill_group(&self) {
        if !self.reaped {
            // SAFETY: kill(2) of the worker's own process group (process_group(0) at spawn); the
            // worker is not reaped yet, so its pid (= group id) cannot have been reused.
            unsafe {
                libc::kill(-self.pid, libc::SIGKILL);
            }
        }
    }

    /// Kills the worker's process group, reaps it and builds the error of a failed file: a timeout,
    /// or a crash with the worker's status and the tail of its stderr.
    fn fail(&mut self, timeout: Option<Duration>, bad: Option<String>) -> ExtractError {
        self.kill_group();
        let status = self.child.wait();
        self.reaped = true;
        if let Some(t) = self.err_thread.take() {
            let _ = t.join();
        }
        if let Some(wall) = timeout {
            return ExtractError::Timeout(wall);
        }
        let tail = self
            .stderr
            .lock()
            .map(|t| {
                let start = t.len().saturating_sub(CHILD_STDERR_TAIL);
                String::from_utf8_lossy(&t[start..]).into_owned()
            })
            .unwrap_or_default();
        match (bad, status) {
            (Some(b), _) => ExtractError::BadOutput(b),
            (None, Ok(st)) if !st.success() => crashed(st, tail),
            (None, Ok(_)) => ExtractError::BadOutput(
                "proses analisis berhenti tanpa jawaban / worker ended without an answer".into(),
            ),
            (None, Err(e)) => ExtractError::Spawn(e),
        }
    }

    /// Whether the worker still runs (not exited while idle).
    fn alive(&self) -> bool {
        !self.reaped && exited_nowait(self.pid).is_ok_and(|x| !x)
    }

    /// Whether the worker should be replaced before the next file: [`WORKER_MAX_FILES`] done, less
    /// than a whole per-file CPU budget left under its hard limit, or an address space grown past
    /// half of `RLIMIT_AS` (a big file's heap left behind must not make the next file fail).
    fn spent(&self, r: &Reply) -> bool {
        let used = r.cpu_us.div_ceil(1_000_000);
        self.files >= WORKER_MAX_FILES
            || used.saturating_add(self.limits.cpu_seconds) >= self.cpu_hard
            || r.vm_bytes > self.limits.memory_bytes / 2
    }

    /// Analyses `path` within `self.limits.wall`. Returns the analysis and whether the worker is
    /// spent (to be replaced); on an error the worker is dead (killed and reaped) and must be dropped.
    ///
    /// # Errors
    /// As [`super::extract::run_child`]: [`ExtractError::Timeout`], [`ExtractError::Crashed`],
    /// [`ExtractError::BadOutput`].
    pub fn analyze(&mut self, path: &Path) -> Result<(Analysis, bool), ExtractError> {
        let deadline = Instant::now() + self.limits.wall;
        let raw = path.as_os_str().as_bytes();
        if raw.len() > MAX_PATH_FRAME {
            return Err(ExtractError::BadOutput("path too long".into()));
        }
        let mut frame = Vec::with_capacity(raw.len() + 4);
        frame.extend_from_slice(&(raw.len() as u32).to_le_bytes());
        frame.extend_from_slice(raw);
        if self.stdin.write_all(&frame).is_err() {
            return Err(self.fail(None, None));
        }
        self.files += 1;
        let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
        let mut chunk = vec![0u8; 64 * 1024];
        let fd = self.stdout.as_raw_fd();
        loop {
            if buf.len() >= 4 {
                let n = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
                if n > CHILD_STDOUT_CAP {
                    return Err(self.fail(
                        None,
                        Some(format!(
                            "lebih dari {} MiB / more than {} MiB on stdout",
                            CHILD_STDOUT_CAP >> 20,
                            CHILD_STDOUT_CAP >> 20
                        )),
                    ));
                }
                if buf.len() >= 4 + n {
                    if buf.len() > 4 + n {
                        return Err(self.fail(None, Some("unexpected bytes after a reply".into())));
                    }
                    return match serde_json::from_slice::<Reply>(&buf[4..]) {
                        Ok(r) => {
                            let spent = self.spent(&r);
                            Ok((r.analysis, spent))
                        }
                        Err(e) => Err(self.fail(None, Some(e.to_string()))),
                    };
                }
            }
            let now = Instant::now();
            if now >= deadline {
                let wall = self.limits.wall;
                return Err(self.fail(Some(wall), None));
            }
            let ms = (deadline - now).as_millis().clamp(1, i32::MAX as u128) as i32;
            let mut pfd = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: poll on one valid pollfd.
            let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
            if rc < 0 {
                if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(self.fail(None, None));
            }
            if rc == 0 {
                continue;
            }
            match self.stdout.read(&mut chunk) {
                Ok(0) => return Err(self.fail(None, None)),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => return Err(self.fail(None, None)),
            }
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if !self.reaped {
            self.kill_group();
            let _ = self.child.wait();
            self.reaped = true;
        }
        if let Some(t) = self.err_thread.take() {
            let _ = t.join();
        }
    }
}

/// Workers of one ingest service: `slots` long-lived workers (one per core, at most 2), each started
/// on first use and replaced after a failure or when spent.
pub struct Pool {
    exe: PathBuf,
    slots: Vec<Mutex<Option<Worker>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Pool {
    /// A pool of `n` (at least 1) worker slots running `exe`; no process is started yet.
    pub fn new(exe: PathBuf, n: usize) -> Pool {
        Pool {
            exe,
            slots: (0..n.max(1)).map(|_| Mutex::new(None)).collect(),
        }
    }

    /// The number of worker slots.
    pub fn size(&self) -> usize {
        self.slots.len()
    }

    fn analyze_in(
        &self,
        slot: &mut Option<Worker>,
        path: &Path,
        limits: &Limits,
    ) -> Result<Analysis, ExtractError> {
        if slot
            .as_ref()
            .is_some_and(|w| w.limits != *limits || !w.alive())
        {
            *slot = None;
        }
        let w = match slot {
            Some(w) => w,
            None => slot.insert(Worker::spawn(&self.exe, limits)?),
        };
        match w.analyze(path) {
            Ok((a, spent)) => {
                if spent {
                    *slot = None;
                }
                Ok(a)
            }
            Err(e) => {
                *slot = None;
                Err(e)
            }
        }
    }

    /// Analyses one file in a free worker (or waits for the first one).
    ///
    /// # Errors
    /// As [`Worker::analyze`], and [`ExtractError::Spawn`] when no worker can be started.
    pub fn analyze(&self, path: &Path, limits: &Limits) -> Result<Analysis, ExtractError> {
        let mut guard = self
            .slots
            .iter()
            .find_map(|s| s.try_lock().ok())
            .unwrap_or_else(|| lock(&self.slots[0]));
        self.analyze_in(&mut guard, path, limits)
    }

    /// Analyses `paths` on all workers at once (one thread per slot, each taking the next file),
    /// each file under its own deadline. Results in the order of `paths`.
    pub fn analyze_many(
        &self,
        paths: &[&Path],
        limits: &Limits,
    ) -> Vec<Result<Analysis, ExtractError>> {
        if paths.len() <= 1 || self.slots.len() == 1 {
            return paths.iter().map(|p| self.analyze(p, limits)).collect();
        }
        let next = AtomicUsize::new(0);
        let results: Vec<Mutex<Option<Result<Analysis, ExtractError>>>> =
            paths.iter().map(|_| Mutex::new(None)).collect();
        thread::scope(|s| {
            for slot in &self.slots {
                let (next, results) = (&next, &results);
                s.spawn(move || {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(p) = paths.get(i) else { break };
                        let r = self.analyze_in(&mut lock(slot), p, limits);
                        *lock(&results[i]) = Some(r);
                    }
                });
            }
        });
        results
            .into_iter()
            .map(|m| {
                m.into_inner()
                    .unwrap_or_else(|p| p.into_inner())
                    .unwrap_or(Err(ExtractError::Cancelled))
            })
            .collect()
    }
}
