// The page: wires inputs (file picker, drag and drop, paste, gallery, threshold sliders) to the
// model worker and shows its answers through view.js (trace -> view data) and draw.js
// (view data -> DOM).

import { cssVariables, THRESHOLDS, LAYOUT } from './theme.js';
import * as V from './view.js';
import * as D from './draw.js';
import * as T from './teach.js';

const $ = (id) => document.getElementById(id);

for (const [k, v] of cssVariables()) document.documentElement.style.setProperty(k, v);

const state = {
  card: null,
  /** The worker's measured load times (ms), from its ready message. */
  loadMs: null,
  simd: false,
  /** Whether the worker loaded the relaxed-SIMD build (fused multiply-add). */
  relaxed: false,
  /** 'webgpu' or 'cpu': the backend the worker runs now. */
  backend: 'cpu',
  /** {available, adapter, note, lost} from the worker. */
  webgpu: { available: false, adapter: null, note: null },
  tauL: 0,
  tauC: 0,
  /** The image on screen: {name, url, truth, kind, prepared}; kept when a new upload fails. */
  shown: null,
  output: null,
  view: null,
  /** Uploads started so far; only the newest one's answer is shown. */
  uploads: 0,
  results: 0,
  errors: 0,
};

// ---- worker -------------------------------------------------------------------------------

// `?wasm=simd128` on the page's address reaches the worker, which then loads the plain build.
const workerUrl = new URL('./worker.js', import.meta.url);
const wasmChoice = new URLSearchParams(location.search).get('wasm');
if (wasmChoice) workerUrl.searchParams.set('wasm', wasmChoice);
const worker = new Worker(workerUrl, { type: 'module' });
const pending = new Map();
let nextId = 1;

/**
 * Sends a command to the worker; resolves with its `output` or rejects with its error.
 * @param {object} msg
 * @param {Transferable[]} [transfer]
 * @returns {Promise<object>}
 */
function request(msg, transfer = []) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ ...msg, id }, transfer);
  });
}

worker.onmessage = (ev) => {
  const m = ev.data;
  if (m.id !== undefined && pending.has(m.id)) {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) p.reject(new Error(m.error));
    else p.resolve(m.output);
    return;
  }
  if (m.status === 'loading') {
    const p = V.loadingProgress(m.loaded, m.total);
    $('status-text').textContent = p.text;
    const bar = $('load-progress');
    if (p.fraction === null) bar.removeAttribute('value');
    else bar.value = p.fraction;
  } else if (m.status === 'ready') {
    onReady(m);
  } else if (m.status === 'backend') {
    // The GPU failed between requests: show the CPU and run the image on it.
    setBackend(m.backend, m.webgpu);
    if (m.rerun) rerun();
  } else if (m.fatal) {
    fatal(`The model could not be loaded: ${m.error}.`);
  }
};

// A module worker that fails to load (for example www/pkg was not built) only fires `error`.
worker.onerror = (ev) => {
  ev.preventDefault();
  fatal('The model worker could not start' +
    `${ev.message ? ` (${ev.message})` : ''}. If you built the page yourself, run \`cargo xtask build\` first.`);
};

function fatal(text) {
  document.body.dataset.state = 'failed';
  $('status-text').textContent = 'The model is not available.';
  $('load-progress').hidden = true;
  showError(text);
}

// ---- status and errors ----------------------------------------------------------------------

function setStatus(text) {
  $('status-text').textContent = text;
}

function showError(text) {
  const el = $('error');
  el.textContent = text;
  el.hidden = false;
  state.errors += 1;
  el.dataset.count = String(state.errors);
}

function clearError() {
  const el = $('error');
  el.hidden = true;
  el.textContent = '';
}

// ---- loading --------------------------------------------------------------------------------

