//! Paths and configuration files (DESIGN §2).
//!
//! - Data directory: `--data-dir` > `KASA_DATA_DIR` > `directories` default (`~/.local/share/kasa`).
//!   Holds `kasa.redb`, `blobs/`, `drop/`, `ingest/{staging,processed,failed,duplicates}/`, `keys/`,
//!   `outbox/`, `node.sock`, `node.pid`, `kasa.log` and the node's own settings `node.toml`.
//! - Config directory: `--config-dir` > `KASA_CONFIG_DIR` > `~/.config/kasa`. Holds the console's
//!   `config.toml` (language, theme, keymap), user `keymaps/` and `themes/`.
//!
//! The node's settings live in the data directory because they govern that data (zone, drop folder,
//! socket, derajat table) and the node on a shared box runs as its own user.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::calendar::{DerajatRule, WorkCalendar, default_derajat};

/// Resolved directories of one kasa installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub data_dir: PathBuf,
    pub config_dir: PathBuf,
    /// The data directory was named (`--data-dir` or `KASA_DATA_DIR`): its own node is meant, so the
    /// system-wide socket does not apply (`KASA_SOCKET` still does).
    pub explicit_data_dir: bool,
}

impl Paths {
    /// Resolves the directories from flags, then environment, then the platform default.
    pub fn resolve(data_dir: Option<PathBuf>, config_dir: Option<PathBuf>) -> Paths {
        let pd = directories::ProjectDirs::from("", "", "kasa");
        let explicit_data_dir =
            data_dir.is_some() || std::env::var_os("KASA_DATA_DIR").is_some_and(|v| !v.is_empty());
        let data_dir = data_dir
            .or_else(|| {
                std::env::var_os("KASA_DATA_DIR")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            })
            .or_else(|| pd.as_ref().map(|p| p.data_dir().to_path_buf()))
            .unwrap_or_else(|| PathBuf::from(".kasa"));
        let config_dir = config_dir
            .or_else(|| {
                std::env::var_os("KASA_CONFIG_DIR")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            })
            .or_else(|| pd.as_ref().map(|p| p.config_dir().to_path_buf()))
            .unwrap_or_else(|| data_dir.join("config"));
        Paths {
            data_dir,
            config_dir,
            explicit_data_dir,
        }
    }

    pub fn db(&self) -> PathBuf {
        self.data_dir.join("kasa.redb")
    }
    pub fn node_toml(&self) -> PathBuf {
        self.data_dir.join("node.toml")
    }
    pub fn pid_file(&self) -> PathBuf {
        self.data_dir.join("node.pid")
    }
    pub fn blobs(&self) -> PathBuf {
        self.data_dir.join("blobs")
    }
    pub fn ingest(&self, sub: &str) -> PathBuf {
        self.data_dir.join("ingest").join(sub)
    }
    pub fn keys(&self) -> PathBuf {
        self.data_dir.join("keys")
    }
    pub fn log_file(&self) -> PathBuf {
        self.data_dir.join("kasa.log")
    }
    pub fn console_toml(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }
}

/// Ingest settings (DESIGN §3).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IngestConfig {
    /// A file is taken when its size and mtime were unchanged for this long (milliseconds).
    pub stable_ms: u64,
    /// Full rescan of the drop folder every this many seconds (events are only hints).
    pub rescan_secs: u64,
    /// Files larger than this are refused into `ingest/failed/` (bytes).
    pub max_bytes: u64,
    /// Limits of the child process that parses untrusted documents.
    pub extract_cpu_secs: u64,
    pub extract_memory_mb: u64,
    pub extract_wall_secs: u64,
    /// Limits of the OCR child (`kasa __ocr FILE`, issue 15), which runs `tesseract` per page image:
    /// CPU seconds (also inherited by tesseract), wall-clock seconds; memory is `extract_memory_mb`.
    pub ocr_cpu_secs: u64,
    pub ocr_wall_secs: u64,
    /// The most pages of one document read by OCR (the header is on page 1; the rest is for search).
    pub ocr_max_pages: u32,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            stable_ms: 2000,
            rescan_secs: 30,
            max_bytes: 64 * 1024 * 1024,
            extract_cpu_secs: 10,
            extract_memory_mb: 1024,
            extract_wall_secs: 20,
            ocr_cpu_secs: 120,
            ocr_wall_secs: 180,
            ocr_max_pages: 8,
        }
    }
}

