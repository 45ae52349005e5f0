// SPDX-License-Identifier: GPL-3.0-or-later
// A workflow field's form value: its label, first value, check, API value and display text.
import type { FieldDef } from '../api/types';
import type { T } from '../i18n';
import { isDateTimeValue } from './datetime';

export function fieldLabel(def: FieldDef) {
  if (def.label) return def.label;
  const s = def.name.replace(/[_-]+/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The raw form value (string or boolean) a field starts with. */
export function initialValue(def: FieldDef): string | boolean {
  if (def.type === 'bool') return def.default === true || def.default === 'true';
  if (def.default === undefined || def.default === null) return '';
  return String(def.default);
}

/**
 * A value the ticket has → the form's raw value. An instant stays as the API wrote it: the
 * date-time box shows it in local time and hands back what is typed, so an instant left alone
 * is the very same value (and not sent at all).
 */
export function formValueOf(def: FieldDef, cur: unknown): string | boolean {
  if (def.type === 'bool') return cur === true;
  return String(cur);
}

/** Checks a raw form value before sending; returns a message or ''. */
export function checkField(def: FieldDef, raw: string | boolean, required: boolean, t: T): string {
  if (def.type === 'bool') return '';
  const v = String(raw ?? '').trim();
  if (!v) return required ? t(def.type === 'choice' ? 'field.chooseOne' : 'field.required') : '';
  if (def.type === 'int' && !/^[+-]?\d+$/.test(v)) return t('field.int');
  if (def.type === 'decimal' && !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(v)) return t('field.decimal');
  if ((def.type === 'date' || def.type === 'datetime') && !isDateTimeValue(v, def.type === 'datetime'))
    return t(def.type === 'date' ? 'field.date' : 'field.datetime');
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

/** A field's value → display text: a choice option by its label in the reader's language. */
export function displayFieldValue(def: FieldDef | undefined, v: unknown, t: T): string {
  if (def?.type === 'choice' && typeof v === 'string' && def.option_labels?.[v]) return def.option_labels[v];
  return displayValue(v, t);
}
