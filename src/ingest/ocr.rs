//! OCR of image-only documents (issue 15): scans (PDF without a text layer), fax TIFFs, JPEG/PNG.
//!
//! Runs in the analysis child (`kasa __ocr FILE`, [`child_main`]) under the limits of
//! [`super::extract::run_child`] (CPU, address space, wall clock, own process group), which the
//! programs it starts inherit. Page images are taken out of a PDF as they are stored (`pdfimages
//! -j`: JPEG as JPEG, the rest as PNM; no re-rendering); a page that is not one image is rendered at 200 dpi gray (`pdftoppm`).
//! TIFF (every page), JPEG and PNG go to `tesseract` as they are. Every image's declared size is read
//! from its header first: more than [`MAX_SIDE`] pixels on a side or [`MAX_PIXELS`] in all is refused
//! with a note before any decoder sees it. Binarisation (Otsu) and skew are left to tesseract's own
//! layout analysis: its word boxes follow skewed baselines and `domain::naskah::suggest_positioned`
//! corrects the skew when it rebuilds the lines.
//!
//! tesseract is called as `tesseract IMAGE stdout -l ind --psm 3 tsv` with `OMP_THREAD_LIMIT=1`
//! (one core per OCR; the node may be serving consoles on the other). Its TSV word rows (page,
//! block, paragraph, line, box in pixels, confidence 0–100) become [`Kata`] values and the text.
//! Packages: Debian `tesseract-ocr` and `tesseract-ocr-ind`, `poppler-utils`.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::domain::naskah::{Kata, Kotak};

use super::extract::{Analysis, ExtractError, Limits, TEXT_CAP, run_child_until};
use super::sniff::{FileKind, HEAD_LEN, sniff};

/// The command that installs what OCR needs, named in every note about a missing piece.
pub const OCR_PAKET: &str = "apt-get install tesseract-ocr tesseract-ocr-ind";

pub use crate::domain::agenda::NOTE_OCR_PENDING;

/// The most pixels on one side of an image given to OCR (20,000: A3 at 1,200 dpi is 14,000).
pub const MAX_SIDE: u64 = 20_000;

/// The most pixels of one image given to OCR (120 million: A3 at 600 dpi is 70 million).
pub const MAX_PIXELS: u64 = 120_000_000;

/// The fewest pixels on a side of an image worth giving to OCR (64: one line of text at 150 dpi
/// needs about 30); smaller images are noted at ingest and not queued.
pub const MIN_SIDE: u64 = 64;

/// Resolution at which a PDF page that is not one stored image is rendered for OCR, in dpi.
pub const RENDER_DPI: u32 = 200;

/// Pages whose words are kept with their boxes (header suggestions need page 1; a date line may
/// stand on page 2).
pub const WORD_PAGES: u32 = 3;

/// Whether OCR can run on this machine: `Ok(version line)` when `tesseract` runs and lists the `ind`
/// language; otherwise `Err(note)` naming what is missing and the command that installs it,
/// Indonesian first ([`OCR_PAKET`]). Runs `tesseract --version` and `--list-langs` (milliseconds).
pub fn tersedia() -> Result<String, String> {
    let out = Command::new("tesseract")
        .arg("--list-langs")
        .stdin(Stdio::null())
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(missing_tesseract()),
        Err(e) => {
            return Err(format!(
                "OCR tidak dapat dijalankan: tesseract gagal ({e}); periksa pemasangannya: {OCR_PAKET} / OCR cannot run: tesseract failed"
            ));
        }
    };
    let langs =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    if !langs.lines().any(|l| l.trim() == "ind") {
        return Err(format!(
            "OCR tidak tersedia: model bahasa Indonesia (ind) untuk tesseract tidak terpasang; pasang dengan `{OCR_PAKET}` / OCR unavailable: the Indonesian (ind) tesseract model is missing; install it with `{OCR_PAKET}`"
        ));
    }
    let version = Command::new("tesseract")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(str::to_string)
        })
        .unwrap_or_else(|| "tesseract".into());
    Ok(format!("{version}, bahasa ind"))
}

