//! The committed weights: they load into the architecture, reproduce PyTorch (parity fixture)
//! and the recorded accuracy; damaged or mismatched weights fail with an error naming the tensor.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use common::*;
use lcnet::dataset;
use lcnet::eval::evaluate;
use lcnet::exec::{cpu::Cpu, wait};
use lcnet::{LcNet, Mode, ModelCard, Thresholds, WeightsDtype};
use serde_json::Value;

/// Every committed `weights/**/*.safetensors` with its card.
fn committed_weights() -> Vec<PathBuf> {
    let root = repo_root().join("weights");
    let mut out = Vec::new();
    for dir in [root.clone(), root.join("smoke")] {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "safetensors") {
                out.push(p);
            }
        }
    }
    assert!(!out.is_empty(), "no committed weights found");
    out.sort();
    out
}

fn load(path: &Path) -> (LcNet, ModelCard) {
    let card = ModelCard::from_json(&std::fs::read_to_string(path.with_extension("json")).unwrap())
        .unwrap();
    let net = LcNet::load_for_card(path, &card).unwrap();
    (net, card)
}

#[test]
fn committed_weights_load_into_the_architecture() {
    for path in committed_weights() {
        let (net, card) = load(&path);
        assert_eq!(
            net.blocks().len(),
            3 * card.config.blocks_per_stage().unwrap()
        );
        let bytes = std::fs::read(&path).unwrap();
        LcNet::from_safetensors_bytes(&bytes, &card.config).unwrap();
    }
}

fn parity_fixtures() -> Vec<(Value, PathBuf)> {
    let dir = repo_root().join("crate/tests/fixtures");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with("parity-") && name.ends_with(".json") {
            let v: Value =
                serde_json::from_str(&std::fs::read_to_string(e.path()).unwrap()).unwrap();
            let w = v["weights"].as_str().unwrap();
            let path = committed_weights()
                .into_iter()
                .find(|p| p.file_name().unwrap() == w)
                .unwrap_or_else(|| panic!("{name} refers to {w}, which is not committed"));
            out.push((v, path));
        }
    }
    assert!(!out.is_empty(), "no parity fixtures");
    out
}

