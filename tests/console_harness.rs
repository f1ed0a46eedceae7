//! The console test harness, one for every console test (included with
//! `#[path = "console_harness.rs"] mod harness;`):
//! - **a real node**: [`start_node`] in a temp dir, [`session`] opens the console state on it the way an
//!   operator does (settings from its config dir, connected, everything loaded);
//! - **fixed data, no node**: [`app`] with [`entries`] and a fixed clock ([`ts`]), [`text`] draws it
//!   into an in-memory terminal, [`insiden_ctx`] for incident records;
//! - **a real terminal**: [`Tmux`] runs the console binary in tmux and reads its screen.
//!
//! Waits poll with a bound; none uses a fixed sleep as the condition.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kasa::console::App;
use kasa::console::keymap::Keymap;
use kasa::console::theme::Theme;
use kasa::domain::calendar::WorkCalendar;
use kasa::domain::naskah::HeaderSuggestions;
use kasa::domain::{Attachment, Book, Entry, Klasifikasi, Operator, Role, Status};
use kasa::proto::{Reply, StatusInfo};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

// ---- A real node.

pub const KASA: &str = env!("CARGO_BIN_EXE_kasa");
pub const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/samples/naskah/surat-pengantar-laporan-persandian-jembrana.pdf"
);

/// A node running in the foreground on a temp data dir; killed on drop.
pub struct Node {
    pub dir: tempfile::TempDir,
    pub child: Option<Child>,
}

