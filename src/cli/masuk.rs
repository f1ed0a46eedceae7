//! `kasa masuk distribusi|terima|mirip|duplikat|alur` and `kasa siapel entri|list|export`: the receive
//! flows after registration (seed 003 SOP A, B, C; `docs/cli.md` "Berita masuk").
//!
//! `--json` prints exactly one JSON document (the entry, the candidates, the clocks, the list).

use std::path::PathBuf;

use clap::Subcommand;

use super::insiden::parse_time;
use super::{Fail, connect, fail, node_zone, print_json, shown};
use crate::client::Client;
use crate::config::Paths;
use crate::domain::penerimaan;
use crate::proto::masuk::{MasukReply, MasukRequest};
use crate::proto::{Reply, Request};

/// `kasa masuk …`
#[derive(Subcommand, Debug)]
pub enum MasukAction {
    /// Hand a registered entry to an internal recipient (003 SOP A3/B3/C4).
    Distribusi {
        id: u64,
        /// bagian_umum (letters to the Bupati, Wakil Bupati, Sekda, Asisten), kasi (to an OPD, for a
        /// surat pengantar), opd, pimpinan.
        #[arg(long)]
        jenis: String,
        /// The unit, e.g. "Dinas Kesehatan" (default: the kind's usual name; required for opd).
        #[arg(long, default_value = "")]
        ke: String,
        #[arg(long, default_value = "")]
        catatan: String,
        #[arg(long)]
        json: bool,
    },
    /// Record the tanda terima of distribution NO: who received it and when.
    Terima {
        id: u64,
        no: u32,
        #[arg(long)]
        nama: String,
        /// When it was received: RFC 3339 or "YYYY-MM-DD HH:MM" in the node's zone (default: now).
        #[arg(long)]
        pada: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Entries that may be the same letter (same nomor surat and asal, or perihal and date close).
    Mirip {
        id: u64,
        #[arg(long)]
        json: bool,
    },
    /// Link ID as a duplicate of ORIGINAL (before or after registration; never distributed twice).
    Duplikat {
        id: u64,
        #[arg(long = "dari")]
        original: u64,
        #[arg(long)]
        json: bool,
    },
    /// The entry's receive flow: every step with its actor, norm, clock and who did it when.
    Alur {
        id: u64,
        #[arg(long)]
        json: bool,
    },
}

/// `kasa siapel …`
#[derive(Subcommand, Debug)]
pub enum SiApelAction {
    /// Record that entry ID was entered in SI APEL (003 SOP A4/B4/C5).
    Entri {
        id: u64,
        /// The reference SI APEL gave, if any.
        #[arg(long, default_value = "")]
        nomor: String,
        #[arg(long)]
        json: bool,
    },
    /// Registered incoming entries and their SI APEL state (`--belum`: only those not entered).
    List {
        #[arg(long)]
        belum: bool,
        #[arg(long)]
        json: bool,
    },
    /// CSV of the entries registered from --since (and to --until), columns in the order of the buku
    /// agenda (docs/cli.md "SI APEL export"); to stdout or --out (0600).
    Export {
        /// First registration date, YYYY-MM-DD (node zone).
        #[arg(long)]
        since: String,
        #[arg(long)]
        until: Option<String>,
        /// Only entries not yet entered in SI APEL.
        #[arg(long)]
        belum: bool,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn call(c: &mut Client, r: MasukRequest) -> Result<Reply, Fail> {
    Ok(c.call(Request::Masuk(r))?)
}

fn entry_out(r: Reply, json: bool, done: &str) {
    if let Reply::Entry { entry, .. } = r {
        if json {
            print_json(&entry);
        } else {
            out!(
                "entri {} · {} · {}: {done}",
                entry.id,
                entry.status.as_str(),
                entry.nomor_agenda.map_or("-".into(), |n| format!(
                    "agenda {n}/{}",
                    entry.tahun.unwrap_or(0)
                ))
            );
        }
    }
}

fn date(s: &str, what: &str) -> Result<jiff::civil::Date, Fail> {
    s.trim()
        .parse()
        .map_err(|e| Fail(format!("{what} '{s}': {e}; tulis YYYY-MM-DD"), 2))
}

/// Runs `kasa masuk …`.
pub fn run(paths: &Paths, action: MasukAction) -> Result<(), Fail> {
    let mut c = connect(paths)?;
    match action {
        MasukAction::Distribusi {
            id,
            jenis,
            ke,
            catatan,
            json,
        } => {
            let r = call(
                &mut c,
                MasukRequest::Distribusi {
                    id,
                    jenis,
                    ke,
                    catatan,
                },
            )?;
            entry_out(r, json, "didistribusikan");
        }
        MasukAction::Terima {
            id,
            no,
            nama,
            pada,
            json,
        } => {
            let at = match pada {
                Some(p) => Some(parse_time(&p, &node_zone(&mut c))?),
                None => None,
            };
            let r = call(&mut c, MasukRequest::TandaTerima { id, no, nama, at })?;
            entry_out(r, json, "tanda terima dicatat");
        }
        MasukAction::Mirip { id, json } => {
            let Reply::Masuk(MasukReply::Mirip { mirip }) =
                call(&mut c, MasukRequest::Mirip { id, fields: None })?
            else {
                return fail("jawaban node tidak terduga");
            };
            if json {
                print_json(&mirip);
            } else if mirip.is_empty() {
                out!("tidak ada berita lain yang mungkin sama dengan entri {id}");
            } else {
                for m in &mirip {
                    out!(
                        "mungkin sama: entri {} {} · {} · {} — {}",
                        m.id,
                        m.nomor_agenda
                            .map_or("(baru)".into(), |(n, t)| format!("agenda {n}/{t}")),
                        m.saluran,
                        m.perihal,
                        m.alasan
                    );
                }
                out!("tautkan: kasa masuk duplikat {id} --dari ENTRI_ASLI");
            }
        }
        MasukAction::Duplikat { id, original, json } => {
            let r = call(&mut c, MasukRequest::Tautkan { id, of: original })?;
            entry_out(r, json, &format!("duplikat dari entri {original}"));
        }
        MasukAction::Alur { id, json } => {
            let Reply::Masuk(MasukReply::Alur { alur, jam, now }) =
                call(&mut c, MasukRequest::Alur { id })?
            else {
                return fail("jawaban node tidak terduga");
            };
            if json {
                print_json(&serde_json::json!({"alur": alur, "jam": jam, "now": now}));
                return Ok(());
            }
            let Some(a) = alur else {
                out!(
                    "entri {id} tidak mengikuti alur SOP (berita keluar, saluran tanpa alur, batal atau duplikat)"
                );
                return Ok(());
            };
            let tz = node_zone(&mut c);
            out!("Alur {} — {} ({})", a.kode, a.judul, a.sumber);
            for (l, j) in a.langkah.iter().zip(&jam) {
                let t = |x: Option<jiff::Timestamp>| x.map_or("-".into(), |x| shown(x, &tz));
                let selesai = j.selesai.as_ref().map_or("-".into(), |(at, by)| {
                    format!("{} oleh {by}", shown(*at, &tz))
                });
                out!(
                    "{} [{}] {} ({} · {} menit)\n    mulai {} · batas {} · selesai {}",
                    l.kode,
                    j.keadaan.as_str(),
                    l.teks,
                    l.pelaksana,
                    l.menit,
                    t(j.mulai),
                    t(j.batas),
                    selesai
                );
            }
        }
    }
    Ok(())
}

/// Runs `kasa siapel …`.
pub fn run_siapel(paths: &Paths, action: SiApelAction) -> Result<(), Fail> {
    let mut c = connect(paths)?;
    match action {
        SiApelAction::Entri { id, nomor, json } => {
            let r = call(&mut c, MasukRequest::SiApel { id, nomor })?;
            entry_out(r, json, "sudah dientri di SI APEL");
        }
        SiApelAction::List { belum, json } => {
            let Reply::Masuk(MasukReply::SiApel {
                entries,
                zone,
                ingat,
            }) = call(
                &mut c,
                MasukRequest::SiApelDaftar {
                    belum,
                    since: None,
                    until: None,
                },
            )?
            else {
                return fail("jawaban node tidak terduga");
            };
            if json {
                print_json(&serde_json::json!({"entries": entries, "ingat": ingat}));
                return Ok(());
            }
            let tz = jiff::tz::TimeZone::get(&zone).unwrap_or(jiff::tz::TimeZone::UTC);
            if entries.is_empty() {
                out!(
                    "{}",
                    if belum {
                        "semua berita yang diagendakan sudah dientri di SI APEL"
                    } else {
                        "belum ada berita masuk yang diagendakan"
                    }
                );
            }
            for e in &entries {
                out!(
                    "entri {} · agenda {}/{} · {} · {}{}",
                    e.id,
                    e.nomor_agenda.unwrap_or(0),
                    e.tahun.unwrap_or(0),
                    e.perihal,
                    e.siapel
                        .as_ref()
                        .map_or("BELUM SI APEL".into(), |s| format!(
                            "SI APEL {} oleh {}",
                            shown(s.at, &tz),
                            s.oleh
                        )),
                    if ingat.contains(&e.id) {
                        " · MENUNGGU TERLALU LAMA"
                    } else {
                        ""
                    }
                );
            }
            if !ingat.is_empty() {
                out!(
                    "{} berita menunggu SI APEL lebih lama dari batas pengingat: entri lalu catat `kasa siapel entri ID`",
                    ingat.len()
                );
            }
        }
        SiApelAction::Export {
            since,
            until,
            belum,
            out,
        } => {
            let since = date(&since, "--since")?;
            let until = until.map(|u| date(&u, "--until")).transpose()?;
            let Reply::Masuk(MasukReply::SiApel { entries, zone, .. }) = call(
                &mut c,
                MasukRequest::SiApelDaftar {
                    belum,
                    since: Some(since),
                    until,
                },
            )?
            else {
                return fail("jawaban node tidak terduga");
            };
            let tz = jiff::tz::TimeZone::get(&zone).unwrap_or(jiff::tz::TimeZone::UTC);
            let csv = penerimaan::siapel_csv(&entries, &tz);
            match out {
                None => {
                    use std::io::Write as _;
                    std::io::stdout()
                        .write_all(csv.as_bytes())
                        .map_err(|e| Fail(e.to_string(), 1))?;
                }
                Some(p) => {
                    crate::crypto::fsutil::write_new_private(&p, csv.as_bytes()).map_err(|e| {
                        if e.kind() == std::io::ErrorKind::AlreadyExists {
                            Fail(
                                format!(
                                    "{}: berkas sudah ada; ekspor tidak menimpa — pilih nama lain dengan --out",
                                    p.display()
                                ),
                                1,
                            )
                        } else {
                            Fail(format!("{}: {e}", p.display()), 1)
                        }
                    })?;
                    out!("{} baris → {}", entries.len(), p.display());
                }
            }
        }
    }
    Ok(())
}
