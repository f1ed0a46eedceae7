//! The receive flows after registration (seed 003 SOP A, B, C): distribution with tanda terima, SI APEL,
//! duplicates linked across channels, the flow clocks and their alarms, and who has which entry's form
//! open. Rules live in [`crate::domain::alur`] and [`crate::domain::penerimaan`]; this module loads the
//! flows file, reads and writes the store, and publishes the changes.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use jiff::Timestamp;

use super::NodeState;
use crate::config::{ConfigError, Paths};
use crate::domain::Operator;
use crate::domain::alur::{self, AlurSet};
use crate::domain::penerimaan::{self, JenisPenerima};
use crate::proto::masuk::{MasukReply, MasukRequest, Pemegang};
use crate::proto::{Event, Reply};
use crate::store::{Actor, StoreError};

type HResult = Result<Reply, (&'static str, String)>;

/// Days two tanggal surat may differ and still be "mungkin sama" (a fax sent a day after the email).
pub const MIRIP_HARI: i64 = 3;

/// How many recent incoming entries the cross-channel check compares with.
const MIRIP_WINDOW: usize = 1000;

/// The flows file of a data directory.
pub fn alur_path(paths: &Paths) -> std::path::PathBuf {
    paths.data_dir.join("alur.toml")
}

/// Loads the receive flows of `paths` (the shipped `data/alur.toml` when the node has no own copy) and
/// checks them. Errors name the file and line.
pub fn load_alur(paths: &Paths) -> Result<AlurSet, ConfigError> {
    crate::config::load_data_toml(&alur_path(paths), AlurSet::default, AlurSet::check)
}

/// The flows in force: the node's file, or the shipped one when the node's does not load (the error is
/// logged; `kasa config check` names it).
pub fn alur(state: &NodeState) -> AlurSet {
    load_alur(&state.paths).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "alur.toml does not load; using the shipped flows");
        AlurSet::default()
    })
}

pub(super) fn store_err(e: StoreError) -> (&'static str, String) {
    match e {
        StoreError::Rule(m) => ("rule", m),
        StoreError::NotFound(m) => ("not_found", m),
        other => ("internal", other.to_string()),
    }
}

pub(super) fn entry_reply(e: crate::domain::Entry) -> Reply {
    Reply::Entry {
        entry: Box::new(e),
        text: None,
    }
}

/// Who has which entry's form open, per connection (in memory: a claim ends with its connection).
#[derive(Default)]
pub struct Klaim {
    next: AtomicU64,
    held: Mutex<Vec<(u64, Pemegang)>>,
}

