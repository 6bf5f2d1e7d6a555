// The "How dynamic is it?" card: the dynamics of the test set from stats.json (`lcnet stats`, at
// the model's thresholds), or, on request, of test images measured in this browser at the
// sliders' thresholds (their traces go to the worker, which counts them with the same Rust code
// as `lcnet stats`). dynamics.js turns the numbers into what is drawn.

import * as D from './draw.js';
import * as Y from './dynamics.js';
import * as V from './view.js';
import { $, state } from './state.js';
import { showError } from './status.js';
import { request } from './worker-client.js';
import { measure } from './measure.js';

/** stats.json, once loaded and checked (null before or without it). */
let testSet = null;

function show(d, source, staticMacs, blocks) {
  D.mount($('dynamics'), Y.dynamicsTree(Y.dynamicsView(d, { staticMacs, blocks, source })));
  document.body.dataset.dynamics = d.images;
}

/**
 * Shows the test set's dynamics from stats.json (its `dynamics`, written by `lcnet stats`).
 * @param {object|null} stats stats.json, or null when the page has none that matches the model
 */
export function showTestSetDynamics(stats) {
  testSet = stats;
  $('dynamics-test-set').hidden = true;
  if (!stats || !stats.dynamics) {
    $('dynamics').replaceChildren();
    $('dynamics-status').textContent = stats
      ? 'This build’s stats.json has no dynamics (it was written by an older `lcnet stats`); count them here instead.'
      : 'The test set’s numbers are not available in this build; count them here instead.';
    return;
  }
  $('dynamics-status').textContent = '';
  const source = `Measured by lcnet stats on the ${V.formatWhole(stats.images)} test images at the model’s own thresholds ` +
    `(τL ${stats.tau_l.toFixed(2)}, τC ${stats.tau_c.toFixed(2)}).`;
  show(stats.dynamics, source, stats.static_macs, stats.blocks);
}

/**
 * Measures `n` test images at the sliders' thresholds with their traces and shows their dynamics.
 * @param {number} n
 * @returns {Promise<object|null>} the dynamics, or null when the measurement was cancelled
 */
export async function measureDynamics(n) {
  $('dynamics-status').textContent = `Running ${V.formatWhole(n)} test images… (progress under “Measure it yourself”)`;
  const r = await measure(n, { traces: true });
  if (!r) {
    $('dynamics-status').textContent = 'Cancelled.';
    return null;
  }
  const d = await request({ cmd: 'dynamics', traces: r.traces });
  const blocks = r.traces[0].blocks.map((b) => ({ index: b.index, stage: b.stage }));
  const source = `Measured in this browser on ${V.formatWhole(r.images)} test images at the sliders’ thresholds ` +
    `(τL ${r.tau_l.toFixed(2)}, τC ${r.tau_c.toFixed(2)}); ${V.formatAccuracy(r.accuracy)} of them classified right.`;
  show(d, source, r.traces[0].static_macs, blocks);
  $('dynamics-status').textContent = '';
  $('dynamics-test-set').hidden = !(testSet && testSet.dynamics);
  return d;
}

export function initDynamics() {
  $('dynamics-run').addEventListener('click', () => measureDynamics(Number($('dynamics-n').value)).catch((e) => {
    $('dynamics-status').textContent = '';
    showError(`Counting the decisions failed: ${e.message}.`);
  }));
  $('dynamics-test-set').addEventListener('click', () => showTestSetDynamics(testSet));
  if (!state.card) $('dynamics-run').disabled = true;
}
