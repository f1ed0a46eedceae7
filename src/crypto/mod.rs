//! Cryptography of kasa (DESIGN §5): the age v1 file format ([`age`], [`armor`]), the signed `.kgm`
//! kriptogram container ([`kgm`]), node cards and safety numbers ([`card`]) and the passphrase-protected
//! node keystore ([`keystore`]), and the direct link's Noise handshake and signed receipts ([`link`]).
//!
//! Everything is composed from audited RustCrypto / dalek crates (`x25519-dalek`, `ed25519-dalek`,
//! `chacha20poly1305`, `hkdf`, `hmac`, `sha2`, `argon2`, `scrypt`, `hpke` with `ml-kem`/`x-wing`) and
//! `snow` (Noise); no primitive is implemented here.

pub mod age;
pub mod armor;
pub mod fsutil;
pub mod pipe;

pub use age::{
    AgeError, AgeErrorClass, AnyIdentity, AnyRecipient, Armor, Decryptor, Encryptor,
    HybridIdentity, HybridRecipient, Identity, Recipient, ScryptIdentity, ScryptRecipient,
};
pub mod card;
pub mod keystore;

pub use card::{NodeCard, safety_number};
pub use keystore::{KdfParams, Keystore, KeystoreError, NodeKeys, read_passphrase_file};
pub mod kgm;
pub mod link;

pub use kgm::{KgmError, Opened, VerifiedHeader};
