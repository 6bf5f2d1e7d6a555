// "Measure it yourself": N test images through the network in this browser, at the sliders'
// thresholds, on the backend in use, with progress, a Cancel button and the result as a point on
// the curve. The data: the evenly spread subset the page ships (`data/test-subset.bin`, CIFAR's
// binary format, written by `lcnet subset`), or the full test set chosen by the visitor
// (`test_batch.bin` or the JPEG mirror's zip). N images are picked as `lcnet eval --limit N`
// picks them, so the two can be compared image for image.

import * as V from './view.js';
import * as S from './dataset.js';
import { $, state } from './state.js';
import { showError } from './status.js';
import { request, helpers, releaseHelpers } from './worker-client.js';
import { showCurve } from './thresholds.js';
import { buildInfo } from './offline.js';
import { usableCores } from './cores.js';

const SUBSET_URL = 'data/test-subset.bin';
/** Choices of N for the shipped subset (each divides its size, so they are eval's picks too). */
const SIZES = [100, 200, 500, 1000];
/** At most this many CPU workers measure at once (one per core, the page's own included). */
const MAX_WORKERS = 4;

const run = { data: null, source: null, busy: false, cancel: false };
/** The progress bar and line change at most this often (ms). */
const PROGRESS_EVERY_MS = 250;

