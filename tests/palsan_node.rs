//! Palsan through the CLI on a real node: a full repair case (SOP 000 steps 1–14) from report to return
//! with the item's readiness following it and the SLA at each step; refusals (double check-out, check-in
//! of an item not out, a step out of order, editing a disposed item); key material and reminders; the
//! Lampiran III/IV/V tables of a fixture register against reviewed snapshots. With the node's clock
//! injected (`KASA_TEST_NOW`) and restarts: a step lapsing over a weekend raises its alarm on Monday
//! only, once; back-dated report and step times and their refusals; the item at BSSN between steps 10
//! and 14; expired key material in Lampiran IV.

mod common;

use common::*;
use serde_json::Value;

fn add_item(n: &TestNode, jenis: &str, nama: &str, extra: &[&str]) -> u64 {
    let mut a = vec!["palsan", "item", "add", "--jenis", jenis, "--nama", nama];
    a.extend_from_slice(extra);
    a.push("--json");
    n.json(&a)["item"]["id"].as_u64().unwrap()
}

fn item(n: &TestNode, id: u64) -> Value {
    n.json(&["palsan", "item", "show", &id.to_string(), "--json"])
}

const GID: u32 = 4545;

/// The role whose operator records repair step `k` (seed 000 actors; root, the admin, records the
/// sandiman's steps and those of outside actors).
fn actor_of(k: u8) -> Option<&'static str> {
    use kasa::domain::permission::{Aksi, aksi_langkah_perbaikan};
    match aksi_langkah_perbaikan(k) {
        Aksi::PerbaikanKasi => Some("kasi"),
        Aksi::PerbaikanKabid => Some("kabid"),
        Aksi::PerbaikanKadis => Some("kadis"),
        _ => None,
    }
}

fn refused_as(rn: &RoleNode, role: &str, args: &[&str], needle: &str) {
    let o = rn.kasa(role, args);
    assert!(!o.status.success(), "kasa {args:?} should fail");
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains(needle),
        "kasa {args:?}: expected '{needle}' in: {e}"
    );
}

fn refused(n: &TestNode, args: &[&str], needle: &str) {
    let o = n.kasa(args);
    assert!(!o.status.success(), "kasa {args:?} should fail");
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains(needle),
        "kasa {args:?}: expected '{needle}' in: {e}"
    );
}

