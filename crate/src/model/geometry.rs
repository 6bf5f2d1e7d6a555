//! The network's geometry from its config alone: the shape of every block and the MACs of each
//! part (the model is data, shapes and costs included). Costs are counted in MACs
//! (multiply-accumulates) of the convolutions and fully connected layers, gating networks
//! included; batch norm is folded into the convolutions and ReLU, pooling and additions are not
//! counted. `weights/train/model.py` counts the same way.

use crate::Config;

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
