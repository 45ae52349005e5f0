// SPDX-License-Identifier: GPL-3.0-or-later
import { createStore } from '../lib/store';

export interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'success' | 'warn' | 'error';
  href?: string;
  linkText?: string;
}

export const toasts = createStore<Toast[]>([]);
let next = 1;

export function toast(text: string, kind: Toast['kind'] = 'info', href?: string, linkText?: string, ms = 6000) {
  const id = next++;
  toasts.update((list) => [...list.slice(-4), { id, text, kind, href, linkText }]);
  if (ms > 0) window.setTimeout(() => dismiss(id), ms);
  return id;
}

export function dismiss(id: number) {
  toasts.update((list) => list.filter((t) => t.id !== id));
}
