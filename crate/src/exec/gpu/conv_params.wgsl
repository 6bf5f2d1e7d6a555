// The uniform block of conv3x3.wgsl and conv1x1.wgsl (`ConvParams` in conv3x3.rs), prepended to
// both by the Rust side (WGSL has no includes). Tensors are [image, channel, y, x]; `batch` is
// the capacity of the selection buffer (images per submission).

struct Params {
    c_in: u32,    // input channels of the weight tensor (and of the input in dense modes)
    c_out: u32,   // output channels of the weight tensor (= capacity of the kept list)
    h_in: u32,
    w_in: u32,
    h_out: u32,
    w_out: u32,
    stride: u32,
    flags: u32,
    batch: u32,
    _p0: u32,
    _p1: u32,
    _p2: u32,
}
