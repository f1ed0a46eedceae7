//! Disposisi on a real node with four operators under four Unix uids (seed 004 langkah 1–4):
//! Kadis → Kabid → Kasi → Sandiman, each sees the item only when it reaches them, each step attributed,
//! the Sandiman closes it; and each chain-rule refusal names its rule. Needs root (as tests/node_access.rs).

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::*;
use serde_json::Value;

const GID: u32 = 4243;
const KADIS: u32 = 2001;
const KABID: u32 = 2002;
const KASI: u32 = 2003;
const SANDIMAN: u32 = 2004;

struct Office {
    node: TestNode,
    sockdir: tempfile::TempDir,
    socket: PathBuf,
}

impl Office {
    /// A node with Kadis, Kabid, Kasi (Ahli Sandi) and Sandiman operators.
    fn new() -> Office {
        let (node, sockdir, socket) = start_with_group_socket(GID);
        for (uid, nama, role, kual) in [
            (KADIS, "I Made Kadis", "kadis", None),
            (KABID, "Ni Luh Kabid", "kabid", None),
            (KASI, "I Ketut Kasi", "kasi", Some("Ahli Sandi Tingkat II")),
            (
                SANDIMAN,
                "Ni Made Sandiman",
                "sandiman",
                Some("Ahli Sandi Tingkat I"),
            ),
        ] {
            let uid_s = uid.to_string();
            let user = format!("op{uid}");
            let mut args = vec![
                "operator",
                "add",
                "--uid",
                &uid_s,
                "--username",
                &user,
                "--nama",
                nama,
                "--role",
                role,
            ];
            if let Some(k) = kual {
                args.extend(["--kualifikasi", k]);
            }
            node.kasa_ok(&args);
        }
        Office {
            node,
            sockdir,
            socket,
        }
    }

    fn as_uid(&self, uid: u32, args: &[&str]) -> Output {
        kasa_as(uid, GID, &self.socket, self.sockdir.path(), args)
    }

    fn ok(&self, uid: u32, args: &[&str]) -> Value {
        let o = self.as_uid(uid, args);
        assert!(
            o.status.success(),
            "uid {uid} {args:?}: {}\n--- node log\n{}",
            describe(&o),
            self.node.log()
        );
        serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("uid {uid} {args:?}: not JSON ({e}): {}", describe(&o)))
    }

    /// Runs a command that must be refused; returns stderr.
    fn refused(&self, uid: u32, args: &[&str]) -> String {
        let o = self.as_uid(uid, args);
        assert!(
            !o.status.success(),
            "uid {uid} {args:?} was accepted: {}",
            describe(&o)
        );
        String::from_utf8_lossy(&o.stderr).into_owned()
    }

    /// Pending ids for `uid` (`kasa disposisi list --json`).
    fn pending(&self, uid: u32) -> Vec<u64> {
        self.ok(uid, &["disposisi", "list", "--json"])["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_u64().unwrap())
            .collect()
    }

    /// A scan handed in (status `baru`); returns its id.
    fn scan(&self, n: u64) -> u64 {
        let f = self.node.scratch().join(format!("in-{n}.png"));
        std::fs::write(&f, tiny_png(n)).unwrap();
        let v = self.node.json(&["ingest", "--json", f.to_str().unwrap()]);
        v["results"][0]["outcome"]["id"].as_u64().unwrap()
    }

    /// A registered masuk entry (by the admin, as the sandiman's agenda step).
    fn registered(&self, n: u64) -> u64 {
        let id = self.scan(n);
        self.node.kasa_ok(&[
            "agenda",
            "register",
            &id.to_string(),
            "--perihal",
            "Permohonan pengiriman berita rahasia",
            "--klasifikasi",
            "Rahasia",
            "--tujuan",
            "Kepala Dinas Kesehatan",
            "--derajat",
            "Segera",
        ]);
        id
    }
}

fn first_id(v: &Value) -> u64 {
    v["records"][0]["id"].as_u64().unwrap()
}

