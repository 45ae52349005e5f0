// SPDX-License-Identifier: GPL-3.0-or-later
// My tickets (where each one is now) and Back to me (the loop to close), both live.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import { backToMe, isBackToMe, refreshBackToMe } from '../state/backtome';
import { TicketTable } from '../components/tickettable';
import { useT } from '../i18n';
import { useLive } from '../api/live';
import { me } from '../state/session';
import { useStore } from '../lib/store';
import type { Ticket } from '../api/types';
import { errorText } from '../model/errors';

export function MyTickets() {
  const t = useT();
  const user = useStore(me);
  const [status, setStatus] = useState<'open' | 'closed'>('open');
  const [items, setItems] = useState<Ticket[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [err, setErr] = useState('');

  const load = async (more = false) => {
    try {
      const res = await api.tickets({ originator: 'me', status, sort: status === 'open' ? 'due' : '-updated', limit: 50, cursor: more ? cursor : undefined });
      setItems((old) => (more && old ? [...old, ...res.items] : res.items));
      setCursor(res.next_cursor);
      setErr('');
    } catch (e) {
      setErr(errorText(e, t));
    }
  };
  useEffect(() => {
    setItems(null);
    void load();
  }, [status]);
  useLive(() => void load());
  useEffect(() => {
    const iv = window.setInterval(() => void load(), 60000);
    return () => window.clearInterval(iv);
  }, [status]);

  return (
    <section class="page">
      <div class="page-head">
        <h1>{t('mine.title')}</h1>
        <div class="segmented" role="group" aria-label={t('ticket.status')}>
          {(['open', 'closed'] as const).map((s) => (
            <button key={s} type="button" class={status === s ? 'on' : ''} aria-pressed={status === s} onClick={() => setStatus(s)} data-testid={`mine-${s}`}>
              {s === 'open' ? t('mine.open') : t('mine.closed')}
            </button>
          ))}
        </div>
      </div>
      {err && <div class="form-error" role="alert">{err}</div>}
      {items === null ? (
        !err && <p class="muted">{t('loading')}</p>
      ) : items.length === 0 ? (
        <p class="empty" data-testid="mine-empty">{status === 'open' ? t('mine.empty') : t('mine.emptyClosed')}</p>
      ) : (
        <>
          <TicketTable
            caption={t('mine.title')}
            tickets={items}
            keyboard
            testid="mine-table"
            columns={['priority', 'key', 'title', 'customer', 'tier', 'where', 'assignee', 'age', 'sla']}
            highlight={(tk) => isBackToMe(tk, user?.username)}
          />
          {cursor && (
            <button type="button" class="btn" onClick={() => load(true)}>{t('loadMore')}</button>
          )}
        </>
      )}
    </section>
  );
}

export function BackToMe() {
  const t = useT();
  const items = useStore(backToMe);
  const [err, setErr] = useState('');
  const load = () => refreshBackToMe().then(() => setErr(''), (e) => setErr(errorText(e, t)));
  useEffect(() => {
    void load();
  }, []);
  useLive(() => void load());
  return (
    <section class="page">
      <div class="page-head">
        <h1>
          {t('back.title')} {items && items.length > 0 && <span class="badge loud">{items.length}</span>}
        </h1>
      </div>
      <p class="muted">{t('back.intro')}</p>
      {err && <div class="form-error" role="alert">{err}</div>}
      {items === null ? (
        !err && <p class="muted">{t('loading')}</p>
      ) : items.length === 0 ? (
        <p class="empty" data-testid="back-empty">{t('back.empty')}</p>
      ) : (
        <TicketTable
          caption={t('back.title')}
          tickets={items}
          keyboard
          testid="back-table"
          highlight={() => true}
          columns={['priority', 'key', 'title', 'customer', 'tier', 'state', 'age', 'sla']}
        />
      )}
    </section>
  );
}
