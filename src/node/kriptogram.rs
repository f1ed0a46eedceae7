//! Node identity, peers and kriptogram flows (DESIGN §5, `docs/kriptogram.md`).
//!
//! * Identity: `<data>/keys/node.keystore` (secret keys under a passphrase, `crypto::keystore`) and
//!   `<data>/keys/node.card.toml` (the public node card, readable without the passphrase).
//! * The node unlocks the keystore at start when given `--passphrase-file`; otherwise it runs *locked*:
//!   peers, verify and the cleartext header work, seal and open are refused.
//! * Peers live in the store (`peers` table); received kriptogram are checked against the replay ledger
//!   (`kgm_ledger`) and become `kriptogram-masuk` entries; sealed ones are `kriptogram-keluar` entries
//!   with the `.kgm` in `<data>/outbox/<nomor>-<msgid>.kgm`.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use ed25519_dalek::VerifyingKey;

use super::NodeState;
pub use super::berkas::Masukan;
use super::berkas::{bare_name, head_of};
use super::server::PeerCred;
use crate::config::Paths;
use crate::crypto::kgm::{self, Derajat, HeaderFields, KgmError, ManifestFields, SealFile};
use crate::crypto::{KdfParams, Keystore, NodeCard, NodeKeys, safety_number};
use crate::domain::{Attachment, Entry, Klasifikasi, Operator, RegisterFields, Role, Status};
use crate::ingest::{mkdir_private, move_unique, stage_copy_unsynced};
use crate::proto::{KgmHeaderInfo, PeerInfo, Reply};
use crate::store::{
    Actor, KgmMasukInput, KgmMasukOutcome, LedgerCheck, PeerRecord, Relation, StoreError,
};

type KResult = Result<Reply, (&'static str, String)>;
/// Known senders: node id → (verifying key, peer record).
type Senders = HashMap<String, (VerifyingKey, PeerRecord)>;

/// The node's keystore file.
pub fn keystore_path(paths: &Paths) -> PathBuf {
    paths.keys().join("node.keystore")
}

/// The node's public card file.
pub fn card_path(paths: &Paths) -> PathBuf {
    paths.keys().join("node.card.toml")
}

/// Where sealed kriptogram are written.
pub fn outbox(paths: &Paths) -> PathBuf {
    paths.data_dir.join("outbox")
}

/// Creates the node identity: the keystore (0600, `O_EXCL`) under `passphrase` and the public card
/// (0644). `params` is [`KdfParams::RECOMMENDED`] except in tests (`kasa init --insecure-fast-kdf`).
pub fn create_identity(
    paths: &Paths,
    node_id: &str,
    name: &str,
    passphrase: &[u8],
    params: KdfParams,
) -> Result<NodeCard, String> {
    mkdir_private(&paths.keys()).map_err(|e| format!("{}: {e}", paths.keys().display()))?;
    let ks = keystore_path(paths);
    let keys = Keystore::create(&ks, passphrase, node_id, params).map_err(|e| e.to_string())?;
    let card = keys.public_card(name);
    let cp = card_path(paths);
    let tmp = crate::crypto::fsutil::TempFile::new_beside(&cp).map_err(|e| e.to_string())?;
    {
        let mut f = tmp.file();
        f.write_all(card.to_toml().as_bytes())
            .and_then(|_| f.sync_all())
            .map_err(|e| e.to_string())?;
    }
    tmp.persist_replace(&cp).map_err(|e| e.to_string())?;
    let _ = fs::set_permissions(&cp, fs::Permissions::from_mode(0o644));
    Ok(card)
}

/// Reads the public card of this node (no passphrase needed).
pub fn read_card(paths: &Paths) -> Result<NodeCard, String> {
    let p = card_path(paths);
    let text = fs::read_to_string(&p).map_err(|e| {
        format!(
            "{}: {e}: this node has no identity yet (created by `kasa init`)",
            p.display()
        )
    })?;
    NodeCard::parse(&text).map_err(|e| format!("{}: {e}", p.display()))
}

/// The node identity held by a running node: the public card (when the node has one) and, once
/// unlocked, the secret keys (zeroized when dropped).
#[derive(Default)]
pub struct NodeIdentity {
    pub card: Option<NodeCard>,
    keys: RwLock<Option<Arc<NodeKeys>>>,
}

/// Locks the pages holding `v` in memory (never swapped) and excludes them from core dumps
/// (`mlock(2)`, `madvise(MADV_DONTDUMP)`). Best effort: a refusal (RLIMIT_MEMLOCK) is logged. The secret
/// key bytes of [`NodeKeys`] are stored inline, so the pages of the struct cover them.
fn protect_pages<T>(v: &T) {
    // SAFETY: sysconf has no side effects.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as usize;
    let start = (v as *const T as usize) & !(page - 1);
    let end = (v as *const T as usize + std::mem::size_of::<T>()).div_ceil(page) * page;
    let ptr = start as *mut libc::c_void;
    // SAFETY: the range covers mapped heap pages of a live allocation; mlock and madvise(DONTDUMP)
    // change no contents.
    let (l, m) = unsafe {
        (
            libc::mlock(ptr, end - start),
            libc::madvise(ptr, end - start, libc::MADV_DONTDUMP),
        )
    };
    if l != 0 || m != 0 {
        tracing::warn!(
            mlock = l,
            madvise = m,
            error = %std::io::Error::last_os_error(),
            "could not lock the key pages out of swap and core dumps"
        );
    }
}

impl NodeIdentity {
    /// Loads the card and, with a passphrase, unlocks the keystore (refusing a keystore of another
    /// node id). Without a card (a data directory initialised before identities existed) the identity
    /// is empty and the node runs locked.
    pub fn load(
        paths: &Paths,
        node_id: &str,
        passphrase: Option<&[u8]>,
    ) -> Result<NodeIdentity, String> {
        let card = if card_path(paths).exists() {
            Some(read_card(paths)?)
        } else {
            None
        };
        let id = NodeIdentity {
            card,
            keys: RwLock::new(None),
        };
        if let Some(p) = passphrase {
            id.unlock(paths, node_id, p)?;
        }
        Ok(id)
    }

    /// Opens the keystore with `passphrase` and keeps the keys in memory.
    pub fn unlock(&self, paths: &Paths, node_id: &str, passphrase: &[u8]) -> Result<(), String> {
        let ks = keystore_path(paths);
        if !ks.exists() {
            return Err(format!(
                "{} does not exist: this node has no identity (kasa init creates it)",
                ks.display()
            ));
        }
        let keys = Keystore::open(&ks, passphrase).map_err(|e| format!("{}: {e}", ks.display()))?;
        if keys.node_id != node_id {
            return Err(format!(
                "{} belongs to node {}, not to this node {node_id}",
                ks.display(),
                keys.node_id
            ));
        }
        if let Some(c) = &self.card
            && (c.encryption != keys.encryption.recipient()
                || c.signing != keys.signing.verifying_key()
                || c.link.is_some_and(|l| l != keys.link_public()))
        {
            return Err(format!(
                "{} does not match the keystore: restore the card of this node",
                card_path(paths).display()
            ));
        }
        let keys = Arc::new(keys);
        protect_pages(&*keys);
        if let Ok(mut g) = self.keys.write() {
            *g = Some(keys);
        }
        Ok(())
    }

    /// The unlocked keys, if any.
    pub fn keys(&self) -> Option<Arc<NodeKeys>> {
        self.keys.read().ok().and_then(|g| g.clone())
    }

    /// Signing-key fingerprint of this node's card.
    pub fn fingerprint(&self) -> Option<String> {
        self.card.as_ref().map(NodeCard::signing_fingerprint)
    }

    fn require_keys(&self) -> Result<Arc<NodeKeys>, (&'static str, String)> {
        self.keys().ok_or((
            "locked",
            "the node is locked: its keystore was not unlocked at start. Restart the node with the passphrase: `kasa node stop`, then `kasa node --passphrase-file FILE` (0600 file)".into(),
        ))
    }
}

fn store_err(e: StoreError) -> (&'static str, String) {
    match e {
        StoreError::Rule(m) => ("rule", m),
        StoreError::NotFound(m) => ("not_found", m),
        other => ("internal", other.to_string()),
    }
}

fn require_admin(op: &Operator, what: &str) -> Result<(), (&'static str, String)> {
    if op.role == Role::Admin {
        Ok(())
    } else {
        Err((
            "forbidden",
            format!(
                "{what} needs the admin role; you are {} ({})",
                op.nama,
                op.role.as_str()
            ),
        ))
    }
}

fn peer_info(state: &NodeState, r: &PeerRecord) -> PeerInfo {
    let card = NodeCard::parse(&r.card).ok();
    PeerInfo {
        node_id: r.node_id.clone(),
        name: r.name.clone(),
        relation: r.relation,
        saluran: r.saluran.clone(),
        verified: r.verified,
        added_at: r.added_at,
        verified_at: r.verified_at,
        verified_by: r.verified_by.clone(),
        x25519: card
            .as_ref()
            .map(|c| c.encryption.to_string())
            .unwrap_or_default(),
        x25519_key_id: card.as_ref().map(NodeCard::key_id).unwrap_or_default(),
        ed25519_fingerprint: card
            .as_ref()
            .map(NodeCard::signing_fingerprint)
            .unwrap_or_default(),
        safety_number: match (&state.identity.card, &card) {
            (Some(own), Some(c)) => Some(safety_number(own, c)),
            _ => None,
        },
    }
}

/// `kasa identity export-age`: the client exported the identity; record it.
pub(super) fn export_audit(
    state: &NodeState,
    op: &Operator,
    cred: &PeerCred,
    detail: &str,
) -> KResult {
    require_admin(op, "exporting the node identity")?;
    state
        .store
        .audit_event(
            &Actor::operator(op),
            "identity.export",
            &format!("node:{}", state.node_id),
            &format!("age identity exported by uid {} {detail}", cred.uid),
            crate::clock::now(),
        )
        .map_err(store_err)?;
    Ok(Reply::Ok)
}

/// `kasa peer add`.
pub(super) fn peer_add(
    state: &NodeState,
    op: &Operator,
    card_text: &str,
    relation: Relation,
    saluran: &str,
    replace: bool,
) -> KResult {
    require_admin(op, "adding a peer")?;
    let card = NodeCard::parse(card_text).map_err(|e| ("invalid", e.to_string()))?;
    if card.node_id == state.node_id {
        return Err((
            "rule",
            format!(
                "this card is this node's own card ({}): add the other node's card",
                card.node_id
            ),
        ));
    }
    if saluran.chars().any(char::is_control) {
        return Err(("invalid", "saluran contains control characters".into()));
    }
    let rec = PeerRecord {
        node_id: card.node_id.clone(),
        name: card.name.clone(),
        card: card.to_toml(),
        relation,
        saluran: saluran.trim().to_string(),
        verified: false,
        added_at: crate::clock::now(),
        verified_at: None,
        verified_by: None,
    };
    state
        .store
        .peer_put(&Actor::operator(op), &rec, replace, rec.added_at)
        .map_err(store_err)?;
    Ok(Reply::Peers {
        peers: vec![peer_info(state, &rec)],
    })
}

/// `kasa peer list`.
pub(super) fn peer_list(state: &NodeState) -> KResult {
    let peers = state.store.peers().map_err(store_err)?;
    Ok(Reply::Peers {
        peers: peers.iter().map(|p| peer_info(state, p)).collect(),
    })
}

/// `kasa peer verify ID [--confirm]`.
pub(super) fn peer_verify(
    state: &NodeState,
    op: &Operator,
    node_id: &str,
    confirm: bool,
) -> KResult {
    let own = state.identity.card.as_ref().ok_or((
        "rule",
        "this node has no identity (no keys/node.card.toml): it was initialised without one".into(),
    ))?;
    let mut rec = state.store.peer(node_id).map_err(store_err)?.ok_or((
        "not_found",
        format!("no peer {node_id}: add its card with `kasa peer add CARDFILE`"),
    ))?;
    let card = NodeCard::parse(&rec.card).map_err(|e| ("internal", e.to_string()))?;
    let sn = safety_number(own, &card);
    if confirm {
        require_admin(op, "confirming a peer")?;
        rec = state
            .store
            .peer_set_verified(&Actor::operator(op), node_id, &sn, crate::clock::now())
            .map_err(store_err)?;
    }
    Ok(Reply::PeerVerify {
        peer: Box::new(peer_info(state, &rec)),
        own_node_id: own.node_id.clone(),
        own_ed25519_fingerprint: own.signing_fingerprint(),
        own_x25519_key_id: own.key_id(),
        safety_number: sn,
    })
}

fn kgm_klasifikasi(k: Klasifikasi) -> kgm::Klasifikasi {
    match k {
        Klasifikasi::Biasa => kgm::Klasifikasi::B,
        Klasifikasi::Terbatas => kgm::Klasifikasi::T,
        Klasifikasi::Rahasia => kgm::Klasifikasi::R,
        Klasifikasi::SangatRahasia => kgm::Klasifikasi::SR,
    }
}

fn domain_klasifikasi(k: kgm::Klasifikasi) -> Klasifikasi {
    match k {
        kgm::Klasifikasi::B => Klasifikasi::Biasa,
        kgm::Klasifikasi::T => Klasifikasi::Terbatas,
        kgm::Klasifikasi::R => Klasifikasi::Rahasia,
        kgm::Klasifikasi::SR => Klasifikasi::SangatRahasia,
    }
}

fn derajat_key(d: Derajat) -> &'static str {
    match d {
        Derajat::Biasa => "biasa",
        Derajat::Segera => "segera",
        Derajat::SangatSegera => "sangat_segera",
        Derajat::Kilat => "kilat",
    }
}

