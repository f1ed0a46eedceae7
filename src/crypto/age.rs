//! The age v1 file format (c2sp.org/age) with X25519 recipients, composed from `x25519-dalek`,
//! `hkdf`, `hmac`, `sha2` and `chacha20poly1305`.
//!
//! # Format (c2sp.org/age)
//!
//! ```text
//! age-encryption.org/v1\n                        version line
//! -> X25519 <b64 ephemeral share>\n              one stanza per recipient (any order, any count)
//! <b64 wrapped file key, 64-column lines, last line shorter (maybe empty)>\n
//! --- <b64 HMAC-SHA-256 of the header up to and including "---">\n
//! <16-byte payload nonce><STREAM chunks>
//! ```
//!
//! - File key: 16 random bytes.
//! - X25519 stanza (spec "The X25519 recipient type"): `shared = X25519(eph, recipient)`, rejected if
//!   all zero; `wrap key = HKDF-SHA-256(ikm = shared, salt = share || recipient, info =
//!   "age-encryption.org/v1/X25519")`, 32 bytes; body = ChaCha20-Poly1305(wrap key, nonce 0, file key),
//!   exactly 32 bytes.
//! - Header MAC (spec "Header"): `HMAC-SHA-256(HKDF(ikm = file key, salt = empty, info = "header"))`.
//! - Payload (spec "Payload"): `key = HKDF(ikm = file key, salt = nonce, info = "payload")`; STREAM of
//!   64 KiB plaintext chunks, each ChaCha20-Poly1305 with nonce = 11-byte big-endian counter || flag
//!   (1 on the last chunk). The last chunk may be full; it is empty only when the whole payload is.
//!
//! Parsing is strict: canonical unpadded base64, 64-column stanza bodies ended by a short line, arguments
//! of visible ASCII, no CR, exactly one space separators. Unknown stanza types (including grease) are
//! skipped; `scrypt` and `mlkem768x25519` stanzas are recognised but not implemented: a file that only
//! they could open fails with [`AgeError::Unsupported`].
//!
//! Decryption is streaming with bounded memory (one 64 KiB chunk); [`Decryptor`] releases each chunk
//! after it authenticates (like the reference implementation), so callers that must not release
//! anything before the end use [`decrypt_to_path`], which writes a 0600 temporary file and renames it
//! only after the final chunk authenticated and no trailing data follows.

use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce, Tag};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::{Zeroize, Zeroizing};

use super::armor::{self, ArmorReader, ArmorWriter};

/// The version line of an age v1 file (without its LF).
pub const VERSION_LINE: &str = "age-encryption.org/v1";
/// File key length in bytes.
pub const FILE_KEY_LEN: usize = 16;
/// STREAM plaintext chunk size in bytes (64 KiB).
pub const CHUNK_SIZE: usize = 64 * 1024;
/// Poly1305 tag length in bytes.
pub const TAG_LEN: usize = 16;
/// Payload nonce length in bytes.
pub const NONCE_LEN: usize = 16;
const ENC_CHUNK: usize = CHUNK_SIZE + TAG_LEN;
const X25519_LABEL: &[u8] = b"age-encryption.org/v1/X25519";
const MAX_HEADER: usize = 1 << 20;
const MAX_LINE: usize = 16 * 1024;
const MAX_STANZAS: usize = 1024;
const IDENTITY_HRP: &str = "age-secret-key-";
const RECIPIENT_HRP: &str = "age";

/// Outcome classes of the C2SP CCTV age vectors, plus `Unsupported` and `Io`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AgeErrorClass {
    /// `header failure`
    Header,
    /// `HMAC failure`
    Hmac,
    /// `payload failure`
    Payload,
    /// `no match`
    NoMatch,
    /// `armor failure`
    Armor,
    /// A recipient type this implementation does not support (scrypt, mlkem768x25519).
    Unsupported,
    /// An I/O error of the underlying reader or writer.
    Io,
}

/// Errors of age encryption and decryption.
#[derive(Debug, thiserror::Error)]
pub enum AgeError {
    /// The header is malformed, or a stanza addressed to our identity type is invalid (spec "Header").
    #[error("age header failure: {0}")]
    Header(String),
    /// The header MAC does not verify (the file key was found, the header was altered).
    #[error("age header MAC does not verify")]
    Hmac,
    /// The payload is truncated, altered or has trailing data (spec "Payload").
    #[error("age payload failure: {0}")]
    Payload(String),
    /// No identity opened any recipient stanza.
    #[error("no identity matched any recipient stanza")]
    NoMatch,
    /// The ASCII armor is malformed.
    #[error("{0}")]
    Armor(String),
    /// The file (or a key string) needs a recipient type that is not implemented.
    #[error("unsupported age recipient type: {0}")]
    Unsupported(String),
    /// A key string (identity or recipient) is malformed.
    #[error("invalid age key: {0}")]
    Key(String),
    /// I/O error of the underlying reader or writer.
    #[error("I/O error: {0}")]
    Io(#[source] io::Error),
}

impl AgeError {
    /// The outcome class (key-string errors count as `Header`).
    pub fn class(&self) -> AgeErrorClass {
        match self {
            AgeError::Header(_) | AgeError::Key(_) => AgeErrorClass::Header,
            AgeError::Hmac => AgeErrorClass::Hmac,
            AgeError::Payload(_) => AgeErrorClass::Payload,
            AgeError::NoMatch => AgeErrorClass::NoMatch,
            AgeError::Armor(_) => AgeErrorClass::Armor,
            AgeError::Unsupported(_) => AgeErrorClass::Unsupported,
            AgeError::Io(_) => AgeErrorClass::Io,
        }
    }

    /// Maps an I/O error met while reading `what`: armor violations become [`AgeError::Armor`],
    /// truncation/invalid data becomes `or`, other errors stay I/O errors.
    fn from_read(e: io::Error, or: fn(String) -> AgeError) -> AgeError {
        if let Some(a) = armor::as_armor_error(&e) {
            return AgeError::Armor(a.to_string());
        }
        if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<AgeError>()) {
            return inner.clone_shallow();
        }
        match e.kind() {
            io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData => or(e.to_string()),
            _ => AgeError::Io(e),
        }
    }

    /// Recovers the [`AgeError`] carried by an `io::Error` returned from [`Decryptor`]'s `Read`
    /// implementation (or an armor error); other errors become [`AgeError::Io`].
    pub fn from_io(e: io::Error) -> AgeError {
        if let Some(a) = armor::as_armor_error(&e) {
            return AgeError::Armor(a.to_string());
        }
        if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<AgeError>()) {
            return inner.clone_shallow();
        }
        AgeError::Io(e)
    }

    fn clone_shallow(&self) -> AgeError {
        match self {
            AgeError::Header(s) => AgeError::Header(s.clone()),
            AgeError::Hmac => AgeError::Hmac,
            AgeError::Payload(s) => AgeError::Payload(s.clone()),
            AgeError::NoMatch => AgeError::NoMatch,
            AgeError::Armor(s) => AgeError::Armor(s.clone()),
            AgeError::Unsupported(s) => AgeError::Unsupported(s.clone()),
            AgeError::Key(s) => AgeError::Key(s.clone()),
            AgeError::Io(e) => AgeError::Io(io::Error::new(e.kind(), e.to_string())),
        }
    }
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("the operating system random source failed");
    b
}

fn hkdf32(ikm: &[u8], salt: &[u8], info: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(info, out.as_mut())
        .expect("32 bytes is a valid HKDF-SHA-256 output length");
    out
}

fn chacha(key: &[u8; 32]) -> ChaCha20Poly1305 {
    ChaCha20Poly1305::new_from_slice(key).expect("32-byte key")
}

fn bech32_decode(s: &str) -> Result<(String, Vec<u8>), AgeError> {
    use bech32::primitives::decode::CheckedHrpstring;
    let checked = CheckedHrpstring::new::<bech32::Bech32>(s)
        .map_err(|e| AgeError::Key(format!("not a valid Bech32 string: {e}")))?;
    let hrp = checked.hrp().to_lowercase();
    let data: Vec<u8> = checked.byte_iter().collect();
    // Canonical: re-encoding must give the same string (modulo case), so padding bits are zero.
    let hrp_obj = bech32::Hrp::parse(&hrp).map_err(|e| AgeError::Key(e.to_string()))?;
    let again = bech32::encode_lower::<bech32::Bech32>(hrp_obj, &data)
        .map_err(|e| AgeError::Key(e.to_string()))?;
    if !again.eq_ignore_ascii_case(s) {
        return Err(AgeError::Key("non-canonical Bech32 encoding".into()));
    }
    Ok((hrp, data))
}

