//! The buku agenda filter (*saring*, issue 19): one definition of what `/` in the console and the
//! filter options of `kasa agenda list` mean, used by the console on the page it holds and by the
//! node over every entry through its indexes.
//!
//! Syntax of the console's `/` (every token optional, in any order, case-insensitive):
//!
//! | token | meaning |
//! |---|---|
//! | `status:baru` | the entry's status ([`Status::as_str`]) |
//! | `k:R` | klasifikasi code or name (`B`, `T`, `R`, `SR`) |
//! | `dari:2026-11-01`, `sampai:2026-11-30` | received date, inclusive, a day in the node's zone |
//! | `no:17`, `no:17/2026` | nomor agenda (and its year) |
//! | `surat:005/12` | text in the nomor surat |
//! | `perihal:rapat`, `asal:bssn` | a word in the perihal / the asal |
//! | `siapel:belum`, `siapel:sudah` | registered incoming entries not yet / already in SI APEL |
//! | `urut:nomor\|perihal\|batas\|k\|lama` | sort of the console's view (not a filter) |
//! | any other word | occurs in the register fields ([`Entry::haystack`]) |
//!
//! Text matches by word start: a query word is split like indexed text ([`pecah`]: runs of letters
//! and digits) and each part must begin a word of the field (`koord` finds *Koordinasi*,
//! `surat:005/12` finds *005/123/Kominfo*); a part too short or too common to index (`di`, `a`)
//! matches as a substring. The node's word index ([`kata_indeks`]) holds exactly those words, so
//! the node's pages and the console's view of the same filter agree.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::{Entry, Klasifikasi, Status};

/// Field bits of an indexed word ([`kata_indeks`]): where in the entry the word stands.
pub mod bidang {
    pub const PERIHAL: u8 = 1;
    pub const ASAL: u8 = 2;
    pub const TUJUAN: u8 = 4;
    pub const NOMOR_SURAT: u8 = 8;
    pub const ISI: u8 = 16;
    /// The attachments' file names: all a fresh scan has.
    pub const BERKAS: u8 = 32;
    /// The nomor agenda.
    pub const NOMOR: u8 = 64;
    /// Every field: what a free word of the filter may stand in.
    pub const SEMUA: u8 = 127;
}

/// Longest indexed word, in characters (longer words are indexed by their first characters).
pub const KATA_MAKS: usize = 24;

/// Words too common to index or to drive a search (they still filter by substring).
const UMUM: [&str; 14] = [
    "dan", "di", "ke", "dari", "yang", "untuk", "dengan", "pada", "atau", "dalam", "tentang",
    "oleh", "the", "of",
];

/// A filter over the buku agenda. `Default` is "everything".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saring {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub klasifikasi: Option<Klasifikasi>,
    /// First received day, inclusive (node's zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dari: Option<Date>,
    /// Last received day, inclusive (node's zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampai: Option<Date>,
    /// Nomor agenda.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nomor: Option<u64>,
    /// Year of the nomor agenda (with `nomor`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tahun: Option<i16>,
    /// Text in the nomor surat (lowercase).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surat: Option<String>,
    /// Words of the perihal (lowercase).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub perihal: Vec<String>,
    /// Words of the asal (lowercase).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub asal: Vec<String>,
    /// `Some(false)`: registered incoming entries not yet entered in SI APEL; `Some(true)`: already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub siapel: Option<bool>,
    /// Words anywhere in the register fields (lowercase).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kata: Vec<String>,
    /// Sort key of the console's view (`urut:`); not a filter, ignored by the node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urut: Option<String>,
    /// Tokens that were not understood, with why (`status:bar: unknown status…`); they filter nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub masalah: Vec<String>,
}

/// Why [`Saring::set`] did not take a condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tak {
    /// Not a key of the filter (in `/` text: the token is a word).
    Kunci,
    /// The value cannot be read; the rule it breaks.
    Nilai(String),
}

impl Saring {
    /// Parses the console's `/` text (syntax in the module doc). Never fails: a token it cannot read
    /// is listed in [`Saring::masalah`] and filters nothing.
    pub fn parse(s: &str) -> Saring {
        let mut f = Saring::default();
        for t in s.split_whitespace() {
            let l = t.to_lowercase();
            let done = match l.split_once(':') {
                Some((k, v)) if !v.is_empty() => f.set(k, v),
                _ => Err(Tak::Kunci),
            };
            match done {
                Ok(()) => {}
                Err(Tak::Kunci) => f.kata.push(l),
                Err(Tak::Nilai(why)) => f.masalah.push(format!("{t}: {why}")),
            }
        }
        f
    }

