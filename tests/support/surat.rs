//! Test support (issue 15): the OCR corpus. Letters described in `tests/data/ocr-corpus/*.toml`
//! (layout and ground truth) are rendered as born-digital PDFs with kasa's own PDF layer
//! (`kasa::doc::pdf::render_tata`, krilla, embedded DejaVu) and turned into scans: 150 dpi gray with
//! skew and noise (wrapped in an image-only PDF, or a PNG), 200 dpi bilevel with skew and speckles
//! (an uncompressed 1-bit TIFF, the fax case; a CCITT G4 encoder is not needed for tesseract).
//! Pages are rasterised with `pdftoppm` (poppler-utils). Nothing here is kept in git but the TOML.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use kasa::doc::pdf::{Bagian, Halaman, Op, Tata, render_tata};
use serde::Deserialize;

pub const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/ocr-corpus");

#[derive(Deserialize, Debug, Clone)]
pub struct Spec {
    pub tata: Gaya,
    pub surat: Surat,
    pub harapan: Harapan,
}

/// Layout choices.
#[derive(Deserialize, Debug, Clone)]
pub struct Gaya {
    /// `atas` (top right, above the labels), `sebaris` (on the Nomor row), `bawah` (above the signature).
    pub tanggal: String,
    /// `kanan` (a Kepada block beside the labels) or `bawah` (under the labels, on the left).
    pub kepada: String,
    /// `kepada_yth` ("Kepada Yth." then the names) or `yth` ("Kepada" then "Yth. name").
    pub gaya_kepada: String,
    pub titik_dua: bool,
    pub label_nomor: String,
    /// `Klasifikasi` or `Sifat`: the label the klasifikasi is written under.
    pub label_klasifikasi: String,
    pub tabel: bool,
    /// Line pitch as a multiple of the font size.
    pub jarak: f32,
}

#[derive(Deserialize, Debug, Clone)]
pub struct Surat {
    pub kop: Vec<String>,
    pub tempat_tanggal: String,
    pub nomor: String,
    pub sifat: Option<String>,
    pub klasifikasi: String,
    pub lampiran: String,
    pub hal: Vec<String>,
    pub kepada: Vec<String>,
    pub di: String,
    pub isi: Vec<String>,
    pub penanda: Vec<String>,
}

/// The suggestions the letter must give (absent = no suggestion).
#[derive(Deserialize, Debug, Clone, Default)]
pub struct Harapan {
    pub nomor: Option<String>,
    pub klasifikasi: Option<String>,
    pub sifat: Option<String>,
    pub lampiran: Option<String>,
    pub hal: Option<String>,
    pub yth: Option<String>,
    pub tempat_tanggal: Option<String>,
}

/// Every letter of the corpus, by file stem, in name order.
pub fn corpus() -> Vec<(String, Spec)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(CORPUS)
        .expect("tests/data/ocr-corpus")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let spec: Spec = toml::from_str(&std::fs::read_to_string(p).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.file_stem().unwrap().to_string_lossy().into_owned(), spec)
        })
        .collect()
}

const SIZE: f32 = 10.0;
const KIRI: f32 = 60.0;
const TITIK: f32 = 122.0;
const NILAI: f32 = 130.0;
const KANAN: f32 = 340.0;

fn teks(ops: &mut Vec<(Bagian, Op)>, x: f32, y: f32, bold: bool, s: &str) {
    ops.push((
        Bagian::Badan,
        Op::Teks {
            x,
            y,
            size: SIZE,
            bold,
            warna: (0, 0, 0),
            s: s.to_string(),
        },
    ));
}

fn garis(ops: &mut Vec<(Bagian, Op)>, x1: f32, y1: f32, x2: f32, y2: f32) {
    ops.push((
        Bagian::Badan,
        Op::Garis {
            x1,
            y1,
            x2,
            y2,
            w: 0.8,
        },
    ));
}

/// Greedy word wrap at `width` characters.
fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    for w in s.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + w.len() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(w);
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

