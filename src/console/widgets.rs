//! Widgets shared by every pane: text truncation, a list cursor with scroll, a wrapped text view whose
//! scroll is counted in screen rows (so `End` shows the last wrapped row), a table whose columns are
//! dropped by priority to fit the width, and a box sized to its wrapped message.
//!
//! Widths are counted in terminal cells with `unicode-width` (the crate ratatui itself uses).

use std::cell::Cell;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell as TableCell, Paragraph, Row, Table, TableState};
use unicode_width::UnicodeWidthChar;

/// `s` cut to `n` cells with `…` when longer.
pub fn trunc(s: &str, n: usize) -> String {
    if text_width(s) <= n {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw + 1 > n {
            break;
        }
        out.push(c);
        w += cw;
    }
    if n > 0 {
        out.push('…');
    }
    out
}

/// Width of `s` in cells.
/// A heading line of a detail view (the theme's `table.header` style).
pub fn heading<'a>(
    th: &super::theme::Theme,
    text: impl Into<std::borrow::Cow<'a, str>>,
) -> Line<'a> {
    Line::from(Span::styled(text.into(), th.get("table.header")))
}

/// Starts a section of a detail view: a blank line, then its [`heading`].
pub fn section<'a>(
    out: &mut Vec<Line<'a>>,
    th: &super::theme::Theme,
    text: impl Into<std::borrow::Cow<'a, str>>,
) {
    out.push(Line::from(""));
    out.push(heading(th, text));
}

pub fn text_width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// A rectangle of `w`×`h` centered in `area` (clamped to it).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Draws a bordered box with `title` over `r` and returns its inner area.
pub fn boxed(f: &mut Frame, r: Rect, title: String, border: Style) -> Rect {
    let block = Block::default()
        .borders(ratatui::widgets::Borders::ALL)
        .border_style(border)
        .title(title);
    let inner = block.inner(r);
    f.render_widget(block, r);
    inner
}

/// Word-wraps styled lines to `width` cells: breaks at the last space that fits, else inside a word.
/// Styles are kept per piece; an empty line stays one empty row.
pub fn wrap(lines: Vec<Line<'_>>, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut out = Vec::new();
    for line in lines {
        let lstyle = line.style;
        // (char, style) cells of the line.
        let cells: Vec<(char, Style)> = line
            .spans
            .iter()
            .flat_map(|s| s.content.chars().map(move |c| (c, s.style)))
            .collect();
        if cells.is_empty() {
            out.push(Line::default().style(lstyle));
            continue;
        }
        let mut start = 0;
        while start < cells.len() {
            let mut w = 0;
            let mut end = start;
            let mut last_space = None;
            while end < cells.len() {
                let cw = cells[end].0.width().unwrap_or(0);
                if w + cw > width {
                    break;
                }
                if cells[end].0 == ' ' {
                    last_space = Some(end);
                }
                w += cw;
                end += 1;
            }
            let (cut, next) = if end >= cells.len() {
                (end, end)
            } else if cells[end].0 == ' ' {
                // The row is full up to a space: break there, the space is not carried over.
                (end, end + 1)
            } else if let Some(sp) = last_space.filter(|&sp| sp > start) {
                (sp, sp + 1)
            } else {
                (end.max(start + 1), end.max(start + 1))
            };
            out.push(row(&cells[start..cut]).style(lstyle));
            start = next;
        }
    }
    out
}

fn row(cells: &[(char, Style)]) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut cur = String::new();
    let mut style = cells.first().map(|c| c.1).unwrap_or_default();
    for &(c, s) in cells {
        if s != style && !cur.is_empty() {
            spans.push(Span::styled(std::mem::take(&mut cur), style));
        }
        style = s;
        cur.push(c);
    }
    if !cur.is_empty() {
        spans.push(Span::styled(cur, style));
    }
    Line::from(spans)
}

/// The scroll state of a wrapped text view, counted in screen rows. The view remembers the largest
/// scroll of its last draw, so `PgUp` after `End` moves at once; `follow_end` keeps the newest row in
/// view as lines arrive (an incident timeline).
#[derive(Debug, Clone, Default)]
pub struct TextView {
    pub scroll: usize,
    pub follow_end: bool,
    /// Largest useful scroll at the last draw (rows − visible rows).
    pub max: Cell<usize>,
    /// Visible rows at the last draw (the page of PgUp/PgDn).
    pub page: Cell<usize>,
}

