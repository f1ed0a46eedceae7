//! The UI-free domain of kasa: pure types and rules, no I/O, no clock reads.
//!
//! Everything here is deterministic: time comes in as arguments (`jiff::Timestamp`), so the rules can be
//! tested without a disk, a terminal or a real clock (DESIGN §7.1).

pub mod agenda;
pub mod alur;
pub mod audit;
pub mod backup;
pub mod calendar;
pub mod cari;
pub mod disposisi;
pub mod dokumen;
pub mod insiden;
pub mod keluar;
pub mod monev;
pub mod naskah;
pub mod operator;
pub mod palsan;
pub mod penerimaan;
pub mod pengiriman;
pub mod permission;
pub mod sanitize;
pub mod saring;
pub mod waktu;

pub use agenda::*;
pub use audit::{AuditRecord, GENESIS_HASH};
pub use operator::{Kualifikasi, Operator, Role};
