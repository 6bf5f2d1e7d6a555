//! The reference executor: the network as candle-nn modules built from a [`VarBuilder`] over
//! the weights file, the way candle's own examples define models (conv, batch norm, linear, the
//! gates), on any candle device. Nothing is skipped and batch norm is not folded.
//!
//! `Mode::Static` is the plain ResNet; `Mode::Dynamic` is the dense masked form of LC-Net
//! (every convolution computed in full, then multiplied by the gate masks: 0 for skipped blocks
//! and channels), which is what `weights/train/model.py` trains. Its results define what the
//! skipping executors must reproduce; it is never the fast path. The device is a parameter, so a
//! candle WebGPU device would slot in the day candle has one.

use std::borrow::Cow;
use std::future::Future;

use candle_core::{DType, Device, Module, ModuleT, Tensor, D};
use candle_nn::{
    batch_norm, conv2d_no_bias, linear, BatchNorm, BatchNormConfig, Conv2d, Conv2dConfig, Linear,
    VarBuilder,
};

use super::{Executor, Mode};
use crate::decision::{Decision, Thresholds};
use crate::model::geometry::BlockShape;
use crate::model::LcNet;
use crate::{preprocess, Config, EmptyBlock, Result, Trace};

/// Images per forward batch.
const BATCH: usize = 100;

/// A convolution followed by its batch norm (inference statistics), as trained.
struct ConvBn {
    conv: Conv2d,
    bn: BatchNorm,
}

impl ConvBn {
    /// The `k x k` convolution at `vb.pp(conv)` and the batch norm at `vb.pp(bn)`.
    fn new(
        (c_in, c_out, k, stride): (usize, usize, usize, usize),
        cfg: &Config,
        vb: &VarBuilder,
        (conv, bn): (&str, &str),
    ) -> Result<Self> {
        let conv_cfg = Conv2dConfig {
            padding: k / 2,
            stride,
            ..Default::default()
        };
        let bn_cfg = BatchNormConfig {
            eps: cfg.bn_eps,
            ..Default::default()
        };
        Ok(Self {
            conv: conv2d_no_bias(c_in, c_out, k, conv_cfg, vb.pp(conv))?,
            bn: batch_norm(c_out, bn_cfg, vb.pp(bn))?,
        })
    }

    /// # Shapes
    /// `x [B, C_in, H, W]` -> `[B, C_out, H / stride, W / stride]`.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let y = self.conv.forward(x)?;
        let (_, c_in, kh, kw) = self.conv.weight().dims4()?;
        crate::counter::add(y.elem_count() * c_in * kh * kw);
        Ok(self.bn.forward_t(&y, false)?)
    }
}

/// A fully connected layer whose MACs are counted.
///
/// # Shapes
/// `x [B, in]` -> `[B, out]`.
fn dense(l: &Linear, x: &Tensor) -> Result<Tensor> {
    crate::counter::add(x.dim(0)? * l.weight().elem_count());
    Ok(l.forward(x)?)
}

/// A gating network (L-Net or C-Net): fc1 -> ReLU -> fc2 -> clamp to [0, 1].
struct Gate {
    fc1: Linear,
    fc2: Linear,
}

impl Gate {
    fn new(c_in: usize, hidden: usize, out: usize, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            fc1: linear(c_in, hidden, vb.pp("fc1"))?,
            fc2: linear(hidden, out, vb.pp("fc2"))?,
        })
    }

    /// # Shapes
    /// `pooled [B, C_in]` -> gates `[B, out]` in [0, 1].
    fn forward(&self, pooled: &Tensor) -> Result<Tensor> {
        let h = dense(&self.fc1, pooled)?.relu()?; // [B, hidden]
        Ok(dense(&self.fc2, &h)?.clamp(0f32, 1f32)?)
    }
}

/// A basic block (two 3x3 convolutions and a shortcut) with its L-Net and C-Net.
struct BasicBlock {
    planes: usize,
    conv1: ConvBn,
    conv2: ConvBn,
    /// The 1x1 projection where the shape changes, else the identity.
    shortcut: Option<ConvBn>,
    /// (L-Net, C-Net), on a gated model.
    gates: Option<(Gate, Gate)>,
}

