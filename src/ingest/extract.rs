//! Analysis of an untrusted document: type, page count, text layer (DESIGN §3).
//!
//! Two layers:
//! - [`analyze_path`] does the work in-process. It never panics on hostile input (lopdf calls run
//!   under [`std::panic::catch_unwind`] as an extra guard) but it can still use unbounded CPU or
//!   memory on a crafted file.
//! - [`analyze_in_child`] runs `kasa __extract <path>` ([`child_main`]) in a child process with a CPU
//!   limit, an address-space limit and a wall-clock limit, and reads back one JSON line. This is what
//!   the node uses: "a hostile PDF cannot hang or crash the node". An [`ExtractError`] becomes a note
//!   on the agenda entry; the file is still ingested.
//!
//! Notes are written Indonesian first, English after a ` / `, because the sandiman reads them.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::sniff::{FileKind, HEAD_LEN, sniff};
use crate::domain::naskah::{self, Kata, Kotak};

/// The most text kept from a document's text layer, in bytes (UTF-8): 256 KiB. Header suggestions
/// only need the first page; the rest is for search.
pub const TEXT_CAP: usize = 256 * 1024;

/// The most a stream may decompress to while a PDF is analysed, in bytes (64 MiB), so a small
/// "decompression bomb" is refused rather than exhausting memory.
pub const PDF_MAX_DECOMPRESSED: usize = 64 * 1024 * 1024;

/// The most IFDs (pages) followed in a TIFF before giving up.
pub const TIFF_MAX_IFDS: u32 = 10_000;

/// The most bytes read from the child's stdout (4 MiB); more is treated as bad output.
pub const CHILD_STDOUT_CAP: usize = 4 * 1024 * 1024;

/// How much of the child's stderr is kept (its tail, in bytes) for the error report.
pub const CHILD_STDERR_TAIL: usize = 4 * 1024;

/// Note for scans and photos: no text layer.
pub const NOTE_IMAGE: &str = "gambar hasil pindai tanpa lapisan teks (perlu OCR) / scanned image without a text layer (needs OCR)";

/// Note for an encrypted PDF that cannot be opened without a password.
pub const NOTE_ENCRYPTED: &str = "PDF terenkripsi (sandi pengguna): tidak ada teks yang dapat diambil / encrypted PDF: no text can be extracted";

/// The result of analysing one document. Serialised as one JSON line by [`child_main`].
///
/// - `kind`: MIME type from the magic bytes ([`FileKind::mime`]), `application/octet-stream` if unknown.
/// - `pages`: number of pages (PDF page tree, TIFF IFDs, 1 for JPEG/PNG); `None` if not obtainable.
/// - `text`: the text layer, at most [`TEXT_CAP`] bytes; `None` if there is none (scan, encrypted,
///   broken).
/// - `note`: why there is no (or only partial) text, Indonesian first, e.g. [`NOTE_ENCRYPTED`].
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Analysis {
    /// MIME type, e.g. `application/pdf`.
    pub kind: String,
    /// Page count, if known.
    pub pages: Option<u32>,
    /// Extracted text layer (capped at [`TEXT_CAP`] bytes).
    pub text: Option<String>,
    /// Why there is no text, or what went wrong; Indonesian first.
    pub note: Option<String>,
    /// The document has pages but no text layer (a scan, a fax TIFF, a photo): its text comes from
    /// OCR in a second phase ([`super::ocr`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub perlu_ocr: bool,
    /// Positioned words of the first pages ([`super::ocr::WORD_PAGES`]): glyph boxes of a text layer
    /// (`pdftotext -bbox-layout`, PDF points) or OCR word boxes (pixels). Empty when unknown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<Kata>,
    /// OCR only: wall time of the OCR, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocr_ms: Option<u64>,
    /// OCR only: the largest resident set size of a tesseract run, in KiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocr_peak_kib: Option<u64>,
}

impl Analysis {
    pub(crate) fn new(kind: &str) -> Self {
        Analysis {
            kind: kind.to_string(),
            pages: None,
            text: None,
            note: None,
            perlu_ocr: false,
            words: Vec::new(),
            ocr_ms: None,
            ocr_peak_kib: None,
        }
    }

