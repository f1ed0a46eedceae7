//! `kasa laporan monev|agenda|tanda-terima|resi|berita-acara`: the documents people sign, written
//! as PDF and Markdown (and CSV for the Monev tables) into a folder, every file new and 0600.
//! The models live in `domain::dokumen` and `domain::monev`, the rendering in `crate::doc`.
//!
//! `--json` prints `{"files": [paths…]}`.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::{Fail, connect, fail, print_json};
use crate::client::Client;
use crate::config::Paths;
use crate::doc::{Dokumen, KopSurat, Penanda};
use crate::domain::dokumen::{BarangBa, BeritaAcara, JenisBeritaAcara, Resi, ResiPenerima};
use crate::domain::monev::{Hubungan, Monev, MonevData};
use crate::domain::palsan::{Kunci, Palsan, StatusKunci};
use crate::domain::{Book, Entry, Operator};
use crate::proto::backup::{BackupReply, BackupRequest};
use crate::proto::insiden::{InsidenReply, InsidenRequest};
use crate::proto::link::{LinkReply, LinkRequest};
use crate::proto::palsan::{PalsanReply, PalsanRequest};
use crate::proto::{Reply, Request};

/// Report subcommands.
#[derive(Subcommand, Debug)]
pub enum LaporanAction {
    /// The annual Monev report's Lampiran I–XI (seed 003) for a year: monev-YEAR.pdf, .md and one
    /// CSV per table.
    Monev {
        #[arg(long)]
        tahun: i16,
        #[arg(long, default_value = ".")]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// The buku agenda of a period as the paper book's columns (F4).
    Agenda {
        /// masuk, keluar, kriptogram-masuk, kriptogram-keluar.
        #[arg(long, default_value = "masuk")]
        book: String,
        /// First day (YYYY-MM-DD, node zone).
        #[arg(long)]
        dari: String,
        /// Last day, inclusive.
        #[arg(long)]
        sampai: String,
        #[arg(long, default_value = ".")]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Tanda terima of a distribution: one row per recipient with spaces for name, time, paraf.
    TandaTerima {
        entry: u64,
        /// Recipient (repeat), e.g. "Bagian Umum Setda"; default: the entry's recorded distributions
        /// (`kasa masuk distribusi`).
        #[arg(long)]
        penerima: Vec<String>,
        #[arg(long, default_value = ".")]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Resi of a sent kriptogram (kriptogram-keluar entry).
    Resi {
        entry: u64,
        #[arg(long, default_value = ".")]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Berita acara: serah-terima (of an equipment item), pemusnahan-kunci (of destroyed key
    /// material), restore (refused until backups are recorded).
    BeritaAcara {
        /// serah-terima, pemusnahan-kunci, restore.
        jenis: String,
        /// Palsan item ids (serah-terima) or kunci ids (pemusnahan-kunci); repeat.
        #[arg(long)]
        id: Vec<u64>,
        /// Pihak kedua (receiver or witness): nama.
        #[arg(long, default_value = "")]
        kepada: String,
        #[arg(long, default_value = "")]
        kepada_nip: String,
        #[arg(long, default_value = "")]
        kepada_jabatan: String,
        #[arg(long, default_value = "")]
        nomor: String,
        /// Date (YYYY-MM-DD; default today in the node's zone).
        #[arg(long)]
        tanggal: Option<String>,
        /// Place (default the kop's town).
        #[arg(long)]
        tempat: Option<String>,
        #[arg(long, default_value = "")]
        uraian: String,
        #[arg(long, default_value = ".")]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

/// The letterhead, node name and zone of the node (`Request::KopSurat`).
pub fn kop(c: &mut Client) -> Result<(KopSurat, String, TimeZone), Fail> {
    match c.call(Request::KopSurat)? {
        Reply::KopSurat {
            kop,
            node_name,
            zone,
        } => Ok((
            kop,
            node_name,
            TimeZone::get(&zone).unwrap_or(TimeZone::UTC),
        )),
        _ => fail("unexpected reply"),
    }
}

/// The operator this connection is (from the node's welcome).
pub fn saya(c: &mut Client) -> Result<Operator, Fail> {
    match c.call(Request::Hello {
        client: "kasa-cli".into(),
        as_uid: None,
    })? {
        Reply::Welcome { operator, .. } => Ok(operator),
        _ => fail("unexpected reply"),
    }
}

/// Writes `<dir>/<base>.md` and `<dir>/<base>.pdf` (new files, 0600); creates `dir` (0700) if
/// missing. Refuses to overwrite an existing file, naming it.
pub fn simpan(dir: &Path, base: &str, d: &Dokumen) -> Result<(PathBuf, PathBuf), Fail> {
    crate::crypto::fsutil::ensure_private_dir(dir)
        .map_err(|e| Fail(format!("{}: {e}", dir.display()), 1))?;
    let mdp = dir.join(format!("{base}.md"));
    let pdfp = dir.join(format!("{base}.pdf"));
    for p in [&mdp, &pdfp] {
        if p.exists() {
            return Err(Fail(
                format!(
                    "{}: berkas sudah ada; dokumen tidak ditimpa — pilih folder lain dengan --out atau hapus berkas lama",
                    p.display()
                ),
                1,
            ));
        }
    }
    let pdf = crate::doc::pdf::render(d).map_err(|e| Fail(e, 1))?;
    crate::doc::tulis(&mdp, crate::doc::markdown::render(d).as_bytes()).map_err(|e| Fail(e, 1))?;
    crate::doc::tulis(&pdfp, &pdf).map_err(|e| Fail(e, 1))?;
    Ok((mdp, pdfp))
}

fn laporkan(files: &[PathBuf], json: bool) {
    if json {
        print_json(&serde_json::json!({
            "files": files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>()
        }));
    } else {
        for f in files {
            out!("{}", f.display());
        }
    }
}

fn palsan(c: &mut Client, r: PalsanRequest) -> Result<PalsanReply, Fail> {
    match c.call(Request::Palsan(r))? {
        Reply::Palsan(p) => Ok(*p),
        _ => fail("unexpected reply"),
    }
}

fn entry(c: &mut Client, id: u64) -> Result<Entry, Fail> {
    match c.call(Request::AgendaShow { id })? {
        Reply::Entry { entry, .. } => Ok(*entry),
        _ => fail("unexpected reply"),
    }
}

/// Every entry received on or after `sejak` (all books), newest first, paging through the agenda.
fn entri_sejak(c: &mut Client, book: Option<Book>, sejak: Timestamp) -> Result<Vec<Entry>, Fail> {
    let mut out: Vec<Entry> = Vec::new();
    let mut before = None;
    loop {
        let Reply::Entries { entries } = c.call(Request::AgendaList {
            book,
            books: Vec::new(),
            status: None,
            limit: Some(500),
            before,
            saring: None,
        })?
        else {
            return fail("unexpected reply");
        };
        let Some(last) = entries.last() else { break };
        before = Some((last.received_at.as_microsecond(), last.id));
        let habis = entries.len() < 500 || last.received_at < sejak;
        out.extend(entries);
        if habis {
            break;
        }
    }
    Ok(out)
}

fn tanggal_arg(s: &str, what: &str) -> Result<Date, Fail> {
    s.trim().parse::<Date>().map_err(|e| {
        Fail(
            format!("{what} '{s}' tidak terbaca ({e}): pakai YYYY-MM-DD, mis. 2026-01-31"),
            2,
        )
    })
}

fn awal_hari(d: Date, tz: &TimeZone) -> Result<Timestamp, Fail> {
    d.to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .map_err(|e| Fail(format!("tanggal {d}: {e}"), 2))
}

/// Runs a `kasa laporan` subcommand.
pub fn run(paths: &Paths, action: LaporanAction) -> Result<(), Fail> {
    let mut c = connect(paths)?;
    let (kop_surat, _node, tz) = kop(&mut c)?;
    match action {
        LaporanAction::Monev { tahun, out, json } => {
            if !(2000..=2200).contains(&tahun) {
                return Err(Fail(
                    format!("--tahun {tahun}: di luar rentang 2000–2200"),
                    2,
                ));
            }
            let Reply::Operators { operators } = c.call(Request::OperatorList)? else {
                return fail("unexpected reply");
            };
            let awal = awal_hari(jiff::civil::date(tahun, 1, 1), &tz)?;
            // A margin before the year: an entry received in late December may be registered in
            // January (the year is the nomor agenda's).
            let entri = entri_sejak(
                &mut c,
                None,
                awal - jiff::SignedDuration::from_hours(24 * 62),
            )?;
            let PalsanReply::Lampiran { tables } =
                palsan(&mut c, PalsanRequest::Lampiran { at: None })?
            else {
                return fail("unexpected reply");
            };
            let PalsanReply::Items { items } = palsan(&mut c, PalsanRequest::ItemList)? else {
                return fail("unexpected reply");
            };
            let insiden = match c.call(Request::Insiden(InsidenRequest::List { semua: true }))? {
                Reply::Insiden(InsidenReply::Daftar { insiden, .. }) => insiden,
                _ => return fail("unexpected reply"),
            };
            let Reply::Peers { peers } = c.call(Request::PeerList)? else {
                return fail("unexpected reply");
            };
            let cadangan = match c.call(Request::Backup(BackupRequest::Log))? {
                Reply::Backup(BackupReply::Log { runs, .. }) => runs,
                _ => return fail("unexpected reply"),
            };
            let data = MonevData {
                cadangan,
                tahun,
                zone: tz.clone(),
                instansi: instansi(&kop_surat),
                operator: operators,
                entri,
                palsan: tables,
                barang: items,
                insiden,
                hubungan: peers
                    .into_iter()
                    .map(|p| Hubungan {
                        node_id: p.node_id,
                        nama: p.name,
                        relasi: p.relation.as_str().into(),
                        saluran: p.saluran,
                        terverifikasi: p.verified,
                    })
                    .collect(),
            };
            let m = Monev::susun(&data);
            let base = format!("monev-{tahun}");
            let csv = m.csv();
            for (name, _) in &csv {
                let p = out.join(format!("{base}-{name}"));
                if p.exists() {
                    return Err(Fail(
                        format!(
                            "{}: berkas sudah ada; dokumen tidak ditimpa — pilih folder lain dengan --out",
                            p.display()
                        ),
                        1,
                    ));
                }
            }
            let (mdp, pdfp) = simpan(&out, &base, &m.dokumen(&kop_surat))?;
            let mut files = vec![pdfp, mdp];
            for (name, body) in csv {
                let p = out.join(format!("{base}-{name}"));
                crate::doc::tulis(&p, body.as_bytes()).map_err(|e| Fail(e, 1))?;
                files.push(p);
            }
            laporkan(&files, json);
        }
        LaporanAction::Agenda {
            book,
            dari,
            sampai,
            out,
            json,
        } => {
            let b = Book::parse(&book).map_err(|e| Fail(format!("--book: {e}"), 2))?;
            let d1 = tanggal_arg(&dari, "--dari")?;
            let d2 = tanggal_arg(&sampai, "--sampai")?;
            if d2 < d1 {
                return Err(Fail(
                    format!("--sampai {d2} sebelum --dari {d1}: tukar urutannya"),
                    2,
                ));
            }
            let t1 = awal_hari(d1, &tz)?;
            let t2 = awal_hari(d2.tomorrow().unwrap_or(d2), &tz)?;
            let mut v = entri_sejak(&mut c, Some(b), t1)?;
            v.retain(|e| {
                let t = e.registered_at.unwrap_or(e.received_at);
                t >= t1 && t < t2
            });
            let judul = match b {
                Book::Masuk => "Berita Masuk",
                Book::Keluar => "Berita Keluar",
                Book::KriptogramMasuk => "Kriptogram Masuk",
                Book::KriptogramKeluar => "Kriptogram Keluar",
            };
            let periode = format!(
                "{} s.d. {}",
                crate::doc::tanggal(d1),
                crate::doc::tanggal(d2)
            );
            let keluar = matches!(b, Book::Keluar | Book::KriptogramKeluar);
            let d =
                crate::domain::dokumen::buku_agenda(&kop_surat, judul, keluar, &periode, &v, &tz);
            let (mdp, pdfp) = simpan(&out, &format!("agenda-{}-{d1}-{d2}", b.as_str()), &d)?;
            laporkan(&[pdfp, mdp], json);
        }
        LaporanAction::TandaTerima {
            entry: id,
            penerima,
            out,
            json,
        } => {
            let e = entry(&mut c, id)?;
            if penerima.is_empty() && e.distribusi.is_empty() {
                return Err(Fail(
                    format!(
                        "entri {id} belum didistribusikan: catat dengan `kasa masuk distribusi {id} --jenis …`, atau sebutkan --penerima"
                    ),
                    2,
                ));
            }
            let d = crate::domain::dokumen::tanda_terima(&kop_surat, &e, &penerima, &tz);
            let (mdp, pdfp) = simpan(&out, &format!("tanda-terima-{id}"), &d)?;
            laporkan(&[pdfp, mdp], json);
        }
        LaporanAction::Resi {
            entry: id,
            out,
            json,
        } => {
            let e = entry(&mut c, id)?;
            if e.book != Book::KriptogramKeluar {
                return Err(Fail(
                    format!(
                        "entri {id} ada di buku {}, bukan kriptogram-keluar: resi hanya untuk kriptogram yang dikirim",
                        e.book.as_str()
                    ),
                    2,
                ));
            }
            let me = saya(&mut c)?;
            let receipts = match c.call(Request::Link(LinkRequest::Receipts { entry: id }))? {
                Reply::Link(LinkReply::Receipts { mut receipts, .. }) => {
                    receipts.sort_by_key(|r| r.at);
                    receipts
                }
                _ => return fail("unexpected reply"),
            };
            let r = Resi {
                msg_id: receipts
                    .iter()
                    .find_map(|r| r.msg_id.clone())
                    .unwrap_or_default(),
                sha256: e
                    .attachments
                    .iter()
                    .find(|a| a.name.ends_with(".kgm"))
                    .map(|a| a.sha256.clone())
                    .unwrap_or_default(),
                pengirim: kop_surat.nama().to_string(),
                penerima: e.tujuan.clone(),
                diterima_at: receipts
                    .iter()
                    .find(|r| r.status == "diterima")
                    .map(|r| r.at),
                tanda_terima: receipts
                    .iter()
                    .map(|r| ResiPenerima {
                        penerima: r.peer.clone(),
                        status: r.status.clone(),
                        at: r.at,
                        alasan: r.reason.clone(),
                    })
                    .collect(),
            };
            let p = Penanda {
                atas: "Sandiman pengirim".into(),
                jabatan: me.jabatan.clone(),
                nama: me.nama.clone(),
                nip: me.nip.clone(),
            };
            let d = crate::domain::dokumen::resi_kriptogram(&kop_surat, &e, &r, &p, &tz);
            let (mdp, pdfp) = simpan(&out, &format!("resi-{id}"), &d)?;
            laporkan(&[pdfp, mdp], json);
        }
        LaporanAction::BeritaAcara {
            jenis,
            id,
            kepada,
            kepada_nip,
            kepada_jabatan,
            nomor,
            tanggal,
            tempat,
            uraian,
            out,
            json,
        } => {
            let jenis = match jenis.trim().to_lowercase().replace('_', "-").as_str() {
                "serah-terima" => JenisBeritaAcara::SerahTerima,
                "pemusnahan-kunci" => JenisBeritaAcara::PemusnahanKunci,
                "restore" => {
                    return Err(Fail(
                        "berita acara restore dibuat bersama pemulihannya: `kasa backup restore --from DIR --to DATA_DIR_BARU --pemohon NAMA --pelaksana NAMA --pimpinan NAMA` menulis berita-acara-restore-N.pdf dan .md di direktori data baru".into(),
                        2,
                    ));
                }
                other => {
                    return Err(Fail(
                        format!(
                            "jenis berita acara '{other}' tidak dikenal: pilih serah-terima, pemusnahan-kunci atau restore"
                        ),
                        2,
                    ));
                }
            };
            if id.is_empty() {
                return Err(Fail(
                    "sebutkan barangnya dengan --id (palsan untuk serah-terima, kunci untuk pemusnahan-kunci)".into(),
                    2,
                ));
            }
            let me = saya(&mut c)?;
            let barang = match jenis {
                JenisBeritaAcara::SerahTerima => {
                    let mut v = Vec::new();
                    for i in &id {
                        let PalsanReply::Item { item, .. } =
                            palsan(&mut c, PalsanRequest::ItemShow { id: *i })?
                        else {
                            return fail("unexpected reply");
                        };
                        v.push(barang_palsan(&item));
                    }
                    v
                }
                _ => {
                    let PalsanReply::KunciList { kunci } =
                        palsan(&mut c, PalsanRequest::KunciList)?
                    else {
                        return fail("unexpected reply");
                    };
                    let mut v = Vec::new();
                    for i in &id {
                        let k = kunci.iter().find(|k| k.id == *i).ok_or_else(|| {
                            Fail(
                                format!(
                                    "kunci {i} tidak ada: periksa dengan `kasa palsan kunci list`"
                                ),
                                2,
                            )
                        })?;
                        if k.status != StatusKunci::Dimusnahkan {
                            return Err(Fail(
                                format!(
                                    "kunci {i} berstatus {}, belum dimusnahkan: catat dulu `kasa palsan kunci status {i} dimusnahkan`",
                                    k.status.as_str()
                                ),
                                2,
                            ));
                        }
                        v.push(barang_kunci(k));
                    }
                    v
                }
            };
            let tanggal = match tanggal {
                Some(s) => tanggal_arg(&s, "--tanggal")?,
                None => crate::clock::now().to_zoned(tz.clone()).date(),
            };
            let ba = BeritaAcara {
                jenis,
                nomor,
                tanggal,
                tempat: tempat.unwrap_or_else(|| kop_surat.tempat.clone()),
                pihak: vec![
                    Penanda {
                        atas: String::new(),
                        jabatan: me.jabatan.clone(),
                        nama: me.nama.clone(),
                        nip: me.nip.clone(),
                    },
                    Penanda {
                        atas: String::new(),
                        jabatan: kepada_jabatan,
                        nama: kepada,
                        nip: kepada_nip,
                    },
                ],
                barang,
                uraian,
            };
            let d = crate::domain::dokumen::berita_acara(&kop_surat, &ba);
            let slug = match jenis {
                JenisBeritaAcara::SerahTerima => "serah-terima",
                JenisBeritaAcara::PemusnahanKunci => "pemusnahan-kunci",
                JenisBeritaAcara::Restore => "restore",
            };
            let base = format!(
                "ba-{slug}-{}-{}",
                tanggal,
                id.iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join("-")
            );
            let (mdp, pdfp) = simpan(&out, &base, &d)?;
            laporkan(&[pdfp, mdp], json);
        }
    }
    Ok(())
}

fn instansi(k: &KopSurat) -> String {
    let d = k.nama().trim();
    if d.is_empty() {
        "Instansi".into()
    } else {
        // "DINAS KOMUNIKASI DAN INFORMATIKA" → "Dinas Komunikasi Dan Informatika" reads poorly;
        // keep the configured spelling.
        d.to_string()
    }
}

fn barang_palsan(p: &Palsan) -> BarangBa {
    BarangBa {
        nama: format!("{} ({})", p.nama, p.jenis.label()),
        identitas: p.nomor_seri.clone(),
        jumlah: "1".into(),
        keterangan: format!("kondisi {}, {}", p.kondisi.label(), p.kesiapan.label()),
    }
}

fn barang_kunci(k: &Kunci) -> BarangBa {
    BarangBa {
        nama: k.jenis.clone(),
        identitas: k.seri.clone(),
        jumlah: "1".into(),
        keterangan: format!("berlaku {} s.d. {}", k.berlaku_dari, k.berlaku_sampai),
    }
}
