//! Messages of backup and restore (issue 17; seed 001, SOP PI.01), nested in [`super::Request::Backup`]
//! and [`super::Reply::Backup`]. JSON: `{"type":"backup","op":"create","to":"/mnt/disk","full":false}`.
//!
//! Verify and restore are not requests: they work on a backup directory without the node
//! (`kasa backup verify`, `kasa backup restore`), so a new box can be rebuilt from the disk alone.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::domain::backup::{BackupRun, ManifestBody, Ringkasan};

/// Requests about backups.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum BackupRequest {
    /// Writes a backup into `to` (an absolute directory the node can write): incremental, or full
    /// when `full` or when the policy's N runs are reached. Actor: the Sandiman (SOP 001 steps 5–7) /
    /// the Koordinator (PI.01 III.2). Needs the unlocked node (the manifest is signed).
    Create {
        to: String,
        #[serde(default)]
        full: bool,
    },
    /// Restore test (PI.01 V.4): restores the latest manifest of `dir` into a temporary directory with
    /// a random sample of `sample` documents and compares it with the live node. Actor: the Kepala
    /// Seksi (PI.01 III.1). Needs the unlocked node (to decrypt).
    Test {
        dir: String,
        #[serde(default)]
        sample: Option<u32>,
    },
    /// The backup log (PI.01 V.3). Any operator.
    Log,
}

/// Replies to [`BackupRequest`].
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum BackupReply {
    /// A finished backup: its log record and its manifest.
    Created {
        run: Box<BackupRun>,
        manifest: Box<ManifestBody>,
    },
    /// A finished restore test (successful or not: see `run.hasil`).
    Tested { run: Box<BackupRun> },
    /// The log, oldest first, with its summary and the reminders due now.
    Log {
        runs: Vec<BackupRun>,
        ringkasan: Box<Ringkasan>,
        /// The node's zone (reports show times in it).
        zone: String,
        node_id: String,
        now: Timestamp,
        /// True when the last successful restore test is older than the configured days.
        test_overdue: bool,
        /// True when a scheduled backup is missed.
        missed: bool,
        /// The configured daily target (`node.toml` `[backup] target`, resolved against the data
        /// directory), where the console's "backup now" writes; `None` when not set. Absent from the
        /// replies of older nodes.
        #[serde(default)]
        target: Option<String>,
    },
}
