//! The incident logbook (seed 003, SOP PI.03) through `kasa incident …` on a real node: quick capture,
//! log lines with distinct timestamps and the operator, corrections that keep the original, the
//! checklist, closing rules, evidence and custody, the report files, and the audit chain verifying after
//! a mixed session.

mod common;

use common::*;
use serde_json::Value;

fn new_incident(node: &TestNode, teks: &str) -> Value {
    node.json(&["incident", "new", teks, "--json"])
}

#[test]
fn quick_capture_log_correct_tick_close_and_audit_verifies() {
    // An identity: evidence files of a TLP:AMBER incident are stored encrypted to the node's key.
    let mut node = TestNode::init_with(|_| {});
    node.create_identity("frasa sandi uji insiden", true);
    node.start();
    let i = new_incident(&node, "Server web OPD mengirim trafik aneh ke luar");
    let id = i["id"].as_u64().unwrap();
    let sid = id.to_string();
    assert_eq!(i["status"], "terbuka");
    assert_eq!(i["linimasa"][0]["jenis"], "dibuka");
    assert_eq!(i["linimasa"][0]["oleh"], "Admin Uji");
    assert_eq!(i["diketahui_at"], i["dicatat_at"]);
    assert!(
        i["terjadi_at"].is_null(),
        "occurred-at is kept apart and unset"
    );
    // Default checklist: the two time-norm steps.
    let kode: Vec<&str> = i["langkah"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kode"].as_str().unwrap())
        .collect();
    assert_eq!(kode, ["U1", "U2"]);

    for t in ["isolasi jaringan", "hubungi admin OPD", "backup log"] {
        node.kasa_ok(&["incident", "log", &sid, t]);
    }
    let v = node.json(&[
        "incident",
        "log",
        &sid,
        "kabel dicabut",
        "--pelaksana",
        "Budi",
        "--json",
    ]);
    let lin = v["linimasa"].as_array().unwrap();
    assert_eq!(lin.len(), 5);
    assert_eq!(lin[4]["pelaksana"], "Budi");
    let mut ats: Vec<&str> = lin.iter().map(|e| e["at"].as_str().unwrap()).collect();
    ats.dedup();
    assert_eq!(ats.len(), 5, "timestamps are distinct: {ats:?}");
    let seqs: Vec<u64> = lin
        .iter()
        .map(|e| e["audit_seq"].as_u64().unwrap())
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]) && seqs[0] > 0,
        "{seqs:?}"
    );

    // Correction: a new entry linked to entry 3; entry 3 unchanged.
    let v = node.json(&[
        "incident",
        "log",
        &sid,
        "hubungi admin OPD dan Kasi",
        "--koreksi",
        "3",
        "--alasan",
        "nama pihak kurang",
        "--json",
    ]);
    let lin = v["linimasa"].as_array().unwrap();
    assert_eq!(lin[2]["teks"], "hubungi admin OPD");
    assert_eq!(lin[5]["jenis"], "koreksi");
    assert_eq!(lin[5]["koreksi_atas"], 3);
    assert_eq!(lin[5]["alasan"], "nama pihak kurang");

    // Fill in the record later; playbook; tick.
    node.kasa_ok(&[
        "incident",
        "set",
        &sid,
        "--kategori",
        "program_jahat",
        "--keparahan",
        "3",
        "--tlp",
        "amber+strict",
        "--sistem",
        "web-opd-01",
        "--sumber-tidak-diketahui",
        "--koordinator",
        "Ani",
    ]);
    node.kasa_ok(&["incident", "playbook", &sid, "A"]);
    let v = node.json(&["incident", "tick", &sid, "u1", "--json"]);
    let u1 = &v["langkah"][0];
    assert_eq!(u1["dicentang"]["oleh"], "Admin Uji");
    assert_eq!(
        v["linimasa"].as_array().unwrap().last().unwrap()["jenis"],
        "langkah"
    );
    // The C2 decision is the responsible official's (PI.03 C2): the admin is refused, the Kasi decides.
    let o = node.kasa(&[
        "incident",
        "decide",
        &sid,
        "hentikan",
        "--oleh",
        "Kepala Seksi",
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("insiden.keputusan"));
    node.become_role("kasi");
    node.kasa_ok(&[
        "incident",
        "decide",
        &sid,
        "hentikan",
        "--oleh",
        "Kepala Seksi",
    ]);
    node.kasa_ok(&["incident", "status", &sid, "penanganan"]);

    // Refusals name the problem and what to do.
    let o = node.kasa(&["incident", "tick", &sid, "U1"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("sudah dicentang"));
    let o = node.kasa(&["incident", "status", &sid, "terbuka"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("hanya maju"));
    let o = node.kasa(&["incident", "close", &sid, "--pelajaran", "  "]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("pelajaran"));
    let o = node.kasa(&["incident", "log", "999", "x"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("kasa incident list"));

    // Evidence with a file hash and a custody transfer.
    let f = node.scratch().join("dump.pcap");
    std::fs::write(&f, b"pcap bytes").unwrap();
    node.kasa_ok(&[
        "incident",
        "evidence",
        &sid,
        "tangkapan trafik",
        "--file",
        f.to_str().unwrap(),
        "--pemegang",
        "Ani",
    ]);
    // The file itself is kept with the incident, encrypted at rest (no plaintext copy).
    let h = sha256_hex(b"pcap bytes");
    let blob = node.data.join("blobs").join(&h[..2]).join(&h);
    assert!(!blob.exists(), "no plaintext blob at {}", blob.display());
    let sealed = std::fs::read(blob.with_extension("age")).expect("the encrypted blob");
    assert!(sealed.starts_with(b"age-encryption.org/v1"));
    assert!(!sealed.windows(10).any(|w| w == b"pcap bytes"));
    // Custody starts with the holder named at recording: a handover from anyone else is refused.
    let o = node.kasa(&[
        "incident", "custody", &sid, "1", "--dari", "Budi", "--ke", "Ani", "--tempat", "x",
    ]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("pemegang sekarang, yaitu Ani"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = node.json(&[
        "incident",
        "custody",
        &sid,
        "1",
        "--dari",
        "Ani",
        "--ke",
        "Budi",
        "--tempat",
        "kamar sandi",
        "--json",
    ]);
    assert_eq!(v["bukti"][0]["sha256"], sha256_hex(b"pcap bytes"));
    assert_eq!(v["bukti"][0]["serah_terima"][0]["ke"], "Budi");
    // The handover line is written in the node's zone (WITA), never as a UTC instant (issue 12).
    let shown = node.kasa_ok(&["incident", "show", &sid]);
    let line = shown
        .lines()
        .find(|l| l.contains("serah terima Ani → Budi"))
        .unwrap_or_else(|| panic!("custody line in:\n{shown}"));
    assert!(line.contains(" WITA)"), "{line}");
    assert!(!line.contains("Z)"), "no UTC instant: {line}");

    // List shows it open with SLA cells; close; closed ones leave the default list.
    let l = node.json(&["incident", "list", "--json"]);
    assert_eq!(l["insiden"].as_array().unwrap().len(), 1);
    // Playbook A marks A9 (documentation) as required to close, and A9 needs the report first.
    let close = [
        "incident",
        "close",
        &sid,
        "--pelajaran",
        "pasang IDS di segmen OPD",
    ];
    let o = node.kasa(&close);
    assert!(String::from_utf8_lossy(&o.stderr).contains("langkah wajib belum dicentang: A9"));
    let o = node.kasa(&["incident", "tick", &sid, "A9"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("memerlukan laporan"));
    let draft = node.scratch().join("lap-awal");
    node.kasa_ok(&["incident", "report", &sid, "--out", draft.to_str().unwrap()]);
    let pdf = std::fs::read(draft.join(format!("insiden-{id}.pdf"))).unwrap();
    let v = node.json(&["incident", "tick", &sid, "A9", "--json"]);
    let lap = v["linimasa"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["jenis"] == "laporan")
        .expect("the report is on the timeline");
    assert_eq!(lap["sha256"], sha256_hex(&pdf));
    assert!(
        lap["nomor"]
            .as_str()
            .unwrap()
            .starts_with(&format!("INS/{id}/")),
        "{lap}"
    );
    node.kasa_ok(&close);
    let l = node.json(&["incident", "list", "--json"]);
    assert!(l["insiden"].as_array().unwrap().is_empty());
    let l = node.json(&["incident", "list", "--semua", "--json"]);
    assert_eq!(l["insiden"][0]["status"], "ditutup");
    let o = node.kasa(&["incident", "log", &sid, "terlambat"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("sudah ditutup"));

    // Mixed session: agenda writes between incident writes.
    let png = node.scratch().join("scan.png");
    std::fs::write(&png, tiny_png(1)).unwrap();
    let v = node.json(&["ingest", "--json", png.to_str().unwrap()]);
    let eid = v["results"][0]["outcome"]["id"]
        .as_u64()
        .unwrap()
        .to_string();
    node.kasa_ok(&["agenda", "note", &eid, "dipindai saat insiden"]);
    node.kasa_ok(&[
        "incident",
        "log",
        &sid,
        "koreksi setelah ditutup",
        "--koreksi",
        "2",
        "--alasan",
        "urutan",
    ]);

    // Report files.
    let out = node.scratch().join("lap");
    node.kasa_ok(&["incident", "report", &sid, "--out", out.to_str().unwrap()]);
    let md = std::fs::read_to_string(out.join(format!("insiden-{id}.md"))).unwrap();
    assert!(md.contains("KOREKSI atas #3"));
    assert!(md.contains("[dikoreksi oleh #6]"));
    let pdf = std::fs::read(out.join(format!("insiden-{id}.pdf"))).unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(out.join(format!("insiden-{id}.pdf")))
            .unwrap()
            .permissions(),
    ) & 0o777;
    assert_eq!(mode, 0o600, "report files are 0600");
    // A second report into the same folder is refused: nothing is overwritten.
    let again = node.kasa(&["incident", "report", &sid, "--out", out.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("sudah ada"));

    // Audit chain verifies and names each incident action.
    node.kasa_ok(&["audit", "verify"]);
    let tail = node.audit_tail(50);
    let acts: Vec<&str> = tail
        .iter()
        .filter(|r| r["object"] == format!("insiden:{id}"))
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert!(
        acts.contains(&"insiden.buka")
            && acts.contains(&"insiden.laporan")
            && acts.contains(&"insiden.tutup"),
        "{acts:?}"
    );
}

/// `YYYY-MM-DD HH:MM` in WITA (the test node's zone) of this run's clock shifted by `mins`.
fn wita(mins: i64) -> String {
    (kasa::clock::now() + jiff::SignedDuration::from_mins(mins))
        .to_zoned(jiff::tz::TimeZone::get("Asia/Makassar").unwrap())
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

fn refused(node: &TestNode, args: &[&str], says: &str) {
    let o = node.kasa(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{args:?} accepted");
    assert!(err.contains(says), "{args:?}: expected '{says}' in: {err}");
}

#[test]
fn impossible_times_custody_and_branches_are_refused_and_closing_settles_the_alarms() {
    let node = TestNode::start_new();
    // terjadi ≤ diketahui ≤ now.
    refused(
        &node,
        &["incident", "new", "x", "--diketahui", &wita(30)],
        "masa depan",
    );
    refused(
        &node,
        &[
            "incident",
            "new",
            "x",
            "--diketahui",
            &wita(-60),
            "--terjadi",
            &wita(-30),
        ],
        "terjadi ≤ diketahui ≤ sekarang",
    );
    // Known an hour ago: both PI.03 clocks are breached and the SLA watch raises their alarms.
    let i = node.json(&[
        "incident",
        "new",
        "PC keuangan terkunci",
        "--diketahui",
        &wita(-60),
        "--terjadi",
        &wita(-70),
        "--json",
    ]);
    let id = i["id"].as_u64().unwrap().to_string();
    let open_sla = |node: &TestNode| -> usize {
        node.json(&["alarm", "list", "--json"])["alarms"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| {
                a["acked_by"].is_null()
                    && a["object"]
                        .as_str()
                        .unwrap()
                        .starts_with(&format!("insiden:{id}:sla:"))
            })
            .count()
    };
    assert!(
        wait_until(std::time::Duration::from_secs(10), || open_sla(&node) == 2),
        "the SLA watch raises the two alarms"
    );
    // A tick cannot be dated before detection nor in the future.
    refused(
        &node,
        &["incident", "tick", &id, "U1", "--waktu", &wita(-65)],
        "sebelum insiden diketahui",
    );
    refused(
        &node,
        &["incident", "tick", &id, "U1", "--waktu", &wita(10)],
        "masa depan",
    );
    // Custody: only from the holder, never before recording, never in the future or out of order.
    node.kasa_ok(&["incident", "evidence", &id, "disk", "--pemegang", "Budi"]);
    let custody = |dari: &str, at: &str| {
        vec![
            "incident".to_string(),
            "custody".into(),
            id.clone(),
            "1".into(),
            "--dari".into(),
            dari.into(),
            "--ke".into(),
            "Wayan".into(),
            "--tempat".into(),
            "lemari".into(),
            "--at".into(),
            at.into(),
        ]
    };
    fn args(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    refused(
        &node,
        &args(&custody("Ani", &wita(0))),
        "pemegang sekarang, yaitu Budi",
    );
    refused(
        &node,
        &args(&custody("Budi", &wita(-30))),
        "sebelum bukti itu dicatat",
    );
    refused(
        &node,
        &args(&custody("Budi", &wita(60 * 24 * 30))),
        "masa depan",
    );
    // The B3/B4 branch follows what is known of the source, and only one is taken.
    node.kasa_ok(&["incident", "playbook", &id, "B"]);
    refused(
        &node,
        &["incident", "tick", &id, "B3"],
        "sumber serangan yang diketahui",
    );
    node.kasa_ok(&["incident", "set", &id, "--sumber", "203.0.113.9"]);
    node.kasa_ok(&["incident", "tick", &id, "B3"]);
    node.kasa_ok(&["incident", "set", &id, "--sumber-tidak-diketahui"]);
    refused(&node, &["incident", "tick", &id, "B4"], "saling meniadakan");
    // Closing needs B5, which needs the report; closing settles the SLA alarms.
    refused(
        &node,
        &["incident", "close", &id, "--pelajaran", "x"],
        "langkah wajib belum dicentang: B5",
    );
    let out = node.scratch().join("lap");
    node.kasa_ok(&["incident", "report", &id, "--out", out.to_str().unwrap()]);
    node.kasa_ok(&["incident", "tick", &id, "B5"]);
    node.kasa_ok(&[
        "incident",
        "close",
        &id,
        "--pelajaran",
        "kunci layar otomatis",
    ]);
    assert_eq!(open_sla(&node), 0, "closing leaves no SLA alarm open");

    // Void: a mistaken incident stops counting; merge moves the record.
    let v = new_incident(&node, "latihan, bukan insiden");
    let vid = v["id"].as_u64().unwrap().to_string();
    let v = node.json(&[
        "incident",
        "void",
        &vid,
        "--alasan",
        "dibuka keliru",
        "--json",
    ]);
    assert_eq!(v["status"], "dibatalkan");
    assert_eq!(v["batal"]["alasan"], "dibuka keliru");
    let a = new_incident(&node, "ransomware PC keuangan");
    let b = new_incident(&node, "PC keuangan minta tebusan");
    let (aid, bid) = (a["id"].to_string(), b["id"].to_string());
    let m = node.json(&[
        "incident",
        "merge",
        &bid,
        "--ke",
        &aid,
        "--alasan",
        "kejadian sama",
        "--json",
    ]);
    assert_eq!(m["status"], "digabung");
    let kept = node.json(&["incident", "show", &aid, "--json"]);
    assert!(
        kept["linimasa"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["jenis"] == "gabungan"
                && e["teks"].as_str().unwrap().contains("minta tebusan")),
        "{kept}"
    );
    node.kasa_ok(&["audit", "verify"]);
}
