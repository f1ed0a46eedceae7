//! The terminal loop: alternate screen, raw mode, mouse off, restore on exit and panic, SIGHUP/SIGTERM
//! → clean exit, redraw only when the state changed (the clock changes once a second), all queued
//! input drained before drawing, synchronized output.

use std::io::{self, Stdout, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use crossterm::event::{self as cev, Event as TermEvent, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
    disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui_textarea::TextArea;

use super::app::Purpose;
use super::session::Session;
use super::{app_from, load_settings, no_color, view};
use crate::client::Client;
use crate::config::{NodeConfig, Paths};
use crate::domain::{Operator, Role};
use crate::proto::{Event, Reply, Request};

enum Msg {
    Term(TermEvent),
    /// The node worker queued a reply.
    Reply,
    InputGone,
    Node(u64, Event),
    NodeGone(u64),
    /// The reply of a long call run in the background (a backup).
    LongReply(Box<(Purpose, Result<Reply, String>)>),
}

/// How long the console waits at exit for requests still queued (the last draft of a form).
const FLUSH_AT_EXIT: Duration = Duration::from_secs(3);

type Term = Terminal<CrosstermBackend<Stdout>>;

fn setup() -> io::Result<Term> {
    enable_raw_mode()?;
    let mut out = io::stdout();
    execute!(
        out,
        EnterAlternateScreen,
        cev::DisableMouseCapture,
        cursor::Hide
    )?;
    Terminal::new(CrosstermBackend::new(out))
}

/// Restores the terminal (also from the panic hook).
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen, cursor::Show);
}

fn install_panic_hook() {
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        prev(info);
    }));
}

fn spawn_input(tx: Sender<Msg>) {
    std::thread::spawn(move || {
        loop {
            match cev::read() {
                Ok(e) => {
                    if let TermEvent::Key(k) = &e
                        && k.kind == KeyEventKind::Release
                    {
                        continue;
                    }
                    if tx.send(Msg::Term(e)).is_err() {
                        break;
                    }
                }
                Err(_) => {
                    let _ = tx.send(Msg::InputGone);
                    break;
                }
            }
        }
    });
}

/// Connects and subscribes. `Err(Some(e))`: the node answered with a refusal (a disabled operator is
/// told so instead of "reconnecting" forever); `Err(None)`: no node to talk to.
fn connect(
    socket: &Path,
    tx: &Sender<Msg>,
    generation: u64,
) -> Result<Client, Option<crate::client::ClientError>> {
    let refusal = |e: crate::client::ClientError| {
        matches!(e, crate::client::ClientError::Refused { .. }).then_some(e)
    };
    let mut c = Client::connect(socket).map_err(refusal)?;
    c.timeout = Duration::from_secs(30);
    let rx = c.subscribe().map_err(refusal)?;
    let tx = tx.clone();
    std::thread::spawn(move || {
        for ev in rx {
            if tx.send(Msg::Node(generation, ev)).is_err() {
                return;
            }
        }
        let _ = tx.send(Msg::NodeGone(generation));
    });
    Ok(c)
}

/// Runs a long call (a backup) on a connection of its own in a thread, so the console stays live; the
/// reply (or the failure) comes back as [`Msg::LongReply`].
/// An attachment (`Request::AgendaAttach` with `paths`) goes the same way, its files opened here and
/// passed as descriptors ([`Client::attach`]): any size.
fn background(socket: std::path::PathBuf, tx: Sender<Msg>) -> super::session::Background {
    Box::new(move |req, paths, purpose| {
        let socket = socket.clone();
        let tx = tx.clone();
        std::thread::spawn(move || {
            let r = Client::connect(&socket)
                .and_then(|mut c| {
                    c.timeout = Duration::from_secs(24 * 3600);
                    match req {
                        Request::AgendaAttach { id, jenis, .. } => {
                            c.attach(id, jenis, &paths).map(|e| Reply::Entry {
                                entry: Box::new(e),
                                text: None,
                            })
                        }
                        Request::Insiden(crate::proto::insiden::InsidenRequest::Bukti {
                            id,
                            deskripsi,
                            pemegang,
                            ..
                        }) if !paths.is_empty() => c
                            .insiden_bukti(id, deskripsi, pemegang, &paths[0])
                            .map(|(insiden, now)| {
                                Reply::Insiden(crate::proto::insiden::InsidenReply::Satu {
                                    insiden: Box::new(insiden),
                                    now,
                                })
                            }),
                        req => c.call(req),
                    }
                })
                .map_err(|e| e.to_string());
            let _ = tx.send(Msg::LongReply(Box::new((purpose, r))));
        });
    })
}

