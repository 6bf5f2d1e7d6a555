//! Rust side of `decide.wgsl`: the layouts of the selection, dispatch-argument and trace words
//! the two decide kernels write, and their decoding into a [`Decision`].

use bytemuck::{Pod, Zeroable};

use super::{Dispatch, GpuContext};
use crate::decision::{Decision, Thresholds};
use crate::Result;

pub(crate) const WGSL: &str = include_str!("decide.wgsl");

/// Words of the per-block selection buffer: header, kept list, scales.
pub fn selection_words(planes: usize) -> usize {
    4 + 2 * planes
}

/// Words of one block's trace record: L-gate, ran, C-gates, kept flags.
pub fn record_words(planes: usize) -> usize {
    2 + 2 * planes
}

/// A selection buffer as `decide` writes it, built on the host (tests and the static path).
pub fn selection(
    planes: usize,
    ran: bool,
    l_gate: f32,
    kept: &[usize],
    scales: &[f32],
) -> Vec<u32> {
    let mut s = vec![0u32; selection_words(planes)];
    s[0] = kept.len() as u32;
    s[1] = u32::from(ran);
    s[2] = l_gate.to_bits();
    for (j, (&k, &sc)) in kept.iter().zip(scales).enumerate() {
        s[4 + j] = k as u32;
        s[4 + planes + j] = sc.to_bits();
    }
    s
}

/// The thresholds uniform.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub(crate) struct ThresholdParams {
    pub tau_l: f32,
    pub tau_c: f32,
    pub pad: [u32; 2],
}

impl From<Thresholds> for ThresholdParams {
    fn from(th: Thresholds) -> Self {
        Self {
            tau_l: th.tau_l,
            tau_c: th.tau_c,
            pad: [0; 2],
        }
    }
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub(crate) struct Params {
    pub planes: u32,
    pub trace_at: u32,
    pub pixel_groups: u32,
    pub pad: u32,
}

/// Decodes one block's trace record.
pub(crate) fn decision(record: &[u32], planes: usize) -> Decision {
    let l_gate = f32::from_bits(record[0]);
    let ran = record[1] != 0;
    if !ran {
        return Decision {
            l_gate: Some(l_gate),
            ran,
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
        ran,
        c_gates: Some(c_gates),
        kept,
    }
}

/// What the decide kernels wrote for one block.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    pub decision: Decision,
    /// The selection buffer (see [`selection`]).
    pub sel: Vec<u32>,
    /// Indirect arguments of conv1 and conv2.
    pub conv_args: [u32; 6],
    /// Indirect arguments of the C-Net and `decide_channels`.
    pub gate_args: [u32; 3],
}

/// One-shot run on host gates (for tests): `decide_block` on `l_gate`, then `decide_channels`
/// on `c_gates`, dispatched indirectly exactly as in the network.
pub async fn run(
    ctx: &GpuContext,
    th: Thresholds,
    l_gate: f32,
    c_gates: &[f32],
    pixel_groups: u32,
) -> Result<Decided> {
    let planes = c_gates.len();
    let p = Params {
        planes: planes as u32,
        trace_at: 0,
        pixel_groups,
        pad: 0,
    };
    let th = ctx.uniform("thresholds", &ThresholdParams::from(th));
    let params = ctx.uniform("decide params", &p);
    let sel = ctx.scratch("sel", selection_words(planes));
    let conv_args = ctx.scratch("conv args", 6);
    let gate_args = ctx.scratch("gate args", 3);
    let trace = ctx.scratch("trace", record_words(planes));
    let lg = ctx.storage("l gate", &[l_gate]);
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
        Dispatch::direct(block, [1, 1, 1]).encode(&mut pass);
        Dispatch::indirect(channels, &gate_args, 0).encode(&mut pass);
    }
    let n_sel = selection_words(planes);
    let words = ctx
        .submit_and_read(
            encoder,
            &[
                (&sel, n_sel),
                (&conv_args, 6),
                (&gate_args, 3),
                (&trace, record_words(planes)),
            ],
        )
        .await?;
    let (sel, rest) = words.split_at(n_sel);
    let (conv, rest) = rest.split_at(6);
    let (gate, record) = rest.split_at(3);
    Ok(Decided {
        decision: decision(record, planes),
        sel: sel.to_vec(),
        conv_args: conv.try_into().expect("6 words"),
        gate_args: gate.try_into().expect("3 words"),
    })
}
