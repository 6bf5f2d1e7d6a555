//! Real skipping computes exactly what the dense masked reference computes, and only the work
//! the trace accounts for.

mod common;

use common::*;
use lcnet::{counter, Thresholds, Trace};

fn run(net: &Net, rgb: &[u8], n: usize, via: Via, th: Thresholds) -> (Vec<Vec<f32>>, Vec<Trace>) {
    run_path(net, rgb, n, via, th)
}

#[test]
fn dynamic_matches_dense_masked_on_random_models() {
    let cfg = tiny_config(true);
    let (mut skipped_blocks, mut ran_blocks, mut skipped_channels, mut empty_blocks) = (0, 0, 0, 0);
    for seed in 0..6 {
        let net = random_model(&cfg, seed);
        let rgb = random_rgb(&cfg, 4, seed);
        for th in [
            Thresholds {
                tau_l: 0.0,
                tau_c: 0.0,
            },
            Thresholds {
                tau_l: 0.3,
                tau_c: 0.4,
            },
        ] {
            let (ld, td) = run(&net, &rgb, 4, Via::CpuDynamic, th);
            let (lm, tm) = run(&net, &rgb, 4, Via::ReferenceMasked, th);
            for i in 0..4 {
                let diff = max_abs_diff(&ld[i], &lm[i]);
                assert!(
                    diff < 1e-4,
                    "seed {seed} image {i}: logits differ by {diff}"
                );
                assert_same_decisions(&format!("image {i}"), &td[i], &tm[i]);
                for b in &td[i].blocks {
                    if b.ran {
                        ran_blocks += 1;
                        skipped_channels += b.planes - b.kept.len();
                        empty_blocks += usize::from(b.kept.is_empty());
                    } else {
                        skipped_blocks += 1;
                    }
                }
            }
        }
    }
    // The comparison means something only if both kinds of skipping happened.
    assert!(skipped_blocks > 0 && ran_blocks > 0 && skipped_channels > 0);
    eprintln!("skipped blocks {skipped_blocks}, ran {ran_blocks}, skipped channels {skipped_channels}, empty {empty_blocks}");
}

#[test]
fn executed_macs_equal_the_trace() {
    let cfg = tiny_config(true);
    let net = random_model(&cfg, 11);
    let rgb = random_rgb(&cfg, 3, 11);
    let per = cfg.image_size * cfg.image_size * 3;
    let th = Thresholds {
        tau_l: 0.1,
        tau_c: 0.2,
    };
    let mut below_static = false;
    for i in 0..3 {
        counter::take();
        let (_, t) = run(&net, &rgb[i * per..(i + 1) * per], 1, Via::CpuDynamic, th);
        assert_eq!(
            counter::take(),
            t[0].macs,
            "image {i}: executed vs accounted MACs"
        );
        below_static |= t[0].macs < t[0].static_macs;
    }
    assert!(
        below_static,
        "the dynamic path should have skipped something"
    );
    counter::take();
    let (_, t) = run(&net, &rgb[..per], 1, Via::CpuStatic, th);
    assert_eq!(
        counter::take(),
        t[0].static_macs,
        "the static path runs the whole ResNet"
    );
    assert_eq!(t[0].macs, t[0].static_macs);
}

#[test]
fn a_block_with_every_channel_skipped_keeps_its_bias() {
    let cfg = tiny_config(true);
    let mut tensors = random_tensors(&cfg, 3);
    // Close every C-gate of stage2.0 (a projection shortcut) and stage2.1 (identity) while their
    // L-gates stay open: the CPU path computes them without convolutions, as
    // `relu(g * b2 + shortcut)`.
    set_gates(&mut tensors, &["stage2.0", "stage2.1"], 16, 5.0);
    let net = model_from(&cfg, &tensors);
    let rgb = random_rgb(&cfg, 2, 3);
    let th = Thresholds {
        tau_l: 0.0,
        tau_c: 0.0,
    };
    let (ld, td) = run(&net, &rgb, 2, Via::CpuDynamic, th);
    let (lm, tm) = run(&net, &rgb, 2, Via::ReferenceMasked, th);
    for i in 0..2 {
        for b in &td[i].blocks[2..4] {
            assert!(
                b.ran && b.kept.is_empty(),
                "block {} should run with no channels",
                b.index
            );
        }
        assert!(max_abs_diff(&ld[i], &lm[i]) < 1e-4);
        assert_same_decisions(&format!("image {i}"), &td[i], &tm[i]);
    }
}

