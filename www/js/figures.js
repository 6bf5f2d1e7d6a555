// Figures to take away: the page's views redrawn as standalone SVG, for a teacher's slides or
// handout. Pure functions like teach.js and draw.js: view data in, a tree ({tag, attrs, children})
// out, and `toSvgString` to write it as a file. export.js turns them into downloads.
//
// A downloaded file has no page CSS, so every element carries its presentation attributes (fill,
// stroke, font) from theme.js. The figures draw the same view data as the page (teach.js's
// `heatmapView` and `curveView`, view.js's `buildView`) and say what the page says: their legend
// and caption texts are read from the page's own trees, not written again here. As on the page,
// skipped blocks and channels are hatched and labelled, never marked by colour alone.

import { h, walk, legendTree, SVG_NS } from './draw.js';
import { heatmapView, heatmapTree, curveLegendTree } from './teach.js';
import { COLORS, SERIES, LAYOUT, VIRIDIS, FIGURE } from './theme.js';
import { formatWhole } from './view.js';

export { SVG_NS };

const { type: TYPE, margin: MARGIN, line: LINE, heat: HEAT } = FIGURE;

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

function escapeXml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function toXml(node) {
  if (typeof node === 'string') return escapeXml(node);
  const attrs = Object.entries(node.attrs).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
  if (!node.children.length) return `<${node.tag}${attrs}/>`;
  return `<${node.tag}${attrs}>${node.children.map(toXml).join('')}</${node.tag}>`;
}

/**
 * A standalone SVG document: XML declaration, the SVG namespace on the root, escaped text and
 * attribute values.
 * @param {object} tree an <svg> tree
 * @returns {string}
 */
