// Trace -> view data: pure functions, no DOM. What the page shows about one LC-Net forward pass
// (Xia, Yin, Dai, Jha 2020, arXiv:2007.15151): which residual blocks the L-Nets let run, which
// inner channels the C-Nets kept, and what that cost in MACs against the static ResNet.
//
// The trace is the JSON of `crate/src/trace.rs` (the same shape the CLI prints).

import { FORMAT, LAYOUT, viridis, textOn, COLORS } from './theme.js';

/**
 * Three significant digits with an SI suffix: 512, 12.3 k, 40.6 M, 1.25 G.
 * @param {number} n a non-negative count
 * @returns {string}
 */
export function formatCount(n) {
  if (!Number.isFinite(n)) return '–';
  const units = [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [scale, suffix] of units) {
    if (Math.abs(n) >= scale) return `${sig3(n / scale)} ${suffix}`;
  }
  return String(Math.round(n));
}

/**
 * A whole number with thousands separators, as English writes it: 10,000. Not
 * `toLocaleString`, whose first call loads the browser's locale data (0.1 s on a slow machine,
 * on the way to the first answer).
 * @param {number} n
 * @returns {string}
 */
export function formatWhole(n) {
  if (!Number.isFinite(n)) return '–';
  return String(Math.round(n)).replace(/\B(?=(\d{3})+$)/g, ',');
}

function sig3(x) {
  const a = Math.abs(x);
  // toPrecision(3) would write 1.00e+3 for 999.5; the caller's ranges keep x below 1000.
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : 2;
  return x.toFixed(digits);
}

/**
 * A MAC count: "12.3 M MACs".
 * @param {number} macs
 * @returns {string}
 */
export function formatMacs(macs) {
  return `${formatCount(macs)} MACs`;
}

/**
 * A fraction as a percentage: whole percent, one decimal below 10% (so 0.4% is not shown as 0%),
 * and "<0.1%" for a share too small for that (a skipped block's gate cost).
 * @param {number} r fraction, e.g. 0.385
 * @returns {string} e.g. "39%"
 */
export function formatPercent(r) {
  if (!Number.isFinite(r)) return '–';
  const p = r * 100;
  if (p > 0 && p < 0.05) return '<0.1%';
  if (p !== 0 && Math.abs(p) < 9.95) return `${p.toFixed(1)}%`;
  return `${Math.round(p)}%`;
}

/**
 * A measured accuracy, always with one decimal: "86.7%". Every accuracy on the page (header,
 * curve, notes, tables) goes through here, so one measurement never prints two ways.
 * @param {number} a fraction correct, e.g. 0.8672
 * @returns {string}
 */
export function formatAccuracy(a) {
  return Number.isFinite(a) ? `${(a * 100).toFixed(FORMAT.accuracyDigits)}%` : '–';
}

/**
 * Cost of a pass against the static network, with the used and saved shares adding up to 100.
 * @param {number} macs MACs spent
 * @param {number} staticMacs MACs of the static network
 * @returns {{used: number, saved: number, usedText: string, savedText: string, text: string}}
 *   `used`/`saved` are fractions; `text` is e.g. "12.3 M MACs (38% of static, saves 62%)".
 */
export function macsSummary(macs, staticMacs) {
  const used = staticMacs > 0 ? macs / staticMacs : NaN;
  const saved = 1 - used;
  const usedText = formatPercent(used);
  // Derive the saving from the rounded share so the two printed numbers add up to 100%.
  const usedRounded = parseFloat(usedText);
  const savedRounded = Number.isFinite(usedRounded) ? 100 - usedRounded : NaN;
  // Same precision as the used share: "0.4% of static, saves 99.6%".
  const savedNumber = Number.isFinite(savedRounded)
    ? savedRounded.toFixed(usedText.includes('.') ? 1 : 0)
    : '';
  let savedText;
  if (usedText.startsWith('<')) savedText = 'saves >99.9%';
  else if (!Number.isFinite(savedRounded)) savedText = '–';
  else if (savedRounded >= 0) savedText = `saves ${savedNumber}%`;
  else savedText = `${savedNumber.replace('-', '')}% more than static`;
  const text = `${formatMacs(macs)} (${usedText} of static, ${savedText})`;
  return { used, saved, usedText, savedText, text };
}

