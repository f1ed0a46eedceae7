//! The buku agenda panes, Masuk and Keluar: one [`AgendaPane`] per tab over its book, with the `/`
//! filter, the entry actions (register a scan, void, note, export, mark duplicate, dispose, seal,
//! register and send a keluar draft) and the entry detail overlay. Entry actions reach only the entry on
//! screen: the open detail, else the cursor of the shown agenda tab (issue 10.7).
//!
//! Steps: SOP 003 A1–A2 / B1–B2 / C1–C2 (receive, register in the buku agenda) for Masuk; SOP 003 D–F
//! (draft, number, send) for Keluar.

use std::path::PathBuf;

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::Constraint::{Fill as F, Length as L};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph};

use super::action::{Action, Pane};
use super::ctx::Ctx;
use super::effect::{Effect, Purpose};
use super::form::{FormPurpose, FormState};
use super::layer::{DetailState, Layer, PromptKind};
use super::pane::PaneState;
use super::view::{GLYPH_BARU, GLYPH_HELD, GLYPH_OVERDUE, local, time_left};
use super::widgets::{Column as C, ListView, draw_table, heading, section, trunc};
use crate::domain::saring::Saring;
use crate::domain::{Book, Entry, JenisLampiran, Status};
use crate::proto::disposisi::{DisposisiReply, DisposisiRequest};
use crate::proto::keluar::KeluarRequest;
use crate::proto::masuk::MasukRequest;
use crate::proto::{Reply, Request};

/// How many entries a tab loads at first and per further page (newest first; untriaged scans are
/// shown on top): the node's page maximum.
pub const LIST_LIMIT: usize = crate::store::PAGE_MAX;

/// Rows of the first page a tab asks (and of each refresh): two tall screens, so the first frame
/// does not wait for a thousand rows over a slow link; older rows come as the cursor goes down.
pub const LIST_FIRST: usize = 200;

/// Rows of one page of the node's filter (issue 19).
pub const SARING_LIMIT: usize = 200;

/// The node's pages for the current `/` filter: which filter text they answer, where the next page
/// starts (`None`: the node has no more), and whether a page is on its way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SaringState {
    pub q: String,
    pub next: Option<(i64, u64)>,
    pub loading: bool,
}

/// One tab's entries: the shared [`ListView`] (entries, view, cursor, filter) plus what the agenda
/// needs besides: its book, the open deadlines for the header's overdue count, and the node's zone for
/// the filter's dates. Derefs to the [`ListView`].
#[derive(Debug, Clone)]
pub struct EntryList {
    /// The books listed together (Masuk: masuk and kriptogram-masuk; Keluar: keluar and
    /// kriptogram-keluar).
    pub books: Vec<Book>,
    pub list: ListView<Entry>,
    /// Deadlines of the open entries, sorted: the overdue count is a binary search per frame.
    pub open_deadlines: Vec<jiff::Timestamp>,
    /// The node's zone: `dari:`/`sampai:` dates of the filter are days there (set at welcome).
    pub zone: Option<jiff::tz::TimeZone>,
    /// Full-text hits of the node for the filter's words (`q`, [`crate::domain::cari::kata`]
    /// joined by spaces): entries whose file text holds them, with the snippet the row shows.
    pub teks: Option<(String, Vec<crate::proto::TeksCocok>)>,
    /// Where the next page of the books starts (the oldest entry of the range loaded from the
    /// newest on); `None`: everything is loaded.
    pub more: Option<(i64, u64)>,
    /// A further page of the books is on its way.
    pub loading_more: bool,
    /// The node's pages for the `/` filter (over every entry, not only the loaded ones).
    pub saring: Option<SaringState>,
    /// The first list arrived (before it, an empty list says "memuat…", not "no items yet").
    pub loaded: bool,
    /// `more` was set by a load of the newest page (a later one is a refresh that keeps the older
    /// pages).
    pub more_known: bool,
}

impl std::ops::Deref for EntryList {
    type Target = ListView<Entry>;
    fn deref(&self) -> &ListView<Entry> {
        &self.list
    }
}

impl std::ops::DerefMut for EntryList {
    fn deref_mut(&mut self) -> &mut ListView<Entry> {
        &mut self.list
    }
}

impl EntryList {
    /// How many open entries are overdue at `now` (deadline reached: overdue flips exactly at it).
    pub fn overdue_at(&self, now: jiff::Timestamp) -> usize {
        self.open_deadlines.partition_point(|d| *d <= now)
    }

    pub fn new(books: Vec<Book>) -> EntryList {
        EntryList {
            books,
            list: ListView::default(),
            open_deadlines: Vec::new(),
            zone: None,
            teks: None,
            more: None,
            loading_more: false,
            saring: None,
            loaded: false,
            more_known: false,
        }
    }

    /// Merges a page from the node into the entries (same id: the newer copy), in the node's order
    /// (newest first, untriaged scans on top), keeping the cursor on its entry.
    pub fn merge_page(&mut self, page_entries: &[Entry], page: usize) {
        let keep = self.keep();
        let mut items = std::mem::take(&mut self.list.items);
        let mut at: std::collections::HashMap<u64, usize> =
            items.iter().enumerate().map(|(i, e)| (e.id, i)).collect();
        for e in page_entries {
            match at.get(&e.id) {
                Some(&i) => items[i] = e.clone(),
                None => {
                    at.insert(e.id, items.len());
                    items.push(e.clone());
                }
            }
        }
        items.sort_by_key(|e| std::cmp::Reverse(crate::store::Store::cursor_of(e)));
        self.replace(items, keep, page);
    }

    /// The entry the cursor stays on across a reload: none on the top row (it stays on top).
    fn keep(&self) -> Option<u64> {
        match self.list.cursor.pos {
            0 => None,
            _ => self.list.selected().map(|e| e.id),
        }
    }

    /// The newest page of the books arrived (a load or a refresh): merged, and where the next page
    /// starts kept when older pages are loaded already.
    pub fn newest_page(&mut self, entries: &[Entry], page: usize) {
        let last = entries.last().map(crate::store::Store::cursor_of);
        let known = std::mem::replace(&mut self.more_known, true);
        let newest_held = self
            .list
            .items
            .iter()
            .map(crate::store::Store::cursor_of)
            .max();
        // More than a page arrived since the last load: what lies between is not held.
        let gap = |l: (i64, u64)| newest_held.is_none_or(|h| h < l);
        self.more = match (entries.len() >= LIST_FIRST, known, self.more, last) {
            // The whole book fits in the page.
            (false, ..) => None,
            // The first load: the rest is on the node.
            (true, false, _, l) => l,
            (true, true, _, Some(l)) if gap(l) => Some(l),
            // A refresh reaching what is held: the older pages stay (None: all of them held).
            (true, true, m, _) => m,
        };
        self.loading_more = false;
        self.merge_page(entries, page);
    }

    /// The request for what the list still lacks when the cursor is within a page of the end of
    /// the view: the next page of the node's filter, or with no filter the next page of the books.
    pub fn more_call(&mut self, pane: Pane, page: usize) -> Option<Effect> {
        if self.list.cursor.pos + page < self.list.view.len() {
            return None;
        }
        let filter = self.list.filter.clone();
        let saring = Saring::parse(&filter);
        if !saring.is_empty() {
            let st = self.saring.as_mut().filter(|s| s.q == filter)?;
            let before = st.next.filter(|_| !st.loading)?;
            st.loading = true;
            return Some(saring_call(&self.books, pane, filter, saring, Some(before)));
        }
        let before = self.more.filter(|_| !self.loading_more)?;
        self.loading_more = true;
        Some(Effect::Call(
            Request::AgendaList {
                book: None,
                books: self.books.clone(),
                status: None,
                limit: Some(LIST_LIMIT),
                before: Some(before),
                saring: None,
            },
            Purpose::ListMore(pane),
        ))
    }

    /// The full-text query of the current filter (`None`: too short to ask the node, under three
    /// characters).
    pub fn teks_query(&self) -> Option<String> {
        let words = crate::domain::cari::kata(&self.list.filter);
        (words.iter().map(|w| w.chars().count()).sum::<usize>() >= 3).then(|| words.join(" "))
    }

    /// The snippet of entry `id` when the node found the filter's words in its file text.
    pub fn cuplikan(&self, id: u64) -> Option<&str> {
        let (q, hits) = self.teks.as_ref()?;
        (Some(q) == self.teks_query().as_ref())
            .then(|| hits.iter().find(|h| h.entry.id == id))
            .flatten()
            .map(|h| h.cuplikan.as_str())
    }

