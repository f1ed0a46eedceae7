//! The node: the one process that owns a data directory (DESIGN §1).
//!
//! It holds the redb database, the blob store and the drop-folder watcher; serves typed requests on a Unix
//! socket (identity from SO_PEERCRED); pushes committed changes to subscribed clients. One node per data
//! directory, enforced by an exclusive `flock` on `node.pid` (and by redb's own file lock).

pub mod atrest;
pub mod backup;
mod berkas;
mod cari;
pub mod disposisi;
mod handlers;
mod hub;
mod insiden;
mod keluar;
pub mod kriptogram;
mod lampiran;
pub mod limits;
pub mod link;
pub mod lock;
pub mod masuk;
mod palsan;
pub mod permission;
mod pratinjau;
pub mod proof;
mod server;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::config::{NodeConfig, Paths};
use crate::ingest::{Ingest, mkdir_private};
use crate::store::{Actor, Store, StoreError};

pub use hub::Hub;

/// Shared state of a running node.
pub struct NodeState {
    pub paths: Paths,
    pub cfg: NodeConfig,
    pub store: Arc<Store>,
    pub hub: Arc<Hub>,
    pub ingest: Arc<Ingest>,
    pub node_id: String,
    pub node_name: String,
    pub socket: PathBuf,
    /// Set when the node should stop taking work.
    pub stop: Arc<AtomicBool>,
    /// Requests hold a read guard while they run; shutdown takes the write guard to wait for them.
    pub work: RwLock<()>,
    /// The node card and, once unlocked, the secret keys (DESIGN §5).
    pub identity: kriptogram::NodeIdentity,
    /// The direct node-to-node link (connections, per-peer status).
    pub link: link::LinkState,
    /// Open connections and the in-flight frame budget (issue 11).
    pub conns: Arc<limits::Conns>,
    /// Unlock attempts: one at a time, back-off per uid.
    pub unlock_gate: limits::UnlockGate,
    /// Highest audit seq covered by a signed checkpoint ([`proof`]).
    pub signed_seq: std::sync::atomic::AtomicU64,
    /// Who has which entry's form open ([`masuk::Klaim`]).
    pub klaim: masuk::Klaim,
}

/// Why the node could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("another node is running (pid {0})")]
    AlreadyRunning(i32),
    #[error("{0} is not initialised: run `kasa init --node-id ID --name NAME` first")]
    NotInitialised(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("{0}")]
    Io(String),
}

/// Runs the node in the foreground until SIGTERM/SIGINT or `kasa node stop`. Returns the exit status.
/// The node runs *locked* (no kriptogram seal/open); see [`run_foreground_with`].
pub fn run_foreground(paths: &Paths) -> Result<(), StartError> {
    run_foreground_with(paths, None)
}

