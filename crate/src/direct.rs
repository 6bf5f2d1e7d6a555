//! Direct CPU kernels for one image at a time: the execution path of `Exec::Dynamic` and
//! `Exec::Static`.
//!
//! candle's `conv2d` lowers every convolution to im2col + GEMM, and the dynamic path then also
//! paid for `index_select` copies and per-op tensor bookkeeping on ~60 small tensors per image,
//! so at batch 1 the skipped work did not turn into saved time. These kernels compute a 3x3
//! convolution directly from channel-major feature maps with a zero border, over exactly the
//! channels they are given: the caller gathers the kept filters (and folds the gate scales into
//! them), and a skipped channel costs nothing. candle's dense path stays the reference they are
//! tested against (`crate/tests/direct.rs`).
//!
//! The inner loops work on fixed-size lane arrays that LLVM turns into SIMD: wasm simd128 in the
//! browser (the build enables `+simd128`), SSE2 natively, and AVX2 + FMA where the CPU has them
//! (chosen at run time by `multiversion`).

use multiversion::multiversion;
use multiversion::target::target_cfg_f;

/// Output positions computed together (one AVX register, two simd128 registers).
const LANES: usize = 8;
/// Output channels computed together, sharing every input load.
const BLOCK: usize = 4;
/// Floats past the last plane, so a row read for a partial lane group stays in bounds.
const SLACK: usize = 2 * LANES + 4;

/// Feature maps of one image, `[C, H, W]` channel-major, each plane stored with a one-pixel zero
/// border (`(H + 2) x (W + 2)`), which is the padding of a 3x3 convolution. Every operation here
/// keeps the border at zero.
#[derive(Debug, Clone)]
pub struct Planes {
    pub c: usize,
    pub h: usize,
    pub w: usize,
    data: Vec<f32>,
}

impl Planes {
    /// Room is made for a multiple of `BLOCK` planes: the convolution may fill the planes past
    /// `c` of its last block instead of running narrower tiles. They are never read.
    pub fn zeros(c: usize, h: usize, w: usize) -> Self {
        Self {
            c,
            h,
            w,
            data: vec![0.0; c.next_multiple_of(BLOCK) * (h + 2) * (w + 2) + SLACK],
        }
    }

    /// From a dense `[C, H, W]` buffer.
    pub fn from_chw(c: usize, h: usize, w: usize, chw: &[f32]) -> Self {
        assert_eq!(chw.len(), c * h * w, "buffer is not [{c}, {h}, {w}]");
        let mut p = Self::zeros(c, h, w);
        for ch in 0..c {
            for y in 0..h {
                let src = &chw[(ch * h + y) * w..][..w];
                let at = p.at(ch, y, 0);
                p.data[at..at + w].copy_from_slice(src);
            }
        }
        p
    }

    /// The dense `[C, H, W]` values, border dropped.
    pub fn to_chw(&self) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.c * self.h * self.w);
        for ch in 0..self.c {
            for y in 0..self.h {
                let at = self.at(ch, y, 0);
                out.extend_from_slice(&self.data[at..at + self.w]);
            }
        }
        out
    }

    fn plane_len(&self) -> usize {
        (self.h + 2) * (self.w + 2)
    }

    /// Index of pixel `(y, x)` of channel `ch` (border excluded).
    fn at(&self, ch: usize, y: usize, x: usize) -> usize {
        ch * self.plane_len() + (y + 1) * (self.w + 2) + x + 1
    }

    /// Mean of each channel (the global average pool): `[C]`.
    pub fn channel_means(&self) -> Vec<f32> {
        let n = (self.h * self.w) as f32;
        // The border is zero, so summing the whole plane sums the image.
        let pl = self.plane_len();
        (0..self.c)
            .map(|ch| lane_sum(&self.data[ch * pl..(ch + 1) * pl]) / n)
            .collect()
    }

    /// `max(x, 0)` in place.
    pub fn relu(mut self) -> Self {
        self.data.iter_mut().for_each(|v| *v = v.max(0.0));
        self
    }
}

/// A sum in `LANES` independent partial sums: a plain `iter().sum()` is one long chain of
/// dependent additions that the compiler may not reorder (it cost more than all gates together).
fn lane_sum(v: &[f32]) -> f32 {
    let mut acc = [0f32; LANES];
    let chunks = v.chunks_exact(LANES);
    let rest: f32 = chunks.remainder().iter().sum();
    for c in chunks {
        for (a, x) in acc.iter_mut().zip(c) {
            *a += x;
        }
    }
    acc.iter().sum::<f32>() + rest
}

/// What happens after the sum over inputs: `y = acc + bias (+ residual)`, then optionally ReLU.
#[derive(Debug, Clone, Copy)]
pub struct Epilogue<'a> {
    pub residual: Option<&'a Planes>,
    pub relu: bool,
}

/// Output size of a 3x3 / padding 1 or 1x1 / padding 0 convolution with this stride.
pub fn out_size(size: usize, stride: usize) -> usize {
    (size - 1) / stride + 1
}