#[test]
fn chain_004_kadis_kabid_kasi_sandiman_across_four_uids() {
    if !is_root() {
        eprintln!("skipped: needs root to run clients under other uids");
        return;
    }
    let o = Office::new();
    let entry = o.registered(1);
    let e = entry.to_string();

    // Nobody below the Kadis sees anything yet, nor may start the chain.
    for uid in [KABID, KASI, SANDIMAN] {
        assert!(o.pending(uid).is_empty(), "uid {uid}");
    }
    let err = o.refused(
        KABID,
        &[
            "disposisi",
            "new",
            &e,
            "--kepada",
            "op2003",
            "--instruksi",
            "Untuk diketahui",
        ],
    );
    assert!(err.contains("aturan pemula"), "{err}");

    // Kadis → Kabid (004 langkah 2).
    let d1 = first_id(&o.ok(
        KADIS,
        &[
            "disposisi",
            "new",
            &e,
            "--kepada",
            "op2002",
            "--instruksi",
            "untuk ditindaklanjuti",
            "--catatan",
            "Segera kirim melalui persandian",
            "--json",
        ],
    ));
    assert_eq!(o.pending(KABID), vec![d1]);
    assert!(o.pending(KASI).is_empty() && o.pending(SANDIMAN).is_empty());
    // Nor does the Kasi see the chain of the entry, or the Kabid's item, before it reaches them.
    let v = o.ok(KASI, &["disposisi", "show", &e, "--entry", "--json"]);
    assert_eq!(v["records"].as_array().unwrap().len(), 0, "{v}");
    let err = o.refused(KASI, &["disposisi", "show", &d1.to_string()]);
    assert!(err.contains("bukan untuk atau dari Anda"), "{err}");
    let dari = o.ok(KADIS, &["disposisi", "list", "--dari-saya", "--json"]);
    assert_eq!(dari["records"][0]["instruksi"][0], "Untuk ditindaklanjuti");
    assert_eq!(dari["records"][0]["keadaan"], "diterbitkan");

    // Kabid opens it; Kabid → Kasi (langkah 3).
    let r = o.ok(KABID, &["disposisi", "read", &d1.to_string(), "--json"]);
    assert_eq!(r["records"][0]["keadaan"], "dibaca");
    let d2 = first_id(&o.ok(
        KABID,
        &[
            "disposisi",
            "forward",
            &d1.to_string(),
            "--kepada",
            "2003",
            "--instruksi",
            "Untuk ditindaklanjuti",
            "--json",
        ],
    ));
    assert!(
        o.pending(KABID).is_empty(),
        "forwarded items leave the list"
    );
    assert_eq!(o.pending(KASI), vec![d2]);
    assert!(o.pending(SANDIMAN).is_empty());
    let v = o.ok(KASI, &["disposisi", "show", &e, "--entry", "--json"]);
    assert_eq!(
        v["records"].as_array().unwrap().len(),
        2,
        "now with the chain above"
    );

    // Kasi → Sandiman (langkah 4); the Sandiman closes it.
    let d3 = first_id(&o.ok(
        KASI,
        &[
            "disposisi",
            "forward",
            &d2.to_string(),
            "--kepada",
            "op2004",
            "--instruksi",
            "Siapkan bahan",
            "--json",
        ],
    ));
    assert_eq!(o.pending(SANDIMAN), vec![d3]);
    let done = o.ok(
        SANDIMAN,
        &[
            "disposisi",
            "done",
            &d3.to_string(),
            "--catatan",
            "Kriptogram terkirim ke OPD",
            "--json",
        ],
    );
    assert_eq!(done["records"][0]["keadaan"], "selesai");
    assert!(o.pending(SANDIMAN).is_empty());

    // The chain, every step attributed.
    let chain = o.ok(KADIS, &["disposisi", "show", &d1.to_string(), "--json"]);
    assert_eq!(chain["entry"]["status"], "didisposisi");
    assert_eq!(chain["saran"]["ke"], "Kasi Persandian");
    let recs = chain["records"].as_array().unwrap();
    let by_id = |id: u64| recs.iter().find(|r| r["id"] == id).unwrap().clone();
    let (r1, r2, r3) = (by_id(d1), by_id(d2), by_id(d3));
    assert_eq!(
        (r1["dari"]["uid"].as_u64(), r1["kepada"]["uid"].as_u64()),
        (Some(2001), Some(2002))
    );
    assert_eq!(
        (r2["dari"]["uid"].as_u64(), r2["kepada"]["uid"].as_u64()),
        (Some(2002), Some(2003))
    );
    assert_eq!(
        (r3["dari"]["uid"].as_u64(), r3["kepada"]["uid"].as_u64()),
        (Some(2003), Some(2004))
    );
    assert_eq!(r2["parent"], d1);
    assert_eq!(r3["parent"], d2);
    assert_eq!(r1["keadaan"], "diteruskan");
    assert_eq!(r2["keadaan"], "diteruskan");
    assert_eq!(r3["hasil"], "Kriptogram terkirim ke OPD");
    assert_eq!(
        r2["batas_waktu"], r1["batas_waktu"],
        "a forward keeps the parent's batas waktu"
    );
    let steps = |r: &Value| -> Vec<(String, u64)> {
        r["langkah"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["keadaan"].as_str().unwrap().to_string(),
                    l["uid"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(
        steps(&r1),
        [
            ("diterbitkan".into(), 2001),
            ("dibaca".into(), 2002),
            ("diteruskan".into(), 2002)
        ]
    );
    assert_eq!(
        steps(&r3),
        [
            ("diterbitkan".into(), 2003),
            ("dibaca".into(), 2004),
            ("selesai".into(), 2004)
        ]
    );
    // Batas waktu from Segera: 48 h after issue.
    let issued: jiff::Timestamp = r1["issued_at"].as_str().unwrap().parse().unwrap();
    let batas: jiff::Timestamp = r1["batas_waktu"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        batas.duration_since(issued),
        jiff::SignedDuration::from_hours(48)
    );

    // Timeline events on the entry, attributed.
    let ent = o.node.json(&["agenda", "show", &e, "--json"]);
    let tl = ent["timeline"].as_array().unwrap();
    for (kind, uid) in [
        ("disposisi", 2001),
        ("disposisi.dibaca", 2002),
        ("disposisi", 2002),
        ("disposisi", 2003),
        ("disposisi.selesai", 2004),
    ] {
        assert!(
            tl.iter().any(|t| t["kind"] == kind && t["uid"] == uid),
            "no {kind} by {uid}: {tl:?}"
        );
    }
    // Audit records, attributed.
    let audit = o.node.audit_tail(100);
    for (action, uid) in [
        ("disposisi.issue", 2001),
        ("disposisi.read", 2002),
        ("disposisi.forward", 2002),
        ("disposisi.forward", 2003),
        ("disposisi.done", 2004),
    ] {
        assert!(
            audit
                .iter()
                .any(|a| a["action"] == action && a["uid"] == uid),
            "no audit {action} by {uid}"
        );
    }
    o.node.kasa_ok(&["audit", "verify"]);

    // The printed sheet names every paraf.
    let sheet = String::from_utf8(
        o.as_uid(KADIS, &["disposisi", "print", &d1.to_string()])
            .stdout,
    )
    .unwrap();
    for who in [
        "I Made Kadis",
        "Ni Luh Kabid",
        "I Ketut Kasi",
        "Ni Made Sandiman",
    ] {
        assert!(sheet.contains(who), "{who} missing:\n{sheet}");
    }
    let pdf = o.sockdir.path().join("lembar.pdf");
    let out = o.node.kasa(&[
        "disposisi",
        "print",
        &d1.to_string(),
        "--pdf",
        pdf.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
}

#[test]
fn every_rule_refusal_names_its_rule() {
    if !is_root() {
        eprintln!("skipped: needs root to run clients under other uids");
        return;
    }
    let o = Office::new();
    let entry = o.registered(1).to_string();

    // Skipping a level: Kadis → Kasi.
    let err = o.refused(
        KADIS,
        &[
            "disposisi",
            "new",
            &entry,
            "--kepada",
            "op2003",
            "--instruksi",
            "Untuk diketahui",
        ],
    );
    assert!(
        err.contains("aturan tanpa-lompat") && err.contains("kabid"),
        "{err}"
    );

    // An unknown instruksi.
    let err = o.refused(
        KADIS,
        &[
            "disposisi",
            "new",
            &entry,
            "--kepada",
            "op2002",
            "--instruksi",
            "Tolong",
        ],
    );
    assert!(
        err.contains("aturan isian") && err.contains("Untuk diketahui"),
        "{err}"
    );

    // Cancel while unread works (issuer only); after the read it is refused.
    let d = first_id(&o.ok(
        KADIS,
        &[
            "disposisi",
            "new",
            &entry,
            "--kepada",
            "op2002",
            "--instruksi",
            "Untuk diketahui",
            "--json",
        ],
    ));
    let err = o.refused(KABID, &["disposisi", "cancel", &d.to_string()]);
    assert!(err.contains("aturan batal-sebelum-dibaca"), "{err}");
    let c = o.ok(
        KADIS,
        &[
            "disposisi",
            "cancel",
            &d.to_string(),
            "--alasan",
            "salah penerima",
            "--json",
        ],
    );
    assert_eq!(c["records"][0]["keadaan"], "dibatalkan");
    assert!(o.pending(KABID).is_empty());
    let d = first_id(&o.ok(
        KADIS,
        &[
            "disposisi",
            "new",
            &entry,
            "--kepada",
            "op2002",
            "--instruksi",
            "Untuk diketahui",
            "--json",
        ],
    ));
    let err = o.refused(
        KADIS,
        &[
            "disposisi",
            "new",
            &entry,
            "--kepada",
            "op2002",
            "--instruksi",
            "Untuk diketahui",
        ],
    );
    assert!(
        err.contains("aturan penerima") && err.contains(&format!("#{d}")),
        "{err}"
    );
    o.ok(KABID, &["disposisi", "read", &d.to_string(), "--json"]);
    let err = o.refused(KADIS, &["disposisi", "cancel", &d.to_string()]);
    assert!(
        err.contains("aturan batal-sebelum-dibaca") && err.contains("dibaca"),
        "{err}"
    );

    // A batas waktu in the past, or beyond the superior's.
    let err = o.refused(
        KADIS,
        &[
            "disposisi",
            "new",
            &entry,
            "--kepada",
            "op2002",
            "--instruksi",
            "Untuk diketahui",
            "--batas",
            "2020-01-01 08:00",
        ],
    );
    assert!(
        err.contains("aturan batas-waktu") && err.contains("sudah lewat"),
        "{err}"
    );
    let err = o.refused(
        KABID,
        &[
            "disposisi",
            "forward",
            &d.to_string(),
            "--kepada",
            "op2003",
            "--instruksi",
            "Untuk diketahui",
            "--batas",
            "2099-01-01T08:00:00+08:00",
        ],
    );
    assert!(
        err.contains("aturan batas-waktu") && err.contains("melewati"),
        "{err}"
    );

    // Upward: Kabid → Kadis.
    let err = o.refused(
        KABID,
        &[
            "disposisi",
            "forward",
            &d.to_string(),
            "--kepada",
            "op2001",
            "--instruksi",
            "Untuk diketahui",
        ],
    );
    assert!(err.contains("aturan ke-bawah"), "{err}");
    // Somebody else's item.
    let err = o.refused(
        KASI,
        &[
            "disposisi",
            "forward",
            &d.to_string(),
            "--kepada",
            "op2004",
            "--instruksi",
            "Untuk diketahui",
        ],
    );
    assert!(err.contains("aturan berurutan"), "{err}");
    // Returned: tidak perlu disposisi.
    let r = o.ok(
        KABID,
        &[
            "disposisi",
            "done",
            &d.to_string(),
            "--kembalikan",
            "--json",
        ],
    );
    assert_eq!(r["records"][0]["keadaan"], "dikembalikan");
    assert_eq!(r["records"][0]["hasil"], "tidak perlu disposisi");

    // An unregistered scan.
    let scan = o.scan(2).to_string();
    let err = o.refused(
        KADIS,
        &[
            "disposisi",
            "new",
            &scan,
            "--kepada",
            "op2002",
            "--instruksi",
            "Untuk diketahui",
        ],
    );
    assert!(
        err.contains("aturan teragenda") && err.contains("agenda register"),
        "{err}"
    );

    // Nothing of the refused attempts was written; the chain still verifies.
    let audit = o.node.audit_tail(200);
    let n = audit
        .iter()
        .filter(|a| a["action"] == "disposisi.issue")
        .count();
    assert_eq!(n, 2, "two accepted issues only");
    o.node.kasa_ok(&["audit", "verify"]);
}

#[test]
fn a_keluar_request_is_disposed_too_and_the_rules_file_is_checked_and_used() {
    if !is_root() {
        eprintln!("skipped: needs root to run clients under other uids");
        return;
    }
    let o = Office::new();
    // 004 langkah 1–4: a permohonan (keluar draft) goes down the chain as well.
    let draft = o.node.json(&[
        "keluar",
        "new",
        "--perihal",
        "Permohonan pengiriman berita rahasia",
        "--json",
    ]);
    let draft = draft["id"].as_u64().unwrap().to_string();
    let d = o.ok(
        KADIS,
        &[
            "disposisi",
            "new",
            &draft,
            "--kepada",
            "op2002",
            "--instruksi",
            "Untuk ditindaklanjuti",
            "--json",
        ],
    );
    assert_eq!(
        d["records"][0]["entry_id"].as_u64().unwrap().to_string(),
        draft
    );
    // Role recipients: every active operator of the role.
    let entry = o.registered(3).to_string();
    let d = o.ok(
        KADIS,
        &[
            "disposisi",
            "new",
            &entry,
            "--peran",
            "kabid",
            "--instruksi",
            "Untuk diketahui",
            "--json",
        ],
    );
    assert_eq!(d["records"][0]["kepada"]["uid"], KABID);

    // A broken rules file is named by `kasa config check` with its line; fixed, it governs the node.
    let rules = o.node.data.join("disposisi.toml");
    std::fs::write(&rules, "instruksi = [\"Untuk diketahui\"]\nhierarki = [\"kadis\", \"lurah\"]\npemula = [\"kadis\"]\n").unwrap();
    let out = o.node.kasa(&["config", "check"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("disposisi.toml:2") && err.contains("lurah"),
        "{err}"
    );
    let err = o.refused(
        KADIS,
        &[
            "disposisi",
            "new",
            &entry,
            "--kepada",
            "op2002",
            "--instruksi",
            "Untuk diketahui",
        ],
    );
    assert!(
        err.contains("disposisi.toml") && err.contains("config check"),
        "{err}"
    );
    let shipped = include_str!("../data/disposisi.toml")
        .replace("boleh_lompat = false", "boleh_lompat = true");
    std::fs::write(&rules, shipped).unwrap();
    o.node.kasa_ok(&["config", "check"]);
    // Skipping a level is now allowed: Kadis → Kasi.
    let d = o.ok(
        KADIS,
        &[
            "disposisi",
            "new",
            &entry,
            "--kepada",
            "op2003",
            "--instruksi",
            "Untuk diketahui",
            "--json",
        ],
    );
    assert_eq!(d["records"][0]["kepada"]["uid"], KASI);
}

#[test]
fn kriptogram_work_skips_a_kasi_without_ahli_sandi() {
    if !is_root() {
        eprintln!("skipped: needs root to run clients under other uids");
        return;
    }
    let o = Office::new();
    o.node.kasa_ok(&[
        "operator",
        "add",
        "--uid",
        "2005",
        "--username",
        "op2005",
        "--nama",
        "I Nyoman Kasi Baru",
        "--role",
        "kasi",
    ]);
    let draft = o.node.json(&[
        "keluar",
        "new",
        "--kriptogram",
        "--perihal",
        "Berita rahasia ke Provinsi",
        "--json",
    ]);
    let draft = draft["id"].as_u64().unwrap().to_string();
    let d1 = first_id(&o.ok(
        KADIS,
        &[
            "disposisi",
            "new",
            &draft,
            "--kepada",
            "op2002",
            "--instruksi",
            "Untuk ditindaklanjuti",
            "--json",
        ],
    ));
    let d1 = d1.to_string();
    // 002 langkah 2: the Kasi without the qualification does not take kriptogram work.
    let err = o.refused(
        KABID,
        &[
            "disposisi",
            "forward",
            &d1,
            "--kepada",
            "op2005",
            "--instruksi",
            "Untuk ditindaklanjuti",
        ],
    );
    assert!(
        err.contains("aturan ahli-sandi") && err.contains("Sandiman"),
        "{err}"
    );
    // While a qualified Kasi is active, the Sandiman is not reached directly.
    let err = o.refused(
        KABID,
        &[
            "disposisi",
            "forward",
            &d1,
            "--kepada",
            "op2004",
            "--instruksi",
            "Untuk ditindaklanjuti",
        ],
    );
    assert!(err.contains("aturan tanpa-lompat"), "{err}");
    // Without one, the Kasi is skipped straight to the Sandiman.
    o.node.kasa_ok(&["operator", "disable", "2003"]);
    let d2 = o.ok(
        KABID,
        &[
            "disposisi",
            "forward",
            &d1,
            "--kepada",
            "op2004",
            "--instruksi",
            "Untuk ditindaklanjuti",
            "--json",
        ],
    );
    assert_eq!(d2["records"][0]["kepada"]["uid"], SANDIMAN);
    assert_eq!(o.pending(SANDIMAN).len(), 1);
}

#[test]
fn everything_returned_below_comes_back_to_the_holder_who_closes_it() {
    if !is_root() {
        eprintln!("skipped: needs root to run clients under other uids");
        return;
    }
    let o = Office::new();
    let e = o.registered(7).to_string();
    let d1 = first_id(&o.ok(
        KADIS,
        &[
            "disposisi",
            "new",
            &e,
            "--kepada",
            "op2002",
            "--instruksi",
            "Untuk ditindaklanjuti",
            "--json",
        ],
    ));
    let d2 = first_id(&o.ok(
        KABID,
        &[
            "disposisi",
            "forward",
            &d1.to_string(),
            "--kepada",
            "op2003",
            "--instruksi",
            "Siapkan bahan",
            "--json",
        ],
    ));
    assert!(
        o.pending(KABID).is_empty(),
        "forwarded: off the Kabid's list"
    );
    // The Kasi gives it back ("tidak perlu disposisi"): the Kabid has it again.
    o.ok(
        KASI,
        &[
            "disposisi",
            "done",
            &d2.to_string(),
            "--kembalikan",
            "--catatan",
            "bukan bidang Kasi",
            "--json",
        ],
    );
    assert_eq!(o.pending(KABID), vec![d1]);
    // Closing needs the Kabid's own result; with one it is selesai and the Kadis sees it.
    let err = o.refused(
        KABID,
        &["disposisi", "done", &d1.to_string(), "--catatan", ""],
    );
    assert!(err.contains("catatan hasil Anda sendiri"), "{err}");
    let r = o.ok(
        KABID,
        &[
            "disposisi",
            "done",
            &d1.to_string(),
            "--catatan",
            "ditangani langsung oleh Kabid",
            "--json",
        ],
    );
    assert_eq!(r["records"][0]["keadaan"], "selesai");
    let dari = o.ok(KADIS, &["disposisi", "list", "--dari-saya", "--json"]);
    assert_eq!(dari["records"][0]["keadaan"], "selesai");
}
