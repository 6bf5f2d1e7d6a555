//! The LC-Net network as data: a CIFAR ResNet (6n+2 layers, three stages) whose every basic
//! block carries an L-Net and a C-Net (Xia, Yin, Dai, Jha, "Fully Dynamic Inference with Deep
//! Neural Networks", 2020, arXiv:2007.15151).
//!
//! [`LcNet`] is loaded once: config, folded weights and gate parameters in plain buffers, block
//! shapes and MAC costs. It knows what the network is, not how to run it; the executors in
//! [`crate::exec`] run it. Tensor names equal the PyTorch parameter names of
//! `weights/train/model.py` (`stage2.0.shortcut.conv.weight`).

pub mod geometry;
pub mod layers;
mod load;
pub mod tensors;

pub use layers::{Block, Conv, Dense, Gate, Gates};
pub use load::{check_tensors, expected_tensors};
pub use tensors::{Stored, Tensors};

use tensors::Scope;

use crate::{Config, ModelCard, Result, WeightsDtype};

#[derive(Debug, Clone, PartialEq)]
pub struct LcNet {
    cfg: Config,
    /// 3x3, `[w0, 3, 3, 3]`, bn folded in; followed by ReLU.
    stem: Conv,
    blocks: Vec<Block>,
    /// The classifier, `[classes, widths[2]]`, after the global average pool.
    fc: Dense,
    /// How the weights file stored the numbers (all held here are f32).
    stored: WeightsDtype,
}

impl LcNet {
    /// Builds the network from a weights file's tensors, checked against `cfg` first (names,
    /// shapes, one number type).
    pub fn from_tensors(cfg: &Config, tensors: &Tensors) -> Result<Self> {
        cfg.validate()?;
        let stored = check_tensors(cfg, tensors)?;
        let at = Scope::root(tensors);
        let stem = load::conv_bn(
            (3, cfg.widths[0], 3, 1),
            cfg.bn_eps,
            at.pp("stem.conv"),
            at.pp("stem.bn"),
        )?;
        let blocks = geometry::block_shapes(cfg)
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                load::block(
                    cfg,
                    i,
                    s,
                    at.pp(format!("stage{}.{}", s.stage + 1, s.position)),
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let fc = load::dense(cfg.widths[2], cfg.num_classes, at.pp("fc"))?;
        Ok(Self {
            cfg: cfg.clone(),
            stem,
            blocks,
            fc,
            stored,
        })
    }

    /// A model card (JSON) and its weights (safetensors bytes), both checked, also against each
    /// other: what the browser receives.
    pub fn from_card_and_bytes(card_json: &str, weights: &[u8]) -> Result<(Self, ModelCard)> {
        let card = ModelCard::from_json(card_json)?;
        let net = Self::from_safetensors_bytes(weights, &card.config)?;
        card.check_stored(net.stored)?;
        Ok((net, card))
    }

    /// Loads the weights at `path` for `card`, checking that they are stored as the card says.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load_for_card(path: &std::path::Path, card: &ModelCard) -> Result<Self> {
        let net = Self::load(path, &card.config)?;
        card.check_stored(net.stored)?;
        Ok(net)
    }

    /// Loads a checkpoint held in memory (the browser's path). f32, f16 and bf16 files load;
    /// 16-bit numbers are widened to f32.
    pub fn from_safetensors_bytes(bytes: &[u8], cfg: &Config) -> Result<Self> {
        Self::from_tensors(cfg, &tensors::read(bytes)?)
    }

    /// Loads a checkpoint from disk.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load(path: &std::path::Path, cfg: &Config) -> Result<Self> {
        let bytes = std::fs::read(path)
            .map_err(|e| crate::Error::Weights(format!("cannot read {}: {e}", path.display())))?;
        Self::from_safetensors_bytes(&bytes, cfg)
    }

    /// How the weights file stored the numbers.
    pub fn stored(&self) -> WeightsDtype {
        self.stored
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// The stem convolution (batch norm folded in), followed by ReLU in the network.
    pub fn stem(&self) -> &Conv {
        &self.stem
    }

    /// The classifier, `[classes, widths[2]]`.
    pub fn fc(&self) -> &Dense {
        &self.fc
    }
}
