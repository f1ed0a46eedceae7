//! The `.kgm` kriptogram container (DESIGN §5; byte layout in `docs/kriptogram.md`).
//!
//! ```text
//! "KASA-KGM/2\n"         11 bytes   magic line (version 1: "KASA-KGM/1\n")
//! header_len             u32 BE     1..=65536
//! header                 header_len canonical JSON (fixed field order, no whitespace)
//! age ciphertext         age_len    binary age v1 file to the recipients' X25519 keys
//! signature              64 bytes   Ed25519 over signature_message(SHA-256(every byte above))
//! age_len                u64 BE
//! "KGM/END\n"            8 bytes    end marker
//! ```
//!
//! Version 2 (written since session 11) signs `"kasa/kgm/v2 signature" ‖ SHA-256(file[..age_end])`:
//! the file up to the end of the age ciphertext, header included. SHA-256 runs left to right, so the
//! one stream that hashes the whole file (the replay ledger, the receipts) gives the signed digest
//! on the way. Inside the age encryption: `"KASA-KGM-PAYLOAD/2\n" ‖ u32 BE manifest_len ‖ manifest
//! JSON ‖ file bytes… ‖ 32-byte SHA-256 of each file`, the files concatenated in manifest order with
//! their sizes in the manifest and their digests after them, so a sender reads each file once.
//!
//! Version 1 (still opened, never written): the signed message is `"kasa/kgm/v1 signature" ‖ u32 BE
//! header_len ‖ header ‖ SHA-256(age ciphertext)`, and the payload is `"KASA-KGM-PAYLOAD/1\n" ‖ u32
//! BE manifest_len ‖ manifest JSON (each file with its `sha256`) ‖ file bytes…`.
//!
//! Opening order: format → addressed to this node (before any key use) → known sender with matching
//! fingerprint → in one pass, age decryption into 0600 temporary files while the file is hashed →
//! signature (`verify_strict`) → manifest sizes and hashes → final chunk authenticated → atomic
//! rename of every file. Nothing is released before the last step.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use super::age::{self, AgeError, Armor, Decryptor, Encryptor, Identity, Recipient};
use super::card::{key_id, signing_fingerprint};
use super::fsutil::TempFile;
use super::pipe::{self, HashThread, Pool};

/// Magic line at offset 0 (the version written).
pub const MAGIC: &[u8; 11] = b"KASA-KGM/2\n";
/// Magic line of version 1 (read only).
pub const MAGIC_V1: &[u8; 11] = b"KASA-KGM/1\n";
/// End marker (last 8 bytes).
pub const END_MARKER: &[u8; 8] = b"KGM/END\n";
/// Domain label of the signature.
pub const SIGNATURE_LABEL: &[u8] = b"kasa/kgm/v2 signature";
/// Domain label of the version 1 signature.
pub const SIGNATURE_LABEL_V1: &[u8] = b"kasa/kgm/v1 signature";
/// Magic line of the inner (age-encrypted) payload.
pub const PAYLOAD_MAGIC: &[u8; 19] = b"KASA-KGM-PAYLOAD/2\n";
/// Magic line of the version 1 payload.
pub const PAYLOAD_MAGIC_V1: &[u8; 19] = b"KASA-KGM-PAYLOAD/1\n";
/// Header `format` field value.
pub const FORMAT_NAME: &str = "kasa-kgm";
/// Header `version` field value written (1 is still read).
pub const FORMAT_VERSION: u32 = 2;
/// Largest header in bytes.
pub const MAX_HEADER_LEN: usize = 64 * 1024;
/// Largest manifest in bytes.
pub const MAX_MANIFEST_LEN: usize = 1024 * 1024;
/// Most files in one kriptogram.
pub const MAX_FILES: usize = 10_000;
const TRAILER_LEN: u64 = 64 + 8 + 8;

/// Errors of `.kgm` handling, by class.
#[derive(Debug, thiserror::Error)]
pub enum KgmError {
    /// Not a well-formed `.kgm` (magic, lengths, canonical header, trailer, truncation, trailing bytes).
    #[error("malformed kriptogram: {0}")]
    Format(String),
    /// This node is not among the recipients.
    #[error("kriptogram not addressed to this node; recipients: {}", recipients.join(", "))]
    NotAddressed {
        /// Recipient node ids listed in the header.
        recipients: Vec<String>,
    },
    /// The sender node is unknown, or its signing key differs from the fingerprint in the header.
    #[error("unknown sender {node_id} (or signing key fingerprint mismatch)")]
    UnknownSender {
        /// Sender node id from the header.
        node_id: String,
    },
    /// The Ed25519 signature does not verify (`verify_strict`).
    #[error("kriptogram signature does not verify")]
    BadSignature,
    /// The inner age decryption failed (class in the [`AgeError`]).
    #[error("kriptogram decryption failed: {0}")]
    Decrypt(#[source] AgeError),
    /// The inner manifest or file framing is wrong (sizes, hashes, names, trailing payload).
    #[error("kriptogram manifest error: {0}")]
    Manifest(String),
    /// I/O error.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
}

fn format_err(m: impl Into<String>) -> KgmError {
    KgmError::Format(m.into())
}

/// Security classification (*klasifikasi*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Klasifikasi {
    /// Biasa.
    B,
    /// Terbatas.
    T,
    /// Rahasia.
    R,
    /// Sangat Rahasia.
    SR,
}

/// Speed grade (*derajat kecepatan*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Derajat {
    /// Biasa.
    Biasa,
    /// Segera.
    Segera,
    /// Sangat segera.
    SangatSegera,
    /// Kilat.
    Kilat,
}

/// Sender block of the header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sender {
    /// Sender node id.
    pub node_id: String,
    /// Hex SHA-256 of the sender's Ed25519 verifying key.
    pub signing_key: String,
}

/// One recipient entry of the header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecipientEntry {
    /// Recipient node id.
    pub node_id: String,
    /// Hex SHA-256 of the recipient's X25519 public key.
    pub key_id: String,
}

/// The signed, cleartext `.kgm` header. Field order is the canonical JSON order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Always `"kasa-kgm"`.
    pub format: String,
    /// 2 (1 in files of the first version); always the version of the magic line.
    pub version: u32,
    /// Random 16-byte message id, 32 lowercase hex digits.
    pub msg_id: String,
    /// Creation time, UTC RFC 3339 with seconds and `Z` (`2026-06-01T08:00:00Z`).
    pub created_at: String,
    /// Sender node and signing-key fingerprint.
    pub sender: Sender,
    /// Recipient nodes and key ids, at least one, node ids unique.
    pub recipients: Vec<RecipientEntry>,
    /// Klasifikasi.
    pub klasifikasi: Klasifikasi,
    /// Derajat kecepatan.
    pub derajat: Derajat,
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn valid_node_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 255 && !s.chars().any(char::is_control)
}