/// Every cell of the frame passes the one sanitizer ([`crate::domain::sanitize`]) before it reaches the
/// terminal: a control, escape or bidi override in any outside string (file name, PDF text, perihal, a
/// peer's data) is shown as a visible placeholder, whatever view drew it.
fn clean_buffer(buf: &mut ratatui::buffer::Buffer) {
    for cell in buf.content.iter_mut() {
        let sym = cell.symbol();
        if sym.chars().any(crate::domain::sanitize::is_unsafe) {
            let v: String = sym
                .chars()
                .map(crate::domain::sanitize::visible_char)
                .collect();
            cell.set_symbol(&v);
        }
    }
}

fn draw(term: &mut Term, s: &mut Session<Client>) -> io::Result<()> {
    if s.clear {
        term.clear()?;
        s.clear = false;
    }
    execute!(io::stdout(), BeginSynchronizedUpdate)?;
    let r = term.draw(|f| {
        view::draw(&s.app, f);
        clean_buffer(f.buffer_mut());
    });
    execute!(io::stdout(), EndSynchronizedUpdate)?;
    r?;
    if std::mem::take(&mut s.app.disposisi.bell) {
        // A new disposisi for me: ring the terminal bell (BEL).
        let mut out = io::stdout();
        out.write_all(b"\x07")?;
        out.flush()?;
    }
    s.app.cx.dirty = false;
    Ok(())
}

/// Opens the console for `paths`.
pub fn run(paths: &Paths) -> Result<(), String> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGHUP, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone()).map_err(|e| e.to_string())?;
    }
    install_panic_hook();
    let mut term = setup().map_err(|e| e.to_string())?;
    let r = run_in(&mut term, paths, &stop);
    restore();
    r
}

