//! The page preview (issue 15): the scanned page beside the registration form and in the entry
//! detail, so the sandiman checks the suggestions against the letter without the paper.
//!
//! The node renders the page in its analysis child (`Request::Halaman`, `node/pratinjau.rs`) and
//! sends a grey PNG; this module keeps the page, draws it with `ratatui-image` (sixel, kitty or
//! iTerm2 when the terminal answers for one, half-block characters `▀` everywhere else, which works
//! in any terminal over SSH) and handles the keys:
//! - `v` / `F2` shows or hides the preview (shown by itself on screens of [`AUTO_LEBAR`] columns
//!   or more); `pratinjau = "off"` in the console's `config.toml` turns it off for good,
//!   `"halfblocks"` never asks the terminal;
//! - `V` / `F3` zooms to the header area (the top [`ZOOM_TINGGI`] of the page: kop, Nomor, Sifat,
//!   Lampiran, Hal, Yth);
//! - `]` `[` in the detail, PageDown / PageUp in the form: next / previous page.
//!
//! Drawing takes `&self` like every component; the terminal-protocol encoding of the last page is
//! kept in a cell and made again only when the page, the zoom or the area changes.

use std::cell::RefCell;

use base64::Engine;
use image::GrayImage;
use ratatui::Frame;
use ratatui::layout::{Rect, Size};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui_image::picker::{Picker, ProtocolType};
use ratatui_image::protocol::Protocol;
use ratatui_image::{Image, Resize};

use super::action::Action;
use super::ctx::Ctx;
use super::effect::{Effect, Purpose};
use crate::proto::{Reply, Request};

/// Share of the page height shown when zoomed to the header.
pub const ZOOM_TINGGI: f32 = 0.4;

/// Screens at least this wide show the preview without a key.
pub const AUTO_LEBAR: u16 = 120;

/// Narrowest preview column, in cells.
pub const MIN_LEBAR: u16 = 24;

/// How the console draws pages (`pratinjau` in the console's `config.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Ask a terminal known to draw images ([`graphics_terminal`]) for sixel/kitty/iTerm2;
    /// half-blocks everywhere else (default).
    Auto,
    /// Half-block characters without asking the terminal.
    Halfblocks,
    /// No preview.
    Off,
}

impl Mode {
    /// Parses the config value; `None` for an unknown one.
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "auto" => Some(Mode::Auto),
            "halfblocks" | "halfblock" => Some(Mode::Halfblocks),
            "off" | "mati" => Some(Mode::Off),
            _ => None,
        }
    }

    /// The picker for this mode. `Auto` queries the terminal on stdin/stdout, so it must run after
    /// the alternate screen is entered and before the input thread starts reading.
    pub fn picker(self) -> Option<Picker> {
        match self {
            Mode::Off => None,
            Mode::Halfblocks => Some(Picker::halfblocks()),
            Mode::Auto if graphics_terminal(|k| std::env::var(k).ok()) => {
                Some(Picker::from_query_stdio().unwrap_or_else(|_| Picker::halfblocks()))
            }
            Mode::Auto => Some(Picker::halfblocks()),
        }
    }
}

/// Whether the environment names a terminal known to draw images (kitty, WezTerm, iTerm2, foot,
/// Konsole, mlterm, Contour, Ghostty). Only then is the terminal asked: a terminal that does not
/// answer every query (tmux, the Linux console, most xterms) would delay the start by the query's
/// two-second timeout and lose the first key typed meanwhile, so everywhere else the preview uses
/// half-blocks without asking.
pub fn graphics_terminal(env: impl Fn(&str) -> Option<String>) -> bool {
    let term = env("TERM").unwrap_or_default().to_lowercase();
    if term.starts_with("screen") || term.starts_with("tmux") || term == "linux" || term == "dumb" {
        return false;
    }
    let program = env("TERM_PROGRAM").unwrap_or_default().to_lowercase();
    [
        "kitty", "foot", "wezterm", "mlterm", "contour", "ghostty", "iterm",
    ]
    .iter()
    .any(|t| term.contains(t) || program.contains(t))
        || env("KITTY_WINDOW_ID").is_some()
        || env("KONSOLE_VERSION").is_some()
        || env("WEZTERM_EXECUTABLE").is_some()
}

