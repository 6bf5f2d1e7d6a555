// 200 classifications in a row through the upload path (decode, classify, draw) on the CPU: the
// worker's wasm memory must not keep growing. After warm-up it may grow by at most 8 MiB. The
// WebGPU path runs 40 (SwiftShader emulates the GPU on the CPU: a ResNet-56 pass takes about a
// second there). A 40 MP JPEG (made in the page with a canvas) followed by 100 small images may
// raise the memory by at most 48 MiB: big JPEGs are decoded scaled down inside the DCT.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  requireBuild, serve, launch, openReady, galleryEntries, useBackend, BACKENDS, WWW,
} from './harness.mjs';
import { solidPngStreamed } from './fixtures.mjs';

const RUNS = { cpu: 200, webgpu: 40 };
const WARMUP = 10;
const BOUND = 8 * 1024 * 1024;

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

for (const backend of [...BACKENDS].reverse()) {
  test(`${RUNS[backend]} classifications on ${backend} without the wasm memory growing more than 8 MiB`, async () => {
    await useBackend(page, errors, backend);
    await measure(RUNS[backend]);
  });
}

async function measure(runs) {
  const before = Number(await page.locator('#result').getAttribute('data-count'));
  const files = [];
  for (const e of await galleryEntries()) files.push([...(await readFile(join(WWW, 'gallery', e.file)))]);
  const mem = await errors.race(page.evaluate(async ({ files, runs, warmup }) => {
    const out = [];
    for (let i = 0; i < runs + warmup; i++) {
      const o = await window.lcnetDebug.classifyBytes(files[i % files.length], `run-${i}.png`);
      out.push(o.wasm_memory_bytes);
    }
    return out;
  }, { files, runs, warmup: WARMUP }));
  assert.equal(mem.length, runs + WARMUP);
  const base = mem[WARMUP - 1];
  const peak = Math.max(...mem.slice(WARMUP));
  const growth = peak - base;
  console.log(`wasm memory after warm-up ${(base / 2 ** 20).toFixed(1)} MiB, peak over ${runs} runs ` +
    `${(peak / 2 ** 20).toFixed(1)} MiB (growth ${(growth / 2 ** 20).toFixed(2)} MiB)`);
  assert.ok(growth <= BOUND, `wasm memory grew by ${growth} bytes over ${runs} runs`);
  assert.equal(Number(await page.locator('#result').getAttribute('data-count')), before + runs + WARMUP);
  errors.assertNone();
}

