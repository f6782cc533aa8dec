use super::encode::*;
use super::grid::*;
use super::layout::*;
use super::pixel::*;
use crate::error::{Error, Result};

fn invalid(r: Result<impl Sized>) -> String {
    match r {
        Err(Error::InvalidInput { reason, .. }) => reason,
        Err(e) => panic!("expected InvalidInput, got {e}"),
        Ok(_) => panic!("expected an error"),
    }
}

#[test]
fn float_mapping_rounds_and_rejects_out_of_range() {
    let got = f32::to_u8(&[0.0, 1.0, 0.5, 0.25, 0.999, 0.001]).unwrap();
    // round(v * 255) computed by hand: 0, 255, 127.5 -> 128, 63.75 -> 64, 254.7 -> 255, 0.255 -> 0
    assert_eq!(&*got, &[0, 255, 128, 64, 255, 0]);
    assert_eq!(f64::to_u8(&[0.2, 0.8]).unwrap().as_ref(), &[51, 204]);
    let h = [half::f16::from_f32(0.0), half::f16::from_f32(1.0)];
    assert_eq!(half::f16::to_u8(&h).unwrap().as_ref(), &[0, 255]);
    assert_eq!(
        f32::to_u8(&[0.1, -0.0, 1.0001]).unwrap_err(),
        (2, 1.0001f32 as f64)
    );
    let (i, v) = f64::to_u8(&[0.1, f64::NAN, 2.0]).unwrap_err();
    assert_eq!(i, 1);
    assert!(v.is_nan());
    assert_eq!(f32::to_u8(&[f32::INFINITY]).unwrap_err().0, 0);
    assert_eq!(f32::to_u8(&[-1e-9]).unwrap_err().0, 0);
    let h = [half::f16::from_f32(0.5), half::f16::NEG_INFINITY];
    assert_eq!(half::f16::to_u8(&h).unwrap_err(), (1, f64::NEG_INFINITY));
}

#[test]
fn error_names_the_offending_value() {
    let r = invalid(image_pixels(
        "image",
        &[0.5f32, 255.0],
        ImageLayout::Hw(1, 2),
    ));
    assert!(r.contains("element 1 is 255"), "{r}");
    let r = invalid(image_pixels("image", &[f64::NAN], ImageLayout::Hw(1, 1)));
    assert!(r.contains("element 0 is NaN"), "{r}");
}

#[test]
fn shape_errors() {
    let d = [0u8; 12];
    assert!(invalid(image_pixels("image", &d, ImageLayout::Hwc(2, 2, 2))).contains("2 channels"));
    assert!(invalid(image_pixels("image", &d, ImageLayout::Hwc(2, 2, 5))).contains("5 channels"));
    assert!(
        invalid(image_pixels("image", &d, ImageLayout::Hwc(2, 3, 3))).contains("needs 18 values")
    );
    assert!(invalid(image_pixels("image", &d[..0], ImageLayout::Hw(0, 3))).contains("zero-sized"));
    let r = invalid(image_pixels(
        "image",
        &d,
        ImageLayout::Hwc(usize::MAX, 2, 3),
    ));
    assert!(r.contains("overflow"), "{r}");
    assert!(
        invalid(grid_pixels(
            &d,
            BatchLayout::Nhwc(0, 2, 2, 3),
            &GridOptions::new()
        ))
        .contains("zero")
    );
    let r = invalid(grid_pixels(
        &d,
        BatchLayout::Nhwc(4, 1, 1, 3),
        &GridOptions::new().columns(0),
    ));
    assert!(r.contains("columns"), "{r}");
    // Padding that makes the grid too large for a PNG, or for memory: errors, not aborts.
    let four = BatchLayout::Nhwc(4, 1, 1, 3);
    let r = invalid(grid_pixels(&d, four, &GridOptions::new().padding(1 << 30)));
    assert!(r.contains("too large"), "{r}");
    let r = invalid(grid_pixels(&d, four, &GridOptions::new().padding(1 << 22)));
    assert!(r.contains("cannot allocate"), "{r}");
}

