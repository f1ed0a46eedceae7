//! The permission table through the node (issue "shared box"): for every action × scope × role ×
//! qualification cell, a real operator under its own uid sends a representative request over the real
//! socket; the node refuses exactly the cells the table refuses (code `forbidden`, the rule named) and
//! lets the others through to their handler. Then the SOP cells a sandiman knows by heart, a disable that
//! bites on an open connection, root acting as an admin, and the disposisi visibility rule on
//! `agenda show`. Needs root (tests run as root here and in CI).

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::*;
use kasa::domain::permission::{Aksi, Lingkup, TABEL, periksa};
use kasa::domain::{Kualifikasi, Operator, Role};
use serde_json::{Value, json};

const GID: u32 = 4343;
const UID0: u32 = 6100;
const LEVELS: [Kualifikasi; 3] = [
    Kualifikasi::Tanpa,
    Kualifikasi::TingkatI,
    Kualifikasi::TingkatIi,
];

struct Box_ {
    node: TestNode,
    sockdir: tempfile::TempDir,
    socket: PathBuf,
}

impl Box_ {
    fn new() -> Box_ {
        let (node, sockdir, socket) = start_with_group_socket(GID);
        Box_ {
            node,
            sockdir,
            socket,
        }
    }

    fn add(&self, uid: u32, role: Role, k: Kualifikasi) {
        self.node.kasa_ok(&[
            "operator",
            "add",
            "--uid",
            &uid.to_string(),
            "--username",
            &format!("op{uid}"),
            "--nama",
            &format!("Operator {uid}"),
            "--role",
            role.as_str(),
            "--kualifikasi",
            k.as_str(),
        ]);
    }

