//! Header fields of an Indonesian *naskah dinas* (official letter) and of an SOP, suggested from the
//! text layer of a document (DESIGN §3: "found in the text are *suggestions* the sandiman confirms at
//! triage"). Pure: no I/O.
//!
//! The layout follows Indonesian *tata naskah dinas* practice (Permendagri on tata naskah dinas and
//! the letters in `seeds/`): a block of labelled lines
//!
//! ```text
//! Nomor       : 800/283/Kominfo/2021
//! Sifat       : Segera
//! Klasifikasi : Rahasia
//! Lampiran    : 1 (satu) berkas
//! Hal         : Penyampaian Laporan Hasil Pemantauan
//!               dan Evaluasi ...
//! Yth. Gubernur Bali
//! u.p. Kepala Dinas ...
//! di -
//! Tempat
//! ...
//! Negara, 22 April 2021
//! ```
//!
//! and, in an SOP, `NOMOR SOP : 088.6`. Text extracted from PDFs is messy (extra spaces, tabs, lines
//! merged or split), so matching is case-insensitive, tolerant of `:`/`：`/tab/space separators, and
//! only the first occurrence of each field counts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Header fields found in a document's text. Every field is a suggestion: `None` when not found.
///
/// - `nomor`: the nomor surat, e.g. `800/283/Kominfo/2021` (spaces around `/` removed).
/// - `klasifikasi`: normalised to `Biasa`, `Terbatas`, `Rahasia` or `Sangat Rahasia` (from a
///   `Klasifikasi` line, else from a `Sifat` line that names a classification).
/// - `sifat`: the `Sifat` value as written, e.g. `Segera`.
/// - `lampiran`: e.g. `1 (satu) berkas`.
/// - `hal`: the subject (`Hal`/`Perihal`), continuation lines joined with one space.
/// - `yth`: the addressee after `Yth.`, including `u.p.` lines, up to `di -`/`Tempat`.
/// - `tempat_tanggal`: the place-date line, e.g. `Negara, 22 April 2021`.
/// - `tanggal`: that date as ISO 8601, e.g. `2021-04-22`.
/// - `nomor_sop`: the number of an SOP, e.g. `088.6` or `SOP/14/406.020/2019`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct HeaderSuggestions {
    /// Nomor surat.
    pub nomor: Option<String>,
    /// Klasifikasi keamanan: `Biasa` | `Terbatas` | `Rahasia` | `Sangat Rahasia`.
    pub klasifikasi: Option<String>,
    /// Sifat (urgency or, in older letters, classification), as written.
    pub sifat: Option<String>,
    /// Lampiran (enclosures), as written.
    pub lampiran: Option<String>,
    /// Hal / perihal (subject).
    pub hal: Option<String>,
    /// Addressee (Yth.), with `u.p.` lines.
    pub yth: Option<String>,
    /// Place and date, e.g. `Negara, 22 April 2021`.
    pub tempat_tanggal: Option<String>,
    /// The date of `tempat_tanggal` as `YYYY-MM-DD`.
    pub tanggal: Option<String>,
    /// Nomor SOP.
    pub nomor_sop: Option<String>,
    /// Where each suggested field was read and how sure the reading is, by field name (`nomor`,
    /// `klasifikasi`, `sifat`, `lampiran`, `hal`, `yth`, `tempat_tanggal`, `nomor_sop`). Empty for
    /// suggestions stored before issue 15. A field whose [`Bukti::ragu`] is set is shown but never
    /// filled into a form ([`crate::domain::RegisterFields::apply_suggestions`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub bukti: BTreeMap<String, Bukti>,
}

impl HeaderSuggestions {
    /// Whether `field` (a key of [`HeaderSuggestions::bukti`]) was read with a confidence below
    /// [`AMBANG_YAKIN`]: such a value is a hint to check against the paper, never a filled field.
    pub fn ragu(&self, field: &str) -> bool {
        self.bukti.get(field).is_some_and(|b| b.ragu)
    }

    /// Fills the fields `self` lacks from `other` (another reading of the same document), with
    /// `other`'s evidence. Used to let the text-order reading supply an SOP number that the layout
    /// reading missed; only `nomor_sop` is taken, the letter fields of a layout reading stand.
    pub fn fill_missing_from(&mut self, other: &HeaderSuggestions) {
        if self.nomor_sop.is_none() && other.nomor_sop.is_some() {
            self.nomor_sop.clone_from(&other.nomor_sop);
            if let Some(b) = other.bukti.get("nomor_sop") {
                self.bukti.insert("nomor_sop".into(), *b);
            }
        }
    }

    /// The names of the uncertain fields, in field order, for a note ("periksa: nomor, hal").
    pub fn ragu_fields(&self) -> Vec<&str> {
        FIELDS.iter().copied().filter(|f| self.ragu(f)).collect()
    }
}

/// The field names used as keys of [`HeaderSuggestions::bukti`], in display order.
pub const FIELDS: &[&str] = &[
    "nomor",
    "klasifikasi",
    "sifat",
    "lampiran",
    "hal",
    "yth",
    "tempat_tanggal",
    "nomor_sop",
];

/// A rectangle on a page: top-left origin, x to the right, y downwards. Units are the source's:
/// PDF points (1/72 inch) for a text layer read with `pdftotext -bbox-layout`, pixels of the page
/// image for OCR (tesseract TSV).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, Default, PartialEq)]
pub struct Kotak {
    /// Left edge.
    pub x0: f32,
    /// Top edge.
    pub y0: f32,
    /// Right edge.
    pub x1: f32,
    /// Bottom edge.
    pub y1: f32,
}

impl Kotak {
    fn union(self, o: Kotak) -> Kotak {
        Kotak {
            x0: self.x0.min(o.x0),
            y0: self.y0.min(o.y0),
            x1: self.x1.max(o.x1),
            y1: self.y1.max(o.y1),
        }
    }
    fn height(&self) -> f32 {
        (self.y1 - self.y0).max(0.0)
    }
}

/// One word of a page with its position, as read from a text layer or by OCR.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Kata {
    /// The word as read (no whitespace inside).
    pub teks: String,
    /// Page number, from 1.
    pub halaman: u32,
    /// The source's line key on that page (words with the same key were one line for the reader:
    /// tesseract's block/paragraph/line, poppler's line); used to estimate the skew of a scan.
    pub baris: u32,
    /// Where the word stands.
    pub kotak: Kotak,
    /// Confidence of the reading, 0–100 (tesseract's word confidence; 100 for a text layer).
    pub yakin: f32,
}

/// Where a suggested field was read and how sure the reading is.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, Default, PartialEq)]
pub struct Bukti {
    /// Confidence 0.0–1.0: the mean word confidence of the value, lowered for a label read only
    /// approximately (`Nornor`) or a missing colon.
    pub yakin: f32,
    /// Page number, from 1.
    pub halaman: u32,
    /// The label and value on the page (`None` for plain text without positions).
    pub kotak: Option<Kotak>,
    /// `yakin` is below [`AMBANG_YAKIN`]: shown as a hint, never filled into a form.
    pub ragu: bool,
}

/// The confidence below which a field is marked uncertain ([`Bukti::ragu`]): 0.6.
pub const AMBANG_YAKIN: f32 = 0.6;

