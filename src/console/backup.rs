//! Backup in the console (issue 17; SOP PI.01): the status in the header, a backup to the configured
//! target now, and the backup log in a view.
//!
//! - The header shows the age of the last successful backup and of the last successful restore test
//!   (`backup 5j · uji 12h`) on wide screens, and on narrow ones only what needs attention (`!backup 3h`,
//!   `!uji 95h`, `!backup gagal`), as [`crate::domain::backup::perhatian`] decides from the node's log.
//! - `B` (action `backup`) asks the node for its log (which names `[backup] target` of `node.toml`),
//!   confirms the directory and sends `BackupRequest::Create { to: target, full: false }` as a long call:
//!   the terminal runs it on its own connection so the console stays live; the result goes to the status
//!   line.
//! - `b` (action `backup_log`) opens the log, newest first, with the summary on top.
//! - The log is loaded on connect, at most once a minute by the console timer, after a run, on `F5`
//!   and while the view is open on every node change.
//!
//! UI-free parts (state, actions, replies) are here; drawing functions take `&App`.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, Wrap};

use super::action::Action;
use super::ctx::Ctx;
use super::effect::{Effect, Purpose};
use super::layer::{ConfirmKind, Layer};
use crate::domain::backup::{
    BackupRun, Hasil, JenisRun, Perhatian, Ringkasan, human_bytes, perhatian,
};
use crate::proto::backup::{BackupReply, BackupRequest};
use crate::proto::{Reply, Request};

/// The timer asks for the log at most this often (seconds).
pub const LOG_EVERY_SECS: i64 = 60;

/// Screens at least this wide always show the backup status in the header.
pub const WIDE: u16 = 120;

/// The node's backup log as the console keeps it.
#[derive(Debug, Clone)]
pub struct BackupLog {
    /// Newest first.
    pub runs: Vec<BackupRun>,
    pub ringkasan: Ringkasan,
    /// The node's zone (times are shown in it).
    pub zone: TimeZone,
    pub missed: bool,
    pub test_overdue: bool,
    /// `[backup] target` of the node, if set.
    pub target: Option<String>,
    /// What needs attention now (from `domain::backup::perhatian`).
    pub perhatian: Option<Perhatian>,
}

/// Backup state of the console.
#[derive(Debug, Clone, Default)]
pub struct BackupPane {
    /// The last log from the node; `None` until one came (or from an older node).
    pub log: Option<BackupLog>,
    /// When the log was last asked for (console clock).
    pub asked_at: Option<Timestamp>,
    /// A backup started from this console is running.
    pub running: bool,
}

/// The log view (an overlay).
#[derive(Debug, Clone, Default)]
pub struct BackupView {
    /// The selected run (0 = newest); its details are shown under the table.
    pub cursor: super::widgets::Cursor,
}

/// What to do once the log arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupNext {
    /// Only keep it (header).
    Nothing,
    /// Open the log view.
    View,
    /// Ask to confirm a backup to the configured target.
    Confirm,
}

/// Why a backup request was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackupPurpose {
    Log(BackupNext),
    /// A backup to this directory, started from this console.
    Created(String),
}

/// The request for the log.
pub fn log_call(next: BackupNext) -> Effect {
    Effect::Call(
        Request::Backup(BackupRequest::Log),
        Purpose::Backup(BackupPurpose::Log(next)),
    )
}

/// The log request of the start (connect): also restarts the timer.
pub fn start_call(bp: &mut BackupPane, cx: &mut Ctx) -> Effect {
    bp.asked_at = Some(cx.now);
    log_call(BackupNext::Nothing)
}

/// The log request of the console timer, when the last one is a minute old.
pub fn timer_calls(bp: &mut BackupPane, cx: &mut Ctx) -> Vec<Effect> {
    if !cx.connected {
        return Vec::new();
    }
    let due = bp
        .asked_at
        .is_none_or(|t| cx.now.as_second() - t.as_second() >= LOG_EVERY_SECS);
    if !due {
        return Vec::new();
    }
    bp.asked_at = Some(cx.now);
    vec![log_call(BackupNext::Nothing)]
}

