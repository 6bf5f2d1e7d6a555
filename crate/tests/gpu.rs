//! The GPU executor against the candle reference: every kernel on random inputs against candle's
//! ops, then the whole network against the reference executor (dense masked for the dynamic
//! path, the plain ResNet for the static one): same skip decisions and kept lists, logits within
//! 1e-3.
//!
//! Needs a Vulkan adapter; on a machine without a GPU use Mesa lavapipe:
//! `VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json cargo test -p lcnet --test gpu`.
//! Without an adapter these tests fail, unless `LCNET_SKIP_GPU_TESTS=1` is set.

mod common;

use std::sync::OnceLock;
use std::time::Instant;

use candle_core::{Device, Module, Tensor};
use common::*;
use lcnet::exec::gpu::conv3x3::{self, ConvParams, IN_LIST, OUT_LIST, RELU};
use lcnet::exec::gpu::decide::{self, selection, Chosen};
use lcnet::exec::gpu::{conv1x1, gate, linear, pool, residual, GpuContext, GpuModel};
use lcnet::{dataset, EmptyBlock, Executor, Mode, ModelCard, Thresholds, Trace};

/// The shared context, or `None` when there is no adapter and skipping was asked for.
fn ctx() -> Option<&'static GpuContext> {
    static CTX: OnceLock<Result<GpuContext, String>> = OnceLock::new();
    let ctx = CTX.get_or_init(|| {
        let ctx = pollster::block_on(GpuContext::native()).map_err(|e| e.to_string());
        if let Ok(c) = &ctx {
            eprintln!("GPU adapter: {:?}", c.adapter);
        }
        ctx
    });
    match ctx {
        Ok(c) => Some(c),
        Err(e) if std::env::var("LCNET_SKIP_GPU_TESTS").is_ok_and(|v| v == "1") => {
            eprintln!("LCNET_SKIP_GPU_TESTS=1: skipping ({e})");
            None
        }
        Err(e) => panic!(
            "{e}. The GPU tests need a Vulkan adapter; without a GPU install Mesa lavapipe \
             (mesa-vulkan-drivers) and set VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json, \
             or set LCNET_SKIP_GPU_TESTS=1 to skip these tests"
        ),
    }
}

fn t(data: &[f32], shape: &[usize]) -> Tensor {
    Tensor::from_vec(data.to_vec(), shape, &Device::Cpu).unwrap()
}

fn flat(x: &Tensor) -> Vec<f32> {
    x.flatten_all().unwrap().to_vec1::<f32>().unwrap()
}

/// `|a - b| <= tol * (1 + |b|)` everywhere: absolute near zero, relative for large values.
fn assert_close(what: &str, got: &[f32], want: &[f32], tol: f32) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol * (1.0 + w.abs()),
            "{what}: element {i} is {g}, the reference {w} (tolerance {tol})"
        );
    }
}

/// Kernel tolerance: f32 sums in a different order than candle's.
const KERNEL_TOL: f32 = 1e-4;

/// The selection buffer of a batch of one image whose block runs.
fn one_running(planes: usize, l_gate: f32, kept: &[usize], scales: &[f32]) -> Vec<u32> {
    let chosen = Chosen {
        ran: true,
        l_gate,
        kept: kept.to_vec(),
        scales: scales.to_vec(),
    };
    selection(planes, &[chosen])
}