/// Bounds of the node's socket service (issue 11 "bounded node"). Every value has a safe default; tests
/// shorten the timeouts.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Connections served at once, all users together; more are closed at accept with a `busy` error.
    pub max_connections: usize,
    /// Connections one uid may hold at once (an operator's consoles and CLI runs).
    pub max_per_uid: usize,
    /// Refused (non-operator) connections kept open at once to explain the refusal; more are closed at once.
    pub max_unauthenticated: usize,
    /// How long a refused connection may stay open in total, whatever it sends (milliseconds).
    pub unauthenticated_ms: u64,
    /// A reply or event write that makes no progress for this long disconnects the client (seconds).
    pub write_timeout_secs: u64,
    /// A request frame, once its length arrived, must arrive whole within this many seconds.
    pub frame_timeout_secs: u64,
    /// Bytes of request frames being received at once, all connections together (MiB).
    pub inflight_mib: u64,
    /// Bytes of replies and events queued for one connection before the node stops reading its
    /// requests (replies) or disconnects it (events) (KiB).
    pub queue_kib: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_connections: 128,
            max_per_uid: 32,
            max_unauthenticated: 8,
            unauthenticated_ms: 2000,
            write_timeout_secs: 30,
            frame_timeout_secs: 60,
            inflight_mib: 256,
            queue_kib: 1024,
        }
    }
}

/// The node's settings, `<data dir>/node.toml`, written by `kasa init`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct NodeConfig {
    /// IANA zone of the node: `Asia/Jakarta` (WIB), `Asia/Makassar` (WITA), `Asia/Jayapura` (WIT).
    pub zone: String,
    /// Drop folder; relative paths are under the data directory.
    pub drop_dir: PathBuf,
    /// Drop folder of outgoing scans (issue 14): a file there becomes the attachment of the one open
    /// keluar entry with its nomor surat, or a new keluar draft. Relative paths are under the data
    /// directory (default `drop_keluar`).
    pub drop_keluar_dir: PathBuf,
    /// Socket path; relative paths are under the data directory (e.g. `/run/kasa/node.sock` on a shared box).
    pub socket: PathBuf,
    /// Group (name or numeric gid) given to the socket so operators in it can connect; empty = unchanged.
    pub socket_group: String,
    /// Socket permission bits, octal string (default `0660`).
    pub socket_mode: String,
    /// Configured holidays (*hari libur*), ISO dates.
    pub holidays: Vec<jiff::civil::Date>,
    /// Office hours (`jam_kerja = { mulai = "07:30", selesai = "16:00" }`): the SOP time norms of
    /// minutes run only inside them; a date-only deadline ends at `selesai`.
    pub jam_kerja: crate::domain::calendar::JamKerja,
    /// The derajat kecepatan table.
    pub derajat: Vec<DerajatRule>,
    pub ingest: IngestConfig,
    /// Bounds of the socket service.
    pub limits: LimitsConfig,
    /// The direct node-to-node link (`[link]`, docs/cli-kriptogram.md "Link").
    pub link: LinkConfig,
    /// Backup schedule and keys (SOP PI.01, seed 001; `docs/backup.md`).
    pub backup: BackupConfig,
    /// The letterhead (*kop surat*) printed on every document (issue 20); absent = the node name
    /// and a marked blank.
    pub kop: Option<crate::doc::KopSurat>,
}

/// `[link]` of `node.toml`: the direct encrypted link between nodes (Noise over TCP).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct LinkConfig {
    /// `HOST:PORT` to listen on; absent: the node does not listen (it still dials peers that have an
    /// address, `kasa peer set ID --address HOST:PORT`).
    pub listen: Option<String>,
    /// Seconds a queued kriptogram may wait before the "bawa dengan flashdisk" alarm, for every
    /// derajat; absent: by derajat (kilat 5 min, sangat segera 30 min, segera 2 h, biasa 8 h).
    pub alarm_after_secs: Option<u64>,
    /// Largest `.kgm` accepted over the link, bytes (default 4 GiB).
    pub max_kgm_bytes: Option<u64>,
}

