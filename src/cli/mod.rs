//! The `kasa` command line (DESIGN §6; field names of `--json` output are documented in `docs/cli.md`).
//!
//! Every subcommand but `init`, `node` and `config check` talks to the node over its socket. Errors go
//! to stderr with a non-zero exit status; `--json` prints exactly one JSON document on stdout.

pub mod insiden;

use std::io::Read;
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
    #[command(subcommand)]
    pub cmd: Option<Cmd>,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Run the node (in the background unless --foreground); `kasa node stop` stops it.
    Node {
        #[arg(long)]
        foreground: bool,
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
        action: KeluarAction,
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
    /// Validate configuration files.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// (internal) analyse one untrusted document in a limited child process.
    #[command(name = "__extract", hide = true)]
    Extract { file: PathBuf },
}

#[derive(Subcommand, Debug)]
pub enum NodeAction {
    /// Ask the running node to stop (admin).
    Stop,
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
    /// Passphrase file (0600) for the node keystore, for automation; otherwise asked on the TTY.
    #[arg(long)]
    pub passphrase_file: Option<PathBuf>,
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
    /// Entries, newest first.
    List {
        #[arg(long)]
        book: Option<String>,
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
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
    Close {
        id: u64,
        #[arg(long, default_value = "selesai")]
        to: String,
        #[arg(long, default_value = "")]
        note: String,
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
#[allow(clippy::large_enum_variant)]
pub enum KeluarAction {
    /// A new outgoing draft.
    New {
        #[command(flatten)]
        fields: FieldArgs,
        /// Put it in the kriptogram-keluar book.
        #[arg(long)]
        kriptogram: bool,
        #[arg(long)]
        json: bool,
    },
    /// draft → diagendakan (allocates the nomor agenda).
    Register {
        id: u64,
        #[arg(long)]
        json: bool,
    },
    /// diagendakan → terkirim.
    Send {
        id: u64,
        #[arg(long)]
        saluran: String,
        #[arg(long)]
        json: bool,
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
        /// e.g. "Ahli Sandi Tingkat I".
        #[arg(long)]
        kualifikasi: Option<String>,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    Disable {
        uid: u32,
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

/// A CLI failure: message for stderr and exit status.
pub struct Fail(pub String, pub i32);

impl From<ClientError> for Fail {
    fn from(e: ClientError) -> Fail {
        let code = match &e {
            ClientError::NoNode(_) => 3,
            ClientError::Refused { code, .. } if code == "forbidden" => 4,
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
    let cli = Cli::parse();
    if !matches!(cli.cmd, Some(Cmd::Extract { .. }) | None) {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_env("KASA_LOG")
                    .unwrap_or_else(|_| "info".into()),
            )
            .with_writer(std::io::stderr)
            .try_init();
    }
    match run(cli) {
        Ok(()) => 0,
        Err(Fail(m, code)) => {
            if !m.is_empty() {
                eprintln!("kasa: {m}");
            }
            code
        }
    }
}

fn print_json<T: serde::Serialize>(v: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into())
    );
}

fn connect(paths: &Paths) -> Result<Client, Fail> {
    let socket = crate::config::client_socket(paths);
    Ok(Client::connect(&socket)?)
}

fn current_username(uid: u32) -> String {
    // SAFETY: getpwuid returns static storage or null; we copy the name out immediately.
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

/// Fills empty fields from the header suggestions of an entry (what the console form pre-fills).
pub fn apply_suggestions(f: &mut RegisterFields, s: &crate::domain::naskah::HeaderSuggestions) {
    if f.nomor_surat.is_empty() {
        f.nomor_surat = s.nomor.clone().unwrap_or_default();
    }
    if f.perihal.is_empty() {
        f.perihal = s.hal.clone().unwrap_or_default();
    }
    if f.klasifikasi.is_none() {
        f.klasifikasi = s
            .klasifikasi
            .as_deref()
            .and_then(|k| Klasifikasi::parse(k).ok());
    }
    if f.lampiran.is_empty() {
        f.lampiran = s.lampiran.clone().unwrap_or_default();
    }
    if f.tujuan.is_empty() {
        f.tujuan = s.yth.clone().unwrap_or_default();
    }
    if f.tanggal_surat.is_none() {
        f.tanggal_surat = s.tanggal.as_deref().and_then(|d| d.parse().ok());
    }
}

fn entry_reply(r: Reply, json: bool) {
    if let Reply::Entry { entry, .. } = r {
        if json {
            print_json(&entry);
        } else {
            println!(
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
    let Some(cmd) = cli.cmd else {
        return crate::console::run(&paths).map_err(|e| Fail(e, 1));
    };
    match cmd {
        Cmd::Extract { file } => std::process::exit(crate::ingest::extract::child_main(&file)),
        Cmd::Node {
            action: Some(NodeAction::Stop),
            ..
        } => {
            let mut c = connect(&paths)?;
            c.call(Request::NodeStop)?;
            let socket = crate::config::client_socket(&paths);
            for _ in 0..200 {
                if !crate::node::is_running(&socket) {
                    println!("node stopped");
                    return Ok(());
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            fail("asked the node to stop, but it still answers after 10 s")
        }
        Cmd::Node {
            foreground: true, ..
        } => crate::node::run_foreground(&paths).map_err(|e| {
            let code = if matches!(e, crate::node::StartError::AlreadyRunning(_)) {
                1
            } else {
                2
            };
            Fail(e.to_string(), code)
        }),
        Cmd::Node { .. } => {
            if let Some(pid) = crate::node::lock::read_pid(&paths.pid_file())
                && crate::node::is_running(&crate::config::client_socket(&paths))
            {
                return Err(Fail(format!("another node is running (pid {pid})"), 1));
            }
            crate::node::spawn_background(&paths, std::time::Duration::from_secs(20))
                .map_err(|e| Fail(e, 1))?;
            println!(
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
                kualifikasi: None,
                disabled: false,
            };
            let cfg = NodeConfig {
                zone: a.zone.clone(),
                ..NodeConfig::default()
            };
            cfg.check().map_err(|e| Fail(e, 2))?;
            crate::node::init(&paths, &a.node_id, &a.name, &admin, &cfg).map_err(|e| Fail(e, 1))?;
            println!(
                "kasa siap: node {} ({}) di {}",
                a.node_id,
                a.name,
                paths.data_dir.display()
            );
            println!(
                "folder drop (arahkan pemindai ke sini): {}",
                cfg.drop_path(&paths).display()
            );
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
                println!("node {} ({}) pid {}", s.node_id, s.node_name, s.pid);
                println!("data   {}", s.data_dir);
                println!("drop   {}", s.drop_dir);
                println!("socket {}", s.socket);
                println!("zona   {}", s.zone);
                println!("entri  {} · alarm terbuka {}", s.entries, s.alarms_open);
                println!(
                    "ingest menunggu {} · diproses {} · gagal {} · diambil {}",
                    s.ingest.waiting, s.ingest.processing, s.ingest.failed, s.ingest.taken
                );
                for (b, st, n) in &s.counts.rows {
                    println!("  {:<18} {:<12} {n}", b.as_str(), st.as_str());
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
                let mut data = Vec::new();
                let read = std::fs::File::open(&f).and_then(|mut h| h.read_to_end(&mut data));
                if let Err(e) = read {
                    eprintln!("kasa: {}: {e}", f.display());
                    failed += 1;
                    continue;
                }
                match c.call(Request::Ingest {
                    name: name.clone(),
                    data_b64: base64::engine::general_purpose::STANDARD.encode(&data),
                }) {
                    Ok(Reply::Ingested { outcome }) => {
                        if !json {
                            println!(
                                "{}: {}",
                                f.display(),
                                serde_json::to_string(&outcome).unwrap_or_default()
                            );
                        }
                        results.push(serde_json::json!({"file": f, "outcome": outcome}));
                    }
                    Ok(_) => failed += 1,
                    Err(e) => {
                        eprintln!("kasa: {e}");
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
        Cmd::Keluar { action } => {
            let mut c = connect(&paths)?;
            match action {
                KeluarAction::New {
                    fields,
                    kriptogram,
                    json,
                } => {
                    let mut f = fields_from(&fields)?;
                    f.kriptogram = kriptogram;
                    entry_reply(c.call(Request::KeluarNew { fields: f })?, json);
                }
                KeluarAction::Register { id, json } => {
                    entry_reply(c.call(Request::KeluarRegister { id })?, json)
                }
                KeluarAction::Send { id, saluran, json } => entry_reply(
                    c.call(Request::KeluarSend {
                        id,
                        saluran,
                        sent_at: None,
                    })?,
                    json,
                ),
            }
            Ok(())
        }
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
                        println!(
                            "audit chain OK: {} records, head seq {} hash {}",
                            r.records, r.head_seq, r.head_hash
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
                        for r in records {
                            println!(
                                "{:>6} {} {:<16} {:<22} {:<14} {}",
                                r.seq, r.at, r.actor, r.action, r.object, r.detail
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
                    println!("operator uid {uid} ditambahkan");
                }
                OperatorAction::List { json } => {
                    let Reply::Operators { operators } = c.call(Request::OperatorList)? else {
                        return fail("unexpected reply");
                    };
                    if json {
                        print_json(&serde_json::json!({ "operators": operators }));
                    } else {
                        for o in operators {
                            println!(
                                "{:>6} {:<12} {:<28} {:<9} {}{}",
                                o.uid,
                                o.username,
                                o.nama,
                                o.role.as_str(),
                                o.jabatan,
                                if o.disabled { " (nonaktif)" } else { "" }
                            );
                        }
                    }
                }
                OperatorAction::Disable { uid } => {
                    c.call(Request::OperatorDisable { uid })?;
                    println!("operator uid {uid} dinonaktifkan");
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
                        for a in alarms {
                            println!(
                                "{:>4} {} {:<16} {}{}",
                                a.id,
                                a.at,
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
        Cmd::Incident { action } => insiden::run(&paths, action),
    }
}

fn agenda(paths: &Paths, action: AgendaAction) -> Result<(), Fail> {
    let mut c = connect(paths)?;
    match action {
        AgendaAction::List {
            book,
            status,
            limit,
            json,
        } => {
            let book = book
                .as_deref()
                .map(Book::parse)
                .transpose()
                .map_err(|e| Fail(e, 2))?;
            let status = status
                .as_deref()
                .map(Status::parse)
                .transpose()
                .map_err(|e| Fail(e, 2))?;
            let Reply::Entries { entries } = c.call(Request::AgendaList {
                book,
                status,
                limit: Some(limit),
                before: None,
            })?
            else {
                return fail("unexpected reply");
            };
            if json {
                print_json(&serde_json::json!({ "entries": entries }));
            } else {
                for e in entries {
                    println!(
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
            }
        }
        AgendaAction::Show { id, json } => {
            let Reply::Entry { entry, text } = c.call(Request::AgendaShow { id })? else {
                return fail("unexpected reply");
            };
            if json {
                let mut v = serde_json::to_value(&entry).unwrap_or_default();
                v["text"] = serde_json::json!(text);
                print_json(&v);
            } else {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&entry).unwrap_or_default()
                );
            }
        }
        AgendaAction::Register { id, fields, json } => {
            let mut f = fields_from(&fields)?;
            if fields.accept_suggestions {
                let Reply::Entry { entry, .. } = c.call(Request::AgendaShow { id })? else {
                    return fail("unexpected reply");
                };
                if let Some(s) = &entry.suggestions {
                    apply_suggestions(&mut f, s);
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
        AgendaAction::Close { id, to, note } => {
            let to = Status::parse(&to).map_err(|e| Fail(e, 2))?;
            entry_reply(c.call(Request::Close { id, to, note })?, false)
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
                std::io::stdout()
                    .write_all(&data)
                    .map_err(|e| Fail(e.to_string(), 1))?;
            } else {
                let target = if out.is_dir() { out.join(&name) } else { out };
                std::fs::write(&target, data)
                    .map_err(|e| Fail(format!("{}: {e}", target.display()), 1))?;
                eprintln!("{} ditulis", target.display());
            }
        }
    }
    Ok(())
}

fn config_check(paths: &Paths) -> Result<(), Fail> {
    let mut problems = Vec::new();
    match NodeConfig::load(paths) {
        Ok(_) => println!("ok  {}", paths.node_toml().display()),
        Err(e) => problems.push(e.to_string()),
    }
    problems.extend(crate::console::check_config(paths));
    if problems.is_empty() {
        println!("konfigurasi baik / configuration OK");
        Ok(())
    } else {
        for p in &problems {
            eprintln!("{p}");
        }
        Err(Fail(
            format!("{} problem(s) in the configuration", problems.len()),
            1,
        ))
    }
}