/// SHA-256 (hex, 64 characters) of the sealed values of one entry in the store's `entry_sealed`
/// table: the row digest of the entry covers them, so a sealed value replaced offline (anyone holding
/// the public node card can encrypt to it) is refused when opened. `None`: nothing of that kind.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct SealedDigests {
    /// The sealed [`HeaderSuggestions`] (JSON inside age).
    #[serde(default)]
    pub suggestions: Option<String>,
    /// The sealed extracted text (UTF-8 inside age).
    #[serde(default)]
    pub text: Option<String>,
}

/// The longest value kept for one field, in characters.
pub const MAX_FIELD_CHARS: usize = 512;

/// How many lines a wrapped `Hal` or `Yth.` may continue over.
const MAX_CONTINUATION_LINES: usize = 6;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Label {
    NomorSop,
    Nomor,
    Sifat,
    Klasifikasi,
    Lampiran,
    Hal,
    Yth,
}

/// Labels in matching order (longer first where one is a prefix of another).
const LABELS: &[(&str, Label)] = &[
    ("nomor sop", Label::NomorSop),
    ("no. sop", Label::NomorSop),
    ("no sop", Label::NomorSop),
    ("nomor", Label::Nomor),
    ("no.", Label::Nomor),
    ("no", Label::Nomor),
    ("sifat", Label::Sifat),
    ("klasifikasi", Label::Klasifikasi),
    ("lampiran", Label::Lampiran),
    ("perihal", Label::Hal),
    ("hal", Label::Hal),
    ("kepada yth.", Label::Yth),
    ("kepada yth", Label::Yth),
    ("kepada yang terhormat", Label::Yth),
    ("yang terhormat", Label::Yth),
    ("yth.", Label::Yth),
    ("yth", Label::Yth),
];

/// Suggest header fields from the text layer of a document, read in text order. Never panics; see
/// [`HeaderSuggestions`]. Every field found gets a [`Bukti`] with confidence 1.0 (lower for a label
/// read approximately) and no box. When word positions are known, [`suggest_positioned`] reads
/// layouts this cannot (a date line at the top right, a Yth. block beside the labels).
/// Whether the layout reading ([`suggest_positioned`], which needs the glyph boxes of a second
/// program run, about 15 ms) can add to the reading in text order `s` of `text`: a label of the
/// letter's header block (Nomor/No., Sifat, Klasifikasi, Lampiran, Hal/Perihal, Yth./Kepada) stands
/// at the start of a line among the first 80 lines and its field is still empty; never for an SOP
/// document (its SOP number read), which has no such block. The text order
/// misses fields (the place-date line at the top right pushes the label block out of order), but
/// it did not fill a wrong one on the 30-letter corpus (`tests/ocr_corpus.rs`), so a letter whose
/// labels it all read needs no positions: ingest of such a PDF costs what it did before issue 15.
///
/// `s` is asked for only when a label line is there (most documents without a letter header cost a
/// scan of their first lines, not a second reading).
pub fn perlu_posisi(text: &str, s: impl FnOnce() -> HeaderSuggestions) -> bool {
    let labels: Vec<&str> = text
        .lines()
        .take(80)
        .filter(|l| {
            let l = l.trim_start();
            l.chars().next().is_some_and(char::is_uppercase)
                && [
                    "nomor",
                    "nornor",
                    "no",
                    "sifat",
                    "klasifikasi",
                    "lampiran",
                    "lamp",
                    "hal",
                    "perihal",
                    "yth",
                    "kepada",
                ]
                .iter()
                .any(|w| l.get(..w.len()).is_some_and(|p| p.eq_ignore_ascii_case(w)))
        })
        .collect();
    if labels.is_empty() {
        return false;
    }
    let s = s();
    // An SOP document has no letter header block; its number is read in text order.
    if s.nomor_sop.is_some() {
        return false;
    }
    labels.into_iter().any(|line| {
        let line = line.trim_start();
        // A label starts with a capital (`Hal`, `HAL`); `kepada Sandiman` in a sentence is no label.
        if !line.chars().next().is_some_and(char::is_uppercase) {
            return false;
        }
        let l = line.to_lowercase();
        // What follows `label`: `None` when the line does not start with it as a word.
        let after = |w: &str| -> Option<String> {
            let r = l.strip_prefix(w)?;
            (r.is_empty() || r.starts_with([' ', ':', '\t', '.']))
                .then(|| r.trim_start_matches(['.']).trim_start().to_string())
        };
        // A label alone on its line (the text order puts `:` and the value on lines of their own).
        let colon = |w: &str| after(w).is_some_and(|r| r.is_empty() || r.starts_with(':'));
        // `Nomor 800/283/Kominfo/2021` without a colon; not `Nomor 65 Tahun 2005` in a list of
        // regulations, nor `Nomor SOP`.
        let nomor = |w: &str| {
            after(w).is_some_and(|r| {
                r.is_empty()
                    || r.starts_with(':')
                    || r.split_whitespace().next().is_some_and(|t| t.contains('/'))
            })
        };
        let label = |ws: &[&str]| ws.iter().any(|w| after(w).is_some());
        ((nomor("nomor") || nomor("nornor") || colon("no")) && s.nomor.is_none())
            || (label(&["sifat"]) && s.sifat.is_none())
            || (label(&["klasifikasi"]) && s.klasifikasi.is_none())
            || (label(&["lampiran", "lamp"]) && s.lampiran.is_none())
            || (label(&["hal", "perihal"]) && s.hal.is_none())
            || ((after("yth").is_some()
                || after("kepada")
                    .is_some_and(|r| r.is_empty() || r.starts_with("yth") || r.starts_with(':')))
                && s.yth.is_none())
    })
}

pub fn suggest(text: &str) -> HeaderSuggestions {
    let lines: Vec<Baris> = text.lines().map(Baris::plain).collect();
    parse(&lines)
}

/// Suggest header fields from positioned words (a text layer read with its glyph boxes, or OCR).
///
/// Lines are rebuilt from positions, not from the reader's order: per page the skew is estimated
/// from the source's own lines (median slope), words are grouped into visual rows, and a row is
/// split where a wide gap (more than twice the median word height) opens past 45 % of the text
/// width, so a right-hand column (place-date line, Kepada Yth. block) is read after the left-hand
/// label block instead of being glued to it. A label alone on the left keeps its value on the right.
/// A vertical gap of more than 0.9 line heights is a paragraph break; a wrapped `Hal`/`Yth.` only
/// continues over lines that start under its value. Each field's [`Bukti`] carries the mean word
/// confidence of its value (÷ 100), its page and its box. Never panics.
pub fn suggest_positioned(words: &[Kata]) -> HeaderSuggestions {
    let mut pages: Vec<u32> = words.iter().map(|w| w.halaman).collect();
    pages.sort_unstable();
    pages.dedup();
    let mut lines = Vec::new();
    for page in pages {
        let ws: Vec<&Kata> = words
            .iter()
            .filter(|w| w.halaman == page && !w.teks.trim().is_empty() && w.kotak.height() > 0.0)
            .collect();
        page_lines(page, &ws, &mut lines);
    }
    parse(&lines)
}

fn median(mut v: Vec<f32>) -> Option<f32> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(f32::total_cmp);
    Some(v[v.len() / 2])
}

