//! The send flows of issue 14 driven through a real node by operators in the SOP's roles and
//! qualifications (Kadis, Kabid, Kasi, Sandiman of `RoleNode`, each Ahli Sandi Tingkat II, plus a
//! sandiman without the qualification), with the node's clock injected (`KASA_TEST_NOW`):
//! seed 003 SOP D (dikecualikan bersandi), E (faksimili), F (Email Sanapati), seed 002 (Palangka Raya,
//! berklasifikasi via Email Sanapati) and seed 004 (Pekalongan, disposisi chain, paraf by the sandiman,
//! signature by the Kasi). Every step is recorded with its actor; every refusal names its rule
//! (unqualified sender, missing paraf, Rahasia by fax, no proof); the break-glass path leaves an
//! audit record and an alarm.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;

const GID: u32 = 4647;
/// A Tuesday morning in WITA (the test node's zone), inside office hours.
const T0: &str = "2026-12-01T09:00:00+08:00";
/// The uid of a sandiman without the Ahli Sandi qualification.
const TANPA: u32 = 7110;

fn restart_at(rn: &mut RoleNode, at: &str) {
    rn.node.terminate();
    rn.node.node_env = vec![("KASA_TEST_NOW".into(), at.into())];
    rn.node.start();
}

/// A card of another node, made with its own `kasa init` (no node runs).
fn peer_card(dir: &Path, id: &str, name: &str) -> PathBuf {
    let d = dir.join(id);
    let pass = dir.join(format!("{id}.pass"));
    std::fs::write(&pass, format!("frasa sandi {id} yang panjang\n")).unwrap();
    std::fs::set_permissions(&pass, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let kasa = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_kasa"))
            .arg("--data-dir")
            .arg(d.join("data"))
            .arg("--config-dir")
            .arg(d.join("cfg"))
            .env_remove("KASA_SOCKET")
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", describe(&o));
        o.stdout
    };
    kasa(&[
        "init",
        "--kualifikasi",
        "tingkat_ii",
        "--node-id",
        id,
        "--name",
        name,
        "--insecure-fast-kdf",
        "--passphrase-file",
        pass.to_str().unwrap(),
    ]);
    let card = dir.join(format!("{id}.card.toml"));
    std::fs::write(&card, kasa(&["identity", "card"])).unwrap();
    card
}

/// A node with its identity, one verified peer (`51`, the province) and one added but not verified
/// (`5102`), a sandiman without qualification (`TANPA`), the clock at `T0`.
fn start() -> Option<(RoleNode, tempfile::TempDir)> {
    if !is_root() {
        eprintln!("skipped: needs root to run clients under other uids");
        return None;
    }
    let mut rn = RoleNode::start(GID);
    rn.node.terminate();
    rn.node
        .create_identity("frasa sandi node uji yang panjang", true);
    rn.node.start();
    restart_at(&mut rn, T0);
    let dir = tempfile::tempdir().unwrap();
    let prov = peer_card(dir.path(), "51", "Diskominfos Provinsi Bali");
    let kab = peer_card(dir.path(), "5102", "Diskominfo Kabupaten Tabanan");
    rn.node.kasa_ok(&[
        "peer",
        "add",
        prov.to_str().unwrap(),
        "--relation",
        "provinsi",
    ]);
    rn.node.kasa_ok(&["peer", "verify", "51", "--confirm"]);
    rn.node.kasa_ok(&[
        "peer",
        "add",
        kab.to_str().unwrap(),
        "--relation",
        "kab-kota",
    ]);
    rn.node.kasa_ok(&[
        "operator",
        "add",
        "--uid",
        &TANPA.to_string(),
        "--username",
        "magang",
        "--nama",
        "Uji magang",
        "--role",
        "sandiman",
        "--kualifikasi",
        "tanpa",
    ]);
    // The letters the operators hand in, readable by them (the node never reads their homes).
    for f in ["surat.pdf", "jurnal-faks.pdf", "resi.pdf"] {
        let p = dir.path().join(f);
        std::fs::write(&p, tiny_pdf(f.len() as u64)).unwrap();
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    }
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    Some((rn, dir))
}

