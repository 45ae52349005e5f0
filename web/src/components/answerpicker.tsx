// SPDX-License-Identifier: GPL-3.0-or-later
// A textarea that inserts standard answers ("one company, one voice"): "/" at the start of a
// word, or Ctrl+K anywhere, opens a list of the departments' answers filtered by the letters
// typed next; the arrows choose (the shared combobox.tsx keys), Enter inserts the answer where the caret was with its
// placeholders filled from the ticket and the agent, Escape closes and returns to the text;
// "//" types a slash.
import type { TextareaHTMLAttributes } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Answer, Customer, Ticket } from '../api/types';
import { lang, useT } from '../i18n';
import { useStore } from '../lib/store';
import { me } from '../state/session';
import { ComboList, useComboList } from './combobox';

/** What a reply's placeholders are filled from: the ticket, or (on the new-ticket form, before
 *  there is one) the customer typed so far. */
export interface AnswerContext {
  ticket: Ticket | null;
  customer?: Customer | null;
}

// The answers change rarely: fetched once a minute at most, filtered here as the agent types.
let cache: { at: number; items: Promise<Answer[]> } | null = null;
function answersOnce(): Promise<Answer[]> {
  if (!cache || Date.now() - cache.at > 60000) {
    const items = api.answers().then(
      (r) => r.items ?? [],
      () => ((cache = null), [] as Answer[]),
    );
    cache = { at: Date.now(), items };
  }
  return cache.items;
}
/** Forgets the cached answers (after an edit on the answers page). */
export function forgetAnswers() {
  cache = null;
}

/** `{customer.name}` and the like replaced by the ticket's and agent's values; unknown ones kept. */
export function fillPlaceholders(text: string, ticket: Ticket | null, agentName: string, customer: Customer | null = ticket?.customer ?? null): string {
  const values: Record<string, string | undefined> = {
    'customer.name': customer?.name,
    'customer.id': customer?.id,
    'customer.phone': customer?.phone,
    'ticket.key': ticket?.key,
    'ticket.title': ticket?.title,
    'agent.name': agentName,
  };
  return text.replace(/\{([a-z]+\.[a-z]+)\}/g, (whole, name: string) => values[name] || whole);
}

/** Answers whose titles or bodies (either language) hold every word of `query`; titles first. */
export function filterAnswers(items: Answer[], query: string): Answer[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return items;
  const scored: { a: Answer; title: boolean }[] = [];
  for (const a of items) {
    const titles = `${a.title.en}\n${a.title.zh}`.toLowerCase();
    const all = `${titles}\n${a.body.en}\n${a.body.zh}`.toLowerCase();
    if (words.every((w) => all.includes(w))) scored.push({ a, title: words.every((w) => titles.includes(w)) });
  }
  return [...scored.filter((x) => x.title), ...scored.filter((x) => !x.title)].map((x) => x.a);
}

type TextareaProps = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'value' | 'onInput' | 'ref' | 'onKeyDown'>;