/// [`tersedia`], asked at most once a minute (the node's `kasa status` answers from it).
pub fn tersedia_cached() -> Result<String, String> {
    use std::sync::Mutex;
    static CACHE: Mutex<Option<(Instant, Result<String, String>)>> = Mutex::new(None);
    let mut c = CACHE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match &*c {
        Some((at, r)) if at.elapsed() < std::time::Duration::from_secs(60) => r.clone(),
        _ => {
            let r = tersedia();
            *c = Some((Instant::now(), r.clone()));
            r
        }
    }
}

fn missing_tesseract() -> String {
    format!(
        "OCR tidak tersedia: program tesseract tidak terpasang; pasang dengan `{OCR_PAKET}`, lalu pindai ulang atau ketik kolomnya dari kertas / OCR unavailable: tesseract is not installed; install it with `{OCR_PAKET}`"
    )
}

/// The width and height each image of the file declares in its header (PNG `IHDR`, JPEG `SOFn`,
/// every TIFF IFD), without decoding it. Errors (Indonesian first) for a header that cannot be read.
pub fn declared_sizes(data: &[u8]) -> Result<Vec<(u64, u64)>, String> {
    let head = &data[..data.len().min(HEAD_LEN)];
    match sniff(head) {
        Some(FileKind::Png) => {
            let w = data
                .get(16..20)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
            let h = data
                .get(20..24)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
            match (w, h) {
                (Some(w), Some(h)) if data.get(12..16) == Some(b"IHDR") => {
                    Ok(vec![(u64::from(w), u64::from(h))])
                }
                _ => Err("header PNG rusak / broken PNG header".into()),
            }
        }
        Some(FileKind::Jpeg) => jpeg_size(data).map(|s| vec![s]),
        Some(FileKind::Tiff) => tiff_sizes(data),
        _ => Ok(Vec::new()),
    }
}

fn jpeg_size(data: &[u8]) -> Result<(u64, u64), String> {
    let broken = || "header JPEG rusak: tidak ada SOF / broken JPEG header: no SOF".to_string();
    let mut at = 2usize;
    while at + 4 <= data.len() {
        if data[at] != 0xFF {
            return Err(broken());
        }
        let marker = data[at + 1];
        if marker == 0xFF {
            at += 1;
            continue;
        }
        if matches!(marker, 0xD8 | 0x01 | 0xD0..=0xD7) {
            at += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([data[at + 2], data[at + 3]]));
        if len < 2 {
            return Err(broken());
        }
        // SOF0..SOF15 but DHT (C4), JPG (C8), DAC (CC).
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let b = data.get(at + 5..at + 9).ok_or_else(broken)?;
            let h = u16::from_be_bytes([b[0], b[1]]);
            let w = u16::from_be_bytes([b[2], b[3]]);
            return Ok((u64::from(w), u64::from(h)));
        }
        if marker == 0xDA {
            return Err(broken());
        }
        at += 2 + len;
    }
    Err(broken())
}

fn tiff_sizes(data: &[u8]) -> Result<Vec<(u64, u64)>, String> {
    let broken = |what: &str| format!("TIFF rusak / broken TIFF: {what}");
    let be = match data.get(..4) {
        Some(b"II*\0") => false,
        Some(b"MM\0*") => true,
        _ => return Err(broken("header")),
    };
    let u16_at = |at: usize| -> Option<u32> {
        let b = data.get(at..at.checked_add(2)?)?;
        let v = [b[0], b[1]];
        Some(u32::from(if be {
            u16::from_be_bytes(v)
        } else {
            u16::from_le_bytes(v)
        }))
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b = data.get(at..at.checked_add(4)?)?;
        let v = [b[0], b[1], b[2], b[3]];
        Some(if be {
            u32::from_be_bytes(v)
        } else {
            u32::from_le_bytes(v)
        })
    };
    let mut sizes = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut offset = u32_at(4).ok_or_else(|| broken("terpotong / truncated"))?;
    while offset != 0 && sizes.len() < super::extract::TIFF_MAX_IFDS as usize {
        if !seen.insert(offset) {
            break;
        }
        let at = offset as usize;
        let n = u16_at(at).ok_or_else(|| broken("IFD di luar berkas / IFD out of bounds"))?;
        let (mut w, mut h) = (None, None);
        for i in 0..n as usize {
            let e = at + 2 + i * 12;
            let (Some(tag), Some(typ)) = (u16_at(e), u16_at(e + 2)) else {
                return Err(broken("IFD terpotong / truncated IFD"));
            };
            let value = match typ {
                3 => u16_at(e + 8),
                4 => u32_at(e + 8),
                _ => None,
            };
            match tag {
                256 => w = value,
                257 => h = value,
                _ => {}
            }
        }
        match (w, h) {
            (Some(w), Some(h)) => sizes.push((u64::from(w), u64::from(h))),
            _ => return Err(broken("ukuran gambar tidak ada / no image size")),
        }
        offset = u32_at(at + 2 + n as usize * 12).unwrap_or(0);
    }
    Ok(sizes)
}

