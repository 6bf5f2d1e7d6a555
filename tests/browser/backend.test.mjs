// Where WebGPU is missing or fails, the page runs on the CPU and says so: launched without
// `--enable-unsafe-webgpu`, Chromium's `navigator.gpu` offers no adapter; with it, destroying the
// GPU device (as a lost GPU would be) makes the worker fall back and the page re-run its image.
// By itself (no `?backend=` in the address) the page is ready as soon as the CPU model is warm,
// sets WebGPU up in the background and then runs on whichever was faster at start-up.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';

import { requireBuild, serve, launch, openReady, BACKENDS, PageErrors } from './harness.mjs';

const NOTE = 'WebGPU not available: running on the CPU (WebAssembly)';
const CPU_TEXT = /^CPU \(WebAssembly, SIMD (on|off)(, relaxed SIMD)?\)$/;

const cleanup = [];
after(async () => {
  for (const f of cleanup.reverse()) await f();
});

async function site({ webgpu }) {
  requireBuild();
  const server = await serve();
  const browser = await launch({ webgpu });
  cleanup.push(() => server.close(), () => browser.close());
  return openReady(browser.context, server.url);
}

test('without WebGPU the page runs on the CPU and says why', async (t) => {
  const { page, errors } = await site({ webgpu: false });
  const note = await page.locator('#backend-note').innerText();
  t.diagnostic(note);
  assert.ok(note.startsWith(NOTE), note);
  assert.equal(await page.locator('#backend-note').isVisible(), true);
  assert.match(await page.locator('#stat-backend').innerText(), CPU_TEXT);
  assert.equal(await page.evaluate(() => window.lcnetDebug.output.backend), 'cpu');
  assert.equal(await page.locator('input[name="backend"][value="cpu"]').isChecked(), true);
  assert.equal(await page.locator('input[name="backend"][value="webgpu"]').isDisabled(), true);
  assert.equal(await page.locator('#error').isHidden(), true, 'no WebGPU is not an error');
  errors.assertNone();
});

test('a lost GPU device: the page falls back to the CPU and re-runs the shown image', { skip: !BACKENDS.includes('webgpu') }, async () => {
  const { page, errors } = await site({ webgpu: true });
  const before = await page.evaluate(() => ({
    backend: window.lcnetDebug.output.backend,
    trace: window.lcnetDebug.output.trace,
    source: document.getElementById('result').dataset.source,
    count: Number(document.getElementById('result').dataset.count),
  }));
  assert.equal(before.backend, 'webgpu');
  await errors.race(page.evaluate(() => window.lcnetDebug.loseGpu()));
  await errors.race(page.waitForFunction((n) => Number(document.getElementById('result').dataset.count) > n &&
    window.lcnetDebug.output.backend === 'cpu', before.count));
  const out = await page.evaluate(() => window.lcnetDebug.output);
  assert.equal(await page.locator('#result').getAttribute('data-source'), before.source, 'the same image');
  assert.deepEqual(out.trace.blocks.map((b) => b.kept), before.trace.blocks.map((b) => b.kept));
  assert.match(await page.locator('#stat-backend').innerText(), CPU_TEXT);
  assert.match(await page.locator('#backend-note').innerText(), /^WebGPU failed, running on the CPU \(WebAssembly\)/);
  assert.equal(await page.locator('input[name="backend"][value="cpu"]').isChecked(), true);
  // Choosing WebGPU again asks the browser for a new device.
  await errors.race(page.evaluate(() => window.lcnetDebug.setBackend('webgpu')));
  await errors.race(page.waitForFunction(() => window.lcnetDebug.output.backend === 'webgpu'));
  assert.equal(await page.locator('#backend-note').isHidden(), true);
  errors.assertNone();
});

test('by itself the page is ready on the CPU, then runs on the faster backend and says why', { skip: !BACKENDS.includes('webgpu') }, async (t) => {
  requireBuild();
  const server = await serve();
  const browser = await launch({ webgpu: true });
  cleanup.push(() => server.close(), () => browser.close());
  const page = await browser.context.newPage();
  const errors = new PageErrors(page);
  const started = Date.now();
  await errors.race(page.goto(server.url));
  await errors.race(page.waitForFunction(() => Number(document.getElementById('result').dataset.count) >= 1, null, { timeout: 120_000 }));
  const first = { ms: Date.now() - started, ...(await page.evaluate(() => ({
    backend: window.lcnetDebug.output.backend, gpu: document.body.dataset.gpu,
  }))) };
  t.diagnostic(`first prediction ${first.ms} ms after navigation, on ${first.backend}, WebGPU ${first.gpu}`);
  // The CPU answers first unless WebGPU was set up (and faster) before the first image came.
  if (first.gpu === 'pending') assert.equal(first.backend, 'cpu');
  await errors.race(page.waitForFunction(() => document.body.dataset.gpu === 'done'));
  const w = await page.evaluate(() => window.lcnetDebug.webgpu);
  assert.equal(w.available, true);
  assert.ok(w.ms.cpu > 0 && w.ms.webgpu > 0, JSON.stringify(w.ms));
  const faster = w.ms.webgpu < w.ms.cpu ? 'webgpu' : 'cpu';
  t.diagnostic(`start-up medians: CPU ${w.ms.cpu.toFixed(2)} ms, WebGPU ${w.ms.webgpu.toFixed(2)} ms per image`);
  await errors.race(page.waitForFunction((b) => window.lcnetDebug.backend === b && window.lcnetDebug.output.backend === b, faster));
  assert.match(await page.locator('#backend-note').innerText(),
    /^Running on (the CPU|WebGPU), the faster here: [\d.]+ ms vs [\d.]+ ms per image on (WebGPU|the CPU) \(measured at start-up/);
  assert.equal(await page.locator(`input[name="backend"][value="${faster}"]`).isChecked(), true);
  // The toggle still switches, and the note then says it was chosen.
  const other = faster === 'cpu' ? 'webgpu' : 'cpu';
  await errors.race(page.evaluate((b) => window.lcnetDebug.setBackend(b), other));
  assert.equal(await page.evaluate(() => window.lcnetDebug.output.backend), other);
  assert.match(await page.locator('#backend-note').innerText(), /as chosen \(measured at start-up/);
  errors.assertNone();
});
