//! The Palsan pane: the equipment register (list with filters by jenis/kondisi/kesiapan), an item's detail
//! with history and open repair case (SLA per SOP 000 step), forms for add / checkout / checkin / repair
//! open / repair step / disposal, and the reminder list counted in the header.
//!
//! UI-free: [`PalsanPane`] implements [`super::pane::PaneState`]; [`intercept`] takes the actions that concern this pane, [`on_reply`] takes
//! its replies; drawing is in [`draw_list`] and [`draw_layer`].

use crossterm::event::KeyEvent;
use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::Constraint::{Fill as F, Length as L};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph};
use ratatui_textarea::TextArea;

use super::action::{Action, Pane};
use super::ctx::{Ctx, Message};
use super::effect::{Effect, Purpose};
use super::layer::{Layer, PromptKind, PromptState};
use crate::domain::palsan::{
    JenisBerkala, JenisPalsan, Kesiapan, Kondisi, Kunci, KunciBaru, LangkahInput, LangkahPerbaikan,
    Palsan, PalsanBaru, Pengingat, SlaState, StatusKunci,
};
use crate::proto::palsan::{CaseView, PalsanReply, PalsanRequest};
use crate::proto::{Reply, Request};

/// Why a palsan request was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PalsanPurpose {
    List,
    Reminders,
    Kunci,
    Show(u64),
    /// A form was submitted; the text is the success message.
    Saved(String),
}

/// The list of items (the shared [`ListView`]: items, view, cursor, filter), the reminders and the
/// key material. Derefs to the [`ListView`].
#[derive(Debug, Clone, Default)]
pub struct PalsanPane {
    /// The filter reads `jenis:dongle_enkripsi kondisi:baik kesiapan:tidak_siap` plus words (nama,
    /// seri, lokasi, pemegang).
    pub list: ListView<Palsan>,
    pub reminders: Vec<Pengingat>,
    /// Key material (metadata), shown in the detail of its linked item.
    pub kunci: Vec<Kunci>,
    /// Select this id when the list next loads (after an add).
    pub select: Option<u64>,
}

impl std::ops::Deref for PalsanPane {
    type Target = ListView<Palsan>;
    fn deref(&self) -> &ListView<Palsan> {
        &self.list
    }
}

impl std::ops::DerefMut for PalsanPane {
    fn deref_mut(&mut self) -> &mut ListView<Palsan> {
        &mut self.list
    }
}

impl PalsanPane {
    /// Replaces the items (disposed ones last) and keeps the selection.
    pub fn set_items(&mut self, mut items: Vec<Palsan>, page: usize) {
        let keep = self.select.take().or(self.list.selected().map(|p| p.id));
        items.sort_by_key(|p| (p.dihapus.is_some(), p.id));
        self.list.items = items;
        self.rebuild(keep, page);
    }

    /// Recomputes the filtered view.
    pub fn rebuild(&mut self, keep: Option<u64>, page: usize) {
        let mut jenis = None;
        let mut kondisi = None;
        let mut kesiapan = None;
        let mut words = Vec::new();
        for t in self.list.filter.split_whitespace() {
            let l = t.to_lowercase();
            if let Some(v) = l.strip_prefix("jenis:") {
                jenis = JenisPalsan::parse(v).ok();
            } else if let Some(v) = l.strip_prefix("kondisi:") {
                kondisi = Kondisi::parse(v).ok();
            } else if let Some(v) = l.strip_prefix("kesiapan:") {
                kesiapan = Kesiapan::parse(v).ok();
            } else {
                words.push(l);
            }
        }
        let pass = |p: &Palsan| {
            let h = format!(
                "{} {} {} {} {}",
                p.nama, p.nomor_seri, p.lokasi, p.pemegang, p.sumber
            )
            .to_lowercase();
            jenis.is_none_or(|j| p.jenis == j)
                && kondisi.is_none_or(|k| p.kondisi == k)
                && kesiapan.is_none_or(|k| p.kesiapan == k)
                && words.iter().all(|w| h.contains(w.as_str()))
        };
        self.list.rebuild(keep, page, pass, |_, _| {});
    }

    /// Reminders past due.
    pub fn overdue(&self) -> usize {
        self.reminders.iter().filter(|r| r.terlambat).count()
    }
}

/// An item's detail.
#[derive(Debug, Clone)]
pub struct PalsanDetail {
    pub id: u64,
    pub item: Option<Box<Palsan>>,
    pub case: Option<Box<CaseView>>,
    /// Scroll in wrapped screen rows.
    pub view: super::widgets::TextView,
}

/// What a form does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormKind {
    Add,
    Checkout(u64),
    Checkin(u64),
    RepairOpen(u64),
    RepairStep {
        case: u64,
        langkah: LangkahPerbaikan,
    },
    Dispose(u64),
    /// Edit an item's fields (pre-filled).
    Edit(u64),
    /// Register key material linked to this item.
    KunciAdd(u64),
    /// Move key material (id typed in the form) to another status.
    KunciStatus(u64),
}

/// One field: text, or a picker when `choices` is not empty.
#[derive(Debug, Clone)]
pub struct PField {
    pub name: &'static str,
    pub label: &'static str,
    pub text: TextArea<'static>,
    pub choices: Vec<&'static str>,
    pub choice: usize,
    /// Shown dim while the text field is empty (what empty means, the format).
    pub hint: &'static str,
}

/// A palsan form.
#[derive(Debug, Clone)]
pub struct PalsanForm {
    pub kind: FormKind,
    pub title: String,
    pub fields: Vec<PField>,
    pub focus: usize,
    /// The node's refusal, shown at the bottom.
    pub error: Option<String>,
}

/// A palsan overlay.
#[derive(Debug, Clone)]
pub enum PalsanLayer {
    Detail(PalsanDetail),
    Form(PalsanForm),
}

