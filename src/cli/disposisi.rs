//! `kasa disposisi new|list|show|read|start|done|forward|cancel|print` and the lembar disposisi renderers.
//!
//! `--json` prints exactly one JSON document: the list/written records (`{"records": […]}`) or the
//! chain (`{"entry": …, "records": […], "saran": …}`).

use clap::{Args, Subcommand};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::{Fail, connect, fail, print_json};
use crate::client::Client;
use crate::config::Paths;
use crate::domain::Role;
use crate::domain::disposisi::{Batas, Disposisi, DisposisiInput, chain_tree, format_left};
use crate::proto::disposisi::{DisposisiReply, DisposisiRequest, Lingkup};
use crate::proto::{Reply, Request};

/// Recipients, instruksi, catatan and batas waktu of a new or forwarded disposisi.
#[derive(Args, Debug)]
pub struct FormArgs {
    /// Recipient: uid or Unix user name (repeat for several).
    #[arg(long)]
    pub kepada: Vec<String>,
    /// Every active operator of this role (kabid, kasi, sandiman).
    #[arg(long)]
    pub peran: Option<String>,
    /// Instruksi from the configured list (repeat), e.g. "Untuk ditindaklanjuti".
    #[arg(long, required = true)]
    pub instruksi: Vec<String>,
    #[arg(long, default_value = "")]
    pub catatan: String,
    /// Batas waktu: RFC 3339 (2026-11-27T16:00+08:00), "YYYY-MM-DD HH:MM" in the node's zone, or
    /// "YYYY-MM-DD" (the end of that working day in the node's calendar; a weekend or holiday date means
    /// the closing of the working day before it). Default: from the entry's derajat kecepatan
    /// (forward: the parent's batas waktu).
    #[arg(long)]
    pub batas: Option<String>,
}

/// Disposisi subcommands.
#[derive(Subcommand, Debug)]
pub enum DisposisiAction {
    /// Dispose a registered entry (Kadis starts the chain).
    New {
        entry: u64,
        #[command(flatten)]
        form: FormArgs,
        #[arg(long)]
        json: bool,
    },
    /// Pending for me (overdue first), or issued by me (--dari-saya).
    List {
        #[arg(long)]
        dari_saya: bool,
        /// Include closed items addressed to me.
        #[arg(long)]
        semua: bool,
        #[arg(long)]
        json: bool,
    },
    /// A disposisi's entry and whole chain as a tree (`--entry` to name the entry instead).
    Show {
        id: u64,
        #[arg(long)]
        entry: bool,
        #[arg(long)]
        json: bool,
    },
    /// Mark as read (first open).
    Read {
        id: u64,
        #[arg(long)]
        json: bool,
    },
    /// Mark as in progress.
    Start {
        id: u64,
        #[arg(long, default_value = "")]
        catatan: String,
        #[arg(long)]
        json: bool,
    },
    /// Close with a result note, or return it (--kembalikan: "tidak perlu disposisi"). A forwarded
    /// disposisi that is done below ("selesai di bawah") is closed by its holder; without --catatan the
    /// results below are its note.
    Done {
        id: u64,
        #[arg(long, default_value = "")]
        catatan: String,
        #[arg(long)]
        kembalikan: bool,
        #[arg(long)]
        json: bool,
    },
    /// Re-dispose further down the chain.
    Forward {
        id: u64,
        #[command(flatten)]
        form: FormArgs,
        #[arg(long)]
        json: bool,
    },
    /// Cancel (issuer only, while unread).
    Cancel {
        id: u64,
        #[arg(long, default_value = "")]
        alasan: String,
        #[arg(long)]
        json: bool,
    },
    /// The lembar disposisi (A5 boxed form): Markdown on stdout or to --out FILE, and as PDF to
    /// --pdf FILE. Files are new (0600, never overwritten).
    Print {
        id: u64,
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        #[arg(long)]
        pdf: Option<std::path::PathBuf>,
    },
}

fn call(c: &mut Client, r: DisposisiRequest) -> Result<DisposisiReply, Fail> {
    match c.call(Request::Disposisi(r))? {
        Reply::Disposisi(d) => Ok(d),
        _ => fail("unexpected reply"),
    }
}