#[test]
fn full_repair_case_across_operators_readiness_and_sla() {
    if !is_root() {
        eprintln!("skipped: needs root to run clients under other uids");
        return;
    }
    let rn = RoleNode::start(GID);
    let n = &rn.node;
    let id = add_item(
        n,
        "peralatan_sandi",
        "Secure X",
        &["--seri", "SX-001", "--sumber", "BSSN"],
    );
    assert_eq!(item(n, id)["item"]["kesiapan"], "siap");
    let case = n.json(&[
        "palsan",
        "repair",
        "open",
        &id.to_string(),
        "--kerusakan",
        "tidak dapat mengenkripsi",
        "--pelapor",
        "Sandiman Putu",
        "--ditemukan",
        "2026-03-02T00:50:00Z",
        "--dilaporkan",
        "2026-03-02T01:00:00Z",
        "--json",
    ]);
    let cid = case["perbaikan"]["id"].as_u64().unwrap().to_string();
    assert_eq!(case["palsan"]["kesiapan"], "tidak_siap");
    assert_eq!(case["sla"][0]["sla"]["state"], "tepat_waktu");

    // (step, at, oleh, dokumen, expected SLA state of the step when recorded)
    let plan: [(&str, &str, &str, &str, &str); 13] = [
        (
            "2",
            "2026-03-02T01:14:00Z",
            "Kasi Made",
            "ND/12/2026",
            "tepat_waktu",
        ),
        (
            "3",
            "2026-03-02T01:20:00Z",
            "Kabid Wayan",
            "DISP/7",
            "tepat_waktu",
        ),
        (
            "4",
            "2026-03-02T03:30:00Z",
            "Kasi Made",
            "S/BSSN/3; ST/4; SPPD/5",
            "terlambat",
        ),
        ("5", "2026-03-02T03:40:00Z", "Kasi Made", "", "tepat_waktu"),
        (
            "6",
            "2026-03-02T03:44:00Z",
            "Kabid Wayan",
            "",
            "tepat_waktu",
        ),
        (
            "7",
            "2026-03-03T02:00:00Z",
            "Kadis Edif",
            "NPKND/2",
            "selesai",
        ),
        ("8", "2026-03-05T02:00:00Z", "Sekda", "", "selesai"),
        ("9", "2026-03-05T02:05:00Z", "Kasi Made", "", "tepat_waktu"),
        (
            "10",
            "2026-03-06T01:00:00Z",
            "Sandiman Putu",
            "",
            "terlambat",
        ),
        (
            "11",
            "2026-03-06T01:30:00Z",
            "Petugas BSSN",
            "",
            "tepat_waktu",
        ),
        (
            "12",
            "2026-03-06T20:00:00Z",
            "Petugas BSSN",
            "",
            "tepat_waktu",
        ),
        (
            "13",
            "2026-03-06T20:10:00Z",
            "Petugas BSSN",
            "BA/ST/44",
            "tepat_waktu",
        ),
        (
            "14",
            "2026-03-07T08:00:00Z",
            "Sandiman Putu",
            "",
            "tepat_waktu",
        ),
    ];
    let mut prev_at = "2026-03-02T01:00:00Z";
    for (step, at, oleh, dok, state) in plan {
        let k: usize = step.parse().unwrap();
        // Before the step: the SLA of the pending step, seen with an injected clock one minute after the
        // previous step, is running (or waiting, for Kadis/Sekda without a norm).
        let prev: jiff::Timestamp = prev_at.parse().unwrap();
        let probe = prev
            .checked_add(jiff::SignedDuration::from_mins(1))
            .unwrap();
        let v = n.json(&[
            "palsan",
            "repair",
            "show",
            &cid,
            "--at",
            &probe.to_string(),
            "--json",
        ]);
        let pending = &v["sla"][k - 1]["sla"]["state"];
        if k == 7 || k == 8 {
            assert_eq!(pending, "menunggu", "step {k}");
        } else {
            assert_eq!(pending, "berjalan", "step {k}");
        }
        assert_eq!(
            item(n, id)["item"]["kesiapan"],
            "tidak_siap",
            "before step {k}"
        );

        let mut a = vec![
            "palsan", "repair", "step", &cid, step, "--oleh", oleh, "--at", at,
        ];
        if !dok.is_empty() {
            a.extend_from_slice(&["--dokumen", dok]);
        }
        if step == "11" {
            a.extend_from_slice(&["--penilaian", "ringan"]);
        }
        a.push("--json");
        let v = match actor_of(k as u8) {
            Some(role) => rn.json(role, &a),
            None => n.json(&a),
        };
        let rec = &v["perbaikan"]["langkah"][k - 1];
        assert_eq!(rec["oleh"], oleh);
        assert_eq!(rec["at"], at);
        assert_eq!(rec["dokumen"], dok);
        assert_eq!(
            v["sla"][k - 1]["sla"]["state"],
            state,
            "step {k}: {}",
            v["sla"][k - 1]
        );
        let expect = if k == 14 { "siap" } else { "tidak_siap" };
        assert_eq!(v["palsan"]["kesiapan"], expect, "after step {k}");
        if k == 11 {
            assert_eq!(v["palsan"]["kondisi"], "rusak_ringan");
        }
        prev_at = at;
    }
    let v = item(n, id);
    assert_eq!(v["item"]["kondisi"], "baik");
    assert_eq!(v["item"]["perbaikan"], Value::Null);
    assert_eq!(v["perbaikan"], Value::Null);
    let aksi: Vec<&str> = v["item"]["riwayat"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["aksi"].as_str().unwrap())
        .collect();
    assert_eq!(aksi.first(), Some(&"ditambahkan"));
    assert_eq!(aksi.last(), Some(&"perbaikan.selesai"));
    assert_eq!(
        aksi.iter().filter(|a| **a == "perbaikan.langkah").count(),
        12
    );
    // A closed case takes no more steps; a new case can be opened.
    refused(
        n,
        &["palsan", "repair", "step", &cid, "14"],
        "sudah selesai",
    );
    // Each step is in the audit chain, attributed to the operator; the chain verifies.
    let tail = n.audit_tail(40);
    assert_eq!(
        tail.iter()
            .filter(|r| r["object"] == format!("perbaikan:{cid}"))
            .count(),
        14
    );
    assert!(tail.iter().any(|r| r["action"] == "perbaikan.selesai"));
    assert_eq!(n.json(&["audit", "verify", "--json"])["ok"], true);
}

