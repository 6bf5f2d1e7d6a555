//! Rust side of `conv3x3.wgsl`: the 3x3 convolutions of the stem and of every block, dense or
//! over the kept-channel list that `decide` wrote.

use bytemuck::{Pod, Zeroable};

use super::{groups_for, Dispatch, GpuContext};
use crate::Result;

/// Apply ReLU to the output.
pub const RELU: u32 = 1;
/// Compute only the kept output channels, written compactly (conv1 of a block).
pub const OUT_LIST: u32 = 2;
/// Read a compact input of kept channels with per-channel scales (conv2 of a block).
pub const IN_LIST: u32 = 4;

/// The uniform block of `conv3x3.wgsl` and `conv1x1.wgsl` (square feature maps).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct ConvParams {
    pub c_in: u32,
    pub c_out: u32,
    pub h_in: u32,
    pub w_in: u32,
    pub h_out: u32,
    pub w_out: u32,
    pub stride: u32,
    pub flags: u32,
    /// Images the selection buffer has room for.
    pub batch: u32,
    pub pad: [u32; 3],
}

impl ConvParams {
    /// A convolution with `padding = k / 2` over a `size x size` input.
    pub fn new(c_in: usize, c_out: usize, size: usize, stride: usize, flags: u32) -> Self {
        let out = crate::model::geometry::out_size(size, stride) as u32;
        Self {
            c_in: c_in as u32,
            c_out: c_out as u32,
            h_in: size as u32,
            w_in: size as u32,
            h_out: out,
            w_out: out,
            stride: stride as u32,
            flags,
            batch: 1,
            pad: [0; 3],
        }
    }

    /// The same convolution reading a selection buffer for `batch` images.
    pub fn with_batch(self, batch: usize) -> Self {
        Self {
            batch: batch as u32,
            ..self
        }
    }

    pub fn pixels_out(&self) -> usize {
        (self.h_out * self.w_out) as usize
    }

    /// Workgroups for all `rows` output channels of one image.
    pub(crate) fn groups(&self, rows: usize) -> [u32; 3] {
        [groups_for(self.pixels_out()), rows as u32, 1]
    }
}

/// One-shot run on host data (for tests), one image: `x [C, H, W]` (compact kept channels with
/// `IN_LIST`), `weight [C_out, C_in, 3, 3]`, `bias [C_out]`, `sel` as laid out by
/// [`super::decide::selection`] for one image. Returns `[rows, H', W']`, rows = kept count with
/// `OUT_LIST`.
pub async fn run(
    ctx: &GpuContext,
    x: &[f32],
    weight: &[f32],
    bias: &[f32],
    sel: &[u32],
    p: ConvParams,
) -> Result<Vec<f32>> {
    // As `decide` arms them: conv1 over the batch's pairs, conv2 over the running images.
    let (rows, groups) = if p.flags & OUT_LIST != 0 {
        (sel[1] as usize, [groups_for(p.pixels_out()), sel[1], 1])
    } else if p.flags & IN_LIST != 0 {
        let g = p.groups(p.c_out as usize);
        (p.c_out as usize * sel[0] as usize, [g[0], g[1], sel[0]])
    } else {
        (p.c_out as usize, p.groups(p.c_out as usize))
    };
    let words = rows * p.pixels_out();
    let out = ctx.scratch("conv3x3 out", words);
    let bound = ctx.bind(
        &ctx.pipes.conv3x3,
        &[
            &ctx.uniform("conv3x3 params", &p),
            &ctx.storage("x", x),
            &ctx.storage("w", weight),
            &ctx.storage("b", bias),
            &ctx.storage("sel", sel),
            &out,
        ],
    );
    let d = Dispatch::direct(bound, groups);
    Ok(super::f32s(&ctx.run_once(&[d], &out, words).await?))
}
