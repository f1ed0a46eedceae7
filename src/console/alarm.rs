//! The alarm view: every open alarm of the node (SLA breaches of incidents, late flow steps, repair
//! steps past their norm, refused files, integrity…), newest first, reachable from every pane (`W`,
//! action `alarms`). Enter or `a` acknowledges the alarm under the cursor; the node decides who may
//! (permission `alarm.akui`: Kasi and admin, PI.03 escalation) and records who did.
//!
//! State and actions here; drawing takes `&Ctx` like the other overlays.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::action::Action;
use super::ctx::Ctx;
use super::effect::{Effect, Purpose};
use super::layer::Layer;
use crate::proto::{Reply, Request};
use crate::store::Alarm;

/// The alarm overlay: the open alarms and the cursor.
#[derive(Debug, Clone, Default)]
pub struct AlarmView {
    pub alarms: Vec<Alarm>,
    pub cursor: super::widgets::Cursor,
}

fn load() -> Effect {
    Effect::Call(Request::Alarms { all: false }, Purpose::Alarms)
}

/// Handles the alarm actions. `None`: not an alarm matter.
pub fn update(cx: &mut Ctx, a: &Action) -> Option<Vec<Effect>> {
    Some(match a {
        Action::Alarms => {
            if matches!(cx.layers.last(), Some(Layer::Alarms(_))) {
                cx.layers.pop();
                return Some(Vec::new());
            }
            vec![load()]
        }
        Action::AlarmAck => {
            let Some(Layer::Alarms(v)) = cx.layers.last() else {
                return None;
            };
            match v.alarms.get(v.cursor.pos) {
                Some(al) => vec![Effect::Call(
                    Request::AlarmAck { id: al.id },
                    Purpose::AlarmAcked(al.id),
                )],
                None => Vec::new(),
            }
        }
        a if matches!(cx.layers.last(), Some(Layer::Alarms(_))) && a.motion(1).is_some() => {
            let page = cx.page();
            if let Some(Layer::Alarms(v)) = cx.layers.last_mut() {
                let d = a.motion(page as isize).unwrap_or(0);
                v.cursor.move_by(d, v.alarms.len(), page);
            }
            Vec::new()
        }
        _ => return None,
    })
}

/// Replies for the alarm purposes: the list opens (or refreshes) the overlay; an acknowledgement
/// reloads it. `None`: not an alarm reply.
pub fn on_reply(cx: &mut Ctx, purpose: &Purpose, r: &Reply) -> Option<Vec<Effect>> {
    match (purpose, r) {
        (Purpose::Alarms, Reply::Alarms { alarms }) => {
            let open: Vec<Alarm> = alarms
                .iter()
                .filter(|a| a.acked_by.is_none())
                .cloned()
                .collect();
            cx.alarms_open = open.len() as u64;
            match cx.layers.iter_mut().find_map(|l| match l {
                Layer::Alarms(v) => Some(v),
                _ => None,
            }) {
                Some(v) => {
                    let keep = v.alarms.get(v.cursor.pos).map(|a| a.id);
                    v.alarms = open;
                    v.cursor.pos = keep
                        .and_then(|id| v.alarms.iter().position(|a| a.id == id))
                        .unwrap_or(v.cursor.pos)
                        .min(v.alarms.len().saturating_sub(1));
                }
                None => cx.layers.push(Layer::Alarms(AlarmView {
                    alarms: open,
                    cursor: Default::default(),
                })),
            }
            Some(Vec::new())
        }
        (Purpose::AlarmAcked(id), Reply::Ok) => {
            cx.info(if cx.en {
                format!("alarm {id} acknowledged")
            } else {
                format!("alarm {id} diakui")
            });
            Some(vec![load()])
        }
        _ => None,
    }
}

/// The requests that reload an open alarm view (after a change pushed by the node).
pub fn refresh(cx: &Ctx) -> Vec<Effect> {
    if cx.layers.iter().any(|l| matches!(l, Layer::Alarms(_))) {
        vec![load()]
    } else {
        Vec::new()
    }
}

/// Draws the overlay: one block per alarm (time in the node's zone, kind, object, message wrapped).
pub fn draw(cx: &Ctx, v: &AlarmView, f: &mut Frame, area: Rect) {
    let th = &cx.theme;
    let w = area.width.saturating_sub(4).clamp(20, 100);
    // As tall as the alarms need (two rows each, more when a message wraps), at most the screen.
    let wanted = (v.alarms.len().max(1) * 2 + 3) as u16;
    let h = wanted.min(area.height.saturating_sub(2)).max(5);
    let r = super::widgets::centered(area, w, h);
    f.render_widget(Clear, r);
    let k = |a: &str| cx.keymap.key_for(&["alarm"], a).unwrap_or_default();
    let title = format!(
        " {} ({}) · [{}] {} · [{}] {} ",
        cx.tr("Alarm terbuka", "Open alarms"),
        v.alarms.len(),
        k("alarm_ack"),
        cx.tr("akui", "acknowledge"),
        k("back"),
        cx.tr("tutup", "close")
    );
    let mut lines: Vec<Line> = Vec::new();
    if v.alarms.is_empty() {
        lines.push(Line::from(Span::styled(
            cx.tr("Tidak ada alarm terbuka.", "No open alarms."),
            th.get("dim"),
        )));
    }
    for (i, a) in v.alarms.iter().enumerate() {
        let sel = i == v.cursor.pos;
        let head = format!(
            "{} {} · {} · {}",
            if sel { "›" } else { " " },
            crate::domain::waktu::dalam(a.at, &cx.node.calendar.zone, "%d-%m %H:%M"),
            a.kind,
            a.object
        );
        lines.push(Line::from(Span::styled(
            head,
            if sel {
                th.get("selection")
            } else {
                th.get("alarm")
            },
        )));
        lines.push(Line::from(Span::styled(
            format!("  {}", a.message),
            Style::default(),
        )));
    }
    // Keep the selected alarm on screen: two or more rows per alarm, scroll by its first row.
    let inner_h = r.height.saturating_sub(2) as usize;
    let first_row: usize = v.alarms.iter().take(v.cursor.pos).count() * 2;
    let scroll = first_row.saturating_sub(inner_h.saturating_sub(4)) as u16;
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0))
            .block(Block::default().borders(Borders::ALL).title(title)),
        r,
    );
}
