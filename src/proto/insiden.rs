//! Messages of the *Logbook Insiden* (seed 003, SOP PI.03), nested in [`super::Request::Insiden`] and
//! [`super::Reply::Insiden`]. JSON: `{"type":"insiden","op":"log","id":3,"teks":"…"}`.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::domain::insiden::{Insiden, Keputusan, StatusInsiden, Ubahan};

/// Requests about incidents. Every mutating request is attributed to the connection's operator; the
/// optional `pelaksana` names a second operator who performed the action (one types, one acts).
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum InsidenRequest {
    /// Quick capture: opens an incident, `teks` the first timeline line. `diketahui_at`: when it
    /// became known (default: node now; the PI.03 clocks count from it); `terjadi_at` ≤ it ≤ now.
    New {
        teks: String,
        #[serde(default)]
        terjadi_at: Option<Timestamp>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        diketahui_at: Option<Timestamp>,
    },
    /// Appends a log line; `waktu` is its event time (default: now; never in the future).
    Log {
        id: u64,
        teks: String,
        #[serde(default)]
        pelaksana: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        waktu: Option<Timestamp>,
    },
    /// Appends a correction of entry `no` (the original stays visible), with an optional corrected
    /// event time.
    Koreksi {
        id: u64,
        no: u32,
        teks: String,
        alasan: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        waktu: Option<Timestamp>,
    },
    /// Changes record fields (each change is its own timeline entry, one transaction).
    Ubah { id: u64, ubahan: Vec<Ubahan> },
    /// Adds a playbook's steps (`A`, `B`, `C`).
    Playbook { id: u64, kode: String },
    /// Ticks a checklist step: who performed it and when it was done (default: now; not before
    /// detection, not in the future).
    Centang {
        id: u64,
        kode: String,
        #[serde(default)]
        pelaksana: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        waktu: Option<Timestamp>,
    },
    /// The PI.03 C2 decision with who decided.
    Keputusan {
        id: u64,
        keputusan: Keputusan,
        oleh: String,
    },
    /// Moves the status forward (not to `ditutup`: use `Close`).
    Status { id: u64, ke: StatusInsiden },
    /// Closes with the mandatory lessons-learned note (and the steps the playbooks require).
    Close { id: u64, pelajaran: String },
    /// Voids an incident opened by mistake (permission `insiden.batal`).
    Batal { id: u64, alasan: String },
    /// Merges incident `id` into incident `ke` (permission `insiden.batal`).
    Gabung { id: u64, ke: u64, alasan: String },
    /// Records that the report was made: its number and the SHA-256 of the PDF written.
    Laporan {
        id: u64,
        nomor: String,
        sha256: String,
    },
    /// Records an evidence item: a hash only, or with `berkas` the file itself, passed as a
    /// descriptor (`berkas.fd`, [`crate::proto::fdpass`]) or base64, kept in the blob store
    /// (encrypted at rest unless the incident is TLP:CLEAR). `pemegang`: who holds it (default: the
    /// operator).
    Bukti {
        id: u64,
        deskripsi: String,
        #[serde(default)]
        sha256: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pemegang: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        berkas: Option<crate::proto::KgmFile>,
    },
    /// Records a custody transfer of evidence `no`.
    SerahTerima {
        id: u64,
        no: u32,
        dari: String,
        ke: String,
        tempat: String,
        #[serde(default)]
        at: Option<Timestamp>,
    },
    /// Incidents, open first (`semua` = include closed ones).
    List {
        #[serde(default)]
        semua: bool,
    },
    /// One incident.
    Show { id: u64 },
}

/// Replies about incidents.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum InsidenReply {
    /// One incident (after any mutation, or `Show`), with the node's clock for SLA display.
    Satu {
        insiden: Box<Insiden>,
        now: Timestamp,
    },
    /// Several incidents (open first), with the node's clock.
    Daftar {
        insiden: Vec<Insiden>,
        now: Timestamp,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{ClientMsg, Request};

    #[test]
    fn nested_request_json_shape_is_stable_and_round_trips() {
        let m = ClientMsg {
            v: 1,
            id: 9,
            req: Request::Insiden(InsidenRequest::Log {
                id: 3,
                teks: "kabel dicabut".into(),
                pelaksana: Some("Budi".into()),
                waktu: None,
            }),
        };
        let j = serde_json::to_string(&m).unwrap();
        assert_eq!(
            j,
            r#"{"v":1,"id":9,"req":{"type":"insiden","op":"log","id":3,"teks":"kabel dicabut","pelaksana":"Budi"}}"#
        );
        let back: ClientMsg = serde_json::from_str(&j).unwrap();
        assert!(matches!(
            back.req,
            Request::Insiden(InsidenRequest::Log { id: 3, .. })
        ));
        // Optional fields may be left out.
        let r: Request =
            serde_json::from_str(r#"{"type":"insiden","op":"log","id":3,"teks":"x"}"#).unwrap();
        assert!(matches!(
            r,
            Request::Insiden(InsidenRequest::Log {
                pelaksana: None,
                ..
            })
        ));
        let u: Request = serde_json::from_str(
            r#"{"type":"insiden","op":"ubah","id":1,"ubahan":[{"field":"keparahan","nilai":"kritis"}]}"#,
        )
        .unwrap();
        assert!(matches!(u, Request::Insiden(InsidenRequest::Ubah { .. })));
    }
}
