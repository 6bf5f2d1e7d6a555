// The result card: the shown image's previews, the prediction with its top 5, the cost bar and
// numbers, and the gate visualizer's tiles (visualizer.js adds their tooltip). It draws whatever
// shown.js publishes.

import * as V from './view.js';
import * as D from './draw.js';
import { $, state } from './state.js';
import { setStatus } from './status.js';
import { subscribe } from './shown.js';

/** Draws every result of the shown image, and the image's previews when it is a new one. */
export function initResult() {
  subscribe(({ image }) => {
    if (image) showImage();
    showOutput();
  });
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

function showOutput() {
  const { output, view } = state;
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
  const unsure = V.unsureNote(view.prediction.prob, state.stats?.confidence, state.card.config.class_names);
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
  state.results += 1;
  const r = $('result');
  r.dataset.count = String(state.results);
  r.dataset.source = state.shown ? state.shown.name : '';
  $('bench-btn').disabled = false;
  $('link-btn').disabled = false;
  $('compare-pin').disabled = false;
  $('knob-result').textContent = `${state.shown ? state.shown.name : 'The image'} at these thresholds: ` +
    `${view.prediction.label} (${view.prediction.probText}), ${view.cost.usedText} of the static MACs, ${view.blocksText}.`;
  if (!state.shown?.live) setStatus(`Showing ${state.shown ? state.shown.name : 'the image'}.`);
}
