//! `#[wasm_bindgen]` exports for the browser and nothing else: thin wrappers over the natively
//! tested library. Results cross as plain JS objects (JSON-compatible), errors as `Error`s.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::exec::gpu::{GpuContext, GpuModel};
use crate::exec::{cpu::Cpu, wait};
use crate::{preprocess, Executor, LcNet, Mode, ModelCard, Thresholds, Trace};

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

/// Whether this build uses relaxed SIMD (the convolution's fused multiply-add); the page loads
/// such a build only where the browser validates relaxed SIMD.
#[wasm_bindgen(js_name = relaxedSimdEnabled)]
pub fn relaxed_simd_enabled() -> bool {
    cfg!(target_feature = "relaxed-simd")
}

/// The dynamics (`crate::dynamics`) of traces (an array of trace objects, e.g. those of a
/// `measure` run with traces; only `macs` and each block's `planes`, `ran` and `kept` are read).
#[wasm_bindgen]
pub fn dynamics(traces: JsValue) -> Result<JsValue, JsError> {
    let images: Vec<crate::dynamics::ImageDecisions> =
        serde_wasm_bindgen::from_value(traces).map_err(|e| JsError::new(&e.to_string()))?;
    if let Some(why) = crate::dynamics::check(&images) {
        return Err(JsError::new(&why));
    }
    to_js(&crate::dynamics::dynamics(&images))
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
        let (net, card) = LcNet::from_card_and_bytes(card_json, weights).map_err(err)?;
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

    /// A camera frame (RGBA bytes of a `width x height` canvas) -> what `prepare` returns.
    #[wasm_bindgen(js_name = prepareRgba)]
    pub fn prepare_rgba(&self, rgba: &[u8], width: u32, height: u32) -> Result<JsValue, JsError> {
        let size = self.net.config().image_size;
        let p = preprocess::prepare_rgba(width, height, rgba, size).map_err(err)?;
        to_js(&p)
    }

    /// Classifies prepared RGB bytes with real skipping at the given thresholds; returns the
    /// trace (see `trace.rs`).
    pub fn classify(&self, rgb: &[u8], tau_l: f32, tau_c: f32) -> Result<JsValue, JsError> {
        self.run(rgb, Mode::Dynamic, Thresholds { tau_l, tau_c })
    }

    /// The same image through the static network (every block and channel, no gates): the
    /// baseline of the benchmark.
    #[wasm_bindgen(js_name = classifyStatic)]
    pub fn classify_static(&self, rgb: &[u8]) -> Result<JsValue, JsError> {
        self.run(
            rgb,
            Mode::Static,
            Thresholds::from_config(self.net.config()),
        )
    }

    /// Classifies many prepared images (their RGB bytes one after another), one at a time:
    /// `{predicted, macs}` as `GpuModel.measure` returns them (and `traces` with `traces`); only
    /// what is asked for crosses into JS.
    pub fn measure(
        &self,
        rgb: &[u8],
        tau_l: f32,
        tau_c: f32,
        gates_off: bool,
        traces: bool,
    ) -> Result<JsValue, JsError> {
        let cpu = Cpu::new(&self.net);
        wait(measure(&cpu, rgb, tau_l, tau_c, gates_off, traces))
    }
}

impl Model {
    fn run(&self, rgb: &[u8], mode: Mode, th: Thresholds) -> Result<JsValue, JsError> {
        wait(trace(&Cpu::new(&self.net), rgb, mode, th))
    }
}

/// One image through any executor: its trace.
async fn trace(
    exec: &impl Executor,
    rgb: &[u8],
    mode: Mode,
    th: Thresholds,
) -> Result<JsValue, JsError> {
    let traces = exec.run(&[rgb], mode, th).await.map_err(err)?;
    to_js(&traces[0])
}

/// Many prepared images (their RGB bytes one after another) through any executor: what
/// `measure` returns (see `measured`).
async fn measure(
    exec: &impl Executor,
    rgb: &[u8],
    tau_l: f32,
    tau_c: f32,
    gates_off: bool,
    traces: bool,
) -> Result<JsValue, JsError> {
    let batch = Batch::new(exec.net(), rgb, tau_l, tau_c, gates_off);
    let all = exec
        .run(&batch.images, batch.mode, batch.th)
        .await
        .map_err(err)?;
    measured(&all, traces)
}

/// The arguments of a `measure` call: the images, one after another in `rgb`, and how to run them.
struct Batch<'a> {
    images: Vec<&'a [u8]>,
    mode: Mode,
    th: Thresholds,
}

