//! Recording a [`super::GpuModel`]'s two programs (dynamic and static) as lists of dispatches,
//! once per model: the stem, each block (shortcut, static steps, then the gates, decisions and
//! listed convolutions of the dynamic program) and the head, each a method that reads at once.

use super::conv3x3::{ConvParams, IN_LIST, OUT_LIST, RELU};
use super::decide::{self, ThresholdParams};
use super::residual::{GATED, RUNNING};
use super::{gate, linear, pool, residual, Bound, Dispatch, GpuContext};
use crate::decision::Thresholds;
use crate::model::{Block, Conv, Dense, Gates, LcNet};
use crate::Result;

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

/// What the recording leaves: the buffers a run writes and reads, and both programs.
pub(super) struct Programs {
    pub input: wgpu::Buffer,
    pub thresholds: wgpu::Buffer,
    pub logits: wgpu::Buffer,
    pub trace: wgpu::Buffer,
    /// Start of each gated block's record in an image's trace (words).
    pub records: Vec<usize>,
    /// Words of one image's trace.
    pub trace_words: usize,
    /// Gates decide on the GPU; skipped blocks and channels get zero workgroups.
    pub dynamic: Vec<Dispatch>,
    /// The plain ResNet: no gates, every block and channel.
    pub full: Vec<Dispatch>,
}

/// The state of a recording: scratch buffers shared by all blocks (wgpu orders the dispatches
/// that touch them) and the two programs so far.
struct Recorder<'a> {
    ctx: &'a GpuContext,
    net: &'a LcNet,
    batch: usize,
    /// Bound where a kernel reads no selection.
    none: wgpu::Buffer,
    /// conv1 and conv2 outputs of the current block.
    h: wgpu::Buffer,
    branch: wgpu::Buffer,
    pooled: wgpu::Buffer,
    l_gates: wgpu::Buffer,
    c_gates: wgpu::Buffer,
    p: Programs,
}

/// Records both programs of `net` for batches of up to `batch` images.
pub(super) fn record(ctx: &GpuContext, net: &LcNet, batch: usize) -> Result<Programs> {
    let mut r = Recorder::new(ctx, net, batch);
    let mut x = r.stem();
    for blk in net.blocks() {
        x = r.block(blk, x)?;
    }
    r.head(&x);
    Ok(r.p)
}

/// Where a block's residual branch ends: relu(shortcut + branch) into `out` (a new buffer after
/// a projection shortcut, the block's input itself after an identity one).
struct BlockEnd {
    out: wgpu::Buffer,
    shortcut: Option<wgpu::Buffer>,
    name: String,
    planes: usize,
    hw_out: usize,
}

impl<'a> Recorder<'a> {
    fn new(ctx: &'a GpuContext, net: &'a LcNet, batch: usize) -> Self {
        let cfg = net.config();
        let s = cfg.image_size;
        let max_c = cfg.widths.iter().copied().max().unwrap_or(1);
        let max_act = net
            .blocks()
            .iter()
            .map(|b| b.shape.planes * b.shape.size_out * b.shape.size_out)
            .max()
            .unwrap_or(1);
        // One trace record per gated block, at fixed offsets in each image's trace.
        let mut records = Vec::new();
        let mut trace_words = 0;
        if cfg.gated {
            for b in net.blocks() {
                records.push(trace_words);
                trace_words += decide::record_words(b.shape.planes);
            }
        }
        let th = ThresholdParams::new(Thresholds::from_config(cfg), batch, cfg.empty_block);
        Self {
            ctx,
            net,
            batch,
            none: ctx.storage("no selection", &[0u32]),
            h: ctx.scratch("conv1 out", batch * max_act),
            branch: ctx.scratch("conv2 out", batch * max_act),
            pooled: ctx.scratch("pooled", batch * max_c),
            l_gates: ctx.scratch("l gates", batch),
            c_gates: ctx.scratch("c gates", batch * max_c),
            p: Programs {
                input: ctx.scratch("input", batch * 3 * s * s),
                thresholds: ctx.uniform("thresholds", &th),
                logits: ctx.scratch("logits", batch * cfg.num_classes),
                trace: ctx.scratch("trace", batch * trace_words),
                records,
                trace_words,
                dynamic: Vec::new(),
                full: Vec::new(),
            },
        }
    }

