// SPDX-License-Identifier: GPL-3.0-or-later
// A customer's page (#/customers/ID): their details and their whole history on one screen, every
// department, newest first (the tickets the signed-in user may see).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { CustomerWithTickets } from '../api/types';
import { TierBadge } from '../components/sla';
import { TicketTable } from '../components/tickettable';
import { lang, useT } from '../i18n';
import { useStore } from '../lib/store';
import { errorText } from '../model/errors';

export function CustomerPage({ id }: { id: string }) {
  const t = useT();
  const [customer, setCustomer] = useState<CustomerWithTickets | null>(null);
  const [err, setErr] = useState('');
  const language = useStore(lang); // state titles come in the UI's language
  useEffect(() => {
    let alive = true;
    setErr('');
    api.customer(id).then(
      (c) => alive && setCustomer(c),
      (e) => alive && setErr(errorText(e, t)),
    );
    return () => {
      alive = false;
    };
  }, [id, language]);
  if (err) return <section class="page"><div class="form-error" role="alert">{err}</div></section>;
  if (!customer) return <section class="page"><p class="muted">{t('loading')}</p></section>;
  const open = customer.tickets.filter((x) => x.status === 'open').length;
  return (
    <section class="page customer-page" data-testid="customer-page">
      <div class="page-head">
        <h1>
          {customer.name || customer.id} {customer.tier && <TierBadge tier={customer.tier} />}
        </h1>
      </div>
      <dl class="customer-details card">
        <dt>{t('new.customerId')}</dt>
        <dd data-testid="customer-page-id">{customer.id}</dd>
        <dt>{t('new.customerPhone')}</dt>
        <dd>{customer.phone || '—'}</dd>
        <dt>{t('new.customerEmail')}</dt>
        <dd>{customer.email || '—'}</dd>
        <dt>{t('customer.counts')}</dt>
        <dd>{t('customer.countsValue', { open, all: customer.tickets.length })}</dd>
      </dl>
      {customer.tickets.length === 0 ? (
        <p class="empty">{t('customer.noTickets')}</p>
      ) : (
        <TicketTable
          caption={t('customer.historyOf', { name: customer.name || customer.id })}
          tickets={customer.tickets}
          keyboard
          testid="customer-tickets"
          columns={['key', 'title', 'state', 'where', 'assignee', 'age', 'sla']}
        />
      )}
    </section>
  );
}
