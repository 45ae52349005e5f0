// SPDX-License-Identifier: GPL-3.0-or-later
// Standard answers: the departments' answers, searchable; admins and supervisors publish and
// change them (every change a new version, kept with who and when) and read their history.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client';
import type { Answer, AnswerInput, AnswerVersion, Department } from '../api/types';
import { forgetAnswers } from '../components/answerpicker';
import { formatTime, formatTimeFull, lang, useT } from '../i18n';
import { submitKeys } from '../lib/forms';
import { useStore } from '../lib/store';
import { errorText } from '../model/errors';
import { me } from '../state/session';
import { toast } from '../state/toasts';

export function AnswersPage() {
  const t = useT();
  const language = useStore(lang);
  const user = useStore(me)!;
  const [q, setQ] = useState('');
  const [withdrawn, setWithdrawn] = useState(false);
  const [items, setItems] = useState<Answer[] | null>(null);
  const [placeholders, setPlaceholders] = useState<string[]>([]);
  const [departments, setDepartments] = useState<Department[]>([]);
  const [editing, setEditing] = useState<Answer | 'new' | null>(null);
  const [history, setHistory] = useState<Answer | null>(null);
  const [err, setErr] = useState('');
  const publishes = user.roles.includes('admin') || user.roles.includes('supervisor');

  const load = async () => {
    try {
      const r = await api.answers({ q, withdrawn });
      setItems(r.items ?? []);
      setPlaceholders(r.placeholders ?? []);
      setErr('');
    } catch (e) {
      setErr(errorText(e, t));
    }
  };
  useEffect(() => {
    const timer = window.setTimeout(() => void load(), 150);
    return () => window.clearTimeout(timer);
  }, [q, withdrawn, language]);
  useEffect(() => {
    void api.departments().then(setDepartments, () => setDepartments([]));
  }, [language]);

  const title = (a: { title: { en: string; zh: string } }) => (language === 'zh' ? a.title.zh : a.title.en) || a.title.en;
  const saved = () => {
    setEditing(null);
    forgetAnswers();
    void load();
  };

  return (
    <section class="page" data-testid="answers-page" aria-labelledby="answers-h">
      <div class="page-head">
        <h1 id="answers-h">{t('answers.title')}</h1>
        {publishes && (
          <button type="button" class="btn primary" onClick={() => setEditing('new')} data-testid="answer-new">{t('answers.new')}</button>
        )}
      </div>
      <p class="muted small">{t('answers.intro')}</p>
      <div class="filters">
        <label>
          {t('answers.search')}{' '}
          <input type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} data-testid="answers-search" />
        </label>
        <label class="check">
          <input type="checkbox" checked={withdrawn} onChange={(e) => setWithdrawn(e.currentTarget.checked)} data-testid="answers-withdrawn" />
          {t('answers.showWithdrawn')}
        </label>
      </div>
      {err && <div class="form-error" role="alert">{err}</div>}
      {editing && (
        <AnswerForm
          answer={editing === 'new' ? null : editing}
          departments={departments}
          placeholders={placeholders}
          onCancel={() => setEditing(null)}
          onSaved={saved}
        />
      )}
      {items === null ? (
        <p class="muted">{t('loading')}</p>
      ) : !items.length ? (
        <p class="empty" data-testid="answers-empty">{q ? t('answers.noneFor', { q }) : t('answers.empty')}</p>
      ) : (
        <table class="tickets" data-testid="answers-table">
          <caption class="sr-only">{t('answers.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('answers.colTitle')}</th>
              <th scope="col">{t('answers.colDepartment')}</th>
              <th scope="col">{t('answers.colVersion')}</th>
              <th scope="col">{t('answers.colChanged')}</th>
              <th scope="col"><span class="sr-only">{t('col.actions')}</span></th>
            </tr>
          </thead>
          <tbody>
            {items.map((a) => (
              <tr key={a.id} data-testid={`answer-row-${a.id}`} class={a.active ? '' : 'muted'}>
                <td class="col-title" title={a.body[language === 'zh' ? 'zh' : 'en']}>
                  {title(a)}
                  {!a.active && <span class="tag"> {t('answers.withdrawn')}</span>}
                </td>
                <td>{a.department_title || a.department}</td>
                <td class="num">{a.version}</td>
                <td title={formatTimeFull(a.updated_at)}>{t('answers.changedBy', { at: formatTime(a.updated_at), by: a.updated_by })}</td>
                <td class="row-buttons">
                  {a.editable && (
                    <button type="button" class="btn small" onClick={() => setEditing(a)} aria-label={t('answers.editLabel', { title: title(a) })} data-testid={`answer-edit-${a.id}`}>
                      {t('answers.edit')}
                    </button>
                  )}
                  <button type="button" class="btn small ghost" onClick={() => setHistory(history?.id === a.id ? null : a)} aria-expanded={history?.id === a.id} aria-label={t('answers.historyLabel', { title: title(a) })} data-testid={`answer-history-${a.id}`}>
                    {t('answers.history')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {history && <AnswerHistory answer={history} key={`${history.id}-${history.version}`} />}
    </section>
  );
}

function AnswerForm({ answer, departments, placeholders, onCancel, onSaved }: {
  answer: Answer | null; departments: Department[]; placeholders: string[]; onCancel: () => void; onSaved: () => void;
}) {
  const t = useT();
  const user = useStore(me)!;
  const [department, setDepartment] = useState(answer?.department ?? user.departments[0] ?? '');
  const [titleEn, setTitleEn] = useState(answer?.title.en ?? '');
  const [titleZh, setTitleZh] = useState(answer?.title.zh ?? '');
  const [bodyEn, setBodyEn] = useState(answer?.body.en ?? '');
  const [bodyZh, setBodyZh] = useState(answer?.body.zh ?? '');
  const [active, setActive] = useState(answer?.active ?? true);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  // Admins publish for any department; a supervisor for theirs (the server has the last word).
  const choices = user.roles.includes('admin') ? departments : departments.filter((d) => user.departments.includes(d.name) || d.name === answer?.department);

  const submit = async () => {
    const body: AnswerInput = { department, title: { en: titleEn, zh: titleZh }, body: { en: bodyEn, zh: bodyZh }, active };
    setBusy(true);
    setErr('');
    try {
      if (answer) await api.updateAnswer(answer.id, { ...body, version: answer.version });
      else await api.createAnswer(body);
      toast(t('answers.saved'), 'success');
      onSaved();
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        setErrors(e.fieldErrors);
        setErr(e.message || t('error.validation'));
      } else setErr(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };
  const field = (key: string, label: string, value: string, set: (v: string) => void, multiline: boolean) => {
    const id = `answer-${key.replace('.', '-')}`;
    const e = errors[key];
    const props = {
      id,
      value,
      'aria-invalid': e ? true : undefined,
      'aria-describedby': e ? `${id}-error` : undefined,
      'data-testid': id,
      onInput: (ev: Event) => set((ev.currentTarget as HTMLInputElement).value),
    };
    return (
      <div class={`field${multiline ? ' field-wide' : ''}`}>
        <label for={id}>{label}</label>
        {multiline ? <textarea rows={4} {...props} /> : <input type="text" {...props} />}
        {e && <div class="field-error" id={`${id}-error`}>{e}</div>}
      </div>
    );
  };
  return (
    <form class="card answer-form" data-testid="answer-form" noValidate {...submitKeys(submit, onCancel)} aria-labelledby="answer-form-h">
      <h2 id="answer-form-h">{answer ? t('answers.editTitle', { n: answer.version }) : t('answers.new')}</h2>
      <div class="field-grid">
        <div class="field">
          <label for="answer-department">{t('answers.colDepartment')}</label>
          <select id="answer-department" value={department} onChange={(e) => setDepartment(e.currentTarget.value)} data-testid="answer-department"
            aria-invalid={errors.department ? true : undefined} aria-describedby={errors.department ? 'answer-department-error' : undefined}>
            {!department && <option value="">{t('field.choose')}</option>}
            {choices.map((d) => <option key={d.name} value={d.name}>{d.title || d.name}</option>)}
          </select>
          {errors.department && <div class="field-error" id="answer-department-error">{errors.department}</div>}
        </div>
        <div class="field">
          <label class="check">
            <input type="checkbox" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} data-testid="answer-active" />
            {t('answers.active')}
          </label>
        </div>
        {field('title.en', t('answers.titleEn'), titleEn, setTitleEn, false)}
        {field('title.zh', t('answers.titleZh'), titleZh, setTitleZh, false)}
        {field('body.en', t('answers.bodyEn'), bodyEn, setBodyEn, true)}
        {field('body.zh', t('answers.bodyZh'), bodyZh, setBodyZh, true)}
      </div>
      <p class="muted small">{t('answers.placeholders', { list: placeholders.map((p) => `{${p}}`).join(' ') })}</p>
      {err && <div class="form-error" role="alert">{err}</div>}
      <div class="form-buttons">
        <button type="submit" class="btn primary" disabled={busy} data-testid="answer-save">{t('answers.save')}</button>
        <button type="button" class="btn ghost" onClick={onCancel}>{t('cancel')}</button>
      </div>
    </form>
  );
}

function AnswerHistory({ answer }: { answer: Answer }) {
  const t = useT();
  const language = useStore(lang);
  const [items, setItems] = useState<AnswerVersion[] | null>(null);
  const [err, setErr] = useState('');
  useEffect(() => {
    api.answerVersions(answer.id).then((r) => setItems(r.items ?? []), (e) => setErr(errorText(e, t)));
  }, [answer.id, answer.version]);
  const name = (language === 'zh' ? answer.title.zh : answer.title.en) || answer.title.en;
  return (
    <section class="card" aria-labelledby="answer-history-h" data-testid="answer-versions">
      <h2 id="answer-history-h">{t('answers.historyOf', { title: name })}</h2>
      {err && <div class="form-error" role="alert">{err}</div>}
      <ol class="mini-list">
        {(items ?? []).map((v) => (
          <li key={v.version} data-testid={`answer-version-${v.version}`}>
            <details>
              <summary>
                {t('answers.versionLine', { n: v.version, at: formatTime(v.at), by: v.by })}
                {!v.active && ` · ${t('answers.withdrawn')}`}
              </summary>
              <p><strong>{v.title.en}</strong> / <strong>{v.title.zh}</strong></p>
              <p class="pre">{v.body.en}</p>
              <p class="pre">{v.body.zh}</p>
            </details>
          </li>
        ))}
      </ol>
    </section>
  );
}