#[test]
fn conv3x3_matches_reference() {
    let Some(ctx) = ctx() else { return };
    let mut rng = Rng::new(1);
    let none = [0u32];
    // Dense: the stem and the static path.
    for (c_in, c_out, size, stride, relu) in
        [(3, 8, 8, 1, true), (6, 7, 9, 2, false), (5, 4, 8, 2, true)]
    {
        let x = rng.vec(c_in * size * size, -1.0, 1.0);
        let w = rng.vec(c_out * c_in * 9, -0.5, 0.5);
        let b = rng.vec(c_out, -0.5, 0.5);
        let p = ConvParams::new(c_in, c_out, size, stride, if relu { RELU } else { 0 });
        let got = pollster::block_on(conv3x3::run(ctx, &x, &w, &b, &none, p)).unwrap();
        let mut want = t(&x, &[1, c_in, size, size])
            .conv2d(&t(&w, &[c_out, c_in, 3, 3]), 1, stride, 1, 1)
            .unwrap()
            .broadcast_add(&t(&b, &[1, c_out, 1, 1]))
            .unwrap();
        if relu {
            want = want.relu().unwrap();
        }
        assert_close("dense conv3x3", &got, &flat(&want), KERNEL_TOL);
    }
    // OUT_LIST (conv1): only the kept output channels, written compactly.
    let (c_in, planes, size) = (6, 7, 8);
    let kept = [0usize, 2, 5];
    for stride in [1, 2] {
        let x = rng.vec(c_in * size * size, -1.0, 1.0);
        let w = rng.vec(planes * c_in * 9, -0.5, 0.5);
        let b = rng.vec(planes, -0.5, 0.5);
        let sel = one_running(planes, 0.7, &kept, &[1.0; 3]);
        let p = ConvParams::new(c_in, planes, size, stride, RELU | OUT_LIST);
        let got = pollster::block_on(conv3x3::run(ctx, &x, &w, &b, &sel, p)).unwrap();
        let idx = Tensor::new(&[0u32, 2, 5], &Device::Cpu).unwrap();
        let wk = t(&w, &[planes, c_in, 3, 3]).index_select(&idx, 0).unwrap();
        let bk = t(&b, &[planes]).index_select(&idx, 0).unwrap();
        let want = t(&x, &[1, c_in, size, size])
            .conv2d(&wk, 1, stride, 1, 1)
            .unwrap()
            .broadcast_add(&bk.reshape((1, 3, 1, 1)).unwrap())
            .unwrap()
            .relu()
            .unwrap();
        assert_close("conv3x3 over kept outputs", &got, &flat(&want), KERNEL_TOL);
    }
    // IN_LIST (conv2): compact kept inputs scaled by C-gate * L-gate, bias scaled by the L-gate;
    // also with no kept channel (only the scaled bias remains).
    for kept in [vec![1usize, 4, 6], vec![]] {
        let k = kept.len();
        let g = 0.7f32;
        let h = rng.vec(k * size * size, 0.0, 1.0);
        let w = rng.vec(planes * planes * 9, -0.5, 0.5);
        let b = rng.vec(planes, -0.5, 0.5);
        let scales: Vec<f32> = (0..k).map(|_| rng.uniform(0.1, 1.0) * g).collect();
        let sel = one_running(planes, g, &kept, &scales);
        let p = ConvParams::new(planes, planes, size, 1, IN_LIST);
        let got = pollster::block_on(conv3x3::run(ctx, &h, &w, &b, &sel, p)).unwrap();
        let bias = (t(&b, &[1, planes, 1, 1]) * f64::from(g)).unwrap();
        let want = if k == 0 {
            bias.broadcast_as((1, planes, size, size))
                .unwrap()
                .contiguous()
                .unwrap()
        } else {
            let idx: Vec<u32> = kept.iter().map(|&i| i as u32).collect();
            let idx = Tensor::new(idx.as_slice(), &Device::Cpu).unwrap();
            let wk = t(&w, &[planes, planes, 3, 3])
                .index_select(&idx, 1)
                .unwrap()
                .broadcast_mul(&t(&scales, &[1, k, 1, 1]))
                .unwrap();
            t(&h, &[1, k, size, size])
                .conv2d(&wk, 1, 1, 1, 1)
                .unwrap()
                .broadcast_add(&bias)
                .unwrap()
        };
        assert_close("conv3x3 over kept inputs", &got, &flat(&want), KERNEL_TOL);
    }
}

