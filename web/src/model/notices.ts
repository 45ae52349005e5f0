// SPDX-License-Identifier: GPL-3.0-or-later
// A notice's sentence in the reader's language, from its kind and `params` (issue 16). The
// wording is one table, ../i18n/notices.json, which the server compiles in for the English
// `message` and for mail and SMS in the user's language (engine/runtime/noticetext.cpp builds
// the same sentences the same way): the bell, the toast and the mail say the same thing.
import table from '../i18n/notices.json';
import type { Lang } from '../i18n';

type Table = Record<string, string>;
const tables: Record<Lang, Table> = table;

export interface NoticeLike {
  kind?: string;
  message?: string;
  params?: Record<string, unknown> | null;
}

/** How the reader's screen shows people and instants (display names, local time). */
export interface NoticeWords {
  lang: Lang;
  person: (username: string) => string;
  time: (iso: string) => string;
}

function present(v: unknown) {
  return v !== undefined && v !== null && v !== '';
}

class Sentence {
  constructor(private params: Record<string, unknown>, private words: NoticeWords) {}

  private raw(key: string): string {
    return tables[this.words.lang][key] ?? tables.en[key] ?? '';
  }

  value(name: string): string {
    const v = this.params[name];
    if (v && typeof v === 'object') {
      const titles = v as Record<string, string>;
      return titles[this.words.lang] || titles.en || '';
    }
    if (typeof v === 'number') return String(v);
    const s = v == null ? '' : String(v);
    if (name === 'due') return this.words.time(s);
    if (name === 'by' || name === 'for') return this.words.person(s);
    if (name === 'strategy') return this.raw(`strategy.${s}`) || s;
    return s;
  }

  has(name: string) {
    return present(this.params[name]);
  }

  fill(key: string, extra: Record<string, string> = {}): string {
    return this.raw(key).replace(/\{(\w+)\}/g, (_m, name: string) => (name in extra ? extra[name] : this.value(name)));
  }

  escalation(): string {
    const percent = Number(this.params.percent ?? 0);
    const scope = this.params.scope === 'ticket' ? 'ticket.' : '';
    const extra = {
      target: this.fill(`target.${scope}${String(this.params.clock ?? '')}`),
      where: this.has('queue') ? this.fill('sla.where') : '',
    };
    let text = this.fill(percent < 100 ? 'sla.used' : percent === 100 ? 'sla.missed' : 'sla.escalated', extra);
    if (this.has('priority')) text += this.fill('sla.priority');
    if (this.has('moved_to')) text += this.fill('sla.moved');
    return text;
  }
}

/**
 * The notice's sentence for this reader; its stored (English) message when it has no params (a
 * notice from before they existed) or a kind this UI has no sentence for.
 */
export function noticeText(n: NoticeLike, words: NoticeWords): string {
  const params = n.params;
  const kind = n.kind ?? '';
  if (!params || !Object.keys(params).length) return n.message ?? '';
  const s = new Sentence(params, words);
  let text: string;
  if (kind === 'sla_warning' || kind === 'sla_breached' || kind === 'escalated') text = s.escalation();
  else if (kind === 'assigned') text = s.fill(s.has('by') ? 'assigned' : 'assigned.auto');
  else if (kind === 'transitioned') text = s.fill(s.has('by') ? 'transitioned' : 'transitioned.timed');
  // Own keys only: "constructor" or "toString" is in every object, not a sentence.
  else if (Object.hasOwn(tables.en, kind)) text = s.fill(kind);
  else return n.message ?? '';
  if (s.has('for')) text = s.fill('for') + text;
  return text;
}