/// A page the node sent.
#[derive(Clone)]
pub struct Page {
    pub id: u64,
    pub halaman: u32,
    pub jumlah: u32,
    pub img: GrayImage,
}

#[derive(Clone)]
struct Cached {
    key: (u64, u32, bool, Rect),
    proto: Option<Protocol>,
}

/// The preview's state (see the module doc).
#[derive(Clone)]
pub struct Pratinjau {
    /// `None`: off by configuration.
    pub picker: Option<Picker>,
    /// Shown or hidden with `v` / `F2`; `None` (until a key says otherwise): shown where the screen
    /// is at least [`AUTO_LEBAR`] columns wide, so an 80-column SSH session keeps the whole width
    /// for the form until the sandiman asks for the page.
    pub on: Option<bool>,
    /// Zoomed to the header area.
    pub zoom: bool,
    /// The page asked for (1-based) for the entry on screen.
    pub halaman: u32,
    /// The entry the page is for.
    pub id: Option<u64>,
    pub page: Option<Page>,
    /// The request in flight, `(entry, page)`.
    pub pending: Option<(u64, u32)>,
    /// Why the node could not show `(entry, page)`.
    pub error: Option<(u64, u32, String)>,
    /// The page count of an entry, kept while its next page loads (`(entry, pages)`).
    pub jumlah: Option<(u64, u32)>,
    cache: RefCell<Option<Cached>>,
}

impl std::fmt::Debug for Pratinjau {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pratinjau")
            .field("on", &self.on)
            .field("zoom", &self.zoom)
            .field("halaman", &self.halaman)
            .field("id", &self.id)
            .field("pending", &self.pending)
            .field("error", &self.error)
            .finish()
    }
}

impl Default for Pratinjau {
    /// Half-blocks, shown.
    fn default() -> Self {
        Pratinjau::new(Some(Picker::halfblocks()))
    }
}

impl Pratinjau {
    pub fn new(picker: Option<Picker>) -> Pratinjau {
        Pratinjau {
            picker,
            on: None,
            zoom: false,
            halaman: 1,
            id: None,
            page: None,
            pending: None,
            error: None,
            jumlah: None,
            cache: RefCell::new(None),
        }
    }

    /// Whether a preview column is drawn on a screen `layar` columns wide.
    pub fn visible(&self, layar: u16) -> bool {
        self.picker.is_some() && self.on.unwrap_or(layar >= AUTO_LEBAR)
    }

