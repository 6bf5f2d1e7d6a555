// 3x3 convolution, padding 1, stride 1 or 2, with the folded batch-norm bias and an optional
// ReLU, over a batch of images. One invocation per output pixel.
//
// Dense (the stem and the static path): workgroup row y is the output channel, z the image.
// Real skipping (LC-Net, arXiv:2007.15151), with `sel` as decide.wgsl wrote it for the batch:
// - OUT_LIST (conv1): row y is the y-th (image, kept channel) pair of the whole batch; it computes
//   that channel and writes it compactly to the image's slot. The dispatch has exactly as many
//   rows as pairs, so work is proportional to the kept channels of the running images.
// - IN_LIST (conv2): z is the z-th running image; its input holds `count` compact channels,
//   channel j is weight input channel `kept[j]` scaled by `scale[j]` (C-gate * L-gate), and the
//   bias is scaled by the L-gate. Images whose block is skipped get no workgroups.

// `Params`: conv_params.wgsl; `sel_*`: selection.wgsl; both prepended.

const RELU: u32 = 1u;
const OUT_LIST: u32 = 2u;
const IN_LIST: u32 = 4u;

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
    if (pix >= hw) {
        return;
    }
    var img = gid.z;
    var slot = gid.y;
    var oc = slot;
    var n_in = p.c_in;
    var bias_scale = 1.0;
    var at = 0u;
    if ((p.flags & OUT_LIST) != 0u) {
        if (gid.y >= sel[1]) {
            return;
        }
        let pair = sel[sel_pair(p.batch, gid.y)];
        img = pair >> 16u;
        slot = pair & 0xffffu;
        at = sel_image(p.batch, p.c_out, img);
        oc = sel[at + 4u + slot];
    }
    if ((p.flags & IN_LIST) != 0u) {
        img = sel[sel_run(gid.z)];
        at = sel_image(p.batch, p.c_out, img);
        n_in = sel[at];
        bias_scale = bitcast<f32>(sel[at + 2u]);
    }
    let iy0 = i32((pix / p.w_out) * p.stride) - 1;
    let ix0 = i32((pix % p.w_out) * p.stride) - 1;
    let hw_in = p.h_in * p.w_in;
    let x0 = img * p.c_in * hw_in;
    var acc = 0.0;
    for (var j = 0u; j < n_in; j++) {
        var ic = j;
        var s = 1.0;
        if ((p.flags & IN_LIST) != 0u) {
            ic = sel[at + 4u + j];
            s = bitcast<f32>(sel[at + 4u + p.c_out + j]);
        }
        let xb = x0 + j * hw_in;
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
    y[(img * p.c_out + slot) * hw + pix] = v;
}
