//! Receive-flow messages (seed 003 SOP A, B, C after registration): carried by `Request::Masuk` /
//! `Reply::Masuk`.
//!
//! JSON shape: `{"type":"masuk","op":"distribusi","id":3,"jenis":"bagian_umum","ke":"","catatan":""}`;
//! replies `{"type":"masuk","kind":"alur",…}`. The operator is always the connection's (SO_PEERCRED).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::domain::Entry;
use crate::domain::RegisterFields;
use crate::domain::alur::{Alur, AlurSet, JamLangkah};
use crate::domain::calendar::JamKerja;
use crate::domain::penerimaan::Mirip;

/// Receive-flow requests.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum MasukRequest {
    /// Hand entry `id` to an internal recipient (003 SOP A3/B3/C4) → `Reply::Entry`.
    Distribusi {
        id: u64,
        /// `bagian_umum`, `kasi`, `opd`, `pimpinan`.
        jenis: String,
        /// The unit; empty = the kind's usual name (not allowed for `opd`).
        #[serde(default)]
        ke: String,
        #[serde(default)]
        catatan: String,
    },
    /// Record who received distribution `no` of entry `id`, and when (`at`; absent = now) → `Reply::Entry`.
    TandaTerima {
        id: u64,
        no: u32,
        nama: String,
        #[serde(default)]
        at: Option<Timestamp>,
    },
    /// Record that entry `id` was entered in SI APEL (003 SOP A4/B4/C5) → `Reply::Entry`.
    SiApel {
        id: u64,
        /// The reference SI APEL gave, if any.
        #[serde(default)]
        nomor: String,
    },
    /// Registered incoming entries for SI APEL, oldest first → [`MasukReply::SiApel`]. `belum`: only those
    /// not yet entered; `since`/`until`: registration dates (node zone, inclusive).
    SiApelDaftar {
        #[serde(default)]
        belum: bool,
        #[serde(default)]
        since: Option<jiff::civil::Date>,
        #[serde(default)]
        until: Option<jiff::civil::Date>,
    },
    /// Entries that may be the same letter as entry `id` (with the form's `fields` when given: what the
    /// operator is about to register) → [`MasukReply::Mirip`].
    Mirip {
        id: u64,
        #[serde(default)]
        fields: Option<RegisterFields>,
    },
    /// Link entry `id` as a duplicate of `of`, before or after registration → `Reply::Entry` (the duplicate).
    Tautkan { id: u64, of: u64 },
    /// Entry `id`'s flow and its clocks → [`MasukReply::Alur`].
    Alur { id: u64 },
    /// The flows file and the calendar, for clocks computed by the console → [`MasukReply::Aturan`].
    Aturan,
    /// Say that this connection has entry `id`'s form open (`buka`) or closed it → [`MasukReply::Klaim`].
    /// A claim ends with the connection.
    Klaim { id: u64, buka: bool },
}

/// Who has an entry's form open.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Pemegang {
    pub entry: u64,
    /// The holding connection (two sessions of one operator are two holders).
    #[serde(default)]
    pub conn: u64,
    pub uid: u32,
    pub nama: String,
    pub sejak: Timestamp,
}

/// Receive-flow replies.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MasukReply {
    /// Entries for SI APEL with the node's zone (for the export's dates); `ingat`: the ids of those
    /// waiting longer than the reminder time (`[siapel] ingat_setelah_jam` of alur.toml).
    SiApel {
        entries: Vec<Entry>,
        zone: String,
        #[serde(default)]
        ingat: Vec<u64>,
    },
    /// "Mungkin sama" candidates, strongest first.
    Mirip { mirip: Vec<Mirip> },
    /// An entry's flow (none for outgoing books and channels without one) and its clocks at `now`.
    Alur {
        alur: Option<Alur>,
        jam: Vec<JamLangkah>,
        now: Timestamp,
    },
    /// The flows file and the calendar the node counts office time with.
    Aturan {
        set: AlurSet,
        zone: String,
        holidays: Vec<jiff::civil::Date>,
        jam_kerja: JamKerja,
    },
    /// The other holders of the entry's form (other connections, the caller's other sessions included).
    Klaim { lain: Vec<Pemegang> },
}
