//! Drawing: `draw(&App, frame)` reads the state and never changes it. Only the visible rows are built.

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::Constraint::{self, Length as L};
use ratatui::layout::{Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::action::Pane;
use super::app::{App, ConfirmState, HelpState, Layer, PromptKind, PromptState};
use super::form::{FormPurpose, FormState, Kind};
use super::keymap::{describe, seq_name};
use super::widgets::{centered, trunc};
use crate::domain::calendar::WorkCalendar;

/// Minimum terminal size.
pub const MIN_W: u16 = 80;
pub const MIN_H: u16 = 24;

pub(crate) const GLYPH_BARU: &str = "●";
/// An entry whose registration form another operator has open (issue 13 "who is on it").
pub(crate) const GLYPH_HELD: &str = "✎";
pub(crate) const GLYPH_OVERDUE: &str = "!";
const GLYPH_ALARM: &str = "⚠";

pub(crate) fn local(cal: &WorkCalendar, t: Timestamp, fmt: &str) -> String {
    t.to_zoned(cal.zone.clone()).strftime(fmt).to_string()
}

/// Time left until `batas` as text, whether it is overdue and whether it is within a day.
pub fn time_left(batas: Timestamp, now: Timestamp) -> (String, bool, bool) {
    let d = batas.as_second() - now.as_second();
    let a = d.unsigned_abs();
    let (days, hours, mins) = (a / 86_400, (a % 86_400) / 3600, (a % 3600) / 60);
    let t = if days > 0 {
        format!("{days}h{hours}j")
    } else if hours > 0 {
        format!("{hours}j{mins}m")
    } else {
        format!("{mins}m")
    };
    if d <= 0 {
        (format!("{GLYPH_OVERDUE}{t}"), true, false)
    } else {
        (t, false, d < 86_400)
    }
}

/// Draws the whole console.
pub fn draw(app: &App, f: &mut Frame) {
    let area = f.area();
    let th = &app.cx.theme;
    f.render_widget(Block::default().style(th.get("base")), area);
    if area.width < MIN_W || area.height < MIN_H {
        let msg = app.cx.tr(
            "terminal terlalu kecil (perlu 80×24)",
            "terminal too small (needs 80×24)",
        );
        let lines = vec![
            Line::from(Span::styled(msg, th.get("header.warn"))),
            Line::from(format!("{}×{}", area.width, area.height)),
        ];
        let y = area.height / 2;
        let r = Rect::new(
            area.x,
            area.y + y.saturating_sub(1),
            area.width,
            2.min(area.height),
        );
        f.render_widget(
            Paragraph::new(lines).centered().wrap(Wrap { trim: true }),
            r,
        );
        return;
    }
    // A long message wraps onto up to three rows instead of being cut.
    let status_h = app
        .message
        .as_ref()
        .map_or(1, |m| {
            super::widgets::wrap(
                vec![Line::from(format!(" {}", m.text))],
                area.width as usize,
            )
            .len()
        })
        .clamp(1, 3) as u16;
    let [header, tabs, body, status] =
        Layout::vertical([L(1), L(1), Constraint::Min(1), L(status_h)]).areas(area);
    draw_header(app, f, header);
    draw_tabs(app, f, tabs);
    app.pane_state(app.cx.pane).draw(&app.cx, f, body);
    draw_status(app, f, status);
    for l in &app.cx.layers {
        match l {
            Layer::Detail(d) => {
                // The page preview takes the right of the detail when the entry has pages.
                let pw = if app.preview_target() == Some(d.id) {
                    app.pratinjau.width_for(body.width)
                } else {
                    0
                };
                super::agenda::draw_detail(
                    &app.cx,
                    d,
                    f,
                    Rect {
                        width: body.width - pw,
                        ..body
                    },
                );
                draw_preview_column(app, f, body, pw, d.id);
            }
            Layer::Form(s) => {
                // Beside the registration form: the scanned page it is typed from.
                let target = match s.purpose {
                    FormPurpose::Register(id) if app.preview_target() == Some(id) => Some(id),
                    _ => None,
                };
                let pw = target.map_or(0, |_| app.pratinjau.width_for(area.width));
                draw_form(
                    app,
                    s,
                    f,
                    Rect {
                        width: area.width - pw,
                        ..area
                    },
                );
                if let Some(id) = target {
                    draw_preview_column(app, f, body, pw, id);
                }
            }
            Layer::Prompt(p) => {
                if let PromptKind::InsidenTick(id) = p.kind {
                    // The open steps with their text, just above the prompt.
                    let above = Rect {
                        height: status.bottom().saturating_sub(1).saturating_sub(body.y),
                        ..body
                    };
                    super::insiden::draw_open_steps(&app.insiden, &app.cx, id, f, above, 12);
                }
                draw_prompt(
                    app,
                    p,
                    f,
                    Rect {
                        y: status.bottom() - 1,
                        height: 1,
                        ..status
                    },
                )
            }
            Layer::Confirm(c) => draw_confirm(app, c, f, area),
            Layer::Help(h) => draw_help(app, h, f, area),
            Layer::Peers(p) => draw_peers(app, p, f, area),
            Layer::Alarms(v) => super::alarm::draw(&app.cx, v, f, area),
            Layer::Palsan(l) => super::palsan::draw_layer(&app.palsan, &app.cx, l, f, area, body),
            Layer::Dispose(d) => super::disposisi::draw_form(&app.cx, d, f, area),
            Layer::Backup(v) => super::backup::draw_layer(&app.backup, &app.cx, v, f, area),
            Layer::DisposisiDetail(d) => super::disposisi::draw_detail(
                &app.cx,
                &app.disposisi,
                d,
                f,
                Rect {
                    height: body.height,
                    ..body
                },
            ),
        }
    }
}

/// The page preview of entry `id` in the right `pw` columns of the body, from the tab row down (an
/// overlay covers the tabs as the detail does); nothing when `pw` is 0.
fn draw_preview_column(app: &App, f: &mut Frame, body: Rect, pw: u16, id: u64) {
    if pw == 0 {
        return;
    }
    let r = Rect::new(
        body.right() - pw,
        body.y.saturating_sub(1),
        pw,
        body.height + 1,
    );
    app.pratinjau.draw(&app.cx, f, r, id);
}

fn draw_header(app: &App, f: &mut Frame, r: Rect) {
    let th = &app.cx.theme;
    if !app.cx.connected {
        let t = app.cx.tr(
            " node tidak terhubung — menyambung ulang…",
            " node not connected — reconnecting…",
        );
        f.render_widget(Paragraph::new(t).style(th.get("header.warn")), r);
        return;
    }
    let (baru, overdue, ing) = app.counts();
    // The clock with its zone and the node id are never cut; the counters are dropped by priority
    // (ingest first, incident clocks last) and the node name takes what is left, at least 12 cells.
    let clock = format!(
        " │ {} {} ",
        local(&app.cx.node.calendar, app.cx.now, "%H:%M:%S"),
        app.cx.node.calendar.zone_label()
    );
    let spinner = app.cx.busy_glyph();
    let mut sla = super::insiden::header_spans(&app.insiden, &app.cx);
    if let Some(first) = sla.first_mut() {
        first.content = first.content.trim_start_matches(" · ").to_string().into();
    }
    // (display order, priority: lower kept longer, spans)
    let mut segs: Vec<(u8, Vec<Span>)> = Vec::new();
    segs.push((
        2,
        vec![Span::styled(
            format!("{}baru {baru}", if baru > 0 { GLYPH_BARU } else { "" }),
            if baru > 0 {
                th.get("inbox.untriaged")
            } else {
                Style::default()
            },
        )],
    ));
    // A warning (overdue items, a backup that needs attention) is kept longer than a plain counter.
    segs.push((
        if overdue > 0 { 1 } else { 4 },
        vec![Span::styled(
            format!(
                "{}{} {overdue}",
                if overdue > 0 { GLYPH_OVERDUE } else { "" },
                app.cx.tr("lewat", "overdue")
            ),
            if overdue > 0 {
                th.get("sla.overdue")
            } else {
                Style::default()
            },
        )],
    ));
    segs.push((
        5,
        vec![Span::raw(format!(
            "ingest {}/{}",
            ing.waiting + ing.processing,
            ing.taken
        ))],
    ));
    if let Some(sp) = super::palsan::header_span(&app.palsan, &app.cx) {
        segs.push((4, vec![sp]));
    }
    // Items registered long ago and not yet in SI APEL (003 SOP A4/B4/C5, `[siapel]` of alur.toml).
    let apel = crate::domain::penerimaan::siapel_menunggu(
        &app.masuk.items,
        app.cx.alur.siapel.ingat_setelah_jam,
        &app.cx.node.calendar,
        app.cx.now,
    )
    .len();
    if apel > 0 {
        segs.push((
            3,
            vec![Span::styled(format!("SI APEL {apel}"), th.get("sla.soon"))],
        ));
    }
    let backup = super::backup::header_spans(&app.backup, &app.cx, r.width);
    if !backup.is_empty() {
        let warn = backup.first().is_some_and(|s| s.content.starts_with('!'));
        segs.push((if warn { 1 } else { 4 }, backup));
    }
    segs.push((
        1,
        vec![if app.cx.alarms_open > 0 {
            Span::styled(
                format!("{GLYPH_ALARM}alarm {}", app.cx.alarms_open),
                th.get("alarm"),
            )
        } else {
            Span::raw("alarm 0")
        }],
    ));
    if !sla.is_empty() {
        segs.push((0, sla));
    }
    let id_part = format!(" ({})", app.cx.node.id);
    let name_min = super::widgets::text_width(&app.cx.node.name).min(12);
    let fixed = 1
        + name_min
        + id_part.chars().count()
        + super::widgets::text_width(&clock)
        + spinner.map_or(0, |_| 2);
    let seg_w = |sp: &[Span]| sp.iter().map(|s| s.width()).sum::<usize>() + 3;
    let mut keep = vec![true; segs.len()];
    let total = |keep: &[bool]| -> usize {
        fixed
            + segs
                .iter()
                .zip(keep)
                .filter(|(_, k)| **k)
                .map(|((_, sp), _)| seg_w(sp))
                .sum::<usize>()
    };
    let mut order: Vec<usize> = (0..segs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(segs[i].0));
    for i in order {
        if total(&keep) <= r.width as usize {
            break;
        }
        keep[i] = false;
    }
    let mut spans: Vec<Span> = Vec::new();
    for ((_, sp), k) in segs.into_iter().zip(&keep) {
        if *k {
            if !spans.is_empty() {
                spans.push(Span::raw(" · "));
            }
            spans.extend(sp);
        }
    }
    spans.push(Span::raw(clock));
    if let Some(g) = spinner {
        spans.insert(0, Span::styled(format!("{g} "), th.get("help.key")));
    }
    // One blank column between the node id and the counters, however short the name is cut.
    spans.insert(0, Span::raw(" "));
    let right = Line::from(spans);
    let rw = (right.width() as u16).min(r.width);
    let lw = r.width - rw;
    let name_room = (lw as usize).saturating_sub(1 + id_part.chars().count());
    let left = format!(
        " {}{id_part}",
        super::widgets::trunc(&app.cx.node.name, name_room)
    );
    f.render_widget(
        Paragraph::new(left).style(th.get("header")),
        Rect::new(r.x, r.y, lw, 1),
    );
    f.render_widget(
        Paragraph::new(right).style(th.get("header")),
        Rect::new(r.x + lw, r.y, rw, 1),
    );
}

fn draw_tabs(app: &App, f: &mut Frame, r: Rect) {
    let th = &app.cx.theme;
    let tabs: Vec<(bool, String, String)> = super::pane::REGISTRY
        .iter()
        .enumerate()
        .map(|(i, reg)| {
            let p = reg.id;
            let n = app.pane_state(p).count_label(&app.cx);
            let name = format!("{} {}", i + 1, app.cx.tr(reg.title_id, reg.title_en));
            (p == app.cx.pane, name, n)
        })
        .collect();
    // Wide: `[1 Masuk (6)]  2 Keluar (3)`; narrow (so the operator's name keeps ~16 cells at 80
    // columns): `[1 Masuk 6] 2 Keluar 3`.
    let wide_w: usize = tabs
        .iter()
        .map(|(_, name, n)| super::widgets::text_width(name) + n.len() + 6)
        .sum();
    let narrow = wide_w + 16 > r.width as usize;
    let mut spans = Vec::new();
    for (active, name, n) in tabs {
        let (open, close) = match (active, narrow) {
            (true, false) => (" [", "]"),
            (false, false) => ("  ", " "),
            (true, true) => ("[", "]"),
            (false, true) => (" ", " "),
        };
        spans.push(Span::raw(open));
        spans.push(Span::styled(
            if narrow {
                format!("{name} {n}")
            } else {
                format!("{name} ({n})")
            },
            th.get(if active { "tabs.active" } else { "tabs" }),
        ));
        spans.push(Span::raw(close));
    }
    let filter = match app.cx.pane {
        Pane::Palsan => app.palsan.filter.as_str(),
        _ => app.agenda().map_or("", |a| a.filter.as_str()),
    };
    if !filter.is_empty() {
        spans.push(Span::styled(format!("   / {filter}"), th.get("help.key")));
    }
    let left = Line::from(spans);
    let lw = (left.width() as u16).min(r.width);
    f.render_widget(Paragraph::new(left), Rect { width: lw, ..r });
    if let Some(o) = &app.cx.operator {
        let room = r.width.saturating_sub(lw + 2) as usize;
        // `nama · jabatan` when it fits, else the name alone (a cut jabatan says nothing).
        let full = format!("{} · {}", o.nama, o.jabatan);
        let who = if o.jabatan.is_empty() || super::widgets::text_width(&full) > room {
            trunc(&o.nama, room)
        } else {
            full
        };
        let w = who.chars().count() as u16 + 1;
        f.render_widget(
            Paragraph::new(who).style(th.get("dim")),
            Rect::new(r.right().saturating_sub(w), r.y, w, 1),
        );
    }
}

fn draw_status(app: &App, f: &mut Frame, r: Rect) {
    let th = &app.cx.theme;
    if let Some(m) = &app.cx.message {
        let st = th.get(if m.error {
            "status.error"
        } else {
            "status.info"
        });
        let rows = super::widgets::wrap(vec![Line::from(format!(" {}", m.text))], r.width as usize);
        f.render_widget(Paragraph::new(rows).style(st), r);
        return;
    }
    if let Some(w) = app.cx.warnings.first() {
        let more = if app.cx.warnings.len() > 1 {
            format!(" (+{})", app.cx.warnings.len() - 1)
        } else {
            String::new()
        };
        f.render_widget(
            Paragraph::new(format!(" {GLYPH_ALARM} {w}{more}")).style(th.get("warning")),
            r,
        );
        return;
    }
    if !app.cx.layers.is_empty() && app.cx.pending.is_empty() {
        return;
    }
    let ctxs = app.contexts();
    let mut spans = Vec::new();
    let hints = super::pane::info(app.cx.pane).hints;
    for a in hints {
        if let Some(k) = app.cx.keymap.key_for(&ctxs, a) {
            spans.push(Span::styled(format!(" {k}"), th.get("help.key")));
            let d = describe(a, app.cx.en);
            let short = d.split([' ', '(']).next().unwrap_or("").to_string();
            spans.push(Span::raw(format!(" {short} ")));
        }
    }
    if !app.cx.pending.is_empty() {
        spans.push(Span::styled(
            format!("  {} …", seq_name(&app.cx.pending)),
            th.get("help.key"),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)).style(th.get("dim")), r);
}

fn draw_form(app: &App, s: &FormState, f: &mut Frame, area: Rect) {
    let th = &app.cx.theme;
    let err_lines = s
        .fields
        .iter()
        .filter(|fl| s.error_of(fl.name).is_some())
        .count() as u16;
    let holders: Vec<&str> = match s.purpose {
        FormPurpose::Register(id) => app
            .cx
            .klaim
            .iter()
            .filter(|p| p.entry == id && p.conn != app.cx.conn)
            .map(|p| p.nama.as_str())
            .collect(),
        _ => Vec::new(),
    };
    let width = area.width.min(96) - 2;
    // A refusal is wrapped over as many rows as it needs (up to 4) instead of being cut at the edge.
    let refused_rows = s.refused.as_ref().map_or(1, |e| {
        let w = usize::from(width.saturating_sub(4)).max(1);
        (super::widgets::text_width(e) + 2).div_ceil(w).clamp(1, 4) as u16
    });
    let h = (s.fields.len() as u16 + err_lines + 3 + refused_rows + u16::from(!holders.is_empty()))
        .min(area.height);
    let r = centered(area, width, h);
    f.render_widget(Clear, r);
    let title = match &s.purpose {
        FormPurpose::Register(id) => format!(
            " {} {id} · {} ",
            app.cx.tr("Daftarkan pindaian", "Register scan"),
            trunc(&s.subtitle, 40)
        ),
        FormPurpose::KeluarNew => format!(
            " {} ",
            app.cx.tr("Draf berita keluar baru", "New outgoing draft")
        ),
    };
    let inner = super::widgets::boxed(f, r, title, th.get("border"));
    let mut y = inner.y;
    let label_w = 16u16;
    if !holders.is_empty() {
        let t = format!(
            "✎ {} {}",
            app.cx.tr("juga dibuka oleh", "also open by"),
            holders.join(", ")
        );
        f.render_widget(
            Paragraph::new(t).style(th.get("sla.soon")),
            Rect::new(inner.x, y, inner.width, 1),
        );
        y += 1;
    }
    for (i, fl) in s.fields.iter().enumerate() {
        if y >= inner.bottom().saturating_sub(1) {
            break;
        }
        let focused = i == s.focus;
        let label = if app.cx.en { fl.label_en } else { fl.label_id };
        let lstyle = if focused {
            th.get("form.focus")
        } else {
            th.get("form.label")
        };
        let mark = if focused { "›" } else { " " };
        f.render_widget(
            Paragraph::new(format!("{mark}{label:<w$}", w = label_w as usize - 1)).style(lstyle),
            Rect::new(inner.x, y, label_w, 1),
        );
        let saran = app.cx.tr(" (saran)", " (suggested)");
        let tail_w = if fl.suggested {
            saran.chars().count() as u16
        } else {
            0
        };
        let vr = Rect::new(
            inner.x + label_w + 1,
            y,
            inner.width.saturating_sub(label_w + 1 + tail_w),
            1,
        );
        let vstyle = if fl.suggested {
            th.get("form.suggested")
        } else {
            Style::default()
        };
        match fl.kind {
            Kind::Text | Kind::Date if focused => {
                let mut t = fl.text.clone();
                t.set_style(vstyle);
                t.set_cursor_line_style(Style::default());
                t.set_cursor_style(Style::default().add_modifier(Modifier::REVERSED));
                f.render_widget(&t, vr);
            }
            Kind::Text | Kind::Date => {
                f.render_widget(Paragraph::new(fl.text.lines().join(" ")).style(vstyle), vr);
            }
            Kind::Klasifikasi | Kind::Derajat | Kind::Toggle => {
                let opts = s.options(fl.kind);
                let v = opts.get(fl.choice).cloned().unwrap_or_default();
                let st = if focused {
                    vstyle.add_modifier(Modifier::BOLD)
                } else {
                    vstyle
                };
                f.render_widget(Paragraph::new(format!("‹ {v} ›")).style(st), vr);
            }
            Kind::Submit => {}
        }
        if fl.suggested {
            f.render_widget(
                Paragraph::new(saran).style(th.get("form.suggested")),
                Rect::new(vr.right(), y, tail_w, 1),
            );
        }
        y += 1;
        if let Some(e) = s.error_of(fl.name)
            && y < inner.bottom().saturating_sub(1)
        {
            f.render_widget(
                Paragraph::new(format!("{:w$}✗ {e}", "", w = label_w as usize + 1))
                    .style(th.get("form.error")),
                Rect::new(inner.x, y, inner.width, 1),
            );
            y += 1;
        }
    }
    let foot = if let Some(e) = &s.refused {
        Span::styled(format!("✗ {e}"), th.get("form.error"))
    } else {
        let k = |a: &str| app.cx.keymap.key_for(&["form"], a).unwrap_or_default();
        Span::styled(
            format!(
                "{} {} · {} {} · {} {} · ←/→ {}",
                k("form_next"),
                app.cx.tr("isian", "field"),
                k("submit"),
                app.cx.tr("simpan", "save"),
                k("back"),
                app.cx.tr("batal", "cancel"),
                app.cx.tr("pilih", "choose"),
            ),
            th.get("dim"),
        )
    };
    let rows = if s.refused.is_some() { refused_rows } else { 1 };
    f.render_widget(
        Paragraph::new(Line::from(foot)).wrap(ratatui::widgets::Wrap { trim: false }),
        Rect::new(
            inner.x,
            inner.bottom().saturating_sub(rows),
            inner.width,
            rows,
        ),
    );
}

fn draw_prompt(app: &App, p: &PromptState, f: &mut Frame, r: Rect) {
    let th = &app.cx.theme;
    f.render_widget(Clear, r);
    let label = match &p.kind {
        k @ (PromptKind::InsidenLog(_)
        | PromptKind::InsidenTick(_)
        | PromptKind::InsidenPlaybook(_)
        | PromptKind::InsidenClose(_)
        | PromptKind::InsidenSet(_)
        | PromptKind::InsidenKoreksi(_)
        | PromptKind::InsidenBukti(_)
        | PromptKind::InsidenSerahTerima(_)
        | PromptKind::InsidenBatal(_)
        | PromptKind::InsidenGabung(_)) => {
            super::insiden::prompt_label(&app.insiden, &app.cx, k).unwrap_or_default()
        }
        PromptKind::Command => ":".to_string(),
        PromptKind::Filter => "/".to_string(),
        PromptKind::Void(id) => app
            .cx
            .label(("alasan batal entri", "void reason for"), id, None),
        PromptKind::Note(id) => app.cx.label(("catatan entri", "note on"), id, None),
        PromptKind::DisposisiDone(id) => app.cx.label(
            ("hasil tindak lanjut disposisi", "result of disposisi"),
            format!("#{id}"),
            None,
        ),
        PromptKind::DisposisiReturn(id) => app.cx.label(
            (
                "alasan mengembalikan disposisi",
                "reason to return disposisi",
            ),
            format!("#{id}"),
            None,
        ),
        PromptKind::DisposisiCancel(id) => app.cx.label(
            ("alasan membatalkan disposisi", "reason to cancel disposisi"),
            format!("#{id}"),
            None,
        ),
        PromptKind::Duplicate(id) => app.cx.label(
            ("entri", "entry"),
            id,
            Some(("duplikat dari id", "duplicate of id")),
        ),
        PromptKind::Distribusi(id) => app.cx.label(
            ("distribusikan entri", "distribute entry"),
            id,
            Some((
                "ke (bagian_umum | kasi | opd NAMA | pimpinan)",
                "to (bagian_umum | kasi | opd NAME | pimpinan)",
            )),
        ),
        PromptKind::TandaTerima(id) => app.cx.label(
            ("tanda terima entri", "receipt for entry"),
            id,
            Some((
                "nomor distribusi dan nama penerima",
                "distribution number and name",
            )),
        ),
        PromptKind::Export(id) => app.cx.label(
            ("ekspor lampiran", "export attachment of"),
            id,
            Some(("ke", "to")),
        ),
        PromptKind::Unlock => format!(
            "{}: ",
            app.cx.tr(
                "Node terkunci — frasa sandi keystore (Esc lewati)",
                "Node locked — keystore passphrase (Esc skips)"
            )
        ),
        PromptKind::Seal(id) => app.cx.label(
            ("kirim kriptogram entri", "seal entry"),
            id,
            Some((
                "ke node (id, pisahkan koma)",
                "to nodes (ids, comma-separated)",
            )),
        ),
        PromptKind::Saluran(id) => app.cx.label(
            ("kirim entri", "send entry"),
            id,
            Some((
                "saluran [@waktu] [! tanpa bukti: alasan]",
                "saluran [@time] [! no proof: reason]",
            )),
        ),
        PromptKind::Tolak(id) => app.cx.label(
            ("kembalikan entri", "send back entry"),
            id,
            Some(("catatan", "note")),
        ),
        PromptKind::Attach(id) => app.cx.label(
            ("lampirkan ke entri", "attach to entry"),
            id,
            Some(("[jenis] path (Tab)", "[kind] path (Tab)")),
        ),
    };
    let lw = label.chars().count() as u16;
    f.render_widget(
        Paragraph::new(label).style(th.get("help.key")),
        Rect::new(r.x, r.y, lw.min(r.width), 1),
    );
    let err_w = p.error.as_ref().map_or(0, |e| e.chars().count() as u16 + 3);
    let ir = Rect::new(r.x + lw, r.y, r.width.saturating_sub(lw + err_w), 1);
    let mut t = p.input.clone();
    t.set_cursor_line_style(Style::default());
    f.render_widget(&t, ir);
    if let Some(e) = &p.error {
        f.render_widget(
            Paragraph::new(format!(" ✗ {e}")).style(th.get("form.error")),
            Rect::new(ir.right(), r.y, err_w, 1),
        );
    }
}

fn draw_confirm(app: &App, c: &ConfirmState, f: &mut Frame, area: Rect) {
    let w = 64u16.min(area.width);
    let text: Vec<Line> = c
        .message
        .lines()
        .map(|l| Line::from(l.to_string()))
        .collect();
    let body = super::widgets::wrap(text, w.saturating_sub(2) as usize);
    // The keys line is always shown: the message gets what is left.
    let room = area.height.saturating_sub(2 + 1 + 2) as usize;
    let body_h = body.len().min(room);
    let r = centered(area, w, body_h as u16 + 3);
    f.render_widget(Clear, r);
    let k = |a: &str| app.cx.keymap.key_for(&["confirm"], a).unwrap_or_default();
    let mut lines: Vec<Line> = body.into_iter().take(body_h).collect();
    lines.push(Line::from(Span::styled(
        format!(
            "[{}] {}   [{}] {}",
            k("yes"),
            app.cx.tr("ya", "yes"),
            k("no"),
            app.cx.tr("tidak", "no")
        ),
        app.cx.theme.get("help.key"),
    )));
    let p = Paragraph::new(lines).block(
        Block::default()
            .borders(Borders::ALL)
            .border_style(app.cx.theme.get("border"))
            .title(format!(" {} ", app.cx.tr("Konfirmasi", "Confirm"))),
    );
    f.render_widget(p, r);
}

/// Help lines for contexts (shared with tests).
pub fn help_lines(app: &App, ctxs: &[&str]) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut seen: Vec<Vec<super::keymap::Key>> = Vec::new();
    for c in ctxs {
        for b in app.cx.keymap.context(c) {
            if seen.contains(&b.keys) {
                continue;
            }
            seen.push(b.keys.clone());
            out.push((
                c.to_string(),
                seq_name(&b.keys),
                describe(&b.action, app.cx.en),
            ));
        }
    }
    out
}

