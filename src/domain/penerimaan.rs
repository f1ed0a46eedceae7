//! The second half of receiving a berita (seed 003 SOP A3–A5, B3–B5, C3–C6): distribution to internal
//! recipients with a tanda terima, the cross-channel check (the same letter by fax and by Email Sanapati),
//! duplicates linked after registration, and the SI APEL record.
//!
//! All transitions are pure methods on [`Entry`] taking `now` and the operator; each appends one timeline
//! event (the event kinds the flows of [`super::alur`] complete their steps by) and never rewrites an
//! earlier one. Refusals are [`DomainError`]s that name the rule and what to do.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::agenda::{DomainError, Entry, MAX_FIELD_CHARS, MAX_TEXT_CHARS, Status};
use super::operator::Operator;

fn err<T>(s: impl Into<String>) -> Result<T, DomainError> {
    Err(DomainError(s.into()))
}

/// The kind of internal recipient of a distribution (003 SOP B/C langkah 3).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum JenisPenerima {
    /// Bagian Umum Sekretariat Daerah: letters to the Bupati, Wakil Bupati, Sekda, Asisten.
    BagianUmum,
    /// Kasi Persandian: letters to an OPD, for a surat pengantar.
    Kasi,
    /// An OPD (perangkat daerah) directly.
    Opd,
    /// A leader of this dinas (Kadis, Kabid), e.g. a kriptogram's surat salinan (003 SOP A3).
    Pimpinan,
}

impl JenisPenerima {
    /// The word stored and typed: `bagian_umum`, `kasi`, `opd`, `pimpinan`.
    pub fn as_str(self) -> &'static str {
        match self {
            JenisPenerima::BagianUmum => "bagian_umum",
            JenisPenerima::Kasi => "kasi",
            JenisPenerima::Opd => "opd",
            JenisPenerima::Pimpinan => "pimpinan",
        }
    }

    /// Parses the stored word or a usual spelling ("Bagian Umum", "Kasi Persandian", "OPD").
    pub fn parse(s: &str) -> Result<JenisPenerima, String> {
        let l = s.trim().to_lowercase().replace([' ', '-'], "_");
        match l.as_str() {
            "bagian_umum" | "umum" | "bagum" => Ok(JenisPenerima::BagianUmum),
            "kasi" | "kasi_persandian" => Ok(JenisPenerima::Kasi),
            "opd" | "perangkat_daerah" => Ok(JenisPenerima::Opd),
            "pimpinan" | "kadis" | "kabid" => Ok(JenisPenerima::Pimpinan),
            _ => Err(format!(
                "jenis penerima '{s}' tidak dikenal: pilih bagian_umum, kasi, opd atau pimpinan"
            )),
        }
    }

    /// The unit written when only the kind is given.
    pub fn nama_bawaan(self) -> &'static str {
        match self {
            JenisPenerima::BagianUmum => "Bagian Umum Sekretariat Daerah",
            JenisPenerima::Kasi => "Kasi Persandian",
            JenisPenerima::Opd => "",
            JenisPenerima::Pimpinan => "Kepala Dinas",
        }
    }
}

/// The recipient a distribution goes to by default (003 SOP B/C langkah 3): Bagian Umum when the letter is
/// addressed to the Bupati, Wakil Bupati, Sekda or an Asisten; the Kasi (for a surat pengantar to the
/// OPD) otherwise; a kriptogram's surat salinan to the leaders (SOP A3).
pub fn saran_distribusi(e: &Entry) -> JenisPenerima {
    let t = e.tujuan.to_lowercase();
    if e.kriptogram || e.book == super::agenda::Book::KriptogramMasuk {
        JenisPenerima::Pimpinan
    } else if ["bupati", "sekda", "sekretaris daerah", "asisten"]
        .iter()
        .any(|w| t.contains(w))
    {
        JenisPenerima::BagianUmum
    } else {
        JenisPenerima::Kasi
    }
}

