//! Cryptography of the direct node-to-node link: the Noise handshake (via `snow`) with pinned static
//! keys, and the signed delivery receipt (*resi*, Ed25519).
//!
//! # Noise
//!
//! Pattern `Noise_XX_25519_ChaChaPoly_SHA256` (noiseprotocol.org rev 34), prologue
//! [`NOISE_PROLOGUE`]. Each side's static key is the node's link key (keystore, card v2 `link`). The
//! initiator checks the responder's static key against the card of the peer it dialled after message
//! 2, before revealing its own identity in message 3; the responder looks the initiator's static key
//! up among its verified peers after message 3. No application data is sent before both checks.
//! Transport messages use the stateless form with implicit, strictly increasing nonces (one counter
//! per direction), so a replayed, reordered or altered frame fails to decrypt.
//!
//! # Receipt signature
//!
//! Ed25519 (RFC 8032, `verify_strict`) by the receiving node's signing key over
//!
//! ```text
//! "kasa/resi/v1" ‖ for each field in order: u32 length ‖ UTF-8 bytes
//! fields: sender node id, receiver node id, msg id, SHA-256 of the .kgm (hex), status, time
//!         (RFC 3339 UTC), reason ("" when none)
//! ```

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

/// The Noise protocol name used on the link.
pub const NOISE_PARAMS: &str = "Noise_XX_25519_ChaChaPoly_SHA256";
/// The Noise prologue (binds the protocol version of kasa's link).
pub const NOISE_PROLOGUE: &[u8] = b"kasa-link/1";
/// Largest Noise message (spec §3).
pub const NOISE_MAX: usize = 65535;
/// Poly1305 tag length.
pub const NOISE_TAG: usize = 16;

const RESI_LABEL: &[u8] = b"kasa/resi/v1";

/// Errors of the link's cryptography.
#[derive(Debug, thiserror::Error)]
pub enum LinkCryptoError {
    /// Noise failure (handshake or transport decryption).
    #[error("noise: {0}")]
    Noise(String),
    /// The remote static key is not the pinned one.
    #[error("the peer's link key does not match its verified card (possible man-in-the-middle)")]
    KeyMismatch,
    /// A receipt signature does not verify.
    #[error("receipt signature does not verify")]
    BadSignature,
}

fn noise_err(e: snow::Error) -> LinkCryptoError {
    LinkCryptoError::Noise(e.to_string())
}

/// snow's default resolver, except ChaCha20-Poly1305: that comes from the `chacha20poly1305` crate
/// the age module uses (the 0.11 generation, with the AVX-512 backend that `.cargo/config.toml`
/// enables). snow pins the 0.10 generation, AVX2 at best, and its cipher was a quarter of the node's
/// CPU on a 1 GiB letter over the link (issue 18). Same primitive and the same nonce encoding (Noise
/// §5.1, ChaChaPoly: 32 zero bits ‖ the 64-bit counter little-endian), so the wire is unchanged:
/// the unit test `cipher_matches_snows_own` compares both byte for byte and runs a handshake and
/// transport against a side built with snow's default resolver.
struct LinkResolver;

impl snow::resolvers::CryptoResolver for LinkResolver {
    fn resolve_rng(&self) -> Option<Box<dyn snow::types::Random>> {
        snow::resolvers::DefaultResolver.resolve_rng()
    }

    fn resolve_dh(&self, choice: &snow::params::DHChoice) -> Option<Box<dyn snow::types::Dh>> {
        snow::resolvers::DefaultResolver.resolve_dh(choice)
    }

    fn resolve_hash(
        &self,
        choice: &snow::params::HashChoice,
    ) -> Option<Box<dyn snow::types::Hash>> {
        snow::resolvers::DefaultResolver.resolve_hash(choice)
    }

    fn resolve_cipher(
        &self,
        choice: &snow::params::CipherChoice,
    ) -> Option<Box<dyn snow::types::Cipher>> {
        match choice {
            snow::params::CipherChoice::ChaChaPoly => Some(Box::new(ChaChaPoly(None))),
            other => snow::resolvers::DefaultResolver.resolve_cipher(other),
        }
    }
}

