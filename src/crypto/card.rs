//! Node cards (DESIGN §5 "Node identity"): the public half of a node's identity, exchanged out of band
//! and verified by a safety number read aloud or compared on paper.
//!
//! Text form (TOML, unknown fields refused). Version 2 adds the link key (Noise static X25519 key of
//! the direct node-to-node link) and the optional hybrid post-quantum age recipient; version 1 cards
//! (without them) are still accepted, and their safety number is unchanged.
//!
//! ```toml
//! kasa_node_card = 2
//! node_id = "32.01"
//! name = "Dinas Komunikasi dan Informatika Kabupaten Bogor"
//! x25519 = "age1…"                  # age X25519 recipient (Bech32)
//! ed25519 = "<64 hex>"              # Ed25519 verifying key
//! ed25519_fingerprint = "<64 hex>"  # SHA-256 of the Ed25519 key (checked when present)
//! x25519_key_id = "<64 hex>"        # SHA-256 of the X25519 key (checked when present)
//! link = "<64 hex>"                 # v2: Noise static X25519 public key of the link
//! mlkem768x25519 = "age1pq1…"       # v2, optional: hybrid post-quantum age recipient
//! ```

use std::fmt;

use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha512};

use super::age::{HybridRecipient, Recipient};

/// Card format version written (2: with the link key); version 1 is still read.
pub const CARD_VERSION: u32 = 2;

/// Errors of card parsing.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    /// Not valid card TOML, wrong version, or a fingerprint that does not match its key.
    #[error("malformed node card: {0}")]
    Format(String),
    /// The X25519 key is malformed, non-canonical or low order.
    #[error("invalid X25519 key in node card: {0}")]
    X25519(String),
    /// The Ed25519 key is not a valid point or is of small order.
    #[error("invalid Ed25519 key in node card: {0}")]
    Ed25519(String),
}

/// The public identity of a node.
#[derive(Clone, PartialEq, Eq)]
pub struct NodeCard {
    /// Node id (e.g. region code).
    pub node_id: String,
    /// Human name of the node.
    pub name: String,
    /// X25519 age recipient (encryption).
    pub encryption: Recipient,
    /// Ed25519 verifying key (signatures).
    pub signing: VerifyingKey,
    /// Noise static X25519 public key of the direct link (card v2; `None` on a v1 card: no link).
    pub link: Option<[u8; 32]>,
    /// Hybrid post-quantum age recipient (card v2, optional).
    pub pq: Option<HybridRecipient>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CardToml {
    kasa_node_card: u32,
    node_id: String,
    name: String,
    x25519: String,
    ed25519: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ed25519_fingerprint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    x25519_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mlkem768x25519: Option<String>,
}

/// Hex SHA-256 of an Ed25519 verifying key: the signing-key fingerprint used in `.kgm` headers.
pub fn signing_fingerprint(key: &VerifyingKey) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Hex SHA-256 of the 32-byte X25519 public key: the key id used in `.kgm` recipient lists.
pub fn key_id(recipient: &Recipient) -> String {
    hex::encode(Sha256::digest(recipient.to_bytes()))
}

/// Parses a 32-byte Ed25519 verifying key, refusing invalid encodings and small-order ("weak") keys.
pub fn parse_verifying_key(bytes: &[u8]) -> Result<VerifyingKey, CardError> {
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| CardError::Ed25519("must be 32 bytes".into()))?;
    let key = VerifyingKey::from_bytes(&arr).map_err(|e| CardError::Ed25519(e.to_string()))?;
    if key.is_weak() {
        return Err(CardError::Ed25519("small-order key".into()));
    }
    Ok(key)
}

impl NodeCard {
    /// Hex SHA-256 of the signing key.
    pub fn signing_fingerprint(&self) -> String {
        signing_fingerprint(&self.signing)
    }

    /// Hex SHA-256 of the X25519 key.
    pub fn key_id(&self) -> String {
        key_id(&self.encryption)
    }

