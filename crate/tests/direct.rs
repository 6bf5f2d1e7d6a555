//! The CPU kernels (`lcnet::exec::cpu`) against candle's reference operations on random inputs,
//! the 3x3 convolution both direct and as Winograd F(2x2, 3x3) (what it runs for stride 1 on even
//! sizes when the filters come with their transform). Tolerance: 1e-4 absolute on values of
//! order 1 (sums of up to 576 products in f32, in a different order, with or without fused
//! multiply-add, or through the Winograd transforms).

mod common;

use candle_core::{Device, Tensor};
use common::*;
use lcnet::exec::cpu::{self as direct, Epilogue, Filters, Planes};

const TOL: f32 = 1e-4;

/// candle's `conv2d` + bias (+ residual) (+ ReLU) on `[1, C, H, W]`.
#[allow(clippy::too_many_arguments)] // a test helper mirroring the kernel's parameters
fn reference(
    x: &[f32],
    (c, h, w): (usize, usize, usize),
    wt: &[f32],
    bias: &[f32],
    k: usize,
    stride: usize,
    residual: Option<&[f32]>,
    relu: bool,
) -> Vec<f32> {
    let dev = Device::Cpu;
    let n_out = bias.len();
    let x = Tensor::from_slice(x, (1, c, h, w), &dev).unwrap();
    let wt = Tensor::from_slice(wt, (n_out, c, k, k), &dev).unwrap();
    let b = Tensor::from_slice(bias, (1, n_out, 1, 1), &dev).unwrap();
    let mut y = x
        .conv2d(&wt, k / 2, stride, 1, 1)
        .unwrap()
        .broadcast_add(&b)
        .unwrap();
    if let Some(r) = residual {
        y = (y.clone() + Tensor::from_slice(r, y.shape(), &dev).unwrap()).unwrap();
    }
    if relu {
        y = y.relu().unwrap();
    }
    y.flatten_all().unwrap().to_vec1().unwrap()
}

#[test]
fn planes_round_trip_and_pool() {
    let mut rng = Rng::new(1);
    for (c, h, w) in [(3, 32, 32), (5, 7, 9), (1, 1, 1)] {
        let v = rng.vec(c * h * w, -1.0, 1.0);
        let p = Planes::from_chw(c, h, w, &v);
        assert_eq!(p.to_chw(), v);
        let means = p.channel_means();
        for (ch, m) in means.iter().enumerate() {
            let want: f32 = v[ch * h * w..(ch + 1) * h * w].iter().sum::<f32>() / (h * w) as f32;
            assert!((m - want).abs() < 1e-5, "channel {ch}: {m} vs {want}");
        }
    }
}

#[test]
fn conv3x3_matches_reference() {
    let mut rng = Rng::new(7);
    // Full blocks of four output channels, every remainder, stride 2, odd and tiny sizes, and
    // the empty cases (no inputs: bias + residual only; no outputs).
    let cases = [
        (16, 16, 32, 1),
        (16, 32, 32, 2),
        (32, 64, 16, 2),
        (64, 64, 8, 1),
        (16, 7, 32, 1),
        (7, 16, 32, 1),
        (64, 30, 8, 1),
        (30, 64, 8, 1),
        (15, 13, 16, 1),
        (5, 6, 7, 2),
        (3, 5, 9, 1),
        (4, 1, 3, 2),
        (2, 2, 1, 1),
        (3, 4, 2, 1),
        (9, 5, 6, 1),
        (0, 16, 8, 1),
        (8, 0, 8, 1),
    ];
    for (n_in, n_out, size, stride) in cases {
        let x = rng.vec(n_in * size * size, -1.0, 1.0);
        let wt = rng.vec(n_out * n_in * 9, -0.2, 0.2);
        let bias = rng.vec(n_out, -0.5, 0.5);
        let so = lcnet::model::geometry::out_size(size, stride);
        let res = rng.vec(n_out * so * so, -1.0, 1.0);
        let xp = Planes::from_chw(n_in, size, size, &x);
        let rp = Planes::from_chw(n_out, so, so, &res);
        let u = direct::transform_filters(&wt, n_out, n_in);
        let runs = [(false, false), (false, true), (true, true)];
        for ((residual, relu), winograd) in runs.into_iter().flat_map(|r| [(r, false), (r, true)]) {
            let ep = Epilogue {
                residual: residual.then_some(&rp),
                relu,
                scale: None,
            };
            let f = Filters {
                winograd: winograd.then_some(&u[..]),
                ..Filters::dense(&wt, n_in)
            };
            let got = direct::conv3x3_filters(&xp, f, &bias, stride, ep);
            assert_eq!((got.c, got.h, got.w), (n_out, so, so));
            let got = got.to_chw();
            let want = if n_in == 0 {
                // candle has no zero-channel convolution: the sum over no inputs is 0.
                (0..n_out * so * so)
                    .map(|j| {
                        let v = bias[j / (so * so)] + if residual { res[j] } else { 0.0 };
                        if relu {
                            v.max(0.0)
                        } else {
                            v
                        }
                    })
                    .collect()
            } else if n_out == 0 {
                vec![]
            } else {
                reference(
                    &x,
                    (n_in, size, size),
                    &wt,
                    &bias,
                    3,
                    stride,
                    residual.then_some(&res),
                    relu,
                )
            };
            let diff = max_abs_diff(&got, &want);
            assert!(
                diff < TOL,
                "{n_in}->{n_out} @{size} stride {stride} residual {residual} relu {relu} \
                 winograd {winograd}: {diff}"
            );
        }
    }
}