    /// The node's full-text hits for query `q`: kept while the filter asks for it, and the hit
    /// entries not in the loaded page added to the list.
    pub fn set_teks(&mut self, q: String, hits: Vec<crate::proto::TeksCocok>, page: usize) {
        if self.teks_query().as_ref() != Some(&q) {
            return;
        }
        self.teks = Some((q, hits));
        let keep = self.list.selected().map(|e| e.id);
        self.merge_hits();
        self.rebuild(keep, page);
    }

    fn merge_hits(&mut self) {
        let Some((_, hits)) = &self.teks else { return };
        for h in hits {
            if !self.list.items.iter().any(|e| e.id == h.entry.id) {
                self.list.items.push((*h.entry).clone());
            }
        }
    }

    /// Replaces the entries, keeping the cursor on the same entry id when it is still listed; a
    /// cursor on the top row stays on the top row, so scans arriving in a fresh drop show the newest
    /// under the cursor (an open detail or form is bound to its own entry, never to the cursor).
    pub fn set_entries(&mut self, entries: Vec<Entry>, page: usize) {
        let keep = self.keep();
        self.replace(entries, keep, page);
    }

    fn replace(&mut self, mut entries: Vec<Entry>, keep: Option<u64>, page: usize) {
        self.loaded = true;
        // Untriaged scans first; otherwise the node's order (newest first).
        entries.sort_by_key(|e| e.status != Status::Baru);
        self.open_deadlines = entries
            .iter()
            .filter(|e| e.status.is_open())
            .filter_map(|e| e.batas_waktu)
            .collect();
        self.open_deadlines.sort_unstable();
        self.list.items = entries;
        self.merge_hits();
        self.rebuild(keep, page);
    }

    /// Recomputes the filtered view (the `/` filter's tokens, [`Filter`]) and puts the cursor on `keep`
    /// if listed.
    pub fn rebuild(&mut self, keep: Option<u64>, page: usize) {
        let mut f = Filter::parse(&self.list.filter);
        f.zone = self.zone.clone();
        if let Some((q, hits)) = &self.teks
            && Some(q) == self.teks_query().as_ref()
        {
            f.teks = hits.iter().map(|h| h.entry.id).collect();
        }
        // Without a filter the view is the range loaded from the newest on: older entries a filter
        // brought in wait until paging reaches them (no gap in the book).
        let frontier = self
            .more
            .filter(|_| f.saring.is_empty() && f.teks.is_empty());
        self.list.rebuild(
            keep,
            page,
            |e| f.matches(e) && frontier.is_none_or(|m| crate::store::Store::cursor_of(e) >= m),
            |es, view| f.sort_view(es, view),
        );
    }

    /// Puts the cursor on the first untriaged scan other than `skip`.
    pub fn select_next_baru(&mut self, skip: u64, page: usize) -> bool {
        let l = &mut self.list;
        let p = l
            .view
            .iter()
            .position(|&i| l.items[i].status == Status::Baru && l.items[i].id != skip);
        if let Some(p) = p {
            l.move_to(p as isize, page);
            true
        } else {
            false
        }
    }
}

/// A count for a tab: exact below 10,000, else in thousands (`rb`, *ribu*) or millions (`jt`, *juta*):
/// `9999`, `12rb`, `1,2jt`.
pub fn ringkas(n: u64) -> String {
    match n {
        0..10_000 => n.to_string(),
        10_000..1_000_000 => format!("{}rb", n / 1000),
        _ => {
            let tenths = n / 100_000;
            if tenths.is_multiple_of(10) || tenths >= 100 {
                format!("{}jt", tenths / 10)
            } else {
                format!("{},{}jt", tenths / 10, tenths % 10)
            }
        }
    }
}

/// The request of one page of the node's filter over `books`.
fn saring_call(
    books: &[Book],
    pane: Pane,
    text: String,
    saring: Saring,
    before: Option<(i64, u64)>,
) -> Effect {
    Effect::Call(
        Request::AgendaList {
            book: None,
            books: books.to_vec(),
            status: None,
            limit: Some(SARING_LIMIT),
            before,
            saring: Some(saring),
        },
        Purpose::Saring(pane, text),
    )
}

/// The `/` filter of a tab: the buku agenda filter of the domain ([`Saring`]: its syntax and rule)
/// applied to the loaded entries, with the node's full-text hits.
#[derive(Debug, Default)]
pub struct Filter {
    pub saring: Saring,
    /// The zone whose calendar days `dari:`/`sampai:` name (the node's; the system's when unset).
    pub zone: Option<jiff::tz::TimeZone>,
    /// Entries whose file text holds the words (the node's full-text search): they match the words
    /// even when their register fields do not.
    pub teks: Vec<u64>,
}

impl Filter {
    pub fn parse(s: &str) -> Filter {
        Filter {
            saring: Saring::parse(s),
            ..Filter::default()
        }
    }

    pub fn matches(&self, e: &Entry) -> bool {
        let zone = self.zone.clone().unwrap_or_else(jiff::tz::TimeZone::system);
        if self.teks.contains(&e.id) {
            // Its file text holds the words: the other conditions still apply.
            let rest = Saring {
                kata: Vec::new(),
                ..self.saring.clone()
            };
            return rest.cocok(e, &zone);
        }
        self.saring.cocok(e, &zone)
    }

    /// Orders the filtered view (indexes into `entries`) by the `urut:` key, if any.
    pub fn sort_view(&self, entries: &[Entry], view: &mut [usize]) {
        let Some(key) = self.saring.urut.as_deref() else {
            return;
        };
        match key {
            "nomor" | "no" => {
                view.sort_by_key(|&i| (entries[i].nomor_agenda.is_none(), entries[i].nomor_agenda))
            }
            "perihal" => view.sort_by_cached_key(|&i| entries[i].perihal.to_lowercase()),
            "batas" | "deadline" => {
                view.sort_by_key(|&i| (entries[i].batas_waktu.is_none(), entries[i].batas_waktu))
            }
            "k" | "klasifikasi" => view.sort_by_key(|&i| std::cmp::Reverse(entries[i].klasifikasi)),
            "diterima" | "lama" => view.sort_by_key(|&i| entries[i].received_at),
            _ => {}
        }
    }
}

/// One buku agenda tab: the pane it is ([`Pane::Masuk`] or [`Pane::Keluar`]) and its list. Derefs to
/// the [`EntryList`].
#[derive(Debug, Clone)]
pub struct AgendaPane {
    pub pane: Pane,
    pub list: EntryList,
}

impl std::ops::Deref for AgendaPane {
    type Target = EntryList;
    fn deref(&self) -> &EntryList {
        &self.list
    }
}

impl std::ops::DerefMut for AgendaPane {
    fn deref_mut(&mut self) -> &mut EntryList {
        &mut self.list
    }
}

impl AgendaPane {
    /// The Masuk tab: the books masuk and kriptogram-masuk in one list (issue 13).
    pub fn masuk() -> AgendaPane {
        AgendaPane {
            pane: Pane::Masuk,
            list: EntryList::new(vec![Book::Masuk, Book::KriptogramMasuk]),
        }
    }

    /// The Keluar tab: the books keluar and kriptogram-keluar in one list.
    pub fn keluar() -> AgendaPane {
        AgendaPane {
            pane: Pane::Keluar,
            list: EntryList::new(vec![Book::Keluar, Book::KriptogramKeluar]),
        }
    }

    /// The request that loads the tab: the newest [`LIST_FIRST`] entries of its books.
    pub fn list_call(&self) -> Effect {
        Effect::Call(
            Request::AgendaList {
                book: None,
                books: self.list.books.clone(),
                status: None,
                limit: Some(LIST_FIRST),
                before: None,
                saring: None,
            },
            Purpose::List(self.pane),
        )
    }

    /// The entry the entry actions apply to: the open detail, else the selection of this tab when it
    /// is shown; `None` otherwise.
    pub fn current<'a>(&'a self, cx: &'a Ctx) -> Option<&'a Entry> {
        if cx.pane != self.pane {
            return None;
        }
        for l in cx.layers.iter().rev() {
            if let Layer::Detail(d) = l {
                return d.entry.as_deref();
            }
        }
        self.list.selected()
    }

    fn need_entry(&self, cx: &mut Ctx) -> Option<Entry> {
        let e = self.current(cx).cloned();
        if e.is_none() {
            cx.error(
                cx.tr("tidak ada entri terpilih", "no entry selected")
                    .to_string(),
            );
        }
        e
    }

