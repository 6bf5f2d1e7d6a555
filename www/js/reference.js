// "Check against the reference": candle in the browser. The reference executor (the network as
// candle-nn modules, dense masked: every convolution computed in full, then multiplied by the
// gate masks, as training computes it; the oracle of every native test) runs in a worker of its
// own from its own wasm module (`pkg-reference/`), fetched the first time a visitor asks (a first
// visit never downloads it). The shown image goes through it and through the page's
// real-skipping executor, side by side: the same decisions, the largest logit difference, both
// times, and why the masked network costs the full static time. `verify(n)` does the same for n
// test images (`window.lcnet.verify`).

import * as V from './view.js';
import * as S from './dataset.js';
import { $, state } from './state.js';
import { subscribe } from './shown.js';
import { connect, request } from './worker-client.js';
import { subset } from './measure.js';
import { agreement } from './agreement.js';

/** Timed runs of the shown image on each side (after warm-up runs). */
const RUNS = 5;

let reference = null;

/**
 * The reference worker with the network loaded (started on first use; a failed start is tried
 * again next time). Rejects with a clear message when the module or the worker cannot load.
 * @returns {Promise<{request: (msg: object, transfer?: Transferable[]) => Promise<object>}>}
 */
function referenceWorker() {
  reference ??= (async () => {
    const w = new Worker(new URL('./reference-worker.js', import.meta.url), { type: 'module' });
    const failed = new Promise((_, reject) => {
      w.addEventListener('error', (ev) => {
        ev.preventDefault();
        reject(new Error(`the reference module could not start (${ev.message || 'no wasm module at pkg-reference/'})`));
      });
    });
    const ch = connect(w, () => {});
    const guarded = (msg, transfer) => Promise.race([ch.request(msg, transfer), failed]);
    const { weights, card } = await request({ cmd: 'weights' });
    await guarded({ cmd: 'load', weights, card }, [weights.buffer]);
    return { request: guarded };
  })();
  reference.catch(() => {
    reference = null;
  });
  return reference;
}

function backendName(b) {
  return b === 'webgpu' ? 'on WebGPU' : 'on the CPU (WebAssembly)';
}

/**
 * The agreement in words.
 * @param {ReturnType<typeof agreement>} a
 */
function agreementText(a) {
  const n = V.formatWhole(a.images);
  const same = a.decisions_equal === a.images
    ? (a.images === 1 ? 'the same decisions in every block (run or skipped, and the same channels)' : `the same decisions for all ${n} images`)
    : `the same decisions for ${V.formatWhole(a.decisions_equal)} of ${n} images (the first difference: image ${a.first_difference.image + 1}, block ${a.first_difference.block})`;
  const pred = a.predictions_equal === a.images ? (a.images === 1 ? 'the same prediction' : 'the same predictions') : `the same prediction for ${V.formatWhole(a.predictions_equal)} of ${n}`;
  return `${same}, ${pred}, logits at most ${a.max_logit_diff.toExponential(1)} apart`;
}

