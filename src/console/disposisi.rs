//! The Disposisi pane: tabs "untuk saya" (pending for me, overdue first, time left; forwarded ones
//! whose work is done below, to close) and "dari saya" (issued by me, with their state), each row the
//! nomor agenda as the Masuk book shows it, the perihal, who and the time left or state, fitted to the
//! terminal's width (80 columns at least). Enter opens the detail ([`DisposisiDetail`]: the entry, the
//! whole chain with every step, catatan and result; opening marks it read); from the list or the detail:
//! finish (`s`; one key on a disposisi done below), forward (`f`, the dispose form), return (`K`),
//! cancel (`x`), print the lembar disposisi (`p`). The bell rings when a new disposisi reaches me and
//! when one I issued is done below (the terminal driver writes BEL when [`DisposisiPane::bell`] is
//! set). The dispose form is saved as a node draft on every change and offered back at the next start.
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
use crate::domain::disposisi::{Arahan, Batas, Disposisi, DisposisiInput, format_left};
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

/// The column heads of the two tables `(nomor, perihal, who, state)` in (Indonesian, English),
/// indexed by [`Tab`].
const HEAD: [[(&str, &str); 4]; 2] = [
    [
        ("No.agenda", "Agenda no"),
        ("Perihal", "Subject"),
        ("Dari", "From"),
        ("Sisa waktu", "Time left"),
    ],
    [
        ("No.agenda", "Agenda no"),
        ("Perihal", "Subject"),
        ("Kepada", "To"),
        ("Keadaan", "State"),
    ],
];

/// Widths of the list columns for a terminal `width` cells wide: `(perihal, who, state)`; the nomor
/// column is 9 and the row is `1 + 9 + 1 + perihal + 1 + who + 1 + state` ≤ `width` (≥ 40).
pub fn column_widths(width: u16) -> (usize, usize, usize) {
    let w = width.max(40) as usize;
    let state = 16;
    let who = if w >= 100 {
        24
    } else if w >= 70 {
        18
    } else {
        10
    };
    let perihal = w.saturating_sub(13 + who + state).max(4);
    (perihal, who, state)
}

fn pad(s: &str, n: usize) -> String {
    let t = cut(s, n);
    let w = super::widgets::text_width(&t);
    format!("{t}{}", " ".repeat(n.saturating_sub(w)))
}

/// The detail of one disposisi: the chain of its entry as the node sent it (what this operator may
/// see), drawn as the entry's data, the selected record and the tree with every step.
#[derive(Debug, Clone)]
pub struct DisposisiDetail {
    /// The disposisi opened.
    pub id: u64,
    pub entry: Option<Box<Entry>>,
    pub records: Vec<Disposisi>,
    /// Scroll in wrapped screen rows.
    pub view: super::widgets::TextView,
}

/// A dispose form kept as a node draft (key `disposisi:ENTRY` or `disposisi:ENTRY:PARENT`): what was
/// typed, so a dropped SSH connection loses nothing.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct DisposeDraft {
    pub entry_id: u64,
    #[serde(default)]
    pub forward_of: Option<u64>,
    /// The chosen recipient's uid.
    #[serde(default)]
    pub kepada: Option<u32>,
    /// The instruksi ticked.
    #[serde(default)]
    pub instruksi: Vec<String>,
    #[serde(default)]
    pub catatan: String,
    #[serde(default)]
    pub batas: String,
}

impl DisposeDraft {
    /// The node draft key of a dispose form on `entry_id` (forwarding `forward_of`).
    pub fn key(entry_id: u64, forward_of: Option<u64>) -> String {
        match forward_of {
            Some(p) => format!("disposisi:{entry_id}:{p}"),
            None => format!("disposisi:{entry_id}"),
        }
    }

    /// `(entry, forwarding)` of a draft key, `None` for another kind of key.
    pub fn parse_key(key: &str) -> Option<(u64, Option<u64>)> {
        let rest = key.strip_prefix("disposisi:")?;
        let mut it = rest.split(':');
        let e = it.next()?.parse().ok()?;
        let p = match it.next() {
            Some(x) => Some(x.parse().ok()?),
            None => None,
        };
        Some((e, p))
    }
}

