//! The Keluar tab in a real terminal at 80×24 (tmux) on a real node with its identity and a verified
//! peer (issue 14): a Rahasia kriptogram draft goes konsep → paraf → tanda tangan → agenda → the signed
//! scan attached (`A`, path prompt) → sealed with `K` → terkirim with its resi (`s`) → diarsipkan
//! (`z`), each stage shown in the list. On this single-operator node the admin stands in for the Kasi
//! and the Kadis (nobody else holds those roles).

#[path = "console_harness.rs"]
mod harness;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use harness::*;

fn kasa_in(data: &std::path::Path, cfg: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(KASA)
        .arg("--data-dir")
        .arg(data)
        .arg("--config-dir")
        .arg(cfg)
        .env_remove("KASA_SOCKET")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn draft_to_archive_by_keys_at_80x24() {
    if !have_tmux() {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let mut n = start_node(false);
    // The node gets its identity: stop, create, start unlocked.
    give_identity(&mut n);
    // The peer: the province's card, verified.
    let p = n.dir.path().join("prov");
    let ppass = n.dir.path().join("ppass");
    std::fs::write(&ppass, "frasa sandi provinsi uji\n").unwrap();
    std::fs::set_permissions(&ppass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = kasa_in(
        &p.join("d"),
        &p.join("c"),
        &[
            "init",
            "--kualifikasi",
            "tingkat_ii",
            "--node-id",
            "51",
            "--name",
            "Diskominfos Provinsi Bali",
            "--insecure-fast-kdf",
            "--passphrase-file",
            ppass.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let card = p.join("d/keys/node.card.toml");
    for args in [
        vec![
            "peer",
            "add",
            card.to_str().unwrap(),
            "--relation",
            "provinsi",
        ],
        vec!["peer", "verify", "51", "--confirm"],
    ] {
        let o = n.kasa(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let scan = n.dir.path().join("surat-ttd.pdf");
    std::fs::copy(SAMPLE, &scan).unwrap();
    let resi = n.dir.path().join("resi-flashdisk.pdf");
    std::fs::copy(SAMPLE, &resi).unwrap();

    let t = Tmux::console(&n, "kasa-keluar-flow", 80, 24);
    t.wait("Belum ada berita masuk");
    t.keys(&["2"]);
    t.wait("Belum ada berita keluar");
    // c: the draft form. Perihal, klasifikasi Rahasia, kriptogram on.
    t.keys(&["c"]);
    t.wait("Perihal");
    t.keys(&["Tab", "Tab", "Tab", "Tab"]);
    t.type_text("Laporan pengamanan kunjungan");
    t.keys(&["Tab", "Tab"]);
    // — → Biasa → Terbatas → Rahasia.
    t.keys(&["Right", "Right", "Right"]);
    t.wait("‹ Rahasia (R) ›");
    t.keys(&["Tab", "Tab", "Tab", "Tab", "Right"]);
    t.wait("‹ ya ›");
    t.keys(&["C-s"]);
    t.wait("konsep");
    // The approvals, then the agenda.
    t.keys(&["p"]);
    t.wait("diparaf");
    t.keys(&["S"]);
    t.wait("ditandatangani");
    t.keys(&["r"]);
    t.wait("siap kirim");
    // Not sent unsealed: s is refused with the rule and what to do.
    t.keys(&["s"]);
    t.wait("kirim entri");
    t.keys(&["Enter"]);
    t.wait("hanya boleh keluar tersegel");
    // A: the signed scan (Tab completes the path).
    t.keys(&["A"]);
    t.wait("lampirkan ke entri");
    let dir = n.dir.path().display().to_string();
    t.type_text(&format!("surat {dir}/surat-t"));
    t.keys(&["Tab"]);
    t.wait("surat-ttd.pdf");
    t.keys(&["Enter"]);
    t.wait("dilampirkan");
    // K: sealed to the verified province.
    t.keys(&["K"]);
    t.wait("ke node");
    t.type_text("51");
    t.keys(&["Enter"]);
    t.wait("disegel");
    // s without proof is refused, naming what to attach.
    t.keys(&["s"]);
    t.wait("kirim entri");
    t.keys(&["Enter"]);
    t.wait("bukti kirim Kriptogram belum ada");
    // A resi, then s: terkirim with its proof.
    t.keys(&["A"]);
    t.wait("lampirkan ke entri");
    t.type_text(&format!("resi {dir}/resi-flashdisk.pdf"));
    t.keys(&["Enter"]);
    t.wait("dilampirkan");
    t.keys(&["s"]);
    t.wait("kirim entri");
    t.keys(&["Enter"]);
    t.wait("terkirim lewat Kriptogram");
    t.keys(&["z"]);
    let sc = t.wait("diarsipkan");
    assert!(sc.contains("Pengiriman naskah dinas dikecualikan"), "{sc}");

    let o = n.kasa(&["agenda", "list", "--book", "kriptogram-keluar", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let e = &v["entries"][0];
    assert_eq!(e["status"], "diarsipkan", "{e}");
    assert_eq!(e["persetujuan"]["paraf"]["peran"], "kasi");
    assert_eq!(e["persetujuan"]["tanda_tangan"]["peran"], "kadis");
    assert_eq!(e["bukti_kirim"]["jenis"], "lampiran");
    assert_eq!(e["bukti_kirim"]["jenis_lampiran"], "resi");
    let kinds: Vec<&str> = e["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    for k in [
        "draft",
        "diparaf",
        "ditandatangani",
        "diagendakan",
        "dilampirkan",
        "disegel",
        "terkirim",
        "diarsipkan",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
}

/// `F` on a received Rahasia letter forwards it the way issue 14 asks: a new kriptogram-keluar draft
/// with the same files and fields (klasifikasi kept), waiting for its paraf and signature, listed in
/// the Keluar tab.
#[test]
fn f_forwards_a_received_letter_as_a_draft_to_approve() {
    let n = start_node(true);
    let list = |book: &str| -> serde_json::Value {
        let o = n.kasa(&["agenda", "list", "--book", book, "--json"]);
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let id = list("masuk")["entries"][0]["id"]
        .as_u64()
        .unwrap()
        .to_string();
    let o = n.kasa(&[
        "agenda",
        "register",
        &id,
        "--perihal",
        "Laporan persandian",
        "--klasifikasi",
        "R",
        "--saluran",
        "Kriptogram",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut s = session(&n);
    s.keys("F");
    let msg = s.app.message.clone().expect("a message");
    assert!(
        !msg.error && msg.text.contains("draf kriptogram keluar dibuat"),
        "{msg:?}"
    );
    let k = list("kriptogram-keluar");
    let d = &k["entries"][0];
    assert_eq!(d["status"], "draft", "{k}");
    assert_eq!(d["klasifikasi"], "Rahasia");
    assert_eq!(d["perihal"], "Laporan persandian");
    assert_eq!(d["attachments"].as_array().unwrap().len(), 1);
    s.keys("2");
    let sc = s.app.keluar.selected().map(|e| e.id);
    assert_eq!(sc, d["id"].as_u64(), "the Keluar tab lists the draft");
}