    /// Sets one condition: `key` as in the `/` syntax (`status`, `k`/`klasifikasi`, `dari`,
    /// `sampai`, `no`/`nomor`, `surat`, `perihal`, `asal`, `siapel`, `urut`), `val` its value, which
    /// may hold spaces (`Sangat Rahasia`, `Dinas Kesehatan`: every word must match). The CLI's filter
    /// options come here one by one. Errors: an unknown key ([`Tak::Kunci`]) or a value it cannot
    /// read, with the rule ([`Tak::Nilai`]).
    pub fn set(&mut self, key: &str, val: &str) -> Result<(), Tak> {
        let val = val.trim().to_lowercase();
        let bad = |why: String| Err(Tak::Nilai(why));
        match key {
            "status" => match Status::parse(&val) {
                Ok(s) => self.status = Some(s),
                Err(e) => return bad(e),
            },
            "k" | "klasifikasi" => match Klasifikasi::parse(&val) {
                Ok(k) => self.klasifikasi = Some(k),
                Err(e) => return bad(e),
            },
            "dari" | "sampai" => match val.parse::<Date>() {
                Ok(d) if key == "dari" => self.dari = Some(d),
                Ok(d) => self.sampai = Some(d),
                Err(_) => return bad("a date is written YYYY-MM-DD (2026-11-30)".into()),
            },
            "no" | "nomor" => match nomor_agenda(&val) {
                Some((n, y)) => {
                    self.nomor = Some(n);
                    self.tahun = y;
                }
                None => {
                    return bad(
                        "a nomor agenda is a number, optionally with its year (17/2026)".into(),
                    );
                }
            },
            "surat" => self.surat = Some(val),
            "perihal" => self.perihal.push(val),
            "asal" => self.asal.push(val),
            "siapel" => match val.as_str() {
                "sudah" => self.siapel = Some(true),
                "belum" => self.siapel = Some(false),
                _ => return bad("use siapel:belum or siapel:sudah".into()),
            },
            "urut" => self.urut = Some(val),
            _ => return Err(Tak::Kunci),
        }
        Ok(())
    }

    /// True when the filter keeps every entry (no condition; `urut:` alone sorts only).
    pub fn is_empty(&self) -> bool {
        Saring {
            urut: None,
            masalah: Vec::new(),
            ..self.clone()
        } == Saring::default()
    }

    /// Whether entry `e` passes every condition; `zone` is the zone whose days `dari`/`sampai` name.
    pub fn cocok(&self, e: &Entry, zone: &TimeZone) -> bool {
        if self.status.is_some_and(|s| s != e.status) {
            return false;
        }
        if self.klasifikasi.is_some() && self.klasifikasi != e.klasifikasi {
            return false;
        }
        if self.nomor.is_some() && self.nomor != e.nomor_agenda {
            return false;
        }
        if self.tahun.is_some() && self.tahun != e.tahun {
            return false;
        }
        if let Some(sudah) = self.siapel
            && (e.nomor_agenda.is_none()
                || !e.book.is_incoming()
                || matches!(e.status, Status::Batal | Status::Duplikat)
                || e.siapel.is_some() != sudah)
        {
            return false;
        }
        if self.dari.is_some() || self.sampai.is_some() {
            let d = e.received_at.to_zoned(zone.clone()).date();
            if self.dari.is_some_and(|f| d < f) || self.sampai.is_some_and(|t| d > t) {
                return false;
            }
        }
        let syarat = self.syarat_kata();
        if !syarat.is_empty() {
            let ws = kata_indeks(e);
            let mut lower: Option<String> = None;
            for (q, mask) in syarat {
                let parts: Vec<String> = pecah(q).collect();
                let ok = if parts.is_empty() {
                    // Too short or too common to index: a substring of the field.
                    let text = lower.get_or_insert_with(|| e.haystack());
                    let field = match mask {
                        bidang::PERIHAL => e.perihal.to_lowercase(),
                        bidang::ASAL => e.asal.to_lowercase(),
                        bidang::NOMOR_SURAT => e.nomor_surat.to_lowercase(),
                        _ => text.clone(),
                    };
                    field.contains(q)
                } else {
                    parts.iter().all(|p| {
                        ws.iter()
                            .any(|(w, m)| m & mask != 0 && w.starts_with(p.as_str()))
                    })
                };
                if !ok {
                    return false;
                }
            }
        }
        true
    }

    /// The text conditions, each with the fields it may stand in: `perihal:`, `asal:`, `surat:`,
    /// and free words (any field).
    fn syarat_kata(&self) -> Vec<(&str, u8)> {
        use bidang::*;
        let mut out: Vec<(&str, u8)> = Vec::new();
        out.extend(self.perihal.iter().map(|w| (w.as_str(), PERIHAL)));
        out.extend(self.asal.iter().map(|w| (w.as_str(), ASAL)));
        out.extend(self.surat.iter().map(|w| (w.as_str(), NOMOR_SURAT)));
        out.extend(self.kata.iter().map(|w| (w.as_str(), SEMUA)));
        out
    }