/// The receipt of a distributed item: who took it and when (*tanda terima*).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct TandaTerima {
    /// Name of the person who received it.
    pub nama: String,
    /// When they received it (may be before it was recorded).
    pub at: Timestamp,
    /// Who recorded it, and when.
    pub dicatat_oleh: String,
    pub dicatat_at: Timestamp,
}

/// One handover of the item to an internal recipient (003 SOP A3, B3, C4).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Distribusi {
    /// 1-based number within the entry.
    pub no: u32,
    pub jenis: JenisPenerima,
    /// The unit or person, e.g. "Bagian Umum Sekretariat Daerah", "Dinas Kesehatan".
    pub ke: String,
    pub at: Timestamp,
    pub oleh: String,
    pub uid: u32,
    #[serde(default)]
    pub catatan: String,
    #[serde(default)]
    pub tanda_terima: Option<TandaTerima>,
}

/// The SI APEL record of an entry (003 SOP A4, B4, C5): re-entered in the national e-archive.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct SiApel {
    pub at: Timestamp,
    pub oleh: String,
    pub uid: u32,
    /// The reference SI APEL gave, if any.
    #[serde(default)]
    pub nomor: String,
}

fn registered(e: &Entry, what: &str) -> Result<(), DomainError> {
    match e.status {
        Status::Teragenda | Status::Didisposisi | Status::Selesai => Ok(()),
        // An outgoing item: the original goes back to Bagian Umum (003 SOP E/F langkah 6) and into SI
        // APEL (langkah 7) once registered.
        Status::Diagendakan | Status::Terkirim => Ok(()),
        Status::Duplikat => err(format!(
            "entri {} adalah duplikat dari entri {}: {what} dilakukan pada yang asli saja (aturan tidak-ganda, 003 SOP C langkah 3)",
            e.id,
            e.duplicate_of.unwrap_or(0)
        )),
        Status::Baru => err(format!(
            "entri {} belum diagendakan: agendakan dulu, lalu {what}",
            e.id
        )),
        s => err(format!(
            "entri {} berstatus {}: {what} tidak dapat dilakukan",
            e.id,
            s.as_str()
        )),
    }
}

fn clean(field: &str, v: &str, max: usize) -> Result<String, DomainError> {
    let v = v.trim();
    if v.chars().any(char::is_control) {
        return err(format!("{field} berisi karakter kendali: ketik ulang"));
    }
    if v.chars().count() > max {
        return err(format!(
            "{field} terlalu panjang: paling banyak {max} karakter"
        ));
    }
    Ok(v.to_string())
}

impl Entry {
    /// Hands the item to an internal recipient (003 SOP A3/B3/C4): recorded with who and when, event
    /// `didistribusikan`. Refused for an unregistered or duplicate entry, for an empty recipient, and
    /// when the same recipient already has it ("a duplicate is never distributed twice"). Returns the
    /// distribution's number.
    pub fn distribusikan(
        &mut self,
        jenis: JenisPenerima,
        ke: &str,
        catatan: &str,
        now: Timestamp,
        op: &Operator,
    ) -> Result<u32, DomainError> {
        registered(self, "distribusi")?;
        let mut ke = clean("penerima", ke, MAX_FIELD_CHARS)?;
        if ke.is_empty() {
            ke = jenis.nama_bawaan().to_string();
        }
        if ke.is_empty() {
            return err("penerima kosong: tulis nama OPD tujuan, mis. \"Dinas Kesehatan\"");
        }
        let catatan = clean("catatan", catatan, MAX_TEXT_CHARS)?;
        if let Some(d) = self
            .distribusi
            .iter()
            .find(|d| d.ke.to_lowercase() == ke.to_lowercase())
        {
            return err(format!(
                "entri {} sudah didistribusikan ke {} (distribusi {} oleh {}): berita tidak didistribusikan dua kali",
                self.id, d.ke, d.no, d.oleh
            ));
        }
        let no = self.distribusi.len() as u32 + 1;
        self.distribusi.push(Distribusi {
            no,
            jenis,
            ke: ke.clone(),
            at: now,
            oleh: op.nama.clone(),
            uid: op.uid,
            catatan: catatan.clone(),
            tanda_terima: None,
        });
        let detail = if catatan.is_empty() {
            format!("{no}. ke {ke} ({})", jenis.as_str())
        } else {
            format!("{no}. ke {ke} ({}): {catatan}", jenis.as_str())
        };
        self.push_event(now, Some(op.uid), &op.nama, "didistribusikan", detail);
        Ok(no)
    }

