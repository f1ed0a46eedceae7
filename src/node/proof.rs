//! Self-proving records (issue 11 §6): signed checkpoints of the audit chain, the start-up check
//! against a rolled-back or missing head, and the node's part of `audit verify`.
//!
//! **Signing.** While the node is unlocked it signs the chain head (`store::checkpoint::Checkpoint`)
//! with its Ed25519 key after every batch of commits (the main loop looks every 500 ms, and at unlock and
//! stop). Each checkpoint is kept in redb and the latest also in `keys/audit.checkpoint` (0600), outside
//! the database, so a database restored to an older state is noticed.
//!
//! **Locked node.** A locked node cannot sign: records written while locked are covered by the hash chain
//! only, and are signed by the first checkpoint after the next unlock (the chain links them, so one
//! signature covers all). `audit verify` reports how many records follow the last signed checkpoint.
//!
//! **What it proves.** Rewriting or deleting records and re-sealing the chain needs a new signature for
//! every checkpoint at or after the change: impossible without the keystore passphrase. Verification needs
//! only the public card, which is itself checked at start against the audited `identity.create`.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

use ed25519_dalek::{Signature, Signer, Verifier};

use super::NodeState;
use crate::config::Paths;
use crate::store::checkpoint::Checkpoint;
use crate::store::{AuditReport, Store};

/// `keys/audit.checkpoint`: the latest checkpoint, outside the database.
pub fn checkpoint_file(paths: &Paths) -> PathBuf {
    paths.keys().join("audit.checkpoint")
}

fn read_file(paths: &Paths) -> Option<Checkpoint> {
    let text = std::fs::read_to_string(checkpoint_file(paths)).ok()?;
    Checkpoint::decode(&hex::decode(text.trim()).ok()?)
}

fn describe(c: &Checkpoint) -> String {
    let at = jiff::Timestamp::from_microsecond(c.at_us)
        .map(|t| t.to_string())
        .unwrap_or_default();
    format!("seq {} hash {} signed {at}", c.seq, hex::encode(c.hash))
}

/// Signs the chain head if the node is unlocked and records were added since the last checkpoint.
pub fn sign_head(state: &NodeState) {
    let Some(keys) = state.identity.keys() else {
        return;
    };
    let Ok(Some((seq, hash))) = state.store.audit_head() else {
        return;
    };
    if seq <= state.signed_seq.load(Ordering::SeqCst) {
        return;
    }
    let sig = keys
        .signing
        .sign(&Checkpoint::message(&state.node_id, seq, &hash));
    let c = Checkpoint {
        seq,
        hash,
        signature: sig.to_bytes(),
        at_us: crate::clock::now().as_microsecond(),
    };
    if let Err(e) = state.store.put_checkpoint(&c) {
        tracing::warn!(error = %e, "could not store the audit checkpoint; will retry");
        return;
    }
    let path = checkpoint_file(&state.paths);
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| {
            f.write_all(hex::encode(c.encode()).as_bytes())?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, &path));
    if let Err(e) = written {
        tracing::warn!(error = %e, file = %path.display(), "could not write the audit checkpoint file");
    }
    state.signed_seq.store(seq, Ordering::SeqCst);
}

/// Start-up check: the database's audit head must exist when records exist, and must not be behind the
/// checkpoint kept outside the database (`keys/audit.checkpoint`), whose record must still carry the
/// signed hash. The error names the last signed checkpoint.
pub fn check_at_start(store: &Store, paths: &Paths) -> Result<u64, String> {
    let head = store.audit_head().map_err(|e| e.to_string())?;
    let n = store.audit_len().map_err(|e| e.to_string())?;
    let file = read_file(paths);
    let last = file.as_ref().map_or_else(
        || "none (the node was never unlocked)".to_string(),
        describe,
    );
    let Some((head_seq, _)) = head else {
        if n > 0 {
            return Err(format!(
                "the audit head is missing from {} while {n} audit records exist: the database was edited. The last signed checkpoint is {last}. Restore the database from a backup",
                paths.db().display()
            ));
        }
        if let Some(c) = &file {
            return Err(format!(
                "the audit chain is empty but this node signed {}: the database was replaced or rolled back. Restore it from a backup at least that new",
                describe(c)
            ));
        }
        return Ok(0);
    };
    // The newest checkpoint kept in the database must still match its record, too (the file may be gone).
    if let Some(c) = store.checkpoints().map_err(|e| e.to_string())?.last() {
        match store.audit_record(c.seq).map_err(|e| e.to_string())? {
            Some(r) if r.hash == hex::encode(c.hash) => {}
            _ => {
                return Err(format!(
                    "the audit chain does not carry its signed checkpoint {}: records were rewritten, deleted or re-sealed. Restore the database from a backup",
                    describe(c)
                ));
            }
        }
    }
    let Some(c) = file else { return Ok(0) };
    if head_seq < c.seq {
        return Err(format!(
            "the audit chain was rolled back: the database ends at seq {head_seq}, but the last signed checkpoint is {}. Restore the database from a backup at least that new",
            describe(&c)
        ));
    }
    match store.audit_record(c.seq).map_err(|e| e.to_string())? {
        Some(r) if r.hash == hex::encode(c.hash) => Ok(c.seq),
        _ => Err(format!(
            "audit record {} no longer carries the hash of the last signed checkpoint ({}): the chain was rewritten. Restore the database from a backup",
            c.seq,
            describe(&c)
        )),
    }
}

/// The node's part of `audit verify`: every stored checkpoint and the checkpoint file must carry a valid
/// signature of this node's card and match the chain hash at their seq. A node with an identity and
/// records but no checkpoint at all fails (its checkpoints were deleted, or it was never unlocked).
pub fn verify(state: &NodeState, report: &mut AuditReport) {
    if !report.ok {
        return;
    }
    let Some(card) = state.identity.card.as_ref() else {
        return;
    };
    let mut cps = match state.store.checkpoints() {
        Ok(c) => c,
        Err(e) => return fail(report, format!("checkpoints unreadable: {e}")),
    };
    if let Some(f) = read_file(&state.paths) {
        cps.push(f);
    }
    if cps.is_empty() {
        if report.records > 0 {
            fail(
                report,
                "no signed checkpoint: the chain cannot be proven (its checkpoints were removed, or the node was never unlocked; unlock it to sign)".into(),
            );
        }
        return;
    }
    let mut best = 0;
    for c in &cps {
        let sig = Signature::from_bytes(&c.signature);
        if card
            .signing
            .verify(&Checkpoint::message(&state.node_id, c.seq, &c.hash), &sig)
            .is_err()
        {
            return fail(
                report,
                format!(
                    "checkpoint {} has no valid signature of this node",
                    describe(c)
                ),
            );
        }
        match state.store.audit_record(c.seq) {
            Ok(Some(r)) if r.hash == hex::encode(c.hash) => {}
            _ => {
                return fail(
                    report,
                    format!(
                        "the chain does not carry signed checkpoint {}: records were rewritten, deleted or re-sealed",
                        describe(c)
                    ),
                );
            }
        }
        best = best.max(c.seq);
    }
    report.signed_seq = Some(best);
}

fn fail(report: &mut AuditReport, problem: String) {
    report.ok = false;
    report.problem = Some(problem);
}