fn draw_help(app: &App, h: &HelpState, f: &mut Frame, area: Rect) {
    let th = &app.cx.theme;
    let r = centered(area, 76, area.height.saturating_sub(2));
    f.render_widget(Clear, r);
    let mut lines = Vec::new();
    let mut last = String::new();
    for (ctx, keys, desc) in help_lines(app, &h.ctxs) {
        if ctx != last {
            lines.push(Line::from(Span::styled(
                format!("[{ctx}]"),
                th.get("table.header"),
            )));
            last = ctx;
        }
        lines.push(Line::from(vec![
            Span::styled(format!("  {keys:<16}"), th.get("help.key")),
            Span::raw(desc),
        ]));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.get("border"))
        .title(format!(" {} ", app.cx.tr("Bantuan tombol", "Key help")));
    // Long descriptions wrap; PgDn/PgUp page by the rows shown.
    h.view.draw(f, r, lines, Some(block));
}

/// The link line of one peer: up or down, queue, last seen, last error (`kasa peer status`).
fn link_line(app: &App, l: Option<&crate::proto::link::PeerLinkStatus>) -> Line<'static> {
    let th = &app.cx.theme;
    let Some(l) = l else {
        return Line::from(format!(
            "     {}: -",
            app.cx.tr("tautan langsung", "direct link")
        ));
    };
    let cal = &app.cx.node.calendar;
    let seen = l
        .last_seen
        .map_or("-".into(), |t| local(cal, t, "%d-%m %H:%M"));
    let mut spans = vec![
        Span::raw(format!("     {}: ", app.cx.tr("tautan", "link"))),
        if l.connected {
            Span::raw(app.cx.tr("● tersambung", "● connected").to_string())
        } else {
            Span::styled(
                app.cx.tr("○ terputus", "○ down").to_string(),
                th.get("sla.soon"),
            )
        },
        Span::raw(format!(
            " · {} {} · {} {seen}",
            app.cx.tr("antrean", "queued"),
            l.queued,
            app.cx.tr("terakhir", "last seen"),
        )),
    ];
    if let Some(e) = &l.last_error {
        spans.push(Span::styled(format!(" · {e}"), th.get("alarm")));
    }
    Line::from(spans)
}

