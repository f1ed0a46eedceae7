//! Times as people read them: every instant kasa shows to a person (console, CLI text, lines written
//! into records such as a custody handover or a reminder) is rendered in the node's zone with the
//! zone's abbreviation, never in UTC (a UTC time is often another calendar day in WITA/WIT).
//! Machine output (`--json`, the wire, the store) keeps RFC 3339 instants.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// `2026-12-02 16:31 WITA`: `t` in `tz` to the minute, with the zone abbreviation jiff knows
/// (WIB, WITA, WIT; another zone shows its own abbreviation or offset).
pub fn tampil(t: Timestamp, tz: &TimeZone) -> String {
    dalam(t, tz, "%Y-%m-%d %H:%M %Z")
}

/// `t` in `tz` with a `strftime` pattern (jiff's directives; `%Z` is the zone abbreviation).
pub fn dalam(t: Timestamp, tz: &TimeZone, pattern: &str) -> String {
    t.to_zoned(tz.clone()).strftime(pattern).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_evening_is_the_next_day_in_wita_and_named_so() {
        let t: Timestamp = "2026-12-01T17:30:00Z".parse().unwrap();
        let wita = TimeZone::get("Asia/Makassar").unwrap();
        assert_eq!(tampil(t, &wita), "2026-12-02 01:30 WITA");
        let wit = TimeZone::get("Asia/Jayapura").unwrap();
        assert_eq!(tampil(t, &wit), "2026-12-02 02:30 WIT");
        let wib = TimeZone::get("Asia/Jakarta").unwrap();
        assert_eq!(dalam(t, &wib, "%d-%m-%Y %H:%M %Z"), "02-12-2026 00:30 WIB");
    }
}
