//! PDF rendering of a [`Dokumen`] with krilla: DejaVu Sans Condensed (regular and bold, shipped in
//! `fonts/` with their licence) embedded as subsets, so every character — `✓`, `☑`, `→`, `é`, Greek,
//! Cyrillic — prints as itself and extracts back with `pdftotext`.
//!
//! Layout happens first ([`tata_letak`]: blocks → positioned text, lines and fills per page), then the
//! pages are drawn. Because the page count is known before drawing, every page carries
//! `hal. N / M`. The body lies between the header band (TLP, running office name) and the footer band
//! (title, TLP, page number); a line that would cross the body's bottom goes to the next page, so the
//! footer never overlaps text. Tables repeat their header rows after a page break.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::text::{Font, TextDirection};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use super::{Blok, Dokumen, Penanda, Rata, Sel, Tabel, Ukuran};

static REGULAR: &[u8] = include_bytes!("../../fonts/DejaVuSansCondensed.ttf");
static BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSansCondensed-Bold.ttf");

/// An RGB colour.
pub type Warna = (u8, u8, u8);

/// A positioned drawing operation, coordinates in points from the page's top-left corner.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Text with its baseline at `y`.
    Teks {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        warna: Warna,
        s: String,
    },
    /// A stroked line.
    Garis {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        w: f32,
    },
    /// A filled rectangle.
    Isi {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        warna: Warna,
    },
}

/// Where an op belongs: the body (bounded by the header and footer bands) or the page furniture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bagian {
    Badan,
    Kepala,
    Kaki,
}

/// One laid-out page.
#[derive(Debug, Clone, Default)]
pub struct Halaman {
    pub ops: Vec<(Bagian, Op)>,
}

/// The laid-out document: page size, the body's vertical bounds and the pages.
#[derive(Debug, Clone)]
pub struct Tata {
    pub lebar: f32,
    pub tinggi: f32,
    /// Top of the body area (below the header band).
    pub atas: f32,
    /// Bottom of the body area (above the footer band).
    pub bawah: f32,
    pub halaman: Vec<Halaman>,
}

struct Metrik {
    cmap: skrifa::charmap::Charmap<'static>,
    gm: skrifa::metrics::GlyphMetrics<'static>,
    upem: f32,
}

impl Metrik {
    fn new(data: &'static [u8]) -> Metrik {
        // The fonts are compiled in and known good; a failure here is a build defect.
        let f = FontRef::new(data).expect("embedded DejaVu font parses");
        let upem = f
            .metrics(Size::unscaled(), LocationRef::default())
            .units_per_em as f32;
        Metrik {
            cmap: f.charmap(),
            gm: f.glyph_metrics(Size::unscaled(), LocationRef::default()),
            upem,
        }
    }
    fn lebar(&self, s: &str, size: f32) -> f32 {
        s.chars()
            .map(|c| {
                let g = self.cmap.map(c).unwrap_or(skrifa::GlyphId::NOTDEF);
                self.gm.advance_width(g).unwrap_or(0.0)
            })
            .sum::<f32>()
            / self.upem
            * size
    }
}

struct Ukur {
    reg: Metrik,
    bold: Metrik,
}

impl Ukur {
    fn lebar(&self, s: &str, size: f32, bold: bool) -> f32 {
        if bold {
            self.bold.lebar(s, size)
        } else {
            self.reg.lebar(s, size)
        }
    }

    /// Greedy word wrap to `w` points; `\n` breaks; words (split at ASCII spaces only, so a no-break
    /// space U+00A0 glues, e.g. `☑\u{a0}Koordinasikan`) longer than a line are cut by character.
    fn bungkus(&self, teks: &str, w: f32, size: f32, bold: bool) -> Vec<String> {
        let mut out = Vec::new();
        for para in teks.split('\n') {
            let mut cur = String::new();
            for word in para.split([' ', '\t']).filter(|w| !w.is_empty()) {
                let cand = if cur.is_empty() {
                    word.to_string()
                } else {
                    format!("{cur} {word}")
                };
                if self.lebar(&cand, size, bold) <= w {
                    cur = cand;
                    continue;
                }
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                // The word alone: cut it if it is wider than the line.
                let mut piece = String::new();
                for c in word.chars() {
                    piece.push(c);
                    if self.lebar(&piece, size, bold) > w && piece.chars().count() > 1 {
                        piece.pop();
                        out.push(std::mem::take(&mut piece));
                        piece.push(c);
                    }
                }
                cur = piece;
            }
            out.push(cur);
        }
        out
    }
}