/// The skew of a page as a slope (dy/dx): the median over the source's lines of three or more words.
fn skew(ws: &[&Kata]) -> f32 {
    let mut by_line: BTreeMap<u32, Vec<(f32, f32)>> = BTreeMap::new();
    for w in ws {
        let k = w.kotak;
        by_line
            .entry(w.baris)
            .or_default()
            .push(((k.x0 + k.x1) / 2.0, (k.y0 + k.y1) / 2.0));
    }
    let slopes: Vec<f32> = by_line
        .values()
        .filter(|pts| pts.len() >= 3)
        .filter_map(|pts| {
            let n = pts.len() as f32;
            let mx = pts.iter().map(|p| p.0).sum::<f32>() / n;
            let my = pts.iter().map(|p| p.1).sum::<f32>() / n;
            let sxx: f32 = pts.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
            let sxy: f32 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
            (sxx > 1.0).then(|| sxy / sxx).filter(|s| s.abs() < 0.15)
        })
        .collect();
    median(slopes).unwrap_or(0.0)
}

/// The rows of one page as [`Baris`] values: the left-hand stream, then the right-hand one, with
/// an empty line at every paragraph gap.
fn page_lines(page: u32, ws: &[&Kata], out: &mut Vec<Baris>) {
    let Some(h) = median(ws.iter().map(|w| w.kotak.height()).collect()) else {
        return;
    };
    let h = h.max(0.1);
    // Specks read as `.`, `:` or `|` (far smaller than a letter) are not words.
    let ws: Vec<&Kata> = ws
        .iter()
        .copied()
        .filter(|w| w.kotak.height() >= 0.4 * h || w.teks.chars().any(char::is_alphanumeric))
        .collect();
    let ws = ws.as_slice();
    let slope = skew(ws);
    // Corrected vertical centre of each word.
    let cy = |w: &Kata| (w.kotak.y0 + w.kotak.y1) / 2.0 - slope * (w.kotak.x0 + w.kotak.x1) / 2.0;
    let mut sorted: Vec<(f32, &Kata)> = ws.iter().map(|w| (cy(w), *w)).collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rows: Vec<(f32, Vec<&Kata>)> = Vec::new();
    for (y, w) in sorted {
        match rows.last_mut() {
            Some((ry, row)) if (y - *ry).abs() < 0.5 * h => {
                row.push(w);
                let n = row.len() as f32;
                *ry += (y - *ry) / n;
            }
            _ => rows.push((y, vec![w])),
        }
    }
    let left_edge = ws.iter().map(|w| w.kotak.x0).fold(f32::INFINITY, f32::min);
    let right_edge = ws
        .iter()
        .map(|w| w.kotak.x1)
        .fold(f32::NEG_INFINITY, f32::max);
    let mid = left_edge + 0.45 * (right_edge - left_edge);
    let mut left: Vec<(f32, Baris)> = Vec::new();
    let mut right: Vec<(f32, Baris)> = Vec::new();
    for (y, mut row) in rows {
        row.sort_by(|a, b| a.kotak.x0.total_cmp(&b.kotak.x0));
        let split = (1..row.len())
            .find(|&i| row[i].kotak.x0 - row[i - 1].kotak.x1 > 2.0 * h && row[i].kotak.x0 >= mid)
            .unwrap_or(row.len());
        let mut l = Baris::from_words(page, &row[..split], h, y);
        let r = Baris::from_words(page, &row[split..], h, y);
        if split < row.len()
            && match_label(&l.teks)
                .is_some_and(|m| m.value.is_empty() && m.label == Label::NomorSop)
        {
            l = Baris::from_words(page, &row, h, y);
        } else if !r.teks.is_empty() {
            right.push((y, r));
        }
        if !l.teks.is_empty() {
            left.push((y, l));
        }
    }
    // A paragraph gap: one and a half times the page's usual line pitch (letters are set single,
    // one-and-a-half or double spaced).
    let mut ys: Vec<f32> = left.iter().chain(right.iter()).map(|(y, _)| *y).collect();
    ys.sort_by(f32::total_cmp);
    let pitch = median(
        ys.windows(2)
            .map(|w| w[1] - w[0])
            .filter(|d| *d > 0.5 * h)
            .collect(),
    )
    .unwrap_or(1.4 * h);
    let gap = (1.5 * pitch).max(1.3 * h);
    for stream in [left, right] {
        let mut prev: Option<f32> = None;
        for (y, b) in stream {
            if prev.is_some_and(|p| y - p > gap) {
                out.push(Baris::default());
            }
            prev = Some(y);
            out.push(b);
        }
        out.push(Baris::default());
    }
}

/// One line as the parser sees it: its text and, when known, where each word stands.
#[derive(Clone, Default, Debug)]
struct Baris {
    teks: String,
    /// Per word: byte offset in `teks`, box, confidence 0–1.
    kata: Vec<(usize, Kotak, f32)>,
    halaman: u32,
    /// Median word height of the page (0 without positions).
    h: f32,
}

impl Baris {
    fn plain(t: &str) -> Baris {
        Baris {
            teks: clean_line(t),
            kata: Vec::new(),
            halaman: 1,
            h: 0.0,
        }
    }

    fn from_words(page: u32, ws: &[&Kata], h: f32, _y: f32) -> Baris {
        let mut b = Baris {
            halaman: page,
            h,
            ..Baris::default()
        };
        for w in ws {
            let t = clean_line(&w.teks);
            if t.is_empty() {
                continue;
            }
            if !b.teks.is_empty() {
                b.teks.push(' ');
            }
            b.kata
                .push((b.teks.len(), w.kotak, (w.yakin / 100.0).clamp(0.0, 1.0)));
            b.teks.push_str(&t);
        }
        b
    }

    fn positioned(&self) -> bool {
        !self.kata.is_empty()
    }

    /// Confidences and box of the words from byte `from` on (the value), and the box of the line.
    fn value_evidence(&self, from: usize) -> (Vec<f32>, Option<Kotak>) {
        let confs: Vec<f32> = self
            .kata
            .iter()
            .filter(|(at, _, _)| *at >= from)
            .filter(|(at, _, _)| {
                self.teks[*at..]
                    .split(' ')
                    .next()
                    .is_some_and(|w| w.chars().any(char::is_alphanumeric))
            })
            .map(|(_, _, c)| *c)
            .collect();
        let kotak = self.kata.iter().map(|(_, k, _)| *k).reduce(Kotak::union);
        (confs, kotak)
    }
}

/// Evidence gathered for one field while parsing.
struct Sumber {
    confs: Vec<f32>,
    kotak: Option<Kotak>,
    halaman: u32,
    factor: f32,
}

impl Sumber {
    fn of(line: &Baris, from: usize, factor: f32) -> Sumber {
        let (confs, kotak) = line.value_evidence(from);
        Sumber {
            confs,
            kotak,
            halaman: line.halaman,
            factor,
        }
    }

    fn add(&mut self, line: &Baris) {
        let (confs, kotak) = line.value_evidence(0);
        self.confs.extend(confs);
        self.kotak = match (self.kotak, kotak) {
            (Some(a), Some(b)) => Some(a.union(b)),
            (a, b) => a.or(b),
        };
    }

    fn bukti(&self) -> Bukti {
        let mean = if self.confs.is_empty() {
            1.0
        } else {
            self.confs.iter().sum::<f32>() / self.confs.len() as f32
        };
        let yakin = (mean * self.factor).clamp(0.0, 1.0);
        Bukti {
            yakin,
            halaman: self.halaman,
            kotak: self.kotak,
            ragu: yakin < AMBANG_YAKIN,
        }
    }
}