/// True when the little-endian `u` is below 2^255 - 19 (a canonical field element encoding).
fn is_canonical_u(u: &[u8; 32]) -> bool {
    if u[31] & 0x80 != 0 {
        return false;
    }
    // p = 2^255 - 19 = 0x7fff…ffed: u >= p only if bytes 1..=30 are 0xff, byte 31 is 0x7f, byte 0 >= 0xed.
    !(u[31] == 0x7f && u[1..31].iter().all(|&b| b == 0xff) && u[0] >= 0xed)
}

fn is_low_order(public: &[u8; 32]) -> bool {
    // Every clamped scalar is a multiple of the cofactor, so the product with a low-order point
    // (in any encoding) is the all-zero value: test with a fresh random scalar.
    let probe = StaticSecret::from(random_bytes::<32>());
    !probe
        .diffie_hellman(&PublicKey::from(*public))
        .was_contributory()
}

/// An X25519 age identity (secret key). Zeroized on drop; `Debug` never shows the secret.
///
/// Text form (spec "The X25519 recipient type"): Bech32, HRP `AGE-SECRET-KEY-`, uppercase, 32 bytes.
#[derive(Clone)]
pub struct Identity {
    secret: StaticSecret,
}

impl Identity {
    /// A fresh identity from the operating system's random source.
    pub fn generate() -> Identity {
        let mut b = random_bytes::<32>();
        let id = Identity::from_bytes(b);
        b.zeroize();
        id
    }

    /// The identity with the given 32-byte X25519 scalar (clamped when used).
    pub fn from_bytes(bytes: [u8; 32]) -> Identity {
        Identity {
            secret: StaticSecret::from(bytes),
        }
    }

    /// The raw 32 secret bytes (handle with care: keep inside a `Zeroizing`).
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.secret.to_bytes())
    }

    /// Parses `AGE-SECRET-KEY-1…` (Bech32, either case, canonical).
    ///
    /// Errors: [`AgeError::Unsupported`] for plugin identities, [`AgeError::Key`] for anything
    /// malformed or for a hybrid `AGE-SECRET-KEY-PQ-1…` identity (see [`HybridIdentity`]).
    pub fn parse(s: &str) -> Result<Identity, AgeError> {
        let s = s.trim();
        let upper = s.to_ascii_uppercase();
        if upper.starts_with("AGE-SECRET-KEY-PQ-1") {
            return Err(AgeError::Key(
                "a hybrid (post-quantum) identity: parse it with HybridIdentity::parse or AnyIdentity::parse"
                    .into(),
            ));
        }
        if upper.starts_with("AGE-PLUGIN-") {
            return Err(AgeError::Unsupported("plugin identity".into()));
        }
        let (hrp, mut data) = bech32_decode(s)?;
        if hrp != IDENTITY_HRP {
            data.zeroize();
            return Err(AgeError::Key(format!("unexpected identity type {hrp:?}")));
        }
        let bytes: [u8; 32] = match data.as_slice().try_into() {
            Ok(b) => b,
            Err(_) => {
                data.zeroize();
                return Err(AgeError::Key("an X25519 identity is 32 bytes".into()));
            }
        };
        data.zeroize();
        Ok(Identity::from_bytes(bytes))
    }

    /// The Bech32 uppercase text form `AGE-SECRET-KEY-1…`.
    pub fn to_bech32(&self) -> Zeroizing<String> {
        let hrp = bech32::Hrp::parse(IDENTITY_HRP).expect("valid hrp");
        Zeroizing::new(
            bech32::encode_upper::<bech32::Bech32>(hrp, self.secret.as_bytes()).expect("fits"),
        )
    }

    /// The matching recipient (public key).
    pub fn recipient(&self) -> Recipient {
        Recipient {
            public: PublicKey::from(&self.secret).to_bytes(),
        }
    }

    /// Tries to unwrap the file key from one X25519 stanza.
    /// `Ok(None)`: not for us. `Err`: malformed stanza (header failure).
    fn unwrap_x25519(
        &self,
        st: &Stanza,
    ) -> Result<Option<Zeroizing<[u8; FILE_KEY_LEN]>>, AgeError> {
        if st.args[0] != "X25519" {
            return Ok(None);
        }
        if st.args.len() != 2 {
            return Err(AgeError::Header(
                "X25519 stanza must have exactly one argument".into(),
            ));
        }
        let share = decode_b64(&st.args[1])
            .ok_or_else(|| AgeError::Header("X25519 share is not canonical base64".into()))?;
        let share: [u8; 32] = share
            .as_slice()
            .try_into()
            .map_err(|_| AgeError::Header("X25519 share must be 32 bytes".into()))?;
        if st.body.len() != FILE_KEY_LEN + TAG_LEN {
            return Err(AgeError::Header(
                "X25519 stanza body must be 32 bytes".into(),
            ));
        }
        let shared = self.secret.diffie_hellman(&PublicKey::from(share));
        if !shared.was_contributory() {
            return Err(AgeError::Header("X25519 share is a low-order point".into()));
        }
        let ours = PublicKey::from(&self.secret).to_bytes();
        let mut salt = [0u8; 64];
        salt[..32].copy_from_slice(&share);
        salt[32..].copy_from_slice(&ours);
        let wrap = hkdf32(shared.as_bytes(), &salt, X25519_LABEL);
        let mut key = Zeroizing::new([0u8; FILE_KEY_LEN]);
        key.copy_from_slice(&st.body[..FILE_KEY_LEN]);
        let tag = Tag::try_from(&st.body[FILE_KEY_LEN..]).expect("16 bytes");
        match chacha(&wrap).decrypt_inout_detached(
            &Nonce::default(),
            b"",
            key.as_mut_slice().into(),
            &tag,
        ) {
            Ok(()) => Ok(Some(key)),
            Err(_) => Ok(None),
        }
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Identity {{ recipient: {}, secret: <redacted> }}",
            self.recipient()
        )
    }
}

impl FromStr for Identity {
    type Err = AgeError;
    fn from_str(s: &str) -> Result<Self, AgeError> {
        Identity::parse(s)
    }
}

/// An X25519 age recipient (public key). Text form: Bech32 lowercase `age1…`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Recipient {
    public: [u8; 32],
}

impl Recipient {
    /// Parses `age1…` (Bech32, canonical). Errors ([`AgeError::Key`]): malformed, wrong length,
    /// or a low-order point (which would make the shared secret all zero).
    pub fn parse(s: &str) -> Result<Recipient, AgeError> {
        let s = s.trim();
        if s.to_ascii_lowercase().starts_with("age1pq1") {
            return Err(AgeError::Key(
                "a hybrid (post-quantum) recipient: parse it with HybridRecipient::parse".into(),
            ));
        }
        if s.starts_with("age1tag1") {
            return Err(AgeError::Unsupported("tagged recipient".into()));
        }
        let (hrp, data) = bech32_decode(s)?;
        if hrp != RECIPIENT_HRP {
            return Err(AgeError::Key(format!("unexpected recipient type {hrp:?}")));
        }
        let public: [u8; 32] = data
            .as_slice()
            .try_into()
            .map_err(|_| AgeError::Key("an X25519 recipient is 32 bytes".into()))?;
        Recipient::from_bytes(public)
    }

    /// From raw 32 bytes; rejects non-canonical encodings (u >= 2^255 - 19, or the top bit set) and
    /// low-order points.
    pub fn from_bytes(public: [u8; 32]) -> Result<Recipient, AgeError> {
        if !is_canonical_u(&public) {
            return Err(AgeError::Key(
                "X25519 recipient is not canonically encoded".into(),
            ));
        }
        if is_low_order(&public) {
            return Err(AgeError::Key(
                "X25519 recipient is a low-order point".into(),
            ));
        }
        Ok(Recipient { public })
    }

