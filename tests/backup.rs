//! Backup and restore on real parts (issue 17; seed 001, SOP PI.01): the real node binary and socket, a
//! real redb file, real backup directories, the real `age` tool, kill -9 of the real node.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{KASA, TestNode, describe, drop_atomic, sha256_hex, tiny_pdf, tiny_png, wait_until};
use serde_json::Value;

const PASS: &str = "frasa sandi cadangan yang cukup panjang\n";

/// A node with an identity (fast KDF not available for `identity create`, so the default), started
/// unlocked with its passphrase file. `edit` changes node.toml before the start.
fn node_with_identity(edit: impl FnOnce(&mut toml::Table)) -> (TestNode, PathBuf) {
    let mut n = TestNode::init_with(edit);
    let pass = n.create_identity(PASS, false);
    fs::create_dir_all(n.tmp.path().join("disk")).unwrap();
    n.start();
    (n, pass)
}

/// An age identity made by the reference `age-keygen`: (identity file, recipient).
fn recovery_identity(dir: &Path) -> (PathBuf, String) {
    let key = dir.join("recovery.txt");
    let o = Command::new("age-keygen")
        .arg("-o")
        .arg(&key)
        .output()
        .expect("age-keygen is needed (Debian package `age`)");
    assert!(o.status.success(), "age-keygen: {}", describe(&o));
    let o = Command::new("age-keygen")
        .arg("-y")
        .arg(&key)
        .output()
        .unwrap();
    (key, String::from_utf8(o.stdout).unwrap().trim().to_string())
}

fn backup_json(n: &TestNode, dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["backup", "create", "--to", dir.to_str().unwrap(), "--json"];
    args.extend_from_slice(extra);
    n.json(&args)
}

fn restore(n: &TestNode, from: &Path, to: &Path, extra: &[&str]) -> std::process::Output {
    let pass = n.tmp.path().join("pass");
    let mut c = n.cmd();
    c.args(["backup", "restore", "--from"])
        .arg(from)
        .arg("--to")
        .arg(to)
        .arg("--json");
    if !extra.contains(&"--identity") {
        c.arg("--passphrase-file").arg(&pass);
    }
    c.args(extra).output().unwrap()
}

fn verify(n: &TestNode, dir: &Path) -> std::process::Output {
    n.kasa(&["backup", "verify", dir.to_str().unwrap(), "--json"])
}

fn copy_dir(from: &Path, to: &Path) {
    let o = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .output()
        .unwrap();
    assert!(o.status.success());
}

/// Starts a node on a restored data directory; returns the child and its socket.
fn start_restored(data: &Path, cfg: &Path, log: &Path) -> std::process::Child {
    let child = Command::new(KASA)
        .arg("--data-dir")
        .arg(data)
        .arg("--config-dir")
        .arg(cfg)
        .args(["node", "--foreground"])
        .env_remove("KASA_SOCKET")
        .env("KASA_LOG", "info")
        .stdin(Stdio::null())
        .stdout(fs::File::create(log).unwrap())
        .stderr(fs::File::create(log.with_extension("err")).unwrap())
        .spawn()
        .unwrap();
    let sock = data.join("node.sock");
    assert!(
        wait_until(Duration::from_secs(30), || {
            std::os::unix::net::UnixStream::connect(&sock).is_ok()
        }),
        "the restored node did not start: {}",
        fs::read_to_string(log.with_extension("err")).unwrap_or_default()
    );
    child
}

