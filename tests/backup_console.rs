//! The console's backup parts (issue 17) by keys against a real node: `B` backs up to `[backup] target`
//! after a confirmation, the manifest lands in the directory, `b` shows the run in the log; without a
//! target the console says how to set one; a role without `cadangan.buat` gets the node's refusal.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::TestNode;
use kasa::console::App;
use kasa::console::app::{ConfirmKind, Layer};
use kasa::console::keymap::Keymap;
use kasa::console::session::Session;
use kasa::console::theme::Theme;
use kasa::console::view::draw;
use kasa::domain::backup::{Hasil, JenisRun, Perhatian, manifest_file_name};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn with_target(t: &mut toml::Table, dir: &Path) {
    let b = t
        .entry("backup")
        .or_insert_with(|| toml::Value::Table(Default::default()))
        .as_table_mut()
        .unwrap();
    b.insert(
        "target".into(),
        toml::Value::String(dir.display().to_string()),
    );
    // No daily schedule: the node must not start a run of its own during the test.
    b.insert("daily_at".into(), toml::Value::String(String::new()));
}

/// A node with an identity (backups are signed), unlocked, with `[backup] target` = `<tmp>/disk`.
fn node_with_identity_and_target() -> (TestNode, PathBuf) {
    let mut n = TestNode::init_with(|_| {});
    let disk = n.tmp.path().join("disk");
    fs::create_dir_all(&disk).unwrap();
    n.edit_config(|t| with_target(t, &disk));
    let _pass = n.create_identity("frasa sandi konsol cadangan yang cukup panjang\n", false);
    n.start();
    (n, disk)
}

fn session(n: &TestNode, w: u16, h: u16) -> Session<kasa::client::Client> {
    let app = App::new(
        Keymap::shipped("default"),
        Theme::shipped("default").unwrap(),
        false,
        vec!["Segera".into()],
    );
    let mut s = Session::new(
        app,
        Some(kasa::client::Client::connect(&n.socket).expect("connect")),
    );
    s.app.resize(w, h);
    s.start();
    s
}

fn screen(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    t.draw(|f| draw(app, f)).unwrap();
    t.backend().to_string()
}

fn message(s: &Session<kasa::client::Client>) -> (String, bool) {
    let m = s.app.message.as_ref().expect("a status-line message");
    (m.text.clone(), m.error)
}

#[test]
fn backup_now_by_keys_writes_the_manifest_and_the_log_shows_it() {
    let (n, disk) = node_with_identity_and_target();
    let mut s = session(&n, 80, 24);
    // On connect the log is loaded: nothing yet, and the header says so at 80 columns.
    let log = s.app.backup.log.as_ref().expect("log loaded at start");
    assert_eq!(log.perhatian, Some(Perhatian::BelumAda));
    assert_eq!(log.target.as_deref(), Some(disk.to_str().unwrap()));
    let top = screen(&s.app).lines().next().unwrap().to_string();
    assert!(top.contains("!backup –"), "{top}");

    // B asks, naming the configured directory; y runs it.
    s.keys("B");
    match s.app.layers.last() {
        Some(Layer::Confirm(c)) => {
            assert!(
                matches!(&c.kind, ConfirmKind::Backup { to } if Path::new(to) == disk),
                "{c:?}"
            );
            assert!(c.message.contains(disk.to_str().unwrap()), "{}", c.message);
        }
        other => panic!("no confirmation: {other:?} {:?}", s.app.message),
    }
    s.keys("y");
    let (text, error) = message(&s);
    assert!(!error, "{text}");
    assert!(
        text.starts_with("backup penuh manifest 1 ke ") && text.contains("ditulis"),
        "{text}"
    );
    assert!(!s.app.backup.running);
    assert!(
        disk.join("manifests").join(manifest_file_name(1)).is_file(),
        "the manifest was written in the target"
    );

    // The log was reloaded after the run: the header has nothing to warn about any more.
    let log = s.app.backup.log.as_ref().unwrap();
    assert_eq!(log.perhatian, None, "{log:?}");
    assert_eq!(log.runs.len(), 1);
    assert_eq!(log.runs[0].jenis_run, JenisRun::Backup);
    assert_eq!(log.runs[0].hasil, Hasil::Berhasil);
    assert_eq!(log.runs[0].manifest_no, Some(1));
    let top = screen(&s.app).lines().next().unwrap().to_string();
    assert!(!top.contains("backup"), "{top}");

    // b opens the log view with the run; Esc closes it.
    s.keys("b");
    assert!(
        matches!(s.app.layers.last(), Some(Layer::Backup(_))),
        "{:?}",
        s.app.message
    );
    let t = screen(&s.app);
    assert!(t.contains("Log backup"), "{t}");
    assert!(t.contains("berhasil"), "{t}");
    assert!(t.contains("backup      penuh"), "{t}");
    s.keys("<Esc>");
    assert!(s.app.layers.is_empty());

    // A second run from the command line is incremental and lands as manifest 2.
    s.keys(":backup<Enter>y");
    let (text, error) = message(&s);
    assert!(
        !error && text.starts_with("backup inkremental manifest 2"),
        "{text}"
    );
    assert!(disk.join("manifests").join(manifest_file_name(2)).is_file());
    assert_eq!(s.app.backup.log.as_ref().unwrap().runs.len(), 2);
}

#[test]
fn without_a_target_the_console_says_how_to_set_one() {
    let n = TestNode::start_new();
    let mut s = session(&n, 200, 50);
    let log = s.app.backup.log.as_ref().expect("log loaded at start");
    assert_eq!(log.target, None);
    // A wide screen always shows the status.
    let top = screen(&s.app).lines().next().unwrap().to_string();
    assert!(top.contains("!backup – · uji –"), "{top}");
    s.keys("B");
    assert!(s.app.layers.is_empty(), "no confirmation without a target");
    let (text, error) = message(&s);
    assert!(error, "{text}");
    assert!(
        text.contains("[backup] target") && text.contains("node.toml"),
        "{text}"
    );
    assert!(text.contains("kasa backup create --to DIR"), "{text}");

    // The console timer asks for the log at most once a minute.
    assert!(s.app.timers().is_empty(), "just loaded");
    s.app.now = s
        .app
        .now
        .checked_add(jiff::SignedDuration::from_secs(59))
        .unwrap();
    assert!(s.app.timers().is_empty(), "59 s later");
    s.app.now = s
        .app
        .now
        .checked_add(jiff::SignedDuration::from_secs(2))
        .unwrap();
    let e = s.app.timers();
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(s.app.timers().is_empty(), "asked again just now");
    s.run(e);
    assert!(s.app.backup.log.is_some());
}

#[test]
fn a_role_without_cadangan_buat_gets_the_node_refusal_as_it_comes() {
    let mut n = TestNode::init_with(|_| {});
    let disk = n.tmp.path().join("disk");
    fs::create_dir_all(&disk).unwrap();
    n.edit_config(|t| with_target(t, &disk));
    n.start();
    n.become_role("kabid");
    let mut s = session(&n, 80, 24);
    s.keys("B");
    assert!(
        matches!(s.app.layers.last(), Some(Layer::Confirm(_))),
        "{:?}",
        s.app.message
    );
    s.keys("y");
    let (text, error) = message(&s);
    assert!(error, "{text}");
    assert!(text.contains("cadangan.buat"), "{text}");
    assert!(!s.app.backup.running);
    assert!(!disk.join("manifests").exists(), "nothing written");
    // The log is still readable by every role.
    assert!(s.app.backup.log.is_some());
}
