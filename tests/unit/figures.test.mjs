// Unit tests of www/js/figures.js: the downloadable figures are well-formed standalone SVG with
// one cell per class and block (heatmaps) and per channel of each block that ran (visualizer),
// skipped ones marked by more than colour, text escaped, and the legends' wording the page's.

import test from 'node:test';
import assert from 'node:assert/strict';

import * as F from '../../www/js/figures.js';
import { h, legendTree } from '../../www/js/draw.js';
import { curveView, curveLegendTree, heatmapView } from '../../www/js/teach.js';
import { buildView } from '../../www/js/view.js';
import { syntheticTrace } from './synthetic.mjs';

const ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i;

/**
 * A strict little XML reader for what figures.js writes: one root after the declaration, tags
 * balanced, attribute values quoted and unique, `&` only in entities. Throws when malformed.
 * @returns {{tag: string, attrs: Record<string, string>, children: Array<object|string>}}
 */
function parseXml(s) {
  assert.match(s, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n/);
  const body = s.slice(s.indexOf('?>') + 2).trim();
  const top = { children: [] };
  const stack = [top];
  for (const [tok] of body.matchAll(/<[^>]*>|[^<]+/g)) {
    const parent = stack[stack.length - 1];
    if (!tok.startsWith('<')) {
      assert.doesNotMatch(tok, ENTITY, `bare & in text ${tok}`);
      assert.ok(stack.length > 1 || !tok.trim(), `text outside the root: ${tok}`);
      parent.children.push(tok);
      continue;
    }
    const close = tok.match(/^<\/([\w:-]+)>$/);
    if (close) {
      assert.equal(close[1], parent.tag, `</${close[1]}> closes <${parent.tag}>`);
      stack.pop();
      continue;
    }
    const open = tok.match(/^<([\w:-]+)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>$/);
    assert.ok(open, `malformed tag ${tok}`);
    const attrs = {};
    for (const [, k, v] of open[2].matchAll(/([\w:-]+)="([^"]*)"/g)) {
      assert.ok(!(k in attrs), `duplicate attribute ${k}`);
      assert.doesNotMatch(v, ENTITY, `bare & in ${k}="${v}"`);
      attrs[k] = v;
    }
    const el = { tag: open[1], attrs, children: [] };
    parent.children.push(el);
    if (!open[3]) stack.push(el);
  }
  assert.equal(stack.length, 1, `unclosed <${stack[stack.length - 1].tag}>`);
  const roots = top.children.filter((c) => typeof c !== 'string');
  assert.equal(roots.length, 1, 'one root element');
  return roots[0];
}

function all(node, pred, out = []) {
  if (typeof node === 'string') return out;
  if (pred(node)) out.push(node);
  for (const c of node.children) all(c, pred, out);
  return out;
}

const hasClass = (cls) => (n) => (n.attrs.class || '').split(' ').includes(cls);
const textOf = (n) => (typeof n === 'string' ? n : n.children.map(textOf).join(''));

/** The root is a sized SVG in the SVG namespace whose first child is its <title>. */
function checkRoot(svg) {
  assert.equal(svg.tag, 'svg');
  assert.equal(svg.attrs.xmlns, 'http://www.w3.org/2000/svg');
  assert.ok(Number(svg.attrs.width) > 0 && Number(svg.attrs.height) > 0);
  assert.equal(svg.attrs.viewBox, `0 0 ${svg.attrs.width} ${svg.attrs.height}`);
  assert.ok(svg.attrs['font-family'] && svg.attrs['font-size'], 'the font is set on the root');
  assert.equal(svg.children[0].tag, 'title');
  assert.ok(textOf(svg.children[0]).length > 10);
}

// The shape `lcnet stats` writes (only what the heatmaps read), for a depth-20 model (9 blocks).
function stats(labels = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']) {
  const blocks = Array.from({ length: 9 }, (_, i) => ({
    index: i, stage: Math.floor(i / 3), position: i % 3, planes: [16, 32, 64][Math.floor(i / 3)], static_macs: 1000,
  }));
  const classes = labels.map((label, c) => ({
    class: c, label, images: 1000, accuracy: 0.9,
    run_rate: blocks.map((b) => ((b.index + c) % 5) / 4),
    mean_kept: blocks.map((b) => (b.planes * ((b.index * 3 + c) % 4)) / 4),
  }));
  return { model: 'lcnet-test', images: 10000, tau_l: 0.1, tau_c: 0.2, blocks, classes };
}

test('toSvgString writes a standalone document with escaped text and attributes', () => {
  const s = F.toSvgString(h('svg', { width: '10', height: '10' }, [
    h('title', {}, 'a < b & "c"'),
    h('text', { 'aria-label': 'x"<&>\'y' }, '1 > 0'),
  ]));
  const svg = parseXml(s);
  assert.equal(svg.attrs.xmlns, F.SVG_NS);
  assert.match(s, /<title>a &lt; b &amp; &quot;c&quot;<\/title>/);
  assert.match(s, /aria-label="x&quot;&lt;&amp;&gt;&apos;y"/);
  assert.match(s, /<text [^>]*>1 &gt; 0<\/text>/);
});

