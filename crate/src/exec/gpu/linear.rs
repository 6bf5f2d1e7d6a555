//! Rust side of `linear.wgsl`: the classifier.

use bytemuck::{Pod, Zeroable};

use super::{groups_for, Dispatch, GpuContext};
use crate::Result;

#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub(crate) struct Params {
    pub n_in: u32,
    pub n_out: u32,
    pub pad: [u32; 2],
}

impl Params {
    pub fn new(n_in: usize, n_out: usize) -> Self {
        Self {
            n_in: n_in as u32,
            n_out: n_out as u32,
            pad: [0; 2],
        }
    }

    pub fn groups(&self) -> [u32; 3] {
        [groups_for(self.n_out as usize), 1, 1]
    }
}

/// One-shot run on host data (for tests): `x [n_in]`, `weight [n_out, n_in]` -> `[n_out]`.
pub async fn run(ctx: &GpuContext, x: &[f32], weight: &[f32], bias: &[f32]) -> Result<Vec<f32>> {
    let p = Params::new(x.len(), bias.len());
    let out = ctx.scratch("linear out", bias.len());
    let bound = ctx.bind(
        &ctx.pipes.linear,
        &[
            &ctx.uniform("linear params", &p),
            &ctx.storage("x", x),
            &ctx.storage("w", weight),
            &ctx.storage("b", bias),
            &out,
        ],
    );
    let d = Dispatch::direct(bound, p.groups());
    Ok(super::f32s(&ctx.run_once(&[d], &out, bias.len()).await?))
}
