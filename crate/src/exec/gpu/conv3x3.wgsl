// 3x3 convolution, padding 1, stride 1 or 2, with the folded batch-norm bias and an optional
// ReLU. One invocation per output pixel; workgroup row y is one output channel (or kept slot).
//
// Real skipping (LC-Net, arXiv:2007.15151): with OUT_LIST (conv1) row y computes kept channel
// `sel.kept[y]` and writes it compactly to row y, and the dispatch has exactly `count` rows; with
// IN_LIST (conv2) the input holds `count` compact channels, channel j is weight input channel
// `sel.kept[j]` scaled by `sel.scale[j]` (C-gate * L-gate), and the bias is scaled by the L-gate.
// Work is proportional to the number of kept channels.

// `Params`: conv_params.wgsl, prepended.

const RELU: u32 = 1u;
const OUT_LIST: u32 = 2u;
const IN_LIST: u32 = 4u;

// sel: [count, ran, bits(l_gate), 0, kept[c_out], bits(scale)[c_out]] (see decide.wgsl)
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read> sel: array<u32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let hw = p.h_out * p.w_out;
    let pix = gid.x;
    let slot = gid.y;
    if (pix >= hw) {
        return;
    }
    var oc = slot;
    if ((p.flags & OUT_LIST) != 0u) {
        if (slot >= sel[0]) {
            return;
        }
        oc = sel[4u + slot];
    }
    var n_in = p.c_in;
    var bias_scale = 1.0;
    if ((p.flags & IN_LIST) != 0u) {
        n_in = sel[0];
        bias_scale = bitcast<f32>(sel[2]);
    }
    let iy0 = i32((pix / p.w_out) * p.stride) - 1;
    let ix0 = i32((pix % p.w_out) * p.stride) - 1;
    let hw_in = p.h_in * p.w_in;
    var acc = 0.0;
    for (var j = 0u; j < n_in; j++) {
        var ic = j;
        var s = 1.0;
        if ((p.flags & IN_LIST) != 0u) {
            ic = sel[4u + j];
            s = bitcast<f32>(sel[4u + p.c_out + j]);
        }
        let xb = j * hw_in;
        let wb = (oc * p.c_in + ic) * 9u;
        var part = 0.0;
        for (var ky = 0; ky < 3; ky++) {
            let iy = iy0 + ky;
            if (iy < 0 || iy >= i32(p.h_in)) {
                continue;
            }
            for (var kx = 0; kx < 3; kx++) {
                let ix = ix0 + kx;
                if (ix < 0 || ix >= i32(p.w_in)) {
                    continue;
                }
                part += x[xb + u32(iy) * p.w_in + u32(ix)] * w[wb + u32(ky * 3 + kx)];
            }
        }
        acc += s * part;
    }
    var v = acc + b[oc] * bias_scale;
    if ((p.flags & RELU) != 0u) {
        v = max(v, 0.0);
    }
    y[slot * hw + pix] = v;
}
