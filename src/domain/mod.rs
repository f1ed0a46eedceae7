//! domain

pub mod naskah;
