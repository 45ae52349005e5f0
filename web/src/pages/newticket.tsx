// SPDX-License-Identifier: GPL-3.0-or-later
// Opening a ticket with the customer waiting: one screen, first field focused, Ctrl+Enter submits,
// the form resets and shows the new key. Retries reuse the Idempotency-Key, so no duplicates.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, newIdempotencyKey } from '../api/client';
import { CustomerPicker } from '../components/customerpicker';
import { FieldControl } from '../components/field';
import { FilePicker, uploadAll } from '../components/attachments';
import { SlaBadge, TierBadge, urgentSla } from '../components/sla';
import { lang, useT } from '../i18n';
import type { MessageKey } from '../i18n/en';
import { href } from '../state/router';
import { workflows } from '../state/session';
import { toast } from '../state/toasts';
import { sendOnCtrlEnter, submitKeys } from '../lib/forms';
import { useStore } from '../lib/store';
import type { Customer, FieldDef, Ticket, WorkflowDetail } from '../api/types';
import { debounce } from '../lib/util';
import { errorText, fieldErrorTexts, serverText } from '../model/errors';
import { checkField, initialValue, toApiValue } from '../model/fields';

const LAST_WF = 'baton.newticket.workflow';
const LAST_CHANNEL = 'baton.newticket.channel';
const CHANNELS = ['phone', 'counter', 'email', 'web', 'chat', 'sms'] as const;
type Values = Record<string, string | boolean>;

/** The fields opening writes, as the server says (`opening_fields`); an older server's
 *  detail lacks it: then fields only a later transition `requires` are left to it. */
export function openingFields(wf: WorkflowDetail): FieldDef[] {
  if (wf.opening_fields) {
    const opening = new Set(wf.opening_fields);
    return wf.fields.filter((f) => opening.has(f.name));
  }
  const later = new Set<string>();
  const add = (ts?: { requires?: string[] }[]) => ts?.forEach((tr) => tr.requires?.forEach((n) => later.add(n)));
  add(wf.any);
  for (const s of wf.states ?? []) {
    add(s.transitions);
    for (const b of s.branches ?? []) add(b.transitions);
  }
  return wf.fields.filter((f) => f.required || (f.default !== undefined && f.default !== null) || !later.has(f.name));
}

/**
 * The title a ticket gets when the agent leaves it empty: what the first required text field
 * says (the request in the customer's words), else the workflow's title, then the customer —
 * so that a list says more than the workflow's name in every row.
 */
export function defaultTitle(wf: WorkflowDetail, values: Values, customer: Customer): string {
  const fields = openingFields(wf);
  const said = (types: string[]) =>
    fields.find((f) => f.required && types.includes(f.type) && String(values[f.name] ?? '').trim());
  const field = said(['text']) ?? said(['string']);
  let what = field ? String(values[field.name]).trim().split('\n')[0].replace(/\s+/g, ' ') : wf.title || wf.name;
  if (what.length > 80) what = `${what.slice(0, 79)}…`;
  const who = [customer.name, customer.phone, customer.id].map((x) => (x ?? '').trim()).find(Boolean);
  return who ? `${what} · ${who}` : what;
}

function initialValues(fields: FieldDef[]): Values {
  const v: Values = {};
  for (const f of fields) v[f.name] = initialValue(f);
  return v;
}

function stored(key: string) {
  try {
    return localStorage.getItem(key) ?? '';
  } catch {
    return '';
  }
}
function store(key: string, value: string) {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* ignore */
  }
}

