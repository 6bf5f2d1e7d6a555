// Per-engine benchmark: the page's CPU path in each browser engine a classroom has, through that
// engine's own driver (tests/engines/drivers/*.mjs, the adapters the visitor's scenarios use).
//
//   node tests/bench/engines.mjs [--engines chromium,firefox,webkit] [--runs N] [--images N]
//                                [--measure N] [--rounds N] [--json]
//
// For each engine, in a fresh profile, on `?backend=cpu`:
//   1. the first visit: navigation to the first prediction shown;
//   2. per image at batch 1 (`window.lcnetDebug.bench`, medians in the worker): the static network
//      (gates off) and LC-Net (real skipping) on the first `--images` gallery images, and the
//      time ratio against the MACs ratio;
//   3. batch throughput ("measure it yourself", `window.lcnet.measure`): `--measure` test images
//      with the gates off on 1 worker, LC-Net on 1 and on 2 workers, in `--rounds` rounds;
//   4. the wasm build the page chose (relaxed SIMD or plain simd128), navigator.hardwareConcurrency
//      and the resolution of `performance.now()` in a worker.
// Prints one row per engine, or with `--json` the raw numbers.
//
// Only the CPU (WebAssembly) path is compared: WebGPU exists only in Chromium, and there on
// SwiftShader (a CPU emulation of a GPU), whose speed says nothing about a real GPU. Firefox and
// WebKit time in whole milliseconds (the page is not cross-origin isolated), so their batch-1
// medians of a few ms are coarse; the throughput runs time hundreds of images and are not.
// tests/bench/bench-web.mjs is the Chromium-only benchmark with more detail (download sizes,
// warm visits, WebGPU, the reference module, ONNX Runtime).

import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';

import { serve, galleryEntries, WWW } from '../browser/harness.mjs';

const ENGINES = {
  chromium: async () => (await import('../engines/drivers/chromium.mjs')).launchChromium(),
  firefox: async () => (await import('../engines/drivers/firefox.mjs')).launchFirefox(),
  webkit: async () => (await import('../engines/drivers/webkit.mjs')).launchWebKit(),
};

