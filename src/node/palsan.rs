//! Palsan request handler: maps [`PalsanRequest`]s to the store, attributed to the operator.

use jiff::Timestamp;

use super::NodeState;
use crate::domain::Operator;
use crate::domain::palsan::{
    AturanPengingat, LaporanKerusakan, lampiran_iii, lampiran_iv, lampiran_v, pelanggaran,
    pengingat,
};
use crate::proto::Reply;
use crate::proto::palsan::{CaseView, PalsanReply, PalsanRequest};
use crate::store::{Actor, StoreError};

type HResult = Result<Reply, (&'static str, String)>;

fn store_err(e: StoreError) -> (&'static str, String) {
    match e {
        StoreError::Rule(m) => ("rule", m),
        StoreError::NotFound(m) => ("not_found", m),
        other => ("internal", other.to_string()),
    }
}

fn ok(r: PalsanReply) -> HResult {
    Ok(Reply::Palsan(Box::new(r)))
}

fn case_view(
    state: &NodeState,
    id: u64,
    at: Timestamp,
) -> Result<CaseView, (&'static str, String)> {
    let st = &state.store;
    let c = st.perbaikan(id).map_err(store_err)?.ok_or((
        "not_found",
        format!("tidak ada kasus perbaikan {id}: lihat `kasa palsan repair list`"),
    ))?;
    let p = st.palsan_item(c.palsan_id).map_err(store_err)?.ok_or((
        "internal",
        format!("palsan {} of case {id} missing", c.palsan_id),
    ))?;
    Ok(CaseView {
        sla: c.sla(&state.cfg.calendar(), at),
        penilaian: c.penilaian(),
        perbaikan: c,
        palsan: p,
        at,
    })
}

fn item_reply(state: &NodeState, id: u64, now: Timestamp) -> HResult {
    let p = state.store.palsan_item(id).map_err(store_err)?.ok_or((
        "not_found",
        format!("tidak ada palsan {id}: lihat `kasa palsan item list`"),
    ))?;
    let perbaikan = match p.perbaikan {
        Some(c) => Some(Box::new(case_view(state, c, now)?)),
        None => None,
    };
    ok(PalsanReply::Item {
        item: Box::new(p),
        perbaikan,
    })
}

/// The node's watch over repair steps (main thread, every few seconds, like the receive-flow and
/// incident SLA watches): one `palsan.perbaikan` alarm (audited, pushed to every console, listed by
/// `kasa alarm list`) for each open case whose next step is past its *mutu baku* in office time
/// ([`pelanggaran`]), object `palsan:ITEM:perbaikan:CASE:langkah:K`. Alarms already raised (also before a
/// restart) are not raised again.
#[derive(Default)]
pub(super) struct PerbaikanWatch {
    raised: super::RaisedOnce,
}

impl PerbaikanWatch {
    /// Checks the open repair cases at `now`. Store errors are logged and retried at the next check.
    pub(super) fn check(&mut self, state: &NodeState, now: Timestamp) {
        let cases = match state.store.perbaikan_all() {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "repair watch: cannot read repair cases");
                return;
            }
        };
        if !cases.iter().any(|c| c.terbuka()) {
            return;
        }
        let cal = state.cfg.calendar();
        for l in pelanggaran(&cases, &cal, now) {
            let msg = || {
                let nama = state
                    .store
                    .palsan_item(l.palsan_id)
                    .ok()
                    .flatten()
                    .map(|p| p.nama)
                    .unwrap_or_default();
                l.pesan(&nama, &cal.zone)
            };
            self.raised.raise(
                state,
                "repair watch",
                "palsan.perbaikan",
                &l.objek(),
                msg,
                now,
            );
        }
    }
}

