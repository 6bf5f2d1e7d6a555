//! The executors: three ways to run one [`LcNet`], behind one small interface (RGB images in,
//! one [`Trace`] per image out). Decisions ([`crate::decision`]), traces and MAC accounting
//! ([`crate::trace`]) are built in one shared place, so the executors' traces compare field by
//! field.
//!
//! - [`reference::Reference`]: candle's batched `conv2d`, static and dense masked (every
//!   convolution computed, gates applied as masks). The oracle every other executor and kernel
//!   is tested against (native only: the browser build leaves candle out).
//! - [`cpu::Cpu`]: its own kernels (Winograd and direct), one image at a time, real skipping (the
//!   browser's CPU path).
//! - [`gpu::GpuModel`]: WGSL kernels through wgpu (WebGPU in the browser, Vulkan natively), gates
//!   decided on the GPU, B images per submission, one readback per batch. Its `run` is `async`
//!   (a readback is a future on the web) but has the same arguments and result as
//!   [`Executor::run`].

pub mod cpu;
pub mod gpu;
#[cfg(not(target_arch = "wasm32"))]
pub mod reference;

use crate::decision::Thresholds;
use crate::model::LcNet;
use crate::preprocess::Prepared;
use crate::{Result, Trace};

/// What to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// LC-Net: the gates decide per image which blocks and channels run.
    Dynamic,
    /// The plain ResNet on the same weights: no gates, every block and channel (the cost the
    /// static MACs count).
    Static,
}

/// Runs a network on images.
pub trait Executor {
    /// The network this executor runs.
    fn net(&self) -> &LcNet;

    /// Classifies `images` (each `size * size * 3` RGB bytes, as [`Prepared::rgb`]): one trace
    /// per image, in order.
    fn run(&self, images: &[&[u8]], mode: Mode, th: Thresholds) -> Result<Vec<Trace>>;

    /// One prepared image with real skipping.
    fn classify(&self, img: &Prepared, th: Thresholds) -> Result<Trace> {
        let mut traces = self.run(&[&img.rgb], Mode::Dynamic, th)?;
        Ok(traces.remove(0))
    }
}
