// Turns gates and thresholds into what the following kernels do, on the GPU, so one image runs
// with no readback: a gate `<= tau` is skipped (as `Block::decide` on the CPU).
//
// `decide_block` runs after the L-Net: it records the L-gate and `ran`, arms the C-Net dispatch
// (1 workgroup, or 0 when the block is skipped), and sets conv1 to zero workgroups and conv2 to
// all output channels (or zero for a skipped block). `decide_channels` runs only for a running
// block (dispatched from `gate_args`): it builds the kept list in ascending order with the
// per-channel conv2 scales, and conv1's dispatch over the kept channels.
//
// sel:       [count, ran, bits(l_gate), 0, kept[planes], bits(c_gate * l_gate)[planes]]
// conv_args: [conv1 x, y, z, conv2 x, y, z]
// trace at trace_at: [bits(l_gate), ran, bits(c_gates)[planes], kept flags[planes]]

struct Thresholds {
    tau_l: f32,
    tau_c: f32,
    _p0: u32,
    _p1: u32,
}

struct Params {
    planes: u32,
    trace_at: u32,
    // Workgroups along the output pixels of the block's convolutions.
    pixel_groups: u32,
    _p0: u32,
}

@group(0) @binding(0) var<uniform> th: Thresholds;
@group(0) @binding(1) var<uniform> p: Params;
@group(0) @binding(2) var<storage, read> gates: array<f32>;
@group(0) @binding(3) var<storage, read_write> sel: array<u32>;
@group(0) @binding(4) var<storage, read_write> conv_args: array<u32>;
@group(0) @binding(5) var<storage, read_write> trace: array<u32>;
@group(0) @binding(6) var<storage, read_write> gate_args: array<u32>;

@compute @workgroup_size(1)
fn decide_block() {
    let g = gates[0];
    let ran = g > th.tau_l;
    sel[0] = 0u;
    sel[1] = u32(ran);
    sel[2] = bitcast<u32>(g);
    sel[3] = 0u;
    trace[p.trace_at] = bitcast<u32>(g);
    trace[p.trace_at + 1u] = u32(ran);
    for (var i = 0u; i < p.planes; i++) {
        trace[p.trace_at + 2u + i] = 0u;
        trace[p.trace_at + 2u + p.planes + i] = 0u;
    }
    let on = u32(ran);
    gate_args[0] = on;
    gate_args[1] = on;
    gate_args[2] = on;
    conv_args[0] = 0u;
    conv_args[1] = 0u;
    conv_args[2] = 0u;
    conv_args[3] = p.pixel_groups * on;
    conv_args[4] = p.planes * on;
    conv_args[5] = on;
}

@compute @workgroup_size(1)
fn decide_channels() {
    let g = bitcast<f32>(sel[2]);
    var k = 0u;
    for (var i = 0u; i < p.planes; i++) {
        let c = gates[i];
        let keep = c > th.tau_c;
        trace[p.trace_at + 2u + i] = bitcast<u32>(c);
        trace[p.trace_at + 2u + p.planes + i] = u32(keep);
        if (keep) {
            sel[4u + k] = i;
            sel[4u + p.planes + k] = bitcast<u32>(c * g);
            k++;
        }
    }
    sel[0] = k;
    conv_args[0] = p.pixel_groups;
    conv_args[1] = k;
    conv_args[2] = 1u;
}
