//! Palsan tables: equipment items, repair cases, key material metadata and periodic duties.
//!
//! Every write runs the domain rule on a copy inside one write transaction and appends its audit record
//! in the same transaction (`palsan.add`, `palsan.checkout`, `perbaikan.langkah`, `kunci.status`, …).
//! Opening a repair case or recording a step writes the case and its item together, so the item's
//! readiness always follows the case.

use super::optional_table;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use redb::{ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};

use super::{Actor, Change, Result, Store, StoreError, audit, begin, codec, digest_of, next_seq};
use crate::domain::palsan::{
    Berkala, JenisBerkala, Kondisi, Kunci, KunciBaru, LangkahInput, LaporanKerusakan, Palsan,
    PalsanBaru, Perbaikan, StatusKunci,
};

/// id → [`Palsan`]
const ITEMS: TableDefinition<u64, &[u8]> = TableDefinition::new("palsan_items");
/// id → [`Perbaikan`]
const CASES: TableDefinition<u64, &[u8]> = TableDefinition::new("palsan_perbaikan");
/// id → [`Kunci`]
const KUNCI: TableDefinition<u64, &[u8]> = TableDefinition::new("palsan_kunci");
/// `berkala` → [`Berkala`]
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("palsan_meta");

fn get<T: serde::de::DeserializeOwned>(
    tx: &WriteTransaction,
    def: TableDefinition<u64, &[u8]>,
    id: u64,
    what: &str,
) -> Result<T> {
    let t = tx.open_table(def)?;
    let v = t.get(id)?.ok_or_else(|| {
        StoreError::NotFound(format!("{what} {id}: check the id with `kasa palsan`"))
    })?;
    codec::decode(v.value()).map_err(StoreError::Db)
}

fn put<T: serde::Serialize>(
    tx: &WriteTransaction,
    def: TableDefinition<u64, &[u8]>,
    id: u64,
    v: &T,
) -> Result<String> {
    let bytes = codec::encode(v);
    tx.open_table(def)?.insert(id, bytes.as_slice())?;
    Ok(digest_of(&bytes))
}

impl Store {
    fn palsan_all<T: serde::de::DeserializeOwned>(
        &self,
        def: TableDefinition<u64, &[u8]>,
    ) -> Result<Vec<T>> {
        let tx = self.db()?.begin_read()?;
        let Some(t) = optional_table(&tx, def)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for r in t.iter()? {
            let (_, v) = r?;
            out.push(codec::decode(v.value()).map_err(StoreError::Db)?);
        }
        Ok(out)
    }

    fn palsan_one<T: serde::de::DeserializeOwned>(
        &self,
        def: TableDefinition<u64, &[u8]>,
        id: u64,
    ) -> Result<Option<T>> {
        let tx = self.db()?.begin_read()?;
        let Some(t) = optional_table(&tx, def)? else {
            return Ok(None);
        };
        t.get(id)?
            .map(|v| codec::decode(v.value()).map_err(StoreError::Db))
            .transpose()
    }

    /// All equipment items, by id.
    pub fn palsan_items(&self) -> Result<Vec<Palsan>> {
        self.palsan_all(ITEMS)
    }

    /// One item.
    pub fn palsan_item(&self, id: u64) -> Result<Option<Palsan>> {
        self.palsan_one(ITEMS, id)
    }

    /// All repair cases, by id.
    pub fn perbaikan_all(&self) -> Result<Vec<Perbaikan>> {
        self.palsan_all(CASES)
    }

    /// One repair case.
    pub fn perbaikan(&self, id: u64) -> Result<Option<Perbaikan>> {
        self.palsan_one(CASES, id)
    }

    /// All key material records, by id.
    pub fn kunci_all(&self) -> Result<Vec<Kunci>> {
        self.palsan_all(KUNCI)
    }

    /// When the periodic duties were last done.
    pub fn berkala(&self) -> Result<Berkala> {
        let tx = self.db()?.begin_read()?;
        let Some(t) = optional_table(&tx, META)? else {
            return Ok(Berkala::default());
        };
        match t.get("berkala")? {
            Some(v) => codec::decode(v.value()).map_err(StoreError::Db),
            None => Ok(Berkala::default()),
        }
    }

    /// Adds an equipment item. Audited `palsan.add`.
    pub fn palsan_add(
        &self,
        actor: &Actor,
        f: &PalsanBaru,
        at: Timestamp,
    ) -> Result<(Palsan, Vec<Change>)> {
        let tx = begin(&*self.db()?)?;
        let p = {
            let id = next_seq(&tx, "palsan")?;
            let p = Palsan::new(id, f, at, &actor.name)?;
            let d = put(&tx, ITEMS, id, &p)?;
            audit(
                &tx,
                at,
                actor,
                "palsan.add",
                &format!("palsan:{id}"),
                &d,
                &format!("{} {} ({})", p.jenis.as_str(), p.nama, p.nomor_seri),
            )?;
            p
        };
        tx.commit()?;
        Ok((p.clone(), vec![Change::Palsan { id: p.id }]))
    }