impl BasicBlock {
    /// Block `s` at `vb` (`stage{s}.{position}`).
    fn new(cfg: &Config, s: &BlockShape, vb: VarBuilder) -> Result<Self> {
        let (c_in, p) = (s.c_in, s.planes);
        let shortcut = if s.projection {
            let conv = (c_in, p, 1, s.stride);
            Some(ConvBn::new(
                conv,
                cfg,
                &vb,
                ("shortcut.conv", "shortcut.bn"),
            )?)
        } else {
            None
        };
        let gates = if cfg.gated {
            let h = cfg.gate_hidden;
            let lnet = Gate::new(c_in, h, 1, vb.pp("lnet"))?;
            Some((lnet, Gate::new(c_in, h, p, vb.pp("cnet"))?))
        } else {
            None
        };
        Ok(Self {
            planes: p,
            conv1: ConvBn::new((c_in, p, 3, s.stride), cfg, &vb, ("conv1", "bn1"))?,
            conv2: ConvBn::new((p, p, 3, 1), cfg, &vb, ("conv2", "bn2"))?,
            shortcut,
            gates,
        })
    }

    fn shortcut(&self, x: &Tensor) -> Result<Tensor> {
        match &self.shortcut {
            Some(sc) => sc.forward(x),
            None => Ok(x.clone()),
        }
    }

    /// The static ResNet block: no gates, everything computed.
    fn forward_static(&self, x: &Tensor) -> Result<Tensor> {
        let h = self.conv1.forward(x)?.relu()?;
        let branch = self.conv2.forward(&h)?;
        Ok((self.shortcut(x)? + branch)?.relu()?)
    }

    /// Every convolution computed in full, then multiplied by the gate masks.
    ///
    /// # Shapes
    /// `x [B, C_in, H, W]` -> `[B, P, H / stride, W / stride]`, one decision per image.
    fn forward_masked(
        &self,
        (lnet, cnet): &(Gate, Gate),
        x: &Tensor,
        th: Thresholds,
        empty: EmptyBlock,
    ) -> Result<(Tensor, Vec<Decision>)> {
        let planes = self.planes;
        let pooled = x.mean(D::Minus1)?.mean(D::Minus1)?; // [B, C_in]
        let l = lnet.forward(&pooled)?.flatten_all()?.to_vec1::<f32>()?; // [B]
        let c = cnet.forward(&pooled)?.to_vec2::<f32>()?; // [B][P]
        let decisions: Vec<Decision> = l
            .iter()
            .zip(c)
            .map(|(&l, c)| Decision::from_gates(planes, Some(l), Some(c), th, empty))
            .collect();
        let b = decisions.len();
        let mut c_mask = vec![0f32; b * planes];
        let mut g_mask = vec![0f32; b];
        for (i, d) in decisions.iter().enumerate() {
            if let (true, Some(cg)) = (d.ran, &d.c_gates) {
                g_mask[i] = d.l_gate.unwrap_or(1.0);
                for &k in &d.kept {
                    c_mask[i * planes + k] = cg[k];
                }
            }
        }
        let dev = x.device();
        let c_mask = Tensor::from_vec(c_mask, (b, planes, 1, 1), dev)?;
        let g_mask = Tensor::from_vec(g_mask, (b, 1, 1, 1), dev)?;
        let h = self.conv1.forward(x)?.relu()?.broadcast_mul(&c_mask)?;
        let branch = self.conv2.forward(&h)?.broadcast_mul(&g_mask)?;
        Ok(((self.shortcut(x)? + branch)?.relu()?, decisions))
    }
}

/// An [`LcNet`] as candle-nn modules on a device.
pub struct Reference<'a> {
    net: Cow<'a, LcNet>,
    device: Device,
    stem: ConvBn,
    blocks: Vec<BasicBlock>,
    fc: Linear,
}