fn resolve_uid(c: &mut Client, who: &str) -> Result<u32, Fail> {
    if let Ok(n) = who.trim().parse::<u32>() {
        return Ok(n);
    }
    let Reply::Operators { operators } = c.call(Request::OperatorList)? else {
        return fail("unexpected reply");
    };
    operators
        .iter()
        .find(|o| o.username == who.trim())
        .map(|o| o.uid)
        .ok_or_else(|| {
            Fail(
                format!("--kepada '{who}': no operator with that uid or user name; see `kasa operator list`"),
                2,
            )
        })
}

fn input_from(c: &mut Client, f: FormArgs) -> Result<DisposisiInput, Fail> {
    let mut kepada = Vec::new();
    for k in &f.kepada {
        kepada.push(resolve_uid(c, k)?);
    }
    let kepada_peran = f
        .peran
        .as_deref()
        .map(Role::parse)
        .transpose()
        .map_err(|e| Fail(e, 2))?;
    let mut input = DisposisiInput {
        kepada,
        kepada_peran,
        instruksi: f.instruksi,
        catatan: f.catatan,
        batas_waktu: None,
        batas_tanggal: None,
    };
    if let Some(s) = f.batas.as_deref() {
        let tz = super::node_zone(c);
        // A date only stays a date: the node makes it the end of that working day.
        Batas::parse(s, &tz)
            .map_err(|m| Fail(format!("--batas: {m}"), 2))?
            .apply(&mut input);
    }
    Ok(input)
}

