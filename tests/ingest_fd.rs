//! `kasa ingest` hands the open file to the node as a descriptor (issue 19): a file larger than the
//! socket's frame cap (96 MiB, which base64 in one JSON frame could never pass) is ingested byte for
//! byte when `[ingest] max_bytes` allows it; a file over `max_bytes` is refused with both sizes
//! named, before anything is read; a path that is not a regular file is refused by the client.

mod common;

use std::io::Write;

use common::*;

const MIB: u64 = 1024 * 1024;

#[test]
fn a_file_over_the_frame_cap_is_ingested_through_its_descriptor() {
    let node = TestNode::start_with(|t| {
        t["ingest"]
            .as_table_mut()
            .unwrap()
            .insert("max_bytes".into(), toml::Value::Integer((200 * MIB) as i64));
    });
    // A 1×1 PNG header (no OCR for so small an image, no analysis child) followed by 100 MiB.
    let big = node.scratch().join("pindai-besar.png");
    {
        let mut f = std::fs::File::create(&big).unwrap();
        f.write_all(&tiny_png(1)).unwrap();
        let block = vec![0x5Au8; MIB as usize];
        for i in 0..100u8 {
            let mut b = block.clone();
            b[0] = i;
            f.write_all(&b).unwrap();
        }
    }
    let data = std::fs::read(&big).unwrap();
    let size = data.len() as u64;
    assert!(size > 96 * MIB);
    let out = node.kasa(&["ingest", big.to_str().unwrap()]);
    assert!(out.status.success(), "{}", describe(&out));
    let e = &node.entries_named("pindai-besar.png")[0];
    let a = &e["attachments"][0];
    assert_eq!(a["size"].as_u64(), Some(size));
    assert_eq!(a["sha256"].as_str(), Some(sha256_hex(&data).as_str()));
    drop(data);

    // Over max_bytes: refused from its size alone, both sizes named.
    let huge = node.scratch().join("terlalu-besar.png");
    {
        let mut f = std::fs::File::create(&huge).unwrap();
        f.write_all(&tiny_png(2)).unwrap();
        f.set_len(250 * MIB).unwrap();
    }
    let out = node.kasa(&["ingest", huge.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&(250 * MIB).to_string()) && err.contains(&(200 * MIB).to_string()),
        "{err}"
    );

    // A directory is not a file to ingest.
    let out = node.kasa(&["ingest", node.scratch().to_str().unwrap()]);
    assert!(!out.status.success());
    assert_eq!(node.entries().len(), 1);
}