impl PalsanLayer {
    /// Keymap contexts while this layer is on top.
    pub fn contexts(&self) -> Vec<&'static str> {
        match self {
            PalsanLayer::Detail(_) => vec!["palsan", "detail", "global"],
            PalsanLayer::Form(_) => vec!["form"],
        }
    }

    /// True when the focus is a text field (picker keys then edit text).
    pub fn text_focus(&self) -> bool {
        matches!(self, PalsanLayer::Form(f) if f.fields[f.focus].choices.is_empty())
    }

    /// A raw key for the focused text field.
    pub fn input(&mut self, ev: KeyEvent) {
        if let PalsanLayer::Form(f) = self
            && ev.code != crossterm::event::KeyCode::Enter
        {
            let fl = &mut f.fields[f.focus];
            if fl.choices.is_empty() {
                super::widgets::edit(&mut fl.text, ev);
            }
        }
    }
}

use super::widgets::textarea as text;

fn tf(name: &'static str, label: &'static str) -> PField {
    PField {
        name,
        label,
        text: text(""),
        choices: Vec::new(),
        choice: 0,
        hint: "",
    }
}

/// A time field: empty means `kosong` (now, or another time the node fills in).
fn waktu(name: &'static str, label: &'static str, hint: &'static str) -> PField {
    PField {
        hint,
        ..tf(name, label)
    }
}

/// The hint of a time field that defaults to now.
const KOSONG_SEKARANG: &str = "kosong = sekarang · TTTT-BB-HH JJ:MM";

fn pick(name: &'static str, label: &'static str, choices: Vec<&'static str>) -> PField {
    PField {
        name,
        label,
        text: text(""),
        choices,
        choice: 0,
        hint: "",
    }
}

const SUBMIT: &str = "submit";

/// The fields of an item shared by the add and edit forms (after `jenis`, which only add asks).
fn item_fields() -> Vec<PField> {
    vec![
        tf("nama", "Nama/model"),
        tf("nomor_seri", "Nomor seri"),
        tf("sumber", "Sumber"),
        tf("lokasi", "Lokasi"),
        tf("pemegang", "Pemegang"),
        pick(
            "kondisi",
            "Kondisi",
            Kondisi::ALL.iter().map(|k| k.as_str()).collect(),
        ),
        pick(
            "kesiapan",
            "Kesiapan",
            Kesiapan::ALL.iter().map(|k| k.as_str()).collect(),
        ),
        tf("catatan", "Catatan"),
    ]
}

impl PalsanForm {
    /// The form for `kind`.
    pub fn new(kind: FormKind, item: Option<&Palsan>) -> PalsanForm {
        let nama = item.map_or(String::new(), |p| format!("{} ({})", p.nama, p.id));
        let kondisi = || Kondisi::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>();
        let (title, mut fields) = match &kind {
            FormKind::Add => (
                "Tambah palsan".to_string(),
                std::iter::once(pick(
                    "jenis",
                    "Jenis",
                    JenisPalsan::ALL.iter().map(|j| j.as_str()).collect(),
                ))
                .chain(item_fields())
                .collect(),
            ),
            FormKind::Checkout(_) => (
                format!("Pinjamkan {nama}"),
                vec![
                    tf("kepada", "Kepada"),
                    tf("rencana_kembali", "Rencana kembali"),
                    tf("catatan", "Catatan"),
                ],
            ),
            FormKind::Checkin(_) => (
                format!("Kembalikan {nama}"),
                vec![
                    pick("kondisi", "Kondisi", kondisi()),
                    tf("catatan", "Catatan"),
                ],
            ),
            FormKind::RepairOpen(_) => (
                format!("Laporkan rusak {nama} (langkah 1)"),
                vec![
                    tf("kerusakan", "Kerusakan"),
                    pick("kondisi", "Kondisi", vec!["rusak_ringan", "rusak_berat"]),
                    tf("pelapor", "Pelapor"),
                    waktu(
                        "ditemukan",
                        "Ditemukan",
                        "kosong = saat dilaporkan · TTTT-BB-HH JJ:MM",
                    ),
                    waktu("dilaporkan", "Dilaporkan", KOSONG_SEKARANG),
                ],
            ),
            FormKind::RepairStep { case, langkah } => {
                let mut v = vec![
                    tf("oleh", "Oleh"),
                    tf("dokumen", "Dokumen"),
                    tf("catatan", "Catatan"),
                ];
                if *langkah == LangkahPerbaikan::Dinilai {
                    v.push(pick(
                        "penilaian",
                        "Penilaian",
                        vec!["rusak_ringan", "rusak_berat"],
                    ));
                }
                v.push(waktu("at", "Waktu", KOSONG_SEKARANG));
                (
                    format!(
                        "Perbaikan {case} · langkah {} {} ({})",
                        langkah.nomor(),
                        langkah.label(),
                        langkah.pelaksana()
                    ),
                    v,
                )
            }
            FormKind::Edit(_) => (format!("Ubah {nama}"), item_fields()),
            FormKind::KunciAdd(_) => (
                format!("Kunci sistem sandi untuk {nama} (metadata saja)"),
                vec![
                    tf("jenis", "Jenis/sistem"),
                    tf("seri", "Seri/edisi"),
                    tf("dari", "Berlaku dari"),
                    tf("sampai", "Berlaku sampai"),
                    tf("pemegang", "Pemegang"),
                    pick("kondisi", "Kondisi", kondisi()),
                ],
            ),
            FormKind::KunciStatus(_) => (
                format!("Status kunci {nama}"),
                vec![
                    tf("kunci", "Id kunci"),
                    pick(
                        "status",
                        "Status baru",
                        StatusKunci::ALL[1..].iter().map(|k| k.as_str()).collect(),
                    ),
                    tf("catatan", "Catatan/BA"),
                ],
            ),
            FormKind::Dispose(_) => (
                format!("Hapus {nama}"),
                vec![
                    tf("berita_acara", "Berita acara"),
                    tf("saksi", "Saksi (koma)"),
                    tf("alasan", "Alasan"),
                ],
            ),
        };
        fields.push(tf(SUBMIT, "[ Simpan ]"));
        let mut f = PalsanForm {
            kind,
            title,
            fields,
            focus: 0,
            error: None,
        };
        if let (FormKind::Edit(_), Some(p)) = (&f.kind, item) {
            for (n, v) in [
                ("nama", &p.nama),
                ("nomor_seri", &p.nomor_seri),
                ("sumber", &p.sumber),
                ("lokasi", &p.lokasi),
                ("pemegang", &p.pemegang),
                ("catatan", &p.catatan),
            ] {
                f.set_text(n, v);
            }
            for fl in &mut f.fields {
                let cur = match fl.name {
                    "kondisi" => p.kondisi.as_str(),
                    "kesiapan" => p.kesiapan.as_str(),
                    _ => continue,
                };
                fl.choice = fl.choices.iter().position(|c| *c == cur).unwrap_or(0);
            }
        }
        f
    }

