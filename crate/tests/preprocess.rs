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

/// A 64x64 picture, upright: red top-left, green top-right, blue bottom-left, white
/// bottom-right (every one of the 8 orientations arranges these differently).
fn quadrants() -> image::RgbImage {
    ImageBuffer::from_fn(64, 64, |x, y| match (x < 32, y < 32) {
        (true, true) => Rgb([255, 0, 0]),
        (false, true) => Rgb([0, 255, 0]),
        (true, false) => Rgb([0, 0, 255]),
        (false, false) => Rgb([255, 255, 255]),
    })
}

/// A JPEG of `img` whose EXIF says `orientation` (a TIFF block with one IFD entry, 0x0112).
fn jpeg_with_orientation(img: &image::RgbImage, orientation: u16) -> Vec<u8> {
    use image::ImageEncoder;
    let mut exif = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
    exif.extend_from_slice(&orientation.to_be_bytes());
    exif.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut out = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95);
    enc.set_exif_metadata(exif).unwrap();
    enc.write_image(
        img,
        img.width(),
        img.height(),
        image::ExtendedColorType::Rgb8,
    )
    .unwrap();
    out
}

/// Mean colour of each 16x16 quadrant of a prepared 32x32 image: TL, TR, BL, BR.
fn quadrant_colours(rgb: &[u8]) -> [[u8; 3]; 4] {
    let mut out = [[0u8; 3]; 4];
    for (q, (x0, y0)) in [(0, 0), (16, 0), (0, 16), (16, 16)].into_iter().enumerate() {
        for c in 0..3 {
            let mut sum = 0u32;
            // The inner 8x8 of the quadrant, away from JPEG and resize blur at the edges.
            for y in y0 + 4..y0 + 12 {
                for x in x0 + 4..x0 + 12 {
                    sum += u32::from(rgb[(y * 32 + x) * 3 + c]);
                }
            }
            out[q][c] = (sum / 64) as u8;
        }
    }
    out
}

fn assert_upright(what: &str, rgb: &[u8]) {
    let want = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]];
    for (q, (got, want)) in quadrant_colours(rgb).iter().zip(want).enumerate() {
        let off = got
            .iter()
            .zip(want)
            .map(|(g, w)| (*g as i32 - w).abs())
            .max();
        assert!(
            off < Some(24),
            "{what}: quadrant {q} is {got:?}, upright it is {want:?}"
        );
    }
}

/// Phone cameras store the sensor's rows and an EXIF orientation: the network must see the
/// picture upright, as the browser shows it. Each of the 8 orientations is stored as the
/// inverse turn of the upright picture.
#[test]
fn exif_orientation_is_applied_before_the_crop() {
    use image::metadata::Orientation;
    let upright = quadrants();
    for tag in 1..=8u8 {
        // Turning back undoes the tag's turn: rotations by 90 and 270 degrees swap, the others
        // (identity, 180, the mirrors, transpose and transverse) are their own inverse.
        let inverse = match tag {
            6 => 8,
            8 => 6,
            t => t,
        };
        let mut stored = DynamicImage::ImageRgb8(upright.clone());
        stored.apply_orientation(Orientation::from_exif(inverse).unwrap());
        let p = prepare(&jpeg_with_orientation(&stored.to_rgb8(), tag.into()), 32).unwrap();
        assert_upright(&format!("orientation {tag}"), &p.rgb);
    }
    // Orientation 6 (the usual portrait phone photo) built by hand: the stored pixels are the
    // upright ones turned 90 degrees counter-clockwise, and they must not be taken as they are.
    let stored = ImageBuffer::from_fn(64, 64, |sx, sy| *upright.get_pixel(63 - sy, sx));
    let p = prepare(&jpeg_with_orientation(&stored, 6), 32).unwrap();
    assert_upright("orientation 6, by hand", &p.rgb);
    let raw = prepare(&jpeg_with_orientation(&stored, 1), 32).unwrap();
    assert_ne!(quadrant_colours(&raw.rgb), quadrant_colours(&p.rgb));
    // The same on the scaled-down decoding path of big JPEGs (shorter side >= 256).
    let big = image::imageops::resize(&upright, 512, 512, image::imageops::FilterType::Nearest);
    let stored = ImageBuffer::from_fn(512, 512, |sx, sy| *big.get_pixel(511 - sy, sx));
    let p = prepare(&jpeg_with_orientation(&stored, 6), 32).unwrap();
    assert_upright("orientation 6, big JPEG", &p.rgb);
    // A portrait photo reports its upright size.
    let tall = ImageBuffer::from_pixel(40, 20, Rgb([9u8, 9, 9]));
    let p = prepare(&jpeg_with_orientation(&tall, 6), 32).unwrap();
    assert_eq!((p.source_width, p.source_height), (20, 40));
}

/// Camera frames arrive as raw RGBA from a canvas: the same crop and resize as a decoded file,
/// and a wrong length is an error.
#[test]
fn rgba_frames_reduce_like_files() {
    use lcnet::preprocess::prepare_rgba;
    let img = quadrants();
    let rgba = DynamicImage::ImageRgb8(img.clone()).to_rgba8();
    let frame = prepare_rgba(64, 64, rgba.as_raw(), 32).unwrap();
    let file = prepare(&encode(DynamicImage::ImageRgb8(img), ImageFormat::Png), 32).unwrap();
    assert_eq!(frame.rgb, file.rgb);
    assert_eq!(frame.source_format, "camera");
    let e = prepare_rgba(64, 64, &rgba.as_raw()[..100], 32).unwrap_err();
    assert!(e.to_string().contains("needs 16384 bytes"), "{e}");
    assert!(prepare_rgba(0, 0, &[], 32).is_err());
}
