//! Full-text search of the entries (issue 15): the words of the console's `/` filter matched
//! against the text layer and the OCR text of each entry's file, besides its register fields.
//!
//! A word is any token of the filter that is not a `key:value` of the list filter
//! ([`super::saring`]). Matching is case-insensitive and by substring (the file text has no word
//! index); every word must occur, in the fields or in the text. The snippet shows the
//! text around the first word found in it, on one line, at most [`CUPLIKAN`] characters.

/// Longest snippet, in characters.
pub const CUPLIKAN: usize = 80;

/// Characters of context shown before the word.
const LEAD: usize = 10;

/// The search words of a filter string, lowercased: the free words of the list filter
/// ([`super::saring::Saring::parse`]), its `key:value` tokens left out.
pub fn kata(filter: &str) -> Vec<String> {
    super::saring::Saring::parse(filter).kata
}

/// Whether an entry matches `words` by its text: every word occurs in `fields` (the entry's
/// lowercased register fields, [`crate::domain::Entry::haystack`]) or in `text`, and at least one
/// in `text` (otherwise the list filter already finds it). Returns the snippet of `text` around the
/// first word found there.
pub fn cocok(words: &[String], fields: &str, text: &str) -> Option<String> {
    if words.is_empty() {
        return None;
    }
    let lower = text.to_lowercase();
    let mut first: Option<(usize, usize)> = None;
    for w in words {
        match lower.find(w.as_str()) {
            Some(at) => {
                if first.is_none_or(|(f, _)| at < f) {
                    first = Some((at, w.len()));
                }
            }
            None if fields.contains(w.as_str()) => {}
            None => return None,
        }
    }
    let (at, len) = first?;
    Some(cuplikan(&lower, text, at, len))
}

/// `text` around byte `at` of its lowercase copy, whitespace folded to single spaces.
fn cuplikan(lower: &str, text: &str, at: usize, len: usize) -> String {
    // Lowercasing can change byte lengths (rare outside ASCII): fall back to the lowercase copy.
    let src = if lower.len() == text.len() {
        text
    } else {
        lower
    };
    let half = CUPLIKAN.saturating_sub(len) / 2;
    let mut start = at.saturating_sub(half * 2);
    while !src.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (at + len + half * 2).min(src.len());
    while !src.is_char_boundary(end) {
        end += 1;
    }
    let folded: String = src[start..end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    // Centre on the word: cut to CUPLIKAN characters around it.
    let chars: Vec<char> = folded.chars().collect();
    let word_at = folded
        .to_lowercase()
        .find(&lower[at..at + len])
        .map_or(0, |b| folded[..b.min(folded.len())].chars().count());
    // A short lead before the word: a narrow list column still shows it.
    let from = word_at.saturating_sub(LEAD.min(half));
    let to = (from + CUPLIKAN).min(chars.len());
    let mut s: String = chars[from..to].iter().collect();
    if from > 0 || start > 0 {
        s.insert(0, '…');
    }
    if to < chars.len() || end < src.len() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_the_list_filter_are_not_words() {
        assert_eq!(
            kata("status:baru Sanapati k:R dari:2026-11-01 dongle"),
            vec!["sanapati", "dongle"]
        );
        assert!(kata("urut:nomor").is_empty());
    }

    #[test]
    fn every_word_in_fields_or_text_and_one_in_text() {
        let text = "PEMERINTAH KOTA PEKALONGAN\nSTANDAR OPERASIONAL PROSEDUR (SOP)\nPENGIRIMAN NASKAH DINAS\n   YANG DIKECUALIKAN";
        let w = kata("naskah dikecualikan");
        let s = cocok(&w, "", text).unwrap();
        assert!(s.contains("NASKAH DINAS YANG DIKECUALIKAN"), "{s}");
        assert!(!s.contains('\n'));
        // A word only in the fields still counts when another is in the text.
        let w = kata("pekalongan 088.6");
        assert!(cocok(&w, "sop 088.6 pekalongan", text).is_some());
        // Nothing in the text: the list filter's business, not the search's.
        assert!(cocok(&kata("088.6"), "sop 088.6", text).is_none());
        // A word nowhere: no match.
        assert!(cocok(&kata("naskah sanapati"), "", text).is_none());
        assert!(cocok(&[], "", text).is_none());
    }

    #[test]
    fn the_snippet_is_short_and_marks_what_was_cut() {
        let text = format!(
            "{} Nomor : 800/283/Kominfo/2021 {}",
            "awal ".repeat(40),
            "akhir ".repeat(40)
        );
        let s = cocok(&kata("kominfo"), "", &text).unwrap();
        assert!(s.chars().count() <= CUPLIKAN + 2, "{s}");
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("800/283/Kominfo/2021"), "{s}");
        // Multi-byte text is cut on character boundaries.
        let t = "é".repeat(100) + " sandi " + &"ü".repeat(100);
        assert!(cocok(&kata("sandi"), "", &t).unwrap().contains("sandi"));
    }
}