#[test]
fn conv1x1_matches_reference() {
    let Some(ctx) = ctx() else { return };
    let mut rng = Rng::new(2);
    for (c_in, c_out, size, stride) in [(6, 9, 8, 2), (4, 8, 9, 2), (5, 3, 4, 1)] {
        let x = rng.vec(c_in * size * size, -1.0, 1.0);
        let w = rng.vec(c_out * c_in, -0.5, 0.5);
        let b = rng.vec(c_out, -0.5, 0.5);
        let p = ConvParams::new(c_in, c_out, size, stride, 0);
        let got = pollster::block_on(conv1x1::run(ctx, &x, &w, &b, p)).unwrap();
        let want = t(&x, &[1, c_in, size, size])
            .conv2d(&t(&w, &[c_out, c_in, 1, 1]), 0, stride, 1, 1)
            .unwrap()
            .broadcast_add(&t(&b, &[1, c_out, 1, 1]))
            .unwrap();
        assert_close("conv1x1", &got, &flat(&want), KERNEL_TOL);
    }
}

#[test]
fn residual_matches_reference() {
    let Some(ctx) = ctx() else { return };
    let mut rng = Rng::new(3);
    let sc = rng.vec(300, -1.0, 1.0);
    let br = rng.vec(300, -1.0, 1.0);
    for ran in [true, false] {
        let got = pollster::block_on(residual::run(ctx, &sc, &br, ran)).unwrap();
        let want = if ran {
            (t(&sc, &[300]) + t(&br, &[300])).unwrap().relu().unwrap()
        } else {
            t(&sc, &[300]).relu().unwrap()
        };
        assert_close("residual", &got, &flat(&want), KERNEL_TOL);
        // In place (identity shortcut, x >= 0 as after a ReLU): a skipped image is untouched.
        let x: Vec<f32> = sc.iter().map(|v| v.max(0.0)).collect();
        let got = pollster::block_on(residual::run_into(ctx, &x, &br, ran)).unwrap();
        let want = if ran {
            flat(&(t(&x, &[300]) + t(&br, &[300])).unwrap().relu().unwrap())
        } else {
            x.clone()
        };
        assert_close("residual in place", &got, &want, KERNEL_TOL);
    }
}

#[test]
fn pool_matches_reference() {
    let Some(ctx) = ctx() else { return };
    let mut rng = Rng::new(4);
    for (c, size) in [(16, 32), (70, 8), (3, 5)] {
        let x = rng.vec(c * size * size, -1.0, 2.0);
        let got = pollster::block_on(pool::run(ctx, &x, c)).unwrap();
        let want = t(&x, &[1, c, size, size]).mean((2, 3)).unwrap();
        assert_close("pool", &got, &flat(&want), KERNEL_TOL);
    }
}

#[test]
fn linear_matches_reference() {
    let Some(ctx) = ctx() else { return };
    let mut rng = Rng::new(5);
    for (n_in, n_out) in [(64, 10), (100, 70)] {
        let x = rng.vec(n_in, -1.0, 1.0);
        let w = rng.vec(n_out * n_in, -0.3, 0.3);
        let b = rng.vec(n_out, -0.3, 0.3);
        let got = pollster::block_on(linear::run(ctx, &x, &w, &b)).unwrap();
        let l = candle_nn::Linear::new(t(&w, &[n_out, n_in]), Some(t(&b, &[n_out])));
        let want = l.forward(&t(&x, &[1, n_in])).unwrap();
        assert_close("linear", &got, &flat(&want), KERNEL_TOL);
    }
}

