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

use serde::{Deserialize, Serialize};

/// Header fields found in a document's text. Every field is a suggestion: `None` when not found
/// or when read with a confidence below [`UNCERTAIN_BELOW`] (then only in `evidence`).
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
    /// How each suggestion was read (confidence, box), including the uncertain ones that are not
    /// filled into the fields above. Empty in entries stored before positions were read.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
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

/// A word read from a page, with its box: from the glyph positions of a PDF text layer or from
/// OCR word boxes (Tesseract TSV).
///
/// Coordinates are in thousandths of the page width, origin at the top-left corner, y growing
/// downwards, so a box means the same on a 150 dpi scan and on a PDF page. `conf` is the reader's
/// confidence in `0..=1` (1 for a text layer). `page` counts from 1.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Word {
    /// The word, without spaces.
    pub text: String,
    /// Page number, from 1.
    pub page: u32,
    /// Left edge.
    pub x0: f32,
    /// Top edge.
    pub y0: f32,
    /// Right edge.
    pub x1: f32,
    /// Bottom edge.
    pub y1: f32,
    /// Confidence, `0..=1`.
    pub conf: f32,
}

/// Where on the page a suggestion was read: page (from 1) and the union of its words' boxes, in
/// the units of [`Word`].
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq)]
pub struct SourceBox {
    /// Page number, from 1.
    pub page: u32,
    /// Left edge.
    pub x0: f32,
    /// Top edge.
    pub y0: f32,
    /// Right edge.
    pub x1: f32,
    /// Bottom edge.
    pub y1: f32,
}

/// A header field of [`HeaderSuggestions`].
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Nomor surat.
    Nomor,
    /// Klasifikasi (from `Klasifikasi`, or from `Sifat` when it names one).
    Klasifikasi,
    /// Sifat.
    Sifat,
    /// Lampiran.
    Lampiran,
    /// Hal / perihal.
    Hal,
    /// Yth. (addressee).
    Yth,
    /// Place and date line (also gives `tanggal`).
    TempatTanggal,
    /// Nomor SOP.
    NomorSop,
}

/// How one suggestion was read: the value, the confidence (`0..=1`: the mean confidence of its
/// words times a factor for a label read with OCR confusions or a number with letters turned
/// into digits), where it stands, and whether it is below [`UNCERTAIN_BELOW`]. An uncertain value
/// is kept here only: the field of [`HeaderSuggestions`] stays `None` so it is never filled in
/// silently.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Evidence {
    /// The field.
    pub field: Field,
    /// The value as suggested (normalised like the field).
    pub value: String,
    /// Confidence, `0..=1`.
    pub confidence: f32,
    /// Where it was read; `None` for text without positions.
    pub source: Option<SourceBox>,
    /// True when `confidence < UNCERTAIN_BELOW`: shown as uncertain, not filled in.
    pub uncertain: bool,
}

/// Suggestions whose confidence is below this are uncertain (see [`Evidence`]). Tesseract gives
/// clean printed words 0.85–0.97; a field averaging below 0.6 has misread words in it.
pub const UNCERTAIN_BELOW: f32 = 0.6;

/// Confidence factor of a label recognised only through OCR confusions (`Nornor`, `Ha1`).
const FUZZY_LABEL: f32 = 0.85;
/// Confidence factor of a number in which letters were read as digits (`8OO` → `800`).
const FIXED_DIGITS: f32 = 0.9;

/// A run of words on one physical line, separated from the rest of the line by a wide gap (a
/// column: the label block on the left, the date or the addressee on the right).
#[derive(Debug, Clone)]
struct Seg {
    page: u32,
    /// Physical line index in reading order.
    line: usize,
    text: String,
    words: Vec<SegWord>,
    /// Layout box (skew removed), `None` for text without positions.
    geom: Option<[f32; 4]>,
    /// A label joined to its value across a wide gap (a label column): as good as a colon.
    aligned: bool,
}

#[derive(Debug, Clone)]
struct SegWord {
    start: usize,
    end: usize,
    conf: f32,
    bbox: Option<SourceBox>,
}

impl Seg {
    fn from_text(line: usize, text: &str) -> Seg {
        let text = clean_line(text);
        let mut words = Vec::new();
        let mut at = 0;
        for w in text.split(' ') {
            words.push(SegWord {
                start: at,
                end: at + w.len(),
                conf: 1.0,
                bbox: None,
            });
            at += w.len() + 1;
        }
        Seg {
            page: 1,
            line,
            text,
            words,
            geom: None,
            aligned: false,
        }
    }

    fn height(&self) -> f32 {
        self.geom.map_or(0.0, |g| (g[3] - g[1]).max(1.0))
    }
}

