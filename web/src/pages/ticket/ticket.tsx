// SPDX-License-Identifier: GPL-3.0-or-later
// One ticket: where it is, its clocks and branches, what this user may do, and everything that happened.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client';
import { FieldControl } from '../../components/field';
import { SlaBadge, TierBadge } from '../../components/sla';
import { formatAge, formatTime, formatTimeFull, lang, useT, type T } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { useLive } from '../../api/live';
import { href } from '../../state/router';
import { me } from '../../state/session';
import { submitKeys } from '../../lib/forms';
import { useStore } from '../../lib/store';
import { toast } from '../../state/toasts';
import type { Action, Branch, FieldDef, Sla, Ticket, TicketEvent } from '../../api/types';
import { checkField, displayValue, errorText, fieldLabel, initialValue, now, toApiValue } from '../../lib/util';

export function TicketPage({ id }: { id: string }) {
  const t = useT();
  const user = useStore(me)!;
  const [tk, setTk] = useState<Ticket | null>(null);
  const [events, setEvents] = useState<TicketEvent[]>([]);
  const [fields, setFields] = useState<FieldDef[]>([]);
  const [names, setNames] = useState<Names>(noNames);
  const [err, setErr] = useState('');
  const [notFound, setNotFound] = useState(false);

  const load = async () => {
    try {
      const [ticket, ev] = await Promise.all([api.ticket(id), api.events(Number(id)).catch(() => ({ items: [] as TicketEvent[] }))]);
      setTk(ticket);
      setEvents(ev.items ?? []);
      setErr('');
      setNotFound(false);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setNotFound(true);
      else setErr(errorText(e, t));
    }
  };
  useEffect(() => {
    void load();
  }, [id]);
  useLive(() => void load(), (m) => m.type === 'ticket' && String(m.id) === String(id));

  // The field definitions of the version this ticket runs on, for labels and typed action forms.
  const wfKey = tk ? `${tk.workflow}@${tk.workflow_version}` : '';
  const language = useStore(lang); // labels and state names come in the UI's language
  useEffect(() => {
    if (!tk) return;
    api
      .workflow(tk.workflow, tk.workflow_version)
      .catch(() => api.workflow(tk.workflow))
      .then(
        (w) => {
          setFields(w.fields);
          setNames(namesOf(w.states, w.fields));
        },
        () => setFields([]),
      );
  }, [wfKey, language]);

  if (notFound) return <p class="empty" role="alert" data-testid="ticket-not-found">{t('ticket.notFound')}</p>;
  if (!tk) return err ? <div class="form-error" role="alert">{err}</div> : <p class="muted">{t('loading')}</p>;

  const onChanged = (next?: Ticket) => {
    if (next && typeof next === 'object' && 'id' in next) setTk(next);
    void load();
  };

  return (
    <article class="page ticket-page" data-testid="ticket-page" data-key={tk.key} data-state={tk.state} data-status={tk.status}>
      {err && <div class="form-error" role="alert">{err}</div>}
      <div class="ticket-grid">
        <div class="ticket-main">
          <header class="ticket-head card">
            <div class="ticket-title">
              <span class="ticket-key" data-testid="ticket-key">{tk.key}</span>
              <h1 data-testid="ticket-title">{tk.title}</h1>
            </div>
            <div class="ticket-sub">
              <span class={`state-pill${tk.status === 'closed' ? ' closed' : ''}`} data-testid="ticket-state">{tk.state_title || tk.state}</span>
              <span
                class={(tk.state_title || tk.state).toLowerCase() === 'closed' || tk.status === 'open' ? 'sr-only' : 'muted'}
                data-testid="ticket-status"
                data-status={tk.status}
              >
                {t(tk.status === 'closed' ? 'ticket.status.closed' : 'ticket.status.open')}
              </span>
              {tk.flagged && <span class="flag" data-testid="ticket-flagged">⚑ {t('ticket.flagged')}</span>}
              <span class="muted small">{tk.workflow} {t('ticket.version', { n: tk.workflow_version })}</span>
            </div>
            <ActionBar tk={tk} fields={fields} actions={tk.actions ?? []} onDone={onChanged} />
          </header>
          <dl class="meta card" data-testid="ticket-meta">
            <Meta label={t('ticket.queue')} value={tk.queue ?? t('none')} testid="ticket-queue" />
            <Meta
              label={t('ticket.assignee')}
              value={tk.assignee ? (tk.assignee === user.username ? `${tk.assignee} (${t('me')})` : tk.assignee) : t('unassigned')}
              testid="ticket-assignee"
            />
            <Meta label={t('ticket.originator')} value={tk.originator} testid="ticket-originator" />
            <Meta label={t('ticket.priority')} value={String(tk.priority)} testid="ticket-priority" />
            <Meta label={t('ticket.handoffs')} value={String(tk.handoffs)} testid="ticket-handoffs" />
            <Meta label={t('ticket.created')} value={formatTime(tk.created_at)} title={formatTimeFull(tk.created_at)} />
            <Meta label={t('ticket.updated')} value={formatTime(tk.updated_at)} title={formatTimeFull(tk.updated_at)} />
            {tk.closed_at && <Meta label={t('ticket.closedAt')} value={formatTime(tk.closed_at)} title={formatTimeFull(tk.closed_at)} />}
          </dl>
          <section class="card" aria-labelledby="fields-h">
            <h2 id="fields-h">{t('ticket.fields')}</h2>
            <FieldsView tk={tk} defs={fields} />
          </section>
          <section class="card" aria-labelledby="timeline-h">
            <h2 id="timeline-h">{t('ticket.timeline')}</h2>
            <Timeline events={events} names={names} />
            {tk.status === 'open' && <CommentForm tk={tk} onDone={onChanged} />}
          </section>
        </div>
        <aside class="ticket-side">
          <section class="card" aria-labelledby="sla-h" data-testid="sla-clocks">
            <h2 id="sla-h">{t('ticket.slaClocks')}</h2>
            {tk.status === 'closed' ? (
              <p class="muted">{t('ticket.closedNote')}</p>
            ) : (
              <>
                <Clock label={t('ticket.slaStep')} sla={tk.sla} testid="sla-step" />
                {tk.ticket_sla && <Clock label={t('ticket.slaTicket')} sla={tk.ticket_sla} testid="sla-ticket" />}
              </>
            )}
          </section>
          {!!tk.branches?.length && (
            <section class="card" aria-labelledby="branches-h" data-testid="branches">
              <h2 id="branches-h">{t('ticket.branches')}</h2>
              <div class="branch-cards">
                {tk.branches.map((b) => (
                  <BranchCard key={b.name} tk={tk} b={b} fields={fields} onDone={onChanged} />
                ))}
              </div>
            </section>
          )}
          <CustomerPanel tk={tk} />
          {tk.status === 'open' && <WorkPanel tk={tk} onDone={onChanged} />}
          {!!tk.links?.length && (
            <section class="card" aria-labelledby="links-h" data-testid="links">
              <h2 id="links-h">{t('ticket.links')}</h2>
              <ul class="mini-list">
                {tk.links.map((l) => (
                  <li key={l.id}>
                    <span class="muted">{l.relation === 'opened_from' || l.relation === 'opened' ? t(`link.${l.relation}` as MessageKey) : l.relation}</span>{' '}
                    <a href={href(`/tickets/${l.id}`)}>{l.key}</a> <span class="muted small">{l.workflow}</span>
                  </li>
                ))}
              </ul>
            </section>
          )}
        </aside>
      </div>
    </article>
  );
}

