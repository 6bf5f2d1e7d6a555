//! L-Net and C-Net: the two gating networks of LC-Net (Xia et al. 2020, arXiv:2007.15151).
//!
//! Both read the global average of the block's input and end in a clamp to [0, 1] ("ReLU1"):
//! L-Net produces one gate for the whole residual branch, C-Net one per inner channel.

use candle_core::{Module, Tensor};
use candle_nn::{Linear, VarBuilder};

use crate::Result;

/// A linear layer that reports its MACs to [`crate::counter`].
pub(crate) fn linear(l: &Linear, x: &Tensor) -> Result<Tensor> {
    crate::counter::add(x.dim(0)? * l.weight().elem_count());
    Ok(l.forward(x)?)
}

/// pooled -> FC -> ReLU -> FC -> clamp(0, 1).
#[derive(Debug, Clone)]
pub struct Gate {
    fc1: Linear,
    fc2: Linear,
}

impl Gate {
    pub fn new(c_in: usize, hidden: usize, out: usize, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            fc1: candle_nn::linear(c_in, hidden, vb.pp("fc1"))?,
            fc2: candle_nn::linear(hidden, out, vb.pp("fc2"))?,
        })
    }

    /// The first layer, `[hidden, C_in]`.
    pub fn fc1(&self) -> &Linear {
        &self.fc1
    }

    /// The second layer, `[out, hidden]`.
    pub fn fc2(&self) -> &Linear {
        &self.fc2
    }

    /// # Shapes
    /// `pooled [B, C_in]` -> gates `[B, out]`, each in [0, 1].
    pub fn forward(&self, pooled: &Tensor) -> Result<Tensor> {
        let h = linear(&self.fc1, pooled)?.relu()?; // [B, hidden]
        Ok(linear(&self.fc2, &h)?.clamp(0f32, 1f32)?)
    }
}