/// Confidence and box accumulated over the words of a value.
#[derive(Debug, Default, Clone)]
struct Acc {
    sum: f32,
    n: u32,
    bbox: Option<SourceBox>,
}

impl Acc {
    fn add(&mut self, seg: &Seg, from: usize, to: usize) {
        for w in &seg.words {
            if w.end <= from || w.start >= to {
                continue;
            }
            self.sum += w.conf;
            self.n += 1;
            if let Some(b) = w.bbox {
                self.bbox = Some(match self.bbox {
                    None => b,
                    Some(a) if a.page == b.page => SourceBox {
                        page: a.page,
                        x0: a.x0.min(b.x0),
                        y0: a.y0.min(b.y0),
                        x1: a.x1.max(b.x1),
                        y1: a.y1.max(b.y1),
                    },
                    Some(a) => a,
                });
            }
        }
    }

    fn conf(&self) -> f32 {
        if self.n == 0 {
            1.0
        } else {
            self.sum / self.n as f32
        }
    }
}

/// Suggest header fields from the text layer of a document (lines in text order, no positions).
/// Never panics; see [`HeaderSuggestions`]. Text without positions has confidence 1 except for
/// labels and numbers read through OCR confusions.
pub fn suggest(text: &str) -> HeaderSuggestions {
    let segs: Vec<Seg> = text
        .lines()
        .enumerate()
        .map(|(i, l)| Seg::from_text(i, l))
        .collect();
    suggest_segs(&segs)
}

/// Suggest header fields from positioned words (PDF glyph positions or OCR word boxes): lines are
/// rebuilt from the boxes (skew estimated from neighbouring words and removed), each line is cut
/// into columns at wide gaps, and the label block is read column by column wherever the date line
/// stands. Every suggestion carries its confidence and box in [`HeaderSuggestions::evidence`].
/// Never panics.
pub fn suggest_words(words: &[Word]) -> HeaderSuggestions {
    suggest_segs(&segments_from_words(words))
}

/// The lines of `words` rebuilt from their positions, in reading order, one string per line
/// (columns separated by three spaces). For search and display of OCR text.
pub fn text_from_words(words: &[Word]) -> String {
    let segs = segments_from_words(words);
    let mut out = String::new();
    let mut last: Option<(u32, usize)> = None;
    for s in &segs {
        match last {
            Some((p, l)) if p == s.page && l == s.line => out.push_str("   "),
            Some((p, _)) if p != s.page => out.push_str("\n\u{c}\n"),
            Some(_) => out.push('\n'),
            None => {}
        }
        out.push_str(&s.text);
        last = Some((s.page, s.line));
    }
    out
}

fn median(v: &mut [f32]) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f32::total_cmp);
    v[v.len() / 2]
}

/// Cut a line into columns at gaps wider than this many line heights.
const COLUMN_GAP: f32 = 2.2;
/// A label alone in its column joins the next column of its line when the gap is at most this many
/// line heights (colon-aligned label blocks).
const LABEL_JOIN_GAP: f32 = 9.0;

fn segments_from_words(words: &[Word]) -> Vec<Seg> {
    let mut pages: Vec<u32> = words.iter().map(|w| w.page).collect();
    pages.sort_unstable();
    pages.dedup();
    let mut out = Vec::new();
    let mut line_no = 0;
    for page in pages {
        let ws: Vec<&Word> = words
            .iter()
            .filter(|w| {
                w.page == page
                    && !w.text.trim().is_empty()
                    && [w.x0, w.y0, w.x1, w.y1].iter().all(|v| v.is_finite())
                    && w.x1 >= w.x0
                    && w.y1 >= w.y0
            })
            .take(20_000)
            .collect();
        let slope = estimate_skew(&ws);
        // (word, derotated centre y, height)
        let mut items: Vec<(&Word, f32, f32)> = ws
            .iter()
            .map(|w| {
                let xc = (w.x0 + w.x1) / 2.0;
                let yc = (w.y0 + w.y1) / 2.0 - slope * xc;
                (*w, yc, (w.y1 - w.y0).max(0.5))
            })
            .collect();
        items.sort_by(|a, b| a.1.total_cmp(&b.1));
        let mut lines: Vec<Vec<(&Word, f32, f32)>> = Vec::new();
        let mut line_yc = f32::NEG_INFINITY;
        let mut line_h = 0.0f32;
        for it in items {
            let tol = 0.5 * it.2.max(line_h);
            let joins = (it.1 - line_yc).abs() <= tol;
            if let Some(l) = lines.last_mut().filter(|_| joins) {
                l.push(it);
                let n = l.len() as f32;
                line_yc += (it.1 - line_yc) / n;
                line_h = line_h.max(it.2.min(line_h * 2.0));
            } else {
                line_yc = it.1;
                line_h = it.2;
                lines.push(vec![it]);
            }
        }
        for mut line in lines {
            line.sort_by(|a, b| a.0.x0.total_cmp(&b.0.x0));
            let mut hs: Vec<f32> = line.iter().map(|i| i.2).collect();
            let h = median(&mut hs).max(0.5);
            let mut cols: Vec<Vec<(&Word, f32, f32)>> = Vec::new();
            let mut right = f32::NEG_INFINITY;
            for it in line {
                if it.0.x0 - right > COLUMN_GAP * h || cols.is_empty() {
                    cols.push(vec![it]);
                } else if let Some(c) = cols.last_mut() {
                    c.push(it);
                }
                right = right.max(it.0.x1);
            }
            let mut segs: Vec<Seg> = cols
                .into_iter()
                .map(|c| seg_from_words(page, line_no, &c))
                .collect();
            // "Nomor" | ": 800/..." and "Nomor :" | "800/..." are one field across a wide gap.
            let mut k = 0;
            while k + 1 < segs.len() {
                let joins = match_label(&segs[k].text)
                    .is_some_and(|m| m.value_start >= segs[k].text.len())
                    && match (segs[k].geom, segs[k + 1].geom) {
                        (Some(a), Some(b)) => b[0] - a[2] <= LABEL_JOIN_GAP * h,
                        _ => false,
                    };
                if joins {
                    let next = segs.remove(k + 1);
                    join_seg(&mut segs[k], next);
                    segs[k].aligned = true;
                } else {
                    k += 1;
                }
            }
            out.extend(segs);
            line_no += 1;
        }
    }
    out
}

