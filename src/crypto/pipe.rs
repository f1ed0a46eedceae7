//! Streaming helpers for the one-pass kriptogram paths: SHA-256 on a thread of its own fed with
//! shared 1 MiB blocks (so hashing runs on the second core while the caller reads, encrypts or
//! decrypts), a small pool that recycles those blocks (memory stays flat in the file size), and
//! early write-back so the final `fsync` finds little left to write.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::os::unix::io::AsRawFd;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};

/// Size of one I/O block in bytes (1 MiB).
pub const BLOCK: usize = 1 << 20;
/// Blocks a hashing thread may have queued before the sender waits (bounds memory: 4 MiB each).
const QUEUE: usize = 4;
/// Most idle blocks kept by a [`Pool`].
const POOL_MAX: usize = 12;

/// A shared, immutable block of bytes handed to hashing threads.
pub type Block = Arc<Vec<u8>>;

/// What a [`HashThread`] is sent: bytes to hash, or a request for the digest so far.
enum HashMsg {
    Bytes(Block, Range<usize>),
    Mark(SyncSender<[u8; 32]>),
}

/// SHA-256 computed on a background thread over byte ranges of shared blocks, in the order given.
/// A [`HashThread::mark`] also gives the digest of everything queued before it (SHA-256 runs left
/// to right, so one stream gives the digest of a prefix and of the whole: the `.kgm` version 2
/// signature and file hash, `docs/kriptogram.md`).
pub struct HashThread {
    tx: Option<SyncSender<HashMsg>>,
    handle: Option<JoinHandle<[u8; 32]>>,
}

/// The digest of a prefix, asked for with [`HashThread::mark`].
pub struct Mark(Receiver<[u8; 32]>);

impl Mark {
    /// Waits for the digest. Errors: the hashing thread failed or was dropped first.
    pub fn wait(self) -> io::Result<[u8; 32]> {
        self.0
            .recv()
            .map_err(|_| io::Error::other("hashing thread failed"))
    }
}

impl HashThread {
    /// Starts the thread. Errors: the thread could not be spawned (`io::Error`).
    pub fn spawn() -> io::Result<HashThread> {
        let (tx, rx): (SyncSender<HashMsg>, Receiver<_>) = sync_channel(QUEUE);
        let handle = std::thread::Builder::new()
            .name("kasa-sha256".into())
            .spawn(move || {
                let mut h = Sha256::new();
                for m in rx {
                    match m {
                        HashMsg::Bytes(b, r) => {
                            if let Some(s) = b.get(r) {
                                h.update(s);
                            }
                        }
                        HashMsg::Mark(back) => {
                            let _ = back.send(h.clone().finalize().into());
                        }
                    }
                }
                h.finalize().into()
            })?;
        Ok(HashThread {
            tx: Some(tx),
            handle: Some(handle),
        })
    }

    /// Queues `block[range]` (waits while [`QUEUE`] blocks are pending). An empty range is skipped.
    pub fn update(&self, block: &Block, range: Range<usize>) {
        if range.is_empty() {
            return;
        }
        self.send(HashMsg::Bytes(block.clone(), range));
    }

    /// Asks for the digest of everything queued so far; hashing goes on behind it.
    pub fn mark(&self) -> Mark {
        let (tx, rx) = sync_channel(1);
        self.send(HashMsg::Mark(tx));
        Mark(rx)
    }

    fn send(&self, m: HashMsg) {
        if let Some(tx) = &self.tx {
            // A send fails only if the thread is gone; `finish` then reports it.
            let _ = tx.send(m);
        }
    }

    /// Waits for the queued blocks and returns the digest. Errors: the hashing thread panicked.
    pub fn finish(mut self) -> io::Result<[u8; 32]> {
        self.tx = None;
        self.handle
            .take()
            .expect("joined once")
            .join()
            .map_err(|_| io::Error::other("hashing thread failed"))
    }
}

impl Drop for HashThread {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Recycles [`BLOCK`]-sized buffers once no hashing thread holds them any more.
#[derive(Default)]
pub struct Pool {
    idle: Vec<Block>,
}

impl Pool {
    /// A block of `BLOCK` bytes (contents unspecified) that nobody else holds.
    pub fn get(&mut self) -> Block {
        if let Some(i) = self.idle.iter().position(|b| Arc::strong_count(b) == 1) {
            return self.idle.swap_remove(i);
        }
        Arc::new(vec![0u8; BLOCK])
    }

