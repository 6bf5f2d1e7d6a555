//! A CIFAR ResNet basic block with its two gates, and the three ways to run it.
//!
//! `relu(shortcut(x) + g * bn2(conv2(c * relu(bn1(conv1(x))))))` with g the L-gate and c the
//! C-gates. Batch norm is folded into the convolutions at load time.

use candle_core::{DType, Tensor, D};
use candle_nn::VarBuilder;

use super::gate::Gate;
use crate::direct::{self, Epilogue, Planes};
use crate::trace::{BlockCost, BlockShape, BlockTrace};
use crate::{Config, Error, Result};

/// Gate thresholds: a gate `<= tau` is skipped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub tau_l: f32,
    pub tau_c: f32,
}

impl Thresholds {
    pub fn from_config(cfg: &Config) -> Self {
        Self {
            tau_l: cfg.tau_l,
            tau_c: cfg.tau_c,
        }
    }
}

/// A convolution with its batch norm folded in: `conv(x, w * s) + (beta - mean * s)` with
/// `s = gamma / sqrt(var + eps)`.
#[derive(Debug, Clone)]
pub struct ConvBn {
    /// `[C_out, C_in, k, k]`, scale folded in.
    pub weight: Tensor,
    /// `[C_out]`.
    pub bias: Tensor,
    pub stride: usize,
    pub padding: usize,
    /// `weight` and `bias` as flat buffers for the direct kernels.
    flat_w: Vec<f32>,
    flat_b: Vec<f32>,
}

impl ConvBn {
    pub fn new(
        c_in: usize,
        c_out: usize,
        k: usize,
        stride: usize,
        eps: f64,
        vb_conv: VarBuilder,
        vb_bn: VarBuilder,
    ) -> Result<Self> {
        let w = vb_conv.get((c_out, c_in, k, k), "weight")?;
        let gamma = vb_bn.get(c_out, "weight")?;
        let beta = vb_bn.get(c_out, "bias")?;
        let mean = vb_bn.get(c_out, "running_mean")?;
        let var = vb_bn.get(c_out, "running_var")?;
        let scale = (gamma / (var + eps)?.sqrt()?)?; // [C_out]
        let weight = w.broadcast_mul(&scale.reshape((c_out, 1, 1, 1))?)?;
        let bias = (beta - (mean * &scale)?)?;
        Ok(Self {
            flat_w: weight.flatten_all()?.to_vec1()?,
            flat_b: bias.to_vec1()?,
            weight,
            bias,
            stride,
            padding: k / 2,
        })
    }

    /// The whole convolution on the direct path (3x3 or 1x1).
    pub fn forward_one(&self, x: &Planes, ep: Epilogue) -> Planes {
        if self.padding == 0 {
            let y = direct::conv1x1(x, &self.flat_w, &self.flat_b, self.stride);
            if ep.relu {
                y.relu()
            } else {
                y
            }
        } else {
            direct::conv3x3(x, &self.flat_w, &self.flat_b, self.stride, ep)
        }
    }

    /// # Shapes
    /// `x [B, C_in, H, W]` -> `[B, C_out, H / stride, W / stride]`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        conv_bias(x, &self.weight, &self.bias, self.padding, self.stride)
    }
}

fn conv_bias(x: &Tensor, w: &Tensor, b: &Tensor, padding: usize, stride: usize) -> Result<Tensor> {
    let y = x.conv2d(w, padding, stride, 1, 1)?;
    let (_, c_in, kh, kw) = w.dims4()?;
    crate::counter::add(y.elem_count() * c_in * kh * kw);
    Ok(y.broadcast_add(&b.reshape((1, b.dim(0)?, 1, 1))?)?)
}

/// What the gates decided for one image in one block.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub l_gate: Option<f32>,
    pub ran: bool,
    pub c_gates: Option<Vec<f32>>,
    pub kept: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub shape: BlockShape,
    pub cost: BlockCost,
    pub index: usize,
    conv1: ConvBn,
    conv2: ConvBn,
    shortcut: Option<ConvBn>,
    lnet: Option<Gate>,
    cnet: Option<Gate>,
}

impl Block {
    pub fn new(cfg: &Config, index: usize, shape: BlockShape, vb: VarBuilder) -> Result<Self> {
        let (c_in, p, eps) = (shape.c_in, shape.planes, cfg.bn_eps);
        let conv1 = ConvBn::new(c_in, p, 3, shape.stride, eps, vb.pp("conv1"), vb.pp("bn1"))?;
        let conv2 = ConvBn::new(p, p, 3, 1, eps, vb.pp("conv2"), vb.pp("bn2"))?;
        let shortcut = if shape.projection {
            let sc = vb.pp("shortcut");
            Some(ConvBn::new(
                c_in,
                p,
                1,
                shape.stride,
                eps,
                sc.pp("conv"),
                sc.pp("bn"),
            )?)
        } else {
            None
        };
        let (lnet, cnet) = if cfg.gated {
            let h = cfg.gate_hidden;
            (
                Some(Gate::new(c_in, h, 1, vb.pp("lnet"))?),
                Some(Gate::new(c_in, h, p, vb.pp("cnet"))?),
            )
        } else {
            (None, None)
        };
        let cost = crate::trace::block_cost(cfg, &shape);
        Ok(Self {
            shape,
            cost,
            index,
            conv1,
            conv2,
            shortcut,
            lnet,
            cnet,
        })
    }

