//! Maps each request to its row of the permission table ([`crate::domain::permission`]) and checks it
//! for the operator of this request. The klasifikasi of the item a request touches decides between the
//! *biasa* and *dikecualikan* rows; it is read from the store here, once per request.

use super::NodeState;
use crate::domain::Operator;
use crate::domain::permission::{Aksi, Lingkup, Penolakan, aksi_langkah_perbaikan, periksa};
use crate::proto::Request;
use crate::proto::backup::BackupRequest;
use crate::proto::disposisi::DisposisiRequest;
use crate::proto::insiden::InsidenRequest;
use crate::proto::keluar::KeluarRequest;
use crate::proto::link::LinkRequest;
use crate::proto::masuk::MasukRequest;
use crate::proto::palsan::PalsanRequest;

/// The scope of entry `id` (biasa when it does not exist: the handler then answers "not found").
fn entry_scope(state: &NodeState, id: u64) -> Lingkup {
    let k = state
        .store
        .entry(id)
        .ok()
        .flatten()
        .and_then(|e| e.klasifikasi);
    Lingkup::of(k)
}

fn max(a: Lingkup, b: Lingkup) -> Lingkup {
    if a == Lingkup::Dikecualikan || b == Lingkup::Dikecualikan {
        Lingkup::Dikecualikan
    } else {
        Lingkup::Biasa
    }
}

