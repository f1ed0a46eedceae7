//! Loads N synthetic registered entries into an initialised, stopped node's database (for measuring
//! node RSS and console start with large books). Usage: `cargo run --release --example bulk_load -- DATA_DIR N`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse::<u64>().ok()))
    else {
        eprintln!("usage: bulk_load DATA_DIR N");
        std::process::exit(2);
    };
    let store = kasa::store::Store::open(&std::path::Path::new(dir).join("kasa.redb"))
        .unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(1)
        });
    let t = std::time::Instant::now();
    store
        .bulk_load_for_bench(kasa::domain::Book::Masuk, n, jiff::Timestamp::now())
        .expect("load");
    println!("loaded {n} entries in {:?}", t.elapsed());
}