    /// An action on the selected entry that needs one argument: without it, a prompt asks for it (and
    /// re-runs the action); with it, `call` builds the request and the success message.
    fn ask_or_call<T>(
        &self,
        cx: &mut Ctx,
        arg: Option<T>,
        kind: fn(u64) -> PromptKind,
        initial: &str,
        call: impl FnOnce(u64, T) -> (Request, String),
    ) -> Vec<Effect> {
        let Some(e) = self.need_entry(cx) else {
            return Vec::new();
        };
        match arg {
            None => {
                cx.prompt(kind(e.id), initial);
                Vec::new()
            }
            Some(a) => {
                let (req, done) = call(e.id, a);
                vec![Effect::Call(req, Purpose::Done(done))]
            }
        }
    }

    /// Sets the `/` filter as it is typed, keeping the cursor on its entry.
    /// `page`: the rows the list shows ([`Ctx::page`]).
    /// Asks the node to search the file texts for the filter's words (issue 15) when they are three
    /// characters or more and differ from the last search.
    pub fn set_filter(&mut self, page: usize, filter: String) -> Vec<Effect> {
        let keep = self.list.selected().map(|e| e.id);
        self.list.filter = filter.clone();
        self.list.rebuild(keep, page);
        let mut v = Vec::new();
        // Every entry of the books, through the node's indexes (issue 19): what is not loaded yet.
        let saring = Saring::parse(&filter);
        if saring.is_empty() {
            self.list.saring = None;
        } else if self.list.saring.as_ref().is_none_or(|s| s.q != filter) {
            self.list.saring = Some(SaringState {
                q: filter.clone(),
                next: None,
                loading: true,
            });
            v.push(saring_call(
                &self.list.books,
                self.pane,
                filter,
                saring,
                None,
            ));
        }
        if let Some(q) = self.list.teks_query()
            && self.list.teks.as_ref().is_none_or(|(t, _)| *t != q)
        {
            v.push(Effect::Call(
                Request::Cari {
                    q: q.clone(),
                    books: self.list.books.clone(),
                },
                Purpose::Cari(self.pane, q),
            ));
        }
        v
    }

    /// Puts the cursor on entry `id` and opens its registration form (a resumed draft); says so when
    /// the entry is no longer an untriaged scan.
    pub fn resume_triage(&mut self, cx: &mut Ctx, id: u64) -> Vec<Effect> {
        cx.pane = self.pane;
        let page = cx.page();
        let l = &mut self.list;
        if l.goto(id, page) {
            return self.triage(cx);
        }
        cx.error(format!("entri {id} tidak lagi berstatus baru"));
        Vec::new()
    }

    /// Opens the registration form of the selected untriaged scan (SOP 003 A2), resuming its draft.
    fn triage(&mut self, cx: &mut Ctx) -> Vec<Effect> {
        let Some(e) = self.need_entry(cx) else {
            return Vec::new();
        };
        if e.status != Status::Baru {
            cx.error(format!(
                "entri {} berstatus {}: hanya pindaian 'baru' yang didaftarkan",
                e.id,
                e.status.as_str()
            ));
            return Vec::new();
        }
        if e.sealed.is_some() {
            // Registration works without them; the operator is told why the form is not pre-filled.
            let m = cx.tr(SEALED_ID, SEALED_EN).to_string();
            cx.info(m);
        }
        let mut form = FormState::for_entry(&e, cx.derajat.clone());
        let key = form.purpose.draft_key();
        if let Some((_, data)) = cx.drafts.iter().find(|(k, _)| *k == key)
            && let Ok(rf) = serde_json::from_str(data)
        {
            form.set_fields(&rf);
            for f in &mut form.fields {
                f.suggested = false;
            }
            form.changed = true;
            form.revalidate();
        }
        cx.layers.push(Layer::Form(Box::new(form)));
        Vec::new()
    }

    /// Opens the form of a new keluar draft (resuming `keluar:new`) and shows the Keluar tab.
    fn keluar_new(&mut self, cx: &mut Ctx) -> Vec<Effect> {
        cx.pane = Pane::Keluar;
        let mut form = FormState::new(FormPurpose::KeluarNew, cx.derajat.clone());
        if let Some((_, data)) = cx.drafts.iter().find(|(k, _)| k == "keluar:new")
            && let Ok(rf) = serde_json::from_str(data)
        {
            form.set_fields(&rf);
            form.revalidate();
        }
        cx.layers.push(Layer::Form(Box::new(form)));
        Vec::new()
    }

    fn open(&self, cx: &mut Ctx) -> Vec<Effect> {
        let Some(e) = self.need_entry(cx) else {
            return Vec::new();
        };
        let id = e.id;
        cx.layers.push(Layer::Detail(DetailState {
            id,
            entry: Some(Box::new(e)),
            text: None,
            pengiriman: Vec::new(),
            chain: Vec::new(),
            view: Default::default(),
        }));
        detail_calls(id)
    }

    fn export(&self, cx: &mut Ctx, path: Option<String>) -> Vec<Effect> {
        let Some(e) = self.need_entry(cx) else {
            return Vec::new();
        };
        let Some(a) = e.attachments.first() else {
            cx.error(format!("entri {} tidak punya lampiran", e.id));
            return Vec::new();
        };
        match path {
            None => {
                let name = a.name.clone();
                cx.prompt(PromptKind::Export(e.id), &format!("./{name}"));
                Vec::new()
            }
            Some(p) => vec![Effect::Call(
                Request::Attachment { id: e.id, index: 0 },
                Purpose::Attachment(PathBuf::from(p)),
            )],
        }
    }

    /// `A`: attaches files to the entry: `[jenis] path…` (jenis `surat`, `jurnal-faks`, `resi`,
    /// `lain`; default `surat`). Without an argument a prompt asks (Tab completes the path).
    fn attach(&self, cx: &mut Ctx, arg: Option<String>) -> Vec<Effect> {
        let Some(e) = self.need_entry(cx) else {
            return Vec::new();
        };
        let Some(arg) = arg else {
            cx.prompt(PromptKind::Attach(e.id), "");
            return Vec::new();
        };
        let mut words = arg.split_whitespace().peekable();
        let jenis = match words.peek().map(|w| JenisLampiran::parse(w)) {
            Some(Ok(j)) => {
                words.next();
                j
            }
            _ => JenisLampiran::Surat,
        };
        let files: Vec<PathBuf> = words.map(expand_home).collect();
        if files.is_empty() {
            cx.error("tulis path berkasnya, mis. \"resi ~/pindai/resi-sanapati.pdf\" (Tab melengkapi path)");
            return Vec::new();
        }
        vec![Effect::CallWithFiles(
            Request::AgendaAttach {
                id: e.id,
                jenis,
                files: Vec::new(),
            },
            files,
            Purpose::Done(format!(
                "berkas dilampirkan ke entri {} ({})",
                e.id,
                jenis.as_str()
            )),
        )]
    }

    /// `K`: seals the entry for peers. The argument is `5171,51 /path/surat.pdf …`: node ids, then
    /// (optionally) files to enclose; without it a prompt asks.
    fn seal(&self, cx: &mut Ctx, to: Option<String>) -> Vec<Effect> {
        let Some(e) = self.need_entry(cx) else {
            return Vec::new();
        };
        let Some(arg) = to else {
            cx.prompt(PromptKind::Seal(e.id), "");
            return Vec::new();
        };
        let (files, ids): (Vec<&str>, Vec<&str>) = arg
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .partition(|t| t.contains('/') || t.starts_with('~'));
        let to: Vec<String> = ids.into_iter().map(String::from).collect();
        if to.is_empty() {
            cx.error("sebutkan id node tujuan, mis. 51 atau 51,5171 (lalu path berkas bila perlu)");
            return Vec::new();
        }
        let req = Request::KriptogramSeal {
            darurat: None,
            entry: Some(e.id),
            fields: None,
            to: to.clone(),
            yes_unverified: false,
            files: Vec::new(),
        };
        let purpose = Purpose::Sealed { id: e.id, to };
        if files.is_empty() {
            vec![Effect::Call(req, purpose)]
        } else {
            vec![Effect::CallWithFiles(
                req,
                files.into_iter().map(PathBuf::from).collect(),
                purpose,
            )]
        }
    }