/** Runs the shown image through the reference and the page's executor and shows both. */
async function checkShown() {
  const btn = $('check-btn');
  const out = $('check-result');
  const shown = state.shown;
  if (!shown || !state.output) return;
  const [tauL, tauC] = [state.tauL, state.tauC];
  const trace = state.output.trace;
  btn.disabled = true;
  out.dataset.state = 'running';
  out.textContent = reference ? 'Running the reference…' : 'Loading the reference (candle, its own WebAssembly module) and running it…';
  try {
    const ref = await referenceWorker();
    const rgb = Uint8Array.from(shown.prepared.rgb);
    const r = await ref.request({ cmd: 'run', rgb, tauL, tauC, runs: RUNS });
    const b = await request({ cmd: 'bench', rgb: Array.from(rgb), runs: RUNS, tauL, tauC });
    const a = agreement([trace], r.traces);
    const rt = r.traces[0];
    const rows = [
      ['', `Real skipping ${backendName(b.backend)}`, 'Reference (candle, masked)'],
      ['Blocks run', `${trace.blocks_run} of ${trace.blocks.length}`, `${rt.blocks_run} of ${rt.blocks.length}`],
      ['Channels computed', `${V.formatWhole(trace.channels_kept)} of ${V.formatWhole(trace.channels_total)}`, `all ${V.formatWhole(rt.channels_total)}, ${V.formatWhole(rt.channels_total - rt.channels_kept)} then multiplied by 0`],
      ['Prediction', `${trace.prediction.label} (${V.formatPercent(trace.prediction.prob)})`, `${rt.prediction.label} (${V.formatPercent(rt.prediction.prob)})`],
      ['MACs computed', `${V.formatMacs(trace.macs)} (${V.formatPercent(trace.macs / trace.static_macs)} of the static)`, `${V.formatMacs(rt.static_macs)} and the gates: every convolution`],
      [`Time (median of ${RUNS} runs)`, V.formatMs(b.dynamic_ms), V.formatMs(r.ms)],
    ];
    const table = document.createElement('table');
    table.className = 'check-table';
    rows.forEach((cells, i) => {
      const tr = table.insertRow();
      for (const c of cells) {
        const cell = document.createElement(i === 0 ? 'th' : 'td');
        cell.textContent = c;
        tr.append(cell);
      }
    });
    const p = document.createElement('p');
    p.textContent = `Both give ${agreementText(a)} (τL ${tauL.toFixed(2)}, τC ${tauC.toFixed(2)}). ` +
      `The reference computes every convolution in full and multiplies the skipped blocks and channels by zero, ` +
      `as training does: it pays the full static price whatever the gates decide, ${V.formatMs(r.ms)} here ` +
      `(the static network on the page's own kernels takes ${V.formatMs(b.static_ms)}; candle's convolution is ` +
      `general-purpose, not tuned for this network). Only real skipping, which never computes what the gates ` +
      `skip, turns the saved MACs into saved time: ${V.formatMs(b.dynamic_ms)}.`;
    out.replaceChildren(table, p);
    out.dataset.state = a.decisions_equal === a.images && a.predictions_equal === a.images ? 'agree' : 'differ';
  } catch (e) {
    out.dataset.state = 'error';
    out.textContent = `The reference check failed: ${e.message}`;
  } finally {
    btn.disabled = false;
  }
}

/**
 * `n` test images of the shipped subset (picked as `lcnet eval --limit n` picks them) through
 * the page's executor (the backend in use) and the reference, at the sliders' thresholds.
 * @param {number} n
 * @returns {Promise<object>} the agreement ({images, decisions_equal, predictions_equal,
 *   max_logit_diff, first_difference}) and {backend, skipping_ms, reference_ms, tau_l, tau_c}:
 *   the network's time for all n images on each side
 */
export async function verify(n = 100) {
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`n is a whole number of images, at least 1, not ${n}`);
  if (!state.card || !state.output) throw new Error('the model is not ready yet');
  const [tauL, tauC] = [state.tauL, state.tauC];
  const data = await subset();
  const rgbs = S.spread(data.count, n).map((i) => data.rgb(i));
  const ref = await referenceWorker();
  const traces = [];
  let skippingMs = 0;
  let backend = null;
  for (let at = 0; at < rgbs.length; at += S.CHUNK) {
    const images = rgbs.slice(at, at + S.CHUNK).map((rgb) => ({ rgb: rgb.slice() }));
    const out = await request({ cmd: 'measure', images, tauL, tauC, network: 'lcnet', traces: true }, images.map((im) => im.rgb.buffer));
    traces.push(...out.traces);
    skippingMs += out.ms;
    backend = out.backend;
  }
  const all = new Uint8Array(rgbs.reduce((k, x) => k + x.length, 0));
  rgbs.reduce((at, x) => (all.set(x, at), at + x.length), 0);
  const r = await ref.request({ cmd: 'run', rgb: all, tauL, tauC, runs: 1 }, [all.buffer]);
  return { ...agreement(traces, r.traces), backend, skipping_ms: skippingMs, reference_ms: r.ms, tau_l: tauL, tau_c: tauC };
}

/** Wires the button; a new result makes an earlier check stale. */
export function initReference() {
  $('check-btn').addEventListener('click', () => checkShown());
  subscribe(() => {
    const out = $('check-result');
    if (out.dataset.state && out.dataset.state !== 'running') {
      out.replaceChildren();
      delete out.dataset.state;
    }
    $('check-btn').disabled = false;
  });
}