fn f32s(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

/// PyTorch (weights/train/export.py) and Rust agree on logits (1e-4) and every skip decision.
#[test]
fn matches_pytorch() {
    for (fx, path) in parity_fixtures() {
        let (net, card) = load(&path);
        let th = Thresholds::from_config(&card.config);
        for case in fx["cases"].as_array().unwrap() {
            let src = case["source"].as_str().unwrap();
            let rgb: Vec<u8> = case["rgb"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as u8)
                .collect();
            let (logits, traces) = run_on(&Cpu::new(&net), &rgb, 1, Mode::Dynamic, th);
            let diff = max_abs_diff(&logits[0], &f32s(&case["logits"]));
            assert!(
                diff < 1e-4,
                "{}: {src}: logits differ by {diff}",
                path.display()
            );
            let t = &traces[0];
            assert_eq!(t.macs as f64, case["macs"].as_f64().unwrap(), "{src}: MACs");
            if card.config.gated {
                let gates = &case["gates"];
                let l = f32s(&gates["l"]);
                for (b, blk) in t.blocks.iter().enumerate() {
                    let g = blk.l_gate.unwrap();
                    assert!(
                        (g - l[b]).abs() < 1e-4,
                        "{src} block {b}: L-gate {g} vs {}",
                        l[b]
                    );
                    assert_eq!(blk.ran, l[b] > th.tau_l, "{src} block {b}: skip decision");
                    if let Some(c) = &blk.c_gates {
                        let expect = f32s(&gates["c"][b]);
                        assert!(max_abs_diff(c, &expect) < 1e-4, "{src} block {b}: C-gates");
                        let kept: Vec<usize> = (0..expect.len())
                            .filter(|&k| expect[k] > th.tau_c)
                            .collect();
                        assert_eq!(blk.kept, kept, "{src} block {b}: kept channels");
                    }
                }
            }
        }
    }
}

/// The committed 200-image test subset gives PyTorch's predictions and accuracy, on the real
/// skipping path.
#[test]
fn reproduces_recorded_subset_accuracy() {
    let bin = repo_root().join("crate/tests/fixtures/cifar10-test-200.bin");
    for (fx, path) in parity_fixtures() {
        let (net, card) = load(&path);
        let samples = dataset::load_test(&bin, &card.config, 0).unwrap();
        assert_eq!(samples.len(), 200);
        let pairs: Vec<(usize, &[u8])> = samples.iter().map(|s| (s.label, &s.rgb[..])).collect();
        let th = Thresholds::from_config(&card.config);
        let r = wait(evaluate(&Cpu::new(&net), &pairs, Mode::Dynamic, th)).unwrap();
        let expect: Vec<usize> = fx["subset"]["predictions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        let same = r
            .predictions
            .iter()
            .zip(&expect)
            .filter(|(a, b)| a == b)
            .count();
        assert!(
            same >= 199,
            "{}: {same}/200 predictions equal PyTorch's",
            path.display()
        );
        let acc = fx["subset"]["accuracy"].as_f64().unwrap();
        assert!(
            (r.accuracy - acc).abs() <= 0.005,
            "accuracy {} vs recorded {acc}",
            r.accuracy
        );
        let macs = fx["subset"]["mean_macs"].as_f64().unwrap();
        assert!(
            (r.mean_macs - macs).abs() / macs < 0.005,
            "mean MACs {} vs {macs}",
            r.mean_macs
        );
    }
}

/// `tensors` as the bytes of a safetensors file.
fn save_and_load(tensors: &HashMap<String, Tensor>, cfg: &lcnet::Config) -> String {
    LcNet::from_safetensors_bytes(&to_bytes(tensors), cfg)
        .unwrap_err()
        .to_string()
}

fn cast(tensors: &HashMap<String, Tensor>, dtype: DType) -> HashMap<String, Tensor> {
    tensors
        .iter()
        .map(|(k, v)| (k.clone(), v.to_dtype(dtype).unwrap()))
        .collect()
}

/// The logits of `net` on the first 8 images of the committed test subset.
fn subset_logits(net: &LcNet, th: Thresholds) -> Vec<Vec<f32>> {
    let bin = repo_root().join("crate/tests/fixtures/cifar10-test-200.bin");
    let samples = dataset::load_test(&bin, net.config(), 8).unwrap();
    let rgb: Vec<u8> = samples.iter().flat_map(|s| s.rgb.iter().copied()).collect();
    run_on(&Cpu::new(net), &rgb, samples.len(), Mode::Dynamic, th).0
}

/// 16-bit files (the demo model ships as f16) load widened to f32: exactly the network of the
/// f32 file rounded to 16 bits, and close to the unrounded one. Compared against the smoke
/// model's f32 file, rounded here by candle.
#[test]
fn sixteen_bit_weights_load_widened() {
    let path = repo_root().join("weights/smoke/lcnet-resnet8.safetensors");
    let (wide, card) = load(&path);
    assert_eq!(wide.stored(), WeightsDtype::F32);
    let th = Thresholds::from_config(&card.config);
    let reference = subset_logits(&wide, th);
    let f32_tensors = candle_core::safetensors::load(&path, &Device::Cpu).unwrap();
    // Largest logit change allowed by rounding the weights (f16 keeps 11 significant bits,
    // bf16 8; the smoke model's logits are of order 1-10).
    for (dtype, stored, tolerance) in [
        (DType::F16, WeightsDtype::F16, 0.05),
        (DType::BF16, WeightsDtype::Bf16, 0.5),
    ] {
        let narrow = cast(&f32_tensors, dtype);
        let net = LcNet::from_safetensors_bytes(&to_bytes(&narrow), &card.config).unwrap();
        assert_eq!(net.stored(), stored);
        let rounded = cast(&narrow, DType::F32);
        let rounded = LcNet::from_safetensors_bytes(&to_bytes(&rounded), &card.config).unwrap();
        assert_eq!(rounded.stored(), WeightsDtype::F32);
        let got = subset_logits(&net, th);
        assert_eq!(
            got,
            subset_logits(&rounded, th),
            "{stored:?}: widening is exact"
        );
        let diff = got
            .iter()
            .zip(&reference)
            .map(|(a, b)| max_abs_diff(a, b))
            .fold(0.0, f32::max);
        assert!(
            diff > 0.0 && diff < tolerance,
            "{stored:?}: logits moved by {diff}"
        );
    }
}

/// A card and a file stored in different number types do not belong together; a file that
/// mixes types, or stores integers, is damaged.
#[test]
fn weight_types_are_checked() {
    let path = repo_root().join("weights/smoke/lcnet-resnet8.safetensors");
    let card_json = std::fs::read_to_string(path.with_extension("json")).unwrap();
    let card = ModelCard::from_json(&card_json).unwrap();
    assert_eq!(card.weights_dtype, WeightsDtype::F32);
    let tensors = candle_core::safetensors::load(&path, &Device::Cpu).unwrap();
    let half = to_bytes(&cast(&tensors, DType::F16));
    let e = LcNet::from_card_and_bytes(&card_json, &half)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("stores f16 numbers but its model card says f32"),
        "{e}"
    );
    let mut half_card: Value = serde_json::from_str(&card_json).unwrap();
    half_card["weights_dtype"] = "f16".into();
    let (net, _) = LcNet::from_card_and_bytes(&half_card.to_string(), &half).unwrap();
    assert_eq!(net.stored(), WeightsDtype::F16);

    let mut mixed = tensors.clone();
    let name = "stage2.0.lnet.fc1.weight";
    mixed.insert(name.into(), tensors[name].to_dtype(DType::BF16).unwrap());
    let e = save_and_load(&mixed, &card.config);
    assert!(e.contains(name) && e.contains("mixes number types"), "{e}");

    let mut ints = tensors.clone();
    ints.insert(name.into(), tensors[name].to_dtype(DType::I64).unwrap());
    let e = save_and_load(&ints, &card.config);
    assert!(
        e.contains(name) && e.contains("expected F32, F16 or BF16"),
        "{e}"
    );
}

#[test]
fn damaged_weights_name_the_tensor() {
    let cfg = tiny_config(true);
    let good = random_tensors(&cfg, 1);

    let mut missing = good.clone();
    missing.remove("stage2.1.cnet.fc2.weight");
    let e = save_and_load(&missing, &cfg);
    assert!(
        e.contains("stage2.1.cnet.fc2.weight") && e.contains("missing"),
        "{e}"
    );

    let mut shaped = good.clone();
    shaped.insert(
        "stage1.0.conv1.weight".into(),
        Tensor::zeros((8, 8, 1, 1), DType::F32, &Device::Cpu).unwrap(),
    );
    let e = save_and_load(&shaped, &cfg);
    assert!(
        e.contains("stage1.0.conv1.weight") && e.contains("[8, 8, 1, 1]"),
        "{e}"
    );

    let mut extra = good.clone();
    extra.insert(
        "stage9.0.conv1.weight".into(),
        Tensor::zeros(3, DType::F32, &Device::Cpu).unwrap(),
    );
    let e = save_and_load(&extra, &cfg);
    assert!(e.contains("unexpected tensor stage9.0.conv1.weight"), "{e}");

    // Gated weights into a static config, and a deeper config than the file holds.
    let e = save_and_load(&good, &tiny_config(false));
    assert!(
        e.contains("unexpected tensor") && e.contains("net.fc"),
        "{e}"
    );
    let mut deeper = tiny_config(true);
    deeper.depth = 20;
    let e = save_and_load(&good, &deeper);
    assert!(
        e.contains("stage1.2.conv1.weight") && e.contains("missing"),
        "{e}"
    );
}

#[test]
fn corrupt_weight_files_are_refused() {
    let cfg = tiny_config(true);
    for bytes in [vec![], b"not safetensors at all".to_vec(), vec![0xFF; 64]] {
        let e = LcNet::from_safetensors_bytes(&bytes, &cfg)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a readable safetensors file"), "{e}");
    }
    // A real file cut short.
    let path = committed_weights().remove(0);
    let bytes = std::fs::read(&path).unwrap();
    let card = ModelCard::from_json(&std::fs::read_to_string(path.with_extension("json")).unwrap())
        .unwrap();
    let e = LcNet::from_safetensors_bytes(&bytes[..bytes.len() / 2], &card.config).unwrap_err();
    assert!(e.to_string().contains("safetensors"), "{e}");
}

#[test]
fn bad_model_cards_are_refused() {
    assert!(ModelCard::from_json("{").is_err());
    let mut cfg = lcnet::Config::cifar10(56, true);
    cfg.depth = 57;
    let card = serde_json::json!({"name": "x", "config": cfg});
    let e = ModelCard::from_json(&card.to_string())
        .unwrap_err()
        .to_string();
    assert!(e.contains("6n+2"), "{e}");
}
