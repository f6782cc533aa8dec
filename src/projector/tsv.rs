//! The tensor file (TSV text or raw float32) and the metadata TSV.

use super::shortest::write_f32;

/// Bytes a value takes at most, separator included.
const MAX_VALUE_BYTES: usize = 17;

/// Rows of `d` tab-separated values, each row ended by `\n`, no header: the form the
/// projector plugin's `_read_tensor_tsv_file` reads.
pub(crate) fn tensor_tsv(values: &[f32], d: usize) -> Vec<u8> {
    // Room for the longest text of every value, plus scratch space after the last one:
    // each value is formatted in place into a fixed 48-byte window, which needs no
    // per-value bounds or capacity checks beyond one slice conversion.
    let mut out = vec![0u8; values.len() * MAX_VALUE_BYTES + 48];
    let mut pos = 0;
    for row in values.chunks_exact(d.max(1)) {
        for (j, &v) in row.iter().enumerate() {
            let Ok(window) = <&mut [u8; 48]>::try_from(&mut out[pos..pos + 48]) else {
                // Cannot happen: the window is 48 bytes by construction.
                continue;
            };
            pos += write_f32(window, v);
            out[pos] = if j + 1 == d { b'\n' } else { b'\t' };
            pos += 1;
        }
    }
    out.truncate(pos);
    out
}

/// The tensor file as TSV, formatted on up to `threads` threads: blocks of rows, in order.
pub(crate) fn tensor_tsv_parallel(values: &[f32], d: usize, threads: usize) -> Vec<Vec<u8>> {
    let n = values.len() / d.max(1);
    // Below ~64k values a second thread costs more than it saves.
    let threads = threads
        .clamp(1, 8)
        .min(values.len() / 65_536 + 1)
        .min(n.max(1));
    if threads <= 1 {
        return vec![tensor_tsv(values, d)];
    }
    let rows_per = n.div_ceil(threads);
    let blocks: Vec<&[f32]> = values.chunks(rows_per * d).collect();
    std::thread::scope(|s| {
        // Blocks after the first on their own threads; a block whose thread cannot be
        // started (or fails) is formatted here instead.
        let handles: Vec<_> = blocks[1..]
            .iter()
            .map(|&block| {
                std::thread::Builder::new()
                    .name("tsv-format".into())
                    .spawn_scoped(s, move || tensor_tsv(block, d))
                    .ok()
            })
            .collect();
        let mut parts = vec![tensor_tsv(blocks[0], d)];
        for (h, &block) in handles.into_iter().zip(&blocks[1..]) {
            match h.map(|h| h.join()) {
                Some(Ok(text)) => parts.push(text),
                _ => parts.push(tensor_tsv(block, d)),
            }
        }
        parts
    })
}

/// The values as little-endian float32 bytes, row-major.
pub(crate) fn tensor_binary(values: &[f32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * 4);
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// Whether TensorBoard reads `bytes` as a binary tensor file.
///
/// The plugin first reads the file as UTF-8 text and falls back to raw float32 only on a
/// `UnicodeDecodeError`. With TensorFlow installed the text is decoded line by line, and
/// without it in blocks of 16 MiB, so the fallback is certain only when the first line
/// (up to and including the first `\n` byte) is not valid UTF-8. Otherwise (an all-zero
/// matrix, small integers, ...) the plugin parses the bytes as text and fails, or worse,
/// succeeds with other numbers.
pub(crate) fn binary_is_unambiguous(bytes: &[u8]) -> bool {
    let end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| i + 1);
    std::str::from_utf8(&bytes[..end]).is_err()
}

/// Appends one cell with tab, line feed and carriage return replaced by the two-character
/// sequences `\t`, `\n` and `\r`.
fn push_cell(out: &mut String, cell: &str) {
    if !cell.contains(['\t', '\n', '\r']) {
        out.push_str(cell);
        return;
    }
    for c in cell.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            _ => out.push(c),
        }
    }
}

/// Whether a cell, once escaped, is blank for the projector's metadata parser
/// (`String.prototype.trim`): every character is white space (or U+FEFF), and none is a tab
/// or line break (those are escaped into visible text). Rust's white space is a superset of
/// JavaScript's, so a line this calls non-blank is never skipped.
fn is_blank(s: &str) -> bool {
    s.chars()
        .all(|c| (c.is_whitespace() || c == '\u{FEFF}') && !matches!(c, '\t' | '\n' | '\r'))
}

/// Marks a row that would otherwise be blank: the projector skips blank lines, which would
/// move every later row onto the wrong point.
pub(crate) const BLANK_ROW_MARK: char = '\u{200B}';

