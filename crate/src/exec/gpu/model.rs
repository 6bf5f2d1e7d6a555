//! A whole LC-Net on the GPU: weights uploaded once, every buffer preallocated for a batch of B
//! images, and the program recorded once as a list of dispatches that is replayed per batch.

use super::conv3x3::{ConvParams, IN_LIST, OUT_LIST, RELU};
use super::decide::{self, ThresholdParams};
use super::residual::{GATED, RUNNING};
use super::{gate, linear, pool, residual, Dispatch, GpuContext};
use crate::decision::{Decision, Thresholds};
use crate::exec::Mode;
use crate::model::{Conv, Dense, LcNet};
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

/// Folded conv weights on the GPU.
struct ConvBuffers {
    w: wgpu::Buffer,
    b: wgpu::Buffer,
}

impl ConvBuffers {
    fn new(ctx: &GpuContext, name: &str, c: &Conv) -> Self {
        Self {
            w: ctx.storage(name, &c.weight),
            b: ctx.storage(name, &c.bias),
        }
    }
}

fn linear_buffers(ctx: &GpuContext, name: &str, l: &Dense) -> (wgpu::Buffer, wgpu::Buffer) {
    (ctx.storage(name, &l.weight), ctx.storage(name, &l.bias))
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
        let cfg = net.config();
        let max_c = cfg.widths.iter().copied().max().unwrap_or(1);
        if batch == 0 || batch > decide::MAX_BATCH || batch * max_c > u16::MAX as usize {
            return Err(Error::Gpu(format!(
                "a GPU batch holds 1 to {} images (at most {} channels in all), not {batch}",
                decide::MAX_BATCH,
                u16::MAX
            )));
        }
        let p = &ctx.pipes;
        let s = cfg.image_size;
        let shapes: Vec<_> = net.blocks().iter().map(|b| b.shape).collect();
        let max_act = shapes
            .iter()
            .map(|sh| sh.planes * sh.size_out * sh.size_out)
            .max()
            .unwrap_or(1);

        let input = ctx.scratch("input", batch * 3 * s * s);
        let thresholds = ctx.uniform(
            "thresholds",
            &ThresholdParams::new(Thresholds::from_config(cfg), batch, cfg.empty_block),
        );
        // Binds where a kernel reads no selection.
        let none = ctx.storage("no selection", &[0u32]);
        // Scratch shared by all blocks (wgpu orders the dispatches that touch them).
        let h = ctx.scratch("conv1 out", batch * max_act);
        let branch = ctx.scratch("conv2 out", batch * max_act);
        let pooled = ctx.scratch("pooled", batch * max_c);
        let lg = ctx.scratch("l gates", batch);
        let cg = ctx.scratch("c gates", batch * max_c);

        let mut dynamic = Vec::new();
        let mut full = Vec::new();
        let both = |d: Dispatch, dynamic: &mut Vec<Dispatch>, full: &mut Vec<Dispatch>| {
            dynamic.push(d.clone());
            full.push(d);
        };

        // Stem: conv + folded BN + ReLU, [3, S, S] -> [w0, S, S] per image.
        let stem = ConvBuffers::new(ctx, "stem", net.stem());
        let sp = ConvParams::new(3, cfg.widths[0], s, 1, RELU);
        let mut x = ctx.scratch("stem out", batch * cfg.widths[0] * s * s);
        let bound = ctx.bind(
            &p.conv3x3,
            &[
                &ctx.uniform("stem", &sp),
                &input,
                &stem.w,
                &stem.b,
                &none,
                &x,
            ],
        );
        both(
            Dispatch::per_image(bound, sp.groups(cfg.widths[0])),
            &mut dynamic,
            &mut full,
        );

        // One trace record per gated block, at fixed offsets in each image's trace.
        let gated = cfg.gated;
        let mut records = Vec::new();
        let mut trace_words = 0;
        if gated {
            for sh in &shapes {
                records.push(trace_words);
                trace_words += decide::record_words(sh.planes);
            }
        }
        let trace = ctx.scratch("trace", batch * trace_words);

        for blk in net.blocks() {
            let sh = blk.shape;
            let (c_in, planes) = (sh.c_in, sh.planes);
            let size_in = sh.size_out * sh.stride;
            let hw_out = sh.size_out * sh.size_out;
            let name = format!("block {}", blk.index);
            let c1 = ConvBuffers::new(ctx, &name, &blk.conv1);
            let c2 = ConvBuffers::new(ctx, &name, &blk.conv2);
            let res_groups = [super::groups_for(planes * hw_out), 1, 1];
            let sel = match &blk.gates {
                Some(_) => ctx.scratch(&name, decide::selection_words(planes, batch)),
                None => none.clone(),
            };
            let res_flags = if blk.gates.is_some() { GATED } else { 0 };
            let res_params = |flags| {
                ctx.uniform(
                    &name,
                    &residual::Params::new(planes * hw_out, flags, batch, planes),
                )
            };

            // The block's end: with a projection shortcut into a new buffer (every image: a
            // skipped one passes relu(shortcut) on), with an identity shortcut in place.
            let (out, shortcut) = match &blk.projection {
                Some(conv) => {
                    let wb = ConvBuffers::new(ctx, &name, conv);
                    let cp = ConvParams::new(c_in, planes, size_in, sh.stride, 0);
                    let sc = ctx.scratch(&name, batch * planes * hw_out);
                    let bound = ctx.bind(
                        &p.conv1x1,
                        &[&ctx.uniform(&name, &cp), &x, &wb.w, &wb.b, &sc],
                    );
                    both(
                        Dispatch::per_image(bound, cp.groups(planes)),
                        &mut dynamic,
                        &mut full,
                    );
                    (ctx.scratch(&name, batch * planes * hw_out), Some(sc))
                }
                None => (x.clone(), None),
            };
            let end = |flags: u32, sel: &wgpu::Buffer| match &shortcut {
                Some(sc) => ctx.bind(&p.residual, &[&res_params(flags), &branch, sel, &out, sc]),
                None => ctx.bind(&p.residual_into, &[&res_params(flags), &branch, sel, &out]),
            };

            // Static: dense conv1 (ReLU) and conv2, then relu(shortcut + branch).
            let p1 = ConvParams::new(c_in, planes, size_in, sh.stride, RELU);
            let p2 = ConvParams::new(planes, planes, sh.size_out, 1, 0);
            let u1 = ctx.uniform(&name, &p1);
            let u2 = ctx.uniform(&name, &p2);
            let static_steps = [
                Dispatch::per_image(
                    ctx.bind(&p.conv3x3, &[&u1, &x, &c1.w, &c1.b, &none, &h]),
                    p1.groups(planes),
                ),
                Dispatch::per_image(
                    ctx.bind(&p.conv3x3, &[&u2, &h, &c2.w, &c2.b, &none, &branch]),
                    p2.groups(planes),
                ),
                Dispatch::per_image(end(0, &none), res_groups),
            ];
            full.extend_from_slice(&static_steps);

            let Some(gates) = &blk.gates else {
                // No gates: the dynamic program is the static one.
                dynamic.extend_from_slice(&static_steps);
                x = out;
                continue;
            };
            let conv_args = ctx.scratch(&name, 9);
            let gate_args = ctx.scratch(&name, 6);

            // Both gates read the pooled block input: [C_in, H, W] -> [C_in] per image.
            let pp = pool::Params::new(c_in, size_in * size_in);
            let bound = ctx.bind(&p.pool, &[&ctx.uniform(&name, &pp), &x, &pooled]);
            dynamic.push(Dispatch::per_image(bound, pp.groups()));

            // L-Net for every image, then decide_block: which images run the block, and the
            // dispatch arguments of everything that follows.
            let (w1, b1) = linear_buffers(ctx, &name, &gates.lnet.fc1);
            let (w2, b2) = linear_buffers(ctx, &name, &gates.lnet.fc2);
            let gp = ctx.uniform(&name, &gate::Params::new(c_in, cfg.gate_hidden, 1)?);
            let bound = ctx.bind(&p.gate, &[&gp, &pooled, &w1, &b1, &w2, &b2, &none, &lg]);
            dynamic.push(Dispatch::per_image(bound, [1, 1, 1]));
            let dp = ctx.uniform(
                &name,
                &decide::Params {
                    planes: planes as u32,
                    trace_at: records[blk.index] as u32,
                    pixel_groups: super::groups_for(hw_out),
                    trace_stride: trace_words as u32,
                    batch: batch as u32,
                    residual_groups: res_groups[0],
                    pad: [0; 2],
                },
            );
            let bound = ctx.bind(
                &p.decide_block,
                &[&thresholds, &dp, &lg, &sel, &conv_args, &trace, &gate_args],
            );
            dynamic.push(Dispatch::direct(bound, [1, 1, 1]));

            // C-Net over the running images, then decide_channels (nothing if none runs).
            let (w1, b1) = linear_buffers(ctx, &name, &gates.cnet.fc1);
            let (w2, b2) = linear_buffers(ctx, &name, &gates.cnet.fc2);
            let gp = gate::Params::new(c_in, cfg.gate_hidden, planes)?.running();
            let gp = ctx.uniform(&name, &gp);
            let bound = ctx.bind(&p.gate, &[&gp, &pooled, &w1, &b1, &w2, &b2, &sel, &cg]);
            dynamic.push(Dispatch::indirect(bound, &gate_args, 0));
            let bound = ctx.bind(
                &p.decide_channels,
                &[&thresholds, &dp, &cg, &sel, &conv_args, &trace],
            );
            dynamic.push(Dispatch::indirect(bound, &gate_args, 12));

            // conv1 over the batch's (image, kept channel) pairs -> compact h [k, H', W'] per
            // image; conv2 over the k compact inputs (scaled by C-gate * L-gate) -> all P
            // outputs of each running image; the block's end.
            let u1 = ctx.uniform(
                &name,
                &ConvParams::new(c_in, planes, size_in, sh.stride, RELU | OUT_LIST)
                    .with_batch(batch),
            );
            let bound = ctx.bind(&p.conv3x3, &[&u1, &x, &c1.w, &c1.b, &sel, &h]);
            dynamic.push(Dispatch::indirect(bound, &conv_args, 0));
            let u2 = ctx.uniform(
                &name,
                &ConvParams::new(planes, planes, sh.size_out, 1, IN_LIST).with_batch(batch),
            );
            let bound = ctx.bind(&p.conv3x3, &[&u2, &h, &c2.w, &c2.b, &sel, &branch]);
            dynamic.push(Dispatch::indirect(bound, &conv_args, 12));
            dynamic.push(match shortcut {
                Some(_) => Dispatch::per_image(end(res_flags, &sel), res_groups),
                None => Dispatch::indirect(end(RUNNING, &sel), &conv_args, 24),
            });
            x = out;
        }

        // Head: global average pool and classifier, [w2, s, s] -> [classes] per image.
        let last = cfg.widths[2];
        let side = shapes.last().map_or(s, |sh| sh.size_out);
        let pp = pool::Params::new(last, side * side);
        let bound = ctx.bind(&p.pool, &[&ctx.uniform("head", &pp), &x, &pooled]);
        both(
            Dispatch::per_image(bound, pp.groups()),
            &mut dynamic,
            &mut full,
        );
        let (fw, fb) = linear_buffers(ctx, "fc", net.fc());
        let lp = linear::Params::new(last, cfg.num_classes);
        let logits = ctx.scratch("logits", batch * cfg.num_classes);
        let bound = ctx.bind(
            &p.linear,
            &[&ctx.uniform("fc", &lp), &pooled, &fw, &fb, &logits],
        );
        both(
            Dispatch::per_image(bound, lp.groups()),
            &mut dynamic,
            &mut full,
        );

        Ok(Self {
            ctx: ctx.clone(),
            net: net.clone(),
            batch,
            input,
            thresholds,
            logits,
            trace,
            records,
            trace_words,
            dynamic,
            full,
        })
    }

    /// The device, queue and pipelines it runs on.
    pub fn context(&self) -> &GpuContext {
        &self.ctx
    }

    /// The network this model runs.
    pub fn net(&self) -> &LcNet {
        &self.net
    }

    /// Images per submission at most (1 unless built by [`GpuModel::with_batch`]).
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// Classifies `images` (each `size * size * 3` RGB bytes, as [`preprocess::Prepared::rgb`]),
    /// [`GpuModel::batch`] at a time: the GPU counterpart of [`crate::exec::Executor::run`]. In
    /// `Mode::Dynamic` gates and decisions run on the GPU; one readback per batch brings the
    /// logits and the decisions of its images, from which the same [`Trace`]s as on the CPU are
    /// built.
    pub async fn run(&self, images: &[&[u8]], mode: Mode, th: Thresholds) -> Result<Vec<Trace>> {
        let mut traces = Vec::with_capacity(images.len());
        for chunk in images.chunks(self.batch) {
            traces.extend(self.run_batch(chunk, mode, th).await?);
        }
        Ok(traces)
    }

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
