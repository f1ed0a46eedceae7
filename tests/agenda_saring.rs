//! The filter over every entry (issue 19): the node's indexes give exactly what a full scan with
//! the same rule ([`Saring::cocok`]) gives, page by page, on a real redb file; the indexes follow
//! registration; an older store gets them at migration; the CLI pages with its cursor.

mod common;

use std::collections::HashSet;

use common::*;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use kasa::domain::saring::Saring;
use kasa::domain::{Book, Entry};
use kasa::store::saring::{SaringPage, SaringQuery};
use kasa::store::{PageQuery, Store};

const N: u64 = 3_000;

fn start() -> Timestamp {
    "2026-03-01T00:00:00Z".parse().unwrap()
}

/// Every entry of the store, newest first (the order of a page).
fn all(st: &Store) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let page = st
            .page(&PageQuery {
                books: Book::ALL.to_vec(),
                limit: 1000,
                before,
                ..PageQuery::default()
            })
            .unwrap();
        if page.is_empty() {
            return out;
        }
        before = page.last().map(Store::cursor_of);
        out.extend(page);
    }
}

/// All pages of a filter, following `next`; returns the ids in order and the pages taken.
fn every_page(
    st: &Store,
    books: &[Book],
    f: &Saring,
    limit: usize,
    budget: usize,
) -> (Vec<u64>, usize) {
    let mut ids = Vec::new();
    let mut before = None;
    let mut pages = 0;
    loop {
        let SaringPage { entries, next, .. } = st
            .saring_page(&SaringQuery {
                books: books.to_vec(),
                saring: f.clone(),
                zone: zone(),
                limit,
                before,
                budget,
            })
            .unwrap();
        pages += 1;
        assert!(entries.len() <= limit);
        ids.extend(entries.iter().map(|e| e.id));
        match next {
            Some(c) => {
                assert!(before.is_none_or(|b| c < b), "the cursor must move on");
                before = Some(c);
            }
            None => return (ids, pages),
        }
    }
}

fn zone() -> TimeZone {
    TimeZone::get("Asia/Makassar").unwrap()
}

#[test]
fn every_filter_kind_pages_through_exactly_what_a_full_scan_finds() {
    let dir = tempfile::tempdir().unwrap();
    let st = Store::open(&dir.path().join("kasa.redb")).unwrap();
    st.bulk_load_for_bench(Book::Masuk, N, start()).unwrap();
    st.bulk_load_for_bench(Book::Keluar, N / 3, start())
        .unwrap();
    let everything = all(&st);
    assert_eq!(everything.len() as u64, N + N / 3);
    let filters = [
        "status:baru",
        "k:SR",
        "k:r status:teragenda",
        "dari:2026-03-01 sampai:2026-03-01",
        "no:17",
        "no:17/2026",
        "no:17/2025",
        "surat:/1234/",
        "surat:bssn",
        "perihal:rapat",
        "perihal:kunci asal:bssn",
        "asal:inspektorat",
        "koordinasi kabupaten",
        "kab",
        "monitoring k:b dari:2026-03-01",
        "siapel:belum",
        "tahap 42",
        "tidakadadimanapun",
    ];
    let mut nonempty = 0;
    for text in filters {
        let f = Saring::parse(text);
        assert!(f.masalah.is_empty(), "{text}: {:?}", f.masalah);
        for books in [vec![Book::Masuk], vec![Book::Masuk, Book::Keluar]] {
            let want: Vec<u64> = everything
                .iter()
                .filter(|e| books.contains(&e.book) && f.cocok(e, &zone()))
                .map(|e| e.id)
                .collect();
            let (got, _) = every_page(&st, &books, &f, 100, 0);
            assert_eq!(got, want, "filter {text:?} over {books:?}");
            // A small budget returns short pages with a cursor, and still everything in order.
            let (got, pages) = every_page(&st, &books, &f, 100, 250);
            assert_eq!(got, want, "filter {text:?} over {books:?} with budget 250");
            if want.is_empty() && f.nomor.is_none() && f.kata_cari().is_empty() {
                assert!(
                    pages > 1,
                    "{text:?}: an unindexed filter must be cut by the budget"
                );
            }
            nonempty += usize::from(!want.is_empty());
        }
    }
    assert!(
        nonempty >= 28,
        "the filters must find something: {nonempty}"
    );
}

