//! Shipped keymaps and themes parse; a user overlay unbinds and rebinds; bad files are reported.

#[path = "console_harness.rs"]
mod harness;

use kasa::config::Paths;
use kasa::console::action::Action;
use kasa::console::keymap::{self, Keymap, Lookup, parse_keys};
use kasa::console::theme::{self, Theme};
use kasa::console::{app_from, check_config, load_settings};

#[test]
fn every_shipped_keymap_and_theme_parses() {
    for (name, text) in keymap::SHIPPED {
        let mut k = Keymap::shipped("default");
        k.apply(text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert!(!k.context("global").is_empty());
    }
    for (name, text) in theme::SHIPPED {
        Theme::parse(name, text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    }
    // Every binding's action has a description in the registry.
    let k = Keymap::shipped("emacs");
    for (_, bs) in &k.contexts {
        for b in bs {
            let name = b.action.split_whitespace().next().unwrap();
            assert!(Action::info(name).is_some(), "{name} has no description");
        }
    }
    // Emacs: a two-key sequence is pending after the first key, never reset by time.
    let seq = parse_keys("<C-x>").unwrap();
    assert_eq!(k.lookup(&["global"], &seq), Lookup::Pending);
    let seq = parse_keys("<C-x><C-c>").unwrap();
    assert_eq!(k.lookup(&["global"], &seq), Lookup::Action(Action::Quit));
}

fn paths(dir: &std::path::Path) -> Paths {
    Paths {
        data_dir: dir.join("data"),
        config_dir: dir.join("cfg"),
        explicit_data_dir: true,
    }
}

#[test]
fn user_overlay_unbinds_and_rebinds() {
    let d = tempfile::tempdir().unwrap();
    let p = paths(d.path());
    std::fs::create_dir_all(&p.config_dir).unwrap();
    std::fs::write(
        p.config_dir.join("keymap.toml"),
        "[global]\n\"q\" = \"none\"\n\"Q\" = \"quit\"\n\n[list]\n\"J\" = \"down\"\n",
    )
    .unwrap();
    let s = load_settings(&p, false);
    assert!(s.problems.is_empty(), "{:?}", s.problems);
    let mut app = app_from(s);
    app.on_reply(
        kasa::console::app::Purpose::List(kasa::console::action::Pane::Masuk),
        Ok(kasa::proto::Reply::Entries {
            entries: harness::entries(5),
        }),
    );
    for k in parse_keys("qJ").unwrap() {
        app.on_key(k.to_event());
    }
    assert!(!app.quit);
    assert_eq!(app.masuk.cursor.pos, 1);
    for k in parse_keys("Q").unwrap() {
        app.on_key(k.to_event());
    }
    assert!(app.quit);
    assert!(check_config(&p).is_empty());
}

#[test]
fn bad_files_are_named_with_lines_and_fall_back() {
    let d = tempfile::tempdir().unwrap();
    let p = paths(d.path());
    std::fs::create_dir_all(p.config_dir.join("themes")).unwrap();
    std::fs::write(
        p.config_dir.join("keymap.toml"),
        "[global]\n\"q\" = \"quit\"\n\"z\" = \"terbang\"\n",
    )
    .unwrap();
    std::fs::write(
        p.config_dir.join("themes/pucat.toml"),
        "[styles]\n\"selection\" = \"reversed\"\n\"alarm\" = \"merah\"\n",
    )
    .unwrap();
    std::fs::write(
        p.config_dir.join("config.toml"),
        "lang = \"en\"\ntheme = \"pucat\"\nwarna = 1\n",
    )
    .unwrap();
    let probs = check_config(&p);
    let joined = probs.join("\n");
    assert!(joined.contains("config.toml:3:"), "{joined}");
    std::fs::write(
        p.config_dir.join("config.toml"),
        "lang = \"en\"\ntheme = \"pucat\"\n",
    )
    .unwrap();
    let probs = check_config(&p);
    let joined = probs.join("\n");
    assert!(joined.contains("keymap.toml:3: aksi 'terbang'"), "{joined}");
    assert!(joined.contains("pucat.toml:3:"), "{joined}");
    // The console still starts, with defaults and a visible warning.
    let s = load_settings(&p, false);
    assert!(s.en);
    let app = app_from(s);
    assert!(!app.warnings.is_empty());
    assert_eq!(app.theme.name, "default");
    assert!(!app.keymap.context("global").is_empty());
}

/// Which node the console goes to: a socket configured for the user wins over a local data directory
/// (never first-run setup for it, and a clear text while it is down); a named, empty data directory
/// with no node is first-run setup.
#[test]
fn console_goes_to_the_configured_node_and_says_when_it_is_down() {
    use kasa::console::term::{NodeChoice, choose_node, node_down_text};
    let dir = tempfile::tempdir().unwrap();
    let mut p = paths(dir.path());
    std::fs::create_dir_all(&p.config_dir).unwrap();
    std::fs::write(
        p.config_dir.join("config.toml"),
        "socket = \"/nonexistent/kasa/node.sock\"\n",
    )
    .unwrap();
    p.explicit_data_dir = false;
    let NodeChoice::Configured(sock, src) = choose_node(&p) else {
        panic!("{:?}", choose_node(&p))
    };
    assert_eq!(
        sock,
        std::path::PathBuf::from("/nonexistent/kasa/node.sock")
    );
    let t = node_down_text(false, &sock, src);
    assert!(
        t.contains("/nonexistent/kasa/node.sock") && t.contains("tidak menjawab"),
        "{t}"
    );
    assert!(!t.contains("kasa init"), "{t}");
    // A named data directory means its own node: nothing there yet, so first-run setup.
    p.explicit_data_dir = true;
    assert_eq!(choose_node(&p), NodeChoice::FirstRun);
}
