// What a visitor does on the page, written once and run in each engine a classroom has (Chromium,
// Firefox, WebKit) through that engine's own driver (`drivers/*.mjs`, all behind the same few
// operations: open, run a script, wait for a condition, reload, close). One browser and one page
// per engine file, shared by the scenarios in order: the first prediction, three uploads through
// the real file input, the thresholds, the tour to its end, a figure download, "measure it
// yourself", `window.lcnet`, a reload with the server gone (served by the service worker), and the
// README's headless example in this engine's flavour (README.md = examples/<engine>.mjs).
//
// Where an engine lacks something (WebGPU, relaxed SIMD, a service worker) the scenario checks the
// page's fallback and its message and says so in a diagnostic; nothing is skipped. What each run
// saw (versions, times, hardwareConcurrency and the workers the page started, ...) goes to
// tests/artifacts/engines/<engine>.json.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { serve, WWW, ROOT, ARTIFACTS } from '../browser/harness.mjs';
import { png } from '../browser/fixtures.mjs';

const MEDIA = join(ROOT, 'tests', 'browser', 'media');
const HERE = join(ROOT, 'tests', 'engines');
const GOLDEN = join(ARTIFACTS, 'measure-golden.json');
/** What the page says where the model worker finds no WebGPU (www/js/worker.js). */
const NO_WEBGPU = 'WebGPU not available: running on the CPU (WebAssembly)';
/** At most this many CPU workers measure at once (www/js/measure.js, README: "at most 4"). */
const MAX_WORKERS = 4;

// Feature probes, written here independently of the page: the smallest modules using plain
// simd128 (`v128.const` returned) and relaxed SIMD (`f32x4.relaxed_madd` of three constants).
const V128_CONST = [0xfd, 0x0c, ...new Array(16).fill(0)];
const probe = (body) => [
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // types: () -> v128
  0x03, 0x02, 0x01, 0x00, // one function of type 0
  0x0a, body.length + 4, 0x01, body.length + 2, 0x00, ...body, 0x0b, // its body, no locals
];
const SIMD_PROBE = probe(V128_CONST);
const RELAXED_PROBE = probe([...V128_CONST, ...V128_CONST, ...V128_CONST, 0xfd, 0x85, 0x02]);

/** The files a built www/ has (as tests/browser/harness.mjs `requireBuild`, without its Chromium check). */
function requireSite() {
  const needed = ['pkg/lcnet_bg.wasm', 'pkg-relaxed/lcnet_bg.wasm', 'weights/model.safetensors',
    'gallery/gallery.json', 'stats/stats.json', 'data/test-subset.bin', 'build.json'];
  const missing = needed.filter((p) => !existsSync(join(WWW, p)));
  if (missing.length) throw new Error(`${WWW} is not built (missing ${missing.join(', ')}): run \`cargo xtask build\` first`);
}

/** Installs in the page a log of its uncaught errors, unhandled rejections and console.error
 * calls from now on (WebKit's driver reports none, so this is what a WebKit run sees). */
const watchPage = () => {
  if (window.engineErrors) return true;
  const log = [];
  window.engineErrors = log;
  addEventListener('error', (e) => log.push(`uncaught: ${e.message}`));
  addEventListener('unhandledrejection', (e) => log.push(`unhandled rejection: ${e.reason?.message ?? e.reason}`));
  const error = console.error;
  console.error = (...args) => {
    log.push(`console.error: ${args.map(String).join(' ')}`);
    error.apply(console, args);
  };
  return true;
};

/** The first prediction shown (or the page's own failure message). */
const firstPrediction = () => {
  const s = document.body.dataset.state;
  if (s === 'failed') return { fail: document.getElementById('error').textContent };
  return s === 'ready' && Number(document.getElementById('result').dataset.count) >= 1 && {
    label: document.getElementById('pred-label').textContent,
    source: document.getElementById('result').dataset.source,
    wasm: document.body.dataset.wasm,
    weights: document.body.dataset.weights,
    gpu: document.body.dataset.gpu,
    note: document.getElementById('backend-note').textContent,
    loadMs: window.lcnetDebug.loadMs,
  };
};

/**
 * Uploads a file through the page's file input as a visitor's file chooser does: a `File` in a
 * `DataTransfer`, assigned to `input.files`, then `change`. Resolves with what the page shows.
 */
