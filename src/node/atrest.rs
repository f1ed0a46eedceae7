//! Encryption at rest of *dikecualikan* blobs (Rahasia / Sangat Rahasia; SOP 001 steps 3–4, issue 7 §5).
//!
//! An entry classified R or SR is queued by the store in the classifying transaction. The node then
//! encrypts each plaintext blob with age to its own X25519 recipient (public key from the node card: no
//! passphrase needed to encrypt) into `blobs/ab/<sha>.age` (temp 0600 → fsync → rename), commits the
//! `encrypted_at_rest` flags with an audit record, and only then removes the plaintext blob. A crash at any
//! point leaves the plaintext (never a loss) and the entry still queued; the queue is processed at start.
//! Reading an encrypted blob needs the unlocked node keys and is audited by the caller.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

use super::NodeState;
use crate::crypto::{Armor, Decryptor, Encryptor};

/// Encrypts the queued entries' blobs. Returns how many entries were completed. Errors are logged and the
/// entry stays queued (an alarm is raised once when the node has no identity to encrypt to).
pub fn process_pending(state: &NodeState) -> usize {
    let Ok(ids) = state.store.atrest_pending() else {
        return 0;
    };
    if ids.is_empty() {
        return 0;
    }
    let Some(card) = state.identity.card.as_ref() else {
        tracing::warn!(
            count = ids.len(),
            "Rahasia blobs wait for encryption at rest: this node has no identity yet (`kasa identity create`)"
        );
        return 0;
    };
    let blobs = state.ingest.blobs();
    let mut done = 0;
    for id in ids {
        let Ok(Some(e)) = state.store.entry(id) else {
            let _ = state.store.atrest_forget(id);
            continue;
        };
        if !crate::store::atrest::needs_protection(&e) {
            let _ = state.store.atrest_forget(id);
            continue;
        }
        let mut encrypted = Vec::new();
        for a in e
            .attachments
            .iter()
            .filter(|a| !a.encrypted_at_rest && !a.sha256.is_empty())
        {
            let enc = blobs.age_path(&a.sha256);
            if !enc.exists() {
                let plain = blobs.path(&a.sha256);
                if let Err(err) = encrypt_file(&plain, &enc, &card.encryption) {
                    tracing::warn!(entry = id, blob = %a.sha256, error = %err, "encryption at rest failed; will retry");
                    continue;
                }
            }
            encrypted.push(a.sha256.clone());
        }
        if encrypted.is_empty() {
            continue;
        }
        match state.store.atrest_done(id, &encrypted, crate::clock::now()) {
            Ok(ch) => {
                for sha in &encrypted {
                    let _ = fs::remove_file(blobs.path(sha));
                    // The drop-folder original kept in ingest/processed/ (or duplicates/) is the same
                    // plaintext: it goes too (the blob store holds it, encrypted).
                    state.ingest.forget_originals(sha);
                }
                state.hub.publish_changes(ch);
                done += 1;
            }
            Err(err) => {
                tracing::warn!(entry = id, error = %err, "could not record encryption at rest; will retry")
            }
        }
    }
    done
}