fn ok(rn: &RoleNode, role: &str, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    rn.json(role, &a)
}

fn refused(rn: &RoleNode, role: &str, args: &[&str], needle: &str) -> String {
    let o = rn.kasa(role, args);
    assert!(
        !o.status.success(),
        "kasa {args:?} as {role} should be refused"
    );
    let e = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(
        e.contains(needle),
        "kasa {args:?} as {role}: expected '{needle}' in: {e}"
    );
    e
}

fn id_of(v: &Value) -> String {
    v["id"].as_u64().unwrap().to_string()
}

fn status(rn: &RoleNode, id: &str) -> Value {
    ok(rn, "sandiman", &["keluar", "status", id])
}

/// Every step of the item's flow as (code, keadaan, done by).
fn steps(rn: &RoleNode, id: &str) -> Vec<(String, String, String)> {
    status(rn, id)["jam"]
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

fn file(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().unwrap().to_string()
}

/// 003 SOP D: a Rahasia letter is approved (Kasi paraf, Kadis signature), sealed to a verified peer and
/// only then sent; by fax it is refused, and the break-glass path is audited and alarms.
#[test]
fn flow_d_rahasia_leaves_only_sealed_after_paraf_and_signature() {
    let Some((mut rn, dir)) = start() else { return };
    let e = ok(
        &rn,
        "sandiman",
        &[
            "keluar",
            "new",
            "--kriptogram",
            "--perihal",
            "Laporan pengamanan kunjungan",
            "--klasifikasi",
            "R",
            "--nomor-surat",
            "R/005/Kominfo/2026",
            "--tujuan",
            "Diskominfos Provinsi Bali",
        ],
    );
    let id = id_of(&e);
    let st = status(&rn, &id);
    assert_eq!(st["tahap"], "konsep");
    assert_eq!(st["alur"]["kode"], "D");
    assert_eq!(st["paraf"], serde_json::json!(["kasi"]));
    assert_eq!(st["tanda_tangan"], serde_json::json!(["kadis"]));
    ok(&rn, "sandiman", &["keluar", "register", &id]);
    let surat = file(dir.path(), "surat.pdf");
    let seal = ["kriptogram", "seal", "--entry", &id, "--to", "51", &surat];
    refused(&rn, "sandiman", &seal, "belum diparaf");
    refused(
        &rn,
        "sandiman",
        &["keluar", "paraf", &id],
        "paraf hanya oleh kasi",
    );
    refused(&rn, "kadis", &["keluar", "ttd", &id], "belum diparaf");
    // A rejection goes back to konsep with its note.
    ok(&rn, "kasi", &["keluar", "paraf", &id]);
    let back = ok(
        &rn,
        "kadis",
        &["keluar", "tolak", &id, "--catatan", "Nomor surat salah"],
    );
    assert!(back["persetujuan"].is_null(), "{back}");
    assert_eq!(status(&rn, &id)["tahap"], "konsep");
    let p = ok(&rn, "kasi", &["keluar", "paraf", &id]);
    assert_eq!(p["persetujuan"]["paraf"]["oleh"], "Uji kasi");
    refused(
        &rn,
        "kasi",
        &["keluar", "ttd", &id],
        "tanda tangan hanya oleh kadis",
    );
    let t = ok(&rn, "kadis", &["keluar", "ttd", &id]);
    assert_eq!(t["persetujuan"]["tanda_tangan"]["peran"], "kadis");
    assert_eq!(status(&rn, &id)["tahap"], "siap_kirim");
    // Not by fax, not unsealed; not to an unverified peer without break-glass.
    refused(
        &rn,
        "sandiman",
        &["keluar", "send", &id, "--saluran", "Faksimili"],
        "hanya boleh keluar tersegel",
    );
    refused(
        &rn,
        "sandiman",
        &[
            "kriptogram",
            "seal",
            "--entry",
            &id,
            "--to",
            "5102",
            "--yes-unverified",
            &surat,
        ],
        "hanya boleh disegel untuk peer terverifikasi",
    );
    // The unqualified sandiman cannot seal (permission table: 004 syarat 2).
    let o = rn.kasa_uid(TANPA, &seal);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("Tingkat II"),
        "{}",
        describe(&o)
    );
    let s = ok(&rn, "sandiman", &seal);
    assert_eq!(s["entry"]["status"], "diagendakan");
    assert_eq!(status(&rn, &id)["tahap"], "disegel");
    // Sent by flash disk: no link receipt, so the proof is a resi or an explicit reason.
    refused(
        &rn,
        "sandiman",
        &["keluar", "send", &id, "--saluran", "Kriptogram"],
        "bukti kirim Kriptogram belum ada",
    );
    let sent = ok(
        &rn,
        "sandiman",
        &[
            "keluar",
            "send",
            &id,
            "--saluran",
            "Kriptogram",
            "--tanpa-bukti",
            "dibawa dengan flashdisk; tanda terima menyusul",
        ],
    );
    assert_eq!(sent["status"], "terkirim");
    assert_eq!(sent["bukti_kirim"]["jenis"], "tanpa_bukti");
    ok(&rn, "sandiman", &["siapel", "entri", &id]);
    let a = ok(&rn, "sandiman", &["agenda", "close", &id, "--arsip"]);
    assert_eq!(a["status"], "diarsipkan");
    let last = a["timeline"].as_array().unwrap().last().unwrap().clone();
    assert!(
        last["detail"]
            .as_str()
            .unwrap()
            .contains("c. Pengiriman naskah dinas dikecualikan"),
        "{last}"
    );
    let s = steps(&rn, &id);
    let codes: Vec<&str> = s.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(codes, ["D1", "D2", "D3", "D4", "D5", "D6"]);
    assert!(
        s.iter().all(|x| x.1 == "tepat"),
        "every step done in its norm: {s:?}"
    );
    assert_eq!(s[2].2, "Uji sandiman", "D3 sealed by the sandiman");

    // Break-glass: a second Rahasia letter on the plain keluar book leaves by fax only with a reason,
    // audited and alarmed.
    let e2 = ok(
        &rn,
        "sandiman",
        &[
            "keluar",
            "new",
            "--perihal",
            "Pemberitahuan darurat",
            "--klasifikasi",
            "SR",
            "--saluran",
            "Faksimili",
        ],
    );
    let id2 = id_of(&e2);
    ok(&rn, "kasi", &["keluar", "paraf", &id2]);
    ok(&rn, "kadis", &["keluar", "ttd", &id2]);
    ok(&rn, "sandiman", &["keluar", "register", &id2]);
    refused(
        &rn,
        "sandiman",
        &["keluar", "send", &id2, "--saluran", "Faksimili"],
        "--darurat",
    );
    let d = ok(
        &rn,
        "sandiman",
        &[
            "keluar",
            "send",
            &id2,
            "--saluran",
            "Faksimili",
            "--tanpa-bukti",
            "jurnal tidak tercetak",
            "--darurat",
            "jaringan sandi putus, perintah lisan Kadis",
        ],
    );
    assert_eq!(d["status"], "terkirim");
    let alarms = rn.node.alarms();
    let al = alarms
        .iter()
        .find(|a| a["kind"] == "keluar.darurat")
        .expect("break-glass alarm");
    assert_eq!(al["object"], format!("entry:{id2}"));
    assert!(
        al["message"]
            .as_str()
            .unwrap()
            .contains("perintah lisan Kadis")
    );
    let audit = rn.node.audit_tail(10);
    assert!(
        audit.iter().any(|r| r["action"] == "keluar.send"
            && r["detail"].as_str().unwrap().contains("JALUR DARURAT")),
        "{audit:?}"
    );
    drop(dir);
    rn.node.terminate();
}

