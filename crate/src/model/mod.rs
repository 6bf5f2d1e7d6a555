//! The LC-Net model: a CIFAR ResNet (6n+2 layers, three stages) whose every basic block carries
//! an L-Net and a C-Net (Xia, Yin, Dai, Jha, "Fully Dynamic Inference with Deep Neural
//! Networks", 2020, arXiv:2007.15151).
//!
//! Tensor names equal the VarBuilder paths (`stage2.0.shortcut.conv.weight`) and the PyTorch
//! parameter names of `weights/train/model.py`.

pub mod block;
pub mod gate;

use std::collections::{HashMap, HashSet};

use candle_core::{DType, Device, Tensor, D};
use candle_nn::{Linear, VarBuilder};

pub use block::{Block, ConvBn, Decision, Thresholds};

use crate::direct::{self, Planes};

use crate::preprocess::{self, Prepared};
use crate::trace::{self, ClassProb, Trace};
use crate::{Config, Error, Result};

/// How to execute the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exec {
    /// Real skipping: skipped blocks and channels are not computed. One image at a time on the
    /// direct kernels of [`crate::direct`].
    Dynamic,
    /// The plain ResNet: no gates, every block and channel (the static baseline's cost), one
    /// image at a time on the same direct kernels as `Dynamic`, so their times compare.
    Static,
    /// Everything computed with candle's batched `conv2d`, gates applied as multiplicative masks:
    /// the reference `Dynamic` is tested against.
    DenseMasked,
    /// The plain ResNet through candle's batched `conv2d`: the reference `Static` is tested
    /// against.
    StaticDense,
}

#[derive(Debug, Clone)]
pub struct LcNet {
    cfg: Config,
    stem: ConvBn,
    blocks: Vec<Block>,
    fc: Linear,
    /// `fc` as flat `(weight, bias)` for the direct path.
    fc_flat: (Vec<f32>, Vec<f32>),
    device: Device,
}

/// Every tensor a checkpoint for `cfg` must hold, with its shape.
pub fn expected_tensors(cfg: &Config) -> Vec<(String, Vec<usize>)> {
    let mut out = Vec::new();
    let mut conv_bn = |conv: String, bn: String, c_in: usize, c_out: usize, k: usize| {
        out.push((format!("{conv}.weight"), vec![c_out, c_in, k, k]));
        for p in ["weight", "bias", "running_mean", "running_var"] {
            out.push((format!("{bn}.{p}"), vec![c_out]));
        }
    };
    conv_bn("stem.conv".into(), "stem.bn".into(), 3, cfg.widths[0], 3);
    let shapes = trace::block_shapes(cfg);
    for s in &shapes {
        let pre = format!("stage{}.{}", s.stage + 1, s.position);
        conv_bn(
            format!("{pre}.conv1"),
            format!("{pre}.bn1"),
            s.c_in,
            s.planes,
            3,
        );
        conv_bn(
            format!("{pre}.conv2"),
            format!("{pre}.bn2"),
            s.planes,
            s.planes,
            3,
        );
        if s.projection {
            let sc = format!("{pre}.shortcut");
            conv_bn(
                format!("{sc}.conv"),
                format!("{sc}.bn"),
                s.c_in,
                s.planes,
                1,
            );
        }
    }
    for s in &shapes {
        let pre = format!("stage{}.{}", s.stage + 1, s.position);
        if cfg.gated {
            let h = cfg.gate_hidden;
            for (net, out_dim) in [("lnet", 1), ("cnet", s.planes)] {
                out.push((format!("{pre}.{net}.fc1.weight"), vec![h, s.c_in]));
                out.push((format!("{pre}.{net}.fc1.bias"), vec![h]));
                out.push((format!("{pre}.{net}.fc2.weight"), vec![out_dim, h]));
                out.push((format!("{pre}.{net}.fc2.bias"), vec![out_dim]));
            }
        }
    }
    out.push(("fc.weight".into(), vec![cfg.num_classes, cfg.widths[2]]));
    out.push(("fc.bias".into(), vec![cfg.num_classes]));
    out
}

