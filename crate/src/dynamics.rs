//! How dynamic a model is: whether its decisions really differ from image to image. Accuracy and
//! mean MACs cannot tell a per-image policy from a smaller fixed network; these numbers can.
//! `lcnet stats` and `lcnet record` write them for the test set, and the page computes them
//! through the same code (wasm) from the traces of a live measurement.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::Trace;

/// One image's decisions: as much of its [`Trace`] as this module reads (a trace's JSON
/// deserializes into it, the other fields ignored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageDecisions {
    pub macs: u64,
    pub blocks: Vec<BlockDecisions>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockDecisions {
    pub planes: usize,
    pub ran: bool,
    /// Indices of the inner channels computed (empty when the block was skipped).
    pub kept: Vec<usize>,
}

impl From<&Trace> for ImageDecisions {
    fn from(t: &Trace) -> Self {
        Self {
            macs: t.macs,
            blocks: t
                .blocks
                .iter()
                .map(|b| BlockDecisions {
                    planes: b.planes,
                    ran: b.ran,
                    kept: b.kept.clone(),
                })
                .collect(),
        }
    }
}

/// A block path (which blocks ran) and how many images took it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathShare {
    pub ran: Vec<bool>,
    pub images: usize,
}

/// Blocks run for at least this share of images count as always run; for at most `1 - this`, as
/// never run.
pub const FIXED: f64 = 0.99;
/// Blocks run for a share of images in `[DYNAMIC_LO, 1 - DYNAMIC_LO]` count as decided per image.
pub const DYNAMIC_LO: f64 = 0.1;
/// How many of the most common block paths are listed.
pub const TOP_PATHS: usize = 5;

/// The dynamics of a set of images' decisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dynamics {
    pub images: usize,
    /// Inner channels over all blocks.
    pub channels: usize,
    /// Per block: the share of images that ran it.
    pub run_rate: Vec<f64>,
    /// Per block: the share of images for which it ran with no inner channel computed (only its
    /// shortcut and a bias were).
    pub empty_rate: Vec<f64>,
    /// Blocks run for between 10% and 90% of the images.
    pub dynamic_blocks: usize,
    /// Blocks run for at least 99% of the images, and for at most 1%.
    pub always_run: Vec<usize>,
    pub never_run: Vec<usize>,
    /// Distinct block paths (which blocks ran) among the images.
    pub paths: usize,
    /// The most common block paths, most common first (ties: the path with more blocks run).
    pub top_paths: Vec<PathShare>,
    /// Images whose block path is the most common one or differs from it in one block.
    pub near_top_path: usize,
    /// Over all pairs of images: the median number of blocks run by one and not the other, and of
    /// inner channels computed by one and not the other (`None` under two images).
    pub median_blocks_differ: Option<f64>,
    pub median_channels_differ: Option<f64>,
    /// The images sorted by cost and cut into tenths (fewer parts under ten images): each part's
    /// mean MACs, cheapest first.
    pub macs_tenths: Vec<f64>,
}

/// Bits set in `a` and not in `b` or the other way round.
fn distance(a: &[u64], b: &[u64]) -> usize {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x ^ y).count_ones() as usize)
        .sum()
}

fn set(bits: &mut [u64], i: usize) {
    bits[i / 64] |= 1 << (i % 64);
}

/// Distinct bit sets and how many images have each, in first-seen order.
fn group(sets: impl Iterator<Item = Vec<u64>>) -> Vec<(Vec<u64>, u64)> {
    let mut at: HashMap<Vec<u64>, usize> = HashMap::new();
    let mut out: Vec<(Vec<u64>, u64)> = Vec::new();
    for s in sets {
        match at.get(&s) {
            Some(&k) => out[k].1 += 1,
            None => {
                at.insert(s.clone(), out.len());
                out.push((s, 1));
            }
        }
    }
    out
}

