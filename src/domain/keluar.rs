//! Sending an outgoing item (*berita keluar*): approvals, the channel a klasifikasi may use, the proof
//! of sending, and archiving (issue 14).
//!
//! Sources: seed 003 SOP D (naskah dikecualikan bersandi), E (biasa via faksimili), F (biasa via Email
//! Sanapati), seed 002 (Palangka Raya: berklasifikasi via Email Sanapati, the sandiman holds at least
//! Ahli Sandi Tingkat I), seed 004 (Pekalongan: naskah dikecualikan; disposisi Kadis → Kabid → Kasi →
//! Sandiman, the sandiman encodes and gives the paraf, the Kasi signs; Tingkat II), seed 001 (the four
//! archive sets).
//!
//! The life of an outgoing item ([`Tahap`]): `konsep` → `diparaf` → `ditandatangani` → `siap kirim`
//! (approved and registered) → `disegel` (a kriptogram) → `terkirim` (with its proof) → `diarsipkan`.
//! Which approvals an item needs comes from its flow in `alur.toml` (`paraf`, `tanda_tangan`) or, for a
//! flow that does not say, from `[persetujuan]` for the klasifikasi listed there ([`syarat`]). A
//! rejected approval sends the item back to `konsep` with a note.
//!
//! kasa's seal is final: once sealed the kriptogram goes into the outbox and over the link. So the
//! approvals come before the seal, even where 004 writes the paraf on the encoded draft (langkah 6) and
//! the signature after it (langkah 7): kasa signs the letter that will be encoded.
//!
//! All functions are pure: "now", the operator and the node's facts come in as arguments.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::agenda::{Book, DomainError, Entry, JenisLampiran, Klasifikasi, Status};
use super::alur::AlurSet;
use super::backup::Himpunan;
use super::operator::{Kualifikasi, Operator, Role};

fn err<T>(s: impl Into<String>) -> Result<T, DomainError> {
    Err(DomainError(s.into()))
}

/// One approval mark: who, in which role, when.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Tanda {
    pub uid: u32,
    /// The operator's name at the time.
    pub oleh: String,
    /// The role they acted in.
    pub peran: Role,
    pub at: Timestamp,
    /// True when an admin stood in for `peran` (nobody active on the node holds it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pengganti: bool,
}

impl Tanda {
    /// `Uji kasi (kasi)`, or `root (admin untuk kasi)` for a stand-in.
    pub fn siapa(&self) -> String {
        if self.pengganti {
            format!("{} (admin untuk {})", self.oleh, self.peran.as_str())
        } else {
            format!("{} ({})", self.oleh, self.peran.as_str())
        }
    }
}

/// The approvals of an outgoing item (004 langkah 6–7).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct Persetujuan {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paraf: Option<Tanda>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tanda_tangan: Option<Tanda>,
}

impl Persetujuan {
    /// For `skip_serializing_if`: nothing given yet.
    pub fn is_kosong(&self) -> bool {
        self.paraf.is_none() && self.tanda_tangan.is_none()
    }
}

/// How the sending of an item was proven.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "jenis", rename_all = "snake_case")]
pub enum BuktiKirim {
    /// An attached file: the fax journal, the Sanapati resi, a courier's receipt.
    Lampiran {
        sha256: String,
        nama: String,
        jenis_lampiran: JenisLampiran,
    },
    /// A signed `DITERIMA` receipt from the receiving node over the link (issue 18).
    ResiLink { peer: String, at: Timestamp },
    /// None: sent without proof, with the reason the operator gave.
    TanpaBukti { alasan: String },
}

impl BuktiKirim {
    /// One line for people.
    pub fn ringkas(&self) -> String {
        match self {
            BuktiKirim::Lampiran {
                nama,
                jenis_lampiran,
                ..
            } => format!("{} ({})", nama, jenis_lampiran.as_str()),
            BuktiKirim::ResiLink { peer, .. } => format!("resi DITERIMA dari {peer}"),
            BuktiKirim::TanpaBukti { alasan } => format!("tanpa bukti: {alasan}"),
        }
    }
}

