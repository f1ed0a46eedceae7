//! The `kasa` command line.

/// Entry point of the binary; returns the process exit status.
pub fn main() -> i32 {
    0
}
