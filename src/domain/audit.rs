//! The audit chain: every state change appends a record hashed onto the previous one (DESIGN §2).
//!
//! `hash_i = SHA-256("kasa/audit/v1" ‖ hash_{i-1} ‖ canonical(record_i))` with `hash_0` = 32 zero bytes
//! ([`GENESIS_HASH`]). The canonical encoding is a fixed sequence of length-prefixed fields
//! ([`AuditRecord::canonical`]), independent of serde, so a stored chain verifies across versions.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Domain-separation label of the chain hash.
pub const CHAIN_LABEL: &[u8] = b"kasa/audit/v1";
/// The `hash_{-1}` that the first record chains onto.
pub const GENESIS_HASH: [u8; 32] = [0u8; 32];

/// One audit record. Never edited or deleted; corrections are new records.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Sequence number, from 1, gapless.
    pub seq: u64,
    /// Instant of the change (UTC).
    pub at: Timestamp,
    /// Operator uid, `None` for the node itself (ingest, timers, refused connections use the peer uid).
    pub uid: Option<u32>,
    /// Operator name or a description of the actor (`node`, `unknown uid 1234`).
    pub actor: String,
    /// Action name, e.g. `agenda.register`, `ingest.accept`, `operator.add`, `access.refused`.
    pub action: String,
    /// Object reference, e.g. `entry:17`, `operator:1000`, `file:scan-0001.pdf`.
    pub object: String,
    /// Lowercase hex SHA-256 of the object's new stored value (or of the input), empty if none.
    pub digest: String,
    /// Free detail (reason, nomor agenda, error text).
    pub detail: String,
    /// Hex of `hash_{i-1}`.
    pub prev_hash: String,
    /// Hex of `hash_i`.
    pub hash: String,
}

fn put(buf: &mut Vec<u8>, field: &[u8]) {
    buf.extend_from_slice(&(field.len() as u64).to_be_bytes());
    buf.extend_from_slice(field);
}

impl AuditRecord {
    /// The canonical bytes of the record (all fields but the hashes), each as u64-BE length ‖ bytes:
    /// seq (8 bytes BE), at (i128 BE nanoseconds since the Unix epoch), uid (`-` or decimal), actor,
    /// action, object, digest, detail.
    pub fn canonical(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(128);
        put(&mut b, &self.seq.to_be_bytes());
        put(&mut b, &self.at.as_nanosecond().to_be_bytes());
        put(
            &mut b,
            self.uid
                .map_or("-".to_string(), |u| u.to_string())
                .as_bytes(),
        );
        put(&mut b, self.actor.as_bytes());
        put(&mut b, self.action.as_bytes());
        put(&mut b, self.object.as_bytes());
        put(&mut b, self.digest.as_bytes());
        put(&mut b, self.detail.as_bytes());
        b
    }

    /// Computes `hash_i` from `prev` and this record's canonical bytes.
    pub fn compute_hash(&self, prev: &[u8; 32]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(CHAIN_LABEL);
        h.update(prev);
        h.update(self.canonical());
        h.finalize().into()
    }

    /// Fills `prev_hash` and `hash` from `prev`.
    pub fn seal(&mut self, prev: &[u8; 32]) -> [u8; 32] {
        let h = self.compute_hash(prev);
        self.prev_hash = hex::encode(prev);
        self.hash = hex::encode(h);
        h
    }
}

/// Why a chain does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// Record `seq` does not follow `expected_seq` (a gap or reordering).
    Gap { seq: u64, expected_seq: u64 },
    /// Record `seq` names a previous hash other than the actual one.
    PrevMismatch { seq: u64 },
    /// Record `seq`'s stored hash is not the hash of its content.
    HashMismatch { seq: u64 },
}

impl ChainBreak {
    /// The first bad sequence number.
    pub fn seq(&self) -> u64 {
        match self {
            ChainBreak::Gap { seq, .. }
            | ChainBreak::PrevMismatch { seq }
            | ChainBreak::HashMismatch { seq } => *seq,
        }
    }
}

/// Incremental verifier: feed records in seq order.
pub struct ChainVerifier {
    prev: [u8; 32],
    next_seq: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            prev: GENESIS_HASH,
            next_seq: 1,
        }
    }
}

impl ChainVerifier {
    /// Checks one record; on success it becomes the new head.
    pub fn push(&mut self, r: &AuditRecord) -> Result<(), ChainBreak> {
        if r.seq != self.next_seq {
            return Err(ChainBreak::Gap {
                seq: r.seq,
                expected_seq: self.next_seq,
            });
        }
        if r.prev_hash != hex::encode(self.prev) {
            return Err(ChainBreak::PrevMismatch { seq: r.seq });
        }
        let h = r.compute_hash(&self.prev);
        if r.hash != hex::encode(h) {
            return Err(ChainBreak::HashMismatch { seq: r.seq });
        }
        self.prev = h;
        self.next_seq += 1;
        Ok(())
    }

    /// Seq and hash of the last verified record (`0` and the genesis hash when empty).
    pub fn head(&self) -> (u64, [u8; 32]) {
        (self.next_seq - 1, self.prev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(seq: u64) -> AuditRecord {
        AuditRecord {
            seq,
            at: Timestamp::from_second(1_700_000_000 + seq as i64).unwrap(),
            uid: Some(1000),
            actor: "Sari".into(),
            action: "agenda.register".into(),
            object: format!("entry:{seq}"),
            digest: String::new(),
            detail: String::new(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn chain_verifies_and_names_first_bad_seq() {
        let mut prev = GENESIS_HASH;
        let mut chain: Vec<_> = (1..=5)
            .map(|s| {
                let mut r = rec(s);
                prev = r.seal(&prev);
                r
            })
            .collect();
        let mut v = ChainVerifier::default();
        for r in &chain {
            v.push(r).unwrap();
        }
        assert_eq!(v.head().0, 5);
        chain[2].detail = "edited".into();
        let mut v = ChainVerifier::default();
        let bad = chain.iter().find_map(|r| v.push(r).err()).unwrap();
        assert_eq!(bad, ChainBreak::HashMismatch { seq: 3 });
    }

    #[test]
    fn canonical_separates_fields() {
        let mut a = rec(1);
        let mut b = rec(1);
        a.actor = "ab".into();
        a.action = "c".into();
        b.actor = "a".into();
        b.action = "bc".into();
        assert_ne!(a.canonical(), b.canonical());
    }
}
