//! The queue of entries waiting for OCR (issue 15). An image-only scan is committed at once with the
//! note [`crate::ingest::ocr::NOTE_OCR_PENDING`] and queued here in the same transaction
//! ([`Store::ingest_commit`] with `perlu_ocr`), so a crash before the OCR ran leaves the queue row
//! and the node reads the scan after its restart. The node's OCR thread fills the text and the
//! suggestions and clears the row in one transaction ([`Store::ocr_done`]).

use jiff::Timestamp;
use redb::{ReadableDatabase, ReadableTable, TableDefinition};

use super::{
    Actor, Change, ENTRY_SEALED, ENTRY_TEXT, Result, SEALED_SUGGESTIONS, SEALED_TEXT, Store, audit,
    begin, digest_of, get_entry_tx, optional_table, put_entry,
};
use crate::domain::naskah::{HeaderSuggestions, SealedDigests};

/// entry id → time queued (µs since the epoch) for entries waiting for OCR.
pub(crate) const OCR_QUEUE: TableDefinition<u64, i64> = TableDefinition::new("ocr_queue");

/// What OCR made of an entry's scan, ready to store. With a node identity `text` and `suggestions`
/// are `None` and their sealed forms (age to the node's own recipient) are set, as at ingest.
#[derive(Debug, Clone, Default)]
pub struct OcrHasil {
    pub text: Option<String>,
    pub suggestions: Option<HeaderSuggestions>,
    pub sealed_text: Option<Vec<u8>>,
    pub sealed_suggestions: Option<Vec<u8>>,
    /// The entry's new note (Indonesian first): what was read, what to check, or why nothing was.
    pub note: Option<String>,
    /// Pages read, if the ingest analysis did not know.
    pub pages: Option<u32>,
}

impl Store {
    /// Entry ids waiting for OCR, oldest entry first.
    pub fn ocr_pending(&self) -> Result<Vec<u64>> {
        let tx = self.db()?.begin_read()?;
        let Some(t) = optional_table(&tx, OCR_QUEUE)? else {
            return Ok(vec![]);
        };
        let mut out = Vec::new();
        for r in t.iter()? {
            out.push(r?.0.value());
        }
        Ok(out)
    }

    /// Stores the OCR result of entry `id` and clears its queue row, in one transaction with a
    /// timeline event (`ocr`) and an audit record (`ingest.ocr`). An entry that no longer exists
    /// only leaves the queue. Returns the change to publish.
    pub fn ocr_done(&self, id: u64, h: &OcrHasil, at: Timestamp) -> Result<Vec<Change>> {
        let tx = begin(&*self.db()?)?;
        {
            let old = match get_entry_tx(&tx, id) {
                Ok(e) => e,
                Err(super::StoreError::NotFound(_)) => {
                    tx.open_table(OCR_QUEUE)?.remove(id)?;
                    drop(tx.commit());
                    return Ok(vec![]);
                }
                Err(e) => return Err(e),
            };
            let mut e = old.clone();
            if let Some(text) = &h.text {
                tx.open_table(ENTRY_TEXT)?.insert(id, text.as_str())?;
            }
            if h.sealed_text.is_some() || h.sealed_suggestions.is_some() {
                let mut t = tx.open_table(ENTRY_SEALED)?;
                let mut d = e.sealed.clone().unwrap_or_else(SealedDigests::default);
                if let Some(b) = &h.sealed_suggestions {
                    t.insert((id, SEALED_SUGGESTIONS), b.as_slice())?;
                    d.suggestions = Some(digest_of(b));
                }
                if let Some(b) = &h.sealed_text {
                    t.insert((id, SEALED_TEXT), b.as_slice())?;
                    d.text = Some(digest_of(b));
                }
                e.sealed = Some(d);
            }
            if h.suggestions.is_some() {
                e.suggestions.clone_from(&h.suggestions);
            }
            e.text_note.clone_from(&h.note);
            if let Some(p) = h.pages
                && let Some(a) = e.attachments.first_mut()
                && a.pages.is_none()
            {
                a.pages = Some(p);
            }
            let read = if h.text.is_some() || h.sealed_text.is_some() {
                "teks terbaca / text read"
            } else {
                "tidak ada teks / no text"
            };
            e.push_event(at, None, "node", "ocr", format!("OCR: {read}"));
            let digest = put_entry(&tx, Some(&old), &e)?;
            tx.open_table(OCR_QUEUE)?.remove(id)?;
            audit(
                &tx,
                at,
                &Actor::node(),
                "ingest.ocr",
                &format!("entry:{id}"),
                &format!("entry:{id}={digest}"),
                h.note.as_deref().unwrap_or(read),
            )?;
        }
        tx.commit()?;
        Ok(vec![Change::Entry { id }])
    }
}
