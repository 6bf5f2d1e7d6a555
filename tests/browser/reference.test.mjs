// candle in the browser: the reference executor (the network as candle-nn modules, dense
// masked, the oracle of the native tests) as its own wasm module, `pkg-reference/`. Compared
// here with the page's real-skipping CPU executor, in both wasm builds of the page (relaxed SIMD
// and plain simd128), on 100 test images: the same decisions and predictions, logits within
// 1e-4. The module is not fetched on a first visit (the server's request log); "Check against
// the reference" shows both side by side; a deployment without the module says so.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { requireBuild, serve, launch, openReady, useBackend, WWW } from './harness.mjs';

let server;
let browser;
const cleanup = [];

before(async () => {
  requireBuild();
  server = await serve();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
  for (const f of cleanup) await f();
});

const fetchedReference = () => server.requests.filter((r) => r.startsWith('/pkg-reference/'));

/** The page on the CPU executor with the wasm build `wasm` (null: the one the browser gets). */
async function cpuPage(wasm) {
  const url = new URL(server.url);
  url.searchParams.set('backend', 'cpu');
  if (wasm) url.searchParams.set('wasm', wasm);
  const p = await openReady(browser.context, url.href);
  await useBackend(p.page, p.errors, 'cpu');
  return p;
}

test('a first visit does not fetch the reference module', async () => {
  const { page, errors } = await cpuPage(null);
  // Give the page time for anything it fetches after its first result (the offline copy, the
  // stats, WebGPU set-up).
  await page.waitForLoadState('networkidle');
  assert.deepEqual(fetchedReference(), [], 'no request for pkg-reference/ yet');
  assert.ok(server.requests.includes('/weights/model.safetensors'), 'the request log works');
  errors.assertNone();
  await page.close();
});

for (const wasm of ['relaxed-simd', 'simd128']) {
  test(`candle in the browser and the ${wasm} CPU executor agree on 100 test images`, async (t) => {
    const { page, errors } = await cpuPage(wasm === 'simd128' ? 'simd128' : null);
    assert.equal(await page.evaluate(() => document.body.dataset.wasm), wasm);
    const r = await errors.race(page.evaluate(() => window.lcnet.verify(100)));
    t.diagnostic(JSON.stringify(r));
    assert.equal(r.images, 100);
    assert.equal(r.backend, 'cpu');
    assert.equal(r.decisions_equal, 100, `first difference: ${JSON.stringify(r.first_difference)}`);
    assert.equal(r.predictions_equal, 100);
    assert.ok(r.max_logit_diff < 1e-4, `logits differ by ${r.max_logit_diff}`);
    assert.ok(r.max_logit_diff > 0, 'two different computations (candle unfolds batch norm, the kernels fold it)');
    assert.ok(r.skipping_ms > 0 && r.reference_ms > 0);
    assert.ok(fetchedReference().includes('/pkg-reference/lcnet_reference_bg.wasm'));
    errors.assertNone();
    await page.close();
  });
}

test('"Check against the reference" shows both executors on the shown image', async () => {
  const { page, errors } = await cpuPage(null);
  const trace = await page.evaluate(() => window.lcnetDebug.output.trace);
  await page.locator('#check-btn').click();
  await errors.race(page.waitForFunction(() => ['agree', 'differ', 'error'].includes(document.getElementById('check-result').dataset.state), null, { timeout: 120_000 }));
  assert.equal(await page.locator('#check-result').getAttribute('data-state'), 'agree', await page.locator('#check-result').innerText());
  const rows = await page.locator('.check-table tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.cells, (c) => c.textContent)));
  assert.deepEqual(rows[0], ['', 'Real skipping on the CPU (WebAssembly)', 'Reference (candle, masked)']);
  const blocks = `${trace.blocks_run} of ${trace.blocks.length}`;
  assert.deepEqual(rows.find((r) => r[0] === 'Blocks run'), ['Blocks run', blocks, blocks]);
  assert.match(rows.find((r) => r[0] === 'Prediction')[2], new RegExp(`^${trace.prediction.label} `));
  for (const ms of rows.find((r) => r[0].startsWith('Time'))?.slice(1) ?? []) assert.match(ms, /\d ms$/);
  const text = await page.locator('#check-result p').innerText();
  assert.match(text, /^Both give the same decisions in every block .*, the same prediction, logits at most [\d.]+e-?\d+ apart/);
  assert.match(text, /multiplies the skipped blocks and channels by zero/);
  // A new result makes the check stale: it is cleared.
  await page.evaluate(() => window.lcnet.setThresholds(0.1, 0.1));
  assert.equal(await page.locator('#check-result').innerText(), '');
  errors.assertNone();
  await page.close();
});

test('a deployment without the reference module says so and the page keeps working', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lcnet-noref-'));
  for (const f of await readdir(WWW)) if (f !== 'pkg-reference') await symlink(join(WWW, f), join(dir, f));
  const bare = await serve(dir);
  cleanup.push(() => bare.close(), () => rm(dir, { recursive: true, force: true }));
  const url = new URL(bare.url);
  url.searchParams.set('backend', 'cpu');
  const { page } = await openReady(browser.context, url.href);
  await page.locator('#check-btn').click();
  await page.waitForFunction(() => document.getElementById('check-result').dataset.state === 'error', null, { timeout: 60_000 });
  assert.match(await page.locator('#check-result').innerText(), /^The reference check failed: the reference module could not start/);
  // The page still classifies.
  const before = Number(await page.locator('#result').getAttribute('data-count'));
  await page.evaluate(() => window.lcnet.setThresholds(0.05, 0.05));
  assert.ok(Number(await page.locator('#result').getAttribute('data-count')) > before);
  await page.close();
});
