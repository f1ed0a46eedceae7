//! Who may do what: one table of action × role × qualification (DESIGN §8), with the actors the SOPs in
//! `shared/seeds/` assign. The node checks it on every request ([`periksa`]); the console and
//! `docs/permissions.md` show the same table ([`TABEL`]).
//!
//! Sources, by rule: seed 000 (repair of crypto equipment, step actors), 002 (Palangka Raya, Email
//! Sanapati: the sandiman holds at least *Ahli Sandi Tingkat I*), 003 SOP A–F (the sandiman receives,
//! registers, decodes, distributes, sends), 003 PI.03 (the C2 decision by the responsible official),
//! 004 (Pekalongan, naskah dikecualikan: the sandiman holds at least *Ahli Sandi Tingkat II*; paraf by
//! the Kasi, signature by the Kadis), DESIGN §8 (operators managed by an admin).
//!
//! Two kinds of work are told apart by the item's klasifikasi ([`Lingkup`]): *biasa* (Biasa) and
//! *dikecualikan* (Terbatas, Rahasia, Sangat Rahasia), as SOP 001 and 003 do.

use serde::{Deserialize, Serialize};

use super::agenda::Klasifikasi;
use super::operator::{Kualifikasi, Operator, Role};

/// The item an action touches, by its klasifikasi (SOP 001/003: *biasa* vs *dikecualikan*).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Lingkup {
    /// Biasa, or no item / not yet classified.
    Biasa,
    /// Terbatas, Rahasia or Sangat Rahasia (naskah dinas dikecualikan).
    Dikecualikan,
}

impl Lingkup {
    /// The scope of an item of klasifikasi `k` (`None`: not yet classified, treated as biasa).
    pub fn of(k: Option<Klasifikasi>) -> Lingkup {
        match k {
            None | Some(Klasifikasi::Biasa) => Lingkup::Biasa,
            Some(_) => Lingkup::Dikecualikan,
        }
    }

    /// Machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Lingkup::Biasa => "biasa",
            Lingkup::Dikecualikan => "dikecualikan",
        }
    }
}

/// Every action the node gates. The machine name (`as_str`) is what refusals, the audit and
/// `docs/permissions.md` show.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Aksi {
    /// Add, edit, enable, disable operators.
    OperatorKelola,
    /// Stop the node.
    NodeStop,
    /// Unlock the node keystore with its passphrase.
    NodeUnlock,
    /// Export the node identity for the `age` tool (break-glass).
    IdentitasEkspor,
    /// Add or verify a peer node (pola hubungan komunikasi sandi).
    PeerKelola,
    /// List and show agenda entries, alarms, audit, status.
    Lihat,
    /// Hand files to the ingest path (003 A1/B1/C1: the sandiman receives).
    BerkasTerima,
    /// Register an incoming item in the buku agenda (003 A2/B2/C2: the sandiman records).
    AgendaRegistrasi,
    /// Add a note to an entry.
    AgendaCatatan,
    /// Link an entry as duplicate of another (003 C: a berita received twice is distributed once).
    AgendaDuplikat,
    /// Void an entry (the number stays used; a correction a superior answers for).
    AgendaBatal,
    /// Hand a received item to an internal recipient and record its tanda terima (003 A3/B3/C4).
    AgendaDistribusi,
    /// Record that an item was re-entered in SI APEL (003 A4/B4/C5).
    AgendaSiApel,
    /// Close an entry (selesai / diarsipkan).
    AgendaTutup,
    /// Write a draft of an outgoing item (konsep): any author.
    KeluarKonsep,
    /// Register an outgoing item (nomor agenda keluar).
    KeluarRegistrasi,
    /// Record an outgoing item as sent (003 D/E/F, 002, 004).
    KeluarKirim,
    /// Give the paraf on an outgoing item, or send it back to konsep (004 langkah 6; who exactly:
    /// the flow in `alur.toml`).
    KeluarParaf,
    /// Sign an outgoing item (004 langkah 7; who exactly: the flow in `alur.toml`).
    KeluarTandaTangan,
    /// Seal a kriptogram (004 langkah 6: the sandiman encodes).
    KriptogramSegel,
    /// Open a kriptogram (003 A2: the sandiman decodes).
    KriptogramBuka,
    /// Check a kriptogram's signature and addressing without opening it.
    KriptogramPeriksa,
    /// Read or export an attachment's content.
    LampiranBaca,
    /// Acknowledge an alarm.
    AlarmAkui,
    /// Start, forward, read, finish, return, cancel a disposisi (who and to whom: `disposisi.toml`).
    Disposisi,
    /// Add, edit, check out/in equipment, key material, periodic duties (the sandiman keeps the register).
    PalsanCatat,
    /// Dispose of equipment (pemusnahan / penghapusan, berita acara).
    PalsanHapus,
    /// Record a repair step performed by the sandiman (000 langkah 1, 10, 14).
    PerbaikanSandiman,
    /// Record a repair step of the Kasi (000 langkah 2, 4, 5, 9).
    PerbaikanKasi,
    /// Record a repair step of the Kabid (000 langkah 3, 6).
    PerbaikanKabid,
    /// Record the Kadis's signature of the NPKND (000 langkah 7).
    PerbaikanKadis,
    /// Record a step of an outside party on its behalf: Sekda (000 langkah 8), BSSN (11–13).
    PerbaikanLuar,
    /// Open an incident, log lines, ticks, evidence, custody, status (PI.03: anyone who sees it reports).
    InsidenCatat,
    /// Record the PI.03 C2 decision (continue or stop the activity).
    InsidenKeputusan,
    /// Void an incident opened by mistake, or merge a duplicate into another (PI.03 III: the
    /// koordinator's decision, not the typist's).
    InsidenBatal,
    /// Keep one's own drafts.
    Draf,
    /// Write a backup (SOP 001 langkah 5–7, PI.01 III.2: the sandiman / koordinator backs up).
    CadanganBuat,
    /// Run a restore test (PI.01 III.1, V.4: the Kepala Seksi checks the backup can be restored).
    CadanganUji,
}

