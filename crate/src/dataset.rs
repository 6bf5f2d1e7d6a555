//! Labelled CIFAR-10 test images for `lcnet eval`, `curve` and `bench` (native only).
//!
//! Reads the JPEG mirror zip (`test/<class>/NNNN.jpg`), a folder in the same layout, or the
//! official binary format (`test_batch.bin`, or `cifar-10-batches-bin/` holding it): one label
//! byte followed by 3072 bytes of CHW pixels per image.

use std::fs;
use std::io::Read;
use std::path::Path;

use crate::{preprocess, Config, Error, Result};

/// One image: its name, label and the `size * size * 3` RGB bytes (HWC) the model sees.
#[derive(Debug, Clone)]
pub struct Sample {
    pub name: String,
    pub label: usize,
    pub rgb: Vec<u8>,
}

/// Loads the test split from `path` in a stable order (class by class, then by file name; file
/// order for the binary format); `limit > 0` keeps that many, evenly spread over the split.
pub fn load_test(path: &Path, cfg: &Config, limit: usize) -> Result<Vec<Sample>> {
    let io = |e: std::io::Error| Error::Image(format!("{}: {e}", path.display()));
    let mut out = if path.is_dir() {
        let bin = path.join("test_batch.bin");
        if bin.exists() {
            read_bin(&fs::read(&bin).map_err(io)?, cfg)?
        } else {
            read_folder(path, cfg)?
        }
    } else if path.extension().is_some_and(|e| e == "bin") {
        read_bin(&fs::read(path).map_err(io)?, cfg)?
    } else {
        read_zip(path, cfg)?
    };
    if limit > 0 && limit < out.len() {
        // An even spread over the whole split, so every class is represented.
        let n = out.len();
        out = (0..limit).map(|i| out[i * n / limit].clone()).collect();
    }
    Ok(out)
}

fn class_of(cfg: &Config, name: &str) -> Option<usize> {
    cfg.class_names.iter().position(|c| c == name)
}

/// One record of the binary format: a label byte and 32x32 pixels, channel by channel (CHW).
const REC: usize = 1 + 3 * 32 * 32;

/// `samples` in CIFAR-10's binary format (the inverse of reading a `.bin`): what `lcnet subset`
/// writes for the page's "measure it yourself". Only 32x32 images with labels below 256 fit.
pub fn write_bin(samples: &[Sample]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(samples.len() * REC);
    for s in samples {
        let label = u8::try_from(s.label).ok().filter(|_| s.rgb.len() == 3072);
        let Some(label) = label else {
            return Err(Error::Image(format!(
                "{}: only 32x32 RGB images with labels below 256 fit the CIFAR binary format",
                s.name
            )));
        };
        out.push(label);
        for c in 0..3 {
            out.extend((0..1024).map(|p| s.rgb[p * 3 + c]));
        }
    }
    Ok(out)
}

fn read_bin(bytes: &[u8], cfg: &Config) -> Result<Vec<Sample>> {
    if cfg.image_size != 32 || bytes.is_empty() || !bytes.len().is_multiple_of(REC) {
        return Err(Error::Image(format!(
            "not a CIFAR binary file: {} bytes is not a positive multiple of {REC}",
            bytes.len()
        )));
    }
    if let Some((i, r)) =
        (bytes.chunks_exact(REC).enumerate()).find(|(_, r)| usize::from(r[0]) >= cfg.num_classes)
    {
        return Err(Error::Image(format!(
            "not a CIFAR-10 binary file: record {i} has label {}, the model has {} classes",
            r[0], cfg.num_classes
        )));
    }
    Ok(bytes
        .chunks_exact(REC)
        .enumerate()
        .map(|(i, r)| {
            let mut rgb = vec![0u8; 3072];
            for p in 0..1024 {
                for c in 0..3 {
                    rgb[p * 3 + c] = r[1 + c * 1024 + p];
                }
            }
            Sample {
                name: format!("#{i}"),
                label: r[0] as usize,
                rgb,
            }
        })
        .collect())
}

fn read_zip(path: &Path, cfg: &Config) -> Result<Vec<Sample>> {
    let err = |e: &dyn std::fmt::Display| Error::Image(format!("{}: {e}", path.display()));
    let file = fs::File::open(path).map_err(|e| err(&e))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| err(&e))?;
    let mut names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .filter(|n| n.starts_with("test/") && !n.ends_with('/'))
        .collect();
    names.sort();
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let Some(label) = name.split('/').nth(1).and_then(|c| class_of(cfg, c)) else {
            continue;
        };
        let mut bytes = Vec::new();
        zip.by_name(&name)
            .map_err(|e| err(&e))?
            .read_to_end(&mut bytes)
            .map_err(|e| err(&e))?;
        let p = preprocess::prepare(&bytes, cfg.image_size)?;
        out.push(Sample {
            name,
            label,
            rgb: p.rgb,
        });
    }
    if out.is_empty() {
        return Err(Error::Image(format!(
            "{}: no test/<class>/ images of this model's classes in the zip",
            path.display()
        )));
    }
    Ok(out)
}

fn read_folder(path: &Path, cfg: &Config) -> Result<Vec<Sample>> {
    let root = if path.join("test").is_dir() {
        path.join("test")
    } else {
        path.to_path_buf()
    };
    let mut out = Vec::new();
    for (label, class) in cfg.class_names.iter().enumerate() {
        let dir = root.join(class);
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        for f in files {
            let bytes = fs::read(&f).map_err(|e| Error::Image(format!("{}: {e}", f.display())))?;
            let p = preprocess::prepare(&bytes, cfg.image_size)?;
            out.push(Sample {
                name: f.display().to_string(),
                label,
                rgb: p.rgb,
            });
        }
    }
    if out.is_empty() {
        return Err(Error::Image(format!(
            "{}: no images found (expected test/<class>/*.jpg, a zip of that, or CIFAR .bin)",
            path.display()
        )));
    }
    Ok(out)
}
