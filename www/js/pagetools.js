// The page tools under the title: reset all, print a handout (the tour has its own module).

import { $ } from './state.js';
import { resetThresholds } from './thresholds.js';
import { unpin } from './compare.js';
import { resetClasses } from './classes.js';
import { closeTour } from './tour.js';
import { summaryLines } from './summary.js';

/**
 * Writes the handout's summary (printed first, hidden on screen) from the card and stats.json.
 * @param {object} card
 * @param {object|null} stats
 */
export function showSummary(card, stats) {
  $('print-summary-body').replaceChildren(...summaryLines(card, stats).map((line) => {
    const p = document.createElement('p');
    p.textContent = line;
    return p;
  }));
}

/**
 * Back to what the page showed when it loaded, except the shown image (which re-runs at the
 * model's thresholds) and the backend the visitor chose: the tour closed, the model's own
 * thresholds, nothing pinned, no class selected, examples by cost, no benchmark result.
 */
export function resetAll() {
  closeTour();
  resetThresholds();
  unpin();
  resetClasses();
  $('bench-result').textContent = '';
  $('bench-note').textContent = '';
}

/** Wires the reset and print buttons; reset is enabled once the model is ready. */
export function initPageTools() {
  $('reset-all').addEventListener('click', resetAll);
  $('print-page').addEventListener('click', () => window.print());
  $('present').addEventListener('click', () => setPresenting(!document.documentElement.classList.contains('presenting')));
}

/**
 * Presentation mode, for a projector: larger type and only the key views (image, prediction,
 * the gates' decisions, the curve, how dynamic it is).
 * @param {boolean} on
 */
export function setPresenting(on) {
  document.documentElement.classList.toggle('presenting', on);
  $('present').setAttribute('aria-pressed', String(on));
}