export function toSvgString(tree) {
  const root = { ...tree, attrs: { xmlns: SVG_NS, ...tree.attrs } };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${toXml(root)}\n`;
}

// ---- helpers ------------------------------------------------------------------------------------

/** Rounds a coordinate to 0.1 so the files stay small. */
const r1 = (v) => Math.round(v * 10) / 10;

/** Estimated width of a line of text: boxes are sized by it, so it errs on the wide side. */
const textWidth = (s, size) => s.length * size * TYPE.advance;

/** All text inside a tree, joined. */
function textOf(node) {
  if (typeof node === 'string') return node;
  return node.children.map(textOf).join('');
}

/** The first node of a tree that satisfies `pred`. */
function first(tree, pred) {
  let found = null;
  walk(tree, (n) => {
    if (!found && pred(n)) found = n;
  });
  return found;
}

/** A page legend's items (`legendTree`, `curveLegendTree`): the swatch's classes and the text. */
function legendItems(list) {
  return list.children.map((li) => ({
    kinds: (li.children[0].attrs.class || '').split(' '),
    text: textOf(li.children[li.children.length - 1]),
  }));
}

/**
 * The SVG swatch of a legend item: drawn by the first of its swatch classes that `drawers` has,
 * so the figure follows the page's legend; an item of a kind not drawn here keeps its text.
 */
function swatch(drawers, item, x, y) {
  const kind = item.kinds.find((k) => k in drawers);
  return kind ? h('g', { class: 'swatch' }, drawers[kind](x, y, item)) : null;
}

function text(x, y, content, { size = TYPE.body, fill = COLORS.text, anchor = null, weight = null } = {}) {
  return h('text', {
    x: r1(x), y: r1(y), fill, 'font-size': size, 'text-anchor': anchor, 'font-weight': weight,
  }, content);
}

/**
 * The root of a figure: size, font, white background, a <title>, and shared <defs>.
 * @returns {object} tree
 */
function figure(width, height, title, defs, body) {
  const w = Math.ceil(width);
  const ht = Math.ceil(height);
  return h('svg', {
    width: w,
    height: ht,
    viewBox: `0 0 ${w} ${ht}`,
    'font-family': TYPE.family,
    'font-size': TYPE.body,
    role: 'img',
  }, [
    h('title', {}, title),
    defs.length ? h('defs', {}, defs) : null,
    h('rect', { x: 0, y: 0, width: w, height: ht, fill: COLORS.surface }),
    body,
  ]);
}

/** The page's hatching of skipped blocks (style.css `.block-skipped`), as an SVG pattern. */
const HATCH_ID = 'lcnet-hatch';
function hatchPattern() {
  return h('pattern', {
    id: HATCH_ID, width: 5, height: 5, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)',
  }, [
    h('rect', { width: 5, height: 5, fill: COLORS.blockSkippedSurface }),
    h('line', { x1: 0, y1: 0, x2: 0, y2: 5, stroke: COLORS.hatch, 'stroke-width': 1.2 }),
  ]);
}

/** The viridis ramp of the gates and shares, light (0) to dark (1). */
const RAMP_ID = 'lcnet-ramp';
function rampGradient() {
  return h('linearGradient', { id: RAMP_ID, x1: 0, x2: 1, y1: 0, y2: 0 },
    VIRIDIS.map((c, i) => h('stop', { offset: `${r1((i / (VIRIDIS.length - 1)) * 100)}%`, 'stop-color': c })));
}

/** A skipped channel as on the page: white, outlined, struck through by a diagonal. */
function skippedChannel(x, y, size, attrs = {}) {
  return h('g', attrs, [
    h('rect', { x: r1(x), y: r1(y), width: size, height: size, rx: 2, fill: COLORS.channelSkipped, stroke: COLORS.hatch, 'stroke-width': 1 }),
    h('line', { class: 'skip-mark', x1: r1(x), y1: r1(y + size), x2: r1(x + size), y2: r1(y), stroke: COLORS.hatch, 'stroke-width': 1.4 }),
  ]);
}

// ---- per-class heatmaps -------------------------------------------------------------------------

/**
 * The two per-class heatmaps of `lcnet stats` (how often each block runs; mean share of its
 * channels computed), one above the other, with the colour scale.
 * @param {object} stats stats.json (`state.stats`)
 * @returns {object} an <svg> tree; one `rect.hm-cell` per class and block in each heatmap
 */
export function heatmapsFigure(stats) {
  const views = ['run', 'kept'].map((m) => heatmapView(stats, m));
  // The page's tables, for their wording: the captions (with the scale note) and the corner.
  const tables = views.map((hv) => heatmapTree(hv, null));
  const captions = tables.map((tb) => textOf(first(tb, (n) => n.tag === 'caption')));
  const corner = textOf(first(tables[0], (n) => n.attrs.class === 'hm-corner'));
  const labelW = Math.max(textWidth(corner, TYPE.small), ...views[0].rows.map((r) => textWidth(r.label, TYPE.body))) + 6;
  // Column x positions, with the page's gap where a stage starts.
  const xs = [];
  let x = MARGIN + labelW;
  for (const [j, c] of views[0].columns.entries()) {
    if (j > 0 && views[0].columns[j - 1].stage !== c.stage) x += HEAT.stageGap;
    xs.push(x);
    x += HEAT.cell + HEAT.gap;
  }
  const title = `${stats.model}: what each block does, per class`;
  const sub = `${formatWhole(stats.images)} test images at τL ${stats.tau_l.toFixed(2)}, τC ${stats.tau_c.toFixed(2)}`;
  const width = Math.max(x, ...captions.map((c) => MARGIN + textWidth(c, TYPE.heading)),
    MARGIN + textWidth(title, TYPE.title), MARGIN + textWidth(sub, TYPE.body)) + MARGIN;

  let y = MARGIN + TYPE.title;
  const body = [
    text(MARGIN, y, title, { size: TYPE.title, weight: 700 }),
    text(MARGIN, y + TYPE.body * LINE, sub, { fill: COLORS.muted }),
  ];
  y += TYPE.body * LINE + MARGIN;
  for (const [i, hv] of views.entries()) {
    const rows = [];
    y += TYPE.heading;
    rows.push(text(MARGIN, y, captions[i], { size: TYPE.heading, weight: 600 }));
    y += TYPE.heading * 0.6 + TYPE.small;
    rows.push(text(MARGIN + labelW - 6, y, corner, { size: TYPE.small, fill: COLORS.muted, anchor: 'end' }));
    hv.columns.forEach((c, j) => rows.push(text(xs[j] + HEAT.cell / 2, y, c.label, { size: TYPE.small, fill: COLORS.muted, anchor: 'middle' })));
    y += 4;
    for (const r of hv.rows) {
      rows.push(text(MARGIN + labelW - 6, y + HEAT.height - 3, r.label, { fill: COLORS.muted, anchor: 'end' }));
      r.cells.forEach((c, j) => rows.push(h('rect', {
        class: 'hm-cell',
        x: r1(xs[j]),
        y: r1(y),
        width: HEAT.cell,
        height: HEAT.height,
        rx: 2,
        fill: c.fill,
        'data-class': r.class,
        'data-block': c.block,
      }, h('title', {}, c.text))));
      y += HEAT.height + HEAT.gap;
    }
    body.push(h('g', { class: 'heatmap', 'data-metric': hv.metric }, rows));
    y += MARGIN;
  }
  // The colour scale: 0% light, 100% dark, as the captions say.
  const barW = 160;
  const zero = '0%';
  const barX = MARGIN + textWidth(zero, TYPE.small) + 6;
  body.push(h('g', { class: 'scale' }, [
    text(MARGIN, y + 9, zero, { size: TYPE.small, fill: COLORS.muted }),
    h('rect', { x: r1(barX), y: r1(y), width: barW, height: 12, fill: `url(#${RAMP_ID})`, stroke: COLORS.border }),
    text(barX + barW + 6, y + 9, '100%', { size: TYPE.small, fill: COLORS.muted }),
  ]));
  y += 12 + MARGIN;
  return figure(width, y, `${title} (${sub})`, [rampGradient()], body);
}

