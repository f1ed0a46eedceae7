//! Disposisi: routing instructions on a registered berita, down the chain Kadis → Kabid → Kasi → Sandiman.
//!
//! Sources: seed 001 (Pencatatan langkah 1–5: berita diagendakan lalu didisposisi pimpinan), 002 langkah 2
//! (Kasi tanpa kualifikasi Ahli Sandi dilewati), 003 SOP B/C langkah 3 (Bagian Umum / Kasi Persandian),
//! 004 langkah 1–4 (Kadis → Kabid → Kasi → Sandiman), GLOSSARY (disposisi, lembar disposisi).
//!
//! A [`Disposisi`] goes from one operator to one recipient (a disposisi to several recipients is several
//! records with the same `entry_id` and `parent`). Its life cycle:
//! `diterbitkan` → `dibaca` (first open by the recipient) → `diproses` → `selesai` (with a result note),
//! or `diteruskan` (re-disposisi further down), or `dibatalkan` by the issuer while still unread, or
//! `dikembalikan` ("tidak perlu disposisi"). Transitions are pure functions taking `now`; each appends a
//! [`Langkah`] and never rewrites an earlier one. Refusals are [`RuleRefusal`]s naming the rule.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::agenda::{Book, Entry, Status};
use super::calendar::{DerajatRule, WorkCalendar};
use super::operator::{Operator, Role};

/// The rules file shipped with kasa (`data/disposisi.toml`); used when the node has no own copy.
pub const DEFAULT_RULES_TOML: &str = include_str!("../../data/disposisi.toml");

/// Maximum length of a catatan / result note (characters).
pub const MAX_CATATAN: usize = 2000;

/// A refusal by a named chain rule (`ke-bawah`, `tanpa-lompat`, `ahli-sandi`, `pemula`, `berurutan`,
/// `batal-sebelum-dibaca`, `teragenda`, `batas-waktu`, `penerima`, `keadaan`, `isian`). The message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("aturan {rule}: {message}")]
pub struct RuleRefusal {
    /// The rule's short name, as in `data/disposisi.toml` comments.
    pub rule: &'static str,
    pub message: String,
}

fn refuse<T>(rule: &'static str, message: impl Into<String>) -> Result<T, RuleRefusal> {
    Err(RuleRefusal {
        rule,
        message: message.into(),
    })
}

/// One suggestion of the recipient by the berita's tujuan (003 SOP B/C langkah 3).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Arahan {
    /// Words matched case-insensitively in the entry's `tujuan`; `"*"` matches any non-empty tujuan.
    pub tujuan: Vec<String>,
    /// The unit or post suggested, e.g. "Bagian Umum Sekretariat Daerah".
    pub ke: String,
    /// The role inside this node that takes it, if any (e.g. `kasi`).
    #[serde(default)]
    pub peran: Option<Role>,
    /// Why (shown with the suggestion).
    #[serde(default)]
    pub alasan: String,
}

/// The chain rules, from `<data dir>/disposisi.toml` or the shipped defaults ([`DEFAULT_RULES_TOML`]).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DisposisiRules {
    /// The instruksi checklist.
    pub instruksi: Vec<String>,
    /// The hierarchy from the top down; disposisi goes only downward.
    pub hierarki: Vec<Role>,
    /// Roles that may start a disposisi on an entry nobody has disposed yet.
    pub pemula: Vec<Role>,
    /// Whether a level may be skipped (e.g. Kadis → Kasi).
    #[serde(default)]
    pub boleh_lompat: bool,
    /// 002 langkah 2: for kriptogram work, a Kasi without Ahli Sandi is skipped straight to the sandiman.
    #[serde(default = "yes")]
    pub lewati_kasi_tanpa_ahli_sandi: bool,
    /// The derajat used for the batas waktu when the entry has none.
    #[serde(default = "biasa")]
    pub derajat_bawaan: String,
    /// Recipient suggestions by tujuan, first match wins.
    #[serde(default)]
    pub arahan: Vec<Arahan>,
}

fn yes() -> bool {
    true
}
fn biasa() -> String {
    "Biasa".into()
}

impl Default for DisposisiRules {
    fn default() -> Self {
        DisposisiRules::parse(DEFAULT_RULES_TOML).unwrap_or_else(|_| DisposisiRules {
            instruksi: vec!["Untuk diketahui".into()],
            hierarki: vec![Role::Kadis, Role::Kabid, Role::Kasi, Role::Sandiman],
            pemula: vec![Role::Kadis, Role::Kasi],
            boleh_lompat: false,
            lewati_kasi_tanpa_ahli_sandi: true,
            derajat_bawaan: biasa(),
            arahan: Vec::new(),
        })
    }
}

impl DisposisiRules {
    /// Parses a rules file's text (TOML) and checks it ([`DisposisiRules::check`]).
    pub fn parse(text: &str) -> Result<DisposisiRules, String> {
        let r: DisposisiRules = toml::from_str(text).map_err(|e| e.to_string())?;
        r.check(None)?;
        Ok(r)
    }

    /// Semantic checks: non-empty instruksi and hierarchy, no role twice, no admin in the chain, pemula in
    /// the hierarchy, derajat_bawaan in `derajat` (when given).
    pub fn check(&self, derajat: Option<&[DerajatRule]>) -> Result<(), String> {
        if self.instruksi.iter().all(|i| i.trim().is_empty()) {
            return Err("instruksi kosong: isi sedikitnya satu instruksi".into());
        }
        if self.hierarki.len() < 2 {
            return Err("hierarki perlu sedikitnya dua peran, mis. [\"kadis\", \"kabid\", \"kasi\", \"sandiman\"]".into());
        }
        for (i, r) in self.hierarki.iter().enumerate() {
            if *r == Role::Admin {
                return Err(
                    "peran admin tidak termasuk rantai disposisi: hapus dari hierarki".into(),
                );
            }
            if self.hierarki[..i].contains(r) {
                return Err(format!(
                    "peran {} muncul dua kali dalam hierarki",
                    r.as_str()
                ));
            }
        }
        for p in &self.pemula {
            if !self.hierarki.contains(p) {
                return Err(format!(
                    "pemula {} tidak ada dalam hierarki: tambahkan atau hapus",
                    p.as_str()
                ));
            }
        }
        if let Some(t) = derajat
            && !t.iter().any(|d| d.name == self.derajat_bawaan)
        {
            let names: Vec<_> = t.iter().map(|d| d.name.as_str()).collect();
            return Err(format!(
                "derajat_bawaan '{}' tidak ada dalam tabel derajat node: pilih {}",
                self.derajat_bawaan,
                names.join(", ")
            ));
        }
        Ok(())
    }

    /// Level of a role in the hierarchy (0 = top), `None` when the role is not in the chain.
    pub fn level(&self, r: Role) -> Option<usize> {
        self.hierarki.iter().position(|x| *x == r)
    }

    /// The operators `me` may send a disposisi to: enabled, in the chain, strictly below `me`
    /// (`ke-bawah`), ordered by level then uid. See [`candidates`].
    pub fn candidates(&self, me: &Operator, operators: &[Operator]) -> Vec<Operator> {
        candidates(&self.hierarki, me, operators)
    }

    /// The recipient suggestion for an entry by its tujuan (003 SOP B/C langkah 3), if any rule matches.
    pub fn saran(&self, e: &Entry) -> Option<&Arahan> {
        let t = e.tujuan.to_lowercase();
        if t.trim().is_empty() {
            return None;
        }
        self.arahan.iter().find(|a| {
            a.tujuan.iter().any(|w| {
                w == "*" || {
                    let w = w.to_lowercase();
                    // Word match: "Asisten" must not match inside another word.
                    t.match_indices(&w).any(|(i, _)| {
                        let before = t[..i].chars().last();
                        let after = t[i + w.len()..].chars().next();
                        !before.is_some_and(char::is_alphanumeric)
                            && !after.is_some_and(char::is_alphanumeric)
                    })
                }
            })
        })
    }
}

/// The state of one disposisi.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Keadaan {
    Diterbitkan,
    Dibaca,
    Diproses,
    Selesai,
    Diteruskan,
    Dibatalkan,
    Dikembalikan,
}

