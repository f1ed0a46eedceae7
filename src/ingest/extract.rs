//! Document analysis in a child process (placeholder until the extractor branch lands).

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What analysis found.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Analysis {
    pub kind: String,
    pub pages: Option<u32>,
    pub text: Option<String>,
    pub note: Option<String>,
}

/// Child limits.
#[derive(Debug, Clone)]
pub struct Limits {
    pub cpu_seconds: u64,
    pub memory_bytes: u64,
    pub wall: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { cpu_seconds: 10, memory_bytes: 512 << 20, wall: Duration::from_secs(20) }
    }
}

/// Errors of the child.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("analysis timed out")]
    Timeout,
    #[error("analysis crashed: {0}")]
    Crashed(String),
    #[error("analysis printed bad output")]
    BadOutput,
    #[error("cannot start analysis: {0}")]
    Spawn(std::io::Error),
}

/// In-process analysis.
pub fn analyze_path(_path: &Path) -> Analysis {
    Analysis { kind: String::new(), pages: None, text: None, note: None }
}

/// Analysis in a child.
pub fn analyze_in_child(_exe: &Path, path: &Path, _limits: &Limits) -> Result<Analysis, ExtractError> {
    Ok(analyze_path(path))
}

/// Child entry point.
pub fn child_main(path: &Path) -> i32 {
    println!("{}", serde_json::to_string(&analyze_path(path)).unwrap_or_default());
    0
}
