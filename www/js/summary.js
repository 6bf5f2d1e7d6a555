// The handout's opening summary: the model, its cost and accuracy against the full network and
// the smaller static ones, and how dynamic it is, in sentences built from the project's
// measurements (the card and stats.json). Pure functions, no DOM.

import { claimText, formatWhole, modelSummary } from './view.js';
import { curveView } from './teach.js';
import { dynamicsSentences } from './dynamics.js';

/**
 * @param {object} card the model card
 * @param {object|null} stats stats.json (null when the page has none)
 * @returns {string[]} one paragraph each
 */
export function summaryLines(card, stats) {
  const lines = [modelSummary(card)];
  const claim = claimText(card);
  if (claim) lines.push(claim);
  const cv = curveView(card, card.config.tau_l, card.config.tau_c);
  if (cv && card.config.gated) lines.push(cv.frontierText);
  if (stats && stats.dynamics) {
    lines.push(`How dynamic it is, over the ${formatWhole(stats.images)} test images at the model’s thresholds: ` +
      dynamicsSentences(stats.dynamics, stats.static_macs).join(' '));
  }
  return lines;
}
