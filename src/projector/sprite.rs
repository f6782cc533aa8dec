//! The sprite sheet: N thumbnails on a k × k grid, scaled down to fit 8192 × 8192 pixels.

use std::borrow::Cow;

use crate::error::{Error, Result};
use crate::summary::image::{Pixels, interleave, png_bytes};

/// The largest sprite side the projector accepts (`MAX_SPRITE_IMAGE_SIZE_PX`).
pub const MAX_SPRITE_SIDE: usize = 8192;

const WHAT: &str = "embedding images";

/// Checked, 8-bit thumbnails: `n` images of `h × w × c`, planar (CHW) or interleaved.
pub(crate) struct Thumbnails<'a> {
    pub(crate) n: usize,
    pub(crate) h: usize,
    pub(crate) w: usize,
    pub(crate) c: usize,
    pub(crate) planar: bool,
    pub(crate) data: Cow<'a, [u8]>,
}

/// Where the thumbnails go: a `k × k` grid of `w × h` cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    pub(crate) k: usize,
    pub(crate) w: usize,
    pub(crate) h: usize,
}

/// The smallest `k` with `k² ≥ n`.
fn ceil_sqrt(n: usize) -> usize {
    let mut k = (n as f64).sqrt() as usize;
    while k.saturating_mul(k) < n {
        k += 1;
    }
    while k > 0 && (k - 1).saturating_mul(k - 1) >= n {
        k -= 1;
    }
    k
}

/// The grid for `n` thumbnails of `w × h` in a sprite of at most `max × max` pixels.
///
/// The grid is square in thumbnails (`k = ⌈√n⌉` per row and per column) because the
/// projector's shader finds a thumbnail's row by dividing its index by the number of
/// thumbnails per *column*. When `k·w` or `k·h` exceeds `max`, both sides are scaled by the
/// same factor `max / (k · max(w, h))`, rounded down (at least 1 pixel).
pub(crate) fn layout(n: usize, w: usize, h: usize, max: usize) -> Result<Layout> {
    let k = ceil_sqrt(n);
    if k > max {
        return Err(Error::InvalidInput {
            what: WHAT,
            reason: format!("{n} thumbnails do not fit a {max}×{max} sprite even at 1 pixel each"),
        });
    }
    let m = w.max(h);
    if k.saturating_mul(m) <= max {
        return Ok(Layout { k, w, h });
    }
    // floor(side · max / (k · m)) in exact integer arithmetic.
    let scale = |side: usize| {
        let v = (side as u128 * max as u128) / (k as u128 * m as u128);
        (v as usize).max(1)
    };
    Ok(Layout {
        k,
        w: scale(w),
        h: scale(h),
    })
}

/// Box-filter downscaling of one interleaved `w × h × c` image to `nw × nh` (each no larger
/// than the source): every output pixel is the mean of the source pixels its cell covers,
/// rounded. RGBA is averaged with colours weighted by alpha (premultiplied), so fully
/// transparent pixels do not darken the edges of what is visible.
pub(crate) fn downscale(
    src: &[u8],
    (w, h, c): (usize, usize, usize),
    (nw, nh): (usize, usize),
    dst: &mut [u8],
) {
    for y in 0..nh {
        let (y0, y1) = (y * h / nh, ((y + 1) * h / nh).max(y * h / nh + 1));
        for x in 0..nw {
            let (x0, x1) = (x * w / nw, ((x + 1) * w / nw).max(x * w / nw + 1));
            let count = ((y1 - y0) * (x1 - x0)) as u64;
            let mut sum = [0u64; 4];
            for sy in y0..y1 {
                let row = &src[(sy * w + x0) * c..(sy * w + x1) * c];
                for px in row.chunks_exact(c) {
                    if c == 4 {
                        let a = u64::from(px[3]);
                        for ch in 0..3 {
                            sum[ch] += u64::from(px[ch]) * a;
                        }
                        sum[3] += a;
                    } else {
                        for ch in 0..c {
                            sum[ch] += u64::from(px[ch]);
                        }
                    }
                }
            }
            let out = &mut dst[(y * nw + x) * c..(y * nw + x + 1) * c];
            if c == 4 {
                let a = sum[3];
                for ch in 0..3 {
                    // Fully transparent: colour 0.
                    out[ch] = (sum[ch] + a / 2).checked_div(a).unwrap_or(0) as u8;
                }
                out[3] = ((a + count / 2) / count) as u8;
            } else {
                for ch in 0..c {
                    out[ch] = ((sum[ch] + count / 2) / count) as u8;
                }
            }
        }
    }
}

