//! ingest

pub mod extract;
pub mod sniff;