    /// The raw 32-byte Montgomery u-coordinate.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.public
    }

    /// Builds an X25519 stanza wrapping `file_key` to this recipient.
    fn wrap_x25519(&self, file_key: &[u8; FILE_KEY_LEN]) -> Result<Stanza, AgeError> {
        let eph = StaticSecret::from(random_bytes::<32>());
        let share = PublicKey::from(&eph).to_bytes();
        let shared = eph.diffie_hellman(&PublicKey::from(self.public));
        if !shared.was_contributory() {
            return Err(AgeError::Key(
                "X25519 recipient is a low-order point".into(),
            ));
        }
        let mut salt = [0u8; 64];
        salt[..32].copy_from_slice(&share);
        salt[32..].copy_from_slice(&self.public);
        let wrap = hkdf32(shared.as_bytes(), &salt, X25519_LABEL);
        let mut body = file_key.to_vec();
        let tag = chacha(&wrap)
            .encrypt_inout_detached(&Nonce::default(), b"", body.as_mut_slice().into())
            .map_err(|_| AgeError::Header("wrap failed".into()))?;
        body.extend_from_slice(&tag);
        Ok(Stanza {
            args: vec!["X25519".into(), STANDARD_NO_PAD.encode(share)],
            body,
        })
    }
}

impl fmt::Display for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hrp = bech32::Hrp::parse(RECIPIENT_HRP).expect("valid hrp");
        let s = bech32::encode_lower::<bech32::Bech32>(hrp, &self.public).expect("fits");
        f.write_str(&s)
    }
}

impl fmt::Debug for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Recipient({self})")
    }
}

impl FromStr for Recipient {
    type Err = AgeError;
    fn from_str(s: &str) -> Result<Self, AgeError> {
        Recipient::parse(s)
    }
}

/// One recipient stanza: `args[0]` is the type; `body` is the decoded body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stanza {
    /// The arguments after `->`, the first being the stanza type.
    pub args: Vec<String>,
    /// The decoded body.
    pub body: Vec<u8>,
}

/// A parsed age header (spec "Header"): the stanzas, the MAC and the exact bytes it covers.
#[derive(Debug, Clone)]
pub struct Header {
    /// Recipient stanzas in file order.
    pub stanzas: Vec<Stanza>,
    /// The 32-byte header MAC.
    pub mac: [u8; 32],
    /// The header bytes covered by the MAC: from the version line up to and including `---`.
    pub mac_input: Vec<u8>,
}

fn decode_b64(s: &str) -> Option<Vec<u8>> {
    STANDARD_NO_PAD.decode(s).ok()
}

fn is_b64_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

fn header_line<R: BufRead>(r: &mut R, header: &mut Vec<u8>) -> Result<String, AgeError> {
    let start = header.len();
    let n = r
        .take(MAX_LINE as u64)
        .read_until(b'\n', header)
        .map_err(|e| AgeError::from_read(e, AgeError::Header))?;
    if n == 0 || header.last() != Some(&b'\n') {
        return Err(AgeError::Header("truncated header or line too long".into()));
    }
    if header.len() > MAX_HEADER {
        return Err(AgeError::Header("header too large".into()));
    }
    let line = &header[start..header.len() - 1];
    String::from_utf8(line.to_vec()).map_err(|_| AgeError::Header("header is not ASCII".into()))
}

/// Parses the header from `r` (strict, spec "Header"), leaving `r` at the first byte of the payload
/// nonce. Errors: [`AgeError::Header`], [`AgeError::Armor`] (through an armored reader), I/O.
pub fn parse_header<R: BufRead>(r: &mut R) -> Result<Header, AgeError> {
    let mut raw = Vec::with_capacity(512);
    let version = header_line(r, &mut raw)?;
    if version != VERSION_LINE {
        return Err(AgeError::Header(format!(
            "unsupported version line {version:?}"
        )));
    }
    let mut stanzas = Vec::new();
    loop {
        let line_start = raw.len();
        let line = header_line(r, &mut raw)?;
        if let Some(rest) = line.strip_prefix("---") {
            let Some(mac_b64) = rest.strip_prefix(' ') else {
                return Err(AgeError::Header("missing MAC".into()));
            };
            let mac = decode_b64(mac_b64)
                .filter(|m| m.len() == 32)
                .ok_or_else(|| {
                    AgeError::Header("MAC is not 32 bytes of canonical base64".into())
                })?;
            if stanzas.is_empty() {
                return Err(AgeError::Header("no recipient stanzas".into()));
            }
            let mac_input = raw[..line_start + 3].to_vec();
            return Ok(Header {
                stanzas,
                mac: mac.try_into().expect("32"),
                mac_input,
            });
        }
        let Some(rest) = line.strip_prefix("-> ") else {
            return Err(AgeError::Header("expected a stanza or the MAC line".into()));
        };
        let args: Vec<String> = rest.split(' ').map(str::to_owned).collect();
        for a in &args {
            if a.is_empty() || !a.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
                return Err(AgeError::Header("invalid stanza argument".into()));
            }
        }
        let mut body_b64 = String::new();
        loop {
            let l = header_line(r, &mut raw)?;
            if l.len() > 64 || !l.bytes().all(is_b64_char) {
                return Err(AgeError::Header("invalid stanza body line".into()));
            }
            body_b64.push_str(&l);
            if l.len() < 64 {
                break;
            }
        }
        let body = decode_b64(&body_b64)
            .ok_or_else(|| AgeError::Header("stanza body is not canonical base64".into()))?;
        stanzas.push(Stanza { args, body });
        if stanzas.len() > MAX_STANZAS {
            return Err(AgeError::Header("too many stanzas".into()));
        }
    }
}

fn header_mac_key(file_key: &[u8; FILE_KEY_LEN]) -> Zeroizing<[u8; 32]> {
    hkdf32(file_key, b"", b"header")
}

fn unwrap_file_key<I: UnwrapIdentity>(
    header: &Header,
    identities: &[I],
) -> Result<Zeroizing<[u8; FILE_KEY_LEN]>, AgeError> {
    let has_scrypt = header.stanzas.iter().any(|s| s.args[0] == "scrypt");
    if has_scrypt && header.stanzas.len() != 1 {
        return Err(AgeError::Header(
            "an scrypt stanza must be alone in the header".into(),
        ));
    }
    for id in identities {
        for st in &header.stanzas {
            if let Some(k) = id.unwrap_stanza(st)? {
                return Ok(k);
            }
        }
    }
    Err(AgeError::NoMatch)
}

fn stream_nonce(counter: u128, last: bool) -> Nonce {
    let mut n = [0u8; 12];
    n[..11].copy_from_slice(&counter.to_be_bytes()[16 - 11..]);
    n[11] = u8::from(last);
    Nonce::from(n)
}

const MAX_COUNTER: u128 = (1u128 << 88) - 1;

/// Whether an age output is binary or ASCII-armored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Armor {
    /// Binary age file.
    #[default]
    Binary,
    /// ASCII armor (`-----BEGIN AGE ENCRYPTED FILE-----`).
    Armored,
}

enum Sink<W: Write> {
    Plain(W),
    Armored(ArmorWriter<W>),
}

impl<W: Write> Write for Sink<W> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(b),
            Sink::Armored(w) => w.write(b),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            Sink::Armored(w) => w.flush(),
        }
    }
}

/// Streaming age encryptor (spec "Payload"): `write` plaintext, then [`Encryptor::finish`].
/// Memory: one 64 KiB chunk. Dropping without `finish` leaves a truncated (undecryptable) file.
pub struct Encryptor<W: Write> {
    out: Option<Sink<W>>,
    cipher: ChaCha20Poly1305,
    buf: Vec<u8>,
    /// A whole chunk's ciphertext and tag, encrypted straight from the caller's bytes (no copy into
    /// `buf` first); allocated at the first such chunk.
    direct: Vec<u8>,
    counter: u128,
}

impl<W: Write> Encryptor<W> {
    /// Writes the header (a fresh file key wrapped to each recipient) and the payload nonce to `out`.
    ///
    /// Errors: [`AgeError::Key`] when `recipients` is empty; I/O errors of `out`.
    pub fn new(out: W, recipients: &[Recipient], armor: Armor) -> Result<Encryptor<W>, AgeError> {
        let any: Vec<AnyRecipient> = recipients
            .iter()
            .map(|r| AnyRecipient::X25519(*r))
            .collect();
        Encryptor::new_any(out, &any, armor)
    }