/// What sending an item asks, from its flow and klasifikasi ([`syarat`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Syarat {
    /// The flow's code, if the item follows one.
    pub alur: Option<String>,
    /// Where the flow is written, for refusals ("seed 004").
    pub sumber: String,
    /// Roles that may give the paraf; empty: no paraf asked.
    pub paraf: Vec<Role>,
    /// Roles that may sign; empty: no signature asked.
    pub tanda_tangan: Vec<Role>,
    /// Least qualification of who seals and sends.
    pub kualifikasi: Option<Kualifikasi>,
    /// The flow routes the request down a disposisi chain before the sandiman works on it (004
    /// langkah 2–4): the sealer must be an addressee of a disposisi of the item.
    pub disposisi: bool,
}

impl Syarat {
    /// True when some approval is asked.
    pub fn perlu_persetujuan(&self) -> bool {
        !self.paraf.is_empty() || !self.tanda_tangan.is_empty()
    }
}

/// The approvals, qualification and disposisi an outgoing item needs. The item's flow decides when it
/// names `paraf` / `tanda_tangan`; otherwise `[persetujuan]` applies to the klasifikasi it lists
/// (default Rahasia, Sangat Rahasia: Kasi paraf, Kadis signature).
pub fn syarat(set: &AlurSet, e: &Entry) -> Syarat {
    let a = set.alur_of(e);
    let wajib = e
        .klasifikasi
        .is_some_and(|k| set.persetujuan.wajib_untuk.contains(&k));
    let pick = |own: Option<&Vec<Role>>, dflt: &Vec<Role>| match own {
        Some(v) => v.clone(),
        None if wajib => dflt.clone(),
        None => Vec::new(),
    };
    let mut s = Syarat {
        alur: a.map(|a| a.kode.clone()),
        sumber: a.map(|a| a.sumber.clone()).unwrap_or_default(),
        paraf: pick(a.and_then(|a| a.paraf.as_ref()), &set.persetujuan.paraf),
        tanda_tangan: pick(
            a.and_then(|a| a.tanda_tangan.as_ref()),
            &set.persetujuan.tanda_tangan,
        ),
        kualifikasi: a.and_then(|a| a.kualifikasi),
        disposisi: a.is_some_and(|a| a.langkah.iter().any(|l| l.selesai_oleh == "disposisi")),
    };
    // A dikecualikan item never leaves with fewer approvals than [persetujuan] asks, whatever its
    // flow says.
    if wajib {
        if s.paraf.is_empty() {
            s.paraf = set.persetujuan.paraf.clone();
        }
        if s.tanda_tangan.is_empty() {
            s.tanda_tangan = set.persetujuan.tanda_tangan.clone();
        }
    }
    s
}

/// Where an outgoing item stands.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Tahap {
    Konsep,
    Diparaf,
    Ditandatangani,
    SiapKirim,
    Disegel,
    Terkirim,
    Diarsipkan,
    Batal,
}

impl Tahap {
    /// The label in a 10-cell list column (`sudah ttd` for `ditandatangani`).
    pub fn singkat(self) -> &'static str {
        match self {
            Tahap::Ditandatangani => "sudah ttd",
            t => t.label(),
        }
    }

    /// Indonesian label shown in lists.
    pub fn label(self) -> &'static str {
        match self {
            Tahap::Konsep => "konsep",
            Tahap::Diparaf => "diparaf",
            Tahap::Ditandatangani => "ditandatangani",
            Tahap::SiapKirim => "siap kirim",
            Tahap::Disegel => "disegel",
            Tahap::Terkirim => "terkirim",
            Tahap::Diarsipkan => "diarsipkan",
            Tahap::Batal => "batal",
        }
    }
}

/// True when the entry was sealed as a kriptogram (a `disegel` event on its timeline).
pub fn disegel(e: &Entry) -> bool {
    e.timeline.iter().any(|t| t.kind == "disegel")
}

/// The stage of an outgoing item under `s`.
pub fn tahap(e: &Entry, s: &Syarat) -> Tahap {
    match e.status {
        Status::Batal | Status::Duplikat => return Tahap::Batal,
        Status::Diarsipkan => return Tahap::Diarsipkan,
        Status::Terkirim => return Tahap::Terkirim,
        _ => {}
    }
    if disegel(e) {
        return Tahap::Disegel;
    }
    let p = &e.persetujuan;
    let lengkap = (s.paraf.is_empty() || p.paraf.is_some())
        && (s.tanda_tangan.is_empty() || p.tanda_tangan.is_some());
    if lengkap && e.status == Status::Diagendakan {
        Tahap::SiapKirim
    } else if p.tanda_tangan.is_some() {
        Tahap::Ditandatangani
    } else if p.paraf.is_some() {
        Tahap::Diparaf
    } else {
        Tahap::Konsep
    }
}

