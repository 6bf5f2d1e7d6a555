// "Measure it yourself" and `window.lcnet`: the page measures test images in the browser and its
// accuracy and mean MACs equal the native `lcnet eval --limit N` on the same images exactly (CPU;
// `tests/artifacts/measure-golden.json`, written by `cargo xtask test`), WebGPU makes the same
// decisions, a batch gives each image what it gets alone (decisions, logits within 1e-4, on each
// backend), Cancel stops a run, a wrong file is refused with a message, a test set chosen by the
// visitor is used, and a GPU lost mid-run finishes on the CPU and says so.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { sharedPage, useBackend, BACKENDS, ROOT } from './harness.mjs';
import { zip } from './fixtures.mjs';

const GOLDEN = join(ROOT, 'tests/artifacts/measure-golden.json');
const FIXTURE = join(ROOT, 'crate/tests/fixtures/cifar10-test-200.bin');

const golden = existsSync(GOLDEN) ? JSON.parse(readFileSync(GOLDEN, 'utf8')) : null;
let page;
let errors;
let server;
sharedPage({
  backend: 'cpu',
  setup: (c) => {
    ({ page, errors, server } = c);
  },
});

const measure = (n, o = {}) => errors.race(page.evaluate(([k, opts]) => window.lcnet.measure(k, opts), [n, o]));
const points = () => page.locator('#curve svg .measured path').count();

/** Accuracy and mean MACs as `lcnet eval` reports them, from the page's result. */
function summary(r) {
  return { images: r.images, accuracy: r.accuracy, mean_macs: r.mean_macs };
}

test('the page measures the shipped subset exactly as lcnet eval --limit does (CPU)', { skip: !existsSync(GOLDEN) && 'run `cargo xtask test` to write tests/artifacts/measure-golden.json' }, async () => {
  const want = golden.subset;
  const r = await measure(want.images);
  assert.equal(r.backend, 'cpu');
  assert.deepEqual(summary(r), { images: want.images, accuracy: want.accuracy, mean_macs: want.mean_macs });
  assert.equal(r.tau_l, want.tau_l);
  assert.equal(await points(), 1, 'the result is a point on the curve');
  assert.equal(Number(await page.locator('#curve svg .measured path').getAttribute('data-images')), want.images);
  assert.match(await page.locator('#measure-status').innerText(), /^Measured in this browser on 200 images of the shipped subset: .* correct at .* of the static MACs/);
  assert.match(await page.locator('#curve-legend').innerText(), /measured in this browser/);
  errors.assertNone();
});

test('two CPU workers give the same answers as one, image for image; the helper is kept for the next run', async (t) => {
  const one = await measure(200, { workers: 1 });
  const two = await errors.race(page.evaluate(() => window.lcnet.measure(200, { workers: 2 })));
  assert.deepEqual([one.workers, two.workers], [1, 2]);
  assert.deepEqual(two.predicted, one.predicted);
  assert.deepEqual(two.macs, one.macs);
  assert.equal(two.mean_macs, one.mean_macs);
  // Every worker the page starts fetches worker.js (served with no-store).
  const workerLoads = () => server.requests.filter((p) => p.endsWith('/worker.js')).length;
  const loads = workerLoads();
  const again = await measure(200, { workers: 2 });
  assert.deepEqual(again.predicted, one.predicted);
  assert.equal(workerLoads(), loads, 'the second run started no worker');
  t.diagnostic(`images/s: 1 worker ${one.per_second.toFixed(1)}, 2 workers ${two.per_second.toFixed(1)} ` +
    `(${(two.per_second / one.per_second).toFixed(2)}x; a benchmark, not checked here)`);
  assert.match(await page.locator('#measure-status').innerText(), /on the CPU, 2 workers/);
  errors.assertNone();
});

test('the progress line changes at most four times a second (each change is a repaint the workers pay for)', async () => {
  const r = await errors.race(page.evaluate(async () => {
    const status = document.getElementById('measure-status');
    let changes = 0;
    const seen = new MutationObserver(() => { changes += 1; });
    seen.observe(status, { childList: true, characterData: true, subtree: true });
    const result = await window.lcnet.measure(1000, { workers: 2 });
    seen.disconnect();
    return { changes, ms: result.ms, chunks: result.images / result.batch };
  }));
  // The first answer, one every 250 ms, the last one, and the final summary.
  assert.ok(r.changes <= Math.floor(r.ms / 250) + 3, `${r.changes} changes in ${r.ms.toFixed(0)} ms (${r.chunks} chunks)`);
  assert.ok(r.changes >= 2, 'the line shows progress and the result');
  errors.assertNone();
});