    /// conv1 with bn1 folded in: `[P, C_in, 3, 3]`.
    pub fn conv1(&self) -> &ConvBn {
        &self.conv1
    }

    /// conv2 with bn2 folded in: `[P, P, 3, 3]`.
    pub fn conv2(&self) -> &ConvBn {
        &self.conv2
    }

    /// The 1x1 projection shortcut with its batch norm folded in; `None` for identity.
    pub fn projection(&self) -> Option<&ConvBn> {
        self.shortcut.as_ref()
    }

    /// The L-Net; `None` for a model without gates.
    pub fn lnet(&self) -> Option<&Gate> {
        self.lnet.as_ref()
    }

    /// The C-Net; `None` for a model without gates.
    pub fn cnet(&self) -> Option<&Gate> {
        self.cnet.as_ref()
    }

    fn shortcut(&self, x: &Tensor) -> Result<Tensor> {
        match &self.shortcut {
            Some(sc) => sc.forward(x),
            None => Ok(x.clone()),
        }
    }

    pub(crate) fn decide(
        &self,
        l_gate: Option<f32>,
        c_gates: Option<Vec<f32>>,
        th: Thresholds,
    ) -> Decision {
        let ran = l_gate.is_none_or(|g| g > th.tau_l);
        let c_gates = if ran { c_gates } else { None };
        let kept = match (&c_gates, ran) {
            (_, false) => vec![],
            (Some(c), true) => (0..c.len()).filter(|&i| c[i] > th.tau_c).collect(),
            (None, true) => (0..self.shape.planes).collect(),
        };
        Decision {
            l_gate,
            ran,
            c_gates,
            kept,
        }
    }

    /// The trace entry for a decision.
    pub fn trace(&self, d: Decision) -> BlockTrace {
        let s = &self.shape;
        BlockTrace {
            index: self.index,
            stage: s.stage,
            position: s.position,
            c_in: s.c_in,
            planes: s.planes,
            stride: s.stride,
            size_out: s.size_out,
            // No L-gate means no gating network ran (a static model or `Exec::Static`).
            macs: match d.l_gate {
                Some(_) => self.cost.spent(d.ran, d.kept.len()),
                None => self.cost.static_macs,
            },
            static_macs: self.cost.static_macs,
            l_gate: d.l_gate,
            ran: d.ran,
            c_gates: d.c_gates,
            kept: d.kept,
        }
    }

    /// Real skipping for one image: the L-Net runs first; a skipped block runs neither its C-Net
    /// nor its convolutions; a kept block's conv1 computes only the kept output channels, each
    /// scaled by its C-gate after the ReLU, and conv2 reads only those channels, its output
    /// scaled by the L-gate before the shortcut is added (`relu(g * bn2(conv2(c * h)) + x)`).
    /// Both read the kept filters and columns of their weights in place.
    ///
    /// # Shapes
    /// `x [C_in, H, W]` -> `[P, H / stride, W / stride]`.
    /// Takes `x` by value: a skipped identity block returns it as its output, without a copy.
    pub fn forward_dynamic(&self, x: Planes, th: Thresholds) -> (Planes, Decision) {
        let (Some(lnet), Some(cnet)) = (&self.lnet, &self.cnet) else {
            return (self.forward_one(&x), self.decide(None, None, th));
        };
        let pooled = x.channel_means(); // [C_in]
        let g = lnet.forward_one(&pooled)[0];
        if g <= th.tau_l {
            let d = self.decide(Some(g), None, th);
            let y = match &self.shortcut {
                Some(sc) => sc.forward_one(&x, RELU),
                None => x.relu(),
            };
            return (y, d);
        }
        let x = &x;
        let c = cnet.forward_one(&pooled); // [P]
        let d = self.decide(Some(g), Some(c), th);
        let c = d.c_gates.as_deref().unwrap_or_default();
        let (c_in, p, kept) = (self.shape.c_in, self.shape.planes, &d.kept);
        // conv1 computes only the kept filters, read in place, each output scaled by its C-gate
        // after the ReLU (the gates are >= 0): h [k, H', W'].
        let b1k: Vec<f32> = kept.iter().map(|&o| self.conv1.flat_b[o]).collect();
        let ck: Vec<f32> = kept.iter().map(|&o| c[o]).collect();
        let conv1 = direct::Filters {
            rows: Some(kept),
            ..direct::Filters::dense(&self.conv1.flat_w, c_in)
        };
        let ep1 = Epilogue {
            scale: Some(&ck),
            ..RELU
        };
        let h = direct::conv3x3_filters(x, conv1, &b1k, self.shape.stride, ep1);

        // conv2 reads only those channels (the kept columns of its weights, in place); the
        // L-gate scales the branch before the shortcut is added.
        let conv2 = direct::Filters {
            cols: Some(kept),
            ..direct::Filters::dense(&self.conv2.flat_w, p)
        };
        let gs = vec![g; p];
        let ep2 = |r| Epilogue {
            scale: Some(&gs),
            ..residual_relu(r)
        };
        let b2 = &self.conv2.flat_b;
        let y = match &self.shortcut {
            Some(sc) => {
                let sc = sc.forward_one(x, NO_RELU);
                direct::conv3x3_filters(&h, conv2, b2, 1, ep2(&sc))
            }
            None => direct::conv3x3_filters(&h, conv2, b2, 1, ep2(x)),
        };
        (y, d) // [P, H', W']
    }