#[test]
fn gate_matches_reference() {
    let Some(ctx) = ctx() else { return };
    let mut rng = Rng::new(6);
    // Output biases around zero so that both clamps (0 and 1) are exercised.
    for (c_in, hidden, out) in [(16, 16, 1), (32, 16, 32), (64, 100, 70)] {
        let w1 = rng.vec(hidden * c_in, -0.5, 0.5);
        let b1 = rng.vec(hidden, -0.2, 0.2);
        let w2 = rng.vec(out * hidden, -0.8, 0.8);
        let b2 = rng.vec(out, -0.5, 1.2);
        let pooled = rng.vec(c_in, 0.0, 2.0);
        let got = pollster::block_on(gate::run(
            ctx,
            &pooled,
            gate::GateWeights {
                w1: &w1,
                b1: &b1,
                w2: &w2,
                b2: &b2,
            },
        ))
        .unwrap();
        // candle: fc1 -> ReLU -> fc2 -> clamp(0, 1).
        let fc1 = candle_nn::Linear::new(t(&w1, &[hidden, c_in]), Some(t(&b1, &[hidden])));
        let fc2 = candle_nn::Linear::new(t(&w2, &[out, hidden]), Some(t(&b2, &[out])));
        let h = fc1
            .forward(&t(&pooled, &[1, c_in]))
            .unwrap()
            .relu()
            .unwrap();
        let want = flat(&fc2.forward(&h).unwrap().clamp(0f32, 1f32).unwrap());
        assert!(want.iter().any(|&v| v == 0.0 || v == 1.0) || out == 1);
        assert_close("gate", &got, &want, KERNEL_TOL);
    }
}

#[test]
fn decide_matches_reference() {
    let Some(ctx) = ctx() else { return };
    let planes = 8;
    let c = [0.0f32, 0.9, 0.35, 0.41, 1.0, 0.2, 0.5, 0.4];
    let th = Thresholds {
        tau_l: 0.3,
        tau_c: 0.4,
    };
    let groups = 5;
    // One batch: a running image, a skipped one (gate == tau), a running one with every channel
    // dropped, another running one. The CPU rule (`Block::decide`): a gate <= tau is skipped.
    let l_gates = [0.8f32, 0.3, 0.8, 0.5];
    let c_gates = [c.to_vec(), c.to_vec(), vec![0.1; planes], c.to_vec()];
    let d = pollster::block_on(decide::run(
        ctx,
        th,
        EmptyBlock::Bias,
        &l_gates,
        &c_gates.concat(),
        groups,
    ))
    .unwrap();
    let mut chosen = Vec::new();
    for (i, (&g, cg)) in l_gates.iter().zip(&c_gates).enumerate() {
        let ran = g > th.tau_l;
        let kept: Vec<usize> = if ran {
            (0..planes).filter(|&i| cg[i] > th.tau_c).collect()
        } else {
            vec![]
        };
        let dec = &d.decisions[i];
        assert_eq!(dec.ran, ran, "image {i}");
        assert_eq!(dec.l_gate, Some(g));
        assert_eq!(dec.kept, kept);
        assert_eq!(dec.c_gates, ran.then(|| cg.clone()));
        let scales = kept.iter().map(|&i| cg[i] * g).collect();
        chosen.push(Chosen {
            ran,
            l_gate: g,
            kept,
            scales,
        });
    }
    let running = chosen.iter().filter(|c| c.ran).count() as u32;
    let pairs: u32 = chosen.iter().map(|c| c.kept.len() as u32).sum();
    assert_eq!((running, pairs), (3, 8));
    // The C-Net over the 3 running images, decide_channels once; conv1 over the 8 pairs of the
    // batch, conv2 over all channels of each running image, the residual over the running ones.
    assert_eq!(d.gate_args, [1, 1, running, 1, 1, 1]);
    let res = planes.div_ceil(64) as u32;
    assert_eq!(
        d.conv_args,
        [
            groups,
            pairs,
            1,
            groups,
            planes as u32,
            running,
            res,
            1,
            running
        ]
    );
    assert_eq!(d.sel, selection(planes, &chosen));
    // No image runs the block: nothing after it is dispatched.
    let d = pollster::block_on(decide::run(
        ctx,
        th,
        EmptyBlock::Bias,
        &[0.1, 0.2],
        &[0.9; 16],
        groups,
    ))
    .unwrap();
    assert_eq!(d.gate_args[2..4], [0, 0]);
    assert_eq!([d.conv_args[1], d.conv_args[5], d.conv_args[8]], [0, 0, 0]);
}

