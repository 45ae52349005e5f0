// SPDX-License-Identifier: GPL-3.0-or-later
import { ApiError } from '../api/client';
import type { T } from '../i18n';
import { createStore } from './store';
import type { FieldDef, Ticket } from '../api/types';

/** A sentence for an error, in the viewer's language where the code is known. */
export function errorText(e: unknown, t: T): string {
  if (e instanceof ApiError) {
    switch (e.code) {
      case 'network':
        return t('error.server');
      case 'forbidden':
        return t('error.forbidden');
      case 'not_found':
        return t('error.notFound');
      case 'conflict':
        return t('error.conflict');
      case 'payload_too_large':
        return t('error.tooLarge');
      case 'rate_limited':
        return t('signin.rateLimited');
      case 'validation_failed':
        return e.message || t('error.validation');
    }
    if (e.status === 403) return t('error.forbidden');
    if (e.status === 404) return t('error.notFound');
    return e.message ? t('error.generic', { message: e.message }) : t('error.unknown');
  }
  return t('error.unknown');
}

/** Ticks every 30 s so relative times ("breached 40m ago", ages) stay current. */
export const now = createStore(Date.now());
window.setInterval(() => now.set(Date.now()), 30000);

export function fieldLabel(def: FieldDef) {
  if (def.label) return def.label;
  const s = def.name.replace(/[_-]+/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function isEmpty(v: unknown) {
  return v === undefined || v === null || v === '';
}

/** The raw form value (string or boolean) a field starts with. */
export function initialValue(def: FieldDef): string | boolean {
  if (def.type === 'bool') return def.default === true || def.default === 'true';
  if (def.default === undefined || def.default === null) return '';
  return String(def.default);
}

/** Checks a raw form value before sending; returns a message or ''. */
export function checkField(def: FieldDef, raw: string | boolean, required: boolean, t: T): string {
  if (def.type === 'bool') return '';
  const v = String(raw ?? '').trim();
  if (!v) return required ? t('field.required') : '';
  if (def.type === 'int' && !/^[+-]?\d+$/.test(v)) return t('field.int');
  if (def.type === 'decimal' && !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(v)) return t('field.decimal');
  if (def.pattern) {
    try {
      if (!new RegExp(def.pattern, 'u').test(v)) return t('field.pattern', { pattern: def.pattern });
    } catch {
      /* a pattern the browser cannot read: let the server judge */
    }
  }
  return '';
}

/** Raw form value → JSON value for the API; undefined when empty. */
export function toApiValue(def: FieldDef, raw: string | boolean): unknown {
  if (def.type === 'bool') return !!raw;
  const v = String(raw ?? '').trim();
  if (!v) return undefined;
  switch (def.type) {
    case 'int':
      return Number.parseInt(v, 10);
    case 'decimal':
      return Number(v);
    case 'datetime': {
      const d = new Date(v);
      return Number.isNaN(d.getTime()) ? v : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    default:
      return v;
  }
}

/** An API value → display text. */
export function displayValue(v: unknown, t: T): string {
  if (v === true) return t('yes');
  if (v === false) return t('no');
  if (v === null || v === undefined || v === '') return t('none');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Where the ticket is now, in words: state title and queue or branches. */
export function whereNow(ticket: Ticket, t: T, titleOf: (queue: string) => string = (q) => q): string {
  const state = ticket.state_title || ticket.state;
  if (ticket.status === 'closed') return `${state}`;
  if (ticket.branches?.length) {
    const open = ticket.branches.filter((b) => b.status === 'open').map((b) => titleOf(b.queue));
    return open.length ? `${state} · ${open.join(', ')}` : state;
  }
  if (ticket.queue) return `${state} · ${titleOf(ticket.queue)}`;
  if (ticket.assignee && ticket.assignee === ticket.originator) return `${state} · ${t('ticket.withOriginator', { user: ticket.originator })}`;
  return state;
}

/** The SLA that matters for a ticket seen from a queue: the branch's in that queue, else the step's. */
export function slaFor(ticket: Ticket, queue?: string) {
  if (queue && ticket.branches?.length) {
    const b = ticket.branches.find((x) => x.queue === queue && x.status === 'open');
    if (b) return { sla: b.sla ?? null, assignee: b.assignee, branch: b.name };
  }
  return { sla: ticket.sla ?? null, assignee: ticket.assignee, branch: undefined as string | undefined };
}

export function debounce<A extends unknown[]>(fn: (...a: A) => void, ms: number) {
  let timer: number | undefined;
  return (...a: A) => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => fn(...a), ms);
  };
}