/// Median slope (dy/dx) between each word and its right-hand neighbour on the same line, clamped
/// to ±0.1 (about 6°). 0 when there are too few pairs.
fn estimate_skew(ws: &[&Word]) -> f32 {
    if ws.len() > 5_000 {
        return 0.0;
    }
    let mut slopes = Vec::new();
    for w in ws {
        let h = (w.y1 - w.y0).max(0.5);
        let yc = (w.y0 + w.y1) / 2.0;
        let next = ws
            .iter()
            .filter(|n| {
                let nh = (n.y1 - n.y0).max(0.5);
                n.x0 >= w.x1 - 0.1 * h
                    && n.x0 - w.x1 < 2.0 * h
                    && ((n.y0 + n.y1) / 2.0 - yc).abs() < 0.6 * h
                    && (nh / h) > 0.6
                    && (nh / h) < 1.6
            })
            .min_by(|a, b| a.x0.total_cmp(&b.x0));
        if let Some(n) = next {
            let dx = (n.x0 + n.x1 - w.x0 - w.x1) / 2.0;
            if dx > 0.0 {
                // Bottoms are steadier than centres (descenders aside).
                slopes.push((n.y1 - w.y1) / dx);
            }
        }
    }
    if slopes.len() < 8 {
        return 0.0;
    }
    median(&mut slopes).clamp(-0.1, 0.1)
}

fn seg_from_words(page: u32, line: usize, ws: &[(&Word, f32, f32)]) -> Seg {
    let mut text = String::new();
    let mut words = Vec::new();
    let mut geom = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
    for (w, yc, h) in ws {
        let t = clean_line(&w.text);
        if t.is_empty() {
            continue;
        }
        if !text.is_empty() {
            text.push(' ');
        }
        let start = text.len();
        text.push_str(&t);
        words.push(SegWord {
            start,
            end: text.len(),
            conf: w.conf.clamp(0.0, 1.0),
            bbox: Some(SourceBox {
                page,
                x0: w.x0,
                y0: w.y0,
                x1: w.x1,
                y1: w.y1,
            }),
        });
        geom = [
            geom[0].min(w.x0),
            geom[1].min(yc - h / 2.0),
            geom[2].max(w.x1),
            geom[3].max(yc + h / 2.0),
        ];
    }
    Seg {
        page,
        line,
        text,
        words,
        geom: Some(geom),
        aligned: false,
    }
}

fn join_seg(a: &mut Seg, b: Seg) {
    let shift = a.text.len() + 1;
    a.text.push(' ');
    a.text.push_str(&b.text);
    a.words.extend(b.words.into_iter().map(|w| SegWord {
        start: w.start + shift,
        end: w.end + shift,
        ..w
    }));
    if let (Some(g), Some(h)) = (a.geom.as_mut(), b.geom) {
        *g = [
            g[0].min(h[0]),
            g[1].min(h[1]),
            g[2].max(h[2]),
            g[3].max(h[3]),
        ];
    }
}