/** The gates off on the CPU (switching there and back). */
async function cpuStaticRun(n) {
  await useBackend(page, errors, 'cpu');
  try {
    return await measure(n, { network: 'static' });
  } finally {
    await useBackend(page, errors, 'webgpu');
  }
}

test('the gates off: every image at the static MACs, no point on the curve', async () => {
  const before = await points();
  const r = await measure(40, { network: 'static' });
  const staticMacs = await page.evaluate(() => window.lcnet.card.results.rust.dynamic.static_macs);
  assert.equal(r.network, 'static');
  assert.ok(r.macs.every((m) => m === staticMacs), 'every block and channel computed');
  assert.equal(r.macs_ratio, 1);
  assert.equal(await points(), before, 'a baseline is no point on the curve');
  assert.match(await page.locator('#measure-status').innerText(), /^Measured in this browser with the gates off \(every block and channel\) on 40 images/);
  await assert.rejects(measure(10, { network: 'tiny' }), /unknown network "tiny"/);
  errors.assertNone();
});

test('WebGPU makes the same decisions on the same images, a batch per readback', { skip: !BACKENDS.includes('webgpu') }, async () => {
  const cpu = await measure(100);
  await useBackend(page, errors, 'webgpu');
  try {
    const gpu = await measure(100);
    assert.equal(gpu.backend, 'webgpu');
    assert.equal(gpu.fell_back, false);
    assert.deepEqual(gpu.predicted, cpu.predicted);
    assert.deepEqual(gpu.macs, cpu.macs);
    // Batched: 100 images in 5 chunks of 20, each one submission with one readback.
    assert.equal(gpu.readbacks, 5);
    assert.equal(cpu.readbacks, 0);
    // The gates off, batched on WebGPU: the CPU's static network, every image at the static MACs.
    const gpuStatic = await measure(40, { network: 'static' });
    const cpuStatic = await cpuStaticRun(40);
    assert.equal(gpuStatic.backend, 'webgpu');
    assert.deepEqual(gpuStatic.predicted, cpuStatic.predicted);
    assert.deepEqual(gpuStatic.macs, cpuStatic.macs);
  } finally {
    await useBackend(page, errors, 'cpu');
  }
  errors.assertNone();
});

/** Largest absolute difference between two equally long number arrays. */
function maxDiff(a, b) {
  assert.equal(a.length, b.length);
  return Math.max(0, ...a.map((x, i) => Math.abs(x - b[i])));
}

test('a batch gives each image what it gets alone: the same decisions, logits within 1e-4, on each backend', async (t) => {
  for (const backend of BACKENDS) {
    await useBackend(page, errors, backend);
    try {
      // 40 images: two batches of 20 against 40 runs of one (on the CPU: chunks of 20 and of 1).
      const batched = await measure(40, { traces: true, workers: 1 });
      const alone = await measure(40, { traces: true, workers: 1, batch: 1 });
      assert.deepEqual([batched.backend, alone.backend, batched.batch, alone.batch], [backend, backend, 20, 1]);
      if (backend === 'webgpu') assert.deepEqual([batched.readbacks, alone.readbacks], [2, 40]);
      let worst = 0;
      batched.traces.forEach((b, i) => {
        const a = alone.traces[i];
        assert.deepEqual(b.blocks.map((k) => [k.ran, k.kept]), a.blocks.map((k) => [k.ran, k.kept]), `image ${i}: decisions`);
        assert.equal(b.macs, a.macs, `image ${i}: MACs`);
        for (const [j, k] of b.blocks.entries()) {
          worst = Math.max(worst, maxDiff([k.l_gate ?? 0, ...(k.c_gates ?? [])], [a.blocks[j].l_gate ?? 0, ...(a.blocks[j].c_gates ?? [])]));
        }
        worst = Math.max(worst, maxDiff(b.logits, a.logits));
      });
      assert.ok(worst <= 1e-4, `${backend}: logits or gates differ by ${worst}`);
      t.diagnostic(`${backend}: largest logit or gate difference, batch vs alone: ${worst}`);
    } finally {
      await useBackend(page, errors, 'cpu');
    }
  }
  await assert.rejects(measure(10, { batch: 0 }), /batch is a whole number of images from 1 to 20, not 0/);
  errors.assertNone();
});

test('a GPU lost during a run: it finishes on the CPU and says so', { skip: !BACKENDS.includes('webgpu') }, async () => {
  const cpu = await measure(100);
  await useBackend(page, errors, 'webgpu');
  const run = page.evaluate(() => window.lcnet.measure(100));
  await errors.race(page.waitForFunction(() => document.getElementById('measure-progress').value > 0));
  await errors.race(page.evaluate(() => window.lcnetDebug.loseGpu()));
  const r = await errors.race(run);
  assert.equal(r.fell_back, true);
  assert.equal(r.backend, 'cpu');
  assert.deepEqual(r.predicted, cpu.predicted, 'the same answers whichever backend ran each image');
  assert.match(await page.locator('#measure-status').innerText(), /WebGPU failed during the run; it finished on the CPU/);
  await useBackend(page, errors, 'cpu');
  errors.assertNone();
});