/// Refuses an image larger than [`MAX_SIDE`] or [`MAX_PIXELS`]: the note names the size, the rule
/// and what to do.
pub(crate) fn check_size(w: u64, h: u64) -> Result<(), String> {
    if w == 0 || h == 0 {
        return Err(format!(
            "gambar berukuran {w}×{h} piksel tidak dapat dibaca OCR; pindai ulang / an image of {w}×{h} pixels cannot be read by OCR; scan again"
        ));
    }
    if w > MAX_SIDE || h > MAX_SIDE || w.saturating_mul(h) > MAX_PIXELS {
        return Err(format!(
            "gambar {w}×{h} piksel melebihi batas OCR ({MAX_SIDE} piksel per sisi, {} juta piksel): tidak dibaca; pindai ulang pada 150–300 dpi / image of {w}×{h} pixels exceeds the OCR limit: not read; scan again at 150–300 dpi",
            MAX_PIXELS / 1_000_000
        ));
    }
    Ok(())
}

/// OCR of one page image: its words and text lines, the time and the peak memory of tesseract.
struct PageOcr {
    words: Vec<Kata>,
    lines: Vec<String>,
    pages: u32,
}

/// Runs tesseract on `image` and parses its TSV. `first_page` numbers the image's first page.
fn tesseract(image: &Path, first_page: u32, keep_words: bool) -> Result<PageOcr, String> {
    let out = Command::new("tesseract")
        .arg(image)
        .arg("stdout")
        .args(["-l", "ind", "--psm", "3", "tsv"])
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::null())
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(missing_tesseract()),
        Err(e) => {
            return Err(format!(
                "tesseract tidak dapat dijalankan / cannot run tesseract: {e}"
            ));
        }
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        if stderr.contains("Failed loading language") || stderr.contains("ind.traineddata") {
            return Err(format!(
                "OCR tidak tersedia: model bahasa ind tidak terpasang; pasang dengan `{OCR_PAKET}` / OCR unavailable: the ind model is missing"
            ));
        }
        let tail: String = stderr.lines().rev().take(2).collect::<Vec<_>>().join("; ");
        return Err(format!(
            "gambar tidak dapat dibaca OCR (rusak atau format tidak didukung): {tail}; pindai ulang / image unreadable by OCR (broken or unsupported)"
        ));
    }
    Ok(parse_tsv(
        &String::from_utf8_lossy(&out.stdout),
        first_page,
        keep_words,
    ))
}

/// Parses tesseract's TSV (`level page block par line word left top width height conf text`).
fn parse_tsv(tsv: &str, first_page: u32, keep_words: bool) -> PageOcr {
    let mut words = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    let mut last_line = None;
    let mut last_block = None;
    let mut pages = 0u32;
    for row in tsv.lines().skip(1) {
        let f: Vec<&str> = row.split('\t').collect();
        if f.len() < 12 {
            continue;
        }
        let num = |i: usize| f[i].trim().parse::<i64>().unwrap_or(0);
        let level = num(0);
        let page = u32::try_from(num(1)).unwrap_or(1).max(1);
        pages = pages.max(page);
        if level != 5 {
            continue;
        }
        let text = f[11].trim();
        if text.is_empty() {
            continue;
        }
        let halaman = first_page + page - 1;
        let (block, par, line) = (num(2), num(3), num(4));
        let key = (halaman, block, par, line);
        if last_block.is_some_and(|b| b != (halaman, block)) {
            lines.push(String::new());
        }
        last_block = Some((halaman, block));
        if last_line == Some(key) {
            if let Some(l) = lines.last_mut() {
                l.push(' ');
                l.push_str(text);
            }
        } else {
            lines.push(text.to_string());
            last_line = Some(key);
        }
        if keep_words && halaman < first_page + WORD_PAGES {
            let (l, t, w, h) = (num(6) as f32, num(7) as f32, num(8) as f32, num(9) as f32);
            let conf: f32 = f[10].trim().parse().unwrap_or(0.0);
            words.push(Kata {
                teks: text.to_string(),
                halaman,
                baris: u32::try_from(
                    (block * 1_000_000 + par * 1_000 + line).clamp(0, i64::from(u32::MAX)),
                )
                .unwrap_or(0),
                kotak: Kotak {
                    x0: l,
                    y0: t,
                    x1: l + w,
                    y1: t + h,
                },
                yakin: conf.clamp(0.0, 100.0),
            });
        }
    }
    PageOcr {
        words,
        lines,
        pages,
    }
}