fn draw_peers(app: &App, p: &super::app::PeersState, f: &mut Frame, area: Rect) {
    let th = &app.cx.theme;
    let r = centered(
        area,
        76,
        (p.peers.len() as u16 * 4 + 4).min(area.height.saturating_sub(2)),
    );
    f.render_widget(Clear, r);
    let mut lines = Vec::new();
    for (i, peer) in p.peers.iter().enumerate() {
        let mark = if peer.verified { "✓" } else { "?" };
        let head = format!(
            "{} {mark} {:<8} {} · {:?} · {}",
            if i == p.cursor.pos { "›" } else { " " },
            peer.node_id,
            peer.name,
            peer.relation,
            if peer.verified {
                app.cx.tr("terverifikasi", "verified")
            } else {
                app.cx.tr("BELUM diverifikasi", "NOT verified")
            }
        );
        let style = if i == p.cursor.pos {
            th.get("selection")
        } else if peer.verified {
            Style::default()
        } else {
            th.get("alarm")
        };
        lines.push(Line::from(Span::styled(head, style)));
        let groups: Vec<&str> = peer
            .safety_number
            .as_deref()
            .unwrap_or("-")
            .split_whitespace()
            .collect();
        let label = app.cx.tr("nomor keamanan", "safety number");
        for (n, chunk) in groups.chunks(6).enumerate() {
            lines.push(Line::from(format!(
                "   {:<15} {}",
                if n == 0 { label } else { "" },
                chunk.join(" ")
            )));
        }
        lines.push(link_line(
            app,
            p.link.iter().find(|l| l.node_id == peer.node_id),
        ));
    }
    let k = |a: &str| app.cx.keymap.key_for(&["peers"], a).unwrap_or_default();
    let title = format!(
        " {} · [{}] {} · [{}] {} ",
        app.cx.tr("Node mitra", "Peer nodes"),
        k("peer_verify"),
        app.cx.tr("verifikasi", "verify"),
        k("back"),
        app.cx.tr("tutup", "close")
    );
    let w = Paragraph::new(lines).block(
        Block::default()
            .borders(Borders::ALL)
            .border_style(th.get("border"))
            .title(title),
    );
    f.render_widget(w, r);
}
