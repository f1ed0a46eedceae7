//! The node keystore (DESIGN §5 "Node identity"): one file holding the node's X25519 secret (age
//! identity), its Ed25519 signing key and 32 reserved bytes (future link key), encrypted under a
//! passphrase.
//!
//! # File layout (all integers big-endian)
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `KASAKS01` |
//! | 8 | 1 | KDF id: `1` = Argon2id v0x13 (RFC 9106) |
//! | 9 | 4 | Argon2 memory cost, KiB |
//! | 13 | 4 | Argon2 time cost (passes) |
//! | 17 | 4 | Argon2 parallelism (lanes) |
//! | 21 | 16 | salt (fresh on every save) |
//! | 37 | 12 | ChaCha20-Poly1305 nonce (fresh on every save) |
//! | 49 | 2 | node id length `n` |
//! | 51 | n | node id, UTF-8 |
//! | 51+n | 112 | ciphertext of `x25519 secret (32) ‖ ed25519 seed (32) ‖ reserved (32)` + tag (16) |
//!
//! The key is `Argon2id(passphrase, salt, m, t, p) → 32 bytes`; the associated data is every byte before
//! the ciphertext, so the KDF parameters and the node id are authenticated. Files are created 0600 with
//! `O_EXCL` in a 0700 directory; a passphrase change writes a 0600 temporary file, fsyncs it, renames it
//! over the keystore and fsyncs the directory, so a crash leaves the old or the new keystore whole.

use std::fmt;
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce, Tag};
use ed25519_dalek::SigningKey;
use zeroize::{Zeroize, Zeroizing};

use super::age::{HybridIdentity, Identity};
use super::card::NodeCard;
use super::fsutil;

const MAGIC: &[u8; 8] = b"KASAKS01";
const KDF_ARGON2ID: u8 = 1;
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 12;
const SECRET_LEN: usize = 96;
const TAG_LEN: usize = 16;
const MAX_M_COST_KIB: u32 = 4 * 1024 * 1024;
const MAX_T_COST: u32 = 64;
const MAX_P_COST: u32 = 64;

/// Argon2id cost parameters, recorded in the keystore header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory cost in KiB.
    pub m_cost_kib: u32,
    /// Time cost (passes).
    pub t_cost: u32,
    /// Parallelism (lanes).
    pub p_cost: u32,
}

impl KdfParams {
    /// RFC 9106 §4, second recommended option: m = 64 MiB, t = 3, p = 4. The default.
    pub const RECOMMENDED: KdfParams = KdfParams {
        m_cost_kib: 64 * 1024,
        t_cost: 3,
        p_cost: 4,
    };

    /// Deliberately weak parameters (m = 64 KiB, t = 1, p = 1) for tests only: never for a real node.
    pub const INSECURE_FOR_TESTS: KdfParams = KdfParams {
        m_cost_kib: 64,
        t_cost: 1,
        p_cost: 1,
    };

    fn argon2(&self) -> Result<Argon2<'static>, KeystoreError> {
        if self.m_cost_kib > MAX_M_COST_KIB || self.t_cost > MAX_T_COST || self.p_cost > MAX_P_COST
        {
            return Err(KeystoreError::Format(format!(
                "Argon2 parameters out of range: {self:?}"
            )));
        }
        let p = Params::new(self.m_cost_kib, self.t_cost, self.p_cost, Some(32))
            .map_err(|e| KeystoreError::Format(format!("invalid Argon2 parameters: {e}")))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, p))
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        KdfParams::RECOMMENDED
    }
}

/// Keystore errors.
#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
    /// File-system error.
    #[error("keystore I/O error: {0}")]
    Io(#[from] io::Error),
    /// The file or its directory is accessible by group or others; the message names the `chmod` fix.
    #[error("{0}")]
    Permissions(String),
    /// Not a kasa keystore, unsupported version, or parameters out of range.
    #[error("malformed keystore: {0}")]
    Format(String),
    /// The AEAD did not verify: wrong passphrase (or a damaged file).
    #[error("wrong passphrase (or damaged keystore)")]
    WrongPassphrase,
    /// `create` refuses to overwrite an existing keystore.
    #[error("keystore {0} already exists")]
    Exists(PathBuf),
    /// Empty passphrase or invalid node id.
    #[error("{0}")]
    Invalid(String),
}