fn kasa_at(data: &Path, cfg: &Path, args: &[&str]) -> std::process::Output {
    Command::new(KASA)
        .arg("--data-dir")
        .arg(data)
        .arg("--config-dir")
        .arg(cfg)
        .args(args)
        .env_remove("KASA_SOCKET")
        .env("KASA_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn entry_list(n_data: &Path, cfg: &Path) -> Vec<Value> {
    let o = kasa_at(
        n_data,
        cfg,
        &["agenda", "list", "--json", "--limit", "1000"],
    );
    assert!(o.status.success(), "{}", describe(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["entries"].as_array().unwrap().clone()
}

#[test]
fn backup_during_a_burst_and_two_writers_restores_a_node_that_verifies() {
    let (mut n, _pass) = node_with_identity(|_| {});
    // A Rahasia entry (its blob encrypted at rest) and some plain ones.
    let f = n.scratch().join("rahasia.pdf");
    fs::write(&f, tiny_pdf(9000)).unwrap();
    n.kasa_ok(&["ingest", f.to_str().unwrap()]);
    let id = n.entries()[0]["id"].as_u64().unwrap().to_string();
    n.kasa_ok(&[
        "agenda",
        "register",
        &id,
        "--perihal",
        "Uji rahasia",
        "--klasifikasi",
        "Rahasia",
    ]);
    assert!(wait_until(Duration::from_secs(20), || {
        n.json(&["agenda", "show", &id, "--json"])["attachments"][0]["encrypted_at_rest"] == true
    }));
    // A letter this node sealed, kept only inside its .kgm (`blobs/ab/<sha>.kgm`, issue 19): backed
    // up and restored in that form, byte for byte (the blob comparison below).
    let mut peer = TestNode::init_id("5102", |_| {});
    peer.create_identity("frasa sandi node B yang panjang", true);
    peer.start();
    let card = n.scratch().join("5102.card.toml");
    fs::write(&card, peer.kasa_ok(&["identity", "card"])).unwrap();
    n.kasa_ok(&["peer", "add", card.to_str().unwrap(), "--relation", "pusat"]);
    n.kasa_ok(&["peer", "verify", "5102", "--confirm"]);
    let letter = n.scratch().join("surat-keluar.pdf");
    fs::write(&letter, tiny_pdf(777)).unwrap();
    let sealed = n.json(&[
        "kriptogram",
        "seal",
        "--to",
        "5102",
        "--perihal",
        "Uji arsip segel",
        "--klasifikasi",
        "B",
        "--json",
        letter.to_str().unwrap(),
    ]);
    let sealed_sha = sealed["entry"]["attachments"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let sealed_blob = Path::new("blobs")
        .join(&sealed_sha[..2])
        .join(format!("{sealed_sha}.kgm"));
    assert!(n.data.join(&sealed_blob).is_file(), "{sealed}");
    drop(peer);
    let dir = n.tmp.path().join("disk");
    fs::create_dir_all(&dir).unwrap();

    // Burst into the drop folder + two clients writing, while the backup runs.
    let staging = n.scratch();
    for i in 0..150 {
        drop_atomic(
            &staging,
            &n.drop_dir(),
            &format!("burst-{i}.png"),
            &tiny_png(i),
        );
    }
    let writer = |k: usize| {
        let mut c = n.cmd();
        c.args(["incident", "new", &format!("uji tulis klien {k}")]);
        c
    };
    let m1 = std::thread::scope(|s| {
        let a = s.spawn(|| {
            for k in 0..12 {
                let o = writer(k).output().unwrap();
                assert!(o.status.success(), "{}", describe(&o));
            }
        });
        let b = s.spawn(|| {
            for k in 0..12 {
                let o = n.kasa(&["agenda", "note", &id, &format!("catatan {k}")]);
                assert!(o.status.success(), "{}", describe(&o));
            }
        });
        let m1 = backup_json(&n, &dir, &[]);
        assert_eq!(m1["manifest"]["no"], 1);
        assert_eq!(m1["manifest"]["jenis"], "penuh");
        a.join().unwrap();
        b.join().unwrap();
        m1
    });
    assert!(
        n.wait_entries(152, Duration::from_secs(60)),
        "burst ingested"
    );
    // The scans' OCR (issue 15) writes their entries after they appear: quiet means it is done too.
    assert!(
        wait_until(Duration::from_secs(180), || n.status()["ocr_menunggu"] == 0),
        "OCR of the burst: {}",
        n.status()
    );
    // Quiet now: a second (incremental) backup holds exactly the live state.
    let m2 = backup_json(&n, &dir, &[]);
    assert_eq!(m2["manifest"]["jenis"], "inkremental");
    let sets = m2["manifest"]["himpunan"].as_array().unwrap();
    assert_eq!(
        sets.len(),
        4,
        "the four sets of SOP 001 are in the manifest"
    );
    let dik = sets
        .iter()
        .find(|s| s["himpunan"] == "terima-dikecualikan")
        .unwrap();
    assert_eq!(dik["entries"], 1);
    assert_eq!(dik["encrypted_at_rest"], 1);
    let o = verify(&n, &dir);
    assert!(o.status.success(), "verify: {}", describe(&o));

    // Restore manifest 1 (taken mid-burst): the chain verifies with its head.
    let r1 = n.tmp.path().join("restored1");
    let o = restore(&n, &dir, &r1, &["--manifest", "1"]);
    assert!(o.status.success(), "restore 1: {}", describe(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["restored"]["audit_seq"], m1["manifest"]["audit_seq"]);
    assert_eq!(v["restored"]["audit_hash"], m1["manifest"]["audit_hash"]);

    // Restore the latest into a new directory and compare with the live node.
    let live_entries = n.entries();
    let live_head = m2["manifest"]["audit_seq"].as_u64().unwrap();
    n.terminate();
    let r2 = n.tmp.path().join("restored2");
    let o = restore(
        &n,
        &dir,
        &r2,
        &[
            "--pemohon",
            "Kasi",
            "--pelaksana",
            "Sandiman",
            "--pimpinan",
            "Kabid",
        ],
    );
    assert!(o.status.success(), "restore 2: {}", describe(&o));
    let ba =
        fs::read_to_string(r2.join(format!("berita-acara-restore-{}.md", m2["manifest"]["no"])))
            .unwrap();
    assert!(ba.contains("Pemohon: Kasi") && ba.contains("Pimpinan: Kabid"));
    // Every blob of the live node is back, byte for byte.
    let live_blobs = n.data.join("blobs");
    let mut count = 0;
    for d in fs::read_dir(&live_blobs).unwrap().flatten() {
        for f in fs::read_dir(d.path()).unwrap().flatten() {
            let rel = f.path().strip_prefix(&n.data).unwrap().to_path_buf();
            assert_eq!(
                fs::read(f.path()).unwrap(),
                fs::read(r2.join(&rel)).unwrap_or_default(),
                "blob {} restored",
                rel.display()
            );
            count += 1;
        }
    }
    assert!(count >= 152);
    assert!(r2.join(&sealed_blob).is_file(), "the .kgm form restored");
    // The restored node starts; `kasa audit verify` passes and holds the manifest's head.
    let cfg = n.tmp.path().join("cfg2");
    let mut child = start_restored(&r2, &cfg, &n.tmp.path().join("restored.log"));
    let o = kasa_at(&r2, &cfg, &["audit", "verify", "--json"]);
    assert!(
        o.status.success(),
        "audit verify on the restored node: {}",
        describe(&o)
    );
    let o = kasa_at(&r2, &cfg, &["audit", "tail", "-n", "50", "--json"]);
    let tail: Value = serde_json::from_slice(&o.stdout).unwrap();
    let rec = tail
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["seq"].as_u64() == Some(live_head))
        .expect("the manifest's head record is in the restored chain");
    assert_eq!(rec["hash"], m2["manifest"]["audit_hash"]);
    let restored_entries = entry_list(&r2, &cfg);
    assert_eq!(restored_entries, live_entries, "every entry matches");
    // A Rahasia document is readable on the restored node (same keys).
    let o = kasa_at(&r2, &cfg, &["agenda", "show", &id, "--json"]);
    assert!(o.status.success());
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn restore_refuses_a_non_empty_target_and_a_locked_node_cannot_back_up() {
    let (mut n, pass) = node_with_identity(|_| {});
    let dir = n.tmp.path().join("disk");
    fs::create_dir_all(&dir).unwrap();
    backup_json(&n, &dir, &[]);
    let target = n.tmp.path().join("busy");
    fs::create_dir(&target).unwrap();
    fs::write(target.join("keep.txt"), "jangan ditimpa").unwrap();
    let o = restore(&n, &dir, &target, &[]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not empty"),
        "{}",
        describe(&o)
    );
    assert_eq!(
        fs::read_to_string(target.join("keep.txt")).unwrap(),
        "jangan ditimpa"
    );
    // A missing directory is a failed run with its kind, an alarm, and a log record.
    let o = n.kasa(&[
        "backup",
        "create",
        "--to",
        n.tmp.path().join("nope").to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    // Locked node: refused, logged, alarmed.
    n.terminate();
    n.node_args.clear();
    n.start();
    let o = n.kasa(&["backup", "create", "--to", dir.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("locked"),
        "{}",
        describe(&o)
    );
    let log = n.json(&["backup", "log", "--json"]);
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[1]["hasil"]["jenis"], "target_tidak_tersedia");
    assert_eq!(runs[2]["hasil"]["jenis"], "node_terkunci");
    assert!(n.alarms().iter().any(|a| a["kind"] == "backup.failed"));
    let audit = n.audit_tail(30);
    assert!(audit.iter().any(|r| r["action"] == "backup.create"));
    assert!(audit.iter().any(|r| r["action"] == "backup.failed"));
    let _ = pass;
}

#[test]
fn kill_9_during_create_never_leaves_a_directory_verify_accepts_but_restore_cannot_use() {
    let (mut n, _pass) = node_with_identity(|_| {});
    // Big enough documents that a backup takes a while.
    let staging = n.scratch();
    for i in 0..24u64 {
        let mut png = tiny_png(10_000 + i);
        png.extend(
            (0..3_000_000u64).map(|k| (k.wrapping_mul(2654435761).wrapping_add(i) >> 7) as u8),
        );
        drop_atomic(&staging, &n.drop_dir(), &format!("big-{i}.png"), &png);
    }
    assert!(n.wait_entries(24, Duration::from_secs(120)));
    let dir = n.tmp.path().join("disk");
    fs::create_dir_all(&dir).unwrap();
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    for round in 0..5 {
        let mut bc = n
            .cmd()
            .args(["backup", "create", "--full", "--to", dir.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = 20 + (seed >> 33) % 600;
        std::thread::sleep(Duration::from_millis(delay));
        n.kill9();
        let _ = bc.wait();
        // Whatever is there: if verify accepts it, restore must rebuild it.
        let o = verify(&n, &dir);
        if o.status.success() {
            let to = n.tmp.path().join(format!("after-kill-{round}"));
            let r = restore(&n, &dir, &to, &[]);
            assert!(
                r.status.success(),
                "round {round} (kill after {delay} ms): verify accepted but restore failed: {}",
                describe(&r)
            );
            fs::remove_dir_all(&to).unwrap();
        }
        n.start();
    }
    // The next run completes; interrupted runs are in the log as failed (terputus).
    let m = backup_json(&n, &dir, &[]);
    let o = verify(&n, &dir);
    assert!(o.status.success(), "{}", describe(&o));
    let to = n.tmp.path().join("final");
    let r = restore(&n, &dir, &to, &[]);
    assert!(r.status.success(), "{}", describe(&r));
    let v: Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v["restored"]["audit_hash"], m["manifest"]["audit_hash"]);
    let log = n.json(&["backup", "log", "--json"]);
    let runs = log["runs"].as_array().unwrap();
    assert!(runs.iter().all(|r| r["hasil"]["status"] != "berjalan"));
    let last = runs.last().unwrap();
    assert_eq!(last["hasil"]["status"], "berhasil");
    assert!(
        runs.iter()
            .all(|r| r["hasil"]["status"] == "berhasil" || r["hasil"]["jenis"] == "terputus"),
        "a killed run is recorded as interrupted: {runs:?}"
    );
}

#[test]
fn incremental_after_1000_entries_writes_only_what_changed() {
    let (n, _pass) = node_with_identity(|_| {});
    let staging = n.scratch();
    // A base of large documents.
    for i in 0..8u64 {
        let mut png = tiny_png(50_000 + i);
        png.extend(std::iter::repeat_n((i * 37) as u8, 2 << 20));
        drop_atomic(&staging, &n.drop_dir(), &format!("base-{i}.png"), &png);
    }
    assert!(n.wait_entries(8, Duration::from_secs(60)));
    let dir = n.tmp.path().join("disk");
    fs::create_dir_all(&dir).unwrap();
    let full = backup_json(&n, &dir, &[]);
    let full_written = full["manifest"]["bytes_written"].as_u64().unwrap();
    for i in 0..1000u64 {
        drop_atomic(
            &staging,
            &n.drop_dir(),
            &format!("new-{i}.png"),
            &tiny_png(60_000 + i),
        );
    }
    assert!(
        n.wait_entries(1008, Duration::from_secs(180)),
        "1000 entries ingested"
    );
    let du_before = dir_bytes(&dir);
    let inc = backup_json(&n, &dir, &[]);
    let du_after = dir_bytes(&dir);
    let m = &inc["manifest"];
    assert_eq!(m["jenis"], "inkremental");
    let written = m["bytes_written"].as_u64().unwrap();
    let total = m["bytes_total"].as_u64().unwrap();
    let pieces = m["pieces"].as_array().unwrap();
    let new_blobs = pieces
        .iter()
        .filter(|p| p["kind"] == "blob" && p["new"] == true)
        .count();
    let old_blobs = pieces
        .iter()
        .filter(|p| p["kind"] == "blob" && p["new"] == false)
        .count();
    eprintln!(
        "full backup wrote {full_written} B; incremental after 1000 entries wrote {written} B of {total} B (directory grew {} B)",
        du_after - du_before
    );
    assert_eq!(new_blobs, 1000, "each new document written once");
    assert_eq!(old_blobs, 8, "the old documents are not written again");
    assert!(
        written * 4 < total,
        "the incremental writes what changed, not the whole: {written} of {total}"
    );
    // Measured on disk too (bytes of the directory, not just the report).
    assert!(du_after - du_before <= written + 4096);
    let old_tables_reused = pieces
        .iter()
        .filter(|p| p["kind"] == "table" && p["new"] == false)
        .count();
    assert!(old_tables_reused > 0, "unchanged table chunks are reused");
}

fn dir_bytes(d: &Path) -> u64 {
    let mut n = 0;
    let mut stack = vec![d.to_path_buf()];
    while let Some(p) = stack.pop() {
        for e in fs::read_dir(&p).unwrap().flatten() {
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else {
                n += m.len();
            }
        }
    }
    n
}

#[test]
fn tampering_is_refused_by_verify_and_restore_with_the_piece_named() {
    let (n, _pass) = node_with_identity(|_| {});
    let f = n.scratch().join("a.pdf");
    fs::write(&f, tiny_pdf(1)).unwrap();
    n.kasa_ok(&["ingest", f.to_str().unwrap()]);
    let dir = n.tmp.path().join("disk");
    fs::create_dir_all(&dir).unwrap();
    let m1 = backup_json(&n, &dir, &[]);
    fs::write(&f, tiny_pdf(2)).unwrap();
    n.kasa_ok(&["ingest", f.to_str().unwrap()]);
    backup_json(&n, &dir, &[]);
    let o = verify(&n, &dir);
    assert!(o.status.success(), "{}", describe(&o));
    let piece = |m: &Value, kind: &str| -> String {
        let p = m["manifest"]["pieces"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["kind"] == kind)
            .unwrap()["sha256"]
            .as_str()
            .unwrap()
            .to_string();
        format!("pieces/{}/{p}.age", &p[..2])
    };
    let blob = piece(&m1, "blob");

    let check = |name: &str, alter: &dyn Fn(&Path), expect: &str| {
        let d = n.tmp.path().join(format!("t-{name}"));
        copy_dir(&dir, &d);
        alter(&d);
        let o = verify(&n, &d);
        assert!(
            !o.status.success(),
            "{name}: verify accepted a tampered directory"
        );
        let rep: Value = serde_json::from_slice(&o.stdout).unwrap();
        let msg = rep["problem"]["message"].as_str().unwrap().to_string();
        assert!(
            msg.contains(expect),
            "{name}: problem '{msg}' should name {expect}"
        );
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(expect),
            "{}",
            describe(&o)
        );
        let o = restore(&n, &d, &n.tmp.path().join(format!("r-{name}")), &[]);
        assert!(
            !o.status.success(),
            "{name}: restore accepted a tampered directory"
        );
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(expect),
            "{name}: {}",
            describe(&o)
        );
        assert!(
            !n.tmp
                .path()
                .join(format!("r-{name}"))
                .join("kasa.redb")
                .exists()
        );
    };
    check(
        "flip",
        &|d| {
            let p = d.join(&blob);
            let mut b = fs::read(&p).unwrap();
            let i = b.len() / 2;
            b[i] ^= 0x01;
            fs::write(&p, b).unwrap();
        },
        &blob,
    );
    check("drop", &|d| fs::remove_file(d.join(&blob)).unwrap(), &blob);
    check(
        "reorder",
        &|d| {
            let a = d.join("manifests/000001.manifest");
            let b = d.join("manifests/000002.manifest");
            let t = d.join("manifests/tmp");
            fs::rename(&a, &t).unwrap();
            fs::rename(&b, &a).unwrap();
            fs::rename(&t, &b).unwrap();
        },
        "000001.manifest",
    );
    check(
        "drop-manifest",
        &|d| fs::remove_file(d.join("manifests/000001.manifest")).unwrap(),
        "000002.manifest",
    );
    check(
        "edit-manifest",
        &|d| {
            let p = d.join("manifests/000002.manifest");
            let t = fs::read_to_string(&p).unwrap().replace(
                "\"operator\": \"Admin Uji\"",
                "\"operator\": \"Orang Lain\"",
            );
            fs::write(&p, t).unwrap();
        },
        "000002.manifest",
    );
}

#[test]
fn age_tool_opens_a_piece_with_the_recovery_identity_and_restore_takes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (key, rcpt) = recovery_identity(tmp.path());
    let (n, _pass) = node_with_identity(|t| {
        let mut b = toml::Table::new();
        b.insert(
            "recovery_recipient".into(),
            toml::Value::String(rcpt.clone()),
        );
        t.insert("backup".into(), toml::Value::Table(b));
    });
    let f = n.scratch().join("a.pdf");
    let doc = tiny_pdf(77);
    fs::write(&f, &doc).unwrap();
    n.kasa_ok(&["ingest", f.to_str().unwrap()]);
    let dir = n.tmp.path().join("disk");
    fs::create_dir_all(&dir).unwrap();
    let m = backup_json(&n, &dir, &[]);
    assert_eq!(m["manifest"]["recipients"].as_array().unwrap().len(), 2);
    let cat = m["manifest"]["catalog"].as_str().unwrap();
    let o = Command::new("age")
        .args(["-d", "-i"])
        .arg(&key)
        .arg(dir.join(format!("pieces/{}/{cat}.age", &cat[..2])))
        .output()
        .expect("the `age` tool is needed");
    assert!(o.status.success(), "age -d catalog: {}", describe(&o));
    let catalog: Value = serde_json::from_slice(&o.stdout).unwrap();
    let blob = &catalog["blobs"][0];
    assert_eq!(blob["sha256"], sha256_hex(&doc));
    let bp = blob["piece"].as_str().unwrap();
    let o = Command::new("age")
        .args(["-d", "-i"])
        .arg(&key)
        .arg(dir.join(format!("pieces/{}/{bp}.age", &bp[..2])))
        .output()
        .unwrap();
    assert!(o.status.success(), "age -d blob: {}", describe(&o));
    assert_eq!(
        o.stdout, doc,
        "the reference age tool opens the document piece"
    );
    // Break-glass restore with the recovery identity alone (no passphrase).
    let to = n.tmp.path().join("restored");
    let o = restore(&n, &dir, &to, &["--identity", key.to_str().unwrap()]);
    assert!(o.status.success(), "{}", describe(&o));
    let sha = sha256_hex(&doc);
    assert_eq!(
        fs::read(to.join("blobs").join(&sha[..2]).join(&sha)).unwrap(),
        doc
    );
}

#[test]
fn restore_test_is_recorded_and_reports_are_written() {
    let (n, _pass) = node_with_identity(|_| {});
    let staging = n.scratch();
    for i in 0..30 {
        drop_atomic(
            &staging,
            &n.drop_dir(),
            &format!("t-{i}.png"),
            &tiny_png(70_000 + i),
        );
    }
    assert!(n.wait_entries(30, Duration::from_secs(60)));
    let dir = n.tmp.path().join("disk");
    fs::create_dir_all(&dir).unwrap();
    backup_json(&n, &dir, &[]);
    // The node moves on; the test still matches (changes after the backup are expected).
    n.kasa_ok(&["incident", "new", "setelah backup"]);
    let t = n.json(&[
        "backup",
        "test",
        dir.to_str().unwrap(),
        "--sample",
        "10",
        "--json",
    ]);
    assert_eq!(t["hasil"]["status"], "berhasil", "{t}");
    assert_eq!(t["uji"]["blobs_sampled"], 10);
    assert_eq!(t["uji"]["blobs_matching"], 10);
    assert_eq!(t["uji"]["audit_head_match"], true);
    let log = n.json(&["backup", "log", "--json"]);
    assert!(log["ringkasan"]["last_test_ok"].is_string());
    assert_eq!(log["test_overdue"], false);
    assert!(
        n.audit_tail(10)
            .iter()
            .any(|r| r["action"] == "backup.test")
    );
    let out = n.tmp.path().join("laporan");
    n.kasa_ok(&[
        "backup",
        "report",
        "laporan",
        "--out",
        out.to_str().unwrap(),
    ]);
    let md = fs::read_to_string(out.join("laporan-backup.md")).unwrap();
    assert!(md.contains("Daftar Kontrol Back Up"));
    assert!(md.contains("b. Penerimaan naskah dinas biasa"));
    assert!(
        fs::read(out.join("laporan-backup.pdf"))
            .unwrap()
            .starts_with(b"%PDF")
    );
    let o = n.kasa(&[
        "backup",
        "report",
        "analisis",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", describe(&o));
    // The Monev report's Lampiran XI counts the year's backups and names the last restore test.
    let tahun = kasa::clock::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Makassar").unwrap())
        .year()
        .to_string();
    let monev = n.tmp.path().join("monev");
    n.kasa_ok(&[
        "laporan",
        "monev",
        "--tahun",
        &tahun,
        "--out",
        monev.to_str().unwrap(),
    ]);
    let md = fs::read_to_string(monev.join(format!("monev-{tahun}.md"))).unwrap();
    assert!(md.contains("1 kali backup"), "{md}");
    assert!(
        md.contains("1 berhasil, 0 gagal; uji pemulihan terakhir"),
        "{md}"
    );
    // A damaged directory makes the test fail, recorded with an alarm.
    let cat_piece = fs::read_dir(dir.join("pieces"))
        .unwrap()
        .flatten()
        .filter(|d| d.path().is_dir())
        .flat_map(|d| fs::read_dir(d.path()).unwrap().flatten())
        .next()
        .unwrap()
        .path();
    fs::remove_file(cat_piece).unwrap();
    let o = n.kasa(&["backup", "test", dir.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(n.alarms().iter().any(|a| a["kind"] == "backup.test_failed"));
}

#[test]
fn the_daily_schedule_runs_an_incremental_by_itself() {
    let (n, _pass) = node_with_identity(|t| {
        let mut b = toml::Table::new();
        b.insert("target".into(), toml::Value::String("../disk".into()));
        b.insert("daily_at".into(), toml::Value::String("00:00".into()));
        t.insert("backup".into(), toml::Value::Table(b));
    });
    fs::create_dir_all(n.tmp.path().join("disk")).ok();
    assert!(
        wait_until(Duration::from_secs(60), || {
            n.json(&["backup", "log", "--json"])["runs"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["alasan"] == "jadwal" && r["hasil"]["status"] == "berhasil")
        }),
        "the scheduled run happened: {}",
        n.kasa_ok(&["backup", "log"])
    );
    assert!(n.tmp.path().join("disk/manifests/000001.manifest").exists());
}

#[test]
fn an_older_schema_is_backed_up_before_the_migration() {
    let (mut n, _pass) = node_with_identity(|t| {
        let mut b = toml::Table::new();
        b.insert("target".into(), toml::Value::String("../disk".into()));
        b.insert("daily_at".into(), toml::Value::String(String::new()));
        t.insert("backup".into(), toml::Value::Table(b));
    });
    n.kasa_ok(&["incident", "new", "sebelum migrasi"]);
    n.terminate();
    {
        let st = kasa::store::Store::open(&n.db()).unwrap();
        st.force_schema_version(0).unwrap();
    }
    n.start();
    let disk = n.tmp.path().join("disk");
    let m = fs::read_to_string(disk.join("manifests/000001.manifest")).unwrap();
    assert!(m.contains("\"alasan\": \"migrasi\""), "{m}");
    assert!(m.contains("\"schema_version\": 0"));
    let log = n.json(&["backup", "log", "--json"]);
    assert_eq!(log["runs"][0]["alasan"], "migrasi");
    assert_eq!(log["runs"][0]["hasil"]["status"], "berhasil");
    let actions: Vec<Value> = n
        .audit_tail(20)
        .iter()
        .map(|r| r["action"].clone())
        .collect();
    assert!(actions.contains(&Value::from("store.migrate")));
    let o = verify(&n, &disk);
    assert!(o.status.success(), "{}", describe(&o));
}
