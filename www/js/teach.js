// The teaching views: data -> view data -> tree, pure functions like view.js and draw.js.
//
// - the accuracy/cost curve of the shipped model (measured by `lcnet record` on the full test set,
//   `card.results.rust.curve`), with the current thresholds marked on it;
// - two classifications compared block by block;
// - per-class heatmaps (how often each block runs, mean kept channels) and example images, and
//   accuracy per cost bucket: `lcnet stats` over the test set, shipped as `stats/stats.json`.
//
// Nothing here holds a number about the model: every value comes from those files or a trace.

import { h } from './draw.js';
import { SERIES, viridis, textOn } from './theme.js';
import { accuracyWithInterval, formatAccuracy, formatCount, formatPercent, formatMacs, formatWhole, wilson } from './view.js';

// ---- accuracy / cost curve ------------------------------------------------------------------

const SWEEPS = [
  { id: 'both', label: 'τL and τC together', color: SERIES.both },
  { id: 'tau_l', label: 'τL alone (τC = 0)', color: SERIES.tauL },
  { id: 'tau_c', label: 'τC alone (τL = 0)', color: SERIES.tauC },
];

/** Two thresholds are the same setting (the curve stores f32 values, the sliders decimals). */
const SAME = 5e-4;

function pointTitle(p) {
  return `τL ${p.tauL.toFixed(2)}, τC ${p.tauC.toFixed(2)}: ${formatAccuracy(p.y)} accuracy at ` +
    `${formatPercent(p.x)} of the static MACs`;
}

/**
 * The measured accuracy/cost curve and where the current thresholds sit on it.
 * @param {object} card the model card; its `results.rust.curve` comes from `lcnet record`
 * @param {number} tauL current L-gate threshold
 * @param {number} tauC current C-gate threshold
 * @param {Array<{accuracy: number, macs_ratio: number, tau_l: number, tau_c: number, images: number}>} [own]
 *   points measured in this browser ("measure it yourself")
 * @param {{zoom?: boolean}} [o] `zoom`: the axes span the settings at which the model is still
 *   useful (accuracy at least halfway from chance to its best; x in steps of 5%), not 0 to
 *   100%; what lies outside (the full static network at 100%, the collapse at high
 *   thresholds) is cut off, the static network's accuracy still drawn as a dashed line
 * @returns {null|{
 *   series: Array<{id: string, label: string, color: string, points: object[]}>,
 *   baseline: null|{x: number, y: number, text: string},
 *   marker: {x: number, y: number, exact: boolean, tauL: number, tauC: number, text: string},
 *   images: number, xMax: number, yMin: number, yMax: number,
 * }} null when the card has no measured curve
 */
