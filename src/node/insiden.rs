//! Handler of the incident logbook requests (seed 003, SOP PI.03): maps [`InsidenRequest`] to store
//! calls attributed to the connection's operator, and publishes the change to every console.

use jiff::Timestamp;

use super::NodeState;
use crate::domain::Operator;
use crate::domain::insiden::{BerkasBukti, BuktiBaru, Ctx, Insiden, Tlp, playbooks};
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

/// Handles one incident request at node time `now`. `file`: the evidence file passed as a
/// descriptor with [`InsidenRequest::Bukti`].
pub(super) fn handle(
    state: &NodeState,
    op: &Operator,
    req: InsidenRequest,
    file: Option<std::fs::File>,
) -> HResult {
    let now = crate::clock::now();
    let st = &state.store;
    let actor = Actor::operator(op);
    let tz = state.cfg.calendar().zone;
    let ctx = |pelaksana: Option<String>, waktu: Option<Timestamp>| Ctx {
        tz: tz.clone(),
        at: now,
        oleh: op.nama.clone(),
        pelaksana: pelaksana.filter(|p| !p.trim().is_empty()),
        waktu,
    };
    let ubah = |id: u64,
                action: &str,
                f: &mut dyn FnMut(&mut Insiden) -> Result<String, crate::domain::DomainError>|
     -> HResult {
        let (i, ch) = st
            .insiden_ubah(id, &actor, action, now, f)
            .map_err(store_err)?;
        state.hub.publish_changes(ch);
        if !i.status.is_open() {
            settle(state, i.id, i.status.as_str(), now);
        } else {
            settle_met(state, &i, now);
        }
        Ok(satu(i, now))
    };
    match req {
        InsidenRequest::New {
            teks,
            terjadi_at,
            diketahui_at,
        } => {
            let pb = playbooks();
            let c = ctx(None, diketahui_at);
            let (i, ch) = st
                .insiden_buka(&actor, now, |id| {
                    let mut i = Insiden::buka(id, &teks, &c, &pb)?;
                    if let Some(t) = terjadi_at {
                        i.set_terjadi(t, &c.tz)?;
                    }
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
            waktu,
        } => {
            let c = ctx(pelaksana, waktu);
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
            waktu,
        } => {
            let c = ctx(None, waktu);
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
            let c = ctx(None, None);
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
            let c = ctx(None, None);
            ubah(id, "insiden.playbook", &mut |i| {
                i.pakai_playbook(&kode, &c, &pb)?;
                Ok(kode.to_uppercase())
            })
        }
        InsidenRequest::Centang {
            id,
            kode,
            pelaksana,
            waktu,
        } => {
            let c = ctx(pelaksana, waktu);
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
            let c = ctx(None, None);
            ubah(id, "insiden.keputusan", &mut |i| {
                i.putuskan(keputusan, &oleh, &c)?;
                Ok(format!("{} oleh {oleh}", keputusan.label()))
            })
        }
        InsidenRequest::Status { id, ke } => {
            let c = ctx(None, None);
            ubah(id, "insiden.status", &mut |i| {
                i.ubah_status(ke, &c)?;
                Ok(ke.as_str().into())
            })
        }
        InsidenRequest::Close { id, pelajaran } => {
            let c = ctx(None, None);
            ubah(id, "insiden.tutup", &mut |i| {
                i.tutup(&pelajaran, &c)?;
                Ok(pelajaran.clone())
            })
        }
        InsidenRequest::Batal { id, alasan } => {
            let c = ctx(None, None);
            ubah(id, "insiden.batal", &mut |i| {
                i.batalkan(&alasan, &c)?;
                Ok(alasan.clone())
            })
        }
        InsidenRequest::Gabung { id, ke, alasan } => {
            let c = ctx(None, None);
            let (a, _b, ch) = st
                .insiden_gabung(id, ke, &actor, now, |a, b| {
                    a.gabung_ke(b, &alasan, &c)?;
                    Ok(format!("insiden {id} digabung ke {ke}: {alasan}"))
                })
                .map_err(store_err)?;
            state.hub.publish_changes(ch);
            settle(state, id, "digabung", now);
            Ok(satu(a, now))
        }
        InsidenRequest::Laporan { id, nomor, sha256 } => {
            let c = ctx(None, None);
            ubah(id, "insiden.laporan", &mut |i| {
                i.catat_laporan(&nomor, &sha256, &c)?;
                Ok(format!("laporan {nomor} sha256 {sha256}"))
            })
        }
        InsidenRequest::Bukti {
            id,
            deskripsi,
            sha256,
            pemegang,
            berkas,
        } => {
            let c = ctx(None, None);
            let (sha256, berkas) = match berkas {
                Some(f) => {
                    let (sha, b) = simpan_berkas(state, id, f, file)?;
                    (Some(sha), Some(b))
                }
                None => (sha256, None),
            };
            let baru = BuktiBaru {
                deskripsi,
                sha256,
                berkas,
                pemegang,
            };
            ubah(id, "insiden.bukti", &mut |i| {
                i.tambah_bukti(baru.clone(), &c)?;
                Ok(baru.deskripsi.clone())
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
            let c = ctx(None, None);
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

/// Settles the SLA alarms of incident `id` once it is no longer open (closed, voided, merged): an
/// ended response leaves no open alarm behind. A store error is logged (the alarms stay open and
/// can be acknowledged by hand).
fn settle(state: &NodeState, id: u64, status: &str, now: Timestamp) {
    match state.store.settle_alarms(
        &format!("insiden:{id}:"),
        &format!("otomatis: insiden {id} {status}"),
        now,
    ) {
        Ok(ch) => state.hub.publish_changes(ch),
        Err(e) => tracing::warn!(error = %e, incident = id, "cannot settle the incident's alarms"),
    }
}

/// Settles the alarm of each clock of open incident `i` that is not breached by the record as it
/// now stands: a back-dated tick (the contact was made at 05:44, typed at 05:52) or an earlier
/// detection time corrected shows the norm was kept, and its alarm is stale.
fn settle_met(state: &NodeState, i: &Insiden, now: Timestamp) {
    for s in i.sla(now).iter().filter(|s| !s.is_breached()) {
        match state.store.settle_alarms(
            &format!("insiden:{}:sla:{}", i.id, s.jenis.label()),
            &format!(
                "otomatis: jam {} insiden {} terpenuhi menurut catatan",
                s.jenis.label(),
                i.id
            ),
            now,
        ) {
            Ok(ch) => state.hub.publish_changes(ch),
            Err(e) => {
                tracing::warn!(error = %e, incident = i.id, "cannot settle a met clock's alarm")
            }
        }
    }
}

/// Stores an evidence file in the blob store: read once (1 MiB blocks, hashed in the same pass),
/// encrypted at rest to the node's key as it is written unless the incident is TLP:CLEAR, fsynced.
/// Returns its SHA-256 and what the record keeps. Refusals: unknown incident, empty file, over
/// `ingest.max_bytes`, staging or blob store errors.
fn simpan_berkas(
    state: &NodeState,
    id: u64,
    f: crate::proto::KgmFile,
    file: Option<std::fs::File>,
) -> Result<(String, BerkasBukti), (&'static str, String)> {
    use super::berkas::{Masukan, bare_name, mime_of};
    let i = state.store.insiden(id).map_err(store_err)?;
    let name = bare_name(&f.name);
    let isi = Masukan::of(f.fd, f.data_b64, file);
    let max = state.cfg.ingest.max_bytes;
    if let Some(n) = isi.known_size().filter(|n| *n > max) {
        return Err((
            "rule",
            format!(
                "{name}: {n} byte, melebihi batas ukuran node {max} byte (ingest.max_bytes di node.toml): kecilkan atau pisah berkasnya, atau catat hash-nya saja (--sha256)"
            ),
        ));
    }
    let seal_to = (i.tlp != Tlp::Clear)
        .then(|| state.identity.card.as_ref().map(|c| c.encryption))
        .flatten();
    if i.tlp != Tlp::Clear && seal_to.is_none() {
        return Err((
            "locked",
            "node belum punya kunci untuk menyimpan bukti terenkripsi: jalankan `kasa init` / buka kunci node".into(),
        ));
    }
    let s = isi
        .stage_with(state, max, seal_to.as_ref())
        .map_err(|(c, m)| (c, format!("{name}: {m}")))?;
    if s.size == 0 {
        let _ = std::fs::remove_file(&s.path);
        return Err((
            "rule",
            format!(
                "{name}: berkas kosong (0 byte): tidak ada yang disimpan; periksa berkasnya lalu ulangi"
            ),
        ));
    }
    if let Err(e) = s.store_in_blobs(state, seal_to.is_some()) {
        let _ = std::fs::remove_file(&s.path);
        return Err(("internal", format!("blob store: {e}")));
    }
    Ok((
        hex::encode(s.sha),
        BerkasBukti {
            nama: name,
            ukuran: s.size,
            mime: mime_of(&s.head).to_string(),
            terenkripsi: seal_to.is_some(),
        },
    ))
}
