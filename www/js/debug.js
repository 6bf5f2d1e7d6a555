// `window.lcnetDebug`: hooks for the headless browser tests (tests/browser). They go through the
// same paths as the page's controls, so a test exercises what a visitor would.

import { state } from './state.js';
import { request } from './worker-client.js';
import { classifyFile } from './prediction.js';
import { setThresholds } from './thresholds.js';
import { runBench } from './bench.js';
import { switchBackend } from './backend.js';
import { compareA, compareSettled } from './compare.js';

/** Installs `window.lcnetDebug`. */
export function installDebugHooks() {
  window.lcnetDebug = {
    /** Classifies bytes through the same path as an upload; resolves with the worker's output. */
    classifyBytes: (bytes, name = 'test image') => classifyFile(new Uint8Array(bytes), { name }),
    /** Sets both thresholds as the sliders would, without re-running the shown image. */
    setThresholds(tauL, tauC) {
      setThresholds(tauL, tauC);
    },
    bench: (runs) => runBench(runs),
    /** The worker's measured load times in ms ({fetch, cpu, gpu, total}). */
    get loadMs() {
      return state.loadMs;
    },
    /** Switches the backend as the toggle does and re-runs the shown image. */
    setBackend: (name) => switchBackend(name),
    /** The compare view's pinned image A ({name, trace}) or null. */
    get compareA() {
      return compareA();
    },
    /** Resolves when every compare re-run asked for so far has been drawn. */
    compareSettled: () => compareSettled(),
    get stats() {
      return state.stats;
    },
    /** Destroys the GPU device, as a lost GPU would be. */
    loseGpu: () => request({ cmd: 'lose-gpu' }),
    get backend() {
      return state.backend;
    },
    /** What the worker says about WebGPU: {available, adapter, note, lost, pending, ms}. */
    get webgpu() {
      return state.webgpu;
    },
    /** Whether the worker has a working WebGPU model. */
    get webgpuAvailable() {
      return Boolean(state.webgpu?.available);
    },
    get output() {
      return state.output;
    },
    get card() {
      return state.card;
    },
  };
}