test('heatmapsFigure: one cell per class and block in each heatmap, coloured as on the page', () => {
  const s = stats();
  const svg = parseXml(F.toSvgString(F.heatmapsFigure(s)));
  checkRoot(svg);
  const maps = all(svg, hasClass('heatmap'));
  assert.deepEqual(maps.map((m) => m.attrs['data-metric']), ['run', 'kept']);
  for (const m of maps) {
    const hv = heatmapView(s, m.attrs['data-metric']);
    const cells = all(m, hasClass('hm-cell'));
    assert.equal(cells.length, s.classes.length * s.blocks.length);
    for (const c of cells) {
      const want = hv.rows[Number(c.attrs['data-class'])].cells[Number(c.attrs['data-block'])];
      assert.equal(c.attrs.fill, want.fill);
      assert.equal(textOf(c.children.find((x) => x.tag === 'title')), want.text);
    }
    // Titled with the page's caption, scale note included; every class and block labelled.
    const texts = all(m, (n) => n.tag === 'text').map(textOf);
    assert.ok(texts.includes(`${hv.title} (light: 0% · dark: 100%)`), texts[0]);
    for (const c of s.classes) assert.ok(texts.includes(c.label), c.label);
    for (const b of s.blocks) assert.ok(texts.includes(String(b.index + 1)));
  }
  // Every drawn element carries its colours: nothing is left to a stylesheet.
  for (const n of all(svg, (x) => ['rect', 'text', 'line'].includes(x.tag))) {
    assert.ok(n.attrs.fill || n.attrs.stroke, `<${n.tag}> has no colour`);
  }
  assert.ok(all(svg, hasClass('scale')).length === 1, 'the colour scale is drawn');
});

test('heatmapsFigure escapes a class label with markup characters', () => {
  const labels = ['a<b&c>', 'dog'];
  const out = F.toSvgString(F.heatmapsFigure(stats(labels)));
  assert.ok(out.includes('a&lt;b&amp;c&gt;'));
  assert.ok(!out.includes('a<b'));
  const svg = parseXml(out);
  assert.ok(all(svg, (n) => n.tag === 'text').some((t) => textOf(t) === 'a&lt;b&amp;c&gt;'));
});

for (const depth of [8, 20, 56]) {
  test(`visualizerFigure: one cell per channel of each block that ran, skipped ones struck through (depth ${depth})`, () => {
    const trace = syntheticTrace(depth, { tauC: 0.3 });
    const view = buildView(trace);
    const svg = parseXml(F.toSvgString(F.visualizerFigure(view)));
    checkRoot(svg);
    const blocks = all(svg, hasClass('block'));
    assert.deepEqual(blocks.map((b) => Number(b.attrs['data-block'])), trace.blocks.map((b) => b.index));
    for (const [i, el] of blocks.entries()) {
      const t = trace.blocks[i];
      assert.equal(el.attrs['data-ran'], String(t.ran));
      const ch = all(el, hasClass('ch'));
      assert.equal(ch.length, t.ran ? t.planes : 0);
      assert.deepEqual(ch.filter((c) => c.attrs['data-kept'] === 'true').map((c) => Number(c.attrs['data-channel'])), t.ran ? t.kept : []);
      for (const c of ch) {
        // Skipped: a diagonal stroke, not only another colour.
        const skipped = c.attrs['data-kept'] === 'false';
        assert.equal(hasClass('ch-skipped')(c), skipped);
        assert.equal(all(c, hasClass('skip-mark')).length, skipped ? 1 : 0);
      }
      const texts = all(el, (n) => n.tag === 'text').map(textOf);
      if (!t.ran) {
        assert.ok(texts.includes('skipped'), 'a skipped block says so');
        assert.ok(all(el, (n) => n.attrs['stroke-dasharray']).length, 'and has a dashed frame');
      }
      assert.equal(textOf(el.children[0]), view.stages.flatMap((s) => s.blocks)[i].ariaLabel);
    }
    const cells = all(svg, hasClass('ch'));
    assert.equal(cells.length, view.channelElementCount);
    assert.equal(cells.filter((c) => c.attrs['data-kept'] === 'true').length, trace.channels_kept);
    // The legend says what the page's legend says, each item with a drawn swatch.
    const legend = all(svg, hasClass('legend'))[0];
    const pageLegend = legendTree(view).children.map((li) => textOf(li.children[li.children.length - 1]));
    assert.deepEqual(all(legend, (n) => n.tag === 'text').map(textOf), pageLegend);
    for (const item of all(legend, hasClass('legend-item'))) assert.equal(all(item, hasClass('swatch')).length, 1, textOf(item));
  });
}

for (const own of [[], [{ accuracy: 0.88, macs_ratio: 0.3, tau_l: 0.15, tau_c: 0.1, images: 500 }]]) {
  test(`curveLegendFigure: every item of the page legend, in its words, with a swatch (${own.length} own points)`, () => {
    const f32 = Math.fround;
    const curve = [
      ['both', 0, 0, 0.91, 0.4], ['both', 0.1, 0.1, 0.89, 0.3], ['tau_l', 0.1, 0, 0.9, 0.35], ['tau_c', 0, 0.1, 0.9, 0.36],
    ].map(([sweep, l, c, accuracy, macs]) => ({ sweep, tau_l: f32(l), tau_c: f32(c), accuracy, macs_ratio: macs, images: 100 }));
    const card = { results: { rust: { curve, static_baseline: { result: { accuracy: 0.92 } } } } };
    const cv = curveView(card, 0.1, 0.1, own);
    const { tree, height } = F.curveLegendFigure(cv, 560);
    assert.ok(height > 0);
    const items = tree.children;
    const page = curveLegendTree(cv).children.map((li) => textOf(li.children[li.children.length - 1]));
    assert.ok(page.length >= 5, 'three sweeps, the baseline, the marker');
    assert.deepEqual(items.map((it) => textOf(it.children[it.children.length - 1])), page);
    for (const it of items) assert.ok(it.children[0].attrs.class === 'swatch' && it.children[0].children.length, `a swatch for “${textOf(it)}”`);
    // The sweeps' swatches are drawn in the sweeps' colours.
    for (const s of cv.series) {
      const it = items.find((x) => textOf(x.children[1]) === s.label);
      assert.ok(all(it, (n) => n.attrs.stroke === s.color).length >= 1, s.label);
    }
  });
}
