//! Shortest round-trip decimal text for `f32`, about 10 times faster than `std::fmt`.
//!
//! This is Ulf Adams' Ryū algorithm for 32-bit floats ("Ryū: fast float-to-string
//! conversion", PLDI 2018): the decimal with the fewest significant digits that reads back
//! as the same `f32` under round-to-nearest-even, and of those the closest to the exact
//! value. Its tables are computed at compile time. The digits and exponent are then laid out
//! as `std` does (`{}` for magnitudes in `[1e-5, 1e9)`, `{:e}` otherwise). The text equals
//! `std`'s except when the exact value lies halfway between two shortest candidates, where
//! Ryū rounds the last digit to even and `std` rounds up (both read back as the same `f32`),
//! and when the shortest text would not survive TensorBoard's reading through `f64` (see
//! [`write_f32`]). The tests check this against `std` on hundreds of thousands of values;
//! the ignored test `all_f32` checks every one of the 2³² bit patterns (run on 2026-11-27:
//! all pass, and only 7.038531e-26 and its negative need the 9-digit form).
//!
//! Why not the `ryu` crate: its digits, laid out as `std` does and checked through `f64`
//! (Ryū's API does not tell when that check is needed, so every text of 7 or more digits is
//! parsed back), made the projector's 10,000×128 TSV embedding 2× slower (criterion, three
//! alternating rounds: 69–82 ms against 35–40 ms with this module). This module computes
//! that flag as it goes; its output is checked against `std` on every `f32`.

const POW5_INV_BITCOUNT: i32 = 59;
const POW5_BITCOUNT: i32 = 61;

/// `ceil(log2(5^e))` for `e ≥ 1`, and 1 for `e = 0`.
const fn pow5bits(e: i32) -> i32 {
    (((e as u32) * 1_217_359) >> 19) as i32 + 1
}

/// `floor(log10(2^e))`.
const fn log10_pow2(e: i32) -> u32 {
    ((e as u32) * 78_913) >> 18
}

/// `floor(log10(5^e))`.
const fn log10_pow5(e: i32) -> u32 {
    ((e as u32) * 732_923) >> 20
}

const fn pow5(i: usize) -> u128 {
    let mut p = 1u128;
    let mut k = 0;
    while k < i {
        p *= 5;
        k += 1;
    }
    p
}

/// `floor(2^(pow5bits(i) − 1 + 59) / 5^i) + 1`.
const POW5_INV_SPLIT: [u64; 31] = {
    let mut t = [0u64; 31];
    let mut i = 0;
    while i < 31 {
        let p = pow5(i);
        let exp = pow5bits(i as i32) - 1 + POW5_INV_BITCOUNT;
        let q = if exp >= 128 {
            // 5^i is odd, so floor((2^128 − 1) / 5^i) = floor(2^128 / 5^i).
            u128::MAX / p
        } else {
            (1u128 << exp) / p
        };
        t[i] = (q + 1) as u64;
        i += 1;
    }
    t
};

/// `5^i` scaled to 61 significant bits (shifted left, or right with truncation).
const POW5_SPLIT: [u64; 48] = {
    let mut t = [0u64; 48];
    let mut i = 0;
    while i < 48 {
        let p = pow5(i);
        let bits = pow5bits(i as i32);
        t[i] = if bits <= POW5_BITCOUNT {
            (p << (POW5_BITCOUNT - bits)) as u64
        } else {
            (p >> (bits - POW5_BITCOUNT)) as u64
        };
        i += 1;
    }
    t
};

#[inline]
fn mul_shift(m: u32, factor: u64, shift: i32) -> u32 {
    ((u128::from(m) * u128::from(factor)) >> shift) as u32
}

/// `mul_shift`, and whether the discarded fraction is within `2^-18` of 0 (`.0`) and of 1
/// (`.1`): whether the exact scaled value may lie that close to an integer. (The factors
/// are accurate to about `2^-25` in these units, far below `2^-18`.)
#[inline]
fn mul_shift_near(m: u32, factor: u64, shift: i32) -> (u32, bool, bool) {
    let p = u128::from(m) * u128::from(factor);
    let mask = (1u128 << shift) - 1;
    let frac = p & mask;
    let near = 1u128 << (shift - 18);
    ((p >> shift) as u32, frac < near, frac > mask - near)
}

fn pow5_factor(mut v: u32) -> u32 {
    let mut count = 0;
    while v % 5 == 0 {
        v /= 5;
        count += 1;
    }
    count
}

#[inline]
fn multiple_of_pow5(v: u32, p: u32) -> bool {
    pow5_factor(v) >= p
}

#[inline]
fn multiple_of_pow2(v: u32, p: u32) -> bool {
    v & ((1u32 << p) - 1) == 0
}

