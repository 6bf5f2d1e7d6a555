//! Rust side of `pool.wgsl`: global average pooling, before every gate and the classifier.

use bytemuck::{Pod, Zeroable};

use super::{groups_for, Dispatch, GpuContext};
use crate::Result;

#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub(crate) struct Params {
    pub c: u32,
    pub hw: u32,
    pub pad: [u32; 2],
}

impl Params {
    pub fn new(c: usize, hw: usize) -> Self {
        Self {
            c: c as u32,
            hw: hw as u32,
            pad: [0; 2],
        }
    }

    pub fn groups(&self) -> [u32; 3] {
        [groups_for(self.c as usize), 1, 1]
    }
}

/// One-shot run on host data (for tests): `x [C, H*W]` -> `[C]`.
pub async fn run(ctx: &GpuContext, x: &[f32], c: usize) -> Result<Vec<f32>> {
    let p = Params::new(c, x.len() / c);
    let out = ctx.scratch("pool out", c);
    let bound = ctx.bind(
        &ctx.pipes.pool,
        &[&ctx.uniform("pool params", &p), &ctx.storage("x", x), &out],
    );
    let d = Dispatch::direct(bound, p.groups());
    Ok(super::f32s(&ctx.run_once(&[d], &out, c).await?))
}
