// SPDX-License-Identifier: GPL-3.0-or-later
// The organisation as loaded from org.yaml: departments as a tree, queues with contacts, calendars.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import { lang, useT } from '../i18n';
import { useStore } from '../lib/store';
import type { Calendar, Department, QueueInfo } from '../api/types';
import { errorText } from '../model/errors';

export function Organisation() {
  const t = useT();
  const [depts, setDepts] = useState<Department[] | null>(null);
  const [queues, setQueues] = useState<QueueInfo[] | null>(null);
  const [cals, setCals] = useState<Calendar[] | null>(null);
  const [err, setErr] = useState('');
  const language = useStore(lang); // department and queue titles come in the UI's language
  useEffect(() => {
    const fail = (e: unknown) => setErr(errorText(e, t));
    api.departments().then(setDepts, fail);
    api.queues().then(setQueues, fail);
    api.calendars().then(setCals, fail);
  }, [language]);

  const children = (parent: string | null) =>
    (depts ?? []).filter((d) => (d.parent ?? null) === parent || (parent === null && d.parent && !(depts ?? []).some((x) => x.name === d.parent)));
  const tree = (parent: string | null, depth: number): preact.JSX.Element | null => {
    const list = children(parent);
    if (!list.length || depth > 20) return null;
    return (
      <ul class="tree">
        {list.map((d) => (
          <li key={d.name} data-testid={`dept-${d.name}`}>
            <strong>{d.title || d.name}</strong> <code class="muted">{d.name}</code>
            {d.calendar && <span class="muted small"> · {t('org.calendar', { name: d.calendar })}</span>}
            {tree(d.name, depth + 1)}
          </li>
        ))}
      </ul>
    );
  };
  const list = (v?: string[] | string | null) => (Array.isArray(v) ? v.join(', ') : v) || t('none');

  return (
    <div class="org-page">
      <h1>{t('admin.org')}</h1>
      {err && <div class="form-error" role="alert">{err}</div>}
      <div class="org-grid">
        <section class="card" aria-labelledby="org-d">
          <h2 id="org-d">{t('org.departments')}</h2>
          {depts === null ? <p class="muted">{t('loading')}</p> : depts.length ? tree(null, 0) : <p class="muted">{t('org.empty')}</p>}
        </section>
        <section class="card" aria-labelledby="org-c">
          <h2 id="org-c">{t('org.calendars')}</h2>
          {cals === null ? (
            <p class="muted">{t('loading')}</p>
          ) : cals.length === 0 ? (
            <p class="muted">{t('org.empty')}</p>
          ) : (
            cals.map((c) => (
              <div key={c.name} class="cal" data-testid={`calendar-${c.name}`}>
                <h3><code>{c.name}</code> <span class="muted small">{t('org.timezone')}: {c.timezone}</span></h3>
                {c.week && (
                  <dl class="week">
                    {Object.entries(c.week).map(([days, spans]) => (
                      <div key={days} class="meta-item">
                        <dt>{days}</dt>
                        <dd>{Array.isArray(spans) ? spans.join(', ') : String(spans)}</dd>
                      </div>
                    ))}
                  </dl>
                )}
                {!!c.holidays?.length && <p class="small"><span class="muted">{t('org.holidays')}:</span> {c.holidays.join(', ')}</p>}
                {!!c.workdays?.length && <p class="small"><span class="muted">{t('org.workdays')}:</span> {c.workdays.join(', ')}</p>}
              </div>
            ))
          )}
        </section>
      </div>
      <section class="card" aria-labelledby="org-q">
        <h2 id="org-q">{t('org.queues')}</h2>
        {queues === null ? (
          <p class="muted">{t('loading')}</p>
        ) : (
          <table class="tickets" data-testid="org-queues">
            <caption class="sr-only">{t('org.queues')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('col.queue')}</th>
                <th scope="col">{t('col.department')}</th>
                <th scope="col">{t('org.primary')}</th>
                <th scope="col">{t('org.backup')}</th>
                <th scope="col">{t('org.manager')}</th>
                <th scope="col">{t('org.escalateTo')}</th>
                <th scope="col" class="num">{t('col.open')}</th>
              </tr>
            </thead>
            <tbody>
              {queues.map((q) => (
                <tr key={q.name}>
                  <td>{q.title || q.name} {q.title && <code class="muted">{q.name}</code>}</td>
                  <td>{q.department}</td>
                  <td>{list(q.primary)}</td>
                  <td>{list(q.backup)}</td>
                  <td>{list(q.manager)}</td>
                  <td>{list(q.escalate_to)}</td>
                  <td class="num">{q.open}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
