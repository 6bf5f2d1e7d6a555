//! Rust side of `residual.wgsl`: the end of a block, `relu(shortcut + branch)`, or
//! `relu(shortcut)` when the block was skipped; in place for identity shortcuts.

use bytemuck::{Pod, Zeroable};

use super::{groups_for, Dispatch, GpuContext};
use crate::Result;

#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub(crate) struct Params {
    /// Elements per image.
    pub n: u32,
    pub flags: u32,
    pub batch: u32,
    pub planes: u32,
}

/// `main` reads whether each image's block ran from the selection buffer.
pub const GATED: u32 = 1;
/// `add_into` runs over the running images listed in the selection buffer.
pub const RUNNING: u32 = 2;

impl Params {
    pub fn new(n: usize, flags: u32, batch: usize, planes: usize) -> Self {
        Self {
            n: n as u32,
            flags,
            batch: batch as u32,
            planes: planes as u32,
        }
    }
}

fn one_image(ran: bool) -> Vec<u32> {
    let chosen = super::decide::Chosen {
        ran,
        l_gate: 1.0,
        kept: vec![],
        scales: vec![],
    };
    super::decide::selection(0, &[chosen])
}

/// One-shot run of `main` on host data (for tests), one image; `ran` plays the block's decision.
pub async fn run(
    ctx: &GpuContext,
    shortcut: &[f32],
    branch: &[f32],
    ran: bool,
) -> Result<Vec<f32>> {
    let n = shortcut.len();
    let out = ctx.scratch("residual out", n);
    let bound = ctx.bind(
        &ctx.pipes.residual,
        &[
            &ctx.uniform("residual params", &Params::new(n, GATED, 1, 0)),
            &ctx.storage("branch", branch),
            &ctx.storage("sel", &one_image(ran)),
            &out,
            &ctx.storage("shortcut", shortcut),
        ],
    );
    let d = Dispatch::direct(bound, [groups_for(n), 1, 1]);
    Ok(super::f32s(&ctx.run_once(&[d], &out, n).await?))
}

/// One-shot run of `add_into` on host data (for tests), one image listed as running or not:
/// `x` in place, or untouched when its block was skipped (zero workgroups, as `decide` arms).
pub async fn run_into(ctx: &GpuContext, x: &[f32], branch: &[f32], ran: bool) -> Result<Vec<f32>> {
    let n = x.len();
    let sel = one_image(ran);
    let inout = ctx.storage("x", x);
    let bound = ctx.bind(
        &ctx.pipes.residual_into,
        &[
            &ctx.uniform("residual params", &Params::new(n, RUNNING, 1, 0)),
            &ctx.storage("branch", branch),
            &ctx.storage("sel", &sel),
            &inout,
        ],
    );
    let d = Dispatch::direct(bound, [groups_for(n), 1, sel[0]]);
    Ok(super::f32s(&ctx.run_once(&[d], &inout, n).await?))
}
