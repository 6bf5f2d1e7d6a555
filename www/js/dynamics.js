// "How dynamic is it?": the dynamics of a set of images' decisions (`crate/src/dynamics.rs`, as
// `lcnet stats` writes them to stats.json, or as the worker computes them from the traces of a
// live measurement) -> view data and a tree to draw. Pure functions, no DOM.
//
// The questions a class asks: do different images really take different paths through the
// network, or is it a smaller fixed network in disguise? What varies, blocks or channels? How
// much more does a costly image cost than a cheap one?

import { h } from './draw.js';
import { formatPercent, formatWhole } from './view.js';

/** The most common paths drawn as rows. */
const PATH_ROWS = 5;
/** Below this many images, a measurement says it is a small sample. */
export const SMALL_SAMPLE = 300;

const plural = (n, one, many = `${one}s`) => `${formatWhole(n)} ${n === 1 ? one : many}`;

/** "blocks 2, 4 and 5" (1-based numbers, as the page names blocks). */
function blockList(indices) {
  const names = indices.map((b) => String(b + 1));
  if (names.length <= 1) return `block ${names.join('')}`;
  return `blocks ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** A share of images: as `formatPercent`, but 99.5% is not rounded up to an "all" 100%. */
function shareText(r) {
  return r > 0.99 && r < 1 ? `${(100 * r).toFixed(1)}%` : formatPercent(r);
}

/** A median count of the pairs, or '–' when there was no pair. */
function medianText(x) {
  if (x === null || x === undefined) return '–';
  return Number.isInteger(x) ? formatWhole(x) : x.toFixed(1);
}

/**
 * The plain sentences of what the numbers mean, true for a nearly fixed model and a dynamic one.
 * @param {object} d dynamics
 * @param {number} staticMacs
 * @returns {string[]}
 */
export function dynamicsSentences(d, staticMacs) {
  const blocks = d.run_rate.length;
  const top = d.top_paths[0];
  const out = [];
  if (!top) return ['No image was measured.'];
  const topShare = top.images / d.images;
  const topRuns = top.ran.filter(Boolean).length;
  if (topShare >= 0.5) {
    out.push(`Most images (${formatWhole(top.images)} of ${formatWhole(d.images)}, ${shareText(topShare)}) take the same path through the network: the same ${topRuns} of its ${blocks} blocks run.`);
  } else {
    out.push(`The images take ${plural(d.paths, 'different path')} through the network; the most common one (${topRuns} of ${blocks} blocks) is taken by ${shareText(topShare)} of them.`);
  }
  const fixedRun = d.always_run.length;
  const fixedSkip = d.never_run.length;
  const rest = blocks - fixedRun - fixedSkip;
  out.push(`${plural(fixedRun, 'block')} ${fixedRun === 1 ? 'runs' : 'run'} for (almost) every image (≥ 99%) and ` +
    `${formatWhole(fixedSkip)} for (almost) none (≤ 1%); ${rest === blocks ? 'all' : `the other ${formatWhole(rest)}`} vary, and ` +
    `${formatWhole(d.dynamic_blocks)} of ${blocks} run for between 10% and 90% of images.`);
  const mb = d.median_blocks_differ;
  const mc = d.median_channels_differ;
  if (mb !== null && mc !== null) {
    // Which varies more, as a share of what there is: blocks or channels.
    const what = mb === 0 && mc === 0 ? 'Two images mostly make the same decisions'
      : mb / blocks >= mc / (d.channels || Infinity)
        ? 'What varies most from image to image is which blocks run'
        : 'What varies most from image to image is which channels are computed';
    out.push(`${what}: two images picked at random differ in ${medianText(mb)} block${mb === 1 ? '' : 's'} of ${blocks} and ` +
      `${medianText(mc)} channel${mc === 1 ? '' : 's'}${d.channels ? ` of ${formatWhole(d.channels)}` : ''} (medians over all pairs).`);
  }
  const t = d.macs_tenths;
  if (t.length >= 2 && t[0] > 0) {
    out.push(`The costliest tenth of images costs ${(t[t.length - 1] / t[0]).toFixed(2)}× the cheapest tenth (${formatPercent(t[t.length - 1] / staticMacs)} against ${formatPercent(t[0] / staticMacs)} of the static MACs, on average).`);
  }
  return out;
}

/**
 * View data of the dynamics card.
 * @param {object} d dynamics (stats.json's `dynamics`, or the worker's answer)
 * @param {{staticMacs: number, blocks: Array<{index: number, stage: number}>, source: string}} o
 *   `blocks`: stats.json's blocks (their stages separate the path rows); `source`: where the
 *   numbers come from
 * @returns {object}
 */
export function dynamicsView(d, { staticMacs, blocks, source }) {
  const stageStart = (j) => j > 0 && blocks[j - 1].stage !== blocks[j].stage;
  const empty = d.empty_rate
    .map((r, b) => ({ b, r }))
    .filter((x) => x.r >= 0.5);
  return {
    source,
    small: d.images < SMALL_SAMPLE,
    images: d.images,
    sentences: dynamicsSentences(d, staticMacs),
    facts: [
      ['Different block paths', `${formatWhole(d.paths)} among ${plural(d.images, 'image')}`],
      ['The most common path', d.top_paths[0]
        ? `${formatWhole(d.top_paths[0].images)} images (${formatPercent(d.top_paths[0].images / d.images)}); ${formatWhole(d.near_top_path)} within one block of it`
        : '–'],
      ['Blocks decided per image', `${formatWhole(d.dynamic_blocks)} of ${d.run_rate.length} run for 10–90% of images`],
      ['Effectively fixed', `${d.always_run.length ? `${blockList(d.always_run)} run for ≥ 99%` : 'no block runs for ≥ 99%'}; ` +
        `${d.never_run.length ? `${blockList(d.never_run)} for ≤ 1%` : 'none for ≤ 1%'} of images`],
      ['Two random images differ in', `${medianText(d.median_blocks_differ)} block${d.median_blocks_differ === 1 ? '' : 's'}, ` +
        `${medianText(d.median_channels_differ)} channel${d.median_channels_differ === 1 ? '' : 's'} (median)`],
      ['Run with no channel', empty.length
        ? `${blockList(empty.map((x) => x.b))}, for ${empty.map((x) => shareText(x.r)).join(', ')} of images: only the shortcut and a bias are computed`
        : 'no block, for most images'],
    ],
    paths: d.top_paths.slice(0, PATH_ROWS).map((p) => ({
      images: p.images,
      share: p.images / d.images,
      cells: p.ran.map((ran, j) => ({ block: j, ran, stageStart: stageStart(j) })),
    })),
    tenths: d.macs_tenths.map((m, k) => ({ k, ratio: m / staticMacs })),
  };
}

/**
 * The dynamics card's body: sentences, the top paths as rows of block cells, the facts, and the
 * per-image cost by tenths as bars.
 * @param {ReturnType<typeof dynamicsView>} v
 * @returns {object} tree
 */
export function dynamicsTree(v) {
  const maxRatio = Math.max(...v.tenths.map((t) => t.ratio), 1e-9);
  return h('div', { class: 'dyn', 'data-images': v.images }, [
    h('p', { class: 'dyn-source hint' }, [v.source, v.small ? ` A small sample (${formatWhole(v.images)} images): the shares are rough.` : '']),
    h('div', { class: 'dyn-sentences' }, v.sentences.map((s) => h('p', {}, s))),
    h('h3', {}, 'The most common paths through the blocks'),
    h('div', { class: 'dyn-paths', role: 'list' }, v.paths.map((p, i) => h('div', {
      class: 'dyn-path',
      role: 'listitem',
      'data-images': p.images,
      'aria-label': `Path ${i + 1}: taken by ${formatWhole(p.images)} images (${formatPercent(p.share)}); blocks run: ${p.cells.filter((c) => c.ran).map((c) => c.block + 1).join(', ') || 'none'}`,
    }, [
      h('span', { class: 'dyn-share' }, shareText(p.share)),
      h('span', { class: 'dyn-cells', 'aria-hidden': 'true' }, p.cells.map((c) => h('span', {
        class: `dyn-cell ${c.ran ? 'ran' : 'skipped'}${c.stageStart ? ' stage-start' : ''}`,
        'data-block': c.block,
        title: `block ${c.block + 1}: ${c.ran ? 'runs' : 'skipped'}`,
      }))),
    ]))),
    h('p', { class: 'dyn-key hint' }, 'Each row is one path: a filled cell is a block that runs, an empty one a skipped block; blocks 1 to 27 from left to right, the three stages separated.'),
    h('dl', { class: 'dyn-facts' }, v.facts.map(([k, val]) => h('div', {}, [h('dt', {}, k), h('dd', {}, val)]))),
    h('h3', {}, 'What each image costs, cheapest tenth to costliest'),
    h('div', { class: 'dyn-tenths', role: 'list' }, v.tenths.map((t) => h('div', {
      class: 'dyn-tenth',
      role: 'listitem',
      'data-ratio': t.ratio.toFixed(4),
      'aria-label': `tenth ${t.k + 1}: ${formatPercent(t.ratio)} of the static MACs`,
    }, [
      h('span', { class: 'dyn-bar', style: `height:${(100 * t.ratio / maxRatio).toFixed(1)}%` }),
      h('span', { class: 'dyn-bar-label' }, formatPercent(t.ratio)),
    ]))),
  ]);
}