    fn value(&self, name: &str) -> String {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| {
                if f.choices.is_empty() {
                    f.text.lines().join(" ").trim().to_string()
                } else {
                    f.choices.get(f.choice).copied().unwrap_or("").to_string()
                }
            })
            .unwrap_or_default()
    }

    /// Sets a text field (tests, command line).
    pub fn set_text(&mut self, name: &str, v: &str) {
        if let Some(f) = self.fields.iter_mut().find(|f| f.name == name) {
            f.text = text(v);
        }
    }

    /// The request for this form, or a problem to show. Time fields are read in the node's `zone`;
    /// whether a time is allowed (not in the future, not before the previous step) is the node's
    /// domain rule, its refusal shown in the form.
    pub fn request(&self, zone: &jiff::tz::TimeZone) -> Result<(PalsanRequest, String), String> {
        let kondisi = |n: &str| Kondisi::parse(&self.value(n)).map_err(|e| e.0);
        let opt_time = |n: &str| {
            let v = self.value(n);
            if v.is_empty() {
                Ok(None)
            } else {
                parse_time(&v, zone).map(Some)
            }
        };
        Ok(match &self.kind {
            FormKind::Add => {
                let nama = self.value("nama");
                if nama.is_empty() {
                    return Err("nama wajib diisi".into());
                }
                (
                    PalsanRequest::ItemAdd {
                        item: PalsanBaru {
                            jenis: JenisPalsan::parse(&self.value("jenis")).map_err(|e| e.0)?,
                            nama: nama.clone(),
                            nomor_seri: self.value("nomor_seri"),
                            sumber: self.value("sumber"),
                            lokasi: self.value("lokasi"),
                            pemegang: self.value("pemegang"),
                            kondisi: kondisi("kondisi")?,
                            kesiapan: Kesiapan::parse(&self.value("kesiapan")).map_err(|e| e.0)?,
                            catatan: self.value("catatan"),
                        },
                    },
                    format!("palsan {nama} ditambahkan"),
                )
            }
            FormKind::Checkout(id) => {
                let r = self.value("rencana_kembali");
                let rencana_kembali = if r.is_empty() {
                    None
                } else {
                    Some(parse_time(&r, zone)?)
                };
                let kepada = self.value("kepada");
                (
                    PalsanRequest::Checkout {
                        id: *id,
                        kepada: kepada.clone(),
                        rencana_kembali,
                        catatan: self.value("catatan"),
                    },
                    format!("palsan {id} dipinjamkan ke {kepada}"),
                )
            }
            FormKind::Checkin(id) => (
                PalsanRequest::Checkin {
                    id: *id,
                    kondisi: kondisi("kondisi")?,
                    catatan: self.value("catatan"),
                },
                format!("palsan {id} dikembalikan"),
            ),
            FormKind::RepairOpen(id) => (
                PalsanRequest::RepairOpen {
                    palsan_id: *id,
                    kerusakan: self.value("kerusakan"),
                    kondisi: kondisi("kondisi")?,
                    pelapor: self.value("pelapor"),
                    ditemukan_at: opt_time("ditemukan")?,
                    dilaporkan_at: opt_time("dilaporkan")?,
                },
                format!("kasus perbaikan palsan {id} dibuka; palsan Tidak siap"),
            ),
            FormKind::RepairStep { case, langkah } => {
                let at = opt_time("at")?;
                (
                    PalsanRequest::RepairStep {
                        id: *case,
                        step: LangkahInput {
                            langkah: *langkah,
                            oleh: self.value("oleh"),
                            dokumen: self.value("dokumen"),
                            catatan: self.value("catatan"),
                            penilaian: if *langkah == LangkahPerbaikan::Dinilai {
                                Some(kondisi("penilaian")?)
                            } else {
                                None
                            },
                            at,
                        },
                    },
                    format!(
                        "perbaikan {case}: langkah {} {} dicatat{}",
                        langkah.nomor(),
                        langkah.label(),
                        at.map_or(String::new(), |t| format!(
                            " (waktu {})",
                            crate::domain::waktu::tampil(t, zone)
                        ))
                    ),
                )
            }
            FormKind::Edit(id) => (
                PalsanRequest::ItemEdit {
                    id: *id,
                    ubah: crate::domain::palsan::PalsanUbah {
                        nama: Some(self.value("nama")),
                        nomor_seri: Some(self.value("nomor_seri")),
                        sumber: Some(self.value("sumber")),
                        lokasi: Some(self.value("lokasi")),
                        pemegang: Some(self.value("pemegang")),
                        kondisi: Some(kondisi("kondisi")?),
                        kesiapan: Some(Kesiapan::parse(&self.value("kesiapan")).map_err(|e| e.0)?),
                        catatan: Some(self.value("catatan")),
                    },
                },
                format!("palsan {id} diubah"),
            ),
            FormKind::KunciAdd(id) => {
                let date = |n: &str| {
                    let v = self.value(n);
                    v.parse::<jiff::civil::Date>()
                        .map_err(|_| format!("{n} '{v}': tulis TTTT-BB-HH, mis. 2026-12-31"))
                };
                let jenis = self.value("jenis");
                (
                    PalsanRequest::KunciAdd {
                        kunci: KunciBaru {
                            jenis: jenis.clone(),
                            seri: self.value("seri"),
                            palsan_id: Some(*id),
                            berlaku_dari: date("dari")?,
                            berlaku_sampai: date("sampai")?,
                            pemegang: self.value("pemegang"),
                            kondisi: kondisi("kondisi")?,
                            catatan: String::new(),
                        },
                    },
                    format!("kunci {jenis} dicatat (diterima)"),
                )
            }
            FormKind::KunciStatus(_) => {
                let k = self.value("kunci");
                let kid: u64 = k.parse().map_err(|_| {
                    format!("id kunci '{k}' bukan angka: lihat daftar kunci di rincian")
                })?;
                let status = StatusKunci::parse(&self.value("status")).map_err(|e| e.0)?;
                (
                    PalsanRequest::KunciStatus {
                        id: kid,
                        status,
                        catatan: self.value("catatan"),
                    },
                    format!("kunci {kid} → {}", status.as_str()),
                )
            }
            FormKind::Dispose(id) => (
                PalsanRequest::Dispose {
                    id: *id,
                    berita_acara: self.value("berita_acara"),
                    saksi: self
                        .value("saksi")
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                    alasan: self.value("alasan"),
                },
                format!("palsan {id} dihapus"),
            ),
        })
    }
}