    /// The protocol in use, for the title (`"half-block"`, `"sixel"`…).
    pub fn protocol_name(&self) -> &'static str {
        match self.picker.as_ref().map(|p| p.protocol_type()) {
            Some(ProtocolType::Halfblocks) | None => "half-block",
            Some(ProtocolType::Sixel) => "sixel",
            Some(ProtocolType::Kitty) => "kitty",
            Some(ProtocolType::Iterm2) => "iTerm2",
        }
    }

    /// Width of the preview column beside content `area_w` cells wide: two fifths, at least
    /// [`MIN_LEBAR`]; 0 when hidden or when the area is too narrow to keep 40 cells for the rest.
    pub fn width_for(&self, area_w: u16) -> u16 {
        if !self.visible(area_w) || area_w < MIN_LEBAR + 40 {
            return 0;
        }
        (area_w * 2 / 5).max(MIN_LEBAR)
    }

    /// Pixel size asked of the node: enough for the protocol (half-blocks need few).
    fn request_size(&self) -> (u32, u32) {
        match self.picker.as_ref().map(|p| p.protocol_type()) {
            Some(ProtocolType::Halfblocks) | None => (400, 566),
            _ => (1200, 1700),
        }
    }

    /// Follows the entry on screen (`target`): asks the node for its page when it is not here or
    /// on its way. A new entry starts at page 1.
    pub fn sync(&mut self, target: Option<u64>, layar: u16) -> Vec<Effect> {
        if target != self.id {
            self.id = target;
            self.halaman = 1;
        }
        let Some(id) = target else {
            return Vec::new();
        };
        if !self.visible(layar) {
            return Vec::new();
        }
        let want = (id, self.halaman);
        let have = self.page.as_ref().map(|p| (p.id, p.halaman));
        let failed = self.error.as_ref().map(|(i, h, _)| (*i, *h));
        if have == Some(want) || self.pending == Some(want) || failed == Some(want) {
            return Vec::new();
        }
        self.pending = Some(want);
        let (lebar, tinggi) = self.request_size();
        vec![Effect::Call(
            Request::Halaman {
                id,
                index: 0,
                halaman: self.halaman,
                lebar,
                tinggi,
            },
            Purpose::Halaman(id, self.halaman),
        )]
    }

    /// Forgets the pages (the entry's file may have changed: OCR done, attachment added).
    pub fn forget(&mut self, id: u64) {
        if self.page.as_ref().is_some_and(|p| p.id == id) {
            self.page = None;
        }
        if self.error.as_ref().is_some_and(|(i, _, _)| *i == id) {
            self.error = None;
        }
    }

    /// The preview keys. `None`: not a preview action.
    pub fn update(&mut self, cx: &mut Ctx, a: &Action) -> Option<Vec<Effect>> {
        match a {
            Action::Pratinjau => {
                if self.picker.is_none() {
                    cx.info(cx.tr(
                        "pratinjau dimatikan di config.toml konsol (pratinjau = \"off\")",
                        "preview is off in the console config.toml (pratinjau = \"off\")",
                    ));
                } else {
                    self.on = Some(!self.visible(cx.size.0));
                }
            }
            Action::PratinjauZoom => self.zoom = !self.zoom,
            Action::PratinjauNext | Action::PratinjauPrev => {
                let jumlah = self
                    .jumlah
                    .filter(|(i, _)| Some(*i) == self.id)
                    .map_or(1, |(_, n)| n);
                let next = if *a == Action::PratinjauNext {
                    self.halaman + 1
                } else {
                    self.halaman.saturating_sub(1)
                };
                if next >= 1 && next <= jumlah {
                    self.halaman = next;
                } else {
                    cx.info(format!(
                        "{} {}/{jumlah}",
                        cx.tr("halaman", "page"),
                        self.halaman
                    ));
                }
            }
            _ => return None,
        }
        cx.dirty = true;
        Some(self.sync(self.id, cx.size.0))
    }

    /// A page or a refusal from the node. `None`: not a preview reply.
    pub fn on_reply(&mut self, purpose: &Purpose, r: &Result<Reply, String>) -> Option<()> {
        let Purpose::Halaman(id, halaman) = purpose else {
            return None;
        };
        if self.pending == Some((*id, *halaman)) {
            self.pending = None;
        }
        match r {
            Ok(Reply::Halaman {
                jumlah, png_b64, ..
            }) => {
                let img = base64::engine::general_purpose::STANDARD
                    .decode(png_b64)
                    .map_err(|e| e.to_string())
                    .and_then(|b| image::load_from_memory(&b).map_err(|e| e.to_string()));
                match img {
                    Ok(img) => {
                        self.jumlah = Some((*id, *jumlah));
                        self.page = Some(Page {
                            id: *id,
                            halaman: *halaman,
                            jumlah: *jumlah,
                            img: img.to_luma8(),
                        });
                        self.error = None;
                    }
                    Err(e) => {
                        self.error = Some((*id, *halaman, format!("gambar halaman rusak: {e}")));
                    }
                }
            }
            Ok(_) => {}
            Err(e) => self.error = Some((*id, *halaman, e.clone())),
        }
        Some(())
    }

    /// Draws the preview of entry `id` into `r`: a box titled with the page and the zoom, the
    /// page inside (or "memuat…", or the node's note why there is none).
    pub fn draw(&self, cx: &Ctx, f: &mut Frame, r: Rect, id: u64) {
        if r.width < 4 || r.height < 3 {
            return;
        }
        f.render_widget(Clear, r);
        let page = self
            .page
            .as_ref()
            .filter(|p| p.id == id && p.halaman == self.halaman);
        let title = format!(
            " {} {}/{}{} · {} ",
            cx.tr("Halaman", "Page"),
            self.halaman,
            self.jumlah
                .filter(|(i, _)| *i == id)
                .map_or("?".to_string(), |(_, n)| n.to_string()),
            if self.zoom {
                cx.tr(" · kepala", " · header")
            } else {
                ""
            },
            self.protocol_name()
        );
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(cx.theme.get("border"))
            .title(Span::styled(title, cx.theme.get("form.label")));
        let inner = block.inner(r);
        f.render_widget(block, r);
        let hint = Line::from(Span::styled(
            cx.tr(
                "v/F2 tutup · V/F3 kepala · [ ] halaman",
                "v/F2 hide · V/F3 header · [ ] page",
            ),
            cx.theme.get("dim"),
        ));
        let Some(page) = page else {
            let text = match &self.error {
                Some((i, h, e)) if *i == id && *h == self.halaman => Line::from(Span::styled(
                    format!("{} {e}", cx.tr("Tidak ada pratinjau:", "No preview:")),
                    cx.theme.get("sla.soon"),
                )),
                _ => Line::from(Span::styled(
                    cx.tr("memuat halaman…", "loading the page…"),
                    cx.theme.get("dim"),
                )),
            };
            f.render_widget(
                Paragraph::new(vec![text, Line::default(), hint]).wrap(Wrap { trim: true }),
                inner,
            );
            return;
        };
        let img_area = Rect {
            height: inner.height.saturating_sub(1),
            ..inner
        };
        let key = (id, self.halaman, self.zoom, img_area);
        {
            let mut cache = self.cache.borrow_mut();
            if cache.as_ref().is_none_or(|c| c.key != key) {
                *cache = Some(Cached {
                    key,
                    proto: self.protocol(page, img_area),
                });
            }
            if let Some(Cached {
                proto: Some(proto), ..
            }) = cache.as_ref()
            {
                f.render_widget(Image::new(proto), img_area);
            }
        }
        f.render_widget(
            Paragraph::new(hint),
            Rect::new(inner.x, inner.bottom().saturating_sub(1), inner.width, 1),
        );
    }

    /// The page (or its header area when zoomed) encoded for the terminal, fitted into `area`.
    fn protocol(&self, page: &Page, area: Rect) -> Option<Protocol> {
        let picker = self.picker.as_ref()?;
        let img = if self.zoom {
            let (w, h) = page.img.dimensions();
            let top = ((h as f32) * ZOOM_TINGGI).round().max(1.0) as u32;
            image::imageops::crop_imm(&page.img, 0, 0, w, top.min(h)).to_image()
        } else {
            page.img.clone()
        };
        let size = Size::new(area.width, area.height);
        if picker.protocol_type() == ProtocolType::Halfblocks {
            let font = picker.font_size();
            let small = half_block_image(&img, area.width, area.height);
            // ratatui-image counts image pixels as font pixels: one half-block is font.width ×
            // font.height / 2 of them.
            let (fw, fh) = (u32::from(font.width), u32::from(font.height / 2).max(1));
            let big = image::imageops::resize(
                &small,
                small.width() * fw,
                small.height() * fh,
                image::imageops::FilterType::Nearest,
            );
            return picker
                .new_protocol(
                    image::DynamicImage::ImageLuma8(big),
                    size,
                    Resize::Fit(None),
                )
                .ok();
        }
        picker
            .new_protocol(
                image::DynamicImage::ImageLuma8(img),
                size,
                Resize::Scale(Some(image::imageops::FilterType::Triangle)),
            )
            .ok()
    }
}