/// The node's secret keys. Zeroized on drop (the key types zeroize themselves); `Debug` shows only
/// public values.
pub struct NodeKeys {
    /// Node id bound into the keystore.
    pub node_id: String,
    /// X25519 age identity (encryption).
    pub encryption: Identity,
    /// Ed25519 signing key.
    pub signing: SigningKey,
    /// 32 bytes (formerly reserved): the X25519 static secret of the Noise link.
    pub link_reserved: Zeroizing<[u8; 32]>,
}

impl NodeKeys {
    /// Fresh random keys for `node_id`.
    pub fn generate(node_id: &str) -> NodeKeys {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).expect("OS random source");
        let mut link = Zeroizing::new([0u8; 32]);
        getrandom::fill(link.as_mut()).expect("OS random source");
        NodeKeys {
            node_id: node_id.to_owned(),
            encryption: Identity::generate(),
            signing: SigningKey::from_bytes(&seed),
            link_reserved: link,
        }
    }

    /// The public card of this node (version 2: with the link key and the hybrid recipient), with
    /// the given human name.
    pub fn public_card(&self, name: &str) -> NodeCard {
        NodeCard {
            node_id: self.node_id.clone(),
            name: name.to_owned(),
            encryption: self.encryption.recipient(),
            signing: self.signing.verifying_key(),
            link: Some(self.link_public()),
            pq: Some(self.hybrid().recipient()),
        }
    }

    /// The Noise static secret of the link (the keystore's third 32-byte secret).
    pub fn link_secret(&self) -> Zeroizing<[u8; 32]> {
        self.link_reserved.clone()
    }

    /// The Noise static public key of the link: X25519 base-point multiple of [`Self::link_secret`].
    pub fn link_public(&self) -> [u8; 32] {
        let s = x25519_dalek::StaticSecret::from(*self.link_reserved);
        x25519_dalek::PublicKey::from(&s).to_bytes()
    }

    /// The node's hybrid post-quantum age identity (`mlkem768x25519`). Its 32-byte seed is derived,
    /// not stored: `HKDF-SHA-256(ikm = X25519 secret, salt = "", info =
    /// "kasa/node/mlkem768x25519 seed/v1")`, so keystores of version 1 gain it without a new layout.
    pub fn hybrid(&self) -> HybridIdentity {
        let mut seed = Zeroizing::new([0u8; 32]);
        hkdf::Hkdf::<sha2::Sha256>::new(Some(b""), self.encryption.to_bytes().as_ref())
            .expand(b"kasa/node/mlkem768x25519 seed/v1", seed.as_mut())
            .expect("32 bytes is a valid HKDF-SHA-256 output length");
        HybridIdentity::from_seed(seed)
    }

    fn secret_bytes(&self) -> Zeroizing<[u8; SECRET_LEN]> {
        let mut s = Zeroizing::new([0u8; SECRET_LEN]);
        s[..32].copy_from_slice(self.encryption.to_bytes().as_ref());
        s[32..64].copy_from_slice(self.signing.as_bytes());
        s[64..].copy_from_slice(self.link_reserved.as_ref());
        s
    }
}

impl fmt::Debug for NodeKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeKeys")
            .field("node_id", &self.node_id)
            .field("encryption", &self.encryption.recipient().to_string())
            .field(
                "signing_fingerprint",
                &super::card::signing_fingerprint(&self.signing.verifying_key()),
            )
            .field("secrets", &"<redacted>")
            .finish()
    }
}

/// Operations on keystore files.
pub struct Keystore;

fn derive_key(
    params: &KdfParams,
    passphrase: &[u8],
    salt: &[u8],
) -> Result<Zeroizing<[u8; 32]>, KeystoreError> {
    let mut key = Zeroizing::new([0u8; 32]);
    params
        .argon2()?
        .hash_password_into(passphrase, salt, key.as_mut())
        .map_err(|e| KeystoreError::Format(format!("Argon2: {e}")))?;
    Ok(key)
}