    /// Like [`Encryptor::new`] for any recipient type (spec "Recipient types").
    ///
    /// Errors ([`AgeError::Key`]): no recipient; an scrypt recipient together with any other (spec
    /// "The scrypt recipient type": it must be alone); a hybrid recipient mixed with a classic one
    /// (that would void the post-quantum protection, like age's "postquantum" label rule).
    pub fn new_any(
        out: W,
        recipients: &[AnyRecipient],
        armor: Armor,
    ) -> Result<Encryptor<W>, AgeError> {
        if recipients.is_empty() {
            return Err(AgeError::Key("at least one recipient is required".into()));
        }
        let scrypt = recipients
            .iter()
            .filter(|r| matches!(r, AnyRecipient::Scrypt(_)))
            .count();
        if scrypt > 0 && recipients.len() > 1 {
            return Err(AgeError::Key(
                "a passphrase (scrypt) recipient must be the only recipient".into(),
            ));
        }
        let hybrid = recipients
            .iter()
            .filter(|r| matches!(r, AnyRecipient::Hybrid(_)))
            .count();
        if hybrid > 0 && hybrid != recipients.len() {
            return Err(AgeError::Key(
                "post-quantum (mlkem768x25519) recipients cannot be mixed with classic X25519 \
                 recipients: that would remove the post-quantum protection"
                    .into(),
            ));
        }
        let file_key = Zeroizing::new(random_bytes::<FILE_KEY_LEN>());
        let mut header = String::from(VERSION_LINE);
        header.push('\n');
        for r in recipients {
            let st = r.wrap(&file_key)?;
            debug_assert!(!st.args.is_empty());
            header.push_str("-> ");
            header.push_str(&st.args.join(" "));
            header.push('\n');
            let body = STANDARD_NO_PAD.encode(&st.body);
            let mut rest = body.as_str();
            while rest.len() >= 64 {
                header.push_str(&rest[..64]);
                header.push('\n');
                rest = &rest[64..];
            }
            header.push_str(rest);
            header.push('\n');
        }
        header.push_str("---");
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(header_mac_key(&file_key).as_ref())
            .expect("any key length");
        mac.update(header.as_bytes());
        let tag = mac.finalize().into_bytes();
        header.push(' ');
        header.push_str(&STANDARD_NO_PAD.encode(tag));
        header.push('\n');
        let nonce = random_bytes::<NONCE_LEN>();
        let key = hkdf32(file_key.as_ref(), &nonce, b"payload");
        let mut sink = match armor {
            Armor::Binary => Sink::Plain(out),
            Armor::Armored => Sink::Armored(ArmorWriter::new(out)),
        };
        sink.write_all(header.as_bytes()).map_err(AgeError::Io)?;
        sink.write_all(&nonce).map_err(AgeError::Io)?;
        Ok(Encryptor {
            out: Some(sink),
            cipher: chacha(&key),
            buf: Vec::with_capacity(ENC_CHUNK),
            direct: Vec::new(),
            counter: 0,
        })
    }

    /// Encrypts one whole chunk that is not the last straight from `chunk` (`CHUNK_SIZE` bytes) into
    /// `direct` and writes it: the same bytes as [`Encryptor::seal_chunk`] would, one copy fewer.
    fn seal_direct(&mut self, chunk: &[u8]) -> io::Result<()> {
        use chacha20poly1305::aead::inout::InOutBuf;
        if self.counter > MAX_COUNTER {
            return Err(io::Error::other("age STREAM counter overflow"));
        }
        if self.direct.len() != ENC_CHUNK {
            self.direct = vec![0u8; ENC_CHUNK];
        }
        let nonce = stream_nonce(self.counter, false);
        let (body, tag_out) = self.direct.split_at_mut(CHUNK_SIZE);
        let buf = InOutBuf::new(chunk, body).map_err(|_| io::Error::other("chunk size"))?;
        let tag = self
            .cipher
            .encrypt_inout_detached(&nonce, b"", buf)
            .map_err(|_| io::Error::other("chunk encryption failed"))?;
        tag_out.copy_from_slice(&tag);
        let out = self
            .out
            .as_mut()
            .ok_or_else(|| io::Error::other("encryptor finished"))?;
        out.write_all(&self.direct)?;
        self.counter += 1;
        Ok(())
    }

    fn seal_chunk(&mut self, last: bool) -> io::Result<()> {
        if self.counter > MAX_COUNTER {
            return Err(io::Error::other("age STREAM counter overflow"));
        }
        let nonce = stream_nonce(self.counter, last);
        let tag = self
            .cipher
            .encrypt_inout_detached(&nonce, b"", self.buf.as_mut_slice().into())
            .map_err(|_| io::Error::other("chunk encryption failed"))?;
        self.buf.extend_from_slice(&tag);
        let out = self
            .out
            .as_mut()
            .ok_or_else(|| io::Error::other("encryptor finished"))?;
        out.write_all(&self.buf)?;
        self.buf.clear();
        self.counter += 1;
        Ok(())
    }

    /// Seals the last chunk, finishes the armor if any, and returns the inner writer.
    pub fn finish(mut self) -> Result<W, AgeError> {
        self.seal_chunk(true).map_err(AgeError::Io)?;
        match self.out.take().expect("not finished") {
            Sink::Plain(mut w) => {
                w.flush().map_err(AgeError::Io)?;
                Ok(w)
            }
            Sink::Armored(a) => a.finish().map_err(AgeError::Io),
        }
    }
}

impl<W: Write> Write for Encryptor<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut rest = data;
        while !rest.is_empty() {
            if self.buf.len() == CHUNK_SIZE {
                // More data follows, so this full chunk is not the last one.
                self.seal_chunk(false)?;
            }
            if self.buf.is_empty() && rest.len() > CHUNK_SIZE {
                // A whole chunk with more data after it: not the last, encrypted in place of a copy.
                self.seal_direct(&rest[..CHUNK_SIZE])?;
                rest = &rest[CHUNK_SIZE..];
                continue;
            }
            let take = (CHUNK_SIZE - self.buf.len()).min(rest.len());
            self.buf.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.out.as_mut() {
            Some(o) => o.flush(),
            None => Ok(()),
        }
    }
}

impl<W: Write> Drop for Encryptor<W> {
    fn drop(&mut self) {
        self.buf.zeroize();
        self.direct.zeroize();
    }
}

/// Streaming age decryptor (spec "Payload"). Created by [`Decryptor::new`], which parses the header,
/// unwraps the file key and checks the header MAC; then `read` yields plaintext chunk by chunk, each
/// released only after its tag verified. The final `read` returning 0 means the last chunk verified and
/// no trailing data follows; any failure is an `io::Error` wrapping an [`AgeError`] (use
/// [`Decryptor::next_chunk`] for typed errors).
pub struct Decryptor<R: Read> {
    src: BufReader<R>,
    cipher: ChaCha20Poly1305,
    counter: u128,
    buf: Zeroizing<Vec<u8>>,
    pos: usize,
    last_seen: bool,
    finished: bool,
    failed: Option<AgeError>,
}

/// A boxed reader used by the auto-detecting constructor.
pub type DynRead<'a> = Box<dyn Read + 'a>;

impl<'a> Decryptor<DynRead<'a>> {
    /// Like [`Decryptor::new`], but detects ASCII armor (optional leading whitespace, then
    /// `-----BEGIN`) and decodes it strictly.
    pub fn new_auto<R: Read + 'a, I: UnwrapIdentity>(
        src: R,
        identities: &[I],
    ) -> Result<Self, AgeError> {
        let mut br = BufReader::new(src);
        let peek = br.fill_buf().map_err(AgeError::Io)?.to_vec();
        let mut prefix = peek;
        // fill_buf may return fewer bytes than needed for detection; that only matters for tiny reads.
        prefix.truncate(64);
        let r: DynRead<'a> = if armor::looks_armored(&prefix) {
            Box::new(ArmorReader::new(br))
        } else {
            Box::new(br)
        };
        Decryptor::new(r, identities)
    }

    /// Like [`Decryptor::new`] with `armor` chosen explicitly.
    pub fn with_armor<R: Read + 'a, I: UnwrapIdentity>(
        src: R,
        identities: &[I],
        armor: Armor,
    ) -> Result<Self, AgeError> {
        let r: DynRead<'a> = match armor {
            Armor::Binary => Box::new(src),
            Armor::Armored => Box::new(ArmorReader::new(src)),
        };
        Decryptor::new(r, identities)
    }
}