/// The IANA zone for a zone label (WIB/WITA/WIT or an IANA name); UTC when unknown.
pub fn zone_of(label: &str) -> TimeZone {
    let name = match label {
        "WIB" => "Asia/Jakarta",
        "WITA" => "Asia/Makassar",
        "WIT" => "Asia/Jayapura",
        other => other,
    };
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

/// `dd-mm-yyyy HH:MM ZONE`.
pub fn fmt_time(t: Timestamp, tz: &TimeZone, label: &str) -> String {
    format!(
        "{} {label}",
        t.to_zoned(tz.clone()).strftime("%d-%m-%Y %H:%M")
    )
}

fn print_records(
    records: &[Disposisi],
    now: Option<(Timestamp, &str)>,
    tuntas: &[u64],
    json: bool,
) {
    if json {
        print_json(&serde_json::json!({ "records": records }));
        return;
    }
    for d in records {
        let left = now.map_or(String::new(), |(n, _)| {
            if d.keadaan.is_pending() {
                format_left(d.time_left(n))
            } else {
                String::new()
            }
        });
        out!(
            "#{:<4} entri {:<5} {:<12} {} → {}  {}  {}",
            d.id,
            d.entry_id,
            if tuntas.contains(&d.id) {
                "selesai di bawah"
            } else {
                d.keadaan.as_str()
            },
            d.dari.nama,
            d.kepada.nama,
            d.instruksi.join(", "),
            left
        );
    }
}

/// Runs a `kasa disposisi` subcommand.
pub fn run(paths: &Paths, action: DisposisiAction) -> Result<(), Fail> {
    let mut c = connect(paths)?;
    match action {
        DisposisiAction::New { entry, form, json } => {
            let input = input_from(&mut c, form)?;
            if let DisposisiReply::Written { records } =
                call(&mut c, DisposisiRequest::New { entry, input })?
            {
                print_records(&records, None, &[], json);
            }
        }
        DisposisiAction::Forward { id, form, json } => {
            let input = input_from(&mut c, form)?;
            if let DisposisiReply::Written { records } = call(
                &mut c,
                DisposisiRequest::Forward {
                    id,
                    input,
                    note: String::new(),
                },
            )? {
                print_records(&records, None, &[], json);
            }
        }
        DisposisiAction::List {
            dari_saya,
            semua,
            json,
        } => {
            let lingkup = if dari_saya {
                Lingkup::DariSaya
            } else if semua {
                Lingkup::SemuaUntukSaya
            } else {
                Lingkup::UntukSaya
            };
            if let DisposisiReply::Records {
                records,
                now,
                zone,
                tuntas,
                ..
            } = call(&mut c, DisposisiRequest::List { lingkup })?
            {
                print_records(&records, Some((now, &zone)), &tuntas, json);
            }
        }
        DisposisiAction::Show { id, entry, json } => {
            let r = if entry {
                call(&mut c, DisposisiRequest::Entry { entry: id })?
            } else {
                call(&mut c, DisposisiRequest::Show { id })?
            };
            if let DisposisiReply::Chain {
                entry,
                records,
                saran,
                zone,
                now,
                ..
            } = r
            {
                if json {
                    print_json(&serde_json::json!({
                        "entry": entry, "records": records, "saran": saran, "now": now, "zone": zone
                    }));
                } else {
                    let tz = zone_of(&zone);
                    out!(
                        "entri {} · {} · {}",
                        entry.id,
                        entry.status.as_str(),
                        entry.perihal
                    );
                    if let Some(s) = saran {
                        out!("saran penerima: {} ({})", s.ke, s.alasan);
                    }
                    print!(
                        "{}",
                        crate::domain::sanitize::clean_lines(&tree_text(&records, &tz, &zone, now))
                    );
                }
            }
        }
        DisposisiAction::Read { id, json } => {
            if let DisposisiReply::Written { records } =
                call(&mut c, DisposisiRequest::Read { id })?
            {
                print_records(&records, None, &[], json);
            }
        }
        DisposisiAction::Start { id, catatan, json } => {
            if let DisposisiReply::Written { records } =
                call(&mut c, DisposisiRequest::Start { id, note: catatan })?
            {
                print_records(&records, None, &[], json);
            }
        }
        DisposisiAction::Done {
            id,
            catatan,
            kembalikan,
            json,
        } => {
            let req = if kembalikan {
                DisposisiRequest::Return { id, note: catatan }
            } else {
                DisposisiRequest::Done { id, note: catatan }
            };
            if let DisposisiReply::Written { records } = call(&mut c, req)? {
                print_records(&records, None, &[], json);
            }
        }
        DisposisiAction::Cancel { id, alasan, json } => {
            if let DisposisiReply::Written { records } =
                call(&mut c, DisposisiRequest::Cancel { id, note: alasan })?
            {
                print_records(&records, None, &[], json);
            }
        }
        DisposisiAction::Print { id, out, pdf } => {
            let DisposisiReply::Chain {
                entry,
                records,
                instruksi,
                zone,
                ..
            } = call(&mut c, DisposisiRequest::Show { id })?
            else {
                return fail("unexpected reply");
            };
            let (kop, _, _) = super::laporan::kop(&mut c)?;
            let d = crate::domain::dokumen::lembar_disposisi(
                &kop,
                &entry,
                &records,
                &instruksi,
                &zone_of(&zone),
            );
            let md = crate::doc::markdown::render(&d);
            match out {
                Some(p) => {
                    crate::doc::tulis(&p, md.as_bytes()).map_err(|e| Fail(e, 1))?;
                    err_out!("{} ditulis", p.display());
                }
                None => println!("{}", crate::domain::sanitize::clean_lines(&md)),
            }
            if let Some(p) = pdf {
                let bytes = crate::doc::pdf::render(&d).map_err(|e| Fail(e, 1))?;
                crate::doc::tulis(&p, &bytes).map_err(|e| Fail(e, 1))?;
                err_out!("{} ditulis", p.display());
            }
        }
    }
    Ok(())
}

/// The chain as an indented tree, one block per disposisi.
pub fn tree_text(records: &[Disposisi], tz: &TimeZone, zone: &str, now: Timestamp) -> String {
    let mut s = String::new();
    for (depth, d) in chain_tree(records) {
        let ind = "   ".repeat(depth);
        let over = if d.is_overdue(now) { " TERLAMBAT" } else { "" };
        s.push_str(&format!(
            "{ind}#{} {} -> {} [{}]{over} batas {}\n",
            d.id,
            d.dari.nama,
            d.kepada.nama,
            crate::domain::disposisi::keadaan_text(d, records),
            fmt_time(d.batas_waktu, tz, zone)
        ));
        for l in &d.langkah {
            s.push_str(&format!(
                "{ind}   {} {} {}{}\n",
                fmt_time(l.at, tz, zone),
                l.keadaan.as_str(),
                l.by,
                if l.catatan.is_empty() {
                    String::new()
                } else {
                    format!(": {}", l.catatan)
                }
            ));
        }
    }
    s
}