/// The role `op` acts in for an approval only `boleh` may give. An operator acts in their own role when
/// it is listed; an admin stands in for the listed roles when no active operator of this node holds any
/// of them (`peran_aktif`: the roles held by active operators): a single-person kamar sandi.
///
/// Errors name the roles asked and what to do.
pub fn peran_untuk(
    op: &Operator,
    boleh: &[Role],
    peran_aktif: &[Role],
    apa: &str,
) -> Result<Role, DomainError> {
    if boleh.contains(&op.role) {
        return Ok(op.role);
    }
    let nama: Vec<&str> = boleh.iter().map(|r| r.as_str()).collect();
    if op.role == Role::Admin
        && let Some(r) = boleh.first()
        && !boleh.iter().any(|r| peran_aktif.contains(r))
    {
        return Ok(*r);
    }
    err(format!(
        "{apa} hanya oleh {} (Anda {}): minta {} memberinya (aturan alur.toml / [persetujuan])",
        nama.join(" atau "),
        op.role.as_str(),
        nama.join(" atau ")
    ))
}

fn outgoing(e: &Entry, what: &str) -> Result<(), DomainError> {
    if e.book.is_incoming() {
        return err(format!(
            "entri {} adalah berita masuk: {what} hanya untuk berita keluar",
            e.id
        ));
    }
    match e.status {
        Status::Draft | Status::Diagendakan => Ok(()),
        s => err(format!(
            "entri {} berstatus {}: {what} hanya sebelum dikirim",
            e.id,
            s.as_str()
        )),
    }
}

impl Entry {
    /// Gives the paraf (004 langkah 6; the Kasi's check by default). Refused on an incoming, sent,
    /// sealed or void item, twice, when no paraf is asked, or by a role the flow does not name.
    pub fn beri_paraf(
        &mut self,
        s: &Syarat,
        op: &Operator,
        peran_aktif: &[Role],
        now: Timestamp,
    ) -> Result<(), DomainError> {
        outgoing(self, "paraf")?;
        if disegel(self) {
            return err(format!(
                "entri {} sudah disegel: paraf tidak lagi berarti",
                self.id
            ));
        }
        if s.paraf.is_empty() {
            return err(format!(
                "entri {} tidak memerlukan paraf (alur {}, klasifikasi {})",
                self.id,
                s.alur.as_deref().unwrap_or("-"),
                self.klasifikasi.map_or("-", |k| k.as_str())
            ));
        }
        if let Some(t) = &self.persetujuan.paraf {
            return err(format!(
                "entri {} sudah diparaf oleh {} ({})",
                self.id,
                t.oleh,
                t.peran.as_str()
            ));
        }
        let peran = peran_untuk(op, &s.paraf, peran_aktif, "paraf")?;
        self.persetujuan.paraf = Some(self.tandai(op, peran, now, "diparaf", "paraf"));
        Ok(())
    }

    /// Signs (004 langkah 7; the Kadis or the delegated signer by default). Needs the paraf first when
    /// one is asked ("konsep → paraf → tanda tangan").
    pub fn tandatangani(
        &mut self,
        s: &Syarat,
        op: &Operator,
        peran_aktif: &[Role],
        now: Timestamp,
    ) -> Result<(), DomainError> {
        outgoing(self, "tanda tangan")?;
        if disegel(self) {
            return err(format!("entri {} sudah disegel", self.id));
        }
        if s.tanda_tangan.is_empty() {
            return err(format!(
                "entri {} tidak memerlukan tanda tangan (alur {})",
                self.id,
                s.alur.as_deref().unwrap_or("-")
            ));
        }
        if !s.paraf.is_empty() && self.persetujuan.paraf.is_none() {
            return err(format!(
                "entri {} belum diparaf: paraf {} dulu, baru tanda tangan (konsep → paraf → tanda tangan)",
                self.id,
                s.paraf
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join("/")
            ));
        }
        if let Some(t) = &self.persetujuan.tanda_tangan {
            return err(format!(
                "entri {} sudah ditandatangani oleh {}",
                self.id, t.oleh
            ));
        }
        let peran = peran_untuk(op, &s.tanda_tangan, peran_aktif, "tanda tangan")?;
        self.persetujuan.tanda_tangan =
            Some(self.tandai(op, peran, now, "ditandatangani", "ditandatangani"));
        Ok(())
    }

