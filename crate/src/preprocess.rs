//! Image bytes -> the network's input: decode, flatten alpha, centre-crop, resize, normalize.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{imageops::FilterType, DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage};
use serde::{Deserialize, Serialize};

use crate::{Config, Error, Result};

/// Images larger than this are refused before decoding (about 160 MB of RGBA).
pub const MAX_PIXELS: u64 = 40_000_000;

/// What the network sees, plus where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prepared {
    /// `size * size * 3` RGB bytes, row-major: the image the model classifies.
    pub rgb: Vec<u8>,
    pub size: usize,
    /// The decoded image's size and format, as uploaded.
    pub source_width: u32,
    pub source_height: u32,
    pub source_format: String,
}

/// Decodes PNG, JPEG, GIF, BMP or WebP bytes (8 or 16 bit, grey or colour, with or without
/// alpha) and reduces them to the `size x size` RGB image the network takes: turned upright as
/// its EXIF orientation says (JPEG, WebP), transparent parts over white, centre square crop,
/// area-style resize. `source_width` x `source_height` is the upright size.
pub fn prepare(bytes: &[u8], size: usize) -> Result<Prepared> {
    if bytes.is_empty() {
        return Err(Error::Empty);
    }
    let reader = || {
        ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| Error::Image(e.to_string()))
    };
    let Some(format) = reader()?.format() else {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_lowercase();
        if head.contains("<svg") {
            return Err(Error::Image(
                "this is an SVG (vector) image; export it as PNG or JPEG first".into(),
            ));
        }
        return Err(Error::Image(
            "not a supported image format (PNG, JPEG, GIF, BMP or WebP)".into(),
        ));
    };
    let damaged = |e: image::ImageError| {
        Error::Image(format!("the {format:?} file is damaged or truncated ({e})"))
    };
    // Check the header's dimensions before allocating anything for the pixels.
    let (w, h) = reader()?.into_dimensions().map_err(damaged)?;
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(Error::ImageTooLarge {
            width: w,
            height: h,
            limit: MAX_PIXELS,
        });
    }
    if w == 0 || h == 0 {
        return Err(Error::Image(format!("the image has no pixels ({w}x{h})")));
    }
    let scaled = if format == ImageFormat::Jpeg {
        jpeg_scaled(bytes, (w, h), size)?
    } else {
        None
    };
    // A camera stores the sensor's rows and says in EXIF how to turn them upright; browsers
    // show the picture turned, so the network must see it turned too (before the crop).
    let (mut img, orientation) = match scaled {
        Some(decoded) => decoded,
        None => {
            let mut r = reader()?;
            let mut limits = image::Limits::default();
            limits.max_image_width = Some(w);
            limits.max_image_height = Some(h);
            limits.max_alloc = Some(MAX_PIXELS * 8);
            r.limits(limits);
            let mut decoder = r.into_decoder().map_err(damaged)?;
            let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
            (
                DynamicImage::from_decoder(decoder).map_err(damaged)?,
                orientation,
            )
        }
    };
    img.apply_orientation(orientation);
    let mut p = reduce(&img, format!("{format:?}"), size);
    // The upright size of the file, not of a copy decoded scaled down.
    let turned = matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    );
    (p.source_width, p.source_height) = if turned { (h, w) } else { (w, h) };
    Ok(p)
}

/// JPEGs whose shorter side is at least this many times the network's input side are decoded
/// scaled down inside the DCT (1/2, 1/4 or 1/8 of the size), so that a 40 MP photo never
/// exists at full size in memory. Smaller ones (the CIFAR test images among them) take the
/// image crate's decoder, whose pixels the recorded accuracies were measured on.
const DCT_SCALE_FROM: usize = 8;

