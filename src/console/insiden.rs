//! The Insiden pane of the console: the *Logbook Insiden Keamanan Informasi* (seed 003, SOP PI.03).
//!
//! - Quick capture from any pane (`!` by default, action `insiden_new`): the incident is opened at once
//!   (detection time = the keypress, on the node) and a one-line log prompt takes the cursor; every
//!   Enter appends a timeline entry and the prompt stays for the next line; Esc leaves it. A line that
//!   starts with `@nama` names the second operator who performed the action (one types, one acts).
//! - The pane lists incidents, open first, with their SLA clocks; Enter opens the detail (record,
//!   checklist, timeline).
//! - The header of every console shows the SLA clocks of open incidents (`⚑3 K 04:12 E 29:12`),
//!   recomputed from the console clock each second; `✓` met, `✗` breached.
//!
//! UI-free parts (state, action handling) are here; drawing functions take `&App`.

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::Constraint::{Fill as F, Length as L};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Paragraph};

use super::widgets::{Column as C, ListView, draw_table, heading};

use super::action::{Action, Pane};
use super::ctx::Ctx;
use super::effect::{Effect, Purpose};
use super::layer::{Layer, PromptKind, PromptState};
use crate::domain::insiden::{Insiden, JenisEntri, KeadaanSla, Sla, SlaJenis};
use crate::proto::insiden::{InsidenReply, InsidenRequest};
use crate::proto::{Reply, Request};

/// The page the list cursor assumes before the first draw (the draw keeps the cursor on screen with
/// [`super::widgets::Cursor::offset_for`]).
const PAGE_UNKNOWN: usize = usize::MAX / 2;

/// State of the Insiden pane.
#[derive(Debug, Clone, Default)]
pub struct InsidenPane {
    /// All incidents, open first (as the node orders them), with the cursor.
    pub list: ListView<Insiden>,
    /// The incident whose detail is shown in the pane.
    pub detail: Option<u64>,
    /// The detail's text view (wrapped rows; opens at the newest line and follows it).
    pub view: super::widgets::TextView,
}

impl InsidenPane {
    /// The incident under the cursor.
    pub fn selected(&self) -> Option<&Insiden> {
        self.list.selected()
    }

    /// The incident actions apply to: the open detail, else the selection.
    pub fn current(&self) -> Option<&Insiden> {
        match self.detail {
            Some(id) => self.list.items.iter().find(|i| i.id == id),
            None => self.selected(),
        }
    }

    /// Replaces the list, keeping the cursor on the same incident.
    pub fn set(&mut self, items: Vec<Insiden>) {
        let keep = self.selected().map(|i| i.id);
        self.list.items = items;
        self.relist(keep);
    }

    /// Rebuilds the view (every incident, in the node's order) keeping the cursor on `keep`.
    fn relist(&mut self, keep: Option<u64>) {
        self.list.rebuild(keep, PAGE_UNKNOWN, |_| true, |_, _| {});
    }

    /// Puts one incident into the list (after a mutation reply).
    pub fn upsert(&mut self, i: Insiden) {
        let keep = self.selected().map(|i| i.id);
        match self.list.items.iter_mut().find(|x| x.id == i.id) {
            Some(x) => *x = i,
            None => self.list.items.insert(0, i),
        }
        self.relist(keep);
    }

    /// Open incidents.
    pub fn open(&self) -> impl Iterator<Item = &Insiden> {
        self.list.items.iter().filter(|i| i.status.is_open())
    }
}

impl super::pane::PaneState for InsidenPane {
    fn update(&mut self, cx: &mut Ctx, a: &Action) -> Option<Vec<Effect>> {
        update(self, cx, a)
    }

    fn on_reply(&mut self, cx: &mut Ctx, purpose: &Purpose, r: &Reply) -> Option<Vec<Effect>> {
        match purpose {
            Purpose::InsidenLogged(..)
            | Purpose::InsidenList
            | Purpose::InsidenOpened
            | Purpose::InsidenLaporan(_) => Some(on_reply(self, cx, purpose, r)),
            _ => None,
        }
    }

    fn draw(&self, cx: &Ctx, f: &mut Frame, r: Rect) {
        draw(self, cx, f, r)
    }

    fn count(&self) -> usize {
        self.open().count()
    }

    fn refresh(&self, _cx: &Ctx) -> Vec<Effect> {
        vec![list_call()]
    }
}

/// The request that loads the pane (all incidents, open first).
pub fn list_call() -> Effect {
    Effect::Call(
        Request::Insiden(InsidenRequest::List { semua: true }),
        Purpose::InsidenList,
    )
}

fn call(r: InsidenRequest, msg: String) -> Effect {
    Effect::Call(Request::Insiden(r), Purpose::Done(msg))
}