fn run_in(term: &mut Term, paths: &Paths, stop: &AtomicBool) -> Result<(), String> {
    let (tx, rx) = mpsc::channel();
    let settings = load_settings(paths, no_color());
    // The terminal is asked for an image protocol before the input thread reads its answers.
    let picker = (settings.pratinjau == super::pratinjau::Mode::Auto)
        .then(|| super::pratinjau::Mode::Auto.picker())
        .flatten();
    spawn_input(tx.clone());
    let en = settings.en;
    let mut first_pass: Option<zeroize::Zeroizing<String>> = None;
    let (socket, configured) = match choose_node(paths) {
        NodeChoice::Configured(socket, source) => (socket, Some(source)),
        NodeChoice::Local(socket) => (socket, None),
        NodeChoice::FirstRun => {
            if !first_run(term, paths, &rx, stop, en, &mut first_pass)? {
                return Ok(());
            }
            (crate::config::client_socket(paths), None)
        }
    };
    if configured.is_none() && !crate::node::is_running(&socket) {
        crate::node::spawn_background(paths, Duration::from_secs(15))?;
    }
    let mut generation = 1;
    let (link, refused) = match connect(&socket, &tx, generation) {
        Ok(c) => (Some(c), None),
        Err(e) => (None, e),
    };
    let mut s = Session::new(app_from(settings), link);
    if let Some(p) = picker {
        s.app.pratinjau.picker = Some(p);
    }
    s.background = Some(background(socket.clone(), tx.clone()));
    if let Some(e) = refused {
        s.refused_disabled(&e);
    }
    if s.link.is_none()
        && let Some(source) = configured
    {
        // A shared node that does not answer: say where kasa looked and whom to ask; never offer
        // to create a private node instead.
        s.app.cx.notify(node_down_text(en, &socket, source), true);
    }
    s.spawn_worker(Some(waker(&tx)));
    let size = term.size().map_err(|e| e.to_string())?;
    s.app.resize(size.width, size.height);
    if s.connected() {
        if let Some(p) = first_pass.take() {
            // The passphrase chosen a moment ago at first run unlocks the new node: asked once.
            s.app.cx.unlock_asked = true;
            s.run(vec![crate::console::app::Effect::Call(
                crate::proto::Request::Unlock {
                    passphrase: p.to_string(),
                },
                crate::console::app::Purpose::Unlocked,
            )]);
        }
        s.start();
    }
    let mut next_tick = Instant::now();
    loop {
        if stop.load(Ordering::Relaxed) || s.app.cx.quit {
            break;
        }
        let now = Instant::now();
        if now >= next_tick {
            s.app.cx.tick(crate::clock::now());
            let e = s.app.timers();
            s.run(e);
            if !s.connected() && !s.disabled {
                generation += 1;
                match connect(&socket, &tx, generation) {
                    Ok(c) => {
                        s.link = Some(c);
                        s.spawn_worker(Some(waker(&tx)));
                        s.app.cx.set_connected(true);
                        s.start();
                    }
                    Err(Some(e)) => {
                        s.refused_disabled(&e);
                    }
                    Err(None) => {}
                }
            }
            let frac = crate::clock::now().subsec_nanosecond() as u64;
            next_tick = now + Duration::from_nanos(1_000_000_000 - frac.min(999_999_999));
        }
        if s.app.cx.dirty
            && let Err(e) = draw(term, &mut s)
        {
            // The terminal is gone (SIGHUP of a dropped SSH session): send what is queued first.
            s.flush(FLUSH_AT_EXIT);
            return Err(e.to_string());
        }
        let wait = next_tick.saturating_duration_since(Instant::now());
        let first = match rx.recv_timeout(wait) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        // Drain everything queued before drawing again.
        let mut batch = vec![first];
        while let Ok(m) = rx.try_recv() {
            batch.push(m);
        }
        for m in batch {
            match m {
                Msg::Term(TermEvent::Key(k)) => s.key(k),
                Msg::Term(TermEvent::Resize(w, h)) => s.app.resize(w, h),
                Msg::Term(_) => {}
                Msg::InputGone => {
                    s.flush(FLUSH_AT_EXIT);
                    return Ok(());
                }
                Msg::Reply => {
                    s.poll();
                }
                Msg::Node(g, ev) if g == generation => {
                    let e = s.app.on_event(ev);
                    s.run(e);
                }
                Msg::NodeGone(g) if g == generation => {
                    s.link = None;
                    s.worker = None;
                    s.app.cx.set_connected(false);
                }
                Msg::Node(..) | Msg::NodeGone(_) => {}
                Msg::LongReply(m) => {
                    let (p, r) = *m;
                    let e = s.app.on_reply(p, r);
                    s.run(e);
                }
            }
            if s.app.cx.quit {
                break;
            }
        }
    }
    s.flush(FLUSH_AT_EXIT);
    Ok(())
}

/// Wakes the loop when the node worker has a reply.
fn waker(tx: &Sender<Msg>) -> Box<dyn Fn() + Send> {
    let tx = tx.clone();
    Box::new(move || {
        let _ = tx.send(Msg::Reply);
    })
}

fn initialised(paths: &Paths) -> bool {
    paths.db().exists()
}

/// Which node the console talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeChoice {
    /// A socket configured for this user (`KASA_SOCKET`, the user's or the system config): the
    /// console never starts a node nor offers first-run setup for it.
    Configured(std::path::PathBuf, crate::config::SocketSource),
    /// The node of the local data directory (started in the background when it is not running).
    Local(std::path::PathBuf),
    /// Nothing is configured, no local data directory exists and no node answers: first-run setup.
    FirstRun,
}

/// Chooses the node: a configured socket first, then the local data directory, then a node that
/// already answers on the local socket; first-run setup only when none of them exists.
pub fn choose_node(paths: &Paths) -> NodeChoice {
    if let Some((s, src)) = crate::config::configured_socket(paths) {
        return NodeChoice::Configured(s, src);
    }
    let local = crate::config::client_socket(paths);
    if initialised(paths) || crate::node::is_running(&local) {
        NodeChoice::Local(local)
    } else {
        NodeChoice::FirstRun
    }
}

