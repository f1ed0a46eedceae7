//! The filter indexes of the buku agenda and the filtered page over every entry (issue 19).
//!
//! Written in the transaction of every entry write ([`super::put_entry`]):
//! - `idx_kata` `(word, received µs, id) → book << 8 | field bits`: the words of
//!   [`kata_indeks`] (perihal, asal, tujuan, nomor surat, isi ringkas), and `kata` `word → postings`,
//!   the word list the query expands a prefix in;
//! - `idx_book_klas_time` `(book, klasifikasi, received µs, id)` and `counts_klas`.
//!
//! Status and time use the book indexes of [`super`]; the nomor agenda its `nomor_index`.
//!
//! A query ([`Store::saring_page`]) walks one index newest first (the most selective: the nomor
//! agenda, else the rarest word, status or klasifikasi, else the book's time index), restricted to
//! the date window and the cursor, checks each candidate with [`Saring::cocok`], and stops at the
//! page's limit or after [`SaringQuery::budget`] candidates, returning the cursor to go on from.
//! Cost: O(log n) to start plus O(budget) at most, whatever the size of the book.

use std::collections::BinaryHeap;

use jiff::tz::TimeZone;
use redb::{ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::{ENTRIES, IDX_BOOK, IDX_BOOK_STATUS, NOMOR_COUNTER, NOMOR_INDEX, Result, Store};
use super::{StoreError, codec, micros};
use crate::domain::saring::{Saring, kata_indeks};
use crate::domain::{Book, Entry};

pub(crate) const IDX_KATA: TableDefinition<(&str, i64, u64), u16> =
    TableDefinition::new("idx_kata");
pub(crate) const KATA: TableDefinition<&str, u64> = TableDefinition::new("kata");
pub(crate) const IDX_KLAS: TableDefinition<(u8, u8, i64, u64), ()> =
    TableDefinition::new("idx_book_klas_time");
pub(crate) const COUNTS_KLAS: TableDefinition<(u8, u8), u64> = TableDefinition::new("counts_klas");

/// Most index words one query word may expand to (a prefix matching more is not selective: it only
/// filters the candidates of another index).
pub const PERLUASAN_MAKS: usize = 64;

/// Default candidates examined per page.
pub const ANGGARAN: usize = 20_000;

/// With the default budget, a page also stops after this much walking (a sparse combination of
/// common words costs ~25 µs a candidate: the entry is decoded and checked), so every page comes
/// back in about this time whatever the filter; `next` says where to go on.
pub const WAKTU_MAKS: std::time::Duration = std::time::Duration::from_millis(25);

/// `0` for no klasifikasi, else 1–4.
fn klas_code(e: &Entry) -> u8 {
    e.klasifikasi.map_or(0, |k| k as u8 + 1)
}

fn bump(t: &mut redb::Table<(u8, u8), u64>, k: (u8, u8), d: i64) -> Result<()> {
    let cur = t.get(k)?.map_or(0, |v| v.value());
    t.insert(k, (cur as i64 + d).max(0) as u64)?;
    Ok(())
}

/// Maintains the filter indexes for an entry write (`old`: the row before, when updating).
pub(crate) fn index(tx: &WriteTransaction, old: Option<&Entry>, e: &Entry) -> Result<()> {
    let ts = micros(e.received_at);
    let words = kata_indeks(e);
    let old_words = old.map(kata_indeks);
    let same_key = old.is_some_and(|o| o.book == e.book && micros(o.received_at) == ts);
    let words_same = same_key && old_words.as_ref() == Some(&words);
    let klas_same = same_key && old.is_some_and(|o| klas_code(o) == klas_code(e));
    if !words_same {
        let mut idx = tx.open_table(IDX_KATA)?;
        let mut kata = tx.open_table(KATA)?;
        if let (Some(o), Some(ow)) = (old, &old_words) {
            let ots = micros(o.received_at);
            for (w, _) in ow {
                if idx.remove((w.as_str(), ots, o.id))?.is_some() {
                    let n = kata.get(w.as_str())?.map_or(0, |v| v.value());
                    if n <= 1 {
                        kata.remove(w.as_str())?;
                    } else {
                        kata.insert(w.as_str(), n - 1)?;
                    }
                }
            }
        }
        for (w, mask) in &words {
            let v = (u16::from(e.book.code()) << 8) | u16::from(*mask);
            if idx.insert((w.as_str(), ts, e.id), v)?.is_none() {
                let n = kata.get(w.as_str())?.map_or(0, |v| v.value());
                kata.insert(w.as_str(), n + 1)?;
            }
        }
    }
    if !klas_same {
        let mut idx = tx.open_table(IDX_KLAS)?;
        let mut counts = tx.open_table(COUNTS_KLAS)?;
        if let Some(o) = old {
            let k = (o.book.code(), klas_code(o), micros(o.received_at), o.id);
            if idx.remove(k)?.is_some() {
                bump(&mut counts, (k.0, k.1), -1)?;
            }
        }
        idx.insert((e.book.code(), klas_code(e), ts, e.id), ())?;
        bump(&mut counts, (e.book.code(), klas_code(e)), 1)?;
    }
    Ok(())
}

/// Builds the filter indexes of every entry (schema 3 migration; idempotent). Returns the entries
/// indexed.
pub(crate) fn rebuild(tx: &WriteTransaction) -> Result<u64> {
    tx.delete_table(IDX_KATA)?;
    tx.delete_table(KATA)?;
    tx.delete_table(IDX_KLAS)?;
    tx.delete_table(COUNTS_KLAS)?;
    let entries = tx.open_table(ENTRIES)?;
    let mut n = 0;
    for r in entries.iter()? {
        let (_, v) = r?;
        let e: Entry = codec::decode(v.value()).map_err(StoreError::Db)?;
        index(tx, None, &e)?;
        n += 1;
    }
    Ok(n)
}

/// A filtered page query over the buku agenda.
#[derive(Debug, Clone)]
pub struct SaringQuery {
    /// Books searched (empty: all four).
    pub books: Vec<Book>,
    pub saring: Saring,
    /// The zone whose days `dari`/`sampai` name (the node's).
    pub zone: TimeZone,
    /// Rows at most (1–1000).
    pub limit: usize,
    /// Continue after this `(received µs, id)` cursor (exclusive), newest first.
    pub before: Option<(i64, u64)>,
    /// Candidates examined at most before the page is returned short with its cursor; 0:
    /// [`ANGGARAN`] candidates or [`WAKTU_MAKS`] of walking, whichever comes first (an explicit
    /// budget has no time limit: the same query gives the same pages).
    pub budget: usize,
}

/// One filtered page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SaringPage {
    /// Matching entries, newest first.
    pub entries: Vec<Entry>,
    /// Where to continue (`before` of the next query); `None`: nothing older matches.
    pub next: Option<(i64, u64)>,
    /// Candidates examined.
    pub diperiksa: u64,
    /// The index walked: `nomor`, `kata:WORD`, `status`, `klasifikasi` or `waktu`.
    pub jalur: String,
}