/// Handles the incident actions, and the list actions while the Insiden pane is shown with no overlay.
/// `None`: not an incident matter, the caller goes on.
fn update(p: &mut InsidenPane, cx: &mut Ctx, a: &Action) -> Option<Vec<Effect>> {
    let in_pane = cx.pane == Pane::Insiden && cx.layers.is_empty();
    // Incident actions act on the incident shown in the Insiden pane only (never a hidden cursor).
    let need = |p: &InsidenPane, cx: &mut Ctx| -> Option<u64> {
        let id = if cx.pane == Pane::Insiden {
            p.current().map(|i| i.id)
        } else {
            None
        };
        if id.is_none() {
            let tab = super::pane::tab_ref(Pane::Insiden, cx.en);
            cx.error(if cx.en {
                format!("no incident on screen: open the {tab} tab or press ! for a new incident")
            } else {
                format!(
                    "tidak ada insiden di layar: buka tab {tab} atau tekan ! untuk insiden baru"
                )
            });
        }
        id
    };
    Some(match a {
        // Inside an open incident `!` notes a line in it rather than opening a second incident.
        Action::InsidenNew if in_pane && p.detail.is_some() => {
            return update(p, cx, &Action::InsidenLog(None));
        }
        Action::InsidenNew => {
            cx.layers.retain(|l| matches!(l, Layer::Form(_)));
            if !cx.layers.is_empty() {
                return Some(Vec::new());
            }
            vec![Effect::Call(
                Request::Insiden(InsidenRequest::New {
                    teks: String::new(),
                    terjadi_at: None,
                    diketahui_at: None,
                }),
                Purpose::InsidenOpened,
            )]
        }
        Action::InsidenLog(v)
        | Action::InsidenTick(v)
        | Action::InsidenPlaybook(v)
        | Action::InsidenClose(v)
        | Action::InsidenSet(v)
        | Action::InsidenKoreksi(v)
        | Action::InsidenBukti(v)
        | Action::InsidenSerahTerima(v)
        | Action::InsidenBatal(v)
        | Action::InsidenGabung(v) => {
            let step = match a {
                Action::InsidenLog(_) => Step::Log,
                Action::InsidenTick(_) => Step::Tick,
                Action::InsidenPlaybook(_) => Step::Playbook,
                Action::InsidenClose(_) => Step::Close,
                Action::InsidenKoreksi(_) => Step::Koreksi,
                Action::InsidenBukti(_) => Step::Bukti,
                Action::InsidenSerahTerima(_) => Step::SerahTerima,
                Action::InsidenBatal(_) => Step::Batal,
                Action::InsidenGabung(_) => Step::Gabung,
                _ => Step::Set,
            };
            let id = need(p, cx)?;
            match v {
                None => {
                    let start = match step {
                        // Pick a line: the newest line is offered, the number is easy to change.
                        Step::Koreksi => p
                            .current()
                            .and_then(|i| i.linimasa.last())
                            .map_or(String::new(), |e| format!("{} ", e.no)),
                        Step::SerahTerima => p
                            .current()
                            .and_then(|i| i.bukti.last())
                            .map_or(String::new(), |b| format!("{} {} > ", b.no, b.pemegang())),
                        _ => String::new(),
                    };
                    cx.prompt(step.prompt(id), &start);
                    Vec::new()
                }
                Some(v) => step.run(cx, id, v),
            }
        }
        Action::InsidenLaporan => {
            let id = need(p, cx)?;
            vec![Effect::Call(Request::KopSurat, Purpose::InsidenLaporan(id))]
        }
        a if in_pane && a.motion(1).is_some() => {
            let page = if p.detail.is_some() {
                p.view.page()
            } else {
                (cx.size.1 as isize - 6).max(1)
            };
            let d = a.motion(page).unwrap_or(0);
            if p.detail.is_some() {
                // Rows of the wrapped timeline: End shows the newest row.
                p.view.scroll_by(d);
            } else {
                p.list.move_by(d, page as usize);
            }
            Vec::new()
        }
        Action::Open if in_pane => {
            if let Some(id) = p.selected().map(|i| i.id) {
                p.detail = Some(id);
                p.view = super::widgets::TextView::at_end();
            }
            Vec::new()
        }
        Action::Back if in_pane && p.detail.is_some() => {
            p.detail = None;
            Vec::new()
        }
        Action::Filter(_) if in_pane => {
            cx.error(cx.tr(
                "saringan belum tersedia di tab Insiden",
                "filtering is not available in the Insiden tab yet",
            ));
            Vec::new()
        }
        _ => return None,
    })
}