/// A private scratch directory for page images, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> io::Result<Scratch> {
        use std::os::unix::fs::DirBuilderExt;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("kasa-ocr-{}-{nanos}", std::process::id()));
        fs::DirBuilder::new().mode(0o700).create(&dir)?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// One row of `pdfimages -list`: page, width, height, x-ppi.
fn pdf_image_list(pdf: &Path) -> Result<Vec<(u32, u64, u64, u32)>, String> {
    let out = Command::new("pdfimages")
        .arg("-list")
        .arg(pdf)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            format!(
                "pdfimages tidak dapat dijalankan ({e}); pasang dengan `apt-get install poppler-utils` / cannot run pdfimages: install poppler-utils"
            )
        })?;
    if !out.status.success() {
        return Err(format!(
            "gambar halaman PDF tidak dapat diambil / cannot list the PDF's page images: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let mut rows = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines().skip(2) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 14 || f[2] == "smask" || f[2] == "stencil" {
            continue;
        }
        let (Ok(page), Ok(w), Ok(h)) = (f[0].parse(), f[3].parse(), f[4].parse()) else {
            continue;
        };
        rows.push((page, w, h, f[12].parse().unwrap_or(0)));
    }
    Ok(rows)
}

/// The page images of an image-only PDF, in page order: the stored image when a page holds exactly
/// one, else the page rendered at [`RENDER_DPI`].
fn pdf_page_images(pdf: &Path, pages: u32, dir: &Path) -> Result<Vec<PathBuf>, String> {
    let list = pdf_image_list(pdf)?;
    for &(_, w, h, _) in &list {
        check_size(w, h)?;
    }
    let mut images = Vec::new();
    for page in 1..=pages {
        let on_page: Vec<_> = list.iter().filter(|r| r.0 == page).collect();
        let prefix = dir.join(format!("p{page}"));
        let ok = if on_page.len() == 1 {
            Command::new("pdfimages")
                // JPEG streams stay JPEG (`-j`), the rest come out as PNM: no re-encoding to PNG.
                .args(["-j", "-f", &page.to_string(), "-l", &page.to_string()])
                .arg(pdf)
                .arg(&prefix)
                .stdin(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        } else {
            Command::new("pdftoppm")
                .args(["-gray", "-png", "-r", &RENDER_DPI.to_string()])
                .args([
                    "-f",
                    &page.to_string(),
                    "-l",
                    &page.to_string(),
                    "-singlefile",
                ])
                .arg(pdf)
                .arg(&prefix)
                .stdin(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        if !ok {
            return Err(format!(
                "gambar halaman {page} tidak dapat diambil dari PDF / cannot take the image of page {page} out of the PDF"
            ));
        }
        let mut made: Vec<PathBuf> = fs::read_dir(dir)
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n.starts_with(&format!("p{page}-")) || n == format!("p{page}.png")
                })
            })
            .collect();
        made.sort();
        images.extend(made.into_iter().take(1));
    }
    Ok(images)
}

/// What the pages gave: words, text lines, pages read, and a note on pages left out.
type Read = (Vec<Kata>, Vec<String>, u32, Option<String>);

