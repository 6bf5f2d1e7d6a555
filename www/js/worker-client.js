// The page's side of the model worker (worker.js): starts it and pairs each request with its
// answer. What the unsolicited messages mean for the page is left to the caller (main.js).

let worker = null;
const pending = new Map();
let nextId = 1;

/**
 * Starts the worker. `?wasm=simd128` on the page's address reaches the worker, which then loads
 * the plain build.
 * @param {(m: object) => void} onEvent every message that answers no request: loading progress,
 *   ready, a backend change, a fatal error
 * @param {(ev: ErrorEvent) => void} onError the worker itself failed (for example it could not load)
 */
export function startWorker(onEvent, onError) {
  const workerUrl = new URL('./worker.js', import.meta.url);
  const wasmChoice = new URLSearchParams(location.search).get('wasm');
  if (wasmChoice) workerUrl.searchParams.set('wasm', wasmChoice);
  worker = new Worker(workerUrl, { type: 'module' });
  worker.onmessage = (ev) => {
    const m = ev.data;
    if (m.id !== undefined && pending.has(m.id)) {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.output);
      return;
    }
    onEvent(m);
  };
  worker.onerror = onError;
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
