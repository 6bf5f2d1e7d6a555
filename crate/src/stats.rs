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
