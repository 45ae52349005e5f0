// SPDX-License-Identifier: GPL-3.0-or-later
// Search by ticket key or customer: an exact key opens the ticket directly.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import { TicketTable } from '../components/tickettable';
import { lang, useT } from '../i18n';
import { navigate, useRoute } from '../state/router';
import { useStore } from '../lib/store';
import type { Customer, Ticket } from '../api/types';
import { href } from '../state/router';
import { errorText } from '../model/errors';

export function Search() {
  const t = useT();
  const r = useRoute();
  const q = (r.query.get('q') ?? '').trim();
  const [items, setItems] = useState<Ticket[] | null>(null);
  const [err, setErr] = useState('');
  const [customers, setCustomers] = useState<Customer[]>([]);
  const language = useStore(lang); // state names come in the UI's language
  useEffect(() => {
    if (!q) return;
    let alive = true;
    setItems(null);
    setErr('');
    setCustomers([]);
    api.customers(q, 10).then(
      (r) => alive && setCustomers(r.items),
      () => {},
    );
    const byText = api.tickets({ q, sort: '-updated', limit: 50 });
    const byCustomer = api.tickets({ customer: q, sort: '-updated', limit: 50 }).catch(() => ({ items: [] as Ticket[], next_cursor: null }));
    Promise.all([byText, byCustomer]).then(
      ([a, b]) => {
        if (!alive) return;
        const seen = new Set<number>();
        const all = [...a.items, ...b.items].filter((x) => (seen.has(x.id) ? false : (seen.add(x.id), true)));
        const exact = all.find((x) => x.key.toLowerCase() === q.toLowerCase());
        if (exact && all.length === 1) {
          navigate(`/tickets/${exact.id}`);
          return;
        }
        setItems(all);
      },
      (e) => alive && setErr(errorText(e, t)),
    );
    return () => {
      alive = false;
    };
  }, [q, language]);
  return (
    <section class="page">
      <div class="page-head">
        <h1>{t('search.title', { q })}</h1>
      </div>
      {err && <div class="form-error" role="alert">{err}</div>}
      {customers.length > 0 && (
        <div class="card search-customers" data-testid="search-customers">
          <h2>{t('search.customers')}</h2>
          <ul class="mini-list">
            {customers.map((c) => (
              <li key={c.id}>
                <a href={href(`/customers/${encodeURIComponent(c.id ?? '')}`)}>{c.name || c.id}</a> <span class="muted">{c.id}</span> {c.phone}
              </li>
            ))}
          </ul>
        </div>
      )}
      {items === null ? (
        !err && <p class="muted">{t('loading')}</p>
      ) : items.length === 0 ? (
        <p class="empty">{t('search.empty', { q })}</p>
      ) : (
        <TicketTable caption={t('search.title', { q })} tickets={items} keyboard testid="search-table" columns={['priority', 'key', 'title', 'customer', 'tier', 'where', 'assignee', 'age', 'sla']} />
      )}
    </section>
  );
}
