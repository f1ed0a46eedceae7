//! The ratatui console (placeholder while it is built).

use crate::config::Paths;

/// Opens the console.
pub fn run(_paths: &Paths) -> Result<(), String> {
    Err("the console is not built yet".into())
}

/// Problems in console configuration files.
pub fn check_config(_paths: &Paths) -> Vec<String> {
    Vec::new()
}
