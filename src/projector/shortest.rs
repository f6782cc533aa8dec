//! Shortest round-trip decimal text for `f32`, laid out as `std` lays it out, and safe to
//! read through `f64` as TensorBoard does.
//!
//! The digits come from the `ryu` crate (Ulf Adams' Ryū algorithm: the decimal with the
//! fewest significant digits that reads back as the same `f32`, and of those the closest to
//! the exact value); this module lays them out as `format!("{v}")` does for magnitudes in
//! `[1e-5, 1e9)` and zero, and as `format!("{v:e}")` otherwise, in a fixed buffer. The text
//! equals `std`'s except when the exact value lies halfway between two shortest candidates,
//! where Ryū rounds the last digit to even and `std` rounds up (both read back as the same
//! `f32`), and when the shortest text would not survive TensorBoard's reading through `f64`
//! (see [`write_f32`]). The tests check this against `std` on hundreds of thousands of
//! values; the ignored test `all_f32` checks every one of the 2³² bit patterns.

/// Writes `v` (finite) at the start of `dst` as text that reads back as `v`, both directly
/// as an `f32` and the way TensorBoard reads it (Python's `float`, that is the nearest
/// `f64`, then numpy's `float32`); returns its length, at most 16. The rest of `dst` is
/// overwritten with scratch bytes.
///
/// That is the shortest round-trip text, laid out as `format!("{v}")` for `|v|` in
/// `[1e-5, 1e9)` and zero and as `format!("{v:e}")` otherwise, except in the rare cases where
/// rounding the shortest decimal to `f64` first lands exactly halfway between two `f32`s and
/// so rounds to the other one (`7.038531e-26` is the classic example): then it is 9
/// significant digits (`{:.8e}`), which are always within 5·10⁻⁹ of `v` relative, far from
/// any halfway point. Only texts of 7 or more significant digits can be such a case (a
/// shorter decimal is at least 10⁻⁷ relative away from every `f32` midpoint, far more than
/// an `f64` rounding), so only those are read back to check.
pub(crate) fn write_f32(dst: &mut [u8; 48], v: f32) -> usize {
    let (len, digits) = format(dst, v);
    if digits >= 7 && !reads_back_through_f64(&dst[..len], v) {
        let mut rest: &mut [u8] = &mut dst[..];
        // At most 15 bytes ("-1.23456789e-38"): it fits.
        let _ = std::io::Write::write_fmt(&mut rest, format_args!("{v:.8e}"));
        let left = rest.len();
        return 48 - left;
    }
    len
}

/// Writes the shortest text of `v` into `buf` in `std`'s layout; returns its length and the
/// number of significant digits. The text is at most 16 bytes (`-0.0000` and 9 digits, or
/// `-1.2345678e-38`).
fn format(buf: &mut [u8; 48], v: f32) -> (usize, usize) {
    let mut pos = 0;
    if v.is_sign_negative() {
        buf[0] = b'-';
        pos = 1;
    }
    if v == 0.0 {
        buf[pos] = b'0';
        return (pos + 1, 1);
    }
    // ryu writes `d.ddd`, `ddd.d`, `0.000ddd` or `d.ddde±x`: collect the significant digits
    // and the power of ten of the first one.
    let mut ryu = ryu::Buffer::new();
    let text = ryu.format_finite(v.abs()).as_bytes();
    let (mantissa, exp) = match text.iter().position(|&b| b == b'e') {
        Some(e) => (&text[..e], parse_exp(&text[e + 1..])),
        None => (text, 0),
    };
    let mut d = [b'0'; 24];
    let (mut n, mut point, mut lead) = (0usize, mantissa.len() as i32, 0i32);
    for (i, &b) in mantissa.iter().enumerate() {
        match b {
            b'.' => point = i as i32,
            b'0' if n == 0 => lead += 1,
            _ => {
                d[n] = b;
                n += 1;
            }
        }
    }
    // Trailing zeros are not significant ("100.0" is one digit).
    while n > 1 && d[n - 1] == b'0' {
        n -= 1;
    }
    for z in &mut d[n..] {
        *z = b'0';
    }
    // v = d.ddd × 10^sci.
    let sci = if point <= lead {
        // "0.000ddd": the first digit is `lead` places after the units.
        exp - lead
    } else {
        exp + point - 1
    };
    if (-5..9).contains(&sci) {
        if sci >= n as i32 - 1 {
            // An integer: the digits, then zeros up to the units; at most 9 characters.
            let len = sci as usize + 1;
            buf[pos..pos + len].copy_from_slice(&d[..len]);
            pos += len;
        } else if sci >= 0 {
            // Digits before the point, the point, the rest.
            let int = (sci + 1) as usize;
            buf[pos..pos + int].copy_from_slice(&d[..int]);
            buf[pos + int] = b'.';
            buf[pos + int + 1..pos + n + 1].copy_from_slice(&d[int..n]);
            pos += n + 1;
        } else {
            // "0.", -sci - 1 zeros, the digits.
            let z = (-sci - 1) as usize;
            buf[pos..pos + 2 + z].copy_from_slice(&b"0.0000"[..2 + z]);
            buf[pos + 2 + z..pos + 2 + z + n].copy_from_slice(&d[..n]);
            pos += 2 + z + n;
        }
    } else {
        buf[pos] = d[0];
        pos += 1;
        if n > 1 {
            buf[pos] = b'.';
            buf[pos + 1..pos + n].copy_from_slice(&d[1..n]);
            pos += n;
        }
        buf[pos] = b'e';
        pos += 1;
        let mut e = sci;
        if e < 0 {
            buf[pos] = b'-';
            pos += 1;
            e = -e;
        }
        if e >= 10 {
            buf[pos] = b'0' + (e / 10) as u8;
            pos += 1;
        }
        buf[pos] = b'0' + (e % 10) as u8;
        pos += 1;
    }
    (pos, n)
}

