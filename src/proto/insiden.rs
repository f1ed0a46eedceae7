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
    /// Quick capture: opens an incident, detection time = node now, `teks` the first timeline line.
    New {
        teks: String,
        #[serde(default)]
        terjadi_at: Option<Timestamp>,
    },
    /// Appends a log line.
    Log {
        id: u64,
        teks: String,
        #[serde(default)]
        pelaksana: Option<String>,
    },
    /// Appends a correction of entry `no` (the original stays visible).
    Koreksi {
        id: u64,
        no: u32,
        teks: String,
        alasan: String,
    },
    /// Changes record fields (each change is its own timeline entry, one transaction).
    Ubah { id: u64, ubahan: Vec<Ubahan> },
    /// Adds a playbook's steps (`A`, `B`, `C`).
    Playbook { id: u64, kode: String },
    /// Ticks a checklist step.
    Centang {
        id: u64,
        kode: String,
        #[serde(default)]
        pelaksana: Option<String>,
    },
    /// The PI.03 C2 decision with who decided.
    Keputusan {
        id: u64,
        keputusan: Keputusan,
        oleh: String,
    },
    /// Moves the status forward (not to `ditutup`: use `Close`).
    Status { id: u64, ke: StatusInsiden },
    /// Closes with the mandatory lessons-learned note.
    Close { id: u64, pelajaran: String },
    /// Records an evidence item.
    Bukti {
        id: u64,
        deskripsi: String,
        #[serde(default)]
        sha256: Option<String>,
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
