import { Builder } from 'selenium-webdriver';
import { DriverService } from 'selenium-webdriver/remote/index.js';
import { findFreePort } from 'selenium-webdriver/net/portprober.js';
import { readFile, readdir } from 'node:fs/promises';

const url = process.env.LCNET_URL ?? 'http://127.0.0.1:8080/';
// WebKit's own driver (apt: webkit2gtk-driver) starts MiniBrowser; run this under `xvfb-run -a`.
const port = await findFreePort();
const service = new DriverService(process.env.LCNET_WEBKIT_DRIVER ?? '/usr/bin/WebKitWebDriver',
  { port, args: [`--port=${port}`], loopback: true });
const driver = await new Builder().usingServer(await service.start()).withCapabilities({
  browserName: 'MiniBrowser',
  'webkitgtk:browserOptions': {
    binary: process.env.LCNET_MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
    args: ['--automation'],
  },
}).build();
await driver.manage().setTimeouts({ script: 300_000 });
await driver.get(`${url}?backend=cpu`);
// WebKitWebDriver may answer before the page's modules ran: wait for `window.lcnet` first. A
// script's returned promise is awaited (W3C WebDriver "Execute Script").
await driver.wait(() => driver.executeScript('return Boolean(window.lcnet)'), 60_000);
await driver.executeScript('return window.lcnet.ready.then(() => null)');

const file = (await readdir('weights/gallery')).find((f) => f.endsWith('.png'));
const bytes = [...await readFile(`weights/gallery/${file}`)];
const trace = await driver.executeScript(
  'return window.lcnet.classify(new Uint8Array(arguments[0]), arguments[1])', bytes, file);
console.log(`${file}: ${trace.prediction.label}, ${trace.blocks_run} of ${trace.blocks.length} blocks, ` +
  `${(100 * trace.macs / trace.static_macs).toFixed(1)}% of the static MACs`);

await driver.executeScript('return window.lcnet.setThresholds(0.05, 0.05)');
const r = await driver.executeScript('return window.lcnet.measure(100)');
console.log(`100 test images at τL = τC = 0.05: ${(100 * r.accuracy).toFixed(1)}% correct, ` +
  `${(100 * r.macs_ratio).toFixed(1)}% of the static MACs`);
await driver.quit();
await service.kill();
