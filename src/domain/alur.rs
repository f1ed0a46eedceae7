//! The receive flows (*alur penerimaan*) of seed 003 SOP A, B and C and the send flows (*alur
//! pengiriman*) of seed 003 SOP D, E, F, seed 002 and seed 004 as data, and the running clocks of their
//! time norms (*mutu baku*).
//!
//! The flows live in `data/alur.toml` (or `<data dir>/alur.toml`): each [`Alur`] is a list of
//! [`Langkah`] with its actor, kelengkapan, output, norm in minutes and the timeline event kind that
//! completes it. An entry follows the flow of its channel ([`AlurSet::alur_of`]); [`jam`] turns the
//! entry's timeline into one [`JamLangkah`] per step: when its clock started, when it is due (office time
//! of the node's [`WorkCalendar`]), when and by whom it was done, and whether the norm was kept. All
//! functions are pure: "now" is an argument.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::agenda::{Book, Entry, Status};
use super::calendar::WorkCalendar;
use super::operator::{Kualifikasi, Role};

/// The flows file shipped with kasa; used when the node has no own `alur.toml`.
pub const DEFAULT_ALUR_TOML: &str = include_str!("../../data/alur.toml");

/// The timeline event kinds a step may be completed by (`selesai_oleh`).
pub const PERISTIWA: [&str; 13] = [
    "diterima",
    "diagendakan",
    "dicocokkan",
    "didistribusikan",
    "siapel",
    "diarsipkan",
    "selesai",
    "draft",
    "disposisi",
    "diparaf",
    "ditandatangani",
    "disegel",
    "terkirim",
];

/// One channel (*saluran*) of the closed list and the flow its items follow.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Saluran {
    /// Name shown and stored on entries, e.g. `Email Sanapati`.
    pub nama: String,
    /// Code of the flow ([`Alur::kode`]); `None`: no SOP flow, no clocks.
    #[serde(default)]
    pub alur: Option<String>,
    /// One-letter mark in the console's lists (`F`, `S`, `K`); none: a blank.
    #[serde(default)]
    pub tanda: Option<String>,
    /// Code of the send flow an outgoing item by this channel follows (`E`, `F`, `D`); `None`: no
    /// SOP flow for sending.
    #[serde(default)]
    pub alur_keluar: Option<String>,
    /// The proof of sending this channel leaves (`jurnal-faks`, `resi`): `terkirim` asks for an
    /// attachment of one of these kinds, or "tanpa bukti" with a reason. Empty: no proof asked.
    #[serde(default)]
    pub bukti: Vec<super::agenda::JenisLampiran>,
}

/// One step of a flow: a row of the SOP table.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Langkah {
    /// Unique code, e.g. `C3`.
    pub kode: String,
    /// The KEGIATAN column.
    pub teks: String,
    /// The PELAKSANA column: `sandiman`, `kasi`, `bagian_umum`, …
    pub pelaksana: String,
    /// The Kelengkapan column.
    #[serde(default)]
    pub kelengkapan: String,
    /// The Output column.
    #[serde(default)]
    pub output: String,
    /// The MUTU BAKU Waktu column, minutes of office time.
    pub menit: u32,
    /// The timeline event kind that completes the step (one of [`PERISTIWA`]).
    pub selesai_oleh: String,
    /// Which occurrence of that event completes it (1 = the first, the default): the three hops of a
    /// disposisi chain (004 langkah 2–4) are the 1st, 2nd and 3rd `disposisi` events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ke: Option<u32>,
}

/// One receive flow (SOP A, B or C of seed 003).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Alur {
    /// `A`, `B`, `C`.
    pub kode: String,
    pub judul: String,
    /// Where the flow is written, e.g. "seed 003, SOP B".
    #[serde(default)]
    pub sumber: String,
    /// `masuk` (receive, the default) or `keluar` (send).
    #[serde(default)]
    pub arah: Arah,
    /// Roles that may give the paraf on this flow's items; `None`: the file's `[persetujuan]` applies
    /// to dikecualikan items; empty: no paraf asked.
    #[serde(default)]
    pub paraf: Option<Vec<Role>>,
    /// Roles that may sign (*menandatangani*); same rule as `paraf`.
    #[serde(default)]
    pub tanda_tangan: Option<Vec<Role>>,
    /// Least qualification of the sandiman who seals and sends (002: Ahli Sandi Tingkat I; 004:
    /// Tingkat II).
    #[serde(default)]
    pub kualifikasi: Option<Kualifikasi>,
    pub langkah: Vec<Langkah>,
}

