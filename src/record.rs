//! TFRecord framing with masked CRC-32C, shared by the writer and the reader.
//!
//! An event file is a plain sequence of records, with no file header:
//!
//! | bytes | content |
//! |---|---|
//! | 8 | payload length `n`, u64 little-endian |
//! | 4 | masked CRC-32C of those 8 bytes, u32 little-endian |
//! | `n` | payload: one serialized `Event` |
//! | 4 | masked CRC-32C of the payload, u32 little-endian |
//!
//! The checksum is CRC-32C (Castagnoli, not zlib's CRC-32), "masked" by rotating it right by
//! 15 bits and adding `0xa282ead8`, so that a CRC of data that itself contains CRCs is not
//! degenerate. The `crc32c` crate uses the CPU's CRC instructions where present.
//!
//! ```
//! use tensorboard_writer::record::{masked_crc32c, encode_record};
//!
//! // Test vectors from TensorBoard's own data server.
//! assert_eq!(masked_crc32c(b"\x1a\x11CRC test, one two"), 0x5794_d08a);
//! assert_eq!(masked_crc32c(&24u64.to_le_bytes()), 0x224b_7fa3);
//!
//! let mut framed = Vec::new();
//! encode_record(b"hello", &mut framed);
//! assert_eq!(framed.len(), 12 + 5 + 4);
//! ```

use std::io::{self, Read};
use std::path::PathBuf;

use crate::error::{Error, Result};
pub use crate::wire::{FOOTER_LEN, HEADER_LEN, encode_record, mask_crc, masked_crc32c};

/// Reads records from a byte stream, checking both checksums of each.
///
/// A stream that ends inside a record is reported as [`Error::Truncated`], which is not
/// fatal: the bytes already read are kept, and the next call reads on from where the stream
/// stopped. That is how a file that is still being written is followed: read until
/// `Truncated` (or the end), wait, read again.
///
/// ```
/// use tensorboard_writer::record::{encode_record, RecordReader};
///
/// let mut bytes = Vec::new();
/// encode_record(b"one", &mut bytes);
/// encode_record(b"two", &mut bytes);
/// let mut reader = RecordReader::new(&bytes[..]);
/// assert_eq!(reader.read_record()?.unwrap(), b"one");
/// assert_eq!(reader.read_record()?.unwrap(), b"two");
/// assert!(reader.read_record()?.is_none());
/// # Ok::<(), tensorboard_writer::Error>(())
/// ```
#[derive(Debug)]
pub struct RecordReader<R> {
    inner: R,
    path: PathBuf,
    buf: Vec<u8>,
    /// Start of the unconsumed bytes in `buf`.
    pos: usize,
    /// End of the valid bytes in `buf`.
    end: usize,
    /// Stream offset of `buf[pos]`.
    offset: u64,
    /// The last length field whose checksum matched, with that checksum: records of a
    /// scalar series mostly share their length, and checking the next one is then a
    /// comparison instead of a CRC.
    checked_len: Option<([u8; 8], u32)>,
}

/// The buffer a reader starts with: small, so that opening a reader (or fuzzing one) costs
/// little. It doubles on every refill once a buffer's worth has been read, up to
/// [`READ_BUF`].
const INITIAL_BUF: usize = 8 * 1024;
/// The size of the reads of a long stream (a record longer than this gets a buffer of its
/// size).
const READ_BUF: usize = 256 * 1024;

impl<R: Read> RecordReader<R> {
    /// A reader over `inner`, starting at its current position.
    pub fn new(inner: R) -> Self {
        Self::with_path(inner, PathBuf::new())
    }

    /// Like [`new`](Self::new), naming `path` in errors.
    pub fn with_path(inner: R, path: impl Into<PathBuf>) -> Self {
        RecordReader {
            inner,
            path: path.into(),
            buf: vec![0; INITIAL_BUF],
            pos: 0,
            end: 0,
            offset: 0,
            checked_len: None,
        }
    }

