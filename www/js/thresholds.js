// The knob: the τL and τC sliders and the accuracy/cost curve whose ring follows them. Moving a
// slider re-runs the shown image and the pinned one.

import { THRESHOLDS } from './theme.js';
import * as D from './draw.js';
import * as T from './teach.js';
import { $, state } from './state.js';
import { rerun } from './prediction.js';
import { rerunCompare } from './compare.js';

/**
 * Sets the sliders' ranges (where the measured curve changes, else the full range) and the
 * model's own thresholds, and enables them.
 * @param {object} card the model card
 */
export function setupThresholds(card) {
  const cfg = card.config;
  for (const [id, key] of [['tau-l', 'tau_l'], ['tau-c', 'tau_c']]) {
    const el = $(id);
    const r = T.sliderRange(card, key) || THRESHOLDS;
    el.min = String(r.min);
    el.max = String(r.max);
    el.step = String(r.step);
    el.value = String(cfg[key]);
  }
  state.tauL = cfg.tau_l;
  state.tauC = cfg.tau_c;
  showThresholds();
  $('thresholds').disabled = false;
}

function showThresholds() {
  $('tau-l-out').textContent = state.tauL.toFixed(2);
  $('tau-c-out').textContent = state.tauC.toFixed(2);
  $('tau-l').setAttribute('aria-valuetext', state.tauL.toFixed(2));
  $('tau-c').setAttribute('aria-valuetext', state.tauC.toFixed(2));
}

/**
 * Sets both thresholds as the sliders would, without re-running anything (for the debug hooks).
 * @param {number} tauL
 * @param {number} tauC
 */
export function setThresholds(tauL, tauC) {
  state.tauL = tauL;
  state.tauC = tauC;
  $('tau-l').value = String(tauL);
  $('tau-c').value = String(tauC);
  showThresholds();
}

function onSlider() {
  state.tauL = Number($('tau-l').value);
  state.tauC = Number($('tau-c').value);
  applyThresholds();
}

// The thresholds in `state` changed: show them, ring them on the curve, re-run both images.
function applyThresholds() {
  showThresholds();
  showCurve();
  rerun();
  rerunCompare();
}

/**
 * Moves the sliders as a visitor would (the shown and pinned images re-run); for the reset
 * buttons and the tour.
 * @param {number} tauL
 * @param {number} tauC
 */
export function moveThresholds(tauL, tauC) {
  // The state keeps the exact values, also beyond the sliders' range (a script may go there).
  setThresholds(tauL, tauC);
  applyThresholds();
}

/** Back to the model's own thresholds. */
export function resetThresholds() {
  if (state.card) moveThresholds(state.card.config.tau_l, state.card.config.tau_c);
}

/** Wires the two sliders and the reset button. */
export function initThresholds() {
  $('tau-l').addEventListener('input', onSlider);
  $('tau-c').addEventListener('input', onSlider);
  $('tau-reset').addEventListener('click', resetThresholds);
  $('curve-zoom').addEventListener('change', (e) => {
    state.curveZoom = e.target.checked;
    showCurve();
  });
  // The plot is drawn at its container's width (its text keeps its size on a phone).
  let width = $('curve').clientWidth;
  new ResizeObserver(() => {
    if ($('curve').clientWidth !== width) {
      width = $('curve').clientWidth;
      showCurve();
    }
  }).observe($('curve'));
}

/** Draws the model card's accuracy/cost curve with the current thresholds marked. */
export function showCurve() {
  if (!state.card) return;
  const cv = T.curveView(state.card, state.tauL, state.tauC, state.measured, { zoom: state.curveZoom });
  if (!cv) {
    $('curve').replaceChildren(D.render(D.h('p', { class: 'muted' },
      'This model’s card has no measured curve (run `lcnet record` on the test set).'), document));
    $('curve-legend').replaceChildren();
    $('curve-now').textContent = '';
    $('frontier-note').textContent = '';
    return;
  }
  D.mount($('curve'), T.curveTree(cv, T.curveBox($('curve').clientWidth)));
  D.mount($('curve-legend'), T.curveLegendTree(cv));
  $('curve-now').textContent = cv.marker.text;
  $('frontier-note').textContent = cv.frontierText;
}