/// Parses `field nilai` of the `insiden_set` action into a request. Fields: `judul`, `kategori`,
/// `keparahan`, `tlp`, `sistem`, `sumber` (`?` = tidak diketahui), `koordinator`, `kepala_seksi`,
/// `anggota`, `status`, `keputusan lanjutkan|hentikan NAMA`, and the times `diketahui` / `terjadi`
/// (`05:40`, `@05:40` or `2026-12-01 05:40`, read at `now` in `tz`). Errors name the accepted fields.
pub fn parse_set(
    id: u64,
    v: &str,
    now: Timestamp,
    tz: &jiff::tz::TimeZone,
) -> Result<InsidenRequest, String> {
    use crate::domain::insiden::{
        Kategori, Keparahan, Keputusan, PenugasanPeran, PeranInsiden, StatusInsiden,
        SumberSerangan, Tlp, Ubahan,
    };
    let v = v.trim();
    let (field, rest) = v.split_once(char::is_whitespace).unwrap_or((v, ""));
    let rest = rest.trim().to_string();
    if rest.is_empty() {
        return Err(format!("'{field}' perlu nilai: tulis `{field} <nilai>`"));
    }
    let e = |d: crate::domain::DomainError| d.0;
    let peran = |p: PeranInsiden, nama: String| Ubahan::Peran(PenugasanPeran { peran: p, nama });
    let u = match field.to_lowercase().as_str() {
        "judul" => Ubahan::Judul(rest),
        f @ ("diketahui" | "terjadi") => {
            let marked = if rest.starts_with('@') || rest.contains('-') {
                rest.clone()
            } else {
                format!("@{rest}")
            };
            let b = crate::domain::insiden::masukan::baca_baris(&marked, now, tz).map_err(e)?;
            match (b.waktu, b.teks.is_empty()) {
                (Some(t), true) if f == "diketahui" => Ubahan::DiketahuiAt(t),
                (Some(t), true) => Ubahan::TerjadiAt(t),
                _ => {
                    return Err(format!(
                        "'{rest}' bukan waktu: tulis `{f} 05:40` atau `{f} 2026-12-01 05:40`"
                    ));
                }
            }
        }
        "kategori" => Ubahan::Kategori(Kategori::parse(&rest).map_err(e)?),
        "keparahan" => Ubahan::Keparahan(Keparahan::parse(&rest).map_err(e)?),
        "tlp" => Ubahan::Tlp(Tlp::parse(&rest).map_err(e)?),
        "sistem" => Ubahan::SistemTerdampak(rest),
        "sumber" if rest == "?" => Ubahan::Sumber(SumberSerangan::TidakDiketahui),
        "sumber" => Ubahan::Sumber(SumberSerangan::Diketahui(rest)),
        "koordinator" => peran(PeranInsiden::Koordinator, rest),
        "kepala_seksi" | "kasi" => peran(PeranInsiden::KepalaSeksi, rest),
        "anggota" => peran(PeranInsiden::Anggota, rest),
        "status" => {
            return Ok(InsidenRequest::Status {
                id,
                ke: StatusInsiden::parse(&rest).map_err(e)?,
            });
        }
        "keputusan" => {
            let (k, oleh) = rest.split_once(char::is_whitespace).unwrap_or((&rest, ""));
            if oleh.trim().is_empty() {
                return Err(
                    "keputusan perlu siapa yang memutuskan: `keputusan hentikan Kasi Persandian`"
                        .into(),
                );
            }
            return Ok(InsidenRequest::Keputusan {
                id,
                keputusan: Keputusan::parse(k).map_err(e)?,
                oleh: oleh.trim().to_string(),
            });
        }
        _ => {
            return Err(format!(
                "field '{field}' tidak dikenal: pakai judul, diketahui, terjadi, kategori, keparahan, tlp, sistem, sumber, koordinator, kepala_seksi, anggota, status atau keputusan"
            ));
        }
    };
    Ok(InsidenRequest::Ubah {
        id,
        ubahan: vec![u],
    })
}

fn set_call(cx: &mut Ctx, id: u64, v: &str) -> Vec<Effect> {
    match parse_set(id, v, cx.now, &cx.node.calendar.zone) {
        Ok(r) => vec![call(r, format!("insiden {id} diperbarui"))],
        Err(m) => {
            cx.error(m);
            Vec::new()
        }
    }
}

/// An incident action that takes a text: log a line, tick a step, add a playbook, close, set a field,
/// correct a line, record evidence or a handover, void, merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Log,
    Tick,
    Playbook,
    Close,
    Set,
    Koreksi,
    Bukti,
    SerahTerima,
    Batal,
    Gabung,
}

impl Step {
    /// The prompt that asks for the text.
    fn prompt(self, id: u64) -> PromptKind {
        match self {
            Step::Log => PromptKind::InsidenLog(id),
            Step::Tick => PromptKind::InsidenTick(id),
            Step::Playbook => PromptKind::InsidenPlaybook(id),
            Step::Close => PromptKind::InsidenClose(id),
            Step::Set => PromptKind::InsidenSet(id),
            Step::Koreksi => PromptKind::InsidenKoreksi(id),
            Step::Bukti => PromptKind::InsidenBukti(id),
            Step::SerahTerima => PromptKind::InsidenSerahTerima(id),
            Step::Batal => PromptKind::InsidenBatal(id),
            Step::Gabung => PromptKind::InsidenGabung(id),
        }
    }

