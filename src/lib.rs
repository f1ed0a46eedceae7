//! kasa — the operations console of a regional *kamar sandi*.
//!
//! Layout (see `docs/ARCHITECTURE.md`):
//! - [`domain`]: pure types and rules (agenda, operators, audit records, calendar, naskah headers). No I/O.
//! - [`store`]: all redb access: tables, versioned codecs, migrations, the audit chain.
//! - [`node`]: the service that owns a data directory, serves the Unix socket, runs ingest and timers.
//! - [`ingest`]: the scanner drop folder: scanning, stability, staging, blobs, extraction in a child process.
//! - [`clock`]: the one "now" (system clock, or shifted by `KASA_TEST_NOW` in tests).
//! - [`client`]: a connection to the node (used by the CLI and the console).
//! - [`proto`]: typed, versioned client ↔ node messages and the length-prefixed framing.
//! - [`crypto`]: age v1, the `.kgm` container, the node keystore.
//! - [`console`]: the ratatui console (the only module that knows ratatui).
//! - [`cli`]: the `kasa` command line (clap).
//! - [`config`]: paths and configuration files.

pub mod cli;
pub mod client;
pub mod clock;
pub mod config;
pub mod console;
pub mod crypto;
pub mod doc;
pub mod domain;
pub mod ingest;
pub mod node;
pub mod proto;
pub mod store;
