//! The model card: architecture, preprocessing, default thresholds and class names.
//!
//! `weights/<name>.json` holds a [`ModelCard`]; its `config` is what the network needs, the rest
//! (training recipe, measured results) is carried along for people and for the web page.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Architecture and inference settings of one LC-Net (or plain ResNet) checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// CIFAR ResNet depth, 6n+2 (20, 32, 56, 110).
    pub depth: usize,
    /// Output channels of the three stages.
    pub widths: Vec<usize>,
    pub num_classes: usize,
    /// Side of the square input the network sees.
    pub image_size: usize,
    /// Hidden units of each L-Net and C-Net.
    pub gate_hidden: usize,
    /// `false` for the plain static ResNet baseline (no gating networks in the weights).
    pub gated: bool,
    /// Default L-gate threshold: a block whose gate is `<= tau_l` is skipped.
    pub tau_l: f32,
    /// Default C-gate threshold: a channel whose gate is `<= tau_c` is skipped.
    pub tau_c: f32,
    pub class_names: Vec<String>,
    /// Per-channel mean and std applied to RGB values in [0, 1].
    pub mean: [f32; 3],
    pub std: [f32; 3],
    pub bn_eps: f64,
    /// What a running block whose C-gates are all closed does (cards without it: `bias`).
    #[serde(default)]
    pub empty_block: EmptyBlock,
}

/// A block whose L-gate is open but whose C-gates are all at or below their threshold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmptyBlock {
    /// It runs: neither convolution has a channel to compute, but the second batch norm's bias,
    /// scaled by the L-gate, is added to the shortcut (the first recipes trained this).
    #[default]
    Bias,
    /// It is skipped as a block (a recipe trained with `--empty-skip`); its C-Net still ran.
    Skip,
}

/// The largest networks a model card may describe.
struct Limits {
    depth: usize,
    width: usize,
    image_size: usize,
    classes: usize,
}

const LIMITS: Limits = Limits {
    depth: 200,
    width: 1024,
    image_size: 512,
    classes: 1000,
};

impl Config {
    /// Blocks per stage.
    pub fn blocks_per_stage(&self) -> Result<usize> {
        if self.depth < 8 || !(self.depth - 2).is_multiple_of(6) {
            return Err(Error::Config(format!(
                "depth must be 6n+2 with n >= 1, got {}",
                self.depth
            )));
        }
        Ok((self.depth - 2) / 6)
    }

    pub fn validate(&self) -> Result<()> {
        self.blocks_per_stage()?;
        // Far above any CIFAR ResNet, and low enough that a card cannot make the loader or the
        // executors allocate or loop without bound before the weights are even read.
        let sizes = [
            ("depth", self.depth, LIMITS.depth),
            ("image_size", self.image_size, LIMITS.image_size),
            ("gate_hidden", self.gate_hidden, LIMITS.width),
            ("num_classes", self.num_classes, LIMITS.classes),
        ];
        let widths = self.widths.iter().map(|&w| ("a width", w, LIMITS.width));
        if let Some((what, v, max)) = sizes.into_iter().chain(widths).find(|(_, v, max)| v > max) {
            return Err(Error::Config(format!(
                "{what} of {v} is above this runtime's limit of {max}"
            )));
        }
        if self.gated && self.gate_hidden == 0 {
            return Err(Error::Config("gate_hidden must be at least 1".into()));
        }
        if !(self.bn_eps.is_finite() && self.bn_eps >= 0.0) {
            return Err(Error::Config(format!(
                "bn_eps must be finite and >= 0, got {}",
                self.bn_eps
            )));
        }
        if self.widths.len() != 3 || self.widths.contains(&0) {
            return Err(Error::Config(format!(
                "widths must be three positive numbers, got {:?}",
                self.widths
            )));
        }
        if self.num_classes == 0 {
            return Err(Error::Config(
                "the model has no classes (num_classes is 0)".into(),
            ));
        }
        if self.class_names.len() != self.num_classes {
            return Err(Error::Config(format!(
                "{} class names for {} classes",
                self.class_names.len(),
                self.num_classes
            )));
        }
        if self.image_size < 8 || !self.image_size.is_multiple_of(4) {
            return Err(Error::Config(format!(
                "image_size must be a multiple of 4 and >= 8, got {}",
                self.image_size
            )));
        }
        // Written so that NaN fails too.
        if !self.std.iter().all(|s| s.is_finite() && *s > 0.0) {
            return Err(Error::Config(format!(
                "std must be positive and finite, got {:?}",
                self.std
            )));
        }
        if !self.mean.iter().all(|m| m.is_finite()) {
            return Err(Error::Config(format!(
                "mean must be finite, got {:?}",
                self.mean
            )));
        }
        Ok(())
    }

    /// The CIFAR-10 ResNet-`depth` layout used by the shipped models.
    pub fn cifar10(depth: usize, gated: bool) -> Self {
        Self {
            depth,
            widths: vec![16, 32, 64],
            num_classes: 10,
            image_size: 32,
            gate_hidden: 16,
            gated,
            tau_l: 0.0,
            tau_c: 0.0,
            class_names: [
                "airplane",
                "automobile",
                "bird",
                "cat",
                "deer",
                "dog",
                "frog",
                "horse",
                "ship",
                "truck",
            ]
            .map(String::from)
            .to_vec(),
            mean: [0.4914, 0.4822, 0.4465],
            std: [0.2470, 0.2435, 0.2616],
            bn_eps: 1e-5,
            empty_block: EmptyBlock::Bias,
        }
    }
}

/// How the weights file stores its numbers. Every tensor of a file has the same type; 16-bit
/// files are widened to f32 when loaded (all arithmetic is f32).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WeightsDtype {
    #[default]
    F32,
    F16,
    Bf16,
}

impl WeightsDtype {
    pub fn name(self) -> &'static str {
        match self {
            Self::F32 => "f32",
            Self::F16 => "f16",
            Self::Bf16 => "bf16",
        }
    }
}

/// The JSON file shipped next to the weights.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelCard {
    pub name: String,
    pub config: Config,
    /// sha256 of the safetensors file, hex.
    #[serde(default)]
    pub weights_sha256: Option<String>,
    /// How the weights file stores its numbers (`f32` when the card does not say).
    #[serde(default)]
    pub weights_dtype: WeightsDtype,
    /// Training recipe and logs (free form, written by `weights/train/export.py`).
    #[serde(default)]
    pub training: serde_json::Value,
    /// Measured results (free form, written by the CLI and the exporter).
    #[serde(default)]
    pub results: serde_json::Value,
}

impl ModelCard {
    pub fn from_json(text: &str) -> Result<Self> {
        let card: ModelCard =
            serde_json::from_str(text).map_err(|e| Error::Config(e.to_string()))?;
        card.config.validate()?;
        Ok(card)
    }

    /// Refuses weights stored in another type than the card says (a card and a file that do
    /// not belong together).
    pub fn check_stored(&self, stored: WeightsDtype) -> Result<()> {
        if stored != self.weights_dtype {
            return Err(Error::Weights(format!(
                "the weights file stores {} numbers but its model card says {} \
                 (do the card and the file belong together?)",
                stored.name(),
                self.weights_dtype.name()
            )));
        }
        Ok(())
    }
}
