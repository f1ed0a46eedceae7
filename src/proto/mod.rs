//! Client ↔ node messages (DESIGN §1, §6) and their framing.
//!
//! Frame: a 4-byte big-endian length, then that many bytes of UTF-8 JSON. Lengths above
//! [`MAX_FRAME`] are refused before any allocation and the connection is closed. Every message carries
//! the protocol version `v`; a client with another major version is refused at `Hello`.
//!
//! Client → node: [`ClientMsg`] `{ "v": 1, "id": n, "req": { "type": …, … } }`.
//! Node → client: [`NodeMsg`], either a reply `{ "v": 1, "re": n, "ok": … }` / `{ "v": 1, "re": n, "err": … }`
//! or a pushed event `{ "v": 1, "event": … }` (after `Subscribe`).

pub mod backup;
pub mod disposisi;
pub mod fdpass;
pub mod insiden;
pub mod keluar;
pub mod link;
pub mod masuk;
pub mod palsan;

use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize};

use crate::domain::{Book, Entry, Operator, RegisterFields, Status};
use crate::store::{Alarm, AuditReport, Change, Counts, IngestOutcome};

/// Protocol version.
pub const PROTO_VERSION: u32 = 1;
/// Hard cap of one frame in bytes (a handed-in file travels base64 inside one frame).
pub const MAX_FRAME: usize = 96 * 1024 * 1024;

/// Writes one frame. Errors: I/O, or a body above [`MAX_FRAME`].
pub fn write_frame(w: &mut impl Write, body: &[u8]) -> io::Result<()> {
    if body.len() > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "frame of {} bytes exceeds the {MAX_FRAME}-byte cap",
                body.len()
            ),
        ));
    }
    let mut buf = Vec::with_capacity(4 + body.len());
    buf.extend_from_slice(&(body.len() as u32).to_be_bytes());
    buf.extend_from_slice(body);
    w.write_all(&buf)?;
    w.flush()
}

/// Reads one frame. `Ok(None)` on a clean EOF before a frame starts; errors on truncation or an
/// oversize length (nothing is allocated for it).
pub fn read_frame(r: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match r.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "truncated frame length",
                ));
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let n = u32::from_be_bytes(len) as usize;
    if n > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame length {n} exceeds the {MAX_FRAME}-byte cap"),
        ));
    }
    // Grow with the bytes that actually arrive: a peer that announces a large frame and sends nothing
    // costs no memory.
    let mut body = Vec::with_capacity(n.min(64 * 1024));
    r.take(n as u64).read_to_end(&mut body)?;
    if body.len() != n {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("truncated frame: {} of {n} bytes", body.len()),
        ));
    }
    Ok(Some(body))
}

/// Changes to an operator record (`kasa operator edit`); `None` keeps the field.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct OperatorEdit {
    #[serde(default)]
    pub nama: Option<String>,
    #[serde(default)]
    pub nip: Option<String>,
    #[serde(default)]
    pub jabatan: Option<String>,
    #[serde(default)]
    pub role: Option<crate::domain::Role>,
    #[serde(default)]
    pub kualifikasi: Option<crate::domain::Kualifikasi>,
}

/// A request with its correlation id.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct ClientMsg {
    pub v: u32,
    pub id: u64,
    pub req: Request,
}

