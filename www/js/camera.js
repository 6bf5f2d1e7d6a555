// The camera as an input (getUserMedia): frames are classified one after another, each as soon
// as the previous answer is back, through the same path as an upload, so the prediction, the
// visualizer and the MACs follow the picture live. The first frames are timed on each backend
// the page has, and the live loop runs on the faster one. "Freeze" stops the camera and keeps the last
// frame as the shown image for the other views; hiding the tab also releases the camera.

import * as V from './view.js';
import { median, chooseBackend } from './policy.js';
import { $, state } from './state.js';
import { setStatus, showError } from './status.js';
import { classifyFrame } from './prediction.js';

// Frames are cut to their centre square and drawn at this side before they go to the worker: a
// 640x480 frame would be copied and reduced in wasm 60 times a second for nothing, since the
// network sees 32x32.
const FRAME_SIDE = 128;

// Frames timed per backend before the live loop picks one.
const PROBE_FRAMES = 3;

const cam = { stream: null, running: false, frames: 0, since: 0, canvas: null, backend: null, why: '' };

/** Whether a camera is running. */
export function cameraRunning() {
  return cam.running;
}

/**
 * Starts the camera and the live loop; a missing camera or a refused permission is shown in the
 * alert area and the rest of the page keeps working.
 * @returns {Promise<boolean>} whether the camera started
 */
export async function startCamera() {
  if (cam.running) return true;
  if (!navigator.mediaDevices?.getUserMedia) {
    showError(V.cameraErrorText({ name: 'NotSupportedError' }));
    return false;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 } }, audio: false });
  } catch (e) {
    showError(V.cameraErrorText(e));
    return false;
  }
  cam.stream = stream;
  const video = $('camera-video');
  video.srcObject = stream;
  try {
    await video.play();
  } catch (e) {
    stopCamera();
    showError(V.cameraErrorText(e));
    return false;
  }
  video.hidden = false;
  $('camera-start').textContent = 'Stop camera';
  $('camera-freeze').hidden = false;
  cam.running = true;
  cam.frames = 0;
  cam.since = performance.now();
  document.body.dataset.camera = 'live';
  setStatus('Camera on: classifying each frame.');
  loop();
  return true;
}

/**
 * Stops the camera and releases it. The last classified frame stays the shown image.
 */
export function stopCamera() {
  cam.running = false;
  // A frame still on its way is dropped when it lands: the frozen frame is the one shown.
  state.uploads += 1;
  for (const t of cam.stream?.getTracks() || []) t.stop();
  cam.stream = null;
  const video = $('camera-video');
  video.srcObject = null;
  video.hidden = true;
  $('camera-start').textContent = 'Use camera';
  $('camera-freeze').hidden = true;
  document.body.dataset.camera = 'off';
  if (state.shown?.live) {
    state.shown = { ...state.shown, live: false, name: 'camera frame (frozen)' };
    $('original-caption').textContent = state.shown.name;
    setStatus('Camera off: the last frame stays for the other views.');
  }
}

// The centre square of the current video frame at FRAME_SIDE, as RGBA pixels, and a small JPEG
// of it for the page's preview.
function grab(video) {
  if (!cam.canvas) {
    cam.canvas = document.createElement('canvas');
    cam.canvas.width = FRAME_SIDE;
    cam.canvas.height = FRAME_SIDE;
  }
  const s = Math.min(video.videoWidth, video.videoHeight);
  const ctx = cam.canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(video, (video.videoWidth - s) / 2, (video.videoHeight - s) / 2, s, s, 0, 0, FRAME_SIDE, FRAME_SIDE);
  return { frame: ctx.getImageData(0, 0, FRAME_SIDE, FRAME_SIDE), url: cam.canvas.toDataURL('image/jpeg', 0.85) };
}

// Times PROBE_FRAMES frames on each backend the page has (median of the worker's measured
// inference time) and keeps the faster for the live loop (policy.js's rule: a tie stays on the
// CPU).
async function probeBackends(video) {
  const backends = state.webgpu?.available ? ['cpu', 'webgpu'] : ['cpu'];
  const ms = {};
  for (const b of backends) {
    const t = [];
    for (let i = 0; i < PROBE_FRAMES && cam.running; i++) {
      const { frame, url } = grab(video);
      const out = await classifyFrame(frame, { name: 'camera', url, live: true }, b);
      t.push(out.timings.classify_ms);
    }
    ms[b] = median(t);
  }
  cam.backend = chooseBackend(ms);
  cam.why = V.cameraBackendText(ms);
}

async function loop() {
  const video = $('camera-video');
  while (cam.running && (video.readyState < 2 || !video.videoWidth)) {
    await new Promise((r) => requestAnimationFrame(r));
  }
  try {
    await probeBackends(video);
  } catch {
    stopCamera(); // classifyFrame has shown the error
    return;
  }
  cam.frames = 0;
  cam.since = performance.now();
  while (cam.running) {
    if (video.readyState < 2 || !video.videoWidth) {
      await new Promise((r) => requestAnimationFrame(r));
      continue;
    }
    const { frame, url } = grab(video);
    try {
      await classifyFrame(frame, { name: 'camera', url, live: true }, cam.backend);
    } catch {
      stopCamera(); // classifyFrame has shown the error
      return;
    }
    if (!cam.running) break; // stopped while this frame was on its way
    cam.frames += 1;
    const rate = (1000 * cam.frames) / (performance.now() - cam.since);
    $('camera-rate').textContent = `${V.frameRateText(rate, cam.backend)} ${cam.why}`;
    document.body.dataset.cameraFrames = String(cam.frames);
  }
}

/** Wires the camera buttons and releases the camera when the tab is hidden. */
export function initCamera() {
  $('camera-start').addEventListener('click', () => (cam.running ? stopCamera() : startCamera()));
  $('camera-freeze').addEventListener('click', () => stopCamera());
  document.addEventListener('visibilitychange', () => {
    if (document.hidden && cam.running) stopCamera();
  });
}
