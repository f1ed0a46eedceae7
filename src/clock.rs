//! The one clock every part of kasa reads ("now"). Minimal form until main's `clock` (with
//! `KASA_TEST_NOW`) is merged; domain code never calls this.

/// The current instant (UTC).
pub fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}
