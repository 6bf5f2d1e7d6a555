// The module graph of each crate under crate/src, between files, for imports.test.mjs: a file
// depends on the file of every module it names through a `use` or a path (`crate::`, `super::`,
// `self::`, a child module, or a name a `use` brought in).

import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';

import { addEdge, lineAt, literalEnd } from './modgraph.mjs';

/**
 * Rust source with comments and the insides of string and character literals blanked out
 * (newlines kept); lifetimes stay.
 * @param {string} src
 * @returns {string}
 */
export function stripRust(src) {
  let out = '';
  let i = 0;
  const blank = (end) => {
    out += src.slice(i, end).replace(/[^\n]/g, ' ');
    i = end;
  };
  while (i < src.length) {
    const c = src[i];
    const rest = src.slice(i, i + 3);
    const raw = /^b?r(#*)"/.exec(src.slice(i, i + 260));
    if (rest.startsWith('//')) {
      const end = src.indexOf('\n', i);
      blank(end === -1 ? src.length : end);
    } else if (rest.startsWith('/*')) {
      let depth = 0;
      let j = i;
      do {
        if (src.startsWith('/*', j)) (depth += 1), (j += 2);
        else if (src.startsWith('*/', j)) (depth -= 1), (j += 2);
        else j += 1;
      } while (depth > 0 && j < src.length);
      blank(j);
    } else if (raw && !/\w/.test(src[i - 1] ?? '')) {
      const close = src.indexOf(`"${raw[1]}`, i + raw[0].length);
      blank(close === -1 ? src.length : close + 1 + raw[1].length);
    } else if (c === '"') {
      blank(literalEnd(src, i, '"'));
    } else if (c === "'" && (src[i + 1] === '\\' || src[i + 2] === "'" || (src.codePointAt(i + 1) > 0xffff && src[i + 3] === "'"))) {
      blank(literalEnd(src, i, "'")); // a char literal; 'a without a closing quote is a lifetime
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

/**
 * The names a `use` tree brings in: `a::{b, c::{self, d as e}, f::*}`.
 * @param {string} tree the text between `use` and `;`
 * @returns {{path: string[], name: string|null}[]} `name` null for a glob (`*`)
 */
export function useTree(tree) {
  const tokens = tree.replace(/\s+/g, ' ').match(/::|[{},*]|\bas\b|[A-Za-z_]\w*/g) ?? [];
  let k = 0;
  const out = [];
  const parse = (prefix) => {
    const path = [...prefix];
    if (tokens[k] === '::') k++; // a leading `::` (an extern crate)
    for (;;) {
      const t = tokens[k++];
      if (t === '{') {
        while (tokens[k] !== '}' && k < tokens.length) {
          parse(path);
          if (tokens[k] === ',') k++;
        }
        k++;
        return;
      }
      if (t === '*') {
        out.push({ path, name: null });
        return;
      }
      path.push(t);
      if (tokens[k] === '::') {
        k++;
        continue;
      }
      let name = t;
      if (t === 'self') path.pop(), (name = path[path.length - 1]);
      if (tokens[k] === 'as') (k += 1), (name = tokens[k++]);
      out.push({ path, name });
      return;
    }
  };
  parse([]);
  return out;
}

/**
 * What one Rust file says about modules: the modules it declares (`mod x;` or `mod x { ... }`),
 * its `use` items and the paths in its code, each with the inline module it sits in.
 * @param {string} src
 */
export function rustFacts(src) {
  const code = stripRust(src);
  // Inline modules: the scope (path of inline modules) of every position.
  const opens = new Map();
  for (const m of code.matchAll(/\bmod\s+([A-Za-z_]\w*)\s*\{/g)) opens.set(m.index + m[0].length - 1, m[1]);
  const scopeChanges = [[0, []]];
  const stack = [];
  for (let i = 0; i < code.length; i++) {
    if (code[i] === '{') {
      stack.push(opens.get(i) ?? null);
      if (opens.has(i)) scopeChanges.push([i, stack.filter(Boolean)]);
    } else if (code[i] === '}' && stack.pop()) {
      scopeChanges.push([i, stack.filter(Boolean)]);
    }
  }
  const scopeAt = (index) => scopeChanges.filter(([at]) => at <= index).pop()[1];

  const mods = [];
  for (const m of code.matchAll(/\bmod\s+([A-Za-z_]\w*)\s*([;{])/g)) {
    mods.push({ name: m[1], inline: m[2] === '{', scope: scopeAt(m.index) });
  }
  const uses = [];
  let rest = code;
  for (const m of code.matchAll(/\b(pub\s*(?:\([^)]*\))?\s*)?use\s+([^;]+);/g)) {
    const line = lineAt(code, m.index);
    const text = m[0].replace(/\s+/g, ' ');
    for (const u of useTree(m[2])) uses.push({ ...u, pub: Boolean(m[1]), scope: scopeAt(m.index), why: `line ${line}: ${text}` });
    rest = rest.slice(0, m.index) + m[0].replace(/[^\n]/g, ' ') + rest.slice(m.index + m[0].length);
  }
  const paths = [];
  for (const m of rest.matchAll(/(?<![\w:$])[A-Za-z_]\w*(?:\s*::\s*[A-Za-z_]\w*)+/g)) {
    paths.push({ segs: m[0].split('::').map((s) => s.trim()), scope: scopeAt(m.index), why: `line ${lineAt(code, m.index)}: ${m[0]}` });
  }
  return { mods, uses, paths, rest };
}

/** Files of the crate roots under `src`: lib.rs, main.rs, bin/x.rs, bin/x/main.rs. */
function crateRoots(src) {
  const roots = ['lib.rs', 'main.rs'].filter((f) => existsSync(join(src, f)));
  const bin = join(src, 'bin');
  if (existsSync(bin)) {
    for (const e of readdirSync(bin).sort()) {
      if (e.endsWith('.rs')) roots.push(`bin/${e}`);
      else if (existsSync(join(bin, e, 'main.rs'))) roots.push(`bin/${e}/main.rs`);
    }
  }
  return roots;
}

/**
 * The module graph of each crate under `src` (the library and each binary are crates of their
 * own), between files. A file depends on the file of every module it names through a `use` or a
 * path; a name re-exported by `pub use` counts as the module it comes from (so `crate::Trace` is
 * trace.rs, not lib.rs), and a `pub use` whose name the file does not use itself is no dependency
 * of that file. Declaring a child module (`mod x;`) is no dependency either.
 * @param {string} src e.g. crate/src
 * @returns {{root: string, graph: Map<string, Map<string, string>>, files: string[]}[]} files
 *   relative to `src`
 */
export function rustGraphs(src) {
  return crateRoots(src).map((root) => {
    const modules = loadModules(src, root);
    const files = [...new Set([...modules.values()].map((m) => m.file))].sort();
    const graph = new Map(files.map((f) => [f, new Map()]));
    for (const m of modules.values()) {
      if (m.inline) continue;
      const facts = m.facts;
      const within = (scope) => [...m.path, ...scope];
      for (const u of facts.uses) {
        // A re-export the file does not use is the dependency of whoever names it.
        if (u.pub && !(u.name && new RegExp(`\\b${u.name}\\b`).test(facts.rest))) continue;
        const abs = absolute(modules, within(u.scope), u.path);
        if (abs) addEdge(graph, m.file, fileOf(modules, resolve(modules, abs)), `${m.file} ${u.why}`);
      }
      for (const p of facts.paths) {
        const abs = absolute(modules, within(p.scope), p.segs);
        if (abs) addEdge(graph, m.file, fileOf(modules, resolve(modules, abs)), `${m.file} ${p.why}`);
      }
    }
    return { root, graph, files };
  });
}

const key = (path) => path.join('::');

// Every module of the crate whose root file is `root`: key -> {path, file, inline, children,
// facts, aliases (name -> use)}.
function loadModules(src, root) {
  const modules = new Map();
  const load = (file, path, childDir) => {
    const facts = rustFacts(readFileSync(join(src, file), 'utf8'));
    const mod = (p, inline) => {
      if (!modules.has(key(p))) modules.set(key(p), { path: p, file, inline, children: new Set(), facts, aliases: new Map() });
      return modules.get(key(p));
    };
    mod(path, false);
    // Inline modules first (a nested one comes after its parent), then the names `use` brings
    // into each module, then the child files.
    for (const d of facts.mods) {
      const parent = [...path, ...d.scope];
      modules.get(key(parent)).children.add(d.name);
      if (d.inline) mod([...parent, d.name], true);
    }
    for (const u of facts.uses) if (u.name) modules.get(key([...path, ...u.scope])).aliases.set(u.name, u);
    for (const d of facts.mods.filter((x) => !x.inline)) {
      const dir = join(childDir, ...d.scope);
      const flat = join(dir, `${d.name}.rs`);
      const nested = join(dir, d.name, 'mod.rs');
      const found = [flat, nested].find((f) => existsSync(join(src, f)));
      if (found) load(found, [...path, ...d.scope, d.name], join(dir, d.name));
    }
  };
  load(root, [], dirname(root) === '.' ? '' : dirname(root));
  return modules;
}

// The crate-absolute path of `segs` as written in module `at`, or null when it leaves the crate
// (std, an extern crate) or, for a path in code, does not start with a module or imported name.
function absolute(modules, at, segs, depth = 0) {
  const [first, ...rest] = segs;
  if (first === 'crate') return rest;
  if (first === 'self' || first === 'super') {
    let base = first === 'super' ? at.slice(0, -1) : at;
    let tail = rest;
    for (; tail[0] === 'super'; tail = tail.slice(1)) base = base.slice(0, -1);
    return [...base, ...tail];
  }
  const mod = modules.get(key(at));
  if (!mod || depth > 16) return null;
  if (mod.children.has(first)) return [...at, ...segs];
  const alias = mod.aliases.get(first);
  if (alias) {
    const base = absolute(modules, at, alias.path, depth + 1);
    return base && [...base, ...rest];
  }
  return null;
}

// The module that defines what `abs` names: down through child modules, through re-exports.
function resolve(modules, abs, depth = 0) {
  const at = [];
  for (let i = 0; i < abs.length; i++) {
    const mod = modules.get(key(at));
    if (mod.children.has(abs[i])) {
      at.push(abs[i]);
      continue;
    }
    const alias = mod.aliases.get(abs[i]);
    const target = alias && depth < 16 && absolute(modules, at, alias.path, depth + 1);
    if (target) return resolve(modules, [...target, ...abs.slice(i + 1)], depth + 1);
    break;
  }
  return at;
}

function fileOf(modules, path) {
  return modules.get(key(path)).file;
}

/**
 * Every .rs file under `src`, relative to it.
 * @param {string} src
 * @returns {string[]}
 */
export function rustFiles(src) {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(join(src, dir)).sort()) {
      const p = dir ? `${dir}/${e}` : e;
      if (statSync(join(src, p)).isDirectory()) walk(p);
      else if (e.endsWith('.rs')) out.push(p);
    }
  };
  walk('');
  return out;
}