/// OCR the image-only document at `path` in this process (the child calls this). Never panics;
/// returns an [`Analysis`] whose `text` and `words` hold what tesseract read and whose `note` says
/// why there is less (tesseract missing, image too large or broken, pages beyond `max_pages`).
/// `ocr_ms` and `ocr_peak_kib` report the time and the largest resident size of tesseract.
pub fn ocr_path(path: &Path, max_pages: u32) -> Analysis {
    let started = Instant::now();
    let data = match super::extract::read_regular_file(path) {
        Ok(d) => d,
        Err(note) => {
            let mut a = Analysis::new("application/octet-stream");
            a.note = Some(note);
            return a;
        }
    };
    let kind = sniff(&data[..data.len().min(HEAD_LEN)]);
    let mut a = Analysis::new(kind.map_or("application/octet-stream", FileKind::mime));
    let max_pages = max_pages.max(1);
    let result = (|| -> Result<Read, String> {
        let scratch =
            Scratch::new().map_err(|e| format!("direktori sementara / scratch dir: {e}"))?;
        let mut extra = None;
        let images: Vec<PathBuf> = match kind {
            Some(FileKind::Pdf) => {
                let pages = super::extract::analyze_bytes(&data).pages.unwrap_or(1);
                if pages > max_pages {
                    extra = Some(format!(
                        "OCR hanya {max_pages} dari {pages} halaman / OCR of {max_pages} of {pages} pages"
                    ));
                }
                pdf_page_images(path, pages.min(max_pages), &scratch.0)?
            }
            Some(FileKind::Tiff | FileKind::Jpeg | FileKind::Png) => {
                let sizes = declared_sizes(&data)?;
                if sizes.is_empty() {
                    return Err("gambar tanpa ukuran / image without a size".into());
                }
                for &(w, h) in &sizes {
                    check_size(w, h)?;
                }
                vec![path.to_path_buf()]
            }
            _ => return Err("bukan gambar atau PDF: tidak ada yang dibaca OCR / not an image or PDF: nothing for OCR".into()),
        };
        let mut words = Vec::new();
        let mut lines = Vec::new();
        let mut next_page = 1;
        for img in &images {
            let p = tesseract(img, next_page, true)?;
            next_page += p.pages.max(1);
            words.extend(p.words);
            lines.extend(p.lines);
            lines.push(String::new());
        }
        Ok((words, lines, next_page - 1, extra))
    })();
    match result {
        Ok((words, lines, pages, extra)) => {
            let mut text = lines.join("\n").trim().to_string();
            if text.len() > TEXT_CAP {
                let mut end = TEXT_CAP;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text.truncate(end);
            }
            a.pages = a.pages.or((pages > 0).then_some(pages));
            if text.is_empty() {
                a.note = Some(
                    "OCR tidak menemukan teks (halaman kosong atau terlalu buram); ketik kolomnya dari kertas / OCR found no text (blank or too blurred page)"
                        .into(),
                );
            } else {
                a.text = Some(text);
                a.note = extra;
            }
            a.words = words;
        }
        Err(note) => a.note = Some(note),
    }
    a.ocr_ms = Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
    a.ocr_peak_kib = children_peak_kib();
    a
}

/// Largest resident set size of any waited-for child of this process (tesseract), in KiB.
fn children_peak_kib() -> Option<u64> {
    // SAFETY: rusage is plain data; getrusage only writes into it.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointer to a rusage value.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    (rc == 0).then(|| u64::try_from(ru.ru_maxrss).unwrap_or(0))
}

/// Entry point of the hidden `kasa __ocr <path> [max_pages]` subcommand: [`ocr_path`], printed as
/// one JSON line on stdout. Exit status 0, or 1 when stdout cannot be written.
pub fn child_main(path: &Path, max_pages: u32) -> i32 {
    let a = ocr_path(path, max_pages);
    let Ok(line) = serde_json::to_string(&a) else {
        return 1;
    };
    let mut out = io::stdout().lock();
    match writeln!(out, "{line}").and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(_) => 1,
    }
}

/// OCR `path` in a child process: `exe __ocr <path> <max_pages>` under `limits` (the limits hold
/// for tesseract too), with `OMP_THREAD_LIMIT=1`. Errors as in [`run_child`].
pub fn ocr_in_child(
    exe: &Path,
    path: &Path,
    max_pages: u32,
    limits: &Limits,
) -> Result<Analysis, ExtractError> {
    ocr_in_child_until(exe, path, max_pages, limits, None)
}

