//! Bounding boxes drawn onto an image, with optional labels: what tensorboardX's
//! `add_image_with_boxes` shows, for object detection.

use std::borrow::Cow;

use crate::error::{Error, Result};
use crate::proto::summary;
use crate::writer::{Step, StepBuilder, SummaryWriter};

use super::encode::{Pixels, image_pixels, pixels_value};
use super::layout::ImageLayout;
use super::pixel::Pixel;

const WHAT: &str = "image boxes";

/// Side of a label glyph, in pixels (an 8×8 bitmap font, the public-domain `font8x8`).
const GLYPH: usize = 8;
/// Background margin around a label's text, in pixels.
const MARGIN: usize = 1;

/// One box to draw with [`SummaryWriter::add_image_with_boxes`]: its corners in pixels, and
/// optionally a label, a colour and a line thickness.
///
/// Coordinates are in pixels of the image as logged, `x` from the left and `y` from the top,
/// like tensorboardX's `[x_min, y_min, x_max, y_max]` boxes. They are rounded to the nearest
/// pixel; the outline covers the pixels from `x_min` to `x_max` and `y_min` to `y_max`, both
/// included, and is drawn inwards from there. A box may reach past the image's edges (the
/// part outside is not drawn). A NaN or infinite coordinate, or a minimum above its maximum,
/// is an [`Error::InvalidInput`].
///
/// ```
/// use tensorboard_writer::summary::image::ImageBox;
///
/// let cat = ImageBox::new(4.0, 6.0, 40.0, 30.0).label("cat 0.93");
/// let dog = ImageBox::new(50.0, 10.0, 90.0, 60.0).label("dog 0.71").color([0, 128, 255]);
/// # let _ = (cat, dog);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageBox<'a> {
    corners: [f32; 4],
    label: Option<&'a str>,
    color: [u8; 3],
    thickness: u32,
}

impl<'a> ImageBox<'a> {
    /// A red box, 2 pixels thick (tensorboardX's defaults), without a label.
    pub fn new(x_min: f32, y_min: f32, x_max: f32, y_max: f32) -> Self {
        ImageBox {
            corners: [x_min, y_min, x_max, y_max],
            label: None,
            color: [255, 0, 0],
            thickness: 2,
        }
    }

    /// Text written on a filled tab of the box's colour, just above its top-left corner (or
    /// just inside, when the box touches the top of the image), in an 8×8 pixel font, black
    /// on light colours and white on dark ones. Characters outside printable ASCII are drawn
    /// as `?`; text past the image's right edge is cut off.
    pub fn label(mut self, label: &'a str) -> Self {
        self.label = Some(label);
        self
    }

    /// The outline's colour, RGB (default red). On a grey image the boxes make it RGB.
    pub fn color(mut self, rgb: [u8; 3]) -> Self {
        self.color = rgb;
        self
    }

    /// The outline's thickness in pixels, at least 1 (default 2).
    pub fn thickness(mut self, pixels: u32) -> Self {
        self.thickness = pixels;
        self
    }

    /// The box's pixel bounds `(x0, y0, x1, y1)`, inclusive, after the checks.
    fn bounds(&self, index: usize) -> Result<(i64, i64, i64, i64)> {
        let bad = |reason: String| Error::InvalidInput {
            what: WHAT,
            reason: format!("box {index}: {reason}"),
        };
        if let Some(v) = self.corners.iter().find(|v| !v.is_finite()) {
            return Err(bad(format!("coordinate {v} is not finite")));
        }
        let [x0, y0, x1, y1] = self.corners;
        if x0 > x1 || y0 > y1 {
            return Err(bad(format!(
                "[x_min, y_min, x_max, y_max] = {:?}: a minimum is above its maximum",
                self.corners
            )));
        }
        if self.thickness == 0 {
            return Err(bad("thickness must be at least 1".into()));
        }
        // Rounded and clamped far outside any PNG (sides are at most 2^31 - 1), so the
        // arithmetic below cannot overflow.
        let px = |v: f32| (v.round() as i64).clamp(-(1 << 40), 1 << 40);
        Ok((px(x0), px(y0), px(x1), px(y1)))
    }
}

