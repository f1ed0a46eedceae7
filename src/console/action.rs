//! Named actions with arguments, shared by the keymap, the `:` command line and tests (yazi/helix style).

/// A console tab (pane).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Masuk,
    Keluar,
    /// Equipment, key material, repairs (`src/console/palsan.rs`).
    Palsan,
    Disposisi,
    Insiden,
}

impl Pane {
    pub fn as_str(self) -> &'static str {
        match self {
            Pane::Masuk => "masuk",
            Pane::Keluar => "keluar",
            Pane::Palsan => "palsan",
            Pane::Disposisi => "disposisi",
            Pane::Insiden => "insiden",
        }
    }
}

/// Everything the console can do. Optional arguments, when missing, open a prompt that asks for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    None,
    Quit,
    Redraw,
    Help,
    Command,
    Filter(Option<String>),
    Back,
    Tab(Pane),
    TabNext,
    Down,
    Up,
    PageDown,
    PageUp,
    Top,
    Bottom,
    Open,
    Refresh,
    Goto(u64),
    Triage,
    Duplicate(Option<u64>),
    /// Hand the selected registered entry to an internal recipient: `jenis [unit]` (003 SOP A3/B3/C4).
    Distribusi(Option<String>),
    /// Record the tanda terima of a distribution: `no nama`.
    TandaTerima(Option<String>),
    /// Record that the selected entry was entered in SI APEL (one key, 003 SOP A4/B4/C5).
    SiApel,
    Void(Option<String>),
    Note(Option<String>),
    Export(Option<String>),
    KeluarNew,
    KeluarRegister,
    KeluarSend(Option<String>),
    /// Give the paraf on the selected outgoing item (issue 14; who: its flow in alur.toml).
    KeluarParaf,
    /// Sign the selected outgoing item.
    KeluarTtd,
    /// Send the selected outgoing item back to konsep with a note (prompted when missing).
    KeluarTolak(Option<String>),
    /// Archive the selected item (a sent outgoing one, a registered incoming one) into its SOP 001 set.
    Arsip,
    /// Attach files to the selected entry: `[jenis] path…` (jenis surat, jurnal-faks, resi, lain).
    Attach(Option<String>),
    /// Forward the selected entry to other nodes: a new kriptogram-keluar draft with its files and
    /// fields, to be approved and sealed (`kasa keluar new --kriptogram --dari ID`).
    Teruskan,
    FormNext,
    FormPrev,
    FormEnter,
    ClearField,
    Submit,
    CycleNext,
    CyclePrev,
    Complete,
    Yes,
    No,
    /// Seal the selected keluar entry as a kriptogram to peer node ids (comma-separated).
    Seal(Option<String>),
    /// Show the peer nodes (pola hubungan komunikasi sandi) with their safety numbers.
    Peers,
    /// Mark the selected peer verified after comparing the safety number.
    PeerVerify,
    /// Ask the keystore passphrase and unlock the node.
    Unlock,
    PalsanAdd,
    PalsanCheckout,
    PalsanCheckin,
    PalsanRepair,
    PalsanStep,
    PalsanDispose,
    PalsanEdit,
    PalsanKunci,
    PalsanKunciStatus,
    PalsanSanapati,
    PalsanAudit,
    /// Open the disposisi form for the selected masuk entry (or forward the selected disposisi).
    Dispose,
    /// Switch the Disposisi pane between "untuk saya" and "dari saya".
    DisposisiTab,
    /// Mark the selected disposisi as read.
    DisposisiRead,
    /// Open the detail of the selected disposisi (marks it read when it is mine and unread).
    DisposisiOpen,
    /// Return the selected disposisi (dikembalikan) with a reason (prompted when missing).
    DisposisiReturn(Option<String>),
    /// Cancel the selected disposisi I issued, while unread, with a reason (prompted when missing).
    DisposisiCancel(Option<String>),
    /// Write the lembar disposisi (PDF and Markdown) of the selected disposisi.
    DisposisiPrint,
    /// Close the selected disposisi with a result note (prompted when missing).
    DisposisiDone(Option<String>),
    /// Open an incident now and take the log prompt (quick capture, PI.03).
    InsidenNew,
    InsidenLog(Option<String>),
    InsidenTick(Option<String>),
    InsidenPlaybook(Option<String>),
    InsidenClose(Option<String>),
    InsidenSet(Option<String>),
    /// Correct a timeline entry: `NO [@waktu] teks ! alasan`.
    InsidenKoreksi(Option<String>),
    /// Record evidence: `[path] deskripsi` (the file kept with the incident).
    InsidenBukti(Option<String>),
    /// Record a custody handover: `NO dari > ke di tempat [@waktu]`.
    InsidenSerahTerima(Option<String>),
    /// Write the incident report (PDF + Markdown) and record it on the incident.
    InsidenLaporan,
    /// Void the incident with a reason.
    InsidenBatal(Option<String>),
    /// Merge the incident into another: `ID alasan`.
    InsidenGabung(Option<String>),
    /// Show the alarms (open ones; acknowledge from there).
    Alarms,
    /// Acknowledge the alarm under the cursor of the alarm view.
    AlarmAck,
    /// Back up now to the node's configured `[backup] target` (after a confirmation).
    Backup,
    /// Show the backup log (runs, last success, last restore test).
    BackupLog,
    /// Show or hide the page preview beside the form and in the detail (issue 15).
    Pratinjau,
    /// Zoom the preview to the header area of the page, or back to the whole page.
    PratinjauZoom,
    /// Next page in the preview.
    PratinjauNext,
    /// Previous page in the preview.
    PratinjauPrev,
}

