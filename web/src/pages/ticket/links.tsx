// SPDX-License-Identifier: GPL-3.0-or-later
// Tickets linked to this one (opened from it, or it was opened from).
import type { Ticket } from '../../api/types';
import { useT } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { href } from '../../state/router';

export function Links({ tk }: { tk: Ticket }) {
  const t = useT();
  if (!tk.links?.length) return null;
  return (
    <section class="card" aria-labelledby="links-h" data-testid="links">
      <h2 id="links-h">{t('ticket.links')}</h2>
      <ul class="mini-list">
        {tk.links.map((l) => (
          <li key={l.id}>
            <span class="muted">{l.relation === 'opened_from' || l.relation === 'opened' ? t(`link.${l.relation}` as MessageKey) : l.relation}</span>{' '}
            <a href={href(`/tickets/${l.id}`)}>{l.key}</a> <span class="muted small">{l.workflow}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