/// Seed 004: the request goes down the disposisi chain; the sandiman gives the paraf, the Kasi signs,
/// and the sandiman may seal only once the disposisi reached them.
#[test]
fn flow_pk_pekalongan_needs_the_disposisi_chain_paraf_and_kasi_signature() {
    let Some((mut rn, dir)) = start() else { return };
    let e = ok(
        &rn,
        "kadis",
        &[
            "keluar",
            "new",
            "--kriptogram",
            "--alur",
            "PK",
            "--perihal",
            "Permohonan pengamanan informasi pilkada",
            "--klasifikasi",
            "R",
        ],
    );
    let id = id_of(&e);
    assert_eq!(e["alur"], "PK");
    let st = status(&rn, &id);
    assert_eq!(st["paraf"], serde_json::json!(["sandiman"]));
    assert_eq!(st["tanda_tangan"], serde_json::json!(["kasi"]));
    assert_eq!(st["kualifikasi"], "tingkat_ii");
    ok(&rn, "sandiman", &["keluar", "register", &id]);
    ok(&rn, "sandiman", &["keluar", "paraf", &id]);
    ok(&rn, "kasi", &["keluar", "ttd", &id]);
    let surat = file(dir.path(), "surat.pdf");
    let seal = ["kriptogram", "seal", "--entry", &id, "--to", "51", &surat];
    refused(&rn, "sandiman", &seal, "belum menerima disposisinya");
    // Kadis → Kabid → Kasi → Sandiman (004 langkah 2–4).
    let first = |v: &Value| v["records"][0]["id"].as_u64().unwrap().to_string();
    let d1 = first(&ok(
        &rn,
        "kadis",
        &[
            "disposisi",
            "new",
            &id,
            "--kepada",
            "kabid",
            "--instruksi",
            "Untuk ditindaklanjuti",
        ],
    ));
    let d2 = first(&ok(
        &rn,
        "kabid",
        &[
            "disposisi",
            "forward",
            &d1,
            "--kepada",
            "kasi",
            "--instruksi",
            "Untuk ditindaklanjuti",
        ],
    ));
    ok(
        &rn,
        "kasi",
        &[
            "disposisi",
            "forward",
            &d2,
            "--kepada",
            "sandiman",
            "--instruksi",
            "Untuk ditindaklanjuti",
        ],
    );
    let s = ok(&rn, "sandiman", &seal);
    assert_eq!(s["entry"]["book"], "kriptogram-keluar");
    restart_at(&mut rn, "2026-12-01T13:00:00+08:00");
    let sent = ok(
        &rn,
        "sandiman",
        &[
            "keluar",
            "send",
            &id,
            "--saluran",
            "Email Sanapati",
            "--pada",
            "2026-12-01 11:40",
            "--tanpa-bukti",
            "resi Sanapati belum tercetak",
        ],
    );
    assert_eq!(sent["status"], "terkirim");
    let s = steps(&rn, &id);
    let got: Vec<(&str, &str)> = s.iter().map(|x| (x.0.as_str(), x.2.as_str())).collect();
    assert_eq!(
        got,
        [
            ("PK1", "Uji kadis"),
            ("PK2", "Uji kadis"),
            ("PK3", "Uji kabid"),
            ("PK4", "Uji kasi"),
            ("PK5", "Uji sandiman"),
            ("PK6", "Uji sandiman"),
            ("PK7", "Uji kasi"),
            ("PK8", "Uji sandiman"),
        ]
    );
    // The disposisi came after the paraf and signature: those steps count from their own completion,
    // the send at 11:40 is past PK8's 15 minutes.
    assert_eq!(s[7].1, "terlambat", "{s:?}");
    rn.node.terminate();
}