export function curveView(card, tauL, tauC, own = [], { zoom = false } = {}) {
  const rust = card && card.results && card.results.rust;
  const raw = rust && Array.isArray(rust.curve) ? rust.curve : [];
  const point = (p) => ({
    sweep: p.sweep,
    x: p.macs_ratio,
    y: p.accuracy,
    tauL: p.tau_l,
    tauC: p.tau_c,
    images: p.images,
  });
  const all = raw.filter((p) => Number.isFinite(p.accuracy) && Number.isFinite(p.macs_ratio)).map(point);
  if (!all.length) return null;
  for (const p of all) p.title = pointTitle(p);
  const measured = own.map((m) => {
    const p = point(m);
    const correct = Number.isFinite(m.correct) ? m.correct : Math.round(m.accuracy * m.images);
    p.interval = wilson(correct, m.images);
    p.title = `Measured in this browser on ${formatWhole(p.images)} test images: ${pointTitle(p)}; ` +
      `${accuracyWithInterval(correct, m.images)}`;
    return p;
  });
  const origin = all.find((p) => Math.abs(p.tauL) < SAME && Math.abs(p.tauC) < SAME);
  const series = SWEEPS.map((s) => {
    let points = all.filter((p) => p.sweep === s.id);
    // The single-knob sweeps start where both thresholds are 0, which the joint sweep measured.
    if (origin && s.id !== 'both' && !points.includes(origin)) points = [origin, ...points];
    points.sort((a, b) => (a.tauL + a.tauC) - (b.tauL + b.tauC));
    return { ...s, points };
  }).filter((s) => s.points.length);

  let baseline = null;
  const st = rust.static_baseline && rust.static_baseline.result;
  if (st && Number.isFinite(st.accuracy)) {
    baseline = { x: 1, y: st.accuracy, text: `static ResNet (trained separately): ${formatAccuracy(st.accuracy)} at 100% of the MACs` };
  }

  const frontier = frontierPoints(rust, baseline, card.config && card.config.depth);

  const exact = all.find((p) => Math.abs(p.tauL - tauL) < SAME && Math.abs(p.tauC - tauC) < SAME);
  const near = exact || all.reduce((best, p) => {
    const d = (p.tauL - tauL) ** 2 + (p.tauC - tauC) ** 2;
    return d < best.d ? { d, p } : best;
  }, { d: Infinity, p: all[0] }).p;
  const images = near.images || all[0].images || 0;
  const text = exact
    ? `Now: τL ${tauL.toFixed(2)}, τC ${tauC.toFixed(2)}: ${formatAccuracy(near.y)} accuracy at ` +
      `${formatPercent(near.x)} of the static MACs on ${formatWhole(images)} test images.`
    : `τL ${tauL.toFixed(2)}, τC ${tauC.toFixed(2)} was not measured; the ring marks the nearest ` +
      `measured setting, ${pointTitle(near)}.`;
  // Zoomed: the settings where the model is still useful (accuracy at least halfway from chance
  // to its best) and the points measured here.
  const chance = 1 / ((card.config && card.config.num_classes) || 10);
  const best = Math.max(...all.map((p) => p.y));
  const useful = all.filter((p) => !zoom || p.y >= (chance + best) / 2);
  const xs = useful.concat(measured).map((p) => p.x);
  const xMin = zoom ? Math.max(0, Math.floor(Math.min(...xs) * 20 + 1e-9) / 20) : 0;
  const xMax = zoom ? Math.min(Math.max(1, ...xs), Math.ceil(Math.max(...xs) * 20 - 1e-9) / 20) : Math.max(1, Math.ceil(Math.max(...xs) * 10) / 10);
  const inRange = (p) => p.x >= xMin - 1e-9 && p.x <= xMax + 1e-9;
  const ys = all.filter(inRange).concat((frontier || []).filter(inRange)).map((p) => p.y).concat(baseline ? [baseline.y] : [])
    .concat(measured.flatMap((p) => [p.interval.lo, p.interval.hi]));
  const yMin = Math.max(0, Math.floor(Math.min(...ys) * 10) / 10);
  const yMax = Math.min(1, Math.ceil(Math.max(...ys) * 10 + 1e-9) / 10);
  return {
    series,
    baseline,
    measured,
    frontier,
    frontierText: frontierText(frontier, near),
    marker: { x: near.x, y: near.y, exact: Boolean(exact), tauL: near.tauL, tauC: near.tauC, text },
    images,
    zoom,
    xMin,
    xMax,
    yMin: yMax - yMin < 0.1 ? Math.max(0, yMax - 0.1) : yMin,
    yMax,
  };
}

/**
 * The static networks of other depths trained by the same recipe (`lcnet record --frontier`),
 * with the full static network at 100%, cheapest first; null when none was measured.
 */
function frontierPoints(rust, baseline, depth) {
  const raw = Array.isArray(rust.frontier) ? rust.frontier : [];
  const pts = raw.filter((p) => Number.isFinite(p.accuracy) && Number.isFinite(p.macs_ratio)).map((p) => ({
    x: p.macs_ratio,
    y: p.accuracy,
    depth: p.depth,
    title: `static ResNet-${p.depth}, trained by the same recipe: ${formatAccuracy(p.accuracy)} at ${formatPercent(p.macs_ratio)} of the MACs`,
  }));
  if (!pts.length) return null;
  if (baseline) pts.push({ x: 1, y: baseline.y, depth, title: baseline.text });
  return pts.sort((a, b) => a.x - b.x);
}

/**
 * Where the curve's point `p` stands against the frontier at the same cost (linear between the
 * two static networks around it), or that this comparison was not measured.
 * @param {Array<{x: number, y: number, depth: number}>|null} frontier
 * @param {{x: number, y: number}} p
 * @returns {string}
 */
export function frontierText(frontier, p) {
  if (!frontier) {
    return 'Not measured: this model comes with no smaller static ResNet trained by the same recipe, ' +
      'so the page cannot say whether LC-Net does better than simply a smaller network.';
  }
  const lo = frontier[0];
  const hi = frontier[frontier.length - 1];
  if (p.x < lo.x || p.x > hi.x) {
    return `At ${formatPercent(p.x)} of the MACs LC-Net is outside the range of the static ResNets measured ` +
      `(${formatPercent(lo.x)} to ${formatPercent(hi.x)}).`;
  }
  const k = Math.max(1, frontier.findIndex((q) => q.x >= p.x));
  const [a, b] = [frontier[k - 1], frontier[k]];
  const y = b.x === a.x ? b.y : a.y + (b.y - a.y) * (p.x - a.x) / (b.x - a.x);
  const d = (p.y - y) * 100;
  const side = Math.abs(d) < 0.05 ? 'level with them' : `${Math.abs(d).toFixed(1)} points ${d > 0 ? 'above' : 'below'} them`;
  return `At ${formatPercent(p.x)} of the MACs LC-Net reaches ${formatAccuracy(p.y)}; static ResNets trained by the same recipe ` +
    `reach ${formatAccuracy(y)} at that cost (on the line from ResNet-${a.depth} to ResNet-${b.depth}): LC-Net is ${side}.`;
}

