// Imports flow one way (STYLE.md, habit 12): no module of the page (www/js/*.js, www/*.js) and no
// module of the crate (crate/src: the library and each binary, a crate each) reaches itself
// through what it imports. A loop is printed step by step, each step with the line that makes
// it. modgraph.mjs and rustmods.mjs read the imports; the last tests check on small made-up
// sources that they do find loops, and only real ones.

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { findLoops, jsGraph, stripJsComments } from './modgraph.mjs';
import { rustGraphs, rustFiles } from './rustmods.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const WWW = join(ROOT, 'www');
const SRC = join(ROOT, 'crate/src');

/** The page's modules, relative to www/. */
function pageFiles() {
  const js = (dir) => readdirSync(join(WWW, dir)).filter((f) => f.endsWith('.js')).map((f) => (dir ? `${dir}/${f}` : f));
  return [...js('js'), ...js('')].sort();
}

function noLoops(graph, what) {
  const loops = findLoops(graph);
  assert.equal(loops.length, 0, `${what}: ${loops.length} import loop(s)\n${loops.map((l) => l.text).join('\n\n')}`);
}

/** Writes `files` ({path: text}) into a fresh directory; returns it. */
function scratch(files) {
  const dir = mkdtempSync(join(tmpdir(), 'lcnet-imports-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

test('the page’s modules import each other without a loop', () => {
  const graph = jsGraph(WWW, pageFiles());
  assert.ok(graph.get('js/main.js').has('js/prediction.js'), 'the graph has the page’s imports');
  noLoops(graph, 'www');
});

test('the model worker imports no module that touches the DOM', () => {
  const graph = jsGraph(WWW, pageFiles());
  const seen = new Set();
  const visit = (f) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const to of graph.get(f).keys()) visit(to);
  };
  visit('js/worker.js');
  seen.delete('js/worker.js');
  assert.ok(seen.has('js/policy.js'), 'the worker takes its backend policy from policy.js');
  for (const f of seen) {
    const code = stripJsComments(readFileSync(join(WWW, f), 'utf8'));
    assert.doesNotMatch(code, /\b(document|window)\b/, `${f}, imported by the worker, touches the DOM`);
  }
});

for (const { root, graph } of rustGraphs(SRC)) {
  test(`the modules of the crate at crate/src/${root} use each other without a loop`, () => {
    noLoops(graph, `crate/src/${root}`);
  });
}

test('every .rs file of crate/src is a module of a crate (so the graphs above see all of them)', () => {
  const seen = new Set(rustGraphs(SRC).flatMap((c) => c.files));
  assert.deepEqual(rustFiles(SRC).filter((f) => !seen.has(f)), []);
});

test('finds a loop among made-up ES modules: static, export-from and dynamic imports; comments are no imports', () => {
  const dir = scratch({
    'x.js': "import { y } from './y.js';\n// import { w } from './w.js';\nexport const x = y;\n",
    'y.js': "export { z as y } from './z.js';\n",
    'z.js': "export const z = 1;\nexport const later = () => import('./x.js');\n",
    'w.js': "/* import { x } from './x.js'; */\nimport {\n  z,\n} from './z.js';\nexport const w = z / 2; // a division, not a regex: import('./x.js')\n",
  });
  try {
    const graph = jsGraph(dir, ['w.js', 'x.js', 'y.js', 'z.js']);
    assert.deepEqual([...graph.get('w.js').keys()], ['z.js']);
    const loops = findLoops(graph);
    assert.deepEqual(loops.map((l) => l.cycle), [['x.js', 'y.js', 'z.js', 'x.js']]);
    assert.match(loops[0].text, /z\.js -> x\.js {3}\(z\.js:2 imports '\.\/x\.js'\)/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('finds a loop among made-up Rust modules through use, paths, super:: and a root re-export', () => {
  const dir = scratch({
    'lib.rs': 'pub mod a;\npub mod b;\npub mod c;\npub mod d;\n\npub use b::Thing;\n',
    // `crate::Thing` is b.rs, where it comes from, not lib.rs.
    'a.rs': '//! Uses [`crate::d`] in a comment only.\nuse crate::Thing;\n\npub fn f() -> Thing {\n    Thing\n}\n',
    // A `use` inside an inline module: super::super is the crate.
    'b.rs': 'pub struct Thing;\n\nmod inner {\n    use super::super::c::g;\n}\n',
    'c.rs': 'pub fn g() {\n    let _ = "crate::d::E";\n    crate::a::f();\n}\n',
    // A parent declaring its child and re-exporting a name it does not use is no edge; the child
    // using the parent is one.
    'd/mod.rs': 'mod e;\npub use e::E;\n\npub struct D;\n',
    'd/e.rs': 'use super::D;\n\npub struct E(D);\n',
  });
  try {
    const [{ root, graph, files }] = rustGraphs(dir);
    assert.equal(root, 'lib.rs');
    assert.deepEqual(files, ['a.rs', 'b.rs', 'c.rs', 'd/e.rs', 'd/mod.rs', 'lib.rs']);
    assert.deepEqual(Object.fromEntries([...graph].map(([f, to]) => [f, [...to.keys()].sort()])), {
      'a.rs': ['b.rs'], 'b.rs': ['c.rs'], 'c.rs': ['a.rs'], 'd/e.rs': ['d/mod.rs'], 'd/mod.rs': [], 'lib.rs': [],
    });
    const loops = findLoops(graph);
    assert.deepEqual(loops.map((l) => l.cycle), [['a.rs', 'b.rs', 'c.rs', 'a.rs']]);
    assert.match(loops[0].text, /a\.rs -> b\.rs {3}\(a\.rs line 2: use crate::Thing;\)/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
