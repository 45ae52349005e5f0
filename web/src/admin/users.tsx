// SPDX-License-Identifier: GPL-3.0-or-later
// Admins: list, add, disable and edit users.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client';
import { useT } from '../i18n';
import { TimeZonePicker } from '../components/timezonepicker';
import { toast } from '../state/toasts';
import type { User } from '../api/types';
import { errorText } from '../model/errors';

const split = (s: string) => s.split(/[,\s，]+/).map((x) => x.trim()).filter(Boolean);

export function Users() {
  const t = useT();
  const [users, setUsers] = useState<User[] | null>(null);
  const [err, setErr] = useState('');
  const emptyForm = { username: '', name: '', password: '', departments: '', roles: '', email: '', phone: '', language: '', time_zone: '' };
  const [form, setForm] = useState(emptyForm);
  const [formErr, setFormErr] = useState('');
  const [fieldErrs, setFieldErrs] = useState<Record<string, string>>({});
  const [editing, setEditing] = useState<string | null>(null);
  const [edit, setEdit] = useState({ departments: '', roles: '', email: '', phone: '', language: '', time_zone: '' });

  const load = () => api.users().then(setUsers, (e) => setErr(errorText(e, t)));
  useEffect(() => {
    void load();
  }, []);

  const add = async (e: Event) => {
    e.preventDefault();
    setFormErr('');
    setFieldErrs({});
    try {
      const u = await api.createUser({
        username: form.username.trim(),
        name: form.name.trim(),
        password: form.password,
        departments: split(form.departments),
        roles: split(form.roles),
        email: form.email.trim(),
        phone: form.phone.trim(),
        language: form.language,
        time_zone: form.time_zone,
      });
      toast(t('users.added', { user: u.username }), 'success');
      setForm(emptyForm);
      void load();
    } catch (ex) {
      if (ex instanceof ApiError && ex.status === 409) setFormErr(t('users.taken'));
      else {
        if (ex instanceof ApiError) setFieldErrs(ex.fieldErrors);
        setFormErr(errorText(ex, t));
      }
    }
  };

  const [editErrs, setEditErrs] = useState<Record<string, string>>({});
  const patch = async (u: User, body: Parameters<typeof api.updateUser>[1]) => {
    setEditErrs({});
    try {
      await api.updateUser(u.username, body);
      toast(t('users.updated', { user: u.username }), 'success');
      setEditing(null);
      void load();
    } catch (ex) {
      // A refused field is named, so the admin knows which of the row's inputs to correct.
      const fields = ex instanceof ApiError ? ex.fieldErrors : {};
      setEditErrs(fields);
      const labels: Record<string, string> = {
        email: t('users.email'),
        phone: t('users.phone'),
        language: t('users.language'),
        time_zone: t('users.timeZone'),
        departments: t('users.departments'),
        roles: t('users.roles'),
      };
      const named = Object.entries(fields).map(([k, m]) => `${labels[k] ?? k}: ${m}`);
      toast(named.length ? named.join('; ') : errorText(ex, t), 'error');
    }
  };

  const languageSelect = (value: string, onChange: (v: string) => void, id: string, testId: string) => (
    <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)} data-testid={testId}>
      <option value="">{t('users.languageDefault')}</option>
      <option value="en">English</option>
      <option value="zh">中文</option>
    </select>
  );

  const input = (k: Exclude<keyof typeof form, 'language' | 'time_zone'>, label: string, type: 'text' | 'password' = 'text', hint?: string) => (
    <div class={`field${fieldErrs[k] ? ' has-error' : ''}`}>
      <label for={`user-${k}`}>
        {label} {hint && <span class="muted small">({hint})</span>}
      </label>
      {type === 'password' ? (
        <input
          id={`user-${k}`}
          type="password"
          autoComplete="new-password"
          value={form[k]}
          onInput={(e) => setForm({ ...form, [k]: e.currentTarget.value })}
          data-testid={`user-form-${k}`}
        />
      ) : (
        <input
          id={`user-${k}`}
          type="text"
          autoComplete="off"
          value={form[k]}
          onInput={(e) => setForm({ ...form, [k]: e.currentTarget.value })}
          data-testid={`user-form-${k}`}
        />
      )}
      {fieldErrs[k] && <div class="field-error">{fieldErrs[k]}</div>}
    </div>
  );

  return (
    <div class="users-page">
      <h1>{t('users.title')}</h1>
      {err && <div class="form-error" role="alert">{err}</div>}
      <form class="card user-form" onSubmit={add} data-testid="user-form">
        <h2>{t('users.add')}</h2>
        <div class="field-grid four">
          {input('username', t('users.username'))}
          {input('name', t('users.name'))}
          {input('password', t('users.password'), 'password')}
          {input('departments', t('users.departments'), 'text', t('users.listHint'))}
          {input('roles', t('users.roles'), 'text', t('users.listHint'))}
          {input('email', t('users.email'))}
          {input('phone', t('users.phone'))}
          <div class={`field${fieldErrs.language ? ' has-error' : ''}`}>
            <label for="user-language">{t('users.language')}</label>
            {languageSelect(form.language, (v) => setForm({ ...form, language: v }), 'user-language', 'user-form-language')}
            {fieldErrs.language && <div class="field-error">{fieldErrs.language}</div>}
          </div>
          <div class={`field${fieldErrs.time_zone ? ' has-error' : ''}`}>
            <TimeZonePicker
              value={form.time_zone}
              onChange={(z) => setForm({ ...form, time_zone: z })}
              id="user-time-zone"
              label={t('users.timeZone')}
              defaultLabel={t('users.timeZoneDefault')}
              testid="user-form-time-zone"
            />
            {fieldErrs.time_zone && <div class="field-error">{fieldErrs.time_zone}</div>}
          </div>
        </div>
        {formErr && <div class="form-error" role="alert">{formErr}</div>}
        <button type="submit" class="btn primary" disabled={!form.username.trim() || !form.password} data-testid="user-form-submit">{t('users.add')}</button>
      </form>
      {users && (
        <table class="tickets" data-testid="users-table">
          <caption class="sr-only">{t('users.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('users.username')}</th>
              <th scope="col">{t('users.name')}</th>
              <th scope="col">{t('users.departments')}</th>
              <th scope="col">{t('users.roles')}</th>
              <th scope="col">{t('users.contact')}</th>
              <th scope="col">{t('users.active')}</th>
              <th scope="col"><span class="sr-only">{t('col.actions')}</span></th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.username} class={u.active === false ? 'muted' : ''} data-testid={`user-row-${u.username}`}>
                <td><code>{u.username}</code></td>
                <td>{u.name}</td>
                {editing === u.username ? (
                  <>
                    <td>
                      <input aria-label={t('users.departments')} value={edit.departments} onInput={(e) => setEdit({ ...edit, departments: e.currentTarget.value })} />
                    </td>
                    <td>
                      <input aria-label={t('users.roles')} value={edit.roles} onInput={(e) => setEdit({ ...edit, roles: e.currentTarget.value })} />
                    </td>
                    <td class="user-contact-edit">
                      <input type="email" aria-label={t('users.email')} aria-invalid={editErrs.email ? true : undefined} placeholder={t('users.email')} value={edit.email} onInput={(e) => setEdit({ ...edit, email: e.currentTarget.value })} data-testid={`user-edit-email-${u.username}`} />
                      <input type="tel" aria-label={t('users.phone')} aria-invalid={editErrs.phone ? true : undefined} placeholder={t('users.phone')} value={edit.phone} onInput={(e) => setEdit({ ...edit, phone: e.currentTarget.value })} data-testid={`user-edit-phone-${u.username}`} />
                      <label class="sr-only" for={`user-edit-language-${u.username}`}>{t('users.language')}</label>
                      {languageSelect(edit.language, (v) => setEdit({ ...edit, language: v }), `user-edit-language-${u.username}`, `user-edit-language-${u.username}`)}
                      <TimeZonePicker
                        value={edit.time_zone}
                        onChange={(z) => setEdit({ ...edit, time_zone: z })}
                        id={`user-edit-time-zone-${u.username}`}
                        label={t('users.timeZone')}
                        defaultLabel={t('users.timeZoneDefault')}
                        testid={`user-edit-time-zone-${u.username}`}
                      />
                    </td>
                  </>
                ) : (
                  <>
                    <td>{u.departments.join(', ')}</td>
                    <td>{u.roles.join(', ')}</td>
                    <td>
                      {[u.email, u.phone, u.language === 'zh' ? '中文' : u.language === 'en' ? 'English' : '', u.time_zone].filter(Boolean).join(' · ')}
                    </td>
                  </>
                )}
                <td>{u.active === false ? t('users.disabled') : t('users.active')}</td>
                <td class="row">
                  {editing === u.username ? (
                    <>
                      <button type="button" class="btn small primary" onClick={() => patch(u, { departments: split(edit.departments), roles: split(edit.roles), email: edit.email.trim(), phone: edit.phone.trim(), language: edit.language as User['language'], time_zone: edit.time_zone })}>{t('save')}</button>
                      <button type="button" class="btn small ghost" onClick={() => setEditing(null)}>{t('cancel')}</button>
                    </>
                  ) : (
                    <button
                      type="button"
                      class="btn small"
                      aria-label={t('users.editRoles', { user: u.username })}
                      onClick={() => {
                        setEditing(u.username);
                        setEditErrs({});
                        setEdit({ departments: u.departments.join(', '), roles: u.roles.join(', '), email: u.email ?? '', phone: u.phone ?? '', language: u.language ?? '', time_zone: u.time_zone ?? '' });
                      }}
                    >
                      {t('admin.edit')}
                    </button>
                  )}
                  <button type="button" class="btn small ghost" onClick={() => patch(u, { active: u.active === false })} data-testid={`user-toggle-${u.username}`}>
                    {u.active === false ? t('users.enable') : t('users.disable')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