function onReady(m) {
  state.card = m.card;
  state.simd = m.simd;
  state.relaxed = m.relaxed;
  document.body.dataset.wasm = m.relaxed ? 'relaxed-simd' : 'simd128';
  $('load-progress').hidden = true;
  const line = $('model-line');
  line.textContent = V.modelSummary(m.card);
  line.hidden = false;
  setBackend(m.backend, m.webgpu);
  setupThresholds(m.card.config);
  state.loadMs = m.load_ms;
  setStatus(V.readyText(m));
  document.body.dataset.weights = m.cached ? 'cache' : 'network';
  document.body.dataset.state = 'ready';
  showCurve();
  loadGallery();
  loadStats();
}

// ---- backend --------------------------------------------------------------------------------

/**
 * Shows which backend runs, the note about WebGPU, and the toggle's state.
 * @param {'webgpu'|'cpu'} backend
 * @param {{available: boolean, adapter: string|null, note: string|null, lost?: boolean}} webgpu
 */
function setBackend(backend, webgpu) {
  state.backend = backend;
  state.webgpu = webgpu;
  $('stat-backend').textContent = V.backendText(backend, { simd: state.simd, relaxed: state.relaxed, adapter: webgpu.adapter });
  document.body.dataset.backend = backend;
  const note = $('backend-note');
  note.textContent = webgpu.note || '';
  note.hidden = !webgpu.note;
  for (const r of document.querySelectorAll('input[name="backend"]')) r.checked = r.value === backend;
  $('backend-toggle').disabled = false;
  // Missing at load: nothing to switch to. Lost later: choosing it again tries a new device.
  document.querySelector('input[name="backend"][value="webgpu"]').disabled = !webgpu.available && !webgpu.lost;
  $('backend-webgpu-label').textContent = webgpu.adapter ? `WebGPU (${webgpu.adapter})` : 'WebGPU';
}

/**
 * Switches the worker to `name` and runs the shown image there, so both can be compared.
 * @param {'webgpu'|'cpu'} name
 */
async function switchBackend(name) {
  // The toggle stays enabled (disabling it would drop keyboard focus): the worker answers in
  // order, so quick switches simply run one after the other.
  try {
    const r = await request({ cmd: 'backend', name });
    setBackend(r.backend, r.webgpu);
    await rerun();
  } catch (e) {
    showError(`Could not switch to ${name === 'webgpu' ? 'WebGPU' : 'the CPU'}: ${e.message}`);
    setBackend(state.backend, state.webgpu);
  }
}

for (const r of document.querySelectorAll('input[name="backend"]')) {
  r.addEventListener('change', () => {
    if (r.checked && r.value !== state.backend) switchBackend(r.value);
  });
}

// ---- classification -------------------------------------------------------------------------

/**
 * Classifies an uploaded or picked file. On success it becomes the shown image; on failure the
 * previous image and result stay and the error is shown.
 * @param {Uint8Array} bytes
 * @param {{name: string, url?: string, truth?: string, kind?: string}} source
 * @returns {Promise<object>} the worker's output
 */
async function classifyFile(bytes, source) {
  if (!state.card) throw new Error('the model is still loading');
  const seq = ++state.uploads;
  const url = source.url || URL.createObjectURL(new Blob([bytes]));
  setStatus(`Classifying ${source.name}…`);
  let output;
  try {
    // The bytes move to the worker (no copy); the Blob above holds its own copy.
    output = await request({ cmd: 'classify', bytes, tauL: state.tauL, tauC: state.tauC }, [bytes.buffer]);
  } catch (e) {
    if (!source.url) URL.revokeObjectURL(url);
    if (seq === state.uploads) {
      showError(V.uploadErrorText(e.message, source.name));
      setStatus(state.shown ? `Showing ${state.shown.name}.` : 'Choose, drop or paste an image.');
    }
    throw e;
  }
  // A newer upload was started meanwhile: its answer is the one to show.
  if (seq !== state.uploads) {
    if (!source.url) URL.revokeObjectURL(url);
    return output;
  }
  if (state.shown && state.shown.ownUrl) URL.revokeObjectURL(state.shown.url);
  state.shown = { ...source, url, ownUrl: !source.url, prepared: output.prepared };
  clearError();
  showImage();
  showOutput(output);
  // The sliders moved while this image was on its way: show it at the current thresholds.
  if (output.trace.tau_l !== Math.fround(state.tauL) || output.trace.tau_c !== Math.fround(state.tauC)) rerun();
  return output;
}

