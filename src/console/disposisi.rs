//! The Disposisi pane: tabs "untuk saya" (pending for me, overdue first, time left) and "dari saya"
//! (issued by me, with read/overdue state), the dispose form on a masuk entry, and the bell when a new
//! disposisi reaches me (the terminal driver writes BEL when [`DisposisiPane::bell`] is set).
//!
//! UI-free state and its drawing: [`DisposisiPane`] implements [`super::pane::PaneState`].

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::action::{Action, Pane};
use super::ctx::Ctx;
use super::effect::{Effect, Purpose};
use super::layer::{Layer, PromptKind};
use crate::domain::disposisi::{Arahan, Disposisi, DisposisiInput, format_left};
use crate::domain::{Entry, Operator};
use crate::proto::Reply;
use crate::proto::Request;
use crate::proto::disposisi::DisposisiReply;
use crate::proto::disposisi::{DisposisiRequest, Lingkup};

/// Which list the pane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    UntukSaya,
    DariSaya,
}

/// The column heads of the two tables (Indonesian, English), indexed by [`Tab`].
const HEAD: [(&str, &str); 2] = [
    (
        "    #  Entri  Dari                  Instruksi                 Sisa waktu        Perihal",
        "    #  Entry  From                  Instruction               Time left         Subject",
    ),
    (
        "    #  Entri  Kepada                Keadaan      Batas waktu               Perihal",
        "    #  Entry  To                    State        Deadline                  Subject",
    ),
];

/// State of the Disposisi pane.
#[derive(Debug, Clone, Default)]
pub struct DisposisiPane {
    pub tab: Tab,
    /// Pending for me, overdue first (as the node sorts them).
    pub untuk: Vec<Disposisi>,
    /// Issued by me, newest first.
    pub dari: Vec<Disposisi>,
    pub cursor: super::widgets::Cursor,
    /// Ids pending for me already seen; `None` until the first list arrived (no bell at start).
    pub known: Option<Vec<u64>>,
    /// Ring the terminal bell at the next draw (the driver clears it).
    pub bell: bool,
    /// The perihal of the records' entries (sent with the lists by the node).
    pub perihal: std::collections::BTreeMap<u64, String>,
    /// Operators (for the recipient choice of the form).
    pub operators: Vec<Operator>,
}

impl DisposisiPane {
    /// The records of the current tab.
    pub fn rows(&self) -> &[Disposisi] {
        match self.tab {
            Tab::UntukSaya => &self.untuk,
            Tab::DariSaya => &self.dari,
        }
    }

    /// The selected record.
    pub fn selected(&self) -> Option<&Disposisi> {
        self.rows().get(self.cursor.pos)
    }

    /// Moves the cursor by `d` rows (clamped; the draw keeps it on screen).
    pub fn move_by(&mut self, d: isize) {
        let n = self.rows().len();
        self.cursor.move_by(d, n, usize::MAX / 2);
    }

    /// A new "untuk saya" list. Returns the records new since the last list (none at the first list).
    pub fn set_untuk(&mut self, records: Vec<Disposisi>) -> Vec<Disposisi> {
        let fresh: Vec<Disposisi> = match &self.known {
            None => Vec::new(),
            Some(k) => records
                .iter()
                .filter(|d| !k.contains(&d.id))
                .cloned()
                .collect(),
        };
        let mut known = self.known.take().unwrap_or_default();
        known.extend(records.iter().map(|d| d.id));
        known.sort_unstable();
        known.dedup();
        self.known = Some(known);
        self.untuk = records;
        self.move_by(0);
        if !fresh.is_empty() {
            self.bell = true;
        }
        fresh
    }

    /// A new "dari saya" list.
    pub fn set_dari(&mut self, records: Vec<Disposisi>) {
        self.dari = records;
        self.move_by(0);
    }
}

/// The requests that load both lists and the operator list.
pub fn list_calls() -> Vec<(Request, Lingkup)> {
    vec![
        (
            Request::Disposisi(DisposisiRequest::List {
                lingkup: Lingkup::UntukSaya,
            }),
            Lingkup::UntukSaya,
        ),
        (
            Request::Disposisi(DisposisiRequest::List {
                lingkup: Lingkup::DariSaya,
            }),
            Lingkup::DariSaya,
        ),
    ]
}

