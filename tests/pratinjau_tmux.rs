//! End to end in tmux at 80×24 on a real node with the real samples (issue 15): the fax TIFF's
//! registration form with its page beside it (F2), zoom to the header (F3), the second page
//! (PageDown); the detail's preview with `v`; `/` finds a word that is only in the JPEG's OCR text.
//! Skipped when tmux is not installed. Waits poll the screen with a bound, never fixed sleeps.

#[path = "console_harness.rs"]
mod harness;

use harness::{Tmux, have_tmux};

const NASKAH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/samples/naskah/");

#[test]
fn tmux_80x24_page_preview_and_full_text_search() {
    if !have_tmux() {
        eprintln!("tmux not installed; skipped");
        return;
    }
    let n = harness::start_node(false);
    for f in [
        "scan-0002-naskah-dikecualikan.tif",
        "scan-0003-berita-sanapati-hal1.jpg",
    ] {
        let o = n.kasa(&["ingest", &format!("{NASKAH}{f}")]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    // Both are image-only: wait for their OCR so the search has its text.
    harness::wait_for(
        || {
            let o = n.kasa(&["agenda", "list", "--json"]);
            String::from_utf8_lossy(&o.stdout)
                .matches("\"kind\": \"ocr\"")
                .count()
                >= 2
        },
        "OCR of both scans",
    );
    let s = Tmux::console(&n, &format!("kasa-prev-{}", std::process::id()), 80, 24);
    s.wait("scan-0003-berita");
    // The TIFF is the older entry: second row.
    s.keys(&["j"]);
    s.wait("›●   -               scan-0002");
    s.keys(&["r"]);
    s.wait("Daftarkan pindaian");
    // 80 columns: the form has the width until F2 asks for the page.
    assert!(!s.screen().contains("Halaman 1/"));
    s.keys(&["F2"]);
    let sc = s.wait("Halaman 1/2 · half-block");
    assert!(
        sc.contains('▀') || sc.contains('▄'),
        "the page is drawn in half-blocks:\n{sc}"
    );
    s.keys(&["F3"]);
    s.wait("1/2 · kepala");
    s.keys(&["PageDown"]);
    s.wait("Halaman 2/2 · kepala");
    s.keys(&["Escape"]);
    // Leaving the form asks to keep or discard what it holds.
    let sc = s.screen();
    if sc.contains("Buang") || sc.contains("buang") {
        s.keys(&["y"]);
    }
    s.wait_until("the form closed", |sc| !sc.contains("Daftarkan pindaian"));
    // The detail shows the page too; `v` hides it.
    s.keys(&["Enter"]);
    s.wait("Rincian");
    s.wait("Halaman 1/2");
    s.keys(&["v"]);
    s.wait_until("the preview hidden", |sc| !sc.contains("Halaman 1/2"));
    s.keys(&["Escape"]);
    s.wait_until("the detail closed", |sc| !sc.contains("Rincian"));
    // `/dongle`: the word is in the JPEG's OCR text only; its row shows the snippet.
    s.keys(&["/"]);
    s.type_text("dongle");
    let sc = s.wait_until("the snippet", |sc| {
        sc.to_lowercase().contains("dongle") && sc.contains('«')
    });
    // One row left (the JPEG's: the TIFF has no such word), led by the snippet.
    assert!(sc.contains("[1 Masuk 1]"), "{sc}");
    assert!(sc.contains("Dongle enkripsi"), "{sc}");
    assert!(!sc.contains("scan-0002-naskah"), "{sc}");
    s.keys(&["q"]);
}