/// True when the log view is open.
pub fn view_open(cx: &Ctx) -> bool {
    cx.layers.iter().any(|l| matches!(l, Layer::Backup(_)))
}

/// Handles the backup actions, and scrolling while the log view is on top. `None`: not a backup
/// matter, the caller goes on.
pub fn update(bp: &mut BackupPane, cx: &mut Ctx, a: &Action) -> Option<Vec<Effect>> {
    match a {
        Action::Backup => {
            if bp.running {
                cx.info(cx.tr(
                    "backup sedang berjalan: tunggu sampai selesai (b: log backup)",
                    "a backup is running: wait for it to finish (b: backup log)",
                ));
                return Some(Vec::new());
            }
            bp.asked_at = Some(cx.now);
            return Some(vec![log_call(BackupNext::Confirm)]);
        }
        Action::BackupLog => {
            if !view_open(cx) {
                bp.asked_at = Some(cx.now);
                return Some(vec![log_call(BackupNext::View)]);
            }
            return Some(Vec::new());
        }
        _ => {}
    }
    let n = bp.log.as_ref().map_or(0, |l| l.runs.len());
    let page = (cx.size.1 as usize).saturating_sub(10).max(1) as isize;
    let Some(Layer::Backup(v)) = cx.layers.last_mut() else {
        return None;
    };
    let d = a.motion(page)?;
    v.cursor.move_by(d, n, page as usize);
    Some(Vec::new())
}

/// The operator said yes to a backup to `to`.
pub fn confirmed(bp: &mut BackupPane, cx: &mut Ctx, to: String) -> Vec<Effect> {
    bp.running = true;
    let m = if cx.en {
        format!("backup to {to} running…")
    } else {
        format!("backup ke {to} berjalan…")
    };
    cx.info(m);
    vec![Effect::CallLong(
        Request::Backup(BackupRequest::Create {
            to: to.clone(),
            full: false,
        }),
        Purpose::Backup(BackupPurpose::Created(to)),
    )]
}

fn set_log(bp: &mut BackupPane, cx: &mut Ctx, r: BackupReply) -> bool {
    let BackupReply::Log {
        mut runs,
        ringkasan,
        zone,
        missed,
        test_overdue,
        target,
        ..
    } = r
    else {
        return false;
    };
    let p = perhatian(&runs, missed, test_overdue);
    runs.sort_by_key(|r| std::cmp::Reverse((r.started_at, r.id)));
    let zone = TimeZone::get(&zone).unwrap_or_else(|_| cx.node.calendar.zone.clone());
    if let Some(Layer::Backup(v)) = cx
        .layers
        .iter_mut()
        .rev()
        .find(|l| matches!(l, Layer::Backup(_)))
    {
        v.cursor.clamp(runs.len(), usize::MAX / 2);
    }
    bp.log = Some(BackupLog {
        runs,
        ringkasan: *ringkasan,
        zone,
        missed,
        test_overdue,
        target,
        perhatian: p,
    });
    true
}

/// How long a run took, as text.
pub fn durasi(cx: &Ctx, run: &BackupRun) -> String {
    let Some(end) = run.ended_at else {
        return "-".into();
    };
    let s = (end.as_second() - run.started_at.as_second()).max(0);
    let (m, s) = (s / 60, s % 60);
    match (m, cx.en) {
        (0, false) => format!("{s} dtk"),
        (0, true) => format!("{s} s"),
        (m, false) => format!("{m} mnt {s} dtk"),
        (m, true) => format!("{m} min {s} s"),
    }
}