/// One row of the action registry: name, whether it takes an argument, descriptions (id, en).
pub struct ActionInfo {
    pub name: &'static str,
    pub arg: Option<&'static str>,
    pub id: &'static str,
    pub en: &'static str,
}

/// Every named action, in help order.
pub const ACTIONS: &[ActionInfo] = &[
    ai("quit", None, "keluar dari konsol", "quit the console"),
    ai("redraw", None, "gambar ulang layar", "redraw the screen"),
    ai("help", None, "bantuan tombol", "key help"),
    ai("command", None, "baris perintah", "command line"),
    ai(
        "filter",
        Some("teks"),
        "saring seluruh buku dan urutkan (status:baru k:R no:17 surat:005/ perihal:… asal:… siapel:belum dari:2026-11-01 sampai:… urut:nomor|perihal|batas|k, kata)",
        "filter the whole book and sort (status:baru k:R no:17 surat:005/ perihal:… asal:… siapel:belum dari:2026-11-01 sampai:… urut:nomor|perihal|batas|k, words)",
    ),
    ai("back", None, "kembali / batal", "back / cancel"),
    ai(
        "tab",
        Some("nama|nomor"),
        "pindah ke tab",
        "switch to a tab",
    ),
    ai("tab_next", None, "tab berikutnya", "next tab"),
    ai("down", None, "turun", "down"),
    ai("up", None, "naik", "up"),
    ai("page_down", None, "halaman berikut", "page down"),
    ai("page_up", None, "halaman sebelumnya", "page up"),
    ai("top", None, "ke awal", "to the top"),
    ai("bottom", None, "ke akhir", "to the bottom"),
    ai("open", None, "buka rincian", "open the detail"),
    ai(
        "refresh",
        None,
        "muat ulang dari node",
        "reload from the node",
    ),
    ai("goto", Some("id"), "ke entri dengan id", "go to entry id"),
    ai(
        "triage",
        None,
        "daftarkan pindaian (formulir)",
        "register a scan (form)",
    ),
    ai(
        "duplicate",
        Some("id"),
        "tandai duplikat dari id",
        "mark as duplicate of id",
    ),
    ai(
        "distribusi",
        Some("jenis [unit]"),
        "distribusikan: bagian_umum | kasi | opd NAMA | pimpinan",
        "distribute: bagian_umum | kasi | opd NAME | pimpinan",
    ),
    ai(
        "tanda_terima",
        Some("no nama"),
        "catat tanda terima distribusi (nomor, nama penerima)",
        "record a distribution's receipt (number, recipient's name)",
    ),
    ai(
        "siapel",
        None,
        "tandai sudah dientri di SI APEL",
        "mark as entered in SI APEL",
    ),
    ai(
        "void",
        Some("alasan"),
        "batalkan dengan alasan",
        "void with a reason",
    ),
    ai("note", Some("teks"), "tambah catatan", "add a note"),
    ai(
        "export",
        Some("path"),
        "ekspor lampiran ke path",
        "export the attachment to a path",
    ),
    ai("keluar_new", None, "draf keluar baru", "new outgoing draft"),
    ai(
        "keluar_register",
        None,
        "agendakan draf keluar",
        "register the outgoing draft",
    ),
    ai(
        "keluar_send",
        Some("saluran"),
        "kirim lewat saluran",
        "send over a saluran",
    ),
    ai(
        "keluar_paraf",
        None,
        "paraf berita keluar",
        "initial (paraf) the outgoing item",
    ),
    ai(
        "keluar_ttd",
        None,
        "ttd berita keluar (tanda tangan)",
        "sign the outgoing item",
    ),
    ai(
        "keluar_tolak",
        Some("catatan"),
        "kembalikan ke konsep dengan catatan",
        "send back to draft with a note",
    ),
    ai(
        "arsip",
        None,
        "arsipkan (map SOP 001)",
        "archive (SOP 001 set)",
    ),
    ai(
        "attach",
        Some("[jenis] path"),
        "lampirkan berkas (surat, jurnal-faks, resi, lain)",
        "attach files (surat, jurnal-faks, resi, lain)",
    ),
    ai(
        "teruskan",
        None,
        "teruskan sebagai draf kriptogram keluar",
        "forward as an outgoing kriptogram draft",
    ),
    ai("form_next", None, "isian berikutnya", "next field"),
    ai("form_prev", None, "isian sebelumnya", "previous field"),
    ai(
        "form_enter",
        None,
        "terima isian / kirim",
        "accept field / submit",
    ),
    ai("clear_field", None, "kosongkan isian", "clear the field"),
    ai("submit", None, "simpan / kirim", "confirm / submit"),
    ai("cycle_next", None, "pilihan berikutnya", "next choice"),
    ai("cycle_prev", None, "pilihan sebelumnya", "previous choice"),
    ai(
        "complete",
        None,
        "lengkapi perintah",
        "complete the command",
    ),
    ai("yes", None, "ya", "yes"),
    ai("no", None, "tidak", "no"),
    ai("none", None, "tidak ada (lepas tombol)", "nothing (unbind)"),
    ai(
        "seal",
        Some("id-node,…"),
        "segel sebagai kriptogram ke node mitra",
        "seal as a kriptogram to peer nodes",
    ),
    ai(
        "peers",
        None,
        "node mitra dan nomor keamanan",
        "peer nodes and safety numbers",
    ),
    ai(
        "unlock",
        None,
        "buka kunci node (frasa sandi keystore)",
        "unlock the node (keystore passphrase)",
    ),
    ai(
        "peer_verify",
        None,
        "verifikasi node mitra (nomor keamanan cocok)",
        "verify the peer (safety number matches)",
    ),
    ai(
        "palsan_add",
        None,
        "tambah palsan (formulir)",
        "add equipment (form)",
    ),
    ai(
        "palsan_checkout",
        None,
        "pinjamkan palsan",
        "check out equipment",
    ),
    ai(
        "palsan_checkin",
        None,
        "kembalikan palsan",
        "check in equipment",
    ),
    ai(
        "palsan_repair",
        None,
        "laporkan rusak (kasus perbaikan)",
        "report damage (repair case)",
    ),
    ai(
        "palsan_step",
        None,
        "catat langkah perbaikan berikutnya",
        "record the next repair step",
    ),
    ai(
        "palsan_dispose",
        None,
        "hapus palsan (berita acara)",
        "dispose of equipment (berita acara)",
    ),
    ai("palsan_edit", None, "ubah data palsan", "edit equipment"),
    ai(
        "palsan_kunci",
        None,
        "catat kunci sistem sandi (metadata)",
        "register key material (metadata)",
    ),
    ai(
        "palsan_kunci_status",
        None,
        "ubah status kunci",
        "change key material status",
    ),
    ai(
        "palsan_sanapati",
        None,
        "catat ganti password Email Sanapati",
        "record Email Sanapati password change",
    ),
    ai(
        "palsan_audit",
        None,
        "catat audit peralatan",
        "record equipment audit",
    ),
    ai(
        "dispose",
        None,
        "disposisikan entri / teruskan disposisi (formulir)",
        "dispose the entry / forward the disposisi (form)",
    ),
    ai(
        "disposisi_tab",
        None,
        "ganti tab untuk saya ↔ dari saya",
        "switch tab for me ↔ from me",
    ),
    ai("disposisi_read", None, "tandai dibaca", "mark as read"),
    ai(
        "disposisi_open",
        None,
        "buka rincian disposisi (rantai, catatan)",
        "open the disposisi detail (chain, notes)",
    ),
    ai(
        "disposisi_return",
        Some("alasan"),
        "kembalikan disposisi dengan alasan",
        "return the disposisi with a reason",
    ),
    ai(
        "disposisi_cancel",
        Some("alasan"),
        "batalkan disposisi (penerbit, sebelum dibaca)",
        "cancel the disposisi (issuer, while unread)",
    ),
    ai(
        "disposisi_print",
        None,
        "cetak lembar disposisi (PDF + Markdown)",
        "print the lembar disposisi (PDF + Markdown)",
    ),
    ai(
        "disposisi_done",
        Some("catatan"),
        "selesai dengan catatan hasil",
        "done with a result note",
    ),
    ai(
        "insiden_new",
        None,
        "catat insiden baru sekarang (tangkap cepat)",
        "log a new incident now (quick capture)",
    ),
    ai(
        "insiden_log",
        Some("teks"),
        "log insiden: tambah baris (@HH:MM waktu kejadian, @nama pelaksana)",
        "log an incident line (@HH:MM event time, @name who acted)",
    ),
    ai(
        "insiden_tick",
        Some("kode"),
        "centang langkah insiden (A1 @nama @HH:MM)",
        "tick an incident step (A1 @name @HH:MM)",
    ),
    ai(
        "insiden_playbook",
        Some("A|B|C"),
        "pakai playbook PI.03",
        "add a PI.03 playbook",
    ),
    ai(
        "insiden_close",
        Some("pelajaran"),
        "tutup insiden dengan pelajaran",
        "close the incident with lessons learned",
    ),
    ai(
        "insiden_set",
        Some("field nilai"),
        "isi data insiden (kategori, keparahan, tlp, sistem, sumber, status, keputusan, peran)",
        "fill in the incident (kategori, keparahan, tlp, sistem, sumber, status, keputusan, roles)",
    ),
    ai(
        "insiden_koreksi",
        Some("no teks ! alasan"),
        "koreksi entri linimasa (aslinya tetap)",
        "correct a timeline entry (the original stays)",
    ),
    ai(
        "insiden_bukti",
        Some("[berkas] deskripsi"),
        "bukti (catat barang bukti dengan berkasnya)",
        "evidence (record it with its file)",
    ),
    ai(
        "insiden_serah_terima",
        Some("no dari > ke di tempat"),
        "serah terima barang bukti",
        "custody handover of evidence",
    ),
    ai(
        "insiden_laporan",
        None,
        "laporan insiden (PDF + Markdown), dicatat pada insiden",
        "report of the incident (PDF + Markdown), recorded on it",
    ),
    ai(
        "insiden_batal",
        Some("alasan"),
        "batalkan insiden yang keliru dibuka",
        "void an incident opened by mistake",
    ),
    ai(
        "insiden_gabung",
        Some("id alasan"),
        "gabungkan insiden ke insiden lain",
        "merge the incident into another",
    ),
    ai(
        "alarms",
        None,
        "daftar alarm (akui dari sana)",
        "alarm list (acknowledge there)",
    ),
    ai(
        "alarm_ack",
        None,
        "akui alarm terpilih",
        "acknowledge the selected alarm",
    ),
    ai(
        "backup",
        None,
        "backup sekarang ke target node.toml (dengan konfirmasi)",
        "back up now to the node.toml target (confirmed first)",
    ),
    ai(
        "backup_log",
        None,
        "log backup dan uji restore",
        "backup and restore test log",
    ),
    ai(
        "pratinjau",
        None,
        "tampilkan/sembunyikan pratinjau halaman",
        "show/hide the page preview",
    ),
    ai(
        "pratinjau_zoom",
        None,
        "pratinjau: perbesar kepala surat / seluruh halaman",
        "preview: zoom to the letter's header / whole page",
    ),
    ai(
        "pratinjau_next",
        None,
        "pratinjau: halaman berikutnya",
        "preview: next page",
    ),
    ai(
        "pratinjau_prev",
        None,
        "pratinjau: halaman sebelumnya",
        "preview: previous page",
    ),
];

