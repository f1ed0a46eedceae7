//! PDF test helpers on the real poppler tools (`pdftotext`, `pdftoppm`; Debian `poppler-utils`):
//! extracted text for insta snapshots, page counts, word boxes, and rendered pages compared with
//! reviewed PNG snapshots under `tests/snapshots/png/`.
//!
//! PNG comparison: pages are rendered at 40 dpi in grey; a page matches its snapshot when the size
//! is equal and at most 0.3 % of the pixels differ by more than 64 grey levels. That absorbs
//! anti-aliasing differences between poppler builds and still catches a moved line, a missing word
//! or a table border in the wrong place. A missing snapshot is written and the test fails, asking
//! for a review; `KASA_PNG_ACCEPT=1` writes/overwrites snapshots and passes.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn tool(name: &str, args: &[&str]) -> Vec<u8> {
    let o = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} not runnable ({e}): apt-get install -y poppler-utils"));
    assert!(
        o.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

/// Writes `pdf` into a temp dir and returns (dir guard, path).
pub fn file(pdf: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("doc.pdf");
    std::fs::write(&p, pdf).unwrap();
    (d, p)
}

/// `pdftotext -layout` of the whole document (pages separated by form feeds).
pub fn text(pdf: &[u8]) -> String {
    let (_d, p) = file(pdf);
    String::from_utf8(tool(
        "pdftotext",
        &["-layout", "-enc", "UTF-8", p.to_str().unwrap(), "-"],
    ))
    .unwrap()
}

/// `pdftotext -layout` of one page (1-based).
pub fn page_text(pdf: &[u8], page: usize) -> String {
    let (_d, p) = file(pdf);
    let n = page.to_string();
    String::from_utf8(tool(
        "pdftotext",
        &[
            "-layout",
            "-enc",
            "UTF-8",
            "-f",
            &n,
            "-l",
            &n,
            p.to_str().unwrap(),
            "-",
        ],
    ))
    .unwrap()
}

/// Number of pages (`pdfinfo`).
pub fn pages(pdf: &[u8]) -> usize {
    let (_d, p) = file(pdf);
    let info = String::from_utf8(tool("pdfinfo", &[p.to_str().unwrap()])).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("pdfinfo names the page count")
}

/// Page size in points (`pdfinfo`), first page.
pub fn page_size(pdf: &[u8]) -> (f32, f32) {
    let (_d, p) = file(pdf);
    let info = String::from_utf8(tool("pdfinfo", &[p.to_str().unwrap()])).unwrap();
    let l = info
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .expect("page size");
    let v: Vec<f32> = l
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    (v[0], v[1])
}

/// A word with its box (points, y down), from `pdftotext -bbox`.
#[derive(Debug, Clone)]
pub struct Word {
    pub page: usize,
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
    pub text: String,
}

/// Every word of the document with its page and box.
pub fn words(pdf: &[u8]) -> Vec<Word> {
    let (_d, p) = file(pdf);
    let html = String::from_utf8(tool(
        "pdftotext",
        &["-bbox", "-enc", "UTF-8", p.to_str().unwrap(), "-"],
    ))
    .unwrap();
    let attr = |l: &str, k: &str| -> f32 {
        let i = l.find(&format!("{k}=\"")).unwrap() + k.len() + 2;
        l[i..].split('"').next().unwrap().parse().unwrap()
    };
    let mut page = 0;
    let mut out = Vec::new();
    for l in html.lines() {
        let l = l.trim();
        if l.starts_with("<page") {
            page += 1;
        } else if l.starts_with("<word") {
            let text = l
                .split('>')
                .nth(1)
                .unwrap_or("")
                .trim_end_matches("</word")
                .to_string();
            out.push(Word {
                page,
                x0: attr(l, "xMin"),
                y0: attr(l, "yMin"),
                x1: attr(l, "xMax"),
                y1: attr(l, "yMax"),
                text: text
                    .replace("&amp;", "&")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\""),
            });
        }
    }
    out
}

fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let dec = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut r = dec.read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    let ch = info.color_type.samples();
    let grey: Vec<u8> = buf.chunks(ch).map(|c| c[0]).collect();
    (info.width, info.height, grey)
}

/// Renders page `page` (1-based) at 40 dpi grey as PNG bytes.
pub fn render(pdf: &[u8], page: usize) -> Vec<u8> {
    let (d, p) = file(pdf);
    let n = page.to_string();
    let out = d.path().join("page");
    tool(
        "pdftoppm",
        &[
            "-r",
            "40",
            "-gray",
            "-png",
            "-singlefile",
            "-f",
            &n,
            "-l",
            &n,
            p.to_str().unwrap(),
            out.to_str().unwrap(),
        ],
    );
    std::fs::read(d.path().join("page.png")).unwrap()
}

fn snap_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots/png")
        .join(format!("{name}.png"))
}

/// Compares page `page` of `pdf` with the reviewed snapshot `name` (see the module doc).
pub fn assert_png(name: &str, pdf: &[u8], page: usize) {
    let now = render(pdf, page);
    let path = snap_path(name);
    let accept = std::env::var("KASA_PNG_ACCEPT").is_ok_and(|v| v == "1");
    if accept || !path.exists() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &now).unwrap();
        if !accept {
            panic!(
                "new PNG snapshot {} written: look at it, then commit it",
                path.display()
            );
        }
        return;
    }
    let (w0, h0, a) = decode(&std::fs::read(&path).unwrap());
    let (w1, h1, b) = decode(&now);
    assert_eq!((w0, h0), (w1, h1), "{name}: page size changed");
    let diff = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| (**x as i32 - **y as i32).abs() > 64)
        .count();
    let limit = (a.len() as f64 * 0.003) as usize;
    if diff > limit {
        let bad = path.with_extension("actual.png");
        std::fs::write(&bad, &now).unwrap();
        panic!(
            "{name}: {diff} pixels differ (limit {limit}); the new rendering is at {}",
            bad.display()
        );
    }
}
