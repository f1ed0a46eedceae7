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
}

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

/// Suggest header fields from the text layer of a document. Never panics; see [`HeaderSuggestions`].
pub fn suggest(text: &str) -> HeaderSuggestions {
    let lines: Vec<String> = text.lines().map(clean_line).collect();
    let mut s = HeaderSuggestions::default();
    let mut sifat_klasifikasi = None;

    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        i += 1;
        if line.is_empty() {
            continue;
        }
        if s.tempat_tanggal.is_none()
            && let Some((tt, iso)) = find_place_date(line)
        {
            s.tempat_tanggal = Some(tt);
            s.tanggal = Some(iso);
        }
        let Some((label, value, colon)) = match_label(line) else {
            continue;
        };
        // "Nomor :" with the value alone on the next line.
        let value = if value.is_empty() && colon && label != Label::Yth {
            match lines.get(i) {
                Some(next) if !next.is_empty() && match_label(next).is_none() => {
                    i += 1;
                    next.clone()
                }
                _ => String::new(),
            }
        } else {
            value
        };
        match label {
            Label::NomorSop if s.nomor_sop.is_none() => {
                s.nomor_sop = nomor_value(&value);
            }
            // Without a colon, "Nomor 14 Tahun 2008" in running text is not a header.
            Label::Nomor if s.nomor.is_none() && (colon || value.contains('/')) => {
                s.nomor = nomor_value(&value);
            }
            Label::Sifat if s.sifat.is_none() && colon => {
                s.sifat = field(&value);
                sifat_klasifikasi = s.sifat.as_deref().and_then(normalise_klasifikasi);
            }
            Label::Klasifikasi if s.klasifikasi.is_none() => {
                s.klasifikasi = normalise_klasifikasi(&value);
            }
            Label::Lampiran if s.lampiran.is_none() && colon => {
                s.lampiran = field(&value);
            }
            Label::Hal if s.hal.is_none() && colon => {
                let (joined, used) = continue_lines(&value, &lines[i..], is_hal_stop);
                s.hal = field(&joined);
                i += used;
            }
            Label::Yth if s.yth.is_none() => {
                let (joined, used) = continue_lines(&value, &lines[i..], is_yth_stop);
                s.yth = field(&joined);
                i += used;
            }
            _ => {}
        }
    }
    if s.klasifikasi.is_none() {
        s.klasifikasi = sifat_klasifikasi;
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

/// If `line` starts with a field label, return it, the value after the separator, and whether a
/// colon separated them.
fn match_label(line: &str) -> Option<(Label, String, bool)> {
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
        let rest = rest.trim_start();
        let (rest, colon) = match rest.strip_prefix([':', '：']) {
            Some(r) => (r.trim_start(), true),
            None => (rest, false),
        };
        // "Yth.:" / "Yth :" and the like carry no further meaning.
        return Some((label, rest.to_string(), colon || label == Label::Yth));
    }
    None
}

/// A header-ish value: trimmed, capped at [`MAX_FIELD_CHARS`], `None` if empty or only dashes.
fn field(value: &str) -> Option<String> {
    let v = value.trim().trim_end_matches([',', ';']).trim();
    if v.is_empty() || v.chars().all(|c| c == '-' || c == '.' || c == ':') {
        return None;
    }
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
    let out = out.trim_end_matches([',', ';', '.']).to_string();
    out.chars().any(|c| c.is_ascii_digit()).then_some(out)
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
/// [`MAX_CONTINUATION_LINES`]). Returns the joined value and how many following lines were used.
fn continue_lines(first: &str, rest: &[String], stop: fn(&str) -> bool) -> (String, usize) {
    let mut joined = first.to_string();
    let mut used = 0;
    for line in rest.iter().take(MAX_CONTINUATION_LINES) {
        if line.is_empty() || stop(line) {
            break;
        }
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(line);
        used += 1;
    }
    (joined, used)
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
        let month_name = crate::domain::calendar::NAMA_BULAN[(month - 1) as usize];
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
