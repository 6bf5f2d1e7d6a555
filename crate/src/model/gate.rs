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
    /// fc1 and fc2 as flat `(weight, bias)` buffers for the direct path.
    flat: [(Vec<f32>, Vec<f32>); 2],
}

/// A linear layer's `(weight [out, in] row-major, bias [out])` as plain vectors.
pub(crate) fn flat_linear(l: &Linear) -> Result<(Vec<f32>, Vec<f32>)> {
    let b = l
        .bias()
        .ok_or_else(|| crate::Error::Weights("linear layer without bias".into()))?;
    Ok((l.weight().flatten_all()?.to_vec1()?, b.to_vec1()?))
}

impl Gate {
    pub fn new(c_in: usize, hidden: usize, out: usize, vb: VarBuilder) -> Result<Self> {
        let fc1 = candle_nn::linear(c_in, hidden, vb.pp("fc1"))?;
        let fc2 = candle_nn::linear(hidden, out, vb.pp("fc2"))?;
        let flat = [flat_linear(&fc1)?, flat_linear(&fc2)?];
        Ok(Self { fc1, fc2, flat })
    }

    /// The same gates for one image on plain slices (the direct path).
    ///
    /// # Shapes
    /// `pooled [C_in]` -> gates `[out]`, each in [0, 1].
    pub fn forward_one(&self, pooled: &[f32]) -> Vec<f32> {
        let [(w1, b1), (w2, b2)] = &self.flat;
        let h: Vec<f32> = crate::direct::linear(w1, b1, pooled)
            .into_iter()
            .map(crate::direct::relu)
            .collect();
        crate::direct::linear(w2, b2, &h)
            .into_iter()
            .map(|v| v.clamp(0.0, 1.0))
            .collect()
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
