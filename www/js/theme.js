// Every layout and colour constant of the page and the visualizer, in one place.
//
// Colours: Okabe & Ito's colour-blind-safe palette for categories and the viridis ramp for
// gate values (perceptually uniform, readable with the common colour-vision deficiencies and in
// greyscale). Kept and skipped never differ by colour alone: skipped blocks and channels are
// also hatched, outlined with dashes and labelled.
// style.css holds no colour literals and none of the visualizer's sizes; it reads the CSS
// variables that `cssVariables()` produces (main.js applies them first thing). Only the page's
// typographic spacing (rem) lives in style.css.

/** Okabe-Ito palette (Wong, Nature Methods 8:441, 2011). */
export const OKABE_ITO = Object.freeze({
  black: '#000000',
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  green: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  purple: '#CC79A7',
});

/**
 * Viridis (matplotlib's table sampled at 0, 1/8, ..., 1), reversed so that a gate of 0 maps to
 * the light end and a gate of 1 to the dark end: strong channels stand out on the light page.
 */
export const VIRIDIS = Object.freeze([
  '#fde725', '#addc30', '#5ec962', '#28ae80', '#21918c', '#2c728e', '#3b528b', '#472d7b',
  '#440154',
]);

/** Colours with a meaning. */
export const COLORS = Object.freeze({
  page: '#f6f7f9',
  surface: '#ffffff',
  text: '#1b1f24',
  muted: '#57606a',
  border: '#d0d7de',
  accent: OKABE_ITO.blue,
  accentText: '#ffffff',
  focus: OKABE_ITO.orange,
  error: '#a40e26',
  errorSurface: '#ffebe9',
  ok: '#116329',
  bar: OKABE_ITO.blue,
  barMuted: OKABE_ITO.skyBlue,
  barTrack: '#e6e9ed',
  blockRan: OKABE_ITO.blue,
  blockRanSurface: '#eef6fc',
  blockSkipped: '#8c959f',
  blockSkippedSurface: '#f3f4f6',
  hatch: '#b6bdc5',
  channelSkipped: '#ffffff',
  lGate: OKABE_ITO.orange,
  threshold: '#1b1f24',
  saved: OKABE_ITO.green,
  shadow: 'rgba(0, 0, 0, 0.15)',
});

/** The threshold sweeps of the accuracy/cost curve, and the marked setting. */
export const SERIES = Object.freeze({
  both: OKABE_ITO.blue,
  tauL: OKABE_ITO.orange,
  tauC: OKABE_ITO.green,
  marker: OKABE_ITO.vermillion,
  compareA: OKABE_ITO.blue,
  compareB: OKABE_ITO.purple,
  /** Points measured in this browser ("measure it yourself"). */
  measured: OKABE_ITO.black,
});

/** Sizes of the visualizer and the page, in CSS pixels unless a unit is given. */
export const LAYOUT = Object.freeze({
  /** Channel cells per row in a block's channel strip. */
  channelColumns: 8,
  channelCell: 10,
  /** Cell size below 600 px of page width (style.css's media query). */
  channelCellNarrow: 8,
  channelGap: 2,
  blockPadding: 6,
  blockGap: 8,
  stageGap: 14,
  /** Height of the L-gate bar in a block tile. */
  gateBar: 6,
  /** Side of the canvas that shows the network's input, scaled up with nearest neighbour. */
  inputPreview: 160,
  /** Longest side of the uploaded-image preview. */
  originalPreview: 160,
  galleryThumb: 40,
  top5Bar: 14,
  radius: 8,
  pageMaxWidth: '1240px',
});

/**
 * Type and spacing of the downloadable figures (figures.js), in SVG user units (CSS px); they
 * follow the page's sizes (style.css sets its type in rem, 16 px root).
 */
export const FIGURE = Object.freeze({
  type: Object.freeze({
    family: 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif',
    title: 16,
    heading: 13,
    body: 11,
    small: 9,
    /** Mean advance of a character, as a share of the font size: enough to size boxes by. */
    advance: 0.6,
  }),
  margin: 16,
  /** Line height, as a multiple of the font size. */
  line: 1.45,
  /** Heatmap cells: about the page's (0.9rem x 1.05rem, 1px padding, 4px between stages). */
  heat: Object.freeze({ cell: 16, height: 14, gap: 2, stageGap: 4 }),
});

/** LAYOUT entries that are counts, not lengths. */
const UNITLESS = new Set(['channelColumns']);

/** Number formatting choices. */
export const FORMAT = Object.freeze({
  /** Digits after the decimal point for gate values. */
  gateDigits: 2,
  probDigits: 1,
  /** Digits after the decimal point for accuracies (header, curve, notes, tables). */
  accuracyDigits: 1,
  msDigits: 1,
});

/** Slider ranges for a model whose card has no measured curve (else `teach.js::sliderRange`). A
 * gate `<= tau` is skipped (gates are clamped to [0, 1]). */
export const THRESHOLDS = Object.freeze({ min: 0, max: 0.9, step: 0.01 });

function hexToRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function rgbToHex(rgb) {
  return `#${rgb.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The viridis colour of a value in [0, 1] (clamped; NaN counts as 0), linearly interpolated
 * between the sampled stops.
 * @param {number} t
 * @returns {string} `#rrggbb`
 */
export function viridis(t) {
  const v = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  const stops = VIRIDIS;
  const x = v * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = hexToRgb(stops[i]);
  const b = hexToRgb(stops[i + 1]);
  return rgbToHex(a.map((c, j) => c + (b[j] - c) * f));
}

/**
 * Text colour (near-black or white) that is readable on `background`, by WCAG relative
 * luminance.
 * @param {string} background `#rrggbb`
 * @returns {string}
 */
export function textOn(background) {
  const lin = hexToRgb(background).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const l = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  // Contrast against white is (1.05)/(l+0.05), against black (l+0.05)/0.05; pick the larger.
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 ? '#ffffff' : COLORS.text;
}

/**
 * CSS custom properties for style.css, as `[name, value]` pairs.
 * @returns {Array<[string, string]>}
 */
export function cssVariables() {
  const vars = [];
  for (const [k, v] of Object.entries(COLORS)) vars.push([`--c-${kebab(k)}`, v]);
  for (const [k, v] of Object.entries(SERIES)) vars.push([`--s-${kebab(k)}`, v]);
  for (const [k, v] of Object.entries(LAYOUT)) {
    const unitless = typeof v !== 'number' || UNITLESS.has(k);
    vars.push([`--${kebab(k)}`, unitless ? String(v) : `${v}px`]);
  }
  const ramp = [0, 0.25, 0.5, 0.75, 1].map((t) => `${viridis(t)} ${t * 100}%`).join(', ');
  vars.push(['--gate-ramp', `linear-gradient(to right, ${ramp})`]);
  return vars;
}

function kebab(s) {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
