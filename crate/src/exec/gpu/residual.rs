//! Rust side of `residual.wgsl`: the end of a block, `relu(shortcut + branch)`, or
//! `relu(shortcut)` when the block was skipped.

use bytemuck::{Pod, Zeroable};

use super::{groups_for, Dispatch, GpuContext};
use crate::Result;

pub(crate) const WGSL: &str = include_str!("residual.wgsl");

#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub(crate) struct Params {
    pub n: u32,
    pub pad: [u32; 3],
}

impl Params {
    pub fn new(n: usize) -> Self {
        Self {
            n: n as u32,
            pad: [0; 3],
        }
    }
}

/// One-shot run on host data (for tests); `ran` plays the block's decision.
pub async fn run(
    ctx: &GpuContext,
    shortcut: &[f32],
    branch: &[f32],
    ran: bool,
) -> Result<Vec<f32>> {
    let n = shortcut.len();
    let out = ctx.scratch("residual out", n);
    let sel = super::decide::selection(0, ran, 1.0, &[], &[]);
    let bound = ctx.bind(
        &ctx.pipes.residual,
        &[
            &ctx.uniform("residual params", &Params::new(n)),
            &ctx.storage("shortcut", shortcut),
            &ctx.storage("branch", branch),
            &ctx.storage("sel", &sel),
            &out,
        ],
    );
    let d = Dispatch::direct(bound, [groups_for(n), 1, 1]);
    Ok(super::f32s(&ctx.run_once(&[d], &out, n).await?))
}