const fn ai(
    name: &'static str,
    arg: Option<&'static str>,
    id: &'static str,
    en: &'static str,
) -> ActionInfo {
    ActionInfo { name, arg, id, en }
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

impl Action {
    /// The actions on the selected disposisi of the Disposisi pane (read, open, done, return, cancel,
    /// print, switch list).
    pub fn is_disposisi(&self) -> bool {
        matches!(
            self,
            Action::DisposisiTab
                | Action::DisposisiRead
                | Action::DisposisiDone(_)
                | Action::DisposisiOpen
                | Action::DisposisiReturn(_)
                | Action::DisposisiCancel(_)
                | Action::DisposisiPrint
        )
    }

    /// Parses `name [args…]`; the error names the problem.
    pub fn parse(s: &str) -> Result<Action, String> {
        let s = s.trim();
        let (name, rest) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
        let rest = rest.trim();
        let num = |what: &str| -> Result<u64, String> {
            rest.parse::<u64>()
                .map_err(|_| format!("'{name}' perlu {what} berupa angka, bukan '{rest}'"))
        };
        Ok(match name {
            "none" => Action::None,
            "quit" => Action::Quit,
            "redraw" => Action::Redraw,
            "help" => Action::Help,
            "command" => Action::Command,
            "filter" => Action::Filter(opt(rest)),
            "back" => Action::Back,
            "tab" => match super::pane::by_name(rest) {
                Some(p) => Action::Tab(p),
                None => {
                    let names: Vec<String> = super::pane::REGISTRY
                        .iter()
                        .enumerate()
                        .map(|(i, r)| format!("{} ({})", r.name, i + 1))
                        .collect();
                    return Err(format!(
                        "tab '{rest}' tidak dikenal: pakai {}",
                        names.join(", ")
                    ));
                }
            },
            "tab_next" => Action::TabNext,
            "down" => Action::Down,
            "up" => Action::Up,
            "page_down" => Action::PageDown,
            "page_up" => Action::PageUp,
            "top" => Action::Top,
            "bottom" => Action::Bottom,
            "open" => Action::Open,
            "refresh" => Action::Refresh,
            "goto" => Action::Goto(num("id")?),
            "triage" => Action::Triage,
            "duplicate" => Action::Duplicate(if rest.is_empty() {
                None
            } else {
                Some(num("id")?)
            }),
            "distribusi" => Action::Distribusi(opt(rest)),
            "tanda_terima" => Action::TandaTerima(opt(rest)),
            "siapel" => Action::SiApel,
            "void" => Action::Void(opt(rest)),
            "note" => Action::Note(opt(rest)),
            "export" => Action::Export(opt(rest)),
            "keluar_new" => Action::KeluarNew,
            "keluar_register" => Action::KeluarRegister,
            "keluar_send" => Action::KeluarSend(opt(rest)),
            "keluar_paraf" => Action::KeluarParaf,
            "keluar_ttd" => Action::KeluarTtd,
            "keluar_tolak" => Action::KeluarTolak(opt(rest)),
            "arsip" => Action::Arsip,
            "attach" => Action::Attach(opt(rest)),
            "teruskan" => Action::Teruskan,
            "form_next" => Action::FormNext,
            "form_prev" => Action::FormPrev,
            "form_enter" => Action::FormEnter,
            "clear_field" => Action::ClearField,
            "submit" => Action::Submit,
            "cycle_next" => Action::CycleNext,
            "cycle_prev" => Action::CyclePrev,
            "complete" => Action::Complete,
            "yes" => Action::Yes,
            "no" => Action::No,
            "seal" => Action::Seal(opt(rest)),
            "peers" => Action::Peers,
            "peer_verify" => Action::PeerVerify,
            "unlock" => Action::Unlock,
            "palsan_add" => Action::PalsanAdd,
            "palsan_checkout" => Action::PalsanCheckout,
            "palsan_checkin" => Action::PalsanCheckin,
            "palsan_repair" => Action::PalsanRepair,
            "palsan_step" => Action::PalsanStep,
            "palsan_dispose" => Action::PalsanDispose,
            "palsan_edit" => Action::PalsanEdit,
            "palsan_kunci" => Action::PalsanKunci,
            "palsan_kunci_status" => Action::PalsanKunciStatus,
            "palsan_sanapati" => Action::PalsanSanapati,
            "palsan_audit" => Action::PalsanAudit,
            "dispose" => Action::Dispose,
            "disposisi_tab" => Action::DisposisiTab,
            "disposisi_read" => Action::DisposisiRead,
            "disposisi_open" => Action::DisposisiOpen,
            "disposisi_return" => Action::DisposisiReturn(opt(rest)),
            "disposisi_cancel" => Action::DisposisiCancel(opt(rest)),
            "disposisi_print" => Action::DisposisiPrint,
            "disposisi_done" => Action::DisposisiDone(opt(rest)),
            "insiden_new" => Action::InsidenNew,
            "insiden_log" => Action::InsidenLog(opt(rest)),
            "insiden_tick" => Action::InsidenTick(opt(rest)),
            "insiden_playbook" => Action::InsidenPlaybook(opt(rest)),
            "insiden_close" => Action::InsidenClose(opt(rest)),
            "insiden_set" => Action::InsidenSet(opt(rest)),
            "insiden_koreksi" => Action::InsidenKoreksi(opt(rest)),
            "insiden_bukti" => Action::InsidenBukti(opt(rest)),
            "insiden_serah_terima" => Action::InsidenSerahTerima(opt(rest)),
            "insiden_laporan" => Action::InsidenLaporan,
            "insiden_batal" => Action::InsidenBatal(opt(rest)),
            "insiden_gabung" => Action::InsidenGabung(opt(rest)),
            "alarms" => Action::Alarms,
            "alarm_ack" => Action::AlarmAck,
            "backup" => Action::Backup,
            "backup_log" => Action::BackupLog,
            "pratinjau" => Action::Pratinjau,
            "pratinjau_zoom" => Action::PratinjauZoom,
            "pratinjau_next" => Action::PratinjauNext,
            "pratinjau_prev" => Action::PratinjauPrev,
            _ => {
                return Err(format!(
                    "aksi '{name}' tidak dikenal (lihat `?` atau Tab di baris perintah)"
                ));
            }
        })
    }

    /// The rows a motion action moves by when `page` rows are visible (`Top`/`Bottom` go far enough
    /// to clamp at either end); `None` for an action that is not a motion.
    pub fn motion(&self, page: isize) -> Option<isize> {
        Some(match self {
            Action::Down => 1,
            Action::Up => -1,
            Action::PageDown => page,
            Action::PageUp => -page,
            Action::Top => isize::MIN / 2,
            Action::Bottom => isize::MAX / 2,
            _ => return None,
        })
    }

    /// The registry row of this action's name.
    pub fn info(name: &str) -> Option<&'static ActionInfo> {
        ACTIONS.iter().find(|a| a.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_name_parses() {
        for a in ACTIONS {
            let s = match a.name {
                "tab" => "tab masuk".to_string(),
                "goto" => "goto 3".to_string(),
                n => n.to_string(),
            };
            Action::parse(&s).unwrap();
        }
        assert_eq!(
            Action::parse("void salah kirim").unwrap(),
            Action::Void(Some("salah kirim".into()))
        );
        assert!(Action::parse("terbang").is_err());
    }
}
