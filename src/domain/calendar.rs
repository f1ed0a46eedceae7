//! Time norms: the *derajat kecepatan* table and working-day (*hari kerja*) deadlines in the node's zone.
//!
//! Source: GLOSSARY (derajat kecepatan: `Kilat/Amat Segera` 24 h, `Segera` 2×24 h, `Penting` 3×24 h,
//! `Biasa` 5 hari kerja; WIB/WITA/WIT). All functions are pure; "now" is always an argument.

use std::collections::BTreeSet;

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
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

/// The working calendar of a node: its zone and holidays (*hari libur nasional / cuti bersama*).
#[derive(Debug, Clone)]
pub struct WorkCalendar {
    pub zone: TimeZone,
    pub holidays: BTreeSet<Date>,
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
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn wita(s: &str) -> Timestamp {
        s.parse::<jiff::civil::DateTime>()
            .unwrap()
            .to_zoned(TimeZone::get("Asia/Makassar").unwrap())
            .unwrap()
            .timestamp()
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
