// 200 classifications in a row through the upload path (decode, classify, draw): the worker's
// wasm memory must not keep growing. After warm-up it may grow by at most 8 MiB.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { requireBuild, serve, launch, openReady, galleryEntries, WWW } from './harness.mjs';

const RUNS = 200;
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

test(`${RUNS} classifications without the wasm memory growing more than 8 MiB`, async () => {
  const files = [];
  for (const e of await galleryEntries()) files.push([...(await readFile(join(WWW, 'gallery', e.file)))]);
  const mem = await errors.race(page.evaluate(async ({ files, runs, warmup }) => {
    const out = [];
    for (let i = 0; i < runs + warmup; i++) {
      const o = await window.lcnetDebug.classifyBytes(files[i % files.length], `run-${i}.png`);
      out.push(o.wasm_memory_bytes);
    }
    return out;
  }, { files, runs: RUNS, warmup: WARMUP }));
  assert.equal(mem.length, RUNS + WARMUP);
  const base = mem[WARMUP - 1];
  const peak = Math.max(...mem.slice(WARMUP));
  const growth = peak - base;
  console.log(`wasm memory after warm-up ${(base / 2 ** 20).toFixed(1)} MiB, peak over ${RUNS} runs ` +
    `${(peak / 2 ** 20).toFixed(1)} MiB (growth ${(growth / 2 ** 20).toFixed(2)} MiB)`);
  assert.ok(growth <= BOUND, `wasm memory grew by ${growth} bytes over ${RUNS} runs`);
  assert.equal(Number(await page.locator('#result').getAttribute('data-count')), RUNS + WARMUP + 1);
  errors.assertNone();
});
