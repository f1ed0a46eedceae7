//! `kasa backup …`: backups per seed 001 and SOP PI.01 (issue 17; `docs/backup.md`).
//!
//! `create`, `test` and `log` ask the node (it holds the store and the keys); `verify` and `restore`
//! work on the backup directory alone, so a new box can be rebuilt from the external disk. `--json`
//! prints one JSON document (fields in `docs/cli.md`). Exit status 0 only on success.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Subcommand;
use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::{Fail, connect, print_json};
use crate::config::Paths;
use crate::crypto::NodeCard;
use crate::domain::backup::{
    Hasil, Laporan, PihakRestore, analisis_bulanan, berita_acara_restore, human_bytes,
    laporan_backup,
};
use crate::node::backup::{BlobPilihan, RestoreParams, identities_for, restore, verify};
use crate::proto::backup::{BackupReply, BackupRequest};
use crate::proto::{Reply, Request};

/// Subcommands of `kasa backup`.
#[derive(Subcommand, Debug)]
pub enum BackupAction {
    /// Write a backup into DIR (incremental after the first; full every N runs or with --full).
    Create {
        #[arg(long)]
        to: PathBuf,
        /// Write every piece anew (a full backup).
        #[arg(long)]
        full: bool,
        #[arg(long)]
        json: bool,
    },
    /// Check signatures, hashes and the chain of manifests in DIR (no passphrase needed).
    Verify {
        dir: PathBuf,
        /// The node card to check signatures against (default: this data directory's card, else
        /// the card in DIR — compare its fingerprint with the paper card).
        #[arg(long)]
        card: Option<PathBuf>,
        /// Check the chain only up to manifest N.
        #[arg(long)]
        manifest: Option<u64>,
        #[arg(long)]
        json: bool,
    },
    /// Rebuild a data directory from DIR (refuses a non-empty target); writes the berita acara.
    Restore {
        #[arg(long)]
        from: PathBuf,
        #[arg(long)]
        to: PathBuf,
        /// Restore the state of manifest N (default: the latest).
        #[arg(long)]
        manifest: Option<u64>,
        /// Passphrase file (0600) of the node keystore kept in DIR/identity.
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
        /// age identity file (AGE-SECRET-KEY-1…): the offline recovery identity.
        #[arg(long)]
        identity: Option<PathBuf>,
        #[arg(long)]
        card: Option<PathBuf>,
        /// Berita acara (PI.01 V.8): who asked, who did it, their head, and why.
        #[arg(long, default_value = "")]
        pemohon: String,
        #[arg(long, default_value = "")]
        pelaksana: String,
        #[arg(long, default_value = "")]
        pimpinan: String,
        #[arg(long, default_value = "")]
        alasan: String,
        #[arg(long, default_value = "Asia/Jakarta")]
        zone: String,
        #[arg(long)]
        json: bool,
    },
    /// Restore test (PI.01 V.4): random sample restored in a temp dir, compared with the live node.
    Test {
        dir: PathBuf,
        /// Documents sampled (default `backup.test_sample` of node.toml).
        #[arg(long)]
        sample: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    /// The backup log (PI.01 V.3).
    Log {
        #[arg(long)]
        json: bool,
    },
    /// Reports: `laporan` (backup report + daftar kontrol, SOP 001 steps 8–10), `analisis` (monthly
    /// failure analysis, PI.01 V.6). Markdown and PDF into --out.
    Report {
        /// laporan | analisis
        jenis: String,
        /// Period start (YYYY-MM-DD, node zone) for `laporan`; default: 30 days ago.
        #[arg(long)]
        dari: Option<String>,
        /// Period end (exclusive) for `laporan`; default: now.
        #[arg(long)]
        sampai: Option<String>,
        /// Month (YYYY-MM) for `analisis`; default: this month.
        #[arg(long)]
        bulan: Option<String>,
        /// Output directory ("-" prints the Markdown).
        #[arg(long, default_value = ".")]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

fn abs(p: &Path) -> Result<PathBuf, Fail> {
    std::path::absolute(p).map_err(|e| Fail(format!("{}: {e}", p.display()), 2))
}

fn call(paths: &Paths, req: BackupRequest, long: bool) -> Result<BackupReply, Fail> {
    let mut c = connect(paths)?;
    if long {
        c.timeout = Duration::from_secs(24 * 3600);
    }
    match c.call(Request::Backup(req))? {
        Reply::Backup(r) => Ok(r),
        other => Err(Fail(
            format!("unexpected reply from the node: {other:?}"),
            1,
        )),
    }
}

fn read_card(p: &Path) -> Result<NodeCard, Fail> {
    let t = std::fs::read_to_string(p).map_err(|e| Fail(format!("{}: {e}", p.display()), 2))?;
    NodeCard::parse(&t).map_err(|e| Fail(format!("{}: {e}", p.display()), 2))
}

/// The card to verify against: --card, else the data directory's own card when it is the same node.
fn trusted_card(
    paths: &Paths,
    card: Option<&Path>,
    dir: &Path,
) -> Result<Option<(NodeCard, &'static str)>, Fail> {
    if let Some(c) = card {
        return Ok(Some((read_card(c)?, "--card")));
    }
    let node = std::fs::read_to_string(dir.join("kasa-backup.toml"))
        .ok()
        .and_then(|t| toml::from_str::<crate::node::backup::TargetInfo>(&t).ok())
        .map(|t| t.node_id);
    Ok(crate::node::backup::local_card(paths)
        .filter(|c| node.as_deref() == Some(c.node_id.as_str()))
        .map(|c| (c, "data dir")))
}

/// The PDF of a report, through the document layer (embedded fonts, the office's kop surat).
fn pdf_of(l: &Laporan, kop: Option<crate::doc::KopSurat>) -> Result<Vec<u8>, Fail> {
    crate::doc::pdf::render(&l.dokumen(kop)).map_err(|e| Fail(format!("PDF: {e}"), 1))
}

/// The letterhead of a data directory that may have no running node (a restore target): its
/// `node.toml` `[kop]`, else the default one named `nama` (the node id).
fn kop_of_data_dir(dir: &Path, nama: &str) -> crate::doc::KopSurat {
    std::fs::read_to_string(dir.join("node.toml"))
        .ok()
        .and_then(|t| toml::from_str::<crate::config::NodeConfig>(&t).ok())
        .and_then(|c| c.kop)
        .unwrap_or_else(|| crate::doc::KopSurat::bawaan(nama))
}

fn write_report(
    out: &Path,
    stem: &str,
    l: &Laporan,
    kop: Option<crate::doc::KopSurat>,
    json: bool,
) -> Result<(), Fail> {
    let md = l.markdown();
    if out.as_os_str() == "-" {
        print!("{}", crate::domain::sanitize::clean_lines(&md));
        return Ok(());
    }
    std::fs::create_dir_all(out).map_err(|e| Fail(format!("{}: {e}", out.display()), 1))?;
    let mdp = out.join(format!("{stem}.md"));
    let pdfp = out.join(format!("{stem}.pdf"));
    write_0600(&mdp, md.as_bytes())?;
    write_0600(&pdfp, &pdf_of(l, kop)?)?;
    if json {
        print_json(&serde_json::json!({
            "markdown": mdp.display().to_string(),
            "pdf": pdfp.display().to_string(),
            "laporan": l,
        }));
    } else {
        out!("{}\n{}", mdp.display(), pdfp.display());
    }
    Ok(())
}

fn write_0600(p: &Path, data: &[u8]) -> Result<(), Fail> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(p)
        .map_err(|e| Fail(format!("{}: {e}", p.display()), 1))?;
    f.write_all(data)
        .map_err(|e| Fail(format!("{}: {e}", p.display()), 1))
}

fn zone_of(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

fn day_start(s: &str, tz: &TimeZone) -> Result<Timestamp, Fail> {
    let d: jiff::civil::Date = s
        .parse()
        .map_err(|e| Fail(format!("'{s}' is not a date YYYY-MM-DD: {e}"), 2))?;
    d.to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .map_err(|e| Fail(e.to_string(), 2))
}

/// Runs `kasa backup ACTION`.
pub fn run(paths: &Paths, action: BackupAction) -> Result<(), Fail> {
    match action {
        BackupAction::Create { to, full, json } => {
            let to = abs(&to)?;
            let r = call(
                paths,
                BackupRequest::Create {
                    to: to.display().to_string(),
                    full,
                },
                true,
            )?;
            let BackupReply::Created { run, manifest } = r else {
                return Err(Fail("unexpected reply".into(), 1));
            };
            if json {
                print_json(&serde_json::json!({ "run": run, "manifest": manifest }));
            } else {
                out!(
                    "backup {} manifest {} ke {}: audit seq {}, {} bagian ({} baru), ditulis {} dari {}",
                    manifest.jenis.as_str(),
                    manifest.no,
                    to.display(),
                    manifest.audit_seq,
                    manifest.pieces.len(),
                    run.pieces_new,
                    human_bytes(manifest.bytes_written),
                    human_bytes(manifest.bytes_total)
                );
                for s in &manifest.himpunan {
                    out!(
                        "  {}: {} entri, {} dokumen, {}",
                        s.himpunan.map_or("-", |h| h.label()),
                        s.entries,
                        s.blobs,
                        human_bytes(s.bytes)
                    );
                }
            }
            Ok(())
        }
        BackupAction::Verify {
            dir,
            card,
            manifest,
            json,
        } => {
            let dir = abs(&dir)?;
            let tc = trusted_card(paths, card.as_deref(), &dir)?;
            let (rep, _) = verify(&dir, tc.as_ref().map(|(c, s)| (c, *s)), manifest);
            if json {
                print_json(&rep);
            } else if rep.ok {
                let last = rep.manifests.last();
                out!(
                    "backup {} baik: {} manifest, {} bagian ({}) diperiksa; terakhir manifest {} (audit seq {}); kunci tanda tangan {} ({})",
                    dir.display(),
                    rep.manifests.len(),
                    rep.pieces_checked,
                    human_bytes(rep.bytes_checked),
                    last.map_or(0, |m| m.no),
                    last.map_or(0, |m| m.audit_seq),
                    rep.signing_fingerprint.clone().unwrap_or_default(),
                    rep.key_source
                );
                if rep.unreferenced > 0 {
                    out!(
                        "  {} bagian tanpa manifest (sisa proses yang terputus; tidak dipakai)",
                        rep.unreferenced
                    );
                }
            }
            match rep.problem {
                None => Ok(()),
                Some(p) => Err(Fail(format!("backup verify failed: {}", p.message), 1)),
            }
        }
        BackupAction::Restore {
            from,
            to,
            manifest,
            passphrase_file,
            identity,
            card,
            pemohon,
            pelaksana,
            pimpinan,
            alasan,
            zone,
            json,
        } => {
            let from = abs(&from)?;
            let to = abs(&to)?;
            let pass = match &passphrase_file {
                Some(f) => Some(
                    crate::crypto::read_passphrase_file(f)
                        .map_err(|e| Fail(format!("{}: {e}", f.display()), 2))?,
                ),
                None if identity.is_none() => Some(
                    crate::node::kriptogram::read_passphrase_tty("Frasa sandi keystore node: ")
                        .map_err(|e| Fail(e.to_string(), 2))?,
                ),
                None => None,
            };
            let ids = identities_for(
                &from,
                pass.as_ref().map(|p| p.as_slice()),
                identity.as_deref(),
            )
            .map_err(|m| Fail(m, 2))?;
            let tc = trusted_card(paths, card.as_deref(), &from)?;
            let now = crate::clock::now();
            let r = restore(RestoreParams {
                from: &from,
                to: &to,
                manifest,
                identities: &ids,
                card: tc.as_ref().map(|(c, s)| (c, *s)),
                blobs: BlobPilihan::All,
                now,
            })
            .map_err(|m| Fail(format!("restore refused: {m}"), 1))?;
            let ba = berita_acara_restore(
                &r.fakta,
                &PihakRestore {
                    pemohon,
                    pelaksana,
                    pimpinan,
                    alasan,
                },
                &zone_of(&zone),
            );
            let stem = format!("berita-acara-restore-{}", r.fakta.manifest_no);
            let md = ba.markdown();
            let mdp = to.join(format!("{stem}.md"));
            write_0600(&mdp, md.as_bytes())?;
            write_0600(
                &to.join(format!("{stem}.pdf")),
                &pdf_of(&ba, Some(kop_of_data_dir(&to, &r.fakta.node_id)))?,
            )?;
            if json {
                print_json(&serde_json::json!({
                    "restored": r.fakta,
                    "berita_acara": mdp.display().to_string(),
                }));
            } else {
                out!(
                    "restore manifest {} ke {}: {} entri, {} dokumen, audit seq {} hash {}\nberita acara: {}",
                    r.fakta.manifest_no,
                    to.display(),
                    r.fakta.entries,
                    r.fakta.blobs,
                    r.fakta.audit_seq,
                    r.fakta.audit_hash,
                    mdp.display()
                );
            }
            Ok(())
        }
        BackupAction::Test { dir, sample, json } => {
            let dir = abs(&dir)?;
            let r = call(
                paths,
                BackupRequest::Test {
                    dir: dir.display().to_string(),
                    sample,
                },
                true,
            )?;
            let BackupReply::Tested { run } = r else {
                return Err(Fail("unexpected reply".into(), 1));
            };
            if json {
                print_json(&run);
            } else {
                let u = run.uji.clone().unwrap_or_default();
                out!(
                    "uji restore manifest {}: {} entri dipulihkan, hash audit {} , dokumen cocok {}/{}, entri cocok {}/{}",
                    u.manifest_no,
                    u.entries_restored,
                    if u.audit_head_match {
                        "cocok"
                    } else {
                        "TIDAK cocok"
                    },
                    u.blobs_matching,
                    u.blobs_sampled,
                    u.entries_matching,
                    u.entries_sampled
                );
                for s in &u.selisih {
                    out!("  selisih: {s}");
                }
            }
            match &run.hasil {
                Hasil::Berhasil => Ok(()),
                Hasil::Gagal { alasan, .. } => {
                    Err(Fail(format!("restore test failed: {alasan}"), 1))
                }
                Hasil::Berjalan => Err(Fail("restore test did not finish".into(), 1)),
            }
        }
        BackupAction::Log { json } => {
            let r = call(paths, BackupRequest::Log, false)?;
            if json {
                print_json(&r);
                return Ok(());
            }
            let BackupReply::Log {
                runs,
                ringkasan,
                zone,
                test_overdue,
                missed,
                ..
            } = r
            else {
                return Err(Fail("unexpected reply".into(), 1));
            };
            let tz = zone_of(&zone);
            let t = |x: Option<Timestamp>| {
                x.map_or("-".into(), |x| {
                    x.to_zoned(tz.clone())
                        .strftime("%Y-%m-%d %H:%M %Z")
                        .to_string()
                })
            };
            out!(
                "backup terakhir berhasil: {} · uji restore terakhir: {}{}{}",
                t(ringkasan.last_backup_ok),
                t(ringkasan.last_test_ok),
                if test_overdue {
                    " · UJI RESTORE JATUH TEMPO"
                } else {
                    ""
                },
                if missed { " · BACKUP TERLEWAT" } else { "" }
            );
            for r in &runs {
                out!(
                    "{:>4} {} {:<12} {:<11} manifest {:<4} {:>10} {}",
                    r.id,
                    t(Some(r.started_at)),
                    match r.jenis_run {
                        crate::domain::backup::JenisRun::Backup => "backup",
                        crate::domain::backup::JenisRun::UjiRestore => "uji-restore",
                    },
                    r.jenis.map_or("-", |j| j.as_str()),
                    r.manifest_no.map_or("-".into(), |n| n.to_string()),
                    human_bytes(r.bytes_written),
                    match &r.hasil {
                        Hasil::Berhasil => "berhasil".to_string(),
                        Hasil::Berjalan => "berjalan".to_string(),
                        Hasil::Gagal { jenis, alasan } =>
                            format!("GAGAL {}: {alasan}", jenis.label()),
                    }
                );
            }
            Ok(())
        }
        BackupAction::Report {
            jenis,
            dari,
            sampai,
            bulan,
            out,
            json,
        } => {
            let BackupReply::Log {
                runs,
                zone,
                node_id,
                now,
                ..
            } = call(paths, BackupRequest::Log, false)?
            else {
                return Err(Fail("unexpected reply".into(), 1));
            };
            let tz = zone_of(&zone);
            let kop = Some(super::laporan::kop(&mut connect(paths)?)?.0);
            match jenis.as_str() {
                "laporan" => {
                    let to = match &sampai {
                        Some(s) => day_start(s, &tz)?,
                        None => now,
                    };
                    let from = match &dari {
                        Some(s) => day_start(s, &tz)?,
                        None => to
                            .checked_sub(jiff::SignedDuration::from_hours(30 * 24))
                            .unwrap_or(to),
                    };
                    let l = laporan_backup(&node_id, &runs, from, to, &tz);
                    write_report(&out, "laporan-backup", &l, kop.clone(), json)
                }
                "analisis" => {
                    let at = match &bulan {
                        Some(b) => day_start(&format!("{b}-01"), &tz)?,
                        None => now,
                    };
                    let (l, _) = analisis_bulanan(&node_id, &runs, at, 5, &tz);
                    let stem = format!(
                        "analisis-backup-{}",
                        at.to_zoned(tz.clone()).strftime("%Y-%m")
                    );
                    write_report(&out, &stem, &l, kop.clone(), json)
                }
                other => Err(Fail(
                    format!("unknown report '{other}': use laporan or analisis"),
                    2,
                )),
            }
        }
    }
}
