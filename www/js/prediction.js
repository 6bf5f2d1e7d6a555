// Classifying the shown image: an upload, a picked example or a camera frame becomes the shown
// image with its answer, and the shown image runs again when the thresholds move. Every answer
// goes to shown.js, whose subscribers draw it (the result card is result.js); nothing here draws.

import * as V from './view.js';
import { state } from './state.js';
import { setStatus, showError, clearError } from './status.js';
import { request, classifyRgb } from './worker-client.js';
import { publish } from './shown.js';

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
  clearError();
  publish(output, source);
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
        if (state.shown === shown) publish({ ...output, prepared: shown.prepared });
      } catch (e) {
        if (state.shown === shown) showError(`Could not re-run the image: ${e.message}`);
      }
    } while (rerunAgain);
  } finally {
    rerunBusy = false;
  }
}