/// ChaCha20-Poly1305 for snow ([`LinkResolver`]); the keyed cipher is kept between messages.
struct ChaChaPoly(Option<chacha20poly1305::ChaCha20Poly1305>);

impl ChaChaPoly {
    fn nonce(n: u64) -> chacha20poly1305::Nonce {
        let mut b = [0u8; 12];
        b[4..].copy_from_slice(&n.to_le_bytes());
        b.into()
    }
}

impl snow::types::Cipher for ChaChaPoly {
    fn name(&self) -> &'static str {
        "ChaChaPoly"
    }

    fn set(&mut self, key: &[u8; 32]) {
        use chacha20poly1305::aead::KeyInit;
        self.0 = Some(chacha20poly1305::ChaCha20Poly1305::new(key.into()));
    }

    fn encrypt(&self, nonce: u64, authtext: &[u8], plaintext: &[u8], out: &mut [u8]) -> usize {
        use chacha20poly1305::aead::AeadInOut;
        use chacha20poly1305::aead::inout::InOutBuf;
        let n = plaintext.len();
        let cipher = self.0.as_ref().expect("snow sets the key before use");
        // Read from `plaintext`, written to `out`: no copy before the cipher.
        let buf = InOutBuf::new(plaintext, &mut out[..n]).expect("equal lengths");
        let tag = cipher
            .encrypt_inout_detached(&Self::nonce(nonce), authtext, buf)
            .expect("a Noise message is far below the cipher's limit");
        out[n..n + NOISE_TAG].copy_from_slice(&tag);
        n + NOISE_TAG
    }

    fn decrypt(
        &self,
        nonce: u64,
        authtext: &[u8],
        ciphertext: &[u8],
        out: &mut [u8],
    ) -> Result<usize, snow::Error> {
        use chacha20poly1305::aead::AeadInOut;
        use chacha20poly1305::aead::inout::InOutBuf;
        let n = ciphertext
            .len()
            .checked_sub(NOISE_TAG)
            .ok_or(snow::Error::Decrypt)?;
        let tag =
            chacha20poly1305::Tag::try_from(&ciphertext[n..]).map_err(|_| snow::Error::Decrypt)?;
        let cipher = self.0.as_ref().ok_or(snow::Error::Decrypt)?;
        let buf =
            InOutBuf::new(&ciphertext[..n], &mut out[..n]).map_err(|_| snow::Error::Decrypt)?;
        cipher
            .decrypt_inout_detached(&Self::nonce(nonce), authtext, buf, &tag)
            .map_err(|_| snow::Error::Decrypt)?;
        Ok(n)
    }
}

/// Builds the handshake state for one side. `secret` is the 32-byte link secret.
pub fn handshake(
    secret: &[u8; 32],
    initiator: bool,
) -> Result<snow::HandshakeState, LinkCryptoError> {
    let params: snow::params::NoiseParams = NOISE_PARAMS.parse().map_err(noise_err)?;
    let b = snow::Builder::with_resolver(params, Box::new(LinkResolver))
        .local_private_key(secret)
        .map_err(noise_err)?
        .prologue(NOISE_PROLOGUE)
        .map_err(noise_err)?;
    if initiator {
        b.build_initiator().map_err(noise_err)
    } else {
        b.build_responder().map_err(noise_err)
    }
}

/// The transport after a finished handshake, usable from a reading and a writing thread at once
/// (each keeps its own nonce counter).
pub struct Transport {
    inner: snow::StatelessTransportState,
}

impl Transport {
    /// Switches a finished handshake to transport mode.
    pub fn new(hs: snow::HandshakeState) -> Result<Transport, LinkCryptoError> {
        Ok(Transport {
            inner: hs.into_stateless_transport_mode().map_err(noise_err)?,
        })
    }

    /// Encrypts `payload` (at most `NOISE_MAX - NOISE_TAG` bytes) with sending nonce `nonce`.
    pub fn seal(&self, nonce: u64, payload: &[u8]) -> Result<Vec<u8>, LinkCryptoError> {
        let mut out = vec![0u8; payload.len() + NOISE_TAG];
        let n = self
            .inner
            .write_message(nonce, payload, &mut out)
            .map_err(noise_err)?;
        out.truncate(n);
        Ok(out)
    }

