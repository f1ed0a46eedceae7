//! The `kasa` command line (DESIGN §6; field names of `--json` output are documented in `docs/cli.md`).
//!
//! Every subcommand but `init`, `node` and `config check` talks to the node over its socket. Errors go
//! to stderr with a non-zero exit status; `--json` prints exactly one JSON document on stdout.

/// Prints a line of CLI text output through the one sanitizer ([`crate::domain::sanitize`]): controls,
/// ANSI/OSC escapes and bidi overrides coming from outside strings are shown visibly, never obeyed.
/// (`--json` output uses `print_json`, which keeps exact values.)
macro_rules! out {
    () => { println!() };
    ($($t:tt)*) => {
        println!("{}", $crate::domain::sanitize::clean_lines(&format!($($t)*)))
    };
}

/// [`out!`] for stderr.
macro_rules! err_out {
    () => { eprintln!() };
    ($($t:tt)*) => {
        eprintln!("{}", $crate::domain::sanitize::clean_lines(&format!($($t)*)))
    };
}

pub mod backup;
pub mod disposisi;
pub mod insiden;
pub mod keluar;
pub mod laporan;
pub mod masuk;
pub mod palsan;

use std::os::fd::AsFd;
use std::path::PathBuf;

use base64::Engine;
use clap::{Args, Parser, Subcommand};

use crate::client::{Client, ClientError};
use crate::config::{NodeConfig, Paths};
use crate::domain::{Book, Klasifikasi, Operator, RegisterFields, Role, Status};
use crate::proto::{Reply, Request};

