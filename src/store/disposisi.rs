//! Disposisi records in redb: one table of records, one index by entry.
//!
//! Every change is one write transaction that updates the disposisi records, appends a timeline event to
//! the entry (status `didisposisi` for a masuk entry) and appends the audit record.

use jiff::Timestamp;
use redb::{ReadableDatabase, ReadableTable, TableDefinition};

use super::{
    Actor, Change, Result, Store, StoreError, audit, begin, codec, get_entry_tx, next_seq,
    put_entry,
};
use crate::domain::Entry;
use crate::domain::disposisi::Disposisi;

/// id → encoded [`Disposisi`].
const DISPOSISI: TableDefinition<u64, &[u8]> = TableDefinition::new("disposisi");
/// (entry id, disposisi id) → ().
const DISPOSISI_BY_ENTRY: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("disposisi_by_entry");

/// What a disposisi change produced: the records written (in the order given by the change).
pub struct DisposisiOutcome {
    pub records: Vec<Disposisi>,
    pub entry: Entry,
}

fn missing_ok<T>(r: std::result::Result<T, redb::TableError>) -> Result<Option<T>> {
    match r {
        Ok(t) => Ok(Some(t)),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Guards "nothing is edited in place": an updated record keeps its identity, parties, instruksi, catatan,
/// batas waktu and issue time, and its earlier `langkah` unchanged (steps are only appended).
fn check_append_only(old: &Disposisi, new: &Disposisi) -> Result<()> {
    let same = old.entry_id == new.entry_id
        && old.parent == new.parent
        && old.dari == new.dari
        && old.kepada == new.kepada
        && old.instruksi == new.instruksi
        && old.catatan == new.catatan
        && old.batas_waktu == new.batas_waktu
        && old.issued_at == new.issued_at
        && new.langkah.len() > old.langkah.len()
        && new.langkah.starts_with(&old.langkah);
    if same {
        Ok(())
    } else {
        Err(StoreError::Rule(format!(
            "disposisi {} would be edited in place: only new steps are appended (internal error; report it)",
            old.id
        )))
    }
}

impl Store {
    /// One disposisi by id.
    pub fn disposisi(&self, id: u64) -> Result<Option<Disposisi>> {
        let tx = self.db()?.begin_read()?;
        let Some(t) = missing_ok(tx.open_table(DISPOSISI))? else {
            return Ok(None);
        };
        t.get(id)?
            .map(|v| codec::decode(v.value()).map_err(StoreError::Db))
            .transpose()
    }

    /// All disposisi of an entry, by id.
    pub fn disposisi_of_entry(&self, entry_id: u64) -> Result<Vec<Disposisi>> {
        let tx = self.db()?.begin_read()?;
        let (Some(idx), Some(t)) = (
            missing_ok(tx.open_table(DISPOSISI_BY_ENTRY))?,
            missing_ok(tx.open_table(DISPOSISI))?,
        ) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for r in idx.range((entry_id, 0)..=(entry_id, u64::MAX))? {
            let (k, _) = r?;
            if let Some(v) = t.get(k.value().1)? {
                out.push(codec::decode(v.value()).map_err(StoreError::Db)?);
            }
        }
        Ok(out)
    }

    /// Every disposisi matching `keep`, by id (a full scan: the book holds thousands, not millions).
    pub fn disposisi_where(&self, keep: impl Fn(&Disposisi) -> bool) -> Result<Vec<Disposisi>> {
        let tx = self.db()?.begin_read()?;
        let Some(t) = missing_ok(tx.open_table(DISPOSISI))? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for r in t.iter()? {
            let (_, v) = r?;
            let d: Disposisi = codec::decode(v.value()).map_err(StoreError::Db)?;
            if keep(&d) {
                out.push(d);
            }
        }
        Ok(out)
    }

    /// Applies a disposisi step to entry `entry_id` in one transaction.
    ///
    /// `f` receives the entry (to push its timeline event / set its status), the entry's existing disposisi
    /// and an id allocator; it returns `(audit detail, records to write)` — changed existing records and new
    /// ones (with ids from the allocator). The audit record's object is `disposisi:<first record id>`.
    /// Errors from `f` abort the transaction (nothing written).
    pub fn disposisi_change<F>(
        &self,
        entry_id: u64,
        actor: &Actor,
        action: &str,
        at: Timestamp,
        f: F,
    ) -> Result<(DisposisiOutcome, Vec<Change>)>
    where
        F: FnOnce(
            &mut Entry,
            &[Disposisi],
            &mut dyn FnMut() -> Result<u64>,
        ) -> Result<(String, Vec<Disposisi>)>,
    {
        let existing = self.disposisi_of_entry(entry_id)?;
        let tx = begin(&*self.db()?)?;
        let out = {
            let old = get_entry_tx(&tx, entry_id)?;
            let mut e = old.clone();
            let mut alloc = || next_seq(&tx, "disposisi");
            let (detail, records) = f(&mut e, &existing, &mut alloc)?;
            if records.is_empty() {
                return Err(StoreError::Rule("nothing to change".into()));
            }
            let entry_digest = put_entry(&tx, Some(&old), &e)?;
            let mut t = tx.open_table(DISPOSISI)?;
            let mut idx = tx.open_table(DISPOSISI_BY_ENTRY)?;
            let mut digests = Vec::new();
            for d in &records {
                if let Some(old) = existing.iter().find(|o| o.id == d.id) {
                    check_append_only(old, d)?;
                }
                let bytes = codec::encode(d);
                t.insert(d.id, bytes.as_slice())?;
                idx.insert((d.entry_id, d.id), ())?;
                digests.push(super::digest_of(&bytes));
            }
            // The entry row written in this transaction, named so `audit verify` can check it.
            digests.push(format!("entry:{}={entry_digest}", e.id));
            drop(t);
            drop(idx);
            let ids: Vec<String> = records.iter().map(|d| d.id.to_string()).collect();
            audit(
                &tx,
                at,
                actor,
                action,
                &format!("disposisi:{}", records[0].id),
                &digests.join(","),
                &format!(
                    "entry:{entry_id} disposisi {} ({entry_digest}) {detail}",
                    ids.join(",")
                ),
            )?;
            DisposisiOutcome { records, entry: e }
        };
        tx.commit()?;
        Ok((out, vec![Change::Entry { id: entry_id }]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Operator, RegisterFields, Role};

    fn op(uid: u32, role: Role) -> Operator {
        Operator {
            uid,
            username: format!("u{uid}"),
            nama: format!("{} {uid}", role.as_str()),
            nip: String::new(),
            jabatan: String::new(),
            role,
            kualifikasi: Default::default(),
            disabled: false,
        }
    }

    #[test]
    fn steps_append_with_audit_and_in_place_edits_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let st = Store::open(&dir.path().join("kasa.redb")).unwrap();
        let (kadis, kabid) = (op(1, Role::Kadis), op(2, Role::Kabid));
        let now: Timestamp = "2026-11-20T01:00:00Z".parse().unwrap();
        let f = RegisterFields {
            perihal: "Permohonan".into(),
            ..Default::default()
        };
        let (e, _) = st.keluar_new(&f, None, &kadis, now).unwrap();
        let actor = Actor::operator(&kadis);
        let (out, ch) = st
            .disposisi_change(e.id, &actor, "disposisi.issue", now, |e, _, alloc| {
                let id = alloc()?;
                let d = Disposisi::issue(id, e.id, None, &kadis, &kabid, vec![], "", now, now);
                e.push_event(now, Some(1), "kadis 1", "disposisi", "#1");
                Ok(("kepada kabid".into(), vec![d]))
            })
            .unwrap();
        assert_eq!(ch, vec![Change::Entry { id: e.id }]);
        let id = out.records[0].id;
        assert_eq!(out.entry.timeline.last().unwrap().kind, "disposisi");
        assert_eq!(st.disposisi_of_entry(e.id).unwrap().len(), 1);
        assert_eq!(st.audit_for(&format!("disposisi:{id}")).unwrap().len(), 1);

        // Rewriting the catatan of an issued disposisi is refused; nothing is written.
        let r = st.disposisi_change(e.id, &actor, "x", now, |_, ex, _| {
            let mut d = ex[0].clone();
            d.catatan = "diubah".into();
            d.langkah.push(d.langkah[0].clone());
            Ok((String::new(), vec![d]))
        });
        assert!(matches!(r, Err(StoreError::Rule(m)) if m.contains("edited in place")));
        // A step that drops history is refused too.
        let r = st.disposisi_change(e.id, &actor, "x", now, |_, ex, _| {
            let mut d = ex[0].clone();
            d.langkah.clear();
            Ok((String::new(), vec![d]))
        });
        assert!(r.is_err());
        assert_eq!(st.disposisi(id).unwrap().unwrap().catatan, "");
        assert_eq!(st.audit_for(&format!("disposisi:{id}")).unwrap().len(), 1);
        assert!(st.audit_verify().unwrap().ok);
    }
}
