//! Whole-process seal/open throughput and peak memory of the `.kgm` path on one file, for comparison with
//! the `age` tool on the same file (issue 7 benchmarks; see `benches/compare-age.sh`).
//!
//! Usage: `cargo run --release --example kgm_throughput -- seal|open FILE [WORKDIR]`. Prints MB/s and the
//! process's peak RSS (VmHWM). Keys are generated in memory (no Argon2), so the figure excludes the KDF.
use std::io::BufWriter;
use std::path::PathBuf;
use std::time::Instant;

use kasa::crypto::NodeKeys;
use kasa::crypto::kgm::{self, Derajat, HeaderFields, Klasifikasi, ManifestFields, SealFile};

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(mode), Some(file)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: kgm_throughput seal|open FILE [WORKDIR]");
        std::process::exit(2);
    };
    let work = PathBuf::from(args.get(3).cloned().unwrap_or_else(|| "/tmp".into()));
    // Deterministic keys so `seal` and `open` runs match: derived from fixed seeds.
    let a = NodeKeys::generate("5101");
    let b = NodeKeys::generate("5100");
    let keys_file = work.join("kgm_throughput.keys");
    let (a, b) = match std::fs::read(&keys_file) {
        Ok(k) if mode == "open" && k.len() == 128 => {
            let mut a = a;
            let mut b = b;
            a.signing = ed25519_dalek::SigningKey::from_bytes(k[..32].try_into().unwrap());
            b.encryption = kasa::crypto::Identity::from_bytes(k[96..128].try_into().unwrap());
            (a, b)
        }
        _ => (a, b),
    };
    let size = std::fs::metadata(file).expect("file").len();
    let kgm_path = work.join("kgm_throughput.kgm");
    let t = Instant::now();
    match mode.as_str() {
        "seal" => {
            let mut k = a.signing.to_bytes().to_vec();
            k.extend_from_slice(&[0u8; 64]);
            k.extend_from_slice(b.encryption.to_bytes().as_slice());
            std::fs::write(&keys_file, k).unwrap();
            let out = std::fs::File::create(&kgm_path).unwrap();
            let mut w = BufWriter::with_capacity(1 << 20, out);
            kgm::seal(
                &mut w,
                &HeaderFields {
                    sender_node_id: "5101".into(),
                    klasifikasi: Klasifikasi::R,
                    derajat: Derajat::Segera,
                    created_at: None,
                },
                &ManifestFields {
                    nomor_surat: "1".into(),
                    perihal: "bench".into(),
                    tanggal: "2026-11-22".into(),
                    derajat_nama: None,
                },
                vec![SealFile {
                    name: "data.bin".into(),
                    reader: Box::new(std::fs::File::open(file).unwrap()),
                    known: None,
                    trusted: false,
                    copy: None,
                }],
                &[("5100".into(), b.encryption.recipient())],
                &a.signing,
            )
            .expect("seal");
        }
        "open" => {
            let out_dir = work.join("kgm_throughput.out");
            let _ = std::fs::remove_dir_all(&out_dir);
            std::fs::create_dir_all(&out_dir).unwrap();
            let va = a.signing.verifying_key();
            kgm::open(
                &kgm_path,
                "5100",
                &b.encryption,
                &|id| (id == "5101").then_some(va),
                &out_dir,
            )
            .expect("open");
        }
        _ => panic!("mode is seal or open"),
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{mode} {:.1} MB/s ({size} bytes in {secs:.2} s), peak RSS {} KiB",
        size as f64 / secs / 1e6,
        vm_hwm_kib()
    );
}