/// A chain fetched for printing `(entry, records, instruksi, zone label)`, waiting for the letterhead.
pub type PrintJob = (Box<Entry>, Vec<Disposisi>, Vec<String>, String);

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
    /// The nomor agenda of the records' entries (`12/2026`), sent with the lists by the node.
    pub nomor: std::collections::BTreeMap<u64, String>,
    /// Ids of listed records done below (`selesai di bawah`), as the node computed them.
    pub tuntas: Vec<u64>,
    /// Ids of records I issued already seen done below; `None` until the first list (no bell at start).
    pub tuntas_known: Option<Vec<u64>>,
    /// Operators (for the recipient choice of the form).
    pub operators: Vec<Operator>,
    /// A dispose form draft being resumed: applied when its form opens.
    pub resume: Option<DisposeDraft>,
    /// The chain fetched for printing `(entry, records, instruksi, zone)`, waiting for the letterhead.
    pub print: Option<PrintJob>,
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

    /// A new "dari saya" list with the ids done below among them. Returns the records that became
    /// done below since the last list (none at the first list) and rings the bell for them.
    pub fn set_dari(&mut self, records: Vec<Disposisi>, tuntas: &[u64]) -> Vec<Disposisi> {
        let fresh: Vec<Disposisi> = match &self.tuntas_known {
            None => Vec::new(),
            Some(k) => records
                .iter()
                .filter(|d| tuntas.contains(&d.id) && !k.contains(&d.id))
                .cloned()
                .collect(),
        };
        let mut known = self.tuntas_known.take().unwrap_or_default();
        known.extend(tuntas.iter().copied());
        known.sort_unstable();
        known.dedup();
        self.tuntas_known = Some(known);
        self.dari = records;
        self.move_by(0);
        if !fresh.is_empty() {
            self.bell = true;
        }
        fresh
    }

    /// True when the node reported record `id` done below.
    pub fn is_tuntas(&self, id: u64) -> bool {
        self.tuntas.contains(&id)
    }

    /// The record the pane's actions apply to: the open detail's, else the list's selection.
    fn target(&self, cx: &Ctx) -> Option<Disposisi> {
        match cx.layers.last() {
            Some(Layer::DisposisiDetail(d)) => d
                .records
                .iter()
                .find(|r| r.id == d.id)
                .cloned()
                .or_else(|| self.rows().iter().find(|r| r.id == d.id).cloned()),
            _ => self.selected().cloned(),
        }
    }

    /// Reopens a dispose form from its draft: asks the node for the entry's chain (the form opens
    /// with the draft applied).
    pub fn resume_draft(&mut self, data: &str) -> Vec<Effect> {
        match serde_json::from_str::<DisposeDraft>(data) {
            Ok(d) => {
                let (e, f) = (d.entry_id, d.forward_of);
                self.resume = Some(d);
                vec![Effect::Call(
                    Request::Disposisi(DisposisiRequest::Entry { entry: e }),
                    Purpose::DisposeResume(e, f),
                )]
            }
            Err(_) => Vec::new(),
        }
    }
}

