// SPDX-License-Identifier: GPL-3.0-or-later
// What this user may do at this step: the action buttons, and the typed form of an action that writes fields.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client';
import type { Action, FieldDef, Ticket } from '../../api/types';
import { FilePicker, uploadAll } from '../../components/attachments';
import { FieldControl } from '../../components/field';
import { AnswerTextarea } from '../../components/answerpicker';
import { useT } from '../../i18n';
import { submitKeys } from '../../lib/forms';
import { errorText, fieldErrorTexts, serverText } from '../../model/errors';
import { checkField, formValueOf, initialValue, toApiValue } from '../../model/fields';
import { toast } from '../../state/toasts';
import { useStore } from '../../lib/store';
import { loadQueueTitles, queueTitle, queueTitles } from '../../state/queuetitles';

/** Action buttons; an action with required fields opens an inline form typed by the definitions. */
export function ActionBar({ tk, fields, actions, branch, onDone }: { tk: Ticket; fields: FieldDef[]; actions: Action[]; branch?: string; onDone: (t?: Ticket) => void }) {
  const t = useT();
  const [open, setOpen] = useState<Action | null>(null);
  const [confirming, setConfirming] = useState<Action | null>(null);
  const [busy, setBusy] = useState('');
  const [err, setErr] = useState('');
  const prefix = branch ? `branch-${branch}-action` : 'action';
  if (!actions.length) return branch ? null : <p class="muted small" data-testid="no-actions">{tk.status === 'closed' ? t('ticket.closedNote') : t('ticket.noActions')}</p>;
  // An action that throws work away (open branches, or going back) or that the workflow wants
  // asked about is never the one the eye goes to first.
  const primary = actions.find((a) => !asksFirst(a));

  const take = async (a: Action, confirmed = false) => {
    if (asksFirst(a) && !confirmed) {
      setOpen(null);
      setConfirming(a);
      return;
    }
    setConfirming(null);
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
            class={`btn${open?.name === a.name ? ' on' : ''}${a === primary ? ' primary' : ''}${asksFirst(a) ? ' discards' : ''}`}
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
      {confirming && (
        <DiscardConfirm
          tk={tk}
          action={confirming}
          testPrefix={prefix}
          onCancel={() => setConfirming(null)}
          onConfirm={() => void take(confirming, true)}
        />
      )}
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

/** Asked before it is taken: it cancels open branches, goes back, or the workflow says `confirm: true`. */
function asksFirst(a: Action) {
  return !!a.discards?.length || !!a.confirm;
}

/** "Taking X cancels the open branches A, B: their work is lost." (or goes back, or is simply
 *  asked about) — asked before it is done. */
function DiscardConfirm({ tk, action, testPrefix, onCancel, onConfirm }: {
  tk: Ticket; action: Action; testPrefix: string; onCancel: () => void; onConfirm: () => void;
}) {
  const t = useT();
  const titles = useStore(queueTitles);
  useEffect(loadQueueTitles, []);
  const keep = useRef<HTMLButtonElement>(null);
  useEffect(() => keep.current?.focus(), []);
  const named = (action.discards ?? []).map((name) => {
    const b = tk.branches?.find((x) => x.name === name);
    const title = b?.title || name;
    return b?.queue ? `${title} (${queueTitle(titles, b.queue)})` : title;
  });
  const id = `${testPrefix}-confirm-text`;
  const title = action.title || action.name;
  const discards = named.length > 0;
  const question = discards
    ? t('ticket.discardConfirm', { action: title, branches: named.join(t('list.separator')) })
    : action.backwards
      ? t('ticket.backConfirm', { action: title })
      : t('ticket.confirmAsk', { action: title });
  return (
    <div
      class="confirm-box"
      role="alertdialog"
      aria-labelledby={id}
      data-testid={`${testPrefix}-confirm`}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onCancel();
        }
      }}
    >
      <p id={id}>{question}</p>
      <div class="form-buttons">
        <button type="button" class="btn danger" onClick={onConfirm} data-testid={`${testPrefix}-confirm-ok`}>
          {t('ticket.discardOk', { action: action.title || action.name })}
        </button>
        <button type="button" class="btn" ref={keep} onClick={onCancel} data-testid={`${testPrefix}-confirm-cancel`}>
          {discards ? t('ticket.discardKeep') : t('ticket.confirmKeep')}
        </button>
      </div>
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
      v[d.name] = cur !== undefined && cur !== null ? formValueOf(d, cur) : initialValue(d);
    }
    return v;
  });
  const [comment, setComment] = useState('');
  const [files, setFiles] = useState<File[]>([]);
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
      const failed = await uploadAll(tk.id, files, t);
      if (failed.length) toast(failed.join(' '), 'error');
      else toast(t('ticket.actionDone', { action: action.title || action.name }), 'success');
      onDone(failed.length ? undefined : next);
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        setErrors(fieldErrorTexts(e, t));
        setErr(e.message ? serverText(e.message, t) : t('error.validation'));
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
            answers={{ ticket: tk }}
            onInput={(v) => setValues((o) => ({ ...o, [d.name]: v }))}
          />
        ))}
        <div class="field field-wide">
          <label for={`${testPrefix}-${action.name}-comment`}>{t('ticket.comment')}</label>
          <AnswerTextarea id={`${testPrefix}-${action.name}-comment`} rows={1} value={comment} onValue={setComment} context={{ ticket: tk }} data-testid={`${testPrefix}-comment`} />
        </div>
        <FilePicker id={`${testPrefix}-${action.name}-files`} files={files} onChange={setFiles} />
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
