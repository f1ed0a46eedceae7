//! Send-flow messages (issue 14; seed 003 SOP D, E, F, seed 002, 004): approvals, the flow of an
//! outgoing item, and sending with its proof. Carried by `Request::Keluar` / `Reply::Keluar`.
//!
//! JSON shape: `{"type":"keluar","op":"paraf","id":3}`; replies are `Reply::Entry` or
//! `{"type":"keluar","kind":"status",…}`. The operator is always the connection's (SO_PEERCRED).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::domain::Entry;
use crate::domain::alur::{Alur, JamLangkah};
use crate::domain::keluar::{Kirim, Tahap};
use crate::domain::operator::{Kualifikasi, Role};

/// Send-flow requests.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum KeluarRequest {
    /// Give the paraf on entry `id` → `Reply::Entry`.
    Paraf { id: u64 },
    /// Sign entry `id` → `Reply::Entry`.
    TandaTangan { id: u64 },
    /// Send entry `id` back to konsep with a note → `Reply::Entry`.
    Tolak { id: u64, catatan: String },
    /// Choose entry `id`'s send flow (`alur.toml` code; `None`: the flow of its channel) → `Reply::Entry`.
    PilihAlur {
        id: u64,
        #[serde(default)]
        alur: Option<String>,
    },
    /// Record entry `id` as sent, under the rules of [`crate::domain::Entry::kirim`] → `Reply::Entry`.
    Kirim { id: u64, kirim: Kirim },
    /// Where entry `id` stands: stage, what it still needs, its flow and clocks → [`KeluarReply::Status`].
    Status { id: u64 },
}

/// Send-flow replies.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeluarReply {
    Status {
        entry: Box<Entry>,
        tahap: Tahap,
        /// Who may give the paraf / sign (empty: not asked).
        paraf: Vec<Role>,
        tanda_tangan: Vec<Role>,
        kualifikasi: Option<Kualifikasi>,
        alur: Option<Alur>,
        jam: Vec<JamLangkah>,
        now: Timestamp,
    },
}