fn encrypt_file(
    plain: &std::path::Path,
    enc: &std::path::Path,
    to: &crate::crypto::Recipient,
) -> Result<(), String> {
    let mut src = fs::File::open(plain).map_err(|e| format!("{}: {e}", plain.display()))?;
    let tmp = enc.with_extension("age.tmp");
    let _ = fs::remove_file(&tmp);
    let out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| e.to_string())?;
    let res = (|| -> Result<(), String> {
        let mut w = Encryptor::new(out, std::slice::from_ref(to), Armor::Binary)
            .map_err(|e| e.to_string())?;
        std::io::copy(&mut src, &mut w).map_err(|e| e.to_string())?;
        let mut f = w.finish().map_err(|e| e.to_string())?;
        f.flush().map_err(|e| e.to_string())?;
        f.sync_all().map_err(|e| e.to_string())
    })();
    if let Err(e) = res {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    fs::rename(&tmp, enc).map_err(|e| e.to_string())?;
    if let Some(dir) = enc.parent()
        && let Ok(d) = fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Reads blob `sha` and proves it: the bytes (plaintext file, or the encrypted-at-rest copy decrypted
/// with the node's keys) are re-hashed and must equal the recorded SHA-256, else nothing is served, an
/// `integrity.blob` alarm is raised and the error is `integrity` (a substituted or damaged blob; issue
/// 11 §6). Errors: `locked` when the keys are not unlocked, `internal` when neither file is readable.
pub fn read_blob(state: &NodeState, sha: &str) -> Result<Vec<u8>, (&'static str, String)> {
    let data = read_blob_unchecked(state, sha)?;
    let got = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&data));
    if !got.eq_ignore_ascii_case(sha) {
        return Err(blob_mismatch(state, sha, &got));
    }
    Ok(data)
}

/// The refusal for blob `sha` whose bytes hash to `got`: raises the `integrity.blob` alarm and returns
/// the `integrity` error naming both hashes and what to do.
pub fn blob_mismatch(state: &NodeState, sha: &str, got: &str) -> (&'static str, String) {
    let msg = format!(
        "blob {sha} does not match its recorded SHA-256 (found {got}): the file in blobs/ was replaced or damaged. Nothing was served; restore it from a backup"
    );
    if let Ok((_, ch)) = state.store.raise_alarm(
        "integrity.blob",
        &msg,
        &format!("blob:{sha}"),
        crate::clock::now(),
    ) {
        state.hub.publish_changes(ch);
    }
    tracing::error!(blob = sha, found = %got, "substituted or damaged blob refused");
    ("integrity", msg)
}

/// Re-hashes the plaintext blob `sha` from disk (streaming, bounded memory). `Ok(None)`: it matches or
/// is not stored in plaintext; `Ok(Some(found))`: it does not match.
pub fn rehash_plain_blob(state: &NodeState, sha: &str) -> std::io::Result<Option<String>> {
    use std::io::Read;
    let mut f = match fs::File::open(state.ingest.blobs().path(sha)) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut h = <sha2::Sha256 as sha2::Digest>::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        sha2::Digest::update(&mut h, &buf[..n]);
    }
    let got = hex::encode(sha2::Digest::finalize(h));
    Ok((!got.eq_ignore_ascii_case(sha)).then_some(got))
}

/// Blob `sha` as a stream for one pass (sealing a kriptogram of a stored attachment): the plaintext
/// file, or the encrypted-at-rest copy decrypted as it is read (64 KiB chunks; never the whole file in
/// memory). The bytes are not checked here: the reader of the one pass re-hashes them against `sha`
/// (`kgm::seal` with `trusted: false`). The stream only supports the rewind to its start before the
/// first read. Errors: `locked` when the keys are needed and not unlocked, `internal` when neither
/// file is readable or the age header does not open.
pub fn blob_stream(
    state: &NodeState,
    sha: &str,
) -> Result<Box<dyn crate::crypto::kgm::ReadSeek>, (&'static str, String)> {
    let blobs = state.ingest.blobs();
    match fs::File::open(blobs.path(sha)) {
        Ok(f) => return Ok(Box::new(f)),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(("internal", format!("blob {sha} unreadable: {e}")));
        }
        Err(_) => {}
    }
    let locked = || {
        (
            "locked",
            "this document is stored encrypted (Terbatas/Rahasia/Sangat Rahasia, or a kriptogram this node sealed) and the node is locked: restart the node with its passphrase (`kasa node --passphrase-file F`)".to_string(),
        )
    };
    let enc = match fs::File::open(blobs.age_path(sha)) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A letter this node sealed: kept only inside the .kgm, with a stanza to its own key.
            let kgm = fs::File::open(blobs.kgm_path(sha)).map_err(|e| {
                (
                    "internal",
                    format!(
                        "blob {sha} is missing in plaintext, encrypted and kriptogram form: {e}"
                    ),
                )
            })?;
            let keys = state.identity.keys().ok_or_else(locked)?;
            let f = crate::crypto::kgm::archived_file(kgm, &keys.encryption)
                .map_err(|e| ("internal", format!("blob {sha} (kriptogram form): {e}")))?;
            return Ok(Box::new(FromStart { inner: f, read: 0 }));
        }
        Err(e) => {
            return Err(("internal", format!("blob {sha} unreadable: {e}")));
        }
    };
    let keys = state.identity.keys().ok_or_else(locked)?;
    let d = Decryptor::new(
        std::io::BufReader::new(enc),
        std::slice::from_ref(&keys.encryption),
    )
    .map_err(|e| ("internal", format!("blob {sha}: {e}")))?;
    Ok(Box::new(FromStart { inner: d, read: 0 }))
}