/// The header derajat of an entry's derajat name under this node's table: a header grade is
/// itself; another configured name (`Penting`) the nearest grade that is not slower
/// (`domain::calendar::kgm_grade`); no name or an unknown one `biasa`.
fn kgm_derajat(state: &NodeState, name: Option<&str>) -> Derajat {
    match crate::domain::calendar::kgm_grade(&state.cfg.derajat, name) {
        "kilat" => Derajat::Kilat,
        "sangat_segera" => Derajat::SangatSegera,
        "segera" => Derajat::Segera,
        _ => Derajat::Biasa,
    }
}

/// The exact derajat name to carry in the manifest: only a name that is not itself a header grade
/// (older nodes read manifests without it; they refuse unknown manifest fields, so it is left out
/// whenever the header says it all).
fn manifest_derajat(name: Option<&str>) -> Option<String> {
    let n = name?.trim();
    let key = crate::domain::calendar::grade_key(n);
    (!n.is_empty() && !crate::domain::calendar::KGM_GRADES.contains(&key.as_str()))
        .then(|| n.to_string())
}

/// The configured derajat name of a received letter: the sender's exact name from the manifest
/// when this node's table has it (`Penting` stays `Penting`), else the configured name matching
/// the header grade, if the table has one.
fn entry_derajat(state: &NodeState, d: Derajat, exact: Option<&str>) -> Option<String> {
    let names = state.cfg.derajat_names();
    let key = |n: &str| crate::domain::calendar::grade_key(n);
    if let Some(x) = exact
        && let Some(n) = names.iter().find(|n| key(n) == key(x))
    {
        return Some(n.clone());
    }
    names.into_iter().find(|n| key(n) == derajat_key(d))
}

pub(super) fn known_senders(state: &NodeState) -> Result<Senders, (&'static str, String)> {
    let mut m = HashMap::new();
    for p in state.store.peers().map_err(store_err)? {
        if let Ok(c) = NodeCard::parse(&p.card) {
            m.insert(p.node_id.clone(), (c.signing, p));
        }
    }
    Ok(m)
}

fn header_info(
    state: &NodeState,
    h: &kgm::Header,
    sha: &[u8; 32],
    peers: &Senders,
) -> Result<KgmHeaderInfo, (&'static str, String)> {
    let ledger = state
        .store
        .ledger_check(&h.sender.node_id, &h.msg_id, sha)
        .map_err(store_err)?;
    let (ledger, entry_id) = match ledger {
        LedgerCheck::New => ("new", None),
        LedgerCheck::Duplicate { entry_id } => ("duplicate", Some(entry_id)),
        LedgerCheck::Conflict { entry_id, .. } => ("conflict", Some(entry_id)),
    };
    let peer = peers.get(&h.sender.node_id).map(|p| &p.1);
    Ok(KgmHeaderInfo {
        msg_id: h.msg_id.clone(),
        created_at: h.created_at.clone(),
        sender: h.sender.node_id.clone(),
        sender_name: peer.map(|p| p.name.clone()),
        sender_verified: peer.is_some_and(|p| p.verified),
        recipients: h.recipient_ids(),
        klasifikasi: format!("{:?}", h.klasifikasi),
        derajat: derajat_key(h.derajat).into(),
        sha256: hex::encode(sha),
        addressed_to_this_node: h.addressed_to(&state.node_id).is_ok(),
        ledger: ledger.into(),
        entry_id,
    })
}