    /// Records the tanda terima of distribution `no`: `nama` received it at `at` (not in the future, not
    /// before the handover). Refused when already recorded. Event `tanda_terima`.
    pub fn catat_tanda_terima(
        &mut self,
        no: u32,
        nama: &str,
        at: Timestamp,
        now: Timestamp,
        op: &Operator,
    ) -> Result<(), DomainError> {
        let nama = clean("nama penerima", nama, MAX_FIELD_CHARS)?;
        if nama.is_empty() {
            return err("nama penerima kosong: tulis siapa yang menerima");
        }
        let id = self.id;
        let Some(d) = self.distribusi.iter_mut().find(|d| d.no == no) else {
            return err(format!(
                "entri {id} tidak punya distribusi {no}: lihat daftar distribusinya di detail entri"
            ));
        };
        if let Some(t) = &d.tanda_terima {
            return err(format!(
                "tanda terima distribusi {no} sudah dicatat ({} menerima): tambahkan catatan bila perlu koreksi",
                t.nama
            ));
        }
        if at > now {
            return err("waktu terima di masa depan: isi waktu saat surat diterima");
        }
        if at < d.at {
            return err(format!(
                "waktu terima sebelum surat didistribusikan ({}): periksa waktunya",
                d.at
            ));
        }
        d.tanda_terima = Some(TandaTerima {
            nama: nama.clone(),
            at,
            dicatat_oleh: op.nama.clone(),
            dicatat_at: now,
        });
        let ke = d.ke.clone();
        self.push_event(
            now,
            Some(op.uid),
            &op.nama,
            "tanda_terima",
            format!("distribusi {no} ke {ke} diterima oleh {nama}"),
        );
        Ok(())
    }

    /// Records that the item was re-entered in SI APEL (003 SOP A4/B4/C5), event `siapel`. Refused
    /// before registration, for a duplicate, and when already recorded.
    pub fn catat_siapel(
        &mut self,
        nomor: &str,
        now: Timestamp,
        op: &Operator,
    ) -> Result<(), DomainError> {
        if !matches!(self.status, Status::Diarsipkan) {
            registered(self, "entri SI APEL")?;
        }
        let nomor = clean("nomor SI APEL", nomor, MAX_FIELD_CHARS)?;
        if let Some(s) = &self.siapel {
            return err(format!(
                "entri {} sudah dientri di SI APEL oleh {} pada {}",
                self.id, s.oleh, s.at
            ));
        }
        self.siapel = Some(SiApel {
            at: now,
            oleh: op.nama.clone(),
            uid: op.uid,
            nomor: nomor.clone(),
        });
        let detail = if nomor.is_empty() {
            "sudah dientri di SI APEL".to_string()
        } else {
            format!("sudah dientri di SI APEL ({nomor})")
        };
        self.push_event(now, Some(op.uid), &op.nama, "siapel", detail);
        Ok(())
    }

