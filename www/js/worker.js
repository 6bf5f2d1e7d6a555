// The model's thread: loads the wasm build of the `lcnet` crate and the weights, then answers
// classification and benchmark requests, so the page never blocks on inference.
//
// Two backends run the same network: `webgpu` (the crate's wgpu executor on the browser's
// WebGPU) and `cpu` (the crate's direct kernels in WebAssembly). The worker is ready as soon as
// the CPU model is warm; WebGPU is set up afterwards (once the first request was answered), and
// both are timed on the same image: single images then run on the faster one
// (`?backend=webgpu|cpu` on the page's address fixes the choice; with `webgpu` the worker waits
// for the GPU before it is ready). The
// CPU model is always loaded, because it decodes uploads and is the fallback: when the GPU
// device is lost or reports an error, the worker switches to the CPU for good (until the page
// asks for WebGPU again) and answers the request that failed on the CPU instead.
//
// Protocol (candle's and Burn's web workers use the same shape):
//   worker -> page  {status: 'loading', loaded, total}        while the weights download
//                   {status: 'ready', card, simd, relaxed, cached, wasm_memory_bytes, backend,
//                     webgpu, load_ms, files}   `relaxed`: the relaxed-SIMD build was loaded;
//                     `files`: the URLs this worker loaded
//                     `webgpu`: {available, adapter, note, lost, pending, ms}; `note` says why
//                     it is (not) used; `lost`: it worked but failed (asking for it again
//                     retries); `pending`: still being set up; `ms`: {cpu, webgpu} median ms per
//                     image measured at start-up
//                   {status: 'backend', backend, webgpu, rerun} the backend changed: WebGPU set
//                     up and measured, or the GPU failed between requests; `rerun`: the page
//                     should run its current image again
//                   {id, status: 'complete', backend, output}  answer to a request; `output`
//                     carries `backend` too
//                   {id, error: message}                       a request failed; the worker lives on
//                   {error: message, fatal: true}              loading failed
//   page -> worker  {id, cmd: 'classify', bytes | rgb, tauL, tauC}
//                     `bytes`: an uploaded file, decoded and reduced here (`prepare`);
//                     `rgb`: an already prepared image, e.g. to re-run it at new thresholds.
//                   {id, cmd: 'bench', rgb, runs, tauL, tauC}  static vs dynamic, median ms, on
//                     the current backend
//                   {id, cmd: 'measure', images: [{rgb} | {bytes}], tauL, tauC, network, traces}
//                     a chunk of test images (prepared pixels, or files decoded as uploads are)
//                     on the current backend (on WebGPU as one batch; `network: 'static'`: the
//                     gates off); answers {predicted: class[], macs: number[], backend,
//                     readbacks, ms}, and `traces` (one per image) when asked; `ms`: the time
//                     the network took (decoding and messages not included)
//                   {id, cmd: 'backend', name: 'webgpu' | 'cpu'} switch; answers {backend, webgpu}
//                   {id, cmd: 'weights'}  a copy of the weights file's bytes and the model card's
//                     text: {weights, card} (the reference worker loads the same network)
//                   {id, cmd: 'dynamics', traces}  how much the traces' decisions differ per
//                     image (`crate/src/dynamics.rs`, the code `lcnet stats` runs)
//                   {id, cmd: 'lose-gpu'}                      destroys the GPU device (tests)
// Requests are answered one at a time, in order.

import { median, chooseBackend, backendChoiceText } from './policy.js';
import { CHUNK } from './dataset.js';

