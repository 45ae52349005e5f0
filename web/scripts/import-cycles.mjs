// SPDX-License-Identifier: GPL-3.0-or-later
// Fails when the static imports under src/ form a circle (a module reaching itself through its
// own imports), or when a folder below imports from a folder it may not use (README's "How it is
// built"). Circles make load order matter and hide which module depends on which; lazy
// `import()` calls do not count (they run after every module has loaded).
// Usage: node scripts/import-cycles.mjs [src-dir]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'src'));
const extensions = ['.ts', '.tsx', '/index.ts', '/index.tsx'];

function sourcesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourcesUnder(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** The files a module imports statically (`import … from './x'`, `export … from './x'`). */
function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const found = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+['"](\.[^'"]+)['"]/gms)) {
    const base = resolve(dirname(file), m[1]);
    const target = [base, ...extensions.map((e) => base + e)].find((p) => existsSync(p) && statSync(p).isFile());
    if (target) found.push(target);
  }
  return found;
}

const graph = new Map(sourcesUnder(root).map((f) => [f, importsOf(f)]));
const circles = [];
const state = new Map(); // file -> 'open' while on the current path, 'done' after
const path = [];
function visit(file) {
  state.set(file, 'open');
  path.push(file);
  for (const next of graph.get(file) ?? []) {
    if (state.get(next) === 'open') circles.push([...path.slice(path.indexOf(next)), next]);
    else if (!state.has(next)) visit(next);
  }
  path.pop();
  state.set(file, 'done');
}
for (const file of graph.keys()) if (!state.has(file)) visit(file);

// The folders at the bottom of the map: lib knows nothing of the API or the texts, so that
// everything may use it; model is what the UI knows of the API's values.
const mayUse = { lib: ['lib'], model: ['model', 'api', 'i18n', 'lib'] };
const folderOf = (file) => relative(root, file).split(/[\\/]/)[0];
const strays = [];
for (const [file, imports] of graph)
  for (const target of imports)
    if (mayUse[folderOf(file)] && !mayUse[folderOf(file)].includes(folderOf(target)))
      strays.push(`${relative(root, file)} imports ${relative(root, target)} (${folderOf(file)}/ may use ${mayUse[folderOf(file)].join(', ')})`);

for (const c of circles) console.error(`import circle: ${c.map((f) => relative(root, f)).join(' → ')}`);
for (const s of strays) console.error(`import outside the map: ${s}`);
if (circles.length || strays.length) process.exit(1);
console.log(`no import circles among ${graph.size} modules; lib and model import only what the map allows`);