#[test]
fn refusals_name_the_problem_and_leave_the_register_unchanged() {
    if !is_root() {
        eprintln!("skipped: needs root to run clients under other uids");
        return;
    }
    let rn = RoleNode::start(GID + 1);
    let n = &rn.node;
    let id = add_item(n, "dongle_enkripsi", "Dongle D1", &[]);
    let s = id.to_string();
    n.json(&[
        "palsan", "item", "checkout", &s, "--kepada", "Budi", "--json",
    ]);
    refused(
        n,
        &["palsan", "item", "checkout", &s, "--kepada", "Sari"],
        "sedang dipinjam Budi",
    );
    let v = n.json(&[
        "palsan",
        "item",
        "checkin",
        &s,
        "--kondisi",
        "baik",
        "--json",
    ]);
    assert_eq!(v["item"]["dipinjam"], Value::Null);
    refused(
        n,
        &["palsan", "item", "checkin", &s],
        "tidak sedang dipinjam",
    );

    let c = n.json(&[
        "palsan",
        "repair",
        "open",
        &s,
        "--kerusakan",
        "port rusak",
        "--json",
    ]);
    let cid = c["perbaikan"]["id"].as_u64().unwrap().to_string();
    refused_as(
        &rn,
        "kasi",
        &["palsan", "repair", "step", &cid, "4", "--dokumen", "S/1"],
        "langkah berikutnya kasus 1 adalah 2",
    );
    refused_as(
        &rn,
        "kasi",
        &["palsan", "repair", "step", &cid, "2"],
        "--dokumen",
    );
    // Step 2 is the Kasi's (seed 000): the admin cannot record it.
    refused(
        n,
        &["palsan", "repair", "step", &cid, "2", "--dokumen", "ND/1"],
        "perbaikan.kasi",
    );
    refused(
        n,
        &["palsan", "repair", "open", &s, "--kerusakan", "lagi"],
        "sudah punya kasus perbaikan terbuka",
    );
    refused_as(
        &rn,
        "kasi",
        &[
            "palsan",
            "item",
            "dispose",
            &s,
            "--berita-acara",
            "BA/1",
            "--saksi",
            "A",
            "--saksi",
            "B",
        ],
        "masih dalam perbaikan",
    );

    let other = add_item(n, "aplikasi_enkripsi", "Aplikasi E", &[]).to_string();
    refused_as(
        &rn,
        "kasi",
        &[
            "palsan",
            "item",
            "dispose",
            &other,
            "--berita-acara",
            "BA/2",
            "--saksi",
            "A",
        ],
        "2 saksi",
    );
    // Disposal is signed by the Kasi or above, never by the admin or a sandiman.
    refused(
        n,
        &[
            "palsan",
            "item",
            "dispose",
            &other,
            "--berita-acara",
            "BA/2/2026",
            "--saksi",
            "A",
            "--saksi",
            "B",
        ],
        "palsan.hapus",
    );
    let v = rn.json(
        "kasi",
        &[
            "palsan",
            "item",
            "dispose",
            &other,
            "--berita-acara",
            "BA/2/2026",
            "--saksi",
            "Saksi A",
            "--saksi",
            "Saksi B",
            "--alasan",
            "usang",
            "--json",
        ],
    );
    assert_eq!(v["item"]["dihapus"]["berita_acara"], "BA/2/2026");
    let before = item(n, other.parse().unwrap());
    refused(
        n,
        &["palsan", "item", "edit", &other, "--lokasi", "Gudang"],
        "hanya dapat dibaca",
    );
    refused(
        n,
        &["palsan", "item", "checkout", &other, "--kepada", "Budi"],
        "hanya dapat dibaca",
    );
    refused(
        n,
        &["palsan", "repair", "open", &other, "--kerusakan", "x"],
        "hanya dapat dibaca",
    );
    assert_eq!(
        item(n, other.parse().unwrap()),
        before,
        "disposed item unchanged"
    );
    // Disposed items leave the default list and the Lampiran.
    let list = n.json(&["palsan", "item", "list", "--json"]);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let all = n.json(&["palsan", "item", "list", "--all", "--json"]);
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    // Bad input is refused before reaching the node.
    refused(
        n,
        &["palsan", "item", "add", "--jenis", "radio", "--nama", "X"],
        "peralatan_sandi",
    );
    // Key values are refused.
    refused(
        n,
        &[
            "palsan",
            "kunci",
            "add",
            "--jenis",
            "Kunci Sissan X",
            "--dari",
            "2026-01-01",
            "--sampai",
            "2026-12-31",
            "--catatan",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        ],
        "metadata",
    );
}

