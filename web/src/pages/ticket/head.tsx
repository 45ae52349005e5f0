// SPDX-License-Identifier: GPL-3.0-or-later
// The ticket's head card (key, title, where it is, its actions) and its facts (queue, people, times).
import { formatTime, formatTimeFull, useT } from '../../i18n';
import type { FieldDef, Ticket } from '../../api/types';
import { useStore } from '../../lib/store';
import { me, workflows } from '../../state/session';
import { ActionBar } from './actions';
import { ReopenButton } from './links';
import { useEffect } from 'preact/hooks';
import { loadQueueTitles, queueTitle, queueTitles } from '../../state/queuetitles';
import { usePersonName } from '../../state/people';
import { SlaBadge, urgentSla } from '../../components/sla';
import { PersonName } from '../../components/awaybadge';

export function TicketHead({ tk, fields, onDone }: { tk: Ticket; fields: FieldDef[]; onDone: (t?: Ticket) => void }) {
  const t = useT();
  // The workflow by its title in the page's language (the id on hover), as queues and states.
  const wfs = useStore(workflows);
  return (
    <header class="ticket-head card">
      <div class="ticket-title">
        <span class="ticket-key" data-testid="ticket-key">{tk.key}</span>
        <h1 data-testid="ticket-title">{tk.title}</h1>
      </div>
      <div class="ticket-sub">
        <span class={`state-pill${tk.status === 'closed' ? ' closed' : ''}`} data-testid="ticket-state">{tk.state_title || tk.state}</span>
        <span
          class={(tk.state_title || tk.state).toLowerCase() === 'closed' || tk.status === 'open' ? 'sr-only' : 'muted'}
          data-testid="ticket-status"
          data-status={tk.status}
        >
          {t(tk.status === 'closed' ? 'ticket.status.closed' : 'ticket.status.open')}
        </span>
        {tk.status === 'open' && (
          <span class="ticket-urgent">
            <span class="sr-only">{t('ticket.slaUrgent')}: </span>
            <SlaBadge sla={urgentSla(tk)} testid="ticket-sla" />
          </span>
        )}
        {tk.flagged && <span class="flag" data-testid="ticket-flagged">⚑ {t('ticket.flagged')}</span>}
        <span class="muted small" title={tk.workflow} data-testid="ticket-workflow">
          {wfs.find((w) => w.name === tk.workflow)?.title || tk.workflow} {t('ticket.version', { n: tk.workflow_version })}
        </span>
      </div>
      <ActionBar tk={tk} fields={fields} actions={tk.actions ?? []} onDone={onDone} />
      <ReopenButton tk={tk} onDone={onDone} />
    </header>
  );
}

export function TicketMeta({ tk }: { tk: Ticket }) {
  const t = useT();
  const user = useStore(me)!;
  const titles = useStore(queueTitles);
  useEffect(loadQueueTitles, []);
  const name = usePersonName();
  return (
    <dl class="meta card" data-testid="ticket-meta">
      <Meta label={t('ticket.queue')} value={tk.queue ? queueTitle(titles, tk.queue) : t('none')} title={tk.queue ?? undefined} testid="ticket-queue" />
      <Meta
        label={t('ticket.assignee')}
        value={tk.assignee ? <PersonName name={tk.assignee} away={tk.assignee_away} self={user.username} testid="ticket-assignee" /> : t('unassigned')}
        title={tk.assignee ?? undefined}
        testid="ticket-assignee"
      />
      <Meta label={t('ticket.originator')} value={name(tk.originator)} title={tk.originator} testid="ticket-originator" />
      <Meta label={t('ticket.priority')} value={String(tk.priority)} testid="ticket-priority" />
      <Meta label={t('ticket.handoffs')} value={String(tk.handoffs)} testid="ticket-handoffs" />
      <Meta label={t('ticket.created')} value={formatTime(tk.created_at)} title={formatTimeFull(tk.created_at)} />
      <Meta label={t('ticket.updated')} value={formatTime(tk.updated_at)} title={formatTimeFull(tk.updated_at)} />
      {tk.closed_at && <Meta label={t('ticket.closedAt')} value={formatTime(tk.closed_at)} title={formatTimeFull(tk.closed_at)} />}
    </dl>
  );
}

function Meta({ label, value, title, testid }: { label: string; value: preact.ComponentChildren; title?: string; testid?: string }) {
  return (
    <div class="meta-item">
      <dt>{label}</dt>
      <dd title={title} data-testid={testid}>{value}</dd>
    </div>
  );
}
