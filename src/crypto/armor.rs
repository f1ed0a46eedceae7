//! Strict ASCII armor for age files (c2sp.org/age, section "ASCII armor").
//!
//! The armored form is the binary age file encoded in standard, padded, canonical base64, wrapped at
//! 64 columns, between the lines `-----BEGIN AGE ENCRYPTED FILE-----` and
//! `-----END AGE ENCRYPTED FILE-----`. Decoding is strict, as the C2SP CCTV vectors require:
//!
//! - up to 1024 bytes of whitespace may precede the begin line and follow the end line; anything else
//!   outside the armor is an error;
//! - lines end in LF or CRLF; the end line may lack its line ending;
//! - every data line is 1..=64 columns of canonical padded base64; only the last data line may be shorter
//!   than 64 columns (48 bytes), and it must be followed immediately by the end line;
//! - no headers (`Comment:`), no PGP checksum, no empty lines, no whitespace inside lines.
//!
//! Errors are reported through [`std::io::Error`] values that carry an [`ArmorError`]; the age
//! decryptor maps them to [`crate::crypto::AgeError::Armor`].

use std::io::{self, BufRead, BufReader, Read, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The first line of an armored age file.
pub const BEGIN: &str = "-----BEGIN AGE ENCRYPTED FILE-----";
/// The last line of an armored age file.
pub const END: &str = "-----END AGE ENCRYPTED FILE-----";
/// Columns per armored data line.
pub const COLUMNS: usize = 64;
/// Decoded bytes per full armored data line.
pub const BYTES_PER_LINE: usize = COLUMNS / 4 * 3;
const MAX_WHITESPACE: usize = 1024;

/// A violation of the armor rules; carried inside an [`io::Error`] of kind `InvalidData`.
#[derive(Debug, thiserror::Error)]
#[error("age armor: {0}")]
pub struct ArmorError(pub String);

fn armor_err(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, ArmorError(msg.into()))
}

/// Returns the [`ArmorError`] inside `e`, if it is one.
pub fn as_armor_error(e: &io::Error) -> Option<&ArmorError> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<ArmorError>())
}

/// Whitespace as Go's `unicode.IsSpace` sees a single byte (what the reference implementation skips).
fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0x85 | 0xa0)
}

/// Streaming armor encoder: write binary age bytes, call [`ArmorWriter::finish`] to emit the last line
/// and the end line.
pub struct ArmorWriter<W: Write> {
    inner: W,
    pending: Vec<u8>,
    started: bool,
}

impl<W: Write> ArmorWriter<W> {
    /// Wraps `inner`; the begin line is written with the first byte (or at `finish`).
    pub fn new(inner: W) -> Self {
        ArmorWriter {
            inner,
            pending: Vec::with_capacity(BYTES_PER_LINE),
            started: false,
        }
    }

    fn start(&mut self) -> io::Result<()> {
        if !self.started {
            self.inner.write_all(BEGIN.as_bytes())?;
            self.inner.write_all(b"\n")?;
            self.started = true;
        }
        Ok(())
    }

    fn flush_line(&mut self) -> io::Result<()> {
        let mut line = STANDARD.encode(&self.pending);
        line.push('\n');
        self.inner.write_all(line.as_bytes())?;
        self.pending.clear();
        Ok(())
    }