/// The message shown while a configured node does not answer.
pub fn node_down_text(en: bool, socket: &Path, source: crate::config::SocketSource) -> String {
    use crate::config::SocketSource;
    let from = match (source, en) {
        (SocketSource::Env, false) => "KASA_SOCKET".to_string(),
        (SocketSource::Env, true) => "KASA_SOCKET".to_string(),
        (SocketSource::User, _) => "~/.config/kasa/config.toml".to_string(),
        (SocketSource::System, _) => crate::config::system_config_path().display().to_string(),
    };
    if en {
        format!(
            "the node at {} (from {from}) does not answer; kasa retries every second. Ask the admin to check `systemctl status kasa-node`.",
            socket.display()
        )
    } else {
        format!(
            "node di {} (dari {from}) tidak menjawab; kasa mencoba lagi tiap detik. Minta admin memeriksa `systemctl status kasa-node`.",
            socket.display()
        )
    }
}

/// First run: asks node id, name and zone inside the console and runs `init`.
fn first_run(
    term: &mut Term,
    paths: &Paths,
    rx: &Receiver<Msg>,
    stop: &AtomicBool,
    en: bool,
    pass_out: &mut Option<zeroize::Zeroizing<String>>,
) -> Result<bool, String> {
    let tr = |id: &'static str, e: &'static str| if en { e } else { id };
    let labels = [
        tr("ID node (kode wilayah)", "Node id (region code)"),
        tr("Nama node", "Node name"),
        tr("Zona waktu", "Time zone"),
        tr("Nama Anda", "Your name"),
        tr("Jabatan", "Position"),
        tr("Frasa sandi keystore", "Keystore passphrase"),
        tr("Ulangi frasa sandi", "Repeat passphrase"),
    ];
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };
    let user = crate::config::unix_username(uid);
    let mut fields: Vec<TextArea<'static>> = [
        "",
        "",
        "Asia/Jakarta",
        user.as_str(),
        "Administrator kasa",
        "",
        "",
    ]
    .iter()
    .enumerate()
    .map(|(i, v)| {
        let mut t = super::widgets::textarea(v);
        if i >= 5 {
            t.set_mask_char('•');
        }
        t
    })
    .collect();
    let mut focus = 0usize;
    let mut error: Option<String> = None;
    loop {
        if stop.load(Ordering::Relaxed) {
            return Ok(false);
        }
        term.draw(|f| {
            let area = f.area();
            let block = Block::default()
                .borders(Borders::ALL)
                .title(tr(" kasa · penyiapan pertama ", " kasa · first run "));
            let inner = block.inner(area);
            f.render_widget(block, area);
            let intro = Paragraph::new(vec![
                Line::from(format!(
                    "{} {}",
                    tr(
                        "Direktori data belum disiapkan:",
                        "The data directory is not initialised:"
                    ),
                    paths.data_dir.display()
                )),
                Line::from(tr(
                    "Isi, Enter di isian terakhir (Tab pindah, Ctrl-U kosongkan, Esc keluar).",
                    "Fill in, Enter on the last field (Tab moves, Ctrl-U clears, Esc quits).",
                )),
            ]);
            f.render_widget(intro, Rect::new(inner.x, inner.y, inner.width, 2));
            for (i, (l, t)) in labels.iter().zip(&fields).enumerate() {
                let y = inner.y + 3 + i as u16;
                if y >= inner.bottom() {
                    break;
                }
                let mark = if i == focus { "›" } else { " " };
                f.render_widget(
                    Paragraph::new(format!("{mark}{l:<24}")),
                    Rect::new(inner.x, y, 25, 1),
                );
                let mut t = t.clone();
                t.set_cursor_line_style(ratatui::style::Style::default());
                if i != focus {
                    t.set_cursor_style(ratatui::style::Style::default());
                }
                f.render_widget(
                    &t,
                    Rect::new(inner.x + 26, y, inner.width.saturating_sub(27), 1),
                );
            }
            if let Some(e) = &error {
                // Wrapped: a refusal names the value and the rule, longer than 80 columns.
                let y = (inner.y + 11).min(inner.bottom());
                f.render_widget(
                    Paragraph::new(format!("✗ {e}")).wrap(ratatui::widgets::Wrap { trim: false }),
                    Rect::new(inner.x, y, inner.width, inner.bottom().saturating_sub(y)),
                );
            }
        })
        .map_err(|e| e.to_string())?;
        let m = match rx.recv_timeout(Duration::from_millis(500)) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return Ok(false),
        };
        let Msg::Term(TermEvent::Key(k)) = m else {
            if matches!(m, Msg::InputGone) {
                return Ok(false);
            }
            continue;
        };
        match k.code {
            KeyCode::Esc => return Ok(false),
            KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => return Ok(false),
            KeyCode::Tab | KeyCode::Down => focus = (focus + 1) % fields.len(),
            KeyCode::BackTab | KeyCode::Up => focus = (focus + fields.len() - 1) % fields.len(),
            KeyCode::Enter if focus + 1 < fields.len() => focus += 1,
            KeyCode::Enter => {
                let v: Vec<String> = fields
                    .iter()
                    .map(|t| t.lines().join("").trim().to_string())
                    .collect();
                let cfg = NodeConfig {
                    zone: v[2].clone(),
                    ..NodeConfig::default()
                };
                if let Err(e) = cfg.check() {
                    error = Some(e);
                    focus = 2;
                    continue;
                }
                let admin = Operator {
                    uid,
                    username: user.clone(),
                    nama: if v[3].is_empty() {
                        user.clone()
                    } else {
                        v[3].clone()
                    },
                    nip: String::new(),
                    jabatan: v[4].clone(),
                    role: Role::Admin,
                    kualifikasi: Default::default(),
                    disabled: false,
                };
                let pass = zeroize::Zeroizing::new(v[5].clone());
                if pass.chars().count() < 8 {
                    error = Some(tr(
                        "frasa sandi keystore minimal 8 karakter (melindungi kunci kriptogram node)",
                        "the keystore passphrase needs at least 8 characters (it protects the node's keys)",
                    ).to_string());
                    focus = 5;
                    continue;
                }
                if *pass != v[6] {
                    error = Some(
                        tr("kedua frasa sandi berbeda", "the two passphrases differ").to_string(),
                    );
                    fields[6] = TextArea::default();
                    fields[6].set_mask_char('•');
                    focus = 6;
                    continue;
                }
                if let Err(e) = crate::node::init(paths, &v[0], &v[1], &admin, &cfg) {
                    error = Some(e);
                    continue;
                }
                // The node identity (X25519 + Ed25519 keys in the passphrase-protected keystore), as
                // `kasa init` does; audited like `kasa identity create`.
                match crate::node::kriptogram::create_identity(
                    paths,
                    &v[0],
                    &v[1],
                    pass.as_bytes(),
                    crate::crypto::KdfParams::RECOMMENDED,
                ) {
                    Ok(card) => {
                        if let Ok(store) = crate::store::Store::open(&paths.db()) {
                            let _ = store.audit_event(
                                &crate::store::Actor::operator(&admin),
                                "identity.create",
                                &format!("node:{}", v[0]),
                                &format!(
                                    "ed25519 {} x25519 {}",
                                    card.signing_fingerprint(),
                                    card.key_id()
                                ),
                                crate::clock::now(),
                            );
                        }
                        *pass_out = Some(pass);
                    }
                    Err(e) => {
                        // The data directory exists; the identity can be made later.
                        tracing::warn!(error = %e, "node identity not created at first run; `kasa identity create` makes it");
                        return Ok(true);
                    }
                }
                return Ok(true);
            }
            _ => {
                super::widgets::edit(&mut fields[focus], k);
            }
        }
    }
}

/// Writes nothing but counts bytes (benchmarks of bytes per keypress); clones share the count.
#[derive(Default, Clone)]
pub struct CountingWriter {
    pub bytes: Arc<std::sync::atomic::AtomicUsize>,
}

impl CountingWriter {
    pub fn count(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }
}

impl Write for CountingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes.fetch_add(buf.len(), Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