impl TextView {
    /// A view that starts at the end and follows it.
    pub fn at_end() -> TextView {
        TextView {
            follow_end: true,
            ..TextView::default()
        }
    }

    /// The scroll that will be drawn.
    pub fn effective(&self) -> usize {
        if self.follow_end {
            self.max.get()
        } else {
            self.scroll.min(self.max.get())
        }
    }

    /// Moves by `d` rows (`isize::MIN / 2` top, `isize::MAX / 2` end).
    pub fn scroll_by(&mut self, d: isize) {
        let max = self.max.get();
        let cur = self.effective() as isize;
        let next = cur.saturating_add(d).clamp(0, max as isize) as usize;
        self.scroll = next;
        self.follow_end = next >= max && d > 0;
    }

    /// Rows of a page at the last draw (at least 1).
    pub fn page(&self) -> isize {
        self.page.get().max(1) as isize
    }

    /// Draws `lines` wrapped to the inner width of `block` (or `r`), scrolled; returns
    /// `(first row shown, rows shown, total rows)` for a position label.
    pub fn draw(
        &self,
        f: &mut Frame,
        r: Rect,
        lines: Vec<Line<'_>>,
        block: Option<Block<'_>>,
    ) -> (usize, usize, usize) {
        let inner = block.as_ref().map_or(r, |b| b.inner(r));
        let rows = wrap(lines, inner.width as usize);
        let h = inner.height as usize;
        self.max.set(rows.len().saturating_sub(h));
        self.page.set(h);
        let top = self.effective();
        let total = rows.len();
        let shown: Vec<Line> = rows.into_iter().skip(top).take(h).collect();
        let n = shown.len();
        let mut p = Paragraph::new(shown);
        if let Some(b) = block {
            p = p.block(b);
        }
        f.render_widget(p, r);
        (top, n, total)
    }
}

/// A one-line text input holding `s`, the cursor at its end: the one text-editing behaviour of every
/// form field and prompt (ratatui-textarea's keys).
pub fn textarea(s: &str) -> ratatui_textarea::TextArea<'static> {
    let mut t = ratatui_textarea::TextArea::new(vec![s.to_string()]);
    t.move_cursor(ratatui_textarea::CursorMove::End);
    t
}

/// Sends `key` to a text input: ratatui-textarea's keys, except Ctrl-U, which clears the line the
/// cursor is on as in a shell (readline) prompt, where a sandiman's fingers expect it (ratatui-textarea
/// maps it to undo; Ctrl-R still redoes). Returns whether the text changed.
pub fn edit(t: &mut ratatui_textarea::TextArea<'_>, key: crossterm::event::KeyEvent) -> bool {
    use crossterm::event::{KeyCode, KeyModifiers};
    if key.code == KeyCode::Char('u') && key.modifiers == KeyModifiers::CONTROL {
        t.move_cursor(ratatui_textarea::CursorMove::End);
        return t.delete_line_by_head();
    }
    t.input(key)
}

/// A record a [`ListView`] keeps its cursor on across reloads: its id.
pub trait Keyed {
    fn key(&self) -> u64;
}

impl Keyed for crate::domain::Entry {
    fn key(&self) -> u64 {
        self.id
    }
}

impl Keyed for crate::domain::palsan::Palsan {
    fn key(&self) -> u64 {
        self.id
    }
}

impl Keyed for crate::domain::insiden::Insiden {
    fn key(&self) -> u64 {
        self.id
    }
}

/// The list every pane shows: its records, the filtered and sorted view over them, the `/` filter as
/// typed (each pane reads its own tokens), and a [`Cursor`] that stays on the same record (by
/// [`Keyed::key`]) when the list reloads or the filter changes.
#[derive(Debug, Clone)]
pub struct ListView<T> {
    pub items: Vec<T>,
    /// Indices into `items` that pass the filter, in display order.
    pub view: Vec<usize>,
    pub cursor: Cursor,
    pub filter: String,
}

impl<T> Default for ListView<T> {
    fn default() -> Self {
        ListView {
            items: Vec::new(),
            view: Vec::new(),
            cursor: Cursor::default(),
            filter: String::new(),
        }
    }
}

impl<T: Keyed> ListView<T> {
    /// The record under the cursor.
    pub fn selected(&self) -> Option<&T> {
        self.view
            .get(self.cursor.pos)
            .and_then(|&i| self.items.get(i))
    }

