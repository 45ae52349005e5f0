// SPDX-License-Identifier: GPL-3.0-or-later
// Writes a brotli copy (NAME.br, quality 11) and a gzip copy (NAME.gz, level 9) beside each text
// file of dist/ larger than 1 KiB. The server sends the smallest form the browser accepts: the
// first load of the UI shrinks to about a third (quality.md: at most 60 KB transferred), with no
// compression work per request.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const compressible = /\.(js|mjs|css|html|svg|json|txt|webmanifest)$/;
let before = 0;
let gzipped = 0;
let brotli = 0;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      walk(path);
    } else if (compressible.test(name) && statSync(path).size > 1024) {
      const bytes = readFileSync(path);
      const packed = gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION });
      if (packed.length < bytes.length * 0.9) {
        const squeezed = brotliCompressSync(bytes, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
            [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
            [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
          },
        });
        writeFileSync(`${path}.gz`, packed);
        writeFileSync(`${path}.br`, squeezed);
        before += bytes.length;
        gzipped += packed.length;
        brotli += squeezed.length;
      }
    }
  }
}

walk(new URL('../dist', import.meta.url).pathname);
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
console.log(`compressed copies: ${kib(before)} -> gzip ${kib(gzipped)}, brotli ${kib(brotli)}`);