/// Requests a client may send. Every mutating request is attributed to the connection's operator.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    /// First message: returns [`Reply::Welcome`].
    Hello {
        client: String,
        /// Root only: act as this admin's uid for the rest of the connection (`kasa --as UID`), audited.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        as_uid: Option<u32>,
    },
    Status,
    /// The office's letterhead and zone for printed documents (any operator; read-only) →
    /// [`Reply::KopSurat`]. Issue 20.
    KopSurat,
    /// Start receiving pushed [`Event`]s on this connection.
    Subscribe,
    /// Hand a file to the ingest path (same code as the watcher): its bytes in base64, or (`fd`) the
    /// open file passed as a descriptor with this request ([`fdpass`]; `kasa ingest` does so: no
    /// copy through JSON and no frame cap, only `[ingest] max_bytes`).
    Ingest {
        name: String,
        #[serde(default)]
        data_b64: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        fd: bool,
    },
    AgendaList {
        #[serde(default)]
        book: Option<Book>,
        /// Several books in one list (newest first across them), e.g. masuk and kriptogram-masuk;
        /// with `book`, its book is added.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        books: Vec<Book>,
        #[serde(default)]
        status: Option<Status>,
        #[serde(default)]
        limit: Option<usize>,
        #[serde(default)]
        before: Option<(i64, u64)>,
        /// A filter over every entry of the books (issue 19): answered with [`Reply::Saring`], a
        /// page found through the node's indexes ([`crate::store::saring`]); `status` is then
        /// ignored (the filter has its own).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        saring: Option<crate::domain::saring::Saring>,
    },
    AgendaShow {
        id: u64,
    },
    /// Triage: register a `baru` scan with confirmed fields.
    Register {
        id: u64,
        fields: RegisterFields,
    },
    Void {
        id: u64,
        reason: String,
    },
    Note {
        id: u64,
        text: String,
    },
    MarkDuplicate {
        id: u64,
        of: u64,
    },
    Close {
        id: u64,
        to: Status,
        note: String,
    },
    KeluarNew {
        fields: RegisterFields,
        /// Forward: copy the attachments (and the empty fields) of this entry into the new draft.
        #[serde(default)]
        dari: Option<u64>,
    },
    KeluarRegister {
        id: u64,
    },
    /// Record an outgoing item as sent; the same rules as [`keluar::KeluarRequest::Kirim`].
    KeluarSend {
        id: u64,
        saluran: String,
        #[serde(default)]
        sent_at: Option<jiff::Timestamp>,
        /// Sent without the channel's proof, with the reason.
        #[serde(default)]
        tanpa_bukti: Option<String>,
        /// Break-glass for an unsealed Rahasia / Sangat Rahasia item, with the reason.
        #[serde(default)]
        darurat: Option<String>,
    },
    /// Attaches files to an existing entry of any book (`kasa agenda attach ID FILE… --kind K`,
    /// issue 14) → [`Reply::Entry`] with the updated entry (`text: None`). The files come as
    /// descriptors passed with this request ([`fdpass`], `fd: true`, in order; at most
    /// [`fdpass::MAX_FDS`]) or base64; each is stored with `jenis`. Refused: unknown entry
    /// (`not_found`), a void or duplikat entry, an empty file, a file over `ingest.max_bytes`, too
    /// many files (`rule`).
    AgendaAttach {
        id: u64,
        #[serde(default)]
        jenis: crate::domain::JenisLampiran,
        files: Vec<KgmFile>,
    },
    /// Read an attachment's bytes (base64) by entry id and index.
    Attachment {
        id: u64,
        index: usize,
    },
    /// Full-text search (issue 15): entries of `books` (every book when empty) whose extracted or
    /// OCR text holds the words of `q` (the console's `/` filter; `key:value` tokens ignored) →
    /// [`Reply::Cari`]. Only entries the caller may read are searched (`lampiran.baca`).
    Cari {
        q: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        books: Vec<Book>,
    },
    /// One page of attachment `index` of entry `id` as a grey PNG fitted into `lebar`×`tinggi` pixels
    /// (the console's preview, issue 15) → [`Reply::Halaman`]. `halaman` is 1-based. Permission and
    /// audit as [`Request::Attachment`] (`lampiran.baca`; audited `attachment.preview`).
    Halaman {
        id: u64,
        #[serde(default)]
        index: usize,
        halaman: u32,
        lebar: u32,
        tinggi: u32,
    },
    AuditVerify,
    AuditTail {
        n: usize,
    },
    OperatorAdd {
        operator: Operator,
    },
    OperatorList,
    OperatorDisable {
        uid: u32,
    },
    /// Enables a disabled operator again (admin).
    OperatorEnable {
        uid: u32,
    },
    /// Changes an operator's record (admin); fields left `None` stay.
    OperatorEdit {
        uid: u32,
        edit: OperatorEdit,
    },
    Alarms {
        #[serde(default)]
        all: bool,
    },
    AlarmAck {
        id: u64,
    },
    DraftPut {
        key: String,
        data: String,
    },
    DraftList,
    DraftDelete {
        key: String,
    },
    /// Ask the node to stop (admin only).
    NodeStop,
    /// Unlock the node's keystore (DESIGN §5: asked once at start, or later by an operator who knows it).
    Unlock {
        passphrase: String,
    },
    /// Records in the audit chain that the node identity was exported (`kasa identity export-age`).
    IdentityExportAudit {
        #[serde(default)]
        detail: String,
    },
    /// Adds a peer node from its card (TOML text); `replace` replaces a known peer's card.
    PeerAdd {
        card: String,
        relation: crate::store::Relation,
        #[serde(default)]
        saluran: String,
        #[serde(default)]
        replace: bool,
    },
    PeerList,
    /// Shows the safety number of this node's card and the peer's; `confirm` marks the peer verified.
    PeerVerify {
        node_id: String,
        #[serde(default)]
        confirm: bool,
    },
    /// Seals a kriptogram to peers (files as base64, or the entry's attachments when empty).
    KriptogramSeal {
        /// An existing entry: a kriptogram-keluar draft is sealed itself; any other entry lends its
        /// fields (and attachments) to a new kriptogram-keluar entry.
        #[serde(default)]
        entry: Option<u64>,
        /// Fields of a new kriptogram-keluar entry when `entry` is not given.
        #[serde(default)]
        fields: Option<Box<RegisterFields>>,
        to: Vec<String>,
        #[serde(default)]
        yes_unverified: bool,
        #[serde(default)]
        files: Vec<KgmFile>,
        /// Break-glass: seal a Rahasia / Sangat Rahasia item to a peer that is not verified, with the
        /// reason (audited, raises the `keluar.darurat` alarm).
        #[serde(default)]
        darurat: Option<String>,
    },
    /// A copy of a sealed `.kgm` from the node's outbox (`name` as in [`Reply::KriptogramSealed`]'s
    /// path, file name only) → [`Reply::Attachment`]. Lets `kriptogram seal --out` write the copy with
    /// the operator's own rights although the outbox is the node's (0700).
    KriptogramCopy {
        name: String,
        /// The destination comes as a descriptor passed with this request ([`fdpass`]), opened for
        /// writing by the client: the node copies the `.kgm` into it (in the kernel, any size) and
        /// fsyncs it, and the reply's `data_b64` is empty. Without it the copy comes as base64 (frame
        /// cap: about 72 MB).
        #[serde(default)]
        fd: bool,
    },
    /// Opens a received `.kgm` (verify, replay ledger, decrypt, new kriptogram-masuk entry).
    KriptogramOpen {
        name: String,
        /// The `.kgm`, base64 (empty when `fd`).
        #[serde(default)]
        data_b64: String,
        /// The file comes as a descriptor passed with this request ([`fdpass`]).
        #[serde(default)]
        fd: bool,
    },
    /// Verifies a `.kgm` (format, known sender, signature) without decrypting.
    KriptogramVerify {
        name: String,
        /// The `.kgm`, base64 (empty when `fd`).
        #[serde(default)]
        data_b64: String,
        /// The file comes as a descriptor passed with this request ([`fdpass`]).
        #[serde(default)]
        fd: bool,
    },
    /// Equipment, key material, repairs, reminders, Lampiran tables.
    Palsan(palsan::PalsanRequest),
    /// Disposisi (routing down the chain): see [`disposisi::DisposisiRequest`].
    Disposisi(disposisi::DisposisiRequest),
    /// The incident logbook (seed 003, SOP PI.03).
    Insiden(insiden::InsidenRequest),
    /// The direct node-to-node link: see [`link::LinkRequest`].
    Link(link::LinkRequest),
    /// Backup create, restore test, log (issue 17): see [`backup::BackupRequest`].
    Backup(backup::BackupRequest),
    /// The receive flows after registration (distribution, SI APEL, duplicates, clocks, form claims):
    /// see [`masuk::MasukRequest`].
    Masuk(masuk::MasukRequest),
    /// The send flows (approvals, flow, sending with proof): see [`keluar::KeluarRequest`].
    Keluar(keluar::KeluarRequest),
}

