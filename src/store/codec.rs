//! Versioned value encoding: one version byte, then JSON (serde tolerates added fields; removed fields
//! need `#[serde(default)]`). Values are never derived in-place binary layouts, so an older database
//! reads in a newer binary and a newer value is refused with a clear error.

use serde::{Serialize, de::DeserializeOwned};

/// The value encoding version this binary writes.
pub const VALUE_VERSION: u8 = 1;

/// Encodes `v` as `[VALUE_VERSION] ‖ JSON`.
pub fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    let mut out = vec![VALUE_VERSION];
    // Serialising our own plain structs into a Vec cannot fail.
    serde_json::to_writer(&mut out, v).expect("serialising a store value");
    out
}

/// Decodes a value written by [`encode`]. Errors: empty value, a version newer than this binary, bad JSON.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    match bytes.split_first() {
        None => Err("empty stored value".into()),
        Some((&v, _)) if v == 0 || v > VALUE_VERSION => Err(format!(
            "stored value has encoding version {v}; this kasa knows up to {VALUE_VERSION}: upgrade kasa"
        )),
        Some((_, rest)) => {
            serde_json::from_slice(rest).map_err(|e| format!("corrupt stored value: {e}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct V1 {
        a: u32,
    }
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct V2 {
        a: u32,
        #[serde(default)]
        b: String,
    }

    #[test]
    fn tolerates_added_fields_both_ways_and_refuses_newer_versions() {
        let old = encode(&V1 { a: 3 });
        assert_eq!(
            decode::<V2>(&old).unwrap(),
            V2 {
                a: 3,
                b: String::new()
            }
        );
        let new = encode(&V2 {
            a: 4,
            b: "x".into(),
        });
        assert_eq!(decode::<V1>(&new).unwrap(), V1 { a: 4 });
        let mut future = new.clone();
        future[0] = 9;
        assert!(decode::<V1>(&future).unwrap_err().contains("upgrade kasa"));
    }
}
