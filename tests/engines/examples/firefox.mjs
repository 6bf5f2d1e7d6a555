import puppeteer from 'puppeteer-core';
import { readFile, readdir } from 'node:fs/promises';

const url = process.env.LCNET_URL ?? 'http://127.0.0.1:8080/';
// Firefox's own WebDriver BiDi, spoken by puppeteer-core; Debian's firefox-esr, no download.
const browser = await puppeteer.launch({ browser: 'firefox', executablePath: process.env.LCNET_FIREFOX ?? '/usr/bin/firefox-esr' });
const page = await browser.newPage();
await page.goto(`${url}?backend=cpu`);
await page.evaluate(() => window.lcnet.ready);

const file = (await readdir('weights/gallery')).find((f) => f.endsWith('.png'));
const bytes = [...await readFile(`weights/gallery/${file}`)];
const trace = await page.evaluate(([b, name]) => window.lcnet.classify(new Uint8Array(b), name), [bytes, file]);
console.log(`${file}: ${trace.prediction.label}, ${trace.blocks_run} of ${trace.blocks.length} blocks, ` +
  `${(100 * trace.macs / trace.static_macs).toFixed(1)}% of the static MACs`);

await page.evaluate(() => window.lcnet.setThresholds(0.05, 0.05));
const r = await page.evaluate(() => window.lcnet.measure(100));
console.log(`100 test images at τL = τC = 0.05: ${(100 * r.accuracy).toFixed(1)}% correct, ` +
  `${(100 * r.macs_ratio).toFixed(1)}% of the static MACs`);
await browser.close();
