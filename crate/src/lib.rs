//! # lcnet
//!
//! LC-Net (Xia, Yin, Dai, Jha, "Fully Dynamic Inference with Deep Neural Networks", 2020,
//! arXiv:2007.15151) for CIFAR ResNets, with real skipping: per image, L-Net gates decide which
//! residual blocks run and C-Net gates which inner channels of a running block are computed;
//! skipped work is not executed.
//!
//! Data flow: image bytes -> [`preprocess`] -> [`exec`] (an executor runs the [`model::LcNet`]
//! data; the gates decide, [`decision`]) -> [`Trace`] ([`trace`]). The README's Architecture
//! section names the files of each step, the web worker and the page's views.
//!
//! ```no_run
//! use lcnet::exec::{cpu::Cpu, Executor};
//! use lcnet::{preprocess, LcNet, ModelCard, Thresholds};
//! let card = ModelCard::from_json(&std::fs::read_to_string("weights/lcnet-resnet56.json")?)?;
//! let net = LcNet::load_for_card("weights/lcnet-resnet56.safetensors".as_ref(), &card)?;
//! let img = preprocess::prepare(&std::fs::read("cat.png")?, card.config.image_size)?;
//! let trace = Cpu::new(&net).classify(&img, Thresholds::from_config(&card.config))?;
//! println!("{} using {:.0}% of the static MACs", trace.prediction.label, 100.0 * trace.macs_ratio());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(not(target_arch = "wasm32"))]
pub mod bench;
pub mod config;
pub mod counter;
pub mod decision;
pub mod dynamics;
pub mod error;
pub mod eval;
pub mod exec;
#[doc(hidden)]
pub mod fuzz;
pub mod model;
pub mod preprocess;
pub mod stats;
pub mod sweep;
pub mod trace;

pub use config::{Config, EmptyBlock, ModelCard, WeightsDtype};
pub use decision::{Decision, Thresholds};
pub use error::{Error, Result};
pub use exec::{Executor, Mode};
pub use model::LcNet;
pub use trace::Trace;

#[cfg(all(feature = "web", target_arch = "wasm32"))]
pub mod web;

#[cfg(all(feature = "cli", not(target_arch = "wasm32")))]
pub mod dataset;