// Re-runs the shown image at the current thresholds. Slider moves while a run is in flight are
// coalesced into one more run when it returns; an answer about an image that is no longer shown
// (a new upload arrived meanwhile) is dropped.
let rerunBusy = false;
let rerunAgain = false;
async function rerun() {
  if (!state.shown) return;
  if (rerunBusy) {
    rerunAgain = true;
    return;
  }
  rerunBusy = true;
  try {
    do {
      rerunAgain = false;
      const shown = state.shown;
      const rgb = Uint8Array.from(shown.prepared.rgb);
      try {
        const output = await request({ cmd: 'classify', rgb, tauL: state.tauL, tauC: state.tauC }, [rgb.buffer]);
        if (state.shown === shown) showOutput({ ...output, prepared: shown.prepared });
      } catch (e) {
        if (state.shown === shown) showError(`Could not re-run the image: ${e.message}`);
      }
    } while (rerunAgain);
  } finally {
    rerunBusy = false;
  }
}

function showImage() {
  const s = state.shown;
  const img = $('original');
  img.onload = () => img.classList.toggle('small', img.naturalWidth < img.clientWidth);
  img.src = s.url;
  img.alt = `The uploaded image ${s.name}`;
  img.hidden = false;
  const p = s.prepared;
  $('original-caption').textContent = p.source_format === 'prepared'
    ? s.name
    : `${s.name} · ${p.source_width}×${p.source_height} ${p.source_format}`;
  drawInput($('input-canvas'), p);
  for (const b of document.querySelectorAll('#gallery .thumb')) {
    b.setAttribute('aria-pressed', b.dataset.file === s.name && s.fromGallery ? 'true' : 'false');
  }
}

/**
 * Draws the prepared RGB bytes onto a canvas of the network's input size; CSS scales it up with
 * nearest-neighbour sampling so single pixels stay visible.
 * @param {HTMLCanvasElement} canvas
 * @param {{rgb: number[], size: number}} prepared
 */
