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
use crate::domain::disposisi::{Disposisi, DisposisiInput, chain_tree, format_left};
use crate::domain::{Entry, Role};
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
    /// Batas waktu: RFC 3339 (2026-11-27T16:00+08:00) or "YYYY-MM-DD HH:MM" in the node's zone.
    /// Default: from the entry's derajat kecepatan (forward: the parent's batas waktu).
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
    /// Close with a result note, or return it (--kembalikan: "tidak perlu disposisi").
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
    /// Write the lembar disposisi (A5) as text (stdout or --out) and optionally as PDF (--pdf FILE).
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

fn node_zone(c: &mut Client) -> Result<TimeZone, Fail> {
    match c.call(Request::Hello {
        client: "kasa-cli".into(),
        as_uid: None,
    })? {
        Reply::Welcome { zone, .. } => TimeZone::get(&zone).map_err(|e| Fail(e.to_string(), 1)),
        _ => fail("unexpected reply"),
    }
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
    let batas_waktu = match f.batas.as_deref() {
        None => None,
        Some(s) => Some(match s.parse::<Timestamp>() {
            Ok(t) => t,
            Err(_) => {
                let dt = s
                    .replace(' ', "T")
                    .parse::<jiff::civil::DateTime>()
                    .map_err(|e| {
                        Fail(
                            format!("--batas '{s}': {e}; use YYYY-MM-DD HH:MM or RFC 3339"),
                            2,
                        )
                    })?;
                let tz = node_zone(c)?;
                dt.to_zoned(tz)
                    .map_err(|e| Fail(e.to_string(), 2))?
                    .timestamp()
            }
        }),
    };
    Ok(DisposisiInput {
        kepada,
        kepada_peran,
        instruksi: f.instruksi,
        catatan: f.catatan,
        batas_waktu,
    })
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

fn print_records(records: &[Disposisi], now: Option<(Timestamp, &str)>, json: bool) {
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
        println!(
            "#{:<4} entri {:<5} {:<12} {} → {}  {}  {}",
            d.id,
            d.entry_id,
            d.keadaan.as_str(),
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
                print_records(&records, None, json);
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
                print_records(&records, None, json);
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
                records, now, zone, ..
            } = call(&mut c, DisposisiRequest::List { lingkup })?
            {
                print_records(&records, Some((now, &zone)), json);
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
                    println!(
                        "entri {} · {} · {}",
                        entry.id,
                        entry.status.as_str(),
                        entry.perihal
                    );
                    if let Some(s) = saran {
                        println!("saran penerima: {} ({})", s.ke, s.alasan);
                    }
                    print!("{}", tree_text(&records, &tz, &zone, now));
                }
            }
        }
        DisposisiAction::Read { id, json } => {
            if let DisposisiReply::Written { records } =
                call(&mut c, DisposisiRequest::Read { id })?
            {
                print_records(&records, None, json);
            }
        }
        DisposisiAction::Start { id, catatan, json } => {
            if let DisposisiReply::Written { records } =
                call(&mut c, DisposisiRequest::Start { id, note: catatan })?
            {
                print_records(&records, None, json);
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
                print_records(&records, None, json);
            }
        }
        DisposisiAction::Cancel { id, alasan, json } => {
            if let DisposisiReply::Written { records } =
                call(&mut c, DisposisiRequest::Cancel { id, note: alasan })?
            {
                print_records(&records, None, json);
            }
        }
        DisposisiAction::Print { id, out, pdf } => {
            let DisposisiReply::Chain {
                entry,
                records,
                instruksi,
                zone,
                node_name,
                ..
            } = call(&mut c, DisposisiRequest::Show { id })?
            else {
                return fail("unexpected reply");
            };
            let text = lembar_text(&entry, &records, &instruksi, &node_name, &zone);
            match out {
                Some(p) => crate::crypto::fsutil::write_new_private(&p, text.as_bytes())
                    .map_err(|e| Fail(format!("{}: {e}", p.display()), 1))?,
                None => print!("{text}"),
            }
            if let Some(p) = pdf {
                let bytes = lembar_pdf(&text).map_err(|e| Fail(e, 1))?;
                crate::crypto::fsutil::write_new_private(&p, &bytes)
                    .map_err(|e| Fail(format!("{}: {e}", p.display()), 1))?;
                eprintln!("{} ditulis", p.display());
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
            d.keadaan.as_str(),
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

/// Width of the A5 text sheet in columns (fits A5 portrait at 9 pt monospace with 12 mm margins).
pub const SHEET_COLS: usize = 64;

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut cur = String::new();
        for w in para.split_whitespace() {
            if !cur.is_empty() && cur.chars().count() + 1 + w.chars().count() > width {
                lines.push(std::mem::take(&mut cur));
            }
            if !cur.is_empty() {
                cur.push(' ');
            }
            let mut w = w.to_string();
            while w.chars().count() > width {
                let head: String = w.chars().take(width).collect();
                lines.push(head);
                w = w.chars().skip(width).collect();
            }
            cur.push_str(&w);
        }
        lines.push(cur);
    }
    lines
}