/// Seed 002: Terbatas via Email Sanapati — the Kasi checks (paraf), the sandiman registers and seals,
/// the admin sends and records the time; an operator without Ahli Sandi cannot send.
#[test]
fn flow_pr_palangka_raya_kasi_check_then_seal_then_admin_sends() {
    let Some((mut rn, dir)) = start() else { return };
    let e = ok(
        &rn,
        "sandiman",
        &[
            "keluar",
            "new",
            "--kriptogram",
            "--alur",
            "PR",
            "--perihal",
            "Data kepegawaian",
            "--klasifikasi",
            "T",
        ],
    );
    let id = id_of(&e);
    let surat = file(dir.path(), "surat.pdf");
    let seal = ["kriptogram", "seal", "--entry", &id, "--to", "51", &surat];
    ok(&rn, "sandiman", &["keluar", "register", &id]);
    refused(&rn, "sandiman", &seal, "belum diparaf");
    refused(
        &rn,
        "kadis",
        &["keluar", "paraf", &id],
        "paraf hanya oleh kasi",
    );
    ok(&rn, "kasi", &["keluar", "paraf", &id]);
    refused(
        &rn,
        "kadis",
        &["keluar", "ttd", &id],
        "tidak memerlukan tanda tangan",
    );
    ok(&rn, "sandiman", &seal);
    let o = rn.kasa_uid(
        TANPA,
        &[
            "keluar",
            "send",
            &id,
            "--saluran",
            "Email Sanapati",
            "--tanpa-bukti",
            "x",
        ],
    );
    assert!(!o.status.success());
    let m = String::from_utf8_lossy(&o.stderr);
    assert!(
        m.contains("keluar.kirim") && m.contains("Tingkat II"),
        "{m}"
    );
    let sent = rn.node.json(&[
        "keluar",
        "send",
        &id,
        "--saluran",
        "Email Sanapati",
        "--tanpa-bukti",
        "resi dicatat di buku agenda",
        "--json",
    ]);
    assert_eq!(sent["status"], "terkirim");
    rn.node.kasa_ok(&["agenda", "close", &id, "--arsip"]);
    let s = steps(&rn, &id);
    let got: Vec<(&str, &str)> = s.iter().map(|x| (x.0.as_str(), x.1.as_str())).collect();
    assert_eq!(
        got,
        [
            ("PR1", "tepat"),
            ("PR2", "tepat"),
            ("PR3", "tepat"),
            ("PR4", "tepat"),
            ("PR5", "tepat"),
            ("PR6", "tepat"),
        ]
    );
    assert_eq!(s[1].2, "Uji kasi");
    let _ = &mut rn;
    rn.node.terminate();
}