/// The dispose form: recipient choice, instruksi checklist, catatan, batas waktu.
#[derive(Debug, Clone)]
pub struct DisposeForm {
    pub entry_id: u64,
    pub perihal: String,
    /// `Some(id)` when forwarding disposisi `id` (re-disposisi), else a new disposisi on the entry.
    pub forward_of: Option<u64>,
    pub saran: Option<Arahan>,
    /// Recipient candidates (operators below me in the chain), and the chosen index.
    pub candidates: Vec<Operator>,
    pub recipient: usize,
    pub instruksi: Vec<(String, bool)>,
    pub catatan: String,
    /// Empty = default from the derajat kecepatan; else `YYYY-MM-DD HH:MM` in the node's zone.
    pub batas: String,
    /// Focus: 0 recipient, 1..=n instruksi, n+1 catatan, n+2 batas, n+3 submit.
    pub focus: usize,
    pub error: Option<String>,
}

impl DisposeForm {
    /// A form for entry `e` with the instruksi list and candidates (operators strictly below `me` in
    /// the node's hierarchy `hierarki`).
    pub fn new(
        e: &Entry,
        instruksi: &[String],
        saran: Option<Arahan>,
        me: Option<&Operator>,
        operators: &[Operator],
        forward_of: Option<u64>,
        hierarki: &[crate::domain::Role],
    ) -> DisposeForm {
        // The chain comes from the node's rules (`disposisi.toml`), never a role order of our own.
        let candidates = me.map_or_else(Vec::new, |m| {
            crate::domain::disposisi::candidates(hierarki, m, operators)
        });
        DisposeForm {
            entry_id: e.id,
            perihal: e.perihal.clone(),
            forward_of,
            saran,
            candidates,
            recipient: 0,
            instruksi: instruksi.iter().map(|i| (i.clone(), false)).collect(),
            catatan: String::new(),
            batas: String::new(),
            focus: 0,
            error: None,
        }
    }

    fn n(&self) -> usize {
        self.instruksi.len()
    }

    /// Moves the focus by `d` fields (wrapping).
    pub fn next(&mut self, d: isize) {
        let total = self.n() + 4;
        self.focus = ((self.focus as isize + d).rem_euclid(total as isize)) as usize;
    }

    /// Space/←/→: the next recipient, or toggle the focused instruksi.
    pub fn cycle(&mut self, d: isize) {
        if self.focus == 0 && !self.candidates.is_empty() {
            let n = self.candidates.len() as isize;
            self.recipient = ((self.recipient as isize + d).rem_euclid(n)) as usize;
        } else if (1..=self.n()).contains(&self.focus) {
            let i = self.focus - 1;
            self.instruksi[i].1 = !self.instruksi[i].1;
        }
    }

    /// True when the focus is on a text field (catatan, batas).
    pub fn text_focus(&self) -> bool {
        self.focus == self.n() + 1 || self.focus == self.n() + 2
    }

    /// True when the focus is on the submit button.
    pub fn submit_focus(&self) -> bool {
        self.focus == self.n() + 3
    }

    /// Typing into the focused text field. Returns whether it changed.
    pub fn input(&mut self, ev: KeyEvent) -> bool {
        let field = if self.focus == self.n() + 1 {
            &mut self.catatan
        } else if self.focus == self.n() + 2 {
            &mut self.batas
        } else {
            return false;
        };
        match ev.code {
            KeyCode::Char(c) if !ev.modifiers.contains(KeyModifiers::CONTROL) => {
                if field.chars().count() < 2000 {
                    field.push(c);
                }
                true
            }
            KeyCode::Backspace => field.pop().is_some(),
            _ => false,
        }
    }

    /// Clears the focused text field.
    pub fn clear_field(&mut self) {
        if self.focus == self.n() + 1 {
            self.catatan.clear();
        } else if self.focus == self.n() + 2 {
            self.batas.clear();
        }
    }