    /// Gives a block back for reuse (dropped when the pool is full).
    pub fn put(&mut self, b: Block) {
        if self.idle.len() < POOL_MAX {
            self.idle.push(b);
        }
    }
}

/// The bytes of `Arc::get_mut`: a block from [`Pool::get`] is held by nobody else.
pub fn block_mut(b: &mut Block) -> &mut Vec<u8> {
    if Arc::get_mut(b).is_none() {
        *b = Arc::new(vec![0u8; BLOCK]);
    }
    Arc::get_mut(b).expect("unique")
}

/// Starts write-back of `file[offset..offset+len]` to disk without waiting (Linux
/// `sync_file_range(SYNC_FILE_RANGE_WRITE)`), so a final `fsync` has little left to do. Advisory:
/// errors are ignored (the final `fsync` reports real ones).
pub fn start_writeback(file: &File, offset: u64, len: u64) {
    #[cfg(target_os = "linux")]
    // SAFETY: sync_file_range on an open descriptor with plain integer arguments.
    unsafe {
        libc::sync_file_range(
            file.as_raw_fd(),
            offset as libc::off64_t,
            len as libc::off64_t,
            libc::SYNC_FILE_RANGE_WRITE,
        );
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file.as_raw_fd(), offset, len);
}

/// A writer to a file that starts write-back every 8 MiB ([`start_writeback`]); `fsync` stays with
/// the caller, once, at the end.
pub struct WritebackFile<'f> {
    file: &'f File,
    written: u64,
    kicked: u64,
}

/// Bytes between two write-back kicks.
const KICK: u64 = 8 << 20;

impl<'f> WritebackFile<'f> {
    /// Wraps `file`, positioned at offset 0.
    pub fn new(file: &'f File) -> WritebackFile<'f> {
        WritebackFile {
            file,
            written: 0,
            kicked: 0,
        }
    }
}

impl io::Write for WritebackFile<'_> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let n = io::Write::write(&mut &*self.file, b)?;
        self.written += n as u64;
        if self.written - self.kicked >= KICK {
            start_writeback(self.file, self.kicked, self.written - self.kicked);
            self.kicked = self.written;
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Reads into `buf` until it is full or the source ends; returns the bytes read.
pub fn read_full<R: io::Read + ?Sized>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// SHA-256 and length of everything `r` yields from its current position, read in 1 MiB blocks,
/// hashed on a second thread.
pub fn hash_all<R: io::Read + ?Sized>(r: &mut R) -> io::Result<(u64, [u8; 32])> {
    let h = HashThread::spawn()?;
    let mut pool = Pool::default();
    let mut total = 0u64;
    loop {
        let mut b = pool.get();
        let n = read_full(r, block_mut(&mut b))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        h.update(&b, 0..n);
        pool.put(b);
    }
    Ok((total, h.finish()?))
}

/// A reader that reads its source in 1 MiB blocks, hands each block to a hashing thread and serves
/// the bytes on: the SHA-256 of everything read, computed while the caller works on the bytes.
pub struct HashingReader<R: io::Read> {
    inner: R,
    pool: Pool,
    block: Option<Block>,
    pos: usize,
    len: usize,
    hash: Option<HashThread>,
    total: u64,
}

impl<R: io::Read> HashingReader<R> {
    /// Wraps `inner`. Errors: the hashing thread could not start.
    pub fn new(inner: R) -> io::Result<HashingReader<R>> {
        Ok(HashingReader {
            inner,
            pool: Pool::default(),
            block: None,
            pos: 0,
            len: 0,
            hash: Some(HashThread::spawn()?),
            total: 0,
        })
    }

    /// Bytes read from the source so far and their SHA-256 (blocks read ahead but not yet served
    /// are included: callers read to the end first).
    pub fn finish(mut self) -> io::Result<(u64, [u8; 32])> {
        let h = self
            .hash
            .take()
            .ok_or_else(|| io::Error::other("hash finished twice"))?;
        Ok((self.total, h.finish()?))
    }
}

impl<R: io::Read> io::Read for HashingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        if self.pos == self.len {
            if let Some(old) = self.block.take() {
                self.pool.put(old);
            }
            let mut b = self.pool.get();
            let n = read_full(&mut self.inner, block_mut(&mut b))?;
            if n == 0 {
                return Ok(0);
            }
            if let Some(h) = &self.hash {
                h.update(&b, 0..n);
            }
            self.total += n as u64;
            self.block = Some(b);
            self.pos = 0;
            self.len = n;
        }
        let b = self.block.as_ref().expect("loaded");
        let n = (self.len - self.pos).min(out.len());
        out[..n].copy_from_slice(&b[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threaded_hash_equals_direct_hash() {
        let data: Vec<u8> = (0..3 * BLOCK + 12345)
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let (n, d) = hash_all(&mut &data[..]).unwrap();
        assert_eq!(n, data.len() as u64);
        assert_eq!(d, <[u8; 32]>::from(Sha256::digest(&data)));
        let mut r = HashingReader::new(&data[..]).unwrap();
        let mut back = Vec::new();
        io::Read::read_to_end(&mut r, &mut back).unwrap();
        assert_eq!(back, data);
        let (n, d2) = r.finish().unwrap();
        assert_eq!((n, d2), (data.len() as u64, d));
        let (n, d) = hash_all(&mut &b""[..]).unwrap();
        assert_eq!(n, 0);
        assert_eq!(d, <[u8; 32]>::from(Sha256::digest(b"")));
    }
}
