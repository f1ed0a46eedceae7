//! Disposisi messages: carried by `Request::Disposisi` / `Reply::Disposisi`.
//!
//! JSON shape: `{"type":"disposisi","op":"new","entry":3,"input":{…}}`; replies
//! `{"type":"disposisi","kind":"records",…}`. The operator is always the connection's (SO_PEERCRED).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::domain::Entry;
use crate::domain::disposisi::{Arahan, Disposisi, DisposisiInput};

/// Which disposisi to list.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Lingkup {
    /// Addressed to me and still pending (overdue first).
    #[default]
    UntukSaya,
    /// Issued by me (all states, newest first).
    DariSaya,
    /// Everything addressed to me, including closed ones.
    SemuaUntukSaya,
}

/// Disposisi requests.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum DisposisiRequest {
    /// Dispose an entry (first in its chain; rule `pemula`).
    New { entry: u64, input: DisposisiInput },
    /// Re-dispose a disposisi addressed to me further down.
    Forward {
        id: u64,
        input: DisposisiInput,
        #[serde(default)]
        note: String,
    },
    List {
        #[serde(default)]
        lingkup: Lingkup,
    },
    /// One disposisi with its entry and the entry's whole chain.
    Show { id: u64 },
    /// The chain of an entry, the recipient suggestion and the instruksi list (for the form).
    Entry { entry: u64 },
    /// First open by the recipient.
    Read { id: u64 },
    /// First open by the recipient of a detail view: marks it read when it is addressed to me and
    /// unread, else changes nothing, and answers with the chain ([`DisposisiReply::Chain`]) in both cases.
    Open { id: u64 },
    /// Mark as being worked on.
    Start {
        id: u64,
        #[serde(default)]
        note: String,
    },
    /// Close with a result note; on a forwarded disposisi that is done below (`selesai di bawah`), the
    /// holder closes it and an empty note takes the results below.
    Done { id: u64, note: String },
    /// Return: "tidak perlu disposisi".
    Return {
        id: u64,
        #[serde(default)]
        note: String,
    },
    /// Cancel by the issuer while still unread.
    Cancel {
        id: u64,
        #[serde(default)]
        note: String,
    },
}

/// Disposisi replies.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DisposisiReply {
    /// A list, with the node's clock and zone label (for "time left").
    Records {
        records: Vec<Disposisi>,
        now: Timestamp,
        zone: String,
        /// The perihal of each record's entry, as `(entry id, perihal)` pairs (a list, not a JSON
        /// object: integer keys do not survive serde's internally tagged enums).
        #[serde(default)]
        perihal: Vec<(u64, String)>,
        /// The nomor agenda of each record's entry as the book shows it (`12/2026`, `-` before
        /// registration), as `(entry id, text)` pairs.
        #[serde(default)]
        nomor: Vec<(u64, String)>,
        /// Ids of the listed records that are done below (`selesai di bawah`,
        /// [`crate::domain::disposisi::selesai_di_bawah`]): forwarded, with the work finished further
        /// down. "Untuk saya" lists them too, so the holder can close them.
        #[serde(default)]
        tuntas: Vec<u64>,
    },
    /// Records written by a step (new ones first for `new`/`forward`).
    Written { records: Vec<Disposisi> },
    /// An entry with its chain (tree order = by parent, then id).
    Chain {
        entry: Box<Entry>,
        records: Vec<Disposisi>,
        #[serde(default)]
        saran: Option<Arahan>,
        instruksi: Vec<String>,
        now: Timestamp,
        zone: String,
        /// The node's name (sheet header).
        #[serde(default)]
        node_name: String,
        /// The disposisi hierarchy of the node's rules, top first (`disposisi.toml`): clients offer
        /// recipients from it instead of a role order of their own.
        #[serde(default)]
        hierarki: Vec<crate::domain::Role>,
    },
}
