// The reference's thread: candle in the browser. It loads the reference module
// (`pkg-reference/`, the `lcnet-reference` crate: the network as candle-nn modules, dense
// masked) only when the page first asks to check a result against it, so a first visit never
// downloads it. The weights come from the page (the model worker's copy), not from the network.
//
// Protocol (one request at a time, in order):
//   page -> worker  {id, cmd: 'load', weights, card}   card: the model card's JSON text
//                   {id, cmd: 'run', rgb, tauL, tauC, runs}  prepared images one after another,
//                     through the dense masked network `runs` times (after one warm-up run when
//                     runs > 1); answers {traces, ms} with ms the median time of one run
//   worker -> page  {id, status: 'complete', output} | {id, error: message}

import { median } from './policy.js';

let model = null;

async function load(msg) {
  let pkg;
  let wasm;
  try {
    pkg = await import('../pkg-reference/lcnet_reference.js');
    wasm = await pkg.default();
  } catch (e) {
    throw new Error(`the reference module could not start (pkg-reference/: ${e instanceof Error ? e.message : e}; ` +
      'run `cargo xtask build`)');
  }
  model = new pkg.ReferenceModel(msg.weights, msg.card);
  return { wasm_memory_bytes: wasm.memory.buffer.byteLength };
}

function run(msg) {
  if (!model) throw new Error('the reference is not loaded');
  const runs = Math.max(1, Math.min(50, Math.floor(msg.runs) || 1));
  const rgb = new Uint8Array(msg.rgb);
  if (runs > 1) model.run(rgb, msg.tauL, msg.tauC, false);
  const ms = [];
  let traces = null;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    traces = model.run(rgb, msg.tauL, msg.tauC, false);
    ms.push(performance.now() - t);
  }
  return { traces, ms: median(ms) };
}

self.onmessage = async ({ data: msg }) => {
  try {
    const output = msg.cmd === 'load' ? await load(msg) : run(msg);
    postMessage({ id: msg.id, status: 'complete', output });
  } catch (e) {
    postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
  }
};
