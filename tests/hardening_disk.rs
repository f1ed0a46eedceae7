//! Issue 11 §4: one ENOSPC used to poison the database until restart ("Previous I/O error"). Now the node
//! refuses writes with a clear "disk penuh" error, reopens its database with back-off once space is back,
//! resumes writes without a restart and raises the alarm. Real node on a small tmpfs (needs root).

mod common;

use std::io::Write;
use std::time::Duration;

use common::*;

#[test]
fn writes_resume_after_the_disk_was_full() {
    if !is_root() {
        eprintln!("SKIPPED: mounting a tmpfs needs root");
        return;
    }
    let mut n = TestNode::init_with(|_| {});
    let Some(fs) = Tmpfs::mount("24m") else {
        return;
    };
    // The data directory moves onto the small file system.
    let st = std::process::Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", n.data.display()))
        .arg(fs.path())
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::remove_dir_all(&n.data).unwrap();
    std::os::unix::fs::symlink(fs.path(), &n.data).unwrap();
    n.start();
    let pid = n.pid();
    let f = n.scratch().join("a.png");
    std::fs::write(&f, tiny_png(3)).unwrap();
    let v = n.json(&["ingest", "--json", f.to_str().unwrap()]);
    let id = v["results"][0]["outcome"]["id"]
        .as_u64()
        .unwrap()
        .to_string();

    // Fill the file system.
    let filler = fs.path().join("filler");
    let mut w = std::fs::File::create(&filler).unwrap();
    let chunk = vec![7u8; 1 << 20];
    while w.write_all(&chunk).is_ok() {}
    let _ = w.flush();
    drop(w);

    let text = "catatan panjang ".repeat(120);
    let mut ok_notes = 0;
    let mut refusal = None;
    for _ in 0..500 {
        let o = n.kasa(&["agenda", "note", &id, &text]);
        if o.status.success() {
            ok_notes += 1;
        } else {
            refusal = Some(String::from_utf8_lossy(&o.stderr).into_owned());
            break;
        }
    }
    let refusal = refusal.expect("a full disk never refused a write");
    assert!(refusal.contains("disk penuh"), "{refusal}");

    std::fs::remove_file(&filler).unwrap();
    assert!(
        wait_until(Duration::from_secs(60), || n
            .kasa(&["agenda", "note", &id, "setelah disk lega"])
            .status
            .success()),
        "writes did not resume after space was freed:\n{}",
        n.log()
    );
    assert_eq!(n.pid(), pid, "no restart");
    assert!(
        wait_until(Duration::from_secs(10), || n
            .alarms()
            .iter()
            .any(|a| a["kind"] == "storage.disk_full")),
        "{:?}",
        n.alarms()
    );
    let e = n.json(&["agenda", "show", &id, "--json"]);
    let notes = e["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "catatan")
        .count();
    assert!(
        notes > ok_notes,
        "committed notes kept: {notes} of {ok_notes} + 1"
    );
    n.kasa_ok(&["audit", "verify"]);
    n.kill9();
    drop(fs);
}
