//! Time norms: the *derajat kecepatan* table and working-day (*hari kerja*) deadlines in the node's zone.
//!
//! Source: GLOSSARY (derajat kecepatan: `Kilat/Amat Segera` 24 h, `Segera` 2×24 h, `Penting` 3×24 h,
//! `Biasa` 5 hari kerja; WIB/WITA/WIT). All functions are pure; "now" is always an argument.

use std::collections::BTreeSet;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

/// How long a derajat kecepatan allows.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// Calendar hours (e.g. Kilat: 24).
    Jam(u32),
    /// Working days: weekends and configured holidays are skipped; the clock time is kept.
    HariKerja(u32),
}

/// One row of the derajat kecepatan table (configurable per region).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct DerajatRule {
    /// Name shown and stored, e.g. `Kilat`, `Segera`.
    pub name: String,
    /// The limit.
    #[serde(flatten)]
    pub limit: Limit,
}

/// The default table (GLOSSARY).
pub fn default_derajat() -> Vec<DerajatRule> {
    vec![
        DerajatRule {
            name: "Kilat".into(),
            limit: Limit::Jam(24),
        },
        DerajatRule {
            name: "Segera".into(),
            limit: Limit::Jam(48),
        },
        DerajatRule {
            name: "Penting".into(),
            limit: Limit::Jam(72),
        },
        DerajatRule {
            name: "Biasa".into(),
            limit: Limit::HariKerja(5),
        },
    ]
}

/// Office hours (*jam kerja*) of a working day, local time of the node's zone.
///
/// Default 07:30–16:00 (the five-day week of Perpres 21/2023: 37.5 hours, Monday–Thursday 07:30–16:00;
/// Friday's longer day is not modelled). The SOP time norms of a few minutes (*mutu baku*, seed 003
/// SOP A–F) run only inside these hours: a fax that arrives at 22:00 is due minutes after the next
/// opening, not during the night.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct JamKerja {
    /// Opening, `HH:MM`.
    pub mulai: Time,
    /// Closing, `HH:MM`; after `mulai`.
    pub selesai: Time,
}

impl Default for JamKerja {
    fn default() -> Self {
        JamKerja {
            mulai: Time::constant(7, 30, 0, 0),
            selesai: Time::constant(16, 0, 0, 0),
        }
    }
}

/// The working calendar of a node: its zone, holidays (*hari libur nasional / cuti bersama*) and office
/// hours.
#[derive(Debug, Clone)]
pub struct WorkCalendar {
    pub zone: TimeZone,
    pub holidays: BTreeSet<Date>,
    pub jam_kerja: JamKerja,
}

impl WorkCalendar {
    /// A calendar in `zone` (an IANA name such as `Asia/Makassar`) with the given holidays.
    /// Errors when the zone is unknown to the system tz database.
    pub fn new(
        zone: &str,
        holidays: impl IntoIterator<Item = Date>,
    ) -> Result<WorkCalendar, String> {
        let tz = TimeZone::get(zone).map_err(|e| format!("unknown time zone '{zone}': {e}; use Asia/Jakarta (WIB), Asia/Makassar (WITA) or Asia/Jayapura (WIT)"))?;
        Ok(WorkCalendar {
            zone: tz,
            holidays: holidays.into_iter().collect(),
            jam_kerja: JamKerja::default(),
        })
    }

    /// The same calendar with other office hours.
    pub fn with_jam_kerja(mut self, jam: JamKerja) -> WorkCalendar {
        self.jam_kerja = jam;
        self
    }

    fn at_local(&self, d: Date, t: Time) -> Option<Timestamp> {
        d.to_datetime(t)
            .to_zoned(self.zone.clone())
            .ok()
            .map(|z| z.timestamp())
    }