/// `[backup]` of `node.toml` (SOP PI.01 V.1–V.4, seed 001; `docs/backup.md`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BackupConfig {
    /// Directory of the scheduled daily backup (an external disk's mount point); empty = no schedule.
    pub target: PathBuf,
    /// Local time (node zone) of the daily incremental, `HH:MM`; empty = no daily run (the target is
    /// then used only for the backup before a schema migration).
    pub daily_at: String,
    /// A full backup every this many runs to the same directory (the others are incremental).
    pub full_every: u32,
    /// Optional offline recovery recipient (`age1…`): every piece is also encrypted to it, so the
    /// reference `age` tool opens a backup with that identity in a break-glass.
    pub recovery_recipient: String,
    /// Alarm when the last successful backup is older than this (hours).
    pub missed_after_hours: i64,
    /// Reminder when the last successful restore test is older than this (days; PI.01: 3 months).
    pub test_every_days: i64,
    /// Blobs sampled at random by `kasa backup test`.
    pub test_sample: u32,
}

impl Default for BackupConfig {
    fn default() -> Self {
        BackupConfig {
            target: PathBuf::new(),
            daily_at: "02:00".into(),
            full_every: 7,
            recovery_recipient: String::new(),
            missed_after_hours: 26,
            test_every_days: 90,
            test_sample: 20,
        }
    }
}

impl BackupConfig {
    /// The backup policy: the schedule is set when `target` is.
    pub fn policy(&self) -> Result<crate::domain::backup::Policy, String> {
        let daily_at = if self.target.as_os_str().is_empty() || self.daily_at.trim().is_empty() {
            None
        } else {
            Some(self.daily_at.parse::<jiff::civil::Time>().map_err(|e| {
                format!(
                    "backup.daily_at '{}' is not a time like 02:00: {e}",
                    self.daily_at
                )
            })?)
        };
        Ok(crate::domain::backup::Policy {
            daily_at,
            full_every: self.full_every.max(1),
            missed_after_hours: self.missed_after_hours,
            test_every_days: self.test_every_days,
        })
    }

    /// The recovery recipient, if configured. Errors name the bad value.
    pub fn recovery(&self) -> Result<Option<crate::crypto::Recipient>, String> {
        let r = self.recovery_recipient.trim();
        if r.is_empty() {
            return Ok(None);
        }
        crate::crypto::Recipient::parse(r)
            .map(Some)
            .map_err(|e| format!("backup.recovery_recipient '{r}' is not an age1… recipient: {e}"))
    }
}

impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            zone: "Asia/Jakarta".into(),
            drop_dir: PathBuf::from("drop"),
            drop_keluar_dir: PathBuf::from("drop_keluar"),
            socket: PathBuf::from("node.sock"),
            socket_group: String::new(),
            socket_mode: "0660".into(),
            holidays: Vec::new(),
            jam_kerja: Default::default(),
            derajat: default_derajat(),
            ingest: IngestConfig::default(),
            limits: LimitsConfig::default(),
            link: LinkConfig::default(),
            backup: BackupConfig::default(),
            kop: None,
        }
    }
}

/// A configuration problem with the file and line it is on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Parses a TOML file into `T`, reporting the 1-based line of the error.
pub fn parse_toml<T: serde::de::DeserializeOwned>(
    file: &Path,
    text: &str,
) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| {
            text[..s.start.min(text.len())].matches('\n').count() + 1
        });
        ConfigError {
            file: file.display().to_string(),
            line,
            message: e.message().to_string(),
        }
    })
}

/// Loads a rules file of the data directory (`disposisi.toml`, `alur.toml`): `default()` when the file
/// is absent, else parsed and checked by `check`. Errors name the file and, for syntax, the line.
pub fn load_data_toml<T: serde::de::DeserializeOwned>(
    f: &Path,
    default: impl FnOnce() -> T,
    check: impl FnOnce(&T) -> Result<(), String>,
) -> Result<T, ConfigError> {
    let v: T = match std::fs::read_to_string(f) {
        Ok(text) => parse_toml(f, &text)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => default(),
        Err(e) => {
            return Err(ConfigError {
                file: f.display().to_string(),
                line: 0,
                message: e.to_string(),
            });
        }
    };
    check(&v).map_err(|m| ConfigError {
        file: f.display().to_string(),
        line: 0,
        message: m,
    })?;
    Ok(v)
}