impl Keadaan {
    /// Lowercase name (CLI, JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            Keadaan::Diterbitkan => "diterbitkan",
            Keadaan::Dibaca => "dibaca",
            Keadaan::Diproses => "diproses",
            Keadaan::Selesai => "selesai",
            Keadaan::Diteruskan => "diteruskan",
            Keadaan::Dibatalkan => "dibatalkan",
            Keadaan::Dikembalikan => "dikembalikan",
        }
    }
    /// True while the recipient still has to act.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            Keadaan::Diterbitkan | Keadaan::Dibaca | Keadaan::Diproses
        )
    }
}

/// A party of a disposisi: the operator (uid) with name and role at the time.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Pihak {
    pub uid: u32,
    pub nama: String,
    pub role: Role,
    #[serde(default)]
    pub jabatan: String,
}

impl Pihak {
    /// The party of an operator record.
    pub fn of(op: &Operator) -> Pihak {
        Pihak {
            uid: op.uid,
            nama: op.nama.clone(),
            role: op.role,
            jabatan: op.jabatan.clone(),
        }
    }
}

/// One step of the life cycle (paraf = operator and time).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Langkah {
    pub at: Timestamp,
    pub uid: u32,
    pub by: String,
    /// The state entered.
    pub keadaan: Keadaan,
    #[serde(default)]
    pub catatan: String,
}

/// A disposisi record (one line of the lembar disposisi).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Disposisi {
    pub id: u64,
    /// The agenda entry (masuk, or a keluar request per 004).
    pub entry_id: u64,
    /// The disposisi this one forwards (re-disposisi), `None` for the first in a chain.
    #[serde(default)]
    pub parent: Option<u64>,
    pub dari: Pihak,
    pub kepada: Pihak,
    pub instruksi: Vec<String>,
    #[serde(default)]
    pub catatan: String,
    pub batas_waktu: Timestamp,
    pub issued_at: Timestamp,
    #[serde(default)]
    pub read_at: Option<Timestamp>,
    pub keadaan: Keadaan,
    /// The result note (selesai) or reason (dikembalikan).
    #[serde(default)]
    pub hasil: Option<String>,
    /// Ids of the disposisi made by forwarding this one.
    #[serde(default)]
    pub diteruskan_ke: Vec<u64>,
    pub langkah: Vec<Langkah>,
}

/// What an issuer fills in (the form / CLI).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct DisposisiInput {
    /// Recipient uids (one disposisi each). Empty with `kepada_peran` set: every active operator of that role.
    #[serde(default)]
    pub kepada: Vec<u32>,
    #[serde(default)]
    pub kepada_peran: Option<Role>,
    pub instruksi: Vec<String>,
    #[serde(default)]
    pub catatan: String,
    /// Explicit batas waktu; `None` = from the entry's derajat kecepatan (or the date below).
    #[serde(default)]
    pub batas_waktu: Option<Timestamp>,
    /// A date-only batas waktu ("sampai 5 Desember"): the node resolves it to the end of that working
    /// day in its calendar ([`resolve_batas`]), never midnight. Ignored when `batas_waktu` is set.
    #[serde(default)]
    pub batas_tanggal: Option<jiff::civil::Date>,
}

/// A batas waktu as a person typed it: an instant (a time was given) or a date only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Batas {
    /// `2026-12-05 14:00` (in the node's zone) or RFC 3339.
    Saat(Timestamp),
    /// `2026-12-05`: the end of that working day, resolved by the node ([`resolve_batas`]).
    Tanggal(jiff::civil::Date),
}

impl Batas {
    /// Parses what the CLI (`--batas`) and the console form accept: RFC 3339
    /// (`2026-12-05T14:00+08:00`), `YYYY-MM-DD HH:MM` in `zone` (the node's), or `YYYY-MM-DD` (a date
    /// only, kept as a date so the node makes it the end of that working day). Errors name the forms.
    pub fn parse(s: &str, zone: &jiff::tz::TimeZone) -> Result<Batas, String> {
        let t = s.trim();
        if let Ok(ts) = t.parse::<Timestamp>() {
            return Ok(Batas::Saat(ts));
        }
        if t.len() <= 10
            && let Ok(d) = t.parse::<jiff::civil::Date>()
        {
            return Ok(Batas::Tanggal(d));
        }
        let dt = t.replace(' ', "T").parse::<jiff::civil::DateTime>().map_err(|_| {
            format!(
                "batas waktu '{s}' tidak terbaca: tulis YYYY-MM-DD (akhir hari kerja itu), YYYY-MM-DD HH:MM, atau kosongkan untuk derajat kecepatan"
            )
        })?;
        dt.to_zoned(zone.clone())
            .map(|z| Batas::Saat(z.timestamp()))
            .map_err(|e| format!("batas waktu '{s}': {e}"))
    }

    /// Puts this batas into a form's input (`batas_waktu` or `batas_tanggal`).
    pub fn apply(self, inp: &mut DisposisiInput) {
        match self {
            Batas::Saat(t) => {
                inp.batas_waktu = Some(t);
                inp.batas_tanggal = None;
            }
            Batas::Tanggal(d) => {
                inp.batas_waktu = None;
                inp.batas_tanggal = Some(d);
            }
        }
    }
}

/// The explicit batas waktu of an input as an instant, `None` when the input leaves it to the derajat
/// kecepatan (or the parent's). A date-only batas is the end of that working day in `cal`
/// ([`WorkCalendar::end_of_working_day`]: a weekend or holiday date means the closing of the working day
/// before it). On a forward, a date-only batas on the parent's own last day is capped at the parent's
/// batas waktu (the subordinate gets "the same day", never more time than the superior). The one place
/// this conversion happens (the node calls it; CLI and console only parse, [`Batas::parse`]).
pub fn resolve_batas(
    inp: &DisposisiInput,
    cal: &WorkCalendar,
    parent: Option<&Disposisi>,
) -> Option<Timestamp> {
    if let Some(t) = inp.batas_waktu {
        return Some(t);
    }
    let d = inp.batas_tanggal?;
    let end = cal.end_of_working_day(d);
    Some(match parent {
        Some(p)
            if end > p.batas_waktu
                && p.batas_waktu.to_zoned(cal.zone.clone()).date()
                    == end.to_zoned(cal.zone.clone()).date() =>
        {
            p.batas_waktu
        }
        _ => end,
    })
}

/// The nomor agenda of `e` as the buku agenda shows it: `12/2026` (nomor/tahun), `-` before
/// registration.
pub fn nomor_agenda(e: &Entry) -> String {
    match (e.nomor_agenda, e.tahun) {
        (Some(n), Some(y)) => format!("{n}/{y}"),
        (Some(n), None) => n.to_string(),
        _ => "-".into(),
    }
}

/// True when disposing `e` counts as kriptogram work (002 langkah 2).
pub fn is_kriptogram_work(e: &Entry) -> bool {
    e.kriptogram || matches!(e.book, Book::KriptogramMasuk | Book::KriptogramKeluar)
}

/// Rule `teragenda`: only a registered masuk entry (teragenda/didisposisi) or a keluar request
/// (draft/diagendakan, 004 langkah 1–4) can be disposed; an unregistered scan is refused.
pub fn check_disposable(e: &Entry) -> Result<(), RuleRefusal> {
    let ok = match e.book {
        Book::Masuk | Book::KriptogramMasuk => {
            matches!(e.status, Status::Teragenda | Status::Didisposisi)
        }
        Book::Keluar | Book::KriptogramKeluar => {
            matches!(e.status, Status::Draft | Status::Diagendakan)
        }
    };
    if ok {
        return Ok(());
    }
    if e.status == Status::Baru {
        return refuse(
            "teragenda",
            format!(
                "entri {} masih pindaian yang belum diagendakan: agendakan dulu (`kasa agenda register {}`), baru didisposisi",
                e.id, e.id
            ),
        );
    }
    refuse(
        "teragenda",
        format!(
            "entri {} berstatus {}: hanya berita teragenda atau permohonan keluar yang dapat didisposisi",
            e.id,
            e.status.as_str()
        ),
    )
}

