//! A derajat kecepatan outside the four `.kgm` header grades (`Penting`, 72 h in the default table)
//! crosses between two real nodes: the header carries the nearest grade that is not slower
//! (`segera`), the encrypted manifest the exact name, and the receiver registers it as `Penting`.

mod common;

use std::fs;

use common::TestNode;

/// Two started nodes with identities that know and have verified each other's cards.
fn pair() -> (TestNode, TestNode) {
    let mut a = TestNode::init_with(|_| {});
    a.create_identity("frasa sandi node A yang panjang", true);
    a.start();
    let mut b = TestNode::init_id("5102", |_| {});
    b.create_identity("frasa sandi node B yang panjang", true);
    b.start();
    for (me, other, other_id) in [(&a, &b, "5102"), (&b, &a, "5101")] {
        let card = me.scratch().join(format!("{other_id}.card.toml"));
        fs::write(&card, other.kasa_ok(&["identity", "card"])).unwrap();
        me.kasa_ok(&["peer", "add", card.to_str().unwrap(), "--relation", "pusat"]);
        me.kasa_ok(&["peer", "verify", other_id, "--confirm"]);
    }
    (a, b)
}

#[test]
fn a_penting_letter_goes_out_as_segera_and_arrives_as_penting() {
    let (a, b) = pair();
    let letter = a.scratch().join("surat.pdf");
    fs::write(&letter, common::tiny_pdf(3)).unwrap();
    let s = a.json(&[
        "kriptogram",
        "seal",
        "--to",
        "5102",
        "--perihal",
        "Permintaan data persandian",
        "--klasifikasi",
        "B",
        "--derajat",
        "Penting",
        "--nomor-surat",
        "005/9/Uji",
        "--tanggal-surat",
        "2026-06-01",
        letter.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(s["entry"]["derajat"], "Penting", "{s}");
    let kgm = s["path"].as_str().unwrap().to_string();

    // The cleartext header: the closed grade, never `biasa`.
    let v = b.json(&["kriptogram", "verify", &kgm, "--json"]);
    assert_eq!(v["derajat"], "segera", "{v}");

    let r = b.json(&["kriptogram", "open", &kgm, "--json"]);
    let e = &r["results"][0]["entry"];
    assert_eq!(e["book"], "kriptogram-masuk", "{r}");
    assert_eq!(e["derajat"], "Penting", "{r}");

    // A grade name travels as itself (no manifest name needed) and arrives under the receiver's name.
    let s = a.json(&[
        "kriptogram",
        "seal",
        "--to",
        "5102",
        "--perihal",
        "Undangan",
        "--klasifikasi",
        "B",
        "--derajat",
        "Kilat",
        "--tanggal-surat",
        "2026-06-01",
        letter.to_str().unwrap(),
        "--json",
    ]);
    let kgm = s["path"].as_str().unwrap().to_string();
    let v = b.json(&["kriptogram", "verify", &kgm, "--json"]);
    assert_eq!(v["derajat"], "kilat");
    let r = b.json(&["kriptogram", "open", &kgm, "--json"]);
    assert_eq!(r["results"][0]["entry"]["derajat"], "Kilat", "{r}");
}