    fn dispose(&self, cx: &mut Ctx) -> Vec<Effect> {
        let Some(e) = self.need_entry(cx) else {
            return Vec::new();
        };
        if let Err(r) = crate::domain::disposisi::check_disposable(&e) {
            cx.error(r.to_string());
            return Vec::new();
        }
        vec![Effect::Call(
            Request::Disposisi(DisposisiRequest::Entry { entry: e.id }),
            Purpose::DisposeForm(e.id, None),
        )]
    }
}

impl PaneState for AgendaPane {
    /// The tab's actions while it is shown (a new keluar draft from anywhere: the Keluar tab is then
    /// shown). List motion, filter clearing by `Esc` and goto act only with no overlay open.
    fn update(&mut self, cx: &mut Ctx, a: &Action) -> Option<Vec<Effect>> {
        if *a == Action::KeluarNew && self.pane == Pane::Keluar {
            return Some(self.keluar_new(cx));
        }
        if cx.pane != self.pane {
            return None;
        }
        let page = cx.page();
        let bare = cx.layers.is_empty();
        Some(match a.clone() {
            Action::Filter(Some(t)) => {
                if let Some(m) = Saring::parse(&t).masalah.first() {
                    cx.error(format!(
                        "{} {m}",
                        cx.tr("saringan tidak dimengerti:", "filter not understood:")
                    ));
                }
                self.set_filter(page, t)
            }
            Action::Filter(None) => {
                let f = self.list.filter.clone();
                cx.prompt(PromptKind::Filter, &f);
                Vec::new()
            }
            Action::Goto(id) => {
                if !self.list.goto(id, page) {
                    cx.error(format!("entri {id} tidak ada di daftar ini"));
                }
                Vec::new()
            }
            Action::Back if bare && !self.list.filter.is_empty() => {
                self.set_filter(page, String::new());
                Vec::new()
            }
            ref m @ (Action::Down
            | Action::Up
            | Action::PageDown
            | Action::PageUp
            | Action::Top
            | Action::Bottom)
                if bare =>
            {
                let d = m.motion(page as isize).unwrap_or(0);
                self.list.move_by(d, page);
                self.list.more_call(self.pane, page).into_iter().collect()
            }
            Action::Open => self.open(cx),
            Action::Triage => self.triage(cx),
            Action::Duplicate(of) => {
                // The cross-channel check's first candidate is offered: `d` then Enter links it.
                let initial = self
                    .current(cx)
                    .and_then(|e| e.mungkin_sama.first())
                    .map(|i| i.to_string())
                    .unwrap_or_default();
                self.ask_or_call(cx, of, PromptKind::Duplicate, &initial, |id, of| {
                    (
                        Request::MarkDuplicate { id, of },
                        format!("entri {id} ditandai duplikat dari {of}"),
                    )
                })
            }
            Action::Distribusi(arg) => {
                let initial = self
                    .current(cx)
                    .map(|e| {
                        crate::domain::penerimaan::saran_distribusi(e)
                            .as_str()
                            .to_string()
                    })
                    .unwrap_or_default();
                self.ask_or_call(cx, arg, PromptKind::Distribusi, &initial, |id, v| {
                    let v = v.trim();
                    let (jenis, ke) = v.split_once(' ').unwrap_or((v, ""));
                    (
                        Request::Masuk(MasukRequest::Distribusi {
                            id,
                            jenis: jenis.to_string(),
                            ke: ke.trim().to_string(),
                            catatan: String::new(),
                        }),
                        format!(
                            "entri {id} didistribusikan ke {}",
                            if ke.trim().is_empty() {
                                jenis
                            } else {
                                ke.trim()
                            }
                        ),
                    )
                })
            }
            Action::TandaTerima(arg) => {
                let initial = self
                    .current(cx)
                    .and_then(|e| e.distribusi.iter().find(|d| d.tanda_terima.is_none()))
                    .map(|d| format!("{} ", d.no))
                    .unwrap_or_default();
                let parsed = match arg {
                    Some(v) => {
                        let v = v.trim().to_string();
                        match v.split_once(' ').and_then(|(n, nama)| {
                            n.parse::<u32>().ok().map(|n| (n, nama.trim().to_string()))
                        }) {
                            Some(x) => Some(x),
                            None => {
                                cx.error(format!("'{v}': tulis nomor distribusi lalu nama penerima, mis. \"1 Ni Luh Putu\""));
                                return Some(Vec::new());
                            }
                        }
                    }
                    None => None,
                };
                self.ask_or_call(
                    cx,
                    parsed,
                    PromptKind::TandaTerima,
                    &initial,
                    |id, (no, nama)| {
                        (
                            Request::Masuk(MasukRequest::TandaTerima {
                                id,
                                no,
                                nama: nama.clone(),
                                at: None,
                            }),
                            format!("tanda terima distribusi {no} entri {id}: {nama}"),
                        )
                    },
                )
            }
            Action::SiApel => {
                let Some(e) = self.need_entry(cx) else {
                    return Some(Vec::new());
                };
                vec![Effect::Call(
                    Request::Masuk(MasukRequest::SiApel {
                        id: e.id,
                        nomor: String::new(),
                    }),
                    Purpose::Done(format!("entri {} sudah dientri di SI APEL", e.id)),
                )]
            }
            Action::Void(reason) => {
                self.ask_or_call(cx, reason, PromptKind::Void, "", |id, reason| {
                    (
                        Request::Void { id, reason },
                        format!("entri {id} dibatalkan"),
                    )
                })
            }
            Action::Note(text) => self.ask_or_call(cx, text, PromptKind::Note, "", |id, text| {
                (
                    Request::Note { id, text },
                    format!("catatan ditambahkan ke entri {id}"),
                )
            }),
            Action::Export(path) => self.export(cx, path),
            Action::KeluarRegister => {
                let Some(e) = self.need_entry(cx) else {
                    return Some(Vec::new());
                };
                vec![Effect::Call(
                    Request::KeluarRegister { id: e.id },
                    Purpose::Done(format!("draf {} diagendakan", e.id)),
                )]
            }
            Action::KeluarSend(arg) => {
                let initial = self
                    .current(cx)
                    .map(|e| {
                        if crate::domain::keluar::disegel(e) || e.book == Book::KriptogramKeluar {
                            "Kriptogram".to_string()
                        } else if e.saluran.is_empty() {
                            "Email Sanapati".to_string()
                        } else {
                            e.saluran.clone()
                        }
                    })
                    .unwrap_or_default();
                let parsed = match arg {
                    None => None,
                    Some(v) => match parse_kirim(&v, &cx.node.calendar, cx.now) {
                        Ok(k) => Some(k),
                        Err(m) => {
                            cx.error(m);
                            return Some(Vec::new());
                        }
                    },
                };
                self.ask_or_call(cx, parsed, PromptKind::Saluran, &initial, |id, k| {
                    let done = format!("entri {id} terkirim lewat {}", k.saluran);
                    (Request::Keluar(KeluarRequest::Kirim { id, kirim: k }), done)
                })
            }
            Action::KeluarParaf => {
                let Some(e) = self.need_entry(cx) else {
                    return Some(Vec::new());
                };
                vec![Effect::Call(
                    Request::Keluar(KeluarRequest::Paraf { id: e.id }),
                    Purpose::Done(format!("entri {} diparaf", e.id)),
                )]
            }
            Action::KeluarTtd => {
                let Some(e) = self.need_entry(cx) else {
                    return Some(Vec::new());
                };
                vec![Effect::Call(
                    Request::Keluar(KeluarRequest::TandaTangan { id: e.id }),
                    Purpose::Done(format!("entri {} ditandatangani", e.id)),
                )]
            }
            Action::KeluarTolak(note) => {
                self.ask_or_call(cx, note, PromptKind::Tolak, "", |id, catatan| {
                    (
                        Request::Keluar(KeluarRequest::Tolak { id, catatan }),
                        format!("entri {id} dikembalikan ke konsep"),
                    )
                })
            }
            Action::Arsip => {
                let Some(e) = self.need_entry(cx) else {
                    return Some(Vec::new());
                };
                let h = crate::domain::backup::Himpunan::of(&e);
                vec![Effect::Call(
                    Request::Close {
                        id: e.id,
                        to: Status::Diarsipkan,
                        note: String::new(),
                    },
                    Purpose::Done(format!("entri {} diarsipkan ke map {}", e.id, h.label())),
                )]
            }
            Action::Attach(arg) => self.attach(cx, arg),
            Action::Teruskan => {
                let Some(e) = self.need_entry(cx) else {
                    return Some(Vec::new());
                };
                vec![Effect::Call(
                    Request::KeluarNew {
                        fields: crate::domain::RegisterFields {
                            kriptogram: true,
                            ..Default::default()
                        },
                        dari: Some(e.id),
                    },
                    Purpose::Done(format!(
                        "draf kriptogram keluar dibuat dari entri {}: di tab Keluar beri paraf, tanda tangan, lalu K",
                        e.id
                    )),
                )]
            }
            Action::Seal(to) => self.seal(cx, to),
            Action::Dispose => self.dispose(cx),
            _ => return None,
        })
    }

