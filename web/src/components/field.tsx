// SPDX-License-Identifier: GPL-3.0-or-later
// One workflow field as a labelled form control, typed by the workflow's field definition.
import type { Ref, RefObject } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import { lang, useT } from '../i18n';
import { useStore } from '../lib/store';
import type { FieldDef, QueueInfo, User } from '../api/types';
import { fieldLabel } from '../model/fields';
import { AnswerTextarea, type AnswerContext } from './answerpicker';
import { DateTimeInput } from './datetimeinput';

let queueCache: Promise<QueueInfo[]> | null = null;
let userCache: Promise<User[]> | null = null;
// Queue titles come in the UI's language: a switch fetches them again.
lang.subscribe(() => {
  queueCache = null;
});
function queuesOnce() {
  queueCache ??= api.queues().catch(() => ((queueCache = null), []));
  return queueCache;
}
function usersOnce() {
  userCache ??= api.users().catch(() => []);
  return userCache;
}

interface Props {
  def: FieldDef;
  value: string | boolean;
  onInput: (v: string | boolean) => void;
  error?: string;
  required?: boolean;
  idPrefix: string;
  inputRef?: RefObject<HTMLElement | null>;
  wide?: boolean;
  /** Given: a text field offers standard answers (answerpicker.tsx) filled from this ticket. */
  answers?: AnswerContext;
}

export function FieldControl({ def, value, onInput, error, required, idPrefix, inputRef: focusRef, wide, answers }: Props) {
  const t = useT();
  // One ref type for whichever element the field type renders.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const inputRef = focusRef as Ref<any> | undefined;
  const id = `${idPrefix}-${def.name}`;
  const errId = `${id}-error`;
  const [queues, setQueues] = useState<QueueInfo[]>([]);
  const [users, setUsers] = useState<User[]>([]);
  const language = useStore(lang);
  useEffect(() => {
    if (def.type === 'queue') void queuesOnce().then(setQueues);
  }, [def.type, language]);
  useEffect(() => {
    if (def.type === 'user') void usersOnce().then(setUsers);
  }, [def.type]);

  const common = {
    id,
    name: def.name,
    'data-testid': `field-${def.name}`,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': error ? errId : undefined,
    'aria-required': required ? true : undefined,
  };
  const str = typeof value === 'string' ? value : '';
  let control;
  switch (def.type) {
    case 'text':
      control = answers ? (
        <AnswerTextarea {...common} textareaRef={inputRef as { current: HTMLTextAreaElement | null }} rows={2} value={str} onValue={(v) => onInput(v)} context={answers} />
      ) : (
        <textarea {...common} ref={inputRef} rows={2} value={str} onInput={(e) => onInput(e.currentTarget.value)} />
      );
      break;
    case 'bool':
      control = (
        <input {...common} ref={inputRef} type="checkbox" checked={value === true} onChange={(e) => onInput(e.currentTarget.checked)} />
      );
      break;
    case 'int':
      control = <input {...common} ref={inputRef} type="text" inputMode="numeric" value={str} onInput={(e) => onInput(e.currentTarget.value)} />;
      break;
    case 'decimal':
      control = <input {...common} ref={inputRef} type="text" inputMode="decimal" value={str} onInput={(e) => onInput(e.currentTarget.value)} />;
      break;
    case 'date':
      control = <DateTimeInput common={common} inputRef={inputRef} value={str} onInput={onInput} withTime={false} />;
      break;
    case 'datetime':
      control = <DateTimeInput common={common} inputRef={inputRef} value={str} onInput={onInput} withTime />;
      break;
    case 'choice':
      control = (
        <select {...common} ref={inputRef} value={str} onChange={(e) => onInput(e.currentTarget.value)}>
          {/* A required choice starts on the placeholder and cannot go back to it: nothing is
              chosen for the agent. It starts with a dash, so typing a letter never picks it. */}
          {(!required || !str) && <option value="" disabled={required}>{t('field.choose')}</option>}
          {(def.options ?? []).map((o) => (
            <option key={o} value={o}>{def.option_labels?.[o] ?? o}</option>
          ))}
        </select>
      );
      break;
    case 'queue':
      control = (
        <select {...common} ref={inputRef} value={str} onChange={(e) => onInput(e.currentTarget.value)}>
          <option value="">{t('field.choose')}</option>
          {queues.map((q) => (
            <option key={q.name} value={q.name}>{q.title ? `${q.title} (${q.name})` : q.name}</option>
          ))}
        </select>
      );
      break;
    case 'user':
      control = (
        <>
          <input {...common} ref={inputRef} type="text" autoComplete="off" list={`${id}-users`} value={str} onInput={(e) => onInput(e.currentTarget.value)} />
          <datalist id={`${id}-users`}>
            {users.map((u) => (
              <option key={u.username} value={u.username}>{u.name}</option>
            ))}
          </datalist>
        </>
      );
      break;
    default:
      control = <input {...common} ref={inputRef} type="text" autoComplete="off" value={str} onInput={(e) => onInput(e.currentTarget.value)} />;
  }
  return (
    <div class={`field${def.type === 'bool' ? ' field-bool' : ''}${wide || def.type === 'text' ? ' field-wide' : ''}${error ? ' has-error' : ''}`}>
      <label for={id}>
        {fieldLabel(def)}
        {required && <span class="req" title={t('required')} aria-hidden="true"> *</span>}
      </label>
      {control}
      {error && (
        <div class="field-error" id={errId} role="alert" data-testid={`error-${def.name}`}>
          {error}
        </div>
      )}
    </div>
  );
}
