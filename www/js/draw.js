// View data -> DOM. The drawing is split in two: pure functions that build a small tree of
// plain objects ({tag, attrs, children}) from view data, testable without a browser, and
// `render`, which turns such a tree into DOM elements.
//
// The visualizer: the three stages of the ResNet in order; one tile per residual block
// (`data-block`, ran or skipped, with its L-gate bar and the threshold tick); in every block that
// ran, a strip with one cell per inner channel (`data-channel`, `data-kept`), coloured by C-gate
// when computed and hatched when skipped.

import { LAYOUT } from './theme.js';

/**
 * A tree node.
 * @param {string} tag
 * @param {Record<string, string|number|boolean|null|undefined>} [attrs] null/undefined/false
 *   attributes are left out
 * @param {Array<object|string|null|false|undefined>|object|string} [children]
 * @returns {{tag: string, attrs: Record<string, string>, children: Array<object|string>}}
 */
export function h(tag, attrs = {}, children = []) {
  const clean = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    clean[k] = v === true ? '' : String(v);
  }
  const list = (Array.isArray(children) ? children : [children])
    .flat(Infinity)
    .filter((c) => c !== null && c !== undefined && c !== false)
    .map((c) => (typeof c === 'number' ? String(c) : c));
  return { tag, attrs: clean, children: list };
}

/** The SVG namespace, for elements and standalone files. */
export const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * DOM elements from a tree.
 * @param {object|string} node
 * @param {Document} doc
 * @param {boolean} [svg] inside an <svg> element
 * @returns {Node}
 */
export function render(node, doc, svg = false) {
  if (typeof node === 'string') return doc.createTextNode(node);
  // An <svg> and everything inside it live in the SVG namespace.
  const inSvg = svg || node.tag === 'svg';
  const el = inSvg ? doc.createElementNS(SVG_NS, node.tag) : doc.createElement(node.tag);
  for (const [k, v] of Object.entries(node.attrs)) el.setAttribute(k, v);
  for (const c of node.children) el.appendChild(render(c, doc, inSvg));
  return el;
}

/**
 * Replaces the children of `container` with the rendered tree.
 * @param {Element} container
 * @param {object} node
 */
export function mount(container, node) {
  container.replaceChildren(render(node, container.ownerDocument));
}

/**
 * Visits every node of a tree (depth first), for tests and lookups.
 * @param {object|string} node
 * @param {(n: object) => void} fn called on element nodes
 */
export function walk(node, fn) {
  if (typeof node === 'string') return;
  fn(node);
  for (const c of node.children) walk(c, fn);
}

/**
 * One block tile.
 * @param {object} b block view data (`view.js::blockView`)
 * @param {number} tauLPct the L-gate threshold in percent, for the tick on the gate bar
 * @returns {object} tree
 */
export function blockTree(b, tauLPct) {
  const strip = b.ran
    ? h('div', { class: 'channels', style: `--rows:${b.rows}`, 'aria-hidden': 'true' },
      b.channels.map((c) => h('span', {
        class: c.kept ? 'ch' : 'ch ch-skipped',
        'data-channel': c.index,
        'data-kept': c.kept ? 'true' : 'false',
        style: c.kept ? `--fill:${c.fill}` : null,
        title: c.label,
      })))
    : h('div', { class: 'channels channels-none', style: `--rows:${b.rows}`, 'aria-hidden': 'true' },
      h('span', { class: 'skip-note' }, 'skipped'));
  return h('div', {
    class: b.empty ? 'block block-ran block-empty' : b.ran ? 'block block-ran' : 'block block-skipped',
    role: 'listitem',
    tabindex: 0,
    'data-block': b.index,
    'data-ran': b.ran ? 'true' : 'false',
    'data-empty': b.empty ? 'true' : 'false',
    'data-kept-count': b.keptCount,
    'aria-label': b.ariaLabel,
  }, [
    h('div', { class: 'block-head', 'aria-hidden': 'true' }, [
      h('span', { class: 'block-name' }, `B${b.index + 1}`),
      h('span', { class: 'block-state' }, b.empty ? '○ no channel' : b.ran ? '✓ ran' : '⤼ skip'),
    ]),
    h('div', { class: 'lgate', 'aria-hidden': 'true', title: `L-gate ${b.lGateText}` }, [
      h('span', { class: 'lgate-fill', style: `width:${b.lGatePct}%` }),
      h('span', { class: 'lgate-tau', style: `left:${tauLPct}%` }),
    ]),
    strip,
    h('div', { class: 'block-foot', 'aria-hidden': 'true' }, [
      h('span', {}, `L ${b.lGateText}`),
      h('span', {}, `${b.keptText} ch`),
    ]),
  ]);
}

/**
 * The whole visualizer: one row per stage.
 * @param {object} view `view.js::buildView`
 * @returns {object} tree
 */
