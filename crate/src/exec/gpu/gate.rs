//! Rust side of `gate.wgsl`: an L-Net or C-Net on the pooled block input.

use bytemuck::{Pod, Zeroable};

use super::{Dispatch, GpuContext};
use crate::{Error, Result};

/// Hidden units the kernel's workgroup memory holds (`MAX_HIDDEN` in the shader).
pub const MAX_HIDDEN: usize = 256;

#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub(crate) struct Params {
    pub c_in: u32,
    pub hidden: u32,
    pub n_out: u32,
    pub flags: u32,
}

/// Run for the running images listed in the selection buffer (workgroup z = list position).
pub const RUNNING: u32 = 1;

impl Params {
    pub fn new(c_in: usize, hidden: usize, n_out: usize) -> Result<Self> {
        if hidden > MAX_HIDDEN {
            return Err(Error::Gpu(format!(
                "gates with {hidden} hidden units are not supported (at most {MAX_HIDDEN})"
            )));
        }
        Ok(Self {
            c_in: c_in as u32,
            hidden: hidden as u32,
            n_out: n_out as u32,
            flags: 0,
        })
    }

    /// The same gate over the running images of a selection buffer (the C-Net).
    pub fn running(self) -> Self {
        Self {
            flags: RUNNING,
            ..self
        }
    }
}

/// The two layers of a gate as host data: `w1 [hidden, C_in]`, `b1`, `w2 [out, hidden]`, `b2`.
pub struct GateWeights<'a> {
    pub w1: &'a [f32],
    pub b1: &'a [f32],
    pub w2: &'a [f32],
    pub b2: &'a [f32],
}

/// One-shot run on host data (for tests), one image: `pooled [C_in]` -> gates `[out]` in [0, 1].
pub async fn run(ctx: &GpuContext, pooled: &[f32], g: GateWeights<'_>) -> Result<Vec<f32>> {
    let p = Params::new(pooled.len(), g.b1.len(), g.b2.len())?;
    let out = ctx.scratch("gate out", g.b2.len());
    let bound = ctx.bind(
        &ctx.pipes.gate,
        &[
            &ctx.uniform("gate params", &p),
            &ctx.storage("pooled", pooled),
            &ctx.storage("w1", g.w1),
            &ctx.storage("b1", g.b1),
            &ctx.storage("w2", g.w2),
            &ctx.storage("b2", g.b2),
            &ctx.storage("no selection", &[0u32]),
            &out,
        ],
    );
    let d = Dispatch::direct(bound, [1, 1, 1]);
    Ok(super::f32s(&ctx.run_once(&[d], &out, g.b2.len()).await?))
}
