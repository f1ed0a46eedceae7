//! Console key-sequence tests of the Disposisi pane against a real node: disposing the selected masuk
//! entry with the form (a refused skip shown in the form, then accepted), and a new disposisi for me
//! arriving live through the node's push channel (bell + status line), then read and closed by keys.
//! Needs root for the second operator's CLI under another uid (as tests/node_access.rs).

mod common;
#[path = "console_harness.rs"]
mod harness;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use harness::{Tmux, tmux};
use kasa::console::app::Layer;
use kasa::console::session::Session;
use kasa::domain::disposisi::Keadaan;
use kasa::domain::{Operator, Role};
use kasa::proto::disposisi::{DisposisiReply, DisposisiRequest, Lingkup};
use kasa::proto::{Event, Reply, Request};

const GID: u32 = 4244;

fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

struct Office {
    node: TestNode,
    sockdir: tempfile::TempDir,
}

fn op(uid: u32, nama: &str, role: Role) -> Operator {
    Operator {
        uid,
        username: format!("op{uid}"),
        nama: nama.into(),
        nip: String::new(),
        jabatan: String::new(),
        role,
        kualifikasi: Default::default(),
        disabled: false,
    }
}

/// A node where this process (root) is the operator `me_role`, plus the others, with one registered
/// masuk entry. Operators are written straight into the database before the node starts.
fn office(me_role: Role, others: &[Operator]) -> (Office, u64) {
    let sockdir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(sockdir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let socket = sockdir.path().join("node.sock");
    let s = socket.clone();
    let mut node = TestNode::init_with(move |t| {
        t.insert("socket".into(), s.to_str().unwrap().into());
        t.insert("socket_group".into(), GID.to_string().into());
        t.insert("socket_mode".into(), "0660".into());
    });
    {
        let st = kasa::store::Store::open(&node.db()).unwrap();
        let now = kasa::clock::now();
        let mut me = st.operator(0).unwrap().expect("root is the first admin");
        me.role = me_role;
        st.put_operator(&kasa::store::Actor::node(), &me, true, now)
            .unwrap();
        for o in others {
            st.put_operator(&kasa::store::Actor::node(), o, false, now)
                .unwrap();
        }
        // The sandiman work (receiving, registering) is done by an admin root acts as (`--as`).
        let mut admin = me.clone();
        admin.uid = 4999;
        admin.nama = "Admin Uji".into();
        admin.role = Role::Admin;
        st.put_operator(&kasa::store::Actor::node(), &admin, false, now)
            .unwrap();
    }
    node.start();
    let f = node.scratch().join("in.png");
    std::fs::write(&f, tiny_png(1)).unwrap();
    let v = node.json(&["--as", "4999", "ingest", "--json", f.to_str().unwrap()]);
    let id = v["results"][0]["outcome"]["id"].as_u64().unwrap();
    node.kasa_ok(&[
        "--as",
        "4999",
        "agenda",
        "register",
        &id.to_string(),
        "--perihal",
        "Undangan rapat koordinasi persandian",
        "--klasifikasi",
        "Biasa",
        "--tujuan",
        "Kepala Dinas Kominfo",
    ]);
    (Office { node, sockdir }, id)
}

fn session(o: &Office) -> Session<kasa::client::Client> {
    console_session(&o.node)
}

fn records(o: &Office, lingkup: Lingkup) -> Vec<kasa::domain::disposisi::Disposisi> {
    let mut c = kasa::client::Client::connect(&o.node.socket).unwrap();
    match c
        .call(Request::Disposisi(DisposisiRequest::List { lingkup }))
        .unwrap()
    {
        Reply::Disposisi(DisposisiReply::Records { records, .. }) => records,
        r => panic!("{r:?}"),
    }
}

#[test]
fn kadis_disposes_the_selected_entry_with_the_form() {
    if !is_root() {
        eprintln!("skipped: needs root (the console runs as the node's first operator)");
        return;
    }
    let (o, entry) = office(
        Role::Kadis,
        &[
            op(2002, "Ni Luh Kabid", Role::Kabid),
            op(2003, "I Ketut Kasi", Role::Kasi),
        ],
    );
    let mut s = session(&o);
    assert_eq!(s.app.masuk.selected().unwrap().id, entry);

    // D opens the form; → picks the Kasi (skipping the Kabid): refused in the form, naming the rule.
    s.keys("D");
    let Some(Layer::Dispose(f)) = s.app.layers.last() else {
        panic!("form not open: {:?}", s.app.message)
    };
    assert_eq!(f.candidates[f.recipient].uid, 2002, "Kabid offered first");
    assert_eq!(f.saran.as_ref().unwrap().ke, "Kasi Persandian");
    s.keys("<right><down><down><space><C-s>");
    let Some(Layer::Dispose(f)) = s.app.layers.last() else {
        panic!("the refused form must stay open")
    };
    let err = f.error.clone().unwrap();
    assert!(err.contains("aturan tanpa-lompat"), "{err}");

    // Back to the Kabid, a catatan, send.
    s.keys("<up><up><left>");
    for _ in 0..8 {
        s.keys("<down>");
    }
    s.keys("Mohon dihadiri<C-s>");
    assert!(
        !s.app.layers.iter().any(|l| matches!(l, Layer::Dispose(_))),
        "form closed: {:?}",
        s.app.message
    );
    assert!(
        s.app
            .message
            .as_ref()
            .unwrap()
            .text
            .contains("kepada Ni Luh Kabid"),
        "{:?}",
        s.app.message
    );
    let mine = records(&o, Lingkup::DariSaya);
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].kepada.uid, 2002);
    assert_eq!(mine[0].instruksi, ["Untuk ditindaklanjuti"]);
    assert_eq!(mine[0].catatan, "Mohon dihadiri");
    assert_eq!(mine[0].entry_id, entry);

    // The pane's "dari saya" tab lists it; the entry detail shows the chain.
    s.keys("3t");
    assert_eq!(s.app.disposisi.rows().len(), 1);
    assert_eq!(s.app.disposisi.rows()[0].keadaan, Keadaan::Diterbitkan);
    s.keys("1<enter>");
    let chain = s.app.layers.iter().find_map(|l| match l {
        Layer::Detail(d) if d.id == entry => Some(d.chain.len()),
        _ => None,
    });
    assert_eq!(chain, Some(1), "the chain is in the entry's detail");
}

