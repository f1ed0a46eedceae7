//! Delivery state of a sealed kriptogram per recipient (issue 18): what the sender's console and
//! `kasa agenda show` say about each addressee, from the durable outbox and the signed receipts (*resi*)
//! that came back. Every sending SOP in the seeds ends with keeping the *resi pengiriman*; this is
//! its electronic form.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Where a letter stands for one recipient, in the order it normally advances.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum StatusKirim {
    /// Still in the outbox for this peer (not yet handed over the link, or the peer is down).
    Menunggu,
    /// Handed over the link (out of the outbox), no receipt yet.
    Terkirim,
    /// The receiver verified and stored it (`DITERIMA`).
    Diterima,
    /// An operator at the receiver registered it (`DIBUKA`).
    Dibuka,
    /// The receiver refused it (`DITOLAK`, with the reason): bad signature, not addressed, replay.
    Ditolak,
}

impl StatusKirim {
    /// Indonesian label as shown to people.
    pub fn label(self) -> &'static str {
        match self {
            StatusKirim::Menunggu => "menunggu",
            StatusKirim::Terkirim => "terkirim",
            StatusKirim::Diterima => "diterima",
            StatusKirim::Dibuka => "dibuka",
            StatusKirim::Ditolak => "ditolak",
        }
    }

    /// From a receipt's status word (`diterima`, `dibuka`, `ditolak`); `None` for anything else.
    pub fn of_receipt(s: &str) -> Option<StatusKirim> {
        match s {
            "diterima" => Some(StatusKirim::Diterima),
            "dibuka" => Some(StatusKirim::Dibuka),
            "ditolak" => Some(StatusKirim::Ditolak),
            _ => None,
        }
    }
}

/// One recipient's line: state, when it was reached (the receipt's time), the refusal reason.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Pengiriman {
    pub peer: String,
    pub status: StatusKirim,
    #[serde(default)]
    pub at: Option<Timestamp>,
    #[serde(default)]
    pub alasan: Option<String>,
}

/// The state per recipient, in the order of `recipients`, then any peer that sent a receipt without
/// being listed. Rule: a `ditolak` receipt is final; otherwise the furthest receipt wins (`dibuka`
/// over `diterima`); with no receipt, `menunggu` while the peer's outbox still holds the letter
/// (`queued_for`), else `terkirim`.
///
/// `receipts`: `(peer, status word, time, reason)` as recorded (any order).
pub fn per_penerima(
    recipients: &[String],
    queued_for: &[String],
    receipts: &[(String, String, Timestamp, Option<String>)],
) -> Vec<Pengiriman> {
    let mut peers: Vec<String> = recipients.to_vec();
    for (p, ..) in receipts {
        if !peers.contains(p) {
            peers.push(p.clone());
        }
    }
    peers
        .into_iter()
        .map(|peer| {
            let mut best: Option<Pengiriman> = None;
            for (p, s, at, why) in receipts.iter().filter(|r| r.0 == peer) {
                let Some(st) = StatusKirim::of_receipt(s) else {
                    continue;
                };
                let better = match &best {
                    None => true,
                    Some(b) if b.status == StatusKirim::Ditolak => false,
                    Some(b) => st > b.status || (st == b.status && Some(*at) > b.at),
                };
                if better {
                    best = Some(Pengiriman {
                        peer: p.clone(),
                        status: st,
                        at: Some(*at),
                        alasan: why.clone(),
                    });
                }
            }
            best.unwrap_or_else(|| Pengiriman {
                status: if queued_for.contains(&peer) {
                    StatusKirim::Menunggu
                } else {
                    StatusKirim::Terkirim
                },
                peer,
                at: None,
                alasan: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn state_per_recipient_follows_the_receipts_and_the_outbox() {
        let rc = |p: &str, s: &str, at: &str| (p.to_string(), s.to_string(), t(at), None);
        let v = per_penerima(
            &[
                "32.01".into(),
                "32.02".into(),
                "32.03".into(),
                "32.04".into(),
            ],
            &["32.03".into()],
            &[
                rc("32.01", "dibuka", "2026-11-20T03:05:00Z"),
                rc("32.01", "diterima", "2026-11-20T03:00:00Z"),
                rc("32.02", "diterima", "2026-11-20T03:01:00Z"),
                (
                    "32.05".into(),
                    "ditolak".into(),
                    t("2026-11-20T03:02:00Z"),
                    Some("not_addressed".into()),
                ),
                rc("32.05", "diterima", "2026-11-20T03:09:00Z"),
            ],
        );
        let s: Vec<_> = v
            .iter()
            .map(|p| (p.peer.as_str(), p.status.label()))
            .collect();
        assert_eq!(
            s,
            [
                ("32.01", "dibuka"),
                ("32.02", "diterima"),
                ("32.03", "menunggu"),
                ("32.04", "terkirim"),
                ("32.05", "ditolak"),
            ]
        );
        assert_eq!(v[0].at, Some(t("2026-11-20T03:05:00Z")));
        assert_eq!(v[4].alasan.as_deref(), Some("not_addressed"));
    }
}