    /// Links this entry as a duplicate of `orig` (the same letter by another channel, 003 SOP C langkah 3),
    /// before or after registration: this entry becomes `duplikat` (its nomor agenda stays used), the
    /// original lists it. Refused for itself, a void entry, an entry already in a disposisi chain or
    /// distributed (cancel that first), and an original that is itself a duplicate (link to its original).
    pub fn tautkan_duplikat(
        &mut self,
        orig: &mut Entry,
        now: Timestamp,
        op: &Operator,
    ) -> Result<(), DomainError> {
        if orig.id == self.id {
            return err("entri tidak dapat menjadi duplikat dirinya sendiri");
        }
        if !matches!(self.status, Status::Baru | Status::Teragenda) {
            return err(format!(
                "entri {} berstatus {}: hanya entri baru atau teragenda yang dapat ditandai duplikat; batalkan disposisinya dulu",
                self.id,
                self.status.as_str()
            ));
        }
        if !self.distribusi.is_empty() {
            return err(format!(
                "entri {} sudah didistribusikan: catat koreksi pada penerimanya, lalu tandai duplikat",
                self.id
            ));
        }
        if let Some(o) = orig.duplicate_of {
            return err(format!(
                "entri {} sendiri duplikat dari entri {o}: tautkan ke entri {o}",
                orig.id
            ));
        }
        if matches!(orig.status, Status::Batal) {
            return err(format!(
                "entri {} batal: pilih entri aslinya yang berlaku",
                orig.id
            ));
        }
        if self.book.is_incoming() != orig.book.is_incoming() {
            return err("berita masuk dan keluar tidak dapat saling menjadi duplikat");
        }
        let nomor = self
            .nomor_agenda
            .map(|n| format!(" (nomor agenda {n} tetap terpakai)"))
            .unwrap_or_default();
        self.status = Status::Duplikat;
        self.duplicate_of = Some(orig.id);
        self.push_event(
            now,
            Some(op.uid),
            &op.nama,
            "duplikat",
            format!("duplikat dari entri {}{nomor}", orig.id),
        );
        if !orig.duplikat.contains(&self.id) {
            orig.duplikat.push(self.id);
        }
        orig.push_event(
            now,
            Some(op.uid),
            &op.nama,
            "duplikat_ditautkan",
            format!("entri {} ditandai duplikat dari entri ini", self.id),
        );
        Ok(())
    }
}

/// Why two entries may be the same letter.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Mirip {
    /// The other entry's id.
    pub id: u64,
    /// Its nomor agenda and year, if registered.
    #[serde(default)]
    pub nomor_agenda: Option<(u64, i16)>,
    pub perihal: String,
    pub saluran: String,
    /// Indonesian reason: "nomor surat dan asal sama", "perihal sama, tanggal surat 1 hari berbeda".
    pub alasan: String,
}

/// `e` as it will read once registered with `f`: what the cross-channel check compares (the form's
/// nomor surat, asal, perihal and tanggal surat over the entry's own).
pub fn calon(e: &Entry, f: &super::agenda::RegisterFields) -> Entry {
    let mut c = e.clone();
    c.nomor_surat = f.nomor_surat.clone();
    c.asal = f.asal.clone();
    c.perihal = f.perihal.clone();
    c.tanggal_surat = f.tanggal_surat;
    c
}

/// The detail of the `dicocokkan` event (003 SOP C langkah 3) for the check's result.
pub fn dicocokkan_teks(mirip: &[Mirip]) -> String {
    if mirip.is_empty() {
        return "tidak ada berita lain yang mungkin sama".into();
    }
    let v: Vec<String> = mirip
        .iter()
        .map(|m| {
            let n = m
                .nomor_agenda
                .map(|(n, t)| format!(", agenda {n}/{t}"))
                .unwrap_or_default();
            format!("entri {}{n} ({})", m.id, m.alasan)
        })
        .collect();
    format!("mungkin sama: {}", v.join("; "))
}

/// The one open outgoing entry (keluar or kriptogram-keluar, status draft or diagendakan) among
/// `entries` whose nomor surat equals `nomor` after [`normal_nomor`]; `None` when none or more than
/// one match, or `nomor` is empty (a file from `drop_keluar/` then becomes a new draft, issue 14).
pub fn keluar_untuk_nomor(nomor: &str, entries: &[Entry]) -> Option<u64> {
    use super::agenda::Book;
    let want = normal_nomor(nomor);
    if want.is_empty() {
        return None;
    }
    let mut hits = entries.iter().filter(|e| {
        matches!(e.book, Book::Keluar | Book::KriptogramKeluar)
            && matches!(e.status, Status::Draft | Status::Diagendakan)
            && normal_nomor(&e.nomor_surat) == want
    });
    match (hits.next(), hits.next()) {
        (Some(e), None) => Some(e.id),
        _ => None,
    }
}

