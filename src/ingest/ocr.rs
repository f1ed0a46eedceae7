//! OCR of image-only pages with Tesseract and its Indonesian model (issue 15, DESIGN §3).
//!
//! Runs inside the analysis child (`kasa __ocr FILE`, [`ocr_child_main`]) under the same limits as
//! `kasa __extract` ([`super::extract::run_child`]): `tesseract` is a grandchild in the child's
//! process group, so the wall clock kills it too, and it inherits `RLIMIT_AS`/`RLIMIT_CPU`. It is
//! called as a program (Debian `tesseract-ocr`, `tesseract-ocr-ind`) with TSV output, one word box
//! per row, with `OMP_THREAD_LIMIT=1` so one page uses one core.
//!
//! Page images are taken without re-rendering: JPEG and PNG files and (multi-page) TIFF files are
//! handed to Tesseract as they are; from an image-only PDF the largest image of each page is taken
//! out through lopdf: DCT (JPEG) streams as they are, CCITT fax streams wrapped in a TIFF header,
//! Flate gray/RGB/bilevel pixels as PNM. Anything else (JPX, JBIG2, masks) is rendered with
//! `pdftoppm` (poppler-utils) when that is installed. Tesseract deskews and binarises internally
//! (Otsu/Leptonica); the corpus test showed no gain from doing more before it.
//!
//! Image sizes are checked from the headers before any pixel is decoded: a page declaring more than
//! [`MAX_OCR_PIXELS`] or a side over [`MAX_OCR_SIDE`] gets a note instead of OCR, so a 60000×60000
//! PNG cannot exhaust memory.

use std::io::{self, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::domain::naskah::{Word, text_from_words};

use super::extract::{Analysis, PDF_MAX_DECOMPRESSED, TEXT_CAP};
use super::sniff::{FileKind, HEAD_LEN, sniff};

/// The most pages read with OCR per document (the header is on page 1; the rest is for search).
pub const OCR_MAX_PAGES: u32 = 10;

/// The most pixels of one page image given to OCR (60 megapixels: an A4 page at 600 dpi is 35).
pub const MAX_OCR_PIXELS: u64 = 60_000_000;

/// The longest side of a page image given to OCR, in pixels.
pub const MAX_OCR_SIDE: u32 = 20_000;

/// Note of an entry whose OCR is queued or running; replaced by the result.
pub const NOTE_OCR_PENDING: &str = "membaca… (OCR berjalan) / reading… (OCR running)";

/// Note of an entry whose text was read with OCR.
pub const NOTE_OCR_DONE: &str = "teks dibaca dengan OCR (Tesseract, ind): periksa saran / text read with OCR: check the suggestions";

/// The Debian packages OCR needs, as an install command.
pub const INSTALL_HINT: &str = "apt-get install tesseract-ocr tesseract-ocr-ind";

/// Whether Tesseract with the Indonesian model can be run: `Ok(version line)`, or `Err(note)` naming
/// exactly the package to install (Indonesian first, English after ` / `).
pub fn tesseract_status() -> Result<String, String> {
    let out = Command::new("tesseract")
        .arg("--list-langs")
        .stdin(Stdio::null())
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(format!(
                "OCR tidak tersedia: program `tesseract` tidak terpasang; pasang paket Debian `tesseract-ocr` dan `tesseract-ocr-ind` ({INSTALL_HINT}) / OCR unavailable: `tesseract` is not installed; install the Debian packages tesseract-ocr and tesseract-ocr-ind"
            ));
        }
        Err(e) => {
            return Err(format!(
                "OCR tidak tersedia: `tesseract` tidak dapat dijalankan ({e}); pasang ulang paket `tesseract-ocr` / OCR unavailable: cannot run tesseract"
            ));
        }
    };
    let listing = String::from_utf8_lossy(&out.stdout);
    if !listing.lines().any(|l| l.trim() == "ind") {
        return Err(
            "OCR tidak tersedia: model bahasa Indonesia tidak terpasang; pasang paket Debian `tesseract-ocr-ind` (apt-get install tesseract-ocr-ind) / OCR unavailable: the Indonesian model is missing; install the Debian package tesseract-ocr-ind"
                .to_string(),
        );
    }
    let version = Command::new("tesseract")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()
        .and_then(|o| {
            let s = String::from_utf8_lossy(&o.stdout).into_owned()
                + &String::from_utf8_lossy(&o.stderr);
            s.lines().next().map(str::to_string)
        })
        .unwrap_or_else(|| "tesseract".to_string());
    Ok(version)
}

