//! What the network does per class, and how cost relates to correctness: the data behind the
//! page's teaching views (`lcnet stats`).

use serde::{Deserialize, Serialize};

use crate::eval::EvalResult;

/// One class's behaviour over the evaluated images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassStats {
    pub class: usize,
    pub label: String,
    pub images: usize,
    pub accuracy: f64,
    pub mean_macs: f64,
    /// Per block: the fraction of this class's images for which the block ran.
    pub run_rate: Vec<f64>,
    /// Per block: mean number of inner channels computed (0 when the block was skipped).
    pub mean_kept: Vec<f64>,
    /// Per block: the fraction of this class's images for which the block ran with no inner
    /// channel computed (only its shortcut and a bias); counted in `run_rate` too.
    #[serde(default)]
    pub empty_rate: Vec<f64>,
}

/// Images whose cost falls in `[macs_lo, macs_hi]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostBucket {
    pub macs_lo: u64,
    pub macs_hi: u64,
    pub images: usize,
    pub accuracy: f64,
}

/// Per-class statistics, in class order.
pub fn per_class(r: &EvalResult, class_names: &[String]) -> Vec<ClassStats> {
    let blocks = r.block_ran.first().map_or(0, Vec::len);
    class_names
        .iter()
        .enumerate()
        .map(|(class, label)| {
            let idx: Vec<usize> = (0..r.labels.len())
                .filter(|&i| r.labels[i] == class)
                .collect();
            let n = idx.len().max(1) as f64;
            let correct = idx.iter().filter(|&&i| r.predictions[i] == class).count();
            ClassStats {
                class,
                label: label.clone(),
                images: idx.len(),
                accuracy: correct as f64 / n,
                mean_macs: idx.iter().map(|&i| r.macs[i] as f64).sum::<f64>() / n,
                run_rate: (0..blocks)
                    .map(|b| idx.iter().filter(|&&i| r.block_ran[i][b]).count() as f64 / n)
                    .collect(),
                mean_kept: (0..blocks)
                    .map(|b| idx.iter().map(|&i| r.block_kept[i][b] as f64).sum::<f64>() / n)
                    .collect(),
                empty_rate: (0..blocks)
                    .map(|b| {
                        let empty = |&&i: &&usize| r.block_ran[i][b] && r.block_kept[i][b] == 0;
                        idx.iter().filter(empty).count() as f64 / n
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Splits the images into `buckets` groups of (nearly) equal size by cost, cheapest first, with
/// each group's accuracy.
pub fn cost_buckets(r: &EvalResult, buckets: usize) -> Vec<CostBucket> {
    let mut order: Vec<usize> = (0..r.macs.len()).collect();
    order.sort_by_key(|&i| r.macs[i]);
    let n = order.len();
    let buckets = buckets.clamp(1, n.max(1));
    (0..buckets)
        .filter_map(|k| {
            let part = &order[k * n / buckets..(k + 1) * n / buckets];
            let (first, last) = (part.first()?, part.last()?);
            let correct = part
                .iter()
                .filter(|&&i| r.predictions[i] == r.labels[i])
                .count();
            Some(CostBucket {
                macs_lo: r.macs[*first],
                macs_hi: r.macs[*last],
                images: part.len(),
                accuracy: correct as f64 / part.len() as f64,
            })
        })
        .collect()
}

/// Example images for the teaching views: per class, `per_class` of its images evenly spread
/// over their cost order (cheapest and costliest included). Returns indices into `r`'s
/// per-image lists, class by class, cheapest first.
pub fn examples(r: &EvalResult, classes: usize, per_class: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for class in 0..classes {
        let mut idx: Vec<usize> = (0..r.labels.len())
            .filter(|&i| r.labels[i] == class)
            .collect();
        idx.sort_by_key(|&i| r.macs[i]);
        let k = per_class.min(idx.len());
        out.extend((0..k).map(|j| {
            idx[if k > 1 {
                j * (idx.len() - 1) / (k - 1)
            } else {
                0
            }]
        }));
    }
    out
}

/// How often the network is right at each confidence (its top-1 probability): the data behind
/// the page's "unsure" note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confidence {
    /// Bins of top-1 probability `[lo, hi)`, 0.1 wide (the last one includes 1).
    pub bins: Vec<ConfidenceBin>,
    /// The page calls a prediction unsure below this top-1 probability: the largest bin edge
    /// below which the images were right less than half of the time (0 when none is).
    pub unsure_below: f64,
    /// Accuracy of the images below `unsure_below` (`None` when there are none).
    pub unsure_accuracy: Option<f64>,
    /// Accuracy of the others.
    pub sure_accuracy: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceBin {
    pub lo: f64,
    pub hi: f64,
    pub images: usize,
    pub accuracy: f64,
}

/// The confidence histogram of `r` and the threshold derived from it.
pub fn confidence(r: &EvalResult) -> Confidence {
    let correct = |i: usize| r.predictions[i] == r.labels[i];
    let accuracy = |idx: &[usize]| {
        (!idx.is_empty())
            .then(|| idx.iter().filter(|&&i| correct(i)).count() as f64 / idx.len() as f64)
    };
    let below = |t: f64| -> Vec<usize> {
        (0..r.labels.len())
            .filter(|&i| f64::from(r.confidence[i]) < t)
            .collect()
    };
    let bins = (0..10)
        .map(|b| {
            let (lo, hi) = (b as f64 / 10.0, (b + 1) as f64 / 10.0);
            let idx: Vec<usize> = (0..r.labels.len())
                .filter(|&i| {
                    let p = f64::from(r.confidence[i]);
                    p >= lo && (p < hi || b == 9)
                })
                .collect();
            ConfidenceBin {
                lo,
                hi,
                images: idx.len(),
                accuracy: accuracy(&idx).unwrap_or(0.0),
            }
        })
        .collect();
    let unsure_below = (1..10)
        .map(|k| k as f64 / 10.0)
        .filter(|&t| accuracy(&below(t)).is_some_and(|a| a < 0.5))
        .fold(0.0, f64::max);
    let unsure = below(unsure_below);
    let sure: Vec<usize> = (0..r.labels.len())
        .filter(|&i| f64::from(r.confidence[i]) >= unsure_below)
        .collect();
    Confidence {
        bins,
        unsure_below,
        unsure_accuracy: accuracy(&unsure),
        sure_accuracy: accuracy(&sure),
    }
}
