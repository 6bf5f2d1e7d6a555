// "How dynamic is it?": the card shows the test set's dynamics from stats.json (`lcnet stats`),
// and, measured live at the sliders' thresholds, numbers equal to a brute-force count over the
// traces of the same images (computed here, in the test, without the page's code: every pair of
// images for the medians). Also the claim line, the frontier note and the ten-classes reminder.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { sharedPage, nextOutcome, openReady, serve, WWW } from './harness.mjs';
import { png } from './fixtures.mjs';

let page;
let errors;
const shared = sharedPage({
  backend: 'cpu',
  setup: (c) => {
    ({ page, errors } = c);
  },
});

const stats = JSON.parse(readFileSync(join(WWW, 'stats/stats.json'), 'utf8'));

/** Brute force over the traces: paths, the most common one, medians over every pair. */
function count(traces) {
  const key = (t) => t.blocks.map((b) => (b.ran ? 1 : 0)).join('');
  const paths = new Map();
  for (const t of traces) paths.set(key(t), (paths.get(key(t)) || 0) + 1);
  const channels = (t) => new Set(t.blocks.flatMap((b, k) => (b.ran ? b.kept.map((c) => `${k}:${c}`) : [])));
  const sets = traces.map(channels);
  const blocks = [];
  const chans = [];
  for (let i = 0; i < traces.length; i++) {
    for (let j = i + 1; j < traces.length; j++) {
      blocks.push(traces[i].blocks.filter((b, k) => b.ran !== traces[j].blocks[k].ran).length);
      chans.push([...sets[i]].filter((c) => !sets[j].has(c)).length + [...sets[j]].filter((c) => !sets[i].has(c)).length);
    }
  }
  const median = (v) => {
    v.sort((a, b) => a - b);
    return (v[(v.length - 1) >> 1] + v[v.length >> 1]) / 2;
  };
  return {
    paths: paths.size,
    top: Math.max(...paths.values()),
    blocks: median(blocks),
    channels: median(chans),
  };
}

const fact = async (name) => page.locator('#dynamics .dyn-facts div').filter({ hasText: name }).locator('dd').innerText();

test('the card shows the test set’s dynamics from stats.json', async () => {
  await page.waitForFunction(() => document.body.dataset.stats === 'ready');
  const d = stats.dynamics;
  assert.ok(d, 'stats.json has dynamics (lcnet stats writes them)');
  assert.equal(Number(await page.locator('#dynamics .dyn').getAttribute('data-images')), d.images);
  const rows = await page.locator('#dynamics .dyn-path').evaluateAll((els) => els.map((e) => Number(e.dataset.images)));
  assert.deepEqual(rows, d.top_paths.map((p) => p.images));
  assert.equal(await page.locator('#dynamics .dyn-path').first().locator('.dyn-cell').count(), d.run_rate.length);
  // At 390 px the 27 cells of a path fit the card without scrolling.
  await page.setViewportSize({ width: 390, height: 800 });
  const fits = await page.locator('#dynamics .dyn-paths').evaluate((el) => el.scrollWidth <= el.clientWidth);
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.ok(fits, 'the path rows fit a phone');
  const bars = await page.locator('#dynamics .dyn-tenth').evaluateAll((els) => els.map((e) => e.dataset.ratio));
  assert.deepEqual(bars, d.macs_tenths.map((m) => (m / stats.static_macs).toFixed(4)));
  assert.match(await page.locator('#dynamics .dyn-source').innerText(), /lcnet stats on the 10,000 test images/);
  assert.match(await fact('Different block paths'), new RegExp(`^${d.paths.toLocaleString('en')} among`));
  errors.assertNone();
});

test('counted live, the numbers equal a brute-force count over the same images’ traces', async () => {
  const n = 100;
  const r = await errors.race(page.evaluate((k) => window.lcnet.measure(k, { traces: true }), n));
  const want = count(r.traces);
  await page.locator('#dynamics-n').selectOption(String(n));
  await page.locator('#dynamics-run').click();
  await page.waitForFunction((k) => document.body.dataset.dynamics === String(k) && /this browser/.test(document.querySelector('#dynamics .dyn-source').textContent), n);
  assert.match(await page.locator('#dynamics .dyn-source').innerText(), /A small sample \(100 images\)/);
  assert.match(await fact('Different block paths'), new RegExp(`^${want.paths} among 100 images`));
  assert.match(await fact('The most common path'), new RegExp(`^${want.top} images`));
  assert.equal(Number(await page.locator('#dynamics .dyn-path').first().getAttribute('data-images')), want.top);
  const fmt = (x) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
  const unit = (x, one) => `${fmt(x)} ${one}${x === 1 ? '' : 's'}`;
  assert.match(await fact('Two random images differ in'), new RegExp(`^${unit(want.blocks, 'block')}, ${unit(want.channels, 'channel')} \\(median\\)`));
  // The same numbers through the scripting interface.
  const d = await errors.race(page.evaluate((traces) => window.lcnet.dynamics(traces), r.traces));
  assert.deepEqual([d.paths, d.top_paths[0].images, d.median_blocks_differ, d.median_channels_differ], [want.paths, want.top, want.blocks, want.channels]);
  // Traces that do not fit together are refused with a message, and the page lives on.
  const bad = structuredClone(r.traces.slice(0, 2));
  bad[1].blocks.pop();
  await assert.rejects(page.evaluate((t) => window.lcnet.dynamics(t), bad), /image 1 has other blocks than image 0/);
  // Back to the test set.
  await page.locator('#dynamics-test-set').click();
  assert.equal(Number(await page.locator('#dynamics .dyn').getAttribute('data-images')), stats.dynamics.images);
  errors.assertNone();
});

