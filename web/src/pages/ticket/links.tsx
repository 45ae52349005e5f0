// SPDX-License-Identifier: GPL-3.0-or-later
// Tickets linked to this one: opened from it or it was opened from, linked by people (relates
// to, duplicate of), merged into it (their events readable here); linking, merging this one
// into another, and reopening a closed ticket.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Ticket, TicketEvent } from '../../api/types';
import { formatTime, useT } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { submitKeys } from '../../lib/forms';
import { useStore } from '../../lib/store';
import { errorText } from '../../model/errors';
import { href } from '../../state/router';
import { me } from '../../state/session';
import { toast } from '../../state/toasts';
import { noNames, Timeline } from './timeline';

const RELATIONS = ['opened_from', 'opened', 'relates_to', 'duplicate_of', 'duplicated_by', 'merged_into', 'merged_from'];

export function Links({ tk, onDone }: { tk: Ticket; onDone: (t?: Ticket) => void }) {
  const t = useT();
  const pending = tk.pending_links ?? [];
  const [form, setForm] = useState<'' | 'link' | 'merge'>('');
  return (
    <section class="card" aria-labelledby="links-h" data-testid="links">
      <h2 id="links-h">{t('ticket.links')}</h2>
      {!tk.links?.length && !pending.length && <p class="muted small">{t('link.none')}</p>}
      <ul class="mini-list">
        {pending.map((p) => (
          <li key={`pending-${p.workflow}-${p.due_at}`} data-testid="pending-link">
            <span class="muted">{t('link.pending', { due: p.due_at ? formatTime(p.due_at) : '' })}</span>{' '}
            <span class="small">{p.workflow}</span>
          </li>
        ))}
        {(tk.links ?? []).map((l) => (
          <li key={`${l.id}-${l.relation}`} data-testid={`link-${l.relation}-${l.key}`}>
            <span class="muted">{RELATIONS.includes(l.relation) ? t(`link.${l.relation}` as MessageKey) : l.relation}</span>{' '}
            <a href={href(`/tickets/${l.id}`)}>{l.key}</a> <span class="muted small">{l.workflow}</span>
            {l.relation === 'merged_from' && <MergedEvents id={l.id} ticketKey={l.key} />}
          </li>
        ))}
      </ul>
      <div class="form-buttons" role="group" aria-label={t('link.actions')}>
        <button type="button" class={`btn small${form === 'link' ? ' on' : ''}`} aria-expanded={form === 'link'} onClick={() => setForm(form === 'link' ? '' : 'link')} data-testid="link-open">
          {t('link.add')}
        </button>
        {tk.status === 'open' && (
          <button type="button" class={`btn small${form === 'merge' ? ' on' : ''}`} aria-expanded={form === 'merge'} onClick={() => setForm(form === 'merge' ? '' : 'merge')} data-testid="merge-open">
            {t('link.merge')}
          </button>
        )}
      </div>
      {form && (
        <LinkForm
          tk={tk}
          merge={form === 'merge'}
          key={form}
          onCancel={() => setForm('')}
          onDone={(next) => {
            setForm('');
            onDone(next);
          }}
        />
      )}
    </section>
  );
}