fn encode(
    keys: &NodeKeys,
    passphrase: &[u8],
    params: &KdfParams,
) -> Result<Vec<u8>, KeystoreError> {
    if passphrase.is_empty() {
        return Err(KeystoreError::Invalid(
            "the passphrase must not be empty".into(),
        ));
    }
    let id = keys.node_id.as_bytes();
    if id.is_empty() || id.len() > 255 || keys.node_id.chars().any(char::is_control) {
        return Err(KeystoreError::Invalid(
            "node id must be 1..=255 bytes, no control chars".into(),
        ));
    }
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut salt).map_err(|e| io::Error::other(e.to_string()))?;
    getrandom::fill(&mut nonce).map_err(|e| io::Error::other(e.to_string()))?;
    let mut out = Vec::with_capacity(64 + id.len() + SECRET_LEN + TAG_LEN);
    out.extend_from_slice(MAGIC);
    out.push(KDF_ARGON2ID);
    out.extend_from_slice(&params.m_cost_kib.to_be_bytes());
    out.extend_from_slice(&params.t_cost.to_be_bytes());
    out.extend_from_slice(&params.p_cost.to_be_bytes());
    out.extend_from_slice(&salt);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&(id.len() as u16).to_be_bytes());
    out.extend_from_slice(id);
    let key = derive_key(params, passphrase, &salt)?;
    let mut secret = keys.secret_bytes();
    let tag = ChaCha20Poly1305::new_from_slice(key.as_ref())
        .expect("32-byte key")
        .encrypt_inout_detached(&Nonce::from(nonce), &out, secret.as_mut_slice().into())
        .map_err(|_| KeystoreError::Format("encryption failed".into()))?;
    out.extend_from_slice(secret.as_ref());
    out.extend_from_slice(&tag);
    Ok(out)
}

fn decode(data: &[u8], passphrase: &[u8]) -> Result<(NodeKeys, KdfParams), KeystoreError> {
    let fmt_err = |m: &str| KeystoreError::Format(m.to_owned());
    if data.len() < 51 || &data[..8] != MAGIC {
        return Err(fmt_err("not a kasa keystore (bad magic)"));
    }
    if data[8] != KDF_ARGON2ID {
        return Err(fmt_err("unknown KDF"));
    }
    let u32_at = |o: usize| u32::from_be_bytes(data[o..o + 4].try_into().expect("4"));
    let params = KdfParams {
        m_cost_kib: u32_at(9),
        t_cost: u32_at(13),
        p_cost: u32_at(17),
    };
    let salt = &data[21..37];
    let nonce: [u8; NONCE_LEN] = data[37..49].try_into().expect("12");
    let id_len = u16::from_be_bytes([data[49], data[50]]) as usize;
    let ad_len = 51 + id_len;
    if data.len() != ad_len + SECRET_LEN + TAG_LEN {
        return Err(fmt_err("wrong length"));
    }
    let node_id = std::str::from_utf8(&data[51..ad_len])
        .map_err(|_| fmt_err("node id is not UTF-8"))?
        .to_owned();
    let key = derive_key(&params, passphrase, salt)?;
    let mut secret = Zeroizing::new([0u8; SECRET_LEN]);
    secret.copy_from_slice(&data[ad_len..ad_len + SECRET_LEN]);
    let tag = Tag::try_from(&data[ad_len + SECRET_LEN..]).expect("16");
    ChaCha20Poly1305::new_from_slice(key.as_ref())
        .expect("32-byte key")
        .decrypt_inout_detached(
            &Nonce::from(nonce),
            &data[..ad_len],
            secret.as_mut_slice().into(),
            &tag,
        )
        .map_err(|_| KeystoreError::WrongPassphrase)?;
    let mut x = [0u8; 32];
    x.copy_from_slice(&secret[..32]);
    let encryption = Identity::from_bytes(x);
    x.zeroize();
    let mut seed = Zeroizing::new([0u8; 32]);
    seed.copy_from_slice(&secret[32..64]);
    let mut link = Zeroizing::new([0u8; 32]);
    link.copy_from_slice(&secret[64..]);
    Ok((
        NodeKeys {
            node_id,
            encryption,
            signing: SigningKey::from_bytes(&seed),
            link_reserved: link,
        },
        params,
    ))
}

fn check_dir(path: &Path) -> Result<(), KeystoreError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.exists() {
        fsutil::ensure_private_dir(&dir)?;
        return Ok(());
    }
    let mode = std::fs::metadata(&dir)?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeystoreError::Permissions(format!(
            "keystore directory {} has mode {mode:04o}; it must be private: chmod 700 {}",
            dir.display(),
            dir.display()
        )));
    }
    Ok(())
}