    /// Its list (`List(pane)`; the Masuk tab also takes the masuk list the Disposisi and Insiden tabs
    /// ask for), a registered scan (Masuk), a created draft and a sealed kriptogram (Keluar).
    fn on_reply(&mut self, cx: &mut Ctx, purpose: &Purpose, r: &Reply) -> Option<Vec<Effect>> {
        let page = cx.page();
        match (purpose, r) {
            (Purpose::List(p), Reply::Entries { entries })
                if *p == self.pane
                    || (self.pane == Pane::Masuk
                        && matches!(p, Pane::Disposisi | Pane::Insiden)) =>
            {
                self.list.newest_page(entries, page);
                Some(Vec::new())
            }
            (Purpose::ListMore(p), Reply::Entries { entries }) if *p == self.pane => {
                self.list.more = (entries.len() >= LIST_LIMIT)
                    .then(|| entries.last().map(crate::store::Store::cursor_of))
                    .flatten();
                self.list.loading_more = false;
                self.list.merge_page(entries, page);
                Some(self.list.more_call(self.pane, page).into_iter().collect())
            }
            (Purpose::Saring(p, q), Reply::Saring { page: found }) if *p == self.pane => {
                let Some(st) = self.list.saring.as_mut().filter(|s| s.q == *q) else {
                    return Some(Vec::new()); // an older filter's answer
                };
                st.next = found.next;
                st.loading = false;
                self.list.merge_page(&found.entries, page);
                // A page cut short by the node's budget: ask on while the view does not fill the screen.
                Some(self.list.more_call(self.pane, page).into_iter().collect())
            }
            (Purpose::Registered(id), Reply::Entry { entry, .. }) if self.pane == Pane::Masuk => {
                let id = *id;
                cx.layers
                    .retain(|l| !matches!(l, Layer::Form(_) | Layer::Detail(_)));
                let key = format!("register:{id}");
                cx.drafts.retain(|(k, _)| *k != key);
                let n = entry.nomor_agenda.unwrap_or(0);
                // 003 SOP C langkah 3: the node compared it with what came by the other channel.
                match entry
                    .timeline
                    .iter()
                    .rev()
                    .find(|t| t.kind == "dicocokkan" && t.detail.starts_with("mungkin sama"))
                {
                    Some(t) => cx.error(format!(
                        "Nomor agenda {n} — {}; bila sama: d lalu Enter menautkannya sebagai duplikat",
                        t.detail
                    )),
                    None => cx.info(format!("Nomor agenda {n}")),
                }
                cx.pane = Pane::Masuk;
                let l = &mut self.list;
                if let Some(e) = l.list.items.iter_mut().find(|e| e.id == id) {
                    *e = (**entry).clone();
                }
                let entries = std::mem::take(&mut l.list.items);
                l.set_entries(entries, page);
                // With a "mungkin sama" candidate the cursor stays on the registered entry, so `d`
                // acts on it; otherwise it moves on to the next untriaged scan.
                if !entry.mungkin_sama.is_empty() || !l.select_next_baru(id, page) {
                    l.rebuild(Some(id), page);
                }
                Some(vec![
                    Effect::Call(Request::DraftDelete { key }, Purpose::Ignore),
                    Effect::Call(Request::Status, Purpose::Status),
                    self.list_call(),
                ])
            }
            (Purpose::KeluarCreated, Reply::Entry { entry, .. }) if self.pane == Pane::Keluar => {
                cx.layers.retain(|l| !matches!(l, Layer::Form(_)));
                cx.drafts.retain(|(k, _)| k != "keluar:new");
                cx.info(format!("draf keluar {} dibuat", entry.id));
                cx.pane = Pane::Keluar;
                let mut entries = std::mem::take(&mut self.list.list.items);
                entries.insert(0, (**entry).clone());
                self.list.set_entries(entries, page);
                self.list.rebuild(Some(entry.id), page);
                Some(vec![
                    Effect::Call(
                        Request::DraftDelete {
                            key: "keluar:new".into(),
                        },
                        Purpose::Ignore,
                    ),
                    self.list_call(),
                ])
            }
            (
                Purpose::Sealed { .. },
                Reply::KriptogramSealed {
                    entry,
                    path,
                    recipients,
                    ..
                },
            ) if self.pane == Pane::Keluar => {
                cx.info(format!(
                    "kriptogram nomor {} untuk {} siap di {path}",
                    entry.nomor_agenda.map_or("-".into(), |n| n.to_string()),
                    recipients.join(", ")
                ));
                Some(vec![
                    self.list_call(),
                    Effect::Call(Request::Status, Purpose::Status),
                ])
            }
            _ => None,
        }
    }

    fn draw(&self, cx: &Ctx, f: &mut Frame, r: Rect) {
        draw_list(self, cx, f, r);
    }

    fn count(&self) -> usize {
        self.list.view.len()
    }

    /// The books' total (from the node's counts) without a filter, `loaded/total` while pages of
    /// it are still on the node; with a filter, the rows found, `+` while the node has more.
    fn count_label(&self, cx: &Ctx) -> String {
        let shown = self.list.view.len();
        if !self.list.filter.is_empty() {
            let more = self.list.saring.as_ref().is_some_and(|s| s.next.is_some());
            return format!("{}{}", ringkas(shown as u64), if more { "+" } else { "" });
        }
        let total = cx.status.as_ref().map_or(0, |s| {
            s.counts
                .rows
                .iter()
                .filter(|(b, _, _)| self.list.books.contains(b))
                .map(|(_, _, n)| n)
                .sum::<u64>()
        });
        let total = total.max(shown as u64);
        if self.list.more.is_some() && (shown as u64) < total {
            // Part of the book is loaded: `loaded/total` (the rest comes page by page).
            format!("{}/{}", ringkas(shown as u64), ringkas(total))
        } else {
            ringkas(total)
        }
    }

    fn refresh(&self, cx: &Ctx) -> Vec<Effect> {
        let mut v = vec![self.list_call()];
        if cx.pane == self.pane {
            for l in &cx.layers {
                if let Layer::Detail(d) = l {
                    v.extend(detail_calls(d.id));
                }
            }
        }
        v
    }
}

/// What the console says about an entry whose text and suggestions are sealed to the node's key while
/// the node is locked (issue 11 §5), in Indonesian and English.
pub const SEALED_ID: &str = "teks hasil ekstraksi dan saran kepala naskah tersegel untuk kunci node; node terkunci: buka dengan `kasa node unlock` atau perintah konsol `unlock`";
pub const SEALED_EN: &str = "the extracted text and header suggestions are sealed to the node key and the node is locked: unlock it with `kasa node unlock` or the console command `unlock`";

/// The requests that fill the detail of entry `id`: the entry with its text, and its disposisi chain.
fn detail_calls(id: u64) -> Vec<Effect> {
    vec![
        Effect::Call(Request::AgendaShow { id }, Purpose::Show(id)),
        Effect::Call(
            Request::Disposisi(DisposisiRequest::Entry { entry: id }),
            Purpose::DisposisiChain(id),
        ),
    ]
}

/// The open detail of entry `id`, if any.
fn detail_mut(cx: &mut Ctx, id: u64) -> Option<&mut DetailState> {
    cx.layers.iter_mut().find_map(|l| match l {
        Layer::Detail(d) if d.id == id => Some(d),
        _ => None,
    })
}