/// A one-pass reader that accepts a seek only to where it already is (the start, before reading).
struct FromStart<R> {
    inner: R,
    read: u64,
}

impl<R: std::io::Read> std::io::Read for FromStart<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl<R> std::io::Seek for FromStart<R> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        match pos {
            std::io::SeekFrom::Start(p) if p == self.read => Ok(p),
            std::io::SeekFrom::Current(0) => Ok(self.read),
            _ => Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "an encrypted-at-rest blob is read once, from its start",
            )),
        }
    }
}

/// The whole blob `sha` in memory (plaintext, or decrypted): [`blob_stream`] read to its end. The
/// caller checks the hash.
fn read_blob_unchecked(state: &NodeState, sha: &str) -> Result<Vec<u8>, (&'static str, String)> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut blob_stream(state, sha)?, &mut out)
        .map_err(|e| ("internal", format!("blob {sha} failed to decrypt: {e}")))?;
    Ok(out)
}

/// Seals `plain` to the node's own X25519 recipient `to` (age, binary; in memory). Used at ingest for
/// the extracted text and the header suggestions (issue 11 §5): the recipient is the public node card,
/// so no passphrase is needed. Errors: the age encryptor's message.
pub fn seal_bytes(plain: &[u8], to: &crate::crypto::Recipient) -> Result<Vec<u8>, String> {
    let mut w = Encryptor::new(Vec::new(), std::slice::from_ref(to), Armor::Binary)
        .map_err(|e| e.to_string())?;
    w.write_all(plain).map_err(|e| e.to_string())?;
    w.finish().map_err(|e| e.to_string())
}

/// What [`open_sealed`] found for one entry: the text and suggestions sealed at ingest.
#[derive(Debug, Default)]
pub struct Opened {
    pub text: Option<String>,
    pub suggestions: Option<crate::domain::naskah::HeaderSuggestions>,
}

/// The refusal for an entry whose sealed text or suggestions need the node's keys.
pub fn sealed_locked_message() -> String {
    "the extracted text and header suggestions of this entry are sealed to the node's key and the node is locked: unlock it (`kasa node unlock`, or the console's unlock prompt) / teks dan saran tersegel untuk kunci node dan node terkunci: buka dengan `kasa node unlock`".to_string()
}