impl NodeConfig {
    /// Loads `node.toml` (defaults when absent) and checks it (zone, socket mode).
    pub fn load(paths: &Paths) -> Result<NodeConfig, ConfigError> {
        let f = paths.node_toml();
        let cfg: NodeConfig = match std::fs::read_to_string(&f) {
            Ok(text) => parse_toml(&f, &text)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => NodeConfig::default(),
            Err(e) => {
                return Err(ConfigError {
                    file: f.display().to_string(),
                    line: 0,
                    message: e.to_string(),
                });
            }
        };
        cfg.check().map_err(|m| ConfigError {
            file: f.display().to_string(),
            line: 0,
            message: m,
        })?;
        Ok(cfg)
    }

    /// Semantic checks beyond parsing.
    pub fn check(&self) -> Result<(), String> {
        WorkCalendar::new(&self.zone, [])?;
        if self.jam_kerja.selesai <= self.jam_kerja.mulai {
            return Err(format!(
                "jam_kerja: selesai {} is not after mulai {}; write e.g. jam_kerja = {{ mulai = \"07:30\", selesai = \"16:00\" }}",
                self.jam_kerja.selesai, self.jam_kerja.mulai
            ));
        }
        self.socket_mode_bits()?;
        if let Some(l) = &self.link.listen
            && l.parse::<std::net::SocketAddr>().is_err()
        {
            return Err(format!(
                "[link] listen = {l:?} is not HOST:PORT with a numeric address, e.g. \"127.0.0.1:7470\""
            ));
        }
        self.backup.policy()?;
        self.backup.recovery()?;
        let norm = |p: &Path| {
            p.components()
                .filter(|c| !matches!(c, std::path::Component::CurDir))
                .collect::<PathBuf>()
        };
        if norm(&self.drop_dir) == norm(&self.drop_keluar_dir) {
            return Err(format!(
                "drop_keluar_dir is the same folder as drop_dir ({}): outgoing scans need a folder of their own, e.g. drop_keluar_dir = \"drop_keluar\"",
                self.drop_dir.display()
            ));
        }
        if self.derajat.is_empty() {
            return Err(
                "the derajat kecepatan table is empty: keep at least one [[derajat]] row".into(),
            );
        }
        Ok(())
    }

    /// The socket mode as bits.
    pub fn socket_mode_bits(&self) -> Result<u32, String> {
        u32::from_str_radix(self.socket_mode.trim_start_matches("0o"), 8)
            .ok()
            .filter(|m| *m <= 0o777)
            .ok_or_else(|| {
                format!(
                    "socket_mode '{}' is not an octal mode like 0660",
                    self.socket_mode
                )
            })
    }

    /// The working calendar (zone + holidays).
    pub fn calendar(&self) -> WorkCalendar {
        WorkCalendar::new(&self.zone, self.holidays.iter().copied())
            .unwrap_or_else(|_| WorkCalendar::new("UTC", []).expect("UTC exists"))
            .with_jam_kerja(self.jam_kerja)
    }

    /// Absolute drop folder.
    pub fn drop_path(&self, paths: &Paths) -> PathBuf {
        paths.data_dir.join(&self.drop_dir)
    }

    /// Absolute drop folder of outgoing scans (`drop_keluar_dir`).
    pub fn drop_keluar_path(&self, paths: &Paths) -> PathBuf {
        paths.data_dir.join(&self.drop_keluar_dir)
    }

    /// Absolute socket path.
    pub fn socket_path(&self, paths: &Paths) -> PathBuf {
        paths.data_dir.join(&self.socket)
    }

    /// The derajat names, in table order.
    pub fn derajat_names(&self) -> Vec<String> {
        self.derajat.iter().map(|d| d.name.clone()).collect()
    }
}

