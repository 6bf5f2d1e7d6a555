// Shared set-up of the headless-browser tests: a static server for www/, Debian's Chromium
// driven by playwright-core (no browser download), and a page whose errors fail the test.

import { createServer } from 'node:http';
import { mkdtemp, readFile, rm, stat, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The site under test; LCNET_WWW points the tests at another build of it. */
export const WWW = process.env.LCNET_WWW ? resolve(process.env.LCNET_WWW) : join(ROOT, 'www');
export const ARTIFACTS = join(ROOT, 'tests', 'artifacts');
export const CHROMIUM = process.env.LCNET_CHROMIUM || '/usr/bin/chromium';

const BUILD_HINT = 'run the build first: `cargo xtask build --weights <file.safetensors>` ' +
  '(it writes www/pkg/, www/pkg-relaxed/, www/pkg-reference/, www/weights/model.{safetensors,json}, www/gallery/ and www/stats/)';

/** Throws a clear error naming what is missing when www/ has not been built. */
export function requireBuild() {
  const needed = [
    'pkg/lcnet.js',
    'pkg/lcnet_bg.wasm',
    'pkg-relaxed/lcnet.js',
    'pkg-relaxed/lcnet_bg.wasm',
    'pkg-reference/lcnet_reference.js',
    'pkg-reference/lcnet_reference_bg.wasm',
    'weights/model.json',
    'weights/model.safetensors',
    'gallery/gallery.json',
    'stats/stats.json',
  ];
  const missing = needed.filter((p) => !existsSync(join(WWW, p)));
  if (missing.length) {
    throw new Error(`${WWW} is not built: missing ${missing.join(', ')}; ${BUILD_HINT}`);
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: \`apt-get install -y chromium\` (or set LCNET_CHROMIUM)`);
  }
}

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.safetensors': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves `root` on 127.0.0.1 at a free port, or at `port` (to serve the same origin again).
 * @param {string} [root]
 * @param {number} [port]
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>, requests: string[]}>}
 */
export async function serve(root = WWW, port = 0) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    requests.push(path);
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    try {
      const st = await stat(file);
      if (!st.isFile()) throw new Error('not a file');
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': MIME[extname(file).toLowerCase()] || 'application/octet-stream',
        'content-length': body.length,
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  const at = server.address().port;
  return {
    url: `http://127.0.0.1:${at}/`,
    port: at,
    requests,
    close: () => new Promise((ok) => {
      server.closeAllConnections?.();
      server.close(() => ok());
    }),
  };
}

/**
 * The backends the tests run on: WebGPU (SwiftShader in headless Chromium) and the CPU.
 * `LCNET_NO_WEBGPU=1` leaves WebGPU out, for a Chromium without it; otherwise a page that falls
 * back to the CPU fails the WebGPU tests.
 */
export const BACKENDS = process.env.LCNET_NO_WEBGPU ? ['cpu'] : ['webgpu', 'cpu'];

/**
 * Debian's Chromium with a fresh profile.
 * @param {{webgpu?: boolean, camera?: string, offline?: boolean}} [o] `webgpu: false` launches
 *   without `--enable-unsafe-webgpu`, so `navigator.gpu` offers no adapter (as in a browser
 *   without WebGPU); `camera: 'clip.y4m'` gives the page a fake camera playing that clip,
 *   permission granted; `offline: true` lets the page register its service worker (www/sw.js).
 *   Without it service workers are blocked: a worker's own requests would pass by the
 *   `page.route` interceptions that other tests use to break the page on purpose (the page then
 *   says that offline use is not available; offline.test.mjs covers that part).
 * @returns {Promise<{context: import('playwright-core').BrowserContext, close: () => Promise<void>}>}
 */