    /// Writes the final (possibly short) line and the end line; returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.start()?;
        if !self.pending.is_empty() {
            self.flush_line()?;
        }
        self.inner.write_all(END.as_bytes())?;
        self.inner.write_all(b"\n")?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for ArmorWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.start()?;
        let mut rest = buf;
        while !rest.is_empty() {
            // Only flush a full line when more data follows, so that a full last line is still the last.
            if self.pending.len() == BYTES_PER_LINE {
                self.flush_line()?;
            }
            let take = (BYTES_PER_LINE - self.pending.len()).min(rest.len());
            self.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Streaming strict armor decoder yielding the binary age file.
pub struct ArmorReader<R: Read> {
    inner: BufReader<R>,
    started: bool,
    done: bool,
    failed: Option<String>,
    decoded: Vec<u8>,
    pos: usize,
}

impl<R: Read> ArmorReader<R> {
    /// Wraps `inner`; nothing is read until the first `read`.
    pub fn new(inner: R) -> Self {
        ArmorReader {
            inner: BufReader::new(inner),
            started: false,
            done: false,
            failed: None,
            decoded: Vec::with_capacity(BYTES_PER_LINE),
            pos: 0,
        }
    }

    /// Reads one line (without its LF or CRLF), at most `max` bytes long. `Ok(None)` at EOF.
    fn line(&mut self, max: usize) -> io::Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        let n = (&mut self.inner)
            .take(max as u64 + 2)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(None);
        }
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        } else if n >= max + 2 {
            return Err(armor_err("line too long"));
        }
        if line.len() > max {
            return Err(armor_err("line too long"));
        }
        Ok(Some(line))
    }

    fn drain_trailing(&mut self) -> io::Result<()> {
        let mut buf = Vec::new();
        (&mut self.inner)
            .take(MAX_WHITESPACE as u64)
            .read_to_end(&mut buf)?;
        if !buf.iter().all(|&b| is_space(b)) {
            return Err(armor_err("trailing data after the end line"));
        }
        if buf.len() == MAX_WHITESPACE {
            return Err(armor_err("too much trailing whitespace"));
        }
        self.done = true;
        Ok(())
    }

    fn fill(&mut self) -> io::Result<()> {
        if !self.started {
            let mut skipped = 0usize;
            loop {
                let buf = self.inner.fill_buf()?;
                if buf.is_empty() {
                    return Err(armor_err("no begin line"));
                }
                let n = buf.iter().take_while(|&&b| is_space(b)).count();
                let all = n == buf.len();
                self.inner.consume(n);
                skipped += n;
                if skipped > MAX_WHITESPACE {
                    return Err(armor_err("too much leading whitespace"));
                }
                if !all {
                    break;
                }
            }
            match self.line(BEGIN.len())? {
                Some(l) if l == BEGIN.as_bytes() => self.started = true,
                _ => return Err(armor_err("invalid begin line")),
            }
        }
        let line = match self.line(COLUMNS)? {
            Some(l) => l,
            None => return Err(armor_err("missing end line")),
        };
        if line == END.as_bytes() {
            return self.drain_trailing();
        }
        if line.is_empty() {
            return Err(armor_err("empty line"));
        }
        self.decoded.clear();
        self.pos = 0;
        STANDARD
            .decode_vec(&line, &mut self.decoded)
            .map_err(|e| armor_err(format!("invalid base64 line: {e}")))?;
        if self.decoded.len() < BYTES_PER_LINE {
            match self.line(END.len())? {
                Some(l) if l == END.as_bytes() => self.drain_trailing()?,
                _ => return Err(armor_err("a short line must be followed by the end line")),
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for ArmorReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            if let Some(msg) = &self.failed {
                return Err(armor_err(msg.clone()));
            }
            if self.pos < self.decoded.len() {
                let n = (self.decoded.len() - self.pos).min(out.len());
                out[..n].copy_from_slice(&self.decoded[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if self.done {
                return Ok(0);
            }
            if let Err(e) = self.fill() {
                if let Some(a) = as_armor_error(&e) {
                    self.failed = Some(a.0.clone());
                }
                return Err(e);
            }
        }
    }
}

/// True when `prefix` (the first bytes of a file) looks armored: optional whitespace, then the begin
/// line's first bytes.
pub fn looks_armored(prefix: &[u8]) -> bool {
    let trimmed: Vec<u8> = prefix
        .iter()
        .copied()
        .skip_while(|&b| is_space(b))
        .collect();
    let n = trimmed.len().min(BEGIN.len());
    n >= 10 && trimmed[..n] == BEGIN.as_bytes()[..n]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_lengths() {
        for len in [1usize, 47, 48, 49, 96, 1000] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut w = ArmorWriter::new(Vec::new());
            w.write_all(&data).unwrap();
            let armored = w.finish().unwrap();
            let text = String::from_utf8(armored.clone()).unwrap();
            assert!(text.lines().all(|l| l.len() <= 64));
            let mut back = Vec::new();
            ArmorReader::new(&armored[..])
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, data);
        }
    }
}
