//! The UI-free console state: `update(Action) -> Vec<Effect>`; replies and events come back through
//! `on_reply` / `on_event`. Nothing here touches the terminal or the socket.

use std::path::PathBuf;

use crossterm::event::KeyEvent;
use jiff::Timestamp;
use ratatui_textarea::TextArea;

use super::action::{ACTIONS, Action, Pane};
use super::disposisi::{DisposeForm, DisposisiPane};
use super::form::{FormPurpose, FormState, Kind};
use super::keymap::{Key, Keymap, Lookup};
use super::theme::Theme;
use crate::domain::calendar::WorkCalendar;
use crate::domain::{Book, Entry, Operator, Status};
use crate::proto::disposisi::{DisposisiReply, DisposisiRequest, Lingkup};
use crate::proto::{Event, IngestProgress, Reply, Request, StatusInfo};

/// Something the driver must do for the state.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Send a request; feed the reply back with `on_reply(purpose, …)`.
    Call(Request, Purpose),
    /// A request that may run for minutes (a backup): the terminal sends it on a connection of its own
    /// in the background and feeds the reply back with `on_reply(purpose, …)`, so the console stays
    /// live; without that (tests), like [`Effect::Call`].
    CallLong(Request, Purpose),
    /// Write exported bytes (base64) to a path.
    WriteFile(PathBuf, String),
    /// Clear and fully redraw the terminal.
    ClearScreen,
    Quit,
    /// Read these files (the operator's own, with the operator's rights), put them into the request's
    /// `files` as base64, then send it like [`Effect::Call`].
    CallWithFiles(Request, Vec<PathBuf>, Purpose),
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
    /// A seal of entry `id` to these peers (retried with `yes_unverified` after a confirmation).
    Sealed {
        id: u64,
        to: Vec<String>,
    },
    Unlocked,
    Peers,
    /// The link status shown in the peers overlay.
    LinkStatus,
    PeerVerified,
    Palsan(super::palsan::PalsanPurpose),
    /// A disposisi list of the Disposisi pane.
    DisposisiList(Lingkup),
    /// The chain of an entry, to open the dispose form `(entry, forwarding disposisi)`.
    DisposeForm(u64, Option<u64>),
    /// The dispose form was submitted.
    Disposed,
    /// The operator list (recipient choices).
    Operators,
    /// The chain of an entry shown in its detail.
    DisposisiChain(u64),
    /// The delivery state per recipient of a sealed entry shown in its detail.
    Pengiriman(u64),
    /// The incident list (Insiden pane and header clocks).
    InsidenList,
    /// Quick capture: the incident was opened; take the log prompt.
    InsidenOpened,
    /// A line typed in the log prompt of this incident was sent (cleared on success, kept on refusal).
    InsidenLogged(u64),
    /// The backup log or a backup run (header, log view, "backup now").
    Backup(super::backup::BackupPurpose),
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

/// The detail view of one entry.
#[derive(Debug, Clone)]
pub struct DetailState {
    pub id: u64,
    pub entry: Option<Box<Entry>>,
    pub text: Option<String>,
    /// Delivery state per recipient of a sealed kriptogram (empty for other books).
    pub pengiriman: Vec<crate::domain::pengiriman::Pengiriman>,
    /// The entry's disposisi chain (shown as a tree), as the node sent it for this detail.
    pub chain: Vec<crate::domain::disposisi::Disposisi>,
    /// Scroll in wrapped screen rows.
    pub view: super::widgets::TextView,
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
    Seal(u64),
    /// The node keystore passphrase (input masked).
    Unlock,
    DisposisiDone(u64),
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
    ResumeDraft {
        key: String,
        data: String,
    },
    /// Seal to peers of which some are not verified yet.
    SealUnverified {
        id: u64,
        to: Vec<String>,
    },
    /// The operator compared the safety number of this peer.
    VerifyPeer {
        node_id: String,
    },
    /// Run a backup to this directory (the node's configured target) now.
    Backup {
        to: String,
    },
}

/// The peers overlay.
#[derive(Debug, Clone)]
pub struct PeersState {
    pub peers: Vec<crate::proto::PeerInfo>,
    pub cursor: usize,
    /// Link status per peer (`kasa peer status`), filled after the list arrives.
    pub link: Vec<crate::proto::link::PeerLinkStatus>,
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
    /// Scroll in wrapped screen rows.
    pub view: super::widgets::TextView,
}