impl Aksi {
    /// Machine name shown in refusals and docs.
    pub fn as_str(self) -> &'static str {
        match self {
            Aksi::OperatorKelola => "operator.kelola",
            Aksi::NodeStop => "node.stop",
            Aksi::NodeUnlock => "node.unlock",
            Aksi::IdentitasEkspor => "identitas.ekspor",
            Aksi::PeerKelola => "peer.kelola",
            Aksi::Lihat => "lihat",
            Aksi::BerkasTerima => "berkas.terima",
            Aksi::AgendaRegistrasi => "agenda.registrasi",
            Aksi::AgendaCatatan => "agenda.catatan",
            Aksi::AgendaDuplikat => "agenda.duplikat",
            Aksi::AgendaBatal => "agenda.batal",
            Aksi::AgendaDistribusi => "agenda.distribusi",
            Aksi::AgendaSiApel => "agenda.siapel",
            Aksi::AgendaTutup => "agenda.tutup",
            Aksi::KeluarKonsep => "keluar.konsep",
            Aksi::KeluarRegistrasi => "keluar.registrasi",
            Aksi::KeluarKirim => "keluar.kirim",
            Aksi::KeluarParaf => "keluar.paraf",
            Aksi::KeluarTandaTangan => "keluar.tanda_tangan",
            Aksi::KriptogramSegel => "kriptogram.segel",
            Aksi::KriptogramBuka => "kriptogram.buka",
            Aksi::KriptogramPeriksa => "kriptogram.periksa",
            Aksi::LampiranBaca => "lampiran.baca",
            Aksi::AlarmAkui => "alarm.akui",
            Aksi::Disposisi => "disposisi",
            Aksi::PalsanCatat => "palsan.catat",
            Aksi::PalsanHapus => "palsan.hapus",
            Aksi::PerbaikanSandiman => "perbaikan.sandiman",
            Aksi::PerbaikanKasi => "perbaikan.kasi",
            Aksi::PerbaikanKabid => "perbaikan.kabid",
            Aksi::PerbaikanKadis => "perbaikan.kadis",
            Aksi::PerbaikanLuar => "perbaikan.luar",
            Aksi::InsidenCatat => "insiden.catat",
            Aksi::InsidenKeputusan => "insiden.keputusan",
            Aksi::InsidenBatal => "insiden.batal",
            Aksi::Draf => "draf",
            Aksi::CadanganBuat => "cadangan.buat",
            Aksi::CadanganUji => "cadangan.uji",
        }
    }
}