/// Parses `2026-03-02 14:00` / `2026-03-02T14:00` in the node's zone, or RFC 3339.
fn parse_time(s: &str, zone: &jiff::tz::TimeZone) -> Result<Timestamp, String> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    s.replace(' ', "T")
        .parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|d| d.to_zoned(zone.clone()).ok())
        .map(|z| z.timestamp())
        .ok_or_else(|| {
            format!("waktu '{s}' tidak dikenal: tulis TTTT-BB-HH JJ:MM, mis. 2026-03-02 14:00")
        })
}

fn call(r: PalsanRequest, p: PalsanPurpose) -> Effect {
    Effect::Call(Request::Palsan(r), Purpose::Palsan(p))
}

/// The request that loads the list.
pub fn list_call() -> Effect {
    call(PalsanRequest::ItemList, PalsanPurpose::List)
}

/// The request that loads the key material.
pub fn kunci_call() -> Effect {
    call(PalsanRequest::KunciList, PalsanPurpose::Kunci)
}

/// The request that loads the reminders (for the header count, on every refresh).
pub fn reminders_call() -> Effect {
    call(
        PalsanRequest::Reminders { at: None },
        PalsanPurpose::Reminders,
    )
}

impl super::pane::PaneState for PalsanPane {
    /// The pane's actions, and every action while one of its layers (detail, form) is on top.
    fn update(&mut self, cx: &mut Ctx, a: &Action) -> Option<Vec<Effect>> {
        intercept(self, cx, a)
    }

    fn on_reply(&mut self, cx: &mut Ctx, purpose: &Purpose, r: &Reply) -> Option<Vec<Effect>> {
        match purpose {
            Purpose::Palsan(p) => Some(on_reply(self, cx, p.clone(), Ok(r.clone()))),
            _ => None,
        }
    }

    fn draw(&self, cx: &Ctx, f: &mut Frame, r: Rect) {
        draw_list(self, cx, f, r)
    }

    fn count(&self) -> usize {
        self.view.len()
    }

    fn refresh(&self, cx: &Ctx) -> Vec<Effect> {
        refresh_calls(cx)
    }
}

/// Requests that refetch what the pane shows.
pub fn refresh_calls(cx: &Ctx) -> Vec<Effect> {
    let mut v = vec![reminders_call()];
    if cx.pane == Pane::Palsan {
        v.push(list_call());
    }
    for l in &cx.layers {
        if let Layer::Palsan(b) = l
            && let PalsanLayer::Detail(d) = &**b
        {
            v.push(call(
                PalsanRequest::ItemShow { id: d.id },
                PalsanPurpose::Show(d.id),
            ));
        }
    }
    v
}

fn say(cx: &mut Ctx, text: impl Into<String>, error: bool) {
    cx.message = Some(Message {
        text: text.into(),
        error,
    });
}

/// The item the actions apply to: the open detail's, else the list's selection.
fn current(pane: &PalsanPane, cx: &Ctx) -> Option<Palsan> {
    for l in cx.layers.iter().rev() {
        if let Layer::Palsan(b) = l
            && let PalsanLayer::Detail(d) = &**b
        {
            return d.item.as_deref().cloned();
        }
    }
    if cx.layers.is_empty() {
        pane.selected().cloned()
    } else {
        None
    }
}

fn top_form(cx: &mut Ctx) -> Option<&mut PalsanForm> {
    match cx.layers.last_mut() {
        Some(Layer::Palsan(b)) => match &mut **b {
            PalsanLayer::Form(f) => Some(f),
            _ => None,
        },
        _ => None,
    }
}

fn open_form(cx: &mut Ctx, kind: FormKind, item: Option<&Palsan>) -> Vec<Effect> {
    cx.layers
        .push(Layer::Palsan(Box::new(PalsanLayer::Form(PalsanForm::new(
            kind, item,
        )))));
    Vec::new()
}

fn need_item(pane: &mut PalsanPane, cx: &mut Ctx) -> Option<Palsan> {
    let p = current(pane, cx);
    match &p {
        None => say(
            cx,
            format!(
                "tidak ada palsan terpilih: pilih di daftar (tab {})",
                super::pane::number(Pane::Palsan)
            ),
            true,
        ),
        Some(p) if p.dihapus.is_some() => {
            say(
                cx,
                format!("palsan {} sudah dihapus dan hanya dapat dibaca", p.id),
                true,
            );
            return None;
        }
        _ => {}
    }
    p
}