    /// The header suggestions of this analysis: from the positioned words when there are any
    /// ([`naskah::suggest_positioned`]), else from the text in reading order ([`naskah::suggest`]).
    /// `None` without text.
    pub fn suggestions(&self) -> Option<naskah::HeaderSuggestions> {
        let text = self.text.as_deref()?;
        let mut s = if self.words.is_empty() {
            naskah::suggest(text)
        } else {
            let mut s = naskah::suggest_positioned(&self.words);
            // A field the layout reading missed (e.g. an SOP number in a table cell) may still
            // stand in the text order; it is taken from there with the text's own evidence.
            let plain = naskah::suggest(text);
            s.fill_missing_from(&plain);
            s
        };
        if s.tanggal.is_none() {
            s.tempat_tanggal = None;
        }
        Some(s)
    }
}

/// The largest file analysed, in bytes (256 MiB); a larger one gets a note and no analysis.
/// (Ingest refuses oversize files earlier; this keeps [`analyze_path`] bounded on its own.)
pub const MAX_ANALYSIS_BYTES: u64 = 256 * 1024 * 1024;

/// Analyse the file at `path` in this process.
///
/// Never panics and always returns an [`Analysis`]; problems (unreadable file, not a regular file,
/// too large, unknown type, broken or encrypted PDF, broken TIFF) are described in `note`. The file
/// is opened non-blocking and checked to be a regular file before it is read, so a FIFO or device
/// cannot hang the call. Memory use is about the file size (at most [`MAX_ANALYSIS_BYTES`]) plus
/// what lopdf needs, so run untrusted files through [`analyze_in_child`].
pub fn analyze_path(path: &Path) -> Analysis {
    match read_regular_file(path) {
        Ok(data) => {
            let mut a = analyze_bytes(&data);
            // Glyph boxes only when the layout reading can add to the text-order one (a second
            // program run: ingest of a letter the text order reads whole costs what it did).
            if a.kind == FileKind::Pdf.mime()
                && let Some(text) = a.text.as_deref()
                && naskah::perlu_posisi(text, || naskah::suggest(text))
            {
                a.words = pdf_words(path).unwrap_or_default();
            }
            a
        }
        Err(note) => {
            let mut a = Analysis::new("application/octet-stream");
            a.note = Some(note);
            a
        }
    }
}

pub(crate) fn read_regular_file(path: &Path) -> Result<Vec<u8>, String> {
    use std::os::unix::fs::OpenOptionsExt;
    let unreadable = |e: io::Error| format!("berkas tidak dapat dibaca / unreadable file: {e}");
    let mut file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(unreadable)?;
    let meta = file.metadata().map_err(unreadable)?;
    if !meta.is_file() {
        return Err("bukan berkas biasa / not a regular file".to_string());
    }
    if meta.len() > MAX_ANALYSIS_BYTES {
        return Err(format!(
            "berkas terlalu besar untuk dianalisis ({} MiB) / file too large to analyse",
            meta.len() >> 20
        ));
    }
    let mut data = Vec::with_capacity(meta.len() as usize);
    // Read at most one byte past the limit, in case the file grew since fstat.
    (&mut file)
        .take(MAX_ANALYSIS_BYTES + 1)
        .read_to_end(&mut data)
        .map_err(unreadable)?;
    if data.len() as u64 > MAX_ANALYSIS_BYTES {
        return Err(
            "berkas terlalu besar untuk dianalisis / file too large to analyse".to_string(),
        );
    }
    Ok(data)
}