/// GPU and reference decisions agree exactly; gates within 1e-5; logits within 1e-3.
fn assert_same(what: &str, gpu: &Trace, reference: &Trace) {
    assert_same_decisions(what, gpu, reference);
    let diff = max_abs_diff(&gpu.logits, &reference.logits);
    assert!(diff < 1e-3, "{what}: logits differ by {diff}");
    assert_eq!(
        gpu.prediction.class, reference.prediction.class,
        "{what}: prediction"
    );
    assert_eq!(gpu.macs, reference.macs);
}

/// One image through a CPU path (the candle reference or the CPU kernels).
fn cpu(net: &Net, rgb: &[u8], via: Via, th: Thresholds) -> Trace {
    run_path(net, rgb, 1, via, th).1.remove(0)
}

/// One image through the GPU executor.
fn gpu_run(gpu: &GpuModel, rgb: &[u8], mode: Mode, th: Thresholds) -> lcnet::Result<Trace> {
    Ok(pollster::block_on(gpu.run(&[rgb], mode, th))?.remove(0))
}

#[test]
fn network_matches_reference_on_random_models() {
    let Some(ctx) = ctx() else { return };
    let cfg = tiny_config(true);
    let per = cfg.image_size * cfg.image_size * 3;
    let (mut skipped, mut ran, mut dropped) = (0, 0, 0);
    for seed in 0..4 {
        let net = random_model(&cfg, seed);
        let gpu = GpuModel::new(ctx, &net).unwrap();
        let rgb = random_rgb(&cfg, 3, seed);
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
            for img in rgb.chunks(per) {
                let g = gpu_run(&gpu, img, Mode::Dynamic, th).unwrap();
                let c = cpu(&net, img, Via::ReferenceMasked, th);
                assert_same(&format!("seed {seed} {th:?}"), &g, &c);
                for b in &g.blocks {
                    if b.ran {
                        ran += 1;
                        dropped += b.planes - b.kept.len();
                    } else {
                        skipped += 1;
                    }
                }
            }
        }
        // The static path is the plain ResNet.
        let th = Thresholds::from_config(&cfg);
        let g = gpu_run(&gpu, &rgb[..per], Mode::Static, th).unwrap();
        assert_same(
            "static",
            &g,
            &cpu(&net, &rgb[..per], Via::ReferenceStatic, th),
        );
        // Every gate <= 1: nothing runs.
        let all = Thresholds {
            tau_l: 1.0,
            tau_c: 1.0,
        };
        let g = gpu_run(&gpu, &rgb[..per], Mode::Dynamic, all).unwrap();
        assert_eq!(g.blocks_run, 0);
        assert_same(
            "tau 1",
            &g,
            &cpu(&net, &rgb[..per], Via::ReferenceMasked, all),
        );
    }
    // The comparison means something only if both kinds of skipping happened.
    assert!(
        skipped > 0 && ran > 0 && dropped > 0,
        "{skipped} {ran} {dropped}"
    );
}

#[test]
fn network_with_every_channel_skipped_keeps_the_bias() {
    let Some(ctx) = ctx() else { return };
    let cfg = tiny_config(true);
    let mut tensors = random_tensors(&cfg, 3);
    // Close every C-gate of stage2.1 while its L-gate stays open.
    set_gates(&mut tensors, &["stage2.1"], 16, 5.0);
    let net = model_from(&cfg, &tensors);
    let gpu = GpuModel::new(ctx, &net).unwrap();
    let th = Thresholds {
        tau_l: 0.0,
        tau_c: 0.0,
    };
    let rgb = random_rgb(&cfg, 1, 3);
    let g = gpu_run(&gpu, &rgb, Mode::Dynamic, th).unwrap();
    assert!(g.blocks[3].ran && g.blocks[3].kept.is_empty());
    assert_same(
        "empty block",
        &g,
        &cpu(&net, &rgb, Via::ReferenceMasked, th),
    );
}

