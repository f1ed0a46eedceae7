//! The registration form (triage of a `baru` scan, or a new keluar draft): view state only.

use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

use crate::domain::naskah::HeaderSuggestions;
use crate::domain::{Entry, Klasifikasi, RegisterFields};

/// What the form is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormPurpose {
    /// Register the `baru` scan with this id.
    Register(u64),
    /// A new keluar draft.
    KeluarNew,
}

impl FormPurpose {
    /// The node draft key for this form.
    pub fn draft_key(&self) -> String {
        match self {
            FormPurpose::Register(id) => format!("register:{id}"),
            FormPurpose::KeluarNew => "keluar:new".into(),
        }
    }
}

/// The kind of one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Date,
    Klasifikasi,
    Derajat,
    Toggle,
    Submit,
}

/// One field.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    pub label_id: &'static str,
    pub label_en: &'static str,
    pub kind: Kind,
    pub text: TextArea<'static>,
    /// Index into the picker's options (0 = unset).
    pub choice: usize,
    /// Pre-filled from a suggestion and not yet edited or confirmed.
    pub suggested: bool,
}

/// Form state.
#[derive(Debug, Clone)]
pub struct FormState {
    pub purpose: FormPurpose,
    pub fields: Vec<Field>,
    pub focus: usize,
    pub derajat: Vec<String>,
    /// Inline problems from `RegisterFields::validate` (plus date parsing).
    pub errors: Vec<(&'static str, String)>,
    /// The user changed something since the form opened.
    pub changed: bool,
    /// Refusal from the node on submit.
    pub refused: Option<String>,
    /// Title extra (file name of the scan).
    pub subtitle: String,
}

use super::widgets::textarea as text;

fn field(name: &'static str, id: &'static str, en: &'static str, kind: Kind) -> Field {
    Field {
        name,
        label_id: id,
        label_en: en,
        kind,
        text: text(""),
        choice: 0,
        suggested: false,
    }
}

impl FormState {
    /// An empty form.
    pub fn new(purpose: FormPurpose, derajat: Vec<String>) -> FormState {
        let fields = vec![
            field("nomor_surat", "Nomor surat", "Letter number", Kind::Text),
            field("tanggal_surat", "Tanggal surat", "Letter date", Kind::Date),
            field("asal", "Asal", "From", Kind::Text),
            field("tujuan", "Tujuan (Yth.)", "To (Yth.)", Kind::Text),
            field("perihal", "Perihal", "Subject (perihal)", Kind::Text),
            field("isi_ringkas", "Isi ringkas", "Summary", Kind::Text),
            field(
                "klasifikasi",
                "Klasifikasi",
                "Klasifikasi",
                Kind::Klasifikasi,
            ),
            field("derajat", "Derajat", "Derajat", Kind::Derajat),
            field("lampiran", "Lampiran", "Enclosures", Kind::Text),
            field("saluran", "Saluran", "Saluran", Kind::Text),
            field("kriptogram", "Kriptogram", "Kriptogram", Kind::Toggle),
            field("submit", "[ Simpan ]", "[ Save ]", Kind::Submit),
        ];
        let mut f = FormState {
            purpose,
            fields,
            focus: 0,
            derajat,
            errors: Vec::new(),
            changed: false,
            refused: None,
            subtitle: String::new(),
        };
        f.revalidate();
        f
    }

    /// The form for triaging `entry`: suggestions applied (`RegisterFields::apply_suggestions`) and marked.
    pub fn for_entry(entry: &Entry, derajat: Vec<String>) -> FormState {
        // A kriptogram's signed manifest (perihal, klasifikasi, nomor, tanggal, derajat) is kept, as
        // the node does; suggestions fill only what is still empty.
        let mut rf = RegisterFields {
            saluran: entry.saluran.clone(),
            asal: entry.asal.clone(),
            kriptogram: entry.kriptogram,
            ..RegisterFields::default()
        };
        rf.fill_from_manifest(entry);
        let before = rf.clone();
        let s = entry.suggestions.clone().unwrap_or_default();
        rf.apply_suggestions(&s);
        let mut f = FormState::new(FormPurpose::Register(entry.id), derajat);
        f.subtitle = entry
            .attachments
            .first()
            .map(|a| a.name.clone())
            .unwrap_or_default();
        f.set_fields(&rf);
        f.mark_suggested(&before, &rf, &s);
        f.revalidate();
        f
    }

