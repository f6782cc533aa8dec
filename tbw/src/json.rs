//! JSON text written by hand into a byte buffer: strings escaped per RFC 8259, numbers in
//! their shortest round-trip form, non-finite numbers as the strings "NaN", "Infinity" and
//! "-Infinity" (JSON has no such numbers; this is what Python's json module reads back
//! with `parse_constant` and what pandas writes).

use std::io::Write;

/// An integer's decimal text.
pub fn integer(out: &mut Vec<u8>, x: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(x).as_bytes());
}

pub fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{:04x}", b);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

pub fn number(out: &mut Vec<u8>, x: f64) {
    if x.is_finite() {
        // The shortest text that reads back as the same f64, with an exponent for very large
        // and very small numbers.
        out.extend_from_slice(ryu::Buffer::new().format_finite(x).as_bytes());
    } else if x.is_nan() {
        out.extend_from_slice(b"\"NaN\"");
    } else if x > 0.0 {
        out.extend_from_slice(b"\"Infinity\"");
    } else {
        out.extend_from_slice(b"\"-Infinity\"");
    }
}

pub fn numbers(out: &mut Vec<u8>, xs: &[f64]) {
    out.push(b'[');
    for (i, &x) in xs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        number(out, x);
    }
    out.push(b']');
}

pub fn integers(out: &mut Vec<u8>, xs: impl IntoIterator<Item = i64>) {
    out.push(b'[');
    for (i, x) in xs.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        integer(out, x);
    }
    out.push(b']');
}

pub fn strings<S: AsRef<str>>(out: &mut Vec<u8>, xs: &[S]) {
    out.push(b'[');
    for (i, x) in xs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, x.as_ref());
    }
    out.push(b']');
}

pub fn key(out: &mut Vec<u8>, k: &str) {
    out.push(b',');
    string(out, k);
    out.push(b':');
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_and_numbers() {
        let mut out = Vec::new();
        super::string(&mut out, "a\"b\\c\nd\u{1}é");
        assert_eq!(String::from_utf8(out).unwrap(), r#""a\"b\\c\nd\u0001é""#);
        let mut out = Vec::new();
        super::numbers(&mut out, &[0.1, f64::NAN, f64::NEG_INFINITY, 1e300, -0.0]);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"[0.1,"NaN","-Infinity",1e300,-0.0]"#
        );
    }
}
