//! A whole PI.03 procedure A response (ransomware on a finance PC) in a real terminal at 80×24 (tmux),
//! without leaving the console (issue 16): quick capture with `!`, lines with event times (`@HH:MM`),
//! the detection time set apart from the opening, ticks naming who acted and when, a correction, evidence
//! with its file, two custody handovers, the report written and recorded, the required A9 tick, closing
//! with lessons learned, and no alarm left open; plus the alarm view acknowledging an alarm.
//!
//! Times are typed relative to the clock of this run (`kasa::clock::now`, which follows
//! `KASA_TEST_NOW`), so the test holds on any date; and the run is moved to noon (WITA) of its day
//! ([`at_noon`]), so it holds at any hour too: the console writes an event time as `HH:MM` only on the
//! day it happened, and times typed 55 minutes back crossed midnight when the suite ran just after
//! it. Waits poll the screen with a bound.

#[path = "console_harness.rs"]
mod harness;

use harness::*;
use serde_json::Value;

/// Moves this process, and every process it starts (node, CLI, tmux and the console), to 12:00 WITA
/// of the day the clock shows (the suite's own `KASA_TEST_NOW` shift kept), by setting
/// `KASA_TEST_NOW` to the shift from the real clock. Must run before anything reads the clock.
fn at_noon() {
    let tz = jiff::tz::TimeZone::get("Asia/Makassar").unwrap();
    let real = jiff::Timestamp::now();
    let shift = std::env::var(kasa::clock::TEST_NOW_ENV)
        .ok()
        .and_then(|v| kasa::clock::parse_shift(&v, real))
        .unwrap_or_default();
    let day = (real + shift).to_zoned(tz.clone()).date();
    let noon = day.at(12, 0, 0, 0).to_zoned(tz).unwrap().timestamp();
    let to_noon = noon.duration_since(real).as_secs();
    // SAFETY: the only test of this binary, before it starts a thread or the node.
    unsafe { std::env::set_var(kasa::clock::TEST_NOW_ENV, format!("{to_noon:+}s")) };
}

/// `HH:MM` of `now - mins` in WITA (the harness node's zone).
fn hhmm(mins: i64) -> String {
    let t = kasa::clock::now() - jiff::SignedDuration::from_mins(mins);
    t.to_zoned(jiff::tz::TimeZone::get("Asia/Makassar").unwrap())
        .strftime("%H:%M")
        .to_string()
}