/// `(digits, exponent, edge)` with `|v| = digits · 10^exponent`, for a finite non-zero
/// `v`. `edge` is false when the decimal certainly reads back as `v` through `f64` too, and
/// true when it may lie within an `f64` rounding error of a boundary of the rounding
/// interval of an odd-mantissa `v` (see [`write_f32`]).
fn decimal(v: f32) -> (u32, i32, bool) {
    let bits = v.to_bits();
    let ieee_mantissa = bits & ((1 << 23) - 1);
    let ieee_exponent = (bits >> 23) & 0xFF;
    let (e2, m2) = if ieee_exponent == 0 {
        (1 - 127 - 23 - 2, ieee_mantissa)
    } else {
        (
            ieee_exponent as i32 - 127 - 23 - 2,
            (1 << 23) | ieee_mantissa,
        )
    };
    let accept_bounds = m2 & 1 == 0;

    // The interval of decimals that read back as v, scaled by 4.
    let mv = 4 * m2;
    let mp = 4 * m2 + 2;
    let mm_shift = u32::from(ieee_mantissa != 0 || ieee_exponent <= 1);
    let mm = 4 * m2 - 1 - mm_shift;

    let (mut vr, mut vp, mut vm, vp_near, vm_near);
    let e10;
    let mut vm_trailing_zeros = false;
    let mut vr_trailing_zeros = false;
    let mut last_removed = 0u32;
    if e2 >= 0 {
        let q = log10_pow2(e2);
        e10 = q as i32;
        let k = POW5_INV_BITCOUNT + pow5bits(q as i32) - 1;
        let i = -e2 + q as i32 + k;
        let f = POW5_INV_SPLIT[q as usize];
        vr = mul_shift(mv, f, i);
        (vp, vp_near, _) = mul_shift_near(mp, f, i);
        (vm, _, vm_near) = mul_shift_near(mm, f, i);
        if q != 0 && (vp - 1) / 10 <= vm / 10 {
            let l = POW5_INV_BITCOUNT + pow5bits(q as i32 - 1) - 1;
            last_removed =
                mul_shift(mv, POW5_INV_SPLIT[q as usize - 1], -e2 + q as i32 - 1 + l) % 10;
        }
        if q <= 9 {
            // At most one of mp, mv and mm is a multiple of 5.
            if mv % 5 == 0 {
                vr_trailing_zeros = multiple_of_pow5(mv, q);
            } else if accept_bounds {
                vm_trailing_zeros = multiple_of_pow5(mm, q);
            } else {
                vp -= u32::from(multiple_of_pow5(mp, q));
            }
        }
    } else {
        let q = log10_pow5(-e2);
        e10 = q as i32 + e2;
        let i = -e2 - q as i32;
        let k = pow5bits(i) - POW5_BITCOUNT;
        let j = q as i32 - k;
        let f = POW5_SPLIT[i as usize];
        vr = mul_shift(mv, f, j);
        (vp, vp_near, _) = mul_shift_near(mp, f, j);
        (vm, _, vm_near) = mul_shift_near(mm, f, j);
        if q != 0 && (vp - 1) / 10 <= vm / 10 {
            let j = q as i32 - 1 - (pow5bits(i + 1) - POW5_BITCOUNT);
            last_removed = mul_shift(mv, POW5_SPLIT[i as usize + 1], j) % 10;
        }
        if q <= 1 {
            // mv = 4·m2 has at least 2 trailing zero bits.
            vr_trailing_zeros = true;
            if accept_bounds {
                vm_trailing_zeros = mm_shift == 1;
            } else {
                vp -= 1;
            }
        } else if q < 31 {
            vr_trailing_zeros = multiple_of_pow2(mv, q - 1);
        }
    }

    // Drop digits while the interval still holds a shorter decimal.
    let (vp0, vm0) = (u64::from(vp), u64::from(vm));
    let mut removed = 0;
    let output = if vm_trailing_zeros || vr_trailing_zeros {
        while vp / 10 > vm / 10 {
            vm_trailing_zeros &= vm % 10 == 0;
            vr_trailing_zeros &= last_removed == 0;
            last_removed = vr % 10;
            vr /= 10;
            vp /= 10;
            vm /= 10;
            removed += 1;
        }
        if vm_trailing_zeros {
            while vm % 10 == 0 {
                vr_trailing_zeros &= last_removed == 0;
                last_removed = vr % 10;
                vr /= 10;
                vm /= 10;
                removed += 1;
            }
        }
        if vr_trailing_zeros && last_removed == 5 && vr % 2 == 0 {
            // Exactly halfway: round to even.
            last_removed = 4;
        }
        vr + u32::from((vr == vm && (!accept_bounds || !vm_trailing_zeros)) || last_removed >= 5)
    } else {
        while vp / 10 > vm / 10 {
            last_removed = vr % 10;
            vr /= 10;
            vp /= 10;
            vm /= 10;
            removed += 1;
        }
        vr + u32::from(vr == vm || last_removed >= 5)
    };
    let c = u64::from(output) * 10u64.pow(removed as u32);
    // Rounding the decimal to f64 can land it on a boundary of the interval only when it is
    // the outermost decimal inside and the boundary is within 2^-18 of it in these units
    // (an f64 rounding error is below 2^-19 here). Even then an even mantissa wins the tie.
    let edge = !accept_bounds && ((c == vp0 && vp_near) || (c == vm0 + 1 && vm_near));
    (output, e10 + removed, edge)
}

