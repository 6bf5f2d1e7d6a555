// Turns gates and thresholds into what the following kernels do, on the GPU, for a batch of
// images with no readback: a gate `<= tau` is skipped (as `Decision::from_gates` on the CPU).
//
// `decide_block` runs after the L-Net: per image it records the L-gate and `ran`; then it lists
// the running images and arms the dispatches that follow: the C-Net over the running images,
// `decide_channels` (1 workgroup, or 0 when no image runs the block), conv1 with zero rows until
// `decide_channels` sets it, conv2 and the in-place residual over the running images.
// `decide_channels` builds each running image's kept list in ascending order with the conv2
// scales, then the (image, kept channel) pairs of the whole batch, which conv1 is dispatched over.
//
// sel:       see selection.wgsl (prepended)
// conv_args: [conv1 x, y, z, conv2 x, y, z, residual x, y, z]
// gate_args: [C-Net x, y, z, decide_channels x, y, z]
// trace, per image at image * trace_stride + trace_at:
//            [bits(l_gate), ran, bits(c_gates)[planes], kept flags[planes]]

struct Thresholds {
    tau_l: f32,
    tau_c: f32,
    images: u32,      // images in this submission (<= batch)
    empty_skip: u32,  // 1: a block whose C-gates all close is skipped (the model card says so)
}

struct Params {
    planes: u32,
    trace_at: u32,
    pixel_groups: u32,  // workgroups along the output pixels of the block's convolutions
    trace_stride: u32,
    batch: u32,
    residual_groups: u32,
    _p0: u32,
    _p1: u32,
}

@group(0) @binding(0) var<uniform> th: Thresholds;
@group(0) @binding(1) var<uniform> p: Params;
@group(0) @binding(2) var<storage, read> gates: array<f32>;
@group(0) @binding(3) var<storage, read_write> sel: array<u32>;
@group(0) @binding(4) var<storage, read_write> conv_args: array<u32>;
@group(0) @binding(5) var<storage, read_write> trace: array<u32>;
@group(0) @binding(6) var<storage, read_write> gate_args: array<u32>;

@compute @workgroup_size(64)
fn decide_block(@builtin(local_invocation_index) t: u32) {
    for (var img = t; img < th.images; img += 64u) {
        let g = gates[img];
        let ran = g > th.tau_l;
        let at = sel_image(p.batch, p.planes, img);
        sel[at] = 0u;
        sel[at + 1u] = u32(ran);
        sel[at + 2u] = bitcast<u32>(g);
        sel[at + 3u] = 0u;
        let rec = img * p.trace_stride + p.trace_at;
        trace[rec] = bitcast<u32>(g);
        trace[rec + 1u] = u32(ran);
        for (var i = 0u; i < 2u * p.planes; i++) {
            trace[rec + 2u + i] = 0u;
        }
    }
    if (t != 0u) {
        return;
    }
    // The same comparison as above, so no barrier is needed to read the other threads' flags.
    var r = 0u;
    for (var img = 0u; img < th.images; img++) {
        if (gates[img] > th.tau_l) {
            sel[sel_run(r)] = img;
            r++;
        }
    }
    sel[0] = r;
    sel[1] = 0u;
    gate_args[0] = 1u;
    gate_args[1] = 1u;
    gate_args[2] = r;
    gate_args[3] = min(r, 1u);
    gate_args[4] = 1u;
    gate_args[5] = 1u;
    conv_args[0] = 0u;
    conv_args[1] = 0u;
    conv_args[2] = 0u;
    conv_args[3] = p.pixel_groups;
    conv_args[4] = p.planes;
    conv_args[5] = r;
    conv_args[6] = p.residual_groups;
    conv_args[7] = 1u;
    conv_args[8] = r;
}

// Where each running image's pairs start (exclusive prefix sum of the kept counts).
var<workgroup> first: array<u32, MAX_BATCH>;

@compute @workgroup_size(64)
fn decide_channels(@builtin(local_invocation_index) t: u32) {
    let r = sel[0];
    for (var q = t; q < r; q += 64u) {
        let img = sel[sel_run(q)];
        let at = sel_image(p.batch, p.planes, img);
        let rec = img * p.trace_stride + p.trace_at;
        let g = bitcast<f32>(sel[at + 2u]);
        var k = 0u;
        for (var i = 0u; i < p.planes; i++) {
            let c = gates[img * p.planes + i];
            let keep = c > th.tau_c;
            trace[rec + 2u + i] = bitcast<u32>(c);
            trace[rec + 2u + p.planes + i] = u32(keep);
            if (keep) {
                sel[at + 4u + k] = i;
                sel[at + 4u + p.planes + k] = bitcast<u32>(c * g);
                k++;
            }
        }
        sel[at] = k;
        first[q] = k;
        if (k == 0u && th.empty_skip != 0u) {
            // Skipped as a block: the residual adds no branch (`main` reads `ran`; conv2 scales
            // its bias by 0, so `add_into` adds zeros), and the trace says 2: C-Net ran, block
            // skipped.
            sel[at + 1u] = 0u;
            sel[at + 2u] = bitcast<u32>(0.0);
            trace[rec + 1u] = 2u;
        }
    }
    workgroupBarrier();
    if (t == 0u) {
        var total = 0u;
        for (var q = 0u; q < r; q++) {
            let k = first[q];
            first[q] = total;
            total += k;
        }
        sel[1] = total;
        conv_args[0] = p.pixel_groups;
        conv_args[1] = total;
        conv_args[2] = 1u;
    }
    workgroupBarrier();
    for (var q = t; q < r; q += 64u) {
        let img = sel[sel_run(q)];
        let k = sel[sel_image(p.batch, p.planes, img)];
        for (var j = 0u; j < k; j++) {
            sel[sel_pair(p.batch, first[q] + j)] = (img << 16u) | j;
        }
    }
}
