//! The execution trace: what one image made the network do, and what it cost.
//!
//! This is the one JSON shape shared by the CLI (`lcnet classify --json`), the tests and the web
//! page (`www/`). Its MACs come from the block costs of [`crate::model::geometry`].

use serde::{Deserialize, Serialize};

use crate::decision::{Decision, Thresholds};
use crate::model::geometry::{rest_macs, static_macs};
use crate::model::{Block, LcNet};

/// One residual block's decisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockTrace {
    /// Position in the network, 0-based.
    pub index: usize,
    /// Stage (0, 1, 2) and position inside the stage.
    pub stage: usize,
    pub position: usize,
    pub c_in: usize,
    /// Inner channels (conv1 outputs = conv2 inputs) = output channels.
    pub planes: usize,
    pub stride: usize,
    /// Side of the block's output feature map.
    pub size_out: usize,
    /// The L-gate in [0, 1]; `None` for a model without gates.
    pub l_gate: Option<f32>,
    /// Whether the residual branch was computed.
    pub ran: bool,
    /// C-gates of the inner channels; `None` when the C-Net did not run (the L-gate skipped the
    /// block) or the model has no gates. A model whose empty blocks are skipped
    /// (`EmptyBlock::Skip`) has them for a block skipped because every channel closed.
    pub c_gates: Option<Vec<f32>>,
    /// Indices of the inner channels that were computed (empty when skipped).
    pub kept: Vec<usize>,
    /// MACs this block spent (gates, shortcut and kept channels).
    pub macs: u64,
    /// MACs of the same block in the static network.
    pub static_macs: u64,
}

/// A class and its softmax probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassProb {
    pub class: usize,
    pub label: String,
    pub prob: f32,
}

/// Everything one forward pass did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    pub prediction: ClassProb,
    pub top5: Vec<ClassProb>,
    pub logits: Vec<f32>,
    pub tau_l: f32,
    pub tau_c: f32,
    pub blocks: Vec<BlockTrace>,
    /// MACs spent on this image.
    pub macs: u64,
    /// MACs of the static network (every block, every channel, no gates).
    pub static_macs: u64,
    pub blocks_run: usize,
    pub channels_kept: usize,
    /// Inner channels over all blocks.
    pub channels_total: usize,
}

impl Trace {
    /// `macs / static_macs`.
    pub fn macs_ratio(&self) -> f64 {
        self.macs as f64 / self.static_macs as f64
    }
}

impl BlockTrace {
    /// The trace entry of `blk` for a decision; its MACs come from the block's cost split.
    pub fn new(blk: &Block, d: Decision) -> Self {
        let s = &blk.shape;
        Self {
            index: blk.index,
            stage: s.stage,
            position: s.position,
            c_in: s.c_in,
            planes: s.planes,
            stride: s.stride,
            size_out: s.size_out,
            // No L-gate means no gating network ran (a static model or the static mode).
            macs: match d.l_gate {
                Some(_) => blk.cost.spent(d.c_net_ran(), d.kept.len()),
                None => blk.cost.static_macs,
            },
            static_macs: blk.cost.static_macs,
            l_gate: d.l_gate,
            ran: d.ran,
            c_gates: d.c_gates,
            kept: d.kept,
        }
    }
}

impl Trace {
    /// The trace of one image from its logits and per-block decisions: what every executor
    /// returns, so their traces compare field by field.
    pub fn new(net: &LcNet, logits: Vec<f32>, decisions: Vec<Decision>, th: Thresholds) -> Self {
        let cfg = net.config();
        let blocks: Vec<_> = net
            .blocks()
            .iter()
            .zip(decisions)
            .map(|(blk, d)| BlockTrace::new(blk, d))
            .collect();
        let probs = softmax(&logits);
        let mut order: Vec<usize> = (0..probs.len()).collect();
        order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
        let class_prob = |i: usize| ClassProb {
            class: i,
            label: cfg.class_names[i].clone(),
            prob: probs[i],
        };
        Self {
            // `Config::validate` refuses a model without classes, so there is a first.
            prediction: class_prob(order[0]),
            top5: order.iter().take(5).map(|&i| class_prob(i)).collect(),
            tau_l: th.tau_l,
            tau_c: th.tau_c,
            macs: rest_macs(cfg) + blocks.iter().map(|b| b.macs).sum::<u64>(),
            static_macs: static_macs(cfg),
            blocks_run: blocks.iter().filter(|b| b.ran).count(),
            channels_kept: blocks.iter().map(|b| b.kept.len()).sum(),
            channels_total: blocks.iter().map(|b| b.planes).sum(),
            blocks,
            logits,
        }
    }
}

fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.iter().map(|e| e / sum).collect()
}
