//! Issue 11 §6, "self-proving records": every offline edit an attacker with the data directory (but not
//! the keystore passphrase) can make is caught, by `kasa audit verify` or at start. The attacker's edits
//! are made with redb itself on the real `kasa.redb` of a stopped node.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;
use kasa::domain::audit::AuditRecord;
use kasa::domain::{Entry, Klasifikasi, Operator, Role};
use kasa::store::codec;
use redb::{ReadableTable, TableDefinition};

const ENTRIES: TableDefinition<u64, &[u8]> = TableDefinition::new("entries");
const OPERATORS: TableDefinition<u32, &[u8]> = TableDefinition::new("operators");
const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit");
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// An unlocked node (fast test KDF) with an SR entry and a sandiman operator, stopped; returns it and a
/// copy of its database to restore before each edit.
fn prepared() -> (TestNode, PathBuf, u64) {
    let mut n = TestNode::init_with(|_| {});
    n.create_identity("frasa sandi yang cukup panjang untuk uji\n", true);
    n.start();
    let f = n.scratch().join("a.png");
    std::fs::write(&f, tiny_png(7)).unwrap();
    let v = n.json(&["ingest", "--json", f.to_str().unwrap()]);
    let id = v["results"][0]["outcome"]["id"].as_u64().unwrap();
    n.kasa_ok(&[
        "agenda",
        "register",
        &id.to_string(),
        "--perihal",
        "Rencana pengamanan jaringan",
        "--asal",
        "Diskominfo Provinsi",
        "--klasifikasi",
        "SR",
    ]);
    n.kasa_ok(&[
        "operator",
        "add",
        "--uid",
        "4100",
        "--username",
        "sari",
        "--nama",
        "Sari",
        "--role",
        "sandiman",
    ]);
    n.kasa_ok(&["audit", "verify"]);
    let st = n.terminate();
    assert!(st.success());
    let base = n.tmp.path().join("base.redb");
    std::fs::copy(n.db(), &base).unwrap();
    (n, base, id)
}

fn with_db(path: &Path, f: impl FnOnce(&redb::WriteTransaction)) {
    let db = redb::Database::open(path).unwrap();
    let tx = db.begin_write().unwrap();
    f(&tx);
    tx.commit().unwrap();
}

fn edit_entry(path: &Path, id: u64, f: impl FnOnce(&mut Entry)) {
    with_db(path, |tx| {
        let mut t = tx.open_table(ENTRIES).unwrap();
        let mut e: Entry = codec::decode(t.get(id).unwrap().unwrap().value()).unwrap();
        f(&mut e);
        t.insert(id, codec::encode(&e).as_slice()).unwrap();
    });
}

