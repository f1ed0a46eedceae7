//! `.kgm` container and keystore tests: round trip, every tampering rejected with its class and nothing
//! released, and the keystore's passphrase, permission and atomicity rules.

use std::collections::HashMap;
use std::io::Cursor;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use kasa::crypto::age::{self, AgeErrorClass, Armor, CHUNK_SIZE, Identity};
use kasa::crypto::kgm::{
    self, Derajat, HeaderFields, KgmError, Klasifikasi, ManifestFields, PAYLOAD_MAGIC, SealFile,
};
use kasa::crypto::{KdfParams, Keystore, KeystoreError, NodeKeys, read_passphrase_file};
use sha2::{Digest, Sha256};

struct World {
    a: NodeKeys,
    b: NodeKeys,
    c: NodeKeys,
    d: NodeKeys,
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        World {
            a: NodeKeys::generate("32.01"),
            b: NodeKeys::generate("32.02"),
            c: NodeKeys::generate("32.03"),
            d: NodeKeys::generate("32.04"),
            dir: {
                let d = tempfile::tempdir().unwrap();
                std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
                d
            },
        }
    }

    fn lookup(&self) -> impl Fn(&str) -> Option<VerifyingKey> + '_ {
        let m: HashMap<String, VerifyingKey> = [&self.a, &self.b, &self.c, &self.d]
            .iter()
            .map(|k| (k.node_id.clone(), k.signing.verifying_key()))
            .collect();
        move |id: &str| m.get(id).copied()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn out_dir(&self, name: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::create_dir(&p).unwrap();
        p
    }
}

fn content(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn fields(sender: &str) -> HeaderFields {
    HeaderFields {
        sender_node_id: sender.into(),
        klasifikasi: Klasifikasi::R,
        derajat: Derajat::Segera,
        created_at: None,
    }
}

fn manifest() -> ManifestFields {
    ManifestFields {
        nomor_surat: "005/123/DISKOMINFO/2026".into(),
        perihal: "Undangan rapat koordinasi".into(),
        tanggal: "2026-06-01".into(),
        derajat_nama: None,
    }
}

/// Seals `files` from `from` to `to`, returning the file bytes.
fn seal_bytes(
    from: &NodeKeys,
    to: &[&NodeKeys],
    files: &[(&str, Vec<u8>)],
) -> (Vec<u8>, kgm::Sealed) {
    let inputs: Vec<SealFile> = files
        .iter()
        .map(|(n, d)| SealFile {
            name: n.to_string(),
            reader: Box::new(Cursor::new(d.clone())),
            known: None,
            trusted: false,
            copy: None,
        })
        .collect();
    let recipients: Vec<_> = to
        .iter()
        .map(|k| (k.node_id.clone(), k.encryption.recipient()))
        .collect();
    let mut out = Vec::new();
    let sealed = kgm::seal(
        &mut out,
        &fields(&from.node_id),
        &manifest(),
        inputs,
        &recipients,
        &from.signing,
    )
    .unwrap();
    (out, sealed)
}

fn standard_files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("surat.pdf", content(100_000, 1)),
        ("lampiran.txt", content(150_000, 2)),
        ("kosong", vec![]),
    ]
}

/// Offsets of the parts of a `.kgm`: (age_start, age_len).
fn layout(bytes: &[u8]) -> (usize, usize) {
    let hl = u32::from_be_bytes(bytes[11..15].try_into().unwrap()) as usize;
    let age_start = 15 + hl;
    let n = bytes.len();
    let age_len = u64::from_be_bytes(bytes[n - 16..n - 8].try_into().unwrap()) as usize;
    assert_eq!(age_start + age_len + 80, n);
    (age_start, age_len)
}

/// A version 2 container around `hb` and `age_bytes`, signed by `signer` (for forgeries by a known
/// key: what a sender or an insider could build by hand).
fn signed_v2(signer: &NodeKeys, hb: &[u8], age_bytes: &[u8]) -> Vec<u8> {
    let sig = signer
        .signing
        .sign(&kgm::signature_message(&kgm::prefix_sha256(hb, age_bytes)));
    let mut t = Vec::new();
    kgm::assemble(&mut t, hb, age_bytes, &sig.to_bytes()).unwrap();
    t
}

/// `payload` encrypted with age (binary) to `to`.
fn age_to(payload: &[u8], to: &NodeKeys) -> Vec<u8> {
    let mut out = Vec::new();
    age::encrypt(
        &mut &payload[..],
        &mut out,
        &[to.encryption.recipient()],
        Armor::Binary,
    )
    .unwrap();
    out
}

fn assert_empty(dir: &Path) {
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.is_empty(),
        "plaintext or temp files released: {left:?}"
    );
}

