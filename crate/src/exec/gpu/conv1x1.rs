//! Rust side of `conv1x1.wgsl`: the projection shortcut of a block that changes width or size.

use super::conv3x3::ConvParams;
use super::{Dispatch, GpuContext};
use crate::Result;

/// One-shot run on host data (for tests): `x [C_in, H, W]`, `weight [C_out, C_in]` (or
/// `[C_out, C_in, 1, 1]`), `bias [C_out]` -> `[C_out, H', W']`.
pub async fn run(
    ctx: &GpuContext,
    x: &[f32],
    weight: &[f32],
    bias: &[f32],
    p: ConvParams,
) -> Result<Vec<f32>> {
    let words = p.c_out as usize * p.pixels_out();
    let out = ctx.scratch("conv1x1 out", words);
    let bound = ctx.bind(
        &ctx.pipes.conv1x1,
        &[
            &ctx.uniform("conv1x1 params", &p),
            &ctx.storage("x", x),
            &ctx.storage("w", weight),
            &ctx.storage("b", bias),
            &out,
        ],
    );
    let d = Dispatch::direct(bound, p.groups(p.c_out as usize));
    Ok(super::f32s(&ctx.run_once(&[d], &out, words).await?))
}