#[derive(Parser, Debug)]
#[command(
    name = "kasa",
    version,
    about = "kasa — konsol operasi kamar sandi (buku agenda, disposisi, palsan, insiden, kriptogram)"
)]
pub struct Cli {
    /// Data directory (default ~/.local/share/kasa; env KASA_DATA_DIR).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Config directory (default ~/.config/kasa; env KASA_CONFIG_DIR).
    #[arg(long, global = true)]
    pub config_dir: Option<PathBuf>,
    /// Root only: act as the admin with this uid (audited), e.g. `sudo kasa --as 998 operator add …`.
    #[arg(long = "as", global = true, value_name = "UID")]
    pub as_uid: Option<u32>,
    #[command(subcommand)]
    pub cmd: Option<Cmd>,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Run the node (in the background unless --foreground); `kasa node stop` stops it.
    Node {
        #[arg(long)]
        foreground: bool,
        /// Passphrase file (0600) to unlock the node keystore at start; without it the node runs
        /// locked (kriptogram seal/open refused).
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
        #[command(subcommand)]
        action: Option<NodeAction>,
    },
    /// Create the data directory, database, settings and the first admin (you).
    Init(InitArgs),
    /// Node pid, data and drop folders, counts, alarms.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Hand files to the node's ingest path (same code as the drop-folder watcher).
    Ingest {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// The buku agenda: list, show, register (triage), void, note, mark duplicate, close.
    Agenda {
        #[command(subcommand)]
        action: AgendaAction,
    },
    /// Outgoing berita: new draft, register, send.
    Keluar {
        #[command(subcommand)]
        action: keluar::KeluarAction,
    },
    /// The audit chain.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Operators (Unix uid → nama, NIP, jabatan, role).
    Operator {
        #[command(subcommand)]
        action: OperatorAction,
    },
    /// Alarms (failed ingests, refused access).
    Alarm {
        #[command(subcommand)]
        action: AlarmAction,
    },
    /// The incident logbook (Logbook Insiden Keamanan Informasi, SOP PI.03).
    Incident {
        #[command(subcommand)]
        action: insiden::IncidentAction,
    },
    /// Backups per SOP 001 and PI.01: create, verify, restore, restore test, log, reports.
    Backup {
        #[command(subcommand)]
        action: backup::BackupAction,
    },
    /// Validate configuration files.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// This node's identity: its public card, and the break-glass age identity export.
    Identity {
        #[command(subcommand)]
        action: IdentityAction,
    },
    /// Peer nodes (pola hubungan komunikasi sandi): add a card, list, verify the safety number.
    Peer {
        #[command(subcommand)]
        action: PeerAction,
    },
    /// Kriptogram (.kgm): seal to peers, open, verify, extract the inner age part.
    Kriptogram {
        #[command(subcommand)]
        action: KriptogramAction,
    },
    /// Disposisi: routing berita down the chain Kadis → Kabid → Kasi → Sandiman.
    Disposisi {
        #[command(subcommand)]
        action: disposisi::DisposisiAction,
    },
    /// Receiving after registration (003 SOP A, B, C): distribution with tanda terima, duplicates across
    /// channels, the flow and its clocks.
    Masuk {
        #[command(subcommand)]
        action: masuk::MasukAction,
    },
    /// SI APEL: record items entered in the national e-archive, list what waits, export CSV.
    Siapel {
        #[command(subcommand)]
        action: masuk::SiApelAction,
    },
    /// (internal) analyse one untrusted document in a limited child process.
    #[command(name = "__extract", hide = true)]
    Extract { file: PathBuf },
    /// (internal) the persistent analysis worker: one analysis per path frame on stdin (issue 19).
    #[command(name = "__extract-worker", hide = true)]
    ExtractWorker { cpu_secs: u64 },
    /// (internal) OCR of one image-only document in a limited child process (issue 15).
    #[command(name = "__ocr", hide = true)]
    Ocr {
        file: PathBuf,
        #[arg(default_value_t = 8)]
        max_pages: u32,
    },
    /// (internal) one page of a document as a grey PNG for the console's preview (issue 15).
    #[command(name = "__halaman", hide = true)]
    Halaman {
        file: PathBuf,
        halaman: u32,
        lebar: u32,
        tinggi: u32,
    },
    /// Scripting: one JSON request (proto `Request`) per stdin line; one JSON line per reply on stdout,
    /// `{"ok": REPLY}` or `{"error": {"code": C, "message": M}}`. Exit 0 when every line was answered.
    #[command(name = "request", hide = true)]
    RawRequest,
    /// Palsan: equipment, key material (metadata only), repairs to BSSN, reminders, Lampiran III/IV/V.
    Palsan {
        #[command(subcommand)]
        action: palsan::PalsanAction,
    },
    /// Documents to sign: the annual Monev Lampiran I–XI, buku agenda, tanda terima, resi, berita
    /// acara (PDF + Markdown, 0600).
    Laporan {
        #[command(subcommand)]
        action: laporan::LaporanAction,
    },
}

#[derive(Subcommand, Debug)]
pub enum NodeAction {
    /// Ask the running node to stop (admin).
    Stop,
    /// Unlock the running node's keystore (passphrase from a 0600 file or asked on the terminal).
    Unlock {
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
    },
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Node id, e.g. the region code `5101`.
    #[arg(long)]
    pub node_id: String,
    /// Node name, e.g. "Diskominfo Kabupaten Jembrana".
    #[arg(long)]
    pub name: String,
    /// Time zone: Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT).
    #[arg(long, default_value = "Asia/Jakarta")]
    pub zone: String,
    /// Your full name as the first admin (default: your Unix user name).
    #[arg(long)]
    pub nama: Option<String>,
    #[arg(long, default_value = "")]
    pub nip: String,
    #[arg(long, default_value = "Administrator kasa")]
    pub jabatan: String,
    /// Your Ahli Sandi qualification (tanpa, tingkat_i, tingkat_ii, tingkat_iii): on a single-user node
    /// the admin is also its sandiman, and sealing or opening kriptogram needs at least tingkat_ii (004).
    #[arg(long, default_value = "tanpa")]
    pub kualifikasi: String,
    /// Node socket (node.toml `socket`), e.g. /run/kasa/node.sock on a shared box.
    #[arg(long)]
    pub socket: Option<PathBuf>,
    /// Group that may connect to the socket (node.toml `socket_group`), e.g. kasa.
    #[arg(long)]
    pub socket_group: Option<String>,
    /// Drop folder (node.toml `drop_dir`), e.g. /srv/kasa/drop outside the 0700 data dir so operators
    /// and the scanner share can write into it.
    #[arg(long)]
    pub drop_dir: Option<PathBuf>,
    /// Drop folder of outgoing scans (node.toml `drop_keluar_dir`), e.g. /srv/kasa/drop_keluar.
    #[arg(long)]
    pub drop_keluar_dir: Option<PathBuf>,
    /// Passphrase file (0600) for the node keystore, for automation; otherwise asked on the TTY.
    #[arg(long)]
    pub passphrase_file: Option<PathBuf>,
    /// TEST ONLY: weak Argon2 parameters (64 KiB, t=1) so test suites run fast. Never on a real node.
    #[arg(long, hide = true)]
    pub insecure_fast_kdf: bool,
}

#[derive(Subcommand, Debug)]
pub enum IdentityAction {
    /// Print this node's public card (TOML; give it to peers), or JSON with --json.
    Card {
        #[arg(long)]
        json: bool,
    },
    /// Create the identity of a node initialised without one (node stopped; admin).
    Create {
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
        /// TEST ONLY: weak Argon2 parameters. Never on a real node.
        #[arg(long, hide = true)]
        insecure_fast_kdf: bool,
    },
    /// Break-glass: print the node's X25519 identity in age format (AGE-SECRET-KEY-1…). Reads the
    /// keystore directly (run as the node's user); audited.
    ExportAge {
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum PeerAction {
    /// Add a peer from its card file (TOML from `kasa identity card` on the other node).
    Add {
        card: PathBuf,
        /// pusat, provinsi, kab-kota or opd.
        #[arg(long)]
        relation: String,
        /// Channel used with this peer, e.g. "Email Sanapati".
        #[arg(long, default_value = "")]
        saluran: String,
        /// Replace the card of a known peer (it must be verified again).
        #[arg(long)]
        replace: bool,
        #[arg(long)]
        json: bool,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show the safety number to compare with the peer; --confirm marks the peer verified.
    Verify {
        id: String,
        #[arg(long)]
        confirm: bool,
        #[arg(long)]
        json: bool,
    },
    /// Set where the direct link reaches a peer: --address HOST:PORT, or `none` ("they connect to us").
    Set {
        id: String,
        #[arg(long)]
        address: String,
    },
    /// Link status per peer: connected, last seen, queue length, last error.
    Status {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
#[allow(clippy::large_enum_variant)] // parsed once per process
pub enum KriptogramAction {
    /// Seal files (or the entry's attachments) to peers; the .kgm goes to <data>/outbox/.
    Seal {
        /// Entry whose fields (and attachments, when no FILE is given) are sealed; a kriptogram-keluar
        /// draft is sealed itself, any other entry is copied into a new kriptogram-keluar entry.
        #[arg(long)]
        entry: Option<u64>,
        /// Recipient peer node ids, comma-separated.
        #[arg(long, required = true, value_delimiter = ',')]
        to: Vec<String>,
        /// Seal even to peers whose safety number was not confirmed.
        #[arg(long)]
        yes_unverified: bool,
        /// Break-glass: seal a Rahasia / Sangat Rahasia letter to an unverified peer; the reason is
        /// audited and raises an alarm.
        #[arg(long)]
        darurat: Option<String>,
        #[command(flatten)]
        fields: FieldArgs,
        /// Copy the sealed .kgm here too (a file path or a directory).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        json: bool,
        files: Vec<PathBuf>,
    },
    /// Open received .kgm files: new entries in the kriptogram-masuk book.
    Open {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Check format, sender and signature without decrypting.
    Verify {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Break-glass: write the inner age part (open it with `age -d -i identity.txt`).
    ExtractAge { file: PathBuf, out: PathBuf },
    /// Copy a sealed .kgm from the node's outbox (name as printed by `seal`), written 0600.
    Copy {
        name: String,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Args, Debug, Default)]
pub struct FieldArgs {
    #[arg(long, default_value = "")]
    pub perihal: String,
    #[arg(long)]
    pub klasifikasi: Option<String>,
    #[arg(long, default_value = "")]
    pub nomor_surat: String,
    /// Tanggal surat, YYYY-MM-DD.
    #[arg(long)]
    pub tanggal_surat: Option<String>,
    #[arg(long, default_value = "")]
    pub asal: String,
    #[arg(long, default_value = "")]
    pub tujuan: String,
    #[arg(long, default_value = "")]
    pub saluran: String,
    #[arg(long)]
    pub derajat: Option<String>,
    #[arg(long, default_value = "")]
    pub lampiran: String,
    #[arg(long, default_value = "")]
    pub isi_ringkas: String,
    /// Take unset fields from the entry's header suggestions.
    #[arg(long)]
    pub accept_suggestions: bool,
}

#[derive(Subcommand, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum AgendaAction {
    /// Entries, newest first. Any filter option searches every entry of the books through the
    /// node's indexes and returns one page; `--before` the `next` of the previous page continues.
    List {
        #[arg(long)]
        book: Option<String>,
        #[arg(long)]
        status: Option<String>,
        /// Klasifikasi: B, T, R, SR or the name.
        #[arg(long)]
        klasifikasi: Option<String>,
        /// First received day (YYYY-MM-DD, node's zone), inclusive.
        #[arg(long)]
        dari: Option<String>,
        /// Last received day (YYYY-MM-DD, node's zone), inclusive.
        #[arg(long)]
        sampai: Option<String>,
        /// Nomor agenda, optionally with its year: 17 or 17/2026.
        #[arg(long)]
        nomor: Option<String>,
        /// Text in the nomor surat.
        #[arg(long)]
        surat: Option<String>,
        /// A word in the perihal (repeatable).
        #[arg(long)]
        perihal: Vec<String>,
        /// A word in the asal (repeatable).
        #[arg(long)]
        asal: Vec<String>,
        /// Words anywhere in the register fields, or the console's `/` syntax
        /// (`status:baru k:R dari:2026-11-01 rapat`).
        #[arg(long)]
        cari: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Continue after this cursor (`next` of the previous page: `MICROS:ID`).
        #[arg(long)]
        before: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// One entry with its timeline and extracted text.
    Show {
        id: u64,
        #[arg(long)]
        json: bool,
    },
    /// Register a `baru` scan (triage): allocates the nomor agenda.
    Register {
        id: u64,
        #[command(flatten)]
        fields: FieldArgs,
        #[arg(long)]
        json: bool,
    },
    /// Void an entry with a reason (the nomor stays used).
    Void {
        id: u64,
        #[arg(long)]
        reason: String,
    },
    /// Add a note to the timeline.
    Note { id: u64, text: String },
    /// Mark a scan as a duplicate of another entry.
    Duplicate {
        id: u64,
        #[arg(long)]
        of: u64,
    },
    /// Close a registered entry (selesai or diarsipkan).
    /// Close an entry: `selesai` (a registered incoming item), or `--arsip` / `--to diarsipkan` (a sent
    /// outgoing item or a registered incoming one, into its SOP 001 set).
    Close {
        id: u64,
        #[arg(long, default_value = "selesai")]
        to: String,
        /// Archive (same as `--to diarsipkan`).
        #[arg(long)]
        arsip: bool,
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long)]
        json: bool,
    },
    /// Attach files to an existing entry (any book): the letter itself, a later page, or the proof of
    /// sending (`--kind jurnal-faks|resi`). The files are handed to the node as open descriptors.
    Attach {
        id: u64,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// What the files are to the entry: surat, jurnal-faks, resi or lain.
        #[arg(long, default_value = "surat")]
        kind: String,
        #[arg(long)]
        json: bool,
    },
    /// Write an attachment to a path (or stdout with `-`).
    Export {
        id: u64,
        #[arg(long, default_value_t = 0)]
        index: usize,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditAction {
    /// Recompute the chain; exit 0 when it verifies, else name the first bad seq.
    Verify {
        #[arg(long)]
        json: bool,
    },
    /// The last N records.
    Tail {
        #[arg(short, default_value_t = 20)]
        n: usize,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum OperatorAction {
    Add {
        #[arg(long)]
        uid: u32,
        #[arg(long, default_value = "")]
        username: String,
        #[arg(long)]
        nama: String,
        #[arg(long, default_value = "")]
        nip: String,
        #[arg(long, default_value = "")]
        jabatan: String,
        /// kadis, kabid, kasi, sandiman or admin.
        #[arg(long)]
        role: String,
        /// tanpa, tingkat_i, tingkat_ii or tingkat_iii ("Ahli Sandi Tingkat II" is accepted too).
        #[arg(long)]
        kualifikasi: Option<String>,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    /// Disable an operator: every request of theirs is refused at once, open connections included.
    Disable { uid: u32 },
    /// Enable a disabled operator again.
    Enable { uid: u32 },
    /// Change an operator's name, NIP, jabatan, role or qualification.
    Edit {
        uid: u32,
        #[arg(long)]
        nama: Option<String>,
        #[arg(long)]
        nip: Option<String>,
        #[arg(long)]
        jabatan: Option<String>,
        /// kadis, kabid, kasi, sandiman or admin.
        #[arg(long)]
        role: Option<String>,
        /// tanpa, tingkat_i, tingkat_ii or tingkat_iii.
        #[arg(long)]
        kualifikasi: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AlarmAction {
    List {
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    Ack {
        id: u64,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConfigAction {
    /// Validate node.toml, config.toml, keymaps and themes; name the bad file and line.
    Check,
}

/// A page cursor `MICROS:ID` (the `next` of `agenda list --json`).
fn parse_cursor(s: &str) -> Result<(i64, u64), Fail> {
    s.split_once(':')
        .and_then(|(t, id)| Some((t.parse().ok()?, id.parse().ok()?)))
        .ok_or_else(|| {
            Fail(
                format!("--before {s}: a cursor is MICROS:ID, as printed in `next` by `kasa agenda list --json`"),
                2,
            )
        })
}

/// A CLI failure: message for stderr and exit status.
pub struct Fail(pub String, pub i32);

impl From<ClientError> for Fail {
    fn from(e: ClientError) -> Fail {
        let code = match &e {
            ClientError::NoNode(_) => 3,
            ClientError::Refused { code, .. } if *code == crate::proto::ErrorCode::Forbidden => 4,
            _ => 1,
        };
        Fail(e.to_string(), code)
    }
}

fn fail<T>(m: impl Into<String>) -> Result<T, Fail> {
    Err(Fail(m.into(), 1))
}

/// Entry point of the binary; returns the process exit status.
pub fn main() -> i32 {
    quiet_on_closed_stdout();
    let cli = Cli::parse();
    if !matches!(
        cli.cmd,
        Some(
            Cmd::Extract { .. } | Cmd::ExtractWorker { .. } | Cmd::Ocr { .. } | Cmd::Halaman { .. }
        ) | None
    ) {
        use std::io::IsTerminal;
        // Colour only on a terminal: a log file (`kasa.log`, journald) gets plain text.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_env("KASA_LOG")
                    .unwrap_or_else(|_| "info".into()),
            )
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(std::io::stderr)
            .try_init();
    }
    match run(cli) {
        Ok(()) => 0,
        Err(Fail(m, code)) => {
            if !m.is_empty() {
                err_out!("kasa: {m}");
            }
            code
        }
    }
}

/// `kasa audit tail | head -1`: when the reader of stdout goes away, `println!` fails with EPIPE (SIGPIPE
/// is ignored by the Rust runtime, so the node and clients see write errors instead of dying). The CLI
/// then stops quietly with status 141 (128 + SIGPIPE, what a shell pipeline expects) instead of a panic
/// message. Any other panic keeps the default report.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.starts_with("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

fn print_json<T: serde::Serialize>(v: &T) {
    // Exact values: JSON escapes control characters itself; nothing is rewritten.
    println!(
        "{}",
        serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into())
    );
}

/// The admin uid root acts as (`--as`), set once by [`run`].
static ACT_AS: std::sync::OnceLock<u32> = std::sync::OnceLock::new();

fn connect(paths: &Paths) -> Result<Client, Fail> {
    let socket = crate::config::client_socket(paths);
    let mut c = Client::connect(&socket)?;
    if let Some(uid) = ACT_AS.get() {
        c.call(Request::Hello {
            client: "kasa-cli".into(),
            as_uid: Some(*uid),
        })?;
    }
    Ok(c)
}

/// The node's zone, from its status: times shown to people are in it, and civil times typed on the
/// command line mean it. UTC only when the node does not say (times then read `… UTC`, never passing
/// for local time).
pub(crate) fn node_zone(c: &mut Client) -> jiff::tz::TimeZone {
    match c.call(Request::Status) {
        Ok(Reply::Status(s)) => jiff::tz::TimeZone::get(&s.zone).unwrap_or(jiff::tz::TimeZone::UTC),
        _ => jiff::tz::TimeZone::UTC,
    }
}

/// A time shown to people in text output: `2026-11-20 15:30:15 WITA` in `tz`.
pub(crate) fn shown(t: jiff::Timestamp, tz: &jiff::tz::TimeZone) -> String {
    crate::domain::waktu::dalam(t, tz, "%Y-%m-%d %H:%M:%S %Z")
}

/// Formats times shown to people in the node's zone ([`node_zone`], [`shown`]).
fn node_time(c: &mut Client) -> impl Fn(jiff::Timestamp) -> String {
    let tz = node_zone(c);
    move |t| shown(t, &tz)
}

/// `kasa agenda show ID` as text: the register fields, attachments, timeline and extracted text,
/// every time in the node's zone `tz` (`--json` keeps the exact record).
pub fn entry_text(e: &crate::domain::Entry, text: Option<&str>, tz: &jiff::tz::TimeZone) -> String {
    use std::fmt::Write as _;
    let t = |x: Option<jiff::Timestamp>| x.map_or("-".to_string(), |x| shown(x, tz));
    let or_dash = |s: &str| {
        if s.is_empty() {
            "-".to_string()
        } else {
            s.to_string()
        }
    };
    let mut o = String::new();
    let nomor = e.nomor_agenda.map_or(String::new(), |n| {
        format!(" · nomor agenda {n}/{}", e.tahun.unwrap_or(0))
    });
    let _ = writeln!(
        o,
        "entri {} · {} · {}{nomor}",
        e.id,
        e.book.as_str(),
        e.status.as_str()
    );
    let rows: [(&str, String); 16] = [
        ("diterima", t(Some(e.received_at))),
        ("didaftarkan", t(e.registered_at)),
        ("terkirim", t(e.sent_at)),
        ("asal", or_dash(&e.asal)),
        ("tujuan", or_dash(&e.tujuan)),
        ("nomor surat", or_dash(&e.nomor_surat)),
        (
            "tanggal surat",
            e.tanggal_surat.map_or("-".into(), |d| d.to_string()),
        ),
        ("perihal", or_dash(&e.perihal)),
        ("isi ringkas", or_dash(&e.isi_ringkas)),
        (
            "klasifikasi",
            e.klasifikasi.map_or("-".into(), |k| k.as_str().to_string()),
        ),
        ("derajat", e.derajat.clone().unwrap_or_else(|| "-".into())),
        ("batas waktu", t(e.batas_waktu)),
        ("lampiran", or_dash(&e.lampiran)),
        ("saluran", or_dash(&e.saluran)),
        (
            "duplikat dari",
            e.duplicate_of.map_or("-".into(), |d| format!("entri {d}")),
        ),
        (
            "alasan batal",
            e.void_reason.clone().unwrap_or_else(|| "-".into()),
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(o, "  {k:<14} {v}");
    }
    let _ = writeln!(o, "berkas:");
    for (i, a) in e.attachments.iter().enumerate() {
        let _ = writeln!(o, "  {i}: {} · sha256 {}", a.summary(), a.sha256);
    }
    let _ = writeln!(o, "riwayat:");
    for ev in &e.timeline {
        let _ = writeln!(
            o,
            "  {} {} {} {}",
            shown(ev.at, tz),
            ev.by,
            ev.kind,
            ev.detail
        );
    }
    if e.sealed.is_some() {
        let _ = writeln!(
            o,
            "teks hasil ekstraksi dan saran: tersegel untuk kunci node, dan node terkunci; buka dengan `kasa node unlock` lalu ulangi"
        );
    }
    if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
        let _ = writeln!(o, "teks hasil ekstraksi:");
        for l in text.lines() {
            let _ = writeln!(o, "  {l}");
        }
    }
    o
}

fn current_username(uid: u32) -> String {
    crate::config::unix_username(uid)
}

fn fields_from(a: &FieldArgs) -> Result<RegisterFields, Fail> {
    let klasifikasi = a
        .klasifikasi
        .as_deref()
        .map(Klasifikasi::parse)
        .transpose()
        .map_err(|e| Fail(e, 2))?;
    let tanggal_surat = a
        .tanggal_surat
        .as_deref()
        .map(|s| {
            s.parse::<jiff::civil::Date>()
                .map_err(|e| Fail(format!("--tanggal-surat '{s}': {e}; use YYYY-MM-DD"), 2))
        })
        .transpose()?;
    Ok(RegisterFields {
        saluran: a.saluran.clone(),
        asal: a.asal.clone(),
        tujuan: a.tujuan.clone(),
        nomor_surat: a.nomor_surat.clone(),
        tanggal_surat,
        perihal: a.perihal.clone(),
        isi_ringkas: a.isi_ringkas.clone(),
        klasifikasi,
        derajat: a.derajat.clone(),
        lampiran: a.lampiran.clone(),
        kriptogram: false,
    })
}

fn entry_reply(r: Reply, json: bool) {
    if let Reply::Entry { entry, .. } = r {
        if json {
            print_json(&entry);
        } else {
            out!(
                "entri {} · {} · {} · nomor agenda {}",
                entry.id,
                entry.book.as_str(),
                entry.status.as_str(),
                entry
                    .nomor_agenda
                    .map_or("-".into(), |n| format!("{n}/{}", entry.tahun.unwrap_or(0)))
            );
        }
    }
}

fn run(cli: Cli) -> Result<(), Fail> {
    let paths = Paths::resolve(cli.data_dir.clone(), cli.config_dir.clone());
    if let Some(uid) = cli.as_uid {
        let _ = ACT_AS.set(uid);
    }
    let Some(cmd) = cli.cmd else {
        return crate::console::run(&paths).map_err(|e| Fail(e, 1));
    };
    match cmd {
        Cmd::Extract { file } => std::process::exit(crate::ingest::extract::child_main(&file)),
        Cmd::ExtractWorker { cpu_secs } => {
            std::process::exit(crate::ingest::worker::worker_main(cpu_secs))
        }
        Cmd::Ocr { file, max_pages } => {
            std::process::exit(crate::ingest::ocr::child_main(&file, max_pages))
        }
        Cmd::Halaman {
            file,
            halaman,
            lebar,
            tinggi,
        } => std::process::exit(crate::ingest::halaman::child_main(
            &file, halaman, lebar, tinggi,
        )),
        Cmd::RawRequest => {
            use std::io::BufRead;
            let mut c = connect(&paths)?;
            for line in std::io::stdin().lock().lines() {
                let line = line.map_err(|e| Fail(e.to_string(), 1))?;
                if line.trim().is_empty() {
                    continue;
                }
                let req: Request = serde_json::from_str(&line)
                    .map_err(|e| Fail(format!("not a request: {e}: {line}"), 2))?;
                let out = match c.call(req) {
                    Ok(r) => serde_json::json!({ "ok": r }),
                    Err(ClientError::Refused { code, message }) => {
                        serde_json::json!({ "error": { "code": code, "message": message } })
                    }
                    Err(e) => return Err(e.into()),
                };
                println!("{out}");
            }
            Ok(())
        }
        Cmd::Node {
            action: Some(NodeAction::Unlock { passphrase_file }),
            ..
        } => {
            let pass = match passphrase_file {
                Some(f) => {
                    crate::crypto::read_passphrase_file(&f).map_err(|e| Fail(e.to_string(), 2))?
                }
                None => crate::node::kriptogram::read_passphrase_tty(
                    "Frasa sandi keystore node / node keystore passphrase: ",
                )
                .map_err(|e| Fail(e.to_string(), 2))?,
            };
            let text = String::from_utf8(pass.to_vec())
                .map_err(|_| Fail("the passphrase is not UTF-8 text".into(), 2))?;
            let text = zeroize::Zeroizing::new(text);
            let mut c = connect(&paths)?;
            c.call(Request::Unlock {
                passphrase: text.to_string(),
            })?;
            out!("node terbuka / node unlocked");
            Ok(())
        }
        Cmd::Node {
            action: Some(NodeAction::Stop),
            ..
        } => {
            let mut c = connect(&paths)?;
            c.call(Request::NodeStop)?;
            let socket = crate::config::client_socket(&paths);
            for _ in 0..200 {
                if !crate::node::is_running(&socket) {
                    out!("node stopped");
                    return Ok(());
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            fail("asked the node to stop, but it still answers after 10 s")
        }
        Cmd::Node {
            foreground: true,
            passphrase_file,
            ..
        } => {
            let pass = passphrase_file
                .as_deref()
                .map(crate::crypto::read_passphrase_file)
                .transpose()
                .map_err(|e| Fail(e.to_string(), 2))?;
            crate::node::run_foreground_with(&paths, pass.as_deref().map(|p| p.as_slice())).map_err(
                |e| {
                    let code = if matches!(e, crate::node::StartError::AlreadyRunning(_)) {
                        1
                    } else {
                        2
                    };
                    Fail(e.to_string(), code)
                },
            )
        }
        Cmd::Node {
            passphrase_file, ..
        } => {
            if let Some(f) = &passphrase_file {
                crate::crypto::read_passphrase_file(f).map_err(|e| Fail(e.to_string(), 2))?;
            }
            if let Some(pid) = crate::node::lock::read_pid(&paths.pid_file())
                && crate::node::is_running(&crate::config::client_socket(&paths))
            {
                return Err(Fail(format!("another node is running (pid {pid})"), 1));
            }
            crate::node::spawn_background_with(
                &paths,
                std::time::Duration::from_secs(20),
                passphrase_file.as_deref(),
            )
            .map_err(|e| Fail(e, 1))?;
            out!(
                "node started; socket {}",
                crate::config::client_socket(&paths).display()
            );
            Ok(())
        }
        Cmd::Init(a) => {
            // SAFETY: getuid cannot fail.
            let uid = unsafe { libc::getuid() };
            let username = current_username(uid);
            let admin = Operator {
                uid,
                username: username.clone(),
                nama: a.nama.clone().unwrap_or(username),
                nip: a.nip.clone(),
                jabatan: a.jabatan.clone(),
                role: Role::Admin,
                kualifikasi: crate::domain::Kualifikasi::parse(&a.kualifikasi)
                    .map_err(|e| Fail(e, 2))?,
                disabled: false,
            };
            let mut cfg = NodeConfig {
                zone: a.zone.clone(),
                ..NodeConfig::default()
            };
            if let Some(s) = &a.socket {
                cfg.socket = s.clone();
            }
            if let Some(g) = &a.socket_group {
                cfg.socket_group = g.clone();
            }
            if let Some(d) = &a.drop_dir {
                cfg.drop_dir = d.clone();
            }
            if let Some(d) = &a.drop_keluar_dir {
                cfg.drop_keluar_dir = d.clone();
            }
            cfg.check().map_err(|e| Fail(e, 2))?;
            // The passphrase first, so that a refused one leaves nothing half-made.
            let pass = init_passphrase(a.passphrase_file.as_deref())?;
            if crate::node::kriptogram::keystore_path(&paths).exists() {
                return fail(format!(
                    "{} already exists; nothing was overwritten",
                    crate::node::kriptogram::keystore_path(&paths).display()
                ));
            }
            crate::node::init(&paths, &a.node_id, &a.name, &admin, &cfg).map_err(|e| Fail(e, 1))?;
            let card = match &pass {
                Some(pass) => Some(make_identity(
                    &paths,
                    &a.node_id,
                    &a.name,
                    pass,
                    a.insecure_fast_kdf,
                    &admin,
                )?),
                None => {
                    err_out!(
                        "kasa: PERHATIAN: identitas node (kunci kriptogram) BELUM dibuat: tidak ada terminal dan tidak ada --passphrase-file. Buat nanti dengan `kasa identity create` / node identity NOT created (no terminal, no --passphrase-file): run `kasa identity create` later"
                    );
                    None
                }
            };
            out!(
                "kasa siap: node {} ({}) di {}",
                a.node_id,
                a.name,
                paths.data_dir.display()
            );
            out!(
                "folder drop (arahkan pemindai ke sini): {}",
                cfg.drop_path(&paths).display()
            );
            if let Some(card) = card {
                out!(
                    "kartu node (berikan ke node mitra): {}  sidik jari ed25519 {}",
                    crate::node::kriptogram::card_path(&paths).display(),
                    card.signing_fingerprint()
                );
            }
            Ok(())
        }
        Cmd::Status { json } => {
            let mut c = connect(&paths)?;
            let Reply::Status(s) = c.call(Request::Status)? else {
                return fail("unexpected reply");
            };
            if json {
                print_json(&s);
            } else {
                out!("node {} ({}) pid {}", s.node_id, s.node_name, s.pid);
                out!("data   {}", s.data_dir);
                out!("drop   {}", s.drop_dir);
                out!("socket {}", s.socket);
                out!("zona   {}", s.zone);
                if let Some(fp) = &s.identity_fingerprint {
                    out!("kunci  ed25519 {fp}");
                }
                out!("entri  {} · alarm terbuka {}", s.entries, s.alarms_open);
                out!(
                    "ingest menunggu {} · diproses {} · gagal {} · diambil {}",
                    s.ingest.waiting,
                    s.ingest.processing,
                    s.ingest.failed,
                    s.ingest.taken
                );
                match &s.ocr {
                    Some(Ok(v)) => out!("ocr    {v} · menunggu {}", s.ocr_menunggu),
                    Some(Err(note)) => out!("ocr    TIDAK TERSEDIA: {note}"),
                    None => {}
                }
                for (b, st, n) in &s.counts.rows {
                    out!("  {:<18} {:<12} {n}", b.as_str(), st.as_str());
                }
            }
            Ok(())
        }
        Cmd::Ingest { files, json } => {
            let mut c = connect(&paths)?;
            let mut results = Vec::new();
            let mut failed = 0;
            for f in files {
                let name = f
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                // The open file goes to the node as a descriptor: no copy through JSON, no frame
                // cap (issue 19); the node reads it with the rights this operator has.
                let file = match crate::client::open_regular(&f) {
                    Ok(h) => h,
                    Err(e) => {
                        err_out!("kasa: {e}");
                        results.push(serde_json::json!({"file": f, "error": e.to_string()}));
                        failed += 1;
                        continue;
                    }
                };
                match c.call_with_fds(
                    Request::Ingest {
                        name: name.clone(),
                        data_b64: String::new(),
                        fd: true,
                    },
                    &[std::os::fd::AsFd::as_fd(&file)],
                ) {
                    Ok(Reply::Ingested { outcome }) => {
                        if !json {
                            out!(
                                "{}: {}",
                                f.display(),
                                serde_json::to_string(&outcome).unwrap_or_default()
                            );
                        }
                        results.push(serde_json::json!({"file": f, "outcome": outcome}));
                    }
                    Ok(_) => failed += 1,
                    Err(e) => {
                        err_out!("kasa: {e}");
                        results.push(serde_json::json!({"file": f, "error": e.to_string()}));
                        failed += 1;
                    }
                }
            }
            if json {
                print_json(&serde_json::json!({ "results": results }));
            }
            if failed > 0 {
                Err(Fail(String::new(), 1))
            } else {
                Ok(())
            }
        }
        Cmd::Agenda { action } => agenda(&paths, action),
        Cmd::Keluar { action } => keluar::run(&paths, action),
        Cmd::Audit { action } => {
            let mut c = connect(&paths)?;
            match action {
                AuditAction::Verify { json } => {
                    let Reply::Audit(r) = c.call(Request::AuditVerify)? else {
                        return fail("unexpected reply");
                    };
                    if json {
                        print_json(&r);
                    } else if r.ok {
                        out!(
                            "audit chain OK: {} records, head seq {} hash {}; {}",
                            r.records,
                            r.head_seq,
                            r.head_hash,
                            r.signed_seq.map_or(
                                "no signed checkpoint (node without identity)".to_string(),
                                |s| format!("signed by the node key up to seq {s}")
                            )
                        );
                    }
                    if r.ok {
                        Ok(())
                    } else {
                        Err(Fail(
                            format!(
                                "audit chain BROKEN at seq {}: {}",
                                r.first_bad_seq.unwrap_or(0),
                                r.problem.unwrap_or_default()
                            ),
                            1,
                        ))
                    }
                }
                AuditAction::Tail { n, json } => {
                    let Reply::AuditRecords { records } = c.call(Request::AuditTail { n })? else {
                        return fail("unexpected reply");
                    };
                    if json {
                        print_json(&records);
                    } else {
                        let at = node_time(&mut c);
                        for r in records {
                            out!(
                                "{:>6} {} {:<16} {:<22} {:<14} {}",
                                r.seq,
                                at(r.at),
                                r.actor,
                                r.action,
                                r.object,
                                r.detail
                            );
                        }
                    }
                    Ok(())
                }
            }
        }
        Cmd::Operator { action } => {
            let mut c = connect(&paths)?;
            match action {
                OperatorAction::Add {
                    uid,
                    username,
                    nama,
                    nip,
                    jabatan,
                    role,
                    kualifikasi,
                } => {
                    let role = Role::parse(&role).map_err(|e| Fail(e, 2))?;
                    let kualifikasi = kualifikasi
                        .as_deref()
                        .map(crate::domain::Kualifikasi::parse)
                        .transpose()
                        .map_err(|e| Fail(e, 2))?
                        .unwrap_or_default();
                    let username = if username.is_empty() {
                        current_username(uid)
                    } else {
                        username
                    };
                    c.call(Request::OperatorAdd {
                        operator: Operator {
                            uid,
                            username,
                            nama,
                            nip,
                            jabatan,
                            role,
                            kualifikasi,
                            disabled: false,
                        },
                    })?;
                    out!("operator uid {uid} ditambahkan");
                }
                OperatorAction::List { json } => {
                    let Reply::Operators { operators } = c.call(Request::OperatorList)? else {
                        return fail("unexpected reply");
                    };
                    if json {
                        print_json(&serde_json::json!({ "operators": operators }));
                    } else {
                        for o in operators {
                            out!(
                                "{:>6} {:<12} {:<28} {:<9} {:<11} {}{}",
                                o.uid,
                                o.username,
                                o.nama,
                                o.role.as_str(),
                                o.kualifikasi.as_str(),
                                o.jabatan,
                                if o.disabled { " (nonaktif)" } else { "" }
                            );
                        }
                    }
                }
                OperatorAction::Disable { uid } => {
                    c.call(Request::OperatorDisable { uid })?;
                    out!("operator uid {uid} dinonaktifkan");
                }
                OperatorAction::Enable { uid } => {
                    c.call(Request::OperatorEnable { uid })?;
                    out!("operator uid {uid} diaktifkan kembali");
                }
                OperatorAction::Edit {
                    uid,
                    nama,
                    nip,
                    jabatan,
                    role,
                    kualifikasi,
                } => {
                    let edit = crate::proto::OperatorEdit {
                        nama,
                        nip,
                        jabatan,
                        role: role
                            .as_deref()
                            .map(Role::parse)
                            .transpose()
                            .map_err(|e| Fail(e, 2))?,
                        kualifikasi: kualifikasi
                            .as_deref()
                            .map(crate::domain::Kualifikasi::parse)
                            .transpose()
                            .map_err(|e| Fail(e, 2))?,
                    };
                    if edit == crate::proto::OperatorEdit::default() {
                        return Err(Fail(
                            "nothing to change: give --nama, --nip, --jabatan, --role or --kualifikasi"
                                .into(),
                            2,
                        ));
                    }
                    c.call(Request::OperatorEdit { uid, edit })?;
                    out!("operator uid {uid} diubah");
                }
            }
            Ok(())
        }
        Cmd::Alarm { action } => {
            let mut c = connect(&paths)?;
            match action {
                AlarmAction::List { all, json } => {
                    let Reply::Alarms { alarms } = c.call(Request::Alarms { all })? else {
                        return fail("unexpected reply");
                    };
                    if json {
                        print_json(&serde_json::json!({ "alarms": alarms }));
                    } else {
                        let at = node_time(&mut c);
                        for a in alarms {
                            out!(
                                "{:>4} {} {:<16} {}{}",
                                a.id,
                                at(a.at),
                                a.kind,
                                a.message,
                                a.acked_by
                                    .map_or(String::new(), |b| format!(" (diakui {b})"))
                            );
                        }
                    }
                }
                AlarmAction::Ack { id } => {
                    c.call(Request::AlarmAck { id })?;
                }
            }
            Ok(())
        }
        Cmd::Config {
            action: ConfigAction::Check,
        } => config_check(&paths),
        Cmd::Identity { action } => identity_cmd(&paths, action),
        Cmd::Peer { action } => peer_cmd(&paths, action),
        Cmd::Kriptogram { action } => kriptogram_cmd(&paths, action),
        Cmd::Palsan { action } => palsan::run(&paths, action),
        Cmd::Disposisi { action } => disposisi::run(&paths, action),
        Cmd::Masuk { action } => masuk::run(&paths, action),
        Cmd::Siapel { action } => masuk::run_siapel(&paths, action),
        Cmd::Incident { action } => insiden::run(&paths, action),
        Cmd::Backup { action } => backup::run(&paths, action),
        Cmd::Laporan { action } => laporan::run(&paths, action),
    }
}

fn agenda(paths: &Paths, action: AgendaAction) -> Result<(), Fail> {
    let mut c = connect(paths)?;
    match action {
        AgendaAction::List {
            book,
            status,
            klasifikasi,
            dari,
            sampai,
            nomor,
            surat,
            perihal,
            asal,
            cari,
            limit,
            before,
            json,
        } => {
            let book = book
                .as_deref()
                .map(Book::parse)
                .transpose()
                .map_err(|e| Fail(e, 2))?;
            let before = before.as_deref().map(parse_cursor).transpose()?;
            // `--cari` is the console's `/` text; every other option one condition of the same
            // filter (domain::saring), its value taken whole (`--klasifikasi "Sangat Rahasia"`).
            let mut saring = crate::domain::saring::Saring::parse(&cari.unwrap_or_default());
            if let Some(m) = saring.masalah.first() {
                return Err(Fail(format!("--cari: filter not understood: {m}"), 2));
            }
            let options = [
                ("status", status),
                ("k", klasifikasi),
                ("dari", dari),
                ("sampai", sampai),
                ("no", nomor),
                ("surat", surat),
            ]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .chain(perihal.into_iter().map(|v| ("perihal", v)))
            .chain(asal.into_iter().map(|v| ("asal", v)));
            for (key, v) in options {
                if let Err(crate::domain::saring::Tak::Nilai(why)) = saring.set(key, &v) {
                    let flag = if key == "k" {
                        "klasifikasi"
                    } else if key == "no" {
                        "nomor"
                    } else {
                        key
                    };
                    return Err(Fail(format!("--{flag} {v}: {why}"), 2));
                }
            }
            let reply = c.call(Request::AgendaList {
                book,
                books: Vec::new(),
                status: None,
                limit: Some(limit),
                before,
                saring: Some(saring),
            })?;
            let (entries, next, info) = match reply {
                Reply::Saring { page } => {
                    let info =
                        serde_json::json!({"diperiksa": page.diperiksa, "jalur": page.jalur});
                    (page.entries, page.next, Some(info))
                }
                Reply::Entries { entries } => {
                    let next = (entries.len() >= limit.clamp(1, 1000))
                        .then(|| entries.last().map(crate::store::Store::cursor_of))
                        .flatten();
                    (entries, next, None)
                }
                _ => return fail("unexpected reply"),
            };
            let next_s = next.map(|(t, id)| format!("{t}:{id}"));
            if json {
                let mut v = serde_json::json!({ "entries": entries, "next": next_s });
                if let Some(i) = info {
                    v["diperiksa"] = i["diperiksa"].clone();
                    v["jalur"] = i["jalur"].clone();
                }
                print_json(&v);
            } else {
                for e in entries {
                    out!(
                        "{:>5} {:<10} {:>8} {:<11} {:<3} {}",
                        e.id,
                        e.book.as_str(),
                        e.nomor_agenda.map_or("-".into(), |n| n.to_string()),
                        e.status.as_str(),
                        e.klasifikasi.map_or("", |k| k.code()),
                        if e.perihal.is_empty() {
                            e.attachments
                                .first()
                                .map_or(String::new(), |a| a.name.clone())
                        } else {
                            e.perihal.clone()
                        }
                    );
                }
                if let Some(n) = next_s {
                    out!("… more: --before {n}");
                }
            }
        }
        AgendaAction::Show { id, json } => {
            let Reply::Entry { entry, text } = c.call(Request::AgendaShow { id })? else {
                return fail("unexpected reply");
            };
            if json {
                let mut v = serde_json::to_value(&entry).unwrap_or_default();
                v["text"] = serde_json::json!(text);
                if entry.book == crate::domain::Book::KriptogramKeluar
                    && let Ok(Reply::Link(crate::proto::link::LinkReply::Receipts {
                        receipts,
                        pengiriman,
                    })) = c.call(Request::Link(crate::proto::link::LinkRequest::Receipts {
                        entry: entry.id,
                    }))
                {
                    v["receipts"] = serde_json::json!(receipts);
                    v["pengiriman"] = serde_json::json!(pengiriman);
                }
                print_json(&v);
            } else {
                let tz = node_zone(&mut c);
                print!(
                    "{}",
                    crate::domain::sanitize::clean_lines(&entry_text(&entry, text.as_deref(), &tz))
                );
            }
        }
        AgendaAction::Register { id, fields, json } => {
            let mut f = fields_from(&fields)?;
            if fields.accept_suggestions {
                let Reply::Entry { entry, .. } = c.call(Request::AgendaShow { id })? else {
                    return fail("unexpected reply");
                };
                if entry.sealed.is_some() {
                    return fail(
                        "the header suggestions of this entry are sealed to the node key and the node is locked: unlock it (`kasa node unlock`) and run this again, or register without --accept-suggestions / saran kepala naskah tersegel dan node terkunci: buka dengan `kasa node unlock`",
                    );
                }
                if let Some(s) = &entry.suggestions {
                    f.apply_suggestions(s);
                }
            }
            entry_reply(c.call(Request::Register { id, fields: f })?, json);
        }
        AgendaAction::Void { id, reason } => {
            entry_reply(c.call(Request::Void { id, reason })?, false)
        }
        AgendaAction::Note { id, text } => entry_reply(c.call(Request::Note { id, text })?, false),
        AgendaAction::Duplicate { id, of } => {
            entry_reply(c.call(Request::MarkDuplicate { id, of })?, false)
        }
        AgendaAction::Close {
            id,
            to,
            arsip,
            note,
            json,
        } => {
            let to = if arsip {
                Status::Diarsipkan
            } else {
                Status::parse(&to).map_err(|e| Fail(e, 2))?
            };
            entry_reply(c.call(Request::Close { id, to, note })?, json)
        }
        AgendaAction::Attach {
            id,
            files,
            kind,
            json,
        } => {
            let jenis = crate::domain::JenisLampiran::parse(&kind).map_err(|e| Fail(e, 2))?;
            let entry = c.attach(id, jenis, &files)?;
            if json {
                print_json(&entry);
            } else {
                let n = files.len();
                out!(
                    "{n} berkas dilampirkan ke entri {id} ({}); lampiran sekarang {}:",
                    jenis.as_str(),
                    entry.attachments.len()
                );
                for a in &entry.attachments {
                    out!("  {} [{}]", a.summary(), a.jenis.as_str());
                }
            }
        }
        AgendaAction::Export { id, index, out } => {
            let Reply::Attachment { name, data_b64, .. } =
                c.call(Request::Attachment { id, index })?
            else {
                return fail("unexpected reply");
            };
            let data = base64::engine::general_purpose::STANDARD
                .decode(data_b64)
                .map_err(|e| Fail(e.to_string(), 1))?;
            if out.as_os_str() == "-" {
                use std::io::Write;
                private_stdout();
                std::io::stdout()
                    .write_all(&data)
                    .map_err(|e| Fail(e.to_string(), 1))?;
            } else {
                let target = if out.is_dir() { out.join(&name) } else { out };
                crate::crypto::fsutil::write_new_private(&target, &data)
                    .map_err(|e| Fail(format!("{}: {e}", target.display()), 1))?;
                err_out!("{} ditulis", target.display());
            }
        }
    }
    Ok(())
}

fn config_check(paths: &Paths) -> Result<(), Fail> {
    let mut problems = Vec::new();
    match NodeConfig::load(paths) {
        Ok(cfg) => {
            out!("ok  {}", paths.node_toml().display());
            match crate::node::disposisi::load_rules(paths, &cfg) {
                Ok(_) => {
                    let f = crate::node::disposisi::rules_path(paths);
                    if f.exists() {
                        out!("ok  {}", f.display());
                    } else {
                        out!(
                            "ok  aturan disposisi bawaan (salin data/disposisi.toml ke {} untuk mengubahnya)",
                            f.display()
                        );
                    }
                }
                Err(e) => problems.push(e.to_string()),
            }
            match crate::node::masuk::load_alur(paths) {
                Ok(_) => {
                    let f = crate::node::masuk::alur_path(paths);
                    if f.exists() {
                        out!("ok  {}", f.display());
                    } else {
                        out!(
                            "ok  alur penerimaan bawaan (salin data/alur.toml ke {} untuk mengubahnya)",
                            f.display()
                        );
                    }
                }
                Err(e) => problems.push(e.to_string()),
            }
        }
        Err(e) => problems.push(e.to_string()),
    }
    match crate::config::system_config() {
        Ok(Some(_)) => out!("ok  {}", crate::config::system_config_path().display()),
        Ok(None) => {}
        Err(e) => problems.push(e.to_string()),
    }
    problems.extend(crate::console::check_config(paths));
    // OCR is not needed to run, so a missing tesseract is a warning, not a failed check.
    match crate::ingest::ocr::tersedia() {
        Ok(v) => out!("ok  OCR: {v}"),
        Err(note) => out!("peringatan: {note}"),
    }
    if problems.is_empty() {
        out!("konfigurasi baik / configuration OK");
        Ok(())
    } else {
        for p in &problems {
            err_out!("{p}");
        }
        Err(Fail(
            format!("{} problem(s) in the configuration", problems.len()),
            1,
        ))
    }
}

// ------------------------------------------------------------------ identity, peers, kriptogram

/// The keystore passphrase for `kasa init`: from a 0600 file, or asked twice on the terminal; `None`
/// when there is neither (stdin is not a terminal: scripts, tests), so `init` never blocks.
fn init_passphrase(
    file: Option<&std::path::Path>,
) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>, Fail> {
    if let Some(f) = file {
        return crate::crypto::read_passphrase_file(f)
            .map(Some)
            .map_err(|e| Fail(e.to_string(), 2));
    }
    // SAFETY: isatty only inspects the descriptor.
    if unsafe { libc::isatty(0) } != 1 {
        return Ok(None);
    }
    ask_new_passphrase().map(Some)
}

/// Asks a new passphrase twice on the terminal.
fn ask_new_passphrase() -> Result<zeroize::Zeroizing<Vec<u8>>, Fail> {
    let tty = crate::node::kriptogram::read_passphrase_tty;
    let a = tty("Frasa sandi keystore node / node keystore passphrase: ")
        .map_err(|e| Fail(e.to_string(), 2))?;
    if a.is_empty() {
        return Err(Fail("an empty passphrase is refused".into(), 2));
    }
    let b = tty("Ulangi / repeat: ").map_err(|e| Fail(e.to_string(), 2))?;
    if a != b {
        return Err(Fail(
            "the two passphrases differ; nothing was created".into(),
            2,
        ));
    }
    Ok(a)
}

/// Creates the node identity (keystore + card) and audits `identity.create` in the database (the node
/// must not be running: the caller holds or checked that).
fn make_identity(
    paths: &Paths,
    node_id: &str,
    name: &str,
    pass: &[u8],
    fast: bool,
    admin: &Operator,
) -> Result<crate::crypto::NodeCard, Fail> {
    let params = if fast {
        crate::crypto::KdfParams::INSECURE_FOR_TESTS
    } else {
        crate::crypto::KdfParams::RECOMMENDED
    };
    let card = crate::node::kriptogram::create_identity(paths, node_id, name, pass, params)
        .map_err(|e| Fail(format!("node identity: {e}"), 1))?;
    let store = crate::store::Store::open(&paths.db()).map_err(|e| Fail(e.to_string(), 1))?;
    store
        .audit_event(
            &crate::store::Actor::operator(admin),
            "identity.create",
            &format!("node:{node_id}"),
            &format!(
                "ed25519 {} x25519 {}{}",
                card.signing_fingerprint(),
                card.key_id(),
                if fast { " (INSECURE test KDF)" } else { "" }
            ),
            crate::clock::now(),
        )
        .map_err(|e| Fail(e.to_string(), 1))?;
    Ok(card)
}

/// Opens the database directly (no node running); a node that just answered `node stop` may hold it
/// for a moment while it finishes, so `AlreadyOpen` is retried for up to 10 s.
fn open_store_after_stop(paths: &Paths) -> Result<crate::store::Store, Fail> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match crate::store::Store::open(&paths.db()) {
            Err(crate::store::StoreError::AlreadyOpen(_))
                if std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            r => return r.map_err(|e| Fail(e.to_string(), 1)),
        }
    }
}

fn card_json(c: &crate::crypto::NodeCard) -> serde_json::Value {
    serde_json::json!({
        "node_id": c.node_id,
        "name": c.name,
        "x25519": c.encryption.to_string(),
        "x25519_key_id": c.key_id(),
        "ed25519": hex::encode(c.signing.as_bytes()),
        "ed25519_fingerprint": c.signing_fingerprint(),
        "link": c.link.map(hex::encode),
        "mlkem768x25519": c.pq.as_ref().map(|r| r.to_string()),
    })
}

fn identity_cmd(paths: &Paths, action: IdentityAction) -> Result<(), Fail> {
    match action {
        IdentityAction::Create {
            passphrase_file,
            insecure_fast_kdf,
        } => {
            let ks = crate::node::kriptogram::keystore_path(paths);
            if ks.exists() {
                return fail(format!(
                    "{} already exists: this node has an identity; nothing was changed",
                    ks.display()
                ));
            }
            if crate::node::is_running(&crate::config::client_socket(paths)) {
                return fail("stop the node first (`kasa node stop`), then create the identity");
            }
            let pass = match passphrase_file {
                Some(f) => {
                    crate::crypto::read_passphrase_file(&f).map_err(|e| Fail(e.to_string(), 2))?
                }
                None => ask_new_passphrase()?,
            };
            let store =
                crate::store::Store::open(&paths.db()).map_err(|e| Fail(e.to_string(), 1))?;
            let node_id = store
                .meta("node_id")
                .map_err(|e| Fail(e.to_string(), 1))?
                .ok_or_else(|| Fail("not initialised: run `kasa init` first".into(), 1))?;
            let name = store
                .meta("node_name")
                .map_err(|e| Fail(e.to_string(), 1))?
                .unwrap_or_default();
            // SAFETY: getuid cannot fail.
            let uid = unsafe { libc::getuid() };
            let admin = match store.operator(uid).map_err(|e| Fail(e.to_string(), 1))? {
                Some(op) if op.role == Role::Admin && !op.disabled => op,
                _ => {
                    return fail(format!(
                        "uid {uid} is not an active admin of this node: creating the identity needs the admin role"
                    ));
                }
            };
            drop(store);
            let card = make_identity(paths, &node_id, &name, &pass, insecure_fast_kdf, &admin)?;
            out!(
                "identitas node dibuat: {}  sidik jari ed25519 {}",
                crate::node::kriptogram::card_path(paths).display(),
                card.signing_fingerprint()
            );
            Ok(())
        }
        IdentityAction::Card { json } => {
            let card = crate::node::kriptogram::read_card(paths).map_err(|e| Fail(e, 1))?;
            if json {
                print_json(&card_json(&card));
            } else {
                print!("{}", card.to_toml());
            }
            Ok(())
        }
        IdentityAction::ExportAge { passphrase_file } => {
            let pass = match passphrase_file {
                Some(f) => {
                    crate::crypto::read_passphrase_file(&f).map_err(|e| Fail(e.to_string(), 2))?
                }
                None => crate::node::kriptogram::read_passphrase_tty(
                    "Frasa sandi keystore node / node keystore passphrase: ",
                )
                .map_err(|e| Fail(e.to_string(), 2))?,
            };
            let ks = crate::node::kriptogram::keystore_path(paths);
            let keys =
                crate::crypto::Keystore::open(&ks, &pass).map_err(|e| Fail(e.to_string(), 1))?;
            // Audit first: no record, no export.
            let detail = format!(
                "(key id {})",
                crate::crypto::card::key_id(&keys.encryption.recipient())
            );
            let socket = crate::config::client_socket(paths);
            if crate::node::is_running(&socket) {
                let mut c = connect(paths)?;
                c.call(Request::IdentityExportAudit {
                    detail: detail.clone(),
                })?;
            } else {
                // SAFETY: getuid cannot fail.
                let uid = unsafe { libc::getuid() };
                let store = open_store_after_stop(paths)?;
                let actor = match store.operator(uid).map_err(|e| Fail(e.to_string(), 1))? {
                    Some(op) if op.role == Role::Admin && !op.disabled => {
                        crate::store::Actor::operator(&op)
                    }
                    _ => {
                        return fail(format!(
                            "uid {uid} is not an active admin of this node: exporting the identity needs the admin role"
                        ));
                    }
                };
                store
                    .audit_event(
                        &actor,
                        "identity.export",
                        &format!("node:{}", keys.node_id),
                        &format!("age identity exported by uid {uid} {detail} (node stopped)"),
                        crate::clock::now(),
                    )
                    .map_err(|e| Fail(e.to_string(), 1))?;
            }
            err_out!(
                "kasa: PERINGATAN: ini kunci rahasia node; simpan di media 0600 dan musnahkan setelah dipakai / this is the node's secret key"
            );
            // Redirected to a file (`> identity.txt`): make that file 0600 whatever the umask.
            private_stdout();
            println!("{}", keys.encryption.to_bech32().as_str());
            Ok(())
        }
    }
}

/// When stdout is a regular file this user owns (a shell redirection), makes it 0600: secret or
/// classified output never lands readable by others through the umask.
fn private_stdout() {
    // SAFETY: fstat/fchmod on fd 1 with a zeroed stat buffer; no memory is shared.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        if libc::fstat(1, &mut st) == 0
            && (st.st_mode & libc::S_IFMT) == libc::S_IFREG
            && st.st_uid == libc::geteuid()
        {
            let _ = libc::fchmod(1, 0o600);
        }
    }
}

fn print_peer(p: &crate::proto::PeerInfo) {
    out!(
        "{:<10} {:<40} {:<9} {:<16} {}",
        p.node_id,
        p.name,
        p.relation.as_str(),
        p.saluran,
        if p.verified {
            "terverifikasi"
        } else {
            "BELUM diverifikasi"
        }
    );
}

fn peer_cmd(paths: &Paths, action: PeerAction) -> Result<(), Fail> {
    let mut c = connect(paths)?;
    match action {
        PeerAction::Add {
            card,
            relation,
            saluran,
            replace,
            json,
        } => {
            let relation = crate::store::Relation::parse(&relation).map_err(|e| Fail(e, 2))?;
            let text = std::fs::read_to_string(&card)
                .map_err(|e| Fail(format!("{}: {e}", card.display()), 1))?;
            // Parsed here too, so a bad card is named before it travels.
            let parsed = crate::crypto::NodeCard::parse(&text)
                .map_err(|e| Fail(format!("{}: {e}", card.display()), 1))?;
            let Reply::Peers { peers } = c.call(Request::PeerAdd {
                card: text,
                relation,
                saluran,
                replace,
            })?
            else {
                return fail("unexpected reply");
            };
            if json {
                print_json(&peers.first());
            } else {
                out!(
                    "mitra {} ({}) ditambahkan, BELUM diverifikasi: bandingkan safety number dengan `kasa peer verify {}`",
                    parsed.node_id,
                    parsed.name,
                    parsed.node_id
                );
            }
        }
        PeerAction::List { json } => {
            let Reply::Peers { peers } = c.call(Request::PeerList)? else {
                return fail("unexpected reply");
            };
            if json {
                print_json(&serde_json::json!({ "peers": peers }));
            } else {
                for p in &peers {
                    print_peer(p);
                }
            }
        }
        PeerAction::Verify { id, confirm, json } => {
            let Reply::PeerVerify {
                peer,
                own_node_id,
                own_ed25519_fingerprint,
                own_x25519_key_id,
                safety_number,
            } = c.call(Request::PeerVerify {
                node_id: id,
                confirm,
            })?
            else {
                return fail("unexpected reply");
            };
            if json {
                print_json(&serde_json::json!({
                    "peer": peer,
                    "own_node_id": own_node_id,
                    "own_ed25519_fingerprint": own_ed25519_fingerprint,
                    "own_x25519_key_id": own_x25519_key_id,
                    "safety_number": safety_number,
                }));
            } else {
                out!("node ini  {own_node_id}  ed25519 {own_ed25519_fingerprint}");
                out!(
                    "mitra     {} ({})  ed25519 {}",
                    peer.node_id,
                    peer.name,
                    peer.ed25519_fingerprint
                );
                out!("safety number (bacakan / compare on both sides):");
                out!("  {safety_number}");
                if peer.verified {
                    out!("mitra {} terverifikasi", peer.node_id);
                } else {
                    out!(
                        "jika sama di kedua sisi: `kasa peer verify {} --confirm`",
                        peer.node_id
                    );
                }
            }
        }
        PeerAction::Set { id, address } => {
            let address = (!address.eq_ignore_ascii_case("none")).then_some(address);
            let Reply::Link(crate::proto::link::LinkReply::AddressSet { node_id, address }) = c
                .call(Request::Link(
                    crate::proto::link::LinkRequest::PeerSetAddress {
                        node_id: id,
                        address,
                    },
                ))?
            else {
                return fail("unexpected reply");
            };
            match address {
                Some(a) => out!("mitra {node_id}: alamat link {a}"),
                None => out!("mitra {node_id}: tanpa alamat (mitra yang menghubungi node ini)"),
            }
        }
        PeerAction::Status { json } => {
            let Reply::Link(crate::proto::link::LinkReply::PeerStatus { peers }) =
                c.call(Request::Link(crate::proto::link::LinkRequest::PeerStatus))?
            else {
                return fail("unexpected reply");
            };
            if json {
                print_json(&serde_json::json!({ "peers": peers }));
            } else {
                for p in &peers {
                    out!(
                        "{:<10} {:<9} antrean {:>3}  terakhir {}  {}",
                        p.node_id,
                        if p.connected { "terhubung" } else { "terputus" },
                        p.queued,
                        p.last_seen.map_or("-".to_string(), |t| t.to_string()),
                        p.last_error.as_deref().unwrap_or("")
                    );
                }
            }
        }
    }
    Ok(())
}

/// Opens a file to hand to the node as a descriptor (`proto::fdpass`): the node reads it with this
/// process's rights, at any size. Errors name the file: not found, no permission, not a regular file.
fn open_for_node(f: &std::path::Path) -> Result<std::fs::File, Fail> {
    let file = std::fs::File::open(f).map_err(|e| Fail(format!("{}: {e}", f.display()), 1))?;
    let md = file
        .metadata()
        .map_err(|e| Fail(format!("{}: {e}", f.display()), 1))?;
    if !md.is_file() {
        return Err(Fail(
            format!(
                "{}: not a regular file (a folder, device or pipe); give the file itself",
                f.display()
            ),
            1,
        ));
    }
    Ok(file)
}

/// Copies the outbox `.kgm` `name` to `target` (created new, 0600, with this operator's rights): the
/// new file is handed to the node as a descriptor and filled there, any size, no copy through the
/// socket. On failure the new file is removed.
fn copy_from_outbox(
    c: &mut crate::client::Client,
    name: &str,
    target: &std::path::Path,
) -> Result<(), Fail> {
    let dest = crate::crypto::fsutil::create_new_private(target).map_err(|e| {
        let m = if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!(
                "{} already exists: kasa never overwrites a file; choose another name or remove it",
                target.display()
            )
        } else {
            format!("{}: {e}", target.display())
        };
        Fail(m, 1)
    })?;
    let r = c.call_with_fds(
        Request::KriptogramCopy {
            name: name.to_string(),
            fd: true,
        },
        &[dest.as_fd()],
    );
    match r {
        Ok(Reply::Attachment { .. }) => Ok(()),
        Ok(_) => {
            let _ = std::fs::remove_file(target);
            fail("unexpected reply")
        }
        Err(e) => {
            let _ = std::fs::remove_file(target);
            Err(Fail(format!("{e}"), 1))
        }
    }
}

fn file_name_of(f: &std::path::Path) -> String {
    f.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn kriptogram_cmd(paths: &Paths, action: KriptogramAction) -> Result<(), Fail> {
    if let KriptogramAction::ExtractAge { file, out } = &action {
        let header = crate::crypto::kgm::inspect(file)
            .map_err(|e| Fail(format!("{}: {e}", file.display()), 1))?;
        let tmp_path = out.with_extension("age.kasa-tmp");
        let mut w = crate::crypto::fsutil::create_new_private(&tmp_path)
            .map_err(|e| Fail(format!("{}: {e}", tmp_path.display()), 1))?;
        let n = crate::crypto::kgm::extract_age(file, &mut w);
        let n = match n {
            Ok(n) => n,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp_path);
                return fail(format!("{}: {e}", file.display()));
            }
        };
        std::fs::hard_link(&tmp_path, out)
            .map_err(|e| Fail(format!("{}: {e}", out.display()), 1))?;
        let _ = std::fs::remove_file(&tmp_path);
        err_out!(
            "kasa: {} bytes age ditulis ke {} (pengirim {}, msg {}); TANPA verifikasi tanda tangan: jalankan `kasa kriptogram verify`",
            n,
            out.display(),
            header.sender.node_id,
            header.msg_id
        );
        return Ok(());
    }
    let mut c = connect(paths)?;
    match action {
        KriptogramAction::Seal {
            entry,
            to,
            yes_unverified,
            darurat,
            fields,
            out,
            json,
            files,
        } => {
            let f = if entry.is_none() {
                let mut f = fields_from(&fields)?;
                f.kriptogram = true;
                Some(Box::new(f))
            } else {
                None
            };
            let mut kfiles = Vec::new();
            let mut open = Vec::new();
            for p in &files {
                open.push(open_for_node(p)?);
                kfiles.push(crate::proto::KgmFile {
                    name: file_name_of(p),
                    fd: true,
                    ..Default::default()
                });
            }
            let fds: Vec<_> = open.iter().map(|f| f.as_fd()).collect();
            let r = c.call_with_fds(
                Request::KriptogramSeal {
                    darurat,
                    entry,
                    fields: f,
                    to,
                    yes_unverified,
                    files: kfiles,
                },
                &fds,
            )?;
            let Reply::KriptogramSealed {
                entry,
                path,
                msg_id,
                recipients,
                sha256,
                size,
            } = r
            else {
                return fail("unexpected reply");
            };
            let mut copied = None;
            if let Some(o) = out {
                let name = std::path::Path::new(&path)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let target = if o.is_dir() { o.join(&name) } else { o };
                // The outbox is the node's: the copy comes through the node and is written with this
                // operator's rights, 0600. The seal is already committed: a failed copy is reported
                // with how to get it again, never by sealing twice.
                if let Err(e) = copy_from_outbox(&mut c, &name, &target) {
                    return fail(format!(
                        "kriptogram disegel (entri {}, {path}) tetapi salinan --out gagal: {}; jangan segel ulang: ambil salinannya dengan `kasa kriptogram copy {name} --out FILE`",
                        entry.id, e.0
                    ));
                }
                copied = Some(target);
            }
            if json {
                print_json(&serde_json::json!({
                    "entry": entry,
                    "path": path,
                    "copy": copied,
                    "msg_id": msg_id,
                    "recipients": recipients,
                    "sha256": sha256,
                    "size": size,
                }));
            } else {
                out!(
                    "kriptogram disegel: entri {} nomor agenda {} · msg {msg_id} · untuk {}",
                    entry.id,
                    entry
                        .nomor_agenda
                        .map_or("-".into(), |n| format!("{n}/{}", entry.tahun.unwrap_or(0))),
                    recipients.join(", ")
                );
                out!("{path}");
                if let Some(t) = copied {
                    out!("{}", t.display());
                }
            }
            Ok(())
        }
        KriptogramAction::Open { files, json } => {
            let mut results = Vec::new();
            let mut failed = 0;
            for f in &files {
                let file = match open_for_node(f) {
                    Ok(d) => d,
                    Err(Fail(m, _)) => {
                        err_out!("kasa: {m}");
                        failed += 1;
                        continue;
                    }
                };
                match c.call_with_fds(
                    Request::KriptogramOpen {
                        name: file_name_of(f),
                        data_b64: String::new(),
                        fd: true,
                    },
                    &[file.as_fd()],
                ) {
                    Ok(Reply::KriptogramOpened {
                        outcome,
                        entry,
                        header,
                    }) => {
                        if !json {
                            out!(
                                "{}: {} · entri {} ({}) dari {} · {}",
                                f.display(),
                                if outcome == "duplicate" {
                                    "DUPLIKAT (sudah dibuka)"
                                } else {
                                    "dibuka"
                                },
                                entry.id,
                                entry.book.as_str(),
                                header.sender,
                                entry.perihal
                            );
                        }
                        results.push(serde_json::json!({
                            "file": f, "outcome": outcome, "entry": entry, "header": header
                        }));
                    }
                    Ok(_) => failed += 1,
                    Err(e) => {
                        err_out!("kasa: {}: {e}", f.display());
                        results.push(serde_json::json!({
                            "file": f, "error": e.to_string(), "code": e.code()
                        }));
                        failed += 1;
                    }
                }
            }
            if json {
                print_json(&serde_json::json!({ "results": results }));
            }
            if failed > 0 {
                Err(Fail(String::new(), 1))
            } else {
                Ok(())
            }
        }
        KriptogramAction::Copy { name, out } => {
            let target = if out.is_dir() { out.join(&name) } else { out };
            copy_from_outbox(&mut c, &name, &target)?;
            err_out!("{} ditulis", target.display());
            Ok(())
        }
        KriptogramAction::Verify { file, json } => {
            let opened = open_for_node(&file)?;
            let Reply::KriptogramVerified { header } = c.call_with_fds(
                Request::KriptogramVerify {
                    name: file_name_of(&file),
                    data_b64: String::new(),
                    fd: true,
                },
                &[opened.as_fd()],
            )?
            else {
                return fail("unexpected reply");
            };
            if json {
                print_json(&header);
            } else {
                out!(
                    "tanda tangan sah / signature OK: dari {} ({}{}), msg {}, dibuat {}",
                    header.sender,
                    header.sender_name.as_deref().unwrap_or("?"),
                    if header.sender_verified {
                        ", terverifikasi"
                    } else {
                        ", BELUM diverifikasi"
                    },
                    header.msg_id,
                    header.created_at
                );
                out!(
                    "untuk {} · klasifikasi {} · derajat {} · {}",
                    header.recipients.join(", "),
                    header.klasifikasi,
                    header.derajat,
                    if header.addressed_to_this_node {
                        "ditujukan ke node ini"
                    } else {
                        "TIDAK ditujukan ke node ini"
                    }
                );
                out!(
                    "buku replay: {}{}",
                    header.ledger,
                    header
                        .entry_id
                        .map_or(String::new(), |e| format!(" (entri {e})"))
                );
            }
            Ok(())
        }
        KriptogramAction::ExtractAge { .. } => Ok(()),
    }
}
