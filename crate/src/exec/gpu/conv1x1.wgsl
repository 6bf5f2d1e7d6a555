// 1x1 projection shortcut (stride 1 or 2, no padding) with its folded batch-norm bias, over a
// batch of images. One invocation per output pixel; workgroup row y is the output channel, z the
// image.

// `Params`: conv_params.wgsl, prepended.

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let hw = p.h_out * p.w_out;
    let pix = gid.x;
    let oc = gid.y;
    let img = gid.z;
    if (pix >= hw) {
        return;
    }
    let src = (pix / p.w_out) * p.stride * p.w_in + (pix % p.w_out) * p.stride;
    let hw_in = p.h_in * p.w_in;
    let x0 = img * p.c_in * hw_in;
    var acc = 0.0;
    for (var ic = 0u; ic < p.c_in; ic++) {
        acc += x[x0 + ic * hw_in + src] * w[oc * p.c_in + ic];
    }
    y[(img * p.c_out + oc) * hw + pix] = acc + b[oc];
}
