//! What every pane shares and may borrow: the node and operator, the clock, the terminal size, the
//! language and theme, the status-line message and the overlay stack. A pane gets `&Ctx` to draw and
//! `&mut Ctx` to act; it never sees another pane's state.

use jiff::Timestamp;

use super::action::Pane;
use super::form::FormState;
use super::keymap::{Key, Keymap};
use super::layer::{ConfirmKind, ConfirmState, Layer, PromptKind, PromptState, textarea};
use super::theme::Theme;
use crate::domain::Operator;
use crate::domain::calendar::WorkCalendar;
use crate::proto::StatusInfo;

/// The node as the header shows it.
#[derive(Debug, Clone)]
pub struct NodeHeader {
    pub id: String,
    pub name: String,
    pub calendar: WorkCalendar,
}

/// A status-line message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

/// The shared console state (see the module doc).
#[derive(Debug, Clone)]
pub struct Ctx {
    pub en: bool,
    pub theme: Theme,
    pub keymap: Keymap,
    /// Configuration problems shown on screen (the console fell back to defaults).
    pub warnings: Vec<String>,
    /// The pane on screen.
    pub pane: Pane,
    /// Overlays, bottom to top.
    pub layers: Vec<Layer>,
    pub node: NodeHeader,
    pub operator: Option<Operator>,
    pub status: Option<StatusInfo>,
    pub alarms_open: u64,
    pub connected: bool,
    pub now: Timestamp,
    pub message: Option<Message>,
    pub derajat: Vec<String>,
    pub drafts: Vec<(String, String)>,
    /// Keys of a multi-key sequence typed so far.
    pub pending: Vec<Key>,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    pub quit: bool,
    /// Something visible changed since the last draw.
    pub dirty: bool,
    /// The passphrase prompt for a locked node was shown once this session (DESIGN §5: asked once).
    pub unlock_asked: bool,
    /// Node requests in flight on the worker thread (the header shows a spinner while > 0).
    pub busy: usize,
    /// A node change arrived while requests were in flight: one refresh is due when they are answered
    /// (a burst of changes, e.g. a thousand alarms at once, costs one refresh, not a thousand).
    pub refresh_due: bool,
    /// Who has which entry's form open (pushed by the node).
    pub klaim: Vec<crate::proto::masuk::Pemegang>,
    /// This console's connection number at the node (its own claims are not "someone else").
    pub conn: u64,
    /// The receive flows of the node (`alur.toml`), for the clocks of the Masuk list.
    pub alur: crate::domain::alur::AlurSet,
}

impl Ctx {
    pub fn new(keymap: Keymap, theme: Theme, en: bool, derajat: Vec<String>) -> Ctx {
        Ctx {
            en,
            theme,
            keymap,
            warnings: Vec::new(),
            pane: Pane::Masuk,
            layers: Vec::new(),
            node: NodeHeader {
                id: String::new(),
                name: String::new(),
                calendar: WorkCalendar::new("UTC", []).expect("UTC exists"),
            },
            operator: None,
            status: None,
            alarms_open: 0,
            connected: false,
            now: crate::clock::now(),
            message: None,
            derajat,
            drafts: Vec::new(),
            unlock_asked: false,
            busy: 0,
            refresh_due: false,
            klaim: Vec::new(),
            conn: 0,
            alur: Default::default(),
            pending: Vec::new(),
            size: (80, 24),
            quit: false,
            dirty: true,
        }
    }

    /// A prompt label `what ID tail: ` with `what` and `tail` as (Indonesian, English) texts.
    pub fn label(
        &self,
        what: (&str, &str),
        id: impl std::fmt::Display,
        tail: Option<(&str, &str)>,
    ) -> String {
        let tail = tail.map_or(String::new(), |(i, e)| format!(" {}", self.tr(i, e)));
        format!("{} {id}{tail}: ", self.tr(what.0, what.1))
    }

    /// Picks the Indonesian or English text.
    pub fn tr<'a>(&self, id: &'a str, en: &'a str) -> &'a str {
        if self.en { en } else { id }
    }

