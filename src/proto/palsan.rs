//! Palsan requests and replies (nested in [`super::Request::Palsan`] / [`super::Reply::Palsan`]).
//!
//! JSON: `{"type":"palsan","op":"item_add","item":{…}}`; replies `{"type":"palsan","kind":"item",…}`.
//! Times are RFC 3339 timestamps, dates `YYYY-MM-DD`. Key material is metadata only.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::domain::palsan::{
    Berkala, JenisBerkala, Kondisi, Kunci, KunciBaru, LangkahInput, Palsan, PalsanBaru, PalsanUbah,
    Pengingat, Perbaikan, SlaLangkah, StatusKunci, TabelLampiran,
};

/// Palsan requests. Mutating ones are attributed to the connection's operator.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum PalsanRequest {
    /// Add an equipment item → [`PalsanReply::Item`].
    ItemAdd { item: PalsanBaru },
    /// All items (disposed included) → [`PalsanReply::Items`].
    ItemList,
    /// One item with its open case → [`PalsanReply::Item`].
    ItemShow { id: u64 },
    /// Edit fields → [`PalsanReply::Item`].
    ItemEdit { id: u64, ubah: PalsanUbah },
    /// Check out to `kepada`.
    Checkout {
        id: u64,
        kepada: String,
        #[serde(default)]
        rencana_kembali: Option<Timestamp>,
        #[serde(default)]
        catatan: String,
    },
    /// Check in with the condition found.
    Checkin {
        id: u64,
        kondisi: Kondisi,
        #[serde(default)]
        catatan: String,
    },
    /// Disposal with berita acara and witnesses; the item is read-only afterwards.
    Dispose {
        id: u64,
        berita_acara: String,
        saksi: Vec<String>,
        #[serde(default)]
        alasan: String,
    },
    /// Open a repair case (SOP 000 step 1) → [`PalsanReply::Case`]. Refused (`rule`) when a time is in
    /// the future or `ditemukan_at` is after `dilaporkan_at` ([`crate::domain::palsan::Perbaikan::buka`]).
    RepairOpen {
        palsan_id: u64,
        kerusakan: String,
        #[serde(default = "rusak_ringan")]
        kondisi: Kondisi,
        /// Who reported (default: the operator).
        #[serde(default)]
        pelapor: String,
        /// When the damage was found (start of step 1's norm; default the report time).
        #[serde(default)]
        ditemukan_at: Option<Timestamp>,
        /// When it was reported (step 1 done; default now).
        #[serde(default)]
        dilaporkan_at: Option<Timestamp>,
    },
    /// Record the next step (`step.at` may be back-dated, not into the future nor before the previous
    /// step) → [`PalsanReply::Case`].
    RepairStep { id: u64, step: LangkahInput },
    /// One case with its SLA at `at` (default now) → [`PalsanReply::Case`].
    RepairShow {
        id: u64,
        #[serde(default)]
        at: Option<Timestamp>,
    },
    /// All cases → [`PalsanReply::Cases`].
    RepairList,
    /// Register key material → [`PalsanReply::Kunci`].
    KunciAdd { kunci: KunciBaru },
    /// All key material → [`PalsanReply::KunciList`].
    KunciList,
    /// Move key material to another status → [`PalsanReply::Kunci`].
    KunciStatus {
        id: u64,
        status: StatusKunci,
        #[serde(default)]
        catatan: String,
    },
    /// Record a periodic duty done (Email Sanapati password, equipment audit) → [`PalsanReply::Berkala`].
    BerkalaDone {
        jenis: JenisBerkala,
        #[serde(default)]
        at: Option<Timestamp>,
    },
    /// The reminder list at `at` (default now) → [`PalsanReply::Reminders`].
    Reminders {
        #[serde(default)]
        at: Option<Timestamp>,
    },
    /// Lampiran III, IV, V at `at` (default now: key material expired then counts as not Baik) →
    /// [`PalsanReply::Lampiran`].
    Lampiran {
        #[serde(default)]
        at: Option<Timestamp>,
    },
}

fn rusak_ringan() -> Kondisi {
    Kondisi::RusakRingan
}

/// A repair case with its item and SLA view.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct CaseView {
    pub perbaikan: Perbaikan,
    pub palsan: Palsan,
    /// SLA of all 14 steps at `at`, norms in office time of the node's calendar.
    pub sla: Vec<SlaLangkah>,
    /// BSSN's assessment of step 11 (`rusak_ringan` / `rusak_berat`), once recorded.
    #[serde(default)]
    pub penilaian: Option<Kondisi>,
    pub at: Timestamp,
}

/// Palsan replies.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PalsanReply {
    Item {
        item: Box<Palsan>,
        #[serde(default)]
        perbaikan: Option<Box<CaseView>>,
    },
    Items {
        items: Vec<Palsan>,
    },
    Case(Box<CaseView>),
    Cases {
        cases: Vec<Perbaikan>,
    },
    Kunci {
        kunci: Box<Kunci>,
    },
    KunciList {
        kunci: Vec<Kunci>,
    },
    Berkala {
        berkala: Berkala,
    },
    Reminders {
        at: Timestamp,
        pengingat: Vec<Pengingat>,
    },
    Lampiran {
        tables: Vec<TabelLampiran>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{ClientMsg, Request};

    #[test]
    fn request_json_shape_is_stable() {
        let m = ClientMsg {
            v: 1,
            id: 7,
            req: Request::Palsan(PalsanRequest::ItemShow { id: 3 }),
        };
        let j = serde_json::to_string(&m).unwrap();
        assert_eq!(
            j,
            r#"{"v":1,"id":7,"req":{"type":"palsan","op":"item_show","id":3}}"#
        );
        let back: ClientMsg = serde_json::from_str(&j).unwrap();
        assert!(matches!(
            back.req,
            Request::Palsan(PalsanRequest::ItemShow { id: 3 })
        ));
        let l: ClientMsg =
            serde_json::from_str(r#"{"v":1,"id":1,"req":{"type":"palsan","op":"item_list"}}"#)
                .unwrap();
        assert!(matches!(l.req, Request::Palsan(PalsanRequest::ItemList)));
        // A client from before the report time (`at`) still asks for the Lampiran: at = now.
        let l: ClientMsg =
            serde_json::from_str(r#"{"v":1,"id":1,"req":{"type":"palsan","op":"lampiran"}}"#)
                .unwrap();
        assert!(matches!(
            l.req,
            Request::Palsan(PalsanRequest::Lampiran { at: None })
        ));
    }
}
