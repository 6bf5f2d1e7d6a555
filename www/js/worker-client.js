// The page's side of the model worker (worker.js): starts it and pairs each request with its
// answer. What the unsolicited messages mean for the page is left to the caller (main.js).

let worker = null;
let channel = null;
let handlers = null;
// What the worker said before the page attached its handlers (boot.js starts it early).
const early = [];
// The worker's wasm memory when it became ready, and how often it was replaced.
let baseMemory = null;
let recycled = 0;

// WebAssembly memory never shrinks: once a big input (a 40 MP PNG decodes to 160 MB) has grown
// it past this much above where it started, the worker is replaced by a fresh one.
const MEMORY_SLACK = 48 * 2 ** 20;

/**
 * Pairs the requests sent to worker `w` with its answers ({id, output} or {id, error}).
 * @param {Worker} w
 * @param {(m: object) => void} onEvent every message that answers no request
 * @param {(output: object, waiting: number) => void} [onAnswer] after each answer, with the
 *   number of requests still waiting
 * @returns {{request: (msg: object, transfer?: Transferable[]) => Promise<object>, waiting: () => number}}
 */
export function connect(w, onEvent, onAnswer = () => {}) {
  const pending = new Map();
  let nextId = 1;
  w.onmessage = (ev) => {
    const m = ev.data;
    if (m.id !== undefined && pending.has(m.id)) {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.output);
      onAnswer(m.output, pending.size);
      return;
    }
    onEvent(m);
  };
  return {
    request: (msg, transfer = []) => new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      w.postMessage({ ...msg, id }, transfer);
    }),
    waiting: () => pending.size,
  };
}

/** The worker's address; the page's `?wasm=` and `?backend=` reach it (it reads them). */
function workerUrl(extra = {}) {
  const url = new URL('./worker.js', import.meta.url);
  const params = new URLSearchParams(location.search);
  for (const key of ['wasm', 'backend']) {
    if (params.get(key)) url.searchParams.set(key, params.get(key));
  }
  for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
  return url;
}

/**
 * Starts the worker. `?wasm=simd128` on the page's address reaches the worker, which then loads
 * the plain build; `?backend=webgpu|cpu` fixes the backend instead of the faster one.
 * @param {(m: object) => void} onEvent every message that answers no request: loading progress,
 *   ready (also from a replacement worker, with `recycled > 0`), a backend change, a fatal error
 * @param {(ev: ErrorEvent) => void} onError the worker itself failed (for example it could not load)
 */
export function startWorker(onEvent, onError) {
  handlers = { onEvent, onError };
  if (!worker) spawn();
  for (const [kind, m] of early.splice(0)) (kind === 'event' ? onEvent : onError)(m);
}

/**
 * Starts the worker before the page's modules have loaded (boot.js), so the weights and the wasm
 * load meanwhile; what it says is kept until `startWorker` attaches the page.
 */
export function bootWorker() {
  if (!worker) spawn();
}

function spawn() {
  worker = new Worker(workerUrl(), { type: 'module' });
  baseMemory = null;
  const onEvent = (m) => {
    if (m.status === 'ready') {
      baseMemory = m.wasm_memory_bytes;
      m.recycled = recycled;
    }
    if (handlers) handlers.onEvent(m);
    else early.push(['event', m]);
  };
  channel = connect(worker, onEvent, (output, waiting) => {
    if (baseMemory !== null && output?.wasm_memory_bytes > baseMemory + MEMORY_SLACK && waiting === 0) recycle();
  });
  worker.onerror = (ev) => {
    if (handlers) {
      handlers.onError(ev);
      return;
    }
    ev.preventDefault(); // reported when the page attaches
    early.push(['error', ev]);
  };
}

// Replaces the worker; requests sent meanwhile wait in the new one's queue until it is ready.
function recycle() {
  worker.terminate();
  recycled += 1;
  spawn();
}

/**
 * Sends a command to the worker; resolves with its `output` or rejects with its error.
 * @param {object} msg
 * @param {Transferable[]} [transfer]
 * @returns {Promise<object>}
 */
export function request(msg, transfer = []) {
  return channel.request(msg, transfer);
}

// Helper workers stay between runs ("measure it yourself" is often run again at other
// thresholds): a kept one neither loads again nor starts from the engine's unoptimized code.
// They stop after this long without a run.
const HELPER_IDLE_MS = 60_000;
const helperPool = { live: [], idle: null };

/**
 * `n` CPU workers besides the page's own, each with its own wasm module and weights (from the
 * browser's cache after the first load), for work that splits over images ("measure it
 * yourself"): the ones kept from an earlier run, and new ones for the rest. Hand them back with
 * `releaseHelpers` after the run.
 * @param {number} n
 * @returns {Promise<Array<{request: (msg: object, transfer?: Transferable[]) => Promise<object>}>>}
 *   once all of them are ready; rejects (after stopping every helper) when one fails to load
 */
export async function helpers(n) {
  clearTimeout(helperPool.idle);
  while (helperPool.live.length < n) helperPool.live.push(startHelper());
  const wanted = helperPool.live.slice(0, n);
  try {
    await Promise.all(wanted.map((x) => x.loaded));
  } catch (e) {
    stopHelpers();
    throw e;
  }
  return wanted.map(({ request: r }) => ({ request: r }));
}

/**
 * After a run: the helpers stay for the next one, and stop after `HELPER_IDLE_MS` without one
 * (or at once with `stop`, after a run that failed).
 * @param {{stop?: boolean}} [o]
 */
export function releaseHelpers({ stop = false } = {}) {
  clearTimeout(helperPool.idle);
  if (stop) stopHelpers();
  else helperPool.idle = setTimeout(stopHelpers, HELPER_IDLE_MS);
}

function stopHelpers() {
  for (const x of helperPool.live.splice(0)) x.stop();
}

function startHelper() {
  const w = new Worker(workerUrl({ backend: 'cpu', gpu: 'off' }), { type: 'module' });
  let ready;
  const loaded = new Promise((resolve, reject) => {
    ready = { resolve, reject };
    w.onerror = (e) => reject(new Error(e.message || 'a helper worker could not start'));
  });
  // A failed load is reported through `helpers`; this keeps it from also being an unhandled one.
  loaded.catch(() => {});
  const c = connect(w, (m) => {
    if (m.status === 'ready') ready.resolve();
    else if (m.fatal) ready.reject(new Error(m.error));
  });
  return { loaded, request: c.request, stop: () => w.terminate() };
}

/**
 * Classifies prepared RGB bytes at the given thresholds. The worker gets a copy (transferred), so
 * the caller's array stays usable.
 * @param {ArrayLike<number>} rgb
 * @param {number} tauL
 * @param {number} tauC
 * @returns {Promise<object>} the worker's output
 */
export function classifyRgb(rgb, tauL, tauC) {
  const copy = Uint8Array.from(rgb);
  return request({ cmd: 'classify', rgb: copy, tauL, tauC }, [copy.buffer]);
}
