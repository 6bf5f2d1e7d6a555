//! Decoding and preparing uploads: odd formats work, bad input gets a clear error.

use std::io::Cursor;

use image::{DynamicImage, ImageBuffer, ImageFormat, Luma, Rgb, Rgba};
use lcnet::preprocess::{prepare, MAX_PIXELS};
use lcnet::Error;

fn encode(img: DynamicImage, fmt: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, fmt).unwrap();
    out.into_inner()
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG whose header claims `w x h` pixels, with an empty zlib stream for its pixel data.
fn png_header_only(w: u32, h: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]); // 8-bit RGB
    png.extend(13u32.to_be_bytes());
    png.extend(&ihdr);
    png.extend(crc32(&ihdr).to_be_bytes());
    let idat = b"IDAT\x78\x9c\x03\x00\x00\x00\x00\x01";
    png.extend(8u32.to_be_bytes());
    png.extend(idat);
    png.extend(crc32(idat).to_be_bytes());
    png.extend(0u32.to_be_bytes());
    png.extend(b"IEND");
    png.extend(crc32(b"IEND").to_be_bytes());
    png
}

#[test]
fn colour_types_all_reduce_to_rgb() {
    let grey = DynamicImage::ImageLuma8(ImageBuffer::from_pixel(40, 30, Luma([100u8])));
    let p = prepare(&encode(grey, ImageFormat::Png), 32).unwrap();
    assert_eq!(p.rgb.len(), 32 * 32 * 3);
    assert!(p.rgb.iter().all(|&v| v == 100), "grey stays grey");
    assert_eq!((p.source_width, p.source_height), (40, 30));

    // Fully transparent pixels become white, opaque ones keep their colour.
    let mut rgba = ImageBuffer::from_pixel(32, 32, Rgba([255u8, 0, 0, 0]));
    rgba.put_pixel(0, 0, Rgba([10, 20, 30, 255]));
    let p = prepare(
        &encode(DynamicImage::ImageRgba8(rgba), ImageFormat::Png),
        32,
    )
    .unwrap();
    assert_eq!(&p.rgb[..3], &[10, 20, 30]);
    assert_eq!(&p.rgb[3..6], &[255, 255, 255]);

    let deep = ImageBuffer::<Rgb<u16>, _>::from_pixel(64, 64, Rgb([65535u16, 0, 32896]));
    let p = prepare(
        &encode(DynamicImage::ImageRgb16(deep), ImageFormat::Png),
        32,
    )
    .unwrap();
    assert_eq!(&p.rgb[..3], &[255, 0, 128]);
}

#[test]
fn centre_crop_then_resize() {
    // 96x32: left and right thirds red, middle green. The centre square is all green.
    let img = ImageBuffer::from_fn(96, 32, |x, _| {
        if (32..64).contains(&x) {
            Rgb([0u8, 255, 0])
        } else {
            Rgb([255, 0, 0])
        }
    });
    let p = prepare(&encode(DynamicImage::ImageRgb8(img), ImageFormat::Png), 16).unwrap();
    assert_eq!(p.rgb.len(), 16 * 16 * 3);
    assert!(p.rgb.chunks(3).all(|c| c == [0, 255, 0]));
}

#[test]
fn jpeg_decodes() {
    let img = ImageBuffer::from_pixel(50, 50, Rgb([200u8, 100, 50]));
    let p = prepare(&encode(DynamicImage::ImageRgb8(img), ImageFormat::Jpeg), 32).unwrap();
    assert!(p
        .rgb
        .chunks(3)
        .all(|c| (c[0] as i32 - 200).abs() < 8 && (c[2] as i32 - 50).abs() < 8));
    assert_eq!(p.source_format, "Jpeg");
}

#[test]
fn bad_inputs_get_clear_errors() {
    assert!(matches!(prepare(&[], 32), Err(Error::Empty)));
    let e = prepare(b"hello, this is text", 32).unwrap_err().to_string();
    assert!(e.contains("not a supported image format"), "{e}");
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>"#;
    let e = prepare(svg, 32).unwrap_err().to_string();
    assert!(e.contains("SVG"), "{e}");

    let jpeg = encode(
        DynamicImage::ImageRgb8(ImageBuffer::from_pixel(64, 64, Rgb([1u8, 2, 3]))),
        ImageFormat::Jpeg,
    );
    let e = prepare(&jpeg[..jpeg.len() / 2], 32).unwrap_err();
    assert!(
        e.to_string().contains("damaged or truncated"),
        "truncated JPEG: {e}"
    );
    let e = prepare(&jpeg[..20], 32).unwrap_err();
    assert!(matches!(e, Error::Image(_)), "JPEG header only: {e}");

    let huge = png_header_only(12_000, 12_000);
    match prepare(&huge, 32) {
        Err(Error::ImageTooLarge {
            width: 12_000,
            height: 12_000,
            limit,
        }) => {
            assert_eq!(limit, MAX_PIXELS)
        }
        other => panic!("expected ImageTooLarge, got {other:?}"),
    }
    let msg = prepare(&huge, 32).unwrap_err().to_string();
    assert!(msg.contains("12000x12000"), "{msg}");
    // Under the limit but with no pixel data: a decode error, not a panic or a huge allocation.
    assert!(matches!(
        prepare(&png_header_only(4000, 4000), 32),
        Err(Error::Image(_))
    ));
}
