//! End-to-end kriptogram flow between three nodes (DESIGN §5, §6): identities at `kasa init`, card
//! exchange and safety-number verification, seal to two peers, open, duplicate, replay alarm, not
//! addressed, unverified peer refused, audit chains intact.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use ed25519_dalek::Signer;
use serde_json::Value;
use sha2::{Digest, Sha256};

const BIN: &str = env!("CARGO_BIN_EXE_kasa");

struct Node {
    _tmp: tempfile::TempDir,
    data: PathBuf,
    config: PathBuf,
    pass: PathBuf,
    id: String,
    child: Option<Child>,
}

impl Node {
    fn new(id: &str, name: &str) -> Node {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("d");
        let config = tmp.path().join("c");
        let pass = tmp.path().join("pass");
        std::fs::write(&pass, format!("frasa sandi {id} yang panjang\n")).unwrap();
        std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600)).unwrap();
        let mut n = Node {
            _tmp: tmp,
            data,
            config,
            pass,
            id: id.into(),
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
        let ks = n.data.join("keys/node.keystore");
        assert_eq!(
            std::fs::metadata(&ks).unwrap().permissions().mode() & 0o777,
            0o600
        );
        n.start();
        n
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
            .env("KASA_LOG", "warn");
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
        let child = self
            .cmd()
            .args(["node", "--foreground", "--passphrase-file"])
            .arg(&self.pass)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
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

    fn card_file(&self, dir: &Path) -> PathBuf {
        let text = self.ok(&["identity", "card"]);
        let p = dir.join(format!("{}.card.toml", self.id));
        std::fs::write(&p, text).unwrap();
        p
    }
}

