// SPDX-License-Identifier: GPL-3.0-or-later
// Picking a colleague by name (issue 16: reassigning needed the exact username): type any part
// of a name or username; the people listed first are those the caller ranked first (the queue's,
// then the department's); who is away says so, with until when. An ARIA combobox like the
// customer finder (the shared keyboard contract of combobox.tsx).
import { useState } from 'preact/hooks';
import type { User } from '../api/types';
import { formatTime, useT } from '../i18n';
import { useStore } from '../lib/store';
import { now } from '../lib/util';
import { ComboList, useComboList } from './combobox';

/** Whether `u` is away at `at` (ms): an absence that has begun and not ended. */
export function isAway(u: User, at: number): boolean {
  const a = u.away;
  if (!a) return false;
  return (!a.from || Date.parse(a.from) <= at) && Date.parse(a.until) > at;
}

interface Props {
  /** Everyone who may be picked, best first. */
  people: User[];
  onPick: (u: User) => void;
  id: string;
  label: string;
  /** Test ids: `${testid}-find` (the input) and `${testid}-options` (the list). */
  testid: string;
  disabled?: boolean;
}

export function PersonPicker({ people, onPick, id, label, testid, disabled }: Props) {
  const t = useT();
  const at = useStore(now);
  const [text, setText] = useState('');
  const words = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const shown = (words.length ? people.filter((u) => words.every((w) => `${u.name}\n${u.username}`.toLowerCase().includes(w))) : people).slice(0, 12);
  const { combo, list } = useComboList({
    items: shown,
    listId: `${id}-options`,
    key: (u) => u.username,
    onPick: (u) => {
      setText('');
      onPick(u);
    },
    label: t('person.list'),
    empty: t('person.none'),
    testid: `${testid}-options`,
  });
  return (
    <div class="combo">
      <label for={id}>{label}</label>
      <input
        id={id}
        {...combo.inputAria}
        autoComplete="off"
        value={text}
        disabled={disabled}
        placeholder={t('person.findHint')}
        data-testid={`${testid}-find`}
        onInput={(e) => {
          setText(e.currentTarget.value);
          combo.reset();
          combo.setOpen(true);
        }}
        onFocus={() => combo.setOpen(true)}
        onKeyDown={(e) => {
          // Enter on a closed list picks nothing, and submits nothing either.
          if (!combo.onKeyDown(e) && e.key === 'Enter' && !e.ctrlKey && !e.metaKey) e.preventDefault();
        }}
        onBlur={() => window.setTimeout(() => combo.setOpen(false), 150)}
      />
      <ComboList
        {...list}
        render={(u) => (
          <>
            <strong>{u.name || u.username}</strong> <span class="muted">{u.username}</span>
            {isAway(u, at) && (
              <span class="badge away" data-testid={`away-${u.username}`}>
                {u.away?.substitute
                  ? t('person.awayWith', { until: formatTime(u.away.until), substitute: u.away.substitute })
                  : t('person.away', { until: formatTime(u.away!.until) })}
              </span>
            )}
          </>
        )}
      />
    </div>
  );
}