#[test]
fn a_selective_filter_walks_its_index_not_the_book() {
    let dir = tempfile::tempdir().unwrap();
    let st = Store::open(&dir.path().join("kasa.redb")).unwrap();
    st.bulk_load_for_bench(Book::Masuk, N, start()).unwrap();
    let page = |text: &str| {
        st.saring_page(&SaringQuery {
            books: vec![Book::Masuk],
            saring: Saring::parse(text),
            zone: zone(),
            limit: 50,
            before: None,
            budget: 0,
        })
        .unwrap()
    };
    let p = page("no:17");
    assert_eq!(
        (p.jalur.as_str(), p.diperiksa, p.entries.len()),
        ("nomor", 1, 1)
    );
    let p = page("surat:/1234/");
    assert_eq!(p.jalur, "kata:1234");
    assert_eq!(p.diperiksa, 1, "one posting for a unique nomor surat");
    let p = page("perihal:kunci status:baru");
    assert!(
        p.jalur == "kata:kunci" || p.jalur == "status",
        "{}",
        p.jalur
    );
    assert!(p.diperiksa <= 400, "examined {}", p.diperiksa);
    // A word too common to expand ("ta" starts tahap, …) falls back to another index.
    let p = page("k:sr");
    assert_eq!(p.jalur, "klasifikasi");
    assert_eq!(p.diperiksa, 50);
}

#[test]
fn the_indexes_follow_registration_and_an_older_store_gets_them_at_migration() {
    let mut node = TestNode::init_with(|_| {});
    {
        let st = Store::open(&node.db()).unwrap();
        st.bulk_load_for_bench(Book::Masuk, 500, start()).unwrap();
        st.force_schema_version(2).unwrap();
    }
    node.start();
    let audit = node.audit_tail(20);
    assert!(
        audit.iter().any(|r| r["action"] == "store.migrate"
            && r["detail"]
                .as_str()
                .unwrap_or("")
                .contains("filter indexes: 500 entries")),
        "{audit:?}"
    );
    let list = |args: &[&str]| {
        let mut a = vec!["agenda", "list", "--json"];
        a.extend_from_slice(args);
        node.json(&a)
    };
    let v = list(&["--surat", "505/405"]);
    assert_eq!(v["entries"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["entries"][0]["nomor_surat"], "505/405/Kominfo/2026");
    assert!(v["jalur"].as_str().unwrap().starts_with("kata:"), "{v}");

    // A scan registered with a new perihal and klasifikasi is found by them, not by its old words.
    let f = node.scratch().join("scan.png");
    std::fs::write(&f, tiny_png(7)).unwrap();
    let id = node.json(&["ingest", "--json", f.to_str().unwrap()])["results"][0]["outcome"]["id"]
        .as_u64()
        .unwrap();
    assert_eq!(
        list(&["--cari", "scan.png"])["entries"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    node.kasa_ok(&[
        "agenda",
        "register",
        &id.to_string(),
        "--perihal",
        "Pengamanan jaringan Zamrud",
        "--asal",
        "Polres",
        "--klasifikasi",
        "Terbatas",
    ]);
    let v = list(&["--perihal", "zamrud", "--klasifikasi", "T"]);
    let found: Vec<u64> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    assert_eq!(found, vec![id], "{v}");
    assert_eq!(list(&["--asal", "polres"])["entries"][0]["id"], id);
    assert!(
        list(&["--asal", "polres", "--klasifikasi", "B"])["entries"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Pages of two follow `next` to the end, each entry once.
    let mut seen = HashSet::new();
    let mut before: Option<String> = None;
    loop {
        let mut args = vec!["--asal", "bssn", "--limit", "2"];
        if let Some(b) = &before {
            args.extend(["--before", b.as_str()]);
        }
        let v = list(&args);
        for e in v["entries"].as_array().unwrap() {
            assert!(seen.insert(e["id"].as_u64().unwrap()), "twice: {e}");
        }
        match v["next"].as_str() {
            Some(n) => before = Some(n.to_string()),
            None => break,
        }
    }
    // BSSN is one sender in six.
    assert_eq!(seen.len(), 500 / 6 + usize::from(500 % 6 > 1), "{seen:?}");

    // A value with spaces is one condition: every word of it must match, in its field.
    let v = list(&[
        "--asal",
        "Dinas Kesehatan",
        "--klasifikasi",
        "Sangat Rahasia",
    ]);
    let rows = v["entries"].as_array().unwrap();
    assert!(!rows.is_empty(), "{v}");
    for e in rows {
        assert!(
            e["asal"].as_str().unwrap().starts_with("Dinas Kesehatan"),
            "{e}"
        );
        assert_eq!(e["klasifikasi"], "Sangat Rahasia");
    }
    // A filter it cannot read is refused with the rule, before anything is asked.
    let o = node.kasa(&["agenda", "list", "--dari", "kemarin"]);
    assert_eq!(o.status.code(), Some(2), "{}", describe(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--dari kemarin") && err.contains("YYYY-MM-DD"),
        "{err}"
    );
    let o = node.kasa(&["agenda", "list", "--before", "x"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("MICROS:ID"));
}
