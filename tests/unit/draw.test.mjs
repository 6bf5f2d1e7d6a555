// Unit tests of www/js/draw.js's pure tree builders and of www/js/theme.js.

import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as D from '../../www/js/draw.js';
import * as T from '../../www/js/theme.js';
import { buildView } from '../../www/js/view.js';
import { syntheticTrace } from './synthetic.mjs';

function find(tree, pred) {
  const out = [];
  D.walk(tree, (n) => {
    if (pred(n)) out.push(n);
  });
  return out;
}

test('h drops empty attributes and children and stringifies the rest', () => {
  const n = D.h('div', { a: 1, b: null, c: false, d: true, e: undefined }, ['x', null, [2, false], undefined]);
  assert.deepEqual(n, { tag: 'div', attrs: { a: '1', d: '' }, children: ['x', '2'] });
  assert.deepEqual(D.h('p', {}, 'one').children, ['one']);
});

for (const depth of [8, 56]) {
  test(`visualizerTree: one element per block and per channel of each ran block (depth ${depth})`, () => {
    const trace = syntheticTrace(depth, { tauC: 0.3 });
    const tree = D.visualizerTree(buildView(trace));
    const blocks = find(tree, (n) => 'data-block' in n.attrs);
    assert.equal(blocks.length, trace.blocks.length);
    assert.deepEqual(blocks.map((b) => Number(b.attrs['data-block'])), trace.blocks.map((b) => b.index));
    for (const [i, el] of blocks.entries()) {
      const t = trace.blocks[i];
      assert.equal(el.attrs['data-ran'], String(t.ran));
      assert.equal(el.attrs.tabindex, '0', 'every block is reachable with the keyboard');
      assert.ok(el.attrs['aria-label'].startsWith(`Block ${t.index + 1}`));
      const ch = find(el, (n) => 'data-channel' in n.attrs);
      assert.equal(ch.length, t.ran ? t.planes : 0);
      const keptIdx = ch.filter((c) => c.attrs['data-kept'] === 'true').map((c) => Number(c.attrs['data-channel']));
      assert.deepEqual(keptIdx, t.ran ? t.kept : []);
      // Skipped channels differ by class (hatched in CSS), not only by colour.
      for (const c of ch) {
        assert.equal(c.attrs.class.includes('ch-skipped'), c.attrs['data-kept'] === 'false');
      }
    }
    const all = find(tree, (n) => 'data-channel' in n.attrs);
    assert.equal(all.length, trace.blocks.filter((b) => b.ran).reduce((s, b) => s + b.planes, 0));
    assert.equal(all.filter((c) => c.attrs['data-kept'] === 'true').length, trace.channels_kept);
    assert.equal(find(tree, (n) => n.tag === 'section').length, 3);
  });
}

test('a skipped block says so in text, not only with colour', () => {
  const trace = syntheticTrace(8);
  const tree = D.blockTree(buildView(trace).stages[1].blocks[0], 0);
  assert.equal(tree.attrs['data-ran'], 'false');
  const text = [];
  D.walk(tree, (n) => n.children.forEach((c) => typeof c === 'string' && text.push(c)));
  assert.ok(text.some((t) => t.includes('skip')));
});

test('tooltipTree lists the block numbers', () => {
  const b = buildView(syntheticTrace(8)).stages[0].blocks[0];
  const tree = D.tooltipTree(b);
  assert.equal(find(tree, (n) => n.tag === 'dt').length, b.details.length);
  assert.equal(find(tree, (n) => n.tag === 'dd')[0].children[0], b.details[0][1]);
});

test('top5Tree has one row per class with its bar width', () => {
  const v = buildView(syntheticTrace(8));
  const rows = find(D.top5Tree(v.top5), (n) => n.tag === 'li');
  assert.equal(rows.length, 5);
  assert.equal(rows[0].attrs['data-label'], 'cat');
  assert.equal(find(rows[0], (n) => n.attrs.class === 'top5-fill')[0].attrs.style, 'width:70%');
});

