//! Keymaps: contexts of `key sequence → action`, built from the shipped TOML files plus a user overlay.
//!
//! File format: one table per context ([`CONTEXTS`]: `[global]`, `[list]`, `[masuk]`, `[detail]`, `[form]`,
//! `[backup]`…), each `"key" = "action args"`. A key is a combination like `j`,
//! `G`, `ctrl-s`, `shift-tab`, `pagedown`, or a space-separated sequence (`ctrl-x ctrl-c`); pending
//! sequences are only reset by a key, never by time. `"none"` unbinds the key in that context.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::{ACTIONS, Action};

/// Shipped keymaps (embedded).
pub const DEFAULT_TOML: &str = include_str!("../../keymaps/default.toml");
pub const EMACS_TOML: &str = include_str!("../../keymaps/emacs.toml");

/// Names of the shipped keymaps and their text. `emacs` is an overlay on `default`.
pub const SHIPPED: &[(&str, &str)] = &[("default", DEFAULT_TOML), ("emacs", EMACS_TOML)];

/// The contexts a keymap may define.
pub const CONTEXTS: &[&str] = &[
    "global",
    "list",
    "masuk",
    "keluar",
    "detail",
    "form",
    "prompt",
    "confirm",
    "help",
    "peers",
    "palsan",
    "disposisi",
    "disposisi_form",
    "disposisi_detail",
    "insiden",
    "backup",
    "alarm",
];

/// One normalised key combination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    /// Normalises a terminal key event (shift folded into the character, shift-tab as BackTab).
    pub fn from_event(e: KeyEvent) -> Key {
        let mut mods =
            e.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match e.code {
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                if mods.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            c => c,
        };
        Key { code, mods }
    }

    /// The event this key stands for (tests and the text area).
    pub fn to_event(self) -> KeyEvent {
        let mut mods = self.mods;
        if let KeyCode::Char(c) = self.code
            && c.is_uppercase()
        {
            mods |= KeyModifiers::SHIFT;
        }
        KeyEvent::new(self.code, mods)
    }

    /// Parses `j`, `G`, `ctrl-s`, `C-s`, `shift-tab`, `<Enter>`-style names (without brackets).
    pub fn parse(s: &str) -> Result<Key, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            let pre = ["ctrl-", "c-", "alt-", "a-", "m-", "shift-", "s-"]
                .into_iter()
                .find(|p| lower.starts_with(p) && rest.len() > p.len());
            let Some(p) = pre else { break };
            mods |= match p {
                "ctrl-" | "c-" => KeyModifiers::CONTROL,
                "alt-" | "a-" | "m-" => KeyModifiers::ALT,
                _ => KeyModifiers::SHIFT,
            };
            rest = &rest[p.len()..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "cr" | "ret" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "space" | "spc" => KeyCode::Char(' '),
                "backspace" | "bs" => KeyCode::Backspace,
                "del" | "delete" => KeyCode::Delete,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "pageup" | "pgup" => KeyCode::PageUp,
                "pagedown" | "pgdown" | "pgdn" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "lt" => KeyCode::Char('<'),
                f if f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                    KeyCode::F(f[1..].parse().unwrap_or(1))
                }
                _ => return Err(format!("tombol '{s}' tidak dikenal")),
            },
        };
        let (code, mods) = if code == KeyCode::Tab && mods.contains(KeyModifiers::SHIFT) {
            (KeyCode::BackTab, mods - KeyModifiers::SHIFT)
        } else {
            (code, mods)
        };
        Ok(Key::from_event(KeyEvent::new(code, mods)))
    }

    /// Display name for help (`ctrl-s`, `pagedown`, `G`).
    pub fn name(self) -> String {
        let mut s = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            s.push_str("ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            s.push_str("alt-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            s.push_str("shift-");
        }
        match self.code {
            KeyCode::Char(' ') => s.push_str("space"),
            KeyCode::Char(c) => s.push(c),
            KeyCode::Enter => s.push_str("enter"),
            KeyCode::Esc => s.push_str("esc"),
            KeyCode::Tab => s.push_str("tab"),
            KeyCode::BackTab => s.push_str("shift-tab"),
            KeyCode::Backspace => s.push_str("backspace"),
            KeyCode::Delete => s.push_str("del"),
            KeyCode::Up => s.push('↑'),
            KeyCode::Down => s.push('↓'),
            KeyCode::Left => s.push('←'),
            KeyCode::Right => s.push('→'),
            KeyCode::PageUp => s.push_str("pgup"),
            KeyCode::PageDown => s.push_str("pgdn"),
            KeyCode::Home => s.push_str("home"),
            KeyCode::End => s.push_str("end"),
            KeyCode::F(n) => s.push_str(&format!("f{n}")),
            other => s.push_str(&format!("{other:?}")),
        }
        s
    }
}

