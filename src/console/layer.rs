//! The overlays drawn over the panes, bottom to top; the top one gets the keys first.

use ratatui_textarea::TextArea;

use super::disposisi::DisposeForm;
use super::form::FormState;
use crate::domain::Entry;

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
    /// `jenis [unit]` of a distribution of this entry.
    Distribusi(u64),
    /// `no nama` of a distribution's tanda terima.
    TandaTerima(u64),
    Export(u64),
    Saluran(u64),
    Seal(u64),
    /// The note an outgoing item is sent back to konsep with.
    Tolak(u64),
    /// `[jenis] path…` of files to attach (Tab completes the path).
    Attach(u64),
    /// The node keystore passphrase (input masked).
    Unlock,
    DisposisiDone(u64),
    /// The reason a disposisi is returned (dikembalikan).
    DisposisiReturn(u64),
    /// The reason the issuer cancels a disposisi.
    DisposisiCancel(u64),
    /// Incident log line (stays open after Enter).
    InsidenLog(u64),
    InsidenTick(u64),
    InsidenPlaybook(u64),
    InsidenClose(u64),
    /// `field value` for the incident record (kategori, keparahan, tlp, sistem, sumber, status…).
    InsidenSet(u64),
    /// `NO [@waktu] teks ! alasan`: a correction of a timeline entry.
    InsidenKoreksi(u64),
    /// `[path] deskripsi`: an evidence item (Tab completes the path).
    InsidenBukti(u64),
    /// `NO dari > ke di tempat [@waktu]`: a custody handover.
    InsidenSerahTerima(u64),
    /// The reason an incident is voided.
    InsidenBatal(u64),
    /// `ID alasan`: merge into incident ID.
    InsidenGabung(u64),
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
    pub cursor: super::widgets::Cursor,
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
    /// The open alarms, acknowledged from here.
    Alarms(super::alarm::AlarmView),
    Palsan(Box<super::palsan::PalsanLayer>),
    /// The dispose form (Disposisi pane).
    Dispose(Box<DisposeForm>),
    /// The backup log.
    Backup(super::backup::BackupView),
    /// The detail of one disposisi (Disposisi pane): its entry, the whole chain, every catatan.
    DisposisiDetail(Box<super::disposisi::DisposisiDetail>),
}

pub use super::widgets::textarea;