    /// The requests for incident `id` with text `v`, and their success messages. A line that does
    /// not read (bad time, missing part) is refused here with the shape to type, and the prompt
    /// comes back with the text.
    fn run(self, cx: &mut Ctx, id: u64, v: &str) -> Vec<Effect> {
        use crate::domain::insiden::masukan;
        let (now, tz) = (cx.now, cx.node.calendar.zone.clone());
        let v = v.to_string();
        let refuse = |cx: &mut Ctx, e: crate::domain::DomainError| {
            cx.prompt(self.prompt(id), &v);
            cx.error(e.0);
            Vec::new()
        };
        let (r, msg) = match self {
            Step::Log => match masukan::baca_baris(&v, now, &tz) {
                Ok(b) => (
                    InsidenRequest::Log {
                        id,
                        teks: b.teks,
                        pelaksana: b.pelaksana,
                        waktu: b.waktu,
                    },
                    format!("insiden {id}: tercatat"),
                ),
                Err(e) => return refuse(cx, e),
            },
            Step::Tick => match masukan::baca_centang(&v, now, &tz) {
                Ok((kode, b)) => {
                    return kode
                        .into_iter()
                        .map(|k| {
                            call(
                                InsidenRequest::Centang {
                                    id,
                                    kode: k.clone(),
                                    pelaksana: b.pelaksana.clone(),
                                    waktu: b.waktu,
                                },
                                format!("insiden {id}: langkah {k} dicentang"),
                            )
                        })
                        .collect();
                }
                Err(e) => return refuse(cx, e),
            },
            Step::Playbook => (
                InsidenRequest::Playbook {
                    id,
                    kode: v.clone(),
                },
                format!("insiden {id}: playbook {} dipakai", v.to_uppercase()),
            ),
            Step::Close => (
                InsidenRequest::Close { id, pelajaran: v },
                format!("insiden {id} ditutup"),
            ),
            Step::Set => return set_call(cx, id, &v),
            Step::Koreksi => match masukan::baca_koreksi(&v, now, &tz) {
                Ok((no, b, alasan)) => (
                    InsidenRequest::Koreksi {
                        id,
                        no,
                        teks: b.teks,
                        alasan,
                        waktu: b.waktu,
                    },
                    format!("insiden {id}: entri {no} dikoreksi"),
                ),
                Err(e) => return refuse(cx, e),
            },
            Step::SerahTerima => match masukan::baca_serah_terima(&v, now, &tz) {
                Ok(st) => (
                    InsidenRequest::SerahTerima {
                        id,
                        no: st.no,
                        dari: st.dari,
                        ke: st.ke.clone(),
                        tempat: st.tempat,
                        at: st.waktu,
                    },
                    format!("insiden {id}: bukti #{} diserahkan kepada {}", st.no, st.ke),
                ),
                Err(e) => return refuse(cx, e),
            },
            Step::Bukti => return bukti_call(cx, id, &v),
            Step::Batal => (
                InsidenRequest::Batal { id, alasan: v },
                format!("insiden {id} dibatalkan"),
            ),
            Step::Gabung => {
                let (ke, alasan) = v.split_once(char::is_whitespace).unwrap_or((&v, ""));
                match ke.trim_start_matches('#').parse::<u64>() {
                    Ok(ke) if !alasan.trim().is_empty() => (
                        InsidenRequest::Gabung {
                            id,
                            ke,
                            alasan: alasan.trim().to_string(),
                        },
                        format!("insiden {id} digabung ke insiden {ke}"),
                    ),
                    _ => {
                        return refuse(
                            cx,
                            crate::domain::DomainError(
                                "tulis nomor insiden tujuan lalu alasannya, mis. `3 kejadian yang sama dilaporkan dua kali`".into(),
                            ),
                        );
                    }
                }
            }
        };
        vec![call(r, msg)]
    }
}

/// `[path] deskripsi`: an evidence item; a first word that names a file (`/…`, `~/…`, `./…`, or an
/// existing file) is kept with the incident, passed to the node as a descriptor on a connection of
/// its own (any size).
fn bukti_call(cx: &mut Ctx, id: u64, v: &str) -> Vec<Effect> {
    let (first, rest) = v.split_once(char::is_whitespace).unwrap_or((v, ""));
    let is_path = ["/", "~/", "./", "../"]
        .iter()
        .any(|p| first.starts_with(p))
        || std::path::Path::new(first).is_file();
    let (path, deskripsi) = if is_path {
        (Some(super::agenda::expand_home(first)), rest.trim())
    } else {
        (None, v.trim())
    };
    if deskripsi.is_empty() {
        cx.prompt(PromptKind::InsidenBukti(id), v);
        cx.error(cx.tr(
            "tulis deskripsi buktinya setelah path, mis. `~/bukti/auth.log log SSH server`",
            "describe the evidence after the path, e.g. `~/bukti/auth.log SSH server log`",
        ));
        return Vec::new();
    }
    let req = Request::Insiden(InsidenRequest::Bukti {
        id,
        deskripsi: deskripsi.to_string(),
        sha256: None,
        pemegang: None,
        berkas: None,
    });
    let msg = format!("insiden {id}: bukti dicatat");
    match path {
        Some(p) => vec![Effect::CallWithFiles(req, vec![p], Purpose::Done(msg))],
        None => vec![Effect::Call(req, Purpose::Done(msg))],
    }
}