    /// The mark of `op` acting as `peran`, with its timeline event `kind` ("paraf kasi", "… (oleh
    /// admin)" for a stand-in).
    fn tandai(
        &mut self,
        op: &Operator,
        peran: Role,
        now: Timestamp,
        kind: &str,
        word: &str,
    ) -> Tanda {
        let pengganti = peran != op.role;
        let detail = format!(
            "{word} {}{}",
            peran.as_str(),
            if pengganti { " (oleh admin)" } else { "" }
        );
        self.push_event(now, Some(op.uid), &op.nama, kind, detail);
        Tanda {
            uid: op.uid,
            oleh: op.nama.clone(),
            peran,
            at: now,
            pengganti,
        }
    }

    /// Sends the item back to `konsep` with a note: the paraf and signature given so far are cleared
    /// (kept in the timeline). Only who may give the paraf or the signature may reject; the note is
    /// required.
    pub fn tolak_persetujuan(
        &mut self,
        s: &Syarat,
        op: &Operator,
        peran_aktif: &[Role],
        catatan: &str,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        outgoing(self, "penolakan")?;
        if disegel(self) {
            return err(format!(
                "entri {} sudah disegel: kriptogramnya sudah di outbox; batalkan entri bila perlu",
                self.id
            ));
        }
        let catatan = catatan.trim();
        if catatan.is_empty() {
            return err(
                "tulis alasan penolakan (catatan): konsepnya kembali ke penyusun dengan catatan itu",
            );
        }
        if catatan.chars().count() > super::agenda::MAX_TEXT_CHARS
            || catatan.chars().any(char::is_control)
        {
            return err("catatan terlalu panjang atau berisi karakter kendali");
        }
        let mut boleh = s.paraf.clone();
        boleh.extend(s.tanda_tangan.iter().copied());
        if boleh.is_empty() {
            return err(format!("entri {} tidak memerlukan persetujuan", self.id));
        }
        let peran = peran_untuk(op, &boleh, peran_aktif, "penolakan")?;
        self.persetujuan = Persetujuan::default();
        self.push_event(
            now,
            Some(op.uid),
            &op.nama,
            "ditolak",
            format!("dikembalikan ke konsep oleh {}: {catatan}", peran.as_str()),
        );
        Ok(())
    }

    /// May `op` seal this item now? The approvals asked must be given, the sealer must hold the flow's
    /// qualification and, on a flow with a disposisi chain (004), be an addressee of a disposisi of the
    /// item (`disposisi_ke_op`). Incoming items are sealed as copies and skip these checks.
    pub fn check_segel(
        &self,
        s: &Syarat,
        op: &Operator,
        disposisi_ke_op: bool,
    ) -> Result<(), DomainError> {
        if self.book.is_incoming() {
            return Ok(());
        }
        outgoing(self, "penyegelan")?;
        self.check_persetujuan(s, "disegel")?;
        check_kualifikasi(s, op, "menyegel")?;
        if s.disposisi && !disposisi_ke_op && op.role != Role::Admin {
            return err(format!(
                "entri {}: alur {} ({}) menugaskan sandiman lewat disposisi (Kadis → Kabid → Kasi → Sandiman); Anda belum menerima disposisinya — tunggu disposisi sampai kepada Anda",
                self.id,
                s.alur.as_deref().unwrap_or("-"),
                s.sumber
            ));
        }
        Ok(())
    }

    fn check_persetujuan(&self, s: &Syarat, apa: &str) -> Result<(), DomainError> {
        if !s.paraf.is_empty() && self.persetujuan.paraf.is_none() {
            return err(format!(
                "entri {} belum diparaf ({}): tidak boleh {apa} sebelum paraf {} dan tanda tangan",
                self.id,
                self.klasifikasi.map_or("-", |k| k.as_str()),
                s.paraf
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join("/")
            ));
        }
        if !s.tanda_tangan.is_empty() && self.persetujuan.tanda_tangan.is_none() {
            return err(format!(
                "entri {} belum ditandatangani: tidak boleh {apa} sebelum tanda tangan {}",
                self.id,
                s.tanda_tangan
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join("/")
            ));
        }
        Ok(())
    }