/// Analyse a document held in memory. Same contract as [`analyze_path`].
pub fn analyze_bytes(data: &[u8]) -> Analysis {
    let head = &data[..data.len().min(HEAD_LEN)];
    match sniff(head) {
        Some(FileKind::Pdf) => analyze_pdf(data),
        Some(FileKind::Tiff) => analyze_tiff(data),
        Some(kind @ (FileKind::Jpeg | FileKind::Png)) => {
            let mut a = Analysis::new(kind.mime());
            a.pages = Some(1);
            a.note = Some(NOTE_IMAGE.to_string());
            a.perlu_ocr = true;
            a
        }
        Some(kind @ (FileKind::Kgm | FileKind::Age)) => {
            let mut a = Analysis::new(kind.mime());
            a.note = Some(
                "kriptogram: isi terenkripsi, dianalisis setelah dibuka / kriptogram: encrypted content, analysed after decryption"
                    .to_string(),
            );
            a
        }
        None => {
            let mut a = Analysis::new("application/octet-stream");
            a.note = Some("jenis berkas tidak dikenal / unknown file type".to_string());
            a
        }
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}

fn analyze_pdf(data: &[u8]) -> Analysis {
    match catch_unwind(AssertUnwindSafe(|| analyze_pdf_inner(data))) {
        Ok(a) => a,
        Err(payload) => {
            let mut a = Analysis::new(FileKind::Pdf.mime());
            a.note = Some(format!(
                "PDF rusak: pengurai gagal / broken PDF: parser failed ({})",
                panic_message(payload.as_ref())
            ));
            a
        }
    }
}

fn analyze_pdf_inner(data: &[u8]) -> Analysis {
    use lopdf::{Document, LoadOptions};

    let mut a = Analysis::new(FileKind::Pdf.mime());
    let options = LoadOptions {
        max_decompressed_size: Some(PDF_MAX_DECOMPRESSED),
        ..LoadOptions::default()
    };
    let doc = match Document::load_mem_with_options(data, options) {
        Ok(doc) => doc,
        Err(e) => {
            // An encrypted PDF whose user password is not empty fails to load; the metadata
            // loader still gets its page count from the (unencrypted) page tree.
            let meta = catch_unwind(AssertUnwindSafe(|| Document::load_metadata_mem(data)));
            if let Ok(Ok(meta)) = meta {
                if meta.page_count > 0 {
                    a.pages = Some(meta.page_count);
                }
                if meta.encrypted
                    || matches!(
                        e,
                        lopdf::Error::InvalidPassword | lopdf::Error::Decryption(_)
                    )
                {
                    a.note = Some(NOTE_ENCRYPTED.to_string());
                    return a;
                }
            }
            if matches!(
                e,
                lopdf::Error::InvalidPassword | lopdf::Error::Decryption(_)
            ) {
                a.note = Some(NOTE_ENCRYPTED.to_string());
            } else {
                a.note = Some(format!("PDF rusak, tidak dapat dibaca / broken PDF: {e}"));
            }
            return a;
        }
    };

    let pages = doc.get_pages();
    let count = u32::try_from(pages.len()).unwrap_or(u32::MAX);
    a.pages = (count > 0).then_some(count);

    // lopdf decrypts on load when the user password is empty; if the document still reports
    // encryption it could not be decrypted: its objects are not loaded and its strings are
    // ciphertext. The page tree itself is never encrypted, so count it from the raw objects.
    if doc.is_encrypted() {
        if a.pages.is_none() {
            a.pages = raw_page_count(data, &doc);
        }
        a.note = Some(NOTE_ENCRYPTED.to_string());
        return a;
    }

    if pages.is_empty() {
        // A damaged page tree (e.g. a truncated linearized file whose /Pages object is lost):
        // take the page count the linearization dictionary declares, else count page objects.
        let page_objects = doc
            .objects
            .values()
            .filter(|o| {
                o.as_dict()
                    .ok()
                    .and_then(|d| d.get(b"Type").ok())
                    .and_then(|t| t.as_name().ok())
                    == Some(b"Page".as_slice())
            })
            .count();
        a.pages = doc
            .linearization
            .as_ref()
            .map(|l| l.page_count)
            .filter(|&n| n > 0)
            .or_else(|| u32::try_from(page_objects).ok().filter(|&n| n > 0));
        a.note = Some(match a.pages {
            Some(_) => "pohon halaman PDF rusak: jumlah halaman dari kamus linearisasi atau objek halaman, teks tidak diambil / broken PDF page tree: page count from the linearization dictionary or page objects, no text extracted".to_string(),
            None => "PDF rusak: tidak ada halaman yang ditemukan / broken PDF: no pages found".to_string(),
        });
        return a;
    }

    let mut text = String::new();
    let mut errors = 0usize;
    let mut first_error = None;
    let mut truncated = false;
    for &number in pages.keys() {
        match doc.extract_text_with_limit(&[number], PDF_MAX_DECOMPRESSED) {
            Ok(t) => text.push_str(&t),
            Err(e) => {
                errors += 1;
                first_error.get_or_insert_with(|| e.to_string());
            }
        }
        if text.len() > TEXT_CAP {
            truncate_at_char(&mut text, TEXT_CAP);
            truncated = true;
            break;
        }
    }

    if text.trim().is_empty() {
        a.note = Some(match first_error {
            Some(e) if errors == pages.len() => {
                format!("lapisan teks PDF tidak dapat dibaca / PDF text layer unreadable: {e}")
            }
            _ => {
                a.perlu_ocr = true;
                "PDF tanpa lapisan teks: gambar hasil pindai (perlu OCR) / PDF without a text layer: scanned image (needs OCR)"
                    .to_string()
            }
        });
        return a;
    }
    if truncated {
        a.note = Some(format!(
            "teks dipotong pada {} KiB / text truncated at {} KiB",
            TEXT_CAP / 1024,
            TEXT_CAP / 1024
        ));
    } else if let Some(e) = first_error {
        a.note = Some(format!(
            "teks {errors} halaman tidak dapat dibaca / text of {errors} page(s) unreadable: {e}"
        ));
    }
    a.text = Some(text);
    a
}

/// Page count of a PDF whose objects lopdf could not load (encrypted, no password): follow
/// trailer `/Root` → catalog `/Pages` → `/Count` through the raw bytes at the offsets of the
/// cross-reference table. Only uncompressed objects are followed; `None` if anything is missing.
fn raw_page_count(data: &[u8], doc: &lopdf::Document) -> Option<u32> {
    let root = doc.trailer.get(b"Root").ok()?.as_reference().ok()?.0;
    let catalog = raw_object(data, doc, root)?;
    let pages = ref_after_key(catalog, b"/Pages")?;
    let tree = raw_object(data, doc, pages)?;
    int_after_key(tree, b"/Count").filter(|&n| n > 0)
}

/// The bytes of uncompressed object `id` from its offset up to `endobj` (at most 64 KiB).
fn raw_object<'a>(data: &'a [u8], doc: &lopdf::Document, id: u32) -> Option<&'a [u8]> {
    let lopdf::xref::XrefEntry::Normal { offset, .. } = doc.reference_table.entries.get(&id)?
    else {
        return None;
    };
    let start = usize::try_from(*offset).ok()?;
    let rest = data.get(start..)?;
    let rest = &rest[..rest.len().min(64 * 1024)];
    let end = rest
        .windows(6)
        .position(|w| w == b"endobj")
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Byte offset just after `key` where `key` is a whole PDF name (not a prefix of a longer one).
fn after_key(bytes: &[u8], key: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(pos) = bytes.get(from..)?.windows(key.len()).position(|w| w == key) {
        let end = from + pos + key.len();
        match bytes.get(end) {
            Some(c) if c.is_ascii_alphanumeric() => from = end,
            _ => return Some(end),
        }
    }
    None
}

