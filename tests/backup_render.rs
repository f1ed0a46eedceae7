//! Buffer snapshots (insta) of the console's backup parts (issue 17) from fixed data and a fixed clock:
//! the header span at 80×24 (only when something needs attention) and 200×50 (always), and the log view.

#[path = "console_harness.rs"]
mod harness;

use harness::ts;
use kasa::console::App;
use kasa::console::action::Action;
use kasa::console::app::{Layer, Purpose};
use kasa::console::backup::{BackupNext, BackupPurpose};
use kasa::domain::backup::{
    Alasan, BackupRun, Hasil, Jenis, JenisKegagalan, JenisRun, UjiRestore, ringkas,
};
use kasa::proto::Reply;
use kasa::proto::backup::BackupReply;

use harness::text;

fn header(app: &App) -> String {
    text(app).lines().next().unwrap().to_string()
}

fn run(id: u64, jenis_run: JenisRun, at: &str, secs: i64, hasil: Hasil) -> BackupRun {
    let started_at = ts(at);
    let failed = matches!(hasil, Hasil::Gagal { .. });
    let r = BackupRun {
        id,
        jenis_run,
        started_at,
        ended_at: Some(
            started_at
                .checked_add(jiff::SignedDuration::from_secs(secs))
                .unwrap(),
        ),
        target: "/media/brankas-disk/kasa".into(),
        target_id: "t1".into(),
        operator: "I Wayan Sudarma".into(),
        alasan: if id == 2 {
            Alasan::Manual
        } else {
            Alasan::Jadwal
        },
        jenis: (jenis_run == JenisRun::Backup).then_some(if id == 1 {
            Jenis::Penuh
        } else {
            Jenis::Inkremental
        }),
        hasil,
        manifest_no: Some(id.min(2)),
        audit_seq: 40 + id,
        bytes_total: 52_428_800,
        bytes_written: if id == 1 { 52_428_800 } else { 183_500 },
        pieces_total: 120,
        pieces_new: if id == 1 { 120 } else { 4 },
        himpunan: vec![],
        uji: (jenis_run == JenisRun::UjiRestore).then(|| UjiRestore {
            manifest_no: 2,
            entries_restored: 40,
            audit_head_match: true,
            audit_chain_ok: true,
            blobs_sampled: 20,
            blobs_matching: 20,
            entries_sampled: 20,
            entries_matching: 20,
            selisih: vec![],
        }),
    };
    if failed {
        // A failed backup wrote no manifest.
        BackupRun {
            manifest_no: None,
            bytes_written: 0,
            bytes_total: 0,
            pieces_new: 0,
            pieces_total: 0,
            ..r
        }
    } else {
        r
    }
}

/// The node's log reply as the console gets it (oldest first).
fn log(app: &mut App, runs: Vec<BackupRun>, missed: bool, test_overdue: bool) {
    let r = ringkas(&runs);
    app.on_reply(
        Purpose::Backup(BackupPurpose::Log(BackupNext::Nothing)),
        Ok(Reply::Backup(BackupReply::Log {
            runs,
            ringkasan: Box::new(r),
            zone: "Asia/Makassar".into(),
            node_id: "5101".into(),
            now: ts("2026-11-20T07:30:15Z"),
            test_overdue,
            missed,
            target: Some("/media/brankas-disk/kasa".into()),
        })),
    );
}

/// Now is 2026-11-20 07:30:15Z: a full backup and a restore test eleven days ago, the last
/// incremental five hours ago.
fn healthy() -> Vec<BackupRun> {
    vec![
        run(
            1,
            JenisRun::Backup,
            "2026-11-08T18:00:00Z",
            95,
            Hasil::Berhasil,
        ),
        run(
            3,
            JenisRun::UjiRestore,
            "2026-11-08T19:00:00Z",
            40,
            Hasil::Berhasil,
        ),
        run(
            2,
            JenisRun::Backup,
            "2026-11-20T02:30:00Z",
            7,
            Hasil::Berhasil,
        ),
    ]
}