impl Request {
    /// How many file descriptors this request expects to arrive with it ([`fdpass`]).
    pub fn fds_expected(&self) -> usize {
        match self {
            Request::KriptogramSeal { files, .. } | Request::AgendaAttach { files, .. } => {
                files.iter().filter(|f| f.fd).count()
            }
            Request::KriptogramOpen { fd, .. }
            | Request::Ingest { fd, .. }
            | Request::KriptogramVerify { fd, .. }
            | Request::KriptogramCopy { fd, .. } => usize::from(*fd),
            Request::Insiden(insiden::InsidenRequest::Bukti {
                berkas: Some(f), ..
            }) => usize::from(f.fd),
            _ => 0,
        }
    }
}

/// A file handed over the socket: base64 in the request, or a passed descriptor.
#[derive(Serialize, Deserialize, Debug, Clone, Default)]
pub struct KgmFile {
    pub name: String,
    /// The content, base64 (empty when `fd`).
    #[serde(default)]
    pub data_b64: String,
    /// The content is a file descriptor passed with this request ([`fdpass`]), in the order of
    /// the files that set it.
    #[serde(default)]
    pub fd: bool,
}

/// A peer as shown by `kasa peer list --json`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct PeerInfo {
    pub node_id: String,
    pub name: String,
    pub relation: crate::store::Relation,
    pub saluran: String,
    pub verified: bool,
    pub added_at: jiff::Timestamp,
    #[serde(default)]
    pub verified_at: Option<jiff::Timestamp>,
    #[serde(default)]
    pub verified_by: Option<String>,
    /// age recipient `age1…`.
    pub x25519: String,
    pub x25519_key_id: String,
    pub ed25519_fingerprint: String,
    /// Safety number of this node's card and the peer's (null when this node has no identity).
    #[serde(default)]
    pub safety_number: Option<String>,
}

