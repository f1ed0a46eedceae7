//! The document layer: one model of the documents people sign (kop surat, titles, headings,
//! paragraphs, label–value fields, boxed tables with repeated header rows, signature blocks, TLP
//! marking), rendered to PDF ([`pdf`], krilla with embedded subset DejaVu fonts) and to Markdown
//! ([`markdown`]) from the same value, and written 0600 with `O_EXCL` ([`tulis`]).
//!
//! The model is pure data: domain report builders (`domain::dokumen`, `domain::monev`,
//! `domain::disposisi`, `domain::insiden`) produce a [`Dokumen`], the CLI renders and writes it.
//! DESIGN §12; issue 20.

pub mod markdown;
pub mod pdf;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Paper size. F4 (Folio, 215 × 330 mm) is the usual paper of Indonesian naskah dinas; A5 is the
/// lembar disposisi.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Ukuran {
    /// 215 × 330 mm.
    F4,
    /// 210 × 297 mm.
    #[default]
    A4,
    /// 148 × 210 mm.
    A5,
}

impl Ukuran {
    /// Width and height in PDF points (1/72 in), portrait.
    pub fn pt(self) -> (f32, f32) {
        let mm = |v: f32| v * 72.0 / 25.4;
        match self {
            Ukuran::F4 => (mm(215.0), mm(330.0)),
            Ukuran::A4 => (mm(210.0), mm(297.0)),
            Ukuran::A5 => (mm(148.0), mm(210.0)),
        }
    }

    /// Parses `f4`, `folio`, `a4`, `a5` (case-insensitive).
    pub fn parse(s: &str) -> Result<Ukuran, String> {
        match s.trim().to_lowercase().as_str() {
            "f4" | "folio" => Ok(Ukuran::F4),
            "a4" => Ok(Ukuran::A4),
            "a5" => Ok(Ukuran::A5),
            _ => Err(format!(
                "ukuran kertas '{s}' tidak dikenal: pilih f4 (folio), a4 atau a5"
            )),
        }
    }
}

/// The office's letterhead (*kop surat*), configured once in `node.toml` under `[kop]`:
///
/// ```toml
/// [kop]
/// pemerintah = "PEMERINTAH KABUPATEN JEMBRANA"
/// dinas = "DINAS KOMUNIKASI DAN INFORMATIKA"
/// alamat = "Jalan Surapati Nomor 1 (0365) 41210 Negara"
/// tempat = "Negara"
/// ```
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct KopSurat {
    /// First line, e.g. `PEMERINTAH KABUPATEN JEMBRANA`.
    pub pemerintah: String,
    /// Second line (the office), e.g. `DINAS KOMUNIKASI DAN INFORMATIKA`.
    pub dinas: String,
    /// Address, telephone, postcode, town: one line.
    pub alamat: String,
    /// Optional further line (e-mail, website).
    pub kontak: String,
    /// Town written before the date of a signature (`Negara, 22 April 2021`).
    pub tempat: String,
}

impl KopSurat {
    /// The letterhead when `node.toml` has no `[kop]`: the node's name as the office line, and a
    /// marked blank for the rest so nobody mistakes it for a configured letterhead.
    pub fn bawaan(node_name: &str) -> KopSurat {
        KopSurat {
            pemerintah: String::new(),
            dinas: node_name.to_uppercase(),
            alamat: "[kop surat belum diatur di node.toml]".into(),
            kontak: String::new(),
            tempat: String::new(),
        }
    }

    /// The office name used in running headers: `dinas` (or `pemerintah` if empty).
    pub fn nama(&self) -> &str {
        if self.dinas.is_empty() {
            &self.pemerintah
        } else {
            &self.dinas
        }
    }
}

/// Horizontal alignment of a cell or line.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rata {
    #[default]
    Kiri,
    Tengah,
    Kanan,
}

/// One table cell.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Sel {
    /// Text; `\n` breaks the line.
    pub teks: String,
    /// Columns covered (≥ 1).
    pub span: u16,
    pub tebal: bool,
    pub rata: Rata,
    /// The cell continues into the row below (row span): no border under it, and the cell below in
    /// the same column is left empty.
    pub gabung_bawah: bool,
    /// Minimum height in points (paraf spaces, signature boxes); 0 = by content.
    pub tinggi_min: f32,
}