function Meta({ label, value, title, testid }: { label: string; value: string; title?: string; testid?: string }) {
  return (
    <div class="meta-item">
      <dt>{label}</dt>
      <dd title={title} data-testid={testid}>{value}</dd>
    </div>
  );
}

function Clock({ label, sla, testid }: { label: string; sla: Sla | null | undefined; testid: string }) {
  const t = useT();
  return (
    <div class="clock" data-testid={testid}>
      <div class="clock-head">
        <span>{label}</span>
        <SlaBadge sla={sla} testid={`${testid}-badge`} />
      </div>
      {sla?.respond_due && (
        <div class="muted small" title={formatTimeFull(sla.respond_due)}>
          {t('ticket.respond')}: {formatTime(sla.respond_due)}
        </div>
      )}
      {sla?.resolve_due && (
        <div class="muted small" title={formatTimeFull(sla.resolve_due)}>
          {t('ticket.resolve')}: {formatTime(sla.resolve_due)}
        </div>
      )}
    </div>
  );
}

function FieldsView({ tk, defs }: { tk: Ticket; defs: FieldDef[] }) {
  const t = useT();
  const names = [...defs.map((d) => d.name), ...Object.keys(tk.fields ?? {}).filter((k) => !defs.some((d) => d.name === k))];
  const filled = names.filter((n) => tk.fields?.[n] !== undefined && tk.fields?.[n] !== null && tk.fields?.[n] !== '');
  if (!filled.length) return <p class="muted">{t('ticket.noFields')}</p>;
  return (
    <dl class="fields-view" data-testid="ticket-fields">
      {filled.map((n) => {
        const def = defs.find((d) => d.name === n) ?? { name: n, type: 'string' };
        return (
          <div key={n} class="meta-item">
            <dt>{fieldLabel(def)}</dt>
            <dd data-testid={`ticket-field-${n}`}>{displayValue(tk.fields[n], t)}</dd>
          </div>
        );
      })}
    </dl>
  );
}