/// The verified (cleartext) header of a kriptogram.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct KgmHeaderInfo {
    pub msg_id: String,
    pub created_at: String,
    pub sender: String,
    pub sender_name: Option<String>,
    pub sender_verified: bool,
    pub recipients: Vec<String>,
    pub klasifikasi: String,
    pub derajat: String,
    /// Lowercase hex SHA-256 of the whole `.kgm` file.
    pub sha256: String,
    pub addressed_to_this_node: bool,
    /// Replay ledger: `new`, `duplicate` (entry id in `entry_id`) or `conflict`.
    pub ledger: String,
    #[serde(default)]
    pub entry_id: Option<u64>,
}

/// Node → client message.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct NodeMsg {
    pub v: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub re: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ok: Option<Reply>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub err: Option<ErrorReply>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<Event>,
}

/// A refused request: a stable code and a message that says what to do.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct ErrorReply {
    /// Why, as a typed code (the wire form is the snake_case name, e.g. `"not_found"`).
    pub code: ErrorCode,
    pub message: String,
}

/// The kind of a refusal, carried in every error reply. Clients map it to text in their language
/// (the console: Indonesian or English) and put the node's message after it. A code this build does
/// not know arrives as [`ErrorCode::Unknown`] (older clients keep working when codes are added).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is malformed or an argument is invalid.
    BadRequest,
    /// The entry, item or record named does not exist (or is not visible to the caller).
    NotFound,
    /// A rule of the SOP or of the buku agenda refuses it; the message names the rule.
    Rule,
    /// The operator may not do this (role, qualification, clearance).
    Forbidden,
    /// The operator record is disabled (`kasa operator disable`).
    Disabled,
    /// The node keystore is locked: `kasa node unlock` first.
    Locked,
    /// A peer is not verified yet (`--yes-unverified` / confirm in the console).
    Unverified,
    /// The node failed (I/O, storage); the message says what.
    Internal,
    /// Protocol version mismatch.
    Version,
    /// The node is at one of its bounds (connections, in-flight bytes, another unlock or backup
    /// running); the message says which and when to try again.
    Busy,
    /// Too many attempts (unlock): the message says how long to wait.
    RateLimited,
    /// The node cannot write its database (disk full / storage I/O error) and reopens it by itself.
    #[serde(rename = "disk_penuh")]
    DiskFull,
    /// A stored blob does not match its recorded SHA-256 (replaced or damaged); nothing was served.
    Integrity,
    /// The node is stopping.
    Stopping,
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The wire name (`not_found`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Rule => "rule",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Disabled => "disabled",
            ErrorCode::Locked => "locked",
            ErrorCode::Unverified => "unverified",
            ErrorCode::Internal => "internal",
            ErrorCode::Version => "version",
            ErrorCode::Busy => "busy",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::DiskFull => "disk_penuh",
            ErrorCode::Integrity => "integrity",
            ErrorCode::Stopping => "stopping",
            ErrorCode::Unknown => "unknown",
        }
    }

    /// The code for a wire name; an unknown name is [`ErrorCode::Unknown`].
    pub fn parse(s: &str) -> ErrorCode {
        [
            ErrorCode::BadRequest,
            ErrorCode::NotFound,
            ErrorCode::Rule,
            ErrorCode::Forbidden,
            ErrorCode::Disabled,
            ErrorCode::Locked,
            ErrorCode::Unverified,
            ErrorCode::Internal,
            ErrorCode::Version,
            ErrorCode::Busy,
            ErrorCode::RateLimited,
            ErrorCode::DiskFull,
            ErrorCode::Integrity,
            ErrorCode::Stopping,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
        .unwrap_or(ErrorCode::Unknown)
    }
}

