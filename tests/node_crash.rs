//! Crash idempotency of ingest (DESIGN §3): kill -9 the real node at random moments of a burst, restart,
//! repeat; afterwards nothing is lost, nothing is duplicated, no blob is orphaned, the chain verifies.
//!
//! The seed is printed; set `KASA_TEST_SEED` to replay a run.

mod common;

use std::collections::{HashMap, HashSet};
use std::fs;
use std::time::Duration;

use common::*;

/// A small linear congruential generator (Knuth's MMIX constants).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
}

fn seed() -> u64 {
    std::env::var("KASA_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        })
}

#[test]
fn kill_9_during_burst_loses_and_duplicates_nothing() {
    let seed = seed();
    eprintln!("KASA_TEST_SEED={seed}");
    let mut rng = Lcg(seed);
    let mut node = TestNode::init_with(|_| {});
    let drop = node.drop_dir();
    let scratch = node.scratch();

    // 300 distinct files: mostly PNGs (no analysis child), every 15th a PDF (analysed in a child).
    let n = 300u64;
    let mut files: Vec<(String, Vec<u8>)> = (0..n)
        .map(|i| {
            if i % 15 == 0 {
                (format!("crash-{i:03}.pdf"), tiny_pdf(i))
            } else {
                (format!("crash-{i:03}.png"), tiny_png(i))
            }
        })
        .collect();
    let want: HashMap<String, String> = files
        .iter()
        .map(|(name, d)| (sha256_hex(d), name.clone()))
        .collect();
    assert_eq!(want.len() as u64, n);
    let second_half = files.split_off(files.len() / 2);
    for (name, d) in &files {
        drop_atomic(&scratch, &drop, name, d);
    }

    let kills = 6;
    for round in 0..kills {
        node.start();
        if round == 1 {
            // More files arrive while the node ingests and is killed.
            for (name, d) in &second_half {
                drop_atomic(&scratch, &drop, name, d);
            }
        }
        // The random kill moment (not a synchronisation): stable_ms is 300, so the first files are
        // taken from about 300 ms after start.
        let delay = rng.range(150, 1500);
        std::thread::sleep(Duration::from_millis(delay));
        let before = node.status()["entries"].as_u64().unwrap_or(0);
        node.kill9();
        eprintln!(
            "round {round}: killed after {delay} ms with {before} entries, {} files left in drop",
            names_in(&drop).len()
        );
    }

    node.start();
    assert!(
        wait_until(Duration::from_secs(120), || names_in(&drop).is_empty()),
        "drop folder not emptied: {} left\n{}",
        names_in(&drop).len(),
        node.log()
    );
    assert!(node.wait_entries(n, Duration::from_secs(30)));

    let entries = node.entries();
    assert_eq!(entries.len() as u64, n, "entries != files");
    let mut seen: HashSet<String> = HashSet::new();
    for e in &entries {
        assert!(
            e["duplicate_of"].is_null(),
            "duplicate entry although all contents differ: {e}"
        );
        let sha = e["attachments"][0]["sha256"].as_str().unwrap().to_string();
        let name = e["attachments"][0]["name"].as_str().unwrap();
        assert_eq!(want.get(&sha).map(String::as_str), Some(name), "{e}");
        assert!(seen.insert(sha.clone()), "{sha} ({name}) registered twice");
    }
    assert_eq!(seen.len() as u64, n);

    // Every blob has a database entry, and every entry its blob.
    let mut blobs = HashSet::new();
    for d in fs::read_dir(node.data.join("blobs")).unwrap() {
        let d = d.unwrap();
        for f in fs::read_dir(d.path()).unwrap() {
            let name = f.unwrap().file_name().to_string_lossy().into_owned();
            assert!(name.starts_with(&d.file_name().to_string_lossy().into_owned()));
            blobs.insert(name);
        }
    }
    let orphans: Vec<_> = blobs.difference(&seen).collect();
    assert!(orphans.is_empty(), "blobs without an entry: {orphans:?}");
    let missing: Vec<_> = seen.difference(&blobs).collect();
    assert!(missing.is_empty(), "entries without a blob: {missing:?}");

    assert!(names_in(&drop).is_empty());
    assert!(
        wait_until(Duration::from_secs(10), || names_in(
            &node.ingest_dir("staging")
        )
        .is_empty()),
        "staging not cleaned: {:?}",
        names_in(&node.ingest_dir("staging"))
    );
    assert_eq!(names_in(&node.ingest_dir("processed")).len() as u64, n);
    assert!(names_in(&node.ingest_dir("duplicates")).is_empty());
    assert!(names_in(&node.ingest_dir("failed")).is_empty());
    assert!(node.alarms().is_empty(), "{:?}", node.alarms());
    let o = node.kasa(&["audit", "verify"]);
    assert!(o.status.success(), "audit verify: {}", describe(&o));
}

/// What a node killed mid-way leaves in `ingest/staging/` is gone at the next start: a staged copy,
/// and a folder a kriptogram was being decrypted into (or that the background removal had not
/// reached), with what it holds.
#[test]
fn a_restart_clears_staged_files_and_folders() {
    let mut node = TestNode::init_with(|_| {});
    node.start();
    node.kill9();
    let staging = node.ingest_dir("staging");
    fs::create_dir_all(staging.join("kgm-0123456789abcdef")).unwrap();
    fs::write(
        staging.join("kgm-0123456789abcdef/surat.pdf"),
        b"%PDF-1.4 sisa",
    )
    .unwrap();
    fs::write(staging.join(".kasa-tmp-sisa"), b"sisa salinan").unwrap();
    node.start();
    assert!(
        names_in(&staging).is_empty(),
        "staging not cleaned: {:?}",
        names_in(&staging)
    );
}
