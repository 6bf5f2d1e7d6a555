// The backend the worker runs on (WebGPU or the CPU): the result card's line and note, and the
// "Run on" toggle.

import * as V from './view.js';
import { $, state } from './state.js';
import { showError } from './status.js';
import { request } from './worker-client.js';
import { rerun } from './prediction.js';
import { subscribe } from './shown.js';

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
    await rerun();
  } catch (e) {
    showError(`Could not switch to ${name === 'webgpu' ? 'WebGPU' : 'the CPU'}: ${e.message}`);
    setBackend(state.backend, state.webgpu);
  }
}

// A result says where it ran: the worker may have fallen back to the CPU while answering.
// (A live camera frame may run on another backend than the page's: see camera.js.)
function followResult() {
  const output = state.output;
  const changed = !state.shown?.live && output.backend !== state.backend;
  if (output.backend && (changed || output.webgpu?.note !== state.webgpu.note)) {
    setBackend(output.backend, output.webgpu || state.webgpu);
  }
}

/** Wires the toggle, and follows the backend each result of the shown image ran on. */
export function initBackend() {
  subscribe(followResult);
  for (const r of document.querySelectorAll('input[name="backend"]')) {
    r.addEventListener('change', () => {
      if (r.checked && r.value !== state.backend) switchBackend(r.value);
    });
  }
}
