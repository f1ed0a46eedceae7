//! Page images for the console's preview (issue 15): one page of an entry's file as a small grey PNG.
//!
//! Runs in the analysis child (`kasa __halaman FILE PAGE WIDTH HEIGHT`, [`child_main`]) under the
//! same limits as the text analysis ([`super::extract::run_child_raw`]): CPU, address space, wall
//! clock, own process group. The file is untrusted (a scan from the drop folder):
//! - PDF pages are rendered by `pdftoppm` (poppler-utils) at the width asked, in grey;
//! - TIFF pages (multi-page, CCITT G4 fax, LZW, Deflate, JPEG) are decoded by the `tiff` crate;
//! - JPEG and PNG by the `image` crate.
//!
//! Every image's declared size is checked against the OCR limits ([`super::ocr::check_size`])
//! before a decoder sees it, so a PNG declaring 60000×60000 pixels is refused with a note instead
//! of exhausting memory. The result is fitted into `WIDTH×HEIGHT` (at most [`MAKS_LEBAR`] ×
//! [`MAKS_TINGGI`]) keeping the aspect ratio.
//!
//! Child output on stdout: one line `kasa-halaman JUMLAH LEBAR TINGGI\n` (page count of the file,
//! size of the image), then the PNG bytes. A refusal exits 3 with its note (Indonesian / English) on
//! stderr.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use image::{GrayImage, ImageFormat};

use super::extract::{ExtractError, Limits, run_child_raw};
use super::sniff::{FileKind, sniff};

/// The widest page image the child makes, in pixels.
pub const MAKS_LEBAR: u32 = 1600;
/// The tallest page image the child makes, in pixels.
pub const MAKS_TINGGI: u32 = 2300;

/// First line of the child's stdout.
const MAGIC: &str = "kasa-halaman";

/// One rendered page.
#[derive(Debug, Clone)]
pub struct Halaman {
    /// Pages in the file (1 for a JPEG/PNG).
    pub jumlah: u32,
    pub lebar: u32,
    pub tinggi: u32,
    /// Grey PNG, `lebar`×`tinggi`.
    pub png: Vec<u8>,
}

/// Child entry point: renders page `halaman` (1-based) of `path` into at most `lebar`×`tinggi`
/// pixels and writes it to stdout. Exit 0 on success, 3 with the note on stderr on refusal.
pub fn child_main(path: &Path, halaman: u32, lebar: u32, tinggi: u32) -> i32 {
    match render(path, halaman, lebar, tinggi) {
        Ok((jumlah, img)) => {
            let mut png = Vec::new();
            if let Err(e) = img.write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png) {
                eprintln!("PNG: {e}");
                return 3;
            }
            let mut out = std::io::stdout().lock();
            let head = format!("{MAGIC} {jumlah} {} {}\n", img.width(), img.height());
            if out.write_all(head.as_bytes()).is_err() || out.write_all(&png).is_err() {
                return 3;
            }
            let _ = out.flush();
            0
        }
        Err(msg) => {
            eprintln!("{msg}");
            3
        }
    }
}

/// Runs [`child_main`] as `exe __halaman …` under `limits`.
///
/// # Errors
/// [`ExtractError::Crashed`] with the child's note in `stderr` when the page cannot be shown (the
/// caller shows that note), [`ExtractError::Timeout`], [`ExtractError::BadOutput`] for output that is
/// not a page image.
pub fn render_in_child(
    exe: &Path,
    path: &Path,
    halaman: u32,
    lebar: u32,
    tinggi: u32,
    limits: &Limits,
) -> Result<Halaman, ExtractError> {
    let mut cmd = Command::new(exe);
    cmd.arg("__halaman")
        .arg(path)
        .arg(halaman.to_string())
        .arg(lebar.to_string())
        .arg(tinggi.to_string());
    let out = run_child_raw(cmd, limits, None)?;
    parse_child_output(&out).ok_or_else(|| ExtractError::BadOutput("bukan gambar halaman".into()))
}

