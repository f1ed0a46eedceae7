//! The UI-free console state: `update(Action) -> Vec<Effect>`; replies and events come back through
//! `on_reply` / `on_event`. Nothing here touches the terminal or the socket.

use crossterm::event::KeyEvent;

use super::action::{ACTIONS, Action, Pane};
use super::agenda::AgendaPane;
pub use super::ctx::{Ctx, Message, NodeHeader};
use super::disposisi::{DisposeDraft, DisposisiPane};
pub use super::effect::{Effect, Purpose};
use super::form::Kind;
use super::keymap::{Key, Keymap, Lookup};
pub use super::layer::{
    ConfirmKind, ConfirmState, DetailState, HelpState, Layer, PeersState, PromptKind, PromptState,
    textarea,
};
use super::pane::PaneState;
use super::theme::Theme;
use crate::domain::calendar::WorkCalendar;
use crate::domain::{Book, Entry, Status};
use crate::proto::disposisi::DisposisiReply;
use crate::proto::{Event, IngestProgress, Reply, Request};

/// The whole console state: what is shared ([`Ctx`], reached through `Deref`) and the panes.
#[derive(Debug, Clone)]
pub struct App {
    pub cx: Ctx,
    /// The Masuk tab (book `masuk`).
    pub masuk: AgendaPane,
    /// The Keluar tab (book `keluar`).
    pub keluar: AgendaPane,
    /// The Palsan pane (equipment register, reminders).
    pub palsan: super::palsan::PalsanPane,
    /// The Disposisi pane.
    pub disposisi: DisposisiPane,
    /// The incident logbook pane (also feeds the SLA clocks of the header).
    pub insiden: super::insiden::InsidenPane,
    /// The backup log (header status, log view).
    pub backup: super::backup::BackupPane,
    /// The page preview beside the form and in the detail.
    pub pratinjau: super::pratinjau::Pratinjau,
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
            masuk: AgendaPane::masuk(),
            keluar: AgendaPane::keluar(),
            palsan: Default::default(),
            disposisi: DisposisiPane::default(),
            insiden: Default::default(),
            backup: Default::default(),
            pratinjau: Default::default(),
        }
    }

    /// The shown buku agenda tab, if an agenda tab is shown.
    pub fn agenda(&self) -> Option<&AgendaPane> {
        match self.cx.pane {
            Pane::Masuk => Some(&self.masuk),
            Pane::Keluar => Some(&self.keluar),
            _ => None,
        }
    }

    fn agenda_mut(&mut self) -> Option<&mut AgendaPane> {
        match self.cx.pane {
            Pane::Masuk => Some(&mut self.masuk),
            Pane::Keluar => Some(&mut self.keluar),
            _ => None,
        }
    }

    /// The pane behind tab `p` (the registry's panes, each with its own state).
    pub fn pane_state(&self, p: Pane) -> &dyn PaneState {
        match p {
            Pane::Masuk => &self.masuk,
            Pane::Keluar => &self.keluar,
            Pane::Disposisi => &self.disposisi,
            Pane::Palsan => &self.palsan,
            Pane::Insiden => &self.insiden,
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
            Some(Layer::Alarms(_)) => vec!["alarm", "list", "global"],
            Some(Layer::Palsan(l)) => l.contexts(),
            Some(Layer::Dispose(_)) => vec!["disposisi_form"],
            Some(Layer::Backup(_)) => vec!["backup", "global"],
            Some(Layer::DisposisiDetail(_)) => vec!["disposisi_detail", "global"],
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
            self.cx.confirm(self
                    .tr(
                        "Operator Anda dinonaktifkan oleh admin; node menolak semua permintaan. Keluar dari konsol?",
                        "Your operator was disabled by an admin; the node refuses every request. Quit the console?",
                    )
                    .to_string(), ConfirmKind::Quit);
        }
    }

    /// The entry the entry actions apply to: the open detail, else the selection of the shown agenda
    /// tab; `None` on the other tabs (entry actions reach only what is on screen, issue 10.7).
    pub fn current(&self) -> Option<&Entry> {
        self.agenda().and_then(|a| a.current(&self.cx))
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
            Effect::Call(
                Request::Masuk(crate::proto::masuk::MasukRequest::Aturan),
                Purpose::Aturan,
            ),
            Effect::Call(Request::Status, Purpose::Status),
            self.masuk.list_call(),
            self.keluar.list_call(),
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

    /// Requests that refetch what is visible: the status, the shown pane (with its open detail), and
    /// what the header counts whatever the tab (palsan reminders, disposisi, the backup log view).
    pub fn refresh(&self) -> Vec<Effect> {
        let mut v = vec![Effect::Call(Request::Status, Purpose::Status)];
        v.extend(self.pane_state(self.cx.pane).refresh(&self.cx));
        if self.cx.pane != Pane::Palsan {
            v.push(super::palsan::reminders_call());
        }
        if self.cx.pane != Pane::Disposisi {
            v.extend(super::disposisi::list_effects());
        }
        if super::backup::view_open(&self.cx) {
            v.push(super::backup::log_call(super::backup::BackupNext::Nothing));
        }
        v.extend(super::alarm::refresh(&self.cx));
        v
    }

    /// The node answered every request in flight: the refresh changes asked for meanwhile, once.
    pub fn idle(&mut self) -> Vec<Effect> {
        if std::mem::take(&mut self.cx.refresh_due) {
            self.refresh()
        } else {
            Vec::new()
        }
    }

    /// A new terminal size.
    pub fn resize(&mut self, w: u16, h: u16) {
        self.cx.size = (w, h);
        let page = self.cx.page();
        self.masuk.list.clamp(page);
        self.keluar.list.clamp(page);
        self.cx.dirty = true;
    }

    /// A pushed node event.
    pub fn on_event(&mut self, ev: Event) -> Vec<Effect> {
        self.cx.dirty = true;
        match ev {
            Event::Changed { change } => {
                let mut v = if self.cx.busy == 0 {
                    self.cx.refresh_due = false;
                    self.refresh()
                } else {
                    self.cx.refresh_due = true;
                    Vec::new()
                };
                // The scan whose form is open was read (OCR): its suggestions fill what is empty.
                if let crate::store::Change::Entry { id } = change
                    && self.form_entry() == Some(id)
                {
                    v.push(Effect::Call(
                        Request::AgendaShow { id },
                        Purpose::FormRefill(id),
                    ));
                }
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
            Event::Klaim { pemegang } => {
                self.cx.klaim = pemegang;
                Vec::new()
            }
            Event::Stopping => {
                self.cx.connected = false;
                Vec::new()
            }
        }
    }

    /// The entry whose page the preview shows: that of the top-most entry detail or registration
    /// form, when its file has pages (PDF, image).
    pub fn preview_target(&self) -> Option<u64> {
        fn has_pages(e: &Entry) -> bool {
            e.attachments
                .first()
                .is_some_and(|a| a.mime == "application/pdf" || a.mime.starts_with("image/"))
        }
        self.cx.layers.iter().rev().find_map(|l| match l {
            Layer::Detail(d) => Some(d.entry.as_deref().filter(|e| has_pages(e)).map(|_| d.id)),
            Layer::Form(f) => Some(match f.purpose {
                super::form::FormPurpose::Register(id) => {
                    let known = self.masuk.items.iter().find(|e| e.id == id);
                    known.is_none_or(has_pages).then_some(id)
                }
                _ => None,
            }),
            _ => None,
        })?
    }

    /// The entry whose registration form is open, if any: what this console claims at the node.
    fn form_entry(&self) -> Option<u64> {
        self.cx.layers.iter().find_map(|l| match l {
            Layer::Form(f) => match f.purpose {
                super::form::FormPurpose::Register(id) => Some(id),
                _ => None,
            },
            _ => None,
        })
    }

    /// Tells the node when the registration form opened or closed across one event (issue 13 "who is
    /// on it": other consoles show the holder; the node drops the claim when this connection ends).
    fn with_claims(&mut self, f: impl FnOnce(&mut App) -> Vec<Effect>) -> Vec<Effect> {
        let before = self.form_entry();
        let mut v = f(self);
        let target = self.preview_target();
        v.extend(self.pratinjau.sync(target, self.cx.size.0));
        let after = self.form_entry();
        if before != after {
            use crate::proto::masuk::MasukRequest;
            if let Some(id) = before {
                v.push(Effect::Call(
                    Request::Masuk(MasukRequest::Klaim { id, buka: false }),
                    Purpose::Ignore,
                ));
            }
            if let Some(id) = after {
                v.push(Effect::Call(
                    Request::Masuk(MasukRequest::Klaim { id, buka: true }),
                    Purpose::Klaim(id),
                ));
            }
        }
        v
    }

    /// A terminal key.
    pub fn on_key(&mut self, ev: KeyEvent) -> Vec<Effect> {
        self.with_claims(|app| app.on_key_inner(ev))
    }

    fn on_key_inner(&mut self, ev: KeyEvent) -> Vec<Effect> {
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
        let not_understood = self.cx.tr("tak dimengerti:", "not understood:");
        match self.cx.layers.last_mut() {
            Some(Layer::Palsan(l)) => {
                l.input(ev);
                Vec::new()
            }
            Some(Layer::Dispose(f)) => {
                if f.input(ev) {
                    return vec![dispose_draft_put(f)];
                }
                Vec::new()
            }
            Some(Layer::Form(f)) => {
                if f.input(ev) {
                    return vec![super::form::draft_put(f)];
                }
                Vec::new()
            }
            Some(Layer::Prompt(p)) => {
                if super::widgets::edit(&mut p.input, ev) {
                    p.completion = None;
                    p.error = None;
                    if p.kind == PromptKind::Filter && palsan_filter {
                        let v = p.value();
                        super::palsan::set_filter(&mut self.palsan, &mut self.cx, v);
                    } else if p.kind == PromptKind::Filter {
                        let v = p.value();
                        // A token the filter cannot read is named as it is typed (it filters nothing).
                        p.error = crate::domain::saring::Saring::parse(&v)
                            .masalah
                            .first()
                            .map(|m| format!("{not_understood} {m}"));
                        let page = self.cx.page();
                        if let Some(a) = self.agenda_mut() {
                            return a.set_filter(page, v);
                        }
                    }
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
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

    /// Runs one named action. Routing: the top overlay (forms, the palsan and dispose overlays), then
    /// the shown pane, then the global bindings; an entry action outside the agenda tabs is refused
    /// with the tabs where it applies.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        self.cx.dirty = true;
        if let Some(e) = self.palsan.update(&mut self.cx, &action) {
            return e;
        }
        if let Some(e) = self.pratinjau.update(&mut self.cx, &action) {
            return e;
        }
        if let Some(e) = self.dispose_form_action(&action) {
            return e;
        }
        if let Some(e) = super::form::on_action(&mut self.cx, &action) {
            return e;
        }
        if let Some(e) = super::alarm::update(&mut self.cx, &action) {
            return e;
        }
        if let Some(e) = self.insiden.update(&mut self.cx, &action) {
            return e;
        }
        if let Some(e) = self.disposisi.update(&mut self.cx, &action) {
            return e;
        }
        if let Some(e) = super::backup::update(&mut self.backup, &mut self.cx, &action) {
            return e;
        }
        if let Some(e) = self.masuk.update(&mut self.cx, &action) {
            return e;
        }
        if let Some(e) = self.keluar.update(&mut self.cx, &action) {
            return e;
        }
        let page = self.cx.page();
        match action {
            Action::None => Vec::new(),
            Action::Quit => {
                if self.cx.form().is_some_and(|f| f.changed)
                    && !matches!(self.cx.layers.last(), Some(Layer::Confirm(_)))
                {
                    let m = self.cx.tr(
                        "Keluar dari konsol? Isian formulir tersimpan sebagai draf di node.",
                        "Quit? The form's input is kept as a draft on the node.",
                    );
                    self.cx.confirm(m.into(), ConfirmKind::Quit);
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
            Action::Filter(_) | Action::Goto(_) => {
                let msg = self.cx.tr(
                    "saringan dan lompat tidak tersedia di tab ini",
                    "filter and goto are not available in this tab",
                );
                self.cx.error(msg);
                Vec::new()
            }
            Action::Back => {
                if let Some(Layer::Form(f)) = self.cx.layers.last()
                    && f.changed
                {
                    let m = self.cx.tr(
                        "Buang isian formulir ini (dan drafnya)?",
                        "Discard this form (and its draft)?",
                    );
                    self.cx.confirm(m.into(), ConfirmKind::DiscardForm);
                } else {
                    self.cx.layers.pop();
                }
                Vec::new()
            }
            Action::Tab(p) => {
                self.cx.layers.retain(|l| matches!(l, Layer::Form(_)));
                if !self.cx.layers.is_empty() {
                    return Vec::new();
                }
                self.cx.pane = p;
                self.pane_state(p).refresh(&self.cx)
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
                    Some(Layer::DisposisiDetail(s)) => s.view.scroll_by(rows(&s.view)),
                    Some(Layer::Help(s)) => s.view.scroll_by(rows(&s.view)),
                    Some(Layer::Peers(s)) => s.cursor.move_by(d, s.peers.len(), page),
                    Some(_) => {}
                    None if self.cx.pane == Pane::Disposisi => self.disposisi.move_by(d),
                    None => {}
                }
                Vec::new()
            }
            Action::Refresh => {
                let mut v = self.refresh();
                if !super::backup::view_open(&self.cx) {
                    self.backup.asked_at = Some(self.cx.now);
                    v.push(super::backup::log_call(super::backup::BackupNext::Nothing));
                }
                v
            }
            // Entry actions the shown pane did not take: they act on buku agenda entries only.
            Action::Open
            | Action::Triage
            | Action::Duplicate(_)
            | Action::Distribusi(_)
            | Action::TandaTerima(_)
            | Action::SiApel
            | Action::Void(_)
            | Action::Note(_)
            | Action::Export(_)
            | Action::KeluarNew
            | Action::KeluarRegister
            | Action::KeluarSend(_)
            | Action::KeluarParaf
            | Action::KeluarTtd
            | Action::KeluarTolak(_)
            | Action::Arsip
            | Action::Attach(_)
            | Action::Teruskan
            | Action::Seal(_)
            | Action::Dispose => {
                let msg = self.not_here();
                self.cx.error(msg);
                Vec::new()
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
                let Some(peer) = p.peers.get(p.cursor.pos) else {
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
                self.cx.confirm(
                    message,
                    ConfirmKind::VerifyPeer {
                        node_id: peer.node_id.clone(),
                    },
                );
                Vec::new()
            }
            Action::ClearField => {
                if let Some(Layer::Prompt(p)) = self.cx.layers.last_mut() {
                    p.input = textarea("");
                }
                Vec::new()
            }
            Action::Submit => match self.cx.layers.last() {
                Some(Layer::Prompt(_)) => self.submit_prompt(),
                Some(Layer::Confirm(_)) => self.update(Action::Yes),
                _ => Vec::new(),
            },
            Action::FormNext
            | Action::FormPrev
            | Action::FormEnter
            | Action::CycleNext
            | Action::CyclePrev => Vec::new(),
            Action::Complete => {
                self.complete();
                Vec::new()
            }
            Action::Yes => self.confirmed(),
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
            // Handled by the Disposisi pane when it is shown (`disposisi.rs`); refused elsewhere.
            Action::DisposisiTab
            | Action::DisposisiRead
            | Action::DisposisiDone(_)
            | Action::DisposisiOpen
            | Action::DisposisiReturn(_)
            | Action::DisposisiCancel(_)
            | Action::DisposisiPrint => {
                self.refuse_hidden(Pane::Disposisi);
                Vec::new()
            }
            Action::InsidenNew
            | Action::InsidenLog(_)
            | Action::InsidenTick(_)
            | Action::InsidenPlaybook(_)
            | Action::InsidenClose(_)
            | Action::InsidenSet(_)
            | Action::InsidenKoreksi(_)
            | Action::InsidenBukti(_)
            | Action::InsidenSerahTerima(_)
            | Action::InsidenLaporan
            | Action::InsidenBatal(_)
            | Action::InsidenGabung(_) => Vec::new(),
            // Handled by `alarm::update` (an acknowledgement outside the alarm view does nothing).
            Action::Alarms | Action::AlarmAck => Vec::new(),
            // Handled by `backup::update`.
            Action::Backup | Action::BackupLog => Vec::new(),
            // Handled by `pratinjau.update`.
            Action::Pratinjau
            | Action::PratinjauZoom
            | Action::PratinjauNext
            | Action::PratinjauPrev => Vec::new(),
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

    /// `y` on the top confirmation box.
    fn confirmed(&mut self) -> Vec<Effect> {
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
                    darurat: None,
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
            ConfirmKind::ResumeDraft { key, data } if DisposeDraft::parse_key(&key).is_some() => {
                self.disposisi.resume_draft(&data)
            }
            ConfirmKind::ResumeDraft { key, .. } => {
                match key
                    .strip_prefix("register:")
                    .and_then(|s| s.parse::<u64>().ok())
                {
                    Some(id) => self.masuk.resume_triage(&mut self.cx, id),
                    None => self.update(Action::KeluarNew),
                }
            }
        }
    }

    fn complete(&mut self) {
        let Some(Layer::Prompt(p)) = self.cx.layers.last_mut() else {
            return;
        };
        if matches!(p.kind, PromptKind::Attach(_) | PromptKind::InsidenBukti(_)) {
            complete_path(p);
            return;
        }
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
            PromptKind::Filter => {
                // Kept after Enter too: the status line names what was not understood.
                if let Some(e) = p.error {
                    self.cx.error(e);
                }
                return Vec::new();
            }
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
            PromptKind::Distribusi(_) => Action::Distribusi(Some(v)),
            PromptKind::TandaTerima(_) => Action::TandaTerima(Some(v)),
            PromptKind::Export(_) => Action::Export(Some(v)),
            PromptKind::Saluran(_) => Action::KeluarSend(Some(v)),
            PromptKind::Seal(_) => Action::Seal(Some(v)),
            PromptKind::Tolak(_) => Action::KeluarTolak(Some(v)),
            PromptKind::Attach(_) => Action::Attach(Some(v)),
            PromptKind::Unlock => {
                // Never an action with the secret as its argument (it would show in help or history).
                return vec![Effect::Call(
                    Request::Unlock { passphrase: v },
                    Purpose::Unlocked,
                )];
            }
            PromptKind::DisposisiDone(_) => Action::DisposisiDone(Some(v)),
            PromptKind::DisposisiReturn(_) => Action::DisposisiReturn(Some(v)),
            PromptKind::DisposisiCancel(_) => Action::DisposisiCancel(Some(v)),
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

    /// A reply (or failure) for a request this state asked for.
    pub fn on_reply(&mut self, purpose: Purpose, r: Result<Reply, String>) -> Vec<Effect> {
        self.with_claims(|app| app.on_reply_inner(purpose, r))
    }

    fn on_reply_inner(&mut self, purpose: Purpose, r: Result<Reply, String>) -> Vec<Effect> {
        self.cx.dirty = true;
        if self.pratinjau.on_reply(&purpose, &r).is_some() {
            return Vec::new();
        }
        if let (Purpose::FormRefill(id), Ok(Reply::Entry { entry, .. })) = (&purpose, &r) {
            let filled = self.cx.layers.iter_mut().find_map(|l| match l {
                Layer::Form(f) if f.purpose == super::form::FormPurpose::Register(*id) => {
                    Some(f.fill_empty_from(entry))
                }
                _ => None,
            });
            if let Some(filled) = filled.filter(|f| !f.is_empty()) {
                let msg = format!(
                    "{}: {} — {}",
                    self.cx
                        .tr("saran tiba dari OCR", "suggestions arrived from OCR"),
                    filled.join(", "),
                    self.cx
                        .tr("periksa dengan kertas", "check against the paper")
                );
                self.cx.info(msg);
            }
            return Vec::new();
        }
        if matches!(purpose, Purpose::FormRefill(_)) {
            return Vec::new();
        }
        if let Purpose::Cari(pane, q) = &purpose {
            let page = self.cx.page();
            let list = match pane {
                Pane::Keluar => &mut self.keluar.list,
                _ => &mut self.masuk.list,
            };
            match r {
                Ok(Reply::Cari {
                    hits,
                    dilihat,
                    terkunci,
                    selesai,
                    ..
                }) => {
                    list.set_teks(q.clone(), hits, page);
                    // Say what the search could not look at, never a silent "nothing found".
                    if terkunci > 0 {
                        self.cx.info(format!(
                            "{terkunci} {}",
                            self.cx.tr(
                                "teks tersegel tidak ikut dicari: node terkunci (ketik :unlock)",
                                "sealed texts not searched: the node is locked (type :unlock)"
                            )
                        ));
                    } else if !selesai {
                        self.cx.info(format!(
                            "{} {dilihat} {}",
                            self.cx.tr(
                                "pencarian teks berhenti setelah",
                                "text search stopped after"
                            ),
                            self.cx.tr(
                                "entri: persempit dengan dari:/sampai: atau status:",
                                "entries: narrow it with dari:/sampai: or status:"
                            )
                        ));
                    }
                }
                Ok(_) => {}
                Err(e) => self.cx.error(e),
            }
            return Vec::new();
        }
        let purpose = match purpose {
            Purpose::Palsan(p) => {
                return super::palsan::on_reply(&mut self.palsan, &mut self.cx, p, r);
            }
            Purpose::Backup(p) => {
                return super::backup::on_reply(&mut self.backup, &mut self.cx, p, r);
            }
            other => other,
        };
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
                        self.cx
                            .confirm(message, ConfirmKind::SealUnverified { id, to });
                    }
                    Purpose::Disposed => {
                        if let Some(Layer::Dispose(f)) = self.cx.layers.last_mut() {
                            f.error = Some(e.clone());
                        }
                        self.cx.error(e);
                    }
                    Purpose::DisposisiChain(_) => {}
                    // A page that did not come: the next motion at the end asks again.
                    Purpose::ListMore(p) | Purpose::Saring(p, _) => {
                        let list = match p {
                            Pane::Keluar => &mut self.keluar.list,
                            _ => &mut self.masuk.list,
                        };
                        list.loading_more = false;
                        if let Some(s) = list.saring.as_mut() {
                            s.loading = false;
                        }
                        self.cx.error(e);
                    }
                    Purpose::InsidenLogged(id, v) => {
                        super::insiden::line_refused(&mut self.cx, id, &v, e)
                    }
                    _ => self.cx.error(e),
                }
                return Vec::new();
            }
        };
        if let Some(e) = super::agenda::on_detail_reply(&mut self.cx, &purpose, &reply)
            .or_else(|| super::alarm::on_reply(&mut self.cx, &purpose, &reply))
            .or_else(|| self.masuk.on_reply(&mut self.cx, &purpose, &reply))
            .or_else(|| self.keluar.on_reply(&mut self.cx, &purpose, &reply))
            .or_else(|| self.insiden.on_reply(&mut self.cx, &purpose, &reply))
            .or_else(|| self.disposisi.on_reply(&mut self.cx, &purpose, &reply))
        {
            return e;
        }
        match (purpose, reply) {
            (
                Purpose::Welcome,
                Reply::Welcome {
                    node_id,
                    node_name,
                    zone,
                    operator,
                    conn,
                    ..
                },
            ) => {
                self.cx.conn = conn;
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
            (
                Purpose::Aturan,
                Reply::Masuk(crate::proto::masuk::MasukReply::Aturan {
                    set,
                    zone,
                    holidays,
                    jam_kerja,
                }),
            ) => {
                self.cx.alur = set;
                if let Ok(c) = WorkCalendar::new(&zone, holidays) {
                    self.cx.node.calendar = c.with_jam_kerja(jam_kerja);
                }
                Vec::new()
            }
            (Purpose::Klaim(id), Reply::Masuk(crate::proto::masuk::MasukReply::Klaim { lain })) => {
                if let Some(p) = lain.first() {
                    let m = format!(
                        "entri {id} juga sedang dibuka oleh {} — yang menyimpan kedua akan ditolak",
                        p.nama
                    );
                    self.cx.error(m);
                }
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
            (Purpose::Peers, Reply::Peers { peers }) => {
                if peers.is_empty() {
                    self.cx
                        .info("belum ada node mitra: tambahkan dengan `kasa peer add KARTU`");
                    return Vec::new();
                }
                self.cx.layers.retain(|l| !matches!(l, Layer::Peers(_)));
                self.cx.layers.push(Layer::Peers(PeersState {
                    peers,
                    cursor: Default::default(),
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
                        .find(|(k, _)| {
                            k.starts_with("register:")
                                || k == "keluar:new"
                                || DisposeDraft::parse_key(k).is_some()
                        })
                        .cloned()
                {
                    let what = match (key.strip_prefix("register:"), DisposeDraft::parse_key(&key))
                    {
                        (Some(id), _) => format!("pendaftaran entri {id}"),
                        (None, Some((e, Some(p)))) => {
                            format!("penerusan disposisi #{p} (entri {e})")
                        }
                        (None, Some((e, None))) => format!("disposisi entri {e}"),
                        (None, None) => "draf keluar baru".into(),
                    };
                    let message = if self.cx.en {
                        format!("An unfinished form was kept ({key}). Resume it?")
                    } else {
                        format!("Ada isian {what} yang belum selesai. Lanjutkan?")
                    };
                    self.cx
                        .confirm(message, ConfirmKind::ResumeDraft { key, data });
                }
                Vec::new()
            }
            (Purpose::Ignore, _) => Vec::new(),
            (Purpose::Disposed, Reply::Disposisi(DisposisiReply::Written { records })) => {
                let mut v = Vec::new();
                for l in &self.cx.layers {
                    if let Layer::Dispose(f) = l {
                        let key = f.draft_key();
                        self.cx.drafts.retain(|(k, _)| *k != key);
                        v.push(Effect::Call(Request::DraftDelete { key }, Purpose::Ignore));
                    }
                }
                self.cx.layers.retain(|l| !matches!(l, Layer::Dispose(_)));
                if let Some(d) = records.first() {
                    self.cx.info(format!(
                        "Disposisi #{} kepada {} terkirim",
                        d.id, d.kepada.nama
                    ));
                }
                v.extend(self.refresh());
                v
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
            Some(s) => {
                s.counts.get(Book::Masuk, Status::Baru)
                    + s.counts.get(Book::KriptogramMasuk, Status::Baru)
            }
            None => self
                .masuk
                .items
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

/// Saves the dispose form's input as a node draft (key `disposisi:ENTRY[:PARENT]`).
fn dispose_draft_put(f: &super::disposisi::DisposeForm) -> Effect {
    Effect::Call(
        Request::DraftPut {
            key: f.draft_key(),
            data: serde_json::to_string(&f.draft()).unwrap_or_default(),
        },
        Purpose::Ignore,
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
            Action::CycleNext => {
                f.cycle(1);
                return Some(vec![dispose_draft_put(f)]);
            }
            Action::CyclePrev => {
                f.cycle(-1);
                return Some(vec![dispose_draft_put(f)]);
            }
            Action::ClearField => {
                f.clear_field();
                return Some(vec![dispose_draft_put(f)]);
            }
            Action::Back => {
                // Closing the form on purpose drops its draft (a dropped connection keeps it).
                let key = f.draft_key();
                self.cx.layers.pop();
                self.cx.drafts.retain(|(k, _)| *k != key);
                return Some(vec![Effect::Call(
                    Request::DraftDelete { key },
                    Purpose::Ignore,
                )]);
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

/// Tab in a path prompt: completes the last word as a path (`~/` is the operator's home); again Tab
/// offers the next match. Directories end with `/`. Names starting with `.` only when typed.
fn complete_path(p: &mut super::layer::PromptState) {
    let (typed, next) = match &p.completion {
        Some((pre, i)) => (pre.clone(), i + 1),
        None => (p.value(), 0),
    };
    let (head, word) = match typed.rfind(' ') {
        Some(i) => (&typed[..=i], &typed[i + 1..]),
        None => ("", typed.as_str()),
    };
    let home = std::env::var("HOME").unwrap_or_default();
    let expanded = match word.strip_prefix("~/") {
        Some(r) => format!("{home}/{r}"),
        None => word.to_string(),
    };
    let (dir, stem) = match expanded.rfind('/') {
        Some(i) => (expanded[..=i].to_string(), expanded[i + 1..].to_string()),
        None => (String::new(), expanded.clone()),
    };
    let read = if dir.is_empty() { "." } else { dir.as_str() };
    let mut names: Vec<String> = std::fs::read_dir(read)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let n = e.file_name().to_string_lossy().to_string();
                    if !n.starts_with(&stem) || (n.starts_with('.') && !stem.starts_with('.')) {
                        return None;
                    }
                    let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                    Some(if is_dir { format!("{n}/") } else { n })
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    if names.is_empty() {
        p.error = Some(format!("tidak ada berkas berawalan '{word}'"));
        return;
    }
    let i = next % names.len();
    let shown_dir = if word.starts_with("~/") {
        format!("~/{}", dir.strip_prefix(&format!("{home}/")).unwrap_or(""))
    } else {
        dir
    };
    p.input = textarea(&format!("{head}{shown_dir}{}", names[i]));
    p.error = None;
    // One match: the next Tab continues from it (into a directory).
    p.completion = (names.len() > 1).then_some((typed, i));
}