/// Like [`run_foreground`], unlocking the node keystore with `passphrase` at start (a wrong passphrase
/// stops the start with an error).
pub fn run_foreground_with(paths: &Paths, passphrase: Option<&[u8]>) -> Result<(), StartError> {
    // No core dumps and no ptrace by other processes of the same uid: the node holds the unlocked keys
    // and classified text (issue 11 "Keys"). Key pages are also locked and excluded from dumps
    // (`kriptogram::NodeIdentity::unlock`).
    // SAFETY: prctl with integer arguments only.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
    if !paths.db().exists() {
        return Err(StartError::NotInitialised(
            paths.data_dir.display().to_string(),
        ));
    }
    let _lock = lock::PidLock::acquire(&paths.pid_file()).map_err(|e| match e {
        lock::LockError::Held(pid) => StartError::AlreadyRunning(pid),
        lock::LockError::Io(e) => StartError::Io(format!("{}: {e}", paths.pid_file().display())),
    })?;
    let cfg = NodeConfig::load(paths)?;
    // PI.01 V.2: a schema migration is preceded by a backup (when a backup target is configured).
    let pre_migration = {
        let keys = || {
            let id = Store::peek_meta(&paths.db(), "node_id").ok().flatten()?;
            kriptogram::NodeIdentity::load(paths, &id, Some(passphrase?))
                .ok()
                .and_then(|i| i.keys())
        };
        backup::before_migration(paths, &cfg, &keys, crate::clock::now()).map_err(StartError::Io)?
    };
    let store = Arc::new(match Store::open(&paths.db()) {
        Err(StoreError::AlreadyOpen(_)) => {
            return Err(StartError::AlreadyRunning(
                lock::read_pid(&paths.pid_file()).unwrap_or(0),
            ));
        }
        r => r?,
    });
    let node_id = store
        .meta("node_id")?
        .ok_or_else(|| StartError::NotInitialised(paths.data_dir.display().to_string()))?;
    let node_name = store.meta("node_name")?.unwrap_or_default();
    let signed_seq = proof::check_at_start(&store, paths).map_err(StartError::Io)?;
    if let Some(pm) = pre_migration {
        backup::record_pre_migration(&store, pm);
    }
    backup::close_interrupted(&store);
    let identity =
        kriptogram::NodeIdentity::load(paths, &node_id, passphrase).map_err(StartError::Io)?;
    check_card(&store, &node_id, &identity, paths)?;
    if identity.keys().is_none() {
        tracing::warn!(
            "node identity locked: kriptogram seal/open are refused until the node is restarted with --passphrase-file"
        );
    }
    let hub = Arc::new(Hub::default());
    let publish_hub = hub.clone();
    let exe = std::env::current_exe()
        .map_err(|e| StartError::Io(format!("cannot find the kasa executable: {e}")))?;
    let drop_dir = cfg.drop_path(paths);
    let ingest = Arc::new(
        Ingest::new(
            paths.clone(),
            cfg.ingest.clone(),
            drop_dir,
            store.clone(),
            exe,
            Arc::new(move |ch| publish_hub.publish_changes(ch)),
            identity.card.as_ref().map(|c| c.encryption),
        )
        .map_err(|e| StartError::Io(format!("preparing ingest folders: {e}")))?,
    );
    // The outgoing drop folder (issue 14): the same pipeline, its own folder and thread; no
    // kriptogram hook (a `.kgm` dropped there is stored as a file).
    let ingest_keluar = {
        let publish_hub = hub.clone();
        let mut ik = Ingest::new(
            paths.clone(),
            cfg.ingest.clone(),
            cfg.drop_keluar_path(paths),
            store.clone(),
            ingest.exe.clone(),
            Arc::new(move |ch| publish_hub.publish_changes(ch)),
            identity.card.as_ref().map(|c| c.encryption),
        )
        .map_err(|e| StartError::Io(format!("preparing the drop_keluar folder: {e}")))?;
        ik.target = crate::ingest::Target::Keluar;
        Arc::new(ik)
    };
    // One recovery pass for the shared staging folder, before either loop runs.
    ingest.recover();
    kriptogram::recover(paths);
    mkdir_private(&paths.keys()).map_err(|e| StartError::Io(e.to_string()))?;
    let socket = cfg.socket_path(paths);
    let bound = server::bind(&socket, &cfg).map_err(StartError::Io)?;
    let listener = bound.listener.clone();
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(sig, stop.clone())
            .map_err(|e| StartError::Io(e.to_string()))?;
    }
    let state = Arc::new(NodeState {
        paths: paths.clone(),
        cfg,
        store: store.clone(),
        hub: hub.clone(),
        ingest: ingest.clone(),
        node_id,
        node_name,
        socket: socket.clone(),
        stop: stop.clone(),
        work: RwLock::new(()),
        identity,
        link: link::LinkState::default(),
        conns: Arc::new(limits::Conns::default()),
        unlock_gate: limits::UnlockGate::default(),
        signed_seq: std::sync::atomic::AtomicU64::new(signed_seq),
        klaim: masuk::Klaim::default(),
    });
    let weak = Arc::downgrade(&state);
    let _ = ingest.kgm_hook.set(Box::new(move |staged, name| {
        weak.upgrade()
            .and_then(|st| kriptogram::open_dropped(&st, staged, name))
    }));
    store.audit_event(
        &Actor::node(),
        "node.start",
        &format!("node:{}", state.node_id),
        &format!("pid {}", std::process::id()),
        crate::clock::now(),
    )?;
    proof::sign_head(&state);
    tracing::info!(pid = std::process::id(), socket = %socket.display(), "node started");

    link::start(&state);

    let ing = ingest.clone();
    let ing_stop = stop.clone();
    let ingest_thread = std::thread::Builder::new()
        .name("ingest".into())
        .spawn(move || ing.run(ing_stop))
        .map_err(|e| StartError::Io(e.to_string()))?;
    let ik = ingest_keluar.clone();
    let ik_stop = stop.clone();
    let ingest_keluar_thread = std::thread::Builder::new()
        .name("ingest-keluar".into())
        .spawn(move || ik.run(ik_stop))
        .map_err(|e| StartError::Io(e.to_string()))?;
    // OCR of image-only scans (issue 15): one thread, one tesseract at a time, off the ingest path,
    // so a scan's entry appears at once and its suggestions follow.
    let io = ingest.clone();
    let io_stop = stop.clone();
    let ocr_thread = std::thread::Builder::new()
        .name("ocr".into())
        .spawn(move || io.run_ocr(io_stop))
        .map_err(|e| StartError::Io(e.to_string()))?;
    let accept_state = state.clone();
    let accept_thread = std::thread::Builder::new()
        .name("accept".into())
        .spawn(move || server::accept_loop(listener, accept_state))
        .map_err(|e| StartError::Io(e.to_string()))?;

    // The main thread keeps the timers: encryption at rest of newly classified Rahasia blobs, and
    // the incident SLA watch (PI.03: contact in 5 min, escalate in 30 min).
    let mut last_atrest = std::time::Instant::now() - Duration::from_secs(1);
    let mut sla = insiden::SlaWatch::default();
    let mut next_sla = std::time::Instant::now();
    let mut alur = masuk::AlurWatch::default();
    let mut perbaikan = palsan::PerbaikanWatch::default();
    let mut next_alur = std::time::Instant::now();
    let mut backups = backup::BackupWatch::new(crate::clock::now());
    let mut next_backup = std::time::Instant::now();
    let mut storage = StorageRecovery::default();
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
        storage.tick(&state);
        if std::time::Instant::now() >= next_sla {
            sla.check(&state, crate::clock::now());
            next_sla = std::time::Instant::now() + Duration::from_secs(1);
        }
        if std::time::Instant::now() >= next_alur {
            alur.check(&state, crate::clock::now());
            perbaikan.check(&state, crate::clock::now());
            next_alur = std::time::Instant::now() + Duration::from_secs(5);
        }
        if std::time::Instant::now() >= next_backup {
            backups.check(&state, crate::clock::now());
            next_backup = std::time::Instant::now() + Duration::from_secs(5);
        }
        if last_atrest.elapsed() >= Duration::from_millis(500) {
            let _guard = state.work.read();
            atrest::process_pending(&state);
            proof::sign_head(&state);
            last_atrest = std::time::Instant::now();
        }
    }
    tracing::info!("stopping: no new work; finishing what is in flight");
    hub.publish(crate::proto::Event::Stopping);
    // Wake the accept loop through its descriptor (the socket path may be gone or another program's).
    bound.wake();
    let _ = accept_thread.join();
    let _ = ingest_thread.join();
    let _ = ingest_keluar_thread.join();
    let _ = ocr_thread.join();
    // Wait for requests in flight (each holds a read guard while it runs).
    drop(state.work.write());
    let _ = store.audit_event(
        &Actor::node(),
        "node.stop",
        &format!("node:{}", state.node_id),
        "clean stop",
        crate::clock::now(),
    );
    proof::sign_head(&state);
    bound.remove_file(&socket);
    tracing::info!("node stopped");
    Ok(())
}

