//! Rust side of `decide.wgsl` and `selection.wgsl`: the layouts of the selection, dispatch
//! argument and trace words the two decide kernels write for a batch, and their decoding into
//! [`Decision`]s.

use bytemuck::{Pod, Zeroable};

use super::{Dispatch, GpuContext};
use crate::decision::{Decision, Thresholds};
use crate::{EmptyBlock, Result};

/// Images one submission may hold (`MAX_BATCH` in selection.wgsl; the pair encoding also keeps
/// image and slot below 2^16).
pub const MAX_BATCH: usize = 256;

/// Words of one image's part of a selection buffer: header, kept list, scales.
pub fn image_words(planes: usize) -> usize {
    4 + 2 * planes
}

/// Words of a block's selection buffer for `batch` images (see selection.wgsl).
pub fn selection_words(planes: usize, batch: usize) -> usize {
    4 + batch + batch * planes + batch * image_words(planes)
}

/// Words of one block's trace record: L-gate, ran, C-gates, kept flags.
pub fn record_words(planes: usize) -> usize {
    2 + 2 * planes
}

/// What one image's block does, as `decide` would write it: `kept` ascending, one scale each.
#[derive(Debug, Clone, PartialEq)]
pub struct Chosen {
    pub ran: bool,
    pub l_gate: f32,
    pub kept: Vec<usize>,
    pub scales: Vec<f32>,
}

/// A selection buffer as the decide kernels write it for `images` (one batch), built on the
/// host (tests).
pub fn selection(planes: usize, images: &[Chosen]) -> Vec<u32> {
    let batch = images.len();
    let mut s = vec![0u32; selection_words(planes, batch)];
    let (mut running, mut pairs) = (0, 0);
    for (i, c) in images.iter().enumerate() {
        let at = 4 + batch + batch * planes + i * image_words(planes);
        s[at + 1] = u32::from(c.ran);
        s[at + 2] = c.l_gate.to_bits();
        if !c.ran {
            continue;
        }
        s[4 + running] = i as u32;
        running += 1;
        s[at] = c.kept.len() as u32;
        for (j, (&k, &sc)) in c.kept.iter().zip(&c.scales).enumerate() {
            s[at + 4 + j] = k as u32;
            s[at + 4 + planes + j] = sc.to_bits();
            s[4 + batch + pairs] = (i as u32) << 16 | j as u32;
            pairs += 1;
        }
    }
    s[0] = running as u32;
    s[1] = pairs as u32;
    s
}

/// The thresholds uniform, with the number of images of this submission.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub(crate) struct ThresholdParams {
    pub tau_l: f32,
    pub tau_c: f32,
    pub images: u32,
    /// 1: a block whose C-gates all close is skipped (`EmptyBlock::Skip`).
    pub empty_skip: u32,
}

impl ThresholdParams {
    pub fn new(th: Thresholds, images: usize, empty: EmptyBlock) -> Self {
        Self {
            tau_l: th.tau_l,
            tau_c: th.tau_c,
            images: images as u32,
            empty_skip: u32::from(empty == EmptyBlock::Skip),
        }
    }
}

/// `ran` in a trace record: the L-gate skipped the block (its C-Net did not run).
const SKIPPED: u32 = 0;
/// `ran` in a trace record: the L-gate was open but every C-gate closed, and the model skips
/// such a block (`EmptyBlock::Skip`; `decide.wgsl`).
const EMPTY_SKIPPED: u32 = 2;

#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub(crate) struct Params {
    pub planes: u32,
    pub trace_at: u32,
    pub pixel_groups: u32,
    pub trace_stride: u32,
    pub batch: u32,
    pub residual_groups: u32,
    pub pad: [u32; 2],
}

/// Decodes one block's trace record.
pub(crate) fn decision(record: &[u32], planes: usize) -> Decision {
    let l_gate = f32::from_bits(record[0]);
    if record[1] == SKIPPED {
        return Decision {
            l_gate: Some(l_gate),
            ran: false,
            c_gates: None,
            kept: vec![],
        };
    }
    let c_gates = super::f32s(&record[2..2 + planes]);
    let kept = (0..planes)
        .filter(|&i| record[2 + planes + i] != 0)
        .collect();
    Decision {
        l_gate: Some(l_gate),
        ran: record[1] != EMPTY_SKIPPED,
        c_gates: Some(c_gates),
        kept,
    }
}

/// What the decide kernels wrote for one block and a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    /// One per image.
    pub decisions: Vec<Decision>,
    /// The selection buffer (see [`selection`]).
    pub sel: Vec<u32>,
    /// Indirect arguments of conv1, conv2 and the in-place residual.
    pub conv_args: [u32; 9],
    /// Indirect arguments of the C-Net and `decide_channels`.
    pub gate_args: [u32; 6],
}

/// One-shot run on host gates (for tests): `decide_block` on `l_gates` (one per image), then
/// `decide_channels` on `c_gates` (`[image, planes]`), dispatched indirectly as in the network.
pub async fn run(
    ctx: &GpuContext,
    th: Thresholds,
    empty: EmptyBlock,
    l_gates: &[f32],
    c_gates: &[f32],
    pixel_groups: u32,
) -> Result<Decided> {
    let batch = l_gates.len();
    let planes = c_gates.len() / batch;
    let rec = record_words(planes);
    let p = Params {
        planes: planes as u32,
        trace_at: 0,
        pixel_groups,
        trace_stride: rec as u32,
        batch: batch as u32,
        residual_groups: super::groups_for(planes),
        pad: [0; 2],
    };
    let th = ctx.uniform("thresholds", &ThresholdParams::new(th, batch, empty));
    let params = ctx.uniform("decide params", &p);
    let n_sel = selection_words(planes, batch);
    let sel = ctx.scratch("sel", n_sel);
    let conv_args = ctx.scratch("conv args", 9);
    let gate_args = ctx.scratch("gate args", 6);
    let trace = ctx.scratch("trace", batch * rec);
    let lg = ctx.storage("l gates", l_gates);
    let cg = ctx.storage("c gates", c_gates);
    let block = ctx.bind(
        &ctx.pipes.decide_block,
        &[&th, &params, &lg, &sel, &conv_args, &trace, &gate_args],
    );
    let channels = ctx.bind(
        &ctx.pipes.decide_channels,
        &[&th, &params, &cg, &sel, &conv_args, &trace],
    );
    let mut encoder = ctx
        .device
        .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
    {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
        Dispatch::direct(block, [1, 1, 1]).encode(&mut pass, 1);
        Dispatch::indirect(channels, &gate_args, 12).encode(&mut pass, 1);
    }
    let words = ctx
        .submit_and_read(
            encoder,
            &[
                (&sel, n_sel),
                (&conv_args, 9),
                (&gate_args, 6),
                (&trace, batch * rec),
            ],
        )
        .await?;
    let (sel, rest) = words.split_at(n_sel);
    let (conv, rest) = rest.split_at(9);
    let (gate, records) = rest.split_at(6);
    Ok(Decided {
        decisions: records.chunks(rec).map(|r| decision(r, planes)).collect(),
        sel: sel.to_vec(),
        conv_args: conv.try_into().expect("9 words"),
        gate_args: gate.try_into().expect("6 words"),
    })
}