/// The system-wide client configuration every user of a shared box reads (`/etc/kasa/config.toml`;
/// `KASA_SYSTEM_CONFIG` names another file, for tests). Written by `contrib/setup-shared-box.sh`.
///
/// ```toml
/// socket = "/run/kasa/node.sock"     # the shared node
/// ```
#[derive(serde::Deserialize, Debug, Clone, Default, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct SystemConfig {
    /// The node socket every user of the box reaches.
    pub socket: Option<PathBuf>,
}

/// Path of the system-wide client configuration.
pub fn system_config_path() -> PathBuf {
    std::env::var_os("KASA_SYSTEM_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/etc/kasa/config.toml"))
}

/// Reads the system-wide configuration. Absent file: `Ok(None)`. Errors name the file and line.
pub fn system_config() -> Result<Option<SystemConfig>, ConfigError> {
    let f = system_config_path();
    match std::fs::read_to_string(&f) {
        Ok(text) => parse_toml::<SystemConfig>(&f, &text).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ConfigError {
            file: f.display().to_string(),
            line: 1,
            message: format!("cannot read: {e}"),
        }),
    }
}

/// The `socket` key of the per-user `<config dir>/config.toml`, if set (other keys are the console's).
fn user_socket(paths: &Paths) -> Option<PathBuf> {
    #[derive(serde::Deserialize)]
    struct Only {
        socket: Option<PathBuf>,
    }
    let text = std::fs::read_to_string(paths.console_toml()).ok()?;
    toml::from_str::<Only>(&text).ok()?.socket
}

/// Where a configured node socket came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketSource {
    /// The `KASA_SOCKET` environment variable.
    Env,
    /// `socket` in the user's `config.toml`.
    User,
    /// `socket` in the system-wide `/etc/kasa/config.toml`.
    System,
}

/// The node socket configured for this user, if any: `KASA_SOCKET`, then the per-user `config.toml`,
/// then the system-wide config (the per-user file overrides the system one). `None`: nothing is
/// configured, or a data directory was named explicitly: the node is the local one of the data
/// directory.
pub fn configured_socket(paths: &Paths) -> Option<(PathBuf, SocketSource)> {
    if let Some(s) = std::env::var_os("KASA_SOCKET").filter(|v| !v.is_empty()) {
        return Some((PathBuf::from(s), SocketSource::Env));
    }
    if paths.explicit_data_dir {
        return None;
    }
    if let Some(s) = user_socket(paths) {
        return Some((s, SocketSource::User));
    }
    system_config()
        .ok()
        .flatten()
        .and_then(|c| c.socket)
        .map(|s| (s, SocketSource::System))
}

/// The socket a client should connect to: the configured one ([`configured_socket`]), else the node
/// config's socket of the local data directory.
pub fn client_socket(paths: &Paths) -> PathBuf {
    if let Some((s, _)) = configured_socket(paths) {
        return s;
    }
    NodeConfig::load(paths)
        .map(|c| c.socket_path(paths))
        .unwrap_or_else(|_| paths.data_dir.join("node.sock"))
}

/// The Unix user name of `uid` from the system user database, or `uid<N>` when it has none.
pub fn unix_username(uid: u32) -> String {
    // SAFETY: getpwuid returns static storage or null; the name is copied out at once.
    unsafe {
        let p = libc::getpwuid(uid);
        if p.is_null() || (*p).pw_name.is_null() {
            return format!("uid{uid}");
        }
        std::ffi::CStr::from_ptr((*p).pw_name)
            .to_string_lossy()
            .into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_node_config_round_trips_and_bad_line_is_named() {
        let text = toml::to_string(&NodeConfig::default()).unwrap();
        let back: NodeConfig = parse_toml(Path::new("node.toml"), &text).unwrap();
        assert_eq!(back, NodeConfig::default());
        let bad = "zone = \"Asia/Makassar\"\n\n[ingest]\nstable_ms = \"soon\"\n";
        let e = parse_toml::<NodeConfig>(Path::new("node.toml"), bad).unwrap_err();
        assert_eq!(e.line, 4, "{e}");
    }

    #[test]
    fn drop_keluar_must_be_its_own_folder() {
        let mut c = NodeConfig::default();
        assert!(c.check().is_ok());
        c.drop_keluar_dir = PathBuf::from("./drop");
        let e = c.check().unwrap_err();
        assert!(e.contains("drop_keluar_dir") && e.contains("own"), "{e}");
    }
}
