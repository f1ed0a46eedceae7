//! The node's clock. New code calls [`now`] instead of `Timestamp::now()` so tests can move time.

/// The current instant (UTC).
pub fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}