/// A nomor surat reduced for comparison: lowercase, letters O read as 0 between digits, separators and
/// spaces removed (`800 / 283 / Kominfo / 2021` = `800/283/kominfo/2021`).
pub fn normal_nomor(s: &str) -> String {
    let chars: Vec<char> = s.to_lowercase().chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let digit_near = |j: Option<usize>| {
            j.and_then(|j| chars.get(j))
                .is_some_and(|c| c.is_ascii_digit())
        };
        let c = if c == 'o' && (digit_near(i.checked_sub(1)) || digit_near(Some(i + 1))) {
            '0'
        } else {
            c
        };
        if c.is_alphanumeric() {
            out.push(c);
        }
    }
    out
}

/// Words of a free text for comparison: lowercase alphanumeric words of 3+ characters.
fn kata(s: &str) -> std::collections::BTreeSet<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_string)
        .collect()
}

/// True when two free texts share most of their words (Jaccard ≥ 0.6) or one holds the other.
fn sama_teks(a: &str, b: &str) -> bool {
    let (wa, wb) = (kata(a), kata(b));
    if wa.is_empty() || wb.is_empty() {
        return false;
    }
    let inter = wa.intersection(&wb).count();
    let union = wa.union(&wb).count();
    inter * 10 >= union * 6 || inter == wa.len().min(wb.len())
}

/// Words too common in the names of offices to tell two senders apart.
const KATA_UMUM: [&str; 12] = [
    "dinas",
    "kabupaten",
    "kab",
    "kota",
    "provinsi",
    "prov",
    "pemerintah",
    "pemkab",
    "badan",
    "kantor",
    "bagian",
    "sekretariat",
];

/// True when two sender names share a distinctive word (4+ characters, not [`KATA_UMUM`]): "Diskominfo
/// Kab. Jembrana" and "Dinas Kominfo Kabupaten Jembrana" share "jembrana". Used only together with the
/// same nomor surat.
fn asal_bersinggungan(a: &str, b: &str) -> bool {
    let (wa, wb) = (kata(a), kata(b));
    wa.intersection(&wb)
        .any(|w| w.chars().count() >= 4 && !KATA_UMUM.contains(&w.as_str()))
}

/// The entries of `others` that may be the same letter as `e` (003 SOP C langkah 3, "mungkin sama"):
/// the same nomor surat (normalised, [`normal_nomor`]) and a similar asal, or a similar perihal with
/// tanggal surat at most `hari` days apart. Leaves out `e` itself, void entries, and entries already
/// linked as duplicates. Strongest reason first.
pub fn mungkin_sama(e: &Entry, others: &[Entry], hari: i64) -> Vec<Mirip> {
    let nomor = normal_nomor(&e.nomor_surat);
    let mut out = Vec::new();
    for o in others {
        if o.id == e.id
            || !o.book.is_incoming()
            || matches!(o.status, Status::Batal | Status::Duplikat)
        {
            continue;
        }
        let same_nomor = nomor.len() >= 4 && normal_nomor(&o.nomor_surat) == nomor;
        let same_asal = e.asal.trim().is_empty()
            || o.asal.trim().is_empty()
            || sama_teks(&e.asal, &o.asal)
            || asal_bersinggungan(&e.asal, &o.asal);
        let alasan = if same_nomor && same_asal {
            Some("nomor surat dan asal sama".to_string())
        } else if sama_teks(&e.perihal, &o.perihal) {
            match (e.tanggal_surat, o.tanggal_surat) {
                (Some(a), Some(b)) => {
                    let d = i64::from((a - b).get_days().abs());
                    (d <= hari).then(|| match d {
                        0 => "perihal dan tanggal surat sama".to_string(),
                        d => format!("perihal sama, tanggal surat {d} hari berbeda"),
                    })
                }
                _ => None,
            }
        } else {
            None
        };
        if let Some(alasan) = alasan {
            out.push(Mirip {
                id: o.id,
                nomor_agenda: o.nomor_agenda.zip(o.tahun),
                perihal: o.perihal.clone(),
                saluran: o.saluran.clone(),
                alasan,
            });
        }
    }
    out.sort_by_key(|m| !m.alasan.starts_with("nomor"));
    out
}

