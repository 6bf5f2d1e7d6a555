//! The reference executor: the network through candle's batched `conv2d`, nothing skipped.
//!
//! `Mode::Static` is the plain ResNet; `Mode::Dynamic` is the dense masked form of LC-Net
//! (every convolution computed in full, then multiplied by the gate masks: 0 for skipped blocks
//! and channels), which is what `weights/train/model.py` trains. Its results define what the
//! skipping executors must reproduce; it is never the fast path.

use candle_core::{Device, Tensor, D};

use super::{Executor, Mode};
use crate::decision::{Decision, Thresholds};
use crate::model::{Conv, Dense, Gate, LcNet};
use crate::{preprocess, EmptyBlock, Result, Trace};

/// Images per `conv2d` batch.
const BATCH: usize = 100;

/// candle tensors of one convolution (`[C_out, C_in, k, k]`, `[C_out]`).
struct ConvT {
    w: Tensor,
    b: Tensor,
    stride: usize,
    padding: usize,
}

/// candle tensors of one fully connected layer (`[out, in]`, `[out]`).
struct DenseT {
    w: Tensor,
    b: Tensor,
}

struct BlockT {
    conv1: ConvT,
    conv2: ConvT,
    projection: Option<ConvT>,
    /// (L-Net, C-Net), each (fc1, fc2).
    gates: Option<[[DenseT; 2]; 2]>,
}

/// An [`LcNet`] as candle tensors on a device.
pub struct Reference<'a> {
    net: &'a LcNet,
    device: Device,
    stem: ConvT,
    blocks: Vec<BlockT>,
    fc: DenseT,
}

impl ConvT {
    fn new(c: &Conv, dev: &Device) -> Result<Self> {
        Ok(Self {
            w: Tensor::from_slice(&c.weight, (c.c_out, c.c_in, c.k, c.k), dev)?,
            b: Tensor::from_slice(&c.bias, (1, c.c_out, 1, 1), dev)?,
            stride: c.stride,
            padding: c.padding(),
        })
    }

    /// # Shapes
    /// `x [B, C_in, H, W]` -> `[B, C_out, H / stride, W / stride]`.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let y = x.conv2d(&self.w, self.padding, self.stride, 1, 1)?;
        let (_, c_in, kh, kw) = self.w.dims4()?;
        crate::counter::add(y.elem_count() * c_in * kh * kw);
        Ok(y.broadcast_add(&self.b)?)
    }
}

impl DenseT {
    fn new(l: &Dense, dev: &Device) -> Result<Self> {
        Ok(Self {
            w: Tensor::from_slice(&l.weight, (l.n_out, l.n_in), dev)?,
            b: Tensor::from_slice(&l.bias, l.n_out, dev)?,
        })
    }

    /// # Shapes
    /// `x [B, in]` -> `[B, out]`.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        crate::counter::add(x.dim(0)? * self.w.elem_count());
        Ok(x.matmul(&self.w.t()?)?.broadcast_add(&self.b)?)
    }
}

fn gate_t(g: &Gate, dev: &Device) -> Result<[DenseT; 2]> {
    Ok([DenseT::new(&g.fc1, dev)?, DenseT::new(&g.fc2, dev)?])
}

/// `pooled [B, C_in]` -> gates `[B, out]` in [0, 1] (fc1 -> ReLU -> fc2 -> clamp).
fn gate(g: &[DenseT; 2], pooled: &Tensor) -> Result<Tensor> {
    let h = g[0].forward(pooled)?.relu()?; // [B, hidden]
    Ok(g[1].forward(&h)?.clamp(0f32, 1f32)?)
}

