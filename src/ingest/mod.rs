//! ingest

pub mod sniff;
