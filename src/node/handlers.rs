//! Request handlers: each maps one [`Request`] to a store operation attributed to the operator.

use base64::Engine;
use jiff::Timestamp;

use super::NodeState;
use super::server::PeerCred;
use crate::domain::{Operator, Role};
use crate::proto::{Reply, Request, StatusInfo};
use crate::store::{Actor, PageQuery, StoreError};

type HResult = Result<Reply, (&'static str, String)>;

fn store_err(e: StoreError) -> (&'static str, String) {
    match e {
        StoreError::Rule(m) => ("rule", m),
        StoreError::NotFound(m) => ("not_found", m),
        e @ StoreError::DiskFull(_) => ("disk_penuh", e.to_string()),
        StoreError::Db(m) if m.contains("I/O") || m.contains("No space left") => (
            "disk_penuh",
            format!(
                "disk penuh / storage error: {m}; nothing committed is lost, writes are refused until space is freed and kasa reopens its database by itself"
            ),
        ),
        other => ("internal", other.to_string()),
    }
}

/// The node's current year in its zone (nomor agenda are per year).
fn tahun(state: &NodeState, at: Timestamp) -> i16 {
    at.to_zoned(state.cfg.calendar().zone).year()
}

/// Handles one request. `fds`: the files passed with it as descriptors, in the order the request
/// names them ([`Request::fds_expected`]).
pub(super) fn handle(
    state: &NodeState,
    op: &Operator,
    cred: &PeerCred,
    req: Request,
    fds: Vec<std::os::fd::OwnedFd>,
) -> HResult {
    let mut fds = fds.into_iter().map(std::fs::File::from);
    let now = crate::clock::now();
    let st = &state.store;
    let publish = |ch| state.hub.publish_changes(ch);
    match req {
        Request::Hello { .. } => Ok(Reply::Welcome {
            proto: crate::proto::PROTO_VERSION,
            node_id: state.node_id.clone(),
            node_name: state.node_name.clone(),
            zone: state.cfg.zone.clone(),
            operator: op.clone(),
            conn: cred.conn,
        }),
        Request::Subscribe => Ok(Reply::Ok),
        Request::KopSurat => Ok(Reply::KopSurat {
            kop: state
                .cfg
                .kop
                .clone()
                .unwrap_or_else(|| crate::doc::KopSurat::bawaan(&state.node_name)),
            node_name: state.node_name.clone(),
            zone: state.cfg.zone.clone(),
        }),
        Request::Status => {
            let counts = st.counts().map_err(store_err)?;
            let alarms_open = st.alarms(true).map_err(store_err)?.len() as u64;
            Ok(Reply::Status(Box::new(StatusInfo {
                pid: std::process::id(),
                node_id: state.node_id.clone(),
                node_name: state.node_name.clone(),
                data_dir: state.paths.data_dir.display().to_string(),
                drop_dir: state.cfg.drop_path(&state.paths).display().to_string(),
                socket: state.socket.display().to_string(),
                zone: state.cfg.zone.clone(),
                entries: st.entry_count().map_err(store_err)?,
                counts,
                alarms_open,
                ingest: state
                    .ingest
                    .progress
                    .lock()
                    .map(|p| p.clone())
                    .unwrap_or_default(),
                identity_fingerprint: state.identity.fingerprint(),
                locked: state.identity.card.is_some() && state.identity.keys().is_none(),
                ocr: Some(crate::ingest::ocr::tersedia_cached()),
                ocr_menunggu: st.ocr_pending().map_err(store_err)?.len() as u64,
            })))
        }
        Request::Ingest { name, data_b64, fd } => {
            let name = std::path::Path::new(&name)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "berkas".into());
            let origin = format!("kasa ingest oleh {} (uid {})", op.nama, cred.uid);
            let taken = if fd {
                let file = fds.next().ok_or((
                    "bad_request",
                    "the request says a descriptor comes with it and none did".to_string(),
                ))?;
                state.ingest.take_file(&name, file, &origin)
            } else {
                let data = base64::engine::general_purpose::STANDARD
                    .decode(data_b64.as_bytes())
                    .map_err(|e| ("bad_request", format!("file data is not base64: {e}")))?;
                state.ingest.take_bytes(&name, &data, &origin)
            };
            taken
                .map(|outcome| Reply::Ingested { outcome })
                .map_err(|m| ("rule", m))
        }
        Request::AgendaList {
            book,
            books,
            status,
            limit,
            before,
            saring,
        } => {
            if let Some(saring) = saring.filter(|f| !f.is_empty()) {
                let mut books = books;
                books.extend(book);
                let q = crate::store::saring::SaringQuery {
                    books,
                    saring,
                    zone: state.cfg.calendar().zone,
                    limit: limit.unwrap_or(50),
                    before,
                    budget: 0,
                };
                return Ok(Reply::Saring {
                    page: st.saring_page(&q).map_err(store_err)?,
                });
            }
            let q = PageQuery {
                book,
                books,
                status,
                limit: limit.unwrap_or(50),
                before,
            };
            Ok(Reply::Entries {
                entries: st.page(&q).map_err(store_err)?,
            })
        }
        Request::AgendaShow { id } => {
            let mut e = st.entry(id).map_err(store_err)?.ok_or((
                "not_found",
                format!("no entry {id}: check the id with `kasa agenda list`"),
            ))?;
            // The timeline is redacted for every reply in `server.rs`. Content above the caller's clearance (the table's lampiran.baca row) is left out.
            let allowed = crate::domain::permission::periksa(
                op,
                crate::domain::permission::Aksi::LampiranBaca,
                crate::domain::permission::Lingkup::of(e.klasifikasi),
            )
            .is_ok();
            // Text and suggestions sealed at ingest are opened by an unlocked node; a locked node
            // leaves `sealed` set so the client says to unlock it (issue 11 §5).
            let text = if e.sealed.is_some() {
                match super::atrest::open_sealed(state, &e, allowed, true) {
                    Ok(Some(o)) => {
                        e.suggestions = o.suggestions;
                        e.sealed = None;
                        o.text.filter(|_| allowed)
                    }
                    Ok(None) | Err(("locked", _)) => None,
                    Err(err) => return Err(err),
                }
            } else if allowed {
                st.entry_text(id).map_err(store_err)?
            } else {
                None
            };
            Ok(Reply::Entry {
                entry: Box::new(e),
                text,
            })
        }
        Request::Register { id, fields } => {
            let mut fields = fields;
            let current = st.entry(id).map_err(store_err)?.ok_or((
                "not_found",
                format!("entri {id} tidak ada: periksa nomornya dengan `kasa agenda list`"),
            ))?;
            current.check_registrable().map_err(|e| ("rule", e.0))?;
            fields.fill_from_manifest(&current);
            let problems = fields.validate(&state.cfg.derajat_names());
            if !problems.is_empty() {
                let m: Vec<String> = problems.iter().map(|(f, m)| format!("{f}: {m}")).collect();
                return Err(("invalid", m.join("; ")));
            }
            if !fields.saluran.trim().is_empty() {
                fields.saluran = super::masuk::alur(state)
                    .check_saluran(&fields.saluran)
                    .map_err(|m| ("invalid", format!("saluran: {m}")))?;
            }
            // 003 SOP C langkah 3: compare with what came by the other channel before it is distributed.
            let mirip = super::masuk::mirip_for(
                state,
                &crate::domain::penerimaan::calon(&current, &fields),
            )?;
            let dicocokkan = crate::domain::penerimaan::dicocokkan_teks(&mirip);
            let cal = state.cfg.calendar();
            let deadline = fields
                .derajat
                .as_deref()
                .and_then(|d| cal.deadline_for(&state.cfg.derajat, d, now));
            let (e, ch) = st
                .register(
                    id,
                    &fields,
                    tahun(state, now),
                    deadline,
                    Some((dicocokkan, mirip.iter().map(|m| m.id).collect())),
                    op,
                    now,
                )
                .map_err(store_err)?;
            let _ = st.draft_delete(op.uid, &format!("register:{id}"));
            publish(ch);
            Ok(Reply::Entry {
                entry: Box::new(e),
                text: None,
            })
        }
        Request::Void { id, reason } => {
            let (e, ch) = st
                .update_entry(id, &Actor::operator(op), "agenda.void", now, |e, _| {
                    e.void(&reason, now, op)?;
                    Ok(reason.clone())
                })
                .map_err(store_err)?;
            publish(ch);
            Ok(Reply::Entry {
                entry: Box::new(e),
                text: None,
            })
        }
        Request::Note { id, text } => {
            let (e, ch) = st
                .update_entry(id, &Actor::operator(op), "agenda.note", now, |e, _| {
                    e.add_note(&text, now, op)?;
                    Ok(text.clone())
                })
                .map_err(store_err)?;
            publish(ch);
            Ok(Reply::Entry {
                entry: Box::new(e),
                text: None,
            })
        }
        Request::MarkDuplicate { id, of } => {
            if st.entry(of).map_err(store_err)?.is_none() {
                return Err((
                    "not_found",
                    format!("entry {of} does not exist: name the first copy's id"),
                ));
            }
            super::masuk::tautkan(state, op, id, of, now)
        }
        Request::Close { id, to, note } => {
            let (e, ch) = st
                .update_entry(id, &Actor::operator(op), "agenda.close", now, |e, _| {
                    e.close(to, &note, now, op)?;
                    Ok(format!("{} {note}", to.as_str()))
                })
                .map_err(store_err)?;
            publish(ch);
            Ok(Reply::Entry {
                entry: Box::new(e),
                text: None,
            })
        }
        Request::KeluarNew { mut fields, dari } => {
            let src = match dari {
                None => None,
                Some(d) => Some(st.entry(d).map_err(store_err)?.ok_or((
                    "not_found",
                    format!("entri {d} tidak ada: periksa nomornya dengan `kasa agenda list`"),
                ))?),
            };
            if let Some(s) = &src {
                fields.fill_from_entry(s);
            }
            let problems = fields.validate(&state.cfg.derajat_names());
            if let Some((f, m)) = problems
                .iter()
                .find(|(f, _)| *f != "klasifikasi" && *f != "perihal")
            {
                return Err(("invalid", format!("{f}: {m}")));
            }
            let (e, ch) = st
                .keluar_new(&fields, src.as_ref(), op, now)
                .map_err(store_err)?;
            publish(ch);
            Ok(Reply::Entry {
                entry: Box::new(e),
                text: None,
            })
        }
        Request::KeluarRegister { id } => {
            let y = tahun(state, now);
            let (e, ch) = st
                .update_entry(id, &Actor::operator(op), "keluar.register", now, |e, alloc| {
                    if e.book.is_incoming() || e.status != crate::domain::Status::Draft {
                        e.keluar_register(y, 0, now, op)?; // produces the precise refusal
                    }
                    if e.perihal.trim().is_empty() || e.klasifikasi.is_none() {
                        return Err(StoreError::Rule("perihal and klasifikasi are required before registering an outgoing item".into()));
                    }
                    let n = alloc(e.book, y)?;
                    e.keluar_register(y, n, now, op)?;
                    Ok(format!("nomor agenda {n}/{y} {}", e.book.as_str()))
                })
                .map_err(store_err)?;
            publish(ch);
            Ok(Reply::Entry {
                entry: Box::new(e),
                text: None,
            })
        }
        Request::KeluarSend {
            id,
            saluran,
            sent_at,
            tanpa_bukti,
            darurat,
        } => super::keluar::kirim(
            state,
            op,
            id,
            crate::domain::keluar::Kirim {
                saluran,
                sent_at,
                resi_link: None,
                tanpa_bukti,
                darurat,
            },
            now,
        ),
        Request::Attachment { id, index } => {
            let e = st
                .entry(id)
                .map_err(store_err)?
                .ok_or(("not_found", format!("no entry {id}")))?;
            let a = e.attachments.get(index).ok_or((
                "not_found",
                format!(
                    "entry {id} has {} attachment(s); index {index} does not exist",
                    e.attachments.len()
                ),
            ))?;
            let data = super::atrest::read_blob(state, &a.sha256)?;
            let _ = st.audit_event(
                &Actor::operator(op),
                "attachment.read",
                &format!("entry:{id}"),
                &a.name,
                now,
            );
            Ok(Reply::Attachment {
                name: a.name.clone(),
                mime: a.mime.clone(),
                data_b64: base64::engine::general_purpose::STANDARD.encode(data),
            })
        }
        Request::Cari { q, books } => super::cari::cari(state, op, &q, books),
        Request::Halaman {
            id,
            index,
            halaman,
            lebar,
            tinggi,
        } => super::pratinjau::halaman(state, op, id, index, halaman, lebar, tinggi, now),
        Request::AuditVerify => {
            let mut r = st.audit_verify().map_err(store_err)?;
            super::proof::verify(state, &mut r);
            Ok(Reply::Audit(r))
        }
        Request::AuditTail { n } => Ok(Reply::AuditRecords {
            records: st.audit_tail(n.min(10_000)).map_err(store_err)?,
        }),
        Request::OperatorAdd { operator } => {
            if operator.nama.trim().is_empty() {
                return Err(("invalid", "the operator needs a name (--nama)".into()));
            }
            let ch = st
                .put_operator(&Actor::operator(op), &operator, false, now)
                .map_err(store_err)?;
            publish(vec![ch]);
            Ok(Reply::Ok)
        }
        Request::OperatorList => Ok(Reply::Operators {
            operators: st.operators().map_err(store_err)?,
        }),
        Request::OperatorEnable { uid } => {
            let mut o = st
                .operator(uid)
                .map_err(store_err)?
                .ok_or(("not_found", format!("uid {uid} is not an operator")))?;
            if !o.disabled {
                return Err(("rule", format!("operator uid {uid} is already enabled")));
            }
            o.disabled = false;
            let ch = st
                .put_operator(&Actor::operator(op), &o, true, now)
                .map_err(store_err)?;
            publish(vec![ch]);
            Ok(Reply::Ok)
        }
        Request::OperatorEdit { uid, edit } => {
            let mut o = st
                .operator(uid)
                .map_err(store_err)?
                .ok_or(("not_found", format!("uid {uid} is not an operator")))?;
            if uid == op.uid && edit.role.is_some_and(|r| r != Role::Admin) {
                return Err((
                    "rule",
                    "you cannot take the admin role from yourself; ask another admin".into(),
                ));
            }
            if let Some(n) = edit.nama {
                if n.trim().is_empty() {
                    return Err(("invalid", "--nama must not be empty".into()));
                }
                o.nama = n;
            }
            if let Some(v) = edit.nip {
                o.nip = v;
            }
            if let Some(v) = edit.jabatan {
                o.jabatan = v;
            }
            if let Some(v) = edit.role {
                o.role = v;
            }
            if let Some(v) = edit.kualifikasi {
                o.kualifikasi = v;
            }
            let ch = st
                .put_operator(&Actor::operator(op), &o, true, now)
                .map_err(store_err)?;
            publish(vec![ch]);
            Ok(Reply::Ok)
        }
        Request::OperatorDisable { uid } => {
            if uid == op.uid {
                return Err((
                    "rule",
                    "you cannot disable yourself; ask another admin".into(),
                ));
            }
            let mut o = st
                .operator(uid)
                .map_err(store_err)?
                .ok_or(("not_found", format!("uid {uid} is not an operator")))?;
            if o.disabled {
                return Err(("rule", format!("operator uid {uid} is already disabled")));
            }
            o.disabled = true;
            let ch = st
                .put_operator(&Actor::operator(op), &o, true, now)
                .map_err(store_err)?;
            publish(vec![ch]);
            Ok(Reply::Ok)
        }
        Request::Alarms { all } => Ok(Reply::Alarms {
            alarms: st.alarms(!all).map_err(store_err)?,
        }),
        Request::AlarmAck { id } => {
            let ch = st
                .ack_alarm(&Actor::operator(op), id, now)
                .map_err(store_err)?;
            publish(ch);
            Ok(Reply::Ok)
        }
        Request::DraftPut { key, data } => {
            st.draft_put(op.uid, &key, data.as_bytes())
                .map_err(store_err)?;
            Ok(Reply::Ok)
        }
        Request::DraftList => {
            let d = st.drafts(op.uid).map_err(store_err)?;
            Ok(Reply::Drafts {
                drafts: d
                    .into_iter()
                    .map(|(k, v)| (k, String::from_utf8_lossy(&v).into_owned()))
                    .collect(),
            })
        }
        Request::DraftDelete { key } => {
            st.draft_delete(op.uid, &key).map_err(store_err)?;
            Ok(Reply::Ok)
        }
        Request::Unlock { passphrase } => super::unlock(state, op, passphrase, now),
        Request::NodeStop => {
            let _ = st.audit_event(
                &Actor::operator(op),
                "node.stop.request",
                &format!("node:{}", state.node_id),
                "",
                now,
            );
            state.stop.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(Reply::Ok)
        }
        Request::IdentityExportAudit { detail } => {
            super::kriptogram::export_audit(state, op, cred, &detail)
        }
        Request::PeerAdd {
            card,
            relation,
            saluran,
            replace,
        } => super::kriptogram::peer_add(state, op, &card, relation, &saluran, replace),
        Request::PeerList => super::kriptogram::peer_list(state),
        Request::PeerVerify { node_id, confirm } => {
            super::kriptogram::peer_verify(state, op, &node_id, confirm)
        }
        Request::KriptogramSeal {
            entry,
            fields,
            to,
            yes_unverified,
            files,
            darurat,
        } => {
            let inputs = files
                .into_iter()
                .map(|f| {
                    let isi = match (f.fd, fds.next()) {
                        (true, Some(file)) => super::kriptogram::Masukan::Berkas(file),
                        _ => super::kriptogram::Masukan::B64(f.data_b64),
                    };
                    (f.name, isi)
                })
                .collect();
            super::kriptogram::seal(
                state,
                op,
                super::kriptogram::Segel {
                    entry,
                    fields,
                    to: &to,
                    yes_unverified,
                    darurat: darurat.as_deref(),
                },
                inputs,
            )
        }
        Request::AgendaAttach { id, jenis, files } => {
            let inputs = files
                .into_iter()
                .map(|f| {
                    (
                        f.name,
                        super::berkas::Masukan::of(f.fd, f.data_b64, fds.next()),
                    )
                })
                .collect();
            super::lampiran::attach(state, op, id, jenis, inputs)
        }
        Request::KriptogramCopy { name, fd } => {
            let ok = !name.is_empty()
                && !name.starts_with('.')
                && name.ends_with(".kgm")
                && !name.contains('/');
            if !ok {
                return Err((
                    "invalid",
                    format!("'{name}' is not a .kgm file name of the outbox"),
                ));
            }
            let p = super::kriptogram::outbox(&state.paths).join(&name);
            let mut src = std::fs::File::open(&p)
                .map_err(|e| ("not_found", format!("outbox {name}: {e}")))?;
            let data = match (fd, fds.next()) {
                // Into the client's file: copy_file_range in the kernel, never through memory.
                (true, Some(mut dest)) => {
                    std::io::copy(&mut src, &mut dest)
                        .and_then(|_| dest.sync_all())
                        .map_err(|e| ("internal", format!("copy of {name}: {e}")))?;
                    Vec::new()
                }
                _ => {
                    let mut data = Vec::new();
                    std::io::Read::read_to_end(&mut src, &mut data)
                        .map_err(|e| ("internal", format!("outbox {name}: {e}")))?;
                    data
                }
            };
            let _ = st.audit_event(
                &Actor::operator(op),
                "kriptogram.copy",
                &format!("outbox:{name}"),
                "",
                now,
            );
            Ok(Reply::Attachment {
                name,
                mime: "application/x-kasa-kgm".into(),
                data_b64: base64::engine::general_purpose::STANDARD.encode(data),
            })
        }
        Request::KriptogramOpen { name, data_b64, fd } => {
            let isi = super::kriptogram::Masukan::of(fd, data_b64, fds.next());
            super::kriptogram::open(state, op, &name, isi)
        }
        Request::KriptogramVerify { name, data_b64, fd } => {
            let isi = super::kriptogram::Masukan::of(fd, data_b64, fds.next());
            super::kriptogram::verify(state, &name, isi)
        }
        Request::Palsan(r) => super::palsan::handle(state, op, r),
        Request::Disposisi(r) => super::disposisi::handle(state, op, r, now),
        Request::Masuk(r) => super::masuk::handle(state, op, cred.conn, r, now),
        Request::Keluar(r) => super::keluar::handle(state, op, r, now),
        Request::Insiden(r) => {
            let file = match &r {
                crate::proto::insiden::InsidenRequest::Bukti {
                    berkas: Some(f), ..
                } if f.fd => fds.next(),
                _ => None,
            };
            super::insiden::handle(state, op, r, file)
        }
        Request::Link(r) => super::link::handle(state, op, r),
        Request::Backup(r) => super::backup::handle(state, op, r),
    }
}
