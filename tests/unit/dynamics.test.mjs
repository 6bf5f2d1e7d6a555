// Unit tests of www/js/dynamics.js: the "How dynamic is it?" card is built from the dynamics
// numbers alone (as crate/src/dynamics.rs writes them), and its sentences tell a nearly fixed
// model from a dynamic one.

import test from 'node:test';
import assert from 'node:assert/strict';

import * as Y from '../../www/js/dynamics.js';
import { walk } from '../../www/js/draw.js';

const BLOCKS = Array.from({ length: 27 }, (_, i) => ({ index: i, stage: Math.floor(i / 9) }));
const STATIC = 1000;

// A nearly fixed model, like the one shipped in 2026-12: most images take one path of 12 blocks
// and two images differ only in channels.
function fixedModel() {
  const ran = BLOCKS.map((b) => b.index % 2 === 0 && b.index < 24);
  const run_rate = ran.map((r) => (r ? 1 : 0));
  run_rate[17] = 0.17;
  return {
    images: 1000,
    channels: 1008,
    run_rate,
    empty_rate: run_rate.map((_, b) => (b === 1 ? 0.995 : 0)),
    dynamic_blocks: 1,
    always_run: run_rate.flatMap((r, b) => (r >= 0.99 ? [b] : [])),
    never_run: run_rate.flatMap((r, b) => (r <= 0.01 ? [b] : [])),
    paths: 12,
    top_paths: [{ ran, images: 647 }, { ran: ran.map((r, b) => r || b === 17), images: 170 }],
    near_top_path: 950,
    median_blocks_differ: 0,
    median_channels_differ: 63,
    macs_tenths: [210, 230, 250, 270, 280, 290, 300, 310, 320, 340],
  };
}

function dynamicModel() {
  const d = fixedModel();
  d.run_rate = d.run_rate.map(() => 0.5);
  d.empty_rate = d.run_rate.map(() => 0);
  Object.assign(d, {
    dynamic_blocks: 27, always_run: [], never_run: [], paths: 800,
    top_paths: [{ ran: d.top_paths[0].ran, images: 40 }], near_top_path: 90,
    median_blocks_differ: 9, median_channels_differ: 210.5,
    macs_tenths: [100, 120, 140, 160, 180, 200, 220, 240, 260, 300],
  });
  return d;
}

function nodes(tree, pred) {
  const out = [];
  walk(tree, (n) => {
    if (pred(n)) out.push(n);
  });
  return out;
}

test('a nearly fixed model is called so: one path for most images, channels vary', () => {
  const s = Y.dynamicsSentences(fixedModel(), STATIC).join(' ');
  assert.match(s, /Most images \(647 of 1,000, 65%\) take the same path/);
  assert.match(s, /the same 12 of its 27 blocks run/);
  assert.match(s, /12 blocks run for \(almost\) every image \(≥ 99%\) and 14 for \(almost\) none \(≤ 1%\); the other 1 vary, and 1 of 27 run for between 10% and 90%/);
  assert.match(s, /What varies most from image to image is which channels are computed/);
  assert.match(s, /differ in 0 blocks of 27 and 63 channels of 1,008/);
  assert.match(s, /1\.62× the cheapest tenth \(34% against 21%/);
});

test('a dynamic model is called so: many paths, blocks and channels vary', () => {
  const s = Y.dynamicsSentences(dynamicModel(), STATIC).join(' ');
  assert.match(s, /take 800 different paths/);
  assert.match(s, /taken by 4\.0% of them/);
  assert.match(s, /all vary, and 27 of 27 run for between 10% and 90%/);
  assert.match(s, /What varies most from image to image is which blocks run/);
  assert.match(s, /differ in 9 blocks of 27 and 210\.5 channels of 1,008/);
  assert.match(s, /3\.00× the cheapest tenth/);
});

test('the tree draws the top paths as rows of 27 cells, the facts and ten bars', () => {
  const v = Y.dynamicsView(fixedModel(), { staticMacs: STATIC, blocks: BLOCKS, source: 'test set' });
  const tree = Y.dynamicsTree(v);
  const rows = nodes(tree, (n) => n.attrs && n.attrs.class === 'dyn-path');
  assert.equal(rows.length, 2);
  assert.deepEqual(rows.map((r) => r.attrs['data-images']), ['647', '170']);
  const cells = nodes(rows[0], (n) => n.attrs && /\bdyn-cell\b/.test(n.attrs.class || ''));
  assert.equal(cells.length, 27);
  assert.equal(cells.filter((c) => /\bran\b/.test(c.attrs.class)).length, 12);
  // The stages are separated: blocks 10 and 19 start stages 2 and 3.
  assert.deepEqual(cells.flatMap((c, j) => (/stage-start/.test(c.attrs.class) ? [j] : [])), [9, 18]);
  const bars = nodes(tree, (n) => n.attrs && n.attrs.class === 'dyn-tenth');
  assert.deepEqual(bars.map((b) => b.attrs['data-ratio']), v.tenths.map((t) => t.ratio.toFixed(4)));
  const facts = Object.fromEntries(v.facts);
  assert.match(facts['Run with no channel'], /block 2, for 99\.5% of images: only the shortcut and a bias/);
  assert.match(facts['Effectively fixed'], /^blocks 1, 3, 5, .* and 23 run for ≥ 99%; blocks 2, .* for ≤ 1% of images$/);
  assert.equal(v.small, false);
});

test('a small sample says so; no pair and no image are handled', () => {
  const d = { ...dynamicModel(), images: 100 };
  const tree = Y.dynamicsTree(Y.dynamicsView(d, { staticMacs: STATIC, blocks: BLOCKS, source: 'here.' }));
  const source = nodes(tree, (n) => n.attrs && /dyn-source/.test(n.attrs.class || ''))[0];
  assert.match(source.children.join(''), /A small sample \(100 images\)/);
  const one = { ...dynamicModel(), images: 1, median_blocks_differ: null, median_channels_differ: null, macs_tenths: [150] };
  const s = Y.dynamicsSentences(one, STATIC);
  assert.ok(!s.some((x) => /differ in/.test(x)));
  assert.ok(!s.some((x) => /tenth/.test(x)));
  assert.deepEqual(Y.dynamicsSentences({ ...one, top_paths: [] }, STATIC), ['No image was measured.']);
});
