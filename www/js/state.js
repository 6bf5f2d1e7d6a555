// What the page's views share: one object that every module reads and writes, so that no view
// keeps its own copy of the shown image, the thresholds or the backend.

/**
 * The element with this id.
 * @param {string} id
 * @returns {HTMLElement|null}
 */
export const $ = (id) => document.getElementById(id);

export const state = {
  card: null,
  /** stats.json (`lcnet stats` over the test set) once loaded and checked against the card; null
   * before, or when missing or not matching (classes.js loads it). */
  stats: null,
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
  /** The image on screen: {name, url, truth, kind, prepared}; kept when a new upload fails.
   * It, its `output` (the worker's answer) and `view` (view.js's view data) are set by shown.js,
   * which tells the views that subscribe to it. */
  shown: null,
  output: null,
  view: null,
  /** Uploads started so far; only the newest one's answer is shown. */
  uploads: 0,
  results: 0,
  errors: 0,
  /** Points measured in this browser ("measure it yourself"): {accuracy, macs_ratio, tau_l, tau_c, images}. */
  measured: [],
  /** Whether the curve's x axis spans the measured range only (the default) or 0 to 100%. */
  curveZoom: true,
};
