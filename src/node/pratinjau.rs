//! Page images for the console's preview (issue 15): `Request::Halaman` → `Reply::Halaman`.
//!
//! The page is rendered in the analysis child ([`crate::ingest::halaman`]) under the extraction
//! limits of `[ingest]`, never in the node process: the file is an untrusted scan. A plain blob is
//! handed to the child by path. A blob encrypted at rest is opened with the node's keys into an
//! anonymous memory file (`memfd_create`) that only the child inherits, so its plaintext never
//! touches the disk. Every page served is audited (`attachment.preview`), as reading the
//! attachment is (`attachment.read`).

use std::io::Write;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;

use base64::Engine;
use jiff::Timestamp;

use super::NodeState;
use super::masuk::store_err;
use crate::domain::Operator;
use crate::ingest::extract::{ExtractError, Limits};
use crate::ingest::halaman::{Halaman, MAKS_LEBAR, MAKS_TINGGI};
use crate::proto::Reply;
use crate::store::Actor;

type HResult = Result<Reply, (&'static str, String)>;

/// Serves page `halaman` of attachment `index` of entry `id`, fitted into `lebar`×`tinggi` pixels.
///
/// Errors: `not_found` (no entry, attachment or page), `locked` (an encrypted blob while the keys are
/// locked), `integrity` (the blob does not match its hash), `rule` with the child's note when the
/// page cannot be shown (a broken or oversized image, a kind of file without pages).
#[allow(clippy::too_many_arguments)]
pub(super) fn halaman(
    state: &NodeState,
    op: &Operator,
    id: u64,
    index: usize,
    halaman: u32,
    lebar: u32,
    tinggi: u32,
    now: Timestamp,
) -> HResult {
    let st = &state.store;
    let e = st.entry(id).map_err(store_err)?.ok_or((
        "not_found",
        format!("entri {id} tidak ada: periksa nomornya dengan `kasa agenda list`"),
    ))?;
    let a = e.attachments.get(index).ok_or((
        "not_found",
        format!(
            "entri {id} punya {} lampiran; lampiran ke-{index} tidak ada",
            e.attachments.len()
        ),
    ))?;
    let lebar = lebar.clamp(16, MAKS_LEBAR);
    let tinggi = tinggi.clamp(16, MAKS_TINGGI);
    let limits = state.ingest.extract_limits();
    let exe = &state.ingest.exe;
    let page = if a.encrypted_at_rest {
        let data = super::atrest::read_blob(state, &a.sha256)?;
        render_from_memory(exe, &data, halaman, lebar, tinggi, &limits)
    } else {
        let path = state.ingest.blobs().path(&a.sha256);
        if !path.exists() {
            return Err((
                "not_found",
                format!(
                    "berkas entri {id} tidak ada di penyimpanan blob ({}): pulihkan dari cadangan",
                    path.display()
                ),
            ));
        }
        crate::ingest::halaman::render_in_child(exe, &path, halaman, lebar, tinggi, &limits)
    };
    let page = page.map_err(refusal)?;
    let _ = st.audit_event(
        &Actor::operator(op),
        "attachment.preview",
        &format!("entry:{id}"),
        &format!("{} halaman {halaman}", a.name),
        now,
    );
    Ok(Reply::Halaman {
        id,
        halaman,
        jumlah: page.jumlah,
        lebar: page.lebar,
        tinggi: page.tinggi,
        png_b64: base64::engine::general_purpose::STANDARD.encode(&page.png),
    })
}

/// The child's note as the refusal the console shows.
fn refusal(e: ExtractError) -> (&'static str, String) {
    match e {
        ExtractError::Crashed {
            code: Some(3),
            stderr,
            ..
        } => ("rule", stderr.trim().to_string()),
        other => (
            "rule",
            format!("pratinjau halaman tidak dapat dibuat / page preview failed: {other}"),
        ),
    }
}

/// Renders from bytes held in memory: an anonymous memory file inherited by the child only.
fn render_from_memory(
    exe: &std::path::Path,
    data: &[u8],
    halaman: u32,
    lebar: u32,
    tinggi: u32,
    limits: &Limits,
) -> Result<Halaman, ExtractError> {
    let fd: OwnedFd = rustix::fs::memfd_create("kasa-halaman", rustix::fs::MemfdFlags::CLOEXEC)
        .map_err(|e| ExtractError::Spawn(e.into()))?;
    let mut f = std::fs::File::from(fd);
    f.write_all(data)?;
    let raw = f.as_raw_fd();
    let path = PathBuf::from(format!("/dev/fd/{raw}"));
    let mut cmd = Command::new(exe);
    cmd.arg("__halaman")
        .arg(&path)
        .arg(halaman.to_string())
        .arg(lebar.to_string())
        .arg(tinggi.to_string());
    // SAFETY: runs in the forked child before exec; fcntl(2) is async-signal-safe and only clears
    // FD_CLOEXEC on the memory file this function owns (open for the whole call), so the child (and
    // pdftoppm under it) can open /dev/fd/N. Nothing is allocated.
    unsafe {
        cmd.pre_exec(move || {
            if libc::fcntl(raw, libc::F_SETFD, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = crate::ingest::extract::run_child_raw(cmd, limits, None);
    drop(f);
    crate::ingest::halaman::parse_child_output(&out?)
        .ok_or_else(|| ExtractError::BadOutput("bukan gambar halaman".into()))
}
