// SPDX-License-Identifier: GPL-3.0-or-later
// The organisation (org.yaml) edited in the browser: departments as a tree, a queue's contacts
// and a calendar's holidays and extra workdays through forms, the whole text in a YAML tab.
// Every form edits one draft text (orgyaml.ts keeps the rest of it as written); the server
// checks the draft as you go and Publish sends it (PUT /api/v1/org).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, request } from '../api/client';
import { lang, useT } from '../i18n';
import { useStore } from '../lib/store';
import type { Department, QueueInfo } from '../api/types';
import { errorText } from '../model/errors';
import { toast } from '../state/toasts';
import type { YamlEditor } from './cm';
import { PublishPanel } from './publishpanel';
import { addItem, childKeys, minutesOf, readList, readWeek, removeItem, sectionAt, writeValue } from './orgyaml';

interface OrgDiagnostic {
  line: number;
  column: number;
  message: string;
  workflow?: string;
  file?: string;
}

const orgApi = {
  get: () => request<{ version: number; source: string }>('/org'),
  validate: (yaml: string) => request<{ valid: boolean; errors: OrgDiagnostic[] }>('/org/validate', { method: 'POST', yaml }),
  publish: (yaml: string) => request<{ version: number; recomputed?: number }>('/org', { method: 'PUT', yaml }),
};

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

export function Organisation() {
  const t = useT();
  const [depts, setDepts] = useState<Department[] | null>(null);
  const [queues, setQueues] = useState<QueueInfo[] | null>(null);
  const [current, setCurrent] = useState<{ version: number; source: string } | null>(null);
  const [draft, setDraft] = useState('');
  const [errors, setErrors] = useState<OrgDiagnostic[]>([]);
  const [err, setErr] = useState('');
  const [tab, setTab] = useState<'forms' | 'yaml'>('forms');
  const [publishing, setPublishing] = useState(false);
  const [reviewing, setReviewing] = useState(false); // the diff shown before Publish sends it
  const language = useStore(lang); // department and queue titles come in the UI's language
  const reload = () => {
    const fail = (e: unknown) => setErr(errorText(e, t));
    api.departments().then(setDepts, fail);
    api.queues().then(setQueues, fail);
    orgApi.get().then((o) => {
      setCurrent(o);
      setDraft(o.source);
    }, fail);
  };
  useEffect(reload, [language]);

  // The draft checked ~300 ms after the last change; answers to older drafts are dropped.
  const seq = useRef(0);
  useEffect(() => {
    if (!current) return;
    const my = ++seq.current;
    const timer = window.setTimeout(() => {
      orgApi.validate(draft).then(
        (r) => my === seq.current && setErrors(r.errors),
        (e) => my === seq.current && setErr(errorText(e, t)),
      );
    }, 300);
    return () => window.clearTimeout(timer);
  }, [draft, current]);

  const publish = async () => {
    setPublishing(true);
    setErr('');
    try {
      const r = await orgApi.publish(draft);
      setReviewing(false);
      toast(r && current && r.version !== current.version
        ? t('org.published', { n: r.version }) : t('org.unchanged'), 'success');
      reload();
    } catch (e) {
      if (e instanceof ApiError && e.status === 422 && Array.isArray((e.details as { errors?: unknown }).errors))
        setErrors((e.details as { errors: OrgDiagnostic[] }).errors);
      else setErr(errorText(e, t));
    } finally {
      setPublishing(false);
    }
  };

  const changed = current !== null && draft !== current.source;
  // A problem in the organisation's text belongs to the form of its section and entry; a
  // published workflow's (another file) to none.
  const errorsFor = (section: string, entry: string) =>
    errors.filter((e) => !e.file && (([s, n]) => s === section && n === entry)(sectionAt(draft, e.line)));

  return (
    <div class="org-page">
      <h1>{t('admin.org')}</h1>
      {err && <div class="form-error" role="alert">{err}</div>}
      <div class="org-toolbar">
        <span class="muted" data-testid="org-version">{current ? t('org.version', { n: current.version }) : t('loading')}</span>
        <div role="tablist" aria-label={t('admin.org')} class="tabs">
          <button role="tab" type="button" aria-selected={tab === 'forms'} onClick={() => setTab('forms')}>{t('org.tabForms')}</button>
          <button role="tab" type="button" aria-selected={tab === 'yaml'} onClick={() => setTab('yaml')}>{t('org.tabYaml')}</button>
        </div>
        <button type="button" class="primary" data-testid="org-publish" disabled={!changed || publishing || errors.length > 0}
          onClick={() => { setErr(''); setReviewing(true); }}>
          {publishing ? t('org.publishing') : t('org.publish')}
        </button>
        {changed && <span class="muted small">{t('org.unsaved')}</span>}
      </div>
      {reviewing && current && changed && (
        <PublishPanel before={current.source} after={draft} from={current.version} next={current.version + 1}
          busy={publishing || errors.length > 0} err={err} onCancel={() => setReviewing(false)} onConfirm={publish} />
      )}
      <Problems errors={errors} />
      {tab === 'yaml' ? (
        <YamlTab text={draft} onChange={setDraft} errors={errors} />
      ) : (
        <>
          <div class="org-grid">
            <section class="card" aria-labelledby="org-d">
              <h2 id="org-d">{t('org.departments')}</h2>
              <DepartmentTree depts={depts} queues={queues} />
            </section>
            <CalendarForm draft={draft} setDraft={setDraft} errorsFor={errorsFor} />
          </div>
          <ContactsForm draft={draft} setDraft={setDraft} queues={queues} errorsFor={errorsFor} />
        </>
      )}
    </div>
  );
}