fn open_as(
    w: &World,
    who: &NodeKeys,
    bytes: &[u8],
    tag: &str,
) -> (Result<kgm::Opened, KgmError>, PathBuf) {
    let file = w.path(&format!("{tag}.kgm"));
    std::fs::write(&file, bytes).unwrap();
    let out = w.out_dir(&format!("{tag}.out"));
    let lookup = w.lookup();
    (
        kgm::open(&file, &who.node_id, &who.encryption, &lookup, &out),
        out,
    )
}

#[test]
fn round_trip_two_recipients() {
    let w = World::new();
    let files = standard_files();
    let (bytes, sealed) = seal_bytes(&w.a, &[&w.b, &w.c], &files);
    assert_eq!(sealed.file_sha256, <[u8; 32]>::from(Sha256::digest(&bytes)));
    for (who, tag) in [(&w.b, "b"), (&w.c, "c")] {
        let (res, out) = open_as(&w, who, &bytes, tag);
        let opened = res.unwrap();
        assert_eq!(opened.header, sealed.header);
        assert_eq!(opened.manifest, sealed.manifest);
        assert_eq!(opened.msg_id, sealed.header.msg_id_bytes());
        assert_eq!(opened.file_sha256, sealed.file_sha256);
        assert_eq!(opened.manifest.nomor_surat, "005/123/DISKOMINFO/2026");
        for ((name, data), path) in files.iter().zip(&opened.files) {
            assert_eq!(path, &out.join(name));
            assert_eq!(&std::fs::read(path).unwrap(), data);
            assert_eq!(
                std::fs::metadata(path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), files.len());
    }
    let file = w.path("b.kgm");
    let h = kgm::inspect(&file).unwrap();
    assert_eq!(h.recipient_ids(), vec!["32.02", "32.03"]);
    assert_eq!(h.klasifikasi, Klasifikasi::R);
    let lookup = w.lookup();
    let v = kgm::verify(&file, &lookup).unwrap();
    assert_eq!(v.file_sha256, sealed.file_sha256);
}

#[test]
fn not_addressed_before_any_key_use() {
    let w = World::new();
    let (bytes, _) = seal_bytes(&w.a, &[&w.b, &w.c], &standard_files());
    let file = w.path("x.kgm");
    std::fs::write(&file, &bytes).unwrap();
    let out = w.out_dir("x.out");
    // The sender lookup must not even be consulted: addressing is the first check after the format.
    let panicking =
        |_: &str| -> Option<VerifyingKey> { panic!("sender lookup used before addressing") };
    match kgm::open(&file, &w.d.node_id, &w.d.encryption, &panicking, &out) {
        Err(KgmError::NotAddressed { recipients }) => {
            assert_eq!(recipients, vec!["32.02".to_string(), "32.03".to_string()]);
        }
        other => panic!("expected NotAddressed, got {other:?}"),
    }
    let msg = kgm::open(&file, &w.d.node_id, &w.d.encryption, &panicking, &out)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("32.02") && msg.contains("32.03"), "{msg}");
    assert_empty(&out);
}

#[test]
fn flipped_bits_in_header_are_rejected() {
    let w = World::new();
    let (bytes, sealed) = seal_bytes(&w.a, &[&w.b], &[("a", content(1000, 3))]);
    let (age_start, _) = layout(&bytes);
    // A bit flip that keeps the header well-formed: a msg_id digit '0'..'8' -> next digit.
    let hdr = String::from_utf8(bytes[15..age_start].to_vec()).unwrap();
    let pos = 15 + hdr.find(&sealed.header.msg_id).unwrap();
    let mut t = bytes.clone();
    let i = (pos..pos + 32)
        .find(|&i| (b'0'..=b'8').contains(&t[i]) && t[i] % 2 == 0)
        .unwrap();
    t[i] ^= 1;
    let (res, out) = open_as(&w, &w.b, &t, "hdr-msgid");
    assert!(matches!(res, Err(KgmError::BadSignature)), "{res:?}");
    assert_empty(&out);
    // Every header byte, one bit: rejected (class depends on what the flip breaks), nothing released.
    for i in (0..age_start).step_by(3) {
        let mut t = bytes.clone();
        t[i] ^= 0x04;
        let (res, out) = open_as(&w, &w.b, &t, &format!("hdr{i}"));
        match res {
            Err(KgmError::Format(_))
            | Err(KgmError::BadSignature)
            | Err(KgmError::NotAddressed { .. })
            | Err(KgmError::UnknownSender { .. }) => {}
            other => panic!("header byte {i}: unexpected {other:?}"),
        }
        assert_empty(&out);
    }
}

