// In-browser benchmark (`cargo xtask bench-web [-- --runs N --images N --backend B --json]`):
// the static ResNet against LC-Net with real skipping, on the gallery images, inside headless
// Chromium through the page's own worker, on each backend (`--backend webgpu|cpu|both`, default
// both). Prints one line per image and the medians over all images. `--ort FILE.onnx` also times
// ONNX Runtime Web's wasm backend (one thread, SIMD) on the same network in the same browser
// (tests/bench/ort.mjs) and prints the static CPU path's time against it. `--wasm simd128` runs
// the plain wasm build instead of the relaxed-SIMD one. Batch mode ("measure it yourself"):
// `--batch-images N` per run, `--batch-rounds N` alternating rounds on the CPU. On the CPU it
// also times the reference module (candle, dense masked: `window.lcnet.verify`) against real
// skipping on the same test images (`--reference-rounds N`, 0: not at all), and reports the
// module's size (it is not part of the first visit).
//
// CPU timings come from a single-threaded wasm module on this machine's CPU; WebGPU in headless
// Chromium here is SwiftShader (a CPU emulation of a GPU), so its numbers say little about a
// real GPU. Compare numbers only within one run.

import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { openOrt } from './ort.mjs';
import { requireBuild, serve, launch, galleryEntries, useBackend, PageErrors, WWW } from '../browser/harness.mjs';

const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string', default: '30' },
    images: { type: 'string', default: '0' },
    backend: { type: 'string', default: 'both' },
    json: { type: 'boolean', default: false },
    ort: { type: 'string' },
    'ort-rounds': { type: 'string', default: '9' },
    // `simd128`: the plain build, as browsers without relaxed SIMD get it.
    wasm: { type: 'string' },
    // Images of the shipped test subset for the batch ("measure it yourself") timings.
    'batch-images': { type: 'string', default: '500' },
    // Rounds of the batch timings on the CPU (gates off, LC-Net on 1 and on 2 workers each).
    'batch-rounds': { type: 'string', default: '5' },
    // Rounds of 100 test images through the reference and through real skipping (CPU).
    'reference-rounds': { type: 'string', default: '3' },
  },
});
const backends = opt.backend === 'both' ? ['webgpu', 'cpu'] : [opt.backend];
const runs = Math.max(1, Number(opt.runs) || 30);
const batchRounds = Math.max(1, Number(opt['batch-rounds']) || 5);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Opens the page as a visitor does (no `?backend=`: it picks the faster backend itself) and
 * times navigation to the first classified image; then waits for the WebGPU set-up to end.
 */
async function visit(context, url) {
  const page = await context.newPage();
  const errors = new PageErrors(page);
  const t = performance.now();
  await errors.race(page.goto(url));
  await errors.race(page.waitForFunction(() => Number(document.getElementById('result').dataset.count) >= 1, null, { timeout: 120_000 }));
  const pageMs = performance.now() - t;
  await errors.race(page.waitForFunction(() => document.body.dataset.gpu === 'done', null, { timeout: 120_000 }));
  const info = await page.evaluate(() => ({ ...window.lcnetDebug.loadMs, gpu: window.lcnetDebug.webgpu.gpu_ms, first_backend: window.lcnetDebug.backend }));
  return { page, errors, load: { ...info, page_ms: pageMs } };
}

