// The page's side of the model worker (worker.js): starts it and pairs each request with its
// answer. What the unsolicited messages mean for the page is left to the caller (main.js).

let worker = null;
const pending = new Map();
let nextId = 1;
let handlers = null;
// The worker's wasm memory when it became ready, and how often it was replaced.
let baseMemory = null;
let recycled = 0;

// WebAssembly memory never shrinks: once a big input (a 40 MP PNG decodes to 160 MB) has grown
// it past this much above where it started, the worker is replaced by a fresh one.
const MEMORY_SLACK = 48 * 2 ** 20;

/**
 * Starts the worker. `?wasm=simd128` on the page's address reaches the worker, which then loads
 * the plain build.
 * @param {(m: object) => void} onEvent every message that answers no request: loading progress,
 *   ready (also from a replacement worker, with `recycled > 0`), a backend change, a fatal error
 * @param {(ev: ErrorEvent) => void} onError the worker itself failed (for example it could not load)
 */
export function startWorker(onEvent, onError) {
  handlers = { onEvent, onError };
  spawn();
}

function spawn() {
  const workerUrl = new URL('./worker.js', import.meta.url);
  const wasmChoice = new URLSearchParams(location.search).get('wasm');
  if (wasmChoice) workerUrl.searchParams.set('wasm', wasmChoice);
  worker = new Worker(workerUrl, { type: 'module' });
  baseMemory = null;
  worker.onmessage = (ev) => {
    const m = ev.data;
    if (m.id !== undefined && pending.has(m.id)) {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.output);
      if (baseMemory !== null && m.output?.wasm_memory_bytes > baseMemory + MEMORY_SLACK && pending.size === 0) recycle();
      return;
    }
    if (m.status === 'ready') {
      baseMemory = m.wasm_memory_bytes;
      m.recycled = recycled;
    }
    handlers.onEvent(m);
  };
  worker.onerror = handlers.onError;
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
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ ...msg, id }, transfer);
  });
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