#[test]
fn flipped_bits_in_ciphertext_and_signature_are_rejected() {
    let w = World::new();
    let (bytes, _) = seal_bytes(&w.a, &[&w.b], &standard_files());
    let (age_start, age_len) = layout(&bytes);
    let positions = [
        age_start,
        age_start + 40,
        age_start + 200,
        age_start + age_len / 2,
        age_start + age_len - 1,
    ];
    for (k, &i) in positions.iter().enumerate() {
        let mut t = bytes.clone();
        t[i] ^= 0x80;
        let (res, out) = open_as(&w, &w.b, &t, &format!("ct{k}"));
        assert!(
            matches!(res, Err(KgmError::BadSignature)),
            "ciphertext byte {i}: {res:?}"
        );
        assert_empty(&out);
    }
    let sig_start = age_start + age_len;
    for (k, i) in [sig_start, sig_start + 31, sig_start + 32, sig_start + 63]
        .into_iter()
        .enumerate()
    {
        let mut t = bytes.clone();
        t[i] ^= 0x01;
        let (res, out) = open_as(&w, &w.b, &t, &format!("sig{k}"));
        assert!(
            matches!(res, Err(KgmError::BadSignature)),
            "signature byte {i}: {res:?}"
        );
        assert_empty(&out);
    }
}

/// Byte offsets (within the age ciphertext) where STREAM chunks start.
fn chunk_boundaries(age_bytes: &[u8]) -> Vec<usize> {
    let mac = age_bytes.windows(5).position(|w| w == b"\n--- ").unwrap();
    let payload = mac + 5 + 43 + 1 + 16;
    (payload..age_bytes.len())
        .step_by(CHUNK_SIZE + 16)
        .collect()
}

#[test]
fn truncation_at_every_chunk_boundary_is_rejected() {
    let w = World::new();
    let (bytes, sealed) = seal_bytes(&w.a, &[&w.b], &standard_files());
    let (age_start, age_len) = layout(&bytes);
    let age_bytes = &bytes[age_start..age_start + age_len];
    let bounds = chunk_boundaries(age_bytes);
    assert!(bounds.len() >= 4, "{bounds:?}");
    for (k, &b) in bounds.iter().enumerate() {
        // Plain truncation of the file: the trailer is gone.
        let (res, out) = open_as(&w, &w.b, &bytes[..age_start + b], &format!("cut{k}"));
        assert!(
            matches!(res, Err(KgmError::Format(_))),
            "cut at chunk {k}: {res:?}"
        );
        assert_empty(&out);
        // Even a container re-signed by the real sender around a truncated stream never releases.
        let cut = &age_bytes[..b];
        let hb = sealed.header.to_bytes();
        let t = signed_v2(&w.a, &hb, cut);
        let (res, out) = open_as(&w, &w.b, &t, &format!("resigned{k}"));
        match res {
            Err(KgmError::Decrypt(e)) => assert_eq!(e.class(), AgeErrorClass::Payload, "chunk {k}"),
            Err(KgmError::Manifest(_)) if k == 0 => {}
            other => panic!("re-signed truncation at chunk {k}: {other:?}"),
        }
        assert_empty(&out);
    }
}

#[test]
fn trailing_bytes_are_rejected() {
    let w = World::new();
    let (mut bytes, _) = seal_bytes(&w.a, &[&w.b], &[("a", content(10, 1))]);
    bytes.extend_from_slice(b"x");
    let (res, out) = open_as(&w, &w.b, &bytes, "trail");
    assert!(matches!(res, Err(KgmError::Format(_))), "{res:?}");
    assert_empty(&out);
    bytes.pop();
    bytes.extend_from_slice(b"KGM/END\n");
    let (res, _) = open_as(&w, &w.b, &bytes, "trail2");
    assert!(matches!(res, Err(KgmError::Format(_))), "{res:?}");
}

#[test]
fn signature_by_another_known_node_is_rejected() {
    let w = World::new();
    let (bytes, sealed) = seal_bytes(&w.a, &[&w.b], &[("a", content(5000, 1))]);
    let (age_start, age_len) = layout(&bytes);
    let age_bytes = &bytes[age_start..age_start + age_len];
    // C re-signs A's header as is: the header names A's key, so A's key must verify: it does not.
    let hb = sealed.header.to_bytes();
    let t = signed_v2(&w.c, &hb, age_bytes);
    let (res, out) = open_as(&w, &w.b, &t, "c-signs");
    assert!(matches!(res, Err(KgmError::BadSignature)), "{res:?}");
    assert_empty(&out);
    // C also swaps in its own key fingerprint while still claiming to be A: unknown sender.
    let mut h = sealed.header.clone();
    h.sender.signing_key = kasa::crypto::card::signing_fingerprint(&w.c.signing.verifying_key());
    let hb = h.to_bytes();
    let t = signed_v2(&w.c, &hb, age_bytes);
    let (res, out) = open_as(&w, &w.b, &t, "c-claims-a");
    assert!(
        matches!(res, Err(KgmError::UnknownSender { .. })),
        "{res:?}"
    );
    assert_empty(&out);
    // A sender nobody knows.
    let stranger = NodeKeys::generate("99.99");
    let (t, _) = seal_bytes(&stranger, &[&w.b], &[("a", content(5, 1))]);
    let (res, _) = open_as(&w, &w.b, &t, "stranger");
    assert!(
        matches!(res, Err(KgmError::UnknownSender { .. })),
        "{res:?}"
    );
}

