//! Runs the state's effects against a node connection. Tests drive a `Session` with key strings
//! against a real node; the terminal loop uses the same type.

use std::collections::VecDeque;

use base64::Engine;
use crossterm::event::KeyEvent;

use super::action::Action;
use super::app::{App, Effect, Purpose};
use super::keymap::parse_keys;
use crate::client::{Client, ClientError};
use crate::proto::{Reply, Request};

/// The node connection as the console needs it.
pub trait NodeLink {
    fn call(&mut self, req: Request) -> Result<Reply, ClientError>;
}

impl NodeLink for Client {
    fn call(&mut self, req: Request) -> Result<Reply, ClientError> {
        Client::call(self, req)
    }
}

/// State plus (maybe) a connection.
pub struct Session<L: NodeLink> {
    pub app: App,
    pub link: Option<L>,
    /// The terminal must be cleared before the next draw (Ctrl-L).
    pub clear: bool,
    /// Runs an [`Effect::CallLong`] in the background (the terminal: its own connection in a thread,
    /// the reply comes back as a message). `None`: long calls run like the others, on `link`.
    pub background: Option<Box<dyn FnMut(Request, Purpose)>>,
}

impl<L: NodeLink> Session<L> {
    pub fn new(app: App, link: Option<L>) -> Session<L> {
        let mut s = Session {
            app,
            link,
            clear: false,
            background: None,
        };
        s.app.connected = s.link.is_some();
        s
    }

    /// Runs effects until none are left.
    pub fn run(&mut self, effects: Vec<Effect>) {
        let mut q: VecDeque<Effect> = effects.into();
        while let Some(e) = q.pop_front() {
            match e {
                Effect::Call(req, purpose) => {
                    let r = match &mut self.link {
                        Some(l) => match l.call(req) {
                            Ok(r) => Ok(r),
                            Err(
                                e @ (ClientError::Lost(_)
                                | ClientError::Timeout(_)
                                | ClientError::NoNode(_)),
                            ) => {
                                self.link = None;
                                self.app.set_connected(false);
                                Err(e.to_string())
                            }
                            Err(e) if e.code() == Some("disabled") => {
                                self.app.operator_disabled(&e.to_string());
                                self.link = None;
                                continue;
                            }
                            Err(e) => Err(e.to_string()),
                        },
                        None => Err(self
                            .app
                            .tr("node tidak terhubung", "node not connected")
                            .to_string()),
                    };
                    q.extend(self.app.on_reply(purpose, r));
                }
                Effect::WriteFile(path, b64) => {
                    let r = base64::engine::general_purpose::STANDARD
                        .decode(b64)
                        .map_err(|e| e.to_string())
                        .and_then(|d| {
                            crate::crypto::fsutil::write_new_private(&path, &d)
                                .map_err(|e| e.to_string())
                        });
                    match r {
                        Ok(()) => self
                            .app
                            .notify(format!("lampiran diekspor ke {}", path.display()), false),
                        Err(e) => self
                            .app
                            .notify(format!("gagal menulis {}: {e}", path.display()), true),
                    }
                }
                Effect::CallWithFiles(mut req, paths, purpose) => {
                    let mut loaded = Vec::new();
                    let mut failed = None;
                    for p in &paths {
                        match std::fs::read(p) {
                            Ok(d) => loaded.push(crate::proto::KgmFile {
                                name: p
                                    .file_name()
                                    .map(|n| n.to_string_lossy().into_owned())
                                    .unwrap_or_default(),
                                data_b64: base64::engine::general_purpose::STANDARD.encode(d),
                                ..Default::default()
                            }),
                            Err(e) => {
                                failed = Some(format!("{}: {e}", p.display()));
                                break;
                            }
                        }
                    }
                    if let Some(e) = failed {
                        self.app.notify(e, true);
                        continue;
                    }
                    if let Request::KriptogramSeal { files, .. } = &mut req {
                        files.extend(loaded);
                    }
                    q.push_back(Effect::Call(req, purpose));
                }
                Effect::CallLong(req, purpose) => match &mut self.background {
                    Some(run) => run(req, purpose),
                    None => q.push_front(Effect::Call(req, purpose)),
                },
                Effect::ClearScreen => self.clear = true,
                Effect::Quit => self.app.quit = true,
            }
        }
    }

    /// Loads everything (after connecting).
    pub fn start(&mut self) {
        let e = self.app.start();
        self.run(e);
    }

    pub fn key(&mut self, ev: KeyEvent) {
        let e = self.app.on_key(ev);
        self.run(e);
    }

    /// Presses keys written as a key string (`r<Tab><C-s>`); panics on a bad key name (tests).
    pub fn keys(&mut self, s: &str) {
        for k in parse_keys(s).expect("valid key string") {
            self.key(k.to_event());
        }
    }

    pub fn action(&mut self, a: Action) {
        let e = self.app.update(a);
        self.run(e);
    }
}
