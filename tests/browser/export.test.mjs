// "Figures to take away" in headless Chromium: each figure's SVG and PNG buttons download a file
// (caught as playwright's `download` event). The SVG parses (DOMParser, no parsererror) to an
// <svg> root with as many curve points, heatmap cells and channel cells as the page shows, and no
// CSS variable left unresolved; the PNG has the PNG signature, an IHDR twice the SVG's size and
// is not blank. A page without stats.json keeps the heatmap buttons disabled, and a figure that
// cannot be drawn says so in the alert area. The files go to tests/artifacts/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { requireBuild, serve, launch, openReady, PageErrors, artifact, WWW } from './harness.mjs';

let server;
let browser;
let stats;

before(async () => {
  requireBuild();
  stats = JSON.parse(await readFile(join(WWW, 'stats', 'stats.json'), 'utf8'));
  server = await serve();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Clicks a download button; resolves with the file's name and bytes. */
async function download(page, errors, figure, format) {
  const button = page.locator(`[data-export="${figure}"][data-format="${format}"]`);
  assert.equal(await button.isEnabled(), true, `${figure} ${format} is enabled`);
  const [dl] = await errors.race(Promise.all([page.waitForEvent('download'), button.click()]));
  assert.equal(await dl.failure(), null);
  await dl.saveAs(await artifact(dl.suggestedFilename()));
  return { name: dl.suggestedFilename(), bytes: await readFile(await dl.path()) };
}

/** What DOMParser makes of an SVG file, in the page. */
function parseSvg(page, text) {
  return page.evaluate((t) => {
    const doc = new DOMParser().parseFromString(t, 'image/svg+xml');
    const root = doc.documentElement;
    const count = (sel) => doc.querySelectorAll(sel).length;
    return {
      error: doc.querySelector('parsererror')?.textContent ?? null,
      root: root.localName,
      ns: root.namespaceURI,
      width: Number(root.getAttribute('width')),
      height: Number(root.getAttribute('height')),
      title: root.querySelector(':scope > title')?.textContent ?? '',
      curvePoints: count('.series circle'),
      polylineStyle: doc.querySelector('.series polyline')?.getAttribute('style') ?? '',
      hmCells: count('.hm-cell'),
      blocks: count('.block'),
      channels: count('.ch'),
      skipped: count('.ch-skipped'),
    };
  }, text);
}

/** The share of a PNG's pixels that are not near-white, decoded in the page. */
function inkShare(page, bytes) {
  return page.evaluate(async (b64) => {
    const blob = await (await fetch(`data:image/png;base64,${b64}`)).blob();
    const bmp = await createImageBitmap(blob);
    const ctx = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d');
    ctx.drawImage(bmp, 0, 0);
    const d = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
    let ink = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] < 720) ink += 1;
    return ink / (bmp.width * bmp.height);
  }, bytes.toString('base64'));
}

const FIGURES = ['curve', 'heatmaps', 'visualizer'];

