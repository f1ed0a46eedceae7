//! Signed checkpoints of the audit chain (issue 11 §6): `(seq, chain hash at seq)` signed with the
//! node's Ed25519 key. The store only keeps them; the node signs (it holds the keys) and verifies (it
//! holds the card). One row per checkpoint, so every signed head stays provable.

use super::optional_table;
use redb::{ReadableDatabase, ReadableTable, TableDefinition};

use super::{Result, Store, StoreError, begin};

/// seq → hash (32) ‖ signature (64) ‖ signed-at (i64 BE, µs since the epoch).
pub(crate) const CHECKPOINTS: TableDefinition<u64, &[u8]> =
    TableDefinition::new("audit_checkpoints");

/// One signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: u64,
    pub hash: [u8; 32],
    pub signature: [u8; 64],
    /// When it was signed, µs since the Unix epoch.
    pub at_us: i64,
}

impl Checkpoint {
    /// The signed message: `"kasa/audit/checkpoint/v1" ‖ len(node id) u16 BE ‖ node id ‖ seq u64 BE ‖
    /// hash`.
    pub fn message(node_id: &str, seq: u64, hash: &[u8; 32]) -> Vec<u8> {
        let mut m = b"kasa/audit/checkpoint/v1".to_vec();
        m.extend_from_slice(&(node_id.len() as u16).to_be_bytes());
        m.extend_from_slice(node_id.as_bytes());
        m.extend_from_slice(&seq.to_be_bytes());
        m.extend_from_slice(hash);
        m
    }

    /// Encoded row / file bytes (104 bytes after the seq).
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(112);
        b.extend_from_slice(&self.seq.to_be_bytes());
        b.extend_from_slice(&self.hash);
        b.extend_from_slice(&self.signature);
        b.extend_from_slice(&self.at_us.to_be_bytes());
        b
    }

    /// Decodes [`Checkpoint::encode`].
    pub fn decode(b: &[u8]) -> Option<Checkpoint> {
        if b.len() != 112 {
            return None;
        }
        Some(Checkpoint {
            seq: u64::from_be_bytes(b[..8].try_into().ok()?),
            hash: b[8..40].try_into().ok()?,
            signature: b[40..104].try_into().ok()?,
            at_us: i64::from_be_bytes(b[104..112].try_into().ok()?),
        })
    }
}

impl Store {
    /// Stores a checkpoint (not itself an audit record: it signs them).
    pub fn put_checkpoint(&self, c: &Checkpoint) -> Result<()> {
        let tx = begin(&*self.db()?)?;
        tx.open_table(CHECKPOINTS)?
            .insert(c.seq, c.encode().as_slice())?;
        tx.commit()?;
        Ok(())
    }

    /// All checkpoints, oldest first.
    pub fn checkpoints(&self) -> Result<Vec<Checkpoint>> {
        let tx = self.db()?.begin_read()?;
        let Some(t) = optional_table(&tx, CHECKPOINTS)? else {
            return Ok(vec![]);
        };
        let mut out = Vec::new();
        for r in t.iter()? {
            let (_, v) = r?;
            out.push(
                Checkpoint::decode(v.value())
                    .ok_or_else(|| StoreError::Db("malformed audit checkpoint row".into()))?,
            );
        }
        Ok(out)
    }
}
