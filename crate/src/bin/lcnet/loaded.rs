//! What every command starts from: the model and data options, the loaded network and its
//! executors (the candle reference, the GPU), the test images.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use lcnet::dataset::{self, Sample};
use lcnet::exec::gpu::{GpuContext, GpuModel};
use lcnet::exec::reference::Reference;
use lcnet::{LcNet, ModelCard, Thresholds};

#[derive(Args, Clone)]
pub struct ModelArgs {
    /// Weights (safetensors); the model card is the same path with `.json`.
    #[arg(long, default_value = "weights/lcnet-resnet56.safetensors")]
    pub weights: PathBuf,
    /// L-gate threshold (default: the card's). Blocks whose gate is <= it are skipped.
    #[arg(long)]
    pub tau_l: Option<f32>,
    /// C-gate threshold (default: the card's). Channels whose gate is <= it are skipped.
    #[arg(long)]
    pub tau_c: Option<f32>,
}

#[derive(Args, Clone)]
pub struct DataArgs {
    /// The JPEG mirror zip, a test/<class>/ folder, or CIFAR binary (.bin or its folder).
    #[arg(long)]
    pub data: PathBuf,
    /// Use N test images, evenly spread over the split (0 = all).
    #[arg(long, default_value_t = 0)]
    pub limit: usize,
}

pub struct Loaded {
    /// The weights file.
    pub path: PathBuf,
    pub net: LcNet,
    pub card: ModelCard,
    pub th: Thresholds,
}

pub fn load(m: &ModelArgs) -> Result<Loaded> {
    let card_path = m.weights.with_extension("json");
    let text = std::fs::read_to_string(&card_path)
        .with_context(|| format!("reading the model card {}", card_path.display()))?;
    let card = ModelCard::from_json(&text)?;
    if !m.weights.exists() {
        bail!("weights file {} not found", m.weights.display());
    }
    let net = LcNet::load_for_card(&m.weights, &card)
        .with_context(|| format!("loading {}", m.weights.display()))?;
    let def = Thresholds::from_config(&card.config);
    let th = Thresholds {
        tau_l: m.tau_l.unwrap_or(def.tau_l),
        tau_c: m.tau_c.unwrap_or(def.tau_c),
    };
    Ok(Loaded {
        path: m.weights.clone(),
        net,
        card,
        th,
    })
}

/// The loaded network as candle modules (the reference executor), from the same file.
pub fn reference(l: &Loaded) -> Result<Reference<'_>> {
    let bytes = std::fs::read(&l.path).with_context(|| format!("reading {}", l.path.display()))?;
    Ok(Reference::from_safetensors(
        std::borrow::Cow::Borrowed(&l.net),
        &bytes,
        &candle_core::Device::Cpu,
    )?)
}

/// The loaded network on the native GPU (wgpu picks the adapter; `WGPU_BACKEND` etc. apply),
/// `batch` images per submission; the adapter is named on stderr.
pub fn gpu_model(l: &Loaded, batch: usize) -> Result<GpuModel> {
    let ctx = pollster::block_on(GpuContext::native())?;
    if let Some(a) = &ctx.adapter {
        eprintln!("GPU: {} ({:?}, {})", a.name, a.backend, a.driver_info);
    }
    Ok(GpuModel::with_batch(&ctx, &l.net, batch)?)
}

/// The test images of `data` (`limit` evenly spread ones, 0 = all).
pub fn samples(data: &Path, l: &Loaded, limit: usize) -> Result<Vec<Sample>> {
    let t = Instant::now();
    let s = dataset::load_test(data, l.net.config(), limit)?;
    eprintln!(
        "loaded {} test images in {:.1} s",
        s.len(),
        t.elapsed().as_secs_f64()
    );
    Ok(s)
}

pub fn mega(macs: f64) -> String {
    format!("{:.2} M", macs / 1e6)
}