/// [`ocr_in_child`] that stops the child when `cancel` is set ([`ExtractError::Cancelled`]).
pub fn ocr_in_child_until(
    exe: &Path,
    path: &Path,
    max_pages: u32,
    limits: &Limits,
    cancel: Option<&std::sync::atomic::AtomicBool>,
) -> Result<Analysis, ExtractError> {
    let mut cmd = Command::new(exe);
    cmd.arg("__ocr")
        .arg(path)
        .arg(max_pages.to_string())
        .env("OMP_THREAD_LIMIT", "1");
    run_child_until(cmd, limits, cancel)
}

/// The note an entry keeps after its OCR: what was read and what to check against the paper.
pub fn note_after(a: &Analysis, s: Option<&crate::domain::naskah::HeaderSuggestions>) -> String {
    let mut note = match (&a.text, &a.note) {
        (Some(_), None) => "teks dari OCR (tesseract, ind): saran kepala surat dicocokkan dengan kertas / text from OCR: check the suggestions against the paper".to_string(),
        (Some(_), Some(n)) => format!("teks dari OCR (tesseract, ind); {n}"),
        (None, Some(n)) => n.clone(),
        (None, None) => "OCR tidak menemukan teks / OCR found no text".to_string(),
    };
    if let Some(s) = s {
        let ragu = s.ragu_fields();
        if !ragu.is_empty() {
            note.push_str(&format!(
                "; keyakinan rendah, tidak diisikan otomatis: {} (periksa dengan kertas) / low confidence, not filled in: check against the paper",
                ragu.join(", ")
            ));
        }
    }
    note
}

impl super::Ingest {
    /// Limits of the OCR child from the ingest settings (`ocr_cpu_secs`, `extract_memory_mb`,
    /// `ocr_wall_secs`).
    pub fn ocr_limits(&self) -> Limits {
        Limits {
            cpu_seconds: self.cfg.ocr_cpu_secs,
            memory_bytes: self.cfg.extract_memory_mb << 20,
            wall: std::time::Duration::from_secs(self.cfg.ocr_wall_secs),
        }
    }

    /// The OCR thread of the node: until `stop` is set, takes the entries queued for OCR
    /// ([`crate::store::Store::ocr_pending`]) one at a time, reads each scan in the `kasa __ocr`
    /// child, and stores text, suggestions (sealed to the node key when it has one) and note with
    /// [`crate::store::Store::ocr_done`], publishing the change so consoles update. A stop while a
    /// child runs kills it and leaves the entry queued (read again after the restart).
    pub fn run_ocr(&self, stop: std::sync::Arc<std::sync::atomic::AtomicBool>) {
        use std::sync::atomic::Ordering;
        let nap = std::time::Duration::from_millis(250);
        while !stop.load(Ordering::SeqCst) {
            let ids = match self.store.ocr_pending() {
                Ok(ids) => ids,
                Err(e) => {
                    tracing::warn!(error = %e, "OCR queue unreadable");
                    Vec::new()
                }
            };
            if ids.is_empty() {
                std::thread::sleep(nap);
                continue;
            }
            for id in ids {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                match self.ocr_one(id, &stop) {
                    Ok(()) => {}
                    Err(ExtractError::Cancelled) => return,
                    Err(e) => {
                        tracing::warn!(entry = id, error = %e, "OCR");
                        std::thread::sleep(nap);
                    }
                }
            }
        }
    }

