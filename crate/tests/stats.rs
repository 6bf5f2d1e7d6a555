//! Per-class statistics and cost buckets agree with the per-image results they summarise.

mod common;

use common::*;
use lcnet::eval::{evaluate, evaluate_parallel};
use lcnet::exec::cpu::Cpu;
use lcnet::exec::wait;
use lcnet::stats::{cost_buckets, per_class};
use lcnet::{Mode, Thresholds};

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
    let samples: Vec<(usize, &[u8])> = labels.iter().copied().zip(rgb.chunks(per)).collect();
    let r = wait(evaluate(&Cpu::new(&net), &samples, Mode::Dynamic, th)).unwrap();
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
            let empty = idx
                .iter()
                .filter(|&&i| r.block_ran[i][b] && r.block_kept[i][b] == 0)
                .count();
            assert!((c.empty_rate[b] - empty as f64 / idx.len() as f64).abs() < 1e-12);
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

/// Thresholds that skip some blocks and channels of the random models.
const TH: Thresholds = Thresholds {
    tau_l: 0.2,
    tau_c: 0.3,
};

/// Images (RGB bytes back to back) labelled `i % classes` in order.
fn labelled<'a>(cfg: &lcnet::Config, rgb: &'a [u8], classes: usize) -> Vec<(usize, &'a [u8])> {
    let per = cfg.image_size * cfg.image_size * 3;
    rgb.chunks(per)
        .enumerate()
        .map(|(i, x)| (i % classes, x))
        .collect()
}

/// The CLI evaluates on every core: split over threads, the result is the sequential one, per
/// image and in input order (25 images over 4 threads: uneven parts).
#[test]
fn parallel_evaluation_equals_sequential() {
    let cfg = tiny_config(true);
    let net = random_model(&cfg, 11);
    let n = 25;
    let rgb = random_rgb(&cfg, n, 11);
    let samples = labelled(&cfg, &rgb, 10);
    let cpu = Cpu::new(&net);
    for mode in [Mode::Dynamic, Mode::Static] {
        let one = wait(evaluate(&cpu, &samples, mode, TH)).unwrap();
        for threads in [1, 4, 40] {
            let par = evaluate_parallel(&cpu, &samples, mode, TH, threads).unwrap();
            assert_eq!(par, one, "{mode:?}, {threads} threads");
        }
        assert_eq!(one.images, n);
    }
    let r = wait(evaluate(&cpu, &samples, Mode::Dynamic, TH)).unwrap();
    assert!(
        r.block_ran.iter().flatten().any(|&x| !x),
        "some block was skipped"
    );
}

/// The teaching views' examples: per class, evenly spread over the cost order, the cheapest
/// and the costliest image of the class included.
#[test]
fn examples_span_each_class_from_cheapest_to_costliest() {
    let cfg = tiny_config(true);
    let net = random_model(&cfg, 3);
    let n = 30;
    let rgb = random_rgb(&cfg, n, 3);
    let r = wait(evaluate(
        &Cpu::new(&net),
        &labelled(&cfg, &rgb, 3),
        Mode::Dynamic,
        TH,
    ))
    .unwrap();
    let ex = lcnet::stats::examples(&r, cfg.num_classes, 4);
    // Classes 0..3 have 10 images each, the others none.
    assert_eq!(ex.len(), 12);
    for (class, picks) in ex.chunks(4).enumerate() {
        assert!(picks.iter().all(|&i| r.labels[i] == class));
        let costs: Vec<u64> = (0..n)
            .filter(|&i| r.labels[i] == class)
            .map(|i| r.macs[i])
            .collect();
        let pick_costs: Vec<u64> = picks.iter().map(|&i| r.macs[i]).collect();
        assert!(
            pick_costs.windows(2).all(|w| w[0] <= w[1]),
            "cheapest first"
        );
        assert_eq!(pick_costs[0], *costs.iter().min().unwrap());
        assert_eq!(pick_costs[3], *costs.iter().max().unwrap());
    }
    // One per class: the cheapest; more than a class has: all of them.
    let one = lcnet::stats::examples(&r, cfg.num_classes, 1);
    assert_eq!(one.len(), 3);
    assert_eq!(lcnet::stats::examples(&r, cfg.num_classes, 50).len(), n);
}

/// The curve's settings: every grid value for both thresholds, then each positive value for
/// each threshold alone.
#[test]
fn sweep_settings_cover_the_grid() {
    use lcnet::sweep::{settings, Sweep};
    let s = settings(&[0.0, 0.1, 0.5]);
    let both: Vec<f32> = s
        .iter()
        .filter(|(k, _)| *k == Sweep::Both)
        .map(|(_, t)| t.tau_l)
        .collect();
    assert_eq!(both, [0.0, 0.1, 0.5]);
    assert!(s
        .iter()
        .filter(|(k, _)| *k == Sweep::Both)
        .all(|(_, t)| t.tau_l == t.tau_c));
    let alone: Vec<(Sweep, f32, f32)> =
        s[3..].iter().map(|(k, t)| (*k, t.tau_l, t.tau_c)).collect();
    assert_eq!(
        alone,
        [
            (Sweep::TauL, 0.1, 0.0),
            (Sweep::TauC, 0.0, 0.1),
            (Sweep::TauL, 0.5, 0.0),
            (Sweep::TauC, 0.0, 0.5)
        ]
    );
    assert_eq!(serde_json::to_string(&Sweep::TauL).unwrap(), "\"tau_l\"");
}