#[test]
fn insider_reencryption_under_original_header_is_rejected() {
    let w = World::new();
    let (bytes, sealed) = seal_bytes(
        &w.a,
        &[&w.b, &w.c],
        &[("perintah.txt", b"lanjutkan".to_vec())],
    );
    let (age_start, age_len) = layout(&bytes);
    // B (a legitimate recipient) forges a new payload to B and C, keeping A's header and signature.
    let (forged_inner, _) = seal_bytes(
        &w.b,
        &[&w.b, &w.c],
        &[("perintah.txt", b"batalkan".to_vec())],
    );
    let (fs, fl) = layout(&forged_inner);
    let forged_age = &forged_inner[fs..fs + fl];
    let sig: [u8; 64] = bytes[age_start + age_len..age_start + age_len + 64]
        .try_into()
        .unwrap();
    let mut t = Vec::new();
    kgm::assemble(&mut t, &sealed.header.to_bytes(), forged_age, &sig).unwrap();
    let (res, out) = open_as(&w, &w.c, &t, "insider");
    assert!(matches!(res, Err(KgmError::BadSignature)), "{res:?}");
    assert_empty(&out);
}

#[test]
fn low_order_ephemeral_key_is_rejected() {
    let w = World::new();
    let (_, sealed) = seal_bytes(&w.a, &[&w.b], &[("a", content(10, 1))]);
    // An X25519 stanza whose share is a low-order point (the all-zero u-coordinate), signed by the real
    // sender: the signature verifies, age must refuse the all-zero shared secret.
    let zero_share = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let body = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let mut age_bytes =
        format!("age-encryption.org/v1\n-> X25519 {zero_share}\n{body}\n--- {body}\n").into_bytes();
    age_bytes.extend_from_slice(&[0u8; 16 + 32]);
    let hb = sealed.header.to_bytes();
    let t = signed_v2(&w.a, &hb, &age_bytes);
    let (res, out) = open_as(&w, &w.b, &t, "loworder");
    match res {
        Err(KgmError::Decrypt(e)) => assert_eq!(e.class(), AgeErrorClass::Header, "{e}"),
        other => panic!("expected a header failure, got {other:?}"),
    }
    assert_empty(&out);
}

#[test]
fn hostile_file_names_are_sanitised() {
    assert_eq!(kgm::sanitize_name("../../etc/passwd"), "____etc_passwd");
    assert_eq!(kgm::sanitize_name(".."), "_");
    assert_eq!(kgm::sanitize_name("a\nb\u{7}"), "a_b_");
    assert_eq!(kgm::sanitize_name(""), "_");
    // seal refuses unsafe names outright.
    let w = World::new();
    let mut out = Vec::new();
    let err = kgm::seal(
        &mut out,
        &fields(&w.a.node_id),
        &manifest(),
        vec![SealFile {
            name: "../x".into(),
            reader: Box::new(Cursor::new(vec![1u8])),
            known: None,
            trusted: false,
            copy: None,
        }],
        &[(w.b.node_id.clone(), w.b.encryption.recipient())],
        &w.a.signing,
    )
    .unwrap_err();
    assert!(matches!(err, KgmError::Manifest(_)), "{err:?}");
}

#[test]
fn break_glass_with_the_age_tool() {
    let ok = Command::new("age")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "the reference `age` tool is not on PATH: install the Debian package `age`"
    );
    let w = World::new();
    let (bytes, _) = seal_bytes(&w.a, &[&w.b], &[("surat.txt", b"isi surat".to_vec())]);
    let file = w.path("m.kgm");
    std::fs::write(&file, &bytes).unwrap();
    let inner = w.path("m.age");
    let mut f = std::fs::File::create(&inner).unwrap();
    kgm::extract_age(&file, &mut f).unwrap();
    let key = w.path("b.key");
    std::fs::write(&key, format!("{}\n", w.b.encryption.to_bech32().as_str())).unwrap();
    let out = Command::new("age")
        .args(["-d", "-i"])
        .arg(&key)
        .arg(&inner)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.starts_with(PAYLOAD_MAGIC));
    // Version 2: the content, then its SHA-256.
    let n = out.stdout.len();
    assert!(out.stdout[..n - 32].ends_with(b"isi surat"));
    assert_eq!(out.stdout[n - 32..], Sha256::digest(b"isi surat")[..]);
    // The same inner part decrypts with kasa's own age too.
    let mut back = Vec::new();
    age::Decryptor::with_armor(
        std::fs::File::open(&inner).unwrap(),
        std::slice::from_ref(&w.b.encryption),
        Armor::Binary,
    )
    .unwrap()
    .decrypt_to(&mut back)
    .unwrap();
    assert_eq!(back, out.stdout);
}

// ---------------------------------------------------------------------------------------------------
// Keystore

const TEST_PARAMS: KdfParams = KdfParams::INSECURE_FOR_TESTS;