    /// Encrypts `payload` with sending nonce `nonce` and appends the wire message to `out`: the
    /// `u16` big-endian length, then the ciphertext with its tag (one buffer, one write). Errors: a
    /// payload over `NOISE_MAX - NOISE_TAG` bytes, the cipher.
    pub fn seal_framed(
        &self,
        nonce: u64,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), LinkCryptoError> {
        let len = payload.len() + NOISE_TAG;
        let Ok(len16) = u16::try_from(len) else {
            return Err(LinkCryptoError::Noise("message too large".into()));
        };
        let at = out.len();
        out.extend_from_slice(&len16.to_be_bytes());
        out.resize(at + 2 + len, 0);
        let n = self
            .inner
            .write_message(nonce, payload, &mut out[at + 2..])
            .map_err(noise_err)?;
        out.truncate(at + 2 + n);
        Ok(())
    }

    /// [`Transport::open`] into `out` (at least `msg.len()` bytes; reused by the caller): the
    /// plaintext's length. Errors: as [`Transport::open`].
    pub fn open_into(
        &self,
        nonce: u64,
        msg: &[u8],
        out: &mut [u8],
    ) -> Result<usize, LinkCryptoError> {
        self.inner.read_message(nonce, msg, out).map_err(noise_err)
    }

    /// Decrypts one message with receiving nonce `nonce`.
    pub fn open(&self, nonce: u64, msg: &[u8]) -> Result<Vec<u8>, LinkCryptoError> {
        let mut out = vec![0u8; msg.len()];
        let n = self
            .inner
            .read_message(nonce, msg, &mut out)
            .map_err(noise_err)?;
        out.truncate(n);
        Ok(out)
    }
}

fn resi_message(fields: &[&str]) -> Vec<u8> {
    let mut m = RESI_LABEL.to_vec();
    for f in fields {
        m.extend_from_slice(&(f.len() as u32).to_be_bytes());
        m.extend_from_slice(f.as_bytes());
    }
    m
}

/// The fields a receipt signs, in order (see the module doc).
#[derive(Debug, Clone, Copy)]
pub struct ResiFields<'a> {
    pub sender: &'a str,
    pub receiver: &'a str,
    pub msg_id: &'a str,
    pub kgm_sha256: &'a str,
    pub status: &'a str,
    pub at: &'a str,
    pub reason: &'a str,
}