impl Sel {
    /// A plain left-aligned cell.
    pub fn new(teks: impl Into<String>) -> Sel {
        Sel {
            teks: teks.into(),
            span: 1,
            ..Sel::default()
        }
    }
    /// Bold.
    pub fn tebal(mut self) -> Sel {
        self.tebal = true;
        self
    }
    /// Centred.
    pub fn tengah(mut self) -> Sel {
        self.rata = Rata::Tengah;
        self
    }
    /// Right-aligned (numbers).
    pub fn kanan(mut self) -> Sel {
        self.rata = Rata::Kanan;
        self
    }
    /// Spanning `n` columns.
    pub fn span(mut self, n: u16) -> Sel {
        self.span = n.max(1);
        self
    }
    /// Row-spanning into the next row.
    pub fn gabung_bawah(mut self) -> Sel {
        self.gabung_bawah = true;
        self
    }
    /// At least `pt` points high.
    pub fn tinggi(mut self, pt: f32) -> Sel {
        self.tinggi_min = pt;
        self
    }
}

/// A bordered table. Header rows are repeated at the top of every page the table continues on.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Tabel {
    /// Relative column widths (any positive numbers; scaled to the text width).
    pub lebar: Vec<f32>,
    /// Header rows (bold, shaded), repeated after a page break.
    pub kepala: Vec<Vec<Sel>>,
    pub baris: Vec<Vec<Sel>>,
    /// Font size relative to the body size (1.0 = body).
    pub skala: f32,
}

impl Tabel {
    /// A table with one header row of bold centred labels.
    pub fn new(lebar: &[f32], kepala: &[&str]) -> Tabel {
        Tabel {
            lebar: lebar.to_vec(),
            kepala: vec![
                kepala
                    .iter()
                    .map(|h| Sel::new(*h).tebal().tengah())
                    .collect(),
            ],
            baris: Vec::new(),
            skala: 1.0,
        }
    }
    /// Appends a row of plain cells.
    pub fn baris(&mut self, cells: Vec<String>) {
        self.baris.push(cells.into_iter().map(Sel::new).collect());
    }
    /// The column labels for a one-row header (Markdown, CSV): each column named by the header cells
    /// above it, top to bottom, joined with a space.
    pub fn label_kolom(&self) -> Vec<String> {
        let n = self.lebar.len();
        let mut out = vec![String::new(); n];
        for row in &self.kepala {
            let mut c = 0;
            for s in row {
                let end = (c + s.span as usize).min(n);
                for o in out.iter_mut().take(end).skip(c) {
                    let t = s.teks.replace('\n', " ");
                    if !t.trim().is_empty() && !o.ends_with(t.trim()) {
                        if !o.is_empty() {
                            o.push(' ');
                        }
                        o.push_str(t.trim());
                    }
                }
                c += s.span as usize;
            }
        }
        out
    }
}

/// One signer: `Negara, 22 April 2021` / jabatan / (space) / nama / NIP.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct Penanda {
    /// Line above the jabatan, e.g. `Negara, 22 April 2021` or `Pihak Pertama`.
    pub atas: String,
    pub jabatan: String,
    /// Name; empty prints a dotted line to be filled by hand.
    pub nama: String,
    /// NIP; empty prints `NIP. ..........`.
    pub nip: String,
}

/// Blocks of a document, laid out top to bottom.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum Blok {
    /// Centred bold title, with an optional centred line under it (e.g. `Nomor: …`).
    Judul {
        teks: String,
        sub: Vec<String>,
    },
    /// Bold section heading.
    Subjudul(String),
    /// Justified-left paragraph; `\n` breaks the line.
    Paragraf(String),
    /// Label–value lines with aligned colons (`Nomor agenda : 37/2026`).
    Isian(Vec<(String, String)>),
    /// A numbered list (`1.`, `2.` …).
    Daftar(Vec<String>),
    Tabel(Tabel),
    /// Signature columns side by side (one, two or three signers).
    Tandatangan(Vec<Penanda>),
    /// Vertical space in points.
    Jarak(f32),
    /// A marked blank: what kasa cannot know, to be filled by hand (printed in italics-like brackets).
    Kosong(String),
    /// Start a new page.
    HalamanBaru,
}

