//! File type by magic bytes (placeholder until the extractor branch lands).

/// Magic line of a `.kgm` kriptogram container.
pub const KGM_MAGIC: &[u8] = b"KASA-KGM/1\n";

/// Recognised input types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Tiff,
    Jpeg,
    Png,
    Kgm,
}

impl FileKind {
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Tiff => "image/tiff",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Kgm => "application/x-kasa-kriptogram",
        }
    }
}

/// Sniffs the type from the first bytes.
pub fn sniff(head: &[u8]) -> Option<FileKind> {
    if head.starts_with(KGM_MAGIC) {
        Some(FileKind::Kgm)
    } else if head.windows(5).take(1024).any(|w| w == b"%PDF-") {
        Some(FileKind::Pdf)
    } else if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        Some(FileKind::Tiff)
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FileKind::Png)
    } else {
        None
    }
}

/// True when the last bytes of a PDF contain `%%EOF`.
pub fn pdf_has_eof(tail: &[u8]) -> bool {
    tail.windows(5).any(|w| w == b"%%EOF")
}