function LinkForm({ tk, merge, onCancel, onDone }: { tk: Ticket; merge: boolean; onCancel: () => void; onDone: (t?: Ticket) => void }) {
  const t = useT();
  const [other, setOther] = useState('');
  const [relation, setRelation] = useState<'relates_to' | 'duplicate_of'>('relates_to');
  const [reason, setReason] = useState('');
  const [err, setErr] = useState('');
  const [fieldErr, setFieldErr] = useState('');
  const [busy, setBusy] = useState(false);
  const prefix = merge ? 'merge' : 'link';
  const submit = async () => {
    if (!other.trim()) {
      setFieldErr(t('field.required'));
      return;
    }
    setBusy(true);
    setErr('');
    setFieldErr('');
    try {
      const next = merge ? await api.merge(tk.id, other.trim(), reason.trim()) : await api.link(tk.id, other.trim(), relation);
      toast(merge ? t('link.merged', { key: other.trim().toUpperCase() }) : t('link.linked', { key: other.trim().toUpperCase() }), 'success');
      onDone(next);
    } catch (e) {
      const msg = errorText(e, t);
      const fields = (e as { fieldErrors?: Record<string, string> }).fieldErrors ?? {};
      if (fields.ticket || fields.into) setFieldErr(fields.ticket || fields.into);
      setErr(msg);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="inline-form" data-testid={`${prefix}-form`} noValidate {...submitKeys(submit, onCancel)}>
      <label for={`${prefix}-ticket`}>{merge ? t('link.mergeInto') : t('link.other')}</label>
      <input
        id={`${prefix}-ticket`}
        value={other}
        autoFocus
        autoComplete="off"
        placeholder={t('link.keyHint')}
        aria-invalid={fieldErr ? true : undefined}
        aria-describedby={fieldErr ? `${prefix}-ticket-error` : undefined}
        onInput={(e) => setOther(e.currentTarget.value)}
        data-testid={`${prefix}-ticket`}
      />
      {fieldErr && <div class="field-error" id={`${prefix}-ticket-error`}>{fieldErr}</div>}
      {merge ? (
        <>
          <label for="merge-reason">{t('link.mergeReason')}</label>
          <input id="merge-reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} data-testid="merge-reason" />
          <p class="muted small">{t('link.mergeHint')}</p>
        </>
      ) : (
        <>
          <label for="link-relation">{t('link.relation')}</label>
          <select id="link-relation" value={relation} onChange={(e) => setRelation(e.currentTarget.value as 'relates_to' | 'duplicate_of')} data-testid="link-relation">
            <option value="relates_to">{t('link.relates_to')}</option>
            <option value="duplicate_of">{t('link.duplicate_of')}</option>
          </select>
        </>
      )}
      {err && <div class="form-error" role="alert" data-testid={`${prefix}-error`}>{err}</div>}
      <div class="form-buttons">
        <button type="submit" class="btn" disabled={busy} data-testid={`${prefix}-submit`}>{merge ? t('link.mergeSubmit') : t('link.submit')}</button>
        <button type="button" class="btn ghost" onClick={onCancel}>{t('cancel')}</button>
      </div>
    </form>
  );
}

/** The events of a ticket merged into this one, on request. */
function MergedEvents({ id, ticketKey }: { id: number; ticketKey: string }) {
  const t = useT();
  const [events, setEvents] = useState<TicketEvent[] | null>(null);
  const [open, setOpen] = useState(false);
  const [err, setErr] = useState('');
  useEffect(() => {
    if (open && events === null) api.events(id).then((r) => setEvents(r.items ?? []), (e) => setErr(errorText(e, t)));
  }, [open]);
  return (
    <details class="merged-events" onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)} data-testid={`merged-events-${ticketKey}`}>
      <summary>{t('link.mergedEvents', { key: ticketKey })}</summary>
      {err && <div class="form-error" role="alert">{err}</div>}
      {events && <Timeline events={events} names={noNames} />}
    </details>
  );
}

/** Reopening a closed ticket (by its originator, a supervisor or an admin; the server decides). */
export function ReopenButton({ tk, onDone }: { tk: Ticket; onDone: (t?: Ticket) => void }) {
  const t = useT();
  const user = useStore(me)!;
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  const may = tk.originator === user.username || user.roles.includes('supervisor') || user.roles.includes('admin');
  if (tk.status !== 'closed' || !may) return null;
  const submit = async () => {
    setBusy(true);
    setErr('');
    try {
      const next = await api.reopen(tk.id, reason.trim(), tk.version);
      toast(t('ticket.reopened', { key: tk.key }), 'success');
      setOpen(false);
      onDone(next);
    } catch (e) {
      setErr(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="actions">
      <button type="button" class={`btn${open ? ' on' : ''}`} aria-expanded={open} onClick={() => setOpen(!open)} data-testid="reopen-open">{t('ticket.reopen')}…</button>
      {open && (
        <form class="inline-form" data-testid="reopen-form" noValidate {...submitKeys(submit, () => setOpen(false))}>
          <label for="reopen-reason">{t('ticket.reopenReason')}</label>
          <input id="reopen-reason" value={reason} autoFocus onInput={(e) => setReason(e.currentTarget.value)} data-testid="reopen-reason" />
          {err && <div class="form-error" role="alert" data-testid="reopen-error">{err}</div>}
          <div class="form-buttons">
            <button type="submit" class="btn" disabled={busy} data-testid="reopen-submit">{t('ticket.reopen')}</button>
            <button type="button" class="btn ghost" onClick={() => setOpen(false)}>{t('cancel')}</button>
          </div>
        </form>
      )}
    </div>
  );
}
