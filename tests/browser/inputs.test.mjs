// Every way in: file input, drag and drop, paste, and the bad-input list. Bad files are refused
// with a clear message in the alert area, the previous image stays, and the next upload works;
// unusual but valid files (16-bit, grey, RGBA, JPEG) classify.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  requireBuild, serve, launch, openReady, nextOutcome, galleryEntries, useBackend, WWW, BACKENDS, ROOT,
} from './harness.mjs';
import { png, solidPngStreamed, SVG, TEXT } from './fixtures.mjs';

let server;
let browser;
let page;
let errors;
let good; // a gallery image: {name, mimeType, buffer}

before(async () => {
  requireBuild();
  server = await serve();
  browser = await launch();
  ({ page, errors } = await openReady(browser.context, server.url));
  const e = (await galleryEntries())[0];
  good = { name: e.file, mimeType: 'image/png', buffer: await readFile(join(WWW, 'gallery', e.file)) };
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const upload = (file) => () => page.locator('#file').setInputFiles(file);

async function shown() {
  return page.evaluate(() => ({
    source: document.getElementById('result').dataset.source,
    img: document.getElementById('original').getAttribute('src'),
    label: document.getElementById('pred-label').textContent,
    out: window.lcnetDebug.output,
  }));
}

// A valid upload after anything: must classify and clear the alert.
async function expectUploadWorks(file = good) {
  const r = await nextOutcome(page, errors, upload(file));
  assert.equal(r.kind, 'result', `upload of ${file.name} after an error: ${r.text}`);
  assert.equal(await page.locator('#error').isHidden(), true, 'a success clears the alert');
  assert.equal(await page.locator('#result').getAttribute('data-source'), file.name);
  return (await shown()).out;
}

test('upload through the file input', async () => {
  const out = await expectUploadWorks();
  assert.equal(out.prepared.source_format, 'Png');
  assert.match(await page.locator('#original-caption').innerText(), new RegExp(`${good.name} · 32×32 Png`));
  errors.assertNone();
});

// The same file through the two other inputs, with a real DataTransfer.
for (const how of ['drop', 'paste']) {
  test(`upload by ${how}`, async () => {
    const bytes = [...good.buffer];
    const r = await nextOutcome(page, errors, () => page.evaluate(({ bytes, how }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], `${how}-test.png`, { type: 'image/png' }));
      if (how === 'drop') {
        const zone = document.getElementById('drop');
        zone.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true, cancelable: true }));
        zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
        zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      } else {
        document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
      }
    }, { bytes, how }));
    assert.equal(r.kind, 'result', r.text);
    assert.equal(await page.locator('#result').getAttribute('data-source'), `${how}-test.png`);
    assert.equal(await page.locator('#drop').getAttribute('class'), 'drop');
    errors.assertNone();
  });
}

// A JPEG made by the browser itself (node has no JPEG encoder): the valid file and a truncated copy.
async function browserJpeg() {
  const bytes = await page.evaluate(async () => {
    const c = new OffscreenCanvas(64, 48);
    const g = c.getContext('2d');
    const grad = g.createLinearGradient(0, 0, 64, 48);
    grad.addColorStop(0, '#0072B2');
    grad.addColorStop(1, '#E69F00');
    g.fillStyle = grad;
    g.fillRect(0, 0, 64, 48);
    g.fillStyle = '#ffffff';
    g.fillRect(20, 14, 24, 20);
    const blob = await c.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
    return [...new Uint8Array(await blob.arrayBuffer())];
  });
  return Buffer.from(bytes);
}

const BAD = [
  { name: 'notes.txt', mimeType: 'text/plain', make: async () => TEXT, message: /not a supported image format/ },
  { name: 'empty.png', mimeType: 'image/png', make: async () => Buffer.alloc(0), message: /the file is empty/ },
  {
    name: 'truncated.jpg',
    mimeType: 'image/jpeg',
    make: async () => {
      const j = await browserJpeg();
      return j.subarray(0, Math.floor(j.length / 2));
    },
    message: /could not read the image/,
  },
  {
    name: 'huge-12000x12000.png',
    mimeType: 'image/png',
    make: () => solidPngStreamed(12000, 12000, [200, 30, 40]),
    message: /12000x12000 pixels; the limit is 40000000 pixels \(40 MP\)/,
  },
  { name: 'drawing.svg', mimeType: 'image/svg+xml', make: async () => SVG, message: /SVG \(vector\) image; export it as PNG or JPEG/ },
];

