//! Shared helpers of the node integration tests: a real `kasa node --foreground` child process on a
//! temporary data directory, CLI runs against it, JSON helpers and bounded polling.
//!
//! Every wait is a poll of a condition with a deadline ([`wait_until`]); nothing sleeps a fixed time to
//! synchronise.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The kasa binary under test.
pub const KASA: &str = env!("CARGO_BIN_EXE_kasa");
/// The shared samples (CI clones the repo with `shared/` beside it).
pub const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/samples");

/// A path under the shared samples.
pub fn sample(rel: &str) -> PathBuf {
    Path::new(SAMPLES).join(rel)
}

/// Polls `cond` every 20 ms until it holds or `timeout` passes. Returns whether it held.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// A tiny valid-looking PNG (signature + an IHDR-like chunk + unique bytes) distinct per `n`.
pub fn tiny_png(n: u64) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.extend_from_slice(&[0, 0, 0, 13]);
    v.extend_from_slice(b"IHDR");
    v.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
    v.extend_from_slice(b"kasa-test-");
    v.extend_from_slice(n.to_string().as_bytes());
    v
}

/// A PNG whose header declares `w`×`h` pixels, with no image data behind it (a hostile image).
pub fn png_declaring(w: u32, h: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    v.extend_from_slice(&w.to_be_bytes());
    v.extend_from_slice(&h.to_be_bytes());
    v.extend_from_slice(&[8, 0, 0, 0, 0, 0, 0, 0, 0]);
    v.extend_from_slice(&[0u8; 64]);
    v
}

/// A small PDF (header, one empty page, unique comment, `%%EOF`) distinct per `n`.
pub fn tiny_pdf(n: u64) -> Vec<u8> {
    format!(
        "%PDF-1.4\n% kasa test {n}\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
         2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
         3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj\n\
         trailer << /Root 1 0 R >>\n%%EOF\n"
    )
    .into_bytes()
}

/// Writes `data` to `dir/name` atomically as seen from `dir`: written beside it, then renamed in.
pub fn drop_atomic(staging: &Path, dir: &Path, name: &str, data: &[u8]) {
    let tmp = staging.join(name);
    fs::write(&tmp, data).unwrap();
    fs::rename(&tmp, dir.join(name)).unwrap();
}