/// The letter as one A4 page of positioned text.
pub fn tata(spec: &Spec) -> Tata {
    let g = &spec.tata;
    let s = &spec.surat;
    let pitch = SIZE * g.jarak;
    let mut ops = Vec::new();
    let mut y = 60.0;
    for (i, k) in s.kop.iter().enumerate() {
        let w = k.chars().count() as f32 * SIZE * if i < 2 { 0.62 } else { 0.5 };
        teks(&mut ops, ((595.0 - w) / 2.0).max(KIRI), y, i < 2, k);
        y += pitch;
    }
    garis(&mut ops, KIRI, y - pitch * 0.4, 540.0, y - pitch * 0.4);
    y += pitch;
    if g.tanggal == "atas" {
        teks(&mut ops, KANAN, y, false, &s.tempat_tanggal);
        y += pitch * 2.0;
    }
    // The label block.
    let mut rows: Vec<(String, String)> = vec![(g.label_nomor.clone(), s.nomor.clone())];
    if g.label_klasifikasi == "Klasifikasi"
        && let Some(sf) = &s.sifat
    {
        rows.push(("Sifat".into(), sf.clone()));
    }
    rows.push((g.label_klasifikasi.clone(), s.klasifikasi.clone()));
    rows.push(("Lampiran".into(), s.lampiran.clone()));
    rows.push(("Hal".into(), s.hal[0].clone()));
    let top = y;
    for (label, value) in &rows {
        teks(&mut ops, KIRI, y, false, label);
        if g.titik_dua {
            teks(&mut ops, TITIK, y, false, ":");
        }
        teks(&mut ops, NILAI, y, false, value);
        y += pitch;
    }
    for more in &s.hal[1..] {
        teks(&mut ops, NILAI, y, false, more);
        y += pitch;
    }
    if g.tanggal == "sebaris" {
        teks(&mut ops, KANAN, top, false, &s.tempat_tanggal);
    }
    // The addressee block.
    let mut kepada: Vec<String> = Vec::new();
    if g.gaya_kepada == "kepada_yth" {
        kepada.push("Kepada Yth.".into());
        kepada.extend(s.kepada.iter().cloned());
    } else {
        kepada.push("Kepada".into());
        kepada.push(format!("Yth. {}", s.kepada[0]));
        kepada.extend(s.kepada[1..].iter().cloned());
    }
    if s.di == "Tempat" {
        kepada.push("di -".into());
        kepada.push("     Tempat".into());
    } else {
        kepada.push(format!("di {}", s.di));
    }
    if g.kepada == "kanan" {
        let mut ky = if g.tanggal == "sebaris" {
            top + pitch * 2.0
        } else {
            top
        };
        for k in &kepada {
            teks(&mut ops, KANAN, ky, false, k.trim_start());
            ky += pitch;
        }
        y = y.max(ky);
    } else {
        y += pitch;
        for k in &kepada {
            teks(&mut ops, KIRI, y, false, k.trim_start());
            y += pitch;
        }
    }
    y += pitch;
    // The body.
    for (i, p) in s.isi.iter().enumerate() {
        for line in wrap(p, 92) {
            teks(
                &mut ops,
                if i == 0 { KIRI } else { KIRI + 20.0 },
                y,
                false,
                &line,
            );
            y += pitch;
        }
        y += pitch * 0.5;
        if i == 1 && g.tabel {
            let rows = [
                ["No", "Uraian", "Keterangan"],
                ["1", "Peralatan sandi", "Baik"],
                ["2", "Kunci sistem sandi", "Berlaku"],
                ["3", "Jaring komunikasi sandi", "Siap"],
            ];
            let xs = [KIRI, KIRI + 40.0, KIRI + 260.0, 540.0];
            let y0 = y - pitch * 0.8;
            for (r, cells) in rows.iter().enumerate() {
                for (c, cell) in cells.iter().enumerate() {
                    teks(&mut ops, xs[c] + 4.0, y, r == 0, cell);
                }
                y += pitch;
            }
            for r in 0..=rows.len() {
                let ly = y0 + r as f32 * pitch;
                garis(&mut ops, xs[0], ly, xs[3], ly);
            }
            for x in xs {
                garis(&mut ops, x, y0, x, y0 + rows.len() as f32 * pitch);
            }
            y += pitch * 0.5;
        }
    }
    y += pitch;
    if g.tanggal == "bawah" {
        teks(&mut ops, KANAN, y, false, &s.tempat_tanggal);
        y += pitch;
    }
    for (i, p) in s.penanda.iter().enumerate() {
        if i == 1 {
            y += pitch * 3.0;
        }
        teks(&mut ops, KANAN, y, i == 1, p);
        y += pitch;
    }
    Tata {
        lebar: 595.0,
        tinggi: 842.0,
        atas: 40.0,
        bawah: 800.0,
        halaman: vec![Halaman { ops }],
    }
}