#[test]
fn higher_thresholds_skip_more() {
    let cfg = tiny_config(true);
    let net = random_model(&cfg, 5);
    let rgb = random_rgb(&cfg, 4, 5);
    let mut last = u64::MAX;
    for t in [0.0, 0.2, 0.4, 0.6, 0.8, 1.0] {
        let (_, traces) = run(
            &net,
            &rgb,
            4,
            Via::CpuDynamic,
            Thresholds { tau_l: t, tau_c: t },
        );
        let macs: u64 = traces.iter().map(|t| t.macs).sum();
        assert!(
            macs <= last,
            "MACs grew from {last} to {macs} at threshold {t}"
        );
        last = macs;
    }
    // At 1.0 no gate (clamped to [0, 1]) passes: only the fixed parts remain.
    let per = cfg.image_size * cfg.image_size * 3;
    let (_, traces) = run(
        &net,
        &rgb[..per],
        1,
        Via::CpuDynamic,
        Thresholds {
            tau_l: 1.0,
            tau_c: 1.0,
        },
    );
    assert_eq!(traces[0].blocks_run, 0);
}

#[test]
fn a_model_without_gates_runs_everything() {
    let cfg = tiny_config(false);
    let net = random_model(&cfg, 2);
    let rgb = random_rgb(&cfg, 2, 2);
    let th = Thresholds::from_config(&cfg);
    let (ld, td) = run(&net, &rgb, 2, Via::CpuDynamic, th);
    let (ls, ts) = run(&net, &rgb, 2, Via::CpuStatic, th);
    for i in 0..2 {
        assert!(max_abs_diff(&ld[i], &ls[i]) < 1e-4);
        assert_eq!(td[i].macs, td[i].static_macs);
        assert_eq!(td[i].blocks_run, td[i].blocks.len());
        assert!(td[i]
            .blocks
            .iter()
            .all(|b| b.l_gate.is_none() && b.kept.len() == b.planes));
        assert_eq!(ts[i].macs, td[i].macs);
    }
}

#[test]
fn static_direct_path_matches_candle() {
    for gated in [true, false] {
        let cfg = tiny_config(gated);
        let net = random_model(&cfg, 5);
        let rgb = random_rgb(&cfg, 3, 5);
        let th = Thresholds::from_config(&cfg);
        let (ls, ts) = run(&net, &rgb, 3, Via::CpuStatic, th);
        let (lc, tc) = run(&net, &rgb, 3, Via::ReferenceStatic, th);
        for i in 0..3 {
            let diff = max_abs_diff(&ls[i], &lc[i]);
            assert!(
                diff < 1e-4,
                "gated {gated} image {i}: logits differ by {diff}"
            );
            assert_eq!(ts[i].macs, tc[i].macs);
            assert_eq!(ts[i].macs, ts[i].static_macs);
        }
    }
}

/// A model trained to skip a block whose C-gates all close (`EmptyBlock::Skip`): such a block
/// computes what a block its L-gate skipped computes, on the CPU path and in the dense masked
/// reference; its trace says skipped, with the C-gates its C-Net computed, and its MACs count
/// the C-Net.
#[test]
fn with_empty_skip_a_block_with_every_channel_closed_is_skipped() {
    let mut cfg = tiny_config(true);
    cfg.empty_block = lcnet::EmptyBlock::Skip;
    // L-gates open and every C-gate closed; in `closed` the L-gates close the blocks instead.
    let blocks = ["stage2.0", "stage2.1"];
    let mut empty = random_tensors(&cfg, 3);
    let mut closed = empty.clone();
    set_gates(&mut empty, &blocks, 16, 5.0);
    set_gates(&mut closed, &blocks, 16, -50.0);
    let (net, net_closed) = (model_from(&cfg, &empty), model_from(&cfg, &closed));
    let rgb = random_rgb(&cfg, 2, 3);
    let th = Thresholds {
        tau_l: 0.0,
        tau_c: 0.0,
    };
    let (ld, td) = run(&net, &rgb, 2, Via::CpuDynamic, th);
    let (lm, tm) = run(&net, &rgb, 2, Via::ReferenceMasked, th);
    let (lc, tc) = run(&net_closed, &rgb, 2, Via::CpuDynamic, th);
    for i in 0..2 {
        for (b, blk) in td[i].blocks[2..4].iter().zip(&net.blocks()[2..4]) {
            assert!(!b.ran && b.kept.is_empty(), "block {} is skipped", b.index);
            assert!(b.c_gates.is_some(), "block {}: its C-Net ran", b.index);
            assert_eq!(b.macs, blk.cost.fixed + blk.cost.cnet);
        }
        assert!(tc[i].blocks[2..4]
            .iter()
            .all(|b| !b.ran && b.c_gates.is_none()));
        assert!(max_abs_diff(&ld[i], &lm[i]) < 1e-4);
        assert_same_decisions(&format!("image {i}"), &td[i], &tm[i]);
        // The same output as the blocks skipped by their L-gates (the rest of the net is equal).
        assert!(max_abs_diff(&ld[i], &lc[i]) < 1e-5);
    }
}