/// Overlays, drawn bottom to top; the top one gets the keys.
#[derive(Debug, Clone)]
pub enum Layer {
    Detail(DetailState),
    Form(Box<FormState>),
    Prompt(Box<PromptState>),
    Confirm(ConfirmState),
    Help(HelpState),
    Peers(PeersState),
    Palsan(Box<super::palsan::PalsanLayer>),
    /// The dispose form (Disposisi pane).
    Dispose(Box<DisposeForm>),
    /// The backup log.
    Backup(super::backup::BackupView),
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
    /// The Palsan pane (equipment register, reminders).
    pub palsan: super::palsan::PalsanPane,
    /// The Disposisi pane.
    pub disposisi: DisposisiPane,
    /// The incident logbook pane (also feeds the SLA clocks of the header).
    pub insiden: super::insiden::InsidenPane,
    /// The backup log (header status, log view).
    pub backup: super::backup::BackupPane,
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
    /// The passphrase prompt for a locked node was shown once this session (DESIGN §5: asked once).
    pub unlock_asked: bool,
    /// Node requests in flight on the worker thread (the header shows a spinner while > 0).
    pub busy: usize,
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
            palsan: Default::default(),
            disposisi: DisposisiPane::default(),
            insiden: Default::default(),
            backup: Default::default(),
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
            now: crate::clock::now(),
            message: None,
            derajat,
            drafts: Vec::new(),
            unlock_asked: false,
            busy: 0,
            pending: Vec::new(),
            size: (80, 24),
            quit: false,
            dirty: true,
        }
    }

    /// A prompt label `what ID tail: ` with `what` and `tail` as (Indonesian, English) texts.
    pub fn label(
        &self,
        what: (&str, &str),
        id: impl std::fmt::Display,
        tail: Option<(&str, &str)>,
    ) -> String {
        let tail = tail.map_or(String::new(), |(i, e)| format!(" {}", self.tr(i, e)));
        format!("{} {id}{tail}: ", self.tr(what.0, what.1))
    }

    /// Picks the Indonesian or English text.
    pub fn tr<'a>(&self, id: &'a str, en: &'a str) -> &'a str {
        if self.en { en } else { id }
    }

    /// The spinner frame while node requests are in flight (the header shows it), else `None`.
    pub fn busy_glyph(&self) -> Option<&'static str> {
        const FRAMES: [&str; 4] = ["◐", "◓", "◑", "◒"];
        (self.busy > 0).then(|| FRAMES[(self.now.as_second().rem_euclid(4)) as usize])
    }

    /// Rows available to the list.
    pub fn page(&self) -> usize {
        (self.size.1 as usize).saturating_sub(5).max(1)
    }

    /// The entry list of the pane (the Palsan pane has its own list; `masuk` stands in).
    pub fn list(&self) -> &EntryList {
        match self.pane {
            Pane::Masuk | Pane::Palsan | Pane::Disposisi | Pane::Insiden => &self.masuk,
            Pane::Keluar => &self.keluar,
        }
    }

    fn list_mut(&mut self) -> &mut EntryList {
        match self.pane {
            Pane::Masuk | Pane::Palsan | Pane::Disposisi | Pane::Insiden => &mut self.masuk,
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
        self.dirty = true;
        self.error(why.to_string());
        if !self
            .layers
            .iter()
            .any(|l| matches!(l, Layer::Confirm(c) if matches!(c.kind, ConfirmKind::Quit)))
        {
            self.layers.push(Layer::Confirm(ConfirmState {
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
        // Entry actions reach only what is on screen: the agenda list of the shown pane (issue 10.7).
        if !self.pane.is_agenda() {
            return None;
        }
        self.list().selected()
    }

    /// Requests that load everything at start.
    pub fn start(&mut self) -> Vec<Effect> {
        let backup = super::backup::start_call(self);
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
        .chain(disposisi_calls())
        .collect()
    }

    /// Requests the console timer asks for (the terminal calls this every second): the backup log
    /// once a minute.
    pub fn timers(&mut self) -> Vec<Effect> {
        super::backup::timer_calls(self)
    }

    /// Requests that refetch what is visible.
    pub fn refresh(&self) -> Vec<Effect> {
        let mut v = vec![Effect::Call(Request::Status, Purpose::Status)];
        if self.pane != Pane::Palsan {
            v.push(list_call(self.pane));
        }
        v.extend(super::palsan::refresh_calls(self));
        for l in &self.layers {
            if let Layer::Detail(d) = l {
                v.push(Effect::Call(
                    Request::AgendaShow { id: d.id },
                    Purpose::Show(d.id),
                ));
                v.push(chain_call(d.id));
            }
        }
        v.extend(disposisi_calls());
        if super::backup::view_open(self) {
            v.push(super::backup::log_call(super::backup::BackupNext::Nothing));
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
                    if matches!(f.focused().kind, Kind::Text | Kind::Date))
                    || matches!(self.layers.last(), Some(Layer::Palsan(l)) if l.text_focus())
                    || matches!(self.layers.last(), Some(Layer::Dispose(f)) if f.text_focus());
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
        let palsan_filter = self.pane == Pane::Palsan;
        match self.layers.last_mut() {
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
                        super::palsan::set_filter(self, v);
                    } else if p.kind == PromptKind::Filter {
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
        let mut input = textarea(initial);
        if kind == PromptKind::Unlock {
            input.set_mask_char('•');
        }
        self.layers.push(Layer::Prompt(Box::new(PromptState {
            kind,
            input,
            completion: None,
            error: None,
        })));
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
                self.prompt(kind(e.id), initial);
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
            let msg = if self.pane.is_agenda() {
                self.tr("tidak ada entri terpilih", "no entry selected")
                    .to_string()
            } else {
                self.not_here()
            };
            self.error(msg);
        }
        e
    }

    /// The refusal for an entry action outside the agenda panes: names the tabs where it applies.
    pub(crate) fn not_here(&self) -> String {
        let here = super::pane::tab_ref(self.pane, self.en);
        if self.en {
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
        if self.pane == owner {
            return false;
        }
        let msg = if self.en {
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
        self.error(msg);
        true
    }

    /// Runs one named action.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        self.dirty = true;
        if let Some(e) = super::palsan::intercept(self, &action) {
            return e;
        }
        if let Some(e) = self.dispose_form_action(&action) {
            return e;
        }
        let page = self.page();
        if let Some(e) = super::insiden::update(self, &action) {
            return e;
        }
        if let Some(e) = super::backup::update(self, &action) {
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
                    self.layers.push(Layer::Help(HelpState {
                        ctxs,
                        view: Default::default(),
                    }));
                }
                Vec::new()
            }
            Action::Command => {
                self.prompt(PromptKind::Command, "");
                Vec::new()
            }
            Action::Filter(_) | Action::Goto(_) if !self.pane.is_agenda() => {
                let msg = self.tr(
                    "saringan dan lompat tidak tersedia di tab ini",
                    "filter and goto are not available in this tab",
                );
                self.error(msg);
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
            Action::TabNext => self.update(Action::Tab(super::pane::next(self.pane))),
            ref a @ (Action::Down
            | Action::Up
            | Action::PageDown
            | Action::PageUp
            | Action::Top
            | Action::Bottom) => {
                let d = a.motion(page as isize).unwrap_or(0);
                // Text views page by the rows they showed at the last draw.
                let rows = |v: &super::widgets::TextView| a.motion(v.page()).unwrap_or(0);
                match self.layers.last_mut() {
                    Some(Layer::Detail(s)) => s.view.scroll_by(rows(&s.view)),
                    Some(Layer::Help(s)) => s.view.scroll_by(rows(&s.view)),
                    Some(Layer::Peers(s)) => {
                        let n = s.peers.len() as isize;
                        s.cursor = (s.cursor as isize)
                            .saturating_add(d)
                            .clamp(0, (n - 1).max(0)) as usize;
                    }
                    Some(_) => {}
                    None if self.pane == Pane::Disposisi => self.disposisi.move_by(d),
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
                if !super::backup::view_open(self) {
                    self.backup.asked_at = Some(self.now);
                    v.push(super::backup::log_call(super::backup::BackupNext::Nothing));
                }
                v
            }
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
                        self.prompt(PromptKind::Seal(e.id), "");
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
                            self.error("sebutkan id node tujuan, mis. 51 atau 51,5171 (lalu path berkas bila perlu)");
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
                self.prompt(PromptKind::Unlock, "");
                Vec::new()
            }
            Action::PeerVerify => {
                let Some(Layer::Peers(p)) = self.layers.last() else {
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
                self.layers.push(Layer::Confirm(ConfirmState {
                    message,
                    kind: ConfirmKind::VerifyPeer {
                        node_id: peer.node_id.clone(),
                    },
                }));
                Vec::new()
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
                    return vec![draft_put(f)];
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
                    return vec![draft_put(f)];
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
                    ConfirmKind::Backup { to } => super::backup::confirmed(self, to),
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
                if self.pane == Pane::Disposisi && self.layers.is_empty() {
                    let Some(d) = self.disposisi.selected().cloned() else {
                        self.error("tidak ada disposisi terpilih");
                        return Vec::new();
                    };
                    return vec![Effect::Call(
                        Request::Disposisi(DisposisiRequest::Entry { entry: d.entry_id }),
                        Purpose::DisposeForm(d.entry_id, Some(d.id)),
                    )];
                }
                let Some(e) = self.need_entry() else {
                    return Vec::new();
                };
                if let Err(r) = crate::domain::disposisi::check_disposable(&e) {
                    self.error(r.to_string());
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
            Action::DisposisiTab => {
                self.disposisi.tab = match self.disposisi.tab {
                    super::disposisi::Tab::UntukSaya => super::disposisi::Tab::DariSaya,
                    super::disposisi::Tab::DariSaya => super::disposisi::Tab::UntukSaya,
                };
                self.disposisi.cursor = 0;
                disposisi_calls()
            }
            Action::DisposisiRead => {
                let Some(d) = self.disposisi.selected().cloned() else {
                    self.error("tidak ada disposisi terpilih");
                    return Vec::new();
                };
                vec![Effect::Call(
                    Request::Disposisi(DisposisiRequest::Read { id: d.id }),
                    Purpose::Done(format!("disposisi #{} dibaca", d.id)),
                )]
            }
            Action::DisposisiDone(note) => {
                let Some(d) = self.disposisi.selected().cloned() else {
                    self.error("tidak ada disposisi terpilih");
                    return Vec::new();
                };
                match note {
                    None => {
                        self.prompt(PromptKind::DisposisiDone(d.id), "");
                        Vec::new()
                    }
                    Some(note) => vec![Effect::Call(
                        Request::Disposisi(DisposisiRequest::Done { id: d.id, note }),
                        Purpose::Done(format!("disposisi #{} selesai", d.id)),
                    )],
                }
            }
            Action::InsidenNew
            | Action::InsidenLog(_)
            | Action::InsidenTick(_)
            | Action::InsidenPlaybook(_)
            | Action::InsidenClose(_)
            | Action::InsidenSet(_) => Vec::new(),
            // Handled by `backup::update`.
            Action::Backup | Action::BackupLog => Vec::new(),
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
        let purpose = match purpose {
            Purpose::Palsan(p) => return super::palsan::on_reply(self, p, r),
            Purpose::Backup(p) => return super::backup::on_reply(self, p, r),
            other => other,
        };
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
                    Purpose::Unlocked => {
                        self.prompt(PromptKind::Unlock, "");
                        if let Some(Layer::Prompt(p)) = self.layers.last_mut() {
                            p.error = Some(e);
                        }
                    }
                    Purpose::Sealed { id, to } if e.contains("--yes-unverified") => {
                        let message = format!(
                            "{e}\n\nTetap kirim ke node yang belum diverifikasi? / Seal to an unverified peer anyway?"
                        );
                        self.layers.push(Layer::Confirm(ConfirmState {
                            message,
                            kind: ConfirmKind::SealUnverified { id, to },
                        }));
                    }
                    Purpose::Disposed => {
                        if let Some(Layer::Dispose(f)) = self.layers.last_mut() {
                            f.error = Some(e.clone());
                        }
                        self.error(e);
                    }
                    Purpose::DisposisiChain(_) => {}
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
                    self.masuk.zone = Some(c.zone.clone());
                    self.keluar.zone = Some(c.zone.clone());
                    self.node.calendar = c;
                }
                self.operator = Some(operator);
                self.connected = true;
                Vec::new()
            }
            (Purpose::Status, Reply::Status(s)) => {
                self.alarms_open = s.alarms_open;
                let locked = s.locked;
                self.status = Some(*s);
                // The node has keys but no passphrase yet (started by this console, or without a file):
                // ask once, like `kasa node unlock`. Esc skips; kriptogram work then says what to do.
                if locked && !self.unlock_asked && self.layers.is_empty() {
                    self.unlock_asked = true;
                    self.prompt(PromptKind::Unlock, "");
                }
                Vec::new()
            }
            (Purpose::Unlocked, Reply::Ok) => {
                self.info(
                    self.tr(
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
                for l in &mut self.layers {
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
                for l in &mut self.layers {
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
                self.info(format!(
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
                    self.info("belum ada node mitra: tambahkan dengan `kasa peer add KARTU`");
                    return Vec::new();
                }
                self.layers.retain(|l| !matches!(l, Layer::Peers(_)));
                self.layers.push(Layer::Peers(PeersState {
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
                for l in &mut self.layers {
                    if let Layer::Peers(p) = l {
                        p.link = peers.clone();
                    }
                }
                Vec::new()
            }
            (Purpose::PeerVerified, Reply::PeerVerify { peer, .. }) => {
                self.info(format!(
                    "node {} ({}) terverifikasi",
                    peer.node_id, peer.name
                ));
                vec![Effect::Call(Request::PeerList, Purpose::Peers)]
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
            (
                Purpose::DisposisiList(l),
                Reply::Disposisi(DisposisiReply::Records {
                    records,
                    now,
                    perihal,
                    ..
                }),
            ) => {
                self.disposisi.perihal.extend(perihal);
                match l {
                    Lingkup::DariSaya => self.disposisi.set_dari(records),
                    _ => {
                        let fresh = self.disposisi.set_untuk(records);
                        if let Some(d) = fresh.first() {
                            self.info(super::disposisi::announce(d, now));
                        }
                    }
                }
                Vec::new()
            }
            (Purpose::Operators, Reply::Operators { operators }) => {
                self.disposisi.operators = operators;
                Vec::new()
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
                    &entry,
                    &instruksi,
                    saran,
                    self.operator.as_ref(),
                    &self.disposisi.operators,
                    fwd,
                    &hierarki,
                );
                self.layers.push(Layer::Dispose(Box::new(form)));
                Vec::new()
            }
            (Purpose::Disposed, Reply::Disposisi(DisposisiReply::Written { records })) => {
                self.layers.retain(|l| !matches!(l, Layer::Dispose(_)));
                if let Some(d) = records.first() {
                    self.info(format!(
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
                for l in &mut self.layers {
                    if let Layer::Detail(d) = l
                        && d.id == id
                    {
                        d.chain = records.clone();
                    }
                }
                Vec::new()
            }
            (p, r) => {
                self.error(format!("balasan tak terduga untuk {p:?}: {r:?}"));
                Vec::new()
            }
        }
    }

    /// The text of a failed request in the console's language: the refusal's code as words, then the
    /// node's message (which names the rule and what to do). A disabled operator is also offered to
    /// quit (the node refuses every further request).
    pub fn refusal(&mut self, e: &crate::client::ClientError) -> String {
        use crate::client::ClientError;
        use crate::proto::ErrorCode as C;
        let (code, message) = match e {
            ClientError::Refused { code, message } => (*code, message.clone()),
            ClientError::Lost(m) => {
                return format!(
                    "{}: {m}",
                    self.tr("sambungan ke node terputus", "lost the node connection")
                );
            }
            ClientError::Timeout(d) => {
                return format!(
                    "{} {}s",
                    self.tr(
                        "node tidak menjawab dalam",
                        "the node did not answer within"
                    ),
                    d.as_secs()
                );
            }
            ClientError::NoNode(p) => {
                return format!(
                    "{} {}",
                    self.tr("tidak ada node di", "no node on"),
                    p.display()
                );
            }
        };
        let what = match code {
            C::BadRequest => self.tr("permintaan tidak sah", "bad request"),
            C::NotFound => self.tr("tidak ditemukan", "not found"),
            C::Rule => self.tr("ditolak aturan", "refused by a rule"),
            C::Forbidden => self.tr("tidak berwenang", "not permitted"),
            C::Disabled => self.tr("operator Anda dinonaktifkan", "your operator is disabled"),
            C::Locked => self.tr(
                "node terkunci (:unlock dengan frasa sandi keystore)",
                "node locked (:unlock with the keystore passphrase)",
            ),
            C::Unverified => self.tr("node mitra belum diverifikasi", "peer not verified"),
            C::Internal => self.tr("kesalahan di node", "node error"),
            C::Version => self.tr("versi protokol berbeda", "protocol version differs"),
            C::Unknown => self.tr("ditolak", "refused"),
        };
        format!("{what}: {message}")
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
        let overdue = (self.masuk.overdue_at(self.now) + self.keluar.overdue_at(self.now)) as u64;
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
        let Some(Layer::Dispose(f)) = self.layers.last_mut() else {
            return None;
        };
        match a {
            Action::FormNext => f.next(1),
            Action::FormPrev => f.next(-1),
            Action::CycleNext => f.cycle(1),
            Action::CyclePrev => f.cycle(-1),
            Action::ClearField => f.clear_field(),
            Action::Back => {
                self.layers.pop();
            }
            Action::FormEnter if !f.submit_focus() => f.next(1),
            Action::FormEnter | Action::Submit => {
                f.error = None;
                match f.request(&self.node.calendar.zone) {
                    Ok(req) => return Some(vec![Effect::Call(req, Purpose::Disposed)]),
                    Err(e) => {
                        f.error = Some(e.clone());
                        self.error(e);
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

/// The requests that reload both lists of the Disposisi pane.
fn disposisi_calls() -> Vec<Effect> {
    super::disposisi::list_calls()
        .into_iter()
        .map(|(r, l)| Effect::Call(r, Purpose::DisposisiList(l)))
        .collect()
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