    /// Applies a domain change to an item in one transaction with its audit record (`action`); `f`
    /// returns the audit detail. Errors from `f` leave the item untouched.
    pub fn palsan_update<F>(
        &self,
        id: u64,
        actor: &Actor,
        action: &str,
        at: Timestamp,
        f: F,
    ) -> Result<(Palsan, Vec<Change>)>
    where
        F: FnOnce(&mut Palsan) -> std::result::Result<String, StoreError>,
    {
        let tx = begin(&*self.db()?)?;
        let p = {
            let mut p: Palsan = get(&tx, ITEMS, id, "palsan")?;
            let detail = f(&mut p)?;
            let d = put(&tx, ITEMS, id, &p)?;
            audit(&tx, at, actor, action, &format!("palsan:{id}"), &d, &detail)?;
            p
        };
        tx.commit()?;
        Ok((p, vec![Change::Palsan { id }]))
    }

    /// Opens a repair case on an item (step 1 recorded; the item becomes Tidak siap) at node time `now`;
    /// the rules on the report's times are [`Perbaikan::buka`]'s (messages in `tz`). Audited
    /// `perbaikan.buka`.
    pub fn perbaikan_buka(
        &self,
        actor: &Actor,
        palsan_id: u64,
        lapor: &LaporanKerusakan,
        kondisi: Kondisi,
        tz: &TimeZone,
        now: Timestamp,
    ) -> Result<(Perbaikan, Palsan, Vec<Change>)> {
        let tx = begin(&*self.db()?)?;
        let (c, p) = {
            let mut p: Palsan = get(&tx, ITEMS, palsan_id, "palsan")?;
            let id = next_seq(&tx, "palsan_perbaikan")?;
            let c = Perbaikan::buka(id, palsan_id, lapor, now, tz, &actor.name)?;
            p.buka_perbaikan(&c, kondisi, &actor.name)?;
            put(&tx, ITEMS, palsan_id, &p)?;
            let d = put(&tx, CASES, id, &c)?;
            audit(
                &tx,
                now,
                actor,
                "perbaikan.buka",
                &format!("perbaikan:{id}"),
                &d,
                &format!("palsan:{palsan_id} {}", c.kerusakan),
            )?;
            (c, p)
        };
        tx.commit()?;
        Ok((
            c.clone(),
            p,
            vec![
                Change::Palsan { id: palsan_id },
                Change::Palsan { id: c.id },
            ],
        ))
    }

    /// Records the next step of a repair case at node time `now` and lets the item follow it (lokasi at
    /// BSSN from step 10, the assessment of step 11, back at step 14: [`Palsan::ikuti_langkah`]). Audited `perbaikan.langkah`
    /// (`perbaikan.selesai` for step 14).
    pub fn perbaikan_langkah(
        &self,
        actor: &Actor,
        id: u64,
        inp: &LangkahInput,
        tz: &TimeZone,
        now: Timestamp,
    ) -> Result<(Perbaikan, Palsan, Vec<Change>)> {
        let tx = begin(&*self.db()?)?;
        let (c, p) = {
            let mut c: Perbaikan = get(&tx, CASES, id, "perbaikan")?;
            let mut p: Palsan = get(&tx, ITEMS, c.palsan_id, "palsan")?;
            p.check_mutable()?;
            let rec = c.catat(inp, now, tz, &actor.name)?.clone();
            p.ikuti_langkah(&c, &rec, &actor.name)?;
            put(&tx, ITEMS, p.id, &p)?;
            let d = put(&tx, CASES, id, &c)?;
            let action = if c.terbuka() {
                "perbaikan.langkah"
            } else {
                "perbaikan.selesai"
            };
            audit(
                &tx,
                now,
                actor,
                action,
                &format!("perbaikan:{id}"),
                &d,
                &format!(
                    "langkah {} {} oleh {} dok {}",
                    rec.langkah.nomor(),
                    rec.langkah.as_str(),
                    rec.oleh,
                    rec.dokumen
                ),
            )?;
            (c, p)
        };
        tx.commit()?;
        Ok((c, p.clone(), vec![Change::Palsan { id: p.id }]))
    }

    /// Registers key material (metadata only). The linked item must exist. Audited `kunci.add`.
    pub fn kunci_add(
        &self,
        actor: &Actor,
        f: &KunciBaru,
        at: Timestamp,
    ) -> Result<(Kunci, Vec<Change>)> {
        let tx = begin(&*self.db()?)?;
        let k = {
            if let Some(pid) = f.palsan_id {
                let _: Palsan = get(&tx, ITEMS, pid, "palsan")?;
            }
            let id = next_seq(&tx, "palsan_kunci")?;
            let k = Kunci::new(id, f, at, &actor.name)?;
            let d = put(&tx, KUNCI, id, &k)?;
            audit(
                &tx,
                at,
                actor,
                "kunci.add",
                &format!("kunci:{id}"),
                &d,
                &format!("{} {} s.d. {}", k.jenis, k.berlaku_dari, k.berlaku_sampai),
            )?;
            k
        };
        tx.commit()?;
        Ok((k.clone(), vec![Change::Palsan { id: k.id }]))
    }