/// Alarms raised once per object, across restarts: the objects of every alarm on record are read at
/// the first breach (so a restarted node does not raise them again) and remembered after. Used by the
/// watches of the main thread (incident SLA, receive-flow clocks, palsan repair steps).
#[derive(Default)]
pub(crate) struct RaisedOnce {
    raised: Option<std::collections::HashSet<String>>,
}

impl RaisedOnce {
    /// Raises `kind` about `object` with `message` unless an alarm about `object` exists. Store errors
    /// are logged (`what` names the watch) and retried at the next check.
    pub(crate) fn raise(
        &mut self,
        state: &NodeState,
        what: &str,
        kind: &str,
        object: &str,
        message: impl FnOnce() -> String,
        now: jiff::Timestamp,
    ) {
        if self.raised.is_none() {
            match state.store.alarms(false) {
                Ok(a) => self.raised = Some(a.into_iter().map(|a| a.object).collect()),
                Err(e) => {
                    tracing::warn!(error = %e, "{what}: cannot read alarms");
                    return;
                }
            }
        }
        let Some(raised) = self.raised.as_mut() else {
            return;
        };
        if raised.contains(object) {
            return;
        }
        match state.store.raise_alarm(kind, &message(), object, now) {
            Ok((_, ch)) => {
                raised.insert(object.to_string());
                state.hub.publish_changes(ch);
            }
            Err(e) => tracing::warn!(error = %e, "{what}: cannot raise alarm"),
        }
    }
}