function drawInput(canvas, prepared) {
  const n = prepared.size;
  canvas.width = n;
  canvas.height = n;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(n, n);
  for (let i = 0; i < n * n; i++) {
    img.data[4 * i] = prepared.rgb[3 * i];
    img.data[4 * i + 1] = prepared.rgb[3 * i + 1];
    img.data[4 * i + 2] = prepared.rgb[3 * i + 2];
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

function showOutput(output) {
  const view = V.buildView(output.trace);
  // The worker may have fallen back to the CPU while answering.
  if (output.backend && (output.backend !== state.backend || output.webgpu?.note !== state.webgpu.note)) {
    setBackend(output.backend, output.webgpu || state.webgpu);
  }
  state.output = output;
  state.view = view;
  $('pred-label').textContent = view.prediction.label;
  $('pred-prob').textContent = view.prediction.probText;
  const truth = state.shown && state.shown.truth;
  const t = $('truth');
  if (truth) {
    const ok = truth === view.prediction.label;
    t.textContent = ok ? `✓ Correct: the test set says ${truth}` : `✗ Wrong: the test set says ${truth}`;
    t.className = ok ? 'truth truth-ok' : 'truth truth-wrong';
  } else {
    t.textContent = '';
    t.className = 'truth';
  }
  D.mount($('top5'), D.top5Tree(view.top5));
  $('cost-used').style.width = `${Math.min(100, Math.max(0, view.cost.used * 100))}%`;
  $('cost-saved').style.width = `${Math.min(100, Math.max(0, view.cost.saved * 100))}%`;
  $('stat-macs').textContent = view.cost.text;
  $('stat-blocks').textContent = view.blocksText;
  $('stat-channels').textContent = view.channelsText;
  const tm = output.timings;
  $('stat-latency').textContent = output.prepared.source_format === 'prepared' || tm.prepare_ms < 0.05
    ? `${V.formatMs(tm.classify_ms)} inference`
    : `${V.formatMs(tm.classify_ms)} inference + ${V.formatMs(tm.prepare_ms)} decoding`;
  D.mount($('legend'), D.legendTree(view));
  D.mount($('viz'), D.visualizerTree(view));
  hideTip();
  state.results += 1;
  const r = $('result');
  r.dataset.count = String(state.results);
  r.dataset.source = state.shown ? state.shown.name : '';
  $('bench-btn').disabled = false;
  $('compare-pin').disabled = false;
  $('knob-result').textContent = `${state.shown ? state.shown.name : 'The image'} at these thresholds: ` +
    `${view.prediction.label} (${view.prediction.probText}), ${view.cost.usedText} of the static MACs, ${view.blocksText}.`;
  renderCompare();
  setStatus(`Showing ${state.shown ? state.shown.name : 'the image'}.`);
}

// ---- inputs ---------------------------------------------------------------------------------

async function classifyBlob(blob, name, extra = {}) {
  let bytes;
  try {
    bytes = new Uint8Array(await blob.arrayBuffer());
  } catch (e) {
    showError(V.uploadErrorText(`the file could not be read (${e.message})`, name));
    return;
  }
  try {
    await classifyFile(bytes, { name, ...extra });
  } catch {
    // Already shown in the alert area.
  }
}

function onFiles(files) {
  const f = files && files[0];
  if (!f) {
    showError('Nothing to classify: drop or paste an image file.');
    return;
  }
  classifyBlob(f, f.name || 'pasted image');
}

$('file').addEventListener('change', (e) => {
  onFiles(e.target.files);
  e.target.value = ''; // choosing the same file again fires `change` again
});

const drop = $('drop');
let dragDepth = 0;
document.addEventListener('dragenter', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  dragDepth += 1;
  drop.classList.add('drop-active');
});
document.addEventListener('dragleave', () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) drop.classList.remove('drop-active');
});
document.addEventListener('dragover', (e) => {
  if (hasFiles(e)) e.preventDefault();
});
document.addEventListener('drop', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  dragDepth = 0;
  drop.classList.remove('drop-active');
  if (!state.card) return;
  onFiles(e.dataTransfer.files);
});

function hasFiles(e) {
  return e.dataTransfer && Array.from(e.dataTransfer.types || []).includes('Files');
}

document.addEventListener('paste', (e) => {
  const items = Array.from((e.clipboardData && e.clipboardData.items) || []);
  const file = items.find((i) => i.kind === 'file');
  if (!file || !state.card) return;
  e.preventDefault();
  const f = file.getAsFile();
  classifyBlob(f, f.name && f.name !== 'image.png' ? f.name : 'pasted image');
});

// ---- gallery --------------------------------------------------------------------------------

const KIND_TEXT = {
  easy: 'Easy: right, at the lowest cost in its class',
  hard: 'Hard: right, at the highest cost in its class',
  misclassified: 'Misclassified by the trained model',
};

async function loadGallery() {
  let entries;
  try {
    const res = await fetch('gallery/gallery.json');
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    entries = await res.json();
  } catch (e) {
    setStatus(`Model ready. (The example gallery could not be loaded: ${e.message}.)`);
    return;
  }
  const kinds = [...new Set(entries.map((e) => e.kind || 'other'))];
  const tree = kinds.map((k) => D.h('div', { class: 'gallery-group' }, [
    D.h('h4', {}, KIND_TEXT[k] || k),
    D.h('ul', { class: 'gallery-list' }, entries.filter((e) => (e.kind || 'other') === k).map((e) =>
      D.h('li', {}, D.h('button', {
        type: 'button',
        class: 'thumb',
        'data-file': e.file,
        'data-label': e.label,
        'aria-pressed': 'false',
        'aria-label': `${e.label} (${k})`,
        title: `${e.label} · ${k}${e.source ? ` · ${e.source}` : ''}`,
      }, [
        D.h('img', { src: `gallery/${encodeURIComponent(e.file)}`, alt: '', width: LAYOUT.galleryThumb, height: LAYOUT.galleryThumb }),
      ])))),
  ]));
  const g = $('gallery');
  g.replaceChildren(...tree.map((t) => D.render(t, document)));
  $('gallery-section').hidden = false;
  g.addEventListener('click', (ev) => {
    const b = ev.target.closest('.thumb');
    if (b) pickGallery(b.dataset.file, b.dataset.label, entries.find((e) => e.file === b.dataset.file));
  });
  // Start with an example so the page shows something right away.
  if (!state.shown && entries.length) {
    const first = entries.find((e) => e.kind === 'easy') || entries[0];
    pickGallery(first.file, first.label, first);
  }
}

