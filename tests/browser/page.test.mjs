// The page in headless Chromium: loads without errors, classifies, draws one element per block
// and per channel, shows block numbers on hover and keyboard focus, re-runs at new thresholds,
// switches backends (WebGPU and the CPU) from the keyboard, benchmarks on both, and leaves a
// screenshot in tests/artifacts/ for the README. The page starts on WebGPU where the browser
// offers it (SwiftShader here), so the tests without a backend in their name run there.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  requireBuild, serve, launch, openReady, nextOutcome, artifact, galleryEntries, useBackend, BACKENDS, WWW,
} from './harness.mjs';

const BACKEND_TEXT = {
  webgpu: /^WebGPU \(.+\)$/,
  cpu: /^CPU \(WebAssembly, SIMD (on|off)(, relaxed SIMD)?\)$/,
};

let server;
let browser;
let page;
let errors;

before(async () => {
  requireBuild();
  server = await serve();
  browser = await launch();
  ({ page, errors } = await openReady(browser.context, server.url));
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function output() {
  return page.evaluate(() => window.lcnetDebug.output);
}

// Compares the drawn visualizer with the trace it came from.
async function checkVisualizer(trace) {
  const drawn = await page.evaluate(() => Array.from(document.querySelectorAll('#viz [data-block]'), (b) => ({
    index: Number(b.dataset.block),
    ran: b.dataset.ran === 'true',
    channels: Array.from(b.querySelectorAll('[data-channel]'), (c) => ({
      k: Number(c.dataset.channel),
      kept: c.dataset.kept === 'true',
    })),
  })));
  assert.equal(drawn.length, trace.blocks.length, 'one element per block');
  for (const [i, d] of drawn.entries()) {
    const b = trace.blocks[i];
    assert.equal(d.index, b.index);
    assert.equal(d.ran, b.ran, `block ${i} ran`);
    assert.equal(d.channels.length, b.ran ? b.planes : 0, `block ${i}: one element per channel when it ran`);
    assert.deepEqual(d.channels.filter((c) => c.kept).map((c) => c.k), b.kept, `block ${i} kept channels`);
  }
  const total = await page.locator('#viz [data-channel]').count();
  assert.equal(total, trace.blocks.filter((b) => b.ran).reduce((s, b) => s + b.planes, 0));
  assert.equal(await page.locator('#viz [data-kept="true"]').count(), trace.channels_kept);
}

test('loads, becomes ready and shows the model and backend', async () => {
  const card = await page.evaluate(() => window.lcnetDebug.card);
  assert.ok(card.config.depth >= 8);
  assert.match(await page.locator('#model-line').innerText(), new RegExp(`ResNet-${card.config.depth}`));
  assert.match(await page.locator('#stat-backend').innerText(), BACKEND_TEXT[BACKENDS[0]]);
  assert.equal((await output()).backend, BACKENDS[0]);
  assert.equal(await page.locator(`input[name="backend"][value="${BACKENDS[0]}"]`).isChecked(), true);
  if (BACKENDS[0] === 'webgpu') {
    // The harness asks for WebGPU (`?backend=webgpu`); the note says so, with the start-up timings.
    assert.match(await page.locator('#backend-note').innerText(),
      /^Running on WebGPU as the address asks \(measured at start-up: [\d.]+ ms vs [\d.]+ ms per image on the CPU\)\.$/);
  }
  assert.equal(await page.locator('#error').isHidden(), true);
  assert.ok(server.requests.includes('/weights/model.safetensors'));
  // Everything came from the page's own origin (the server saw every request; nothing else was
  // reachable anyway); no request left it.
  errors.assertNone();
});

test('a second visit takes the weights from the Cache API instead of downloading them', async () => {
  const downloads = () => server.requests.filter((r) => r === '/weights/model.safetensors').length;
  const before = downloads();
  assert.equal(before, 1);
  const again = await openReady(browser.context, server.url);
  assert.equal(await again.page.locator('body').getAttribute('data-weights'), 'cache');
  assert.equal(downloads(), before, 'no second download');
  again.errors.assertNone();
  await again.page.close();
});

test('the first example is classified and drawn: one element per block and per kept channel', async () => {
  const out = await output();
  const card = await page.evaluate(() => window.lcnetDebug.card);
  assert.equal(out.trace.blocks.length, ((card.config.depth - 2) / 6) * 3);
  assert.equal(out.prepared.rgb.length, card.config.image_size ** 2 * 3);
  assert.equal(await page.locator('#pred-label').textContent(), out.trace.prediction.label);
  assert.equal(await page.locator('.top5-row').count(), 5);
  assert.match(await page.locator('#stat-macs').innerText(), /^[\d.]+ [kMG]? ?MACs \([\d.]+% of static, (saves [\d.]+%|[\d.]+% more than static)\)$/);
  assert.match(await page.locator('#stat-latency').innerText(), /ms inference/);
  await checkVisualizer(out.trace);
  // The canvas shows exactly the prepared pixels.
  const px = await page.evaluate(() => {
    const c = document.getElementById('input-canvas');
    return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
  });
  const rgb = px.filter((_, i) => i % 4 !== 3);
  assert.deepEqual(rgb, out.prepared.rgb);
  errors.assertNone();
});

test('every gallery image classifies and the drawing matches its trace', async () => {
  const entries = await galleryEntries();
  // The "unsure" note follows the threshold `lcnet stats` measured on the test set.
  const { confidence } = JSON.parse(await readFile(join(WWW, 'stats', 'stats.json'), 'utf8'));
  assert.ok(confidence.unsure_below > 0 && confidence.unsure_below < 1, 'a measured threshold');
  await errors.race(page.waitForFunction(() => document.body.dataset.stats === 'ready'));
  for (const e of entries) {
    const r = await nextOutcome(page, errors, () => page.locator(`.thumb[data-file="${e.file}"]`).click());
    assert.equal(r.kind, 'result', `${e.file}: ${r.text}`);
    assert.equal(await page.locator('#result').getAttribute('data-source'), e.file);
    assert.equal(await page.locator(`.thumb[data-file="${e.file}"]`).getAttribute('aria-pressed'), 'true');
    const out = await output();
    assert.equal(r.text, out.trace.prediction.label);
    await checkVisualizer(out.trace);
    const unsure = out.trace.prediction.prob < confidence.unsure_below;
    assert.equal(await page.locator('#unsure').isVisible(), unsure, `${e.file}: unsure note`);
    if (unsure) assert.match(await page.locator('#unsure').textContent(), /only knows 10 classes/);
  }
  errors.assertNone();
});

test('hover and keyboard focus on a block show its numbers', async () => {
  const out = await output();
  const block = page.locator('#viz [data-block="0"]');
  await block.hover();
  const tip = page.locator('#viz-tip');
  assert.equal(await tip.isVisible(), true);
  const text = await tip.innerText();
  assert.match(text, /Block 1/);
  assert.match(text, /L-gate/);
  const b0 = out.trace.blocks[0];
  assert.match(text, new RegExp(`${b0.ran ? b0.kept.length : 0}/${b0.planes}`));
  await page.mouse.move(0, 0);
  assert.equal(await tip.isHidden(), true);

  // Keyboard: Tab until a block has focus, then the arrow keys walk the network.
  await page.locator('#bench-btn').focus();
  let focused = null;
  for (let i = 0; i < 50 && focused === null; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => document.activeElement?.dataset?.block ?? null);
  }
  assert.equal(focused, '0', 'Tab reaches the first block');
  assert.equal(await tip.isVisible(), true);
  assert.match(await tip.innerText(), /Block 1/);
  assert.equal(await page.locator('#viz [data-block="0"]').getAttribute('aria-describedby'), 'viz-tip');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.block), '1');
  assert.match(await tip.innerText(), /Block 2/);
  await page.keyboard.press('Escape');
  assert.equal(await tip.isHidden(), true);
  errors.assertNone();
});

