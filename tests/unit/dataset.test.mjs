// Unit tests of www/js/dataset.js: the page reads test sets as the Rust crate does
// (crate/src/dataset.rs): CHW records to HWC pixels, `--limit`'s even spread, the zip's test
// images by name, and clear messages for other files.

import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

import { readCifarBin, readJpegZip, readTestSet, spread, chunkSize, measureTotals, RECORD } from '../../www/js/dataset.js';
import { zip } from '../browser/fixtures.mjs';

const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const inflate = async (b) => new Uint8Array(inflateRawSync(b));

test('readCifarBin turns CHW records into HWC pixels with their labels', () => {
  const bytes = new Uint8Array(2 * RECORD);
  bytes[0] = 3;
  bytes[1] = 10; // image 0, red of pixel 0
  bytes[1 + 1024] = 20; // green of pixel 0
  bytes[1 + 2048 + 1] = 30; // blue of pixel 1
  bytes[RECORD] = 9;
  const d = readCifarBin(bytes, 10);
  assert.equal(d.count, 2);
  assert.deepEqual([d.label(0), d.label(1)], [3, 9]);
  assert.deepEqual(Array.from(d.rgb(0).subarray(0, 6)), [10, 20, 0, 0, 0, 30]);
  assert.equal(d.rgb(1).length, 3072);
  assert.throws(() => readCifarBin(bytes.subarray(1), 10), /not a positive multiple of 3073/);
  bytes[RECORD] = 10;
  assert.throws(() => readCifarBin(bytes, 10), /record 1 has label 10, the model has 10 classes/);
});

test('readCifarBin reads the committed 200-image fixture: labels of all ten classes', () => {
  const bytes = new Uint8Array(readFileSync(new URL('../../crate/tests/fixtures/cifar10-test-200.bin', import.meta.url)));
  const d = readCifarBin(bytes, 10);
  assert.equal(d.count, 200);
  assert.equal(new Set(Array.from({ length: 200 }, (_, i) => d.label(i))).size, 10);
});

test('spread picks the records lcnet eval --limit picks', () => {
  assert.deepEqual(spread(10, 4), [0, 2, 5, 7]);
  assert.deepEqual(spread(3, 0), [0, 1, 2]);
  assert.deepEqual(spread(3, 5), [0, 1, 2]);
  // Every 10th of 10,000 is every image of a 1,000-image spread of it: the shipped subset's
  // first-level spread commutes with a second one when n divides 1,000.
  const sub = spread(10000, 1000);
  assert.deepEqual(spread(1000, 200).map((i) => sub[i]), spread(10000, 200));
});

test('chunkSize hands out whole batches first, then shorter requests, and every image once', () => {
  assert.equal(chunkSize(500, 4, 20), 20);
  assert.equal(chunkSize(100, 4, 20), 13);
  assert.equal(chunkSize(3, 4, 20), 1);
  assert.equal(chunkSize(1, 4, 20), 1);
  assert.equal(chunkSize(7, 1, 5), 4);
  for (const [n, slots, batch] of [[500, 4, 20], [1000, 8, 20], [37, 2, 20], [5, 4, 1]]) {
    const sizes = [];
    for (let left = n; left > 0; left -= sizes.at(-1)) sizes.push(chunkSize(left, slots, batch));
    assert.equal(sizes.reduce((a, b) => a + b), n);
    assert.ok(sizes.every((k, i) => k >= 1 && k <= batch && (i === 0 || k <= sizes[i - 1])), `${sizes}`);
    // The last requests, which decide when the run ends, are single images.
    assert.ok(sizes.slice(-slots).every((k) => k === 1), `${sizes}`);
  }
});

test('readJpegZip lists test/<class>/ files by name and inflates them', async () => {
  const bytes = zip([
    ['train/cat/0001.jpg', Buffer.from('train'), false],
    ['test/dog/0002.jpg', Buffer.from('dog two'), true],
    ['test/cat/0001.jpg', Buffer.from('cat one'), false],
    ['test/unicorn/0001.jpg', Buffer.from('?'), false],
    ['test/dog/0001.jpg', Buffer.from('dog one dog one dog one'), true],
  ]);
  const d = readJpegZip(bytes, CLASSES, inflate);
  assert.equal(d.count, 3);
  assert.deepEqual([0, 1, 2].map((i) => d.label(i)), [3, 5, 5]);
  const text = async (i) => Buffer.from(await d.file(i)).toString();
  assert.deepEqual([await text(0), await text(1), await text(2)], ['cat one', 'dog one dog one dog one', 'dog two']);
  assert.throws(() => readJpegZip(zip([['train/cat/1.jpg', Buffer.from('x'), false]]), CLASSES, inflate), /no test\/<class>\/ images/);
});

test('readTestSet tells the two formats apart and names a wrong file', () => {
  assert.equal(readTestSet(new Uint8Array(RECORD), CLASSES, inflate).kind, 'bin');
  assert.equal(readTestSet(zip([['test/cat/1.jpg', Buffer.from('x'), false]]), CLASSES, inflate).kind, 'zip');
  assert.throws(() => readTestSet(new TextEncoder().encode('hello'), CLASSES, inflate), /neither CIFAR-10 test data .* nor the JPEG mirror’s zip/);
  assert.throws(() => readTestSet(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0]), CLASSES, inflate), /not a zip file/);
});

test('measureTotals: running accuracy, cost, rate and time left', () => {
  const t = measureTotals({ done: 50, correct: 40, macs: 50 * 30, total: 200, ms: 1000 }, 100);
  assert.deepEqual(t, { accuracy: 0.8, macsRatio: 0.3, perSecond: 50, etaMs: 3000 });
  assert.ok(Number.isNaN(measureTotals({ done: 0, correct: 0, macs: 0, total: 10, ms: 0 }, 100).accuracy));
});
