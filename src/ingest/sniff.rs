//! Recognising the type of a dropped file by its magic bytes (DESIGN §3: "recognised type by magic
//! bytes (PDF, TIFF, JPEG, PNG, and `.kgm` kriptogram), PDF ends with `%%EOF`").
//!
//! Pure functions over byte slices: the caller reads the head (and, for PDFs, the tail) of the file.
//! File names and extensions are never trusted.

/// The start of the first line of a `.kgm` kriptogram container (see `crypto::kgm`): the line is
/// `KASA-KGM/<version digit>\n`. Every version is recognised here, so a file of a version this kasa
/// cannot read yet is refused by the container parser with that reason (update kasa), not as an
/// unknown file type.
pub const KGM_MAGIC: &[u8] = b"KASA-KGM/";

/// The first line of a binary age file (c2sp.org/age).
pub const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";
/// The first line of an ASCII-armored age file (after optional leading whitespace).
pub const AGE_ARMOR_MAGIC: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";

/// How many bytes of junk may precede `%PDF-` (PDF 1.7 Implementation note 13, Annex H.3: readers
/// accept the header anywhere in the first 1024 bytes). Also the size of the tail searched for
/// `%%EOF`.
pub const PDF_WINDOW: usize = 1024;

/// How many bytes of the head [`sniff`] needs at most to decide: the PDF window plus the header.
pub const HEAD_LEN: usize = PDF_WINDOW + 5;

/// The file types ingest accepts from the drop folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// A PDF document (`%PDF-` within the first 1024 bytes).
    Pdf,
    /// A TIFF image, possibly multi-page (`II*\0` little-endian or `MM\0*` big-endian).
    Tiff,
    /// A JPEG image (`FF D8 FF`).
    Jpeg,
    /// A PNG image (the 8-byte PNG signature).
    Png,
    /// A kasa kriptogram container (first line [`KGM_MAGIC`]).
    Kgm,
    /// A plain age file (first line [`AGE_MAGIC`], or [`AGE_ARMOR_MAGIC`] after optional leading
    /// whitespace): encrypted but without a sender signature.
    Age,
}

impl FileKind {
    /// The MIME type of this kind, e.g. `application/pdf`. A `.kgm` is
    /// `application/vnd.kasa.kgm` (a vendor type of this project).
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Tiff => "image/tiff",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Kgm => "application/vnd.kasa.kgm",
            FileKind::Age => "application/x-age-encryption",
        }
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Recognise a file by its first bytes.
///
/// `head` should be the first [`HEAD_LEN`] bytes of the file (fewer if the file is shorter). Returns
/// `None` for anything that is not one of the accepted kinds. The fixed-position magics (TIFF, JPEG,
/// PNG, KGM) are tested first; then `%PDF-` is searched in the first 1024 bytes.
pub fn sniff(head: &[u8]) -> Option<FileKind> {
    if head.starts_with(KGM_MAGIC)
        && head.get(KGM_MAGIC.len()).is_some_and(u8::is_ascii_digit)
        && head.get(KGM_MAGIC.len() + 1) == Some(&b'\n')
    {
        return Some(FileKind::Kgm);
    }
    if head.starts_with(AGE_MAGIC) || head.trim_ascii_start().starts_with(AGE_ARMOR_MAGIC) {
        return Some(FileKind::Age);
    }
    if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        return Some(FileKind::Tiff);
    }
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(FileKind::Jpeg);
    }
    if head.starts_with(PNG_SIGNATURE) {
        return Some(FileKind::Png);
    }
    if pdf_header_offset(head).is_some() {
        return Some(FileKind::Pdf);
    }
    None
}

/// The offset of `%PDF-` in `head`, if it starts within the first [`PDF_WINDOW`] bytes.
pub fn pdf_header_offset(head: &[u8]) -> Option<usize> {
    let window = &head[..head.len().min(HEAD_LEN)];
    find(window, b"%PDF-").filter(|&at| at <= PDF_WINDOW)
}

