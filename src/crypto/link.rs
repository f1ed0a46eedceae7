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

/// Builds the handshake state for one side. `secret` is the 32-byte link secret.
pub fn handshake(
    secret: &[u8; 32],
    initiator: bool,
) -> Result<snow::HandshakeState, LinkCryptoError> {
    let params: snow::params::NoiseParams = NOISE_PARAMS.parse().map_err(noise_err)?;
    let b = snow::Builder::new(params)
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