/// Direction of a flow.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Arah {
    #[default]
    Masuk,
    Keluar,
}

/// `[persetujuan]`: the approvals an outgoing item needs when its flow does not name them (issue 14:
/// konsep → paraf → ditandatangani → siap kirim).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AturanPersetujuan {
    /// Klasifikasi whose items need the approvals (default Rahasia, Sangat Rahasia).
    pub wajib_untuk: Vec<super::agenda::Klasifikasi>,
    /// Who gives the paraf (default the Kasi).
    pub paraf: Vec<Role>,
    /// Who signs (default the Kadis; add `kabid` to delegate).
    pub tanda_tangan: Vec<Role>,
}

impl Default for AturanPersetujuan {
    fn default() -> Self {
        use super::agenda::Klasifikasi;
        AturanPersetujuan {
            wajib_untuk: vec![Klasifikasi::Rahasia, Klasifikasi::SangatRahasia],
            paraf: vec![Role::Kasi],
            tanda_tangan: vec![Role::Kadis],
        }
    }
}

/// `[siapel]`: the SI APEL reminder.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SiApelAturan {
    /// A registered item not yet entered in SI APEL after this many hours of office time is "waiting".
    pub ingat_setelah_jam: u32,
}

impl Default for SiApelAturan {
    fn default() -> Self {
        SiApelAturan {
            ingat_setelah_jam: 8,
        }
    }
}

/// The whole flows file.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AlurSet {
    /// The closed list of incoming channels.
    pub saluran: Vec<Saluran>,
    /// The flow of an item whose channel is not known yet (an untriaged scan).
    #[serde(default)]
    pub alur_bawaan: Option<String>,
    pub alur: Vec<Alur>,
    #[serde(default)]
    pub siapel: SiApelAturan,
    #[serde(default)]
    pub persetujuan: AturanPersetujuan,
}

impl Default for AlurSet {
    fn default() -> Self {
        AlurSet::parse(DEFAULT_ALUR_TOML).unwrap_or(AlurSet {
            saluran: Vec::new(),
            alur_bawaan: None,
            alur: Vec::new(),
            siapel: SiApelAturan::default(),
            persetujuan: AturanPersetujuan::default(),
        })
    }
}

impl AlurSet {
    /// Parses a flows file's text (TOML) and checks it ([`AlurSet::check`]).
    pub fn parse(text: &str) -> Result<AlurSet, String> {
        let a: AlurSet = toml::from_str(text).map_err(|e| e.to_string())?;
        a.check()?;
        Ok(a)
    }

