//! The WebGPU executor (wgpu): the same LC-Net as [`crate::model`], with real skipping decided on
//! the GPU.
//!
//! A [`GpuContext`] holds the device, the queue and every compute pipeline, built once. A
//! [`GpuModel`] uploads one network's folded weights and preallocates every buffer for a batch
//! of up to B images (B = 1 for single pictures). Per batch, the whole network is encoded into
//! one command buffer: the gate kernels and `decide` write, per block, the list of images that
//! run it, the (image, kept channel) pairs of the batch and the indirect dispatch arguments of
//! the following convolutions, so work follows what runs (zero workgroups for skipped blocks and
//! channels) and nothing comes back to the CPU until one final readback of the logits and the
//! trace records of every image.
//!
//! One `.wgsl` file per kernel (assembled in `shaders.rs`); the Rust side of each kernel sits next
//! to it and also offers a
//! one-shot `run` on plain slices, which the `<kernel>_matches_reference` tests use.

mod context;
pub mod conv1x1;
pub mod conv3x3;
pub mod decide;
pub mod gate;
pub mod linear;
mod model;
pub mod pool;
mod record;
pub mod residual;
mod shaders;

pub use context::GpuContext;
pub(crate) use context::{f32s, groups_for, Bound, Dispatch};
pub use model::GpuModel;