fn parse_uint(bytes: &[u8], at: &mut usize) -> Option<u32> {
    while bytes.get(*at).is_some_and(|c| c.is_ascii_whitespace()) {
        *at += 1;
    }
    let start = *at;
    while bytes.get(*at).is_some_and(u8::is_ascii_digit) {
        *at += 1;
    }
    std::str::from_utf8(bytes.get(start..*at)?)
        .ok()?
        .parse()
        .ok()
}

/// `key n g R` → `n`.
fn ref_after_key(bytes: &[u8], key: &[u8]) -> Option<u32> {
    let mut at = after_key(bytes, key)?;
    let id = parse_uint(bytes, &mut at)?;
    parse_uint(bytes, &mut at)?;
    while bytes.get(at).is_some_and(|c| c.is_ascii_whitespace()) {
        at += 1;
    }
    (bytes.get(at) == Some(&b'R')).then_some(id)
}

/// `key n` → `n`.
fn int_after_key(bytes: &[u8], key: &[u8]) -> Option<u32> {
    let mut at = after_key(bytes, key)?;
    parse_uint(bytes, &mut at)
}

fn truncate_at_char(s: &mut String, max: usize) {
    if s.len() <= max {
        return;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
}

/// Count the IFDs (pages) of a TIFF, following the chain of next-IFD offsets with bounds checks, a
/// visited set (a loop ends the count) and a cap of [`TIFF_MAX_IFDS`]. Returns the count and a
/// problem description if the chain is broken.
pub(crate) fn count_tiff_ifds(data: &[u8]) -> (u32, Option<String>) {
    let big_endian = match data.get(..4) {
        Some(b"II*\0") => false,
        Some(b"MM\0*") => true,
        _ => {
            return (
                0,
                Some("header TIFF tidak sah / invalid TIFF header".into()),
            );
        }
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = data.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let Some(mut offset) = u32_at(4) else {
        return (0, Some("TIFF terpotong / truncated TIFF".into()));
    };
    let mut seen = HashSet::new();
    let mut count = 0u32;
    while offset != 0 {
        if count >= TIFF_MAX_IFDS {
            return (
                count,
                Some(format!(
                    "lebih dari {TIFF_MAX_IFDS} halaman / more than {TIFF_MAX_IFDS} pages"
                )),
            );
        }
        if !seen.insert(offset) {
            return (
                count,
                Some("rantai IFD TIFF berputar / TIFF IFD chain loops".into()),
            );
        }
        let at = offset as usize;
        let next = u16_at(at).and_then(|entries| {
            let next_at = at.checked_add(2)?.checked_add(usize::from(entries) * 12)?;
            u32_at(next_at)
        });
        let Some(next) = next else {
            return (
                count,
                Some(format!(
                    "IFD TIFF di luar berkas / TIFF IFD out of bounds at {offset}"
                )),
            );
        };
        count += 1;
        offset = next;
    }
    (count, None)
}

fn analyze_tiff(data: &[u8]) -> Analysis {
    let mut a = Analysis::new(FileKind::Tiff.mime());
    let (count, problem) = count_tiff_ifds(data);
    a.pages = (count > 0).then_some(count);
    a.perlu_ocr = count > 0;
    a.note = Some(match problem {
        None => NOTE_IMAGE.to_string(),
        Some(p) => format!("TIFF rusak / broken TIFF: {p}; {NOTE_IMAGE}"),
    });
    a
}

/// The positioned words of the first pages of a PDF's text layer, read with `pdftotext -bbox-layout`
/// (poppler-utils): boxes in PDF points from the top-left corner, `baris` = poppler's line number on
/// the page, confidence 100. `None` when pdftotext is missing or fails (the text-order reading is
/// used then). Runs inside the analysis child, under its limits.
pub fn pdf_words(path: &Path) -> Option<Vec<Kata>> {
    let out = Command::new("pdftotext")
        .args(["-bbox-layout", "-enc", "UTF-8", "-f", "1", "-l"])
        .arg(super::ocr::WORD_PAGES.to_string())
        .arg(path)
        .arg("-")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(parse_bbox_layout(&String::from_utf8_lossy(&out.stdout)))
}

/// Parses the XHTML of `pdftotext -bbox-layout` into words (see [`pdf_words`]).
fn parse_bbox_layout(xhtml: &str) -> Vec<Kata> {
    fn attr(tag: &str, name: &str) -> Option<f32> {
        let at = tag.find(&format!("{name}=\""))? + name.len() + 2;
        let end = tag[at..].find('"')?;
        tag[at..at + end].parse().ok()
    }
    fn unescape(s: &str) -> String {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }
    let mut words = Vec::new();
    let (mut page, mut line) = (0u32, 0u32);
    for raw in xhtml.lines() {
        let l = raw.trim_start();
        if l.starts_with("<page ") {
            page += 1;
            line = 0;
        } else if l.starts_with("<line ") {
            line += 1;
        } else if l.starts_with("<word ")
            && let Some(gt) = l.find('>')
            && let Some(close) = l.rfind("</word>")
            && gt < close
        {
            let tag = &l[..gt];
            let (Some(x0), Some(y0), Some(x1), Some(y1)) = (
                attr(tag, "xMin"),
                attr(tag, "yMin"),
                attr(tag, "xMax"),
                attr(tag, "yMax"),
            ) else {
                continue;
            };
            words.push(Kata {
                teks: unescape(&l[gt + 1..close]),
                halaman: page.max(1),
                baris: line,
                kotak: Kotak { x0, y0, x1, y1 },
                yakin: 100.0,
            });
        }
    }
    words
}

/// Entry point of the hidden `kasa __extract <path>` subcommand: analyse `path` with
/// [`analyze_path`], print the [`Analysis`] as one JSON line on stdout, and return the process exit
/// status (0 on success, 1 if stdout cannot be written).
pub fn child_main(path: &Path) -> i32 {
    let analysis = analyze_path(path);
    let Ok(line) = serde_json::to_string(&analysis) else {
        return 1;
    };
    let mut out = io::stdout().lock();
    match writeln!(out, "{line}").and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(_) => 1,
    }
}

/// Resource limits of the analysis child process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// CPU time, in seconds (`RLIMIT_CPU`; SIGXCPU at the limit, SIGKILL one second later).
    pub cpu_seconds: u64,
    /// Address space, in bytes (`RLIMIT_AS`); allocations beyond fail and the child aborts.
    pub memory_bytes: u64,
    /// Wall-clock time after which the child (and its process group) is killed.
    pub wall: Duration,
}