    /// Semantic checks: channel names unique and non-empty, every flow named by a channel exists, step
    /// codes unique across the file, every `selesai_oleh` one of [`PERISTIWA`], norms above zero.
    pub fn check(&self) -> Result<(), String> {
        let mut seen = std::collections::BTreeSet::new();
        for s in &self.saluran {
            if s.nama.trim().is_empty() {
                return Err("saluran tanpa nama: isi `nama`".into());
            }
            if !seen.insert(s.nama.to_lowercase()) {
                return Err(format!("saluran '{}' ditulis dua kali", s.nama));
            }
            if let Some(a) = &s.alur
                && !self
                    .alur
                    .iter()
                    .any(|x| &x.kode == a && x.arah == Arah::Masuk)
            {
                return Err(format!(
                    "saluran '{}' menunjuk alur '{a}' yang tidak ada (atau bukan alur masuk)",
                    s.nama
                ));
            }
            if let Some(a) = &s.alur_keluar
                && !self
                    .alur
                    .iter()
                    .any(|x| &x.kode == a && x.arah == Arah::Keluar)
            {
                return Err(format!(
                    "saluran '{}' menunjuk alur_keluar '{a}' yang tidak ada (atau bukan alur keluar)",
                    s.nama
                ));
            }
        }
        if let Some(a) = &self.alur_bawaan
            && !self.alur.iter().any(|x| &x.kode == a)
        {
            return Err(format!("alur_bawaan '{a}' tidak ada di antara [[alur]]"));
        }
        let mut codes = std::collections::BTreeSet::new();
        for a in &self.alur {
            if a.langkah.is_empty() {
                return Err(format!("alur {} tidak punya langkah", a.kode));
            }
            for l in &a.langkah {
                if !codes.insert(l.kode.clone()) {
                    return Err(format!("kode langkah {} dipakai dua kali", l.kode));
                }
                if !PERISTIWA.contains(&l.selesai_oleh.as_str()) {
                    return Err(format!(
                        "langkah {}: selesai_oleh '{}' tidak dikenal; pilih salah satu dari {}",
                        l.kode,
                        l.selesai_oleh,
                        PERISTIWA.join(", ")
                    ));
                }
                if l.menit == 0 {
                    return Err(format!("langkah {}: menit harus lebih dari 0", l.kode));
                }
                if l.ke == Some(0) {
                    return Err(format!("langkah {}: ke dimulai dari 1", l.kode));
                }
            }
        }
        Ok(())
    }

    /// The channel named `nama` (case-insensitive), as written in the list.
    pub fn saluran(&self, nama: &str) -> Option<&Saluran> {
        let n = nama.trim().to_lowercase();
        self.saluran.iter().find(|s| s.nama.to_lowercase() == n)
    }

