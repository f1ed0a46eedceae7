//! Node benchmarks (issue 2): ingest work per file, hashing throughput, agenda page queries.
//!
//! Run: `cargo bench --bench node`. Page queries at 10⁶ entries build a 10⁶-entry database first
//! (about a minute); set `KASA_BENCH_MILLION=0` to skip that size.

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kasa::config::{IngestConfig, Paths};
use kasa::domain::{Book, Status};
use kasa::ingest::{Ingest, stage_copy};
use kasa::store::{PageQuery, Store};

fn sample(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/samples/naskah"
    ))
    .join(name)
}

fn ingest_per_file(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths {
        data_dir: dir.path().join("data"),
        config_dir: dir.path().join("cfg"),
        explicit_data_dir: true,
    };
    std::fs::create_dir_all(&paths.data_dir).unwrap();
    let store = Arc::new(Store::open(&paths.db()).unwrap());
    let ing = Ingest::new(
        paths.clone(),
        IngestConfig::default(),
        paths.data_dir.join("drop"),
        store,
        PathBuf::from(env!("CARGO_BIN_EXE_kasa")),
        Arc::new(|_| {}),
        None,
    )
    .unwrap();
    // A ~46 KB born-digital PDF with a text layer; each iteration appends a unique comment after %%EOF so
    // every file is new content (the full path: stage + hash + child analysis + blob + commit).
    let base = std::fs::read(sample("sop-pengiriman-berita-sanapati-palangkaraya.pdf")).unwrap();
    let mut n = 0u64;
    let mut g = c.benchmark_group("ingest");
    g.sample_size(30);
    g.bench_function("text_pdf_46KB_full_path", |b| {
        b.iter(|| {
            n += 1;
            let mut data = base.clone();
            data.extend_from_slice(format!("\n%kasa-bench {n}\n").as_bytes());
            black_box(ing.take_bytes("bench.pdf", &data, "bench").unwrap());
        })
    });
    g.finish();
}

fn hashing(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let data = vec![0x5au8; 64 << 20];
    let mut g = c.benchmark_group("hash");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    g.bench_function("stage_copy_sha256_64MiB", |b| {
        b.iter(|| {
            let (p, sha, _) = stage_copy(&mut &data[..], dir.path(), u64::MAX).unwrap();
            std::fs::remove_file(p).unwrap();
            black_box(sha)
        })
    });
    g.finish();
}

fn page_query(c: &mut Criterion) {
    let mut sizes = vec![100_000u64];
    if std::env::var("KASA_BENCH_MILLION").map_or(true, |v| v != "0") {
        sizes.push(1_000_000);
    }
    let mut g = c.benchmark_group("agenda_page");
    for n in sizes {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("kasa.redb")).unwrap();
        store
            .bulk_load_for_bench(
                Book::Masuk,
                n,
                jiff::Timestamp::from_second(1_700_000_000).unwrap(),
            )
            .unwrap();
        let q = PageQuery {
            book: Some(Book::Masuk),
            status: Some(Status::Teragenda),
            limit: 50,
            before: None,
            ..Default::default()
        };
        assert_eq!(store.page(&q).unwrap().len(), 50);
        g.bench_with_input(
            BenchmarkId::new("50_newest_by_book_status", n),
            &q,
            |b, q| b.iter(|| black_box(store.page(q).unwrap())),
        );
        let q2 = PageQuery {
            book: Some(Book::Masuk),
            status: None,
            limit: 50,
            before: None,
            ..Default::default()
        };
        g.bench_with_input(BenchmarkId::new("50_newest_by_book", n), &q2, |b, q| {
            b.iter(|| black_box(store.page(q).unwrap()))
        });
    }
    g.finish();
}

criterion_group!(benches, ingest_per_file, hashing, page_query);
criterion_main!(benches);
