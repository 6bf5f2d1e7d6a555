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

/// One image through one path: what [`alternate`] times.
pub type Path<'a> = &'a dyn Fn(&[u8]) -> Result<Trace>;

/// One warm-up pass, then `runs` passes over `inputs`, the `paths` taking turns on each image.
pub fn alternate<const N: usize>(
    paths: [Path; N],
    inputs: &[&[u8]],
    runs: usize,
) -> Result<[Timed; N]> {
    if inputs.is_empty() || runs == 0 {
        return Err(Error::Config(
            "nothing to time: no images or no runs".into(),
        ));
    }
    for x in inputs {
        for path in paths {
            path(x)?;
        }
    }
    let mut ms: [Vec<f64>; N] = std::array::from_fn(|_| Vec::new());
    let mut macs = [0.0; N];
    let n = (inputs.len() * runs) as f64;
    for _ in 0..runs {
        for x in inputs {
            for (k, path) in paths.iter().enumerate() {
                let t = Instant::now();
                let trace = path(x)?;
                ms[k].push(t.elapsed().as_secs_f64() * 1e3);
                macs[k] += trace.macs as f64 / n;
            }
        }
    }
    Ok(std::array::from_fn(|k| Timed {
        mean_ms: ms[k].iter().sum::<f64>() / n,
        median_ms: median(&mut ms[k]).unwrap_or(f64::NAN),
        macs: macs[k],
    }))
}