impl<R: Read> Decryptor<R> {
    /// Parses the header from `src`, finds the file key with `identities`, verifies the header MAC and
    /// reads the payload nonce.
    ///
    /// Errors: [`AgeError::Header`] (malformed header, an invalid stanza of a type one of the
    /// identities handles, low-order share, scrypt stanza not alone, scrypt work factor above
    /// [`SCRYPT_MAX_WORK_FACTOR`], missing or short nonce), [`AgeError::NoMatch`], [`AgeError::Hmac`],
    /// [`AgeError::Armor`], [`AgeError::Io`].
    pub fn new<I: UnwrapIdentity>(src: R, identities: &[I]) -> Result<Decryptor<R>, AgeError> {
        let mut src = BufReader::with_capacity(ENC_CHUNK, src);
        let header = parse_header(&mut src)?;
        let file_key = unwrap_file_key(&header, identities)?;
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(header_mac_key(&file_key).as_ref())
            .expect("any key length");
        mac.update(&header.mac_input);
        mac.verify_slice(&header.mac).map_err(|_| AgeError::Hmac)?;
        let mut nonce = [0u8; NONCE_LEN];
        src.read_exact(&mut nonce).map_err(|e| {
            AgeError::from_read(e, |m| AgeError::Header(format!("payload nonce: {m}")))
        })?;
        let key = hkdf32(file_key.as_ref(), &nonce, b"payload");
        Ok(Decryptor {
            src,
            cipher: chacha(&key),
            counter: 0,
            buf: Zeroizing::new(Vec::with_capacity(ENC_CHUNK)),
            pos: 0,
            last_seen: false,
            finished: false,
            failed: None,
        })
    }

    fn read_up_to(&mut self, n: usize) -> Result<usize, AgeError> {
        self.buf.clear();
        self.buf.resize(n, 0);
        let mut got = 0;
        while got < n {
            match self.src.read(&mut self.buf[got..]) {
                Ok(0) => break,
                Ok(k) => got += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(AgeError::from_read(e, AgeError::Payload)),
            }
        }
        self.buf.truncate(got);
        Ok(got)
    }

    /// Returns the next authenticated plaintext chunk, or `Ok(None)` after the last chunk once it is
    /// certain no trailing data follows. After an error, every later call returns the same error class.
    pub fn next_chunk(&mut self) -> Result<Option<&[u8]>, AgeError> {
        if let Some(e) = &self.failed {
            return Err(e.clone_shallow());
        }
        match self.next_chunk_inner() {
            Ok(true) => Ok(Some(&self.buf[..])),
            Ok(false) => Ok(None),
            Err(e) => {
                self.buf.zeroize();
                self.buf.clear();
                self.failed = Some(e.clone_shallow());
                Err(e)
            }
        }
    }

    fn next_chunk_inner(&mut self) -> Result<bool, AgeError> {
        if self.finished {
            return Ok(false);
        }
        if self.last_seen {
            // Trailing data check after the final chunk.
            let mut one = [0u8; 1];
            loop {
                match self.src.read(&mut one) {
                    Ok(0) => break,
                    Ok(_) => {
                        return Err(AgeError::Payload(
                            "trailing data after the final chunk".into(),
                        ));
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(AgeError::from_read(e, AgeError::Payload)),
                }
            }
            self.finished = true;
            self.buf.clear();
            return Ok(false);
        }
        if self.counter > MAX_COUNTER {
            return Err(AgeError::Payload("STREAM counter overflow".into()));
        }
        let n = self.read_up_to(ENC_CHUNK)?;
        if n == 0 {
            return Err(AgeError::Payload("truncated: no final chunk".into()));
        }
        let mut last = n < ENC_CHUNK;
        if last && self.counter != 0 && n == TAG_LEN {
            return Err(AgeError::Payload("the final chunk is empty".into()));
        }
        if n < TAG_LEN {
            return Err(AgeError::Payload("chunk shorter than its tag".into()));
        }
        let (ct, tag) = self.buf.split_at_mut(n - TAG_LEN);
        let tag = Tag::try_from(&tag[..]).expect("16 bytes");
        let mut ok = self
            .cipher
            .decrypt_inout_detached(&stream_nonce(self.counter, last), b"", ct.into(), &tag)
            .is_ok();
        if !ok && !last {
            // A full-length chunk may be the final one.
            last = true;
            ok = self
                .cipher
                .decrypt_inout_detached(&stream_nonce(self.counter, true), b"", ct.into(), &tag)
                .is_ok();
        }
        if !ok {
            return Err(AgeError::Payload(format!(
                "chunk {} failed to authenticate",
                self.counter
            )));
        }
        if last && self.counter != 0 && n == TAG_LEN {
            return Err(AgeError::Payload("the final chunk is empty".into()));
        }
        self.buf.truncate(n - TAG_LEN);
        self.counter += 1;
        self.last_seen = last;
        Ok(true)
    }

    /// The underlying reader (bytes buffered but not yet consumed by the decryptor are lost; after the
    /// end of the payload there are none).
    pub fn into_inner(self) -> R {
        self.src.into_inner()
    }

    /// Decrypts everything into `out`; returns the plaintext length in bytes. Plaintext reaches `out`
    /// chunk by chunk: on error, `out` may hold the authenticated prefix.
    pub fn decrypt_to<W: Write>(mut self, out: &mut W) -> Result<u64, AgeError> {
        let mut total = 0u64;
        while let Some(chunk) = self.next_chunk()? {
            out.write_all(chunk).map_err(AgeError::Io)?;
            total += chunk.len() as u64;
        }
        Ok(total)
    }
}

impl<R: Read> Read for Decryptor<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            if self.pos < self.buf.len() && self.failed.is_none() {
                let n = (self.buf.len() - self.pos).min(out.len());
                out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            self.pos = 0;
            match self.next_chunk() {
                Ok(Some(_)) => continue,
                Ok(None) => return Ok(0),
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
            }
        }
    }
}

/// Encrypts all of `input` to `recipients` into `out`; returns the plaintext length in bytes.
pub fn encrypt<R: Read, W: Write>(
    input: &mut R,
    out: W,
    recipients: &[Recipient],
    armor: Armor,
) -> Result<u64, AgeError> {
    let mut enc = Encryptor::new(out, recipients, armor)?;
    let n = io::copy(input, &mut enc).map_err(AgeError::Io)?;
    enc.finish()?;
    Ok(n)
}

/// Decrypts `input` (armor auto-detected) with `identities` to the file `dest`, releasing nothing
/// before the end: plaintext goes to a 0600 temporary file created exclusively beside `dest`, which is
/// fsynced and renamed to `dest` only after the final chunk authenticated and no trailing data follows.
/// On any error the temporary file is removed and `dest` is untouched. `dest` must not exist.
/// Returns the plaintext length in bytes.
pub fn decrypt_to_path<R: Read, I: UnwrapIdentity>(
    input: R,
    identities: &[I],
    dest: &Path,
) -> Result<u64, AgeError> {
    Ok(decrypt_to_path_hashed(input, identities, dest)?.0)
}

