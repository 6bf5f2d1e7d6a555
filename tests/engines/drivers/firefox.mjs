// Firefox ESR through its own standard driver: WebDriver BiDi, built into Firefox, spoken to by
// puppeteer-core (`browser: 'firefox'`), with Debian's firefox-esr (never a downloaded browser).

import { existsSync } from 'node:fs';
import puppeteer from 'puppeteer-core';

import { engine, pageOps } from './engine.mjs';

export const FIREFOX = process.env.LCNET_FIREFOX || '/usr/bin/firefox-esr';

/**
 * Headless Firefox ESR with a fresh profile, one page.
 * @returns {Promise<import('./engine.mjs').Engine>}
 */
export async function launchFirefox() {
  if (!existsSync(FIREFOX)) {
    throw new Error(`no Firefox at ${FIREFOX}: \`apt-get install -y firefox-esr\` (or set LCNET_FIREFOX)`);
  }
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    protocolTimeout: 600_000,
  });
  const [page] = await browser.pages();
  await page.setViewport({ width: 1280, height: 900 });
  page.setDefaultTimeout(120_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  let closed = false;
  return engine({
    name: 'firefox',
    browser: await browser.version(),
    driver: `puppeteer-core over WebDriver BiDi`,
    ...pageOps(page),
    async close() {
      if (closed) return;
      closed = true;
      await browser.close();
    },
    errors: () => [...errors],
    errorsSeen: 'the page’s uncaught exceptions and console errors (not its workers’)',
  });
}