/**
 * Fetches a bundled example image; shows the error and resolves to null when it fails.
 * @param {string} url
 * @param {string} file its name, for the message
 * @returns {Promise<Blob|null>}
 */
async function fetchExample(url, file) {
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return await res.blob();
  } catch (e) {
    showError(`Could not load the example ${file}: ${e.message}.`);
    return null;
  }
}

async function pickGallery(file, label, entry) {
  const url = `gallery/${encodeURIComponent(file)}`;
  const blob = await fetchExample(url, file);
  if (!blob) return;
  await classifyBlob(blob, file, { url, truth: label, kind: entry && entry.kind, fromGallery: true });
}

// ---- thresholds -----------------------------------------------------------------------------

function setupThresholds(cfg) {
  for (const [id, v] of [['tau-l', cfg.tau_l], ['tau-c', cfg.tau_c]]) {
    const el = $(id);
    el.min = String(THRESHOLDS.min);
    el.max = String(THRESHOLDS.max);
    el.step = String(THRESHOLDS.step);
    el.value = String(v);
  }
  state.tauL = cfg.tau_l;
  state.tauC = cfg.tau_c;
  showThresholds();
  $('thresholds').disabled = false;
}

function showThresholds() {
  $('tau-l-out').textContent = state.tauL.toFixed(2);
  $('tau-c-out').textContent = state.tauC.toFixed(2);
  $('tau-l').setAttribute('aria-valuetext', state.tauL.toFixed(2));
  $('tau-c').setAttribute('aria-valuetext', state.tauC.toFixed(2));
}

function onSlider() {
  state.tauL = Number($('tau-l').value);
  state.tauC = Number($('tau-c').value);
  showThresholds();
  showCurve();
  rerun();
  rerunCompare();
}
$('tau-l').addEventListener('input', onSlider);
$('tau-c').addEventListener('input', onSlider);
$('tau-reset').addEventListener('click', () => {
  if (!state.card) return;
  $('tau-l').value = String(state.card.config.tau_l);
  $('tau-c').value = String(state.card.config.tau_c);
  onSlider();
});

// ---- the accuracy/cost curve -----------------------------------------------------------------

function showCurve() {
  if (!state.card) return;
  const cv = T.curveView(state.card, state.tauL, state.tauC);
  if (!cv) {
    $('curve').replaceChildren(D.render(D.h('p', { class: 'muted' },
      'This model’s card has no measured curve (run `lcnet record` on the test set).'), document));
    $('curve-legend').replaceChildren();
    $('curve-now').textContent = '';
    return;
  }
  D.mount($('curve'), T.curveTree(cv));
  D.mount($('curve-legend'), T.curveLegendTree(cv));
  $('curve-now').textContent = cv.marker.text;
}

// ---- compare two images ---------------------------------------------------------------------

/** A: {name, url, rgb, trace}; B is always the shown image. */
const compare = { a: null };
let compareQueue = Promise.resolve();

function renderCompare() {
  if (!compare.a || !state.output || !state.shown) return;
  const cv = T.compareView(compare.a, { name: state.shown.name, trace: state.output.trace });
  D.mount($('compare'), T.compareTree(cv, { a: compare.a.url, b: state.shown.url }));
}