const HITAM: Warna = (0, 0, 0);
const ABU: Warna = (226, 226, 226);

/// Colours of a TLP label (FIRST TLP 2.0: coloured text on black).
fn warna_tlp(tlp: &str) -> Warna {
    let t = tlp.to_uppercase();
    if t.contains("RED") {
        (255, 43, 43)
    } else if t.contains("AMBER") {
        (255, 192, 0)
    } else if t.contains("GREEN") {
        (51, 255, 0)
    } else {
        (255, 255, 255)
    }
}

struct Penata<'a> {
    u: &'a Ukur,
    d: &'a Dokumen,
    kiri: f32,
    kanan: f32,
    atas: f32,
    bawah: f32,
    y: f32,
    halaman: Vec<Halaman>,
}

impl Penata<'_> {
    fn size(&self) -> f32 {
        self.d.huruf
    }
    fn lead(size: f32) -> f32 {
        size * 1.22
    }
    fn lebar_isi(&self) -> f32 {
        self.kanan - self.kiri
    }
    fn op(&mut self, op: Op) {
        if let Some(h) = self.halaman.last_mut() {
            h.ops.push((Bagian::Badan, op));
        }
    }
    fn halaman_baru(&mut self) {
        self.halaman.push(Halaman::default());
        self.y = self.atas;
    }
    fn sisa(&self) -> f32 {
        self.bawah - self.y
    }
    /// Makes room for `h` points, starting a new page when needed (unless at the top already).
    fn pastikan(&mut self, h: f32) {
        if self.y + h > self.bawah + 0.01 && self.y > self.atas + 0.01 {
            self.halaman_baru();
        }
    }
    fn teks(&mut self, x: f32, y_atas: f32, size: f32, bold: bool, s: &str) {
        if s.is_empty() {
            return;
        }
        self.op(Op::Teks {
            x,
            y: y_atas + size * 0.93,
            size,
            bold,
            warna: HITAM,
            s: s.replace('\u{a0}', " "),
        });
    }
    fn garis(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, w: f32) {
        self.op(Op::Garis { x1, y1, x2, y2, w });
    }
    fn rata_x(&self, x: f32, w: f32, s: &str, size: f32, bold: bool, r: Rata) -> f32 {
        match r {
            Rata::Kiri => x,
            Rata::Tengah => x + (w - self.u.lebar(s, size, bold)).max(0.0) / 2.0,
            Rata::Kanan => x + (w - self.u.lebar(s, size, bold)).max(0.0),
        }
    }
    /// Lines of text flowing down the body, breaking pages between lines.
    fn baris_baris(&mut self, lines: &[String], x: f32, w: f32, size: f32, bold: bool, r: Rata) {
        let lead = Self::lead(size);
        for l in lines {
            self.pastikan(lead);
            let lx = self.rata_x(x, w, l, size, bold, r);
            let y = self.y;
            self.teks(lx, y, size, bold, l);
            self.y += lead;
        }
    }

    fn kop(&mut self) {
        let Some(k) = self.d.kop.clone() else { return };
        let s = self.size();
        let (x, w) = (self.kiri, self.lebar_isi());
        for (t, size) in [(&k.pemerintah, s + 2.0), (&k.dinas, s + 3.5)] {
            let lines = self.u.bungkus(t, w, size, true);
            if !t.is_empty() {
                self.baris_baris(&lines, x, w, size, true, Rata::Tengah);
            }
        }
        for t in [&k.alamat, &k.kontak] {
            if !t.is_empty() {
                let lines = self.u.bungkus(t, w, s - 0.5, false);
                self.baris_baris(&lines, x, w, s - 0.5, false, Rata::Tengah);
            }
        }
        self.y += 2.0;
        let y = self.y;
        self.garis(self.kiri, y, self.kanan, y, 1.6);
        self.garis(self.kiri, y + 2.4, self.kanan, y + 2.4, 0.5);
        self.y += 2.4 + s * 0.9;
    }

    fn blok(&mut self, b: &Blok) {
        let s = self.size();
        let (x, w) = (self.kiri, self.lebar_isi());
        match b {
            Blok::Judul { teks, sub } => {
                let size = s + 2.0;
                let lines = self.u.bungkus(teks, w, size, true);
                self.pastikan(Self::lead(size) * lines.len() as f32 + Self::lead(s) * 2.0);
                self.baris_baris(&lines, x, w, size, true, Rata::Tengah);
                for l in sub {
                    let lines = self.u.bungkus(l, w, s, false);
                    self.baris_baris(&lines, x, w, s, false, Rata::Tengah);
                }
                self.y += s * 0.7;
            }
            Blok::Subjudul(t) => {
                self.y += s * 0.5;
                let lines = self.u.bungkus(t, w, s, true);
                // Keep the heading with at least three lines of what follows.
                self.pastikan(Self::lead(s) * (lines.len() as f32 + 3.0));
                self.baris_baris(&lines, x, w, s, true, Rata::Kiri);
                self.y += s * 0.2;
            }
            Blok::Paragraf(t) | Blok::Kosong(t) => {
                let lines = self.u.bungkus(t, w, s, false);
                self.baris_baris(&lines, x, w, s, false, Rata::Kiri);
                self.y += s * 0.4;
            }
            Blok::Isian(rows) => {
                let lw = rows
                    .iter()
                    .map(|(k, _)| self.u.lebar(k, s, false))
                    .fold(0.0f32, f32::max)
                    .min(w * 0.38);
                let colon = self.u.lebar(" : ", s, false);
                let vx = x + lw + colon;
                let vw = w - lw - colon;
                let lead = Self::lead(s);
                for (k, v) in rows {
                    let kl = self.u.bungkus(k, lw, s, false);
                    let vl = self
                        .u
                        .bungkus(if v.is_empty() { "-" } else { v }, vw, s, false);
                    let n = kl.len().max(vl.len());
                    for i in 0..n {
                        self.pastikan(lead);
                        let y = self.y;
                        if let Some(t) = kl.get(i) {
                            self.teks(x, y, s, false, t);
                        }
                        if i == 0 {
                            self.teks(x + lw + self.u.lebar(" ", s, false), y, s, false, ":");
                        }
                        if let Some(t) = vl.get(i) {
                            self.teks(vx, y, s, false, t);
                        }
                        self.y += lead;
                    }
                }
                self.y += s * 0.4;
            }
            Blok::Daftar(items) => {
                let nw = self.u.lebar(&format!("{}. ", items.len()), s, false);
                let lead = Self::lead(s);
                for (i, it) in items.iter().enumerate() {
                    let lines = self.u.bungkus(it, w - nw, s, false);
                    for (j, l) in lines.iter().enumerate() {
                        self.pastikan(lead);
                        let y = self.y;
                        if j == 0 {
                            self.teks(x, y, s, false, &format!("{}.", i + 1));
                        }
                        self.teks(x + nw, y, s, false, l);
                        self.y += lead;
                    }
                }
                self.y += s * 0.4;
            }
            Blok::Tabel(t) => self.tabel(t),
            Blok::Tandatangan(p) => self.tandatangan(p),
            Blok::Jarak(h) => {
                self.y += h;
                if self.y > self.bawah {
                    self.halaman_baru();
                }
            }
            Blok::HalamanBaru => {
                if self.y > self.atas + 0.01 {
                    self.halaman_baru();
                }
            }
        }
    }

    fn tandatangan(&mut self, p: &[Penanda]) {
        if p.is_empty() {
            return;
        }
        let s = self.size();
        let lead = Self::lead(s);
        let n = p.len() as f32;
        let cw = self.lebar_isi() / n;
        // A single signer stands on the right half, as on a letter.
        let (x0, cw) = if p.len() == 1 {
            (self.kiri + self.lebar_isi() * 0.5, self.lebar_isi() * 0.5)
        } else {
            (self.kiri, cw)
        };
        let cols: Vec<(Vec<String>, Vec<String>)> = p
            .iter()
            .map(|q| {
                let mut atas = Vec::new();
                if !q.atas.is_empty() {
                    atas.extend(self.u.bungkus(&q.atas, cw - 6.0, s, false));
                }
                atas.extend(self.u.bungkus(&q.jabatan, cw - 6.0, s, false));
                let nama = if q.nama.is_empty() {
                    "(..............................)".to_string()
                } else {
                    q.nama.clone()
                };
                let mut bawah = self.u.bungkus(&nama, cw - 6.0, s, true);
                bawah.push(if q.nip.is_empty() {
                    "NIP. ..............................".into()
                } else {
                    format!("NIP. {}", q.nip)
                });
                (atas, bawah)
            })
            .collect();
        let na = cols.iter().map(|c| c.0.len()).max().unwrap_or(0);
        let nb = cols.iter().map(|c| c.1.len()).max().unwrap_or(0);
        let ruang = s * 4.2;
        self.y += s * 0.6;
        self.pastikan(lead * (na + nb) as f32 + ruang);
        let y0 = self.y;
        for (i, (atas, bawah)) in cols.iter().enumerate() {
            let cx = x0 + cw * i as f32;
            for (j, l) in atas.iter().enumerate() {
                let lx = self.rata_x(cx, cw, l, s, false, Rata::Tengah);
                self.teks(lx, y0 + lead * j as f32, s, false, l);
            }
            let yb = y0 + lead * na as f32 + ruang;
            for (j, l) in bawah.iter().enumerate() {
                let bold = j + 1 < bawah.len();
                let lx = self.rata_x(cx, cw, l, s, bold, Rata::Tengah);
                self.teks(lx, yb + lead * j as f32, s, bold, l);
            }
        }
        self.y = y0 + lead * (na + nb) as f32 + ruang + s * 0.5;
    }

    fn tabel(&mut self, t: &Tabel) {
        let ncol = t.lebar.len().max(1);
        let total: f32 = t.lebar.iter().map(|v| v.max(0.01)).sum::<f32>().max(0.01);
        let w = self.lebar_isi();
        let xs: Vec<f32> = {
            let mut v = vec![self.kiri];
            let mut acc = self.kiri;
            for i in 0..ncol {
                acc += t.lebar.get(i).copied().unwrap_or(1.0).max(0.01) / total * w;
                v.push(acc);
            }
            v
        };
        let size = self.size() * if t.skala > 0.0 { t.skala } else { 1.0 };
        let lead = Self::lead(size);
        let pad = (size * 0.32).max(2.0);

        struct Baris {
            cells: Vec<(usize, usize, Vec<String>, Sel)>,
            h: f32,
        }
        let ukur = |row: &[Sel], kepala: bool| -> Baris {
            let mut cells = Vec::new();
            let mut c = 0usize;
            let mut h: f32 = lead + 2.0 * pad;
            for s in row {
                if c >= ncol {
                    break;
                }
                let span = (s.span.max(1) as usize).min(ncol - c);
                let cw = xs[c + span] - xs[c] - 2.0 * pad;
                let bold = s.tebal || kepala;
                let lines = if s.teks.is_empty() {
                    Vec::new()
                } else {
                    self.u.bungkus(&s.teks, cw.max(4.0), size, bold)
                };
                if !s.gabung_bawah {
                    h = h.max(lines.len() as f32 * lead + 2.0 * pad);
                }
                h = h.max(s.tinggi_min);
                cells.push((c, span, lines, s.clone()));
                c += span;
            }
            Baris { cells, h }
        };
        let kepala: Vec<Baris> = t.kepala.iter().map(|r| ukur(r, true)).collect();
        let kepala_h: f32 = kepala.iter().map(|b| b.h).sum();
        let badan: Vec<Baris> = t.baris.iter().map(|r| ukur(r, false)).collect();

        // One row (or the part of it from line `dari`, at most `n` lines) at self.y.
        let gambar = |p: &mut Penata,
                      b: &Baris,
                      kepala: bool,
                      dari: usize,
                      n: Option<usize>,
                      terbuka: &mut Vec<bool>| {
            let h = match n {
                Some(n) => n as f32 * lead + 2.0 * pad,
                None => b.h,
            };
            let y = p.y;
            let mut buka_baru = vec![false; ncol];
            for (c, span, lines, s) in &b.cells {
                let (x1, x2) = (xs[*c], xs[c + span]);
                if kepala {
                    p.op(Op::Isi {
                        x: x1,
                        y,
                        w: x2 - x1,
                        h,
                        warna: ABU,
                    });
                }
                let bold = s.tebal || kepala;
                let akhir = n.map_or(lines.len(), |n| (dari + n).min(lines.len()));
                for (j, l) in lines.iter().enumerate().take(akhir).skip(dari) {
                    let lx = p.rata_x(x1 + pad, x2 - x1 - 2.0 * pad, l, size, bold, s.rata);
                    p.teks(lx, y + pad + lead * (j - dari) as f32, size, bold, l);
                }
                if !terbuka.get(*c).copied().unwrap_or(false) {
                    p.garis(x1, y, x2, y, 0.6);
                }
                p.garis(x1, y, x1, y + h, 0.6);
                p.garis(x2, y, x2, y + h, 0.6);
                if s.gabung_bawah {
                    buka_baru[*c] = true;
                } else {
                    p.garis(x1, y + h, x2, y + h, 0.6);
                }
            }
            *terbuka = buka_baru;
            p.y += h;
        };
        let kepala_ulang = |p: &mut Penata, terbuka: &mut Vec<bool>| {
            *terbuka = vec![false; ncol];
            for b in &kepala {
                gambar(p, b, true, 0, None, terbuka);
            }
        };

        let mut terbuka = vec![false; ncol];
        let first = badan.first().map_or(0.0, |b| b.h);
        self.pastikan(kepala_h + first.min(self.bawah - self.atas - kepala_h));
        kepala_ulang(self, &mut terbuka);
        let badan_penuh = self.bawah - self.atas - kepala_h;
        for b in &badan {
            if b.h <= self.sisa() + 0.01 {
                gambar(self, b, false, 0, None, &mut terbuka);
                continue;
            }
            if b.h <= badan_penuh {
                self.halaman_baru();
                kepala_ulang(self, &mut terbuka);
                gambar(self, b, false, 0, None, &mut terbuka);
                continue;
            }
            // Taller than a page: split it by lines.
            let maks = b.cells.iter().map(|c| c.2.len()).max().unwrap_or(0);
            let mut dari = 0;
            while dari < maks {
                let muat = ((self.sisa() - 2.0 * pad) / lead).floor().max(0.0) as usize;
                if muat == 0 {
                    self.halaman_baru();
                    kepala_ulang(self, &mut terbuka);
                    continue;
                }
                let n = muat.min(maks - dari);
                gambar(self, b, false, dari, Some(n), &mut terbuka);
                dari += n;
                if dari < maks {
                    self.halaman_baru();
                    kepala_ulang(self, &mut terbuka);
                }
            }
        }
        self.y += self.size() * 0.6;
    }
}