for (const bad of BAD) {
  test(`refuses ${bad.name} with a clear message; the previous image stays; the next upload works`, async (t) => {
    await expectUploadWorks();
    const before = await shown();
    const buffer = await bad.make();
    const r = await nextOutcome(page, errors, upload({ name: bad.name, mimeType: bad.mimeType, buffer }));
    assert.equal(r.kind, 'error', `${bad.name} was accepted`);
    const alert = page.locator('[role="alert"]');
    assert.equal(await alert.isVisible(), true, 'the alert is visible');
    const text = await alert.innerText();
    t.diagnostic(text);
    assert.match(text, bad.message);
    assert.match(text, new RegExp(`Could not classify “${bad.name.replace('.', '\\.')}”`));
    assert.doesNotMatch(text, /RuntimeError|unreachable|panicked|undefined/);
    const afterFail = await shown();
    assert.equal(afterFail.source, before.source, 'the previous result stays');
    assert.equal(afterFail.img, before.img, 'the previous image stays');
    assert.equal(afterFail.label, before.label);
    await expectUploadWorks();
    errors.assertNone();
  });
}

test('valid JPEG upload classifies', async () => {
  const buffer = await browserJpeg();
  const out = await expectUploadWorks({ name: 'made.jpg', mimeType: 'image/jpeg', buffer });
  assert.equal(out.prepared.source_format, 'Jpeg');
  assert.equal(out.prepared.source_width, 64);
  assert.equal(out.prepared.source_height, 48);
  errors.assertNone();
});

test('a phone photo with EXIF orientation 6: preview, network view and network agree, upright', async () => {
  const media = join(ROOT, 'tests', 'browser', 'media');
  const file = async (name) => ({ name, mimeType: 'image/jpeg', buffer: await readFile(join(media, name)) });
  const upright = await expectUploadWorks(await file('exif-upright.jpg'));
  const turned = await expectUploadWorks(await file('exif-6.jpg'));
  // The stored pixels are 64x96; shown upright they are 96x64, in the preview as to the network.
  assert.deepEqual([turned.prepared.source_width, turned.prepared.source_height], [96, 64]);
  const preview = await page.evaluate(() => {
    const img = document.getElementById('original');
    return [img.naturalWidth, img.naturalHeight];
  });
  assert.deepEqual(preview, [96, 64], 'the browser shows it upright');
  // What the network sees is the upright picture (JPEG noise aside): red left, blue right.
  const diff = upright.prepared.rgb.map((v, i) => Math.abs(v - turned.prepared.rgb[i]));
  assert.ok(Math.max(...diff) < 40, `largest pixel difference ${Math.max(...diff)}`);
  const px = (rgb, x, y) => rgb.slice((y * 32 + x) * 3, (y * 32 + x) * 3 + 3);
  assert.ok(px(turned.prepared.rgb, 4, 20)[0] > 150, 'left half red');
  assert.ok(px(turned.prepared.rgb, 27, 20)[2] > 150, 'right half blue');
  errors.assertNone();
});

test('16-bit RGB PNG classifies, reduced to 8 bits', async () => {
  // A uniform colour: every prepared pixel must be its 8-bit value.
  const buffer = png({ width: 40, height: 30, bitDepth: 16, colorType: 2, sample: () => [0x8080, 0x2020, 0xf0f0] });
  const out = await expectUploadWorks({ name: 'sixteen.png', mimeType: 'image/png', buffer });
  assert.equal(out.prepared.size, 32);
  for (let i = 0; i < out.prepared.rgb.length; i += 3) {
    assert.deepEqual(out.prepared.rgb.slice(i, i + 3), [0x80, 0x20, 0xf0]);
  }
  errors.assertNone();
});

test('greyscale PNG classifies with R = G = B', async () => {
  const buffer = png({ width: 48, height: 48, colorType: 0, sample: (x, y) => [(x * 5 + y * 3) % 256] });
  const out = await expectUploadWorks({ name: 'grey.png', mimeType: 'image/png', buffer });
  const rgb = out.prepared.rgb;
  for (let i = 0; i < rgb.length; i += 3) assert.ok(rgb[i] === rgb[i + 1] && rgb[i] === rgb[i + 2]);
  assert.ok(new Set(rgb).size > 10, 'the gradient survives');
  errors.assertNone();
});

test('RGBA PNG classifies, transparent parts over white', async () => {
  // Left half fully transparent black, right half opaque blue.
  const buffer = png({ width: 64, height: 64, colorType: 6, sample: (x) => (x < 32 ? [0, 0, 0, 0] : [0, 0, 255, 255]) });
  const out = await expectUploadWorks({ name: 'alpha.png', mimeType: 'image/png', buffer });
  const px = (x, y) => out.prepared.rgb.slice((y * 32 + x) * 3, (y * 32 + x) * 3 + 3);
  assert.deepEqual(px(2, 10), [255, 255, 255]);
  assert.deepEqual(px(29, 20), [0, 0, 255]);
  errors.assertNone();
});

// The tests above ran on the page's default backend (WebGPU here); uploads work on the other too.
for (const backend of BACKENDS.slice(1)) test(`upload through the file input on ${backend}`, async () => {
  await useBackend(page, errors, backend);
  const out = await expectUploadWorks();
  assert.equal(out.backend, backend);
  assert.equal(out.prepared.source_format, 'Png');
  errors.assertNone();
});
