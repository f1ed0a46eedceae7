//! Runs every C2SP CCTV age vector in `../shared/samples/age-testkit` against `kasa::crypto::age`.
//!
//! For each vector the outcome class must equal `expect:` and the SHA-256 of all plaintext released
//! (chunk by chunk, as the streaming API releases it) must equal `payload:` (or nothing may be released
//! when the vector has no `payload:`). All recipient types of the vectors are implemented (X25519,
//! scrypt passphrases, mlkem768x25519 hybrid identities): no vector is skipped.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use kasa::crypto::age::{
    AgeErrorClass, AnyIdentity, Armor, Decryptor, Identity, ScryptIdentity, decrypt_to_path,
};
use sha2::{Digest, Sha256};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/samples/age-testkit");

struct Vector {
    name: String,
    expect: String,
    payload: Option<String>,
    identities: Vec<String>,
    passphrases: Vec<String>,
    armored: bool,
    body: Vec<u8>,
}

fn load(path: &Path) -> Option<Vector> {
    let raw = std::fs::read(path).unwrap();
    let split = raw.windows(2).position(|w| w == b"\n\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let mut body = raw[split + 2..].to_vec();
    let mut v = Vector {
        name: path.file_name().unwrap().to_string_lossy().into_owned(),
        expect: String::new(),
        payload: None,
        identities: vec![],
        passphrases: vec![],
        armored: false,
        body: vec![],
    };
    for line in head.lines() {
        let (k, val) = line.split_once(": ")?;
        match k {
            "expect" => v.expect = val.to_owned(),
            "payload" => v.payload = Some(val.to_owned()),
            "identity" => v.identities.push(val.to_owned()),
            "passphrase" => v.passphrases.push(val.to_owned()),
            "armored" => v.armored = val == "yes",
            "compressed" => {
                assert_eq!(val, "zlib");
                let mut out = Vec::new();
                flate2::read::ZlibDecoder::new(&body[..])
                    .read_to_end(&mut out)
                    .unwrap();
                body = out;
            }
            "file key" | "comment" => {}
            _ => return None, // unknown keys: the README says to ignore such files
        }
    }
    v.body = body;
    Some(v)
}

fn vectors() -> Vec<Vector> {
    let dir = PathBuf::from(DIR);
    assert!(
        dir.is_dir(),
        "age test vectors not found at {} (clone the repository with shared/ beside it)",
        dir.display()
    );
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap() != "README.md")
        .collect();
    names.sort();
    names.iter().filter_map(|p| load(p)).collect()
}

fn class_name(c: AgeErrorClass) -> &'static str {
    match c {
        AgeErrorClass::Header => "header failure",
        AgeErrorClass::Hmac => "HMAC failure",
        AgeErrorClass::Payload => "payload failure",
        AgeErrorClass::NoMatch => "no match",
        AgeErrorClass::Armor => "armor failure",
        AgeErrorClass::Unsupported => "unsupported",
        AgeErrorClass::Io => "I/O error",
    }
}

/// Decrypts through the streaming API, hashing everything released. Returns (outcome, sha256 hex, len).
fn run(v: &Vector, ids: &[AnyIdentity]) -> (String, String, usize) {
    let armor = if v.armored {
        Armor::Armored
    } else {
        Armor::Binary
    };
    let mut h = Sha256::new();
    let mut released = 0usize;
    let outcome = match Decryptor::with_armor(&v.body[..], ids, armor) {
        Err(e) => class_name(e.class()).to_owned(),
        Ok(mut d) => loop {
            match d.next_chunk() {
                Ok(Some(chunk)) => {
                    h.update(chunk);
                    released += chunk.len();
                }
                Ok(None) => break "success".to_owned(),
                Err(e) => break class_name(e.class()).to_owned(),
            }
        },
    };
    (outcome, hex::encode(h.finalize()), released)
}

#[test]
fn cctv_age_vectors() {
    let vs = vectors();
    assert!(
        vs.len() >= 140,
        "expected the 143 CCTV vectors, found {}",
        vs.len()
    );
    let mut by_class: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_type: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures: Vec<String> = Vec::new();
    let empty_sha = hex::encode(Sha256::digest(b""));
    for v in &vs {
        let mut ids: Vec<AnyIdentity> = v
            .identities
            .iter()
            .map(|s| {
                AnyIdentity::parse(s)
                    .unwrap_or_else(|e| panic!("{}: identity does not parse: {e}", v.name))
            })
            .collect();
        for p in &v.passphrases {
            ids.push(AnyIdentity::Scrypt(ScryptIdentity::new(p.as_bytes())));
        }
        let kind = if !v.passphrases.is_empty() {
            "scrypt"
        } else if ids.iter().any(|i| matches!(i, AnyIdentity::Hybrid(_))) {
            "mlkem768x25519"
        } else {
            "X25519"
        };
        *by_type.entry(kind).or_default() += 1;
        let (outcome, sha, _) = run(v, &ids);
        *by_class.entry(v.expect.clone()).or_default() += 1;
        if outcome != v.expect {
            failures.push(format!("{}: expected {}, got {outcome}", v.name, v.expect));
            continue;
        }
        let want = v.payload.clone().unwrap_or_else(|| empty_sha.clone());
        if sha != want {
            failures.push(format!(
                "{}: released plaintext sha256 {sha}, expected {want}",
                v.name
            ));
        }
    }
    println!("CCTV age vectors: {} total", vs.len());
    for (class, n) in &by_class {
        println!("  {class:<16} {n:>3}");
    }
    for (t, n) in &by_type {
        println!("  identity type {t:<16} {n:>3}");
    }
    assert!(
        failures.is_empty(),
        "{} vector(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(vs.len(), 143, "every CCTV vector runs, none skipped");
    assert!(by_type.get("scrypt").copied().unwrap_or(0) >= 20);
    assert!(by_type.get("mlkem768x25519").copied().unwrap_or(0) >= 15);
}

#[test]
fn payload_failure_releases_nothing_to_path() {
    let vs = vectors();
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for v in vs
        .iter()
        .filter(|v| v.expect == "payload failure" && !v.armored)
    {
        let ids: Vec<Identity> = v
            .identities
            .iter()
            .map(|s| Identity::parse(s).unwrap())
            .collect();
        let dest = dir.path().join(format!("{}.out", v.name));
        let err = decrypt_to_path(&v.body[..], &ids, &dest).unwrap_err();
        assert_eq!(err.class(), AgeErrorClass::Payload, "{}", v.name);
        assert!(
            !dest.exists(),
            "{}: plaintext released to the target path",
            v.name
        );
        checked += 1;
    }
    // No temporary files left behind either.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    assert!(checked >= 15, "only {checked} payload-failure vectors");
}

#[test]
fn success_vector_released_to_path() {
    let v = vectors()
        .into_iter()
        .find(|v| v.name == "stream_three_chunks")
        .unwrap();
    let ids: Vec<Identity> = v
        .identities
        .iter()
        .map(|s| Identity::parse(s).unwrap())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("out");
    decrypt_to_path(&v.body[..], &ids, &dest).unwrap();
    let data = std::fs::read(&dest).unwrap();
    assert_eq!(hex::encode(Sha256::digest(&data)), v.payload.unwrap());
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
        0o600
    );
}