export function visualizerTree(view) {
  return h('div', { class: 'viz-stages', 'data-blocks': view.blockCount }, view.stages.map((s) =>
    h('section', { class: 'stage', 'data-stage': s.index, 'aria-label': `${s.title}: ${s.summary}` }, [
      h('header', { class: 'stage-head' }, [
        h('h3', {}, s.title),
        h('span', { class: 'stage-sub' }, s.subtitle),
        h('span', { class: 'stage-sum' }, s.summary),
      ]),
      h('div', { class: 'stage-blocks', role: 'list' }, s.blocks.map((b) => blockTree(b, view.tauLPct))),
    ])));
}

/**
 * The details of one block, for the tooltip shown on hover and keyboard focus.
 * @param {object} b block view data
 * @returns {object} tree
 */
export function tooltipTree(b) {
  return h('div', { class: 'tip-body' }, [
    h('strong', {}, b.title),
    h('dl', {}, b.details.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
  ]);
}

/**
 * Top-5 classes as labelled bars.
 * @param {Array<{label: string, pct: number, text: string, top: boolean}>} top5
 * @returns {object} tree
 */
export function top5Tree(top5) {
  return h('ol', { class: 'top5' }, top5.map((c) =>
    h('li', { class: c.top ? 'top5-row top5-first' : 'top5-row', 'data-label': c.label }, [
      h('span', { class: 'top5-label' }, c.label),
      h('span', { class: 'top5-track', 'aria-hidden': 'true' },
        h('span', { class: 'top5-fill', style: `width:${c.pct}%` })),
      h('span', { class: 'top5-value' }, c.text),
    ])));
}

/**
 * The legend of the visualizer.
 * @param {{tauL: number, tauC: number}} th thresholds of the shown pass
 * @returns {object} tree
 */
export function legendTree(th) {
  const item = (swatch, text) => h('li', {}, [swatch, h('span', {}, text)]);
  return h('ul', { class: 'legend' }, [
    item(h('span', { class: 'sw sw-block-ran', 'aria-hidden': 'true' }), 'block ran'),
    item(h('span', { class: 'sw sw-block-empty', 'aria-hidden': 'true' }), 'block ran with no channel (shortcut and a bias only)'),
    item(h('span', { class: 'sw sw-block-skipped', 'aria-hidden': 'true' }), 'block skipped (L-gate ≤ τL)'),
    item(h('span', { class: 'sw sw-lgate', 'aria-hidden': 'true' }, h('span', { class: 'lgate-tau', style: 'left:30%' })),
      `L-gate bar, tick at τL = ${th.tauL.toFixed(2)}`),
    item(h('span', { class: 'sw sw-ramp', 'aria-hidden': 'true' }), 'channel computed, C-gate 0 → 1'),
    item(h('span', { class: 'sw ch ch-skipped', 'aria-hidden': 'true' }), `channel skipped (C-gate ≤ τC = ${th.tauC.toFixed(2)})`),
  ]);
}

/**
 * The gallery's kinds (gallery.json's `kind`): a short name for labels and a group heading.
 * "Cheap" and "costly" are for the model (the compute it spent), not for a person; another kind
 * is shown as is.
 */
const KINDS = {
  easy: ['cheap for the model', 'Cheap for the model: right, at the lowest cost in its class'],
  hard: ['costly for the model', 'Costly for the model: right, at the highest cost in its class'],
  misclassified: ['misclassified', 'Misclassified by the trained model'],
};

/**
 * The example gallery: one group per kind (in order of first appearance; no kind is `other`),
 * each a list of thumbnail buttons (`.thumb`, `data-file`, `data-label`, `aria-pressed`).
 * @param {Array<{file: string, label: string, kind?: string, source?: string}>} entries gallery.json
 * @returns {object[]} one tree per group
 */
export function galleryTree(entries) {
  const kinds = [...new Set(entries.map((e) => e.kind || 'other'))];
  return kinds.map((k) => {
    const [short, heading] = KINDS[k] || [k, k];
    return h('div', { class: 'gallery-group' }, [
      h('h4', {}, heading),
      h('ul', { class: 'gallery-list' }, entries.filter((e) => (e.kind || 'other') === k).map((e) =>
        h('li', {}, h('button', {
          type: 'button',
          class: 'thumb',
          'data-file': e.file,
          'data-label': e.label,
          'aria-pressed': 'false',
          'aria-label': `${e.label} (${short})`,
          title: `${e.label} · ${short}${e.source ? ` · ${e.source}` : ''}`,
        }, [
          h('img', { src: `gallery/${encodeURIComponent(e.file)}`, alt: '', width: LAYOUT.galleryThumb, height: LAYOUT.galleryThumb }),
        ])))),
    ]);
  });
}
