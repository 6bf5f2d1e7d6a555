// The agreement of two executors' traces (agreement.js), against hand-made traces whose
// differences are known.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { agreement, firstDifferentBlock } from '../../www/js/agreement.js';

const block = (ran, kept) => ({ ran, kept });
const trace = (cls, logits, blocks) => ({ prediction: { class: cls }, logits, blocks });

test('identical traces agree in everything', () => {
  const a = [trace(1, [0, 2], [block(true, [0, 2]), block(false, [])])];
  const r = agreement(a, structuredClone(a));
  assert.deepEqual(r, { images: 1, decisions_equal: 1, predictions_equal: 1, max_logit_diff: 0, first_difference: null });
});

test('a different run flag, kept list or kept count is a different decision, and says where', () => {
  const base = [block(true, [0, 2]), block(true, [1])];
  assert.equal(firstDifferentBlock({ blocks: base }, { blocks: [block(true, [0, 2]), block(false, [])] }), 1);
  assert.equal(firstDifferentBlock({ blocks: base }, { blocks: [block(true, [0, 3]), block(true, [1])] }), 0);
  assert.equal(firstDifferentBlock({ blocks: base }, { blocks: [block(true, [0]), block(true, [1])] }), 0);
  assert.equal(firstDifferentBlock({ blocks: base }, { blocks: base.slice(0, 1) }), 0, 'another network');
  const a = [trace(0, [1, 0], base), trace(1, [0, 1], base)];
  const b = [trace(0, [1.5, 0], base), trace(0, [0, 1], [block(true, [0, 2]), block(true, [2])])];
  const r = agreement(a, b);
  assert.equal(r.decisions_equal, 1);
  assert.equal(r.predictions_equal, 1);
  assert.equal(r.max_logit_diff, 0.5);
  assert.deepEqual(r.first_difference, { image: 1, block: 1 });
});

test('traces of different image counts are refused', () => {
  assert.throws(() => agreement([trace(0, [0], [])], []), /1 traces against 0/);
});
