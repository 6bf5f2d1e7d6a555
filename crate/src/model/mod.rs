//! The LC-Net network as data: a CIFAR ResNet (6n+2 layers, three stages) whose every basic
//! block carries an L-Net and a C-Net (Xia, Yin, Dai, Jha, "Fully Dynamic Inference with Deep
//! Neural Networks", 2020, arXiv:2007.15151).
//!
//! [`LcNet`] is loaded once: config, folded weights and gate parameters in plain buffers, block
//! shapes and MAC costs. It knows what the network is, not how to run it; the executors in
//! [`crate::exec`] run it. Tensor names equal the VarBuilder paths
//! (`stage2.0.shortcut.conv.weight`) and the PyTorch parameter names of
//! `weights/train/model.py`.

pub mod layers;
mod load;

use std::collections::HashMap;

use candle_core::{Device, Tensor};
use candle_nn::VarBuilder;

pub use layers::{Block, Conv, Dense, Gate, Gates};
pub use load::{check_tensors, expected_tensors};

use crate::{trace, Config, Error, ModelCard, Result, WeightsDtype};

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
    /// Builds the network from a VarBuilder whose paths follow [`expected_tensors`].
    pub fn new(cfg: &Config, vb: VarBuilder) -> Result<Self> {
        cfg.validate()?;
        let stem = load::conv_bn(
            (3, cfg.widths[0], 3, 1),
            cfg.bn_eps,
            vb.pp("stem.conv"),
            vb.pp("stem.bn"),
        )?;
        let blocks = trace::block_shapes(cfg)
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let vb = vb.pp(format!("stage{}", s.stage + 1)).pp(s.position);
                load::block(cfg, i, s, vb)
            })
            .collect::<Result<Vec<_>>>()?;
        let fc = load::dense(cfg.widths[2], cfg.num_classes, vb.pp("fc"))?;
        Ok(Self {
            cfg: cfg.clone(),
            stem,
            blocks,
            fc,
            stored: WeightsDtype::F32,
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
        let tensors = candle_core::safetensors::load_buffer(bytes, &Device::Cpu)
            .map_err(|e| Error::Weights(format!("not a readable safetensors file: {e}")))?;
        Self::from_tensors(tensors, cfg)
    }

    /// Loads a checkpoint from disk through a memory map.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load(path: &std::path::Path, cfg: &Config) -> Result<Self> {
        // SAFETY: the file is only read; a concurrent writer would be a user error we accept,
        // as candle's own loaders do.
        let st = unsafe { candle_core::safetensors::MmapedSafetensors::new(path) }
            .map_err(|e| Error::Weights(format!("cannot read {}: {e}", path.display())))?;
        let mut tensors = HashMap::new();
        for (name, _) in st.tensors() {
            tensors.insert(name.clone(), st.load(&name, &Device::Cpu)?);
        }
        Self::from_tensors(tensors, cfg)
    }

    fn from_tensors(tensors: HashMap<String, Tensor>, cfg: &Config) -> Result<Self> {
        let (vb, stored) = load::checked(tensors, cfg, &Device::Cpu)?;
        Ok(Self {
            stored,
            ..Self::new(cfg, vb)?
        })
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
