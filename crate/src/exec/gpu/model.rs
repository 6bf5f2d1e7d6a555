//! A whole LC-Net on the GPU: weights uploaded once, every buffer preallocated for batch 1, and
//! the per-image program recorded once as a list of dispatches that is replayed per image.

use super::conv3x3::{ConvParams, IN_LIST, OUT_LIST, RELU};
use super::decide::{self, ThresholdParams};
use super::{gate, linear, pool, residual, Dispatch, GpuContext};
use crate::decision::{Decision, Thresholds};
use crate::exec::Mode;
use crate::model::{Conv, Dense, LcNet};
use crate::{preprocess, Result, Trace};

/// An [`LcNet`] ready to run on a [`GpuContext`].
#[derive(Debug)]
pub struct GpuModel {
    ctx: GpuContext,
    net: LcNet,
    input: wgpu::Buffer,
    thresholds: wgpu::Buffer,
    logits: wgpu::Buffer,
    trace: wgpu::Buffer,
    /// Start of each block's record in `trace` (words).
    records: Vec<usize>,
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
    /// Uploads `net`'s folded weights and records both programs (dynamic and static).
    pub fn new(ctx: &GpuContext, net: &LcNet) -> Result<Self> {
        let cfg = net.config();
        let p = &ctx.pipes;
        let s = cfg.image_size;
        let shapes: Vec<_> = net.blocks().iter().map(|b| b.shape).collect();
        let max_act = shapes
            .iter()
            .map(|sh| sh.planes * sh.size_out * sh.size_out)
            .max()
            .unwrap_or(1);
        let max_c = cfg.widths.iter().copied().max().unwrap_or(1);

        let input = ctx.scratch("input", 3 * s * s);
        let thresholds = ctx.uniform(
            "thresholds",
            &ThresholdParams::from(Thresholds::from_config(cfg)),
        );
        // Binds where a kernel reads a selection it does not use, and marks "ran" for the
        // residual kernel on the static path.
        let always = ctx.storage("always ran", &decide::selection(0, true, 1.0, &[], &[]));
        // Scratch shared by all blocks (wgpu orders the dispatches that touch them).
        let h = ctx.scratch("conv1 out", max_act);
        let branch = ctx.scratch("conv2 out", max_act);
        let pooled = ctx.scratch("pooled", max_c);
        let lg = ctx.scratch("l gate", 1);
        let cg = ctx.scratch("c gates", max_c);

        let mut dynamic = Vec::new();
        let mut full = Vec::new();
        let both = |d: Dispatch, dynamic: &mut Vec<Dispatch>, full: &mut Vec<Dispatch>| {
            dynamic.push(d.clone());
            full.push(d);
        };

        // Stem: conv + folded BN + ReLU, [3, S, S] -> [w0, S, S].
        let stem = ConvBuffers::new(ctx, "stem", net.stem());
        let sp = ConvParams::new(3, cfg.widths[0], s, 1, RELU);
        let mut x = ctx.scratch("stem out", cfg.widths[0] * s * s);
        let bound = ctx.bind(
            &p.conv3x3,
            &[
                &ctx.uniform("stem", &sp),
                &input,
                &stem.w,
                &stem.b,
                &always,
                &x,
            ],
        );
        both(
            Dispatch::direct(bound, sp.groups(cfg.widths[0])),
            &mut dynamic,
            &mut full,
        );

        // One trace record per gated block, at fixed offsets.
        let gated = cfg.gated;
        let mut records = Vec::new();
        let mut trace_words = 0;
        if gated {
            for sh in &shapes {
                records.push(trace_words);
                trace_words += decide::record_words(sh.planes);
            }
        }
        let trace = ctx.scratch("trace", trace_words);

        for blk in net.blocks() {
            let sh = blk.shape;
            let (c_in, planes) = (sh.c_in, sh.planes);
            let size_in = sh.size_out * sh.stride;
            let hw_out = sh.size_out * sh.size_out;
            let name = format!("block {}", blk.index);
            let out = ctx.scratch(&name, planes * hw_out);

            let sc = match &blk.projection {
                Some(conv) => {
                    let wb = ConvBuffers::new(ctx, &name, conv);
                    let cp = ConvParams::new(c_in, planes, size_in, sh.stride, 0);
                    let sc = ctx.scratch(&name, planes * hw_out);
                    let bound = ctx.bind(
                        &p.conv1x1,
                        &[&ctx.uniform(&name, &cp), &x, &wb.w, &wb.b, &sc],
                    );
                    both(
                        Dispatch::direct(bound, cp.groups(planes)),
                        &mut dynamic,
                        &mut full,
                    );
                    sc
                }
                None => x.clone(),
            };
            let c1 = ConvBuffers::new(ctx, &name, &blk.conv1);
            let c2 = ConvBuffers::new(ctx, &name, &blk.conv2);
            let res = ctx.uniform(&name, &residual::Params::new(planes * hw_out));
            let res_groups = [super::groups_for(planes * hw_out), 1, 1];

            // Static: dense conv1 (ReLU) and conv2, then relu(shortcut + branch).
            let p1 = ConvParams::new(c_in, planes, size_in, sh.stride, RELU);
            let p2 = ConvParams::new(planes, planes, sh.size_out, 1, 0);
            let u1 = ctx.uniform(&name, &p1);
            let u2 = ctx.uniform(&name, &p2);
            let static_steps = [
                Dispatch::direct(
                    ctx.bind(&p.conv3x3, &[&u1, &x, &c1.w, &c1.b, &always, &h]),
                    p1.groups(planes),
                ),
                Dispatch::direct(
                    ctx.bind(&p.conv3x3, &[&u2, &h, &c2.w, &c2.b, &always, &branch]),
                    p2.groups(planes),
                ),
                Dispatch::direct(
                    ctx.bind(&p.residual, &[&res, &sc, &branch, &always, &out]),
                    res_groups,
                ),
            ];
            full.extend_from_slice(&static_steps);

            let Some(gates) = &blk.gates else {
                // No gates: the dynamic program is the static one.
                dynamic.extend_from_slice(&static_steps);
                x = out;
                continue;
            };
            let sel = ctx.scratch(&name, decide::selection_words(planes));
            let conv_args = ctx.scratch(&name, 6);
            let gate_args = ctx.scratch(&name, 3);

            // Both gates read the pooled block input: [C_in, H, W] -> [C_in].
            let pp = pool::Params::new(c_in, size_in * size_in);
            let bound = ctx.bind(&p.pool, &[&ctx.uniform(&name, &pp), &x, &pooled]);
            dynamic.push(Dispatch::direct(bound, pp.groups()));

            // L-Net, then decide_block: ran?, C-Net armed or not, conv2 armed or not.
            let (w1, b1) = linear_buffers(ctx, &name, &gates.lnet.fc1);
            let (w2, b2) = linear_buffers(ctx, &name, &gates.lnet.fc2);
            let gp = ctx.uniform(&name, &gate::Params::new(c_in, cfg.gate_hidden, 1)?);
            let bound = ctx.bind(&p.gate, &[&gp, &pooled, &w1, &b1, &w2, &b2, &lg]);
            dynamic.push(Dispatch::direct(bound, [1, 1, 1]));
            let dp = ctx.uniform(
                &name,
                &decide::Params {
                    planes: planes as u32,
                    trace_at: records[blk.index] as u32,
                    pixel_groups: super::groups_for(hw_out),
                    pad: 0,
                },
            );
            let bound = ctx.bind(
                &p.decide_block,
                &[&thresholds, &dp, &lg, &sel, &conv_args, &trace, &gate_args],
            );
            dynamic.push(Dispatch::direct(bound, [1, 1, 1]));

            // C-Net and decide_channels: zero workgroups when the block is skipped.
            let (w1, b1) = linear_buffers(ctx, &name, &gates.cnet.fc1);
            let (w2, b2) = linear_buffers(ctx, &name, &gates.cnet.fc2);
            let gp = ctx.uniform(&name, &gate::Params::new(c_in, cfg.gate_hidden, planes)?);
            let bound = ctx.bind(&p.gate, &[&gp, &pooled, &w1, &b1, &w2, &b2, &cg]);
            dynamic.push(Dispatch::indirect(bound, &gate_args, 0));
            let bound = ctx.bind(
                &p.decide_channels,
                &[&thresholds, &dp, &cg, &sel, &conv_args, &trace],
            );
            dynamic.push(Dispatch::indirect(bound, &gate_args, 0));

            // conv1 over the kept output channels -> compact h [k, H', W'];
            // conv2 over the k compact inputs (scaled by C-gate * L-gate) -> all P outputs.
            let u1 = ctx.uniform(
                &name,
                &ConvParams::new(c_in, planes, size_in, sh.stride, RELU | OUT_LIST),
            );
            let bound = ctx.bind(&p.conv3x3, &[&u1, &x, &c1.w, &c1.b, &sel, &h]);
            dynamic.push(Dispatch::indirect(bound, &conv_args, 0));
            let u2 = ctx.uniform(
                &name,
                &ConvParams::new(planes, planes, sh.size_out, 1, IN_LIST),
            );
            let bound = ctx.bind(&p.conv3x3, &[&u2, &h, &c2.w, &c2.b, &sel, &branch]);
            dynamic.push(Dispatch::indirect(bound, &conv_args, 12));
            let bound = ctx.bind(&p.residual, &[&res, &sc, &branch, &sel, &out]);
            dynamic.push(Dispatch::direct(bound, res_groups));
            x = out;
        }

        // Head: global average pool and classifier, [w2, s, s] -> [classes].
        let last = cfg.widths[2];
        let side = shapes.last().map_or(s, |sh| sh.size_out);
        let pp = pool::Params::new(last, side * side);
        let bound = ctx.bind(&p.pool, &[&ctx.uniform("head", &pp), &x, &pooled]);
        both(
            Dispatch::direct(bound, pp.groups()),
            &mut dynamic,
            &mut full,
        );
        let (fw, fb) = linear_buffers(ctx, "fc", net.fc());
        let lp = linear::Params::new(last, cfg.num_classes);
        let logits = ctx.scratch("logits", cfg.num_classes);
        let bound = ctx.bind(
            &p.linear,
            &[&ctx.uniform("fc", &lp), &pooled, &fw, &fb, &logits],
        );
        both(
            Dispatch::direct(bound, lp.groups()),
            &mut dynamic,
            &mut full,
        );

        Ok(Self {
            ctx: ctx.clone(),
            net: net.clone(),
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

    /// Classifies `images` (each `size * size * 3` RGB bytes, as [`preprocess::Prepared::rgb`]),
    /// one after another: the GPU counterpart of [`crate::exec::Executor::run`]. In
    /// `Mode::Dynamic` gates and decisions run on the GPU; one readback per image brings the
    /// logits and the decisions, from which the same [`Trace`] as on the CPU is built.
    pub async fn run(&self, images: &[&[u8]], mode: Mode, th: Thresholds) -> Result<Vec<Trace>> {
        let mut traces = Vec::with_capacity(images.len());
        for rgb in images {
            traces.push(self.run_one(rgb, mode, th).await?);
        }
        Ok(traces)
    }

    async fn run_one(&self, rgb: &[u8], mode: Mode, th: Thresholds) -> Result<Trace> {
        let all_kept = || {
            let blocks = self.net.blocks().iter();
            blocks.map(|b| Decision::all_kept(b.shape.planes)).collect()
        };
        let classes = self.net.config().num_classes;
        if mode == Mode::Static {
            let words = self.submit(rgb, th, &self.full, false).await?;
            return Ok(Trace::new(&self.net, super::f32s(&words), all_kept(), th));
        }
        let words = self.submit(rgb, th, &self.dynamic, true).await?;
        let (logits, records) = words.split_at(classes);
        let decisions = if self.net.config().gated {
            self.net
                .blocks()
                .iter()
                .zip(&self.records)
                .map(|(b, &at)| decide::decision(&records[at..], b.shape.planes))
                .collect()
        } else {
            all_kept()
        };
        Ok(Trace::new(&self.net, super::f32s(logits), decisions, th))
    }

    /// Uploads the image and thresholds, encodes `program` in one compute pass, and reads back
    /// the logits (and the trace records when `with_trace`).
    async fn submit(
        &self,
        rgb: &[u8],
        th: Thresholds,
        program: &[Dispatch],
        with_trace: bool,
    ) -> Result<Vec<u32>> {
        let cfg = self.net.config();
        let x = preprocess::normalize(rgb, cfg)?; // [3, S, S]
        let q = &self.ctx.queue;
        q.write_buffer(&self.input, 0, bytemuck::cast_slice(&x));
        q.write_buffer(
            &self.thresholds,
            0,
            bytemuck::bytes_of(&ThresholdParams::from(th)),
        );
        let mut encoder = self
            .ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("lcnet image"),
            });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
            for d in program {
                d.encode(&mut pass);
            }
        }
        let trace_words = if with_trace { self.trace_words } else { 0 };
        self.ctx
            .submit_and_read(
                encoder,
                &[(&self.logits, cfg.num_classes), (&self.trace, trace_words)],
            )
            .await
    }
}
