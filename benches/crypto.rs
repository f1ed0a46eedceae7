//! Criterion benchmarks of kasa's crypto (filled in below).
fn main() {}
