//! Accuracy and cost over a labelled set: what `lcnet eval`, `lcnet curve` and the tests measure.

use serde::{Deserialize, Serialize};

use crate::dynamics::ImageDecisions;
use crate::{Executor, LcNet, Mode, Result, Thresholds, Trace};

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
    /// Top-1 probability per image, in input order.
    pub confidence: Vec<f32>,
    /// Per image, per block: whether the block ran.
    pub block_ran: Vec<Vec<bool>>,
    /// Per image, per block: how many inner channels were computed.
    pub block_kept: Vec<Vec<usize>>,
    /// Per image: its decisions, which [`crate::dynamics::dynamics`] reads (not serialized).
    #[serde(skip)]
    pub decisions: Vec<ImageDecisions>,
}

/// Images per call to the executor (the reference executor batches them).
const CHUNK: usize = 100;

/// Classifies every `(label, rgb)` pair on `exec` (any executor, the GPU's included) and sums up.
pub async fn evaluate(
    exec: &impl Executor,
    samples: &[(usize, &[u8])],
    mode: Mode,
    th: Thresholds,
) -> Result<EvalResult> {
    let mut traces = Vec::with_capacity(samples.len());
    for chunk in samples.chunks(CHUNK) {
        let images: Vec<&[u8]> = chunk.iter().map(|s| s.1).collect();
        traces.extend(exec.run(&images, mode, th).await?);
    }
    let labels = samples.iter().map(|s| s.0).collect();
    Ok(summarize(exec.net(), th, labels, &traces))
}

/// Like [`evaluate`], waited for, with the samples split over `threads` threads (1 for an
/// executor that is itself parallel, such as the GPU's); the result (per-image lists included)
/// is the same as one pass in input order.
#[cfg(not(target_arch = "wasm32"))]
pub fn evaluate_parallel(
    exec: &(impl Executor + Sync),
    samples: &[(usize, &[u8])],
    mode: Mode,
    th: Thresholds,
    threads: usize,
) -> Result<EvalResult> {
    let chunk = samples.len().div_ceil(threads.max(1)).max(1);
    let parts: Vec<Result<Vec<Trace>>> = std::thread::scope(|s| {
        let handles: Vec<_> = samples
            .chunks(chunk)
            .map(|c| {
                s.spawn(move || {
                    let images: Vec<&[u8]> = c.iter().map(|s| s.1).collect();
                    exec.run_now(&images, mode, th)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("an evaluation thread panicked"))
            .collect()
    });
    let mut traces = Vec::with_capacity(samples.len());
    for p in parts {
        traces.extend(p?);
    }
    let labels = samples.iter().map(|s| s.0).collect();
    Ok(summarize(exec.net(), th, labels, &traces))
}

/// The result over `traces` (one per label, in order) of `net`.
pub fn summarize(net: &LcNet, th: Thresholds, labels: Vec<usize>, traces: &[Trace]) -> EvalResult {
    let n = labels.len().max(1) as f64;
    let predictions: Vec<usize> = traces.iter().map(|t| t.prediction.class).collect();
    let confidence: Vec<f32> = traces.iter().map(|t| t.prediction.prob).collect();
    let correct = labels
        .iter()
        .zip(&predictions)
        .filter(|(l, q)| l == q)
        .count();
    let macs: Vec<u64> = traces.iter().map(|t| t.macs).collect();
    let mean_macs = macs.iter().sum::<u64>() as f64 / n;
    let block_ran: Vec<Vec<bool>> = traces
        .iter()
        .map(|t| t.blocks.iter().map(|b| b.ran).collect())
        .collect();
    let block_kept: Vec<Vec<usize>> = traces
        .iter()
        .map(|t| t.blocks.iter().map(|b| b.kept.len()).collect())
        .collect();
    let blocks_run: usize = traces.iter().map(|t| t.blocks_run).sum();
    let kept: usize = traces.iter().map(|t| t.channels_kept).sum();
    let static_macs = crate::model::geometry::static_macs(net.config());
    EvalResult {
        images: labels.len(),
        tau_l: th.tau_l,
        tau_c: th.tau_c,
        accuracy: correct as f64 / n,
        mean_macs,
        static_macs,
        macs_ratio: mean_macs / static_macs.max(1) as f64,
        mean_blocks_run: blocks_run as f64 / n,
        blocks_total: net.blocks().len(),
        mean_channels_kept: kept as f64 / n,
        channels_total: net.blocks().iter().map(|b| b.shape.planes).sum(),
        predictions,
        macs,
        labels,
        confidence,
        block_ran,
        block_kept,
        decisions: traces.iter().map(ImageDecisions::from).collect(),
    }
}