fn field(out: &mut String, label: &str, value: &str) {
    let pad = 15;
    let lines = wrap(
        if value.is_empty() { "-" } else { value },
        SHEET_COLS - pad - 2,
    );
    for (i, l) in lines.iter().enumerate() {
        if i == 0 {
            out.push_str(&format!("{label:<pad$}: {l}\n"));
        } else {
            out.push_str(&format!("{:<pad$}  {l}\n", ""));
        }
    }
}

fn center(s: &str) -> String {
    let n = s.chars().count();
    format!("{}{s}\n", " ".repeat(SHEET_COLS.saturating_sub(n) / 2))
}

/// Replaces characters outside printable ASCII (the PDF uses a standard font) with `?`.
fn ascii(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '→' => '>',
            c if c == '\n' || (' '..='~').contains(&c) => c,
            _ => '?',
        })
        .collect()
}

/// The lembar disposisi as plain text, A5 (64 columns, ASCII): header fields of the entry, the instruksi
/// checklist (checked = given anywhere in the chain), the chain with paraf (operator and time) and catatan.
pub fn lembar_text(
    e: &Entry,
    records: &[Disposisi],
    instruksi: &[String],
    node_name: &str,
    zone: &str,
) -> String {
    let tz = zone_of(zone);
    let rule = format!("{}\n", "=".repeat(SHEET_COLS));
    let thin = format!("{}\n", "-".repeat(SHEET_COLS));
    let mut s = String::new();
    s.push_str(&center(&ascii(&node_name.to_uppercase())));
    s.push_str(&center("LEMBAR DISPOSISI"));
    s.push_str(&rule);
    let nomor = e
        .nomor_agenda
        .map_or("-".into(), |n| format!("{n}/{}", e.tahun.unwrap_or(0)));
    field(
        &mut s,
        "Nomor agenda",
        &format!("{nomor} ({})", e.book.as_str()),
    );
    field(
        &mut s,
        "Diterima",
        &fmt_time(e.registered_at.unwrap_or(e.received_at), &tz, zone),
    );
    field(&mut s, "Nomor surat", &ascii(&e.nomor_surat));
    field(
        &mut s,
        "Tanggal surat",
        &e.tanggal_surat
            .map_or(String::new(), |d| d.strftime("%d-%m-%Y").to_string()),
    );
    field(&mut s, "Asal", &ascii(&e.asal));
    field(&mut s, "Tujuan", &ascii(&e.tujuan));
    field(&mut s, "Perihal", &ascii(&e.perihal));
    field(
        &mut s,
        "Klasifikasi",
        e.klasifikasi.map_or("", |k| k.as_str()),
    );
    field(&mut s, "Derajat", e.derajat.as_deref().unwrap_or(""));
    s.push_str(&thin);
    s.push_str("INSTRUKSI\n");
    let given: Vec<&String> = records.iter().flat_map(|d| d.instruksi.iter()).collect();
    let half = SHEET_COLS / 2;
    for pair in instruksi.chunks(2) {
        let cell = |i: &String| {
            let mark = if given.contains(&i) { "x" } else { " " };
            format!("[{mark}] {}", ascii(i))
        };
        let left = cell(&pair[0]);
        match pair.get(1) {
            Some(r) => s.push_str(&format!("{left:<half$}{}\n", cell(r))),
            None => s.push_str(&format!("{left}\n")),
        }
    }
    s.push_str(&thin);
    s.push_str("DISPOSISI (paraf = operator, waktu)\n");
    if records.is_empty() {
        s.push_str("(belum didisposisi)\n");
    }
    for (depth, d) in chain_tree(records) {
        let ind = "  ".repeat(depth);
        let w = SHEET_COLS - ind.len() - 4;
        let head = format!(
            "#{} {} ({}) -> {} ({})",
            d.id,
            ascii(&d.dari.nama),
            d.dari.role.as_str(),
            ascii(&d.kepada.nama),
            d.kepada.role.as_str()
        );
        for (i, l) in wrap(&head, SHEET_COLS - ind.len()).iter().enumerate() {
            s.push_str(&format!("{ind}{}{l}\n", if i == 0 { "" } else { "  " }));
        }
        let mut sub = |label: &str, v: &str| {
            for (i, l) in wrap(&format!("{label}: {v}"), w).iter().enumerate() {
                s.push_str(&format!("{ind}  {}{l}\n", if i == 0 { "" } else { "  " }));
            }
        };
        sub("Instruksi", &ascii(&d.instruksi.join(", ")));
        if !d.catatan.is_empty() {
            sub("Catatan", &ascii(&d.catatan));
        }
        sub("Batas waktu", &fmt_time(d.batas_waktu, &tz, zone));
        for l in &d.langkah {
            sub(
                "Paraf",
                &format!(
                    "{} {:<11} {}",
                    l.at.to_zoned(tz.clone()).strftime("%d-%m-%Y %H:%M"),
                    l.keadaan.as_str(),
                    ascii(&l.by)
                ),
            );
        }
        if let Some(h) = &d.hasil {
            sub("Hasil", &ascii(h));
        }
    }
    s.push_str(&rule);
    s
}

