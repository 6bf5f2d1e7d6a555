// The backend the worker runs on (WebGPU or the CPU): the result card's line and note, and the
// "Run on" toggle.

import * as V from './view.js';
import { $, state } from './state.js';
import { showError } from './status.js';
import { request } from './worker-client.js';

/** Runs the shown image again after a switch; main.js passes prediction.js's `rerun`. */
let rerunShown = async () => {};

/**
 * Shows which backend runs, the note about WebGPU, and the toggle's state.
 * @param {'webgpu'|'cpu'} backend
 * @param {{available: boolean, adapter: string|null, note: string|null, lost?: boolean}} webgpu
 */
export function setBackend(backend, webgpu) {
  state.backend = backend;
  state.webgpu = webgpu;
  $('stat-backend').textContent = V.backendText(backend, { simd: state.simd, relaxed: state.relaxed, adapter: webgpu.adapter });
  document.body.dataset.backend = backend;
  // 'pending' while the worker still sets WebGPU up in the background (the CPU runs meanwhile).
  document.body.dataset.gpu = webgpu.pending ? 'pending' : 'done';
  const note = $('backend-note');
  note.textContent = webgpu.note || '';
  note.hidden = !webgpu.note;
  for (const r of document.querySelectorAll('input[name="backend"]')) r.checked = r.value === backend;
  $('backend-toggle').disabled = false;
  // Missing at load: nothing to switch to. Lost later: choosing it again tries a new device.
  document.querySelector('input[name="backend"][value="webgpu"]').disabled = !webgpu.available && !webgpu.lost;
  $('backend-webgpu-label').textContent = webgpu.adapter ? `WebGPU (${webgpu.adapter})` : 'WebGPU';
}

/**
 * Switches the worker to `name` and runs the shown image there, so both can be compared.
 * @param {'webgpu'|'cpu'} name
 */
export async function switchBackend(name) {
  // The toggle stays enabled (disabling it would drop keyboard focus): the worker answers in
  // order, so quick switches simply run one after the other.
  try {
    const r = await request({ cmd: 'backend', name });
    setBackend(r.backend, r.webgpu);
    await rerunShown();
  } catch (e) {
    showError(`Could not switch to ${name === 'webgpu' ? 'WebGPU' : 'the CPU'}: ${e.message}`);
    setBackend(state.backend, state.webgpu);
  }
}

/**
 * Wires the toggle. `rerun` is handed in rather than imported because the result view, which
 * `rerun` draws, itself calls `setBackend` (the worker may fall back while answering).
 * @param {() => Promise<void>} rerun runs the shown image again at the current thresholds
 */
export function initBackendToggle(rerun) {
  rerunShown = rerun;
  for (const r of document.querySelectorAll('input[name="backend"]')) {
    r.addEventListener('change', () => {
      if (r.checked && r.value !== state.backend) switchBackend(r.value);
    });
  }
}