/// Disk-full recovery (issue 11 §4, DESIGN §3): after a storage I/O error the store is closed and reopened
/// with back-off (0.5 s doubling to 30 s); meanwhile every request gets the `disk_penuh` error. Once a
/// write succeeds again the `storage.disk_full` alarm is raised (it could not be written while the disk
/// was full) naming when writes stopped.
#[derive(Default)]
struct StorageRecovery {
    next: Option<std::time::Instant>,
    backoff: Duration,
    /// When the error was first seen (the alarm names it).
    since: Option<jiff::Timestamp>,
}

impl StorageRecovery {
    fn tick(&mut self, state: &NodeState) {
        if !state.store.io_failed() {
            return;
        }
        let now = std::time::Instant::now();
        if self.next.is_some_and(|t| now < t) {
            return;
        }
        if self.since.is_none() {
            self.since = Some(crate::clock::now());
        }
        if self.next.is_none() {
            tracing::error!(
                "storage I/O error (disk penuh?): the database is closed and reopened; writes are refused meanwhile"
            );
        }
        let since = state.store.down().map(|(_, at)| at).or(self.since);
        let _guard = state.work.write();
        match state.store.recover(crate::clock::now()) {
            Ok(true) => {
                let since = since.map(|t| t.to_string()).unwrap_or_default();
                tracing::info!(since = %since, "database reopened; writes resume");
                if let Ok((_, ch)) = state.store.raise_alarm(
                    "storage.disk_full",
                    &format!("disk penuh / storage I/O error: writes were refused from {since} until now; the database was reopened, nothing committed was lost. Free space on the data directory's file system"),
                    "store",
                    crate::clock::now(),
                ) {
                    state.hub.publish_changes(ch);
                }
                self.next = None;
                self.since = None;
                self.backoff = Duration::ZERO;
            }
            _ => {
                self.backoff =
                    (self.backoff * 2).clamp(Duration::from_millis(500), Duration::from_secs(30));
                self.next = Some(now + self.backoff);
            }
        }
    }
}

/// Checks the node card against the audited record of the identity's creation (`identity.create`,
/// detail `ed25519 <fingerprint> x25519 <key id>`), so a card swapped on disk cannot redirect encryption at
/// rest even while the node is locked (the keystore itself needs the passphrase). A card without such a
/// record (an identity older than the record) is accepted with a warning.
fn check_card(
    store: &Store,
    node_id: &str,
    identity: &kriptogram::NodeIdentity,
    paths: &Paths,
) -> Result<(), StartError> {
    let Some(card) = identity.card.as_ref() else {
        return Ok(());
    };
    let recs = store.audit_for(&format!("node:{node_id}"))?;
    let Some(rec) = recs.iter().rev().find(|r| r.action == "identity.create") else {
        tracing::warn!("no identity.create record to check the node card against");
        return Ok(());
    };
    let want = format!(
        "ed25519 {} x25519 {}",
        card.signing_fingerprint(),
        card.key_id()
    );
    if !rec.detail.starts_with(&want) {
        return Err(StartError::Io(format!(
            "{} does not match the identity created at audit seq {} ({}): the card was replaced. Restore this node's own card (`kasa identity export` from a backup) before starting",
            kriptogram::card_path(paths).display(),
            rec.seq,
            rec.detail
        )));
    }
    Ok(())
}

