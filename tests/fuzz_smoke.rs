//! Bounded, deterministic fuzzing of the untrusted-input parsers on stable Rust, run by `cargo test`:
//! the `.kgm` header parser (`kgm::inspect_bytes`), full `kgm::verify` of mutated containers, and the age
//! decryptor. Mutations of real sealed files (bit flips, byte sets, truncations, insertions, splices) from a
//! seeded xorshift generator; the property is "no panic, and a header that parses re-encodes to itself".
//! The coverage-guided targets in `fuzz/` (cargo-fuzz) run the same checks for longer.

use std::io::Cursor;

use kasa::crypto::age::{Decryptor, Identity, parse_header};
use kasa::crypto::kgm::{self, Derajat, HeaderFields, Klasifikasi, ManifestFields, SealFile};
use kasa::crypto::{NodeKeys, Recipient};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut d = seed.to_vec();
    for _ in 0..=rng.below(4) {
        match rng.below(6) {
            0 if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] ^= 1 << rng.below(8);
            }
            1 if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] = [0u8, 0xff, b'\n', b' ', b'{', b'"', b'0'][rng.below(7)];
            }
            2 => d.truncate(rng.below(d.len() + 1)),
            3 => {
                let i = rng.below(d.len() + 1);
                let n = rng.below(16);
                for _ in 0..n {
                    d.insert(i, rng.next() as u8);
                }
            }
            4 if !other.is_empty() => {
                let i = rng.below(d.len() + 1);
                let j = rng.below(other.len());
                let n = rng.below(other.len() - j + 1).min(256);
                d.splice(i..i, other[j..j + n].iter().copied());
            }
            _ => {
                if d.len() > 8 {
                    let i = rng.below(d.len() - 4);
                    d[i..i + 4].copy_from_slice(&(rng.next() as u32).to_be_bytes());
                }
            }
        }
    }
    d
}

fn sealed(from: &NodeKeys, to: &NodeKeys, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    kgm::seal(
        &mut out,
        &HeaderFields {
            sender_node_id: from.node_id.clone(),
            klasifikasi: Klasifikasi::R,
            derajat: Derajat::Segera,
            created_at: None,
        },
        &ManifestFields {
            nomor_surat: "005/1/2026".into(),
            perihal: "uji".into(),
            tanggal: "2026-11-22".into(),
            derajat_nama: None,
        },
        vec![SealFile {
            name: "a.pdf".into(),
            reader: Box::new(Cursor::new(payload.to_vec())),
            known: None,
            trusted: false,
            copy: None,
        }],
        &[(to.node_id.clone(), to.encryption.recipient())],
        &from.signing,
    )
    .expect("seal");
    out
}

#[test]
fn kgm_header_parser_survives_mutations() {
    let a = NodeKeys::generate("5101");
    let b = NodeKeys::generate("5100");
    let seeds = [sealed(&a, &b, b"x"), sealed(&a, &b, &vec![7u8; 70_000])];
    let mut rng = Rng(0x6b61_7361_2d66_757a);
    let mut parsed = 0;
    for i in 0..40_000 {
        let s = &seeds[i % 2];
        let d = mutate(&mut rng, &s[..s.len().min(4096)], &seeds[(i + 1) % 2]);
        if let Ok(h) = kgm::inspect_bytes(&d) {
            parsed += 1;
            assert_eq!(
                kgm::Header::parse(&h.to_bytes()).expect("re-parse"),
                h,
                "header must re-encode canonically"
            );
        }
    }
    assert!(
        parsed > 0,
        "some mutations keep a valid header (the seeds are real)"
    );
}

#[test]
fn kgm_verify_rejects_every_mutation_without_panicking() {
    let a = NodeKeys::generate("5101");
    let b = NodeKeys::generate("5100");
    let seed = sealed(&a, &b, &vec![3u8; 70_000]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.kgm");
    let va = a.signing.verifying_key();
    let lookup = |id: &str| (id == "5101").then_some(va);
    std::fs::write(&path, &seed).unwrap();
    assert!(
        kgm::verify(&path, &lookup).is_ok(),
        "the unmutated seed verifies"
    );
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for _ in 0..600 {
        let d = mutate(&mut rng, &seed, &seed);
        if d == seed {
            continue;
        }
        std::fs::write(&path, &d).unwrap();
        assert!(
            kgm::verify(&path, &lookup).is_err(),
            "a changed container must not verify"
        );
    }
}

#[test]
fn age_decryptor_survives_mutations() {
    let id = Identity::from_bytes([7u8; 32]);
    let r: Recipient = id.recipient();
    let mut ct = Vec::new();
    {
        let mut e = kasa::crypto::Encryptor::new(&mut ct, &[r], kasa::crypto::Armor::Binary)
            .expect("encryptor");
        std::io::Write::write_all(&mut e, &vec![1u8; 70_000]).unwrap();
        e.finish().expect("finish");
    }
    let mut rng = Rng(0x0ddb_a11c_afe0_0001);
    for _ in 0..3_000 {
        let d = mutate(&mut rng, &ct, &ct);
        let _ = parse_header(&mut &d[..]);
        if let Ok(mut dec) = Decryptor::new_auto(&d[..], std::slice::from_ref(&id)) {
            while let Ok(Some(_)) = dec.next_chunk() {}
        }
    }
}