/// [`decrypt_to_path`] in one pass that also returns the SHA-256 of the input read and of the
/// plaintext written (each on a thread of its own, while this one decrypts): `(plaintext length in
/// bytes, input SHA-256, plaintext SHA-256)`. Input is read and output written in 1 MiB blocks,
/// write-back started as it goes, one fsync at the end.
pub fn decrypt_to_path_hashed<R: Read, I: UnwrapIdentity>(
    input: R,
    identities: &[I],
    dest: &Path,
) -> Result<(u64, [u8; 32], [u8; 32]), AgeError> {
    use super::pipe::{self, HashThread, HashingReader, Pool};
    let mut src = HashingReader::new(input).map_err(AgeError::Io)?;
    let mut dec = Decryptor::new_auto(&mut src, identities)?;
    let tmp = super::fsutil::TempFile::new_beside(dest).map_err(AgeError::Io)?;
    let h = HashThread::spawn().map_err(AgeError::Io)?;
    let mut pool = Pool::default();
    let mut total = 0u64;
    {
        let mut w = pipe::WritebackFile::new(tmp.file());
        let mut b = pool.get();
        let mut fill = 0;
        while let Some(chunk) = dec.next_chunk()? {
            let mut rest = chunk;
            while !rest.is_empty() {
                let take = (pipe::BLOCK - fill).min(rest.len());
                pipe::block_mut(&mut b)[fill..fill + take].copy_from_slice(&rest[..take]);
                fill += take;
                rest = &rest[take..];
                if fill == pipe::BLOCK {
                    w.write_all(&b[..fill]).map_err(AgeError::Io)?;
                    h.update(&b, 0..fill);
                    let next = pool.get();
                    pool.put(std::mem::replace(&mut b, next));
                    fill = 0;
                }
            }
            total += chunk.len() as u64;
        }
        w.write_all(&b[..fill]).map_err(AgeError::Io)?;
        h.update(&b, 0..fill);
    }
    drop(dec);
    let plain_sha = h.finish().map_err(AgeError::Io)?;
    let (_, input_sha) = src.finish().map_err(AgeError::Io)?;
    tmp.persist_noclobber(dest).map_err(AgeError::Io)?;
    Ok((total, input_sha, plain_sha))
}

// ---------------------------------------------------------------------------------------------
// Recipient types beyond X25519: scrypt (passphrase) and mlkem768x25519 (hybrid post-quantum).
// ---------------------------------------------------------------------------------------------

/// Anything that can try to unwrap the file key from one recipient stanza (spec "Recipient types").
///
/// `Ok(None)`: the stanza is not of this identity's type, or it is but was not wrapped to it.
/// `Err`: the stanza is of this identity's type and malformed (a header failure).
pub trait UnwrapIdentity {
    /// Tries one stanza.
    fn unwrap_stanza(&self, st: &Stanza)
    -> Result<Option<Zeroizing<[u8; FILE_KEY_LEN]>>, AgeError>;
}

impl UnwrapIdentity for Identity {
    fn unwrap_stanza(
        &self,
        st: &Stanza,
    ) -> Result<Option<Zeroizing<[u8; FILE_KEY_LEN]>>, AgeError> {
        self.unwrap_x25519(st)
    }
}

impl<T: UnwrapIdentity + ?Sized> UnwrapIdentity for &T {
    fn unwrap_stanza(
        &self,
        st: &Stanza,
    ) -> Result<Option<Zeroizing<[u8; FILE_KEY_LEN]>>, AgeError> {
        (**self).unwrap_stanza(st)
    }
}

/// Bech32 (BIP 173 polynomial and residue) without the 90-character limit, as the age spec uses it:
/// a hybrid recipient `age1pq1…` is about 1,960 characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bech32Long {}

impl bech32::Checksum for Bech32Long {
    type MidstateRepr = u32;
    const CODE_LENGTH: usize = 8192;
    const CHECKSUM_LENGTH: usize = 6;
    // The BIP 173 generator and its shifts (same constants as `bech32::Bech32`).
    const GENERATOR_SH: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    const TARGET_RESIDUE: u32 = 1;
}

fn bech32_long_decode(s: &str) -> Result<(String, Vec<u8>), AgeError> {
    use bech32::primitives::decode::CheckedHrpstring;
    if s.len() > BECH32_LONG_MAX {
        return Err(AgeError::Key("key string too long".into()));
    }
    let checked = CheckedHrpstring::new::<Bech32Long>(s)
        .map_err(|e| AgeError::Key(format!("not a valid Bech32 string: {e}")))?;
    let hrp = checked.hrp().to_lowercase();
    let data: Vec<u8> = checked.byte_iter().collect();
    let hrp_obj = bech32::Hrp::parse(&hrp).map_err(|e| AgeError::Key(e.to_string()))?;
    let again = bech32::encode_lower::<Bech32Long>(hrp_obj, &data)
        .map_err(|e| AgeError::Key(e.to_string()))?;
    if !again.eq_ignore_ascii_case(s) {
        return Err(AgeError::Key("non-canonical Bech32 encoding".into()));
    }
    Ok((hrp, data))
}

const BECH32_LONG_MAX: usize = 4096;

/// The HPKE `info` of the hybrid recipient type (spec "The mlkem768x25519 recipient type").
const PQ_LABEL: &[u8] = b"age-encryption.org/mlkem768x25519";
const PQ_TYPE: &str = "mlkem768x25519";
const PQ_RECIPIENT_HRP: &str = "age1pq";
const PQ_IDENTITY_HRP: &str = "age-secret-key-pq-";
/// Length of the hybrid `enc`: ML-KEM-768 ciphertext (1088) ‖ X25519 share (32).
const PQ_ENC_LEN: usize = 1120;
/// Length of a hybrid public key: ML-KEM-768 encapsulation key (1184) ‖ X25519 key (32).
pub const PQ_PUBLIC_LEN: usize = 1216;

type PqKem = hpke::kem::XWing;
type PqKdf = hpke::kdf::HkdfSha256;
type PqAead = hpke::aead::ChaCha20Poly1305;

/// A hybrid post-quantum age identity (spec "The mlkem768x25519 recipient type", age 1.3): a 32-byte
/// X-Wing (MLKEM768-X25519) seed, used through HPKE base mode with HKDF-SHA-256 and
/// ChaCha20-Poly1305 (`hpke` crate, KEM id 0x647a). Text form: Bech32 uppercase
/// `AGE-SECRET-KEY-PQ-1…`. Zeroized on drop; `Debug` never shows the secret.
#[derive(Clone)]
pub struct HybridIdentity {
    seed: Zeroizing<[u8; 32]>,
    sk: <PqKem as hpke::Kem>::PrivateKey,
}

impl HybridIdentity {
    /// A fresh identity from the operating system's random source.
    pub fn generate() -> HybridIdentity {
        HybridIdentity::from_seed(Zeroizing::new(random_bytes::<32>()))
    }

    /// The identity with the given 32-byte seed.
    pub fn from_seed(seed: Zeroizing<[u8; 32]>) -> HybridIdentity {
        use hpke::Deserializable;
        let sk = <PqKem as hpke::Kem>::PrivateKey::from_bytes(seed.as_ref())
            .expect("a 32-byte X-Wing seed is always valid");
        HybridIdentity { seed, sk }
    }

    /// The 32-byte seed (keep it inside the `Zeroizing`).
    pub fn to_seed(&self) -> Zeroizing<[u8; 32]> {
        self.seed.clone()
    }