/// A temp dir with mode 0700 (the keystore refuses group/world-accessible directories).
fn private_tempdir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    d
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn keystore_create_open_and_wrong_passphrase() {
    let dir = private_tempdir();
    let path = dir.path().join("node").join("keystore.kks");
    let keys = Keystore::create(&path, b"kata sandi panjang", "32.01", TEST_PARAMS).unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    let (back, params) = Keystore::open_with_params(&path, b"kata sandi panjang").unwrap();
    assert_eq!(params, TEST_PARAMS);
    assert_eq!(back.node_id, "32.01");
    assert_eq!(back.encryption.recipient(), keys.encryption.recipient());
    assert_eq!(back.signing.verifying_key(), keys.signing.verifying_key());
    assert_eq!(*back.link_reserved, *keys.link_reserved);
    assert!(matches!(
        Keystore::open(&path, b"salah"),
        Err(KeystoreError::WrongPassphrase)
    ));
    // Never overwritten.
    assert!(matches!(
        Keystore::create(&path, b"x", "32.01", TEST_PARAMS),
        Err(KeystoreError::Exists(_))
    ));
    // Tampered KDF parameters are bound as associated data.
    let mut data = std::fs::read(&path).unwrap();
    data[16] ^= 1; // t_cost low byte
    let p2 = dir.path().join("node").join("tampered.kks");
    std::fs::write(&p2, &data).unwrap();
    std::fs::set_permissions(&p2, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(Keystore::open(&p2, b"kata sandi panjang").is_err());
}

#[test]
fn keystore_recommended_parameters_recorded() {
    let dir = private_tempdir();
    let path = dir.path().join("ks");
    Keystore::create(&path, b"pw", "1", KdfParams::default()).unwrap();
    let (_, p) = Keystore::open_with_params(&path, b"pw").unwrap();
    assert_eq!(
        p,
        KdfParams {
            m_cost_kib: 65536,
            t_cost: 3,
            p_cost: 4
        }
    );
}

#[test]
fn keystore_group_readable_is_refused_with_the_fix() {
    let dir = private_tempdir();
    let path = dir.path().join("ks");
    Keystore::create(&path, b"pw", "1", TEST_PARAMS).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = Keystore::open(&path, b"pw").unwrap_err();
    assert!(matches!(err, KeystoreError::Permissions(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains(&format!("chmod 600 {}", path.display())),
        "{err}"
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
    Keystore::open(&path, b"pw").unwrap();
}

#[test]
fn keystore_passphrase_change_is_atomic() {
    let dir = private_tempdir();
    let path = dir.path().join("ks");
    let keys = Keystore::create(&path, b"lama", "1", TEST_PARAMS).unwrap();
    let before = std::fs::read(&path).unwrap();
    // A crash mid-change leaves a stale temp file beside the keystore: the keystore still opens.
    let stale = dir.path().join(".ks.kasa-tmp-deadbeefdeadbeef");
    std::fs::write(&stale, &before[..before.len() / 2]).unwrap();
    Keystore::open(&path, b"lama").unwrap();
    Keystore::change_passphrase(&path, b"lama", b"baru", TEST_PARAMS).unwrap();
    assert!(matches!(
        Keystore::open(&path, b"lama"),
        Err(KeystoreError::WrongPassphrase)
    ));
    let back = Keystore::open(&path, b"baru").unwrap();
    assert_eq!(back.encryption.recipient(), keys.encryption.recipient());
    assert_eq!(mode(&path), 0o600);
    // Fresh salt and nonce: the file changed entirely.
    let after = std::fs::read(&path).unwrap();
    assert_ne!(before[21..49], after[21..49]);
    // Wrong old passphrase: nothing changes.
    assert!(Keystore::change_passphrase(&path, b"lama", b"x", TEST_PARAMS).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), after);
    // Only the keystore and the stale file we planted remain (no new temp files).
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn secrets_absent_from_debug_output() {
    let dir = private_tempdir();
    let keys = Keystore::create(&dir.path().join("ks"), b"pw", "1", TEST_PARAMS).unwrap();
    let dbg = format!("{keys:?} {:?}", keys.encryption);
    let secret_bech = keys.encryption.to_bech32();
    assert!(!dbg.contains(&secret_bech[16..]), "{dbg}");
    assert!(
        !dbg.to_lowercase()
            .contains(&hex::encode(keys.encryption.to_bytes()))
    );
    assert!(!dbg.contains(&hex::encode(keys.signing.to_bytes())));
    assert!(!dbg.contains(&hex::encode(*keys.link_reserved)));
    assert!(dbg.contains("redacted"));
    let card = keys.public_card("Diskominfo");
    assert_eq!(card.node_id, "1");
    assert!(
        card.to_toml()
            .contains(&keys.encryption.recipient().to_string())
    );
}

#[test]
fn passphrase_file_must_be_private() {
    let dir = private_tempdir();
    let p = dir.path().join("pw");
    std::fs::write(&p, "rahasia\n").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = read_passphrase_file(&p).unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("chmod 600 {}", p.display())),
        "{err}"
    );
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(read_passphrase_file(&p).unwrap().as_slice(), b"rahasia");
}

#[test]
fn identity_signing_round_trip_through_keystore_and_kgm() {
    let w = World::new();
    let ks = w.path("b.kks");
    Keystore::save_new(&ks, &w.b, b"pw", TEST_PARAMS).unwrap();
    let b2 = Keystore::open(&ks, b"pw").unwrap();
    let (bytes, _) = seal_bytes(&w.a, &[&w.b], &[("a", content(70_000, 9))]);
    let (res, _) = open_as(&w, &b2, &bytes, "via-keystore");
    res.unwrap();
    let _ = SigningKey::from_bytes(&[7u8; 32]);
    let _ = Identity::generate();
}

/// A caller that already knows size and SHA-256 (the node's staged copy) saves seal's first pass:
/// the right values give the same manifest as reading twice; a wrong hash or size is refused as a
/// file that changed, and nothing is sealed.
#[test]
fn known_size_and_hash_skip_a_pass_and_a_wrong_one_is_refused() {
    let w = World::new();
    let data = b"isi surat yang sudah di-stage".repeat(5000);
    let sha: [u8; 32] = Sha256::digest(&data).into();
    let seal_with = |known| {
        let mut out = Vec::new();
        let r = kgm::seal(
            &mut out,
            &fields(&w.a.node_id),
            &manifest(),
            vec![SealFile {
                name: "surat.txt".into(),
                reader: Box::new(Cursor::new(data.clone())),
                known,
                trusted: false,
                copy: None,
            }],
            &[(w.b.node_id.clone(), w.b.encryption.recipient())],
            &w.a.signing,
        );
        (r, out)
    };
    let (plain, _) = seal_with(None);
    let (fast, _) = seal_with(Some((data.len() as u64, sha)));
    assert_eq!(plain.unwrap().manifest, fast.unwrap().manifest);
    let mut bad = sha;
    bad[0] ^= 1;
    for known in [(data.len() as u64, bad), (data.len() as u64 - 1, sha)] {
        let (r, _) = seal_with(Some(known));
        assert!(
            matches!(&r, Err(KgmError::Manifest(m)) if m.contains("changed while sealing")),
            "{:?}",
            r.map(|s| s.manifest)
        );
    }
}

/// The first container version, written by kasa before version 2 (`tests/fixtures/kgm-v1/`), still
/// verifies and opens, from a file and from a stream (a link peer or a flash disk from an older node).
#[test]
fn kgm_v1_fixture_still_opens() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kgm-v1");
    let bytes = std::fs::read(dir.join("surat.kgm")).unwrap();
    assert!(bytes.starts_with(kgm::MAGIC_V1));
    let sender = SigningKey::from_bytes(&[7u8; 32]);
    let me = Identity::from_bytes([9u8; 32]);
    let lookup = |id: &str| (id == "32.01").then(|| sender.verifying_key());
    let want_file_sha = "11a44d79ba9d95c3d120ccc29f63f10555e5e228cb0341520192a96ee8cf10b6";
    let letter =
        b"Kepada Yth. Kepala Dinas Kominfo Kabupaten\nPerihal: Undangan rapat koordinasi\n"
            .to_vec();
    let lampiran: Vec<u8> = (0..70_000u32)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(3))
        .collect();

    let v = kgm::verify(&dir.join("surat.kgm"), &lookup).unwrap();
    assert_eq!(v.header.version, 1);
    assert_eq!(hex::encode(v.file_sha256), want_file_sha);
    let (s, l) = layout(&bytes);
    assert_eq!(
        v.signed_sha256,
        <[u8; 32]>::from(Sha256::digest(&bytes[s..s + l]))
    );

    let out = tempfile::tempdir().unwrap();
    let o = kgm::open(&dir.join("surat.kgm"), "32.02", &me, &lookup, out.path()).unwrap();
    assert_eq!(o.header.msg_id, "c3bfb34be69cdcea04e04a9e61d0b8c3");
    assert_eq!(hex::encode(o.file_sha256), want_file_sha);
    assert_eq!(std::fs::read(out.path().join("surat.txt")).unwrap(), letter);
    assert_eq!(
        std::fs::read(out.path().join("lampiran.bin")).unwrap(),
        lampiran
    );
    assert_eq!(
        o.manifest.files[1].sha256,
        hex::encode(Sha256::digest(&lampiran))
    );

    // Streamed in odd pieces, as the link receives it.
    let mut sv = kgm::StreamVerifier::new(bytes.len() as u64).unwrap();
    for piece in bytes.chunks(7_777) {
        sv.update(piece);
    }
    let s = sv.finish().unwrap().verify(&lookup).unwrap();
    assert_eq!(hex::encode(s.file_sha256), want_file_sha);

    // One flipped ciphertext byte: the version 1 signature (over the age part) no longer holds.
    let mut bad = bytes.clone();
    let (age_start, age_len) = layout(&bad);
    bad[age_start + age_len / 2] ^= 1;
    let file = out.path().join("bad.kgm");
    std::fs::write(&file, &bad).unwrap();
    assert!(matches!(
        kgm::verify(&file, &lookup),
        Err(KgmError::BadSignature)
    ));
}