/// Lays `d` out into pages (pure; no PDF yet). Body ops all lie within `[atas, bawah]`.
pub fn tata_letak(d: &Dokumen) -> Tata {
    let u = Ukur {
        reg: Metrik::new(REGULAR),
        bold: Metrik::new(BOLD),
    };
    let (lebar, tinggi) = d.ukuran.pt();
    let (mk, mn, mt, mb) = match d.ukuran {
        Ukuran::A5 => (26.0, 22.0, 20.0, 20.0),
        _ => (56.0, 42.0, 34.0, 34.0),
    };
    let pita = d.huruf * 1.9;
    let mut p = Penata {
        u: &u,
        d,
        kiri: mk,
        kanan: lebar - mn,
        atas: mt + pita,
        bawah: tinggi - mb - pita,
        y: mt + pita,
        halaman: vec![Halaman::default()],
    };
    p.kop();
    for b in &d.blok {
        p.blok(b);
    }
    // Page furniture, now that the page count is known.
    let n = p.halaman.len();
    let kecil = (d.huruf - 1.5).max(6.5);
    let (kiri, kanan, atas, bawah) = (p.kiri, p.kanan, p.atas, p.bawah);
    for (i, h) in p.halaman.iter_mut().enumerate() {
        let mut f: Vec<(Bagian, Op)> = Vec::new();
        let tlp = |f: &mut Vec<(Bagian, Op)>, bag: Bagian, x_kanan: f32, y: f32, tlp: &str| {
            let tw = u.lebar(tlp, kecil + 1.0, true);
            let x = x_kanan - tw - 6.0;
            f.push((
                bag,
                Op::Isi {
                    x,
                    y: y - (kecil + 1.0) * 0.95,
                    w: tw + 6.0,
                    h: (kecil + 1.0) * 1.3,
                    warna: HITAM,
                },
            ));
            f.push((
                bag,
                Op::Teks {
                    x: x + 3.0,
                    y,
                    size: kecil + 1.0,
                    bold: true,
                    warna: warna_tlp(tlp),
                    s: tlp.to_string(),
                },
            ));
        };
        // Header: the office name on pages after the first, TLP on the right of every page.
        let yk = mt + kecil;
        if i > 0
            && let Some(k) = &d.kop
        {
            f.push((
                Bagian::Kepala,
                Op::Teks {
                    x: kiri,
                    y: yk,
                    size: kecil,
                    bold: false,
                    warna: HITAM,
                    s: k.nama().to_string(),
                },
            ));
        }
        if let Some(t) = &d.tlp {
            tlp(&mut f, Bagian::Kepala, kanan, yk, t);
        }
        if i > 0 || d.tlp.is_some() {
            f.push((
                Bagian::Kepala,
                Op::Garis {
                    x1: kiri,
                    y1: atas - pita * 0.35,
                    x2: kanan,
                    y2: atas - pita * 0.35,
                    w: 0.3,
                },
            ));
        }
        // Footer: rule, title on the left, TLP in the middle, page number on the right.
        let yf = bawah + pita * 0.35;
        f.push((
            Bagian::Kaki,
            Op::Garis {
                x1: kiri,
                y1: yf,
                x2: kanan,
                y2: yf,
                w: 0.3,
            },
        ));
        let yt = yf + kecil * 1.5;
        let hal = format!("hal. {} / {n}", i + 1);
        let hw = u.lebar(&hal, kecil, false);
        let mut judul = d.judul.clone();
        let maks = (kanan - kiri) * 0.5;
        while u.lebar(&judul, kecil, false) > maks && judul.chars().count() > 1 {
            judul.pop();
        }
        f.push((
            Bagian::Kaki,
            Op::Teks {
                x: kiri,
                y: yt,
                size: kecil,
                bold: false,
                warna: HITAM,
                s: judul,
            },
        ));
        if let Some(t) = &d.tlp {
            tlp(&mut f, Bagian::Kaki, kanan - hw - 14.0, yt, t);
        }
        f.push((
            Bagian::Kaki,
            Op::Teks {
                x: kanan - hw,
                y: yt,
                size: kecil,
                bold: false,
                warna: HITAM,
                s: hal,
            },
        ));
        h.ops.extend(f);
    }
    Tata {
        lebar,
        tinggi,
        atas,
        bawah,
        halaman: p.halaman,
    }
}