/// Starts the node on the edited database and runs `audit verify`; returns (started, verify problem).
fn verify_after(n: &mut TestNode) -> String {
    n.start();
    let o = n.kasa(&["audit", "verify", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
    n.kill9();
    assert!(!o.status.success(), "audit verify passed: {}", describe(&o));
    assert_eq!(v["ok"], false, "{v}");
    v["problem"].as_str().unwrap_or_default().to_string()
}

fn start_refused(n: &TestNode) -> String {
    let o = n.kasa(&["node", "--foreground"]);
    assert!(!o.status.success(), "the node started: {}", describe(&o));
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn offline_edits_are_caught() {
    let (mut n, base, id) = prepared();
    let cp = n.data.join("keys/audit.checkpoint");
    let base_cp = n.tmp.path().join("base.checkpoint");
    std::fs::copy(&cp, &base_cp)
        .expect("an unlocked node keeps its last checkpoint outside the database");
    // The database and the checkpoint file as they were (each run below signs newer checkpoints).
    let restore = |n: &TestNode| {
        std::fs::copy(&base, n.db()).unwrap();
        std::fs::copy(&base_cp, n.data.join("keys/audit.checkpoint")).unwrap();
    };

    // A perihal changed.
    restore(&n);
    edit_entry(&n.db(), id, |e| e.perihal = "Undangan makan siang".into());
    let p = verify_after(&mut n);
    assert!(p.contains(&format!("entry:{id}")), "{p}");

    // An SR entry downgraded to Biasa.
    restore(&n);
    edit_entry(&n.db(), id, |e| e.klasifikasi = Some(Klasifikasi::Biasa));
    let p = verify_after(&mut n);
    assert!(p.contains(&format!("entry:{id}")), "{p}");

    // A sandiman raised to admin.
    restore(&n);
    with_db(&n.db(), |tx| {
        let mut t = tx.open_table(OPERATORS).unwrap();
        let mut o: Operator = codec::decode(t.get(4100).unwrap().unwrap().value()).unwrap();
        o.role = Role::Admin;
        t.insert(4100, codec::encode(&o).as_slice()).unwrap();
    });
    let p = verify_after(&mut n);
    assert!(p.contains("operator:4100"), "{p}");

    // A record deleted and the chain re-sealed after it (an unkeyed chain would verify).
    restore(&n);
    with_db(&n.db(), |tx| {
        let mut t = tx.open_table(AUDIT).unwrap();
        let recs = all_records(&t);
        let victim = recs.iter().position(|r| r.action == "node.start").unwrap();
        let last = recs.last().unwrap().seq;
        let mut prev = hex::decode(&recs[victim].prev_hash)
            .unwrap()
            .try_into()
            .unwrap();
        for r in recs.iter().skip(victim + 1) {
            let mut r = r.clone();
            r.seq -= 1;
            prev = r.seal(&prev);
            t.insert(r.seq, codec::encode(&r).as_slice()).unwrap();
        }
        t.remove(last).unwrap();
        let mut head = (last - 1).to_be_bytes().to_vec();
        head.extend_from_slice(&prev);
        tx.open_table(META)
            .unwrap()
            .insert("audit_head", head.as_slice())
            .unwrap();
    });
    let err = start_refused(&n);
    assert!(err.contains("checkpoint"), "{err}");
    // Without the checkpoint file, the checkpoints kept in the database still refuse it.
    std::fs::remove_file(n.data.join("keys/audit.checkpoint")).unwrap();
    let err = start_refused(&n);
    assert!(err.contains("checkpoint"), "{err}");

    // The audit head removed: the node refuses to start (it used to write new records over seq 1…),
    // naming the last signed checkpoint.
    restore(&n);
    n.start();
    n.kill9();
    std::fs::copy(n.db(), &base).unwrap();
    std::fs::copy(&cp, &base_cp).unwrap();
    with_db(&n.db(), |tx| {
        tx.open_table(META).unwrap().remove("audit_head").unwrap();
    });
    let err = start_refused(&n);
    assert!(
        err.contains("audit head is missing") && err.contains("signed"),
        "{err}"
    );

    // A database rolled back to an older copy: refused, naming the checkpoint.
    let older = n.tmp.path().join("older.redb");
    restore(&n);
    std::fs::copy(n.db(), &older).unwrap();
    n.start();
    n.kasa_ok(&["agenda", "note", &id.to_string(), "catatan baru"]);
    assert!(wait_until(Duration::from_secs(10), || {
        let v = n.json(&["audit", "verify", "--json"]);
        v["signed_seq"] == v["head_seq"]
    }));
    n.kill9();
    std::fs::copy(&older, n.db()).unwrap();
    let err = start_refused(&n);
    assert!(
        err.contains("rolled back") && err.contains("checkpoint"),
        "{err}"
    );
}

/// A blob replaced in the blob store is refused when read (re-hashed), with an alarm.
#[test]
fn a_substituted_blob_is_refused() {
    let n = TestNode::start_new();
    let f = n.scratch().join("a.png");
    std::fs::write(&f, tiny_png(1)).unwrap();
    let v = n.json(&["ingest", "--json", f.to_str().unwrap()]);
    let id = v["results"][0]["outcome"]["id"]
        .as_u64()
        .unwrap()
        .to_string();
    let sha = sha256_hex(&tiny_png(1));
    let blob = n.data.join("blobs").join(&sha[..2]).join(&sha);
    std::fs::write(&blob, tiny_png(2)).unwrap();
    let out = n.tmp.path().join("out.png");
    let o = n.kasa(&["agenda", "export", &id, "--out", out.to_str().unwrap()]);
    assert!(
        !o.status.success(),
        "served a substituted blob: {}",
        describe(&o)
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("SHA-256"),
        "{}",
        describe(&o)
    );
    assert!(!out.exists(), "nothing written");
    assert!(
        n.alarms().iter().any(|a| a["kind"] == "integrity.blob"),
        "{:?}",
        n.alarms()
    );
}

/// Every audit record of the open table, in seq order.
fn all_records(t: &redb::Table<u64, &[u8]>) -> Vec<AuditRecord> {
    t.iter()
        .unwrap()
        .map(|r| codec::decode(r.unwrap().1.value()).unwrap())
        .collect()
}

/// Rewrites the audit chain of a stopped node the way kasa wrote it before row digests (schema 1): an
/// ingest record named the file's content hash only, an alarm record named no row. The chain is
/// re-sealed from genesis and there is no signed checkpoint (older kasa signed none).
fn make_it_schema_1(n: &TestNode) {
    const CHECKPOINTS: TableDefinition<u64, &[u8]> = TableDefinition::new("audit_checkpoints");
    with_db(&n.db(), |tx| {
        let mut t = tx.open_table(AUDIT).unwrap();
        let recs = all_records(&t);
        let mut prev = kasa::domain::GENESIS_HASH;
        let mut last = 0;
        for mut rec in recs {
            let items: Vec<String> = rec
                .digest
                .split(',')
                .filter(|i| !i.is_empty())
                .filter_map(|i| match i.split_once('=') {
                    Some((o, d)) if o.starts_with("alarm:") => Some(d.to_string()),
                    Some((o, _))
                        if o.starts_with("entry:") && rec.action.starts_with("ingest.") =>
                    {
                        None
                    }
                    _ => Some(i.to_string()),
                })
                .collect();
            rec.digest = items.join(",");
            prev = rec.seal(&prev);
            last = rec.seq;
            t.insert(rec.seq, codec::encode(&rec).as_slice()).unwrap();
        }
        let mut head = last.to_be_bytes().to_vec();
        head.extend_from_slice(&prev);
        let mut meta = tx.open_table(META).unwrap();
        meta.insert("audit_head", head.as_slice()).unwrap();
        meta.insert("schema_version", 1u64.to_be_bytes().as_slice())
            .unwrap();
        drop(meta);
        drop(t);
        tx.delete_table(CHECKPOINTS).unwrap();
    });
    let _ = std::fs::remove_file(n.data.join("keys/audit.checkpoint"));
}

/// Data written before row digests (an older data directory or a restored older backup) passes `audit
/// verify` after the node's migration records a signed baseline of its rows, and an offline edit made
/// after the baseline is still caught.
#[test]
fn older_data_gets_a_signed_row_baseline_at_start() {
    let (mut n, _base, registered) = prepared();
    // One entry that stays untriaged (its only record is the ingest) and one unacknowledged alarm.
    n.start();
    let f = n.scratch().join("b.png");
    std::fs::write(&f, tiny_png(8)).unwrap();
    let v = n.json(&["ingest", "--json", f.to_str().unwrap()]);
    let baru = v["results"][0]["outcome"]["id"].as_u64().unwrap();
    std::fs::write(n.drop_dir().join("rusak.pdf"), b"bukan pdf sama sekali").unwrap();
    assert!(
        wait_until(Duration::from_secs(20), || !n.alarms().is_empty()),
        "the refused file raises an alarm"
    );
    let alarm = n.alarms()[0]["id"].as_u64().unwrap();
    assert!(n.terminate().success());
    make_it_schema_1(&n);

    // The node migrates at start: a store.baseline record names exactly the rows older kasa left
    // unnamed, then the unlocked node signs a checkpoint over it.
    n.start();
    let o = n.kasa(&["audit", "verify", "--json"]);
    assert!(o.status.success(), "audit verify: {}", describe(&o));
    let tail = n.audit_tail(50);
    let base = tail
        .iter()
        .find(|r| r["action"] == "store.baseline")
        .unwrap_or_else(|| panic!("no store.baseline record: {tail:?}"));
    let digest = base["digest"].as_str().unwrap();
    assert!(digest.contains(&format!("entry:{baru}=")), "{digest}");
    assert!(digest.contains(&format!("alarm:{alarm}=")), "{digest}");
    assert!(
        !digest.contains(&format!("entry:{registered}=")),
        "a row its own record already proves is not re-baselined: {digest}"
    );
    assert!(
        tail.iter().any(|r| r["action"] == "store.migrate"
            && r["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("1 → {}", kasa::store::SCHEMA_VERSION))),
        "{tail:?}"
    );
    let base_seq = base["seq"].as_u64().unwrap();
    assert!(
        wait_until(Duration::from_secs(10), || {
            n.json(&["audit", "verify", "--json"])["signed_seq"]
                .as_u64()
                .is_some_and(|s| s >= base_seq)
        }),
        "a signed checkpoint covers the baseline"
    );
    assert!(
        n.data.join("kasa.redb.bak-v1").exists(),
        "copy before migration"
    );
    assert!(n.terminate().success());

    // An edit outside kasa after the baseline differs from it.
    edit_entry(&n.db(), baru, |e| {
        e.perihal = "disisipkan di luar kasa".into()
    });
    let problem = verify_after(&mut n);
    assert!(
        problem.contains(&format!(
            "entry:{baru} differs from what audit record {base_seq}"
        )),
        "{problem}"
    );
}

/// Probe 6.1b: a stored blob substituted on disk is never sealed into a kriptogram from its entry. The
/// one-pass seal hashes a stored blob again while it encrypts it; a mismatch is the `integrity` refusal
/// with an `integrity.blob` alarm, and no `.kgm` nor new entry is left.
#[test]
fn a_substituted_blob_is_not_sealed_into_a_kriptogram() {
    let (mut n, _base, _) = prepared();
    // A peer: a second initialised node (its public card is all the sender needs).
    let peer = tempfile::tempdir().unwrap();
    let pass = peer.path().join("pass");
    std::fs::write(&pass, "frasa sandi node mitra yang panjang\n").unwrap();
    std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_kasa"))
        .arg("--data-dir")
        .arg(peer.path().join("d"))
        .arg("--config-dir")
        .arg(peer.path().join("c"))
        .args([
            "init",
            "--kualifikasi",
            "tingkat_ii",
            "--node-id",
            "5102",
            "--name",
            "Diskominfo Kabupaten Mitra",
            "--insecure-fast-kdf",
            "--passphrase-file",
        ])
        .arg(&pass)
        .env_remove("KASA_SOCKET")
        .output()
        .unwrap();
    assert!(o.status.success(), "peer init: {}", describe(&o));
    let card = peer.path().join("d/keys/node.card.toml");
    n.start();
    n.kasa_ok(&[
        "peer",
        "add",
        card.to_str().unwrap(),
        "--relation",
        "kab-kota",
    ]);

    // A Biasa entry keeps its blob in plaintext in blobs/.
    let f = n.scratch().join("surat.png");
    std::fs::write(&f, tiny_png(21)).unwrap();
    let v = n.json(&["ingest", "--json", f.to_str().unwrap()]);
    let id = v["results"][0]["outcome"]["id"]
        .as_u64()
        .unwrap()
        .to_string();
    n.kasa_ok(&[
        "agenda",
        "register",
        &id,
        "--perihal",
        "Jadwal pemeliharaan peralatan sandi",
        "--asal",
        "Diskominfo Provinsi",
        "--klasifikasi",
        "Biasa",
    ]);
    let seal = [
        "kriptogram",
        "seal",
        "--entry",
        &id,
        "--to",
        "5102",
        "--yes-unverified",
        "--json",
    ];
    // The untouched blob seals (the setup works).
    n.kasa_ok(&seal);
    let outbox = n.data.join("outbox");
    let kgm_files = || {
        names_in(&outbox)
            .into_iter()
            .filter(|f| f.ends_with(".kgm"))
            .count()
    };
    let (kgms, entries) = (kgm_files(), n.entries().len());
    assert_eq!(kgms, 1, "{:?}", names_in(&outbox));

    // Substituted on disk: same name, other bytes.
    let sha = sha256_hex(&tiny_png(21));
    let blob = n.data.join("blobs").join(&sha[..2]).join(&sha);
    assert!(blob.exists(), "a Biasa blob is stored in plaintext");
    std::fs::write(&blob, tiny_png(22)).unwrap();
    let o = n.kasa(&seal);
    assert!(
        !o.status.success(),
        "sealed a substituted blob: {}",
        describe(&o)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("SHA-256") && err.contains(&sha) && err.contains("restore it from a backup"),
        "{}",
        describe(&o)
    );
    assert!(
        n.alarms()
            .iter()
            .any(|a| a["kind"] == "integrity.blob" && a["object"] == format!("blob:{sha}")),
        "{:?}",
        n.alarms()
    );
    assert_eq!(
        kgm_files(),
        kgms,
        "no kriptogram left: {:?}",
        names_in(&outbox)
    );
    assert_eq!(n.entries().len(), entries, "no new kriptogram-keluar entry");
    n.kasa_ok(&["audit", "verify"]);
}