/// The sprite's pixels: thumbnail `i` at column `i % k`, row `i / k`, from the top left;
/// empty cells are 0 (black, or transparent for RGBA).
pub(crate) fn assemble(t: &Thumbnails<'_>, l: Layout) -> Result<Pixels<'static>> {
    let (sw, sh) = (l.k * l.w, l.k * l.h);
    let total = sw
        .checked_mul(sh)
        .and_then(|p| p.checked_mul(t.c))
        .ok_or_else(|| Error::InvalidInput {
            what: WHAT,
            reason: format!("a {sw}×{sh} sprite is too large"),
        })?;
    let mut out = Vec::new();
    out.try_reserve_exact(total)
        .map_err(|_| Error::InvalidInput {
            what: WHAT,
            reason: format!("cannot allocate a {sw}×{sh} sprite ({total} bytes)"),
        })?;
    out.resize(total, 0);
    let img_len = t.h * t.w * t.c;
    let scaled = (l.w, l.h) != (t.w, t.h);
    let mut planar_buf = if t.planar && t.c > 1 {
        vec![0u8; img_len]
    } else {
        Vec::new()
    };
    let mut scaled_buf = if scaled {
        vec![0u8; l.w * l.h * t.c]
    } else {
        Vec::new()
    };
    let row_bytes = sw * t.c;
    for (i, img) in t.data.chunks_exact(img_len).take(t.n).enumerate() {
        let img: &[u8] = if t.planar && t.c > 1 {
            interleave(img, t.c, &mut planar_buf);
            &planar_buf
        } else {
            img
        };
        let img: &[u8] = if scaled {
            downscale(img, (t.w, t.h, t.c), (l.w, l.h), &mut scaled_buf);
            &scaled_buf
        } else {
            img
        };
        let (x0, y0) = ((i % l.k) * l.w, (i / l.k) * l.h);
        for (y, src) in img.chunks_exact(l.w * t.c).enumerate() {
            let start = (y0 + y) * row_bytes + x0 * t.c;
            out[start..start + src.len()].copy_from_slice(src);
        }
    }
    Ok(Pixels {
        width: sw,
        height: sh,
        channels: t.c,
        data: Cow::Owned(out),
    })
}

/// The sprite as a PNG, and the layout used.
pub(crate) fn sprite_png(t: &Thumbnails<'_>) -> Result<(Vec<u8>, Layout)> {
    let l = layout(t.n, t.w, t.h, MAX_SPRITE_SIDE)?;
    let px = assemble(t, l)?;
    Ok((png_bytes(WHAT, &px)?, l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceil_sqrt_is_exact() {
        for n in 0..10_000usize {
            let k = ceil_sqrt(n);
            assert!(
                k * k >= n && (k == 0 || (k - 1) * (k - 1) < n),
                "{n} -> {k}"
            );
        }
        assert_eq!(ceil_sqrt(usize::MAX), 1 << 32);
    }

    #[test]
    fn layouts() {
        // Fits: unchanged. 100 × 28 px = 2800.
        assert_eq!(
            layout(10_000, 28, 28, 8192).unwrap(),
            Layout {
                k: 100,
                w: 28,
                h: 28
            }
        );
        // 10,000 thumbnails of 100 px: 100 per row -> 81 px (8100 ≤ 8192 < 8200).
        assert_eq!(
            layout(10_000, 100, 100, 8192).unwrap(),
            Layout {
                k: 100,
                w: 81,
                h: 81
            }
        );
        // Aspect kept, rounded down: 3 per row of 4000 × 2000 -> 2730 × 1365.
        assert_eq!(
            layout(9, 4000, 2000, 8192).unwrap(),
            Layout {
                k: 3,
                w: 2730,
                h: 1365
            }
        );
        // Exactly at the limit: unchanged.
        assert_eq!(
            layout(4, 4096, 1, 8192).unwrap(),
            Layout {
                k: 2,
                w: 4096,
                h: 1
            }
        );
        // The short side never reaches 0.
        assert_eq!(
            layout(2, 5000, 2, 8192).unwrap(),
            Layout {
                k: 2,
                w: 4096,
                h: 1
            }
        );
        // 8192² thumbnails fit at 1 px; one more does not.
        assert_eq!(
            layout(8192 * 8192, 5, 5, 8192).unwrap(),
            Layout {
                k: 8192,
                w: 1,
                h: 1
            }
        );
        assert!(layout(8192 * 8192 + 1, 1, 1, 8192).is_err());
        for (n, w, h) in [
            (7usize, 9000usize, 3usize),
            (1000, 300, 200),
            (3, 8193, 8193),
        ] {
            let l = layout(n, w, h, 8192).unwrap();
            assert!(l.k * l.w <= 8192 && l.k * l.h <= 8192, "{l:?}");
        }
    }

    #[test]
    fn box_filter() {
        // 4×2 grey -> 2×1: means of 2×2 blocks, rounded half up.
        let src = [0, 10, 100, 101, 20, 31, 200, 200];
        let mut dst = [0u8; 2];
        downscale(&src, (4, 2, 1), (2, 1), &mut dst);
        assert_eq!(
            dst,
            [
                (10 + 20 + 31 + 2) / 4,
                ((100 + 101 + 200 + 200 + 2) / 4) as u8
            ]
        );
        // 3 -> 2 columns: cells [0,1) and [1,3).
        let mut dst = [0u8; 2];
        downscale(&[9, 1, 2], (3, 1, 1), (2, 1), &mut dst);
        assert_eq!(dst, [9, 2]);
        // RGBA: a transparent black pixel does not darken an opaque red one.
        let src = [255, 0, 0, 255, 0, 0, 0, 0];
        let mut dst = [0u8; 4];
        downscale(&src, (2, 1, 4), (1, 1), &mut dst);
        assert_eq!(dst, [255, 0, 0, 128]);
        downscale(&[7, 7, 7, 0, 9, 9, 9, 0], (2, 1, 4), (1, 1), &mut dst);
        assert_eq!(dst, [0, 0, 0, 0]);
    }

    #[test]
    fn assembles_grid_from_planar_and_scaled() {
        // 3 RGB 1×2 images, planar: image i has R = 10i+1, G = 10i+2, B = 10i+3 (both pixels).
        let mut data = Vec::new();
        for i in 0..3u8 {
            for ch in 1..=3 {
                data.extend([10 * i + ch, 10 * i + ch]);
            }
        }
        let t = Thumbnails {
            n: 3,
            h: 1,
            w: 2,
            c: 3,
            planar: true,
            data: Cow::Owned(data),
        };
        let px = assemble(&t, layout(3, 2, 1, 8192).unwrap()).unwrap();
        assert_eq!((px.width, px.height), (4, 2));
        #[rustfmt::skip]
        assert_eq!(&*px.data, &[
            1, 2, 3, 1, 2, 3, 11, 12, 13, 11, 12, 13,
            21, 22, 23, 21, 22, 23, 0, 0, 0, 0, 0, 0,
        ]);
        // Scaled to fit a 2×2 sprite: each 2×1 image becomes 1×1 (the mean of its 2 pixels).
        let l = layout(3, 2, 1, 2).unwrap();
        assert_eq!(l, Layout { k: 2, w: 1, h: 1 });
        let px = assemble(&t, l).unwrap();
        assert_eq!((px.width, px.height), (2, 2));
        assert_eq!(&*px.data, &[1, 2, 3, 11, 12, 13, 21, 22, 23, 0, 0, 0]);
    }
}
