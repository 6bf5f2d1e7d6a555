//! A whole LC-Net on the GPU: weights uploaded once, every buffer preallocated for a batch of B
//! images, and the program recorded once as a list of dispatches that is replayed per batch.

use super::decide::{self, ThresholdParams};
use super::{record, Dispatch, GpuContext};
use crate::decision::{Decision, Thresholds};
use crate::exec::{Executor, Mode};
use crate::model::LcNet;
use crate::{preprocess, Error, Result, Trace};

/// An [`LcNet`] ready to run on a [`GpuContext`].
#[derive(Debug)]
pub struct GpuModel {
    ctx: GpuContext,
    net: LcNet,
    /// Images per submission at most.
    batch: usize,
    input: wgpu::Buffer,
    thresholds: wgpu::Buffer,
    logits: wgpu::Buffer,
    trace: wgpu::Buffer,
    /// Start of each block's record in an image's trace (words).
    records: Vec<usize>,
    /// Words of one image's trace.
    trace_words: usize,
    /// Gates decide on the GPU; skipped blocks and channels get zero workgroups.
    dynamic: Vec<Dispatch>,
    /// The plain ResNet: no gates, every block and channel.
    full: Vec<Dispatch>,
}

impl GpuModel {
    /// Uploads `net`'s folded weights and records both programs (dynamic and static) for one
    /// image at a time.
    pub fn new(ctx: &GpuContext, net: &LcNet) -> Result<Self> {
        Self::with_batch(ctx, net, 1)
    }

    /// Uploads `net`'s folded weights and records both programs for batches of up to `batch`
    /// images in one submission.
    pub fn with_batch(ctx: &GpuContext, net: &LcNet, batch: usize) -> Result<Self> {
        let max_c = net.config().widths.iter().copied().max().unwrap_or(1);
        if batch == 0 || batch > decide::MAX_BATCH || batch * max_c > u16::MAX as usize {
            return Err(Error::Gpu(format!(
                "a GPU batch holds 1 to {} images (at most {} channels in all), not {batch}",
                decide::MAX_BATCH,
                u16::MAX
            )));
        }
        let p = record::record(ctx, net, batch)?;
        Ok(Self {
            ctx: ctx.clone(),
            net: net.clone(),
            batch,
            input: p.input,
            thresholds: p.thresholds,
            logits: p.logits,
            trace: p.trace,
            records: p.records,
            trace_words: p.trace_words,
            dynamic: p.dynamic,
            full: p.full,
        })
    }

    /// The device, queue and pipelines it runs on.
    pub fn context(&self) -> &GpuContext {
        &self.ctx
    }

    /// Images per submission at most (1 unless built by [`GpuModel::with_batch`]).
    pub fn batch(&self) -> usize {
        self.batch
    }
}

impl Executor for GpuModel {
    fn net(&self) -> &LcNet {
        &self.net
    }

    /// [`GpuModel::batch`] images at a time. In `Mode::Dynamic` gates and decisions run on the
    /// GPU; one readback per batch brings the logits and the decisions of its images, from which
    /// the same [`Trace`]s as on the CPU are built.
    async fn run(&self, images: &[&[u8]], mode: Mode, th: Thresholds) -> Result<Vec<Trace>> {
        let mut traces = Vec::with_capacity(images.len());
        for chunk in images.chunks(self.batch) {
            traces.extend(self.run_batch(chunk, mode, th).await?);
        }
        Ok(traces)
    }
}

impl GpuModel {
    async fn run_batch(&self, images: &[&[u8]], mode: Mode, th: Thresholds) -> Result<Vec<Trace>> {
        let net = &self.net;
        let all_kept = || {
            let blocks = net.blocks().iter();
            blocks.map(|b| Decision::all_kept(b.shape.planes)).collect()
        };
        let classes = net.config().num_classes;
        let dynamic = mode == Mode::Dynamic && net.config().gated;
        let program = if mode == Mode::Static {
            &self.full
        } else {
            &self.dynamic
        };
        let words = self.submit(images, th, program, dynamic).await?;
        let (logits, records) = words.split_at(images.len() * classes);
        let traces = logits.chunks(classes).enumerate().map(|(i, logits)| {
            let decisions = if dynamic {
                let record = &records[i * self.trace_words..];
                net.blocks()
                    .iter()
                    .zip(&self.records)
                    .map(|(b, &at)| decide::decision(&record[at..], b.shape.planes))
                    .collect()
            } else {
                all_kept()
            };
            Trace::new(net, super::f32s(logits), decisions, th)
        });
        Ok(traces.collect())
    }

    /// Uploads the images and thresholds, encodes `program` for them in one compute pass, and
    /// reads back their logits (and trace records when `with_trace`) in one readback.
    async fn submit(
        &self,
        images: &[&[u8]],
        th: Thresholds,
        program: &[Dispatch],
        with_trace: bool,
    ) -> Result<Vec<u32>> {
        let cfg = self.net.config();
        let n = images.len();
        if n == 0 || n > self.batch {
            return Err(Error::Gpu(format!(
                "{n} images do not fit a batch of {}",
                self.batch
            )));
        }
        let mut x = Vec::with_capacity(n * 3 * cfg.image_size * cfg.image_size);
        for rgb in images {
            x.extend(preprocess::normalize(rgb, cfg)?); // [3, S, S] each
        }
        let q = &self.ctx.queue;
        q.write_buffer(&self.input, 0, bytemuck::cast_slice(&x));
        q.write_buffer(
            &self.thresholds,
            0,
            bytemuck::bytes_of(&ThresholdParams::new(th, n, cfg.empty_block)),
        );
        let mut encoder = self
            .ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("lcnet batch"),
            });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
            for d in program {
                d.encode(&mut pass, n as u32);
            }
        }
        let trace_words = if with_trace { n * self.trace_words } else { 0 };
        self.ctx
            .submit_and_read(
                encoder,
                &[
                    (&self.logits, n * cfg.num_classes),
                    (&self.trace, trace_words),
                ],
            )
            .await
    }
}
