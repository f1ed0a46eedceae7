//! Criterion benchmarks of kasa's crypto (DESIGN §7.6): age seal/open throughput on a 64 MiB buffer,
//! the reference `age` tool on the same data (when installed), and a 100 KB `.kgm` seal/open.
//!
//! Run: `cargo bench --bench crypto`.

use std::collections::HashMap;
use std::io::{Cursor, Write};
use std::process::{Command, Stdio};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ed25519_dalek::VerifyingKey;
use kasa::crypto::NodeKeys;
use kasa::crypto::age::{self, Armor, Decryptor, Identity};
use kasa::crypto::kgm::{self, Derajat, HeaderFields, Klasifikasi, ManifestFields, SealFile};

const BIG: usize = 64 * 1024 * 1024;

fn data(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761) as u8)
        .collect()
}

fn age_tool_available() -> bool {
    Command::new("age")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn bench_age(c: &mut Criterion) {
    let id = Identity::generate();
    let pt = data(BIG);
    let mut ct = Vec::with_capacity(BIG + BIG / 1000 + 1024);
    age::encrypt(&mut &pt[..], &mut ct, &[id.recipient()], Armor::Binary).unwrap();

    let mut g = c.benchmark_group("age_64MiB");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(BIG as u64));
    g.bench_function("kasa_seal", |b| {
        let mut out = Vec::with_capacity(ct.len());
        b.iter(|| {
            out.clear();
            age::encrypt(&mut &pt[..], &mut out, &[id.recipient()], Armor::Binary).unwrap();
        })
    });
    g.bench_function("kasa_open", |b| {
        let mut out = Vec::with_capacity(BIG);
        b.iter(|| {
            out.clear();
            Decryptor::new(&ct[..], std::slice::from_ref(&id))
                .unwrap()
                .decrypt_to(&mut out)
                .unwrap();
        })
    });
    if age_tool_available() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key");
        std::fs::write(&key, format!("{}\n", id.to_bech32().as_str())).unwrap();
        let ptf = dir.path().join("pt");
        let ctf = dir.path().join("ct");
        std::fs::write(&ptf, &pt).unwrap();
        std::fs::write(&ctf, &ct).unwrap();
        let recipient = id.recipient().to_string();
        g.bench_function("age_tool_seal", |b| {
            b.iter(|| {
                let s = Command::new("age")
                    .args(["-r", &recipient, "-o", "/dev/null"])
                    .arg(&ptf)
                    .stdout(Stdio::null())
                    .status()
                    .unwrap();
                assert!(s.success());
            })
        });
        g.bench_function("age_tool_open", |b| {
            b.iter(|| {
                let s = Command::new("age")
                    .args(["-d", "-o", "/dev/null", "-i"])
                    .arg(&key)
                    .arg(&ctf)
                    .status()
                    .unwrap();
                assert!(s.success());
            })
        });
    } else {
        eprintln!("`age` not on PATH (Debian package `age`): skipping the reference comparison");
    }
    g.finish();
}

fn bench_kgm(c: &mut Criterion) {
    let a = NodeKeys::generate("32.01");
    let b = NodeKeys::generate("32.02");
    let payload = data(100_000);
    let fields = HeaderFields {
        sender_node_id: a.node_id.clone(),
        klasifikasi: Klasifikasi::R,
        derajat: Derajat::Segera,
        created_at: None,
    };
    let manifest = ManifestFields {
        nomor_surat: "1/2/3".into(),
        perihal: "bench".into(),
        tanggal: "2026-06-01".into(),
        derajat_nama: None,
    };
    let recipients = vec![(b.node_id.clone(), b.encryption.recipient())];
    let seal_once = |out: &mut Vec<u8>| {
        let files = vec![SealFile {
            name: "surat.pdf".into(),
            reader: Box::new(Cursor::new(&payload[..])),
            known: None,
            trusted: false,
            copy: None,
        }];
        kgm::seal(out, &fields, &manifest, files, &recipients, &a.signing).unwrap();
    };
    let mut g = c.benchmark_group("kgm_100KB");
    g.throughput(Throughput::Bytes(payload.len() as u64));
    g.bench_function("seal", |bch| {
        let mut out = Vec::new();
        bch.iter(|| {
            out.clear();
            seal_once(&mut out);
        })
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.kgm");
    let mut bytes = Vec::new();
    seal_once(&mut bytes);
    std::fs::File::create(&file)
        .unwrap()
        .write_all(&bytes)
        .unwrap();
    let keys: HashMap<String, VerifyingKey> = [(a.node_id.clone(), a.signing.verifying_key())]
        .into_iter()
        .collect();
    let lookup = move |id: &str| keys.get(id).copied();
    g.bench_function("open", |bch| {
        bch.iter_batched(
            || tempfile::tempdir_in(dir.path()).unwrap(),
            |out| {
                kgm::open(&file, &b.node_id, &b.encryption, &lookup, out.path()).unwrap();
                out
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench_age, bench_kgm);
criterion_main!(benches);
