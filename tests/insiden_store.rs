//! Store of the incident logbook on a real redb file: each timeline entry carries the seq of the audit
//! record written in its transaction; a refused mutation writes nothing (no entry, no audit record);
//! the chain verifies after a session that mixes incident and other writes; values survive a reopen.

use jiff::Timestamp;
use kasa::domain::insiden::{Ctx, Insiden, playbooks};
use kasa::store::{Actor, Store};

fn actor() -> Actor {
    Actor {
        uid: Some(1000),
        name: "Ani".into(),
    }
}

fn ctx(at: Timestamp) -> Ctx {
    Ctx {
        at,
        oleh: "Ani".into(),
        pelaksana: None,
        waktu: None,
        tz: jiff::tz::TimeZone::get("Asia/Makassar").unwrap(),
    }
}

#[test]
fn audit_seq_per_entry_refusals_write_nothing_and_chain_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kasa.redb");
    let st = Store::open(&path).unwrap();
    let t0: Timestamp = "2026-11-22T01:00:00Z".parse().unwrap();
    let (i, ch) = st
        .insiden_buka(&actor(), t0, |id| {
            Insiden::buka(id, "uji", &ctx(t0), &playbooks())
        })
        .unwrap();
    assert_eq!(ch.len(), 1);
    let id = i.id;
    // A non-incident write in between (mixed session).
    st.audit_event(&actor(), "uji.lain", "lain:1", "", t0)
        .unwrap();
    let (i, _) = st
        .insiden_ubah(id, &actor(), "insiden.catat", t0, |i| {
            i.catat("baris dua", &ctx(t0))?;
            Ok("baris dua".into())
        })
        .unwrap();
    let recs = st.audit_for(&format!("insiden:{id}")).unwrap();
    assert_eq!(recs.len(), 2);
    assert_eq!(i.linimasa[0].audit_seq, recs[0].seq);
    assert_eq!(i.linimasa[1].audit_seq, recs[1].seq);
    assert_eq!(recs[1].action, "insiden.catat");
    assert!(
        recs[1].seq > recs[0].seq + 1,
        "the other write sits between"
    );

    // Refused: closing without lessons. Nothing changes, no audit record.
    let head = st.audit_verify().unwrap().head_seq;
    let e = st
        .insiden_ubah(id, &actor(), "insiden.tutup", t0, |i| {
            i.tutup(" ", &ctx(t0))?;
            Ok(String::new())
        })
        .unwrap_err();
    assert!(e.to_string().contains("pelajaran"), "{e}");
    assert_eq!(st.audit_verify().unwrap().head_seq, head);
    assert_eq!(st.insiden(id).unwrap(), i);
    assert!(
        st.insiden(99)
            .unwrap_err()
            .to_string()
            .contains("kasa incident list")
    );

    let r = st.audit_verify().unwrap();
    assert!(r.ok, "{r:?}");
    drop(st);
    let st = Store::open(&path).unwrap();
    assert_eq!(st.insiden_daftar(true).unwrap(), vec![i]);
}
