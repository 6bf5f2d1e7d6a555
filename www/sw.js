// The page's service worker: after one visit the demo works offline (a classroom with a flaky
// network, a train). It is registered once the model is ready, so it never slows the first
// prediction.
//
// Online every request goes to the network first (so a new build is seen at once) and the
// answer is kept; offline the kept copy answers. The files the page and its model worker loaded
// before this worker took control are handed to it by the page (`{cmd: 'keep', urls}`) and
// fetched with `force-cache`, which a static host's HTTP cache answers without a download.
// Not kept here: the weights, which the model worker stores itself under their sha256.
//
// One cache per build: the page registers `sw.js?build=<id>` with the id `cargo xtask build`
// wrote into `build.json`. A new build is a new script, which deletes the caches of every other
// build once it has kept its own files (the page asks it as soon as it is installed: Chromium
// may keep the old worker active for minutes after a new one called skipWaiting) and again on
// activation. A worker with a newer build installed beside it stores nothing more.

const BUILD = new URL(self.location.href).searchParams.get('build') || 'unversioned';
const PREFIX = 'lcnet-build-';
const CACHE = PREFIX + BUILD;

/** Whether a newer build's worker is installed (or installing) beside this one. */
function superseded() {
  const r = self.registration;
  return (r.installing || r.waiting || r.active)?.scriptURL !== self.location.href;
}

/** Puts `response` into this build's cache; a worker that a newer build superseded while the
 * answer was on its way removes its cache again (the newer build deleted it already, or will). */
async function put(cache, request, response) {
  await cache.put(request, response);
  if (superseded()) await caches.delete(CACHE);
}

/** Deletes the caches of every other build. */
async function dropOtherBuilds() {
  for (const name of await caches.keys()) {
    if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
  }
}

/** Requests this worker answers: same-origin GETs, except the weights. */
function handled(request) {
  const url = new URL(request.url);
  return request.method === 'GET' && url.origin === self.location.origin && !url.pathname.endsWith('.safetensors');
}

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    await dropOtherBuilds();
    await self.clients.claim();
  })());
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.status === 200) put(cache, request, response.clone()).catch(() => {});
    return response;
  } catch (err) {
    // A link to a view (`?image=…&tauL=…`) is the same page.
    const kept = await cache.match(request, { ignoreSearch: request.mode === 'navigate' });
    if (kept) return kept;
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  if (handled(event.request)) event.respondWith(networkFirst(event.request));
});

// {cmd: 'keep', urls}: keeps the files not kept yet, then deletes the other builds' caches;
// answers {kept, total, build} on the message port.
self.addEventListener('message', (event) => {
  const { cmd, urls } = event.data || {};
  if (cmd !== 'keep' || !Array.isArray(urls)) return;
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    const todo = [...new Set(urls)].map((url) => new Request(url, { cache: 'force-cache' })).filter(handled);
    let kept = 0;
    // A few at a time, as a browser loads a page.
    const next = async () => {
      for (let request = todo.pop(); request; request = todo.pop()) {
        try {
          if (!(await cache.match(request))) {
            const response = await fetch(request);
            if (response.status !== 200) continue;
            await put(cache, request.url, response);
          }
          kept += 1;
        } catch {
          // Offline or gone: kept the next time the page asks.
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, next));
    await dropOtherBuilds();
    const total = (await cache.keys()).length;
    event.ports[0]?.postMessage({ kept, total, build: BUILD });
  })());
});
