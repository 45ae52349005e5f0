// SPDX-License-Identifier: GPL-3.0-or-later
// A tiny hash router: "#/tickets/42?tab=x" → { path: "/tickets/42", parts: ["tickets","42"], query }.
// Hash routes keep the server simple: it serves index.html at "/" and nothing else needs rewriting.
import { createStore, useStore } from '../lib/store';

export interface Route {
  path: string;
  parts: string[];
  query: URLSearchParams;
}

function parse(): Route {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, q = ''] = raw.split('?', 2);
  const clean = path.startsWith('/') ? path : `/${path}`;
  return { path: clean, parts: clean.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(q) };
}

export const route = createStore<Route>(parse());
window.addEventListener('hashchange', () => route.set(parse()));

export function navigate(path: string) {
  const target = `#${path}`;
  if (location.hash === target) route.set(parse());
  else location.hash = target;
}

export function useRoute() {
  return useStore(route);
}

export function href(path: string) {
  return `#${path}`;
}
