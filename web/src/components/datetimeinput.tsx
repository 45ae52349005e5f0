// SPDX-License-Identifier: GPL-3.0-or-later
// A date, or a date and time, typed into one box: one Tab stop (the browser's own inputs are three
// and five in Chromium), the formats a trained agent types (model/datetime.ts), and a read-back
// under the box in the reader's language ("Tue 8 Dec 2026, 14:30") so a misread is seen at once.
import { useEffect, useState } from 'preact/hooks';
import type { Ref } from 'preact';
import { lang, useT } from '../i18n';
import { useStore } from '../lib/store';
import { parseTypedDateTime, typedFromValue } from '../model/datetime';

interface Props {
  /** The field's common attributes (id, name, test id, ARIA). */
  common: Record<string, unknown> & { id: string; 'data-testid': string; 'aria-describedby'?: string };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  inputRef?: Ref<any>;
  /**
   * The form value: "YYYY-MM-DDTHH:MM" / "YYYY-MM-DD" in the browser's zone, or an instant as the
   * API writes it ("2026-12-08T06:30:00Z", a value the ticket has), shown in local time and handed
   * back unchanged until something is typed.
   */
  value: string;
  /** What was typed, read as the form value (or as typed when it cannot be read). */
  onInput: (v: string) => void;
  withTime: boolean;
}

function readBack(value: string, withTime: boolean, language: string): string {
  const [y, m, d, h = 0, min = 0] = value.split(/[-T:]/).map(Number);
  const when = new Date(y, m - 1, d, h, min);
  const options: Intl.DateTimeFormatOptions = { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' };
  if (withTime) Object.assign(options, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return when.toLocaleString(language === 'zh' ? 'zh-CN' : 'en-GB', options);
}

export function DateTimeInput({ common, inputRef, value, onInput, withTime }: Props) {
  const t = useT();
  const language = useStore(lang);
  const [text, setText] = useState(typedFromValue(value));
  // The form changed the value itself (a reset after sending, a default): show that.
  useEffect(() => {
    if (value !== (parseTypedDateTime(text, withTime) ?? text)) setText(typedFromValue(value));
  }, [value]);
  const parsed = parseTypedDateTime(text, withTime);
  const readsId = `${common.id}-reads`;
  return (
    <>
      <input
        {...common}
        ref={inputRef}
        type="text"
        autoComplete="off"
        spellcheck={false}
        placeholder={withTime ? t('field.datetimeHint') : t('field.dateHint')}
        aria-describedby={[common['aria-describedby'], readsId].filter(Boolean).join(' ')}
        value={text}
        onInput={(e) => {
          const typed = e.currentTarget.value;
          setText(typed);
          onInput(parseTypedDateTime(typed, withTime) ?? typed);
        }}
        onBlur={() => {
          if (parsed) setText(typedFromValue(parsed));
        }}
      />
      <span id={readsId} class="muted small field-reads" data-testid={`${common['data-testid']}-reads`}>
        {parsed ? readBack(parsed, withTime, language) : ''}
      </span>
    </>
  );
}