    /// Records the item as sent (`diagendakan` → `terkirim`), under every rule of issue 14:
    /// - the approvals asked are given;
    /// - the sender holds the flow's qualification (002: Tingkat I, 004: Tingkat II);
    /// - Rahasia and Sangat Rahasia leave only sealed as a kriptogram; otherwise only on the
    ///   break-glass path (`k.darurat` with a reason), and the caller must then audit and alarm —
    ///   the return value is `true`;
    /// - the channel is one of `alur.toml`'s list and its proof is at hand: an attachment of a kind
    ///   the channel names, a link receipt (`k.resi_link`), or `k.tanpa_bukti` with a reason;
    /// - the send time is not in the future nor before the item was registered.
    pub fn kirim(
        &mut self,
        set: &AlurSet,
        s: &Syarat,
        k: &Kirim,
        op: &Operator,
        now: Timestamp,
    ) -> Result<bool, DomainError> {
        if self.book.is_incoming() {
            return err(format!("entri {} adalah berita masuk", self.id));
        }
        if self.status != Status::Diagendakan {
            return err(format!(
                "entri {} berstatus {}: agendakan dulu (draft → diagendakan → terkirim)",
                self.id,
                self.status.as_str()
            ));
        }
        self.check_persetujuan(s, "dikirim")?;
        check_kualifikasi(s, op, "mengirim")?;
        let saluran = set.check_saluran(&k.saluran).map_err(DomainError)?;
        let dikecualikan = self.klasifikasi.is_some_and(Klasifikasi::is_dikecualikan);
        let mut darurat = false;
        if dikecualikan && !disegel(self) {
            match k.darurat.as_deref().map(str::trim) {
                Some(r) if !r.is_empty() => darurat = true,
                _ => {
                    return err(format!(
                        "entri {} berklasifikasi {}: hanya boleh keluar tersegel sebagai kriptogram ke peer terverifikasi (003 SOP D, 004) — segel dulu (K / kasa kriptogram seal --entry {}), atau jalur darurat dengan --darurat \"alasan\" (diaudit dan menyalakan alarm)",
                        self.id,
                        self.klasifikasi.map_or("-", |k| k.as_str()),
                        self.id
                    ));
                }
            }
        }
        let at = k.sent_at.unwrap_or(now);
        if at > now {
            return err(
                "waktu kirim di masa depan: tulis waktu sebenarnya (atau kosongkan untuk sekarang)",
            );
        }
        if let Some(r) = self.registered_at
            && at < r
        {
            return err(format!(
                "waktu kirim {at} sebelum entri diagendakan ({r}): periksa waktunya"
            ));
        }
        let ch = set.saluran(&saluran);
        let minta: &[JenisLampiran] = ch.map_or(&[], |c| c.bukti.as_slice());
        let bukti = if let Some(p) = &k.resi_link {
            BuktiKirim::ResiLink {
                peer: p.clone(),
                at,
            }
        } else if let Some(a) = self
            .attachments
            .iter()
            .rev()
            .find(|a| minta.contains(&a.jenis))
        {
            BuktiKirim::Lampiran {
                sha256: a.sha256.clone(),
                nama: a.name.clone(),
                jenis_lampiran: a.jenis,
            }
        } else {
            match k.tanpa_bukti.as_deref().map(str::trim) {
                Some(r) if !r.is_empty() => BuktiKirim::TanpaBukti {
                    alasan: r.to_string(),
                },
                _ if minta.is_empty() => BuktiKirim::TanpaBukti {
                    alasan: format!("saluran {saluran} tidak meminta bukti"),
                },
                _ => {
                    let kinds: Vec<&str> = minta.iter().map(|j| j.as_str()).collect();
                    return err(format!(
                        "bukti kirim {saluran} belum ada: lampirkan {} (kasa agenda attach {} BERKAS --kind {}), atau kirim dengan --tanpa-bukti \"alasan\"",
                        kinds.join(" atau "),
                        self.id,
                        kinds[0]
                    ));
                }
            }
        };
        self.status = Status::Terkirim;
        self.saluran = saluran.clone();
        self.sent_at = Some(at);
        let mut detail = format!("via {saluran}; bukti: {}", bukti.ringkas());
        if darurat {
            detail.push_str(&format!(
                "; JALUR DARURAT tanpa segel: {}",
                k.darurat.as_deref().unwrap_or("").trim()
            ));
        }
        self.bukti_kirim = Some(bukti);
        self.push_event(now, Some(op.uid), &op.nama, "terkirim", detail);
        Ok(darurat)
    }

