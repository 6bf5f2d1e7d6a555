//! Timing paths against each other (`lcnet bench`): paths that are compared take turns image by
//! image, so a change in machine load hits them alike.

use std::time::Instant;

use crate::{Error, Result, Trace};

/// One path's timings: median and mean ms per image, and mean MACs per image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timed {
    pub median_ms: f64,
    pub mean_ms: f64,
    pub macs: f64,
}

/// The median (upper median for an even count); `None` for no values.
pub fn median(v: &mut [f64]) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

/// One batch of images through one path (a batch of one for batch-1 latency): what
/// [`alternate`] times.
pub type Path<'a> = &'a dyn Fn(&[&[u8]]) -> Result<Vec<Trace>>;

/// One warm-up pass, then `runs` passes over `batches`, the `paths` taking turns on each batch.
/// Times are per image (a call's time over its batch size).
pub fn alternate<const N: usize>(
    paths: [Path; N],
    batches: &[&[&[u8]]],
    runs: usize,
) -> Result<[Timed; N]> {
    let images: usize = batches.iter().map(|b| b.len()).sum();
    if images == 0 || runs == 0 {
        return Err(Error::Config(
            "nothing to time: no images or no runs".into(),
        ));
    }
    for b in batches {
        for path in paths {
            path(b)?;
        }
    }
    let mut ms: [Vec<f64>; N] = std::array::from_fn(|_| Vec::new());
    let mut total_ms = [0.0; N];
    let mut macs = [0.0; N];
    let n = (images * runs) as f64;
    for _ in 0..runs {
        for b in batches.iter().filter(|b| !b.is_empty()) {
            for (k, path) in paths.iter().enumerate() {
                let t = Instant::now();
                let traces = path(b)?;
                let call_ms = t.elapsed().as_secs_f64() * 1e3;
                ms[k].push(call_ms / b.len() as f64);
                total_ms[k] += call_ms;
                macs[k] += traces.iter().map(|t| t.macs as f64).sum::<f64>() / n;
            }
        }
    }
    Ok(std::array::from_fn(|k| Timed {
        mean_ms: total_ms[k] / n,
        median_ms: median(&mut ms[k]).unwrap_or(f64::NAN),
        macs: macs[k],
    }))
}

/// `images` as batches of one (batch-1 latency).
pub fn singles<'a>(images: &'a [&'a [u8]]) -> Vec<&'a [&'a [u8]]> {
    images.iter().map(std::slice::from_ref).collect()
}