#[test]
fn a_new_disposisi_for_me_rings_the_bell_live_and_is_closed_by_keys() {
    if !is_root() {
        eprintln!("skipped: needs root to run the Kadis' CLI under another uid");
        return;
    }
    let (o, entry) = office(Role::Kabid, &[op(2001, "I Made Kadis", Role::Kadis)]);
    let mut s = session(&o);
    assert!(s.app.disposisi.untuk.is_empty());
    assert!(!s.app.disposisi.bell, "no bell at start");
    // The console's push subscription (what the terminal loop listens to).
    let mut events = kasa::client::Client::connect(&o.node.socket).unwrap();
    let rx = events.subscribe().unwrap();

    // The Kadis disposes to me from another uid.
    let socket: PathBuf = o.node.socket.clone();
    let mut c = Command::new(KASA);
    c.args([
        "disposisi",
        "new",
        &entry.to_string(),
        "--kepada",
        "0",
        "--instruksi",
        "Untuk ditindaklanjuti",
    ])
    .env("KASA_SOCKET", &socket)
    .env("KASA_LOG", "warn")
    .current_dir(o.sockdir.path())
    .stdin(Stdio::null());
    // SAFETY: only async-signal-safe syscalls between fork and exec.
    unsafe {
        c.pre_exec(|| {
            let g = [GID as libc::gid_t];
            if libc::setgroups(1, g.as_ptr()) != 0
                || libc::setgid(GID) != 0
                || libc::setuid(2001) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", describe(&out));

    // Live: the pushed change reaches the console, which rings and tells the status line.
    let ev = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("a pushed event");
    assert!(matches!(ev, Event::Changed { .. }), "{ev:?}");
    let e = s.app.on_event(ev);
    s.run(e);
    assert!(s.app.disposisi.bell, "the bell rings for a new disposisi");
    let msg = s.app.message.clone().unwrap().text;
    assert!(
        msg.starts_with("Disposisi baru #1 dari I Made Kadis"),
        "{msg}"
    );
    assert_eq!(s.app.disposisi.untuk.len(), 1);
    // A repeated refresh does not ring again.
    s.app.disposisi.bell = false;
    let e = s.app.refresh();
    s.run(e);
    assert!(!s.app.disposisi.bell);

    // 3 → Disposisi pane; Enter opens the detail and marks read; s asks for the result note and closes it.
    s.keys("3<enter>");
    assert_eq!(
        records(&o, Lingkup::SemuaUntukSaya)[0].keadaan,
        Keadaan::Dibaca
    );
    s.keys("s");
    assert!(matches!(s.app.layers.last(), Some(Layer::Prompt(_))));
    s.keys("Sudah dikoordinasikan<enter>");
    let r = &records(&o, Lingkup::SemuaUntukSaya)[0];
    assert_eq!(r.keadaan, Keadaan::Selesai);
    assert_eq!(r.hasil.as_deref(), Some("Sudah dikoordinasikan"));
    assert!(
        s.app.disposisi.untuk.is_empty(),
        "closed items leave 'untuk saya'"
    );
}

/// `kasa disposisi ARGS` as uid `uid` (group GID) against the office's socket.
fn cli_as(o: &Office, uid: u32, args: &[&str]) -> std::process::Output {
    let mut c = Command::new(KASA);
    c.args(args)
        .env("KASA_SOCKET", &o.node.socket)
        .env("KASA_LOG", "warn")
        .current_dir(o.sockdir.path())
        .stdin(Stdio::null());
    // SAFETY: only async-signal-safe syscalls between fork and exec.
    unsafe {
        c.pre_exec(move || {
            let g = [GID as libc::gid_t];
            if libc::setgroups(1, g.as_ptr()) != 0
                || libc::setgid(GID) != 0
                || libc::setuid(uid) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    c.output().unwrap()
}

#[test]
fn tmux_the_kabid_console_receives_a_disposisi_live_and_closes_it() {
    if !is_root() || Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipped: needs root and tmux");
        return;
    }
    let (o, entry) = office(Role::Kabid, &[op(2001, "I Made Kadis", Role::Kadis)]);
    let name = format!("kasa-disp-{}", std::process::id());
    let cmd = format!(
        "{KASA} --data-dir {} --config-dir {}",
        o.node.data.display(),
        o.node.config.display()
    );
    let t = Tmux::open(&name, &cmd, 100, 30);
    // The pane's first list is the baseline of what is new: wait until it has come.
    t.wait("Disposisi (0)");
    t.keys(&["3"]);
    t.wait("(tidak ada disposisi)");
    t.keys(&["1"]);
    t.wait("[1 Masuk");

    // The Kadis disposes from another uid; the open console shows it at once.
    let out = cli_as(
        &o,
        2001,
        &[
            "disposisi",
            "new",
            &entry.to_string(),
            "--kepada",
            "0",
            "--instruksi",
            "Untuk dihadiri",
        ],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let sc = t.wait("Disposisi baru #1 dari I Made Kadis");
    assert!(sc.contains("Disposisi (1)"), "{sc}");
    let bell = tmux(&["display-message", "-p", "-t", &t.0, "#{window_bell_flag}"]);
    assert_eq!(
        bell.trim(),
        "1",
        "the terminal bell rang in the console's window"
    );

    // 3 → the pane; Enter opens the detail (and reads); s + note + Enter closes; Esc back to the list.
    t.keys(&["3"]);
    t.wait("untuk saya (1)");
    t.keys(&["Enter"]);
    t.wait("Disposisi #1");
    t.keys(&["s"]);
    t.wait("hasil tindak lanjut disposisi #1");
    t.keys(&["-l", "Hadir rapat"]);
    t.keys(&["Enter"]);
    t.wait("Hasil: Hadir rapat");
    t.keys(&["Escape"]);
    t.wait("untuk saya (0)");
    let mut c = kasa::client::Client::connect(&o.node.socket).unwrap();
    let Reply::Disposisi(DisposisiReply::Records { records, .. }) = c
        .call(Request::Disposisi(DisposisiRequest::List {
            lingkup: Lingkup::SemuaUntukSaya,
        }))
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(records[0].keadaan, Keadaan::Selesai);
    assert_eq!(records[0].hasil.as_deref(), Some("Hadir rapat"));
}

/// The console of operator `uid` (group GID) on the office's node in tmux at 80×24, its own config dir.
fn console_as(o: &Office, uid: u32, name: &str) -> (Tmux, tempfile::TempDir) {
    let cfg = tempfile::tempdir().unwrap();
    std::os::unix::fs::chown(cfg.path(), Some(uid), Some(GID)).unwrap();
    let cmd = format!(
        "cd {cfg} && setpriv --reuid={uid} --regid={GID} --clear-groups env HOME={cfg} KASA_SOCKET={sock} KASA_LOG=warn {KASA} --config-dir {cfg}",
        cfg = cfg.path().display(),
        sock = o.node.socket.display(),
    );
    (Tmux::open(name, &cmd, 80, 24), cfg)
}

/// The nomor agenda of `entry` as the Masuk book shows it (`1/2026`).
fn nomor_of(o: &Office, entry: u64) -> String {
    let mut c = kasa::client::Client::connect(&o.node.socket).unwrap();
    match c
        .call(Request::Disposisi(DisposisiRequest::Entry { entry }))
        .unwrap()
    {
        Reply::Disposisi(DisposisiReply::Chain { entry, .. }) => {
            kasa::domain::disposisi::nomor_agenda(&entry)
        }
        r => panic!("{r:?}"),
    }
}

/// Issue 13, at 80×24 with the SOP's roles (004 langkah 1–4): the Kadis disposes with a catatan to the
/// Kabid; the Kabid's console lists it with nomor agenda and perihal, opens the detail (the catatan),
/// forwards to the Kasi from the detail; the Kasi forwards to the sandiman, who finishes it; the
/// Kabid is told and closes the Kadis' item with one key; the Kadis' console shows the chain done.
#[test]
fn tmux_80x24_kadis_to_sandiman_and_back_up() {
    if !is_root() || !harness::have_tmux() || Command::new("setpriv").arg("-V").output().is_err() {
        eprintln!("skipped: needs root, tmux and setpriv");
        return;
    }
    let (o, entry) = office(
        Role::Kabid,
        &[
            op(2001, "I Made Kadis", Role::Kadis),
            op(2003, "I Ketut Kasi", Role::Kasi),
            op(2004, "Putu Sandiman", Role::Sandiman),
        ],
    );
    let nomor = nomor_of(&o, entry);
    let pid = std::process::id();
    let ok = |out: std::process::Output| assert!(out.status.success(), "{}", describe(&out));

    // The Kadis disposes to the Kabid (root, uid 0) with a catatan.
    ok(cli_as(
        &o,
        2001,
        &[
            "disposisi",
            "new",
            &entry.to_string(),
            "--kepada",
            "0",
            "--instruksi",
            "Untuk ditindaklanjuti",
            "--catatan",
            "Koordinasikan dengan BSSN sebelum Jumat",
        ],
    ));

    // The Kabid's console at 80×24: the list row has the nomor agenda and the perihal.
    let cmd = format!(
        "{KASA} --data-dir {} --config-dir {}",
        o.node.data.display(),
        o.node.config.display()
    );
    let kabid = Tmux::open(&format!("kasa-kabid-{pid}"), &cmd, 80, 24);
    kabid.wait("3 Disposisi 1");
    kabid.keys(&["3"]);
    let sc = kabid.wait("untuk saya (1)");
    let row = sc
        .lines()
        .find(|l| l.starts_with('›'))
        .unwrap_or_else(|| panic!("no selected row:\n{sc}"));
    assert!(row.contains(&nomor), "nomor agenda {nomor} in {row:?}");
    assert!(row.contains("Undangan rapat"), "perihal in {row:?}");
    assert!(row.contains("I Made Kadis"), "from in {row:?}");
    assert!(
        sc.lines().all(|l| l.chars().count() <= 80),
        "no row wider than the screen:\n{sc}"
    );

    // Enter: the detail with the Kadis' catatan; it is read now.
    kabid.keys(&["Enter"]);
    kabid.wait("Koordinasikan dengan BSSN sebelum Jumat");
    harness::wait_for(
        || records(&o, Lingkup::SemuaUntukSaya)[0].keadaan == Keadaan::Dibaca,
        "opening the detail marks it read",
    );
    // f: forward to the Kasi (first candidate), one instruksi, send.
    kabid.keys(&["f"]);
    kabid.wait("Teruskan disposisi #1");
    kabid.keys(&["Down"]);
    kabid.keys(&["Space"]);
    kabid.keys(&["C-s"]);
    kabid.wait("Disposisi #2 kepada I Ketut Kasi terkirim");
    kabid.keys(&["Escape"]);
    kabid.wait("untuk saya (0)");

    // The Kasi forwards to the sandiman, who finishes it.
    ok(cli_as(
        &o,
        2003,
        &[
            "disposisi",
            "forward",
            "2",
            "--kepada",
            "2004",
            "--instruksi",
            "Untuk ditindaklanjuti",
        ],
    ));
    ok(cli_as(
        &o,
        2004,
        &[
            "disposisi",
            "done",
            "3",
            "--catatan",
            "Berita terkirim via Sanapati",
        ],
    ));

    // The Kabid is told (#2 was theirs); the Kadis' item is back in "untuk saya", done below.
    kabid.wait("kepada I Ketut Kasi selesai di bawah");
    let sc = kabid.wait("untuk saya (1)");
    assert!(sc.contains("selesai di bawah"), "{sc}");

    // The Kadis' console: "dari saya" shows the chain done below.
    let (kadis, kadis_home) = console_as(&o, 2001, &format!("kasa-kadis-{pid}"));
    kadis.wait("I Made Kadis");
    kadis.keys(&["3"]);
    kadis.wait("untuk saya (0)");
    kadis.keys(&["t"]);
    let sc = kadis.wait("selesai di bawah");
    assert!(sc.contains(&nomor), "{sc}");

    // The Kabid closes it with one key; the Kadis sees it selesai, the sandiman's result in the detail.
    kabid.keys(&["s"]);
    kabid.wait("ditutup: selesai di bawah");
    kadis.wait_until("the root selesai", |sc| {
        sc.lines()
            .any(|l| l.starts_with('›') && l.trim_end().ends_with("selesai"))
    });
    kadis.keys(&["Enter"]);
    kadis.wait("Rantai disposisi");
    kadis.keys(&["End"]);
    kadis.wait("Berita terkirim via Sanapati");
    // p: the lembar disposisi, written where the console runs (PDF and Markdown), the path said.
    kadis.keys(&["p"]);
    kadis.wait(".pdf");
    let stem = format!("lembar-disposisi-{}-1", nomor.replace('/', "-"));
    let pdf = kadis_home.path().join(format!("{stem}.pdf"));
    let md = kadis_home.path().join(format!("{stem}.md"));
    harness::wait_for(|| pdf.exists() && md.exists(), "the lembar disposisi files");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(
        text.contains("Koordinasikan dengan BSSN sebelum Jumat"),
        "{text}"
    );
    let all = records(&o, Lingkup::SemuaUntukSaya);
    assert_eq!(all[0].keadaan, Keadaan::Selesai);
    assert!(
        all[0]
            .hasil
            .as_deref()
            .unwrap()
            .contains("Berita terkirim via Sanapati"),
        "{:?}",
        all[0].hasil
    );
}

/// A dispose form's input survives a killed console: saved as a node draft on every change and offered
/// back at the next start, the form reopening with what was typed.
#[test]
fn tmux_dispose_form_draft_is_offered_back_after_kill() {
    if !is_root() || !harness::have_tmux() {
        eprintln!("skipped: needs root and tmux");
        return;
    }
    let (o, entry) = office(Role::Kadis, &[op(2002, "Ni Luh Kabid", Role::Kabid)]);
    let cmd = format!(
        "{KASA} --data-dir {} --config-dir {}",
        o.node.data.display(),
        o.node.config.display()
    );
    let name = format!("kasa-draft-{}", std::process::id());
    let t = Tmux::open(&name, &cmd, 80, 24);
    // The entry's row, not only the tab: D before the first list reply has nothing selected.
    t.wait("Undangan rapat");
    t.keys(&["D"]);
    t.wait("Disposisi entri");
    // Tick the second instruksi, type a catatan.
    t.keys(&["Down"]);
    t.keys(&["Down"]);
    t.keys(&["Space"]);
    for _ in 0..6 {
        t.keys(&["Down"]);
    }
    t.type_text("Hadiri dan laporkan");
    t.wait("Hadiri dan laporkan");
    let key = format!("disposisi:{entry}");
    let draft = || {
        let mut c = kasa::client::Client::connect(&o.node.socket).unwrap();
        match c.call(Request::DraftList).unwrap() {
            Reply::Drafts { drafts } => drafts.into_iter().find(|(k, _)| *k == key),
            r => panic!("{r:?}"),
        }
    };
    harness::wait_for(
        || draft().is_some_and(|(_, d)| d.contains("Hadiri dan laporkan")),
        "the draft on the node",
    );
    // Killed (as a dropped SSH connection leaves it): no clean exit.
    let pane_pid = tmux(&["display-message", "-p", "-t", &name, "#{pane_pid}"]);
    let pane_pid: i32 = pane_pid.trim().parse().unwrap();
    // SAFETY: kill(2) on the console's pid.
    unsafe { libc::kill(pane_pid, libc::SIGKILL) };
    drop(t);

    let t = Tmux::open(&name, &cmd, 80, 24);
    t.wait(&format!(
        "Ada isian disposisi entri {entry} yang belum selesai"
    ));
    t.keys(&["y"]);
    let sc = t.wait("Hadiri dan laporkan");
    assert!(sc.contains("[x] Untuk ditindaklanjuti"), "{sc}");
    assert!(sc.contains("Ni Luh Kabid"), "{sc}");
    // Sent: the draft is gone.
    t.keys(&["C-s"]);
    t.wait("kepada Ni Luh Kabid terkirim");
    harness::wait_for(|| draft().is_none(), "the draft deleted after sending");
}