    /// Recomputes the view: the records for which `pass` holds, then `sort` (a stable reorder of
    /// the indices; the items' own order otherwise); the cursor goes to `keep` when it is listed.
    /// `page`: rows on screen.
    pub fn rebuild(
        &mut self,
        keep: Option<u64>,
        page: usize,
        pass: impl Fn(&T) -> bool,
        sort: impl FnOnce(&[T], &mut [usize]),
    ) {
        self.view = (0..self.items.len())
            .filter(|&i| pass(&self.items[i]))
            .collect();
        sort(&self.items, &mut self.view);
        if let Some(k) = keep {
            self.goto(k, page);
        }
        self.clamp(page);
    }

    /// Puts the cursor on the record with key `k`; false when it is not in the view.
    pub fn goto(&mut self, k: u64, page: usize) -> bool {
        match self.view.iter().position(|&i| self.items[i].key() == k) {
            Some(p) => {
                self.move_to(p as isize, page);
                true
            }
            None => false,
        }
    }

    /// Puts the cursor at view row `pos` (clamped) and keeps it on screen.
    pub fn move_to(&mut self, pos: isize, page: usize) {
        self.cursor.move_to(pos, self.view.len(), page);
    }

    /// Moves the cursor by `d` rows.
    pub fn move_by(&mut self, d: isize, page: usize) {
        self.cursor.move_by(d, self.view.len(), page);
    }

    /// Keeps the cursor inside the view and on screen.
    pub fn clamp(&mut self, page: usize) {
        self.cursor.clamp(self.view.len(), page);
    }
}

/// A list cursor with a scroll offset over `len` rows, `page` rows visible.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    pub pos: usize,
    pub offset: usize,
}

impl Cursor {
    /// Puts the cursor at `pos` (clamped to `0..len`) and keeps it inside the visible page.
    pub fn move_to(&mut self, pos: isize, len: usize, page: usize) {
        self.pos = pos.clamp(0, (len as isize - 1).max(0)) as usize;
        self.clamp(len, page);
    }

    /// Moves by `d` rows.
    pub fn move_by(&mut self, d: isize, len: usize, page: usize) {
        self.move_to((self.pos as isize).saturating_add(d), len, page);
    }

    /// Keeps the cursor in range and visible.
    pub fn clamp(&mut self, len: usize, page: usize) {
        let page = page.max(1);
        self.pos = self.pos.min(len.saturating_sub(1));
        if self.pos < self.offset {
            self.offset = self.pos;
        } else if self.pos >= self.offset + page {
            self.offset = self.pos + 1 - page;
        }
        self.offset = self.offset.min(len.saturating_sub(page)).min(self.pos);
    }

    /// The offset to draw with when only `rows` rows are visible (fewer than the page the state
    /// assumed, e.g. with reminders below the list).
    pub fn offset_for(&self, rows: usize) -> usize {
        let rows = rows.max(1);
        if self.pos >= self.offset + rows {
            self.pos + 1 - rows
        } else {
            self.offset
        }
    }
}

/// One table column: header, width, and the priority with which it is kept when the table does not
/// fit (0 is never dropped; higher numbers go first).
#[derive(Debug, Clone, Copy)]
pub struct Column<'a> {
    pub header: &'a str,
    pub width: Constraint,
    pub priority: u8,
    /// The fewest cells a `Fill` column may shrink to before lower-priority columns are dropped.
    pub fill_min: u16,
}

impl<'a> Column<'a> {
    /// A column `header` of `width` kept with `priority` (0 never dropped).
    pub const fn new(header: &'a str, width: Constraint, priority: u8) -> Column<'a> {
        Column {
            header,
            width,
            priority,
            fill_min: 8,
        }
    }

    /// The same column, kept at least `n` cells wide (for a `Fill` column: other columns are dropped
    /// by priority before it shrinks below `n`).
    pub const fn at_least(self, n: u16) -> Column<'a> {
        Column {
            fill_min: n,
            ..self
        }
    }
}

/// Which columns to keep so that their minimum widths plus spacing fit `width`: drops the highest
/// priority numbers first (the last declared first among equals). `Fill` columns need their
/// `fill_min` (8 cells unless [`Column::at_least`] says more).
pub fn fit_columns(cols: &[Column<'_>], width: u16, spacing: u16) -> Vec<bool> {
    let min = |c: &Column| match c.width {
        Constraint::Length(n) | Constraint::Min(n) => n,
        _ => c.fill_min,
    };
    let mut keep = vec![true; cols.len()];
    let need = |keep: &[bool]| -> u16 {
        let k: Vec<&Column> = cols
            .iter()
            .zip(keep)
            .filter(|(_, k)| **k)
            .map(|(c, _)| c)
            .collect();
        k.iter().map(|c| min(c)).sum::<u16>() + spacing * (k.len().saturating_sub(1) as u16) + 1
    };
    let mut order: Vec<usize> = (0..cols.len()).filter(|&i| cols[i].priority > 0).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(cols[i].priority), std::cmp::Reverse(i)));
    for i in order {
        if need(&keep) <= width {
            break;
        }
        keep[i] = false;
    }
    keep
}