const { values: opt } = parseArgs({
  options: {
    engines: { type: 'string', default: Object.keys(ENGINES).join(',') },
    // Passes of each network per gallery image (after the worker's own 20 warm-up passes).
    runs: { type: 'string', default: '10' },
    // The first N gallery images, as bench-web's `--images N`.
    images: { type: 'string', default: '5' },
    // Test images of the shipped subset per throughput run.
    measure: { type: 'string', default: '200' },
    // Rounds of the throughput runs (each: gates off, LC-Net on 1 worker, on 2).
    rounds: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const engines = opt.engines.split(',').map((s) => s.trim()).filter(Boolean);
for (const e of engines) if (!ENGINES[e]) throw new Error(`unknown engine ${e}: one of ${Object.keys(ENGINES).join(', ')}`);
const runs = Math.max(1, Number(opt.runs) || 10);
const imageCount = Math.max(1, Number(opt.images) || 5);
const measureImages = Math.max(20, Number(opt.measure) || 200);
const roundCount = Math.max(1, Number(opt.rounds) || 3);
/** Test images of each warm-up run before the throughput runs (it starts the helper worker). */
const WARMUP_IMAGES = 40;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * In the page: waits (checking every 10 ms) for the first prediction, the condition of
 * tests/engines/scenarios.mjs (`firstPrediction`), and resolves with the time since navigation
 * started (`performance.now()` counts from it). `late`: it was already shown at the first check,
 * so `ms` is only an upper bound.
 */
const awaitFirstPrediction = async () => {
  const shown = () => {
    const s = document.body.dataset.state;
    if (s === 'failed') throw new Error(`the page failed: ${document.getElementById('error').textContent}`);
    return s === 'ready' && Number(document.getElementById('result').dataset.count) >= 1;
  };
  const late = shown();
  for (const end = performance.now() + 120_000; !shown();) {
    if (performance.now() > end) throw new Error('no first prediction 120 s after the load event');
    await new Promise((ok) => setTimeout(ok, 10));
  }
  return {
    ms: performance.now(),
    late,
    loadMs: window.lcnetDebug.loadMs,
    wasm: document.body.dataset.wasm,
    backend: window.lcnet.backend,
    hardwareConcurrency: navigator.hardwareConcurrency,
    userAgent: navigator.userAgent,
    tau: window.lcnet.thresholds,
  };
};

/**
 * In the page: the resolution of `performance.now()` in a worker (where the page's timings are
 * taken), as the smallest step it makes. Engines coarsen it (Firefox and WebKit to 1 ms on a
 * page that is not cross-origin isolated), which quantizes the batch-1 medians.
 */
const timerResolution = () => new Promise((ok, fail) => {
  const src = `let min = Infinity, last = performance.now();
    for (let steps = 0, end = last + 200; steps < 200 && last < end;) {
      const t = performance.now();
      if (t > last) { min = Math.min(min, t - last); last = t; steps += 1; }
    }
    postMessage(min);`;
  const w = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
  w.onmessage = (e) => { ok(e.data); w.terminate(); };
  w.onerror = (e) => fail(new Error(e.message));
});

/** Step 1: a first visit; then waits for the page's WebGPU set-up (or its absence) to end, so
 * that it does not compete with the timings. */
async function firstVisit(engine, url) {
  const t0 = Date.now();
  await engine.open(url);
  const first = await engine.run(awaitFirstPrediction);
  const wallMs = Date.now() - t0;
  await engine.waitFor(() => document.body.dataset.gpu === 'done', null, { timeout: 120_000, what: 'the WebGPU set-up to end' });
  const timerMs = await engine.run(timerResolution);
  const gpu = await engine.run(() => ({ available: Boolean(window.lcnetDebug.webgpu?.available), note: window.lcnetDebug.webgpu?.note ?? null }));
  if (first.backend !== 'cpu') throw new Error(`the page runs on ${first.backend}, not the CPU (?backend=cpu)`);
  return { ...first, wallMs, gpu, timerMs };
}

/** Step 2: static and LC-Net per image at batch 1, in the worker (`lcnetDebug.bench`). */
async function perImage(engine, entries) {
  const rows = [];
  for (const e of entries) {
    const b64 = (await readFile(join(WWW, 'gallery', e.file))).toString('base64');
    const r = await engine.run(async ({ data, name, n }) => {
      await window.lcnetDebug.classifyBytes(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)), name);
      return window.lcnetDebug.bench(n);
    }, { data: b64, name: e.file, n: runs });
    if (r.backend !== 'cpu') throw new Error(`${e.file} ran on ${r.backend}, not the CPU`);
    rows.push({ file: e.file, kind: e.kind, static_ms: r.static_ms, dynamic_ms: r.dynamic_ms, macs: r.macs, static_macs: r.static_macs });
  }
  const res = {
    images: rows.length,
    runs_per_image: runs,
    static_ms_median: median(rows.map((r) => r.static_ms)),
    dynamic_ms_median: median(rows.map((r) => r.dynamic_ms)),
    // Ratios of means over the images, as bench-web's (the two medians come from different images).
    time_ratio: mean(rows.map((r) => r.dynamic_ms)) / mean(rows.map((r) => r.static_ms)),
    macs_ratio: mean(rows.map((r) => r.macs / r.static_macs)),
    rows,
  };
  res.time_over_macs = res.time_ratio / res.macs_ratio;
  return res;
}

/**
 * Step 3: batch throughput on the CPU workers. After one warm-up run of each kind (the helper
 * worker started, the engines' code optimized), `--rounds` rounds alternate the gates off,
 * LC-Net on one worker and on two, so that a change in the machine's load hits all three alike;
 * images/s are medians over the rounds, ratios are taken within a round and then their median.
 */
async function throughput(engine) {
  const run = (n, workers, network) => engine.run(
    ([k, o]) => window.lcnet.measure(k, o).then(({ predicted, macs, ...r }) => r),
    [n, network ? { workers, network } : { workers }],
  );
  const kinds = { static_1: [1, 'static'], lcnet_1: [1], lcnet_2: [2] };
  for (const [w, net] of Object.values(kinds)) await run(WARMUP_IMAGES, w, net);
  const rounds = [];
  for (let k = 0; k < roundCount; k++) {
    const round = {};
    for (const [key, [w, net]] of Object.entries(kinds)) {
      const r = await run(measureImages, w, net);
      if (r.backend !== 'cpu' || r.workers !== w) throw new Error(`measure ran on ${r.backend} with ${r.workers} workers, not the CPU with ${w}`);
      round[key] = r.per_second;
      if (key === 'lcnet_1') round.macs_ratio = r.macs_ratio;
    }
    round.time_ratio = round.static_1 / round.lcnet_1;
    round.time_over_macs = round.time_ratio / round.macs_ratio;
    round.scaling = round.lcnet_2 / round.lcnet_1;
    rounds.push(round);
  }
  const med = (key) => median(rounds.map((r) => r[key]));
  return {
    images: measureImages,
    static_1: med('static_1'),
    lcnet_1: med('lcnet_1'),
    lcnet_2: med('lcnet_2'),
    macs_ratio: rounds[0].macs_ratio,
    time_ratio: med('time_ratio'),
    time_over_macs: med('time_over_macs'),
    scaling: med('scaling'),
    rounds,
  };
}

/** Steps 1-4 in one engine: launch, visit, time, close. */
async function benchEngine(name, server, entries) {
  const t0 = Date.now();
  const engine = await ENGINES[name]();
  const launchMs = Date.now() - t0;
  try {
    const visit = await firstVisit(engine, `${server.url}?backend=cpu`);
    const images = await perImage(engine, entries);
    const batch = await throughput(engine);
    return {
      engine: name,
      browser: engine.browser,
      driver: engine.driver,
      launch_ms: launchMs,
      first_prediction: {
        // From navigation start, in the page (within 10 ms); `late`: an upper bound only.
        in_page_ms: visit.ms,
        late: visit.late,
        // From before the driver's `open` to the answer of the check, as the scenarios time it.
        wall_ms: visit.wallMs,
        worker_load_ms: visit.loadMs,
      },
      wasm: visit.wasm,
      hardware_concurrency: visit.hardwareConcurrency,
      user_agent: visit.userAgent,
      timer_resolution_ms: visit.timerMs,
      thresholds: visit.tau,
      webgpu: visit.gpu,
      per_image: images,
      batch,
      page_errors: engine.errors(),
      errors_seen: engine.errorsSeen,
      total_ms: Date.now() - t0,
    };
  } finally {
    await engine.close();
  }
}

function table(results) {
  const head = ['engine', 'first pred s', 'static ms', 'LC-Net ms', 'time/MACs', 'LC-Net/s 1w', 'LC-Net/s 2w', 'gates off/s', 'wasm', 'hwConc'];
  const rows = results.map((r) => (r.error ? [r.engine, `FAILED: ${r.error.split('\n')[0]}`] : [
    r.engine,
    `${(r.first_prediction.in_page_ms / 1000).toFixed(2)}${r.first_prediction.late ? '+' : ''}`,
    r.per_image.static_ms_median.toFixed(2),
    r.per_image.dynamic_ms_median.toFixed(2),
    `${r.per_image.time_ratio.toFixed(3)}/${r.per_image.macs_ratio.toFixed(3)}=${r.per_image.time_over_macs.toFixed(2)}`,
    r.batch.lcnet_1.toFixed(1),
    r.batch.lcnet_2.toFixed(1),
    r.batch.static_1.toFixed(1),
    r.wasm,
    String(r.hardware_concurrency),
  ]));
  const width = head.map((h, i) => Math.max(h.length, ...rows.filter((r) => r.length > 2).map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 || cells.length === 2 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

const fmtMs = (ms) => (ms >= 0.1 ? `${+ms.toFixed(2)} ms` : `${+(1000 * ms).toFixed(1)} µs`);

function notes(results, tau) {
  const ok = results.filter((r) => !r.error);
  const lines = [
    `All engines on ?backend=cpu (the wasm CPU path): WebGPU exists only in Chromium, on SwiftShader here (a CPU emulation), meaningless for speed.`,
    `${imageCount} gallery images x ${runs} runs each at batch 1 (medians per image, then the median over images); ` +
      `time/MACs: LC-Net's time over the static network's (means over images) against its MACs ratio (goal <= 1.2). ` +
      `Throughput: ${measureImages} test images per run, medians of ${roundCount} alternating rounds after a ${WARMUP_IMAGES}-image warm-up; thresholds ${tau ? `τL ${tau.tauL}, τC ${tau.tauC}` : 'the page\'s'}.`,
    `first pred s: navigation start to the first prediction shown, in the page ('+': already shown at the first check, an upper bound); this machine has ${cpus().length} cores.`,
  ];
  for (const r of ok) {
    const fp = r.first_prediction;
    lines.push(`${r.engine}: ${r.browser} via ${r.driver}; launched in ${(r.launch_ms / 1000).toFixed(1)} s; first prediction ` +
      `${(fp.wall_ms / 1000).toFixed(2)} s by the driver's clock (worker load ${Math.round(fp.worker_load_ms.total)} ms: fetch ` +
      `${Math.round(fp.worker_load_ms.fetch)}, CPU model ${Math.round(fp.worker_load_ms.cpu)}); batch time/MACs ` +
      `${r.batch.time_ratio.toFixed(3)}/${r.batch.macs_ratio.toFixed(3)}=${r.batch.time_over_macs.toFixed(2)}, 2 workers ` +
      `${r.batch.scaling.toFixed(2)}x 1; performance.now() in a worker steps by ${fmtMs(r.timer_resolution_ms)}` +
      (r.hardware_concurrency > cpus().length ? `; reports ${r.hardware_concurrency} cores on ${cpus().length}` : '') +
      `; ${(r.total_ms / 1000).toFixed(0)} s in all` +
      (r.page_errors.length ? `; PAGE ERRORS: ${r.page_errors.join(' | ')}` : ''));
  }
  return lines.join('\n');
}

const entries = (await galleryEntries()).slice(0, imageCount);
const server = await serve();
const results = [];
try {
  for (const name of engines) {
    try {
      results.push(await benchEngine(name, server, entries));
    } catch (e) {
      results.push({ engine: name, error: e.message });
    }
    if (!opt.json) console.error(`${name} done`);
  }
} finally {
  await server.close();
}
if (opt.json) {
  console.log(JSON.stringify({ cpus: cpus().length, runs, images: imageCount, measure: measureImages, rounds: roundCount, results }, null, 2));
} else {
  console.log(table(results));
  console.log(`\n${notes(results, results.find((r) => r.thresholds)?.thresholds)}`);
}
if (results.some((r) => r.error)) process.exitCode = 1;