// ---- gate visualizer ----------------------------------------------------------------------------

const L = LAYOUT;
const STRIP_W = L.channelColumns * L.channelCell + (L.channelColumns - 1) * L.channelGap;
const TILE_W = STRIP_W + 2 * L.blockPadding;
const HEAD_H = TYPE.body * 1.3;
const BAR_H = 3 + L.gateBar + 5;

const stripHeight = (rows) => rows * L.channelCell + (rows - 1) * L.channelGap;
const tileHeight = (rows) => 2 * L.blockPadding + HEAD_H + BAR_H + stripHeight(rows) + 4 + HEAD_H;

/** One block tile (draw.js `blockTree`) at (x, y), `rows` channel rows high. */
function blockFigure(b, tauLPct, x, y, rows) {
  const p = L.blockPadding;
  const ink = b.ran ? COLORS.text : COLORS.muted;
  const barY = y + p + HEAD_H + 3;
  const stripY = barY + L.gateBar + 5;
  const cell = L.channelCell;
  const strip = b.ran
    ? b.channels.map((c) => {
      const cx = x + p + (c.index % L.channelColumns) * (cell + L.channelGap);
      const cy = stripY + Math.floor(c.index / L.channelColumns) * (cell + L.channelGap);
      const attrs = { class: c.kept ? 'ch' : 'ch ch-skipped', 'data-channel': c.index, 'data-kept': String(c.kept) };
      return c.kept
        ? h('rect', { ...attrs, x: r1(cx), y: r1(cy), width: cell, height: cell, rx: 2, fill: c.fill })
        : skippedChannel(cx, cy, cell, attrs);
    })
    : [
      h('rect', { x: r1(x + p), y: r1(stripY), width: STRIP_W, height: stripHeight(rows), rx: 3, fill: `url(#${HATCH_ID})` }),
      text(x + TILE_W / 2, stripY + stripHeight(rows) / 2 + TYPE.body / 3, 'skipped', {
        anchor: 'middle', fill: COLORS.muted, weight: 600,
      }),
    ];
  const tileH = tileHeight(rows);
  return h('g', { class: b.empty ? 'block block-ran block-empty' : b.ran ? 'block block-ran' : 'block block-skipped', 'data-block': b.index, 'data-ran': String(b.ran) }, [
    h('title', {}, b.ariaLabel),
    h('rect', {
      x: r1(x + 1), y: r1(y + 1), width: TILE_W - 2, height: r1(tileH - 2), rx: 6,
      fill: b.ran && !b.empty ? COLORS.blockRanSurface : COLORS.blockSkippedSurface,
      stroke: b.ran ? COLORS.blockRan : COLORS.blockSkipped,
      'stroke-width': 2,
      'stroke-dasharray': b.empty ? '2 2' : b.ran ? null : '5 3',
    }),
    text(x + p, y + p + TYPE.body, `B${b.index + 1}`, { weight: 700, fill: ink }),
    text(x + TILE_W - p, y + p + TYPE.body, b.state, { anchor: 'end', fill: b.ran ? COLORS.blockRan : COLORS.muted }),
    h('rect', { x: r1(x + p), y: r1(barY), width: STRIP_W, height: L.gateBar, rx: 2, fill: COLORS.barTrack }),
    h('rect', { x: r1(x + p), y: r1(barY), width: r1((STRIP_W * b.lGatePct) / 100), height: L.gateBar, rx: 2, fill: COLORS.lGate }),
    h('line', {
      x1: r1(x + p + (STRIP_W * tauLPct) / 100), x2: r1(x + p + (STRIP_W * tauLPct) / 100),
      y1: r1(barY - 2), y2: r1(barY + L.gateBar + 2), stroke: COLORS.threshold, 'stroke-width': 2,
    }),
    strip,
    text(x + p, y + tileH - p - 2, `L ${b.lGateText}`, { fill: ink }),
    text(x + TILE_W - p, y + tileH - p - 2, `${b.keptText} ch`, { anchor: 'end', fill: ink }),
  ]);
}