/// Replies for the entry detail overlay (the entry, its delivery per recipient, its disposisi chain)
/// and an exported attachment; `None` for other purposes.
pub fn on_detail_reply(cx: &mut Ctx, purpose: &Purpose, r: &Reply) -> Option<Vec<Effect>> {
    match (purpose, r) {
        (Purpose::Show(id), Reply::Entry { entry, text }) => {
            let sealed = entry.book == Book::KriptogramKeluar;
            if let Some(d) = detail_mut(cx, *id) {
                d.entry = Some(entry.clone());
                d.text = text.clone();
            }
            Some(if sealed {
                let req = Request::Link(crate::proto::link::LinkRequest::Receipts { entry: *id });
                vec![Effect::Call(req, Purpose::Pengiriman(*id))]
            } else {
                Vec::new()
            })
        }
        (
            Purpose::Pengiriman(id),
            Reply::Link(crate::proto::link::LinkReply::Receipts { pengiriman, .. }),
        ) => {
            if let Some(d) = detail_mut(cx, *id) {
                d.pengiriman = pengiriman.clone();
            }
            Some(Vec::new())
        }
        (Purpose::DisposisiChain(id), Reply::Disposisi(DisposisiReply::Chain { records, .. })) => {
            if let Some(d) = detail_mut(cx, *id) {
                d.chain = records.clone();
            }
            Some(Vec::new())
        }
        (Purpose::Attachment(path), Reply::Attachment { data_b64, .. }) => {
            Some(vec![Effect::WriteFile(path.clone(), data_b64.clone())])
        }
        _ => None,
    }
}

/// A path typed in a prompt, `~/` expanded to the operator's home.
pub(super) fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(h)) => PathBuf::from(h).join(rest),
        _ => PathBuf::from(p),
    }
}

/// The send prompt: `saluran [@YYYY-MM-DD HH:MM | @HH:MM] [! alasan tanpa bukti]`. A time without a
/// date is today's in the node's zone.
fn parse_kirim(
    v: &str,
    cal: &crate::domain::calendar::WorkCalendar,
    now: Timestamp,
) -> Result<crate::domain::keluar::Kirim, String> {
    let (head, tanpa) = match v.split_once('!') {
        Some((h, r)) => (
            h.trim(),
            Some(r.trim().to_string()).filter(|r| !r.is_empty()),
        ),
        None => (v.trim(), None),
    };
    let (saluran, at) = match head.split_once('@') {
        Some((s, t)) => (s.trim(), Some(t.trim())),
        None => (head, None),
    };
    if saluran.is_empty() {
        return Err("tulis salurannya, mis. Faksimili".into());
    }
    let sent_at = match at {
        None => None,
        Some(t) => {
            let dt = if t.contains('-') {
                t.replace('T', " ").parse::<jiff::civil::DateTime>()
            } else {
                let today = now.to_zoned(cal.zone.clone()).date();
                t.parse::<jiff::civil::Time>()
                    .map(|tm| today.to_datetime(tm))
            };
            let dt = dt.map_err(|_| {
                format!("waktu '{t}' tidak terbaca: tulis @HH:MM atau @YYYY-MM-DD HH:MM")
            })?;
            Some(
                dt.to_zoned(cal.zone.clone())
                    .map_err(|e| e.to_string())?
                    .timestamp(),
            )
        }
    };
    Ok(crate::domain::keluar::Kirim {
        saluran: saluran.to_string(),
        sent_at,
        resi_link: None,
        tanpa_bukti: tanpa,
        darurat: None,
    })
}

/// The status word of a list row: an outgoing item's stage (konsep, diparaf, ditandatangani, siap
/// kirim, disegel, terkirim, diarsipkan: issue 14), an incoming item's status.
fn status_label(cx: &Ctx, e: &Entry) -> &'static str {
    if e.book.is_incoming() {
        e.status.as_str()
    } else {
        let s = crate::domain::keluar::syarat(&cx.alur, e);
        crate::domain::keluar::tahap(e, &s).singkat()
    }
}

/// The index of the flow-step column (Masuk and Keluar) in a list row.
const LANGKAH_COL: usize = 9;

/// One list row; `cuplikan`: the file text around the filter's words when the node's full-text
/// search found the entry (shown after the subject).
fn row_for<'a>(
    cx: &Ctx,
    e: &'a Entry,
    pane: Pane,
    cuplikan: Option<&str>,
) -> (Vec<Cell<'a>>, Style) {
    let th = &cx.theme;
    let cal = &cx.node.calendar;
    let (sisa, overdue, soon) = match e.batas_waktu {
        Some(b) if e.status.is_open() => time_left(b, cx.now),
        _ => (String::new(), false, false),
    };
    let held = cx
        .klaim
        .iter()
        .any(|p| p.entry == e.id && p.conn != cx.conn);
    let glyph = if held {
        GLYPH_HELD
    } else if e.status == Status::Baru {
        GLYPH_BARU
    } else if overdue {
        GLYPH_OVERDUE
    } else {
        " "
    };
    // The channel at a glance (`tanda` of alur.toml: K kriptogram, F faksimili, S Email Sanapati).
    let kanal = cx.alur.tanda_of(e).to_string();
    let langkah = if matches!(pane, Pane::Masuk | Pane::Keluar) {
        crate::domain::alur::ringkas(&cx.alur, e, cal, cx.now)
    } else {
        String::new()
    };
    let langkah_style = if langkah.contains(" -") {
        th.get("sla.overdue")
    } else {
        Style::default()
    };
    let title = if e.perihal.is_empty() {
        let name = e
            .attachments
            .first()
            .map_or(String::new(), |a| a.name.clone());
        if e.menunggu_ocr() {
            format!("{} {name}", cx.tr("membaca…", "reading…"))
        } else {
            name
        }
    } else {
        e.perihal.clone()
    };
    let title = match cuplikan {
        // The snippet first: it says why the row is there, and a narrow column keeps it.
        Some(c) => format!("«{c}» {title}"),
        None => title,
    };
    let when = match pane {
        Pane::Keluar => e.sent_at.or(e.registered_at).unwrap_or(e.received_at),
        _ => e.received_at,
    };
    let who = match pane {
        Pane::Keluar => &e.tujuan,
        _ => &e.asal,
    };
    let style = if e.status == Status::Baru {
        th.get("inbox.untriaged")
    } else {
        Style::default()
    };
    let sisa_style = if overdue {
        th.get("sla.overdue")
    } else if soon {
        th.get("sla.soon")
    } else {
        Style::default()
    };
    (
        vec![
            Cell::from(glyph),
            Cell::from(kanal),
            Cell::from(e.nomor_agenda.map_or("-".to_string(), |n| n.to_string())),
            Cell::from(local(cal, when, "%d-%m %H:%M")),
            Cell::from(trunc(who, 40)),
            Cell::from(trunc(&title, 120)),
            Cell::from(e.klasifikasi.map_or("-", |k| k.code())),
            Cell::from(e.derajat.clone().unwrap_or_else(|| "-".into())),
            Cell::from(status_label(cx, e)),
            Cell::from(langkah).style(langkah_style),
            Cell::from(sisa).style(sisa_style),
        ]
        .into_iter()
        .enumerate()
        .filter(|(i, _)| matches!(pane, Pane::Masuk | Pane::Keluar) || *i != LANGKAH_COL)
        .map(|(_, c)| c)
        .collect(),
        style,
    )
}

fn draw_list(l: &AgendaPane, cx: &Ctx, f: &mut Frame, r: Rect) {
    let th = &cx.theme;
    let rows_h = (r.height as usize).saturating_sub(1);
    if l.view.is_empty() {
        let searching = !l.filter.is_empty()
            && l.saring
                .as_ref()
                .is_some_and(|s| s.q == l.filter && s.loading);
        let msg = if !l.loaded {
            cx.tr("memuat…", "loading…")
        } else if searching {
            cx.tr("mencari di seluruh buku…", "searching the whole book…")
        } else if l.items.is_empty() {
            match l.pane {
                Pane::Keluar => cx.tr(
                    "Belum ada berita keluar. Tekan c untuk draf baru.",
                    "No outgoing items yet. Press c for a new draft.",
                ),
                _ => cx.tr(
                    "Belum ada berita masuk. Pindaian di folder drop muncul di sini.",
                    "No incoming items yet. Scans dropped in the drop folder appear here.",
                ),
            }
        } else {
            cx.tr(
                "Tidak ada yang cocok dengan saringan.",
                "Nothing matches the filter.",
            )
        };
        f.render_widget(Paragraph::new(msg).style(th.get("dim")), r);
        return;
    }
    let offset = l.cursor.offset;
    let end = (offset + rows_h).min(l.view.len());
    let rows: Vec<_> = l.view[offset..end]
        .iter()
        .map(|&i| row_for(cx, &l.items[i], l.pane, l.cuplikan(l.items[i].id)))
        .collect();
    let (who, when) = match l.pane {
        Pane::Keluar => (cx.tr("Tujuan", "To"), cx.tr("Tanggal", "Date")),
        _ => (cx.tr("Asal", "From"), cx.tr("Diterima", "Received")),
    };
    // Priorities: 0 always kept; Derajat goes first, then the date, then the sender.
    let mut cols = vec![
        C::new(" ", L(1), 0),
        C::new(" ", L(1), 0),
        C::new("No", L(4), 0),
        C::new(when, L(11), 2),
        C::new(who, F(1), 1),
        // The subject is what a sandiman triages by: the Derajat column goes before it gets narrower.
        C::new(cx.tr("Perihal / berkas", "Subject / file"), F(3), 0).at_least(26),
        C::new("K", L(2), 0),
        C::new("Derajat", L(7), 3),
        C::new("Status", L(10), 0),
        // The flow's current step and its clock (mutu baku of 003 SOP A–F, 002, 004).
        C::new(cx.tr("Langkah", "Step"), L(7), 1),
        C::new(cx.tr("Sisa", "Left"), L(7), 0),
    ];
    if !matches!(l.pane, Pane::Masuk | Pane::Keluar) {
        cols.remove(LANGKAH_COL);
    }
    let sel = Some(l.cursor.pos - offset);
    draw_table(f, r, &cols, rows, sel, th);
}