/// Parses a space-separated key sequence.
pub fn parse_seq(s: &str) -> Result<Vec<Key>, String> {
    if s == " " {
        return Ok(vec![Key::parse("space")?]);
    }
    let v: Result<Vec<Key>, String> = s.split_whitespace().map(Key::parse).collect();
    let v = v?;
    if v.is_empty() {
        return Err("tombol kosong".into());
    }
    Ok(v)
}

/// Parses a test/`send` key string: literal characters plus `<…>` names (`<C-s>`, `<Tab>`, `<Esc>`).
pub fn parse_keys(s: &str) -> Result<Vec<Key>, String> {
    let mut out = Vec::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c == '<' && it.peek().is_some_and(|n| *n != '<' && *n != ' ') {
            let mut name = String::new();
            for n in it.by_ref() {
                if n == '>' {
                    break;
                }
                name.push(n);
            }
            out.push(Key::parse(&name)?);
        } else {
            out.push(Key::from_event(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
        }
    }
    Ok(out)
}

/// One binding.
#[derive(Debug, Clone)]
pub struct Binding {
    pub keys: Vec<Key>,
    /// The action text as written (`tab masuk`).
    pub action: String,
    pub parsed: Action,
}

/// A whole keymap: bindings per context, in file order.
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    pub contexts: Vec<(String, Vec<Binding>)>,
}

/// A keymap problem with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeymapError {
    pub line: usize,
    pub message: String,
}

fn line_of(text: &str, needle: &str, after: usize) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    for (i, l) in lines.iter().enumerate().skip(after.saturating_sub(1)) {
        if l.contains(needle) {
            return i + 1;
        }
    }
    after.max(1)
}

impl Keymap {
    /// The shipped default keymap, optionally with a shipped overlay (`emacs`).
    pub fn shipped(name: &str) -> Keymap {
        let mut k = Keymap::default();
        k.apply(DEFAULT_TOML)
            .expect("the shipped default keymap parses");
        if name != "default"
            && let Some((_, text)) = SHIPPED.iter().find(|(n, _)| *n == name)
        {
            k.apply(text).expect("shipped keymaps parse");
        }
        k
    }

    /// Applies an overlay: adds, replaces (same keys in the same context) or unbinds (`"none"`).
    /// On error nothing is applied.
    pub fn apply(&mut self, text: &str) -> Result<(), Vec<KeymapError>> {
        let table: toml::Table = match toml::from_str(text) {
            Ok(t) => t,
            Err(e) => {
                let line = e.span().map_or(1, |s| {
                    text[..s.start.min(text.len())].matches('\n').count() + 1
                });
                return Err(vec![KeymapError {
                    line,
                    message: e.message().to_string(),
                }]);
            }
        };
        let mut errs = Vec::new();
        let mut next = self.clone();
        for (ctx, v) in &table {
            let ctx_line = line_of(text, &format!("[{ctx}]"), 1);
            if !CONTEXTS.contains(&ctx.as_str()) {
                errs.push(KeymapError {
                    line: ctx_line,
                    message: format!(
                        "konteks '{ctx}' tidak dikenal: pakai {}",
                        CONTEXTS.join(", ")
                    ),
                });
                continue;
            }
            let Some(t) = v.as_table() else {
                errs.push(KeymapError {
                    line: ctx_line,
                    message: format!("'{ctx}' harus berupa tabel [{ctx}]"),
                });
                continue;
            };
            // Keep file order (help lists bindings as written).
            let mut items: Vec<(usize, &String, &toml::Value)> = t
                .iter()
                .map(|(k, a)| (line_of(text, &format!("\"{k}\""), ctx_line), k, a))
                .collect();
            items.sort_by_key(|i| i.0);
            for (line, k, a) in items {
                let Some(a) = a.as_str() else {
                    errs.push(KeymapError {
                        line,
                        message: format!("aksi untuk '{k}' harus berupa teks"),
                    });
                    continue;
                };
                let keys = match parse_seq(k) {
                    Ok(keys) => keys,
                    Err(m) => {
                        errs.push(KeymapError { line, message: m });
                        continue;
                    }
                };
                let parsed = match Action::parse(a) {
                    Ok(p) => p,
                    Err(m) => {
                        errs.push(KeymapError { line, message: m });
                        continue;
                    }
                };
                next.bind(ctx, keys, a.trim().to_string(), parsed);
            }
        }
        if errs.is_empty() {
            *self = next;
            Ok(())
        } else {
            Err(errs)
        }
    }