/// Attaches `name` from the test dir to entry `id` as `kind`, as `role`.
fn attach(rn: &RoleNode, role: &str, dir: &Path, id: &str, name: &str, kind: &str) -> Value {
    ok(
        rn,
        role,
        &["agenda", "attach", id, &file(dir, name), "--kind", kind],
    )
}

/// 003 SOP E: a Biasa letter by fax. Sending needs the fax journal (or a reason); the sender needs Ahli
/// Sandi Tingkat I (002's floor for any sending); the original goes back to Bagian Umum (E6) and into
/// SI APEL (E7). A step left open past its norm raises its alarm.
#[test]
fn flow_e_faksimili_needs_the_journal() {
    let Some((mut rn, dir)) = start() else { return };
    let e = ok(
        &rn,
        "sandiman",
        &[
            "keluar",
            "new",
            "--perihal",
            "Undangan rapat koordinasi",
            "--klasifikasi",
            "B",
            "--saluran",
            "Faksimili",
            "--tujuan",
            "Bupati Tabanan",
        ],
    );
    let id = id_of(&e);
    let st = status(&rn, &id);
    assert_eq!(st["alur"]["kode"], "E");
    assert_eq!(st["paraf"], serde_json::json!([]));
    ok(&rn, "sandiman", &["keluar", "register", &id]);
    assert_eq!(status(&rn, &id)["tahap"], "siap_kirim");
    let o = rn.kasa_uid(
        TANPA,
        &[
            "keluar",
            "send",
            &id,
            "--saluran",
            "Faksimili",
            "--tanpa-bukti",
            "x",
        ],
    );
    assert!(!o.status.success());
    let m = String::from_utf8_lossy(&o.stderr);
    assert!(m.contains("keluar.kirim") && m.contains("Tingkat I"), "{m}");
    refused(
        &rn,
        "sandiman",
        &["keluar", "send", &id, "--saluran", "Faksimili"],
        "lampirkan jurnal-faks",
    );
    attach(&rn, "sandiman", dir.path(), &id, "surat.pdf", "surat");
    let a = attach(
        &rn,
        "sandiman",
        dir.path(),
        &id,
        "jurnal-faks.pdf",
        "jurnal-faks",
    );
    assert_eq!(a["attachments"][1]["jenis"], "jurnal-faks");
    // The time written on the back of the letter, a few minutes ago.
    restart_at(&mut rn, "2026-12-01T09:30:00+08:00");
    let sent = ok(
        &rn,
        "sandiman",
        &[
            "keluar",
            "send",
            &id,
            "--saluran",
            "Faksimili",
            "--pada",
            "2026-12-01 09:12",
        ],
    );
    assert_eq!(sent["status"], "terkirim");
    assert_eq!(sent["bukti_kirim"]["jenis_lampiran"], "jurnal-faks");
    assert!(
        sent["sent_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-12-01T01:12"),
        "{sent}"
    );
    // E6 is still open; past its 10 minutes the flow watch raises one alarm.
    restart_at(&mut rn, "2026-12-01T10:30:00+08:00");
    assert!(
        wait_until(std::time::Duration::from_secs(30), || rn
            .node
            .alarms()
            .iter()
            .any(|a| a["kind"] == "alur.terlambat"
                && a["object"] == format!("entry:{id}/langkah:E6"))),
        "E6 alarm: {:?}",
        rn.node.alarms()
    );
    ok(
        &rn,
        "sandiman",
        &["masuk", "distribusi", &id, "--jenis", "bagian_umum"],
    );
    ok(&rn, "sandiman", &["siapel", "entri", &id]);
    let s = steps(&rn, &id);
    let got: Vec<(&str, &str)> = s.iter().map(|x| (x.0.as_str(), x.1.as_str())).collect();
    assert_eq!(
        got,
        [
            ("E1", "tepat"),
            ("E2", "tepat"),
            ("E3", "tepat"),
            ("E4", "tepat"),
            ("E5", "terlambat"),
            ("E6", "terlambat"),
            ("E7", "tepat"),
        ],
        "E5: sent at 09:12, its 10 minutes from the agenda at 09:00"
    );
    rn.node.terminate();
}

