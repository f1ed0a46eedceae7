//! What the console state asks its driver to do ([`Effect`]) and why a request was sent ([`Purpose`]).
//! Panes return effects; the session runs them and feeds the replies back by purpose.

use std::path::PathBuf;

use super::action::Pane;
use crate::proto::Request;
use crate::proto::disposisi::Lingkup;

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
    /// Write a document kasa made (a lembar disposisi): the first free name of `path`, `path-2`, … (new
    /// file, 0600), then say where it is; `what` names the document in that message.
    WriteDoc {
        path: PathBuf,
        bytes: Vec<u8>,
        what: String,
    },
    /// Clear and fully redraw the terminal.
    ClearScreen,
    Quit,
    /// Refetch what is visible (a pane asks; [`super::app::App::refresh`] knows every pane).
    Refresh,
    /// Read these files (the operator's own, with the operator's rights), put them into the request's
    /// `files` as base64, then send it like [`Effect::Call`].
    CallWithFiles(Request, Vec<PathBuf>, Purpose),
}

/// Why a request was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    Welcome,
    Status,
    /// A page image for the preview: `(entry, page)`.
    Halaman(u64, u32),
    /// Full-text hits for the filter of this pane, for this query.
    Cari(super::action::Pane, String),
    /// The entry whose registration form is open changed (its OCR finished): fill what is empty.
    FormRefill(u64),
    List(Pane),
    /// The next page of this pane's books, older than what it holds (issue 19).
    ListMore(Pane),
    /// A page of the node's filter over every entry of this pane's books, for this filter text.
    Saring(Pane, String),
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
    /// The chain of the disposisi whose detail is open (or opened now).
    DisposisiDetail(u64),
    /// The chain of a disposisi to print its lembar disposisi; the letterhead comes next.
    DisposisiPrintChain(u64),
    /// The letterhead for the lembar disposisi of this disposisi.
    DisposisiPrint(u64),
    /// The chain of an entry, to reopen a dispose form from its draft.
    DisposeResume(u64, Option<u64>),
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
    /// A line typed in the log prompt of this incident was sent (the text as typed): the prompt is
    /// already empty for the next line; a refused line comes back into it (or into the message when
    /// the next line is already being typed).
    InsidenLogged(u64, String),
    /// The kop surat arrived for the report of this incident: write it, then record it.
    InsidenLaporan(u64),
    /// The alarm list (opens or refreshes the alarm view).
    Alarms,
    /// Alarm `id` was acknowledged from the alarm view.
    AlarmAcked(u64),
    /// The backup log or a backup run (header, log view, "backup now").
    Backup(super::backup::BackupPurpose),
    /// The receive flows and the node's calendar (`alur.toml`, holidays, office hours).
    Aturan,
    /// This console claimed entry `id`'s form; the reply names the other holders.
    Klaim(u64),
}
