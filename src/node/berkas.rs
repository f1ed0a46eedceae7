//! Files handed to the node over its socket (shared by `kriptogram seal|open|verify` and
//! `agenda attach`): the content as base64 in the request or as a passed descriptor
//! (`proto::fdpass`), copied once, streaming, into the private staging folder while it is hashed.

use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine;

use super::NodeState;
use crate::ingest::{stage_copy_sealed_unsynced, stage_copy_unsynced};

type Refusal = (&'static str, String);

fn b64(data: &str) -> Result<Vec<u8>, Refusal> {
    base64::engine::general_purpose::STANDARD
        .decode(data.as_bytes())
        .map_err(|e| ("bad_request", format!("file data is not base64: {e}")))
}

/// The file-name part of a name a client sent (`berkas` when it has none): never a path.
pub fn bare_name(name: &str) -> String {
    Path::new(name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "berkas".into())
}

/// The first 8 KiB of the file at `path` (empty when unreadable), for sniffing its type.
pub fn head_of(path: &Path) -> Vec<u8> {
    use std::io::Read;
    let mut head = Vec::with_capacity(8192);
    if let Ok(f) = fs::File::open(path) {
        let _ = f.take(8192).read_to_end(&mut head);
    }
    head
}

/// The MIME type of `head` (the first bytes of a file) by magic bytes;
/// `application/octet-stream` when kasa does not know it.
pub fn mime_of(head: &[u8]) -> &'static str {
    crate::ingest::sniff::sniff(head).map_or("application/octet-stream", |k| k.mime())
}

/// The content of a file handed to the node: base64 inside the request, or an open file passed as a
/// descriptor with it (`proto::fdpass`), read once, streaming, with the client's rights.
pub enum Masukan {
    B64(String),
    Berkas(fs::File),
}

/// A file staged by [`Masukan::stage_with`]: its private copy (plain or encrypted at rest), the
/// SHA-256 and size of the plaintext, and its first bytes (at most 8 KiB, for sniffing).
pub struct Staged {
    pub path: PathBuf,
    pub sha: [u8; 32],
    pub size: u64,
    pub head: Vec<u8>,
}

impl Staged {
    /// Makes the staged copy durable (it was written without waiting for the disk) and moves it into
    /// the blob store under its SHA-256: the encrypted-at-rest name when `sealed`. Errors: I/O.
    pub fn store_in_blobs(&self, state: &NodeState, sealed: bool) -> std::io::Result<PathBuf> {
        fs::File::open(&self.path)
            .and_then(|f| f.sync_all())
            .and_then(|()| {
                if sealed {
                    state
                        .ingest
                        .blobs()
                        .put_staged_sealed(&self.path, &self.sha)
                } else {
                    state.ingest.blobs().put_staged(&self.path, &self.sha)
                }
            })
    }
}

impl Masukan {
    /// `fd`: the request says a descriptor came with it (`file`); else the base64 text.
    pub fn of(fd: bool, data_b64: String, file: Option<fs::File>) -> Masukan {
        match (fd, file) {
            (true, Some(f)) => Masukan::Berkas(f),
            _ => Masukan::B64(data_b64),
        }
    }

    /// Size in bytes when known before reading: a passed regular file (`fstat`) or the decoded
    /// length of base64 text; `None` for a pipe or socket.
    pub fn known_size(&self) -> Option<u64> {
        match self {
            Masukan::B64(t) => Some((t.trim_end_matches('=').len() as u64 * 3) / 4),
            Masukan::Berkas(f) => f.metadata().ok().filter(|m| m.is_file()).map(|m| m.len()),
        }
    }