test('galleryTree: one group per kind in order of appearance, one pressed-state button per image', () => {
  const entries = [
    { file: 'cat 1.png', label: 'cat', kind: 'hard', source: 'test #3' },
    { file: 'dog.png', label: 'dog', kind: 'easy' },
    { file: 'cat2.png', label: 'cat', kind: 'hard' },
    { file: 'x.png', label: 'ship' },
  ];
  const groups = D.galleryTree(entries);
  assert.deepEqual(groups.map((g) => g.children[0].children[0]), [
    'Costly for the model: right, at the highest cost in its class',
    'Cheap for the model: right, at the lowest cost in its class',
    'other',
  ]);
  const buttons = groups.map((g) => find(g, (n) => n.tag === 'button'));
  assert.deepEqual(buttons.map((bs) => bs.map((b) => b.attrs['data-file'])), [['cat 1.png', 'cat2.png'], ['dog.png'], ['x.png']]);
  const first = buttons[0][0];
  assert.equal(first.attrs.class, 'thumb');
  assert.equal(first.attrs['aria-pressed'], 'false');
  assert.equal(first.attrs['aria-label'], 'cat (costly for the model)');
  assert.equal(first.attrs.title, 'cat · costly for the model · test #3');
  assert.equal(buttons[1][0].attrs.title, 'dog · cheap for the model');
  const img = find(first, (n) => n.tag === 'img')[0];
  assert.equal(img.attrs.src, 'gallery/cat%201.png');
  assert.equal(img.attrs.width, String(T.LAYOUT.galleryThumb));
  assert.equal(img.attrs.alt, '');
});

test('viridis runs from light (gate 0) to dark (gate 1) and clamps', () => {
  assert.equal(T.viridis(0), '#fde725');
  assert.equal(T.viridis(1), '#440154');
  assert.equal(T.viridis(-3), '#fde725');
  assert.equal(T.viridis(7), '#440154');
  assert.equal(T.viridis(NaN), '#fde725');
  assert.equal(T.viridis(0.5), T.VIRIDIS[4]);
  assert.match(T.viridis(0.3), /^#[0-9a-f]{6}$/);
});

test('textOn picks the readable ink', () => {
  assert.equal(T.textOn('#ffffff'), T.COLORS.text);
  assert.equal(T.textOn('#fde725'), T.COLORS.text);
  assert.equal(T.textOn('#440154'), '#ffffff');
  assert.equal(T.textOn('#0072b2'), '#ffffff');
});

test('cssVariables: lengths in px, counts unitless, every colour present', () => {
  const vars = new Map(T.cssVariables());
  assert.equal(vars.get('--channel-columns'), '8');
  assert.equal(vars.get('--channel-cell'), `${T.LAYOUT.channelCell}px`);
  assert.equal(vars.get('--c-block-ran'), T.COLORS.blockRan);
  assert.ok(vars.get('--gate-ramp').startsWith('linear-gradient'));
  for (const [k, v] of vars) assert.ok(v && !v.includes('undefined'), `${k} = ${v}`);
});

test('every CSS variable style.css uses is defined by theme.js, and it has no colour literals', () => {
  const css = readFileSync(new URL('../../www/style.css', import.meta.url), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '');
  const defined = new Set(T.cssVariables().map(([k]) => k));
  // Set inline by draw.js and teach.js on each element; --tour-h by tour.js (the tour card's
  // height, on a phone).
  for (const local of ['--fill', '--rows', '--series', '--tour-h']) defined.add(local);
  const used = new Set([...css.matchAll(/var\((--[a-z0-9-]+)/g)].map((m) => m[1]));
  for (const u of used) assert.ok(defined.has(u), `style.css uses ${u}, which theme.js does not define`);
  assert.doesNotMatch(css, /#[0-9a-f]{3,8}\b/i, 'colours belong in theme.js');
  assert.doesNotMatch(css, /\brgba?\(/i, 'colours belong in theme.js');
});

test('the visualizer draws a block that ran with no channel as such', () => {
  const view = buildView(syntheticTrace(20, { tauC: 2 }));
  const tiles = view.stages.flatMap((s) => s.blocks).map((b) => D.blockTree(b, 30));
  const empty = tiles.filter((t) => t.attrs['data-empty'] === 'true');
  assert.ok(empty.length > 0);
  for (const t of empty) assert.equal(t.attrs.class, 'block block-ran block-empty');
  const legend = D.legendTree({ tauL: 0, tauC: 0 });
  assert.ok(legend.children.some((li) => li.children[0].attrs.class === 'sw sw-block-empty'));
});