/// Submits an incident prompt. The log prompt stays open for the next line (an empty Enter does
/// nothing); the others close.
pub fn submit_prompt(cx: &mut Ctx, kind: PromptKind, v: String) -> Vec<Effect> {
    match kind {
        PromptKind::InsidenLog(id) => {
            // The prompt is at once empty for the next line (typing goes on while the node answers,
            // also over a slow link); a refused line comes back (`line_refused`), never lost.
            cx.prompt(PromptKind::InsidenLog(id), "");
            let b = match crate::domain::insiden::masukan::baca_baris(
                &v,
                cx.now,
                &cx.node.calendar.zone,
            ) {
                Ok(b) => b,
                Err(e) => {
                    line_refused(cx, id, &v, e.0);
                    return Vec::new();
                }
            };
            if b.teks.is_empty() {
                return Vec::new();
            }
            vec![Effect::Call(
                Request::Insiden(InsidenRequest::Log {
                    id,
                    teks: b.teks,
                    pelaksana: b.pelaksana,
                    waktu: b.waktu,
                }),
                Purpose::InsidenLogged(id, v),
            )]
        }
        _ if v.is_empty() => {
            cx.prompt(kind, "");
            cx.error(cx.tr("wajib diisi", "required"));
            Vec::new()
        }
        PromptKind::InsidenTick(id) => Step::Tick.run(cx, id, &v),
        PromptKind::InsidenPlaybook(id) => Step::Playbook.run(cx, id, &v),
        PromptKind::InsidenClose(id) => Step::Close.run(cx, id, &v),
        PromptKind::InsidenSet(id) => Step::Set.run(cx, id, &v),
        PromptKind::InsidenKoreksi(id) => Step::Koreksi.run(cx, id, &v),
        PromptKind::InsidenBukti(id) => Step::Bukti.run(cx, id, &v),
        PromptKind::InsidenSerahTerima(id) => Step::SerahTerima.run(cx, id, &v),
        PromptKind::InsidenBatal(id) => Step::Batal.run(cx, id, &v),
        PromptKind::InsidenGabung(id) => Step::Gabung.run(cx, id, &v),
        _ => Vec::new(),
    }
}

fn log_prompt(cx: &mut Ctx, id: u64) -> Option<&mut PromptState> {
    match cx.layers.last_mut() {
        Some(Layer::Prompt(p)) if p.kind == PromptKind::InsidenLog(id) => Some(p),
        _ => None,
    }
}

/// Log line `v` was refused with `e`: it comes back into the prompt with the reason beside it; when
/// the next line is already being typed, that text stays and the reason quotes the refused line.
pub fn line_refused(cx: &mut Ctx, id: u64, v: &str, e: String) {
    match log_prompt(cx, id) {
        Some(p) if p.value().trim().is_empty() => {
            p.input = super::widgets::textarea(v);
            p.error = Some(e);
        }
        Some(p) => p.error = Some(format!("«{v}» {e}")),
        None => {
            cx.prompt(PromptKind::InsidenLog(id), v);
            match log_prompt(cx, id) {
                Some(p) => p.error = Some(e),
                None => cx.error(e),
            }
        }
    }
}

/// Replies for the incident purposes.
fn on_reply(p: &mut InsidenPane, cx: &mut Ctx, purpose: &Purpose, r: &Reply) -> Vec<Effect> {
    match (purpose, r) {
        (Purpose::InsidenLogged(id, _), r) => {
            absorb(p, r);
            if let Some(p) = log_prompt(cx, *id) {
                p.error = None;
            }
            vec![Effect::Refresh]
        }
        (Purpose::InsidenLaporan(id), Reply::KopSurat { kop, zone, .. }) => {
            match p.list.items.iter().find(|i| i.id == *id) {
                Some(i) => laporan_effects(cx, i, kop, zone),
                None => Vec::new(),
            }
        }
        (Purpose::InsidenList, Reply::Insiden(InsidenReply::Daftar { insiden, .. })) => {
            p.set(insiden.clone());
            Vec::new()
        }
        (Purpose::InsidenOpened, Reply::Insiden(InsidenReply::Satu { insiden, .. })) => {
            let id = insiden.id;
            cx.pane = Pane::Insiden;
            p.upsert((**insiden).clone());
            p.list.goto(id, PAGE_UNKNOWN);
            p.detail = Some(id);
            p.view = super::widgets::TextView::at_end();
            cx.prompt(PromptKind::InsidenLog(id), "");
            cx.info(if cx.en {
                format!("Incident {id} opened: type a line, Enter saves it, Esc when done")
            } else {
                format!("Insiden {id} dibuka: ketik catatan, Enter menyimpan, Esc selesai")
            });
            vec![list_call()]
        }
        _ => Vec::new(),
    }
}

/// The incident report of `i` (PI.03 B5, the same document as `kasa incident report`) written where
/// the console runs (`./insiden-ID.md` and `.pdf`, new files 0600; the session names the path), then
/// recorded on the incident with the PDF's SHA-256 (so B5/A9 can be ticked).
fn laporan_effects(
    cx: &mut Ctx,
    i: &Insiden,
    kop: &crate::doc::KopSurat,
    zone: &str,
) -> Vec<Effect> {
    use crate::domain::dokumen::{Pengesahan, laporan_insiden, nomor_laporan_insiden};
    let tz = crate::cli::disposisi::zone_of(zone);
    let Some(pelapor) = cx.operator.clone() else {
        cx.error(cx.tr(
            "belum tersambung ke node: laporan dibuat setelah tersambung",
            "not connected to the node yet",
        ));
        return Vec::new();
    };
    let sah = Pengesahan::laporan_insiden(
        kop,
        &pelapor,
        cx.now,
        &tz,
        String::new(),
        "Kepala Seksi Persandian".into(),
        Vec::new(),
    );
    let doc = laporan_insiden(kop, i, &tz, cx.now, &sah);
    let pdf = match crate::doc::pdf::render(&doc) {
        Ok(b) => b,
        Err(e) => {
            cx.error(format!("laporan PDF tidak dapat dibuat: {e}"));
            return Vec::new();
        }
    };
    let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&pdf));
    let what = cx.tr("laporan insiden", "incident report").to_string();
    let stem = format!("insiden-{}", i.id);
    vec![
        Effect::WriteDoc {
            path: std::path::PathBuf::from(format!("./{stem}.md")),
            bytes: crate::doc::markdown::render(&doc).into_bytes(),
            what: what.clone(),
        },
        Effect::WriteDoc {
            path: std::path::PathBuf::from(format!("./{stem}.pdf")),
            bytes: pdf,
            what,
        },
        call(
            InsidenRequest::Laporan {
                id: i.id,
                nomor: nomor_laporan_insiden(i, &tz, &sah),
                sha256,
            },
            format!("insiden {}: laporan dibuat", i.id),
        ),
    ]
}

