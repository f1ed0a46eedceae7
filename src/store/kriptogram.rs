//! Peers and the kriptogram replay ledger (DESIGN §5): the `peers` and `kgm_ledger` tables and the
//! transactions that record received (`kriptogram-masuk`) and sealed (`kriptogram-keluar`) kriptogram.
//! Same rules as the rest of the store: versioned values, one audit record in the same transaction.

use jiff::Timestamp;
use redb::{ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::{
    Actor, BLOBS, Change, HASHES, Result, Store, StoreError, alloc_nomor, audit, begin, codec,
    digest_of, get_entry_tx, next_seq, put_entry,
};
use crate::domain::{Attachment, Book, Entry, Operator, RegisterFields, Status};

/// Peers (*pola hubungan komunikasi sandi*): node id → versioned [`PeerRecord`].
const PEERS: TableDefinition<&str, &[u8]> = TableDefinition::new("peers");
/// Replay ledger of received kriptogram: (sender node id, msg id hex) → versioned [`LedgerRecord`].
const KGM_LEDGER: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("kgm_ledger");

/// Relation of a peer node to this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relation {
    Pusat,
    Provinsi,
    KabKota,
    Opd,
}

impl Relation {
    /// The CLI / JSON name (`pusat`, `provinsi`, `kab-kota`, `opd`).
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Pusat => "pusat",
            Relation::Provinsi => "provinsi",
            Relation::KabKota => "kab-kota",
            Relation::Opd => "opd",
        }
    }

    /// Parses a relation name; the error lists the accepted names.
    pub fn parse(s: &str) -> std::result::Result<Relation, String> {
        let l = s.trim().to_lowercase().replace(['/', '_', ' '], "-");
        [
            Relation::Pusat,
            Relation::Provinsi,
            Relation::KabKota,
            Relation::Opd,
        ]
        .into_iter()
        .find(|r| r.as_str() == l)
        .ok_or_else(|| format!("unknown relation '{s}': use pusat, provinsi, kab-kota or opd"))
    }
}

/// A peer node: its card (TOML text, parsed again on use), relation, channel and verification state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerRecord {
    pub node_id: String,
    pub name: String,
    /// The node card in its TOML text form.
    pub card: String,
    pub relation: Relation,
    /// Channel (*saluran*) used with this peer, e.g. `Email Sanapati`.
    #[serde(default)]
    pub saluran: String,
    /// True once an operator compared the safety number (`kasa peer verify ID --confirm`).
    #[serde(default)]
    pub verified: bool,
    pub added_at: Timestamp,
    #[serde(default)]
    pub verified_at: Option<Timestamp>,
    #[serde(default)]
    pub verified_by: Option<String>,
}

/// One replay-ledger record: the SHA-256 of the whole `.kgm` and the entry it created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerRecord {
    /// Lowercase hex SHA-256 of the whole `.kgm` file.
    pub sha256: String,
    pub entry_id: u64,
    pub at: Timestamp,
}

/// What the replay ledger says about a `(sender, msg id, sha256)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerCheck {
    /// Never seen.
    New,
    /// Same id, same bytes: the entry created the first time.
    Duplicate { entry_id: u64 },
    /// Same id, other bytes: a replay or forgery attempt.
    Conflict { entry_id: u64, sha256: String },
}

/// A received kriptogram, committed by [`Store::kgm_masuk_commit`].
#[derive(Debug, Clone)]
pub struct KgmMasukInput {
    pub sender: String,
    pub msg_id: String,
    pub file_sha256: [u8; 32],
    pub fields: RegisterFields,
    /// Released files with their (verified) SHA-256.
    pub attachments: Vec<([u8; 32], Attachment)>,
    /// Timeline detail of the `diterima` event.
    pub detail: String,
    pub at: Timestamp,
}

/// The result of [`Store::kgm_masuk_commit`].
#[derive(Debug, Clone, PartialEq)]
pub enum KgmMasukOutcome {
    New(Entry),
    Duplicate(Entry),
    Conflict { entry_id: u64, sha256: String },
}

