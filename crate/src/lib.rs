//! # lcnet
//!
//! LC-Net (Xia, Yin, Dai, Jha, "Fully Dynamic Inference with Deep Neural Networks", 2020,
//! arXiv:2007.15151) for CIFAR ResNets, with real skipping: per image, L-Net gates decide which
//! residual blocks run and C-Net gates which inner channels of a running block are computed;
//! skipped work is not executed.
//!
//! Data flow: image bytes -> [`preprocess`] -> [`model::LcNet`] (gates decide) -> [`Trace`].
//!
//! ```no_run
//! use lcnet::{preprocess, LcNet, ModelCard, Thresholds};
//! let card = ModelCard::from_json(&std::fs::read_to_string("weights/lcnet-resnet56.json")?)?;
//! let dev = candle_core::Device::Cpu;
//! let net = LcNet::load("weights/lcnet-resnet56.safetensors".as_ref(), &card.config, &dev)?;
//! let img = preprocess::prepare(&std::fs::read("cat.png")?, card.config.image_size)?;
//! let trace = net.classify(&img, Thresholds::from_config(&card.config))?;
//! println!("{} using {:.0}% of the static MACs", trace.prediction.label, 100.0 * trace.macs_ratio());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod config;
pub mod counter;
pub mod direct;
pub mod error;
pub mod eval;
pub mod gpu;
pub mod model;
pub mod preprocess;
pub mod stats;
pub mod trace;

pub use config::{Config, ModelCard};
pub use error::{Error, Result};
pub use model::{Exec, LcNet, Thresholds};
pub use trace::Trace;

#[cfg(target_arch = "wasm32")]
pub mod web;

#[cfg(all(feature = "cli", not(target_arch = "wasm32")))]
pub mod dataset;
