//! Store of the *Logbook Insiden* (seed 003, SOP PI.03): one table of incidents, keyed by id.
//!
//! Every mutation is one write transaction: the domain rule runs on the stored value, one audit record
//! (`insiden.*`, object `insiden:ID`) is appended, and the seq of that audit record is written into each
//! timeline entry the mutation appended — so the report can cite the audit chain per entry.

use super::optional_table;
use jiff::Timestamp;
use redb::{ReadableDatabase, ReadableTable, TableDefinition};

use super::{Actor, Change, Result, Store, StoreError, audit, begin, codec, digest_of, next_seq};
use crate::domain::DomainError;
use crate::domain::insiden::Insiden;

/// id → [`Insiden`] (codec bytes).
const INSIDEN: TableDefinition<u64, &[u8]> = TableDefinition::new("insiden");

fn not_found(id: u64) -> StoreError {
    StoreError::NotFound(format!(
        "insiden {id} tidak ada: lihat daftar dengan `kasa incident list`"
    ))
}

impl Store {
    /// Opens a new incident built by `make(id)` (quick capture). Returns it with its change.
    pub fn insiden_buka(
        &self,
        actor: &Actor,
        at: Timestamp,
        make: impl FnOnce(u64) -> std::result::Result<Insiden, DomainError>,
    ) -> Result<(Insiden, Vec<Change>)> {
        let tx = begin(&*self.db()?)?;
        let id = next_seq(&tx, "insiden")?;
        let mut i = make(id)?;
        let seq = audit(
            &tx,
            at,
            actor,
            "insiden.buka",
            &format!("insiden:{id}"),
            &digest_of(i.judul.as_bytes()),
            &i.judul,
        )?;
        i.set_audit_seq(seq);
        tx.open_table(INSIDEN)?
            .insert(id, codec::encode(&i).as_slice())?;
        tx.commit()?;
        Ok((i, vec![Change::Insiden { id }]))
    }

    /// Applies `f` to incident `id` in one transaction with its audit record `action`; `f` returns the
    /// audit detail. Errors: unknown id, the domain rule's refusal (nothing is written then).
    pub fn insiden_ubah(
        &self,
        id: u64,
        actor: &Actor,
        action: &str,
        at: Timestamp,
        f: impl FnOnce(&mut Insiden) -> std::result::Result<String, DomainError>,
    ) -> Result<(Insiden, Vec<Change>)> {
        let tx = begin(&*self.db()?)?;
        let mut i: Insiden = {
            let t = tx.open_table(INSIDEN)?;
            let v = t.get(id)?.ok_or_else(|| not_found(id))?;
            codec::decode(v.value()).map_err(StoreError::Db)?
        };
        let before = i.linimasa.len();
        let detail = f(&mut i)?;
        let digest = i
            .linimasa
            .get(before..)
            .map(|new| digest_of(&codec::encode(&new)))
            .unwrap_or_default();
        let seq = audit(
            &tx,
            at,
            actor,
            action,
            &format!("insiden:{id}"),
            &digest,
            &detail,
        )?;
        i.set_audit_seq(seq);
        tx.open_table(INSIDEN)?
            .insert(id, codec::encode(&i).as_slice())?;
        tx.commit()?;
        Ok((i, vec![Change::Insiden { id }]))
    }

    /// Applies `f` to incidents `id` (merged) and `ke` (kept) in one transaction, with one audit
    /// record `insiden.gabung` on each; `f` returns the audit detail. Errors: either unknown, the
    /// domain rule's refusal (nothing is written then).
    pub fn insiden_gabung(
        &self,
        id: u64,
        ke: u64,
        actor: &Actor,
        at: Timestamp,
        f: impl FnOnce(&mut Insiden, &mut Insiden) -> std::result::Result<String, DomainError>,
    ) -> Result<(Insiden, Insiden, Vec<Change>)> {
        let tx = begin(&*self.db()?)?;
        let get = |n: u64| -> Result<Insiden> {
            let t = tx.open_table(INSIDEN)?;
            let v = t.get(n)?.ok_or_else(|| not_found(n))?;
            codec::decode(v.value()).map_err(StoreError::Db)
        };
        let (mut a, mut b) = (get(id)?, get(ke)?);
        let detail = f(&mut a, &mut b)?;
        for i in [&mut a, &mut b] {
            let seq = audit(
                &tx,
                at,
                actor,
                "insiden.gabung",
                &format!("insiden:{}", i.id),
                &digest_of(&codec::encode(&i.linimasa)),
                &detail,
            )?;
            i.set_audit_seq(seq);
            tx.open_table(INSIDEN)?
                .insert(i.id, codec::encode(&*i).as_slice())?;
        }
        tx.commit()?;
        Ok((
            a,
            b,
            vec![Change::Insiden { id }, Change::Insiden { id: ke }],
        ))
    }

    /// One incident.
    pub fn insiden(&self, id: u64) -> Result<Insiden> {
        let tx = self.db()?.begin_read()?;
        let t = match tx.open_table(INSIDEN) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Err(not_found(id)),
            Err(e) => return Err(e.into()),
        };
        let v = t.get(id)?.ok_or_else(|| not_found(id))?;
        codec::decode(v.value()).map_err(StoreError::Db)
    }

    /// All incidents (or only open ones), open first then newest first.
    pub fn insiden_daftar(&self, hanya_terbuka: bool) -> Result<Vec<Insiden>> {
        let tx = self.db()?.begin_read()?;
        let Some(t) = optional_table(&tx, INSIDEN)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for r in t.iter()? {
            let (_, v) = r?;
            let i: Insiden = codec::decode(v.value()).map_err(StoreError::Db)?;
            if !hanya_terbuka || i.status.is_open() {
                out.push(i);
            }
        }
        crate::domain::insiden::urutkan(&mut out);
        Ok(out)
    }
}
