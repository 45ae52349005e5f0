#!/usr/bin/env node
// SPDX-License-Identifier: GPL-3.0-or-later
// Runs the OpenAPI contract test (contract.test.mjs) with node's test runner, after installing
// its pinned validator (ajv, ajv-formats; package-lock.json) with `npm ci` when node_modules lacks
// it. Environment: BATON_BINARY (default build/baton), BATON_SOURCE_DIR.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const lock = JSON.parse(fs.readFileSync(path.join(here, 'package-lock.json'), 'utf8'));
const installed = (name) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(here, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
};
if (['ajv', 'ajv-formats'].some((name) => installed(name) !== lock.packages[`node_modules/${name}`].version)) {
  console.log('openapi contract: installing ajv (npm ci)');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: here, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('openapi contract: npm ci failed');
    process.exit(1);
  }
}
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', path.join(here, 'contract.test.mjs')], { cwd: here, stdio: 'inherit' });
process.exit(r.status ?? 1);