/// A reply (or failure) for a backup request.
pub fn on_reply(
    bp: &mut BackupPane,
    cx: &mut Ctx,
    p: BackupPurpose,
    r: Result<Reply, String>,
) -> Vec<Effect> {
    match (p, r) {
        (BackupPurpose::Log(next), Ok(Reply::Backup(r))) => {
            if !set_log(bp, cx, r) {
                cx.error("balasan log backup tak terduga");
                return Vec::new();
            }
            match next {
                BackupNext::Nothing => {}
                BackupNext::View => {
                    if !view_open(cx) {
                        cx.layers.push(Layer::Backup(BackupView::default()));
                    }
                }
                BackupNext::Confirm => ask(bp, cx),
            }
            Vec::new()
        }
        // The header keeps its last state when a periodic load fails (an older node has no log).
        (BackupPurpose::Log(BackupNext::Nothing), Err(_)) => Vec::new(),
        (BackupPurpose::Log(_), Err(e)) => {
            cx.error(e);
            Vec::new()
        }
        (BackupPurpose::Created(_), Ok(Reply::Backup(BackupReply::Created { run, manifest }))) => {
            bp.running = false;
            let d = durasi(cx, &run);
            let m = if cx.en {
                format!(
                    "backup {} manifest {} to {}: wrote {} of {} in {d}",
                    manifest.jenis.as_str(),
                    manifest.no,
                    run.target,
                    human_bytes(manifest.bytes_written),
                    human_bytes(manifest.bytes_total)
                )
            } else {
                format!(
                    "backup {} manifest {} ke {}: ditulis {} dari {} dalam {d}",
                    manifest.jenis.as_str(),
                    manifest.no,
                    run.target,
                    human_bytes(manifest.bytes_written),
                    human_bytes(manifest.bytes_total)
                )
            };
            cx.info(m);
            bp.asked_at = Some(cx.now);
            vec![log_call(BackupNext::Nothing)]
        }
        (BackupPurpose::Created(_), Err(e)) => {
            bp.running = false;
            cx.error(e);
            // A failed run is in the log too (and the header says so).
            bp.asked_at = Some(cx.now);
            vec![log_call(BackupNext::Nothing)]
        }
        (p, Ok(r)) => {
            if matches!(p, BackupPurpose::Created(_)) {
                bp.running = false;
            }
            cx.error(format!("balasan tak terduga untuk {p:?}: {r:?}"));
            Vec::new()
        }
    }
}

/// Opens the confirmation of a backup to the configured target, or says how to set one.
fn ask(bp: &mut BackupPane, cx: &mut Ctx) {
    let Some(to) = bp.log.as_ref().and_then(|l| l.target.clone()) else {
        cx.error(cx.tr(
            "target backup belum diatur: isi [backup] target di node.toml (mis. /media/brankas-disk/kasa) lalu mulai ulang node, atau jalankan `kasa backup create --to DIR`",
            "no backup target configured: set [backup] target in node.toml (e.g. /media/brankas-disk/kasa) and restart the node, or run `kasa backup create --to DIR`",
        ));
        return;
    };
    let message = if cx.en {
        format!("Run a backup to {to} now? (incremental, or full when due)")
    } else {
        format!("Jalankan backup ke {to} sekarang? (inkremental, atau penuh bila waktunya)")
    };
    cx.confirm(message, ConfirmKind::Backup { to });
}

// ------------------------------------------------------------------------------------------ drawing

/// Age of `t` at the console clock: minutes, then hours (`j`, jam) up to two days, then days (`h`,
/// hari); English `m`/`h`/`d`.
pub fn umur(cx: &Ctx, t: Timestamp) -> String {
    let s = (cx.now.as_second() - t.as_second()).max(0);
    if s < 3600 {
        format!("{}m", s / 60)
    } else if s < 48 * 3600 {
        format!("{}{}", s / 3600, cx.tr("j", "h"))
    } else {
        format!("{}{}", s / 86_400, cx.tr("h", "d"))
    }
}

