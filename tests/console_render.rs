//! Buffer snapshots (insta) of the console drawn from fixed data with a fixed clock.

#[path = "console_fixture.rs"]
mod fixture;

use kasa::console::App;
use kasa::console::action::Action;
use kasa::console::view::draw;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn render(app: &App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    t.draw(|f| draw(app, f)).unwrap();
    t
}

fn text(app: &App) -> String {
    render(app).backend().to_string()
}

#[test]
fn main_80x24() {
    let app = fixture::app("default", 40, 80, 24);
    insta::assert_snapshot!(text(&app));
}

#[test]
fn main_200x50() {
    let app = fixture::app("default", 40, 200, 50);
    insta::assert_snapshot!(text(&app));
}

#[test]
fn detail_80x24() {
    let mut app = fixture::app("default", 40, 80, 24);
    app.update(Action::Open);
    insta::assert_snapshot!(text(&app));
}

#[test]
fn form_80x24() {
    let mut app = fixture::app("default", 40, 80, 24);
    app.update(Action::Triage);
    app.update(Action::FormNext);
    insta::assert_snapshot!(text(&app));
}

#[test]
fn form_with_errors_80x24() {
    let mut app = fixture::app("default", 40, 80, 24);
    app.update(Action::Down);
    app.update(Action::Down);
    app.update(Action::Down);
    app.update(Action::Triage);
    for _ in 0..4 {
        app.update(Action::FormNext);
    }
    app.update(Action::ClearField);
    app.update(Action::FormNext);
    app.update(Action::FormNext);
    app.update(Action::CycleNext);
    app.update(Action::CycleNext);
    insta::assert_snapshot!(text(&app));
}

#[test]
fn help_80x24() {
    let mut app = fixture::app("default", 40, 80, 24);
    app.update(Action::Help);
    insta::assert_snapshot!(text(&app));
}

#[test]
fn too_small() {
    let mut app = fixture::app("default", 40, 80, 24);
    app.resize(79, 23);
    insta::assert_snapshot!(text(&app));
    app.resize(60, 20);
    insta::assert_snapshot!(text(&app));
}

#[test]
fn disconnected_header() {
    let mut app = fixture::app("default", 5, 80, 24);
    app.set_connected(false);
    insta::assert_snapshot!(text(&app));
}

#[test]
fn styles_default_and_mono_80x24() {
    for theme in ["default", "mono"] {
        let mut app = fixture::app(theme, 12, 80, 24);
        app.update(Action::Down);
        let t = render(&app);
        insta::assert_debug_snapshot!(format!("styles_{theme}"), t.backend().buffer());
    }
}

#[test]
fn no_color_keeps_selection_readable() {
    let mut app = fixture::app("default", 12, 80, 24);
    app.theme = app.theme.clone().without_color();
    let t = render(&app);
    let buf = t.backend().buffer();
    // The selected row (first data row, y = 3) is reversed and marked with a glyph.
    let cell = &buf[(2, 3)];
    assert!(
        cell.modifier.contains(ratatui::style::Modifier::REVERSED),
        "{cell:?}"
    );
    assert_eq!(buf[(0, 3)].symbol(), "›");
    assert!(
        buf.content
            .iter()
            .all(|c| c.fg == ratatui::style::Color::Reset && c.bg == ratatui::style::Color::Reset)
    );
}

#[test]
fn cursor_stays_on_the_same_entry_when_rows_move() {
    let mut app = fixture::app("default", 12, 80, 24);
    app.update(Action::Down);
    app.update(Action::Down);
    let id = app.masuk.selected().unwrap().id;
    let mut es = fixture::entries(12);
    es.rotate_left(5);
    app.on_reply(
        kasa::console::app::Purpose::List(kasa::console::action::Pane::Masuk),
        Ok(kasa::proto::Reply::Entries { entries: es }),
    );
    assert_eq!(app.masuk.selected().unwrap().id, id);
}
