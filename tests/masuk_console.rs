//! The Masuk tab in a real terminal at 80×24 (tmux) on a real node: two consoles open the same scan (the
//! second sees who holds it; the second save is refused with what the first saved and keeps its fields);
//! after registration the flow clock shows in the list, and distribution, tanda terima and SI APEL are
//! one key each, with the flow steps in the detail.

#[path = "console_harness.rs"]
mod harness;

use harness::*;

#[test]
fn two_consoles_one_scan_and_the_flow_keys() {
    if !have_tmux() {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let n = start_node(true);
    let a = Tmux::console(&n, "kasa-masuk-a", 80, 24);
    let b = Tmux::console(&n, "kasa-masuk-b", 80, 24);
    for t in [&a, &b] {
        t.wait("surat-pengantar");
    }
    // A opens the registration form of the scan; B's list marks it held, B's form names the holder.
    a.keys(&["r"]);
    a.wait("Daftarkan pindaian");
    b.wait("✎");
    b.keys(&["r"]);
    let sc = b.wait("juga dibuka oleh");
    assert!(sc.contains("Daftarkan pindaian"), "{sc}");
    // B types a different perihal; A saves first.
    b.keys(&["C-u"]);
    b.type_text("123/B/2026");
    a.keys(&["C-s"]);
    a.wait("Nomor agenda 1");
    // B's save is refused with who registered it and what; its fields stay in the form.
    b.keys(&["C-s"]);
    let sc = b.wait("sudah");
    assert!(sc.contains("123/B/2026"), "B's typing is kept:\n{sc}");
    assert!(
        sc.contains("nomor agenda 1"),
        "the refusal names what was saved:\n{sc}"
    );
    b.keys(&["Escape"]);
    b.wait_until("discard prompt or list", |s| {
        s.contains("Buang") || s.contains("baru 0")
    });
    if b.screen().contains("Buang") {
        b.keys(&["y"]);
    }
    // A: the flow clock of step B3 in the list (the saluran was empty: the default flow B).
    let sc = a.wait("B3 ");
    assert!(sc.contains("Langkah"), "{sc}");
    // Distribute (prompt pre-filled from the tujuan), record the receipt, SI APEL: one key each.
    a.keys(&["t"]);
    a.wait("distribusikan entri");
    a.keys(&["Enter"]);
    a.wait("didistribusikan");
    a.keys(&["T"]);
    a.wait("tanda terima entri");
    a.type_text("Ni Luh Putu");
    a.keys(&["Enter"]);
    a.wait("tanda terima distribusi 1");
    a.keys(&["a"]);
    a.wait("sudah dientri di SI APEL");
    // The detail lists the flow with its steps done and the distribution with its receipt.
    a.keys(&["Enter"]);
    let sc = a.wait("SI APEL        sudah");
    assert!(sc.contains("Dicocokkan"), "{sc}");
    for _ in 0..14 {
        a.keys(&["j"]);
    }
    let sc = a.wait("Alur B");
    assert!(sc.contains("B4  tepat"), "{sc}");
    for _ in 0..6 {
        a.keys(&["j"]);
    }
    a.wait("Ni Luh Putu");
}

#[test]
fn the_scan_of_a_registered_letter_is_mungkin_sama_and_linked_with_d_enter() {
    if !have_tmux() {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let n = start_node(true);
    let scan = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/samples/naskah/scan-0001-surat-pengantar.pdf"
    );
    let o = n.kasa(&["ingest", scan]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = Tmux::console(&n, "kasa-masuk-dup", 80, 24);
    t.wait("scan-0001");
    // The born-digital copy first: its header fills the form.
    t.keys(&["G"]);
    t.keys(&["r"]);
    t.wait("800/283/Kominfo/2021");
    t.keys(&["C-s"]);
    t.wait("Nomor agenda 1");
    // The scan, typed from the paper: nomor, perihal, klasifikasi.
    t.keys(&["g"]);
    t.keys(&["r"]);
    t.wait("scan-0001");
    t.type_text("800/283/Kominfo/2021");
    for _ in 0..4 {
        t.keys(&["Tab"]);
    }
    t.type_text("Penyampaian Laporan Hasil Pemantauan dan Evaluasi");
    t.keys(&["Tab", "Tab", "Right"]);
    t.keys(&["C-s"]);
    let sc = t.wait("mungkin sama");
    assert!(sc.contains("Nomor agenda 2"), "{sc}");
    // d offers the candidate; Enter links it. The list shows the scan as duplikat.
    t.keys(&["d"]);
    t.wait("duplikat dari id");
    t.keys(&["Enter"]);
    t.wait("ditandai duplikat");
    t.wait("duplikat");
    let o = n.kasa(&["agenda", "show", "1", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["duplikat"][0], 2, "the original lists its duplicate: {v}");
}