#[test]
fn key_material_and_reminders_on_a_node() {
    let n = TestNode::start_new();
    let id = add_item(&n, "peralatan_sandi", "Secure Y", &[]).to_string();
    let k = n.json(&[
        "palsan",
        "kunci",
        "add",
        "--jenis",
        "Kunci Sissan Secure Y",
        "--palsan",
        &id,
        "--dari",
        "2026-01-01",
        "--sampai",
        "2026-06-30",
        "--json",
    ]);
    assert_eq!(k["status"], "diterima");
    let kid = k["id"].as_u64().unwrap().to_string();
    refused(
        &n,
        &["palsan", "kunci", "status", &kid, "dimusnahkan"],
        "berikutnya hanya aktif",
    );
    n.json(&["palsan", "kunci", "status", &kid, "aktif", "--json"]);
    refused(
        &n,
        &[
            "palsan",
            "kunci",
            "add",
            "--jenis",
            "K",
            "--palsan",
            "99",
            "--dari",
            "2026-01-01",
            "--sampai",
            "2026-02-01",
        ],
        "palsan 99",
    );
    n.json(&[
        "palsan",
        "berkala",
        "sanapati",
        "--at",
        "2026-04-01T00:00:00Z",
        "--json",
    ]);
    n.json(&[
        "palsan",
        "berkala",
        "audit",
        "--at",
        "2026-04-01T00:00:00Z",
        "--json",
    ]);
    let r = |at: &str| {
        n.json(&["palsan", "reminders", "--at", at, "--json"])["pengingat"]
            .as_array()
            .unwrap()
            .clone()
    };
    // Node zone is Asia/Makassar: the key ends 2026-06-30T16:00Z; warning 30 days before.
    assert!(r("2026-05-31T15:59:59Z").is_empty());
    let x = r("2026-05-31T16:00:00Z");
    assert_eq!(x.len(), 1);
    assert_eq!(x[0]["jenis"], "kunci_kedaluwarsa");
    assert_eq!(x[0]["terlambat"], false);
    // 90 days after 2026-04-01 is 2026-06-30T00:00Z: the password is overdue, the key not yet expired.
    let x = r("2026-06-30T00:00:00Z");
    assert_eq!(x.len(), 2);
    assert_eq!(x[0]["jenis"], "sandi_email_sanapati");
    assert_eq!(x[0]["terlambat"], true);
    let x = r("2026-06-30T16:00:00Z");
    assert!(x.iter().all(|p| p["terlambat"] == true));
    // Text output names what to do.
    let out = n.kasa_ok(&["palsan", "reminders", "--at", "2026-06-30T16:00:00Z"]);
    assert!(out.contains("TERLAMBAT"), "{out}");
    assert!(out.contains("Email Sanapati"), "{out}");
    // Times in the reminder are the node's (WITA): done 2026-04-01T00:00Z is 08:00 WITA that day.
    assert!(out.contains("terakhir 2026-04-01 08:00 WITA"), "{out}");
    assert!(!out.contains("T00:00:00Z"), "no UTC instant: {out}");
}