/**
 * Milliseconds: "0.42 ms", "3.4 ms", "123 ms".
 * @param {number} ms
 * @returns {string}
 */
export function formatMs(ms) {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(FORMAT.msDigits)} ms`;
  return `${Math.round(ms)} ms`;
}

/**
 * A probability as a percentage with one decimal: "87.3%".
 * @param {number} p in [0, 1]
 * @returns {string}
 */
export function formatProb(p) {
  return Number.isFinite(p) ? `${(p * 100).toFixed(FORMAT.probDigits)}%` : '–';
}

/**
 * The note under an unsure prediction, or null when the prediction is not unsure. "Unsure" is
 * measured, not chosen: `lcnet stats` finds the top-1 probability below which the test set's
 * images were right less than half of the time (`stats.json` `confidence`).
 * @param {number} prob the top-1 probability
 * @param {{unsure_below: number, unsure_accuracy: number|null}|null|undefined} confidence
 * @param {string[]} classNames the classes the model knows
 * @returns {string|null}
 */
export function unsureNote(prob, confidence, classNames) {
  if (!confidence || !(confidence.unsure_below > 0) || !(prob < confidence.unsure_below)) return null;
  const right = Number.isFinite(confidence.unsure_accuracy)
    ? ` On the test set, predictions below ${formatProb(confidence.unsure_below)} were right only ` +
      `${formatAccuracy(confidence.unsure_accuracy)} of the time.`
    : '';
  return `The network is unsure (${formatProb(prob)}).${right} It only knows ${classNames.length} ` +
    `classes (${classNames.join(', ')}) and must pick one of them, even for a picture of something else.`;
}

/**
 * What went wrong when the camera could not start, for the alert area.
 * @param {{name?: string, message?: string}} e the getUserMedia (or play) error
 * @returns {string}
 */
export function cameraErrorText(e) {
  const why = {
    NotAllowedError: 'permission to use the camera was refused (allow it in the address bar and try again)',
    SecurityError: 'permission to use the camera was refused (allow it in the address bar and try again)',
    NotFoundError: 'no camera was found',
    OverconstrainedError: 'no camera was found',
    NotReadableError: 'the camera is in use by another program or could not be opened',
    AbortError: 'the camera is in use by another program or could not be opened',
    NotSupportedError: 'this browser offers no camera access here (it needs https or localhost)',
  }[e && e.name] || `the camera could not start (${(e && (e.message || e.name)) || 'unknown error'})`;
  return `Camera: ${why}. Images, the gallery and everything else still work.`;
}

/**
 * Why the camera runs where it runs, from the measured median ms per frame of each backend:
 * "(CPU 3.1 ms vs WebGPU 260 ms per frame here)", or "(3.1 ms per frame)" with only one.
 * @param {{cpu: number, webgpu?: number}} ms
 * @returns {string}
 */
export function cameraBackendText(ms) {
  if (!Number.isFinite(ms.webgpu)) return `(${formatMs(ms.cpu)} per frame)`;
  return `(CPU ${formatMs(ms.cpu)} vs WebGPU ${formatMs(ms.webgpu)} per frame here)`;
}

/**
 * The live camera's measured rate: "14.8 frames/s on the CPU".
 * @param {number} fps
 * @param {string} backend 'cpu' or 'webgpu'
 * @returns {string}
 */
export function frameRateText(fps, backend) {
  const on = backend === 'webgpu' ? 'WebGPU' : 'the CPU';
  return Number.isFinite(fps) ? `${fps.toFixed(1)} frames/s on ${on}` : '';
}

/**
 * A gate value ("0.73"), or "none" for a block without a gate.
 * @param {number|null|undefined} g
 * @returns {string}
 */
export function formatGate(g) {
  return g === null || g === undefined || !Number.isFinite(g) ? 'none' : g.toFixed(FORMAT.gateDigits);
}

/**
 * Bytes for people: "1.2 MB", "850 kB", "12 B".
 * @param {number} n
 * @returns {string}
 */
export function formatBytes(n) {
  if (!Number.isFinite(n) || n < 0) return '–';
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} kB`;
  return `${n} B`;
}

