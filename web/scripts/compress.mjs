// SPDX-License-Identifier: GPL-3.0-or-later
// Writes a gzip copy (NAME.gz, level 9) beside each text file of dist/ larger than 1 KiB. The
// server sends it to browsers that accept gzip: the first load of the UI shrinks to about a
// third (quality.md: at most 60 KB transferred), with no compression work per request.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, constants } from 'node:zlib';

const compressible = /\.(js|mjs|css|html|svg|json|txt|webmanifest)$/;
let before = 0;
let after = 0;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      walk(path);
    } else if (compressible.test(name) && statSync(path).size > 1024) {
      const bytes = readFileSync(path);
      const packed = gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION });
      if (packed.length < bytes.length * 0.9) {
        writeFileSync(`${path}.gz`, packed);
        before += bytes.length;
        after += packed.length;
      }
    }
  }
}

walk(new URL('../dist', import.meta.url).pathname);
console.log(`gzip copies: ${(before / 1024).toFixed(0)} KiB -> ${(after / 1024).toFixed(0)} KiB`);
