// The page's entry point: applies the theme, starts the model worker and wires the views. Each
// view lives in its own module: input.js (file, drag and drop, paste, gallery), prediction.js
// (classifying and showing the result), visualizer.js (the block tooltip), backend.js (WebGPU or
// CPU), bench.js, thresholds.js (sliders and curve), compare.js, classes.js (per-class views),
// camera.js (live camera input), debug.js (`window.lcnetDebug`). Their shared state is state.js; view.js, draw.js and teach.js
// turn data into what they draw.

import { cssVariables } from './theme.js';
import * as V from './view.js';
import { $, state } from './state.js';
import { setStatus, fatal } from './status.js';
import { startWorker, request } from './worker-client.js';
import { setBackend, initBackendToggle } from './backend.js';
import { rerun } from './prediction.js';
import { initInputs, loadGallery } from './input.js';
import { setupThresholds, initThresholds, showCurve } from './thresholds.js';
import { initCompare } from './compare.js';
import { loadStats, initClasses } from './classes.js';
import { initBench } from './bench.js';
import { initVisualizer } from './visualizer.js';
import { installDebugHooks } from './debug.js';
import { initCamera } from './camera.js';

for (const [k, v] of cssVariables()) document.documentElement.style.setProperty(k, v);

function onReady(m) {
  if (m.recycled) {
    // A fresh worker replaced one whose memory a big input had grown: keep the page as it is,
    // only put the new worker on the backend the visitor chose.
    document.body.dataset.recycled = String(m.recycled);
    if (m.backend !== state.backend) request({ cmd: 'backend', name: state.backend }).catch(() => {});
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
  }
}

startWorker(onWorkerEvent, (ev) => {
  // A module worker that fails to load (for example www/pkg was not built) only fires `error`.
  ev.preventDefault();
  fatal('The model worker could not start' +
    `${ev.message ? ` (${ev.message})` : ''}. If you built the page yourself, run \`cargo xtask build\` first.`);
});

// Each view attaches its own listeners; the debug hooks come last, once every view is wired.
initBackendToggle(rerun);
initInputs();
initCamera();
initThresholds();
initCompare();
initClasses();
initBench();
initVisualizer();
installDebugHooks();
