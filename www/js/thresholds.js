// The knob: the τL and τC sliders and the accuracy/cost curve whose ring follows them. Moving a
// slider re-runs the shown image and the pinned one.

import { THRESHOLDS } from './theme.js';
import * as D from './draw.js';
import * as T from './teach.js';
import { $, state } from './state.js';
import { rerun } from './prediction.js';
import { rerunCompare } from './compare.js';

/**
 * Sets the sliders' range and the model's own thresholds, and enables them.
 * @param {{tau_l: number, tau_c: number}} cfg the model card's config
 */
export function setupThresholds(cfg) {
  for (const [id, v] of [['tau-l', cfg.tau_l], ['tau-c', cfg.tau_c]]) {
    const el = $(id);
    el.min = String(THRESHOLDS.min);
    el.max = String(THRESHOLDS.max);
    el.step = String(THRESHOLDS.step);
    el.value = String(v);
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
  showThresholds();
  showCurve();
  rerun();
  rerunCompare();
}

/** Wires the two sliders and the reset button. */
export function initThresholds() {
  $('tau-l').addEventListener('input', onSlider);
  $('tau-c').addEventListener('input', onSlider);
  $('tau-reset').addEventListener('click', () => {
    if (!state.card) return;
    $('tau-l').value = String(state.card.config.tau_l);
    $('tau-c').value = String(state.card.config.tau_c);
    onSlider();
  });
}

/** Draws the model card's accuracy/cost curve with the current thresholds marked. */
export function showCurve() {
  if (!state.card) return;
  const cv = T.curveView(state.card, state.tauL, state.tauC);
  if (!cv) {
    $('curve').replaceChildren(D.render(D.h('p', { class: 'muted' },
      'This model’s card has no measured curve (run `lcnet record` on the test set).'), document));
    $('curve-legend').replaceChildren();
    $('curve-now').textContent = '';
    return;
  }
  D.mount($('curve'), T.curveTree(cv));
  D.mount($('curve-legend'), T.curveLegendTree(cv));
  $('curve-now').textContent = cv.marker.text;
}
