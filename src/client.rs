//! A connection to the node over its Unix socket (used by the CLI and the console).
//!
//! A reader thread routes replies and pushed events apart, so a caller can wait for its reply while
//! events queue for the console.

use std::io::BufWriter;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use crate::proto::{self, ClientMsg, Event, NodeMsg, Reply, Request};

/// Client-side failures; messages say what to do.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "no node is running on {0}: start it with `kasa node` (or open the console with `kasa`)"
    )]
    NoNode(PathBuf),
    #[error("lost the connection to the node: {0}")]
    Lost(String),
    #[error("{message}")]
    Refused {
        code: crate::proto::ErrorCode,
        message: String,
    },
    #[error("the node did not answer within {0:?}")]
    Timeout(Duration),
    /// A local file to hand to the node could not be used (missing, unreadable, not a regular
    /// file, too many); nothing was sent. The message names the file and what to do.
    #[error("{0}")]
    Berkas(String),
}

impl ClientError {
    /// The node's error code when it refused a request (`rule`, `not_found`, `forbidden`, …).
    pub fn code(&self) -> Option<crate::proto::ErrorCode> {
        match self {
            ClientError::Refused { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// One connection.
pub struct Client {
    writer: BufWriter<UnixStream>,
    replies: Receiver<NodeMsg>,
    events: Option<Receiver<Event>>,
    next_id: u64,
    /// How long [`Client::call`] waits for a reply.
    pub timeout: Duration,
}

impl Client {
    /// Connects to the node on `socket`.
    pub fn connect(socket: &Path) -> Result<Client, ClientError> {
        let s =
            UnixStream::connect(socket).map_err(|e| match e.kind() {
            std::io::ErrorKind::PermissionDenied => ClientError::Lost(format!(
                "permission denied on {}: your user must be in the node's socket group (socket_group in node.toml), then log in again",
                socket.display()
            )),
            _ => ClientError::NoNode(socket.to_path_buf()),
        })?;
        let r = s
            .try_clone()
            .map_err(|e| ClientError::Lost(e.to_string()))?;
        let (rtx, rrx) = mpsc::channel();
        let (etx, erx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = std::io::BufReader::new(r);
            while let Ok(Some(body)) = proto::read_frame(&mut r) {
                let Ok(m) = serde_json::from_slice::<NodeMsg>(&body) else {
                    break;
                };
                if let Some(ev) = m.event {
                    if etx.send(ev).is_err() {
                        // Nobody listens for events; keep serving replies.
                    }
                } else if rtx.send(m).is_err() {
                    break;
                }
            }
        });
        Ok(Client {
            writer: BufWriter::new(s),
            replies: rrx,
            events: Some(erx),
            next_id: 1,
            timeout: Duration::from_secs(120),
        })
    }

    /// Sends a request and waits for its reply.
    pub fn call(&mut self, req: Request) -> Result<Reply, ClientError> {
        self.call_with_fds(req, &[])
    }

    /// Sends a request with open files passed as descriptors (`SCM_RIGHTS`, [`proto::fdpass`]) and
    /// waits for its reply. `files` must match the request's [`Request::fds_expected`], in order:
    /// the node reads them with the rights this process had when it opened them.
    pub fn call_with_fds(
        &mut self,
        req: Request,
        files: &[std::os::fd::BorrowedFd<'_>],
    ) -> Result<Reply, ClientError> {
        let id = self.next_id;
        self.next_id += 1;
        let body = serde_json::to_vec(&ClientMsg {
            v: proto::PROTO_VERSION,
            id,
            req,
        })
        .map_err(|e| ClientError::Lost(e.to_string()))?;
        if files.is_empty() {
            proto::write_frame(&mut self.writer, &body)
        } else {
            use std::io::Write;
            self.writer.flush().and_then(|()| {
                proto::fdpass::write_frame_with_fds(self.writer.get_ref(), &body, files)
            })
        }
        .map_err(|e| ClientError::Lost(e.to_string()))?;
        loop {
            let m = match self.replies.recv_timeout(self.timeout) {
                Ok(m) => m,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return Err(ClientError::Timeout(self.timeout));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(ClientError::Lost("the node closed the connection".into()));
                }
            };
            if m.re != Some(id) && m.re != Some(0) {
                continue;
            }
            if let Some(e) = m.err {
                return Err(ClientError::Refused {
                    code: e.code,
                    message: e.message,
                });
            }
            return m.ok.ok_or_else(|| ClientError::Lost("empty reply".into()));
        }
    }

    /// Records an evidence item of incident `id` with the file at `path` kept with it: the file is
    /// opened here and passed to the node as a descriptor (any size, read once by the node). Returns
    /// the incident and the node's clock. Errors: the file (not a regular file, unreadable), the
    /// node's refusal.
    pub fn insiden_bukti(
        &mut self,
        id: u64,
        deskripsi: String,
        pemegang: Option<String>,
        path: &std::path::Path,
    ) -> Result<(crate::domain::insiden::Insiden, jiff::Timestamp), ClientError> {
        use std::os::fd::AsFd;
        let f = open_regular(path)?;
        let berkas = proto::KgmFile {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            fd: true,
            ..Default::default()
        };
        let req = Request::Insiden(proto::insiden::InsidenRequest::Bukti {
            id,
            deskripsi,
            sha256: None,
            pemegang,
            berkas: Some(berkas),
        });
        match self.call_with_fds(req, &[f.as_fd()])? {
            Reply::Insiden(proto::insiden::InsidenReply::Satu { insiden, now }) => {
                Ok((*insiden, now))
            }
            other => Err(ClientError::Lost(format!(
                "unexpected reply to incident evidence: {other:?}"
            ))),
        }
    }

    /// Attaches the files at `paths` to entry `id` as `jenis` (`kasa agenda attach`, issue 14) and
    /// returns the updated entry. The files are opened here, with this process's rights, and
    /// handed to the node as descriptors ([`proto::fdpass`]): any size, never copied through the
    /// socket. Errors: [`ClientError::Berkas`] (a path that is not a readable regular file, none, or
    /// more than [`proto::fdpass::MAX_FDS`]; nothing sent), the node's refusal
    /// ([`ClientError::Refused`]: unknown entry, void or duplikat, empty or oversize file), I/O.
    pub fn attach(
        &mut self,
        id: u64,
        jenis: crate::domain::JenisLampiran,
        paths: &[PathBuf],
    ) -> Result<crate::domain::Entry, ClientError> {
        use std::os::fd::AsFd;
        let max = proto::fdpass::MAX_FDS;
        if paths.is_empty() {
            return Err(ClientError::Berkas(
                "tidak ada berkas: sebutkan minimal satu berkas untuk dilampirkan".into(),
            ));
        }
        if paths.len() > max {
            return Err(ClientError::Berkas(format!(
                "{} berkas sekaligus; paling banyak {max} per permintaan (batas descriptor): lampirkan dalam beberapa kali",
                paths.len()
            )));
        }
        let mut open = Vec::new();
        let mut files = Vec::new();
        for p in paths {
            open.push(open_regular(p)?);
            files.push(proto::KgmFile {
                name: p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                fd: true,
                ..Default::default()
            });
        }
        let fds: Vec<_> = open.iter().map(|f| f.as_fd()).collect();
        match self.call_with_fds(Request::AgendaAttach { id, jenis, files }, &fds)? {
            Reply::Entry { entry, .. } => Ok(*entry),
            other => Err(ClientError::Lost(format!(
                "unexpected reply to agenda attach: {other:?}"
            ))),
        }
    }

    /// Subscribes to pushed events and hands over their receiver (once).
    pub fn subscribe(&mut self) -> Result<Receiver<Event>, ClientError> {
        self.call(Request::Subscribe)?;
        self.events
            .take()
            .ok_or_else(|| ClientError::Lost("already subscribed".into()))
    }

    /// Writes raw bytes (tests of bad frames).
    pub fn send_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        self.writer.write_all(bytes)?;
        self.writer.flush()
    }
}

/// Opens `p` for reading and insists on a regular file (a folder, device or pipe is refused).
/// Errors: [`ClientError::Berkas`] naming the path and what to do.
pub fn open_regular(p: &Path) -> Result<std::fs::File, ClientError> {
    let file = std::fs::File::open(p).map_err(|e| {
        ClientError::Berkas(format!(
            "{}: {e}: periksa nama dan izin berkasnya",
            p.display()
        ))
    })?;
    let md = file
        .metadata()
        .map_err(|e| ClientError::Berkas(format!("{}: {e}", p.display())))?;
    if !md.is_file() {
        return Err(ClientError::Berkas(format!(
            "{}: bukan berkas biasa (folder, perangkat atau pipe); sebutkan berkasnya sendiri",
            p.display()
        )));
    }
    Ok(file)
}

impl Drop for Client {
    /// Closes the connection for both sides: the reply reader holds a duplicate of the socket, so
    /// without shutdown(2) the node would never see the end of a dropped client (its connection
    /// threads and descriptors would stay until the node wrote to it again).
    fn drop(&mut self) {
        use std::io::Write;
        let _ = self.writer.flush();
        let _ = self.writer.get_ref().shutdown(std::net::Shutdown::Both);
    }
}
