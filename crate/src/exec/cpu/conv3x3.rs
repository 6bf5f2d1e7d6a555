//! The 3x3 convolution (padding 1, stride 1 or 2) over the kept filters and columns of a weight
//! tensor, read in place, with bias, gate scales, residual and ReLU in one epilogue. Stride 1 on
//! even sizes runs as Winograd F(2x2, 3x3) where the filters come with their transform
//! ([`super::winograd`]); the rest runs the direct kernel here.

use multiversion::multiversion;
use multiversion::target::target_cfg_f;

use super::filters::{Epilogue, Filters};
use super::planes::{Planes, LANES, SLACK};
use super::tiling::{self, madd, Tiled};
use super::winograd;
use crate::model::geometry::out_size;
use crate::model::Conv;

impl<'a> Filters<'a> {
    /// Every filter of a folded 3x3 convolution, with its Winograd transform if it has stride 1
    /// (made the first time, [`Conv::winograd`]).
    pub fn of(c: &'a Conv) -> Self {
        assert_eq!(c.k, 3, "not a 3x3 convolution");
        let u = || winograd::transform_filters(&c.weight, c.c_out, c.c_in);
        Self {
            winograd: (c.stride == 1).then(|| c.winograd.get_or_init(u).as_slice()),
            ..Self::dense(&c.weight, c.c_in)
        }
    }
}

/// 3x3 convolution, padding 1: `y[o] = bias[o] + sum_i w[o][i] * x[i]`, then the epilogue.
///
/// # Shapes
/// `x [C_in, H, W]`, `w [C_out, C_in, 3, 3]` (flat), `bias [C_out]` ->
/// `[C_out, H / stride, W / stride]`. `C_in` or `C_out` may be 0 (a block whose channels were
/// all skipped is bias + residual only).
pub fn conv3x3(x: &Planes, w: &[f32], bias: &[f32], stride: usize, ep: Epilogue) -> Planes {
    conv3x3_filters(x, Filters::dense(w, x.c), bias, stride, ep)
}

/// [`conv3x3`] over a subset of a weight tensor's filters and input columns ([`Filters`]):
/// `y[o] = bias[o] + sum_j w[rows[o]][cols[j]] * x[j]`, then the epilogue.
///
/// # Shapes
/// `x [J, H, W]`, `bias [O]` -> `[O, H / stride, W / stride]`, with `O = rows.len()` (or the
/// tensor's row count) and `J = cols.len()` (or `cols_total`).
pub fn conv3x3_filters(
    x: &Planes,
    f: Filters,
    bias: &[f32],
    stride: usize,
    ep: Epilogue,
) -> Planes {
    let (n_in, n_out) = (x.c, bias.len());
    match f.rows {
        Some(r) => assert_eq!(r.len(), n_out, "one row per bias"),
        None => assert_eq!(
            f.w.len(),
            n_out * f.cols_total * 9,
            "weights are not [{n_out}, {}, 3, 3]",
            f.cols_total
        ),
    }
    match f.cols {
        Some(c) => assert_eq!(c.len(), n_in, "one column per input plane"),
        None => assert_eq!(
            f.cols_total, n_in,
            "weights have {} input channels, x has {n_in}",
            f.cols_total
        ),
    }
    let limit = f.w.len() / 9;
    assert!(
        f.rows
            .unwrap_or_default()
            .iter()
            .all(|&o| (o + 1) * f.cols_total <= limit)
            && f.cols.unwrap_or_default().iter().all(|&i| i < f.cols_total),
        "a row or column is out of range"
    );
    if let Some(s) = ep.scale {
        assert_eq!(s.len(), n_out, "one scale per output channel");
    }
    assert!(stride == 1 || stride == 2, "stride {stride}");
    let (ho, wo) = (out_size(x.h, stride), out_size(x.w, stride));
    let mut out = Planes::zeros(n_out, ho, wo);
    if let Some(r) = ep.residual {
        assert_eq!((r.c, r.h, r.w), (n_out, ho, wo), "residual shape");
    }
    crate::counter::add(n_out * n_in * 9 * ho * wo);
    if n_out == 0 {
        // A running block whose channels were all skipped: nothing to compute (the Winograd
        // path would still transform the whole input).
        return out;
    }
    if let (1, Some(u)) = (stride, f.winograd) {
        if x.h.is_multiple_of(2) && x.w.is_multiple_of(2) && n_in > 0 {
            winograd::conv3x3(x, &f, u, bias, ep, &mut out);
            return out;
        }
    }
    if stride == 1 {
        let src = Source {
            data: &x.data,
            n_in,
            plane: x.plane_len(),
            row: x.w + 2,
            rows_per_y: 1,
            tap: [0, 1, 2],
        };
        conv3x3_kernel(&src, &f, bias, &mut out, ep);
    } else {
        let split = deinterleave(x);
        conv3x3_kernel(&split.source(n_in), &f, bias, &mut out, ep);
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
        let (even, odd) = data[r * 2 * half..(r + 1) * 2 * half].split_at_mut(half);
        let pairs = src.chunks_exact(2);
        if let [last] = pairs.remainder() {
            even[half - 1] = *last;
        }
        for ((e, o), p) in even.iter_mut().zip(odd.iter_mut()).zip(pairs) {
            (*e, *o) = (p[0], p[1]);
        }
    }
    Deinterleaved { data, half, rows }
}

