//! Feature maps of one image for the CPU kernels: channel-major planes with a zero border.

/// Output positions computed together (one AVX register, two simd128 registers).
pub(super) const LANES: usize = 8;
/// Floats past the last plane, so a row read for a partial lane group stays in bounds.
pub(super) const SLACK: usize = 2 * LANES + 4;

/// Feature maps of one image, `[C, H, W]` channel-major, each plane stored with a one-pixel zero
/// border (`(H + 2) x (W + 2)`), which is the padding of a 3x3 convolution. Every operation here
/// keeps the border at zero.
#[derive(Debug, Clone)]
pub struct Planes {
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub(super) data: Vec<f32>,
}

impl Planes {
    /// `c` planes of zeros (border included), plus `SLACK` floats for partial lane groups.
    pub fn zeros(c: usize, h: usize, w: usize) -> Self {
        Self {
            c,
            h,
            w,
            data: vec![0.0; c * (h + 2) * (w + 2) + SLACK],
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

    pub(super) fn plane_len(&self) -> usize {
        (self.h + 2) * (self.w + 2)
    }

    /// Index of pixel `(y, x)` of channel `ch` (border excluded).
    pub(super) fn at(&self, ch: usize, y: usize, x: usize) -> usize {
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

    /// `max(x + v[ch], 0)` over each channel `ch`, in place (the border stays zero).
    pub fn add_relu(&mut self, v: &[f32]) {
        assert_eq!(v.len(), self.c, "one value per channel");
        for (ch, &v) in v.iter().enumerate() {
            for y in 0..self.h {
                let at = self.at(ch, y, 0);
                for x in &mut self.data[at..at + self.w] {
                    *x = relu(*x + v);
                }
            }
        }
    }

    /// `max(x, 0)` in place.
    pub fn relu(mut self) -> Self {
        self.data.iter_mut().for_each(|v| *v = relu(*v));
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

/// `max(x, 0)` (0 for NaN, as `f32::max`) as a compare and select: `f32::max` becomes a libm
/// call per element in wasm, where the instruction's NaN rule differs.
#[inline(always)]
pub fn relu(x: f32) -> f32 {
    if x > 0.0 {
        x
    } else {
        0.0
    }
}
