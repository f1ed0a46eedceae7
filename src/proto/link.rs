//! The direct node-to-node link: client requests about it (`kasa peer set`, `kasa peer status`,
//! receipts of a sealed entry) and the frames that travel inside the Noise transport.
//!
//! # Wire format (inside Noise)
//!
//! On TCP every Noise message (handshake or transport) is `u16 big-endian length ‖ message`
//! (1..=65535 bytes). After the handshake, each transport message decrypts to one frame:
//! `u8 type ‖ body`.
//!
//! | type | name | body |
//! |---|---|---|
//! | 1 | `HELLO` | JSON `{"node_id": …, "v": 1}` (must name the peer the key belongs to) |
//! | 2 | `KGM_BEGIN` | JSON `{"msg_id", "size", "sha256"}`: a `.kgm` of `size` bytes follows |
//! | 3 | `KGM_DATA` | up to 65,000 bytes of the `.kgm` |
//! | 4 | `KGM_END` | empty: the `.kgm` is complete (size and SHA-256 are checked) |
//! | 5 | `RESI` | JSON [`Resi`] |
//! | 6 | `ACK` | JSON `{"key": …}`: the receipt with that outbox key arrived |
//! | 7 | `PING` | empty (keepalive) |
//!
//! Anything else (unknown type, bad JSON, data outside a `.kgm`, more data than announced) drops the
//! connection.

use serde::{Deserialize, Serialize};

/// Most `.kgm` bytes in one `KGM_DATA` frame.
pub const DATA_CHUNK: usize = 65_000;

/// Requests of the link area (one variant per action; all need the admin role except `PeerStatus`
/// and `Receipts`, which any operator may read).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum LinkRequest {
    /// `kasa peer set ID --address HOST:PORT|none` (permission `peer.kelola`: Kasi or admin).
    PeerSetAddress {
        node_id: String,
        /// `None` clears the address ("they connect to us").
        #[serde(default)]
        address: Option<String>,
    },
    /// `kasa peer status` (permission `lihat`: any operator).
    PeerStatus,
    /// The receipts of a sealed (kriptogram-keluar) entry (permission `lihat`: any operator).
    Receipts { entry: u64 },
}

/// Link status of one peer (`kasa peer status --json`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct PeerLinkStatus {
    pub node_id: String,
    /// A link is up now.
    pub connected: bool,
    /// Last frame received from the peer.
    #[serde(default)]
    pub last_seen: Option<jiff::Timestamp>,
    /// Items in the durable outbox for this peer (kriptogram and receipts).
    pub queued: usize,
    #[serde(default)]
    pub last_error: Option<String>,
    /// The dialled address, if any.
    #[serde(default)]
    pub address: Option<String>,
}

/// A receipt as shown on the sender's entry (`kasa agenda show ID --json` → `receipts`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ReceiptInfo {
    pub peer: String,
    /// `diterima`, `dibuka` or `ditolak`.
    pub status: String,
    pub at: jiff::Timestamp,
    #[serde(default)]
    pub reason: Option<String>,
    /// Message id and SHA-256 of the `.kgm` the receipt speaks for (from the signed receipt).
    #[serde(default)]
    pub msg_id: Option<String>,
    #[serde(default)]
    pub kgm_sha256: Option<String>,
}

/// Replies of the link area.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LinkReply {
    PeerStatus {
        peers: Vec<PeerLinkStatus>,
    },
    AddressSet {
        node_id: String,
        #[serde(default)]
        address: Option<String>,
    },
    Receipts {
        receipts: Vec<ReceiptInfo>,
        /// The state per recipient (menunggu, terkirim, diterima, dibuka, ditolak) with its time.
        #[serde(default)]
        pengiriman: Vec<crate::domain::pengiriman::Pengiriman>,
    },
}

/// A signed delivery receipt (*resi*), as it travels (frame `RESI`, or a small file).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Resi {
    pub v: u32,
    /// The letter's sender (who gets the receipt).
    pub sender: String,
    /// The node that issued the receipt.
    pub receiver: String,
    pub msg_id: String,
    /// Lowercase hex SHA-256 of the `.kgm` as received.
    pub kgm_sha256: String,
    /// `diterima`, `dibuka` or `ditolak`.
    pub status: String,
    /// RFC 3339 UTC.
    pub at: String,
    #[serde(default)]
    pub reason: Option<String>,
    /// Hex Ed25519 signature (crypto::link, "Receipt signature").
    pub sig: String,
}

/// `HELLO` body.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    pub node_id: String,
    pub v: u32,
}

/// `KGM_BEGIN` body.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct KgmBegin {
    pub msg_id: String,
    pub size: u64,
    pub sha256: String,
}

/// `ACK` body.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    pub key: String,
}

/// One frame inside the Noise transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Hello(Hello),
    KgmBegin(KgmBegin),
    KgmData(Vec<u8>),
    KgmEnd,
    Resi(Box<Resi>),
    Ack(Ack),
    Ping,
}

impl Frame {
    /// `u8 type ‖ body`.
    pub fn encode(&self) -> Vec<u8> {
        fn js<T: Serialize>(t: u8, v: &T) -> Vec<u8> {
            let mut out = vec![t];
            serde_json::to_writer(&mut out, v).expect("plain struct");
            out
        }
        match self {
            Frame::Hello(h) => js(1, h),
            Frame::KgmBegin(b) => js(2, b),
            Frame::KgmData(d) => {
                let mut out = Vec::with_capacity(d.len() + 1);
                out.push(3);
                out.extend_from_slice(d);
                out
            }
            Frame::KgmEnd => vec![4],
            Frame::Resi(r) => js(5, r),
            Frame::Ack(a) => js(6, a),
            Frame::Ping => vec![7],
        }
    }

    /// Parses a frame. Errors name the problem (the caller drops the connection).
    pub fn decode(b: &[u8]) -> Result<Frame, String> {
        let (&t, body) = b.split_first().ok_or("empty frame")?;
        fn js<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
            serde_json::from_slice(body).map_err(|e| format!("bad frame body: {e}"))
        }
        Ok(match t {
            1 => Frame::Hello(js(body)?),
            2 => Frame::KgmBegin(js(body)?),
            3 => {
                if body.len() > DATA_CHUNK {
                    return Err("oversize data frame".into());
                }
                Frame::KgmData(body.to_vec())
            }
            4 if body.is_empty() => Frame::KgmEnd,
            5 => Frame::Resi(Box::new(js(body)?)),
            6 => Frame::Ack(js(body)?),
            7 if body.is_empty() => Frame::Ping,
            _ => return Err(format!("unknown frame type {t}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_garbage_refused() {
        for f in [
            Frame::Hello(Hello {
                node_id: "32".into(),
                v: 1,
            }),
            Frame::KgmBegin(KgmBegin {
                msg_id: "ab".into(),
                size: 3,
                sha256: "cd".into(),
            }),
            Frame::KgmData(vec![1, 2, 3]),
            Frame::KgmEnd,
            Frame::Ack(Ack { key: "k".into() }),
            Frame::Ping,
        ] {
            assert_eq!(Frame::decode(&f.encode()).unwrap(), f);
        }
        assert!(Frame::decode(&[]).is_err());
        assert!(Frame::decode(&[9]).is_err());
        assert!(Frame::decode(&[2, b'{']).is_err());
        assert!(Frame::decode(&[4, 0]).is_err());
    }
}