/// Version 2 signs the file up to the end of the ciphertext: the magic, the header and the
/// ciphertext are all covered, and the signed digest and the file hash come from one stream.
#[test]
fn v2_signature_covers_the_prefix() {
    let w = World::new();
    let (bytes, sealed) = seal_bytes(&w.a, &[&w.b], &standard_files());
    assert!(bytes.starts_with(kgm::MAGIC));
    assert_eq!(sealed.header.version, 2);
    let (age_start, age_len) = layout(&bytes);
    let prefix = &bytes[..age_start + age_len];
    let sig = ed25519_dalek::Signature::from_bytes(
        &bytes[age_start + age_len..age_start + age_len + 64]
            .try_into()
            .unwrap(),
    );
    let digest: [u8; 32] = Sha256::digest(prefix).into();
    w.a.signing
        .verifying_key()
        .verify_strict(&kgm::signature_message(&digest), &sig)
        .unwrap();
    let hb = sealed.header.to_bytes();
    assert_eq!(
        kgm::prefix_sha256(&hb, &bytes[age_start..age_start + age_len]),
        digest
    );
    let file = w.path("v2.kgm");
    std::fs::write(&file, &bytes).unwrap();
    let v = kgm::verify(&file, &w.lookup()).unwrap();
    assert_eq!(v.signed_sha256, digest);
    assert_eq!(v.file_sha256, <[u8; 32]>::from(Sha256::digest(&bytes)));
    // Streamed in pieces that put the end of the signed part inside a piece and on a border.
    for piece in [1usize, 4096, age_start + age_len, 1 << 20] {
        let mut sv = kgm::StreamVerifier::new(bytes.len() as u64).unwrap();
        for p in bytes.chunks(piece) {
            sv.update(p);
        }
        let s = sv.finish().unwrap().verify(&w.lookup()).unwrap();
        assert_eq!(s.signed_sha256, digest, "pieces of {piece}");
    }
    // A version 1 magic line on version 2 bytes, and a header claiming version 1 under the version 2
    // magic: both refused as malformed before any key use.
    let mut t = bytes.clone();
    t[..11].copy_from_slice(kgm::MAGIC_V1);
    let (res, out) = open_as(&w, &w.b, &t, "magic1");
    assert!(
        matches!(&res, Err(KgmError::Format(m)) if m.contains("version")),
        "{res:?}"
    );
    assert_empty(&out);
    // A later version is named as such, with what to do.
    let mut t = bytes.clone();
    t[9] = b'7';
    let (res, _) = open_as(&w, &w.b, &t, "magic7");
    match res {
        Err(KgmError::Format(m)) => {
            assert!(m.contains("version 7") && m.contains("update kasa"), "{m}")
        }
        other => panic!("{other:?}"),
    }
}

