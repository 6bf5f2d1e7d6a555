//! The page's reference module: the same network as candle-nn modules
//! ([`lcnet::exec::reference::Reference`], the oracle of every native test), compiled to its own
//! wasm module, which the page fetches only when a visitor asks to check a result against it
//! (the first visit's download does not grow). Static, or dense masked for LC-Net: every
//! convolution computed in full and multiplied by the gate masks, so it costs the full static
//! price whatever the gates decide.

mod web {
    use std::borrow::Cow;

    use candle_core::Device;
    use lcnet::exec::reference::Reference;
    use lcnet::exec::wait;
    use lcnet::{Executor, LcNet, Mode, Thresholds, Trace};
    use serde::Serialize;
    use wasm_bindgen::prelude::*;

    fn err(e: lcnet::Error) -> JsError {
        JsError::new(&e.to_string())
    }

    /// Installs the panic hook so a Rust panic shows up in the console with its message.
    #[wasm_bindgen(start)]
    pub fn start() {
        console_error_panic_hook::set_once();
    }

    /// A loaded network as candle modules on candle's CPU device (wasm simd128).
    #[wasm_bindgen]
    pub struct ReferenceModel {
        reference: Reference<'static>,
    }

    #[wasm_bindgen]
    impl ReferenceModel {
        /// `weights`: the safetensors bytes; `card_json`: the model card next to them; both
        /// checked as the page's own module checks them.
        #[wasm_bindgen(constructor)]
        pub fn new(weights: &[u8], card_json: &str) -> Result<ReferenceModel, JsError> {
            let (net, _) = LcNet::from_card_and_bytes(card_json, weights).map_err(err)?;
            let reference =
                Reference::from_safetensors(Cow::Owned(net), weights, &Device::Cpu).map_err(err)?;
            Ok(ReferenceModel { reference })
        }

        /// Runs prepared images (their RGB bytes one after another) through the dense masked
        /// network at the given thresholds (`gates_off`: the static network): one trace per
        /// image, as the page's executors return them.
        pub fn run(
            &self,
            rgb: &[u8],
            tau_l: f32,
            tau_c: f32,
            gates_off: bool,
        ) -> Result<JsValue, JsError> {
            let size = self.reference.net().config().image_size;
            let images: Vec<&[u8]> = rgb.chunks(size * size * 3).collect();
            let mode = if gates_off {
                Mode::Static
            } else {
                Mode::Dynamic
            };
            let th = Thresholds { tau_l, tau_c };
            let traces: Vec<Trace> = wait(self.reference.run(&images, mode, th)).map_err(err)?;
            traces
                .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
                .map_err(|e| JsError::new(&e.to_string()))
        }
    }
}