// Two builds of the wasm module: `pkg-relaxed/` uses relaxed SIMD (the convolutions'
// multiply-adds as `f32x4.relaxed_madd`, fused where the CPU has FMA) and `pkg/` plain simd128.
// The relaxed one loads where the browser validates this 82-byte module, one function
// `() -> v128` computing `f32x4.relaxed_madd` of three zero constants; `?wasm=simd128` on the
// page's address forces the plain one (the tests check both).
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // types: () -> v128
  0x03, 0x02, 0x01, 0x00, // functions: one of type 0
  0x0a, 0x3d, 0x01, 0x3b, 0x00, // code: one body of 59 bytes, no locals
  ...[0, 1, 2].flatMap(() => [0xfd, 0x0c, ...new Array(16).fill(0)]), // 3 x v128.const 0
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd
  0x0b, // end
]);
const PARAMS = new URL(self.location.href).searchParams;
const WANT_RELAXED = PARAMS.get('wasm') !== 'simd128' && WebAssembly.validate(RELAXED_PROBE);
/** `?gpu=off`: a helper worker that only ever runs on the CPU (no WebGPU set-up at all). */
const NO_GPU = PARAMS.get('gpu') === 'off';
/** 'webgpu' or 'cpu' when the page's address names a backend; null: the faster one. */
const WANT_BACKEND = ['webgpu', 'cpu'].includes(PARAMS.get('backend')) ? PARAMS.get('backend') : null;

// The chosen build's exports, set by `load`.
let init;
let Model;
let GpuModel;
let simdEnabled;
let relaxedSimdEnabled;
let dynamics;

const WEIGHTS_URL = new URL('../weights/model.safetensors', import.meta.url);
const CARD_URL = new URL('../weights/model.json', import.meta.url);
const CACHE_NAME = 'lcnet-weights';
// Warm-up runs before a benchmark measures: early runs are several times slower.
const BENCH_WARMUP = 20;
// Timed runs of each backend at start-up, after one warm-up run each.
const CHOICE_RUNS = 5;
// Without a request, WebGPU is set up this long after the CPU model is ready.
const GPU_DELAY_MS = 1000;
let answered;
/** Resolves when the first request was answered. */
const firstAnswer = new Promise((resolve) => {
  answered = resolve;
});

const NO_WEBGPU = 'WebGPU not available: running on the CPU (WebAssembly)';

let wasm = null;
let model = null; // the CPU model
let card = null;
let cardText = null;
let weights = null; // kept to build the GPU model again after a lost device
/** The GPU model, when WebGPU works. */
let gpu = null;
/** {available, adapter, note, lost}: what the page shows about WebGPU. */
let webgpu = { available: false, adapter: null, note: NO_WEBGPU };
/** 'webgpu' or 'cpu'. */
let backend = 'cpu';
/** The page asked for a backend (address or toggle): the start-up measurement does not switch. */
let chosen = WANT_BACKEND !== null;
/** Resolves once WebGPU was set up (or failed to) and measured; null until that starts. */
let gpuSetUp = null;
/** Starts the WebGPU set-up (once); see `load`. */
let startGpuSetUp = () => Promise.resolve();

function memoryBytes() {
  return wasm ? wasm.memory.buffer.byteLength : 0;
}

function message(e) {
  if (e instanceof Error) return e.message;
  return String(e);
}

async function fetchOk(url, options) {
  let res;
  try {
    res = await fetch(url, options);
  } catch (e) {
    throw new Error(`could not fetch ${url.pathname}: ${message(e)}`);
  }
  if (!res.ok) throw new Error(`could not fetch ${url.pathname}: HTTP ${res.status}`);
  return res;
}