    /// A dispatch of both programs.
    fn both(&mut self, d: Dispatch) {
        self.p.dynamic.push(d.clone());
        self.p.full.push(d);
    }

    /// Stem: conv + folded BN + ReLU, `[3, S, S] -> [w0, S, S]` per image.
    fn stem(&mut self) -> wgpu::Buffer {
        let (ctx, cfg) = (self.ctx, self.net.config());
        let s = cfg.image_size;
        let stem = ConvBuffers::new(ctx, "stem", self.net.stem());
        let sp = ConvParams::new(3, cfg.widths[0], s, 1, RELU);
        let x = ctx.scratch("stem out", self.batch * cfg.widths[0] * s * s);
        let u = ctx.uniform("stem", &sp);
        let bound = ctx.bind(
            &ctx.pipes.conv3x3,
            &[&u, &self.p.input, &stem.w, &stem.b, &self.none, &x],
        );
        self.both(Dispatch::per_image(bound, sp.groups(cfg.widths[0])));
        x
    }

    /// One block on input `x`; returns its output buffer.
    fn block(&mut self, blk: &Block, x: wgpu::Buffer) -> Result<wgpu::Buffer> {
        let end = self.shortcut(blk, &x);
        let c1 = ConvBuffers::new(self.ctx, &end.name, &blk.conv1);
        let c2 = ConvBuffers::new(self.ctx, &end.name, &blk.conv2);
        let steps = self.static_steps(blk, &x, (&c1, &c2), &end);
        self.p.full.extend_from_slice(&steps);
        match &blk.gates {
            Some(gates) => self.gated_steps(blk, gates, &x, (&c1, &c2), &end)?,
            // No gates: the dynamic program is the static one.
            None => self.p.dynamic.extend(steps),
        }
        Ok(end.out)
    }

    /// The block's shortcut: a projection (into a new buffer, for every image: a skipped one
    /// passes relu(shortcut) on) or the identity (the block then ends in place).
    fn shortcut(&mut self, blk: &Block, x: &wgpu::Buffer) -> BlockEnd {
        let (ctx, sh) = (self.ctx, blk.shape);
        let name = format!("block {}", blk.index);
        let hw_out = sh.size_out * sh.size_out;
        let size = self.batch * sh.planes * hw_out;
        let (out, shortcut) = match &blk.projection {
            Some(conv) => {
                let wb = ConvBuffers::new(ctx, &name, conv);
                let size_in = sh.size_out * sh.stride;
                let cp = ConvParams::new(sh.c_in, sh.planes, size_in, sh.stride, 0);
                let sc = ctx.scratch(&name, size);
                let u = ctx.uniform(&name, &cp);
                let bound = ctx.bind(&ctx.pipes.conv1x1, &[&u, x, &wb.w, &wb.b, &sc]);
                self.both(Dispatch::per_image(bound, cp.groups(sh.planes)));
                (ctx.scratch(&name, size), Some(sc))
            }
            None => (x.clone(), None),
        };
        BlockEnd {
            out,
            shortcut,
            name,
            planes: sh.planes,
            hw_out,
        }
    }

    /// The kernel that ends the block (`flags` of the residual kernel, `sel` the selection of
    /// running images).
    fn end(&self, end: &BlockEnd, flags: u32, sel: &wgpu::Buffer) -> Bound {
        let (ctx, n) = (self.ctx, end.planes * end.hw_out);
        let params = residual::Params::new(n, flags, self.batch, end.planes);
        let u = ctx.uniform(&end.name, &params);
        match &end.shortcut {
            Some(sc) => ctx.bind(&ctx.pipes.residual, &[&u, &self.branch, sel, &end.out, sc]),
            None => ctx.bind(&ctx.pipes.residual_into, &[&u, &self.branch, sel, &end.out]),
        }
    }