impl Default for Limits {
    /// 10 s CPU, 512 MiB address space, 20 s wall clock.
    fn default() -> Self {
        Limits {
            cpu_seconds: 10,
            memory_bytes: 512 * 1024 * 1024,
            wall: Duration::from_secs(20),
        }
    }
}

/// Why the analysis child gave no [`Analysis`]. The caller turns it into a note on the entry
/// ("analysis failed: …"); the file is still ingested.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The child ran longer than [`Limits::wall`] and was killed.
    #[error("analisis melewati batas waktu {0:?} / analysis timed out")]
    Timeout(Duration),
    /// The child died from a signal (`signal`, e.g. 11 SIGSEGV, 24 SIGXCPU, 9 SIGKILL) or exited
    /// non-zero (`code`, e.g. after failing an allocation under `RLIMIT_AS`). `stderr` is the tail of
    /// what it wrote there (at most [`CHILD_STDERR_TAIL`] bytes, lossy UTF-8).
    #[error("proses analisis gagal / analysis process failed: {}; stderr: {stderr}", describe_status(*.signal, *.code))]
    Crashed {
        /// Terminating signal, if killed by one.
        signal: Option<i32>,
        /// Exit code, if it exited.
        code: Option<i32>,
        /// Tail of the child's stderr.
        stderr: String,
    },
    /// The child exited 0 but its stdout was not one JSON [`Analysis`], or exceeded
    /// [`CHILD_STDOUT_CAP`].
    #[error("keluaran analisis tidak sah / bad analysis output: {0}")]
    BadOutput(String),
    /// The caller asked the child to stop (the node is stopping); the work is done again later.
    #[error("analisis dihentikan karena node berhenti / analysis stopped: the node is stopping")]
    Cancelled,
    /// The child could not be started or waited for.
    #[error("proses analisis tidak dapat dijalankan / cannot run analysis process: {0}")]
    Spawn(#[from] io::Error),
}

