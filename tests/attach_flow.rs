//! `kasa agenda attach` (issue 14) on a real node: a 200 MB file handed as a descriptor goes
//! through with bounded node memory and is stored encrypted at rest on a Rahasia entry; sealing that
//! entry to a peer stays bounded too; the refusals name the problem and what to do; `--kind`
//! shows as `jenis`.

mod common;

use std::fs;
use std::io::Write;
use std::path::Path;

use common::{TestNode, describe};
use sha2::{Digest, Sha256};

const MIB: u64 = 1 << 20;

/// `VmRSS` and `VmHWM` (bytes) of process `pid`, from `/proc/PID/status`.
fn rss_hwm(pid: u32) -> (u64, u64) {
    let s = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb = |key: &str| -> u64 {
        s.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{key} missing in /proc/{pid}/status"))
    };
    (kb("VmRSS:") * 1024, kb("VmHWM:") * 1024)
}

/// Resets the peak RSS (`VmHWM`) of `pid` to its current RSS (`echo 5 > /proc/PID/clear_refs`), so
/// the next peak is the request's own. Returns the RSS at that moment.
fn reset_peak(pid: u32) -> u64 {
    fs::write(format!("/proc/{pid}/clear_refs"), "5").unwrap();
    rss_hwm(pid).0
}

/// Writes `blocks` MiB of real (non-sparse) data: a pseudo-random 1 MiB block, each copy stamped
/// with its index. Returns the SHA-256 (hex) and the first 4 KiB.
fn write_big(path: &Path, blocks: u64) -> (String, Vec<u8>) {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut block = vec![0u8; MIB as usize];
    for c in block.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        c.copy_from_slice(&x.to_le_bytes()[..c.len()]);
    }
    let mut f = fs::File::create(path).unwrap();
    let mut h = Sha256::new();
    let mut head = Vec::new();
    for i in 0..blocks {
        block[..8].copy_from_slice(&i.to_le_bytes());
        if i == 0 {
            head = block[..4096].to_vec();
        }
        h.update(&block);
        f.write_all(&block).unwrap();
    }
    f.sync_all().unwrap();
    (hex::encode(h.finalize()), head)
}

fn keluar_draft(n: &TestNode, klasifikasi: &str, nomor: &str) -> u64 {
    let v = n.json(&[
        "keluar",
        "new",
        "--perihal",
        "Laporan triwulan persandian",
        "--klasifikasi",
        klasifikasi,
        "--nomor-surat",
        nomor,
        "--tanggal-surat",
        "2026-06-01",
        "--tujuan",
        "BSSN",
        "--json",
    ]);
    v["id"].as_u64().unwrap_or_else(|| panic!("no id in {v}"))
}

