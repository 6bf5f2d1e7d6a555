// Classifying the shown image and showing the answer: the previews, the prediction with its top 5,
// the cost bar and numbers, and the gate visualizer's tiles.

import * as V from './view.js';
import * as D from './draw.js';
import { $, state } from './state.js';
import { setStatus, showError, clearError } from './status.js';
import { request, classifyRgb } from './worker-client.js';
import { setBackend } from './backend.js';
import { hideTip } from './visualizer.js';
import { renderCompare } from './compare.js';
import { statsData } from './classes.js';

/**
 * Classifies an uploaded or picked file. On success it becomes the shown image; on failure the
 * previous image and result stay and the error is shown.
 * @param {Uint8Array} bytes
 * @param {{name: string, url?: string, truth?: string, kind?: string, fromGallery?: boolean}} source
 * @returns {Promise<object>} the worker's output
 */
export function classifyFile(bytes, source) {
  const url = source.url || URL.createObjectURL(new Blob([bytes]));
  // The bytes move to the worker (no copy); the Blob above holds its own copy.
  return classifySource({ cmd: 'classify', bytes }, [bytes.buffer], { ...source, url, ownUrl: !source.url });
}

/**
 * Classifies a camera frame (RGBA pixels of a canvas) as the new shown image, through the same
 * preparation as a file (`prepareRgba` in the worker).
 * @param {ImageData} frame
 * @param {{name: string, url: string, live?: boolean}} source
 * @param {string} [backend] 'cpu' or 'webgpu' for this frame (default: the page's backend)
 * @returns {Promise<object>} the worker's output
 */
export function classifyFrame(frame, source, backend) {
  const msg = { cmd: 'classify', backend, frame: { rgba: frame.data, width: frame.width, height: frame.height } };
  return classifySource(msg, [frame.data.buffer], source);
}

// One classification request whose answer becomes the shown image (a newer request wins).
async function classifySource(msg, transfer, source) {
  if (!state.card) throw new Error('the model is still loading');
  const seq = ++state.uploads;
  const drop = () => {
    if (source.ownUrl) URL.revokeObjectURL(source.url);
  };
  if (!source.live) setStatus(`Classifying ${source.name}…`);
  let output;
  try {
    output = await request({ ...msg, tauL: state.tauL, tauC: state.tauC }, transfer);
  } catch (e) {
    drop();
    if (seq === state.uploads) {
      showError(V.uploadErrorText(e.message, source.name));
      setStatus(state.shown ? `Showing ${state.shown.name}.` : 'Choose, drop or paste an image.');
    }
    throw e;
  }
  // A newer upload was started meanwhile: its answer is the one to show.
  if (seq !== state.uploads) {
    drop();
    return output;
  }
  if (state.shown && state.shown.ownUrl) URL.revokeObjectURL(state.shown.url);
  state.shown = { ...source, prepared: output.prepared };
  clearError();
  showImage();
  showOutput(output);
  // The sliders moved while this image was on its way: show it at the current thresholds.
  if (output.trace.tau_l !== Math.fround(state.tauL) || output.trace.tau_c !== Math.fround(state.tauC)) rerun();
  return output;
}

/**
 * Resolves once the shown image's result was computed at the current thresholds (a threshold
 * change re-runs it asynchronously); rejects after `timeoutMs`.
 * @param {number} [timeoutMs]
 * @returns {Promise<void>}
 */
