// The page tools under the title: reset all, print a handout (the tour has its own module).

import { $ } from './state.js';
import { resetThresholds } from './thresholds.js';
import { unpin } from './compare.js';
import { resetClasses } from './classes.js';
import { closeTour } from './tour.js';

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
}
