//! The page preview and the full-text search at the node (issue 15), on a real node with the real
//! samples: every page of the scanner's PDF, the fax TIFF (CCITT G4, two pages) and the JPEG comes
//! back as a grey PNG made in the limited child; a page of a Rahasia letter encrypted at rest is
//! rendered from memory and leaves nothing in clear on disk; hostile images are refused with a note
//! and the node keeps answering; `Cari` finds words of the OCR text and never those of a letter above
//! the caller's clearance.

mod common;

use std::fs;
use std::time::Duration;

use base64::Engine;
use common::*;
use kasa::client::{Client, ClientError};
use kasa::proto::{Reply, Request};

fn id_of(node: &TestNode, name: &str) -> u64 {
    node.entries_named(name)[0]["id"].as_u64().unwrap()
}

fn page(c: &mut Client, id: u64, halaman: u32) -> Result<(u32, image::GrayImage), String> {
    match c.call(Request::Halaman {
        id,
        index: 0,
        halaman,
        lebar: 400,
        tinggi: 566,
    }) {
        Ok(Reply::Halaman {
            jumlah,
            lebar,
            tinggi,
            png_b64,
            ..
        }) => {
            let png = base64::engine::general_purpose::STANDARD
                .decode(png_b64)
                .unwrap();
            let img = image::load_from_memory(&png).unwrap().to_luma8();
            assert_eq!(img.dimensions(), (lebar, tinggi));
            Ok((jumlah, img))
        }
        Ok(other) => panic!("not a page: {other:?}"),
        Err(ClientError::Refused { message, .. }) => Err(message),
        Err(e) => panic!("{e}"),
    }
}

/// Share of dark pixels (ink) of a page image.
fn ink(img: &image::GrayImage) -> f64 {
    let dark = img.pixels().filter(|p| p.0[0] < 128).count();
    dark as f64 / (img.width() * img.height()) as f64
}

#[test]
fn the_pages_of_the_samples_come_back_as_grey_images() {
    let node = TestNode::start_new();
    let names = [
        "scan-0001-surat-pengantar.pdf",
        "scan-0002-naskah-dikecualikan.tif",
        "scan-0003-berita-sanapati-hal1.jpg",
    ];
    for n in names {
        node.kasa_ok(&["ingest", sample(&format!("naskah/{n}")).to_str().unwrap()]);
    }
    let mut c = Client::connect(&node.socket).unwrap();
    for (n, pages) in names.iter().zip([1u32, 2, 1]) {
        let id = id_of(&node, n);
        for h in 1..=pages {
            let (jumlah, img) = page(&mut c, id, h).unwrap_or_else(|e| panic!("{n} p{h}: {e}"));
            assert_eq!(jumlah, pages, "{n}");
            // Fitted into 400×566 with the page's aspect (A4 portrait: the width is the limit).
            assert!(img.width() <= 400 && img.height() <= 566, "{n}");
            assert!(
                img.width() >= 380 || img.height() >= 540,
                "{n}: {:?}",
                img.dimensions()
            );
            // A letter: mostly paper, some ink; a G4 page decoded upside-down in polarity would be
            // mostly black.
            let k = ink(&img);
            assert!((0.005..0.35).contains(&k), "{n} p{h}: ink {k}");
        }
        let past = page(&mut c, id, pages + 1).unwrap_err();
        assert!(
            past.contains("tidak ada") && past.contains(&pages.to_string()),
            "{past}"
        );
    }
    let audit = node.audit_tail(40);
    assert!(
        audit
            .iter()
            .filter(|r| r["action"] == "attachment.preview")
            .count()
            >= 4,
        "every page served is audited"
    );
}

#[test]
fn hostile_images_get_a_note_instead_of_a_page_and_the_node_stays() {
    let node = TestNode::start_new();
    let mut corrupt = fs::read(sample("naskah/scan-0003-berita-sanapati-hal1.jpg")).unwrap();
    corrupt.truncate(2_000);
    corrupt.extend(std::iter::repeat_n(0x5Au8, 20_000));
    let staging = node.scratch();
    drop_atomic(
        &staging,
        &node.drop_dir(),
        "huge.png",
        &png_declaring(60_000, 60_000),
    );
    drop_atomic(&staging, &node.drop_dir(), "corrupt.jpg", &corrupt);
    assert!(
        node.wait_entries(2, Duration::from_secs(60)),
        "{}",
        node.log()
    );
    let mut c = Client::connect(&node.socket).unwrap();
    let huge = page(&mut c, id_of(&node, "huge.png"), 1).unwrap_err();
    assert!(
        huge.contains("60000×60000") && huge.contains("melebihi batas"),
        "{huge}"
    );
    // A truncated JPEG either decodes what is there (grey fill) or is refused with a note.
    match page(&mut c, id_of(&node, "corrupt.jpg"), 1) {
        Ok((jumlah, _)) => assert_eq!(jumlah, 1),
        Err(e) => assert!(e.contains("rusak") || e.contains("gagal"), "{e}"),
    }
    assert_eq!(node.status()["entries"], 2, "the node answers");
}