/// Where the value of a positioned label line really starts: skips words of junk OCR put before it
/// (punctuation only; one or two letters read with confidence below 0.6), and a colon glued to
/// the value's first word at the page's colon column (`11` → `1`, a lone `1`/`l`/`|`/`i` there is
/// dropped). Returns the byte offset and whether a glued colon was found.
fn value_start(line: &Baris, from: usize, colon_x: Option<f32>) -> (usize, bool) {
    let words: Vec<&(usize, Kotak, f32)> =
        line.kata.iter().filter(|(at, _, _)| *at >= from).collect();
    let text_of = |k: usize| -> &str {
        let at = words[k].0;
        let end = words.get(k + 1).map_or(line.teks.len(), |w| w.0);
        line.teks[at..end].trim_end()
    };
    let mut k = 0;
    let mut glued = false;
    while k + 1 < words.len() {
        let t = text_of(k);
        let junk_punct = t.chars().all(|c| !c.is_alphanumeric());
        let junk_letters =
            t.chars().count() <= 2 && t.chars().all(char::is_alphabetic) && words[k].2 < 0.6;
        let at_colon = colon_x.is_some_and(|x| (words[k].1.x0 - x).abs() < 0.6 * line.h.max(1.0));
        // A colon read as `1`, `!`, `1:`: as narrow as a colon (a digit glued to it is wider).
        let narrow = words[k].1.x1 - words[k].1.x0 < 0.4 * line.h.max(1.0);
        let lone_colon = at_colon && narrow;
        // `11` in a colon's box: the colon and the value's first digit read as one word.
        if lone_colon && t.chars().count() >= 2 && t.chars().skip(1).all(|c| c.is_ascii_digit()) {
            return (
                words[k].0 + t.chars().next().map_or(1, char::len_utf8),
                true,
            );
        }
        if junk_punct || junk_letters || lone_colon {
            glued |= lone_colon || (junk_punct && at_colon);
            k += 1;
        } else {
            break;
        }
    }
    let Some(w) = words.get(k) else {
        return (from, false);
    };
    // A lone short word read with low confidence is what OCR made of a dash (`Lampiran : -`).
    if k + 1 == words.len() && text_of(k).chars().count() <= 2 && w.2 < 0.6 {
        return (line.teks.len(), glued);
    }
    let mut at = w.0;
    let t = text_of(k);
    let at_colon = colon_x.is_some_and(|x| (w.1.x0 - x).abs() < 0.6 * line.h.max(1.0));
    if at_colon
        && t.chars().count() >= 2
        && t.starts_with(['1', 'l', 'I', '|', 'i', '!', ':', ';'])
        && t.chars().nth(1).is_some_and(|c| c.is_ascii_digit())
    {
        at += 1;
        glued = true;
    }
    (at, glued)
}

/// Confidence factor for a label read approximately (`Nornor`).
const FUZZY_LABEL: f32 = 0.85;
/// Confidence factor for a label without its colon.
const NO_COLON: f32 = 0.9;

fn parse(lines: &[Baris]) -> HeaderSuggestions {
    let mut s = HeaderSuggestions::default();
    let mut sifat_klasifikasi = None;
    let matches: Vec<Option<LabelMatch>> = lines.iter().map(|l| match_label(&l.teks)).collect();
    // A label without a colon counts inside a block of labels: another label within three lines.
    let in_block = |i: usize| {
        let lo = i.saturating_sub(3);
        let hi = (i + 4).min(lines.len());
        (lo..hi).any(|j| j != i && matches[j].as_ref().is_some_and(|m| m.label != Label::Yth))
    };
    let put = |s: &mut HeaderSuggestions, field: &str, src: &Sumber| {
        s.bukti.insert(field.to_string(), src.bukti());
    };

    // Per page, where the colons of the label block stand (median left edge of a `:` word right
    // after a label), to recognise a colon that OCR glued to its value.
    let mut colons: BTreeMap<u32, Vec<f32>> = BTreeMap::new();
    for (line, m) in lines.iter().zip(&matches) {
        // The second word of a label line, if it has the shape of a colon (narrow) or is one.
        if m.is_some()
            && let Some((_, k, _)) = line.kata.get(1).filter(|(at, k, _)| {
                k.x1 - k.x0 < 0.4 * line.h.max(1.0)
                    || (line.teks[*at..].starts_with(SEPARATORS)
                        && line.teks[*at..].chars().nth(1).is_none_or(|c| c == ' '))
            })
        {
            colons.entry(line.halaman).or_default().push(k.x0);
        }
    }
    let colon_x: BTreeMap<u32, f32> = colons
        .into_iter()
        .filter(|(_, v)| v.len() >= 2)
        .filter_map(|(p, v)| median(v).map(|x| (p, x)))
        .collect();

    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        let here = i;
        i += 1;
        if line.teks.is_empty() {
            continue;
        }
        if s.tempat_tanggal.is_none()
            && let Some((tt, iso, at)) = find_place_date(&line.teks)
        {
            s.tempat_tanggal = Some(tt);
            s.tanggal = Some(iso);
            put(&mut s, "tempat_tanggal", &Sumber::of(line, at, 1.0));
        }
        let Some(m) = matches[here].clone() else {
            continue;
        };
        let mut colon = m.colon;
        let mut from = line.teks.len() - m.value.len();
        // OCR: a colon glued to the value (`11 (satu)` for `: 1 (satu)`), junk before the value.
        let (start, glued) = value_start(line, from, colon_x.get(&line.halaman).copied());
        let m = if start != from {
            from = start;
            colon |= glued;
            LabelMatch {
                value: line.teks[from..].to_string(),
                ..m
            }
        } else {
            m
        };
        let mut factor = if m.fuzzy { FUZZY_LABEL } else { 1.0 };
        if !colon {
            factor *= NO_COLON;
        }
        let mut src = Sumber::of(line, from, factor);
        let mut value_line = line;
        // "Nomor :" with the value alone on the next line.
        let value = if m.value.is_empty() && colon && m.label != Label::Yth {
            match lines.get(i) {
                Some(next) if !next.teks.is_empty() && matches[i].is_none() => {
                    i += 1;
                    src = Sumber::of(next, 0, factor);
                    value_line = next;
                    next.teks.clone()
                }
                _ => String::new(),
            }
        } else {
            m.value.clone()
        };
        let labelled = colon || in_block(here);
        match m.label {
            Label::NomorSop if s.nomor_sop.is_none() => {
                s.nomor_sop = nomor_value(&value);
                if s.nomor_sop.is_some() {
                    put(&mut s, "nomor_sop", &src);
                }
            }
            // Without a colon, "Nomor 14 Tahun 2008" in running text is not a header.
            Label::Nomor if s.nomor.is_none() && (colon || value.contains('/')) => {
                s.nomor = nomor_value(&value);
                if s.nomor.is_some() {
                    put(&mut s, "nomor", &src);
                }
            }
            Label::Sifat if s.sifat.is_none() && labelled => {
                s.sifat = field(&value);
                sifat_klasifikasi = s
                    .sifat
                    .as_deref()
                    .and_then(normalise_klasifikasi)
                    .map(|k| (k, src.bukti()));
                if s.sifat.is_some() {
                    put(&mut s, "sifat", &src);
                }
            }
            Label::Klasifikasi if s.klasifikasi.is_none() && (labelled || !m.fuzzy) => {
                s.klasifikasi = normalise_klasifikasi(&value);
                if s.klasifikasi.is_some() {
                    put(&mut s, "klasifikasi", &src);
                }
            }
            Label::Lampiran if s.lampiran.is_none() && labelled => {
                s.lampiran = field(value.trim_end_matches('.'));
                if s.lampiran.is_some() {
                    put(&mut s, "lampiran", &src);
                }
            }
            Label::Hal if s.hal.is_none() && labelled => {
                let x = line.kata.first().map(|(_, k, _)| k.x0);
                let (joined, used) =
                    continue_lines(&value, value_line, x, &lines[i..], is_hal_stop, &mut src);
                s.hal = field(&joined).map(|v| unglue(&v));
                i += used;
                if s.hal.is_some() {
                    put(&mut s, "hal", &src);
                }
            }
            Label::Yth if s.yth.is_none() => {
                let x = value_line.kata.first().map(|(_, k, _)| k.x0);
                let (joined, used) =
                    continue_lines(&value, value_line, x, &lines[i..], is_yth_stop, &mut src);
                s.yth = field(&joined).map(|v| capital_j(&v));
                i += used;
                if s.yth.is_some() {
                    put(&mut s, "yth", &src);
                }
            }
            _ => {}
        }
    }
    if s.klasifikasi.is_none()
        && let Some((k, b)) = sifat_klasifikasi
    {
        s.klasifikasi = Some(k);
        s.bukti.insert("klasifikasi".to_string(), b);
    }
    s
}

