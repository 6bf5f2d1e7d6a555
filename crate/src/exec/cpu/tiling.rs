//! Register tiling shared by the direct and the Winograd 3x3 kernels: a tile computes `NB` output
//! channels at `G` lane groups, keeping its `NB * G` accumulators in registers, so every input
//! load serves `NB` channels and every weight load `G` lane groups.

use super::planes::LANES;

/// Output channels of one full register tile.
const BLOCK: usize = 4;

/// A kernel that computes one register tile at a time; [`run`] covers its output with tiles.
pub(super) trait Tiled {
    /// Where one lane group of outputs reads and writes.
    type Group: Copy;
    /// What the tiles write into.
    type Out: ?Sized;

    /// Computed output channels `o0..o0 + NB` at the lane groups `at`.
    fn tile<const NB: usize, const G: usize, const FMA: bool>(
        &self,
        o0: usize,
        out: &mut Self::Out,
        at: &[Self::Group; G],
    );
}

/// Every output channel `0..n_out` at every lane group of `groups`, in tiles of four channels.
/// 8 accumulators either way: with AVX2 + FMA (16 registers of 8 lanes) G is 2; with 4-lane
/// registers (simd128, SSE2) a lane group takes two registers, so G is 1. A kept channel count is
/// arbitrary: the last one to three channels run as a narrower tile over more lane groups, so no
/// filter is computed twice.
#[inline(always)]
pub(super) fn run<K: Tiled, const FMA: bool>(
    k: &K,
    n_out: usize,
    out: &mut K::Out,
    groups: &[K::Group],
) {
    let mut o = 0;
    while o + BLOCK <= n_out {
        if FMA {
            tiles::<K, BLOCK, 2, FMA>(k, o, out, groups);
        } else {
            tiles::<K, BLOCK, 1, FMA>(k, o, out, groups);
        }
        o += BLOCK;
    }
    match (n_out - o, FMA) {
        (0, _) => {}
        (1, _) => tiles::<K, 1, 4, FMA>(k, o, out, groups),
        (2, true) => tiles::<K, 2, 4, FMA>(k, o, out, groups),
        (2, false) => tiles::<K, 2, 2, FMA>(k, o, out, groups),
        (3, true) => tiles::<K, 3, 2, FMA>(k, o, out, groups),
        (3, false) => tiles::<K, 3, 1, FMA>(k, o, out, groups),
        (r, _) => unreachable!("{r} channels left over"),
    }
}

/// Channels `o0..o0 + NB` over every lane group, `G` groups per tile (the last few one at a time).
#[inline(always)]
fn tiles<K: Tiled, const NB: usize, const G: usize, const FMA: bool>(
    k: &K,
    o0: usize,
    out: &mut K::Out,
    groups: &[K::Group],
) {
    let mut chunks = groups.chunks_exact(G);
    for chunk in &mut chunks {
        k.tile::<NB, G, FMA>(o0, out, chunk.try_into().unwrap());
    }
    for g in chunks.remainder() {
        k.tile::<NB, 1, FMA>(o0, out, &[*g]);
    }
}

/// `acc += w * v`, lane by lane.
// `f32::mul_add` becomes one instruction only where the CPU has FMA; elsewhere (SSE2, simd128)
// it would call a slow software routine, so those builds multiply and add.
#[cfg(not(all(target_arch = "wasm32", target_feature = "relaxed-simd")))]
#[inline(always)]
pub(super) fn madd<const FMA: bool>(acc: &mut [f32; LANES], w: f32, v: &[f32; LANES]) {
    for l in 0..LANES {
        acc[l] = if FMA {
            w.mul_add(v[l], acc[l])
        } else {
            w * v[l] + acc[l]
        };
    }
}

/// `acc += w * v` with relaxed SIMD's multiply-add, which the browser runs as one fused
/// instruction where the CPU has FMA (or as a multiply and an add where it does not).
#[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
#[inline(always)]
pub(super) fn madd<const FMA: bool>(acc: &mut [f32; LANES], w: f32, v: &[f32; LANES]) {
    use core::arch::wasm32::{f32x4, f32x4_extract_lane, f32x4_relaxed_madd, f32x4_splat};
    let w = f32x4_splat(w);
    for (a, v) in acc.chunks_exact_mut(4).zip(v.chunks_exact(4)) {
        let r = f32x4_relaxed_madd(
            w,
            f32x4(v[0], v[1], v[2], v[3]),
            f32x4(a[0], a[1], a[2], a[3]),
        );
        a[0] = f32x4_extract_lane::<0>(r);
        a[1] = f32x4_extract_lane::<1>(r);
        a[2] = f32x4_extract_lane::<2>(r);
        a[3] = f32x4_extract_lane::<3>(r);
    }
}
