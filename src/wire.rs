//! The TFRecord wire format shared by the encoder, the event-file writer and the reader: the
//! record frame (length, payload, footer), its masked CRC-32C checksums, and the output
//! buffers frames are written into. The format is described in [`record`](crate::record),
//! which re-exports the public part of this module.

/// Bytes before the payload: the length and its masked CRC.
pub const HEADER_LEN: usize = 12;
/// Bytes after the payload: its masked CRC.
pub const FOOTER_LEN: usize = 4;

const MASK_DELTA: u32 = 0xa282_ead8;

/// Masks a CRC-32C the way TFRecord does: rotate right by 15, then add `0xa282ead8`.
#[inline]
pub fn mask_crc(crc: u32) -> u32 {
    crc.rotate_right(15).wrapping_add(MASK_DELTA)
}

/// The masked CRC-32C of `data`.
#[inline]
pub fn masked_crc32c(data: &[u8]) -> u32 {
    mask_crc(crc32c::crc32c(data))
}

/// Where encoded bytes go: the writer's buffer, or a small array on the stack.
pub(crate) trait Out {
    fn put(&mut self, b: u8);
    fn put_slice(&mut self, s: &[u8]);
}

impl Out for Vec<u8> {
    #[inline]
    fn put(&mut self, b: u8) {
        self.push(b);
    }
    #[inline]
    fn put_slice(&mut self, s: &[u8]) {
        self.extend_from_slice(s);
    }
}

/// A fixed-size stack buffer, so a small record can be encoded before taking the writer's
/// lock and copied in with one memcpy while holding it. Callers check the encoded size
/// against `N` first.
pub(crate) struct StackBuf<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> StackBuf<N> {
    #[inline]
    pub(crate) fn new() -> Self {
        StackBuf {
            buf: [0; N],
            len: 0,
        }
    }
    #[inline]
    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl<const N: usize> Out for StackBuf<N> {
    #[inline]
    fn put(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }
    #[inline]
    fn put_slice(&mut self, s: &[u8]) {
        self.buf[self.len..self.len + s.len()].copy_from_slice(s);
        self.len += s.len();
    }
}

/// Appends `payload` to `out` as one complete record (header, payload, footer).
pub fn encode_record(payload: &[u8], out: &mut Vec<u8>) {
    let len = (payload.len() as u64).to_le_bytes();
    out.reserve(HEADER_LEN + payload.len() + FOOTER_LEN);
    out.extend_from_slice(&len);
    out.extend_from_slice(&masked_crc32c(&len).to_le_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&masked_crc32c(payload).to_le_bytes());
}

/// Appends a record frame for a payload of `payload_len` bytes whose checksums are left as
/// zero, then the payload written by `write`. [`fill_crcs`] completes the frame later: the
/// writer does that on its background thread so the logging thread never computes a CRC.
///
/// `write` must append exactly `payload_len` bytes.
#[inline]
pub(crate) fn append_unsealed<O: Out>(out: &mut O, payload_len: usize, write: impl FnOnce(&mut O)) {
    out.put_slice(&(payload_len as u64).to_le_bytes());
    out.put_slice(&[0u8; 4]);
    write(out);
    out.put_slice(&[0u8; 4]);
}

/// Starts the unsealed record frame that [`end_unsealed_frame`] completes in a fixed-size
/// array, the payload being written from [`HEADER_LEN`] on in between: leaves the length's
/// checksum zero. The same bytes as [`append_unsealed`], for a frame encoded in place.
#[inline]
pub(crate) fn begin_unsealed_frame<const N: usize>(frame: &mut [u8; N]) {
    // The checksums are left as zero, filled in by the background thread.
    frame[8..HEADER_LEN].copy_from_slice(&[0; 4]);
}

/// Completes the unsealed record frame begun with [`begin_unsealed_frame`] whose payload
/// ends at `end`: the zero footer after it, then the payload's length in the header. Returns
/// the frame's length.
#[inline]
pub(crate) fn end_unsealed_frame<const N: usize>(frame: &mut [u8; N], end: usize) -> usize {
    let mut p = end;
    frame[p..p + FOOTER_LEN].copy_from_slice(&[0; FOOTER_LEN]);
    p += FOOTER_LEN;
    frame[..8].copy_from_slice(&((p - HEADER_LEN - FOOTER_LEN) as u64).to_le_bytes());
    p
}

/// Computes and stores both checksums of every record in `buf`, which must hold whole
/// records only, as appended by [`append_unsealed`].
pub(crate) fn fill_crcs(buf: &mut [u8]) {
    let mut pos = 0;
    while pos + HEADER_LEN <= buf.len() {
        let mut len_bytes = [0u8; 8];
        len_bytes.copy_from_slice(&buf[pos..pos + 8]);
        let len = u64::from_le_bytes(len_bytes) as usize;
        buf[pos + 8..pos + 12].copy_from_slice(&masked_crc32c(&len_bytes).to_le_bytes());
        let payload_start = pos + HEADER_LEN;
        let payload_end = payload_start + len;
        let crc = masked_crc32c(&buf[payload_start..payload_end]);
        buf[payload_end..payload_end + FOOTER_LEN].copy_from_slice(&crc.to_le_bytes());
        pos = payload_end + FOOTER_LEN;
    }
    debug_assert_eq!(pos, buf.len(), "buffer does not hold whole records");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_check_value() {
        // The CRC-32C check value from the Castagnoli parameters.
        assert_eq!(crc32c::crc32c(b"123456789"), 0xe306_9283);
    }

    #[test]
    fn masked_crc_vectors_from_format_md() {
        assert_eq!(masked_crc32c(b"\x1a\x11CRC test, one two"), 0x5794_d08a);
        assert_eq!(masked_crc32c(&24u64.to_le_bytes()), 0x224b_7fa3);
    }

    #[test]
    fn mask_matches_known_values() {
        // rotate_right(15) then add 0xa282ead8, worked by hand.
        assert_eq!(mask_crc(0), 0xa282_ead8);
        assert_eq!(mask_crc(1 << 15), 0xa282_ead9);
        assert_eq!(mask_crc(1), 0xa284_ead8);
        assert_eq!(mask_crc(u32::MAX), 0xa282_ead7);
    }

    #[test]
    fn unsealed_then_filled_equals_encoded() {
        let payloads: [&[u8]; 3] = [b"", b"a", &[7u8; 1000]];
        let mut sealed = Vec::new();
        let mut unsealed = Vec::new();
        for p in payloads {
            encode_record(p, &mut sealed);
            append_unsealed(&mut unsealed, p.len(), |out| out.extend_from_slice(p));
        }
        assert_ne!(sealed, unsealed);
        fill_crcs(&mut unsealed);
        assert_eq!(sealed, unsealed);
    }

    #[test]
    fn a_frame_made_in_place_equals_an_appended_one() {
        for p in [&b""[..], b"a", &[7u8; 100]] {
            let mut appended = Vec::new();
            append_unsealed(&mut appended, p.len(), |out| out.extend_from_slice(p));
            let mut frame = [0xffu8; 128];
            begin_unsealed_frame(&mut frame);
            frame[HEADER_LEN..HEADER_LEN + p.len()].copy_from_slice(p);
            let len = end_unsealed_frame(&mut frame, HEADER_LEN + p.len());
            assert_eq!(frame[..len], appended[..]);
        }
    }
}