/// The fixture register: Lampiran III rows Secure X (3: one under repair, one rusak), Secure Y, a dongle
/// and an application; a disposed item (not counted); APU jammer and backup disk; key material of two
/// systems, one destroyed (not counted).
fn fixture(rn: &RoleNode) {
    let n = &rn.node;
    let sx1 = add_item(n, "peralatan_sandi", "Secure X", &["--seri", "X1"]);
    add_item(n, "peralatan_sandi", "Secure X", &["--seri", "X2"]);
    add_item(
        n,
        "peralatan_sandi",
        "Secure X",
        &[
            "--seri",
            "X3",
            "--kondisi",
            "rusak_berat",
            "--kesiapan",
            "tidak_siap",
        ],
    );
    add_item(n, "peralatan_sandi", "Secure Y", &["--seri", "Y1"]);
    add_item(
        n,
        "dongle_enkripsi",
        "Dongle Enkripsi BSSN",
        &["--sumber", "BSSN"],
    );
    add_item(n, "aplikasi_enkripsi", "Aplikasi Enkripsi Data", &[]);
    let gone = add_item(n, "peralatan_sandi", "Secure Z", &[]).to_string();
    rn.json(
        "kasi",
        &[
            "palsan",
            "item",
            "dispose",
            &gone,
            "--berita-acara",
            "BA/9",
            "--saksi",
            "A",
            "--saksi",
            "B",
            "--json",
        ],
    );
    add_item(n, "jammer", "Jammer J1", &[]);
    add_item(
        n,
        "backup_disk",
        "Backup 2TB",
        &["--kondisi", "rusak_ringan", "--kesiapan", "tidak_siap"],
    );
    n.json(&[
        "palsan",
        "repair",
        "open",
        &sx1.to_string(),
        "--kerusakan",
        "mati",
        "--json",
    ]);
    for (jenis, kondisi) in [
        ("Kunci Sissan Secure X", "baik"),
        ("Kunci Sissan Secure X", "rusak_ringan"),
        ("Kunci Sissan Secure Y", "baik"),
    ] {
        n.json(&[
            "palsan",
            "kunci",
            "add",
            "--jenis",
            jenis,
            "--dari",
            "2026-01-01",
            "--sampai",
            "2026-12-31",
            "--kondisi",
            kondisi,
            "--json",
        ]);
    }
    let k = n.json(&[
        "palsan",
        "kunci",
        "add",
        "--jenis",
        "Kunci Sissan Secure Y",
        "--dari",
        "2025-01-01",
        "--sampai",
        "2025-12-31",
        "--json",
    ]);
    let kid = k["id"].as_u64().unwrap().to_string();
    n.json(&["palsan", "kunci", "status", &kid, "kedaluwarsa", "--json"]);
    n.json(&[
        "palsan",
        "kunci",
        "status",
        &kid,
        "dimusnahkan",
        "--catatan",
        "BA/MUS/1",
        "--json",
    ]);
}

#[test]
fn lampiran_tables_match_reviewed_snapshots() {
    if !is_root() {
        eprintln!("skipped: needs root to run clients under other uids");
        return;
    }
    let rn = RoleNode::start(GID + 2);
    let n = &rn.node;
    fixture(&rn);
    // The report's time is fixed (the fixture's key material is valid through 2026-12-31), so the
    // tables do not depend on the day the suite runs.
    let at = "2026-12-15T09:00:00+08:00";
    insta::assert_snapshot!(
        "lampiran_markdown",
        n.kasa_ok(&["palsan", "lampiran", "--at", at])
    );
    insta::assert_snapshot!(
        "lampiran_csv",
        n.kasa_ok(&["palsan", "lampiran", "--format", "csv", "--at", at])
    );
    let v = n.json(&["palsan", "lampiran", "--only", "iv", "--at", at, "--json"]);
    assert_eq!(v["tables"].as_array().unwrap().len(), 1);
    assert_eq!(v["tables"][0]["baris"][0]["jml"], 2);
}

/// Restarts the node with its clock starting at `at` (RFC 3339).
fn restart_at(rn: &mut RoleNode, at: &str) {
    rn.node.terminate();
    rn.node.node_env = vec![("KASA_TEST_NOW".into(), at.into())];
    rn.node.start();
}

/// Records repair step `k` of case `cid` as the operator whose role the step belongs to, with the
/// document it needs; `extra` adds flags (`--at`, `--penilaian`).
fn step_as(rn: &RoleNode, cid: &str, k: u8, extra: &[&str]) -> Output {
    let ks = k.to_string();
    let mut a = vec!["palsan", "repair", "step", cid, &ks];
    let dok = format!("DOK/{k}");
    let l = kasa::domain::palsan::LangkahPerbaikan::from_nomor(k).unwrap();
    if l.dokumen_wajib().is_some() {
        a.extend_from_slice(&["--dokumen", &dok]);
    }
    if k == 11 && !extra.contains(&"--penilaian") {
        a.extend_from_slice(&["--penilaian", "berat"]);
    }
    a.extend_from_slice(extra);
    a.push("--json");
    match actor_of(k) {
        Some(role) => rn.kasa(role, &a),
        None => rn.node.kasa(&a),
    }
}

