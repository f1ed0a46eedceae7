//! Console rendering cost: frame time at 80×24 and 200×50 with 10^5 entries in the model, and the
//! bytes written to the terminal for one cursor-down at 80×24.

use criterion::{Criterion, criterion_group, criterion_main};
use kasa::console::App;
use kasa::console::action::{Action, Pane};
use kasa::console::app::Purpose;
use kasa::console::keymap::Keymap;
use kasa::console::term::CountingWriter;
use kasa::console::theme::Theme;
use kasa::console::view::draw;
use kasa::domain::calendar::WorkCalendar;
use kasa::domain::{Attachment, Entry, Klasifikasi, Status};
use kasa::proto::Reply;
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::{Terminal, TerminalOptions, Viewport};

fn model(n: usize, w: u16, h: u16) -> App {
    let base: jiff::Timestamp = "2026-11-20T01:00:00Z".parse().unwrap();
    let entries: Vec<Entry> = (0..n as u64)
        .map(|i| {
            let mut e = Entry::new_scan(
                n as u64 - i,
                base.checked_sub(jiff::SignedDuration::from_mins(i as i64))
                    .unwrap(),
                Attachment {
                    sha256: String::new(),
                    name: format!("scan-{i:06}.pdf"),
                    mime: "application/pdf".into(),
                    size: 1,
                    pages: Some(1),
                    encrypted_at_rest: false,
                    jenis: Default::default(),
                },
            );
            if i % 10 != 0 {
                e.status = Status::Teragenda;
                e.nomor_agenda = Some(i);
                e.perihal = format!("Laporan persandian nomor {i}");
                e.asal = "Setda Kabupaten Jembrana".into();
                e.klasifikasi = Some(Klasifikasi::Terbatas);
                e.derajat = Some("Segera".into());
                e.batas_waktu = Some(base);
            }
            e
        })
        .collect();
    let mut app = App::new(
        Keymap::shipped("default"),
        Theme::shipped("default").unwrap(),
        false,
        vec!["Segera".into()],
    );
    app.connected = true;
    app.now = base;
    app.node.calendar = WorkCalendar::new("Asia/Makassar", []).unwrap();
    app.resize(w, h);
    app.on_reply(Purpose::List(Pane::Masuk), Ok(Reply::Entries { entries }));
    app
}

fn frames(c: &mut Criterion) {
    for (w, h) in [(80u16, 24u16), (200, 50)] {
        let app = model(100_000, w, h);
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        c.bench_function(&format!("frame_{w}x{h}_1e5_entries"), |b| {
            b.iter(|| {
                t.draw(|f| draw(&app, f)).unwrap();
            })
        });
    }
}

fn bytes_per_cursor_down(c: &mut Criterion) {
    let mut app = model(100_000, 80, 24);
    let counter = CountingWriter::default();
    let mut t = Terminal::with_options(
        CrosstermBackend::new(counter.clone()),
        TerminalOptions {
            viewport: Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 80, 24)),
        },
    )
    .unwrap();
    t.draw(|f| draw(&app, f)).unwrap();
    let before = counter.count();
    app.update(Action::Down);
    t.draw(|f| draw(&app, f)).unwrap();
    let bytes = counter.count() - before;
    eprintln!("bytes written for one cursor-down at 80x24: {bytes}");
    c.bench_function("cursor_down_80x24_redraw", |b| {
        b.iter(|| {
            app.update(Action::Down);
            t.draw(|f| draw(&app, f)).unwrap();
        })
    });
}

/// While idle only the clock changes: bytes written per second-tick over 10 s at 80×24.
fn bytes_while_idle(c: &mut Criterion) {
    let mut app = model(100_000, 80, 24);
    let counter = CountingWriter::default();
    let mut t = Terminal::with_options(
        CrosstermBackend::new(counter.clone()),
        TerminalOptions {
            viewport: Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 80, 24)),
        },
    )
    .unwrap();
    t.draw(|f| draw(&app, f)).unwrap();
    let before = counter.count();
    for _ in 0..10 {
        app.now = app
            .now
            .checked_add(jiff::SignedDuration::from_secs(1))
            .unwrap();
        t.draw(|f| draw(&app, f)).unwrap();
    }
    let bytes = counter.count() - before;
    eprintln!(
        "bytes written while idle for 10 s at 80x24 (10 clock ticks): {bytes} ({} per tick)",
        bytes / 10
    );
    c.bench_function("idle_clock_tick_80x24", |b| {
        b.iter(|| {
            app.now = app
                .now
                .checked_add(jiff::SignedDuration::from_secs(1))
                .unwrap();
            t.draw(|f| draw(&app, f)).unwrap();
        })
    });
}

/// Start to first frame, in-process part: the first list reply (the console asks for the newest 1000 of a
/// 10⁵-entry book) turned into state and drawn at 80×24. The socket round trip is measured separately
/// (`agenda_page` in `benches/node.rs`).
fn first_frame(c: &mut Criterion) {
    c.bench_function("first_frame_80x24_from_2000_of_1e5", |b| {
        b.iter(|| {
            let app = model(2000, 80, 24);
            let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
            t.draw(|f| draw(&app, f)).unwrap();
        })
    });
}

criterion_group!(
    benches,
    frames,
    bytes_per_cursor_down,
    bytes_while_idle,
    first_frame
);
criterion_main!(benches);
