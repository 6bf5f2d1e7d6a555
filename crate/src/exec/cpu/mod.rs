//! The CPU executor: one image at a time on its own kernels, with real skipping.
//!
//! candle's `conv2d` lowers every convolution to im2col + GEMM, and the dynamic path then also
//! paid for `index_select` copies and per-op tensor bookkeeping on ~60 small tensors per image,
//! so at batch 1 the skipped work did not turn into saved time. These kernels compute a 3x3
//! convolution from channel-major feature maps with a zero border, over exactly the channels
//! they are given: the caller names the kept filters and input columns ([`Filters`]), which are
//! read in place, the gate scales enter in the epilogue ([`Epilogue::scale`]), and a skipped
//! channel costs nothing. Stride-1 convolutions run as Winograd F(2x2, 3x3) on filters
//! transformed the first time they run (2.25x fewer multiplies); the two stride-2 ones and odd
//! sizes run the direct kernel. Both share one register-tile driver ([`tiling`]). candle's dense
//! path stays the reference both are tested against (`crate/tests/direct.rs`).
//!
//! The inner loops work on fixed-size lane arrays that LLVM turns into SIMD: wasm simd128 in the
//! browser (the build enables `+simd128`), SSE2 natively, and AVX2 + FMA where the CPU has them
//! (chosen at run time by `multiversion`). The web build also makes a relaxed-SIMD module, whose
//! multiply-adds are `f32x4.relaxed_madd` (fused where the CPU has FMA); the page loads it where
//! the browser supports relaxed SIMD.
mod conv3x3;
mod dense;
mod filters;
mod planes;
mod tiling;
mod winograd;

pub use conv3x3::{conv3x3, conv3x3_filters};
pub use dense::{conv1x1, linear};
pub use filters::{Epilogue, Filters};
pub use planes::{relu, Planes};
pub use winograd::transform_filters;

use std::future::Future;

use super::{Executor, Mode};
use crate::decision::{Decision, Thresholds};
use crate::model::{Block, Conv, Gate, LcNet};
use crate::{preprocess, EmptyBlock, Result, Trace};

/// Runs an [`LcNet`] on the CPU kernels (free to make: it borrows the network).
#[derive(Debug, Clone, Copy)]
pub struct Cpu<'a> {
    net: &'a LcNet,
}

impl<'a> Cpu<'a> {
    pub fn new(net: &'a LcNet) -> Self {
        Self { net }
    }

    /// One normalized image through the network.
    ///
    /// # Shapes
    /// `x [3, S, S]` (normalized) -> the trace, logits `[classes]` inside.
    pub fn forward(&self, x: &Planes, mode: Mode, th: Thresholds) -> Trace {
        let mut h = conv(self.net.stem(), x, RELU); // [w0, S, S]
        let mut decisions = Vec::with_capacity(self.net.blocks().len());
        let empty = self.net.config().empty_block;
        for blk in self.net.blocks() {
            let (y, d) = match mode {
                Mode::Dynamic => block_dynamic(blk, h, th, empty),
                Mode::Static => (block_static(blk, &h), Decision::all_kept(blk.shape.planes)),
            };
            h = y; // [P, H', W']
            decisions.push(d);
        }
        let fc = self.net.fc();
        let logits = linear(&fc.weight, &fc.bias, &h.channel_means()); // [classes]
        Trace::new(self.net, logits, decisions, th)
    }
}

