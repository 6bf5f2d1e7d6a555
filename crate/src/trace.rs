//! The execution trace: what one image made the network do, and what it cost.
//!
//! This is the one JSON shape shared by the CLI (`lcnet classify --json`), the tests and the web
//! page (`www/`). Costs are counted in MACs (multiply-accumulates) of the convolutions and fully
//! connected layers, gating networks included; batch norm is folded into the convolutions and
//! ReLU, pooling and additions are not counted. `weights/train/model.py` counts the same way.

use serde::{Deserialize, Serialize};

use crate::decision::{Decision, Thresholds};
use crate::model::{Block, LcNet};
use crate::Config;

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

/// Shape of one block, from the config alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockShape {
    pub stage: usize,
    pub position: usize,
    pub c_in: usize,
    pub planes: usize,
    pub stride: usize,
    pub size_out: usize,
    pub projection: bool,
}

/// The MAC costs of one block, split the way the gates split the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockCost {
    /// Always paid: projection shortcut and the L-Net.
    pub fixed: u64,
    /// Paid when the block runs: the C-Net.
    pub cnet: u64,
    /// Paid per kept inner channel: its conv1 output and its conv2 input.
    pub per_channel: u64,
    /// The block in the static network.
    pub static_macs: u64,
}

impl BlockCost {
    /// MACs of this block for a decision: `c_net` whether its C-Net ran, `kept` the number of
    /// computed channels.
    pub fn spent(&self, c_net: bool, kept: usize) -> u64 {
        if c_net {
            self.fixed + self.cnet + kept as u64 * self.per_channel
        } else {
            self.fixed
        }
    }
}

/// Block shapes in order, for any 6n+2 depth.
pub fn block_shapes(cfg: &Config) -> Vec<BlockShape> {
    let n = (cfg.depth.saturating_sub(2)) / 6;
    let mut out = Vec::with_capacity(3 * n);
    let mut c_in = cfg.widths[0];
    let mut size = cfg.image_size;
    for (stage, &planes) in cfg.widths.iter().enumerate() {
        for position in 0..n {
            let stride = if stage > 0 && position == 0 { 2 } else { 1 };
            size = out_size(size, stride);
            out.push(BlockShape {
                stage,
                position,
                c_in,
                planes,
                stride,
                size_out: size,
                projection: stride != 1 || c_in != planes,
            });
            c_in = planes;
        }
    }
    out
}

/// The cost split of a block.
pub fn block_cost(cfg: &Config, s: &BlockShape) -> BlockCost {
    let hw = (s.size_out * s.size_out) as u64;
    let (c_in, p, h) = (s.c_in as u64, s.planes as u64, cfg.gate_hidden as u64);
    let shortcut = if s.projection { c_in * p * hw } else { 0 };
    let (lnet, cnet) = if cfg.gated {
        (c_in * h + h, c_in * h + h * p)
    } else {
        (0, 0)
    };
    let per_channel = (c_in + p) * 9 * hw;
    BlockCost {
        fixed: shortcut + lnet,
        cnet,
        per_channel,
        static_macs: shortcut + per_channel * p,
    }
}

/// MACs outside the blocks: the stem convolution and the classifier.
pub fn rest_macs(cfg: &Config) -> u64 {
    let hw = (cfg.image_size * cfg.image_size) as u64;
    3 * cfg.widths[0] as u64 * 9 * hw + cfg.widths[2] as u64 * cfg.num_classes as u64
}

/// MACs of the static network.
pub fn static_macs(cfg: &Config) -> u64 {
    rest_macs(cfg)
        + block_shapes(cfg)
            .iter()
            .map(|s| block_cost(cfg, s).static_macs)
            .sum::<u64>()
}

/// Output side of a 3x3 / padding 1 or a 1x1 / padding 0 convolution with this stride (every
/// executor sizes its outputs with this).
pub fn out_size(size: usize, stride: usize) -> usize {
    (size - 1) / stride + 1
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
