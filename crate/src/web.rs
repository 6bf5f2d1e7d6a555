//! `#[wasm_bindgen]` exports for the browser and nothing else: thin wrappers over the natively
//! tested library. Results cross as plain JS objects (JSON-compatible), errors as `Error`s.

use candle_core::Device;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::{preprocess, Exec, LcNet, ModelCard, Thresholds};

fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

fn err(e: crate::Error) -> JsError {
    JsError::new(&e.to_string())
}

/// Installs the panic hook so a Rust panic shows up in the console with its message.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// Whether this build uses WebAssembly SIMD (simd128).
#[wasm_bindgen(js_name = simdEnabled)]
pub fn simd_enabled() -> bool {
    cfg!(target_feature = "simd128")
}

/// A loaded LC-Net on the wasm CPU path.
#[wasm_bindgen]
pub struct Model {
    net: LcNet,
    card: ModelCard,
}

#[wasm_bindgen]
impl Model {
    /// `weights`: the safetensors bytes; `card_json`: the model card next to them.
    #[wasm_bindgen(constructor)]
    pub fn new(weights: &[u8], card_json: &str) -> Result<Model, JsError> {
        let card = ModelCard::from_json(card_json).map_err(err)?;
        let net =
            LcNet::from_safetensors_bytes(weights, &card.config, &Device::Cpu).map_err(err)?;
        Ok(Model { net, card })
    }

    /// The model card (config, training recipe, measured results).
    pub fn card(&self) -> Result<JsValue, JsError> {
        to_js(&self.card)
    }

    /// Decodes and reduces an uploaded file to the network's input:
    /// `{rgb, size, source_width, source_height, source_format}`.
    pub fn prepare(&self, image: &[u8]) -> Result<JsValue, JsError> {
        let p = preprocess::prepare(image, self.net.config().image_size).map_err(err)?;
        to_js(&p)
    }

    /// Classifies prepared RGB bytes with real skipping at the given thresholds; returns the
    /// trace (see `trace.rs`).
    pub fn classify(&self, rgb: &[u8], tau_l: f32, tau_c: f32) -> Result<JsValue, JsError> {
        self.run(rgb, Exec::Dynamic, Thresholds { tau_l, tau_c })
    }

    /// The same image through the static network (every block and channel, no gates): the
    /// baseline of the benchmark.
    #[wasm_bindgen(js_name = classifyStatic)]
    pub fn classify_static(&self, rgb: &[u8]) -> Result<JsValue, JsError> {
        self.run(
            rgb,
            Exec::Static,
            Thresholds::from_config(self.net.config()),
        )
    }
}

impl Model {
    fn run(&self, rgb: &[u8], exec: Exec, th: Thresholds) -> Result<JsValue, JsError> {
        let x = preprocess::to_tensor(rgb, 1, self.net.config(), self.net.device()).map_err(err)?;
        let (_, traces) = self.net.forward(&x, exec, th).map_err(err)?;
        to_js(&traces[0])
    }
}