export async function launch({ webgpu = true, camera = null, offline = false } = {}) {
  const profile = await mkdtemp(join(tmpdir(), 'lcnet-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      ...(webgpu ? ['--enable-unsafe-webgpu', '--enable-features=Vulkan'] : []),
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...(camera ? [
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${camera}`,
      ] : []),
    ],
    ...(camera ? { permissions: ['camera'] } : {}),
    serviceWorkers: offline ? 'allow' : 'block',
  });
  // Generous: the machine may be busy with other work (a shared 2-core box runs training jobs).
  context.setDefaultTimeout(60_000);
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Collects uncaught exceptions and console errors of a page and its workers. `race(p)` settles
 * like `p` but rejects as soon as the page reports an error, so a waiting test never hangs on a
 * page that already threw.
 */
export class PageErrors {
  /**
   * @param {import('playwright-core').Page} page
   * @param {{console?: boolean}} [o] `console: false` ignores console errors (for pages that are
   *   expected to log failed requests) but still catches uncaught exceptions and crashes
   */
  constructor(page, { console: withConsole = true } = {}) {
    this.errors = [];
    this.listeners = new Set();
    const add = (what) => {
      this.errors.push(what);
      for (const l of this.listeners) l(what);
    };
    page.on('pageerror', (e) => add(`uncaught: ${e.message}`));
    const onConsole = (where) => (msg) => {
      if (msg.type() === 'error') add(`console.error in ${where}: ${msg.text()}`);
    };
    if (withConsole) {
      page.on('console', onConsole('page'));
      page.on('worker', (w) => w.on('console', onConsole('worker')));
    }
    page.on('crash', () => add('the page crashed'));
  }

  /** Resolves or rejects with `promise`, or rejects on the first page error. */
  race(promise) {
    if (this.errors.length) return Promise.reject(new Error(`page error: ${this.errors[0]}`));
    let off;
    const failed = new Promise((_, reject) => {
      off = (what) => reject(new Error(`page error: ${what}`));
      this.listeners.add(off);
    });
    return Promise.race([promise, failed]).finally(() => this.listeners.delete(off));
  }

  /** Throws when any error was seen. */
  assertNone() {
    if (this.errors.length) throw new Error(`the page reported errors:\n  ${this.errors.join('\n  ')}`);
  }
}

/**
 * Opens the page and waits until the model is ready, WebGPU set up (or found missing) and the
 * first example classified. Unless `url` names a backend (`?backend=`), the page is asked to
 * start on WebGPU where the tests use it (`?backend=webgpu`: the worker then waits for the GPU
 * before it is ready), so a test that names no backend runs there; by itself the page would
 * pick the faster backend, which on SwiftShader is the CPU (`backend.test.mjs` checks that).
 * @param {import('playwright-core').BrowserContext} context
 * @param {string} url
 * @returns {Promise<{page: import('playwright-core').Page, errors: PageErrors}>}
 */
export async function openReady(context, url) {
  const page = await context.newPage();
  const errors = new PageErrors(page);
  const u = new URL(url);
  if (!u.searchParams.has('backend') && BACKENDS.includes('webgpu')) u.searchParams.set('backend', 'webgpu');
  await errors.race(page.goto(u.href));
  await errors.race(page.waitForFunction(() => {
    const s = document.body.dataset.state;
    if (s === 'failed') throw new Error(document.getElementById('error').textContent);
    return s === 'ready' && document.body.dataset.gpu === 'done' &&
      Number(document.getElementById('result').dataset.count) >= 1;
  }, null, { timeout: 120_000 }));
  return { page, errors };
}

/**
 * Switches the page to `backend` (as the toggle does; the shown image re-runs there) and
 * checks that it runs there, with no fallback.
 * @returns {Promise<void>}
 */
export async function useBackend(page, errors, backend) {
  await errors.race(page.evaluate((b) => window.lcnetDebug.setBackend(b), backend));
  const now = await page.evaluate(() => ({ b: window.lcnetDebug.backend, o: window.lcnetDebug.output.backend }));
  const note = await page.locator('#backend-note').innerText();
  if (now.b !== backend || now.o !== backend) {
    throw new Error(`the page runs on ${now.b} (last result on ${now.o}), not ${backend}: ${note}` +
      (backend === 'webgpu' ? ' (LCNET_NO_WEBGPU=1 skips the WebGPU tests)' : ''));
  }
}

/**
 * Runs `action` and waits for the next result (`#result[data-count]` grows) or error
 * (`#error[data-count]` grows), whichever comes first.
 * @returns {Promise<{kind: 'result'|'error', text: string}>}
 */
export async function nextOutcome(page, errors, action, timeout = 60_000) {
  const before = await page.evaluate(() => ({
    r: Number(document.getElementById('result').dataset.count),
    e: Number(document.getElementById('error').dataset.count),
  }));
  await errors.race(Promise.resolve(action()));
  const handle = await errors.race(page.waitForFunction((b) => {
    const r = Number(document.getElementById('result').dataset.count);
    const e = Number(document.getElementById('error').dataset.count);
    if (r > b.r) return { kind: 'result', text: document.getElementById('pred-label').textContent };
    if (e > b.e) return { kind: 'error', text: document.getElementById('error').textContent };
    return false;
  }, before, { timeout }));
  return handle.jsonValue();
}

/** Makes tests/artifacts/ and returns a path inside it. */
export async function artifact(name) {
  await mkdir(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** The gallery entries shipped with the page. */
export async function galleryEntries() {
  return JSON.parse(await readFile(join(WWW, 'gallery', 'gallery.json'), 'utf8'));
}

/**
 * One Chromium and one ready page shared by the tests of a file: registers node:test `before`
 * and `after` hooks and returns an object whose `server`, `browser`, `page` and `errors` are set
 * once the page is ready (on `backend`, when given); `setup(ctx)` runs then, inside the hook.
 * @param {{backend?: 'webgpu'|'cpu', setup?: (ctx: object) => (void|Promise<void>)}} [o]
 * @returns {{server?: object, browser?: object, page?: import('playwright-core').Page, errors?: PageErrors}}
 */
export function sharedPage({ backend = null, setup = () => {} } = {}) {
  const ctx = {};
  before(async () => {
    requireBuild();
    ctx.server = await serve();
    ctx.browser = await launch();
    Object.assign(ctx, await openReady(ctx.browser.context, ctx.server.url));
    if (backend) await useBackend(ctx.page, ctx.errors, backend);
    await setup(ctx);
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.server?.close();
  });
  return ctx;
}