impl Header {
    /// The canonical bytes (compact JSON in field order).
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("header serialises")
    }

    /// Parses canonical header bytes: JSON with exactly these fields in this order, no whitespace,
    /// valid values. Errors: [`KgmError::Format`].
    pub fn parse(bytes: &[u8]) -> Result<Header, KgmError> {
        let h: Header =
            serde_json::from_slice(bytes).map_err(|e| format_err(format!("header JSON: {e}")))?;
        if h.to_bytes() != bytes {
            return Err(format_err("header is not in canonical form"));
        }
        h.validate()?;
        Ok(h)
    }

    fn validate(&self) -> Result<(), KgmError> {
        if self.format != FORMAT_NAME {
            return Err(format_err(format!(
                "unknown header format {:?}",
                self.format
            )));
        }
        if self.version > FORMAT_VERSION {
            return Err(format_err(format!(
                "kriptogram format version {} is newer than this kasa reads (1 to {FORMAT_VERSION}): update kasa on this node, then open it again",
                self.version
            )));
        }
        if self.version == 0 {
            return Err(format_err("header version 0 does not exist (1 or 2)"));
        }
        if !is_lower_hex(&self.msg_id, 32) {
            return Err(format_err("msg_id must be 32 lowercase hex digits"));
        }
        let ts: jiff::Timestamp = self
            .created_at
            .parse()
            .map_err(|_| format_err("created_at is not RFC 3339"))?;
        if ts.to_string() != self.created_at || !self.created_at.ends_with('Z') {
            return Err(format_err(
                "created_at must be UTC RFC 3339 in canonical form",
            ));
        }
        if !valid_node_id(&self.sender.node_id) || !is_lower_hex(&self.sender.signing_key, 64) {
            return Err(format_err("invalid sender"));
        }
        if self.recipients.is_empty() || self.recipients.len() > 1024 {
            return Err(format_err("recipient count out of range"));
        }
        for (i, r) in self.recipients.iter().enumerate() {
            if !valid_node_id(&r.node_id) || !is_lower_hex(&r.key_id, 64) {
                return Err(format_err("invalid recipient entry"));
            }
            if self.recipients[..i].iter().any(|o| o.node_id == r.node_id) {
                return Err(format_err("duplicate recipient node id"));
            }
        }
        Ok(())
    }

    /// The message id as bytes.
    pub fn msg_id_bytes(&self) -> [u8; 16] {
        let v = hex::decode(&self.msg_id).expect("validated");
        v.try_into().expect("16 bytes")
    }

    /// Recipient node ids.
    pub fn recipient_ids(&self) -> Vec<String> {
        self.recipients.iter().map(|r| r.node_id.clone()).collect()
    }

    /// The entry for `node_id`, or [`KgmError::NotAddressed`] listing the recipients.
    pub fn addressed_to(&self, node_id: &str) -> Result<&RecipientEntry, KgmError> {
        self.recipients
            .iter()
            .find(|r| r.node_id == node_id)
            .ok_or_else(|| KgmError::NotAddressed {
                recipients: self.recipient_ids(),
            })
    }
}

/// Caller-supplied header fields for [`seal`].
#[derive(Debug, Clone)]
pub struct HeaderFields {
    /// Sender node id.
    pub sender_node_id: String,
    /// Klasifikasi.
    pub klasifikasi: Klasifikasi,
    /// Derajat kecepatan.
    pub derajat: Derajat,
    /// Creation time; `None` = now (truncated to seconds).
    pub created_at: Option<jiff::Timestamp>,
}

/// One file entry of the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    /// File name (a bare name: sanitised on extraction).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Hex SHA-256 of the content. In version 2 it travels after the content (the manifest JSON
    /// leaves it out) and is filled in here once checked.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sha256: String,
}

/// The encrypted manifest: letter metadata and the file list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Nomor surat.
    pub nomor_surat: String,
    /// Perihal.
    pub perihal: String,
    /// Tanggal surat, `YYYY-MM-DD`.
    pub tanggal: String,
    /// Files in payload order.
    pub files: Vec<ManifestFile>,
    /// The sender's exact derajat kecepatan name when it is not one of the four header grades
    /// (e.g. `Penting`; the header then carries the nearest grade that is not slower, §2). Absent in
    /// older files and for the four grades.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derajat_nama: Option<String>,
}

/// Letter metadata for [`seal`] (the file list is computed).
#[derive(Debug, Clone)]
pub struct ManifestFields {
    /// Nomor surat.
    pub nomor_surat: String,
    /// Perihal.
    pub perihal: String,
    /// Tanggal surat, `YYYY-MM-DD`.
    pub tanggal: String,
    /// The exact derajat name when the header grade only approximates it ([`Manifest::derajat_nama`]).
    pub derajat_nama: Option<String>,
}

/// A readable, rewindable source (files, in-memory cursors).
pub trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// One input file for [`seal`]: its name and a reader, read once from its start.
pub struct SealFile<'a> {
    /// Bare file name (no separators, no `..`, no control characters).
    pub name: String,
    /// Content. Its size is taken by seeking to its end (unless `known` gives it); it is then read
    /// once from offset 0.
    pub reader: Box<dyn ReadSeek + 'a>,
    /// Size and SHA-256 of the content when the caller already has them (the node's private staged
    /// copy, a stored blob). The encrypting pass checks both, so a wrong value is refused as a
    /// changed file, never sealed.
    pub known: Option<(u64, [u8; 32])>,
    /// `known` was computed from these very bytes, which only the caller can change (the node's
    /// private staged copy, a content-addressed blob): the content is then not hashed again (the
    /// size is still checked). `false`: the hash is checked too.
    pub trusted: bool,
    /// Also write every byte read to this sink, in the same pass (the node keeps the letter it
    /// sealed as the entry's attachment without reading the client's file twice).
    pub copy: Option<Box<dyn Write + 'a>>,
}

/// What [`seal`] produced.
#[derive(Debug, Clone)]
pub struct Sealed {
    /// The signed header.
    pub header: Header,
    /// The manifest inside the encryption.
    pub manifest: Manifest,
    /// SHA-256 of the whole `.kgm` file (for the replay ledger `(sender, msg_id) → sha256`).
    pub file_sha256: [u8; 32],
    /// Length of the whole `.kgm` file in bytes.
    pub len: u64,
}

/// Makes `name` safe as a bare file name: path separators, control characters and `..` sequences
/// become `_`; empty, `.` and `..` become `_`; at most 255 bytes.
pub fn sanitize_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    while s.contains("..") {
        s = s.replace("..", "_");
    }
    if s.is_empty() || s == "." {
        s = "_".into();
    }
    while s.len() > 255 {
        s.pop();
    }
    s
}

/// The exact message the version 2 Ed25519 signature covers: the label and `prefix_sha256`, the
/// SHA-256 of the file from offset 0 to the end of the age ciphertext ([`prefix_sha256`]).
pub fn signature_message(prefix_sha256: &[u8; 32]) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGNATURE_LABEL.len() + 32);
    m.extend_from_slice(SIGNATURE_LABEL);
    m.extend_from_slice(prefix_sha256);
    m
}

/// The message a version 1 signature covers (label, header length and bytes, SHA-256 of the age
/// ciphertext).
pub fn signature_message_v1(header_bytes: &[u8], age_sha256: &[u8; 32]) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGNATURE_LABEL_V1.len() + 4 + header_bytes.len() + 32);
    m.extend_from_slice(SIGNATURE_LABEL_V1);
    m.extend_from_slice(&(header_bytes.len() as u32).to_be_bytes());
    m.extend_from_slice(header_bytes);
    m.extend_from_slice(age_sha256);
    m
}