    /// The TOML text form, with both fingerprints.
    pub fn to_toml(&self) -> String {
        let t = CardToml {
            kasa_node_card: if self.link.is_some() || self.pq.is_some() {
                CARD_VERSION
            } else {
                1
            },
            node_id: self.node_id.clone(),
            name: self.name.clone(),
            x25519: self.encryption.to_string(),
            ed25519: hex::encode(self.signing.as_bytes()),
            ed25519_fingerprint: Some(self.signing_fingerprint()),
            x25519_key_id: Some(self.key_id()),
            link: self.link.map(hex::encode),
            mlkem768x25519: self.pq.as_ref().map(|r| r.to_string()),
        };
        toml::to_string(&t).expect("card serialises")
    }

    /// Parses the TOML text form. Errors: [`CardError::Format`], [`CardError::X25519`] (malformed,
    /// non-canonical or low-order key), [`CardError::Ed25519`] (invalid or small-order key).
    pub fn parse(text: &str) -> Result<NodeCard, CardError> {
        let t: CardToml = toml::from_str(text).map_err(|e| CardError::Format(e.to_string()))?;
        if !(1..=CARD_VERSION).contains(&t.kasa_node_card) {
            return Err(CardError::Format(format!(
                "unsupported card version {}",
                t.kasa_node_card
            )));
        }
        if t.node_id.is_empty() || t.node_id.chars().any(|c| c.is_control()) {
            return Err(CardError::Format("invalid node_id".into()));
        }
        let encryption =
            Recipient::parse(&t.x25519).map_err(|e| CardError::X25519(e.to_string()))?;
        let ed = hex::decode(&t.ed25519).map_err(|e| CardError::Ed25519(e.to_string()))?;
        let signing = parse_verifying_key(&ed)?;
        if t.kasa_node_card == 1 && (t.link.is_some() || t.mlkem768x25519.is_some()) {
            return Err(CardError::Format(
                "link and mlkem768x25519 need card version 2".into(),
            ));
        }
        let link = match &t.link {
            None => None,
            Some(h) => {
                let b: [u8; 32] = hex::decode(h)
                    .ok()
                    .and_then(|v| v.try_into().ok())
                    .ok_or_else(|| CardError::Format("link must be 64 hex digits".into()))?;
                // Same checks as an age X25519 key: canonical, not low order.
                Recipient::from_bytes(b)
                    .map_err(|e| CardError::X25519(format!("link key: {e}")))?;
                Some(b)
            }
        };
        let pq = match &t.mlkem768x25519 {
            None => None,
            Some(s) => Some(
                HybridRecipient::parse(s)
                    .map_err(|e| CardError::X25519(format!("mlkem768x25519: {e}")))?,
            ),
        };
        let card = NodeCard {
            node_id: t.node_id,
            name: t.name,
            encryption,
            signing,
            link,
            pq,
        };
        if let Some(fp) = t.ed25519_fingerprint
            && fp != card.signing_fingerprint()
        {
            return Err(CardError::Format(
                "ed25519_fingerprint does not match the key".into(),
            ));
        }
        if let Some(id) = t.x25519_key_id
            && id != card.key_id()
        {
            return Err(CardError::Format(
                "x25519_key_id does not match the key".into(),
            ));
        }
        Ok(card)
    }

    fn canonical(&self) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&(self.node_id.len() as u32).to_be_bytes());
        v.extend_from_slice(self.node_id.as_bytes());
        v.extend_from_slice(&self.encryption.to_bytes());
        v.extend_from_slice(self.signing.as_bytes());
        // v2 keys are covered by the safety number; a v1 card encodes as before.
        if let Some(l) = &self.link {
            v.extend_from_slice(b"link");
            v.extend_from_slice(l);
        }
        if let Some(pq) = &self.pq {
            v.extend_from_slice(b"mlkem768x25519");
            v.extend_from_slice(pq.as_bytes());
        }
        v
    }
}

impl fmt::Debug for NodeCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeCard")
            .field("node_id", &self.node_id)
            .field("name", &self.name)
            .field("encryption", &self.encryption.to_string())
            .field("signing_fingerprint", &self.signing_fingerprint())
            .finish()
    }
}