/**
 * Where a threshold slider should spend its travel, from the measured curve: from 0 to the first
 * measured value of that threshold alone at which accuracy has fallen halfway from its value at
 * τ = 0 to chance (above it the model only gets worse; or the measured value before it, where the
 * grid is coarser there), in steps of the measured spacing, so the sliders stop on measured
 * settings. Null when the curve has no sweep of that threshold.
 * @param {object} card the model card (`results.rust.curve`, `config.num_classes`)
 * @param {'tau_l'|'tau_c'} which
 * @returns {null|{min: number, max: number, step: number}}
 */
export function sliderRange(card, which) {
  const cv = curveView(card, 0, 0);
  const sweep = cv && cv.series.find((s) => s.id === which);
  if (!sweep || sweep.points.length < 2) return null;
  const key = which === 'tau_l' ? 'tauL' : 'tauC';
  const pts = [...sweep.points].sort((a, b) => a[key] - b[key]);
  const chance = 1 / (card.config.num_classes || 10);
  const floor = (pts[0].y + chance) / 2;
  const fall = pts.find((p) => p.y <= floor) || pts[pts.length - 1];
  const inRange = pts.filter((p) => p[key] <= fall[key] + SAME);
  const gaps = inRange.slice(1).map((p, i) => p[key] - inRange[i][key]);
  const step = Math.min(...gaps);
  // Where the grid leaves a wider gap before that value than the step (the settings in between
  // were not measured), the travel ends at the measured value before the gap.
  const end = gaps[gaps.length - 1] > step + SAME ? inRange[inRange.length - 2] : fall;
  const round = (x) => Math.round(x * 1000) / 1000;
  const own = card.config[which] || 0;
  return { min: 0, max: round(Math.max(end[key], own)), step: Math.max(0.001, round(step)) };
}

/**
 * The thresholds the tour moves to, from the measured curve: for each knob alone, the highest
 * measured value whose accuracy is within one point of the model's own setting (τ = 0 for the
 * other knob). Null for a knob without such a point.
 * @param {object} card the model card
 * @returns {{tauL: number|null, tauC: number|null}}
 */
export function tourSettings(card) {
  const cv = curveView(card, 0, 0);
  const pick = (which, key) => {
    const sweep = cv && cv.series.find((s) => s.id === which);
    if (!sweep) return null;
    const good = sweep.points.filter((p) => p[key] > 0 && p.y >= cv.marker.y - 0.01 - 1e-9);
    return good.length ? Math.max(...good.map((p) => Number(p[key].toFixed(3)))) : null;
  };
  return { tauL: pick('tau_l', 'tauL'), tauC: pick('tau_c', 'tauC') };
}

/** Size of the curve plot (SVG user units; it scales with its box). */
export const CURVE_BOX = Object.freeze({ width: 560, height: 300, left: 52, right: 16, top: 14, bottom: 44 });

/**
 * The plot's box for a container `width` pixels wide: as wide as the container (320 to 560
 * units), so the SVG is drawn at about its own scale and its 11 px text stays 11 px on a phone.
 * @param {number} width
 * @returns {typeof CURVE_BOX}
 */
export function curveBox(width) {
  const w = Number.isFinite(width) && width > 0 ? Math.round(Math.min(CURVE_BOX.width, Math.max(320, width))) : CURVE_BOX.width;
  return Object.freeze({ ...CURVE_BOX, width: w });
}

/**
 * The curve as an SVG tree: one line per sweep, the static baseline, the marked setting.
 * @param {ReturnType<typeof curveView>} cv
 * @param {typeof CURVE_BOX} [B] the plot's box (`curveBox`)
 * @returns {object} tree
 */