/// The page at half-block resolution for an area of `w`×`h` cells (one pixel per half cell, square),
/// its contrast stretched: shrunk to a few dozen pixels a line of text averages to a light grey on
/// white, so the darkest 2 % is mapped to black and the paper (90th percentile) to white, and the
/// lines of the letter stand out as they do on paper.
pub fn half_block_image(img: &GrayImage, w: u16, h: u16) -> GrayImage {
    let (iw, ih) = img.dimensions();
    let s = (f64::from(w) / f64::from(iw)).min(f64::from(h) * 2.0 / f64::from(ih));
    let tw = ((f64::from(iw) * s).floor() as u32).max(1);
    let th = ((f64::from(ih) * s).floor() as u32).max(1);
    let mut small = image::imageops::resize(img, tw, th, image::imageops::FilterType::Triangle);
    let mut hist = [0usize; 256];
    for p in small.pixels() {
        hist[p.0[0] as usize] += 1;
    }
    let n = (tw * th) as usize;
    let at = |q: f64| {
        let want = ((n as f64) * q).ceil() as usize;
        let mut sum = 0;
        for (v, c) in hist.iter().enumerate() {
            sum += c;
            if sum >= want.max(1) {
                return v as u8;
            }
        }
        255
    };
    let (lo, hi) = (at(0.02), at(0.90));
    if hi > lo.saturating_add(8) {
        let span = f32::from(hi - lo);
        for p in small.pixels_mut() {
            let v = (f32::from(p.0[0].saturating_sub(lo)) / span).min(1.0);
            p.0[0] = (v * 255.0).round() as u8;
        }
    }
    small
}