    /// The received-time window of `dari`/`sampai` in `zone`: `[from, to)` as µs since the epoch
    /// (`None` for an open side).
    pub fn rentang_us(&self, zone: &TimeZone) -> (Option<i64>, Option<i64>) {
        let start = |d: Date| {
            d.to_zoned(zone.clone())
                .ok()
                .map(|z| z.timestamp().as_microsecond())
        };
        let from = self.dari.and_then(start);
        let to = self.sampai.and_then(|d| d.tomorrow().ok()).and_then(start);
        (from, to)
    }

    /// The word prefixes the node can look up in its word index, each with the fields it must stand
    /// in (a [`bidang`] mask): `perihal:`, `asal:`, `surat:` and free words, split like indexed text
    /// ([`kata_indeks`]); common words left out.
    pub fn kata_cari(&self) -> Vec<(String, u8)> {
        let mut out: Vec<(String, u8)> = Vec::new();
        for (text, mask) in self.syarat_kata() {
            for w in pecah(text) {
                if !out.iter().any(|(x, m)| *x == w && *m == mask) {
                    out.push((w, mask));
                }
            }
        }
        out
    }
}

/// `17` or `17/2026`.
fn nomor_agenda(v: &str) -> Option<(u64, Option<i16>)> {
    match v.split_once('/') {
        Some((n, y)) => Some((n.parse().ok()?, Some(y.parse().ok()?))),
        None => Some((v.parse().ok()?, None)),
    }
}

/// Splits text into index words: lowercase, runs of letters and digits, at least 2 characters, at
/// most [`KATA_MAKS`] (longer runs cut), common words ([`UMUM`]) left out.
pub fn pecah(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(|w| w.to_lowercase().chars().take(KATA_MAKS).collect::<String>())
        .filter(|w| !UMUM.contains(&w.as_str()))
}