/// Handles one palsan request at the node's clock.
pub(super) fn handle(state: &NodeState, op: &Operator, req: PalsanRequest) -> HResult {
    let now = crate::clock::now();
    let st = &state.store;
    let actor = Actor::operator(op);
    let publish = |ch| state.hub.publish_changes(ch);
    let who = op.nama.clone();
    let tz = state.cfg.calendar().zone;
    match req {
        PalsanRequest::ItemAdd { item } => {
            let (p, ch) = st.palsan_add(&actor, &item, now).map_err(store_err)?;
            publish(ch);
            ok(PalsanReply::Item {
                item: Box::new(p),
                perbaikan: None,
            })
        }
        PalsanRequest::ItemList => ok(PalsanReply::Items {
            items: st.palsan_items().map_err(store_err)?,
        }),
        PalsanRequest::ItemShow { id } => item_reply(state, id, now),
        PalsanRequest::ItemEdit { id, ubah } => {
            let (_, ch) = st
                .palsan_update(id, &actor, "palsan.edit", now, |p| {
                    Ok(p.ubah(&ubah, now, &who)?)
                })
                .map_err(store_err)?;
            publish(ch);
            item_reply(state, id, now)
        }
        PalsanRequest::Checkout {
            id,
            kepada,
            rencana_kembali,
            catatan,
        } => {
            let (_, ch) = st
                .palsan_update(id, &actor, "palsan.checkout", now, |p| {
                    p.checkout(&kepada, rencana_kembali, &catatan, now, &who)?;
                    Ok(format!("kepada {kepada}"))
                })
                .map_err(store_err)?;
            publish(ch);
            item_reply(state, id, now)
        }
        PalsanRequest::Checkin {
            id,
            kondisi,
            catatan,
        } => {
            let (_, ch) = st
                .palsan_update(id, &actor, "palsan.checkin", now, |p| {
                    p.checkin(kondisi, &catatan, now, &who)?;
                    Ok(format!("kondisi {} {catatan}", kondisi.as_str()))
                })
                .map_err(store_err)?;
            publish(ch);
            item_reply(state, id, now)
        }
        PalsanRequest::Dispose {
            id,
            berita_acara,
            saksi,
            alasan,
        } => {
            let (_, ch) = st
                .palsan_update(id, &actor, "palsan.dispose", now, |p| {
                    p.hapus(&berita_acara, &saksi, &alasan, now, &who)?;
                    Ok(format!(
                        "berita acara {berita_acara}; saksi {}",
                        saksi.join(", ")
                    ))
                })
                .map_err(store_err)?;
            publish(ch);
            item_reply(state, id, now)
        }
        PalsanRequest::RepairOpen {
            palsan_id,
            kerusakan,
            kondisi,
            pelapor,
            ditemukan_at,
            dilaporkan_at,
        } => {
            let lapor = LaporanKerusakan {
                kerusakan,
                pelapor,
                ditemukan_at,
                dilaporkan_at,
            };
            let (c, _, ch) = st
                .perbaikan_buka(&actor, palsan_id, &lapor, kondisi, &tz, now)
                .map_err(store_err)?;
            publish(ch);
            ok(PalsanReply::Case(Box::new(case_view(state, c.id, now)?)))
        }
        PalsanRequest::RepairStep { id, step } => {
            let (c, _, ch) = st
                .perbaikan_langkah(&actor, id, &step, &tz, now)
                .map_err(store_err)?;
            publish(ch);
            ok(PalsanReply::Case(Box::new(case_view(state, c.id, now)?)))
        }
        PalsanRequest::RepairShow { id, at } => ok(PalsanReply::Case(Box::new(case_view(
            state,
            id,
            at.unwrap_or(now),
        )?))),
        PalsanRequest::RepairList => ok(PalsanReply::Cases {
            cases: st.perbaikan_all().map_err(store_err)?,
        }),
        PalsanRequest::KunciAdd { kunci } => {
            let (k, ch) = st.kunci_add(&actor, &kunci, now).map_err(store_err)?;
            publish(ch);
            ok(PalsanReply::Kunci { kunci: Box::new(k) })
        }
        PalsanRequest::KunciList => ok(PalsanReply::KunciList {
            kunci: st.kunci_all().map_err(store_err)?,
        }),
        PalsanRequest::KunciStatus {
            id,
            status,
            catatan,
        } => {
            let (k, ch) = st
                .kunci_status(&actor, id, status, &catatan, now)
                .map_err(store_err)?;
            publish(ch);
            ok(PalsanReply::Kunci { kunci: Box::new(k) })
        }
        PalsanRequest::BerkalaDone { jenis, at } => {
            let (b, ch) = st
                .berkala_catat(&actor, jenis, at.unwrap_or(now), now)
                .map_err(store_err)?;
            publish(ch);
            ok(PalsanReply::Berkala { berkala: b })
        }
        PalsanRequest::Reminders { at } => {
            let at = at.unwrap_or(now);
            ok(PalsanReply::Reminders {
                pengingat: pengingat(
                    &st.palsan_items().map_err(store_err)?,
                    &st.perbaikan_all().map_err(store_err)?,
                    &st.kunci_all().map_err(store_err)?,
                    &st.berkala().map_err(store_err)?,
                    &AturanPengingat::default(),
                    &state.cfg.calendar(),
                    at,
                ),
                at,
            })
        }
        PalsanRequest::Lampiran { at } => {
            let items = st.palsan_items().map_err(store_err)?;
            let kunci = st.kunci_all().map_err(store_err)?;
            ok(PalsanReply::Lampiran {
                tables: vec![
                    lampiran_iii(&items),
                    lampiran_iv(&kunci, &tz, at.unwrap_or(now)),
                    lampiran_v(&items),
                ],
            })
        }
    }
}
