//! Header fields of an Indonesian naskah dinas (placeholder until the extractor lands).

use serde::{Deserialize, Serialize};

/// Header fields found in a document's text; suggestions the sandiman confirms at triage.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct HeaderSuggestions {
    pub nomor: Option<String>,
    pub klasifikasi: Option<String>,
    pub sifat: Option<String>,
    pub lampiran: Option<String>,
    pub hal: Option<String>,
    pub yth: Option<String>,
    pub tempat_tanggal: Option<String>,
    pub tanggal: Option<String>,
    pub nomor_sop: Option<String>,
}

/// Finds header fields in `text`.
pub fn suggest(_text: &str) -> HeaderSuggestions {
    HeaderSuggestions::default()
}