    /// Parses `AGE-SECRET-KEY-PQ-1…` (Bech32, either case, canonical). Errors: [`AgeError::Key`].
    pub fn parse(s: &str) -> Result<HybridIdentity, AgeError> {
        let (hrp, mut data) = bech32_long_decode(s.trim())?;
        if hrp != PQ_IDENTITY_HRP {
            data.zeroize();
            return Err(AgeError::Key(format!("unexpected identity type {hrp:?}")));
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        if data.len() != 32 {
            data.zeroize();
            return Err(AgeError::Key("a hybrid identity is a 32-byte seed".into()));
        }
        seed.copy_from_slice(&data);
        data.zeroize();
        Ok(HybridIdentity::from_seed(seed))
    }

    /// The Bech32 uppercase text form `AGE-SECRET-KEY-PQ-1…`.
    pub fn to_bech32(&self) -> Zeroizing<String> {
        let hrp = bech32::Hrp::parse(PQ_IDENTITY_HRP).expect("valid hrp");
        Zeroizing::new(bech32::encode_upper::<Bech32Long>(hrp, self.seed.as_ref()).expect("fits"))
    }

    /// The matching recipient (1216-byte public key).
    pub fn recipient(&self) -> HybridRecipient {
        use hpke::Serializable;
        let pk = <PqKem as hpke::Kem>::sk_to_pk(&self.sk);
        HybridRecipient {
            bytes: pk.to_bytes().to_vec(),
            pk,
        }
    }

    fn unwrap_hybrid(
        &self,
        st: &Stanza,
    ) -> Result<Option<Zeroizing<[u8; FILE_KEY_LEN]>>, AgeError> {
        use hpke::Deserializable;
        if st.args[0] != PQ_TYPE {
            return Ok(None);
        }
        if st.args.len() != 2 {
            return Err(AgeError::Header(
                "mlkem768x25519 stanza must have exactly one argument".into(),
            ));
        }
        let enc = decode_b64(&st.args[1])
            .ok_or_else(|| AgeError::Header("mlkem768x25519 enc is not canonical base64".into()))?;
        if st.body.len() != FILE_KEY_LEN + TAG_LEN {
            return Err(AgeError::Header(
                "mlkem768x25519 stanza body must be 32 bytes".into(),
            ));
        }
        if enc.len() != PQ_ENC_LEN {
            return Err(AgeError::Header(format!(
                "mlkem768x25519 enc must be {PQ_ENC_LEN} bytes"
            )));
        }
        let share: [u8; 32] = enc[PQ_ENC_LEN - 32..].try_into().expect("32 bytes");
        if is_low_order(&share) {
            // The X25519 shared secret would be all zero (spec: must be rejected).
            return Err(AgeError::Header(
                "mlkem768x25519 X25519 share is a low-order point".into(),
            ));
        }
        let encapped = <PqKem as hpke::Kem>::EncappedKey::from_bytes(&enc)
            .map_err(|_| AgeError::Header("mlkem768x25519 enc is invalid".into()))?;
        match hpke::single_shot_open::<PqAead, PqKdf, PqKem>(
            &hpke::OpModeR::Base,
            &self.sk,
            &encapped,
            PQ_LABEL,
            &st.body,
            b"",
        ) {
            Ok(mut pt) => {
                let mut key = Zeroizing::new([0u8; FILE_KEY_LEN]);
                if pt.len() != FILE_KEY_LEN {
                    pt.zeroize();
                    return Err(AgeError::Header(
                        "unwrapped file key is not 16 bytes".into(),
                    ));
                }
                key.copy_from_slice(&pt);
                pt.zeroize();
                Ok(Some(key))
            }
            // ML-KEM has implicit rejection: another key only shows here.
            Err(_) => Ok(None),
        }
    }
}

impl UnwrapIdentity for HybridIdentity {
    fn unwrap_stanza(
        &self,
        st: &Stanza,
    ) -> Result<Option<Zeroizing<[u8; FILE_KEY_LEN]>>, AgeError> {
        self.unwrap_hybrid(st)
    }
}

impl fmt::Debug for HybridIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HybridIdentity { secret: <redacted> }")
    }
}

/// A hybrid post-quantum age recipient: the 1216-byte MLKEM768-X25519 public key. Text form: Bech32
/// lowercase `age1pq1…` (about 1,960 characters, long checksum variant without the 90-character
/// limit).
#[derive(Clone)]
pub struct HybridRecipient {
    bytes: Vec<u8>,
    pk: <PqKem as hpke::Kem>::PublicKey,
}

impl HybridRecipient {
    /// Parses `age1pq1…`. Errors ([`AgeError::Key`]): malformed Bech32, wrong type or length, an
    /// invalid encapsulation key.
    pub fn parse(s: &str) -> Result<HybridRecipient, AgeError> {
        let (hrp, data) = bech32_long_decode(s.trim())?;
        if hrp != PQ_RECIPIENT_HRP {
            return Err(AgeError::Key(format!("unexpected recipient type {hrp:?}")));
        }
        HybridRecipient::from_bytes(&data)
    }

    /// From the raw 1216-byte public key. Errors: [`AgeError::Key`].
    pub fn from_bytes(bytes: &[u8]) -> Result<HybridRecipient, AgeError> {
        use hpke::Deserializable;
        if bytes.len() != PQ_PUBLIC_LEN {
            return Err(AgeError::Key(format!(
                "a hybrid recipient is {PQ_PUBLIC_LEN} bytes"
            )));
        }
        let x: [u8; 32] = bytes[PQ_PUBLIC_LEN - 32..].try_into().expect("32 bytes");
        if !is_canonical_u(&x) || is_low_order(&x) {
            return Err(AgeError::Key(
                "the X25519 part of the hybrid recipient is invalid".into(),
            ));
        }
        let pk = <PqKem as hpke::Kem>::PublicKey::from_bytes(bytes)
            .map_err(|_| AgeError::Key("invalid MLKEM768-X25519 public key".into()))?;
        Ok(HybridRecipient {
            bytes: bytes.to_vec(),
            pk,
        })
    }

    /// The raw 1216-byte public key.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn wrap_hybrid(&self, file_key: &[u8; FILE_KEY_LEN]) -> Result<Stanza, AgeError> {
        use hpke::Serializable;
        let (enc, ct) = hpke::single_shot_seal::<PqAead, PqKdf, PqKem>(
            &hpke::OpModeS::Base,
            &self.pk,
            PQ_LABEL,
            file_key,
            b"",
        )
        .map_err(|e| AgeError::Key(format!("HPKE seal failed: {e:?}")))?;
        Ok(Stanza {
            args: vec![PQ_TYPE.into(), STANDARD_NO_PAD.encode(enc.to_bytes())],
            body: ct,
        })
    }
}

impl PartialEq for HybridRecipient {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}
impl Eq for HybridRecipient {}

impl fmt::Display for HybridRecipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hrp = bech32::Hrp::parse(PQ_RECIPIENT_HRP).expect("valid hrp");
        let s = bech32::encode_lower::<Bech32Long>(hrp, &self.bytes).expect("fits");
        f.write_str(&s)
    }
}

impl fmt::Debug for HybridRecipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.to_string();
        write!(f, "HybridRecipient({}…{})", &s[..16], &s[s.len() - 8..])
    }
}

impl FromStr for HybridRecipient {
    type Err = AgeError;
    fn from_str(s: &str) -> Result<Self, AgeError> {
        HybridRecipient::parse(s)
    }
}

const SCRYPT_LABEL: &[u8] = b"age-encryption.org/v1/scrypt";
/// Highest scrypt work factor (log2 N) accepted when decrypting, like the reference tool: a file
/// asking for more is refused as a header failure instead of running for minutes.
pub const SCRYPT_MAX_WORK_FACTOR: u8 = 22;
/// Work factor used when encrypting to a passphrase (log2 N, about one second; the age default).
pub const SCRYPT_DEFAULT_WORK_FACTOR: u8 = 18;

fn scrypt_key(
    passphrase: &[u8],
    salt: &[u8; 16],
    log_n: u8,
) -> Result<Zeroizing<[u8; 32]>, AgeError> {
    let mut full_salt = Vec::with_capacity(SCRYPT_LABEL.len() + 16);
    full_salt.extend_from_slice(SCRYPT_LABEL);
    full_salt.extend_from_slice(salt);
    let params = scrypt::Params::new(log_n, 8, 1)
        .map_err(|_| AgeError::Header("invalid scrypt parameters".into()))?;
    let mut out = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(passphrase, &full_salt, &params, out.as_mut())
        .map_err(|_| AgeError::Header("scrypt failed".into()))?;
    Ok(out)
}

/// A passphrase used to open an `scrypt` stanza (spec "The scrypt recipient type"). Zeroized on drop.
#[derive(Clone)]
pub struct ScryptIdentity {
    passphrase: Zeroizing<Vec<u8>>,
    max_work_factor: u8,
}

impl ScryptIdentity {
    /// The passphrase (bytes as given; no normalisation), accepting work factors up to
    /// [`SCRYPT_MAX_WORK_FACTOR`].
    pub fn new(passphrase: &[u8]) -> ScryptIdentity {
        ScryptIdentity {
            passphrase: Zeroizing::new(passphrase.to_vec()),
            max_work_factor: SCRYPT_MAX_WORK_FACTOR,
        }
    }