/// The born-digital PDF of a letter.
pub fn pdf(spec: &Spec) -> Vec<u8> {
    render_tata(&tata(spec), "Surat korpus OCR").expect("render")
}

/// A gray image, one byte per pixel, row-major.
pub struct Gray {
    pub w: usize,
    pub h: usize,
    pub px: Vec<u8>,
}

/// Rasterises page 1 of `pdf` at `dpi` in gray with pdftoppm.
pub fn raster(pdf: &Path, dpi: u32) -> Gray {
    let out = pdf.with_extension(format!("r{dpi}"));
    let st = Command::new("pdftoppm")
        .args([
            "-gray",
            "-r",
            &dpi.to_string(),
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
        ])
        .arg(pdf)
        .arg(&out)
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(st.success());
    let pgm = std::fs::read(out.with_extension(format!("r{dpi}.pgm"))).unwrap();
    // P5 <w> <h> <max>\n<data>
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&pgm[start..at]).into_owned());
    }
    at += 1;
    assert_eq!(fields[0], "P5");
    let w: usize = fields[1].parse().unwrap();
    let h: usize = fields[2].parse().unwrap();
    Gray {
        w,
        h,
        px: pgm[at..at + w * h].to_vec(),
    }
}

/// A small deterministic generator (xorshift).
pub struct Acak(u64);

impl Acak {
    pub fn new(seed: u64) -> Acak {
        Acak(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// Rotates by `deg` degrees about the centre (bilinear, white outside), then adds noise of
/// amplitude `noise` (gray levels) and a light paper tint.
pub fn skew_noise(g: &Gray, deg: f32, noise: f32, rng: &mut Acak) -> Gray {
    let (s, c) = deg.to_radians().sin_cos();
    let (cx, cy) = (g.w as f32 / 2.0, g.h as f32 / 2.0);
    let mut px = vec![255u8; g.w * g.h];
    for y in 0..g.h {
        for x in 0..g.w {
            let dx = x as f32 - cx;
            let dy = y as f32 - cy;
            let sx = c * dx + s * dy + cx;
            let sy = -s * dx + c * dy + cy;
            let (x0, y0) = (sx.floor(), sy.floor());
            let (fx, fy) = (sx - x0, sy - y0);
            let at = |xx: f32, yy: f32| -> f32 {
                if xx < 0.0 || yy < 0.0 || xx >= g.w as f32 || yy >= g.h as f32 {
                    255.0
                } else {
                    f32::from(g.px[yy as usize * g.w + xx as usize])
                }
            };
            let v = at(x0, y0) * (1.0 - fx) * (1.0 - fy)
                + at(x0 + 1.0, y0) * fx * (1.0 - fy)
                + at(x0, y0 + 1.0) * (1.0 - fx) * fy
                + at(x0 + 1.0, y0 + 1.0) * fx * fy;
            let v = v * 0.94 + 8.0 + (rng.unit() - 0.5) * 2.0 * noise;
            px[y * g.w + x] = v.clamp(0.0, 255.0) as u8;
        }
    }
    Gray { w: g.w, h: g.h, px }
}

/// PNG (8-bit gray) with its resolution.
pub fn png(g: &Gray, dpi: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut e = png::Encoder::new(&mut out, g.w as u32, g.h as u32);
        e.set_color(png::ColorType::Grayscale);
        e.set_depth(png::BitDepth::Eight);
        let ppm = (dpi as f32 / 0.0254).round() as u32;
        e.set_pixel_dims(Some(png::PixelDimensions {
            xppu: ppm,
            yppu: ppm,
            unit: png::Unit::Meter,
        }));
        let mut w = e.write_header().unwrap();
        w.write_image_data(&g.px).unwrap();
    }
    out
}

/// An image-only PDF holding `g` (8-bit gray, Flate) on a page of the size it has at `dpi`.
pub fn image_pdf(g: &Gray, dpi: u32) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(&g.px).unwrap();
    let data = z.finish().unwrap();
    let (pw, ph) = (
        g.w as f32 * 72.0 / dpi as f32,
        g.h as f32 * 72.0 / dpi as f32,
    );
    let content = format!("q {pw:.2} 0 0 {ph:.2} 0 0 cm /Im0 Do Q");
    let mut pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    let mut obj = |pdf: &mut Vec<u8>, body: &[u8]| {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", offsets.len()).as_bytes());
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    };
    obj(&mut pdf, b"<< /Type /Catalog /Pages 2 0 R >>");
    obj(&mut pdf, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    obj(
        &mut pdf,
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw:.2} {ph:.2}] /Resources << /XObject << /Im0 5 0 R >> >> /Contents 4 0 R >>"
        )
        .as_bytes(),
    );
    obj(
        &mut pdf,
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len() + 1
        )
        .as_bytes(),
    );
    let mut im = format!(
        "<< /Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length {} >>\nstream\n",
        g.w,
        g.h,
        data.len()
    )
    .into_bytes();
    im.extend_from_slice(&data);
    im.extend_from_slice(b"\nendstream");
    obj(&mut pdf, &im);
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes(),
    );
    for o in &offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            offsets.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// Thresholds `g` at 150 with `speckle` of the pixels flipped, as an uncompressed 1-bit TIFF