test('higher thresholds skip more and cost less; reset restores the model values', async () => {
  const base = (await output()).trace;
  // The slider's top: where the measured curve says the model has stopped changing.
  const max = Number(await page.locator('#tau-l').getAttribute('max'));
  assert.ok(max > base.tau_l && max <= 1, `τL slider max ${max}`);
  const r = await nextOutcome(page, errors, async () => {
    await page.locator('#tau-l').fill(String(max));
  });
  assert.equal(r.kind, 'result');
  // `fill` on a range input fires `input` once per value; wait for the last re-run.
  await errors.race(page.waitForFunction((m) => window.lcnetDebug.output.trace.tau_l > m - 0.001, max));
  const high = (await output()).trace;
  assert.ok(Math.abs(high.tau_l - max) < 1e-6);
  assert.ok(high.blocks_run <= base.blocks_run);
  assert.ok(high.macs <= base.macs);
  for (const b of high.blocks) assert.equal(b.ran, b.l_gate > high.tau_l, `block ${b.index} follows τL`);
  await checkVisualizer(high);
  assert.equal(await page.locator('#tau-l-out').innerText(), max.toFixed(2));

  await nextOutcome(page, errors, () => page.locator('#tau-reset').click());
  await errors.race(page.waitForFunction((t) => Math.abs(window.lcnetDebug.output.trace.tau_l - t) < 1e-6, base.tau_l));
  const again = (await output()).trace;
  assert.deepEqual(again.blocks.map((b) => b.kept), base.blocks.map((b) => b.kept));
  errors.assertNone();
});