    /// Suggestions that arrived after the form opened (the OCR of a scan finished while the
    /// sandiman was typing): fills the fields that are still empty and marks them suggested; what
    /// was typed is never overwritten. Returns the labels (Indonesian) of the fields filled.
    pub fn fill_empty_from(&mut self, entry: &Entry) -> Vec<&'static str> {
        let fresh = FormState::for_entry(entry, self.derajat.clone());
        let mut filled = Vec::new();
        for (fl, nf) in self.fields.iter_mut().zip(fresh.fields.iter()) {
            if !nf.suggested || fl.name != nf.name {
                continue;
            }
            let empty_text = fl.text.lines().join("").trim().is_empty();
            let empty_choice = fl.choice == 0;
            let took = match fl.kind {
                Kind::Klasifikasi | Kind::Derajat if empty_choice && nf.choice != 0 => {
                    fl.choice = nf.choice;
                    true
                }
                Kind::Text | Kind::Date if empty_text && !nf.text.lines().join("").is_empty() => {
                    fl.text = nf.text.clone();
                    true
                }
                _ => false,
            };
            if took {
                fl.suggested = true;
                filled.push(fl.label_id);
            }
        }
        if !filled.is_empty() {
            self.revalidate();
        }
        filled
    }

    fn mark_suggested(
        &mut self,
        before: &RegisterFields,
        after: &RegisterFields,
        _s: &HeaderSuggestions,
    ) {
        let b = serde_json::to_value(before).unwrap_or_default();
        let a = serde_json::to_value(after).unwrap_or_default();
        for fl in &mut self.fields {
            if a.get(fl.name) != b.get(fl.name) {
                fl.suggested = true;
            }
        }
    }

    /// Fills the form from fields (no suggestion marks).
    pub fn set_fields(&mut self, rf: &RegisterFields) {
        let derajat = self.derajat.clone();
        for fl in &mut self.fields {
            let v = match fl.name {
                "nomor_surat" => rf.nomor_surat.clone(),
                "tanggal_surat" => rf.tanggal_surat.map(|d| d.to_string()).unwrap_or_default(),
                "asal" => rf.asal.clone(),
                "tujuan" => rf.tujuan.clone(),
                "perihal" => rf.perihal.clone(),
                "isi_ringkas" => rf.isi_ringkas.clone(),
                "lampiran" => rf.lampiran.clone(),
                "saluran" => rf.saluran.clone(),
                _ => String::new(),
            };
            fl.text = text(&v.replace(['\n', '\r'], " "));
            fl.choice = match fl.kind {
                Kind::Klasifikasi => rf
                    .klasifikasi
                    .and_then(|k| Klasifikasi::ALL.iter().position(|x| *x == k))
                    .map_or(0, |i| i + 1),
                Kind::Derajat => rf
                    .derajat
                    .as_ref()
                    .and_then(|d| derajat.iter().position(|x| x == d))
                    .map_or(0, |i| i + 1),
                Kind::Toggle => usize::from(rf.kriptogram),
                _ => 0,
            };
        }
    }

    /// The option labels of a picker (index 0 is "unset").
    pub fn options(&self, kind: Kind) -> Vec<String> {
        let mut v = vec!["—".to_string()];
        match kind {
            Kind::Klasifikasi => v.extend(
                Klasifikasi::ALL
                    .iter()
                    .map(|k| format!("{} ({})", k.as_str(), k.code())),
            ),
            Kind::Derajat => v.extend(self.derajat.iter().cloned()),
            Kind::Toggle => return vec!["tidak".into(), "ya".into()],
            _ => {}
        }
        v
    }

