// ONNX Runtime Web's WebAssembly backend on the same network, for `bench-web.mjs --ort FILE`.
//
// The reference our static wasm path is held to: ONNX Runtime Web (pinned below), its wasm
// execution provider, one thread, SIMD (its only wasm build has SIMD), full graph optimizations,
// in the same headless Chromium. onnxruntime-web is a 33 MB package that only this benchmark
// needs, so it is installed on first use into target/ort-web/ (not into the tests' lock file).
// Make the model with `python weights/train/export_onnx.py --out target/onnx/resnet56.onnx`.

import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, writeFile, stat } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT, serve } from '../browser/harness.mjs';

export const ORT_VERSION = '1.30.0';
const DIR = join(ROOT, 'target', 'ort-web');
const DIST = join(DIR, 'node_modules', 'onnxruntime-web', 'dist');

function install() {
  const pkg = join(DIR, 'node_modules', 'onnxruntime-web', 'package.json');
  if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).version === ORT_VERSION) return;
  console.error(`installing onnxruntime-web@${ORT_VERSION} into ${DIR} (benchmark only)`);
  execFileSync('npm', ['install', '--prefix', DIR, '--no-save', '--no-package-lock', '--no-audit', '--no-fund',
    `onnxruntime-web@${ORT_VERSION}`], { stdio: 'inherit' });
}

/**
 * Opens ONNX Runtime Web on `onnxPath` in a page of `context`: one session, one random
 * [1, 3, 32, 32] input. `run(n)` times `n` calls of `session.run` after 5 warm-up calls and
 * returns their median in ms; the caller interleaves it with our own timings, so both see the
 * same machine state.
 */
export async function openOrt(context, onnxPath) {
  if (!existsSync(onnxPath)) {
    throw new Error(`${onnxPath} does not exist: make it with ` +
      '`python weights/train/export_onnx.py --out target/onnx/resnet56.onnx`');
  }
  install();
  await mkdir(DIR, { recursive: true });
  await copyFile(onnxPath, join(DIR, 'model.onnx'));
  await writeFile(join(DIR, 'index.html'), '<!doctype html><title>ONNX Runtime Web benchmark</title>\n');
  if (!(await stat(join(DIST, 'ort.wasm.min.mjs'))).isFile()) throw new Error(`no ort.wasm.min.mjs in ${DIST}`);
  const server = await serve(DIR);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const check = () => {
    if (errors.length) throw new Error(`ONNX Runtime page errors: ${errors.join('; ')}`);
  };
  await page.goto(server.url);
  const info = await page.evaluate(async () => {
    const ort = await import('/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs');
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
    const session = await ort.InferenceSession.create('/model.onnx', {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
    });
    const data = new Float32Array(3 * 32 * 32);
    let seed = 7;
    for (let i = 0; i < data.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      data[i] = (seed / 2 ** 32) * 4 - 2;
    }
    const feeds = () => ({ [session.inputNames[0]]: new ort.Tensor('float32', data, [1, 3, 32, 32]) });
    window.ortRun = async (n) => {
      let out = null;
      for (let i = 0; i < 5; i++) out = await session.run(feeds());
      const ts = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        out = await session.run(feeds());
        ts.push(performance.now() - t);
      }
      ts.sort((a, b) => a - b);
      const m = ts.length >> 1;
      return {
        ms: ts.length % 2 ? ts[m] : (ts[m - 1] + ts[m]) / 2,
        logits: Array.from(out[session.outputNames[0]].data),
      };
    };
    return { version: ort.env.versions?.web ?? null, threads: ort.env.wasm.numThreads };
  });
  check();
  return {
    ...info,
    async run(n) {
      const r = await page.evaluate((n) => window.ortRun(n), n);
      check();
      if (!r.logits.every(Number.isFinite)) throw new Error(`ONNX Runtime gave non-finite logits: ${r.logits}`);
      return r.ms;
    },
    async close() {
      await page.close();
      await server.close();
    },
  };
}
