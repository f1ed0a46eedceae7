//! The UI-free console state: `update(Action) -> Vec<Effect>`; replies and events come back through
//! `on_reply` / `on_event`. Nothing here touches the terminal or the socket.

use std::path::PathBuf;

use crossterm::event::KeyEvent;

use super::action::{ACTIONS, Action, Pane};
pub use super::ctx::{Ctx, Message, NodeHeader};
use super::disposisi::DisposisiPane;
pub use super::effect::{Effect, Purpose};
use super::form::{FormPurpose, FormState, Kind};
use super::keymap::{Key, Keymap, Lookup};
pub use super::layer::{
    ConfirmKind, ConfirmState, DetailState, HelpState, Layer, PeersState, PromptKind, PromptState,
    textarea,
};
use super::pane::PaneState;
use super::theme::Theme;
use crate::domain::calendar::WorkCalendar;
use crate::domain::{Book, Entry, Status};
use crate::proto::disposisi::{DisposisiReply, DisposisiRequest};
use crate::proto::{Event, IngestProgress, Reply, Request};

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
    /// Deadlines of the open entries, sorted: the overdue count is a binary search per frame.
    pub open_deadlines: Vec<jiff::Timestamp>,
    /// The node's zone: `dari:`/`sampai:` dates of the filter are days there (set at welcome).
    pub zone: Option<jiff::tz::TimeZone>,
}

impl EntryList {
    /// How many open entries are overdue at `now` (deadline reached: overdue flips exactly at it).
    pub fn overdue_at(&self, now: jiff::Timestamp) -> usize {
        self.open_deadlines.partition_point(|d| *d <= now)
    }

    pub fn new(book: Book) -> EntryList {
        EntryList {
            book,
            entries: Vec::new(),
            view: Vec::new(),
            cursor: 0,
            offset: 0,
            filter: String::new(),
            open_deadlines: Vec::new(),
            zone: None,
        }
    }

    /// Replaces the entries, keeping the cursor on the same entry id when it is still listed.
    pub fn set_entries(&mut self, mut entries: Vec<Entry>, page: usize) {
        let keep = self.selected().map(|e| e.id);
        // Untriaged scans first; otherwise the node's order (newest first).
        entries.sort_by_key(|e| e.status != Status::Baru);
        self.open_deadlines = entries
            .iter()
            .filter(|e| e.status.is_open())
            .filter_map(|e| e.batas_waktu)
            .collect();
        self.open_deadlines.sort_unstable();
        self.entries = entries;
        self.rebuild(keep, page);
    }

    /// Recomputes the filtered view and puts the cursor on `keep` if listed.
    pub fn rebuild(&mut self, keep: Option<u64>, page: usize) {
        let mut f = Filter::parse(&self.filter);
        f.zone = self.zone.clone();
        self.view = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| f.matches(e))
            .map(|(i, _)| i)
            .collect();
        f.sort_view(&self.entries, &mut self.view);
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

/// The `/` filter: `status:baru`, `k:R` (klasifikasi code), `dari:2026-11-01` / `sampai:2026-11-30`
/// (received date, inclusive, in the node's zone), `urut:nomor|perihal|batas|k` (sort; default newest
/// first with untriaged scans on top); other words match the entry's text.
#[derive(Debug, Default)]
pub struct Filter {
    status: Option<String>,
    k: Option<String>,
    from: Option<jiff::civil::Date>,
    to: Option<jiff::civil::Date>,
    /// Sort key named by `urut:`.
    pub sort: Option<String>,
    words: Vec<String>,
    /// The zone whose calendar days `dari:`/`sampai:` name (the node's; the system's when unset).
    pub zone: Option<jiff::tz::TimeZone>,
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
            } else if let Some(d) = l.strip_prefix("dari:").and_then(|v| v.parse().ok()) {
                f.from = Some(d);
            } else if let Some(d) = l.strip_prefix("sampai:").and_then(|v| v.parse().ok()) {
                f.to = Some(d);
            } else if let Some(v) = l.strip_prefix("urut:") {
                f.sort = Some(v.to_string());
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
        if self.from.is_some() || self.to.is_some() {
            let tz = self.zone.clone().unwrap_or_else(jiff::tz::TimeZone::system);
            let d = e.received_at.to_zoned(tz).date();
            if self.from.is_some_and(|f| d < f) || self.to.is_some_and(|t| d > t) {
                return false;
            }
        }
        if self.words.is_empty() {
            return true;
        }
        let h = e.haystack();
        self.words.iter().all(|w| h.contains(w.as_str()))
    }

    /// Orders the filtered view (indexes into `entries`) by the `urut:` key, if any.
    pub fn sort_view(&self, entries: &[Entry], view: &mut [usize]) {
        let Some(key) = self.sort.as_deref() else {
            return;
        };
        match key {
            "nomor" | "no" => {
                view.sort_by_key(|&i| (entries[i].nomor_agenda.is_none(), entries[i].nomor_agenda))
            }
            "perihal" => view.sort_by_cached_key(|&i| entries[i].perihal.to_lowercase()),
            "batas" | "deadline" => {
                view.sort_by_key(|&i| (entries[i].batas_waktu.is_none(), entries[i].batas_waktu))
            }
            "k" | "klasifikasi" => view.sort_by_key(|&i| std::cmp::Reverse(entries[i].klasifikasi)),
            "diterima" | "lama" => view.sort_by_key(|&i| entries[i].received_at),
            _ => {}
        }
    }
}

/// The whole console state: what is shared ([`Ctx`], reached through `Deref`) and the panes.
#[derive(Debug, Clone)]
pub struct App {
    pub cx: Ctx,
    pub masuk: EntryList,
    pub keluar: EntryList,
    /// The Palsan pane (equipment register, reminders).
    pub palsan: super::palsan::PalsanPane,
    /// The Disposisi pane.
    pub disposisi: DisposisiPane,
    /// The incident logbook pane (also feeds the SLA clocks of the header).
    pub insiden: super::insiden::InsidenPane,
    /// The backup log (header status, log view).
    pub backup: super::backup::BackupPane,
}