/// 3x3 convolution, padding 1: `y[o] = bias[o] + sum_i w[o][i] * x[i]`, then the epilogue.
///
/// # Shapes
/// `x [C_in, H, W]`, `w [C_out, C_in, 3, 3]` (flat), `bias [C_out]` ->
/// `[C_out, H / stride, W / stride]`. `C_in` or `C_out` may be 0 (a block whose channels were
/// all skipped is bias + residual only).
pub fn conv3x3(x: &Planes, w: &[f32], bias: &[f32], stride: usize, ep: Epilogue) -> Planes {
    let (n_in, n_out) = (x.c, bias.len());
    assert_eq!(
        w.len(),
        n_out * n_in * 9,
        "weights are not [{n_out}, {n_in}, 3, 3]"
    );
    assert!(stride == 1 || stride == 2, "stride {stride}");
    let (ho, wo) = (out_size(x.h, stride), out_size(x.w, stride));
    let mut out = Planes::zeros(n_out, ho, wo);
    if let Some(r) = ep.residual {
        assert_eq!((r.c, r.h, r.w), (n_out, ho, wo), "residual shape");
    }
    crate::counter::add(n_out * n_in * 9 * ho * wo);
    if stride == 1 {
        let src = Source {
            data: &x.data,
            n_in,
            plane: x.plane_len(),
            row: x.w + 2,
            rows_per_y: 1,
            tap: [0, 1, 2],
        };
        conv3x3_kernel(&src, w, bias, &mut out, ep);
    } else {
        let split = deinterleave(x);
        conv3x3_kernel(&split.source(n_in), w, bias, &mut out, ep);
    }
    out
}

/// Where the kernel reads its input: output pixel `(y, x)` of kernel tap `(ky, kx)` reads
/// `data[i * plane + (y * rows_per_y + ky) * row + x + tap[kx]]`, and the `LANES` pixels from
/// `x` on are contiguous for every tap, so each is one vector load.
struct Source<'a> {
    data: &'a [f32],
    n_in: usize,
    plane: usize,
    row: usize,
    rows_per_y: usize,
    tap: [usize; 3],
}

/// A stride-2 input with each padded row split into its even then its odd columns: tap 0 reads
/// even column `2x`, tap 1 odd column `2x + 1`, tap 2 even column `2x + 2`.
struct Deinterleaved {
    data: Vec<f32>,
    half: usize,
    rows: usize,
}

impl Deinterleaved {
    fn source(&self, n_in: usize) -> Source<'_> {
        Source {
            data: &self.data,
            n_in,
            plane: self.rows * 2 * self.half,
            row: 2 * self.half,
            rows_per_y: 2,
            tap: [0, self.half, 1],
        }
    }
}

fn deinterleave(x: &Planes) -> Deinterleaved {
    let (rows, pw) = (x.h + 2, x.w + 2);
    let half = pw.div_ceil(2);
    let mut data = vec![0f32; x.c * rows * 2 * half + SLACK];
    for (r, src) in x.data.chunks_exact(pw).take(x.c * rows).enumerate() {
        let dst = &mut data[r * 2 * half..(r + 1) * 2 * half];
        for (j, v) in src.iter().enumerate() {
            dst[(j % 2) * half + j / 2] = *v;
        }
    }
    Deinterleaved { data, half, rows }
}

// `f32::mul_add` becomes one instruction only where the CPU has FMA; elsewhere (SSE2, simd128)
// it would call a slow software routine, so those builds multiply and add.
#[multiversion(targets("x86_64+avx2+fma"))]
fn conv3x3_kernel(src: &Source, w: &[f32], bias: &[f32], out: &mut Planes, ep: Epilogue) {
    // Stride 1 gets its taps as constants, which keeps the loads free of bounds checks.
    match (target_cfg_f!(target_feature = "fma"), src.rows_per_y) {
        (true, 1) => conv3x3_blocks::<1, true>(src, w, bias, out, ep),
        (false, 1) => conv3x3_blocks::<1, false>(src, w, bias, out, ep),
        (true, _) => conv3x3_blocks::<2, true>(src, w, bias, out, ep),
        (false, _) => conv3x3_blocks::<2, false>(src, w, bias, out, ep),
    }
}

#[inline(always)]
fn conv3x3_blocks<const S: usize, const FMA: bool>(
    src: &Source,
    w: &[f32],
    bias: &[f32],
    out: &mut Planes,
    ep: Epilogue,
) {
    let (n_out, row) = (bias.len(), src.n_in * 9);
    let mut o = 0;
    while o + BLOCK <= n_out {
        tile::<S, BLOCK, FMA>(src, &w[o * row..], &bias[o..], o, out, ep);
        o += BLOCK;
    }
    // A kept channel count is arbitrary. Two or three left over run as a full block with zero
    // filters (cheaper than narrower tiles; the extra planes exist, see `Planes::zeros`, and
    // are never read), one as a single-channel tile.
    match n_out - o {
        0 => {}
        1 => tile::<S, 1, FMA>(src, &w[o * row..], &bias[o..], o, out, ep),
        r => {
            let mut wb = vec![0f32; BLOCK * row];
            wb[..r * row].copy_from_slice(&w[o * row..]);
            let mut bb = [0f32; BLOCK];
            bb[..r].copy_from_slice(&bias[o..]);
            tile::<S, BLOCK, FMA>(src, &wb, &bb, o, out, ep);
        }
    }
}

