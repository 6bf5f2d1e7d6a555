// How many CPU workers can run at once. `navigator.hardwareConcurrency` is what the browser
// chooses to report, not always the machine's cores (WebKit reported 4 on a 2-core machine), and
// workers beyond the cores only add start-up time and memory. So the page measures, once, the
// first time it needs more than one worker: `n` short-lived workers spin together for a moment,
// and their combined work against one worker's alone says how many really ran at once.

/** How long each spin lasts (ms): long enough to even out the start of each worker's spin. */
const SPIN_MS = 150;

/**
 * The number of workers that ran at once, from the iterations one worker did alone and those
 * each of `together.length` workers did at the same time (as long): their sum over one worker's
 * alone, rounded up from a quarter above a whole number (the timings are noisy on a busy
 * machine, and one worker too many costs less than one too few), between 1 and the number of
 * workers.
 * @param {number} alone
 * @param {number[]} together
 * @returns {number}
 */
export function estimateCores(alone, together) {
  if (!(alone > 0) || !together.length) return 1;
  const sum = together.reduce((s, x) => s + x, 0);
  return Math.max(1, Math.min(together.length, Math.floor(sum / alone + 0.75)));
}

/** Spins `workers` workers at once for `ms`; resolves with each one's iteration count. */
function spin(workers, ms = SPIN_MS) {
  return Promise.all(workers.map((w) => new Promise((resolve, reject) => {
    w.onmessage = (e) => resolve(e.data);
    w.onerror = (e) => reject(new Error(e.message || 'the spin worker failed'));
    w.postMessage(ms);
  })));
}

let probe = null;

/**
 * The CPU workers that can run at once, at most `max` (measured once per page; the browser's
 * `hardwareConcurrency` when the measurement cannot run).
 * @param {number} max
 * @returns {Promise<number>}
 */
export function usableCores(max) {
  const reported = Math.max(1, Math.min(max, navigator.hardwareConcurrency || 1));
  if (reported === 1) return Promise.resolve(1);
  probe ??= (async () => {
    const workers = Array.from({ length: reported }, () => new Worker(new URL('./spin-worker.js', import.meta.url)));
    try {
      // Started, and their code optimized by the engine, by a first spin all together (counts
      // from code that is still being compiled say little).
      await spin(workers, SPIN_MS);
      const [alone] = await spin(workers.slice(0, 1));
      return estimateCores(alone, await spin(workers));
    } catch {
      return reported;
    } finally {
      for (const w of workers) w.terminate();
    }
  })();
  return probe;
}
