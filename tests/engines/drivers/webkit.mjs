// WebKit (the engine of Safari and of every browser on an iPad) through its own standard driver:
// Debian's WebKitWebDriver (package webkit2gtk-driver) started here on a free port, spoken to over
// classic W3C WebDriver by selenium-webdriver, driving WebKitGTK's MiniBrowser. MiniBrowser needs
// a display: without one (CI, a server) the driver is started under `xvfb-run -a` (apt package
// xvfb), so `node --test tests/` runs this file like any other.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { Builder, Capabilities } from 'selenium-webdriver';

import { engine } from './engine.mjs';

export const WEBKIT_DRIVER = process.env.LCNET_WEBKIT_DRIVER || '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = process.env.LCNET_MINIBROWSER || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const XVFB_RUN = '/usr/bin/xvfb-run';
/** No display of its own: the driver (and the MiniBrowser it starts) runs inside Xvfb. */
const HEADLESS = !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;

/** Throws a clear error naming what to install or how to run. */
export function requireWebKit() {
  if (!existsSync(WEBKIT_DRIVER) || !existsSync(MINIBROWSER)) {
    throw new Error(`no WebKitWebDriver at ${WEBKIT_DRIVER} or no MiniBrowser at ${MINIBROWSER}: ` +
      '`apt-get install -y webkit2gtk-driver xvfb` (or set LCNET_WEBKIT_DRIVER, LCNET_MINIBROWSER)');
  }
  if (HEADLESS && !existsSync(XVFB_RUN)) {
    throw new Error(`MiniBrowser needs a display, and there is none and no ${XVFB_RUN}: \`apt-get install -y xvfb\``);
  }
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** Starts WebKitWebDriver and resolves once it answers /status. */
async function startDriver() {
  const port = await freePort();
  const args = [`--port=${port}`, '--host=127.0.0.1'];
  // Its own process group, so that stopping it also stops Xvfb and the browser.
  const proc = HEADLESS
    ? spawn(XVFB_RUN, ['-a', WEBKIT_DRIVER, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    : spawn(WEBKIT_DRIVER, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const stop = () => {
    try {
      process.kill(-proc.pid);
    } catch {
      // already gone
    }
  };
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`WebKitWebDriver exited (${proc.exitCode}): ${log}`);
    try {
      if ((await fetch(`${url}/status`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) {
      stop();
      throw new Error(`WebKitWebDriver did not answer on ${url} within 20 s: ${log}`);
    }
    await new Promise((ok) => setTimeout(ok, 100));
  }
  return { url, proc, stop, log: () => log };
}

/**
 * MiniBrowser under WebKitWebDriver, one window.
 * @returns {Promise<import('./engine.mjs').Engine>}
 */
export async function launchWebKit() {
  requireWebKit();
  const server = await startDriver();
  let driver;
  try {
    driver = await new Builder()
      .disableEnvironmentOverrides()
      .usingServer(server.url)
      .withCapabilities(new Capabilities({
        browserName: 'MiniBrowser',
        'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
      }))
      .build();
    // Long scripts (a 100-image measurement) are awaited, not cut at the default 30 s.
    await driver.manage().setTimeouts({ script: 600_000, pageLoad: 120_000 });
    // The same layout as the other engines' 1280x900 viewport (the curve's width follows it).
    await driver.manage().window().setRect({ width: 1280, height: 900 });
  } catch (e) {
    server.stop();
    throw new Error(`could not start MiniBrowser through WebKitWebDriver: ${e.message}\n${server.log()}`);
  }
  const caps = await driver.getCapabilities();
  let closed = false;
  return engine({
    name: 'webkit',
    browser: `${caps.get('browserName')} ${caps.get('browserVersion')} (WebKitGTK)`,
    driver: 'selenium-webdriver over classic WebDriver (WebKitWebDriver)',
    async open(url) {
      await driver.get(url);
    },
    // Classic WebDriver's async script: the last argument is the callback that ends it.
    evaluate: (expression) => driver.executeAsyncScript(
      `const done = arguments[arguments.length - 1]; (${expression}).then(done);`),
    async reload() {
      await driver.navigate().refresh();
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await driver.quit();
      } finally {
        server.stop();
      }
    },
    // Classic WebDriver has no log of the page's console or uncaught errors in WebKitWebDriver.
    errors: () => [],
    errorsSeen: 'none (classic WebDriver in WebKitWebDriver reports no console or uncaught errors)',
  });
}