/**
 * The loading line while the weights download.
 * @param {number} loaded bytes received
 * @param {number} total bytes expected (0 when the server did not say)
 * @returns {{text: string, fraction: number|null}} fraction in [0, 1], or null if unknown
 */
export function loadingProgress(loaded, total) {
  if (total > 0) {
    const fraction = Math.min(1, loaded / total);
    return {
      text: `Downloading weights: ${formatBytes(loaded)} of ${formatBytes(total)} (${Math.round(fraction * 100)}%)`,
      fraction,
    };
  }
  return { text: `Downloading weights: ${formatBytes(loaded)}`, fraction: null };
}

/**
 * The backend line of the results.
 * @param {'webgpu'|'cpu'} backend
 * @param {{simd?: boolean, relaxed?: boolean, adapter?: string|null}} [o] WebAssembly SIMD,
 *   relaxed SIMD (the build with fused multiply-add); the GPU adapter's name
 * @returns {string} e.g. "WebGPU (google swiftshader)" or "CPU (WebAssembly, SIMD on)"
 */
export function backendText(backend, { simd = false, relaxed = false, adapter = null } = {}) {
  if (backend === 'webgpu') return `WebGPU (${adapter || 'unknown adapter'})`;
  if (simd && relaxed) return 'CPU (WebAssembly, SIMD on, relaxed SIMD)';
  return `CPU (WebAssembly, SIMD ${simd ? 'on' : 'off'})`;
}

/**
 * One line about the loaded model, from its card.
 * @param {object} card the model card (`crate/src/config.rs::ModelCard`)
 * @returns {string} e.g. "lcnet-resnet56 · ResNet-56, 27 gated blocks · 10 classes · weights stored as f16 ·
 *   92.1% test accuracy"
 */
export function modelSummary(card) {
  const c = card.config;
  const blocks = blocksPerStage(c.depth) * 3;
  const parts = [
    card.name,
    `ResNet-${c.depth}, ${blocks} ${c.gated ? 'gated ' : ''}blocks`,
    `${c.num_classes} classes`,
  ];
  // 16-bit files are widened to f32 on load; f32 (or a card that does not say) needs no mention.
  if (card.weights_dtype && card.weights_dtype !== 'f32') parts.push(`weights stored as ${card.weights_dtype}`);
  const m = measuredResult(card.results);
  if (m) {
    let text = `${formatAccuracy(m.accuracy)} test accuracy`;
    if (typeof m.macs_ratio === 'number' && c.gated) {
      text += ` at ${formatPercent(m.macs_ratio)} of the static MACs`;
    }
    parts.push(text);
  }
  return parts.join(' · ');
}

/**
 * The reminder under every answer for a picture from outside the test set.
 * @param {string[]} classNames
 * @returns {string}
 */
export function outOfClassNote(classNames) {
  return `The network only knows ${classNames.length} classes (${classNames.join(', ')}): ` +
    'a picture of anything else still gets one of these names, often with high confidence.';
}

/**
 * What the paper claims against what this model reaches, from the card's measurements: the cost
 * and the accuracy lost (or gained) against the full static network trained separately.
 * @param {object} card
 * @returns {string} empty when the card has no LC-Net result with a static baseline
 */
export function claimText(card) {
  const rust = card.results && card.results.rust;
  const m = rust && rust.dynamic;
  const st = rust && rust.static_baseline && rust.static_baseline.result;
  if (!card.config.gated || !m || !st || !Number.isFinite(m.accuracy) || !Number.isFinite(st.accuracy)) return '';
  const d = (m.accuracy - st.accuracy) * 100;
  const side = Math.abs(d) < 0.05 ? 'as accurate as' : `${Math.abs(d).toFixed(1)} points ${d < 0 ? 'less accurate than' : 'more accurate than'}`;
  return 'The paper reports the accuracy of the full network at a fraction of its cost. This model, measured on ' +
    `the ${formatWhole(m.images)} test images: ${formatAccuracy(m.accuracy)} at ${formatPercent(m.macs_ratio)} of the MACs, ` +
    `${side} the full static ResNet-${card.config.depth} trained separately (${formatAccuracy(st.accuracy)}).`;
}