/// A private copy of `src` (from offset 0) in the staging folder, for `ingest/failed/`.
fn copy_for_failed(state: &NodeState, src: &fs::File) -> Option<PathBuf> {
    use std::io::{Seek, SeekFrom};
    let mut r = src;
    r.seek(SeekFrom::Start(0)).ok()?;
    stage_copy_unsynced(&mut r, &state.paths.ingest("staging"), u64::MAX)
        .ok()
        .map(|x| x.0)
}

fn error_class(e: &KgmError) -> &'static str {
    match e {
        KgmError::Format(_) => "format",
        KgmError::NotAddressed { .. } => "not_addressed",
        KgmError::UnknownSender { .. } => "unknown_sender",
        KgmError::BadSignature => "bad_signature",
        KgmError::Decrypt(_) => "decrypt",
        KgmError::Manifest(_) => "manifest",
        KgmError::Io(_) => "io",
    }
}

/// A refused kriptogram: the file goes to `ingest/failed/` with `<name>.error.txt` naming the error
/// class, and an alarm is raised (`kriptogram.failed`, or `kriptogram.replay`).
fn refuse(
    state: &NodeState,
    name: &str,
    staged: &Path,
    class: &str,
    message: &str,
) -> (&'static str, String) {
    // The alarm first (as the ingest path does), then the file and its sidecar.
    let kind = if class == "replay" {
        "kriptogram.replay"
    } else {
        "kriptogram.failed"
    };
    if let Ok((_, ch)) = state.store.raise_alarm(
        kind,
        &format!("{name}: {message}"),
        &format!("file:{name}"),
        crate::clock::now(),
    ) {
        state.hub.publish_changes(ch);
    }
    let failed = state.paths.ingest("failed");
    match move_unique(staged, &failed, name) {
        Ok(p) => {
            let _ = fs::write(
                format!("{}.error.txt", p.display()),
                format!("class: {class}\n{name}: {message}\n"),
            );
        }
        Err(_) => {
            let _ = fs::remove_file(staged);
        }
    }
    (
        if class == "replay" {
            "replay"
        } else {
            "refused"
        },
        message.to_string(),
    )
}

/// `kasa kriptogram verify FILE`: format, known sender, signature; no secret key.
pub(super) fn verify(state: &NodeState, name: &str, isi: Masukan) -> KResult {
    let name = bare_name(name);
    let (src, staged) = isi.source(state)?;
    let peers = known_senders(state)?;
    let r = kgm::verify_file(&src, &|id| peers.get(id).map(|p| p.0));
    if let Some(p) = staged {
        let _ = fs::remove_file(p);
    }
    let v = r.map_err(|e| ("refused", format!("{name}: {e}")))?;
    Ok(Reply::KriptogramVerified {
        header: Box::new(header_info(state, &v.header, &v.file_sha256, &peers)?),
    })
}