/// A version 2 payload whose file digests (after the content) do not match the content, validly
/// signed by a known sender: refused as a manifest error, nothing released.
#[test]
fn v2_wrong_file_digest_is_refused() {
    let w = World::new();
    let (_, sealed) = seal_bytes(&w.a, &[&w.b], &[("a.txt", content(10, 1))]);
    let data = content(100_000, 5);
    let mut payload = kgm::PAYLOAD_MAGIC.to_vec();
    let m = format!(
        r#"{{"nomor_surat":"1","perihal":"p","tanggal":"2026-06-01","files":[{{"name":"a.txt","size":{}}}]}}"#,
        data.len()
    );
    payload.extend_from_slice(&(m.len() as u32).to_be_bytes());
    payload.extend_from_slice(m.as_bytes());
    payload.extend_from_slice(&data);
    let mut wrong: [u8; 32] = Sha256::digest(&data).into();
    wrong[0] ^= 1;
    payload.extend_from_slice(&wrong);
    let age_bytes = age_to(&payload, &w.b);
    let hb = sealed.header.to_bytes();
    let t = signed_v2(&w.a, &hb, &age_bytes);
    let (res, out) = open_as(&w, &w.b, &t, "digest");
    assert!(
        matches!(&res, Err(KgmError::Manifest(m)) if m.contains("SHA-256")),
        "{res:?}"
    );
    assert_empty(&out);
    // The same payload with the right digest opens (the forgery above differs only there).
    let n = payload.len();
    payload[n - 32..].copy_from_slice(&Sha256::digest(&data));
    let age_bytes = age_to(&payload, &w.b);
    let t = signed_v2(&w.a, &hb, &age_bytes);
    let (res, out) = open_as(&w, &w.b, &t, "digest-ok");
    let o = res.unwrap();
    assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), data);
    assert_eq!(
        o.manifest.files[0].sha256,
        hex::encode(Sha256::digest(&data))
    );
}