test('the header sets the paper’s claim against the measured loss; the frontier note and the ten classes are there', async () => {
  const card = await page.evaluate(() => window.lcnet.card ?? null);
  const claim = await page.locator('#claim-line').innerText();
  assert.match(claim, /The paper reports the accuracy of the full network at a fraction of its cost\. This model, measured on the 10,000 test images: .* of the MACs, .* (less|more) accurate than the full static ResNet-56/);
  const frontier = await page.locator('#frontier-note').innerText();
  const hasFrontier = Boolean(card && card.results && card.results.rust && card.results.rust.frontier && card.results.rust.frontier.length);
  if (!hasFrontier) assert.match(frontier, /^Not measured/);
  else assert.match(frontier, /static ResNets trained by the same recipe/);
  assert.match(await page.locator('#known-classes').innerText(), /ten kinds of things.*airplane, automobile/);
  // A picture of the visitor's own: its answer carries the reminder (a test image says right or wrong).
  const photo = png({ width: 40, height: 30, colorType: 2, sample: (x, y) => [x * 6, y * 8, 128] });
  const out = await nextOutcome(page, errors, () => page.locator('#file').setInputFiles({ name: 'own.png', mimeType: 'image/png', buffer: photo }));
  assert.equal(out.kind, 'result');
  assert.match(await page.locator('#truth').innerText(), /^The network only knows 10 classes \(airplane, .*truck\): a picture of anything else/);
  errors.assertNone();
});

// A copy of the site (links to www/'s files) whose card lists smaller static networks, as
// `lcnet record --frontier` writes them: the curve draws them and places LC-Net against them.
test('with smaller static networks in the card the curve draws the frontier and places LC-Net', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lcnet-frontier-'));
  for (const f of await readdir(WWW)) if (f !== 'weights') await symlink(join(WWW, f), join(dir, f));
  await mkdir(join(dir, 'weights'));
  await symlink(join(WWW, 'weights', 'model.safetensors'), join(dir, 'weights', 'model.safetensors'));
  const card = JSON.parse(readFileSync(join(WWW, 'weights', 'model.json'), 'utf8'));
  // Fixture values (not measurements): three depths below LC-Net's own point.
  card.results.rust.frontier = [
    { depth: 8, card: 'resnet8-static', accuracy: 0.8, macs_ratio: 0.09, images: 10000 },
    { depth: 14, card: 'resnet14-static', accuracy: 0.85, macs_ratio: 0.21, images: 10000 },
    { depth: 20, card: 'resnet20-static', accuracy: 0.88, macs_ratio: 0.33, images: 10000 },
  ];
  await writeFile(join(dir, 'weights', 'model.json'), JSON.stringify(card));
  const server = await serve(dir);
  let other;
  try {
    other = await openReady(shared.browser.context, `${server.url}?backend=cpu`);
    const squares = await other.page.locator('#curve svg .frontier rect').evaluateAll((els) => els.map((e) => Number(e.dataset.depth)));
    assert.deepEqual(squares, [8, 14, 20, 56]);
    assert.match(await other.page.locator('#curve-legend').innerText(), /smaller static ResNets, same recipe/);
    const own = card.results.rust.dynamic;
    const y = 0.85 + (0.88 - 0.85) * (own.macs_ratio - 0.21) / (0.33 - 0.21);
    const d = (own.accuracy - y) * 100;
    assert.match(await other.page.locator('#frontier-note').innerText(),
      new RegExp(`on the line from ResNet-14 to ResNet-20\\): LC-Net is ${Math.abs(d).toFixed(1)} points ${d > 0 ? 'above' : 'below'} them`));
    other.errors.assertNone();
  } finally {
    await other?.page.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
