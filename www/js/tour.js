// The guided tour: a few steps that drive the page itself (an image that is cheap for the model,
// a costly one pinned against it, τC moved, then τL, the curve read). Each step sets everything it
// shows when entered, so Back and Next work in any order; every number in its text comes from the
// page's own results or the measured curve. A non-modal dialog: Escape or "Skip the tour" closes
// it, and focus goes back to the button that opened it.

import * as T from './teach.js';
import { $, state } from './state.js';
import { showError } from './status.js';
import { pickExample } from './classes.js';
import { pinShown, unpin, compareSettled, compareA } from './compare.js';
import { moveThresholds, resetThresholds } from './thresholds.js';
import { shownAtThresholds } from './prediction.js';

const tour = { step: -1, busy: false, target: null };

/** Resolves once the shown and the pinned image were computed at the sliders' thresholds. */
async function shownAtSliders() {
  await shownAtThresholds();
  await compareSettled();
}

/** The cheapest and the costliest example of the test set (stats.json), by the model's cost. */
function extremes() {
  const items = T.examplesView(state.stats, { sort: 'cost' });
  return { cheap: items[0], dear: items[items.length - 1] };
}

async function show(item) {
  if (state.shown?.name !== item.file) await pickExample(item);
  await shownAtSliders();
}

function traceText(t) {
  const v = state.view;
  return `${t.prediction.label}, ${v.blocksText}, ${v.cost.usedText} of the static MACs`;
}

const STEPS = [
  {
    title: 'An image that is cheap for the model',
    target: 'viz-title',
    async enter() {
      unpin();
      resetThresholds();
      await show(extremes().cheap);
    },
    text: () => `This test image cost the network less than any other example: ${traceText(state.output.trace)}. ` +
      'Each tile is a residual block; hatched tiles were skipped by their L-Net, and inside a block that ran ' +
      'each square is a channel its C-Net kept (coloured) or skipped (hatched).',
  },
  {
    title: 'A costly one, compared with it',
    target: 'compare-title',
    async enter() {
      resetThresholds();
      const { cheap, dear } = extremes();
      if (compareA()?.name !== cheap.file) {
        await show(cheap);
        pinShown();
      }
      await show(dear);
    },
    text: () => `The cheap image is pinned as A; B is the costliest example: ${traceText(state.output.trace)}. ` +
      `${T.compareView(compareA(), { name: state.shown.name, trace: state.output.trace }).diffText} ` +
      'The two rows show where their paths part.',
  },
  {
    title: 'Move τC: skip more channels',
    target: 'thresholds',
    async enter() {
      const s = T.tourSettings(state.card);
      moveThresholds(state.card.config.tau_l, s.tauC ?? state.card.config.tau_c);
      await shownAtSliders();
    },
    text: () => `τC is now ${state.tauC.toFixed(2)}: a channel whose C-gate is at or below it is not computed. ` +
      `Both images re-ran. ${T.curveView(state.card, state.tauL, state.tauC).marker.text}`,
  },
  {
    title: 'Then τL: skip more blocks',
    target: 'thresholds',
    async enter() {
      const s = T.tourSettings(state.card);
      moveThresholds(s.tauL ?? state.card.config.tau_l, state.card.config.tau_c);
      await shownAtSliders();
    },
    text: () => `τL is now ${state.tauL.toFixed(2)} and τC back at the model’s own value: a block whose ` +
      `L-gate is at or below τL is skipped whole. ${T.curveView(state.card, state.tauL, state.tauC).marker.text}`,
  },
  {
    title: 'Read the curve',
    target: 'curve-title',
    async enter() {},
    text: () => {
      const cv = T.curveView(state.card, state.tauL, state.tauC);
      const base = cv.baseline ? ` The dashed line is the ${cv.baseline.text}.` : '';
      return 'Each point is the whole test set run at one setting of the thresholds: further left is cheaper, ' +
        `higher is more accurate. The ring marks the sliders’ setting.${base} “Reset all” at the top brings ` +
        'back the model’s own thresholds.';
    },
  },
];

function highlight(id) {
  tour.target?.classList.remove('tour-target');
  const card = id ? $(id).closest('.card') : null;
  tour.target = card;
  if (!card) return;
  card.classList.add('tour-target');
  // On a narrow screen the tour card sits at the top (style.css): the target scrolls in below it.
  document.documentElement.style.setProperty('--tour-h', `${$('tour').offsetHeight + 12}px`);
  card.scrollIntoView({ block: 'start', behavior: 'instant' });
}

function setBusy(busy) {
  tour.busy = busy;
  $('tour').setAttribute('aria-busy', String(busy));
  for (const id of ['tour-back', 'tour-next']) $(id).disabled = busy;
}

/**
 * Enters step `i`: drives the page there, then says what it shows.
 * @param {number} i
 */
async function go(i) {
  if (tour.busy || i < 0 || i >= STEPS.length) return;
  const step = STEPS[i];
  tour.step = i;
  setBusy(true);
  $('tour-count').textContent = `Step ${i + 1} of ${STEPS.length}`;
  $('tour-title').textContent = step.title;
  $('tour-text').textContent = 'Running…';
  $('tour').dataset.step = String(i + 1);
  try {
    await step.enter();
    if (tour.step !== i) return;
    $('tour-text').textContent = step.text();
  } catch (e) {
    $('tour-text').textContent = 'This step could not run.';
    showError(`The tour could not run step ${i + 1}: ${e.message}.`);
  } finally {
    setBusy(false);
  }
  if (tour.step !== i) return;
  highlight(step.target);
  $('tour-back').disabled = i === 0;
  $('tour-next').textContent = i === STEPS.length - 1 ? 'Finish' : 'Next';
  document.body.dataset.tour = `step-${i + 1}`;
  $('tour-next').focus();
}

/** Opens the tour at its first step. */
export function startTour() {
  if (!state.card || !state.stats) return;
  $('tour').hidden = false;
  go(0);
}

/** Closes the tour; the page stays as the last step left it. */
export function closeTour() {
  if ($('tour').hidden) return;
  $('tour').hidden = true;
  tour.step = -1;
  highlight(null);
  document.body.dataset.tour = 'off';
  $('tour-start').focus();
}

/** Enables the tour once the model and the test-set examples it uses are loaded. */
export function tourReady() {
  $('tour-start').disabled = !(state.card && state.stats);
}

/** Wires the tour's buttons and the Escape key. */
export function initTour() {
  $('tour-start').addEventListener('click', startTour);
  $('tour-next').addEventListener('click', () => (tour.step === STEPS.length - 1 ? closeTour() : go(tour.step + 1)));
  $('tour-back').addEventListener('click', () => go(tour.step - 1));
  $('tour-close').addEventListener('click', closeTour);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !$('tour').hidden) closeTour();
  });
}
