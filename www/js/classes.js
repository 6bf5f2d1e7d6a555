// What the network does per class: `stats/stats.json` (`lcnet stats` over the test set) drawn as
// heatmaps, example images and accuracy per cost bucket. The "cheapest vs costliest example"
// button of the compare card is here too, because it picks from these examples. The loaded
// stats.json is `state.stats`, for the other views.

import * as D from './draw.js';
import * as T from './teach.js';
import { $, state } from './state.js';
import { showError } from './status.js';
import { request } from './worker-client.js';

/** `selected`: the clicked cell {class, block}; `sort`: the examples' order. */
const stats = { selected: null, sort: 'cost' };

/** What these views ask of other views (see `initClasses`): main.js hands it in, so that this
 * module imports none of them. */
let others;

/**
 * Fetches stats.json, checks it against the model card and draws the per-class views.
 * @returns {Promise<void>}
 */
export async function loadStats() {
  let data;
  try {
    const res = await fetch('stats/stats.json');
    if (!res.ok) throw new Error(res.status === 404 ? 'this build has no stats/stats.json' : `HTTP ${res.status}`);
    data = await res.json();
  } catch (e) {
    statsUnavailable(`The per-class views are not available: ${e.message}.`);
    return;
  }
  const problem = T.statsProblem(data, state.card);
  if (problem) {
    statsUnavailable(`The per-class views are not shown: the shipped stats.json does not match the model (${problem}).`);
    return;
  }
  state.stats = data;
  others.showDynamics(data);
  $('classes-note').textContent = T.statsNoteText(data);
  renderHeatmaps();
  renderExamples();
  D.mount($('buckets'), T.bucketsTree(T.bucketsView(data)));
  $('compare-extremes').disabled = false;
  $('compare-typical').disabled = false;
  document.body.dataset.stats = 'ready';
}

function statsUnavailable(text) {
  others.showDynamics(null);
  $('classes-note').textContent = text;
  $('heatmaps').replaceChildren();
  document.body.dataset.stats = 'missing';
}

function renderHeatmaps() {
  const sel = stats.selected;
  const wrap = $('heatmaps');
  wrap.replaceChildren(
    D.render(T.heatmapTree(T.heatmapView(state.stats, 'run'), sel), document),
    D.render(T.heatmapTree(T.heatmapView(state.stats, 'kept'), sel), document),
  );
}

function renderExamples() {
  const sel = stats.selected;
  const items = T.examplesView(state.stats, {
    sort: stats.sort,
    classIndex: sel ? sel.class : null,
    block: sel ? sel.block : null,
  });
  D.mount($('examples'), T.examplesTree(items, 'stats/'));
  const label = sel ? state.stats.classes[sel.class].label : null;
  $('examples-title').textContent = sel ? `Examples: ${label}, block ${sel.block + 1}` : 'Examples from the test set';
  $('examples-all').hidden = !sel;
  if (sel) {
    const ran = items.filter((e) => e.blockRan).length;
    $('examples-caption').textContent = `${items.length} ${label} test images spread from the cheapest to the ` +
      `costliest; block ${sel.block + 1} ran for ${ran} of them (faded: skipped). Click one to run it.`;
  } else {
    $('examples-caption').textContent = `${items.length} test images, ${items.length / state.stats.classes.length} per class, ` +
      'spread from the cheapest to the costliest for the model. The percentage is each one’s cost against the ' +
      'static network; red frame: misclassified. Click one to run it.';
  }
}

/**
 * Shows one example of the test set as the shown image.
 * @param {object} item an entry of `teach.js::examplesView`
 * @returns {Promise<void>}
 */
export async function pickExample(item) {
  const url = `stats/${encodeURIComponent(item.file)}`;
  const blob = await others.fetchExample(url, item.file);
  if (!blob) return;
  await others.showBlob(blob, item.file, { url, truth: item.label });
}

/**
 * Shows the test-set example called `file` (a link named it).
 * @param {string} file
 * @returns {boolean} whether there is such an example
 */
export function showExampleNamed(file) {
  const item = state.stats && T.examplesView(state.stats).find((x) => x.file === file);
  if (item) pickExample(item);
  return Boolean(item);
}