/// The columns of the SI APEL export, in the order of the buku agenda's columns (No. agenda, Tgl. terima,
/// Asal, Nomor / tgl. surat, Perihal, Klas. / derajat, Saluran, Keterangan), then the SI APEL record.
pub const SIAPEL_KOLOM: [&str; 16] = [
    "nomor_agenda",
    "tahun",
    "buku",
    "tanggal_terima",
    "jam_terima",
    "asal",
    "nomor_surat",
    "tanggal_surat",
    "perihal",
    "klasifikasi",
    "derajat",
    "saluran",
    "keterangan",
    "siapel_tanggal",
    "siapel_oleh",
    "siapel_nomor",
];

/// One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break; a cell a spreadsheet
/// would run as a formula (`=`, `+`, `-`, `@` first) gets a leading `'`.
fn cell(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@']) {
        format!("'{v}")
    } else {
        v.to_string()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// The SI APEL export (`kasa siapel export`): a header row of [`SIAPEL_KOLOM`] and one row per entry,
/// dates and times in `tz` (`YYYY-MM-DD`, `HH:MM`), CRLF line ends (RFC 4180).
pub fn siapel_csv(entries: &[Entry], tz: &jiff::tz::TimeZone) -> String {
    let mut out = SIAPEL_KOLOM.join(",");
    out.push_str("\r\n");
    for e in entries {
        let got = e.received_at.to_zoned(tz.clone());
        let mut ket = Vec::new();
        if e.kriptogram {
            ket.push("kriptogram".to_string());
        }
        if !e.distribusi.is_empty() {
            let d: Vec<&str> = e.distribusi.iter().map(|d| d.ke.as_str()).collect();
            ket.push(format!("distribusi: {}", d.join("; ")));
        }
        if !e.duplikat.is_empty() {
            let d: Vec<String> = e.duplikat.iter().map(|i| format!("entri {i}")).collect();
            ket.push(format!("duplikat: {}", d.join("; ")));
        }
        let row = [
            e.nomor_agenda.map(|n| n.to_string()).unwrap_or_default(),
            e.tahun.map(|t| t.to_string()).unwrap_or_default(),
            e.book.as_str().to_string(),
            got.strftime("%Y-%m-%d").to_string(),
            got.strftime("%H:%M").to_string(),
            e.asal.clone(),
            e.nomor_surat.clone(),
            e.tanggal_surat.map(|d| d.to_string()).unwrap_or_default(),
            e.perihal.clone(),
            e.klasifikasi
                .map(|k| k.as_str().to_string())
                .unwrap_or_default(),
            e.derajat.clone().unwrap_or_default(),
            e.saluran.clone(),
            ket.join(", "),
            e.siapel
                .as_ref()
                .map(|s| {
                    s.at.to_zoned(tz.clone())
                        .strftime("%Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_default(),
            e.siapel
                .as_ref()
                .map(|s| s.oleh.clone())
                .unwrap_or_default(),
            e.siapel
                .as_ref()
                .map(|s| s.nomor.clone())
                .unwrap_or_default(),
        ];
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The registered entries still waiting for SI APEL at `now`: not entered, registered at least
/// `ingat_setelah_jam` hours of office time ago ([`super::calendar::WorkCalendar::add_office_time`]).
/// Oldest first.
pub fn siapel_menunggu<'a>(
    entries: &'a [Entry],
    ingat_setelah_jam: u32,
    cal: &super::calendar::WorkCalendar,
    now: Timestamp,
) -> Vec<&'a Entry> {
    let span = jiff::SignedDuration::from_hours(i64::from(ingat_setelah_jam));
    let mut v: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.book.is_incoming() && e.siapel.is_none())
        .filter(|e| {
            matches!(
                e.status,
                Status::Teragenda | Status::Didisposisi | Status::Selesai | Status::Diarsipkan
            )
        })
        .filter(|e| {
            e.registered_at
                .is_some_and(|r| cal.add_office_time(r, span) <= now)
        })
        .collect();
    v.sort_by_key(|e| (e.registered_at, e.id));
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::agenda::{Attachment, RegisterFields};
    use crate::domain::operator::Role;

    fn op(nama: &str) -> Operator {
        Operator {
            uid: 1000,
            username: nama.to_lowercase(),
            nama: nama.into(),
            nip: String::new(),
            jabatan: "Sandiman".into(),
            role: Role::Sandiman,
            kualifikasi: Default::default(),
            disabled: false,
        }
    }

    fn entry(id: u64) -> Entry {
        Entry::new_scan(
            id,
            Timestamp::UNIX_EPOCH,
            Attachment {
                sha256: format!("{id:02}"),
                name: format!("{id}.pdf"),
                mime: "application/pdf".into(),
                size: 1,
                pages: None,
                encrypted_at_rest: false,
                jenis: Default::default(),
            },
        )
    }

    fn registered(id: u64, f: &RegisterFields) -> Entry {
        let mut e = entry(id);
        e.register(f, 2026, id, None, Timestamp::UNIX_EPOCH, &op("Wayan"))
            .unwrap();
        e
    }

    fn fields(nomor: &str, asal: &str, perihal: &str, tgl: &str) -> RegisterFields {
        RegisterFields {
            saluran: "Faksimili".into(),
            asal: asal.into(),
            nomor_surat: nomor.into(),
            perihal: perihal.into(),
            tanggal_surat: Some(tgl.parse().unwrap()),
            ..Default::default()
        }
    }

    #[test]
    fn keluar_untuk_nomor_takes_exactly_one_open_outgoing_entry() {
        use crate::domain::agenda::Book;
        let keluar = |id: u64, nomor: &str, status: Status| {
            let mut e = Entry::new_keluar(
                id,
                &fields(nomor, "", "x", "2026-06-01"),
                Timestamp::UNIX_EPOCH,
                &op("Wayan"),
            );
            e.status = status;
            e
        };
        let open = keluar(1, "800 / 283 / KOMINFO / 2021", Status::Draft);
        let sent = keluar(2, "800/284/Kominfo/2021", Status::Terkirim);
        let mut masuk = entry(3);
        masuk.nomor_surat = "800/285/Kominfo/2021".into();
        let all = [open.clone(), sent, masuk];
        assert_eq!(keluar_untuk_nomor("800/283/Kominfo/2021", &all), Some(1));
        // A closed outgoing entry and an incoming one never take the file.
        assert_eq!(keluar_untuk_nomor("800/284/Kominfo/2021", &all), None);
        assert_eq!(keluar_untuk_nomor("800/285/Kominfo/2021", &all), None);
        assert_eq!(keluar_untuk_nomor("", &all), None);
        // Two open drafts with the same nomor: ambiguous, a new draft instead.
        let mut twin = keluar(4, "800/283/kominfo/2021", Status::Diagendakan);
        twin.book = Book::KriptogramKeluar;
        assert_eq!(
            keluar_untuk_nomor("800/283/Kominfo/2021", &[open, twin]),
            None
        );
    }

    #[test]
    fn same_letter_by_two_channels_is_found() {
        let a = registered(
            1,
            &fields(
                "800/283/Kominfo/2021",
                "Dinas Kominfo Kab. Jembrana",
                "Laporan Persandian",
                "2021-03-02",
            ),
        );
        let mut b = entry(2);
        b.nomor_surat = "800 / 283 / KOMINFO / 2O21".into();
        b.asal = "Diskominfo Kab. Jembrana".into();
        let m = mungkin_sama(&b, std::slice::from_ref(&a), 3);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].alasan, "nomor surat dan asal sama");
        // Perihal and date within three days, no nomor on the copy.
        let mut c = entry(3);
        c.perihal = "laporan persandian".into();
        c.tanggal_surat = Some("2021-03-04".parse().unwrap());
        let m = mungkin_sama(&c, std::slice::from_ref(&a), 3);
        assert_eq!(m[0].alasan, "perihal sama, tanggal surat 2 hari berbeda");
        c.tanggal_surat = Some("2021-03-09".parse().unwrap());
        assert!(mungkin_sama(&c, std::slice::from_ref(&a), 3).is_empty());
        // A different letter of the same office is not flagged.
        let mut d = entry(4);
        d.nomor_surat = "800/284/Kominfo/2021".into();
        d.asal = a.asal.clone();
        d.perihal = "Undangan rapat koordinasi".into();
        assert!(mungkin_sama(&d, std::slice::from_ref(&a), 3).is_empty());
    }

    #[test]
    fn duplicate_after_registration_is_linked_both_ways_and_never_distributed() {
        let f = fields("1/2/3", "A", "P", "2026-01-01");
        let mut orig = registered(1, &f);
        let mut dup = registered(2, &f);
        let w = op("Wayan");
        dup.tautkan_duplikat(&mut orig, Timestamp::UNIX_EPOCH, &w)
            .unwrap();
        assert_eq!(dup.status, Status::Duplikat);
        assert_eq!(dup.nomor_agenda, Some(2), "the nomor agenda stays used");
        assert_eq!(orig.duplikat, vec![2]);
        let e = dup
            .distribusikan(JenisPenerima::BagianUmum, "", "", Timestamp::UNIX_EPOCH, &w)
            .unwrap_err();
        assert!(e.0.contains("duplikat dari entri 1"), "{e}");
        orig.distribusikan(JenisPenerima::BagianUmum, "", "", Timestamp::UNIX_EPOCH, &w)
            .unwrap();
        let e = orig
            .distribusikan(
                JenisPenerima::BagianUmum,
                "bagian umum sekretariat daerah",
                "",
                Timestamp::UNIX_EPOCH,
                &w,
            )
            .unwrap_err();
        assert!(e.0.contains("dua kali"), "{e}");
        // A third copy cannot hang on the duplicate.
        let mut third = registered(3, &f);
        let e = third
            .tautkan_duplikat(&mut dup, Timestamp::UNIX_EPOCH, &w)
            .unwrap_err();
        assert!(e.0.contains("tautkan ke entri 1"), "{e}");
    }

    #[test]
    fn tanda_terima_and_siapel_are_checked() {
        let mut e = registered(1, &fields("1", "A", "P", "2026-01-01"));
        let w = op("Wayan");
        let t0: Timestamp = "2026-12-01T02:00:00Z".parse().unwrap();
        e.distribusikan(JenisPenerima::Opd, "Dinas Kesehatan", "", t0, &w)
            .unwrap();
        let later: Timestamp = "2026-12-01T03:00:00Z".parse().unwrap();
        let e1 = e
            .catat_tanda_terima(
                1,
                "Ketut",
                "2026-12-01T01:00:00Z".parse().unwrap(),
                later,
                &w,
            )
            .unwrap_err();
        assert!(e1.0.contains("sebelum"), "{e1}");
        e.catat_tanda_terima(
            1,
            "Ketut",
            "2026-12-01T02:30:00Z".parse().unwrap(),
            later,
            &w,
        )
        .unwrap();
        assert_eq!(e.distribusi[0].tanda_terima.as_ref().unwrap().nama, "Ketut");
        e.catat_siapel("", later, &w).unwrap();
        assert!(
            e.catat_siapel("", later, &w)
                .unwrap_err()
                .0
                .contains("sudah")
        );
        let mut b = entry(9);
        assert!(
            b.catat_siapel("", later, &w)
                .unwrap_err()
                .0
                .contains("belum diagendakan")
        );
    }
}
