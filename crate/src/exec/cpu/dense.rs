//! The 1x1 convolution (projection shortcut) and the fully connected layer (gates, classifier).

use super::planes::Planes;
use crate::model::geometry::out_size;

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