requireBuild();
const server = await serve();
// As a visitor's browser: the page registers its service worker (it keeps the page for offline use).
const browser = await launch({ offline: true });
try {
  const url = opt.wasm ? `${server.url}?wasm=${encodeURIComponent(opt.wasm)}` : server.url;
  // Every response of the first visit, with the bytes its body took on the wire (as this
  // server sends it: no compression) and gzipped (what a static host that compresses would send).
  // The gzipped size comes from the served file on disk: playwright cannot always hand over the
  // body of a response that the worker read as a stream (the weights).
  // Requests the service worker makes (it keeps the page for offline use once the first image
  // is shown) count too, each file once, and are also reported on their own.
  const fetched = [];
  const onResponse = (r) => r.request().method() !== 'HEAD' && fetched.push(r.request().sizes().then((sz) => ({
    url: new URL(r.url()).pathname, sent: sz.responseBodySize, sw: Boolean(r.request().serviceWorker()),
  })).catch(() => null));
  browser.context.on('response', onResponse);
  const { page, errors, load: cold } = await visit(browser.context, url);
  // Images further down the page (gallery, per-class examples) load after "ready"; waiting for
  // the network to go quiet makes every run count the same files.
  await page.waitForLoadState('networkidle');
  browser.context.off('response', onResponse);
  const served = (path) => join(WWW, path.endsWith('/') ? `${path}index.html` : path);
  const once = new Map();
  for (const f of (await Promise.all(fetched)).filter(Boolean)) {
    const seen = once.get(f.url);
    // A file the page got through the service worker: the worker's network request carries it.
    if (!seen || (seen.sent === 0 && f.sent > 0)) once.set(f.url, f);
  }
  const files = await Promise.all([...once.values()].map(async (f) => ({
    ...f, gzip: gzipSync(await readFile(served(f.url)), { level: 9 }).length,
  })));
  const sum = (list, k) => list.reduce((n, f) => n + f[k], 0);
  const bySw = files.filter((f) => f.sw);
  const download = {
    files: files.length,
    sent_bytes: sum(files, 'sent'),
    gzip_bytes: sum(files, 'gzip'),
    service_worker: { files: bySw.length, sent_bytes: sum(bySw, 'sent'), gzip_bytes: sum(bySw, 'gzip') },
    largest: [...files].sort((a, b) => b.sent - a.sent).slice(0, 4),
    // The reference module is fetched only when asked for: none of it on a first visit.
    reference_files: files.filter((f) => f.url.startsWith('/pkg-reference/')).length,
  };
  const load = { cold };
  {
    // Again in the same profile: the weights now come from the Cache API.
    const again = await visit(browser.context, url);
    load.warm = again.load;
    load.warm.cached = (await again.page.evaluate(() => document.body.dataset.weights)) === 'cache';
    again.errors.assertNone();
    await again.page.close();
  }
  const wasmBytes = await readFile(join(WWW, 'pkg', 'lcnet_bg.wasm'));
  const refBytes = await readFile(join(WWW, 'pkg-reference', 'lcnet_reference_bg.wasm'));
  const size = {
    wasm_bytes: wasmBytes.length,
    wasm_gzip_bytes: gzipSync(wasmBytes, { level: 9 }).length,
    reference_wasm_bytes: refBytes.length,
    reference_wasm_gzip_bytes: gzipSync(refBytes, { level: 9 }).length,
  };
  if (!opt.json) {
    const f = (l) => `${(l.page_ms / 1000).toFixed(2)} s from navigation to the first classified image (on ` +
      `${l.first_backend}; ready in the worker after ${(l.total / 1000).toFixed(2)} s: fetch + compile ` +
      `${(l.fetch / 1000).toFixed(2)} s, CPU model ${(l.cpu / 1000).toFixed(2)} s), WebGPU set up in the background in ${(l.gpu / 1000).toFixed(2)} s`;
    console.log(`wasm module: ${(size.wasm_bytes / 1e6).toFixed(2)} MB, ${(size.wasm_gzip_bytes / 1e6).toFixed(2)} MB gzipped; ` +
      `reference module (candle, loaded only when asked): ${(size.reference_wasm_bytes / 1e6).toFixed(2)} MB, ` +
      `${(size.reference_wasm_gzip_bytes / 1e6).toFixed(2)} MB gzipped, ${download.reference_files} of its files in the first visit`);
    console.log(`first visit downloads ${download.files} files: ${(download.sent_bytes / 1e6).toFixed(2)} MB as sent by this ` +
      `server (uncompressed), ${(download.gzip_bytes / 1e6).toFixed(2)} MB gzipped; largest: ` +
      download.largest.map((x) => `${x.url} ${(x.sent / 1e6).toFixed(2)} MB`).join(', ') +
      `; of these, fetched by the service worker for offline use: ${download.service_worker.files} files, ` +
      `${(download.service_worker.gzip_bytes / 1e6).toFixed(2)} MB gzipped`);
    console.log(`load, first visit: ${f(load.cold)}`);
    console.log(`load, weights cached${load.warm.cached ? '' : ' (NOT from the cache)'}: ${f(load.warm)}\n`);
  }
  let entries = await galleryEntries();
  if (Number(opt.images) > 0) entries = entries.slice(0, Number(opt.images));
  const card = await page.evaluate(() => window.lcnetDebug.card);
  const summaries = [];
  for (const backend of backends) {
    await useBackend(page, errors, backend);
    const adapter = await page.locator('#stat-backend').innerText();
    const rows = [];
    for (const e of entries) {
      const bytes = [...(await readFile(join(WWW, 'gallery', e.file)))];
      const r = await errors.race(page.evaluate(async ({ bytes, name, runs }) => {
        await window.lcnetDebug.classifyBytes(bytes, name);
        return window.lcnetDebug.bench(runs);
      }, { bytes, name: e.file, runs }));
      if (r.backend !== backend) throw new Error(`${e.file} ran on ${r.backend}, not ${backend}`);
      const row = {
        file: e.file,
        kind: e.kind,
        static_ms: r.static_ms,
        dynamic_ms: r.dynamic_ms,
        macs_ratio: r.macs / r.static_macs,
        readbacks_per_image: r.readbacks_per_image,
      };
      rows.push(row);
      if (!opt.json) {
        console.log(`${e.file.padEnd(24)} static ${row.static_ms.toFixed(2).padStart(7)} ms   ` +
          `LC-Net ${row.dynamic_ms.toFixed(2).padStart(7)} ms   MACs ${(100 * row.macs_ratio).toFixed(1).padStart(5)}% of static`);
      }
    }
    const summary = {
      backend: adapter,
      backend_kind: backend,
      model: card.name,
      depth: card.config.depth,
      browser: await page.evaluate(() => navigator.userAgent),
      runs_per_image: runs,
      images: rows.length,
      static_ms_median: median(rows.map((r) => r.static_ms)),
      dynamic_ms_median: median(rows.map((r) => r.dynamic_ms)),
      macs_ratio_mean: rows.reduce((s, r) => s + r.macs_ratio, 0) / rows.length,
      readbacks_per_image: backend === 'webgpu'
        ? rows.reduce((s, r) => s + r.readbacks_per_image, 0) / rows.length
        : null,
      rows,
    };
    summary.speedup = summary.static_ms_median / summary.dynamic_ms_median;
    // Held against the mean MACs ratio, the time ratio is one of means too (the medians of the
    // two paths come from different images).
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    summary.time_ratio_of_means = mean(rows.map((r) => r.dynamic_ms)) / mean(rows.map((r) => r.static_ms));
    summaries.push(summary);
    if (!opt.json) {
      console.log(`\n${summary.model} (ResNet-${summary.depth}), ${rows.length} images x ${runs} runs, ${adapter} in headless Chromium:`);
      console.log(`static ${summary.static_ms_median.toFixed(2)} ms, LC-Net ${summary.dynamic_ms_median.toFixed(2)} ms ` +
        `(median per image; ${summary.speedup.toFixed(2)}x), MACs ${(100 * summary.macs_ratio_mean).toFixed(1)}% of static on average`);
      const timeRatio = summary.time_ratio_of_means;
      console.log(`time ratio (of means over images) ${timeRatio.toFixed(3)} / MACs ratio ${summary.macs_ratio_mean.toFixed(3)} = ` +
        `${(timeRatio / summary.macs_ratio_mean).toFixed(2)} (goal <= 1.2)` +
        (summary.readbacks_per_image === null ? '' : `; GPU readbacks per image: ${summary.readbacks_per_image}`) + '\n');
    }
  }
  // Batch mode ("measure it yourself"): images of the shipped subset through the page's workers.
  // After one warm-up run of each kind (helper workers started, the engine's code optimized),
  // rounds alternate the gates off, LC-Net on one worker and on two, so that a change in the
  // machine's speed hits all three alike; each ratio is taken within a round, and the median
  // and range over the rounds are printed.
  const batchImages = Math.max(20, Number(opt['batch-images']) || 500);
  for (const backend of backends) {
    await useBackend(page, errors, backend);
    const run = (n, workers, network = 'lcnet') => errors.race(page.evaluate(([k, w, net]) => window.lcnet.measure(k, { workers: w, network: net }), [n, workers, network]));
    const cpu = backend === 'cpu';
    // WebGPU on SwiftShader takes ~1 s per static image: one round of at most 100 images.
    const batch = { backend_kind: backend, images: cpu ? batchImages : Math.min(batchImages, 100), rounds: cpu ? batchRounds : 1 };
    if (cpu) for (const [w, net] of [[1, 'static'], [1, 'lcnet'], [2, 'lcnet']]) await run(Math.min(batch.images, 100), w, net);
    const rounds = [];
    for (let k = 0; k < batch.rounds; k++) {
      // The gates off and LC-Net on the same images (one CPU worker, or WebGPU's batches of 20).
      const off = await run(batch.images, 1, 'static');
      const one = await run(batch.images, 1);
      const two = cpu ? await run(batch.images, 2) : null;
      rounds.push({
        static_per_s: off.per_second,
        dynamic_per_s: one.per_second,
        macs_ratio: one.macs_ratio,
        time_ratio: off.per_second / one.per_second,
        ...(two ? { two_workers_per_s: two.per_second, scaling: two.per_second / one.per_second } : {}),
      });
    }
    const over = (key) => ({ median: median(rounds.map((r) => r[key])), min: Math.min(...rounds.map((r) => r[key])), max: Math.max(...rounds.map((r) => r[key])) });
    const macsRatio = rounds[0].macs_ratio;
    const perMacs = over('time_ratio');
    for (const k of ['median', 'min', 'max']) perMacs[k] /= macsRatio;
    Object.assign(batch, { rounds_measured: rounds, macs_ratio: macsRatio, time_ratio: over('time_ratio'), time_over_macs: perMacs });
    if (cpu) batch.scaling = over('scaling');
    const range = (x, d = 2) => `${x.median.toFixed(d)}` + (rounds.length > 1 ? ` (${x.min.toFixed(d)}-${x.max.toFixed(d)} over ${rounds.length} rounds)` : '');
    const on = cpu ? 'CPU, 1 worker' : 'WebGPU, batches of 20';
    if (!opt.json) {
      const perS = (key) => range(over(key), 1);
      console.log(`batch, ${on}: ${batch.images} images per run, gates off ${perS('static_per_s')} images/s, LC-Net ` +
        `${perS('dynamic_per_s')} images/s: time ratio ${range(batch.time_ratio, 3)} / MACs ratio ${macsRatio.toFixed(3)} = ` +
        `${range(perMacs)} (goal <= 1.2)`);
      if (cpu) {
        console.log(`batch, CPU: 2 workers ${perS('two_workers_per_s')} images/s against 1 worker = ${range(batch.scaling)}x ` +
          '(goal >= 1.8 on 2 cores)');
      }
    }
    summaries.push({ batch });
  }
  // candle in the browser: the reference (dense masked, every convolution computed) against the
  // page's real skipping on the same 100 test images, rounds alternating within `verify`.
  const refRounds = Number(opt['reference-rounds']);
  if (backends.includes('cpu') && refRounds > 0) {
    await useBackend(page, errors, 'cpu');
    const rounds = [];
    for (let k = 0; k < refRounds + 1; k++) {
      const r = await errors.race(page.evaluate(() => window.lcnet.verify(100)));
      if (k > 0) rounds.push(r); // the first round warms both modules up
    }
    const per = (key) => median(rounds.map((r) => r[key] / r.images));
    const res = {
      rounds: rounds.length,
      images: rounds[0].images,
      reference_ms_per_image: per('reference_ms'),
      skipping_ms_per_image: per('skipping_ms'),
      ratio: median(rounds.map((r) => r.reference_ms / r.skipping_ms)),
      agree: rounds.every((r) => r.decisions_equal === r.images && r.predictions_equal === r.images),
      max_logit_diff: Math.max(...rounds.map((r) => r.max_logit_diff)),
    };
    summaries.push({ reference: res });
    if (!opt.json) {
      console.log(`reference (candle, dense masked) vs real skipping, CPU, ${res.images} test images x ${res.rounds} rounds: ` +
        `${res.reference_ms_per_image.toFixed(2)} vs ${res.skipping_ms_per_image.toFixed(2)} ms per image = ` +
        `${res.ratio.toFixed(1)}x (${res.agree ? 'same decisions and predictions' : 'DECISIONS DIFFER'}, ` +
        `logits at most ${res.max_logit_diff.toExponential(1)} apart)\n`);
    }
  }
  errors.assertNone();
  if (opt.ort) {
    // Rounds that alternate ONNX Runtime and our static CPU path (on the image shown last), so
    // a change in machine load hits both alike; the medians of the rounds are compared.
    await useBackend(page, errors, 'cpu');
    const ort = await openOrt(browser.context, resolve(opt.ort));
    const ours = [];
    const theirs = [];
    try {
      for (let round = 0; round < Number(opt['ort-rounds']); round++) {
        const r = await errors.race(page.evaluate((n) => window.lcnetDebug.bench(n), runs));
        if (r.backend !== 'cpu') throw new Error(`ran on ${r.backend}, not the CPU`);
        ours.push(r.static_ms);
        theirs.push(await ort.run(runs));
      }
    } finally {
      await ort.close();
    }
    const res = {
      version: ort.version,
      threads: ort.threads,
      rounds: ours.length,
      runs_per_round: runs,
      ort_ms: median(theirs),
      static_cpu_ms: median(ours),
      ort_ms_rounds: theirs,
      static_cpu_ms_rounds: ours,
    };
    res.ratio = res.static_cpu_ms / res.ort_ms;
    summaries.push({ onnxruntime_web: res });
    if (!opt.json) {
      console.log(`ONNX Runtime Web ${res.version} (wasm, ${res.threads} thread, SIMD) on the same network, ` +
        `${res.rounds} rounds x ${runs} runs alternating with our static CPU path:`);
      console.log(`ONNX Runtime ${res.ort_ms.toFixed(2)} ms, ours ${res.static_cpu_ms.toFixed(2)} ms = ` +
        `${res.ratio.toFixed(2)}x ONNX Runtime's time (goal <= 1); rounds: ` +
        `${theirs.map((t) => t.toFixed(1)).join(' ')} vs ${ours.map((t) => t.toFixed(1)).join(' ')}\n`);
    }
  }
  if (opt.json) console.log(JSON.stringify({ size, download, load, results: summaries }, null, 2));
} finally {
  await browser.close();
  await server.close();
}