// Reads a response body, reporting progress.
async function readWithProgress(res) {
  const total = Number(res.headers.get('content-length')) || 0;
  if (!res.body) {
    const buf = new Uint8Array(await res.arrayBuffer());
    postMessage({ status: 'loading', loaded: buf.length, total: buf.length });
    return buf;
  }
  const reader = res.body.getReader();
  const chunks = [];
  let loaded = 0;
  postMessage({ status: 'loading', loaded, total });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    postMessage({ status: 'loading', loaded, total });
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

async function sha256Hex(bytes) {
  const d = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
}

// The weights, from the Cache API when an earlier visit stored them under the same sha256.
// Without a sha256 in the card the weights are fetched every time (nothing to key them by).
async function loadWeights(sha) {
  const key = sha ? `${WEIGHTS_URL.href}?sha256=${sha}` : null;
  const cache = key && self.caches ? await caches.open(CACHE_NAME).catch(() => null) : null;
  if (cache) {
    const hit = await cache.match(key);
    if (hit) {
      const buf = new Uint8Array(await hit.arrayBuffer());
      if ((await sha256Hex(buf)) === sha) {
        postMessage({ status: 'loading', loaded: buf.length, total: buf.length });
        return { bytes: buf, cached: true };
      }
      await cache.delete(key);
    }
  }
  const bytes = await readWithProgress(await fetchOk(WEIGHTS_URL, { cache: 'no-cache' }));
  if (sha) {
    const got = await sha256Hex(bytes);
    if (got !== sha) {
      throw new Error(`the weights file does not match its model card (sha256 ${got.slice(0, 12)}…, ` +
        `the card says ${sha.slice(0, 12)}…); rebuild the page`);
    }
  }
  if (cache) {
    // Keep only the current weights: drop entries of earlier builds.
    for (const req of await cache.keys()) if (req.url !== key) await cache.delete(req);
    await cache.put(key, new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } }))
      .catch(() => {}); // a full or unavailable cache only costs a download next time
  }
  return { bytes, cached: false };
}

async function load() {
  const t0 = performance.now();
  const pkgPath = WANT_RELAXED ? '../pkg-relaxed/lcnet.js' : '../pkg/lcnet.js';
  let pkg;
  try {
    pkg = await import(pkgPath);
  } catch (e) {
    throw new Error(`the wasm build ${pkgPath.slice(3)} could not be loaded (${message(e)}); ` +
      'build the site with `cargo xtask build`');
  }
  ({ default: init, Model, GpuModel, simdEnabled, relaxedSimdEnabled, dynamics } = pkg);
  // The wasm module compiles while the card and the weights download.
  const wasmReady = init();
  wasmReady.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
  cardText = await (await fetchOk(CARD_URL, { cache: 'no-cache' })).text();
  let sha = null;
  try {
    sha = JSON.parse(cardText).weights_sha256 || null;
  } catch (e) {
    throw new Error(`the model card weights/model.json is not JSON: ${message(e)}`);
  }
  const [exports, { bytes, cached }] = await Promise.all([wasmReady, loadWeights(sha)]);
  const tFetched = performance.now();
  wasm = exports;
  weights = bytes;
  model = new Model(bytes, cardText);
  card = model.card();
  // One warm-up pass (grey image) so the first real request does not pay for lazy set-up.
  model.classify(grey(), card.config.tau_l, card.config.tau_c);
  const tCpu = performance.now();
  if (NO_GPU) {
    webgpu = { available: false, adapter: null, note: 'WebGPU is not used by this helper worker' };
    gpuSetUp = Promise.resolve();
  } else if (!self.navigator?.gpu) {
    // Nothing to set up (WebKit and Firefox ESR have no `navigator.gpu`): said at once, with no
    // start-up timing.
    webgpu = { available: false, adapter: null, note: `${NO_WEBGPU}: this browser has no WebGPU` };
    gpuSetUp = Promise.resolve();
  } else {
    webgpu = { available: false, adapter: null, pending: true, note: 'Setting up WebGPU; running on the CPU meanwhile' };
    startGpuSetUp = () => {
      if (!gpuSetUp) {
        const before = backend;
        gpuSetUp = setUpGpu();
        // In the background: the page hears when WebGPU is ready (and whether it now runs there).
        if (WANT_BACKEND !== 'webgpu') gpuSetUp.then(() => postMessage({ status: 'backend', backend, webgpu, rerun: backend !== before }));
      }
      return gpuSetUp;
    };
  }
  if (WANT_BACKEND === 'webgpu') await startGpuSetUp();
  const tReady = performance.now();
  // Measured here, in the worker, from the start of loading: the page shows the total.
  const load_ms = {
    fetch: tFetched - t0, // card, weights (network or cache) and wasm compilation, in parallel
    cpu: tCpu - tFetched, // CPU model from the weights, plus one warm-up pass
    total: tReady - t0, // until ready (WebGPU is set up later, unless the address asked for it)
  };
  postMessage({
    status: 'ready', card, simd: simdEnabled(), relaxed: relaxedSimdEnabled(), cached, wasm_memory_bytes: memoryBytes(), backend, webgpu, load_ms,
    // What this worker loaded (the page keeps these for offline use).
    files: [self.location.href, ...performance.getEntriesByType('resource').map((e) => e.name)],
  });
  if (WANT_BACKEND !== 'webgpu' && !NO_GPU) {
    // Set up after the first answer (building the GPU pipelines holds this thread for a while,
    // and the page's first image should not wait for it), or after GPU_DELAY_MS without one.
    // Requests are answered meanwhile, on the CPU.
    setTimeout(startGpuSetUp, GPU_DELAY_MS);
    firstAnswer.then(startGpuSetUp);
  }
}

