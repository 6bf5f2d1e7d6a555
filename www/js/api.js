// `window.lcnet`: the page's stable scripting interface, for other people's headless browser
// tests and demos (README, "Driving the page from a script"). Each call goes through the same
// path as the page's own controls, so the page shows what a script did.
//
//   await lcnet.ready                        the model is loaded and the first image shown
//   await lcnet.classify(bytes, name?)       an image file's bytes -> its trace (also shown)
//   lcnet.thresholds                         {tauL, tauC} now
//   await lcnet.setThresholds(tauL, tauC)    as the sliders; resolves when the shown image re-ran
//   lcnet.backend                            'webgpu' or 'cpu'
//   await lcnet.setBackend(name)             as the toggle
//   await lcnet.measure(n, {workers, network, batch, traces}?)  n test images of the shipped
//                                            subset (as `lcnet eval --limit n` picks them) ->
//                                            result; on the CPU over `workers` workers (default:
//                                            one per core); `network: 'static'`: the gates off;
//                                            `batch` images per WebGPU submission (1-20, default
//                                            20); `traces`: each image's trace in the result
//   await lcnet.dynamics(traces)             how much traces' decisions differ per image: block
//                                            paths, fixed blocks, medians over all pairs, cost
//                                            tenths (`crate/src/dynamics.rs`, as `lcnet stats`)
//   await lcnet.verify(n?)                   n test images (default 100) through the page's executor
//                                            and the reference (candle, dense masked, its own
//                                            wasm module, loaded on first use) -> {images,
//                                            decisions_equal, predictions_equal, max_logit_diff,
//                                            first_difference, backend, skipping_ms,
//                                            reference_ms, tau_l, tau_c}
//   lcnet.card                               the model card
// A trace is the JSON of `crate/src/trace.rs` (README: "The trace").

import { state } from './state.js';
import { classifyFile, shownAtThresholds } from './prediction.js';
import { moveThresholds } from './thresholds.js';
import { switchBackend } from './backend.js';
import { measure } from './measure.js';
import { request } from './worker-client.js';
import { verify } from './reference.js';

/**
 * Installs `window.lcnet`.
 * @param {Promise<void>} ready resolves when the model is ready and the first image shown
 */
export function installApi(ready) {
  window.lcnet = Object.freeze({
    version: 1,
    ready,
    async classify(bytes, name = 'script image') {
      const out = await classifyFile(new Uint8Array(bytes), { name });
      return out.trace;
    },
    get thresholds() {
      return { tauL: state.tauL, tauC: state.tauC };
    },
    async setThresholds(tauL, tauC) {
      for (const t of [tauL, tauC]) if (!(t >= 0 && t <= 1)) throw new Error(`a threshold must be in [0, 1], not ${t}`);
      moveThresholds(tauL, tauC);
      await shownAtThresholds();
    },
    get backend() {
      return state.backend;
    },
    async setBackend(name) {
      if (name !== 'webgpu' && name !== 'cpu') throw new Error(`the backend is 'webgpu' or 'cpu', not ${name}`);
      await switchBackend(name);
      if (state.backend !== name) throw new Error(`could not switch to ${name}: ${state.webgpu.note || 'see the page'}`);
    },
    measure: (n, o) => measure(n, o),
    dynamics: (traces) => request({ cmd: 'dynamics', traces }),
    verify: (n) => verify(n),
    get card() {
      return state.card;
    },
  });
}