/// Checked pixels, owned, that boxes are drawn on.
struct Canvas(Pixels<'static>);

impl Canvas {
    /// Takes the checked pixels, turning grey into RGB so that coloured boxes show.
    fn new(px: Pixels<'_>) -> Canvas {
        let (data, channels) = match px.channels {
            1 => (px.data.iter().flat_map(|&v| [v, v, v]).collect(), 3),
            c => (px.data.into_owned(), c),
        };
        Canvas(Pixels {
            width: px.width,
            height: px.height,
            channels,
            data: Cow::Owned(data),
        })
    }

    /// Fills the rectangle of columns `x0..=x1` and rows `y0..=y1`, clipped to the image.
    fn fill(&mut self, (x0, y0, x1, y1): (i64, i64, i64, i64), rgb: [u8; 3]) {
        let clip = |lo: i64, hi: i64, size: usize| {
            let lo = lo.max(0);
            let hi = hi.min(size as i64 - 1);
            (lo <= hi).then_some((lo as usize, hi as usize))
        };
        let Pixels {
            width,
            height,
            channels: c,
            ref mut data,
        } = self.0;
        let (Some((x0, x1)), Some((y0, y1))) = (clip(x0, x1, width), clip(y0, y1, height)) else {
            return;
        };
        let data = data.to_mut();
        for y in y0..=y1 {
            let row = &mut data[(y * width + x0) * c..(y * width + x1 + 1) * c];
            for px in row.chunks_exact_mut(c) {
                px[..3].copy_from_slice(&rgb);
                if c == 4 {
                    px[3] = 255;
                }
            }
        }
    }

    fn draw(&mut self, b: &ImageBox<'_>, (x0, y0, x1, y1): (i64, i64, i64, i64)) {
        let t = i64::from(b.thickness);
        // Four bands, inwards from the bounds; a box thinner than 2t is filled.
        self.fill((x0, y0, x1, (y0 + t - 1).min(y1)), b.color);
        self.fill((x0, (y1 - t + 1).max(y0), x1, y1), b.color);
        self.fill((x0, y0, (x0 + t - 1).min(x1), y1), b.color);
        self.fill(((x1 - t + 1).max(x0), y0, x1, y1), b.color);
        if let Some(label) = b.label.filter(|l| !l.is_empty()) {
            self.label(label, b.color, x0, y0);
        }
    }

    /// A tab of `color` with `text` on it, above the box's top-left corner `(x0, y0)`, or
    /// just inside when there is no room above.
    fn label(&mut self, text: &str, color: [u8; 3], x0: i64, y0: i64) {
        let side = (GLYPH + 2 * MARGIN) as i64;
        let top = if y0 >= side { y0 - side } else { y0.max(0) };
        let chars = text.chars().count() as i64;
        let right = x0.saturating_add(chars.saturating_mul(GLYPH as i64) + 2 * MARGIN as i64 - 1);
        self.fill((x0, top, right, top + side - 1), color);
        let luma =
            299 * u32::from(color[0]) + 587 * u32::from(color[1]) + 114 * u32::from(color[2]);
        let ink = if luma >= 128_000 {
            [0, 0, 0]
        } else {
            [255, 255, 255]
        };
        let (gx, gy) = (x0 + MARGIN as i64, top + MARGIN as i64);
        for (k, ch) in text.chars().enumerate() {
            let x = gx + k as i64 * GLYPH as i64;
            if x >= self.0.width as i64 {
                break;
            }
            let code = if (' '..='~').contains(&ch) {
                ch as usize
            } else {
                '?' as usize
            };
            for (row, bits) in font8x8::legacy::BASIC_LEGACY[code].iter().enumerate() {
                for col in 0..GLYPH {
                    // Bit 0 is the leftmost pixel.
                    if bits >> col & 1 == 1 {
                        let (px, py) = (x + col as i64, gy + row as i64);
                        self.fill((px, py, px, py), ink);
                    }
                }
            }
        }
    }
}

/// Checks the image and the boxes and draws them: the pixels to encode.
pub(crate) fn boxed_pixels<T: Pixel>(
    data: &[T],
    layout: ImageLayout,
    boxes: &[ImageBox<'_>],
) -> Result<Pixels<'static>> {
    // The boxes first: checking them is cheap, converting the image is not.
    let bounds = boxes
        .iter()
        .enumerate()
        .map(|(i, b)| b.bounds(i))
        .collect::<Result<Vec<_>>>()?;
    let mut canvas = Canvas::new(image_pixels(WHAT, data, layout)?);
    for (b, &r) in boxes.iter().zip(&bounds) {
        canvas.draw(b, r);
    }
    Ok(canvas.0)
}

fn boxes_value<T: Pixel>(
    tag: String,
    data: &[T],
    layout: ImageLayout,
    boxes: &[ImageBox<'_>],
) -> Result<summary::Value> {
    pixels_value(tag, WHAT, &boxed_pixels(data, layout, boxes)?)
}

impl SummaryWriter {
    /// Logs an image with bounding boxes drawn on it (tensorboardX's `add_image_with_boxes`):
    /// each [`ImageBox`] as an outline in its colour, with its label, if any, on a tab above
    /// it. The image takes the same element types, layouts and value ranges as
    /// [`add_image`](Self::add_image); a grey image becomes RGB, and on an RGBA image the
    /// boxes are opaque. Boxes are drawn in order, later ones over earlier ones.
    ///
    /// A bad image or a bad box (see [`ImageBox`]) is an [`Error::InvalidInput`] naming it,
    /// and nothing is written.
    ///
    /// ```
    /// use tensorboard_writer::summary::image::{ImageBox, ImageLayout};
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// let (h, w) = (120, 160);
    /// let photo = vec![90u8; h * w * 3];
    /// let boxes = [
    ///     ImageBox::new(10.0, 20.0, 70.0, 100.0).label("cat 0.93"),
    ///     ImageBox::new(80.0, 30.0, 150.0, 90.0).label("dog 0.71").color([0, 160, 255]),
    /// ];
    /// writer.add_image_with_boxes("detections", &photo, ImageLayout::Hwc(h, w, 3), &boxes, 3u32)?;
    ///
    /// let inverted = [ImageBox::new(50.0, 0.0, 10.0, 5.0)];
    /// let err = writer.add_image_with_boxes("bad", &photo, ImageLayout::Hwc(h, w, 3), &inverted, 3u32);
    /// assert!(err.is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_image_with_boxes<T: Pixel>(
        &self,
        tag: &str,
        data: &[T],
        layout: ImageLayout,
        boxes: &[ImageBox<'_>],
        step: impl Step,
    ) -> Result<()> {
        self.step(step)
            .image_with_boxes(tag, data, layout, boxes)
            .write()
    }
}

impl StepBuilder<'_> {
    /// Adds an image with boxes drawn on it (see [`SummaryWriter::add_image_with_boxes`]).
    pub fn image_with_boxes<T: Pixel>(
        self,
        tag: &str,
        data: &[T],
        layout: ImageLayout,
        boxes: &[ImageBox<'_>],
    ) -> Self {
        self.tagged(tag, |tag| boxes_value(tag, data, layout, boxes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Draws `boxes` on the image and returns the pixels to encode.
    fn draw(px: &[u8], layout: ImageLayout, boxes: &[ImageBox<'_>]) -> Pixels<'static> {
        boxed_pixels(px, layout, boxes).unwrap()
    }

    fn at(p: &Pixels<'_>, x: usize, y: usize) -> Vec<u8> {
        p.data[(y * p.width + x) * p.channels..][..p.channels].to_vec()
    }

    /// The set of `(x, y)` whose pixel differs from `background`.
    fn changed(p: &Pixels<'_>, background: &[u8]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for y in 0..p.height {
            for x in 0..p.width {
                if at(p, x, y) != background {
                    out.push((x, y));
                }
            }
        }
        out
    }

    #[test]
    fn outline_covers_exactly_the_bands_inside_the_bounds() {
        let img = vec![0u8; 20 * 30 * 3];
        let p = draw(
            &img,
            ImageLayout::Hwc(20, 30, 3),
            &[ImageBox::new(3.0, 4.0, 12.0, 15.0)],
        );
        let mut want = Vec::new();
        for y in 0..20 {
            for x in 0..30 {
                let inside = (3..=12).contains(&x) && (4..=15).contains(&y);
                let band = x <= 4 || x >= 11 || y <= 5 || y >= 14;
                if inside && band {
                    want.push((x, y));
                }
            }
        }
        assert_eq!(changed(&p, &[0, 0, 0]), want);
        assert_eq!(at(&p, 3, 4), [255, 0, 0]);
        assert_eq!(at(&p, 12, 15), [255, 0, 0]);
        assert_eq!(at(&p, 5, 6), [0, 0, 0], "the inside is untouched");
    }

    #[test]
    fn coordinates_round_to_the_nearest_pixel_and_clip_at_the_edges() {
        let img = vec![0u8; 10 * 10 * 3];
        let layout = ImageLayout::Hwc(10, 10, 3);
        let a = draw(&img, layout, &[ImageBox::new(2.4, 2.6, 6.5, 7.49)]);
        let b = draw(&img, layout, &[ImageBox::new(2.0, 3.0, 7.0, 7.0)]);
        assert_eq!(a.data, b.data);
        // Reaching past every edge: only the parts inside are drawn, nothing panics.
        let c = draw(
            &img,
            layout,
            &[ImageBox::new(-5.0, -5.0, 14.0, 14.0).thickness(6)],
        );
        let ring: Vec<_> = (0..10)
            .flat_map(|y| (0..10).map(move |x| (x, y)))
            .filter(|&(x, y)| x == 0 || y == 0 || x == 9 || y == 9)
            .collect();
        assert_eq!(changed(&c, &[0, 0, 0]), ring);
        let far = draw(&img, layout, &[ImageBox::new(1e30, 1e30, 3e30, 3e30)]);
        assert!(changed(&far, &[0, 0, 0]).is_empty());
    }

    #[test]
    fn grey_becomes_rgb_and_rgba_boxes_are_opaque() {
        let grey = vec![40u8; 8 * 8];
        let p = draw(
            &grey,
            ImageLayout::Hw(8, 8),
            &[ImageBox::new(0.0, 0.0, 7.0, 7.0)],
        );
        assert_eq!(p.channels, 3);
        assert_eq!(at(&p, 0, 0), [255, 0, 0]);
        assert_eq!(at(&p, 4, 4), [40, 40, 40]);
        let rgba = vec![10u8; 8 * 8 * 4];
        let q = draw(
            &rgba,
            ImageLayout::Hwc(8, 8, 4),
            &[ImageBox::new(0.0, 0.0, 7.0, 7.0)
                .color([1, 2, 3])
                .thickness(1)],
        );
        assert_eq!(q.channels, 4);
        assert_eq!(at(&q, 7, 3), [1, 2, 3, 255]);
        assert_eq!(at(&q, 3, 3), [10, 10, 10, 10]);
    }

    #[test]
    fn labels_sit_on_a_tab_above_the_box_or_inside_at_the_top() {
        let img = vec![0u8; 40 * 60 * 3];
        let layout = ImageLayout::Hwc(40, 60, 3);
        // Room above: the tab spans rows 20..=29 (10 rows: 8 for the glyph, 1 margin each
        // side) and columns 5..=22 (two glyphs and the margins).
        let p = draw(
            &img,
            layout,
            &[ImageBox::new(5.0, 30.0, 50.0, 39.0).label("A1")],
        );
        let mut ink = 0;
        for y in 20..=29 {
            for x in 5..=22 {
                match at(&p, x, y).as_slice() {
                    [255, 0, 0] => {}
                    [255, 255, 255] => ink += 1, // white text: red counts as dark
                    other => panic!("({x}, {y}) is {other:?}"),
                }
            }
        }
        assert!(ink > 10, "{ink} text pixels");
        assert_eq!(at(&p, 23, 25), [0, 0, 0], "the tab ends after two glyphs");
        assert_eq!(
            at(&p, 5, 19),
            [0, 0, 0],
            "and starts at the box's row minus 10"
        );
        // The glyphs are the font's: 'A' row 0 has bits 0x0C, columns 2 and 3.
        let row0 = font8x8::legacy::BASIC_LEGACY['A' as usize][0];
        for col in 0..8 {
            let inked = at(&p, 6 + col, 21) == [255, 255, 255];
            assert_eq!(inked, row0 >> col & 1 == 1, "column {col}");
        }
        // No room above: inside, from the box's top row; a dark colour gets white text.
        let q = draw(
            &img,
            layout,
            &[ImageBox::new(5.0, 3.0, 50.0, 39.0)
                .label("é")
                .color([0, 0, 120])],
        );
        let mut inked: Vec<_> = (3..=12)
            .flat_map(|y| (5..=14).map(move |x| (x, y)))
            .filter(|&(x, y)| at(&q, x, y) == [255, 255, 255])
            .collect();
        let question = font8x8::legacy::BASIC_LEGACY['?' as usize];
        let mut want: Vec<_> = (0..8)
            .flat_map(|r| (0..8).map(move |c| (c, r)))
            .filter(|&(c, r)| question[r] >> c & 1 == 1)
            .map(|(c, r)| (6 + c, 4 + r))
            .collect();
        inked.sort();
        want.sort();
        assert_eq!(inked, want, "a non-ASCII character is drawn as '?'");

        // A light colour gets black text; an empty label draws no tab at all.
        let yellow = [255, 230, 0];
        let r = draw(
            &img,
            layout,
            &[ImageBox::new(5.0, 30.0, 50.0, 39.0)
                .label("?")
                .color(yellow)],
        );
        let tab: Vec<Vec<u8>> = (20..=29)
            .flat_map(|y| (5..=14).map(move |x| (x, y)))
            .map(|(x, y)| at(&r, x, y))
            .collect();
        assert!(tab.iter().all(|p| p == &[0, 0, 0] || p == &yellow));
        assert_eq!(tab.iter().filter(|p| *p == &[0, 0, 0]).count(), ink_of('?'));
        let plain = draw(&img, layout, &[ImageBox::new(5.0, 30.0, 50.0, 39.0)]);
        let empty = draw(
            &img,
            layout,
            &[ImageBox::new(5.0, 30.0, 50.0, 39.0).label("")],
        );
        assert_eq!(empty.data, plain.data);
    }

    /// How many pixels of its 8×8 cell the font inks for `c`.
    fn ink_of(c: char) -> usize {
        font8x8::legacy::BASIC_LEGACY[c as usize]
            .iter()
            .map(|row| row.count_ones() as usize)
            .sum()
    }

    #[test]
    fn glyphs_are_upright_and_not_mirrored() {
        // An 'L': most of its ink is in the left half (the stem) and its lowest row (the
        // foot) is the fullest; a mirrored or flipped glyph would have them the other way.
        let img = vec![0u8; 30 * 30 * 3];
        let p = draw(
            &img,
            ImageLayout::Hwc(30, 30, 3),
            &[ImageBox::new(0.0, 12.0, 29.0, 29.0).label("L")],
        );
        // The tab is columns 0..=9 and rows 2..=11; the glyph cell is 1..=8 by 3..=10.
        let inked: Vec<(usize, usize)> = (0..30)
            .flat_map(|y| (0..30).map(move |x| (x, y)))
            .filter(|&(x, y)| at(&p, x, y) == [255, 255, 255])
            .collect();
        assert!(
            inked
                .iter()
                .all(|&(x, y)| (1..=8).contains(&x) && (3..=10).contains(&y))
        );
        let count = |f: &dyn Fn(&(usize, usize)) -> bool| inked.iter().filter(|p| f(p)).count();
        let (left, right) = (count(&|p| p.0 <= 4), count(&|p| p.0 >= 5));
        assert!(left > 2 * right, "stem on the left: {inked:?}");
        let top = inked.iter().map(|p| p.1).min().unwrap();
        let bottom = inked.iter().map(|p| p.1).max().unwrap();
        let row = |y: usize| count(&|p| p.1 == y);
        assert!(row(bottom) > row(top), "foot at the bottom: {inked:?}");
        assert!(row(bottom) >= 6, "{inked:?}");
    }

    #[test]
    fn bad_boxes_are_errors_naming_the_box() {
        let img = vec![0u8; 4 * 4 * 3];
        let layout = ImageLayout::Hwc(4, 4, 3);
        let err = |b: ImageBox<'_>| {
            let ok = ImageBox::new(0.0, 0.0, 1.0, 1.0);
            match boxed_pixels(&img, layout, &[ok, b]) {
                Err(Error::InvalidInput { what, reason }) => {
                    assert_eq!(what, WHAT);
                    assert!(reason.starts_with("box 1: "), "{reason}");
                    reason
                }
                Err(other) => panic!("{other:?}"),
                Ok(_) => panic!("accepted"),
            }
        };
        assert!(err(ImageBox::new(f32::NAN, 0.0, 1.0, 1.0)).contains("NaN"));
        assert!(err(ImageBox::new(0.0, 0.0, f32::INFINITY, 1.0)).contains("inf"));
        assert!(err(ImageBox::new(2.0, 0.0, 1.0, 1.0)).contains("minimum is above"));
        assert!(err(ImageBox::new(0.0, 3.0, 1.0, 1.0)).contains("minimum is above"));
        assert!(err(ImageBox::new(0.0, 0.0, 1.0, 1.0).thickness(0)).contains("thickness"));
        // And the image's own checks still apply.
        assert!(boxed_pixels(&[2.0f32; 3], ImageLayout::Hw(1, 3), &[]).is_err());
    }
}
