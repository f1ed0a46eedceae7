//! The pane registry: every console tab, in tab order. Tab numbers, tab names, keymap contexts and the
//! status-line hints all come from [`REGISTRY`], so a message that says "buka tab Insiden (5)" cannot
//! drift from the tab bar or the digit keys (`tab 5` in the keymap resolves through here).
//!
//! Adding a pane: a new file under `src/console/` with its state implementing [`PaneState`], a variant
//! of [`Pane`], a row here, its field in `App` with an arm in `App::pane_state` (drawing and the tab
//! count follow), and its lines in the routing of `App::update` / `App::on_reply`
//! (`docs/ARCHITECTURE.md`, "Adding a pane").

pub use super::action::Pane;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::action::Action;
use super::ctx::Ctx;
use super::effect::{Effect, Purpose};
use crate::proto::Reply;

/// What a pane is: its own state, the actions it handles while shown, the replies to its own
/// purposes, and how it draws. A pane gets the shared [`Ctx`] and never another pane's state; the
/// app routes a key to the top overlay, then the shown pane, then the global bindings.
pub trait PaneState {
    /// Handles `a` while this pane is shown (or, for actions that name this pane's records, from
    /// anywhere: they refuse unless the pane is shown). `None`: not this pane's action.
    fn update(&mut self, cx: &mut Ctx, a: &Action) -> Option<Vec<Effect>>;
    /// Applies a reply to one of this pane's purposes; `None` when `purpose` is not its own. A
    /// reply arriving after the operator left the pane is applied all the same.
    fn on_reply(&mut self, cx: &mut Ctx, purpose: &Purpose, r: &Reply) -> Option<Vec<Effect>>;
    /// Draws the pane body into `r` (reads only).
    fn draw(&self, cx: &Ctx, f: &mut Frame, r: Rect);
    /// The number of rows it shows.
    fn count(&self) -> usize;
    /// What its tab shows as its count (`count` by default; the agenda tabs show their books'
    /// total).
    fn count_label(&self, _cx: &Ctx) -> String {
        self.count().to_string()
    }
    /// The requests that reload what it shows.
    fn refresh(&self, cx: &Ctx) -> Vec<Effect>;
}

/// One registered pane.
pub struct PaneInfo {
    pub id: Pane,
    /// The name used by `tab NAME` and in the keymap context of the pane.
    pub name: &'static str,
    /// Tab title (Indonesian, English).
    pub title_id: &'static str,
    pub title_en: &'static str,
    /// Action names shown as hints in the status line when no overlay is open.
    pub hints: &'static [&'static str],
    /// Entry actions of the buku agenda (void, note, export…) apply in this pane's list.
    pub agenda: bool,
}

/// The panes in tab order (tab number = position + 1).
pub const REGISTRY: &[PaneInfo] = &[
    PaneInfo {
        id: Pane::Masuk,
        name: "masuk",
        title_id: "Masuk",
        title_en: "Incoming",
        hints: &["triage", "dispose", "open", "filter", "help", "quit"],
        agenda: true,
    },
    PaneInfo {
        id: Pane::Keluar,
        name: "keluar",
        title_id: "Keluar",
        title_en: "Outgoing",
        // The send flow in key order (issue 14): draft, approvals, agenda, the signed scan, seal, send.
        hints: &[
            "keluar_new",
            "keluar_paraf",
            "keluar_ttd",
            "keluar_register",
            "attach",
            "seal",
            "keluar_send",
            "help",
        ],
        agenda: true,
    },
    PaneInfo {
        id: Pane::Disposisi,
        name: "disposisi",
        title_id: "Disposisi",
        title_en: "Disposisi",
        hints: &[
            "disposisi_open",
            "disposisi_done",
            "dispose",
            "disposisi_tab",
            "disposisi_print",
            "help",
        ],
        agenda: false,
    },
    PaneInfo {
        id: Pane::Palsan,
        name: "palsan",
        title_id: "Palsan",
        title_en: "Equipment",
        hints: &[
            "palsan_add",
            "open",
            "palsan_checkout",
            "palsan_checkin",
            "palsan_repair",
            "palsan_step",
            "filter",
        ],
        agenda: false,
    },
    PaneInfo {
        id: Pane::Insiden,
        name: "insiden",
        title_id: "Insiden",
        title_en: "Incidents",
        // A response in key order: log, tick, correct, evidence, custody, report, close.
        hints: &[
            "insiden_log",
            "insiden_tick",
            "insiden_koreksi",
            "insiden_bukti",
            "insiden_serah_terima",
            "insiden_laporan",
            "insiden_close",
            "help",
        ],
        agenda: false,
    },
];

/// The registry row of a pane.
pub fn info(p: Pane) -> &'static PaneInfo {
    REGISTRY
        .iter()
        .find(|i| i.id == p)
        .expect("every pane is registered")
}

/// The tab number of a pane (1-based, as the digit keys and the tab bar show it).
pub fn number(p: Pane) -> usize {
    REGISTRY.iter().position(|i| i.id == p).map_or(0, |i| i + 1)
}

/// A pane by its name (`insiden`) or tab number (`5`).
pub fn by_name(s: &str) -> Option<Pane> {
    let s = s.trim();
    if let Ok(n) = s.parse::<usize>() {
        return n.checked_sub(1).and_then(|i| REGISTRY.get(i)).map(|i| i.id);
    }
    REGISTRY.iter().find(|i| i.name == s).map(|i| i.id)
}

/// `Insiden (5)`: the tab title with its number, for messages that send the operator to a tab.
pub fn tab_ref(p: Pane, en: bool) -> String {
    let i = info(p);
    format!(
        "{} ({})",
        if en { i.title_en } else { i.title_id },
        number(p)
    )
}

/// The pane after `p` in tab order (wrapping).
pub fn next(p: Pane) -> Pane {
    let i = number(p) % REGISTRY.len();
    REGISTRY[i].id
}

impl Pane {
    /// Whether the buku agenda entry actions (void, note, export, seal…) act in this pane.
    pub fn is_agenda(self) -> bool {
        info(self).agenda
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_names_and_next_agree() {
        for (i, r) in REGISTRY.iter().enumerate() {
            assert_eq!(number(r.id), i + 1);
            assert_eq!(by_name(r.name), Some(r.id));
            assert_eq!(by_name(&(i + 1).to_string()), Some(r.id));
            assert_eq!(r.id.as_str(), r.name);
        }
        assert_eq!(next(REGISTRY.last().unwrap().id), REGISTRY[0].id);
        assert_eq!(tab_ref(Pane::Insiden, false), "Insiden (5)");
    }
}
