// SPDX-License-Identifier: GPL-3.0-or-later
// The customer the ticket is for, and their other open tickets.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Ticket } from '../../api/types';
import { TierBadge } from '../../components/sla';
import { useT } from '../../i18n';
import { href } from '../../state/router';

export function CustomerPanel({ tk }: { tk: Ticket }) {
  const t = useT();
  const c = tk.customer;
  const [others, setOthers] = useState<Ticket[] | null>(null);
  useEffect(() => {
    if (!c?.id) return;
    api.tickets({ customer: c.id, status: 'open', sort: 'due', limit: 20 }).then(
      (r) => setOthers(r.items.filter((x) => x.id !== tk.id)),
      () => setOthers(null),
    );
  }, [c?.id, tk.id]);
  return (
    <section class="card" aria-labelledby="cust-h" data-testid="customer-panel">
      <h2 id="cust-h">{t('ticket.customer')}</h2>
      {!c || (!c.id && !c.name) ? (
        <p class="muted">{t('ticket.noCustomer')}</p>
      ) : (
        <>
          <div class="cust-line">
            <TierBadge tier={c.tier} /> <strong>{c.name || c.id}</strong> {c.id && c.name && <span class="muted">{c.id}</span>}
          </div>
          {(c.phone || c.email) && (
            <div class="muted small">
              {c.phone} {c.phone && c.email && '·'} {c.email}
            </div>
          )}
          {c.id && (
            <div class="cust-tickets">
              <h3>{t('ticket.customerOther')}</h3>
              {others === null ? null : others.length === 0 ? (
                <p class="muted small">{t('ticket.customerNoOther')}</p>
              ) : (
                <ul class="mini-list">
                  {others.map((x) => (
                    <li key={x.id}>
                      <a href={href(`/tickets/${x.id}`)}>{x.key}</a> <span class="ellipsis">{x.title}</span>{' '}
                      <span class="muted small">{x.state_title || x.state}</span>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </>
      )}
    </section>
  );
}
