// Offline use (www/sw.js, www/js/offline.js): after one visit the page works with the network
// cut, for real (the server is stopped, not emulated: Chromium's offline emulation does not
// cover service workers), classifying its first example with the weights from the browser's
// cache; a new build's service worker replaces the files kept for the old one.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { requireBuild, serve, launch, openReady, WWW } from './harness.mjs';

let browser;
let server;
let next; // the copy of www/ that plays the new build
after(async () => {
  await browser?.close();
  await server?.close();
  if (next) await rm(next, { recursive: true, force: true });
});

const kept = (page) => page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('lcnet-build-')));

/** Waits until the page has kept itself for offline use (or said why not) and returns the build. */
async function keptBuild({ page, errors }) {
  try {
    await errors.race(page.waitForFunction(() => document.getElementById('offline').textContent, null, { timeout: 120_000 }));
  } catch (e) {
    // Where it stopped: the page's state and its service workers.
    const state = await page.evaluate(async () => ({
      body: { ...document.body.dataset },
      caches: await caches.keys(),
      workers: (await navigator.serviceWorker.getRegistrations()).map((r) =>
        ['installing', 'waiting', 'active'].map((k) => r[k] && `${k} ${r[k].scriptURL} ${r[k].state}`).filter(Boolean)),
    }));
    throw new Error(`${e.message}; the page: ${JSON.stringify(state)}`);
  }
  const line = await page.locator('#offline').innerText();
  assert.match(line, /^Works offline: this browser keeps the page \(\d+ files\) and the model/);
  return page.evaluate(() => document.body.dataset.offline);
}

test('after one visit the page works offline; a new build replaces the kept files', async () => {
  requireBuild();
  const { build } = JSON.parse(readFileSync(join(WWW, 'build.json'), 'utf8'));
  server = await serve();
  browser = await launch({ offline: true });
  const url = `${server.url}?backend=cpu`;

  // First visit, online: once the first example is shown the page keeps itself.
  const first = await openReady(browser.context, url);
  assert.equal(await keptBuild(first), build);
  assert.deepEqual(await kept(first.page), [`lcnet-build-${build}`]);
  first.errors.assertNone();
  await first.page.close();

  // The network is cut: a new visit loads, classifies its first example, weights from the cache.
  await server.close();
  const offline = await openReady(browser.context, url);
  assert.equal(await offline.page.evaluate(() => document.body.dataset.weights), 'cache');
  const result = await offline.page.locator('#result').innerText();
  assert.match(result, /\S/, 'a prediction is shown');
  // It keeps itself again (from the cache) before the next step, which replaces its worker.
  assert.equal(await keptBuild(offline), build);
  offline.errors.assertNone();

  // Online again with a new build (a copy of this one with another id): the next visit's page
  // registers the new build's worker, which keeps the new build's files and deletes the old
  // build's (without waiting for its activation, which Chromium may hold back for minutes while
  // the old worker is busy: the failure CI saw).
  next = await mkdtemp(join(tmpdir(), 'lcnet-next-build-'));
  await cp(WWW, next, { recursive: true });
  const nextBuild = `next-${build}`;
  const info = JSON.parse(readFileSync(join(next, 'build.json'), 'utf8'));
  writeFileSync(join(next, 'build.json'), JSON.stringify({ ...info, build: nextBuild }));
  server = await serve(next, server.port);
  await offline.page.reload();
  assert.equal(await keptBuild(offline), nextBuild);
  assert.deepEqual(await kept(offline.page), [`lcnet-build-${nextBuild}`]);
  offline.errors.assertNone();
});