type Stream = Box<dyn Iterator<Item = Result<(i64, u64)>>>;

/// Newest-first merge of several newest-first streams, each (time, id) once.
struct Merge {
    streams: Vec<Stream>,
    heads: BinaryHeap<(i64, u64, usize)>,
    last: Option<(i64, u64)>,
}

impl Merge {
    fn new(mut streams: Vec<Stream>) -> Result<Merge> {
        let mut heads = BinaryHeap::new();
        for (i, s) in streams.iter_mut().enumerate() {
            if let Some(r) = s.next() {
                let (t, id) = r?;
                heads.push((t, id, i));
            }
        }
        Ok(Merge {
            streams,
            heads,
            last: None,
        })
    }

    fn next(&mut self) -> Result<Option<(i64, u64)>> {
        while let Some((t, id, i)) = self.heads.pop() {
            if let Some(r) = self.streams[i].next() {
                let (t2, id2) = r?;
                self.heads.push((t2, id2, i));
            }
            if self.last == Some((t, id)) {
                continue;
            }
            self.last = Some((t, id));
            return Ok(Some((t, id)));
        }
        Ok(None)
    }
}

impl Store {
    /// A page of the entries of `q.books` that pass `q.saring`, newest first, over every entry of
    /// the books (the indexes of this module; see the module doc for the plan and its cost).
    /// Errors: the database's.
    pub fn saring_page(&self, q: &SaringQuery) -> Result<SaringPage> {
        let limit = q.limit.clamp(1, super::PAGE_MAX);
        let budget = if q.budget == 0 { ANGGARAN } else { q.budget };
        let deadline = (q.budget == 0).then(|| std::time::Instant::now() + WAKTU_MAKS);
        let mut books = if q.books.is_empty() {
            Book::ALL.to_vec()
        } else {
            q.books.clone()
        };
        books.sort_unstable();
        books.dedup();
        let codes: Vec<u8> = books.iter().map(|b| b.code()).collect();
        let (from, to) = q.saring.rentang_us(&q.zone);
        let lo = from.unwrap_or(i64::MIN);
        // Exclusive upper bound: the cursor, or the end of the window.
        let hi = match (q.before, to) {
            (Some(c), Some(t)) if (t, 0) < c => (t, 0),
            (Some(c), _) => c,
            (None, Some(t)) => (t, 0),
            (None, None) => (i64::MAX, u64::MAX),
        };
        let tx = self.db()?.begin_read()?;
        let entries = tx.open_table(ENTRIES)?;
        let s = &q.saring;

        let (jalur, mut merge) = if let Some(n) = s.nomor {
            // Nomor agenda: a handful of direct lookups.
            let counters = tx.open_table(NOMOR_COUNTER)?;
            let nomor = tx.open_table(NOMOR_INDEX)?;
            let mut hits = Vec::new();
            for &b in &codes {
                let years: Vec<i16> = match s.tahun {
                    Some(y) => vec![y],
                    None => counters
                        .range((b, i16::MIN)..=(b, i16::MAX))?
                        .map(|r| r.map(|(k, _)| k.value().1))
                        .collect::<std::result::Result<_, _>>()?,
                };
                for y in years {
                    if let Some(id) = nomor.get((b, y, n))? {
                        let id = id.value();
                        if let Some(v) = entries.get(id)? {
                            let e: Entry = codec::decode(v.value()).map_err(StoreError::Db)?;
                            let k = (micros(e.received_at), e.id);
                            if k.0 >= lo && k < hi {
                                hits.push(k);
                            }
                        }
                    }
                }
            }
            hits.sort_unstable_by(|a, b| b.cmp(a));
            let s: Stream = Box::new(hits.into_iter().map(Ok));
            ("nomor".to_string(), Merge::new(vec![s])?)
        } else {
            self.plan(&tx, q, &codes, lo, hi)?
        };

        let mut page = SaringPage {
            jalur,
            ..SaringPage::default()
        };
        let mut last = None;
        let mut exhausted = true;
        while let Some(k) = merge.next()? {
            let late = || {
                page.diperiksa % 64 == 63
                    && deadline.is_some_and(|d| std::time::Instant::now() >= d)
            };
            if page.diperiksa as usize >= budget || page.entries.len() >= limit || late() {
                exhausted = false;
                break;
            }
            page.diperiksa += 1;
            last = Some(k);
            let Some(v) = entries.get(k.1)? else { continue };
            let e: Entry = codec::decode(v.value()).map_err(StoreError::Db)?;
            if codes.contains(&e.book.code()) && s.cocok(&e, &q.zone) {
                page.entries.push(e);
            }
        }
        page.next = if exhausted { None } else { last };
        Ok(page)
    }