/// Takes the actions that concern the Palsan pane or its layers; `None` lets the app handle it.
pub fn intercept(pane: &mut PalsanPane, cx: &mut Ctx, action: &Action) -> Option<Vec<Effect>> {
    let page = cx.page();
    let on_top = matches!(cx.layers.last(), Some(Layer::Palsan(_)));
    if let Some(f) = top_form(cx) {
        return match action {
            Action::FormNext | Action::FormPrev => {
                let n = f.fields.len() as isize;
                let d = if *action == Action::FormNext { 1 } else { -1 };
                f.focus = ((f.focus as isize + d).rem_euclid(n)) as usize;
                Some(Vec::new())
            }
            Action::CycleNext | Action::CyclePrev => {
                let fl = &mut f.fields[f.focus];
                if !fl.choices.is_empty() {
                    let n = fl.choices.len() as isize;
                    let d = if *action == Action::CycleNext { 1 } else { -1 };
                    fl.choice = ((fl.choice as isize + d).rem_euclid(n)) as usize;
                }
                Some(Vec::new())
            }
            Action::ClearField => {
                let fl = &mut f.fields[f.focus];
                if fl.choices.is_empty() {
                    fl.text = text("");
                }
                Some(Vec::new())
            }
            Action::FormEnter if f.fields[f.focus].name != SUBMIT => {
                f.focus = (f.focus + 1) % f.fields.len();
                Some(Vec::new())
            }
            Action::FormEnter | Action::Submit => {
                let zone = cx.node.calendar.zone.clone();
                let f = top_form(cx)?;
                match f.request(&zone) {
                    Ok((r, msg)) => {
                        f.error = None;
                        Some(vec![call(r, PalsanPurpose::Saved(msg))])
                    }
                    Err(e) => {
                        f.error = Some(e.clone());
                        say(cx, e, true);
                        Some(Vec::new())
                    }
                }
            }
            Action::Back => {
                cx.layers.pop();
                Some(Vec::new())
            }
            Action::Quit | Action::Help | Action::Redraw => None,
            _ => Some(Vec::new()),
        };
    }
    if !(on_top || (cx.layers.is_empty() && cx.pane == Pane::Palsan)) {
        return None;
    }
    match action {
        a if a.motion(1).is_some() => {
            if let Some(Layer::Palsan(b)) = cx.layers.last_mut() {
                if let PalsanLayer::Detail(s) = &mut **b {
                    s.view.scroll_by(a.motion(s.view.page()).unwrap_or(0));
                }
            } else {
                let d = a.motion(page as isize).unwrap_or(0);
                pane.move_by(d, page);
            }
            Some(Vec::new())
        }
        Action::Open if !on_top => {
            let Some(p) = pane.selected().cloned() else {
                say(cx, "belum ada palsan: tekan a untuk menambah", true);
                return Some(Vec::new());
            };
            cx.layers
                .push(Layer::Palsan(Box::new(PalsanLayer::Detail(PalsanDetail {
                    id: p.id,
                    item: Some(Box::new(p.clone())),
                    case: None,
                    view: Default::default(),
                }))));
            Some(vec![call(
                PalsanRequest::ItemShow { id: p.id },
                PalsanPurpose::Show(p.id),
            )])
        }
        Action::Filter(Some(t)) => {
            pane.filter = t.clone();
            let keep = pane.selected().map(|p| p.id);
            pane.rebuild(keep, page);
            Some(Vec::new())
        }
        Action::Filter(None) if !on_top => {
            cx.layers.push(Layer::Prompt(Box::new(PromptState {
                kind: PromptKind::Filter,
                input: text(&pane.filter),
                completion: None,
                error: None,
            })));
            Some(Vec::new())
        }
        Action::Back if on_top => {
            cx.layers.pop();
            Some(Vec::new())
        }
        Action::Back => {
            if !pane.filter.is_empty() {
                pane.filter.clear();
                let keep = pane.selected().map(|p| p.id);
                pane.rebuild(keep, page);
            }
            Some(Vec::new())
        }
        Action::Goto(id) => {
            if !pane.goto(*id, page) {
                say(cx, format!("palsan {id} tidak ada di daftar ini"), true);
            }
            Some(Vec::new())
        }
        Action::PalsanAdd => Some(open_form(cx, FormKind::Add, None)),
        // The forms that need only the selected item.
        Action::PalsanCheckout
        | Action::PalsanCheckin
        | Action::PalsanEdit
        | Action::PalsanKunci => {
            let Some(p) = need_item(pane, cx) else {
                return Some(Vec::new());
            };
            let kind = match action {
                Action::PalsanCheckout => FormKind::Checkout(p.id),
                Action::PalsanCheckin => FormKind::Checkin(p.id),
                Action::PalsanEdit => FormKind::Edit(p.id),
                _ => FormKind::KunciAdd(p.id),
            };
            Some(open_form(cx, kind, Some(&p)))
        }
        Action::PalsanRepair => {
            let Some(p) = need_item(pane, cx) else {
                return Some(Vec::new());
            };
            if let Some(c) = p.perbaikan {
                say(
                    cx,
                    format!(
                        "palsan {} sudah punya kasus perbaikan {c}: tekan s untuk langkah berikutnya",
                        p.id
                    ),
                    true,
                );
                return Some(Vec::new());
            }
            Some(open_form(cx, FormKind::RepairOpen(p.id), Some(&p)))
        }
        Action::PalsanStep => {
            let Some(p) = need_item(pane, cx) else {
                return Some(Vec::new());
            };
            let Some(case) = p.perbaikan else {
                say(
                    cx,
                    format!(
                        "palsan {} tidak punya kasus perbaikan terbuka: tekan r untuk melaporkan rusak",
                        p.id
                    ),
                    true,
                );
                return Some(Vec::new());
            };
            // The next step comes from the open detail if loaded, else from the item's history.
            let next = detail_case(cx, p.id)
                .and_then(|c| c.perbaikan.berikutnya())
                .or_else(|| {
                    let done = p
                        .riwayat
                        .iter()
                        .filter(|r| {
                            r.aksi == "perbaikan.langkah"
                                && r.catatan.starts_with(&format!("kasus {case} "))
                        })
                        .count();
                    LangkahPerbaikan::from_nomor(done as u8 + 2)
                });
            let Some(langkah) = next else {
                return Some(Vec::new());
            };
            Some(open_form(
                cx,
                FormKind::RepairStep { case, langkah },
                Some(&p),
            ))
        }
        Action::PalsanKunciStatus => {
            let Some(p) = current(pane, cx) else {
                say(cx, "tidak ada palsan terpilih", true);
                return Some(Vec::new());
            };
            Some(open_form(cx, FormKind::KunciStatus(p.id), Some(&p)))
        }
        Action::PalsanSanapati | Action::PalsanAudit => {
            let (jenis, msg) = if *action == Action::PalsanSanapati {
                (
                    JenisBerkala::Sanapati,
                    "penggantian password Email Sanapati dicatat",
                )
            } else {
                (JenisBerkala::Audit, "audit peralatan sandi dicatat")
            };
            Some(vec![call(
                PalsanRequest::BerkalaDone { jenis, at: None },
                PalsanPurpose::Saved(msg.into()),
            )])
        }
        Action::PalsanDispose => {
            let Some(p) = need_item(pane, cx) else {
                return Some(Vec::new());
            };
            Some(open_form(cx, FormKind::Dispose(p.id), Some(&p)))
        }
        Action::Refresh => Some(refresh_calls(cx)),
        // Masuk/keluar entry actions do not apply here.
        Action::Triage
        | Action::Duplicate(_)
        | Action::Void(_)
        | Action::Note(_)
        | Action::Export(_)
        | Action::KeluarRegister
        | Action::KeluarSend(_) => {
            say(
                cx,
                "aksi ini untuk buku agenda; di Palsan: a tambah, o pinjam, i kembali, r rusak, s langkah",
                true,
            );
            Some(Vec::new())
        }
        _ => None,
    }
}