/// Draws a table of `rows` (cells and row style) under `cols`, dropping columns by priority to fit
/// `r`, with the row `selected` (index into `rows`) highlighted and marked `›`.
pub fn draw_table<'a>(
    f: &mut Frame,
    r: Rect,
    cols: &[Column<'a>],
    rows: Vec<(Vec<TableCell<'a>>, Style)>,
    selected: Option<usize>,
    theme: &super::theme::Theme,
) {
    let (header_style, highlight) = (theme.get("table.header"), theme.get("selection"));
    let keep = fit_columns(cols, r.width, 1);
    let header = Row::new(kept(cols.iter().map(|c| c.header).collect(), &keep)).style(header_style);
    let widths = kept(cols.iter().map(|c| c.width).collect(), &keep);
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|(cells, st)| Row::new(kept(cells, &keep)).style(st))
        .collect();
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(highlight)
        .highlight_symbol("›");
    let mut st = TableState::default().with_selected(selected);
    f.render_stateful_widget(table, r, &mut st);
}

/// Picks the items of `v` whose column is kept.
pub fn kept<T>(v: Vec<T>, keep: &[bool]) -> Vec<T> {
    v.into_iter()
        .zip(keep)
        .filter(|(_, k)| **k)
        .map(|(x, _)| x)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ctrl_u_clears_the_line_wherever_the_cursor_is() {
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let ctrl_u = KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL);
        let mut t = super::textarea("Asia/Jakarta");
        assert!(super::edit(&mut t, ctrl_u));
        assert_eq!(t.lines(), [""]);
        let mut t = super::textarea("Asia/Jakarta");
        t.move_cursor(ratatui_textarea::CursorMove::Head);
        assert!(super::edit(&mut t, ctrl_u));
        assert_eq!(t.lines(), [""]);
        // Typing goes on as before, and an empty line stays unchanged.
        assert!(super::edit(
            &mut t,
            KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE)
        ));
        assert_eq!(t.lines(), ["x"]);
        assert!(super::edit(&mut t, ctrl_u));
        assert!(!super::edit(&mut t, ctrl_u));
    }

    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_and_keeps_every_char() {
        let l = Line::from("satu dua tiga empat lima enam");
        let rows = wrap(vec![l], 10);
        let text: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
        assert_eq!(text, vec!["satu dua", "tiga empat", "lima enam"]);
        let rows = wrap(vec![Line::from("abcdefghijkl")], 5);
        assert_eq!(rows.len(), 3);
        assert_eq!(wrap(vec![Line::from("")], 5).len(), 1);
    }

    #[test]
    fn text_view_scrolls_in_rows_and_pgup_after_end_moves() {
        let mut v = TextView::default();
        v.max.set(30);
        v.scroll_by(isize::MAX / 2);
        assert_eq!(v.effective(), 30);
        v.scroll_by(-10);
        assert_eq!(v.effective(), 20);
        v.scroll_by(isize::MIN / 2);
        assert_eq!(v.effective(), 0);
    }

    #[test]
    fn columns_drop_by_priority_to_fit() {
        let cols = [
            Column::new("a", Constraint::Length(10), 0),
            Column::new("b", Constraint::Length(10), 2),
            Column::new("c", Constraint::Length(10), 1),
        ];
        assert_eq!(fit_columns(&cols, 40, 1), vec![true, true, true]);
        assert_eq!(fit_columns(&cols, 25, 1), vec![true, false, true]);
        assert_eq!(fit_columns(&cols, 12, 1), vec![true, false, false]);
        // A Fill column kept at least 20 wide makes lower-priority columns go first.
        let cols = [
            Column::new("a", Constraint::Fill(1), 0).at_least(20),
            Column::new("b", Constraint::Length(10), 1),
        ];
        assert_eq!(fit_columns(&cols, 30, 1), vec![true, false]);
        assert_eq!(fit_columns(&cols, 32, 1), vec![true, true]);
        assert_eq!(trunc("Diskominfo", 5), "Disk…");
    }
}
