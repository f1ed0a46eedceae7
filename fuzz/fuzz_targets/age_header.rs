//! Fuzzes the age v1 header parser and the decryptor's header/stanza handling (c2sp.org/age).
#![no_main]

use std::sync::OnceLock;

use kasa::crypto::age::{Decryptor, Identity, parse_header};
use libfuzzer_sys::fuzz_target;

fn identity() -> &'static Identity {
    static ID: OnceLock<Identity> = OnceLock::new();
    ID.get_or_init(|| Identity::from_bytes([7u8; 32]))
}

fuzz_target!(|data: &[u8]| {
    let _ = parse_header(&mut &data[..]);
    if let Ok(mut d) = Decryptor::new_auto(data, std::slice::from_ref(identity())) {
        while let Ok(Some(_)) = d.next_chunk() {}
    }
});
