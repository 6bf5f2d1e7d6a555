// Unit tests of www/js/policy.js: where the network runs (the backend chosen from start-up
// timings, and the sentence that says why).

import test from 'node:test';
import assert from 'node:assert/strict';

import * as P from '../../www/js/policy.js';

test('median of an odd and an even count, NaN when empty', () => {
  assert.equal(P.median([3, 1, 2]), 2);
  assert.equal(P.median([4, 1, 2, 3]), 2.5);
  assert.ok(Number.isNaN(P.median([])));
});

test('chooseBackend takes the faster measured backend; WebGPU only when measured', () => {
  assert.equal(P.chooseBackend({ cpu: 3.1, webgpu: 260 }), 'cpu');
  assert.equal(P.chooseBackend({ cpu: 3.1, webgpu: 0.9 }), 'webgpu');
  assert.equal(P.chooseBackend({ cpu: 3.1, webgpu: 3.1 }), 'cpu', 'a tie stays on the CPU');
  assert.equal(P.chooseBackend({ cpu: 3.1, webgpu: null }), 'cpu');
  assert.equal(P.chooseBackend({ cpu: 3.1 }), 'cpu');
  assert.equal(P.chooseBackend({ cpu: NaN, webgpu: 2 }), 'cpu');
  assert.equal(P.backendChoiceText({ cpu: 3.1, webgpu: 260 }, 'cpu'),
    'Running on the CPU, the faster here: 3.1 ms vs 260 ms per image on WebGPU (measured at start-up; the toggle still switches).');
  assert.equal(P.backendChoiceText({ cpu: 3.1, webgpu: 0.9 }, 'webgpu'),
    'Running on WebGPU, the faster here: 0.90 ms vs 3.1 ms per image on the CPU (measured at start-up; the toggle still switches).');
  assert.equal(P.backendChoiceText({ cpu: 3.1, webgpu: 260 }, 'webgpu', 'address'),
    'Running on WebGPU as the address asks (measured at start-up: 260 ms vs 3.1 ms per image on the CPU).');
  assert.equal(P.backendChoiceText({ cpu: 3.1, webgpu: 260 }, 'cpu', 'toggle'),
    'Running on the CPU as chosen (measured at start-up: 3.1 ms vs 260 ms per image on WebGPU).');
});