#[cfg(test)]
mod half_block_tests {
    use super::*;

    #[test]
    fn a_faint_line_on_paper_becomes_black_on_white() {
        // 200×100 paper (250) with a text band of grey 225 in the middle rows.
        let img = GrayImage::from_fn(200, 100, |_, y| {
            image::Luma([if (40..60).contains(&y) { 225 } else { 250 }])
        });
        let s = half_block_image(&img, 20, 10);
        // Fitted into 20 cells × 20 half-rows, square pixels: 20×10.
        assert_eq!(s.dimensions(), (20, 10));
        assert!(s.get_pixel(5, 5).0[0] < 40, "the line is dark");
        assert!(s.get_pixel(5, 1).0[0] > 240, "the paper is white");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let v: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| v.iter().find(|(n, _)| n == k).map(|(_, x)| x.clone())
    }

    #[test]
    fn only_image_terminals_are_asked() {
        assert!(graphics_terminal(env(&[("TERM", "xterm-kitty")])));
        assert!(graphics_terminal(env(&[("TERM", "foot")])));
        assert!(graphics_terminal(env(&[
            ("TERM", "xterm-256color"),
            ("TERM_PROGRAM", "WezTerm")
        ])));
        assert!(!graphics_terminal(env(&[("TERM", "xterm-256color")])));
        assert!(!graphics_terminal(env(&[
            ("TERM", "tmux-256color"),
            ("KITTY_WINDOW_ID", "1")
        ])));
        assert!(!graphics_terminal(env(&[("TERM", "linux")])));
        assert!(!graphics_terminal(env(&[])));
    }

    #[test]
    fn config_values() {
        assert_eq!(Mode::parse("auto"), Some(Mode::Auto));
        assert_eq!(Mode::parse("halfblocks"), Some(Mode::Halfblocks));
        assert_eq!(Mode::parse("off"), Some(Mode::Off));
        assert_eq!(Mode::parse("sixel"), None);
        assert!(Mode::Off.picker().is_none());
        assert_eq!(
            Mode::Halfblocks.picker().unwrap().protocol_type(),
            ProtocolType::Halfblocks
        );
    }
}