/// The median over all pairs of images of the distance between their sets (`groups`: distinct
/// sets with their image counts); `None` under two images.
fn median_pair_distance(groups: &[(Vec<u64>, u64)]) -> Option<f64> {
    let mut hist: Vec<u64> = Vec::new();
    let mut add = |d: usize, n: u64| {
        if hist.len() <= d {
            hist.resize(d + 1, 0);
        }
        hist[d] += n;
    };
    for (i, (a, na)) in groups.iter().enumerate() {
        add(0, na * (na - 1) / 2);
        for (b, nb) in &groups[i + 1..] {
            add(distance(a, b), na * nb);
        }
    }
    let pairs: u64 = hist.iter().sum();
    if pairs == 0 {
        return None;
    }
    // The value at (0-based) rank k of the sorted pair distances.
    let at = |k: u64| {
        let mut seen = 0;
        hist.iter()
            .position(|&n| {
                seen += n;
                seen > k
            })
            .unwrap_or(0) as f64
    };
    Some((at((pairs - 1) / 2) + at(pairs / 2)) / 2.0)
}

/// Why `images` cannot be compared (blocks or channel counts that differ between images, a
/// channel index out of its block), or `None`: what [`dynamics`] needs of input from outside.
pub fn check(images: &[ImageDecisions]) -> Option<String> {
    let first = images.first()?;
    for (i, d) in images.iter().enumerate() {
        let same = d.blocks.len() == first.blocks.len()
            && d.blocks
                .iter()
                .zip(&first.blocks)
                .all(|(a, b)| a.planes == b.planes);
        if !same {
            return Some(format!("image {i} has other blocks than image 0"));
        }
        if let Some((b, _)) = d
            .blocks
            .iter()
            .enumerate()
            .find(|(_, b)| b.kept.iter().any(|&c| c >= b.planes))
        {
            return Some(format!(
                "image {i}, block {b}: a kept channel is out of range"
            ));
        }
    }
    None
}

