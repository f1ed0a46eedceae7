//! Issue 11 §3 and §8: ingest by file identity (a dropped file replaced or rewritten while kasa reads it
//! is taken as a new file, never moved under the old entry, never registered torn), long names keep their
//! sidecar, a drop folder on another file system works and refused files are not re-alarmed.
//! `KASA_TEST_INGEST_PAUSE` makes the node pause at the named step so the change lands exactly there.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use common::*;

fn big_png(n: u8, len: usize) -> Vec<u8> {
    let mut v = tiny_png(n as u64);
    v.resize(len, n);
    v
}

fn entry_shas(n: &TestNode) -> Vec<String> {
    n.entries()
        .iter()
        .map(|e| e["attachments"][0]["sha256"].as_str().unwrap().to_string())
        .collect()
}

/// Every file kept in `dir` is named `<id>-…` and holds exactly the content of entry `<id>`.
fn originals_match_entries(n: &TestNode, dir: &Path) {
    for name in names_in(dir) {
        let id = name.split('-').next().unwrap();
        let e = n.json(&["agenda", "show", id, "--json"]);
        let data = std::fs::read(dir.join(&name)).unwrap();
        assert_eq!(
            e["attachments"][0]["sha256"].as_str().unwrap(),
            sha256_hex(&data),
            "{name} is not the original of entry {id}"
        );
    }
}

#[test]
fn a_file_replaced_while_analysed_is_taken_as_new() {
    let mut n = TestNode::init_with(|_| {});
    n.node_env = vec![("KASA_TEST_INGEST_PAUSE".into(), "move".into())];
    n.start();
    let a = tiny_png(101);
    let b = tiny_png(202);
    drop_atomic(&n.scratch(), &n.drop_dir(), "scan.png", &a);
    // Committed, paused before the original is moved: the scanner replaces it under the same name.
    assert!(n.wait_entries(1, Duration::from_secs(20)));
    drop_atomic(&n.scratch(), &n.drop_dir(), "scan.png", &b);
    assert!(
        n.wait_entries(2, Duration::from_secs(30)),
        "the replacement was never registered"
    );
    assert!(wait_until(Duration::from_secs(20), || names_in(
        &n.drop_dir()
    )
    .is_empty()));
    let shas: HashSet<String> = entry_shas(&n).into_iter().collect();
    assert_eq!(
        shas,
        HashSet::from([sha256_hex(&a), sha256_hex(&b)]),
        "both files registered"
    );
    originals_match_entries(&n, &n.ingest_dir("processed"));
}

#[test]
fn a_file_overwritten_during_the_copy_is_never_registered_torn() {
    let mut n = TestNode::init_with(|_| {});
    n.node_env = vec![("KASA_TEST_INGEST_PAUSE".into(), "copy".into())];
    n.start();
    let a = big_png(1, 3 << 20);
    let b = big_png(2, 3 << 20);
    drop_atomic(&n.scratch(), &n.drop_dir(), "scan.png", &a);
    assert!(wait_until(Duration::from_secs(20), || {
        n.status()["ingest"]["processing"].as_u64() == Some(1)
    }));
    // Rewritten in place (same inode) while kasa is half-way through its copy.
    std::fs::write(n.drop_dir().join("scan.png"), &b).unwrap();
    assert!(
        n.wait_entries(1, Duration::from_secs(30)),
        "the new content was never registered"
    );
    assert!(wait_until(Duration::from_secs(20), || names_in(
        &n.drop_dir()
    )
    .is_empty()));
    let shas = entry_shas(&n);
    let allowed = [sha256_hex(&a), sha256_hex(&b)];
    assert!(
        shas.iter().all(|s| allowed.contains(s)),
        "a torn mix was registered: {shas:?}"
    );
    assert!(shas.contains(&sha256_hex(&b)), "{shas:?}");
    originals_match_entries(&n, &n.ingest_dir("processed"));
}

#[test]
fn a_long_valid_name_keeps_its_sidecar() {
    let n = TestNode::start_new();
    let name = format!("{}.bin", "n".repeat(251));
    assert_eq!(name.len(), 255);
    drop_atomic(&n.scratch(), &n.drop_dir(), &name, b"not a document at all");
    // The sidecar is written before the file is moved: wait for both.
    assert!(wait_until(Duration::from_secs(20), || names_in(
        &n.ingest_dir("failed")
    )
    .len()
        >= 2));
    let failed = names_in(&n.ingest_dir("failed"));
    assert_eq!(failed.len(), 2, "{failed:?}");
    let side = failed.iter().find(|f| f.ends_with(".error.txt")).unwrap();
    let file = failed.iter().find(|f| !f.ends_with(".error.txt")).unwrap();
    assert_eq!(side, &format!("{file}.error.txt"));
    let text = std::fs::read_to_string(n.ingest_dir("failed").join(side)).unwrap();
    assert!(text.contains(&name), "the sidecar names the original file");
}

#[test]
fn a_drop_folder_on_another_file_system_works_and_refusals_are_alarmed_once() {
    if !is_root() {
        eprintln!("SKIPPED: mounting a tmpfs needs root");
        return;
    }
    let Some(fs) = Tmpfs::mount("8m") else { return };
    let drop_dir = fs.path().to_path_buf();
    let d = drop_dir.clone();
    let n = TestNode::start_with(move |t| {
        t.insert("drop_dir".into(), d.to_str().unwrap().into());
    });
    let staging = fs.path().join(".staging");
    std::fs::create_dir_all(&staging).unwrap();
    drop_atomic(&staging, &drop_dir, "ok.png", &tiny_png(9));
    drop_atomic(&staging, &drop_dir, "junk.bin", b"junk junk junk");
    assert!(n.wait_entries(1, Duration::from_secs(20)));
    assert!(
        wait_until(Duration::from_secs(20), || {
            !drop_dir.join("ok.png").exists() && !drop_dir.join("junk.bin").exists()
        }),
        "files never left the drop folder: {:?}",
        names_in(&drop_dir)
    );
    // Several rescans later (rescan_secs = 1), still one alarm for the refused file.
    std::thread::sleep(Duration::from_secs(3));
    let alarms: Vec<_> = n
        .alarms()
        .into_iter()
        .filter(|a| a["kind"] == "ingest.failed")
        .collect();
    assert_eq!(alarms.len(), 1, "{alarms:?}");
    assert!(names_in(&n.ingest_dir("failed")).contains(&"junk.bin.error.txt".to_string()));
    originals_match_entries(&n, &n.ingest_dir("processed"));
    drop(n);
}
