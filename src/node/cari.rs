//! Full-text search (issue 15): `Request::Cari` → `Reply::Cari`. The words of the console's `/`
//! filter are matched ([`crate::domain::cari::cocok`]) against the extracted or OCR text of each
//! entry of the books asked, newest first, besides its register fields.
//!
//! Only entries whose content the caller may read are searched (the `lampiran.baca` row of the
//! permission table, as for `agenda show`): a word found in the text of a letter above the
//! caller's clearance must not reveal that letter. Sealed texts (a node with an identity) are
//! opened with the node's keys; while the node is locked they are skipped and the reply says how
//! many were. The scan stops at [`MAKS_HASIL`] hits or [`MAKS_ENTRI`] entries (the indexed search
//! of issue 19 replaces it).

use super::NodeState;
use super::masuk::store_err;
use crate::domain::permission::{self, Aksi, Lingkup};
use crate::domain::{Book, Operator};
use crate::proto::{Reply, TeksCocok};
use crate::store::PageQuery;

type HResult = Result<Reply, (&'static str, String)>;

/// Most hits in one reply.
pub const MAKS_HASIL: usize = 200;

/// Most entries looked at in one search.
pub const MAKS_ENTRI: usize = 50_000;

/// Searches the text of the entries of `books` (every book when empty) for the words of `q`.
///
/// Errors: `internal` for a store failure.
pub(super) fn cari(state: &NodeState, op: &Operator, q: &str, books: Vec<Book>) -> HResult {
    let words = crate::domain::cari::kata(q);
    let mut hits = Vec::new();
    let mut terkunci = 0u64;
    let mut dilihat = 0usize;
    if words.iter().map(|w| w.chars().count()).sum::<usize>() < 3 {
        return Ok(Reply::Cari {
            q: q.to_string(),
            hits,
            dilihat: 0,
            terkunci: 0,
            selesai: true,
        });
    }
    let st = &state.store;
    let books = if books.is_empty() {
        Book::ALL.to_vec()
    } else {
        books
    };
    let mut before = None;
    let mut selesai = true;
    'pages: loop {
        let page = st
            .page(&PageQuery {
                book: None,
                books: books.clone(),
                status: None,
                limit: 1000,
                before,
            })
            .map_err(store_err)?;
        let Some(last) = page.last() else { break };
        before = Some(crate::store::Store::cursor_of(last));
        for e in page {
            dilihat += 1;
            if dilihat > MAKS_ENTRI || hits.len() >= MAKS_HASIL {
                selesai = false;
                break 'pages;
            }
            if permission::periksa(op, Aksi::LampiranBaca, Lingkup::of(e.klasifikasi)).is_err() {
                continue;
            }
            let text = if e.sealed.is_some() {
                match super::atrest::open_sealed(state, &e, true, false) {
                    Ok(Some(o)) => o.text,
                    Ok(None) => None,
                    Err(("locked", _)) => {
                        terkunci += 1;
                        None
                    }
                    Err(_) => None,
                }
            } else {
                st.entry_text(e.id).map_err(store_err)?
            };
            let Some(text) = text else { continue };
            if let Some(cuplikan) = crate::domain::cari::cocok(&words, &e.haystack(), &text) {
                hits.push(TeksCocok {
                    entry: Box::new(e),
                    cuplikan,
                });
            }
        }
    }
    Ok(Reply::Cari {
        q: q.to_string(),
        hits,
        dilihat: dilihat as u64,
        terkunci,
        selesai,
    })
}