/// `EmptyBlock::Skip` on the GPU: a block whose C-gates all close (stage2.0 with a projection,
/// stage2.1 identity) is skipped, as on the reference, in one batch with other images.
#[test]
fn network_skips_an_empty_block_when_the_card_says_so() {
    let Some(ctx) = ctx() else { return };
    let mut cfg = tiny_config(true);
    cfg.empty_block = EmptyBlock::Skip;
    let mut tensors = random_tensors(&cfg, 3);
    set_gates(&mut tensors, &["stage2.0", "stage2.1"], 16, 5.0);
    let net = model_from(&cfg, &tensors);
    let gpu = GpuModel::with_batch(ctx, &net, 3).unwrap();
    let th = Thresholds {
        tau_l: 0.0,
        tau_c: 0.0,
    };
    let rgb = random_rgb(&cfg, 3, 3);
    let per = cfg.image_size * cfg.image_size * 3;
    let images: Vec<&[u8]> = rgb.chunks(per).collect();
    let traces = pollster::block_on(gpu.run(&images, Mode::Dynamic, th)).unwrap();
    for (g, img) in traces.iter().zip(&images) {
        assert!(g.blocks[2..4].iter().all(|b| !b.ran && b.c_gates.is_some()));
        assert_same("empty skip", g, &cpu(&net, img, Via::ReferenceMasked, th));
    }
}

#[test]
fn network_without_gates_matches_reference() {
    let Some(ctx) = ctx() else { return };
    let cfg = tiny_config(false);
    let net = random_model(&cfg, 2);
    let gpu = GpuModel::new(ctx, &net).unwrap();
    let th = Thresholds::from_config(&cfg);
    let rgb = random_rgb(&cfg, 1, 2);
    let g = gpu_run(&gpu, &rgb, Mode::Dynamic, th).unwrap();
    assert_same("no gates", &g, &cpu(&net, &rgb, Via::ReferenceMasked, th));
    assert_eq!(g.macs, g.static_macs);
}

/// A lost device (here destroyed, as the web page's tests do) makes `classify` fail with an
/// error instead of panicking or hanging, so the page can fall back to the CPU.
#[test]
fn a_lost_device_fails_cleanly() {
    if ctx().is_none() {
        return;
    }
    // Its own context: destroying the shared one would break the other tests.
    let ctx = pollster::block_on(GpuContext::native()).unwrap();
    let cfg = tiny_config(true);
    let net = random_model(&cfg, 3);
    let gpu = GpuModel::new(&ctx, &net).unwrap();
    let th = Thresholds::from_config(&cfg);
    let rgb = random_rgb(&cfg, 1, 3);
    gpu_run(&gpu, &rgb, Mode::Dynamic, th).unwrap();
    assert!(ctx.check().is_ok());
    ctx.device.destroy();
    let e = gpu_run(&gpu, &rgb, Mode::Dynamic, th).unwrap_err();
    assert!(e.to_string().contains("GPU"), "{e}");
    assert!(ctx.check().is_err());
}

/// The whole batch runs on the GPU, decisions included: exactly one readback per batch (per
/// image at batch 1), on the dynamic and the static path, whatever the thresholds skip.
#[test]
fn one_readback_per_batch() {
    if ctx().is_none() {
        return;
    }
    // Its own context: the shared one counts the readbacks of tests running beside this one.
    let ctx = pollster::block_on(GpuContext::native()).unwrap();
    let cfg = tiny_config(true);
    let per = cfg.image_size * cfg.image_size * 3;
    let net = random_model(&cfg, 5);
    let single = GpuModel::new(&ctx, &net).unwrap();
    let batched = GpuModel::with_batch(&ctx, &net, 7).unwrap();
    let rgb = random_rgb(&cfg, 17, 5);
    let images: Vec<&[u8]> = rgb.chunks(per).collect();
    let mut readbacks = 0;
    assert_eq!(ctx.readbacks(), 0);
    for tau in [0.0, 0.3, 1.0] {
        let th = Thresholds {
            tau_l: tau,
            tau_c: tau,
        };
        for mode in [Mode::Dynamic, Mode::Static] {
            for img in &images[..3] {
                gpu_run(&single, img, mode, th).unwrap();
                readbacks += 1;
                assert_eq!(ctx.readbacks(), readbacks, "tau {tau}");
            }
            // 17 images in batches of 7: 7 + 7 + 3.
            pollster::block_on(batched.run(&images, mode, th)).unwrap();
            readbacks += 3;
            assert_eq!(ctx.readbacks(), readbacks, "tau {tau}, batch 7");
        }
    }
}

