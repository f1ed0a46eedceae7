//! Store side of the direct node-to-node link (issue "Between nodes"): peer addresses, the durable
//! per-peer outbox, the link inbox (what arrived over the link, for exactly-once delivery) and the
//! delivery receipts (*resi*) of sealed kriptogram.
//!
//! Tables (values are [`codec`]-encoded JSON):
//!
//! | table | key | value |
//! |---|---|---|
//! | `link_addr` | peer node id | `HOST:PORT` to dial |
//! | `link_outbox` | (peer node id, item key) | [`OutboxItem`] |
//! | `link_sent` | msg id | [`SentRecord`]: the sealed entry, its `.kgm`, recipients |
//! | `link_inbox` | (sender node id, msg id) | [`InboxRecord`] |
//! | `kgm_receipts` | (entry id, peer node id) | `Vec<ReceiptRecord>` in arrival order |
//!
//! Every write is one redb transaction (durable on commit), so a queue survives `kill -9`.

use jiff::Timestamp;
use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

use super::{
    Actor, Change, Result, Store, StoreError, audit, begin, codec, get_entry_tx, put_entry,
};
use crate::domain::{Book, Status};

pub(super) const LINK_ADDR: TableDefinition<&str, &str> = TableDefinition::new("link_addr");
pub(super) const LINK_OUTBOX: TableDefinition<(&str, &str), &[u8]> =
    TableDefinition::new("link_outbox");
pub(super) const LINK_SENT: TableDefinition<&str, &[u8]> = TableDefinition::new("link_sent");
pub(super) const LINK_INBOX: TableDefinition<(&str, &str), &[u8]> =
    TableDefinition::new("link_inbox");
pub(super) const KGM_RECEIPTS: TableDefinition<(u64, &str), &[u8]> =
    TableDefinition::new("kgm_receipts");

fn missing_ok<T>(r: std::result::Result<T, redb::TableError>) -> Result<Option<T>> {
    match r {
        Ok(t) => Ok(Some(t)),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn dec<T: serde::de::DeserializeOwned>(b: &[u8]) -> Result<T> {
    codec::decode(b).map_err(StoreError::Db)
}

/// What an outbox item carries.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutboxPayload {
    /// A sealed `.kgm` for this peer.
    Kgm {
        msg_id: String,
        /// Path of the `.kgm` in `<data>/outbox/`.
        path: String,
        /// Lowercase hex SHA-256 of the `.kgm`.
        sha256: String,
        /// Derajat kecepatan key of the header (`kilat`, `sangat_segera`, `segera`, `biasa`).
        derajat: String,
        /// The file's modification time when it was queued (filesystem clock, ns since the epoch):
        /// a file whose mtime differs was changed since and is hashed again before it is sent.
        #[serde(default)]
        mtime_ns: Option<i64>,
    },
    /// A signed receipt to return to the sender (JSON of `proto::link::Resi`).
    Resi { json: String },
}

/// One queued item for one peer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OutboxItem {
    pub payload: OutboxPayload,
    pub queued_at: Timestamp,
    /// Sending attempts so far.
    #[serde(default)]
    pub attempts: u32,
    /// Not sent again before this instant (retry backoff, or waiting for the receipt).
    #[serde(default)]
    pub next_at: Option<Timestamp>,
    /// The last error seen for this item.
    #[serde(default)]
    pub last_error: Option<String>,
    /// The flash-disk fallback alarm was raised for this item.
    #[serde(default)]
    pub alarmed: bool,
}

/// A kriptogram this node sealed and queued on the link.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SentRecord {
    pub entry_id: u64,
    pub path: String,
    pub sha256: String,
    pub recipients: Vec<String>,
    /// The `.kgm`'s modification time when it was sealed (filesystem clock, ns since the epoch).
    #[serde(default)]
    pub mtime_ns: Option<i64>,
}

/// A kriptogram received over the link and stored in `<data>/inbox/`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct InboxRecord {
    pub sha256: String,
    pub path: String,
    pub at: Timestamp,
    /// `DIBUKA` was already returned.
    #[serde(default)]
    pub opened: bool,
}