    /// The request this form submits, or the problem (shown in the form).
    pub fn request(&self, zone: &jiff::tz::TimeZone) -> Result<Request, String> {
        let Some(to) = self.candidates.get(self.recipient) else {
            return Err("tidak ada penerima di bawah Anda dalam rantai disposisi".into());
        };
        let instruksi: Vec<String> = self
            .instruksi
            .iter()
            .filter(|(_, on)| *on)
            .map(|(i, _)| i.clone())
            .collect();
        if instruksi.is_empty() {
            return Err("centang sedikitnya satu instruksi (spasi)".into());
        }
        let batas_waktu = if self.batas.trim().is_empty() {
            None
        } else {
            let s = self.batas.trim().replace(' ', "T");
            let dt = s.parse::<jiff::civil::DateTime>().map_err(|_| {
                format!(
                    "batas waktu '{}' tidak terbaca: tulis YYYY-MM-DD HH:MM atau kosongkan",
                    self.batas
                )
            })?;
            Some(
                dt.to_zoned(zone.clone())
                    .map_err(|e| e.to_string())?
                    .timestamp(),
            )
        };
        let input = DisposisiInput {
            kepada: vec![to.uid],
            kepada_peran: None,
            instruksi,
            catatan: self.catatan.trim().to_string(),
            batas_waktu,
        };
        Ok(Request::Disposisi(match self.forward_of {
            Some(id) => DisposisiRequest::Forward {
                id,
                input,
                note: String::new(),
            },
            None => DisposisiRequest::New {
                entry: self.entry_id,
                input,
            },
        }))
    }
}

fn zone_label(cx: &Ctx) -> String {
    cx.node.calendar.zone_label()
}

impl super::pane::PaneState for DisposisiPane {
    /// The pane's own actions, while it is shown with no overlay: switch list (`tab`), mark read,
    /// done (asks the result), forward the selected disposisi (`D`, SOP 004 langkah 3–6).
    fn update(&mut self, cx: &mut Ctx, a: &Action) -> Option<Vec<Effect>> {
        if cx.pane != Pane::Disposisi || !cx.layers.is_empty() {
            return None;
        }
        let needs_selection = matches!(
            a,
            Action::Dispose | Action::DisposisiRead | Action::DisposisiDone(_)
        );
        let selected = self.selected().cloned();
        if needs_selection && selected.is_none() {
            cx.error(cx.tr("tidak ada disposisi terpilih", "no disposisi selected"));
            return Some(Vec::new());
        }
        Some(match (a, selected) {
            (Action::DisposisiTab, _) => {
                self.tab = match self.tab {
                    Tab::UntukSaya => Tab::DariSaya,
                    Tab::DariSaya => Tab::UntukSaya,
                };
                self.cursor = Default::default();
                list_effects()
            }
            (Action::Dispose, Some(d)) => vec![Effect::Call(
                Request::Disposisi(DisposisiRequest::Entry { entry: d.entry_id }),
                Purpose::DisposeForm(d.entry_id, Some(d.id)),
            )],
            (Action::DisposisiRead, Some(d)) => vec![Effect::Call(
                Request::Disposisi(DisposisiRequest::Read { id: d.id }),
                Purpose::Done(format!("disposisi #{} dibaca", d.id)),
            )],
            (Action::DisposisiDone(None), Some(d)) => {
                cx.prompt(PromptKind::DisposisiDone(d.id), "");
                Vec::new()
            }
            (Action::DisposisiDone(Some(note)), Some(d)) => vec![Effect::Call(
                Request::Disposisi(DisposisiRequest::Done {
                    id: d.id,
                    note: note.clone(),
                }),
                Purpose::Done(format!("disposisi #{} selesai", d.id)),
            )],
            _ => return None,
        })
    }

    /// The lists, the operator list (recipient choices) and the chain that opens the dispose form.
    fn on_reply(&mut self, cx: &mut Ctx, purpose: &Purpose, r: &Reply) -> Option<Vec<Effect>> {
        match (purpose, r) {
            (
                Purpose::DisposisiList(l),
                Reply::Disposisi(DisposisiReply::Records {
                    records,
                    now,
                    perihal,
                    ..
                }),
            ) => {
                self.perihal.extend(perihal.iter().cloned());
                match l {
                    Lingkup::DariSaya => self.set_dari(records.clone()),
                    _ => {
                        let fresh = self.set_untuk(records.clone());
                        if let Some(d) = fresh.first() {
                            cx.info(announce(d, *now));
                        }
                    }
                }
                Some(Vec::new())
            }
            (Purpose::Operators, Reply::Operators { operators }) => {
                self.operators = operators.clone();
                Some(Vec::new())
            }
            (
                Purpose::DisposeForm(_, fwd),
                Reply::Disposisi(DisposisiReply::Chain {
                    entry,
                    instruksi,
                    saran,
                    hierarki,
                    ..
                }),
            ) => {
                let form = DisposeForm::new(
                    entry,
                    instruksi,
                    saran.clone(),
                    cx.operator.as_ref(),
                    &self.operators,
                    *fwd,
                    hierarki,
                );
                cx.layers.push(Layer::Dispose(Box::new(form)));
                Some(Vec::new())
            }
            _ => None,
        }
    }