/// Parses the child's stdout (see the module doc); `None` when it is not a page image.
pub fn parse_child_output(out: &[u8]) -> Option<Halaman> {
    let nl = out.iter().position(|&b| b == b'\n')?;
    let head = std::str::from_utf8(&out[..nl]).ok()?;
    let mut it = head.split(' ');
    if it.next()? != MAGIC {
        return None;
    }
    let jumlah = it.next()?.parse().ok()?;
    let lebar = it.next()?.parse().ok()?;
    let tinggi = it.next()?.parse().ok()?;
    let png = out[nl + 1..].to_vec();
    png.starts_with(b"\x89PNG").then_some(Halaman {
        jumlah,
        lebar,
        tinggi,
        png,
    })
}

/// The page and the file's page count, fitted into `lebar`×`tinggi`.
fn render(path: &Path, halaman: u32, lebar: u32, tinggi: u32) -> Result<(u32, GrayImage), String> {
    let lebar = lebar.clamp(16, MAKS_LEBAR);
    let tinggi = tinggi.clamp(16, MAKS_TINGGI);
    let data =
        std::fs::read(path).map_err(|e| format!("berkas tidak terbaca / unreadable: {e}"))?;
    let halaman = halaman.max(1);
    let (jumlah, img) = match sniff(&data[..data.len().min(4096)]) {
        Some(FileKind::Pdf) => pdf_page(path, &data, halaman, lebar)?,
        Some(FileKind::Tiff) => tiff_page(&data, halaman)?,
        Some(FileKind::Jpeg) | Some(FileKind::Png) => {
            checked_sizes(&data)?;
            let img = image::load_from_memory(&data).map_err(|e| {
                format!(
                    "gambar rusak, tidak dapat ditampilkan / broken image, cannot be shown: {e}"
                )
            })?;
            (1, img.to_luma8())
        }
        _ => {
            return Err(
                "tidak ada pratinjau untuk jenis berkas ini; simpan lampirannya dengan `e` / no preview for this kind of file"
                    .into(),
            );
        }
    };
    if halaman > jumlah {
        return Err(format!(
            "halaman {halaman} tidak ada: berkas ini {jumlah} halaman / page {halaman} does not exist: the file has {jumlah} page(s)"
        ));
    }
    Ok((jumlah, fit(img, lebar, tinggi)))
}

/// Every declared image size within the OCR limits.
fn checked_sizes(data: &[u8]) -> Result<Vec<(u64, u64)>, String> {
    let sizes = super::ocr::declared_sizes(data)?;
    for &(w, h) in &sizes {
        super::ocr::check_size(w, h)?;
    }
    Ok(sizes)
}

/// Scales `img` down (never up) to fit `lebar`×`tinggi`.
fn fit(img: GrayImage, lebar: u32, tinggi: u32) -> GrayImage {
    let (w, h) = img.dimensions();
    if w <= lebar && h <= tinggi {
        return img;
    }
    let s = (f64::from(lebar) / f64::from(w)).min(f64::from(tinggi) / f64::from(h));
    let nw = ((f64::from(w) * s).round() as u32).max(1);
    let nh = ((f64::from(h) * s).round() as u32).max(1);
    image::imageops::resize(&img, nw, nh, image::imageops::FilterType::Triangle)
}

