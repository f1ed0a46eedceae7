//! Themes: semantic style names mapped to styles written as short phrases
//! (`"black on cyan bold"`, `"reversed"`, `"#ff8800"`). `NO_COLOR` drops colours, keeps modifiers.

use std::collections::HashMap;

use ratatui::style::{Color, Modifier, Style};

pub const DEFAULT_TOML: &str = include_str!("../../themes/default.toml");
pub const MONO_TOML: &str = include_str!("../../themes/mono.toml");
pub const HIGH_CONTRAST_TOML: &str = include_str!("../../themes/high-contrast.toml");

/// Shipped themes.
pub const SHIPPED: &[(&str, &str)] = &[
    ("default", DEFAULT_TOML),
    ("mono", MONO_TOML),
    ("high-contrast", HIGH_CONTRAST_TOML),
];

/// Semantic names a theme may set.
pub const NAMES: &[&str] = &[
    "base",
    "header",
    "header.warn",
    "tabs",
    "tabs.active",
    "table.header",
    "selection",
    "inbox.untriaged",
    "sla.overdue",
    "sla.soon",
    "alarm",
    "dim",
    "border",
    "form.label",
    "form.focus",
    "form.suggested",
    "form.error",
    "help.key",
    "status.info",
    "status.error",
    "warning",
];

/// A resolved theme.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub name: String,
    styles: HashMap<String, Style>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    #[allow(dead_code)]
    name: Option<String>,
    #[serde(default)]
    styles: toml::Table,
}

fn color(s: &str) -> Option<Color> {
    Some(match s {
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        "reset" => Color::Reset,
        h if h.starts_with('#') && h.len() == 7 => {
            let v = u32::from_str_radix(&h[1..], 16).ok()?;
            Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
        }
        _ => return None,
    })
}

/// Parses a style phrase.
pub fn parse_style(s: &str) -> Result<Style, String> {
    let mut st = Style::default();
    let mut words = s.split_whitespace();
    while let Some(w) = words.next() {
        let w = w.to_ascii_lowercase();
        let m = match w.as_str() {
            "bold" => Some(Modifier::BOLD),
            "dim" => Some(Modifier::DIM),
            "italic" => Some(Modifier::ITALIC),
            "underlined" | "underline" => Some(Modifier::UNDERLINED),
            "reversed" | "reverse" => Some(Modifier::REVERSED),
            "plain" => Some(Modifier::empty()),
            _ => None,
        };
        if let Some(m) = m {
            st = st.add_modifier(m);
        } else if w == "on" {
            let c = words
                .next()
                .ok_or_else(|| "'on' perlu nama warna sesudahnya".to_string())?;
            st = st.bg(color(&c.to_ascii_lowercase())
                .ok_or_else(|| format!("warna '{c}' tidak dikenal"))?);
        } else if let Some(c) = color(&w) {
            st = st.fg(c);
        } else {
            return Err(format!(
                "kata '{w}' tidak dikenal: pakai warna (red, #rrggbb), 'on <warna>', bold, dim, italic, underlined, reversed"
            ));
        }
    }
    Ok(st)
}

impl Theme {
    /// Parses a theme file; errors are `(line, message)`.
    pub fn parse(name: &str, text: &str) -> Result<Theme, Vec<(usize, String)>> {
        let f: ThemeFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| {
                text[..s.start.min(text.len())].matches('\n').count() + 1
            });
            vec![(line, e.message().to_string())]
        })?;
        let mut styles = HashMap::new();
        let mut errs = Vec::new();
        for (k, v) in &f.styles {
            let line = text
                .lines()
                .position(|l| {
                    l.contains(&format!("\"{k}\"")) || l.trim_start().starts_with(k.as_str())
                })
                .map_or(1, |i| i + 1);
            if !NAMES.contains(&k.as_str()) {
                errs.push((
                    line,
                    format!("nama gaya '{k}' tidak dikenal: pakai {}", NAMES.join(", ")),
                ));
                continue;
            }
            match v.as_str().map(parse_style) {
                Some(Ok(s)) => {
                    styles.insert(k.clone(), s);
                }
                Some(Err(m)) => errs.push((line, m)),
                None => errs.push((line, format!("gaya '{k}' harus berupa teks"))),
            }
        }
        if errs.is_empty() {
            Ok(Theme {
                name: name.to_string(),
                styles,
            })
        } else {
            Err(errs)
        }
    }

    /// A shipped theme by name.
    pub fn shipped(name: &str) -> Option<Theme> {
        SHIPPED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, t)| Theme::parse(n, t).expect("shipped themes parse"))
    }

    /// Drops colours (NO_COLOR), keeps modifiers.
    /// A style that relied on a background colour becomes reversed, so it stays visible.
    pub fn without_color(mut self) -> Theme {
        for s in self.styles.values_mut() {
            if s.bg.is_some_and(|b| b != Color::Reset) {
                *s = s.add_modifier(Modifier::REVERSED);
            }
            s.fg = None;
            s.bg = None;
        }
        self
    }

    /// The style for a semantic name (empty when unset).
    pub fn get(&self, name: &str) -> Style {
        self.styles.get(name).copied().unwrap_or_default()
    }
}