    /// Archives an item (SOP 001 langkah 5; 003 SOP A5/B5/C6/D6/F8): a sent outgoing item or a
    /// registered incoming one goes to `diarsipkan`, into one of the four sets of SOP 001 (kirim/terima
    /// × biasa/dikecualikan), named in the event. Returns the set.
    pub fn arsipkan(
        &mut self,
        note: &str,
        now: Timestamp,
        op: &Operator,
    ) -> Result<Himpunan, DomainError> {
        let ok = if self.book.is_incoming() {
            matches!(
                self.status,
                Status::Teragenda | Status::Didisposisi | Status::Selesai
            )
        } else {
            self.status == Status::Terkirim
        };
        if !ok {
            return err(format!(
                "entri {} berstatus {}: yang diarsipkan hanya berita masuk yang sudah diagendakan/selesai dan berita keluar yang sudah terkirim",
                self.id,
                self.status.as_str()
            ));
        }
        let h = Himpunan::of(self);
        self.status = Status::Diarsipkan;
        let note = note.trim();
        let detail = if note.is_empty() {
            format!("map {}", h.label())
        } else {
            format!("map {}; {note}", h.label())
        };
        self.push_event(now, Some(op.uid), &op.nama, "diarsipkan", detail);
        Ok(h)
    }
}

fn check_kualifikasi(s: &Syarat, op: &Operator, apa: &str) -> Result<(), DomainError> {
    if let Some(k) = s.kualifikasi
        && op.kualifikasi < k
    {
        return err(format!(
            "{apa} berita alur {} ({}) memerlukan {}; kualifikasi Anda: {} — serahkan kepada sandiman yang memenuhi syarat",
            s.alur.as_deref().unwrap_or("-"),
            s.sumber,
            k.label(),
            op.kualifikasi.label()
        ));
    }
    Ok(())
}

/// What the sender says when recording an item as sent ([`Entry::kirim`]).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct Kirim {
    /// The channel, one of `alur.toml`'s list (`Faksimili`, `Email Sanapati`, `Kriptogram`, `Kurir`, …).
    pub saluran: String,
    /// When it was sent (default now): the time written on the back of the letter (003 SOP E/F
    /// langkah 5).
    #[serde(default)]
    pub sent_at: Option<Timestamp>,
    /// The peer whose `DITERIMA` receipt proves it (set by the node, never by a client).
    #[serde(default, skip)]
    pub resi_link: Option<String>,
    /// Sent without the channel's proof, with the reason.
    #[serde(default)]
    pub tanpa_bukti: Option<String>,
    /// Break-glass: a Rahasia / Sangat Rahasia item leaves unsealed, with the reason (audited, alarms).
    #[serde(default)]
    pub darurat: Option<String>,
}