fn json(n: &Node, args: &[&str]) -> Value {
    let o = n.kasa(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Types `line` into the open prompt and submits it, then waits for `shown` on screen.
fn enter(t: &Tmux, line: &str, shown: &str) -> String {
    t.type_text(line);
    t.keys(&["Enter"]);
    t.wait(shown)
}

#[test]
fn ransomware_response_pi03_a_from_capture_to_closing_at_80x24() {
    if !have_tmux() {
        eprintln!("tmux not installed; skipped");
        return;
    }
    at_noon();
    let mut n = start_node(false);
    give_identity(&mut n);
    let work = n.dir.path().join("kerja");
    std::fs::create_dir_all(&work).unwrap();
    let note = work.join("catatan-tebusan.txt");
    std::fs::write(&note, "Semua berkas Anda terenkripsi. Bayar 2 BTC.\n").unwrap();
    // An unrelated alarm (a file nobody can read as a letter) for the alarm view.
    let junk = work.join("sampah.bin");
    std::fs::write(&junk, [0u8, 1, 2, 3, 0xff, 0xfe, 7, 9]).unwrap();
    let _ = n.kasa(&["ingest", junk.to_str().unwrap()]);

    let cmd = format!(
        "cd {} && {KASA} --data-dir {} --config-dir {}",
        work.display(),
        n.data().display(),
        n.cfg().display()
    );
    let t = Tmux::open(&format!("kasa-ir-{}", std::process::id()), &cmd, 80, 24);
    t.wait("Belum ada berita masuk");

    // The alarm view from the Masuk pane: the failed ingest is there; Enter acknowledges it.
    t.keys(&["W"]);
    t.wait("Alarm terbuka (1)");
    t.wait("ingest.failed");
    t.keys(&["Enter"]);
    t.wait("Alarm terbuka (0)");
    t.keys(&["q"]);

    // Quick capture, lines with event times.
    t.keys(&["!"]);
    t.wait("log insiden 1>");
    // Two lines typed back to back, without waiting for the node: the second is never lost.
    let mail = hhmm(55);
    t.type_text(&format!("@{mail} email phishing dibuka di PC keuangan"));
    t.keys(&["Enter"]);
    t.type_text("Ransomware: berkas PC keuangan terenkripsi");
    t.keys(&["Enter"]);
    t.wait_until("both lines logged", |sc| {
        sc.contains("email phishing dibuka") && sc.contains("berkas PC keuangan terenkripsi")
    });
    t.keys(&["Escape"]);
    // It became known 50 minutes ago (the clocks count from there), typed now.
    let known = hhmm(50);
    t.keys(&["s"]);
    enter(
        &t,
        &format!("diketahui {known}"),
        &format!("diketahui {known}"),
    );
    // U1 and U2 back-dated, with who acted.
    t.keys(&["t"]);
    t.wait("Menghubungi pihak yang terkait"); // the open steps with their text above the prompt
    enter(
        &t,
        &format!("U1 @Wayan_Sudarma @{}", hhmm(48)),
        "langkah U1 dicentang",
    );
    t.keys(&["t"]);
    enter(&t, &format!("U2 @{}", hhmm(40)), "langkah U2 dicentang");
    t.keys(&["p"]);
    enter(&t, "A", "A9 Dokumentasikan");
    t.keys(&["t"]);
    enter(
        &t,
        &format!("A1 @Wayan_Sudarma @{}", hhmm(47)),
        "langkah A1 dicentang",
    );
    t.keys(&["l"]);
    enter(
        &t,
        &format!("@{} kabel LAN PC keuangan dicabut", hhmm(47)),
        "kabel LAN PC keuangan dicabut",
    );
    t.keys(&["Escape"]);

    // A correction: the mail was opened earlier than first typed (entry 2).
    t.keys(&["K"]);
    t.wait("koreksi insiden 1");
    // The newest line's number is offered; this correction is of entry 2.
    t.keys(&["BSpace", "BSpace", "BSpace", "BSpace"]);
    let earlier = hhmm(58);
    enter(
        &t,
        &format!("2 @{earlier} email phishing dibuka ! jam dari log server surat"),
        "jam dari log server surat",
    );

    // Evidence with its file, then two custody handovers.
    t.keys(&["e"]);
    t.wait("bukti insiden 1");
    enter(
        &t,
        &format!("{} salinan catatan tebusan", note.display()),
        "insiden 1: bukti dicatat",
    );
    t.keys(&["h"]);
    t.wait("serah terima bukti 1");
    enter(
        &t,
        "Komang Adi di Lemari bukti R.2",
        "diserahkan kepada Komang Adi",
    );
    t.keys(&["h"]);
    t.wait("serah terima bukti 1");
    enter(&t, "Made Sari di Ruang Kasi", "diserahkan kepada Made Sari");

    // The rest of procedure A; A9 needs the report first.
    t.keys(&["t"]);
    enter(&t, "A2 A3 A4 A5 A6 A7 A8", "langkah A8 dicentang");
    t.keys(&["t"]);
    enter(&t, "A9", "memerlukan laporan");
    t.keys(&["r"]);
    t.wait("insiden 1: laporan dibuat");
    t.keys(&["t"]);
    enter(&t, "A9", "langkah A9 dicentang");
    t.keys(&["c"]);
    enter(&t, "saring lampiran email; backup luring harian", "ditutup");

    // What the node recorded.
    let i = json(&n, &["incident", "show", "1", "--json"]);
    assert_eq!(i["status"], "ditutup");
    assert_ne!(i["diketahui_at"], i["dicatat_at"], "known before opened");
    let lines = i["linimasa"].as_array().unwrap();
    let mail_line = lines
        .iter()
        .find(|e| e["teks"] == "email phishing dibuka di PC keuangan")
        .unwrap();
    assert!(
        mail_line["waktu"].is_string(),
        "event time kept: {mail_line}"
    );
    assert_ne!(mail_line["waktu"], mail_line["at"]);
    let kor = lines.iter().find(|e| e["jenis"] == "koreksi").unwrap();
    assert_eq!(kor["koreksi_atas"], 2);
    let u1 = i["langkah"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kode"] == "U1")
        .unwrap();
    assert_eq!(u1["dicentang"]["pelaksana"], "Wayan Sudarma");
    assert_ne!(u1["dicentang"]["at"], u1["dicentang"]["dicatat_at"]);
    let b = &i["bukti"][0];
    assert_eq!(b["berkas"]["nama"], "catatan-tebusan.txt");
    assert_eq!(b["berkas"]["terenkripsi"], true);
    assert_eq!(b["serah_terima"].as_array().unwrap().len(), 2);
    assert_eq!(b["serah_terima"][1]["ke"], "Made Sari");
    assert!(lines.iter().any(|e| e["jenis"] == "laporan"));
    assert!(
        work.join("insiden-1.pdf").exists(),
        "report written where the console runs"
    );
    // Both clocks met by the back-dated ticks; no alarm left open.
    let show = json(&n, &["incident", "show", "1", "--json"]);
    for s in show["sla"].as_array().unwrap() {
        assert_eq!(s["keadaan"]["keadaan"], "terpenuhi", "{s}");
    }
    let alarms = json(&n, &["alarm", "list", "--json"]);
    let open: Vec<&Value> = alarms
        .as_array()
        .or_else(|| alarms["alarms"].as_array())
        .unwrap()
        .iter()
        .filter(|a| a["acked_by"].is_null())
        .collect();
    assert!(open.is_empty(), "open alarms: {open:?}");
    t.keys(&["q"]);
}