    fn value(&self, name: &str) -> String {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.text.lines().join(" ").trim().to_string())
            .unwrap_or_default()
    }

    fn choice(&self, name: &str) -> usize {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map_or(0, |f| f.choice)
    }

    /// The fields as entered; a bad date is reported separately.
    pub fn to_fields(&self) -> (RegisterFields, Option<String>) {
        let date = self.value("tanggal_surat");
        let (tanggal_surat, date_err) = if date.is_empty() {
            (None, None)
        } else {
            match date.parse::<jiff::civil::Date>() {
                Ok(d) => (Some(d), None),
                Err(_) => (
                    None,
                    Some("format tanggal: TTTT-BB-HH, mis. 2026-11-20".to_string()),
                ),
            }
        };
        let k = self.choice("klasifikasi");
        let d = self.choice("derajat");
        (
            RegisterFields {
                saluran: self.value("saluran"),
                asal: self.value("asal"),
                tujuan: self.value("tujuan"),
                nomor_surat: self.value("nomor_surat"),
                tanggal_surat,
                perihal: self.value("perihal"),
                isi_ringkas: self.value("isi_ringkas"),
                klasifikasi: (k > 0).then(|| Klasifikasi::ALL[k - 1]),
                derajat: (d > 0).then(|| self.derajat.get(d - 1).cloned()).flatten(),
                lampiran: self.value("lampiran"),
                kriptogram: self.choice("kriptogram") == 1,
            },
            date_err,
        )
    }

    /// Recomputes the inline problems.
    pub fn revalidate(&mut self) {
        let (rf, date_err) = self.to_fields();
        self.errors = rf.validate(&self.derajat);
        if let Some(e) = date_err {
            self.errors.push(("tanggal_surat", e));
        }
    }

    /// The first problem of a field.
    pub fn error_of(&self, name: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, m)| m.as_str())
    }

    pub fn focused(&self) -> &Field {
        &self.fields[self.focus]
    }

    pub fn next(&mut self, d: isize) {
        let n = self.fields.len() as isize;
        self.focus = ((self.focus as isize + d).rem_euclid(n)) as usize;
    }

    /// Focuses the field `name`.
    pub fn focus_on(&mut self, name: &str) {
        if let Some(i) = self.fields.iter().position(|f| f.name == name) {
            self.focus = i;
        }
    }

    /// Cycles the focused picker; false when the focus is not a picker.
    pub fn cycle(&mut self, d: isize) -> bool {
        let kind = self.focused().kind;
        let n = match kind {
            Kind::Klasifikasi | Kind::Derajat | Kind::Toggle => self.options(kind).len() as isize,
            _ => return false,
        };
        let f = &mut self.fields[self.focus];
        f.choice = ((f.choice as isize + d).rem_euclid(n)) as usize;
        f.suggested = false;
        self.changed = true;
        self.revalidate();
        true
    }

    /// Confirms the focused field's suggestion.
    pub fn confirm_focused(&mut self) {
        self.fields[self.focus].suggested = false;
    }

    /// Sends a key to the focused text field; true when the text changed.
    pub fn input(&mut self, key: KeyEvent) -> bool {
        let f = &mut self.fields[self.focus];
        if !matches!(f.kind, Kind::Text | Kind::Date) {
            return false;
        }
        if key.code == crossterm::event::KeyCode::Enter {
            return false;
        }
        let changed = super::widgets::edit(&mut f.text, key);
        if changed {
            f.suggested = false;
            self.changed = true;
            self.revalidate();
        }
        changed
    }

    /// Replaces the focused text field's content (command line / tests).
    pub fn set_text(&mut self, name: &str, v: &str) {
        if let Some(f) = self.fields.iter_mut().find(|f| f.name == name) {
            f.text = text(v);
            f.suggested = false;
            self.changed = true;
        }
        self.revalidate();
    }

    /// The draft saved to the node: the fields as JSON.
    pub fn draft_json(&self) -> String {
        serde_json::to_string(&self.to_fields().0).unwrap_or_default()
    }
}

// ---- The form as an overlay: its actions while it is the top layer.

use super::action::Action;
use super::ctx::Ctx;
use super::effect::{Effect, Purpose};
use super::layer::Layer;
use crate::proto::Request;

/// Handles `a` while a registration form is the top overlay: field motion, choice cycling, clearing
/// a field, Enter (confirm and move on, or submit on the submit button) and submit. `None` when no
/// form is on top or the action is not a form action.
pub fn on_action(cx: &mut Ctx, a: &Action) -> Option<Vec<Effect>> {
    let Some(Layer::Form(f)) = cx.layers.last_mut() else {
        return None;
    };
    Some(match a {
        Action::FormNext => {
            f.next(1);
            Vec::new()
        }
        Action::FormPrev => {
            f.next(-1);
            Vec::new()
        }
        Action::ClearField if matches!(f.focused().kind, Kind::Text | Kind::Date) => {
            let name = f.focused().name;
            f.set_text(name, "");
            vec![draft_put(f)]
        }
        Action::ClearField => Vec::new(),
        Action::CycleNext | Action::CyclePrev => {
            let d = if *a == Action::CycleNext { 1 } else { -1 };
            if f.cycle(d) {
                vec![draft_put(f)]
            } else {
                Vec::new()
            }
        }
        Action::FormEnter if f.focused().kind != Kind::Submit => {
            f.confirm_focused();
            f.next(1);
            Vec::new()
        }
        Action::FormEnter | Action::Submit => submit(cx),
        _ => return None,
    })
}

/// Submits the top form: refuses (focusing the first marked field) while a field is invalid, else
/// the register or new-draft request.
fn submit(cx: &mut Ctx) -> Vec<Effect> {
    let Some(f) = cx.form_mut() else {
        return Vec::new();
    };
    f.revalidate();
    f.refused = None;
    if let Some((name, _)) = f.errors.first() {
        let name = *name;
        f.focus_on(name);
        cx.error(
            cx.tr("perbaiki isian yang ditandai", "fix the marked fields")
                .to_string(),
        );
        return Vec::new();
    }
    for fl in &mut f.fields {
        fl.suggested = false;
    }
    let (fields, _) = f.to_fields();
    match f.purpose {
        FormPurpose::Register(id) => vec![Effect::Call(
            Request::Register { id, fields },
            Purpose::Registered(id),
        )],
        FormPurpose::KeluarNew => vec![Effect::Call(
            Request::KeluarNew { fields, dari: None },
            Purpose::KeluarCreated,
        )],
    }
}

/// Saves the form's input as a node draft (nothing typed is lost when the SSH session drops).
pub fn draft_put(f: &FormState) -> Effect {
    Effect::Call(
        Request::DraftPut {
            key: f.purpose.draft_key(),
            data: f.draft_json(),
        },
        Purpose::Ignore,
    )
}