#[test]
fn a_200_mb_attachment_and_its_seal_stay_within_64_mib_of_node_memory_encrypted_at_rest() {
    let mut a = TestNode::init_with(|t| {
        t["ingest"]["max_bytes"] = toml::Value::Integer(256 * MIB as i64);
    });
    a.create_identity("frasa sandi node A yang panjang", true);
    a.start();
    let mut b = TestNode::init_id("5102", |_| {});
    b.create_identity("frasa sandi node B yang panjang", true);
    b.start();
    let card = a.scratch().join("5102.card.toml");
    fs::write(&card, b.kasa_ok(&["identity", "card"])).unwrap();
    a.kasa_ok(&["peer", "add", card.to_str().unwrap(), "--relation", "pusat"]);
    a.kasa_ok(&["peer", "verify", "5102", "--confirm"]);

    let id = keluar_draft(&a, "R", "005/777/Diskominfo");
    let big = a.scratch().join("lampiran-besar.pdf");
    let (sha, head) = write_big(&big, 200);
    let pid = a.pid();

    let idle = reset_peak(pid);
    let e = a.json(&[
        "agenda",
        "attach",
        &id.to_string(),
        big.to_str().unwrap(),
        "--json",
    ]);
    let (_, peak) = rss_hwm(pid);
    eprintln!(
        "attach 200 MiB: node VmRSS idle {} KiB, VmHWM after {} KiB, growth {} KiB",
        idle / 1024,
        peak / 1024,
        peak.saturating_sub(idle) / 1024
    );
    assert!(
        peak.saturating_sub(idle) < 64 * MIB,
        "node memory grew by {} MiB attaching 200 MB",
        peak.saturating_sub(idle) / MIB
    );
    assert_eq!(e["id"], id);

    let shown = a.json(&["agenda", "show", &id.to_string(), "--json"]);
    let atts = shown["attachments"].as_array().unwrap();
    assert_eq!(atts.len(), 1, "{shown}");
    assert_eq!(atts[0]["sha256"], sha.as_str());
    assert_eq!(atts[0]["size"], 200 * MIB);
    assert_eq!(atts[0]["name"], "lampiran-besar.pdf");
    assert_eq!(atts[0]["encrypted_at_rest"], true);
    assert!(
        atts[0].get("jenis").is_none(),
        "surat is the default: {shown}"
    );
    let events: Vec<_> = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "dilampirkan")
        .collect();
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0]["detail"],
        "lampiran-besar.pdf (surat) dilampirkan"
    );
    // On disk: only the age file, 0600, not the plaintext.
    let dir = a.data.join("blobs").join(&sha[..2]);
    assert!(!dir.join(&sha).exists(), "a plaintext blob was written");
    let enc = dir.join(format!("{sha}.age"));
    let md = fs::metadata(&enc).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&md.permissions()) & 0o777,
        0o600
    );
    assert!(md.len() > 200 * MIB);
    let mut start = vec![0u8; 1 << 20];
    std::io::Read::read_exact(&mut fs::File::open(&enc).unwrap(), &mut start).unwrap();
    assert!(start.starts_with(b"age-encryption.org/v1\n"));
    assert!(
        !start.windows(64).any(|w| w == &head[..64]),
        "plaintext bytes found in the stored blob"
    );
    assert!(
        common::names_in(&a.ingest_dir("staging")).is_empty(),
        "staging left behind"
    );
    let audit = a.audit_tail(5);
    assert!(
        audit.iter().any(|r| r["action"] == "agenda.attach"),
        "{audit:?}"
    );

    // Sealing that entry to a peer: the encrypted blob is decrypted as it is sealed, one pass. A
    // Rahasia letter is approved first (issue 14; the admin stands in for Kasi and Kadis here).
    a.kasa_ok(&["keluar", "paraf", &id.to_string()]);
    a.kasa_ok(&["keluar", "ttd", &id.to_string()]);
    let idle = reset_peak(pid);
    let s = a.json(&[
        "kriptogram",
        "seal",
        "--entry",
        &id.to_string(),
        "--to",
        "5102",
        "--json",
    ]);
    let (_, peak) = rss_hwm(pid);
    eprintln!(
        "seal 200 MiB: node VmRSS idle {} KiB, VmHWM after {} KiB, growth {} KiB",
        idle / 1024,
        peak / 1024,
        peak.saturating_sub(idle) / 1024
    );
    assert!(
        peak.saturating_sub(idle) < 64 * MIB,
        "node memory grew by {} MiB sealing 200 MB",
        peak.saturating_sub(idle) / MIB
    );
    assert!(s["size"].as_u64().unwrap() > 200 * MIB, "{s}");
    assert_eq!(s["entry"]["attachments"][0]["sha256"], sha.as_str());
    assert_eq!(s["entry"]["attachments"][0]["encrypted_at_rest"], true);
}