/// Applies an incident carried by a mutation reply (so the detail shows the new line at once).
pub fn absorb(p: &mut InsidenPane, r: &Reply) {
    if let Reply::Insiden(InsidenReply::Satu { insiden, .. }) = r {
        p.upsert((**insiden).clone());
    }
}

fn letter(j: SlaJenis) -> &'static str {
    match j {
        SlaJenis::Kontak => "K",
        SlaJenis::Eskalasi => "E",
    }
}

/// Compact SLA cell: `K 04:12`, `K✓`, `K✗`.
pub fn cell(s: &Sla, now: Timestamp) -> String {
    let l = letter(s.jenis);
    match s.keadaan {
        KeadaanSla::Berjalan { .. } => {
            let x = (s.batas_at.as_second() - now.as_second()).max(0);
            format!("{l} {:02}:{:02}", x / 60, x % 60)
        }
        KeadaanSla::Terpenuhi { .. } => format!("{l}✓"),
        KeadaanSla::Terlambat { .. } => format!("{l}✗"),
        KeadaanSla::Batal => format!("{l} -"),
    }
}

fn cell_style(cx: &Ctx, s: &Sla) -> Style {
    match s.keadaan {
        KeadaanSla::Terlambat { .. } => cx.theme.get("sla.overdue"),
        KeadaanSla::Berjalan { sisa_detik } if sisa_detik < 120 => cx.theme.get("sla.soon"),
        _ => Style::default(),
    }
}

/// Header spans: the SLA clocks of the most urgent open incident (` · ⚑3 K 04:12 E 29:12`, `+N` more
/// open). Empty when no incident is open.
pub fn header_spans(p: &InsidenPane, cx: &Ctx) -> Vec<Span<'static>> {
    let now = cx.now;
    let open: Vec<&Insiden> = p.open().collect();
    let Some(first) = open
        .iter()
        .min_by_key(|i| {
            i.sla(now)
                .iter()
                .filter_map(|s| match s.keadaan {
                    KeadaanSla::Berjalan { .. } => Some(s.batas_at),
                    _ => None,
                })
                .min()
                .unwrap_or(Timestamp::MAX)
        })
        .copied()
    else {
        return Vec::new();
    };
    let mut v = vec![Span::raw(format!(" · ⚑{} ", first.id))];
    for (n, s) in first.sla(now).iter().enumerate() {
        if n > 0 {
            v.push(Span::raw(" "));
        }
        v.push(Span::styled(cell(s, now), cell_style(cx, s)));
    }
    if open.len() > 1 {
        v.push(Span::raw(format!(" +{}", open.len() - 1)));
    }
    v
}

fn local(cx: &Ctx, t: Timestamp, fmt: &str) -> String {
    t.to_zoned(cx.node.calendar.zone.clone())
        .strftime(fmt)
        .to_string()
}

/// Draws the Insiden pane body: the list, or the detail of one incident.
fn draw(p: &InsidenPane, cx: &Ctx, f: &mut Frame, r: Rect) {
    if let Some(i) = p
        .detail
        .and_then(|id| p.list.items.iter().find(|i| i.id == id))
    {
        draw_detail(p, cx, i, f, r);
        return;
    }
    let th = &cx.theme;
    if p.list.items.is_empty() {
        f.render_widget(
            Paragraph::new(cx.tr(
                "Belum ada insiden. Tekan ! di tab mana pun untuk mencatat insiden baru.",
                "No incidents yet. Press ! in any tab to log a new incident.",
            ))
            .style(th.get("dim")),
            r,
        );
        return;
    }
    let rows_h = (r.height as usize).saturating_sub(1).max(1);
    let offset = p.list.cursor.offset_for(rows_h);
    let rows: Vec<_> = p
        .list
        .view
        .iter()
        .skip(offset)
        .take(rows_h)
        .map(|&ix| {
            let i = &p.list.items[ix];
            let sla = i.sla(cx.now);
            let cells: Vec<Span> = sla
                .iter()
                .flat_map(|s| {
                    [
                        Span::styled(cell(s, cx.now), cell_style(cx, s)),
                        Span::raw(" "),
                    ]
                })
                .collect();
            let glyph = if sla.iter().any(|s| s.is_breached()) && i.status.is_open() {
                "!"
            } else {
                " "
            };
            (
                vec![
                    Cell::from(glyph),
                    Cell::from(i.id.to_string()),
                    Cell::from(local(cx, i.diketahui_at, "%d-%m %H:%M")),
                    Cell::from(i.status.as_str()),
                    Cell::from(i.keparahan.map_or("-", |k| k.as_str())),
                    Cell::from(Line::from(cells)),
                    Cell::from(if i.judul.is_empty() {
                        cx.tr("(tanpa judul)", "(untitled)").to_string()
                    } else {
                        i.judul.clone()
                    }),
                ],
                Style::default(),
            )
        })
        .collect();
    let cols = [
        C::new(" ", L(1), 0),
        C::new("No", L(4), 0),
        C::new(cx.tr("Diketahui", "Detected"), L(11), 1),
        C::new("Status", L(10), 0),
        C::new(cx.tr("Parah", "Sev."), L(6), 2),
        C::new("SLA", L(17), 0),
        C::new(cx.tr("Judul", "Title"), F(1), 0),
    ];
    let sel = Some(p.list.cursor.pos - offset);
    draw_table(f, r, &cols, rows, sel, th);
}

