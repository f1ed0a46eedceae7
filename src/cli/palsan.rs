//! `kasa palsan …`: equipment items, repair cases (SOP 000), key material metadata, periodic duties,
//! reminders and the annual-report Lampiran III/IV/V tables. `--json` prints one JSON document.
//!
//! Times are RFC 3339 (`2026-03-02T09:00:00+08:00`), dates `YYYY-MM-DD`.

use clap::{Args, Subcommand, ValueEnum};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::{Fail, connect, fail, print_json};
use crate::config::Paths;
use crate::domain::palsan::{
    JenisBerkala, JenisPalsan, Kesiapan, Kondisi, Kunci, KunciBaru, LangkahInput, LangkahPerbaikan,
    MutuBaku, Palsan, PalsanBaru, PalsanUbah, StatusKunci,
};
use crate::proto::palsan::{CaseView, PalsanReply, PalsanRequest};
use crate::proto::{Reply, Request};

/// `kasa palsan` subcommands.
#[derive(Subcommand, Debug)]
pub enum PalsanAction {
    /// Equipment items: add, list, show, edit, checkout, checkin, dispose.
    Item {
        #[command(subcommand)]
        action: ItemAction,
    },
    /// Repair cases to BSSN (SOP 000 steps 1–14): open, step, show, list.
    Repair {
        #[command(subcommand)]
        action: RepairAction,
    },
    /// Key material (kunci sistem sandi), metadata only: add, list, status.
    Kunci {
        #[command(subcommand)]
        action: KunciAction,
    },
    /// Record a periodic duty done: `sanapati` (Email Sanapati password) or `audit` (equipment audit).
    Berkala {
        /// sanapati | audit
        jenis: String,
        /// When it was done (default now).
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// What is due or overdue: key expiry, check-ins, repair steps past norm, Email Sanapati, audits.
    Reminders {
        /// Evaluate at this time instead of now.
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Lampiran III (peralatan sandi), IV (kunci sistem sandi), V (alat pendukung utama).
    Lampiran {
        #[arg(long, value_enum, default_value_t = Format::Markdown)]
        format: Format,
        /// The report's time (RFC 3339, default now): key material expired then counts as not Baik.
        #[arg(long)]
        at: Option<String>,
        /// Only one table: iii, iv or v.
        #[arg(long)]
        only: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

/// Output format of `kasa palsan lampiran`.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum Format {
    Markdown,
    Csv,
}

/// Fields of a new item.
#[derive(Args, Debug)]
pub struct ItemFields {
    /// peralatan_sandi, dongle_enkripsi, aplikasi_enkripsi, jammer, countersurveillance, sarana_kasa,
    /// backup_disk, apu_lain
    #[arg(long)]
    pub jenis: String,
    /// Nama/model, e.g. "Secure X".
    #[arg(long)]
    pub nama: String,
    #[arg(long, default_value = "")]
    pub seri: String,
    #[arg(long, default_value = "")]
    pub sumber: String,
    #[arg(long, default_value = "")]
    pub lokasi: String,
    #[arg(long, default_value = "")]
    pub pemegang: String,
    #[arg(long, default_value = "baik")]
    pub kondisi: String,
    #[arg(long, default_value = "siap")]
    pub kesiapan: String,
    #[arg(long, default_value = "")]
    pub catatan: String,
}

#[derive(Subcommand, Debug)]
pub enum ItemAction {
    /// Add an item.
    Add {
        #[command(flatten)]
        fields: ItemFields,
        #[arg(long)]
        json: bool,
    },
    /// List items (disposed ones only with --all).
    List {
        #[arg(long)]
        jenis: Option<String>,
        #[arg(long)]
        kondisi: Option<String>,
        #[arg(long)]
        kesiapan: Option<String>,
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// One item with history and open repair case.
    Show {
        id: u64,
        #[arg(long)]
        json: bool,
    },
    /// Edit fields of an item.
    Edit {
        id: u64,
        #[arg(long)]
        nama: Option<String>,
        #[arg(long)]
        seri: Option<String>,
        #[arg(long)]
        sumber: Option<String>,
        #[arg(long)]
        lokasi: Option<String>,
        #[arg(long)]
        pemegang: Option<String>,
        #[arg(long)]
        kondisi: Option<String>,
        #[arg(long)]
        kesiapan: Option<String>,
        #[arg(long)]
        catatan: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Check out to an operator.
    Checkout {
        id: u64,
        #[arg(long)]
        kepada: String,
        /// Expected check-in (RFC 3339).
        #[arg(long)]
        rencana_kembali: Option<String>,
        #[arg(long, default_value = "")]
        catatan: String,
        #[arg(long)]
        json: bool,
    },
    /// Check in with the condition found.
    Checkin {
        id: u64,
        #[arg(long, default_value = "baik")]
        kondisi: String,
        #[arg(long, default_value = "")]
        catatan: String,
        #[arg(long)]
        json: bool,
    },
    /// Disposal (penghapusan/pemusnahan) with berita acara and at least two witnesses.
    Dispose {
        id: u64,
        #[arg(long)]
        berita_acara: String,
        /// A witness; give it at least twice.
        #[arg(long)]
        saksi: Vec<String>,
        #[arg(long, default_value = "")]
        alasan: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum RepairAction {
    /// Open a repair case (step 1: dilaporkan rusak); the item becomes Tidak siap.
    Open {
        /// Item id.
        item: u64,
        #[arg(long)]
        kerusakan: String,
        #[arg(long, default_value = "rusak_ringan")]
        kondisi: String,
        #[arg(long, default_value = "")]
        pelapor: String,
        /// When the damage was found (RFC 3339, default the report time): step 1's 15-minute norm
        /// counts from it. Not in the future, not after --dilaporkan.
        #[arg(long)]
        ditemukan: Option<String>,
        /// When it was reported (RFC 3339, default now; not in the future).
        #[arg(long)]
        dilaporkan: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Record the next step (number 2–14 or name).
    Step {
        id: u64,
        langkah: String,
        /// Who did it (default you).
        #[arg(long, default_value = "")]
        oleh: String,
        /// Document reference (nota dinas, surat, SPPD, berita acara).
        #[arg(long, default_value = "")]
        dokumen: String,
        #[arg(long, default_value = "")]
        catatan: String,
        /// Step 11: ringan | berat.
        #[arg(long)]
        penilaian: Option<String>,
        /// When it was done (RFC 3339, default now): may be back-dated, not into the future nor
        /// before the previous step.
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// One case with the SLA of every step.
    Show {
        id: u64,
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// All cases.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum KunciAction {
    /// Register received key material (metadata only: never the key value).
    Add {
        /// Jenis/sistem, e.g. "Kunci Sissan Secure X".
        #[arg(long)]
        jenis: String,
        #[arg(long, default_value = "")]
        seri: String,
        /// Linked item id.
        #[arg(long)]
        palsan: Option<u64>,
        /// Berlaku dari, YYYY-MM-DD.
        #[arg(long)]
        dari: String,
        /// Berlaku sampai (inclusive), YYYY-MM-DD.
        #[arg(long)]
        sampai: String,
        #[arg(long, default_value = "")]
        pemegang: String,
        #[arg(long, default_value = "baik")]
        kondisi: String,
        #[arg(long, default_value = "")]
        catatan: String,
        #[arg(long)]
        json: bool,
    },
    /// All key material.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Move to aktif, diganti, kedaluwarsa or dimusnahkan.
    Status {
        id: u64,
        status: String,
        #[arg(long, default_value = "")]
        catatan: String,
        #[arg(long)]
        json: bool,
    },
}

fn bad<T>(r: Result<T, crate::domain::DomainError>) -> Result<T, Fail> {
    r.map_err(|e| Fail(e.0, 2))
}

fn ts(flag: &str, s: Option<&str>) -> Result<Option<Timestamp>, Fail> {
    s.map(|s| {
        s.parse::<Timestamp>().map_err(|e| {
            Fail(
                format!("--{flag} '{s}': {e}; use RFC 3339, e.g. 2026-03-02T09:00:00+08:00"),
                2,
            )
        })
    })
    .transpose()
}

fn date(flag: &str, s: &str) -> Result<jiff::civil::Date, Fail> {
    s.parse()
        .map_err(|e| Fail(format!("--{flag} '{s}': {e}; use YYYY-MM-DD"), 2))
}

/// A time for text output, in the node's zone `tz` (`2026-11-20 15:30:15 WITA`).
fn t(ts: Timestamp, tz: &TimeZone) -> String {
    super::shown(ts, tz)
}

/// The node's zone for the times of text output.
fn zone(paths: &Paths) -> Result<TimeZone, Fail> {
    Ok(super::node_zone(&mut connect(paths)?))
}

fn call(paths: &Paths, r: PalsanRequest) -> Result<PalsanReply, Fail> {
    let mut c = connect(paths)?;
    match c.call(Request::Palsan(r))? {
        Reply::Palsan(p) => Ok(*p),
        _ => fail("unexpected reply"),
    }
}

fn status_of(p: &Palsan) -> String {
    if let Some(d) = &p.dihapus {
        format!("dihapus (BA {})", d.berita_acara)
    } else if let Some(c) = p.perbaikan {
        format!("perbaikan #{c}")
    } else if let Some(d) = &p.dipinjam {
        format!("dipinjam {}", d.kepada)
    } else {
        "tersedia".into()
    }
}

fn print_item_line(p: &Palsan) {
    out!(
        "{:>4} {:<20} {:<20} {:<12} {:<12} {:<10} {}",
        p.id,
        p.jenis.as_str(),
        p.nama,
        p.nomor_seri,
        p.kondisi.label(),
        p.kesiapan.label(),
        status_of(p)
    );
}

fn print_case(v: &CaseView, tz: &TimeZone) {
    let c = &v.perbaikan;
    out!(
        "perbaikan {} · palsan {} {} · {} · {}",
        c.id,
        v.palsan.id,
        v.palsan.nama,
        c.kerusakan,
        if c.terbuka() { "terbuka" } else { "selesai" }
    );
    out!("  {:<11} {}", "ditemukan", t(c.ditemukan_at, tz));
    out!(
        "  {:<11} {}",
        "lokasi",
        format!("{} · pemegang {}", v.palsan.lokasi, v.palsan.pemegang)
    );
    if let Some(k) = v.penilaian {
        out!("  {:<11} {}", "penilaian", format!("BSSN: {}", k.label()));
    }
    for s in &v.sla {
        let rec = c.langkah.iter().find(|r| r.langkah == s.langkah);
        let when = match (rec, s.batas) {
            (Some(r), _) => format!(
                "{} · {}{}{}",
                t(r.at, tz),
                r.oleh,
                if r.dokumen.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", r.dokumen)
                },
                r.penilaian
                    .map_or(String::new(), |k| format!(" · {}", k.label()))
            ),
            (None, Some(b)) if c.berikutnya() == Some(s.langkah) => format!("batas {}", t(b, tz)),
            _ => String::new(),
        };
        out!(
            "{:>3}. {:<34} {:<28} {}",
            s.nomor,
            s.langkah.label(),
            s.teks(),
            when
        );
    }
    if let Some(n) = c.berikutnya() {
        out!(
            "berikutnya: langkah {} {} (pelaksana {}{})",
            n.nomor(),
            n.label(),
            n.pelaksana(),
            n.mutu_baku()
                .map_or(", tanpa mutu baku".into(), |m| format!(
                    ", mutu baku {}{}",
                    m.teks(),
                    match m {
                        MutuBaku::Menit(_) => " dalam jam kerja",
                        MutuBaku::HariKerja(_) => "",
                    }
                ))
        );
    }
}

fn print_item(item: &Palsan, case: Option<&CaseView>, tz: &TimeZone) {
    out!(
        "palsan {} · {} · {}",
        item.id,
        item.jenis.label(),
        item.nama
    );
    for (k, v) in [
        ("nomor seri", item.nomor_seri.as_str()),
        ("sumber", &item.sumber),
        ("lokasi", &item.lokasi),
        ("pemegang", &item.pemegang),
        ("kondisi", item.kondisi.label()),
        ("kesiapan", item.kesiapan.label()),
        ("catatan", &item.catatan),
    ] {
        out!("  {k:<11} {v}");
    }
    out!("  {:<11} {}", "status", status_of(item));
    out!("riwayat:");
    for r in &item.riwayat {
        out!(
            "  {} {:<18} {:<18} {}",
            t(r.at, tz),
            r.aksi,
            r.oleh,
            r.catatan
        );
    }
    if let Some(v) = case {
        print_case(v, tz);
    }
}

fn print_kunci(k: &Kunci) {
    out!(
        "{:>4} {:<28} {:<10} {} s.d. {} {:<12} {:<12} {}",
        k.id,
        k.jenis,
        k.seri,
        k.berlaku_dari,
        k.berlaku_sampai,
        k.status.as_str(),
        k.kondisi.label(),
        k.palsan_id.map_or(String::new(), |p| format!("palsan {p}"))
    );
}

fn item_out(paths: &Paths, r: PalsanReply, json: bool) -> Result<(), Fail> {
    match r {
        PalsanReply::Item { item, perbaikan } => {
            if json {
                print_json(&serde_json::json!({ "item": item, "perbaikan": perbaikan }));
            } else {
                print_item(&item, perbaikan.as_deref(), &zone(paths)?);
            }
            Ok(())
        }
        _ => fail("unexpected reply"),
    }
}

fn case_out(paths: &Paths, r: PalsanReply, json: bool) -> Result<(), Fail> {
    match r {
        PalsanReply::Case(v) => {
            if json {
                print_json(&v);
            } else {
                print_case(&v, &zone(paths)?);
            }
            Ok(())
        }
        _ => fail("unexpected reply"),
    }
}

fn kunci_out(r: PalsanReply, json: bool) -> Result<(), Fail> {
    match r {
        PalsanReply::Kunci { kunci } => {
            if json {
                print_json(&kunci);
            } else {
                print_kunci(&kunci);
            }
            Ok(())
        }
        _ => fail("unexpected reply"),
    }
}

/// Runs `kasa palsan …`.
pub fn run(paths: &Paths, action: PalsanAction) -> Result<(), Fail> {
    match action {
        PalsanAction::Item { action } => item(paths, action),
        PalsanAction::Repair { action } => repair(paths, action),
        PalsanAction::Kunci { action } => kunci(paths, action),
        PalsanAction::Berkala { jenis, at, json } => {
            let jenis = bad(JenisBerkala::parse(&jenis))?;
            let at = ts("at", at.as_deref())?;
            let PalsanReply::Berkala { berkala } =
                call(paths, PalsanRequest::BerkalaDone { jenis, at })?
            else {
                return fail("unexpected reply");
            };
            if json {
                print_json(&berkala);
            } else {
                let tz = zone(paths)?;
                let t = |x: Option<Timestamp>| x.map_or("-".into(), |x| t(x, &tz));
                out!(
                    "Email Sanapati terakhir: {}; audit peralatan terakhir: {}",
                    t(berkala.sanapati_terakhir),
                    t(berkala.audit_terakhir)
                );
            }
            Ok(())
        }
        PalsanAction::Reminders { at, json } => {
            let at = ts("at", at.as_deref())?;
            let PalsanReply::Reminders { at, pengingat } =
                call(paths, PalsanRequest::Reminders { at })?
            else {
                return fail("unexpected reply");
            };
            if json {
                print_json(&serde_json::json!({ "at": at, "pengingat": pengingat }));
            } else if pengingat.is_empty() {
                out!("tidak ada pengingat");
            } else {
                let tz = zone(paths)?;
                for p in pengingat {
                    out!(
                        "{} {:<22} {:<18} {}",
                        if p.terlambat {
                            "TERLAMBAT"
                        } else {
                            "segera   "
                        },
                        p.objek,
                        t(p.jatuh_tempo, &tz),
                        p.pesan
                    );
                }
            }
            Ok(())
        }
        PalsanAction::Lampiran {
            format,
            at,
            only,
            json,
        } => {
            let at = ts("at", at.as_deref())?;
            let PalsanReply::Lampiran { mut tables } = call(paths, PalsanRequest::Lampiran { at })?
            else {
                return fail("unexpected reply");
            };
            if let Some(o) = only {
                let want = match o.to_lowercase().as_str() {
                    "iii" | "3" => crate::domain::palsan::Lampiran::III,
                    "iv" | "4" => crate::domain::palsan::Lampiran::IV,
                    "v" | "5" => crate::domain::palsan::Lampiran::V,
                    _ => return Err(Fail(format!("--only '{o}': pilih iii, iv atau v"), 2)),
                };
                tables.retain(|t| t.lampiran == want);
            }
            if json {
                print_json(&serde_json::json!({ "tables": tables }));
                return Ok(());
            }
            let out: Vec<String> = tables
                .iter()
                .map(|t| match format {
                    Format::Markdown => t.to_markdown(),
                    Format::Csv => format!("{}\n{}", t.judul, t.to_csv()),
                })
                .collect();
            print!("{}", crate::domain::sanitize::clean_lines(&out.join("\n")));
            Ok(())
        }
    }
}

fn item(paths: &Paths, action: ItemAction) -> Result<(), Fail> {
    match action {
        ItemAction::Add { fields: f, json } => {
            let item = PalsanBaru {
                jenis: bad(JenisPalsan::parse(&f.jenis))?,
                nama: f.nama,
                nomor_seri: f.seri,
                sumber: f.sumber,
                lokasi: f.lokasi,
                pemegang: f.pemegang,
                kondisi: bad(Kondisi::parse(&f.kondisi))?,
                kesiapan: bad(Kesiapan::parse(&f.kesiapan))?,
                catatan: f.catatan,
            };
            item_out(paths, call(paths, PalsanRequest::ItemAdd { item })?, json)
        }
        ItemAction::List {
            jenis,
            kondisi,
            kesiapan,
            all,
            json,
        } => {
            let jenis = jenis.as_deref().map(JenisPalsan::parse).transpose();
            let kondisi = kondisi.as_deref().map(Kondisi::parse).transpose();
            let kesiapan = kesiapan.as_deref().map(Kesiapan::parse).transpose();
            let (jenis, kondisi, kesiapan) = (bad(jenis)?, bad(kondisi)?, bad(kesiapan)?);
            let PalsanReply::Items { items } = call(paths, PalsanRequest::ItemList)? else {
                return fail("unexpected reply");
            };
            let items: Vec<Palsan> = items
                .into_iter()
                .filter(|p| all || p.dihapus.is_none())
                .filter(|p| jenis.is_none_or(|j| p.jenis == j))
                .filter(|p| kondisi.is_none_or(|k| p.kondisi == k))
                .filter(|p| kesiapan.is_none_or(|k| p.kesiapan == k))
                .collect();
            if json {
                print_json(&serde_json::json!({ "items": items }));
            } else {
                for p in &items {
                    print_item_line(p);
                }
            }
            Ok(())
        }
        ItemAction::Show { id, json } => {
            item_out(paths, call(paths, PalsanRequest::ItemShow { id })?, json)
        }
        ItemAction::Edit {
            id,
            nama,
            seri,
            sumber,
            lokasi,
            pemegang,
            kondisi,
            kesiapan,
            catatan,
            json,
        } => {
            let ubah = PalsanUbah {
                nama,
                nomor_seri: seri,
                sumber,
                lokasi,
                pemegang,
                kondisi: bad(kondisi.as_deref().map(Kondisi::parse).transpose())?,
                kesiapan: bad(kesiapan.as_deref().map(Kesiapan::parse).transpose())?,
                catatan,
            };
            item_out(
                paths,
                call(paths, PalsanRequest::ItemEdit { id, ubah })?,
                json,
            )
        }
        ItemAction::Checkout {
            id,
            kepada,
            rencana_kembali,
            catatan,
            json,
        } => {
            let rencana_kembali = ts("rencana-kembali", rencana_kembali.as_deref())?;
            item_out(
                paths,
                call(
                    paths,
                    PalsanRequest::Checkout {
                        id,
                        kepada,
                        rencana_kembali,
                        catatan,
                    },
                )?,
                json,
            )
        }
        ItemAction::Checkin {
            id,
            kondisi,
            catatan,
            json,
        } => {
            let kondisi = bad(Kondisi::parse(&kondisi))?;
            item_out(
                paths,
                call(
                    paths,
                    PalsanRequest::Checkin {
                        id,
                        kondisi,
                        catatan,
                    },
                )?,
                json,
            )
        }
        ItemAction::Dispose {
            id,
            berita_acara,
            saksi,
            alasan,
            json,
        } => item_out(
            paths,
            call(
                paths,
                PalsanRequest::Dispose {
                    id,
                    berita_acara,
                    saksi,
                    alasan,
                },
            )?,
            json,
        ),
    }
}

fn repair(paths: &Paths, action: RepairAction) -> Result<(), Fail> {
    match action {
        RepairAction::Open {
            item,
            kerusakan,
            kondisi,
            pelapor,
            ditemukan,
            dilaporkan,
            json,
        } => {
            let req = PalsanRequest::RepairOpen {
                palsan_id: item,
                kerusakan,
                kondisi: bad(Kondisi::parse(&kondisi))?,
                pelapor,
                ditemukan_at: ts("ditemukan", ditemukan.as_deref())?,
                dilaporkan_at: ts("dilaporkan", dilaporkan.as_deref())?,
            };
            case_out(paths, call(paths, req)?, json)
        }
        RepairAction::Step {
            id,
            langkah,
            oleh,
            dokumen,
            catatan,
            penilaian,
            at,
            json,
        } => {
            let step = LangkahInput {
                langkah: bad(LangkahPerbaikan::parse(&langkah))?,
                oleh,
                dokumen,
                catatan,
                penilaian: bad(penilaian.as_deref().map(Kondisi::parse).transpose())?,
                at: ts("at", at.as_deref())?,
            };
            case_out(
                paths,
                call(paths, PalsanRequest::RepairStep { id, step })?,
                json,
            )
        }
        RepairAction::Show { id, at, json } => {
            let at = ts("at", at.as_deref())?;
            case_out(
                paths,
                call(paths, PalsanRequest::RepairShow { id, at })?,
                json,
            )
        }
        RepairAction::List { json } => {
            let PalsanReply::Cases { cases } = call(paths, PalsanRequest::RepairList)? else {
                return fail("unexpected reply");
            };
            if json {
                print_json(&serde_json::json!({ "cases": cases }));
            } else {
                for c in cases {
                    out!(
                        "{:>4} palsan {:<4} {:<9} {}",
                        c.id,
                        c.palsan_id,
                        c.berikutnya()
                            .map_or("selesai".into(), |n| format!("langkah {}", n.nomor())),
                        c.kerusakan
                    );
                }
            }
            Ok(())
        }
    }
}

fn kunci(paths: &Paths, action: KunciAction) -> Result<(), Fail> {
    match action {
        KunciAction::Add {
            jenis,
            seri,
            palsan,
            dari,
            sampai,
            pemegang,
            kondisi,
            catatan,
            json,
        } => {
            let kunci = KunciBaru {
                jenis,
                seri,
                palsan_id: palsan,
                berlaku_dari: date("dari", &dari)?,
                berlaku_sampai: date("sampai", &sampai)?,
                pemegang,
                kondisi: bad(Kondisi::parse(&kondisi))?,
                catatan,
            };
            kunci_out(call(paths, PalsanRequest::KunciAdd { kunci })?, json)
        }
        KunciAction::List { json } => {
            let PalsanReply::KunciList { kunci } = call(paths, PalsanRequest::KunciList)? else {
                return fail("unexpected reply");
            };
            if json {
                print_json(&serde_json::json!({ "kunci": kunci }));
            } else {
                for k in &kunci {
                    print_kunci(k);
                }
            }
            Ok(())
        }
        KunciAction::Status {
            id,
            status,
            catatan,
            json,
        } => {
            let status = bad(StatusKunci::parse(&status))?;
            kunci_out(
                call(
                    paths,
                    PalsanRequest::KunciStatus {
                        id,
                        status,
                        catatan,
                    },
                )?,
                json,
            )
        }
    }
}