impl Executor for Cpu<'_> {
    fn net(&self) -> &LcNet {
        self.net
    }

    /// Computes at once: the future is ready when returned.
    fn run(
        &self,
        images: &[&[u8]],
        mode: Mode,
        th: Thresholds,
    ) -> impl Future<Output = Result<Vec<Trace>>> {
        let cfg = self.net.config();
        let s = cfg.image_size;
        std::future::ready(
            images
                .iter()
                .map(|rgb| {
                    let x = Planes::from_chw(3, s, s, &preprocess::normalize(rgb, cfg)?);
                    Ok(self.forward(&x, mode, th))
                })
                .collect(),
        )
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

/// A whole folded convolution (3x3 or 1x1).
fn conv(c: &Conv, x: &Planes, ep: Epilogue) -> Planes {
    if c.k == 1 {
        let y = conv1x1(x, &c.weight, &c.bias, c.stride);
        if ep.relu {
            y.relu()
        } else {
            y
        }
    } else {
        conv3x3_filters(x, Filters::of(c), &c.bias, c.stride, ep)
    }
}

/// `pooled -> fc1 -> ReLU -> fc2 -> clamp(0, 1)`.
///
/// # Shapes
/// `pooled [C_in]` -> gates `[out]`, each in [0, 1].
fn gate(g: &Gate, pooled: &[f32]) -> Vec<f32> {
    let h: Vec<f32> = linear(&g.fc1.weight, &g.fc1.bias, pooled)
        .into_iter()
        .map(relu)
        .collect();
    linear(&g.fc2.weight, &g.fc2.bias, &h)
        .into_iter()
        .map(|v| v.clamp(0.0, 1.0))
        .collect()
}

/// Real skipping for one image: the L-Net runs first; a skipped block runs neither its C-Net
/// nor its convolutions (nor, with [`EmptyBlock::Skip`], a block whose C-Net closed every
/// channel: only its C-Net ran); a kept block's conv1 computes only the kept output channels, each
/// scaled by its C-gate after the ReLU, and conv2 reads only those channels, its output
/// scaled by the L-gate before the shortcut is added (`relu(g * bn2(conv2(c * h)) + x)`).
/// Both read the kept filters and columns of their weights in place.
///
/// # Shapes
/// `x [C_in, H, W]` -> `[P, H / stride, W / stride]`.
/// Takes `x` by value: a skipped identity block returns it as its output, without a copy.
fn block_dynamic(blk: &Block, x: Planes, th: Thresholds, empty: EmptyBlock) -> (Planes, Decision) {
    let planes = blk.shape.planes;
    let Some(gates) = &blk.gates else {
        return (
            block_static(blk, &x),
            Decision::from_gates(planes, None, None, th, empty),
        );
    };
    let pooled = x.channel_means(); // [C_in]
    let g = gate(&gates.lnet, &pooled)[0];
    let c = (g > th.tau_l).then(|| gate(&gates.cnet, &pooled)); // [P]
    let d = Decision::from_gates(planes, Some(g), c, th, empty);
    if !d.ran {
        // `relu(x + 0)`; without a projection that is `x` itself: every block's input is a
        // ReLU's output (the stem's or the previous block's), so already >= 0.
        let y = match &blk.projection {
            Some(sc) => conv(sc, &x, RELU),
            None => x,
        };
        return (y, d);
    }
    if d.kept.is_empty() {
        // Running with no channel: conv2 sums nothing, so the block is `relu(g * b2 + shortcut)`,
        // computed in place on the shortcut, without either convolution's buffers.
        let mut y = match &blk.projection {
            Some(sc) => conv(sc, &x, NO_RELU),
            None => x,
        };
        let gb: Vec<f32> = blk.conv2.bias.iter().map(|b| b * g).collect();
        y.add_relu(&gb);
        return (y, d);
    }
    let x = &x;
    let c = d.c_gates.as_deref().unwrap_or_default();
    let (c1, c2, kept) = (&blk.conv1, &blk.conv2, &d.kept);
    // conv1 computes only the kept filters, read in place, each output scaled by its C-gate
    // after the ReLU (the gates are >= 0): h [k, H', W'].
    let b1k: Vec<f32> = kept.iter().map(|&o| c1.bias[o]).collect();
    let ck: Vec<f32> = kept.iter().map(|&o| c[o]).collect();
    let f1 = Filters {
        rows: Some(kept),
        ..Filters::of(c1)
    };
    let ep1 = Epilogue {
        scale: Some(&ck),
        ..RELU
    };
    let h = conv3x3_filters(x, f1, &b1k, c1.stride, ep1);

    // conv2 reads only those channels (the kept columns of its weights, in place); the
    // L-gate scales the branch before the shortcut is added.
    let f2 = Filters {
        cols: Some(kept),
        ..Filters::of(c2)
    };
    let gs = vec![g; planes];
    let ep2 = |r| Epilogue {
        scale: Some(&gs),
        ..residual_relu(r)
    };
    let y = match &blk.projection {
        Some(sc) => {
            let sc = conv(sc, x, NO_RELU);
            conv3x3_filters(&h, f2, &c2.bias, 1, ep2(&sc))
        }
        None => conv3x3_filters(&h, f2, &c2.bias, 1, ep2(x)),
    };
    (y, d) // [P, H', W']
}

/// The static block: every channel of both convolutions.
///
/// # Shapes
/// `x [C_in, H, W]` -> `[P, H / stride, W / stride]`.
fn block_static(blk: &Block, x: &Planes) -> Planes {
    let h = conv(&blk.conv1, x, RELU);
    match &blk.projection {
        Some(sc) => conv(&blk.conv2, &h, residual_relu(&conv(sc, x, NO_RELU))),
        None => conv(&blk.conv2, &h, residual_relu(x)),
    }
}
