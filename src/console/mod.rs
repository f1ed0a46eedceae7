//! The ratatui console (DESIGN §4): the only module that knows ratatui.
//!
//! - [`action`]: named actions with arguments, shared by keymap, `:` command line and tests.
//! - [`keymap`]: contexts of key sequences → actions, shipped TOML plus a user overlay.
//! - [`theme`]: semantic style names → styles; `NO_COLOR`.
//! - [`app`]: the UI-free state, `update(Action) -> Vec<Effect>`.
//! - [`form`]: the registration form state.
//! - [`backup`]: backup status in the header, "backup now", the backup log view.
//! - [`session`]: runs effects against a node connection (the terminal loop and the tests).
//! - [`view`]: `draw(&App, frame)`.
//! - [`term`]: the terminal loop (raw mode, signals, redraw only on change).

pub mod action;
pub mod agenda;
pub mod alarm;
pub mod app;
pub mod backup;
pub mod ctx;
pub mod disposisi;
pub mod effect;
pub mod form;
pub mod insiden;
pub mod keymap;
pub mod layer;
pub mod palsan;
pub mod pane;
pub mod pratinjau;
pub mod session;
pub mod term;
pub mod theme;
pub mod view;
pub mod widgets;

use std::path::Path;

use serde::Deserialize;

use crate::config::{NodeConfig, Paths};
use crate::domain::calendar::default_derajat;
pub use app::App;
use keymap::Keymap;
use theme::Theme;

/// `<config dir>/config.toml` of the console.
#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct ConsoleConfig {
    /// `id` (default) or `en`.
    pub lang: String,
    /// A shipped theme (`default`, `mono`, `high-contrast`) or a file in `<config dir>/themes/`.
    pub theme: String,
    /// A shipped keymap (`default`, `emacs`); `<config dir>/keymap.toml` is applied on top.
    pub keymap: String,
    /// The node socket to use (overrides `/etc/kasa/config.toml`; `KASA_SOCKET` overrides both).
    pub socket: Option<std::path::PathBuf>,
    /// Page preview (issue 15): `auto` (default: sixel/kitty/iTerm2 when the terminal answers for
    /// one, half-blocks otherwise), `halfblocks` (never asks the terminal), `off`.
    pub pratinjau: String,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            lang: "id".into(),
            theme: "default".into(),
            keymap: "default".into(),
            socket: None,
            pratinjau: "auto".into(),
        }
    }
}

/// Everything the console reads from the config dir, with the problems found (as `file:line: message`).
pub struct Settings {
    pub keymap: Keymap,
    pub theme: Theme,
    pub en: bool,
    pub derajat: Vec<String>,
    /// How pages are previewed (`pratinjau` of the config).
    pub pratinjau: pratinjau::Mode,
    pub problems: Vec<String>,
}

fn loc(file: &Path, line: usize, msg: &str) -> String {
    format!("{}:{line}: {msg}", file.display())
}

/// Loads the console settings; any bad file falls back to defaults and is reported.
pub fn load_settings(paths: &Paths, no_color: bool) -> Settings {
    let mut problems = Vec::new();
    let cf = paths.console_toml();
    let cfg = match std::fs::read_to_string(&cf) {
        Ok(text) => match crate::config::parse_toml::<ConsoleConfig>(&cf, &text) {
            Ok(c) => c,
            Err(e) => {
                problems.push(e.to_string());
                ConsoleConfig::default()
            }
        },
        Err(_) => ConsoleConfig::default(),
    };
    if !matches!(cfg.lang.as_str(), "id" | "en") {
        problems.push(loc(
            &cf,
            1,
            &format!("lang '{}' tidak dikenal: pakai id atau en", cfg.lang),
        ));
    }
    let en = cfg.lang == "en";
    let mode = pratinjau::Mode::parse(&cfg.pratinjau).unwrap_or_else(|| {
        problems.push(loc(
            &cf,
            1,
            &format!(
                "pratinjau '{}' tidak dikenal: pakai auto, halfblocks atau off",
                cfg.pratinjau
            ),
        ));
        pratinjau::Mode::Auto
    });
    if !keymap::SHIPPED.iter().any(|(n, _)| *n == cfg.keymap) {
        problems.push(loc(
            &cf,
            1,
            &format!(
                "keymap '{}' tidak dikenal: pakai default atau emacs",
                cfg.keymap
            ),
        ));
    }
    let mut km = Keymap::shipped(&cfg.keymap);
    let kf = paths.config_dir.join("keymap.toml");
    if let Ok(text) = std::fs::read_to_string(&kf)
        && let Err(errs) = km.apply(&text)
    {
        for e in errs {
            problems.push(loc(&kf, e.line, &e.message));
        }
    }
    let user_theme = paths
        .config_dir
        .join("themes")
        .join(format!("{}.toml", cfg.theme));
    let theme = if let Ok(text) = std::fs::read_to_string(&user_theme) {
        match Theme::parse(&cfg.theme, &text) {
            Ok(t) => t,
            Err(errs) => {
                for (l, m) in errs {
                    problems.push(loc(&user_theme, l, &m));
                }
                Theme::shipped("default").expect("default theme")
            }
        }
    } else if let Some(t) = Theme::shipped(&cfg.theme) {
        t
    } else {
        problems.push(loc(
            &cf,
            1,
            &format!(
                "tema '{}' tidak ada: pakai default, mono, high-contrast atau {}",
                cfg.theme,
                user_theme.display()
            ),
        ));
        Theme::shipped("default").expect("default theme")
    };
    let theme = if no_color {
        theme.without_color()
    } else {
        theme
    };
    let derajat = NodeConfig::load(paths)
        .map(|c| c.derajat_names())
        .unwrap_or_else(|_| default_derajat().into_iter().map(|d| d.name).collect());
    Settings {
        keymap: km,
        theme,
        en,
        derajat,
        pratinjau: mode,
        problems,
    }
}

/// Builds the state from settings.
pub fn app_from(s: Settings) -> App {
    let mut app = App::new(s.keymap, s.theme, s.en, s.derajat);
    app.warnings = s.problems;
    // `auto` asks the terminal in `term::run` (before the input thread reads); until then, and in
    // tests, half-blocks.
    app.pratinjau = pratinjau::Pratinjau::new(
        (s.pratinjau != pratinjau::Mode::Off).then(ratatui_image::picker::Picker::halfblocks),
    );
    app
}

/// Is `NO_COLOR` set (to anything non-empty)?
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Opens the console.
pub fn run(paths: &Paths) -> Result<(), String> {
    term::run(paths)
}

/// Problems in console configuration files, as `file:line: message`.
pub fn check_config(paths: &Paths) -> Vec<String> {
    let mut out = load_settings(paths, false).problems;
    if let Ok(rd) = std::fs::read_dir(paths.config_dir.join("themes")) {
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "toml")
                && let Ok(text) = std::fs::read_to_string(&p)
                && let Err(errs) = Theme::parse("user", &text)
            {
                for (l, m) in errs {
                    let s = loc(&p, l, &m);
                    if !out.contains(&s) {
                        out.push(s);
                    }
                }
            }
        }
    }
    out
}