/// The next segment continuing the column of `segs[cur]` (the one below it, starting between
/// `x_lo` and `x_hi`, not further than about a line away); in text without positions simply the
/// next line.
fn next_in_column(segs: &[Seg], cur: usize, x_lo: f32, x_hi: f32, block_gap: f32) -> Option<usize> {
    let c = segs.get(cur)?;
    let Some(g) = c.geom else {
        return (cur + 1 < segs.len()).then_some(cur + 1);
    };
    let h = c.height();
    for (j, s) in segs.iter().enumerate().skip(cur + 1) {
        if s.page != c.page {
            return None;
        }
        let Some(sg) = s.geom else { return None };
        if s.line == c.line {
            continue;
        }
        // Further than a line away, or than the spacing of the label block (letters set with
        // double line spacing), is another paragraph.
        let hh = h.max(s.height());
        if sg[1] - g[3] > (1.3 * hh).max((block_gap + 0.3 * hh).min(3.0 * hh)) {
            return None;
        }
        if sg[0] >= x_lo && sg[0] <= x_hi {
            return Some(j);
        }
    }
    None
}

#[derive(Default)]
struct Builder {
    s: HeaderSuggestions,
}

impl Builder {
    fn has(&self, f: Field) -> bool {
        self.s.evidence.iter().any(|e| e.field == f)
    }

    fn put(&mut self, field: Field, value: String, confidence: f32, source: Option<SourceBox>) {
        let confidence = confidence.clamp(0.0, 1.0);
        let uncertain = confidence < UNCERTAIN_BELOW;
        if !uncertain {
            let slot = match field {
                Field::Nomor => &mut self.s.nomor,
                Field::Klasifikasi => &mut self.s.klasifikasi,
                Field::Sifat => &mut self.s.sifat,
                Field::Lampiran => &mut self.s.lampiran,
                Field::Hal => &mut self.s.hal,
                Field::Yth => &mut self.s.yth,
                Field::TempatTanggal => &mut self.s.tempat_tanggal,
                Field::NomorSop => &mut self.s.nomor_sop,
            };
            *slot = Some(value.clone());
        }
        self.s.evidence.push(Evidence {
            field,
            value,
            confidence,
            source,
            uncertain,
        });
    }
}