/** Action buttons; an action with required fields opens an inline form typed by the definitions. */
function ActionBar({ tk, fields, actions, branch, onDone }: { tk: Ticket; fields: FieldDef[]; actions: Action[]; branch?: string; onDone: (t?: Ticket) => void }) {
  const t = useT();
  const [open, setOpen] = useState<Action | null>(null);
  const [busy, setBusy] = useState('');
  const [err, setErr] = useState('');
  const prefix = branch ? `branch-${branch}-action` : 'action';
  if (!actions.length) return branch ? null : <p class="muted small" data-testid="no-actions">{tk.status === 'closed' ? t('ticket.closedNote') : t('ticket.noActions')}</p>;

  const take = async (a: Action) => {
    if (a.requires?.length || a.accepts?.length) {
      setOpen(open?.name === a.name ? null : a);
      return;
    }
    setBusy(a.name);
    setErr('');
    try {
      const next = await api.act(tk.id, a.name, { branch, version: tk.version });
      toast(t('ticket.actionDone', { action: a.title || a.name }), 'success');
      onDone(next);
    } catch (e) {
      setErr(errorText(e, t));
      if (e instanceof ApiError && e.status === 409) onDone();
    } finally {
      setBusy('');
    }
  };

  return (
    <div class="actions" data-testid={branch ? `branch-${branch}-actions` : 'ticket-actions'}>
      <div class="action-buttons" role="group" aria-label={t('ticket.actions')}>
        {actions.map((a) => (
          <button
            key={a.name}
            type="button"
            class={`btn${open?.name === a.name ? ' on' : ''}${actions.length === 1 || a === actions[0] ? ' primary' : ''}`}
            aria-expanded={a.requires?.length || a.accepts?.length ? open?.name === a.name : undefined}
            disabled={!!busy}
            data-testid={`${prefix}-${a.name}`}
            onClick={() => take(a)}
          >
            {a.title || a.name}
            {a.requires?.length || a.accepts?.length ? '…' : ''}
          </button>
        ))}
      </div>
      {err && <div class="form-error" role="alert" data-testid={`${prefix}-error`}>{err}</div>}
      {open && (
        <ActionForm
          key={open.name}
          tk={tk}
          action={open}
          fields={fields}
          branch={branch}
          testPrefix={prefix}
          onCancel={() => setOpen(null)}
          onDone={(next) => {
            setOpen(null);
            onDone(next);
          }}
        />
      )}
    </div>
  );
}