/// SHA-256 of the signed prefix of a version 2 file made of `header_bytes` and `age_ciphertext`
/// (magic, header length, header, ciphertext): what [`signature_message`] takes. For tools and
/// tests that build a container with [`assemble`].
pub fn prefix_sha256(header_bytes: &[u8], age_ciphertext: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(MAGIC);
    h.update((header_bytes.len() as u32).to_be_bytes());
    h.update(header_bytes);
    h.update(age_ciphertext);
    h.finalize().into()
}

/// Writes a version 2 container around an already-built header and age ciphertext (low level: for
/// tools and tests; [`seal`] is the normal entry point).
pub fn assemble<W: Write>(
    out: &mut W,
    header_bytes: &[u8],
    age_ciphertext: &[u8],
    signature: &[u8; 64],
) -> io::Result<()> {
    out.write_all(MAGIC)?;
    out.write_all(&(header_bytes.len() as u32).to_be_bytes())?;
    out.write_all(header_bytes)?;
    out.write_all(age_ciphertext)?;
    out.write_all(signature)?;
    out.write_all(&(age_ciphertext.len() as u64).to_be_bytes())?;
    out.write_all(END_MARKER)?;
    Ok(())
}

/// Seals a kriptogram (version 2) to `out`: builds the header (fresh random msg id), encrypts the
/// payload (manifest, files, their SHA-256) with age to every recipient's X25519 key, and signs the
/// file up to the end of the ciphertext with `signer`. Each file is read once, from offset 0, in
/// 1 MiB blocks (its size first, by seeking to its end, unless [`SealFile::known`] gives it); a file
/// whose length differs from that size, or whose content differs from a `known` hash, is refused
/// ([`KgmError::Manifest`]), with [`SealFile::trusted`] only a wrong size is (no hashing). The content
/// hashes and the file hash run on threads of their own while this thread encrypts; the one file
/// hash gives both the signed digest (marked at the end of the ciphertext) and
/// [`Sealed::file_sha256`]. Memory is bounded (a few MiB) whatever the size.
///
/// `recipients`: `(node id, X25519 recipient)` pairs. Errors: [`KgmError::Format`] (invalid fields,
/// no recipients), [`KgmError::Manifest`] (unsafe names, changed files), [`KgmError::Io`] (also a
/// failed [`SealFile::copy`]).
pub fn seal<W: Write>(
    out: &mut W,
    fields: &HeaderFields,
    manifest_fields: &ManifestFields,
    files: Vec<SealFile<'_>>,
    recipients: &[(String, Recipient)],
    signer: &SigningKey,
) -> Result<Sealed, KgmError> {
    seal_archived(
        out,
        fields,
        manifest_fields,
        files,
        recipients,
        None,
        signer,
    )
}

/// [`seal`] with one more age stanza, to `archive`: the sender's own X25519 key, so that the `.kgm`
/// is also the sender's archive copy of the letter ([`archived_file`] reads it back; `docs/kriptogram.md`
/// §7). The header lists only `recipients` (the nodes the letter is addressed to); a recipient sees
/// one stanza it cannot open, as with any multi-recipient age file.
pub fn seal_archived<W: Write>(
    out: &mut W,
    fields: &HeaderFields,
    manifest_fields: &ManifestFields,
    mut files: Vec<SealFile<'_>>,
    recipients: &[(String, Recipient)],
    archive: Option<&Recipient>,
    signer: &SigningKey,
) -> Result<Sealed, KgmError> {
    let mut msg_id = [0u8; 16];
    getrandom::fill(&mut msg_id).map_err(|e| io::Error::other(e.to_string()))?;
    let created = fields.created_at.unwrap_or_else(crate::clock::now);
    let created =
        jiff::Timestamp::from_second(created.as_second()).map_err(|e| format_err(e.to_string()))?;
    let header = Header {
        format: FORMAT_NAME.into(),
        version: FORMAT_VERSION,
        msg_id: hex::encode(msg_id),
        created_at: created.to_string(),
        sender: Sender {
            node_id: fields.sender_node_id.clone(),
            signing_key: signing_fingerprint(&signer.verifying_key()),
        },
        recipients: recipients
            .iter()
            .map(|(id, r)| RecipientEntry {
                node_id: id.clone(),
                key_id: key_id(r),
            })
            .collect(),
        klasifikasi: fields.klasifikasi,
        derajat: fields.derajat,
    };
    header.validate()?;
    let header_bytes = header.to_bytes();
    if header_bytes.len() > MAX_HEADER_LEN {
        return Err(format_err("header too large"));
    }
    if files.len() > MAX_FILES {
        return Err(KgmError::Manifest("too many files".into()));
    }
    jiff::civil::Date::strptime("%Y-%m-%d", &manifest_fields.tanggal)
        .map_err(|_| KgmError::Manifest("tanggal must be YYYY-MM-DD".into()))?;
    let mut entries = Vec::with_capacity(files.len());
    for f in files.iter_mut() {
        if sanitize_name(&f.name) != f.name {
            return Err(KgmError::Manifest(format!("unsafe file name {:?}", f.name)));
        }
        if entries.iter().any(|e: &ManifestFile| e.name == f.name) {
            return Err(KgmError::Manifest(format!(
                "duplicate file name {:?}",
                f.name
            )));
        }
        let size = match f.known {
            Some((size, _)) => size,
            None => f.reader.seek(SeekFrom::End(0))?,
        };
        f.reader.seek(SeekFrom::Start(0))?;
        entries.push(ManifestFile {
            name: f.name.clone(),
            size,
            sha256: String::new(),
        });
    }
    let mut manifest = Manifest {
        nomor_surat: manifest_fields.nomor_surat.clone(),
        perihal: manifest_fields.perihal.clone(),
        tanggal: manifest_fields.tanggal.clone(),
        files: entries,
        derajat_nama: manifest_fields.derajat_nama.clone(),
    };
    // Version 2: the manifest JSON carries no hashes (they follow the content).
    let manifest_bytes = serde_json::to_vec(&manifest).expect("manifest serialises");
    if manifest_bytes.len() > MAX_MANIFEST_LEN {
        return Err(KgmError::Manifest("manifest too large".into()));
    }

    let mut w = BlockTee::new(out)?;
    w.write_all(MAGIC)?;
    w.write_all(&(header_bytes.len() as u32).to_be_bytes())?;
    w.write_all(&header_bytes)?;
    w.age_start = Some(w.offset());
    let mut keys: Vec<Recipient> = recipients.iter().map(|(_, r)| *r).collect();
    keys.extend(archive.copied());
    {
        let mut enc = Encryptor::new(&mut w, &keys, Armor::Binary).map_err(KgmError::Decrypt)?;
        enc.write_all(PAYLOAD_MAGIC)?;
        enc.write_all(&(manifest_bytes.len() as u32).to_be_bytes())?;
        enc.write_all(&manifest_bytes)?;
        let mut pool = Pool::default();
        let mut digests = Vec::with_capacity(32 * files.len());
        for (f, e) in files.iter_mut().zip(manifest.files.iter_mut()) {
            // The content is hashed on a thread of its own while this one encrypts it (unless the
            // caller's known hash is of its own private bytes).
            let h = match f.known {
                Some(_) if f.trusted => None,
                _ => Some(HashThread::spawn()?),
            };
            let mut src = f.reader.as_mut().take(e.size + 1);
            let mut n_total = 0u64;
            loop {
                let mut b = pool.get();
                let n = pipe::read_full(&mut src, pipe::block_mut(&mut b))?;
                if n == 0 {
                    break;
                }
                n_total += n as u64;
                if n_total > e.size {
                    break;
                }
                if let Some(h) = &h {
                    h.update(&b, 0..n);
                }
                if let Some(c) = f.copy.as_mut() {
                    c.write_all(&b[..n])?;
                }
                enc.write_all(&b[..n])?;
                pool.put(b);
            }
            let sha = match (h, f.known) {
                (Some(h), _) => h.finish()?,
                (None, Some((_, k))) => k,
                (None, None) => unreachable!("no hash only with a known one"),
            };
            let sha_ok = f.known.is_none_or(|(_, k)| k == sha);
            if n_total != e.size || !sha_ok {
                return Err(KgmError::Manifest(format!(
                    "file {:?} changed while sealing",
                    e.name
                )));
            }
            if let Some(c) = f.copy.as_mut() {
                c.flush()?;
            }
            e.sha256 = hex::encode(sha);
            digests.extend_from_slice(&sha);
        }
        enc.write_all(&digests)?;
        enc.finish().map_err(KgmError::Decrypt)?;
    }
    let (age_len, prefix_sha) = w.end_signed()?;
    let sig = signer.sign(&signature_message(&prefix_sha));
    w.write_all(&sig.to_bytes())?;
    w.write_all(&age_len.to_be_bytes())?;
    w.write_all(END_MARKER)?;
    let (len, file_sha256) = w.finish()?;
    Ok(Sealed {
        header,
        manifest,
        file_sha256,
        len,
    })
}