    /// The first instant at or after `t` that lies in office hours of a working day: `t` itself when
    /// the office is open, else the next opening (skipping weekends and holidays).
    pub fn next_open(&self, t: Timestamp) -> Timestamp {
        let z = t.to_zoned(self.zone.clone());
        let mut date = z.date();
        let time = z.time();
        let jk = self.jam_kerja;
        if self.is_working_day(date) && time >= jk.mulai && time < jk.selesai {
            return t;
        }
        if !(self.is_working_day(date) && time < jk.mulai) {
            date = date.tomorrow().unwrap_or(date);
        }
        for _ in 0..3660 {
            if self.is_working_day(date) {
                return self.at_local(date, jk.mulai).unwrap_or(t);
            }
            date = date.tomorrow().unwrap_or(date);
        }
        t
    }

    /// The instant `span` of office time after `start`: the clock runs only in office hours of
    /// working days (the *mutu baku* of the receive and send flows, seed 003 SOP A–F, and of the palsan
    /// repair steps, seed 000: `domain::palsan::MutuBaku`). A start outside
    /// office hours counts from the next opening; what is left at closing continues at the next opening.
    pub fn add_office_time(&self, start: Timestamp, span: SignedDuration) -> Timestamp {
        let mut at = self.next_open(start);
        let mut left = span;
        for _ in 0..3660 {
            let z = at.to_zoned(self.zone.clone());
            let close = self
                .at_local(z.date(), self.jam_kerja.selesai)
                .unwrap_or(at);
            let room = close.duration_since(at);
            if left <= room {
                return at.checked_add(left).unwrap_or(at);
            }
            left -= room;
            at = self.next_open(close);
        }
        at
    }

    /// The end of the working day `d` (its closing time); for a date that is not a working day, the
    /// closing of the working day before it. What a date-only deadline means ("sampai 5 Desember").
    pub fn end_of_working_day(&self, d: Date) -> Timestamp {
        let mut date = d;
        for _ in 0..3660 {
            if self.is_working_day(date) {
                break;
            }
            date = date.yesterday().unwrap_or(date);
        }
        if !self.is_working_day(date) {
            date = d;
        }
        self.at_local(date, self.jam_kerja.selesai)
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// True when `d` is Monday–Friday and not a configured holiday.
    pub fn is_working_day(&self, d: Date) -> bool {
        !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) && !self.holidays.contains(&d)
    }

    /// The deadline `limit` after `start`.
    ///
    /// `Jam(h)`: `start + h` hours. `HariKerja(n)`: the same wall-clock time on the n-th working day
    /// after the start's local date (a start on a weekend or holiday counts from the next working day).
    pub fn deadline(&self, start: Timestamp, limit: Limit) -> Timestamp {
        match limit {
            Limit::Jam(h) => start.checked_add((h as i64).hours()).unwrap_or(start),
            Limit::HariKerja(n) => {
                let zdt = start.to_zoned(self.zone.clone());
                let mut date = zdt.date();
                let mut left = n;
                let mut guard = 0;
                while left > 0 && guard < 3660 {
                    date = date.tomorrow().unwrap_or(date);
                    guard += 1;
                    if self.is_working_day(date) {
                        left -= 1;
                    }
                }
                let dt = date.to_datetime(zdt.time());
                dt.to_zoned(self.zone.clone())
                    .map(|z| z.timestamp())
                    .unwrap_or(start)
            }
        }
    }

    /// The deadline for a derajat name from `table`, if the name is known.
    pub fn deadline_for(
        &self,
        table: &[DerajatRule],
        name: &str,
        start: Timestamp,
    ) -> Option<Timestamp> {
        table
            .iter()
            .find(|r| r.name == name)
            .map(|r| self.deadline(start, r.limit))
    }

    /// Short zone label for display: WIB, WITA, WIT, or the IANA name.
    pub fn zone_label(&self) -> String {
        match self.zone.iana_name() {
            Some("Asia/Jakarta" | "Asia/Pontianak") => "WIB".into(),
            Some("Asia/Makassar") => "WITA".into(),
            Some("Asia/Jayapura") => "WIT".into(),
            Some(n) => n.to_string(),
            None => "UTC".into(),
        }
    }
}

/// `overdue` flips exactly at the deadline: an item is overdue when `now >= deadline`.
pub fn is_overdue(deadline: Timestamp, now: Timestamp) -> bool {
    now >= deadline
}

