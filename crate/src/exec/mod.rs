//! The executors: three ways to run one [`LcNet`], behind one interface ([`Executor`]: RGB
//! images in, one [`Trace`] per image out), which `eval`, `bench`, the CLI and the wasm bindings
//! take whatever the executor. Decisions ([`crate::decision`]), traces and MAC accounting
//! ([`crate::trace`], [`crate::model::geometry`]) are built in one shared place, so the
//! executors' traces compare field by field.
//!
//! - [`reference::Reference`]: the network as candle-nn modules (conv, batch norm, linear, the
//!   gates) built from a `VarBuilder` over the weights file, on any candle device; static, and
//!   dense masked for LC-Net (every convolution computed, gates applied as masks, as
//!   `weights/train/model.py` trains). The oracle every other executor and kernel is tested
//!   against, natively and in the browser's reference module (feature `reference`).
//! - [`cpu::Cpu`]: its own kernels (Winograd and direct), one image at a time, real skipping (the
//!   browser's CPU path).
//! - [`gpu::GpuModel`]: WGSL kernels through wgpu (WebGPU in the browser, Vulkan natively), gates
//!   decided on the GPU, B images per submission, one readback per batch.
//!
//! [`Executor::run`] is asynchronous because a GPU readback is a future in the browser; the CPU
//! executors' futures are ready at once. [`Executor::run_now`] waits for it: natively on any
//! executor, in the browser on those that are ready at once (nothing may block there).

pub mod cpu;
pub mod gpu;
#[cfg(feature = "reference")]
pub mod reference;

use crate::decision::Thresholds;
use crate::model::LcNet;
use crate::preprocess::Prepared;
use std::future::Future;

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
    fn run(
        &self,
        images: &[&[u8]],
        mode: Mode,
        th: Thresholds,
    ) -> impl Future<Output = Result<Vec<Trace>>>;

    /// [`Executor::run`], waited for (see [`wait`]).
    fn run_now(&self, images: &[&[u8]], mode: Mode, th: Thresholds) -> Result<Vec<Trace>> {
        wait(self.run(images, mode, th))
    }

    /// One prepared image with real skipping, waited for.
    fn classify(&self, img: &Prepared, th: Thresholds) -> Result<Trace> {
        let mut traces = self.run_now(&[&img.rgb], Mode::Dynamic, th)?;
        Ok(traces.remove(0))
    }
}

/// The result of an executor's future: natively it blocks until the result is there; in the
/// browser, where nothing may block, only a result that is ready at once (the CPU executors')
/// can be had, and any other is an error that says to await it.
pub fn wait<T, E: From<crate::Error>>(
    f: impl Future<Output = std::result::Result<T, E>>,
) -> std::result::Result<T, E> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        pollster::block_on(f)
    }
    #[cfg(target_arch = "wasm32")]
    {
        use std::task::{Context, Poll, Waker};
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(r) => r,
            Poll::Pending => Err(crate::Error::Gpu(
                "this executor's result is not ready at once: await it".into(),
            )
            .into()),
        }
    }
}