/// One page image to read: a file Tesseract opens itself, or bytes fed on its stdin.
enum PageImage<'a> {
    File(&'a Path),
    Bytes(Vec<u8>, Option<u32>),
}

/// Read the document at `path` with OCR, in this process (which runs `tesseract`). Never panics;
/// always returns an [`Analysis`] whose `text` (lines rebuilt from the word boxes, at most
/// [`TEXT_CAP`] bytes) and `words` (boxes of the first [`OCR_MAX_PAGES`] pages) hold what was
/// read, or whose `note` says why nothing was: Tesseract missing (naming the package), image too
/// large, broken image, OCR failed, no text found.
pub fn ocr_path(path: &Path) -> Analysis {
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) => {
            return note_only(
                "application/octet-stream",
                format!("berkas tidak dapat dibaca / unreadable file: {e}"),
            );
        }
    };
    let kind = sniff(&data[..data.len().min(HEAD_LEN)]);
    let mime = kind.map_or("application/octet-stream", FileKind::mime);
    if let Err(note) = tesseract_status() {
        return note_only(mime, note);
    }
    let pages: Vec<(u32, PageImage)> = match kind {
        Some(FileKind::Jpeg) => match jpeg_dims(&data) {
            None => {
                return note_only(
                    mime,
                    "JPEG rusak: tidak ada header bingkai / broken JPEG: no frame header".into(),
                );
            }
            Some(d) => match check_dims(d) {
                Err(n) => return note_only(mime, n),
                Ok(()) => vec![(1, PageImage::File(path))],
            },
        },
        Some(FileKind::Png) => match png_dims(&data) {
            None => return note_only(mime, "PNG rusak / broken PNG: no IHDR".into()),
            Some(d) => match check_dims(d) {
                Err(n) => return note_only(mime, n),
                Ok(()) => vec![(1, PageImage::File(path))],
            },
        },
        Some(FileKind::Tiff) => {
            let dims = tiff_dims(&data);
            if dims.is_empty() {
                return note_only(
                    mime,
                    "TIFF rusak: ukuran halaman tidak terbaca / broken TIFF: no page size".into(),
                );
            }
            if dims.len() as u32 > OCR_MAX_PAGES {
                return note_only(
                    mime,
                    format!(
                        "TIFF lebih dari {OCR_MAX_PAGES} halaman: tidak dibaca dengan OCR / TIFF with more than {OCR_MAX_PAGES} pages: not read with OCR"
                    ),
                );
            }
            for d in dims {
                if let Err(n) = check_dims(d) {
                    return note_only(mime, n);
                }
            }
            vec![(0, PageImage::File(path))]
        }
        Some(FileKind::Pdf) => match pdf_page_images(&data, path) {
            Ok(p) if p.is_empty() => {
                return note_only(
                    mime,
                    "PDF tanpa gambar halaman yang dapat dibaca OCR / PDF without a page image OCR can read"
                        .into(),
                );
            }
            Ok(p) => p,
            Err(n) => return note_only(mime, n),
        },
        _ => {
            return note_only(
                mime,
                "jenis berkas tidak dapat dibaca dengan OCR / file type cannot be read with OCR"
                    .into(),
            );
        }
    };
    let page_count = pages.len() as u32;
    let mut words = Vec::new();
    let mut failures = Vec::new();
    for (page, img) in pages {
        match run_tesseract(&img) {
            Ok(tsv) => words.extend(parse_tsv(&tsv, page)),
            Err(e) => failures.push(if page == 0 {
                e
            } else {
                format!("halaman / page {page}: {e}")
            }),
        }
    }
    let mut a = Analysis {
        kind: mime.to_string(),
        pages: Some(page_count).filter(|&n| n > 0),
        text: None,
        note: None,
        needs_ocr: false,
        words: Vec::new(),
        ocr: true,
    };
    if let Some(FileKind::Tiff) = kind {
        a.pages = words.iter().map(|w| w.page).max();
    }
    let mut text = text_from_words(&words);
    if text.len() > TEXT_CAP {
        let mut end = TEXT_CAP;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    if text.trim().is_empty() {
        a.note = Some(if failures.is_empty() {
            "OCR tidak menemukan teks / OCR found no text".to_string()
        } else {
            format!("OCR gagal / OCR failed: {}", failures.join("; "))
        });
        return a;
    }
    a.note = Some(if failures.is_empty() {
        NOTE_OCR_DONE.to_string()
    } else {
        format!(
            "{NOTE_OCR_DONE}; sebagian gagal / partly failed: {}",
            failures.join("; ")
        )
    });
    a.text = Some(text);
    a.words = words;
    a
}

