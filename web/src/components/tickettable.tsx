// SPDX-License-Identifier: GPL-3.0-or-later
// The dense ticket table used by queues, my tickets, back to me and search; j/k/Enter to move and open.
import { PersonName } from './awaybadge';
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatAge, formatTimeFull, useT } from '../i18n';
import { href, navigate } from '../state/router';
import { me } from '../state/session';
import { useStore } from '../lib/store';
import type { Ticket } from '../api/types';
import { now } from '../lib/util';
import { slaFor, whereNow } from '../model/tickets';
import { SlaBadge, TierBadge, urgentSla } from './sla';
import { loadQueueTitles, queueTitle, queueTitles } from '../state/queuetitles';
import { usePersonName } from '../state/people';

export type Column = 'priority' | 'key' | 'title' | 'customer' | 'tier' | 'state' | 'where' | 'queue' | 'assignee' | 'age' | 'sla' | 'updated';

interface Props {
  tickets: Ticket[];
  columns: Column[];
  queue?: string;
  onClaim?: (t: Ticket) => void;
  claiming?: number | null;
  highlight?: (t: Ticket) => boolean;
  keyboard?: boolean;
  testid?: string;
  caption: string;
}

function isTyping(el: Element | null) {
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || (el as HTMLElement).isContentEditable);
}

export function TicketTable({ tickets, columns, queue, onClaim, claiming, highlight, keyboard, testid, caption }: Props) {
  const t = useT();
  const name = usePersonName();
  const nowMs = useStore(now);
  const titles = useStore(queueTitles);
  useEffect(loadQueueTitles, []);
  const user = useStore(me);
  const [sel, setSel] = useState(0);
  const body = useRef<HTMLTableSectionElement>(null);

  useEffect(() => {
    if (sel >= tickets.length) setSel(Math.max(0, tickets.length - 1));
  }, [tickets.length]);

  useEffect(() => {
    if (!keyboard) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(document.activeElement)) return;
      if (e.key === 'j' || e.key === 'k') {
        e.preventDefault();
        // Moving with j/k takes over from a focused link elsewhere (e.g. the navigation just
        // clicked), so that Enter then opens the selected row.
        const active = document.activeElement as HTMLElement | null;
        if (active && active !== document.body && !body.current?.contains(active)) active.blur();
        setSel((s) => {
          const n = Math.min(Math.max(0, s + (e.key === 'j' ? 1 : -1)), tickets.length - 1);
          body.current?.querySelectorAll('tr')[n]?.scrollIntoView({ block: 'nearest' });
          return n;
        });
      } else if (e.key === 'Enter' && tickets[sel] && !(document.activeElement instanceof HTMLButtonElement || document.activeElement instanceof HTMLAnchorElement)) {
        e.preventDefault();
        navigate(`/tickets/${tickets[sel].id}`);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [keyboard, tickets, sel]);

  const head: Record<Column, string> = {
    priority: t('col.priority'), key: t('col.key'), title: t('col.title'), customer: t('col.customer'), tier: t('col.tier'), state: t('col.state'),
    where: t('col.where'), queue: t('col.queue'), assignee: t('col.assignee'), age: t('col.age'), sla: t('col.sla'),
    updated: t('col.updated'),
  };

  return (
    <table class="tickets" data-testid={testid}>
      <caption class="sr-only">{caption}</caption>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c} class={`col-${c}`} scope="col" title={c === 'priority' ? t('col.priorityLong') : undefined}>{head[c]}</th>
          ))}
          {onClaim && <th class="col-claim" scope="col"><span class="sr-only">{t('col.actions')}</span></th>}
        </tr>
      </thead>
      <tbody ref={body}>
        {tickets.map((tk, i) => {
          const { assignee, assigneeAway } = slaFor(tk, queue);
          const hl = highlight?.(tk);
          return (
            <tr
              key={tk.id}
              class={`${keyboard && i === sel ? 'selected' : ''}${hl ? ' highlight' : ''}${tk.flagged ? ' flagged' : ''}`}
              data-testid={`ticket-row-${tk.key}`}
              data-key={tk.key}
              aria-selected={keyboard ? i === sel : undefined}
              onClick={() => setSel(i)}
            >
              {columns.map((c) => {
                switch (c) {
                  case 'priority':
                    return <td key={c} class="col-priority num">{tk.priority}</td>;
                  case 'key':
                    return (
                      <td key={c} class="col-key">
                        <a href={href(`/tickets/${tk.id}`)} data-testid={`open-${tk.key}`}>{tk.key}</a>
                      </td>
                    );
                  case 'title':
                    return <td key={c} class="col-title" title={tk.title}>{tk.title}</td>;
                  case 'customer':
                    return <CustomerCell key={c} tk={tk} />;
                  case 'tier':
                    return <td key={c} class="col-tier"><TierBadge tier={tk.customer?.tier} /></td>;
                  case 'state':
                    return <td key={c} class="col-state">{tk.state_title || tk.state}</td>;
                  case 'where':
                    return <td key={c} class="col-where">{whereNow(tk, t, (q) => queueTitle(titles, q), name)}</td>;
                  case 'queue':
                    return <td key={c} class="col-queue" title={tk.queue ?? undefined}>{tk.queue ? queueTitle(titles, tk.queue) : t('none')}</td>;
                  case 'assignee':
                    return (
                      <td key={c} class={`col-assignee${assignee ? '' : ' muted'}`} title={assignee ?? undefined} data-testid={`assignee-${tk.key}`}>
                        {assignee ? <PersonName name={assignee} away={assigneeAway} self={user?.username} testid={`assignee-${tk.key}`} /> : t('unassigned')}
                      </td>
                    );
                  case 'age':
                    return <td key={c} class="col-age" title={formatTimeFull(tk.created_at)}>{formatAge(tk.created_at, nowMs, t)}</td>;
                  case 'updated':
                    return <td key={c} class="col-age" title={formatTimeFull(tk.updated_at)}>{formatAge(tk.updated_at, nowMs, t)}</td>;
                  case 'sla':
                    return <td key={c} class="col-sla"><SlaBadge sla={urgentSla(tk)} testid={`sla-${tk.key}`} /></td>;
                }
              })}
              {onClaim && (
                <td class="col-claim">
                  {!assignee && tk.status === 'open' && (
                    <button
                      type="button"
                      class="btn small"
                      data-testid={`claim-${tk.key}`}
                      aria-label={t('claim.label', { key: tk.key })}
                      disabled={claiming === tk.id}
                      onClick={(e) => {
                        e.stopPropagation();
                        onClaim(tk);
                      }}
                    >
                      {t('claim')}
                    </button>
                  )}
                </td>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Who the customer is: name (else id) and phone, the whole record on hover. */
function CustomerCell({ tk }: { tk: Ticket }) {
  const c = tk.customer;
  const name = c?.name || c?.id || '';
  const full = [c?.name, c?.phone, c?.id].filter(Boolean).join(' · ');
  return (
    <td class={`col-customer${name || c?.phone ? '' : ' muted'}`} title={full || undefined} data-testid={`customer-${tk.key}`}>
      {name && <span class="cust-name">{name}</span>}
      {c?.phone && <span class="cust-phone muted small">{c.phone}</span>}
      {!name && !c?.phone && '—'}
    </td>
  );
}
