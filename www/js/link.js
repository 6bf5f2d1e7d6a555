// A link to what the page shows: `?image=<gallery or test-set example file>&tauL=..&tauC=..&backend=..`,
// so a teacher can share exactly the view they show. `readLink` and `linkUrl` are pure; the
// worker reads `backend` itself (worker-client.js passes it on).

import { $, state } from './state.js';

/**
 * The shared view named by an address's query string; absent or invalid values are null.
 * @param {string} search e.g. `location.search`
 * @returns {{image: string|null, tauL: number|null, tauC: number|null, backend: 'webgpu'|'cpu'|null}}
 */
export function readLink(search) {
  const p = new URLSearchParams(search);
  const tau = (k) => {
    const v = p.get(k);
    const n = v === null || v.trim() === '' ? NaN : Number(v);
    return Number.isFinite(n) && n >= 0 && n <= 1 ? n : null;
  };
  const image = p.get('image');
  const backend = p.get('backend');
  return {
    image: image && !image.includes('/') ? image : null,
    tauL: tau('tauL'),
    tauC: tau('tauC'),
    backend: backend === 'webgpu' || backend === 'cpu' ? backend : null,
  };
}

/**
 * The address of a view: `base` with the image (when it is one of the page's own), the
 * thresholds and the backend.
 * @param {string} base the page's address without query, e.g. `https://host/lcnet/`
 * @param {{image?: string|null, tauL: number, tauC: number, backend: string}} v
 * @returns {string}
 */
export function linkUrl(base, v) {
  const u = new URL(base);
  u.search = '';
  if (v.image) u.searchParams.set('image', v.image);
  u.searchParams.set('tauL', String(Number(v.tauL.toFixed(3))));
  u.searchParams.set('tauC', String(Number(v.tauC.toFixed(3))));
  u.searchParams.set('backend', v.backend);
  return u.href;
}

/** The page's own examples can be named in a link; an uploaded image or a camera frame cannot. */
function shownExample() {
  const s = state.shown;
  return s && /^(gallery|stats)\//.test(s.url) ? s.name : null;
}

/** Writes the link to the shown view into the link field and tries to copy it. */
async function makeLink() {
  const image = shownExample();
  const url = linkUrl(location.href, { image, tauL: state.tauL, tauC: state.tauC, backend: state.backend });
  const field = $('link-url');
  field.value = url;
  field.hidden = false;
  field.select();
  let copied = false;
  try {
    await navigator.clipboard.writeText(url);
    copied = true;
  } catch {
    // No clipboard here (an insecure origin, or permission refused): the selected field remains.
  }
  const mine = state.shown && !image ? ' Your own image is not in it: it never leaves this device.' : '';
  $('link-note').textContent = `${copied ? 'Copied.' : 'Copy it from the field.'} It opens this image, these thresholds and this backend.${mine}`;
}

/** Wires the link button; enabled once something is shown. */
export function initLink() {
  $('link-btn').addEventListener('click', () => makeLink());
}