/// One row of the table: who may do `aksi` on items of `lingkup`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aturan {
    pub aksi: Aksi,
    pub lingkup: Lingkup,
    /// Roles allowed.
    pub peran: &'static [Role],
    /// Least qualification of the *pelaksana* roles (sandiman, kasi, admin) for this row. The pimpinan
    /// (Kadis, Kabid) are addressees and signers, not operators of the equipment: the level does not
    /// apply to them.
    pub tingkat: Kualifikasi,
    /// Where the rule comes from.
    pub sumber: &'static str,
}

const SEMUA: &[Role] = &[
    Role::Kadis,
    Role::Kabid,
    Role::Kasi,
    Role::Sandiman,
    Role::Admin,
];
/// The operators of the kamar sandi. The admin keeps the box and, on a single-user node, is its sandiman.
const PELAKSANA: &[Role] = &[Role::Sandiman, Role::Kasi, Role::Admin];
const ADMIN: &[Role] = &[Role::Admin];
const PIMPINAN_KASI: &[Role] = &[Role::Kadis, Role::Kabid, Role::Kasi];
/// Voiding: a correction of the agenda book the Kasi or a superior answers for; the admin (who keeps
/// the book of a single-user node) too, never a sandiman.
const BATAL: &[Role] = &[Role::Kadis, Role::Kabid, Role::Kasi, Role::Admin];
const KASI_ADMIN: &[Role] = &[Role::Kasi, Role::Admin];
/// Who may give a paraf: the flow in `alur.toml` narrows it (default the Kasi; 004: the sandiman).
const PENYETUJU: &[Role] = &[
    Role::Kadis,
    Role::Kabid,
    Role::Kasi,
    Role::Sandiman,
    Role::Admin,
];
/// Who may sign: the pimpinan and the Kasi (004 langkah 7), narrowed by the flow (default the Kadis).
const PENANDATANGAN: &[Role] = &[Role::Kadis, Role::Kabid, Role::Kasi, Role::Admin];
const DIKECUALIKAN_BACA: &[Role] = &[
    Role::Kadis,
    Role::Kabid,
    Role::Kasi,
    Role::Sandiman,
    Role::Admin,
];

use Kualifikasi::{Tanpa, TingkatI, TingkatIi};
use Lingkup::{Biasa, Dikecualikan};

const fn r(
    aksi: Aksi,
    lingkup: Lingkup,
    peran: &'static [Role],
    tingkat: Kualifikasi,
    sumber: &'static str,
) -> Aturan {
    Aturan {
        aksi,
        lingkup,
        peran,
        tingkat,
        sumber,
    }
}