/// The writer under [`seal`]: gathers output into 1 MiB blocks, writes each block once to `out`
/// and hands it to the file hashing thread, which marks the end of the signed part
/// ([`BlockTee::end_signed`]).
struct BlockTee<'w, W: Write> {
    out: &'w mut W,
    pool: Pool,
    block: pipe::Block,
    fill: usize,
    /// Offset of the start of `block` in the output.
    base: u64,
    /// Offset where the age ciphertext starts (the header's end), set at the first age byte.
    age_start: Option<u64>,
    file_hash: Option<HashThread>,
}

impl<'w, W: Write> BlockTee<'w, W> {
    fn new(out: &'w mut W) -> io::Result<Self> {
        let mut pool = Pool::default();
        let block = pool.get();
        Ok(BlockTee {
            out,
            pool,
            block,
            fill: 0,
            base: 0,
            age_start: None,
            file_hash: Some(HashThread::spawn()?),
        })
    }

    fn offset(&self) -> u64 {
        self.base + self.fill as u64
    }

    /// Writes the gathered block out and queues it for hashing.
    fn push(&mut self) -> io::Result<()> {
        if self.fill == 0 {
            return Ok(());
        }
        let n = self.fill;
        self.out.write_all(&self.block[..n])?;
        if let Some(h) = &self.file_hash {
            h.update(&self.block, 0..n);
        }
        let full = std::mem::replace(&mut self.block, self.pool.get());
        self.pool.put(full);
        self.base += n as u64;
        self.fill = 0;
        Ok(())
    }

    /// Ends the signed part (magic, header, age ciphertext) here: returns the length of the age
    /// ciphertext and the SHA-256 of everything written so far.
    fn end_signed(&mut self) -> io::Result<(u64, [u8; 32])> {
        self.push()?;
        let age_start = self
            .age_start
            .ok_or_else(|| io::Error::other("no age part"))?;
        let h = self
            .file_hash
            .as_ref()
            .ok_or_else(|| io::Error::other("output already finished"))?;
        // The stream goes on behind the mark for the whole-file hash.
        Ok((self.base - age_start, h.mark().wait()?))
    }

    /// Flushes everything; returns the total length and the SHA-256 of the whole output.
    fn finish(mut self) -> io::Result<(u64, [u8; 32])> {
        self.push()?;
        self.out.flush()?;
        let h = self
            .file_hash
            .take()
            .ok_or_else(|| io::Error::other("output finished twice"))?;
        Ok((self.base, h.finish()?))
    }
}

impl<W: Write> Write for BlockTee<'_, W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut rest = data;
        while !rest.is_empty() {
            if self.fill == pipe::BLOCK {
                self.push()?;
            }
            let b = pipe::block_mut(&mut self.block);
            let take = (pipe::BLOCK - self.fill).min(rest.len());
            b[self.fill..self.fill + take].copy_from_slice(&rest[..take]);
            self.fill += take;
            rest = &rest[take..];
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The container version a magic line names (`None`: not a kriptogram).
fn version_of(magic: &[u8]) -> Option<u32> {
    if magic == MAGIC {
        Some(2)
    } else if magic == MAGIC_V1 {
        Some(1)
    } else {
        None
    }
}

/// The refusal of a magic line that is not one this kasa reads: a later container version is named
/// as such (update kasa), anything else is not a kriptogram.
fn bad_magic(magic: &[u8]) -> KgmError {
    format_err(bad_magic_message(magic))
}

fn bad_magic_message(magic: &[u8]) -> String {
    match magic {
        [
            b'K',
            b'A',
            b'S',
            b'A',
            b'-',
            b'K',
            b'G',
            b'M',
            b'/',
            v,
            b'\n',
        ] if v.is_ascii_digit() => {
            format!(
                "kriptogram format version {} is newer than this kasa reads (1 to {FORMAT_VERSION}): update kasa on this node, then open it again",
                *v as char
            )
        }
        _ => "not a kriptogram (bad magic line)".into(),
    }
}

/// The header at `bytes`, checked against the magic line's version.
fn parse_header_of(version: u32, bytes: &[u8]) -> Result<Header, KgmError> {
    let header = Header::parse(bytes)?;
    if header.version != version {
        return Err(format_err(format!(
            "header says version {} but the magic line says {version}",
            header.version
        )));
    }
    Ok(header)
}

/// The located parts of a `.kgm` file.
struct Parts {
    version: u32,
    header: Header,
    header_bytes: Vec<u8>,
    age_start: u64,
    age_len: u64,
    signature: [u8; 64],
}

fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, at)
}