/// The header spans: `backup 5j · uji 12h` on wide screens; on narrow ones only what needs attention
/// (`!backup 3h`), or `backup…` while a backup of this console runs. Empty when nothing is to be shown.
pub fn header_spans(bp: &BackupPane, cx: &Ctx, width: u16) -> Vec<Span<'static>> {
    let Some(log) = &bp.log else {
        return Vec::new();
    };
    let th = &cx.theme;
    let wide = width >= WIDE;
    let p = log.perhatian;
    let gagal = cx.tr("gagal", "failed");
    let backup = if bp.running {
        (
            format!("backup {}", cx.tr("berjalan…", "running…")),
            th.get("sla.soon"),
        )
    } else {
        let t = match (p, log.ringkasan.last_backup_ok) {
            (Some(Perhatian::BackupGagal), _) => gagal.to_string(),
            (_, Some(t)) => umur(cx, t),
            (_, None) => "–".into(),
        };
        match p {
            Some(x) if !x.uji() => (format!("!backup {t}"), th.get("warning")),
            _ => (format!("backup {t}"), Style::default()),
        }
    };
    let uji = {
        let t = match (p, log.ringkasan.last_test_ok) {
            (Some(Perhatian::UjiGagal), _) => gagal.to_string(),
            (_, Some(t)) => umur(cx, t),
            (_, None) => "–".into(),
        };
        let name = cx.tr("uji", "test");
        match p {
            Some(x) if x.uji() => (format!("!{name} {t}"), th.get("warning")),
            _ => (format!("{name} {t}"), Style::default()),
        }
    };
    if wide {
        return vec![
            Span::styled(backup.0, backup.1),
            Span::raw(" · "),
            Span::styled(uji.0, uji.1),
        ];
    }
    match p {
        _ if bp.running => vec![Span::styled(backup.0, backup.1)],
        Some(x) if x.uji() => vec![Span::styled(uji.0, uji.1)],
        Some(_) => vec![Span::styled(backup.0, backup.1)],
        None => Vec::new(),
    }
}

fn local(zone: &TimeZone, t: Timestamp, fmt: &str) -> String {
    t.to_zoned(zone.clone()).strftime(fmt).to_string()
}

/// What needs attention, as a sentence (fits 76 columns).
pub fn perhatian_text(cx: &Ctx, p: Perhatian) -> &'static str {
    match p {
        Perhatian::BackupGagal => cx.tr(
            "backup terakhir GAGAL: lihat alasannya di bawah, perbaiki, jalankan lagi",
            "the last backup FAILED: see why below, fix it and run it again",
        ),
        Perhatian::BelumAda => cx.tr("belum ada backup yang berhasil", "no successful backup yet"),
        Perhatian::BackupTerlewat => cx.tr(
            "BACKUP TERLEWAT: backup berhasil terakhir melewati batas jadwal",
            "BACKUP MISSED: the last good backup is older than the schedule allows",
        ),
        Perhatian::UjiGagal => cx.tr(
            "uji restore terakhir GAGAL: periksa media (`kasa backup verify DIR`)",
            "the last restore test FAILED: check the medium (`kasa backup verify DIR`)",
        ),
        Perhatian::UjiTerlambat => cx.tr(
            "UJI RESTORE JATUH TEMPO (PI.01 V.4: tiap 3 bulan): `kasa backup test DIR`",
            "RESTORE TEST DUE (PI.01 V.4: every 3 months): `kasa backup test DIR`",
        ),
    }
}

/// The lines above the table, one fact a line (no wrapping): last success, last test (with the
/// missed / overdue flags), the target, what needs attention.
pub fn summary_lines(cx: &Ctx, log: &BackupLog) -> Vec<Line<'static>> {
    let th = &cx.theme;
    let when = |t: Option<Timestamp>| match t {
        Some(t) => format!(
            "{} ({})",
            local(&log.zone, t, "%Y-%m-%d %H:%M %Z"),
            umur(cx, t)
        ),
        None => "-".into(),
    };
    let label = |id: &str, en: &str| format!("{:<26}", format!("{}:", cx.tr(id, en)));
    // `label: when`, then ` · FLAG` in the warning style when `flag` is up.
    let fact =
        |l: (&str, &str), t: Option<Timestamp>, flag: bool, f: (&'static str, &'static str)| {
            let mut spans = vec![Span::raw(format!("{}{}", label(l.0, l.1), when(t)))];
            if flag {
                spans.push(Span::raw(" · "));
                spans.push(Span::styled(cx.tr(f.0, f.1), th.get("warning")));
            }
            Line::from(spans)
        };
    let backup = fact(
        ("backup terakhir berhasil", "last successful backup"),
        log.ringkasan.last_backup_ok,
        log.missed,
        ("TERLEWAT", "MISSED"),
    );
    let uji = fact(
        ("uji restore terakhir", "last restore test"),
        log.ringkasan.last_test_ok,
        log.test_overdue,
        ("JATUH TEMPO", "DUE"),
    );
    let target = match &log.target {
        Some(t) => t.clone(),
        None => cx
            .tr(
                "belum diatur ([backup] target di node.toml)",
                "not set ([backup] target in node.toml)",
            )
            .to_string(),
    };
    let mut out = vec![
        backup,
        uji,
        Line::from(format!(
            "{}{target}",
            label("target harian", "daily target")
        )),
    ];
    if let Some(p) = log.perhatian {
        out.push(Line::from(Span::styled(
            format!("! {}", perhatian_text(cx, p)),
            th.get("warning"),
        )));
    }
    out
}