    fn ocr_one(&self, id: u64, stop: &std::sync::atomic::AtomicBool) -> Result<(), ExtractError> {
        let entry = match self.store.entry(id) {
            Ok(e) => e,
            Err(e) => return Err(ExtractError::BadOutput(format!("database: {e}"))),
        };
        let at = crate::clock::now();
        let att = entry.as_ref().and_then(|e| e.attachments.first().cloned());
        let path = att.as_ref().map(|a| self.blobs().path(&a.sha256));
        let analysis = match (&att, &path) {
            (Some(_), Some(p)) if p.exists() => {
                match ocr_in_child_until(
                    &self.exe,
                    p,
                    self.cfg.ocr_max_pages,
                    &self.ocr_limits(),
                    Some(stop),
                ) {
                    Ok(a) => a,
                    Err(ExtractError::Cancelled) => return Err(ExtractError::Cancelled),
                    Err(e) => {
                        let mut a = Analysis::new(att.as_ref().map_or("", |a| a.mime.as_str()));
                        a.note = Some(format!(
                            "OCR gagal: {e}; ketik kolomnya dari kertas / OCR failed: type the fields from the paper"
                        ));
                        a
                    }
                }
            }
            (Some(a), _) if a.encrypted_at_rest => {
                let mut x = Analysis::new(&a.mime);
                x.note = Some("OCR dilewati: berkas sudah dienkripsi at rest sebelum terbaca; ketik kolomnya dari kertas / OCR skipped: the file was encrypted at rest before it was read".into());
                x
            }
            _ => {
                let mut x = Analysis::new("application/octet-stream");
                x.note = Some("OCR dilewati: berkas entri tidak ditemukan di penyimpanan / OCR skipped: the entry's file is missing from the blob store".into());
                x
            }
        };
        let suggestions = analysis.suggestions();
        let note = note_after(&analysis, suggestions.as_ref());
        let mut hasil = crate::store::ocr::OcrHasil {
            note: Some(note),
            pages: analysis.pages,
            ..Default::default()
        };
        match &self.seal_to {
            Some(to) if analysis.text.is_some() || suggestions.is_some() => {
                let seal = |b: &[u8]| crate::node::atrest::seal_bytes(b, to);
                let s = suggestions
                    .as_ref()
                    .map(|s| seal(&serde_json::to_vec(s).unwrap_or_default()))
                    .transpose();
                let t = analysis
                    .text
                    .as_deref()
                    .map(|t| seal(t.as_bytes()))
                    .transpose();
                match (s, t) {
                    (Ok(s), Ok(t)) => {
                        hasil.sealed_suggestions = s;
                        hasil.sealed_text = t;
                    }
                    (Err(e), _) | (_, Err(e)) => {
                        return Err(ExtractError::BadOutput(format!(
                            "sealing the OCR text to the node key: {e}"
                        )));
                    }
                }
            }
            _ => {
                hasil.text = analysis.text;
                hasil.suggestions = suggestions;
            }
        }
        match self.store.ocr_done(id, &hasil, at) {
            Ok(ch) => {
                (self.publish)(ch);
                Ok(())
            }
            Err(e) => Err(ExtractError::BadOutput(format!("database: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_from_headers() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&60000u32.to_be_bytes());
        png.extend_from_slice(&60000u32.to_be_bytes());
        png.extend_from_slice(&[8, 0, 0, 0, 0]);
        assert_eq!(declared_sizes(&png).unwrap(), vec![(60000, 60000)]);
        assert!(
            check_size(60000, 60000)
                .unwrap_err()
                .contains("melebihi batas")
        );
        assert!(check_size(1241, 1754).is_ok());
        // JPEG: SOI, APP0 (len 4), SOF0 with h=1754 w=1241.
        let jpg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC0, 0, 11, 8, 0x06, 0xDA, 0x04, 0xD9, 1,
        ];
        assert_eq!(declared_sizes(&jpg).unwrap(), vec![(1241, 1754)]);
        assert!(declared_sizes(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 1]).is_err());
        // TIFF LE, one IFD with width 100 (SHORT) and length 70000 (LONG).
        let mut t = b"II*\0\x08\0\0\0".to_vec();
        t.extend_from_slice(&2u16.to_le_bytes());
        t.extend_from_slice(&[0, 1, 3, 0, 1, 0, 0, 0, 100, 0, 0, 0]);
        t.extend_from_slice(&[1, 1, 4, 0, 1, 0, 0, 0]);
        t.extend_from_slice(&70000u32.to_le_bytes());
        t.extend_from_slice(&0u32.to_le_bytes());
        assert_eq!(declared_sizes(&t).unwrap(), vec![(100, 70000)]);
    }

    #[test]
    fn tsv_words_and_lines() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t1000\t1400\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t10\t20\t50\t12\t96.5\tNomor\n\
                   5\t1\t1\t1\t1\t2\t70\t20\t5\t12\t90\t:\n\
                   5\t1\t2\t1\t1\t1\t10\t40\t50\t12\t80\tHal\n";
        let p = parse_tsv(tsv, 1, true);
        assert_eq!(p.lines, vec!["Nomor :", "", "Hal"]);
        assert_eq!(p.words.len(), 3);
        assert_eq!(p.words[0].kotak.x1, 60.0);
        assert_eq!(p.words[0].yakin, 96.5);
        assert_ne!(p.words[0].baris, p.words[2].baris);
    }
}
