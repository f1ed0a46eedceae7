//! The direct node-to-node link (issue "Between nodes") with three real nodes on 127.0.0.1: A seals
//! to B and C; B receives over the link at once; C is down, A queues; C comes up and connects out to
//! A; both letters arrive once; A shows DITERIMA from both and DIBUKA after an operator opens on B.
//! Then: a tampered `.kgm` gives DITOLAK and nothing is released; kill -9 of A with a queue, the
//! letters go out once after the restart; a man-in-the-middle with another link key is refused before
//! any data; garbage on the port and 500 idle connections do not stop delivery.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_kasa");

struct Node {
    _tmp: tempfile::TempDir,
    data: PathBuf,
    config: PathBuf,
    pass: PathBuf,
    id: String,
    port: u16,
    child: Option<Child>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Node {
    fn new(id: &str, name: &str) -> Node {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("d");
        let config = tmp.path().join("c");
        let pass = tmp.path().join("pass");
        std::fs::write(&pass, format!("frasa sandi {id} yang panjang\n")).unwrap();
        std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600)).unwrap();
        let n = Node {
            _tmp: tmp,
            data,
            config,
            pass,
            id: id.into(),
            port: free_port(),
            child: None,
        };
        let out = n.kasa(&[
            "init",
            "--kualifikasi",
            "tingkat_ii",
            "--node-id",
            id,
            "--name",
            name,
            "--insecure-fast-kdf",
            "--passphrase-file",
            n.pass.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "init {id}: {}", stderr(&out));
        // [link] listen on a loopback port of its own.
        let p = n.data.join("node.toml");
        let mut t: toml::Table = std::fs::read_to_string(&p)
            .map(|s| toml::from_str(&s).unwrap())
            .unwrap_or_default();
        let mut link = toml::Table::new();
        link.insert(
            "listen".into(),
            toml::Value::String(format!("127.0.0.1:{}", n.port)),
        );
        t.insert("link".into(), toml::Value::Table(link));
        std::fs::write(&p, toml::to_string(&t).unwrap()).unwrap();
        n
    }

    /// Sets one `[link]` key of node.toml (before start).
    fn set_link(&self, key: &str, v: toml::Value) {
        let p = self.data.join("node.toml");
        let mut t: toml::Table = toml::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        t.get_mut("link")
            .and_then(|l| l.as_table_mut())
            .unwrap()
            .insert(key.into(), v);
        std::fs::write(&p, toml::to_string(&t).unwrap()).unwrap();
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(BIN);
        c.arg("--data-dir")
            .arg(&self.data)
            .arg("--config-dir")
            .arg(&self.config)
            .env_remove("KASA_SOCKET")
            .env_remove("KASA_DATA_DIR")
            .env_remove("KASA_CONFIG_DIR")
            .env("KASA_LOG", "info");
        c
    }

