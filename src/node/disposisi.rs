//! Disposisi handler: maps [`DisposisiRequest`]s to store changes checked by the chain rules.
//!
//! The rules come from `<data dir>/disposisi.toml` when present, else the shipped defaults
//! (`data/disposisi.toml`); the file is read at each request, so an edited file takes effect at once
//! (`kasa config check` validates it first).

use jiff::Timestamp;

use super::NodeState;
use crate::config::{ConfigError, Paths};
use crate::domain::disposisi::{
    self as dd, Disposisi, DisposisiInput, DisposisiRules, Keadaan, RuleRefusal,
};
use crate::domain::{Book, Entry, Operator, Status};
use crate::proto::Reply;
use crate::proto::disposisi::{DisposisiReply, DisposisiRequest, Lingkup};
use crate::store::{Actor, StoreError};

type HResult = Result<Reply, (&'static str, String)>;

/// The rules file of a data directory.
pub fn rules_path(paths: &Paths) -> std::path::PathBuf {
    paths.data_dir.join("disposisi.toml")
}

/// Loads the disposisi rules of `paths` (defaults when the file is absent) and checks them against the
/// node's derajat table. Errors name the file and line.
pub fn load_rules(
    paths: &Paths,
    cfg: &crate::config::NodeConfig,
) -> Result<DisposisiRules, ConfigError> {
    crate::config::load_data_toml(&rules_path(paths), DisposisiRules::default, |r| {
        r.check(Some(&cfg.derajat))
    })
}

fn store_err(e: StoreError) -> (&'static str, String) {
    match e {
        StoreError::Rule(m) => ("rule", m),
        StoreError::NotFound(m) => ("not_found", m),
        other => ("internal", other.to_string()),
    }
}

fn rule(r: RuleRefusal) -> StoreError {
    StoreError::Rule(r.to_string())
}

fn written(records: Vec<Disposisi>) -> Reply {
    Reply::Disposisi(DisposisiReply::Written { records })
}

fn get(state: &NodeState, id: u64) -> Result<Disposisi, (&'static str, String)> {
    state.store.disposisi(id).map_err(store_err)?.ok_or((
        "not_found",
        format!("disposisi {id} tidak ada: lihat `kasa disposisi list`"),
    ))
}

/// Resolves the recipients of an input: listed uids, or every active operator of `kepada_peran`.
fn recipients(
    ops: &[Operator],
    inp: &DisposisiInput,
) -> Result<Vec<Operator>, (&'static str, String)> {
    let mut out = Vec::new();
    for uid in &inp.kepada {
        let o = ops.iter().find(|o| o.uid == *uid).ok_or((
            "rule",
            format!("aturan penerima: uid {uid} bukan operator kasa; lihat `kasa operator list`"),
        ))?;
        if !out.iter().any(|x: &Operator| x.uid == o.uid) {
            out.push(o.clone());
        }
    }
    if let Some(r) = inp.kepada_peran {
        for o in ops.iter().filter(|o| o.role == r && !o.disabled) {
            if !out.iter().any(|x: &Operator| x.uid == o.uid) {
                out.push(o.clone());
            }
        }
    }
    if out.is_empty() {
        return Err((
            "rule",
            "aturan penerima: sebutkan penerima (--kepada UID atau --peran kabid|kasi|sandiman)"
                .into(),
        ));
    }
    Ok(out)
}

fn event_detail(d: &Disposisi) -> String {
    format!(
        "#{} {} → {}: {}{}",
        d.id,
        d.dari.nama,
        d.kepada.nama,
        d.instruksi.join(", "),
        if d.catatan.is_empty() {
            String::new()
        } else {
            format!(" — {}", d.catatan)
        }
    )
}

/// Issues (parent `None`) or forwards (parent `Some`) one disposisi per recipient, all rules checked in
/// the write transaction.
fn issue(
    state: &NodeState,
    op: &Operator,
    entry_id: u64,
    parent_id: Option<u64>,
    inp: DisposisiInput,
    note: &str,
    now: Timestamp,
) -> HResult {
    let rules = load_rules(&state.paths, &state.cfg).map_err(|e| {
        (
            "rule",
            format!("aturan disposisi tidak dapat dibaca ({e}); perbaiki lalu `kasa config check`"),
        )
    })?;
    dd::check_input(&rules, &inp).map_err(|r| ("rule", r.to_string()))?;
    let ops = state.store.operators().map_err(store_err)?;
    let to = recipients(&ops, &inp)?;
    let cal = state.cfg.calendar();
    let table = state.cfg.derajat.clone();
    let instruksi = dd::canonical_instruksi(&rules, &inp.instruksi);
    let action = if parent_id.is_some() {
        "disposisi.forward"
    } else {
        "disposisi.issue"
    };
    let (out, ch) = state
        .store
        .disposisi_change(
            entry_id,
            &Actor::operator(op),
            action,
            now,
            |e: &mut Entry, existing: &[Disposisi], alloc| {
                dd::check_disposable(e).map_err(rule)?;
                let parent = match parent_id {
                    Some(p) => Some(
                        existing
                            .iter()
                            .find(|d| d.id == p)
                            .cloned()
                            .ok_or_else(|| StoreError::NotFound(format!("disposisi {p}")))?,
                    ),
                    None => None,
                };
                dd::check_turn(&rules, op, parent.as_ref(), existing).map_err(rule)?;
                // A date-only batas is the end of that working day: resolved here, in one place.
                let explicit = dd::resolve_batas(&inp, &cal, parent.as_ref());
                if let Some(b) = explicit {
                    dd::check_batas(b, parent.as_ref(), now).map_err(rule)?;
                }
                for t in &to {
                    dd::check_chain(&rules, op, t, e, &ops).map_err(rule)?;
                    dd::check_not_twice(existing, t).map_err(rule)?;
                }
                let batas = explicit.unwrap_or_else(|| match &parent {
                    Some(p) => p.batas_waktu,
                    None => dd::default_batas_waktu(&rules, &cal, &table, e, now),
                });
                let mut records = Vec::new();
                for t in &to {
                    let id = alloc()?;
                    let d = Disposisi::issue(
                        id,
                        e.id,
                        parent_id,
                        op,
                        t,
                        instruksi.clone(),
                        &inp.catatan,
                        batas,
                        now,
                    );
                    e.push_event(now, Some(op.uid), &op.nama, "disposisi", event_detail(&d));
                    records.push(d);
                }
                if let Some(mut p) = parent {
                    let kids: Vec<u64> = records.iter().map(|d| d.id).collect();
                    p.forwarded(now, op, &kids, note).map_err(rule)?;
                    records.push(p);
                }
                if e.book == Book::Masuk && e.status == Status::Teragenda {
                    e.status = Status::Didisposisi;
                }
                let names: Vec<&str> = to.iter().map(|t| t.nama.as_str()).collect();
                Ok((format!("kepada {}", names.join(", ")), records))
            },
        )
        .map_err(store_err)?;
    state.hub.publish_changes(ch);
    Ok(written(out.records))
}

/// A step on one disposisi (read, start, done, return, cancel). `f` gets the record and the entry's
/// whole chain before the step. When the step makes records above it done below
/// ([`dd::newly_done_below`]: the last open child finished), the entry's timeline gets one
/// `disposisi.selesai_di_bawah` event per such record, naming its issuer, in the same transaction; the
/// commit's pushed change tells every console, whose "dari saya" list then shows it.
fn step(
    state: &NodeState,
    op: &Operator,
    id: u64,
    action: &str,
    now: Timestamp,
    f: impl FnOnce(&mut Disposisi, &[Disposisi]) -> Result<(), RuleRefusal>,
) -> HResult {
    let d0 = get(state, id)?;
    let (out, ch) = state
        .store
        .disposisi_change(
            d0.entry_id,
            &Actor::operator(op),
            action,
            now,
            |e, existing, _| {
                let mut d = existing
                    .iter()
                    .find(|d| d.id == id)
                    .cloned()
                    .ok_or_else(|| StoreError::NotFound(format!("disposisi {id}")))?;
                f(&mut d, existing).map_err(rule)?;
                let after: Vec<Disposisi> = existing
                    .iter()
                    .map(|x| if x.id == d.id { d.clone() } else { x.clone() })
                    .collect();
                let last = d.langkah.last().cloned();
                if let Some(l) = last {
                    e.push_event(
                        now,
                        Some(op.uid),
                        &op.nama,
                        &format!("disposisi.{}", l.keadaan.as_str()),
                        if l.catatan.is_empty() {
                            format!("#{id}")
                        } else {
                            format!("#{id}: {}", l.catatan)
                        },
                    );
                }
                for pid in dd::newly_done_below(existing, &after) {
                    if let Some(p) = after.iter().find(|x| x.id == pid) {
                        e.push_event(
                            now,
                            Some(op.uid),
                            &op.nama,
                            "disposisi.selesai_di_bawah",
                            format!(
                                "#{pid} selesai di bawah (dari {} kepada {}): tutup dengan `kasa disposisi done {pid}`",
                                p.dari.nama, p.kepada.nama
                            ),
                        );
                    }
                }
                Ok((d.keadaan.as_str().to_string(), vec![d]))
            },
        )
        .map_err(store_err)?;
    state.hub.publish_changes(ch);
    Ok(written(out.records))
}

/// Handles one disposisi request for operator `op` at `now`.
pub(super) fn handle(
    state: &NodeState,
    op: &Operator,
    req: DisposisiRequest,
    now: Timestamp,
) -> HResult {
    let zone = state.cfg.calendar().zone_label();
    match req {
        DisposisiRequest::New { entry, input } => issue(state, op, entry, None, input, "", now),
        DisposisiRequest::Forward { id, input, note } => {
            let p = get(state, id)?;
            issue(state, op, p.entry_id, Some(id), input, &note, now)
        }
        DisposisiRequest::List { lingkup } => {
            let uid = op.uid;
            let mut records = state
                .store
                .disposisi_where(|d| match lingkup {
                    // Forwarded ones are candidates: kept below only when done below.
                    Lingkup::UntukSaya => {
                        d.kepada.uid == uid
                            && (d.keadaan.is_pending() || d.keadaan == Keadaan::Diteruskan)
                    }
                    Lingkup::SemuaUntukSaya => d.kepada.uid == uid,
                    Lingkup::DariSaya => d.dari.uid == uid,
                })
                .map_err(store_err)?;
            // Each entry's chain once: done below, perihal and nomor agenda per entry.
            let mut chains: std::collections::BTreeMap<u64, Vec<Disposisi>> = Default::default();
            let mut perihal = std::collections::BTreeMap::new();
            let mut nomor = std::collections::BTreeMap::new();
            for d in &records {
                if let std::collections::btree_map::Entry::Vacant(v) = chains.entry(d.entry_id) {
                    v.insert(
                        state
                            .store
                            .disposisi_of_entry(d.entry_id)
                            .map_err(store_err)?,
                    );
                    if let Ok(Some(e)) = state.store.entry(d.entry_id) {
                        nomor.insert(d.entry_id, dd::nomor_agenda(&e));
                        perihal.insert(d.entry_id, e.perihal);
                    }
                }
            }
            let done_below = |d: &Disposisi| {
                chains
                    .get(&d.entry_id)
                    .is_some_and(|all| dd::selesai_di_bawah(d, all))
            };
            let tuntas: Vec<u64> = records
                .iter()
                .filter(|d| done_below(d))
                .map(|d| d.id)
                .collect();
            if lingkup == Lingkup::UntukSaya {
                // Forwarded items come back to their holder when done below, or when everything
                // below was returned or cancelled.
                records.retain(|d| {
                    d.keadaan.is_pending()
                        || tuntas.contains(&d.id)
                        || chains
                            .get(&d.entry_id)
                            .is_some_and(|all| dd::kembali_dari_bawah(d, all))
                });
            }
            match lingkup {
                Lingkup::UntukSaya => dd::sort_for_me(&mut records, now),
                _ => records.sort_by_key(|d| std::cmp::Reverse(d.id)),
            }
            Ok(Reply::Disposisi(DisposisiReply::Records {
                records,
                now,
                zone,
                perihal: perihal.into_iter().collect(),
                nomor: nomor.into_iter().collect(),
                tuntas,
            }))
        }
        DisposisiRequest::Show { id } => {
            let d = get(state, id)?;
            if d.kepada.uid != op.uid && d.dari.uid != op.uid && !may_see_all(op) {
                return Err((
                    "forbidden",
                    format!(
                        "disposisi {id} bukan untuk atau dari Anda: penerimanya {}",
                        d.kepada.nama
                    ),
                ));
            }
            chain(state, d.entry_id, now, zone)
        }
        DisposisiRequest::Entry { entry } => {
            let mut r = chain(state, entry, now, zone)?;
            if !may_see_all(op)
                && let Reply::Disposisi(DisposisiReply::Chain { records, .. }) = &mut r
            {
                *records = dd::visible_to(records, op.uid);
            }
            Ok(r)
        }
        DisposisiRequest::Read { id } => {
            let d = get(state, id)?;
            if d.kepada.uid == op.uid && d.read_at.is_none() && d.keadaan == Keadaan::Diterbitkan {
                step(state, op, id, "disposisi.read", now, |d, _| {
                    d.mark_read(now, op).map(|_| ())
                })
            } else if d.kepada.uid != op.uid {
                Err((
                    "rule",
                    format!(
                        "aturan penerima: disposisi {id} ditujukan kepada {}: hanya penerimanya yang menandai dibaca",
                        d.kepada.nama
                    ),
                ))
            } else {
                Ok(written(vec![d]))
            }
        }
        DisposisiRequest::Open { id } => {
            let d = get(state, id)?;
            if d.kepada.uid != op.uid && d.dari.uid != op.uid && !may_see_all(op) {
                return Err((
                    "forbidden",
                    format!(
                        "disposisi {id} bukan untuk atau dari Anda: penerimanya {}",
                        d.kepada.nama
                    ),
                ));
            }
            if d.kepada.uid == op.uid && d.read_at.is_none() && d.keadaan == Keadaan::Diterbitkan {
                step(state, op, id, "disposisi.read", now, |d, _| {
                    d.mark_read(now, op).map(|_| ())
                })?;
            }
            let mut r = chain(state, d.entry_id, now, zone)?;
            if !may_see_all(op)
                && let Reply::Disposisi(DisposisiReply::Chain { records, .. }) = &mut r
            {
                *records = dd::visible_to(records, op.uid);
            }
            Ok(r)
        }
        DisposisiRequest::Start { id, note } => {
            step(state, op, id, "disposisi.start", now, |d, _| {
                d.start(now, op, &note)
            })
        }
        DisposisiRequest::Done { id, note } => {
            step(state, op, id, "disposisi.done", now, |d, all| {
                if d.keadaan == Keadaan::Diteruskan {
                    d.close_below(now, op, &note, all)
                } else {
                    d.finish(now, op, &note)
                }
            })
        }
        DisposisiRequest::Return { id, note } => {
            step(state, op, id, "disposisi.return", now, |d, _| {
                d.give_back(now, op, &note)
            })
        }
        DisposisiRequest::Cancel { id, note } => {
            step(state, op, id, "disposisi.cancel", now, |d, _| {
                d.cancel(now, op, &note)
            })
        }
    }
}

/// Kadis and admin see every chain (the head of the office and the system administrator).
/// Removes from an entry's timeline the disposisi events `op` may not see (rule of
/// [`dd::visible_to`]: a subordinate sees a chain only once it reaches them). The events stay in the
/// store and the audit chain; only this reply leaves them out.
pub(super) fn redact_timeline(
    state: &NodeState,
    op: &Operator,
    e: &mut crate::domain::Entry,
) -> Result<(), (&'static str, String)> {
    if may_see_all(op) || !e.timeline.iter().any(|t| t.kind.starts_with("disposisi")) {
        return Ok(());
    }
    let all = state.store.disposisi_of_entry(e.id).map_err(store_err)?;
    let seen: std::collections::HashSet<u64> =
        dd::visible_to(&all, op.uid).iter().map(|d| d.id).collect();
    e.timeline.retain(|t| {
        if !t.kind.starts_with("disposisi") {
            return true;
        }
        let id = t
            .detail
            .strip_prefix('#')
            .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse::<u64>().ok());
        id.is_some_and(|id| seen.contains(&id))
    });
    Ok(())
}

fn may_see_all(op: &Operator) -> bool {
    matches!(
        op.role,
        crate::domain::Role::Kadis | crate::domain::Role::Admin
    )
}

fn chain(state: &NodeState, entry_id: u64, now: Timestamp, zone: String) -> HResult {
    let e = state.store.entry(entry_id).map_err(store_err)?.ok_or((
        "not_found",
        format!("entri {entry_id} tidak ada: lihat `kasa agenda list`"),
    ))?;
    let records = state
        .store
        .disposisi_of_entry(entry_id)
        .map_err(store_err)?;
    let rules = load_rules(&state.paths, &state.cfg).unwrap_or_default();
    Ok(Reply::Disposisi(DisposisiReply::Chain {
        saran: rules.saran(&e).cloned(),
        instruksi: rules.instruksi.clone(),
        entry: Box::new(e),
        records,
        now,
        zone,
        node_name: state.node_name.clone(),
        hierarki: rules.hierarki.clone(),
    }))
}
