//! Fixed data for drawing tests (no node): entries, operator, clock.
#![allow(dead_code)]

use kasa::console::App;
use kasa::console::keymap::Keymap;
use kasa::console::theme::Theme;
use kasa::domain::calendar::WorkCalendar;
use kasa::domain::naskah::HeaderSuggestions;
use kasa::domain::{Attachment, Book, Entry, Klasifikasi, Operator, Role, Status};
use kasa::proto::{Reply, StatusInfo};

pub fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

pub fn entries(n: usize) -> Vec<Entry> {
    let base = ts("2026-11-20T01:00:00Z");
    let mut out = Vec::with_capacity(n);
    for i in 0..n as u64 {
        let id = n as u64 - i;
        let at = base
            .checked_sub(jiff::SignedDuration::from_mins(37 * i as i64))
            .unwrap();
        let mut e = Entry::new_scan(
            id,
            at,
            Attachment {
                sha256: format!("{id:064x}"),
                name: format!("scan-{id:04}-surat.pdf"),
                mime: "application/pdf".into(),
                size: 20_000 + id,
                pages: Some(2),
                encrypted_at_rest: false,
            },
        );
        if i % 3 != 0 {
            e.status = Status::Teragenda;
            e.nomor_agenda = Some(id);
            e.tahun = Some(2026);
            e.asal =
                ["Setda Kab. Jembrana", "BSSN", "Diskominfo Prov. Bali"][i as usize % 3].into();
            e.perihal = format!("Laporan persandian triwulan {}", i % 4 + 1);
            e.klasifikasi = Some(Klasifikasi::ALL[i as usize % 4]);
            e.derajat = Some(["Kilat", "Segera", "Penting", "Biasa"][i as usize % 4].into());
            e.batas_waktu = Some(
                ts("2026-11-20T06:00:00Z")
                    .checked_add(jiff::SignedDuration::from_hours(7 * i as i64 - 10))
                    .unwrap(),
            );
        } else {
            e.suggestions = Some(HeaderSuggestions {
                nomor: Some(format!("800/{id}/Kominfo/2026")),
                hal: Some("Penyampaian Laporan Hasil Monev Persandian".into()),
                klasifikasi: Some("Rahasia".into()),
                lampiran: Some("1 (satu) berkas".into()),
                yth: Some("Gubernur Bali".into()),
                tanggal: Some("2026-11-18".into()),
                ..HeaderSuggestions::default()
            });
        }
        out.push(e);
    }
    out
}

pub fn app(theme: &str, n: usize, w: u16, h: u16) -> App {
    let mut app = App::new(
        Keymap::shipped("default"),
        Theme::shipped(theme).unwrap(),
        false,
        vec![
            "Kilat".into(),
            "Segera".into(),
            "Penting".into(),
            "Biasa".into(),
        ],
    );
    app.connected = true;
    app.now = ts("2026-11-20T07:30:15Z");
    app.node.id = "5101".into();
    app.node.name = "Diskominfo Jembrana".into();
    app.node.calendar = WorkCalendar::new("Asia/Makassar", []).unwrap();
    app.operator = Some(Operator {
        uid: 1000,
        username: "wayan".into(),
        nama: "I Wayan Sudarma".into(),
        nip: String::new(),
        jabatan: "Sandiman Ahli Pertama".into(),
        role: Role::Sandiman,
        kualifikasi: Default::default(),
        disabled: false,
    });
    app.resize(w, h);
    let status = StatusInfo {
        pid: 1,
        node_id: "5101".into(),
        node_name: "Diskominfo Jembrana".into(),
        data_dir: "/d".into(),
        drop_dir: "/d/drop".into(),
        socket: "/d/node.sock".into(),
        zone: "Asia/Makassar".into(),
        counts: kasa::store::Counts {
            rows: vec![(Book::Masuk, Status::Baru, n.div_ceil(3) as u64)],
        },
        entries: n as u64,
        alarms_open: 1,
        ingest: Default::default(),
        identity_fingerprint: None,
        locked: false,
    };
    app.on_reply(
        kasa::console::app::Purpose::Status,
        Ok(Reply::Status(Box::new(status))),
    );
    app.on_reply(
        kasa::console::app::Purpose::List(kasa::console::action::Pane::Masuk),
        Ok(Reply::Entries {
            entries: entries(n),
        }),
    );
    app.dirty = false;
    app
}