impl<'a> Reference<'a> {
    pub fn new(net: &'a LcNet, device: &Device) -> Result<Self> {
        let blocks = net
            .blocks()
            .iter()
            .map(|b| {
                Ok(BlockT {
                    conv1: ConvT::new(&b.conv1, device)?,
                    conv2: ConvT::new(&b.conv2, device)?,
                    projection: b
                        .projection
                        .as_ref()
                        .map(|c| ConvT::new(c, device))
                        .transpose()?,
                    gates: match &b.gates {
                        Some(g) => Some([gate_t(&g.lnet, device)?, gate_t(&g.cnet, device)?]),
                        None => None,
                    },
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            net,
            device: device.clone(),
            stem: ConvT::new(net.stem(), device)?,
            blocks,
            fc: DenseT::new(net.fc(), device)?,
        })
    }

    /// Runs a batch.
    ///
    /// # Shapes
    /// `x [B, 3, S, S]` (normalized) -> logits `[B, classes]` and one trace per image.
    pub fn forward(&self, x: &Tensor, mode: Mode, th: Thresholds) -> Result<(Tensor, Vec<Trace>)> {
        let b = x.dim(0)?;
        let mut h = self.stem.forward(x)?.relu()?; // [B, w0, S, S]
        let mut per_block = Vec::with_capacity(self.blocks.len());
        for (blk, t) in self.net.blocks().iter().zip(&self.blocks) {
            let planes = blk.shape.planes;
            let (y, d) = match (mode, &t.gates) {
                (Mode::Dynamic, Some(g)) => {
                    dense_masked(t, g, &h, planes, th, self.net.config().empty_block)?
                }
                _ => (block_static(t, &h)?, vec![Decision::all_kept(planes); b]),
            };
            h = y; // [B, P, H', W']
            per_block.push(d);
        }
        let pooled = h.mean(D::Minus1)?.mean(D::Minus1)?; // [B, C]
        let logits = self.fc.forward(&pooled)?; // [B, classes]
        let rows = logits.to_vec2::<f32>()?;
        let traces = rows
            .into_iter()
            .enumerate()
            .map(|(i, l)| {
                let decisions = per_block.iter().map(|d| d[i].clone()).collect();
                Trace::new(self.net, l, decisions, th)
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
        Ok(Tensor::from_vec(
            data,
            (images.len(), 3, s, s),
            &self.device,
        )?)
    }
}

impl Executor for Reference<'_> {
    fn net(&self) -> &LcNet {
        self.net
    }

    fn run(&self, images: &[&[u8]], mode: Mode, th: Thresholds) -> Result<Vec<Trace>> {
        let mut traces = Vec::with_capacity(images.len());
        for chunk in images.chunks(BATCH) {
            traces.extend(self.forward(&self.input(chunk)?, mode, th)?.1);
        }
        Ok(traces)
    }
}

fn shortcut(t: &BlockT, x: &Tensor) -> Result<Tensor> {
    match &t.projection {
        Some(sc) => sc.forward(x),
        None => Ok(x.clone()),
    }
}

/// The static ResNet block: no gates, everything computed.
fn block_static(t: &BlockT, x: &Tensor) -> Result<Tensor> {
    let h = t.conv1.forward(x)?.relu()?;
    let branch = t.conv2.forward(&h)?;
    Ok((shortcut(t, x)? + branch)?.relu()?)
}

/// Every convolution computed in full, then multiplied by the gate masks.
///
/// # Shapes
/// `x [B, C_in, H, W]` -> `[B, P, H / stride, W / stride]`, one decision per image.
fn dense_masked(
    t: &BlockT,
    g: &[[DenseT; 2]; 2],
    x: &Tensor,
    planes: usize,
    th: Thresholds,
    empty: EmptyBlock,
) -> Result<(Tensor, Vec<Decision>)> {
    let pooled = x.mean(D::Minus1)?.mean(D::Minus1)?; // [B, C_in]
    let l = gate(&g[0], &pooled)?.flatten_all()?.to_vec1::<f32>()?; // [B]
    let c = gate(&g[1], &pooled)?.to_vec2::<f32>()?; // [B][P]
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
    let h = t.conv1.forward(x)?.relu()?.broadcast_mul(&c_mask)?;
    let branch = t.conv2.forward(&h)?.broadcast_mul(&g_mask)?;
    Ok(((shortcut(t, x)? + branch)?.relu()?, decisions))
}