fn detail_case(cx: &Ctx, id: u64) -> Option<&CaseView> {
    cx.layers.iter().rev().find_map(|l| match l {
        Layer::Palsan(b) => match &**b {
            PalsanLayer::Detail(d) if d.id == id => d.case.as_deref(),
            _ => None,
        },
        _ => None,
    })
}

/// The live filter typed in the `/` prompt.
pub fn set_filter(pane: &mut PalsanPane, cx: &mut Ctx, v: String) {
    let page = cx.page();
    pane.filter = v;
    let keep = pane.selected().map(|p| p.id);
    pane.rebuild(keep, page);
}

/// A reply for a palsan request.
pub fn on_reply(
    pane: &mut PalsanPane,
    cx: &mut Ctx,
    purpose: PalsanPurpose,
    r: Result<Reply, String>,
) -> Vec<Effect> {
    let page = cx.page();
    let reply = match r {
        Ok(Reply::Palsan(p)) => *p,
        Ok(other) => {
            say(cx, format!("balasan tak terduga: {other:?}"), true);
            return Vec::new();
        }
        Err(e) => {
            if let PalsanPurpose::Saved(_) = purpose
                && let Some(f) = top_form(cx)
            {
                f.error = Some(e.clone());
            }
            if purpose != PalsanPurpose::Reminders {
                say(cx, e, true);
            }
            return Vec::new();
        }
    };
    match (purpose, reply) {
        (PalsanPurpose::List, PalsanReply::Items { items }) => {
            pane.set_items(items, page);
            vec![kunci_call()]
        }
        (PalsanPurpose::Kunci, PalsanReply::KunciList { kunci }) => {
            pane.kunci = kunci;
            Vec::new()
        }
        (PalsanPurpose::Reminders, PalsanReply::Reminders { pengingat, .. }) => {
            pane.reminders = pengingat;
            Vec::new()
        }
        (PalsanPurpose::Show(id), PalsanReply::Item { item, perbaikan }) => {
            for l in &mut cx.layers {
                if let Layer::Palsan(b) = l
                    && let PalsanLayer::Detail(d) = &mut **b
                    && d.id == id
                {
                    d.item = Some(item.clone());
                    d.case = perbaikan.clone();
                }
            }
            Vec::new()
        }
        (PalsanPurpose::Saved(msg), r) => {
            if matches!(cx.layers.last(), Some(Layer::Palsan(b)) if matches!(**b, PalsanLayer::Form(_)))
            {
                cx.layers.pop();
            }
            let id = match &r {
                PalsanReply::Item { item, .. } => Some(item.id),
                PalsanReply::Case(v) => Some(v.palsan.id),
                _ => None,
            };
            pane.select = id;
            if cx.pane != Pane::Palsan {
                cx.pane = Pane::Palsan;
            }
            say(cx, msg, false);
            let mut v = refresh_calls(cx);
            if !v
                .iter()
                .any(|e| matches!(e, Effect::Call(_, Purpose::Palsan(PalsanPurpose::List))))
            {
                v.push(list_call());
            }
            v
        }
        (p, r) => {
            say(cx, format!("balasan tak terduga untuk {p:?}: {r:?}"), true);
            Vec::new()
        }
    }
}

// ------------------------------------------------------------------------------------------- drawing

fn local(cx: &Ctx, t: Timestamp) -> String {
    t.to_zoned(cx.node.calendar.zone.clone())
        .strftime("%d-%m-%Y %H:%M")
        .to_string()
}

use super::widgets::{Column as C, ListView, draw_table, heading, section, trunc};

fn status_of(p: &Palsan) -> String {
    if p.dihapus.is_some() {
        "dihapus".into()
    } else if let Some(c) = p.perbaikan {
        format!("perbaikan #{c}")
    } else if let Some(d) = &p.dipinjam {
        format!("dipinjam {}", d.kepada)
    } else {
        "tersedia".into()
    }
}

/// Draws the item list and, below it, the reminders (up to 5 rows, overdue first).
pub fn draw_list(pane: &PalsanPane, cx: &Ctx, f: &mut Frame, r: Rect) {
    let n = pane.reminders.len().min(5) as u16;
    let r = if n > 0 && r.height > n + 4 {
        let rem = Rect::new(r.x, r.bottom() - n - 1, r.width, n + 1);
        draw_reminders(pane, cx, f, rem);
        Rect {
            height: r.height - n - 1,
            ..r
        }
    } else {
        r
    };
    draw_items(pane, cx, f, r);
}

fn draw_reminders(pane: &PalsanPane, cx: &Ctx, f: &mut Frame, r: Rect) {
    let th = &cx.theme;
    let total = pane.reminders.len();
    let mut lines = vec![heading(
        th,
        format!(
            "{} ({total}, {} {})",
            cx.tr("Pengingat", "Reminders"),
            pane.overdue(),
            cx.tr("terlambat", "overdue")
        ),
    )];
    for p in pane.reminders.iter().take(r.height as usize - 1) {
        let (glyph, st) = if p.terlambat {
            ("!", th.get("sla.overdue"))
        } else {
            (" ", th.get("sla.soon"))
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{glyph} {} ", local(cx, p.jatuh_tempo)), st),
            Span::raw(trunc(&p.pesan, r.width.saturating_sub(20) as usize)),
        ]));
    }
    f.render_widget(Paragraph::new(lines), r);
}

