// Fully connected layer (the classifier) over a batch: y = W x + b, W [n_out, n_in]. One
// invocation per output; workgroup z is the image.

struct Params {
    n_in: u32,
    n_out: u32,
    _p0: u32,
    _p1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let o = gid.x;
    if (o >= p.n_out) {
        return;
    }
    let x0 = gid.z * p.n_in;
    var acc = 0.0;
    for (var i = 0u; i < p.n_in; i++) {
        acc += w[o * p.n_in + i] * x[x0 + i];
    }
    y[gid.z * p.n_out + o] = acc + b[o];
}