/// Output channels `o0..o0 + NB` (filters `w [NB, C_in, 3, 3]`, `bias [NB]`), every row, `LANES`
/// output pixels at a time.
#[inline(always)]
fn tile<const S: usize, const NB: usize, const FMA: bool>(
    src: &Source,
    w: &[f32],
    bias: &[f32],
    o0: usize,
    out: &mut Planes,
    ep: Epilogue,
) {
    let n_in = src.n_in;
    let tap = if S == 1 { [0, 1, 2] } else { src.tap };
    let span = tap[0].max(tap[1]).max(tap[2]) + LANES;
    for y in 0..out.h {
        let mut x0 = 0;
        while x0 < out.w {
            let mut acc = [[0f32; LANES]; NB];
            for i in 0..n_in {
                let mut wk = [[0f32; 9]; NB];
                for (q, wq) in wk.iter_mut().enumerate() {
                    let at = (q * n_in + i) * 9;
                    wq.copy_from_slice(&w[at..at + 9]);
                }
                for ky in 0..3 {
                    // Padded row `y * S + ky` holds input row `y * S + ky - 1`.
                    let start = i * src.plane + (y * S + ky) * src.row + x0;
                    let row = &src.data[start..start + span];
                    for kx in 0..3 {
                        let mut v = [0f32; LANES];
                        v.copy_from_slice(&row[tap[kx]..tap[kx] + LANES]);
                        for q in 0..NB {
                            let wv = wk[q][ky * 3 + kx];
                            for l in 0..LANES {
                                acc[q][l] = if FMA {
                                    wv.mul_add(v[l], acc[q][l])
                                } else {
                                    wv * v[l] + acc[q][l]
                                };
                            }
                        }
                    }
                }
            }
            let lanes = LANES.min(out.w - x0);
            for (q, acc) in acc.iter().enumerate() {
                // Whole lane groups (the buffers' slack covers a partial one), stored up to `lanes`.
                let at = out.at(o0 + q, y, x0);
                let mut v = [0f32; LANES];
                for l in 0..LANES {
                    v[l] = acc[l] + bias[q];
                }
                if let Some(r) = ep.residual {
                    let r: &[f32] = &r.data[at..at + LANES];
                    for l in 0..LANES {
                        v[l] += r[l];
                    }
                }
                if ep.relu {
                    for x in &mut v {
                        *x = x.max(0.0);
                    }
                }
                out.data[at..at + lanes].copy_from_slice(&v[..lanes]);
            }
            x0 += LANES;
        }
    }
}

/// 1x1 convolution, padding 0 (the projection shortcut): `y[o] = bias[o] + sum_i w[o][i] x[i]`.
///
/// # Shapes
/// `x [C_in, H, W]`, `w [C_out, C_in]` (flat), `bias [C_out]` -> `[C_out, H / stride, W / stride]`.
pub fn conv1x1(x: &Planes, w: &[f32], bias: &[f32], stride: usize) -> Planes {
    let (n_in, n_out) = (x.c, bias.len());
    assert_eq!(
        w.len(),
        n_out * n_in,
        "weights are not [{n_out}, {n_in}, 1, 1]"
    );
    let (ho, wo) = (out_size(x.h, stride), out_size(x.w, stride));
    let mut out = Planes::zeros(n_out, ho, wo);
    crate::counter::add(n_out * n_in * ho * wo);
    // Gather the strided input pixels once: `[C_in, Ho * Wo]`.
    let mut xs = vec![0f32; n_in * ho * wo];
    for i in 0..n_in {
        for y in 0..ho {
            for xo in 0..wo {
                xs[(i * ho + y) * wo + xo] = x.data[x.at(i, y * stride, xo * stride)];
            }
        }
    }
    let mut row = vec![0f32; ho * wo];
    for o in 0..n_out {
        row.fill(bias[o]);
        for i in 0..n_in {
            let wv = w[o * n_in + i];
            for (r, v) in row.iter_mut().zip(&xs[i * ho * wo..(i + 1) * ho * wo]) {
                *r += wv * v;
            }
        }
        for y in 0..ho {
            let at = out.at(o, y, 0);
            out.data[at..at + wo].copy_from_slice(&row[y * wo..(y + 1) * wo]);
        }
    }
    out
}

/// A dense layer: `y = W x + b`, `W [out, in]` row-major.
pub fn linear(w: &[f32], b: &[f32], x: &[f32]) -> Vec<f32> {
    assert_eq!(
        w.len(),
        b.len() * x.len(),
        "linear weights are not [{}, {}]",
        b.len(),
        x.len()
    );
    crate::counter::add(w.len());
    b.iter()
        .enumerate()
        .map(|(o, &bo)| {
            bo + w[o * x.len()..(o + 1) * x.len()]
                .iter()
                .zip(x)
                .map(|(w, x)| w * x)
                .sum::<f32>()
        })
        .collect()
}
