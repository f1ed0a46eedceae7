//! The UI-free console state: `update(Action) -> Vec<Effect>`; replies and events come back through
//! `on_reply` / `on_event`. Nothing here touches the terminal or the socket.

use std::path::PathBuf;

use crossterm::event::KeyEvent;
use jiff::Timestamp;
use ratatui_textarea::TextArea;

use super::action::{ACTIONS, Action, Pane};
use super::form::{FormPurpose, FormState, Kind};
use super::keymap::{Key, Keymap, Lookup};
use super::theme::Theme;
use crate::domain::calendar::WorkCalendar;
use crate::domain::{Book, Entry, Operator, Status};
use crate::proto::{Event, IngestProgress, Reply, Request, StatusInfo};

/// Something the driver must do for the state.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Send a request; feed the reply back with `on_reply(purpose, …)`.
    Call(Request, Purpose),
    /// Write exported bytes (base64) to a path.
    WriteFile(PathBuf, String),
    /// Clear and fully redraw the terminal.
    ClearScreen,
    Quit,
}

/// Why a request was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    Welcome,
    Status,
    List(Pane),
    Show(u64),
    Registered(u64),
    KeluarCreated,
    Done(String),
    Drafts,
    Attachment(PathBuf),
    Ignore,
    /// The incident list (Insiden pane and header clocks).
    InsidenList,
    /// Quick capture: the incident was opened; take the log prompt.
    InsidenOpened,
    /// A line typed in the log prompt of this incident was sent (cleared on success, kept on refusal).
    InsidenLogged(u64),
}

/// One list (tab) of entries with its cursor and filter.
#[derive(Debug, Clone)]
pub struct EntryList {
    pub book: Book,
    pub entries: Vec<Entry>,
    /// Indices into `entries` that pass the filter, in display order.
    pub view: Vec<usize>,
    pub cursor: usize,
    pub offset: usize,
    pub filter: String,
}

impl EntryList {
    pub fn new(book: Book) -> EntryList {
        EntryList {
            book,
            entries: Vec::new(),
            view: Vec::new(),
            cursor: 0,
            offset: 0,
            filter: String::new(),
        }
    }

    /// Replaces the entries, keeping the cursor on the same entry id when it is still listed.
    pub fn set_entries(&mut self, mut entries: Vec<Entry>, page: usize) {
        let keep = self.selected().map(|e| e.id);
        // Untriaged scans first; otherwise the node's order (newest first).
        entries.sort_by_key(|e| e.status != Status::Baru);
        self.entries = entries;
        self.rebuild(keep, page);
    }

    /// Recomputes the filtered view and puts the cursor on `keep` if listed.
    pub fn rebuild(&mut self, keep: Option<u64>, page: usize) {
        let f = Filter::parse(&self.filter);
        self.view = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| f.matches(e))
            .map(|(i, _)| i)
            .collect();
        if let Some(id) = keep
            && let Some(p) = self.view.iter().position(|&i| self.entries[i].id == id)
        {
            self.cursor = p;
        }
        self.clamp(page);
    }

    pub fn selected(&self) -> Option<&Entry> {
        self.view
            .get(self.cursor)
            .and_then(|&i| self.entries.get(i))
    }

    fn clamp(&mut self, page: usize) {
        let n = self.view.len();
        self.cursor = self.cursor.min(n.saturating_sub(1));
        let page = page.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + page {
            self.offset = self.cursor + 1 - page;
        }
        self.offset = self.offset.min(n.saturating_sub(page)).min(self.cursor);
    }

    pub fn move_to(&mut self, pos: isize, page: usize) {
        let n = self.view.len() as isize;
        self.cursor = pos.clamp(0, (n - 1).max(0)) as usize;
        self.clamp(page);
    }

    /// Puts the cursor on the first untriaged scan other than `skip`.
    pub fn select_next_baru(&mut self, skip: u64, page: usize) -> bool {
        let p = self
            .view
            .iter()
            .position(|&i| self.entries[i].status == Status::Baru && self.entries[i].id != skip);
        if let Some(p) = p {
            self.cursor = p;
            self.clamp(page);
            true
        } else {
            false
        }
    }
}

/// The `/` filter: `status:baru`, `k:R` (klasifikasi code), other words match the entry's text.
#[derive(Debug, Default)]
pub struct Filter {
    status: Option<String>,
    k: Option<String>,
    words: Vec<String>,
}

impl Filter {
    pub fn parse(s: &str) -> Filter {
        let mut f = Filter::default();
        for t in s.split_whitespace() {
            let l = t.to_lowercase();
            if let Some(v) = l.strip_prefix("status:") {
                f.status = Some(v.to_string());
            } else if let Some(v) = l.strip_prefix("k:") {
                f.k = Some(v.to_string());
            } else {
                f.words.push(l);
            }
        }
        f
    }