/// Page `halaman` of a PDF rendered by pdftoppm at `lebar` pixels wide.
fn pdf_page(
    path: &Path,
    data: &[u8],
    halaman: u32,
    lebar: u32,
) -> Result<(u32, GrayImage), String> {
    let jumlah = lopdf::Document::load_mem(data)
        .map(|d| d.get_pages().len() as u32)
        .map_err(|e| format!("PDF tidak terbaca / unreadable PDF: {e}"))?;
    if halaman > jumlah {
        return Ok((jumlah, GrayImage::new(1, 1)));
    }
    let out = Command::new("pdftoppm")
        .args(["-f", &halaman.to_string(), "-l", &halaman.to_string()])
        .args(["-gray", "-png", "-scale-to-x", &lebar.to_string()])
        .args(["-scale-to-y", "-1"])
        .arg(path)
        .output()
        .map_err(|e| {
            format!(
                "pdftoppm tidak dapat dijalankan ({e}); pasang dengan `apt-get install poppler-utils` / pdftoppm cannot run: install poppler-utils"
            )
        })?;
    if !out.status.success() {
        return Err(format!(
            "pdftoppm gagal membuat gambar halaman / pdftoppm failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let img = image::load_from_memory_with_format(&out.stdout, ImageFormat::Png)
        .map_err(|e| format!("keluaran pdftoppm tidak terbaca / bad pdftoppm output: {e}"))?;
    Ok((jumlah, img.to_luma8()))
}

/// Page `halaman` of a TIFF (every IFD is a page), grey.
fn tiff_page(data: &[u8], halaman: u32) -> Result<(u32, GrayImage), String> {
    use tiff::decoder::{Decoder, DecodingResult};
    use tiff::tags::{PhotometricInterpretation, Tag};
    let sizes = checked_sizes(data)?;
    let jumlah = sizes.len().max(1) as u32;
    if halaman > jumlah {
        return Ok((jumlah, GrayImage::new(1, 1)));
    }
    let broken = |e: tiff::TiffError| {
        format!("TIFF rusak, tidak dapat ditampilkan / broken TIFF, cannot be shown: {e}")
    };
    let mut dec = Decoder::new(std::io::Cursor::new(data)).map_err(broken)?;
    dec.seek_to_image(halaman as usize - 1).map_err(broken)?;
    let (w, h) = dec.dimensions().map_err(broken)?;
    let bits = dec
        .find_tag(Tag::BitsPerSample)
        .ok()
        .flatten()
        .and_then(|v| v.into_u16().ok())
        .unwrap_or(8);
    let spp = dec
        .find_tag(Tag::SamplesPerPixel)
        .ok()
        .flatten()
        .and_then(|v| v.into_u16().ok())
        .unwrap_or(1)
        .max(1) as usize;
    let white_is_zero = dec
        .find_tag(Tag::PhotometricInterpretation)
        .ok()
        .flatten()
        .and_then(|v| v.into_u16().ok())
        == Some(PhotometricInterpretation::WhiteIsZero.to_u16());
    let buf = match dec.read_image().map_err(broken)? {
        DecodingResult::U8(b) => b,
        DecodingResult::U16(b) => b.into_iter().map(|v| (v >> 8) as u8).collect(),
        _ => return Err("TIFF dengan jenis sampel ini belum didukung pratinjau / TIFF sample type not supported".into()),
    };
    let (w, h) = (w as usize, h as usize);
    let mut grey = vec![0u8; w * h];
    if bits == 1 {
        // Packed rows, each padded to a whole byte.
        let row = w.div_ceil(8);
        for y in 0..h {
            for x in 0..w {
                let byte = buf.get(y * row + x / 8).copied().unwrap_or(0);
                let bit = (byte >> (7 - (x % 8))) & 1;
                grey[y * w + x] = if bit == 1 { 255 } else { 0 };
            }
        }
    } else {
        for (i, g) in grey.iter_mut().enumerate() {
            // The first sample of each pixel (grey, or red of RGB: enough for a preview).
            *g = buf.get(i * spp).copied().unwrap_or(0);
        }
    }
    if white_is_zero {
        for g in &mut grey {
            *g = 255 - *g;
        }
    }
    let img = GrayImage::from_raw(w as u32, h as u32, grey)
        .ok_or_else(|| "TIFF: ukuran tidak cocok / size mismatch".to_string())?;
    Ok((jumlah, img))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_parses_only_with_the_magic_line_and_a_png() {
        let mut out = b"kasa-halaman 3 100 141\n".to_vec();
        out.extend_from_slice(b"\x89PNG\r\n\x1a\n rest");
        let h = parse_child_output(&out).unwrap();
        assert_eq!((h.jumlah, h.lebar, h.tinggi), (3, 100, 141));
        assert!(parse_child_output(b"kasa-halaman 3 100 141\nGIF89a").is_none());
        assert!(parse_child_output(b"other 3 100 141\n\x89PNG").is_none());
    }

    #[test]
    fn fit_keeps_the_aspect_and_never_enlarges() {
        let img = GrayImage::new(1654, 2339);
        let f = fit(img, 400, 1000);
        assert_eq!(f.width(), 400);
        assert_eq!(f.height(), 566);
        let small = fit(GrayImage::new(100, 50), 400, 1000);
        assert_eq!(small.dimensions(), (100, 50));
    }
}