    fn residual_groups(end: &BlockEnd) -> [u32; 3] {
        [super::groups_for(end.planes * end.hw_out), 1, 1]
    }

    /// Static: dense conv1 (ReLU) and conv2, then relu(shortcut + branch).
    fn static_steps(
        &self,
        blk: &Block,
        x: &wgpu::Buffer,
        (c1, c2): (&ConvBuffers, &ConvBuffers),
        end: &BlockEnd,
    ) -> [Dispatch; 3] {
        let (ctx, sh) = (self.ctx, blk.shape);
        let p1 = ConvParams::new(sh.c_in, sh.planes, sh.size_out * sh.stride, sh.stride, RELU);
        let p2 = ConvParams::new(sh.planes, sh.planes, sh.size_out, 1, 0);
        let (u1, u2) = (ctx.uniform(&end.name, &p1), ctx.uniform(&end.name, &p2));
        let conv = &ctx.pipes.conv3x3;
        let none = &self.none;
        [
            Dispatch::per_image(
                ctx.bind(conv, &[&u1, x, &c1.w, &c1.b, none, &self.h]),
                p1.groups(sh.planes),
            ),
            Dispatch::per_image(
                ctx.bind(conv, &[&u2, &self.h, &c2.w, &c2.b, none, &self.branch]),
                p2.groups(sh.planes),
            ),
            Dispatch::per_image(self.end(end, 0, none), Self::residual_groups(end)),
        ]
    }