fn suggest_segs(segs: &[Seg]) -> HeaderSuggestions {
    let mut b = Builder::default();
    let mut used = vec![false; segs.len()];
    let mut sifat_klasifikasi: Option<(String, f32, Option<SourceBox>)> = None;
    let mut tanggal = None;

    for i in 0..segs.len() {
        if used[i] {
            continue;
        }
        let seg = &segs[i];
        if seg.text.is_empty() {
            continue;
        }
        if !b.has(Field::TempatTanggal)
            && let Some((tt, iso)) = find_place_date(&seg.text)
        {
            let mut acc = Acc::default();
            acc.add(seg, 0, seg.text.len());
            b.put(Field::TempatTanggal, tt, acc.conf(), acc.bbox);
            if !b.s.evidence.last().is_some_and(|e| e.uncertain) {
                tanggal = Some(iso);
            }
        }
        let Some(mut m) = match_label(&seg.text) else {
            continue;
        };
        m.colon |= seg.aligned;
        // A label set apart from its value by a gap much wider than a word space is a label
        // column without colons (or with a colon OCR did not see).
        if !m.colon && seg.geom.is_some() {
            let label_end = seg
                .words
                .iter()
                .filter(|w| w.end <= m.value_start)
                .last()
                .and_then(|w| w.bbox);
            let value_start = seg
                .words
                .iter()
                .find(|w| w.start >= m.value_start)
                .and_then(|w| w.bbox);
            if let (Some(a), Some(v)) = (label_end, value_start) {
                m.colon = v.x0 - a.x1 > seg.height();
            }
        }
        let label = m.label;
        let mut acc = Acc::default();
        let mut value = seg.text[m.value_start..].to_string();
        acc.add(seg, m.value_start, seg.text.len());
        let label_x0 = seg.geom.map_or(0.0, |g| g[0]);
        let value_x0 = seg
            .words
            .iter()
            .find(|w| w.end > m.value_start)
            .and_then(|w| w.bbox)
            .map_or(label_x0, |bx| bx.x0);
        let h = seg.height();
        let (x_lo, x_hi) = (label_x0 - 2.0 * h, value_x0.max(label_x0) + 3.0 * h);
        // The vertical gap to the line above in the same column (the previous label).
        let block_gap = seg.geom.map_or(0.0, |g| {
            segs[..i]
                .iter()
                .rev()
                .filter(|p| p.page == seg.page && p.line != seg.line)
                .filter_map(|p| p.geom)
                .find(|pg| (pg[0] - g[0]).abs() < 2.0 * h)
                .map_or(0.0, |pg| (g[1] - pg[3]).max(0.0))
        });
        // "Nomor :" with the value alone on the next line.
        let mut last = i;
        if value.is_empty()
            && m.colon
            && label != Label::Yth
            && let Some(j) = next_in_column(segs, i, x_lo, x_hi, block_gap)
            && !segs[j].text.is_empty()
            && match_label(&segs[j].text).is_none()
        {
            value = segs[j].text.clone();
            acc.add(&segs[j], 0, segs[j].text.len());
            used[j] = true;
            last = j;
        }
        let f = m.factor;
        match label {
            Label::NomorSop if !b.has(Field::NomorSop) => {
                if let Some((v, fixed)) = nomor_value(&value) {
                    let c = acc.conf() * f * if fixed { FIXED_DIGITS } else { 1.0 };
                    b.put(Field::NomorSop, v, c, acc.bbox);
                }
            }
            // Without a colon, "Nomor 14 Tahun 2008" in running text is not a header.
            Label::Nomor if !b.has(Field::Nomor) && (m.colon || value.contains('/')) => {
                if let Some((v, fixed)) = nomor_value(&value) {
                    let c = acc.conf() * f * if fixed { FIXED_DIGITS } else { 1.0 };
                    b.put(Field::Nomor, v, c, acc.bbox);
                }
            }
            Label::Sifat if !b.has(Field::Sifat) && m.colon => {
                if let Some(v) = field(&value) {
                    if let Some(k) = normalise_klasifikasi(&v) {
                        sifat_klasifikasi = Some((k, acc.conf() * f, acc.bbox));
                    }
                    b.put(Field::Sifat, v, acc.conf() * f, acc.bbox);
                }
            }
            Label::Klasifikasi if !b.has(Field::Klasifikasi) => {
                if let Some(k) = normalise_klasifikasi(&value) {
                    b.put(Field::Klasifikasi, k, acc.conf() * f, acc.bbox);
                }
            }
            Label::Lampiran if !b.has(Field::Lampiran) && m.colon => {
                if let Some(v) = field(&value) {
                    let (v, fixed) = lampiran_count(&v);
                    let c = acc.conf() * f * if fixed { FIXED_DIGITS } else { 1.0 };
                    b.put(Field::Lampiran, v, c, acc.bbox);
                }
            }
            Label::Hal | Label::Yth
                if (label == Label::Hal && !b.has(Field::Hal) && m.colon)
                    || (label == Label::Yth && !b.has(Field::Yth)) =>
            {
                let stop: fn(&str) -> bool = if label == Label::Hal {
                    is_hal_stop
                } else {
                    is_yth_stop
                };
                let mut cur = last;
                for _ in 0..MAX_CONTINUATION_LINES {
                    let Some(j) = next_in_column(segs, cur, x_lo, x_hi, block_gap) else {
                        break;
                    };
                    let t = &segs[j].text;
                    if t.is_empty() || stop(t) || used[j] {
                        break;
                    }
                    if !value.is_empty() {
                        value.push(' ');
                    }
                    value.push_str(t);
                    acc.add(&segs[j], 0, t.len());
                    used[j] = true;
                    cur = j;
                }
                if let Some(v) = field(&value) {
                    let fld = if label == Label::Hal {
                        Field::Hal
                    } else {
                        Field::Yth
                    };
                    b.put(fld, v, acc.conf() * f, acc.bbox);
                }
            }
            _ => {}
        }
    }
    if !b.has(Field::Klasifikasi)
        && let Some((k, c, bx)) = sifat_klasifikasi
    {
        b.put(Field::Klasifikasi, k, c, bx);
    }
    b.s.tanggal = tanggal;
    b.s
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

/// A label found at the start of a line.
struct LabelMatch {
    label: Label,
    /// Byte offset of the value in the line (after the separator and spaces).
    value_start: usize,
    /// Whether a colon separated label and value (always true for `Yth.`).
    colon: bool,
    /// 1, or [`FUZZY_LABEL`] for a label recognised through OCR confusions.
    factor: f32,
}

/// Labels recognised through OCR confusions: (normalised spelling, label, shortest word that may
/// differ by one edit).
const FUZZY_LABELS: &[(&str, Label)] = &[
    ("nomor", Label::Nomor),
    ("sifat", Label::Sifat),
    ("klasifikasi", Label::Klasifikasi),
    ("lampiran", Label::Lampiran),
    ("perihal", Label::Hal),
    ("hal", Label::Hal),
    ("yth", Label::Yth),
];

/// Lowercase and undo the usual OCR confusions of letters in a label word: `rn`→`m`, `0`→`o`,
/// `1`/`|`/`I`→`l`, `5`→`s`; a trailing `.` is dropped.
fn ocr_normalise_word(w: &str) -> String {
    let l: String = w
        .trim_end_matches('.')
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | '|' => 'l',
            '5' => 's',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    l.replace("rn", "m").replace("vv", "w")
}

/// Levenshtein distance of two short ASCII-ish strings (by chars), stopping early above 2.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 2 {
        return 3;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// After a label ending at byte `end` of `line`: skip spaces and one colon.
fn after_label(line: &str, end: usize) -> (usize, bool) {
    let rest = &line[end..];
    let trimmed = rest.trim_start();
    let mut at = end + (rest.len() - trimmed.len());
    let mut colon = false;
    for sep in [':', '：', ';'] {
        if let Some(r) = line[at..].strip_prefix(sep) {
            colon = true;
            at = line.len() - r.trim_start().len();
            break;
        }
    }
    (at, colon)
}

/// If `line` starts with a field label, return it, where its value starts, and whether a colon
/// separated them. Exact labels first (case-insensitive), then single-word labels read through
/// OCR confusions (`Nornor`, `N0mor`, `Sifat`→`Sitat`, `Ha1`) at a lower confidence.
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
                Some(c) => c == ' ' || c == ':' || c == '：',
            };
        if !boundary {
            continue;
        }
        let (value_start, colon) = after_label(line, name.len());
        // "Yth.:" / "Yth :" and the like carry no further meaning.
        return Some(LabelMatch {
            label,
            value_start,
            colon: colon || label == Label::Yth,
            factor: 1.0,
        });
    }
    // OCR confusions on a one-word label.
    let end = line
        .find(|c: char| c == ' ' || c == ':' || c == '：' || c == ';')
        .unwrap_or(line.len());
    let word = &line[..end];
    if word.chars().count() < 3 || word.chars().count() > 13 {
        return None;
    }
    let norm = ocr_normalise_word(word);
    for &(name, label) in FUZZY_LABELS {
        let close = norm == name || (name.len() >= 5 && edit_distance(&norm, name) <= 1);
        if !close {
            continue;
        }
        let (value_start, colon) = after_label(line, end);
        return Some(LabelMatch {
            label,
            value_start,
            colon: colon || label == Label::Yth,
            factor: FUZZY_LABEL,
        });
    }
    None
}

