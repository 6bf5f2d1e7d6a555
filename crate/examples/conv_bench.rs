//! Throughput of the direct 3x3 convolution on the shapes ResNet-56 and its kept-channel subsets
//! produce: `cargo run --release -p lcnet --example conv_bench`. Prints GMAC/s per shape and
//! each narrow shape's efficiency relative to the full one of its stage (what the dynamic path's
//! time/MACs ratio depends on).

use std::time::Instant;

use lcnet::exec::cpu::{conv3x3, Epilogue, Planes};

fn gmacs(c_in: usize, c_out: usize, size: usize, stride: usize) -> f64 {
    let x = Planes::from_chw(
        c_in,
        size,
        size,
        &(0..c_in * size * size)
            .map(|i| (i % 7) as f32 * 0.1)
            .collect::<Vec<_>>(),
    );
    let w: Vec<f32> = (0..c_out * c_in * 9)
        .map(|i| (i % 5) as f32 * 0.01)
        .collect();
    let b = vec![0.1; c_out];
    let ep = Epilogue {
        residual: None,
        relu: true,
        scale: None,
    };
    let o = size / stride;
    let macs = (c_out * c_in * 9 * o * o) as f64;
    let reps = ((2e8 / macs.max(1.0)) as usize).max(20);
    for _ in 0..reps / 10 {
        std::hint::black_box(conv3x3(&x, &w, &b, stride, ep));
    }
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..reps / 5 {
            std::hint::black_box(conv3x3(&x, &w, &b, stride, ep));
        }
        best = best.min(t.elapsed().as_secs_f64() / (reps / 5) as f64);
    }
    macs / best / 1e9
}

fn main() {
    for (c, size) in [(16, 32), (32, 16), (64, 8)] {
        let full = gmacs(c, c, size, 1);
        println!("{c:>2} -> {c:>2} at {size:>2}x{size:<2}: {full:5.2} GMAC/s");
        for k in [1, 2, 3, 5, 6, 7, c / 2, c / 2 + 1, c - 1] {
            let narrow_out = gmacs(c, k, size, 1) / full;
            let narrow_in = gmacs(k, c, size, 1) / full;
            println!(
                "   kept {k:>2}: conv1 ({c} -> {k}) {:5.0}%   conv2 ({k} -> {c}) {:5.0}%",
                100.0 * narrow_out,
                100.0 * narrow_in
            );
        }
    }
    for (c, size) in [(16, 32), (32, 16)] {
        println!(
            "stride 2, {c:>2} -> {:>2} at {size}x{size}: {:5.2} GMAC/s",
            2 * c,
            gmacs(c, 2 * c, size, 2)
        );
    }
}