impl From<&str> for ErrorCode {
    fn from(s: &str) -> ErrorCode {
        ErrorCode::parse(s)
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Node status (`kasa status`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct StatusInfo {
    pub pid: u32,
    pub node_id: String,
    pub node_name: String,
    pub data_dir: String,
    pub drop_dir: String,
    pub socket: String,
    pub zone: String,
    pub counts: Counts,
    pub entries: u64,
    pub alarms_open: u64,
    pub ingest: IngestProgress,
    pub identity_fingerprint: Option<String>,
    /// True when the node has an identity whose keystore is not unlocked (kriptogram and Rahasia
    /// documents refused until `kasa node unlock` or the console's passphrase prompt).
    #[serde(default)]
    pub locked: bool,
    /// OCR on the node's machine (issue 15): `Ok("tesseract 5.3.0, bahasa ind")`, or the note saying
    /// what is missing and the `apt-get install tesseract-ocr tesseract-ocr-ind` that fixes it.
    /// `None` from an older node.
    #[serde(default)]
    pub ocr: Option<Result<String, String>>,
    /// Entries waiting for OCR.
    #[serde(default)]
    pub ocr_menunggu: u64,
}

/// One full-text hit: the entry and its text around the first word found.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct TeksCocok {
    pub entry: Box<Entry>,
    pub cuplikan: String,
}

/// What the ingest path is doing now.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestProgress {
    /// Files seen in the drop folder, waiting to be stable.
    pub waiting: u64,
    /// Files being processed now.
    pub processing: u64,
    /// Files refused since the node started.
    pub failed: u64,
    /// Files taken since the node started.
    pub taken: u64,
}

/// Successful replies.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Reply {
    Welcome {
        proto: u32,
        node_id: String,
        node_name: String,
        zone: String,
        operator: Operator,
        /// This connection's number at the node (form claims name it, [`masuk::Pemegang::conn`]).
        #[serde(default)]
        conn: u64,
    },
    Status(Box<StatusInfo>),
    /// The letterhead from `node.toml` `[kop]` (or a marked default from the node name), the node's
    /// name and zone.
    KopSurat {
        kop: crate::doc::KopSurat,
        node_name: String,
        zone: String,
    },
    Ok,
    Ingested {
        outcome: IngestOutcome,
    },
    Entries {
        entries: Vec<Entry>,
    },
    /// A filtered page ([`Request::AgendaList`] with `saring`).
    Saring {
        page: crate::store::saring::SaringPage,
    },
    Entry {
        entry: Box<Entry>,
        text: Option<String>,
    },
    Attachment {
        name: String,
        mime: String,
        data_b64: String,
    },
    /// Full-text search hits, newest first; `dilihat` entries looked at, `terkunci` sealed texts
    /// skipped while the node is locked, `selesai` false when the search stopped at its limits.
    Cari {
        q: String,
        hits: Vec<TeksCocok>,
        dilihat: u64,
        terkunci: u64,
        selesai: bool,
    },
    /// A page image: page `halaman` of `jumlah`, `lebar`×`tinggi` pixels, grey PNG in base64.
    Halaman {
        id: u64,
        halaman: u32,
        jumlah: u32,
        lebar: u32,
        tinggi: u32,
        png_b64: String,
    },
    Audit(AuditReport),
    AuditRecords {
        records: Vec<crate::domain::AuditRecord>,
    },
    Operators {
        operators: Vec<Operator>,
    },
    Alarms {
        alarms: Vec<Alarm>,
    },
    Drafts {
        drafts: Vec<(String, String)>,
    },
    Peers {
        peers: Vec<PeerInfo>,
    },
    PeerVerify {
        peer: Box<PeerInfo>,
        own_node_id: String,
        own_ed25519_fingerprint: String,
        own_x25519_key_id: String,
        safety_number: String,
    },
    KriptogramSealed {
        entry: Box<Entry>,
        /// Absolute path of the `.kgm` in the node's outbox.
        path: String,
        msg_id: String,
        recipients: Vec<String>,
        sha256: String,
        size: u64,
    },
    KriptogramOpened {
        /// `new` or `duplicate`.
        outcome: String,
        entry: Box<Entry>,
        header: Box<KgmHeaderInfo>,
    },
    KriptogramVerified {
        header: Box<KgmHeaderInfo>,
    },
    Palsan(Box<palsan::PalsanReply>),
    /// See [`disposisi::DisposisiReply`].
    Disposisi(disposisi::DisposisiReply),
    /// The incident logbook.
    Insiden(insiden::InsidenReply),
    /// See [`link::LinkReply`].
    Link(link::LinkReply),
    /// See [`backup::BackupReply`].
    Backup(backup::BackupReply),
    /// See [`masuk::MasukReply`].
    Masuk(masuk::MasukReply),
    Keluar(keluar::KeluarReply),
}