    /// Offset in the stream of the next record to be read.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The path given to [`with_path`](Self::with_path).
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Reads the next record's payload.
    ///
    /// Returns `Ok(None)` at a clean end of the stream (between records),
    /// [`Error::Truncated`] when the stream ends inside a record, and
    /// [`Error::CorruptRecord`] when a checksum fails. After `Truncated` the call can be
    /// repeated once the stream has more data. After `CorruptRecord` the reader stays at the
    /// damaged record, and every later call reports the same error.
    #[inline(always)]
    pub fn read_record(&mut self) -> Result<Option<&[u8]>> {
        if !self.fill(HEADER_LEN)? {
            return self.end_of_data(HEADER_LEN as u64);
        }
        let header = &self.buf[self.pos..self.pos + HEADER_LEN];
        let mut len_bytes = [0u8; 8];
        len_bytes.copy_from_slice(&header[..8]);
        let stored = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
        if self.checked_len != Some((len_bytes, stored)) {
            if masked_crc32c(&len_bytes) != stored {
                return Err(self.corrupt("length checksum mismatch"));
            }
            self.checked_len = Some((len_bytes, stored));
        }
        let len = u64::from_le_bytes(len_bytes);
        let total = (HEADER_LEN as u64)
            .checked_add(len)
            .and_then(|n| n.checked_add(FOOTER_LEN as u64))
            .filter(|&n| usize::try_from(n).is_ok())
            .ok_or_else(|| self.corrupt("record length does not fit in memory"))?;
        let total = total as usize;
        if !self.fill(total)? {
            return self.end_of_data(total as u64);
        }
        let payload_start = self.pos + HEADER_LEN;
        let payload_end = payload_start + len as usize;
        let f = &self.buf[payload_end..payload_end + FOOTER_LEN];
        let stored = u32::from_le_bytes([f[0], f[1], f[2], f[3]]);
        if masked_crc32c(&self.buf[payload_start..payload_end]) != stored {
            return Err(self.corrupt("payload checksum mismatch"));
        }
        self.pos += total;
        self.offset += total as u64;
        Ok(Some(&self.buf[payload_start..payload_end]))
    }

    #[cold]
    #[inline(never)]
    fn corrupt(&self, what: &'static str) -> Error {
        Error::CorruptRecord {
            path: self.path.clone(),
            offset: self.offset,
            what,
        }
    }

    #[cold]
    #[inline(never)]
    fn end_of_data(&self, needed: u64) -> Result<Option<&[u8]>> {
        let available = (self.end - self.pos) as u64;
        if available == 0 {
            Ok(None)
        } else {
            Err(Error::Truncated {
                path: self.path.clone(),
                offset: self.offset,
                available,
                needed,
            })
        }
    }

    /// Makes `need` bytes available at `self.pos`, reading as needed. Returns false when the
    /// stream ends first (what was read is kept).
    #[inline(always)]
    fn fill(&mut self, need: usize) -> Result<bool> {
        if self.end - self.pos >= need {
            return Ok(true);
        }
        self.refill(need)
    }