/// A Rahasia letter is drafted and approved before it is sealed (issue 14): on these single-operator
/// nodes the admin stands in for the Kasi's paraf and the Kadis's signature. Returns the entry id.
fn approved_draft(n: &Node, fields: &[&str]) -> String {
    let mut args = vec!["keluar", "new", "--kriptogram"];
    args.extend_from_slice(fields);
    let id = n.json(&args)["id"].as_u64().unwrap().to_string();
    n.ok(&["keluar", "paraf", &id]);
    n.ok(&["keluar", "ttd", &id]);
    id
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = self.kasa(&["node", "stop"]);
            let deadline = Instant::now() + Duration::from_secs(10);
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
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn sha_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

#[test]
fn three_nodes_exchange_kriptogram() {
    let work = tempfile::tempdir().unwrap();
    let a = Node::new("32", "Dinas Kominfo Provinsi Jawa Barat");
    let b = Node::new("32.01", "Diskominfo Kabupaten Bogor");
    let c = Node::new("32.02", "Diskominfo Kabupaten Sukabumi");

    // Identity: card on disk, fingerprint in status.
    let card_a: Value = a.json(&["identity", "card"]);
    assert_eq!(card_a["node_id"], "32");
    let st = a.json(&["status"]);
    assert_eq!(st["identity_fingerprint"], card_a["ed25519_fingerprint"]);

    // Card exchange.
    let (ca, cb, cc) = (
        a.card_file(work.path()),
        b.card_file(work.path()),
        c.card_file(work.path()),
    );
    for (card, rel) in [(&cb, "kab-kota"), (&cc, "kab-kota")] {
        a.ok(&[
            "peer",
            "add",
            card.to_str().unwrap(),
            "--relation",
            rel,
            "--saluran",
            "Email Sanapati",
        ]);
    }
    for n in [&b, &c] {
        n.ok(&[
            "peer",
            "add",
            ca.to_str().unwrap(),
            "--relation",
            "provinsi",
            "--saluran",
            "Email Sanapati",
        ]);
    }
    // Own card and a malformed card are refused.
    let o = a.kasa(&["peer", "add", ca.to_str().unwrap(), "--relation", "pusat"]);
    assert!(!o.status.success());
    let bad = work.path().join("bad.card.toml");
    let text = std::fs::read_to_string(&cb).unwrap();
    let x = text
        .lines()
        .find(|l| l.starts_with("x25519 ="))
        .unwrap()
        .to_string();
    std::fs::write(
        &bad,
        text.replace(
            &x,
            "x25519 = \"age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq\"",
        ),
    )
    .unwrap();
    let o = a.kasa(&["peer", "add", bad.to_str().unwrap(), "--relation", "opd"]);
    assert!(!o.status.success(), "a malformed card was accepted");

    let peers = a.json(&["peer", "list"]);
    assert_eq!(peers["peers"].as_array().unwrap().len(), 2);
    assert_eq!(peers["peers"][0]["verified"], false);

    // Sealing to an unverified peer needs --yes-unverified.
    let letter1 = work.path().join("surat.pdf");
    let letter2 = work.path().join("lampiran.txt");
    std::fs::write(
        &letter1,
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".repeat(50),
    )
    .unwrap();
    std::fs::write(&letter2, "daftar hadir rapat koordinasi\n".repeat(1000)).unwrap();
    let seal_args = |to: &str| -> Vec<String> {
        let id = approved_draft(
            &a,
            &[
                "--perihal",
                "Undangan rapat koordinasi persandian",
                "--klasifikasi",
                "R",
                "--nomor-surat",
                "005/123/Diskominfo",
                "--tanggal-surat",
                "2026-06-01",
                "--derajat",
                "Segera",
            ],
        );
        [
            "kriptogram",
            "seal",
            "--entry",
            &id,
            "--to",
            to,
            letter1.to_str().unwrap(),
            letter2.to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let args1 = seal_args("32.01,32.02");
    let args1: Vec<&str> = args1.iter().map(String::as_str).collect();
    let o = a.kasa(&args1);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("not verified"), "{}", stderr(&o));

    // Safety numbers: the same on both sides, then confirmed.
    for (n, peer) in [(&b, "32"), (&c, "32")] {
        let mine = n.json(&["peer", "verify", peer]);
        let theirs = a.json(&["peer", "verify", &n.id]);
        assert_eq!(mine["safety_number"], theirs["safety_number"]);
        assert_eq!(
            mine["safety_number"].as_str().unwrap().split(' ').count(),
            12
        );
        n.ok(&["peer", "verify", peer, "--confirm"]);
        a.ok(&["peer", "verify", &n.id, "--confirm"]);
    }
    assert_eq!(a.json(&["peer", "list"])["peers"][0]["verified"], true);

    // A seals to B and C.
    let mut j = args1.clone();
    j.push("--json");
    let sealed: Value = serde_json::from_str(&a.ok(&j)).unwrap();
    let kgm_path = PathBuf::from(sealed["path"].as_str().unwrap());
    assert!(kgm_path.starts_with(a.data.join("outbox")), "{kgm_path:?}");
    assert_eq!(sealed["entry"]["book"], "kriptogram-keluar");
    assert_eq!(sealed["entry"]["nomor_agenda"], 1);
    let kgm = work.path().join("surat.kgm");
    std::fs::copy(&kgm_path, &kgm).unwrap();

    // B and C open it.
    let want1 = sha_hex(&std::fs::read(&letter1).unwrap());
    let want2 = sha_hex(&std::fs::read(&letter2).unwrap());
    let mut entry_b = 0;
    for n in [&b, &c] {
        let r = n.json(&["kriptogram", "open", kgm.to_str().unwrap()]);
        let r = &r["results"][0];
        assert_eq!(r["outcome"], "new", "{r}");
        let e = &r["entry"];
        assert_eq!(e["book"], "kriptogram-masuk");
        assert_eq!(e["status"], "baru");
        assert_eq!(e["nomor_surat"], "005/123/Diskominfo");
        assert_eq!(e["perihal"], "Undangan rapat koordinasi persandian");
        assert_eq!(e["tanggal_surat"], "2026-06-01");
        assert_eq!(e["klasifikasi"], "Rahasia");
        assert_eq!(e["derajat"], "Segera");
        assert_eq!(e["asal"], "Dinas Kominfo Provinsi Jawa Barat");
        assert_eq!(e["kriptogram"], true);
        let atts = e["attachments"].as_array().unwrap();
        assert_eq!(atts.len(), 2);
        assert_eq!(atts[0]["name"], "surat.pdf");
        assert_eq!(atts[0]["sha256"], want1.as_str());
        assert_eq!(atts[1]["sha256"], want2.as_str());
        let id = e["id"].as_u64().unwrap();
        // The released bytes are in the blob store.
        let out = work.path().join(format!("export-{}.pdf", n.id));
        n.ok(&[
            "agenda",
            "export",
            &id.to_string(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(sha_hex(&std::fs::read(&out).unwrap()), want1);
        let list = n.json(&["agenda", "list", "--book", "kriptogram-masuk"]);
        assert_eq!(list["entries"].as_array().unwrap().len(), 1);
        if n.id == "32.01" {
            entry_b = id;
        }
    }

    // Verify without decrypting.
    let v = b.json(&["kriptogram", "verify", kgm.to_str().unwrap()]);
    assert_eq!(v["sender"], "32");
    assert_eq!(v["sender_verified"], true);
    assert_eq!(v["ledger"], "duplicate");
    assert_eq!(v["addressed_to_this_node"], true);

    // The same file again: a duplicate, pointing at the first entry.
    let r = b.json(&["kriptogram", "open", kgm.to_str().unwrap()]);
    assert_eq!(r["results"][0]["outcome"], "duplicate");
    assert_eq!(r["results"][0]["entry"]["id"], entry_b);
    let list = b.json(&["agenda", "list", "--book", "kriptogram-masuk"]);
    assert_eq!(list["entries"].as_array().unwrap().len(), 1);

    // 003 SOP A on the opened kriptogram: its flow is A, A1 done by the node at arrival; registering
    // it asks for nothing the signed manifest carries; every step after it is recorded with its clock.
    let sb = entry_b.to_string();
    let al = b.json(&["masuk", "alur", &sb]);
    assert_eq!(al["alur"]["kode"], "A");
    assert_eq!(al["jam"][0]["keadaan"], "tepat");
    assert_eq!(al["jam"][1]["keadaan"], "berjalan");
    let r = b.json(&["agenda", "register", &sb]);
    assert_eq!(r["perihal"], "Undangan rapat koordinasi persandian");
    assert_eq!(r["klasifikasi"], "Rahasia");
    assert_eq!(r["nomor_surat"], "005/123/Diskominfo");
    assert_eq!(r["saluran"], "Kriptogram");
    b.json(&["masuk", "distribusi", &sb, "--jenis", "pimpinan"]);
    b.json(&["siapel", "entri", &sb]);
    b.ok(&["agenda", "close", &sb, "--to", "diarsipkan"]);
    let al = b.json(&["masuk", "alur", &sb]);
    let jam = al["jam"].as_array().unwrap();
    assert_eq!(jam.len(), 5);
    assert!(jam.iter().all(|j| j["keadaan"] == "tepat"), "{al}");

    // Same msg id, other bytes, validly signed by A: replay alarm, refused, kept in failed/.
    let forged = work.path().join("forged.kgm");
    {
        let keys = kasa::crypto::Keystore::open(
            &a.data.join("keys/node.keystore"),
            &kasa::crypto::read_passphrase_file(&a.pass).unwrap(),
        )
        .unwrap();
        let mut header = kasa::crypto::kgm::inspect(&kgm).unwrap();
        let t: jiff::Timestamp = header.created_at.parse().unwrap();
        header.created_at = (t + jiff::SignedDuration::from_secs(1)).to_string();
        let hb = header.to_bytes();
        let mut age = Vec::new();
        kasa::crypto::kgm::extract_age(&kgm, &mut age).unwrap();
        let digest = kasa::crypto::kgm::prefix_sha256(&hb, &age);
        let sig = keys
            .signing
            .sign(&kasa::crypto::kgm::signature_message(&digest));
        let mut f = std::fs::File::create(&forged).unwrap();
        kasa::crypto::kgm::assemble(&mut f, &hb, &age, &sig.to_bytes()).unwrap();
    }
    let v = b.json(&["kriptogram", "verify", forged.to_str().unwrap()]);
    assert_eq!(v["ledger"], "conflict");
    let o = b.kasa(&["kriptogram", "open", forged.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("replay"), "{}", stderr(&o));
    let alarms = b.json(&["alarm", "list"]);
    assert!(
        alarms["alarms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "kriptogram.replay"),
        "{alarms}"
    );
    let err = std::fs::read_to_string(b.data.join("ingest/failed/forged.kgm.error.txt")).unwrap();
    assert!(err.contains("class: replay"), "{err}");
    let list = b.json(&["agenda", "list", "--book", "kriptogram-masuk"]);
    assert_eq!(list["entries"].as_array().unwrap().len(), 1);

    // A kriptogram for B only: C refuses it, naming the recipients.
    let args2 = seal_args("32.01");
    let mut args2: Vec<&str> = args2.iter().map(String::as_str).collect();
    args2.push("--json");
    let sealed2: Value = serde_json::from_str(&a.ok(&args2)).unwrap();
    assert_eq!(sealed2["entry"]["nomor_agenda"], 2);
    let only_b = PathBuf::from(sealed2["path"].as_str().unwrap());
    let o = c.kasa(&["kriptogram", "open", only_b.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("not addressed to this node; recipients: 32.01"),
        "{}",
        stderr(&o)
    );
    let name = only_b.file_name().unwrap().to_string_lossy().into_owned();
    let err =
        std::fs::read_to_string(c.data.join(format!("ingest/failed/{name}.error.txt"))).unwrap();
    assert!(err.contains("class: not_addressed"), "{err}");
    let r = b.json(&["kriptogram", "open", only_b.to_str().unwrap()]);
    assert_eq!(r["results"][0]["outcome"], "new");

    // Through the drop folder: a new kriptogram for B is opened by the ingest path; one not addressed
    // to C is refused there.
    let args3 = seal_args("32.01");
    let mut args3: Vec<&str> = args3.iter().map(String::as_str).collect();
    args3.push("--json");
    let sealed3: Value = serde_json::from_str(&a.ok(&args3)).unwrap();
    let third = PathBuf::from(sealed3["path"].as_str().unwrap());
    std::fs::copy(&third, b.data.join("drop/kiriman.kgm")).unwrap();
    std::fs::copy(&third, c.data.join("drop/kiriman.kgm")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let list = b.json(&["agenda", "list", "--book", "kriptogram-masuk"]);
        if list["entries"].as_array().unwrap().len() == 3 {
            assert_eq!(list["entries"][0]["status"], "baru");
            assert_eq!(
                list["entries"][0]["attachments"][0]["sha256"],
                want1.as_str()
            );
            break;
        }
        assert!(Instant::now() < deadline, "dropped .kgm not opened: {list}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let side = c.data.join("ingest/failed/kiriman.kgm.error.txt");
    while !side.exists() {
        assert!(Instant::now() < deadline, "dropped .kgm not refused on C");
        std::thread::sleep(Duration::from_millis(200));
    }
    let err = std::fs::read_to_string(&side).unwrap();
    assert!(err.contains("class: not_addressed"), "{err}");
    assert_eq!(
        c.json(&["agenda", "list"])["entries"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Sealing a kriptogram-keluar draft seals that very entry; sealing another entry (here B's
    // received letter, forwarded to A) copies its fields and attachments into a new entry.
    let draft = a.json(&[
        "keluar",
        "new",
        "--kriptogram",
        "--perihal",
        "Laporan bulanan",
        "--klasifikasi",
        "T",
        "--nomor-surat",
        "LAP/7",
    ]);
    let draft_id = draft["id"].as_u64().unwrap();
    assert_eq!(draft["status"], "draft");
    let letter3 = work.path().join("laporan-bulanan.txt");
    std::fs::write(&letter3, "laporan bulanan persandian\n".repeat(3000)).unwrap();
    // `kriptogram seal --entry DRAFT --to 32.02 [FILE]`.
    let seal_draft = |file: Option<&std::path::Path>| {
        let id = draft_id.to_string();
        let mut args = vec!["kriptogram", "seal", "--entry", &id, "--to", "32.02"];
        args.extend(file.map(|f| f.to_str().unwrap()));
        a.json(&args)
    };
    let s4 = seal_draft(Some(&letter3));
    assert_eq!(s4["entry"]["id"], draft_id);
    assert_eq!(s4["entry"]["status"], "diagendakan");
    // The seal read the handed letter once and kept it only inside the .kgm, which has a stanza to
    // A's own key (issue 19): the blob store holds `<sha>.kgm`, the outbox file itself (one inode),
    // never the plaintext nor a second copy; the letter reads back through it.
    let att = &s4["entry"]["attachments"][0];
    assert_eq!(att["encrypted_at_rest"], true, "{s4}");
    let sha = att["sha256"].as_str().unwrap();
    assert_eq!(
        sha,
        hex::encode(Sha256::digest(std::fs::read(&letter3).unwrap()))
    );
    let plain = a.data.join("blobs").join(&sha[..2]).join(sha);
    assert!(!plain.exists(), "plaintext blob {}", plain.display());
    assert!(!plain.with_extension("age").exists());
    {
        use std::os::unix::fs::MetadataExt;
        let blob = std::fs::metadata(plain.with_extension("kgm")).unwrap();
        let outbox = std::fs::metadata(s4["path"].as_str().unwrap()).unwrap();
        assert_eq!((blob.dev(), blob.ino()), (outbox.dev(), outbox.ino()));
        assert_eq!(blob.mode() & 0o777, 0o600);
    }
    let back = work.path().join("kembali.pdf");
    let o = a.kasa(&[
        "agenda",
        "export",
        &draft_id.to_string(),
        "--out",
        back.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(&back).unwrap(),
        std::fs::read(&letter3).unwrap()
    );
    // The archive stanza is not a recipient: the header names only C.
    let sealed4 = std::fs::read(s4["path"].as_str().unwrap()).unwrap();
    let hlen = u32::from_be_bytes(sealed4[11..15].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&sealed4[15..15 + hlen]).unwrap();
    assert_eq!(
        header["recipients"].as_array().unwrap().len(),
        1,
        "{header}"
    );
    assert_eq!(header["recipients"][0]["node_id"], "32.02");
    // `kriptogram copy` (what `seal --out` uses) brings the outbox copy through the node, written 0600
    // even under umask 000, and never over an existing file.
    let name = std::path::Path::new(s4["path"].as_str().unwrap())
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let copy = work.path().join("salinan.kgm");
    let run_umask0 = |args: &[&str]| {
        use std::os::unix::process::CommandExt;
        let mut c = a.cmd();
        c.args(args);
        // SAFETY: umask(2) only, between fork and exec.
        unsafe {
            c.pre_exec(|| {
                libc::umask(0);
                Ok(())
            });
        }
        c.output().unwrap()
    };
    let o = run_umask0(&["kriptogram", "copy", &name, "--out", copy.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert_eq!(
        std::fs::read(&copy).unwrap(),
        std::fs::read(s4["path"].as_str().unwrap()).unwrap()
    );
    let o = run_umask0(&["kriptogram", "copy", &name, "--out", copy.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("never overwrites"), "{}", stderr(&o));
    assert_eq!(s4["entry"]["nomor_agenda"], 4);
    let r = c.json(&["kriptogram", "open", s4["path"].as_str().unwrap()]);
    assert_eq!(r["results"][0]["entry"]["perihal"], "Laporan bulanan");
    assert_eq!(r["results"][0]["entry"]["klasifikasi"], "Terbatas");
    // Sealing that entry again reads the letter back out of the first .kgm (the archive stanza).
    let s5 = seal_draft(None);
    let r5 = c.json(&["kriptogram", "open", s5["path"].as_str().unwrap()]);
    assert_eq!(
        r5["results"][0]["entry"]["attachments"][0]["sha256"], sha,
        "{r5}"
    );
    // A Rahasia letter is forwarded through an approved draft (issue 14).
    let o = b.kasa(&[
        "kriptogram",
        "seal",
        "--entry",
        &entry_b.to_string(),
        "--to",
        "32",
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--dari"), "{}", stderr(&o));
    let draft = b.json(&[
        "keluar",
        "new",
        "--kriptogram",
        "--dari",
        &entry_b.to_string(),
    ]);
    let did = draft["id"].as_u64().unwrap().to_string();
    assert_eq!(draft["klasifikasi"], "Rahasia");
    b.ok(&["keluar", "paraf", &did]);
    b.ok(&["keluar", "ttd", &did]);
    let fwd = b.json(&["kriptogram", "seal", "--entry", &did, "--to", "32"]);
    assert_eq!(fwd["entry"]["book"], "kriptogram-keluar");
    assert_ne!(fwd["entry"]["id"], entry_b);
    let r = a.json(&["kriptogram", "open", fwd["path"].as_str().unwrap()]);
    let e = &r["results"][0]["entry"];
    assert_eq!(e["asal"], "Diskominfo Kabupaten Bogor");
    assert_eq!(e["attachments"][1]["sha256"], want2.as_str());

    // A bit flipped in the ciphertext: bad signature, refused with its class.
    let mut bytes = std::fs::read(&kgm).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    let tampered = work.path().join("tampered.kgm");
    std::fs::write(&tampered, bytes).unwrap();
    let o = b.kasa(&["kriptogram", "open", tampered.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = std::fs::read_to_string(b.data.join("ingest/failed/tampered.kgm.error.txt")).unwrap();
    assert!(err.contains("class: bad_signature"), "{err}");

    // Break-glass: the exported age identity opens the extracted inner part.
    let ident = b.ok(&[
        "identity",
        "export-age",
        "--passphrase-file",
        b.pass.to_str().unwrap(),
    ]);
    assert!(ident.trim().starts_with("AGE-SECRET-KEY-1"));
    let inner = work.path().join("inner.age");
    b.ok(&[
        "kriptogram",
        "extract-age",
        kgm.to_str().unwrap(),
        inner.to_str().unwrap(),
    ]);
    let id = kasa::crypto::Identity::parse(ident.trim()).unwrap();
    let payload = work.path().join("payload");
    kasa::crypto::age::decrypt_to_path(
        std::fs::File::open(&inner).unwrap(),
        std::slice::from_ref(&id),
        &payload,
    )
    .unwrap();
    assert!(
        std::fs::read(&payload)
            .unwrap()
            .starts_with(b"KASA-KGM-PAYLOAD/2\n")
    );
    // …and so does the reference `age` tool (docs/kriptogram.md §7), when installed.
    if Command::new("age").arg("--version").output().is_ok() {
        let idf = work.path().join("identity.txt");
        std::fs::write(&idf, &ident).unwrap();
        std::fs::set_permissions(&idf, std::fs::Permissions::from_mode(0o600)).unwrap();
        let by_tool = work.path().join("payload-age");
        let o = Command::new("age")
            .arg("-d")
            .arg("-i")
            .arg(&idf)
            .arg("-o")
            .arg(&by_tool)
            .arg(&inner)
            .output()
            .unwrap();
        assert!(o.status.success(), "age -d: {}", stderr(&o));
        assert_eq!(
            std::fs::read(&by_tool).unwrap(),
            std::fs::read(&payload).unwrap()
        );
    } else {
        eprintln!("`age` not installed: break-glass with the reference tool not exercised");
    }
    let tail = b.json(&["audit", "tail", "-n", "50"]);
    assert!(
        tail.as_array()
            .unwrap()
            .iter()
            .any(|r| r["action"] == "identity.export")
    );

    // Audit chains intact everywhere.
    for n in [&a, &b, &c] {
        let r = n.json(&["audit", "verify"]);
        assert_eq!(r["ok"], true, "{}: {r}", n.id);
    }
}

#[test]
fn locked_node_refuses_seal_and_open() {
    let n = {
        let mut n = Node::new("51.01", "Diskominfo Kabupaten Jembrana");
        // Restart without the passphrase: locked.
        n.ok(&["node", "stop"]);
        if let Some(mut ch) = n.child.take() {
            let _ = ch.wait();
        }
        let child = n
            .cmd()
            .args(["node", "--foreground"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        n.child = Some(child);
        let sock = n.data.join("node.sock");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::os::unix::net::UnixStream::connect(&sock).is_err() {
            assert!(Instant::now() < deadline);
            std::thread::sleep(Duration::from_millis(50));
        }
        n
    };
    let f = n.data.join("x.txt");
    std::fs::write(&f, "x").unwrap();
    let o = n.kasa(&[
        "kriptogram",
        "seal",
        "--to",
        "52",
        "--perihal",
        "x",
        "--klasifikasi",
        "B",
        f.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--passphrase-file"), "{}", stderr(&o));
    // A wrong passphrase file mode is refused at init.
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("pass");
    std::fs::write(&p, "abc").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = Command::new(BIN)
        .arg("--data-dir")
        .arg(tmp.path().join("d"))
        .arg("--config-dir")
        .arg(tmp.path().join("c"))
        .env_remove("KASA_SOCKET")
        .args([
            "init",
            "--kualifikasi",
            "tingkat_ii",
            "--node-id",
            "9",
            "--name",
            "x",
            "--passphrase-file",
            p.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(stderr(&o).contains("chmod 600"), "{}", stderr(&o));
    assert!(!tmp.path().join("d/kasa.redb").exists());
}

#[test]
fn init_without_terminal_or_passphrase_file_defers_the_identity() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(BIN)
            .arg("--data-dir")
            .arg(tmp.path().join("d"))
            .arg("--config-dir")
            .arg(tmp.path().join("c"))
            .env_remove("KASA_SOCKET")
            .env("KASA_LOG", "warn")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let o = run(&[
        "init",
        "--kualifikasi",
        "tingkat_ii",
        "--node-id",
        "63.01",
        "--name",
        "Diskominfo Uji",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("kasa identity create"),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("d/keys/node.keystore").exists());
    assert!(!run(&["identity", "card"]).status.success());
    let p = tmp.path().join("pass");
    std::fs::write(&p, "frasa sandi uji").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = run(&[
        "identity",
        "create",
        "--insecure-fast-kdf",
        "--passphrase-file",
        p.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["identity", "card"]);
    assert!(o.status.success());
    let card = kasa::crypto::NodeCard::parse(&String::from_utf8(o.stdout).unwrap()).unwrap();
    assert_eq!(card.node_id, "63.01");
    // Never twice.
    let o = run(&[
        "identity",
        "create",
        "--passphrase-file",
        p.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
}

/// Files reach the node as descriptors (SCM_RIGHTS), not base64 in a frame: a 100 MiB letter, over
/// the 96 MiB frame cap that bounded the old path, seals on A and opens on B through the CLI with the
/// same bytes; a request that names a descriptor it did not send is refused with the counts, and the
/// connection stays usable.
#[test]
fn a_letter_over_the_frame_cap_travels_as_a_descriptor() {
    let work = tempfile::tempdir().unwrap();
    let a = Node::new("33", "Dinas Kominfo Provinsi Jawa Tengah");
    let b = Node::new("33.01", "Diskominfo Kabupaten Cilacap");
    let (ca, cb) = (a.card_file(work.path()), b.card_file(work.path()));
    a.ok(&[
        "peer",
        "add",
        cb.to_str().unwrap(),
        "--relation",
        "kab-kota",
    ]);
    a.ok(&["peer", "verify", "33.01", "--confirm"]);
    b.ok(&[
        "peer",
        "add",
        ca.to_str().unwrap(),
        "--relation",
        "provinsi",
    ]);
    b.ok(&["peer", "verify", "33", "--confirm"]);

    // 100 MiB of non-repeating bytes (a counter through SHA-256), written in 1 MiB steps.
    let big = work.path().join("peta-wilayah.bin");
    let mut want = Sha256::new();
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
        for i in 0u32..100 {
            let mut chunk = Vec::with_capacity(1 << 20);
            let mut k = 0u32;
            while chunk.len() < 1 << 20 {
                chunk.extend_from_slice(&Sha256::digest(
                    [i.to_be_bytes(), k.to_be_bytes()].concat(),
                ));
                k += 1;
            }
            want.update(&chunk);
            f.write_all(&chunk).unwrap();
        }
    }
    let want = hex::encode(want.finalize());
    let id = approved_draft(
        &a,
        &[
            "--perihal",
            "Peta wilayah rawan bencana",
            "--klasifikasi",
            "R",
        ],
    );
    let sealed = a.json(&[
        "kriptogram",
        "seal",
        "--entry",
        &id,
        "--to",
        "33.01",
        "--out",
        work.path().join("peta.kgm").to_str().unwrap(),
        big.to_str().unwrap(),
    ]);
    let kgm = PathBuf::from(sealed["path"].as_str().unwrap());
    assert!(sealed["size"].as_u64().unwrap() > 100 << 20, "{sealed}");
    // The --out copy (over the old 96 MiB frame cap) came through a descriptor, 0600, identical.
    let copy = work.path().join("peta.kgm");
    assert_eq!(sealed["copy"].as_str(), copy.to_str());
    assert_eq!(
        std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        sha_hex(&std::fs::read(&copy).unwrap()),
        sealed["sha256"].as_str().unwrap()
    );
    assert_eq!(
        std::fs::metadata(&kgm).unwrap().len(),
        std::fs::metadata(&copy).unwrap().len()
    );
    let v = b.json(&["kriptogram", "verify", copy.to_str().unwrap()]);
    assert_eq!(v["sender"], "33", "{v}");
    let opened = b.json(&["kriptogram", "open", copy.to_str().unwrap()]);
    assert_eq!(opened["results"][0]["outcome"], "new", "{opened}");
    let att = &opened["results"][0]["entry"]["attachments"][0];
    assert_eq!(att["name"], "peta-wilayah.bin");
    assert_eq!(att["size"].as_u64(), Some(100 << 20));
    assert_eq!(att["sha256"], want);

    // A request naming a descriptor that did not come: refused with the counts, connection lives.
    let mut p = b
        .cmd()
        .args(["request"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut i = p.stdin.take().unwrap();
        writeln!(
            i,
            r#"{{"type":"kriptogram_verify","name":"x.kgm","fd":true}}"#
        )
        .unwrap();
        writeln!(i, r#"{{"type":"status"}}"#).unwrap();
    }
    let out = p.wait_with_output().unwrap();
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].to_string().contains("bad_request") && lines[0].to_string().contains("0 arrived"),
        "{}",
        lines[0]
    );
    assert!(lines[1].to_string().contains("node_id"), "{}", lines[1]);
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                files_under(&p, out);
            } else {
                out.push(p);
            }
        }
    }
}

/// A tampered `.kgm` opened through the node, by `kasa kriptogram open` (a descriptor read in place)
/// and from the drop folder, is refused as a bad signature; the decryption of the chunks before the
/// damage leaves no plaintext anywhere in the data directory (no temporary file, no blob, no entry).
#[test]
fn a_tampered_kriptogram_through_the_node_leaves_no_plaintext() {
    let work = tempfile::tempdir().unwrap();
    let a = Node::new("34", "Dinas Kominfo Provinsi Jawa Timur");
    let b = Node::new("34.01", "Diskominfo Kabupaten Malang");
    let (ca, cb) = (a.card_file(work.path()), b.card_file(work.path()));
    a.ok(&[
        "peer",
        "add",
        cb.to_str().unwrap(),
        "--relation",
        "kab-kota",
    ]);
    a.ok(&["peer", "verify", "34.01", "--confirm"]);
    b.ok(&[
        "peer",
        "add",
        ca.to_str().unwrap(),
        "--relation",
        "provinsi",
    ]);
    b.ok(&["peer", "verify", "34", "--confirm"]);
    // Several STREAM chunks, so the chunks before the damage decrypt and authenticate.
    let plain: Vec<u8> = (0u32..80_000)
        .flat_map(|i| Sha256::digest(i.to_be_bytes())[..4].to_vec())
        .collect();
    let letter = work.path().join("rahasia.bin");
    std::fs::write(&letter, &plain).unwrap();
    let s = a.json(&[
        "kriptogram",
        "seal",
        "--to",
        "34.01",
        "--perihal",
        "Surat yang dirusak",
        "--klasifikasi",
        "B",
        letter.to_str().unwrap(),
    ]);
    let mut bytes = std::fs::read(s["path"].as_str().unwrap()).unwrap();
    let at = bytes.len() * 3 / 4;
    bytes[at] ^= 0x10;
    let tampered = work.path().join("rusak.kgm");
    std::fs::write(&tampered, &bytes).unwrap();

    let o = b.kasa(&["kriptogram", "open", tampered.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = std::fs::read_to_string(b.data.join("ingest/failed/rusak.kgm.error.txt")).unwrap();
    assert!(err.contains("class: bad_signature"), "{err}");

    let dropped = b.data.join("drop/rusak-lagi.kgm");
    let part = b.data.join("drop/rusak-lagi.kgm.part");
    std::fs::write(&part, &bytes).unwrap();
    std::fs::rename(&part, &dropped).unwrap();
    let side = b.data.join("ingest/failed/rusak-lagi.kgm.error.txt");
    let deadline = Instant::now() + Duration::from_secs(30);
    // The refusal writes its sidecar first, then moves the file out of the drop folder.
    while !side.exists() || dropped.exists() {
        assert!(
            Instant::now() < deadline,
            "the dropped .kgm was not refused and moved out of the drop folder"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let err = std::fs::read_to_string(&side).unwrap();
    assert!(err.contains("bad_signature"), "{err}");

    let mut all = Vec::new();
    files_under(&b.data, &mut all);
    for p in &all {
        let name = p.to_string_lossy();
        assert!(!name.contains("kasa-tmp"), "temporary file left: {name}");
        assert!(
            !p.starts_with(b.data.join("ingest/staging")),
            "staging not empty: {name}"
        );
        if std::fs::metadata(p).is_ok_and(|m| m.len() == plain.len() as u64) {
            assert_ne!(std::fs::read(p).unwrap(), plain, "plaintext left in {name}");
        }
    }
    let want = sha_hex(&plain);
    assert!(!all.iter().any(|p| p.to_string_lossy().contains(&want)));
    let list = b.json(&["agenda", "list", "--book", "kriptogram-masuk"]);
    assert_eq!(
        list["entries"].as_array().map_or(0, |e| e.len()),
        0,
        "{list}"
    );
}