#[test]
fn a_rahasia_page_is_rendered_from_memory_and_nothing_is_left_in_clear() {
    let mut n = TestNode::init_with(|_| {});
    let _pass = n.create_identity("frasa sandi yang cukup panjang untuk uji\n", false);
    n.start();
    let pdf = sample("naskah/surat-pengantar-laporan-persandian-jembrana.pdf");
    n.kasa_ok(&["ingest", pdf.to_str().unwrap()]);
    let id = n.entries()[0]["id"].as_u64().unwrap();
    n.kasa_ok(&[
        "agenda",
        "register",
        &id.to_string(),
        "--accept-suggestions",
    ]);
    assert!(
        wait_until(Duration::from_secs(20), || {
            let e = n.json(&["agenda", "show", &id.to_string(), "--json"]);
            e["attachments"][0]["encrypted_at_rest"] == true
        }),
        "the attachment gets encrypted at rest"
    );
    let mut c = Client::connect(&n.socket).unwrap();
    let (jumlah, img) = page(&mut c, id, 1).unwrap();
    assert_eq!(jumlah, 1);
    assert!(ink(&img) > 0.005);
    // No decrypted copy anywhere under the data directory: only the .age blob holds the letter.
    let original = fs::read(&pdf).unwrap();
    let head = &original[..64];
    let mut stack = vec![n.data.clone()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(b) = fs::read(&p) {
                assert!(
                    !b.windows(head.len()).any(|w| w == head),
                    "{} holds the plaintext",
                    p.display()
                );
            }
        }
    }
}

#[test]
fn full_text_search_finds_ocr_words_within_the_callers_clearance() {
    let node = TestNode::start_new();
    let jpg = "scan-0003-berita-sanapati-hal1.jpg";
    node.kasa_ok(&["ingest", sample(&format!("naskah/{jpg}")).to_str().unwrap()]);
    let letter = sample("naskah/surat-pengantar-laporan-persandian-jembrana.pdf");
    node.kasa_ok(&["ingest", letter.to_str().unwrap()]);
    let jid = id_of(&node, jpg);
    // The JPEG's words come from OCR: wait for it.
    assert!(
        wait_until(Duration::from_secs(120), || {
            node.entries_named(jpg)[0]["timeline"]
                .as_array()
                .is_some_and(|t| t.iter().any(|x| x["kind"] == "ocr"))
        }),
        "{}",
        node.log()
    );
    let mut c = Client::connect(&node.socket).unwrap();
    let mut cari = |q: &str| match c.call(Request::Cari {
        q: q.into(),
        books: vec![],
    }) {
        Ok(Reply::Cari { hits, selesai, .. }) => {
            assert!(selesai);
            hits.into_iter()
                .map(|h| (h.entry.id, h.cuplikan))
                .collect::<Vec<_>>()
        }
        other => panic!("{other:?}"),
    };
    let hits = cari("status:baru dongle");
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].0, jid);
    assert!(hits[0].1.to_lowercase().contains("dongle"), "{hits:?}");
    assert!(cari("dongle xyzzyq").is_empty(), "every word must occur");
    assert!(
        cari("do").is_empty(),
        "under three characters nothing is searched"
    );

    // The letter, once Rahasia, is searched only for an operator cleared for dikecualikan text.
    let lid = id_of(&node, "surat-pengantar-laporan-persandian-jembrana.pdf");
    node.kasa_ok(&[
        "agenda",
        "register",
        &lid.to_string(),
        "--accept-suggestions",
    ]);
    let word = "pemantauan";
    assert!(
        cari(word).iter().any(|(id, _)| *id == lid),
        "the admin (Ahli Sandi Tingkat II) finds it"
    );
    node.kasa_ok(&["operator", "edit", "0", "--kualifikasi", "tanpa"]);
    let mut c2 = Client::connect(&node.socket).unwrap();
    match c2.call(Request::Cari {
        q: word.into(),
        books: vec![],
    }) {
        Ok(Reply::Cari { hits, .. }) => assert!(
            hits.iter().all(|h| h.entry.id != lid),
            "a word of a Rahasia letter must not reveal it to an uncleared operator"
        ),
        other => panic!("{other:?}"),
    }
}