    fn bind(&mut self, ctx: &str, keys: Vec<Key>, action: String, parsed: Action) {
        let i = match self.contexts.iter().position(|(c, _)| c == ctx) {
            Some(i) => i,
            None => {
                self.contexts.push((ctx.to_string(), Vec::new()));
                self.contexts.len() - 1
            }
        };
        let list = &mut self.contexts[i].1;
        list.retain(|b| b.keys != keys);
        if parsed != Action::None {
            list.push(Binding {
                keys,
                action,
                parsed,
            });
        }
    }

    /// Bindings of one context.
    pub fn context(&self, ctx: &str) -> &[Binding] {
        self.contexts
            .iter()
            .find(|(c, _)| c == ctx)
            .map_or(&[], |(_, b)| b.as_slice())
    }

    /// Looks `seq` up in `ctxs` (first context wins): an exact match, or `Pending` when it is the prefix
    /// of a longer binding.
    pub fn lookup(&self, ctxs: &[&str], seq: &[Key]) -> Lookup {
        let mut prefix = false;
        for c in ctxs {
            for b in self.context(c) {
                if b.keys == seq {
                    return Lookup::Action(b.parsed.clone());
                }
                if b.keys.len() > seq.len() && b.keys[..seq.len()] == *seq {
                    prefix = true;
                }
            }
            if prefix {
                return Lookup::Pending;
            }
        }
        Lookup::None
    }

    /// The first key sequence bound to action text `action` in `ctxs` (for hints).
    pub fn key_for(&self, ctxs: &[&str], action: &str) -> Option<String> {
        ctxs.iter().find_map(|c| {
            self.context(c)
                .iter()
                .find(|b| b.action == action)
                .map(|b| seq_name(&b.keys))
        })
    }
}

/// Display of a key sequence.
pub fn seq_name(keys: &[Key]) -> String {
    keys.iter().map(|k| k.name()).collect::<Vec<_>>().join(" ")
}

/// Result of a lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Action(Action),
    Pending,
    None,
}

/// The description of an action text in the chosen language.
pub fn describe(action: &str, en: bool) -> String {
    let name = action.split_whitespace().next().unwrap_or("");
    let arg = action[name.len()..].trim();
    let d = ACTIONS
        .iter()
        .find(|a| a.name == name)
        .map_or(name, |a| if en { a.en } else { a.id });
    if arg.is_empty() {
        d.to_string()
    } else {
        format!("{d}: {arg}")
    }
}

#[cfg(test)]
mod tests {
    /// The agenda contexts never take a global key away (`P` peers, `b` backup log, `B`, the tab
    /// digits…): a sandiman's global keys work on every list and detail. Found when `P` became the
    /// signature key in Keluar and hid the peers overlay there.
    #[test]
    fn agenda_contexts_keep_the_global_keys() {
        let t: toml::Table = toml::from_str(super::DEFAULT_TOML).unwrap();
        let global = t["global"].as_table().unwrap();
        for ctx in ["list", "masuk", "keluar", "detail"] {
            let own = t[ctx].as_table().unwrap();
            for k in own.keys() {
                if k == "esc" || (ctx == "detail" && k == "q") {
                    continue; // leaving an overlay: "back" (esc is global "back" too)
                }
                assert!(
                    !global.contains_key(k),
                    "[{ctx}] rebinds the global key '{k}' ({} → {})",
                    global[k],
                    own[k]
                );
            }
        }
    }
}
