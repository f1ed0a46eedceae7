//! Fuzzes the `.kgm` cleartext header parser (what `kgm::inspect` runs before any key is used).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = kasa::crypto::kgm::inspect_bytes(data) {
        // A header that parses must re-encode to the same canonical bytes.
        let again = h.to_bytes();
        assert_eq!(kasa::crypto::kgm::Header::parse(&again).unwrap(), h);
    }
});
