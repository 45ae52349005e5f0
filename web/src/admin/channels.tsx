// SPDX-License-Identifier: GPL-3.0-or-later
// Channels (issue 15): the plugins loaded with their versions (and those that failed), each
// channel of channels.yaml with its health, "send a test message", and the delivery log with
// its search and the retry of dead letters. Settings are never shown: the API does not send
// them (they may hold secrets).
import { useEffect, useState } from 'preact/hooks';
import { request } from '../api/client';
import { formatTimeFull, useT } from '../i18n';
import { errorText } from '../model/errors';

interface PluginList {
  loaded: { name: string; version: string; description: string; interface: string; file: string }[];
  failed: { name: string; file: string; reason: string }[];
}
interface Channel {
  name: string;
  plugin: string;
  plugin_loaded: boolean;
  events: string[];
  workflows: string[];
  last_success_at: string | null;
  last_failure_at: string | null;
  last_failure: string | null;
  pending: number;
  dead: number;
}
interface Delivery {
  id: string;
  channel: string;
  ticket_id: number | null;
  ticket_key: string | null;
  event: string;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  created_at: string | null;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
  last_error: string | null;
  receipt: string | null;
}
interface Search {
  ticket: string;
  channel: string;
  status: string;
}

const deliveryApi = {
  plugins: () => request<PluginList>('/admin/plugins'),
  channels: () => request<Channel[]>('/admin/channels'),
  deliveries: (s: Search) => {
    const q = new URLSearchParams();
    if (s.ticket.trim()) q.set('ticket', s.ticket.trim());
    if (s.channel) q.set('channel', s.channel);
    if (s.status) q.set('status', s.status);
    q.set('limit', '100');
    return request<Delivery[]>(`/admin/deliveries?${q}`);
  },
  retry: (id: string) => request<Delivery>(`/admin/deliveries/${encodeURIComponent(id)}/retry`, { method: 'POST' }),
  test: (name: string) =>
    request<{ channel: string; ok: boolean; result: string }>(`/admin/channels/${encodeURIComponent(name)}/test`, { method: 'POST' }),
};

