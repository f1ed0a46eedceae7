//! File descriptors over the node socket (`SCM_RIGHTS`): a client hands the node an open file
//! instead of its bytes, so a letter of any size crosses without a copy through JSON and the node
//! reads exactly what the operator could open (the shared box: the node never needs rights on the
//! operator's home).
//!
//! Wire rule: the descriptors ride on the first byte of the frame whose request names them (the
//! whole frame is written by one `sendmsg` call with the descriptors attached; Linux hands them to
//! the `recvmsg` that reads that byte). The request says how many it expects
//! ([`crate::proto::Request::fds_expected`]); the node takes them in order. At most [`MAX_FDS`]
//! per frame; more are closed on arrival.

use std::collections::VecDeque;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;

use rustix::net::{
    RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags,
};

/// Most descriptors one frame may carry (and the node keeps waiting for a request).
pub const MAX_FDS: usize = 16;

/// Writes one frame (4-byte big-endian length, body) with `fds` attached to its first byte.
/// Errors: I/O, more than [`MAX_FDS`] descriptors, a body above [`super::MAX_FRAME`].
pub fn write_frame_with_fds(s: &UnixStream, body: &[u8], fds: &[BorrowedFd<'_>]) -> io::Result<()> {
    if fds.len() > MAX_FDS {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} files in one request; at most {MAX_FDS}", fds.len()),
        ));
    }
    if body.len() > super::MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("frame of {} bytes exceeds the cap", body.len()),
        ));
    }
    let mut buf = Vec::with_capacity(4 + body.len());
    buf.extend_from_slice(&(body.len() as u32).to_be_bytes());
    buf.extend_from_slice(body);
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(MAX_FDS))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    if !fds.is_empty() && !control.push(SendAncillaryMessage::ScmRights(fds)) {
        return Err(io::Error::other(
            "file descriptors do not fit the control buffer",
        ));
    }
    let sent = loop {
        match rustix::net::sendmsg(s, &[IoSlice::new(&buf)], &mut control, SendFlags::NOSIGNAL) {
            Ok(n) => break n,
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    };
    // The descriptors went with the first chunk; the rest is plain bytes.
    let mut w = s;
    w.write_all(&buf[sent..])?;
    w.flush()
}

/// The node's side of a connection: a reader that uses `recvmsg`, keeping descriptors that arrive
/// (at most [`MAX_FDS`] waiting; extra ones are closed at once).
pub struct FdReader {
    s: UnixStream,
    fds: VecDeque<OwnedFd>,
}

impl FdReader {
    pub fn new(s: UnixStream) -> FdReader {
        FdReader {
            s,
            fds: VecDeque::new(),
        }
    }

    /// The `n` oldest waiting descriptors. Errors (with the counts) when fewer have arrived.
    pub fn take(&mut self, n: usize) -> Result<Vec<OwnedFd>, String> {
        if self.fds.len() < n {
            let got = self.fds.len();
            self.fds.clear();
            return Err(format!(
                "the request names {n} passed file(s) but {got} arrived with it"
            ));
        }
        Ok(self.fds.drain(..n).collect())
    }
}

impl Read for FdReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(MAX_FDS))];
        let mut control = RecvAncillaryBuffer::new(&mut space);
        let r = loop {
            match rustix::net::recvmsg(
                self.s.as_fd(),
                &mut [IoSliceMut::new(buf)],
                &mut control,
                RecvFlags::CMSG_CLOEXEC,
            ) {
                Ok(r) => break r,
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        };
        for m in control.drain() {
            if let RecvAncillaryMessage::ScmRights(fds) = m {
                for fd in fds {
                    if self.fds.len() < MAX_FDS {
                        self.fds.push_back(fd);
                    } // else: dropped here, i.e. closed.
                }
            }
        }
        Ok(r.bytes)
    }
}