/// Renders `d` to PDF bytes (PDF 1.7, fonts embedded as subsets, title and creator in the metadata).
/// Errors come from krilla's serializer (not expected for well-formed text) as a message.
pub fn render(d: &Dokumen) -> Result<Vec<u8>, String> {
    render_tata(&tata_letak(d), &d.judul)
}

/// Renders pages already laid out (a [`Tata`] from [`tata_letak`], or one built op by op, e.g. the
/// letters of the OCR test corpus) with the same fonts, titled `judul`. Errors as in [`render`].
pub fn render_tata(tata: &Tata, judul: &str) -> Result<Vec<u8>, String> {
    let reg = Font::new(REGULAR.into(), 0).ok_or("font DejaVu Sans tidak terbaca")?;
    let bold = Font::new(BOLD.into(), 0).ok_or("font DejaVu Sans Bold tidak terbaca")?;
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(judul.to_string())
            .creator("kasa".to_string()),
    );
    let ps = PageSettings::from_wh(tata.lebar, tata.tinggi).ok_or("ukuran halaman tidak sah")?;
    for h in &tata.halaman {
        let mut page = doc.start_page_with(ps.clone());
        let mut s = page.surface();
        for (_, op) in &h.ops {
            match op {
                Op::Teks {
                    x,
                    y,
                    size,
                    bold: b,
                    warna,
                    s: t,
                } => {
                    s.set_stroke(None);
                    s.set_fill(Some(fill(*warna)));
                    let f = if *b { bold.clone() } else { reg.clone() };
                    s.draw_text(
                        Point::from_xy(*x, *y),
                        f,
                        *size,
                        t,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Garis { x1, y1, x2, y2, w } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(*x1, *y1);
                    pb.line_to(*x2, *y2);
                    if let Some(path) = pb.finish() {
                        s.set_fill(None);
                        s.set_stroke(Some(Stroke {
                            width: *w,
                            ..Stroke::default()
                        }));
                        s.draw_path(&path);
                        s.set_stroke(None);
                    }
                }
                Op::Isi { x, y, w, h, warna } => {
                    let mut pb = PathBuilder::new();
                    if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                        pb.push_rect(r);
                    }
                    if let Some(path) = pb.finish() {
                        s.set_stroke(None);
                        s.set_fill(Some(fill(*warna)));
                        s.draw_path(&path);
                    }
                }
            }
        }
        s.finish();
        page.finish();
    }
    doc.finish().map_err(|e| format!("PDF gagal dibuat: {e:?}"))
}