/// Locates the parts of the `.kgm` in `file` by positioned reads (head and trailer only; the file
/// position is not used, so a descriptor shared with another process works).
fn read_parts_of(file: &File) -> Result<Parts, KgmError> {
    let total = file.metadata()?.len();
    let mut head = [0u8; 15];
    read_exact_at(file, &mut head, 0).map_err(|_| format_err("too short for a kriptogram"))?;
    let version = version_of(&head[..11]).ok_or_else(|| bad_magic(&head[..11]))?;
    let header_len = u32::from_be_bytes(head[11..15].try_into().expect("4")) as usize;
    if header_len == 0 || header_len > MAX_HEADER_LEN {
        return Err(format_err("header length out of range"));
    }
    let mut header_bytes = vec![0u8; header_len];
    read_exact_at(file, &mut header_bytes, 15).map_err(|_| format_err("truncated header"))?;
    let header = parse_header_of(version, &header_bytes)?;
    let age_start = 15 + header_len as u64;
    if total < age_start + TRAILER_LEN {
        return Err(format_err("truncated: no trailer"));
    }
    let mut trailer = [0u8; TRAILER_LEN as usize];
    read_exact_at(file, &mut trailer, total - TRAILER_LEN)?;
    if &trailer[72..] != END_MARKER {
        return Err(format_err(
            "missing end marker (truncated or trailing bytes)",
        ));
    }
    let age_len = u64::from_be_bytes(trailer[64..72].try_into().expect("8"));
    if age_start
        .checked_add(age_len)
        .and_then(|v| v.checked_add(TRAILER_LEN))
        != Some(total)
    {
        return Err(format_err("length mismatch (truncated or trailing bytes)"));
    }
    let signature: [u8; 64] = trailer[..64].try_into().expect("64");
    Ok(Parts {
        version,
        header,
        header_bytes,
        age_start,
        age_len,
        signature,
    })
}

fn read_parts(path: &Path) -> Result<(File, Parts), KgmError> {
    let file = File::open(path)?;
    let parts = read_parts_of(&file)?;
    Ok((file, parts))
}

/// Parses the cleartext header only (no keys needed): used to say "not addressed to this node;
/// recipients: …" before any passphrase prompt. Checks magic, canonical header and container lengths.
pub fn inspect(path: &Path) -> Result<Header, KgmError> {
    Ok(read_parts(path)?.1.header)
}

/// Like [`inspect`] on an open file (positioned reads of the head and the 80-byte trailer only).
pub fn inspect_file(file: &File) -> Result<Header, KgmError> {
    Ok(read_parts_of(file)?.header)
}

/// Parses a header from bytes (what [`inspect`] does after reading the file); for fuzzing.
pub fn inspect_bytes(data: &[u8]) -> Result<Header, KgmError> {
    let version = (data.len() >= 15)
        .then(|| version_of(&data[..11]))
        .flatten()
        .ok_or_else(|| bad_magic(&data[..data.len().min(11)]))?;
    let header_len = u32::from_be_bytes(data[11..15].try_into().expect("4")) as usize;
    if header_len == 0 || header_len > MAX_HEADER_LEN || data.len() < 15 + header_len {
        return Err(format_err("header length out of range"));
    }
    parse_header_of(version, &data[15..15 + header_len])
}

/// A header whose signature verified.
#[derive(Debug, Clone)]
pub struct VerifiedHeader {
    /// The header.
    pub header: Header,
    /// The sender's verifying key (from the lookup).
    pub sender_key: VerifyingKey,
    /// The digest the signature covers: version 2, SHA-256 of the file up to the end of the age
    /// ciphertext; version 1, SHA-256 of the age ciphertext.
    pub signed_sha256: [u8; 32],
    /// SHA-256 of the whole `.kgm` file (for the replay ledger).
    pub file_sha256: [u8; 32],
}

fn sender_key(
    header: &Header,
    known_senders: &dyn Fn(&str) -> Option<VerifyingKey>,
) -> Result<VerifyingKey, KgmError> {
    let unknown = || KgmError::UnknownSender {
        node_id: header.sender.node_id.clone(),
    };
    let key = known_senders(&header.sender.node_id).ok_or_else(unknown)?;
    if signing_fingerprint(&key) != header.sender.signing_key {
        return Err(unknown());
    }
    Ok(key)
}

/// One pass over a `.kgm` file: reads it from offset 0 to its end in 1 MiB blocks (positioned
/// reads), hands every block to the whole-file hashing thread (which marks the end of the signed
/// part; version 1 also hashes the age part on a second thread), and serves the age part as a
/// `Read` (to the decryptor). Each byte is read once.
struct Scan<'f> {
    file: &'f File,
    total: u64,
    age_end: u64,
    /// File offset of the next block to read.
    next: u64,
    pool: Pool,
    block: Option<pipe::Block>,
    block_base: u64,
    block_len: usize,
    /// Next age byte to serve (file offset).
    cursor: u64,
    hashes: SignedHashes,
}

/// The hashes of one reading of a `.kgm`, fed in file order: the whole file, and the digest the
/// signature covers (version 2: a mark at the end of the age ciphertext in the same stream;
/// version 1: the age ciphertext on a thread of its own).
struct SignedHashes {
    age_start: u64,
    age_end: u64,
    file: HashThread,
    signed: Option<pipe::Mark>,
    age_v1: Option<HashThread>,
}

impl SignedHashes {
    fn new(version: u32, age_start: u64, age_end: u64) -> io::Result<SignedHashes> {
        Ok(SignedHashes {
            age_start,
            age_end,
            file: HashThread::spawn()?,
            signed: None,
            age_v1: if version == 1 {
                Some(HashThread::spawn()?)
            } else {
                None
            },
        })
    }

    /// Hashes `b[..n]`, the bytes at file offset `base`.
    fn update(&mut self, b: &pipe::Block, base: u64, n: usize) {
        let end = base + n as u64;
        if self.signed.is_none() && self.age_v1.is_none() && (base..end).contains(&self.age_end) {
            let k = (self.age_end - base) as usize;
            self.file.update(b, 0..k);
            self.signed = Some(self.file.mark());
            self.file.update(b, k..n);
        } else {
            self.file.update(b, 0..n);
        }
        if let Some(h) = &self.age_v1 {
            let lo = self.age_start.clamp(base, end) - base;
            let hi = self.age_end.clamp(base, end) - base;
            h.update(b, lo as usize..hi as usize);
        }
    }

    /// Returns (the signed digest, SHA-256 of the whole file). A file that ended before the end of
    /// its signed part gives zeros for the signed digest (its lengths are refused anyway).
    fn finish(self) -> io::Result<([u8; 32], [u8; 32])> {
        let signed = match (self.age_v1, self.signed) {
            (Some(h), _) => h.finish()?,
            (None, Some(m)) => m.wait()?,
            (None, None) => [0u8; 32],
        };
        Ok((signed, self.file.finish()?))
    }
}

impl<'f> Scan<'f> {
    fn new(file: &'f File, parts: &Parts) -> io::Result<Scan<'f>> {
        let age_end = parts.age_start + parts.age_len;
        Ok(Scan {
            file,
            total: age_end + TRAILER_LEN,
            age_end,
            next: 0,
            pool: Pool::default(),
            block: None,
            block_base: 0,
            block_len: 0,
            cursor: parts.age_start,
            hashes: SignedHashes::new(parts.version, parts.age_start, age_end)?,
        })
    }

    /// Reads and hashes the next block; `false` at the end of the file.
    fn advance(&mut self) -> io::Result<bool> {
        if self.next >= self.total {
            return Ok(false);
        }
        if let Some(old) = self.block.take() {
            self.pool.put(old);
        }
        let mut b = self.pool.get();
        let n = (self.total - self.next).min(pipe::BLOCK as u64) as usize;
        read_exact_at(self.file, &mut pipe::block_mut(&mut b)[..n], self.next).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                io::Error::new(e.kind(), "the file shrank while it was being read")
            } else {
                e
            }
        })?;
        self.hashes.update(&b, self.next, n);
        self.block_base = self.next;
        self.block_len = n;
        self.block = Some(b);
        self.next += n as u64;
        Ok(true)
    }

    /// Reads the rest of the file; returns (the signed digest, SHA-256 of the whole file).
    fn finish(mut self) -> io::Result<([u8; 32], [u8; 32])> {
        while self.advance()? {}
        self.block = None;
        self.hashes.finish()
    }
}