/// The words of entry `e` for the node's word index, each once with the [`bidang`] fields it stands
/// in: perihal, asal, tujuan, nomor surat, isi ringkas, the attachments' file names and the nomor
/// agenda. Sorted by word.
pub fn kata_indeks(e: &Entry) -> Vec<(String, u8)> {
    use bidang::*;
    let mut out: std::collections::BTreeMap<String, u8> = std::collections::BTreeMap::new();
    for a in &e.attachments {
        for w in pecah(&a.name) {
            *out.entry(w).or_default() |= BERKAS;
        }
    }
    if let Some(n) = e.nomor_agenda {
        *out.entry(n.to_string()).or_default() |= NOMOR;
    }
    for (text, mask) in [
        (&e.perihal, PERIHAL),
        (&e.asal, ASAL),
        (&e.tujuan, TUJUAN),
        (&e.nomor_surat, NOMOR_SURAT),
        (&e.isi_ringkas, ISI),
    ] {
        for w in pecah(text) {
            *out.entry(w).or_default() |= mask;
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Attachment, Book};

    fn entry(perihal: &str, asal: &str, surat: &str) -> Entry {
        let mut e = Entry::new_scan(
            1,
            "2026-11-20T03:00:00Z".parse().unwrap(),
            Attachment {
                sha256: "00".repeat(32),
                name: "scan.pdf".into(),
                mime: "application/pdf".into(),
                size: 1,
                pages: Some(1),
                encrypted_at_rest: false,
                jenis: Default::default(),
            },
        );
        e.book = Book::Masuk;
        e.perihal = perihal.into();
        e.asal = asal.into();
        e.nomor_surat = surat.into();
        e
    }

    #[test]
    fn the_console_syntax_reads_every_key_and_keeps_other_words() {
        let f = Saring::parse(
            "status:Teragenda k:sr dari:2026-11-01 sampai:2026-11-30 no:17/2026 surat:005/12 perihal:Rapat asal:bssn siapel:belum urut:nomor sandi",
        );
        assert_eq!(f.status, Some(Status::Teragenda));
        assert_eq!(f.klasifikasi, Some(Klasifikasi::SangatRahasia));
        assert_eq!(f.dari, Some("2026-11-01".parse().unwrap()));
        assert_eq!(f.sampai, Some("2026-11-30".parse().unwrap()));
        assert_eq!((f.nomor, f.tahun), (Some(17), Some(2026)));
        assert_eq!(f.surat.as_deref(), Some("005/12"));
        assert_eq!(f.perihal, vec!["rapat"]);
        assert_eq!(f.asal, vec!["bssn"]);
        assert_eq!(f.siapel, Some(false));
        assert_eq!(f.urut.as_deref(), Some("nomor"));
        assert_eq!(f.kata, vec!["sandi"]);
        assert!(f.masalah.is_empty());
    }

    #[test]
    fn a_token_it_cannot_read_is_named_and_filters_nothing() {
        let f = Saring::parse("status:bar dari:kemarin no:x");
        assert_eq!(f.masalah.len(), 3, "{:?}", f.masalah);
        assert!(f.masalah[0].contains("unknown status"));
        assert!(f.masalah[1].contains("YYYY-MM-DD"));
        assert!(f.is_empty());
        assert!(!Saring::parse("rapat").is_empty());
        assert!(Saring::parse("urut:nomor").is_empty());
    }

    #[test]
    fn a_cli_value_with_spaces_is_one_condition() {
        let mut f = Saring::default();
        f.set("k", "Sangat Rahasia").unwrap();
        f.set("asal", "Dinas Kesehatan").unwrap();
        assert_eq!(f.klasifikasi, Some(Klasifikasi::SangatRahasia));
        let mut e = entry("Rapat", "Dinas Kesehatan Kabupaten", "1/2");
        e.klasifikasi = Some(Klasifikasi::SangatRahasia);
        assert!(f.cocok(&e, &TimeZone::UTC));
        e.asal = "Dinas Kominfo".into();
        assert!(!f.cocok(&e, &TimeZone::UTC));
        assert_eq!(f.set("warna", "merah"), Err(Tak::Kunci));
        assert!(matches!(f.set("dari", "kemarin"), Err(Tak::Nilai(w)) if w.contains("YYYY-MM-DD")));
    }

    #[test]
    fn words_match_by_word_start_in_their_field() {
        let e = entry(
            "Undangan Rapat Koordinasi Persandian",
            "BSSN",
            "005/123/Kominfo/2026",
        );
        let z = TimeZone::UTC;
        assert!(Saring::parse("rapat").cocok(&e, &z));
        assert!(Saring::parse("perihal:koord").cocok(&e, &z));
        assert!(!Saring::parse("asal:rapat").cocok(&e, &z));
        assert!(Saring::parse("surat:123/kominfo").cocok(&e, &z));
        assert!(!Saring::parse("surat:124").cocok(&e, &z));
        assert!(
            !Saring::parse("surat:23").cocok(&e, &z),
            "not the middle of a word"
        );
        assert!(!Saring::parse("apat").cocok(&e, &z));
        assert!(
            Saring::parse("scan").cocok(&e, &z),
            "the file name of a fresh scan"
        );
        assert!(
            Saring::parse("a").cocok(&e, &z),
            "a one-letter word is a substring"
        );
        assert!(Saring::parse("dari:2026-11-20 sampai:2026-11-20").cocok(&e, &z));
        assert!(!Saring::parse("dari:2026-11-21").cocok(&e, &z));
        assert!(!Saring::parse("status:teragenda").cocok(&e, &z));
    }

    #[test]
    fn index_words_carry_their_fields_and_skip_common_words() {
        let mut e = entry(
            "Rapat dan Koordinasi",
            "Dinas Kominfo",
            "005/123/Kominfo/2026",
        );
        e.tujuan = "Kepala Dinas".into();
        let w = kata_indeks(&e);
        let get = |k: &str| w.iter().find(|(x, _)| x == k).map(|(_, m)| *m);
        assert_eq!(get("rapat"), Some(bidang::PERIHAL));
        assert_eq!(get("dinas"), Some(bidang::ASAL | bidang::TUJUAN));
        assert_eq!(get("kominfo"), Some(bidang::ASAL | bidang::NOMOR_SURAT));
        assert_eq!(get("005"), Some(bidang::NOMOR_SURAT));
        assert_eq!(get("dan"), None);
        let q = Saring::parse("surat:005/12 perihal:rap");
        assert_eq!(
            q.kata_cari(),
            vec![
                ("rap".to_string(), bidang::PERIHAL),
                ("005".to_string(), bidang::NOMOR_SURAT),
                ("12".to_string(), bidang::NOMOR_SURAT)
            ]
        );
    }

    #[test]
    fn the_day_window_is_the_days_of_the_zone() {
        let z = TimeZone::get("Asia/Jakarta").unwrap();
        let (from, to) = Saring::parse("dari:2026-11-20 sampai:2026-11-20").rentang_us(&z);
        let f: jiff::Timestamp = "2026-11-19T17:00:00Z".parse().unwrap();
        assert_eq!(from, Some(f.as_microsecond()));
        assert_eq!(to, Some(f.as_microsecond() + 86_400_000_000));
    }
}
