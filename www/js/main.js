// The page's entry point: applies the theme, attaches to the model worker (boot.js started it,
// and fetches the first example meanwhile) and wires the views. Each view lives in its own
// module: input.js (file, drag and drop, paste, gallery), result.js (the shown image's result),
// visualizer.js (the block tooltip), backend.js (WebGPU or CPU), bench.js, thresholds.js
// (sliders and curve), compare.js, classes.js (per-class views), camera.js (live camera input),
// dynamics-card.js (how dynamic it is), export.js (the figures' SVG and PNG downloads), tour.js
// (the guided tour), pagetools.js (reset all, print and its summary), link.js (a link to the
// shown view), measure.js (measure it yourself), offline.js (the service worker, sw.js),
// debug.js (`window.lcnetDebug`). Their shared state is state.js; prediction.js classifies the
// shown image and publishes each result to shown.js, which the views that draw it subscribe to,
// so no view imports another to hear of a result (where one view asks another for something,
// main.js hands it the function: see `initClasses`). view.js, draw.js, teach.js, dynamics.js,
// summary.js, figures.js and dataset.js turn data into what they draw or run; policy.js picks
// the backend.

import { keepOffline } from './offline.js';
import { cssVariables } from './theme.js';
import * as V from './view.js';
import { $, state } from './state.js';
import { setStatus, showError, fatal } from './status.js';
import { startWorker, request } from './worker-client.js';
import { setBackend, initBackend } from './backend.js';
import { rerun, shownAtThresholds } from './prediction.js';
import { initResult } from './result.js';
import { initInputs, loadGallery, pickFirstGallery, classifyBlob, fetchExample } from './input.js';
import { setupThresholds, setThresholds, initThresholds, showCurve } from './thresholds.js';
import { initCompare, setCompareA } from './compare.js';
import { loadStats, initClasses, showExampleNamed } from './classes.js';
import { initBench } from './bench.js';
import { initReference } from './reference.js';
import { initVisualizer } from './visualizer.js';
import { installDebugHooks } from './debug.js';
import { initCamera } from './camera.js';
import { initTour, tourReady } from './tour.js';
import { initPageTools, showSummary } from './pagetools.js';
import { readLink, initLink } from './link.js';
import { initMeasure, measureReady } from './measure.js';
import { initDynamics, showTestSetDynamics } from './dynamics-card.js';
import { installApi } from './api.js';
import { initExport } from './export.js';

for (const [k, v] of cssVariables()) document.documentElement.style.setProperty(k, v);

// `window.lcnet.ready`: the model is loaded and the first image shown (or loading failed).
const api = {};
const apiReady = new Promise((resolve, reject) => Object.assign(api, { resolve, reject }));
apiReady.catch(() => {}); // a script that never awaits it is not an unhandled rejection

function onReady(m) {
  if (m.recycled) {
    // A fresh worker replaced one whose memory a big input had grown: keep the page as it is,
    // only put the new worker on the backend the visitor chose.
    document.body.dataset.recycled = String(m.recycled);
    request({ cmd: 'backend', name: state.backend }).catch(() => {});
    return;
  }
  state.card = m.card;
  state.simd = m.simd;
  state.relaxed = m.relaxed;
  document.body.dataset.wasm = m.relaxed ? 'relaxed-simd' : 'simd128';
  $('load-progress').hidden = true;
  const line = $('model-line');
  line.textContent = V.modelSummary(m.card);
  line.hidden = false;
  $('claim-line').textContent = V.claimText(m.card);
  $('claim-line').hidden = !$('claim-line').textContent;
  $('known-list').textContent = m.card.config.class_names.join(', ');
  setBackend(m.backend, m.webgpu);
  setupThresholds(m.card);
  // A shared link's thresholds (its backend went to the worker, its image is picked below).
  const link = readLink(location.search);
  if (link.tauL !== null || link.tauC !== null) setThresholds(link.tauL ?? state.tauL, link.tauC ?? state.tauC);
  state.loadMs = m.load_ms;
  setStatus(V.readyText(m));
  document.body.dataset.weights = m.cached ? 'cache' : 'network';
  document.body.dataset.state = 'ready';
  showCurve();
  showSummary(m.card, null);
  const gallery = loadGallery(link.image);
  // The per-class views are drawn once the first example is shown (3 s at most), since their
  // layout would hold up the first answer; at once when the link names one of their examples.
  const firstShown = Promise.race([shownAtThresholds(300000).catch(() => {}), new Promise((ok) => setTimeout(ok, 3000))]);
  const stats = gallery.then((found) => found && firstShown).then(loadStats);
  Promise.all([gallery, stats]).then(([found]) => {
    showSummary(m.card, state.stats);
    tourReady();
    if (found || showExampleNamed(link.image)) return;
    // After the example: showing an image clears the alert area.
    pickFirstGallery().finally(() => showError(`The link names an image this page does not have (“${link.image}”); showing an example instead.`));
  });
  $('reset-all').disabled = false;
  measureReady();
  shownAtThresholds(300000).then(api.resolve, api.reject).then(() => keepOffline(m.files || []));
}

function onWorkerEvent(m) {
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
    api.reject(new Error(m.error));
  }
}

startWorker(onWorkerEvent, (ev) => {
  // A module worker that fails to load (for example www/pkg was not built) only fires `error`.
  ev.preventDefault();
  fatal('The model worker could not start' +
    `${ev.message ? ` (${ev.message})` : ''}. If you built the page yourself, run \`cargo xtask build\` first.`);
  api.reject(new Error(`the model worker could not start${ev.message ? ` (${ev.message})` : ''}`));
});

// Each view attaches its own listeners (those that draw a result subscribe to shown.js, in this
// order); the debug hooks come last, once every view is wired.
initBackend();
initResult();
initInputs();
initCamera();
initThresholds();
initCompare();
initClasses({ showBlob: classifyBlob, fetchExample, pinA: setCompareA, showDynamics: showTestSetDynamics });
initBench();
initReference();
initVisualizer();
initTour();
initPageTools();
initLink();
initMeasure();
initDynamics();
initExport();
installApi(apiReady);
installDebugHooks();
