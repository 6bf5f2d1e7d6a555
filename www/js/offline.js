// Offline use: once the first example is shown, registers the service worker (www/sw.js) for
// this build and hands it the files to keep: the build's list (build.json, written by `cargo
// xtask build`) and what the page and its model worker loaded (the wasm build this browser
// uses), so the next visit works without a network. The footer says what was kept, or why
// offline use is not available.

import { $ } from './state.js';

let info = null;

/**
 * This build, as `cargo xtask build` wrote it: `{build, files, subset_bytes}` (fetched once).
 * @returns {Promise<{build: string, files: string[], subset_bytes: number}>}
 */
export function buildInfo() {
  info ??= fetch('build.json', { cache: 'no-cache' }).then((r) => {
    if (!r.ok) throw new Error(`build.json: HTTP ${r.status}`);
    return r.json();
  });
  return info;
}

/**
 * Sends `message` to the service worker `sw` and resolves with its answer; rejects when `sw` is
 * replaced before it answers (another tab registered another build) or after 3 minutes.
 */
function ask(sw, message) {
  return new Promise((resolve, reject) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (e) => resolve(e.data);
    sw.addEventListener('statechange', () => {
      if (sw.state === 'redundant') reject(new Error('the service worker was replaced'));
    });
    setTimeout(() => reject(new Error('the service worker did not answer within 3 minutes')), 180_000);
    sw.postMessage(message, [channel.port2]);
  });
}

/** The registration's newest worker once it is installed: it keeps the files of its build while
 * a previous build's worker may stay active for minutes (Chromium lets it finish its work). */
function installed(reg) {
  const w = reg.installing || reg.waiting || reg.active;
  if (!w) return Promise.reject(new Error('the service worker was removed'));
  return new Promise((resolve, reject) => {
    const check = () => {
      if (w.state === 'redundant') reject(new Error('the service worker could not be installed'));
      else if (w.state !== 'parsed' && w.state !== 'installing') resolve(w);
    };
    w.addEventListener('statechange', check);
    setTimeout(() => reject(new Error(`the service worker is still ${w.state} after a minute`)), 60_000);
    check();
  });
}

/** Asks the registration's newest worker; once more when a newer one replaced it before it
 * answered. */
async function askNewest(reg, message) {
  const sw = await installed(reg);
  try {
    return await ask(sw, message);
  } catch (e) {
    if (sw.state !== 'redundant') throw e;
    return ask(await installed(reg), message);
  }
}

/**
 * Keeps this build for offline use.
 * @param {string[]} workerFiles what the model worker loaded (its script, modules, wasm, card)
 * @returns {Promise<{kept: number, total: number, build: string}|null>} null when not available
 */
export async function keepOffline(workerFiles) {
  const line = $('offline');
  if (!('serviceWorker' in navigator)) {
    line.textContent = 'This browser cannot keep the page for offline use (no service workers here: an http:// address other than localhost, or a private window).';
    return null;
  }
  try {
    const { build, files: listed } = await buildInfo();
    const reg = await navigator.serviceWorker.register(`sw.js?build=${encodeURIComponent(build)}`);
    const files = [
      ...listed.map((f) => new URL(f, location.href).href),
      ...performance.getEntriesByType('resource').map((e) => e.name),
      ...workerFiles,
    ].filter((u) => u.startsWith(location.origin));
    const answer = await askNewest(reg, { cmd: 'keep', urls: files });
    line.textContent = `Works offline: this browser keeps the page (${answer.total} files) and the model for your next visit, with or without a network.`;
    document.body.dataset.offline = answer.build;
    return answer;
  } catch (e) {
    line.textContent = `Offline use is not available here (${e && e.message ? e.message : e}); the page works online as usual.`;
    return null;
  }
}