fn missing_table_ok<T>(r: std::result::Result<T, redb::TableError>) -> Result<Option<T>> {
    match r {
        Ok(t) => Ok(Some(t)),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn ledger_check_tx(
    tx: &WriteTransaction,
    sender: &str,
    msg_id: &str,
    sha: &[u8; 32],
) -> Result<LedgerCheck> {
    let t = tx.open_table(KGM_LEDGER)?;
    let Some(v) = t.get((sender, msg_id))? else {
        return Ok(LedgerCheck::New);
    };
    let rec: LedgerRecord = codec::decode(v.value()).map_err(StoreError::Db)?;
    if rec.sha256 == hex::encode(sha) {
        Ok(LedgerCheck::Duplicate {
            entry_id: rec.entry_id,
        })
    } else {
        Ok(LedgerCheck::Conflict {
            entry_id: rec.entry_id,
            sha256: rec.sha256,
        })
    }
}

impl Store {
    /// All peers, by node id.
    pub fn peers(&self) -> Result<Vec<PeerRecord>> {
        let tx = self.db()?.begin_read()?;
        let Some(t) = missing_table_ok(tx.open_table(PEERS))? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for r in t.iter()? {
            let (_, v) = r?;
            out.push(codec::decode(v.value()).map_err(StoreError::Db)?);
        }
        Ok(out)
    }

    /// One peer by node id.
    pub fn peer(&self, node_id: &str) -> Result<Option<PeerRecord>> {
        let tx = self.db()?.begin_read()?;
        let Some(t) = missing_table_ok(tx.open_table(PEERS))? else {
            return Ok(None);
        };
        t.get(node_id)?
            .map(|v| codec::decode(v.value()).map_err(StoreError::Db))
            .transpose()
    }

    /// Adds a peer (refused when the node id is known, unless `replace`: then the record is replaced and
    /// must be verified again). Audited (`peer.add` / `peer.replace`).
    pub fn peer_put(
        &self,
        actor: &Actor,
        rec: &PeerRecord,
        replace: bool,
        at: Timestamp,
    ) -> Result<()> {
        let tx = begin(&*self.db()?)?;
        {
            let mut t = tx.open_table(PEERS)?;
            let exists = t.get(rec.node_id.as_str())?.is_some();
            if exists && !replace {
                return Err(StoreError::Rule(format!(
                    "peer {} is already known: use `kasa peer add --replace` to replace its card (it must be verified again)",
                    rec.node_id
                )));
            }
            let bytes = codec::encode(rec);
            t.insert(rec.node_id.as_str(), bytes.as_slice())?;
            audit(
                &tx,
                at,
                actor,
                if exists { "peer.replace" } else { "peer.add" },
                &format!("peer:{}", rec.node_id),
                &digest_of(rec.card.as_bytes()),
                &format!("{} ({}, {})", rec.name, rec.relation.as_str(), rec.saluran),
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Marks a peer verified (safety number compared). Audited (`peer.verify`).
    pub fn peer_set_verified(
        &self,
        actor: &Actor,
        node_id: &str,
        safety_number: &str,
        at: Timestamp,
    ) -> Result<PeerRecord> {
        let tx = begin(&*self.db()?)?;
        let rec = {
            let mut t = tx.open_table(PEERS)?;
            let mut rec: PeerRecord = match t.get(node_id)? {
                Some(v) => codec::decode(v.value()).map_err(StoreError::Db)?,
                None => {
                    return Err(StoreError::NotFound(format!(
                        "peer {node_id}: check with `kasa peer list`"
                    )));
                }
            };
            rec.verified = true;
            rec.verified_at = Some(at);
            rec.verified_by = Some(actor.name.clone());
            let bytes = codec::encode(&rec);
            t.insert(node_id, bytes.as_slice())?;
            audit(
                &tx,
                at,
                actor,
                "peer.verify",
                &format!("peer:{node_id}"),
                &digest_of(rec.card.as_bytes()),
                &format!("safety number {safety_number}"),
            )?;
            rec
        };
        tx.commit()?;
        Ok(rec)
    }

    /// Looks up the replay ledger for `(sender, msg_id)` against the file's SHA-256.
    pub fn ledger_check(&self, sender: &str, msg_id: &str, sha: &[u8; 32]) -> Result<LedgerCheck> {
        let tx = self.db()?.begin_read()?;
        let Some(t) = missing_table_ok(tx.open_table(KGM_LEDGER))? else {
            return Ok(LedgerCheck::New);
        };
        let Some(v) = t.get((sender, msg_id))? else {
            return Ok(LedgerCheck::New);
        };
        let rec: LedgerRecord = codec::decode(v.value()).map_err(StoreError::Db)?;
        if rec.sha256 == hex::encode(sha) {
            Ok(LedgerCheck::Duplicate {
                entry_id: rec.entry_id,
            })
        } else {
            Ok(LedgerCheck::Conflict {
                entry_id: rec.entry_id,
                sha256: rec.sha256,
            })
        }
    }

    /// Commits a received kriptogram in one transaction: the replay ledger is checked again, then the new
    /// `kriptogram-masuk` entry (status `baru`), its blob records, content hashes, the ledger record and
    /// the audit record (`kriptogram.open`). A duplicate or conflicting ledger record commits nothing.
    pub fn kgm_masuk_commit(&self, inp: &KgmMasukInput) -> Result<(KgmMasukOutcome, Vec<Change>)> {
        let tx = begin(&*self.db()?)?;
        let e = {
            match ledger_check_tx(&tx, &inp.sender, &inp.msg_id, &inp.file_sha256)? {
                LedgerCheck::New => {}
                LedgerCheck::Duplicate { entry_id } => {
                    let e = get_entry_tx(&tx, entry_id)?;
                    return Ok((KgmMasukOutcome::Duplicate(e), vec![]));
                }
                LedgerCheck::Conflict { entry_id, sha256 } => {
                    return Ok((KgmMasukOutcome::Conflict { entry_id, sha256 }, vec![]));
                }
            }
            let id = next_seq(&tx, "entry")?;
            let mut atts = inp.attachments.iter().map(|(_, a)| a.clone());
            let first = atts.next().unwrap_or(Attachment {
                sha256: String::new(),
                name: String::new(),
                mime: String::new(),
                size: 0,
                pages: None,
                encrypted_at_rest: false,
                jenis: Default::default(),
            });
            let mut e = Entry::new_scan(id, inp.at, first);
            e.attachments.extend(atts);
            e.attachments.retain(|a| !a.sha256.is_empty());
            e.book = Book::KriptogramMasuk;
            e.kriptogram = true;
            e.saluran = inp.fields.saluran.clone();
            e.asal = inp.fields.asal.clone();
            e.tujuan = inp.fields.tujuan.clone();
            e.nomor_surat = inp.fields.nomor_surat.clone();
            e.tanggal_surat = inp.fields.tanggal_surat;
            e.perihal = inp.fields.perihal.clone();
            e.klasifikasi = inp.fields.klasifikasi;
            e.derajat = inp.fields.derajat.clone();
            e.push_event(inp.at, None, "node", "diterima", inp.detail.clone());
            {
                let mut blobs = tx.open_table(BLOBS)?;
                let mut hashes = tx.open_table(HASHES)?;
                for (sha, a) in &inp.attachments {
                    blobs.insert(sha.as_slice(), a.size)?;
                    if hashes.get(sha.as_slice())?.is_none() {
                        hashes.insert(sha.as_slice(), id)?;
                    }
                }
            }
            let rec = LedgerRecord {
                sha256: hex::encode(inp.file_sha256),
                entry_id: id,
                at: inp.at,
            };
            tx.open_table(KGM_LEDGER)?.insert(
                (inp.sender.as_str(), inp.msg_id.as_str()),
                codec::encode(&rec).as_slice(),
            )?;
            let row = put_entry(&tx, None, &e)?;
            audit(
                &tx,
                inp.at,
                &Actor::node(),
                "kriptogram.open",
                &format!("entry:{id}"),
                &format!("{},entry:{id}={row}", hex::encode(inp.file_sha256)),
                &format!("dari {} msg {}", inp.sender, inp.msg_id),
            )?;
            e
        };
        tx.commit()?;
        let id = e.id;
        Ok((KgmMasukOutcome::New(e), vec![Change::Entry { id }]))
    }

    /// Records a sealed kriptogram in one transaction: either a new `kriptogram-keluar` entry from
    /// `fields` or the existing kriptogram-keluar entry `existing` (draft or diagendakan); a draft gets
    /// its nomor agenda (`tahun`) here. The sealed files become its attachments (blob records written),
    /// a `disegel` timeline event is appended and the audit record `kriptogram.seal` written.
    #[allow(clippy::too_many_arguments)]
    pub fn kgm_keluar_commit(
        &self,
        existing: Option<u64>,
        fields: &RegisterFields,
        attachments: &[([u8; 32], Attachment)],
        tahun: i16,
        op: &Operator,
        detail: &str,
        file_sha256: &[u8; 32],
        at: Timestamp,
    ) -> Result<(Entry, Vec<Change>)> {
        let tx = begin(&*self.db()?)?;
        let e = {
            let (old, mut e) = match existing {
                Some(id) => {
                    let old = get_entry_tx(&tx, id)?;
                    if old.book.is_incoming()
                        || !matches!(old.status, Status::Draft | Status::Diagendakan)
                    {
                        return Err(StoreError::Rule(format!(
                            "entry {id} is {} in the {} book: seal an outgoing draft or registered item, or another entry to copy its fields into a new one",
                            old.status.as_str(),
                            old.book.as_str()
                        )));
                    }
                    let mut e = old.clone();
                    // A plain keluar draft sealed in place: it is now a kriptogram (flow D).
                    e.kriptogram = true;
                    (Some(old), e)
                }
                None => {
                    let id = next_seq(&tx, "entry")?;
                    let mut f = fields.clone();
                    f.kriptogram = true;
                    (None, Entry::new_keluar(id, &f, at, op))
                }
            };
            if e.status == Status::Draft {
                if e.perihal.trim().is_empty() || e.klasifikasi.is_none() {
                    return Err(StoreError::Rule(
                        "perihal and klasifikasi are required before sealing a kriptogram".into(),
                    ));
                }
                let n = alloc_nomor(&tx, e.book, tahun, e.id)?;
                e.keluar_register(tahun, n, at, op)?;
            }
            let new: Vec<Attachment> = attachments.iter().map(|(_, a)| a.clone()).collect();
            if !new.is_empty() {
                e.attachments = new;
            }
            {
                let mut blobs = tx.open_table(BLOBS)?;
                for (sha, a) in attachments {
                    blobs.insert(sha.as_slice(), a.size)?;
                }
            }
            e.push_event(at, Some(op.uid), &op.nama, "disegel", detail.to_string());
            let row = put_entry(&tx, old.as_ref(), &e)?;
            audit(
                &tx,
                at,
                &Actor::operator(op),
                "kriptogram.seal",
                &format!("entry:{}", e.id),
                &format!("{},entry:{}={row}", hex::encode(file_sha256), e.id),
                detail,
            )?;
            e
        };
        tx.commit()?;
        let id = e.id;
        Ok((e, vec![Change::Entry { id }]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    fn admin() -> Operator {
        Operator {
            uid: 1000,
            username: "admin".into(),
            nama: "Admin".into(),
            nip: String::new(),
            jabatan: String::new(),
            role: Role::Admin,
            kualifikasi: Default::default(),
            disabled: false,
        }
    }

    fn att(sha: [u8; 32], name: &str) -> ([u8; 32], Attachment) {
        (
            sha,
            Attachment {
                sha256: hex::encode(sha),
                name: name.into(),
                mime: "application/pdf".into(),
                size: 10,
                pages: None,
                encrypted_at_rest: false,
                jenis: Default::default(),
            },
        )
    }

    #[test]
    fn peers_ledger_and_kriptogram_entries_are_audited_and_replays_detected() {
        let dir = tempfile::tempdir().unwrap();
        let st = Store::open(&dir.path().join("k.redb")).unwrap();
        let now = crate::clock::now();
        st.initialise("32", "Provinsi", &admin(), now).unwrap();
        let actor = Actor::operator(&admin());
        let rec = PeerRecord {
            node_id: "32.01".into(),
            name: "Bogor".into(),
            card: "kasa_node_card = 1\n".into(),
            relation: Relation::KabKota,
            saluran: "Email Sanapati".into(),
            verified: false,
            added_at: now,
            verified_at: None,
            verified_by: None,
        };
        st.peer_put(&actor, &rec, false, now).unwrap();
        assert!(matches!(
            st.peer_put(&actor, &rec, false, now),
            Err(StoreError::Rule(_))
        ));
        let v = st.peer_set_verified(&actor, "32.01", "123", now).unwrap();
        assert!(v.verified);
        st.peer_put(&actor, &rec, true, now).unwrap();
        assert!(
            !st.peer("32.01").unwrap().unwrap().verified,
            "replace clears verified"
        );
        assert_eq!(Relation::parse("Kab/Kota").unwrap(), Relation::KabKota);

        let sha = [7u8; 32];
        let inp = KgmMasukInput {
            sender: "32.01".into(),
            msg_id: "ab".repeat(16),
            file_sha256: sha,
            fields: RegisterFields {
                perihal: "Undangan".into(),
                klasifikasi: Some(crate::domain::Klasifikasi::Rahasia),
                ..RegisterFields::default()
            },
            attachments: vec![att([1; 32], "a.pdf"), att([2; 32], "b.pdf")],
            detail: "x".into(),
            at: now,
        };
        assert_eq!(
            st.ledger_check("32.01", &inp.msg_id, &sha).unwrap(),
            LedgerCheck::New
        );
        let (o, _) = st.kgm_masuk_commit(&inp).unwrap();
        let KgmMasukOutcome::New(e) = o else {
            panic!("{o:?}")
        };
        assert_eq!(e.book, Book::KriptogramMasuk);
        assert_eq!(e.status, Status::Baru);
        assert_eq!(e.attachments.len(), 2);
        assert!(st.blob_known(&[2; 32]).unwrap());
        let (o, _) = st.kgm_masuk_commit(&inp).unwrap();
        assert!(matches!(o, KgmMasukOutcome::Duplicate(ref d) if d.id == e.id));
        let mut other = inp.clone();
        other.file_sha256 = [8u8; 32];
        let (o, _) = st.kgm_masuk_commit(&other).unwrap();
        assert!(matches!(o, KgmMasukOutcome::Conflict { entry_id, .. } if entry_id == e.id));
        assert_eq!(st.entry_count().unwrap(), 1);

        let fields = RegisterFields {
            perihal: "Balasan".into(),
            klasifikasi: Some(crate::domain::Klasifikasi::Biasa),
            ..RegisterFields::default()
        };
        let (k, _) = st
            .kgm_keluar_commit(
                None,
                &fields,
                &[att([3; 32], "c.pdf")],
                2026,
                &admin(),
                "d",
                &sha,
                now,
            )
            .unwrap();
        assert_eq!(k.book, Book::KriptogramKeluar);
        assert_eq!(k.nomor_agenda, Some(1));
        assert_eq!(k.status, Status::Diagendakan);
        // Only kriptogram-keluar drafts or registered entries are sealed in place.
        assert!(
            st.kgm_keluar_commit(Some(e.id), &fields, &[], 2026, &admin(), "d", &sha, now)
                .is_err()
        );
        let r = st.audit_verify().unwrap();
        assert!(r.ok, "{r:?}");
        let actions: Vec<String> = st
            .audit_tail(20)
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .collect();
        for a in [
            "peer.add",
            "peer.verify",
            "peer.replace",
            "kriptogram.open",
            "kriptogram.seal",
        ] {
            assert!(actions.iter().any(|x| x == a), "{a} missing in {actions:?}");
        }
    }
}
