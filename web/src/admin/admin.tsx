// SPDX-License-Identifier: GPL-3.0-or-later
// Admin pages: workflows (list and editor), organisation, users, channels, the API reference. Loaded as a separate chunk.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import { lang, useT } from '../i18n';
import { href, navigate } from '../state/router';
import { useStore } from '../lib/store';
import type { WorkflowSummary } from '../api/types';
import { errorText } from '../model/errors';
import { WorkflowEditor } from './editor';
import { Organisation } from './org';
import { Users } from './users';
import { Channels } from './channels';

export function Admin({ parts }: { parts: string[] }) {
  const t = useT();
  const [section, name] = parts;
  const tab = (path: string, label: string, active: boolean, testid: string) => (
    <a href={href(path)} class={active ? 'on' : ''} aria-current={active ? 'page' : undefined} data-testid={testid}>
      {label}
    </a>
  );
  const current = section ?? 'workflows';
  return (
    <section class="page admin-page">
      <nav class="tabs" aria-label={t('admin.title')}>
        {tab('/admin/workflows', t('admin.workflows'), current === 'workflows', 'admin-tab-workflows')}
        {tab('/admin/org', t('admin.org'), current === 'org', 'admin-tab-org')}
        {tab('/admin/users', t('admin.users'), current === 'users', 'admin-tab-users')}
        {tab('/admin/channels', t('admin.channels'), current === 'channels', 'admin-tab-channels')}
        {tab('/admin/api', t('admin.api'), current === 'api', 'admin-tab-api')}
      </nav>
      {current === 'workflows' && (name ? <WorkflowEditor name={name} key={name} /> : <WorkflowList />)}
      {current === 'org' && <Organisation />}
      {current === 'users' && <Users />}
      {current === 'channels' && <Channels />}
      {current === 'api' && <LazyApiReference />}
    </section>
  );
}

/** The API reference is its own chunk: only an admin who opens the tab downloads it. */
function LazyApiReference() {
  const t = useT();
  const [page, setPage] = useState<{ C: () => JSX.Element } | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    import('./apiref').then(
      (m) => setPage({ C: m.ApiReference }),
      () => setFailed(true),
    );
  }, []);
  if (failed) return <div class="form-error" role="alert">{t('error.server')}</div>;
  return page ? <page.C /> : <p class="muted">{t('loading')}</p>;
}

function WorkflowList() {
  const t = useT();
  const [list, setList] = useState<WorkflowSummary[] | null>(null);
  const [err, setErr] = useState('');
  const [newName, setNewName] = useState('');
  const language = useStore(lang); // titles come in the UI's language
  useEffect(() => {
    api.workflows().then(setList, (e) => setErr(errorText(e, t)));
  }, [language]);
  return (
    <>
      <div class="page-head">
        <h1>{t('admin.workflows')}</h1>
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            const n = newName.trim();
            if (/^[a-z0-9][a-z0-9-]*$/.test(n)) navigate(`/admin/workflows/${encodeURIComponent(n)}?new=1`);
          }}
        >
          <label for="new-wf-name" class="sr-only">{t('admin.newName')}</label>
          <input
            id="new-wf-name"
            placeholder={t('admin.newName')}
            title={t('admin.newNameHint')}
            pattern="[a-z0-9][a-z0-9\-]*"
            value={newName}
            onInput={(e) => setNewName(e.currentTarget.value)}
            data-testid="new-workflow-name"
          />
          <button type="submit" class="btn" data-testid="new-workflow-create">{t('admin.newWorkflow')}</button>
        </form>
      </div>
      {err && <div class="form-error" role="alert">{err}</div>}
      {list === null ? (
        !err && <p class="muted">{t('loading')}</p>
      ) : list.length === 0 ? (
        <p class="empty">{t('admin.noWorkflows')}</p>
      ) : (
        <table class="tickets" data-testid="workflow-list">
          <caption class="sr-only">{t('admin.workflows')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('col.key')}</th>
              <th scope="col">{t('col.title')}</th>
              <th scope="col" class="num">{t('admin.version')}</th>
              <th scope="col">{t('admin.startable')}</th>
              <th scope="col"><span class="sr-only">{t('col.actions')}</span></th>
            </tr>
          </thead>
          <tbody>
            {list.map((w) => (
              <tr key={w.name} data-testid={`workflow-row-${w.name}`}>
                <td>
                  <code>{w.name}</code>
                  {w.conflict && (
                    <span class="badge warn" title={w.conflict.message} data-testid={`workflow-conflict-${w.name}`}>
                      {' '}⚠ {t('admin.conflict')}
                    </span>
                  )}
                </td>
                <td>{w.title}</td>
                <td class="num">{w.version}</td>
                <td>{w.startable ? t('yes') : t('no')}</td>
                <td>
                  <a class="btn small" href={href(`/admin/workflows/${encodeURIComponent(w.name)}`)} data-testid={`edit-workflow-${w.name}`}>
                    {t('admin.edit')}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
