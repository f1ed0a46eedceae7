//! A repair case recorded by different operators (different Unix uids, identified by SO_PEERCRED): each
//! step names the operator who recorded it, in the case and in the audit chain, and the item's readiness
//! follows the case. Needs root to run clients under other uids (as `node_access.rs`).

mod common;

use common::*;
use serde_json::Value;

const GID: u32 = 4243;

#[test]
fn repair_case_across_operators_follows_readiness() {
    if !is_root() {
        eprintln!("skipped: needs root to run clients under other uids");
        return;
    }
    let (node, sockdir, socket) = start_with_group_socket(GID);
    let ops = [
        (2101u32, "Putu Sandiman", "sandiman"),
        (2102, "Made Kasi", "kasi"),
        (2103, "Wayan Kabid", "kabid"),
        (2104, "Edif Kadis", "kadis"),
    ];
    for (uid, nama, role) in ops {
        node.kasa_ok(&[
            "operator",
            "add",
            "--uid",
            &uid.to_string(),
            "--username",
            &format!("op{uid}"),
            "--nama",
            nama,
            "--role",
            role,
        ]);
    }
    let as_uid = |uid: u32, args: &[&str]| -> Value {
        let o = kasa_as(uid, GID, &socket, sockdir.path(), args);
        assert!(
            o.status.success(),
            "kasa {args:?} as {uid}: {}",
            describe(&o)
        );
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let item = as_uid(
        2101,
        &[
            "palsan",
            "item",
            "add",
            "--jenis",
            "peralatan_sandi",
            "--nama",
            "Secure X",
            "--json",
        ],
    );
    let id = item["item"]["id"].as_u64().unwrap().to_string();
    let v = as_uid(
        2101,
        &[
            "palsan",
            "repair",
            "open",
            &id,
            "--kerusakan",
            "tidak menyala",
            "--json",
        ],
    );
    assert_eq!(v["palsan"]["kesiapan"], "tidak_siap");
    let cid = v["perbaikan"]["id"].as_u64().unwrap().to_string();
    // (uid recording, step, extra args)
    let plan: [(u32, &str, &[&str]); 13] = [
        (2102, "2", &["--dokumen", "ND/1"]),
        (2103, "3", &["--dokumen", "DISP/1"]),
        (2102, "4", &["--dokumen", "S/BSSN/1; ST/1; SPPD/1"]),
        (2102, "5", &[]),
        (2103, "6", &[]),
        // Seed 000: the Kadis signs the NPKND himself; the Sekda's signature is recorded on her
        // behalf by the Kasi (an outside actor).
        (2104, "7", &["--dokumen", "NPKND/1"]),
        (2102, "8", &["--oleh", "Sekda"]),
        (2102, "9", &[]),
        (2101, "10", &[]),
        (
            2101,
            "11",
            &["--oleh", "Petugas BSSN", "--penilaian", "berat"],
        ),
        (2101, "12", &["--oleh", "Petugas BSSN"]),
        (
            2101,
            "13",
            &["--oleh", "Petugas BSSN", "--dokumen", "BA/ST/1"],
        ),
        (2101, "14", &[]),
    ];
    for (uid, step, extra) in plan {
        let mut a = vec!["palsan", "repair", "step", &cid, step];
        a.extend_from_slice(extra);
        a.push("--json");
        let v = as_uid(uid, &a);
        let k: usize = step.parse().unwrap();
        let rec = &v["perbaikan"]["langkah"][k - 1];
        let nama = ops.iter().find(|o| o.0 == uid).unwrap().1;
        assert_eq!(rec["dicatat_oleh"], nama, "step {k}");
        if !extra.contains(&"--oleh") {
            assert_eq!(rec["oleh"], nama, "step {k}");
        }
        let want = if k == 14 { "siap" } else { "tidak_siap" };
        assert_eq!(v["palsan"]["kesiapan"], want, "step {k}");
        if (11..14).contains(&k) {
            assert_eq!(v["palsan"]["kondisi"], "rusak_berat", "step {k}");
        }
    }
    // The audit chain attributes every step to the uid that recorded it.
    let tail = node.audit_tail(60);
    let steps: Vec<&Value> = tail
        .iter()
        .filter(|r| r["object"] == format!("perbaikan:{cid}"))
        .collect();
    assert_eq!(steps.len(), 14);
    for (uid, _, _) in ops {
        assert!(
            steps.iter().any(|r| r["uid"] == uid),
            "uid {uid}: {steps:?}"
        );
    }
    assert_eq!(node.json(&["audit", "verify", "--json"])["ok"], true);
}
