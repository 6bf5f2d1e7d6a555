//! The stride-1 3x3 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray,
//! "Fast Algorithms for Convolutional Neural Networks", 2016). Every 2x2 output tile of output
//! channel `o` is `A^T (sum_i U[o][i] * V[i]) A`, elementwise over 16 positions, with
//! `V[i] = B^T d B` the tile's 4x4 input patch `d` of channel `i` and `U = G g G^T` the 3x3
//! filter `g`, transformed once when the weights load. A tile and channel pair costs 16
//! multiply-adds instead of the direct kernel's 36, for a few additions per tile and channel in
//! the two transforms. The same kept filters and columns as the direct kernel are read in place.
//!
//! Three passes over one image: input transform (`V [16, C_in, T]`, `T` tiles rounded up to whole
//! lane groups), the 16 products `M[p] = U[p] V[p]` as register-tiled matrix products
//! (`M [16, C_out, T]`), and the output transform with the epilogue.

use multiversion::multiversion;
use multiversion::target::target_cfg_f;

use std::cell::RefCell;

use super::conv3x3::{madd, Epilogue, Filters};
use super::planes::{Planes, LANES};

/// Positions of a transformed 4x4 tile.
const P: usize = 16;

thread_local! {
    /// `V` and `M` of this thread's last convolution, kept so that the next one neither
    /// allocates nor zeroes them (every value a result depends on is written before it is read).
    static SCRATCH: RefCell<[Vec<f32>; 2]> = const { RefCell::new([Vec::new(), Vec::new()]) };
}

/// `U = G g G^T` of every filter of `w [C_out, C_in, 3, 3]`, as `[16, C_in, C_out]`, with
/// `G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]` (computed in f64).
pub fn transform_filters(w: &[f32], c_out: usize, c_in: usize) -> Vec<f32> {
    assert_eq!(
        w.len(),
        c_out * c_in * 9,
        "weights are not [{c_out}, {c_in}, 3, 3]"
    );
    // `G v` for a column or row `v` of three.
    let g = |v: [f64; 3]| {
        [
            v[0],
            (v[0] + v[1] + v[2]) / 2.0,
            (v[0] - v[1] + v[2]) / 2.0,
            v[2],
        ]
    };
    let mut u = vec![0f32; P * c_out * c_in];
    for (f, k) in w.chunks_exact(9).enumerate() {
        let k: [f64; 9] = std::array::from_fn(|t| f64::from(k[t]));
        let cols: [[f64; 4]; 3] = std::array::from_fn(|c| g([k[c], k[3 + c], k[6 + c]]));
        for r in 0..4 {
            let row = g([cols[0][r], cols[1][r], cols[2][r]]);
            for (c, v) in row.iter().enumerate() {
                u[((r * 4 + c) * c_in + f % c_in) * c_out + f / c_in] = *v as f32;
            }
        }
    }
    u
}

/// `out = epilogue(conv3x3(x) + bias)` for stride 1, `x` of even height and width with at
/// least one channel, `u` the filters' transform, `out` sized `[bias.len(), H, W]`.
pub(super) fn conv3x3(
    x: &Planes,
    f: &Filters,
    u: &[f32],
    bias: &[f32],
    ep: Epilogue,
    out: &mut Planes,
) {
    assert!(x.h.is_multiple_of(2) && x.w.is_multiple_of(2) && x.c > 0);
    let rows_total = u.len() / (P * f.cols_total);
    assert_eq!(
        u.len(),
        P * rows_total * f.cols_total,
        "transform is not [16, cols, rows]"
    );
    let n = x.h / 2 * (x.w / 2);
    let tiles = Tiles {
        w: x.w / 2,
        n,
        groups: n.div_ceil(LANES),
        stride: n.div_ceil(LANES) * LANES + LANES,
    };
    let n_out = bias.len();
    SCRATCH.with_borrow_mut(|[v, m]| {
        // Stale values from an earlier convolution only meet lanes past the last tile.
        v.resize(v.len().max(P * x.c * tiles.stride), 0.0);
        m.resize(m.len().max(P * n_out * tiles.stride), 0.0);
        input_transform(x, &tiles, v);
        let (v, m) = (
            &v[..P * x.c * tiles.stride],
            &mut m[..P * n_out * tiles.stride],
        );
        products(f, &Weights { u, rows_total }, v, &tiles, m);
        output_transform(m, bias, ep, out, &tiles);
    });
}

/// The transformed filters `[16, cols_total, rows_total]` of a convolution: for each position
/// and input channel, the weights of all output channels side by side.
struct Weights<'a> {
    u: &'a [f32],
    rows_total: usize,
}