/// Events pushed to subscribed clients after a commit.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Changed {
        change: Change,
    },
    Ingest {
        progress: IngestProgress,
    },
    /// Who has which entry's form open, all of it, sent whenever it changes.
    Klaim {
        pemegang: Vec<masuk::Pemegang>,
    },
    /// The node is stopping.
    Stopping,
}

impl NodeMsg {
    pub fn reply(re: u64, r: Reply) -> NodeMsg {
        NodeMsg {
            v: PROTO_VERSION,
            re: Some(re),
            ok: Some(r),
            err: None,
            event: None,
        }
    }
    pub fn error(re: u64, code: impl Into<ErrorCode>, message: impl Into<String>) -> NodeMsg {
        NodeMsg {
            v: PROTO_VERSION,
            re: Some(re),
            ok: None,
            err: Some(ErrorReply {
                code: code.into(),
                message: message.into(),
            }),
            event: None,
        }
    }
    pub fn event(e: Event) -> NodeMsg {
        NodeMsg {
            v: PROTO_VERSION,
            re: None,
            ok: None,
            err: None,
            event: Some(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_refuse_oversize_and_truncation() {
        let mut buf = Vec::new();
        write_frame(&mut buf, b"{\"a\":1}").unwrap();
        let mut r = &buf[..];
        assert_eq!(read_frame(&mut r).unwrap().unwrap(), b"{\"a\":1}");
        assert!(read_frame(&mut r).unwrap().is_none());
        let huge = (u32::MAX).to_be_bytes();
        assert_eq!(
            read_frame(&mut &huge[..]).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
        let trunc = [0u8, 0, 0, 10, b'x'];
        assert!(read_frame(&mut &trunc[..]).is_err());
    }

    #[test]
    fn kriptogram_request_json_shapes_are_stable() {
        let r = Request::PeerAdd {
            card: "c".into(),
            relation: crate::store::Relation::KabKota,
            saluran: "Email Sanapati".into(),
            replace: false,
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"type":"peer_add","card":"c","relation":"kab-kota","saluran":"Email Sanapati","replace":false}"#
        );
        let r: Request =
            serde_json::from_str(r#"{"type":"kriptogram_seal","to":["32.01"],"entry":4}"#).unwrap();
        assert!(matches!(
            r,
            Request::KriptogramSeal { entry: Some(4), ref to, yes_unverified: false, .. } if to == &["32.01"]
        ));
        let r: Request = serde_json::from_str(r#"{"type":"identity_export_audit"}"#).unwrap();
        assert!(matches!(r, Request::IdentityExportAudit { .. }));
    }

    #[test]
    fn request_json_shape_is_stable() {
        let m = ClientMsg {
            v: 1,
            id: 7,
            req: Request::AgendaShow { id: 3 },
        };
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"v":1,"id":7,"req":{"type":"agenda_show","id":3}}"#
        );
    }
}