/// The permission table. A pair (aksi, lingkup) absent from it is refused; every pair the node uses is
/// present (tested).
pub const TABEL: &[Aturan] = &[
    r(Aksi::OperatorKelola, Biasa, ADMIN, Tanpa, "DESIGN §8"),
    r(Aksi::NodeStop, Biasa, ADMIN, Tanpa, "DESIGN §1"),
    r(Aksi::NodeUnlock, Biasa, PELAKSANA, Tanpa, "DESIGN §5"),
    r(
        Aksi::IdentitasEkspor,
        Biasa,
        ADMIN,
        Tanpa,
        "DESIGN §5 (break-glass)",
    ),
    r(
        Aksi::PeerKelola,
        Biasa,
        KASI_ADMIN,
        Tanpa,
        "DESIGN §5 (pola hubungan)",
    ),
    r(Aksi::Lihat, Biasa, SEMUA, Tanpa, "-"),
    r(Aksi::Lihat, Dikecualikan, SEMUA, Tanpa, "-"),
    r(Aksi::BerkasTerima, Biasa, PELAKSANA, Tanpa, "003 A1/B1/C1"),
    r(Aksi::AgendaRegistrasi, Biasa, PELAKSANA, Tanpa, "003 B2/C2"),
    r(
        Aksi::AgendaRegistrasi,
        Dikecualikan,
        PELAKSANA,
        Tanpa,
        "003 A2",
    ),
    r(Aksi::AgendaCatatan, Biasa, SEMUA, Tanpa, "-"),
    r(Aksi::AgendaCatatan, Dikecualikan, SEMUA, Tanpa, "-"),
    r(Aksi::AgendaDuplikat, Biasa, PELAKSANA, Tanpa, "003 C"),
    r(
        Aksi::AgendaDuplikat,
        Dikecualikan,
        PELAKSANA,
        Tanpa,
        "003 C",
    ),
    r(
        Aksi::AgendaBatal,
        Biasa,
        BATAL,
        Tanpa,
        "buku agenda: koreksi oleh atasan",
    ),
    r(
        Aksi::AgendaBatal,
        Dikecualikan,
        BATAL,
        Tanpa,
        "buku agenda: koreksi oleh atasan",
    ),
    r(Aksi::AgendaDistribusi, Biasa, PELAKSANA, Tanpa, "003 B3/C4"),
    r(
        Aksi::AgendaDistribusi,
        Dikecualikan,
        PELAKSANA,
        Tanpa,
        "003 A3",
    ),
    r(Aksi::AgendaSiApel, Biasa, PELAKSANA, Tanpa, "003 B4/C5"),
    r(Aksi::AgendaSiApel, Dikecualikan, PELAKSANA, Tanpa, "003 A4"),
    r(Aksi::AgendaTutup, Biasa, PELAKSANA, Tanpa, "003 B5/C6"),
    r(Aksi::AgendaTutup, Dikecualikan, PELAKSANA, Tanpa, "003 A5"),
    r(Aksi::KeluarKonsep, Biasa, SEMUA, Tanpa, "004 langkah 1"),
    r(
        Aksi::KeluarKonsep,
        Dikecualikan,
        SEMUA,
        Tanpa,
        "004 langkah 1",
    ),
    r(Aksi::KeluarRegistrasi, Biasa, PELAKSANA, Tanpa, "003 E/F"),
    r(
        Aksi::KeluarRegistrasi,
        Dikecualikan,
        PELAKSANA,
        TingkatIi,
        "004 syarat 2",
    ),
    r(
        Aksi::KeluarKirim,
        Biasa,
        PELAKSANA,
        TingkatI,
        "002 syarat; 003 E/F",
    ),
    r(
        Aksi::KeluarKirim,
        Dikecualikan,
        PELAKSANA,
        TingkatIi,
        "004 syarat 2; 003 D",
    ),
    r(
        Aksi::KeluarParaf,
        Biasa,
        PENYETUJU,
        Tanpa,
        "004 langkah 6; alur.toml",
    ),
    r(
        Aksi::KeluarParaf,
        Dikecualikan,
        PENYETUJU,
        Tanpa,
        "004 langkah 6; alur.toml",
    ),
    r(
        Aksi::KeluarTandaTangan,
        Biasa,
        PENANDATANGAN,
        Tanpa,
        "004 langkah 7; alur.toml",
    ),
    r(
        Aksi::KeluarTandaTangan,
        Dikecualikan,
        PENANDATANGAN,
        Tanpa,
        "004 langkah 7; alur.toml",
    ),
    r(
        Aksi::KriptogramSegel,
        Biasa,
        PELAKSANA,
        TingkatIi,
        "004 langkah 6",
    ),
    r(
        Aksi::KriptogramSegel,
        Dikecualikan,
        PELAKSANA,
        TingkatIi,
        "004 langkah 6",
    ),
    r(
        Aksi::KriptogramBuka,
        Biasa,
        PELAKSANA,
        TingkatIi,
        "003 A2; 004 syarat 2",
    ),
    r(
        Aksi::KriptogramBuka,
        Dikecualikan,
        PELAKSANA,
        TingkatIi,
        "003 A2; 004 syarat 2",
    ),
    r(Aksi::KriptogramPeriksa, Biasa, PELAKSANA, Tanpa, "003 A2"),
    r(Aksi::LampiranBaca, Biasa, SEMUA, Tanpa, "-"),
    r(
        Aksi::LampiranBaca,
        Dikecualikan,
        DIKECUALIKAN_BACA,
        TingkatIi,
        "004 syarat 2; SOP 001",
    ),
    r(
        Aksi::AlarmAkui,
        Biasa,
        KASI_ADMIN,
        Tanpa,
        "PI.03 (eskalasi ke Kasi)",
    ),
    r(
        Aksi::Disposisi,
        Biasa,
        SEMUA,
        Tanpa,
        "004 langkah 1–4; disposisi.toml",
    ),
    r(
        Aksi::Disposisi,
        Dikecualikan,
        SEMUA,
        Tanpa,
        "004 langkah 1–4; disposisi.toml",
    ),
    r(
        Aksi::PalsanCatat,
        Biasa,
        PELAKSANA,
        Tanpa,
        "000; Lampiran III–V",
    ),
    r(
        Aksi::PalsanHapus,
        Biasa,
        PIMPINAN_KASI,
        Tanpa,
        "berita acara penghapusan",
    ),
    r(
        Aksi::PerbaikanSandiman,
        Biasa,
        PELAKSANA,
        Tanpa,
        "000 langkah 1, 10, 14",
    ),
    r(
        Aksi::PerbaikanKasi,
        Biasa,
        &[Role::Kasi],
        Tanpa,
        "000 langkah 2, 4, 5, 9",
    ),
    r(
        Aksi::PerbaikanKabid,
        Biasa,
        &[Role::Kabid],
        Tanpa,
        "000 langkah 3, 6",
    ),
    r(
        Aksi::PerbaikanKadis,
        Biasa,
        &[Role::Kadis],
        Tanpa,
        "000 langkah 7",
    ),
    r(
        Aksi::PerbaikanLuar,
        Biasa,
        PELAKSANA,
        Tanpa,
        "000 langkah 8, 11–13 (dicatat atas nama Sekda/BSSN)",
    ),
    r(Aksi::InsidenCatat, Biasa, SEMUA, Tanpa, "PI.03 A1, B1, C1"),
    r(
        Aksi::InsidenKeputusan,
        Biasa,
        PIMPINAN_KASI,
        Tanpa,
        "PI.03 C2",
    ),
    r(
        Aksi::InsidenBatal,
        Biasa,
        BATAL,
        Tanpa,
        "PI.03 III (koordinator)",
    ),
    r(Aksi::Draf, Biasa, SEMUA, Tanpa, "-"),
    r(
        Aksi::CadanganBuat,
        Biasa,
        PELAKSANA,
        Tanpa,
        "001 langkah 5–7; PI.01 III.2",
    ),
    r(
        Aksi::CadanganUji,
        Biasa,
        KASI_ADMIN,
        Tanpa,
        "PI.01 III.1, V.4",
    ),
];