/// The "unsure" threshold: the largest tenth below which the images were right less than half
/// of the time; the bins count every image once.
#[test]
fn confidence_threshold_follows_the_accuracy_below_it() {
    let cfg = tiny_config(true);
    let net = random_model(&cfg, 4);
    let th = Thresholds {
        tau_l: 0.0,
        tau_c: 0.0,
    };
    let mut r = lcnet::eval::summarize(&net, th, vec![], &[]);
    // Confidences 0.05, 0.15, ..., 0.95, ten images each; right in 2, 3, 4, ... of each bin's
    // ten: below 0.3 right 9 of 30 (30%), below 0.6 right 2+3+4+5+6+7 = 27 of 60 (45%),
    // below 0.7 right 35 of 70 (50%, not less than half).
    for bin in 0..10 {
        for k in 0..10 {
            r.confidence.push(bin as f32 / 10.0 + 0.05);
            r.labels.push(0);
            r.predictions.push(if k < bin + 2 { 0 } else { 1 });
        }
    }
    let c = lcnet::stats::confidence(&r);
    assert_eq!(c.bins.len(), 10);
    assert_eq!(c.bins.iter().map(|b| b.images).sum::<usize>(), 100);
    assert!((c.bins[3].accuracy - 0.5).abs() < 1e-12);
    assert!((c.unsure_below - 0.6).abs() < 1e-12, "{}", c.unsure_below);
    assert!((c.unsure_accuracy.unwrap() - 27.0 / 60.0).abs() < 1e-12);
    assert!((c.sure_accuracy.unwrap() - (8.0 + 9.0 + 10.0 + 10.0) / 40.0).abs() < 1e-12);
    // A model that is right everywhere is never called unsure.
    r.predictions.iter_mut().for_each(|p| *p = 0);
    assert_eq!(lcnet::stats::confidence(&r).unsure_below, 0.0);
}

/// The dynamics of random models' decisions against a brute-force count over every pair of
/// images and every image's path.
#[test]
fn dynamics_match_a_brute_force_count() {
    // The check means something only if some model's images took different paths.
    let varied = (0..8).filter(|&seed| check_dynamics(seed)).count();
    assert!(varied > 0, "no seed gave two block paths");
}

/// Checks one random model's dynamics; returns whether its images took more than one path.
fn check_dynamics(seed: u64) -> bool {
    let cfg = tiny_config(true);
    let net = random_model(&cfg, seed);
    let n = 40;
    let rgb = random_rgb(&cfg, n, seed);
    let samples = labelled(&cfg, &rgb, 3);
    let r = wait(evaluate(&Cpu::new(&net), &samples, Mode::Dynamic, TH)).unwrap();
    let d = lcnet::dynamics::dynamics(&r.decisions);
    let paths: Vec<&Vec<bool>> = r.block_ran.iter().collect();
    let mut distinct = paths.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(d.paths, distinct.len());
    let top = distinct
        .iter()
        .map(|p| paths.iter().filter(|q| **q == *p).count())
        .max()
        .unwrap();
    assert_eq!(d.top_paths[0].images, top);
    // Every pair: blocks run by one image only, and channels computed by one image only.
    let channels = |i: usize| -> Vec<(usize, usize)> {
        r.decisions[i]
            .blocks
            .iter()
            .enumerate()
            .filter(|(_, b)| b.ran)
            .flat_map(|(k, b)| b.kept.iter().map(move |&c| (k, c)))
            .collect()
    };
    let (mut blocks, mut chans) = (Vec::new(), Vec::new());
    for i in 0..n {
        for j in i + 1..n {
            blocks.push(
                (0..paths[i].len())
                    .filter(|&b| paths[i][b] != paths[j][b])
                    .count(),
            );
            let (a, b) = (channels(i), channels(j));
            let only = |x: &[(usize, usize)], y: &[(usize, usize)]| {
                x.iter().filter(|c| !y.contains(c)).count()
            };
            chans.push(only(&a, &b) + only(&b, &a));
        }
    }
    let median = |mut v: Vec<usize>| {
        v.sort_unstable();
        (v[(v.len() - 1) / 2] + v[v.len() / 2]) as f64 / 2.0
    };
    assert_eq!(d.median_blocks_differ, Some(median(blocks)));
    assert_eq!(d.median_channels_differ, Some(median(chans)));
    for b in 0..paths[0].len() {
        let ran = paths.iter().filter(|p| p[b]).count();
        assert_eq!(d.run_rate[b], ran as f64 / n as f64);
    }
    let mut macs = r.macs.clone();
    macs.sort_unstable();
    assert_eq!(
        d.macs_tenths[0],
        (macs[0] + macs[1] + macs[2] + macs[3]) as f64 / 4.0
    );
    d.paths > 1
}