fn read_private(path: &Path, what: &str) -> Result<Zeroizing<Vec<u8>>, KeystoreError> {
    fsutil::check_private_file(path, what).map_err(|e| match e.kind() {
        io::ErrorKind::PermissionDenied => KeystoreError::Permissions(e.to_string()),
        _ => KeystoreError::Io(e),
    })?;
    let f = std::fs::File::open(path)?;
    let mut data = Zeroizing::new(Vec::new());
    f.take(1 << 20).read_to_end(&mut data)?;
    Ok(data)
}

impl Keystore {
    /// Creates a new keystore at `path` with fresh keys for `node_id`, encrypted under `passphrase`
    /// with `params` (use [`KdfParams::RECOMMENDED`]; weaker parameters only in tests). The directory
    /// is created 0700 when missing and must not be accessible by group or others; the file is created
    /// 0600 with `O_EXCL` (never overwritten) and fsynced.
    ///
    /// Errors: [`KeystoreError::Exists`], [`KeystoreError::Permissions`], [`KeystoreError::Invalid`],
    /// [`KeystoreError::Io`].
    pub fn create(
        path: &Path,
        passphrase: &[u8],
        node_id: &str,
        params: KdfParams,
    ) -> Result<NodeKeys, KeystoreError> {
        let keys = NodeKeys::generate(node_id);
        Keystore::save_new(path, &keys, passphrase, params)?;
        Ok(keys)
    }

    /// Stores existing `keys` in a new keystore file (same rules as [`Keystore::create`]).
    pub fn save_new(
        path: &Path,
        keys: &NodeKeys,
        passphrase: &[u8],
        params: KdfParams,
    ) -> Result<(), KeystoreError> {
        check_dir(path)?;
        let data = Zeroizing::new(encode(keys, passphrase, &params)?);
        let mut f = fsutil::create_new_private(path).map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => KeystoreError::Exists(path.to_path_buf()),
            _ => KeystoreError::Io(e),
        })?;
        f.write_all(&data)?;
        f.sync_all()?;
        fsutil::sync_parent(path)?;
        Ok(())
    }

    /// Opens the keystore at `path` with `passphrase`.
    ///
    /// Errors: [`KeystoreError::Permissions`] when the file is readable or writable by group or
    /// others (the message gives the exact `chmod 600 <path>`), [`KeystoreError::WrongPassphrase`],
    /// [`KeystoreError::Format`], [`KeystoreError::Io`].
    pub fn open(path: &Path, passphrase: &[u8]) -> Result<NodeKeys, KeystoreError> {
        Ok(Keystore::open_with_params(path, passphrase)?.0)
    }

    /// Like [`Keystore::open`], also returning the KDF parameters recorded in the file.
    pub fn open_with_params(
        path: &Path,
        passphrase: &[u8],
    ) -> Result<(NodeKeys, KdfParams), KeystoreError> {
        let data = read_private(path, "keystore")?;
        decode(&data, passphrase)
    }

    /// Re-encrypts the keystore under `new` with `params` (fresh salt and nonce): opens it with `old`,
    /// writes a 0600 temporary file beside it, fsyncs, renames over `path`, fsyncs the directory. A
    /// crash at any point leaves either the old or the new keystore whole (stale temporary files are
    /// ignored by [`Keystore::open`]).
    pub fn change_passphrase(
        path: &Path,
        old: &[u8],
        new: &[u8],
        params: KdfParams,
    ) -> Result<(), KeystoreError> {
        let keys = Keystore::open(path, old)?;
        let data = Zeroizing::new(encode(&keys, new, &params)?);
        let tmp = fsutil::TempFile::new_beside(path)?;
        {
            let mut f = tmp.file();
            f.write_all(&data)?;
        }
        tmp.persist_replace(path)?;
        Ok(())
    }
}

/// Reads a passphrase from a file for automation (`kasa init --passphrase-file F`). The file must be
/// mode 0600 or stricter (else [`KeystoreError::Permissions`] with the `chmod 600` fix); one trailing
/// LF or CRLF is removed; an empty passphrase is refused.
pub fn read_passphrase_file(path: &Path) -> Result<Zeroizing<Vec<u8>>, KeystoreError> {
    let mut data = read_private(path, "passphrase file")?;
    if data.last() == Some(&b'\n') {
        data.pop();
        if data.last() == Some(&b'\r') {
            data.pop();
        }
    }
    if data.is_empty() {
        return Err(KeystoreError::Invalid(format!(
            "passphrase file {} is empty",
            path.display()
        )));
    }
    Ok(data)
}