export async function shownAtThresholds(timeoutMs = 60000) {
  const at = () => state.output && state.output.trace.tau_l === Math.fround(state.tauL) &&
    state.output.trace.tau_c === Math.fround(state.tauC);
  for (let waited = 0; !at(); waited += 20) {
    if (waited > timeoutMs) throw new Error('the image did not re-run');
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Slider moves while a run is in flight are coalesced into one more run when it returns.
let rerunBusy = false;
let rerunAgain = false;

/**
 * Re-runs the shown image at the current thresholds. An answer about an image that is no longer
 * shown (a new upload arrived meanwhile) is dropped.
 * @returns {Promise<void>}
 */
export async function rerun() {
  if (!state.shown) return;
  if (rerunBusy) {
    rerunAgain = true;
    return;
  }
  rerunBusy = true;
  try {
    do {
      rerunAgain = false;
      const shown = state.shown;
      try {
        const output = await classifyRgb(shown.prepared.rgb, state.tauL, state.tauC);
        if (state.shown === shown) showOutput({ ...output, prepared: shown.prepared });
      } catch (e) {
        if (state.shown === shown) showError(`Could not re-run the image: ${e.message}`);
      }
    } while (rerunAgain);
  } finally {
    rerunBusy = false;
  }
}

function showImage() {
  const s = state.shown;
  const img = $('original');
  img.onload = () => img.classList.toggle('small', img.naturalWidth < img.clientWidth);
  img.src = s.url;
  img.alt = `The uploaded image ${s.name}`;
  img.hidden = false;
  const p = s.prepared;
  $('original-caption').textContent = p.source_format === 'prepared' || p.source_format === 'camera'
    ? s.name
    : `${s.name} · ${p.source_width}×${p.source_height} ${p.source_format}`;
  drawInput($('input-canvas'), p);
  for (const b of document.querySelectorAll('#gallery .thumb')) {
    b.setAttribute('aria-pressed', b.dataset.file === s.name && s.fromGallery ? 'true' : 'false');
  }
}

/**
 * Draws the prepared RGB bytes onto a canvas of the network's input size; CSS scales it up with
 * nearest-neighbour sampling so single pixels stay visible.
 * @param {HTMLCanvasElement} canvas
 * @param {{rgb: number[], size: number}} prepared
 */
function drawInput(canvas, prepared) {
  const n = prepared.size;
  canvas.width = n;
  canvas.height = n;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(n, n);
  for (let i = 0; i < n * n; i++) {
    img.data[4 * i] = prepared.rgb[3 * i];
    img.data[4 * i + 1] = prepared.rgb[3 * i + 1];
    img.data[4 * i + 2] = prepared.rgb[3 * i + 2];
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

function showOutput(output) {
  const view = V.buildView(output.trace);
  // The worker may have fallen back to the CPU while answering.
  // (A live camera frame may run on another backend than the page's: see camera.js.)
  const changed = !state.shown?.live && output.backend !== state.backend;
  if (output.backend && (changed || output.webgpu?.note !== state.webgpu.note)) {
    setBackend(output.backend, output.webgpu || state.webgpu);
  }
  state.output = output;
  state.view = view;
  $('pred-label').textContent = view.prediction.label;
  $('pred-prob').textContent = view.prediction.probText;
  const truth = state.shown && state.shown.truth;
  const t = $('truth');
  if (truth) {
    const ok = truth === view.prediction.label;
    t.textContent = ok ? `✓ Correct: the test set says ${truth}` : `✗ Wrong: the test set says ${truth}`;
    t.className = ok ? 'truth truth-ok' : 'truth truth-wrong';
  } else {
    // An uploaded picture or a camera frame: whatever it shows, the answer is one of the ten.
    t.textContent = V.outOfClassNote(state.card.config.class_names);
    t.className = 'truth truth-reminder';
  }
  const unsure = V.unsureNote(view.prediction.prob, statsData()?.confidence, state.card.config.class_names);
  $('unsure').textContent = unsure || '';
  $('unsure').hidden = !unsure;
  D.mount($('top5'), D.top5Tree(view.top5));
  $('cost-used').style.width = `${Math.min(100, Math.max(0, view.cost.used * 100))}%`;
  $('cost-saved').style.width = `${Math.min(100, Math.max(0, view.cost.saved * 100))}%`;
  $('stat-macs').textContent = view.cost.text;
  $('stat-blocks').textContent = view.blocksText;
  $('stat-channels').textContent = view.channelsText;
  const tm = output.timings;
  $('stat-latency').textContent = output.prepared.source_format === 'prepared' || tm.prepare_ms < 0.05
    ? `${V.formatMs(tm.classify_ms)} inference, this one run`
    : `${V.formatMs(tm.classify_ms)} inference, this one run, + ${V.formatMs(tm.prepare_ms)} decoding`;
  D.mount($('legend'), D.legendTree(view));
  D.mount($('viz'), D.visualizerTree(view));
  hideTip();
  state.results += 1;
  const r = $('result');
  r.dataset.count = String(state.results);
  r.dataset.source = state.shown ? state.shown.name : '';
  $('bench-btn').disabled = false;
  $('link-btn').disabled = false;
  $('compare-pin').disabled = false;
  $('knob-result').textContent = `${state.shown ? state.shown.name : 'The image'} at these thresholds: ` +
    `${view.prediction.label} (${view.prediction.probText}), ${view.cost.usedText} of the static MACs, ${view.blocksText}.`;
  renderCompare();
  if (!state.shown?.live) setStatus(`Showing ${state.shown ? state.shown.name : 'the image'}.`);
}