/** Classifies prepared RGB bytes at the current thresholds without showing the result. */
function classifyRgb(rgb) {
  const copy = Uint8Array.from(rgb);
  return request({ cmd: 'classify', rgb: copy, tauL: state.tauL, tauC: state.tauC }, [copy.buffer]);
}

// The thresholds moved: A runs again (B is the shown image, which `rerun` handles).
function rerunCompare() {
  if (!compare.a) return;
  const a = compare.a;
  compareQueue = compareQueue.then(async () => {
    if (compare.a !== a) return;
    try {
      const out = await classifyRgb(a.rgb);
      if (compare.a === a) {
        a.trace = out.trace;
        renderCompare();
      }
    } catch (e) {
      showError(`Could not re-run the pinned image: ${e.message}`);
    }
  });
}

$('compare-pin').addEventListener('click', () => {
  if (!state.shown || !state.output) return;
  // An uploaded image's object URL now belongs to A: it must outlive the shown image.
  const own = state.shown.ownUrl;
  state.shown.ownUrl = false;
  setCompareA({
    name: state.shown.name,
    url: state.shown.url,
    ownUrl: own,
    rgb: state.shown.prepared.rgb,
    trace: state.output.trace,
  });
});

function setCompareA(a) {
  const old = compare.a;
  if (old && old.ownUrl && old.url !== a.url && old.url !== state.shown?.url) URL.revokeObjectURL(old.url);
  compare.a = a;
  renderCompare();
}

/** Pins the cheapest example of the test set as A and shows the costliest as B. */
async function compareExtremes() {
  const items = T.examplesView(stats.data, { sort: 'cost' });
  if (items.length < 2) return;
  const cheap = items[0];
  const dear = items[items.length - 1];
  const url = `stats/${encodeURIComponent(cheap.file)}`;
  const blob = await fetchExample(url, cheap.file);
  if (!blob) return;
  try {
    const bytes = new Uint8Array(await blob.arrayBuffer());
    const out = await request({ cmd: 'classify', bytes, tauL: state.tauL, tauC: state.tauC }, [bytes.buffer]);
    setCompareA({ name: cheap.file, url, ownUrl: false, rgb: out.prepared.rgb, trace: out.trace });
  } catch (e) {
    showError(`Could not classify the example ${cheap.file}: ${e.message}.`);
    return;
  }
  await pickExample(dear);
}
$('compare-extremes').addEventListener('click', () => compareExtremes());

// ---- per-class statistics, examples, cost buckets ------------------------------------------------

const stats = { data: null, selected: null, sort: 'cost' };

async function loadStats() {
  let data;
  try {
    const res = await fetch('stats/stats.json');
    if (!res.ok) throw new Error(res.status === 404 ? 'this build has no stats/stats.json' : `HTTP ${res.status}`);
    data = await res.json();
  } catch (e) {
    statsUnavailable(`The per-class views are not available: ${e.message}.`);
    return;
  }
  const problem = T.statsProblem(data, state.card);
  if (problem) {
    statsUnavailable(`The per-class views are not shown: the shipped stats.json does not match the model (${problem}).`);
    return;
  }
  stats.data = data;
  $('classes-note').textContent = `Measured by ${data.measured_by} ` +
    `over ${data.images.toLocaleString('en')} test images at the model’s thresholds ` +
    `(τL ${data.tau_l.toFixed(2)}, τC ${data.tau_c.toFixed(2)}): ${V.formatPercent(data.accuracy)} correct, ` +
    `${V.formatPercent(data.mean_macs / data.static_macs)} of the static MACs on average. Click a cell for examples of that class.`;
  renderHeatmaps();
  renderExamples();
  D.mount($('buckets'), T.bucketsTree(T.bucketsView(data)));
  $('compare-extremes').disabled = false;
  document.body.dataset.stats = 'ready';
}

function statsUnavailable(text) {
  $('classes-note').textContent = text;
  $('heatmaps').replaceChildren();
  document.body.dataset.stats = 'missing';
}