/// The seal reads each file once and can keep a copy of it in the same pass; a file whose length
/// changes under the seal is refused.
#[test]
fn seal_copies_in_the_same_pass() {
    let w = World::new();
    let data = content(3 << 20, 9);
    let mut kept = Vec::new();
    let mut out = Vec::new();
    let sealed = kgm::seal(
        &mut out,
        &fields(&w.a.node_id),
        &manifest(),
        vec![SealFile {
            name: "besar.bin".into(),
            reader: Box::new(Cursor::new(data.clone())),
            known: None,
            trusted: false,
            copy: Some(Box::new(&mut kept)),
        }],
        &[(w.b.node_id.clone(), w.b.encryption.recipient())],
        &w.a.signing,
    )
    .unwrap();
    assert_eq!(kept, data);
    assert_eq!(sealed.manifest.files[0].size, data.len() as u64);
    assert_eq!(
        sealed.manifest.files[0].sha256,
        hex::encode(Sha256::digest(&data))
    );
    let (res, dir) = open_as(&w, &w.b, &out, "copy");
    res.unwrap();
    assert_eq!(std::fs::read(dir.join("besar.bin")).unwrap(), data);
    // A known size that the reader does not deliver: refused as a changed file.
    let err = kgm::seal(
        &mut Vec::new(),
        &fields(&w.a.node_id),
        &manifest(),
        vec![SealFile {
            name: "x".into(),
            reader: Box::new(Cursor::new(data.clone())),
            known: Some((data.len() as u64 + 1, Sha256::digest(&data).into())),
            trusted: true,
            copy: None,
        }],
        &[(w.b.node_id.clone(), w.b.encryption.recipient())],
        &w.a.signing,
    )
    .unwrap_err();
    assert!(matches!(err, KgmError::Manifest(_)), "{err:?}");
}

/// The sender's archive stanza (issue 19): `seal_archived` adds a stanza to the sender's own key,
/// the header still names only the recipients, the recipient opens it as before, and
/// `archived_file` gives the sender back the exact content (with its own key only).
#[test]
fn archive_stanza_reads_back_for_the_sender_only() {
    let w = World::new();
    let data = content((2 << 20) + 12345, 11);
    let seal_one = |archive: Option<&age::Recipient>, files: Vec<(&str, Vec<u8>)>| {
        let mut out = Vec::new();
        kgm::seal_archived(
            &mut out,
            &fields(&w.a.node_id),
            &manifest(),
            files
                .into_iter()
                .map(|(n, d)| SealFile {
                    name: n.into(),
                    reader: Box::new(Cursor::new(d)),
                    known: None,
                    trusted: false,
                    copy: None,
                })
                .collect(),
            &[(w.b.node_id.clone(), w.b.encryption.recipient())],
            archive,
            &w.a.signing,
        )
        .unwrap();
        out
    };
    let mine = w.a.encryption.recipient();
    let out = seal_one(Some(&mine), vec![("surat.pdf", data.clone())]);
    let header = kgm::inspect_bytes(&out).unwrap();
    assert_eq!(header.recipient_ids(), vec![w.b.node_id.clone()]);
    let (res, dir) = open_as(&w, &w.b, &out, "archived");
    res.unwrap();
    assert_eq!(std::fs::read(dir.join("surat.pdf")).unwrap(), data);

    let path = w.path("archived-a.kgm");
    std::fs::write(&path, &out).unwrap();
    let mut f = kgm::archived_file(std::fs::File::open(&path).unwrap(), &w.a.encryption).unwrap();
    assert_eq!(f.size, data.len() as u64);
    let mut back = Vec::new();
    std::io::Read::read_to_end(&mut f, &mut back).unwrap();
    assert_eq!(back, data);
    // The third node has no stanza; without the archive stanza the sender has none either.
    let err = kgm::archived_file(std::fs::File::open(&path).unwrap(), &w.c.encryption)
        .err()
        .unwrap();
    assert!(matches!(err, KgmError::Decrypt(_)), "{err:?}");
    let plain = seal_one(None, vec![("surat.pdf", data.clone())]);
    let p2 = w.path("not-archived.kgm");
    std::fs::write(&p2, &plain).unwrap();
    assert!(matches!(
        kgm::archived_file(std::fs::File::open(&p2).unwrap(), &w.a.encryption),
        Err(KgmError::Decrypt(_))
    ));
    // Two files: never read as one archive copy.
    let two = seal_one(
        Some(&mine),
        vec![("a.txt", b"satu".to_vec()), ("b.txt", b"dua".to_vec())],
    );
    let p3 = w.path("two.kgm");
    std::fs::write(&p3, &two).unwrap();
    assert!(matches!(
        kgm::archived_file(std::fs::File::open(&p3).unwrap(), &w.a.encryption),
        Err(KgmError::Manifest(_))
    ));
}