    /// Moves key material to another status. Audited `kunci.status`.
    pub fn kunci_status(
        &self,
        actor: &Actor,
        id: u64,
        to: StatusKunci,
        catatan: &str,
        at: Timestamp,
    ) -> Result<(Kunci, Vec<Change>)> {
        let tx = begin(&*self.db()?)?;
        let k = {
            let mut k: Kunci = get(&tx, KUNCI, id, "kunci")?;
            k.ubah_status(to, catatan, at, &actor.name)?;
            let d = put(&tx, KUNCI, id, &k)?;
            audit(
                &tx,
                at,
                actor,
                "kunci.status",
                &format!("kunci:{id}"),
                &d,
                &format!("{} {catatan}", to.as_str()),
            )?;
            k
        };
        tx.commit()?;
        Ok((k, vec![Change::Palsan { id }]))
    }

    /// Records that a periodic duty was done at `done_at` (≤ `now`). Audited `berkala.<jenis>`.
    pub fn berkala_catat(
        &self,
        actor: &Actor,
        jenis: JenisBerkala,
        done_at: Timestamp,
        now: Timestamp,
    ) -> Result<(Berkala, Vec<Change>)> {
        if done_at > now {
            return Err(StoreError::Rule(
                "waktu pelaksanaan tidak boleh di masa depan".into(),
            ));
        }
        let mut b = self.berkala()?;
        let (name, slot) = match jenis {
            JenisBerkala::Sanapati => ("sanapati", &mut b.sanapati_terakhir),
            JenisBerkala::Audit => ("audit", &mut b.audit_terakhir),
        };
        *slot = Some(slot.map_or(done_at, |old| old.max(done_at)));
        let tx = begin(&*self.db()?)?;
        {
            let bytes = codec::encode(&b);
            tx.open_table(META)?.insert("berkala", bytes.as_slice())?;
            audit(
                &tx,
                now,
                actor,
                &format!("berkala.{name}"),
                &format!("berkala:{name}"),
                &digest_of(&bytes),
                &format!("dilakukan {done_at}"),
            )?;
        }
        tx.commit()?;
        Ok((b, vec![Change::Palsan { id: 0 }]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::palsan::{JenisPalsan, Kesiapan, LangkahPerbaikan};

    fn store() -> (tempfile::TempDir, Store) {
        let d = tempfile::tempdir().unwrap();
        let s = Store::open(&d.path().join("kasa.redb")).unwrap();
        (d, s)
    }

    #[test]
    fn refused_changes_leave_no_trace_and_cases_move_the_item() {
        let (_d, s) = store();
        let a = Actor::node();
        let now = crate::clock::now();
        let (p, _) = s
            .palsan_add(
                &a,
                &PalsanBaru {
                    jenis: JenisPalsan::PeralatanSandi,
                    nama: "Secure X".into(),
                    nomor_seri: "1".into(),
                    sumber: "BSSN".into(),
                    lokasi: String::new(),
                    pemegang: String::new(),
                    kondisi: Kondisi::Baik,
                    kesiapan: Kesiapan::Siap,
                    catatan: String::new(),
                },
                now,
            )
            .unwrap();
        let tail = s.audit_tail(100).unwrap().len();
        let e = s
            .palsan_update(p.id, &a, "palsan.checkin", now, |p| {
                p.checkin(Kondisi::Baik, "", now, "x")?;
                Ok(String::new())
            })
            .unwrap_err();
        assert!(e.to_string().contains("tidak sedang dipinjam"));
        assert_eq!(s.audit_tail(100).unwrap().len(), tail);
        let (c, p2, _) = s
            .perbaikan_buka(
                &a,
                p.id,
                &LaporanKerusakan {
                    kerusakan: "mati".into(),
                    ..Default::default()
                },
                Kondisi::RusakRingan,
                &TimeZone::UTC,
                now,
            )
            .unwrap();
        assert_eq!(p2.kesiapan, Kesiapan::TidakSiap);
        assert_eq!(s.palsan_item(p.id).unwrap().unwrap().perbaikan, Some(c.id));
        let e = s
            .perbaikan_langkah(
                &a,
                c.id,
                &LangkahInput {
                    langkah: LangkahPerbaikan::Kembali,
                    oleh: String::new(),
                    dokumen: String::new(),
                    catatan: String::new(),
                    penilaian: None,
                    at: None,
                },
                &TimeZone::UTC,
                now,
            )
            .unwrap_err();
        assert!(e.to_string().contains("adalah 2"), "{e}");
        assert_eq!(s.perbaikan(c.id).unwrap().unwrap().langkah.len(), 1);
        assert!(s.audit_verify().unwrap().ok);
    }
}