/// Whether a PDF's last bytes contain the `%%EOF` marker.
///
/// `tail` is the end of the file; only its last [`PDF_WINDOW`] bytes are searched (trailing
/// whitespace or junk after `%%EOF` is common and tolerated). A PDF without it is probably still
/// being written (DESIGN §3: a file is taken only when stable).
pub fn pdf_has_eof(tail: &[u8]) -> bool {
    let start = tail.len().saturating_sub(PDF_WINDOW);
    find(&tail[start..], b"%%EOF").is_some()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(FileKind::Pdf));
        assert_eq!(sniff(b"II*\0\x08\0\0\0"), Some(FileKind::Tiff));
        assert_eq!(sniff(b"MM\0*\0\0\0\x08"), Some(FileKind::Tiff));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(FileKind::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(FileKind::Png));
        assert_eq!(sniff(b"KASA-KGM/1\nrest"), Some(FileKind::Kgm));
        assert_eq!(sniff(b"KASA-KGM/2\nrest"), Some(FileKind::Kgm));
        assert_eq!(sniff(b"KASA-KGM/3\n"), Some(FileKind::Kgm));
        assert_eq!(
            sniff(b"age-encryption.org/v1\n-> X25519 a"),
            Some(FileKind::Age)
        );
        assert_eq!(
            sniff(b"\n  -----BEGIN AGE ENCRYPTED FILE-----\nYWdl"),
            Some(FileKind::Age)
        );
        assert_eq!(sniff(b"age-encryption.org/v2\n"), None);
    }

    #[test]
    fn near_misses_are_unknown() {
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"%PD"), None);
        assert_eq!(sniff(b"%PDF"), None);
        assert_eq!(sniff(b"II*"), None);
        assert_eq!(sniff(b"II\0*"), None);
        assert_eq!(sniff(&[0xFF, 0xD8]), None);
        assert_eq!(sniff(b"\x89PNG\r\n"), None);
        assert_eq!(sniff(b"KASA-KGM/x\n"), None);
        assert_eq!(sniff(b"KASA-KGM/12\n"), None);
        assert_eq!(sniff(b"KASA-KGM/1"), None);
        assert_eq!(sniff(b"hello world"), None);
    }

    #[test]
    fn pdf_header_after_junk() {
        let mut head = vec![b'x'; PDF_WINDOW];
        head.extend_from_slice(b"%PDF-1.4");
        assert_eq!(sniff(&head), Some(FileKind::Pdf));
        assert_eq!(pdf_header_offset(&head), Some(PDF_WINDOW));

        let mut late = vec![b'x'; PDF_WINDOW + 1];
        late.extend_from_slice(b"%PDF-1.4");
        assert_eq!(sniff(&late), None);
    }

    #[test]
    fn mime_types() {
        assert_eq!(FileKind::Pdf.mime(), "application/pdf");
        assert_eq!(FileKind::Tiff.mime(), "image/tiff");
        assert_eq!(FileKind::Jpeg.mime(), "image/jpeg");
        assert_eq!(FileKind::Png.mime(), "image/png");
        assert_eq!(FileKind::Kgm.mime(), "application/vnd.kasa.kgm");
    }

    #[test]
    fn eof_marker() {
        assert!(pdf_has_eof(b"...trailer\n%%EOF\n"));
        assert!(pdf_has_eof(b"%%EOF"));
        assert!(pdf_has_eof(b"%%EOF\r\n\0\0  "));
        assert!(!pdf_has_eof(b""));
        assert!(!pdf_has_eof(b"%%EO"));
        let mut far = b"%%EOF".to_vec();
        far.extend(std::iter::repeat_n(b' ', PDF_WINDOW));
        assert!(!pdf_has_eof(&far));
        let mut edge = b"%%EOF".to_vec();
        edge.extend(std::iter::repeat_n(b' ', PDF_WINDOW - 5));
        assert!(pdf_has_eof(&edge));
    }
}
