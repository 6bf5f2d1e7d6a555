//! Shared helpers for the integration tests: deterministic random models and inputs.
#![allow(dead_code)]

use std::collections::HashMap;

use candle_core::{Device, Tensor};
use lcnet::exec::{cpu::Cpu, reference::Reference};
use lcnet::model::expected_tensors;
use lcnet::{Config, Executor, LcNet, Mode, Thresholds, Trace};

/// A small deterministic generator (SplitMix64), so tests need no RNG crate and no seed state.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [lo, hi).
    pub fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * ((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32)
    }
    pub fn vec(&mut self, n: usize, lo: f32, hi: f32) -> Vec<f32> {
        (0..n).map(|_| self.uniform(lo, hi)).collect()
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| (self.next_u64() >> 56) as u8).collect()
    }
}

/// A tiny gated config: depth 14 (2 blocks per stage), narrow, 16x16 input.
pub fn tiny_config(gated: bool) -> Config {
    let mut cfg = Config::cifar10(14, gated);
    cfg.widths = vec![8, 16, 32];
    cfg.image_size = 16;
    cfg.gate_hidden = 4;
    cfg
}

/// Random tensors for every name the config needs. Gate output biases are spread around zero so
/// that some blocks and channels are skipped and others kept.
pub fn random_tensors(cfg: &Config, seed: u64) -> HashMap<String, Tensor> {
    let mut rng = Rng::new(seed);
    let mut out = HashMap::new();
    for (name, shape) in expected_tensors(cfg) {
        let n: usize = shape.iter().product();
        let fan_in: usize = shape.iter().skip(1).product::<usize>().max(1);
        let bound = (6.0 / fan_in as f32).sqrt();
        let data = if name.ends_with("running_var") {
            rng.vec(n, 0.5, 1.5)
        } else if name.ends_with("running_mean") || name.ends_with("bn.bias") {
            rng.vec(n, -0.2, 0.2)
        } else if name.contains("bn") && name.ends_with(".weight") {
            rng.vec(n, 0.5, 1.2)
        } else if name.contains("net.fc2.bias") {
            rng.vec(n, -0.4, 0.8)
        } else if name.ends_with(".bias") {
            rng.vec(n, -0.1, 0.1)
        } else {
            rng.vec(n, -bound, bound)
        };
        out.insert(name, Tensor::from_vec(data, shape, &Device::Cpu).unwrap());
    }
    out
}

pub fn random_model(cfg: &Config, seed: u64) -> Net {
    model_from(cfg, &random_tensors(cfg, seed))
}

/// A network and the weights file it was loaded from: the CPU and GPU executors run the loaded
/// [`LcNet`], the reference builds its candle modules from the file.
pub struct Net {
    pub net: LcNet,
    pub weights: Vec<u8>,
}

impl Net {
    pub fn from_bytes(weights: Vec<u8>, cfg: &Config) -> Self {
        let net = LcNet::from_safetensors_bytes(&weights, cfg).unwrap();
        Self { net, weights }
    }

    pub fn load(path: &std::path::Path, cfg: &Config) -> Self {
        Self::from_bytes(std::fs::read(path).unwrap(), cfg)
    }

    /// The reference executor (candle-nn modules) of this network.
    pub fn reference(&self) -> Reference<'_> {
        let net = std::borrow::Cow::Borrowed(&self.net);
        Reference::from_safetensors(net, &self.weights, &Device::Cpu).unwrap()
    }
}

impl std::ops::Deref for Net {
    type Target = LcNet;
    fn deref(&self) -> &LcNet {
        &self.net
    }
}

/// Sets the gate output biases of `blocks` (e.g. "stage2.1", `planes` inner channels) so that
/// their L-gates are `l` (clamped) and every C-gate is closed, whatever the input.
pub fn set_gates(tensors: &mut HashMap<String, Tensor>, blocks: &[&str], planes: usize, l: f32) {
    let full = |v: f32, n: usize| Tensor::full(v, n, &Device::Cpu).unwrap();
    for block in blocks {
        tensors.insert(format!("{block}.cnet.fc2.bias"), full(-50.0, planes));
        tensors.insert(format!("{block}.lnet.fc2.bias"), full(l, 1));
    }
}