#[test]
fn header_without_any_backup_warns_at_80_and_200_columns() {
    let mut app = harness::app("default", 40, 80, 24);
    assert!(!header(&app).contains("backup"), "nothing before the log");
    log(&mut app, vec![], false, false);
    let h = header(&app);
    assert!(h.contains("!backup –"), "{h}");
    insta::assert_snapshot!("header_no_backup_80x24", h);
    app.resize(200, 50);
    let h = header(&app);
    assert!(h.contains("!backup – · uji –"), "{h}");
    insta::assert_snapshot!("header_no_backup_200x50", h);
}

#[test]
fn header_of_a_healthy_log_only_on_wide_screens() {
    let mut app = harness::app("default", 40, 80, 24);
    log(&mut app, healthy(), false, false);
    let h = header(&app);
    assert!(
        !h.contains("backup"),
        "nothing to warn about at 80 columns: {h}"
    );
    app.resize(200, 50);
    let h = header(&app);
    assert!(h.contains("backup 5j · uji 11h"), "{h}");
    insta::assert_snapshot!("header_healthy_200x50", h);
    // The age follows the console clock without a new log.
    app.tick(ts("2026-11-20T09:30:15Z"));
    assert!(header(&app).contains("backup 7j · uji 11h"));
    // English units.
    app.en = true;
    assert!(header(&app).contains("backup 7h · test 11d"));
}

#[test]
fn header_names_what_needs_attention_at_80_columns() {
    let mut app = harness::app("default", 40, 80, 24);
    // Missed: the last success is 3 days old.
    let old = vec![run(
        1,
        JenisRun::Backup,
        "2026-11-17T02:00:00Z",
        95,
        Hasil::Berhasil,
    )];
    log(&mut app, old.clone(), true, false);
    let h = header(&app);
    assert!(h.contains("!backup 3h · "), "{h}");
    insta::assert_snapshot!("header_missed_80x24", h);
    // Restore test overdue.
    log(&mut app, healthy(), false, true);
    assert!(header(&app).contains("!uji 11h · "), "{}", header(&app));
    // The last run failed.
    let mut runs = healthy();
    runs.push(run(
        4,
        JenisRun::Backup,
        "2026-11-20T06:00:00Z",
        2,
        Hasil::Gagal {
            jenis: JenisKegagalan::TargetTidakTersedia,
            alasan: "/media/brankas-disk/kasa: No such file or directory (os error 2)".into(),
        },
    ));
    log(&mut app, runs, false, false);
    let h = header(&app);
    assert!(h.contains("!backup gagal · "), "{h}");
    insta::assert_snapshot!("header_failed_80x24", h);
}

#[test]
fn log_view_newest_first_with_summary_80x24_and_wide() {
    let mut app = harness::app("default", 40, 80, 24);
    let mut runs = healthy();
    runs.push(run(
        4,
        JenisRun::Backup,
        "2026-11-20T06:00:00Z",
        2,
        Hasil::Gagal {
            jenis: JenisKegagalan::TargetTidakTersedia,
            alasan: "/media/brankas-disk/kasa: No such file or directory (os error 2)".into(),
        },
    ));
    log(&mut app, runs, false, false);
    app.layers
        .push(Layer::Backup(kasa::console::backup::BackupView::default()));
    let t = text(&app);
    assert!(t.contains("berhasil") && t.contains("GAGAL"), "{t}");
    insta::assert_snapshot!("log_view_80x24", t);
    // j moves to the next (older) run; its details show under the table.
    app.update(Action::Down);
    insta::assert_snapshot!("log_view_second_run_80x24", text(&app));
    app.resize(160, 30);
    insta::assert_snapshot!("log_view_160x30", text(&app));
    app.update(Action::Back);
    assert!(app.layers.is_empty());
}