/// A batch of B images in one submission gives every image exactly what it gets alone (batch
/// 1): the same decisions, MACs and logits, bit for bit (each output is summed in the same
/// order). 70 images, so the last batch is partial; batches mix images that skip a block with
/// images that run it (checked). The batch-1 path itself is compared with the candle reference
/// above, and with the shipped model in `lcnet eval --backend gpu` (tests/cli.rs).
#[test]
fn batches_match_one_image_at_a_time() {
    let Some(ctx) = ctx() else { return };
    let cfg = tiny_config(true);
    let net = random_model(&cfg, 3);
    let rgb = random_rgb(&cfg, 70, 3);
    let images: Vec<&[u8]> = rgb.chunks(cfg.image_size * cfg.image_size * 3).collect();
    let single = GpuModel::new(ctx, &net).unwrap();
    let default = Thresholds::from_config(&cfg);
    let mut mixed = 0;
    let tau = |t| Thresholds { tau_l: t, tau_c: t };
    // The static path ignores the thresholds: checked once.
    let runs = [tau(0.0), default, tau(0.3), tau(1.0)].map(|th| (Mode::Dynamic, th));
    for (mode, th) in runs.into_iter().chain([(Mode::Static, default)]) {
        {
            let alone = pollster::block_on(single.run(&images, mode, th)).unwrap();
            for b in [1, 7, 64] {
                let gpu = GpuModel::with_batch(ctx, &net, b).unwrap();
                let batched = pollster::block_on(gpu.run(&images, mode, th)).unwrap();
                assert_eq!(batched.len(), images.len());
                for (i, (got, want)) in batched.iter().zip(&alone).enumerate() {
                    let what = format!("{mode:?} {th:?} batch {b} image {i}");
                    assert_same_decisions(&what, got, want);
                    assert_eq!(got.logits, want.logits, "{what}");
                    assert_eq!(got.macs, want.macs, "{what}");
                }
                // Batches in which some images skip a block that others run.
                for chunk in alone.chunks(b) {
                    let blocks = chunk[0].blocks.len();
                    mixed += (0..blocks)
                        .filter(|&k| {
                            chunk.iter().any(|t| t.blocks[k].ran)
                                && chunk.iter().any(|t| !t.blocks[k].ran)
                        })
                        .count();
                }
            }
        }
    }
    assert!(mixed > 0, "no batch mixed running and skipped blocks");
    // A batch that does not fit is refused by name.
    let e = GpuModel::with_batch(ctx, &net, 10_000).unwrap_err();
    assert!(e.to_string().contains("batch"), "{e}");
}

