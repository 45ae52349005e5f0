// SPDX-License-Identifier: GPL-3.0-or-later
// Work a queue: sorted by due, claim unassigned rows, j/k/Enter, filters; refreshed live.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import { TicketTable } from '../components/tickettable';
import { useT } from '../i18n';
import { useLive } from '../api/live';
import { href, navigate, useRoute } from '../state/router';
import { me } from '../state/session';
import { useStore } from '../lib/store';
import { toast } from '../state/toasts';
import type { QueueInfo, Ticket } from '../api/types';
import { errorText } from '../model/errors';
import { slaFor } from '../model/tickets';

export function Queues({ selected }: { selected?: string }) {
  const t = useT();
  const user = useStore(me)!;
  const r = useRoute();
  const [infos, setInfos] = useState<QueueInfo[]>([]);
  const [items, setItems] = useState<Ticket[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [err, setErr] = useState('');
  const [claiming, setClaiming] = useState<number | null>(null);
  const state = r.query.get('state') ?? '';
  const sla = r.query.get('sla') ?? '';
  const assignee = r.query.get('assignee') ?? '';

  const isAdminLike = user.roles.includes('admin') || user.roles.includes('supervisor');
  const mine = user.queues ?? [];
  const names = mine.length ? mine : isAdminLike ? infos.map((q) => q.name) : [];
  const queue = selected && (names.includes(selected) || isAdminLike) ? selected : names[0];

  const loadInfos = () => api.queues().then(setInfos, () => {});
  const load = async (more = false) => {
    if (!queue) return;
    try {
      const res = await api.tickets({
        queue,
        status: 'open',
        sort: 'due',
        state: state || undefined,
        sla: sla || undefined,
        assignee: assignee === 'me' ? 'me' : undefined,
        limit: 50,
        cursor: more ? cursor : undefined,
      });
      setItems((old) => (more && old ? [...old, ...res.items] : res.items));
      setCursor(res.next_cursor);
      setErr('');
    } catch (e) {
      setErr(errorText(e, t));
    }
  };

  useEffect(() => {
    void loadInfos();
  }, []);
  useEffect(() => {
    if (!selected && queue) navigate(`/queues/${encodeURIComponent(queue)}`);
  }, [selected, queue]);
  useEffect(() => {
    setItems(null);
    void load();
    const iv = window.setInterval(() => void load(), 60000);
    return () => window.clearInterval(iv);
  }, [queue, state, sla, assignee]);
  useLive(() => {
    void load();
    void loadInfos();
  });

  const setFilter = (k: string, v: string) => {
    const q = new URLSearchParams(r.query);
    if (v) q.set(k, v);
    else q.delete(k);
    const s = q.toString();
    navigate(`/queues/${encodeURIComponent(queue ?? '')}${s ? `?${s}` : ''}`);
  };

  const claim = async (tk: Ticket) => {
    setClaiming(tk.id);
    try {
      await api.claim(tk.id);
      toast(t('claimed', { key: tk.key }), 'success');
      await load();
    } catch (e) {
      toast(errorText(e, t), 'error');
      void load();
    } finally {
      setClaiming(null);
    }
  };

  const info = (name: string) => infos.find((q) => q.name === name);
  const shown = (items ?? []).filter((tk) => (assignee === 'none' ? !slaFor(tk, queue).assignee : true));
  const states = [...new Map((items ?? []).map((tk) => [tk.state, tk.state_title || tk.state])).entries()];
  if (state && !states.some(([s]) => s === state)) states.push([state, state]);
  const qi = queue ? info(queue) : undefined;

  if (!names.length) {
    return (
      <section class="page">
        <h1>{t('queues.title')}</h1>
        <p class="empty">{t('queues.none')}</p>
      </section>
    );
  }

  return (
    <section class="page queues-page">
      <nav class="queue-list" aria-label={t('queues.yours')}>
        <h2 class="small-head">{t('queues.yours')}</h2>
        <ul>
          {names.map((n) => {
            const q = info(n);
            return (
              <li key={n}>
                <a href={href(`/queues/${encodeURIComponent(n)}`)} class={n === queue ? 'active' : ''} aria-current={n === queue ? 'page' : undefined} data-testid={`queue-${n}`}>
                  <span class="ellipsis">{q?.title || n}</span>
                  {q && (
                    <span class="q-counts">
                      {q.breached > 0 && <span class="badge breach" title={t('col.breached')}>{q.breached}</span>}
                      {q.at_risk > 0 && <span class="badge risk" title={t('col.atRisk')}>{q.at_risk}</span>}
                      <span class="badge" title={t('col.open')}>{q.open}</span>
                    </span>
                  )}
                </a>
              </li>
            );
          })}
        </ul>
      </nav>
      <div class="queue-main">
        <div class="page-head">
          <h1>{qi?.title || queue}</h1>
          {qi && <span class="muted">{t('queues.counts', { open: qi.open, risk: qi.at_risk, breached: qi.breached })}</span>}
        </div>
        <div class="filters" role="group" aria-label={t('queues.title')}>
          <label>
            {t('queues.filterState')}
            <select value={state} onChange={(e) => setFilter('state', e.currentTarget.value)} data-testid="filter-state">
              <option value="">{t('queues.any')}</option>
              {states.map(([s, title]) => (
                <option key={s} value={s}>{title}</option>
              ))}
            </select>
          </label>
          <label>
            {t('queues.filterSla')}
            <select value={sla} onChange={(e) => setFilter('sla', e.currentTarget.value)} data-testid="filter-sla">
              <option value="">{t('queues.any')}</option>
              <option value="at_risk">{t('queues.slaAtRisk')}</option>
              <option value="breached">{t('queues.slaBreached')}</option>
            </select>
          </label>
          <label>
            {t('queues.filterAssignee')}
            <select value={assignee} onChange={(e) => setFilter('assignee', e.currentTarget.value)} data-testid="filter-assignee">
              <option value="">{t('queues.any')}</option>
              <option value="me">{t('queues.assigneeMe')}</option>
              <option value="none">{t('queues.assigneeNone')}</option>
            </select>
          </label>
          <span class="muted small kbd-hint">{t('queues.keys')}</span>
        </div>
        {err && <div class="form-error" role="alert">{err}</div>}
        {items === null ? (
          !err && <p class="muted">{t('loading')}</p>
        ) : shown.length === 0 ? (
          <p class="empty" data-testid="queue-empty">
            {state || sla || assignee ? t('queues.emptyFiltered') : t('queues.empty', { queue: qi?.title || queue || '' })}
          </p>
        ) : (
          <>
            <TicketTable
              caption={qi?.title || queue || ''}
              tickets={shown}
              queue={queue}
              keyboard
              testid="queue-table"
              onClaim={claim}
              claiming={claiming}
              columns={['priority', 'key', 'title', 'customer', 'tier', 'state', 'assignee', 'age', 'sla']}
            />
            {cursor && (
              <button type="button" class="btn" onClick={() => load(true)}>{t('loadMore')}</button>
            )}
          </>
        )}
      </div>
    </section>
  );
}