fn note_only(kind: &str, note: String) -> Analysis {
    Analysis {
        kind: kind.to_string(),
        pages: None,
        text: None,
        note: Some(note),
        needs_ocr: false,
        words: Vec::new(),
        ocr: true,
    }
}

fn check_dims((w, h): (u32, u32)) -> Result<(), String> {
    if w == 0 || h == 0 {
        return Err(format!(
            "gambar kosong ({w}×{h} piksel) / empty image ({w}×{h} pixels)"
        ));
    }
    if w > MAX_OCR_SIDE || h > MAX_OCR_SIDE || u64::from(w) * u64::from(h) > MAX_OCR_PIXELS {
        return Err(format!(
            "gambar terlalu besar untuk OCR ({w}×{h} piksel; batas {MAX_OCR_SIDE} piksel per sisi, {} MP) / image too large for OCR ({w}×{h} pixels)",
            MAX_OCR_PIXELS / 1_000_000
        ));
    }
    Ok(())
}

/// Width and height from a PNG's IHDR chunk (it must come first).
fn png_dims(data: &[u8]) -> Option<(u32, u32)> {
    if data.get(12..16)? != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(data.get(16..20)?.try_into().ok()?);
    let h = u32::from_be_bytes(data.get(20..24)?.try_into().ok()?);
    Some((w, h))
}

/// Width and height from a JPEG's first SOFn marker; `None` when there is none in the file.
fn jpeg_dims(data: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    while at + 4 <= data.len() {
        if data[at] != 0xFF {
            return None;
        }
        let marker = data[at + 1];
        if marker == 0xFF {
            at += 1;
            continue;
        }
        if marker == 0xD8 || (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            at += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([data[at + 2], data[at + 3]]));
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let h = u16::from_be_bytes([*data.get(at + 5)?, *data.get(at + 6)?]);
            let w = u16::from_be_bytes([*data.get(at + 7)?, *data.get(at + 8)?]);
            return Some((u32::from(w), u32::from(h)));
        }
        if marker == 0xDA || len < 2 {
            return None;
        }
        at += 2 + len;
    }
    None
}