    fn unwrap_scrypt(
        &self,
        st: &Stanza,
    ) -> Result<Option<Zeroizing<[u8; FILE_KEY_LEN]>>, AgeError> {
        if st.args[0] != "scrypt" {
            return Ok(None);
        }
        if st.args.len() != 3 {
            return Err(AgeError::Header(
                "scrypt stanza must have exactly two arguments".into(),
            ));
        }
        let salt: [u8; 16] = decode_b64(&st.args[1])
            .and_then(|v| v.try_into().ok())
            .ok_or_else(|| {
                AgeError::Header("scrypt salt must be 16 bytes of canonical base64".into())
            })?;
        let wf = &st.args[2];
        let digits_ok = !wf.is_empty()
            && wf.bytes().all(|b| b.is_ascii_digit())
            && !wf.starts_with('0')
            && wf.len() <= 2;
        let log_n: u8 = if digits_ok {
            wf.parse().unwrap_or(0)
        } else {
            0
        };
        if log_n == 0 {
            return Err(AgeError::Header(format!(
                "scrypt work factor {wf:?} is not a decimal number from 1"
            )));
        }
        if log_n > self.max_work_factor {
            return Err(AgeError::Header(format!(
                "scrypt work factor {log_n} is above the limit {}",
                self.max_work_factor
            )));
        }
        if st.body.len() != FILE_KEY_LEN + TAG_LEN {
            return Err(AgeError::Header(
                "scrypt stanza body must be 32 bytes".into(),
            ));
        }
        let wrap = scrypt_key(&self.passphrase, &salt, log_n)?;
        let mut key = Zeroizing::new([0u8; FILE_KEY_LEN]);
        key.copy_from_slice(&st.body[..FILE_KEY_LEN]);
        let tag = Tag::try_from(&st.body[FILE_KEY_LEN..]).expect("16 bytes");
        match chacha(&wrap).decrypt_inout_detached(
            &Nonce::default(),
            b"",
            key.as_mut_slice().into(),
            &tag,
        ) {
            Ok(()) => Ok(Some(key)),
            Err(_) => Ok(None),
        }
    }
}

impl UnwrapIdentity for ScryptIdentity {
    fn unwrap_stanza(
        &self,
        st: &Stanza,
    ) -> Result<Option<Zeroizing<[u8; FILE_KEY_LEN]>>, AgeError> {
        self.unwrap_scrypt(st)
    }
}

impl fmt::Debug for ScryptIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ScryptIdentity { passphrase: <redacted> }")
    }
}

/// A passphrase to encrypt to (an `scrypt` stanza; it must be the file's only recipient).
#[derive(Clone)]
pub struct ScryptRecipient {
    passphrase: Zeroizing<Vec<u8>>,
    work_factor: u8,
}

impl ScryptRecipient {
    /// Encrypt to `passphrase` with [`SCRYPT_DEFAULT_WORK_FACTOR`].
    pub fn new(passphrase: &[u8]) -> ScryptRecipient {
        ScryptRecipient {
            passphrase: Zeroizing::new(passphrase.to_vec()),
            work_factor: SCRYPT_DEFAULT_WORK_FACTOR,
        }
    }

    /// Sets the work factor (log2 N, 1..=[`SCRYPT_MAX_WORK_FACTOR`]; tests use small values).
    /// Errors: [`AgeError::Key`] outside that range.
    pub fn with_work_factor(mut self, log_n: u8) -> Result<ScryptRecipient, AgeError> {
        if !(1..=SCRYPT_MAX_WORK_FACTOR).contains(&log_n) {
            return Err(AgeError::Key(format!(
                "scrypt work factor must be 1..={SCRYPT_MAX_WORK_FACTOR}"
            )));
        }
        self.work_factor = log_n;
        Ok(self)
    }

    fn wrap_scrypt(&self, file_key: &[u8; FILE_KEY_LEN]) -> Result<Stanza, AgeError> {
        let salt = random_bytes::<16>();
        let wrap = scrypt_key(&self.passphrase, &salt, self.work_factor)
            .map_err(|e| AgeError::Key(e.to_string()))?;
        let mut body = file_key.to_vec();
        let tag = chacha(&wrap)
            .encrypt_inout_detached(&Nonce::default(), b"", body.as_mut_slice().into())
            .map_err(|_| AgeError::Header("wrap failed".into()))?;
        body.extend_from_slice(&tag);
        Ok(Stanza {
            args: vec![
                "scrypt".into(),
                STANDARD_NO_PAD.encode(salt),
                self.work_factor.to_string(),
            ],
            body,
        })
    }
}

impl fmt::Debug for ScryptRecipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ScryptRecipient {{ work_factor: {} }}", self.work_factor)
    }
}

/// Any identity kasa can decrypt with.
#[derive(Clone, Debug)]
pub enum AnyIdentity {
    /// `AGE-SECRET-KEY-1…`
    X25519(Identity),
    /// `AGE-SECRET-KEY-PQ-1…`
    Hybrid(Box<HybridIdentity>),
    /// A passphrase.
    Scrypt(ScryptIdentity),
}

impl AnyIdentity {
    /// Parses an X25519 or a hybrid identity string. Errors: [`AgeError::Key`],
    /// [`AgeError::Unsupported`] (plugins).
    pub fn parse(s: &str) -> Result<AnyIdentity, AgeError> {
        if s.trim()
            .to_ascii_uppercase()
            .starts_with("AGE-SECRET-KEY-PQ-1")
        {
            HybridIdentity::parse(s).map(|i| AnyIdentity::Hybrid(Box::new(i)))
        } else {
            Identity::parse(s).map(AnyIdentity::X25519)
        }
    }
}

impl UnwrapIdentity for AnyIdentity {
    fn unwrap_stanza(
        &self,
        st: &Stanza,
    ) -> Result<Option<Zeroizing<[u8; FILE_KEY_LEN]>>, AgeError> {
        match self {
            AnyIdentity::X25519(i) => i.unwrap_x25519(st),
            AnyIdentity::Hybrid(i) => i.unwrap_hybrid(st),
            AnyIdentity::Scrypt(i) => i.unwrap_scrypt(st),
        }
    }
}

/// Any recipient kasa can encrypt to (see [`Encryptor::new_any`] for the mixing rules).
#[derive(Clone, Debug)]
pub enum AnyRecipient {
    /// `age1…`
    X25519(Recipient),
    /// `age1pq1…`
    Hybrid(Box<HybridRecipient>),
    /// A passphrase.
    Scrypt(ScryptRecipient),
}

impl AnyRecipient {
    /// Parses `age1…` or `age1pq1…`. Errors: [`AgeError::Key`], [`AgeError::Unsupported`].
    pub fn parse(s: &str) -> Result<AnyRecipient, AgeError> {
        if s.trim().to_ascii_lowercase().starts_with("age1pq1") {
            HybridRecipient::parse(s).map(|r| AnyRecipient::Hybrid(Box::new(r)))
        } else {
            Recipient::parse(s).map(AnyRecipient::X25519)
        }
    }

    fn wrap(&self, file_key: &[u8; FILE_KEY_LEN]) -> Result<Stanza, AgeError> {
        match self {
            AnyRecipient::X25519(r) => r.wrap_x25519(file_key),
            AnyRecipient::Hybrid(r) => r.wrap_hybrid(file_key),
            AnyRecipient::Scrypt(r) => r.wrap_scrypt(file_key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_text_round_trip() {
        let id = Identity::generate();
        let s = id.to_bech32();
        assert!(s.starts_with("AGE-SECRET-KEY-1"));
        let back = Identity::parse(&s).unwrap();
        assert_eq!(back.recipient(), id.recipient());
        let r = id.recipient().to_string();
        assert!(r.starts_with("age1"));
        assert_eq!(Recipient::parse(&r).unwrap(), id.recipient());
        assert!(!format!("{id:?}").contains(&s[16..]));
    }

    #[test]
    fn low_order_recipient_refused() {
        assert!(Recipient::from_bytes([0u8; 32]).is_err());
        let mut one = [0u8; 32];
        one[0] = 1;
        assert!(Recipient::from_bytes(one).is_err());
    }

    #[test]
    fn round_trip_sizes() {
        let id = Identity::generate();
        for len in [
            0usize,
            1,
            CHUNK_SIZE - 1,
            CHUNK_SIZE,
            CHUNK_SIZE + 1,
            2 * CHUNK_SIZE,
        ] {
            for armor in [Armor::Binary, Armor::Armored] {
                let data: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
                let mut ct = Vec::new();
                encrypt(&mut &data[..], &mut ct, &[id.recipient()], armor).unwrap();
                let mut back = Vec::new();
                Decryptor::new_auto(&ct[..], std::slice::from_ref(&id))
                    .unwrap()
                    .decrypt_to(&mut back)
                    .unwrap();
                assert_eq!(back, data, "len {len} {armor:?}");
            }
        }
    }
}