function renderHeatmaps() {
  const sel = stats.selected;
  const wrap = $('heatmaps');
  wrap.replaceChildren(
    D.render(T.heatmapTree(T.heatmapView(stats.data, 'run'), sel), document),
    D.render(T.heatmapTree(T.heatmapView(stats.data, 'kept'), sel), document),
  );
}

function renderExamples() {
  const sel = stats.selected;
  const items = T.examplesView(stats.data, {
    sort: stats.sort,
    classIndex: sel ? sel.class : null,
    block: sel ? sel.block : null,
  });
  D.mount($('examples'), T.examplesTree(items, 'stats/'));
  const label = sel ? stats.data.classes[sel.class].label : null;
  $('examples-title').textContent = sel ? `Examples: ${label}, block ${sel.block + 1}` : 'Examples from the test set';
  $('examples-all').hidden = !sel;
  if (sel) {
    const ran = items.filter((e) => e.blockRan).length;
    $('examples-caption').textContent = `${items.length} ${label} test images spread from the cheapest to the ` +
      `costliest; block ${sel.block + 1} ran for ${ran} of them (faded: skipped). Click one to run it.`;
  } else {
    $('examples-caption').textContent = `${items.length} test images, ${items.length / stats.data.classes.length} per class, ` +
      'spread from the cheapest to the costliest for the model. The percentage is each one’s cost against the ' +
      'static network; red frame: misclassified. Click one to run it.';
  }
}

$('heatmaps').addEventListener('click', (e) => {
  const b = e.target.closest('.hm-cell');
  if (!b) return;
  stats.selected = { class: Number(b.dataset.class), block: Number(b.dataset.block) };
  const metric = b.closest('table').dataset.metric;
  renderHeatmaps();
  renderExamples();
  $('heatmaps').querySelector(`table[data-metric="${metric}"] .hm-selected`)?.focus();
});

// Arrow keys move between the cells of a heatmap (one tab stop per table).
$('heatmaps').addEventListener('keydown', (e) => {
  const cell = e.target.closest('.hm-cell');
  const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
  if (!cell || !moves[e.key]) return;
  const table = cell.closest('table');
  const rows = Array.from(table.querySelectorAll('tbody tr'), (tr) => Array.from(tr.querySelectorAll('.hm-cell')));
  const r = rows.findIndex((row) => row.includes(cell));
  const c = rows[r].indexOf(cell);
  const [dr, dc] = moves[e.key];
  const next = rows[Math.max(0, Math.min(rows.length - 1, r + dr))][Math.max(0, Math.min(rows[0].length - 1, c + dc))];
  cell.tabIndex = -1;
  next.tabIndex = 0;
  next.focus();
  e.preventDefault();
});

$('examples-sort').addEventListener('change', (e) => {
  stats.sort = e.target.value;
  if (stats.data) renderExamples();
});

$('examples-all').addEventListener('click', () => {
  stats.selected = null;
  renderHeatmaps();
  renderExamples();
});

$('examples').addEventListener('click', (e) => {
  const b = e.target.closest('.example');
  if (!b || !stats.data) return;
  const item = T.examplesView(stats.data).find((x) => x.file === b.dataset.file);
  if (item) pickExample(item);
});

async function pickExample(item) {
  const url = `stats/${encodeURIComponent(item.file)}`;
  const blob = await fetchExample(url, item.file);
  if (!blob) return;
  await classifyBlob(blob, item.file, { url, truth: item.label });
}

// ---- benchmark ------------------------------------------------------------------------------

async function runBench(runs = 30) {
  if (!state.shown) throw new Error('classify an image first');
  const btn = $('bench-btn');
  btn.disabled = true;
  $('bench-result').textContent = `Running ${runs} static and ${runs} LC-Net passes…`;
  try {
    const rgb = Uint8Array.from(state.shown.prepared.rgb);
    const r = await request({ cmd: 'bench', rgb, runs, tauL: state.tauL, tauC: state.tauC }, [rgb.buffer]);
    $('bench-result').textContent = V.benchText(r, V.backendText(r.backend, { simd: state.simd, relaxed: state.relaxed, adapter: r.adapter }));
    return r;
  } catch (e) {
    $('bench-result').textContent = `The benchmark failed: ${e.message}`;
    throw e;
  } finally {
    btn.disabled = false;
  }
}
$('bench-btn').addEventListener('click', () => runBench().catch(() => {}));