    /// The spinner frame while node requests are in flight (the header shows it), else `None`.
    pub fn busy_glyph(&self) -> Option<&'static str> {
        const FRAMES: [&str; 4] = ["◐", "◓", "◑", "◒"];
        (self.busy > 0).then(|| FRAMES[(self.now.as_second().rem_euclid(4)) as usize])
    }

    /// Rows available to the list.
    pub fn page(&self) -> usize {
        (self.size.1 as usize).saturating_sub(5).max(1)
    }

    pub fn form(&self) -> Option<&FormState> {
        self.layers.iter().rev().find_map(|l| match l {
            Layer::Form(f) => Some(&**f),
            _ => None,
        })
    }

    pub fn form_mut(&mut self) -> Option<&mut FormState> {
        self.layers.iter_mut().rev().find_map(|l| match l {
            Layer::Form(f) => Some(&mut **f),
            _ => None,
        })
    }

    pub(crate) fn info(&mut self, s: impl Into<String>) {
        self.message = Some(Message {
            text: s.into(),
            error: false,
        });
    }

    pub(crate) fn error(&mut self, s: impl Into<String>) {
        self.message = Some(Message {
            text: s.into(),
            error: true,
        });
    }

    pub(crate) fn prompt(&mut self, kind: PromptKind, initial: &str) {
        let mut input = textarea(initial);
        if kind == PromptKind::Unlock {
            input.set_mask_char('•');
        }
        self.layers.push(Layer::Prompt(Box::new(PromptState {
            kind,
            input,
            completion: None,
            error: None,
        })));
    }

    /// Opens a yes/no box on top with `message`; `y` runs `kind`.
    pub(crate) fn confirm(&mut self, message: String, kind: ConfirmKind) {
        self.layers
            .push(Layer::Confirm(ConfirmState { message, kind }));
    }

    /// A clock tick; true when the shown clock changed.
    pub fn tick(&mut self, now: Timestamp) -> bool {
        let changed = now.as_second() != self.now.as_second();
        self.now = now;
        if changed {
            self.dirty = true;
        }
        changed
    }

    /// The connection came or went.
    pub fn set_connected(&mut self, up: bool) {
        if self.connected != up {
            self.connected = up;
            self.dirty = true;
        }
    }

    /// Reports the outcome of an effect the driver ran.
    pub fn notify(&mut self, text: String, error: bool) {
        self.dirty = true;
        self.message = Some(Message { text, error });
    }

    /// The text of a failed request in the console's language: the refusal's code as words, then the
    /// node's message (which names the rule and what to do). A disabled operator is also offered to
    /// quit (the node refuses every further request).
    pub fn refusal(&mut self, e: &crate::client::ClientError) -> String {
        use crate::client::ClientError;
        use crate::proto::ErrorCode as C;
        let (code, message) = match e {
            ClientError::Refused { code, message } => (*code, message.clone()),
            ClientError::Lost(m) => {
                return format!(
                    "{}: {m}",
                    self.tr("sambungan ke node terputus", "lost the node connection")
                );
            }
            ClientError::Timeout(d) => {
                return format!(
                    "{} {}s",
                    self.tr(
                        "node tidak menjawab dalam",
                        "the node did not answer within"
                    ),
                    d.as_secs()
                );
            }
            ClientError::Berkas(m) => return m.clone(),
            ClientError::NoNode(p) => {
                return format!(
                    "{} {}",
                    self.tr("tidak ada node di", "no node on"),
                    p.display()
                );
            }
        };
        let what = match code {
            C::BadRequest => self.tr("permintaan tidak sah", "bad request"),
            C::NotFound => self.tr("tidak ditemukan", "not found"),
            C::Rule => self.tr("ditolak aturan", "refused by a rule"),
            C::Forbidden => self.tr("tidak berwenang", "not permitted"),
            C::Disabled => self.tr("operator Anda dinonaktifkan", "your operator is disabled"),
            C::Locked => self.tr(
                "node terkunci (:unlock dengan frasa sandi keystore)",
                "node locked (:unlock with the keystore passphrase)",
            ),
            C::Unverified => self.tr("node mitra belum diverifikasi", "peer not verified"),
            C::Internal => self.tr("kesalahan di node", "node error"),
            C::Version => self.tr("versi protokol berbeda", "protocol version differs"),
            C::Busy => self.tr("node sedang penuh", "node busy"),
            C::RateLimited => self.tr("terlalu banyak percobaan", "too many attempts"),
            C::DiskFull => self.tr("disk penuh di node", "node disk full"),
            C::Integrity => self.tr(
                "berkas tersimpan rusak/diganti",
                "stored file damaged or replaced",
            ),
            C::Stopping => self.tr("node sedang berhenti", "node stopping"),
            C::Unknown => self.tr("ditolak", "refused"),
        };
        format!("{what}: {message}")
    }
}