test('a 40 MP JPEG, then 100 small images: the wasm memory grows by at most 48 MiB', async (t) => {
  await useBackend(page, errors, 'cpu');
  const files = [];
  for (const e of await galleryEntries()) files.push([...(await readFile(join(WWW, 'gallery', e.file)))]);
  const r = await errors.race(page.evaluate(async ({ files }) => {
    const first = await window.lcnetDebug.classifyBytes(files[0], 'before.png');
    // 7296 x 5472 = 39.9 MP, just under the 40 MP limit: quadrants of colour under noise, as a JPEG
    // from the browser's encoder.
    const c = new OffscreenCanvas(7296, 5472);
    const g = c.getContext('2d');
    const colours = ['#d22', '#2a2', '#22d', '#eee'];
    for (let q = 0; q < 4; q++) {
      g.fillStyle = colours[q];
      g.fillRect((q % 2) * 3648, Math.floor(q / 2) * 2736, 3648, 2736);
    }
    // Noise, as in a real photo, so the file is as big as a camera's (JPEG codes each 8x8 block on
    // its own: a tiled noise pattern costs as much as noise everywhere).
    const tile = new ImageData(256, 256);
    for (let i = 0; i < tile.data.length; i++) tile.data[i] = (i % 4 === 3) ? 90 : Math.random() * 255;
    const noise = new OffscreenCanvas(256, 256);
    noise.getContext('2d').putImageData(tile, 0, 0);
    for (let y = 0; y < 5472; y += 256) for (let x = 0; x < 7296; x += 256) g.drawImage(noise, x, y);
    const blob = await c.convertToBlob({ type: 'image/jpeg', quality: 0.85 });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    const big = await window.lcnetDebug.classifyBytes(bytes, 'big.jpg');
    const after = [];
    for (let i = 0; i < 100; i++) {
      const o = await window.lcnetDebug.classifyBytes(files[i % files.length], `small-${i}.png`);
      after.push({ mem: o.wasm_memory_bytes, label: o.trace.prediction.label, blocks: o.trace.blocks.length });
    }
    return {
      base: first.wasm_memory_bytes, jpegBytes: bytes.length, big: { mem: big.wasm_memory_bytes, w: big.prepared.source_width,
        h: big.prepared.source_height, label: big.trace.prediction.label }, after,
    };
  }, { files }));
  const peak = Math.max(r.big.mem, ...r.after.map((a) => a.mem));
  const growth = peak - r.base;
  t.diagnostic(`40 MP JPEG (${(r.jpegBytes / 2 ** 20).toFixed(1)} MiB file): wasm memory ${(r.base / 2 ** 20).toFixed(1)} -> ` +
    `${(peak / 2 ** 20).toFixed(1)} MiB (growth ${(growth / 2 ** 20).toFixed(1)} MiB)`);
  assert.deepEqual([r.big.w, r.big.h], [7296, 5472]);
  assert.ok(r.big.label.length > 0);
  assert.ok(growth <= 48 * 2 ** 20, `wasm memory grew by ${growth} bytes`);
  // The small images after it still classify as before.
  const labels = new Map();
  for (const [i, a] of r.after.entries()) {
    assert.ok(a.blocks > 0);
    const k = i % files.length;
    if (labels.has(k)) assert.equal(a.label, labels.get(k), `image ${k} keeps its prediction`);
    labels.set(k, a.label);
  }
  errors.assertNone();
});

test('a 40 MP PNG grows the memory for one image only: the worker is replaced after it', async (t) => {
  await useBackend(page, errors, 'cpu');
  const small = [...(await readFile(join(WWW, 'gallery', (await galleryEntries())[0].file)))];
  // Solid colour: a small file that decodes to 7296 x 5472 pixels (120 MB as RGB).
  const big = [...(await solidPngStreamed(7296, 5472, [40, 120, 200]))];
  const r = await errors.race(page.evaluate(async ({ big, small }) => {
    const recycled = () => Number(document.body.dataset.recycled || 0);
    const before = recycled();
    const first = await window.lcnetDebug.classifyBytes(small, 'before.png');
    const b = await window.lcnetDebug.classifyBytes(big, 'big.png');
    while (recycled() === before) await new Promise((ok) => setTimeout(ok, 50));
    const after = [];
    for (let i = 0; i < 5; i++) after.push((await window.lcnetDebug.classifyBytes(small, `after-${i}.png`)).wasm_memory_bytes);
    return {
      base: first.wasm_memory_bytes, big: b.wasm_memory_bytes, size: [b.prepared.source_width, b.prepared.source_height],
      after, backend: window.lcnetDebug.output.backend, label: window.lcnetDebug.output.trace.prediction.label,
    };
  }, { big, small }));
  const mib = (v) => (v / 2 ** 20).toFixed(1);
  t.diagnostic(`40 MP PNG: wasm memory ${mib(r.base)} -> ${mib(r.big)} MiB, after the replacement ${r.after.map(mib).join(', ')} MiB`);
  assert.deepEqual(r.size, [7296, 5472]);
  assert.ok(r.big - r.base > 48 * 2 ** 20, 'the big PNG did grow the memory (else this test checks nothing)');
  assert.ok(Math.max(...r.after) - r.base <= 48 * 2 ** 20, 'no lasting growth over 48 MiB');
  assert.equal(r.backend, 'cpu', 'the replacement worker runs on the chosen backend');
  assert.ok(r.label.length > 0);
  errors.assertNone();
});