/// 003 SOP F: a Biasa letter by Email Sanapati; the resi is the proof; archived with it (F8) into the
/// set "a. Pengiriman naskah dinas biasa".
#[test]
fn flow_f_sanapati_with_its_resi_to_the_archive() {
    let Some((mut rn, dir)) = start() else { return };
    let e = ok(
        &rn,
        "sandiman",
        &[
            "keluar",
            "new",
            "--perihal",
            "Laporan bulanan",
            "--klasifikasi",
            "B",
            "--saluran",
            "Email Sanapati",
        ],
    );
    let id = id_of(&e);
    assert_eq!(status(&rn, &id)["alur"]["kode"], "F");
    ok(&rn, "sandiman", &["keluar", "register", &id]);
    refused(
        &rn,
        "sandiman",
        &["keluar", "send", &id, "--saluran", "Email Sanapati"],
        "lampirkan resi",
    );
    refused(
        &rn,
        "sandiman",
        &["agenda", "close", &id, "--arsip"],
        "sudah terkirim",
    );
    // The Kadis signs, the sandiman sends (permission table, 003 SOP F langkah 5).
    refused(
        &rn,
        "kadis",
        &[
            "keluar",
            "send",
            &id,
            "--saluran",
            "Email Sanapati",
            "--tanpa-bukti",
            "x",
        ],
        "keluar.kirim",
    );
    attach(&rn, "sandiman", dir.path(), &id, "resi.pdf", "resi");
    let sent = ok(
        &rn,
        "sandiman",
        &["keluar", "send", &id, "--saluran", "Email Sanapati"],
    );
    assert_eq!(sent["bukti_kirim"]["nama"], "resi.pdf");
    ok(
        &rn,
        "sandiman",
        &["masuk", "distribusi", &id, "--jenis", "bagian_umum"],
    );
    ok(&rn, "sandiman", &["siapel", "entri", &id]);
    let a = ok(&rn, "sandiman", &["agenda", "close", &id, "--arsip"]);
    let last = a["timeline"].as_array().unwrap().last().unwrap().clone();
    assert!(
        last["detail"]
            .as_str()
            .unwrap()
            .contains("a. Pengiriman naskah dinas biasa"),
        "{last}"
    );
    let s = steps(&rn, &id);
    assert_eq!(s.len(), 8);
    assert!(s.iter().all(|x| x.1 == "tepat"), "{s:?}");
    assert_eq!(s[7].2, "Uji sandiman");
    let _ = &mut rn;
    rn.node.terminate();
}