// `FMA`: see [`madd`].
#[multiversion(targets("x86_64+avx2+fma"))]
fn conv3x3_kernel(src: &Source, w: &Filters, bias: &[f32], out: &mut Planes, ep: Epilogue) {
    let groups = groups(src, out);
    let n_out = bias.len();
    // Stride 1 gets its taps as constants, which keeps the loads free of bounds checks.
    match (target_cfg_f!(target_feature = "fma"), src.rows_per_y) {
        (true, 1) => tiling::run::<_, true>(&Job::<1> { src, w, bias, ep }, n_out, out, &groups),
        (false, 1) => tiling::run::<_, false>(&Job::<1> { src, w, bias, ep }, n_out, out, &groups),
        (true, _) => tiling::run::<_, true>(&Job::<2> { src, w, bias, ep }, n_out, out, &groups),
        (false, _) => tiling::run::<_, false>(&Job::<2> { src, w, bias, ep }, n_out, out, &groups),
    }
}

/// What every tile of one convolution of stride `S` shares: its input, filters, biases and
/// epilogue.
#[derive(Clone, Copy)]
struct Job<'a, const S: usize> {
    src: &'a Source<'a>,
    w: &'a Filters<'a>,
    bias: &'a [f32],
    ep: Epilogue<'a>,
}

/// `LANES` output pixels of one row: where its tap `(0, 0)` reads in input channel 0, where it
/// writes in output channel 0, and how many of its lanes are inside the row.
#[derive(Clone, Copy)]
struct Group {
    src: usize,
    dst: usize,
    lanes: usize,
}

fn groups(src: &Source, out: &Planes) -> Vec<Group> {
    let mut g = Vec::with_capacity(out.h * out.w.div_ceil(LANES));
    for y in 0..out.h {
        for x0 in (0..out.w).step_by(LANES) {
            g.push(Group {
                src: y * src.rows_per_y * src.row + x0,
                dst: out.at(0, y, x0),
                lanes: LANES.min(out.w - x0),
            });
        }
    }
    g
}

impl<const S: usize> Tiled for Job<'_, S> {
    type Group = Group;
    type Out = Planes;

    /// Output channels `o0..o0 + NB` (of the job's computed ones) at the `G` lane groups `at`.
    #[inline(always)]
    fn tile<const NB: usize, const G: usize, const FMA: bool>(
        &self,
        o0: usize,
        out: &mut Planes,
        at: &[Group; G],
    ) {
        let Job { src, w, bias, ep } = *self;
        let n_in = src.n_in;
        let tap = if S == 1 { [0, 1, 2] } else { src.tap };
        let span = tap[0].max(tap[1]).max(tap[2]) + LANES;
        let mut filter = [0usize; NB];
        for (q, f) in filter.iter_mut().enumerate() {
            *f = w.row(o0 + q) * w.cols_total * 9;
        }
        let mut acc = [[[0f32; LANES]; G]; NB];
        for i in 0..n_in {
            let col = w.col(i) * 9;
            // Each weight is read where it lies, as it is used (copying the tile's 9 * NB weights
            // to the stack first costs as many loads and stores as the kernel has taps).
            let mut wk: [&[f32; 9]; NB] = [&[0.0; 9]; NB];
            for (q, wq) in wk.iter_mut().enumerate() {
                let at = filter[q] + col;
                *wq = w.w[at..at + 9].try_into().unwrap();
            }
            for ky in 0..3 {
                // Padded row `y * S + ky` holds input row `y * S + ky - 1`.
                let base = i * src.plane + ky * src.row;
                // Plain loops, not `array::from_fn`: wasm builds left those as calls in this loop.
                let mut rows: [&[f32]; G] = [&[]; G];
                for g in 0..G {
                    let start = base + at[g].src;
                    rows[g] = &src.data[start..start + span];
                }
                for kx in 0..3 {
                    // Read where they lie: a copy at a run-time offset (stride 2's taps) became
                    // a memory copy through the stack in wasm.
                    let mut v: [&[f32; LANES]; G] = [&[0.0; LANES]; G];
                    for g in 0..G {
                        v[g] = rows[g][tap[kx]..tap[kx] + LANES].try_into().unwrap();
                    }
                    for q in 0..NB {
                        let wv = wk[q][ky * 3 + kx];
                        for g in 0..G {
                            madd::<FMA>(&mut acc[q][g], wv, v[g]);
                        }
                    }
                }
            }
        }
        let plane = out.plane_len();
        for (q, acc) in acc.iter().enumerate() {
            for (g, acc) in acc.iter().enumerate() {
                let dst = (o0 + q) * plane + at[g].dst;
                ep.store(*acc, bias, o0 + q, out, dst, at[g].lanes);
            }
        }
    }
}