/// A refusal: the rule, what it needs and what the operator has. `Display` gives the Indonesian text
/// the node sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Penolakan {
    pub aksi: Aksi,
    pub lingkup: Lingkup,
    /// The roles the rule allows (empty: the pair is not in the table).
    pub peran: Vec<Role>,
    /// The level the rule asks of pelaksana roles.
    pub tingkat: Kualifikasi,
    /// The operator's role and level.
    pub punya: (Role, Kualifikasi),
    pub sumber: &'static str,
}

impl std::fmt::Display for Penolakan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let roles: Vec<&str> = self.peran.iter().map(|r| r.as_str()).collect();
        if self.peran.is_empty() {
            return write!(
                f,
                "aturan {} ({}): tidak diizinkan untuk peran apa pun",
                self.aksi.as_str(),
                self.lingkup.as_str()
            );
        }
        if !self.peran.contains(&self.punya.0) {
            write!(
                f,
                "aturan {} ({}) memerlukan peran {}; Anda {} — minta petugas yang berwenang (sumber: {})",
                self.aksi.as_str(),
                self.lingkup.as_str(),
                roles.join("/"),
                self.punya.0.as_str(),
                self.sumber
            )
        } else {
            write!(
                f,
                "aturan {} ({}) memerlukan kualifikasi minimal {}; kualifikasi Anda {} — admin mencatat kualifikasi dengan `kasa operator edit --kualifikasi` (sumber: {})",
                self.aksi.as_str(),
                self.lingkup.as_str(),
                self.tingkat.label(),
                self.punya.1.label(),
                self.sumber
            )
        }
    }
}

/// The row for `(aksi, lingkup)`, if any.
pub fn aturan(aksi: Aksi, lingkup: Lingkup) -> Option<&'static Aturan> {
    TABEL
        .iter()
        .find(|a| a.aksi == aksi && a.lingkup == lingkup)
}

/// True when `role` is one of the roles the qualification level applies to.
pub fn pelaksana(role: Role) -> bool {
    PELAKSANA.contains(&role)
}