/** Median milliseconds of `CHOICE_RUNS` runs of `f`. */
async function timeRuns(f) {
  const ms = [];
  for (let i = 0; i < CHOICE_RUNS; i++) {
    const t = performance.now();
    await f();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

// Sets up WebGPU, times it against the CPU on the warm-up image and, unless the page chose a
// backend, moves single images to the faster one. `webgpu.gpu_ms` is the set-up time. The CPU is
// timed here, not while loading, so the page's first image does not wait for it (unless the
// address asks for WebGPU, whose set-up then comes before ready).
async function setUpGpu() {
  const cpu = await timeRuns(async () => model.classify(grey(), card.config.tau_l, card.config.tau_c));
  const ms = { cpu, webgpu: null };
  const t = performance.now();
  let ok = await startGpu();
  if (ok) {
    try {
      ms.webgpu = await timeRuns(() => gpu.classify(grey(), card.config.tau_l, card.config.tau_c));
    } catch (e) {
      gpuFailed(e);
      ok = false;
    }
  }
  if (WANT_BACKEND === 'webgpu' && ok) backend = 'webgpu';
  else if (!chosen) backend = ok ? chooseBackend(ms) : 'cpu';
  webgpu = { ...webgpu, ms, gpu_ms: performance.now() - t };
  if (ok) webgpu.note = backendChoiceText(ms, backend, WANT_BACKEND ? 'address' : chosen ? 'toggle' : 'faster');
}

function grey() {
  const s = card.config.image_size;
  return new Uint8Array(s * s * 3).fill(128);
}

// The adapter's name as the browser reports it (wgpu's adapter info is empty on the web).
function adapterName(info) {
  if (!info) return 'unknown adapter';
  return info.description || [info.vendor, info.architecture].filter(Boolean).join(' ') || 'unknown adapter';
}

// Builds the GPU model when the browser gives a WebGPU adapter; returns whether it did. A
// failure is no error of the page: `webgpu.note` says why, and the CPU runs.
async function startGpu() {
  let m = null;
  try {
    const g = self.navigator && self.navigator.gpu;
    if (!g) throw new Error('this browser has no WebGPU');
    const adapter = await g.requestAdapter();
    if (!adapter) throw new Error('the browser offers no WebGPU adapter');
    const name = adapterName(adapter.info);
    m = await GpuModel.create(weights, cardText, CHUNK);
    // Warm-up, and proof that the device runs the network.
    await m.classify(grey(), card.config.tau_l, card.config.tau_c);
    const failed = m.failure();
    if (failed) throw new Error(failed);
    gpu = m;
    webgpu = { available: true, adapter: name, note: null, ms: webgpu.ms };
    return true;
  } catch (e) {
    if (m) m.free();
    gpu = null;
    webgpu = { available: false, adapter: null, note: `${NO_WEBGPU}: ${message(e)}`, ms: webgpu.ms };
    return false;
  }
}

// The GPU failed: drop it and continue on the CPU.
function gpuFailed(e) {
  if (gpu) gpu.free();
  gpu = null;
  backend = 'cpu';
  webgpu = {
    available: false, adapter: null, lost: true, note: `WebGPU failed, running on the CPU (WebAssembly): ${message(e)}`,
  };
}

// A device can be lost between requests; the page then re-runs its image on the CPU.
setInterval(() => {
  if (backend !== 'webgpu' || !gpu || busy) return;
  const failed = gpu.failure();
  if (failed) {
    gpuFailed(failed);
    postMessage({ status: 'backend', backend, webgpu, rerun: true });
  }
}, 500);

// One image through the current backend (or `use`, when the request names one the worker has):
// {trace, backend}. A GPU failure falls back to the CPU for this image and the following ones.
async function infer(rgb, tauL, tauC, exec = 'dynamic', use = backend) {
  if (use === 'webgpu' && gpu) {
    try {
      const failed = gpu.failure();
      if (failed) throw new Error(failed);
      const trace = exec === 'static' ? await gpu.classifyStatic(rgb) : await gpu.classify(rgb, tauL, tauC);
      return { trace, backend: 'webgpu' };
    } catch (e) {
      gpuFailed(e);
    }
  }
  const trace = exec === 'static' ? model.classifyStatic(rgb) : model.classify(rgb, tauL, tauC);
  return { trace, backend: 'cpu' };
}

function thresholds(msg) {
  const tauL = Number.isFinite(msg.tauL) ? msg.tauL : card.config.tau_l;
  const tauC = Number.isFinite(msg.tauC) ? msg.tauC : card.config.tau_c;
  return [tauL, tauC];
}

async function classify(msg) {
  const [tauL, tauC] = thresholds(msg);
  const t0 = performance.now();
  let prepared;
  if (msg.rgb) {
    const s = card.config.image_size;
    prepared = { rgb: Array.from(msg.rgb), size: s, source_width: s, source_height: s, source_format: 'prepared' };
  } else if (msg.frame) {
    prepared = model.prepareRgba(toBytes(msg.frame.rgba), msg.frame.width, msg.frame.height);
  } else {
    prepared = model.prepare(toBytes(msg.bytes));
  }
  const t1 = performance.now();
  const use = msg.backend === 'cpu' || msg.backend === 'webgpu' ? msg.backend : backend;
  const { trace, backend: used } = await infer(Uint8Array.from(prepared.rgb), tauL, tauC, 'dynamic', use);
  const t2 = performance.now();
  return {
    prepared,
    trace,
    backend: used,
    webgpu,
    timings: { prepare_ms: t1 - t0, classify_ms: t2 - t1 },
    wasm_memory_bytes: memoryBytes(),
  };
}

function toBytes(b) {
  if (b instanceof Uint8Array) return b;
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  if (b instanceof Uint8ClampedArray) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  throw new Error('expected the file contents as an ArrayBuffer or Uint8Array');
}

// Static network vs LC-Net with real skipping on the same prepared image, interleaved so that
// both see the same machine state.
async function bench(msg) {
  const [tauL, tauC] = thresholds(msg);
  const rgb = Uint8Array.from(msg.rgb);
  const runs = Math.max(1, Math.min(1000, Math.floor(msg.runs) || 20));
  const used = backend;
  for (let i = 0; i < BENCH_WARMUP; i++) {
    await infer(rgb, tauL, tauC, 'static');
    await infer(rgb, tauL, tauC);
  }
  const st = [];
  const dy = [];
  let trace = null;
  const readbacks0 = used === 'webgpu' ? gpu.readbacks() : 0;
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    await infer(rgb, tauL, tauC, 'static');
    st.push(performance.now() - t);
    t = performance.now();
    trace = (await infer(rgb, tauL, tauC)).trace;
    dy.push(performance.now() - t);
  }
  // A GPU that failed midway leaves a mix of backends: no meaningful numbers.
  if (backend !== used) throw new Error(`the GPU failed during the benchmark; now on the CPU (${webgpu.note})`);
  return {
    runs,
    backend: used,
    adapter: used === 'webgpu' ? webgpu.adapter : null,
    static_ms: median(st),
    dynamic_ms: median(dy),
    // GPU->CPU readbacks per classified image (static and LC-Net runs together); null on the CPU.
    readbacks_per_image: used === 'webgpu' ? (gpu.readbacks() - readbacks0) / (2 * runs) : null,
    macs: trace.macs,
    static_macs: trace.static_macs,
    wasm_memory_bytes: memoryBytes(),
  };
}

// A chunk of a "measure it yourself" run: only the predicted class and the MACs of each image
// leave the wasm module (a whole trace per image costs more to hand over than they do, and to
// post back than the inference), unless `traces` asks for the traces too. On WebGPU the chunk
// is one batch: one submission, one readback; if the GPU fails, the chunk runs on the CPU.
async function measure(msg) {
  const [tauL, tauC] = thresholds(msg);
  const gatesOff = msg.network === 'static';
  const rgbs = msg.images.map((im) => (im.rgb ? toBytes(im.rgb) : Uint8Array.from(model.prepare(toBytes(im.bytes)).rgb)));
  // Both models take the chunk's images one after another in one buffer.
  const all = new Uint8Array(rgbs.reduce((n, x) => n + x.length, 0));
  rgbs.reduce((at, x) => (all.set(x, at), at + x.length), 0);
  if (backend === 'webgpu' && gpu) {
    try {
      const failed = gpu.failure();
      if (failed) throw new Error(failed);
      const before = gpu.readbacks();
      const t = performance.now();
      const out = await gpu.measure(all, tauL, tauC, gatesOff, !!msg.traces);
      return { ...out, backend: 'webgpu', readbacks: gpu.readbacks() - before, ms: performance.now() - t };
    } catch (e) {
      gpuFailed(e);
    }
  }
  const t = performance.now();
  const out = model.measure(all, tauL, tauC, gatesOff, !!msg.traces);
  return { ...out, backend: 'cpu', readbacks: 0, ms: performance.now() - t };
}

async function switchBackend(msg) {
  // The visitor's choice wins over the start-up measurement, which may still be running.
  chosen = true;
  await startGpuSetUp();
  if (msg.name === 'cpu') backend = 'cpu';
  else if (msg.name === 'webgpu') {
    // After a failure (or when it was missing at load) try again: the browser may have a new
    // device for us.
    if (!gpu && !(await startGpu())) throw new Error(webgpu.note);
    backend = 'webgpu';
  } else throw new Error(`unknown backend ${JSON.stringify(msg.name)}`);
  if (webgpu.available && Number.isFinite(webgpu.ms?.webgpu)) webgpu.note = backendChoiceText(webgpu.ms, backend, 'toggle');
  return { backend, webgpu };
}

let loadError = null;
const ready = load().catch((e) => {
  loadError = message(e);
  postMessage({ error: loadError, fatal: true });
});

let busy = false;
async function handle(msg) {
  await ready;
  if (loadError) {
    postMessage({ id: msg.id, error: `the model did not load: ${loadError}` });
    return;
  }
  busy = true;
  try {
    let output;
    if (msg.cmd === 'classify') output = await classify(msg);
    else if (msg.cmd === 'bench') output = await bench(msg);
    else if (msg.cmd === 'measure') output = await measure(msg);
    else if (msg.cmd === 'backend') output = await switchBackend(msg);
    else if (msg.cmd === 'dynamics') output = dynamics(msg.traces);
    else if (msg.cmd === 'weights') output = { weights: weights.slice(), card: cardText };
    else if (msg.cmd === 'lose-gpu') {
      if (gpu) gpu.loseDevice();
      output = { backend };
    } else throw new Error(`unknown command ${JSON.stringify(msg.cmd)}`);
    postMessage({ id: msg.id, status: 'complete', backend, output });
    answered();
  } catch (e) {
    postMessage({ id: msg.id, error: message(e) });
  } finally {
    busy = false;
  }
}

// The GPU path awaits; chaining keeps requests from interleaving (one input buffer per model).
let queue = Promise.resolve();
self.onmessage = (ev) => {
  const msg = ev.data || {};
  queue = queue.then(() => handle(msg));
};
