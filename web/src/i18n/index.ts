// SPDX-License-Identifier: GPL-3.0-or-later
// The language store, the translate function and time/duration formatting in the viewer's zone.
import { createStore, useStore } from '../lib/store';
import { en, type Dict, type MessageKey } from './en';
import { zh } from './zh';

export type Lang = 'en' | 'zh';
const dicts: Record<Lang, Dict> = { en, zh };
const STORAGE_KEY = 'baton.lang';

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'en' || saved === 'zh') return saved;
  } catch {
    /* storage disabled */
  }
  return navigator.language?.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export const lang = createStore<Lang>(initialLang());

function applyLang(l: Lang) {
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
  document.title = dicts[l]['app.name'];
}
applyLang(lang.get());

export function setLang(l: Lang) {
  try {
    localStorage.setItem(STORAGE_KEY, l);
  } catch {
    /* storage disabled */
  }
  applyLang(l);
  lang.set(l);
}

export type Vars = Record<string, string | number>;
export type T = (key: MessageKey, vars?: Vars) => string;

export function translate(l: Lang, key: MessageKey, vars?: Vars): string {
  const s = dicts[l][key] ?? en[key] ?? key;
  if (!vars) return s;
  return s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

export function t(key: MessageKey, vars?: Vars) {
  return translate(lang.get(), key, vars);
}

/** Re-renders the caller when the language changes. */
export function useT(): T {
  const l = useStore(lang);
  return (key, vars) => translate(l, key, vars);
}

/** Whole seconds → "2h 10m" / "2小时10分" (two largest units). */
export function formatDuration(seconds: number, tr: T = t): string {
  const s = Math.max(0, Math.round(Math.abs(seconds)));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts: string[] = [];
  if (d) parts.push(tr('dur.d', { n: d }));
  if (h) parts.push(tr('dur.h', { n: h }));
  if (m && parts.length < 2) parts.push(tr('dur.m', { n: m }));
  if (!parts.length) parts.push(s >= 60 ? tr('dur.m', { n: 1 }) : tr('dur.s', { n: s }));
  return parts.slice(0, 2).join(tr('dur.sep'));
}

function locale() {
  return lang.get() === 'zh' ? 'zh-CN' : 'en-GB';
}

/** An instant in the viewer's time zone, e.g. "23 Nov 16:30". */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), {
    month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
    year: d.getFullYear() === new Date().getFullYear() ? undefined : 'numeric',
  }).format(d);
}

/** Full instant with zone name, for hover titles. */
export function formatTimeFull(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), {
    year: 'numeric', month: 'short', day: 'numeric', weekday: 'short',
    hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
  }).format(d);
}

/** Wall-clock age since an instant: "3h 5m". */
export function formatAge(iso: string | null | undefined, now = Date.now(), tr: T = t): string {
  if (!iso) return '';
  const ms = now - new Date(iso).getTime();
  if (!Number.isFinite(ms)) return '';
  if (ms < 60000) return tr('ago.now');
  return formatDuration(ms / 1000, tr);
}