/// An instant for the detail: `HH:MM` on the day of `now`, `dd-mm HH:MM` on another day (node zone).
fn jam(cx: &Ctx, t: Timestamp) -> String {
    let tz = &cx.node.calendar.zone;
    if t.to_zoned(tz.clone()).date() == cx.now.to_zoned(tz.clone()).date() {
        local(cx, t, "%H:%M")
    } else {
        local(cx, t, "%d-%m %H:%M")
    }
}

/// The detail of one incident: three header lines (title; known/opened times and clocks; record),
/// then a scrolled body (opens at its end): the checklist with each step's text and who did it when,
/// the evidence with its holder and custody, and the timeline in event-time order with the record
/// time beside an event time that differs.
fn draw_detail(p: &InsidenPane, cx: &Ctx, i: &Insiden, f: &mut Frame, r: Rect) {
    let th = &cx.theme;
    f.render_widget(Clear, r);
    let mut head: Vec<Line> = Vec::new();
    let judul = if i.judul.is_empty() {
        cx.tr("(tanpa judul)", "(untitled)").to_string()
    } else {
        i.judul.clone()
    };
    head.push(heading(
        th,
        format!(
            "Insiden {} · {} · {} · {judul}",
            i.id,
            i.status.as_str(),
            i.tlp.label()
        ),
    ));
    let mut sla = vec![Span::raw(format!(
        "{} {}{} · ",
        cx.tr("diketahui", "known"),
        jam(cx, i.diketahui_at),
        if i.diketahui_at != i.dicatat_at {
            format!(
                " ({} {})",
                cx.tr("dicatat", "opened"),
                jam(cx, i.dicatat_at)
            )
        } else {
            String::new()
        }
    ))];
    for s in i.sla(cx.now) {
        sla.push(Span::styled(s.cell(cx.now), cell_style(cx, &s)));
        sla.push(Span::raw("  "));
    }
    head.push(Line::from(sla));
    head.push(Line::from(format!(
        "{}: {} · {}: {} · {}: {} · {}: {}",
        cx.tr("kategori", "category"),
        i.kategori.map_or("-", |k| k.label()),
        cx.tr("keparahan", "severity"),
        i.keparahan.map_or("-", |k| k.as_str()),
        cx.tr("sistem", "system"),
        if i.sistem_terdampak.is_empty() {
            "-"
        } else {
            &i.sistem_terdampak
        },
        cx.tr("sumber", "source"),
        i.sumber.label()
    )));
    let hh = head.len() as u16;
    f.render_widget(
        Paragraph::new(head),
        Rect::new(r.x, r.y, r.width, hh.min(r.height)),
    );
    let tr = Rect::new(
        r.x,
        r.y + hh.min(r.height),
        r.width,
        r.height.saturating_sub(hh),
    );
    let mut lines: Vec<Line> = Vec::new();
    let section = |t: &str| Line::from(Span::styled(t.to_string(), th.get("form.label")));
    lines.push(section(cx.tr("Langkah PI.03", "PI.03 steps")));
    for l in &i.langkah {
        let mut spans = vec![Span::raw(format!(
            " {} {} {}",
            if l.dicentang.is_some() { "☑" } else { "☐" },
            l.kode,
            l.teks
        ))];
        if let Some(c) = &l.dicentang {
            spans.push(Span::styled(
                format!(
                    " — {}{} {}",
                    c.oleh,
                    c.pelaksana
                        .as_ref()
                        .map_or(String::new(), |p| format!(" [{p}]")),
                    jam(cx, c.at)
                ),
                th.get("dim"),
            ));
        } else if l.aturan.wajib_tutup {
            spans.push(Span::styled(
                cx.tr(" (wajib sebelum ditutup)", " (required to close)"),
                th.get("dim"),
            ));
        }
        lines.push(Line::from(spans));
    }
    if !i.bukti.is_empty() {
        lines.push(section(cx.tr("Bukti", "Evidence")));
        for b in &i.bukti {
            let berkas = b.berkas.as_ref().map_or(String::new(), |f| {
                format!(
                    " ({}, {} byte{})",
                    f.nama,
                    f.ukuran,
                    if f.terenkripsi { ", terenkripsi" } else { "" }
                )
            });
            lines.push(Line::from(format!(
                " #{} {}{berkas} · {} {}",
                b.no,
                b.deskripsi,
                cx.tr("pemegang", "held by"),
                b.pemegang()
            )));
            for st in &b.serah_terima {
                lines.push(Line::from(Span::styled(
                    format!(
                        "    {} {} → {} di {}",
                        jam(cx, st.at),
                        st.dari,
                        st.ke,
                        st.tempat
                    ),
                    th.get("dim"),
                )));
            }
        }
    }
    lines.push(section(
        cx.tr("Linimasa (urut waktu kejadian)", "Timeline (by event time)"),
    ));
    for e in i.linimasa_urut() {
        let mut spans = vec![
            Span::styled(format!("{:>3} ", e.no), th.get("dim")),
            Span::raw(format!("{} ", jam(cx, e.waktu()))),
        ];
        if e.waktu.is_some() {
            spans.push(Span::styled(
                format!("({} {}) ", cx.tr("dicatat", "typed"), jam(cx, e.at)),
                th.get("dim"),
            ));
        }
        spans.push(Span::styled(format!("{} ", e.oleh), th.get("form.label")));
        if let Some(p) = &e.pelaksana {
            spans.push(Span::styled(format!("[{p}] "), th.get("form.label")));
        }
        let teks = match &e.jenis {
            JenisEntri::Koreksi {
                koreksi_atas,
                alasan,
            } => format!("↳ koreksi #{koreksi_atas} ({alasan}): {}", e.teks),
            _ => e.teks.clone(),
        };
        spans.push(Span::raw(teks));
        if !i.koreksi_untuk(e.no).is_empty() {
            spans.push(Span::styled(" (dikoreksi)", th.get("dim")));
        }
        lines.push(Line::from(spans));
    }
    p.view.draw(f, tr, lines, None);
}

