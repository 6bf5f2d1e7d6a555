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

use super::filters::{Epilogue, Filters};
use super::planes::{Planes, LANES};
use super::tiling::{self, madd, Tiled};

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
    assert!(
        u.len().is_multiple_of(P * f.cols_total),
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
        products(f, u, v, &tiles, m);
        output_transform(m, bias, ep, out, &tiles);
    });
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
    /// Whether the image is at most 8 pixels wide (4 tiles a row): the transforms then run 4
    /// tiles at a time, not `LANES` (of which half would be idle).
    fn narrow(&self) -> bool {
        self.w <= LANES / 2
    }

    /// `(ty, tx0)` of each run of up to `R` tiles within one tile row, and the run's length.
    fn runs<const R: usize>(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        (0..self.n / self.w).flat_map(move |ty| {
            (0..self.w)
                .step_by(R)
                .map(move |tx| (ty, tx, R.min(self.w - tx)))
        })
    }
}

/// `V [16, C_in, T]`: `B^T d B` for the 4x4 input patch `d` of every tile and input channel
/// ([`bt`]). The patch of tile `(ty, tx)` is padded rows `2ty..2ty + 4`, columns
/// `2tx..2tx + 4`. Runs of 4 tiles on narrow images ([`Tiles::narrow`]), else of `LANES`.
#[multiversion(targets("x86_64+avx2"))]
fn input_transform(x: &Planes, tiles: &Tiles, v: &mut [f32]) {
    if tiles.narrow() {
        input_runs::<{ LANES / 2 }, { LANES + 2 }>(x, tiles, v);
    } else {
        input_runs::<LANES, { 2 * LANES + 2 }>(x, tiles, v);
    }
}