/// Width and height of each page (IFD) of a TIFF, following the IFD chain with bounds checks and a
/// visited set; pages whose size tags are missing are left out.
fn tiff_dims(data: &[u8]) -> Vec<(u32, u32)> {
    let be = match data.get(..4) {
        Some(b"II*\0") => false,
        Some(b"MM\0*") => true,
        _ => return Vec::new(),
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = data.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if be {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if be {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut offset = u32_at(4).unwrap_or(0);
    while offset != 0 && seen.insert(offset) && out.len() < 1000 {
        let at = offset as usize;
        let Some(n) = u16_at(at) else { break };
        let (mut w, mut h) = (None, None);
        for i in 0..usize::from(n) {
            let e = at + 2 + i * 12;
            let (Some(tag), Some(typ)) = (u16_at(e), u16_at(e + 2)) else {
                break;
            };
            let value = match typ {
                3 => u16_at(e + 8).map(u32::from),
                4 => u32_at(e + 8),
                _ => None,
            };
            match tag {
                256 => w = value,
                257 => h = value,
                _ => {}
            }
        }
        if let (Some(w), Some(h)) = (w, h) {
            out.push((w, h));
        }
        let Some(next) = u32_at(at + 2 + usize::from(n) * 12) else {
            break;
        };
        offset = next;
    }
    out
}

/// The largest image of each of the first [`OCR_MAX_PAGES`] pages of an image-only PDF, as bytes
/// Tesseract reads (with the resolution when known).
fn pdf_page_images<'a>(data: &[u8], path: &Path) -> Result<Vec<(u32, PageImage<'a>)>, String> {
    use lopdf::{Document, LoadOptions};
    let options = LoadOptions {
        max_decompressed_size: Some(PDF_MAX_DECOMPRESSED),
        ..LoadOptions::default()
    };
    let doc = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Document::load_mem_with_options(data, options)
    }))
    .map_err(|_| "PDF rusak / broken PDF: parser failed".to_string())?
    .map_err(|e| format!("PDF rusak, tidak dapat dibaca / broken PDF: {e}"))?;
    let mut out = Vec::new();
    for (&number, &page_id) in doc.get_pages().iter().take(OCR_MAX_PAGES as usize) {
        let width_pt = page_width_pt(&doc, page_id);
        let images = doc.get_page_images(page_id).unwrap_or_default();
        let best = images
            .iter()
            .max_by_key(|i| i.width.max(0) * i.height.max(0));
        let direct = match best {
            Some(img) => {
                let (w, h) = (img.width.max(0) as u32, img.height.max(0) as u32);
                check_dims((w, h))?;
                let dpi = width_pt.map(|pt| ((w as f32) / (pt / 72.0)).round() as u32);
                pdf_image_bytes(img).map(|b| PageImage::Bytes(b, dpi))
            }
            None => None,
        };
        match direct {
            Some(img) => out.push((number, img)),
            None => {
                if let Some(b) = render_with_pdftoppm(path, number) {
                    out.push((number, PageImage::Bytes(b, Some(200))));
                }
            }
        }
    }
    Ok(out)
}

fn page_width_pt(doc: &lopdf::Document, page_id: lopdf::ObjectId) -> Option<f32> {
    let mut dict = doc.get_dictionary(page_id).ok()?;
    for _ in 0..32 {
        if let Ok(mb) = dict.get(b"MediaBox").and_then(|o| o.as_array()) {
            let n: Vec<f32> = mb.iter().filter_map(|o| o.as_float().ok()).collect();
            return (n.len() == 4 && n[2] > n[0]).then(|| n[2] - n[0]);
        }
        let parent = dict.get(b"Parent").and_then(|o| o.as_reference()).ok()?;
        dict = doc.get_dictionary(parent).ok()?;
    }
    None
}

fn pdf_image_bytes(img: &lopdf::xobject::PdfImage) -> Option<Vec<u8>> {
    let filters = img.filters.clone().unwrap_or_default();
    let (w, h) = (img.width as u32, img.height as u32);
    match filters
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["DCTDecode"] => Some(img.content.to_vec()),
        ["CCITTFaxDecode"] => {
            let params = img
                .origin_dict
                .get(b"DecodeParms")
                .ok()
                .and_then(|p| match p {
                    lopdf::Object::Array(a) => a.first().and_then(|o| o.as_dict().ok()),
                    o => o.as_dict().ok(),
                });
            let int = |k: &[u8], d: i64| {
                params
                    .and_then(|p| p.get(k).ok())
                    .and_then(|o| o.as_i64().ok())
                    .unwrap_or(d)
            };
            let k = int(b"K", 0);
            let black_is_1 = params
                .and_then(|p| p.get(b"BlackIs1").ok())
                .and_then(|o| o.as_bool().ok())
                .unwrap_or(false);
            Some(ccitt_tiff(img.content, w, h, k, black_is_1))
        }
        [] | ["FlateDecode"] => {
            let stream = lopdf::Stream::new(img.origin_dict.clone(), img.content.to_vec());
            let pixels = if filters.is_empty() {
                img.content.to_vec()
            } else {
                stream
                    .decompressed_content_with_limit(PDF_MAX_DECOMPRESSED)
                    .ok()?
            };
            let bpc = img.bits_per_component.unwrap_or(8);
            let comps = match img.color_space.as_deref() {
                Some("DeviceGray" | "CalGray") => 1,
                Some("DeviceRGB" | "CalRGB") => 3,
                // ICCBased and the like: the component count from the data length.
                _ if pixels.len() == (w as usize) * (h as usize) * 3 => 3,
                _ => 1,
            };
            pnm(&pixels, w, h, bpc, comps)
        }
        _ => None,
    }
}