function blocksPerStage(depth) {
  return Math.max(0, Math.floor((depth - 2) / 6));
}

/**
 * The measured test result to show for a model: the Rust runtime's own (`lcnet record`, the
 * code this page runs) when the card has it, else the trainer's (`weights/train/export.py`).
 * @param {object} results the card's `results`
 * @returns {{accuracy: number, macs_ratio?: number}|null}
 */
export function measuredResult(results) {
  const r = results || {};
  const candidates = [r.rust && r.rust.dynamic, r.pytorch];
  for (const m of candidates) {
    if (m && typeof m.accuracy === 'number' && m.accuracy >= 0 && m.accuracy <= 1) return m;
  }
  return null;
}

/**
 * Colour and text colour of a kept channel with C-gate `gate` (null: ungated model, full gate).
 * @param {number|null} gate
 * @returns {{fill: string, ink: string}}
 */
export function channelColor(gate) {
  const fill = viridis(gate === null || gate === undefined ? 1 : gate);
  return { fill, ink: textOn(fill) };
}

/**
 * View data of one block.
 * @param {object} b a `BlockTrace`
 * @param {number} tauC the C-gate threshold of the pass
 * @returns {object} see `buildView`
 */
export function blockView(b, tauC) {
  const kept = new Set(b.kept);
  const keptCount = b.ran ? b.kept.length : 0;
  const channels = b.ran
    ? Array.from({ length: b.planes }, (_, k) => {
      const gate = b.c_gates ? b.c_gates[k] : null;
      const isKept = kept.has(k);
      const label = `channel ${k}: C-gate ${formatGate(gate)}, ${isKept ? 'computed' : `skipped (≤ τC ${formatGate(tauC)})`}`;
      return { index: k, kept: isKept, gate, fill: isKept ? channelColor(gate).fill : COLORS.channelSkipped, label };
    })
    : [];
  const cost = b.static_macs > 0 ? b.macs / b.static_macs : NaN;
  const name = `Block ${b.index + 1}`;
  const where = `stage ${b.stage + 1}, block ${b.position + 1}`;
  // A gated block can run with every channel closed: then only its shortcut and a bias (the
  // second batch norm's, scaled by the L-gate) are computed, a state of its own.
  const empty = b.ran && keptCount === 0 && b.l_gate !== null;
  const state = empty ? 'ran with no channel' : b.ran ? 'ran' : 'skipped';
  const keptText = `${keptCount}/${b.planes}`;
  const macsText = `${formatCount(b.macs)} of ${formatCount(b.static_macs)} MACs (${formatPercent(cost)})`;
  const details = [
    ['L-gate', b.l_gate === null ? 'none (ungated)' : formatGate(b.l_gate)],
    ['Decision', empty ? 'ran with no channel: only its shortcut and a bias are computed'
      : b.ran ? 'ran'
        // A model that skips a block whose C-gates all close (`empty_block: skip` in its card).
        : b.c_gates ? 'skipped: its L-gate was open but every C-gate closed (shortcut only)' : 'skipped (shortcut only)'],
    ['Channels kept', b.ran ? `${keptText} (${formatPercent(keptCount / b.planes)})` : `0/${b.planes} (C-Net not evaluated)`],
    ['MACs', macsText],
    ['Shape', `${b.c_in}→${b.planes} ch, ${b.size_out}×${b.size_out}${b.stride > 1 ? ', stride 2' : ''}`],
  ];
  return {
    index: b.index,
    stage: b.stage,
    position: b.position,
    ran: b.ran,
    empty,
    planes: b.planes,
    lGate: b.l_gate,
    lGateText: formatGate(b.l_gate),
    lGatePct: b.l_gate === null ? 100 : Math.round(Math.min(1, Math.max(0, b.l_gate)) * 1000) / 10,
    keptCount,
    keptText,
    macs: b.macs,
    staticMacs: b.static_macs,
    macsText,
    name,
    where,
    state,
    title: `${name} · ${where} · ${state}`,
    ariaLabel: `${name}, ${where}: ${state}. L-gate ${formatGate(b.l_gate)}. ` +
      `${keptCount} of ${b.planes} channels computed. ${macsText}.`,
    details,
    channels,
    rows: Math.ceil(b.planes / LAYOUT.channelColumns),
  };
}