/// The text sheet as a one-or-more-page A5 PDF (420 x 595 pt, Courier 9 pt, 12 mm margins).
pub fn lembar_pdf(text: &str) -> Result<Vec<u8>, String> {
    use lopdf::content::{Content, Operation};
    use lopdf::{Document, Object, Stream, dictionary};

    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Courier",
        "Encoding" => "WinAnsiEncoding",
    });
    let resources_id = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font_id },
    });
    let lines: Vec<&str> = text.lines().collect();
    let per_page = 52;
    let mut kids = Vec::new();
    let chunks: Vec<&[&str]> = if lines.is_empty() {
        vec![&[]]
    } else {
        lines.chunks(per_page).collect()
    };
    for chunk in chunks {
        let mut ops = vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 9.into()]),
            Operation::new("TL", vec![10.5.into()]),
            Operation::new("Td", vec![34.into(), 560.into()]),
        ];
        for l in chunk {
            ops.push(Operation::new("Tj", vec![Object::string_literal(ascii(l))]));
            ops.push(Operation::new("T*", vec![]));
        }
        ops.push(Operation::new("ET", vec![]));
        let content = Content { operations: ops };
        let content_id = doc.add_object(Stream::new(
            dictionary! {},
            content.encode().map_err(|e| e.to_string())?,
        ));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
        });
        kids.push(Object::from(page_id));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => count,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 420.into(), 595.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
    });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}