/// `Request::Unlock`: opens the keystore with `passphrase` through the unlock gate (one Argon2 run at a
/// time for the whole node; per uid a back-off doubling from 1 s after each failure but the first). A uid seen guessing
/// (an attempt during its back-off, or [`limits::UNLOCK_ALARM_FAILURES`] failures) raises an
/// `identity.unlock.guessing` alarm once. Errors: `busy` (another attempt runs), `rate_limited`,
/// `rule` (already unlocked, wrong passphrase).
pub(crate) fn unlock(
    state: &NodeState,
    op: &crate::domain::Operator,
    passphrase: String,
    now: jiff::Timestamp,
) -> Result<crate::proto::Reply, (&'static str, String)> {
    let pass = zeroize::Zeroizing::new(passphrase.into_bytes());
    if state.identity.keys().is_some() {
        return Err(("rule", "the node is already unlocked".into()));
    }
    let st = &state.store;
    let alarm = |why: &str| {
        if let Ok((_, ch)) = st.raise_alarm(
            "identity.unlock.guessing",
            &format!(
                "uid {} ({}) {why}: someone may be guessing the node passphrase",
                op.uid, op.nama
            ),
            &format!("uid:{}", op.uid),
            now,
        ) {
            state.hub.publish_changes(ch);
        }
    };
    let r = state
        .unlock_gate
        .attempt(op.uid, std::time::Instant::now(), || {
            let r = state.identity.unlock(&state.paths, &state.node_id, &pass);
            (r.is_ok(), r)
        });
    match r {
        Err(limits::UnlockRefusal::Busy) => Err((
            "busy",
            "another unlock attempt is running; try again in a few seconds".into(),
        )),
        Err(limits::UnlockRefusal::TooSoon { wait, alarm: raise }) => {
            if raise {
                alarm("tried to unlock again before its waiting time was over");
            }
            Err((
                "rate_limited",
                format!(
                    "too many unlock attempts from uid {}: wait {} s before the next one",
                    op.uid,
                    wait.as_secs() + 1
                ),
            ))
        }
        Ok((Ok(()), _)) => {
            let _ = st.audit_event(
                &Actor::operator(op),
                "identity.unlock",
                &format!("node:{}", state.node_id),
                "",
                now,
            );
            proof::sign_head(state);
            Ok(crate::proto::Reply::Ok)
        }
        Ok((Err(e), raise)) => {
            let _ = st.audit_event(
                &Actor::operator(op),
                "identity.unlock.failed",
                &format!("node:{}", state.node_id),
                "",
                now,
            );
            if raise {
                alarm(&format!(
                    "failed {} unlock attempts in a row",
                    limits::UNLOCK_ALARM_FAILURES
                ));
            }
            Err(("rule", format!("unlock refused: {e}")))
        }
    }
}

/// Starts a node for `paths` in the background (detached, output to `kasa.log`) and waits until its
/// socket accepts connections (at most `wait`). Used by `kasa node` and by the console when no node runs.
pub fn spawn_background(paths: &Paths, wait: Duration) -> Result<(), String> {
    spawn_background_with(paths, wait, None)
}

