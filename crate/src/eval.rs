//! Accuracy and cost over a labelled set: what `lcnet eval`, `lcnet curve` and the tests measure.

use serde::{Deserialize, Serialize};

use crate::{preprocess, Exec, LcNet, Result, Thresholds};

/// Results of one pass over a labelled set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalResult {
    pub images: usize,
    pub tau_l: f32,
    pub tau_c: f32,
    pub accuracy: f64,
    /// Mean MACs per image (multiply-accumulates, gates included).
    pub mean_macs: f64,
    pub static_macs: u64,
    /// `mean_macs / static_macs`.
    pub macs_ratio: f64,
    pub mean_blocks_run: f64,
    pub blocks_total: usize,
    pub mean_channels_kept: f64,
    pub channels_total: usize,
    /// Predicted class per image, in input order.
    pub predictions: Vec<usize>,
    /// MACs per image, in input order.
    pub macs: Vec<u64>,
    /// True class per image, in input order.
    pub labels: Vec<usize>,
    /// Per image, per block: whether the block ran.
    pub block_ran: Vec<Vec<bool>>,
    /// Per image, per block: how many inner channels were computed.
    pub block_kept: Vec<Vec<usize>>,
}

/// Classifies every `(label, rgb)` pair with `exec` (batches of `batch` for the dense paths, one
/// at a time for the dynamic one) and sums up.
pub fn evaluate<'a>(
    net: &LcNet,
    samples: impl IntoIterator<Item = (usize, &'a [u8])>,
    exec: Exec,
    th: Thresholds,
    batch: usize,
) -> Result<EvalResult> {
    let cfg = net.config();
    let per = cfg.image_size * cfg.image_size * 3;
    let (mut labels, mut predictions, mut macs) = (vec![], vec![], vec![]);
    let (mut block_ran, mut block_kept) = (vec![], vec![]);
    let (mut static_macs, mut blocks_total, mut channels_total) = (0u64, 0usize, 0usize);
    let mut pending: Vec<u8> = Vec::new();
    let mut flush = |pending: &mut Vec<u8>| -> Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        let n = pending.len() / per;
        let x = preprocess::to_tensor(pending, n, cfg, net.device())?;
        let (_, traces) = net.forward(&x, exec, th)?;
        for t in traces {
            predictions.push(t.prediction.class);
            macs.push(t.macs);
            block_ran.push(t.blocks.iter().map(|b| b.ran).collect());
            block_kept.push(t.blocks.iter().map(|b| b.kept.len()).collect());
            static_macs = t.static_macs;
            blocks_total = t.blocks.len();
            channels_total = t.channels_total;
        }
        pending.clear();
        Ok(())
    };
    // The direct paths take one image at a time anyway.
    let batch = if matches!(exec, Exec::Dynamic | Exec::Static) {
        1
    } else {
        batch.max(1)
    };
    for (label, rgb) in samples {
        labels.push(label);
        pending.extend_from_slice(rgb);
        if pending.len() / per >= batch {
            flush(&mut pending)?;
        }
    }
    flush(&mut pending)?;
    Ok(summarize(
        th,
        PerImage {
            labels,
            predictions,
            macs,
            block_ran,
            block_kept,
        },
        Shape {
            static_macs,
            blocks_total,
            channels_total,
        },
    ))
}

/// Like [`evaluate`], with the samples split over `threads` threads; the result (per-image
/// lists included) is the same as one pass in input order.
#[cfg(not(target_arch = "wasm32"))]
pub fn evaluate_parallel(
    net: &LcNet,
    samples: &[(usize, &[u8])],
    exec: Exec,
    th: Thresholds,
    batch: usize,
    threads: usize,
) -> Result<EvalResult> {
    let chunk = samples.len().div_ceil(threads.max(1)).max(1);
    let parts: Vec<Result<EvalResult>> = std::thread::scope(|s| {
        let handles: Vec<_> = samples
            .chunks(chunk)
            .map(|c| s.spawn(move || evaluate(net, c.iter().copied(), exec, th, batch)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("an evaluation thread panicked"))
            .collect()
    });
    let parts = parts.into_iter().collect::<Result<Vec<_>>>()?;
    Ok(combine(th, parts))
}

/// Joins results over consecutive parts of one set into the result over the whole set.
#[cfg(not(target_arch = "wasm32"))]
fn combine(th: Thresholds, parts: Vec<EvalResult>) -> EvalResult {
    let shape = parts.iter().find(|p| p.images > 0).map_or(
        Shape {
            static_macs: 0,
            blocks_total: 0,
            channels_total: 0,
        },
        |p| Shape {
            static_macs: p.static_macs,
            blocks_total: p.blocks_total,
            channels_total: p.channels_total,
        },
    );
    let mut all = PerImage {
        labels: vec![],
        predictions: vec![],
        macs: vec![],
        block_ran: vec![],
        block_kept: vec![],
    };
    for p in parts {
        all.labels.extend(p.labels);
        all.predictions.extend(p.predictions);
        all.macs.extend(p.macs);
        all.block_ran.extend(p.block_ran);
        all.block_kept.extend(p.block_kept);
    }
    summarize(th, all, shape)
}

struct PerImage {
    labels: Vec<usize>,
    predictions: Vec<usize>,
    macs: Vec<u64>,
    block_ran: Vec<Vec<bool>>,
    block_kept: Vec<Vec<usize>>,
}

struct Shape {
    static_macs: u64,
    blocks_total: usize,
    channels_total: usize,
}

fn summarize(th: Thresholds, p: PerImage, shape: Shape) -> EvalResult {
    let n = p.labels.len().max(1) as f64;
    let correct = p
        .labels
        .iter()
        .zip(&p.predictions)
        .filter(|(l, q)| l == q)
        .count();
    let mean_macs = p.macs.iter().sum::<u64>() as f64 / n;
    let blocks_run: usize = p
        .block_ran
        .iter()
        .map(|r| r.iter().filter(|&&x| x).count())
        .sum();
    let kept: usize = p.block_kept.iter().map(|k| k.iter().sum::<usize>()).sum();
    EvalResult {
        images: p.labels.len(),
        tau_l: th.tau_l,
        tau_c: th.tau_c,
        accuracy: correct as f64 / n,
        mean_macs,
        static_macs: shape.static_macs,
        macs_ratio: mean_macs / shape.static_macs.max(1) as f64,
        mean_blocks_run: blocks_run as f64 / n,
        blocks_total: shape.blocks_total,
        mean_channels_kept: kept as f64 / n,
        channels_total: shape.channels_total,
        predictions: p.predictions,
        macs: p.macs,
        labels: p.labels,
        block_ran: p.block_ran,
        block_kept: p.block_kept,
    }
}