impl Node {
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
    pub fn cfg(&self) -> PathBuf {
        self.dir.path().join("cfg")
    }
    pub fn socket(&self) -> PathBuf {
        self.data().join("node.sock")
    }
    pub fn paths(&self) -> kasa::config::Paths {
        kasa::config::Paths {
            data_dir: self.data(),
            config_dir: self.cfg(),
            explicit_data_dir: true,
        }
    }
    /// Gives the console's operator (root, the admin made by `init`) another role: a second admin is
    /// added and changes it (an admin cannot take the admin role from itself), as on a real box.
    pub fn become_role(&self, role: &str) {
        for args in [
            &[
                "operator",
                "add",
                "--uid",
                "4999",
                "--nama",
                "Admin Cadangan",
                "--role",
                "admin",
            ][..],
            &["--as", "4999", "operator", "edit", "0", "--role", role][..],
        ] {
            let o = self.kasa(args);
            assert!(
                o.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }

    pub fn kasa(&self, args: &[&str]) -> std::process::Output {
        Command::new(KASA)
            .arg("--data-dir")
            .arg(self.data())
            .arg("--config-dir")
            .arg(self.cfg())
            .args(args)
            .env_remove("KASA_SOCKET")
            .output()
            .expect("run kasa")
    }
    pub fn client(&self) -> kasa::client::Client {
        kasa::client::Client::connect(&self.socket()).expect("connect")
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Initialises a data dir and starts its node; optionally ingests the sample PDF.
pub fn start_node(ingest: bool) -> Node {
    start_node_prepared(ingest, |_| {})
}

/// [`start_node`] with `prepare` run on the data dir after `kasa init`, before the node starts
/// (e.g. a bulk load into `kasa.redb`).
pub fn start_node_prepared(ingest: bool, prepare: impl FnOnce(&std::path::Path)) -> Node {
    let dir = tempfile::tempdir().unwrap();
    let mut n = Node { dir, child: None };
    std::fs::create_dir_all(n.cfg()).unwrap();
    let o = n.kasa(&[
        "init",
        "--kualifikasi",
        "tingkat_ii",
        "--node-id",
        "5101",
        "--name",
        "Diskominfo Jembrana",
        "--zone",
        "Asia/Makassar",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    prepare(&n.data());
    spawn_node(&mut n, &[]);
    if ingest {
        let o = n.kasa(&["ingest", SAMPLE]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    n
}

/// Gives node `n` its identity: stops it, `kasa identity create` (fast test KDF), starts it unlocked.
/// Returns the passphrase file (0600).
pub fn give_identity(n: &mut Node) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    if let Some(mut c) = n.child.take() {
        let _ = c.kill();
        let _ = c.wait();
    }
    let pass = n.dir.path().join("pass");
    std::fs::write(&pass, "frasa sandi node uji konsol\n").unwrap();
    std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = n.kasa(&[
        "identity",
        "create",
        "--insecure-fast-kdf",
        "--passphrase-file",
        pass.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    spawn_node(n, &["--passphrase-file".as_ref(), pass.as_os_str()]);
    pass
}

/// Starts `kasa node --foreground` of `n` with `extra` arguments and waits for its socket.
fn spawn_node(n: &mut Node, extra: &[&std::ffi::OsStr]) {
    let child = Command::new(KASA)
        .arg("--data-dir")
        .arg(n.data())
        .arg("--config-dir")
        .arg(n.cfg())
        .args(["node", "--foreground"])
        .args(extra)
        .env_remove("KASA_SOCKET")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    n.child = Some(child);
    wait_for(|| kasa::node::is_running(&n.socket()), "node socket");
}

/// Polls `cond` (bounded, no fixed sleeps as the condition).
pub fn wait_for(mut cond: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out waiting for {what}");
}

pub fn exists(p: &Path) -> bool {
    p.exists()
}

/// The console as an operator opens it on `n`: settings from its config dir (shipped keymap and
/// theme, the node's derajat list), connected, everything loaded. The one console setup of the
/// console tests.
pub fn session(n: &Node) -> kasa::console::session::Session<kasa::client::Client> {
    let settings = kasa::console::load_settings(&n.paths(), false);
    assert!(settings.problems.is_empty(), "{:?}", settings.problems);
    let mut s =
        kasa::console::session::Session::new(kasa::console::app_from(settings), Some(n.client()));
    s.start();
    s
}

// ---- Fixed data, no node.

pub fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

pub fn entries(n: usize) -> Vec<Entry> {
    let base = ts("2026-11-20T01:00:00Z");
    let mut out = Vec::with_capacity(n);
    for i in 0..n as u64 {
        let id = n as u64 - i;
        let at = base
            .checked_sub(jiff::SignedDuration::from_mins(37 * i as i64))
            .unwrap();
        let mut e = Entry::new_scan(
            id,
            at,
            Attachment {
                sha256: format!("{id:064x}"),
                name: format!("scan-{id:04}-surat.pdf"),
                mime: "application/pdf".into(),
                size: 20_000 + id,
                pages: Some(2),
                encrypted_at_rest: false,
                jenis: Default::default(),
            },
        );
        if i % 3 != 0 {
            e.status = Status::Teragenda;
            e.nomor_agenda = Some(id);
            e.tahun = Some(2026);
            e.asal =
                ["Setda Kab. Jembrana", "BSSN", "Diskominfo Prov. Bali"][i as usize % 3].into();
            e.perihal = format!("Laporan persandian triwulan {}", i % 4 + 1);
            e.klasifikasi = Some(Klasifikasi::ALL[i as usize % 4]);
            e.derajat = Some(["Kilat", "Segera", "Penting", "Biasa"][i as usize % 4].into());
            e.batas_waktu = Some(
                ts("2026-11-20T06:00:00Z")
                    .checked_add(jiff::SignedDuration::from_hours(7 * i as i64 - 10))
                    .unwrap(),
            );
        } else {
            e.suggestions = Some(HeaderSuggestions {
                nomor: Some(format!("800/{id}/Kominfo/2026")),
                hal: Some("Penyampaian Laporan Hasil Monev Persandian".into()),
                klasifikasi: Some("Rahasia".into()),
                lampiran: Some("1 (satu) berkas".into()),
                yth: Some("Gubernur Bali".into()),
                tanggal: Some("2026-11-18".into()),
                ..HeaderSuggestions::default()
            });
        }
        out.push(e);
    }
    out
}

pub fn app(theme: &str, n: usize, w: u16, h: u16) -> App {
    let mut app = App::new(
        Keymap::shipped("default"),
        Theme::shipped(theme).unwrap(),
        false,
        vec![
            "Kilat".into(),
            "Segera".into(),
            "Penting".into(),
            "Biasa".into(),
        ],
    );
    app.connected = true;
    app.now = ts("2026-11-20T07:30:15Z");
    app.node.id = "5101".into();
    app.node.name = "Diskominfo Jembrana".into();
    app.node.calendar = WorkCalendar::new("Asia/Makassar", []).unwrap();
    app.operator = Some(Operator {
        uid: 1000,
        username: "wayan".into(),
        nama: "I Wayan Sudarma".into(),
        nip: String::new(),
        jabatan: "Sandiman Ahli Pertama".into(),
        role: Role::Sandiman,
        kualifikasi: Default::default(),
        disabled: false,
    });
    app.resize(w, h);
    let status = StatusInfo {
        pid: 1,
        node_id: "5101".into(),
        node_name: "Diskominfo Jembrana".into(),
        data_dir: "/d".into(),
        drop_dir: "/d/drop".into(),
        socket: "/d/node.sock".into(),
        zone: "Asia/Makassar".into(),
        counts: kasa::store::Counts {
            rows: vec![(Book::Masuk, Status::Baru, n.div_ceil(3) as u64)],
        },
        entries: n as u64,
        alarms_open: 1,
        ingest: Default::default(),
        identity_fingerprint: None,
        locked: false,
        ocr: None,
        ocr_menunggu: 0,
    };
    app.on_reply(
        kasa::console::app::Purpose::Status,
        Ok(Reply::Status(Box::new(status))),
    );
    app.on_reply(
        kasa::console::app::Purpose::List(kasa::console::action::Pane::Masuk),
        Ok(Reply::Entries {
            entries: entries(n),
        }),
    );
    app.dirty = false;
    app
}

/// Draws `app` at its size into an in-memory terminal and returns the screen as text.
pub fn text(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    t.draw(|f| kasa::console::view::draw(app, f)).unwrap();
    t.backend().to_string()
}

/// The mutation context of an incident record at `at` (RFC 3339), typed by I Wayan Sudarma, in WITA.
pub fn insiden_ctx(at: &str) -> kasa::domain::insiden::Ctx {
    kasa::domain::insiden::Ctx {
        at: ts(at),
        oleh: "I Wayan Sudarma".into(),
        pelaksana: None,
        waktu: None,
        tz: jiff::tz::TimeZone::get("Asia/Makassar").unwrap(),
    }
}

// ---- A real terminal.

/// Runs tmux with `args`, returning its stdout.
pub fn tmux(args: &[&str]) -> String {
    let o = Command::new("tmux").args(args).output().expect("tmux");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Whether tmux is installed (the tmux tests skip, saying so, when it is not).
pub fn have_tmux() -> bool {
    Command::new("tmux").arg("-V").output().is_ok()
}

/// A detached tmux session running one command at a fixed size; killed on drop.
pub struct Tmux(pub String);

impl Drop for Tmux {
    fn drop(&mut self) {
        tmux(&["kill-session", "-t", &self.0]);
    }
}

impl Tmux {
    /// Starts `cmd` (a shell command line) in session `name` (an old session of that name is killed).
    pub fn open(name: &str, cmd: &str, w: u16, h: u16) -> Tmux {
        tmux(&["kill-session", "-t", name]);
        let (w, h) = (w.to_string(), h.to_string());
        tmux(&["new-session", "-d", "-s", name, "-x", &w, "-y", &h, cmd]);
        Tmux(name.to_string())
    }

    /// The console of node `n` (its data and config dirs) at `w`×`h`.
    pub fn console(n: &Node, name: &str, w: u16, h: u16) -> Tmux {
        let cmd = format!(
            "{KASA} --data-dir {} --config-dir {}",
            n.data().display(),
            n.cfg().display()
        );
        Tmux::open(name, &cmd, w, h)
    }

    /// The screen as text.
    pub fn screen(&self) -> String {
        tmux(&["capture-pane", "-p", "-t", &self.0])
    }

    /// Polls the screen (20 s bound) until `cond` holds; returns that screen.
    pub fn wait_until(&self, what: &str, mut cond: impl FnMut(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let sc = self.screen();
            if cond(&sc) {
                return sc;
            }
            assert!(Instant::now() < deadline, "{what} never happened:\n{sc}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Polls the screen until `needle` shows.
    pub fn wait(&self, needle: &str) -> String {
        self.wait_until(&format!("'{needle}'"), |sc| sc.contains(needle))
    }

    /// Sends tmux key names (`Enter`, `C-s`, `Tab`, a letter).
    pub fn keys(&self, k: &[&str]) {
        let mut a = vec!["send-keys", "-t", self.0.as_str()];
        a.extend_from_slice(k);
        tmux(&a);
    }

    /// Types `s` literally (tmux `send-keys -l`, in a call of its own).
    pub fn type_text(&self, s: &str) {
        tmux(&["send-keys", "-t", &self.0, "-l", s]);
    }

    /// Resizes the window.
    pub fn resize(&self, w: u16, h: u16) {
        tmux(&[
            "resize-window",
            "-t",
            &self.0,
            "-x",
            &w.to_string(),
            "-y",
            &h.to_string(),
        ]);
    }
}