function ActionForm({ tk, action, fields, branch, testPrefix, onCancel, onDone }: {
  tk: Ticket; action: Action; fields: FieldDef[]; branch?: string; testPrefix: string; onCancel: () => void; onDone: (t?: Ticket) => void;
}) {
  const t = useT();
  // The fields the action writes: the required ones, then those it accepts besides.
  const required = new Set(action.requires ?? []);
  const names = [...(action.requires ?? []), ...(action.accepts ?? []).filter((n) => !required.has(n))];
  const defs = names.map((n) => fields.find((f) => f.name === n) ?? { name: n, type: 'text' });
  const [values, setValues] = useState<Record<string, string | boolean>>(() => {
    const v: Record<string, string | boolean> = {};
    for (const d of defs) {
      const cur = tk.fields?.[d.name];
      v[d.name] = cur !== undefined && cur !== null ? (d.type === 'bool' ? cur === true : String(cur)) : initialValue(d);
    }
    return v;
  });
  const [comment, setComment] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLElement>(null);
  useEffect(() => first.current?.focus(), []);

  const submit = async () => {
    const errs: Record<string, string> = {};
    const body: Record<string, unknown> = {};
    for (const d of defs) {
      const m = checkField(d, values[d.name] ?? '', required.has(d.name), t);
      if (m) errs[d.name] = m;
      const v = toApiValue(d, values[d.name] ?? '');
      if (v !== undefined && (required.has(d.name) || v !== tk.fields?.[d.name])) body[d.name] = v;
    }
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    setErr('');
    try {
      const next = await api.act(tk.id, action.name, { fields: body, comment: comment.trim() || undefined, branch, version: tk.version });
      toast(t('ticket.actionDone', { action: action.title || action.name }), 'success');
      onDone(next);
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        setErrors(e.fieldErrors);
        setErr(e.message || t('error.validation'));
      } else {
        setErr(errorText(e, t));
        if (e instanceof ApiError && e.status === 409) onDone();
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="action-form"
      data-testid={`${testPrefix}-form`}
      noValidate
      {...submitKeys(submit, onCancel)}
    >
      <div class="field-grid">
        {defs.map((d, i) => (
          <FieldControl
            key={d.name}
            def={d}
            idPrefix={`${testPrefix}-${action.name}`}
            value={values[d.name] ?? ''}
            required={required.has(d.name)}
            error={errors[d.name]}
            inputRef={i === 0 ? first : undefined}
            onInput={(v) => setValues((o) => ({ ...o, [d.name]: v }))}
          />
        ))}
        <div class="field field-wide">
          <label for={`${testPrefix}-${action.name}-comment`}>{t('ticket.comment')}</label>
          <textarea id={`${testPrefix}-${action.name}-comment`} rows={1} value={comment} onInput={(e) => setComment(e.currentTarget.value)} data-testid={`${testPrefix}-comment`} />
        </div>
      </div>
      {err && <div class="form-error" role="alert">{err}</div>}
      <div class="form-buttons">
        <button type="submit" class="btn primary" disabled={busy} data-testid={`${testPrefix}-submit`}>
          {t('ticket.submitAction', { action: action.title || action.name })}
        </button>
        <button type="button" class="btn ghost" onClick={onCancel}>{t('cancel')}</button>
      </div>
    </form>
  );
}

function BranchCard({ tk, b, fields, onDone }: { tk: Ticket; b: Branch; fields: FieldDef[]; onDone: (t?: Ticket) => void }) {
  const t = useT();
  const user = useStore(me)!;
  const statusKey = `branch.status.${b.status}` as MessageKey;
  const statusText = ['open', 'done', 'failed', 'cancelled'].includes(b.status) ? t(statusKey) : b.status;
  const canClaim = b.status === 'open' && !b.assignee && (user.queues ?? []).includes(b.queue);
  const [busy, setBusy] = useState(false);
  return (
    <div class={`branch-card status-${b.status}`} data-testid={`branch-${b.name}`} data-status={b.status}>
      <div class="branch-head">
        <strong>{b.name}</strong>
        <span class={`branch-status st-${b.status}`} data-testid={`branch-${b.name}-status`}>{statusText}</span>
      </div>
      <div class="muted small">
        {t('ticket.queue')}: {b.queue} · {t('ticket.assignee')}: <span data-testid={`branch-${b.name}-assignee`}>{b.assignee ?? t('unassigned')}</span>
      </div>
      {b.status === 'open' && <SlaBadge sla={b.sla} testid={`branch-${b.name}-sla`} />}
      {canClaim && (
        <button
          type="button"
          class="btn small"
          disabled={busy}
          data-testid={`branch-${b.name}-claim`}
          onClick={async () => {
            setBusy(true);
            try {
              onDone(await api.claim(tk.id));
              toast(t('claimed', { key: `${tk.key} · ${b.name}` }), 'success');
            } catch (e) {
              toast(errorText(e, t), 'error');
            } finally {
              setBusy(false);
            }
          }}
        >
          {t('ticket.claim')}
        </button>
      )}
      {b.status === 'open' && <ActionBar tk={tk} fields={fields} actions={b.actions ?? []} branch={b.name} onDone={onDone} />}
    </div>
  );
}

function CustomerPanel({ tk }: { tk: Ticket }) {
  const t = useT();
  const c = tk.customer;
  const [others, setOthers] = useState<Ticket[] | null>(null);
  useEffect(() => {
    if (!c?.id) return;
    api.tickets({ customer: c.id, status: 'open', sort: 'due', limit: 20 }).then(
      (r) => setOthers(r.items.filter((x) => x.id !== tk.id)),
      () => setOthers(null),
    );
  }, [c?.id, tk.id]);
  return (
    <section class="card" aria-labelledby="cust-h" data-testid="customer-panel">
      <h2 id="cust-h">{t('ticket.customer')}</h2>
      {!c || (!c.id && !c.name) ? (
        <p class="muted">{t('ticket.noCustomer')}</p>
      ) : (
        <>
          <div class="cust-line">
            <TierBadge tier={c.tier} /> <strong>{c.name || c.id}</strong> {c.id && c.name && <span class="muted">{c.id}</span>}
          </div>
          {(c.phone || c.email) && (
            <div class="muted small">
              {c.phone} {c.phone && c.email && '·'} {c.email}
            </div>
          )}
          {c.id && (
            <div class="cust-tickets">
              <h3>{t('ticket.customerOther')}</h3>
              {others === null ? null : others.length === 0 ? (
                <p class="muted small">{t('ticket.customerNoOther')}</p>
              ) : (
                <ul class="mini-list">
                  {others.map((x) => (
                    <li key={x.id}>
                      <a href={href(`/tickets/${x.id}`)}>{x.key}</a> <span class="ellipsis">{x.title}</span>{' '}
                      <span class="muted small">{x.state_title || x.state}</span>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </>
      )}
    </section>
  );
}

/** Claim, assign and transfer (a handoff, counted). */
function WorkPanel({ tk, onDone }: { tk: Ticket; onDone: (t?: Ticket) => void }) {
  const t = useT();
  const user = useStore(me)!;
  const [assignTo, setAssignTo] = useState('');
  const [tq, setTq] = useState('');
  const [reason, setReason] = useState('');
  const openBranches = (tk.branches ?? []).filter((b) => b.status === 'open');
  const [branch, setBranch] = useState(openBranches[0]?.name ?? '');
  // Only where this step's work may go (the server's `transfer_targets`), by title.
  const targets = (openBranches.length ? openBranches.find((b) => b.name === branch)?.transfer_targets : tk.transfer_targets) ?? [];
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  const staffLike = user.roles.some((r) => r === 'staff' || r === 'supervisor' || r === 'admin') || (user.queues ?? []).length > 0;
  if (!staffLike) return null;
  const canClaim = !tk.branches?.length && !tk.assignee && !!tk.queue && ((user.queues ?? []).includes(tk.queue) || user.roles.includes('admin'));

  const run = async (fn: () => Promise<Ticket>, ok: string) => {
    setBusy(true);
    setErr('');
    try {
      const next = await fn();
      toast(ok, 'success');
      onDone(next);
      return true;
    } catch (e) {
      setErr(errorText(e, t));
      return false;
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="work-h" data-testid="work-panel">
      <h2 id="work-h">{t('ticket.work')}</h2>
      {canClaim && (
        <button type="button" class="btn primary" disabled={busy} data-testid="ticket-claim" onClick={() => run(() => api.claim(tk.id), t('claimed', { key: tk.key }))}>
          {t('ticket.claim')}
        </button>
      )}
      <form
        class="inline-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const u = assignTo.trim();
          if (u && (await run(() => api.assign(tk.id, u), t('ticket.assigned', { user: u })))) setAssignTo('');
        }}
      >
        <label for="assign-to">{t('ticket.assignTo')}</label>
        <div class="row">
          <input id="assign-to" value={assignTo} onInput={(e) => setAssignTo(e.currentTarget.value)} autoComplete="off" data-testid="assign-input" />
          <button type="submit" class="btn" disabled={busy || !assignTo.trim()} data-testid="assign-submit">{t('ticket.assign')}</button>
        </div>
      </form>
      <form
        class="inline-form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!tq || !reason.trim()) return;
          const b = openBranches.length ? branch : undefined;
          const title = targets.find((x) => x.queue === tq)?.title || tq;
          if (await run(() => api.transfer(tk.id, tq, reason.trim(), b), t('ticket.transferred', { queue: title }))) {
            setTq('');
            setReason('');
          }
        }}
      >
        {openBranches.length > 0 && (
          <>
            <label for="transfer-branch">{t('ticket.transferBranch')}</label>
            <select id="transfer-branch" value={branch} onChange={(e) => setBranch(e.currentTarget.value)} data-testid="transfer-branch">
              {openBranches.map((b) => (
                <option key={b.name} value={b.name}>{b.name}</option>
              ))}
            </select>
          </>
        )}
        <label for="transfer-queue">{t('ticket.transferTo')}</label>
        <select id="transfer-queue" value={tq} onChange={(e) => setTq(e.currentTarget.value)} data-testid="transfer-queue" disabled={!targets.length}>
          <option value="">{targets.length ? t('field.choose') : t('ticket.transferNowhere')}</option>
          {targets.map((q) => (
            <option key={q.queue} value={q.queue}>{q.title || q.queue}</option>
          ))}
        </select>
        <label for="transfer-reason">{t('ticket.transferReason')}</label>
        <div class="row">
          <input id="transfer-reason" value={reason} required aria-required="true" onInput={(e) => setReason(e.currentTarget.value)} data-testid="transfer-reason" />
          <button type="submit" class="btn" disabled={busy || !tq || !reason.trim()} data-testid="transfer-submit">{t('ticket.transfer')}</button>
        </div>
      </form>
      {err && <div class="form-error" role="alert" data-testid="work-error">{err}</div>}
    </section>
  );
}

function CommentForm({ tk, onDone }: { tk: Ticket; onDone: () => void }) {
  const t = useT();
  const [body, setBody] = useState('');
  const [internal, setInternal] = useState(false);
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  // Internal notes are the back office's: offered to those the server says read them.
  const backOffice = !!tk.internal_notes;
  const submit = async () => {
    if (!body.trim()) return;
    setBusy(true);
    setErr('');
    try {
      await api.comment(tk.id, body.trim(), backOffice && internal);
      setBody('');
      toast(t('ticket.commentAdded'), 'success');
      onDone();
    } catch (e) {
      setErr(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="comment-form"
      data-testid="comment-form"
      {...submitKeys(submit)}
    >
      <label for="comment-body">{t('ticket.comments')}</label>
      <textarea id="comment-body" rows={2} value={body} onInput={(e) => setBody(e.currentTarget.value)} data-testid="comment-body" />
      <div class="form-buttons">
        {backOffice && (
          <label class="check" title={t('ticket.internalHint')}>
            <input type="checkbox" checked={internal} onChange={(e) => setInternal(e.currentTarget.checked)} data-testid="comment-internal" />
            {t('ticket.internal')}
          </label>
        )}
        <button type="submit" class="btn" disabled={busy || !body.trim()} data-testid="comment-submit">{t('ticket.addComment')}</button>
      </div>
      {err && <div class="form-error" role="alert">{err}</div>}
    </form>
  );
}

function str(v: unknown) {
  return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** State and action titles of a workflow version, so the timeline speaks in titles, not names. */
interface Names {
  state: (name: string) => string;
  action: (name: string) => string;
  field: (name: string) => string;
}
const noNames: Names = { state: (n) => n, action: (n) => n, field: (n) => n };

function namesOf(states: unknown[], fields: FieldDef[]): Names {
  const stateTitles = new Map<string, string>();
  const actionTitles = new Map<string, string>();
  for (const s of states ?? []) {
    const st = s as { name?: string; title?: string; transitions?: { name?: string; title?: string }[] };
    if (st.name && st.title) stateTitles.set(st.name, st.title);
    for (const tr of st.transitions ?? []) if (tr.name && tr.title && !actionTitles.has(tr.name)) actionTitles.set(tr.name, tr.title);
  }
  const field = (n: string) => {
    const def = (fields ?? []).find((f) => f.name === n);
    return def ? fieldLabel(def) : n;
  };
  return { state: (n) => stateTitles.get(n) ?? n, action: (n) => actionTitles.get(n) ?? n, field };
}

/** Event data keys that carry people's own words, shown as they are under the event. */
const WORDS_KEYS = ['comment', 'reason', 'message'];

/** An event in words: "amy · took “Approve” → Departments act". */
export function describeEvent(ev: TicketEvent, t: T, names: Names = noNames): { text: string; used: string[]; known: boolean } {
  const d = ev.data ?? {};
  const pick = (...keys: string[]) => {
    for (const k of keys) if (d[k] !== undefined && d[k] !== null && d[k] !== '') return { k, v: str(d[k]) };
    return null;
  };
  const used: string[] = [];
  const use = (...keys: string[]) => {
    const p = pick(...keys);
    if (p) used.push(p.k);
    return p?.v ?? '';
  };
  let text: string;
  let known = true;
  switch (ev.type) {
    case 'transitioned': {
      const action = d.action_title || d.title ? use('action_title', 'title', 'action') : names.action(use('action'));
      if (d.action_title || d.title) used.push('action');
      const to = d.to_title || d.state_title ? use('to_title', 'state_title', 'to', 'state') : names.state(use('to', 'state'));
      if (d.to_title || d.state_title) used.push('to', 'state');
      text = action ? t('event.transitioned', { action }) : '';
      if (to) text = text ? `${text} → ${to}` : t('event.transitionedTo', { to });
      break;
    }
    case 'assigned':
      text = t('event.assigned', { user: use('username', 'assignee', 'to', 'user') || t('none') });
      break;
    case 'transferred':
      text = t('event.transferred', { queue: use('queue', 'to') || t('none') });
      break;
    case 'commented':
      text = d.internal ? t('event.commentedInternal') : t('event.commented');
      used.push('internal', 'body');
      break;
    case 'branch_completed':
      text = t('event.branch_completed', { branch: use('branch', 'name') || '' });
      break;
    case 'returned_to_originator':
      text = t('event.returned_to_originator', { user: use('originator', 'username', 'assignee') || '' });
      break;
    case 'fields_changed': {
      const f = d.fields;
      text = t('event.fields_changed');
      if (f && typeof f === 'object') {
        text += `: ${Object.entries(f as Record<string, unknown>).map(([k, v]) => `${names.field(k)} = ${displayValue(v, t)}`).join(', ')}`;
        used.push('fields');
      }
      break;
    }
    default: {
      const key = `event.${ev.type}` as MessageKey;
      const s = t(key);
      known = s !== key;
      text = known ? s : t('event.other', { type: ev.type });
    }
  }
  return { text, used, known };
}

function ago(iso: string, nowMs: number, t: T) {
  const a = formatAge(iso, nowMs, t);
  return a === t('ago.now') ? a : t('ago.past', { d: a });
}

function Timeline({ events, names }: { events: TicketEvent[]; names: Names }) {
  const t = useT();
  const nowMs = useStore(now);
  if (!events.length) return <p class="muted">{t('ticket.noEvents')}</p>;
  return (
    <ol class="timeline" data-testid="timeline">
      {events.map((ev) => {
        const { text, used, known } = describeEvent(ev, t, names);
        // A described event shows only people's words besides its sentence (the engine's own data,
        // keys and names, would read as untranslated English); an unknown one shows its data.
        const rest = Object.entries(ev.data ?? {}).filter(
          ([k, v]) => !used.includes(k) && v !== null && v !== '' && typeof v !== 'object' && (!known || WORDS_KEYS.includes(k)),
        );
        const body = ev.type === 'commented' ? str(ev.data?.body) : '';
        return (
          <li key={ev.seq} class={`ev ev-${ev.type}${ev.data?.internal ? ' internal' : ''}`} data-testid={`event-${ev.type}`} data-seq={ev.seq}>
            <time dateTime={ev.at} title={formatTimeFull(ev.at)}>
              {formatTime(ev.at)} <span class="muted">({ago(ev.at, nowMs, t)})</span>
            </time>
            <div>
              <strong>{ev.actor ?? t('event.engine')}</strong> {text}
              {ev.data?.internal ? <span class="tag">{t('ticket.internalTag')}</span> : null}
              {body && <blockquote class="comment-body">{body}</blockquote>}
              {!!rest.length && (
                <div class="ev-data muted small">
                  {rest.map(([k, v]) => (known ? str(v) : `${k}: ${str(v)}`)).join(' · ')}
                </div>
              )}
            </div>
          </li>
        );
      })}
    </ol>
  );
}