#[test]
fn chw_is_interleaved() {
    // 2 × 2 RGB planar: R plane 1..4, G plane 11..14, B plane 21..24.
    let chw: Vec<u8> = [1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24].to_vec();
    let px = image_pixels("image", &chw, ImageLayout::Chw(3, 2, 2)).unwrap();
    assert_eq!(&*px.data, &[1, 11, 21, 2, 12, 22, 3, 13, 23, 4, 14, 24]);
    let chw4: Vec<u8> = (0..8).collect();
    let px = image_pixels("image", &chw4, ImageLayout::Chw(4, 1, 2)).unwrap();
    assert_eq!(&*px.data, &[0, 2, 4, 6, 1, 3, 5, 7]);
}

#[test]
fn grid_layout_matches_make_grid() {
    // 3 grey 1×2 images in 2 columns, padding 1, pad 9:
    // height 2·(1+1)+1 = 5, width 2·(2+1)+1 = 7.
    let data = [1u8, 2, 3, 4, 5, 6];
    let grid = GridOptions::new().columns(2).padding(1).pad_value(9);
    let px = grid_pixels(&data, BatchLayout::Nchw(3, 1, 1, 2), &grid).unwrap();
    assert_eq!((px.width, px.height, px.channels), (7, 5, 1));
    #[rustfmt::skip]
        let want = [
            9, 9, 9, 9, 9, 9, 9,
            9, 1, 2, 9, 3, 4, 9,
            9, 9, 9, 9, 9, 9, 9,
            9, 5, 6, 9, 9, 9, 9,
            9, 9, 9, 9, 9, 9, 9,
        ];
    assert_eq!(&*px.data, &want);
    // One image: as it is, no padding.
    let px = grid_pixels(&data, BatchLayout::Nhwc(1, 1, 2, 3), &GridOptions::new()).unwrap();
    assert_eq!((px.width, px.height, &*px.data), (2, 1, &data[..]));
}

#[test]
fn encoded_sizes() {
    let png = encode_png(&[0u8; 5 * 7], ImageLayout::Hw(5, 7)).unwrap();
    assert_eq!(encoded_size(&png).unwrap(), ("PNG", 7, 5));
    let mut gif = b"GIF89a".to_vec();
    gif.extend_from_slice(&[0x03, 0x01, 0x02, 0x00, 0, 0, 0]);
    assert_eq!(encoded_size(&gif).unwrap(), ("GIF", 259, 2));
    // SOI, APP0 (length 4), fill byte, SOF2 (progressive): height 0x0102, width 0x0304.
    let jpeg = [
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0xAA, 0xBB, 0xFF, 0xFF, 0xC2, 0x00, 0x11, 0x08, 0x01,
        0x02, 0x03, 0x04, 0x03,
    ];
    assert_eq!(encoded_size(&jpeg).unwrap(), ("JPEG", 0x0304, 0x0102));
    // DHT (C4) is not a frame header.
    let dht = [0xFF, 0xD8, 0xFF, 0xC4, 0x00, 0x02, 0xFF, 0xDA, 0x00, 0x02];
    assert!(invalid(encoded_size(&dht)).contains("no start-of-frame"));
    assert!(invalid(encoded_size(&[0xFF, 0xD8, 0xFF, 0xC0, 0x00])).contains("ends"));
    assert!(invalid(encoded_size(b"hello")).contains("not a PNG"));
    assert!(invalid(encoded_size(&png[..20])).contains("IHDR"));
    assert!(invalid(encoded_size(b"")).contains("not a PNG"));
    // Every truncation of every header is an error or a size, never a panic.
    for full in [&png[..], &gif[..], &jpeg[..], &dht[..]] {
        for end in 0..full.len() {
            let _ = encoded_size(&full[..end]);
        }
    }
    let zero = [b"GIF87a".as_slice(), &[0, 0, 5, 0]].concat();
    assert!(invalid(encoded_size(&zero)).contains("0×5"));
}