/**
 * Pins one example of the test set as A and shows another as B: the extremes (the cheapest and
 * the costliest example) or a typical pair (the two examples on either side of the median cost).
 * @param {'extremes'|'typical'} kind
 */
async function comparePair(kind) {
  const items = T.examplesView(state.stats, { sort: 'cost' });
  if (items.length < 2) return;
  const mid = items.length >> 1;
  const [cheap, dear] = kind === 'typical' ? [items[mid - 1], items[mid]] : [items[0], items[items.length - 1]];
  $('compare-pair-note').textContent = kind === 'typical'
    ? `A typical pair: the two of the ${items.length} examples next to their median cost.`
    : `The extremes: the cheapest and the costliest of the ${items.length} examples; most pairs differ far less (try a typical pair).`;
  const url = `stats/${encodeURIComponent(cheap.file)}`;
  const blob = await others.fetchExample(url, cheap.file);
  if (!blob) return;
  try {
    const bytes = new Uint8Array(await blob.arrayBuffer());
    const out = await request({ cmd: 'classify', bytes, tauL: state.tauL, tauC: state.tauC }, [bytes.buffer]);
    others.pinA({ name: cheap.file, url, ownUrl: false, rgb: out.prepared.rgb, trace: out.trace });
  } catch (e) {
    showError(`Could not classify the example ${cheap.file}: ${e.message}.`);
    return;
  }
  await pickExample(dear);
}

/** Back to the default view: no class and block selected, examples by cost. */
export function resetClasses() {
  stats.selected = null;
  stats.sort = 'cost';
  $('examples-sort').value = 'cost';
  if (!state.stats) return;
  renderHeatmaps();
  renderExamples();
}

/**
 * Wires the compare card's pair buttons, the heatmap cells, the sort and the examples.
 * @param {object} views what these views ask of others: `showBlob(blob, name, extra)` shows an
 *   image file as the shown image and `fetchExample(url, file)` fetches an example (input.js's
 *   `classifyBlob` and `fetchExample`), `pinA(a)` pins an image as A (compare.js's
 *   `setCompareA`), `showDynamics(stats)` shows the test set's dynamics (dynamics-card.js's
 *   `showTestSetDynamics`)
 */
export function initClasses(views) {
  others = views;
  $('compare-extremes').addEventListener('click', () => comparePair('extremes'));
  $('compare-typical').addEventListener('click', () => comparePair('typical'));

  $('heatmaps').addEventListener('click', (e) => {
    const b = e.target.closest('.hm-cell');
    if (!b) return;
    stats.selected = { class: Number(b.dataset.class), block: Number(b.dataset.block) };
    const metric = b.closest('table').dataset.metric;
    renderHeatmaps();
    renderExamples();
    $('heatmaps').querySelector(`table[data-metric="${metric}"] .hm-selected`)?.focus();
  });

  // Arrow keys move between the cells of a heatmap (one tab stop per table).
  $('heatmaps').addEventListener('keydown', (e) => {
    const cell = e.target.closest('.hm-cell');
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    if (!cell || !moves[e.key]) return;
    const table = cell.closest('table');
    const rows = Array.from(table.querySelectorAll('tbody tr'), (tr) => Array.from(tr.querySelectorAll('.hm-cell')));
    const r = rows.findIndex((row) => row.includes(cell));
    const c = rows[r].indexOf(cell);
    const [dr, dc] = moves[e.key];
    const next = rows[Math.max(0, Math.min(rows.length - 1, r + dr))][Math.max(0, Math.min(rows[0].length - 1, c + dc))];
    cell.tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
    e.preventDefault();
  });

  $('examples-sort').addEventListener('change', (e) => {
    stats.sort = e.target.value;
    if (state.stats) renderExamples();
  });

  $('examples-all').addEventListener('click', () => {
    stats.selected = null;
    renderHeatmaps();
    renderExamples();
  });

  $('examples').addEventListener('click', (e) => {
    const b = e.target.closest('.example');
    if (!b || !state.stats) return;
    const item = T.examplesView(state.stats).find((x) => x.file === b.dataset.file);
    if (item) pickExample(item);
  });
}
