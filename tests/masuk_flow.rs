//! The receive flows of seed 003 SOP A, B and C driven through a real node by the operators of the SOP's
//! actors (the sandiman does every step; the Kasi receives what goes to an OPD), with the node's clock
//! injected (`KASA_TEST_NOW`): every step recorded with its actor and time, every clock started and
//! stopped, a breached norm raising its alarm after the node is restarted later. Also the cross-channel
//! check on the two copies of the surat pengantar in `samples/naskah/` and the SI APEL export.

mod common;

use std::time::Duration;

use common::*;
use serde_json::Value;

const GID: u32 = 4646;
/// A Tuesday morning in WITA (the test node's zone), inside office hours.
const T0: &str = "2026-12-01T09:00:00+08:00";

fn restart_at(rn: &mut RoleNode, at: &str) {
    rn.node.terminate();
    rn.node.node_env = vec![("KASA_TEST_NOW".into(), at.into())];
    rn.node.start();
}

fn start() -> Option<RoleNode> {
    if !is_root() {
        eprintln!("skipped: needs root to run clients under other uids");
        return None;
    }
    let mut rn = RoleNode::start(GID);
    restart_at(&mut rn, T0);
    Some(rn)
}

/// Drops `data` as `name` and returns the new entry's id.
fn drop_file(rn: &RoleNode, name: &str, data: &[u8]) -> u64 {
    let n = &rn.node;
    let before = n.entries_all().len();
    drop_atomic(&n.scratch(), &n.drop_dir(), name, data);
    assert!(
        n.wait_entries(before as u64 + 1, Duration::from_secs(30)),
        "{name} was not ingested: {}",
        n.log()
    );
    n.entries_named(name)[0]["id"].as_u64().unwrap()
}

fn sample_bytes(rel: &str) -> Vec<u8> {
    std::fs::read(sample(rel)).unwrap()
}

fn ok(rn: &RoleNode, role: &str, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    rn.json(role, &a)
}

fn refused(rn: &RoleNode, role: &str, args: &[&str], needle: &str) {
    let o = rn.kasa(role, args);
    assert!(!o.status.success(), "kasa {args:?} should be refused");
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains(needle),
        "kasa {args:?}: expected '{needle}' in: {e}"
    );
}

fn alur(rn: &RoleNode, id: u64) -> Value {
    ok(rn, "sandiman", &["masuk", "alur", &id.to_string()])
}

