//! `kasa keluar new|register|paraf|ttd|tolak|alur|status|send`: outgoing items through their send flow
//! (issue 14; seed 003 SOP D, E, F, seed 002, 004; `docs/cli.md` "Berita keluar").
//!
//! `--json` prints exactly one JSON document (the entry, or the status).

use clap::Subcommand;

use super::insiden::parse_time;
use super::{
    Fail, FieldArgs, connect, entry_reply, fail, fields_from, node_zone, print_json, shown,
};
use crate::client::Client;
use crate::config::Paths;
use crate::domain::keluar::Kirim;
use crate::proto::keluar::{KeluarReply, KeluarRequest};
use crate::proto::{Reply, Request};

/// `kasa keluar …`
#[derive(Subcommand, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum KeluarAction {
    /// A new outgoing draft (konsep).
    New {
        #[command(flatten)]
        fields: FieldArgs,
        /// Put it in the kriptogram-keluar book.
        #[arg(long)]
        kriptogram: bool,
        /// The send flow (alur.toml code: D, E, F, PR, PK; default: the flow of its channel).
        #[arg(long)]
        alur: Option<String>,
        /// Forward an entry: its files (and the fields left empty) go into the new draft.
        #[arg(long)]
        dari: Option<u64>,
        #[arg(long)]
        json: bool,
    },
    /// draft → diagendakan (allocates the nomor agenda).
    Register {
        id: u64,
        #[arg(long)]
        json: bool,
    },
    /// Give the paraf (who may: the flow in alur.toml; default the Kasi for Rahasia / Sangat Rahasia).
    Paraf {
        id: u64,
        #[arg(long)]
        json: bool,
    },
    /// Sign (who may: the flow in alur.toml; default the Kadis).
    Ttd {
        id: u64,
        #[arg(long)]
        json: bool,
    },
    /// Send the item back to konsep with a note (the paraf and signature given are cleared).
    Tolak {
        id: u64,
        #[arg(long)]
        catatan: String,
        #[arg(long)]
        json: bool,
    },
    /// Choose the item's send flow (an alur.toml code; `-` for the flow of its channel).
    Alur {
        id: u64,
        kode: String,
        #[arg(long)]
        json: bool,
    },
    /// Where the item stands: stage, approvals asked and given, the flow's clocks.
    Status {
        id: u64,
        #[arg(long)]
        json: bool,
    },
    /// diagendakan → terkirim, with the channel's proof (an attachment of the kind alur.toml names for
    /// the channel, or the link receipt of a kriptogram).
    Send {
        id: u64,
        /// The channel: Faksimili, Email Sanapati, Kriptogram, Kurir, Pos, Langsung (alur.toml).
        #[arg(long)]
        saluran: String,
        /// When it was sent: RFC 3339 or "YYYY-MM-DD HH:MM" in the node's zone (default: now).
        #[arg(long)]
        pada: Option<String>,
        /// Sent without the channel's proof: the reason.
        #[arg(long)]
        tanpa_bukti: Option<String>,
        /// Break-glass: a Rahasia / Sangat Rahasia item leaves unsealed. The reason is audited and
        /// raises an alarm.
        #[arg(long)]
        darurat: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

fn call(c: &mut Client, r: KeluarRequest) -> Result<Reply, Fail> {
    Ok(c.call(Request::Keluar(r))?)
}

/// Runs `kasa keluar …`.
pub fn run(paths: &Paths, action: KeluarAction) -> Result<(), Fail> {
    let mut c = connect(paths)?;
    match action {
        KeluarAction::New {
            fields,
            kriptogram,
            alur,
            dari,
            json,
        } => {
            let mut f = fields_from(&fields)?;
            f.kriptogram = kriptogram;
            let r = c.call(Request::KeluarNew { fields: f, dari })?;
            match (alur, r) {
                (Some(a), Reply::Entry { entry, .. }) => {
                    let r = call(
                        &mut c,
                        KeluarRequest::PilihAlur {
                            id: entry.id,
                            alur: Some(a),
                        },
                    )?;
                    entry_reply(r, json);
                }
                (_, r) => entry_reply(r, json),
            }
        }
        KeluarAction::Register { id, json } => {
            entry_reply(c.call(Request::KeluarRegister { id })?, json)
        }
        KeluarAction::Paraf { id, json } => {
            entry_reply(call(&mut c, KeluarRequest::Paraf { id })?, json)
        }
        KeluarAction::Ttd { id, json } => {
            entry_reply(call(&mut c, KeluarRequest::TandaTangan { id })?, json)
        }
        KeluarAction::Tolak { id, catatan, json } => {
            entry_reply(call(&mut c, KeluarRequest::Tolak { id, catatan })?, json)
        }
        KeluarAction::Alur { id, kode, json } => {
            let alur = (kode.trim() != "-").then_some(kode);
            entry_reply(call(&mut c, KeluarRequest::PilihAlur { id, alur })?, json)
        }
        KeluarAction::Status { id, json } => {
            let r = call(&mut c, KeluarRequest::Status { id })?;
            let Reply::Keluar(st) = r else {
                return fail("jawaban node tidak terduga");
            };
            if json {
                print_json(&st);
                return Ok(());
            }
            let KeluarReply::Status {
                entry,
                tahap,
                paraf,
                tanda_tangan,
                kualifikasi,
                alur,
                jam,
                now: _,
            } = st;
            let tz = node_zone(&mut c);
            out!(
                "entri {} · {} · {} · tahap: {}",
                entry.id,
                entry.book.as_str(),
                entry.perihal,
                tahap.label()
            );
            let roles = |v: &[crate::domain::Role]| {
                v.iter().map(|r| r.as_str()).collect::<Vec<_>>().join("/")
            };
            if !paraf.is_empty() {
                out!(
                    "paraf ({}): {}",
                    roles(&paraf),
                    entry
                        .persetujuan
                        .paraf
                        .as_ref()
                        .map_or("belum".into(), |t| format!(
                            "{} {}",
                            t.siapa(),
                            shown(t.at, &tz)
                        ))
                );
            }
            if !tanda_tangan.is_empty() {
                out!(
                    "tanda tangan ({}): {}",
                    roles(&tanda_tangan),
                    entry
                        .persetujuan
                        .tanda_tangan
                        .as_ref()
                        .map_or("belum".into(), |t| format!(
                            "{} {}",
                            t.siapa(),
                            shown(t.at, &tz)
                        ))
                );
            }
            if let Some(k) = kualifikasi {
                out!("pengirim minimal: {}", k.label());
            }
            if let Some(b) = &entry.bukti_kirim {
                out!("bukti kirim: {}", b.ringkas());
            }
            match alur {
                None => out!("alur: — (tanpa alur SOP)"),
                Some(a) => {
                    out!("alur {} — {} ({})", a.kode, a.judul, a.sumber);
                    for (l, j) in a.langkah.iter().zip(&jam) {
                        out!(
                            "  {} {:<9} {} — {}",
                            l.kode,
                            j.keadaan.as_str(),
                            j.selesai.as_ref().map_or_else(
                                || j.batas
                                    .map_or("-".into(), |b| format!("batas {}", shown(b, &tz))),
                                |(t, by)| format!("{} {by}", shown(*t, &tz))
                            ),
                            l.teks
                        );
                    }
                }
            }
        }
        KeluarAction::Send {
            id,
            saluran,
            pada,
            tanpa_bukti,
            darurat,
            json,
        } => {
            let sent_at = match pada {
                Some(p) => Some(parse_time(&p, &node_zone(&mut c))?),
                None => None,
            };
            let r = call(
                &mut c,
                KeluarRequest::Kirim {
                    id,
                    kirim: Kirim {
                        saluran,
                        sent_at,
                        resi_link: None,
                        tanpa_bukti,
                        darurat,
                    },
                },
            )?;
            entry_reply(r, json);
        }
    }
    Ok(())
}