/// The exponent after ryu's `e`: an optional `-` and one or two digits.
fn parse_exp(text: &[u8]) -> i32 {
    let (neg, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let e = digits
        .iter()
        .fold(0i32, |a, &b| a * 10 + i32::from(b.wrapping_sub(b'0')));
    if neg {
        -e
    } else {
        e
    }
}

/// Whether `text` read as the nearest `f64` and then rounded to `f32` gives `v`.
fn reads_back_through_f64(text: &[u8], v: f32) -> bool {
    std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        .is_some_and(|x| (x as f32).to_bits() == v.to_bits())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Appends what [`write_f32`] writes.
    fn push_f32(out: &mut Vec<u8>, v: f32) {
        let mut buf = [0u8; 48];
        let len = write_f32(&mut buf, v);
        out.extend_from_slice(&buf[..len]);
    }

    /// What `push_f32` must produce, from `std`.
    fn reference(v: f32) -> String {
        let a = v.abs();
        if a == 0.0 || (1e-5..1e9).contains(&a) {
            format!("{v}")
        } else {
            format!("{v:e}")
        }
    }

    /// `push_f32(v)` reads back as `v` (directly, and through `f64` as Python and numpy read
    /// it). When `std`'s shortest text also reads back through `f64`, ours has as many
    /// characters and is the same unless the exact value lies halfway between two shortest
    /// candidates (Ryū then rounds the last digit to even, `std` up). Otherwise ours is 9
    /// significant digits. Returns whether it was that fallback.
    fn check(v: f32) -> bool {
        if !v.is_finite() {
            return false;
        }
        let mut out = Vec::new();
        push_f32(&mut out, v);
        let got = std::str::from_utf8(&out).unwrap();
        let want = reference(v);
        let bits = v.to_bits();
        assert_eq!(got.parse::<f32>().unwrap().to_bits(), bits, "{got}");
        assert_eq!(
            (got.parse::<f64>().unwrap() as f32).to_bits(),
            bits,
            "{got}"
        );
        if !reads_back_through_f64(want.as_bytes(), v) {
            assert_eq!(got, format!("{v:.8e}"));
            return true;
        }
        if got != want {
            assert_eq!(got.len(), want.len(), "bits {bits:#010x}: {got} vs {want}");
            let (g, w, x) = (
                got.parse::<f64>().unwrap(),
                want.parse::<f64>().unwrap(),
                f64::from(v),
            );
            let (dg, dw) = ((g - x).abs(), (w - x).abs());
            assert!(
                (dg - dw).abs() <= 1e-12 * x.abs(),
                "bits {bits:#010x}: {got} vs {want} is not a tie"
            );
        }
        false
    }

    #[test]
    fn matches_std_on_edge_cases() {
        let mut values = vec![
            1.0f32,
            0.1,
            0.3,
            1e-5,
            9.999_999e-6,
            1e9,
            999_999_940.0,
            123_456_790.0,
            f32::MAX,
            f32::MIN_POSITIVE,
            f32::from_bits(1),
            f32::from_bits(0x007F_FFFF),
            16_777_216.0,
            16_777_218.0,
            33_554_432.0,
            2.0f32.powi(-126),
            2.0f32.powi(90),
            8_388_608.0,
            1.5e-45,
            3.402_823_5e38,
            7.038_531e-26,
            9.5,
            0.5,
            100.0,
            1e10,
            1.234_567_9e-20,
        ];
        for e in -149..=127 {
            values.push(2.0f32.powi(e));
        }
        for p in -45..=38 {
            values.push(format!("1e{p}").parse().unwrap());
            values.push(format!("9.999999e{p}").parse().unwrap());
        }
        // The classic case where decimal -> f64 -> f32 differs from decimal -> f32.
        assert!(check(7.038_531e-26));
        let mut out = Vec::new();
        push_f32(&mut out, 7.038_531e-26);
        assert_eq!(out, b"7.03853069e-26");
        for v in values {
            check(v);
            check(-v);
            let b = v.to_bits();
            check(f32::from_bits(b.wrapping_add(1)));
            check(f32::from_bits(b.saturating_sub(1)));
        }
        out.clear();
        push_f32(&mut out, -0.0);
        push_f32(&mut out, 0.0);
        assert_eq!(out, b"-00");
    }

    #[test]
    fn matches_std_on_random_bits() {
        let mut x = 0x9E37_79B9u32;
        for _ in 0..300_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let v = f32::from_bits(x);
            if v.is_finite() {
                check(v);
            }
        }
        // Small integers and short decimals, where ties and trailing zeros matter.
        for i in 0..20_000 {
            check(i as f32);
            check(i as f32 / 1000.0);
            check(i as f32 * 1e-7);
        }
    }

    /// Every finite `f32`, on all cores: about 15 minutes on 2 cores in release mode.
    /// `cargo test --release --lib projector::shortest::tests::all_f32 -- --ignored`
    #[test]
    #[ignore]
    fn all_f32() {
        let threads = std::thread::available_parallelism().map_or(1, usize::from) as u64;
        let per = (1u64 << 32) / threads + 1;
        let fallbacks: u64 = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    s.spawn(move || {
                        let end = ((t + 1) * per).min(1 << 32);
                        (t * per..end)
                            .filter(|&b| check(f32::from_bits(b as u32)))
                            .count() as u64
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        eprintln!("{fallbacks} values needed 9 digits");
    }
}