/// Above the tick prompt: the open steps with their text (the checklist to choose from), newest
/// playbook last, at most `max` rows.
pub fn draw_open_steps(p: &InsidenPane, cx: &Ctx, id: u64, f: &mut Frame, above: Rect, max: u16) {
    let Some(i) = p.list.items.iter().find(|i| i.id == id) else {
        return;
    };
    let open: Vec<Line> = i
        .langkah
        .iter()
        .filter(|l| l.dicentang.is_none())
        .map(|l| Line::from(format!(" ☐ {} {}", l.kode, l.teks)))
        .collect();
    if open.is_empty() {
        return;
    }
    let h = (open.len() as u16).min(max).min(above.height);
    let r = Rect::new(above.x, above.bottom().saturating_sub(h), above.width, h);
    f.render_widget(Clear, r);
    f.render_widget(Paragraph::new(open).style(cx.theme.get("dim")), r);
}

/// The prompt label of an incident prompt.
pub fn prompt_label(p: &InsidenPane, cx: &Ctx, kind: &PromptKind) -> Option<String> {
    Some(match kind {
        PromptKind::InsidenLog(id) => format!("{} {id}> ", cx.tr("log insiden", "incident log")),
        PromptKind::InsidenTick(id) => format!(
            "{} {id} ({}): ",
            cx.tr("centang langkah insiden", "tick step of incident"),
            p.list
                .items
                .iter()
                .find(|i| i.id == *id)
                .map(|i| {
                    i.langkah
                        .iter()
                        .filter(|l| l.dicentang.is_none())
                        .map(|l| l.kode.clone())
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default()
        ),
        PromptKind::InsidenPlaybook(id) => cx.label(
            ("playbook insiden", "playbook for incident"),
            format!("{id} (A/B/C)"),
            None,
        ),
        PromptKind::InsidenClose(id) => cx.label(
            (
                "pelajaran untuk menutup insiden",
                "lessons learned to close incident",
            ),
            id,
            None,
        ),
        PromptKind::InsidenSet(id) => cx.label(
            ("isi insiden", "set incident"),
            id,
            Some(("(field nilai)", "(field value)")),
        ),
        PromptKind::InsidenKoreksi(id) => cx.label(
            ("koreksi insiden", "correct incident"),
            id,
            Some(("(no teks ! alasan)", "(no text ! reason)")),
        ),
        PromptKind::InsidenBukti(id) => cx.label(
            ("bukti insiden", "evidence for incident"),
            id,
            Some(("([berkas] deskripsi)", "([file] description)")),
        ),
        PromptKind::InsidenSerahTerima(id) => cx.label(
            ("serah terima bukti", "custody of evidence"),
            id,
            Some(("(no dari > ke di tempat)", "(no from > to di place)")),
        ),
        PromptKind::InsidenBatal(id) => cx.label(
            ("alasan membatalkan insiden", "reason to void incident"),
            id,
            None,
        ),
        PromptKind::InsidenGabung(id) => cx.label(
            ("gabung insiden", "merge incident"),
            id,
            Some(("ke (id alasan)", "into (id reason)")),
        ),
        _ => return None,
    })
}