/// [`input_transform`] in runs of `R` tiles, whose patches span `D = 2R + 2` padded columns.
// One function per pass in wasm: V8 compiled the three inlined into one several percent slower.
// Natively they inline into their `multiversion` callers, whose target features they need.
#[cfg_attr(target_arch = "wasm32", inline(never))]
#[cfg_attr(not(target_arch = "wasm32"), inline(always))]
fn input_runs<const R: usize, const D: usize>(x: &Planes, tiles: &Tiles, v: &mut [f32]) {
    const { assert!(D == 2 * R + 2) };
    let (plane, row) = (x.plane_len(), x.w + 2);
    for i in 0..x.c {
        for (ty, tx, _) in tiles.runs::<R>() {
            // The four padded rows under `R` tiles (the buffers' slack covers a partial run at
            // the end of a row).
            let d: [&[f32; D]; 4] = std::array::from_fn(|r| {
                let at = i * plane + (2 * ty + r) * row + 2 * tx;
                x.data[at..at + D].try_into().unwrap()
            });
            // One tile per lane: rows first (`t = B^T d`), then columns (`t B`).
            let mut out = [[0f32; R]; P];
            for l in 0..R {
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
                v[at..at + R].copy_from_slice(vals);
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

/// One position's product `M[p] = U[p] V[p]`: `U[p]` (`[cols_total, rows_total]`: for each
/// input channel of the weights, all their output channels side by side), the filters (which of
/// those rows and columns run) and `V[p]` (`[C_in, stride]`).
struct Product<'a> {
    u: &'a [f32],
    rows_total: usize,
    f: &'a Filters<'a>,
    v: &'a [f32],
    stride: usize,
}

/// `M [16, O, T]` (`O` computed output channels): the 16 matrix products over the input planes,
/// each register-tiled as the direct kernel is ([`tiling`]; `FMA`: see [`tiling::madd`]).
#[cfg_attr(target_arch = "wasm32", inline(never))]
#[multiversion(targets("x86_64+avx2+fma"))]
fn products(f: &Filters, u: &[f32], v: &[f32], tiles: &Tiles, m: &mut [f32]) {
    let (n_in, n_out) = (v.len() / (P * tiles.stride), m.len() / (P * tiles.stride));
    let per_p = u.len() / P;
    let rows_total = per_p / f.cols_total;
    // The first tile of each lane group.
    let groups: Vec<usize> = (0..tiles.groups).map(|g| g * LANES).collect();
    for p in 0..P {
        let job = Product {
            u: &u[p * per_p..(p + 1) * per_p],
            rows_total,
            f,
            v: &v[p * n_in * tiles.stride..(p + 1) * n_in * tiles.stride],
            stride: tiles.stride,
        };
        let m = &mut m[p * n_out * tiles.stride..(p + 1) * n_out * tiles.stride];
        if target_cfg_f!(target_feature = "fma") {
            tiling::run::<_, true>(&job, n_out, m, &groups);
        } else {
            tiling::run::<_, false>(&job, n_out, m, &groups);
        }
    }
}

impl Tiled for Product<'_> {
    type Group = usize;
    /// `M[p]`, `[O, stride]`.
    type Out = [f32];

    /// Output channels `o0..o0 + NB` at the `G` lane groups of tiles starting at `t`.
    #[inline(always)]
    fn tile<const NB: usize, const G: usize, const FMA: bool>(
        &self,
        o0: usize,
        m: &mut [f32],
        t: &[usize; G],
    ) {
        assert!(t.iter().all(|&t| t + LANES <= self.stride));
        let mut rows = [0usize; NB];
        for (q, r) in rows.iter_mut().enumerate() {
            *r = self.f.row(o0 + q);
        }
        assert!(rows.iter().all(|&r| r < self.rows_total));
        let mut acc = [[[0f32; LANES]; G]; NB];
        for (i, v) in self.v.chunks_exact(self.stride).enumerate() {
            let at = self.f.col(i) * self.rows_total;
            let u = &self.u[at..at + self.rows_total];
            // Read where they lie (a copy at a run-time offset is a memory copy in wasm).
            let mut x: [&[f32; LANES]; G] = [&[0.0; LANES]; G];
            for g in 0..G {
                x[g] = v[t[g]..t[g] + LANES].try_into().unwrap();
            }
            for q in 0..NB {
                let w = u[rows[q]];
                for g in 0..G {
                    madd::<FMA>(&mut acc[q][g], w, x[g]);
                }
            }
        }
        for (q, acc) in acc.iter().enumerate() {
            for (g, acc) in acc.iter().enumerate() {
                let at = (o0 + q) * self.stride + t[g];
                m[at..at + LANES].copy_from_slice(acc);
            }
        }
    }
}

/// `A^T M A` for every tile and output channel ([`at`]), then the epilogue: each tile's two rows
/// of two outputs, interleaved into output rows `2ty` and `2ty + 1`. Runs of tiles as in
/// [`input_transform`].
#[multiversion(targets("x86_64+avx2"))]
fn output_transform(m: &[f32], bias: &[f32], ep: Epilogue, out: &mut Planes, tiles: &Tiles) {
    if tiles.narrow() {
        output_runs::<{ LANES / 2 }, LANES>(m, bias, ep, out, tiles);
    } else {
        output_runs::<LANES, { 2 * LANES }>(m, bias, ep, out, tiles);
    }
}

/// [`output_transform`] in runs of `R` tiles, which make `W = 2R` outputs of each row.
#[cfg_attr(target_arch = "wasm32", inline(never))]
#[cfg_attr(not(target_arch = "wasm32"), inline(always))]
fn output_runs<const R: usize, const W: usize>(
    m: &[f32],
    bias: &[f32],
    ep: Epilogue,
    out: &mut Planes,
    tiles: &Tiles,
) {
    const { assert!(W == 2 * R) };
    let n_out = bias.len();
    for o in 0..n_out {
        for (ty, tx, n) in tiles.runs::<R>() {
            let mut mm = [[0f32; R]; P];
            for (p, x) in mm.iter_mut().enumerate() {
                let at = (p * n_out + o) * tiles.stride + ty * tiles.w + tx;
                x.copy_from_slice(&m[at..at + R]);
            }
            // One tile per lane: rows first (`s = A^T M`), then columns (`s A`).
            let mut rows = [[0f32; W]; 2];
            for l in 0..R {
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
