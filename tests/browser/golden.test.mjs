// The browser must decide exactly what the native CLI decides, on both backends: for every
// gallery image, the prepared pixels, the prediction, which blocks ran, which channels were kept
// and the MACs are equal, and gates, probabilities and logits agree within tolerance (looser on
// WebGPU, whose kernels sum in another order than candle's).
//
// The reference is tests/artifacts/golden.json, the output of
//   lcnet classify --json www/gallery/*.png
// (a JSON array of {file, prepared, trace}), written by the build/test driver.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import {
  requireBuild, serve, launch, openReady, nextOutcome, galleryEntries, useBackend, ARTIFACTS, BACKENDS,
} from './harness.mjs';

const GOLDEN = join(ARTIFACTS, 'golden.json');
const TOLERANCES = {
  cpu: { gate: 1e-4, prob: 1e-4, logit: 1e-3 },
  webgpu: { gate: 1e-3, prob: 1e-3, logit: 1e-3 },
};

const golden = existsSync(GOLDEN) ? JSON.parse(readFileSync(GOLDEN, 'utf8')) : null;
const skip = golden ? false : `no ${GOLDEN}: produce it with \`lcnet classify --json www/gallery/*.png > tests/artifacts/golden.json\``;

let server;
let browser;
let page;
let errors;

before(async () => {
  if (!golden) return;
  requireBuild();
  server = await serve();
  browser = await launch();
  ({ page, errors } = await openReady(browser.context, server.url));
});

after(async () => {
  await browser?.close();
  await server?.close();
});

// Largest difference seen per kind ('gate', 'prob', 'logit'), reported at the end.
let worst = new Map();

function close(a, b, [kind, tol], what) {
  if (a === null || b === null) {
    assert.equal(a, b, what);
    return;
  }
  worst.set(kind, Math.max(worst.get(kind) ?? 0, Math.abs(a - b)));
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tolerance ${tol})`);
}

function closeAll(a, b, tol, what) {
  if (a === null || b === null) {
    assert.equal(a, b, what);
    return;
  }
  assert.equal(a.length, b.length, `${what}: length`);
  a.forEach((x, i) => close(x, b[i], tol, `${what}[${i}]`));
}

/**
 * Compares a browser trace with the CLI's.
 * @param {object} got from the page
 * @param {object} want from golden.json
 * @param {string} name for messages
 * @param {{gate: number, prob: number, logit: number}} t tolerances
 */
function compareTrace(got, want, name, t) {
  const GATE_TOL = ['gate', t.gate];
  const PROB_TOL = ['prob', t.prob];
  const LOGIT_TOL = ['logit', t.logit];
  assert.equal(got.prediction.class, want.prediction.class, `${name}: predicted class`);
  assert.equal(got.prediction.label, want.prediction.label, `${name}: predicted label`);
  close(got.prediction.prob, want.prediction.prob, PROB_TOL, `${name}: probability`);
  assert.deepEqual(got.top5.map((c) => c.class), want.top5.map((c) => c.class), `${name}: top-5 classes`);
  closeAll(got.top5.map((c) => c.prob), want.top5.map((c) => c.prob), PROB_TOL, `${name}: top-5 probabilities`);
  closeAll(got.logits, want.logits, LOGIT_TOL, `${name}: logits`);
  close(got.tau_l, want.tau_l, ['tau', 1e-7], `${name}: tau_l`);
  close(got.tau_c, want.tau_c, ['tau', 1e-7], `${name}: tau_c`);
  assert.equal(got.blocks.length, want.blocks.length, `${name}: blocks`);
  for (const [i, g] of got.blocks.entries()) {
    const w = want.blocks[i];
    const at = `${name}: block ${i}`;
    for (const k of ['index', 'stage', 'position', 'c_in', 'planes', 'stride', 'size_out', 'ran', 'macs', 'static_macs']) {
      assert.equal(g[k], w[k], `${at}: ${k}`);
    }
    close(g.l_gate, w.l_gate, GATE_TOL, `${at}: L-gate`);
    closeAll(g.c_gates, w.c_gates, GATE_TOL, `${at}: C-gates`);
    assert.deepEqual(g.kept, w.kept, `${at}: kept channels`);
  }
  for (const k of ['macs', 'static_macs', 'blocks_run', 'channels_kept', 'channels_total']) {
    assert.equal(got[k], want[k], `${name}: ${k}`);
  }
}

/**
 * Classifies every gallery image on `page` (on `backend`) and compares each with the CLI's.
 * @returns {Promise<number>} the number of images
 */
async function matchGallery(page, errors, backend) {
  await useBackend(page, errors, backend);
  const entries = await galleryEntries();
  const byName = new Map(golden.map((g) => [basename(g.file), g]));
  const missing = entries.filter((e) => !byName.has(e.file)).map((e) => e.file);
  assert.deepEqual(missing, [], 'golden.json covers every gallery image');
  // The CLI ran at the thresholds recorded in its traces; use the same ones.
  const { tau_l: tauL, tau_c: tauC } = golden[0].trace;
  await page.evaluate(([l, c]) => window.lcnetDebug.setThresholds(l, c), [tauL, tauC]);
  for (const e of entries) {
    const want = byName.get(e.file);
    const r = await nextOutcome(page, errors, () => page.locator(`.thumb[data-file="${e.file}"]`).click());
    assert.equal(r.kind, 'result', `${e.file}: ${r.text}`);
    const got = await page.evaluate(() => window.lcnetDebug.output);
    assert.deepEqual(got.prepared.rgb, want.prepared.rgb, `${e.file}: prepared pixels`);
    assert.equal(got.prepared.size, want.prepared.size);
    assert.equal(got.backend, backend, `${e.file}: ran on ${got.backend}`);
    compareTrace(got.trace, want.trace, e.file, TOLERANCES[backend]);
    // And the page shows it.
    assert.equal(r.text, want.trace.prediction.label);
    assert.equal(await page.locator('#viz [data-block]').count(), want.trace.blocks.length);
    assert.equal(await page.locator('#viz [data-kept="true"]').count(), want.trace.channels_kept);
  }
  return entries.length;
}

for (const backend of BACKENDS) test(`every gallery image on ${backend}: the browser matches the native CLI`, { skip }, async (t) => {
  worst = new Map();
  // Chromium validates relaxed SIMD, so the page runs the build with fused multiply-adds.
  assert.equal(await page.evaluate(() => document.body.dataset.wasm), 'relaxed-simd');
  const n = await matchGallery(page, errors, backend);
  t.diagnostic(`${backend}, ${n} images; largest differences: gates ` +
    `${worst.get('gate')?.toExponential(1)}, probabilities ${worst.get('prob').toExponential(1)}, ` +
    `logits ${worst.get('logit').toExponential(1)}`);
  errors.assertNone();
});

// Browsers without relaxed SIMD get the plain simd128 build; it must decide the same.
test('the plain simd128 build (?wasm=simd128) matches the native CLI on the CPU', { skip }, async (t) => {
  worst = new Map();
  const plain = await openReady(browser.context, `${server.url}?wasm=simd128`);
  try {
    assert.equal(await plain.page.evaluate(() => document.body.dataset.wasm), 'simd128');
    const n = await matchGallery(plain.page, plain.errors, 'cpu');
    t.diagnostic(`simd128 build, ${n} images; largest differences: gates ${worst.get('gate')?.toExponential(1)}`);
    plain.errors.assertNone();
  } finally {
    await plain.page.close();
  }
});