fn kv<'a>(cx: &Ctx, k: &'a str, v: String) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{k:<15}"), cx.theme.get("form.label")),
        Span::raw(v),
    ])
}

/// The send side of an outgoing entry's detail: approvals asked and given, the sending and its proof,
/// what to press next.
fn keluar_lines(cx: &Ctx, e: &Entry, out: &mut Vec<Line<'_>>) {
    use crate::domain::keluar::{self, Tahap};
    let cal = &cx.node.calendar;
    let s = keluar::syarat(&cx.alur, e);
    let roles =
        |v: &[crate::domain::Role]| v.iter().map(|r| r.as_str()).collect::<Vec<_>>().join("/");
    let tanda = |t: &Option<keluar::Tanda>, key: &str| match t {
        Some(t) => format!("{} {}", t.siapa(), local(cal, t.at, "%d-%m %H:%M")),
        None => format!("{} ({key})", cx.tr("belum", "not yet")),
    };
    section(out, &cx.theme, cx.tr("Pengiriman", "Sending"));
    let tahap = keluar::tahap(e, &s);
    out.push(kv(cx, "Tahap", tahap.label().to_string()));
    if !s.paraf.is_empty() {
        out.push(kv(
            cx,
            "Paraf",
            format!("{} — {}", roles(&s.paraf), tanda(&e.persetujuan.paraf, "p")),
        ));
    }
    if !s.tanda_tangan.is_empty() {
        out.push(kv(
            cx,
            "Tanda tangan",
            format!(
                "{} — {}",
                roles(&s.tanda_tangan),
                tanda(&e.persetujuan.tanda_tangan, "S")
            ),
        ));
    }
    if let Some(k) = s.kualifikasi {
        out.push(kv(cx, "Pengirim", format!("minimal {}", k.label())));
    }
    if let Some(t) = e.sent_at {
        out.push(kv(cx, "Dikirim", local(cal, t, "%d-%m-%Y %H:%M")));
    }
    if let Some(b) = &e.bukti_kirim {
        out.push(kv(cx, "Bukti kirim", b.ringkas()));
    }
    let p = &e.persetujuan;
    let next = if matches!(tahap, Tahap::Batal | Tahap::Diarsipkan) {
        ""
    } else if tahap == Tahap::Terkirim {
        cx.tr("z arsipkan", "z archive")
    } else if !s.paraf.is_empty() && p.paraf.is_none() {
        cx.tr("p paraf · o kembalikan", "p paraf · o reject")
    } else if !s.tanda_tangan.is_empty() && p.tanda_tangan.is_none() {
        cx.tr("S tanda tangan · o kembalikan", "S sign · o reject")
    } else if e.status == Status::Draft {
        cx.tr("r agendakan", "r register")
    } else if e.klasifikasi.is_some_and(|k| k.is_dikecualikan()) && tahap != Tahap::Disegel {
        cx.tr("A lampirkan · K segel", "A attach · K seal")
    } else {
        cx.tr("A lampirkan bukti · s kirim", "A attach proof · s send")
    };
    if !next.is_empty() {
        out.push(kv(cx, cx.tr("Berikutnya", "Next"), next.to_string()));
    }
}