/// The 2x2 tiles of one image, numbered row by row. The products run over `groups` whole lane
/// groups; buffers hold `stride` values per channel, a lane group more, so that whole lane
/// groups can be stored for a partial run (the next run, written later, overwrites the rest).
struct Tiles {
    w: usize,
    n: usize,
    groups: usize,
    stride: usize,
}

impl Tiles {
    /// `(ty, tx0)` of each run of up to `LANES` tiles within one tile row, and the run's length.
    fn runs(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        (0..self.n / self.w).flat_map(move |ty| {
            (0..self.w)
                .step_by(LANES)
                .map(move |tx| (ty, tx, LANES.min(self.w - tx)))
        })
    }
}

/// `V [16, C_in, T]`: `B^T d B` for the 4x4 input patch `d` of every tile and input channel
/// ([`bt`]). The patch of tile
/// `(ty, tx)` is padded rows `2ty..2ty + 4`, columns `2tx..2tx + 4`.
#[multiversion(targets("x86_64+avx2"))]
fn input_transform(x: &Planes, tiles: &Tiles, v: &mut [f32]) {
    let (plane, row) = (x.plane_len(), x.w + 2);
    for i in 0..x.c {
        for (ty, tx, _) in tiles.runs() {
            // The four padded rows under `LANES` tiles, and the two columns after them (the
            // buffers' slack covers a partial run at the end of a row).
            let d: [&[f32; 2 * LANES + 2]; 4] = std::array::from_fn(|r| {
                let at = i * plane + (2 * ty + r) * row + 2 * tx;
                x.data[at..at + 2 * LANES + 2].try_into().unwrap()
            });
            // One tile per lane: rows first (`t = B^T d`), then columns (`t B`).
            let mut out = [[0f32; LANES]; P];
            for l in 0..LANES {
                // `t[c][r]`: row r of `B^T d` in column c.
                let t: [[f32; 4]; 4] =
                    std::array::from_fn(|c| bt(std::array::from_fn(|r| d[r][2 * l + c])));
                for r in 0..4 {
                    for (c, x) in bt(std::array::from_fn(|c| t[c][r])).into_iter().enumerate() {
                        out[r * 4 + c][l] = x;
                    }
                }
            }
            for (p, vals) in out.iter().enumerate() {
                let at = (p * x.c + i) * tiles.stride + ty * tiles.w + tx;
                v[at..at + LANES].copy_from_slice(vals);
            }
        }
    }
}

/// `B^T x` for a column (or row) `x` of a 4x4 patch:
/// `B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]`.
#[inline(always)]
fn bt(x: [f32; 4]) -> [f32; 4] {
    [x[0] - x[2], x[1] + x[2], x[2] - x[1], x[1] - x[3]]
}

/// `A^T x` for a column (or row) `x` of a 4x4 product: `A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]`.
#[inline(always)]
fn at(x: [f32; 4]) -> [f32; 2] {
    [x[0] + x[1] + x[2], x[1] - x[2] - x[3]]
}

/// Output channels of one register tile.
const BLOCK: usize = 4;

/// One position's product `M[p] = U[p] V[p]` for `NB` output channels: `U[p]` (`[cols_total,
/// rows_total]`), where in each of its rows the channels are, the columns the input planes meet,
/// and the planes of `V[p]` (`[C_in, stride]`).
struct Product<'a, const NB: usize> {
    u: &'a [f32],
    rows_total: usize,
    at: [usize; NB],
    f: &'a Filters<'a>,
    v: &'a [f32],
    stride: usize,
}

/// `M [16, O, T]` (`O` computed output channels): the 16 matrix products over the input planes.
#[multiversion(targets("x86_64+avx2+fma"))]
fn products(f: &Filters, u: &Weights, v: &[f32], tiles: &Tiles, m: &mut [f32]) {
    if target_cfg_f!(target_feature = "fma") {
        product::<true>(f, u, v, tiles, m);
    } else {
        product::<false>(f, u, v, tiles, m);
    }
}

/// Register tiles of `NB` output channels x `G` lane groups, as in the direct kernel: 8
/// accumulators with AVX2 (G 2), two registers per lane group with 4-lane SIMD (G 1); the last
/// one to three channels run as narrower tiles.
#[inline(always)]
fn product<const FMA: bool>(f: &Filters, u: &Weights, v: &[f32], tiles: &Tiles, m: &mut [f32]) {
    let n_out = m.len() / (P * tiles.stride);
    let mut o = 0;
    while o + BLOCK <= n_out {
        if FMA {
            rows::<BLOCK, 2, FMA>(f, u, v, o, tiles, m);
        } else {
            rows::<BLOCK, 1, FMA>(f, u, v, o, tiles, m);
        }
        o += BLOCK;
    }
    match n_out - o {
        0 => {}
        1 => rows::<1, 4, FMA>(f, u, v, o, tiles, m),
        2 => rows::<2, 2, FMA>(f, u, v, o, tiles, m),
        3 => rows::<3, 1, FMA>(f, u, v, o, tiles, m),
        r => unreachable!("{r} channels left over"),
    }
}

