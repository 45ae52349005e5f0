// SPDX-License-Identifier: GPL-3.0-or-later
// Tickets linked to this one (opened from it, or it was opened from).
import type { Ticket } from '../../api/types';
import { formatTime, useT } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { href } from '../../state/router';

export function Links({ tk }: { tk: Ticket }) {
  const t = useT();
  const pending = tk.pending_links ?? [];
  if (!tk.links?.length && !pending.length) return null;
  return (
    <section class="card" aria-labelledby="links-h" data-testid="links">
      <h2 id="links-h">{t('ticket.links')}</h2>
      <ul class="mini-list">
        {pending.map((p) => (
          <li key={`pending-${p.workflow}-${p.due_at}`} data-testid="pending-link">
            <span class="muted">{t('link.pending', { due: p.due_at ? formatTime(p.due_at) : '' })}</span>{' '}
            <span class="small">{p.workflow}</span>
          </li>
        ))}
        {(tk.links ?? []).map((l) => (
          <li key={l.id}>
            <span class="muted">{l.relation === 'opened_from' || l.relation === 'opened' ? t(`link.${l.relation}` as MessageKey) : l.relation}</span>{' '}
            <a href={href(`/tickets/${l.id}`)}>{l.key}</a> <span class="muted small">{l.workflow}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
