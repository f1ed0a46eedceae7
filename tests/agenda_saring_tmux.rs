//! The whole book in the console (issue 19), in tmux at 80×24 on a real node with 5,000 entries
//! (five pages of the list): the tab shows the book's total, `/` finds an entry older than
//! the loaded page through the node's indexes, and the list pages on to the oldest entry.
//! Skipped when tmux is not installed. Waits poll the screen with a bound, never fixed sleeps.

#[path = "console_harness.rs"]
mod harness;

use harness::{Tmux, have_tmux};

#[test]
fn tmux_80x24_the_whole_book_filter_and_paging() {
    if !have_tmux() {
        eprintln!("tmux not installed; skipped");
        return;
    }
    let n = harness::start_node_prepared(false, |data| {
        let st = kasa::store::Store::open(&data.join("kasa.redb")).unwrap();
        st.bulk_load_for_bench(
            kasa::domain::Book::Masuk,
            5_000,
            "2026-03-01T00:00:00Z".parse().unwrap(),
        )
        .unwrap();
    });
    let s = Tmux::console(&n, &format!("kasa-buku-{}", std::process::id()), 80, 24);
    // The tab shows the book's total, and the rows loaded while part of it is on the node.
    s.wait("[1 Masuk 200/5000]");
    s.wait_until("the first page", |sc| {
        sc.contains("baru") && sc.contains("Sisa")
    });
    // `/no:17`: nomor agenda 17 is older than the loaded page; the node's index finds it.
    s.keys(&["/"]);
    s.type_text("no:17");
    s.keys(&["Enter"]);
    let sc = s.wait("[1 Masuk 1]");
    let row = sc
        .lines()
        .find(|l| l.starts_with('›'))
        .unwrap_or_else(|| panic!("no selected row:\n{sc}"));
    assert!(
        row.split_whitespace().any(|w| w == "17") && row.contains("diarsipkan"),
        "{sc}"
    );
    s.wait_until("the overlay closed", |sc| {
        !sc.contains("/no:17") || sc.contains("/ no:17")
    });
    s.keys(&["Escape"]);
    s.wait("[1 Masuk 200/5000]");
    // `G` at the end of what is loaded asks the node for the next page.
    let at_cursor = |sc: &str, nomor: &str| {
        sc.lines()
            .find(|l| l.starts_with('›'))
            .is_some_and(|l| l.split_whitespace().any(|w| w == nomor))
    };
    // The first page is 200 rows; each further one 1,000.
    for loaded in [
        "[1 Masuk 1200/5000]",
        "[1 Masuk 2200/5000]",
        "[1 Masuk 3200/5000]",
        "[1 Masuk 4200/5000]",
        "[1 Masuk 5000]",
    ] {
        s.keys(&["G"]);
        // The next page arrived: the tab counts it.
        s.wait(loaded);
    }
    s.keys(&["G"]);
    s.wait_until("the oldest entry at the end", |sc| at_cursor(sc, "1"));
    s.keys(&["Enter"]);
    s.wait("Entri 1 · buku masuk");
}