test('each figure downloads as a well-formed SVG and a PNG at twice its size', async (t) => {
  const { page, errors } = await openReady(browser.context, server.url);
  await errors.race(page.waitForFunction(() => document.body.dataset.stats === 'ready'));
  for (const f of FIGURES) {
    await errors.race(page.waitForFunction((name) => Array.from(document.querySelectorAll(`[data-export="${name}"]`))
      .every((b) => !b.disabled), f));
  }
  // What the page shows now, to compare the files with.
  const shown = await page.evaluate(() => ({
    curvePoints: document.querySelectorAll('#curve svg .series circle').length,
    blocks: document.querySelectorAll('#viz [data-block]').length,
    channels: document.querySelectorAll('#viz [data-channel]').length,
    skipped: document.querySelectorAll('#viz [data-kept="false"]').length,
  }));
  assert.ok(shown.curvePoints > 0 && shown.channels > 0);
  const nBlocks = stats.blocks.length;

  for (const f of FIGURES) {
    await t.test(`${f}: SVG and PNG`, async () => {
      const svg = await download(page, errors, f, 'svg');
      assert.equal(svg.name, `lcnet-${f}.svg`);
      const text = svg.bytes.toString('utf8');
      assert.match(text, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<svg /);
      assert.doesNotMatch(text, /var\(--/, 'every CSS variable is resolved');
      const info = await parseSvg(page, text);
      assert.equal(info.error, null, `the SVG parses: ${info.error}`);
      assert.equal(info.root, 'svg');
      assert.equal(info.ns, 'http://www.w3.org/2000/svg');
      assert.ok(info.width > 0 && info.height > 0, `${info.width}x${info.height}`);
      assert.ok(info.title.length > 10, 'the figure has a <title>');
      if (f === 'curve') {
        assert.equal(info.curvePoints, shown.curvePoints);
        assert.match(info.polylineStyle, /stroke: rgb\(/, 'the page CSS is inlined');
      } else if (f === 'heatmaps') {
        assert.equal(info.hmCells, 2 * stats.classes.length * nBlocks);
      } else {
        assert.equal(info.blocks, shown.blocks);
        assert.equal(info.blocks, nBlocks);
        assert.equal(info.channels, shown.channels);
        assert.equal(info.skipped, shown.skipped);
      }

      const png = await download(page, errors, f, 'png');
      assert.equal(png.name, `lcnet-${f}.png`);
      assert.ok(png.bytes.subarray(0, 8).equals(PNG_SIGNATURE), 'the PNG signature');
      assert.equal(png.bytes.toString('latin1', 12, 16), 'IHDR');
      const [w, h] = [png.bytes.readUInt32BE(16), png.bytes.readUInt32BE(20)];
      assert.ok(w > 0 && h > 0);
      assert.deepEqual([w, h], [2 * info.width, 2 * info.height], 'twice the SVG size');
      const ink = await inkShare(page, png.bytes);
      assert.ok(ink > 0.005, `the PNG shows the figure (${(ink * 100).toFixed(1)}% ink)`);
    });
  }
  assert.equal(await page.locator('#error').isHidden(), true, 'no error shown');
  errors.assertNone();
  await page.close();
});

test('without stats.json the heatmap buttons stay disabled; a failed drawing is reported', async () => {
  const page = await browser.context.newPage();
  // The missing file is logged by the browser as a failed request: only exceptions count here.
  const errors = new PageErrors(page, { console: false });
  await page.route('**/stats/stats.json', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await errors.race(page.goto(server.url));
  await errors.race(page.waitForFunction(() => document.body.dataset.state === 'ready' &&
    Number(document.getElementById('result').dataset.count) >= 1 && document.body.dataset.stats === 'missing',
  null, { timeout: 120_000 }));
  const enabled = await page.evaluate(() => Object.fromEntries(Array.from(document.querySelectorAll('[data-export]'),
    (b) => [`${b.dataset.export}-${b.dataset.format}`, !b.disabled])));
  assert.deepEqual(enabled, {
    'visualizer-svg': true, 'visualizer-png': true, 'curve-svg': true, 'curve-png': true,
    'heatmaps-svg': false, 'heatmaps-png': false,
  });
  // An image that cannot be decoded: the PNG export says why in the alert area.
  await page.evaluate(() => {
    HTMLImageElement.prototype.decode = () => Promise.reject(new Error('decoding refused by the test'));
  });
  const count = Number(await page.locator('#error').getAttribute('data-count'));
  await page.locator('[data-export="visualizer"][data-format="png"]').click();
  await errors.race(page.waitForFunction((n) => Number(document.getElementById('error').dataset.count) > n, count));
  assert.equal(await page.locator('#error').innerText(),
    'Could not download the gate visualizer as PNG: decoding refused by the test.');
  errors.assertNone();
  await page.close();
});
