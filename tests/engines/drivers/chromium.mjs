// Chromium through playwright-core (Chrome DevTools Protocol), Debian's /usr/bin/chromium, as
// tests/browser/harness.mjs launches it: WebGPU on (SwiftShader), fresh profile; service workers
// allowed, as a visitor's browser has them.

import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { engine, pageOps } from './engine.mjs';
import { CHROMIUM } from '../../browser/harness.mjs';

/**
 * Headless Chromium with a fresh profile, one page.
 * @returns {Promise<import('./engine.mjs').Engine>}
 */
export async function launchChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: \`apt-get install -y chromium\` (or set LCNET_CHROMIUM)`);
  }
  const profile = await mkdtemp(join(tmpdir(), 'lcnet-engines-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--no-sandbox', // CI runs as root
      '--enable-unsafe-webgpu', '--enable-features=Vulkan',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
    ],
    serviceWorkers: 'allow',
  });
  context.setDefaultTimeout(120_000);
  const page = context.pages()[0] ?? await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  const onConsole = (where) => (m) => {
    if (m.type() === 'error') errors.push(`console.error in ${where}: ${m.text()}`);
  };
  page.on('console', onConsole('page'));
  page.on('worker', (w) => w.on('console', onConsole('worker')));
  page.on('crash', () => errors.push('the page crashed'));
  let closed = false;
  return engine({
    name: 'chromium',
    browser: `Chromium ${context.browser()?.version() ?? ''}`.trim(),
    driver: 'playwright-core over the Chrome DevTools Protocol',
    ...pageOps(page),
    async close() {
      if (closed) return;
      closed = true;
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
    errors: () => [...errors],
    errorsSeen: 'the page’s and its workers’ uncaught exceptions and console errors',
  });
}
