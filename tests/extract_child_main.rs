//! `analyze_in_child` end to end, with this test binary standing in for `kasa`: run with
//! `__extract <path>` it behaves as the hidden subcommand (calls `child_main`), run by cargo it is
//! the test driver. (`harness = false` in Cargo.toml, so `main` is ours.)

use std::path::{Path, PathBuf};
use std::time::Duration;

use kasa::ingest::extract::{Limits, analyze_in_child, analyze_path, child_main};

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/samples");

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("__extract") {
        let code = args.get(2).map_or(2, |p| child_main(Path::new(p)));
        std::process::exit(code);
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
    // A missing file is still an Analysis with a note, not an error.
    let missing = analyze_in_child(&exe, Path::new("/nonexistent/x.pdf"), &limits).unwrap();
    assert!(missing.note.is_some());
    println!("ok: analyze_in_child");
}