#[test]
fn attach_refusals_name_the_problem_and_kind_shows_as_jenis() {
    let n = TestNode::start_with(|t| {
        t["ingest"]["max_bytes"] = toml::Value::Integer(4096);
    });
    let dir = n.scratch();
    let ok = dir.join("jurnal.pdf");
    fs::write(&ok, common::tiny_pdf(1)).unwrap();
    let id = keluar_draft(&n, "B", "005/1/Uji");

    // --kind jurnal-faks: stored with its jenis, one event naming it.
    let e = n.json(&[
        "agenda",
        "attach",
        &id.to_string(),
        ok.to_str().unwrap(),
        "--kind",
        "jurnal-faks",
        "--json",
    ]);
    assert_eq!(e["attachments"][0]["jenis"], "jurnal-faks", "{e}");
    assert_eq!(e["attachments"][0]["mime"], "application/pdf");
    assert_eq!(e["attachments"][0]["encrypted_at_rest"], false);
    let shown = n.json(&["agenda", "show", &id.to_string(), "--json"]);
    assert_eq!(shown["attachments"][0]["jenis"], "jurnal-faks");
    assert!(
        shown["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["kind"] == "dilampirkan"
                && t["detail"] == "jurnal.pdf (jurnal-faks) dilampirkan"),
        "{shown}"
    );
    let sha = shown["attachments"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let blob = n.data.join("blobs").join(&sha[..2]).join(&sha);
    assert_eq!(fs::read(&blob).unwrap(), common::tiny_pdf(1));

    let refused = |args: &[&str], code: i32, want: &[&str]| {
        let o = n.kasa(args);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", describe(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        for w in want {
            assert!(err.contains(w), "{args:?}: {w:?} not in {err}");
        }
    };
    let ids = id.to_string();
    let okp = ok.to_str().unwrap();
    // Unknown entry.
    refused(
        &["agenda", "attach", "999", okp],
        1,
        &["entri 999 tidak ada", "kasa agenda list"],
    );
    // Unknown kind.
    refused(
        &["agenda", "attach", &ids, okp, "--kind", "faks"],
        2,
        &["jenis lampiran 'faks' tidak dikenal", "jurnal-faks"],
    );
    // Empty file.
    let empty = dir.join("kosong.pdf");
    fs::write(&empty, b"").unwrap();
    refused(
        &["agenda", "attach", &ids, empty.to_str().unwrap()],
        1,
        &["kosong.pdf", "berkas kosong (0 byte)"],
    );
    // Over ingest.max_bytes.
    let large = dir.join("besar.pdf");
    fs::write(&large, vec![b'x'; 5000]).unwrap();
    refused(
        &["agenda", "attach", &ids, large.to_str().unwrap()],
        1,
        &["besar.pdf", "5000 byte", "4096", "ingest.max_bytes"],
    );
    // More files than one request may carry.
    let many: Vec<String> = (0..17).map(|_| okp.to_string()).collect();
    let mut args = vec!["agenda", "attach", &ids];
    args.extend(many.iter().map(String::as_str));
    refused(&args, 1, &["17 berkas", "paling banyak 16"]);
    // The node itself refuses a request naming more files than one frame may carry (the CLI never
    // sends one): the rule and what to do, and the connection stays usable.
    {
        use kasa::proto::{ErrorCode, KgmFile, Request};
        use std::os::fd::AsFd;
        let mut c = kasa::client::Client::connect(&n.socket).unwrap();
        let files: Vec<KgmFile> = (0..17)
            .map(|i| KgmFile {
                name: format!("{i}.pdf"),
                fd: true,
                ..Default::default()
            })
            .collect();
        let f = fs::File::open(&ok).unwrap();
        let r = c.call_with_fds(
            Request::AgendaAttach {
                id,
                jenis: Default::default(),
                files,
            },
            &[f.as_fd()],
        );
        match r {
            Err(kasa::client::ClientError::Refused { code, message }) => {
                assert_eq!(code, ErrorCode::Rule);
                assert!(message.contains("paling banyak 16"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        // The client library (what the console calls): paths in, the updated entry out.
        let e = c
            .attach(
                id,
                kasa::domain::JenisLampiran::Resi,
                std::slice::from_ref(&ok),
            )
            .unwrap();
        assert_eq!(e.attachments.len(), 2);
        assert_eq!(e.attachments[1].jenis, kasa::domain::JenisLampiran::Resi);
        let missing = c.attach(id, Default::default(), &[dir.join("tidak-ada.pdf")]);
        assert!(
            matches!(&missing, Err(kasa::client::ClientError::Berkas(m)) if m.contains("tidak-ada.pdf")),
            "{missing:?}"
        );
    }
    // Nothing of the refused attempts was added (the second attachment is the library's).
    let shown = n.json(&["agenda", "show", &ids, "--json"]);
    assert_eq!(shown["attachments"].as_array().unwrap().len(), 2);

    // A void entry and a duplicate take no attachments.
    let void = keluar_draft(&n, "B", "005/2/Uji");
    n.kasa_ok(&[
        "agenda",
        "void",
        &void.to_string(),
        "--reason",
        "salah ketik",
    ]);
    refused(
        &["agenda", "attach", &void.to_string(), okp],
        1,
        &["sudah dibatalkan (batal)", "entri penggantinya"],
    );
    let scan = n.scratch().join("scan.pdf");
    fs::write(&scan, common::tiny_pdf(7)).unwrap();
    n.kasa_ok(&["ingest", scan.to_str().unwrap()]);
    n.kasa_ok(&["ingest", scan.to_str().unwrap()]);
    let dup = n
        .entries()
        .into_iter()
        .find(|e| e["status"] == "duplikat")
        .expect("a duplicate entry");
    let first = dup["duplicate_of"].as_u64().unwrap();
    refused(
        &["agenda", "attach", &dup["id"].to_string(), okp],
        1,
        &["duplikat dari entri", &first.to_string()],
    );
    // A masuk entry takes a later page.
    let e = n.json(&[
        "agenda",
        "attach",
        &first.to_string(),
        okp,
        "--kind",
        "lain",
        "--json",
    ]);
    assert_eq!(e["attachments"].as_array().unwrap().len(), 2);
    assert_eq!(e["attachments"][1]["jenis"], "lain");
}
