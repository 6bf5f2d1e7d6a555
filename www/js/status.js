// The status line and the `role="alert"` error area, which every view reports to.

import { $, state } from './state.js';

/**
 * Replaces the status line's text.
 * @param {string} text
 */
export function setStatus(text) {
  $('status-text').textContent = text;
}

/**
 * Shows an error in the alert area; `data-count` counts them so tests can wait for the next one.
 * @param {string} text
 */
export function showError(text) {
  const el = $('error');
  el.textContent = text;
  el.hidden = false;
  state.errors += 1;
  el.dataset.count = String(state.errors);
}

/** Hides the alert area (a new image was shown). */
export function clearError() {
  const el = $('error');
  el.hidden = true;
  el.textContent = '';
}

/**
 * The model cannot be used at all: marks the page failed and says why.
 * @param {string} text
 */
export function fatal(text) {
  document.body.dataset.state = 'failed';
  $('status-text').textContent = 'The model is not available.';
  $('load-progress').hidden = true;
  showError(text);
}