/// (WhiteIsZero, one strip) at `dpi`.
pub fn bilevel_tiff(g: &Gray, dpi: u32, speckle: f32, rng: &mut Acak) -> Vec<u8> {
    let row = g.w.div_ceil(8);
    let mut bits = vec![0u8; row * g.h];
    for y in 0..g.h {
        for x in 0..g.w {
            let mut black = g.px[y * g.w + x] < 150;
            if rng.unit() < speckle {
                black = !black;
            }
            if black {
                bits[y * row + x / 8] |= 0x80 >> (x % 8);
            }
        }
    }
    let mut t = b"II*\0".to_vec();
    let entries: u16 = 11;
    let ifd = 8u32;
    let after_ifd = ifd + 2 + u32::from(entries) * 12 + 4;
    let res_at = after_ifd;
    let data_at = res_at + 16;
    t.extend_from_slice(&ifd.to_le_bytes());
    t.extend_from_slice(&entries.to_le_bytes());
    let entry = |t: &mut Vec<u8>, tag: u16, typ: u16, value: u32| {
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&typ.to_le_bytes());
        t.extend_from_slice(&1u32.to_le_bytes());
        t.extend_from_slice(&value.to_le_bytes());
    };
    entry(&mut t, 256, 4, g.w as u32);
    entry(&mut t, 257, 4, g.h as u32);
    entry(&mut t, 258, 3, 1);
    entry(&mut t, 259, 3, 1);
    entry(&mut t, 262, 3, 0);
    entry(&mut t, 273, 4, data_at);
    entry(&mut t, 277, 3, 1);
    entry(&mut t, 278, 4, g.h as u32);
    entry(&mut t, 279, 4, bits.len() as u32);
    entry(&mut t, 282, 5, res_at);
    entry(&mut t, 283, 5, res_at + 8);
    t.extend_from_slice(&0u32.to_le_bytes());
    for _ in 0..2 {
        t.extend_from_slice(&dpi.to_le_bytes());
        t.extend_from_slice(&1u32.to_le_bytes());
    }
    t.extend_from_slice(&bits);
    t
}

/// What kind of scan letter `i` (from 0) becomes: even letters 150 dpi gray (every other one in a
/// PDF, the rest PNG), odd letters 200 dpi bilevel TIFF.
pub fn scan_kind(i: usize) -> &'static str {
    match i % 4 {
        0 => "pdf-gray150",
        2 => "png-gray150",
        _ => "tiff-bilevel200",
    }
}

/// Writes the scan of letter `i` into `dir` and returns its path. `born` is its born-digital PDF.
pub fn scan(i: usize, born: &Path, dir: &Path) -> PathBuf {
    let mut rng = Acak::new(i as u64 + 1);
    let deg = (rng.unit() - 0.5) * 3.0; // ±1.5°
    match scan_kind(i) {
        "tiff-bilevel200" => {
            let g = skew_noise(&raster(born, 200), deg, 20.0, &mut rng);
            let p = dir.join(format!("scan-{i:02}.tif"));
            std::fs::write(&p, bilevel_tiff(&g, 200, 0.002, &mut rng)).unwrap();
            p
        }
        kind => {
            let g = skew_noise(&raster(born, 150), deg, 40.0, &mut rng);
            if kind == "pdf-gray150" {
                let p = dir.join(format!("scan-{i:02}.pdf"));
                std::fs::write(&p, image_pdf(&g, 150)).unwrap();
                p
            } else {
                let p = dir.join(format!("scan-{i:02}.png"));
                std::fs::write(&p, png(&g, 150)).unwrap();
                p
            }
        }
    }
}
