// The in-page benchmark: the shown image through LC-Net's own network with its gates off (every
// block and channel computed) and through LC-Net, timed in the worker on the backend it runs now.

import * as V from './view.js';
import { $, state } from './state.js';
import { request } from './worker-client.js';

/**
 * Runs the benchmark on the shown image and writes the result under the button.
 * @param {number} [runs] passes of each network
 * @returns {Promise<object>} the worker's timings; rejects (after showing why) when it fails
 */
export async function runBench(runs = 30) {
  if (!state.shown) throw new Error('classify an image first');
  const btn = $('bench-btn');
  btn.disabled = true;
  $('bench-result').textContent = `Running ${runs} passes with the gates off and ${runs} LC-Net passes…`;
  $('bench-note').textContent = '';
  try {
    const rgb = Uint8Array.from(state.shown.prepared.rgb);
    const r = await request({ cmd: 'bench', rgb, runs, tauL: state.tauL, tauC: state.tauC }, [rgb.buffer]);
    $('bench-result').textContent = V.benchText(r, V.backendText(r.backend, { simd: state.simd, relaxed: state.relaxed, adapter: r.adapter }));
    $('bench-note').textContent = V.benchNoteText(r);
    return r;
  } catch (e) {
    $('bench-result').textContent = `The benchmark failed: ${e.message}`;
    throw e;
  } finally {
    btn.disabled = false;
  }
}

/** Wires the benchmark button (its failure is already shown in the result line). */
export function initBench() {
  $('bench-btn').addEventListener('click', () => runBench().catch(() => {}));
}