test('Cancel stops a run and adds no point', async () => {
  const before = await points();
  const run = page.evaluate(() => window.lcnet.measure(1000));
  await errors.race(page.waitForFunction(() => document.getElementById('measure-progress').value > 0));
  assert.equal(await page.locator('#measure-cancel').isVisible(), true);
  await page.locator('#measure-cancel').click();
  assert.equal(await errors.race(run), null);
  assert.match(await page.locator('#measure-status').innerText(), /^Cancelled after \d+ images/);
  assert.equal(await points(), before);
  assert.equal(await page.locator('#measure-cancel').isHidden(), true);
  assert.equal(await page.locator('#measure-run').isEnabled(), true);
  errors.assertNone();
});

test('a wrong file is refused with a message; a CIFAR test_batch.bin of the visitor is used', async () => {
  const count = () => page.evaluate(() => Number(document.getElementById('error').dataset.count));
  const n = await count();
  await page.locator('#measure-file').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a test set') });
  await errors.race(page.waitForFunction((k) => Number(document.getElementById('error').dataset.count) > k, n));
  assert.match(await page.locator('#error').innerText(), /Could not use “notes\.txt” as a test set: this is neither CIFAR-10 test data .* The shipped subset stays in use/);

  await page.locator('#measure-file').setInputFiles({ name: 'test_batch.bin', mimeType: 'application/octet-stream', buffer: readFileSync(FIXTURE) });
  await errors.race(page.waitForFunction(() => /Loaded 200 test images/.test(document.getElementById('measure-status').textContent)));
  assert.equal(await page.locator('#measure-n').inputValue(), '200');
  const r = await measure(0);
  assert.equal(r.images, 200);
  if (golden) assert.deepEqual(summary(r), { images: 200, accuracy: golden.fixture.accuracy, mean_macs: golden.fixture.mean_macs });
  assert.match(await page.locator('#measure-status').innerText(), /on 200 images of “test_batch\.bin”/);
  errors.assertNone();
});

test('the JPEG mirror’s zip chosen by a visitor: its test images, decoded as uploads are', async () => {
  const jpeg = readFileSync(join(ROOT, 'tests/browser/media/exif-upright.jpg'));
  const bytes = zip([
    ['train/cat/0001.jpg', jpeg, false],
    ['test/cat/0001.jpg', jpeg, true],
    ['test/dog/0001.jpg', jpeg, false],
  ]);
  await page.locator('#measure-file').setInputFiles({ name: 'cifar10-jpeg.zip', mimeType: 'application/zip', buffer: Buffer.from(bytes) });
  await errors.race(page.waitForFunction(() => /Loaded 2 test images from “cifar10-jpeg\.zip”/.test(document.getElementById('measure-status').textContent)));
  const r = await measure(0);
  assert.equal(r.images, 2);
  assert.equal(r.predicted[0], r.predicted[1], 'the same picture, stored and deflated');
  assert.equal(r.correct, r.predicted.filter((p, i) => p === [3, 5][i]).length);
  errors.assertNone();
});

test('window.lcnet: ready, classify, thresholds, backend', async () => {
  const r = await errors.race(page.evaluate(async () => {
    await window.lcnet.ready;
    const bytes = await (await fetch('gallery/gallery.json')).json()
      .then((g) => fetch(`gallery/${g[0].file}`)).then((res) => res.arrayBuffer());
    const trace = await window.lcnet.classify(bytes, 'api.png');
    await window.lcnet.setThresholds(0.5, 0.02);
    let refused = null;
    try {
      await window.lcnet.setThresholds(2, 0);
    } catch (e) {
      refused = e.message;
    }
    return {
      trace,
      shown: document.getElementById('result').dataset.source,
      thresholds: window.lcnet.thresholds,
      after: window.lcnetDebug.output.trace.tau_l,
      backend: window.lcnet.backend,
      refused,
      card: window.lcnet.card.name,
    };
  }));
  assert.equal(r.shown, 'api.png');
  assert.ok(Array.isArray(r.trace.blocks) && r.trace.macs > 0 && r.trace.prediction.label);
  assert.deepEqual(r.thresholds, { tauL: 0.5, tauC: 0.02 });
  assert.equal(r.after, Math.fround(0.5), 'beyond the slider range too');
  assert.equal(r.backend, 'cpu');
  assert.match(r.refused, /a threshold must be in \[0, 1\], not 2/);
  assert.equal(typeof r.card, 'string');
  await page.locator('#reset-all').click();
  errors.assertNone();
});