export function Channels() {
  const t = useT();
  const [plugins, setPlugins] = useState<PluginList | null>(null);
  const [channels, setChannels] = useState<Channel[] | null>(null);
  const [err, setErr] = useState('');
  const [tests, setTests] = useState<Record<string, { busy: boolean; ok?: boolean; result?: string }>>({});
  const load = () => {
    const fail = (e: unknown) => setErr(errorText(e, t));
    deliveryApi.plugins().then(setPlugins, fail);
    deliveryApi.channels().then(setChannels, fail);
  };
  useEffect(load, []);

  const sendTest = async (name: string) => {
    setTests((s) => ({ ...s, [name]: { busy: true } }));
    try {
      const r = await deliveryApi.test(name);
      setTests((s) => ({ ...s, [name]: { busy: false, ok: r.ok, result: r.result } }));
    } catch (e) {
      setTests((s) => ({ ...s, [name]: { busy: false, ok: false, result: errorText(e, t) } }));
    }
    load();
  };
  const time = (iso: string | null) => (iso ? formatTimeFull(iso) : t('none'));

  return (
    <div class="channels-page">
      <h1>{t('channels.title')}</h1>
      {err && <div class="form-error" role="alert">{err}</div>}
      <section class="card" aria-labelledby="ch-plugins">
        <h2 id="ch-plugins">{t('channels.plugins')}</h2>
        {plugins === null ? (
          <p class="muted">{t('loading')}</p>
        ) : (
          <>
            {plugins.loaded.length === 0 && <p class="muted">{t('channels.noPlugins')}</p>}
            <ul data-testid="plugin-list">
              {plugins.loaded.map((p) => (
                <li key={p.name} data-testid={`plugin-${p.name}`}>
                  <strong>{p.name}</strong> <span class="muted">{t('channels.version', { version: p.version })}</span>
                  {p.description && <> · {p.description}</>}
                </li>
              ))}
              {plugins.failed.map((p) => (
                <li key={p.file} class="form-error" data-testid={`plugin-failed-${p.name}`}>
                  {t('channels.pluginFailed', { name: p.name, reason: p.reason })}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
      <section class="card" aria-labelledby="ch-channels">
        <h2 id="ch-channels">{t('channels.channels')}</h2>
        {channels === null ? (
          <p class="muted">{t('loading')}</p>
        ) : channels.length === 0 ? (
          <p class="muted">{t('channels.noChannels')}</p>
        ) : (
          <table class="tickets" data-testid="channel-list">
            <caption class="sr-only">{t('channels.channels')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('channels.name')}</th>
                <th scope="col">{t('channels.plugin')}</th>
                <th scope="col">{t('channels.events')}</th>
                <th scope="col">{t('channels.lastSuccess')}</th>
                <th scope="col">{t('channels.lastFailure')}</th>
                <th scope="col" class="num">{t('channels.pending')}</th>
                <th scope="col" class="num">{t('channels.dead')}</th>
                <th scope="col"><span class="sr-only">{t('col.actions')}</span></th>
              </tr>
            </thead>
            <tbody>
              {channels.map((c) => {
                const test = tests[c.name];
                return (
                  <tr key={c.name} data-testid={`channel-${c.name}`}>
                    <td><code>{c.name}</code></td>
                    <td>
                      {c.plugin}
                      {!c.plugin_loaded && <span class="badge warn"> {t('channels.notLoaded')}</span>}
                    </td>
                    <td>{c.events.length ? c.events.join(', ') : t('channels.allEvents')}</td>
                    <td>{time(c.last_success_at)}</td>
                    <td>
                      {time(c.last_failure_at)}
                      {c.last_failure && <div class="small muted" data-testid={`channel-failure-${c.name}`}>{c.last_failure}</div>}
                    </td>
                    <td class="num">{c.pending}</td>
                    <td class="num">{c.dead}</td>
                    <td>
                      <button
                        type="button"
                        class="btn small"
                        disabled={test?.busy}
                        aria-label={t('channels.testLabel', { name: c.name })}
                        onClick={() => sendTest(c.name)}
                        data-testid={`channel-test-${c.name}`}
                      >
                        {test?.busy ? t('channels.testing') : t('channels.test')}
                      </button>
                      {test && !test.busy && (
                        <div role="status" class={test.ok ? 'small' : 'small form-error'} data-testid={`channel-test-result-${c.name}`}>
                          {test.ok ? t('channels.testOk', { result: test.result ?? '' }) : t('channels.testFailed', { result: test.result ?? '' })}
                        </div>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      <DeliveryLog channels={channels ?? []} onRetried={load} />
    </div>
  );
}

function DeliveryLog({ channels, onRetried }: { channels: Channel[]; onRetried: () => void }) {
  const t = useT();
  const [search, setSearch] = useState<Search>({ ticket: '', channel: '', status: '' });
  const [rows, setRows] = useState<Delivery[] | null>(null);
  const [err, setErr] = useState('');
  const run = (s: Search) => {
    setErr('');
    deliveryApi.deliveries(s).then(setRows, (e) => setErr(errorText(e, t)));
  };
  useEffect(() => run(search), []);
  const retry = async (id: string) => {
    try {
      await deliveryApi.retry(id);
    } catch (e) {
      setErr(errorText(e, t));
    }
    run(search);
    onRetried();
  };
  const status = (s: Delivery['status']) => t(`channels.status.${s}` as 'channels.status.pending');
  const time = (iso: string | null) => (iso ? formatTimeFull(iso) : t('none'));

  return (
    <section class="card" aria-labelledby="ch-log">
      <h2 id="ch-log">{t('channels.log')}</h2>
      <form
        class="row"
        role="search"
        aria-label={t('channels.search')}
        onSubmit={(e) => {
          e.preventDefault();
          run(search);
        }}
      >
        <label for="log-ticket">{t('channels.ticket')}</label>
        <input
          id="log-ticket"
          placeholder="IT-42"
          value={search.ticket}
          onInput={(e) => setSearch({ ...search, ticket: e.currentTarget.value })}
          data-testid="log-ticket"
        />
        <label for="log-channel">{t('channels.channel')}</label>
        <select id="log-channel" value={search.channel} onChange={(e) => setSearch({ ...search, channel: e.currentTarget.value })} data-testid="log-channel">
          <option value="">{t('channels.any')}</option>
          {channels.map((c) => (
            <option key={c.name} value={c.name}>{c.name}</option>
          ))}
        </select>
        <label for="log-status">{t('channels.statusLabel')}</label>
        <select id="log-status" value={search.status} onChange={(e) => setSearch({ ...search, status: e.currentTarget.value })} data-testid="log-status">
          <option value="">{t('channels.any')}</option>
          <option value="pending">{t('channels.status.pending')}</option>
          <option value="delivered">{t('channels.status.delivered')}</option>
          <option value="dead">{t('channels.status.dead')}</option>
        </select>
        <button type="submit" class="btn" data-testid="log-search">{t('channels.searchButton')}</button>
      </form>
      {err && <div class="form-error" role="alert">{err}</div>}
      {rows === null ? (
        !err && <p class="muted">{t('loading')}</p>
      ) : rows.length === 0 ? (
        <p class="empty">{t('channels.noDeliveries')}</p>
      ) : (
        <table class="tickets" data-testid="delivery-log">
          <caption class="sr-only">{t('channels.log')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('channels.deliveryId')}</th>
              <th scope="col">{t('channels.ticket')}</th>
              <th scope="col">{t('channels.channel')}</th>
              <th scope="col">{t('channels.event')}</th>
              <th scope="col">{t('channels.statusLabel')}</th>
              <th scope="col" class="num">{t('channels.attempts')}</th>
              <th scope="col">{t('channels.lastAttempt')}</th>
              <th scope="col">{t('channels.outcome')}</th>
              <th scope="col"><span class="sr-only">{t('col.actions')}</span></th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.id} data-testid={`delivery-${d.id}`}>
                <td><code>{d.id}</code></td>
                <td>{d.ticket_key ?? d.ticket_id ?? t('none')}</td>
                <td>{d.channel}</td>
                <td>{d.event}</td>
                <td>
                  <span class={d.status === 'dead' ? 'badge warn' : 'badge'}>{status(d.status)}</span>
                  {d.status === 'pending' && d.next_attempt_at && (
                    <div class="small muted">{t('channels.nextAttempt', { at: time(d.next_attempt_at) })}</div>
                  )}
                </td>
                <td class="num">{d.attempts}</td>
                <td>{time(d.last_attempt_at)}</td>
                <td class="small">{d.status === 'delivered' ? d.receipt : d.last_error}</td>
                <td>
                  {d.status === 'dead' && (
                    <button
                      type="button"
                      class="btn small"
                      aria-label={t('channels.retryLabel', { id: d.id })}
                      onClick={() => retry(d.id)}
                      data-testid={`retry-${d.id}`}
                    >
                      {t('channels.retry')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