/// Indonesian month names, January first (`NAMA_BULAN[month - 1]`), as naskah dinas write dates.
pub const NAMA_BULAN: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

/// The derajat grades a `.kgm` header may carry (a closed list, `docs/kriptogram.md` §2), fastest
/// first: `kilat`, `sangat_segera`, `segera`, `biasa`.
pub const KGM_GRADES: [&str; 4] = ["kilat", "sangat_segera", "segera", "biasa"];

/// A derajat name in the form the `.kgm` header uses: trimmed, lower case, spaces and `-` as `_`
/// (`Sangat Segera` → `sangat_segera`).
pub fn grade_key(name: &str) -> String {
    name.trim().to_lowercase().replace([' ', '-'], "_")
}

/// A limit as nominal hours, to compare rows of the table: hours as they are, a working day as
/// 7/5 of 24 h (five working days are a calendar week).
fn nominal_hours(l: Limit) -> f64 {
    match l {
        Limit::Jam(h) => f64::from(h),
        Limit::HariKerja(n) => f64::from(n) * 24.0 * 7.0 / 5.0,
    }
}

/// The limit a header grade stands for: its row of `table` when the table names it, else the
/// GLOSSARY norm (`kilat` and `sangat_segera` 24 h, `segera` 48 h, `biasa` 5 hari kerja).
fn grade_limit(table: &[DerajatRule], grade: &str) -> Limit {
    table
        .iter()
        .find(|r| grade_key(&r.name) == grade)
        .map(|r| r.limit)
        .unwrap_or(match grade {
            "kilat" | "sangat_segera" => Limit::Jam(24),
            "segera" => Limit::Jam(48),
            _ => Limit::HariKerja(5),
        })
}