function Problems({ errors }: { errors: OrgDiagnostic[] }) {
  const t = useT();
  if (!errors.length) return null;
  return (
    <section class="card problems" aria-labelledby="org-p" role="alert">
      <h2 id="org-p">{t('editor.diagnostics')}</h2>
      <ul data-testid="org-problems">
        {errors.map((e, i) => (
          <li key={i}>
            <code>{(e.file ?? 'org.yaml') + ':' + e.line + ':' + e.column}</code> {e.message}
          </li>
        ))}
      </ul>
    </section>
  );
}

function DepartmentTree({ depts, queues }: { depts: Department[] | null; queues: QueueInfo[] | null }) {
  const t = useT();
  if (depts === null) return <p class="muted">{t('loading')}</p>;
  if (!depts.length) return <p class="muted">{t('org.empty')}</p>;
  const known = new Set(depts.map((d) => d.name));
  const children = (parent: string | null) =>
    depts.filter((d) => (parent === null ? !d.parent || !known.has(d.parent) : d.parent === parent));
  const tree = (parent: string | null, depth: number): preact.JSX.Element | null => {
    const items = children(parent);
    if (!items.length || depth > 20) return null;
    return (
      <ul class="tree">
        {items.map((d) => (
          <li key={d.name} data-testid={`dept-${d.name}`}>
            <strong>{d.title || d.name}</strong> <code class="muted">{d.name}</code>
            {d.calendar && <span class="muted small"> · {t('org.calendar', { name: d.calendar })}</span>}
            {(queues ?? []).filter((q) => q.department === d.name).map((q) => (
              <div key={q.name} class="small">↳ {t('col.queue')}: {q.title || q.name} <code class="muted">{q.name}</code></div>
            ))}
            {tree(d.name, depth + 1)}
          </li>
        ))}
      </ul>
    );
  };
  return tree(null, 0);
}

interface FormProps {
  draft: string;
  setDraft: (s: string) => void;
  errorsFor: (section: string, entry: string) => OrgDiagnostic[];
}

function FieldErrors({ errors }: { errors: OrgDiagnostic[] }) {
  return errors.length ? (
    <ul class="field-error" role="alert">
      {errors.map((e, i) => <li key={i}>{`org.yaml:${e.line}:${e.column}: ${e.message}`}</li>)}
    </ul>
  ) : null;
}