fn draw_items(pane: &PalsanPane, cx: &Ctx, f: &mut Frame, r: Rect) {
    let th = &cx.theme;
    let l = &pane;
    if l.view.is_empty() {
        let msg = if l.items.is_empty() {
            cx.tr(
                "Belum ada palsan. Tekan a untuk menambah peralatan sandi, dongle, aplikasi atau APU.",
                "No equipment yet. Press a to add crypto equipment, a dongle, an app or APU.",
            )
        } else {
            cx.tr(
                "Tidak ada yang cocok dengan saringan (jenis:, kondisi:, kesiapan:).",
                "Nothing matches the filter (jenis:, kondisi:, kesiapan:).",
            )
        };
        f.render_widget(Paragraph::new(msg).style(th.get("dim")), r);
        return;
    }
    let rows_h = (r.height as usize).saturating_sub(1).max(1);
    // The list may be shorter than the page the cursor logic assumed (reminders below it).
    let offset = l.cursor.offset_for(rows_h);
    let end = (offset + rows_h).min(l.view.len());
    let rows: Vec<_> = l.view[offset..end]
        .iter()
        .map(|&i| {
            let p = &l.items[i];
            let style = if p.dihapus.is_some() {
                th.get("dim")
            } else if p.kesiapan == Kesiapan::TidakSiap {
                th.get("sla.soon")
            } else {
                Style::default()
            };
            (
                vec![
                    Cell::from(p.id.to_string()),
                    Cell::from(trunc(p.jenis.label(), 12)),
                    Cell::from(trunc(&p.nama, 60)),
                    Cell::from(trunc(&p.nomor_seri, 20)),
                    Cell::from(p.kondisi.label()),
                    Cell::from(p.kesiapan.label()),
                    Cell::from(status_of(p)),
                ],
                style,
            )
        })
        .collect();
    let cols = [
        C::new("Id", L(3), 0),
        C::new("Jenis", L(12), 2),
        C::new(cx.tr("Nama/model", "Name/model"), F(2), 0),
        C::new(cx.tr("Seri", "Serial"), F(1), 1),
        C::new("Kondisi", L(12), 0),
        C::new("Kesiapan", L(10), 0),
        C::new("Status", L(14), 0),
    ];
    let sel = Some(l.cursor.pos - offset);
    draw_table(f, r, &cols, rows, sel, th);
}

/// The header span: reminders due/overdue (empty when none).
pub fn header_span(pane: &PalsanPane, cx: &Ctx) -> Option<Span<'static>> {
    let n = pane.reminders.len();
    if n == 0 {
        return None;
    }
    let over = pane.overdue();
    let st = if over > 0 {
        cx.theme.get("sla.overdue")
    } else {
        cx.theme.get("sla.soon")
    };
    Some(Span::styled(
        format!(
            "{}{} {n}",
            if over > 0 { "!" } else { "" },
            cx.tr("pengingat", "reminders")
        ),
        st,
    ))
}

fn kv(cx: &Ctx, k: &str, v: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{k:<15}"), cx.theme.get("form.label")),
        Span::raw(v),
    ])
}

/// The lines of an item's detail: fields, open case with SLA per step, reminders for it, history.
pub fn detail_lines(pane: &PalsanPane, cx: &Ctx, d: &PalsanDetail) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let Some(p) = &d.item else {
        out.push(Line::from(cx.tr("memuat…", "loading…").to_string()));
        return out;
    };
    out.push(heading(
        &cx.theme,
        format!("Palsan {} · {} · {}", p.id, p.jenis.label(), p.nama),
    ));
    out.push(kv(cx, "Nomor seri", p.nomor_seri.clone()));
    out.push(kv(cx, "Sumber", p.sumber.clone()));
    out.push(kv(cx, "Lokasi", p.lokasi.clone()));
    out.push(kv(cx, "Pemegang", p.pemegang.clone()));
    out.push(kv(cx, "Kondisi", p.kondisi.label().into()));
    out.push(kv(cx, "Kesiapan", p.kesiapan.label().into()));
    out.push(kv(cx, "Status", status_of(p)));
    if let Some(pj) = &p.dipinjam {
        out.push(kv(
            cx,
            "Dipinjam",
            format!(
                "{} sejak {}{}",
                pj.kepada,
                local(cx, pj.keluar_at),
                pj.rencana_kembali.map_or(String::new(), |r| format!(
                    ", rencana kembali {}",
                    local(cx, r)
                ))
            ),
        ));
    }
    if let Some(h) = &p.dihapus {
        out.push(kv(
            cx,
            "Dihapus",
            format!(
                "BA {} · saksi {} · {}",
                h.berita_acara,
                h.saksi.join(", "),
                h.alasan
            ),
        ));
    }
    if !p.catatan.is_empty() {
        out.push(kv(cx, "Catatan", p.catatan.clone()));
    }
    if let Some(v) = &d.case {
        let c = &v.perbaikan;
        section(
            &mut out,
            &cx.theme,
            format!("Perbaikan {} · {}", c.id, c.kerusakan),
        );
        out.push(kv(cx, "Ditemukan", local(cx, c.ditemukan_at)));
        if let Some(k) = v.penilaian.or_else(|| c.penilaian()) {
            out.push(kv(cx, "Penilaian BSSN", k.label().into()));
        }
        let next = c.berikutnya();
        for s in &v.sla {
            let rec = c.langkah.iter().find(|r| r.langkah == s.langkah);
            let st = match s.sla {
                SlaState::Lewat { .. } | SlaState::Terlambat { .. } => cx.theme.get("sla.overdue"),
                SlaState::Berjalan { .. } | SlaState::Menunggu { .. } => cx.theme.get("sla.soon"),
                SlaState::Belum => cx.theme.get("dim"),
                _ => Style::default(),
            };
            out.push(Line::from(vec![
                Span::raw(format!(
                    "{:>3}. {:<28} ",
                    s.nomor,
                    trunc(s.langkah.label(), 28)
                )),
                Span::styled(format!("{:<22}", s.teks()), st),
                Span::raw(match (rec, s.batas) {
                    (Some(r), _) => format!(
                        " {} · {}{}{}",
                        r.at.to_zoned(cx.node.calendar.zone.clone())
                            .strftime("%d-%m %H:%M"),
                        r.oleh,
                        if r.dokumen.is_empty() {
                            String::new()
                        } else {
                            format!(" · {}", r.dokumen)
                        },
                        r.penilaian
                            .map_or(String::new(), |k| format!(" · {}", k.label()))
                    ),
                    (None, Some(b)) if next == Some(s.langkah) => format!(
                        " batas {}",
                        b.to_zoned(cx.node.calendar.zone.clone())
                            .strftime("%d-%m %H:%M")
                    ),
                    _ => String::new(),
                }),
            ]));
        }
    }
    let keys: Vec<&Kunci> = pane
        .kunci
        .iter()
        .filter(|k| k.palsan_id == Some(p.id))
        .collect();
    if !keys.is_empty() {
        section(
            &mut out,
            &cx.theme,
            cx.tr("Kunci sistem sandi", "Key material").to_string(),
        );
        for k in keys {
            out.push(Line::from(format!(
                "#{} {} {} · {} s.d. {} · {} · {}",
                k.id,
                k.jenis,
                k.seri,
                k.berlaku_dari,
                k.berlaku_sampai,
                k.status.as_str(),
                k.kondisi.label()
            )));
        }
    }
    let mine: Vec<&Pengingat> = pane
        .reminders
        .iter()
        .filter(|r| {
            r.objek == format!("palsan:{}", p.id)
                || pane
                    .kunci
                    .iter()
                    .any(|k| k.palsan_id == Some(p.id) && r.objek == format!("kunci:{}", k.id))
                || p.perbaikan
                    .is_some_and(|c| r.objek == format!("perbaikan:{c}"))
        })
        .collect();
    if !mine.is_empty() {
        out.push(Line::from(""));
        for r in mine {
            out.push(Line::from(Span::styled(
                format!("! {}", r.pesan),
                cx.theme.get("sla.overdue"),
            )));
        }
    }
    section(&mut out, &cx.theme, cx.tr("Riwayat", "History").to_string());
    for r in &p.riwayat {
        out.push(Line::from(format!(
            "{} {:<18} {:<16} {}",
            local(cx, r.at),
            r.aksi,
            trunc(&r.oleh, 16),
            r.catatan
        )));
    }
    out
}

