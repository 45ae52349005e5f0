// SPDX-License-Identifier: GPL-3.0-or-later
// Supervisors: open / at risk / breached per queue, live.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import { useT } from '../i18n';
import { useLive } from '../api/live';
import { href } from '../state/router';
import type { QueueInfo } from '../api/types';
import { errorText } from '../model/errors';
import { useStore } from '../lib/store';
import { departmentTitles, loadDepartmentTitles, queueTitle } from '../state/queuetitles';

export function Dashboard() {
  const t = useT();
  const [queues, setQueues] = useState<QueueInfo[] | null>(null);
  const [err, setErr] = useState('');
  const deptTitles = useStore(departmentTitles);
  useEffect(loadDepartmentTitles, []);
  const load = () =>
    api.queues().then(
      (q) => {
        setQueues(q);
        setErr('');
      },
      (e) => setErr(errorText(e, t)),
    );
  useEffect(() => {
    void load();
    const iv = window.setInterval(load, 30000);
    return () => window.clearInterval(iv);
  }, []);
  useLive(() => void load(), (m) => m.type === 'ticket' || m.type === 'notification', 500);

  const byDept = new Map<string, QueueInfo[]>();
  for (const q of queues ?? []) byDept.set(q.department, [...(byDept.get(q.department) ?? []), q]);
  const total = (queues ?? []).reduce((a, q) => ({ open: a.open + q.open, at_risk: a.at_risk + q.at_risk, breached: a.breached + q.breached }), { open: 0, at_risk: 0, breached: 0 });
  const maxOpen = Math.max(1, ...(queues ?? []).map((q) => q.open));

  return (
    <section class="page">
      <div class="page-head">
        <h1>{t('dash.title')}</h1>
        <p class="muted">{t('dash.intro')}</p>
      </div>
      {err && <div class="form-error" role="alert">{err}</div>}
      {queues === null ? (
        !err && <p class="muted">{t('loading')}</p>
      ) : queues.length === 0 ? (
        <p class="empty">{t('dash.empty')}</p>
      ) : (
        <>
          <div class="stat-row" data-testid="dashboard-totals">
            <div class="stat"><span class="stat-n">{total.open}</span><span>{t('col.open')}</span></div>
            <div class="stat risk"><span class="stat-n">{total.at_risk}</span><span>{t('col.atRisk')}</span></div>
            <div class="stat breach"><span class="stat-n">{total.breached}</span><span>{t('col.breached')}</span></div>
          </div>
          <table class="tickets dash" data-testid="dashboard-table">
            <caption class="sr-only">{t('dash.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('col.department')}</th>
                <th scope="col">{t('col.queue')}</th>
                <th scope="col" class="num">{t('col.open')}</th>
                <th scope="col" class="num">{t('col.atRisk')}</th>
                <th scope="col" class="num">{t('col.breached')}</th>
                <th scope="col"><span class="sr-only">{t('col.open')}</span></th>
              </tr>
            </thead>
            <tbody>
              {[...byDept.entries()].map(([dept, qs]) =>
                qs.map((q, i) => (
                  <tr key={q.name} data-testid={`dashboard-row-${q.name}`}>
                    {i === 0 ? <td class="muted" title={dept} data-testid={`dashboard-dept-${dept}`}>{queueTitle(deptTitles, dept)}</td> : <td />}
                    <td><a href={href(`/queues/${encodeURIComponent(q.name)}`)}>{q.title || q.name}</a></td>
                    <td class="num" data-testid={`dash-open-${q.name}`}>{q.open}</td>
                    <td class={`num${q.at_risk ? ' risk-text' : ''}`} data-testid={`dash-risk-${q.name}`}>{q.at_risk}</td>
                    <td class={`num${q.breached ? ' breach-text' : ''}`} data-testid={`dash-breached-${q.name}`}>{q.breached}</td>
                    <td class="bar-cell" aria-hidden="true">
                      <span class="bar">
                        <span class="bar-ok" style={{ width: `${(Math.max(0, q.open - q.at_risk - q.breached) / maxOpen) * 100}%` }} />
                        <span class="bar-risk" style={{ width: `${(q.at_risk / maxOpen) * 100}%` }} />
                        <span class="bar-breach" style={{ width: `${(q.breached / maxOpen) * 100}%` }} />
                      </span>
                    </td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