/**
 * Everything the page shows about one classification, from its trace.
 *
 * Works for any depth: stages are the distinct `stage` values of the blocks, in order.
 * @param {object} trace a `Trace` (crate/src/trace.rs)
 * @returns {{
 *   prediction: {label: string, probText: string},
 *   top5: Array<{label: string, prob: number, pct: number, text: string, top: boolean}>,
 *   cost: ReturnType<typeof macsSummary>,
 *   blocksText: string, channelsText: string,
 *   tauL: number, tauC: number, tauLPct: number,
 *   stages: Array<{index: number, title: string, subtitle: string, summary: string, blocks: object[]}>,
 *   blockCount: number, channelElementCount: number,
 * }}
 */
export function buildView(trace) {
  const blocks = trace.blocks.map((b) => blockView(b, trace.tau_c));
  const stageIds = [...new Set(trace.blocks.map((b) => b.stage))].sort((a, b) => a - b);
  const stages = stageIds.map((s) => {
    const bs = blocks.filter((b) => b.stage === s);
    const raw = trace.blocks.filter((b) => b.stage === s);
    const ran = bs.filter((b) => b.ran).length;
    const kept = bs.reduce((n, b) => n + b.keptCount, 0);
    const total = bs.reduce((n, b) => n + b.planes, 0);
    const size = raw.length ? raw[raw.length - 1].size_out : 0;
    const width = raw.length ? raw[0].planes : 0;
    return {
      index: s,
      title: `Stage ${s + 1}`,
      subtitle: `${width} channels · ${size}×${size}`,
      summary: `${ran} of ${bs.length} blocks ran · ${kept}/${total} channels`,
      blocks: bs,
    };
  });
  const top = trace.top5.map((c, i) => ({
    label: c.label,
    prob: c.prob,
    pct: Math.round(Math.min(1, Math.max(0, c.prob)) * 1000) / 10,
    text: formatProb(c.prob),
    top: i === 0,
  }));
  const nBlocks = trace.blocks.length;
  return {
    prediction: {
      label: trace.prediction.label,
      prob: trace.prediction.prob,
      probText: formatProb(trace.prediction.prob),
    },
    top5: top,
    cost: macsSummary(trace.macs, trace.static_macs),
    blocksText: `${trace.blocks_run} of ${nBlocks} blocks ran`,
    channelsText: `${trace.channels_kept} of ${trace.channels_total} inner channels computed`,
    tauL: trace.tau_l,
    tauC: trace.tau_c,
    tauLPct: Math.round(Math.min(1, Math.max(0, trace.tau_l)) * 1000) / 10,
    stages,
    blockCount: nBlocks,
    channelElementCount: blocks.reduce((n, b) => n + b.channels.length, 0),
  };
}

/**
 * The status line once the model is ready, with the measured load time.
 * @param {{cached: boolean, load_ms?: {total: number}}} m the worker's ready message
 * @returns {string}
 */
export function readyText(m) {
  const ms = m.load_ms ? m.load_ms.total : NaN;
  let t = '';
  if (Number.isFinite(ms)) t = ms >= 1000 ? ` in ${(ms / 1000).toFixed(1)} s` : ` in ${formatMs(ms)}`;
  const from = m.cached ? ' (weights from this browser’s cache)' : '';
  return `Model ready${t}${from}. Choose, drop or paste an image.`;
}

