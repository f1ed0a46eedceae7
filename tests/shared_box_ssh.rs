//! The shared box end to end over a real sshd (README "A shared box"): `contrib/setup-shared-box.sh`
//! lays out a clean box (service user and group, 0700 data dir, setgid drop folder, system-wide client
//! config, the node as its service user); three Linux users log in with `ssh -tt` inside tmux at 80×24
//! and reach the shared node's Masuk pane; one drops a scan into the drop folder, another registers it;
//! root (as the service admin) disables the third while its console is open; its next write is refused,
//! said on its screen and audited.
//!
//! Needs root, `sshd` (Debian `openssh-server`), `setfacl` (`acl`) and tmux; `.ci/run` installs them.
//! Everything lives under a temporary directory and uniquely named users, removed at the end.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

fn sh(cmd: &mut Command) -> String {
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{:?}: {}", cmd, describe(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn tmux(args: &[&str]) -> String {
    let o = Command::new("tmux").args(args).output().expect("tmux");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Everything the test created, undone on drop (also when an assertion fails).
struct BoxUnderTest {
    root: tempfile::TempDir,
    svc: String,
    group: String,
    users: Vec<String>,
    sshd: Option<Child>,
    sessions: Vec<String>,
}

impl Drop for BoxUnderTest {
    fn drop(&mut self) {
        for s in &self.sessions {
            tmux(&["kill-session", "-t", s]);
        }
        if let Some(mut c) = self.sshd.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        // Stop the node (SIGTERM through its pid file) before removing its user.
        let pidf = self.root.path().join("data/node.pid");
        if let Ok(p) = std::fs::read_to_string(&pidf)
            && let Ok(pid) = p.trim().parse::<i32>()
        {
            // SAFETY: plain kill(2) on the node's pid.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
            let deadline = Instant::now() + Duration::from_secs(5);
            while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        for u in self.users.iter().chain(std::iter::once(&self.svc)) {
            let _ = Command::new("pkill").args(["-KILL", "-u", u]).status();
            let _ = Command::new("userdel").args(["-r", u]).output();
        }
        let _ = Command::new("groupdel").arg(&self.group).output();
    }
}

impl BoxUnderTest {
    fn p(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    fn setup_args(&self) -> Vec<String> {
        [
            "--user",
            &self.svc,
            "--group",
            &self.group,
            "--data-dir",
            self.p("data").to_str().unwrap(),
            "--drop-dir",
            self.p("srv/drop").to_str().unwrap(),
            "--run-dir",
            self.p("run").to_str().unwrap(),
            "--system-config",
            self.p("etc/config.toml").to_str().unwrap(),
            "--bin-dir",
            self.p("bin").to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    fn script() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/setup-shared-box.sh")
    }

    /// `kasa` as root acting as the service admin.
    fn admin(&self, args: &[&str]) -> std::process::Output {
        let svc_uid = sh(Command::new("id").args(["-u", &self.svc]));
        Command::new(self.p("bin/kasa"))
            .args(["--as", svc_uid.trim()])
            .args(args)
            .env("KASA_SYSTEM_CONFIG", self.p("etc/config.toml"))
            .env_remove("KASA_SOCKET")
            .env_remove("KASA_DATA_DIR")
            .output()
            .unwrap()
    }

    fn ssh_cmd(&self, user: &str, port: u16, remote: &str) -> String {
        format!(
            "ssh -tt -i {} -p {port} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR {user}@127.0.0.1 {remote}",
            self.p("keys/id").display()
        )
    }

    fn open_console(&mut self, user: &str, port: u16) -> String {
        let name = format!("kasa-ssh-{user}");
        tmux(&["kill-session", "-t", &name]);
        let cmd = self.ssh_cmd(user, port, self.p("bin/kasa").to_str().unwrap());
        tmux(&[
            "new-session",
            "-d",
            "-s",
            &name,
            "-x",
            "80",
            "-y",
            "24",
            &cmd,
        ]);
        self.sessions.push(name.clone());
        name
    }
}

fn screen(s: &str) -> String {
    tmux(&["capture-pane", "-p", "-t", s])
}

fn wait_screen(s: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let sc = screen(s);
        if sc.contains(needle) {
            return sc;
        }
        assert!(
            Instant::now() < deadline,
            "'{needle}' never appeared on {s}:\n{sc}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn keys(s: &str, k: &[&str]) {
    let mut a = vec!["send-keys", "-t", s];
    a.extend_from_slice(k);
    tmux(&a);
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn have(prog: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {prog}")])
        .output()
        .is_ok_and(|o| o.status.success())
        || Path::new(prog).exists()
}

#[test]
fn operators_over_ssh_share_one_node() {
    if !is_root() || !have("/usr/sbin/sshd") || !have("tmux") || !have("setfacl") {
        eprintln!(
            "skipped: needs root, /usr/sbin/sshd (openssh-server), setfacl (acl) and tmux; .ci/run installs them"
        );
        return;
    }
    let tag = std::process::id() % 100_000;
    let root = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut bx = BoxUnderTest {
        root,
        svc: format!("ksvc{tag}"),
        group: format!("kgrp{tag}"),
        users: vec![
            format!("kayu{tag}"),
            format!("kbud{tag}"),
            format!("kcit{tag}"),
        ],
        sshd: None,
        sessions: Vec::new(),
    };
    // 1. The setup script on a clean box.
    let pass = bx.p("pass");
    std::fs::write(&pass, "frasa sandi uji kotak bersama\n").unwrap();
    std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut install = Command::new("bash");
    install
        .arg(BoxUnderTest::script())
        .arg("install")
        .args(bx.setup_args())
        .args([
            "--bin",
            KASA,
            "--node-id",
            "5101",
            "--name",
            "Diskominfo Kabupaten Uji",
            "--zone",
            "Asia/Makassar",
            "--systemd",
            "no",
            "--insecure-fast-kdf",
            "--passphrase-file",
        ])
        .arg(&pass);
    sh(&mut install);
    // The layout the README promises.
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode(&bx.p("data")), 0o700);
    assert_eq!(mode(&bx.p("srv/drop")), 0o2770);
    let conf = std::fs::read_to_string(bx.p("etc/config.toml")).unwrap();
    assert!(
        conf.contains(bx.p("run/node.sock").to_str().unwrap()),
        "{conf}"
    );
    // Idempotent: a second run changes nothing and succeeds.
    sh(&mut install);

    // 2. Three Linux users with keys, operators of the node.
    std::fs::create_dir_all(bx.p("keys")).unwrap();
    sh(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(bx.p("keys/id")));
    let pubkey = std::fs::read_to_string(bx.p("keys/id.pub")).unwrap();
    let roles = [
        ("sandiman", "Ayu Lestari"),
        ("sandiman", "Budi Santoso"),
        ("sandiman", "Citra Dewi"),
    ];
    for (u, (role, nama)) in bx.users.clone().iter().zip(roles) {
        sh(Command::new("useradd").args(["-m", "-s", "/bin/sh", u]));
        let home = PathBuf::from(format!("/home/{u}"));
        std::fs::create_dir_all(home.join(".ssh")).unwrap();
        std::fs::write(home.join(".ssh/authorized_keys"), &pubkey).unwrap();
        sh(Command::new("chown")
            .args(["-R", &format!("{u}:{u}")])
            .arg(home.join(".ssh")));
        std::fs::set_permissions(
            home.join(".ssh/authorized_keys"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
        let mut add = Command::new("bash");
        add.arg(BoxUnderTest::script())
            .args(["operator", u, role, nama, "tingkat_ii"])
            .args(bx.setup_args());
        sh(&mut add);
    }
    let ops = String::from_utf8_lossy(&bx.admin(&["operator", "list"]).stdout).into_owned();
    assert!(ops.contains("Citra Dewi"), "{ops}");

    // 3. A real sshd on 127.0.0.1, handing every session the system config of this box.
    let port = free_port();
    sh(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(bx.p("hostkey")));
    std::fs::create_dir_all("/run/sshd").unwrap();
    let cfg = format!(
        "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}\nAuthorizedKeysFile .ssh/authorized_keys\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nSetEnv KASA_SYSTEM_CONFIG={}\n",
        bx.p("hostkey").display(),
        bx.p("sshd.pid").display(),
        bx.p("etc/config.toml").display()
    );
    std::fs::write(bx.p("sshd_config"), cfg).unwrap();
    bx.sshd = Some(
        Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(bx.p("sshd_config"))
            .stderr(Stdio::from(
                std::fs::File::create(bx.p("sshd.log")).unwrap(),
            ))
            .spawn()
            .unwrap(),
    );
    assert!(
        wait_until(Duration::from_secs(10), || std::net::TcpStream::connect((
            "127.0.0.1",
            port
        ))
        .is_ok()),
        "sshd did not listen"
    );

    // 4. Three consoles over ssh reach the shared node's Masuk pane (no first-run setup).
    let (ayu, budi, citra) = (
        bx.users[0].clone(),
        bx.users[1].clone(),
        bx.users[2].clone(),
    );
    let s_ayu = bx.open_console(&ayu, port);
    let s_budi = bx.open_console(&budi, port);
    let s_citra = bx.open_console(&citra, port);
    for (s, nama) in [(&s_ayu, "Ayu"), (&s_budi, "Budi"), (&s_citra, "Citra")] {
        let sc = wait_screen(s, nama);
        assert!(sc.contains("Masuk"), "{sc}");
        assert!(!sc.contains("penyiapan pertama"), "{sc}");
    }
    // 5. Budi drops a scan into the shared drop folder over ssh; Ayu registers it in her console.
    let sample = sample("naskah/surat-pengantar-laporan-persandian-jembrana.pdf");
    let dropped = bx.p("srv/drop/surat-pengantar.pdf");
    let o = Command::new("sh")
        .arg("-c")
        .arg(
            bx.ssh_cmd(
                &budi,
                port,
                &format!("cp {} {}", sample.display(), dropped.display()),
            )
            .replace("-tt", "-T"),
        )
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "cp over ssh: {}", describe(&o));
    wait_screen(&s_ayu, "surat-pengantar");
    keys(&s_ayu, &["r"]);
    wait_screen(&s_ayu, "(saran)");
    keys(&s_ayu, &["C-s"]);
    wait_screen(&s_ayu, "Nomor agenda 1");
    // Citra's console sees it live.
    wait_screen(&s_citra, "surat-pengantar");
    let list =
        String::from_utf8_lossy(&bx.admin(&["agenda", "list", "--json"]).stdout).into_owned();
    assert!(list.contains("Ayu Lestari"), "registered by Ayu: {list}");

    // 6. Root (as the service admin) disables Citra while her console is open; her next write is
    // refused, she is told, and the refusal is audited.
    let citra_uid = sh(Command::new("id").args(["-u", &citra]));
    let o = bx.admin(&["operator", "disable", citra_uid.trim()]);
    assert!(o.status.success(), "{}", describe(&o));
    keys(&s_citra, &["!"]);
    std::thread::sleep(Duration::from_millis(300));
    keys(&s_citra, &["-l", "server mati"]);
    keys(&s_citra, &["Enter"]);
    let sc = wait_screen(&s_citra, "dinonaktifkan");
    assert!(sc.contains("Keluar"), "the console offers to quit: {sc}");
    let tail = String::from_utf8_lossy(&bx.admin(&["audit", "tail", "-n", "30", "--json"]).stdout)
        .into_owned();
    let v: serde_json::Value = serde_json::from_str(&tail).unwrap();
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|r| r["action"] == "access.refused"
                && r["uid"].as_u64() == citra_uid.trim().parse().ok()),
        "{tail}"
    );
    // No incident was opened by her.
    let inc =
        String::from_utf8_lossy(&bx.admin(&["incident", "list", "--json"]).stdout).into_owned();
    assert!(!inc.contains("server mati"), "{inc}");
    keys(&s_citra, &["y"]);
    drop(bx);
}
