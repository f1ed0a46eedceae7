//! `analyze_in_child` end to end, with this test binary standing in for `kasa`: run with
//! `__extract <path>` it behaves as the hidden subcommand (calls `child_main`), run by cargo it is
//! the test driver. (`harness = false` in Cargo.toml, so `main` is ours.) With `__extract-worker
//! CPU_SECS` it is the persistent worker (issue 19), whose answers must be the same.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kasa::ingest::extract::{Limits, analyze_in_child, analyze_path, child_main};
use kasa::ingest::worker::{Pool, worker_main};

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/samples");

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("__extract") {
        let code = args.get(2).map_or(2, |p| child_main(Path::new(p)));
        std::process::exit(code);
    }
    if args.get(1).map(String::as_str) == Some("__extract-worker") {
        let cpu = args.get(2).and_then(|c| c.parse().ok()).unwrap_or(10);
        std::process::exit(worker_main(cpu));
    }
    // Cargo passes libtest flags (e.g. `--list`, filters); with no tests to list, print nothing.
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let exe = std::env::current_exe().expect("current exe");
    let limits = Limits {
        wall: Duration::from_secs(15),
        ..Limits::default()
    };
    for rel in [
        "naskah/surat-pengantar-laporan-persandian-jembrana.pdf",
        "naskah/scan-0002-naskah-dikecualikan.tif",
        "pdf-corpus/libreoffice-writer-password.pdf",
        "pdf-corpus/pdflatex-4-pages.pdf",
    ] {
        let path = PathBuf::from(SAMPLES).join(rel);
        let in_child =
            analyze_in_child(&exe, &path, &limits).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(in_child, analyze_path(&path), "{rel}");
        println!("ok {rel}: pages {:?}", in_child.pages);
    }
    // The persistent workers (two slots) answer file after file exactly as the one-shot child,
    // each file twice so both workers serve several files.
    let pool = Pool::new(exe.clone(), 2);
    let rels = [
        "naskah/surat-pengantar-laporan-persandian-jembrana.pdf",
        "naskah/scan-0002-naskah-dikecualikan.tif",
        "pdf-corpus/libreoffice-writer-password.pdf",
        "pdf-corpus/pdflatex-4-pages.pdf",
    ];
    let paths: Vec<PathBuf> = rels
        .iter()
        .chain(rels.iter())
        .map(|r| PathBuf::from(SAMPLES).join(r))
        .collect();
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    for (p, r) in paths.iter().zip(pool.analyze_many(&refs, &limits)) {
        let a = r.unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert_eq!(a, analyze_path(p), "worker: {}", p.display());
    }
    for p in &paths[..2] {
        assert_eq!(pool.analyze(p, &limits).unwrap(), analyze_path(p));
    }
    println!("ok: worker pool");
    // A missing file is still an Analysis with a note, not an error.
    let missing = analyze_in_child(&exe, Path::new("/nonexistent/x.pdf"), &limits).unwrap();
    assert!(missing.note.is_some());
    println!("ok: analyze_in_child");
}