/// Like [`spawn_background`], passing `--passphrase-file FILE` to the node so it unlocks its keystore.
pub fn spawn_background_with(
    paths: &Paths,
    wait: Duration,
    passphrase_file: Option<&Path>,
) -> Result<(), String> {
    use std::os::unix::process::CommandExt;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(paths.log_file())
        .map_err(|e| format!("cannot open {}: {e}", paths.log_file().display()))?;
    let _ = std::fs::set_permissions(paths.log_file(), std::fs::Permissions::from_mode(0o600));
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("--data-dir")
        .arg(&paths.data_dir)
        .arg("--config-dir")
        .arg(&paths.config_dir)
        .arg("node")
        .arg("--foreground");
    if let Some(f) = passphrase_file {
        let abs = std::path::absolute(f).map_err(|e| format!("{}: {e}", f.display()))?;
        cmd.arg("--passphrase-file").arg(abs);
    }
    cmd.stdin(std::process::Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log);
    // SAFETY: setsid is async-signal-safe; it detaches the node from the terminal's session so a hang-up
    // of the console does not reach it.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start the node: {e}"))?;
    let socket = crate::config::client_socket(paths);
    let deadline = std::time::Instant::now() + wait;
    while std::time::Instant::now() < deadline {
        if std::os::unix::net::UnixStream::connect(&socket).is_ok() {
            return Ok(());
        }
        if let Ok(Some(st)) = child.try_wait() {
            let tail = std::fs::read_to_string(paths.log_file()).unwrap_or_default();
            let last: Vec<&str> = tail.lines().rev().take(3).collect();
            return Err(format!(
                "the node exited ({st}): {}",
                last.into_iter().rev().collect::<Vec<_>>().join(" | ")
            ));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    Err(format!(
        "the node did not open {} within {:?}; see {}",
        socket.display(),
        wait,
        paths.log_file().display()
    ))
}

/// Creates the data directory (0700), `node.toml`, the database and the first admin (issue 2 §3).
/// Refuses to touch an initialised directory.
pub fn init(
    paths: &Paths,
    node_id: &str,
    name: &str,
    admin: &crate::domain::Operator,
    cfg: &NodeConfig,
) -> Result<(), String> {
    if node_id.trim().is_empty()
        || node_id
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '/')
    {
        return Err(format!(
            "node id '{node_id}' is not valid: use a region code such as 5101 (no spaces or slashes)"
        ));
    }
    if name.trim().is_empty() {
        return Err("the node needs a name, e.g. --name \"Diskominfo Kabupaten Jembrana\"".into());
    }
    // Look without writing: a read-write open would commit (create tables, even migrate) on an
    // existing database before refusing.
    if paths.db().exists() {
        match Store::peek_meta(&paths.db(), "node_id") {
            Ok(None) => {} // created by an interrupted init: finish it
            Ok(Some(_)) => {
                return Err(format!(
                    "{} is already initialised (found {}); nothing was overwritten",
                    paths.data_dir.display(),
                    paths.db().display()
                ));
            }
            Err(e) => {
                return Err(format!(
                    "{} exists but cannot be checked ({e}); nothing was overwritten",
                    paths.db().display()
                ));
            }
        }
    }
    mkdir_private(&paths.data_dir)
        .map_err(|e| format!("cannot create {}: {e}", paths.data_dir.display()))?;
    let _lock = lock::PidLock::acquire(&paths.pid_file()).map_err(|e| match e {
        lock::LockError::Held(pid) => format!("another node is running (pid {pid})"),
        lock::LockError::Io(e) => e.to_string(),
    })?;
    if !paths.node_toml().exists() {
        let text = format!(
            "# kasa node settings for {node_id} ({name}). `kasa config check` validates this file.\n{}",
            toml::to_string_pretty(cfg).map_err(|e| e.to_string())?
        );
        std::fs::write(paths.node_toml(), text).map_err(|e| e.to_string())?;
    }
    let store = Store::open(&paths.db()).map_err(|e| e.to_string())?;
    store
        .initialise(node_id, name, admin, crate::clock::now())
        .map_err(|e| e.to_string())?;
    for sub in ["staging", "processed", "failed", "duplicates"] {
        mkdir_private(&paths.ingest(sub)).map_err(|e| e.to_string())?;
    }
    mkdir_private(&paths.blobs()).map_err(|e| e.to_string())?;
    mkdir_private(&paths.keys()).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(cfg.drop_path(paths)).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(cfg.drop_keluar_path(paths)).map_err(|e| e.to_string())?;
    Ok(())
}

/// Path helper for tests and tools: does a node answer on this socket?
pub fn is_running(socket: &Path) -> bool {
    std::os::unix::net::UnixStream::connect(socket).is_ok()
}
