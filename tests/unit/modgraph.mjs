// Module graphs and their loops, for imports.test.mjs, and the graph of the page's ES modules
// (`import ... from './x.js'`, `export ... from`, `import('./x.js')`); rustmods.mjs makes the
// crate's. A graph maps each file to the files it depends on, each edge with the line that made
// it.

import { readFileSync } from 'node:fs';
import { join, dirname, relative, resolve as resolvePath } from 'node:path';

// ---- loops -------------------------------------------------------------------------------------

/**
 * Every loop of a graph, one per strongly connected component of two files or more (Tarjan),
 * each as the shortest cycle through the component's first file, with the line behind each step.
 * @param {Map<string, Map<string, string>>} graph file -> (file it depends on -> why)
 * @returns {{files: string[], cycle: string[], text: string}[]} `cycle` starts and ends on the
 *   same file; `text` names the component's files, then the cycle one step a line
 */
export function findLoops(graph) {
  return components(graph).filter((c) => c.length > 1).map((files) => {
    const cycle = shortestCycle(graph, files[0], new Set(files));
    const steps = cycle.slice(1).map((to, i) => `  ${cycle[i]} -> ${to}   (${graph.get(cycle[i]).get(to)})`);
    const head = `${files.length} files reach each other (${files.join(', ')}); one loop: ${cycle.join(' -> ')}`;
    return { files, cycle, text: [head, ...steps].join('\n') };
  });
}

function components(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const out = [];
  const visit = (v) => {
    index.set(v, index.size);
    low.set(v, index.get(v));
    stack.push(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (stack.includes(w)) {
        low.set(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const c = [];
    for (let w = null; w !== v;) c.push((w = stack.pop()));
    out.push(c.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}

// Breadth first from `start` back to it, inside one component.
function shortestCycle(graph, start, within) {
  const from = new Map();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of [...graph.get(v).keys()].sort()) {
      if (!within.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(from.get(path[0]));
        return [...path, start];
      }
      if (!from.has(w)) {
        from.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/**
 * Adds the edge `from` -> `to` (no edge to itself), keeping the first reason given.
 * @param {Map<string, Map<string, string>>} graph
 * @param {string} from
 * @param {string} to
 * @param {string} why
 */
export function addEdge(graph, from, to, why) {
  if (from === to) return;
  const edges = graph.get(from);
  if (!edges.has(to)) edges.set(to, why);
}

/**
 * The 1-based line of `index` in `text`.
 * @param {string} text
 * @param {number} index
 * @returns {number}
 */
export function lineAt(text, index) {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) n += 1;
  return n;
}

// ---- JavaScript ----------------------------------------------------------------------------------

/**
 * A JavaScript source with its comments blanked out (newlines kept, so lines still count), its
 * string and template literals and regular expressions left as they are.
 * @param {string} src
 * @returns {string}
 */
export function stripJsComments(src) {
  let out = '';
  let i = 0;
  let last = ''; // the last character that was not blank, to tell a regex from a division
  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    let end = i + 1;
    if (c === '/' && next === '/') {
      end = src.indexOf('\n', i);
      if (end === -1) end = src.length;
      out += ' '.repeat(end - i);
      i = end;
      continue;
    }
    if (c === '/' && next === '*') {
      end = src.indexOf('*/', i + 2);
      end = end === -1 ? src.length : end + 2;
      out += src.slice(i, end).replace(/[^\n]/g, ' ');
      i = end;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') end = literalEnd(src, i, c);
    else if (c === '/' && (last === '' || '(,=:[!&|?{};+-*%<>~^'.includes(last))) end = regexEnd(src, i);
    out += src.slice(i, end);
    if (src.slice(i, end).trim()) last = src[end - 1];
    i = end;
  }
  return out;
}

/** The index just past the string literal that opens at `i` with `quote`. */
export function literalEnd(src, i, quote) {
  for (let j = i + 1; j < src.length; j++) {
    if (src[j] === '\\') j++;
    else if (src[j] === quote) return j + 1;
  }
  return src.length;
}

function regexEnd(src, i) {
  let inClass = false;
  for (let j = i + 1; j < src.length && src[j] !== '\n'; j++) {
    if (src[j] === '\\') j++;
    else if (src[j] === '[') inClass = true;
    else if (src[j] === ']') inClass = false;
    else if (src[j] === '/' && !inClass) return j + 1;
  }
  return i + 1; // a lone slash: a division after all
}

/**
 * The modules a JavaScript module imports by a literal specifier: static imports, `export ...
 * from` and `import('...')`, with their lines.
 * @param {string} src
 * @returns {{spec: string, line: number}[]}
 */
export function jsImports(src) {
  const code = stripJsComments(src);
  const found = [];
  const patterns = [
    /(?:^|[;\n])\s*(?:import|export)\s[^;'"`]*?\bfrom\s*(['"])([^'"]+)\1/g,
    /(?:^|[;\n])\s*import\s*(['"])([^'"]+)\1/g,
    /\bimport\s*\(\s*(['"`])([^'"`]+)\1\s*\)/g,
  ];
  for (const re of patterns) {
    for (const m of code.matchAll(re)) found.push({ spec: m[2], line: lineAt(code, m.index + m[0].indexOf(m[2])) });
  }
  return found.sort((a, b) => a.line - b.line);
}

/**
 * The import graph of the given JavaScript files; imports of other files (www/pkg, a URL) are
 * left out.
 * @param {string} root paths in the graph are relative to it
 * @param {string[]} files paths relative to `root`
 * @returns {Map<string, Map<string, string>>}
 */
export function jsGraph(root, files) {
  const graph = new Map(files.map((f) => [f, new Map()]));
  for (const f of files) {
    for (const { spec, line } of jsImports(readFileSync(join(root, f), 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const to = relative(root, resolvePath(root, dirname(f), spec));
      if (graph.has(to)) addEdge(graph, f, to, `${f}:${line} imports '${spec}'`);
    }
  }
  return graph;
}
