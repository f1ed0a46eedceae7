//! Handler of the incident logbook requests (seed 003, SOP PI.03): maps [`InsidenRequest`] to store
//! calls attributed to the connection's operator, and publishes the change to every console.

use jiff::Timestamp;

use super::NodeState;
use crate::domain::Operator;
use crate::domain::insiden::{Ctx, Insiden, playbooks};
use crate::proto::Reply;
use crate::proto::insiden::{InsidenReply, InsidenRequest};
use crate::store::{Actor, StoreError};

type HResult = Result<Reply, (&'static str, String)>;

fn store_err(e: StoreError) -> (&'static str, String) {
    match e {
        StoreError::Rule(m) => ("rule", m),
        StoreError::NotFound(m) => ("not_found", m),
        other => ("internal", other.to_string()),
    }
}

fn satu(i: Insiden, now: Timestamp) -> Reply {
    Reply::Insiden(InsidenReply::Satu {
        insiden: Box::new(i),
        now,
    })
}

/// The node's SLA watch: raises one alarm (`insiden.sla`, audited, shown in every console) for each
/// clock of an open incident that breaches. Alarms already raised (also before a restart) are not
/// raised again.
#[derive(Default)]
pub(super) struct SlaWatch {
    raised: super::RaisedOnce,
}

impl SlaWatch {
    /// Checks the open incidents at `now`. Store errors are logged and retried at the next check.
    pub(super) fn check(&mut self, state: &NodeState, now: Timestamp) {
        let open = match state.store.insiden_daftar(true) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "SLA watch: cannot read incidents");
                return;
            }
        };
        for (id, jenis, object) in crate::domain::insiden::pelanggaran(&open, now) {
            let msg = || match jenis {
                crate::domain::insiden::SlaJenis::Kontak => format!(
                    "insiden {id}: pihak terkait belum dihubungi dalam 5 menit (PI.03); centang U1/C1 setelah menghubungi"
                ),
                crate::domain::insiden::SlaJenis::Eskalasi => format!(
                    "insiden {id}: belum eskalasi ke staf lebih tinggi dalam 30 menit (PI.03); centang U2 setelah memberi tahu"
                ),
            };
            self.raised
                .raise(state, "SLA watch", "insiden.sla", &object, msg, now);
        }
    }
}

/// Handles one incident request at node time `now`.
pub(super) fn handle(state: &NodeState, op: &Operator, req: InsidenRequest) -> HResult {
    let now = crate::clock::now();
    let st = &state.store;
    let actor = Actor::operator(op);
    let tz = state.cfg.calendar().zone;
    let ctx = |pelaksana: Option<String>| Ctx {
        tz: tz.clone(),
        at: now,
        oleh: op.nama.clone(),
        pelaksana: pelaksana.filter(|p| !p.trim().is_empty()),
    };
    let ubah = |id: u64,
                action: &str,
                f: &mut dyn FnMut(&mut Insiden) -> Result<String, crate::domain::DomainError>|
     -> HResult {
        let (i, ch) = st
            .insiden_ubah(id, &actor, action, now, f)
            .map_err(store_err)?;
        state.hub.publish_changes(ch);
        Ok(satu(i, now))
    };
    match req {
        InsidenRequest::New { teks, terjadi_at } => {
            let pb = playbooks();
            let c = ctx(None);
            let (i, ch) = st
                .insiden_buka(&actor, now, |id| {
                    let mut i = Insiden::buka(id, &teks, &c, &pb)?;
                    i.terjadi_at = terjadi_at;
                    Ok(i)
                })
                .map_err(store_err)?;
            state.hub.publish_changes(ch);
            Ok(satu(i, now))
        }
        InsidenRequest::Log {
            id,
            teks,
            pelaksana,
        } => {
            let c = ctx(pelaksana);
            ubah(id, "insiden.catat", &mut |i| {
                i.catat(&teks, &c)?;
                Ok(teks.clone())
            })
        }
        InsidenRequest::Koreksi {
            id,
            no,
            teks,
            alasan,
        } => {
            let c = ctx(None);
            ubah(id, "insiden.koreksi", &mut |i| {
                i.koreksi(no, &teks, &alasan, &c)?;
                Ok(format!("koreksi entri {no}: {alasan}"))
            })
        }
        InsidenRequest::Ubah { id, ubahan } => {
            if ubahan.is_empty() {
                return Err((
                    "bad_request",
                    "tidak ada yang diubah: sebutkan paling sedikit satu field".into(),
                ));
            }
            let c = ctx(None);
            ubah(id, "insiden.ubah", &mut |i| {
                let mut d = Vec::new();
                for u in ubahan.clone() {
                    let no = i.ubah(u, &c)?;
                    d.push(i.linimasa[no as usize - 1].teks.clone());
                }
                Ok(d.join("; "))
            })
        }
        InsidenRequest::Playbook { id, kode } => {
            let pb = playbooks();
            let c = ctx(None);
            ubah(id, "insiden.playbook", &mut |i| {
                i.pakai_playbook(&kode, &c, &pb)?;
                Ok(kode.to_uppercase())
            })
        }
        InsidenRequest::Centang {
            id,
            kode,
            pelaksana,
        } => {
            let c = ctx(pelaksana);
            ubah(id, "insiden.centang", &mut |i| {
                i.centang(&kode, &c)?;
                Ok(kode.to_uppercase())
            })
        }
        InsidenRequest::Keputusan {
            id,
            keputusan,
            oleh,
        } => {
            let c = ctx(None);
            ubah(id, "insiden.keputusan", &mut |i| {
                i.putuskan(keputusan, &oleh, &c)?;
                Ok(format!("{} oleh {oleh}", keputusan.label()))
            })
        }
        InsidenRequest::Status { id, ke } => {
            let c = ctx(None);
            ubah(id, "insiden.status", &mut |i| {
                i.ubah_status(ke, &c)?;
                Ok(ke.as_str().into())
            })
        }
        InsidenRequest::Close { id, pelajaran } => {
            let c = ctx(None);
            ubah(id, "insiden.tutup", &mut |i| {
                i.tutup(&pelajaran, &c)?;
                Ok(pelajaran.clone())
            })
        }
        InsidenRequest::Bukti {
            id,
            deskripsi,
            sha256,
        } => {
            let c = ctx(None);
            ubah(id, "insiden.bukti", &mut |i| {
                i.tambah_bukti(&deskripsi, sha256.as_deref(), &c)?;
                Ok(deskripsi.clone())
            })
        }
        InsidenRequest::SerahTerima {
            id,
            no,
            dari,
            ke,
            tempat,
            at,
        } => {
            let c = ctx(None);
            ubah(id, "insiden.serah_terima", &mut |i| {
                i.serah_terima(no, &dari, &ke, &tempat, at, &c)?;
                Ok(format!("bukti #{no}: {dari} → {ke} di {tempat}"))
            })
        }
        InsidenRequest::List { semua } => Ok(Reply::Insiden(InsidenReply::Daftar {
            insiden: st.insiden_daftar(!semua).map_err(store_err)?,
            now,
        })),
        InsidenRequest::Show { id } => Ok(satu(st.insiden(id).map_err(store_err)?, now)),
    }
}
