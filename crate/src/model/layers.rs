//! The layers of the network as plain data: folded convolutions, dense layers, gates and blocks.
//! Nothing here runs anything; the executors in [`crate::exec`] read these buffers.
//!
//! A block computes `relu(shortcut(x) + g * bn2(conv2(c * relu(bn1(conv1(x))))))` with g the
//! L-gate and c the C-gates; batch norm is folded into each convolution when the weights load.

use std::sync::OnceLock;

use super::geometry::{BlockCost, BlockShape};

/// A convolution with its batch norm folded in: `conv(x, w * s) + (beta - mean * s)` with
/// `s = gamma / sqrt(var + eps)`; padding `k / 2`.
#[derive(Debug, Clone, PartialEq)]
pub struct Conv {
    pub c_in: usize,
    pub c_out: usize,
    /// Kernel side: 3 (padding 1) or 1 (padding 0, the projection shortcut).
    pub k: usize,
    pub stride: usize,
    /// `[C_out, C_in, k, k]` row-major, scale folded in.
    pub weight: Vec<f32>,
    /// `[C_out]`.
    pub bias: Vec<f32>,
    /// `weight` in the Winograd domain, `[16, C_in, C_out]`
    /// ([`crate::exec::cpu::transform_filters`]): made by the CPU executor the first time it runs
    /// this convolution (stride-1 3x3 only), so a network only the GPU runs never holds it.
    pub winograd: OnceLock<Vec<f32>>,
}

impl Conv {
    pub fn padding(&self) -> usize {
        self.k / 2
    }
}

/// A fully connected layer: `y = W x + b`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dense {
    pub n_in: usize,
    pub n_out: usize,
    /// `[n_out, n_in]` row-major.
    pub weight: Vec<f32>,
    /// `[n_out]`.
    pub bias: Vec<f32>,
}

/// An L-Net or C-Net: `pooled -> fc1 -> ReLU -> fc2 -> clamp(0, 1)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    /// `[hidden, C_in]`.
    pub fc1: Dense,
    /// `[out, hidden]`: one output for the L-Net, one per inner channel for the C-Net.
    pub fc2: Dense,
}

/// One basic block: its shape, MAC costs, folded convolutions and gates.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub index: usize,
    pub shape: BlockShape,
    pub cost: BlockCost,
    /// `[P, C_in, 3, 3]`, bn1 folded in.
    pub conv1: Conv,
    /// `[P, P, 3, 3]`, bn2 folded in.
    pub conv2: Conv,
    /// The 1x1 projection shortcut (first block of stages 2 and 3); `None` for identity.
    pub projection: Option<Conv>,
    /// L-Net and C-Net; `None` for a model without gates.
    pub gates: Option<Gates>,
}

/// The two gating networks of a block.
#[derive(Debug, Clone, PartialEq)]
pub struct Gates {
    pub lnet: Gate,
    pub cnet: Gate,
}