/// File names in a directory (sorted); empty when it does not exist.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Output of a finished process as text, for assertion messages.
pub fn describe(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A kasa installation in a temporary directory, with its node running as a child process.
pub struct TestNode {
    pub tmp: tempfile::TempDir,
    pub data: PathBuf,
    pub config: PathBuf,
    pub socket: PathBuf,
    pub child: Option<Child>,
    /// Extra arguments for `kasa node --foreground` (e.g. `--passphrase-file F`).
    pub node_args: Vec<String>,
    /// Extra environment of the node process (e.g. test hooks such as `KASA_TEST_INGEST_PAUSE`).
    pub node_env: Vec<(String, String)>,
    starts: u32,
}

impl TestNode {
    /// `kasa init` in a fresh temp dir, then `node.toml` edited by `edit` (ingest defaults for tests:
    /// `stable_ms` 300, `rescan_secs` 1). The node is not started.
    pub fn init_with(edit: impl FnOnce(&mut toml::Table)) -> TestNode {
        Self::init_id("5101", edit)
    }

    /// [`TestNode::init_with`] for node id `node_id` (a second node of a two-node test needs its own
    /// id: a peer's card must not be the node's own).
    pub fn init_id(node_id: &str, edit: impl FnOnce(&mut toml::Table)) -> TestNode {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let config = tmp.path().join("cfg");
        let o = Command::new(KASA)
            .arg("--data-dir")
            .arg(&data)
            .arg("--config-dir")
            .arg(&config)
            .args([
                "init",
                "--kualifikasi",
                "tingkat_ii",
                "--node-id",
                node_id,
                "--name",
                "Diskominfo Kabupaten Uji",
                "--zone",
                "Asia/Makassar",
                "--nama",
                "Admin Uji",
            ])
            .env_remove("KASA_SOCKET")
            .output()
            .unwrap();
        assert!(o.status.success(), "kasa init failed: {}", describe(&o));
        let mut n = TestNode {
            tmp,
            data,
            config,
            socket: PathBuf::new(),
            child: None,
            node_args: Vec::new(),
            node_env: Vec::new(),
            starts: 0,
        };
        n.edit_config(|t| {
            let ing = t
                .entry("ingest")
                .or_insert_with(|| toml::Value::Table(Default::default()))
                .as_table_mut()
                .unwrap();
            ing.insert("stable_ms".into(), toml::Value::Integer(300));
            ing.insert("rescan_secs".into(), toml::Value::Integer(1));
            edit(t);
        });
        n
    }

    /// Initialised and started with the test defaults.
    pub fn start_new() -> TestNode {
        Self::start_with(|_| {})
    }

    /// Initialised with `edit` applied to `node.toml`, and started.
    pub fn start_with(edit: impl FnOnce(&mut toml::Table)) -> TestNode {
        let mut n = Self::init_with(edit);
        n.start();
        n
    }

    /// Loads `node.toml`, lets `f` edit it, writes it back (other keys kept).
    pub fn edit_config(&mut self, f: impl FnOnce(&mut toml::Table)) {
        let p = self.data.join("node.toml");
        let mut t: toml::Table = fs::read_to_string(&p).unwrap().parse().unwrap();
        f(&mut t);
        fs::write(&p, toml::to_string(&t).unwrap()).unwrap();
        let sock = PathBuf::from(
            t.get("socket")
                .and_then(|v| v.as_str())
                .unwrap_or("node.sock"),
        );
        self.socket = self.data.join(sock);
    }

    pub fn drop_dir(&self) -> PathBuf {
        self.data.join("drop")
    }
    pub fn ingest_dir(&self, sub: &str) -> PathBuf {
        self.data.join("ingest").join(sub)
    }
    pub fn db(&self) -> PathBuf {
        self.data.join("kasa.redb")
    }
    /// A scratch directory on the same file system as the drop folder (for rename-in).
    pub fn scratch(&self) -> PathBuf {
        let p = self.tmp.path().join("scratch");
        fs::create_dir_all(&p).unwrap();
        p
    }

    /// The base command `kasa --data-dir D --config-dir C`.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(KASA);
        c.arg("--data-dir")
            .arg(&self.data)
            .arg("--config-dir")
            .arg(&self.config)
            .env_remove("KASA_SOCKET")
            .env_remove("KASA_DATA_DIR")
            .env_remove("KASA_CONFIG_DIR")
            .env("KASA_LOG", "warn")
            .stdin(Stdio::null());
        c
    }

    /// `kasa identity create` with passphrase `pass` (written to a 0600 file in the temp dir, returned);
    /// `fast`: the test-only fast KDF. Later starts pass `--passphrase-file`, so the node starts
    /// unlocked (clear `node_args` for a locked node).
    pub fn create_identity(&mut self, pass: &str, fast: bool) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let file = self.tmp.path().join("pass");
        fs::write(&file, pass).unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
        let path = file.to_str().unwrap();
        let mut args = vec!["identity", "create", "--passphrase-file", path];
        if fast {
            args.push("--insecure-fast-kdf");
        }
        let o = self.kasa(&args);
        assert!(o.status.success(), "identity create: {}", describe(&o));
        self.node_args = vec!["--passphrase-file".into(), path.into()];
        file
    }

    /// Starts `kasa node --foreground` (stderr to `node-N.log` in the temp dir) and waits for its socket.
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "node already started");
        self.starts += 1;
        let log = fs::File::create(self.log_path(self.starts)).unwrap();
        let child = self
            .cmd()
            .args(["node", "--foreground"])
            .args(&self.node_args)
            .envs(self.node_env.iter().map(|(k, v)| (k, v)))
            .env("KASA_LOG", "info")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let sock = self.socket.clone();
        let pid_file = self.data.join("node.pid");
        let mut exited = None;
        let up = wait_until(Duration::from_secs(30), || {
            let child = self.child.as_mut().unwrap();
            if let Ok(Some(st)) = child.try_wait() {
                exited = Some(st);
                return true;
            }
            // This node holds the lock (its pid in node.pid) and listens: not a socket left open by a
            // killed node's child that had not yet exec'd.
            let mine =
                fs::read_to_string(&pid_file).is_ok_and(|p| p.trim() == child.id().to_string());
            mine && std::os::unix::net::UnixStream::connect(&sock).is_ok()
        });
        if let Some(st) = exited {
            self.child = None;
            panic!(
                "the node exited at start ({st}):\n{}",
                fs::read_to_string(self.log_path(self.starts)).unwrap_or_default()
            );
        }
        assert!(up, "the node did not open {} within 30 s", sock.display());
    }

    fn log_path(&self, n: u32) -> PathBuf {
        self.tmp.path().join(format!("node-{n}.log"))
    }

    /// The log of the current (or last) node run.
    pub fn log(&self) -> String {
        fs::read_to_string(self.log_path(self.starts)).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("node not running").id()
    }

    /// kill -9 the node and reap it.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Sends SIGTERM and waits (bounded) for the node to exit. Returns its status.
    pub fn terminate(&mut self) -> ExitStatus {
        let mut c = self.child.take().expect("node not running");
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(c.id() as i32, libc::SIGTERM);
        }
        let mut st = None;
        let ok = wait_until(Duration::from_secs(30), || {
            st = c.try_wait().unwrap();
            st.is_some()
        });
        if !ok {
            let _ = c.kill();
            let _ = c.wait();
            panic!("the node did not exit within 30 s of SIGTERM");
        }
        st.unwrap()
    }

    /// Runs the CLI with this installation's directories.
    /// Gives root (the admin made by `init`) another role: a second admin is added and changes it (an
    /// admin cannot take the admin role from itself), as on a real box.
    pub fn become_role(&self, role: &str) {
        self.kasa_ok(&[
            "operator",
            "add",
            "--uid",
            "4999",
            "--nama",
            "Admin Cadangan",
            "--role",
            "admin",
        ]);
        self.kasa_ok(&["--as", "4999", "operator", "edit", "0", "--role", role]);
    }

    pub fn kasa(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    /// Runs the CLI and insists on success; returns stdout.
    pub fn kasa_ok(&self, args: &[&str]) -> String {
        let o = self.kasa(args);
        assert!(
            o.status.success(),
            "kasa {args:?} failed: {}\n--- node log (start {}) ---\n{}",
            describe(&o),
            self.starts,
            self.log()
        );
        String::from_utf8(o.stdout).unwrap()
    }

    /// Runs the CLI (which must succeed) and parses its stdout as JSON.
    pub fn json(&self, args: &[&str]) -> Value {
        let out = self.kasa_ok(args);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("kasa {args:?}: not JSON ({e}): {out}"))
    }

    /// All entries (`agenda list --json --limit 1000`); asserts the list was not cut at the limit.
    pub fn entries(&self) -> Vec<Value> {
        let v = self.json(&["agenda", "list", "--json", "--limit", "1000"]);
        let e = v["entries"].as_array().unwrap().clone();
        assert!(e.len() < 1000, "more than 999 entries: use entries_all()");
        e
    }

    /// All entries through the library client, paging with the `before` cursor (no 1000 cap).
    pub fn entries_all(&self) -> Vec<kasa::domain::Entry> {
        let mut c = kasa::client::Client::connect(&self.socket).unwrap();
        let mut out: Vec<kasa::domain::Entry> = Vec::new();
        let mut before = None;
        loop {
            let r = c
                .call(kasa::proto::Request::AgendaList {
                    book: Some(kasa::domain::Book::Masuk),
                    books: Vec::new(),
                    status: None,
                    limit: Some(1000),
                    before,
                    saring: None,
                })
                .unwrap();
            let kasa::proto::Reply::Entries { entries } = r else {
                panic!("unexpected reply")
            };
            let Some(last) = entries.last() else { break };
            before = Some(kasa::store::Store::cursor_of(last));
            out.extend(entries);
        }
        out
    }

    /// Entries whose first attachment has this name.
    pub fn entries_named(&self, name: &str) -> Vec<Value> {
        self.entries()
            .into_iter()
            .filter(|e| e["attachments"][0]["name"] == name)
            .collect()
    }

    /// `kasa status --json`.
    pub fn status(&self) -> Value {
        self.json(&["status", "--json"])
    }

    /// Open alarms (`kasa alarm list --json`).
    pub fn alarms(&self) -> Vec<Value> {
        self.json(&["alarm", "list", "--json"])["alarms"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// The last `n` audit records.
    pub fn audit_tail(&self, n: usize) -> Vec<Value> {
        self.json(&["audit", "tail", "-n", &n.to_string(), "--json"])
            .as_array()
            .unwrap()
            .clone()
    }

    /// Waits until the entry count reaches `n` (bounded); returns whether it did.
    pub fn wait_entries(&self, n: u64, timeout: Duration) -> bool {
        wait_until(timeout, || {
            self.status()["entries"].as_u64().unwrap_or(0) >= n
        })
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// True when the tests run as root (needed to run clients under other uids).
pub fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// `kasa ARGS` as `uid` with primary and only supplementary group `gid`, talking to `socket`
/// (DESIGN §1: the node identifies each client by SO_PEERCRED).
pub fn kasa_as(uid: u32, gid: u32, socket: &Path, cwd: &Path, args: &[&str]) -> Output {
    use std::os::unix::process::CommandExt;
    let mut c = Command::new(KASA);
    c.args(args)
        .env("KASA_SOCKET", socket)
        .env("KASA_LOG", "warn")
        .env_remove("KASA_DATA_DIR")
        .env_remove("KASA_CONFIG_DIR")
        .current_dir(cwd)
        .stdin(Stdio::null());
    // SAFETY: only async-signal-safe syscalls between fork and exec.
    unsafe {
        c.pre_exec(move || {
            let groups = [gid as libc::gid_t];
            if libc::setgroups(1, groups.as_ptr()) != 0
                || libc::setgid(gid) != 0
                || libc::setuid(uid) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    c.output().unwrap()
}

/// A started node whose socket lives in a world-traversable directory, owned by group `gid`, mode 0660,
/// as on a shared box (README "A shared box"). Returns the node, the socket directory (keep it alive
/// longer than the node) and the socket path.
pub fn start_with_group_socket(gid: u32) -> (TestNode, tempfile::TempDir, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let sockdir = tempfile::tempdir().unwrap();
    fs::set_permissions(sockdir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let socket = sockdir.path().join("node.sock");
    let s = socket.clone();
    let node = TestNode::start_with(move |t| {
        t.insert("socket".into(), s.to_str().unwrap().into());
        t.insert("socket_group".into(), gid.to_string().into());
        t.insert("socket_mode".into(), "0660".into());
    });
    assert_eq!(node.socket, socket);
    (node, sockdir, socket)
}

/// A started node on a group socket with one operator per chain role (Kadis, Kabid, Kasi, Sandiman,
/// each Ahli Sandi Tingkat II), for steps the permission table gives to one role only (seed 000's
/// repair steps, disposal, voiding). Root stays the admin.
pub struct RoleNode {
    pub node: TestNode,
    pub sockdir: tempfile::TempDir,
    pub socket: PathBuf,
    gid: u32,
}

impl RoleNode {
    /// First uid; the roles follow in the order of `Role::ALL`.
    pub const UID0: u32 = 7100;

    pub fn start(gid: u32) -> RoleNode {
        let (node, sockdir, socket) = start_with_group_socket(gid);
        for (i, role) in ["kadis", "kabid", "kasi", "sandiman"].iter().enumerate() {
            let uid = (Self::UID0 + i as u32).to_string();
            node.kasa_ok(&[
                "operator",
                "add",
                "--uid",
                &uid,
                "--username",
                role,
                "--nama",
                &format!("Uji {role}"),
                "--role",
                role,
                "--kualifikasi",
                "tingkat_ii",
            ]);
        }
        RoleNode {
            node,
            sockdir,
            socket,
            gid,
        }
    }

    /// The uid of the operator with `role` (`kadis`, `kabid`, `kasi`, `sandiman`).
    pub fn uid(role: &str) -> u32 {
        let i = ["kadis", "kabid", "kasi", "sandiman"]
            .iter()
            .position(|r| *r == role)
            .expect("a chain role");
        Self::UID0 + i as u32
    }

    /// `kasa ARGS` as the operator of `role`.
    pub fn kasa(&self, role: &str, args: &[&str]) -> Output {
        kasa_as(
            Self::uid(role),
            self.gid,
            &self.socket,
            self.sockdir.path(),
            args,
        )
    }

    /// `kasa ARGS` as the operator of `uid` (one added by the test beside the chain roles).
    pub fn kasa_uid(&self, uid: u32, args: &[&str]) -> Output {
        kasa_as(uid, self.gid, &self.socket, self.sockdir.path(), args)
    }

    /// `kasa ARGS --json` as `role`, parsed; panics with the output on failure.
    pub fn json(&self, role: &str, args: &[&str]) -> Value {
        let o = self.kasa(role, args);
        assert!(
            o.status.success(),
            "kasa {args:?} as {role}: {}",
            describe(&o)
        );
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", describe(&o)))
    }
}

/// The console as an operator opens it on `node`: settings from the node's config dir (shipped
/// keymap and theme, the node's derajat list), connected to its socket, everything loaded. The one
/// console setup of the node-harness tests (the console harness has `console_common::session`).
pub fn console_session(node: &TestNode) -> kasa::console::session::Session<kasa::client::Client> {
    let paths = kasa::config::Paths {
        data_dir: node.data.clone(),
        config_dir: node.config.clone(),
        explicit_data_dir: true,
    };
    let settings = kasa::console::load_settings(&paths, false);
    assert!(settings.problems.is_empty(), "{:?}", settings.problems);
    let mut s = kasa::console::session::Session::new(
        kasa::console::app_from(settings),
        Some(kasa::client::Client::connect(&node.socket).expect("connect")),
    );
    s.start();
    s
}

/// A tmpfs of `size` (e.g. `"2m"`) mounted on a new directory, unmounted on drop. `None` (with the
/// reason printed) when mounting is not permitted here.
pub struct Tmpfs {
    pub dir: tempfile::TempDir,
}

impl Tmpfs {
    pub fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().ok()?;
        let o = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir.path())
            .output()
            .ok()?;
        if !o.status.success() {
            eprintln!(
                "SKIPPED: cannot mount a tmpfs here: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            return None;
        }
        Some(Tmpfs { dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}
