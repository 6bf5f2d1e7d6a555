// Getting an image in: the file picker, drag and drop, paste and the example gallery. Everything
// goes through `classifyBlob`, so a failed read or classification is reported the same way.

import { firstEntry, firstExample, galleryList } from './boot.js';
import * as V from './view.js';
import * as D from './draw.js';
import { $, state } from './state.js';
import { setStatus, showError } from './status.js';
import { classifyFile } from './prediction.js';
import { cameraRunning, stopCamera } from './camera.js';

/**
 * Reads a blob and classifies it as the new shown image; any failure is shown in the alert
 * area, so this never rejects.
 * @param {Blob} blob
 * @param {string} name shown in the captions and messages
 * @param {{url?: string, truth?: string, kind?: string, fromGallery?: boolean}} [extra]
 * @returns {Promise<void>}
 */
export async function classifyBlob(blob, name, extra = {}) {
  let bytes;
  try {
    bytes = new Uint8Array(await blob.arrayBuffer());
  } catch (e) {
    showError(V.uploadErrorText(`the file could not be read (${e.message})`, name));
    return;
  }
  await classifyBytes(bytes, name, extra);
}

/** As `classifyBlob`, for a file's bytes (which go to the worker: pass a copy to keep them). */
async function classifyBytes(bytes, name, extra) {
  // A chosen picture replaces the live camera.
  if (cameraRunning()) stopCamera();
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

function hasFiles(e) {
  return e.dataTransfer && Array.from(e.dataTransfer.types || []).includes('Files');
}

/** Wires the file picker, drag and drop anywhere on the page, and paste. */
export function initInputs() {
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

  document.addEventListener('paste', (e) => {
    const items = Array.from((e.clipboardData && e.clipboardData.items) || []);
    const file = items.find((i) => i.kind === 'file');
    if (!file || !state.card) return;
    e.preventDefault();
    const f = file.getAsFile();
    classifyBlob(f, f.name && f.name !== 'image.png' ? f.name : 'pasted image');
  });
}

// ---- gallery --------------------------------------------------------------------------------

/** gallery.json's entries, once loaded. */
let galleryEntries = [];

/**
 * Loads `gallery/gallery.json`, shows its thumbnails and classifies `preferred` (a file a link
 * named) or else the first easy one, so the page shows something right away. Without a gallery
 * the status line says why.
 * @param {string|null} [preferred]
 * @returns {Promise<boolean>} false when `preferred` is not in the gallery (nothing was picked)
 */
export async function loadGallery(preferred = null) {
  let entries;
  try {
    entries = await galleryList;
  } catch (e) {
    setStatus(`Model ready. (The example gallery could not be loaded: ${e.message}.)`);
    return !preferred;
  }
  galleryEntries = entries;
  const g = $('gallery');
  g.replaceChildren(...D.galleryTree(entries).map((t) => D.render(t, document)));
  $('gallery-section').hidden = false;
  g.addEventListener('click', (ev) => {
    const b = ev.target.closest('.thumb');
    if (b) pickGallery(b.dataset.file, b.dataset.label, entries.find((e) => e.file === b.dataset.file));
  });
  if (preferred) {
    const want = entries.find((e) => e.file === preferred);
    if (!want) return false;
    pickGallery(want.file, want.label, want);
    return true;
  }
  pickFirstGallery();
  return true;
}

/**
 * Starts with an example, unless an image is shown already, so the page shows something.
 * @returns {Promise<void>}
 */
export async function pickFirstGallery() {
  if (state.shown || !galleryEntries.length) return;
  const first = firstEntry(galleryEntries);
  await pickGallery(first.file, first.label, first);
}

/**
 * Fetches a bundled example image; shows the error and resolves to null when it fails.
 * @param {string} url
 * @param {string} file its name, for the message
 * @returns {Promise<Blob|null>}
 */
export async function fetchExample(url, file) {
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
  const extra = { url, truth: label, kind: entry && entry.kind, fromGallery: true };
  const early = await firstExample; // fetched while the model loaded
  if (early && early.file === file) {
    await classifyBytes(early.bytes.slice(), file, extra);
    return;
  }
  const blob = await fetchExample(url, file);
  if (blob) await classifyBlob(blob, file, extra);
}