/// Checks the chain rules for `from` disposing to `to` on entry `e`.
///
/// - `ke-bawah`: `to` must be below `from` in the hierarchy (admin and roles outside it are refused);
/// - `tanpa-lompat`: exactly one level down unless `boleh_lompat`, except `ahli-sandi`;
/// - `ahli-sandi` (002 langkah 2): for kriptogram work, a Kasi without Ahli Sandi is skipped: disposing to
///   such a Kasi is refused and Kabid → Sandiman is allowed when no active Kasi holds the qualification.
///
/// `operators` are all operator records (to know which Kasi are qualified).
/// The recipient candidates for a disposisi from `me` under the hierarchy `hierarki` (top first, as
/// in `disposisi.toml`): enabled operators whose role is in the chain strictly below `me`'s role,
/// ordered by level then uid. Empty when `me` is not in the chain. The node checks the same rule on
/// submit ([`check_chain`]); the console only offers these.
pub fn candidates(hierarki: &[Role], me: &Operator, operators: &[Operator]) -> Vec<Operator> {
    let level = |r: Role| hierarki.iter().position(|x| *x == r);
    let Some(mine) = level(me.role) else {
        return Vec::new();
    };
    let mut v: Vec<Operator> = operators
        .iter()
        .filter(|o| !o.disabled && level(o.role).is_some_and(|l| l > mine))
        .cloned()
        .collect();
    v.sort_by_key(|o| (level(o.role), o.uid));
    v
}

pub fn check_chain(
    rules: &DisposisiRules,
    from: &Operator,
    to: &Operator,
    e: &Entry,
    operators: &[Operator],
) -> Result<(), RuleRefusal> {
    if to.disabled {
        return refuse(
            "penerima",
            format!(
                "{} (uid {}) dinonaktifkan: pilih penerima lain",
                to.nama, to.uid
            ),
        );
    }
    if to.uid == from.uid {
        return refuse(
            "penerima",
            "tidak dapat mendisposisi kepada diri sendiri: pilih bawahan",
        );
    }
    let Some(lf) = rules.level(from.role) else {
        return refuse(
            "ke-bawah",
            format!(
                "peran {} tidak ada dalam rantai disposisi ({}): hanya {} yang mendisposisi",
                from.role.as_str(),
                chain_names(rules),
                chain_names(rules)
            ),
        );
    };
    let Some(lt) = rules.level(to.role) else {
        return refuse(
            "ke-bawah",
            format!(
                "{} berperan {} yang tidak ada dalam rantai disposisi ({})",
                to.nama,
                to.role.as_str(),
                chain_names(rules)
            ),
        );
    };
    if lt <= lf {
        return refuse(
            "ke-bawah",
            format!(
                "disposisi hanya turun ({}): {} ({}) tidak dapat mendisposisi kepada {} ({}); kembalikan dengan `kasa disposisi done --kembalikan` bila tidak perlu disposisi",
                chain_names(rules),
                from.nama,
                from.role.as_str(),
                to.nama,
                to.role.as_str()
            ),
        );
    }
    let kripto = is_kriptogram_work(e) && rules.lewati_kasi_tanpa_ahli_sandi;
    if kripto && to.role == Role::Kasi && !to.is_ahli_sandi() {
        return refuse(
            "ahli-sandi",
            format!(
                "{} belum berkualifikasi Ahli Sandi; berita kriptogram langsung kepada Sandiman (002 langkah 2)",
                to.nama
            ),
        );
    }
    if lt > lf + 1 && !rules.boleh_lompat {
        let skipped: Vec<Role> = rules.hierarki[lf + 1..lt].to_vec();
        let qualified_kasi = operators
            .iter()
            .any(|o| o.role == Role::Kasi && !o.disabled && o.is_ahli_sandi());
        let allowed = kripto && skipped == [Role::Kasi] && !qualified_kasi;
        if !allowed {
            let names: Vec<_> = skipped.iter().map(|r| r.as_str()).collect();
            return refuse(
                "tanpa-lompat",
                format!(
                    "{} ({}) tidak boleh melompati {}: disposisikan kepada {} lebih dulu",
                    from.nama,
                    from.role.as_str(),
                    names.join(", "),
                    names[0]
                ),
            );
        }
    }
    Ok(())
}

fn chain_names(r: &DisposisiRules) -> String {
    r.hierarki
        .iter()
        .map(|x| x.as_str())
        .collect::<Vec<_>>()
        .join(" → ")
}