/// The result cell; a failure's reason only on wide screens (the selected run's lines show it).
fn hasil_cell(cx: &Ctx, h: &Hasil, wide: bool) -> Cell<'static> {
    match h {
        Hasil::Berhasil => Cell::from(cx.tr("berhasil", "succeeded").to_string()),
        Hasil::Berjalan => {
            Cell::from(cx.tr("berjalan", "running").to_string()).style(cx.theme.get("sla.soon"))
        }
        Hasil::Gagal { jenis, alasan } => {
            let g = cx.tr("GAGAL", "FAILED");
            Cell::from(if wide {
                format!("{g} ({}): {alasan}", jenis.label())
            } else {
                format!("{g} ({})", jenis.label())
            })
            .style(cx.theme.get("sla.overdue"))
        }
    }
}

/// The lines of the selected run under the table: why it failed, who, where, what was written.
pub fn run_lines(cx: &Ctx, run: &BackupRun) -> Vec<Line<'static>> {
    let th = &cx.theme;
    let kegiatan = match run.jenis_run {
        JenisRun::Backup => "backup",
        JenisRun::UjiRestore => "uji-restore",
    };
    let mut out = Vec::new();
    if let Hasil::Gagal { jenis, alasan } = &run.hasil {
        out.push(Line::from(Span::styled(
            format!("{} ({}): {alasan}", cx.tr("GAGAL", "FAILED"), jenis.label()),
            th.get("sla.overdue"),
        )));
    }
    out.push(Line::from(format!(
        "#{} {kegiatan} {} · {} {} · {} {} · {}",
        run.id,
        run.alasan.as_str(),
        cx.tr("oleh", "by"),
        run.operator,
        cx.tr("di", "at"),
        run.target,
        durasi(cx, run),
    )));
    match (&run.uji, run.jenis_run) {
        (Some(u), _) => out.push(Line::from(format!(
            "manifest {} · {} {}/{} · {} {}/{} · {}",
            u.manifest_no,
            cx.tr("dokumen cocok", "documents matching"),
            u.blobs_matching,
            u.blobs_sampled,
            cx.tr("entri cocok", "entries matching"),
            u.entries_matching,
            u.entries_sampled,
            if u.audit_head_match {
                cx.tr("rantai audit cocok", "audit chain matches")
            } else {
                cx.tr("rantai audit TIDAK cocok", "audit chain does NOT match")
            }
        ))),
        (None, JenisRun::Backup) if run.pieces_total > 0 => {
            let (w, t) = (human_bytes(run.bytes_written), human_bytes(run.bytes_total));
            out.push(Line::from(if cx.en {
                format!(
                    "{} new pieces of {} · wrote {w} of {t} · audit seq {}",
                    run.pieces_new, run.pieces_total, run.audit_seq
                )
            } else {
                format!(
                    "{} bagian baru dari {} · ditulis {w} dari {t} · audit seq {}",
                    run.pieces_new, run.pieces_total, run.audit_seq
                )
            }))
        }
        (None, _) => {}
    }
    out
}

