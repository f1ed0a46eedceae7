//! One sanitizer for every string that comes from outside (file names, PDF text and the suggestions
//! made from it, perihal, notes, reasons, incident lines, peer card names, a peer's kriptogram
//! perihal) before it reaches a terminal: the CLI's text output and the console (issue 11 §7).
//!
//! Nothing is dropped silently; every character that could move the cursor, change colours, set the
//! window title (ANSI CSI / OSC, which all start with ESC or a C1 control) or reorder the text (bidi
//! overrides and isolates, Trojan-Source style) is shown *visibly* instead:
//! - C0 controls U+0000–U+001F become the Control Pictures U+2400–U+241F (ESC → `␛`), DEL → `␡`;
//! - C1 controls U+0080–U+009F, bidi controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069),
//!   invisible separators (U+2028, U+2029) and the BOM / zero-width no-break space U+FEFF become
//!   `⟨U+XXXX⟩`.
//!
//! `--json` output keeps exact values (JSON escapes controls itself); only text meant for a terminal
//! goes through here. Pure: no I/O.

use std::borrow::Cow;

/// True for a character that must not reach a terminal as itself.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{2028}'
        | '\u{2029}'
        | '\u{feff}')
}

/// One visible character for `c` (for a terminal cell, where the text form would not fit): C0 → its
/// Control Picture, DEL → `␡`, any other unsafe character → `�`; safe characters unchanged.
pub fn visible_char(c: char) -> char {
    match c {
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
        '\u{7f}' => '\u{2421}',
        c if is_unsafe(c) => '\u{fffd}',
        c => c,
    }
}

fn push_visible(out: &mut String, c: char) {
    match c {
        '\u{0}'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}')),
        '\u{7f}' => out.push('\u{2421}'),
        _ => out.push_str(&format!("\u{27e8}U+{:04X}\u{27e9}", c as u32)),
    }
}

/// `s` safe for one line of a terminal: every [`is_unsafe`] character shown visibly (newlines and tabs
/// included). Borrowed when nothing had to change.
pub fn clean(s: &str) -> Cow<'_, str> {
    clean_keeping(s, &[])
}

/// Like [`clean`], keeping line feeds and tabs (multi-line text the CLI prints itself, e.g. an
/// incident's log or a whole formatted table).
pub fn clean_lines(s: &str) -> Cow<'_, str> {
    clean_keeping(s, &['\n', '\t'])
}

fn clean_keeping<'a>(s: &'a str, keep: &[char]) -> Cow<'a, str> {
    if !s.chars().any(|c| is_unsafe(c) && !keep.contains(&c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_unsafe(c) && !keep.contains(&c) {
            push_visible(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_bidi_are_shown_not_obeyed() {
        let hostile = "scan\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}fdp.exe\u{9b}31m";
        let c = clean(hostile);
        assert!(!c.chars().any(is_unsafe), "{c}");
        assert!(
            c.contains('␛') && c.contains("⟨U+202E⟩") && c.contains("⟨U+009B⟩"),
            "{c}"
        );
        assert!(c.contains("pwned"), "nothing is dropped: {c}");
    }

    #[test]
    fn plain_text_is_untouched_and_lines_keep_newlines() {
        assert!(matches!(
            clean("Surat Rahasia — Ħ ü 日本"),
            Cow::Borrowed(_)
        ));
        assert_eq!(clean_lines("a\nb\tc\u{1b}"), "a\nb\tc␛");
        assert_eq!(clean("a\nb"), "a␊b");
    }
}