impl<'a> Reference<'a> {
    /// The modules of `net` from `vb` (f32 on its device; 16-bit files are widened). `net` (the
    /// same weights, already checked against its config) supplies the shapes, MAC costs and class
    /// names of the traces; borrowed, or owned (`Cow::Owned`) where nothing outlives it.
    pub fn new(net: Cow<'a, LcNet>, vb: VarBuilder) -> Result<Self> {
        let cfg = net.config();
        let stem = ConvBn::new((3, cfg.widths[0], 3, 1), cfg, &vb, ("stem.conv", "stem.bn"))?;
        let blocks = net
            .blocks()
            .iter()
            .map(|b| {
                let s = &b.shape;
                BasicBlock::new(
                    cfg,
                    s,
                    vb.pp(format!("stage{}.{}", s.stage + 1, s.position)),
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let fc = linear(cfg.widths[2], cfg.num_classes, vb.pp("fc"))?;
        Ok(Self {
            net,
            device: vb.device().clone(),
            stem,
            blocks,
            fc,
        })
    }

    /// The modules of `net` from the safetensors bytes it was loaded from, on `device`.
    pub fn from_safetensors(net: Cow<'a, LcNet>, weights: &[u8], device: &Device) -> Result<Self> {
        Self::new(
            net,
            VarBuilder::from_slice_safetensors(weights, DType::F32, device)?,
        )
    }

    /// Runs a batch.
    ///
    /// # Shapes
    /// `x [B, 3, S, S]` (normalized) -> logits `[B, classes]` and one trace per image.
    pub fn forward(&self, x: &Tensor, mode: Mode, th: Thresholds) -> Result<(Tensor, Vec<Trace>)> {
        let b = x.dim(0)?;
        let empty = self.net.config().empty_block;
        let mut h = self.stem.forward(x)?.relu()?; // [B, w0, S, S]
        let mut per_block = Vec::with_capacity(self.blocks.len());
        for blk in &self.blocks {
            let (y, d) = match (mode, &blk.gates) {
                (Mode::Dynamic, Some(g)) => blk.forward_masked(g, &h, th, empty)?,
                _ => (
                    blk.forward_static(&h)?,
                    vec![Decision::all_kept(blk.planes); b],
                ),
            };
            h = y; // [B, P, H', W']
            per_block.push(d);
        }
        let pooled = h.mean(D::Minus1)?.mean(D::Minus1)?; // [B, C]
        let logits = dense(&self.fc, &pooled)?; // [B, classes]
        let rows = logits.to_vec2::<f32>()?;
        let traces = rows
            .into_iter()
            .enumerate()
            .map(|(i, l)| {
                let decisions = per_block.iter().map(|d| d[i].clone()).collect();
                Trace::new(&self.net, l, decisions, th)
            })
            .collect();
        Ok((logits, traces))
    }

    /// Normalized images `[B, 3, S, S]` from RGB bytes.
    pub fn input(&self, images: &[&[u8]]) -> Result<Tensor> {
        let cfg = self.net.config();
        let s = cfg.image_size;
        let mut data = Vec::with_capacity(images.len() * 3 * s * s);
        for rgb in images {
            data.extend(preprocess::normalize(rgb, cfg)?);
        }
        let shape = (images.len(), 3, s, s);
        Ok(Tensor::from_vec(data, shape, &self.device)?)
    }
}

impl Executor for Reference<'_> {
    fn net(&self) -> &LcNet {
        &self.net
    }

    /// Computes at once (candle's CPU device is synchronous): the future is ready when returned.
    fn run(
        &self,
        images: &[&[u8]],
        mode: Mode,
        th: Thresholds,
    ) -> impl Future<Output = Result<Vec<Trace>>> {
        let run = || {
            let mut traces = Vec::with_capacity(images.len());
            for chunk in images.chunks(BATCH) {
                traces.extend(self.forward(&self.input(chunk)?, mode, th)?.1);
            }
            Ok(traces)
        };
        std::future::ready(run())
    }
}