function ContactsForm({ draft, setDraft, queues, errorsFor }: FormProps & { queues: QueueInfo[] | null }) {
  const t = useT();
  const names = childKeys(draft, ['queues']);
  const [queue, setQueue] = useState('');
  const selected = queue || names[0] || '';
  const path = (key: string) => ['queues', selected, key];
  const [fields, setFields] = useState({ primary: '', backup: '', manager: '', escalate_to: '' });
  useEffect(() => {
    setFields({
      primary: readList(draft, path('primary')).join(', '),
      backup: readList(draft, path('backup')).join(', '),
      manager: readList(draft, path('manager'))[0] ?? '',
      escalate_to: readList(draft, path('escalate_to'))[0] ?? '',
    });
  }, [selected, draft]);
  const apply = (e: Event) => {
    e.preventDefault();
    let text = draft;
    text = writeValue(text, path('primary'), list(fields.primary));
    text = writeValue(text, path('backup'), list(fields.backup));
    text = writeValue(text, path('manager'), [fields.manager], true);
    text = writeValue(text, path('escalate_to'), [fields.escalate_to], true);
    setDraft(text);
  };
  const input = (key: keyof typeof fields, label: string, hint?: string) => (
    <label>
      {label}
      <input value={fields[key]} data-testid={`contact-${key}`} aria-describedby={hint ? `hint-${key}` : undefined}
        onInput={(e) => setFields({ ...fields, [key]: (e.target as HTMLInputElement).value })} />
      {hint && <span id={`hint-${key}`} class="muted small">{hint}</span>}
    </label>
  );
  return (
    <section class="card" aria-labelledby="org-q">
      <h2 id="org-q">{t('org.contacts')}</h2>
      <form class="org-form" onSubmit={apply}>
        <label>
          {t('col.queue')}
          <select value={selected} data-testid="contact-queue" onChange={(e) => setQueue((e.target as HTMLSelectElement).value)}>
            {names.map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </label>
        {input('primary', t('org.primaryA'), t('org.usernames'))}
        {input('backup', t('org.backupB'), t('org.usernames'))}
        {input('manager', t('org.manager'))}
        {input('escalate_to', t('org.escalateTo'))}
        <button type="submit" data-testid="contact-apply">{t('org.apply')}</button>
        <FieldErrors errors={errorsFor('queues', selected)} />
      </form>
      {queues && (
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
                <td>{(q.primary ?? []).join(', ') || '—'}</td>
                <td>{(q.backup ?? []).join(', ') || '—'}</td>
                <td>{q.manager || '—'}</td>
                <td>{q.escalate_to || '—'}</td>
                <td class="num">{q.open}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function CalendarForm({ draft, setDraft, errorsFor }: FormProps) {
  const t = useT();
  const names = childKeys(draft, ['calendars']);
  const [calendar, setCalendar] = useState('');
  const selected = calendar || names[0] || '';
  const [month, setMonth] = useState(() => new Date().toISOString().slice(0, 7));
  const holidays = readList(draft, ['calendars', selected, 'holidays']);
  const workdays = readList(draft, ['calendars', selected, 'workdays']);
  const dates = (key: 'holidays' | 'workdays', label: string, items: string[]) => (
    <DateList label={label} testid={key} items={items}
      onAdd={(d) => setDraft(addItem(draft, ['calendars', selected, key], d))}
      onRemove={(d) => setDraft(removeItem(draft, ['calendars', selected, key], d))} />
  );
  return (
    <section class="card" aria-labelledby="org-c">
      <h2 id="org-c">{t('org.calendars')}</h2>
      <div class="org-form">
        <label>
          {t('org.calendarPick')}
          <select value={selected} data-testid="calendar-pick" onChange={(e) => setCalendar((e.target as HTMLSelectElement).value)}>
            {names.map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </label>
        <p class="small muted">{t('org.timezone')}: {readList(draft, ['calendars', selected, 'timezone'])[0] ?? '—'}</p>
        {dates('holidays', t('org.holidays'), holidays)}
        {dates('workdays', t('org.workdays'), workdays)}
        <FieldErrors errors={errorsFor('calendars', selected)} />
        <label>
          {t('org.previewMonth')}
          <input type="month" value={month} data-testid="preview-month" onInput={(e) => setMonth((e.target as HTMLInputElement).value)} />
        </label>
        <MonthGrid month={month} week={readWeek(draft, selected)} holidays={holidays} workdays={workdays} />
      </div>
    </section>
  );
}

function DateList({ label, testid, items, onAdd, onRemove }: {
  label: string; testid: string; items: string[]; onAdd: (d: string) => void; onRemove: (d: string) => void;
}) {
  const t = useT();
  const [date, setDate] = useState('');
  return (
    <fieldset class="date-list">
      <legend>{label}</legend>
      <ul data-testid={`${testid}-list`}>
        {items.map((d) => (
          <li key={d}>
            {d}{' '}
            <button type="button" class="link" aria-label={t('org.removeDate', { date: d })} onClick={() => onRemove(d)}>×</button>
          </li>
        ))}
      </ul>
      <label>
        {t('org.addDate', { list: label })}
        <input type="date" value={date} data-testid={`${testid}-date`} onInput={(e) => setDate((e.target as HTMLInputElement).value)} />
      </label>
      <button type="button" data-testid={`${testid}-add`} disabled={!/^\d{4}-\d{2}-\d{2}$/.test(date)}
        onClick={() => { onAdd(date); setDate(''); }}>{t('org.add')}</button>
    </fieldset>
  );
}

// Working and non-working days of a month as the calendar counts them: its own week (a
// Saturday morning is a working day in hk-office), holidays, and extra workdays worked with
// the first Monday–Friday day's hours (businesscalendar.cpp).
function MonthGrid({ month, week, holidays, workdays }: {
  month: string; week: string[][]; holidays: string[]; workdays: string[];
}) {
  const t = useT();
  const [y, m] = month.split('-').map(Number);
  if (!y || !m) return null;
  const first = new Date(Date.UTC(y, m - 1, 1));
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const lead = (first.getUTCDay() + 6) % 7; // Monday first
  const workdayHours = week.slice(0, 5).find((d) => minutesOf(d) > 0) ?? [];
  const longest = Math.max(...week.map(minutesOf)); // a shorter working day is drawn apart
  const cells: preact.JSX.Element[] = [];
  for (let i = 0; i < lead; i++) cells.push(<td key={`x${i}`} />);
  for (let d = 1; d <= days; d++) {
    const iso = `${month}-${String(d).padStart(2, '0')}`;
    const weekday = (lead + d - 1) % 7;
    const holiday = holidays.includes(iso);
    const extra = !holiday && workdays.includes(iso);
    const hours = holiday ? [] : extra ? workdayHours : week[weekday];
    const minutes = minutesOf(hours);
    const off = minutes === 0;
    const kind = holiday ? t('org.dayHoliday') : extra ? t('org.dayExtra') : off ? t('org.dayOff') : t('org.dayWork');
    const span = off ? '' : t('org.dayHours', { hours: String(Math.round((minutes / 60) * 10) / 10) });
    const full = off || minutes >= longest;
    cells.push(
      <td key={iso} class={`${off ? 'day-off' : 'day-work'}${full ? '' : ' day-part'}`} data-date={iso}
        data-minutes={minutes} title={`${iso}: ${kind}${hours.length ? ` (${hours.join(', ')})` : ''}`}>
        {d}
        {span && <small class="day-hours" aria-hidden="true">{span}</small>}
        <span class="sr-only"> {kind}{span && `, ${span}`}</span>
      </td>,
    );
  }
  const rows: preact.JSX.Element[] = [];
  for (let i = 0; i < cells.length; i += 7) rows.push(<tr key={i}>{cells.slice(i, i + 7)}</tr>);
  return (
    <table class="month-grid" data-testid="month-grid">
      <caption>{t('org.preview', { month })}</caption>
      <thead><tr>{['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => <th key={d} scope="col">{t(`org.wd.${d}` as 'org.wd.mon')}</th>)}</tr></thead>
      <tbody>{rows}</tbody>
    </table>
  );
}

function YamlTab({ text, onChange, errors }: { text: string; onChange: (s: string) => void; errors: OrgDiagnostic[] }) {
  const t = useT();
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<YamlEditor | null>(null);
  useEffect(() => {
    let cancelled = false;
    import('./cm').then((m) => {
      if (cancelled || !host.current) return;
      editor.current = m.createYamlEditor(host.current, text, onChange, t('org.source'));
    });
    return () => {
      cancelled = true;
      editor.current?.destroy();
      editor.current = null;
    };
  }, []);
  useEffect(() => editor.current?.setProblems(errors.filter((e) => !e.file)), [errors, editor.current]);
  return <section class="card" aria-label={t('org.source')}><div ref={host} class="yaml-host" /></section>;
}