    fn kasa(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.kasa(args);
        assert!(o.status.success(), "{} {args:?}: {}", self.id, stderr(&o));
        String::from_utf8(o.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.push("--json");
        serde_json::from_str(&self.ok(&a)).unwrap()
    }

    fn start(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data.join("test-node.log"))
            .unwrap();
        let child = self
            .cmd()
            .args(["node", "--foreground", "--passphrase-file"])
            .arg(&self.pass)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let sock = self.data.join("node.sock");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::os::unix::net::UnixStream::connect(&sock).is_err() {
            assert!(Instant::now() < deadline, "node {} did not start", self.id);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = self.kasa(&["node", "stop"]);
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn kill9(&mut self) {
        let mut c = self.child.take().unwrap();
        c.kill().unwrap(); // SIGKILL
        c.wait().unwrap();
    }

    fn card_file(&self, dir: &Path) -> PathBuf {
        let text = self.ok(&["identity", "card"]);
        let p = dir.join(format!("{}.card.toml", self.id));
        std::fs::write(&p, text).unwrap();
        p
    }

    fn receipts(&self, entry: u64) -> Vec<Value> {
        self.json(&["agenda", "show", &entry.to_string()])["receipts"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    fn peer_status(&self, peer: &str) -> Value {
        let s = self.json(&["peer", "status"]);
        s["peers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["node_id"] == peer)
            .cloned()
            .unwrap_or(Value::Null)
    }

    fn inbox(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(self.data.join("inbox"))
            .map(|rd| rd.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        v.sort();
        v
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.data.join("test-node.log")).unwrap_or_default()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop();
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn wait_for(what: &str, secs: u64, mut f: impl FnMut() -> bool, nodes: &[&Node]) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        if Instant::now() > deadline {
            let logs: Vec<String> = nodes
                .iter()
                .map(|n| format!("--- {} ---\n{}", n.id, n.log()))
                .collect();
            panic!("timed out waiting for {what}\n{}", logs.join("\n"));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn has_receipt(r: &[Value], peer: &str, status: &str) -> bool {
    r.iter().any(|x| x["peer"] == peer && x["status"] == status)
}

/// A Rahasia letter drafted, approved (the admin stands in for Kasi and Kadis on a single-operator
/// node, issue 14) and sealed with `file`.
fn seal(a: &Node, to: &str, file: &Path, perihal: &str) -> Value {
    let d = a.json(&[
        "keluar",
        "new",
        "--kriptogram",
        "--perihal",
        perihal,
        "--klasifikasi",
        "R",
        "--nomor-surat",
        "005/77/Diskominfo",
        "--derajat",
        "Kilat",
    ]);
    let id = d["id"].as_u64().unwrap().to_string();
    a.json(&["keluar", "paraf", &id]);
    a.json(&["keluar", "ttd", &id]);
    a.json(&[
        "kriptogram",
        "seal",
        "--entry",
        &id,
        "--to",
        to,
        file.to_str().unwrap(),
    ])
}

#[test]
fn three_nodes_over_the_link() {
    let work = tempfile::tempdir().unwrap();
    let mut a = Node::new("32", "Dinas Kominfo Provinsi Jawa Barat");
    let mut b = Node::new("32.01", "Diskominfo Kabupaten Bogor");
    let mut c = Node::new("32.02", "Diskominfo Kabupaten Sukabumi");
    // The flash-disk alarm after 3 s instead of 5 minutes for Kilat.
    a.set_link("alarm_after_secs", toml::Value::Integer(3));
    for n in [&mut a, &mut b, &mut c] {
        n.start();
    }
    // Card v2 carries the link key and the hybrid recipient.
    let card = a.ok(&["identity", "card"]);
    assert!(
        card.contains("kasa_node_card = 2") && card.contains("link = "),
        "{card}"
    );
    assert!(card.contains("age1pq1"), "{card}");

    let (ca, cb, cc) = (
        a.card_file(work.path()),
        b.card_file(work.path()),
        c.card_file(work.path()),
    );
    for card in [&cb, &cc] {
        a.ok(&[
            "peer",
            "add",
            card.to_str().unwrap(),
            "--relation",
            "kab-kota",
        ]);
    }
    for n in [&b, &c] {
        n.ok(&[
            "peer",
            "add",
            ca.to_str().unwrap(),
            "--relation",
            "provinsi",
        ]);
        n.ok(&["peer", "verify", "32", "--confirm"]);
        a.ok(&["peer", "verify", &n.id, "--confirm"]);
    }
    // A dials B; C is "they connect to us" for A, and C dials A.
    a.ok(&["peer", "set", "32.01", "--address", &b.addr()]);
    c.ok(&["peer", "set", "32", "--address", &a.addr()]);
    // An address must be HOST:PORT.
    let o = a.kasa(&["peer", "set", "32.02", "--address", "sukabumi"]);
    assert!(!o.status.success());
    wait_for(
        "A–B and A–C links",
        30,
        || {
            a.peer_status("32.01")["connected"] == true
                && a.peer_status("32.02")["connected"] == true
        },
        &[&a, &b, &c],
    );

    // C goes down; A seals to B and C.
    c.stop();
    let letter = work.path().join("surat.pdf");
    std::fs::write(
        &letter,
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".repeat(40),
    )
    .unwrap();
    let s1 = seal(&a, "32.01,32.02", &letter, "Undangan rapat koordinasi");
    let e1 = s1["entry"]["id"].as_u64().unwrap();
    wait_for(
        "DITERIMA from B",
        30,
        || has_receipt(&a.receipts(e1), "32.01", "diterima"),
        &[&a, &b],
    );
    let shown = a.json(&["agenda", "show", &e1.to_string()]);
    assert_eq!(shown["status"], "terkirim", "{shown}");
    // Delivery per recipient: B has it, C's copy waits in A's outbox.
    let state = |v: &Value, peer: &str| {
        v["pengiriman"]
            .as_array()
            .and_then(|a| a.iter().find(|p| p["peer"] == peer))
            .map(|p| p["status"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(
        state(&shown, "32.01").as_deref(),
        Some("diterima"),
        "{shown}"
    );
    assert_eq!(
        state(&shown, "32.02").as_deref(),
        Some("menunggu"),
        "{shown}"
    );
    assert_eq!(b.inbox().len(), 1);
    let st = a.peer_status("32.02");
    assert_eq!(st["connected"], false, "{st}");
    assert_eq!(st["queued"], 1, "{st}");
    // C stays unreachable: "bawa dengan flashdisk".
    wait_for(
        "flash-disk alarm for C",
        30,
        || {
            let al = a.json(&["alarm", "list"]).to_string();
            al.contains("link.flashdisk") && al.contains("bawa dengan flashdisk")
        },
        &[&a],
    );

    // C comes up and connects out to A: its letter arrives.
    c.start();
    wait_for(
        "DITERIMA from C",
        40,
        || has_receipt(&a.receipts(e1), "32.02", "diterima"),
        &[&a, &c],
    );
    assert_eq!(a.peer_status("32.02")["queued"], 0);
    assert_eq!(b.inbox().len(), 1, "B got the letter once");
    assert_eq!(c.inbox().len(), 1, "C got the letter once");
    let tiba = b.json(&["alarm", "list"]);
    assert!(tiba.to_string().contains("kriptogram.tiba"), "{tiba}");

    // An operator on B opens it: A gets DIBUKA.
    let inbox_b = b.inbox()[0].clone();
    let r = b.json(&["kriptogram", "open", inbox_b.to_str().unwrap()]);
    assert_eq!(r["results"][0]["outcome"], "new", "{r}");
    wait_for(
        "DIBUKA from B",
        30,
        || has_receipt(&a.receipts(e1), "32.01", "dibuka"),
        &[&a, &b],
    );
    let rc = a.receipts(e1);
    assert_eq!(rc.len(), 3, "{rc:?}");
    let shown = a.json(&["agenda", "show", &e1.to_string()]);
    assert_eq!(state(&shown, "32.01").as_deref(), Some("dibuka"), "{shown}");
    assert_eq!(
        state(&shown, "32.02").as_deref(),
        Some("diterima"),
        "{shown}"
    );
    assert!(rc.iter().all(|x| x["at"].is_string()));

    // The printed resi (issue 20) carries the signed receipts: who, what and when, per recipient.
    let out = work.path().join("resi");
    let r = a.json(&[
        "laporan",
        "resi",
        &e1.to_string(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let pdf = r.to_string();
    let pdf = std::fs::read_dir(&out)
        .unwrap()
        .map(|d| d.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "pdf"))
        .unwrap_or_else(|| panic!("no PDF in {}: {pdf}", out.display()));
    let text = Command::new("pdftotext")
        .args([pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils)");
    let text = String::from_utf8_lossy(&text.stdout);
    for want in [
        "Tanda terima elektronik",
        "32.01",
        "32.02",
        "DITERIMA",
        "DIBUKA",
    ] {
        assert!(text.contains(want), "resi lacks {want:?}:\n{text}");
    }

    // A tampered .kgm: B is down, A queues, one byte of the ciphertext changes; B says DITOLAK.
    let masuk_before = b_masuk_count(&mut b);
    b.stop();
    let s2 = seal(&a, "32.01", &letter, "Surat yang dirusak di jalan");
    let e2 = s2["entry"]["id"].as_u64().unwrap();
    let p2 = PathBuf::from(s2["path"].as_str().unwrap());
    let mut bytes = std::fs::read(&p2).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&p2, &bytes).unwrap();
    b.start();
    wait_for(
        "DITOLAK from B",
        40,
        || has_receipt(&a.receipts(e2), "32.01", "ditolak"),
        &[&a, &b],
    );
    let rc = a.receipts(e2);
    let reason = rc[0]["reason"].as_str().unwrap_or("");
    assert!(reason.contains("signature"), "{rc:?}");
    assert_eq!(
        a.json(&["agenda", "show", &e2.to_string()])["status"],
        "diagendakan"
    );
    assert_eq!(b_masuk_count(&mut b), masuk_before, "nothing released");
    assert_eq!(b.inbox().len(), 1);
    assert!(
        std::fs::read_dir(b.data.join("ingest/failed"))
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".error.txt"))
    );

    // A copy damaged on A's disk with its mtime kept (bit rot): A sends it as sealed, B hashes every
    // byte and answers DITOLAK naming both hashes; nothing is released and nothing is retried.
    b.stop();
    let s5 = seal(&a, "32.01", &letter, "Surat yang rusak di disk");
    let e5 = s5["entry"]["id"].as_u64().unwrap();
    let p5 = PathBuf::from(s5["path"].as_str().unwrap());
    let mtime = std::fs::metadata(&p5).unwrap().modified().unwrap();
    let mut bytes = std::fs::read(&p5).unwrap();
    let at = bytes.len() / 3;
    bytes[at] ^= 0x80;
    std::fs::write(&p5, &bytes).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&p5)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    b.start();
    wait_for(
        "DITOLAK for the damaged copy",
        40,
        || has_receipt(&a.receipts(e5), "32.01", "ditolak"),
        &[&a, &b],
    );
    let rc = a.receipts(e5);
    let reason = rc[0]["reason"].as_str().unwrap_or("");
    assert!(reason.contains("not the one announced"), "{rc:?}");
    assert_eq!(b_masuk_count(&mut b), masuk_before, "nothing released");
    assert_eq!(a.peer_status("32.01")["queued"], 0, "not retried");

    // kill -9 A while its queue holds two letters for B; after the restart they go out, once.
    b.stop();
    let s3 = seal(&a, "32.01", &letter, "Surat antrean satu");
    let s4 = seal(&a, "32.01", &letter, "Surat antrean dua");
    assert_eq!(a.peer_status("32.01")["queued"], 2);
    a.kill9();
    a.start();
    assert_eq!(
        a.peer_status("32.01")["queued"],
        2,
        "the queue survived kill -9"
    );
    b.start();
    for s in [&s3, &s4] {
        let e = s["entry"]["id"].as_u64().unwrap();
        wait_for(
            "queued letters after kill -9",
            40,
            || has_receipt(&a.receipts(e), "32.01", "diterima"),
            &[&a, &b],
        );
    }
    assert_eq!(b.inbox().len(), 3, "each letter once: {:?}", b.inbox());

    // Garbage, a replayed handshake message and 500 idle connections on B's port.
    for junk in [
        &b"GET / HTTP/1.0\r\n\r\n"[..],
        &[0xff; 70000][..],
        &[0, 0][..],
    ] {
        if let Ok(mut s) = TcpStream::connect(b.addr()) {
            let _ = s.write_all(junk);
            let _ = s.set_read_timeout(Some(Duration::from_secs(15)));
            let mut buf = [0u8; 4096];
            // The node answers nothing useful and closes.
            let mut got = 0;
            while let Ok(n) = s.read(&mut buf) {
                if n == 0 {
                    break;
                }
                got += n;
                assert!(got < 200, "the node kept talking to garbage");
            }
        }
    }
    let idle: Vec<TcpStream> = (0..500)
        .filter_map(|_| TcpStream::connect(b.addr()).ok())
        .collect();
    assert!(idle.len() >= 100, "only {} idle connections", idle.len());
    let s5 = seal(&a, "32.01", &letter, "Surat saat port penuh");
    let e5 = s5["entry"]["id"].as_u64().unwrap();
    wait_for(
        "delivery with 500 idle connections",
        60,
        || has_receipt(&a.receipts(e5), "32.01", "diterima"),
        &[&a, &b],
    );
    drop(idle);

    // A man-in-the-middle with another link key at B's address: refused before any data.
    let mitm = TcpListener::bind("127.0.0.1:0").unwrap();
    mitm.set_nonblocking(true).unwrap();
    let mitm_addr = mitm.local_addr().unwrap().to_string();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let done2 = done.clone();
    let spy = std::thread::spawn(move || {
        // For every dial: answer message 1 with a handshake of another key, then record whether the
        // initiator sent anything more (its identity, data): it must not.
        let mut results = vec![];
        while !done2.load(std::sync::atomic::Ordering::SeqCst) {
            let Ok((mut s, _)) = mitm.accept() else {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            };
            s.set_nonblocking(false).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            let key = [0x42u8; 32];
            let mut hs = kasa::crypto::link::handshake(&key, false).unwrap();
            let mut buf = vec![0u8; 65535];
            let Some(m1) = read_msg(&mut s) else { continue };
            hs.read_message(&m1, &mut buf).unwrap();
            let n = hs.write_message(&[], &mut buf).unwrap();
            write_msg(&mut s, &buf[..n]);
            results.push(read_msg(&mut s).is_none());
        }
        results
    });
    a.ok(&["peer", "set", "32.01", "--address", "none"]);
    b.stop();
    wait_for(
        "A–B link down",
        30,
        || a.peer_status("32.01")["connected"] == false,
        &[&a],
    );
    a.ok(&["peer", "set", "32.01", "--address", &mitm_addr]);
    wait_for(
        "MITM error in peer status",
        30,
        || {
            a.peer_status("32.01")["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("man-in-the-middle"))
        },
        &[&a],
    );
    assert_eq!(a.peer_status("32.01")["connected"], false);
    a.ok(&["peer", "set", "32.01", "--address", "none"]);
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let results = spy.join().unwrap();
    assert!(!results.is_empty());
    assert!(
        results.iter().all(|quiet| *quiet),
        "the initiator went on after a wrong key"
    );
    // Every link change is in an intact audit chain (exit status 0).
    a.json(&["audit", "verify"]);
}

fn b_masuk_count(b: &mut Node) -> usize {
    b.json(&["agenda", "list", "--book", "kriptogram-masuk"])["entries"]
        .as_array()
        .unwrap()
        .len()
}

fn read_msg(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut len = [0u8; 2];
    s.read_exact(&mut len).ok()?;
    let mut b = vec![0u8; u16::from_be_bytes(len) as usize];
    s.read_exact(&mut b).ok()?;
    Some(b)
}

fn write_msg(s: &mut TcpStream, b: &[u8]) {
    s.write_all(&(b.len() as u16).to_be_bytes()).unwrap();
    s.write_all(b).unwrap();
}

/// Plain age files (reference `age` tool, binary and armored; kasa's hybrid recipient) addressed to a
/// node become kriptogram-masuk entries marked "tanpa tanda tangan pengirim", by the CLI and by the
/// drop folder; one for another key is refused as not addressed.
#[test]
fn plain_age_files_become_unsigned_masuk_entries() {
    let work = tempfile::tempdir().unwrap();
    let mut n = Node::new("32.05", "Diskominfo Kabupaten Garut");
    n.start();
    let card: Value = n.json(&["identity", "card"]);
    let rcpt = card["x25519"].as_str().unwrap().to_string();
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".repeat(30);
    let src = work.path().join("nota.pdf");
    std::fs::write(&src, &pdf).unwrap();
    let want = hex::encode(sha2::Sha256::digest(&pdf));
    use sha2::Digest;

    // Binary, by the reference tool, opened with the CLI.
    let bin = work.path().join("nota.pdf.age");
    let o = Command::new("age")
        .args(["-r", &rcpt, "-o"])
        .arg(&bin)
        .arg(&src)
        .output()
        .expect("the reference `age` tool is installed");
    assert!(o.status.success(), "{}", stderr(&o));
    let r = n.json(&["kriptogram", "open", bin.to_str().unwrap()]);
    let r = &r["results"][0];
    assert_eq!(r["outcome"], "new", "{r}");
    let e = &r["entry"];
    assert_eq!(e["book"], "kriptogram-masuk");
    assert_eq!(e["asal"], "(tanpa tanda tangan pengirim)");
    assert_eq!(e["attachments"][0]["name"], "nota.pdf");
    assert_eq!(e["attachments"][0]["sha256"], want.as_str());
    assert!(
        e.to_string()
            .contains("tanpa tanda tangan pengirim (no sender authentication)")
    );
    // The same file again is a duplicate.
    let again = n.json(&["kriptogram", "open", bin.to_str().unwrap()]);
    assert_eq!(again["results"][0]["outcome"], "duplicate");

    // Armored, dropped in the drop folder.
    let arm = work.path().join("lampiran.age");
    let o = Command::new("age")
        .args(["-a", "-r", &rcpt, "-o"])
        .arg(&arm)
        .arg(&src)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // A different plaintext so that the entry is new.
    let before = count_masuk(&n);
    let staging = work.path().join("lampiran.tmp");
    std::fs::copy(&arm, &staging).unwrap();
    std::fs::rename(&staging, n.data.join("drop/lampiran.age")).unwrap();
    wait_for(
        "the dropped armored age file",
        60,
        || count_masuk(&n) == before + 1,
        &[&n],
    );

    // Hybrid (post-quantum) recipient from the node card, sealed by kasa's own age code.
    let pq = card_pq(&n);
    let hyb = work.path().join("pq.age");
    {
        use kasa::crypto::age::{AnyRecipient, Armor, Encryptor, HybridRecipient};
        let f = std::fs::File::create(&hyb).unwrap();
        let r = HybridRecipient::parse(&pq).unwrap();
        let mut enc =
            Encryptor::new_any(f, &[AnyRecipient::Hybrid(Box::new(r))], Armor::Binary).unwrap();
        enc.write_all(b"surat pasca-kuantum").unwrap();
        enc.finish().unwrap();
    }
    let r = n.json(&["kriptogram", "open", hyb.to_str().unwrap()]);
    assert_eq!(r["results"][0]["outcome"], "new", "{r}");

    // For another key: refused, not addressed.
    let other = work.path().join("lain.age");
    let o = Command::new("age-keygen").output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let other_rcpt = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap()
        .to_string();
    let o = Command::new("age")
        .args(["-r", &other_rcpt, "-o"])
        .arg(&other)
        .arg(&src)
        .output()
        .unwrap();
    assert!(o.status.success());
    let o = n.kasa(&["kriptogram", "open", other.to_str().unwrap()]);
    assert!(!o.status.success());
    let failed = n.data.join("ingest/failed/lain.age.error.txt");
    let err = std::fs::read_to_string(&failed).unwrap();
    assert!(err.contains("class: not_addressed"), "{err}");
}

fn count_masuk(n: &Node) -> usize {
    n.json(&["agenda", "list", "--book", "kriptogram-masuk"])["entries"]
        .as_array()
        .unwrap()
        .len()
}

fn card_pq(n: &Node) -> String {
    let text = n.ok(&["identity", "card"]);
    text.lines()
        .find_map(|l| l.strip_prefix("mlkem768x25519 = "))
        .unwrap()
        .trim_matches('"')
        .to_string()
}
