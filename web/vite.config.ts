// SPDX-License-Identifier: GPL-3.0-or-later
import { defineConfig } from 'vite';

// The UI is embedded in the baton binary and served at "/", so asset URLs are absolute.
// During development, `npm run dev` proxies the API to a local `baton serve`.
export default defineConfig({
  base: '/',
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Mermaid is large but only loaded on the admin editor page.
    chunkSizeWarningLimit: 4000,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: {
      '/api/v1/stream': { target: 'ws://127.0.0.1:8080', ws: true },
      '/api': 'http://127.0.0.1:8080',
    },
  },
});