    /// `kasa request` as `uid` (in the socket group), pipes for stdin and stdout.
    fn request_cmd(&self, uid: u32) -> Command {
        use std::os::unix::process::CommandExt;
        let mut c = Command::new(KASA);
        c.arg("request")
            .env("KASA_SOCKET", &self.socket)
            .env("KASA_LOG", "warn")
            .env_remove("KASA_DATA_DIR")
            .current_dir(self.sockdir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // SAFETY: only async-signal-safe syscalls between fork and exec.
        unsafe {
            c.pre_exec(move || {
                let groups = [GID as libc::gid_t];
                if libc::setgroups(1, groups.as_ptr()) != 0
                    || libc::setgid(GID) != 0
                    || libc::setuid(uid) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        c
    }

    /// Sends raw requests as `uid` through `kasa request`; one JSON value per request.
    fn requests(&self, uid: u32, reqs: &[Value]) -> Vec<Value> {
        let mut c = self.request_cmd(uid);
        let mut child = c.spawn().unwrap();
        {
            let mut stdin = child.stdin.take().unwrap();
            for r in reqs {
                writeln!(stdin, "{r}").unwrap();
            }
        }
        let o = child.wait_with_output().unwrap();
        let out: Vec<Value> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(out.len(), reqs.len(), "uid {uid}: {}", describe(&o));
        out
    }

    /// Ingests a PNG as root and registers it with `klasifikasi`; returns the entry id.
    fn registered(&self, n: u64, klasifikasi: &str) -> u64 {
        let f = self.node.scratch().join(format!("p-{n}.png"));
        std::fs::write(&f, tiny_png(n)).unwrap();
        let v = self.node.json(&["ingest", "--json", f.to_str().unwrap()]);
        let id = v["results"][0]["outcome"]["id"].as_u64().unwrap();
        self.node.kasa_ok(&[
            "agenda",
            "register",
            &id.to_string(),
            "--perihal",
            "Uji izin",
            "--asal",
            "Setda",
            "--klasifikasi",
            klasifikasi,
        ]);
        id
    }
}

fn uid_of(role: Role, k: Kualifikasi) -> u32 {
    let r = Role::ALL.iter().position(|x| *x == role).unwrap() as u32;
    let l = LEVELS.iter().position(|x| *x == k).unwrap() as u32;
    UID0 + r * 10 + l
}

fn fields(klasifikasi: Option<&str>) -> Value {
    json!({ "perihal": "Uji izin", "asal": "Setda", "klasifikasi": klasifikasi })
}

/// One representative request per (aksi, lingkup) row. `b`: a registered Biasa entry, `d`: a
/// registered Rahasia entry. `None`: the row is not sent by an allowed operator (NodeStop would stop
/// the node under test); refused operators still send it.
fn request_for(aksi: Aksi, l: Lingkup, b: u64, d: u64, n: u64) -> Value {
    let e = if l == Lingkup::Dikecualikan { d } else { b };
    let k = (l == Lingkup::Dikecualikan).then_some("Rahasia");
    match aksi {
        Aksi::OperatorKelola => json!({"type": "operator_disable", "uid": 999_999}),
        Aksi::NodeStop => json!({"type": "node_stop"}),
        Aksi::NodeUnlock => json!({"type": "unlock", "passphrase": "bukan frasa sandi"}),
        Aksi::IdentitasEkspor => json!({"type": "identity_export_audit", "detail": "uji"}),
        Aksi::PeerKelola => json!({"type": "peer_verify", "node_id": "99.99", "confirm": false}),
        Aksi::Lihat => json!({"type": "agenda_show", "id": e}),
        Aksi::Draf => json!({"type": "draft_list"}),
        Aksi::BerkasTerima => {
            use base64::Engine;
            json!({"type": "ingest", "name": format!("u{n}.png"),
                   "data_b64": base64::engine::general_purpose::STANDARD.encode(tiny_png(10_000 + n))})
        }
        Aksi::AgendaRegistrasi => json!({"type": "register", "id": e, "fields": fields(k)}),
        Aksi::AgendaCatatan => json!({"type": "note", "id": e, "text": "catatan uji"}),
        Aksi::AgendaDuplikat => json!({"type": "mark_duplicate", "id": e, "of": 999_999}),
        Aksi::AgendaBatal => json!({"type": "void", "id": 999_000 + e, "reason": "uji"}),
        Aksi::AgendaTutup => json!({"type": "close", "id": e, "to": "selesai", "note": "uji"}),
        // The entries under test are untriaged: an allowed operator gets the rule refusal.
        Aksi::AgendaDistribusi => {
            json!({"type": "masuk", "op": "distribusi", "id": e, "jenis": "bagian_umum"})
        }
        Aksi::AgendaSiApel => json!({"type": "masuk", "op": "si_apel", "id": e}),
        Aksi::KeluarKonsep => json!({"type": "keluar_new", "fields": fields(k)}),
        Aksi::KeluarRegistrasi => json!({"type": "keluar_register", "id": e}),
        Aksi::KeluarKirim => json!({"type": "keluar_send", "id": e, "saluran": "faksimili"}),
        // Masuk entries: an allowed operator gets the rule refusal ("adalah berita masuk").
        Aksi::KeluarParaf => json!({"type": "keluar", "op": "paraf", "id": e}),
        Aksi::KeluarTandaTangan => json!({"type": "keluar", "op": "tanda_tangan", "id": e}),
        Aksi::KriptogramSegel => json!({"type": "kriptogram_seal", "entry": e, "to": ["99.99"]}),
        Aksi::KriptogramBuka => json!({"type": "kriptogram_open", "name": "x.kgm", "data_b64": ""}),
        Aksi::KriptogramPeriksa => {
            json!({"type": "kriptogram_verify", "name": "x.kgm", "data_b64": ""})
        }
        Aksi::LampiranBaca => json!({"type": "attachment", "id": e, "index": 0}),
        Aksi::AlarmAkui => json!({"type": "alarm_ack", "id": 999_999}),
        Aksi::Disposisi => match l {
            Lingkup::Biasa => json!({"type": "disposisi", "op": "read", "id": 999_999}),
            Lingkup::Dikecualikan => json!({"type": "disposisi", "op": "new", "entry": d,
                "input": {"kepada": [999_999], "instruksi": ["Untuk diketahui"]}}),
        },
        Aksi::PalsanCatat => json!({"type": "palsan", "op": "berkala_done", "jenis": "audit"}),
        Aksi::PalsanHapus => json!({"type": "palsan", "op": "dispose", "id": 999_999,
            "berita_acara": "BA/1", "saksi": []}),
        Aksi::PerbaikanSandiman => step("kembali"),
        Aksi::PerbaikanKasi => step("nota_dinas"),
        Aksi::PerbaikanKabid => step("disposisi"),
        Aksi::PerbaikanKadis => step("ttd_kadis"),
        Aksi::PerbaikanLuar => step("dinilai"),
        Aksi::InsidenCatat => json!({"type": "insiden", "op": "log", "id": 999_999, "teks": "uji"}),
        Aksi::InsidenKeputusan => json!({"type": "insiden", "op": "keputusan", "id": 999_999,
            "keputusan": "hentikan", "oleh": "uji"}),
        Aksi::InsidenBatal => json!({"type": "insiden", "op": "batal", "id": 999_999,
            "alasan": "uji"}),
        // Directories nobody can write: an allowed operator gets an error other than `forbidden`.
        Aksi::CadanganBuat => {
            json!({"type": "backup", "op": "create", "to": "/proc/kasa-uji-tidak-ada"})
        }
        Aksi::CadanganUji => {
            json!({"type": "backup", "op": "test", "dir": "/proc/kasa-uji-tidak-ada"})
        }
    }
}

fn step(langkah: &str) -> Value {
    json!({"type": "palsan", "op": "repair_step", "id": 999_999, "step": {"langkah": langkah}})
}

fn code(v: &Value) -> Option<&str> {
    v["error"]["code"].as_str()
}

#[test]
fn every_cell_of_the_table_is_enforced_by_the_node() {
    if !is_root() {
        eprintln!("skipped: needs root to run clients under other uids");
        return;
    }
    let bx = Box_::new();
    for role in Role::ALL {
        for k in LEVELS {
            bx.add(uid_of(role, k), role, k);
        }
    }
    let b = bx.registered(1, "Biasa");
    let d = bx.registered(2, "Rahasia");
    let mut cells = 0;
    for role in Role::ALL {
        for k in LEVELS {
            let uid = uid_of(role, k);
            let op = Operator {
                uid,
                username: String::new(),
                nama: String::new(),
                nip: String::new(),
                jabatan: String::new(),
                role,
                kualifikasi: k,
                disabled: false,
            };
            let rows: Vec<_> = TABEL
                .iter()
                .filter(|a| !(a.aksi == Aksi::NodeStop && periksa(&op, a.aksi, a.lingkup).is_ok()))
                .collect();
            let reqs: Vec<Value> = rows
                .iter()
                .map(|a| request_for(a.aksi, a.lingkup, b, d, uid as u64))
                .collect();
            let replies = bx.requests(uid, &reqs);
            for (a, r) in rows.iter().zip(&replies) {
                cells += 1;
                let allowed = periksa(&op, a.aksi, a.lingkup).is_ok();
                if allowed {
                    assert_ne!(
                        code(r),
                        Some("forbidden"),
                        "{} {:?} as {} {}: the table allows it, the node refused: {r}",
                        a.aksi.as_str(),
                        a.lingkup,
                        role.as_str(),
                        k.as_str()
                    );
                } else {
                    assert_eq!(
                        code(r),
                        Some("forbidden"),
                        "{} {:?} as {} {}: the table refuses it, the node answered {r}",
                        a.aksi.as_str(),
                        a.lingkup,
                        role.as_str(),
                        k.as_str()
                    );
                    let m = r["error"]["message"].as_str().unwrap();
                    assert!(
                        m.contains(a.aksi.as_str()),
                        "the refusal names the rule: {m}"
                    );
                }
            }
        }
    }
    assert!(cells > 500, "{cells} cells checked");
    // Every refusal left an audit record naming the rule.
    let denied = bx
        .node
        .audit_tail(5000)
        .into_iter()
        .filter(|r| r["action"] == "access.denied")
        .count();
    assert!(denied > 100, "{denied} access.denied records");
}

#[test]
fn the_sop_cells_a_sandiman_knows() {
    if !is_root() {
        eprintln!("skipped: needs root to run clients under other uids");
        return;
    }
    let bx = Box_::new();
    let sandiman1 = uid_of(Role::Sandiman, Kualifikasi::TingkatI);
    let sandiman2 = uid_of(Role::Sandiman, Kualifikasi::TingkatIi);
    let kadis = uid_of(Role::Kadis, Kualifikasi::Tanpa);
    let kasi = uid_of(Role::Kasi, Kualifikasi::TingkatIi);
    bx.add(sandiman1, Role::Sandiman, Kualifikasi::TingkatI);
    bx.add(sandiman2, Role::Sandiman, Kualifikasi::TingkatIi);
    bx.add(kadis, Role::Kadis, Kualifikasi::Tanpa);
    bx.add(kasi, Role::Kasi, Kualifikasi::TingkatIi);
    let d = bx.registered(3, "Sangat Rahasia");
    // A sandiman does not void an entry; the Kasi does (the number stays used).
    let r = bx.requests(
        sandiman2,
        &[json!({"type": "void", "id": d, "reason": "salah"})],
    );
    assert_eq!(code(&r[0]), Some("forbidden"), "{}", r[0]);
    assert!(
        r[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("kadis/kabid/kasi/admin")
    );
    // The Kadis does not send a Rahasia item (004: the sandiman sends).
    let r = bx.requests(
        kadis,
        &[json!({"type": "keluar_send", "id": d, "saluran": "kurir"})],
    );
    assert_eq!(code(&r[0]), Some("forbidden"), "{}", r[0]);
    // Tingkat I may not export Sangat Rahasia content nor seal (004: at least Tingkat II).
    let r = bx.requests(
        sandiman1,
        &[
            json!({"type": "attachment", "id": d, "index": 0}),
            json!({"type": "kriptogram_seal", "entry": d, "to": ["99.99"]}),
            json!({"type": "agenda_show", "id": d}),
        ],
    );
    assert_eq!(code(&r[0]), Some("forbidden"), "{}", r[0]);
    assert!(
        r[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Tingkat II")
    );
    assert_eq!(code(&r[1]), Some("forbidden"), "{}", r[1]);
    // … and `agenda show` leaves the extracted text out for them.
    assert!(r[2]["ok"]["text"].is_null(), "{}", r[2]);
    // A sandiman records neither the Kadis's signature nor the C2 decision.
    let r = bx.requests(sandiman2, &[step("ttd_kadis")]);
    assert_eq!(code(&r[0]), Some("forbidden"), "{}", r[0]);
    // The Kasi voids.
    let r = bx.requests(
        kasi,
        &[json!({"type": "void", "id": d, "reason": "salah kirim"})],
    );
    assert!(r[0]["ok"].is_object(), "{}", r[0]);
}

#[test]
fn a_disable_bites_on_an_open_connection_and_enable_restores() {
    if !is_root() {
        eprintln!("skipped: needs root to run clients under other uids");
        return;
    }
    let bx = Box_::new();
    let s = uid_of(Role::Sandiman, Kualifikasi::TingkatIi);
    bx.add(s, Role::Sandiman, Kualifikasi::TingkatIi);
    let b = bx.registered(4, "Biasa");
    // One connection: a note goes through, then (while it stays open) the admin disables the
    // operator; the next request on the same connection is refused with `disabled`.
    let mut c = bx.request_cmd(s);
    let mut child = c.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    writeln!(
        stdin,
        "{}",
        json!({"type": "note", "id": b, "text": "sebelum"})
    )
    .unwrap();
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    assert!(line.contains("\"ok\""), "{line}");
    bx.node.kasa_ok(&["operator", "disable", &s.to_string()]);
    writeln!(
        stdin,
        "{}",
        json!({"type": "note", "id": b, "text": "sesudah"})
    )
    .unwrap();
    line.clear();
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    let v: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(code(&v), Some("disabled"), "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("operator enable")
    );
    drop(stdin);
    let _ = child.wait();
    // Refused and audited; the entry has the first note only.
    let tail = bx.node.audit_tail(20);
    assert!(
        tail.iter()
            .any(|r| r["action"] == "access.refused" && r["uid"] == s),
        "{tail:?}"
    );
    let e = bx.node.json(&["agenda", "show", &b.to_string(), "--json"]);
    let timeline = if e["entry"]["timeline"].is_array() {
        &e["entry"]["timeline"]
    } else {
        &e["timeline"]
    };
    let notes = timeline
        .as_array()
        .unwrap_or_else(|| panic!("{e}"))
        .iter()
        .filter(|t| t["kind"] == "catatan")
        .count();
    assert_eq!(notes, 1, "{e}");
    // Enabled again, the operator works.
    bx.node.kasa_ok(&["operator", "enable", &s.to_string()]);
    let r = bx.requests(s, &[json!({"type": "note", "id": b, "text": "lagi"})]);
    assert!(r[0]["ok"].is_object(), "{}", r[0]);
    // Edit records a typed qualification.
    bx.node.kasa_ok(&[
        "operator",
        "edit",
        &s.to_string(),
        "--kualifikasi",
        "Ahli Sandi Tingkat I",
    ]);
    let ops = bx.node.json(&["operator", "list", "--json"]);
    let me = ops["operators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["uid"] == s)
        .unwrap()
        .clone();
    assert_eq!(me["kualifikasi"], "tingkat_i", "{me}");
}

#[test]
fn root_acts_as_a_named_admin_only() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    // The node runs under the test's uid (root) here, so root is an operator already; the rule is
    // checked on a node whose admin is another uid.
    let bx = Box_::new();
    let admin = 6199;
    bx.add(admin, Role::Admin, Kualifikasi::Tanpa);
    let sandiman = uid_of(Role::Sandiman, Kualifikasi::Tanpa);
    bx.add(sandiman, Role::Sandiman, Kualifikasi::Tanpa);
    // A sandiman cannot use --as.
    let o = kasa_as(
        sandiman,
        GID,
        &bx.socket,
        bx.sockdir.path(),
        &["--as", &admin.to_string(), "operator", "list"],
    );
    assert!(!o.status.success());
    assert!(
        describe(&o).contains("only root may use --as"),
        "{}",
        describe(&o)
    );
    // Root names the admin: the record carries the admin, "(oleh root)".
    let o = Command::new(KASA)
        .args([
            "--as",
            &admin.to_string(),
            "operator",
            "edit",
            &sandiman.to_string(),
            "--jabatan",
            "Sandiman Ahli Pertama",
        ])
        .env("KASA_SOCKET", &bx.socket)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", describe(&o));
    let tail = bx.node.audit_tail(5);
    assert!(
        tail.iter()
            .any(|r| r["uid"] == admin && r["actor"].as_str().unwrap().contains("oleh root")),
        "{tail:?}"
    );
    // Root cannot name a non-admin.
    let o = Command::new(KASA)
        .args(["--as", &sandiman.to_string(), "operator", "list"])
        .env("KASA_SOCKET", &bx.socket)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(describe(&o).contains("not an admin"), "{}", describe(&o));
}

#[test]
fn agenda_show_leaves_out_a_disposisi_that_has_not_reached_you() {
    if !is_root() {
        eprintln!("skipped: needs root to run clients under other uids");
        return;
    }
    let bx = Box_::new();
    let kadis = uid_of(Role::Kadis, Kualifikasi::Tanpa);
    let kabid1 = uid_of(Role::Kabid, Kualifikasi::Tanpa);
    let kabid2 = uid_of(Role::Kabid, Kualifikasi::TingkatI);
    let kasi = uid_of(Role::Kasi, Kualifikasi::TingkatIi);
    bx.add(kadis, Role::Kadis, Kualifikasi::Tanpa);
    bx.add(kabid1, Role::Kabid, Kualifikasi::Tanpa);
    bx.add(kabid2, Role::Kabid, Kualifikasi::TingkatI);
    bx.add(kasi, Role::Kasi, Kualifikasi::TingkatIi);
    let id = bx.registered(5, "Biasa");
    let r = bx.requests(
        kadis,
        &[json!({"type": "disposisi", "op": "new", "entry": id,
                 "input": {"kepada": [kabid1], "instruksi": ["Untuk diketahui"],
                           "catatan": "catatan khusus kadis"}})],
    );
    assert!(r[0]["ok"].is_object(), "{}", r[0]);
    let show = json!({"type": "agenda_show", "id": id});
    let list = json!({"type": "agenda_list", "book": "masuk"});
    let seen = |uid: u32| -> (String, String) {
        let r = bx.requests(uid, &[show.clone(), list.clone()]);
        (r[0].to_string(), r[1].to_string())
    };
    let (show1, list1) = seen(kabid1);
    assert!(
        show1.contains("catatan khusus kadis"),
        "the recipient sees it: {show1}"
    );
    assert!(list1.contains("catatan khusus kadis"), "{list1}");
    for other in [kabid2, kasi] {
        let (s, l) = seen(other);
        assert!(
            !s.contains("catatan khusus kadis"),
            "uid {other} must not see it: {s}"
        );
        assert!(
            !l.contains("catatan khusus kadis"),
            "uid {other} must not see it in lists: {l}"
        );
        // The entry itself is there.
        assert!(s.contains("Uji izin"), "{s}");
    }
}
