// SPDX-License-Identifier: GPL-3.0-or-later
// Everything that happened to the ticket, oldest first, each event in words.
import type { FieldDef, TicketEvent } from '../../api/types';
import { formatAge, formatTime, formatTimeFull, useT, type T } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { useStore } from '../../lib/store';
import { now } from '../../lib/util';
import { displayFieldValue, fieldLabel } from '../../model/fields';
import { usePersonName } from '../../state/people';

function str(v: unknown) {
  return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** State and action titles of a workflow version, so the timeline speaks in titles, not names. */
export interface Names {
  state: (name: string) => string;
  action: (name: string) => string;
  field: (name: string) => string;
  /** A field's definition, for its options' labels. */
  def?: (name: string) => FieldDef | undefined;
  /** A person's display name from their login. */
  person?: (username: string) => string;
}
export const noNames: Names = { state: (n) => n, action: (n) => n, field: (n) => n };

export function namesOf(states: unknown[], fields: FieldDef[]): Names {
  const stateTitles = new Map<string, string>();
  const actionTitles = new Map<string, string>();
  for (const s of states ?? []) {
    const st = s as { name?: string; title?: string; transitions?: { name?: string; title?: string }[] };
    if (st.name && st.title) stateTitles.set(st.name, st.title);
    for (const tr of st.transitions ?? []) if (tr.name && tr.title && !actionTitles.has(tr.name)) actionTitles.set(tr.name, tr.title);
  }
  const field = (n: string) => {
    const def = (fields ?? []).find((f) => f.name === n);
    return def ? fieldLabel(def) : n;
  };
  const def = (n: string) => (fields ?? []).find((f) => f.name === n);
  return { state: (n) => stateTitles.get(n) ?? n, action: (n) => actionTitles.get(n) ?? n, field, def };
}

/** Event data keys that carry people's own words, shown as they are under the event. */
const WORDS_KEYS = ['comment', 'reason', 'message'];

/** An event in words: "amy · took “Approve” → Departments act". */
const LINK_RELATIONS = ['opened_from', 'opened', 'relates_to', 'duplicate_of', 'duplicated_by', 'merged_into', 'merged_from'];

export function describeEvent(ev: TicketEvent, t: T, names: Names = noNames): { text: string; used: string[]; known: boolean } {
  const d = ev.data ?? {};
  const pick = (...keys: string[]) => {
    for (const k of keys) if (d[k] !== undefined && d[k] !== null && d[k] !== '') return { k, v: str(d[k]) };
    return null;
  };
  const used: string[] = [];
  const use = (...keys: string[]) => {
    const p = pick(...keys);
    if (p) used.push(p.k);
    return p?.v ?? '';
  };
  const person = (username: string) => (username ? names.person?.(username) ?? username : '');
  let text: string;
  let known = true;
  switch (ev.type) {
    case 'transitioned': {
      const action = d.action_title || d.title ? use('action_title', 'title', 'action') : names.action(use('action'));
      if (d.action_title || d.title) used.push('action');
      const to = d.to_title || d.state_title ? use('to_title', 'state_title', 'to', 'state') : names.state(use('to', 'state'));
      if (d.to_title || d.state_title) used.push('to', 'state');
      text = action ? t('event.transitioned', { action }) : '';
      if (to) text = text ? `${text} → ${to}` : t('event.transitionedTo', { to });
      break;
    }
    case 'assigned':
      text = t('event.assigned', { user: person(use('username', 'assignee', 'to', 'user')) || t('none') });
      break;
    case 'transferred':
      text = t('event.transferred', { queue: use('queue', 'to') || t('none') });
      break;
    case 'commented':
      text = d.internal ? t('event.commentedInternal') : t('event.commented');
      used.push('internal', 'body');
      break;
    case 'attached':
      text = t('event.attached', { name: use('name') || '' });
      used.push('attachment', 'size', 'content_type', 'sha256');
      break;
    case 'branch_completed':
      text = t('event.branch_completed', { branch: use('branch', 'name') || '' });
      break;
    case 'returned_to_originator':
      text = t('event.returned_to_originator', { user: person(use('originator', 'username', 'assignee')) });
      break;
    case 'linked': {
      const relation = use('relation');
      const word = LINK_RELATIONS.includes(relation) ? t(`link.${relation}` as MessageKey) : relation;
      text = t('event.linkedTo', { relation: word, key: use('key', 'id') });
      used.push('id', 'workflow', 'scheduled');
      break;
    }
    case 'closed':
      if (d.merged_into) {
        text = t('event.mergedInto', { key: use('merged_into_key', 'merged_into') });
        used.push('merged_into', 'state');
        break;
      }
      text = t('event.closed');
      break;
    case 'link_scheduled':
      text = t('event.link_scheduled', { workflow: use('workflow') || '', due: formatTime(use('due') || '') });
      break;
    case 'link_failed':
      text = t('event.link_failed', { workflow: use('workflow') || '', reason: use('reason') || '' });
      used.push('scheduled');
      break;
    case 'fields_changed': {
      const f = d.fields;
      text = t('event.fields_changed');
      if (f && typeof f === 'object') {
        text += `: ${Object.entries(f as Record<string, unknown>).map(([k, v]) => `${names.field(k)} = ${displayFieldValue(names.def?.(k), v, t)}`).join(', ')}`;
        used.push('fields');
      }
      break;
    }
    default: {
      const key = `event.${ev.type}` as MessageKey;
      const s = t(key);
      known = s !== key;
      text = known ? s : t('event.other', { type: ev.type });
    }
  }
  return { text, used, known };
}

function ago(iso: string, nowMs: number, t: T) {
  const a = formatAge(iso, nowMs, t);
  return a === t('ago.now') ? a : t('ago.past', { d: a });
}

export function Timeline({ events, names }: { events: TicketEvent[]; names: Names }) {
  const t = useT();
  const nowMs = useStore(now);
  const person = usePersonName();
  if (!events.length) return <p class="muted">{t('ticket.noEvents')}</p>;
  return (
    <ol class="timeline" data-testid="timeline">
      {events.map((ev) => {
        const { text, used, known } = describeEvent(ev, t, { ...names, person });
        // A described event shows only people's words besides its sentence (the engine's own data,
        // keys and names, would read as untranslated English); an unknown one shows its data.
        const rest = Object.entries(ev.data ?? {}).filter(
          ([k, v]) => !used.includes(k) && v !== null && v !== '' && typeof v !== 'object' && (!known || WORDS_KEYS.includes(k)),
        );
        const body = ev.type === 'commented' ? str(ev.data?.body) : '';
        return (
          <li key={ev.seq} class={`ev ev-${ev.type}${ev.data?.internal ? ' internal' : ''}`} data-testid={`event-${ev.type}`} data-seq={ev.seq}>
            <time dateTime={ev.at} title={formatTimeFull(ev.at)}>
              {formatTime(ev.at)} <span class="muted">({ago(ev.at, nowMs, t)})</span>
            </time>
            <div>
              <strong title={ev.actor ?? undefined}>{ev.actor ? person(ev.actor) : t('event.engine')}</strong> {text}
              {ev.data?.internal ? <span class="tag">{t('ticket.internalTag')}</span> : null}
              {body && <blockquote class="comment-body">{body}</blockquote>}
              {!!rest.length && (
                <div class="ev-data muted small">
                  {rest.map(([k, v]) => (known ? str(v) : `${k}: ${str(v)}`)).join(' · ')}
                </div>
              )}
            </div>
          </li>
        );
      })}
    </ol>
  );
}
