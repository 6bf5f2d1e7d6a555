// The page's first module: starts the model worker at once, so that the weights and the wasm
// load while the page's own modules (main.js and its views) are still arriving, and fetches the
// gallery's list and its first example meanwhile. main.js attaches to the same worker
// (worker-client.js is one module instance for both); input.js takes the gallery from here.

import { bootWorker } from './worker-client.js';

bootWorker();

/**
 * The example the page starts with: the first "cheap" one, else the first.
 * @param {Array<{file: string, kind?: string}>} entries gallery.json
 */
export function firstEntry(entries) {
  return entries.find((e) => e.kind === 'easy') || entries[0];
}

/** gallery.json (rejects with why it could not be loaded). */
export const galleryList = fetch('gallery/gallery.json').then((r) => {
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
  return r.json();
});

/** The first example's file name and bytes (a Uint8Array); null when the list or the image failed (input.js
 * then fetches it again and reports why). */
export const firstExample = galleryList.then(async (entries) => {
  const { file } = firstEntry(entries);
  const r = await fetch(`gallery/${encodeURIComponent(file)}`);
  return r.ok ? { file, bytes: new Uint8Array(await r.arrayBuffer()) } : null;
}).catch(() => null);