/// The dynamic path's convolution: a subset of a weight tensor's filters (rows) and input columns
/// read in place, and a scale per output before the residual, against candle on the explicitly
/// gathered weights.
#[test]
fn conv3x3_filters_matches_reference() {
    let mut rng = Rng::new(11);
    // (full outputs, full inputs, kept rows, kept columns, size, stride)
    type Case<'a> = (usize, usize, &'a [usize], &'a [usize], usize, usize);
    let cases: [Case; 7] = [
        (
            16,
            16,
            &[0, 3, 4, 9, 15],
            &[0, 1, 2, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 3, 4],
            32,
            1,
        ),
        (32, 16, &[31, 2, 17], &[1, 5, 9, 13], 32, 2),
        (64, 64, &[1, 63], &[7], 8, 1),
        (16, 16, &[], &[2, 3], 8, 1),
        (8, 8, &[0, 1, 2, 3, 4, 5, 6], &[], 9, 1),
        (
            32,
            32,
            &[30, 1, 4, 5, 6, 7, 8, 9, 20],
            &[3, 31, 2, 0, 16],
            16,
            1,
        ),
        (6, 5, &[5, 0, 2, 1], &[4, 0, 3], 7, 2),
    ];
    for (p, c, rows, cols, size, stride) in cases {
        let (o, j) = (rows.len(), cols.len());
        let w = rng.vec(p * c * 9, -0.2, 0.2);
        let x = rng.vec(j * size * size, -1.0, 1.0);
        let bias = rng.vec(o, -0.5, 0.5);
        let scale = rng.vec(o, 0.0, 1.5);
        let so = lcnet::model::geometry::out_size(size, stride);
        let res = rng.vec(o * so * so, -1.0, 1.0);
        let xp = Planes::from_chw(j, size, size, &x);
        let rp = Planes::from_chw(o, so, so, &res);
        let u = direct::transform_filters(&w, p, c);
        for (residual, winograd) in [(false, false), (true, false), (false, true), (true, true)] {
            let f = Filters {
                rows: Some(rows),
                cols: Some(cols),
                winograd: winograd.then_some(&u[..]),
                ..Filters::dense(&w, c)
            };
            let ep = Epilogue {
                residual: residual.then_some(&rp),
                relu: true,
                scale: Some(&scale),
            };
            let got = direct::conv3x3_filters(&xp, f, &bias, stride, ep).to_chw();
            let gathered: Vec<f32> = rows
                .iter()
                .flat_map(|&r| {
                    cols.iter()
                        .flat_map(move |&k| (0..9).map(move |t| (r, k, t)))
                })
                .map(|(r, k, t)| w[(r * c + k) * 9 + t])
                .collect();
            let z = if o == 0 || j == 0 {
                (0..o * so * so).map(|i| bias[i / (so * so)]).collect()
            } else {
                reference(
                    &x,
                    (j, size, size),
                    &gathered,
                    &bias,
                    3,
                    stride,
                    None,
                    false,
                )
            };
            let want: Vec<f32> = z
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let r = if residual { res[i] } else { 0.0 };
                    (v * scale[i / (so * so)] + r).max(0.0)
                })
                .collect();
            let diff = max_abs_diff(&got, &want);
            assert!(
                diff < TOL,
                "{p}x{c} rows {rows:?} cols {cols:?} @{size} stride {stride} residual {residual} \
                 winograd {winograd}: {diff}"
            );
        }
    }
}