/// The action and scope of a request.
pub fn classify(state: &NodeState, req: &Request) -> (Aksi, Lingkup) {
    use Lingkup::Biasa;
    match req {
        Request::Hello { .. }
        | Request::Status
        | Request::KopSurat
        | Request::Subscribe
        | Request::AgendaList { .. }
        | Request::AgendaShow { .. }
        | Request::Cari { .. }
        | Request::AuditVerify
        | Request::AuditTail { .. }
        | Request::OperatorList
        | Request::Alarms { .. }
        | Request::PeerList => (Aksi::Lihat, Biasa),
        Request::DraftPut { .. } | Request::DraftList | Request::DraftDelete { .. } => {
            (Aksi::Draf, Biasa)
        }
        Request::Ingest { .. } => (Aksi::BerkasTerima, Biasa),
        Request::Register { id, fields } => (
            Aksi::AgendaRegistrasi,
            max(entry_scope(state, *id), Lingkup::of(fields.klasifikasi)),
        ),
        Request::Void { id, .. } => (Aksi::AgendaBatal, entry_scope(state, *id)),
        Request::Note { id, .. } => (Aksi::AgendaCatatan, entry_scope(state, *id)),
        Request::MarkDuplicate { id, .. } => (Aksi::AgendaDuplikat, entry_scope(state, *id)),
        Request::Close { id, .. } => (Aksi::AgendaTutup, entry_scope(state, *id)),
        Request::KeluarNew { fields, dari } => (
            Aksi::KeluarKonsep,
            max(
                Lingkup::of(fields.klasifikasi),
                dari.map_or(Biasa, |d| entry_scope(state, d)),
            ),
        ),
        Request::KeluarRegister { id } => (Aksi::KeluarRegistrasi, entry_scope(state, *id)),
        Request::KeluarSend { id, .. } => (Aksi::KeluarKirim, entry_scope(state, *id)),
        Request::Attachment { id, .. } | Request::Halaman { id, .. } => {
            (Aksi::LampiranBaca, entry_scope(state, *id))
        }
        // Adding files to an entry changes its record the way registering does: the row of the
        // book's registration (masuk: 003 A2/B2/C2; keluar: 003 E/F, 004 syarat 2 for
        // dikecualikan). A missing entry is answered "not found" by the handler.
        Request::AgendaAttach { id, .. } => {
            let incoming = state
                .store
                .entry(*id)
                .ok()
                .flatten()
                .is_some_and(|e| e.book.is_incoming());
            let aksi = if incoming {
                Aksi::AgendaRegistrasi
            } else {
                Aksi::KeluarRegistrasi
            };
            (aksi, entry_scope(state, *id))
        }
        Request::OperatorAdd { .. }
        | Request::OperatorDisable { .. }
        | Request::OperatorEnable { .. }
        | Request::OperatorEdit { .. } => (Aksi::OperatorKelola, Biasa),
        Request::AlarmAck { .. } => (Aksi::AlarmAkui, Biasa),
        Request::NodeStop => (Aksi::NodeStop, Biasa),
        Request::Unlock { .. } => (Aksi::NodeUnlock, Biasa),
        Request::IdentityExportAudit { .. } => (Aksi::IdentitasEkspor, Biasa),
        Request::PeerAdd { .. } | Request::PeerVerify { .. } => (Aksi::PeerKelola, Biasa),
        Request::KriptogramSeal { entry, fields, .. } => {
            let from_entry = entry.map_or(Biasa, |id| entry_scope(state, id));
            let from_fields = fields
                .as_ref()
                .map_or(Biasa, |f| Lingkup::of(f.klasifikasi));
            (Aksi::KriptogramSegel, max(from_entry, from_fields))
        }
        // The klasifikasi of an incoming kriptogram is known only after verification: opening is
        // gated as dikecualikan (the level 004 asks for any sandi work on naskah dikecualikan).
        Request::KriptogramOpen { .. } => (Aksi::KriptogramBuka, Lingkup::Dikecualikan),
        Request::KriptogramVerify { .. } => (Aksi::KriptogramPeriksa, Biasa),
        Request::KriptogramCopy { .. } => (Aksi::KriptogramSegel, Lingkup::Dikecualikan),
        Request::Palsan(r) => match r {
            PalsanRequest::ItemList
            | PalsanRequest::ItemShow { .. }
            | PalsanRequest::RepairShow { .. }
            | PalsanRequest::RepairList
            | PalsanRequest::KunciList
            | PalsanRequest::Reminders { .. }
            | PalsanRequest::Lampiran { .. } => (Aksi::Lihat, Biasa),
            PalsanRequest::Dispose { .. } => (Aksi::PalsanHapus, Biasa),
            PalsanRequest::RepairOpen { .. } => (Aksi::PerbaikanSandiman, Biasa),
            PalsanRequest::RepairStep { step, .. } => {
                (aksi_langkah_perbaikan(step.langkah.nomor()), Biasa)
            }
            PalsanRequest::ItemAdd { .. }
            | PalsanRequest::ItemEdit { .. }
            | PalsanRequest::Checkout { .. }
            | PalsanRequest::Checkin { .. }
            | PalsanRequest::KunciAdd { .. }
            | PalsanRequest::KunciStatus { .. }
            | PalsanRequest::BerkalaDone { .. } => (Aksi::PalsanCatat, Biasa),
        },
        Request::Disposisi(r) => match r {
            DisposisiRequest::List { .. }
            | DisposisiRequest::Show { .. }
            | DisposisiRequest::Entry { .. } => (Aksi::Lihat, Biasa),
            DisposisiRequest::New { entry, .. } => (Aksi::Disposisi, entry_scope(state, *entry)),
            _ => (Aksi::Disposisi, Biasa),
        },
        Request::Masuk(r) => match r {
            MasukRequest::SiApelDaftar { .. }
            | MasukRequest::Mirip { .. }
            | MasukRequest::Alur { .. }
            | MasukRequest::Aturan => (Aksi::Lihat, Biasa),
            MasukRequest::Klaim { .. } => (Aksi::Draf, Biasa),
            MasukRequest::Distribusi { id, .. } | MasukRequest::TandaTerima { id, .. } => {
                (Aksi::AgendaDistribusi, entry_scope(state, *id))
            }
            MasukRequest::SiApel { id, .. } => (Aksi::AgendaSiApel, entry_scope(state, *id)),
            MasukRequest::Tautkan { id, .. } => (Aksi::AgendaDuplikat, entry_scope(state, *id)),
        },
        Request::Keluar(r) => match r {
            KeluarRequest::Status { .. } => (Aksi::Lihat, Biasa),
            KeluarRequest::Paraf { id } | KeluarRequest::Tolak { id, .. } => {
                (Aksi::KeluarParaf, entry_scope(state, *id))
            }
            KeluarRequest::TandaTangan { id } => (Aksi::KeluarTandaTangan, entry_scope(state, *id)),
            KeluarRequest::PilihAlur { id, .. } => (Aksi::KeluarKonsep, entry_scope(state, *id)),
            KeluarRequest::Kirim { id, .. } => (Aksi::KeluarKirim, entry_scope(state, *id)),
        },
        Request::Backup(r) => match r {
            BackupRequest::Log => (Aksi::Lihat, Biasa),
            BackupRequest::Create { .. } => (Aksi::CadanganBuat, Biasa),
            BackupRequest::Test { .. } => (Aksi::CadanganUji, Biasa),
        },
        Request::Link(r) => match r {
            LinkRequest::PeerStatus | LinkRequest::Receipts { .. } => (Aksi::Lihat, Biasa),
            LinkRequest::PeerSetAddress { .. } => (Aksi::PeerKelola, Biasa),
        },
        Request::Insiden(r) => match r {
            InsidenRequest::List { .. } | InsidenRequest::Show { .. } => (Aksi::Lihat, Biasa),
            InsidenRequest::Keputusan { .. } => (Aksi::InsidenKeputusan, Biasa),
            InsidenRequest::Batal { .. } | InsidenRequest::Gabung { .. } => {
                (Aksi::InsidenBatal, Biasa)
            }
            _ => (Aksi::InsidenCatat, Biasa),
        },
    }
}

/// Leaves out of a reply what `op` may not see: the disposisi events of chains that have not reached
/// them, in every entry a reply carries (lists, single entries, sealed entries).
pub fn redact(state: &NodeState, op: &Operator, reply: &mut crate::proto::Reply) {
    use crate::proto::Reply;
    let one = |e: &mut crate::domain::Entry| {
        let _ = super::disposisi::redact_timeline(state, op, e);
    };
    match reply {
        Reply::Entry { entry, .. } => one(entry),
        Reply::Entries { entries } => entries.iter_mut().for_each(one),
        Reply::Cari { hits, .. } => hits.iter_mut().for_each(|h| one(&mut h.entry)),
        Reply::KriptogramSealed { entry, .. } | Reply::KriptogramOpened { entry, .. } => one(entry),
        Reply::Keluar(crate::proto::keluar::KeluarReply::Status { entry, .. }) => one(entry),
        _ => {}
    }
}

/// Checks `req` for `op`. Errors: the [`Penolakan`] of the table, with the action and scope.
pub fn authorize(state: &NodeState, op: &Operator, req: &Request) -> Result<(), Penolakan> {
    let (aksi, lingkup) = classify(state, req);
    periksa(op, aksi, lingkup)
}
