//! `kasa incident …`: the *Logbook Insiden Keamanan Informasi* from a shell (seed 003, SOP PI.03).
//!
//! `--json` prints one JSON document: the incident (`new`, `log`, `show`, and every mutation) or
//! `{"insiden": [...], "now": …}` (`list`). Field names are documented in `docs/cli.md`.

use std::path::PathBuf;

use clap::Subcommand;
use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::{Fail, connect, fail, print_json};
use crate::client::Client;
use crate::config::Paths;
use crate::domain::insiden::{
    Insiden, Kategori, Keparahan, Keputusan, PenugasanPeran, PeranInsiden, StatusInsiden,
    SumberSerangan, Tlp, Ubahan, laporan,
};
use crate::proto::insiden::{InsidenReply, InsidenRequest};
use crate::proto::{Reply, Request};

/// Subcommands of `kasa incident`.
#[derive(Subcommand, Debug)]
pub enum IncidentAction {
    /// Open an incident with its first log line (detection time = now unless --diketahui).
    New {
        teks: String,
        /// When it happened, if known and different (RFC 3339, or `YYYY-MM-DD HH:MM` in the node zone).
        #[arg(long)]
        terjadi: Option<String>,
        /// When it became known, if earlier than now: the PI.03 clocks count from it.
        #[arg(long)]
        diketahui: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Append a timestamped log line (or, with --koreksi N --alasan R, a correction of entry N).
    Log {
        id: u64,
        teks: String,
        /// A second operator who performed the action (you type, they act).
        #[arg(long)]
        pelaksana: Option<String>,
        /// When it happened (event time; default now; never in the future).
        #[arg(long)]
        waktu: Option<String>,
        /// Correct timeline entry N instead of adding a plain line (the original stays).
        #[arg(long, requires = "alasan")]
        koreksi: Option<u32>,
        #[arg(long)]
        alasan: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Incidents, open first, with their SLA state.
    List {
        /// Include closed incidents.
        #[arg(long)]
        semua: bool,
        #[arg(long)]
        json: bool,
    },
    /// One incident with its timeline, checklist and SLA clocks.
    Show {
        id: u64,
        #[arg(long)]
        json: bool,
    },
    /// Fill in the record: kategori, keparahan, TLP, affected system, source, roles, times.
    Set {
        id: u64,
        #[arg(long)]
        judul: Option<String>,
        /// program_jahat | pemaksaan_akses | akses_tidak_sah | lainnya
        #[arg(long)]
        kategori: Option<String>,
        /// rendah | sedang | tinggi | kritis (or 1–4)
        #[arg(long)]
        keparahan: Option<String>,
        /// clear | green | amber | amber+strict | red
        #[arg(long)]
        tlp: Option<String>,
        #[arg(long)]
        sistem: Option<String>,
        /// The known source of attack (IP, account, host).
        #[arg(long, conflicts_with = "sumber_tidak_diketahui")]
        sumber: Option<String>,
        /// The source of attack is established as unknown.
        #[arg(long)]
        sumber_tidak_diketahui: bool,
        /// When it happened (RFC 3339, or `YYYY-MM-DD HH:MM` in the node zone).
        #[arg(long)]
        terjadi: Option<String>,
        /// When it became known (the PI.03 clocks count from it): terjadi ≤ diketahui ≤ now.
        #[arg(long)]
        diketahui: Option<String>,
        #[arg(long)]
        koordinator: Option<String>,
        #[arg(long)]
        kepala_seksi: Option<String>,
        #[arg(long)]
        anggota: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Add the steps of playbook A, B or C (PI.03 V).
    Playbook {
        id: u64,
        kode: String,
        #[arg(long)]
        json: bool,
    },
    /// Tick a checklist step (U1, U2, A1…, B1…, C1…).
    Tick {
        id: u64,
        kode: String,
        /// Who performed the step, when not you.
        #[arg(long)]
        pelaksana: Option<String>,
        /// When the step was done (default now; not before detection, not in the future).
        #[arg(long)]
        waktu: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The PI.03 C2 decision: lanjutkan (let it continue) or hentikan (stop now), and who decided.
    Decide {
        id: u64,
        keputusan: String,
        #[arg(long)]
        oleh: String,
        #[arg(long)]
        json: bool,
    },
    /// Move the status forward: penanganan, pemulihan (closing: `close`).
    Status {
        id: u64,
        ke: String,
        #[arg(long)]
        json: bool,
    },
    /// Close with the mandatory lessons-learned note.
    Close {
        id: u64,
        #[arg(long)]
        pelajaran: String,
        #[arg(long)]
        json: bool,
    },
    /// Void an incident opened by mistake (its clocks stop counting; audited).
    Void {
        id: u64,
        #[arg(long)]
        alasan: String,
        #[arg(long)]
        json: bool,
    },
    /// Merge incident ID into incident --ke (the same event logged twice): its timeline and
    /// evidence move there.
    Merge {
        id: u64,
        #[arg(long)]
        ke: u64,
        #[arg(long)]
        alasan: String,
        #[arg(long)]
        json: bool,
    },
    /// Record an evidence item: --file keeps the file with the incident (in the node's blob store,
    /// encrypted unless TLP:CLEAR); --sha256 records a hash only.
    Evidence {
        id: u64,
        deskripsi: String,
        #[arg(long, conflicts_with = "sha256")]
        file: Option<PathBuf>,
        #[arg(long)]
        sha256: Option<String>,
        /// Who holds the item now (default: you); custody starts with them.
        #[arg(long)]
        pemegang: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Record a custody transfer of evidence item NO.
    Custody {
        id: u64,
        no: u32,
        #[arg(long)]
        dari: String,
        #[arg(long)]
        ke: String,
        #[arg(long)]
        tempat: String,
        /// When the handover happened (default now).
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write the report (PI.03 B5 laporan pendek and the full timeline): insiden-ID.md and
    /// insiden-ID.pdf (A4, kop surat, TLP on every page, signature block, distribution). Files are
    /// new (0600, never overwritten).
    Report {
        id: u64,
        /// Output directory (default: current directory); `-` prints the Markdown on stdout.
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// Report number (default INS/<id>/<year>).
        #[arg(long, default_value = "")]
        nomor: String,
        /// Who acknowledges the report (jabatan), signing beside the reporter.
        #[arg(long, default_value = "Kepala Seksi Persandian")]
        mengetahui: String,
        /// Distribution list (repeat); default Kepala Dinas, Kepala Bidang, Arsip.
        #[arg(long)]
        distribusi: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

/// Parses a time given on the command line: an RFC 3339 instant, or a civil date-time in `tz`.
pub fn parse_time(s: &str, tz: &TimeZone) -> Result<Timestamp, Fail> {
    if let Ok(t) = s.trim().parse::<Timestamp>() {
        return Ok(t);
    }
    let dt = s
        .trim()
        .replace(' ', "T")
        .parse::<jiff::civil::DateTime>()
        .map_err(|e| {
            Fail(
                format!("waktu '{s}' tidak terbaca ({e}): pakai 2026-11-22T08:15:00+07:00 atau 2026-11-22 08:15"),
                2,
            )
        })?;
    dt.to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .map_err(|e| Fail(format!("waktu '{s}': {e}"), 2))
}

fn call(c: &mut Client, r: InsidenRequest) -> Result<InsidenReply, Fail> {
    match c.call(Request::Insiden(r))? {
        Reply::Insiden(r) => Ok(r),
        _ => fail("jawaban node tidak terduga"),
    }
}

fn one(r: InsidenReply) -> Result<(Insiden, Timestamp), Fail> {
    match r {
        InsidenReply::Satu { insiden, now } => Ok((*insiden, now)),
        _ => fail("jawaban node tidak terduga"),
    }
}

fn sla_cells(i: &Insiden, now: Timestamp) -> String {
    i.sla(now)
        .iter()
        .map(|s| s.cell(now))
        .collect::<Vec<_>>()
        .join("  ")
}

fn print_one(i: &Insiden, now: Timestamp, json: bool) {
    if json {
        print_json(i);
    } else {
        let last = i.linimasa.last();
        out!(
            "insiden {} · {} · {} · {}{}",
            i.id,
            i.status.as_str(),
            sla_cells(i, now),
            i.judul,
            last.map_or(String::new(), |e| format!(" · entri {}", e.no))
        );
    }
}

/// A time option read in the node's zone (asked of the node only when one was given).
fn waktu(c: &mut Client, s: Option<String>) -> Result<Option<Timestamp>, Fail> {
    match s {
        Some(s) => {
            let tz = super::node_zone(c);
            Ok(Some(parse_time(&s, &tz)?))
        }
        None => Ok(None),
    }
}

fn pe(e: crate::domain::DomainError) -> Fail {
    Fail(e.0, 2)
}

/// Runs one `kasa incident` subcommand against the node.
pub fn run(paths: &Paths, action: IncidentAction) -> Result<(), Fail> {
    let mut c = connect(paths)?;
    match action {
        IncidentAction::New {
            teks,
            terjadi,
            diketahui,
            json,
        } => {
            let terjadi_at = waktu(&mut c, terjadi)?;
            let diketahui_at = waktu(&mut c, diketahui)?;
            let (i, now) = one(call(
                &mut c,
                InsidenRequest::New {
                    teks,
                    terjadi_at,
                    diketahui_at,
                },
            )?)?;
            print_one(&i, now, json);
        }
        IncidentAction::Log {
            id,
            teks,
            pelaksana,
            waktu: w,
            koreksi,
            alasan,
            json,
        } => {
            let waktu = waktu(&mut c, w)?;
            let r = match koreksi {
                Some(no) => InsidenRequest::Koreksi {
                    id,
                    no,
                    teks,
                    alasan: alasan.unwrap_or_default(),
                    waktu,
                },
                None => InsidenRequest::Log {
                    id,
                    teks,
                    pelaksana,
                    waktu,
                },
            };
            let (i, now) = one(call(&mut c, r)?)?;
            print_one(&i, now, json);
        }
        IncidentAction::List { semua, json } => {
            let InsidenReply::Daftar { insiden, now } =
                call(&mut c, InsidenRequest::List { semua })?
            else {
                return fail("jawaban node tidak terduga");
            };
            if json {
                print_json(&serde_json::json!({ "insiden": insiden, "now": now }));
            } else {
                for i in &insiden {
                    out!(
                        "{:>4} {:<10} {:<8} {:<36} {}",
                        i.id,
                        i.status.as_str(),
                        i.keparahan.map_or("-", |k| k.as_str()),
                        sla_cells(i, now),
                        i.judul
                    );
                }
            }
        }
        IncidentAction::Show { id, json } => {
            let (i, now) = one(call(&mut c, InsidenRequest::Show { id })?)?;
            if json {
                let mut v = serde_json::to_value(&i).unwrap_or_default();
                v["sla"] = serde_json::to_value(i.sla(now)).unwrap_or_default();
                print_json(&v);
            } else {
                let tz = super::node_zone(&mut c);
                print!(
                    "{}",
                    crate::domain::sanitize::clean_lines(&laporan::markdown(&i, &tz, now))
                );
            }
        }
        IncidentAction::Set {
            id,
            judul,
            kategori,
            keparahan,
            tlp,
            sistem,
            sumber,
            sumber_tidak_diketahui,
            terjadi,
            diketahui,
            koordinator,
            kepala_seksi,
            anggota,
            json,
        } => {
            let mut u = Vec::new();
            if let Some(s) = judul {
                u.push(Ubahan::Judul(s));
            }
            // Detection first: a later `terjadi` is checked against the new detection time.
            if let Some(t) = waktu(&mut c, diketahui)? {
                u.push(Ubahan::DiketahuiAt(t));
            }
            if let Some(t) = waktu(&mut c, terjadi)? {
                u.push(Ubahan::TerjadiAt(t));
            }
            if let Some(s) = kategori {
                u.push(Ubahan::Kategori(Kategori::parse(&s).map_err(pe)?));
            }
            if let Some(s) = keparahan {
                u.push(Ubahan::Keparahan(Keparahan::parse(&s).map_err(pe)?));
            }
            if let Some(s) = tlp {
                u.push(Ubahan::Tlp(Tlp::parse(&s).map_err(pe)?));
            }
            if let Some(s) = sistem {
                u.push(Ubahan::SistemTerdampak(s));
            }
            if let Some(s) = sumber {
                u.push(Ubahan::Sumber(SumberSerangan::Diketahui(s)));
            }
            if sumber_tidak_diketahui {
                u.push(Ubahan::Sumber(SumberSerangan::TidakDiketahui));
            }
            let mut peran = |p: PeranInsiden, nama: String| {
                u.push(Ubahan::Peran(PenugasanPeran { peran: p, nama }))
            };
            if let Some(n) = koordinator {
                peran(PeranInsiden::Koordinator, n);
            }
            if let Some(n) = kepala_seksi {
                peran(PeranInsiden::KepalaSeksi, n);
            }
            for n in anggota {
                peran(PeranInsiden::Anggota, n);
            }
            if u.is_empty() {
                return Err(Fail(
                    "tidak ada yang diubah: beri paling sedikit satu opsi (--kategori, --keparahan, --tlp, --sistem, --sumber, …)".into(),
                    2,
                ));
            }
            let (i, now) = one(call(&mut c, InsidenRequest::Ubah { id, ubahan: u })?)?;
            print_one(&i, now, json);
        }
        IncidentAction::Playbook { id, kode, json } => {
            let (i, now) = one(call(&mut c, InsidenRequest::Playbook { id, kode })?)?;
            print_one(&i, now, json);
        }
        IncidentAction::Tick {
            id,
            kode,
            pelaksana,
            waktu: w,
            json,
        } => {
            let waktu = waktu(&mut c, w)?;
            let (i, now) = one(call(
                &mut c,
                InsidenRequest::Centang {
                    id,
                    kode,
                    pelaksana,
                    waktu,
                },
            )?)?;
            print_one(&i, now, json);
        }
        IncidentAction::Decide {
            id,
            keputusan,
            oleh,
            json,
        } => {
            let keputusan = Keputusan::parse(&keputusan).map_err(pe)?;
            let (i, now) = one(call(
                &mut c,
                InsidenRequest::Keputusan {
                    id,
                    keputusan,
                    oleh,
                },
            )?)?;
            print_one(&i, now, json);
        }
        IncidentAction::Status { id, ke, json } => {
            let ke = StatusInsiden::parse(&ke).map_err(pe)?;
            let (i, now) = one(call(&mut c, InsidenRequest::Status { id, ke })?)?;
            print_one(&i, now, json);
        }
        IncidentAction::Close {
            id,
            pelajaran,
            json,
        } => {
            let (i, now) = one(call(&mut c, InsidenRequest::Close { id, pelajaran })?)?;
            print_one(&i, now, json);
        }
        IncidentAction::Void { id, alasan, json } => {
            let (i, now) = one(call(&mut c, InsidenRequest::Batal { id, alasan })?)?;
            print_one(&i, now, json);
        }
        IncidentAction::Merge {
            id,
            ke,
            alasan,
            json,
        } => {
            let (i, now) = one(call(&mut c, InsidenRequest::Gabung { id, ke, alasan })?)?;
            print_one(&i, now, json);
        }
        IncidentAction::Evidence {
            id,
            deskripsi,
            file,
            sha256,
            pemegang,
            json,
        } => {
            let i = match file {
                Some(f) => c.insiden_bukti(id, deskripsi, pemegang, &f)?,
                None => one(call(
                    &mut c,
                    InsidenRequest::Bukti {
                        id,
                        deskripsi,
                        sha256,
                        pemegang,
                        berkas: None,
                    },
                )?)?,
            };
            print_one(&i.0, i.1, json);
        }
        IncidentAction::Custody {
            id,
            no,
            dari,
            ke,
            tempat,
            at,
            json,
        } => {
            let at = match at {
                Some(s) => {
                    let tz = super::node_zone(&mut c);
                    Some(parse_time(&s, &tz)?)
                }
                None => None,
            };
            let (i, now) = one(call(
                &mut c,
                InsidenRequest::SerahTerima {
                    id,
                    no,
                    dari,
                    ke,
                    tempat,
                    at,
                },
            )?)?;
            print_one(&i, now, json);
        }
        IncidentAction::Report {
            id,
            out,
            nomor,
            mengetahui,
            distribusi,
            json,
        } => {
            let (i, now) = one(call(&mut c, InsidenRequest::Show { id })?)?;
            let (kop, _, tz) = super::laporan::kop(&mut c)?;
            let me = super::laporan::saya(&mut c)?;
            let sah = crate::domain::dokumen::Pengesahan::laporan_insiden(
                &kop, &me, now, &tz, nomor, mengetahui, distribusi,
            );
            let d = crate::domain::dokumen::laporan_insiden(&kop, &i, &tz, now, &sah);
            if out.as_os_str() == "-" {
                out!(
                    "{}",
                    crate::domain::sanitize::clean_lines(&crate::doc::markdown::render(&d))
                );
                return Ok(());
            }
            let (mdp, pdfp) = super::laporan::simpan(&out, &format!("insiden-{id}"), &d)?;
            // The node records that the report exists (PI.03 B5/A9 can then be ticked).
            let pdf =
                std::fs::read(&pdfp).map_err(|e| Fail(format!("{}: {e}", pdfp.display()), 1))?;
            let nomor = crate::domain::dokumen::nomor_laporan_insiden(&i, &tz, &sah);
            call(
                &mut c,
                InsidenRequest::Laporan {
                    id,
                    nomor,
                    sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&pdf)),
                },
            )?;
            if json {
                print_json(&serde_json::json!({
                    "markdown": mdp.display().to_string(),
                    "pdf": pdfp.display().to_string(),
                }));
            } else {
                out!("{}\n{}", mdp.display(), pdfp.display());
            }
        }
    }
    Ok(())
}