// ---- block details on hover and focus -----------------------------------------------------------

const viz = $('viz');
const tip = $('viz-tip');
let tipBlock = null;

function showTip(el) {
  const i = Number(el.dataset.block);
  const b = state.view && state.view.stages.flatMap((s) => s.blocks).find((x) => x.index === i);
  if (!b) return;
  if (tipBlock && tipBlock !== el) tipBlock.removeAttribute('aria-describedby');
  tipBlock = el;
  D.mount(tip, D.tooltipTree(b));
  tip.hidden = false;
  el.setAttribute('aria-describedby', 'viz-tip');
  // Beside the block (right, else left), else below it; always inside the visualizer's box.
  const wrap = $('viz-wrap').getBoundingClientRect();
  const r = el.getBoundingClientRect();
  const w = tip.offsetWidth;
  const gap = LAYOUT.blockGap;
  let left;
  let top = r.top - wrap.top;
  if (r.right - wrap.left + gap + w <= wrap.width) left = r.right - wrap.left + gap;
  else if (r.left - wrap.left - gap - w >= 0) left = r.left - wrap.left - gap - w;
  else {
    left = Math.max(0, Math.min(r.left - wrap.left, wrap.width - w));
    top = r.bottom - wrap.top + gap;
  }
  tip.style.left = `${left}px`;
  tip.style.top = `${top}px`;
}

function hideTip() {
  if (tipBlock) tipBlock.removeAttribute('aria-describedby');
  tipBlock = null;
  tip.hidden = true;
}

viz.addEventListener('mouseover', (e) => {
  const el = e.target.closest('.block');
  if (el) showTip(el);
});
viz.addEventListener('mouseleave', () => {
  if (!viz.contains(document.activeElement)) hideTip();
});
viz.addEventListener('focusin', (e) => {
  const el = e.target.closest('.block');
  if (el) showTip(el);
});
viz.addEventListener('focusout', (e) => {
  if (!viz.contains(e.relatedTarget)) hideTip();
});
// Its position was computed for the old layout (only the width changes the layout).
let lastWidth = window.innerWidth;
window.addEventListener('resize', () => {
  if (window.innerWidth !== lastWidth) hideTip();
  lastWidth = window.innerWidth;
});
viz.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') hideTip();
  // Arrow keys move between blocks, in network order.
  if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
    const blocks = Array.from(viz.querySelectorAll('.block'));
    const i = blocks.indexOf(document.activeElement);
    if (i < 0) return;
    const j = Math.max(0, Math.min(blocks.length - 1, i + (e.key === 'ArrowRight' ? 1 : -1)));
    blocks[j].focus();
    e.preventDefault();
  }
});

// ---- hooks for the browser tests (tests/browser) ------------------------------------------------

window.lcnetDebug = {
  /** Classifies bytes through the same path as an upload; resolves with the worker's output. */
  classifyBytes: (bytes, name = 'test image') => classifyFile(new Uint8Array(bytes), { name }),
  /** Sets both thresholds as the sliders would, without re-running the shown image. */
  setThresholds(tauL, tauC) {
    state.tauL = tauL;
    state.tauC = tauC;
    $('tau-l').value = String(tauL);
    $('tau-c').value = String(tauC);
    showThresholds();
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
    return compare.a && { name: compare.a.name, trace: compare.a.trace };
  },
  /** Resolves when every compare re-run asked for so far has been drawn. */
  compareSettled: () => compareQueue,
  get stats() {
    return stats.data;
  },
  /** Destroys the GPU device, as a lost GPU would be. */
  loseGpu: () => request({ cmd: 'lose-gpu' }),
  get backend() {
    return state.backend;
  },
  get output() {
    return state.output;
  },
  get card() {
    return state.card;
  },
};