impl Read for Scan<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() || self.cursor >= self.age_end {
            return Ok(0);
        }
        while self.cursor >= self.block_base + self.block_len as u64 || self.block.is_none() {
            if !self.advance()? {
                return Ok(0);
            }
        }
        let b = self.block.as_ref().expect("loaded");
        let from = (self.cursor - self.block_base) as usize;
        let to = ((self.age_end - self.block_base) as usize).min(self.block_len);
        let n = (to - from).min(out.len());
        out[..n].copy_from_slice(&b[from..from + n]);
        self.cursor += n as u64;
        Ok(n)
    }
}

fn check_signature(
    parts: &Parts,
    key: &VerifyingKey,
    signed_sha256: &[u8; 32],
) -> Result<(), KgmError> {
    let sig = Signature::from_bytes(&parts.signature);
    let message = match parts.version {
        1 => signature_message_v1(&parts.header_bytes, signed_sha256),
        _ => signature_message(signed_sha256),
    };
    key.verify_strict(&message, &sig)
        .map_err(|_| KgmError::BadSignature)
}

/// Verifies format, known sender (the lookup maps a node id to its verifying key; the key's
/// fingerprint must equal the header's) and the signature (`verify_strict`) over the signed digest
/// (version 2: SHA-256 of the file up to the end of the ciphertext; version 1: the header and the
/// SHA-256 of the ciphertext). No secret key is used; whether the file is addressed to this node is
/// checked by [`Header::addressed_to`] (and by [`open`]). Reads the file once (1 MiB blocks, hashed
/// on a thread of its own).
///
/// Errors: [`KgmError::Format`], [`KgmError::UnknownSender`], [`KgmError::BadSignature`], I/O.
pub fn verify(
    path: &Path,
    known_senders: &dyn Fn(&str) -> Option<VerifyingKey>,
) -> Result<VerifiedHeader, KgmError> {
    verify_file(&File::open(path)?, known_senders)
}

/// [`verify`] on an open file (positioned reads; the file position is not used).
pub fn verify_file(
    file: &File,
    known_senders: &dyn Fn(&str) -> Option<VerifyingKey>,
) -> Result<VerifiedHeader, KgmError> {
    let parts = read_parts_of(file)?;
    let key = sender_key(&parts.header, known_senders)?;
    let (signed_sha256, file_sha256) = Scan::new(file, &parts)?.finish()?;
    check_signature(&parts, &key, &signed_sha256)?;
    Ok(VerifiedHeader {
        header: parts.header,
        sender_key: key,
        signed_sha256,
        file_sha256,
    })
}

/// Verification while the bytes arrive (the link): feed the `.kgm` in order with
/// [`StreamVerifier::update`], then [`StreamVerifier::finish`] gives the hashes and
/// [`Streamed::verify`] checks lengths, header, sender and signature. The hashes run on threads of
/// their own (one for version 2, whose signed digest is marked in the file hash's stream at the
/// announced end of the ciphertext); memory is bounded (the header, at most 64 KiB, the 80 trailer
/// bytes and a few 1 MiB blocks in flight).
pub struct StreamVerifier {
    total: u64,
    got: u64,
    head: Vec<u8>,
    version: u32,
    age_start: Option<u64>,
    bad: Option<String>,
    tail: Vec<u8>,
    pool: Pool,
    hashes: SignedHashes,
}

/// What [`StreamVerifier::finish`] saw: the hashes and the parts to verify.
pub struct Streamed {
    /// SHA-256 of every byte fed, in order.
    pub file_sha256: [u8; 32],
    /// Bytes fed.
    pub len: u64,
    total: u64,
    signed_sha256: [u8; 32],
    head: Vec<u8>,
    version: u32,
    age_start: Option<u64>,
    bad: Option<String>,
    tail: Vec<u8>,
}

impl StreamVerifier {
    /// A verifier for a `.kgm` announced as `total` bytes. Errors: a hashing thread could not start.
    pub fn new(total: u64) -> io::Result<StreamVerifier> {
        Ok(StreamVerifier {
            total,
            got: 0,
            head: Vec::new(),
            version: 0,
            age_start: None,
            bad: None,
            tail: Vec::with_capacity(TRAILER_LEN as usize),
            pool: Pool::default(),
            // The age part starts after the header (not known yet); only version 1 needs it.
            hashes: SignedHashes::new(2, 0, total.saturating_sub(TRAILER_LEN))?,
        })
    }

    /// Feeds the next bytes (bytes beyond the announced total are hashed but make the result
    /// malformed; a bad magic line or header length is reported by [`Streamed::verify`]).
    pub fn update(&mut self, data: &[u8]) {
        let mut rest = data;
        while !rest.is_empty() {
            let n = rest.len().min(pipe::BLOCK);
            let mut b = self.pool.get();
            pipe::block_mut(&mut b)[..n].copy_from_slice(&rest[..n]);
            self.update_block(&b, n);
            self.pool.put(b);
            rest = &rest[n..];
        }
    }

    /// [`StreamVerifier::update`] with the next `n` bytes already in a block (`b[..n]`, `n` at most
    /// [`pipe::BLOCK`]): hashed from that block, without a copy. The caller must not change the
    /// block while the hashing thread holds it (take the next one from a [`pipe::Pool`]).
    pub fn update_block(&mut self, b: &pipe::Block, n: usize) {
        let data = &b[..n];
        let mut i = 0;
        while self.age_start.is_none() && self.bad.is_none() && i < data.len() {
            let want = if self.head.len() < 15 {
                15
            } else {
                15 + u32::from_be_bytes(self.head[11..15].try_into().expect("4")) as usize
            };
            let take = (want - self.head.len()).min(data.len() - i);
            self.head.extend_from_slice(&data[i..i + take]);
            i += take;
            if self.head.len() == 15 {
                let hl = u32::from_be_bytes(self.head[11..15].try_into().expect("4")) as usize;
                match version_of(&self.head[..11]) {
                    None => self.bad = Some(bad_magic_message(&self.head[..11])),
                    Some(_) if hl == 0 || hl > MAX_HEADER_LEN => {
                        self.bad = Some("header length out of range".into())
                    }
                    Some(v) => self.version = v,
                }
            } else if self.head.len() == want {
                self.age_start = Some(want as u64);
                if self.version == 1 {
                    // Version 1 signs the age part alone: hashed from here on a thread of its own.
                    self.hashes.age_start = want as u64;
                    match HashThread::spawn() {
                        Ok(h) => self.hashes.age_v1 = Some(h),
                        Err(e) => self.bad = Some(format!("hashing thread: {e}")),
                    }
                }
            }
        }
        let tail_from = self.total.saturating_sub(TRAILER_LEN);
        let base = self.got;
        let end = base + n as u64;
        self.hashes.update(b, base, n);
        if end > tail_from && self.tail.len() < TRAILER_LEN as usize {
            let s = tail_from.saturating_sub(base) as usize;
            let e = n.min(s + TRAILER_LEN as usize - self.tail.len());
            self.tail.extend_from_slice(&data[s..e]);
        }
        self.got = end;
    }