export function NewTicket() {
  const t = useT();
  const all = useStore(workflows);
  const startable = all.filter((w) => w.startable);
  const [wfName, setWfName] = useState('');
  const [wf, setWf] = useState<WorkflowDetail | null>(null);
  const [loadErr, setLoadErr] = useState('');
  const [values, setValues] = useState<Values>({});
  const [title, setTitle] = useState('');
  const [customer, setCustomer] = useState<Customer>({});
  const [channel, setChannel] = useState(stored(LAST_CHANNEL));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formErr, setFormErr] = useState('');
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<Ticket | null>(null);
  const [custTickets, setCustTickets] = useState<Ticket[] | null>(null);
  const [closedTickets, setClosedTickets] = useState<Ticket[]>([]);
  const [addingTo, setAddingTo] = useState<Ticket | null>(null);
  const [note, setNote] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const pickerRef = useRef<HTMLInputElement>(null);
  const idemKey = useRef(newIdempotencyKey());
  const firstRef = useRef<HTMLElement>(null);
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    if (!startable.length) return;
    if (!wfName || !startable.some((w) => w.name === wfName)) {
      const last = stored(LAST_WF);
      setWfName(startable.some((w) => w.name === last) ? last : startable[0].name);
    }
  }, [all]);

  useEffect(() => {
    if (!wfName) return;
    let alive = true;
    setLoadErr('');
    api.workflow(wfName).then(
      (w) => {
        if (!alive) return;
        setWf(w);
        setValues(initialValues(w.fields));
        setErrors({});
        // A returning customer is found first (by phone or name), then the details are typed.
        window.setTimeout(() => (pickerRef.current ?? firstRef.current)?.focus(), 0);
      },
      (e) => alive && setLoadErr(errorText(e, t)),
    );
    return () => {
      alive = false;
    };
  }, [wfName]);

  // Labels and titles come in the UI's language: on a switch, fetch the workflow again but keep
  // what was typed (only the text changes, not the fields).
  const language = useStore(lang);
  const shownLanguage = useRef(language);
  useEffect(() => {
    if (shownLanguage.current === language) return;
    shownLanguage.current = language;
    if (!wfName) return;
    let alive = true;
    api.workflow(wfName).then(
      (w) => alive && setWf((old) => (old && old.name === w.name ? w : old)),
      () => {},
    );
    return () => {
      alive = false;
    };
  }, [language]);

  const lookupCustomer = useRef(
    debounce((id: string) => {
      if (!id) {
        setCustTickets(null);
        return;
      }
      api.tickets({ customer: id, status: 'open', sort: 'due', limit: 20 }).then(
        (r) => setCustTickets(r.items),
        () => setCustTickets(null),
      );
    }, 400),
  ).current;

  const reset = (keepCreated: Ticket | null) => {
    if (wf) setValues(initialValues(wf.fields));
    setTitle('');
    setCustomer({});
    setCustTickets(null);
    setClosedTickets([]);
    setAddingTo(null);
    setNote('');
    setFiles([]);
    setErrors({});
    setFormErr('');
    setCreated(keepCreated);
    idemKey.current = newIdempotencyKey();
    window.setTimeout(() => (pickerRef.current ?? firstRef.current)?.focus(), 0);
  };

  // A picked customer: their details fill the form, their history shows beside it (open
  // tickets, to add to one instead of opening a duplicate, and the last closed ones).
  const pickCustomer = (c: Customer) => {
    setCustomer({ id: c.id, name: c.name, tier: c.tier, phone: c.phone, email: c.email });
    setCustTickets(null);
    setClosedTickets([]);
    if (c.id) {
      api.customer(c.id).then(
        (full) => {
          setCustTickets(full.tickets.filter((x) => x.status === 'open'));
          setClosedTickets(full.tickets.filter((x) => x.status !== 'open').slice(0, 3));
        },
        () => setCustTickets(null),
      );
    }
    window.setTimeout(() => firstRef.current?.focus(), 0);
  };

  const addToTicket = async () => {
    if (!addingTo || !note.trim() || busy) return;
    setBusy(true);
    try {
      await api.comment(addingTo.id, note.trim(), false);
      toast(t('customer.added', { key: addingTo.key }), 'info', href(`/tickets/${addingTo.id}`), addingTo.key);
      reset(null);
    } catch (e) {
      setFormErr(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };

  const submit = async () => {
    if (!wf || busy) return;
    const errs: Record<string, string> = {};
    const fields: Record<string, unknown> = {};
    for (const f of openingFields(wf)) {
      const msg = checkField(f, values[f.name] ?? '', !!f.required, t);
      if (msg) errs[f.name] = msg;
      const v = toApiValue(f, values[f.name] ?? '');
      if (v !== undefined && !(f.type === 'bool' && v === false && !f.required && f.default === undefined)) fields[f.name] = v;
    }
    setErrors(errs);
    if (Object.keys(errs).length) {
      setFormErr(t('error.validation'));
      focusField(Object.keys(errs)[0]);
      return;
    }
    const cust: Customer = {};
    for (const [k, v] of Object.entries(customer)) if (v && String(v).trim()) (cust as Record<string, string>)[k] = String(v).trim();
    const body: Record<string, unknown> = {
      workflow: wf.name,
      title: title.trim() || defaultTitle(wf, values, cust),
      fields,
    };
    if (Object.keys(cust).length) body.customer = cust;
    if (channel) body.channel = channel;
    setBusy(true);
    setFormErr('');
    try {
      const tk = await api.openTicket(body, idemKey.current);
      store(LAST_WF, wf.name);
      // The ticket exists now: its files follow it (a failed one does not undo the ticket).
      const failed = await uploadAll(tk.id, files, t);
      reset(tk);
      if (failed.length) setFormErr(`${t('attach.someFailed')} ${failed.join(' ')}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        const fe = fieldErrorTexts(e, t);
        const mine: Record<string, string> = {};
        const other: string[] = [];
        for (const [k, v] of Object.entries(fe)) {
          if (wf.fields.some((f) => f.name === k)) mine[k] = v;
          else other.push(`${k}: ${v}`);
        }
        setErrors(mine);
        setFormErr([e.message ? serverText(e.message, t) : t('error.validation'), ...other].join(' '));
        if (Object.keys(mine).length) focusField(Object.keys(mine)[0]);
      } else {
        setFormErr(errorText(e, t));
      }
    } finally {
      setBusy(false);
    }
  };

  const focusField = (name: string) => {
    const el = formRef.current?.querySelector<HTMLElement>(`[name="${CSS.escape(name)}"]`);
    el?.focus();
  };

  if (!startable.length) {
    return (
      <section class="page">
        <h1>{t('new.title')}</h1>
        <p class="empty">{t('new.noWorkflows')}</p>
      </section>
    );
  }

  const setCust = (k: keyof Customer, v: string) => {
    setCustomer((c) => ({ ...c, [k]: v }));
    if (k === 'id') lookupCustomer(v.trim());
  };

  return (
    <section class="page new-ticket">
      <div class="page-head">
        <h1>{t('new.title')}</h1>
        {created && (
          <div class="created" role="status" data-testid="created-ticket">
            {t('new.created', { key: created.key })}{' '}
            <a href={href(`/tickets/${created.id}`)} data-testid="created-ticket-link">{created.key}</a>
          </div>
        )}
      </div>
      <form
        ref={formRef}
        class="new-grid"
        noValidate
        data-testid="new-ticket-form"
        {...submitKeys(submit)}
      >
        <div class="new-main card">
          {startable.length > 1 && (
            <div class="field">
              <label for="new-workflow">{t('new.workflow')}</label>
              <select
                id="new-workflow"
                value={wfName}
                data-testid="new-workflow"
                onChange={(e) => {
                  setWfName(e.currentTarget.value);
                  store(LAST_WF, e.currentTarget.value);
                }}
              >
                {startable.map((w) => (
                  <option key={w.name} value={w.name}>{w.title || w.name}</option>
                ))}
              </select>
            </div>
          )}
          {startable.length === 1 && <p class="wf-name">{startable[0].title || startable[0].name}</p>}
          {loadErr && <div class="form-error" role="alert">{loadErr}</div>}
          {wf && (
            <div class="field-grid">
              {openingFields(wf).map((f, i) => (
                <FieldControl
                  key={`${wf.name}-${f.name}`}
                  def={f}
                  idPrefix="new"
                  value={values[f.name] ?? ''}
                  required={!!f.required}
                  error={errors[f.name]}
                  inputRef={i === 0 ? firstRef : undefined}
                  answers={{ ticket: null, customer }}
                  onInput={(v) => {
                    setValues((old) => ({ ...old, [f.name]: v }));
                    if (errors[f.name]) setErrors((old) => ({ ...old, [f.name]: '' }));
                  }}
                />
              ))}
              <div class="field field-wide">
                <label for="new-title">
                  {t('new.summary')} <span class="muted small">({t('optional')})</span>
                </label>
                <input id="new-title" value={title} onInput={(e) => setTitle(e.currentTarget.value)} placeholder={t('new.summaryHint', { title: defaultTitle(wf, values, customer) })} data-testid="new-title" />
              </div>
              <FilePicker id="new-files" files={files} onChange={setFiles} />
            </div>
          )}
        </div>
        <aside class="new-side card">
          <fieldset class="customer-box">
            <legend>{t('new.customer')}</legend>
            <CustomerPicker onPick={pickCustomer} inputRef={pickerRef} />
            <div class="field-grid two">
              <CustInput id="id" label={t('new.customerId')} value={customer.id} onInput={setCust} />
              <div class="field">
                <label for="cust-tier">{t('new.customerTier')}</label>
                <div class="tier-pick">
                  <select id="cust-tier" value={customer.tier ?? ''} onChange={(e) => setCust('tier', e.currentTarget.value)} data-testid="customer-tier">
                    <option value="">{t('tier.none')}</option>
                    {(['A', 'B', 'C'] as const).map((x) => (
                      <option key={x} value={x}>{t(`tier.title${x}` as MessageKey)}</option>
                    ))}
                  </select>
                  {customer.tier && <TierBadge tier={customer.tier} />}
                </div>
              </div>
              <CustInput id="name" label={t('new.customerName')} value={customer.name} onInput={setCust} wide />
              <CustInput id="phone" label={t('new.customerPhone')} value={customer.phone} onInput={setCust} type="tel" />
              <CustInput id="email" label={t('new.customerEmail')} value={customer.email} onInput={setCust} type="email" />
            </div>
            {custTickets && (
              <div class="cust-tickets" data-testid="customer-open-tickets">
                <h3>{t('new.customerOpen')}</h3>
                {custTickets.length === 0 ? (
                  <p class="muted small">{t('new.customerNoOpen')}</p>
                ) : (
                  <ul class="mini-list">
                    {custTickets.map((x) => (
                      <li key={x.id}>
                        <a href={href(`/tickets/${x.id}`)}>{x.key}</a> <span class="ellipsis" title={x.title}>{x.title}</span>{' '}
                        <span class="muted">{x.state_title || x.state}</span> <SlaBadge sla={urgentSla(x)} />{' '}
                        <button type="button" class="btn small" data-testid={`add-to-${x.key}`} aria-label={t('customer.addToLabel', { key: x.key })} onClick={() => { setAddingTo(x); setNote(''); }}>
                          {t('customer.addTo')}
                        </button>
                      </li>
                    ))}
                  </ul>
                )}
                {addingTo && (
                  <div class="field add-note" data-testid="add-note">
                    <label for="add-note-body">{t('customer.noteFor', { key: addingTo.key })}</label>
                    <textarea
                      id="add-note-body"
                      value={note}
                      rows={3}
                      autoFocus
                      onInput={(e) => setNote(e.currentTarget.value)}
                      onKeyDown={sendOnCtrlEnter(addToTicket)}
                      data-testid="add-note-body"
                    />
                    <div class="row">
                      <button type="button" class="btn primary small" disabled={busy || !note.trim()} onClick={() => void addToTicket()} data-testid="add-note-submit">
                        {t('customer.addNote', { key: addingTo.key })}
                      </button>
                      <button type="button" class="btn ghost small" onClick={() => setAddingTo(null)}>{t('cancel')}</button>
                    </div>
                  </div>
                )}
                {closedTickets.length > 0 && (
                  <>
                    <h3>{t('customer.lastClosed')}</h3>
                    <ul class="mini-list" data-testid="customer-closed-tickets">
                      {closedTickets.map((x) => (
                        <li key={x.id}>
                          <a href={href(`/tickets/${x.id}`)}>{x.key}</a> <span class="ellipsis" title={x.title}>{x.title}</span>
                        </li>
                      ))}
                    </ul>
                  </>
                )}
                {customer.id && <a href={href(`/customers/${encodeURIComponent(customer.id)}`)} class="small" data-testid="customer-history-link">{t('customer.history')}</a>}
              </div>
            )}
          </fieldset>
          <div class="field">
            <label for="new-channel">{t('new.channel')}</label>
            <select
              id="new-channel"
              value={channel}
              data-testid="new-channel"
              onChange={(e) => {
                setChannel(e.currentTarget.value);
                store(LAST_CHANNEL, e.currentTarget.value);
              }}
            >
              <option value="">{t('none')}</option>
              {CHANNELS.map((c) => (
                <option key={c} value={c}>{t(`channel.${c}` as MessageKey)}</option>
              ))}
            </select>
          </div>
        </aside>
        <div class="new-actions">
          {formErr && <div class="form-error" role="alert" data-testid="new-ticket-error">{formErr}</div>}
          <button type="submit" class="btn primary" disabled={busy || !wf} data-testid="new-ticket-submit" title={t('new.submitHint')}>
            {busy ? t('new.busy') : t('new.submit')}
          </button>
          <span class="muted small">{t('new.submitHint')}</span>
          <button type="button" class="btn ghost" onClick={() => reset(null)} data-testid="new-ticket-reset">{t('new.reset')}</button>
        </div>
      </form>
    </section>
  );
}

function CustInput(props: { id: keyof Customer; label: string; value?: string; onInput: (k: keyof Customer, v: string) => void; type?: 'text' | 'tel' | 'email'; wide?: boolean }) {
  return (
    <div class={`field${props.wide ? ' field-wide' : ''}`}>
      <label for={`cust-${props.id}`}>{props.label}</label>
      <input
        id={`cust-${props.id}`}
        type="text"
        inputMode={props.type ?? 'text'}
        autoComplete="off"
        value={props.value ?? ''}
        onInput={(e) => props.onInput(props.id, e.currentTarget.value)}
        data-testid={`customer-${props.id}`}
      />
    </div>
  );
}