    /// The static block on the direct path: every channel of both convolutions.
    ///
    /// # Shapes
    /// `x [C_in, H, W]` -> `[P, H / stride, W / stride]`.
    pub fn forward_one(&self, x: &Planes) -> Planes {
        let h = self.conv1.forward_one(x, RELU);
        match &self.shortcut {
            Some(sc) => self
                .conv2
                .forward_one(&h, residual_relu(&sc.forward_one(x, NO_RELU))),
            None => self.conv2.forward_one(&h, residual_relu(x)),
        }
    }

    /// The dense reference: every convolution computed in full, then multiplied by the gate
    /// masks (0 for skipped blocks and channels). Only for tests and as the dense baseline.
    ///
    /// # Shapes
    /// `x [B, C_in, H, W]` -> `[B, P, H / stride, W / stride]`, one decision per image.
    pub fn forward_dense_masked(
        &self,
        x: &Tensor,
        th: Thresholds,
    ) -> Result<(Tensor, Vec<Decision>)> {
        let (Some(lnet), Some(cnet)) = (&self.lnet, &self.cnet) else {
            let b = x.dim(0)?;
            return Ok((
                self.forward_static(x)?,
                (0..b).map(|_| self.decide(None, None, th)).collect(),
            ));
        };
        let pooled = x.mean(D::Minus1)?.mean(D::Minus1)?; // [B, C_in]
        let g = lnet.forward(&pooled)?.flatten_all()?.to_vec1::<f32>()?; // [B]
        let c = cnet.forward(&pooled)?.to_vec2::<f32>()?; // [B][P]
        let decisions: Vec<Decision> = g
            .iter()
            .zip(c)
            .map(|(&g, c)| self.decide(Some(g), Some(c), th))
            .collect();
        let (b, p) = (decisions.len(), self.shape.planes);
        let mut c_mask = vec![0f32; b * p];
        let mut g_mask = vec![0f32; b];
        for (i, d) in decisions.iter().enumerate() {
            if let (true, Some(cg)) = (d.ran, &d.c_gates) {
                g_mask[i] = d.l_gate.unwrap_or(1.0);
                for &k in &d.kept {
                    c_mask[i * p + k] = cg[k];
                }
            }
        }
        let dev = x.device();
        let c_mask = Tensor::from_vec(c_mask, (b, p, 1, 1), dev)?;
        let g_mask = Tensor::from_vec(g_mask, (b, 1, 1, 1), dev)?;
        let h = self.conv1.forward(x)?.relu()?.broadcast_mul(&c_mask)?;
        let branch = self.conv2.forward(&h)?.broadcast_mul(&g_mask)?;
        Ok(((self.shortcut(x)? + branch)?.relu()?, decisions))
    }

    /// The static ResNet block: no gates, everything computed.
    pub fn forward_static(&self, x: &Tensor) -> Result<Tensor> {
        let h = self.conv1.forward(x)?.relu()?;
        let branch = self.conv2.forward(&h)?;
        Ok((self.shortcut(x)? + branch)?.relu()?)
    }
}

const RELU: Epilogue = Epilogue {
    residual: None,
    relu: true,
    scale: None,
};
const NO_RELU: Epilogue = Epilogue {
    residual: None,
    relu: false,
    scale: None,
};

fn residual_relu(r: &Planes) -> Epilogue<'_> {
    Epilogue {
        residual: Some(r),
        relu: true,
        scale: None,
    }
}

/// Checks a tensor's dtype on the way in from a weights file.
pub(crate) fn expect_f32(name: &str, t: &Tensor) -> Result<()> {
    if t.dtype() != DType::F32 {
        return Err(Error::Weights(format!(
            "{name} is {:?}, expected F32",
            t.dtype()
        )));
    }
    Ok(())
}
