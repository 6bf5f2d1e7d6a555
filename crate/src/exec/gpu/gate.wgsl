// An L-Net or C-Net (LC-Net, arXiv:2007.15151): pooled -> fc1 -> ReLU -> fc2 -> clamp(0, 1).
// One workgroup per image; the hidden layer lives in workgroup memory (at most MAX_HIDDEN units).
// Workgroup z is the image, or with RUNNING (the C-Net) the z-th running image of `sel`.

// `sel_*`: selection.wgsl, prepended.

struct Params {
    c_in: u32,
    hidden: u32,
    n_out: u32,
    flags: u32,
}

const MAX_HIDDEN: u32 = 256u;
const RUNNING: u32 = 1u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w1: array<f32>;
@group(0) @binding(3) var<storage, read> b1: array<f32>;
@group(0) @binding(4) var<storage, read> w2: array<f32>;
@group(0) @binding(5) var<storage, read> b2: array<f32>;
@group(0) @binding(6) var<storage, read> sel: array<u32>;
@group(0) @binding(7) var<storage, read_write> y: array<f32>;

var<workgroup> hid: array<f32, MAX_HIDDEN>;

@compute @workgroup_size(64)
fn main(
    @builtin(local_invocation_index) t: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
) {
    var img = wid.z;
    if ((p.flags & RUNNING) != 0u) {
        img = sel[sel_run(wid.z)];
    }
    let x0 = img * p.c_in;
    for (var h = t; h < min(p.hidden, MAX_HIDDEN); h += 64u) {
        var acc = 0.0;
        for (var i = 0u; i < p.c_in; i++) {
            acc += w1[h * p.c_in + i] * x[x0 + i];
        }
        hid[h] = max(acc + b1[h], 0.0);
    }
    workgroupBarrier();
    for (var o = t; o < p.n_out; o += 64u) {
        var acc = 0.0;
        for (var h = 0u; h < p.hidden; h++) {
            acc += w2[o * p.hidden + h] * hid[h];
        }
        y[img * p.n_out + o] = clamp(acc + b2[o], 0.0, 1.0);
    }
}