/// A header-ish value: trimmed, capped at [`MAX_FIELD_CHARS`], `None` if empty or only dashes.
fn field(value: &str) -> Option<String> {
    // OCR specks and a misread colon before the value ("» 1 (satu)", "—. Penting", "':Usulan").
    let v = value
        .trim()
        .trim_start_matches(|c: char| {
            !(c.is_alphanumeric() || matches!(c, '(' | '"' | '-' | '\u{201c}'))
        })
        .trim_end_matches([',', ';', '|', '_'])
        .trim();
    if v.is_empty() || v.chars().all(|c| c == '-' || c == '.' || c == ':') {
        return None;
    }
    Some(v.chars().take(MAX_FIELD_CHARS).collect())
}

/// A nomor: the first token group, spaces around `/` removed, must contain a digit. Letters read
/// in place of digits inside numeric parts (`8OO`, `2O2l`) are turned into digits; the flag says
/// whether that happened.
fn nomor_value(value: &str) -> Option<(String, bool)> {
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
    let out = out.trim_end_matches([',', ';', '.']).to_string();
    let mut fixed = false;
    let parts: Vec<String> = out
        .split_inclusive(['/', '.', '-'])
        .map(|part| {
            let body = part.trim_end_matches(['/', '.', '-']);
            let digits = body.chars().filter(char::is_ascii_digit).count();
            let confusable = body
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, 'O' | 'o' | 'l' | 'I' | '|'));
            if digits >= 1 && confusable && digits < body.chars().count() {
                fixed = true;
                part.chars()
                    .map(|c| match c {
                        'O' | 'o' => '0',
                        'l' | 'I' | '|' => '1',
                        c => c,
                    })
                    .collect()
            } else {
                part.to_string()
            }
        })
        .collect();
    let out = parts.concat();
    out.chars()
        .any(|c| c.is_ascii_digit())
        .then_some((out, fixed))
}

/// Number words of a lampiran count, `1 (satu) berkas`.
const ANGKA: &[(&str, &str)] = &[
    ("satu", "1"),
    ("dua", "2"),
    ("tiga", "3"),
    ("empat", "4"),
    ("lima", "5"),
    ("enam", "6"),
    ("tujuh", "7"),
    ("delapan", "8"),
    ("sembilan", "9"),
    ("sepuluh", "10"),
];

