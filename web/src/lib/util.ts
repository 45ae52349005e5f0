// SPDX-License-Identifier: GPL-3.0-or-later
// Helpers that know nothing of the API or the UI text (those are in ../model).
import { createStore } from './store';

/** Ticks every 30 s so relative times ("breached 40m ago", ages) stay current. */
export const now = createStore(Date.now());
window.setInterval(() => now.set(Date.now()), 30000);

export function isEmpty(v: unknown) {
  return v === undefined || v === null || v === '';
}

export function debounce<A extends unknown[]>(fn: (...a: A) => void, ms: number) {
  let timer: number | undefined;
  return (...a: A) => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => fn(...a), ms);
  };
}
