//! The one clock every part of kasa reads ("now").
//!
//! Production reads the system clock. Tests can move the whole program in time with the environment
//! variable `KASA_TEST_NOW`, read once per process, so that no test depends on the date it runs
//! (issue "CI green on any date"):
//!
//! - a signed shift such as `+366d`, `-2d`, `+36h` (units `d`, `h`, `m`, `s`): the system clock plus that
//!   shift. Every process of a test run (the test, the node it starts, the CLI it calls) inherits the same
//!   variable and agrees on the time, which keeps advancing in real time. `.ci/run` runs the suite once
//!   with `KASA_TEST_NOW=+366d`.
//! - an RFC 3339 instant such as `2027-12-01T08:00:00+08:00`: the clock starts at that instant when the
//!   process first reads it and advances in real time from there (for a single process).
//!
//! Anything else is ignored with a warning on stderr, so a typo never silently shifts a node.
//!
//! Domain code never calls this: it takes the time as an argument (see `domain/`).

use std::sync::OnceLock;

use jiff::{SignedDuration, Timestamp};

/// The environment variable that moves the clock (see the module doc).
pub const TEST_NOW_ENV: &str = "KASA_TEST_NOW";

static SHIFT: OnceLock<SignedDuration> = OnceLock::new();

/// Parses the value of [`TEST_NOW_ENV`] into a shift relative to `real_now`.
///
/// Returns `None` for a value that is neither a shift (`+366d`, `-2h`, `+90s`, `+15m`) nor an RFC 3339
/// instant.
pub fn parse_shift(value: &str, real_now: Timestamp) -> Option<SignedDuration> {
    let v = value.trim();
    if let Some(rest) = v.strip_prefix('+').or_else(|| v.strip_prefix('-')) {
        let neg = v.starts_with('-');
        let (num, unit) = rest.split_at(rest.len().checked_sub(1)?);
        let n: i64 = num.parse().ok()?;
        let secs = match unit {
            "d" => n.checked_mul(86_400)?,
            "h" => n.checked_mul(3_600)?,
            "m" => n.checked_mul(60)?,
            "s" => n,
            _ => return None,
        };
        return Some(SignedDuration::from_secs(if neg { -secs } else { secs }));
    }
    let at: Timestamp = v.parse().ok()?;
    Some(at.duration_since(real_now))
}

fn shift() -> SignedDuration {
    *SHIFT.get_or_init(|| match std::env::var(TEST_NOW_ENV) {
        Ok(v) if !v.trim().is_empty() => match parse_shift(&v, Timestamp::now()) {
            Some(s) => s,
            None => {
                eprintln!(
                    "kasa: ignoring {TEST_NOW_ENV}={v:?}: give a shift like +366d or an RFC 3339 instant"
                );
                SignedDuration::ZERO
            }
        },
        _ => SignedDuration::ZERO,
    })
}

/// The current instant (UTC), shifted when [`TEST_NOW_ENV`] is set.
pub fn now() -> Timestamp {
    let real = Timestamp::now();
    let s = shift();
    if s.is_zero() {
        real
    } else {
        real.checked_add(s).unwrap_or(real)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_and_instants_parse() {
        let real: Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
        assert_eq!(
            parse_shift("+366d", real),
            Some(SignedDuration::from_hours(366 * 24))
        );
        assert_eq!(
            parse_shift("-2h", real),
            Some(SignedDuration::from_hours(-2))
        );
        assert_eq!(
            parse_shift("2026-12-02T00:00:00Z", real),
            Some(SignedDuration::from_hours(24))
        );
        assert_eq!(parse_shift("+3w", real), None);
        assert_eq!(parse_shift("tomorrow", real), None);
    }
}