/// The metadata file: an optional header of column names, then one line per row, cells
/// separated by tabs and escaped by [`push_cell`]. A line whose cells are all blank gets
/// [`BLANK_ROW_MARK`] (zero width space) in front of its first cell. `columns` hold the
/// cells column by column, all of the same length.
pub(crate) fn metadata_tsv(header: Option<&[String]>, columns: &[Vec<String>]) -> String {
    let rows = columns.first().map_or(0, Vec::len);
    let bytes: usize = columns.iter().flatten().map(|c| c.len() + 1).sum();
    let mut out = String::with_capacity(bytes + 64);
    let line = |out: &mut String, cells: &mut dyn Iterator<Item = &String>| {
        let start = out.len();
        let mut blank = true;
        for (j, cell) in cells.enumerate() {
            if j > 0 {
                out.push('\t');
            }
            blank &= is_blank(cell);
            push_cell(out, cell);
        }
        if blank {
            out.insert(start, BLANK_ROW_MARK);
        }
        out.push('\n');
    };
    if let Some(h) = header {
        line(&mut out, &mut h.iter());
    }
    for i in 0..rows {
        line(&mut out, &mut columns.iter().map(|c| &c[i]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_parse_back_exactly() {
        let mut specials = vec![
            0.0f32,
            -0.0,
            1.0,
            -2.5,
            0.1,
            1e-4,
            9.999e-5,
            1e9,
            999_999_940.0,
            f32::MAX,
            f32::MIN,
            f32::MIN_POSITIVE,
            1e-45, // smallest subnormal
            3.4028e38,
            16_777_217.0,
        ];
        // A deterministic spread over all exponents.
        let mut x = 0x1234_5678u32;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let v = f32::from_bits(x);
            if v.is_finite() {
                specials.push(v);
            }
        }
        let text = tensor_tsv(&specials, 1);
        let text = std::str::from_utf8(&text).unwrap();
        let mut n = 0;
        for (line, &want) in text.lines().zip(&specials) {
            // Python's float() is correctly rounded to f64; numpy then rounds to f32.
            let got = line.parse::<f64>().unwrap() as f32;
            assert_eq!(got.to_bits(), want.to_bits(), "{line:?} for {want:e}");
            assert!(line.len() <= 16, "{line:?}");
            n += 1;
        }
        assert_eq!(n, specials.len());
        assert_eq!(&text[..12], "0\n-0\n1\n-2.5\n");
        assert!(
            text.contains("\n0.0001\n0.00009999\n1e9\n999999940\n"),
            "{}",
            &text[..200]
        );
    }

    #[test]
    fn tsv_rows_and_parallel_blocks_match() {
        let values: Vec<f32> = (0..300_000).map(|i| i as f32 * 0.25 - 7.0).collect();
        let one = tensor_tsv(&values, 3);
        assert_eq!(&one[..21], b"-7\t-6.75\t-6.5\n-6.25\t-");
        assert_eq!(one.iter().filter(|&&b| b == b'\n').count(), 100_000);
        for threads in [1, 2, 3, 7] {
            let parts = tensor_tsv_parallel(&values, 3, threads);
            assert_eq!(parts.len(), threads.min(5), "{threads} threads");
            assert_eq!(parts.concat(), one);
        }
        assert_eq!(
            tensor_tsv_parallel(&values[..6], 2, 4).concat(),
            b"-7\t-6.75\n-6.5\t-6.25\n-6\t-5.75\n"
        );
    }

    #[test]
    fn binary_ambiguity() {
        // All zeros: valid UTF-8 (NUL bytes), the plugin would parse it as text.
        assert!(!binary_is_unambiguous(&tensor_binary(&[0.0; 8])));
        // 2.0, 0.5 and 3.0 are 00 00 00 40, 00 00 00 3F and 00 00 40 40: ASCII.
        assert!(!binary_is_unambiguous(&tensor_binary(&[2.0, 0.5, 3.0])));
        // 1.0 is 00 00 80 3F: 0x80 cannot start a UTF-8 character.
        assert!(binary_is_unambiguous(&tensor_binary(&[1.0, 0.0])));
        // A line feed before the first invalid byte: the first line decodes.
        let mut b = tensor_binary(&[f32::from_bits(0x0000_0A00), 1.0]);
        assert!(!binary_is_unambiguous(&b));
        // ... unless the invalid byte comes first.
        b = tensor_binary(&[1.0, f32::from_bits(0x0000_0A00)]);
        assert!(binary_is_unambiguous(&b));
        // A multi-byte character cut by the line feed is invalid.
        assert!(binary_is_unambiguous(&[0x41, 0xC3, b'\n', 0xA9]));
        assert!(!binary_is_unambiguous(&[0x41, 0xC3, 0xA9, b'\n']));
    }

    #[test]
    fn metadata_escaping_and_blank_rows() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let labels = s(&["a\tb", "line\nbreak", "cr\r", "", "  ", "ok", "back\\slash"]);
        let text = metadata_tsv(None, &[labels]);
        assert_eq!(
            text,
            "a\\tb\nline\\nbreak\ncr\\r\n\u{200B}\n\u{200B}  \nok\nback\\slash\n"
        );
        let header = s(&["name", "class"]);
        let names = s(&["x", "", "", "\u{FEFF}", "\u{3000}"]);
        let classes = s(&["1", "", "2", " \t", "\u{FEFF}"]);
        let text = metadata_tsv(Some(&header), &[names, classes]);
        assert_eq!(
            text,
            "name\tclass\nx\t1\n\u{200B}\t\n\t2\n\u{FEFF}\t \\t\n\u{200B}\u{3000}\t\u{FEFF}\n"
        );
    }
}