/// Trim, turn tabs/NBSP/other whitespace into spaces, and collapse runs of spaces.
fn clean_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for word in line.split(|c: char| c.is_whitespace() || c == '\u{a0}') {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A label at the start of a line.
#[derive(Clone, Debug)]
struct LabelMatch {
    label: Label,
    /// The value after the label and separator (a suffix of the line).
    value: String,
    /// A colon (or what OCR makes of one: `;`) separated label and value.
    colon: bool,
    /// The label was read approximately (`Nornor`, `Larnpiran`, `Klasifkasi`).
    fuzzy: bool,
}

/// Separators between a label and its value: `:`, the full-width colon, and `;` (OCR).
const SEPARATORS: [char; 3] = [':', '：', ';'];

/// If `line` starts with a field label, return it, the value after the separator, and whether a
/// colon separated them. Exact labels first; then a first word within OCR reach of a one-word
/// label (`rn`→`m`, `0`→`o`, `1`/`|`→`l`, then one edit, two for labels of eight letters or more).
fn match_label(line: &str) -> Option<LabelMatch> {
    for &(name, label) in LABELS {
        let Some(head) = line.get(..name.len()) else {
            continue;
        };
        if !head.eq_ignore_ascii_case(name) {
            continue;
        }
        let rest = &line[name.len()..];
        // The label must end at a word boundary: "Hal-hal", "Nomenklatur", "Yth2" are not labels.
        let boundary = name.ends_with('.')
            || match rest.chars().next() {
                None => true,
                Some(c) => c == ' ' || SEPARATORS.contains(&c),
            };
        if !boundary {
            continue;
        }
        return Some(after_label(label, rest, false));
    }
    fuzzy_label(line)
}

fn after_label(label: Label, rest: &str, fuzzy: bool) -> LabelMatch {
    let rest = rest.trim_start();
    let (rest, colon) = match rest.strip_prefix(SEPARATORS) {
        Some(r) => (r.trim_start(), true),
        None => (rest, false),
    };
    // "Yth.:" / "Yth :" and the like carry no further meaning.
    LabelMatch {
        label,
        value: rest.to_string(),
        colon: colon || label == Label::Yth,
        fuzzy,
    }
}

/// One-word labels tried approximately, with the most edits allowed.
const FUZZY_LABELS: &[(&str, Label, usize)] = &[
    ("nomor", Label::Nomor, 1),
    ("sifat", Label::Sifat, 1),
    ("klasifikasi", Label::Klasifikasi, 2),
    ("lampiran", Label::Lampiran, 2),
    ("perihal", Label::Hal, 1),
];

fn fuzzy_label(line: &str) -> Option<LabelMatch> {
    let end = line
        .find(|c: char| c == ' ' || SEPARATORS.contains(&c))
        .unwrap_or(line.len());
    let word = &line[..end];
    // `Na.`, `N0.`, `Mo.` for `No.`: a nomor only with its colon and a `/` in the value.
    if word.len() == 3
        && word.ends_with(['.', ','])
        && word.starts_with(['N', 'n', 'M'])
        && word[1..2].contains(['o', 'a', '0', 'O'])
    {
        let m = after_label(Label::Nomor, &line[end..], true);
        return m.value.contains('/').then_some(m);
    }
    let word = word.trim_end_matches(|c: char| !c.is_alphanumeric());
    if word.chars().count() < 4 || word.chars().count() > 14 {
        return None;
    }
    let mut norm = String::new();
    for c in word.to_lowercase().chars() {
        norm.push(match c {
            '0' => 'o',
            '1' | '|' | '!' => 'l',
            c => c,
        });
    }
    let norm = norm.replace("rn", "m");
    if !norm.chars().all(char::is_alphabetic) {
        return None;
    }
    let (_, label, _) = FUZZY_LABELS
        .iter()
        .find(|(name, _, max)| edit_distance(&norm, name) <= *max)?;
    // Without its colon an approximate label counts only where an exact one would: inside a block of
    // labels, or a nomor with a `/` (decided by the parser).
    Some(after_label(*label, &line[end..], true))
}

/// Levenshtein distance over chars (short words only).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A header-ish value: trimmed, capped at [`MAX_FIELD_CHARS`], `None` if empty or only dashes.
fn field(value: &str) -> Option<String> {
    let v = value.trim().trim_end_matches([',', ';']).trim();
    if v.is_empty() || v.chars().all(|c| c == '-' || c == '.' || c == ':') {
        return None;
    }
    // Marks OCR leaves before a value (`#1`, `.2`, `— : 1`, `! Usulan`); a value that begins with
    // a quote or bracket keeps it.
    let v = v
        .trim_start_matches(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    ':' | ';'
                        | '.'
                        | ','
                        | '|'
                        | '!'
                        | '#'
                        | '—'
                        | '–'
                        | '-'
                        | '_'
                        | '~'
                        | '*'
                        | '='
                )
        })
        .trim();
    if v.is_empty() {
        return None;
    }
    // `|` standing alone is an OCR `I` (`Semester |`).
    let v = v
        .split(' ')
        .map(|w| if w == "|" { "I" } else { w })
        .collect::<Vec<_>>()
        .join(" ");
    Some(v.chars().take(MAX_FIELD_CHARS).collect())
}

/// A nomor: the first token group, spaces around `/` removed, must contain a digit.
fn nomor_value(value: &str) -> Option<String> {
    let v = field(value)?;
    let mut out = String::with_capacity(v.len());
    let mut pending_space = false;
    for c in v.chars() {
        if c == ' ' {
            pending_space = true;
            continue;
        }
        if pending_space && c != '/' && !out.ends_with('/') {
            // A space not next to a slash ends the number ("088.6 VERSI : 1.1" on one line).
            break;
        }
        pending_space = false;
        out.push(c);
    }
    let out = out.trim_end_matches([',', ';', '.']);
    let out = out.split('/').map(ocr_digits).collect::<Vec<_>>().join("/");
    out.chars().any(|c| c.is_ascii_digit()).then_some(out)
}