    /// Checks a channel name for an incoming item against the closed list: the canonical name, or a
    /// refusal naming the list.
    pub fn check_saluran(&self, nama: &str) -> Result<String, String> {
        match self.saluran(nama) {
            Some(s) => Ok(s.nama.clone()),
            None => Err(format!(
                "saluran '{}' tidak ada dalam daftar; pilih salah satu: {} (daftar di alur.toml)",
                nama.trim(),
                self.saluran
                    .iter()
                    .map(|s| s.nama.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// The one-letter channel mark of an entry for a list: a kriptogram (either book) takes the mark
    /// of the `Kriptogram` channel, other entries that of their channel; blank otherwise.
    pub fn tanda_of(&self, e: &Entry) -> &str {
        let nama =
            if e.kriptogram || matches!(e.book, Book::KriptogramMasuk | Book::KriptogramKeluar) {
                "Kriptogram"
            } else {
                e.saluran.as_str()
            };
        self.saluran(nama)
            .and_then(|s| s.tanda.as_deref())
            .unwrap_or(" ")
    }

    /// The flow with code `kode`.
    pub fn alur(&self, kode: &str) -> Option<&Alur> {
        self.alur.iter().find(|a| a.kode == kode)
    }

    /// The send flows (`arah = "keluar"`), in file order.
    pub fn alur_keluar(&self) -> impl Iterator<Item = &Alur> {
        self.alur.iter().filter(|a| a.arah == Arah::Keluar)
    }

    /// The flow an entry follows. Outgoing: the flow chosen on the entry (`Entry::alur`), else the
    /// `alur_keluar` of its channel (a kriptogram-keluar: of the `Kriptogram` channel); none without
    /// either. Incoming: flow A for a kriptogram; else the flow of its channel; an untriaged scan
    /// without a channel runs [`AlurSet::alur_bawaan`]. Void and duplicate entries follow none.
    pub fn alur_of(&self, e: &Entry) -> Option<&Alur> {
        if matches!(e.status, Status::Batal | Status::Duplikat) {
            return None;
        }
        if !e.book.is_incoming() {
            if let Some(k) = &e.alur {
                return self.alur(k).filter(|a| a.arah == Arah::Keluar);
            }
            let nama = if e.book == Book::KriptogramKeluar || e.kriptogram {
                "Kriptogram"
            } else {
                e.saluran.as_str()
            };
            let k = self.saluran(nama).and_then(|s| s.alur_keluar.clone())?;
            return self.alur(&k);
        }
        let kode = if e.book == Book::KriptogramMasuk || e.kriptogram {
            self.saluran("Kriptogram").and_then(|s| s.alur.clone())
        } else if e.saluran.trim().is_empty() {
            self.alur_bawaan.clone()
        } else {
            self.saluran(&e.saluran).and_then(|s| s.alur.clone())
        }?;
        self.alur.iter().find(|a| a.kode == kode)
    }
}

/// Where one step of an entry's flow stands.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Keadaan {
    /// The step before it is not done: no clock yet.
    Menunggu,
    /// Its clock runs and has time left.
    Berjalan,
    /// Its clock ran out and the step is still not done.
    Lewat,
    /// Done within the norm.
    Tepat,
    /// Done after the norm.
    Terlambat,
}

impl Keadaan {
    /// Indonesian word shown in lists.
    pub fn as_str(self) -> &'static str {
        match self {
            Keadaan::Menunggu => "menunggu",
            Keadaan::Berjalan => "berjalan",
            Keadaan::Lewat => "lewat",
            Keadaan::Tepat => "tepat",
            Keadaan::Terlambat => "terlambat",
        }
    }

    /// True when the norm is breached (done late, or still open past it): what raises the alarm.
    pub fn is_breach(self) -> bool {
        matches!(self, Keadaan::Lewat | Keadaan::Terlambat)
    }
}

/// One step's clock on one entry.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct JamLangkah {
    /// The step's code (`B3`).
    pub kode: String,
    /// When its clock started (the step before done; step 1: arrival); `None` while waiting.
    pub mulai: Option<Timestamp>,
    /// When it is due: `mulai` + the norm in office time.
    pub batas: Option<Timestamp>,
    /// When it was done and by whom (the first completing timeline event).
    pub selesai: Option<(Timestamp, String)>,
    pub keadaan: Keadaan,
}

/// The clocks of `e` along `alur` at `now`: one per step, in order.
///
/// A step is done by the first timeline event of its `selesai_oleh` kind (an archive by `selesai` too when
/// the step names `diarsipkan`). Its clock starts when the step before is done (for the first step, at
/// `received_at`); a step done before the one before it counts from its own completion, so it is never
/// late. Time runs in office hours of `cal` ([`WorkCalendar::add_office_time`]).
pub fn jam(e: &Entry, alur: &Alur, cal: &WorkCalendar, now: Timestamp) -> Vec<JamLangkah> {
    let mut out = Vec::with_capacity(alur.langkah.len());
    let mut prev_done = Some(e.received_at);
    for l in &alur.langkah {
        let done = e
            .timeline
            .iter()
            .filter(|t| {
                t.kind == l.selesai_oleh || (l.selesai_oleh == "diarsipkan" && t.kind == "selesai")
            })
            .nth(l.ke.unwrap_or(1).saturating_sub(1) as usize)
            .map(|t| (t.at, t.by.clone()))
            // Arrival is the receiving step itself, even for a record without its event.
            .or_else(|| match l.selesai_oleh.as_str() {
                "diterima" => Some((e.received_at, "node".to_string())),
                "diagendakan" => e.registered_at.map(|r| (r, String::new())),
                "draft" if !e.book.is_incoming() => Some((e.received_at, String::new())),
                _ => None,
            });
        let mulai = match (prev_done, &done) {
            (Some(p), Some((d, _))) => Some(p.min(*d)),
            (Some(p), None) => Some(p),
            (None, Some((d, _))) => Some(*d),
            (None, None) => None,
        };
        let batas =
            mulai.map(|m| cal.add_office_time(m, SignedDuration::from_mins(l.menit as i64)));
        let keadaan = match (&done, batas) {
            (Some((d, _)), Some(b)) if *d > b => Keadaan::Terlambat,
            (Some(_), _) => Keadaan::Tepat,
            (None, Some(b)) if now >= b => Keadaan::Lewat,
            (None, Some(_)) => Keadaan::Berjalan,
            (None, None) => Keadaan::Menunggu,
        };
        prev_done = done.as_ref().map(|(d, _)| *d);
        out.push(JamLangkah {
            kode: l.kode.clone(),
            mulai,
            batas,
            selesai: done,
            keadaan,
        });
    }
    out
}

/// The step an entry is on: the first step not done (with its clock), `None` when every step is done.
pub fn langkah_kini(clocks: &[JamLangkah]) -> Option<&JamLangkah> {
    clocks.iter().find(|c| c.selesai.is_none())
}

/// The steps of `e` whose norm is breached at `now`, as `(step code, alarm object)`: the object is
/// `entry:<id>/langkah:<code>`, what the node's watch raises one alarm for.
pub fn pelanggaran(
    set: &AlurSet,
    e: &Entry,
    cal: &WorkCalendar,
    now: Timestamp,
) -> Vec<(String, String)> {
    let Some(a) = set.alur_of(e) else {
        return Vec::new();
    };
    if !e.status.is_open() && !matches!(e.status, Status::Selesai | Status::Terkirim) {
        // Archived or void: nothing more to do; late steps were alarmed while it was open.
        return Vec::new();
    }
    jam(e, a, cal, now)
        .into_iter()
        .filter(|c| c.keadaan == Keadaan::Lewat)
        .map(|c| {
            let obj = format!("entry:{}/langkah:{}", e.id, c.kode);
            (c.kode, obj)
        })
        .collect()
}

/// Short text of the current step for a list column: `B3 4m`, `B3 -12m` (past its norm), `✓` when the
/// flow is complete, empty without a flow.
pub fn ringkas(set: &AlurSet, e: &Entry, cal: &WorkCalendar, now: Timestamp) -> String {
    let Some(a) = set.alur_of(e) else {
        return String::new();
    };
    let clocks = jam(e, a, cal, now);
    match langkah_kini(&clocks) {
        None => "✓".into(),
        Some(c) => match c.batas {
            None => c.kode.clone(),
            Some(b) => {
                let left = b.duration_since(now);
                format!("{} {}", c.kode, sisa_kasar(left))
            }
        },
    }
}

/// A signed duration in its largest unit, for a 7-cell list column: `4m`, `2j` (hours), `3h` (days),
/// negative with a leading `-`.
pub fn sisa_kasar(d: SignedDuration) -> String {
    format_sisa(d, true)
}

/// A signed duration as a short clock: `4m`, `2j5m`, `3h` (days), negative with a leading `-`.
pub fn sisa(d: SignedDuration) -> String {
    format_sisa(d, false)
}

fn format_sisa(d: SignedDuration, kasar: bool) -> String {
    let neg = d.is_negative();
    let mins = d.as_secs().unsigned_abs().div_ceil(60);
    let s = if mins < 60 {
        format!("{mins}m")
    } else if mins < 24 * 60 && kasar {
        format!("{}j", mins / 60)
    } else if mins < 24 * 60 {
        format!("{}j{}m", mins / 60, mins % 60)
    } else {
        format!("{}h", mins / (24 * 60))
    };
    if neg { format!("-{s}") } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::agenda::Attachment;

    fn wita(s: &str) -> Timestamp {
        s.parse::<jiff::civil::DateTime>()
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::get("Asia/Makassar").unwrap())
            .unwrap()
            .timestamp()
    }

    fn scan(at: Timestamp) -> Entry {
        let mut e = Entry::new_scan(
            1,
            at,
            Attachment {
                sha256: "00".into(),
                name: "a.pdf".into(),
                mime: "application/pdf".into(),
                size: 1,
                pages: None,
                encrypted_at_rest: false,
                jenis: Default::default(),
            },
        );
        e.push_event(at, None, "node", "diterima", "drop");
        e
    }

    #[test]
    fn shipped_flows_are_the_sixteen_steps_of_seed_003() {
        let s = AlurSet::default();
        let n: usize = s
            .alur
            .iter()
            .filter(|a| a.arah == Arah::Masuk)
            .map(|a| a.langkah.len())
            .sum();
        assert_eq!(n, 16);
        // Send flows: 003 SOP D (6), E (7), F (8), 002 (6), 004 (8).
        let k: Vec<(String, usize)> = s
            .alur_keluar()
            .map(|a| (a.kode.clone(), a.langkah.len()))
            .collect();
        assert_eq!(
            k,
            [("D", 6), ("E", 7), ("F", 8), ("PR", 6), ("PK", 8)].map(|(a, n)| (a.to_string(), n))
        );
        assert_eq!(s.check_saluran("email sanapati").unwrap(), "Email Sanapati");
        let e = s.check_saluran("Telegram").unwrap_err();
        assert!(e.contains("Faksimili") && e.contains("alur.toml"), "{e}");
    }

    #[test]
    fn clocks_follow_the_timeline_in_office_time() {
        let set = AlurSet::default();
        let cal = WorkCalendar::new("Asia/Makassar", []).unwrap();
        // A fax at Tuesday 15:58: B1 done at arrival; B2 (5 min) runs 2 min today, 3 min Wednesday.
        let mut e = scan(wita("2026-12-01T15:58"));
        e.saluran = "Faksimili".into();
        let b = set.alur_of(&e).unwrap();
        assert_eq!(b.kode, "B");
        let c = jam(&e, b, &cal, wita("2026-12-02T07:31"));
        assert_eq!(c[0].keadaan, Keadaan::Tepat);
        assert_eq!(c[1].batas, Some(wita("2026-12-02T07:33")));
        assert_eq!(c[1].keadaan, Keadaan::Berjalan);
        assert_eq!(c[2].keadaan, Keadaan::Menunggu);
        assert!(pelanggaran(&set, &e, &cal, wita("2026-12-02T07:32")).is_empty());
        let p = pelanggaran(&set, &e, &cal, wita("2026-12-02T07:33"));
        assert_eq!(p, vec![("B2".into(), "entry:1/langkah:B2".into())]);
        assert_eq!(ringkas(&set, &e, &cal, wita("2026-12-02T07:40")), "B2 -7m");
        // Registered late at 07:40: B2 late, B3's 10-minute clock starts then.
        e.push_event(
            wita("2026-12-02T07:40"),
            Some(5),
            "Wayan",
            "diagendakan",
            "",
        );
        let c = jam(&e, b, &cal, wita("2026-12-02T07:45"));
        assert_eq!(c[1].keadaan, Keadaan::Terlambat);
        assert_eq!(
            c[1].selesai,
            Some((wita("2026-12-02T07:40"), "Wayan".into()))
        );
        assert_eq!(c[2].batas, Some(wita("2026-12-02T07:50")));
        assert_eq!(ringkas(&set, &e, &cal, wita("2026-12-02T07:45")), "B3 5m");
        // Only open steps past their norm alarm; a late but done step was alarmed while open.
        assert!(pelanggaran(&set, &e, &cal, wita("2026-12-02T07:45")).is_empty());
    }

    #[test]
    fn channel_picks_the_flow_and_kriptogram_is_a() {
        let set = AlurSet::default();
        let mut e = scan(wita("2026-12-01T09:00"));
        assert_eq!(set.alur_of(&e).unwrap().kode, "B", "untriaged: alur_bawaan");
        e.saluran = "Email Sanapati".into();
        assert_eq!(set.alur_of(&e).unwrap().kode, "C");
        e.saluran = "Kurir".into();
        assert!(set.alur_of(&e).is_none());
        e.book = Book::KriptogramMasuk;
        assert_eq!(set.alur_of(&e).unwrap().kode, "A");
        e.status = Status::Batal;
        assert!(set.alur_of(&e).is_none());
    }

    #[test]
    fn a_bad_flows_file_is_named() {
        let bad = DEFAULT_ALUR_TOML.replace("selesai_oleh = \"siapel\"", "selesai_oleh = \"apel\"");
        let e = AlurSet::parse(&bad).unwrap_err();
        assert!(e.contains("apel") && e.contains("didistribusikan"), "{e}");
    }
}