/** The visualizer's legend (draw.js `legendTree`): its texts, each with an SVG swatch. */
function visualizerLegend(view, x, y) {
  const items = legendItems(legendTree(view));
  const sw = { w: 24, h: 12 };
  const drawers = {
    'sw-block-ran': (sx, sy) => h('rect', {
      x: sx, y: sy, width: sw.w, height: sw.h, rx: 3, fill: COLORS.blockRanSurface, stroke: COLORS.blockRan, 'stroke-width': 2,
    }),
    'sw-block-empty': (sx, sy) => h('rect', {
      x: sx, y: sy, width: sw.w, height: sw.h, rx: 3, fill: COLORS.blockSkippedSurface, stroke: COLORS.blockRan, 'stroke-width': 2, 'stroke-dasharray': '2 2',
    }),
    'sw-block-skipped': (sx, sy) => h('rect', {
      x: sx, y: sy, width: sw.w, height: sw.h, rx: 3, fill: `url(#${HATCH_ID})`, stroke: COLORS.blockSkipped, 'stroke-width': 2, 'stroke-dasharray': '4 2',
    }),
    'sw-lgate': (sx, sy) => [
      h('rect', { x: sx, y: sy + 3, width: sw.w, height: L.gateBar, fill: COLORS.barTrack }),
      h('rect', { x: sx, y: sy + 3, width: sw.w * 0.7, height: L.gateBar, fill: COLORS.lGate }),
      h('line', { x1: sx + sw.w * 0.3, x2: sx + sw.w * 0.3, y1: sy + 1, y2: sy + 3 + L.gateBar + 2, stroke: COLORS.threshold, 'stroke-width': 2 }),
    ],
    'sw-ramp': (sx, sy) => h('rect', { x: sx, y: sy, width: sw.w * 2, height: sw.h, fill: `url(#${RAMP_ID})` }),
    'ch-skipped': (sx, sy) => skippedChannel(sx, sy + 1, L.channelCell),
  };
  const step = TYPE.body * LINE + 4;
  const tree = h('g', { class: 'legend' }, items.map((it, i) => h('g', { class: 'legend-item' }, [
    swatch(drawers, it, x, y + i * step),
    text(x + sw.w * 2 + 8, y + i * step + TYPE.body - 1, it.text, { fill: COLORS.muted }),
  ])));
  const width = sw.w * 2 + 8 + Math.max(...items.map((it) => textWidth(it.text, TYPE.body)));
  return { tree, width, height: items.length * step };
}

/**
 * The gate visualizer of one classification: a row of block tiles per stage, each with its L-gate
 * bar and threshold tick and, when it ran, one cell per inner channel (C-gate colour when
 * computed, struck-through white when skipped); skipped blocks are dashed, hatched and say so.
 * @param {ReturnType<import('./view.js').buildView>} view `state.view`
 * @returns {object} an <svg> tree; one `.ch` per channel of each block that ran (`.ch-skipped`
 *   for the skipped ones)
 */