/// The request that (re)loads the detail of disposisi `id` (marks it read when it is mine and unread).
pub fn detail_call(id: u64) -> Effect {
    Effect::Call(
        Request::Disposisi(DisposisiRequest::Open { id }),
        Purpose::DisposisiDetail(id),
    )
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
    /// Empty = default from the derajat kecepatan; else `YYYY-MM-DD` (end of that working day, the
    /// node resolves it) or `YYYY-MM-DD HH:MM` in the node's zone ([`Batas::parse`]).
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
            // Clears the field, as Ctrl-U clears a shell prompt (`widgets::edit`).
            KeyCode::Char('u') if ev.modifiers == KeyModifiers::CONTROL => {
                let had = !field.is_empty();
                field.clear();
                had
            }
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

    /// The node draft key of this form.
    pub fn draft_key(&self) -> String {
        DisposeDraft::key(self.entry_id, self.forward_of)
    }

    /// What the form holds, as its draft.
    pub fn draft(&self) -> DisposeDraft {
        DisposeDraft {
            entry_id: self.entry_id,
            forward_of: self.forward_of,
            kepada: self.candidates.get(self.recipient).map(|o| o.uid),
            instruksi: self
                .instruksi
                .iter()
                .filter(|(_, on)| *on)
                .map(|(i, _)| i.clone())
                .collect(),
            catatan: self.catatan.clone(),
            batas: self.batas.clone(),
        }
    }

    /// Fills the form from a draft (a recipient or instruksi no longer offered is left out).
    pub fn apply_draft(&mut self, d: &DisposeDraft) {
        if let Some(i) = d
            .kepada
            .and_then(|u| self.candidates.iter().position(|o| o.uid == u))
        {
            self.recipient = i;
        }
        for (name, on) in &mut self.instruksi {
            *on = d.instruksi.contains(name);
        }
        self.catatan = d.catatan.clone();
        self.batas = d.batas.clone();
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
        let mut input = DisposisiInput {
            kepada: vec![to.uid],
            kepada_peran: None,
            instruksi,
            catatan: self.catatan.trim().to_string(),
            batas_waktu: None,
            batas_tanggal: None,
        };
        if !self.batas.trim().is_empty() {
            // A date only stays a date: the node makes it the end of that working day.
            Batas::parse(&self.batas, zone)?.apply(&mut input);
        }
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

impl super::pane::PaneState for DisposisiPane {
    /// The pane's own actions, while it is shown with no overlay or with its detail on top: switch
    /// list (`tab`), open the detail, mark read, finish (asks the result; one key on a disposisi done
    /// below), forward (`f`, SOP 004 langkah 3–6), return and cancel (ask the reason), print.
    fn update(&mut self, cx: &mut Ctx, a: &Action) -> Option<Vec<Effect>> {
        let detail_on_top = matches!(cx.layers.last(), Some(Layer::DisposisiDetail(_)));
        if cx.pane != Pane::Disposisi || !(cx.layers.is_empty() || detail_on_top) {
            return None;
        }
        let needs_selection =
            (*a == Action::Dispose || a.is_disposisi()) && *a != Action::DisposisiTab;
        let selected = self.target(cx);
        if needs_selection && selected.is_none() {
            cx.error(cx.tr("tidak ada disposisi terpilih", "no disposisi selected"));
            return Some(Vec::new());
        }
        Some(match (a, selected) {
            (Action::DisposisiTab, _) if !detail_on_top => {
                self.tab = match self.tab {
                    Tab::UntukSaya => Tab::DariSaya,
                    Tab::DariSaya => Tab::UntukSaya,
                };
                self.cursor = Default::default();
                list_effects()
            }
            (Action::DisposisiOpen, Some(d)) => {
                cx.layers
                    .retain(|l| !matches!(l, Layer::DisposisiDetail(_)));
                cx.layers
                    .push(Layer::DisposisiDetail(Box::new(DisposisiDetail {
                        id: d.id,
                        entry: None,
                        records: vec![d.clone()],
                        view: Default::default(),
                    })));
                vec![detail_call(d.id)]
            }
            (Action::Dispose, Some(d)) => vec![Effect::Call(
                Request::Disposisi(DisposisiRequest::Entry { entry: d.entry_id }),
                Purpose::DisposeForm(d.entry_id, Some(d.id)),
            )],
            (Action::DisposisiRead, Some(d)) => vec![Effect::Call(
                Request::Disposisi(DisposisiRequest::Read { id: d.id }),
                Purpose::Done(format!("disposisi #{} dibaca", d.id)),
            )],
            // Done below: one key closes it, the results below are its note.
            (Action::DisposisiDone(None), Some(d)) if self.is_tuntas(d.id) => {
                vec![Effect::Call(
                    Request::Disposisi(DisposisiRequest::Done {
                        id: d.id,
                        note: String::new(),
                    }),
                    Purpose::Done(format!(
                        "disposisi #{} {}",
                        d.id,
                        cx.tr("ditutup: selesai di bawah", "closed: done below")
                    )),
                )]
            }
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
            (Action::DisposisiReturn(None), Some(d)) => {
                cx.prompt(PromptKind::DisposisiReturn(d.id), "");
                Vec::new()
            }
            (Action::DisposisiReturn(Some(note)), Some(d)) => vec![Effect::Call(
                Request::Disposisi(DisposisiRequest::Return {
                    id: d.id,
                    note: note.clone(),
                }),
                Purpose::Done(format!("disposisi #{} dikembalikan", d.id)),
            )],
            (Action::DisposisiCancel(None), Some(d)) => {
                cx.prompt(PromptKind::DisposisiCancel(d.id), "");
                Vec::new()
            }
            (Action::DisposisiCancel(Some(note)), Some(d)) => vec![Effect::Call(
                Request::Disposisi(DisposisiRequest::Cancel {
                    id: d.id,
                    note: note.clone(),
                }),
                Purpose::Done(format!("disposisi #{} dibatalkan", d.id)),
            )],
            (Action::DisposisiPrint, Some(d)) => vec![Effect::Call(
                Request::Disposisi(DisposisiRequest::Show { id: d.id }),
                Purpose::DisposisiPrintChain(d.id),
            )],
            _ => return None,
        })
    }

    /// The lists, the operator list (recipient choices), the chain that opens the dispose form (or
    /// resumes it from a draft), the detail's chain and the letterhead of a print.
    fn on_reply(&mut self, cx: &mut Ctx, purpose: &Purpose, r: &Reply) -> Option<Vec<Effect>> {
        match (purpose, r) {
            (
                Purpose::DisposisiList(l),
                Reply::Disposisi(DisposisiReply::Records {
                    records,
                    now,
                    perihal,
                    nomor,
                    tuntas,
                    ..
                }),
            ) => {
                self.perihal.extend(perihal.iter().cloned());
                self.nomor.extend(nomor.iter().cloned());
                for d in records {
                    self.tuntas.retain(|x| *x != d.id);
                }
                self.tuntas.extend(tuntas.iter().copied());
                match l {
                    Lingkup::DariSaya => {
                        let fresh = self.set_dari(records.clone(), tuntas);
                        if let Some(d) = fresh.first() {
                            cx.info(announce_done_below(cx, d, self.nomor.get(&d.entry_id)));
                        }
                    }
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
                Purpose::DisposeForm(_, fwd) | Purpose::DisposeResume(_, fwd),
                Reply::Disposisi(DisposisiReply::Chain {
                    entry,
                    instruksi,
                    saran,
                    hierarki,
                    ..
                }),
            ) => {
                let mut form = DisposeForm::new(
                    entry,
                    instruksi,
                    saran.clone(),
                    cx.operator.as_ref(),
                    &self.operators,
                    *fwd,
                    hierarki,
                );
                if matches!(purpose, Purpose::DisposeResume(..))
                    && let Some(d) = self.resume.take()
                {
                    form.apply_draft(&d);
                }
                cx.layers.push(Layer::Dispose(Box::new(form)));
                Some(Vec::new())
            }
            (
                Purpose::DisposisiDetail(id),
                Reply::Disposisi(DisposisiReply::Chain { entry, records, .. }),
            ) => {
                for l in &mut cx.layers {
                    if let Layer::DisposisiDetail(d) = l
                        && d.id == *id
                    {
                        d.entry = Some(entry.clone());
                        d.records = records.clone();
                    }
                }
                // Opening marked it read: the lists show it so.
                Some(list_effects())
            }
            (
                Purpose::DisposisiPrintChain(_),
                Reply::Disposisi(DisposisiReply::Chain {
                    entry,
                    records,
                    instruksi,
                    zone,
                    ..
                }),
            ) => {
                self.print = Some((
                    entry.clone(),
                    records.clone(),
                    instruksi.clone(),
                    zone.clone(),
                ));
                let Purpose::DisposisiPrintChain(id) = purpose else {
                    return Some(Vec::new());
                };
                Some(vec![Effect::Call(
                    Request::KopSurat,
                    Purpose::DisposisiPrint(*id),
                )])
            }
            (Purpose::DisposisiPrint(id), Reply::KopSurat { kop, .. }) => {
                let Some((entry, records, instruksi, zone)) = self.print.take() else {
                    return Some(Vec::new());
                };
                Some(print_effects(
                    cx, *id, kop, &entry, &records, &instruksi, &zone,
                ))
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

    /// Both lists, and the open detail's chain.
    fn refresh(&self, cx: &Ctx) -> Vec<Effect> {
        let mut v = list_effects();
        for l in &cx.layers {
            if let Layer::DisposisiDetail(d) = l {
                v.push(Effect::Call(
                    Request::Disposisi(DisposisiRequest::Open { id: d.id }),
                    Purpose::DisposisiDetail(d.id),
                ));
            }
        }
        v
    }
}

/// The lembar disposisi of disposisi `id` as PDF and Markdown, written where the console runs
/// (`./lembar-disposisi-NOMOR-TAHUN-ID.pdf` / `.md`, new files 0600; the session says the path).
fn print_effects(
    cx: &Ctx,
    id: u64,
    kop: &crate::doc::KopSurat,
    entry: &Entry,
    records: &[Disposisi],
    instruksi: &[String],
    zone: &str,
) -> Vec<Effect> {
    let tz = crate::cli::disposisi::zone_of(zone);
    let doc = crate::domain::dokumen::lembar_disposisi(kop, entry, records, instruksi, &tz);
    let stem = format!(
        "lembar-disposisi-{}-{id}",
        crate::domain::disposisi::nomor_agenda(entry).replace(['/', '-'], "-")
    );
    let what = cx.tr("lembar disposisi", "lembar disposisi").to_string();
    let mut v = vec![Effect::WriteDoc {
        path: std::path::PathBuf::from(format!("./{stem}.md")),
        bytes: crate::doc::markdown::render(&doc).into_bytes(),
        what: what.clone(),
    }];
    match crate::doc::pdf::render(&doc) {
        Ok(bytes) => v.push(Effect::WriteDoc {
            path: std::path::PathBuf::from(format!("./{stem}.pdf")),
            bytes,
            what,
        }),
        Err(e) => v.push(Effect::WriteDoc {
            path: std::path::PathBuf::from(format!("./{stem}.pdf.txt")),
            bytes: format!("PDF tidak dapat dibuat: {e}").into_bytes(),
            what,
        }),
    }
    v
}

/// The requests that reload both lists of the pane.
pub fn list_effects() -> Vec<Effect> {
    list_calls()
        .into_iter()
        .map(|(r, l)| Effect::Call(r, Purpose::DisposisiList(l)))
        .collect()
}

/// Draws the pane's list in `r`: one row per record, columns fitted to the width
/// ([`column_widths`]): nomor agenda, perihal, from (to), time left (state).
fn draw_pane(p: &DisposisiPane, cx: &Ctx, f: &mut Frame, r: Rect) {
    let th = &cx.theme;
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
    let (wp, ww, ws) = column_widths(r.width);
    let h = HEAD[p.tab as usize];
    let t = |i: usize| cx.tr(h[i].0, h[i].1);
    let head = format!(
        " {} {} {} {}",
        pad(t(0), 9),
        pad(t(1), wp),
        pad(t(2), ww),
        cut(t(3), ws)
    );
    lines.push(heading(th, head));
    let rows = p.rows();
    if rows.is_empty() {
        // Before the first list reply (a slow link) the pane says it is loading, not that there is
        // nothing.
        let loaded = match p.tab {
            Tab::UntukSaya => p.known.is_some(),
            Tab::DariSaya => p.tuntas_known.is_some(),
        };
        lines.push(Line::from(Span::styled(
            if loaded {
                cx.tr("  (tidak ada disposisi)", "  (no disposisi)")
            } else {
                cx.tr("  (memuat…)", "  (loading…)")
            }
            .to_string(),
            th.get("dim"),
        )));
    }
    let room = (r.height as usize).saturating_sub(2);
    let start = p.cursor.offset_for(room);
    for (i, d) in rows.iter().enumerate().skip(start).take(room) {
        let over = d.is_overdue(cx.now);
        let perihal = p.perihal.get(&d.entry_id).cloned().unwrap_or_default();
        let nomor = p
            .nomor
            .get(&d.entry_id)
            .cloned()
            .unwrap_or_else(|| "-".into());
        let sel = if i == p.cursor.pos { "›" } else { " " };
        let who = match p.tab {
            Tab::UntukSaya => &d.dari.nama,
            Tab::DariSaya => &d.kepada.nama,
        };
        let state = state_cell(cx, p, d);
        let text = format!(
            "{sel}{} {} {} {}",
            pad(&nomor, 9),
            pad(&perihal, wp),
            pad(who, ww),
            cut(&state, ws)
        );
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

/// The last column of a row: done below, the time left (`•` when unread, `lewat …` when overdue)
/// while pending, else the state.
fn state_cell(cx: &Ctx, p: &DisposisiPane, d: &Disposisi) -> String {
    if p.is_tuntas(d.id) {
        return cx.tr("selesai di bawah", "done below").to_string();
    }
    if d.keadaan.is_pending() {
        let unread = if d.read_at.is_none() { "•" } else { "" };
        return format!("{unread}{}", format_left(d.time_left(cx.now)));
    }
    keadaan_label(cx, d.keadaan).to_string()
}

/// A keadaan in the console's language.
fn keadaan_label(cx: &Ctx, k: crate::domain::disposisi::Keadaan) -> &'static str {
    use crate::domain::disposisi::Keadaan as K;
    let (id, en) = match k {
        K::Diterbitkan => ("diterbitkan", "issued"),
        K::Dibaca => ("dibaca", "read"),
        K::Diproses => ("diproses", "in progress"),
        K::Selesai => ("selesai", "done"),
        K::Diteruskan => ("diteruskan", "forwarded"),
        K::Dibatalkan => ("dibatalkan", "cancelled"),
        K::Dikembalikan => ("dikembalikan", "returned"),
    };
    if cx.en { en } else { id }
}

/// Draws the detail of a disposisi over `r` (the body area).
pub fn draw_detail(cx: &Ctx, p: &DisposisiPane, d: &DisposisiDetail, f: &mut Frame, r: Rect) {
    let r = Rect {
        y: r.y.saturating_sub(1),
        height: r.height + 1,
        ..r
    };
    f.render_widget(Clear, r);
    let lines = detail_lines(cx, p, d);
    let block = ratatui::widgets::Block::default()
        .borders(ratatui::widgets::Borders::ALL)
        .border_style(cx.theme.get("border"));
    let (top, shown, total) = d.view.draw(f, r, lines, Some(block));
    let title = format!(
        " {} #{} · {}/{} ",
        cx.tr("Disposisi", "Disposisi"),
        d.id,
        top + shown,
        total
    );
    f.render_widget(
        Paragraph::new(title),
        Rect::new(r.x + 1, r.y, (r.width.saturating_sub(2)).min(40), 1),
    );
}

fn kv(cx: &Ctx, k: &str, v: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{k:<14}"), cx.theme.get("form.label")),
        Span::raw(v),
    ])
}

/// The detail's text: the entry, the opened disposisi, the chain with every step, then the keys.
pub fn detail_lines(cx: &Ctx, p: &DisposisiPane, d: &DisposisiDetail) -> Vec<Line<'static>> {
    use crate::domain::waktu::tampil;
    let tz = cx.node.calendar.zone.clone();
    let th = &cx.theme;
    let mut out = Vec::new();
    let me = d.records.iter().find(|r| r.id == d.id);
    if let Some(e) = d.entry.as_deref() {
        out.push(kv(
            cx,
            cx.tr("Nomor agenda", "Agenda no"),
            crate::domain::disposisi::nomor_agenda(e),
        ));
        out.push(kv(cx, cx.tr("Perihal", "Subject"), e.perihal.clone()));
        out.push(kv(cx, cx.tr("Asal", "From"), e.asal.clone()));
        if !e.nomor_surat.is_empty() {
            out.push(kv(
                cx,
                cx.tr("Nomor surat", "Letter no"),
                e.nomor_surat.clone(),
            ));
        }
        out.push(kv(
            cx,
            cx.tr("Klasifikasi", "Classification"),
            e.klasifikasi
                .map_or("-".to_string(), |k| k.as_str().to_string()),
        ));
    } else {
        out.push(Line::from(cx.tr("memuat…", "loading…").to_string()));
    }
    if let Some(m) = me {
        let state =
            if p.is_tuntas(m.id) || crate::domain::disposisi::selesai_di_bawah(m, &d.records) {
                cx.tr("selesai di bawah", "done below").to_string()
            } else {
                keadaan_label(cx, m.keadaan).to_string()
            };
        out.push(kv(
            cx,
            cx.tr("Dari → kepada", "From → to"),
            format!("{} → {}", m.dari.nama, m.kepada.nama),
        ));
        out.push(kv(cx, cx.tr("Keadaan", "State"), state));
        let left = if m.keadaan.is_pending() {
            format!(" ({})", format_left(m.time_left(cx.now)))
        } else {
            String::new()
        };
        out.push(kv(
            cx,
            cx.tr("Batas waktu", "Deadline"),
            format!("{}{left}", tampil(m.batas_waktu, &tz)),
        ));
        out.push(kv(
            cx,
            cx.tr("Instruksi", "Instruction"),
            m.instruksi.join(", "),
        ));
        out.push(kv(
            cx,
            cx.tr("Catatan", "Note"),
            if m.catatan.is_empty() {
                "-".into()
            } else {
                m.catatan.clone()
            },
        ));
        if let Some(h) = &m.hasil {
            out.push(kv(cx, cx.tr("Hasil", "Result"), h.clone()));
        }
    }
    super::widgets::section(
        &mut out,
        th,
        cx.tr("Rantai disposisi", "Disposisi chain").to_string(),
    );
    for (depth, r) in crate::domain::disposisi::chain_tree(&d.records) {
        let ind = "  ".repeat(depth);
        let state = if crate::domain::disposisi::selesai_di_bawah(r, &d.records) {
            cx.tr("selesai di bawah", "done below").to_string()
        } else {
            keadaan_label(cx, r.keadaan).to_string()
        };
        let style = if r.is_overdue(cx.now) {
            th.get("sla.overdue")
        } else if r.id == d.id {
            th.get("form.focus")
        } else {
            th.get("base")
        };
        out.push(Line::from(Span::styled(
            format!(
                "{ind}└ #{} {} → {} [{state}] {} {}",
                r.id,
                r.dari.nama,
                r.kepada.nama,
                cx.tr("batas", "due"),
                tampil(r.batas_waktu, &tz)
            ),
            style,
        )));
        out.push(Line::from(format!(
            "{ind}    {}: {}",
            cx.tr("Instruksi", "Instruction"),
            r.instruksi.join(", ")
        )));
        if !r.catatan.is_empty() {
            out.push(Line::from(format!(
                "{ind}    {}: {}",
                cx.tr("Catatan", "Note"),
                r.catatan
            )));
        }
        for l in &r.langkah {
            // The first step carries the catatan shown just above.
            let note = if l.keadaan == crate::domain::disposisi::Keadaan::Diterbitkan
                && l.catatan == r.catatan
            {
                ""
            } else {
                l.catatan.as_str()
            };
            out.push(Line::from(Span::styled(
                format!(
                    "{ind}    {} {} {}{}",
                    tampil(l.at, &tz),
                    keadaan_label(cx, l.keadaan),
                    l.by,
                    if note.is_empty() {
                        String::new()
                    } else {
                        format!(": {note}")
                    }
                ),
                th.get("dim"),
            )));
        }
        if let Some(h) = &r.hasil {
            out.push(Line::from(format!(
                "{ind}    {}: {h}",
                cx.tr("Hasil", "Result")
            )));
        }
    }
    out.push(Line::from(""));
    out.push(Line::from(Span::styled(
        cx.tr(
            "s selesai · f teruskan · K kembalikan · x batalkan · p cetak · Esc tutup",
            "s done · f forward · K return · x cancel · p print · Esc close",
        )
        .to_string(),
        th.get("dim"),
    )));
    out
}

/// One-line notice that a disposisi I issued is done below (the status line).
pub fn announce_done_below(cx: &Ctx, d: &Disposisi, nomor: Option<&String>) -> String {
    let n = nomor.map_or(String::new(), |n| format!(" (agenda {n})"));
    if cx.en {
        format!(
            "Disposisi #{}{n} to {} is done below: {} can close it",
            d.id, d.kepada.nama, d.kepada.nama
        )
    } else {
        format!(
            "Disposisi #{}{n} kepada {} selesai di bawah: {} dapat menutupnya",
            d.id, d.kepada.nama, d.kepada.nama
        )
    }
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
                    crate::domain::disposisi::keadaan_text(d, chain),
                    d.instruksi.join(", "),
                    crate::domain::waktu::tampil(d.batas_waktu, &tz)
                ),
                style,
            ))
        })
        .collect()
}
