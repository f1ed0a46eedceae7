//! The queue of entries whose blobs must be encrypted at rest (Rahasia / Sangat Rahasia, SOP 001
//! steps 3–4: *dikecualikan* is encrypted first). Entries are queued by [`super::put_entry`] in the
//! transaction that classifies them; the node encrypts and clears them ([`Store::atrest_done`]).

use super::optional_table;
use jiff::Timestamp;
use redb::{ReadableDatabase, ReadableTable, TableDefinition};

use super::{Actor, Change, Result, Store, audit, begin, get_entry_tx, put_entry};
use crate::domain::Entry;

/// entry id → () for entries waiting for encryption at rest.
pub(crate) const PENDING: TableDefinition<u64, ()> = TableDefinition::new("atrest_pending");

/// True when `e` is classified above Biasa (T, R, SR) and still has a plaintext attachment.
pub fn needs_protection(e: &Entry) -> bool {
    e.klasifikasi.is_some_and(|k| k.encrypted_at_rest())
        && e.attachments
            .iter()
            .any(|a| !a.encrypted_at_rest && !a.sha256.is_empty())
}

impl Store {
    /// Entry ids waiting for encryption at rest, oldest first.
    pub fn atrest_pending(&self) -> Result<Vec<u64>> {
        let tx = self.db()?.begin_read()?;
        let Some(t) = optional_table(&tx, PENDING)? else {
            return Ok(vec![]);
        };
        let mut out = Vec::new();
        for r in t.iter()? {
            out.push(r?.0.value());
        }
        Ok(out)
    }

    /// Marks the attachments with the given hashes as encrypted at rest and clears the queue entry, in one
    /// transaction with an audit record (`blob.encrypt_at_rest`).
    pub fn atrest_done(&self, id: u64, encrypted: &[String], at: Timestamp) -> Result<Vec<Change>> {
        let tx = begin(&*self.db()?)?;
        {
            let old = get_entry_tx(&tx, id)?;
            let mut e = old.clone();
            for a in e.attachments.iter_mut() {
                if encrypted.contains(&a.sha256) {
                    a.encrypted_at_rest = true;
                }
            }
            let digest = put_entry(&tx, Some(&old), &e)?;
            if !needs_protection(&e) {
                tx.open_table(PENDING)?.remove(id)?;
            }
            audit(
                &tx,
                at,
                &Actor::node(),
                "blob.encrypt_at_rest",
                &format!("entry:{id}"),
                &digest,
                &encrypted.join(","),
            )?;
        }
        tx.commit()?;
        Ok(vec![Change::Entry { id }])
    }

    /// Drops a queue entry that has nothing left to protect (e.g. a voided or reclassified entry).
    pub fn atrest_forget(&self, id: u64) -> Result<()> {
        let tx = begin(&*self.db()?)?;
        tx.open_table(PENDING)?.remove(id)?;
        tx.commit()?;
        Ok(())
    }
}