/** A textarea with standard answers on "/" and Ctrl+K; `value`/`onValue` as a controlled input. */
export function AnswerTextarea({
  value,
  onValue,
  context,
  textareaRef,
  ...rest
}: TextareaProps & {
  value: string;
  onValue: (v: string) => void;
  context: AnswerContext;
  textareaRef?: { current: HTMLTextAreaElement | null };
}) {
  const t = useT();
  const uiLang = useStore(lang);
  const user = useStore(me);
  const own = useRef<HTMLTextAreaElement | null>(null);
  const search = useRef<HTMLInputElement | null>(null);
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [items, setItems] = useState<Answer[]>([]);
  const [bySlash, setBySlash] = useState(false);
  const [insertLang, setInsertLang] = useState<'en' | 'zh'>(uiLang === 'zh' ? 'zh' : 'en');
  const caret = useRef<[number, number]>([0, 0]);
  const placeCaret = useRef<number | null>(null);
  const baseId = rest.id ?? 'answer-text';

  const shown = filterAnswers(items, query).slice(0, 8);

  const show = (slash = false) => {
    setBySlash(slash);
    const el = own.current;
    caret.current = el ? [el.selectionStart ?? value.length, el.selectionEnd ?? value.length] : [value.length, value.length];
    setQuery('');
    combo.reset();
    setOpen(true);
    void answersOnce().then(setItems);
  };
  const close = () => {
    setOpen(false);
    own.current?.focus();
  };
  const insert = (a: Answer) => {
    const body = a.body[insertLang] || a.body.en || a.body.zh;
    const text = fillPlaceholders(body, context.ticket, user?.name || user?.username || '', context.customer ?? context.ticket?.customer ?? null);
    const [from, to] = caret.current;
    onValue(value.slice(0, from) + text + value.slice(to));
    placeCaret.current = from + text.length;
    close();
  };
  const { combo, list } = useComboList({
    items: shown,
    listId: `${baseId}-answers`,
    key: (a) => a.id,
    onPick: insert,
    open,
    onOpenChange: (o) => {
      if (!o) close();
    },
    label: t('answers.list'),
    empty: t('answers.none'),
    class: 'answer-list',
    testid: 'answer-options',
    optionTestid: (a) => `answer-option-${a.id}`,
  });

  useEffect(() => {
    if (open) search.current?.focus();
  }, [open]);
  useEffect(() => {
    // After an insertion, the caret goes behind the inserted text.
    if (placeCaret.current !== null && own.current) {
      own.current.setSelectionRange(placeCaret.current, placeCaret.current);
      placeCaret.current = null;
    }
  }, [value]);

  const onTextKey = (e: KeyboardEvent) => {
    const el = e.currentTarget as HTMLTextAreaElement;
    const before = el.value.slice(0, el.selectionStart ?? 0);
    const atWordStart = before === '' || /\s$/.test(before);
    if (open && bySlash && e.key === '/' && query === '') return typeSlash(e);
    if (open && e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      return close();
    }
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
      e.preventDefault();
      show();
    } else if (e.key === '/' && !e.ctrlKey && !e.metaKey && !e.altKey && atWordStart) {
      e.preventDefault();
      show(true);
    }
  };
  // "//": the writer wanted a slash after all (the second may come before the list has focus).
  const typeSlash = (e: KeyboardEvent) => {
    e.preventDefault();
    const [from, to] = caret.current;
    onValue(`${value.slice(0, from)}/${value.slice(to)}`);
    placeCaret.current = from + 1;
    close();
  };
  const onSearchKey = (e: KeyboardEvent) => {
    if (e.key === '/' && bySlash && query === '') typeSlash(e);
    else combo.onKeyDown(e);
  };

  return (
    <div class="answer-text">
      <textarea
        {...rest}
        ref={(el) => {
          own.current = el;
          if (textareaRef) textareaRef.current = el;
        }}
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
        onKeyDown={onTextKey}
        aria-keyshortcuts="Control+K /"
      />
      <div class="answer-bar">
        <button type="button" class="btn small linkish" onClick={() => show()} data-testid={`${baseId}-answers-open`} aria-haspopup="listbox" aria-expanded={open}>
          {t('answers.insert')}
        </button>
        <span class="muted small">{t('answers.keysHint')}</span>
      </div>
      {open && (
        <div class="answer-picker card" data-testid="answer-picker" onFocusOut={(e) => {
          const next = e.relatedTarget as Node | null;
          if (next && !e.currentTarget.contains(next) && next !== own.current) setOpen(false);
        }}>
          <div class="answer-picker-head">
            <input
              ref={search}
              type="text"
              {...combo.inputAria}
              aria-label={t('answers.find')}
              placeholder={t('answers.findHint')}
              value={query}
              onInput={(e) => {
                setQuery(e.currentTarget.value);
                combo.reset();
              }}
              onKeyDown={onSearchKey}
              data-testid="answer-search"
            />
            <label class="small">
              {t('answers.insertIn')}{' '}
              <select value={insertLang} onChange={(e) => setInsertLang(e.currentTarget.value as 'en' | 'zh')} data-testid="answer-lang">
                <option value="en">{t('lang.en')}</option>
                <option value="zh">{t('lang.zh')}</option>
              </select>
            </label>
          </div>
          <ComboList
            {...list}
            render={(a) => (
              <>
                <strong>{(uiLang === 'zh' ? a.title.zh : a.title.en) || a.title.en}</strong>{' '}
                <span class="muted small">{a.department_title || a.department}</span>
                <div class="small muted answer-preview">{a.body[insertLang] || a.body.en}</div>
              </>
            )}
          />
        </div>
      )}
    </div>
  );
}