    /// Waits for the hashes. Errors: a hashing thread failed.
    pub fn finish(self) -> io::Result<Streamed> {
        let (signed_sha256, file_sha256) = self.hashes.finish()?;
        Ok(Streamed {
            signed_sha256,
            file_sha256,
            len: self.got,
            total: self.total,
            head: self.head,
            version: self.version,
            age_start: self.age_start,
            bad: self.bad,
            tail: self.tail,
        })
    }
}

impl Streamed {
    /// Checks what arrived: complete, canonical header, trailer and lengths, known sender,
    /// signature. Errors: [`KgmError::Format`], [`KgmError::UnknownSender`],
    /// [`KgmError::BadSignature`].
    pub fn verify(
        self,
        known_senders: &dyn Fn(&str) -> Option<VerifyingKey>,
    ) -> Result<VerifiedHeader, KgmError> {
        if let Some(m) = self.bad {
            return Err(format_err(m));
        }
        if self.len != self.total {
            return Err(format_err("length differs from the announced size"));
        }
        let Some(age_start) = self.age_start else {
            return Err(format_err("truncated header"));
        };
        let header_bytes = self.head[15..].to_vec();
        let header = parse_header_of(self.version, &header_bytes)?;
        if self.total < age_start + TRAILER_LEN || self.tail.len() != TRAILER_LEN as usize {
            return Err(format_err("truncated: no trailer"));
        }
        if &self.tail[72..] != END_MARKER {
            return Err(format_err(
                "missing end marker (truncated or trailing bytes)",
            ));
        }
        let age_len = u64::from_be_bytes(self.tail[64..72].try_into().expect("8"));
        if age_start
            .checked_add(age_len)
            .and_then(|v| v.checked_add(TRAILER_LEN))
            != Some(self.total)
        {
            return Err(format_err("length mismatch (truncated or trailing bytes)"));
        }
        let parts = Parts {
            version: self.version,
            header,
            header_bytes,
            age_start,
            age_len,
            signature: self.tail[..64].try_into().expect("64"),
        };
        let key = sender_key(&parts.header, known_senders)?;
        check_signature(&parts, &key, &self.signed_sha256)?;
        Ok(VerifiedHeader {
            header: parts.header,
            sender_key: key,
            signed_sha256: self.signed_sha256,
            file_sha256: self.file_sha256,
        })
    }
}

/// The result of [`open`].
#[derive(Debug, Clone)]
pub struct Opened {
    /// The verified header.
    pub header: Header,
    /// The manifest.
    pub manifest: Manifest,
    /// Paths of the released files in manifest order (sanitised names in `out_dir`).
    pub files: Vec<PathBuf>,
    /// Message id (for the replay ledger).
    pub msg_id: [u8; 16],
    /// SHA-256 of the whole `.kgm` file (for the replay ledger).
    pub file_sha256: [u8; 32],
}

fn read_exact_payload<R: Read>(r: &mut R, buf: &mut [u8], what: &str) -> Result<(), KgmError> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => return Err(KgmError::Manifest(format!("payload ends inside {what}"))),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(KgmError::Decrypt(AgeError::from_io(e))),
        }
    }
    Ok(())
}

/// Opens a kriptogram addressed to `my_node_id`: checks in order format, addressed (before any key
/// use), known sender, then in one pass over the file decrypts with `identity` into 0600 temporary
/// files in `out_dir` (1 MiB writes, write-back started as it goes) while the file is hashed on
/// another thread (each file's content on one more); then the signature over the signed digest
/// (version 2: the file up to the end of the ciphertext; version 1: header and ciphertext hash),
/// every file's size and SHA-256 (version 2: the digests after the content; version 1: the
/// manifest), the final age chunk; only then the files are fsynced
/// once and renamed to their sanitised names. A bad signature is reported as such even when the
/// tampering also broke the decryption. Existing files in `out_dir` are never overwritten
/// (`Io(AlreadyExists)`). Memory is bounded (a few MiB) whatever the size.
///
/// Errors: [`KgmError::Format`], [`KgmError::NotAddressed`], [`KgmError::UnknownSender`],
/// [`KgmError::BadSignature`], [`KgmError::Decrypt`], [`KgmError::Manifest`], [`KgmError::Io`].
pub fn open(
    path: &Path,
    my_node_id: &str,
    identity: &Identity,
    known_senders: &dyn Fn(&str) -> Option<VerifyingKey>,
    out_dir: &Path,
) -> Result<Opened, KgmError> {
    let file = File::open(path)?;
    open_file(&file, my_node_id, identity, known_senders, out_dir)
}

/// [`open`] on an open file (positioned reads; the file position is not used): a descriptor handed
/// over by a client, a file in the drop folder.
pub fn open_file(
    file: &File,
    my_node_id: &str,
    identity: &Identity,
    known_senders: &dyn Fn(&str) -> Option<VerifyingKey>,
    out_dir: &Path,
) -> Result<Opened, KgmError> {
    let parts = read_parts_of(file)?;
    parts.header.addressed_to(my_node_id)?;
    let key = sender_key(&parts.header, known_senders)?;
    // Addressed to this node id but to another key (e.g. before a key rotation): no match, told
    // after the signature (a flipped key id is tampering).
    let key_matches =
        parts.header.addressed_to(my_node_id)?.key_id == key_id(&identity.recipient());
    let mut scan = Scan::new(file, &parts)?;
    let payload = if key_matches {
        decrypt_payload(&mut scan, parts.version, identity, out_dir)
    } else {
        Err(KgmError::Decrypt(AgeError::NoMatch))
    };
    let hashes = scan.finish();
    let (signed_sha256, file_sha256) = match hashes {
        Ok(h) => h,
        Err(e) => return Err(KgmError::Io(e)),
    };
    // The signature first: tampering is named as such even when it also broke the decryption.
    check_signature(&parts, &key, &signed_sha256)?;
    let (manifest, temps, dests) = payload?;
    for dest in &dests {
        if dest.exists() {
            return Err(KgmError::Io(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} already exists", dest.display()),
            )));
        }
    }
    for (tmp, dest) in temps.into_iter().zip(&dests) {
        tmp.persist_noclobber(dest)?;
    }
    Ok(Opened {
        msg_id: parts.header.msg_id_bytes(),
        header: parts.header,
        manifest,
        files: dests,
        file_sha256,
    })
}

type Payload = (Manifest, Vec<TempFile>, Vec<PathBuf>);

