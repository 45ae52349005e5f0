#!/usr/bin/env node
// SPDX-License-Identifier: GPL-3.0-or-later
// Runs Baton's browser tests: `node run.mjs [NAME...]` runs ui/NAME.test.mjs (all without names)
// with node's built-in test runner; `node run.mjs --deps-only` only installs the dependencies.
//
// It builds nothing (CTest runs after the build) and never downloads a browser: playwright-core
// drives Debian's /usr/bin/chromium. Environment: BATON_BINARY (default build/baton),
// BATON_BROWSER_ARTIFACTS (default next to the binary, browser-artifacts/), BATON_BROWSER_TIMEOUT
// (seconds per test file, default 240).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);

/** npm ci when node_modules lacks a pinned dependency (playwright-core, axe-core) at its version. */
function ensureDependencies() {
  const lock = JSON.parse(fs.readFileSync(path.join(here, 'package-lock.json'), 'utf8'));
  const missing = Object.keys(lock.packages[''].dependencies ?? {}).filter((name) => {
    const wanted = lock.packages[`node_modules/${name}`].version;
    try {
      return JSON.parse(fs.readFileSync(path.join(here, 'node_modules', name, 'package.json'), 'utf8')).version !== wanted;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  console.log(`browser tests: installing ${missing.join(', ')} (npm ci)`);
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: here,
    stdio: 'inherit',
    env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
  });
  if (r.status !== 0) {
    console.error('browser tests: npm ci failed');
    process.exit(1);
  }
}

ensureDependencies();
if (args.includes('--deps-only')) process.exit(0);

const chromium = process.env.BATON_CHROMIUM || '/usr/bin/chromium';
if (!fs.existsSync(chromium)) {
  console.error(`browser tests: ${chromium} is missing; install Debian's chromium package (make test-deps)`);
  process.exit(1);
}

const names = args.length ? args : fs.readdirSync(path.join(here, 'ui')).filter((f) => f.endsWith('.test.mjs')).map((f) => f.replace(/\.test\.mjs$/, ''));
const files = names.map((n) => path.join(here, 'ui', `${n}.test.mjs`));
for (const f of files) if (!fs.existsSync(f)) {
  console.error(`browser tests: no such test file ${f}`);
  process.exit(2);
}
// The harness gives up on its own first (BATON_BROWSER_TIMEOUT, with the server's log); this is
// the runner's backstop for a hung file.
const perFile = Number(process.env.BATON_BROWSER_TIMEOUT || 240);
const started = Date.now();
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', `--test-timeout=${(perFile + 30) * 1000}`, ...files], {
  cwd: here,
  stdio: 'inherit',
  env: process.env,
});
console.log(`browser tests (${names.join(', ')}): ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(r.status ?? 1);