/// Every step of the entry's flow as (code, keadaan, done by).
fn steps(rn: &RoleNode, id: u64) -> Vec<(String, String, String)> {
    let a = alur(rn, id);
    a["jam"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| {
            (
                j["kode"].as_str().unwrap().to_string(),
                j["keadaan"].as_str().unwrap().to_string(),
                j["selesai"][1].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn register(rn: &RoleNode, id: u64, saluran: &str, extra: &[&str]) -> Value {
    let sid = id.to_string();
    let mut a = vec![
        "agenda",
        "register",
        &sid,
        "--klasifikasi",
        "Biasa",
        "--saluran",
        saluran,
    ];
    a.extend_from_slice(extra);
    ok(rn, "sandiman", &a)
}

/// Steps after registration, each by the sandiman: distribution (to `jenis`), tanda terima, SI APEL,
/// archive.
fn finish(rn: &RoleNode, id: u64, jenis: &str, ke: &str) {
    let sid = id.to_string();
    let e = ok(
        rn,
        "sandiman",
        &["masuk", "distribusi", &sid, "--jenis", jenis, "--ke", ke],
    );
    assert_eq!(e["distribusi"][0]["oleh"], "Uji sandiman");
    let e = ok(
        rn,
        "sandiman",
        &["masuk", "terima", &sid, "1", "--nama", "Uji kasi"],
    );
    assert_eq!(e["distribusi"][0]["tanda_terima"]["nama"], "Uji kasi");
    let e = ok(rn, "sandiman", &["siapel", "entri", &sid]);
    assert_eq!(e["siapel"]["oleh"], "Uji sandiman");
    rn.kasa("sandiman", &["agenda", "close", &sid, "--to", "diarsipkan"]);
}

fn alarm_objects(rn: &RoleNode) -> Vec<String> {
    rn.node
        .alarms()
        .iter()
        .filter(|a| a["kind"] == "alur.terlambat")
        .map(|a| a["object"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn flow_b_faksimili_every_step_and_a_breach() {
    let Some(mut rn) = start() else { return };
    let id = drop_file(&rn, "fax-1.pdf", &tiny_pdf(1));
    // Before registration the scan runs the first steps (B1 done by the node, B2's clock running).
    let s = steps(&rn, id);
    assert_eq!(s[0], ("B1".into(), "tepat".into(), "node".into()));
    assert_eq!(s[1].1, "berjalan");
    // The channel is a closed list.
    refused(
        &rn,
        "sandiman",
        &[
            "agenda",
            "register",
            &id.to_string(),
            "--perihal",
            "x",
            "--klasifikasi",
            "Biasa",
            "--saluran",
            "Telegram",
        ],
        "Faksimili",
    );
    let e = register(
        &rn,
        id,
        "faksimili",
        &["--perihal", "Undangan rapat", "--tujuan", "Bupati Jembrana"],
    );
    assert_eq!(e["saluran"], "Faksimili", "stored as the list names it");
    finish(&rn, id, "bagian_umum", "");
    let s = steps(&rn, id);
    let codes: Vec<&str> = s.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(codes, ["B1", "B2", "B3", "B4", "B5"]);
    for (k, st, by) in &s[1..] {
        assert_eq!(st, "tepat", "{k} within its norm");
        assert_eq!(by, "Uji sandiman", "{k} done by the SOP's actor");
    }
    // Each step is a timeline event with who and when.
    let e = rn.node.json(&["agenda", "show", &id.to_string(), "--json"]);
    let kinds: Vec<&str> = e["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    for k in [
        "diterima",
        "diagendakan",
        "didistribusikan",
        "tanda_terima",
        "siapel",
        "diarsipkan",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }

    // A second fax registered but not distributed: B3's 10 minutes run out.
    let late = drop_file(&rn, "fax-2.pdf", &tiny_pdf(2));
    register(&rn, late, "Faksimili", &["--perihal", "Pemberitahuan"]);
    assert!(alarm_objects(&rn).is_empty(), "nothing late yet");
    restart_at(&mut rn, "2026-12-01T10:00:00+08:00");
    let want = format!("entry:{late}/langkah:B3");
    assert!(
        wait_until(Duration::from_secs(20), || alarm_objects(&rn)
            .contains(&want)),
        "alarm {want} raised: {:?}",
        rn.node.alarms()
    );
    assert!(
        !alarm_objects(&rn)
            .iter()
            .any(|o| o.starts_with(&format!("entry:{id}/"))),
        "the finished fax raises nothing"
    );
    let s = steps(&rn, late);
    assert_eq!(s[2].1, "lewat");
    // Done late: the clock stops and says so; the alarm is raised once.
    ok(
        &rn,
        "sandiman",
        &["masuk", "distribusi", &late.to_string(), "--jenis", "kasi"],
    );
    assert_eq!(steps(&rn, late)[2].1, "terlambat");
    assert_eq!(
        steps(&rn, late)[3].1,
        "berjalan",
        "B4 starts when B3 is done"
    );
    std::thread::sleep(Duration::from_secs(6));
    assert_eq!(alarm_objects(&rn).iter().filter(|o| **o == want).count(), 1);
}

#[test]
fn flow_c_sanapati_and_flow_a_kriptogram() {
    let Some(mut rn) = start() else { return };
    // C: Email Sanapati, with the cross-channel check as step C3.
    let c = drop_file(&rn, "sanapati-1.pdf", &tiny_pdf(11));
    let e = register(
        &rn,
        c,
        "Email Sanapati",
        &["--perihal", "Surat edaran", "--nomor-surat", "045/12/Setda"],
    );
    let t = e["timeline"].as_array().unwrap();
    let cocok = t.iter().find(|x| x["kind"] == "dicocokkan").unwrap();
    assert_eq!(cocok["detail"], "tidak ada berita lain yang mungkin sama");
    finish(&rn, c, "opd", "Dinas Kesehatan");
    let s = steps(&rn, c);
    let codes: Vec<&str> = s.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(codes, ["C1", "C2", "C3", "C4", "C5", "C6"]);
    assert!(
        s[1..]
            .iter()
            .all(|x| x.1 == "tepat" && x.2 == "Uji sandiman"),
        "{s:?}"
    );

    // A: a kriptogram translated to a surat salinan; distributed to the Kadis.
    let a = drop_file(&rn, "salinan-1.pdf", &tiny_pdf(12));
    register(&rn, a, "Kriptogram", &["--perihal", "Salinan kriptogram"]);
    finish(&rn, a, "pimpinan", "");
    let s = steps(&rn, a);
    let codes: Vec<&str> = s.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(codes, ["A1", "A2", "A3", "A4", "A5"]);
    assert!(
        s[1..]
            .iter()
            .all(|x| x.1 == "tepat" && x.2 == "Uji sandiman"),
        "{s:?}"
    );

    // Only the executors may distribute or record SI APEL (permission table, 003 A3/B3/C4).
    let x = drop_file(&rn, "fax-9.pdf", &tiny_pdf(13));
    register(&rn, x, "Faksimili", &["--perihal", "Lain"]);
    refused(
        &rn,
        "kabid",
        &["masuk", "distribusi", &x.to_string(), "--jenis", "kasi"],
        "agenda.distribusi",
    );

    // Breaches: a Sanapati letter distributed but not entered in SI APEL (C5, 5 min); a kriptogram's
    // salinan not distributed (A3, 10 min). An hour later the node raises one alarm for each.
    let c2 = drop_file(&rn, "sanapati-2.pdf", &tiny_pdf(14));
    register(&rn, c2, "Email Sanapati", &["--perihal", "Surat kedua"]);
    ok(
        &rn,
        "sandiman",
        &[
            "masuk",
            "distribusi",
            &c2.to_string(),
            "--jenis",
            "bagian_umum",
        ],
    );
    let a2 = drop_file(&rn, "salinan-2.pdf", &tiny_pdf(15));
    register(&rn, a2, "Kriptogram", &["--perihal", "Salinan kedua"]);
    restart_at(&mut rn, "2026-12-01T10:00:00+08:00");
    for want in [
        format!("entry:{c2}/langkah:C5"),
        format!("entry:{a2}/langkah:A3"),
    ] {
        assert!(
            wait_until(Duration::from_secs(20), || alarm_objects(&rn)
                .contains(&want)),
            "alarm {want}: {:?}",
            rn.node.alarms()
        );
    }
    assert_eq!(steps(&rn, c2)[4].1, "lewat");
    assert_eq!(steps(&rn, a2)[2].1, "lewat");
}

#[test]
fn scan_and_born_digital_copy_are_mungkin_sama_and_linked() {
    let Some(rn) = start() else { return };
    let born = drop_file(
        &rn,
        "surat-pengantar-laporan-persandian-jembrana.pdf",
        &sample_bytes("naskah/surat-pengantar-laporan-persandian-jembrana.pdf"),
    );
    let scan = drop_file(
        &rn,
        "scan-0001-surat-pengantar.pdf",
        &sample_bytes("naskah/scan-0001-surat-pengantar.pdf"),
    );
    // The born-digital copy by fax, its fields read from the letter.
    let e = ok(
        &rn,
        "sandiman",
        &[
            "agenda",
            "register",
            &born.to_string(),
            "--accept-suggestions",
            "--saluran",
            "Faksimili",
            "--asal",
            "Dinas Kominfo Kabupaten Jembrana",
            "--klasifikasi",
            "Biasa",
        ],
    );
    assert_eq!(e["nomor_surat"], "800/283/Kominfo/2021");
    // The scan by Email Sanapati, typed from the paper.
    let e = register(
        &rn,
        scan,
        "Email Sanapati",
        &[
            "--nomor-surat",
            "800 / 283 / Kominfo / 2021",
            "--asal",
            "Diskominfo Kab. Jembrana",
            "--perihal",
            "Penyampaian Laporan Hasil Pemantauan dan Evaluasi",
        ],
    );
    let cocok = e["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "dicocokkan")
        .unwrap()["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        cocok.starts_with("mungkin sama: ") && cocok.contains(&format!("entri {born}")),
        "{cocok}"
    );
    let m = ok(&rn, "sandiman", &["masuk", "mirip", &scan.to_string()]);
    assert_eq!(m[0]["id"].as_u64(), Some(born));
    assert_eq!(m[0]["alasan"], "nomor surat dan asal sama");
    // Linked after registration: the duplicate keeps its nomor agenda, the original lists it.
    let d = ok(
        &rn,
        "sandiman",
        &[
            "masuk",
            "duplikat",
            &scan.to_string(),
            "--dari",
            &born.to_string(),
        ],
    );
    assert_eq!(d["status"], "duplikat");
    assert_eq!(d["duplicate_of"].as_u64(), Some(born));
    assert!(d["nomor_agenda"].is_u64());
    let o = rn
        .node
        .json(&["agenda", "show", &born.to_string(), "--json"]);
    assert_eq!(o["duplikat"][0].as_u64(), Some(scan));
    // Never distributed or disposed twice.
    refused(
        &rn,
        "sandiman",
        &[
            "masuk",
            "distribusi",
            &scan.to_string(),
            "--jenis",
            "bagian_umum",
        ],
        "duplikat dari entri",
    );
    refused(
        &rn,
        "kadis",
        &[
            "disposisi",
            "new",
            &scan.to_string(),
            "--peran",
            "kabid",
            "--instruksi",
            "Untuk diketahui",
        ],
        "duplikat",
    );
    ok(
        &rn,
        "sandiman",
        &[
            "masuk",
            "distribusi",
            &born.to_string(),
            "--jenis",
            "bagian_umum",
        ],
    );
}

#[test]
fn siapel_export_of_a_scripted_month_and_the_reminder() {
    let Some(mut rn) = start() else { return };
    let mut ids = Vec::new();
    for (i, (saluran, perihal, asal)) in [
        (
            "Faksimili",
            "Undangan rapat koordinasi persandian",
            "Diskominfos Provinsi Bali",
        ),
        ("Email Sanapati", "Permintaan data, \"mendesak\"", "BSSN"),
        ("Faksimili", "=HYPERLINK(\"x\")", "Bagian Umum Setda"),
    ]
    .iter()
    .enumerate()
    {
        let id = drop_file(&rn, &format!("m{i}.pdf"), &tiny_pdf(40 + i as u64));
        register(
            &rn,
            id,
            saluran,
            &[
                "--perihal",
                perihal,
                "--asal",
                asal,
                "--nomor-surat",
                &format!("005/{i}/2026"),
                "--tanggal-surat",
                "2026-11-30",
            ],
        );
        ids.push(id);
    }
    ok(
        &rn,
        "sandiman",
        &[
            "siapel",
            "entri",
            &ids[0].to_string(),
            "--nomor",
            "SIAPEL-0001",
        ],
    );
    let belum = ok(&rn, "sandiman", &["siapel", "list", "--belum"]);
    assert_eq!(belum["entries"].as_array().unwrap().len(), 2);
    assert!(
        belum["ingat"].as_array().unwrap().is_empty(),
        "just registered: no reminder yet"
    );
    let o = rn.kasa(
        "sandiman",
        &[
            "siapel",
            "export",
            "--since",
            "2026-12-01",
            "--until",
            "2026-12-31",
        ],
    );
    assert!(o.status.success(), "{}", describe(&o));
    let csv = String::from_utf8(o.stdout).unwrap();
    insta::assert_snapshot!("siapel_export_december", csv.replace("\r\n", "⏎\n"));
    // Written to a file: 0600, and never over an existing one.
    let dir = rn.sockdir.path().join("keluaran");
    std::fs::create_dir(&dir).unwrap();
    std::os::unix::fs::chown(&dir, Some(RoleNode::uid("sandiman")), None).unwrap();
    let f = dir.join("siapel-desember.csv");
    let fs = f.to_str().unwrap();
    let o = rn.kasa(
        "sandiman",
        &["siapel", "export", "--since", "2026-12-01", "--out", fs],
    );
    assert!(o.status.success(), "{}", describe(&o));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
        0o600
    );
    refused(
        &rn,
        "sandiman",
        &["siapel", "export", "--since", "2026-12-01", "--out", fs],
        "tidak menimpa",
    );
    // Nothing registered in November.
    let o = rn.kasa(
        "sandiman",
        &[
            "siapel",
            "export",
            "--since",
            "2026-11-01",
            "--until",
            "2026-11-30",
        ],
    );
    assert_eq!(
        String::from_utf8(o.stdout).unwrap().lines().count(),
        1,
        "header only"
    );

    // The reminder: after 8 office hours (Tuesday 09:00–16:00, Wednesday from 07:30) the two not entered
    // wait too long; entering them clears it.
    restart_at(&mut rn, "2026-12-02T09:30:00+08:00");
    let belum = ok(&rn, "sandiman", &["siapel", "list", "--belum"]);
    let ingat: Vec<u64> = belum["ingat"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(ingat, ids[1..].to_vec());
    let o = rn.kasa("sandiman", &["siapel", "list", "--belum"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("MENUNGGU TERLALU LAMA"));
    for id in &ids[1..] {
        ok(&rn, "sandiman", &["siapel", "entri", &id.to_string()]);
    }
    let belum = ok(&rn, "sandiman", &["siapel", "list", "--belum"]);
    assert!(belum["entries"].as_array().unwrap().is_empty());
    assert!(belum["ingat"].as_array().unwrap().is_empty());
    refused(
        &rn,
        "sandiman",
        &["siapel", "entri", &ids[1].to_string()],
        "sudah dientri",
    );
}

#[test]
fn the_flows_file_is_checked_and_governs_the_channel_list() {
    let n = TestNode::start_new();
    let f = n.data.join("alur.toml");
    let shipped = include_str!("../data/alur.toml");
    std::fs::write(
        &f,
        shipped.replace("selesai_oleh = \"siapel\"", "selesai_oleh = \"apel\""),
    )
    .unwrap();
    let o = n.kasa(&["config", "check"]);
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stdout) + String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("alur.toml") && e.contains("apel"), "{e}");
    // A node's own channel list: a new channel without a flow is accepted at registration.
    std::fs::write(
        &f,
        shipped.replace(
            "[[saluran]]\nnama = \"Pos\"",
            "[[saluran]]\nnama = \"Pos Kilat Khusus\"",
        ),
    )
    .unwrap();
    let o = n.kasa(&["config", "check"]);
    assert!(o.status.success(), "{}", describe(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("alur.toml"));
    let id = {
        drop_atomic(&n.scratch(), &n.drop_dir(), "pos.pdf", &tiny_pdf(77));
        assert!(n.wait_entries(1, Duration::from_secs(30)));
        n.entries_named("pos.pdf")[0]["id"].as_u64().unwrap()
    };
    let sid = id.to_string();
    let args = [
        "agenda",
        "register",
        &sid,
        "--perihal",
        "x",
        "--klasifikasi",
        "Biasa",
        "--saluran",
        "Pos",
    ];
    let o = n.kasa(&args);
    assert!(!o.status.success(), "Pos is no longer in the list");
    assert!(String::from_utf8_lossy(&o.stderr).contains("Pos Kilat Khusus"));
    let e = n.json(&[
        "agenda",
        "register",
        &sid,
        "--perihal",
        "x",
        "--klasifikasi",
        "Biasa",
        "--saluran",
        "pos kilat khusus",
        "--json",
    ]);
    assert_eq!(e["saluran"], "Pos Kilat Khusus");
    let a = n.json(&["masuk", "alur", &sid, "--json"]);
    assert!(
        a["alur"].is_null(),
        "a channel without a flow has no clocks: {a}"
    );
}
