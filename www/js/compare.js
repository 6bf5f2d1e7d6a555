// "Compare two images": A is pinned, B is always the shown image; both run at the sliders'
// thresholds. The cheapest-vs-costliest button lives in classes.js, next to the examples it picks.

import * as D from './draw.js';
import * as T from './teach.js';
import { $, state } from './state.js';
import { showError } from './status.js';
import { classifyRgb } from './worker-client.js';
import { subscribe } from './shown.js';

/** A: {name, url, ownUrl, rgb, trace}; `empty`: what the view shows with nothing pinned. */
const compare = { a: null, empty: [] };
let compareQueue = Promise.resolve();

/** Draws A against the shown image, once both exist. */
function renderCompare() {
  if (!compare.a || !state.output || !state.shown) return;
  const cv = T.compareView(compare.a, { name: state.shown.name, trace: state.output.trace });
  D.mount($('compare'), T.compareTree(cv, { a: compare.a.url, b: state.shown.url }));
  // A handout prints the card only with a comparison in it.
  $('compare-card').dataset.pair = 'shown';
}

/** The thresholds moved: A runs again (B is the shown image, which `rerun` handles). */
export function rerunCompare() {
  if (!compare.a) return;
  const a = compare.a;
  compareQueue = compareQueue.then(async () => {
    if (compare.a !== a) return;
    try {
      const out = await classifyRgb(a.rgb, state.tauL, state.tauC);
      if (compare.a === a) {
        a.trace = out.trace;
        renderCompare();
      }
    } catch (e) {
      showError(`Could not re-run the pinned image: ${e.message}`);
    }
  });
}

/**
 * Pins `a` as A and draws the comparison; frees the old A's object URL unless still in use.
 * @param {{name: string, url: string, ownUrl: boolean, rgb: ArrayLike<number>, trace: object}} a
 */
export function setCompareA(a) {
  const old = compare.a;
  if (old && old.ownUrl && old.url !== a.url && old.url !== state.shown?.url) URL.revokeObjectURL(old.url);
  compare.a = a;
  $('compare-unpin').disabled = false;
  renderCompare();
}

/** Pins the shown image as A. */
export function pinShown() {
  if (!state.shown || !state.output) return;
  $('compare-pair-note').textContent = '';
  // An uploaded image's object URL now belongs to A: it must outlive the shown image.
  const own = state.shown.ownUrl;
  state.shown.ownUrl = false;
  setCompareA({
    name: state.shown.name,
    url: state.shown.url,
    ownUrl: own,
    rgb: state.shown.prepared.rgb,
    trace: state.output.trace,
  });
}

/** Unpins A: the compare view goes back to its empty state. */
export function unpin() {
  const old = compare.a;
  if (old && old.ownUrl && old.url !== state.shown?.url) URL.revokeObjectURL(old.url);
  compare.a = null;
  delete $('compare-card').dataset.pair;
  $('compare-unpin').disabled = true;
  $('compare-pair-note').textContent = '';
  $('compare').replaceChildren(...compare.empty.map((n) => n.cloneNode(true)));
}

/** The pinned image A as the debug hooks report it ({name, trace}), or null. */
export function compareA() {
  return compare.a && { name: compare.a.name, trace: compare.a.trace };
}

/**
 * Resolves when every compare re-run asked for so far has been drawn.
 * @returns {Promise<void>}
 */
export function compareSettled() {
  return compareQueue;
}

/** Wires the pin and unpin buttons; B follows every result of the shown image. */
export function initCompare() {
  compare.empty = Array.from($('compare').childNodes, (n) => n.cloneNode(true));
  subscribe(renderCompare);
  $('compare-pin').addEventListener('click', pinShown);
  $('compare-unpin').addEventListener('click', unpin);
}