impl std::ops::Deref for App {
    type Target = Ctx;
    fn deref(&self) -> &Ctx {
        &self.cx
    }
}

impl std::ops::DerefMut for App {
    fn deref_mut(&mut self) -> &mut Ctx {
        &mut self.cx
    }
}

impl App {
    pub fn new(keymap: Keymap, theme: Theme, en: bool, derajat: Vec<String>) -> App {
        App {
            cx: Ctx::new(keymap, theme, en, derajat),
            masuk: EntryList::new(Book::Masuk),
            keluar: EntryList::new(Book::Keluar),
            palsan: Default::default(),
            disposisi: DisposisiPane::default(),
            insiden: Default::default(),
            backup: Default::default(),
        }
    }

    /// The entry list of the pane (the Palsan pane has its own list; `masuk` stands in).
    pub fn list(&self) -> &EntryList {
        match self.cx.pane {
            Pane::Masuk | Pane::Palsan | Pane::Disposisi | Pane::Insiden => &self.masuk,
            Pane::Keluar => &self.keluar,
        }
    }

    fn list_mut(&mut self) -> &mut EntryList {
        match self.cx.pane {
            Pane::Masuk | Pane::Palsan | Pane::Disposisi | Pane::Insiden => &mut self.masuk,
            Pane::Keluar => &mut self.keluar,
        }
    }

