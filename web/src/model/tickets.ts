// SPDX-License-Identifier: GPL-3.0-or-later
// A ticket as a list shows it: where it is now and which SLA counts.
import type { Ticket } from '../api/types';
import type { T } from '../i18n';

/** Where the ticket is now, in words: state title and queue or branches. */
export function whereNow(ticket: Ticket, t: T, titleOf: (queue: string) => string = (q) => q, nameOf: (username: string) => string = (u) => u): string {
  const state = ticket.state_title || ticket.state;
  if (ticket.status === 'closed') return `${state}`;
  if (ticket.branches?.length) {
    const open = ticket.branches.filter((b) => b.status === 'open').map((b) => titleOf(b.queue));
    return open.length ? `${state} · ${open.join(', ')}` : state;
  }
  if (ticket.queue) return `${state} · ${titleOf(ticket.queue)}`;
  if (ticket.assignee && ticket.assignee === ticket.originator) return `${state} · ${t('ticket.withOriginator', { user: nameOf(ticket.originator) })}`;
  return state;
}

/** The SLA that matters for a ticket seen from a queue: the branch's in that queue, else the step's. */
export function slaFor(ticket: Ticket, queue?: string) {
  if (queue && ticket.branches?.length) {
    const b = ticket.branches.find((x) => x.queue === queue && x.status === 'open');
    if (b) return { sla: b.sla ?? null, assignee: b.assignee, assigneeAway: !!b.assignee_away, branch: b.name };
  }
  return { sla: ticket.sla ?? null, assignee: ticket.assignee, assigneeAway: !!ticket.assignee_away, branch: undefined as string | undefined };
}