/// A document: page size, letterhead, TLP marking and blocks.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Dokumen {
    /// Title for the PDF metadata and the page footer (`Laporan Insiden #7`).
    pub judul: String,
    pub ukuran: Ukuran,
    /// Letterhead on the first page; its office name runs in the header of later pages.
    pub kop: Option<KopSurat>,
    /// TLP marking (`TLP:RED`, `TLP:AMBER`, `TLP:GREEN`, `TLP:CLEAR`), in the header and footer of
    /// every page when set.
    pub tlp: Option<String>,
    /// Body font size in points (A5 forms 8.5, A4/F4 10).
    pub huruf: f32,
    pub blok: Vec<Blok>,
}

impl Dokumen {
    /// An empty document of `ukuran` with the body size that suits it.
    pub fn new(judul: impl Into<String>, ukuran: Ukuran, kop: Option<KopSurat>) -> Dokumen {
        Dokumen {
            judul: judul.into(),
            ukuran,
            kop,
            tlp: None,
            huruf: if ukuran == Ukuran::A5 { 8.5 } else { 10.0 },
            blok: Vec::new(),
        }
    }
    /// Appends a block.
    pub fn push(&mut self, b: Blok) -> &mut Self {
        self.blok.push(b);
        self
    }
}

/// The text put where kasa cannot know a value: `[diisi manual]`.
pub const KOSONG: &str = "[diisi manual]";

/// Writes `bytes` to a new file `path` with mode 0600 (set explicitly, whatever the umask),
/// `O_CREAT|O_EXCL|O_NOFOLLOW`, then fsyncs it. An existing file is never overwritten: the error
/// names the path and says to choose another name or remove the old file.
pub fn tulis(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut f = crate::crypto::fsutil::create_new_private(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!(
                "{}: berkas sudah ada; dokumen tidak ditimpa — pilih nama atau folder lain, atau hapus berkas lama",
                path.display()
            )
        } else {
            format!("{}: {e}", path.display())
        }
    })?;
    let res = (|| -> std::io::Result<()> {
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    res.map_err(|e| format!("{}: {e}", path.display()))
}

/// Indonesian date `22 April 2021`.
pub fn tanggal(d: jiff::civil::Date) -> String {
    const BULAN: [&str; 12] = crate::domain::calendar::NAMA_BULAN;
    format!(
        "{} {} {}",
        d.day(),
        BULAN[(d.month() as usize).saturating_sub(1) % 12],
        d.year()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_labels_join_spanned_header_rows() {
        let t = Tabel {
            lebar: vec![1.0, 4.0, 1.0, 1.0, 1.0],
            kepala: vec![
                vec![
                    Sel::new("No").gabung_bawah(),
                    Sel::new("Nama").gabung_bawah(),
                    Sel::new("Jml").gabung_bawah(),
                    Sel::new("Kondisi Fungsional").span(2),
                ],
                vec![
                    Sel::new(""),
                    Sel::new(""),
                    Sel::new(""),
                    Sel::new("Baik"),
                    Sel::new("Rusak"),
                ],
            ],
            baris: vec![],
            skala: 1.0,
        };
        assert_eq!(
            t.label_kolom(),
            [
                "No",
                "Nama",
                "Jml",
                "Kondisi Fungsional Baik",
                "Kondisi Fungsional Rusak"
            ]
        );
    }

    #[test]
    fn sizes_and_dates() {
        let (w, h) = Ukuran::A5.pt();
        assert!((w - 419.5).abs() < 0.1 && (h - 595.3).abs() < 0.1);
        assert_eq!(Ukuran::parse("Folio").unwrap(), Ukuran::F4);
        assert!(Ukuran::parse("b5").unwrap_err().contains("f4"));
        assert_eq!(tanggal(jiff::civil::date(2021, 4, 22)), "22 April 2021");
    }
}
