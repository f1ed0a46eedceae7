//! The buku agenda through the CLI on a real node (DESIGN §2, §6): gapless nomor agenda never reused,
//! refusals, the keluar flow, the `--json` field contract, and a tampered audit chain detected.

mod common;

use common::*;
use serde_json::Value;

fn ingest(node: &TestNode, path: &std::path::Path) -> u64 {
    let v = node.json(&["ingest", "--json", path.to_str().unwrap()]);
    v["results"][0]["outcome"]["id"]
        .as_u64()
        .unwrap_or_else(|| panic!("{v}"))
}

fn png_entry(node: &TestNode, n: u64) -> u64 {
    let f = node.scratch().join(format!("scan-{n}.png"));
    std::fs::write(&f, tiny_png(n)).unwrap();
    ingest(node, &f)
}

fn show(node: &TestNode, id: u64) -> Value {
    node.json(&["agenda", "show", &id.to_string(), "--json"])
}

fn register(node: &TestNode, id: u64, perihal: &str) -> Value {
    node.json(&[
        "agenda",
        "register",
        &id.to_string(),
        "--perihal",
        perihal,
        "--klasifikasi",
        "Biasa",
        "--json",
    ])
}

/// The `agenda list/show --json` fields DESIGN §6 promises.
fn assert_contract(e: &Value) {
    for f in [
        "id",
        "book",
        "nomor_agenda",
        "status",
        "klasifikasi",
        "perihal",
        "nomor_surat",
        "received_at",
        "duplicate_of",
        "attachments",
    ] {
        assert!(e.get(f).is_some(), "field {f} missing: {e}");
    }
    assert!(e["id"].is_u64());
    assert!(e["book"].is_string());
    assert!(e["status"].is_string());
    assert!(
        e["received_at"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .is_ok()
    );
    for a in e["attachments"].as_array().unwrap() {
        for f in ["sha256", "name", "pages"] {
            assert!(a.get(f).is_some(), "attachment field {f} missing: {a}");
        }
    }
}

#[test]
fn nomor_agenda_is_gapless_never_reused_and_refusals_are_clear() {
    let node = TestNode::start_new();
    let surat = ingest(
        &node,
        &sample("naskah/surat-pengantar-laporan-persandian-jembrana.pdf"),
    );
    let b = png_entry(&node, 1);
    let c = png_entry(&node, 2);
    let d = png_entry(&node, 3);

    // Nomor 1 from the confirmed suggestions.
    let r = node.json(&[
        "agenda",
        "register",
        &surat.to_string(),
        "--accept-suggestions",
        "--klasifikasi",
        "Rahasia",
        "--json",
    ]);
    assert_eq!(r["nomor_agenda"], 1, "{r}");
    assert_eq!(r["status"], "teragenda");
    let e = show(&node, surat);
    assert_eq!(e["nomor_agenda"], 1);
    assert_eq!(e["nomor_surat"], "800/283/Kominfo/2021");
    assert_eq!(e["klasifikasi"], "Rahasia");
    assert!(
        e["perihal"]
            .as_str()
            .unwrap()
            .starts_with("Penyampaian Laporan Hasil Pemantauan"),
        "{e}"
    );
    assert_eq!(
        e["tahun"].as_i64(),
        Some(kasa::clock::now().in_tz("Asia/Makassar").unwrap().year() as i64)
    );

    // 2 for the next; voiding keeps it used.
    assert_eq!(register(&node, b, "Berita kedua")["nomor_agenda"], 2);
    node.kasa_ok(&["agenda", "void", &b.to_string(), "--reason", "salah entri"]);
    let vb = show(&node, b);
    assert_eq!(vb["status"], "batal");
    assert_eq!(vb["nomor_agenda"], 2, "a void keeps its nomor");
    assert_eq!(vb["void_reason"], "salah entri");
    assert_eq!(register(&node, c, "Berita ketiga")["nomor_agenda"], 3);

    // Re-registering is refused with a message, and allocates nothing.
    for id in [surat, b, c] {
        let o = node.kasa(&[
            "agenda",
            "register",
            &id.to_string(),
            "--perihal",
            "lagi",
            "--klasifikasi",
            "Biasa",
        ]);
        assert!(!o.status.success(), "re-register {id}: {}", describe(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!("entri {id} sudah "))
                && err.contains("isian Anda tidak disimpan"),
            "re-register {id}: {err}"
        );
    }
    // A register without klasifikasi is refused too and allocates nothing.
    let o = node.kasa(&["agenda", "register", &d.to_string(), "--perihal", "x"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("klasifikasi"));
    assert_eq!(
        register(&node, d, "Berita keempat")["nomor_agenda"],
        4,
        "gap after refusals"
    );

    // The masuk numbers: 1..=4, each once.
    let mut nomors: Vec<u64> = node
        .entries()
        .iter()
        .filter(|e| e["book"] == "masuk")
        .filter_map(|e| e["nomor_agenda"].as_u64())
        .collect();
    nomors.sort();
    assert_eq!(nomors, vec![1, 2, 3, 4]);

    // Keluar: draft → register → send, numbered in its own book.
    let k = node.json(&[
        "keluar",
        "new",
        "--perihal",
        "Laporan bulanan persandian",
        "--klasifikasi",
        "Terbatas",
        "--tujuan",
        "Gubernur Bali",
        "--json",
    ]);
    let kid = k["id"].as_u64().unwrap();
    assert_eq!(k["status"], "draft");
    assert!(k["nomor_agenda"].is_null());
    let o = node.kasa(&["keluar", "send", &kid.to_string(), "--saluran", "Kurir"]);
    assert!(!o.status.success(), "a draft was sent: {}", describe(&o));
    let k = node.json(&["keluar", "register", &kid.to_string(), "--json"]);
    assert_eq!(k["status"], "diagendakan");
    assert_eq!(k["nomor_agenda"], 1, "keluar has its own numbering");
    let o = node.kasa(&["keluar", "register", &kid.to_string()]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("only a draft"));
    let k = node.json(&[
        "keluar",
        "send",
        &kid.to_string(),
        "--saluran",
        "Email Sanapati",
        "--tanpa-bukti",
        "resi menyusul",
        "--json",
    ]);
    assert_eq!(k["status"], "terkirim");
    assert_eq!(k["saluran"], "Email Sanapati");
    assert!(k["sent_at"].is_string());
    let kinds: Vec<&str> = k["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.ends_with(&["diagendakan", "terkirim"]), "{kinds:?}");

    // The --json field contract, on show and list.
    let e = show(&node, surat);
    assert_contract(&e);
    let a = &e["attachments"][0];
    assert_eq!(a["name"], "surat-pengantar-laporan-persandian-jembrana.pdf");
    assert_eq!(a["pages"], 1);
    assert_eq!(
        a["sha256"],
        sha256_hex(
            &std::fs::read(sample(
                "naskah/surat-pengantar-laporan-persandian-jembrana.pdf"
            ))
            .unwrap()
        )
    );
    assert!(e["duplicate_of"].is_null());
    assert_contract(&show(&node, kid));
    for e in node.entries() {
        assert_contract(&e);
    }
    node.kasa_ok(&["audit", "verify"]);
}

#[test]
fn tampered_audit_record_is_named_by_verify() {
    let mut node = TestNode::start_new();
    let id = png_entry(&node, 1);
    register(&node, id, "Berita yang akan dirusak");
    png_entry(&node, 2);
    let tail = node.audit_tail(50);
    let seq = tail
        .iter()
        .find(|a| a["action"] == "agenda.register")
        .unwrap()["seq"]
        .as_u64()
        .unwrap();
    assert!(
        tail.last().unwrap()["seq"].as_u64().unwrap() > seq,
        "not the head"
    );
    node.kasa_ok(&["audit", "verify"]);

    assert!(node.terminate().success());
    {
        let store = kasa::store::Store::open(&node.db()).unwrap();
        store.tamper_audit_for_test(seq, "x").unwrap();
    }
    node.start();
    let o = node.kasa(&["audit", "verify"]);
    assert!(
        !o.status.success(),
        "tampering not detected: {}",
        describe(&o)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&format!("seq {seq}")), "{err}");
    let o = node.kasa(&["audit", "verify", "--json"]);
    assert!(!o.status.success());
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["ok"], false);
    assert_eq!(r["first_bad_seq"], seq);
}

/// A file handed with `kasa ingest` that kasa refuses is kept in `ingest/failed/` with its reason, raises
/// an alarm, and the command says why — like a refused file in the drop folder.
#[test]
fn a_refused_handed_file_is_kept_with_its_reason_and_an_alarm() {
    let n = TestNode::start_new();
    let f = n.scratch().join("catatan.txt");
    std::fs::write(&f, "bukan pindaian, hanya teks\n").unwrap();
    let o = n.kasa(&["ingest", f.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(
        describe(&o).contains("unknown file type"),
        "{}",
        describe(&o)
    );
    let failed = names_in(&n.ingest_dir("failed"));
    assert!(failed.contains(&"catatan.txt".to_string()), "{failed:?}");
    let side =
        std::fs::read_to_string(n.ingest_dir("failed").join("catatan.txt.error.txt")).unwrap();
    assert!(side.contains("unknown file type"), "{side}");
    assert!(n.alarms().iter().any(|a| a["kind"] == "ingest.failed"
        && a["message"].as_str().unwrap_or("").contains("catatan.txt")));
}

#[test]
fn a_status_across_books_comes_from_the_status_index_newest_first_and_pages() {
    let node = TestNode::start_new();
    let scans: Vec<u64> = (1..=3).map(|n| png_entry(&node, n)).collect();
    let drafts: Vec<u64> = (1..=3)
        .map(|n| {
            node.json(&[
                "keluar",
                "new",
                "--perihal",
                &format!("Konsep {n}"),
                "--tujuan",
                "Gubernur",
                "--json",
            ])["id"]
                .as_u64()
                .unwrap()
        })
        .collect();
    register(&node, scans[1], "Surat teragenda");
    let ids = |args: &[&str]| -> Vec<u64> {
        let mut a = vec!["agenda", "list", "--json"];
        a.extend_from_slice(args);
        node.json(&a)["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_u64().unwrap())
            .collect()
    };
    // Every book: only the drafts, newest first; only the untriaged scans.
    assert_eq!(
        ids(&["--status", "draft"]),
        [drafts[2], drafts[1], drafts[0]]
    );
    assert_eq!(ids(&["--status", "baru"]), [scans[2], scans[0]]);
    assert_eq!(
        ids(&["--status", "draft", "--limit", "2"]),
        [drafts[2], drafts[1]]
    );
}