/// The `.kgm` header grade (one of [`KGM_GRADES`]) for the configured derajat `name` of `table`:
/// a name that is a header grade is itself (`Segera` → `segera`); any other configured name goes by
/// its deadline to the nearest header grade that is not slower (the one with the longest limit not
/// longer than the name's: `Penting` 72 h → `segera` 48 h, never `biasa`), `kilat` when every grade
/// is slower. A name the table does not have (or none) is `biasa`. Pure; limits are compared as
/// nominal hours (a working day is 7/5 × 24 h).
pub fn kgm_grade(table: &[DerajatRule], name: Option<&str>) -> &'static str {
    let Some(name) = name else {
        return "biasa";
    };
    let key = grade_key(name);
    if let Some(g) = KGM_GRADES.iter().find(|g| **g == key) {
        return g;
    }
    let Some(rule) = table.iter().find(|r| grade_key(&r.name) == key) else {
        return "biasa";
    };
    let want = nominal_hours(rule.limit);
    // Fastest first, so on equal limits the later (less urgent) grade wins.
    let mut best: Option<(&'static str, f64)> = None;
    for g in KGM_GRADES {
        let h = nominal_hours(grade_limit(table, g));
        if h <= want && best.is_none_or(|(_, b)| h >= b) {
            best = Some((g, h));
        }
    }
    best.map_or("kilat", |(g, _)| g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kgm_grade_maps_a_configured_name_to_the_nearest_grade_not_slower() {
        let t = default_derajat();
        assert_eq!(kgm_grade(&t, Some("Penting")), "segera");
        assert_eq!(kgm_grade(&t, Some("Kilat")), "kilat");
        assert_eq!(kgm_grade(&t, Some("Segera")), "segera");
        assert_eq!(kgm_grade(&t, Some("Biasa")), "biasa");
        assert_eq!(kgm_grade(&t, Some("sangat segera")), "sangat_segera");
        assert_eq!(kgm_grade(&t, None), "biasa");
        assert_eq!(kgm_grade(&t, Some("Tidak Ada")), "biasa");
        let mut t2 = t.clone();
        t2.push(DerajatRule {
            name: "Sekejap".into(),
            limit: Limit::Jam(2),
        });
        t2.push(DerajatRule {
            name: "Santai".into(),
            limit: Limit::HariKerja(10),
        });
        t2.push(DerajatRule {
            name: "Tiga Hari Kerja".into(),
            limit: Limit::HariKerja(3),
        });
        // Faster than every grade: the fastest.
        assert_eq!(kgm_grade(&t2, Some("Sekejap")), "kilat");
        // Slower than every grade: the slowest that is not slower.
        assert_eq!(kgm_grade(&t2, Some("Santai")), "biasa");
        // 3 hari kerja (about 100 h) is not slower than 48 h, faster than 5 hari kerja.
        assert_eq!(kgm_grade(&t2, Some("Tiga Hari Kerja")), "segera");
    }

    fn wita(s: &str) -> Timestamp {
        s.parse::<jiff::civil::DateTime>()
            .unwrap()
            .to_zoned(TimeZone::get("Asia/Makassar").unwrap())
            .unwrap()
            .timestamp()
    }

    #[test]
    fn office_time_runs_only_in_jam_kerja() {
        // Monday 2026-11-23 is a holiday; 2026-11-20 is a Friday.
        let cal = WorkCalendar::new("Asia/Makassar", [jiff::civil::date(2026, 11, 23)]).unwrap();
        let m = SignedDuration::from_mins;
        // Inside hours: plain addition.
        assert_eq!(
            cal.add_office_time(wita("2026-11-20T09:00"), m(5)),
            wita("2026-11-20T09:05")
        );
        // Arrives Friday 22:00: counts from Tuesday's opening (weekend and holiday skipped).
        assert_eq!(
            cal.add_office_time(wita("2026-11-20T22:00"), m(5)),
            wita("2026-11-24T07:35")
        );
        // Three minutes before closing: two minutes carry over to the next working day.
        assert_eq!(
            cal.add_office_time(wita("2026-11-24T15:57"), m(5)),
            wita("2026-11-25T07:32")
        );
        // Before opening on a working day: that day's opening.
        assert_eq!(
            cal.next_open(wita("2026-11-24T06:00")),
            wita("2026-11-24T07:30")
        );
        // A date-only deadline is the closing of that working day; a Sunday means Friday's closing.
        assert_eq!(
            cal.end_of_working_day(jiff::civil::date(2026, 12, 4)),
            wita("2026-12-04T16:00")
        );
        assert_eq!(
            cal.end_of_working_day(jiff::civil::date(2026, 12, 6)),
            wita("2026-12-04T16:00")
        );
        let jk: JamKerja = toml::from_str("mulai = \"08:00\"\nselesai = \"15:30\"").unwrap();
        assert_eq!(jk.selesai, Time::constant(15, 30, 0, 0));
    }

    #[test]
    fn friday_afternoon_in_wita() {
        let cal = WorkCalendar::new("Asia/Makassar", [jiff::civil::date(2026, 11, 23)]).unwrap();
        let fri = wita("2026-11-20T15:30");
        assert_eq!(cal.deadline(fri, Limit::Jam(24)), wita("2026-11-21T15:30"));
        assert_eq!(cal.deadline(fri, Limit::Jam(48)), wita("2026-11-22T15:30"));
        // Monday 23rd is a configured holiday: 5 working days = Tue..Fri + next Mon.
        assert_eq!(
            cal.deadline(fri, Limit::HariKerja(5)),
            wita("2026-11-30T15:30")
        );
    }

    #[test]
    fn across_month_end_and_overdue_boundary() {
        let cal = WorkCalendar::new("Asia/Jakarta", []).unwrap();
        let start = "2026-01-29T09:00:00+07:00".parse::<Timestamp>().unwrap(); // Thursday
        let d = cal.deadline(start, Limit::HariKerja(2));
        assert_eq!(d, "2026-02-02T09:00:00+07:00".parse::<Timestamp>().unwrap());
        assert!(!is_overdue(d, d.checked_sub(1.nanosecond()).unwrap()));
        assert!(is_overdue(d, d));
        assert_eq!(cal.zone_label(), "WIB");
    }

    #[test]
    fn unknown_zone_is_named() {
        let e = WorkCalendar::new("Asia/Bandung", []).unwrap_err();
        assert!(e.contains("Asia/Bandung") && e.contains("WITA"), "{e}");
    }
}
