// "Figures to take away": the SVG and PNG buttons under the visualizer, the curve and the
// heatmaps (`[data-export]` in index.html). The heatmaps and the visualizer are redrawn as
// standalone SVG by figures.js from the page's view data; the curve is the live <svg> itself, with
// the page CSS it relies on written onto each element. PNG: that SVG drawn on a canvas at twice
// its size.

import { COLORS } from './theme.js';
import * as D from './draw.js';
import * as T from './teach.js';
import * as F from './figures.js';
import { $, state } from './state.js';
import { showError } from './status.js';

/** PNG pixels per SVG unit: sharp on slides and high-density screens. */
const PNG_SCALE = 2;
/** Object URLs of downloads live this long: revoking one at once can cancel its download. */
const REVOKE_MS = 10_000;
/** Page CSS the curve needs in a file of its own (its colours come from CSS variables). */
const INLINED = ['fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'opacity', 'font-size', 'font-family', 'font-weight', 'text-anchor'];

/** Per figure: what it is called in messages, whether it is on the page now, and its SVG. */
const FIGURES = {
  curve: {
    what: 'the accuracy/cost curve',
    ready: () => Boolean($('curve').querySelector('svg')),
    svg: curveSvg,
  },
  heatmaps: {
    what: 'the per-class heatmaps',
    ready: () => Boolean(state.stats && $('heatmaps').querySelector('table')),
    svg: () => treeSvg(F.heatmapsFigure(state.stats)),
  },
  visualizer: {
    what: 'the gate visualizer',
    ready: () => Boolean(state.view),
    svg: () => treeSvg(F.visualizerFigure(state.view)),
  },
};

/**
 * @param {object} tree a figures.js <svg> tree
 * @returns {{text: string, width: number, height: number}}
 */
function treeSvg(tree) {
  return { text: F.toSvgString(tree), width: Number(tree.attrs.width), height: Number(tree.attrs.height) };
}

/** The live curve as a standalone SVG: computed styles inlined, its legend below it. */
function curveSvg() {
  const live = $('curve').querySelector('svg');
  const clone = live.cloneNode(true);
  // cloneNode keeps the element order, so the two lists pair up.
  const from = [live, ...live.querySelectorAll('*')];
  const to = [clone, ...clone.querySelectorAll('*')];
  from.forEach((el, i) => {
    if (el.localName === 'title') return;
    const cs = getComputedStyle(el);
    for (const p of INLINED) to[i].style.setProperty(p, cs.getPropertyValue(p));
  });
  const vb = live.viewBox.baseVal;
  // The same view as the drawn curve (thresholds.js `showCurve`), for its legend.
  const legend = F.curveLegendFigure(T.curveView(state.card, state.tauL, state.tauC, state.measured), vb.width);
  const width = vb.width;
  const height = Math.ceil(vb.height + legend.height);
  const g = D.render(legend.tree, document, true);
  g.setAttribute('transform', `translate(0 ${vb.height})`);
  clone.append(g);
  const bg = D.render(D.h('rect', { x: 0, y: 0, width, height, fill: COLORS.surface }), document, true);
  const title = D.render(D.h('title', {}, live.getAttribute('aria-label')), document, true);
  clone.prepend(title, bg);
  clone.setAttribute('xmlns', F.SVG_NS);
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height));
  clone.setAttribute('viewBox', `0 0 ${width} ${height}`);
  clone.removeAttribute('class');
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(clone)}\n`;
  return { text, width, height };
}

/**
 * The SVG drawn on a white canvas at `PNG_SCALE`.
 * @param {{text: string, width: number, height: number}} svg
 * @returns {Promise<Blob>}
 */
async function toPng(svg) {
  const url = URL.createObjectURL(new Blob([svg.text], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(svg.width * PNG_SCALE);
    canvas.height = Math.round(svg.height * PNG_SCALE);
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = COLORS.surface;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await new Promise((ok, fail) => canvas.toBlob(
      (b) => (b ? ok(b) : fail(new Error('the browser could not encode the PNG'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_MS);
}

async function exportFigure(name, format) {
  const fig = FIGURES[name];
  if (!fig || !['svg', 'png'].includes(format)) return;
  try {
    if (!fig.ready()) throw new Error('it is not on the page yet');
    const svg = fig.svg();
    const blob = format === 'svg' ? new Blob([svg.text], { type: 'image/svg+xml' }) : await toPng(svg);
    download(blob, `lcnet-${name}.${format}`);
  } catch (e) {
    showError(`Could not download ${fig.what} as ${format.toUpperCase()}: ${e.message || 'the image could not be drawn'}.`);
  }
}

/** Enables each figure's buttons while that figure is on the page. */
function updateButtons() {
  for (const b of document.querySelectorAll('[data-export]')) {
    const fig = FIGURES[b.dataset.export];
    b.disabled = !(fig && fig.ready());
  }
}

/** Wires the download buttons and keeps them enabled only while their figure exists. */
export function initExport() {
  document.addEventListener('click', (e) => {
    const b = e.target.closest('[data-export]');
    if (b && !b.disabled) exportFigure(b.dataset.export, b.dataset.format);
  });
  const watch = new MutationObserver(updateButtons);
  for (const id of ['viz', 'curve', 'heatmaps']) watch.observe($(id), { childList: true });
  updateButtons();
}
