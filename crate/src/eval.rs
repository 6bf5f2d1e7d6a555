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
    let (mut blocks_run, mut kept, mut static_macs, mut blocks_total, mut channels_total) =
        (0usize, 0usize, 0u64, 0usize, 0usize);
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
            blocks_run += t.blocks_run;
            kept += t.channels_kept;
            static_macs = t.static_macs;
            blocks_total = t.blocks.len();
            channels_total = t.channels_total;
        }
        pending.clear();
        Ok(())
    };
    let batch = if exec == Exec::Dynamic {
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
    let n = labels.len().max(1) as f64;
    let correct = labels
        .iter()
        .zip(&predictions)
        .filter(|(l, p)| l == p)
        .count();
    let mean_macs = macs.iter().sum::<u64>() as f64 / n;
    Ok(EvalResult {
        images: labels.len(),
        tau_l: th.tau_l,
        tau_c: th.tau_c,
        accuracy: correct as f64 / n,
        mean_macs,
        static_macs,
        macs_ratio: mean_macs / static_macs.max(1) as f64,
        mean_blocks_run: blocks_run as f64 / n,
        blocks_total,
        mean_channels_kept: kept as f64 / n,
        channels_total,
        predictions,
        macs,
        labels,
        block_ran,
        block_kept,
    })
}
