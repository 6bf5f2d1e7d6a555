// Offline use (www/sw.js, www/js/offline.js): after one visit the page works with the network
// cut, for real (the server is stopped, not emulated: Chromium's offline emulation does not
// cover service workers), classifying its first example with the weights from the browser's
// cache; a new build's service worker replaces the files kept for the old one.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { requireBuild, serve, launch, openReady, WWW } from './harness.mjs';

let browser;
let server;
after(async () => {
  await browser?.close();
  await server?.close();
});

const kept = (page) => page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('lcnet-build-')));

test('after one visit the page works offline; a new build replaces the kept files', async () => {
  requireBuild();
  const { build } = JSON.parse(readFileSync(join(WWW, 'build.json'), 'utf8'));
  server = await serve();
  browser = await launch({ offline: true });
  const url = `${server.url}?backend=cpu`;

  // First visit, online: once the first example is shown the page keeps itself.
  const first = await openReady(browser.context, url);
  await first.errors.race(first.page.waitForFunction(() => document.body.dataset.offline, null, { timeout: 120_000 }));
  assert.equal(await first.page.evaluate(() => document.body.dataset.offline), build);
  assert.match(await first.page.locator('#offline').innerText(), /^Works offline: this browser keeps the page \(\d+ files\) and the model/);
  assert.deepEqual(await kept(first.page), [`lcnet-build-${build}`]);
  first.errors.assertNone();
  await first.page.close();

  // The network is cut: a new visit loads, classifies its first example, weights from the cache.
  await server.close();
  const offline = await openReady(browser.context, url);
  assert.equal(await offline.page.evaluate(() => document.body.dataset.weights), 'cache');
  const result = await offline.page.locator('#result').innerText();
  assert.match(result, /\S/, 'a prediction is shown');
  offline.errors.assertNone();

  // Online again with a new build: its service worker deletes the old build's files.
  server = await serve(WWW, server.port);
  await offline.page.evaluate(async () => {
    await navigator.serviceWorker.register('sw.js?build=next');
  });
  await offline.page.waitForFunction(async () => {
    const names = await caches.keys();
    return !names.some((k) => k.startsWith('lcnet-build-') && k !== 'lcnet-build-next');
  }, null, { timeout: 60_000, polling: 250 });
  // The new build keeps what the page asks it to (as offline.js does on the next visit).
  await offline.page.reload();
  await offline.page.waitForFunction(() => document.body.dataset.offline, null, { timeout: 120_000 });
  assert.deepEqual(await kept(offline.page), [`lcnet-build-${build}`]);
});