/// Why opening a staged kriptogram failed.
enum OpenFailure {
    /// The node is locked (not the file's fault: nothing moved, no alarm).
    Locked((&'static str, String)),
    /// The file is refused: error class (`format`, `not_addressed`, …, `replay`) and message.
    Refused(&'static str, String),
    /// A node-side problem (database, blob store).
    Internal((&'static str, String)),
}

/// What opening produced: `new` or `duplicate`, the entry, the header.
struct OpenDone {
    outcome: &'static str,
    entry: Entry,
    header: KgmHeaderInfo,
}

/// Opens the kriptogram in `src` (a descriptor handed over by a client, a file in the drop folder,
/// a private staged copy): checks in the order of `docs/kriptogram.md` §5, decrypts in one pass over
/// the file (signature checked at its end, before anything is released) into a private staging
/// folder, moves the files into the blob store and commits a `kriptogram-masuk` entry with the
/// ledger record in one transaction. A message id already in the replay ledger is only verified
/// (one hashing pass, no decryption) to tell a duplicate from a replay. `src` is only read.
fn open_staged(state: &NodeState, src: &fs::File, by: &str) -> Result<OpenDone, OpenFailure> {
    let refused = |e: KgmError| match e {
        // Disk trouble is the node's, not the file's.
        KgmError::Io(e) => OpenFailure::Internal(("internal", format!("I/O error: {e}"))),
        e => OpenFailure::Refused(error_class(&e), e.to_string()),
    };
    // 1–2: format and addressed, before any key is asked for.
    let header = kgm::inspect_file(src).map_err(refused)?;
    header.addressed_to(&state.node_id).map_err(refused)?;
    let keys = state.identity.require_keys().map_err(OpenFailure::Locked)?;
    let peers = known_senders(state).map_err(OpenFailure::Internal)?;
    let lookup = |id: &str| peers.get(id).map(|p| p.0);
    let replay = |entry_id: u64, sha256: &str, file_sha256: &[u8; 32]| {
        OpenFailure::Refused(
            "replay",
            format!(
                "replay: message {} from {} was received before with other content (entry {entry_id}, sha256 {sha256}); this file (sha256 {}) is refused",
                header.msg_id,
                header.sender.node_id,
                hex::encode(file_sha256)
            ),
        )
    };
    // The replay ledger before decrypting: a message id seen before is verified only.
    let seen = state
        .store
        .ledger_check(&header.sender.node_id, &header.msg_id, &[0u8; 32])
        .map_err(|e| OpenFailure::Internal(store_err(e)))?;
    if !matches!(seen, LedgerCheck::New) {
        let v = kgm::verify_file(src, &lookup).map_err(refused)?;
        let info =
            header_info(state, &v.header, &v.file_sha256, &peers).map_err(OpenFailure::Internal)?;
        match state
            .store
            .ledger_check(&v.header.sender.node_id, &v.header.msg_id, &v.file_sha256)
            .map_err(|e| OpenFailure::Internal(store_err(e)))?
        {
            LedgerCheck::New => {}
            LedgerCheck::Duplicate { entry_id } => return duplicate(state, entry_id, info),
            LedgerCheck::Conflict { entry_id, sha256 } => {
                return Err(replay(entry_id, &sha256, &v.file_sha256));
            }
        }
    }
    // 3–8: sender, then one pass: decrypt into a private folder while hashing, signature at the end.
    let mut rnd = [0u8; 8];
    let _ = getrandom::fill(&mut rnd);
    let out_dir = state
        .paths
        .ingest("staging")
        .join(format!("kgm-{}", hex::encode(rnd)));
    mkdir_private(&out_dir)
        .map_err(|e| OpenFailure::Internal(("internal", format!("{}: {e}", out_dir.display()))))?;
    let cleanup = || {
        let _ = fs::remove_dir_all(&out_dir);
    };
    let opened = match kgm::open_file(src, &state.node_id, &keys.encryption, &lookup, &out_dir) {
        Ok(o) => o,
        Err(e) => {
            cleanup();
            return Err(refused(e));
        }
    };
    let info = match header_info(state, &opened.header, &opened.file_sha256, &peers) {
        Ok(i) => i,
        Err(e) => {
            cleanup();
            return Err(OpenFailure::Internal(e));
        }
    };
    let mut attachments = Vec::new();
    for (f, path) in opened.manifest.files.iter().zip(&opened.files) {
        let mut sha = [0u8; 32];
        if hex::decode_to_slice(&f.sha256, &mut sha).is_err() {
            cleanup();
            return Err(OpenFailure::Refused(
                "manifest",
                format!("bad sha256 for {}", f.name),
            ));
        }
        // The type from the head only (8 KiB), never the whole file.
        let mime = crate::ingest::sniff::sniff(&head_of(path))
            .map_or("application/octet-stream", |k| k.mime());
        if let Err(e) = state.ingest.blobs().put_staged(path, &sha) {
            cleanup();
            return Err(OpenFailure::Internal((
                "internal",
                format!("blob store: {e}"),
            )));
        }
        attachments.push((
            sha,
            Attachment {
                sha256: f.sha256.clone(),
                name: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                mime: mime.to_string(),
                size: f.size,
                pages: None,
                encrypted_at_rest: false,
                jenis: Default::default(),
            },
        ));
    }
    // Empty once every file went to the blob store; a file whose content was stored before is
    // being removed in the background (`put_staged`), and the folder after it.
    if fs::remove_dir(&out_dir).is_err() {
        crate::ingest::remove_in_background(out_dir.clone());
    }
    let sender = &opened.header.sender.node_id;
    let peer = peers.get(sender).map(|p| &p.1);
    let asal = peer.map_or(sender.clone(), |p| p.name.clone());
    let fields = RegisterFields {
        saluran: peer.map(|p| p.saluran.clone()).unwrap_or_default(),
        asal,
        nomor_surat: opened.manifest.nomor_surat.clone(),
        tanggal_surat: opened.manifest.tanggal.parse().ok(),
        perihal: opened.manifest.perihal.clone(),
        klasifikasi: Some(domain_klasifikasi(opened.header.klasifikasi)),
        derajat: entry_derajat(
            state,
            opened.header.derajat,
            opened.manifest.derajat_nama.as_deref(),
        ),
        kriptogram: true,
        ..RegisterFields::default()
    };
    let mut detail = format!(
        "kriptogram {} dari {sender} ({} berkas), dibuka oleh {by}",
        opened.header.msg_id,
        attachments.len(),
    );
    if !peer.is_some_and(|p| p.verified) {
        detail.push_str("; PERHATIAN: pengirim belum diverifikasi (safety number)");
    }
    let inp = KgmMasukInput {
        sender: sender.clone(),
        msg_id: opened.header.msg_id.clone(),
        file_sha256: opened.file_sha256,
        fields,
        attachments,
        detail,
        at: crate::clock::now(),
    };
    let (outcome, ch) = state
        .store
        .kgm_masuk_commit(&inp)
        .map_err(|e| OpenFailure::Internal(store_err(e)))?;
    state.hub.publish_changes(ch);
    if matches!(outcome, KgmMasukOutcome::New(_)) {
        // Arrived over the link: the sender gets DIBUKA.
        super::link::after_open(state, sender, &opened.header.msg_id, &opened.file_sha256);
    }
    match outcome {
        KgmMasukOutcome::New(e) => Ok(OpenDone {
            outcome: "new",
            entry: e,
            header: info,
        }),
        KgmMasukOutcome::Duplicate(e) => Ok(OpenDone {
            outcome: "duplicate",
            entry: e,
            header: info,
        }),
        KgmMasukOutcome::Conflict { entry_id, sha256 } => {
            Err(replay(entry_id, &sha256, &opened.file_sha256))
        }
    }
}

/// Pseudo sender of plain age files in the replay ledger (they have no signed header): the ledger key
/// is `("(age)", first 32 hex digits of the file's SHA-256)`, so the same file twice is a duplicate.
pub const AGE_SENDER: &str = "(age)";

/// The marker shown on entries made from plain age files.
pub const TANPA_TANDA_TANGAN: &str = "tanpa tanda tangan pengirim";

fn is_plain_age(src: &fs::File) -> bool {
    crate::ingest::sniff::sniff(&head_of_file(src)) == Some(crate::ingest::sniff::FileKind::Age)
}

/// The first 8 KiB of `src` by a positioned read (the file position is not used).
fn head_of_file(src: &fs::File) -> Vec<u8> {
    use std::os::unix::fs::FileExt;
    let mut head = vec![0u8; 8192];
    let mut n = 0;
    while n < head.len() {
        match src.read_at(&mut head[n..], n as u64) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    head.truncate(n);
    head
}

/// The name a decrypted plain age file gets: the dropped name without `.age` / `.asc`, sanitised
/// like kriptogram file names (docs/kriptogram.md §4).
fn age_plain_name(name: &str) -> String {
    let base = name
        .strip_suffix(".age")
        .or_else(|| name.strip_suffix(".asc"))
        .unwrap_or(name);
    let base = if base.is_empty() { "berkas" } else { base };
    kgm::sanitize_name(base)
}

/// Opens a plain age file (binary or armored) addressed to this node's X25519 or hybrid key: no
/// sender signature exists, so the entry is marked [`TANPA_TANDA_TANGAN`] (timeline and `asal`).
/// Nothing is released before the whole payload authenticated (`age::decrypt_to_path`).
/// Classes: `not_addressed` (no stanza for this node's keys), `decrypt` (any other age failure),
/// `replay` never (no message id: same bytes = duplicate, other bytes = another file).
fn open_age_staged(
    state: &NodeState,
    staged: &fs::File,
    name: &str,
    by: &str,
) -> Result<OpenDone, OpenFailure> {
    use crate::crypto::age::{self, AgeErrorClass, AnyIdentity};
    let keys = state.identity.require_keys().map_err(OpenFailure::Locked)?;
    let now = crate::clock::now();
    let mut rnd = [0u8; 8];
    let _ = getrandom::fill(&mut rnd);
    let out_dir = state
        .paths
        .ingest("staging")
        .join(format!("kgm-{}", hex::encode(rnd)));
    mkdir_private(&out_dir)
        .map_err(|e| OpenFailure::Internal(("internal", format!("{}: {e}", out_dir.display()))))?;
    let cleanup = || {
        let _ = fs::remove_dir_all(&out_dir);
    };
    let plain_name = age_plain_name(name);
    let dest = out_dir.join(&plain_name);
    let ids = [
        AnyIdentity::X25519(keys.encryption.clone()),
        AnyIdentity::Hybrid(Box::new(keys.hybrid())),
    ];
    // One pass: the file's SHA-256 (the ledger key) and the plaintext's (the blob address) are
    // computed on other threads while this one decrypts. A duplicate is told by the ledger after.
    let src = {
        use std::io::{Seek, SeekFrom};
        let mut r = staged;
        r.seek(SeekFrom::Start(0)).map(|_| r)
    };
    let decrypted = match src {
        Ok(r) => age::decrypt_to_path_hashed(r, &ids, &dest),
        Err(e) => Err(age::AgeError::Io(e)),
    };
    let (size, sha, psha) = match decrypted {
        Ok(x) => x,
        Err(e) => {
            cleanup();
            return Err(match e.class() {
                AgeErrorClass::NoMatch => OpenFailure::Refused(
                    "not_addressed",
                    format!(
                        "age file not addressed to this node: no recipient stanza opens with this node's X25519 or mlkem768x25519 key ({e})"
                    ),
                ),
                AgeErrorClass::Io => OpenFailure::Internal(("internal", e.to_string())),
                _ => OpenFailure::Refused("decrypt", format!("age file refused: {e}")),
            });
        }
    };
    let msg_id = hex::encode(&sha[..16]);
    let info = KgmHeaderInfo {
        msg_id: msg_id.clone(),
        created_at: now.to_string(),
        sender: AGE_SENDER.into(),
        sender_name: Some(TANPA_TANDA_TANGAN.into()),
        sender_verified: false,
        recipients: vec![state.node_id.clone()],
        klasifikasi: String::new(),
        derajat: String::new(),
        sha256: hex::encode(sha),
        addressed_to_this_node: true,
        ledger: "new".into(),
        entry_id: None,
    };
    match state.store.ledger_check(AGE_SENDER, &msg_id, &sha) {
        Ok(LedgerCheck::New | LedgerCheck::Conflict { .. }) => {}
        Ok(LedgerCheck::Duplicate { entry_id }) => {
            cleanup();
            return duplicate(state, entry_id, info);
        }
        Err(e) => {
            cleanup();
            return Err(OpenFailure::Internal(store_err(e)));
        }
    }
    let mime = crate::ingest::sniff::sniff(&head_of(&dest))
        .map_or("application/octet-stream", |k| k.mime());
    if let Err(e) = state.ingest.blobs().put_staged(&dest, &psha) {
        cleanup();
        return Err(OpenFailure::Internal((
            "internal",
            format!("blob store: {e}"),
        )));
    }
    cleanup();
    let fields = RegisterFields {
        asal: format!("({TANPA_TANDA_TANGAN})"),
        kriptogram: true,
        ..RegisterFields::default()
    };
    let inp = KgmMasukInput {
        sender: AGE_SENDER.into(),
        msg_id,
        file_sha256: sha,
        fields,
        attachments: vec![(
            psha,
            Attachment {
                sha256: hex::encode(psha),
                name: plain_name,
                mime: mime.to_string(),
                size,
                pages: None,
                encrypted_at_rest: false,
                jenis: Default::default(),
            },
        )],
        detail: format!(
            "berkas age {name} dibuka oleh {by}: {TANPA_TANDA_TANGAN} (no sender authentication) — isi terenkripsi untuk node ini, tetapi pengirimnya tidak terbukti; konfirmasi dengan pengirim lewat saluran lain"
        ),
        at: now,
    };
    let (outcome, ch) = state
        .store
        .kgm_masuk_commit(&inp)
        .map_err(|e| OpenFailure::Internal(store_err(e)))?;
    state.hub.publish_changes(ch);
    match outcome {
        KgmMasukOutcome::New(e) => Ok(OpenDone {
            outcome: "new",
            entry: e,
            header: info,
        }),
        KgmMasukOutcome::Duplicate(e) => Ok(OpenDone {
            outcome: "duplicate",
            entry: e,
            header: info,
        }),
        KgmMasukOutcome::Conflict { entry_id, sha256 } => Err(OpenFailure::Internal((
            "internal",
            format!("ledger conflict for a plain age file (entry {entry_id}, sha256 {sha256})"),
        ))),
    }
}

/// Opens a staged kriptogram or plain age file, by its magic bytes.
fn open_any_staged(
    state: &NodeState,
    staged: &fs::File,
    name: &str,
    by: &str,
) -> Result<OpenDone, OpenFailure> {
    if is_plain_age(staged) {
        open_age_staged(state, staged, name, by)
    } else {
        open_staged(state, staged, by)
    }
}

/// Where kriptogram received over the link wait for an operator (`kasa kriptogram open`).
pub fn inbox(paths: &Paths) -> PathBuf {
    paths.data_dir.join("inbox")
}

/// A `.kgm` that arrived over the link from `peer`, staged complete at `staged` (`claimed_msg_id`
/// from `KGM_BEGIN`), with the result of its verification while it arrived (`verified`). Checks, in order: format, addressed to this node, sent by the link peer itself,
/// known sender and signature (docs/kriptogram.md §5 steps 1–4), then the link inbox and the replay
/// ledger: same message with the same bytes is `diterima` again (nothing stored twice), with other
/// bytes `ditolak` + alarm. An accepted file is kept in `<data>/inbox/<sender>-<msg id>.kgm` (0600)
/// and announced by the alarm `kriptogram.tiba`; nothing is decrypted. A refused one goes to
/// `ingest/failed/` with its `.error.txt` and the alarm `kriptogram.failed` (or `.replay`).
///
/// Returns `(status, reason, msg id)` for the receipt: status `diterima` or `ditolak`.
pub(super) fn receive_over_link(
    state: &NodeState,
    peer: &str,
    staged: &Path,
    claimed_msg_id: &str,
    verified: Result<kgm::VerifiedHeader, KgmError>,
) -> (&'static str, Option<String>, String) {
    let name = format!("link-{peer}-{claimed_msg_id}.kgm");
    let name = bare_name(&name);
    let mut msg_id = claimed_msg_id.to_string();
    let reject = |class: &'static str, m: String, msg_id: &str| {
        refuse(state, &name, staged, class, &m);
        ("ditolak", Some(format!("{class}: {m}")), msg_id.to_string())
    };
    let header = match kgm::inspect(staged) {
        Ok(h) => h,
        Err(e) => return reject(error_class(&e), e.to_string(), &msg_id),
    };
    msg_id = header.msg_id.clone();
    if let Err(e) = header.addressed_to(&state.node_id) {
        return reject(error_class(&e), e.to_string(), &msg_id);
    }
    if header.sender.node_id != peer {
        return reject(
            "format",
            format!(
                "the kriptogram is from {} but came over the link of {peer}",
                header.sender.node_id
            ),
            &msg_id,
        );
    }
    let peers = match known_senders(state) {
        Ok(p) => p,
        Err((_, m)) => return reject("io", m, &msg_id),
    };
    // Verified while the bytes arrived (`kgm::StreamVerifier`): no second reading.
    let v = match verified {
        Ok(v) => v,
        Err(e) => return reject(error_class(&e), e.to_string(), &msg_id),
    };
    let sha_hex = hex::encode(v.file_sha256);
    match state.store.link_inbox(peer, &msg_id) {
        Ok(Some(rec)) if rec.sha256 == sha_hex => {
            let _ = fs::remove_file(staged);
            return ("diterima", None, msg_id);
        }
        Ok(Some(rec)) => {
            return reject(
                "replay",
                format!(
                    "replay: message {msg_id} from {peer} arrived before with other content (sha256 {}); this file (sha256 {sha_hex}) is refused",
                    rec.sha256
                ),
                &msg_id,
            );
        }
        Ok(None) => {}
        Err(e) => return reject("io", e.to_string(), &msg_id),
    }
    if let Ok(LedgerCheck::Conflict { entry_id, sha256 }) =
        state.store.ledger_check(peer, &msg_id, &v.file_sha256)
    {
        return reject(
            "replay",
            format!(
                "replay: message {msg_id} from {peer} was opened before with other content (entry {entry_id}, sha256 {sha256})"
            ),
            &msg_id,
        );
    }
    let dir = inbox(&state.paths);
    if let Err(e) = mkdir_private(&dir) {
        return reject("io", format!("{}: {e}", dir.display()), &msg_id);
    }
    let dest = match move_unique(staged, &dir, &format!("{peer}-{msg_id}.kgm")) {
        Ok(p) => p,
        Err(e) => return reject("io", format!("inbox: {e}"), &msg_id),
    };
    let at = crate::clock::now();
    let rec = crate::store::InboxRecord {
        sha256: sha_hex,
        path: dest.display().to_string(),
        at,
        opened: false,
    };
    match state.store.link_inbox_put(peer, &msg_id, &rec) {
        Ok(Ok(())) => {}
        // The same message arrived at the same time over a second link: keep the first copy.
        Ok(Err(_first)) => {
            let _ = fs::remove_file(&dest);
            return ("diterima", None, msg_id);
        }
        Err(e) => {
            let _ = fs::remove_file(&dest);
            return ("ditolak", Some(format!("io: {e}")), msg_id);
        }
    }
    let sender_name = peers
        .get(peer)
        .map_or(peer.to_string(), |p| p.1.name.clone());
    if let Ok((_, ch)) = state.store.raise_alarm(
        "kriptogram.tiba",
        &format!(
            "kriptogram {msg_id} dari {sender_name} ({peer}) tiba lewat link: buka dengan `kasa kriptogram open {}`",
            dest.display()
        ),
        &format!("peer:{peer}"),
        at,
    ) {
        state.hub.publish_changes(ch);
    }
    ("diterima", None, msg_id)
}

/// `kasa kriptogram open FILE`. A file handed as a descriptor is read in place, once; an opened one
/// stays with the operator (its SHA-256 is in the replay ledger), a refused one is copied to
/// `ingest/failed/` with its `.error.txt` and an alarm. Content sent as base64 is staged first and,
/// once opened, kept in `ingest/processed/`.
pub(super) fn open(state: &NodeState, op: &Operator, name: &str, isi: Masukan) -> KResult {
    let name = bare_name(name);
    let (src, staged) = isi.source(state)?;
    match open_any_staged(state, &src, &name, &op.nama) {
        Ok(done) => {
            if let Some(staged) = &staged {
                if done.outcome == "new" {
                    let _ = move_unique(staged, &state.paths.ingest("processed"), &name);
                } else {
                    let _ = fs::remove_file(staged);
                }
            }
            Ok(Reply::KriptogramOpened {
                outcome: done.outcome.into(),
                entry: Box::new(done.entry),
                header: Box::new(done.header),
            })
        }
        Err(OpenFailure::Refused(class, msg)) => {
            let kept = staged.or_else(|| copy_for_failed(state, &src));
            let kept = kept.unwrap_or_else(|| state.paths.ingest("staging").join("(none)"));
            Err(refuse(state, &name, &kept, class, &msg))
        }
        Err(OpenFailure::Locked(e) | OpenFailure::Internal(e)) => {
            if let Some(staged) = staged {
                let _ = fs::remove_file(staged);
            }
            Err(e)
        }
    }
}

/// The ingest path's hook for `.kgm` files (drop folder, `kasa ingest`): `None` when the node is
/// locked (the file is then stored as a plain attachment with a note, as before); otherwise the
/// outcome (`New`, or `AlreadyIngested` with the first entry for a duplicate) or the refusal reason,
/// which the ingest path turns into `ingest/failed/` + `.error.txt` + an `ingest.failed` alarm. A
/// replay also raises `kriptogram.replay`.
pub fn open_dropped(
    state: &NodeState,
    staged: &fs::File,
    name: &str,
) -> Option<Result<crate::store::IngestOutcome, String>> {
    use crate::store::IngestOutcome;
    match open_any_staged(state, staged, name, "node (folder drop)") {
        Ok(done) if done.outcome == "new" => Some(Ok(IngestOutcome::New { id: done.entry.id })),
        Ok(done) => Some(Ok(IngestOutcome::AlreadyIngested { id: done.entry.id })),
        Err(OpenFailure::Locked(_)) => None,
        Err(OpenFailure::Refused(class, msg)) => {
            if class == "replay"
                && let Ok((_, ch)) = state.store.raise_alarm(
                    "kriptogram.replay",
                    &format!("{name}: {msg}"),
                    &format!("file:{name}"),
                    crate::clock::now(),
                )
            {
                state.hub.publish_changes(ch);
            }
            Some(Err(format!("kriptogram refused (class: {class}): {msg}")))
        }
        Err(OpenFailure::Internal((_, msg))) => Some(Err(format!(
            "kriptogram could not be opened (class: internal): {msg}"
        ))),
    }
}

/// One input file of a seal: its name, staged path (removed or moved to the blob store) or blob path.
struct Input {
    name: String,
    path: PathBuf,
    sha: [u8; 32],
    size: u64,
    staged: bool,
    mime: String,
    /// What the file is to the entry (kept for a stored attachment; `surat` for handed-in files).
    jenis: crate::domain::JenisLampiran,
    /// A stored attachment already encrypted at rest (kept so).
    encrypted: bool,
    /// A file handed by the client, read once by the seal, which copies it to `path` in the same
    /// pass (`sha` and `size` are known only after the seal).
    src: Option<Handed>,
}

/// A client's file and the node's copy of it being written ([`Input::src`]).
struct Handed {
    /// The client's descriptor.
    file: fs::File,
    /// The new staging file at [`Input::path`]; `None` when the letter is the seal's only file and
    /// is kept inside the `.kgm` itself (an archive stanza to the node's key, `blobs/ab/<sha>.kgm`).
    copy: Option<fs::File>,
}

/// `kasa kriptogram seal`.
/// What to seal and to whom (`Request::KriptogramSeal`).
pub(super) struct Segel<'a> {
    /// An existing entry to seal (or to lend its fields, for an incoming one).
    pub entry: Option<u64>,
    /// The fields of a new kriptogram-keluar entry when `entry` is `None`.
    pub fields: Option<Box<RegisterFields>>,
    pub to: &'a [String],
    pub yes_unverified: bool,
    /// Break-glass reason for a dikecualikan item to an unverified peer.
    pub darurat: Option<&'a str>,
}

/// Seals a kriptogram (004 langkah 6–8, 003 SOP D langkah 3). An outgoing entry is sealed only once its
/// approvals are given, by a sealer with the flow's qualification and, on a flow with a disposisi chain,
/// after a disposisi reached them ([`Entry::check_segel`]); a new letter of a klasifikasi that needs
/// approvals must be drafted first (`kasa keluar new`). Rahasia and Sangat Rahasia go only to verified
/// peers, or on the break-glass path (`darurat`, audited, alarm `keluar.darurat`).
pub(super) fn seal(
    state: &NodeState,
    op: &Operator,
    segel: Segel<'_>,
    files: Vec<(String, Masukan)>,
) -> KResult {
    let Segel {
        entry,
        fields,
        to,
        yes_unverified,
        darurat,
    } = segel;
    let darurat = darurat.map(str::trim).filter(|d| !d.is_empty());
    let keys = state.identity.require_keys()?;
    if to.is_empty() {
        return Err((
            "invalid",
            "name at least one recipient peer (--to ID)".into(),
        ));
    }
    // Recipients: known peers, verified unless the operator accepts the risk.
    let mut unverified_names: Vec<String> = Vec::new();
    let mut recipients = Vec::new();
    let mut names = Vec::new();
    for id in to {
        let id = id.trim();
        if recipients.iter().any(|(r, _)| r == id) {
            continue;
        }
        let p = state.store.peer(id).map_err(store_err)?.ok_or((
            "not_found",
            format!("no peer {id}: add its card with `kasa peer add CARDFILE`"),
        ))?;
        if !p.verified {
            unverified_names.push(format!("{} ({})", p.name, p.node_id));
        }
        if !p.verified && !yes_unverified && darurat.is_none() {
            return Err((
                "unverified",
                format!(
                    "peer {id} ({}) is not verified: compare the safety number with `kasa peer verify {id}` and confirm with --confirm, or seal anyway with --yes-unverified",
                    p.name
                ),
            ));
        }
        let card = NodeCard::parse(&p.card).map_err(|e| ("internal", e.to_string()))?;
        names.push(format!("{} ({})", p.name, p.node_id));
        recipients.push((p.node_id.clone(), card.encryption));
    }
    // The letter: an existing entry or the given fields.
    let (existing, mut f, source_atts) = match entry {
        Some(id) => {
            let e: Entry = state.store.entry(id).map_err(store_err)?.ok_or((
                "not_found",
                format!("no entry {id}: check the id with `kasa agenda list`"),
            ))?;
            // An outgoing draft or registered item is sealed itself (it stays in its book, marked
            // kriptogram); an incoming one lends its fields to a new kriptogram-keluar entry.
            let own =
                !e.book.is_incoming() && matches!(e.status, Status::Draft | Status::Diagendakan);
            let f = RegisterFields {
                saluran: e.saluran.clone(),
                asal: e.asal.clone(),
                tujuan: e.tujuan.clone(),
                nomor_surat: e.nomor_surat.clone(),
                tanggal_surat: e.tanggal_surat,
                perihal: e.perihal.clone(),
                isi_ringkas: e.isi_ringkas.clone(),
                klasifikasi: e.klasifikasi,
                derajat: e.derajat.clone(),
                lampiran: e.lampiran.clone(),
                kriptogram: true,
            };
            let mut f = f;
            if !own {
                // A copy of another entry (e.g. a masuk letter forwarded): addressed to the peers.
                f.asal = String::new();
                f.tujuan = String::new();
            }
            (own.then_some(id), f, e.attachments.clone())
        }
        None => (
            None,
            *fields.ok_or((
                "invalid",
                "give --entry ID or the letter fields (--perihal, --klasifikasi, …)".into(),
            ))?,
            Vec::new(),
        ),
    };
    f.kriptogram = true;
    if f.tujuan.trim().is_empty() {
        f.tujuan = names.join(", ");
    }
    // Issue 14: approvals, qualification and disposisi before the seal; dikecualikan only to verified
    // peers unless break-glass.
    let set = super::masuk::alur(state);
    let now0 = crate::clock::now();
    match existing {
        Some(id) => {
            let e: Entry = state.store.entry(id).map_err(store_err)?.ok_or((
                "not_found",
                format!("no entry {id}: check the id with `kasa agenda list`"),
            ))?;
            let s = crate::domain::keluar::syarat(&set, &e);
            e.check_segel(&s, op, super::keluar::disposisi_ke(state, id, op.uid))
                .map_err(|e| ("rule", e.0))?;
        }
        None => {
            let probe = Entry::new_keluar(0, &f, now0, op);
            let s = crate::domain::keluar::syarat(&set, &probe);
            if s.perlu_persetujuan()
                && let Some(src) = entry
            {
                return Err((
                    "rule",
                    format!(
                        "entri {src} ({}) diteruskan lewat draf yang disetujui: F di tab Masuk (kasa keluar new --kriptogram --dari {src}), lalu paraf, tanda tangan, dan segel draf itu",
                        f.klasifikasi.map_or("-", |k| k.as_str())
                    ),
                ));
            }
            if s.perlu_persetujuan() {
                return Err((
                    "rule",
                    format!(
                        "berita {} memerlukan paraf dan tanda tangan sebelum disegel: buat drafnya dulu (kasa keluar new --kriptogram …, atau c di tab Keluar), minta paraf dan tanda tangan, lalu segel entri itu",
                        f.klasifikasi.map_or("-", |k| k.as_str())
                    ),
                ));
            }
            probe.check_segel(&s, op, true).map_err(|e| ("rule", e.0))?;
        }
    }
    let dikecualikan = f.klasifikasi.is_some_and(|k| k.is_dikecualikan());
    let unverified: Vec<&String> = unverified_names.iter().collect();
    if dikecualikan && !unverified.is_empty() && darurat.is_none() {
        return Err((
            "unverified",
            format!(
                "berita {} hanya boleh disegel untuk peer terverifikasi; {} belum: cocokkan nomor pengaman (kasa peer verify ID --confirm), atau jalur darurat --darurat \"alasan\" (diaudit, alarm)",
                f.klasifikasi.map_or("-", |k| k.as_str()),
                unverified
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let darurat_used = dikecualikan && !unverified.is_empty();
    let problems = f.validate(&state.cfg.derajat_names());
    if !problems.is_empty() {
        let m: Vec<String> = problems.iter().map(|(f, m)| format!("{f}: {m}")).collect();
        return Err(("invalid", m.join("; ")));
    }
    let klas = f
        .klasifikasi
        .ok_or(("invalid", "klasifikasi is required".into()))?;
    // Inputs: files over the socket, else the entry's attachments.
    let mut inputs: Vec<Input> = Vec::new();
    let cleanup = |inputs: &[Input]| {
        for i in inputs.iter().filter(|i| i.staged) {
            let _ = fs::remove_file(&i.path);
        }
    };
    if files.is_empty() {
        for a in &source_atts {
            let mut sha = [0u8; 32];
            hex::decode_to_slice(&a.sha256, &mut sha).map_err(|_| {
                (
                    "internal",
                    format!("attachment hash {} is not hex", a.sha256),
                )
            })?;
            inputs.push(Input {
                name: a.name.clone(),
                path: state.ingest.blobs().path(&a.sha256),
                sha,
                size: a.size,
                staged: false,
                mime: a.mime.clone(),
                jenis: a.jenis,
                encrypted: a.encrypted_at_rest,
                src: None,
            });
        }
    } else {
        let only_one = files.len() == 1;
        for (name, isi) in files {
            // A regular file passed as a descriptor is read once, by the seal itself, which keeps
            // the entry's copy as it encrypts (issue 19: no staging pass before the seal). The only
            // file of a seal is not copied at all: the .kgm keeps it, with a stanza to this node.
            let isi = match isi.into_regular_file() {
                Err(isi) => isi,
                Ok(src) => {
                    let (path, copy) = if only_one {
                        (PathBuf::new(), None)
                    } else {
                        let staging = state.paths.ingest("staging");
                        match crate::ingest::new_staging_file(&staging) {
                            Ok((p, f)) => (p, Some(f)),
                            Err(e) => {
                                cleanup(&inputs);
                                return Err(("internal", format!("staging: {e}")));
                            }
                        }
                    };
                    let mut head = vec![0u8; 8192];
                    let n = std::os::unix::fs::FileExt::read_at(&src, &mut head, 0).unwrap_or(0);
                    head.truncate(n);
                    inputs.push(Input {
                        name: bare_name(&name),
                        staged: copy.is_some(),
                        path,
                        sha: [0; 32],
                        size: 0,
                        mime: super::berkas::mime_of(&head).to_string(),
                        jenis: Default::default(),
                        encrypted: false,
                        src: Some(Handed { file: src, copy }),
                    });
                    continue;
                }
            };
            let (path, sha, size) = match isi.stage(state) {
                Ok(x) => x,
                Err(e) => {
                    cleanup(&inputs);
                    return Err(e);
                }
            };
            let mime = crate::ingest::sniff::sniff(&head_of(&path))
                .map_or("application/octet-stream", |k| k.mime())
                .to_string();
            inputs.push(Input {
                name: bare_name(&name),
                path,
                sha,
                size,
                staged: true,
                mime,
                jenis: Default::default(),
                encrypted: false,
                src: None,
            });
        }
    }
    if inputs.is_empty() {
        return Err((
            "invalid",
            "tidak ada yang disegel: entri ini belum punya lampiran — lampirkan suratnya dulu (A di tab Keluar, atau kasa agenda attach ID BERKAS), atau sebutkan berkasnya (K lalu \"51 ~/surat.pdf\"; kasa kriptogram seal --entry ID --to NODE BERKAS)".into(),
        ));
    }
    let result = seal_inputs(
        state,
        op,
        &keys,
        existing,
        &f,
        klas,
        &recipients,
        &names,
        &mut inputs,
    );
    cleanup(&inputs);
    if darurat_used && let Ok(Reply::KriptogramSealed { entry, .. }) = &result {
        let msg = format!(
            "JALUR DARURAT: berita {} entri {} disegel untuk peer belum terverifikasi ({}) oleh {}: {} — verifikasi peer itu dan catat berita acaranya",
            f.klasifikasi.map_or("-", |k| k.as_str()),
            entry.id,
            unverified_names.join(", "),
            op.nama,
            darurat.unwrap_or("")
        );
        let _ = state.store.audit_event(
            &crate::store::Actor::operator(op),
            "keluar.darurat",
            &format!("entry:{}", entry.id),
            &msg,
            crate::clock::now(),
        );
        match state.store.raise_alarm(
            "keluar.darurat",
            &msg,
            &format!("entry:{}", entry.id),
            crate::clock::now(),
        ) {
            Ok((_, ch)) => state.hub.publish_changes(ch),
            Err(e) => tracing::error!(error = %e, "break-glass alarm not raised"),
        }
    }
    result
}

#[allow(clippy::too_many_arguments)]
fn seal_inputs(
    state: &NodeState,
    op: &Operator,
    keys: &NodeKeys,
    existing: Option<u64>,
    f: &RegisterFields,
    klas: Klasifikasi,
    recipients: &[(String, crate::crypto::Recipient)],
    names: &[String],
    inputs: &mut [Input],
) -> KResult {
    let now = crate::clock::now();
    let zone = state.cfg.calendar().zone;
    let tanggal = f
        .tanggal_surat
        .unwrap_or_else(|| now.to_zoned(zone.clone()).date());
    // A letter that is not Biasa is kept encrypted at rest from its first byte on disk (SOP 001
    // step 3; issue 11 §5), to the node's own recipient, like `kasa agenda attach`.
    let at_rest = klas
        .encrypted_at_rest()
        .then(|| keys.encryption.recipient());
    // The copies kept of the client's files, written by the seal as it reads them.
    let mut sinks = Vec::new();
    for c in inputs.iter().filter_map(|i| i.src.as_ref()?.copy.as_ref()) {
        sinks.push(
            crate::ingest::Sink::new(c, at_rest.as_ref())
                .map_err(|e| ("internal", format!("staging: {e}")))?,
        );
    }
    // A handed letter kept only inside the .kgm: one more stanza, to this node's own key.
    let archived = |i: &Input| i.src.as_ref().is_some_and(|h| h.copy.is_none());
    let archive = inputs
        .iter()
        .any(archived)
        .then(|| keys.encryption.recipient());
    let mut sinks_left = sinks.iter_mut();
    let mut seal_files = Vec::new();
    for i in inputs.iter() {
        if let Some(h) = &i.src {
            let copy: Option<Box<dyn Write>> = match h.copy {
                Some(_) => Some(Box::new(
                    sinks_left.next().expect("one sink per staged copy"),
                )),
                None => None,
            };
            seal_files.push(SealFile {
                name: i.name.clone(),
                reader: Box::new(&h.file),
                known: None,
                trusted: false,
                copy,
            });
            continue;
        }
        // A stored attachment of a Rahasia entry is kept encrypted at rest: read it through the node's
        // keys (the plaintext blob is gone by design).
        // A stored attachment encrypted at rest is decrypted as it is sealed (one pass, bounded
        // memory); its bytes are hashed again against the record (`trusted: false`).
        let reader: Box<dyn crate::crypto::kgm::ReadSeek> = if !i.staged && !i.path.exists() {
            super::atrest::blob_stream(state, &hex::encode(i.sha))?
        } else {
            Box::new(
                fs::File::open(&i.path)
                    .map_err(|e| ("internal", format!("{}: {e}", i.path.display())))?,
            )
        };
        seal_files.push(SealFile {
            name: i.name.clone(),
            reader,
            known: Some((i.size, i.sha)),
            // The staged copy is the node's own, hashed as it was written. A stored blob is hashed
            // again while it is encrypted (issue 11: a blob replaced in blobs/ is never sent).
            trusted: i.staged,
            copy: None,
        });
    }
    let dir = outbox(&state.paths);
    mkdir_private(&dir).map_err(|e| ("internal", format!("{}: {e}", dir.display())))?;
    let tmp = crate::crypto::fsutil::TempFile::new_beside(&dir.join("sealing.kgm"))
        .map_err(|e| ("internal", format!("outbox: {e}")))?;
    let sealed = {
        // 1 MiB writes from the sealer, write-back started as it goes, one fsync at the end.
        let mut w = crate::crypto::pipe::WritebackFile::new(tmp.file());
        let s = kgm::seal_archived(
            &mut w,
            &HeaderFields {
                sender_node_id: state.node_id.clone(),
                klasifikasi: kgm_klasifikasi(klas),
                derajat: kgm_derajat(state, f.derajat.as_deref()),
                created_at: None,
            },
            &ManifestFields {
                nomor_surat: f.nomor_surat.clone(),
                perihal: f.perihal.clone(),
                tanggal: tanggal.to_string(),
                derajat_nama: manifest_derajat(f.derajat.as_deref()),
            },
            seal_files,
            recipients,
            archive.as_ref(),
            &keys.signing,
        )
        .map_err(|e| {
            if matches!(e, crate::crypto::kgm::KgmError::Manifest(_)) {
                // A stored blob that no longer matches its hash: the integrity refusal and alarm.
                for i in inputs.iter().filter(|i| !i.staged) {
                    let sha = hex::encode(i.sha);
                    if let Ok(Some(got)) = super::atrest::rehash_plain_blob(state, &sha) {
                        return super::atrest::blob_mismatch(state, &sha, &got);
                    }
                }
            }
            ("refused", e.to_string())
        })?;
        w.flush()
            .and_then(|_| tmp.file().sync_all())
            .map_err(|e| ("internal", format!("outbox: {e}")))?;
        s
    };
    for s in sinks {
        s.finish()
            .map_err(|e| ("internal", format!("staging: {e}")))?;
    }
    // The inputs handed over the socket become the entry's attachments: a copy the seal wrote has
    // the size and SHA-256 the seal computed.
    for (i, m) in inputs.iter_mut().zip(&sealed.manifest.files) {
        if i.src.is_some() {
            i.encrypted = at_rest.is_some() || archived(i);
            i.size = m.size;
            hex::decode_to_slice(&m.sha256, &mut i.sha)
                .map_err(|_| ("internal", "seal gave no file hash".to_string()))?;
        }
        if archived(i) {
            // The blob is the kriptogram itself (`blobs/ab/<sha>.kgm`), linked before the commit
            // that names it.
            state
                .ingest
                .blobs()
                .link_kgm(tmp.path(), &i.sha)
                .map_err(|e| ("internal", format!("blob store: {e}")))?;
        }
    }
    let mut atts = Vec::new();
    for i in inputs.iter() {
        if i.staged {
            // The staged copy was written without waiting for the disk (`Masukan::stage`).
            fs::File::open(&i.path)
                .and_then(|f| f.sync_all())
                .map_err(|e| ("internal", format!("staging: {e}")))?;
            let blobs = state.ingest.blobs();
            if i.encrypted {
                blobs.put_staged_sealed(&i.path, &i.sha)
            } else {
                blobs.put_staged(&i.path, &i.sha)
            }
            .map_err(|e| ("internal", format!("blob store: {e}")))?;
        }
        atts.push((
            i.sha,
            Attachment {
                sha256: hex::encode(i.sha),
                name: i.name.clone(),
                mime: i.mime.clone(),
                size: i.size,
                pages: None,
                encrypted_at_rest: i.encrypted,
                jenis: i.jenis,
            },
        ));
    }
    let rcpt_ids: Vec<String> = recipients.iter().map(|r| r.0.clone()).collect();
    let detail = format!(
        "kriptogram {} untuk {} ({} berkas, {} bytes)",
        sealed.header.msg_id,
        names.join(", "),
        atts.len(),
        sealed.len
    );
    let tahun = now.to_zoned(zone).year();
    let (e, ch) = state
        .store
        .kgm_keluar_commit(
            existing,
            f,
            &atts,
            tahun,
            op,
            &detail,
            &sealed.file_sha256,
            now,
        )
        .map_err(store_err)?;
    state.hub.publish_changes(ch);
    let nomor = e.nomor_agenda.unwrap_or(0);
    let dest = dir.join(format!("{nomor}-{}.kgm", sealed.header.msg_id));
    tmp.persist_noclobber(&dest)
        .map_err(|e| ("internal", format!("{}: {e}", dest.display())))?;
    let _ = fs::set_permissions(&dest, fs::Permissions::from_mode(0o600));
    super::link::queue_sealed(
        state,
        e.id,
        &dest,
        &sealed.header.msg_id,
        &hex::encode(sealed.file_sha256),
        derajat_key(sealed.header.derajat),
        &rcpt_ids,
    );
    Ok(Reply::KriptogramSealed {
        entry: Box::new(e),
        path: dest.display().to_string(),
        msg_id: sealed.header.msg_id.clone(),
        recipients: rcpt_ids,
        sha256: hex::encode(sealed.file_sha256),
        size: sealed.len,
    })
}

/// Reads a passphrase on the terminal without echo (`/dev/tty`), for `kasa init` and
/// `kasa identity export-age` when no `--passphrase-file` is given. Never from argv or the environment.
pub fn read_passphrase_tty(prompt: &str) -> io::Result<zeroize::Zeroizing<Vec<u8>>> {
    use std::io::{BufRead, BufReader};
    use std::os::fd::AsRawFd;
    let tty = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|e| io::Error::new(e.kind(), format!("no terminal to ask the passphrase on ({e}): use --passphrase-file FILE (mode 0600)")))?;
    let fd = tty.as_raw_fd();
    // SAFETY: termios is plain data; tcgetattr fills it for a valid fd.
    let mut old: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: fd is an open terminal; `old` is a valid termios.
    if unsafe { libc::tcgetattr(fd, &mut old) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let mut quiet = old;
    quiet.c_lflag &= !libc::ECHO;
    quiet.c_lflag |= libc::ECHONL;
    (&tty).write_all(prompt.as_bytes())?;
    (&tty).flush()?;
    // SAFETY: as above; restores are attempted below whatever happens.
    unsafe { libc::tcsetattr(fd, libc::TCSANOW, &quiet) };
    let mut line = zeroize::Zeroizing::new(String::new());
    let r = BufReader::new(&tty).read_line(&mut line);
    // SAFETY: restores the saved settings on the same fd.
    unsafe { libc::tcsetattr(fd, libc::TCSANOW, &old) };
    r?;
    let s = line.trim_end_matches(['\n', '\r']);
    Ok(zeroize::Zeroizing::new(s.as_bytes().to_vec()))
}

/// Start-up recovery: decryption folders (`ingest/staging/kgm-*`) left by a crash hold unreleased
/// plaintext in temporary files; they are removed.
pub fn recover(paths: &Paths) {
    if let Ok(rd) = fs::read_dir(paths.ingest("staging")) {
        for d in rd.flatten() {
            if d.file_name().to_string_lossy().starts_with("kgm-") && d.path().is_dir() {
                let _ = fs::remove_dir_all(d.path());
            }
        }
    }
}

/// The answer for a kriptogram the replay ledger already holds: the entry it was opened into
/// (`outcome: "duplicate"`), nothing registered again.
fn duplicate(
    state: &NodeState,
    entry_id: u64,
    header: KgmHeaderInfo,
) -> Result<OpenDone, OpenFailure> {
    let entry = state
        .store
        .entry(entry_id)
        .map_err(|e| OpenFailure::Internal(store_err(e)))?
        .ok_or(OpenFailure::Internal((
            "internal",
            format!("ledger names missing entry {entry_id}"),
        )))?;
    Ok(OpenDone {
        outcome: "duplicate",
        entry,
        header,
    })
}