/// Rules `pemula` and `berurutan`: who may dispose an entry now.
///
/// A fresh disposisi (`parent` = `None`) is allowed only for a `pemula` role (`disposisi.toml`; by
/// default the Kadis and, under 003 SOP B/C langkah 3 and 002 langkah 2, the Kasi Persandian). A pemula
/// below the top of the hierarchy starts a chain only on an entry nobody has disposed yet
/// (`existing` = the entry's records; cancelled ones do not count): once a superior disposed it, the
/// Kasi forwards that disposisi instead. A forward needs `parent` to be a pending disposisi addressed
/// to `from` (a subordinate acts only after the superior above disposed it).
pub fn check_turn(
    rules: &DisposisiRules,
    from: &Operator,
    parent: Option<&Disposisi>,
    existing: &[Disposisi],
) -> Result<(), RuleRefusal> {
    match parent {
        None => {
            if !rules.pemula.contains(&from.role) {
                return refuse(
                    "pemula",
                    format!(
                        "{} ({}) belum menerima disposisi atas berita ini dari atasan; hanya {} yang memulai. Tunggu disposisi atasan, lalu teruskan dengan `kasa disposisi forward ID`",
                        from.nama,
                        from.role.as_str(),
                        rules
                            .pemula
                            .iter()
                            .map(|r| r.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
            let top = rules.level(from.role) == Some(0);
            if !top
                && let Some(d) = existing
                    .iter()
                    .find(|d| d.parent.is_none() && d.keadaan != Keadaan::Dibatalkan)
            {
                return refuse(
                    "pemula",
                    format!(
                        "entri ini sudah didisposisi oleh {} (disposisi #{}): {} ({}) memulai hanya atas berita yang belum didisposisi; teruskan disposisi yang sampai kepada Anda",
                        d.dari.nama,
                        d.id,
                        from.nama,
                        from.role.as_str()
                    ),
                );
            }
            Ok(())
        }
        Some(p) => {
            if p.kepada.uid != from.uid {
                return refuse(
                    "berurutan",
                    format!(
                        "disposisi {} ditujukan kepada {}, bukan kepada Anda: hanya penerimanya yang meneruskan",
                        p.id, p.kepada.nama
                    ),
                );
            }
            if !p.keadaan.is_pending() {
                return refuse(
                    "keadaan",
                    format!(
                        "disposisi {} sudah {}: tidak dapat diteruskan lagi",
                        p.id,
                        p.keadaan.as_str()
                    ),
                );
            }
            Ok(())
        }
    }
}

/// Checks the form: at least one instruksi, each from the configured list; catatan bounded, no control chars.
pub fn check_input(rules: &DisposisiRules, inp: &DisposisiInput) -> Result<(), RuleRefusal> {
    if inp.instruksi.is_empty() {
        return refuse(
            "isian",
            format!(
                "pilih sedikitnya satu instruksi: {}",
                rules.instruksi.join(", ")
            ),
        );
    }
    for i in &inp.instruksi {
        if !rules.instruksi.iter().any(|x| x.eq_ignore_ascii_case(i)) {
            return refuse(
                "isian",
                format!(
                    "instruksi '{i}' tidak dikenal: pilih {}",
                    rules.instruksi.join(", ")
                ),
            );
        }
    }
    check_note(&inp.catatan)?;
    Ok(())
}

fn check_note(s: &str) -> Result<(), RuleRefusal> {
    if s.chars().count() > MAX_CATATAN {
        return refuse(
            "isian",
            format!("catatan terlalu panjang: maksimum {MAX_CATATAN} karakter"),
        );
    }
    if s.chars().any(|c| c.is_control() && c != '\n') {
        return refuse("isian", "catatan berisi karakter kendali: hapus tab/escape");
    }
    Ok(())
}

/// Rule `penerima`: no second pending disposisi of the same entry to the same recipient.
pub fn check_not_twice(existing: &[Disposisi], to: &Operator) -> Result<(), RuleRefusal> {
    match existing
        .iter()
        .find(|d| d.kepada.uid == to.uid && d.keadaan.is_pending())
    {
        Some(d) => refuse(
            "penerima",
            format!(
                "{} sudah memegang disposisi #{} atas entri ini yang belum selesai: tunggu, atau batalkan itu dulu",
                to.nama, d.id
            ),
        ),
        None => Ok(()),
    }
}

/// Rule `batas-waktu`: an explicit batas waktu must lie after `now` and, on a forward, not after the
/// parent's batas waktu (a subordinate cannot get more time than the superior was given).
pub fn check_batas(
    batas: Timestamp,
    parent: Option<&Disposisi>,
    now: Timestamp,
) -> Result<(), RuleRefusal> {
    if batas <= now {
        return refuse(
            "batas-waktu",
            "batas waktu sudah lewat: pilih waktu yang akan datang, atau kosongkan untuk memakai derajat kecepatan",
        );
    }
    if let Some(p) = parent
        && batas > p.batas_waktu
    {
        return refuse(
            "batas-waktu",
            format!(
                "batas waktu melewati batas disposisi {} dari {}: pilih waktu sebelum batas itu, atau kosongkan",
                p.id, p.dari.nama
            ),
        );
    }
    Ok(())
}

/// The canonical instruksi spelling from the rules (input matched case-insensitively).
pub fn canonical_instruksi(rules: &DisposisiRules, given: &[String]) -> Vec<String> {
    given
        .iter()
        .map(|g| {
            rules
                .instruksi
                .iter()
                .find(|x| x.eq_ignore_ascii_case(g))
                .cloned()
                .unwrap_or_else(|| g.clone())
        })
        .collect()
}

/// The default batas waktu: `issued_at` plus the entry's derajat kecepatan (or `rules.derajat_bawaan`),
/// working days in the node's calendar ([`WorkCalendar::deadline_for`]). Falls back to 5 working days when
/// the derajat is unknown to the table.
pub fn default_batas_waktu(
    rules: &DisposisiRules,
    cal: &WorkCalendar,
    table: &[DerajatRule],
    e: &Entry,
    issued_at: Timestamp,
) -> Timestamp {
    let d = e.derajat.as_deref().unwrap_or(&rules.derajat_bawaan);
    cal.deadline_for(table, d, issued_at)
        .unwrap_or_else(|| cal.deadline(issued_at, super::calendar::Limit::HariKerja(5)))
}

impl Disposisi {
    /// A new disposisi (state `diterbitkan`).
    #[allow(clippy::too_many_arguments)]
    pub fn issue(
        id: u64,
        entry_id: u64,
        parent: Option<u64>,
        dari: &Operator,
        kepada: &Operator,
        instruksi: Vec<String>,
        catatan: &str,
        batas_waktu: Timestamp,
        now: Timestamp,
    ) -> Disposisi {
        Disposisi {
            id,
            entry_id,
            parent,
            dari: Pihak::of(dari),
            kepada: Pihak::of(kepada),
            instruksi,
            catatan: catatan.trim().to_string(),
            batas_waktu,
            issued_at: now,
            read_at: None,
            keadaan: Keadaan::Diterbitkan,
            hasil: None,
            diteruskan_ke: Vec::new(),
            langkah: vec![Langkah {
                at: now,
                uid: dari.uid,
                by: dari.nama.clone(),
                keadaan: Keadaan::Diterbitkan,
                catatan: catatan.trim().to_string(),
            }],
        }
    }

    fn step(&mut self, k: Keadaan, now: Timestamp, op: &Operator, note: &str) {
        self.keadaan = k;
        self.langkah.push(Langkah {
            at: now,
            uid: op.uid,
            by: op.nama.clone(),
            keadaan: k,
            catatan: note.trim().to_string(),
        });
    }

    fn must_be_recipient(&self, op: &Operator, what: &str) -> Result<(), RuleRefusal> {
        if self.kepada.uid == op.uid {
            Ok(())
        } else {
            refuse(
                "penerima",
                format!(
                    "disposisi {} ditujukan kepada {}: hanya penerimanya yang dapat {what}",
                    self.id, self.kepada.nama
                ),
            )
        }
    }

    fn must_be_pending(&self) -> Result<(), RuleRefusal> {
        if self.keadaan.is_pending() {
            Ok(())
        } else {
            refuse(
                "keadaan",
                format!(
                    "disposisi {} sudah {}: tidak ada lagi yang dapat diubah",
                    self.id,
                    self.keadaan.as_str()
                ),
            )
        }
    }

    /// First open by the recipient: `diterbitkan` → `dibaca`. Returns `false` (no change) when already read.
    pub fn mark_read(&mut self, now: Timestamp, op: &Operator) -> Result<bool, RuleRefusal> {
        self.must_be_recipient(op, "menandai dibaca")?;
        if self.read_at.is_some() || self.keadaan != Keadaan::Diterbitkan {
            return Ok(false);
        }
        self.read_at = Some(now);
        self.step(Keadaan::Dibaca, now, op, "");
        Ok(true)
    }

    /// `dibaca` → `diproses` (reads first if still unread).
    pub fn start(&mut self, now: Timestamp, op: &Operator, note: &str) -> Result<(), RuleRefusal> {
        self.must_be_recipient(op, "memprosesnya")?;
        self.must_be_pending()?;
        check_note(note)?;
        self.mark_read(now, op)?;
        if self.keadaan == Keadaan::Diproses {
            return refuse("keadaan", format!("disposisi {} sudah diproses", self.id));
        }
        self.step(Keadaan::Diproses, now, op, note);
        Ok(())
    }

    /// Closes with a result note: → `selesai` (reads first if still unread). The note is required.
    pub fn finish(
        &mut self,
        now: Timestamp,
        op: &Operator,
        hasil: &str,
    ) -> Result<(), RuleRefusal> {
        self.must_be_recipient(op, "menyelesaikannya")?;
        self.must_be_pending()?;
        if hasil.trim().is_empty() {
            return refuse(
                "isian",
                "tulis hasil tindak lanjut (--catatan) untuk menyelesaikan disposisi",
            );
        }
        check_note(hasil)?;
        self.mark_read(now, op)?;
        self.hasil = Some(hasil.trim().to_string());
        self.step(Keadaan::Selesai, now, op, hasil);
        Ok(())
    }

    /// Returned "tidak perlu disposisi": → `dikembalikan` with a reason.
    pub fn give_back(
        &mut self,
        now: Timestamp,
        op: &Operator,
        alasan: &str,
    ) -> Result<(), RuleRefusal> {
        self.must_be_recipient(op, "mengembalikannya")?;
        self.must_be_pending()?;
        check_note(alasan)?;
        self.mark_read(now, op)?;
        let a = if alasan.trim().is_empty() {
            "tidak perlu disposisi"
        } else {
            alasan
        };
        self.hasil = Some(a.trim().to_string());
        self.step(Keadaan::Dikembalikan, now, op, a);
        Ok(())
    }

    /// Forwarded further down (re-disposisi): → `diteruskan`, linking the child ids.
    pub fn forwarded(
        &mut self,
        now: Timestamp,
        op: &Operator,
        children: &[u64],
        note: &str,
    ) -> Result<(), RuleRefusal> {
        self.must_be_recipient(op, "meneruskannya")?;
        self.must_be_pending()?;
        self.mark_read(now, op)?;
        self.diteruskan_ke.extend_from_slice(children);
        let ids: Vec<String> = children.iter().map(|c| format!("#{c}")).collect();
        let n = if note.trim().is_empty() {
            format!("diteruskan ke {}", ids.join(", "))
        } else {
            format!("diteruskan ke {}: {}", ids.join(", "), note.trim())
        };
        self.step(Keadaan::Diteruskan, now, op, &n);
        Ok(())
    }

    /// Rule `batal-sebelum-dibaca`: the issuer cancels while still unread: → `dibatalkan`.
    pub fn cancel(
        &mut self,
        now: Timestamp,
        op: &Operator,
        alasan: &str,
    ) -> Result<(), RuleRefusal> {
        if self.dari.uid != op.uid {
            return refuse(
                "batal-sebelum-dibaca",
                format!(
                    "hanya penerbit disposisi {} ({}) yang dapat membatalkannya",
                    self.id, self.dari.nama
                ),
            );
        }
        if self.keadaan != Keadaan::Diterbitkan || self.read_at.is_some() {
            return refuse(
                "batal-sebelum-dibaca",
                format!(
                    "disposisi {} sudah {} oleh {}: tidak dapat dibatalkan; minta penerima mengembalikannya (tidak perlu disposisi)",
                    self.id,
                    self.keadaan.as_str(),
                    self.kepada.nama
                ),
            );
        }
        check_note(alasan)?;
        self.step(Keadaan::Dibatalkan, now, op, alasan);
        Ok(())
    }

    /// Overdue: still pending and `now >= batas_waktu` (flips exactly at the deadline).
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        self.keadaan.is_pending() && super::calendar::is_overdue(self.batas_waktu, now)
    }

    /// Time left until the batas waktu (negative when overdue).
    pub fn time_left(&self, now: Timestamp) -> SignedDuration {
        self.batas_waktu.duration_since(now)
    }
}

/// True when `d` is closed: `selesai`, `dikembalikan` or `dibatalkan`.
pub fn is_closed(d: &Disposisi) -> bool {
    matches!(
        d.keadaan,
        Keadaan::Selesai | Keadaan::Dikembalikan | Keadaan::Dibatalkan
    )
}

/// "Selesai di bawah" (done below): `d` was forwarded (`diteruskan`), every disposisi made by
/// forwarding it is closed or itself done below, and at least one of them was finished (`selesai`, or
/// done below) — the work asked for was done further down the chain (004 langkah 1–4: the sandiman's
/// result goes back up to the Kadis). `all` are the entry's records. The holder may then close `d` with
/// [`Disposisi::close_below`]. A chain whose children were all returned or cancelled is not done below.
pub fn selesai_di_bawah(d: &Disposisi, all: &[Disposisi]) -> bool {
    fn walk(d: &Disposisi, all: &[Disposisi], depth: usize) -> bool {
        if d.keadaan != Keadaan::Diteruskan || depth > 32 {
            return false;
        }
        let kids: Vec<&Disposisi> = all.iter().filter(|k| k.parent == Some(d.id)).collect();
        let mut done = false;
        for k in kids {
            if k.keadaan == Keadaan::Selesai || walk(k, all, depth + 1) {
                done = true;
            } else if !is_closed(k) {
                return false;
            }
        }
        done
    }
    walk(d, all, 0)
}

/// "Dikembalikan dari bawah": `d` was forwarded and every disposisi made from it was returned or
/// cancelled. The work is back with `d`'s holder, who closes it with a result of
/// their own ([`Disposisi::close_below`] with a `hasil`).
pub fn kembali_dari_bawah(d: &Disposisi, all: &[Disposisi]) -> bool {
    let mut kids = all.iter().filter(|k| k.parent == Some(d.id)).peekable();
    d.keadaan == Keadaan::Diteruskan
        && kids.peek().is_some()
        && kids.all(|k| matches!(k.keadaan, Keadaan::Dikembalikan | Keadaan::Dibatalkan))
}

/// The records of `after` (one entry's chain after a change) that are done below
/// ([`selesai_di_bawah`]) now but were not in `before`: whose issuers the node tells (a timeline event
/// on the entry, pushed to every console) and whose holders may now close them.
pub fn newly_done_below(before: &[Disposisi], after: &[Disposisi]) -> Vec<u64> {
    after
        .iter()
        .filter(|d| selesai_di_bawah(d, after))
        .filter(|d| {
            !before
                .iter()
                .any(|b| b.id == d.id && selesai_di_bawah(b, before))
        })
        .map(|d| d.id)
        .collect()
}

/// The state a person reads for `d` in its chain `all`: `selesai di bawah` for a forwarded record done
/// below, else the keadaan's name.
pub fn keadaan_text(d: &Disposisi, all: &[Disposisi]) -> &'static str {
    if selesai_di_bawah(d, all) {
        "selesai di bawah"
    } else if kembali_dari_bawah(d, all) {
        "dikembalikan dari bawah"
    } else {
        d.keadaan.as_str()
    }
}

impl Disposisi {
    /// Closes a forwarded disposisi whose chain below is done ([`selesai_di_bawah`]): `diteruskan` →
    /// `selesai` by its recipient. `hasil` empty = the results below, one `#id nama: hasil` per finished
    /// record. When everything below was returned or cancelled, the holder closes it with a `hasil` of
    /// their own. Refusals: `penerima` (not the holder), `keadaan` (not forwarded, work still open
    /// below naming the open records and their holders, or nothing done below and no `hasil`).
    pub fn close_below(
        &mut self,
        now: Timestamp,
        op: &Operator,
        hasil: &str,
        all: &[Disposisi],
    ) -> Result<(), RuleRefusal> {
        self.must_be_recipient(op, "menutupnya")?;
        if self.keadaan != Keadaan::Diteruskan {
            return refuse(
                "keadaan",
                format!(
                    "disposisi {} berstatus {}, belum diteruskan: selesaikan dengan catatan hasil",
                    self.id,
                    self.keadaan.as_str()
                ),
            );
        }
        let open: Vec<String> = all
            .iter()
            .filter(|d| d.keadaan.is_pending())
            .filter(|d| is_below(d, self.id, all))
            .map(|d| format!("#{} ({}, {})", d.id, d.kepada.nama, d.keadaan.as_str()))
            .collect();
        // Everything below was returned or cancelled: the holder takes the work back and closes it
        // with a result of their own (nothing below to quote).
        let taken_back = open.is_empty() && !hasil.trim().is_empty();
        if !selesai_di_bawah(self, all) && !taken_back {
            return refuse(
                "keadaan",
                if open.is_empty() {
                    format!(
                        "disposisi {} diteruskan tetapi semua di bawahnya dikembalikan atau dibatalkan: tutup dengan catatan hasil Anda sendiri",
                        self.id
                    )
                } else {
                    format!(
                        "disposisi {} sudah diteruskan dan masih dikerjakan di bawah: {}; tunggu sampai selesai",
                        self.id,
                        open.join(", ")
                    )
                },
            );
        }
        check_note(hasil)?;
        let text = if hasil.trim().is_empty() {
            let mut parts = Vec::new();
            for d in all.iter().filter(|d| is_below(d, self.id, all)) {
                if d.keadaan == Keadaan::Selesai {
                    parts.push(format!(
                        "#{} {}: {}",
                        d.id,
                        d.kepada.nama,
                        d.hasil.as_deref().unwrap_or("")
                    ));
                }
            }
            let joined = format!("selesai di bawah: {}", parts.join("; "));
            joined.chars().take(MAX_CATATAN).collect()
        } else {
            hasil.trim().to_string()
        };
        self.hasil = Some(text.clone());
        self.step(Keadaan::Selesai, now, op, &text);
        Ok(())
    }
}

/// True when `d` lies in the subtree under record `root` (not `root` itself).
fn is_below(d: &Disposisi, root: u64, all: &[Disposisi]) -> bool {
    let mut cur = d.parent;
    for _ in 0..64 {
        match cur {
            Some(p) if p == root => return true,
            Some(p) => cur = all.iter().find(|x| x.id == p).and_then(|x| x.parent),
            None => return false,
        }
    }
    false
}

/// Short human text for a signed duration: `2h 3j`, `45m`, `lewat 1h 2j` (h = hari, j = jam, m = menit).
pub fn format_left(d: SignedDuration) -> String {
    let neg = d.is_negative();
    let s = d.as_secs().unsigned_abs();
    let (days, hours, mins) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    let body = if days > 0 {
        format!("{days}h {hours}j")
    } else if hours > 0 {
        format!("{hours}j {mins}m")
    } else {
        format!("{mins}m")
    };
    if neg { format!("lewat {body}") } else { body }
}

/// Pending-for-me order: overdue first, then the nearest batas waktu, then id.
pub fn sort_for_me(v: &mut [Disposisi], now: Timestamp) {
    v.sort_by_key(|d| (!d.is_overdue(now), d.batas_waktu, d.id));
}

/// The chain of disposisi of one entry as a tree: `(depth, disposisi)` in pre-order (issue order among siblings).
pub fn chain_tree(all: &[Disposisi]) -> Vec<(usize, &Disposisi)> {
    fn walk<'a>(
        all: &'a [Disposisi],
        parent: Option<u64>,
        depth: usize,
        out: &mut Vec<(usize, &'a Disposisi)>,
    ) {
        let mut kids: Vec<&Disposisi> = all.iter().filter(|d| d.parent == parent).collect();
        kids.sort_by_key(|d| d.id);
        for k in kids {
            out.push((depth, k));
            if depth < 32 {
                walk(all, Some(k.id), depth + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(all, None, 0, &mut out);
    out
}

/// The part of an entry's chain operator `uid` may see: every record they issued or received, with its
/// ancestors (the chain above) and descendants (what became of it). A subordinate the item has not reached
/// sees nothing of it.
pub fn visible_to(all: &[Disposisi], uid: u32) -> Vec<Disposisi> {
    let mut keep: std::collections::BTreeSet<u64> = all
        .iter()
        .filter(|d| d.dari.uid == uid || d.kepada.uid == uid)
        .map(|d| d.id)
        .collect();
    let by_id = |id: u64| all.iter().find(|d| d.id == id);
    // Ancestors.
    for id in keep.clone() {
        let mut cur = by_id(id).and_then(|d| d.parent);
        let mut guard = 0;
        while let Some(p) = cur
            && guard < 64
        {
            keep.insert(p);
            cur = by_id(p).and_then(|d| d.parent);
            guard += 1;
        }
    }
    // Descendants (records are few; iterate to a fixed point).
    loop {
        let before = keep.len();
        for d in all {
            if d.parent.is_some_and(|p| keep.contains(&p)) {
                keep.insert(d.id);
            }
        }
        if keep.len() == before {
            break;
        }
    }
    all.iter()
        .filter(|d| keep.contains(&d.id))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::{WorkCalendar, default_derajat};
    use jiff::tz::TimeZone;

    fn wita(s: &str) -> Timestamp {
        s.parse::<jiff::civil::DateTime>()
            .unwrap()
            .to_zoned(TimeZone::get("Asia/Makassar").unwrap())
            .unwrap()
            .timestamp()
    }

    fn op(uid: u32, role: Role, ahli: bool) -> Operator {
        Operator {
            uid,
            username: format!("u{uid}"),
            nama: format!("{} {uid}", role.as_str()),
            nip: String::new(),
            jabatan: String::new(),
            role,
            kualifikasi: if ahli {
                crate::domain::Kualifikasi::TingkatI
            } else {
                crate::domain::Kualifikasi::Tanpa
            },
            disabled: false,
        }
    }

    fn entry(derajat: Option<&str>, tujuan: &str) -> Entry {
        let mut e = Entry::new_scan(
            7,
            wita("2026-11-20T08:00"),
            crate::domain::Attachment {
                sha256: String::new(),
                name: "a.pdf".into(),
                mime: "application/pdf".into(),
                size: 1,
                pages: None,
                encrypted_at_rest: false,
                jenis: Default::default(),
            },
        );
        e.status = Status::Teragenda;
        e.derajat = derajat.map(str::to_string);
        e.tujuan = tujuan.into();
        e
    }

    #[test]
    fn shipped_rules_parse_and_check() {
        let r = DisposisiRules::parse(DEFAULT_RULES_TOML).unwrap();
        assert_eq!(r.instruksi.len(), 7);
        assert_eq!(
            r.hierarki,
            [Role::Kadis, Role::Kabid, Role::Kasi, Role::Sandiman]
        );
        r.check(Some(&default_derajat())).unwrap();
        assert_eq!(r.pemula, [Role::Kadis, Role::Kasi], "003 SOP B/C langkah 3");
        let bad =
            DEFAULT_RULES_TOML.replace("pemula = [\"kadis\", \"kasi\"]", "pemula = [\"admin\"]");
        assert!(
            DisposisiRules::parse(&bad)
                .unwrap_err()
                .contains("pemula admin")
        );
    }

    #[test]
    fn deadlines_from_friday_afternoon_wita_over_holiday_and_overdue_flip() {
        let rules = DisposisiRules::default();
        // Monday 23 Nov 2026 is a configured holiday.
        let cal = WorkCalendar::new("Asia/Makassar", [jiff::civil::date(2026, 11, 23)]).unwrap();
        let t = default_derajat();
        let fri = wita("2026-11-20T15:30");
        let d = |der: Option<&str>| default_batas_waktu(&rules, &cal, &t, &entry(der, ""), fri);
        assert_eq!(d(Some("Kilat")), wita("2026-11-21T15:30"));
        assert_eq!(d(Some("Segera")), wita("2026-11-22T15:30"));
        // Biasa: 5 hari kerja skipping the weekend and Monday's holiday: Tue 24 … Mon 30.
        assert_eq!(d(Some("Biasa")), wita("2026-11-30T15:30"));
        // No derajat: derajat_bawaan (Biasa).
        assert_eq!(d(None), wita("2026-11-30T15:30"));

        let (kadis, kabid) = (op(1, Role::Kadis, false), op(2, Role::Kabid, false));
        let mut x = Disposisi::issue(
            1,
            7,
            None,
            &kadis,
            &kabid,
            vec![],
            "",
            d(Some("Kilat")),
            fri,
        );
        let dl = x.batas_waktu;
        assert!(!x.is_overdue(dl.checked_sub(jiff::SignedDuration::from_nanos(1)).unwrap()));
        assert!(x.is_overdue(dl));
        assert_eq!(format_left(x.time_left(fri)), "1h 0j");
        assert_eq!(
            format_left(x.time_left(dl.checked_add(SignedDuration::from_mins(90)).unwrap())),
            "lewat 1j 30m"
        );
        x.finish(dl, &kabid, "sudah").unwrap();
        assert!(!x.is_overdue(dl), "a closed item is never overdue");
    }

    #[test]
    fn deadline_across_month_end() {
        let rules = DisposisiRules::default();
        let cal = WorkCalendar::new("Asia/Makassar", []).unwrap();
        let t = default_derajat();
        // Thursday 29 Jan 2026 16:00 WITA, Biasa: Fri 30, Mon 2 Feb, Tue 3, Wed 4, Thu 5.
        let start = wita("2026-01-29T16:00");
        let d = default_batas_waktu(&rules, &cal, &t, &entry(Some("Biasa"), ""), start);
        assert_eq!(d, wita("2026-02-05T16:00"));
        // Kilat across the month end at night: calendar hours.
        let d = default_batas_waktu(
            &rules,
            &cal,
            &t,
            &entry(Some("Kilat"), ""),
            wita("2026-01-31T22:00"),
        );
        assert_eq!(d, wita("2026-02-01T22:00"));
    }

    #[test]
    fn chain_rules_refuse_by_name() {
        let r = DisposisiRules::default();
        let ops = vec![
            op(1, Role::Kadis, false),
            op(2, Role::Kabid, false),
            op(3, Role::Kasi, false),
            op(4, Role::Sandiman, true),
            op(5, Role::Admin, false),
        ];
        let e = entry(Some("Biasa"), "Kepala Dinas Kominfo");
        check_chain(&r, &ops[0], &ops[1], &e, &ops).unwrap();
        check_chain(&r, &ops[1], &ops[2], &e, &ops).unwrap();
        check_chain(&r, &ops[2], &ops[3], &e, &ops).unwrap();
        let up = check_chain(&r, &ops[2], &ops[1], &e, &ops).unwrap_err();
        assert_eq!(up.rule, "ke-bawah");
        assert!(up.to_string().starts_with("aturan ke-bawah:"), "{up}");
        let skip = check_chain(&r, &ops[0], &ops[2], &e, &ops).unwrap_err();
        assert_eq!(skip.rule, "tanpa-lompat");
        assert!(skip.message.contains("kabid"), "{skip}");
        assert_eq!(
            check_chain(&r, &ops[4], &ops[1], &e, &ops)
                .unwrap_err()
                .rule,
            "ke-bawah"
        );
        assert_eq!(
            check_chain(&r, &ops[0], &ops[0], &e, &ops)
                .unwrap_err()
                .rule,
            "penerima"
        );
        // With boleh_lompat the skip is allowed.
        let lompat = DisposisiRules {
            boleh_lompat: true,
            ..r.clone()
        };
        check_chain(&lompat, &ops[0], &ops[2], &e, &ops).unwrap();
    }

    #[test]
    fn kasi_without_ahli_sandi_is_skipped_for_kriptogram_work() {
        let r = DisposisiRules::default();
        let mut ops = vec![
            op(2, Role::Kabid, false),
            op(3, Role::Kasi, false),
            op(4, Role::Sandiman, true),
        ];
        let mut e = entry(None, "");
        e.kriptogram = true;
        let x = check_chain(&r, &ops[0], &ops[1], &e, &ops).unwrap_err();
        assert_eq!(x.rule, "ahli-sandi");
        check_chain(&r, &ops[0], &ops[2], &e, &ops).unwrap();
        // A qualified Kasi exists: no skipping.
        ops[1].kualifikasi = crate::domain::Kualifikasi::TingkatIi;
        check_chain(&r, &ops[0], &ops[1], &e, &ops).unwrap();
        assert_eq!(
            check_chain(&r, &ops[0], &ops[2], &e, &ops)
                .unwrap_err()
                .rule,
            "tanpa-lompat"
        );
        // Not kriptogram work: the ordinary chain.
        e.kriptogram = false;
        ops[1].kualifikasi = crate::domain::Kualifikasi::Tanpa;
        check_chain(&r, &ops[0], &ops[1], &e, &ops).unwrap();
    }

    #[test]
    fn life_cycle_and_turn() {
        let r = DisposisiRules::default();
        let (kadis, kabid, kasi) = (
            op(1, Role::Kadis, false),
            op(2, Role::Kabid, false),
            op(3, Role::Kasi, false),
        );
        let t0 = wita("2026-11-20T09:00");
        check_turn(&r, &kadis, None, &[]).unwrap();
        assert_eq!(
            check_turn(&r, &kabid, None, &[]).unwrap_err().rule,
            "pemula"
        );
        let mut a = Disposisi::issue(
            1,
            7,
            None,
            &kadis,
            &kabid,
            vec!["Untuk diketahui".into()],
            "",
            t0,
            t0,
        );
        assert_eq!(
            check_turn(&r, &kasi, Some(&a), &[]).unwrap_err().rule,
            "berurutan"
        );
        check_turn(&r, &kabid, Some(&a), &[]).unwrap();
        // Only the recipient reads; the issuer cancels while unread.
        assert_eq!(a.mark_read(t0, &kadis).unwrap_err().rule, "penerima");
        let mut b = a.clone();
        b.cancel(t0, &kadis, "salah alamat").unwrap();
        assert_eq!(b.keadaan, Keadaan::Dibatalkan);
        assert!(a.mark_read(t0, &kabid).unwrap());
        assert!(
            !a.mark_read(t0, &kabid).unwrap(),
            "second open changes nothing"
        );
        let c = a.cancel(t0, &kadis, "").unwrap_err();
        assert_eq!(c.rule, "batal-sebelum-dibaca");
        a.start(t0, &kabid, "").unwrap();
        a.forwarded(t0, &kabid, &[2], "").unwrap();
        assert_eq!(a.keadaan, Keadaan::Diteruskan);
        assert_eq!(
            check_turn(&r, &kabid, Some(&a), &[]).unwrap_err().rule,
            "keadaan"
        );
        assert_eq!(a.finish(t0, &kabid, "x").unwrap_err().rule, "keadaan");
        let kinds: Vec<_> = a.langkah.iter().map(|l| l.keadaan.as_str()).collect();
        assert_eq!(kinds, ["diterbitkan", "dibaca", "diproses", "diteruskan"]);
        let later = wita("2026-11-21T09:00");
        assert_eq!(check_batas(t0, None, t0).unwrap_err().rule, "batas-waktu");
        check_batas(later, None, t0).unwrap();
        let p = Disposisi::issue(9, 7, None, &kadis, &kabid, vec![], "", later, t0);
        check_batas(later, Some(&p), t0).unwrap();
        let x = check_batas(wita("2026-11-21T09:01"), Some(&p), t0).unwrap_err();
        assert_eq!(x.rule, "batas-waktu");
        let mut d = Disposisi::issue(3, 7, None, &kadis, &kabid, vec![], "", t0, t0);
        assert_eq!(d.finish(t0, &kabid, " ").unwrap_err().rule, "isian");
        d.give_back(t0, &kabid, "").unwrap();
        assert_eq!(d.hasil.as_deref(), Some("tidak perlu disposisi"));
    }

    #[test]
    fn unregistered_scan_is_refused_and_routing_is_suggested() {
        let r = DisposisiRules::default();
        let mut e = entry(None, "Yth. Bupati Jembrana");
        assert_eq!(r.saran(&e).unwrap().ke, "Bagian Umum Sekretariat Daerah");
        e.tujuan = "Asisten Pemerintahan".into();
        assert_eq!(r.saran(&e).unwrap().ke, "Bagian Umum Sekretariat Daerah");
        e.tujuan = "Kepala Dinas Kesehatan".into();
        let s = r.saran(&e).unwrap();
        assert_eq!(
            (s.ke.as_str(), s.peran),
            ("Kasi Persandian", Some(Role::Kasi))
        );
        e.tujuan = "Kepala Dinas Pariwisata".into(); // contains no "Asisten" word
        assert_eq!(r.saran(&e).unwrap().ke, "Kasi Persandian");
        e.tujuan.clear();
        assert!(r.saran(&e).is_none());
        check_disposable(&e).unwrap();
        e.status = Status::Baru;
        let x = check_disposable(&e).unwrap_err();
        assert_eq!(x.rule, "teragenda");
        assert!(x.message.contains("kasa agenda register 7"), "{x}");
    }

    #[test]
    fn tree_and_order() {
        let (kadis, kabid, kasi) = (
            op(1, Role::Kadis, false),
            op(2, Role::Kabid, false),
            op(3, Role::Kasi, false),
        );
        let t0 = wita("2026-11-20T09:00");
        let a = Disposisi::issue(
            1,
            7,
            None,
            &kadis,
            &kabid,
            vec![],
            "",
            wita("2026-11-21T09:00"),
            t0,
        );
        let b = Disposisi::issue(
            2,
            7,
            Some(1),
            &kabid,
            &kasi,
            vec![],
            "",
            wita("2026-11-20T10:00"),
            t0,
        );
        let both = [b.clone(), a.clone()];
        let tree = chain_tree(&both);
        assert_eq!(
            tree.iter().map(|(d, x)| (*d, x.id)).collect::<Vec<_>>(),
            [(0, 1), (1, 2)]
        );
        assert_eq!(
            check_not_twice(std::slice::from_ref(&a), &kabid)
                .unwrap_err()
                .rule,
            "penerima"
        );
        check_not_twice(std::slice::from_ref(&a), &kasi).unwrap();
        let both = [a.clone(), b.clone()];
        assert!(
            visible_to(&both[..1], 3).is_empty(),
            "the Kasi sees nothing before it reaches them"
        );
        assert_eq!(visible_to(&both, 3).len(), 2, "then the chain above too");
        assert_eq!(
            visible_to(&both, 1).len(),
            2,
            "the issuer sees what became of it"
        );
        let mut v = vec![a, b];
        sort_for_me(&mut v, wita("2026-11-20T11:00"));
        assert_eq!(v[0].id, 2, "overdue first");
    }

    #[test]
    fn a_kasi_starts_a_chain_only_on_an_undisposed_entry() {
        let r = DisposisiRules::default();
        let (kadis, kabid, kasi) = (
            op(1, Role::Kadis, false),
            op(2, Role::Kabid, false),
            op(3, Role::Kasi, false),
        );
        let t0 = wita("2026-11-20T09:00");
        // 003 SOP B/C langkah 3: the Kasi Persandian starts one on a berita nobody disposed.
        check_turn(&r, &kasi, None, &[]).unwrap();
        let mut root = Disposisi::issue(1, 7, None, &kadis, &kabid, vec![], "", t0, t0);
        let x = check_turn(&r, &kasi, None, std::slice::from_ref(&root)).unwrap_err();
        assert_eq!(x.rule, "pemula");
        assert!(x.message.contains("sudah didisposisi oleh kadis 1"), "{x}");
        // The Kadis (top of the hierarchy) may still add a root; a cancelled root does not count.
        check_turn(&r, &kadis, None, std::slice::from_ref(&root)).unwrap();
        root.cancel(t0, &kadis, "salah").unwrap();
        check_turn(&r, &kasi, None, std::slice::from_ref(&root)).unwrap();
        // A rules file without kasi refuses it by the rule's name.
        let only_kadis = DisposisiRules {
            pemula: vec![Role::Kadis],
            ..r.clone()
        };
        assert_eq!(
            check_turn(&only_kadis, &kasi, None, &[]).unwrap_err().rule,
            "pemula"
        );
    }

    #[test]
    fn a_date_only_batas_is_the_end_of_that_working_day() {
        let cal = WorkCalendar::new("Asia/Makassar", []).unwrap();
        let tz = cal.zone.clone();
        let b = |s: &str| Batas::parse(s, &tz).unwrap();
        assert_eq!(
            b("2026-12-03"),
            Batas::Tanggal(jiff::civil::date(2026, 12, 3))
        );
        assert_eq!(b("2026-12-03 10:15"), Batas::Saat(wita("2026-12-03T10:15")));
        assert_eq!(
            b("2026-12-03T10:15:00+07:00"),
            Batas::Saat(wita("2026-12-03T11:15"))
        );
        assert!(
            Batas::parse("besok", &tz)
                .unwrap_err()
                .contains("YYYY-MM-DD")
        );
        let res = |s: &str, parent: Option<&Disposisi>| {
            let mut inp = DisposisiInput::default();
            b(s).apply(&mut inp);
            resolve_batas(&inp, &cal, parent).unwrap()
        };
        // Thursday 3 Dec 2026: the closing of that day (16:00 WITA), not midnight before it.
        assert_eq!(res("2026-12-03", None), wita("2026-12-03T16:00"));
        // Saturday 5 Dec 2026: the closing of Friday 4 Dec, the working day before it.
        assert_eq!(res("2026-12-05", None), wita("2026-12-04T16:00"));
        assert_eq!(res("2026-12-06", None), wita("2026-12-04T16:00"));
        // A time given is kept as given.
        assert_eq!(res("2026-12-05 09:00", None), wita("2026-12-05T09:00"));
        // On a forward, "the parent's last day" is capped at the parent's batas waktu.
        let (kadis, kabid) = (op(1, Role::Kadis, false), op(2, Role::Kabid, false));
        let t0 = wita("2026-12-01T09:00");
        let p = Disposisi::issue(
            1,
            7,
            None,
            &kadis,
            &kabid,
            vec![],
            "",
            wita("2026-12-03T12:00"),
            t0,
        );
        assert_eq!(res("2026-12-03", Some(&p)), wita("2026-12-03T12:00"));
        assert_eq!(res("2026-12-02", Some(&p)), wita("2026-12-02T16:00"));
        // Nothing given: left to the derajat kecepatan.
        assert_eq!(resolve_batas(&DisposisiInput::default(), &cal, None), None);
    }

    #[test]
    fn completion_propagates_up_the_chain() {
        let (kadis, kabid, kasi, s1, s2) = (
            op(1, Role::Kadis, false),
            op(2, Role::Kabid, false),
            op(3, Role::Kasi, false),
            op(4, Role::Sandiman, true),
            op(5, Role::Sandiman, true),
        );
        let t0 = wita("2026-11-20T09:00");
        let b = wita("2026-11-27T16:00");
        let mut root = Disposisi::issue(1, 7, None, &kadis, &kabid, vec![], "Mohon", b, t0);
        let mut c1 = Disposisi::issue(2, 7, Some(1), &kabid, &kasi, vec![], "", b, t0);
        root.forwarded(t0, &kabid, &[2], "").unwrap();
        let mut g1 = Disposisi::issue(3, 7, Some(2), &kasi, &s1, vec![], "", b, t0);
        let mut g2 = Disposisi::issue(4, 7, Some(2), &kasi, &s2, vec![], "", b, t0);
        c1.forwarded(t0, &kasi, &[3, 4], "").unwrap();
        let all = |v: &[&Disposisi]| v.iter().map(|d| (*d).clone()).collect::<Vec<_>>();
        let before = all(&[&root, &c1, &g1, &g2]);
        assert!(!selesai_di_bawah(&root, &before));
        // The Kasi cannot close while a sandiman still works; the refusal names who.
        let x = c1.clone().close_below(t0, &kasi, "", &before).unwrap_err();
        assert_eq!(x.rule, "keadaan");
        assert!(x.message.contains("#3 (sandiman 4, diterbitkan)"), "{x}");

        // One sandiman finishes: the sibling is still open, nothing propagates.
        g1.finish(t0, &s1, "Berita terkirim via Sanapati").unwrap();
        let mid = all(&[&root, &c1, &g1, &g2]);
        assert!(newly_done_below(&before, &mid).is_empty());
        // The other returns it: every child closed, one finished → done below up to the root.
        g2.give_back(t0, &s2, "sudah ditangani rekan").unwrap();
        let after = all(&[&root, &c1, &g1, &g2]);
        assert_eq!(newly_done_below(&mid, &after), [1, 2]);
        assert_eq!(keadaan_text(&root, &after), "selesai di bawah");
        assert_eq!(keadaan_text(&g2, &after), "dikembalikan");

        // Only the holder closes, with one key (no note: the results below).
        assert_eq!(
            c1.clone()
                .close_below(t0, &kabid, "", &after)
                .unwrap_err()
                .rule,
            "penerima"
        );
        c1.close_below(t0, &kasi, "", &after).unwrap();
        assert_eq!(c1.keadaan, Keadaan::Selesai);
        assert_eq!(
            c1.hasil.as_deref(),
            Some("selesai di bawah: #3 sandiman 4: Berita terkirim via Sanapati")
        );
        let after2 = all(&[&root, &c1, &g1, &g2]);
        assert!(selesai_di_bawah(&root, &after2), "still done below");
        root.close_below(t0, &kabid, "Laporan disampaikan", &after2)
            .unwrap();
        assert_eq!(root.keadaan, Keadaan::Selesai);
        assert_eq!(root.hasil.as_deref(), Some("Laporan disampaikan"));
        assert!(!selesai_di_bawah(&root, &all(&[&root, &c1, &g1, &g2])));
        // A pending record is not closed this way.
        let mut p = Disposisi::issue(9, 7, None, &kadis, &kabid, vec![], "", b, t0);
        assert_eq!(
            p.close_below(t0, &kabid, "x", &[]).unwrap_err().rule,
            "keadaan"
        );
        assert_eq!(p.keadaan, Keadaan::Diterbitkan);
    }

    #[test]
    fn returned_children_only_are_not_done_below() {
        let (kadis, kabid) = (op(1, Role::Kadis, false), op(2, Role::Kabid, false));
        let kasi = op(3, Role::Kasi, false);
        let t0 = wita("2026-11-20T09:00");
        let mut root = Disposisi::issue(1, 7, None, &kadis, &kabid, vec![], "", t0, t0);
        let mut c = Disposisi::issue(2, 7, Some(1), &kabid, &kasi, vec![], "", t0, t0);
        root.forwarded(t0, &kabid, &[2], "").unwrap();
        c.give_back(t0, &kasi, "").unwrap();
        let all = [root.clone(), c];
        assert!(!selesai_di_bawah(&root, &all));
        assert!(kembali_dari_bawah(&root, &all));
        assert_eq!(keadaan_text(&root, &all), "dikembalikan dari bawah");
        // The Kabid takes it back: without a note refused (nothing below to quote), with one closed.
        let e = root.close_below(t0, &kabid, "", &all).unwrap_err();
        assert!(e.message.contains("catatan hasil Anda sendiri"), "{e}");
        root.close_below(t0, &kabid, "ditangani sendiri oleh Kabid", &all)
            .unwrap();
        assert_eq!(root.keadaan, Keadaan::Selesai);
        assert_eq!(root.hasil.as_deref(), Some("ditangani sendiri oleh Kabid"));
    }
}