test('a slider moved while an upload is on its way: the upload shows, at the new threshold', async () => {
  const entries = await galleryEntries();
  const file = entries[entries.length - 1].file;
  await errors.race(page.evaluate(async (file) => {
    const bytes = new Uint8Array(await (await fetch(`gallery/${file}`)).arrayBuffer());
    const upload = window.lcnetDebug.classifyBytes(bytes, 'race.png');
    const slider = document.getElementById('tau-c');
    slider.value = slider.max;
    slider.dispatchEvent(new Event('input', { bubbles: true }));
    await upload;
  }, file));
  const max = Math.fround(Number(await page.locator('#tau-c').getAttribute('max')));
  await errors.race(page.waitForFunction((m) => {
    const o = window.lcnetDebug.output;
    return document.getElementById('result').dataset.source === 'race.png' && Math.abs(o.trace.tau_c - m) < 1e-6;
  }, max));
  const out = await output();
  for (const b of out.trace.blocks.filter((x) => x.ran)) {
    assert.deepEqual(b.kept, b.c_gates.flatMap((g, k) => (g > out.trace.tau_c ? [k] : [])));
  }
  await checkVisualizer(out.trace);
  await page.locator('#tau-reset').click();
  await errors.race(page.waitForFunction(() => window.lcnetDebug.output.trace.tau_c === window.lcnetDebug.card.config.tau_c));
  errors.assertNone();
});

test('the toggle switches backends from the keyboard; both decide the same', async () => {
  if (BACKENDS.length < 2) return;
  const first = (await output()).trace;
  const radio = (b) => page.locator(`input[name="backend"][value="${b}"]`);
  await radio('webgpu').focus();
  // Arrow keys move the selection within a radio group (and fire `change`).
  let r = await nextOutcome(page, errors, () => page.keyboard.press('ArrowDown'));
  assert.equal(r.kind, 'result', r.text);
  await errors.race(page.waitForFunction(() => window.lcnetDebug.output.backend === 'cpu'));
  assert.equal(await radio('cpu').isChecked(), true);
  assert.match(await page.locator('#stat-backend').innerText(), BACKEND_TEXT.cpu);
  const cpu = (await output()).trace;
  assert.deepEqual(cpu.blocks.map((b) => [b.ran, b.kept]), first.blocks.map((b) => [b.ran, b.kept]));
  r = await nextOutcome(page, errors, () => page.keyboard.press('ArrowUp'));
  assert.equal(r.kind, 'result', r.text);
  await errors.race(page.waitForFunction(() => window.lcnetDebug.output.backend === 'webgpu'));
  assert.match(await page.locator('#stat-backend').innerText(), BACKEND_TEXT.webgpu);
  errors.assertNone();
});

for (const backend of BACKENDS) test(`the benchmark on ${backend} reports static and dynamic medians`, async () => {
  await useBackend(page, errors, backend);
  const r = await errors.race(page.evaluate(() => window.lcnetDebug.bench(20)));
  assert.equal(r.runs, 20);
  assert.equal(r.backend, backend);
  assert.ok(r.static_ms > 0 && r.dynamic_ms > 0);
  assert.ok(r.macs <= r.static_macs * 1.05);
  const text = await page.locator('#bench-result').innerText();
  assert.match(text, /^Gates off .* ms · LC-Net .* ms \(.*× (faster|slower), median of 20 warm runs each, on (.*)\)$/);
  // The GPU path decides on the GPU: one readback per image, and the page says so.
  if (backend === 'webgpu') {
    assert.equal(r.readbacks_per_image, 1);
    assert.match(text, /; 1 GPU readback per image\)$/);
  } else {
    assert.equal(r.readbacks_per_image, null);
  }
  const shown = text.replace(/^.*, on /, '').replace(/(; 1 GPU readback per image)?\)$/, '');
  assert.match(shown, BACKEND_TEXT[backend]);
  console.log(`benchmark on ${shown}: static ${r.static_ms.toFixed(2)} ms, ` +
    `LC-Net ${r.dynamic_ms.toFixed(2)} ms (median of 20)`);
  errors.assertNone();
});

test('screenshot after a classification (tests/artifacts/screenshot.png)', async () => {
  const entries = await galleryEntries();
  const pick = entries.find((e) => e.kind === 'hard') || entries[0];
  await nextOutcome(page, errors, () => page.locator(`.thumb[data-file="${pick.file}"]`).click());
  // Show the numbers of a block that ran with some channels skipped, if there is one. Keyboard
  // focus, since a full-page capture moves the mouse (and so ends a hover).
  const trace = (await output()).trace;
  const b = trace.blocks.find((x) => x.ran && x.kept.length < x.planes) || trace.blocks[0];
  await page.locator(`#viz [data-block="${b.index}"]`).focus();
  // The README's picture: the first cards, from the title to the end of the visualizer.
  const bottom = await page.locator('.viz-card').evaluate((el) => el.getBoundingClientRect().bottom + window.scrollY);
  await page.screenshot({ path: await artifact('screenshot.png'), fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(bottom) + 16 } });
  await page.screenshot({ path: await artifact('screenshot-full.png'), fullPage: true });
  // Narrow screens: the layout becomes one column without horizontal scrolling.
  await page.setViewportSize({ width: 390, height: 800 });
  await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at 390px`);
  await page.screenshot({ path: await artifact('screenshot-narrow.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  errors.assertNone();
});
