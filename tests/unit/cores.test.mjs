// estimateCores (cores.js): how many workers ran at once, from their work together against one
// worker's alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { estimateCores } from '../../www/js/cores.js';

test('four workers sharing two cores count as two; four cores as four', () => {
  assert.equal(estimateCores(1000, [480, 510, 505, 495]), 2);
  assert.equal(estimateCores(1000, [990, 1010, 970, 1000]), 4);
  assert.equal(estimateCores(1000, [1000, 1000]), 2);
});

test('a sum a quarter above a whole number of workers counts as the next one', () => {
  assert.equal(estimateCores(1000, [650, 650]), 2);
  assert.equal(estimateCores(1000, [600, 600]), 1);
  assert.equal(estimateCores(1000, [800, 800, 700]), 3);
});

test('never below one nor above the workers that spun; nothing measured gives one', () => {
  assert.equal(estimateCores(1000, [200, 200]), 1);
  assert.equal(estimateCores(1000, [1500, 1500]), 2);
  assert.equal(estimateCores(0, [100]), 1);
  assert.equal(estimateCores(1000, []), 1);
});