/// Output channels `o0..o0 + NB` at all 16 positions.
#[inline(always)]
fn rows<const NB: usize, const G: usize, const FMA: bool>(
    f: &Filters,
    u: &Weights,
    v: &[f32],
    o0: usize,
    tiles: &Tiles,
    m: &mut [f32],
) {
    let n_in = v.len() / (P * tiles.stride);
    let n_out = m.len() / (P * tiles.stride);
    let per_p = u.rows_total * f.cols_total;
    for p in 0..P {
        let job = Product {
            u: &u.u[p * per_p..(p + 1) * per_p],
            rows_total: u.rows_total,
            at: std::array::from_fn(|q| f.row(o0 + q)),
            f,
            v: &v[p * n_in * tiles.stride..(p + 1) * n_in * tiles.stride],
            stride: tiles.stride,
        };
        let m = &mut m[p * n_out * tiles.stride..(p + 1) * n_out * tiles.stride];
        let whole = tiles.groups / G * G;
        for g in (0..whole).step_by(G) {
            tile::<NB, G, FMA>(&job, o0, m, &std::array::from_fn(|k| (g + k) * LANES));
        }
        for g in whole..tiles.groups {
            tile::<NB, 1, FMA>(&job, o0, m, &[g * LANES]);
        }
    }
}

/// Output channels `o0..o0 + NB` at the `G` lane groups of tiles starting at `t`.
#[inline(always)]
fn tile<const NB: usize, const G: usize, const FMA: bool>(
    job: &Product<NB>,
    o0: usize,
    m: &mut [f32],
    t: &[usize; G],
) {
    assert!(t.iter().all(|&t| t + LANES <= job.stride));
    assert!(job.at.iter().all(|&a| a < job.rows_total));
    let mut acc = [[[0f32; LANES]; G]; NB];
    for (i, v) in job.v.chunks_exact(job.stride).enumerate() {
        let at = job.f.col(i) * job.rows_total;
        let u = &job.u[at..at + job.rows_total];
        let mut x = [[0f32; LANES]; G];
        for g in 0..G {
            x[g].copy_from_slice(&v[t[g]..t[g] + LANES]);
        }
        for q in 0..NB {
            let w = u[job.at[q]];
            for g in 0..G {
                madd::<FMA>(&mut acc[q][g], w, &x[g]);
            }
        }
    }
    for (q, acc) in acc.iter().enumerate() {
        for (g, acc) in acc.iter().enumerate() {
            let at = (o0 + q) * job.stride + t[g];
            m[at..at + LANES].copy_from_slice(acc);
        }
    }
}

/// `A^T M A` for every tile and output channel ([`at`]), then the epilogue: each tile's two rows
/// of two outputs, interleaved into output rows `2ty` and `2ty + 1`.
#[multiversion(targets("x86_64+avx2"))]
fn output_transform(m: &[f32], bias: &[f32], ep: Epilogue, out: &mut Planes, tiles: &Tiles) {
    let n_out = bias.len();
    for o in 0..n_out {
        for (ty, tx, n) in tiles.runs() {
            let mut mm = [[0f32; LANES]; P];
            for (p, x) in mm.iter_mut().enumerate() {
                let at = (p * n_out + o) * tiles.stride + ty * tiles.w + tx;
                x.copy_from_slice(&m[at..at + LANES]);
            }
            // One tile per lane: rows first (`s = A^T M`), then columns (`s A`).
            let mut rows = [[0f32; 2 * LANES]; 2];
            for l in 0..LANES {
                // `s[c][a]`: row a of `A^T M` in column c.
                let s: [[f32; 2]; 4] =
                    std::array::from_fn(|c| at(std::array::from_fn(|r| mm[r * 4 + c][l])));
                for (a, row) in rows.iter_mut().enumerate() {
                    let y = at(std::array::from_fn(|c| s[c][a]));
                    (row[2 * l], row[2 * l + 1]) = (y[0], y[1]);
                }
            }
            for (a, row) in rows.into_iter().enumerate() {
                let dst = out.at(o, 2 * ty + a, 2 * tx);
                ep.store(row, bias, o, out, dst, 2 * n);
            }
        }
    }
}