impl ResiFields<'_> {
    fn message(&self) -> Vec<u8> {
        resi_message(&[
            self.sender,
            self.receiver,
            self.msg_id,
            self.kgm_sha256,
            self.status,
            self.at,
            self.reason,
        ])
    }

    /// Signs the receipt; returns the 64-byte signature.
    pub fn sign(&self, key: &SigningKey) -> [u8; 64] {
        key.sign(&self.message()).to_bytes()
    }

    /// Verifies `sig` with the receiving node's key (`verify_strict`).
    pub fn verify(&self, key: &VerifyingKey, sig: &[u8; 64]) -> Result<(), LinkCryptoError> {
        key.verify_strict(&self.message(), &Signature::from_bytes(sig))
            .map_err(|_| LinkCryptoError::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xx_handshake_and_transport() {
        let a = [7u8; 32];
        let b = [9u8; 32];
        let mut i = handshake(&a, true).unwrap();
        let mut r = handshake(&b, false).unwrap();
        let mut buf = vec![0u8; NOISE_MAX];
        let mut pl = vec![0u8; NOISE_MAX];
        let n = i.write_message(&[], &mut buf).unwrap();
        r.read_message(&buf[..n], &mut pl).unwrap();
        let n = r.write_message(&[], &mut buf).unwrap();
        i.read_message(&buf[..n], &mut pl).unwrap();
        let b_pub = x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(b));
        assert_eq!(i.get_remote_static().unwrap(), b_pub.as_bytes());
        let n = i.write_message(&[], &mut buf).unwrap();
        r.read_message(&buf[..n], &mut pl).unwrap();
        let ti = Transport::new(i).unwrap();
        let tr = Transport::new(r).unwrap();
        let c0 = ti.seal(0, b"halo").unwrap();
        let c1 = ti.seal(1, b"dunia").unwrap();
        assert_eq!(tr.open(0, &c0).unwrap(), b"halo");
        // Replayed frame: the receiving nonce moved on, it fails.
        assert!(tr.open(1, &c0).is_err());
        assert_eq!(tr.open(1, &c1).unwrap(), b"dunia");
    }

    #[test]
    fn cipher_matches_snows_own() {
        use snow::resolvers::CryptoResolver;
        let choice = snow::params::CipherChoice::ChaChaPoly;
        let mut theirs = snow::resolvers::DefaultResolver
            .resolve_cipher(&choice)
            .unwrap();
        let mut ours = LinkResolver.resolve_cipher(&choice).unwrap();
        let key = [0x42u8; 32];
        theirs.set(&key);
        ours.set(&key);
        let msg: Vec<u8> = (0..65_519u32).map(|i| (i * 7 % 251) as u8).collect();
        for (nonce, ad, pt) in [
            (0u64, &b""[..], &msg[..]),
            (1, b"ad", &msg[..1]),
            (u64::MAX - 1, b"", &msg[..5000]),
        ] {
            let mut a = vec![0u8; pt.len() + NOISE_TAG];
            let mut b = vec![0u8; pt.len() + NOISE_TAG];
            assert_eq!(theirs.encrypt(nonce, ad, pt, &mut a), a.len());
            assert_eq!(ours.encrypt(nonce, ad, pt, &mut b), b.len());
            assert_eq!(a, b, "nonce {nonce}");
            let mut back = vec![0u8; pt.len()];
            assert_eq!(ours.decrypt(nonce, ad, &a, &mut back).unwrap(), pt.len());
            assert_eq!(back, pt);
            a[3] ^= 1;
            assert!(ours.decrypt(nonce, ad, &a, &mut back).is_err());
            assert!(ours.decrypt(nonce, ad, &a[..10], &mut back).is_err());
        }
        // A whole session against a side built with snow's default resolver, both directions.
        let params: snow::params::NoiseParams = NOISE_PARAMS.parse().unwrap();
        let mut i = handshake(&[7u8; 32], true).unwrap();
        let mut r = snow::Builder::new(params)
            .local_private_key(&[9u8; 32])
            .unwrap()
            .prologue(NOISE_PROLOGUE)
            .unwrap()
            .build_responder()
            .unwrap();
        let mut buf = vec![0u8; NOISE_MAX];
        let mut pl = vec![0u8; NOISE_MAX];
        let n = i.write_message(&[], &mut buf).unwrap();
        r.read_message(&buf[..n], &mut pl).unwrap();
        let n = r.write_message(b"dua", &mut buf).unwrap();
        assert_eq!(i.read_message(&buf[..n], &mut pl).unwrap(), 3);
        let n = i.write_message(b"tiga", &mut buf).unwrap();
        assert_eq!(r.read_message(&buf[..n], &mut pl).unwrap(), 4);
        let ti = Transport::new(i).unwrap();
        let tr = r.into_stateless_transport_mode().unwrap();
        let c = ti.seal(0, &msg).unwrap();
        let n = tr.read_message(0, &c, &mut pl).unwrap();
        assert_eq!(&pl[..n], &msg[..]);
        let n = tr.write_message(0, b"balasan", &mut buf).unwrap();
        assert_eq!(ti.open(0, &buf[..n]).unwrap(), b"balasan");
    }

    #[test]
    fn receipt_signature() {
        let k = SigningKey::from_bytes(&[3u8; 32]);
        let f = ResiFields {
            sender: "32",
            receiver: "32.01",
            msg_id: "00",
            kgm_sha256: "ab",
            status: "diterima",
            at: "2026-06-01T08:00:00Z",
            reason: "",
        };
        let sig = f.sign(&k);
        f.verify(&k.verifying_key(), &sig).unwrap();
        let other = ResiFields {
            status: "ditolak",
            ..f
        };
        assert!(other.verify(&k.verifying_key(), &sig).is_err());
    }
}