/// A segment of a nomor made of digits and letters OCR confuses with them (`8OO`, `2O2l`): the
/// letters read as the digits they stand for. A segment with any other letter is left as written.
fn ocr_digits(seg: &str) -> String {
    let confusable = |c: char| matches!(c, 'O' | 'o' | 'D' | 'Q' | 'I' | 'l' | '|');
    if seg.chars().any(|c| c.is_ascii_digit())
        && seg.chars().any(confusable)
        && seg.chars().all(|c| c.is_ascii_digit() || confusable(c))
    {
        seg.chars()
            .map(|c| match c {
                'O' | 'o' | 'D' | 'Q' => '0',
                'I' | 'l' | '|' => '1',
                c => c,
            })
            .collect()
    } else {
        seg.to_string()
    }
}

/// `Rahasia`, `r`, `SANGAT RAHASIA`, `SR`, ... → the normalised klasifikasi.
fn normalise_klasifikasi(value: &str) -> Option<String> {
    let v = value.to_lowercase();
    let first_words: Vec<&str> = v
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(2)
        .collect();
    let norm = match first_words.as_slice() {
        ["sangat", "rahasia", ..] | ["sr"] | ["sr", ..] => "Sangat Rahasia",
        ["rahasia", ..] | ["r"] => "Rahasia",
        ["terbatas", ..] | ["t"] => "Terbatas",
        ["biasa", ..] | ["b"] => "Biasa",
        _ => return None,
    };
    Some(norm.to_string())
}

/// Join `first` with following lines until `stop` says a line ends the field (or a blank line, or
/// [`MAX_CONTINUATION_LINES`]). With positions, a following line must also stand on the same page
/// and start no further left than `x` (the label's left edge: a wrapped `Hal` may go back to the
/// margin) less one and a half line heights. Returns the
/// joined value and how many following lines were used; the lines used are added to `src`.
fn continue_lines(
    first: &str,
    first_line: &Baris,
    x: Option<f32>,
    rest: &[Baris],
    stop: fn(&str) -> bool,
    src: &mut Sumber,
) -> (String, usize) {
    let mut joined = first.to_string();
    let mut used = 0;
    for line in rest.iter().take(MAX_CONTINUATION_LINES) {
        if line.teks.is_empty() || stop(&line.teks) {
            break;
        }
        if line.positioned() && first_line.positioned() {
            let under = match (x, line.kata.first()) {
                (Some(x), Some((_, k, _))) => k.x0 >= x - 1.5 * line.h,
                _ => true,
            };
            if line.halaman != first_line.halaman || !under {
                break;
            }
        }
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(&line.teks);
        src.add(line);
        used += 1;
    }
    (joined, used)
}

