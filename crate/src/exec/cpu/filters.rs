//! What a 3x3 convolution runs and how it ends: the filters, read in place from a weight tensor
//! ([`Filters`]), and the epilogue ([`Epilogue`]); shared by the direct and the Winograd kernel.

use super::planes::{relu, Planes};

/// What happens after the sum over inputs: `y = (acc + bias) * scale (+ residual)`, then
/// optionally ReLU. `scale` has one value per computed output channel (`None`: 1).
#[derive(Debug, Clone, Copy, Default)]
pub struct Epilogue<'a> {
    pub residual: Option<&'a Planes>,
    pub relu: bool,
    pub scale: Option<&'a [f32]>,
}

impl Epilogue<'_> {
    /// Finishes the sums `v` of output channel `o` whose first pixel is `dst` in the output's
    /// data, and stores the first `n` of them there (the buffers' slack covers a whole `v`).
    #[inline(always)]
    pub(super) fn store<const N: usize>(
        &self,
        mut v: [f32; N],
        bias: &[f32],
        o: usize,
        out: &mut Planes,
        dst: usize,
        n: usize,
    ) {
        let (b, s) = (bias[o], self.scale.map_or(1.0, |s| s[o]));
        for x in &mut v {
            *x = (*x + b) * s;
        }
        if let Some(r) = self.residual {
            let r: &[f32] = &r.data[dst..dst + N];
            for (x, r) in v.iter_mut().zip(r) {
                *x += r;
            }
        }
        if self.relu {
            for x in &mut v {
                *x = relu(*x);
            }
        }
        // A whole `v` as one fixed-size copy; a partial one would be a call to memmove.
        if n == N {
            out.data[dst..dst + N].copy_from_slice(&v);
        } else {
            out.data[dst..dst + n].copy_from_slice(&v[..n]);
        }
    }
}

/// The filters a 3x3 convolution runs, read in place from a full weight tensor
/// `w [rows, cols, 3, 3]`: the output channels `rows` (all when `None`), in that order, and for
/// input plane `j` the weight column `cols[j]` (column `j` when `None`). This is how the dynamic
/// path runs only the kept channels without copying their weights.
#[derive(Debug, Clone, Copy)]
pub struct Filters<'a> {
    pub w: &'a [f32],
    /// Input channels of `w` (its second dimension).
    pub cols_total: usize,
    pub rows: Option<&'a [usize]>,
    pub cols: Option<&'a [usize]>,
    /// The same filters in the Winograd domain ([`super::winograd::transform_filters`] of `w`);
    /// with it, stride 1 on even sizes runs as Winograd.
    pub winograd: Option<&'a [f32]>,
}

impl<'a> Filters<'a> {
    /// Every filter of a dense `[C_out, C_in, 3, 3]` tensor.
    pub fn dense(w: &'a [f32], c_in: usize) -> Self {
        Self {
            w,
            cols_total: c_in,
            rows: None,
            cols: None,
            winograd: None,
        }
    }

    /// The weight tensor's output channel that computed channel `o` reads.
    #[inline(always)]
    pub(super) fn row(&self, o: usize) -> usize {
        self.rows.map_or(o, |r| r[o])
    }

    /// The weight tensor's input channel that input plane `j` meets.
    #[inline(always)]
    pub(super) fn col(&self, j: usize) -> usize {
        self.cols.map_or(j, |c| c[j])
    }
}