    /// The keymap contexts that apply now, first wins.
    pub fn contexts(&self) -> Vec<&'static str> {
        self.contexts_at(self.cx.layers.len())
    }

    fn contexts_at(&self, depth: usize) -> Vec<&'static str> {
        match depth.checked_sub(1).and_then(|i| self.cx.layers.get(i)) {
            None => vec![
                match self.cx.pane {
                    Pane::Masuk => "masuk",
                    Pane::Keluar => "keluar",
                    Pane::Palsan => "palsan",
                    Pane::Disposisi => "disposisi",
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
            Some(Layer::Peers(_)) => vec!["peers", "global"],
            Some(Layer::Palsan(l)) => l.contexts(),
            Some(Layer::Dispose(_)) => vec!["disposisi_form"],
            Some(Layer::Backup(_)) => vec!["backup", "global"],
        }
    }

    /// The node refused a request because this operator was disabled (code `disabled`): says so and
    /// offers to quit (the node refuses every further request of this uid).
    pub fn operator_disabled(&mut self, why: &str) {
        self.cx.dirty = true;
        self.cx.error(why.to_string());
        if !self
            .layers
            .iter()
            .any(|l| matches!(l, Layer::Confirm(c) if matches!(c.kind, ConfirmKind::Quit)))
        {
            self.cx.layers.push(Layer::Confirm(ConfirmState {
                message: self
                    .tr(
                        "Operator Anda dinonaktifkan oleh admin; node menolak semua permintaan. Keluar dari konsol?",
                        "Your operator was disabled by an admin; the node refuses every request. Quit the console?",
                    )
                    .to_string(),
                kind: ConfirmKind::Quit,
            }));
        }
    }

    /// The entry the entry actions apply to: the open detail, else the list's selection.
    pub fn current(&self) -> Option<&Entry> {
        for l in self.cx.layers.iter().rev() {
            if let Layer::Detail(d) = l {
                return d.entry.as_deref();
            }
        }
        // Entry actions reach only what is on screen: the agenda list of the shown pane (issue 10.7).
        if !self.cx.pane.is_agenda() {
            return None;
        }
        self.list().selected()
    }

    /// Requests that load everything at start.
    pub fn start(&mut self) -> Vec<Effect> {
        let backup = super::backup::start_call(&mut self.backup, &mut self.cx);
        vec![
            Effect::Call(
                Request::Hello {
                    client: "kasa-console".into(),
                    as_uid: None,
                },
                Purpose::Welcome,
            ),
            Effect::Call(Request::Status, Purpose::Status),
            list_call(Pane::Masuk),
            list_call(Pane::Keluar),
            Effect::Call(Request::DraftList, Purpose::Drafts),
            super::palsan::reminders_call(),
            Effect::Call(Request::OperatorList, Purpose::Operators),
            super::insiden::list_call(),
            backup,
        ]
        .into_iter()
        .chain(super::disposisi::list_effects())
        .collect()
    }

    /// Requests the console timer asks for (the terminal calls this every second): the backup log
    /// once a minute.
    pub fn timers(&mut self) -> Vec<Effect> {
        super::backup::timer_calls(&mut self.backup, &mut self.cx)
    }

    /// Requests that refetch what is visible.
    pub fn refresh(&self) -> Vec<Effect> {
        let mut v = vec![Effect::Call(Request::Status, Purpose::Status)];
        if self.cx.pane != Pane::Palsan {
            v.push(list_call(self.cx.pane));
        }
        v.extend(self.palsan.refresh(&self.cx));
        for l in &self.cx.layers {
            if let Layer::Detail(d) = l {
                v.push(Effect::Call(
                    Request::AgendaShow { id: d.id },
                    Purpose::Show(d.id),
                ));
                v.push(chain_call(d.id));
            }
        }
        v.extend(super::disposisi::list_effects());
        if super::backup::view_open(&self.cx) {
            v.push(super::backup::log_call(super::backup::BackupNext::Nothing));
        }
        v
    }

    /// A new terminal size.
    pub fn resize(&mut self, w: u16, h: u16) {
        self.cx.size = (w, h);
        let page = self.cx.page();
        self.masuk.clamp(page);
        self.keluar.clamp(page);
        self.cx.dirty = true;
    }

    /// A pushed node event.
    pub fn on_event(&mut self, ev: Event) -> Vec<Effect> {
        self.cx.dirty = true;
        match ev {
            Event::Changed { change } => {
                let mut v = self.refresh();
                // The header clocks need the incident list whatever pane is shown.
                if matches!(change, crate::store::Change::Insiden { .. })
                    && self.cx.pane != Pane::Insiden
                {
                    v.push(super::insiden::list_call());
                }
                v
            }
            Event::Ingest { progress } => {
                if let Some(s) = &mut self.cx.status {
                    s.ingest = progress;
                }
                Vec::new()
            }
            Event::Stopping => {
                self.cx.connected = false;
                Vec::new()
            }
        }
    }

    /// A terminal key.
    pub fn on_key(&mut self, ev: KeyEvent) -> Vec<Effect> {
        self.cx.dirty = true;
        let k = Key::from_event(ev);
        let ctxs = self.contexts();
        let mut seq = std::mem::take(&mut self.cx.pending);
        seq.push(k);
        match self.cx.keymap.lookup(&ctxs, &seq) {
            Lookup::Pending => {
                self.cx.pending = seq;
                Vec::new()
            }
            Lookup::Action(a) => {
                // Picker keys (←/→/space) edit text when the focus is a text field.
                let text_focus = matches!(self.cx.layers.last(), Some(Layer::Form(f))
                    if matches!(f.focused().kind, Kind::Text | Kind::Date))
                    || matches!(self.cx.layers.last(), Some(Layer::Palsan(l)) if l.text_focus())
                    || matches!(self.cx.layers.last(), Some(Layer::Dispose(f)) if f.text_focus());
                if text_focus && matches!(a, Action::CycleNext | Action::CyclePrev) {
                    return self.raw_input(ev);
                }
                self.cx.message = None;
                self.update(a)
            }
            Lookup::None if seq.len() > 1 => Vec::new(),
            Lookup::None => self.raw_input(ev),
        }
    }

    fn raw_input(&mut self, ev: KeyEvent) -> Vec<Effect> {
        let palsan_filter = self.cx.pane == Pane::Palsan;
        match self.cx.layers.last_mut() {
            Some(Layer::Palsan(l)) => {
                l.input(ev);
                Vec::new()
            }
            Some(Layer::Dispose(f)) => {
                f.input(ev);
                Vec::new()
            }
            Some(Layer::Form(f)) => {
                if f.input(ev) {
                    return vec![draft_put(f)];
                }
                Vec::new()
            }
            Some(Layer::Prompt(p)) => {
                if p.input.input(ev) {
                    p.completion = None;
                    p.error = None;
                    if p.kind == PromptKind::Filter && palsan_filter {
                        let v = p.value();
                        super::palsan::set_filter(&mut self.palsan, &mut self.cx, v);
                    } else if p.kind == PromptKind::Filter {
                        let v = p.value();
                        let page = self.cx.page();
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

    /// An action on the selected entry that needs one argument: without it, a prompt asks for it (and
    /// re-runs the action); with it, `call` builds the request and the success message.
    fn ask_or_call<T>(
        &mut self,
        arg: Option<T>,
        kind: fn(u64) -> PromptKind,
        initial: &str,
        call: impl FnOnce(u64, T) -> (Request, String),
    ) -> Vec<Effect> {
        let Some(e) = self.need_entry() else {
            return Vec::new();
        };
        match arg {
            None => {
                self.cx.prompt(kind(e.id), initial);
                Vec::new()
            }
            Some(a) => {
                let (req, done) = call(e.id, a);
                vec![Effect::Call(req, Purpose::Done(done))]
            }
        }
    }

    fn need_entry(&mut self) -> Option<Entry> {
        let e = self.current().cloned();
        if e.is_none() {
            let msg = if self.cx.pane.is_agenda() {
                self.cx
                    .tr("tidak ada entri terpilih", "no entry selected")
                    .to_string()
            } else {
                self.not_here()
            };
            self.cx.error(msg);
        }
        e
    }

    /// The refusal for an entry action outside the agenda panes: names the tabs where it applies.
    pub(crate) fn not_here(&self) -> String {
        let here = super::pane::tab_ref(self.cx.pane, self.cx.en);
        if self.cx.en {
            format!(
                "this action is for buku agenda entries, not the {here} tab: open {} or {}",
                super::pane::tab_ref(Pane::Masuk, true),
                super::pane::tab_ref(Pane::Keluar, true)
            )
        } else {
            format!(
                "aksi ini untuk entri buku agenda, bukan tab {here}: buka tab {} atau {}",
                super::pane::tab_ref(Pane::Masuk, false),
                super::pane::tab_ref(Pane::Keluar, false)
            )
        }
    }

    /// Refuses a pane's action while another pane is shown (its cursor is not on screen); true when
    /// refused.
    fn refuse_hidden(&mut self, owner: Pane) -> bool {
        if self.cx.pane == owner {
            return false;
        }
        let msg = if self.cx.en {
            format!(
                "this action acts in the {} tab: open it first",
                super::pane::tab_ref(owner, true)
            )
        } else {
            format!(
                "aksi ini bekerja di tab {}: buka tab itu dahulu",
                super::pane::tab_ref(owner, false)
            )
        };
        self.cx.error(msg);
        true
    }

    /// Runs one named action.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        self.cx.dirty = true;
        if let Some(e) = self.palsan.update(&mut self.cx, &action) {
            return e;
        }
        if let Some(e) = self.dispose_form_action(&action) {
            return e;
        }
        let page = self.cx.page();
        if let Some(e) = self.insiden.update(&mut self.cx, &action) {
            return e;
        }
        if let Some(e) = self.disposisi.update(&mut self.cx, &action) {
            return e;
        }
        if let Some(e) = super::backup::update(&mut self.backup, &mut self.cx, &action) {
            return e;
        }
        match action {
            Action::None => Vec::new(),
            Action::Quit => {
                if self.cx.form().is_some_and(|f| f.changed)
                    && !matches!(self.cx.layers.last(), Some(Layer::Confirm(_)))
                {
                    let m = self
                        .tr(
                            "Keluar dari konsol? Isian formulir tersimpan sebagai draf di node.",
                            "Quit? The form's input is kept as a draft on the node.",
                        )
                        .to_string();
                    self.cx.layers.push(Layer::Confirm(ConfirmState {
                        message: m,
                        kind: ConfirmKind::Quit,
                    }));
                    return Vec::new();
                }
                self.cx.quit = true;
                vec![Effect::Quit]
            }
            Action::Redraw => vec![Effect::ClearScreen],
            Action::Help => {
                if matches!(self.cx.layers.last(), Some(Layer::Help(_))) {
                    self.cx.layers.pop();
                } else {
                    let ctxs = self.contexts();
                    self.cx.layers.push(Layer::Help(HelpState {
                        ctxs,
                        view: Default::default(),
                    }));
                }
                Vec::new()
            }
            Action::Command => {
                self.cx.prompt(PromptKind::Command, "");
                Vec::new()
            }
            Action::Filter(_) | Action::Goto(_) if !self.cx.pane.is_agenda() => {
                let msg = self.cx.tr(
                    "saringan dan lompat tidak tersedia di tab ini",
                    "filter and goto are not available in this tab",
                );
                self.cx.error(msg);
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
                self.cx.prompt(PromptKind::Filter, &f);
                Vec::new()
            }
            Action::Back => self.back(),
            Action::Tab(p) => {
                self.cx.layers.retain(|l| matches!(l, Layer::Form(_)));
                if !self.cx.layers.is_empty() {
                    return Vec::new();
                }
                self.cx.pane = p;
                vec![list_call(p)]
            }
            Action::TabNext => self.update(Action::Tab(super::pane::next(self.cx.pane))),
            ref a @ (Action::Down
            | Action::Up
            | Action::PageDown
            | Action::PageUp
            | Action::Top
            | Action::Bottom) => {
                let d = a.motion(page as isize).unwrap_or(0);
                // Text views page by the rows they showed at the last draw.
                let rows = |v: &super::widgets::TextView| a.motion(v.page()).unwrap_or(0);
                match self.cx.layers.last_mut() {
                    Some(Layer::Detail(s)) => s.view.scroll_by(rows(&s.view)),
                    Some(Layer::Help(s)) => s.view.scroll_by(rows(&s.view)),
                    Some(Layer::Peers(s)) => {
                        let n = s.peers.len() as isize;
                        s.cursor = (s.cursor as isize)
                            .saturating_add(d)
                            .clamp(0, (n - 1).max(0)) as usize;
                    }
                    Some(_) => {}
                    None if self.cx.pane == Pane::Disposisi => self.disposisi.move_by(d),
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
                self.cx.layers.push(Layer::Detail(DetailState {
                    id: e.id,
                    entry: Some(Box::new(e.clone())),
                    text: None,
                    pengiriman: Vec::new(),
                    chain: Vec::new(),
                    view: Default::default(),
                }));
                vec![
                    Effect::Call(Request::AgendaShow { id: e.id }, Purpose::Show(e.id)),
                    chain_call(e.id),
                ]
            }
            Action::Refresh => {
                let mut v = self.refresh();
                if !super::backup::view_open(&self.cx) {
                    self.backup.asked_at = Some(self.cx.now);
                    v.push(super::backup::log_call(super::backup::BackupNext::Nothing));
                }
                v
            }
            Action::Goto(id) => {
                let l = self.list_mut();
                if let Some(p) = l.view.iter().position(|&i| l.entries[i].id == id) {
                    l.move_to(p as isize, page);
                } else {
                    self.cx.error(format!("entri {id} tidak ada di daftar ini"));
                }
                Vec::new()
            }
            Action::Triage => {
                let Some(e) = self.need_entry() else {
                    return Vec::new();
                };
                if e.status != Status::Baru {
                    self.cx.error(format!(
                        "entri {} berstatus {}: hanya pindaian 'baru' yang didaftarkan",
                        e.id,
                        e.status.as_str()
                    ));
                    return Vec::new();
                }
                let mut form = FormState::for_entry(&e, self.cx.derajat.clone());
                let key = form.purpose.draft_key();
                if let Some((_, data)) = self.cx.drafts.iter().find(|(k, _)| *k == key)
                    && let Ok(rf) = serde_json::from_str(data)
                {
                    form.set_fields(&rf);
                    for f in &mut form.fields {
                        f.suggested = false;
                    }
                    form.changed = true;
                    form.revalidate();
                }
                self.cx.layers.push(Layer::Form(Box::new(form)));
                Vec::new()
            }
            Action::Duplicate(of) => self.ask_or_call(of, PromptKind::Duplicate, "", |id, of| {
                (
                    Request::MarkDuplicate { id, of },
                    format!("entri {id} ditandai duplikat dari {of}"),
                )
            }),
            Action::Void(reason) => self.ask_or_call(reason, PromptKind::Void, "", |id, reason| {
                (
                    Request::Void { id, reason },
                    format!("entri {id} dibatalkan"),
                )
            }),
            Action::Note(text) => self.ask_or_call(text, PromptKind::Note, "", |id, text| {
                (
                    Request::Note { id, text },
                    format!("catatan ditambahkan ke entri {id}"),
                )
            }),
            Action::Export(path) => {
                let Some(e) = self.need_entry() else {
                    return Vec::new();
                };
                let Some(a) = e.attachments.first() else {
                    self.cx
                        .error(format!("entri {} tidak punya lampiran", e.id));
                    return Vec::new();
                };
                match path {
                    None => {
                        let name = a.name.clone();
                        self.cx
                            .prompt(PromptKind::Export(e.id), &format!("./{name}"));
                        Vec::new()
                    }
                    Some(p) => vec![Effect::Call(
                        Request::Attachment { id: e.id, index: 0 },
                        Purpose::Attachment(PathBuf::from(p)),
                    )],
                }
            }
            Action::KeluarNew => {
                self.cx.pane = Pane::Keluar;
                let mut form = FormState::new(FormPurpose::KeluarNew, self.cx.derajat.clone());
                if let Some((_, data)) = self.cx.drafts.iter().find(|(k, _)| k == "keluar:new")
                    && let Ok(rf) = serde_json::from_str(data)
                {
                    form.set_fields(&rf);
                    form.revalidate();
                }
                self.cx.layers.push(Layer::Form(Box::new(form)));
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
            Action::KeluarSend(saluran) => self.ask_or_call(
                saluran,
                PromptKind::Saluran,
                "Email Sanapati",
                |id, saluran| {
                    let done = format!("entri {id} terkirim lewat {saluran}");
                    (
                        Request::KeluarSend {
                            id,
                            saluran,
                            sent_at: None,
                        },
                        done,
                    )
                },
            ),
            Action::Seal(to) => {
                let Some(e) = self.need_entry() else {
                    return Vec::new();
                };
                match to {
                    None => {
                        self.cx.prompt(PromptKind::Seal(e.id), "");
                        Vec::new()
                    }
                    Some(arg) => {
                        // `5171,51 /path/surat.pdf …`: node ids, then (optionally) files to enclose.
                        let (files, ids): (Vec<&str>, Vec<&str>) = arg
                            .split([',', ' '])
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .partition(|t| t.contains('/') || t.starts_with('~'));
                        let to: Vec<String> = ids.into_iter().map(String::from).collect();
                        if to.is_empty() {
                            self.cx.error("sebutkan id node tujuan, mis. 51 atau 51,5171 (lalu path berkas bila perlu)");
                            return Vec::new();
                        }
                        let req = Request::KriptogramSeal {
                            entry: Some(e.id),
                            fields: None,
                            to: to.clone(),
                            yes_unverified: false,
                            files: Vec::new(),
                        };
                        let purpose = Purpose::Sealed { id: e.id, to };
                        if files.is_empty() {
                            vec![Effect::Call(req, purpose)]
                        } else {
                            vec![Effect::CallWithFiles(
                                req,
                                files.into_iter().map(PathBuf::from).collect(),
                                purpose,
                            )]
                        }
                    }
                }
            }
            Action::Peers => vec![Effect::Call(Request::PeerList, Purpose::Peers)],
            Action::Unlock => {
                self.cx.prompt(PromptKind::Unlock, "");
                Vec::new()
            }
            Action::PeerVerify => {
                let Some(Layer::Peers(p)) = self.cx.layers.last() else {
                    return Vec::new();
                };
                let Some(peer) = p.peers.get(p.cursor) else {
                    return Vec::new();
                };
                let sn = peer
                    .safety_number
                    .clone()
                    .unwrap_or_else(|| "(node ini belum punya identitas)".into());
                let message = format!(
                    "{} ({}) — nomor keamanan / safety number: {sn}. Bacakan dan bandingkan dengan petugas node mitra. Cocok?",
                    peer.node_id, peer.name
                );
                self.cx.layers.push(Layer::Confirm(ConfirmState {
                    message,
                    kind: ConfirmKind::VerifyPeer {
                        node_id: peer.node_id.clone(),
                    },
                }));
                Vec::new()
            }
            Action::FormNext | Action::FormPrev => {
                let d = if action == Action::FormNext { 1 } else { -1 };
                if let Some(f) = self.cx.form_mut() {
                    f.next(d);
                }
                Vec::new()
            }
            Action::ClearField => {
                if let Some(Layer::Prompt(p)) = self.cx.layers.last_mut() {
                    p.input = textarea("");
                    return Vec::new();
                }
                if let Some(f) = self.cx.form_mut()
                    && matches!(f.focused().kind, Kind::Text | Kind::Date)
                {
                    let name = f.focused().name;
                    f.set_text(name, "");
                    return vec![draft_put(f)];
                }
                Vec::new()
            }
            Action::FormEnter => {
                let submit = match self.cx.form_mut() {
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
            Action::Submit => match self.cx.layers.last() {
                Some(Layer::Prompt(_)) => self.submit_prompt(),
                Some(Layer::Form(_)) => self.submit_form(),
                Some(Layer::Confirm(_)) => self.update(Action::Yes),
                _ => Vec::new(),
            },
            Action::CycleNext | Action::CyclePrev => {
                let d = if action == Action::CycleNext { 1 } else { -1 };
                if let Some(f) = self.cx.form_mut()
                    && f.cycle(d)
                {
                    return vec![draft_put(f)];
                }
                Vec::new()
            }
            Action::Complete => {
                self.complete();
                Vec::new()
            }
            Action::Yes => {
                let Some(Layer::Confirm(c)) = self.cx.layers.pop() else {
                    return Vec::new();
                };
                match c.kind {
                    ConfirmKind::Quit => {
                        self.cx.quit = true;
                        vec![Effect::Quit]
                    }
                    ConfirmKind::DiscardForm => {
                        if let Some(Layer::Form(f)) = self.cx.layers.pop() {
                            self.cx.drafts.retain(|(k, _)| *k != f.purpose.draft_key());
                            return vec![Effect::Call(
                                Request::DraftDelete {
                                    key: f.purpose.draft_key(),
                                },
                                Purpose::Ignore,
                            )];
                        }
                        Vec::new()
                    }
                    ConfirmKind::SealUnverified { id, to } => vec![Effect::Call(
                        Request::KriptogramSeal {
                            entry: Some(id),
                            fields: None,
                            to: to.clone(),
                            yes_unverified: true,
                            files: Vec::new(),
                        },
                        Purpose::Sealed { id, to },
                    )],
                    ConfirmKind::Backup { to } => {
                        super::backup::confirmed(&mut self.backup, &mut self.cx, to)
                    }
                    ConfirmKind::VerifyPeer { node_id } => vec![Effect::Call(
                        Request::PeerVerify {
                            node_id,
                            confirm: true,
                        },
                        Purpose::PeerVerified,
                    )],
                    ConfirmKind::ResumeDraft { key, .. } => {
                        if let Some(id) = key
                            .strip_prefix("register:")
                            .and_then(|s| s.parse::<u64>().ok())
                        {
                            self.cx.pane = Pane::Masuk;
                            let l = &mut self.masuk;
                            if let Some(p) = l.view.iter().position(|&i| l.entries[i].id == id) {
                                l.move_to(p as isize, page);
                                return self.update(Action::Triage);
                            }
                            self.cx
                                .error(format!("entri {id} tidak lagi berstatus baru"));
                            Vec::new()
                        } else {
                            self.update(Action::KeluarNew)
                        }
                    }
                }
            }
            Action::PalsanAdd
            | Action::PalsanCheckout
            | Action::PalsanCheckin
            | Action::PalsanRepair
            | Action::PalsanStep
            | Action::PalsanDispose
            | Action::PalsanEdit
            | Action::PalsanKunci
            | Action::PalsanKunciStatus
            | Action::PalsanSanapati
            | Action::PalsanAudit => {
                self.refuse_hidden(Pane::Palsan);
                Vec::new()
            }
            Action::Dispose => {
                let Some(e) = self.need_entry() else {
                    return Vec::new();
                };
                if let Err(r) = crate::domain::disposisi::check_disposable(&e) {
                    self.cx.error(r.to_string());
                    return Vec::new();
                }
                vec![Effect::Call(
                    Request::Disposisi(DisposisiRequest::Entry { entry: e.id }),
                    Purpose::DisposeForm(e.id, None),
                )]
            }
            Action::DisposisiTab | Action::DisposisiRead | Action::DisposisiDone(_)
                if self.refuse_hidden(Pane::Disposisi) =>
            {
                Vec::new()
            }
            // Handled by the Disposisi pane when it is shown (`disposisi.rs`).
            Action::DisposisiTab | Action::DisposisiRead | Action::DisposisiDone(_) => Vec::new(),
            Action::InsidenNew
            | Action::InsidenLog(_)
            | Action::InsidenTick(_)
            | Action::InsidenPlaybook(_)
            | Action::InsidenClose(_)
            | Action::InsidenSet(_) => Vec::new(),
            // Handled by `backup::update`.
            Action::Backup | Action::BackupLog => Vec::new(),
            Action::No => {
                if let Some(Layer::Confirm(c)) = self.cx.layers.pop()
                    && let ConfirmKind::ResumeDraft { key, .. } = c.kind
                {
                    self.cx.drafts.retain(|(k, _)| *k != key);
                    return vec![Effect::Call(Request::DraftDelete { key }, Purpose::Ignore)];
                }
                Vec::new()
            }
        }
    }

    fn back(&mut self) -> Vec<Effect> {
        match self.cx.layers.last() {
            Some(Layer::Form(f)) if f.changed => {
                let m = self
                    .tr(
                        "Buang isian formulir ini (dan drafnya)?",
                        "Discard this form (and its draft)?",
                    )
                    .to_string();
                self.cx.layers.push(Layer::Confirm(ConfirmState {
                    message: m,
                    kind: ConfirmKind::DiscardForm,
                }));
            }
            Some(_) => {
                self.cx.layers.pop();
            }
            None => {
                let page = self.cx.page();
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
        let Some(Layer::Prompt(p)) = self.cx.layers.last_mut() else {
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
        let Some(Layer::Prompt(p)) = self.cx.layers.pop() else {
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
                return super::insiden::submit_prompt(&mut self.cx, k.clone(), v);
            }
            PromptKind::Command => {
                if v.is_empty() {
                    return Vec::new();
                }
                match Action::parse(&v) {
                    Ok(a) => a,
                    Err(e) => {
                        self.cx.error(e);
                        return Vec::new();
                    }
                }
            }
            _ if v.is_empty() => {
                let error = Some(self.cx.tr("wajib diisi", "required").to_string());
                self.cx
                    .layers
                    .push(Layer::Prompt(Box::new(PromptState { error, ..*p })));
                return Vec::new();
            }
            PromptKind::Void(_) => Action::Void(Some(v)),
            PromptKind::Note(_) => Action::Note(Some(v)),
            PromptKind::Export(_) => Action::Export(Some(v)),
            PromptKind::Saluran(_) => Action::KeluarSend(Some(v)),
            PromptKind::Seal(_) => Action::Seal(Some(v)),
            PromptKind::Unlock => {
                // Never an action with the secret as its argument (it would show in help or history).
                return vec![Effect::Call(
                    Request::Unlock { passphrase: v },
                    Purpose::Unlocked,
                )];
            }
            PromptKind::DisposisiDone(_) => Action::DisposisiDone(Some(v)),
            PromptKind::Duplicate(_) => match v.parse() {
                Ok(of) => Action::Duplicate(Some(of)),
                Err(_) => {
                    let error = Some(format!("'{v}' bukan id entri (angka)"));
                    self.cx
                        .layers
                        .push(Layer::Prompt(Box::new(PromptState { error, ..*p })));
                    return Vec::new();
                }
            },
        };
        self.update(a)
    }

    fn submit_form(&mut self) -> Vec<Effect> {
        let Some(f) = self.cx.form_mut() else {
            return Vec::new();
        };
        f.revalidate();
        f.refused = None;
        if let Some((name, _)) = f.errors.first() {
            let name = *name;
            f.focus_on(name);
            self.cx.error(
                self.cx
                    .tr("perbaiki isian yang ditandai", "fix the marked fields")
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
        self.cx.dirty = true;
        let purpose = match purpose {
            Purpose::Palsan(p) => {
                return super::palsan::on_reply(&mut self.palsan, &mut self.cx, p, r);
            }
            Purpose::Backup(p) => {
                return super::backup::on_reply(&mut self.backup, &mut self.cx, p, r);
            }
            other => other,
        };
        let page = self.cx.page();
        let reply = match r {
            Ok(r) => r,
            Err(e) => {
                match purpose {
                    Purpose::Registered(_) | Purpose::KeluarCreated => {
                        if let Some(f) = self.cx.form_mut() {
                            f.refused = Some(e.clone());
                        }
                        self.cx.error(e);
                    }
                    Purpose::Ignore => {}
                    Purpose::Unlocked => {
                        self.cx.prompt(PromptKind::Unlock, "");
                        if let Some(Layer::Prompt(p)) = self.cx.layers.last_mut() {
                            p.error = Some(e);
                        }
                    }
                    Purpose::Sealed { id, to } if e.contains("--yes-unverified") => {
                        let message = format!(
                            "{e}\n\nTetap kirim ke node yang belum diverifikasi? / Seal to an unverified peer anyway?"
                        );
                        self.cx.layers.push(Layer::Confirm(ConfirmState {
                            message,
                            kind: ConfirmKind::SealUnverified { id, to },
                        }));
                    }
                    Purpose::Disposed => {
                        if let Some(Layer::Dispose(f)) = self.cx.layers.last_mut() {
                            f.error = Some(e.clone());
                        }
                        self.cx.error(e);
                    }
                    Purpose::DisposisiChain(_) => {}
                    Purpose::InsidenLogged(id) => super::insiden::log_refused(&mut self.cx, id, e),
                    _ => self.cx.error(e),
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
                self.cx.node.id = node_id;
                self.cx.node.name = node_name;
                if let Ok(c) = WorkCalendar::new(&zone, []) {
                    self.masuk.zone = Some(c.zone.clone());
                    self.keluar.zone = Some(c.zone.clone());
                    self.cx.node.calendar = c;
                }
                self.cx.operator = Some(operator);
                self.cx.connected = true;
                Vec::new()
            }
            (Purpose::Status, Reply::Status(s)) => {
                self.cx.alarms_open = s.alarms_open;
                let locked = s.locked;
                self.cx.status = Some(*s);
                // The node has keys but no passphrase yet (started by this console, or without a file):
                // ask once, like `kasa node unlock`. Esc skips; kriptogram work then says what to do.
                if locked && !self.cx.unlock_asked && self.cx.layers.is_empty() {
                    self.cx.unlock_asked = true;
                    self.cx.prompt(PromptKind::Unlock, "");
                }
                Vec::new()
            }
            (Purpose::Unlocked, Reply::Ok) => {
                self.cx.info(
                    self.cx
                        .tr(
                            "node terbuka: kriptogram dan dokumen rahasia dapat dipakai",
                            "node unlocked",
                        )
                        .to_string(),
                );
                vec![Effect::Call(Request::Status, Purpose::Status)]
            }
            (Purpose::List(p), Reply::Entries { entries }) => {
                match p {
                    Pane::Masuk | Pane::Disposisi | Pane::Insiden => {
                        self.masuk.set_entries(entries, page)
                    }
                    Pane::Keluar => self.keluar.set_entries(entries, page),
                    Pane::Palsan => {}
                }
                Vec::new()
            }
            (Purpose::Show(id), Reply::Entry { entry, text }) => {
                let sealed = entry.book == crate::domain::Book::KriptogramKeluar;
                for l in &mut self.cx.layers {
                    if let Layer::Detail(d) = l
                        && d.id == id
                    {
                        d.entry = Some(entry.clone());
                        d.text = text.clone();
                    }
                }
                if sealed {
                    let req =
                        Request::Link(crate::proto::link::LinkRequest::Receipts { entry: id });
                    vec![Effect::Call(req, Purpose::Pengiriman(id))]
                } else {
                    Vec::new()
                }
            }
            (
                Purpose::Pengiriman(id),
                Reply::Link(crate::proto::link::LinkReply::Receipts { pengiriman, .. }),
            ) => {
                for l in &mut self.cx.layers {
                    if let Layer::Detail(d) = l
                        && d.id == id
                    {
                        d.pengiriman = pengiriman.clone();
                    }
                }
                Vec::new()
            }
            (
                Purpose::Sealed { .. },
                Reply::KriptogramSealed {
                    entry,
                    path,
                    recipients,
                    ..
                },
            ) => {
                self.cx.info(format!(
                    "kriptogram nomor {} untuk {} siap di {path}",
                    entry.nomor_agenda.map_or("-".into(), |n| n.to_string()),
                    recipients.join(", ")
                ));
                vec![
                    list_call(Pane::Keluar),
                    Effect::Call(Request::Status, Purpose::Status),
                ]
            }
            (Purpose::Peers, Reply::Peers { peers }) => {
                if peers.is_empty() {
                    self.cx
                        .info("belum ada node mitra: tambahkan dengan `kasa peer add KARTU`");
                    return Vec::new();
                }
                self.cx.layers.retain(|l| !matches!(l, Layer::Peers(_)));
                self.cx.layers.push(Layer::Peers(PeersState {
                    peers,
                    cursor: 0,
                    link: Vec::new(),
                }));
                vec![Effect::Call(
                    Request::Link(crate::proto::link::LinkRequest::PeerStatus),
                    Purpose::LinkStatus,
                )]
            }
            (
                Purpose::LinkStatus,
                Reply::Link(crate::proto::link::LinkReply::PeerStatus { peers }),
            ) => {
                for l in &mut self.cx.layers {
                    if let Layer::Peers(p) = l {
                        p.link = peers.clone();
                    }
                }
                Vec::new()
            }
            (Purpose::PeerVerified, Reply::PeerVerify { peer, .. }) => {
                self.cx.info(format!(
                    "node {} ({}) terverifikasi",
                    peer.node_id, peer.name
                ));
                vec![Effect::Call(Request::PeerList, Purpose::Peers)]
            }
            (Purpose::Registered(id), Reply::Entry { entry, .. }) => {
                self.cx
                    .layers
                    .retain(|l| !matches!(l, Layer::Form(_) | Layer::Detail(_)));
                let key = format!("register:{id}");
                self.cx.drafts.retain(|(k, _)| *k != key);
                let n = entry.nomor_agenda.unwrap_or(0);
                self.cx.info(format!("Nomor agenda {n}"));
                self.cx.pane = Pane::Masuk;
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
                self.cx.layers.retain(|l| !matches!(l, Layer::Form(_)));
                self.cx.drafts.retain(|(k, _)| k != "keluar:new");
                self.cx.info(format!("draf keluar {} dibuat", entry.id));
                self.cx.pane = Pane::Keluar;
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
            ) => self
                .insiden
                .on_reply(&mut self.cx, &p, &r)
                .unwrap_or_default(),
            (Purpose::Done(msg), r) => {
                super::insiden::absorb(&mut self.insiden, &r);
                if let Reply::Entry { entry, .. } = &r
                    && let Some(n) = entry.nomor_agenda
                    && entry.book == Book::Keluar
                {
                    self.cx.info(format!("{msg} · nomor agenda {n}"));
                } else {
                    self.cx.info(msg);
                }
                self.refresh()
            }
            (Purpose::Drafts, Reply::Drafts { drafts }) => {
                self.cx.drafts = drafts;
                if self.cx.form().is_none()
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
                    let message = if self.cx.en {
                        format!("An unfinished form was kept ({key}). Resume it?")
                    } else {
                        format!("Ada isian {what} yang belum selesai. Lanjutkan?")
                    };
                    self.cx.layers.push(Layer::Confirm(ConfirmState {
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
            (
                p @ (Purpose::DisposisiList(_) | Purpose::Operators | Purpose::DisposeForm(..)),
                r,
            ) => self
                .disposisi
                .on_reply(&mut self.cx, &p, &r)
                .unwrap_or_default(),
            (Purpose::Disposed, Reply::Disposisi(DisposisiReply::Written { records })) => {
                self.cx.layers.retain(|l| !matches!(l, Layer::Dispose(_)));
                if let Some(d) = records.first() {
                    self.cx.info(format!(
                        "Disposisi #{} kepada {} terkirim",
                        d.id, d.kepada.nama
                    ));
                }
                self.refresh()
            }
            (
                Purpose::DisposisiChain(id),
                Reply::Disposisi(DisposisiReply::Chain { records, .. }),
            ) => {
                // The chain belongs to the entry's detail (the Disposisi pane keeps only its lists).
                for l in &mut self.cx.layers {
                    if let Layer::Detail(d) = l
                        && d.id == id
                    {
                        d.chain = records.clone();
                    }
                }
                Vec::new()
            }
            (p, r) => {
                self.cx
                    .error(format!("balasan tak terduga untuk {p:?}: {r:?}"));
                Vec::new()
            }
        }
    }

    /// Counts for the header: untriaged scans, overdue open entries, ingest progress.
    pub fn counts(&self) -> (u64, u64, IngestProgress) {
        let baru = match &self.cx.status {
            Some(s) => s.counts.get(Book::Masuk, Status::Baru),
            None => self
                .masuk
                .entries
                .iter()
                .filter(|e| e.status == Status::Baru)
                .count() as u64,
        };
        let overdue =
            (self.masuk.overdue_at(self.cx.now) + self.keluar.overdue_at(self.cx.now)) as u64;
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
    if p == Pane::Palsan {
        return super::palsan::list_call();
    }
    if p == Pane::Insiden {
        return super::insiden::list_call();
    }
    // The Disposisi pane keeps the masuk list fresh (its entries are what one disposes).
    let p = if p == Pane::Disposisi { Pane::Masuk } else { p };
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

/// The request for the disposisi chain of entry `id` (shown in its detail).
fn chain_call(id: u64) -> Effect {
    Effect::Call(
        Request::Disposisi(DisposisiRequest::Entry { entry: id }),
        Purpose::DisposisiChain(id),
    )
}

impl App {
    /// Handles form actions while the dispose form is on top; `None` when it is not.
    fn dispose_form_action(&mut self, a: &Action) -> Option<Vec<Effect>> {
        let Some(Layer::Dispose(f)) = self.cx.layers.last_mut() else {
            return None;
        };
        match a {
            Action::FormNext => f.next(1),
            Action::FormPrev => f.next(-1),
            Action::CycleNext => f.cycle(1),
            Action::CyclePrev => f.cycle(-1),
            Action::ClearField => f.clear_field(),
            Action::Back => {
                self.cx.layers.pop();
            }
            Action::FormEnter if !f.submit_focus() => f.next(1),
            Action::FormEnter | Action::Submit => {
                f.error = None;
                match f.request(&self.cx.node.calendar.zone) {
                    Ok(req) => return Some(vec![Effect::Call(req, Purpose::Disposed)]),
                    Err(e) => {
                        f.error = Some(e.clone());
                        self.cx.error(e);
                    }
                }
            }
            _ => return None,
        }
        Some(Vec::new())
    }
}

/// Saves the form's input as a node draft (nothing typed is lost when the SSH session drops).
fn draft_put(f: &FormState) -> Effect {
    Effect::Call(
        Request::DraftPut {
            key: f.purpose.draft_key(),
            data: f.draft_json(),
        },
        Purpose::Ignore,
    )
}

#[cfg(test)]
mod filter_tests {
    use super::*;
    use crate::domain::{Attachment, Klasifikasi};

    fn entry(
        id: u64,
        day: &str,
        nomor: Option<u64>,
        k: Option<Klasifikasi>,
        perihal: &str,
    ) -> Entry {
        let at: jiff::Timestamp = day
            .parse::<jiff::civil::Date>()
            .unwrap()
            .at(12, 0, 0, 0)
            .to_zoned(jiff::tz::TimeZone::system())
            .unwrap()
            .timestamp();
        let mut e = Entry::new_scan(
            id,
            at,
            Attachment {
                sha256: String::new(),
                name: format!("{id}.pdf"),
                mime: String::new(),
                size: 1,
                pages: None,
                encrypted_at_rest: false,
            },
        );
        e.nomor_agenda = nomor;
        e.klasifikasi = k;
        e.perihal = perihal.into();
        e
    }

    #[test]
    fn date_range_and_sort_tokens() {
        let es = vec![
            entry(
                1,
                "2026-11-01",
                Some(2),
                Some(Klasifikasi::Biasa),
                "Undangan",
            ),
            entry(
                2,
                "2026-11-15",
                Some(1),
                Some(Klasifikasi::Rahasia),
                "Laporan",
            ),
            entry(3, "2026-12-01", None, None, "Aduan"),
        ];
        let f = Filter::parse("dari:2026-11-01 sampai:2026-11-30");
        let ids: Vec<u64> = es.iter().filter(|e| f.matches(e)).map(|e| e.id).collect();
        assert_eq!(ids, vec![1, 2], "both ends inclusive, December excluded");
        let f = Filter::parse("urut:nomor");
        let mut view = vec![0, 1, 2];
        f.sort_view(&es, &mut view);
        assert_eq!(view, vec![1, 0, 2], "by nomor agenda, unnumbered last");
        let f = Filter::parse("urut:k");
        let mut view = vec![0, 1, 2];
        f.sort_view(&es, &mut view);
        assert_eq!(view[0], 1, "Rahasia first");
        let f = Filter::parse("urut:perihal laporan");
        assert!(
            f.matches(&es[1]) && !f.matches(&es[0]),
            "sort token does not filter; words still do"
        );
    }
}
