// A broken deployment fails visibly: the page says what is wrong in its alert area instead of
// spinning forever. Each case serves a copy of www/ (links to the real files) with one part
// broken. These pages log failed requests to the console by design, so console errors are not
// checked here; uncaught exceptions still fail the test.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { requireBuild, serve, launch, PageErrors, WWW } from './harness.mjs';

let browser;
const cleanup = [];

before(async () => {
  requireBuild();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  for (const f of cleanup) await f();
});

// A site whose files link to www/'s, with `weights/` replaced by `files` and both wasm builds
// (`pkg/`, `pkg-relaxed/`) left out when `noPkg`.
async function brokenSite(files, { noPkg = false } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'lcnet-site-'));
  for (const f of ['index.html', 'style.css', 'favicon.svg', 'js', 'gallery', ...(noPkg ? [] : ['pkg', 'pkg-relaxed'])]) {
    await symlink(join(WWW, f), join(dir, f));
  }
  await mkdir(join(dir, 'weights'));
  for (const [name, body] of Object.entries(files)) await writeFile(join(dir, 'weights', name), body);
  const server = await serve(dir);
  cleanup.push(() => server.close(), () => rm(dir, { recursive: true, force: true }));
  return server;
}

async function failureText(server) {
  const page = await browser.context.newPage();
  // Console errors are expected (failed loads); uncaught exceptions are not.
  const errors = new PageErrors(page, { console: false });
  await errors.race(page.goto(server.url));
  await errors.race(page.waitForFunction(() => document.body.dataset.state === 'failed'));
  const alert = page.locator('[role="alert"]');
  assert.equal(await alert.isVisible(), true);
  const text = await alert.innerText();
  errors.assertNone();
  await page.close();
  return text;
}

const weights = () => readFile(join(WWW, 'weights', 'model.safetensors'));
const card = async () => JSON.parse(await readFile(join(WWW, 'weights', 'model.json'), 'utf8'));

test('weights that do not match the card\'s sha256', async (t) => {
  const c = await card();
  c.weights_sha256 = '0'.repeat(64);
  const server = await brokenSite({ 'model.safetensors': await weights(), 'model.json': JSON.stringify(c) });
  const text = await failureText(server);
  t.diagnostic(text);
  assert.match(text, /The model could not be loaded: the weights file does not match its model card/);
});

test('weights of another architecture', async (t) => {
  const c = await card();
  c.config.depth += 6;
  delete c.weights_sha256;
  const server = await brokenSite({ 'model.safetensors': await weights(), 'model.json': JSON.stringify(c) });
  const text = await failureText(server);
  t.diagnostic(text);
  assert.match(text, /The model could not be loaded: the weights do not fit the model/);
});

test('no weights at all', async (t) => {
  const server = await brokenSite({});
  const text = await failureText(server);
  t.diagnostic(text);
  assert.match(text, /could not fetch \/weights\/model\.json: HTTP 404/);
});

test('no wasm build (www/pkg and www/pkg-relaxed missing)', async (t) => {
  const c = await card();
  const server = await brokenSite({ 'model.safetensors': await weights(), 'model.json': JSON.stringify(c) }, { noPkg: true });
  const text = await failureText(server);
  t.diagnostic(text);
  assert.match(text, /wasm build pkg(-relaxed)?\/lcnet\.js could not be loaded.*cargo xtask build/);
});