    pub fn matches(&self, e: &Entry) -> bool {
        if let Some(s) = &self.status
            && e.status.as_str() != s
        {
            return false;
        }
        if let Some(k) = &self.k
            && e.klasifikasi.map(|x| x.code().to_lowercase()).as_deref() != Some(k.as_str())
        {
            return false;
        }
        if self.words.is_empty() {
            return true;
        }
        let h = e.haystack();
        self.words.iter().all(|w| h.contains(w.as_str()))
    }
}

/// The detail view of one entry.
#[derive(Debug, Clone)]
pub struct DetailState {
    pub id: u64,
    pub entry: Option<Box<Entry>>,
    pub text: Option<String>,
    pub scroll: usize,
}

/// What a one-line prompt asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptKind {
    Command,
    Filter,
    Void(u64),
    Note(u64),
    Duplicate(u64),
    Export(u64),
    Saluran(u64),
    /// Incident log line (stays open after Enter).
    InsidenLog(u64),
    InsidenTick(u64),
    InsidenPlaybook(u64),
    InsidenClose(u64),
    /// `field value` for the incident record (kategori, keparahan, tlp, sistem, sumber, status…).
    InsidenSet(u64),
}

/// A one-line prompt (command line, filter, reason…).
#[derive(Debug, Clone)]
pub struct PromptState {
    pub kind: PromptKind,
    pub input: TextArea<'static>,
    /// Tab completion: the typed prefix and the index of the last offered match.
    pub completion: Option<(String, usize)>,
    pub error: Option<String>,
}

impl PromptState {
    pub fn value(&self) -> String {
        self.input.lines().join(" ")
    }
}

/// What a yes/no question does on yes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmKind {
    Quit,
    DiscardForm,
    ResumeDraft { key: String, data: String },
}

#[derive(Debug, Clone)]
pub struct ConfirmState {
    pub message: String,
    pub kind: ConfirmKind,
}

/// The help overlay for the contexts beneath it.
#[derive(Debug, Clone)]
pub struct HelpState {
    pub ctxs: Vec<&'static str>,
    pub scroll: usize,
}

/// Overlays, drawn bottom to top; the top one gets the keys.
#[derive(Debug, Clone)]
pub enum Layer {
    Detail(DetailState),
    Form(Box<FormState>),
    Prompt(Box<PromptState>),
    Confirm(ConfirmState),
    Help(HelpState),
}

/// The node as the header shows it.
#[derive(Debug, Clone)]
pub struct NodeHeader {
    pub id: String,
    pub name: String,
    pub calendar: WorkCalendar,
}

/// A status-line message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

/// The whole console state.
#[derive(Debug, Clone)]
pub struct App {
    pub en: bool,
    pub theme: Theme,
    pub keymap: Keymap,
    /// Configuration problems shown on screen (the console fell back to defaults).
    pub warnings: Vec<String>,
    pub pane: Pane,
    pub masuk: EntryList,
    pub keluar: EntryList,
    /// The incident logbook pane (also feeds the SLA clocks of the header).
    pub insiden: super::insiden::InsidenPane,
    pub layers: Vec<Layer>,
    pub node: NodeHeader,
    pub operator: Option<Operator>,
    pub status: Option<StatusInfo>,
    pub alarms_open: u64,
    pub connected: bool,
    pub now: Timestamp,
    pub message: Option<Message>,
    pub derajat: Vec<String>,
    pub drafts: Vec<(String, String)>,
    pub pending: Vec<Key>,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    pub quit: bool,
    /// Something visible changed since the last draw.
    pub dirty: bool,
}

fn textarea(s: &str) -> TextArea<'static> {
    let mut t = TextArea::new(vec![s.to_string()]);
    t.move_cursor(ratatui_textarea::CursorMove::End);
    t
}

impl App {
    pub fn new(keymap: Keymap, theme: Theme, en: bool, derajat: Vec<String>) -> App {
        App {
            en,
            theme,
            keymap,
            warnings: Vec::new(),
            pane: Pane::Masuk,
            masuk: EntryList::new(Book::Masuk),
            keluar: EntryList::new(Book::Keluar),
            insiden: Default::default(),
            layers: Vec::new(),
            node: NodeHeader {
                id: String::new(),
                name: String::new(),
                calendar: WorkCalendar::new("UTC", []).expect("UTC exists"),
            },
            operator: None,
            status: None,
            alarms_open: 0,
            connected: false,
            now: Timestamp::now(),
            message: None,
            derajat,
            drafts: Vec::new(),
            pending: Vec::new(),
            size: (80, 24),
            quit: false,
            dirty: true,
        }
    }

    /// Picks the Indonesian or English text.
    pub fn tr<'a>(&self, id: &'a str, en: &'a str) -> &'a str {
        if self.en { en } else { id }
    }

    /// Rows available to the list.
    pub fn page(&self) -> usize {
        (self.size.1 as usize).saturating_sub(5).max(1)
    }

    /// The entry list of the pane (the Insiden pane has its own state; it answers with Masuk).
    pub fn list(&self) -> &EntryList {
        match self.pane {
            Pane::Masuk | Pane::Insiden => &self.masuk,
            Pane::Keluar => &self.keluar,
        }
    }