/// True for the books of outgoing items.
pub fn is_keluar(b: Book) -> bool {
    matches!(b, Book::Keluar | Book::KriptogramKeluar)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::agenda::{Attachment, RegisterFields};

    fn op(uid: u32, role: Role, k: Kualifikasi) -> Operator {
        Operator {
            uid,
            username: role.as_str().into(),
            nama: format!("Uji {}", role.as_str()),
            nip: String::new(),
            jabatan: String::new(),
            role,
            kualifikasi: k,
            disabled: false,
        }
    }

    fn t(m: i64) -> Timestamp {
        Timestamp::from_second(1_780_000_000 + m * 60).unwrap()
    }

    fn draft(k: Klasifikasi, kriptogram: bool) -> Entry {
        let f = RegisterFields {
            perihal: "Laporan".into(),
            klasifikasi: Some(k),
            kriptogram,
            ..Default::default()
        };
        Entry::new_keluar(7, &f, t(0), &op(1, Role::Sandiman, Kualifikasi::TingkatIi))
    }

    /// A mark given by `uid` in `peran` at minute `m`.
    fn given(uid: u32, peran: Role, m: i64) -> Tanda {
        Tanda {
            uid,
            oleh: format!("uid {uid}"),
            peran,
            at: t(m),
            pengganti: false,
        }
    }

    const AKTIF: [Role; 4] = [Role::Kadis, Role::Kabid, Role::Kasi, Role::Sandiman];

    #[test]
    fn rahasia_needs_paraf_then_signature_by_the_named_roles() {
        let set = AlurSet::default();
        let sandiman = op(4, Role::Sandiman, Kualifikasi::TingkatIi);
        let kasi = op(3, Role::Kasi, Kualifikasi::TingkatIi);
        let kadis = op(1, Role::Kadis, Kualifikasi::Tanpa);
        let mut e = draft(Klasifikasi::Rahasia, true);
        let s = syarat(&set, &e);
        assert_eq!(s.alur.as_deref(), Some("D"));
        assert_eq!(
            (s.paraf.clone(), s.tanda_tangan.clone()),
            (vec![Role::Kasi], vec![Role::Kadis])
        );
        assert_eq!(tahap(&e, &s), Tahap::Konsep);
        let m = e.tandatangani(&s, &kadis, &AKTIF, t(1)).unwrap_err().0;
        assert!(m.contains("belum diparaf"), "{m}");
        let m = e.beri_paraf(&s, &sandiman, &AKTIF, t(1)).unwrap_err().0;
        assert!(m.contains("paraf hanya oleh kasi"), "{m}");
        assert!(
            e.check_segel(&s, &sandiman, true)
                .unwrap_err()
                .0
                .contains("belum diparaf")
        );
        e.beri_paraf(&s, &kasi, &AKTIF, t(2)).unwrap();
        assert_eq!(tahap(&e, &s), Tahap::Diparaf);
        assert!(e.tandatangani(&s, &kasi, &AKTIF, t(3)).is_err());
        e.tandatangani(&s, &kadis, &AKTIF, t(3)).unwrap();
        assert_eq!(tahap(&e, &s), Tahap::Ditandatangani);
        e.keluar_register(2026, 1, t(4), &sandiman).unwrap();
        assert_eq!(tahap(&e, &s), Tahap::SiapKirim);
        e.check_segel(&s, &sandiman, true).unwrap();
        // A rejection sends it back to konsep with the note; the timeline keeps both marks.
        let m = e
            .tolak_persetujuan(&s, &kadis, &AKTIF, " ", t(5))
            .unwrap_err()
            .0;
        assert!(m.contains("alasan"), "{m}");
        e.tolak_persetujuan(&s, &kadis, &AKTIF, "lampiran kurang", t(5))
            .unwrap();
        assert_eq!(tahap(&e, &s), Tahap::Konsep);
        let kinds: Vec<&str> = e.timeline.iter().map(|t| t.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "draft",
                "diparaf",
                "ditandatangani",
                "diagendakan",
                "ditolak"
            ]
        );
    }

    #[test]
    fn an_admin_stands_in_only_for_roles_nobody_holds() {
        let set = AlurSet::default();
        let admin = op(0, Role::Admin, Kualifikasi::TingkatIi);
        let mut e = draft(Klasifikasi::SangatRahasia, true);
        let s = syarat(&set, &e);
        assert!(e.beri_paraf(&s, &admin, &AKTIF, t(1)).is_err());
        e.beri_paraf(&s, &admin, &[], t(1)).unwrap();
        let p = e.persetujuan.paraf.as_ref().unwrap();
        assert_eq!((p.peran, p.pengganti), (Role::Kasi, true));
        assert!(p.siapa().contains("admin untuk kasi"), "{}", p.siapa());
    }

    #[test]
    fn rahasia_leaves_only_sealed_or_on_the_break_glass_path() {
        let set = AlurSet::default();
        let sandiman = op(4, Role::Sandiman, Kualifikasi::TingkatIi);
        let mut e = draft(Klasifikasi::Rahasia, false);
        e.persetujuan.paraf = Some(given(3, Role::Kasi, 1));
        e.persetujuan.tanda_tangan = Some(given(1, Role::Kadis, 2));
        e.keluar_register(2026, 2, t(3), &sandiman).unwrap();
        let s = syarat(&set, &e);
        let fax = Kirim {
            saluran: "Faksimili".into(),
            ..Default::default()
        };
        let m = e.kirim(&set, &s, &fax, &sandiman, t(4)).unwrap_err().0;
        assert!(m.contains("hanya boleh keluar tersegel"), "{m}");
        let darurat = Kirim {
            darurat: Some("jaringan sandi putus, perintah Kadis".into()),
            tanpa_bukti: Some("faks rusak, jurnal tidak tercetak".into()),
            ..fax.clone()
        };
        assert!(e.kirim(&set, &s, &darurat, &sandiman, t(4)).unwrap());
        assert_eq!(e.status, Status::Terkirim);
        assert!(e.timeline.last().unwrap().detail.contains("JALUR DARURAT"));
    }

    #[test]
    fn the_channel_asks_its_proof_and_the_time_can_be_given() {
        let set = AlurSet::default();
        let sandiman = op(4, Role::Sandiman, Kualifikasi::TingkatI);
        let mut e = draft(Klasifikasi::Biasa, false);
        e.keluar_register(2026, 3, t(1), &sandiman).unwrap();
        let s = syarat(&set, &e);
        assert!(!s.perlu_persetujuan());
        let fax = Kirim {
            saluran: "faksimili".into(),
            ..Default::default()
        };
        let m = e.kirim(&set, &s, &fax, &sandiman, t(10)).unwrap_err().0;
        assert!(
            m.contains("jurnal-faks") && m.contains("--tanpa-bukti"),
            "{m}"
        );
        let m = e
            .kirim(
                &set,
                &s,
                &Kirim {
                    saluran: "Telegram".into(),
                    ..Default::default()
                },
                &sandiman,
                t(10),
            )
            .unwrap_err()
            .0;
        assert!(m.contains("tidak ada dalam daftar"), "{m}");
        e.attachments.push(Attachment {
            sha256: "ab".into(),
            name: "jurnal.pdf".into(),
            mime: "application/pdf".into(),
            size: 1,
            pages: Some(1),
            encrypted_at_rest: false,
            jenis: JenisLampiran::JurnalFaks,
        });
        let future = Kirim {
            sent_at: Some(t(11)),
            ..fax.clone()
        };
        assert!(
            e.kirim(&set, &s, &future, &sandiman, t(10))
                .unwrap_err()
                .0
                .contains("masa depan")
        );
        let early = Kirim {
            sent_at: Some(t(0)),
            ..fax.clone()
        };
        assert!(
            e.kirim(&set, &s, &early, &sandiman, t(10))
                .unwrap_err()
                .0
                .contains("sebelum")
        );
        let at = Kirim {
            sent_at: Some(t(5)),
            ..fax
        };
        assert!(!e.kirim(&set, &s, &at, &sandiman, t(10)).unwrap());
        assert_eq!(e.saluran, "Faksimili");
        assert_eq!(e.sent_at, Some(t(5)));
        assert_eq!(
            e.bukti_kirim.as_ref().unwrap().ringkas(),
            "jurnal.pdf (jurnal-faks)"
        );
        let h = e.arsipkan("", t(12), &sandiman).unwrap();
        assert_eq!(h, Himpunan::KirimBiasa);
        assert_eq!(e.status, Status::Diarsipkan);
        assert!(e.arsipkan("", t(13), &sandiman).is_err());
    }

    #[test]
    fn pekalongan_flow_asks_tingkat_ii_and_the_disposisi() {
        let set = AlurSet::default();
        let mut e = draft(Klasifikasi::Rahasia, true);
        e.alur = Some("PK".into());
        let s = syarat(&set, &e);
        assert_eq!(
            (s.paraf.clone(), s.tanda_tangan.clone()),
            (vec![Role::Sandiman], vec![Role::Kasi])
        );
        assert!(s.disposisi);
        e.persetujuan.paraf = Some(given(4, Role::Sandiman, 1));
        e.persetujuan.tanda_tangan = Some(given(3, Role::Kasi, 2));
        let level_i = op(5, Role::Sandiman, Kualifikasi::TingkatI);
        let m = e.check_segel(&s, &level_i, true).unwrap_err().0;
        assert!(m.contains("Tingkat II") && m.contains("seed 004"), "{m}");
        let level_ii = op(4, Role::Sandiman, Kualifikasi::TingkatIi);
        let m = e.check_segel(&s, &level_ii, false).unwrap_err().0;
        assert!(m.contains("disposisi"), "{m}");
        e.check_segel(&s, &level_ii, true).unwrap();
    }
}