fn describe_status(signal: Option<i32>, code: Option<i32>) -> String {
    match (signal, code) {
        (Some(s), _) => {
            let name = match s {
                libc::SIGSEGV => " (SIGSEGV)",
                libc::SIGABRT => " (SIGABRT)",
                libc::SIGKILL => " (SIGKILL)",
                libc::SIGXCPU => " (SIGXCPU: batas CPU / CPU limit)",
                libc::SIGBUS => " (SIGBUS)",
                libc::SIGPIPE => " (SIGPIPE)",
                _ => "",
            };
            format!("signal {s}{name}")
        }
        (None, Some(c)) => format!("exit status {c}"),
        (None, None) => "unknown status".to_string(),
    }
}

/// Analyse `path` in a child process: runs `exe __extract <path>` (whose `main` calls
/// [`child_main`]) under `limits` through [`run_child`].
///
/// `exe` is normally `std::env::current_exe()`. Errors as in [`run_child`].
pub fn analyze_in_child(
    exe: &Path,
    path: &Path,
    limits: &Limits,
) -> Result<Analysis, ExtractError> {
    let mut cmd = Command::new(exe);
    cmd.arg("__extract").arg(path);
    run_child(cmd, limits)
}

/// Run `cmd` as an analysis child and parse its stdout as one JSON [`Analysis`] line (the last
/// non-empty line counts).
///
/// The child gets stdin from `/dev/null`, its own process group, `RLIMIT_CPU` = `cpu_seconds` (hard
/// limit one second more), `RLIMIT_AS` = `memory_bytes` and `RLIMIT_CORE` = 0. Its stdout is read up
/// to [`CHILD_STDOUT_CAP`] bytes and the tail of its stderr is kept. After `limits.wall` the whole
/// process group is killed with SIGKILL. When the child exits, the rest of its process group is killed
/// too, so a grandchild holding the pipes cannot block this call.
///
/// # Errors
/// [`ExtractError::Timeout`], [`ExtractError::Crashed`] (signal or non-zero exit),
/// [`ExtractError::BadOutput`] (not JSON, or too much), [`ExtractError::Spawn`].
pub fn run_child(cmd: Command, limits: &Limits) -> Result<Analysis, ExtractError> {
    run_child_until(cmd, limits, None)
}

/// [`run_child`] that also ends the child (its whole process group, SIGKILL) as soon as `cancel` is
/// set, with [`ExtractError::Cancelled`]: the node's OCR thread stops at once when the node stops.
///
/// # Errors
/// As [`run_child`], and [`ExtractError::Cancelled`].
pub fn run_child_until(
    cmd: Command,
    limits: &Limits,
    cancel: Option<&AtomicBool>,
) -> Result<Analysis, ExtractError> {
    let stdout = run_child_raw(cmd, limits, cancel)?;
    let text = String::from_utf8_lossy(&stdout);
    let Some(line) = text.lines().rev().find(|l| !l.trim().is_empty()) else {
        return Err(ExtractError::BadOutput(
            "keluaran kosong / empty output".into(),
        ));
    };
    serde_json::from_str(line).map_err(|e| ExtractError::BadOutput(e.to_string()))
}