fn step_ok(rn: &RoleNode, cid: &str, k: u8, extra: &[&str]) -> Value {
    let o = step_as(rn, cid, k, extra);
    assert!(o.status.success(), "step {k}: {}", describe(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn step_refused(rn: &RoleNode, cid: &str, k: u8, extra: &[&str]) -> String {
    let o = step_as(rn, cid, k, extra);
    assert!(!o.status.success(), "step {k} {extra:?} should be refused");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The `palsan.perbaikan` alarms on record.
fn repair_alarms(n: &TestNode) -> Vec<Value> {
    n.alarms()
        .into_iter()
        .filter(|a| a["kind"] == "palsan.perbaikan")
        .collect()
}

use std::process::Output;
use std::time::Duration;

#[test]
fn a_step_lapsing_over_a_weekend_alarms_on_monday_once_and_the_item_is_at_bssn_meanwhile() {
    if !is_root() {
        eprintln!("skipped: needs root to run clients under other uids");
        return;
    }
    let mut rn = RoleNode::start(GID + 4);
    // Friday 2026-12-04 14:00 WITA (the node's zone): steps 1–11 recorded now, one after another.
    restart_at(&mut rn, "2026-12-04T14:00:00+08:00");
    let n = &rn.node;
    let id = add_item(
        n,
        "peralatan_sandi",
        "Secure X",
        &["--lokasi", "Kamar Sandi", "--pemegang", "Kasi Persandian"],
    );
    let case = n.json(&[
        "palsan",
        "repair",
        "open",
        &id.to_string(),
        "--kerusakan",
        "tidak dapat mengenkripsi",
        "--json",
    ]);
    let cid = case["perbaikan"]["id"].as_u64().unwrap().to_string();
    for k in 2..=9 {
        step_ok(&rn, &cid, k, &[]);
    }
    assert_eq!(item(n, id)["item"]["lokasi"], "Kamar Sandi");
    let v = step_ok(&rn, &cid, 10, &[]);
    assert_eq!(v["palsan"]["lokasi"], "BSSN", "at BSSN from step 10");
    assert_eq!(v["palsan"]["pemegang"], "BSSN");
    let v = step_ok(&rn, &cid, 11, &["--penilaian", "berat"]);
    assert_eq!(v["penilaian"], "rusak_berat");
    assert_eq!(v["palsan"]["kondisi"], "rusak_berat");
    let step11: jiff::Timestamp = v["perbaikan"]["langkah"][10]["at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // Step 12 (BSSN repairs, "1 Hari") is due one working day later: Monday at the same time.
    let batas: jiff::Timestamp = v["sla"][11]["batas"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        batas,
        step11
            .checked_add(jiff::SignedDuration::from_hours(72))
            .unwrap()
    );
    assert_eq!(v["sla"][11]["sla"]["state"], "berjalan");
    // The case text names the assessment and where the item is.
    let out = n.kasa_ok(&["palsan", "repair", "show", &cid]);
    assert!(out.contains("penilaian   BSSN: Rusak berat"), "{out}");
    assert!(out.contains("lokasi      BSSN · pemegang BSSN"), "{out}");
    assert!(out.contains("batas 2026-12-07 14:00:"), "{out}");
    assert!(out.contains("mutu baku 1 hari kerja)"), "{out}");

    // Saturday and Sunday afternoon: 24 and 48 wall-clock hours later, but no working time passed.
    for at in ["2026-12-05T15:00:00+08:00", "2026-12-06T15:00:00+08:00"] {
        restart_at(&mut rn, at);
        std::thread::sleep(Duration::from_secs(2));
        let n = &rn.node;
        assert!(repair_alarms(n).is_empty(), "{at}: {:?}", repair_alarms(n));
        let v = n.json(&["palsan", "repair", "show", &cid, "--json"]);
        assert_eq!(v["sla"][11]["sla"]["state"], "berjalan", "{at}");
    }
    // Monday just before the norm: still nothing.
    restart_at(&mut rn, "2026-12-07T13:59:00+08:00");
    std::thread::sleep(Duration::from_secs(2));
    assert!(repair_alarms(&rn.node).is_empty());
    // Monday past the norm: one alarm, audited, with what to do.
    restart_at(&mut rn, "2026-12-07T14:01:00+08:00");
    let n = &rn.node;
    assert!(
        wait_until(Duration::from_secs(20), || !repair_alarms(n).is_empty()),
        "no palsan.perbaikan alarm on Monday: {:?}\n{}",
        n.alarms(),
        n.log()
    );
    let a = repair_alarms(n);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(
        a[0]["object"],
        format!("palsan:{id}:perbaikan:{cid}:langkah:12")
    );
    let msg = a[0]["message"].as_str().unwrap();
    for want in [
        format!("perbaikan {cid} (palsan {id} Secure X)"),
        "langkah 12 Diperbaiki (pelaksana BSSN)".into(),
        "mutu baku 1 hari kerja".into(),
        "batas 2026-12-07 14:00 WITA".into(),
        format!("kasa palsan repair step {cid} 12"),
    ] {
        assert!(msg.contains(&want), "{want}: {msg}");
    }
    assert!(
        n.audit_tail(20)
            .iter()
            .any(|r| r["action"] == "palsan.perbaikan" && r["object"] == a[0]["object"]),
        "the alarm is in the audit chain"
    );
    let x = n.json(&["palsan", "reminders", "--json"])["pengingat"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        x.iter()
            .any(|p| p["jenis"] == "langkah_perbaikan" && p["terlambat"] == true),
        "{x:?}"
    );
    // Raised once, also across a restart.
    restart_at(&mut rn, "2026-12-07T15:00:00+08:00");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(repair_alarms(&rn.node).len(), 1);

    // Steps 12–14: the item stays at BSSN until it is brought back with the berita acara.
    let n = &rn.node;
    step_ok(&rn, &cid, 12, &[]);
    let v = step_ok(&rn, &cid, 13, &[]);
    assert_eq!(v["palsan"]["lokasi"], "BSSN", "still at BSSN after step 13");
    let v = step_ok(&rn, &cid, 14, &[]);
    assert_eq!(v["palsan"]["lokasi"], "Kamar Sandi", "back after step 14");
    assert_eq!(v["palsan"]["pemegang"], "Kasi Persandian");
    assert_eq!(v["palsan"]["kesiapan"], "siap");
    let it = item(n, id);
    let riwayat = it["item"]["riwayat"].as_array().unwrap();
    let line = |k: &str| {
        riwayat
            .iter()
            .find(|r| {
                r["catatan"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("langkah {k} "))
            })
            .map(|r| r["catatan"].as_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert!(
        line("10").contains("lokasi Kamar Sandi → BSSN; pemegang Kasi Persandian → BSSN"),
        "{}",
        line("10")
    );
    assert!(
        line("11").contains("penilaian BSSN: Rusak berat"),
        "{}",
        line("11")
    );
    assert!(
        line("14").contains("lokasi BSSN → Kamar Sandi")
            && line("14").contains("berita acara serah terima DOK/13"),
        "{}",
        line("14")
    );
    let out = n.kasa_ok(&["palsan", "item", "show", &id.to_string()]);
    assert!(out.contains("penilaian BSSN: Rusak berat"), "{out}");
    assert_eq!(n.json(&["audit", "verify", "--json"])["ok"], true);
}

#[test]
fn back_dated_report_and_steps_and_their_refusals() {
    if !is_root() {
        eprintln!("skipped: needs root to run clients under other uids");
        return;
    }
    let mut rn = RoleNode::start(GID + 6);
    // Wednesday 2026-12-02 16:31 WITA.
    restart_at(&mut rn, "2026-12-02T16:31:00+08:00");
    let n = &rn.node;
    let id = add_item(n, "dongle_enkripsi", "Dongle Sanapati", &[]).to_string();
    let open = |extra: &[&str]| {
        let mut a = vec![
            "palsan",
            "repair",
            "open",
            &id,
            "--kerusakan",
            "tidak terbaca",
        ];
        a.extend_from_slice(extra);
        a.push("--json");
        n.kasa(&a)
    };
    let err = |o: Output| {
        assert!(!o.status.success(), "should be refused: {}", describe(&o));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let e = err(open(&["--ditemukan", "2026-12-03T08:00:00+08:00"]));
    assert!(
        e.contains("waktu ditemukan 2026-12-03 08:00:00 WITA di masa depan"),
        "{e}"
    );
    let e = err(open(&[
        "--ditemukan",
        "2026-12-01T15:00:00+08:00",
        "--dilaporkan",
        "2026-12-01T14:00:00+08:00",
    ]));
    assert!(
        e.contains("waktu ditemukan 2026-12-01 15:00:00 WITA setelah waktu laporan 2026-12-01 14:00:00 WITA"),
        "{e}"
    );
    assert!(e.contains("langkah 1 SOP 000"), "{e}");
    let e = err(open(&["--dilaporkan", "2026-12-02T17:00:00+08:00"]));
    assert!(
        e.contains("waktu laporan 2026-12-02 17:00:00 WITA di masa depan"),
        "{e}"
    );
    assert_eq!(
        n.json(&["palsan", "repair", "list", "--json"])["cases"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "refused reports open nothing"
    );
    // Found Monday afternoon, reported Monday: step 1 is late (15 min from the found time).
    let o = open(&[
        "--ditemukan",
        "2026-11-30T13:00:00+08:00",
        "--dilaporkan",
        "2026-11-30T13:30:00+08:00",
    ]);
    assert!(o.status.success(), "{}", describe(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["perbaikan"]["ditemukan_at"], "2026-11-30T05:00:00Z");
    assert_eq!(v["sla"][0]["sla"]["state"], "terlambat");
    let cid = v["perbaikan"]["id"].as_u64().unwrap().to_string();
    for (k, at) in [
        (2, "2026-11-30T13:40:00+08:00"),
        (3, "2026-11-30T13:50:00+08:00"),
        (4, "2026-11-30T15:00:00+08:00"),
        (5, "2026-11-30T15:10:00+08:00"),
        (6, "2026-11-30T15:12:00+08:00"),
        (7, "2026-12-01T09:00:00+08:00"),
    ] {
        step_ok(&rn, &cid, k, &["--at", at]);
    }
    // Yesterday's Sekda signature, entered today with its real time; not before the Kadis, not
    // tomorrow.
    let e = step_refused(&rn, &cid, 8, &["--at", "2026-12-01T08:00:00+08:00"]);
    for want in [
        "waktu langkah 8 (Ditandatangani Sekda) 2026-12-01 08:00:00 WITA sebelum langkah sebelumnya",
        "langkah 7 (Ditandatangani Kadis (NPKND)) 2026-12-01 09:00:00 WITA",
        "SOP 000",
        "periksa tanggal/jam",
    ] {
        assert!(e.contains(want), "{want}: {e}");
    }
    let e = step_refused(&rn, &cid, 8, &["--at", "2026-12-03T10:00:00+08:00"]);
    assert!(
        e.contains("waktu langkah 8 (Ditandatangani Sekda) 2026-12-03 10:00:00 WITA di masa depan"),
        "{e}"
    );
    let v = step_ok(&rn, &cid, 8, &["--at", "2026-12-01T14:00:00+08:00"]);
    assert_eq!(v["perbaikan"]["langkah"][7]["at"], "2026-12-01T06:00:00Z");
    assert_eq!(v["sla"][7]["sla"]["state"], "selesai");
    // Step 9's 5 minutes counted from yesterday 14:00: past now.
    assert_eq!(v["sla"][8]["sla"]["state"], "lewat");
}

#[test]
fn lampiran_iv_counts_key_material_expired_at_the_report_time() {
    let mut n = TestNode::start_new();
    n.terminate();
    n.node_env = vec![("KASA_TEST_NOW".into(), "2026-12-02T10:00:00+08:00".into())];
    n.start();
    for (sampai, status) in [("2026-11-30", "aktif"), ("2027-06-30", "aktif")] {
        let k = n.json(&[
            "palsan",
            "kunci",
            "add",
            "--jenis",
            "Kunci Sissan Secure X",
            "--dari",
            "2026-01-01",
            "--sampai",
            sampai,
            "--json",
        ]);
        let kid = k["id"].as_u64().unwrap().to_string();
        n.json(&["palsan", "kunci", "status", &kid, status, "--json"]);
    }
    let row = |extra: &[&str]| {
        let mut a = vec!["palsan", "lampiran", "--only", "iv", "--json"];
        a.extend_from_slice(extra);
        let v = n.json(&a);
        let r = &v["tables"][0]["baris"][0];
        (r["jml"].as_u64(), r["baik"].as_u64(), r["rusak"].as_u64())
    };
    // Now (2026-12-02): the first ran out on 30 November, still aktif on record: not Baik.
    assert_eq!(row(&[]), (Some(2), Some(1), Some(1)));
    // At a report time before it ran out, both are Baik.
    assert_eq!(
        row(&["--at", "2026-11-30T23:59:00+08:00"]),
        (Some(2), Some(2), Some(0))
    );
    assert_eq!(
        row(&["--at", "2026-12-01T00:00:00+08:00"]),
        (Some(2), Some(1), Some(1))
    );
    let md = n.kasa_ok(&["palsan", "lampiran", "--only", "iv"]);
    assert!(
        md.contains("| 1 | Kunci Sissan Secure X | 2 | 1 | 1 |"),
        "{md}"
    );
}