    fn draw(&self, cx: &Ctx, f: &mut Frame, r: Rect) {
        draw_pane(self, cx, f, r)
    }

    fn count(&self) -> usize {
        self.untuk.len()
    }

    fn refresh(&self, _cx: &Ctx) -> Vec<Effect> {
        list_effects()
    }
}

/// The requests that reload both lists of the pane.
pub fn list_effects() -> Vec<Effect> {
    list_calls()
        .into_iter()
        .map(|(r, l)| Effect::Call(r, Purpose::DisposisiList(l)))
        .collect()
}

/// Draws the pane's list in `r`.
fn draw_pane(p: &DisposisiPane, cx: &Ctx, f: &mut Frame, r: Rect) {
    let th = &cx.theme;
    let tz = cx.node.calendar.zone.clone();
    let label = zone_label(cx);
    let mut lines = Vec::new();
    let tab = |t: Tab, id: &str, en: &str| {
        let name = format!(
            "{} ({})",
            cx.tr(id, en),
            match t {
                Tab::UntukSaya => p.untuk.len(),
                Tab::DariSaya => p.dari.len(),
            }
        );
        if p.tab == t {
            Span::styled(format!("[{name}]"), th.get("tabs.active"))
        } else {
            Span::styled(format!(" {name} "), th.get("dim"))
        }
    };
    lines.push(Line::from(vec![
        Span::raw(" "),
        tab(Tab::UntukSaya, "untuk saya", "for me"),
        Span::raw("  "),
        tab(Tab::DariSaya, "dari saya", "from me"),
    ]));
    let (id, en) = HEAD[p.tab as usize];
    lines.push(heading(th, cx.tr(id, en)));
    let rows = p.rows();
    if rows.is_empty() {
        lines.push(Line::from(Span::styled(
            cx.tr("  (tidak ada disposisi)", "  (no disposisi)")
                .to_string(),
            th.get("dim"),
        )));
    }
    let room = (r.height as usize).saturating_sub(2);
    let start = p.cursor.offset_for(room);
    for (i, d) in rows.iter().enumerate().skip(start).take(room) {
        let over = d.is_overdue(cx.now);
        let perihal = p
            .perihal
            .get(&d.entry_id)
            .map_or(String::new(), |t| format!("  {t}"));
        let sel = if i == p.cursor.pos { "›" } else { " " };
        let text = match p.tab {
            Tab::UntukSaya => format!(
                "{sel}{:>4}  {:<5}  {:<20}  {:<24}  {:<12}{}{perihal}",
                d.id,
                d.entry_id,
                cut(&d.dari.nama, 20),
                cut(&d.instruksi.join(", "), 24),
                format_left(d.time_left(cx.now)),
                if d.read_at.is_none() {
                    " •baru"
                } else {
                    "      "
                }
            ),
            Tab::DariSaya => format!(
                "{sel}{:>4}  {:<5}  {:<20}  {:<11}  {}{:<15}{perihal}",
                d.id,
                d.entry_id,
                cut(&d.kepada.nama, 20),
                d.keadaan.as_str(),
                d.batas_waktu.to_zoned(tz.clone()).strftime("%d-%m %H:%M"),
                if over {
                    format!(" {label} TERLAMBAT")
                } else {
                    format!(" {label}")
                }
            ),
        };
        let mut style = if over {
            th.get("sla.overdue")
        } else {
            th.get("base")
        };
        if i == p.cursor.pos {
            style = th.get("selection");
        }
        lines.push(Line::from(Span::styled(text, style)));
    }
    f.render_widget(Paragraph::new(lines), r);
}

use super::widgets::{heading, trunc as cut};