    /// Copies the content into a new private file under the staging folder (1 MiB blocks, hashed
    /// on a second thread, write-back started but not waited for: the caller fsyncs the copy before
    /// relying on it). Returns its path, SHA-256 and size. Errors: bad base64 (`invalid`), I/O
    /// (`internal`).
    pub fn stage(self, state: &NodeState) -> Result<(PathBuf, [u8; 32], u64), Refusal> {
        let staging = state.paths.ingest("staging");
        let r = match self {
            Masukan::B64(t) => {
                let data = b64(&t)?;
                stage_copy_unsynced(&mut &data[..], &staging, u64::MAX)
            }
            Masukan::Berkas(mut f) => stage_copy_unsynced(&mut f, &staging, u64::MAX),
        };
        r.map_err(|e| ("internal", format!("staging: {e}")))
    }

    /// [`Masukan::stage`] with a size bound and, with `seal_to`, the copy encrypted at rest to that
    /// recipient as it is written (the plaintext never reaches the disk). The head (8 KiB) is kept
    /// from the same pass, so the type is sniffed without reading the copy again. Errors: over `max`
    /// bytes (`rule`, naming `ingest.max_bytes`), bad base64, I/O (`internal`).
    pub fn stage_with(
        self,
        state: &NodeState,
        max: u64,
        seal_to: Option<&crate::crypto::Recipient>,
    ) -> Result<Staged, Refusal> {
        let staging = state.paths.ingest("staging");
        let data;
        let mut src: Box<dyn std::io::Read> = match self {
            Masukan::B64(t) => {
                data = b64(&t)?;
                Box::new(&data[..])
            }
            Masukan::Berkas(f) => Box::new(f),
        };
        let mut head = Vec::with_capacity(8192);
        let mut tee = HeadTee {
            inner: &mut src,
            head: &mut head,
        };
        let r = match seal_to {
            Some(to) => stage_copy_sealed_unsynced(&mut tee, &staging, max, to),
            None => stage_copy_unsynced(&mut tee, &staging, max),
        };
        match r {
            Ok((path, sha, size)) => Ok(Staged {
                path,
                sha,
                size,
                head,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => Err((
                "rule",
                format!(
                    "berkas melebihi batas ukuran node ({max} byte, ingest.max_bytes di node.toml) / file over the node's size limit: kecilkan atau pisah berkasnya, atau minta admin menaikkan ingest.max_bytes"
                ),
            )),
            Err(e) => Err(("internal", format!("staging: {e}"))),
        }
    }

    /// The passed descriptor when it is a regular file (to read in place, positioned or from its
    /// start); anything else (base64, a pipe) comes back unchanged.
    pub fn into_regular_file(self) -> Result<fs::File, Masukan> {
        match self {
            Masukan::Berkas(f) if f.metadata().is_ok_and(|m| m.is_file()) => Ok(f),
            other => Err(other),
        }
    }

    /// The content as a file to read in place: a regular file passed as a descriptor is used as it
    /// is (positioned reads, no copy); anything else is staged first (the path is returned for the
    /// caller to move or remove). Errors as [`Masukan::stage`].
    pub fn source(self, state: &NodeState) -> Result<(fs::File, Option<PathBuf>), Refusal> {
        if let Masukan::Berkas(f) = &self
            && f.metadata().is_ok_and(|m| m.is_file())
        {
            let Masukan::Berkas(f) = self else {
                unreachable!("matched above")
            };
            return Ok((f, None));
        }
        let (path, _, _) = self.stage(state)?;
        match fs::File::open(&path) {
            Ok(f) => Ok((f, Some(path))),
            Err(e) => {
                let _ = fs::remove_file(&path);
                Err(("internal", format!("staging: {e}")))
            }
        }
    }
}

/// A reader that keeps the first 8 KiB it passes on.
struct HeadTee<'a, R: std::io::Read + ?Sized> {
    inner: &'a mut R,
    head: &'a mut Vec<u8>,
}

impl<R: std::io::Read + ?Sized> std::io::Read for HeadTee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let room = 8192usize.saturating_sub(self.head.len());
        self.head.extend_from_slice(&buf[..n.min(room)]);
        Ok(n)
    }
}