/// The safety number of two cards, to read aloud: SHA-512 over a domain label and both cards' canonical
/// encodings (node id, X25519 key, Ed25519 key, then on v2 cards `"link"` ‖ link key and
/// `"mlkem768x25519"` ‖ hybrid key) in sorted order, rendered as 12 groups of 5 decimal
/// digits (each group = 5 hash bytes as a big-endian integer mod 100000). Symmetric in its arguments.
pub fn safety_number(a: &NodeCard, b: &NodeCard) -> String {
    let (x, y) = (a.canonical(), b.canonical());
    let (first, second) = if x <= y { (x, y) } else { (y, x) };
    let mut h = Sha512::new();
    h.update(b"kasa/safety-number/v1");
    h.update((first.len() as u32).to_be_bytes());
    h.update(&first);
    h.update((second.len() as u32).to_be_bytes());
    h.update(&second);
    let d = h.finalize();
    (0..12)
        .map(|i| {
            let n = d[i * 5..i * 5 + 5]
                .iter()
                .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
            format!("{:05}", n % 100_000)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::age::Identity;
    use ed25519_dalek::SigningKey;

    fn card(id: &str) -> NodeCard {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).unwrap();
        NodeCard {
            node_id: id.into(),
            name: format!("Node {id}"),
            encryption: Identity::generate().recipient(),
            signing: SigningKey::from_bytes(&seed).verifying_key(),
            link: Some(Identity::generate().recipient().to_bytes()),
            pq: Some(crate::crypto::age::HybridIdentity::generate().recipient()),
        }
    }

    #[test]
    fn v1_card_still_accepted_and_v2_keys_change_the_safety_number() {
        let a = card("32.01");
        let b = card("32.02");
        let mut v1 = a.clone();
        v1.link = None;
        v1.pq = None;
        let text = v1.to_toml();
        assert!(text.contains("kasa_node_card = 1"), "{text}");
        assert_eq!(NodeCard::parse(&text).unwrap(), v1);
        let v2 = a.to_toml();
        assert!(v2.contains("kasa_node_card = 2") && v2.contains("age1pq1"));
        assert_eq!(NodeCard::parse(&v2).unwrap(), a);
        assert_ne!(safety_number(&a, &b), safety_number(&v1, &b));
        let mut other_link = a.clone();
        other_link.link = Some(Identity::generate().recipient().to_bytes());
        assert_ne!(safety_number(&a, &b), safety_number(&other_link, &b));
    }

    #[test]
    fn toml_round_trip_and_safety_number() {
        let a = card("32.01");
        let b = card("32.02");
        let back = NodeCard::parse(&a.to_toml()).unwrap();
        assert_eq!(back, a);
        let s = safety_number(&a, &b);
        assert_eq!(s, safety_number(&b, &a));
        assert_eq!(s.split(' ').count(), 12);
        assert!(
            s.split(' ')
                .all(|g| g.len() == 5 && g.bytes().all(|c| c.is_ascii_digit()))
        );
        assert_ne!(s, safety_number(&a, &card("32.03")));
    }

    #[test]
    fn bad_keys_refused() {
        let a = card("1");
        let text = a.to_toml();
        // Identity (small-order) Ed25519 point.
        let mut ident = [0u8; 32];
        ident[0] = 1;
        let bad_ed = text
            .replace(&hex::encode(a.signing.as_bytes()), &hex::encode(ident))
            .replace(
                &a.signing_fingerprint(),
                &hex::encode(Sha256::digest(ident)),
            );
        assert!(matches!(
            NodeCard::parse(&bad_ed),
            Err(CardError::Ed25519(_))
        ));
        // Low-order X25519 point (u = 0), encoded as a valid age1 string.
        let hrp = bech32::Hrp::parse("age").unwrap();
        let zero = bech32::encode_lower::<bech32::Bech32>(hrp, &[0u8; 32]).unwrap();
        let bad_x = text.replace(&a.encryption.to_string(), &zero);
        let bad_x: String = bad_x
            .lines()
            .filter(|l| !l.starts_with("x25519_key_id"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(matches!(NodeCard::parse(&bad_x), Err(CardError::X25519(_))));
        assert!(matches!(
            NodeCard::parse("nonsense"),
            Err(CardError::Format(_))
        ));
        let extra = format!("{text}\nextra = 1\n");
        assert!(matches!(NodeCard::parse(&extra), Err(CardError::Format(_))));
    }
}
