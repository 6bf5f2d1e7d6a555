// 200 classifications in a row through the upload path (decode, classify, draw) on the CPU: the
// worker's wasm memory must not keep growing. After warm-up it may grow by at most 8 MiB. The
// WebGPU path runs 40 (SwiftShader emulates the GPU on the CPU: a ResNet-56 pass takes about a
// second there).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  requireBuild, serve, launch, openReady, galleryEntries, useBackend, BACKENDS, WWW,
} from './harness.mjs';

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