/// Draws the log view: the summary, the runs (newest first) and the selected run.
pub fn draw_layer(bp: &BackupPane, cx: &Ctx, v: &BackupView, f: &mut Frame, area: Rect) {
    let th = &cx.theme;
    let r = super::widgets::centered(area, area.width, area.height.saturating_sub(2));
    f.render_widget(Clear, r);
    let n = bp.log.as_ref().map_or(0, |l| l.runs.len());
    let cursor = v.cursor.pos.min(n.saturating_sub(1));
    let k = |a: &str| {
        cx.keymap
            .key_for(&["backup", "global"], a)
            .unwrap_or_default()
    };
    let title = format!(
        " {} · {}/{n} · [{}] {} · [{}] {} ",
        cx.tr("Log backup", "Backup log"),
        if n == 0 { 0 } else { cursor + 1 },
        k("backup"),
        cx.tr("backup sekarang", "back up now"),
        k("back"),
        cx.tr("tutup", "close")
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.get("border"))
        .title(title);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let Some(log) = &bp.log else {
        return;
    };
    let head = summary_lines(cx, log);
    let hh = (head.len() as u16 + 1).min(inner.height);
    f.render_widget(
        Paragraph::new(head),
        Rect::new(inner.x, inner.y, inner.width, hh),
    );
    let rest = Rect::new(
        inner.x,
        inner.y + hh,
        inner.width,
        inner.height.saturating_sub(hh),
    );
    let Some(sel) = log.runs.get(cursor) else {
        f.render_widget(
            Paragraph::new(cx.tr(
                "Belum ada catatan backup. Tekan B untuk backup sekarang, atau `kasa backup create --to DIR`.",
                "No backup runs yet. Press B to back up now, or `kasa backup create --to DIR`.",
            ))
            .style(th.get("dim"))
            .wrap(Wrap { trim: true }),
            rest,
        );
        return;
    };
    let dh = 5u16.min(rest.height);
    let tr = Rect {
        height: rest.height - dh,
        ..rest
    };
    let rows_h = (tr.height as usize).saturating_sub(1).max(1);
    let offset = v.cursor.offset_for(rows_h).min(cursor);
    let wide = area.width >= WIDE;
    let rows: Vec<Row> = log
        .runs
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows_h)
        .map(|(i, run)| {
            let mut cells = vec![
                Cell::from(format!(
                    "{}{}",
                    if i == cursor { "›" } else { " " },
                    local(&log.zone, run.started_at, "%Y-%m-%d %H:%M")
                )),
                Cell::from(match run.jenis_run {
                    JenisRun::Backup => "backup",
                    JenisRun::UjiRestore => "uji-restore",
                }),
                Cell::from(run.jenis.map_or("-", |j| j.as_str())),
            ];
            if wide {
                cells.push(Cell::from(run.alasan.as_str()));
            }
            cells.push(Cell::from(
                run.manifest_no.map_or("-".into(), |n| n.to_string()),
            ));
            cells.push(Cell::from(match run.jenis_run {
                JenisRun::Backup => human_bytes(run.bytes_written),
                JenisRun::UjiRestore => "-".into(),
            }));
            if wide {
                cells.push(Cell::from(durasi(cx, run)));
            }
            cells.push(hasil_cell(cx, &run.hasil, wide));
            let row = Row::new(cells);
            if i == cursor {
                row.style(th.get("selection"))
            } else {
                row
            }
        })
        .collect();
    let mut header = vec![
        format!(" {}", cx.tr("Waktu", "Time")),
        cx.tr("Kegiatan", "Run").to_string(),
        cx.tr("Jenis", "Kind").to_string(),
    ];
    let mut widths = vec![
        Constraint::Length(17),
        Constraint::Length(11),
        Constraint::Length(11),
    ];
    if wide {
        header.push(cx.tr("Alasan", "Reason").to_string());
        widths.push(Constraint::Length(7));
    }
    header.push("Manifest".into());
    widths.push(Constraint::Length(8));
    header.push(cx.tr("Ditulis", "Written").to_string());
    widths.push(Constraint::Length(10));
    if wide {
        header.push(cx.tr("Durasi", "Took").to_string());
        widths.push(Constraint::Length(13));
    }
    header.push(cx.tr("Hasil", "Result").to_string());
    widths.push(Constraint::Fill(1));
    f.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(th.get("table.header")))
            .column_spacing(1),
        tr,
    );
    let dr = Rect {
        y: tr.y + tr.height,
        height: dh,
        ..rest
    };
    f.render_widget(
        Paragraph::new(run_lines(cx, sel))
            .wrap(Wrap { trim: true })
            .block(
                Block::default()
                    .borders(Borders::TOP)
                    .border_style(th.get("border")),
            ),
        dr,
    );
}