    fn list_mut(&mut self) -> &mut EntryList {
        match self.pane {
            Pane::Masuk | Pane::Insiden => &mut self.masuk,
            Pane::Keluar => &mut self.keluar,
        }
    }

    pub fn form(&self) -> Option<&FormState> {
        self.layers.iter().rev().find_map(|l| match l {
            Layer::Form(f) => Some(&**f),
            _ => None,
        })
    }

    fn form_mut(&mut self) -> Option<&mut FormState> {
        self.layers.iter_mut().rev().find_map(|l| match l {
            Layer::Form(f) => Some(&mut **f),
            _ => None,
        })
    }

    /// The keymap contexts that apply now, first wins.
    pub fn contexts(&self) -> Vec<&'static str> {
        self.contexts_at(self.layers.len())
    }

    fn contexts_at(&self, depth: usize) -> Vec<&'static str> {
        match depth.checked_sub(1).and_then(|i| self.layers.get(i)) {
            None => vec![
                match self.pane {
                    Pane::Masuk => "masuk",
                    Pane::Keluar => "keluar",
                    Pane::Insiden => "insiden",
                },
                "list",
                "global",
            ],
            Some(Layer::Detail(_)) => vec!["detail", "global"],
            Some(Layer::Form(_)) => vec!["form"],
            Some(Layer::Prompt(_)) => vec!["prompt"],
            Some(Layer::Confirm(_)) => vec!["confirm"],
            Some(Layer::Help(_)) => vec!["help", "global"],
        }
    }

    pub(crate) fn info(&mut self, s: impl Into<String>) {
        self.message = Some(Message {
            text: s.into(),
            error: false,
        });
    }

    pub(crate) fn error(&mut self, s: impl Into<String>) {
        self.message = Some(Message {
            text: s.into(),
            error: true,
        });
    }

    /// The entry the entry actions apply to: the open detail, else the list's selection.
    pub fn current(&self) -> Option<&Entry> {
        for l in self.layers.iter().rev() {
            if let Layer::Detail(d) = l {
                return d.entry.as_deref();
            }
        }
        self.list().selected()
    }

    /// Requests that load everything at start.
    pub fn start(&mut self) -> Vec<Effect> {
        vec![
            Effect::Call(
                Request::Hello {
                    client: "kasa-console".into(),
                },
                Purpose::Welcome,
            ),
            Effect::Call(Request::Status, Purpose::Status),
            list_call(Pane::Masuk),
            list_call(Pane::Keluar),
            Effect::Call(Request::DraftList, Purpose::Drafts),
            super::insiden::list_call(),
        ]
    }

    /// Requests that refetch what is visible.
    pub fn refresh(&self) -> Vec<Effect> {
        let mut v = vec![
            Effect::Call(Request::Status, Purpose::Status),
            list_call(self.pane),
        ];

        for l in &self.layers {
            if let Layer::Detail(d) = l {
                v.push(Effect::Call(
                    Request::AgendaShow { id: d.id },
                    Purpose::Show(d.id),
                ));
            }
        }
        v
    }

    /// A clock tick; true when the shown clock changed.
    pub fn tick(&mut self, now: Timestamp) -> bool {
        let changed = now.as_second() != self.now.as_second();
        self.now = now;
        if changed {
            self.dirty = true;
        }
        changed
    }

    /// The connection came or went.
    pub fn set_connected(&mut self, up: bool) {
        if self.connected != up {
            self.connected = up;
            self.dirty = true;
        }
    }

    /// A new terminal size.
    pub fn resize(&mut self, w: u16, h: u16) {
        self.size = (w, h);
        let page = self.page();
        self.masuk.clamp(page);
        self.keluar.clamp(page);
        self.dirty = true;
    }

    /// A pushed node event.
    pub fn on_event(&mut self, ev: Event) -> Vec<Effect> {
        self.dirty = true;
        match ev {
            Event::Changed { change } => {
                let mut v = self.refresh();
                // The header clocks need the incident list whatever pane is shown.
                if matches!(change, crate::store::Change::Insiden { .. })
                    && self.pane != Pane::Insiden
                {
                    v.push(super::insiden::list_call());
                }
                v
            }
            Event::Ingest { progress } => {
                if let Some(s) = &mut self.status {
                    s.ingest = progress;
                }
                Vec::new()
            }
            Event::Stopping => {
                self.connected = false;
                Vec::new()
            }
        }
    }

    /// A terminal key.
    pub fn on_key(&mut self, ev: KeyEvent) -> Vec<Effect> {
        self.dirty = true;
        let k = Key::from_event(ev);
        let ctxs = self.contexts();
        let mut seq = std::mem::take(&mut self.pending);
        seq.push(k);
        match self.keymap.lookup(&ctxs, &seq) {
            Lookup::Pending => {
                self.pending = seq;
                Vec::new()
            }
            Lookup::Action(a) => {
                // Picker keys (←/→/space) edit text when the focus is a text field.
                let text_focus = matches!(self.layers.last(), Some(Layer::Form(f))
                    if matches!(f.focused().kind, Kind::Text | Kind::Date));
                if text_focus && matches!(a, Action::CycleNext | Action::CyclePrev) {
                    return self.raw_input(ev);
                }
                self.message = None;
                self.update(a)
            }
            Lookup::None if seq.len() > 1 => Vec::new(),
            Lookup::None => self.raw_input(ev),
        }
    }

    fn raw_input(&mut self, ev: KeyEvent) -> Vec<Effect> {
        match self.layers.last_mut() {
            Some(Layer::Form(f)) => {
                if f.input(ev) {
                    let key = f.purpose.draft_key();
                    let data = f.draft_json();
                    return vec![Effect::Call(
                        Request::DraftPut { key, data },
                        Purpose::Ignore,
                    )];
                }
                Vec::new()
            }
            Some(Layer::Prompt(p)) => {
                if p.input.input(ev) {
                    p.completion = None;
                    p.error = None;
                    if p.kind == PromptKind::Filter {
                        let v = p.value();
                        let page = self.page();
                        let l = self.list_mut();
                        let keep = l.selected().map(|e| e.id);
                        l.filter = v;
                        l.rebuild(keep, page);
                    }
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    pub(crate) fn prompt(&mut self, kind: PromptKind, initial: &str) {
        self.layers.push(Layer::Prompt(Box::new(PromptState {
            kind,
            input: textarea(initial),
            completion: None,
            error: None,
        })));
    }

    fn need_entry(&mut self) -> Option<Entry> {
        let e = self.current().cloned();
        if e.is_none() {
            self.error(
                self.tr("tidak ada entri terpilih", "no entry selected")
                    .to_string(),
            );
        }
        e
    }

    /// Runs one named action.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        self.dirty = true;
        let page = self.page();
        if let Some(e) = super::insiden::update(self, &action) {
            return e;
        }
        match action {
            Action::None => Vec::new(),
            Action::Quit => {
                if self.form().is_some_and(|f| f.changed)
                    && !matches!(self.layers.last(), Some(Layer::Confirm(_)))
                {
                    let m = self
                        .tr(
                            "Keluar dari konsol? Isian formulir tersimpan sebagai draf di node.",
                            "Quit? The form's input is kept as a draft on the node.",
                        )
                        .to_string();
                    self.layers.push(Layer::Confirm(ConfirmState {
                        message: m,
                        kind: ConfirmKind::Quit,
                    }));
                    return Vec::new();
                }
                self.quit = true;
                vec![Effect::Quit]
            }
            Action::Redraw => vec![Effect::ClearScreen],
            Action::Help => {
                if matches!(self.layers.last(), Some(Layer::Help(_))) {
                    self.layers.pop();
                } else {
                    let ctxs = self.contexts();
                    self.layers.push(Layer::Help(HelpState { ctxs, scroll: 0 }));
                }
                Vec::new()
            }
            Action::Command => {
                self.prompt(PromptKind::Command, "");
                Vec::new()
            }
            Action::Filter(Some(t)) => {
                let l = self.list_mut();
                let keep = l.selected().map(|e| e.id);
                l.filter = t;
                l.rebuild(keep, page);
                Vec::new()
            }
            Action::Filter(None) => {
                let f = self.list().filter.clone();
                self.prompt(PromptKind::Filter, &f);
                Vec::new()
            }
            Action::Back => self.back(),
            Action::Tab(p) => {
                self.layers.retain(|l| matches!(l, Layer::Form(_)));
                if !self.layers.is_empty() {
                    return Vec::new();
                }
                self.pane = p;
                vec![list_call(p)]
            }
            Action::TabNext => self.update(Action::Tab(match self.pane {
                Pane::Masuk => Pane::Keluar,
                Pane::Keluar => Pane::Insiden,
                Pane::Insiden => Pane::Masuk,
            })),
            Action::Down
            | Action::Up
            | Action::PageDown
            | Action::PageUp
            | Action::Top
            | Action::Bottom => {
                let d: isize = match action {
                    Action::Down => 1,
                    Action::Up => -1,
                    Action::PageDown => page as isize,
                    Action::PageUp => -(page as isize),
                    Action::Top => isize::MIN / 2,
                    _ => isize::MAX / 2,
                };
                match self.layers.last_mut() {
                    Some(Layer::Detail(s)) => {
                        s.scroll = (s.scroll as isize).saturating_add(d).max(0) as usize
                    }
                    Some(Layer::Help(s)) => {
                        s.scroll = (s.scroll as isize).saturating_add(d).max(0) as usize
                    }
                    Some(_) => {}
                    None => {
                        let l = self.list_mut();
                        let c = l.cursor as isize;
                        l.move_to(c.saturating_add(d), page);
                    }
                }
                Vec::new()
            }
            Action::Open => {
                let Some(e) = self.need_entry() else {
                    return Vec::new();
                };
                self.layers.push(Layer::Detail(DetailState {
                    id: e.id,
                    entry: Some(Box::new(e.clone())),
                    text: None,
                    scroll: 0,
                }));
                vec![Effect::Call(
                    Request::AgendaShow { id: e.id },
                    Purpose::Show(e.id),
                )]
            }
            Action::Refresh => self.refresh(),
            Action::Goto(id) => {
                let l = self.list_mut();
                if let Some(p) = l.view.iter().position(|&i| l.entries[i].id == id) {
                    l.move_to(p as isize, page);
                } else {
                    self.error(format!("entri {id} tidak ada di daftar ini"));
                }
                Vec::new()
            }
            Action::Triage => {
                let Some(e) = self.need_entry() else {
                    return Vec::new();
                };
                if e.status != Status::Baru {
                    self.error(format!(
                        "entri {} berstatus {}: hanya pindaian 'baru' yang didaftarkan",
                        e.id,
                        e.status.as_str()
                    ));
                    return Vec::new();
                }
                let mut form = FormState::for_entry(&e, self.derajat.clone());
                let key = form.purpose.draft_key();
                if let Some((_, data)) = self.drafts.iter().find(|(k, _)| *k == key)
                    && let Ok(rf) = serde_json::from_str(data)
                {
                    form.set_fields(&rf);
                    for f in &mut form.fields {
                        f.suggested = false;
                    }
                    form.changed = true;
                    form.revalidate();
                }
                self.layers.push(Layer::Form(Box::new(form)));
                Vec::new()
            }
            Action::Duplicate(of) => {
                let Some(e) = self.need_entry() else {
                    return Vec::new();
                };
                match of {
                    None => {
                        self.prompt(PromptKind::Duplicate(e.id), "");
                        Vec::new()
                    }
                    Some(of) => vec![Effect::Call(
                        Request::MarkDuplicate { id: e.id, of },
                        Purpose::Done(format!("entri {} ditandai duplikat dari {of}", e.id)),
                    )],
                }
            }
            Action::Void(reason) => {
                let Some(e) = self.need_entry() else {
                    return Vec::new();
                };
                match reason {
                    None => {
                        self.prompt(PromptKind::Void(e.id), "");
                        Vec::new()
                    }
                    Some(reason) => vec![Effect::Call(
                        Request::Void { id: e.id, reason },
                        Purpose::Done(format!("entri {} dibatalkan", e.id)),
                    )],
                }
            }
            Action::Note(text) => {
                let Some(e) = self.need_entry() else {
                    return Vec::new();
                };
                match text {
                    None => {
                        self.prompt(PromptKind::Note(e.id), "");
                        Vec::new()
                    }
                    Some(text) => vec![Effect::Call(
                        Request::Note { id: e.id, text },
                        Purpose::Done(format!("catatan ditambahkan ke entri {}", e.id)),
                    )],
                }
            }
            Action::Export(path) => {
                let Some(e) = self.need_entry() else {
                    return Vec::new();
                };
                let Some(a) = e.attachments.first() else {
                    self.error(format!("entri {} tidak punya lampiran", e.id));
                    return Vec::new();
                };
                match path {
                    None => {
                        let name = a.name.clone();
                        self.prompt(PromptKind::Export(e.id), &format!("./{name}"));
                        Vec::new()
                    }
                    Some(p) => vec![Effect::Call(
                        Request::Attachment { id: e.id, index: 0 },
                        Purpose::Attachment(PathBuf::from(p)),
                    )],
                }
            }
            Action::KeluarNew => {
                self.pane = Pane::Keluar;
                let mut form = FormState::new(FormPurpose::KeluarNew, self.derajat.clone());
                if let Some((_, data)) = self.drafts.iter().find(|(k, _)| k == "keluar:new")
                    && let Ok(rf) = serde_json::from_str(data)
                {
                    form.set_fields(&rf);
                    form.revalidate();
                }
                self.layers.push(Layer::Form(Box::new(form)));
                Vec::new()
            }
            Action::KeluarRegister => {
                let Some(e) = self.need_entry() else {
                    return Vec::new();
                };
                vec![Effect::Call(
                    Request::KeluarRegister { id: e.id },
                    Purpose::Done(format!("draf {} diagendakan", e.id)),
                )]
            }
            Action::KeluarSend(saluran) => {
                let Some(e) = self.need_entry() else {
                    return Vec::new();
                };
                match saluran {
                    None => {
                        self.prompt(PromptKind::Saluran(e.id), "Email Sanapati");
                        Vec::new()
                    }
                    Some(saluran) => vec![Effect::Call(
                        Request::KeluarSend {
                            id: e.id,
                            saluran: saluran.clone(),
                            sent_at: None,
                        },
                        Purpose::Done(format!("entri {} terkirim lewat {saluran}", e.id)),
                    )],
                }
            }
            Action::FormNext | Action::FormPrev => {
                let d = if action == Action::FormNext { 1 } else { -1 };
                if let Some(f) = self.form_mut() {
                    f.next(d);
                }
                Vec::new()
            }
            Action::ClearField => {
                if let Some(Layer::Prompt(p)) = self.layers.last_mut() {
                    p.input = textarea("");
                    return Vec::new();
                }
                if let Some(f) = self.form_mut()
                    && matches!(f.focused().kind, Kind::Text | Kind::Date)
                {
                    let name = f.focused().name;
                    f.set_text(name, "");
                    let key = f.purpose.draft_key();
                    let data = f.draft_json();
                    return vec![Effect::Call(
                        Request::DraftPut { key, data },
                        Purpose::Ignore,
                    )];
                }
                Vec::new()
            }
            Action::FormEnter => {
                let submit = match self.form_mut() {
                    Some(f) if f.focused().kind == Kind::Submit => true,
                    Some(f) => {
                        f.confirm_focused();
                        f.next(1);
                        false
                    }
                    None => false,
                };
                if submit {
                    self.submit_form()
                } else {
                    Vec::new()
                }
            }
            Action::Submit => match self.layers.last() {
                Some(Layer::Prompt(_)) => self.submit_prompt(),
                Some(Layer::Form(_)) => self.submit_form(),
                Some(Layer::Confirm(_)) => self.update(Action::Yes),
                _ => Vec::new(),
            },
            Action::CycleNext | Action::CyclePrev => {
                let d = if action == Action::CycleNext { 1 } else { -1 };
                if let Some(f) = self.form_mut()
                    && f.cycle(d)
                {
                    let key = f.purpose.draft_key();
                    let data = f.draft_json();
                    return vec![Effect::Call(
                        Request::DraftPut { key, data },
                        Purpose::Ignore,
                    )];
                }
                Vec::new()
            }
            Action::Complete => {
                self.complete();
                Vec::new()
            }
            Action::Yes => {
                let Some(Layer::Confirm(c)) = self.layers.pop() else {
                    return Vec::new();
                };
                match c.kind {
                    ConfirmKind::Quit => {
                        self.quit = true;
                        vec![Effect::Quit]
                    }
                    ConfirmKind::DiscardForm => {
                        if let Some(Layer::Form(f)) = self.layers.pop() {
                            self.drafts.retain(|(k, _)| *k != f.purpose.draft_key());
                            return vec![Effect::Call(
                                Request::DraftDelete {
                                    key: f.purpose.draft_key(),
                                },
                                Purpose::Ignore,
                            )];
                        }
                        Vec::new()
                    }
                    ConfirmKind::ResumeDraft { key, .. } => {
                        if let Some(id) = key
                            .strip_prefix("register:")
                            .and_then(|s| s.parse::<u64>().ok())
                        {
                            self.pane = Pane::Masuk;
                            let l = &mut self.masuk;
                            if let Some(p) = l.view.iter().position(|&i| l.entries[i].id == id) {
                                l.move_to(p as isize, page);
                                return self.update(Action::Triage);
                            }
                            self.error(format!("entri {id} tidak lagi berstatus baru"));
                            Vec::new()
                        } else {
                            self.update(Action::KeluarNew)
                        }
                    }
                }
            }
            Action::InsidenNew
            | Action::InsidenLog(_)
            | Action::InsidenTick(_)
            | Action::InsidenPlaybook(_)
            | Action::InsidenClose(_)
            | Action::InsidenSet(_) => Vec::new(),
            Action::No => {
                if let Some(Layer::Confirm(c)) = self.layers.pop()
                    && let ConfirmKind::ResumeDraft { key, .. } = c.kind
                {
                    self.drafts.retain(|(k, _)| *k != key);
                    return vec![Effect::Call(Request::DraftDelete { key }, Purpose::Ignore)];
                }
                Vec::new()
            }
        }
    }

    fn back(&mut self) -> Vec<Effect> {
        match self.layers.last() {
            Some(Layer::Form(f)) if f.changed => {
                let m = self
                    .tr(
                        "Buang isian formulir ini (dan drafnya)?",
                        "Discard this form (and its draft)?",
                    )
                    .to_string();
                self.layers.push(Layer::Confirm(ConfirmState {
                    message: m,
                    kind: ConfirmKind::DiscardForm,
                }));
            }
            Some(_) => {
                self.layers.pop();
            }
            None => {
                let page = self.page();
                let l = self.list_mut();
                if !l.filter.is_empty() {
                    let keep = l.selected().map(|e| e.id);
                    l.filter.clear();
                    l.rebuild(keep, page);
                }
            }
        }
        Vec::new()
    }

    fn complete(&mut self) {
        let Some(Layer::Prompt(p)) = self.layers.last_mut() else {
            return;
        };
        if p.kind != PromptKind::Command {
            return;
        }
        let (prefix, next) = match &p.completion {
            Some((pre, i)) => (pre.clone(), i + 1),
            None => (p.value(), 0),
        };
        let names: Vec<&str> = ACTIONS
            .iter()
            .map(|a| a.name)
            .filter(|n| n.starts_with(prefix.trim()) && *n != "none")
            .collect();
        if names.is_empty() {
            p.error = Some(format!("tidak ada aksi berawalan '{prefix}'"));
            return;
        }
        let i = next % names.len();
        p.input = textarea(names[i]);
        p.completion = Some((prefix, i));
    }

    fn submit_prompt(&mut self) -> Vec<Effect> {
        let Some(Layer::Prompt(p)) = self.layers.pop() else {
            return Vec::new();
        };
        let v = p.value().trim().to_string();
        let a = match &p.kind {
            PromptKind::Filter => return Vec::new(),
            k @ (PromptKind::InsidenLog(_)
            | PromptKind::InsidenTick(_)
            | PromptKind::InsidenPlaybook(_)
            | PromptKind::InsidenClose(_)
            | PromptKind::InsidenSet(_)) => {
                return super::insiden::submit_prompt(self, k.clone(), v);
            }
            PromptKind::Command => {
                if v.is_empty() {
                    return Vec::new();
                }
                match Action::parse(&v) {
                    Ok(a) => a,
                    Err(e) => {
                        self.error(e);
                        return Vec::new();
                    }
                }
            }
            _ if v.is_empty() => {
                let error = Some(self.tr("wajib diisi", "required").to_string());
                self.layers
                    .push(Layer::Prompt(Box::new(PromptState { error, ..*p })));
                return Vec::new();
            }
            PromptKind::Void(_) => Action::Void(Some(v)),
            PromptKind::Note(_) => Action::Note(Some(v)),
            PromptKind::Export(_) => Action::Export(Some(v)),
            PromptKind::Saluran(_) => Action::KeluarSend(Some(v)),
            PromptKind::Duplicate(_) => match v.parse() {
                Ok(of) => Action::Duplicate(Some(of)),
                Err(_) => {
                    let error = Some(format!("'{v}' bukan id entri (angka)"));
                    self.layers
                        .push(Layer::Prompt(Box::new(PromptState { error, ..*p })));
                    return Vec::new();
                }
            },
        };
        self.update(a)
    }

    fn submit_form(&mut self) -> Vec<Effect> {
        let Some(f) = self.form_mut() else {
            return Vec::new();
        };
        f.revalidate();
        f.refused = None;
        if let Some((name, _)) = f.errors.first() {
            let name = *name;
            f.focus_on(name);
            self.error(
                self.tr("perbaiki isian yang ditandai", "fix the marked fields")
                    .to_string(),
            );
            return Vec::new();
        }
        for fl in &mut f.fields {
            fl.suggested = false;
        }
        let (fields, _) = f.to_fields();
        match f.purpose {
            FormPurpose::Register(id) => vec![Effect::Call(
                Request::Register { id, fields },
                Purpose::Registered(id),
            )],
            FormPurpose::KeluarNew => vec![Effect::Call(
                Request::KeluarNew { fields },
                Purpose::KeluarCreated,
            )],
        }
    }

    /// A reply (or failure) for a request this state asked for.
    pub fn on_reply(&mut self, purpose: Purpose, r: Result<Reply, String>) -> Vec<Effect> {
        self.dirty = true;
        let page = self.page();
        let reply = match r {
            Ok(r) => r,
            Err(e) => {
                match purpose {
                    Purpose::Registered(_) | Purpose::KeluarCreated => {
                        if let Some(f) = self.form_mut() {
                            f.refused = Some(e.clone());
                        }
                        self.error(e);
                    }
                    Purpose::Ignore => {}
                    Purpose::InsidenLogged(id) => super::insiden::log_refused(self, id, e),
                    _ => self.error(e),
                }
                return Vec::new();
            }
        };
        match (purpose, reply) {
            (
                Purpose::Welcome,
                Reply::Welcome {
                    node_id,
                    node_name,
                    zone,
                    operator,
                    ..
                },
            ) => {
                self.node.id = node_id;
                self.node.name = node_name;
                if let Ok(c) = WorkCalendar::new(&zone, []) {
                    self.node.calendar = c;
                }
                self.operator = Some(operator);
                self.connected = true;
                Vec::new()
            }
            (Purpose::Status, Reply::Status(s)) => {
                self.alarms_open = s.alarms_open;
                self.status = Some(*s);
                Vec::new()
            }
            (Purpose::List(p), Reply::Entries { entries }) => {
                match p {
                    Pane::Masuk | Pane::Insiden => self.masuk.set_entries(entries, page),
                    Pane::Keluar => self.keluar.set_entries(entries, page),
                }
                Vec::new()
            }
            (Purpose::Show(id), Reply::Entry { entry, text }) => {
                for l in &mut self.layers {
                    if let Layer::Detail(d) = l
                        && d.id == id
                    {
                        d.entry = Some(entry.clone());
                        d.text = text.clone();
                    }
                }
                Vec::new()
            }
            (Purpose::Registered(id), Reply::Entry { entry, .. }) => {
                self.layers
                    .retain(|l| !matches!(l, Layer::Form(_) | Layer::Detail(_)));
                let key = format!("register:{id}");
                self.drafts.retain(|(k, _)| *k != key);
                let n = entry.nomor_agenda.unwrap_or(0);
                self.info(format!("Nomor agenda {n}"));
                self.pane = Pane::Masuk;
                let l = &mut self.masuk;
                if let Some(e) = l.entries.iter_mut().find(|e| e.id == id) {
                    *e = *entry;
                }
                let entries = l.entries.clone();
                l.set_entries(entries, page);
                if !l.select_next_baru(id, page) {
                    l.rebuild(Some(id), page);
                }
                vec![
                    Effect::Call(Request::DraftDelete { key }, Purpose::Ignore),
                    Effect::Call(Request::Status, Purpose::Status),
                    list_call(Pane::Masuk),
                ]
            }
            (Purpose::KeluarCreated, Reply::Entry { entry, .. }) => {
                self.layers.retain(|l| !matches!(l, Layer::Form(_)));
                self.drafts.retain(|(k, _)| k != "keluar:new");
                self.info(format!("draf keluar {} dibuat", entry.id));
                self.pane = Pane::Keluar;
                self.keluar.entries.insert(0, *entry.clone());
                let entries = self.keluar.entries.clone();
                self.keluar.set_entries(entries, page);
                self.keluar.rebuild(Some(entry.id), page);
                vec![
                    Effect::Call(
                        Request::DraftDelete {
                            key: "keluar:new".into(),
                        },
                        Purpose::Ignore,
                    ),
                    list_call(Pane::Keluar),
                ]
            }
            (
                p @ (Purpose::InsidenList | Purpose::InsidenOpened | Purpose::InsidenLogged(_)),
                r,
            ) => super::insiden::on_reply(self, &p, r),
            (Purpose::Done(msg), r) => {
                super::insiden::absorb(self, &r);
                if let Reply::Entry { entry, .. } = &r
                    && let Some(n) = entry.nomor_agenda
                    && entry.book == Book::Keluar
                {
                    self.info(format!("{msg} · nomor agenda {n}"));
                } else {
                    self.info(msg);
                }
                self.refresh()
            }
            (Purpose::Drafts, Reply::Drafts { drafts }) => {
                self.drafts = drafts;
                if self.form().is_none()
                    && let Some((key, data)) = self
                        .drafts
                        .iter()
                        .find(|(k, _)| k.starts_with("register:") || k == "keluar:new")
                        .cloned()
                {
                    let what = match key.strip_prefix("register:") {
                        Some(id) => format!("pendaftaran entri {id}"),
                        None => "draf keluar baru".into(),
                    };
                    let message = if self.en {
                        format!("An unfinished form was kept ({key}). Resume it?")
                    } else {
                        format!("Ada isian {what} yang belum selesai. Lanjutkan?")
                    };
                    self.layers.push(Layer::Confirm(ConfirmState {
                        message,
                        kind: ConfirmKind::ResumeDraft { key, data },
                    }));
                }
                Vec::new()
            }
            (Purpose::Attachment(path), Reply::Attachment { data_b64, .. }) => {
                vec![Effect::WriteFile(path, data_b64)]
            }
            (Purpose::Ignore, _) => Vec::new(),
            (p, r) => {
                self.error(format!("balasan tak terduga untuk {p:?}: {r:?}"));
                Vec::new()
            }
        }
    }

    /// Reports the outcome of an effect the driver ran.
    pub fn notify(&mut self, text: String, error: bool) {
        self.dirty = true;
        self.message = Some(Message { text, error });
    }

    /// Counts for the header: untriaged scans, overdue open entries, ingest progress.
    pub fn counts(&self) -> (u64, u64, IngestProgress) {
        let baru = match &self.status {
            Some(s) => s.counts.get(Book::Masuk, Status::Baru),
            None => self
                .masuk
                .entries
                .iter()
                .filter(|e| e.status == Status::Baru)
                .count() as u64,
        };
        let overdue = self
            .masuk
            .entries
            .iter()
            .chain(self.keluar.entries.iter())
            .filter(|e| e.status.is_open() && e.batas_waktu.is_some_and(|b| b <= self.now))
            .count() as u64;
        let ingest = self
            .status
            .as_ref()
            .map(|s| s.ingest.clone())
            .unwrap_or_default();
        (baru, overdue, ingest)
    }
}

/// How many entries a tab loads (newest first; untriaged scans are shown on top).
pub const LIST_LIMIT: usize = 2000;

fn list_call(p: Pane) -> Effect {
    if p == Pane::Insiden {
        return super::insiden::list_call();
    }
    Effect::Call(
        Request::AgendaList {
            book: Some(match p {
                Pane::Keluar => Book::Keluar,
                _ => Book::Masuk,
            }),
            status: None,
            limit: Some(LIST_LIMIT),
            before: None,
        },
        Purpose::List(p),
    )
}