/// Test helper: appends what [`write_f32`] writes.
#[cfg(test)]
fn push_f32(out: &mut Vec<u8>, v: f32) {
    let mut buf = [0u8; 48];
    let len = write_f32(&mut buf, v);
    out.extend_from_slice(&buf[..len]);
}

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
/// any halfway point.
pub(crate) fn write_f32(dst: &mut [u8; 48], v: f32) -> usize {
    let (len, edge) = format(dst, v);
    if edge && !reads_back_through_f64(&dst[..len], v) {
        let mut rest: &mut [u8] = &mut dst[..];
        // At most 15 bytes ("-1.23456789e-38"): it fits.
        let _ = std::io::Write::write_fmt(&mut rest, format_args!("{v:.8e}"));
        let left = rest.len();
        return 48 - left;
    }
    len
}

/// "00" to "99".
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// The number of decimal digits of `v` (at most 10).
#[inline]
fn digit_count(v: u32) -> usize {
    const POWERS: [u32; 9] = [
        10,
        100,
        1_000,
        10_000,
        100_000,
        1_000_000,
        10_000_000,
        100_000_000,
        1_000_000_000,
    ];
    1 + POWERS.iter().filter(|&&p| v >= p).count()
}

/// Writes the shortest text of `v` into `buf`; returns its length and `edge` from
/// [`decimal`]. The text is at most 16 bytes (`-0.0000` and 9 digits, or
/// `-1.2345678e-38`); the rest of `buf` is scratch space, so that every copy has a fixed
/// length (variable-length copies cost a `memmove` call each).
fn format(buf: &mut [u8; 48], v: f32) -> (usize, bool) {
    let mut pos = 0;
    if v.is_sign_negative() {
        buf[0] = b'-';
        pos = 1;
    }
    if v == 0.0 {
        buf[pos] = b'0';
        return (pos + 1, false);
    }
    let (mut digits, exp, edge) = decimal(v);
    // The n digits, most significant first, in d[..n], followed by '0's.
    let n = digit_count(digits);
    let mut d = [b'0'; 24];
    let mut end = n;
    while digits >= 100 {
        let r = (digits % 100) as usize * 2;
        digits /= 100;
        d[end - 2] = PAIRS[r];
        d[end - 1] = PAIRS[r + 1];
        end -= 2;
    }
    if digits >= 10 {
        let r = digits as usize * 2;
        d[0] = PAIRS[r];
        d[1] = PAIRS[r + 1];
    } else {
        d[0] = b'0' + digits as u8;
    }
    // v = d.ddd × 10^sci.
    let sci = exp + n as i32 - 1;
    if (-5..9).contains(&sci) {
        if exp >= 0 {
            // An integer: the digits then exp zeros (d is '0' after the digits); at most 9
            // characters.
            buf[pos..pos + 10].copy_from_slice(&d[..10]);
            pos += n + exp as usize;
        } else if sci >= 0 {
            // Digits before the point, the point, the rest.
            let int = (sci + 1) as usize;
            buf[pos..pos + 10].copy_from_slice(&d[..10]);
            buf[pos + int] = b'.';
            buf[pos + int + 1..pos + int + 11].copy_from_slice(&d[int..int + 10]);
            pos += n + 1;
        } else {
            // "0.", -sci - 1 zeros, the digits.
            let z = (-sci - 1) as usize;
            buf[pos..pos + 6].copy_from_slice(b"0.0000");
            buf[pos + 2 + z..pos + 12 + z].copy_from_slice(&d[..10]);
            pos += 2 + z + n;
        }
    } else {
        buf[pos] = d[0];
        buf[pos + 1] = b'.';
        buf[pos + 2..pos + 12].copy_from_slice(&d[1..11]);
        // No point after a single digit.
        pos += if n > 1 { n + 1 } else { 1 };
        buf[pos] = b'e';
        pos += 1;
        let mut e = sci;
        if e < 0 {
            buf[pos] = b'-';
            pos += 1;
            e = -e;
        }
        if e >= 10 {
            let r = e as usize * 2;
            buf[pos] = PAIRS[r];
            buf[pos + 1] = PAIRS[r + 1];
            pos += 2;
        } else {
            buf[pos] = b'0' + e as u8;
            pos += 1;
        }
    }
    (pos, edge)
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
    fn tables_match_ryu() {
        // First entries of Ryū's published tables.
        assert_eq!(POW5_INV_SPLIT[0], 576_460_752_303_423_489);
        assert_eq!(POW5_INV_SPLIT[1], 461_168_601_842_738_791);
        assert_eq!(POW5_SPLIT[0], 1_152_921_504_606_846_976);
        assert_eq!(POW5_SPLIT[1], 1_441_151_880_758_558_720);
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