impl Klaim {
    /// A new connection number.
    pub fn conn(&self) -> u64 {
        self.next.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Every claim.
    pub fn all(&self) -> Vec<Pemegang> {
        self.held
            .lock()
            .map(|h| h.iter().map(|(_, p)| p.clone()).collect())
            .unwrap_or_default()
    }

    /// Sets or clears `conn`'s claim on `p.entry`; returns the other holders of that entry and whether
    /// anything changed.
    fn set(&self, conn: u64, p: Pemegang, buka: bool) -> (Vec<Pemegang>, bool) {
        let Ok(mut h) = self.held.lock() else {
            return (Vec::new(), false);
        };
        let before = h.len();
        h.retain(|(c, x)| !(*c == conn && x.entry == p.entry));
        let mut changed = h.len() != before;
        let lain = h
            .iter()
            .filter(|(c, x)| x.entry == p.entry && *c != conn)
            .map(|(_, x)| x.clone())
            .collect();
        if buka {
            h.push((conn, p));
            changed = true;
        }
        (lain, changed)
    }

    /// Drops every claim of a closed connection; true when there were some.
    pub fn drop_conn(&self, conn: u64) -> bool {
        let Ok(mut h) = self.held.lock() else {
            return false;
        };
        let before = h.len();
        h.retain(|(c, _)| *c != conn);
        h.len() != before
    }
}

/// Pushes the current claims to every console.
pub fn publish_klaim(state: &NodeState) {
    state.hub.publish(Event::Klaim {
        pemegang: state.klaim.all(),
    });
}

/// Handles one receive-flow request of connection `conn` at node time `now`.
pub(super) fn handle(
    state: &NodeState,
    op: &Operator,
    conn: u64,
    req: MasukRequest,
    now: Timestamp,
) -> HResult {
    let st = &state.store;
    let actor = Actor::operator(op);
    let rule = |e: crate::domain::DomainError| StoreError::Rule(e.0);
    let changed = |e: crate::domain::Entry, ch| {
        state.hub.publish_changes(ch);
        Ok(entry_reply(e))
    };
    match req {
        MasukRequest::Distribusi {
            id,
            jenis,
            ke,
            catatan,
        } => {
            let jenis = JenisPenerima::parse(&jenis).map_err(|m| ("bad_request", m))?;
            let (e, ch) = st
                .update_entry(id, &actor, "agenda.distribusi", now, |e, _| {
                    let no = e
                        .distribusikan(jenis, &ke, &catatan, now, op)
                        .map_err(rule)?;
                    let d = &e.distribusi[no as usize - 1];
                    Ok(format!("distribusi {no} ke {}", d.ke))
                })
                .map_err(store_err)?;
            changed(e, ch)
        }
        MasukRequest::TandaTerima { id, no, nama, at } => {
            let at = at.unwrap_or(now);
            let (e, ch) = st
                .update_entry(id, &actor, "agenda.tanda_terima", now, |e, _| {
                    e.catat_tanda_terima(no, &nama, at, now, op).map_err(rule)?;
                    Ok(format!("distribusi {no} diterima oleh {}", nama.trim()))
                })
                .map_err(store_err)?;
            changed(e, ch)
        }
        MasukRequest::SiApel { id, nomor } => {
            let (e, ch) = st
                .update_entry(id, &actor, "agenda.siapel", now, |e, _| {
                    e.catat_siapel(&nomor, now, op).map_err(rule)?;
                    Ok(format!("SI APEL {}", nomor.trim()))
                })
                .map_err(store_err)?;
            changed(e, ch)
        }
        MasukRequest::SiApelDaftar {
            belum,
            since,
            until,
        } => {
            let cal = state.cfg.calendar();
            let mut entries = st.siapel_candidates().map_err(store_err)?;
            entries.retain(|e| {
                let Some(r) = e.registered_at else {
                    return false;
                };
                let d = r.to_zoned(cal.zone.clone()).date();
                !(belum && e.siapel.is_some())
                    && since.is_none_or(|s| d >= s)
                    && until.is_none_or(|u| d <= u)
            });
            entries.sort_by_key(|e| (e.registered_at, e.id));
            let set = alur(state);
            let ingat =
                penerimaan::siapel_menunggu(&entries, set.siapel.ingat_setelah_jam, &cal, now)
                    .iter()
                    .map(|e| e.id)
                    .collect();
            Ok(Reply::Masuk(MasukReply::SiApel {
                entries,
                zone: state.cfg.zone.clone(),
                ingat,
            }))
        }
        MasukRequest::Mirip { id, fields } => {
            let mut e = st.entry(id).map_err(store_err)?.ok_or((
                "not_found",
                format!("entri {id} tidak ada: periksa nomornya dengan `kasa agenda list`"),
            ))?;
            if let Some(f) = fields {
                e = penerimaan::calon(&e, &f);
            }
            Ok(Reply::Masuk(MasukReply::Mirip {
                mirip: mirip_for(state, &e)?,
            }))
        }
        MasukRequest::Tautkan { id, of } => tautkan(state, op, id, of, now),
        MasukRequest::Alur { id } => {
            let e = st.entry(id).map_err(store_err)?.ok_or((
                "not_found",
                format!("entri {id} tidak ada: periksa nomornya dengan `kasa agenda list`"),
            ))?;
            let set = alur(state);
            let a = set.alur_of(&e).cloned();
            let jam = a
                .as_ref()
                .map(|a| alur::jam(&e, a, &state.cfg.calendar(), now))
                .unwrap_or_default();
            Ok(Reply::Masuk(MasukReply::Alur { alur: a, jam, now }))
        }
        MasukRequest::Aturan => Ok(Reply::Masuk(MasukReply::Aturan {
            set: alur(state),
            zone: state.cfg.zone.clone(),
            holidays: state.cfg.holidays.clone(),
            jam_kerja: state.cfg.jam_kerja,
        })),
        MasukRequest::Klaim { id, buka } => {
            let p = Pemegang {
                entry: id,
                conn,
                uid: op.uid,
                nama: op.nama.clone(),
                sejak: now,
            };
            let (lain, changed) = state.klaim.set(conn, p, buka);
            if changed {
                publish_klaim(state);
            }
            Ok(Reply::Masuk(MasukReply::Klaim { lain }))
        }
    }
}

/// Links `id` as a duplicate of `of` (both entries and one audit record in one transaction).
pub(super) fn tautkan(
    state: &NodeState,
    op: &Operator,
    id: u64,
    of: u64,
    now: Timestamp,
) -> HResult {
    if id == of {
        return Err((
            "rule",
            "entri tidak dapat menjadi duplikat dirinya sendiri".into(),
        ));
    }
    let (dup, _orig, ch) = state
        .store
        .update_pair(
            id,
            of,
            &Actor::operator(op),
            "agenda.duplicate",
            now,
            |dup, orig| {
                dup.tautkan_duplikat(orig, now, op)
                    .map_err(|e| StoreError::Rule(e.0))?;
                Ok(format!("duplikat dari entri {of}"))
            },
        )
        .map_err(store_err)?;
    state.hub.publish_changes(ch);
    Ok(entry_reply(dup))
}

/// The "mungkin sama" candidates of `e` among the recent incoming entries.
pub(super) fn mirip_for(
    state: &NodeState,
    e: &crate::domain::Entry,
) -> Result<Vec<penerimaan::Mirip>, (&'static str, String)> {
    let recent = state
        .store
        .page(&crate::store::PageQuery {
            books: vec![
                crate::domain::Book::Masuk,
                crate::domain::Book::KriptogramMasuk,
            ],
            limit: MIRIP_WINDOW,
            ..Default::default()
        })
        .map_err(store_err)?;
    Ok(penerimaan::mungkin_sama(e, &recent, MIRIP_HARI))
}

/// The node's watch over the flow clocks (main thread, every few seconds): one `alur.terlambat` alarm
/// per entry and step whose norm ran out while the step is still open.
#[derive(Default)]
pub(super) struct AlurWatch {
    raised: super::RaisedOnce,
}

impl AlurWatch {
    /// Checks the open incoming entries at `now`. Store errors are logged and retried at the next check.
    pub(super) fn check(&mut self, state: &NodeState, now: Timestamp) {
        let set = alur(state);
        let cal = state.cfg.calendar();
        let open = match state.store.flow_open() {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "flow watch: cannot read entries");
                return;
            }
        };
        for e in &open {
            for (kode, object) in alur::pelanggaran(&set, e, &cal, now) {
                let msg = || {
                    let teks = set
                        .alur
                        .iter()
                        .flat_map(|a| &a.langkah)
                        .find(|l| l.kode == kode)
                        .map(|l| format!("{} (mutu baku {} menit)", l.teks, l.menit))
                        .unwrap_or_default();
                    let nomor = e
                        .nomor_agenda
                        .zip(e.tahun)
                        .map(|(n, t)| format!("agenda {n}/{t}"))
                        .unwrap_or_else(|| format!("entri {} (belum diagendakan)", e.id));
                    format!(
                        "{nomor}: langkah {kode} lewat waktu — {teks}; kerjakan lalu catat di kasa"
                    )
                };
                self.raised
                    .raise(state, "flow watch", "alur.terlambat", &object, msg, now);
            }
        }
    }
}
