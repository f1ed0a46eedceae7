//! The drop-folder watcher on a real directory with a real node (DESIGN §3, §7.3): slow writer,
//! rename-in, delete-before-stable, name reuse, junk, refusals (symlink, FIFO, oversize, unknown type,
//! empty) and a burst of 1,000 files.

mod common;

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::time::{Duration, Instant};

use common::*;

/// A node whose files must be unchanged for `ms` (poll tick min(ms/4, 250 ms)).
fn slow_node(ms: i64) -> TestNode {
    TestNode::start_with(|t| {
        t["ingest"]
            .as_table_mut()
            .unwrap()
            .insert("stable_ms".into(), toml::Value::Integer(ms));
    })
}

#[test]
fn slow_writer_is_taken_once_only_after_it_finished() {
    let node = slow_node(1000);
    let path = node.drop_dir().join("slow-scan.png");
    let mut content = tiny_png(7);
    content.extend((0..60_000u32).map(|i| (i % 251) as u8));
    let chunks: Vec<&[u8]> = content.chunks(10_000).collect();
    assert!(chunks.len() >= 6);
    let mut f = fs::File::create(&path).unwrap();
    let started = Instant::now();
    for (i, c) in chunks.iter().enumerate() {
        f.write_all(c).unwrap();
        f.flush().unwrap();
        if i + 1 < chunks.len() {
            // Longer than a poll tick (250 ms), shorter than stable_ms (1000 ms): this pause is the
            // writer's behaviour under test, not synchronisation.
            std::thread::sleep(Duration::from_millis(450));
            assert!(
                path.exists(),
                "taken after chunk {i} while still being written"
            );
            assert!(
                node.entries_named("slow-scan.png").is_empty(),
                "registered after chunk {i}, {:?} into the write",
                started.elapsed()
            );
        }
    }
    drop(f);
    assert!(
        wait_until(Duration::from_secs(30), || !node
            .entries_named("slow-scan.png")
            .is_empty()),
        "never taken; log:\n{}",
        node.log()
    );
    assert!(wait_until(Duration::from_secs(10), || !path.exists()));
    let e = node.entries_named("slow-scan.png");
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0]["attachments"][0]["sha256"], sha256_hex(&content));
    assert_eq!(e[0]["attachments"][0]["size"], content.len() as u64);
    assert_eq!(node.entries().len(), 1);
}

#[test]
fn file_renamed_in_from_a_sibling_dir_is_taken() {
    let node = TestNode::start_new();
    let outside = node.scratch().join("renamed-in.pdf");
    let data = fs::read(sample("pdf-corpus/minimal-document.pdf")).unwrap();
    fs::write(&outside, &data).unwrap();
    fs::rename(&outside, node.drop_dir().join("renamed-in.pdf")).unwrap();
    assert!(
        node.wait_entries(1, Duration::from_secs(30)),
        "{}",
        node.log()
    );
    let e = node.entries_named("renamed-in.pdf");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["attachments"][0]["sha256"], sha256_hex(&data));
    assert!(wait_until(Duration::from_secs(10), || names_in(
        &node.drop_dir()
    )
    .is_empty()));
}

#[test]
fn file_deleted_before_stable_is_never_registered_nor_alarmed() {
    // Generous, so the deletion surely comes before the file is stable even on a loaded machine.
    let node = slow_node(3000);
    let p = node.drop_dir().join("gone.png");
    fs::write(&p, tiny_png(1)).unwrap();
    // Let the node notice it (tracked, waiting to be stable), then delete it.
    assert!(
        wait_until(
            Duration::from_secs(10),
            || node.status()["ingest"]["waiting"].as_u64().unwrap_or(0) >= 1
        ),
        "the node never tracked the file"
    );
    fs::remove_file(&p).unwrap();
    // A later marker file proves the loop went on past the deletion.
    fs::write(node.drop_dir().join("marker.png"), tiny_png(2)).unwrap();
    assert!(
        node.wait_entries(1, Duration::from_secs(30)),
        "{}",
        node.log()
    );
    assert_eq!(node.entries_named("marker.png").len(), 1);
    assert!(wait_until(
        Duration::from_secs(10),
        || node.status()["ingest"]["waiting"] == 0
    ));
    assert!(node.entries_named("gone.png").is_empty());
    assert_eq!(node.entries().len(), 1);
    assert!(node.alarms().is_empty(), "{:?}", node.alarms());
    assert_eq!(node.status()["ingest"]["failed"], 0);
    assert!(names_in(&node.ingest_dir("failed")).is_empty());
}