/// Decrypts the payload (of container `version`) served by `src` into temporary files beside
/// their destinations in `out_dir` and checks manifest, sizes, hashes and the end of the age
/// stream. Nothing is released. The returned manifest carries every file's SHA-256 (version 2:
/// from the digests after the content, once they matched).
fn decrypt_payload<R: Read>(
    src: R,
    version: u32,
    identity: &Identity,
    out_dir: &Path,
) -> Result<Payload, KgmError> {
    let mut dec = Decryptor::new(src, std::slice::from_ref(identity)).map_err(KgmError::Decrypt)?;
    let mut manifest = read_manifest(&mut dec, version)?;
    if manifest.files.len() > MAX_FILES {
        return Err(KgmError::Manifest("too many files".into()));
    }
    let mut names: Vec<String> = Vec::new();
    for f in &manifest.files {
        let n = sanitize_name(&f.name);
        if names.contains(&n) {
            return Err(KgmError::Manifest(format!("duplicate file name {n:?}")));
        }
        if version == 1 && !is_lower_hex(&f.sha256, 64) {
            return Err(KgmError::Manifest(
                "file sha256 must be 64 lowercase hex digits".into(),
            ));
        }
        if version != 1 && !f.sha256.is_empty() {
            return Err(KgmError::Manifest(
                "a version 2 manifest carries no sha256 (the digests follow the files)".into(),
            ));
        }
        names.push(n);
    }
    let dests: Vec<PathBuf> = names.iter().map(|n| out_dir.join(n)).collect();
    let mut temps = Vec::with_capacity(dests.len());
    let mut computed = Vec::with_capacity(dests.len());
    let mut pool = Pool::default();
    for (f, dest) in manifest.files.iter().zip(&dests) {
        let tmp = TempFile::new_beside(dest)?;
        let h = HashThread::spawn()?;
        let mut left = f.size;
        {
            let mut w = pipe::WritebackFile::new(tmp.file());
            while left > 0 {
                let want = left.min(pipe::BLOCK as u64) as usize;
                let mut b = pool.get();
                read_exact_payload(&mut dec, &mut pipe::block_mut(&mut b)[..want], "a file")?;
                h.update(&b, 0..want);
                w.write_all(&b[..want])?;
                pool.put(b);
                left -= want as u64;
            }
        }
        let sha = h.finish()?;
        if version == 1 && hex::encode(sha) != f.sha256 {
            return Err(KgmError::Manifest(format!(
                "SHA-256 of {:?} does not match",
                f.name
            )));
        }
        computed.push(sha);
        temps.push(tmp);
    }
    if version != 1 {
        for (f, sha) in manifest.files.iter_mut().zip(&computed) {
            let mut told = [0u8; 32];
            read_exact_payload(&mut dec, &mut told, "the file digests")?;
            if &told != sha {
                return Err(KgmError::Manifest(format!(
                    "SHA-256 of {:?} does not match",
                    f.name
                )));
            }
            f.sha256 = hex::encode(sha);
        }
    }
    // The end: the final chunk must authenticate and no payload may follow the last file.
    let mut one = [0u8; 1];
    match dec.read(&mut one) {
        Ok(0) => {}
        Ok(_) => {
            return Err(KgmError::Manifest(
                "payload continues after the last file".into(),
            ));
        }
        Err(e) => return Err(KgmError::Decrypt(AgeError::from_io(e))),
    }
    Ok((manifest, temps, dests))
}

/// Reads the start of a decrypted payload of container `version`: the magic line, the manifest
/// length (at most [`MAX_MANIFEST_LEN`]) and the manifest JSON. Errors: [`KgmError::Manifest`] (bad
/// magic, too large, bad JSON, the payload ends early), [`KgmError::Decrypt`].
fn read_manifest<R: Read>(dec: &mut R, version: u32) -> Result<Manifest, KgmError> {
    let mut magic = [0u8; PAYLOAD_MAGIC.len()];
    read_exact_payload(dec, &mut magic, "the payload magic")?;
    let want = if version == 1 {
        PAYLOAD_MAGIC_V1
    } else {
        PAYLOAD_MAGIC
    };
    if &magic != want {
        return Err(KgmError::Manifest("bad payload magic".into()));
    }
    let mut len = [0u8; 4];
    read_exact_payload(dec, &mut len, "the manifest length")?;
    let mlen = u32::from_be_bytes(len) as usize;
    if mlen > MAX_MANIFEST_LEN {
        return Err(KgmError::Manifest("manifest too large".into()));
    }
    let mut mbytes = vec![0u8; mlen];
    read_exact_payload(dec, &mut mbytes, "the manifest")?;
    serde_json::from_slice(&mbytes).map_err(|e| KgmError::Manifest(format!("manifest JSON: {e}")))
}

/// The one file of a single-file version 2 `.kgm` sealed with an archive stanza to `identity`
/// ([`seal_archived`]), as a stream of its `size` bytes, decrypted as it is read (64 KiB chunks,
/// bounded memory). Neither the signature nor the file's digest is checked here: each chunk is
/// authenticated by age, and the caller hashes the bytes against the content address it asked
/// for (the blob store's `<sha>.kgm` form). Errors: [`KgmError::Format`] (not a container),
/// [`KgmError::Decrypt`] (no stanza for `identity`), [`KgmError::Manifest`] (version 1, or not
/// exactly one file).
pub fn archived_file(file: File, identity: &Identity) -> Result<ArchivedFile, KgmError> {
    let parts = read_parts_of(&file)?;
    if parts.version == 1 {
        return Err(KgmError::Manifest(
            "a version 1 kriptogram is never an archive copy".into(),
        ));
    }
    let mut f = file;
    f.seek(SeekFrom::Start(parts.age_start))?;
    let src = BufReader::with_capacity(pipe::BLOCK, f.take(parts.age_len));
    let mut dec = Decryptor::new(src, std::slice::from_ref(identity)).map_err(KgmError::Decrypt)?;
    let manifest = read_manifest(&mut dec, parts.version)?;
    let [one] = manifest.files.as_slice() else {
        return Err(KgmError::Manifest(format!(
            "an archive copy holds one file, this kriptogram {}",
            manifest.files.len()
        )));
    };
    Ok(ArchivedFile {
        size: one.size,
        inner: dec.take(one.size),
    })
}

/// The stream [`archived_file`] returns: `size` bytes of content.
pub struct ArchivedFile {
    /// Size of the content in bytes (from the manifest).
    pub size: u64,
    inner: io::Take<Decryptor<BufReader<io::Take<File>>>>,
}

impl Read for ArchivedFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

/// Break-glass: writes the inner age ciphertext (after checking the container format) to `out`, so
/// that the standard tool opens it: `age -d -i node-identity.txt inner.age`. Does not verify the
/// signature (call [`verify`] first when the sender's key is at hand). Returns its length in bytes.
pub fn extract_age<W: Write>(path: &Path, out: &mut W) -> Result<u64, KgmError> {
    let (mut file, parts) = read_parts(path)?;
    file.seek(SeekFrom::Start(parts.age_start))?;
    let mut r = BufReader::with_capacity(pipe::BLOCK, (&file).take(parts.age_len));
    let n = io::copy(&mut r, out)?;
    if n != parts.age_len {
        return Err(format_err("file shrank while reading"));
    }
    Ok(n)
}

/// Decrypts only the age part to a single file at `dest` (payload framing included), for tools;
/// released only after the final chunk. Mostly useful to test break-glass equivalence.
pub fn decrypt_inner_to_path(
    path: &Path,
    identity: &Identity,
    dest: &Path,
) -> Result<u64, KgmError> {
    let (file, parts) = read_parts(path)?;
    let mut f = &file;
    f.seek(SeekFrom::Start(parts.age_start))?;
    age::decrypt_to_path(f.take(parts.age_len), std::slice::from_ref(identity), dest)
        .map_err(KgmError::Decrypt)
}
