//! Loads N synthetic registered entries into an initialised, stopped node's database (for measuring
//! node RSS, filtered pages and console start with large books; `benches/million.sh`).
//! Usage: `cargo run --release --example bulk_load -- DATA_DIR N [START]`: the entries are received
//! one second apart from START (RFC 3339, default 2021-01-01T00:00:00Z), so the run is reproducible.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse::<u64>().ok()))
    else {
        eprintln!("usage: bulk_load DATA_DIR N [START]");
        std::process::exit(2);
    };
    let start: jiff::Timestamp = match args
        .get(3)
        .map_or("2021-01-01T00:00:00Z", String::as_str)
        .parse()
    {
        Ok(t) => t,
        Err(e) => {
            eprintln!("START: {e} (RFC 3339, e.g. 2021-01-01T00:00:00Z)");
            std::process::exit(2);
        }
    };
    let store = kasa::store::Store::open(&std::path::Path::new(dir).join("kasa.redb"))
        .unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(1)
        });
    let t = std::time::Instant::now();
    store
        .bulk_load_for_bench(kasa::domain::Book::Masuk, n, start)
        .expect("load");
    println!("loaded {n} entries in {:?}", t.elapsed());
}
