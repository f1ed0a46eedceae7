//! Issue 19: the persistent extraction worker. A worker that hangs on one file (wall-clock limit) or
//! dies on one (abort) costs only that file its analysis — it is registered with the same
//! "analisis gagal / analysis failed" note a one-shot child gave — and the other files of the same
//! burst (one batch, one commit) are analysed normally by a fresh worker. The hostile files are
//! played with the test hook `KASA_TEST_EXTRACT_TRAP` (a file containing `%kasa-test-hang` makes the
//! worker spin, `%kasa-test-abort` makes it abort).

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::*;

const LETTER: &str = "naskah/surat-pengantar-laporan-persandian-jembrana.pdf";

fn letter(tag: &str) -> Vec<u8> {
    let mut d = std::fs::read(sample(LETTER)).unwrap();
    d.extend_from_slice(format!("\n%{tag}\n").as_bytes());
    d
}

#[test]
fn a_hanging_or_crashing_worker_costs_only_its_file() {
    let mut node = TestNode::init_with(|t| {
        let i = t["ingest"].as_table_mut().unwrap();
        i.insert("extract_wall_secs".into(), toml::Value::Integer(2));
    });
    node.node_env = vec![("KASA_TEST_EXTRACT_TRAP".into(), "1".into())];
    node.start();
    let files: Vec<(String, Vec<u8>)> = vec![
        ("a-good.pdf".into(), letter("good 1")),
        ("b-hang.pdf".into(), letter("kasa-test-hang")),
        ("c-good.pdf".into(), letter("good 2")),
        ("d-abort.pdf".into(), letter("kasa-test-abort")),
        ("e-good.pdf".into(), letter("good 3")),
        ("f-good.pdf".into(), letter("good 4")),
    ];
    // Written beside the drop folder, then renamed in together: one burst, one batch.
    let scratch = node.scratch();
    for (name, d) in &files {
        std::fs::write(scratch.join(name), d).unwrap();
    }
    let t0 = Instant::now();
    for (name, _) in &files {
        std::fs::rename(scratch.join(name), node.drop_dir().join(name)).unwrap();
    }
    assert!(
        node.wait_entries(files.len() as u64, Duration::from_secs(60)),
        "not all files registered: {}",
        node.log()
    );
    let took = t0.elapsed();
    let by_name: HashMap<String, serde_json::Value> = node
        .entries()
        .into_iter()
        .map(|e| (e["attachments"][0]["name"].as_str().unwrap().to_string(), e))
        .collect();
    assert_eq!(by_name.len(), files.len(), "{by_name:?}");
    let note = |n: &str| by_name[n]["text_note"].as_str().unwrap_or("").to_string();
    // The hanging file: the wall-clock limit, as a one-shot child's timeout.
    let hang = note("b-hang.pdf");
    assert!(
        hang.contains("analisis gagal / analysis failed") && hang.contains("timed out"),
        "hang note: {hang}"
    );
    // The aborting file: a crash with its signal.
    let abort = note("d-abort.pdf");
    assert!(
        abort.contains("analisis gagal / analysis failed") && abort.contains("SIGABRT"),
        "abort note: {abort}"
    );
    // Every other file of the burst: analysed normally (text and header suggestions).
    for n in ["a-good.pdf", "c-good.pdf", "e-good.pdf", "f-good.pdf"] {
        let e = &by_name[n];
        assert!(e["text_note"].is_null(), "{n}: {e}");
        assert_eq!(
            e["suggestions"]["nomor"], "800/283/Kominfo/2021",
            "{n}: {e}"
        );
        assert_eq!(e["attachments"][0]["pages"], 1, "{n}: {e}");
        assert_eq!(e["status"], "baru", "{n}");
    }
    // One hang costs one wall-clock limit (2 s), not one per file.
    assert!(took < Duration::from_secs(20), "burst took {took:?}");
    // All originals left the drop folder; nothing refused.
    assert!(wait_until(Duration::from_secs(10), || names_in(
        &node.drop_dir()
    )
    .is_empty()));
    assert_eq!(names_in(&node.ingest_dir("processed")).len(), files.len());
    assert!(names_in(&node.ingest_dir("failed")).is_empty());
    let v = node.json(&["audit", "verify", "--json"]);
    assert_eq!(v["ok"], true, "{v}");
}