/// PNM bytes for raw PDF pixels: 1-bit gray (PDF 0 = black → PBM 1 = black), 8-bit gray or RGB.
fn pnm(pixels: &[u8], w: u32, h: u32, bpc: i64, comps: u32) -> Option<Vec<u8>> {
    let (w, h) = (w as usize, h as usize);
    match (bpc, comps) {
        (1, 1) => {
            let row = w.div_ceil(8);
            let body = pixels.get(..row * h)?;
            let mut out = format!("P4\n{w} {h}\n").into_bytes();
            out.extend(body.iter().map(|b| !b));
            Some(out)
        }
        (8, 1) => {
            let body = pixels.get(..w * h)?;
            let mut out = format!("P5\n{w} {h}\n255\n").into_bytes();
            out.extend_from_slice(body);
            Some(out)
        }
        (8, 3) => {
            let body = pixels.get(..w * h * 3)?;
            let mut out = format!("P6\n{w} {h}\n255\n").into_bytes();
            out.extend_from_slice(body);
            Some(out)
        }
        _ => None,
    }
}

/// A one-strip little-endian TIFF around CCITT fax data from a PDF (`K` < 0: Group 4, otherwise
/// Group 3), so the pixels are not decoded by kasa.
fn ccitt_tiff(data: &[u8], w: u32, h: u32, k: i64, black_is_1: bool) -> Vec<u8> {
    let compression: u32 = if k < 0 { 4 } else { 3 };
    let photometric: u32 = u32::from(black_is_1);
    let mut entries: Vec<(u16, u16, u32)> = vec![
        (256, 4, w),
        (257, 4, h),
        (258, 3, 1),
        (259, 3, compression),
        (262, 3, photometric),
        (273, 4, 0), // strip offset, patched below
        (277, 3, 1),
        (278, 4, h),
        (279, 4, data.len() as u32),
    ];
    if compression == 3 {
        entries.push((292, 4, u32::from(k > 0)));
    }
    let ifd_len = 2 + entries.len() * 12 + 4;
    let data_at = (8 + ifd_len) as u32;
    let mut out = b"II*\0".to_vec();
    out.extend_from_slice(&8u32.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, typ, value) in entries {
        let value = if tag == 273 { data_at } else { value };
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&typ.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        if typ == 3 {
            out.extend_from_slice(&(value as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
        } else {
            out.extend_from_slice(&value.to_le_bytes());
        }
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(data);
    out
}

/// Page `number` rendered at 200 dpi gray by `pdftoppm` (poppler-utils), as PGM; `None` when it is
/// not installed or fails.
fn render_with_pdftoppm(path: &Path, number: u32) -> Option<Vec<u8>> {
    let n = number.to_string();
    let out = Command::new("pdftoppm")
        .args(["-r", "200", "-gray", "-f", &n, "-l", &n])
        .arg(path)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    (out.status.success() && !out.stdout.is_empty()).then_some(out.stdout)
}

/// Run `tesseract IMAGE stdout -l ind --psm 3 tsv` (image bytes on stdin when given as bytes) with
/// `OMP_THREAD_LIMIT=1`; the TSV on success, else the tail of its error output.
fn run_tesseract(img: &PageImage) -> Result<String, String> {
    let mut cmd = Command::new("tesseract");
    match img {
        PageImage::File(p) => {
            cmd.arg(p);
        }
        PageImage::Bytes(_, _) => {
            cmd.arg("stdin");
        }
    }
    cmd.args(["stdout", "-l", "ind", "--psm", "3"]);
    if let PageImage::Bytes(_, Some(dpi)) = img {
        cmd.args(["--dpi", &(*dpi).clamp(50, 1200).to_string()]);
    }
    cmd.arg("tsv")
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(if matches!(img, PageImage::Bytes(..)) {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let feeder = match (img, child.stdin.take()) {
        (PageImage::Bytes(b, _), Some(mut stdin)) => {
            let b = b.clone();
            Some(std::thread::spawn(move || {
                let _ = stdin.write_all(&b);
            }))
        }
        _ => None,
    };
    let mut stderr = child.stderr.take();
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(e) = stderr.as_mut() {
            let _ = e.take(64 * 1024).read_to_end(&mut s);
        }
        s
    });
    let mut tsv = Vec::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = (&mut out).take(16 << 20).read_to_end(&mut tsv);
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if let Some(f) = feeder {
        let _ = f.join();
    }
    let err = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    let tsv = String::from_utf8_lossy(&tsv).into_owned();
    if !status.success() || !tsv.starts_with("level") {
        let tail: String = err
            .lines()
            .filter(|l| !l.trim().is_empty())
            .rev()
            .take(3)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join(" | ");
        return Err(if tail.is_empty() {
            format!("tesseract berhenti / tesseract ended: {status}")
        } else {
            format!("{tail} ({status})")
        });
    }
    Ok(tsv)
}

/// Words of Tesseract TSV output: rows of level 5 with text, boxes scaled to thousandths of the
/// page width (from the level-1 row of their page), confidence / 100. `page` overrides the TSV page
/// number when non-zero (one image per call).
pub fn parse_tsv(tsv: &str, page: u32) -> Vec<Word> {
    let mut widths: std::collections::HashMap<u32, f32> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.splitn(12, '\t').collect();
        if cols.len() < 11 {
            continue;
        }
        let num = |i: usize| cols[i].trim().parse::<f32>().ok();
        let (Some(level), Some(p), Some(left), Some(top), Some(w), Some(h), Some(conf)) =
            (num(0), num(1), num(6), num(7), num(8), num(9), num(10))
        else {
            continue;
        };
        let p = p as u32;
        if level as u32 == 1 {
            widths.insert(p, w.max(1.0));
            continue;
        }
        let text = cols.get(11).map_or("", |t| t.trim());
        if level as u32 != 5 || text.is_empty() || conf < 0.0 {
            continue;
        }
        let scale = 1000.0 / widths.get(&p).copied().unwrap_or(1000.0);
        out.push(Word {
            text: text.to_string(),
            page: if page == 0 { p } else { page },
            x0: left * scale,
            y0: top * scale,
            x1: (left + w) * scale,
            y1: (top + h) * scale,
            conf: (conf / 100.0).clamp(0.0, 1.0),
        });
    }
    out
}

/// Entry point of the hidden `kasa __ocr <path>` subcommand: [`ocr_path`], printed as one JSON line;
/// returns the exit status (0, or 1 when stdout cannot be written).
pub fn ocr_child_main(path: &Path) -> i32 {
    let a = ocr_path(path);
    let Ok(line) = serde_json::to_string(&a) else {
        return 1;
    };
    let mut out = io::stdout().lock();
    match writeln!(out, "{line}").and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(_) => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_dimensions() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&60000u32.to_be_bytes());
        png.extend_from_slice(&60000u32.to_be_bytes());
        assert_eq!(png_dims(&png), Some((60000, 60000)));
        assert!(
            check_dims((60000, 60000))
                .unwrap_err()
                .contains("terlalu besar")
        );
        assert!(check_dims((2480, 3508)).is_ok());
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC0, 0, 11, 8, 0x06, 0xD6, 0x04, 0xD9,
        ];
        assert_eq!(jpeg_dims(&jpeg), Some((1241, 1750)));
        assert_eq!(jpeg_dims(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2]), None);
        assert_eq!(jpeg_dims(&[0xFF, 0xD8, 0x00]), None);
    }

    #[test]
    fn tiff_wrapper_reads_back() {
        let t = ccitt_tiff(&[1, 2, 3], 1728, 2200, -1, false);
        assert_eq!(tiff_dims(&t), vec![(1728, 2200)]);
    }

    #[test]
    fn tsv_rows() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
1\t1\t0\t0\t0\t0\t0\t0\t2000\t2800\t-1\t\n\
5\t1\t1\t1\t1\t1\t100\t200\t150\t30\t95.5\tNomor\n\
5\t1\t1\t1\t1\t2\t300\t200\t10\t30\t-1\t \n";
        let w = parse_tsv(tsv, 0);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].text, "Nomor");
        assert!((w[0].x0 - 50.0).abs() < 0.01 && (w[0].conf - 0.955).abs() < 0.001);
    }
}