fn fill(w: Warna) -> Fill {
    Fill {
        paint: rgb::Color::new(w.0, w.1, w.2).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{Dokumen, Tabel, Ukuran};

    #[test]
    fn long_table_breaks_with_header_repeated_and_body_within_bounds() {
        let mut d = Dokumen::new("uji", Ukuran::A5, None);
        d.tlp = Some("TLP:AMBER".into());
        let mut t = Tabel::new(&[1.0, 6.0], &["No", "Isi"]);
        for i in 0..120 {
            t.baris(vec![i.to_string(), "baris panjang ".repeat(i % 7 + 1)]);
        }
        d.push(Blok::Tabel(t));
        let tata = tata_letak(&d);
        assert!(tata.halaman.len() > 2);
        for h in &tata.halaman {
            let heads = h
                .ops
                .iter()
                .filter(|(_, o)| matches!(o, Op::Teks { s, bold: true, .. } if s == "Isi"))
                .count();
            assert_eq!(heads, 1, "header row once on every page");
            for (bag, o) in &h.ops {
                if *bag == Bagian::Badan
                    && let Op::Teks { y, size, .. } = o
                {
                    assert!(*y <= tata.bawah && *y - size >= tata.atas - 0.5);
                }
            }
        }
    }

    #[test]
    fn wrap_cuts_long_words_and_keeps_newlines() {
        let u = Ukur {
            reg: Metrik::new(REGULAR),
            bold: Metrik::new(BOLD),
        };
        let l = u.bungkus("a\nbb cc", 1000.0, 10.0, false);
        assert_eq!(l, ["a", "bb cc"]);
        let l = u.bungkus(&"x".repeat(200), 50.0, 10.0, false);
        assert!(l.len() > 3 && l.iter().all(|s| u.lebar(s, 10.0, false) <= 50.0));
    }
}