/// Opens the sealed values of `e` (`e.sealed`): the suggestions, and the text when `with_text`. Each
/// sealed value is checked against the SHA-256 recorded in the entry row before it is decrypted; a
/// mismatch is refused and, with `alarm`, raises an `integrity.text` alarm (`agenda show`; list
/// replies do not, so a refreshing console cannot raise one per refresh). `Ok(None)`: nothing sealed.
/// Errors: `locked` (the node keys are not unlocked; [`sealed_locked_message`]), `integrity`,
/// `internal` (missing or undecryptable).
pub fn open_sealed(
    state: &NodeState,
    e: &crate::domain::Entry,
    with_text: bool,
    alarm: bool,
) -> Result<Option<Opened>, (&'static str, String)> {
    use crate::store::{SEALED_SUGGESTIONS, SEALED_TEXT};
    let Some(d) = &e.sealed else {
        return Ok(None);
    };
    let keys = state
        .identity
        .keys()
        .ok_or(("locked", sealed_locked_message()))?;
    let open = |kind: u8, want: &str| -> Result<Vec<u8>, (&'static str, String)> {
        let what = if kind == SEALED_TEXT {
            "text"
        } else {
            "suggestions"
        };
        let bytes = state
            .store
            .entry_sealed(e.id, kind)
            .map_err(|err| ("internal", err.to_string()))?
            .ok_or((
                "internal",
                format!(
                    "the sealed {what} of entry {} is missing from the database: restore it from a backup",
                    e.id
                ),
            ))?;
        let got = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
        if !got.eq_ignore_ascii_case(want) {
            let msg = format!(
                "the sealed {what} of entry {} does not match the digest its row records (found {got}): it was replaced outside kasa. Nothing was shown; restore the database from a backup",
                e.id
            );
            if alarm
                && let Ok((_, ch)) = state.store.raise_alarm(
                    "integrity.text",
                    &msg,
                    &format!("entry:{}", e.id),
                    crate::clock::now(),
                )
            {
                state.hub.publish_changes(ch);
            }
            return Err(("integrity", msg));
        }
        let mut d = Decryptor::new_auto(bytes.as_slice(), std::slice::from_ref(&keys.encryption))
            .map_err(|err| {
            (
                "internal",
                format!("sealed {what} of entry {}: {err}", e.id),
            )
        })?;
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut d, &mut out).map_err(|err| {
            (
                "internal",
                format!("sealed {what} of entry {}: {err}", e.id),
            )
        })?;
        Ok(out)
    };
    let mut o = Opened::default();
    if let Some(want) = &d.suggestions {
        let b = open(SEALED_SUGGESTIONS, want)?;
        o.suggestions = Some(serde_json::from_slice(&b).map_err(|err| {
            (
                "internal",
                format!("sealed suggestions of entry {}: {err}", e.id),
            )
        })?);
    }
    if with_text && let Some(want) = &d.text {
        let b = open(SEALED_TEXT, want)?;
        o.text = Some(String::from_utf8_lossy(&b).into_owned());
    }
    Ok(Some(o))
}

/// Fills the reply copy of a sealed entry: its suggestions opened and `sealed` cleared. On a locked
/// node the entry is left as stored (`sealed` set tells the client to ask for `kasa node unlock`);
/// other failures are logged (an integrity failure also raised its alarm) and leave it sealed too.
pub fn reveal(state: &NodeState, e: &mut crate::domain::Entry) {
    if e.sealed.is_none() {
        return;
    }
    match open_sealed(state, e, false, false) {
        Ok(Some(o)) => {
            e.suggestions = o.suggestions;
            e.sealed = None;
        }
        Ok(None) | Err(("locked", _)) => {}
        Err((_, m)) => tracing::warn!(entry = e.id, error = %m, "sealed suggestions not opened"),
    }
}

/// [`reveal`] for every entry a reply carries (lists, single entries, kriptogram entries).
pub fn reveal_reply(state: &NodeState, reply: &mut crate::proto::Reply) {
    use crate::proto::Reply;
    match reply {
        Reply::Entry { entry, .. } => reveal(state, entry),
        // Lists open only untriaged scans (their suggestions pre-fill the registration form): one
        // decryption per listed scan, not one per entry of a 2,000-row page. A registered entry's
        // suggestions come with `agenda show`.
        Reply::Entries { entries } => entries
            .iter_mut()
            .filter(|e| e.status == crate::domain::Status::Baru)
            .for_each(|e| reveal(state, e)),
        Reply::KriptogramSealed { entry, .. } | Reply::KriptogramOpened { entry, .. } => {
            reveal(state, entry)
        }
        _ => {}
    }
}