/// With the filters' transform, stride 1 on even sizes takes the Winograd path (its sums are
/// rounded differently from the direct kernel's, so some output differs in its last bits); both
/// match the reference above.
#[test]
fn conv3x3_takes_the_winograd_path_with_a_transform() {
    let mut rng = Rng::new(5);
    let (n_in, n_out, size) = (16, 16, 8);
    let x = Planes::from_chw(n_in, size, size, &rng.vec(n_in * size * size, -1.0, 1.0));
    let w = rng.vec(n_out * n_in * 9, -0.2, 0.2);
    let bias = vec![0.0; n_out];
    let u = direct::transform_filters(&w, n_out, n_in);
    let with = Filters {
        winograd: Some(&u),
        ..Filters::dense(&w, n_in)
    };
    let run = |f, stride| direct::conv3x3_filters(&x, f, &bias, stride, Epilogue::default());
    let (wino, plain) = (
        run(with, 1).to_chw(),
        run(Filters::dense(&w, n_in), 1).to_chw(),
    );
    assert_ne!(
        wino, plain,
        "the transform changed nothing: no Winograd path ran"
    );
    // Stride 2 has no Winograd form: the same direct kernel with or without the transform.
    assert_eq!(
        run(with, 2).to_chw(),
        run(Filters::dense(&w, n_in), 2).to_chw()
    );
}

#[test]
fn conv3x3_counts_the_macs_it_computes() {
    let x = Planes::from_chw(6, 8, 8, &[0.5; 6 * 8 * 8]);
    lcnet::counter::take();
    let ep = Epilogue {
        residual: None,
        relu: false,
        scale: None,
    };
    direct::conv3x3(&x, &[0.1; 5 * 6 * 9], &[0.0; 5], 2, ep);
    assert_eq!(lcnet::counter::take(), 5 * 6 * 9 * 4 * 4);
}

#[test]
fn conv1x1_matches_reference() {
    let mut rng = Rng::new(9);
    for (n_in, n_out, size, stride) in
        [(16, 32, 32, 2), (32, 64, 16, 2), (5, 3, 7, 2), (4, 4, 5, 1)]
    {
        let x = rng.vec(n_in * size * size, -1.0, 1.0);
        let wt = rng.vec(n_out * n_in, -0.5, 0.5);
        let bias = rng.vec(n_out, -0.5, 0.5);
        let got = direct::conv1x1(&Planes::from_chw(n_in, size, size, &x), &wt, &bias, stride);
        let want = reference(&x, (n_in, size, size), &wt, &bias, 1, stride, None, false);
        let diff = max_abs_diff(&got.to_chw(), &want);
        assert!(
            diff < TOL,
            "{n_in}->{n_out} @{size} stride {stride}: {diff}"
        );
    }
}

#[test]
fn linear_matches_reference() {
    let mut rng = Rng::new(11);
    let (n_in, n_out) = (64, 10);
    let (w, b, x) = (
        rng.vec(n_out * n_in, -1.0, 1.0),
        rng.vec(n_out, -1.0, 1.0),
        rng.vec(n_in, -1.0, 1.0),
    );
    let dev = Device::Cpu;
    let lin = candle_nn::Linear::new(
        Tensor::from_slice(&w, (n_out, n_in), &dev).unwrap(),
        Some(Tensor::from_slice(&b, n_out, &dev).unwrap()),
    );
    let want: Vec<f32> =
        candle_core::Module::forward(&lin, &Tensor::from_slice(&x, (1, n_in), &dev).unwrap())
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
    assert!(max_abs_diff(&direct::linear(&w, &b, &x), &want) < TOL);
}