/**
 * The benchmark result line.
 * @param {{static_ms: number, dynamic_ms: number, runs: number}} r medians from the worker
 * @param {string} [backend] where it ran, as `backendText` writes it
 * @returns {string}
 */
export function benchText(r, backend) {
  const speedup = r.dynamic_ms > 0 ? r.static_ms / r.dynamic_ms : NaN;
  let rel = '–';
  if (Number.isFinite(speedup)) rel = speedup >= 1 ? `${speedup.toFixed(2)}× faster` : `${(1 / speedup).toFixed(2)}× slower`;
  const rb = Number.isFinite(r.readbacks_per_image)
    ? `; ${Number(r.readbacks_per_image.toFixed(2))} GPU readback${r.readbacks_per_image === 1 ? '' : 's'} per image`
    : '';
  return `Gates off ${formatMs(r.static_ms)} · LC-Net ${formatMs(r.dynamic_ms)} ` +
    `(${rel}, median of ${r.runs} warm runs each${backend ? `, on ${backend}` : ''}${rb})`;
}

/**
 * Why the time saved is less than the compute saved, with the benchmark's own numbers.
 * @param {{static_ms: number, dynamic_ms: number, macs: number, static_macs: number}} r
 * @returns {string} empty when the numbers are missing
 */
export function benchNoteText(r) {
  const compute = r.static_macs > 0 ? r.macs / r.static_macs : NaN;
  const time = r.static_ms > 0 ? r.dynamic_ms / r.static_ms : NaN;
  if (!Number.isFinite(compute) || !Number.isFinite(time)) return '';
  const measured = `On this image LC-Net computed ${formatPercent(compute)} of the MACs and took ` +
    `${formatPercent(time)} of the time of the same network with its gates off.`;
  if (time <= compute) return `${measured} Here the time saved matched the compute saved.`;
  return `${measured} Time saved is less than compute saved: the gates themselves run (an average ` +
    'over each channel and two small fully connected layers per block), every layer that runs still pays ' +
    'fixed costs (reading its input, starting the kernel, writing its output) that MACs do not count, ' +
    'and a layer thinned to a few channels keeps the SIMD lanes or GPU threads less busy.';
}

/** z of the two-sided 95% normal interval. */
const Z95 = 1.959964;

/**
 * The 95% Wilson score interval of a share measured as `k` of `n` (e.g. images classified right):
 * the shares p for which k/n lies within 1.96 standard errors sqrt(p(1-p)/n) of p.
 * @param {number} k
 * @param {number} n
 * @returns {{lo: number, hi: number}} NaNs when n is 0
 */
export function wilson(k, n) {
  if (!(n > 0)) return { lo: NaN, hi: NaN };
  const p = k / n;
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z95 / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { lo: Math.max(0, centre - half), hi: Math.min(1, centre + half) };
}

/** Below this many images an accuracy is called a small sample. */
export const SMALL_SAMPLE = 1000;

/**
 * A measured accuracy with its 95% interval: "93.0% (95% interval 86.3–96.6%, 100 images: a
 * small sample)".
 * @param {number} k correct
 * @param {number} n images
 * @returns {string}
 */
export function accuracyWithInterval(k, n) {
  const { lo, hi } = wilson(k, n);
  const small = n < SMALL_SAMPLE ? ': a small sample' : '';
  return `${formatAccuracy(k / n)} (95% interval ${(lo * 100).toFixed(1)}–${formatAccuracy(hi)}, ` +
    `${formatWhole(n)} image${n === 1 ? '' : 's'}${small})`;
}

/**
 * The message shown when an upload fails: names the file when there is one.
 * @param {string} message the error from the worker (already written for people)
 * @param {string} [name] the file's name
 * @returns {string}
 */
export function uploadErrorText(message, name) {
  const m = String(message || 'unknown error').replace(/^Error:\s*/, '').replace(/[.\s]+$/, '');
  const what = name ? `“${name}”` : 'this image';
  return `Could not classify ${what}: ${m}. The previous result is still shown; try another image.`;
}