const uploadInPage = async ({ name, type, b64 }) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const input = document.getElementById('file');
  const dt = new DataTransfer();
  dt.items.add(new File([bytes], name, { type }));
  input.files = dt.files;
  const assigned = input.files.length;
  const count = (id) => Number(document.getElementById(id).dataset.count);
  const before = { r: count('result'), e: count('error') };
  input.dispatchEvent(new Event('change', { bubbles: true }));
  const end = Date.now() + 60_000;
  const shown = () => count('result') > before.r && document.getElementById('result').dataset.source === name;
  while (!shown() && count('error') === before.e) {
    if (Date.now() > end) throw new Error(`no result and no error 60 s after the upload of ${name}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
  if (count('error') > before.e) throw new Error(`the page refused ${name}: ${document.getElementById('error').textContent}`);
  // The preview as the browser shows it, once its new picture has loaded (decode() alone can
  // resolve before naturalWidth changes in Firefox).
  const img = document.getElementById('original');
  await img.decode().catch(() => {});
  for (const end = Date.now() + 10_000; !(img.complete && img.currentSrc === img.src && img.naturalWidth);) {
    if (Date.now() > end) throw new Error(`the preview of ${name} did not load`);
    await new Promise((ok) => setTimeout(ok, 20));
  }
  const out = window.lcnetDebug.output;
  return {
    assigned,
    source: document.getElementById('result').dataset.source,
    caption: document.getElementById('original-caption').textContent,
    label: document.getElementById('pred-label').textContent,
    prediction: out.trace.prediction.label,
    format: out.prepared.source_format,
    size: [out.prepared.source_width, out.prepared.source_height],
    rgb: Array.from(out.prepared.rgb),
    preview: [img.naturalWidth, img.naturalHeight],
  };
};

/**
 * Clicks a figure's download button with `HTMLAnchorElement.prototype.click` wrapped, so the
 * `<a download>` the page makes is recorded instead of followed (drivers differ in download
 * events; MiniBrowser would ask where to save). Fetches the blob: URL and checks the file in the
 * page: an SVG parsed by DOMParser, a PNG by its signature and as a decoded bitmap.
 */
const downloadInPage = async ({ figure, format }) => {
  const seen = [];
  const original = HTMLAnchorElement.prototype.click;
  const errorsBefore = Number(document.getElementById('error').dataset.count);
  HTMLAnchorElement.prototype.click = function click() {
    seen.push({ href: this.href, download: this.download, connected: this.isConnected });
  };
  try {
    document.querySelector(`[data-export="${figure}"][data-format="${format}"]`).click();
    const end = Date.now() + 30_000;
    while (!seen.length) {
      if (Number(document.getElementById('error').dataset.count) > errorsBefore) {
        throw new Error(`the page reported: ${document.getElementById('error').textContent}`);
      }
      if (Date.now() > end) throw new Error('no <a download> was clicked within 30 s');
      await new Promise((ok) => setTimeout(ok, 50));
    }
  } finally {
    HTMLAnchorElement.prototype.click = original;
  }
  const a = seen[0];
  const blob = await (await fetch(a.href)).blob();
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const info = { name: a.download, scheme: new URL(a.href).protocol, connected: a.connected, type: blob.type, size: bytes.length };
  if (format === 'svg') {
    const text = new TextDecoder().decode(bytes);
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const root = doc.documentElement;
    return {
      ...info,
      head: text.slice(0, 44),
      parseError: doc.querySelector('parsererror')?.textContent ?? null,
      root: root.localName,
      ns: root.namespaceURI,
      width: Number(root.getAttribute('width')),
      height: Number(root.getAttribute('height')),
      unresolved: /var\(--/.test(text),
    };
  }
  const bmp = await createImageBitmap(blob);
  const ctx = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d');
  ctx.drawImage(bmp, 0, 0);
  const d = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
  let ink = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] < 720) ink += 1;
  return {
    ...info,
    signature: Array.from(bytes.subarray(0, 8)),
    ihdr: [new DataView(bytes.buffer).getUint32(16), new DataView(bytes.buffer).getUint32(20)],
    bitmap: [bmp.width, bmp.height],
    ink: ink / (bmp.width * bmp.height),
  };
};

const b64 = (buf) => Buffer.from(buf).toString('base64');
/** A prepared (32x32 RGB) pixel. */
const px = (rgb, x, y) => rgb.slice((y * 32 + x) * 3, (y * 32 + x) * 3 + 3);

/**
 * Registers the scenarios for one engine.
 * @param {'chromium'|'firefox'|'webkit'} name
 * @param {() => Promise<import('./drivers/engine.mjs').Engine>} launch
 */
export function engineSuite(name, launch) {
  /** @type {import('./drivers/engine.mjs').Engine} */
  let engine;
  let server;
  let serverOpen = false;
  const record = { engine: name, cpus: cpus().length, tests: {} };
  const build = () => JSON.parse(readFileSync(join(WWW, 'build.json'), 'utf8')).build;

  before(async () => {
    requireSite();
    record.build = build();
    server = await serve();
    serverOpen = true;
    const t = Date.now();
    engine = await launch();
    record.browser = engine.browser;
    record.driver = engine.driver;
    record.errorsSeen = engine.errorsSeen;
    record.launchMs = Date.now() - t;
  });

  after(async () => {
    await engine?.close();
    if (serverOpen) await server.close();
    record.requests = server?.requests.length;
    await mkdir(join(ARTIFACTS, 'engines'), { recursive: true });
    await writeFile(join(ARTIFACTS, 'engines', `${name}.json`), `${JSON.stringify(record, null, 2)}\n`);
  });

  /** The page's errors so far: what the driver reports, and what the page logged itself. */
  async function assertNoPageErrors() {
    const own = await engine.run(() => window.engineErrors ?? []).catch((e) => [`could not read the page's errors: ${e.message}`]);
    const all = [...engine.errors(), ...own];
    assert.deepEqual(all, [], `the page reported errors in ${name}`);
  }

  /** A node:test test whose wall time goes into the record. */
  function scenario(title, fn) {
    test(title, async (t) => {
      const t0 = Date.now();
      try {
        await fn(t);
      } finally {
        record.tests[title] = { ms: Date.now() - t0 };
      }
    });
  }

  scenario('a visitor opens the page: the first prediction, the wasm build chosen and the WebGPU line', async (t) => {
    const t0 = Date.now();
    await engine.open(server.url);
    await engine.run(watchPage);
    const first = await engine.waitFor(firstPrediction, null, { timeout: 120_000, what: 'the first prediction' });
    record.firstPredictionMs = Date.now() - t0;
    record.loadMs = first.loadMs;
    t.diagnostic(`${engine.browser} via ${engine.driver}: browser started in ${record.launchMs} ms; ` +
      `first prediction ${record.firstPredictionMs} ms after navigation (${first.source}: ${first.label}; ` +
      `the worker's load ${Math.round(first.loadMs.total)} ms)`);
    assert.ok(first.label.length > 1, 'a class name is shown');

    // What the engine has, probed here, not by the page's code.
    const has = await engine.run(async ({ simd, relaxed }) => {
      const inWorker = await new Promise((ok) => {
        const src = 'postMessage({gpu: "gpu" in navigator, hc: navigator.hardwareConcurrency})';
        const w = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
        w.onmessage = (e) => { ok(e.data); w.terminate(); };
        w.onerror = (e) => ok({ error: e.message });
      });
      let adapter = null;
      if (navigator.gpu) adapter = Boolean(await navigator.gpu.requestAdapter().catch(() => null));
      return {
        simd: WebAssembly.validate(new Uint8Array(simd)),
        relaxed: WebAssembly.validate(new Uint8Array(relaxed)),
        gpu: 'gpu' in navigator,
        workerGpu: inWorker.gpu,
        adapter,
        hardwareConcurrency: navigator.hardwareConcurrency,
        serviceWorker: 'serviceWorker' in navigator,
        secure: isSecureContext,
        viewport: [innerWidth, innerHeight],
        userAgent: navigator.userAgent,
      };
    }, { simd: SIMD_PROBE, relaxed: RELAXED_PROBE });
    record.features = has;
    assert.equal(has.simd, true, `${name} validates wasm simd128 (the page needs it)`);

    // The wasm build: relaxed SIMD where the engine validates it, else plain simd128.
    record.wasm = first.wasm;
    assert.equal(first.wasm, has.relaxed ? 'relaxed-simd' : 'simd128');
    t.diagnostic(has.relaxed
      ? `relaxed SIMD validates in ${name}: the page loaded the relaxed-simd build`
      : `relaxed SIMD does not validate in ${name}: the page fell back to the simd128 build`);

    // The WebGPU line, once the page has set WebGPU up or found it missing.
    const gpu = await engine.waitFor(() => document.body.dataset.gpu === 'done' && {
      backend: document.body.dataset.backend,
      note: document.getElementById('backend-note').textContent,
      noteShown: !document.getElementById('backend-note').hidden,
      line: document.getElementById('stat-backend').textContent,
      webgpuChoice: !document.querySelector('input[name="backend"][value="webgpu"]').disabled,
      available: Boolean(window.lcnetDebug.webgpu?.available),
    }, null, { timeout: 120_000, what: 'the WebGPU set-up to end' });
    record.webgpu = { ...gpu, atFirstPrediction: { gpu: first.gpu, note: first.note } };
    assert.equal(gpu.noteShown, true, 'the page says what it did about WebGPU');
    assert.match(gpu.line, has.relaxed ? /relaxed SIMD/ : /^(WebGPU|CPU \(WebAssembly, SIMD on\))/);
    if (!has.workerGpu) {
      assert.equal(gpu.note, `${NO_WEBGPU}: this browser has no WebGPU`);
      // Said from the first prediction on: with no navigator.gpu there is nothing to set up (it
      // once said "Setting up WebGPU" here for a second and timed the CPU for nothing).
      assert.equal(first.gpu, 'done', `at the first prediction the page said “${first.note}”`);
      assert.equal(gpu.backend, 'cpu');
      assert.equal(gpu.webgpuChoice, false, 'the WebGPU choice is disabled');
      t.diagnostic(`no navigator.gpu in ${name} (page: ${has.gpu}, worker: ${has.workerGpu}): the page says ` +
        `“${gpu.note}” from the first prediction on, runs on ${gpu.line} and disables the WebGPU choice`);
    } else if (!gpu.available) {
      assert.ok(gpu.note.startsWith(NO_WEBGPU), gpu.note);
      assert.equal(gpu.backend, 'cpu');
      t.diagnostic(`navigator.gpu is there in ${name} but WebGPU did not work (adapter on the page: ${has.adapter}): ` +
        `the page says “${gpu.note}” and runs on the CPU`);
    } else {
      assert.match(gpu.note, /^Running on (the CPU|WebGPU), the faster here: [\d.]+ ms vs [\d.]+ ms per image/);
      assert.equal(gpu.webgpuChoice, true);
      t.diagnostic(`WebGPU works in ${name}; the page chose ${gpu.backend}: “${gpu.note}”`);
    }
    await assertNoPageErrors();
  });

  scenario('uploads through the real file input: a PNG, a JPEG and an EXIF-rotated JPEG (orientation 6) shown upright', async (t) => {
    const upload = async (file) => engine.run(uploadInPage, file);
    // PNG: made here, red left half, blue right half.
    const pngBytes = png({ width: 40, height: 30, colorType: 2, sample: (x) => (x < 20 ? [220, 30, 30] : [30, 30, 220]) });
    const p = await upload({ name: 'halves.png', type: 'image/png', b64: b64(pngBytes) });
    assert.equal(p.assigned, 1, 'input.files took the File');
    assert.equal(p.source, 'halves.png');
    assert.equal(p.format, 'Png');
    assert.deepEqual(p.size, [40, 30]);
    assert.match(p.caption, /halves\.png · 40×30 Png/);
    assert.equal(p.label, p.prediction, 'the shown class is the trace\'s');
    assert.ok(px(p.rgb, 4, 16)[0] > 150 && px(p.rgb, 27, 16)[2] > 150, 'red left, blue right');

    // JPEG, upright (tests/browser/media/make-exif.py): red left, blue right, a white bar on top.
    const upright = await upload({ name: 'exif-upright.jpg', type: 'image/jpeg', b64: b64(await readFile(join(MEDIA, 'exif-upright.jpg'))) });
    assert.equal(upright.format, 'Jpeg');
    assert.deepEqual(upright.size, [96, 64]);
    assert.deepEqual(upright.preview, [96, 64]);

    // The same picture stored turned, with EXIF orientation 6: shown and classified upright.
    const turned = await upload({ name: 'exif-6.jpg', type: 'image/jpeg', b64: b64(await readFile(join(MEDIA, 'exif-6.jpg'))) });
    assert.equal(turned.format, 'Jpeg');
    assert.deepEqual(turned.size, [96, 64], 'the network gets the picture upright (stored as 64x96)');
    assert.deepEqual(turned.preview, [96, 64], `${name} shows the preview upright`);
    const diff = Math.max(...upright.rgb.map((v, i) => Math.abs(v - turned.rgb[i])));
    assert.ok(diff < 40, `the network sees the same picture (largest pixel difference ${diff})`);
    assert.ok(px(turned.rgb, 4, 20)[0] > 150, 'left half red');
    assert.ok(px(turned.rgb, 27, 20)[2] > 150, 'right half blue');
    t.diagnostic(`halves.png: ${p.prediction}; exif-upright.jpg: ${upright.prediction}; exif-6.jpg: ${turned.prediction} ` +
      `(preview ${turned.preview.join('x')}, largest pixel difference to the upright one ${diff})`);
    await assertNoPageErrors();
  });

  scenario('the thresholds: raising them re-runs the shown image and its MACs never grow', async (t) => {
    const card = await engine.run(() => ({ tauL: window.lcnet.card.config.tau_l, tauC: window.lcnet.card.config.tau_c }));
    // The model's own thresholds among them (0 and 0 for the shipped model: then once).
    const steps = [[0, 0], [card.tauL, card.tauC], [0.1, 0.1], [0.2, 0.2], [0.3, 0.3]]
      .filter((s, i, all) => all.findIndex((o) => o[0] === s[0] && o[1] === s[1]) === i)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const seen = [];
    for (const [tauL, tauC] of steps) {
      seen.push(await engine.run(async ([l, c]) => {
        await window.lcnet.setThresholds(l, c);
        const tr = window.lcnetDebug.output.trace;
        return {
          tau: [tr.tau_l, tr.tau_c], macs: tr.macs, blocks: tr.blocks_run, now: window.lcnet.thresholds,
          source: document.getElementById('result').dataset.source,
          shown: document.getElementById('stat-macs').textContent,
        };
      }, [tauL, tauC]));
    }
    for (const [i, s] of seen.entries()) {
      assert.deepEqual(s.tau, steps[i].map(Math.fround), 'the shown trace ran at the thresholds set');
      assert.deepEqual(s.now, { tauL: steps[i][0], tauC: steps[i][1] });
      assert.equal(s.source, seen[0].source, 'the same image re-ran');
      const rose = i > 0 && steps[i][0] >= steps[i - 1][0] && steps[i][1] >= steps[i - 1][1];
      if (rose) assert.ok(s.macs <= seen[i - 1].macs, `MACs grew from ${seen[i - 1].macs} to ${s.macs} when the thresholds rose`);
    }
    assert.ok(seen.at(-1).macs < seen[0].macs, 'τ = 0.3 skips something that τ = 0 runs');
    assert.notEqual(seen.at(-1).shown, seen[0].shown, 'the shown compute changed');
    t.diagnostic(seen.map((s) => `τ ${s.tau.map((v) => v.toFixed(2)).join('/')}: ${s.blocks} blocks, ${s.shown}`).join('; '));
    await engine.run(([l, c]) => window.lcnet.setThresholds(l, c), [card.tauL, card.tauC]);
    await assertNoPageErrors();
  });

  scenario('the guided tour, clicked through to its end', async (t) => {
    await engine.waitFor(() => document.body.dataset.stats === 'ready' && !document.getElementById('tour-start').disabled,
      null, { timeout: 60_000, what: 'the tour button' });
    const facts = await engine.run(() => {
      const ex = [...window.lcnetDebug.stats.examples].sort((a, b) => a.macs - b.macs || a.class - b.class);
      return { cheap: ex[0].file, dear: ex.at(-1).file, tauL: window.lcnet.card.config.tau_l, tauC: window.lcnet.card.config.tau_c };
    });
    const atStep = (n) => engine.waitFor((k) => {
      const text = document.getElementById('tour-text').textContent;
      if (text === 'This step could not run.') return { fail: document.getElementById('error').textContent };
      return document.body.dataset.tour === `step-${k}` && document.getElementById('tour').getAttribute('aria-busy') === 'false' && {
        title: document.getElementById('tour-title').textContent,
        text,
        next: document.getElementById('tour-next').textContent,
        source: document.getElementById('result').dataset.source,
        pinned: window.lcnetDebug.compareA?.name ?? null,
        tau: [window.lcnetDebug.output.trace.tau_l, window.lcnetDebug.output.trace.tau_c],
        visible: !document.getElementById('tour').hidden,
      };
    }, n, { timeout: 60_000, what: `tour step ${n}` });
    const click = (id) => engine.run((i) => { document.getElementById(i).click(); }, id);

    await click('tour-start');
    const steps = [await atStep(1)];
    for (let n = 2; n <= 5; n++) {
      await click('tour-next');
      steps.push(await atStep(n));
    }
    const [one, two, three, four, five] = steps;
    assert.equal(one.visible, true);
    assert.equal(one.source, facts.cheap, 'step 1 shows the cheapest example');
    assert.match(one.text, /of the static MACs/);
    assert.equal(two.pinned, facts.cheap, 'step 2 pins the cheap image as A');
    assert.equal(two.source, facts.dear, 'and shows the costliest as B');
    assert.ok(three.tau[1] > Math.fround(facts.tauC), 'step 3 raises τC');
    assert.ok(four.tau[0] > Math.fround(facts.tauL), 'step 4 raises τL');
    assert.equal(five.next, 'Finish');
    await click('tour-next');
    const end = await engine.waitFor(() => document.getElementById('tour').hidden && {
      tour: document.body.dataset.tour, targets: document.querySelectorAll('.tour-target').length,
    }, null, { what: 'the tour to close on Finish' });
    assert.deepEqual(end, { tour: 'off', targets: 0 });
    t.diagnostic(steps.map((s, i) => `${i + 1}. ${s.title}`).join(' · '));
    await assertNoPageErrors();
  });

  scenario('figure downloads, checked by wrapping HTMLAnchorElement.prototype.click in the page (the <a download> and its blob: URL, not a driver download event): SVG parses, PNG decodes', async (t) => {
    await engine.waitFor(() => [...document.querySelectorAll('[data-export]')].every((b) => !b.disabled),
      null, { timeout: 60_000, what: 'the download buttons' });
    const lines = [];
    for (const figure of ['curve', 'heatmaps', 'visualizer']) {
      const svg = await engine.run(downloadInPage, { figure, format: 'svg' });
      assert.equal(svg.name, `lcnet-${figure}.svg`);
      assert.equal(svg.scheme, 'blob:', 'an object URL');
      assert.equal(svg.head, '<?xml version="1.0" encoding="UTF-8"?>\n<svg ');
      assert.equal(svg.parseError, null, `the SVG parses: ${svg.parseError}`);
      assert.equal(svg.root, 'svg');
      assert.equal(svg.ns, 'http://www.w3.org/2000/svg');
      assert.equal(svg.unresolved, false, 'no CSS variable left');
      assert.ok(svg.width > 0 && svg.height > 0);
      const pngFile = await engine.run(downloadInPage, { figure, format: 'png' });
      assert.equal(pngFile.name, `lcnet-${figure}.png`);
      assert.equal(pngFile.scheme, 'blob:');
      assert.deepEqual(pngFile.signature, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'the PNG signature');
      assert.deepEqual(pngFile.ihdr, [2 * svg.width, 2 * svg.height], 'twice the SVG\'s size');
      assert.deepEqual(pngFile.bitmap, pngFile.ihdr, 'it decodes');
      assert.ok(pngFile.ink > 0.005, `the PNG shows the figure (${(100 * pngFile.ink).toFixed(1)}% ink)`);
      lines.push(`${figure}: SVG ${svg.size} B ${svg.width}x${svg.height}, PNG ${pngFile.size} B ${pngFile.ihdr.join('x')}`);
    }
    t.diagnostic(`checked in the page: the <a download> click is intercepted, its blob: URL fetched (no driver download event); ${lines.join('; ')}`);
    await assertNoPageErrors();
  });

  scenario('measure it yourself: 100 test images on two CPU workers', async (t) => {
    const r = await engine.run(async () => {
      if (window.lcnet.backend !== 'cpu') await window.lcnet.setBackend('cpu');
      const m = await window.lcnet.measure(100, { workers: 2 });
      const { predicted, macs, ...rest } = m;
      return { ...rest, predicted, macs, status: document.getElementById('measure-status').textContent, static: window.lcnet.card.results };
    });
    assert.equal(r.images, 100);
    assert.equal(r.workers, 2);
    assert.equal(r.backend, 'cpu');
    assert.equal(r.predicted.length, 100);
    assert.equal(r.correct, Math.round(100 * r.accuracy));
    assert.ok(r.accuracy >= 0.6 && r.accuracy <= 1, `accuracy ${r.accuracy}`);
    assert.ok(r.mean_macs > 0 && r.macs_ratio > 0 && r.macs_ratio <= 1, `MACs ${r.mean_macs} (${r.macs_ratio} of static)`);
    assert.match(r.status, /on the CPU, 2 workers/);
    record.measure = { accuracy: r.accuracy, mean_macs: r.mean_macs, macs_ratio: r.macs_ratio, ms: r.ms, per_second: r.per_second, wasm: record.wasm, build: record.build, predicted: r.predicted };
    t.diagnostic(`${r.correct}/100 correct, ${(100 * r.macs_ratio).toFixed(1)}% of the static MACs, ` +
      `${r.per_second.toFixed(1)} images/s on 2 workers (${Math.round(r.ms)} ms)`);

    // The expected accuracy: `lcnet eval --limit 100` where the golden file has that limit.
    const golden = existsSync(GOLDEN) ? JSON.parse(readFileSync(GOLDEN, 'utf8')).subset : null;
    if (golden?.images === 100) {
      assert.deepEqual({ accuracy: r.accuracy, mean_macs: r.mean_macs }, { accuracy: golden.accuracy, mean_macs: golden.mean_macs });
      t.diagnostic('equal to lcnet eval --limit 100 (tests/artifacts/measure-golden.json)');
    } else {
      t.diagnostic(golden
        ? `measure-golden.json is for ${golden.images} images, not 100: checked for sanity only`
        : 'no tests/artifacts/measure-golden.json (`cargo xtask test` writes it): checked for sanity only');
    }
    // The same build in the other engines (their last runs here): the same answers, image for image.
    for (const other of (await readdir(join(ARTIFACTS, 'engines')).catch(() => [])).filter((f) => f !== `${name}.json`)) {
      const o = JSON.parse(await readFile(join(ARTIFACTS, 'engines', other), 'utf8'));
      if (o.measure?.build !== record.build) continue;
      assert.deepEqual(r.predicted, o.measure.predicted, `the same predictions as ${o.engine} (${o.measure.wasm} build)`);
      assert.equal(r.mean_macs, o.measure.mean_macs, `the same mean MACs as ${o.engine}`);
      t.diagnostic(`the same 100 predictions and mean MACs as ${o.engine}'s last run of this build (${o.measure.wasm} there, ${record.wasm} here)`);
    }
    await assertNoPageErrors();
  });

  scenario('window.lcnet: classify(bytes) returns a trace, setThresholds, measure with the default workers (hardwareConcurrency)', async (t) => {
    const gallery = JSON.parse(await readFile(join(WWW, 'gallery', 'gallery.json'), 'utf8'));
    const file = gallery[0].file;
    const bytes = await readFile(join(WWW, 'gallery', file));
    const r = await engine.run(async ({ b64: data, file: f }) => {
      const api = window.lcnet;
      await api.ready;
      const trace = await api.classify(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)), f);
      const shown = { source: document.getElementById('result').dataset.source, label: document.getElementById('pred-label').textContent };
      const before = api.thresholds;
      await api.setThresholds(0.05, 0.05);
      const at = { now: api.thresholds, tau: [window.lcnetDebug.output.trace.tau_l, window.lcnetDebug.output.trace.tau_c] };
      const refused = await api.setThresholds(2, 0).then(() => null, (e) => e.message);
      await api.setThresholds(before.tauL, before.tauC);
      const m = await api.measure(20);
      return {
        version: api.version, trace, shown, at, refused, depth: api.card.config.depth,
        measure: { images: m.images, workers: m.workers, accuracy: m.accuracy, backend: m.backend },
        hardwareConcurrency: navigator.hardwareConcurrency,
      };
    }, { b64: b64(bytes), file });
    assert.equal(r.version, 1);
    const tr = r.trace;
    assert.equal(typeof tr.prediction.label, 'string');
    assert.equal(tr.blocks.length, 3 * ((r.depth - 2) / 6), 'one entry per residual block');
    assert.equal(tr.blocks_run, tr.blocks.filter((b) => b.ran).length);
    assert.ok(tr.macs > 0 && tr.macs <= tr.static_macs);
    assert.deepEqual(r.shown, { source: file, label: tr.prediction.label }, 'the page shows what the script classified');
    assert.deepEqual(r.at, { now: { tauL: 0.05, tauC: 0.05 }, tau: [Math.fround(0.05), Math.fround(0.05)] });
    assert.match(r.refused ?? '', /a threshold must be in \[0, 1\], not 2/);
    assert.equal(r.measure.images, 20);
    // The page's rule: one CPU worker per core that really runs at once (www/js/cores.js measures
    // it), never more than the browser reports nor MAX_WORKERS.
    const reported = Math.max(1, Math.min(MAX_WORKERS, r.hardwareConcurrency || 1));
    assert.ok(r.measure.workers >= 1 && r.measure.workers <= reported, `${r.measure.workers} workers for ${r.hardwareConcurrency} reported`);
    // The case: WebKit reports 4 on a 2-core machine; more workers than cores only add
    // start-up time and memory. (The browser runs on this machine, so its cores are node's.)
    assert.ok(r.measure.workers <= record.cpus,
      `${r.measure.workers} CPU workers on a ${record.cpus}-core machine (navigator.hardwareConcurrency ${r.hardwareConcurrency})`);
    record.hardwareConcurrency = r.hardwareConcurrency;
    record.defaultWorkers = r.measure.workers;
    t.diagnostic(`${file}: ${tr.prediction.label}, ${tr.blocks_run}/${tr.blocks.length} blocks; navigator.hardwareConcurrency ` +
      `${r.hardwareConcurrency} on a machine with ${record.cpus} cores: measure() started ${r.measure.workers} CPU workers` +
      (r.hardwareConcurrency > record.cpus ? ` (${name} reports more than there are)` : '') +
      (r.measure.workers < reported ? `; fewer than reported: the page measured how many workers really run at once` : ''));
    await assertNoPageErrors();
  });

  scenario('reload offline after a first visit: the service worker serves the page, which gets ready again', async (t) => {
    const kept = await engine.waitFor(() => {
      const line = document.getElementById('offline').textContent;
      return line && { line, build: document.body.dataset.offline ?? null, sw: 'serviceWorker' in navigator };
    }, null, { timeout: 180_000, what: 'the offline line (the service worker kept the build, or the page says why not)' });
    record.offline = { line: kept.line };
    if (!/^Works offline/.test(kept.line)) {
      // The page's fallback: it says why, and works online.
      assert.match(kept.line, /^(Offline use is not available here \(.+\); the page works online as usual\.|This browser cannot keep the page for offline use)/);
      t.diagnostic(`${name} cannot keep the page: it says “${kept.line}” (not reloaded offline)`);
      return;
    }
    assert.match(kept.line, /^Works offline: this browser keeps the page \(\d+ files\) and the model/);
    assert.equal(kept.build, record.build);
    const sw = await engine.waitFor(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      const keys = await caches.keys();
      return reg?.active?.state === 'activated' && { script: new URL(reg.active.scriptURL).pathname + new URL(reg.active.scriptURL).search, keys };
    }, null, { timeout: 60_000, what: 'an activated service worker' });
    assert.ok(sw.keys.includes(`lcnet-build-${record.build}`), `the build's cache is there: ${sw.keys}`);

    await server.close();
    serverOpen = false;
    const requests = server.requests.length;
    const t0 = Date.now();
    await engine.reload();
    await engine.run(watchPage);
    const again = await engine.waitFor(firstPrediction, null, { timeout: 120_000, what: 'the first prediction offline' });
    record.offline.reloadMs = Date.now() - t0;
    assert.equal(again.weights, 'cache', 'the weights came from the browser\'s cache');
    assert.equal(server.requests.length, requests, 'nothing reached the (closed) server');
    const controlled = await engine.run(() => Boolean(navigator.serviceWorker.controller));
    assert.equal(controlled, true, 'the service worker controls the reloaded page');
    t.diagnostic(`${sw.script} active; server closed, reload ready in ${record.offline.reloadMs} ms (${again.source}: ${again.label}), weights from the cache`);
    await assertNoPageErrors();
  });

  scenario(`the README's headless example, ${name} flavour (README.md = examples/${name}.mjs), runs and prints its results`, async (t) => {
    // This engine's page is done: free the cores for the example's own browser.
    await engine.close();
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const example = await readFile(join(HERE, 'examples', `${name}.mjs`), 'utf8');
    const block = readme.split(`<!-- engine-example: ${name} -->`)[1]?.match(/```js\n([\s\S]*?)```/)?.[1];
    assert.equal(block, example, `README.md's ${name} example is examples/${name}.mjs`);

    const site = await serve();
    try {
      const t0 = Date.now();
      // WebKit's example says to run it under `xvfb-run -a` where there is no display: so it is run.
      const file = join(HERE, 'examples', `${name}.mjs`);
      const noDisplay = !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
      const [cmd, args] = name === 'webkit' && noDisplay ? ['xvfb-run', ['-a', 'node', file]] : ['node', [file]];
      const { stdout } = await promisify(execFile)(cmd, args, {
        cwd: ROOT, env: { ...process.env, LCNET_URL: site.url }, timeout: 300_000,
      });
      t.diagnostic(`${stdout.trim().replace(/\n/g, ' | ')} (${Date.now() - t0} ms)`);
      assert.match(stdout, /^\S+\.png: \w+, \d+ of \d+ blocks, [\d.]+% of the static MACs$/m);
      assert.match(stdout, /^100 test images at τL = τC = 0\.05: [\d.]+% correct, [\d.]+% of the static MACs$/m);
      record.example = stdout.trim().split('\n');
    } finally {
      await site.close();
    }
  });
}