/// Draws a palsan layer (detail over the body, form centered).
pub fn draw_layer(
    pane: &PalsanPane,
    cx: &Ctx,
    l: &PalsanLayer,
    f: &mut Frame,
    area: Rect,
    body: Rect,
) {
    match l {
        PalsanLayer::Detail(d) => {
            let r = Rect {
                y: body.y.saturating_sub(1),
                height: body.height + 1,
                ..body
            };
            f.render_widget(Clear, r);
            let lines = detail_lines(pane, cx, d);
            let block = Block::default()
                .borders(Borders::ALL)
                .border_style(cx.theme.get("border"))
                .title(format!(" {} ", cx.tr("Rincian palsan", "Equipment detail")));
            d.view.draw(f, r, lines, Some(block));
        }
        PalsanLayer::Form(s) => draw_form(cx, s, f, area),
    }
}

fn draw_form(cx: &Ctx, s: &PalsanForm, f: &mut Frame, area: Rect) {
    let th = &cx.theme;
    let h = (s.fields.len() as u16 + 4).min(area.height);
    let r = Rect::new(
        area.x + (area.width.saturating_sub(area.width.min(90))) / 2,
        area.y + (area.height - h) / 2,
        area.width.min(90),
        h,
    );
    f.render_widget(Clear, r);
    let inner = super::widgets::boxed(
        f,
        r,
        format!(" {} ", trunc(&s.title, r.width as usize - 4)),
        th.get("border"),
    );
    let label_w = 18u16;
    for (i, fl) in s.fields.iter().enumerate() {
        let y = inner.y + i as u16;
        if y >= inner.bottom().saturating_sub(1) {
            break;
        }
        let focused = i == s.focus;
        let lstyle = th.get(if focused { "form.focus" } else { "form.label" });
        let mark = if focused { "›" } else { " " };
        f.render_widget(
            Paragraph::new(format!("{mark}{:<w$}", fl.label, w = label_w as usize - 1))
                .style(lstyle),
            Rect::new(inner.x, y, label_w, 1),
        );
        let vr = Rect::new(
            inner.x + label_w + 1,
            y,
            inner.width.saturating_sub(label_w + 1),
            1,
        );
        if fl.name == SUBMIT {
            continue;
        }
        if !fl.choices.is_empty() {
            let v = fl.choices.get(fl.choice).copied().unwrap_or("");
            let st = if focused {
                Style::default().add_modifier(Modifier::BOLD)
            } else {
                Style::default()
            };
            f.render_widget(Paragraph::new(format!("‹ {v} ›")).style(st), vr);
        } else if focused {
            let mut t = fl.text.clone();
            t.set_cursor_line_style(Style::default());
            t.set_cursor_style(Style::default().add_modifier(Modifier::REVERSED));
            if !fl.hint.is_empty() {
                t.set_placeholder_text(fl.hint);
                t.set_placeholder_style(th.get("dim"));
            }
            f.render_widget(&t, vr);
        } else if fl.text.is_empty() && !fl.hint.is_empty() {
            f.render_widget(Paragraph::new(fl.hint).style(th.get("dim")), vr);
        } else {
            f.render_widget(Paragraph::new(fl.text.lines().join(" ")), vr);
        }
    }
    let foot = match &s.error {
        Some(e) => Span::styled(format!("✗ {e}"), th.get("form.error")),
        None => Span::styled(
            cx.tr(
                "Tab isian · Ctrl-S simpan · Esc batal · ←/→ pilih",
                "Tab field · Ctrl-S save · Esc cancel · ←/→ choose",
            )
            .to_string(),
            th.get("dim"),
        ),
    };
    f.render_widget(
        Paragraph::new(Line::from(foot)),
        Rect::new(inner.x, inner.bottom().saturating_sub(1), inner.width, 1),
    );
}