    /// Chooses the index to walk (rarest word, status or klasifikasi by their counts, else time)
    /// and opens its streams, one per book (per expanded word for words).
    fn plan(
        &self,
        tx: &redb::ReadTransaction,
        q: &SaringQuery,
        codes: &[u8],
        lo: i64,
        hi: (i64, u64),
    ) -> Result<(String, Merge)> {
        let s = &q.saring;
        // Candidates: (estimated postings, kind).
        enum Jalur {
            Kata(String, Vec<String>, u8),
            /// A `(book, code, µs, id)` index (status, klasifikasi), the code, its name.
            Kode(
                TableDefinition<'static, (u8, u8, i64, u64), ()>,
                u8,
                &'static str,
            ),
        }
        let mut best: Option<(u64, Jalur)> = None;
        let mut consider = |n: u64, j: Jalur| {
            if best.as_ref().is_none_or(|(m, _)| n < *m) {
                best = Some((n, j));
            }
        };
        if let Some(kata) = super::optional_table(tx, KATA)? {
            for (w, mask) in s.kata_cari() {
                let mut terms = Vec::new();
                let mut total = 0u64;
                let upper = format!("{w}\u{10FFFF}");
                for r in kata.range(w.as_str()..upper.as_str())? {
                    let (k, v) = r?;
                    terms.push(k.value().to_string());
                    total += v.value();
                    if terms.len() > PERLUASAN_MAKS {
                        break;
                    }
                }
                if terms.len() <= PERLUASAN_MAKS {
                    consider(total, Jalur::Kata(w, terms, mask));
                }
            }
        }
        if let Some(st) = s.status {
            let counts = tx.open_table(super::COUNTS)?;
            let mut n = 0;
            for &b in codes {
                n += counts.get((b, st.code()))?.map_or(0, |v| v.value());
            }
            consider(n, Jalur::Kode(IDX_BOOK_STATUS, st.code(), "status"));
        }
        if let Some(k) = s.klasifikasi
            && let Some(counts) = super::optional_table(tx, COUNTS_KLAS)?
        {
            let code = k as u8 + 1;
            let mut n = 0;
            for &b in codes {
                n += counts.get((b, code))?.map_or(0, |v| v.value());
            }
            consider(n, Jalur::Kode(IDX_KLAS, code, "klasifikasi"));
        }
        let (hts, hid) = hi;
        let mut streams: Vec<Stream> = Vec::new();
        let jalur = match best.map(|(_, j)| j) {
            Some(Jalur::Kata(w, terms, mask)) => {
                let idx = tx.open_table(IDX_KATA)?;
                let codes = codes.to_vec();
                for t in &terms {
                    let codes = codes.clone();
                    let r = idx.range((t.as_str(), lo, 0u64)..(t.as_str(), hts, hid))?;
                    streams.push(Box::new(r.rev().filter_map(move |r| match r {
                        Err(e) => Some(Err(e.into())),
                        Ok((k, v)) => {
                            let v = v.value();
                            let (book, m) = ((v >> 8) as u8, v as u8);
                            let (_, ts, id) = k.value();
                            (codes.contains(&book) && m & mask != 0).then_some(Ok((ts, id)))
                        }
                    })));
                }
                format!("kata:{w}")
            }
            Some(Jalur::Kode(def, code, name)) => {
                let idx = tx.open_table(def)?;
                for &b in codes {
                    let r = idx.range((b, code, lo, 0u64)..(b, code, hts, hid))?;
                    streams.push(Box::new(r.rev().map(|r| {
                        r.map(|(k, _)| (k.value().2, k.value().3))
                            .map_err(Into::into)
                    })));
                }
                name.to_string()
            }
            None => {
                let idx = tx.open_table(IDX_BOOK)?;
                for &b in codes {
                    let r = idx.range((b, lo, 0u64)..(b, hts, hid))?;
                    streams.push(Box::new(r.rev().map(|r| {
                        r.map(|(k, _)| (k.value().1, k.value().2))
                            .map_err(Into::into)
                    })));
                }
                "waktu".to_string()
            }
        };
        Ok((jalur, Merge::new(streams)?))
    }
}
