//! The drop folder of outgoing scans (`drop_keluar/`, issue 14) with a real node and the real
//! watcher: a letter whose nomor surat matches an open keluar draft becomes its attachment; one
//! that matches none becomes a new keluar draft; a refused file goes to `ingest/failed/` as in the
//! masuk drop folder.

mod common;

use std::fs;
use std::time::Duration;

use common::{TestNode, drop_atomic, names_in, sample, wait_until};

const LETTER: &str = "naskah/surat-pengantar-laporan-persandian-jembrana.pdf";
const OTHER: &str = "naskah/sop-pengiriman-berita-sanapati-palangkaraya.pdf";

fn show(n: &TestNode, id: u64) -> serde_json::Value {
    n.json(&["agenda", "show", &id.to_string(), "--json"])
}

#[test]
fn outgoing_scans_attach_to_their_draft_by_nomor_or_become_new_drafts() {
    let mut n = TestNode::start_new();
    let drop = n.data.join("drop_keluar");
    assert!(drop.is_dir(), "drop_keluar/ is created at node start");
    let scratch = n.scratch();

    // The draft the letter belongs to (its nomor written differently), and one that it does not.
    let d = n.json(&[
        "keluar",
        "new",
        "--perihal",
        "Penyampaian laporan monev persandian",
        "--klasifikasi",
        "R",
        "--nomor-surat",
        "800 / 283 / KOMINFO / 2021",
        "--json",
    ]);
    let draft = d["id"].as_u64().unwrap();
    let other = n.json(&[
        "keluar",
        "new",
        "--perihal",
        "Lain",
        "--nomor-surat",
        "800/284/Kominfo/2021",
        "--json",
    ])["id"]
        .as_u64()
        .unwrap();

    let letter = fs::read(sample(LETTER)).unwrap();
    drop_atomic(&scratch, &drop, "jembrana.pdf", &letter);
    assert!(
        wait_until(Duration::from_secs(60), || {
            show(&n, draft)["attachments"]
                .as_array()
                .is_some_and(|a| !a.is_empty())
        }),
        "the letter was not attached to draft {draft}:\n{}",
        n.log()
    );
    let e = show(&n, draft);
    let a = &e["attachments"][0];
    assert_eq!(a["name"], "jembrana.pdf");
    assert_eq!(a["sha256"], common::sha256_hex(&letter));
    assert!(a.get("jenis").is_none(), "jenis surat (the default): {e}");
    assert_eq!(e["status"], "draft");
    assert!(
        e["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["kind"] == "dilampirkan"
                && t["detail"] == "jembrana.pdf (surat) dilampirkan dari drop_keluar"),
        "{e}"
    );
    assert!(
        show(&n, other)["attachments"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(wait_until(Duration::from_secs(10), || names_in(&drop).is_empty()));
    assert!(
        names_in(&n.ingest_dir("processed"))
            .iter()
            .any(|f| f == &format!("{draft}-jembrana.pdf")),
        "{:?}",
        names_in(&n.ingest_dir("processed"))
    );
    let entries_before = n.entries().len();
    assert_eq!(
        entries_before, 2,
        "no entry of its own for the attached letter"
    );

    // A letter with no matching draft: a new keluar draft from its suggestions.
    let other_pdf = fs::read(sample(OTHER)).unwrap();
    drop_atomic(&scratch, &drop, "sop.pdf", &other_pdf);
    assert!(
        wait_until(Duration::from_secs(60), || n.entries().len() == 3),
        "no new draft:\n{}",
        n.log()
    );
    let new = n
        .entries()
        .into_iter()
        .find(|e| e["id"] != draft && e["id"] != other)
        .unwrap();
    assert_eq!(new["book"], "keluar", "{new}");
    assert_eq!(new["status"], "draft");
    assert_eq!(new["attachments"][0]["name"], "sop.pdf");
    assert_eq!(new["timeline"][0]["kind"], "draft");
    assert_eq!(new["timeline"][0]["detail"], "dari drop_keluar");
    let audit = n.audit_tail(20);
    for action in ["ingest.keluar_attach", "ingest.keluar_draft"] {
        assert!(
            audit.iter().any(|r| r["action"] == action),
            "{action}: {audit:?}"
        );
    }

    // Refused like any dropped file: an unknown type goes to failed/ with its sidecar.
    drop_atomic(&scratch, &drop, "catatan.txt", b"bukan surat");
    assert!(
        wait_until(Duration::from_secs(30), || names_in(
            &n.ingest_dir("failed")
        )
        .iter()
        .any(|f| f == "catatan.txt.error.txt")),
        "{:?}",
        names_in(&n.ingest_dir("failed"))
    );

    // A restart takes nothing twice.
    n.kill9();
    n.start();
    assert!(wait_until(Duration::from_secs(5), || names_in(&drop).is_empty()));
    assert_eq!(n.entries().len(), 3);
    assert_eq!(show(&n, draft)["attachments"].as_array().unwrap().len(), 1);
}

#[test]
fn a_kill_9_between_commit_and_move_attaches_the_file_once() {
    let mut n = TestNode::init_with(|_| {});
    // The node pauses 1.5 s after the commit, before the original leaves the folder.
    n.node_env = vec![("KASA_TEST_INGEST_PAUSE".into(), "move".into())];
    n.start();
    let drop = n.data.join("drop_keluar");
    let draft = n.json(&[
        "keluar",
        "new",
        "--perihal",
        "Laporan monev",
        "--nomor-surat",
        "800/283/Kominfo/2021",
        "--json",
    ])["id"]
        .as_u64()
        .unwrap();
    drop_atomic(
        &n.scratch(),
        &drop,
        "jembrana.pdf",
        &fs::read(sample(LETTER)).unwrap(),
    );
    assert!(
        wait_until(Duration::from_secs(60), || show(&n, draft)["attachments"]
            .as_array()
            .is_some_and(|a| !a.is_empty())),
        "{}",
        n.log()
    );
    n.kill9();
    assert_eq!(
        names_in(&drop),
        vec!["jembrana.pdf"],
        "killed after the commit, before the move"
    );
    n.node_env.clear();
    n.start();
    assert!(wait_until(Duration::from_secs(30), || names_in(&drop).is_empty()));
    assert_eq!(show(&n, draft)["attachments"].as_array().unwrap().len(), 1);
    assert_eq!(n.entries().len(), 1, "no draft of its own");
    assert!(
        names_in(&n.ingest_dir("processed")).contains(&format!("{draft}-jembrana.pdf")),
        "{:?}",
        names_in(&n.ingest_dir("processed"))
    );
}
