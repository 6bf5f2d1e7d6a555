// Where WebGPU is missing or fails, the page runs on the CPU and says so: launched without
// `--enable-unsafe-webgpu`, Chromium's `navigator.gpu` offers no adapter; with it, destroying the
// GPU device (as a lost GPU would be) makes the worker fall back and the page re-run its image.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';

import { requireBuild, serve, launch, openReady, BACKENDS } from './harness.mjs';

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
