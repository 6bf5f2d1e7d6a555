// The end of a block over a batch; workgroup z is the image (or the z-th running image).
//
// `main` (a new output, after a projection shortcut): relu(shortcut + branch) when the image's
// block ran, relu(shortcut) when its L-gate skipped it (the branch then holds stale data and is
// not read). Without GATED (the static path) every block ran.
// `add_into` (identity shortcut, in place): x = relu(x + branch). With RUNNING it is dispatched
// over the running images only: a skipped image's x is already its block's output (x >= 0 after
// the previous ReLU), so it does no work here.

// `sel_*`: selection.wgsl, prepended.

struct Params {
    n: u32,       // elements per image
    flags: u32,
    batch: u32,
    planes: u32,
}

const GATED: u32 = 1u;
const RUNNING: u32 = 2u;

// Bindings 0-3 are shared by both entry points (`add_into` uses only them).
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> branch: array<f32>;
@group(0) @binding(2) var<storage, read> sel: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read> sc: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    if (gid.x >= p.n) {
        return;
    }
    let i = gid.z * p.n + gid.x;
    var v = sc[i];
    if ((p.flags & GATED) == 0u || sel[sel_image(p.batch, p.planes, gid.z) + 1u] != 0u) {
        v += branch[i];
    }
    y[i] = max(v, 0.0);
}

@compute @workgroup_size(64)
fn add_into(@builtin(global_invocation_id) gid: vec3<u32>) {
    if (gid.x >= p.n) {
        return;
    }
    var img = gid.z;
    if ((p.flags & RUNNING) != 0u) {
        img = sel[sel_run(gid.z)];
    }
    let i = img * p.n + gid.x;
    y[i] = max(y[i] + branch[i], 0.0);
}