/// Checks names, shapes and dtypes of a checkpoint against `cfg`, naming the first offender.
pub fn check_tensors(cfg: &Config, tensors: &HashMap<String, Tensor>) -> Result<()> {
    let expected = expected_tensors(cfg);
    for (name, shape) in &expected {
        let t = tensors.get(name).ok_or_else(|| {
            Error::Weights(format!(
                "tensor {name} is missing (is this the right weights file?)"
            ))
        })?;
        if t.dims() != shape.as_slice() {
            return Err(Error::Weights(format!(
                "tensor {name} has shape {:?}, the config needs {shape:?}",
                t.dims()
            )));
        }
        block::expect_f32(name, t)?;
    }
    let names: HashSet<&str> = expected.iter().map(|(n, _)| n.as_str()).collect();
    let mut extra: Vec<&String> = tensors
        .keys()
        .filter(|k| !names.contains(k.as_str()))
        .collect();
    extra.sort();
    if let Some(name) = extra.first() {
        return Err(Error::Weights(format!(
            "unexpected tensor {name} ({} unexpected in all; is this the right weights file?)",
            extra.len()
        )));
    }
    Ok(())
}

impl LcNet {
    /// Builds the network from a VarBuilder whose paths follow [`expected_tensors`].
    pub fn new(cfg: &Config, vb: VarBuilder) -> Result<Self> {
        cfg.validate()?;
        let stem = ConvBn::new(
            3,
            cfg.widths[0],
            3,
            1,
            cfg.bn_eps,
            vb.pp("stem.conv"),
            vb.pp("stem.bn"),
        )?;
        let blocks = trace::block_shapes(cfg)
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let vb = vb.pp(format!("stage{}", s.stage + 1)).pp(s.position);
                Block::new(cfg, i, s, vb)
            })
            .collect::<Result<Vec<_>>>()?;
        let fc = candle_nn::linear(cfg.widths[2], cfg.num_classes, vb.pp("fc"))?;
        Ok(Self {
            cfg: cfg.clone(),
            stem,
            blocks,
            fc_flat: gate::flat_linear(&fc)?,
            fc,
            device: vb.device().clone(),
        })
    }

    /// Loads a checkpoint held in memory (the browser's path).
    pub fn from_safetensors_bytes(bytes: &[u8], cfg: &Config, device: &Device) -> Result<Self> {
        let tensors = candle_core::safetensors::load_buffer(bytes, device)
            .map_err(|e| Error::Weights(format!("not a readable safetensors file: {e}")))?;
        Self::from_tensors(tensors, cfg, device)
    }

    /// Loads a checkpoint from disk through a memory map.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load(path: &std::path::Path, cfg: &Config, device: &Device) -> Result<Self> {
        // SAFETY: the file is only read; a concurrent writer would be a user error we accept,
        // as candle's own loaders do.
        let st = unsafe { candle_core::safetensors::MmapedSafetensors::new(path) }
            .map_err(|e| Error::Weights(format!("cannot read {}: {e}", path.display())))?;
        let mut tensors = HashMap::new();
        for (name, _) in st.tensors() {
            tensors.insert(name.clone(), st.load(&name, device)?);
        }
        Self::from_tensors(tensors, cfg, device)
    }

    fn from_tensors(
        tensors: HashMap<String, Tensor>,
        cfg: &Config,
        device: &Device,
    ) -> Result<Self> {
        cfg.validate()?;
        check_tensors(cfg, &tensors)?;
        Self::new(cfg, VarBuilder::from_tensors(tensors, DType::F32, device))
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The stem convolution (batch norm folded in), followed by ReLU in the network.
    pub fn stem(&self) -> &ConvBn {
        &self.stem
    }

    /// The classifier, `[classes, widths[2]]`.
    pub fn fc(&self) -> &Linear {
        &self.fc
    }

    /// Runs a batch. `Exec::Dynamic` and `Exec::Static` take one image at a time.
    ///
    /// # Shapes
    /// `x [B, 3, S, S]` (normalized) -> logits `[B, classes]` and one trace per image.
    pub fn forward(&self, x: &Tensor, exec: Exec, th: Thresholds) -> Result<(Tensor, Vec<Trace>)> {
        let (b, c, h, w) = x.dims4()?;
        match exec {
            Exec::Dynamic | Exec::Static => {
                let mut logits = Vec::with_capacity(b * self.cfg.num_classes);
                let mut traces = Vec::with_capacity(b);
                for i in 0..b {
                    let img = x.get(i)?.flatten_all()?.to_vec1::<f32>()?; // [3 * S * S]
                    let t = self.forward_one(&Planes::from_chw(c, h, w, &img), exec, th);
                    logits.extend_from_slice(&t.logits);
                    traces.push(t);
                }
                let logits = Tensor::from_vec(logits, (b, self.cfg.num_classes), &self.device)?;
                Ok((logits, traces))
            }
            Exec::DenseMasked | Exec::StaticDense => {
                let mut h = self.stem.forward(x)?.relu()?; // [B, w0, S, S]
                let mut per_block = Vec::with_capacity(self.blocks.len());
                for blk in &self.blocks {
                    if exec == Exec::StaticDense {
                        h = blk.forward_static(&h)?;
                        per_block.push(vec![
                            Decision {
                                l_gate: None,
                                ran: true,
                                c_gates: None,
                                kept: (0..blk.shape.planes).collect()
                            };
                            b
                        ]);
                    } else {
                        let (y, d) = blk.forward_dense_masked(&h, th)?;
                        h = y;
                        per_block.push(d);
                    }
                }
                let logits = self.head(&h)?; // [B, classes]
                let mut traces = Vec::with_capacity(b);
                for i in 0..b {
                    let decisions = per_block.iter().map(|d| d[i].clone()).collect();
                    traces.push(self.trace(&logits.narrow(0, i, 1)?, decisions, th)?);
                }
                Ok((logits, traces))
            }
        }
    }

    /// One image on the direct kernels: `Exec::Dynamic` skips, anything else runs every block
    /// and channel.
    ///
    /// # Shapes
    /// `x [3, S, S]` (normalized) -> the trace, logits `[classes]` inside.
    pub fn forward_one(&self, x: &Planes, exec: Exec, th: Thresholds) -> Trace {
        let relu = direct::Epilogue {
            residual: None,
            relu: true,
            scale: None,
        };
        let mut h = self.stem.forward_one(x, relu); // [w0, S, S]
        let mut decisions = Vec::with_capacity(self.blocks.len());
        for blk in &self.blocks {
            if exec == Exec::Dynamic {
                let (y, d) = blk.forward_dynamic(h, th);
                h = y;
                decisions.push(d);
            } else {
                h = blk.forward_one(&h);
                decisions.push(Decision {
                    l_gate: None,
                    ran: true,
                    c_gates: None,
                    kept: (0..blk.shape.planes).collect(),
                });
            }
        }
        let (w, b) = &self.fc_flat;
        let logits = direct::linear(w, b, &h.channel_means()); // [classes]
        self.trace_from(logits, decisions, th)
    }

    /// Global average pool and classifier: `[B, C, H, W]` -> `[B, classes]`.
    fn head(&self, h: &Tensor) -> Result<Tensor> {
        let pooled = h.mean(D::Minus1)?.mean(D::Minus1)?; // [B, C]
        gate::linear(&self.fc, &pooled)
    }

    fn trace(&self, logits: &Tensor, decisions: Vec<Decision>, th: Thresholds) -> Result<Trace> {
        let logits = logits.flatten_all()?.to_vec1::<f32>()?;
        Ok(self.trace_from(logits, decisions, th))
    }

    /// The trace of one image from its logits and per-block decisions (shared with the GPU path).
    pub(crate) fn trace_from(
        &self,
        logits: Vec<f32>,
        decisions: Vec<Decision>,
        th: Thresholds,
    ) -> Trace {
        let blocks: Vec<_> = self
            .blocks
            .iter()
            .zip(decisions)
            .map(|(blk, d)| blk.trace(d))
            .collect();
        let probs = softmax(&logits);
        let mut order: Vec<usize> = (0..probs.len()).collect();
        order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
        let class_prob = |i: usize| ClassProb {
            class: i,
            label: self.cfg.class_names[i].clone(),
            prob: probs[i],
        };
        Trace {
            prediction: class_prob(order[0]),
            top5: order.iter().take(5).map(|&i| class_prob(i)).collect(),
            tau_l: th.tau_l,
            tau_c: th.tau_c,
            macs: trace::rest_macs(&self.cfg) + blocks.iter().map(|b| b.macs).sum::<u64>(),
            static_macs: trace::static_macs(&self.cfg),
            blocks_run: blocks.iter().filter(|b| b.ran).count(),
            channels_kept: blocks.iter().map(|b| b.kept.len()).sum(),
            channels_total: blocks.iter().map(|b| b.planes).sum(),
            blocks,
            logits,
        }
    }

    /// Classifies one prepared image with real skipping.
    pub fn classify(&self, img: &Prepared, th: Thresholds) -> Result<Trace> {
        self.classify_with(img, Exec::Dynamic, th)
    }

    /// Classifies one prepared image on the given path.
    pub fn classify_with(&self, img: &Prepared, exec: Exec, th: Thresholds) -> Result<Trace> {
        let x = preprocess::to_tensor(&img.rgb, 1, &self.cfg, &self.device)?;
        let (_, mut traces) = self.forward(&x, exec, th)?;
        Ok(traces.remove(0))
    }
}

fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.iter().map(|e| e / sum).collect()
}
