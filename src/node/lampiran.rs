//! `kasa agenda attach ID FILE… --kind surat|jurnal-faks|resi|lain` (issue 14): files added to an
//! existing entry of any book — a proof of sending on a keluar letter, a later page of a masuk one.
//!
//! Each file comes as a descriptor (`proto::fdpass`) and is read once, streaming (1 MiB blocks,
//! SHA-256 in the same pass, never whole in memory), into the private staging folder; its type is
//! sniffed from the first 8 KiB only and pages are counted only for images (one page), never by
//! parsing a PDF in the node. For an entry classified other than Biasa the copy is written
//! encrypted at rest to the node's own key as it is staged (`blobs/ab/<sha>.age`): the plaintext
//! never reaches the disk. Then one store transaction appends the attachments, one `dilampirkan`
//! event and one audit record (`Store::attach`).

use std::fs;

use super::NodeState;
use super::berkas::{Masukan, Staged, bare_name, mime_of};
use crate::domain::{Attachment, JenisLampiran, Operator};
use crate::proto::Reply;
use crate::store::{Actor, StoreError};

type Refusal = (&'static str, String);

fn store_err(e: StoreError) -> Refusal {
    match e {
        StoreError::Rule(m) => ("rule", m),
        StoreError::NotFound(m) => ("not_found", m),
        other => ("internal", other.to_string()),
    }
}

/// Attaches `files` (name, content) to entry `id` as `jenis` and answers the updated entry
/// ([`Reply::Entry`]). Refusals (code, message in Indonesian naming the rule and what to do):
/// `not_found` (no entry), `rule` (a void or duplikat entry; an empty file; a file over
/// `ingest.max_bytes`; more than [`crate::proto::fdpass::MAX_FDS`] files), `invalid` (no file),
/// `internal` (staging, blob store, database). Nothing is committed unless every file was staged.
pub(super) fn attach(
    state: &NodeState,
    op: &Operator,
    id: u64,
    jenis: JenisLampiran,
    files: Vec<(String, Masukan)>,
) -> Result<Reply, Refusal> {
    use crate::proto::fdpass::MAX_FDS;
    let entry = state.store.entry(id).map_err(store_err)?.ok_or((
        "not_found",
        format!("entri {id} tidak ada: periksa nomornya dengan `kasa agenda list`"),
    ))?;
    entry.check_attachable().map_err(|e| ("rule", e.0))?;
    if files.is_empty() {
        return Err((
            "invalid",
            "tidak ada berkas untuk dilampirkan: sebutkan minimal satu berkas (`kasa agenda attach ID BERKAS…`)".into(),
        ));
    }
    if files.len() > MAX_FDS {
        return Err((
            "rule",
            format!(
                "{} berkas dalam satu permintaan; paling banyak {MAX_FDS} (batas descriptor per permintaan): lampirkan dalam beberapa kali",
                files.len()
            ),
        ));
    }
    let max = state.cfg.ingest.max_bytes;
    // Before anything is copied: sizes known from fstat.
    for (name, isi) in &files {
        match isi.known_size() {
            Some(0) => return Err(empty(name)),
            Some(n) if n > max => return Err(too_large(name, n, max)),
            _ => {}
        }
    }
    let seal_to = entry
        .klasifikasi
        .filter(|k| k.encrypted_at_rest())
        .and_then(|_| state.identity.card.as_ref().map(|c| c.encryption));
    let mut staged: Vec<(String, Staged)> = Vec::new();
    let cleanup = |staged: &[(String, Staged)]| {
        for (_, s) in staged {
            let _ = fs::remove_file(&s.path);
        }
    };
    for (name, isi) in files {
        let name = bare_name(&name);
        match isi.stage_with(state, max, seal_to.as_ref()) {
            Ok(s) if s.size == 0 => {
                let _ = fs::remove_file(&s.path);
                cleanup(&staged);
                return Err(empty(&name));
            }
            Ok(s) => staged.push((name, s)),
            Err((code, m)) => {
                cleanup(&staged);
                return Err((code, format!("{name}: {m}")));
            }
        }
    }
    let mut atts = Vec::new();
    for (name, s) in &staged {
        // The copies were written without waiting for the disk: fsync before the commit relies on them.
        if let Err(e) = s.store_in_blobs(state, seal_to.is_some()) {
            cleanup(&staged);
            return Err(("internal", format!("blob store: {e}")));
        }
        let mime = mime_of(&s.head);
        atts.push((
            s.sha,
            Attachment {
                sha256: hex::encode(s.sha),
                name: name.clone(),
                mime: mime.to_string(),
                size: s.size,
                pages: matches!(mime, "image/jpeg" | "image/png").then_some(1),
                encrypted_at_rest: seal_to.is_some(),
                jenis,
            },
        ));
    }
    let (e, ch) = state
        .store
        .attach(id, &atts, &Actor::operator(op), crate::clock::now())
        .map_err(store_err)?;
    state.hub.publish_changes(ch);
    Ok(Reply::Entry {
        entry: Box::new(e),
        text: None,
    })
}

fn empty(name: &str) -> Refusal {
    (
        "rule",
        format!(
            "{name}: berkas kosong (0 byte) / empty file: tidak ada yang dilampirkan; periksa berkasnya (pindaian selesai?) lalu ulangi"
        ),
    )
}

fn too_large(name: &str, size: u64, max: u64) -> Refusal {
    (
        "rule",
        format!(
            "{name}: {size} byte, melebihi batas ukuran node {max} byte (ingest.max_bytes di node.toml) / over the node's size limit: kecilkan atau pisah berkasnya, atau minta admin menaikkan ingest.max_bytes"
        ),
    )
}