    #[inline(never)]
    fn refill(&mut self, need: usize) -> Result<bool> {
        if self.pos > 0 {
            // A buffer's worth has been read: a long stream. Read it in bigger pieces.
            if self.buf.len() < READ_BUF && self.offset >= self.buf.len() as u64 {
                let new_len = (self.buf.len() * 2).min(READ_BUF);
                self.buf.resize(new_len, 0);
            }
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        while self.end < need {
            if self.end == self.buf.len() {
                // Grow geometrically but never beyond what the record needs, so a damaged
                // length cannot make us allocate ahead of the data actually present.
                let new_len = (self.buf.len() * 2).min(need).max(self.end + 1);
                self.buf.resize(new_len, 0);
            }
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => return Ok(false),
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::read("reading", self.path.clone(), e)),
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_many_records_across_buffer_growth() {
        let mut bytes = Vec::new();
        let big = vec![0xabu8; READ_BUF * 3 + 17];
        encode_record(b"small", &mut bytes);
        encode_record(&big, &mut bytes);
        encode_record(b"", &mut bytes);
        let mut r = RecordReader::new(&bytes[..]);
        assert_eq!(r.read_record().unwrap().unwrap(), b"small");
        assert_eq!(r.read_record().unwrap().unwrap(), &big[..]);
        assert_eq!(r.read_record().unwrap().unwrap(), b"");
        assert!(r.read_record().unwrap().is_none());
        assert_eq!(r.offset(), bytes.len() as u64);
    }

    #[test]
    fn a_long_stream_reads_back_across_every_buffer_size() {
        // Records of many lengths, some sharing a length (the memoized length checksum)
        // and some larger than the initial buffer, across all the doublings to READ_BUF.
        let mut bytes = Vec::new();
        let mut payloads = Vec::new();
        for i in 0..6000usize {
            let len = match i % 5 {
                0 => (i * 37) % 300,
                4 if i % 700 == 4 => 2 * INITIAL_BUF + i,
                _ => 28,
            };
            let p: Vec<u8> = (0..len).map(|j| (i + j) as u8).collect();
            encode_record(&p, &mut bytes);
            payloads.push(p);
        }
        assert!(bytes.len() > READ_BUF + READ_BUF / 2);
        let mut r = RecordReader::new(&bytes[..]);
        for p in &payloads {
            assert_eq!(r.read_record().unwrap().unwrap(), &p[..]);
        }
        assert!(r.read_record().unwrap().is_none());
        assert_eq!(r.buf.len(), READ_BUF);
        // A short stream never grows past what it needs.
        let mut r = RecordReader::new(&bytes[..100]);
        assert!(r.read_record().unwrap().is_some());
        assert_eq!(r.buf.len(), INITIAL_BUF);
    }

    #[test]
    fn a_remembered_length_checksum_still_catches_a_damaged_one() {
        let mut bytes = Vec::new();
        encode_record(b"abcd", &mut bytes);
        let one = bytes.len();
        encode_record(b"efgh", &mut bytes);
        encode_record(b"ijkl", &mut bytes);
        // Damage the stored length checksum of the third record, then its length.
        for at in [2 * one + 9, 2 * one] {
            let mut damaged = bytes.clone();
            damaged[at] ^= 1;
            let mut r = RecordReader::new(&damaged[..]);
            assert_eq!(r.read_record().unwrap().unwrap(), b"abcd");
            assert_eq!(r.read_record().unwrap().unwrap(), b"efgh");
            assert!(matches!(
                r.read_record(),
                Err(Error::CorruptRecord {
                    what: "length checksum mismatch",
                    ..
                })
            ));
        }
    }

    #[test]
    fn every_truncation_point_is_reported_as_truncated() {
        let mut bytes = Vec::new();
        encode_record(b"first", &mut bytes);
        let first_len = bytes.len();
        encode_record(b"second record", &mut bytes);
        for cut in first_len + 1..bytes.len() {
            let mut r = RecordReader::new(&bytes[..cut]);
            assert_eq!(r.read_record().unwrap().unwrap(), b"first");
            match r.read_record() {
                Err(Error::Truncated {
                    offset, available, ..
                }) => {
                    assert_eq!(offset, first_len as u64);
                    assert_eq!(available, (cut - first_len) as u64);
                }
                other => panic!("cut at {cut}: expected Truncated, got {other:?}"),
            }
        }
    }

    #[test]
    fn flipped_bits_are_corruption_not_truncation() {
        let mut bytes = Vec::new();
        encode_record(b"payload", &mut bytes);
        for byte in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[byte] ^= 0x10;
            let mut r = RecordReader::new(&damaged[..]);
            match r.read_record() {
                Err(Error::CorruptRecord {
                    offset: 0, what, ..
                }) => {
                    let expect = if byte < HEADER_LEN {
                        "length checksum mismatch"
                    } else {
                        "payload checksum mismatch"
                    };
                    assert_eq!(what, expect, "flip at byte {byte}");
                }
                other => panic!("flip at byte {byte}: expected CorruptRecord, got {other:?}"),
            }
        }
    }

    /// A reader that serves a shared buffer that can grow between calls, like a file being
    /// appended to.
    struct Growing(std::rc::Rc<std::cell::RefCell<Vec<u8>>>, usize);
    impl Read for Growing {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let data = self.0.borrow();
            let n = out.len().min(data.len() - self.1);
            out[..n].copy_from_slice(&data[self.1..self.1 + n]);
            self.1 += n;
            Ok(n)
        }
    }

    #[test]
    fn resumes_after_truncation_when_data_arrives() {
        let mut full = Vec::new();
        encode_record(b"alpha", &mut full);
        encode_record(b"beta", &mut full);
        let shared = std::rc::Rc::new(std::cell::RefCell::new(full[..25].to_vec()));
        let mut r = RecordReader::new(Growing(shared.clone(), 0));
        assert_eq!(r.read_record().unwrap().unwrap(), b"alpha");
        assert!(matches!(r.read_record(), Err(Error::Truncated { .. })));
        assert!(matches!(r.read_record(), Err(Error::Truncated { .. })));
        shared.borrow_mut().extend_from_slice(&full[25..]);
        assert_eq!(r.read_record().unwrap().unwrap(), b"beta");
        assert!(r.read_record().unwrap().is_none());
    }
}