/// The network of `tensors`, through a safetensors file as a user would load it.
pub fn model_from(cfg: &Config, tensors: &HashMap<String, Tensor>) -> Net {
    Net::from_bytes(to_bytes(tensors), cfg)
}

/// `tensors` as a safetensors file's bytes (written by candle).
pub fn to_bytes(tensors: &HashMap<String, Tensor>) -> Vec<u8> {
    let path = std::env::temp_dir().join(format!(
        "lcnet-test-{}-{:?}.safetensors",
        std::process::id(),
        std::thread::current().id()
    ));
    candle_core::safetensors::save(tensors, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).ok();
    bytes
}

/// `n` random images as RGB bytes.
pub fn random_rgb(cfg: &Config, n: usize, seed: u64) -> Vec<u8> {
    Rng::new(seed ^ 0xABCD).bytes(n * cfg.image_size * cfg.image_size * 3)
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// The repository root (tests run with the crate folder as working directory).
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Two traces of the same image made the same decisions: identical ran flags, kept channel lists
/// and MACs; gates within 1e-5.
pub fn assert_same_decisions(what: &str, a: &Trace, b: &Trace) {
    assert_eq!(a.blocks.len(), b.blocks.len());
    for (x, y) in a.blocks.iter().zip(&b.blocks) {
        assert_eq!(x.ran, y.ran, "{what}: block {} ran", x.index);
        assert_eq!(x.kept, y.kept, "{what}: block {} kept channels", x.index);
        assert_eq!(x.macs, y.macs, "{what}: block {} MACs", x.index);
        match (x.l_gate, y.l_gate) {
            (Some(g), Some(h)) => assert!((g - h).abs() < 1e-5, "{what}: L-gate {g} vs {h}"),
            (None, None) => {}
            _ => panic!("{what}: block {}: L-gate in one trace only", x.index),
        }
        match (&x.c_gates, &y.c_gates) {
            (Some(g), Some(h)) => assert!(max_abs_diff(g, h) < 1e-5, "{what}: C-gates"),
            (None, None) => {}
            _ => panic!("{what}: block {}: C-gates in one trace only", x.index),
        }
    }
    assert_eq!(a.macs, b.macs, "{what}: MACs");
}

/// An executor and a mode, as the tests compare them: the candle reference (`Reference*`) is
/// the oracle the direct CPU kernels (`Cpu*`) are checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Direct kernels, real skipping.
    CpuDynamic,
    /// Direct kernels, every block and channel.
    CpuStatic,
    /// candle `conv2d`, everything computed, gates as masks.
    ReferenceMasked,
    /// candle `conv2d`, the plain ResNet.
    ReferenceStatic,
}

/// `n` images (RGB bytes back to back) through `via`: logits and trace per image.
pub fn run_path(
    net: &Net,
    rgb: &[u8],
    n: usize,
    via: Via,
    th: Thresholds,
) -> (Vec<Vec<f32>>, Vec<Trace>) {
    let mode = match via {
        Via::CpuDynamic | Via::ReferenceMasked => Mode::Dynamic,
        Via::CpuStatic | Via::ReferenceStatic => Mode::Static,
    };
    match via {
        Via::CpuDynamic | Via::CpuStatic => run_on(&Cpu::new(net), rgb, n, mode, th),
        _ => run_on(&net.reference(), rgb, n, mode, th),
    }
}

/// `n` images (RGB bytes back to back) through `exec`: logits and trace per image.
pub fn run_on(
    exec: &impl Executor,
    rgb: &[u8],
    n: usize,
    mode: Mode,
    th: Thresholds,
) -> (Vec<Vec<f32>>, Vec<Trace>) {
    let images: Vec<&[u8]> = rgb.chunks(rgb.len() / n.max(1)).take(n).collect();
    let traces = exec.run_now(&images, mode, th).unwrap();
    (traces.iter().map(|t| t.logits.clone()).collect(), traces)
}