fn detail_lines<'a>(cx: &Ctx, d: &'a DetailState) -> Vec<Line<'a>> {
    let cal = &cx.node.calendar;
    let mut out = Vec::new();
    let Some(e) = d.entry.as_deref() else {
        out.push(Line::from(cx.tr("memuat…", "loading…")));
        return out;
    };
    let ts = |t: Option<Timestamp>| t.map_or("-".into(), |t| local(cal, t, "%d-%m-%Y %H:%M"));
    out.push(heading(
        &cx.theme,
        format!(
            "Entri {} · buku {} · {}",
            e.id,
            e.book.as_str(),
            status_label(cx, e)
        ),
    ));
    out.push(kv(
        cx,
        "Nomor agenda",
        e.nomor_agenda
            .map_or("-".into(), |n| format!("{n}/{}", e.tahun.unwrap_or(0))),
    ));
    out.push(kv(cx, "Diterima", ts(Some(e.received_at))));
    out.push(kv(cx, "Didaftarkan", ts(e.registered_at)));
    out.push(kv(cx, "Asal", e.asal.clone()));
    out.push(kv(cx, "Tujuan", e.tujuan.clone()));
    out.push(kv(cx, "Nomor surat", e.nomor_surat.clone()));
    out.push(kv(
        cx,
        "Tanggal surat",
        e.tanggal_surat.map_or("-".into(), |d| d.to_string()),
    ));
    out.push(kv(cx, "Perihal", e.perihal.clone()));
    if !e.isi_ringkas.is_empty() {
        out.push(kv(cx, "Isi ringkas", e.isi_ringkas.clone()));
    }
    out.push(kv(
        cx,
        "Klasifikasi",
        e.klasifikasi.map_or("-".into(), |k| k.as_str().to_string()),
    ));
    out.push(kv(
        cx,
        "Derajat",
        e.derajat.clone().unwrap_or_else(|| "-".into()),
    ));
    let batas = match e.batas_waktu {
        Some(b) => format!("{} ({})", ts(Some(b)), time_left(b, cx.now).0),
        None => "-".into(),
    };
    out.push(kv(cx, "Batas waktu", batas));
    out.push(kv(cx, "Lampiran", e.lampiran.clone()));
    out.push(kv(cx, "Saluran", e.saluran.clone()));
    if let Some(of) = e.duplicate_of {
        out.push(kv(cx, "Duplikat dari", format!("entri {of}")));
    }
    if !e.duplikat.is_empty() {
        let v: Vec<String> = e.duplikat.iter().map(|i| format!("entri {i}")).collect();
        out.push(kv(cx, "Duplikatnya", v.join(", ")));
    }
    if let Some(c) = e.timeline.iter().rev().find(|t| t.kind == "dicocokkan") {
        let style = if c.detail.starts_with("mungkin sama") {
            cx.theme.get("sla.soon")
        } else {
            Style::default()
        };
        out.push(Line::from(vec![
            Span::styled(format!("{:<15}", "Dicocokkan"), cx.theme.get("form.label")),
            Span::styled(c.detail.clone(), style),
        ]));
    }
    if e.book.is_incoming() && e.nomor_agenda.is_some() {
        let v = match &e.siapel {
            Some(x) => format!("sudah, {} oleh {}", ts(Some(x.at)), x.oleh),
            None => cx
                .tr(
                    "belum (tekan a setelah dientri)",
                    "not yet (press a once entered)",
                )
                .to_string(),
        };
        out.push(kv(cx, "SI APEL", v));
    }
    if !e.book.is_incoming() {
        keluar_lines(cx, e, &mut out);
    }
    if let Some(a) = cx.alur.alur_of(e) {
        section(
            &mut out,
            &cx.theme,
            format!("{} {} — {}", cx.tr("Alur", "Flow"), a.kode, a.judul),
        );
        let jam = crate::domain::alur::jam(e, a, cal, cx.now);
        for (l, j) in a.langkah.iter().zip(&jam) {
            use crate::domain::alur::Keadaan;
            let style = match j.keadaan {
                Keadaan::Lewat | Keadaan::Terlambat => cx.theme.get("sla.overdue"),
                Keadaan::Berjalan => cx.theme.get("sla.soon"),
                _ => Style::default(),
            };
            let when = match (&j.selesai, j.batas) {
                (Some((at, by)), _) => format!("{} {by}", local(cal, *at, "%d-%m %H:%M")),
                (None, Some(b)) => {
                    format!("{} {}", cx.tr("batas", "due"), local(cal, b, "%d-%m %H:%M"))
                }
                (None, None) => String::new(),
            };
            out.push(Line::from(vec![
                Span::styled(format!("{:<4}", l.kode), cx.theme.get("form.label")),
                Span::styled(format!("{:<10}", j.keadaan.as_str()), style),
                Span::raw(format!("{:>3}m  {when}  ", l.menit)),
                Span::styled(l.teks.clone(), cx.theme.get("dim")),
            ]));
        }
    }
    if !e.distribusi.is_empty() {
        section(&mut out, &cx.theme, cx.tr("Distribusi", "Distribution"));
        for x in &e.distribusi {
            let terima = match &x.tanda_terima {
                Some(t) => format!("diterima {} {}", t.nama, ts(Some(t.at))),
                None => cx
                    .tr("tanda terima belum dicatat (T)", "no receipt yet (T)")
                    .to_string(),
            };
            out.push(Line::from(format!(
                "{}. {} · {} {} · {terima}",
                x.no,
                x.ke,
                ts(Some(x.at)),
                x.oleh
            )));
        }
    }
    if let Some(r) = &e.void_reason {
        out.push(kv(cx, "Alasan batal", r.clone()));
    }
    if !d.pengiriman.is_empty() {
        use crate::domain::pengiriman::StatusKirim;
        section(
            &mut out,
            &cx.theme,
            cx.tr("Pengiriman per penerima", "Delivery per recipient"),
        );
        for p in &d.pengiriman {
            let style = match p.status {
                StatusKirim::Ditolak => cx.theme.get("alarm"),
                StatusKirim::Menunggu => cx.theme.get("sla.soon"),
                _ => Style::default(),
            };
            let mut text = format!("{:<8} {}", p.status.label(), ts(p.at));
            if let Some(a) = &p.alasan {
                text.push_str(&format!(" — {a}"));
            }
            out.push(Line::from(vec![
                Span::styled(format!("{:<15}", p.peer), cx.theme.get("form.label")),
                Span::styled(text, style),
            ]));
        }
    }
    // Sealed and the node locked (an unlocked node opens them with `agenda show`, which follows).
    if e.sealed.is_some() && cx.status.as_ref().is_none_or(|s| s.locked) {
        section(
            &mut out,
            &cx.theme,
            cx.tr("Teks dan saran tersegel", "Text and suggestions sealed"),
        );
        out.push(Line::from(Span::styled(
            cx.tr(SEALED_ID, SEALED_EN).to_string(),
            cx.theme.get("sla.soon"),
        )));
    }
    // What the analysis says: "membaca…" while the OCR is pending, then what was read or why not.
    if let Some(n) = &e.text_note {
        section(
            &mut out,
            &cx.theme,
            cx.tr("Analisis berkas", "File analysis"),
        );
        out.push(Line::from(Span::styled(
            n.clone(),
            cx.theme.get("sla.soon"),
        )));
    }
    if let Some(s) = &e.suggestions {
        section(
            &mut out,
            &cx.theme,
            cx.tr("Saran dari kepala naskah", "Suggestions from the header"),
        );
        for (k, field, v) in [
            ("nomor", "nomor", &s.nomor),
            ("hal", "hal", &s.hal),
            ("klasifikasi", "klasifikasi", &s.klasifikasi),
            ("sifat", "sifat", &s.sifat),
            ("lampiran", "lampiran", &s.lampiran),
            ("yth", "yth", &s.yth),
            ("tanggal", "tempat_tanggal", &s.tanggal),
            ("nomor SOP", "nomor_sop", &s.nomor_sop),
        ] {
            if let Some(v) = v {
                let mut spans = vec![
                    Span::styled(format!("{k:<15}"), cx.theme.get("form.label")),
                    Span::styled(v.clone(), cx.theme.get("form.suggested")),
                ];
                // Read with low confidence (domain::naskah::AMBANG_YAKIN): not filled into the form.
                if let Some(b) = s.bukti.get(field).filter(|b| b.ragu) {
                    spans.push(Span::styled(
                        format!(
                            "  {} {:.0}%",
                            cx.tr("ragu, periksa kertas", "uncertain, check the paper"),
                            b.yakin * 100.0
                        ),
                        cx.theme.get("alarm"),
                    ));
                }
                out.push(Line::from(spans));
            }
        }
    }
    section(&mut out, &cx.theme, cx.tr("Berkas", "Attachments"));
    for (i, a) in e.attachments.iter().enumerate() {
        out.push(Line::from(format!("{i}: {}", a.summary())));
    }
    if !d.chain.is_empty() {
        let chain = &d.chain;
        section(
            &mut out,
            &cx.theme,
            cx.tr("Rantai disposisi", "Disposisi chain"),
        );
        out.extend(super::disposisi::tree_lines(cx, chain));
    }
    section(&mut out, &cx.theme, cx.tr("Riwayat", "Timeline"));
    for t in &e.timeline {
        out.push(Line::from(format!(
            "{} {} {} {}",
            local(cal, t.at, "%d-%m %H:%M"),
            t.by,
            t.kind,
            t.detail
        )));
    }
    if let Some(text) = &d.text {
        section(
            &mut out,
            &cx.theme,
            cx.tr("Teks hasil ekstraksi", "Extracted text"),
        );
        for l in text.lines() {
            out.push(Line::from(l.to_string()));
        }
    }
    out
}

pub fn draw_detail(cx: &Ctx, d: &DetailState, f: &mut Frame, r: Rect) {
    let r = Rect {
        y: r.y.saturating_sub(1),
        height: r.height + 1,
        ..r
    };
    f.render_widget(Clear, r);
    let lines = detail_lines(cx, d);
    // The position label is drawn after the text (it needs the wrapped row count).
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(cx.theme.get("border"));
    let (top, shown, total) = d.view.draw(f, r, lines, Some(block));
    let title = format!(
        " {} · {}/{} ",
        cx.tr("Rincian", "Detail"),
        top + shown,
        total
    );
    f.render_widget(
        Paragraph::new(title),
        Rect::new(r.x + 1, r.y, (r.width.saturating_sub(2)).min(30), 1),
    );
}

#[cfg(test)]
mod filter_tests {
    use super::*;
    use crate::domain::{Attachment, Klasifikasi};

    fn entry(
        id: u64,
        day: &str,
        nomor: Option<u64>,
        k: Option<Klasifikasi>,
        perihal: &str,
    ) -> Entry {
        let at: jiff::Timestamp = day
            .parse::<jiff::civil::Date>()
            .unwrap()
            .at(12, 0, 0, 0)
            .to_zoned(jiff::tz::TimeZone::system())
            .unwrap()
            .timestamp();
        let mut e = Entry::new_scan(
            id,
            at,
            Attachment {
                sha256: String::new(),
                name: format!("{id}.pdf"),
                mime: String::new(),
                size: 1,
                pages: None,
                encrypted_at_rest: false,
                jenis: Default::default(),
            },
        );
        e.nomor_agenda = nomor;
        e.klasifikasi = k;
        e.perihal = perihal.into();
        e
    }

    #[test]
    fn date_range_and_sort_tokens() {
        let es = vec![
            entry(
                1,
                "2026-11-01",
                Some(2),
                Some(Klasifikasi::Biasa),
                "Undangan",
            ),
            entry(
                2,
                "2026-11-15",
                Some(1),
                Some(Klasifikasi::Rahasia),
                "Laporan",
            ),
            entry(3, "2026-12-01", None, None, "Aduan"),
        ];
        let f = Filter::parse("dari:2026-11-01 sampai:2026-11-30");
        let ids: Vec<u64> = es.iter().filter(|e| f.matches(e)).map(|e| e.id).collect();
        assert_eq!(ids, vec![1, 2], "both ends inclusive, December excluded");
        let f = Filter::parse("urut:nomor");
        let mut view = vec![0, 1, 2];
        f.sort_view(&es, &mut view);
        assert_eq!(view, vec![1, 0, 2], "by nomor agenda, unnumbered last");
        let f = Filter::parse("urut:k");
        let mut view = vec![0, 1, 2];
        f.sort_view(&es, &mut view);
        assert_eq!(view[0], 1, "Rahasia first");
        let f = Filter::parse("urut:perihal laporan");
        assert!(
            f.matches(&es[1]) && !f.matches(&es[0]),
            "sort token does not filter; words still do"
        );
    }
}