export function visualizerFigure(view) {
  const title = `LC-Net: ${view.prediction.label} (${view.prediction.probText})`;
  const sub = `${view.cost.text} · ${view.blocksText} · ${view.channelsText} · τL ${view.tauL.toFixed(2)}, τC ${view.tauC.toFixed(2)}`;
  let y = MARGIN + TYPE.title;
  const body = [
    text(MARGIN, y, title, { size: TYPE.title, weight: 700 }),
    text(MARGIN, y + TYPE.body * LINE, sub, { fill: COLORS.muted }),
  ];
  y += TYPE.body * LINE + MARGIN;
  let right = 0;
  for (const s of view.stages) {
    y += TYPE.heading;
    const head = `${s.subtitle} · ${s.summary}`;
    body.push(text(MARGIN, y, s.title, { size: TYPE.heading, weight: 700 }));
    body.push(text(MARGIN + textWidth(s.title, TYPE.heading) + 8, y, head, { fill: COLORS.muted }));
    right = Math.max(right, MARGIN + textWidth(s.title, TYPE.heading) + 8 + textWidth(head, TYPE.body));
    y += 6;
    // All tiles of a stage as high as its tallest strip, as on the page.
    const rows = Math.max(...s.blocks.map((b) => b.rows));
    s.blocks.forEach((b, i) => body.push(blockFigure(b, view.tauLPct, MARGIN + i * (TILE_W + L.blockGap), y, rows)));
    right = Math.max(right, MARGIN + s.blocks.length * (TILE_W + L.blockGap) - L.blockGap);
    y += tileHeight(rows) + L.stageGap;
  }
  y += MARGIN - L.stageGap;
  const legend = visualizerLegend(view, MARGIN, y);
  body.push(legend.tree);
  y += legend.height + MARGIN;
  const width = Math.max(right, MARGIN + legend.width, MARGIN + textWidth(title, TYPE.title), MARGIN + textWidth(sub, TYPE.body)) + MARGIN;
  return figure(width, y, `${title}: ${sub}`, [hatchPattern(), rampGradient()], body);
}

// ---- accuracy / cost curve ----------------------------------------------------------------------

/**
 * The curve's legend (teach.js `curveLegendTree`) as SVG, to go under the curve in the downloaded
 * file (on the page it is HTML beside the plot).
 * @param {ReturnType<import('./teach.js').curveView>} cv
 * @param {number} width the plot's width; items wrap to fit it
 * @returns {{tree: object, height: number}} a <g> drawn from y = 0 down, and its height
 */
export function curveLegendFigure(cv, width) {
  const items = legendItems(curveLegendTree(cv));
  const line = (x, y, color, dash = null) =>
    h('line', { x1: x, x2: x + 22, y1: y, y2: y, stroke: color, 'stroke-width': 2, 'stroke-dasharray': dash });
  const drawers = {
    'sw-line': (x, y, it) => {
      // A sweep's item is labelled with the sweep's label.
      const s = cv.series.find((q) => q.label === it.text);
      return s ? [line(x, y, s.color), h('circle', { cx: x + 11, cy: y, r: 3.5, fill: COLORS.surface, stroke: s.color, 'stroke-width': 2 })] : null;
    },
    'sw-static': (x, y) => line(x, y, COLORS.muted, '5 4'),
    'sw-frontier': (x, y) => [line(x, y, COLORS.text), h('rect', { x: x + 7, y: y - 4, width: 8, height: 8, fill: COLORS.surface, stroke: COLORS.text, 'stroke-width': 2 })],
    'sw-measured': (x, y) => h('path', { d: `M${x + 11} ${y - 6}l6 6l-6 6l-6 -6z`, fill: SERIES.measured, stroke: COLORS.surface, 'stroke-width': 1.5 }),
    'sw-marker': (x, y) => h('circle', { cx: x + 11, cy: y, r: 6, fill: 'none', stroke: SERIES.marker, 'stroke-width': 3 }),
  };
  const step = TYPE.body * LINE + 6;
  const drawn = [];
  let x = MARGIN;
  let y = step / 2 + 4;
  for (const it of items) {
    const w = 22 + 6 + textWidth(it.text, TYPE.body);
    if (x > MARGIN && x + w > width - MARGIN) {
      x = MARGIN;
      y += step;
    }
    drawn.push(h('g', { class: 'legend-item' }, [swatch(drawers, it, x, y), text(x + 28, y + TYPE.body / 3, it.text, { fill: COLORS.muted })]));
    x += w + 16;
  }
  return { tree: h('g', { class: 'curve-legend' }, drawn), height: y + step / 2 + 4 };
}