/// One verified receipt kept on the sender's side.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReceiptRecord {
    /// `diterima`, `dibuka` or `ditolak`.
    pub status: String,
    /// When the receiving node issued it.
    pub at: Timestamp,
    #[serde(default)]
    pub reason: Option<String>,
    /// The signed receipt as received (JSON), the proof.
    pub signed: String,
}

impl Store {
    /// The address to dial for `peer`, if any.
    pub fn link_addr(&self, peer: &str) -> Result<Option<String>> {
        let tx = self.db()?.begin_read()?;
        let Some(t) = missing_ok(tx.open_table(LINK_ADDR))? else {
            return Ok(None);
        };
        Ok(t.get(peer)?.map(|v| v.value().to_string()))
    }

    /// All peer addresses.
    pub fn link_addrs(&self) -> Result<Vec<(String, String)>> {
        let tx = self.db()?.begin_read()?;
        let Some(t) = missing_ok(tx.open_table(LINK_ADDR))? else {
            return Ok(vec![]);
        };
        let mut out = vec![];
        for r in t.iter()? {
            let (k, v) = r?;
            out.push((k.value().to_string(), v.value().to_string()));
        }
        Ok(out)
    }

    /// Sets (`Some`) or clears (`None`) the address of a known peer. Audited (`peer.address`).
    pub fn link_set_addr(
        &self,
        actor: &Actor,
        peer: &str,
        addr: Option<&str>,
        at: Timestamp,
    ) -> Result<()> {
        if self.peer(peer)?.is_none() {
            return Err(StoreError::NotFound(format!(
                "peer {peer}: add its card first with `kasa peer add CARDFILE`"
            )));
        }
        let tx = begin(&*self.db()?)?;
        {
            let mut t = tx.open_table(LINK_ADDR)?;
            match addr {
                Some(a) => {
                    t.insert(peer, a)?;
                }
                None => {
                    t.remove(peer)?;
                }
            }
            audit(
                &tx,
                at,
                actor,
                "peer.address",
                &format!("peer:{peer}"),
                "",
                addr.unwrap_or("none"),
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Queues a sealed kriptogram for each recipient peer that has a link, and remembers the message
    /// (for the receipts). Idempotent per (peer, msg id).
    pub fn link_queue_kgm(
        &self,
        sent: &SentRecord,
        msg_id: &str,
        derajat: &str,
        peers: &[String],
        at: Timestamp,
    ) -> Result<()> {
        let tx = begin(&*self.db()?)?;
        {
            tx.open_table(LINK_SENT)?
                .insert(msg_id, codec::encode(sent).as_slice())?;
            let mut t = tx.open_table(LINK_OUTBOX)?;
            let key = format!("kgm:{msg_id}");
            for p in peers {
                if t.get((p.as_str(), key.as_str()))?.is_some() {
                    continue;
                }
                let item = OutboxItem {
                    payload: OutboxPayload::Kgm {
                        msg_id: msg_id.into(),
                        path: sent.path.clone(),
                        sha256: sent.sha256.clone(),
                        derajat: derajat.into(),
                        mtime_ns: sent.mtime_ns,
                    },
                    queued_at: at,
                    attempts: 0,
                    next_at: None,
                    last_error: None,
                    alarmed: false,
                };
                t.insert((p.as_str(), key.as_str()), codec::encode(&item).as_slice())?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Queues a signed receipt for `peer` under `key` (e.g. `resi:<msg id>:diterima`).
    pub fn link_queue_resi(&self, peer: &str, key: &str, json: &str, at: Timestamp) -> Result<()> {
        let tx = begin(&*self.db()?)?;
        {
            let mut t = tx.open_table(LINK_OUTBOX)?;
            let item = OutboxItem {
                payload: OutboxPayload::Resi { json: json.into() },
                queued_at: at,
                attempts: 0,
                next_at: None,
                last_error: None,
                alarmed: false,
            };
            t.insert((peer, key), codec::encode(&item).as_slice())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The queue of one peer, in key order.
    pub fn link_outbox(&self, peer: &str) -> Result<Vec<(String, OutboxItem)>> {
        let tx = self.db()?.begin_read()?;
        let Some(t) = missing_ok(tx.open_table(LINK_OUTBOX))? else {
            return Ok(vec![]);
        };
        let mut out = vec![];
        for r in t.range((peer, "")..)? {
            let (k, v) = r?;
            let (p, key) = k.value();
            if p != peer {
                break;
            }
            out.push((key.to_string(), dec(v.value())?));
        }
        Ok(out)
    }

    /// Replaces one queued item (attempts, next time, error); no-op when it is gone.
    pub fn link_outbox_update(&self, peer: &str, key: &str, item: &OutboxItem) -> Result<()> {
        let tx = begin(&*self.db()?)?;
        {
            let mut t = tx.open_table(LINK_OUTBOX)?;
            if t.get((peer, key))?.is_some() {
                t.insert((peer, key), codec::encode(item).as_slice())?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Removes one queued item (delivered).
    pub fn link_outbox_remove(&self, peer: &str, key: &str) -> Result<()> {
        let tx = begin(&*self.db()?)?;
        tx.open_table(LINK_OUTBOX)?.remove((peer, key))?;
        tx.commit()?;
        Ok(())
    }

    /// The sealed message `msg_id`, if it was queued on the link.
    pub fn link_sent(&self, msg_id: &str) -> Result<Option<SentRecord>> {
        let tx = self.db()?.begin_read()?;
        let Some(t) = missing_ok(tx.open_table(LINK_SENT))? else {
            return Ok(None);
        };
        t.get(msg_id)?.map(|v| dec(v.value())).transpose()
    }

    /// For the delivery view of entry `entry_id`: the recipients of its letters handed to the link,
    /// and the peers whose outbox still holds one of them. Both empty when it never went to the link.
    pub fn link_delivery(&self, entry_id: u64) -> Result<(Vec<String>, Vec<String>)> {
        let tx = self.db()?.begin_read()?;
        let Some(sent) = missing_ok(tx.open_table(LINK_SENT))? else {
            return Ok((vec![], vec![]));
        };
        let mut recipients: Vec<String> = vec![];
        let mut keys = vec![];
        for r in sent.iter()? {
            let (k, v) = r?;
            let rec: SentRecord = dec(v.value())?;
            if rec.entry_id == entry_id {
                keys.push(format!("kgm:{}", k.value()));
                for p in rec.recipients {
                    if !recipients.contains(&p) {
                        recipients.push(p);
                    }
                }
            }
        }
        let mut queued = vec![];
        if !keys.is_empty()
            && let Some(t) = missing_ok(tx.open_table(LINK_OUTBOX))?
        {
            for r in t.iter()? {
                let (k, _) = r?;
                let (p, key) = k.value();
                if keys.iter().any(|x| x == key) && !queued.iter().any(|q: &String| q == p) {
                    queued.push(p.to_string());
                }
            }
        }
        Ok((recipients, queued))
    }

    /// What arrived over the link from `sender` as `msg_id`.
    pub fn link_inbox(&self, sender: &str, msg_id: &str) -> Result<Option<InboxRecord>> {
        let tx = self.db()?.begin_read()?;
        let Some(t) = missing_ok(tx.open_table(LINK_INBOX))? else {
            return Ok(None);
        };
        t.get((sender, msg_id))?.map(|v| dec(v.value())).transpose()
    }

    /// Records a kriptogram received over the link (first arrival only: an existing record is kept and
    /// returned as `Err(existing)` in the `Ok`).
    pub fn link_inbox_put(
        &self,
        sender: &str,
        msg_id: &str,
        rec: &InboxRecord,
    ) -> Result<std::result::Result<(), InboxRecord>> {
        let tx = begin(&*self.db()?)?;
        {
            let mut t = tx.open_table(LINK_INBOX)?;
            if let Some(v) = t.get((sender, msg_id))? {
                return Ok(Err(dec(v.value())?));
            }
            t.insert((sender, msg_id), codec::encode(rec).as_slice())?;
        }
        tx.commit()?;
        Ok(Ok(()))
    }

    /// Marks a link-received kriptogram opened (so `DIBUKA` is returned once). Returns true when it
    /// was not marked before.
    pub fn link_inbox_mark_opened(&self, sender: &str, msg_id: &str) -> Result<bool> {
        let tx = begin(&*self.db()?)?;
        let changed = {
            let mut t = tx.open_table(LINK_INBOX)?;
            let rec: Option<InboxRecord> = t
                .get((sender, msg_id))?
                .map(|v| dec(v.value()))
                .transpose()?;
            match rec {
                Some(mut r) if !r.opened => {
                    r.opened = true;
                    t.insert((sender, msg_id), codec::encode(&r).as_slice())?;
                    true
                }
                _ => false,
            }
        };
        tx.commit()?;
        Ok(changed)
    }

    /// Records a verified receipt from `peer` for the sealed entry of `msg_id`, in one transaction:
    /// the receipt, a timeline event on the entry (`resi`), the audit record (`kriptogram.resi`) and,
    /// for the first `diterima` while the entry is `diagendakan`, the status `terkirim` with the
    /// receipt as proof (`sent_at` = the receipt's time, `saluran` = the link). The outbox item of
    /// that message for that peer is removed on `diterima` and `ditolak`. A receipt already recorded
    /// (same status) changes nothing. Returns the entry id and the changes.
    pub fn link_record_receipt(
        &self,
        peer: &str,
        msg_id: &str,
        rec: &ReceiptRecord,
        now: Timestamp,
    ) -> Result<(u64, Vec<Change>)> {
        let sent = self
            .link_sent(msg_id)?
            .ok_or_else(|| StoreError::NotFound(format!("receipt for unknown message {msg_id}")))?;
        let tx = begin(&*self.db()?)?;
        let mut changes = vec![];
        {
            let mut t = tx.open_table(KGM_RECEIPTS)?;
            let mut list: Vec<ReceiptRecord> = match t.get((sent.entry_id, peer))? {
                Some(v) => dec(v.value())?,
                None => vec![],
            };
            if list.iter().any(|r| r.status == rec.status) {
                return Ok((sent.entry_id, vec![]));
            }
            list.push(rec.clone());
            t.insert((sent.entry_id, peer), codec::encode(&list).as_slice())?;
            if rec.status != "dibuka" {
                tx.open_table(LINK_OUTBOX)?
                    .remove((peer, format!("kgm:{msg_id}").as_str()))?;
            }
            let old = get_entry_tx(&tx, sent.entry_id)?;
            let mut e = old.clone();
            let label = rec.status.to_uppercase();
            let mut detail = format!("resi {label} dari {peer} untuk kriptogram {msg_id}");
            if let Some(r) = &rec.reason {
                detail.push_str(&format!(": {r}"));
            }
            e.push_event(now, None, "node", "resi", detail.clone());
            if rec.status == "diterima"
                && e.book == Book::KriptogramKeluar
                && e.status == Status::Diagendakan
            {
                // The receipt is the proof of sending (SOP: keep the resi pengiriman).
                e.status = Status::Terkirim;
                e.saluran = "link kasa (Noise)".into();
                e.sent_at = Some(rec.at);
                e.bukti_kirim = Some(crate::domain::keluar::BuktiKirim::ResiLink {
                    peer: peer.to_string(),
                    at: rec.at,
                });
                e.push_event(
                    now,
                    None,
                    "node",
                    "terkirim",
                    format!("via link kasa: resi DITERIMA dari {peer}"),
                );
            }
            let digest = put_entry(&tx, Some(&old), &e)?;
            audit(
                &tx,
                now,
                &Actor::node(),
                "kriptogram.resi",
                &format!("entry:{}", e.id),
                &digest,
                &detail,
            )?;
            changes.push(Change::Entry { id: e.id });
        }
        tx.commit()?;
        Ok((sent.entry_id, changes))
    }

    /// The receipts of a sealed entry: (peer, receipt) in peer order, then arrival order.
    pub fn kgm_receipts(&self, entry_id: u64) -> Result<Vec<(String, ReceiptRecord)>> {
        let tx = self.db()?.begin_read()?;
        let Some(t) = missing_ok(tx.open_table(KGM_RECEIPTS))? else {
            return Ok(vec![]);
        };
        let mut out = vec![];
        for r in t.range((entry_id, "")..)? {
            let (k, v) = r?;
            let (id, peer) = k.value();
            if id != entry_id {
                break;
            }
            let list: Vec<ReceiptRecord> = dec(v.value())?;
            for rec in list {
                out.push((peer.to_string(), rec));
            }
        }
        Ok(out)
    }
}