/// [`run_child_until`] without parsing: the child's whole stdout (at most [`CHILD_STDOUT_CAP`]
/// bytes) after it exited 0 (the page images of [`super::halaman`]).
///
/// # Errors
/// As [`run_child_until`], except that any output is accepted.
pub fn run_child_raw(
    mut cmd: Command,
    limits: &Limits,
    cancel: Option<&AtomicBool>,
) -> Result<Vec<u8>, ExtractError> {
    limit_command(&mut cmd, limits, limits.cpu_seconds.saturating_add(1));
    let mut child = cmd.spawn()?;
    let pid = child.id() as libc::pid_t;
    let overflow = Arc::new(AtomicBool::new(false));

    let stdout = child.stdout.take();
    let flag = Arc::clone(&overflow);
    let out_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut s) = stdout {
            let mut chunk = [0u8; 8192];
            loop {
                match s.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => {
                        if buf.len() + n > CHILD_STDOUT_CAP {
                            flag.store(true, Ordering::SeqCst);
                            break;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
        }
        buf
    });
    let stderr = child.stderr.take();
    let err_reader = thread::spawn(move || {
        let mut tail = Vec::new();
        if let Some(mut s) = stderr {
            let mut chunk = [0u8; 8192];
            loop {
                match s.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => {
                        tail.extend_from_slice(&chunk[..n]);
                        if tail.len() > 2 * CHILD_STDERR_TAIL {
                            tail.drain(..tail.len() - CHILD_STDERR_TAIL);
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
        }
        let start = tail.len().saturating_sub(CHILD_STDERR_TAIL);
        tail.drain(..start);
        tail
    });

    let kill_group = || {
        // SAFETY: kill(2) with a negative pid signals the process group whose id is the child's pid
        // (set by process_group(0)). The child is not reaped yet (we only wait with WNOWAIT), so the
        // pid and group id cannot have been reused.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    };

    let deadline = Instant::now() + limits.wall;
    let mut nap = Duration::from_millis(1);
    let mut timed_out = false;
    let mut cancelled = false;
    loop {
        if exited_nowait(pid)? {
            break;
        }
        if overflow.load(Ordering::SeqCst) {
            break;
        }
        if cancel.is_some_and(|c| c.load(Ordering::SeqCst)) {
            cancelled = true;
            break;
        }
        let now = Instant::now();
        if now >= deadline {
            timed_out = true;
            break;
        }
        thread::sleep(nap.min(deadline - now));
        nap = (nap * 2).min(Duration::from_millis(25));
    }
    // Whatever happened, nothing of the child's group may outlive this call.
    kill_group();
    let status = child.wait()?;
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    let stderr = String::from_utf8_lossy(&stderr).into_owned();

    if timed_out {
        return Err(ExtractError::Timeout(limits.wall));
    }
    if cancelled {
        return Err(ExtractError::Cancelled);
    }
    if overflow.load(Ordering::SeqCst) {
        return Err(ExtractError::BadOutput(format!(
            "lebih dari {} MiB / more than {} MiB on stdout",
            CHILD_STDOUT_CAP >> 20,
            CHILD_STDOUT_CAP >> 20
        )));
    }
    if !status.success() {
        return Err(crashed(status, stderr));
    }
    Ok(stdout)
}

/// Sets up `cmd` as a limited analysis child: stdin from `/dev/null`, stdout and stderr piped, its
/// own process group, and (in the child, before exec) `RLIMIT_CPU` = `limits.cpu_seconds` (hard
/// limit `cpu_hard` seconds), `RLIMIT_AS` = `limits.memory_bytes`, `RLIMIT_CORE` = 0. Used by
/// [`run_child_raw`] (hard limit one second over the soft one) and by the persistent worker of
/// [`super::worker`] (which moves its soft limit per file up to its hard limit).
pub(crate) fn limit_command(cmd: &mut Command, limits: &Limits, cpu_hard: u64) {
    let cpu_limit = libc::rlimit {
        rlim_cur: limits.cpu_seconds as libc::rlim_t,
        rlim_max: cpu_hard.max(limits.cpu_seconds) as libc::rlim_t,
    };
    let mem = limits.memory_bytes as libc::rlim_t;
    let mem_limit = libc::rlimit {
        rlim_cur: mem,
        rlim_max: mem,
    };
    let core_limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: the closure runs in the forked child before exec. It only calls setrlimit(2), which is
    // async-signal-safe, on rlimit values copied into the closure (no allocation, no locks), and
    // builds an io::Error from errno, which does not allocate. Lowering limits cannot affect the
    // parent.
    unsafe {
        cmd.pre_exec(move || {
            for (resource, limit) in [
                (libc::RLIMIT_CPU, &cpu_limit),
                (libc::RLIMIT_AS, &mem_limit),
                (libc::RLIMIT_CORE, &core_limit),
            ] {
                if libc::setrlimit(resource, limit) != 0 {
                    return Err(io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}

pub(crate) fn crashed(status: ExitStatus, stderr: String) -> ExtractError {
    ExtractError::Crashed {
        signal: status.signal(),
        code: status.code(),
        stderr,
    }
}

/// Whether the child `pid` has exited, without reaping it (waitid with `WNOWAIT`), so its pid stays
/// reserved until [`std::process::Child::wait`].
pub(crate) fn exited_nowait(pid: libc::pid_t) -> io::Result<bool> {
    loop {
        // SAFETY: siginfo_t is plain data; zeroed is a valid value and waitid only writes into it.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: waitid on our own child with a valid pointer to `info`.
        let rc = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
            )
        };
        if rc != 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        // SAFETY: reading si_pid of a siginfo filled (or left zeroed) by waitid.
        return Ok(unsafe { info.si_pid() } != 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiff_le(ifds: &[(u32, u32)]) -> Vec<u8> {
        // Each (offset, next) writes an IFD with 0 entries at offset pointing to next.
        let mut v = b"II*\0".to_vec();
        let first = ifds.first().map_or(0, |x| x.0);
        v.extend_from_slice(&first.to_le_bytes());
        for &(off, next) in ifds {
            let off = off as usize;
            if v.len() < off + 6 {
                v.resize(off + 6, 0);
            }
            v[off..off + 2].copy_from_slice(&0u16.to_le_bytes());
            v[off + 2..off + 6].copy_from_slice(&next.to_le_bytes());
        }
        v
    }

    #[test]
    fn tiff_chain() {
        assert_eq!(count_tiff_ifds(&tiff_le(&[(8, 16), (16, 0)])), (2, None));
        assert_eq!(count_tiff_ifds(&tiff_le(&[(8, 0)])), (1, None));
        let (n, p) = count_tiff_ifds(&tiff_le(&[(8, 16), (16, 8)]));
        assert_eq!(n, 2);
        assert!(p.unwrap().contains("loop"));
        let (n, p) = count_tiff_ifds(&tiff_le(&[(8, 0xFFFF_FFF0)]));
        assert_eq!(n, 1);
        assert!(p.unwrap().contains("out of bounds"));
        let (n, p) = count_tiff_ifds(b"II*\0\x08\0");
        assert_eq!(n, 0);
        assert!(p.is_some());
        // Self-loop.
        let (n, _) = count_tiff_ifds(&tiff_le(&[(8, 8)]));
        assert_eq!(n, 1);
    }

    #[test]
    fn tiff_big_endian_and_entry_count_bounds() {
        let mut v = b"MM\0*\0\0\0\x08".to_vec();
        v.extend_from_slice(&[0xFF, 0xFF]); // 65535 entries, far past the end
        let (n, p) = count_tiff_ifds(&v);
        assert_eq!(n, 0);
        assert!(p.is_some());
    }

    #[test]
    fn images_and_unknown() {
        let a = analyze_bytes(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]);
        assert_eq!((a.kind.as_str(), a.pages), ("image/jpeg", Some(1)));
        assert!(a.text.is_none() && a.note.is_some());
        let a = analyze_bytes(b"not a document");
        assert_eq!(a.kind, "application/octet-stream");
        assert_eq!(a.pages, None);
        let a = analyze_bytes(b"KASA-KGM/1\n...");
        assert_eq!(a.kind, "application/vnd.kasa.kgm");
    }

    #[test]
    fn raw_dictionary_scanning() {
        let d = b"<</Type/Catalog/PagesX 9 0 R/Pages 12 0 R>>";
        assert_eq!(ref_after_key(d, b"/Pages"), Some(12));
        assert_eq!(
            int_after_key(b"<</Count  4/Kids[1 0 R]>>", b"/Count"),
            Some(4)
        );
        assert_eq!(int_after_key(b"<</Count", b"/Count"), None);
        assert_eq!(ref_after_key(b"/Pages 12 0", b"/Pages"), None);
        assert_eq!(
            int_after_key(b"/Count 99999999999999999999", b"/Count"),
            None
        );
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let mut s = "aé".repeat(10);
        truncate_at_char(&mut s, 4);
        assert_eq!(s, "aéa");
    }

    #[test]
    fn limits_default() {
        let l = Limits::default();
        assert_eq!(l.cpu_seconds, 10);
        assert_eq!(l.memory_bytes, 512 << 20);
        assert_eq!(l.wall, Duration::from_secs(20));
    }
}