/// A big JPEG decoded at the smallest DCT scale that keeps its shorter side at least
/// `DCT_SCALE_FROM / 2` times `size`, with its EXIF orientation; `None` for a small or CMYK one
/// (the full decoder handles those).
fn jpeg_scaled(
    bytes: &[u8],
    (w, h): (u32, u32),
    size: usize,
) -> Result<Option<(DynamicImage, Orientation)>> {
    let short = w.min(h) as usize;
    if short < DCT_SCALE_FROM * size || w > u32::from(u16::MAX) || h > u32::from(u16::MAX) {
        return Ok(None);
    }
    let damaged = |e: jpeg_decoder::Error| {
        Error::Image(format!("the Jpeg file is damaged or truncated ({e})"))
    };
    let mut d = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    d.read_info().map_err(damaged)?;
    let info = d.info().expect("read_info succeeded");
    if info.pixel_format == jpeg_decoder::PixelFormat::CMYK32 {
        return Ok(None);
    }
    // `scale` picks the smallest factor whose result is at least this large.
    let keep = (DCT_SCALE_FROM / 2 * size) as f64 / short as f64;
    let want = |v: u32| (f64::from(v) * keep).ceil() as u16;
    let (sw, sh) = d.scale(want(w), want(h)).map_err(damaged)?;
    let px = d.decode().map_err(damaged)?;
    let (sw, sh) = (u32::from(sw), u32::from(sh));
    let bad = || Error::Image("the Jpeg decoder returned a wrong number of pixels".into());
    let img = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => {
            DynamicImage::ImageLuma8(image::GrayImage::from_raw(sw, sh, px).ok_or_else(bad)?)
        }
        jpeg_decoder::PixelFormat::L16 => {
            let v: Vec<u16> = px
                .chunks_exact(2)
                .map(|b| u16::from_be_bytes([b[0], b[1]]))
                .collect();
            DynamicImage::ImageLuma16(image::ImageBuffer::from_raw(sw, sh, v).ok_or_else(bad)?)
        }
        _ => DynamicImage::ImageRgb8(RgbImage::from_raw(sw, sh, px).ok_or_else(bad)?),
    };
    let orientation = d
        .exif_data()
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms);
    Ok(Some((img, orientation)))
}

/// Raw RGBA pixels, row-major (a camera frame drawn to a canvas), reduced as [`prepare`] reduces
/// a decoded file. `source_format` is "camera".
pub fn prepare_rgba(width: u32, height: u32, rgba: &[u8], size: usize) -> Result<Prepared> {
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(Error::ImageTooLarge {
            width,
            height,
            limit: MAX_PIXELS,
        });
    }
    let expected = width as usize * height as usize * 4;
    if width == 0 || height == 0 || rgba.len() != expected {
        return Err(Error::Image(format!(
            "a {width}x{height} RGBA frame needs {expected} bytes, got {}",
            rgba.len()
        )));
    }
    let img =
        image::RgbaImage::from_raw(width, height, rgba.to_vec()).expect("the length was checked");
    Ok(reduce(
        &DynamicImage::ImageRgba8(img),
        "camera".into(),
        size,
    ))
}

/// A decoded picture -> the `size x size` RGB the network takes.
fn reduce(img: &DynamicImage, source_format: String, size: usize) -> Prepared {
    Prepared {
        rgb: square_resize(&flatten(img), size).into_raw(),
        size,
        source_width: img.width(),
        source_height: img.height(),
        source_format,
    }
}

/// Any colour type -> 8-bit RGB, transparent pixels composited over white.
fn flatten(img: &DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.to_rgb8();
    }
    let rgba = img.to_rgba8();
    let mut out = RgbImage::new(rgba.width(), rgba.height());
    for (o, p) in out.pixels_mut().zip(rgba.pixels()) {
        let a = u32::from(p[3]);
        for c in 0..3 {
            o[c] = ((u32::from(p[c]) * a + 255 * (255 - a) + 127) / 255) as u8;
        }
    }
    out
}

fn square_resize(img: &RgbImage, size: usize) -> RgbImage {
    let (w, h) = img.dimensions();
    let s = w.min(h);
    let square = image::imageops::crop_imm(img, (w - s) / 2, (h - s) / 2, s, s).to_image();
    if s as usize == size {
        return square;
    }
    // Triangle widens its support with the scale factor, so large downscales average every pixel.
    image::imageops::resize(&square, size as u32, size as u32, FilterType::Triangle)
}

/// RGB bytes of one image (`size * size * 3`, HWC, as [`Prepared::rgb`]) -> the normalized
/// network input `[3, size, size]` (CHW): what every executor takes.
///
/// Same arithmetic as `weights/train/train.py::normalize` (divide by 255, subtract mean, divide
/// by std, all in f32), so both frameworks see identical inputs.
pub fn normalize(rgb: &[u8], cfg: &Config) -> Result<Vec<f32>> {
    let s = cfg.image_size;
    if rgb.len() != s * s * 3 {
        return Err(Error::Image(format!(
            "expected {} RGB bytes for a {s}x{s} image, got {}",
            s * s * 3,
            rgb.len()
        )));
    }
    let mut chw = vec![0f32; rgb.len()];
    for c in 0..3 {
        for p in 0..s * s {
            let v = f32::from(rgb[p * 3 + c]) / 255.0;
            chw[c * s * s + p] = (v - cfg.mean[c]) / cfg.std[c];
        }
    }
    Ok(chw)
}