/// OCR reads a space between two words as `-` or `:` (`Permohonan-Penggantian`,
/// `Permohonan:Perbaikan`): between two capitalised words of three letters or more that are not
/// the same word (`Undang-Undang` stays), the mark becomes a space.
fn unglue(v: &str) -> String {
    let capital_word = |w: &str| {
        w.chars().count() >= 3
            && w.chars().next().is_some_and(char::is_uppercase)
            && w.chars().all(char::is_alphabetic)
    };
    v.split(' ')
        .map(|w| {
            for mark in ['-', ':'] {
                if let Some((a, b)) = w.split_once(mark)
                    && capital_word(a)
                    && capital_word(b.trim_end_matches([',', '.']))
                    && !a.eq_ignore_ascii_case(b)
                {
                    return format!("{a} {b}");
                }
            }
            w.to_string()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// In an addressee (title case), OCR often reads a capital `J` as `j` (`Bupati jembrana`): a word
/// `j…` right after a capitalised word becomes `J…` (but not `jalan`, `juga`, `jika`, `jam`).
fn capital_j(v: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for w in v.split(' ') {
        let after_capital = out
            .last()
            .and_then(|p| p.chars().next())
            .is_some_and(char::is_uppercase);
        let fix = after_capital
            && w.starts_with('j')
            && w.chars().count() > 3
            && w.chars().skip(1).all(char::is_lowercase)
            && !["jalan", "juga", "jika", "jam"].contains(&w);
        if fix {
            out.push(format!("J{}", &w[1..]));
        } else {
            out.push(w.to_string());
        }
    }
    out.join(" ")
}

fn starts_with_word(line: &str, word: &str) -> bool {
    line.get(..word.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(word))
        && line[word.len()..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric())
}

fn is_hal_stop(line: &str) -> bool {
    match_label(line).is_some()
        || starts_with_word(line, "kepada")
        || starts_with_word(line, "dengan hormat")
        || find_place_date(line).is_some()
}

fn is_yth_stop(line: &str) -> bool {
    let di = starts_with_word(line, "di");
    di || starts_with_word(line, "tempat")
        || starts_with_word(line, "dengan hormat")
        || starts_with_word(line, "tembusan")
        || match_label(line).is_some()
        || find_place_date(line).is_some()
}

const MONTHS: &[(&str, u32)] = &[
    ("januari", 1),
    ("jan", 1),
    ("februari", 2),
    ("pebruari", 2),
    ("feb", 2),
    ("peb", 2),
    ("maret", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("mei", 5),
    ("juni", 6),
    ("jun", 6),
    ("juli", 7),
    ("jul", 7),
    ("agustus", 8),
    ("agt", 8),
    ("agu", 8),
    ("ags", 8),
    ("agus", 8),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("oktober", 10),
    ("okt", 10),
    ("november", 11),
    ("nopember", 11),
    ("nov", 11),
    ("nop", 11),
    ("desember", 12),
    ("des", 12),
];

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `22 April 2021` (day, Indonesian month name or abbreviation, year) at the start of `s` →
/// (day, month, year).
fn parse_date(s: &str) -> Option<(u32, u32, u32)> {
    let mut words = s.split_whitespace();
    let day_word = words.next()?;
    let month_word = words.next()?.trim_end_matches('.').to_lowercase();
    let year_word = words.next()?;
    if day_word.len() > 2 || !day_word.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let day: u32 = day_word.parse().ok()?;
    let month = MONTHS.iter().find(|(name, _)| *name == month_word)?.1;
    let year_digits: String = year_word.chars().take_while(char::is_ascii_digit).collect();
    if year_digits.len() != 4
        || year_word[year_digits.len()..]
            .chars()
            .any(char::is_alphanumeric)
    {
        return None;
    }
    let year: u32 = year_digits.parse().ok()?;
    if !(1900..=2200).contains(&year) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some((day, month, year))
}

/// OCR glues the parts of a date (`26juni.2022`, `3 April.2021`): spaces between digits and
/// letters, and for dots between them. Only the first 40 characters are looked at.
fn spaced_date(s: &str) -> String {
    let mut out = String::new();
    let mut prev: Option<char> = None;
    let s = s.trim_start_matches(|c: char| !c.is_alphanumeric());
    out.push(' ');
    for c in s.chars().take(40) {
        let c = if c == '.' && prev.is_some_and(char::is_alphanumeric) {
            ' '
        } else {
            c
        };
        if let Some(p) = prev
            && ((p.is_ascii_digit() && c.is_alphabetic())
                || (p.is_alphabetic() && c.is_ascii_digit()))
        {
            out.push(' ');
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

/// Find `Place, 22 April 2021` in a line: a date right after a comma, preceded by one to three
/// capitalised words. Returns the normalised place-date and the ISO date.
fn find_place_date(line: &str) -> Option<(String, String, usize)> {
    for (at, _) in line.match_indices(',') {
        let Some((day, month, year)) =
            parse_date(&line[at + 1..]).or_else(|| parse_date(&spaced_date(&line[at + 1..])))
        else {
            continue;
        };
        let before: Vec<&str> = line[..at].split(' ').collect();
        let mut place: Vec<&str> = Vec::new();
        for word in before.iter().rev().take(3) {
            let mut chars = word.chars();
            let capitalised = chars.next().is_some_and(char::is_uppercase)
                && word
                    .chars()
                    .all(|c| c.is_alphabetic() || matches!(c, '.' | '-' | '\''));
            if !capitalised {
                break;
            }
            place.push(word);
        }
        if place.is_empty() {
            continue;
        }
        place.reverse();
        let month_name = crate::domain::calendar::NAMA_BULAN[(month - 1) as usize];
        let tt = format!("{}, {day} {month_name} {year}", place.join(" "));
        let start = line[..at].len() - before[before.len() - place.len()..].join(" ").len();
        return Some((tt, format!("{year:04}-{month:02}-{day:02}"), start));
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn glyph_boxes_only_when_a_header_label_is_left_unread() {
        use super::{perlu_posisi, suggest};
        let need = |t: &str| perlu_posisi(t, || suggest(t));
        // The label block out of order (date line first, `:` and values on lines of their own).
        let letter = "PEMERINTAH KABUPATEN JEMBRANA\nNegara, 7 Januari 2025\nNomor\n:\n045/944/Kominfo/2025\nHal\n:\nPenyampaian Data\n";
        assert!(need(letter));
        // Every label read in text order: nothing to add.
        let read = "Nomor : 800/283/Kominfo/2021\nSifat : Segera\nLampiran : 1 (satu) berkas\nHal : Laporan Monev\n";
        assert!(suggest(read).nomor.is_some());
        assert!(!need(read));
        // An SOP: its list of regulations, table heads and sentences are no header labels.
        let sop = "STANDAR OPERASIONAL PROSEDUR\nNo.10 Tahun 2019 tentang Pelaksanaan Persandian\nNO URAIAN KEGIATAN Pelaksana Mutu Baku\nkepada Sandiman untuk diproses\nNomor 65 Tahun 2005 tentang Pedoman\n";
        assert!(!need(sop));
    }
    use super::*;

    const LETTER: &str = "PEMERINTAH KABUPATEN JEMBRANA DINAS KOMUNIKASI DAN INFORMATIKA
Jalan Surapati Nomor 1 (0365) 41210 Negara.
Nomor : 800/283/Kominfo/2021
Klasifikasi: Rahasia
Lampiran : 1 (satu) berkas
Hal : Penyampaian Laporan Hasil Pemantauan
dan Evaluasi Penyelenggaraan Urusan Persandian
Yth. Gubernur Bali
u.p. Kepala Dinas Kominfos Provinsi Bali
di -
Tempat
Dengan hormat,
Negara, 22 April 2021 Kepala Dinas
Tembusan disampaikan Kepada Yth:
- 1. Bupati Jembrana di Negara, sebagai laporan";

    #[test]
    fn letter_header() {
        let s = suggest(LETTER);
        assert_eq!(s.nomor.as_deref(), Some("800/283/Kominfo/2021"));
        assert_eq!(s.klasifikasi.as_deref(), Some("Rahasia"));
        assert_eq!(s.sifat, None);
        assert_eq!(s.lampiran.as_deref(), Some("1 (satu) berkas"));
        assert_eq!(
            s.hal.as_deref(),
            Some(
                "Penyampaian Laporan Hasil Pemantauan dan Evaluasi Penyelenggaraan Urusan Persandian"
            )
        );
        assert_eq!(
            s.yth.as_deref(),
            Some("Gubernur Bali u.p. Kepala Dinas Kominfos Provinsi Bali")
        );
        assert_eq!(s.tempat_tanggal.as_deref(), Some("Negara, 22 April 2021"));
        assert_eq!(s.tanggal.as_deref(), Some("2021-04-22"));
        assert_eq!(s.nomor_sop, None);
    }

    #[test]
    fn separators_case_and_spacing() {
        let s = suggest(
            "  NOMOR\t:\t005 / 12 / Diskominfo / 2024\nSIFAT ： Sangat Segera\nperihal:Undangan   Rapat\n\
             Kepada Yth. Kepala BSSN\ndi Jakarta\n",
        );
        assert_eq!(s.nomor.as_deref(), Some("005/12/Diskominfo/2024"));
        assert_eq!(s.sifat.as_deref(), Some("Sangat Segera"));
        assert_eq!(s.klasifikasi, None);
        assert_eq!(s.hal.as_deref(), Some("Undangan Rapat"));
        assert_eq!(s.yth.as_deref(), Some("Kepala BSSN"));
    }

    #[test]
    fn value_on_next_line_and_sifat_as_klasifikasi() {
        let s = suggest(
            "Nomor :\nB/17/PS.01/2023\nSifat : Rahasia\nLampiran : -\nHal : Laporan\n\nisi",
        );
        assert_eq!(s.nomor.as_deref(), Some("B/17/PS.01/2023"));
        assert_eq!(s.sifat.as_deref(), Some("Rahasia"));
        assert_eq!(s.klasifikasi.as_deref(), Some("Rahasia"));
        assert_eq!(s.lampiran, None);
        assert_eq!(s.hal.as_deref(), Some("Laporan"));
    }

    #[test]
    fn klasifikasi_normalised() {
        for (raw, want) in [
            ("SANGAT RAHASIA", "Sangat Rahasia"),
            ("SR", "Sangat Rahasia"),
            ("rahasia", "Rahasia"),
            ("R", "Rahasia"),
            ("Terbatas", "Terbatas"),
            ("biasa/terbuka", "Biasa"),
        ] {
            let s = suggest(&format!("Klasifikasi : {raw}"));
            assert_eq!(s.klasifikasi.as_deref(), Some(want), "{raw}");
        }
        assert_eq!(suggest("Klasifikasi : entah").klasifikasi, None);
        // An explicit Klasifikasi wins over Sifat.
        let s = suggest("Sifat : Rahasia\nKlasifikasi : Terbatas");
        assert_eq!(s.klasifikasi.as_deref(), Some("Terbatas"));
    }

    #[test]
    fn sop_numbers() {
        assert_eq!(
            suggest("NOMOR SOP : 088.6\nVERSI : 1.1")
                .nomor_sop
                .as_deref(),
            Some("088.6")
        );
        assert_eq!(
            suggest("Nomor SOP SOP/14/406.020/2019\nTanggal Pembuatan November 2019")
                .nomor_sop
                .as_deref(),
            Some("SOP/14/406.020/2019")
        );
        assert_eq!(
            suggest("NOMOR SOP 700 /D.19/ Kominfo/ / 1 / 2018")
                .nomor_sop
                .as_deref(),
            Some("700/D.19/Kominfo//1/2018")
        );
        let s = suggest("Nomor\nSOP\nTanggal Pembuatan");
        assert_eq!((s.nomor, s.nomor_sop), (None, None));
    }

    #[test]
    fn running_text_is_not_a_header() {
        let s = suggest(
            "1. Undang-Undang Nomor 14 Tahun 2008\nNomor 61, Tambahan Lembaran Negara\n\
             Hal-hal yang perlu diperhatikan\nNO URAIAN KEGIATAN\nNomenklatur: x",
        );
        assert_eq!(s, HeaderSuggestions::default());
    }

    #[test]
    fn dates() {
        let s = suggest("Palangka Raya, 3 Pebruari 2020");
        assert_eq!(
            s.tempat_tanggal.as_deref(),
            Some("Palangka Raya, 3 Februari 2020")
        );
        assert_eq!(s.tanggal.as_deref(), Some("2020-02-03"));
        let s = suggest("ditetapkan di Kota Bandung,29 Feb 2024");
        assert_eq!(
            s.tempat_tanggal.as_deref(),
            Some("Kota Bandung, 29 Februari 2024")
        );
        assert_eq!(s.tanggal.as_deref(), Some("2024-02-29"));
        assert_eq!(suggest("Bandung, 29 Februari 2023").tanggal, None);
        assert_eq!(suggest("Bandung, 31 April 2023").tanggal, None);
        assert_eq!(suggest("Bandung, 12 Foo 2023").tanggal, None);
        assert_eq!(suggest("di Negara, sebagai laporan").tanggal, None);
        assert_eq!(suggest("bandung, 1 Mei 2020").tanggal, None);
        assert_eq!(suggest("Jakarta, 1 Desember 20201").tanggal, None);
    }

    #[test]
    fn odd_input() {
        assert_eq!(suggest(""), HeaderSuggestions::default());
        let _ = suggest("Nomor");
        let _ = suggest("Hal :");
        let _ = suggest("Yth.");
        let _ = suggest("é, 1 Mei 2020");
        let _ = suggest(",,, 99 ,");
        let long = format!("Hal : {}", "x".repeat(10_000));
        assert_eq!(suggest(&long).hal.unwrap().chars().count(), MAX_FIELD_CHARS);
    }

    /// Words of a page from rows of `(x, text)` runs: each run's words 6 units per char, rows 14 apart.
    fn page(rows: &[&[(f32, &str)]], conf: f32) -> Vec<Kata> {
        let mut out = Vec::new();
        for (r, runs) in rows.iter().enumerate() {
            let y = 20.0 + r as f32 * 14.0;
            for (x, run) in runs.iter() {
                let mut x = *x;
                for w in run.split_whitespace() {
                    let x1 = x + 6.0 * w.chars().count() as f32;
                    out.push(Kata {
                        teks: w.to_string(),
                        halaman: 1,
                        baris: r as u32,
                        kotak: Kotak {
                            x0: x,
                            y0: y,
                            x1,
                            y1: y + 10.0,
                        },
                        yakin: conf,
                    });
                    x = x1 + 4.0;
                }
            }
        }
        out
    }

    #[test]
    fn positioned_date_top_right_and_kepada_beside_the_labels() {
        let rows: &[&[(f32, &str)]] = &[
            &[(60.0, "PEMERINTAH KABUPATEN JEMBRANA")],
            &[(340.0, "Negara, 22 April 2021")],
            &[
                (60.0, "Nomor"),
                (120.0, ": 800/283/Kominfo/2021"),
                (340.0, "Kepada"),
            ],
            &[
                (60.0, "Sifat"),
                (120.0, ": Segera"),
                (340.0, "Yth. Bupati Jembrana"),
            ],
            &[(60.0, "Klasifikasi"), (130.0, "Rahasia"), (340.0, "di -")],
            &[(60.0, "Lampiran"), (120.0, ": -"), (340.0, "Tempat")],
            &[(60.0, "Hal"), (120.0, ": Penyampaian Laporan")],
            &[(128.0, "Hasil Pemantauan")],
            &[],
            &[(60.0, "Dengan hormat,")],
        ];
        let s = suggest_positioned(&page(rows, 100.0));
        assert_eq!(s.nomor.as_deref(), Some("800/283/Kominfo/2021"));
        assert_eq!(s.sifat.as_deref(), Some("Segera"));
        assert_eq!(s.klasifikasi.as_deref(), Some("Rahasia"));
        assert_eq!(s.lampiran, None);
        assert_eq!(
            s.hal.as_deref(),
            Some("Penyampaian Laporan Hasil Pemantauan")
        );
        assert_eq!(s.yth.as_deref(), Some("Bupati Jembrana"));
        assert_eq!(s.tempat_tanggal.as_deref(), Some("Negara, 22 April 2021"));
        let b = s.bukti["nomor"];
        assert_eq!((b.halaman, b.ragu), (1, false));
        assert!(b.kotak.unwrap().x0 <= 60.0);
        // The text-order reading of the same page glues the columns together.
        let text: Vec<String> = rows
            .iter()
            .map(|r| r.iter().map(|(_, t)| *t).collect::<Vec<_>>().join(" "))
            .collect();
        assert_eq!(
            suggest(&text.join("\n")).sifat.as_deref(),
            Some("Segera Yth. Bupati Jembrana")
        );
    }

    #[test]
    fn ocr_confusions_and_uncertain_fields() {
        let rows: &[&[(f32, &str)]] = &[
            &[(60.0, "Nornor"), (120.0, ": 8OO/283/Kominfo/2O21")],
            &[(60.0, "Klasifkasi"), (120.0, ": Rahasia")],
            &[(60.0, "Hal"), (120.0, ": Undangan")],
        ];
        let s = suggest_positioned(&page(rows, 90.0));
        assert_eq!(s.nomor.as_deref(), Some("800/283/Kominfo/2021"));
        assert_eq!(s.klasifikasi.as_deref(), Some("Rahasia"));
        assert!(s.bukti["nomor"].yakin < 0.9 && !s.ragu("nomor"));
        // Read with low confidence: suggested, marked, never filled into the form.
        let s = suggest_positioned(&page(rows, 40.0));
        assert_eq!(s.klasifikasi.as_deref(), Some("Rahasia"));
        assert!(s.ragu("klasifikasi"));
        assert_eq!(s.ragu_fields(), vec!["nomor", "klasifikasi", "hal"]);
        let mut f = crate::domain::RegisterFields::default();
        f.apply_suggestions(&s);
        assert_eq!((f.klasifikasi, f.nomor_surat.as_str()), (None, ""));
    }

    #[test]
    fn positioned_never_panics_on_odd_boxes() {
        let mut w = page(&[&[(60.0, "Nomor : 1/2")]], 100.0);
        w.push(Kata {
            teks: "x".into(),
            halaman: 0,
            baris: 0,
            kotak: Kotak {
                x0: f32::NAN,
                y0: f32::INFINITY,
                x1: -1.0,
                y1: 0.0,
            },
            yakin: -5.0,
        });
        let _ = suggest_positioned(&w);
        let _ = suggest_positioned(&[]);
    }

    proptest::proptest! {
        #[test]
        fn positioned_never_panics(
            words in proptest::collection::vec(
                ("(Nomor|No\\.|Hal|Sifat|Yth\\.|:|[\\PC]{1,8})", 0u32..3, 0u32..5, -50f32..700.0, -50f32..900.0, 0f32..40.0, -10f32..120.0),
                0..40,
            )
        ) {
            let w: Vec<Kata> = words
                .into_iter()
                .map(|(t, p, b, x, y, h, c)| Kata {
                    teks: t,
                    halaman: p,
                    baris: b,
                    kotak: Kotak { x0: x, y0: y, x1: x + 3.0 * h, y1: y + h },
                    yakin: c,
                })
                .collect();
            let _ = suggest_positioned(&w);
        }

        #[test]
        fn never_panics(text in "\\PC*") {
            let _ = suggest(&text);
        }

        #[test]
        fn never_panics_on_header_like_text(
            lines in proptest::collection::vec(
                "(Nomor|NOMOR SOP|Sifat|Klasifikasi|Lampiran|Hal|Perihal|Yth\\.|di -|Tempat|Negara,)?[ \t:：]{0,3}[\\PC]{0,20}",
                0..12,
            )
        ) {
            let _ = suggest(&lines.join("\n"));
        }
    }
}