    /// Dynamic: pool, L-Net, `decide_block`, C-Net over the running images,
    /// `decide_channels`, then conv1 over the batch's (image, kept channel) pairs -> compact h
    /// `[k, H', W']` per image, conv2 over the k compact inputs (scaled by C-gate * L-gate) -> all
    /// P outputs of each running image, and the block's end. Everything after the L-Net is
    /// dispatched indirectly, with the sizes `decide` wrote: zero workgroups for what is skipped.
    fn gated_steps(
        &mut self,
        blk: &Block,
        gates: &Gates,
        x: &wgpu::Buffer,
        (c1, c2): (&ConvBuffers, &ConvBuffers),
        end: &BlockEnd,
    ) -> Result<()> {
        let (ctx, cfg, sh) = (self.ctx, self.net.config(), blk.shape);
        let (name, pipes, planes) = (&end.name, &ctx.pipes, sh.planes);
        let size_in = sh.size_out * sh.stride;
        let sel = ctx.scratch(name, decide::selection_words(planes, self.batch));
        let conv_args = ctx.scratch(name, 9);
        let gate_args = ctx.scratch(name, 6);
        let mut steps = Vec::new();

        // Both gates read the pooled block input: [C_in, H, W] -> [C_in] per image.
        let pp = pool::Params::new(sh.c_in, size_in * size_in);
        let bound = ctx.bind(&pipes.pool, &[&ctx.uniform(name, &pp), x, &self.pooled]);
        steps.push(Dispatch::per_image(bound, pp.groups()));

        // L-Net for every image, then decide_block: which images run the block, and the
        // dispatch arguments of everything that follows.
        let (w1, b1) = linear_buffers(ctx, name, &gates.lnet.fc1);
        let (w2, b2) = linear_buffers(ctx, name, &gates.lnet.fc2);
        let gp = ctx.uniform(name, &gate::Params::new(sh.c_in, cfg.gate_hidden, 1)?);
        let (pooled, lg, cg) = (&self.pooled, &self.l_gates, &self.c_gates);
        let bound = ctx.bind(
            &pipes.gate,
            &[&gp, pooled, &w1, &b1, &w2, &b2, &self.none, lg],
        );
        steps.push(Dispatch::per_image(bound, [1, 1, 1]));
        let res_groups = Self::residual_groups(end);
        let dp = ctx.uniform(
            name,
            &decide::Params {
                planes: planes as u32,
                trace_at: self.p.records[blk.index] as u32,
                pixel_groups: super::groups_for(end.hw_out),
                trace_stride: self.p.trace_words as u32,
                batch: self.batch as u32,
                residual_groups: res_groups[0],
                pad: [0; 2],
            },
        );
        let (th, trace) = (&self.p.thresholds, &self.p.trace);
        let bound = ctx.bind(
            &pipes.decide_block,
            &[th, &dp, lg, &sel, &conv_args, trace, &gate_args],
        );
        steps.push(Dispatch::direct(bound, [1, 1, 1]));

        // C-Net over the running images, then decide_channels (nothing if none runs).
        let (w1, b1) = linear_buffers(ctx, name, &gates.cnet.fc1);
        let (w2, b2) = linear_buffers(ctx, name, &gates.cnet.fc2);
        let gp = gate::Params::new(sh.c_in, cfg.gate_hidden, planes)?.running();
        let gp = ctx.uniform(name, &gp);
        let bound = ctx.bind(&pipes.gate, &[&gp, pooled, &w1, &b1, &w2, &b2, &sel, cg]);
        steps.push(Dispatch::indirect(bound, &gate_args, 0));
        let bound = ctx.bind(
            &pipes.decide_channels,
            &[th, &dp, cg, &sel, &conv_args, trace],
        );
        steps.push(Dispatch::indirect(bound, &gate_args, 12));

        // The listed convolutions and the block's end.
        let p1 = ConvParams::new(sh.c_in, planes, size_in, sh.stride, RELU | OUT_LIST);
        let u1 = ctx.uniform(name, &p1.with_batch(self.batch));
        let bound = ctx.bind(&pipes.conv3x3, &[&u1, x, &c1.w, &c1.b, &sel, &self.h]);
        steps.push(Dispatch::indirect(bound, &conv_args, 0));
        let p2 = ConvParams::new(planes, planes, sh.size_out, 1, IN_LIST);
        let u2 = ctx.uniform(name, &p2.with_batch(self.batch));
        let (h, branch) = (&self.h, &self.branch);
        let bound = ctx.bind(&pipes.conv3x3, &[&u2, h, &c2.w, &c2.b, &sel, branch]);
        steps.push(Dispatch::indirect(bound, &conv_args, 12));
        steps.push(match end.shortcut {
            Some(_) => Dispatch::per_image(self.end(end, GATED, &sel), res_groups),
            None => Dispatch::indirect(self.end(end, RUNNING, &sel), &conv_args, 24),
        });
        self.p.dynamic.extend(steps);
        Ok(())
    }

    /// Head: global average pool and classifier, `[w2, s, s] -> [classes]` per image.
    fn head(&mut self, x: &wgpu::Buffer) {
        let (ctx, cfg) = (self.ctx, self.net.config());
        let last = cfg.widths[2];
        let side = self
            .net
            .blocks()
            .last()
            .map_or(cfg.image_size, |b| b.shape.size_out);
        let pp = pool::Params::new(last, side * side);
        let u = ctx.uniform("head", &pp);
        let bound = ctx.bind(&ctx.pipes.pool, &[&u, x, &self.pooled]);
        self.both(Dispatch::per_image(bound, pp.groups()));
        let (fw, fb) = linear_buffers(ctx, "fc", self.net.fc());
        let lp = linear::Params::new(last, cfg.num_classes);
        let u = ctx.uniform("fc", &lp);
        let bound = ctx.bind(
            &ctx.pipes.linear,
            &[&u, &self.pooled, &fw, &fb, &self.p.logits],
        );
        self.both(Dispatch::per_image(bound, lp.groups()));
    }
}