/// Draws the dispose form over `area`.
pub fn draw_form(cx: &Ctx, s: &DisposeForm, f: &mut Frame, area: Rect) {
    let th = &cx.theme;
    let h = (s.instruksi.len() as u16 + 10).min(area.height);
    let w = area.width.min(90).saturating_sub(2);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    f.render_widget(Clear, r);
    let title = match s.forward_of {
        Some(id) => format!(
            " {} #{id} · {} ",
            cx.tr("Teruskan disposisi", "Forward disposisi"),
            cut(&s.perihal, 40)
        ),
        None => format!(
            " {} {} · {} ",
            cx.tr("Disposisi entri", "Dispose entry"),
            s.entry_id,
            cut(&s.perihal, 40)
        ),
    };
    let inner = super::widgets::boxed(f, r, title, th.get("border"));
    let mark = |i: usize| if s.focus == i { "›" } else { " " };
    let lstyle = |i: usize| {
        if s.focus == i {
            th.get("form.focus")
        } else {
            th.get("form.label")
        }
    };
    let mut lines = Vec::new();
    let who = s.candidates.get(s.recipient).map_or("-".to_string(), |o| {
        format!("◂ {} ({}) ▸", o.nama, o.role.as_str())
    });
    lines.push(Line::from(vec![
        Span::styled(
            format!("{}{:<14}", mark(0), cx.tr("Kepada", "To")),
            lstyle(0),
        ),
        Span::raw(who),
    ]));
    if let Some(sr) = &s.saran {
        lines.push(Line::from(Span::styled(
            format!("  {} {}", cx.tr("saran:", "suggested:"), sr.ke),
            th.get("form.suggested"),
        )));
    }
    for (k, (name, on)) in s.instruksi.iter().enumerate() {
        let i = k + 1;
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "{}{:<14}",
                    mark(i),
                    if k == 0 {
                        cx.tr("Instruksi", "Instruction")
                    } else {
                        ""
                    }
                ),
                lstyle(i),
            ),
            Span::raw(format!("[{}] {name}", if *on { "x" } else { " " })),
        ]));
    }
    let n = s.instruksi.len();
    lines.push(Line::from(vec![
        Span::styled(
            format!("{}{:<14}", mark(n + 1), cx.tr("Catatan", "Note")),
            lstyle(n + 1),
        ),
        Span::raw(s.catatan.clone()),
    ]));
    lines.push(Line::from(vec![
        Span::styled(
            format!("{}{:<14}", mark(n + 2), cx.tr("Batas waktu", "Deadline")),
            lstyle(n + 2),
        ),
        Span::raw(if s.batas.is_empty() && s.focus != n + 2 {
            cx.tr("(dari derajat kecepatan)", "(from the derajat)")
                .to_string()
        } else {
            s.batas.clone()
        }),
    ]));
    lines.push(Line::from(Span::styled(
        format!("{}[ {} ]", mark(n + 3), cx.tr("Kirim disposisi", "Send")),
        lstyle(n + 3),
    )));
    if let Some(e) = &s.error {
        lines.push(Line::from(Span::styled(e.clone(), th.get("form.error"))));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// One-line summary of a new disposisi for the status line.
pub fn announce(d: &Disposisi, now: Timestamp) -> String {
    format!(
        "Disposisi baru #{} dari {}: {} (sisa {})",
        d.id,
        d.dari.nama,
        d.instruksi.join(", "),
        format_left(d.time_left(now))
    )
}

/// The chain as tree lines for the entry detail: `└ #id dari → kepada [keadaan] batas …`.
pub fn tree_lines(cx: &Ctx, chain: &[Disposisi]) -> Vec<Line<'static>> {
    let tz = cx.node.calendar.zone.clone();
    crate::domain::disposisi::chain_tree(chain)
        .into_iter()
        .map(|(depth, d)| {
            let style = if d.is_overdue(cx.now) {
                cx.theme.get("sla.overdue")
            } else {
                cx.theme.get("base")
            };
            Line::from(Span::styled(
                format!(
                    "{}└ #{} {} → {} [{}] {} · batas {}",
                    "  ".repeat(depth),
                    d.id,
                    d.dari.nama,
                    d.kepada.nama,
                    d.keadaan.as_str(),
                    d.instruksi.join(", "),
                    d.batas_waktu.to_zoned(tz.clone()).strftime("%d-%m %H:%M")
                ),
                style,
            ))
        })
        .collect()
}
