//! Per-class statistics and cost buckets agree with the per-image results they summarise.

mod common;

use common::*;
use lcnet::eval::{evaluate, evaluate_parallel};
use lcnet::stats::{cost_buckets, per_class};
use lcnet::{Exec, Thresholds};

#[test]
fn per_class_and_buckets_summarise_the_images() {
    // The check means something only if images of one class decided differently somewhere.
    let varied = (0..8).filter(|&seed| check(seed)).count();
    assert!(
        varied > 0,
        "no seed gave images of one class different decisions"
    );
}

/// Checks the summaries for one random model; returns whether two images of one class kept
/// different numbers of channels in some block.
fn check(seed: u64) -> bool {
    let cfg = tiny_config(true);
    let net = random_model(&cfg, seed);
    let n = 24;
    let rgb = random_rgb(&cfg, n, seed);
    let per = cfg.image_size * cfg.image_size * 3;
    let labels: Vec<usize> = (0..n).map(|i| (i * 7) % 3).collect(); // classes 0, 1, 2 only
    let th = Thresholds {
        tau_l: 0.2,
        tau_c: 0.3,
    };
    let r = evaluate(
        &net,
        labels.iter().zip(rgb.chunks(per)).map(|(&l, x)| (l, x)),
        Exec::Dynamic,
        th,
        1,
    )
    .unwrap();
    let classes = per_class(&r, &cfg.class_names);
    assert_eq!(classes.len(), cfg.num_classes);
    assert_eq!(classes.iter().map(|c| c.images).sum::<usize>(), n);
    assert!(classes[3..].iter().all(|c| c.images == 0));
    let blocks = net.blocks().len();
    let mut varied = false;
    for c in &classes[..3] {
        let idx: Vec<usize> = (0..n).filter(|&i| labels[i] == c.class).collect();
        for b in 0..blocks {
            let ran = idx.iter().filter(|&&i| r.block_ran[i][b]).count();
            assert!((c.run_rate[b] - ran as f64 / idx.len() as f64).abs() < 1e-12);
            let kept: usize = idx.iter().map(|&i| r.block_kept[i][b]).sum();
            assert!((c.mean_kept[b] - kept as f64 / idx.len() as f64).abs() < 1e-12);
            assert!(c.mean_kept[b] <= net.blocks()[b].shape.planes as f64);
            // Images of one class that kept different numbers of channels in this block.
            varied |= idx
                .iter()
                .any(|&i| r.block_kept[i][b] != r.block_kept[idx[0]][b]);
        }
        let macs: u64 = idx.iter().map(|&i| r.macs[i]).sum();
        assert!((c.mean_macs - macs as f64 / idx.len() as f64).abs() < 1e-6);
    }

    let buckets = cost_buckets(&r, 4);
    assert_eq!(buckets.len(), 4);
    assert_eq!(buckets.iter().map(|b| b.images).sum::<usize>(), n);
    for w in buckets.windows(2) {
        assert!(w[0].macs_hi <= w[1].macs_lo, "buckets are ordered by cost");
    }
    let correct: f64 = buckets.iter().map(|b| b.accuracy * b.images as f64).sum();
    assert!((correct / n as f64 - r.accuracy).abs() < 1e-9);
    varied
}

/// The CLI evaluates on every core: split over threads, the result is the sequential one, per
/// image and in input order (25 images over 4 threads: uneven parts).
#[test]
fn parallel_evaluation_equals_sequential() {
    let cfg = tiny_config(true);
    let net = random_model(&cfg, 11);
    let n = 25;
    let rgb = random_rgb(&cfg, n, 11);
    let per = cfg.image_size * cfg.image_size * 3;
    let samples: Vec<(usize, &[u8])> = rgb
        .chunks(per)
        .enumerate()
        .map(|(i, x)| (i % 10, x))
        .collect();
    let th = Thresholds {
        tau_l: 0.2,
        tau_c: 0.3,
    };
    for exec in [Exec::Dynamic, Exec::Static] {
        let one = evaluate(&net, samples.iter().copied(), exec, th, 4).unwrap();
        for threads in [1, 4, 40] {
            let par = evaluate_parallel(&net, &samples, exec, th, 4, threads).unwrap();
            assert_eq!(par, one, "{exec:?}, {threads} threads");
        }
        assert_eq!(one.images, n);
    }
    let r = evaluate(&net, samples.iter().copied(), Exec::Dynamic, th, 1).unwrap();
    assert!(
        r.block_ran.iter().flatten().any(|&x| !x),
        "some block was skipped"
    );
}
