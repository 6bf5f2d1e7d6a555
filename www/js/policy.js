// Where the network runs: the backend single images go to (WebGPU or the CPU), chosen from
// start-up timings, and the sentence that says why. Pure functions, no DOM: the model worker
// (worker.js) imports them as well as the page (camera.js picks the live camera's backend with
// the same rule).

import { formatMs } from './view.js';

/**
 * Median of a list of numbers (NaN when empty): what a backend's timings are compared by.
 * @param {number[]} xs
 * @returns {number}
 */
export function median(xs) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The backend for single images, from the medians measured at start-up: WebGPU only when it was
 * measured and is faster than the CPU.
 * @param {{cpu: number, webgpu?: number|null}} ms median milliseconds per image on each backend
 * @returns {'webgpu'|'cpu'}
 */
export function chooseBackend(ms) {
  return Number.isFinite(ms.webgpu) && Number.isFinite(ms.cpu) && ms.webgpu < ms.cpu ? 'webgpu' : 'cpu';
}

/**
 * Why the page runs where it runs, with the start-up measurement: "Running on the CPU, the faster
 * here: 3.1 ms vs 260 ms per image on WebGPU (…)"; when the page's address or the visitor chose,
 * "Running on WebGPU as the address asks (measured at start-up: 260 ms vs 3.1 ms per image on
 * the CPU)." or "… as chosen (…)".
 * @param {{cpu: number, webgpu: number}} ms
 * @param {'webgpu'|'cpu'} running
 * @param {'faster'|'address'|'toggle'} [why]
 * @returns {string}
 */
export function backendChoiceText(ms, running, why = 'faster') {
  const [a, b] = running === 'webgpu' ? [['WebGPU', ms.webgpu], ['the CPU', ms.cpu]] : [['the CPU', ms.cpu], ['WebGPU', ms.webgpu]];
  const numbers = `${formatMs(a[1])} vs ${formatMs(b[1])} per image on ${b[0]}`;
  if (why === 'faster') return `Running on ${a[0]}, the faster here: ${numbers} (measured at start-up; the toggle still switches).`;
  const as = why === 'address' ? 'as the address asks' : 'as chosen';
  return `Running on ${a[0]} ${as} (measured at start-up: ${numbers}).`;
}
