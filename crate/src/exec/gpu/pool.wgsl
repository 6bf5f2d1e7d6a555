// Global average pool over a batch: [image, C, H, W] -> [image, C]. One invocation per channel;
// workgroup z is the image.

struct Params {
    c: u32,
    hw: u32,
    _p0: u32,
    _p1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let c = gid.x;
    if (c >= p.c) {
        return;
    }
    let row = gid.z * p.c + c;
    var acc = 0.0;
    for (var i = 0u; i < p.hw; i++) {
        acc += x[row * p.hw + i];
    }
    y[row] = acc / f32(p.hw);
}
