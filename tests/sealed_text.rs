//! Probe 5.2 of issue 11: the extracted text and header suggestions of an ingested document never reach
//! `kasa.redb` in plaintext once the node has an identity. They are sealed at ingest to the node's own
//! age recipient (the public card: no passphrase needed) and opened only by an unlocked node; a locked
//! node says what to do, and registration still works. Without an identity they are stored as before.
//! Real node, real socket, real redb file, the shared sample letters.

mod common;

use common::{TestNode, describe, sample};

/// Text-bearing sample letters (PDF with a text layer).
const SAMPLES: [&str; 3] = [
    "naskah/surat-pengantar-laporan-persandian-jembrana.pdf",
    "naskah/sop-pengiriman-naskah-dikecualikan-pekalongan.pdf",
    "naskah/sop-pemeliharaan-peralatan-sandi-trenggalek.pdf",
];

fn with_identity() -> (TestNode, std::path::PathBuf) {
    let mut n = TestNode::init_with(|_| {});
    let pass = n.create_identity("frasa sandi yang cukup panjang untuk uji\n", false);
    (n, pass)
}

/// Ingests the samples; returns (entry id, extracted text) of each, read back through `agenda show`.
fn ingest_samples(n: &TestNode) -> Vec<(String, String, serde_json::Value)> {
    let mut out = Vec::new();
    for s in SAMPLES {
        let p = sample(s);
        n.kasa_ok(&["ingest", p.to_str().unwrap()]);
    }
    for e in n.entries() {
        let id = e["id"].as_u64().unwrap().to_string();
        let show = n.json(&["agenda", "show", &id, "--json"]);
        let text = show["text"].as_str().unwrap_or_default().to_string();
        out.push((id, text, show));
    }
    assert_eq!(out.len(), SAMPLES.len());
    out
}

/// Body lines of `text` long enough to be a known phrase (at least 30 bytes), a few per document.
fn phrases(text: &str) -> Vec<String> {
    let v: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| l.len() >= 30)
        .map(String::from)
        .collect();
    assert!(v.len() >= 3, "the sample has a text layer: {text:?}");
    v.into_iter().take(8).collect()
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn extracted_text_and_suggestions_are_sealed_and_need_the_unlocked_node() {
    let (mut n, pass) = with_identity();
    n.start();
    let docs = ingest_samples(&n);
    // Unlocked: text and suggestions are there, as before.
    for (id, text, show) in &docs {
        assert!(!text.is_empty(), "entry {id} shows its text: {show}");
        assert!(
            show["suggestions"].is_object(),
            "entry {id} shows its suggestions: {show}"
        );
        assert!(show["sealed"].is_null(), "opened for the caller: {show}");
    }
    // The letter (not an SOP) has a Hal line: the registration below pre-fills from it.
    let letter = docs
        .iter()
        .position(|d| d.2["suggestions"]["hal"].is_string())
        .expect("the cover letter has a suggested hal");
    let hal = docs[letter].2["suggestions"]["hal"]
        .as_str()
        .unwrap()
        .to_string();
    n.terminate();

    // No known phrase of any text, nor a suggested hal, is in the database file.
    let db = std::fs::read(n.db()).unwrap();
    for (id, text, _) in &docs {
        for p in phrases(text) {
            assert!(!contains(&db, &p), "entry {id}: '{p}' found in kasa.redb");
        }
    }
    assert!(
        !contains(&db, &hal),
        "suggested hal '{hal}' found in kasa.redb"
    );

    // Locked: the CLI says the text and suggestions need the node unlocked.
    let args = std::mem::take(&mut n.node_args);
    n.start();
    let (id0, _, _) = &docs[letter];
    let show = n.json(&["agenda", "show", id0, "--json"]);
    assert!(
        show["text"].is_null() && show["suggestions"].is_null(),
        "{show}"
    );
    assert!(
        show["sealed"].is_object(),
        "the reply says it is sealed: {show}"
    );
    let txt = n.kasa_ok(&["agenda", "show", id0]);
    assert!(
        txt.contains("tersegel") && txt.contains("kasa node unlock"),
        "{txt}"
    );
    let o = n.kasa(&["agenda", "register", id0, "--accept-suggestions"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("kasa node unlock"), "{}", describe(&o));
    // Registration (triage) itself works on a locked node.
    let (id1, _, _) = &docs[(letter + 1) % docs.len()];
    n.kasa_ok(&[
        "agenda",
        "register",
        id1,
        "--perihal",
        "Pengiriman naskah (didaftar saat node terkunci)",
        "--asal",
        "Diskominfo Kota Uji",
        "--klasifikasi",
        "Biasa",
    ]);

    // Unlocking the running node opens them again; --accept-suggestions pre-fills from them.
    n.kasa_ok(&[
        "node",
        "unlock",
        "--passphrase-file",
        pass.to_str().unwrap(),
    ]);
    let show = n.json(&["agenda", "show", id0, "--json"]);
    assert_eq!(
        show["suggestions"]["hal"].as_str(),
        Some(hal.as_str()),
        "{show}"
    );
    assert!(
        show["text"].as_str().is_some_and(|t| !t.is_empty()),
        "{show}"
    );
    n.kasa_ok(&["agenda", "register", id0, "--accept-suggestions"]);
    let e = n.json(&["agenda", "show", id0, "--json"]);
    assert_eq!(e["status"], "teragenda", "{e}");
    assert!(!e["perihal"].as_str().unwrap_or_default().is_empty(), "{e}");
    assert_eq!(n.kasa_ok(&["audit", "verify"]).lines().count(), 1);

    // A sealed value replaced outside kasa (anyone with the public card can encrypt to it) does not
    // match the digest in its entry row: refused before decryption, with an alarm.
    n.terminate();
    let (id2, _, _) = &docs[(letter + 2) % docs.len()];
    {
        const SEALED: redb::TableDefinition<(u64, u8), &[u8]> =
            redb::TableDefinition::new("entry_sealed");
        let db = redb::Database::open(n.db()).unwrap();
        let tx = db.begin_write().unwrap();
        tx.open_table(SEALED)
            .unwrap()
            .insert(
                (id2.parse::<u64>().unwrap(), 1u8),
                b"age-encryption.org/v1\n-> X25519 palsu".as_slice(),
            )
            .unwrap();
        tx.commit().unwrap();
    }
    n.node_args = args;
    n.start();
    let o = n.kasa(&["agenda", "show", id2]);
    assert!(!o.status.success(), "{}", describe(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("replaced outside kasa"),
        "{}",
        describe(&o)
    );
    assert!(
        n.alarms().iter().any(|a| a["kind"] == "integrity.text"),
        "{:?}",
        n.alarms()
    );
}

#[test]
fn without_an_identity_the_text_is_stored_as_before() {
    let mut n = TestNode::start_new();
    let docs = ingest_samples(&n);
    n.terminate();
    let db = std::fs::read(n.db()).unwrap();
    let (_, text, show) = &docs[0];
    assert!(show["sealed"].is_null(), "{show}");
    assert!(
        phrases(text).iter().any(|p| contains(&db, p)),
        "the grep of the other test finds plaintext when there is no identity to seal to"
    );
}