export function curveTree(cv, B = CURVE_BOX) {
  const w = B.width - B.left - B.right;
  const ht = B.height - B.top - B.bottom;
  const sx = (x) => B.left + ((x - cv.xMin) / (cv.xMax - cv.xMin)) * w;
  const sy = (y) => B.top + (1 - (y - cv.yMin) / (cv.yMax - cv.yMin)) * ht;
  const f = (v) => v.toFixed(1);
  const grid = [];
  const span = cv.xMax - cv.xMin;
  // About five ticks whatever the width: 5% steps over a zoomed range, 20% over 0-100%.
  const xStep = [0.05, 0.1, 0.2].find((s) => span / s <= (w < 360 ? 5 : 7)) || 0.2;
  for (let i = Math.ceil(cv.xMin / xStep - 1e-9); i * xStep <= cv.xMax + 1e-9; i++) {
    const x = i * xStep;
    grid.push(h('line', { class: 'grid', x1: f(sx(x)), x2: f(sx(x)), y1: B.top, y2: B.top + ht }));
    grid.push(h('text', { class: 'tick', x: f(sx(x)), y: B.top + ht + 16, 'text-anchor': 'middle' }, `${Math.round(x * 100)}%`));
  }
  const ySteps = Math.round((cv.yMax - cv.yMin) * 10);
  const yStep = ySteps > 5 ? 0.2 : 0.1;
  for (let y = cv.yMax; y >= cv.yMin - 1e-9; y -= yStep) {
    grid.push(h('line', { class: 'grid', x1: B.left, x2: B.left + w, y1: f(sy(y)), y2: f(sy(y)) }));
    grid.push(h('text', { class: 'tick', x: B.left - 6, y: f(sy(y) + 4), 'text-anchor': 'end' }, `${Math.round(y * 100)}%`));
  }
  const lines = cv.series.map((s) => h('g', { class: 'series', 'data-sweep': s.id, style: `--series:${s.color}` }, [
    h('polyline', { points: s.points.map((p) => `${f(sx(p.x))},${f(sy(p.y))}`).join(' ') }),
    s.points.map((p) => h('circle', {
      cx: f(sx(p.x)), cy: f(sy(p.y)), r: 3.5, 'data-tau-l': p.tauL.toFixed(2), 'data-tau-c': p.tauC.toFixed(2),
    }, h('title', {}, p.title))),
  ]));
  const baseOff = cv.baseline && cv.baseline.x > cv.xMax + 1e-9;
  const base = cv.baseline ? h('g', { class: 'baseline' }, [
    h('line', { x1: B.left, x2: B.left + w, y1: f(sy(cv.baseline.y)), y2: f(sy(cv.baseline.y)) }, h('title', {}, cv.baseline.text)),
    baseOff ? null : h('rect', { x: f(sx(cv.baseline.x) - 4), y: f(sy(cv.baseline.y) - 4), width: 8, height: 8 },
      h('title', {}, cv.baseline.text)),
    baseOff
      ? h('text', { x: f(B.left + 4), y: f(sy(cv.baseline.y) - 6) }, `full static ResNet (at ${Math.round(cv.baseline.x * 100)}% of the MACs)`)
      : h('text', { x: f(sx(cv.baseline.x) - 8), y: f(sy(cv.baseline.y) - 8), 'text-anchor': 'end' }, 'static ResNet'),
  ]) : null;
  const frontier = cv.frontier ? h('g', { class: 'frontier' }, [
    h('polyline', { points: cv.frontier.map((p) => `${f(sx(p.x))},${f(sy(p.y))}`).join(' ') }),
    cv.frontier.map((p) => h('rect', {
      x: f(sx(p.x) - 4), y: f(sy(p.y) - 4), width: 8, height: 8, 'data-depth': p.depth, 'data-x': p.x.toFixed(4), 'data-y': p.y.toFixed(4),
    }, h('title', {}, p.title))),
    cv.frontier.filter((p) => p.x < 1).map((p) => h('text', { x: f(sx(p.x)), y: f(sy(p.y) + 18), 'text-anchor': 'middle' }, `ResNet-${p.depth}`)),
  ]) : null;
  // Each ◆ with its 95% interval as a vertical bar.
  const own = cv.measured.length ? h('g', { class: 'measured' }, cv.measured.map((p) => h('g', { class: 'measured-point' }, [
    h('line', {
      class: 'interval', x1: f(sx(p.x)), x2: f(sx(p.x)), y1: f(sy(p.interval.hi)), y2: f(sy(p.interval.lo)),
      'data-lo': p.interval.lo.toFixed(4), 'data-hi': p.interval.hi.toFixed(4),
    }),
    h('path', {
      d: `M${f(sx(p.x))} ${f(sy(p.y) - 6)}l6 6l-6 6l-6 -6z`,
      'data-x': p.x.toFixed(4),
      'data-y': p.y.toFixed(4),
      'data-images': p.images,
    }, h('title', {}, p.title)),
  ]))) : null;
  const m = cv.marker;
  const marker = h('g', {
    class: m.exact ? 'marker' : 'marker marker-near',
    'data-x': m.x.toFixed(4),
    'data-y': m.y.toFixed(4),
    'data-exact': m.exact ? 'true' : 'false',
  }, [
    h('line', { x1: f(sx(m.x)), x2: f(sx(m.x)), y1: B.top, y2: B.top + ht }),
    h('circle', { cx: f(sx(m.x)), cy: f(sy(m.y)), r: 8 }, h('title', {}, m.text)),
  ]);
  // Lines and points beyond a zoomed range are cut at the plot's edge.
  const clip = 'curve-clip';
  return h('svg', {
    class: 'curve-plot',
    viewBox: `0 0 ${B.width} ${B.height}`,
    role: 'img',
    'data-zoom': cv.zoom ? 'true' : 'false',
    'aria-label': `Test accuracy against compute for ${cv.series.length} threshold sweeps. ${m.text}`,
  }, [
    h('defs', {}, h('clipPath', { id: clip }, h('rect', { x: B.left - 8, y: B.top - 8, width: w + 16, height: ht + 16 }))),
    h('g', { class: 'grid-lines' }, grid),
    h('text', { class: 'axis-label', x: B.left + w / 2, y: B.height - 6, 'text-anchor': 'middle' },
      // A phone-wide plot has room for the short form only.
      B.width < 420 ? 'MACs, % of the static ResNet (mean)' : 'MACs spent, % of the static ResNet (mean over the test set)'),
    h('text', { class: 'axis-label', x: 12, y: B.top + ht / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${f(B.top + ht / 2)})` },
      'test accuracy'),
    h('g', { 'clip-path': `url(#${clip})` }, [base, frontier, lines, own, marker]),
  ]);
}

/**
 * The curve's legend.
 * @param {ReturnType<typeof curveView>} cv
 * @returns {object} tree
 */
export function curveLegendTree(cv) {
  return h('ul', { class: 'legend curve-legend' }, [
    cv.series.map((s) => h('li', {}, [h('span', { class: 'sw sw-line', style: `--series:${s.color}`, 'aria-hidden': 'true' }), h('span', {}, s.label)])),
    cv.baseline ? h('li', {}, [h('span', { class: 'sw sw-static', 'aria-hidden': 'true' }), h('span', {}, 'static ResNet (trained separately)')]) : null,
    cv.frontier ? h('li', {}, [h('span', { class: 'sw sw-frontier', 'aria-hidden': 'true' }), h('span', {}, 'smaller static ResNets, same recipe')]) : null,
    cv.measured.length ? h('li', {}, [h('span', { class: 'sw sw-measured', 'aria-hidden': 'true' }), h('span', {}, 'measured in this browser, with its 95% interval')]) : null,
    h('li', {}, [h('span', { class: 'sw sw-marker', 'aria-hidden': 'true' }), h('span', {}, 'the sliders’ setting')]),
  ]);
}

// ---- compare ----------------------------------------------------------------------------------

/** A block's decision in words: skipped, ran with no channel, or ran with k of n channels. */
export function blockState(b) {
  if (!b.ran) return 'skipped';
  if (!b.kept.length && b.l_gate !== null) return 'ran with no channel (only its shortcut and a bias)';
  return `ran, ${b.kept.length}/${b.planes} channels`;
}

/**
 * Two classifications by the same model, block by block.
 * @param {{name: string, trace: object}} a
 * @param {{name: string, trace: object}} b
 * @returns {{sides: object[], blocks: object[], stages: number[], same: number, diffText: string, sameText: string}}
 */
export function compareView(a, b) {
  const side = (s, key) => {
    const t = s.trace;
    return {
      key,
      name: s.name,
      label: t.prediction.label,
      macs: t.macs,
      ratio: t.static_macs > 0 ? t.macs / t.static_macs : NaN,
      costText: `${formatMacs(t.macs)} (${formatPercent(t.macs / t.static_macs)} of static)`,
      blocksText: `${t.blocks_run} of ${t.blocks.length} blocks, ${t.channels_kept} of ${t.channels_total} channels`,
    };
  };
  const n = Math.min(a.trace.blocks.length, b.trace.blocks.length);
  const blocks = [];
  for (let i = 0; i < n; i++) {
    const x = a.trace.blocks[i];
    const y = b.trace.blocks[i];
    const keptA = x.ran ? x.kept.length : 0;
    const keptB = y.ran ? y.kept.length : 0;
    blocks.push({
      index: x.index,
      stage: x.stage,
      planes: x.planes,
      a: { ran: x.ran, empty: x.ran && !keptA && x.l_gate !== null, kept: keptA, pct: Math.round((keptA / x.planes) * 100) },
      b: { ran: y.ran, empty: y.ran && !keptB && y.l_gate !== null, kept: keptB, pct: Math.round((keptB / y.planes) * 100) },
      differs: x.ran !== y.ran || keptA !== keptB,
      title: `Block ${x.index + 1}: A ${blockState(x)}; B ${blockState(y)}`,
    });
  }
  const sa = side(a, 'a');
  const sb = side(b, 'b');
  const d = sb.macs - sa.macs;
  let diffText;
  if (d === 0) diffText = 'Both images cost the same.';
  else {
    const [more, less] = d > 0 ? [sb, sa] : [sa, sb];
    const times = less.macs > 0 ? more.macs / less.macs : Infinity;
    diffText = `${more.key.toUpperCase()} (${more.name}) costs ${formatPercent(more.ratio)} of the static network’s MACs, ` +
      `${less.key.toUpperCase()} (${less.name}) ${formatPercent(less.ratio)}: ${more.key.toUpperCase()} costs ` +
      `${Number.isFinite(times) ? `${times.toFixed(2)}×` : 'far more than'} as much (${formatCount(Math.abs(d))} MACs more).`;
  }
  const same = blocks.filter((x) => !x.differs).length;
  const runDiffers = blocks.filter((x) => x.a.ran !== x.b.ran).length;
  const bothRan = blocks.filter((x) => x.a.ran && x.b.ran);
  const keptDiffers = bothRan.filter((x) => x.a.kept !== x.b.kept).length;
  return {
    sides: [sa, sb],
    blocks,
    stages: [...new Set(blocks.map((x) => x.stage))],
    same,
    diffText,
    runDiffers,
    keptDiffers,
    sameText: `Run or skipped: different in ${runDiffers} of ${blocks.length} blocks. Of the ${bothRan.length} blocks ` +
      `both ran, ${keptDiffers} computed a different number of channels.`,
  };
}

/**
 * The comparison: both images' costs and their traces as two aligned rows of block cells.
 * @param {ReturnType<typeof compareView>} cv
 * @param {{a: string, b: string}} urls thumbnails of the two images
 * @returns {object} tree
 */
export function compareTree(cv, urls) {
  const head = cv.sides.map((s) => h('div', { class: `cmp-side cmp-${s.key}`, 'data-side': s.key }, [
    h('span', { class: 'cmp-tag' }, s.key.toUpperCase()),
    h('img', { src: urls[s.key], alt: '', width: 48, height: 48 }),
    h('div', {}, [
      h('strong', {}, s.name),
      h('div', {}, `predicted ${s.label}`),
      h('div', { class: 'cmp-cost' }, s.costText),
      h('div', { class: 'muted' }, s.blocksText),
    ]),
  ]));
  const row = (key) => cv.stages.map((st) => h('div', { class: 'cmp-stage' },
    cv.blocks.filter((x) => x.stage === st).map((x) => {
      const s = x[key];
      return h('span', {
        class: `cmp-cell${s.ran ? '' : ' cmp-skipped'}${s.empty ? ' cmp-empty' : ''}${x.differs ? ' cmp-differs' : ''}`,
        'data-side': key,
        'data-block': x.index,
        'data-ran': s.ran ? 'true' : 'false',
        'data-empty': s.empty ? 'true' : 'false',
        'data-kept': s.kept,
        title: x.title,
      }, h('span', { class: 'cmp-fill', style: `height:${s.pct}%` }));
    })));
  return h('div', { class: 'compare' }, [
    h('div', { class: 'cmp-sides' }, head),
    h('div', { class: 'cmp-grid', role: 'img', 'aria-label': `${cv.sameText} ${cv.diffText}` }, [
      h('div', { class: 'cmp-row', 'data-row': 'a' }, [h('span', { class: 'cmp-rowname' }, 'A'), row('a')]),
      h('div', { class: 'cmp-row cmp-marks', 'aria-hidden': 'true' }, [h('span', { class: 'cmp-rowname' }, ''),
        cv.stages.map((st) => h('div', { class: 'cmp-stage' }, cv.blocks.filter((x) => x.stage === st)
          .map((x) => h('span', { class: 'cmp-mark' }, x.differs ? '≠' : ''))))]),
      h('div', { class: 'cmp-row', 'data-row': 'b' }, [h('span', { class: 'cmp-rowname' }, 'B'), row('b')]),
    ]),
    h('p', { class: 'cmp-diff' }, cv.diffText),
    h('p', { class: 'muted' }, `${cv.sameText} Bars: share of a block's channels computed; hatched: block skipped; ≠: the two differ.`),
  ]);
}

// ---- per-class statistics -------------------------------------------------------------------

/**
 * Checks that `stats.json` describes the model the page runs.
 * @param {object} stats
 * @param {object} card
 * @returns {string|null} what is wrong, or null
 */
export function statsProblem(stats, card) {
  if (!stats || !Array.isArray(stats.classes) || !Array.isArray(stats.blocks)) return 'the file has no per-class table';
  if (stats.model !== card.name) return `it describes ${stats.model}, not the loaded ${card.name}`;
  const n = 3 * Math.floor((card.config.depth - 2) / 6);
  if (stats.blocks.length !== n) return `it has ${stats.blocks.length} blocks, the model ${n}`;
  return null;
}

/**
 * The note above the per-class views: what was measured, how, and the overall result.
 * @param {object} stats `lcnet stats` output
 * @returns {string}
 */
export function statsNoteText(stats) {
  return `Measured by ${stats.measured_by} over ${formatWhole(stats.images)} test images at the ` +
    `model’s thresholds (τL ${stats.tau_l.toFixed(2)}, τC ${stats.tau_c.toFixed(2)}): ` +
    `${formatAccuracy(stats.accuracy)} correct, ${formatPercent(stats.mean_macs / stats.static_macs)} of the ` +
    'static MACs on average.';
}

/**
 * One heatmap: rows are classes, columns blocks.
 * @param {object} stats `lcnet stats` output
 * @param {'run'|'kept'} metric how often each block runs, or the mean share of channels kept
 * @returns {{metric: string, title: string, columns: object[], rows: object[]}}
 */
export function heatmapView(stats, metric) {
  const columns = stats.blocks.map((b) => ({ index: b.index, stage: b.stage, label: `${b.index + 1}`, planes: b.planes }));
  const rows = stats.classes.map((c) => ({
    class: c.class,
    label: c.label,
    accuracy: c.accuracy,
    cells: columns.map((col, j) => {
      const value = metric === 'run' ? c.run_rate[j] : c.mean_kept[j] / col.planes;
      // Runs with no channel computed (stats.json of an older lcnet stats has no empty_rate).
      const empty = c.empty_rate ? c.empty_rate[j] : 0;
      const emptyText = empty > 0 ? `, ${formatPercent(empty)} of them with no channel computed (only the shortcut and a bias)` : '';
      const text = metric === 'run'
        ? `Block ${col.index + 1} runs for ${formatPercent(value)} of the ${c.images} ${c.label} images${emptyText}`
        : `Block ${col.index + 1}: on average ${c.mean_kept[j].toFixed(1)} of ${col.planes} channels computed for ${c.label} (${formatPercent(value)}; 0 when skipped)`;
      const fill = viridis(value);
      return { block: col.index, value, empty: metric === 'run' && empty >= 0.5 * value && empty > 0, text, fill, ink: textOn(fill) };
    }),
  }));
  const title = metric === 'run'
    ? 'How often each block runs, per class'
    : 'Mean share of each block’s channels computed, per class';
  return { metric, title, columns, rows };
}

/**
 * A heatmap as a table of buttons (one per class and block; arrow keys move between them).
 * @param {ReturnType<typeof heatmapView>} hv
 * @param {{class: number, block: number}|null} selected
 * @returns {object} tree
 */
export function heatmapTree(hv, selected) {
  const first = selected || { class: hv.rows[0].class, block: hv.columns[0].index };
  return h('table', { class: 'heatmap', 'data-metric': hv.metric }, [
    h('caption', {}, [hv.title, h('span', { class: 'hm-scale' }, ' (light: 0% · dark: 100%' +
      `${hv.rows.some((r) => r.cells.some((c) => c.empty)) ? ' · a dot: mostly ran with no channel computed' : ''})`)]),
    h('thead', {}, h('tr', {}, [
      h('th', { scope: 'col', class: 'hm-corner' }, 'class \\ block'),
      hv.columns.map((c, j) => h('th', {
        scope: 'col',
        class: j > 0 && hv.columns[j - 1].stage !== c.stage ? 'hm-col hm-stage-start' : 'hm-col',
      }, c.label)),
    ])),
    h('tbody', {}, hv.rows.map((r) => h('tr', {}, [
      h('th', { scope: 'row', class: 'hm-row' }, r.label),
      r.cells.map((c, j) => {
        const sel = selected && selected.class === r.class && selected.block === c.block;
        return h('td', { class: j > 0 && hv.columns[j - 1].stage !== hv.columns[j].stage ? 'hm-stage-start' : null },
          h('button', {
            type: 'button',
            class: `hm-cell${sel ? ' hm-selected' : ''}${c.empty ? ' hm-empty' : ''}`,
            'data-class': r.class,
            'data-block': c.block,
            'data-value': c.value.toFixed(4),
            style: `--fill:${c.fill}`,
            tabindex: first.class === r.class && first.block === c.block ? 0 : -1,
            'aria-pressed': sel ? 'true' : 'false',
            'aria-label': c.text,
            title: c.text,
          }));
      }),
    ]))),
  ]);
}

/**
 * Example test images from `stats.examples`, with what the model did on them.
 * @param {object} stats
 * @param {{sort?: 'cost'|'class', classIndex?: number|null, block?: number|null}} [o]
 * @returns {Array<object>}
 */
export function examplesView(stats, { sort = 'cost', classIndex = null, block = null } = {}) {
  const names = stats.classes.map((c) => c.label);
  const items = stats.examples
    .filter((e) => classIndex === null || e.class === classIndex)
    .map((e) => {
      const ratio = e.macs / stats.static_macs;
      let blockText = null;
      if (block !== null) {
        const planes = stats.blocks[block].planes;
        blockText = e.ran[block] ? `block ${block + 1} ran, ${e.kept[block]}/${planes} channels` : `block ${block + 1} skipped`;
      }
      const correct = e.prediction === e.class;
      return {
        file: e.file,
        source: e.source,
        class: e.class,
        label: names[e.class],
        predLabel: names[e.prediction],
        correct,
        macs: e.macs,
        ratio,
        costText: formatPercent(ratio),
        blockRan: block === null ? null : Boolean(e.ran[block]),
        blockText,
        title: `${names[e.class]} (${e.source}): predicted ${names[e.prediction]} ${correct ? '✓' : '✗'}, ` +
          `${formatMacs(e.macs)} = ${formatPercent(ratio)} of static${blockText ? `; ${blockText}` : ''}`,
      };
    });
  if (sort === 'cost') items.sort((x, y) => x.macs - y.macs || x.class - y.class);
  else items.sort((x, y) => x.class - y.class || x.macs - y.macs);
  return items;
}

/**
 * The example strip.
 * @param {ReturnType<typeof examplesView>} items
 * @param {string} base URL prefix of the images
 * @returns {object} tree
 */
export function examplesTree(items, base) {
  return h('ul', { class: 'examples' }, items.map((e) => h('li', {}, h('button', {
    type: 'button',
    class: `example${e.correct ? '' : ' example-wrong'}${e.blockRan === false ? ' example-skipped' : ''}`,
    'data-file': e.file,
    'data-macs': e.macs,
    'data-class': e.class,
    'data-block-ran': e.blockRan === null ? null : String(e.blockRan),
    title: e.title,
    'aria-label': e.title,
  }, [
    h('img', { src: `${base}${encodeURIComponent(e.file)}`, alt: '', width: 48, height: 48 }),
    h('span', { class: 'ex-cost' }, e.costText),
    h('span', { class: 'ex-mark', 'aria-hidden': 'true' }, e.correct ? '✓' : '✗'),
  ]))));
}

/**
 * Accuracy per cost bucket (equal numbers of test images, cheapest first).
 * @param {object} stats
 * @returns {{bars: object[], summary: string}}
 */
export function bucketsView(stats) {
  const s = stats.static_macs;
  const bars = stats.cost_buckets.map((b, i) => ({
    index: i,
    images: b.images,
    accuracy: b.accuracy,
    pct: Math.round(b.accuracy * 1000) / 10,
    range: `${formatPercent(b.macs_lo / s)}–${formatPercent(b.macs_hi / s)}`,
    title: `${b.images} images costing ${formatPercent(b.macs_lo / s)} to ${formatPercent(b.macs_hi / s)} of static: ${formatAccuracy(b.accuracy)} correct`,
  }));
  const first = bars[0];
  const last = bars[bars.length - 1];
  const summary = bars.length > 1
    ? `The ${first.images} images the network spent least on (${first.range} of static) are ` +
      `${formatAccuracy(first.accuracy)} correct; the ${last.images} it spent most on (${last.range}) ` +
      `${formatAccuracy(last.accuracy)}. Overall ${formatAccuracy(stats.accuracy)} at ` +
      `${formatPercent(stats.mean_macs / s)} of static on ${formatWhole(stats.images)} test images.`
    : '';
  return { bars, summary };
}

/**
 * Accuracy per cost bucket as bars.
 * @param {ReturnType<typeof bucketsView>} bv
 * @returns {object} tree
 */
export function bucketsTree(bv) {
  return h('div', { class: 'buckets' }, [
    h('ol', { class: 'bucket-bars', 'aria-label': 'Accuracy per cost bucket, cheapest first' }, bv.bars.map((b) =>
      h('li', { class: 'bucket', 'data-accuracy': b.accuracy.toFixed(4), title: b.title, 'aria-label': b.title }, [
        h('span', { class: 'bucket-value' }, formatAccuracy(b.accuracy)),
        h('span', { class: 'bucket-track', 'aria-hidden': 'true' }, h('span', { class: 'bucket-fill', style: `height:${b.pct}%` })),
        h('span', { class: 'bucket-range' }, b.range),
      ]))),
    h('p', { class: 'bucket-axis muted' }, 'cost per image, % of the static MACs: cheapest tenth → costliest tenth'),
    h('p', { class: 'bucket-summary' }, bv.summary),
  ]);
}