#[test]
fn same_name_reused_with_other_content_gives_two_entries() {
    let node = TestNode::start_new();
    let p = node.drop_dir().join("scan.png");
    let (a, b) = (tiny_png(10), tiny_png(11));
    fs::write(&p, &a).unwrap();
    assert!(node.wait_entries(1, Duration::from_secs(30)));
    assert!(wait_until(Duration::from_secs(10), || !p.exists()));
    fs::write(&p, &b).unwrap();
    assert!(node.wait_entries(2, Duration::from_secs(30)));
    assert!(wait_until(Duration::from_secs(10), || !p.exists()));
    let e = node.entries_named("scan.png");
    assert_eq!(e.len(), 2, "{e:?}");
    let hashes: HashSet<String> = e
        .iter()
        .map(|e| e["attachments"][0]["sha256"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(hashes, HashSet::from([sha256_hex(&a), sha256_hex(&b)]));
    assert!(e.iter().all(|e| e["duplicate_of"].is_null()));
    assert_eq!(names_in(&node.ingest_dir("processed")).len(), 2);
}

#[test]
fn junk_names_are_ignored_and_left_in_place() {
    let node = TestNode::start_new();
    let junk = [
        ".DS_Store",
        "._x.pdf",
        "Thumbs.db",
        "a.part",
        "b.tmp",
        "~$c.docx",
    ];
    for (i, j) in junk.iter().enumerate() {
        // Valid content, so only the name keeps them out.
        let data = if j.ends_with(".pdf") {
            tiny_pdf(i as u64)
        } else {
            tiny_png(100 + i as u64)
        };
        fs::write(node.drop_dir().join(j), data).unwrap();
    }
    fs::write(node.drop_dir().join("marker.png"), tiny_png(1)).unwrap();
    assert!(
        node.wait_entries(1, Duration::from_secs(30)),
        "{}",
        node.log()
    );
    // Wait past at least one more full rescan (rescan_secs = 1) after the marker was taken.
    let rescans_after = Instant::now();
    assert!(wait_until(Duration::from_secs(10), || {
        rescans_after.elapsed() > Duration::from_millis(1500) && node.entries().len() == 1
    }));
    let mut left = names_in(&node.drop_dir());
    let mut want: Vec<String> = junk.iter().map(|s| s.to_string()).collect();
    left.sort();
    want.sort();
    assert_eq!(left, want, "junk moved or marker left");
    assert_eq!(node.entries_named("marker.png").len(), 1);
    assert!(node.alarms().is_empty(), "{:?}", node.alarms());
    assert!(names_in(&node.ingest_dir("failed")).is_empty());
}

#[test]
fn symlink_fifo_oversize_unknown_and_empty_are_refused_with_sidecar_and_alarm() {
    let node = TestNode::start_with(|t| {
        t["ingest"]
            .as_table_mut()
            .unwrap()
            .insert("max_bytes".into(), toml::Value::Integer(4096));
    });
    let drop = node.drop_dir();
    let target = node.scratch().join("real.pdf");
    fs::write(&target, tiny_pdf(1)).unwrap();
    std::os::unix::fs::symlink(&target, drop.join("link.pdf")).unwrap();
    let fifo = std::ffi::CString::new(drop.join("pipe.pdf").to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let mut big = tiny_png(3);
    big.resize(8192, 0xAB);
    fs::write(drop.join("big.png"), &big).unwrap();
    fs::write(
        drop.join("notes.txt"),
        "catatan rapat, bukan dokumen pindaian\n",
    )
    .unwrap();
    fs::write(drop.join("empty.pdf"), b"").unwrap();
    let refused = ["link.pdf", "pipe.pdf", "big.png", "notes.txt", "empty.pdf"];

    assert!(
        wait_until(Duration::from_secs(30), || names_in(&drop).is_empty()),
        "left in drop: {:?}\n{}",
        names_in(&drop),
        node.log()
    );
    // The original moves first, then the sidecar is written and the alarm raised: wait for all three.
    assert!(
        wait_until(Duration::from_secs(10), || {
            refused.iter().all(|r| {
                node.ingest_dir("failed")
                    .join(format!("{r}.error.txt"))
                    .exists()
            }) && node.alarms().len() >= refused.len()
        }),
        "sidecars/alarms missing: {:?} {:?}",
        names_in(&node.ingest_dir("failed")),
        node.alarms()
    );
    let failed = names_in(&node.ingest_dir("failed"));
    for r in refused {
        assert!(
            failed.contains(&r.to_string()),
            "{r} not in failed/: {failed:?}"
        );
        let side = node.ingest_dir("failed").join(format!("{r}.error.txt"));
        let text = fs::read_to_string(&side).unwrap_or_else(|e| panic!("{}: {e}", side.display()));
        assert!(text.contains(r) && text.contains("reason"), "{text}");
    }
    assert_eq!(failed.len(), 2 * refused.len(), "{failed:?}");
    // The symlink was moved as a link; its target is untouched.
    let l = node.ingest_dir("failed").join("link.pdf");
    assert!(fs::symlink_metadata(&l).unwrap().file_type().is_symlink());
    assert_eq!(fs::read(&target).unwrap(), tiny_pdf(1));
    use std::os::unix::fs::FileTypeExt;
    assert!(
        fs::symlink_metadata(node.ingest_dir("failed").join("pipe.pdf"))
            .unwrap()
            .file_type()
            .is_fifo()
    );

    let reasons = [
        ("link.pdf", "symbolic link"),
        ("pipe.pdf", "not a regular file"),
        ("big.png", "maximum"),
        ("notes.txt", "unknown file type"),
        ("empty.pdf", "empty"),
    ];
    let alarms = node.alarms();
    assert_eq!(alarms.len(), refused.len(), "{alarms:?}");
    for (r, why) in reasons {
        let a = alarms
            .iter()
            .find(|a| a["object"] == format!("file:{r}"))
            .unwrap_or_else(|| panic!("no alarm for {r}: {alarms:?}"));
        assert_eq!(a["kind"], "ingest.failed");
        assert!(a["message"].as_str().unwrap().contains(why), "{a}");
        let side =
            fs::read_to_string(node.ingest_dir("failed").join(format!("{r}.error.txt"))).unwrap();
        assert!(side.contains(why), "{side}");
    }
    assert!(node.entries().is_empty(), "{:?}", node.entries());
    let audit = node.audit_tail(50);
    for r in refused {
        assert!(
            audit
                .iter()
                .any(|a| a["action"] == "ingest.failed" && a["object"] == format!("file:{r}")),
            "no audit record for {r}"
        );
    }
    // Never retried: still exactly these alarms after further rescans.
    let t = Instant::now();
    assert!(wait_until(Duration::from_secs(10), || t.elapsed()
        > Duration::from_millis(2500)));
    assert_eq!(node.alarms().len(), refused.len());
}

#[test]
fn burst_of_1000_small_files_all_registered_exactly_once() {
    let node = TestNode::start_new();
    let n = 1000u64;
    let mut want = HashSet::new();
    for i in 0..n {
        let d = tiny_png(i);
        want.insert((format!("burst-{i:04}.png"), sha256_hex(&d)));
        fs::write(node.drop_dir().join(format!("burst-{i:04}.png")), d).unwrap();
    }
    let t = Instant::now();
    assert!(
        node.wait_entries(n, Duration::from_secs(200)),
        "{} of {n} after {:?}",
        node.status()["entries"],
        t.elapsed()
    );
    eprintln!("1000 files ingested in {:?}", t.elapsed());
    assert!(wait_until(Duration::from_secs(30), || names_in(
        &node.drop_dir()
    )
    .is_empty()));
    let entries = node.entries_all();
    assert_eq!(entries.len() as u64, n);
    let got: HashSet<(String, String)> = entries
        .iter()
        .map(|e| {
            (
                e.attachments[0].name.clone(),
                e.attachments[0].sha256.clone(),
            )
        })
        .collect();
    assert_eq!(got.len() as u64, n, "some file registered twice");
    assert_eq!(got, want);
    assert!(entries.iter().all(|e| e.duplicate_of.is_none()));
    assert_eq!(names_in(&node.ingest_dir("processed")).len() as u64, n);
    assert!(node.alarms().is_empty());
    assert_eq!(node.status()["entries"], n);
}