async function inflate(deflated) {
  const stream = new Blob([deflated]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

let shipped = null;

/** The shipped subset, fetched on first use (by a measurement or by the reference check). */
export function subset() {
  shipped ??= (async () => {
    const res = await fetch(SUBSET_URL);
    if (!res.ok) throw new Error(res.status === 404 ? 'this build ships no test subset (data/test-subset.bin)' : `HTTP ${res.status}`);
    return S.readCifarBin(new Uint8Array(await res.arrayBuffer()), state.card.config.num_classes);
  })();
  shipped.catch(() => {
    shipped = null;
  });
  return shipped;
}

/** The image counts offered here and by the dynamics card ("How dynamic is it?"). */
function fillSizes(count, label) {
  const sizes = SIZES.filter((n) => n < count).concat([count]);
  for (const [id, pick] of [['measure-n', 200], ['dynamics-n', 1000]]) {
    const sel = $(id);
    sel.replaceChildren(...sizes.map((n) => {
      const o = document.createElement('option');
      o.value = String(n);
      o.textContent = n === count ? `${V.formatWhole(n)} (all of ${label})` : V.formatWhole(n);
      return o;
    }));
    sel.value = String(sizes.includes(pick) ? pick : count);
  }
}

function progressText(r, totals, tauL, tauC) {
  return `${V.formatWhole(r.done)} of ${V.formatWhole(r.total)} images · ` +
    `${totals.perSecond.toFixed(1)} images/s · ${V.formatAccuracy(totals.accuracy)} correct so far · ` +
    `${V.formatPercent(totals.macsRatio)} of the static MACs · about ${Math.ceil(totals.etaMs / 1000)} s left ` +
    `(τL ${tauL.toFixed(2)}, τC ${tauC.toFixed(2)})`;
}

/**
 * The workers a run uses: on the CPU the page's own and helpers up to one per core that really
 * runs at once (`cores.js`; or `workers`); on WebGPU the page's own, whose GPU takes the images
 * one after the other.
 * @param {number|undefined} workers
 * @returns {Promise<Array<{request: Function}>>}
 */
async function workersFor(workers) {
  const own = { request };
  if (state.backend !== 'cpu') return [own];
  const n = Math.max(1, Math.min(MAX_WORKERS, workers || (await usableCores(MAX_WORKERS))));
  return n > 1 ? [own, ...(await helpers(n - 1))] : [own];
}

/**
 * Measures `n` images of the loaded test set (the shipped subset unless one was chosen). The
 * images go in chunks to the workers; each answer lands in its chunk's place, so the result is
 * the same whichever worker ran which chunk.
 * @param {number} n images, picked as `lcnet eval --limit n` picks them (0: all)
 * @param {{workers?: number, network?: 'lcnet'|'static', batch?: number, traces?: boolean}} [o]
 *   CPU workers to use (default: one per core, at most 4); `network: 'static'` runs the gates
 *   off (the baseline of a benchmark, not a point on the curve); `batch` images per request to a
 *   worker, i.e. per WebGPU submission (1 to `CHUNK`, the default; with several CPU workers at
 *   most that, fewer towards the end: `S.chunkSize`); `traces` also returns each image's whole
 *   trace
 * @returns {Promise<object|null>} {images, correct, accuracy, mean_macs, macs_ratio, tau_l,
 *   tau_c, network, backend, fell_back, workers, batch, ms, per_second, readbacks, predicted,
 *   macs, traces?}; null when cancelled
 */
export async function measure(n, { workers, network = 'lcnet', batch = S.CHUNK, traces = false } = {}) {
  if (network !== 'lcnet' && network !== 'static') throw new Error(`unknown network ${JSON.stringify(network)}: 'lcnet' or 'static'`);
  if (!(Number.isInteger(batch) && batch >= 1 && batch <= S.CHUNK)) throw new Error(`batch is a whole number of images from 1 to ${S.CHUNK}, not ${batch}`);
  if (run.busy) throw new Error('a measurement is already running');
  if (!state.card || !state.output) throw new Error('the model is not ready yet');
  run.busy = true;
  run.cancel = false;
  setRunning(true);
  try {
    if (!run.data) {
      run.data = await subset();
      run.source = 'the shipped subset';
    }
    const data = run.data;
    const picks = S.spread(data.count, n);
    const [tauL, tauC] = [state.tauL, state.tauC];
    const staticMacs = state.output.trace.static_macs;
    const started = state.backend;
    const r = { done: 0, correct: 0, macs: 0, total: picks.length, ms: 0, readbacks: 0 };
    const predicted = new Array(picks.length);
    const macs = new Array(picks.length);
    const all = traces ? new Array(picks.length) : null;
    let backend = started;
    const pool = await workersFor(workers);
    const t0 = performance.now();
    let next = 0;
    let shown = -Infinity;
    // Each worker takes the next chunk until none is left (or the run is cancelled).
    const work = async (w) => {
      for (let at = next; at < picks.length && !run.cancel; at = next) {
        // One worker (WebGPU's case): `batch` per submission; several: shorter towards the end.
        next += pool.length > 1 ? S.chunkSize(picks.length - at, 2 * pool.length, batch) : batch;
        const ids = picks.slice(at, next);
        const images = data.kind === 'bin'
          ? ids.map((i) => ({ rgb: data.rgb(i) }))
          // A copy: a stored file is a view into the whole zip, which must not move to the worker.
          : await Promise.all(ids.map(async (i) => ({ bytes: (await data.file(i)).slice() })));
        const out = await w.request({ cmd: 'measure', images, tauL, tauC, network, traces }, images.map((im) => (im.rgb || im.bytes).buffer));
        if (w.request === request) backend = out.backend;
        r.readbacks += out.readbacks;
        out.predicted.forEach((p, k) => {
          predicted[at + k] = p;
          macs[at + k] = out.macs[k];
          if (all) all[at + k] = out.traces[k];
          r.correct += p === data.label(ids[k]) ? 1 : 0;
          r.macs += out.macs[k];
        });
        r.done += ids.length;
        r.ms = performance.now() - t0;
        // The first answer, then a few times a second: every update is a repaint, which with
        // answers arriving 40 times a second took a good part of a core from the workers (two
        // workers gave 1.5-1.7x one worker's images/s, 1.7-2.0x without the updates).
        if (r.ms - shown >= PROGRESS_EVERY_MS || r.done === r.total) {
          shown = r.ms;
          $('measure-progress').value = r.done / r.total;
          $('measure-status').textContent = progressText(r, S.measureTotals(r, staticMacs), tauL, tauC);
        }
      }
    };
    let failed = true;
    try {
      // Two requests in flight per worker: the next chunk waits in the worker's queue while one
      // runs, so no worker idles for the round trip through this page (~1 ms a chunk, 5% of a
      // CPU run).
      await Promise.all(pool.flatMap((w) => [work(w), work(w)]));
      failed = false;
    } finally {
      if (pool.length > 1) releaseHelpers({ stop: failed });
    }
    if (run.cancel) {
      $('measure-status').textContent = `Cancelled after ${V.formatWhole(r.done)} images; nothing was added to the curve.`;
      return null;
    }
    const totals = S.measureTotals(r, staticMacs);
    const result = {
      images: r.done,
      correct: r.correct,
      accuracy: totals.accuracy,
      mean_macs: r.macs / r.done,
      macs_ratio: totals.macsRatio,
      tau_l: tauL,
      tau_c: tauC,
      network,
      backend,
      fell_back: backend !== started,
      workers: pool.length,
      batch,
      // GPU->CPU readbacks: one per chunk of images on WebGPU, none on the CPU.
      readbacks: r.readbacks,
      ms: r.ms,
      per_second: totals.perSecond,
      predicted,
      macs,
      ...(all ? { traces: all } : {}),
    };
    const on = backend === 'webgpu' ? `WebGPU, ${batch} image${batch > 1 ? 's' : ''} per submission` : `the CPU, ${pool.length} worker${pool.length > 1 ? 's' : ''}`;
    const fell = result.fell_back ? ' WebGPU failed during the run; it finished on the CPU.' : '';
    if (network === 'static') {
      // The baseline of a benchmark, not a point of the curve.
      $('measure-status').textContent = `Measured in this browser with the gates off (every block and channel) on ` +
        `${V.formatWhole(r.done)} images of ${run.source}: ${V.formatAccuracy(result.accuracy)} correct ` +
        `(on ${on}, ${totals.perSecond.toFixed(1)} images/s).${fell}`;
      return result;
    }
    state.measured.push({ accuracy: result.accuracy, correct: r.correct, macs_ratio: result.macs_ratio, tau_l: tauL, tau_c: tauC, images: r.done });
    showCurve();
    $('measure-status').textContent = `Measured in this browser on ${V.formatWhole(r.done)} images of ${run.source}: ` +
      `${V.accuracyWithInterval(r.correct, r.done)} correct at ${V.formatPercent(result.macs_ratio)} of the static MACs ` +
      `(τL ${tauL.toFixed(2)}, τC ${tauC.toFixed(2)}, on ${on}, ${totals.perSecond.toFixed(1)} images/s); ◆ on the curve.${fell}`;
    document.body.dataset.measured = String(state.measured.length);
    return result;
  } finally {
    run.busy = false;
    setRunning(false);
  }
}

function setRunning(on) {
  $('measure-run').disabled = on;
  $('dynamics-run').disabled = on;
  $('measure-cancel').hidden = !on;
  $('measure-progress').hidden = !on;
  $('measure-n').disabled = on;
  $('measure-file').disabled = on;
  if (on) $('measure-progress').value = 0;
}

/** Asks a running measurement to stop after the images in flight. */
export function cancelMeasure() {
  run.cancel = true;
}

/**
 * Uses a test set chosen by the visitor (`test_batch.bin` or the JPEG mirror's zip).
 * @param {File|Blob} file
 * @param {string} name
 * @returns {Promise<void>}
 */
export async function useTestSet(file, name) {
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    run.data = S.readTestSet(bytes, state.card.config.class_names, inflate);
    run.source = `“${name}”`;
    fillSizes(run.data.count, name);
    $('measure-status').textContent = `Loaded ${V.formatWhole(run.data.count)} test images from “${name}”.`;
  } catch (e) {
    showError(`Could not use “${name}” as a test set: ${e.message}. The shipped subset stays in use.`);
  }
}

/**
 * Enables the controls once the model is ready; the shipped subset's size comes from the
 * build's description (its bytes are only fetched when a measurement starts).
 * @returns {Promise<void>}
 */
export async function measureReady() {
  try {
    const size = (await buildInfo()).subset_bytes;
    if (!(size > 0)) throw new Error('this build has none');
    if (size % S.RECORD) throw new Error('it is not a CIFAR binary file');
    if (!run.data) fillSizes(size / S.RECORD, 'the shipped subset');
  } catch (e) {
    $('measure-status').textContent = `The shipped test subset is not available (${e.message}); choose a test set to measure.`;
    return;
  } finally {
    $('measure-run').disabled = false;
    $('dynamics-run').disabled = false;
  }
}

/** Wires the run, cancel and file controls. */
export function initMeasure() {
  $('measure-run').addEventListener('click', () => measure(Number($('measure-n').value)).catch((e) => {
    $('measure-status').textContent = '';
    showError(`The measurement failed: ${e.message}.`);
  }));
  $('measure-cancel').addEventListener('click', cancelMeasure);
  $('measure-file').addEventListener('change', (e) => {
    const f = e.target.files && e.target.files[0];
    if (f) useTestSet(f, f.name);
    e.target.value = '';
  });
}