impl<'a> Batch<'a> {
    /// A trailing partial image is kept as such: the executor refuses it by its size.
    fn new(net: &LcNet, rgb: &'a [u8], tau_l: f32, tau_c: f32, gates_off: bool) -> Self {
        let size = net.config().image_size;
        Self {
            images: rgb.chunks(size * size * 3).collect(),
            mode: if gates_off {
                Mode::Static
            } else {
                Mode::Dynamic
            },
            th: Thresholds { tau_l, tau_c },
        }
    }
}

/// What `measure` returns: `{predicted, macs}`, one entry per image (what a "measure it
/// yourself" run needs; a whole trace per image costs more to hand to JS than the class and the
/// count), and with `traces` also `traces`, each image's whole trace.
fn measured(all: &[Trace], traces: bool) -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Measured<'a> {
        predicted: Vec<usize>,
        macs: Vec<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        traces: Option<&'a [Trace]>,
    }
    to_js(&Measured {
        predicted: all.iter().map(|t| t.prediction.class).collect(),
        macs: all.iter().map(|t| t.macs).collect(),
        traces: traces.then_some(all),
    })
}

/// Whether this JS global (window or worker) has `navigator.gpu`.
fn has_webgpu() -> bool {
    let global = js_sys::global();
    js_sys::Reflect::get(&global, &"navigator".into())
        .and_then(|n| js_sys::Reflect::get(&n, &"gpu".into()))
        .is_ok_and(|g| !g.is_undefined() && !g.is_null())
}

/// A loaded LC-Net on the browser's WebGPU (`crate::exec::gpu`): gates, decisions and the kept
/// convolutions run on the GPU, one readback per submission (one image, or a batch in
/// `measure`).
#[wasm_bindgen(js_name = GpuModel)]
pub struct WebGpuModel {
    gpu: GpuModel,
}

#[wasm_bindgen(js_class = GpuModel)]
impl WebGpuModel {
    /// Requests a WebGPU adapter and device and uploads the weights, with room for `batch`
    /// images per submission; rejects with a clear `Error` when the browser has no WebGPU or no
    /// adapter.
    pub async fn create(
        weights: Vec<u8>,
        card_json: String,
        batch: usize,
    ) -> Result<WebGpuModel, JsError> {
        if !has_webgpu() {
            return Err(JsError::new(
                "this browser has no WebGPU (navigator.gpu is missing)",
            ));
        }
        let (net, _) = LcNet::from_card_and_bytes(&card_json, &weights).map_err(err)?;
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
            backends: wgpu::Backends::BROWSER_WEBGPU,
            ..wgpu::InstanceDescriptor::new_without_display_handle()
        });
        let ctx = GpuContext::request(&instance).await.map_err(err)?;
        let gpu = GpuModel::with_batch(&ctx, &net, batch).map_err(err)?;
        Ok(WebGpuModel { gpu })
    }

    /// Classifies many prepared images (their RGB bytes one after another) in one submission
    /// with one readback: `{predicted, macs}` (see `measured`), and with `traces` also each
    /// image's whole trace. With `gates_off` the static network runs instead (every block and
    /// channel).
    pub async fn measure(
        &self,
        rgb: Vec<u8>,
        tau_l: f32,
        tau_c: f32,
        gates_off: bool,
        traces: bool,
    ) -> Result<JsValue, JsError> {
        measure(&self.gpu, &rgb, tau_l, tau_c, gates_off, traces).await
    }

    /// As `Model.classify`, on the GPU; resolves with the same trace shape.
    pub async fn classify(&self, rgb: Vec<u8>, tau_l: f32, tau_c: f32) -> Result<JsValue, JsError> {
        trace(&self.gpu, &rgb, Mode::Dynamic, Thresholds { tau_l, tau_c }).await
    }

    /// As `Model.classifyStatic`, on the GPU.
    #[wasm_bindgen(js_name = classifyStatic)]
    pub async fn classify_static(&self, rgb: Vec<u8>) -> Result<JsValue, JsError> {
        let th = Thresholds::from_config(self.gpu.net().config());
        trace(&self.gpu, &rgb, Mode::Static, th).await
    }

    /// GPU->CPU readbacks made so far on this model's device (one per submission).
    pub fn readbacks(&self) -> f64 {
        self.gpu.context().readbacks() as f64
    }

    /// Null while the device is usable, else why it is not (lost, or a GPU error).
    pub fn failure(&self) -> Option<String> {
        self.gpu.context().check().err().map(|e| e.to_string())
    }

    /// Destroys the device, as a lost GPU would be (used by the tests of the CPU fallback).
    #[wasm_bindgen(js_name = loseDevice)]
    pub fn lose_device(&self) {
        self.gpu.context().device.destroy();
    }
}