/// The dynamics of `images` (all with the same blocks: see [`check`]).
pub fn dynamics(images: &[ImageDecisions]) -> Dynamics {
    let n = images.len();
    let blocks = images.first().map_or(0, |d| d.blocks.len());
    let share = |count: usize| count as f64 / n.max(1) as f64;
    let rate = |f: &dyn Fn(&BlockDecisions) -> bool| -> Vec<f64> {
        (0..blocks)
            .map(|b| share(images.iter().filter(|d| f(&d.blocks[b])).count()))
            .collect()
    };
    let run_rate = rate(&|b| b.ran);
    let empty_rate = rate(&|b| b.ran && b.kept.is_empty());
    let blocks_of = |pick: &dyn Fn(f64) -> bool| -> Vec<usize> {
        (0..blocks).filter(|&b| pick(run_rate[b])).collect()
    };

    let words = |bits: usize| bits.div_ceil(64).max(1);
    let paths = group(images.iter().map(|d| {
        let mut bits = vec![0; words(blocks)];
        for (b, _) in d.blocks.iter().enumerate().filter(|(_, b)| b.ran) {
            set(&mut bits, b);
        }
        bits
    }));
    let channels = images
        .first()
        .map_or(0, |d| d.blocks.iter().map(|b| b.planes).sum());
    let channel_sets = group(images.iter().map(|d| {
        let mut bits = vec![0; words(channels)];
        let mut offset = 0;
        for b in &d.blocks {
            for &c in b.kept.iter().filter(|_| b.ran) {
                set(&mut bits, offset + c);
            }
            offset += b.planes;
        }
        bits
    }));

    let mut ranked: Vec<&(Vec<u64>, u64)> = paths.iter().collect();
    let ran_count = |bits: &[u64]| distance(bits, &vec![0; bits.len()]);
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(ran_count(&b.0).cmp(&ran_count(&a.0))));
    let near_top_path = ranked.first().map_or(0, |top| {
        paths
            .iter()
            .filter(|(p, _)| distance(p, &top.0) <= 1)
            .map(|(_, k)| *k as usize)
            .sum()
    });
    let top_paths = ranked
        .iter()
        .take(TOP_PATHS)
        .map(|(bits, k)| PathShare {
            ran: (0..blocks)
                .map(|b| bits[b / 64] >> (b % 64) & 1 == 1)
                .collect(),
            images: *k as usize,
        })
        .collect();

    let mut macs: Vec<u64> = images.iter().map(|d| d.macs).collect();
    macs.sort_unstable();
    let parts = n.min(10);
    let macs_tenths = (0..parts)
        .map(|k| {
            let part = &macs[k * n / parts..(k + 1) * n / parts];
            part.iter().sum::<u64>() as f64 / part.len() as f64
        })
        .collect();

    Dynamics {
        images: n,
        channels,
        dynamic_blocks: blocks_of(&|r| (DYNAMIC_LO..=1.0 - DYNAMIC_LO).contains(&r)).len(),
        always_run: blocks_of(&|r| r >= FIXED),
        never_run: blocks_of(&|r| r <= 1.0 - FIXED),
        run_rate,
        empty_rate,
        paths: paths.len(),
        top_paths,
        near_top_path,
        median_blocks_differ: median_pair_distance(&paths),
        median_channels_differ: median_pair_distance(&channel_sets),
        macs_tenths,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(macs: u64, blocks: &[(bool, &[usize])]) -> ImageDecisions {
        ImageDecisions {
            macs,
            blocks: blocks
                .iter()
                .map(|&(ran, kept)| BlockDecisions {
                    planes: 4,
                    ran,
                    kept: kept.to_vec(),
                })
                .collect(),
        }
    }

    /// Compared against counts worked out by hand for four images over three blocks.
    #[test]
    fn counts_paths_pairs_and_tenths() {
        let d = dynamics(&[
            image(10, &[(true, &[0, 1]), (false, &[]), (true, &[])]),
            image(20, &[(true, &[0, 1]), (false, &[]), (true, &[])]),
            image(30, &[(true, &[0]), (true, &[3]), (true, &[2])]),
            image(40, &[(true, &[0, 1, 2, 3]), (false, &[]), (false, &[])]),
        ]);
        assert_eq!((d.images, d.channels), (4, 12));
        assert_eq!(d.run_rate, vec![1.0, 0.25, 0.75]);
        assert_eq!(d.empty_rate, vec![0.0, 0.0, 0.5]);
        assert_eq!(d.dynamic_blocks, 2);
        assert_eq!((d.always_run, d.never_run), (vec![0], vec![]));
        assert_eq!(d.paths, 3);
        assert_eq!(d.top_paths[0].ran, vec![true, false, true]);
        assert_eq!(d.top_paths[0].images, 2);
        // Ties (one image each) list the path with more blocks first.
        assert_eq!(d.top_paths[1].ran, vec![true, true, true]);
        assert_eq!(d.top_paths[2].ran, vec![true, false, false]);
        assert_eq!(d.near_top_path, 4);
        // Block distances of the six pairs: 0, 1, 1, 1, 1, 2 -> median 1.
        assert_eq!(d.median_blocks_differ, Some(1.0));
        // Channel distances: (1,2) 0, (1,3) 1+1+1 = 3, (1,4) 2, (2,3) 3, (2,4) 2, (3,4) 3+1+1 = 5:
        // sorted 0 2 2 3 3 5 -> median 2.5.
        assert_eq!(d.median_channels_differ, Some(2.5));
        assert_eq!(d.macs_tenths, vec![10.0, 20.0, 30.0, 40.0]);
    }

    #[test]
    fn check_refuses_mismatched_input() {
        let a = image(1, &[(true, &[1])]);
        assert_eq!(check(&[a.clone(), a.clone()]), None);
        let out_of_range = image(1, &[(true, &[4])]);
        assert!(check(&[a.clone(), out_of_range])
            .unwrap()
            .contains("out of range"));
        let longer = image(1, &[(true, &[1]), (false, &[])]);
        assert!(check(&[a, longer]).unwrap().contains("other blocks"));
    }

    #[test]
    fn one_image_has_no_pairs() {
        let d = dynamics(&[image(5, &[(true, &[1])])]);
        assert_eq!(d.median_blocks_differ, None);
        assert_eq!((d.paths, d.near_top_path), (1, 1));
        assert!(dynamics(&[]).top_paths.is_empty());
    }

    /// The tenths of 20 images are the means of consecutive pairs in cost order.
    #[test]
    fn tenths_average_equal_parts() {
        let all: Vec<_> = (0..20).rev().map(|m| image(m, &[(false, &[])])).collect();
        let d = dynamics(&all);
        assert_eq!(d.macs_tenths.len(), 10);
        assert_eq!(d.macs_tenths[0], 0.5);
        assert_eq!(d.macs_tenths[9], 18.5);
    }
}
