//! The send flows (issue 14): paraf and signature, the flow of an outgoing item, sending under the rules
//! of the klasifikasi with the channel's proof, and the break-glass path. Rules live in
//! [`crate::domain::keluar`]; this module gathers what they need from the store (who holds which role,
//! whether a disposisi reached the operator, the link receipts), writes the entry with its audit
//! record, raises the break-glass alarm and publishes the changes.

use jiff::Timestamp;

use super::NodeState;
use super::masuk::{entry_reply, store_err};
use crate::domain::keluar::{self, Kirim, Syarat};
use crate::domain::{Entry, Operator, Role};
use crate::proto::Reply;
use crate::proto::keluar::{KeluarReply, KeluarRequest};
use crate::store::{Actor, StoreError};

type HResult = Result<Reply, (&'static str, String)>;

/// The roles held by active operators of this node (the admin excluded): whether an admin may stand in
/// for an approval role ([`keluar::peran_untuk`]).
pub(super) fn peran_aktif(state: &NodeState) -> Vec<Role> {
    let mut v: Vec<Role> = state
        .store
        .operators()
        .unwrap_or_default()
        .into_iter()
        .filter(|o| !o.disabled && o.role != Role::Admin)
        .map(|o| o.role)
        .collect();
    v.sort();
    v.dedup();
    v
}

/// True when a disposisi of entry `id` is addressed to `uid` (004 langkah 4: the sandiman was assigned).
pub(super) fn disposisi_ke(state: &NodeState, id: u64, uid: u32) -> bool {
    state
        .store
        .disposisi_of_entry(id)
        .map(|v| v.iter().any(|d| d.kepada.uid == uid))
        .unwrap_or(false)
}

fn entry(state: &NodeState, id: u64) -> Result<Entry, (&'static str, String)> {
    state.store.entry(id).map_err(store_err)?.ok_or((
        "not_found",
        format!("entri {id} tidak ada: periksa nomornya dengan `kasa agenda list --book keluar`"),
    ))
}

/// The rules of entry `id` under the flows in force.
pub(super) fn syarat_of(state: &NodeState, e: &Entry) -> Syarat {
    keluar::syarat(&super::masuk::alur(state), e)
}

/// Handles a send-flow request for `op` at `now`.
pub(super) fn handle(
    state: &NodeState,
    op: &Operator,
    req: KeluarRequest,
    now: Timestamp,
) -> HResult {
    let st = &state.store;
    let actor = Actor::operator(op);
    let publish = |ch| state.hub.publish_changes(ch);
    match req {
        KeluarRequest::Paraf { id } => {
            let s = syarat_of(state, &entry(state, id)?);
            let aktif = peran_aktif(state);
            let (e, ch) = st
                .update_entry(id, &actor, "keluar.paraf", now, |e, _| {
                    e.beri_paraf(&s, op, &aktif, now)?;
                    Ok("paraf".into())
                })
                .map_err(store_err)?;
            publish(ch);
            Ok(entry_reply(e))
        }
        KeluarRequest::TandaTangan { id } => {
            let s = syarat_of(state, &entry(state, id)?);
            let aktif = peran_aktif(state);
            let (e, ch) = st
                .update_entry(id, &actor, "keluar.tanda_tangan", now, |e, _| {
                    e.tandatangani(&s, op, &aktif, now)?;
                    Ok("tanda tangan".into())
                })
                .map_err(store_err)?;
            publish(ch);
            Ok(entry_reply(e))
        }
        KeluarRequest::Tolak { id, catatan } => {
            let s = syarat_of(state, &entry(state, id)?);
            let aktif = peran_aktif(state);
            let (e, ch) = st
                .update_entry(id, &actor, "keluar.tolak", now, |e, _| {
                    e.tolak_persetujuan(&s, op, &aktif, &catatan, now)?;
                    Ok(format!("dikembalikan ke konsep: {}", catatan.trim()))
                })
                .map_err(store_err)?;
            publish(ch);
            Ok(entry_reply(e))
        }
        KeluarRequest::PilihAlur { id, alur } => {
            let set = super::masuk::alur(state);
            let kode = match alur.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(k) => {
                    let a = set.alur_keluar().find(|a| a.kode.eq_ignore_ascii_case(k));
                    let Some(a) = a else {
                        let ada: Vec<String> = set
                            .alur_keluar()
                            .map(|a| format!("{} ({})", a.kode, a.judul))
                            .collect();
                        return Err((
                            "invalid",
                            format!(
                                "alur keluar '{k}' tidak ada; pilih salah satu: {} (daftar di alur.toml)",
                                ada.join(", ")
                            ),
                        ));
                    };
                    Some(a.kode.clone())
                }
            };
            let (e, ch) = st
                .update_entry(id, &actor, "keluar.alur", now, |e, _| {
                    if e.book.is_incoming() || !e.status.is_open() {
                        return Err(StoreError::Rule(format!(
                            "entri {id} bukan berita keluar yang masih berjalan: alurnya tidak dapat diganti"
                        )));
                    }
                    e.alur = kode.clone();
                    let t = format!("alur keluar: {}", kode.as_deref().unwrap_or("menurut saluran"));
                    e.push_event(now, Some(op.uid), &op.nama, "catatan", t.clone());
                    Ok(t)
                })
                .map_err(store_err)?;
            publish(ch);
            Ok(entry_reply(e))
        }
        KeluarRequest::Kirim { id, kirim: k } => kirim(state, op, id, k, now),
        KeluarRequest::Status { id } => {
            let e = entry(state, id)?;
            let set = super::masuk::alur(state);
            let s = keluar::syarat(&set, &e);
            let a = set.alur_of(&e).cloned();
            let jam = a
                .as_ref()
                .map(|a| crate::domain::alur::jam(&e, a, &state.cfg.calendar(), now))
                .unwrap_or_default();
            Ok(Reply::Keluar(KeluarReply::Status {
                tahap: keluar::tahap(&e, &s),
                paraf: s.paraf,
                tanda_tangan: s.tanda_tangan,
                kualifikasi: s.kualifikasi,
                alur: a,
                jam,
                now,
                entry: Box::new(e),
            }))
        }
    }
}