/// A lampiran written `N (kata) …`: the number in words is what the letter means, so digits that
/// disagree with it (OCR reading `: 1` as `21`, or `l` for `1`) are replaced by it. Returns the value
/// and whether it was corrected.
fn lampiran_count(v: &str) -> (String, bool) {
    let mut parts = v.splitn(3, ' ');
    let (Some(num), Some(word)) = (parts.next(), parts.next()) else {
        return (v.to_string(), false);
    };
    let rest = parts.next();
    let Some(inner) = word.strip_prefix('(').and_then(|w| w.strip_suffix(')')) else {
        return (v.to_string(), false);
    };
    let Some(&(_, digits)) = ANGKA.iter().find(|(k, _)| k.eq_ignore_ascii_case(inner)) else {
        return (v.to_string(), false);
    };
    if num == digits {
        return (v.to_string(), false);
    }
    let mut out = format!("{digits} {word}");
    if let Some(r) = rest {
        out.push(' ');
        out.push_str(r);
    }
    (out, true)
}

/// `Rahasia`, `r`, `SANGAT RAHASIA`, `SR`, ... → the normalised klasifikasi.
fn normalise_klasifikasi(value: &str) -> Option<String> {
    let v = value.to_lowercase();
    let first_words: Vec<&str> = v
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(2)
        .collect();
    // OCR: one wrong letter in a classification word ("Rahasla", "Terbalas").
    let first_words: Vec<&str> = first_words
        .iter()
        .map(|w| {
            ["sangat", "rahasia", "terbatas", "biasa"]
                .into_iter()
                .find(|k| w.len() >= 5 && edit_distance(w, k) <= 1)
                .unwrap_or(w)
        })
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

const MONTH_NAMES: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `22 April 2021` (day, Indonesian month name or abbreviation, year) at the start of `s` →
/// (day, month, year).
fn parse_date(s: &str) -> Option<(u32, u32, u32)> {
    // OCR reads 0 as O and 1 as l now and then.
    let digits = |w: &str| -> String {
        w.chars()
            .map(|c| match c {
                'O' | 'o' => '0',
                'l' | 'I' => '1',
                c => c,
            })
            .collect()
    };
    let mut words = s.split_whitespace();
    let day_word = &digits(words.next()?);
    let month_word = words.next()?.trim_end_matches('.').to_lowercase();
    let year_word = &digits(words.next()?);
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

/// Find `Place, 22 April 2021` in a line: a date right after a comma, preceded by one to three
/// capitalised words. Returns the normalised place-date and the ISO date.
fn find_place_date(line: &str) -> Option<(String, String)> {
    for (at, _) in line.match_indices(',') {
        let Some((day, month, year)) = parse_date(&line[at + 1..]) else {
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
        let month_name = MONTH_NAMES[(month - 1) as usize];
        let tt = format!("{}, {day} {month_name} {year}", place.join(" "));
        return Some((tt, format!("{year:04}-{month:02}-{day:02}")));
    }
    None
}

#[cfg(test)]
mod tests {
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

    /// Words of `line` laid out from `x` at baseline row `y` (12 units high, 7 per character),
    /// the baseline rising by `skew` per unit of x.
    fn words_at(out: &mut Vec<Word>, line: &str, x: f32, y: f32, skew: f32, conf: f32) {
        let mut x = x;
        for t in line.split(' ') {
            if t.is_empty() {
                x += 7.0;
                continue;
            }
            let w = 7.0 * t.chars().count() as f32;
            let dy = skew * x;
            out.push(Word {
                text: t.to_string(),
                page: 1,
                x0: x,
                y0: y - 12.0 + dy,
                x1: x + w,
                y1: y + dy,
                conf,
            });
            x += w + 7.0;
        }
    }

    /// The layout that lost Nomor, Sifat and Hal in text order: the date at the top right above
    /// and beside the label block, the addressee in a right column, labels aligned without colons.
    fn two_column_letter(skew: f32, conf: f32) -> Vec<Word> {
        let mut v = Vec::new();
        let rows: &[(&str, f32, f32)] = &[
            ("PEMERINTAH KOTA PEKALONGAN", 300.0, 40.0),
            ("Jalan Majapahit Nomor 5 Pekalongan", 280.0, 60.0),
            ("Pekalongan, 3 Mei 2024", 600.0, 110.0),
            ("Nomor", 80.0, 140.0),
            (": 005/12/Diskominfo/2024", 190.0, 140.0),
            ("Kepada", 600.0, 140.0),
            ("Sifat", 80.0, 160.0),
            ("Segera", 200.0, 160.0),
            ("Yth. Kepala BSSN", 580.0, 160.0),
            ("Lampiran", 80.0, 180.0),
            (": -", 190.0, 180.0),
            ("di -", 600.0, 180.0),
            ("Hal", 80.0, 200.0),
            (": Undangan Rapat Koordinasi", 190.0, 200.0),
            ("Jakarta", 620.0, 200.0),
            ("Persandian Tahun 2024", 200.0, 220.0),
            ("Dengan hormat,", 80.0, 260.0),
            ("Nomor 14 Tahun 2008 tentang Keterbukaan", 80.0, 280.0),
        ];
        for &(t, x, y) in rows {
            words_at(&mut v, t, x, y, skew, conf);
        }
        v
    }

    #[test]
    fn positioned_two_column_letter() {
        for skew in [0.0, 0.015, -0.02] {
            let s = suggest_words(&two_column_letter(skew, 0.93));
            assert_eq!(s.nomor.as_deref(), Some("005/12/Diskominfo/2024"), "{skew}");
            assert_eq!(s.sifat.as_deref(), Some("Segera"), "{skew}");
            assert_eq!(s.lampiran, None, "{skew}");
            assert_eq!(
                s.hal.as_deref(),
                Some("Undangan Rapat Koordinasi Persandian Tahun 2024"),
                "{skew}: {s:?}"
            );
            assert_eq!(s.yth.as_deref(), Some("Kepala BSSN"), "{skew}");
            assert_eq!(s.tempat_tanggal.as_deref(), Some("Pekalongan, 3 Mei 2024"));
            assert_eq!(s.tanggal.as_deref(), Some("2024-05-03"));
            let e = s.evidence.iter().find(|e| e.field == Field::Nomor).unwrap();
            let b = e.source.unwrap();
            assert!(
                b.x0 >= 190.0 && b.y1 <= 141.0 + 400.0 * skew.abs() * 2.0,
                "{b:?}"
            );
            assert!((e.confidence - 0.93).abs() < 1e-4 && !e.uncertain);
        }
    }

    #[test]
    fn low_confidence_is_uncertain_not_filled() {
        let s = suggest_words(&two_column_letter(0.0, 0.4));
        assert_eq!(s.nomor, None);
        assert_eq!(s.hal, None);
        let e = s.evidence.iter().find(|e| e.field == Field::Nomor).unwrap();
        assert_eq!(e.value, "005/12/Diskominfo/2024");
        assert!(e.uncertain && e.source.is_some());
    }

    #[test]
    fn ocr_confusions() {
        let s = suggest(
            "Nornor : 8OO/283/Kominfo/2O21\nKlasifikasi Rahasla\nSitat : Segera\nHa1 : Laporan Bulanan\nLampiran 1 (satu) berkas",
        );
        assert_eq!(s.nomor.as_deref(), Some("800/283/Kominfo/2021"));
        assert_eq!(s.klasifikasi.as_deref(), Some("Rahasia"));
        assert_eq!(s.sifat.as_deref(), Some("Segera"));
        assert_eq!(s.hal.as_deref(), Some("Laporan Bulanan"));
        // A label without a colon in plain text is not trusted for Lampiran.
        assert_eq!(s.lampiran, None);
        let nomor = s.evidence.iter().find(|e| e.field == Field::Nomor).unwrap();
        assert!(nomor.confidence < 0.8 && !nomor.uncertain, "{nomor:?}");
        // Words that only look like numbers keep their letters.
        assert_eq!(
            nomor_value("B/17/PS.01/2023").unwrap(),
            ("B/17/PS.01/2023".to_string(), false)
        );
        assert_eq!(
            suggest("Bandung, 2O Mei 2O24").tanggal.as_deref(),
            Some("2024-05-20")
        );
        assert_eq!(
            suggest("Lampiran : 21 (satu) bendel").lampiran.as_deref(),
            Some("1 (satu) bendel")
        );
        assert_eq!(
            lampiran_count("2 (dua) lembar"),
            ("2 (dua) lembar".into(), false)
        );
    }

    #[test]
    fn text_from_words_keeps_columns_apart() {
        let t = text_from_words(&two_column_letter(0.01, 1.0));
        assert!(t.contains("Nomor : 005/12/Diskominfo/2024   Kepada"), "{t}");
    }

    proptest::proptest! {
        #[test]
        fn positioned_never_panics(
            ws in proptest::collection::vec(
                ("[A-Za-z:/0-9.]{0,8}", 0u32..3, -50f32..1200.0, -50f32..1500.0, 0f32..80.0, 0f32..40.0, -1f32..2.0),
                0..60,
            )
        ) {
            let words: Vec<Word> = ws
                .into_iter()
                .map(|(text, page, x, y, w, h, conf)| Word { text, page, x0: x, y0: y, x1: x + w, y1: y + h, conf })
                .collect();
            let _ = suggest_words(&words);
            let _ = text_from_words(&words);
        }
    }

    proptest::proptest! {
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