/// Checks whether `op` may do `aksi` on an item of `lingkup`.
///
/// Errors: [`Penolakan`] naming the rule, the roles or the level it needs, and what `op` has. A disabled
/// operator is refused every action (the node checks `disabled` first and says so).
pub fn periksa(op: &Operator, aksi: Aksi, lingkup: Lingkup) -> Result<(), Penolakan> {
    let refuse = |a: Option<&Aturan>| Penolakan {
        aksi,
        lingkup,
        peran: a.map(|a| a.peran.to_vec()).unwrap_or_default(),
        tingkat: a.map_or(Tanpa, |a| a.tingkat),
        punya: (op.role, op.kualifikasi),
        sumber: a.map_or("-", |a| a.sumber),
    };
    let Some(a) = aturan(aksi, lingkup) else {
        return Err(refuse(None));
    };
    if op.disabled || !a.peran.contains(&op.role) {
        return Err(refuse(Some(a)));
    }
    if pelaksana(op.role) && op.kualifikasi < a.tingkat {
        return Err(refuse(Some(a)));
    }
    Ok(())
}

/// The table as Markdown rows (`docs/permissions.md` embeds it; a test keeps the two equal).
pub fn markdown() -> String {
    let mut out = String::from(
        "| aksi | lingkup | peran | kualifikasi minimal (pelaksana) | sumber |\n|---|---|---|---|---|\n",
    );
    for a in TABEL {
        let roles: Vec<&str> = a.peran.iter().map(|r| r.as_str()).collect();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            a.aksi.as_str(),
            a.lingkup.as_str(),
            roles.join(", "),
            if a.tingkat == Tanpa {
                "-".to_string()
            } else {
                a.tingkat.label().to_string()
            },
            a.sumber
        ));
    }
    out
}

/// The repair step actions of seed 000, by step number (1–14).
pub fn aksi_langkah_perbaikan(nomor: u8) -> Aksi {
    match nomor {
        2 | 4 | 5 | 9 => Aksi::PerbaikanKasi,
        3 | 6 => Aksi::PerbaikanKabid,
        7 => Aksi::PerbaikanKadis,
        8 | 11..=13 => Aksi::PerbaikanLuar,
        _ => Aksi::PerbaikanSandiman,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(role: Role, k: Kualifikasi) -> Operator {
        Operator {
            uid: 1,
            username: "u".into(),
            nama: "U".into(),
            nip: String::new(),
            jabatan: String::new(),
            role,
            kualifikasi: k,
            disabled: false,
        }
    }

    #[test]
    fn every_row_is_unique() {
        for (i, a) in TABEL.iter().enumerate() {
            assert!(
                !TABEL[i + 1..]
                    .iter()
                    .any(|b| b.aksi == a.aksi && b.lingkup == a.lingkup),
                "{:?} {:?} twice",
                a.aksi,
                a.lingkup
            );
        }
    }

    #[test]
    fn level_applies_to_pelaksana_only() {
        let s = op(Role::Sandiman, TingkatI);
        let e = periksa(&s, Aksi::KriptogramSegel, Dikecualikan).unwrap_err();
        assert!(e.to_string().contains("Tingkat II"), "{e}");
        assert!(
            periksa(
                &op(Role::Sandiman, TingkatIi),
                Aksi::KriptogramSegel,
                Dikecualikan
            )
            .is_ok()
        );
        assert!(periksa(&op(Role::Kadis, Tanpa), Aksi::LampiranBaca, Dikecualikan).is_ok());
        let k = periksa(&op(Role::Kadis, Tanpa), Aksi::KeluarKirim, Dikecualikan).unwrap_err();
        assert!(k.to_string().contains("sandiman/kasi/admin"), "{k}");
    }

    #[test]
    fn disabled_is_refused_everything() {
        let mut a = op(Role::Admin, TingkatIi);
        a.disabled = true;
        assert!(periksa(&a, Aksi::Lihat, Biasa).is_err());
    }

    #[test]
    fn docs_show_the_table() {
        let doc = include_str!("../../docs/permissions.md");
        assert!(
            doc.contains(&markdown()),
            "docs/permissions.md is out of date: paste domain::permission::markdown() into it"
        );
    }

    #[test]
    fn repair_steps_map_to_their_actor() {
        assert_eq!(aksi_langkah_perbaikan(7), Aksi::PerbaikanKadis);
        assert_eq!(aksi_langkah_perbaikan(6), Aksi::PerbaikanKabid);
        assert_eq!(aksi_langkah_perbaikan(12), Aksi::PerbaikanLuar);
        assert_eq!(aksi_langkah_perbaikan(14), Aksi::PerbaikanSandiman);
    }
}
