// The camera as an input, in headless Chromium with a fake camera playing a committed clip
// (tests/browser/media/camera.y4m, made by make-clip.py): frames are timed on each backend and
// classified live on the faster (the CPU here), the visualizer and MACs follow each frame,
// Freeze releases the camera and keeps the last frame for the other views; a hidden tab
// releases the camera; without a camera the page says so and keeps working.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { requireBuild, serve, launch, openReady, nextOutcome, ROOT } from './harness.mjs';

const CLIP = join(ROOT, 'tests', 'browser', 'media', 'camera.y4m');

const cleanup = [];
after(async () => {
  for (const f of cleanup.reverse()) await f();
});

async function site(opts) {
  requireBuild();
  const server = await serve();
  const browser = await launch(opts);
  cleanup.push(() => server.close(), () => browser.close());
  return openReady(browser.context, server.url);
}

/** Whether the page holds a live camera track. */
function liveTracks(page) {
  return page.evaluate(() => {
    const v = document.getElementById('camera-video');
    return v.srcObject ? v.srcObject.getVideoTracks().filter((t) => t.readyState === 'live').length : 0;
  });
}

test('the camera classifies frames live; freeze releases it and keeps the last frame', async (t) => {
  const { page, errors } = await site({ camera: CLIP });
  const pageBackend = await page.evaluate(() => window.lcnetDebug.backend);
  const before = await page.evaluate(() => Number(document.getElementById('result').dataset.count));
  await page.locator('#camera-start').click();
  await errors.race(page.waitForFunction(() => Number(document.body.dataset.cameraFrames) >= 20, null, { timeout: 60_000 }));
  assert.equal(await liveTracks(page), 1, 'one live camera track');
  assert.equal(await page.locator('#camera-video').isVisible(), true);
  const rate = await page.locator('#camera-rate').innerText();
  t.diagnostic(`camera: ${rate}`);
  // Timed on each backend first, the camera runs on the faster: the CPU here (WebGPU is
  // SwiftShader, a CPU emulation), whatever the page's toggle says.
  const both = pageBackend === 'webgpu' || (await page.evaluate(() => window.lcnetDebug.webgpuAvailable));
  assert.match(rate, both
    ? /^\d+\.\d frames\/s on the CPU \(CPU [\d.]+ ms vs WebGPU [\d.]+ ms per frame here\)$/
    : /^\d+\.\d frames\/s on the CPU \([\d.]+ ms per frame\)$/);
  assert.equal(await page.evaluate(() => window.lcnetDebug.backend), pageBackend, 'the page keeps its backend');
  const out = await page.evaluate(() => window.lcnetDebug.output);
  assert.equal(out.prepared.source_format, 'camera');
  assert.ok(Number(await page.locator('#result').getAttribute('data-count')) >= before + 20, 'each frame is a result');
  // The visualizer shows the current frame's trace.
  assert.equal(await page.locator('#viz [data-block]').count(), out.trace.blocks.length);

  await page.locator('#camera-freeze').click();
  assert.equal(await liveTracks(page), 0, 'freeze releases the camera');
  assert.equal(await page.evaluate(() => document.body.dataset.camera), 'off');
  // A frame that was on its way may still land; after that nothing more comes.
  await page.waitForTimeout(1000);
  const frozen = await page.evaluate(() => Number(document.body.dataset.cameraFrames));
  const last = await page.evaluate(() => window.lcnetDebug.output);
  await page.waitForTimeout(500);
  assert.equal(await page.evaluate(() => Number(document.body.dataset.cameraFrames)), frozen, 'no frames after freeze');
  assert.match(await page.locator('#original-caption').innerText(), /frozen/);
  // The frozen frame is the shown image: a threshold change re-runs that same frame.
  const r = await nextOutcome(page, errors, () => page.locator('#tau-l').fill('0.2'));
  assert.equal(r.kind, 'result');
  await errors.race(page.waitForFunction(() => window.lcnetDebug.output.trace.tau_l > 0.19));
  const again = await page.evaluate(() => window.lcnetDebug.output);
  assert.deepEqual(again.prepared.rgb, last.prepared.rgb, 'the same frame re-ran');
  assert.equal(again.prepared.source_format, 'camera');

  // Start again, then hide the tab: the camera is released.
  await page.locator('#camera-start').click();
  await errors.race(page.waitForFunction((n) => Number(document.body.dataset.cameraFrames) > n + 2, frozen));
  await page.evaluate(() => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  assert.equal(await liveTracks(page), 0, 'a hidden tab releases the camera');
  errors.assertNone();
});

test('without a camera the page says so and keeps working', async () => {
  // No fake device: headless Chromium has no camera to give.
  const { page, errors } = await site({ webgpu: false });
  await page.locator('#camera-start').click();
  await errors.race(page.waitForFunction(() => !document.getElementById('error').hidden));
  const text = await page.locator('#error').innerText();
  assert.match(text, /^Camera: .*Images, the gallery and everything else still work\.$/);
  assert.equal(await liveTracks(page), 0);
  assert.equal(await page.locator('#camera-start').innerText(), 'Use camera');
  // Everything else still works.
  const r = await nextOutcome(page, errors, () => page.locator('.thumb').first().click());
  assert.equal(r.kind, 'result');
  errors.assertNone();
});