#[test]
fn committed_smoke_model_matches_reference_on_fixture_images() {
    let Some(ctx) = ctx() else { return };
    let path = repo_root().join("weights/smoke/lcnet-resnet8.safetensors");
    let card = ModelCard::from_json(&std::fs::read_to_string(path.with_extension("json")).unwrap())
        .unwrap();
    let cfg = &card.config;
    let net = Net::load(&path, cfg);
    let gpu = GpuModel::new(ctx, &net).unwrap();
    let bin = repo_root().join("crate/tests/fixtures/cifar10-test-200.bin");
    let samples = dataset::load_test(&bin, cfg, 0).unwrap();
    assert_eq!(samples.len(), 200);
    let th = Thresholds::from_config(cfg);
    let (mut gpu_s, mut cpu_s, mut skipped) = (0.0, 0.0, 0);
    for s in &samples {
        let t0 = Instant::now();
        let g = gpu_run(&gpu, &s.rgb, Mode::Dynamic, th).unwrap();
        gpu_s += t0.elapsed().as_secs_f64();
        let t0 = Instant::now();
        let c = cpu(&net, &s.rgb, Via::ReferenceMasked, th);
        cpu_s += t0.elapsed().as_secs_f64();
        assert_same(&s.name, &g, &c);
        skipped += g.blocks.iter().filter(|b| !b.ran).count();
        skipped += g
            .blocks
            .iter()
            .map(|b| b.planes - b.kept.len())
            .sum::<usize>();
    }
    let n = samples.len() as f64;
    eprintln!(
        "resnet8 smoke, 200 images: GPU {:.2} ms/image, CPU {:.2} ms/image (debug-profile test build); \
         {skipped} skipped blocks + channels",
        1e3 * gpu_s / n,
        1e3 * cpu_s / n
    );
}

/// Timings on the smoke model (not a correctness test):
/// `cargo test -p lcnet --release --test gpu -- --ignored --nocapture timings`.
#[test]
#[ignore]
fn timings_on_the_smoke_model() {
    let Some(ctx) = ctx() else { return };
    let path = repo_root().join("weights/smoke/lcnet-resnet8.safetensors");
    let card = ModelCard::from_json(&std::fs::read_to_string(path.with_extension("json")).unwrap())
        .unwrap();
    let net = Net::load(&path, &card.config);
    let gpu = GpuModel::new(ctx, &net).unwrap();
    let bin = repo_root().join("crate/tests/fixtures/cifar10-test-200.bin");
    let samples = dataset::load_test(&bin, &card.config, 50).unwrap();
    let th = Thresholds::from_config(&card.config);
    let skip_all = Thresholds {
        tau_l: 1.0,
        tau_c: 1.0,
    };
    let time = |label: &str, f: &dyn Fn(&[u8]) -> Trace| {
        for s in samples.iter().take(5) {
            f(&s.rgb);
        }
        let t0 = Instant::now();
        let mut macs = 0;
        for s in &samples {
            macs += f(&s.rgb).macs;
        }
        let n = samples.len() as f64;
        eprintln!(
            "{label:>28}: {:7.2} ms/image, {:.2} MMACs/image",
            1e3 * t0.elapsed().as_secs_f64() / n,
            macs as f64 / n / 1e6
        );
    };
    time("GPU dynamic", &|rgb| {
        gpu_run(&gpu, rgb, Mode::Dynamic, th).unwrap()
    });
    time("GPU static", &|rgb| {
        gpu_run(&gpu, rgb, Mode::Static, th).unwrap()
    });
    time("GPU dynamic, all skipped", &|rgb| {
        gpu_run(&gpu, rgb, Mode::Dynamic, skip_all).unwrap()
    });
    time("CPU dynamic", &|rgb| cpu(&net, rgb, Via::CpuDynamic, th));
    time("CPU static", &|rgb| cpu(&net, rgb, Via::CpuStatic, th));

    // A wide random ResNet-8 (64 channels everywhere), where convolutions dominate: GPU time
    // follows the MACs the gates let through, i.e. skipped work is really not dispatched.
    let mut cfg = lcnet::Config::cifar10(8, true);
    cfg.widths = vec![64, 64, 64];
    let net = random_model(&cfg, 1);
    let gpu = GpuModel::new(ctx, &net).unwrap();
    let rgb = random_rgb(&cfg, 1, 1);
    for tau in [1.0, 0.5, 0.0] {
        let th = Thresholds {
            tau_l: tau,
            tau_c: tau,
        };
        time(&format!("wide, GPU dynamic tau {tau}"), &|_| {
            gpu_run(&gpu, &rgb, Mode::Dynamic, th).unwrap()
        });
    }
    time("wide, GPU static", &|_| {
        gpu_run(&gpu, &rgb, Mode::Static, th).unwrap()
    });
}
