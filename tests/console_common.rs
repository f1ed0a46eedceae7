//! Shared helpers for console tests (included with `#[path]`): a real node in a temp dir.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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
    let child = Command::new(KASA)
        .arg("--data-dir")
        .arg(n.data())
        .arg("--config-dir")
        .arg(n.cfg())
        .args(["node", "--foreground"])
        .env_remove("KASA_SOCKET")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    n.child = Some(child);
    wait_for(|| kasa::node::is_running(&n.socket()), "node socket");
    if ingest {
        let o = n.kasa(&["ingest", SAMPLE]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    n
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