/// Records entry `id` as sent (`kasa keluar send`): the link's `DITERIMA` receipt counts as the proof
/// of a kriptogram; the break-glass path raises the `keluar.darurat` alarm after the audited commit.
pub(super) fn kirim(
    state: &NodeState,
    op: &Operator,
    id: u64,
    mut k: Kirim,
    now: Timestamp,
) -> HResult {
    let set = super::masuk::alur(state);
    let e0 = entry(state, id)?;
    let s = keluar::syarat(&set, &e0);
    k.resi_link = state
        .store
        .kgm_receipts(id)
        .unwrap_or_default()
        .into_iter()
        .find(|(_, r)| r.status == "diterima")
        .map(|(p, _)| p);
    let mut darurat = false;
    let (e, ch) = state
        .store
        .update_entry(id, &Actor::operator(op), "keluar.send", now, |e, _| {
            darurat = e.kirim(&set, &s, &k, op, now)?;
            Ok(e.timeline
                .last()
                .map(|t| t.detail.clone())
                .unwrap_or_default())
        })
        .map_err(store_err)?;
    state.hub.publish_changes(ch);
    if darurat {
        let nomor = e
            .nomor_agenda
            .zip(e.tahun)
            .map(|(n, t)| format!("{n}/{t}"))
            .unwrap_or_else(|| e.id.to_string());
        let msg = format!(
            "JALUR DARURAT: berita keluar {nomor} ({}) dikirim tanpa segel via {} oleh {}: {} — periksa dan catat berita acaranya",
            e.klasifikasi.map_or("-", |k| k.as_str()),
            e.saluran,
            op.nama,
            k.darurat.as_deref().unwrap_or("").trim()
        );
        match state
            .store
            .raise_alarm("keluar.darurat", &msg, &format!("entry:{}", e.id), now)
        {
            Ok((_, ch)) => state.hub.publish_changes(ch),
            Err(err) => tracing::error!(error = %err, "break-glass alarm not raised"),
        }
    }
    Ok(entry_reply(e))
}
