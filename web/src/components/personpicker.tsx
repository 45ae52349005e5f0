// SPDX-License-Identifier: GPL-3.0-or-later
// Picking a colleague by name (issue 16: reassigning needed the exact username): type any part
// of a name or username; the people listed first are those the caller ranked first (the queue's,
// then the department's); who is away says so, with until when. An ARIA combobox like the
// customer finder: arrows move, Enter picks, Escape closes.
import { useState } from 'preact/hooks';
import type { User } from '../api/types';
import { formatTime, useT } from '../i18n';
import { useStore } from '../lib/store';
import { now } from '../lib/util';

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
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const words = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const shown = (words.length ? people.filter((u) => words.every((w) => `${u.name}\n${u.username}`.toLowerCase().includes(w))) : people).slice(0, 12);
  const chosen = shown[Math.min(active, shown.length - 1)];

  const pick = (u: User | undefined) => {
    if (!u) return;
    setOpen(false);
    setText('');
    onPick(u);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen(true);
      setActive((i) => Math.min(i + 1, Math.max(0, shown.length - 1)));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((i) => Math.max(0, i - 1));
    } else if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      if (open) pick(chosen);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
    }
  };
  const listId = `${id}-options`;
  const optionId = (u: User) => `${id}-option-${u.username}`;
  return (
    <div class="combo">
      <label for={id}>{label}</label>
      <input
        id={id}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={open && chosen ? optionId(chosen) : undefined}
        autoComplete="off"
        value={text}
        disabled={disabled}
        placeholder={t('person.findHint')}
        data-testid={`${testid}-find`}
        onInput={(e) => {
          setText(e.currentTarget.value);
          setActive(0);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onKeyDown={onKeyDown}
        onBlur={() => window.setTimeout(() => setOpen(false), 150)}
      />
      <ul id={listId} role="listbox" aria-label={t('person.list')} class="combo-list" hidden={!open} data-testid={`${testid}-options`}>
        {open && shown.length === 0 && <li class="muted small" role="presentation">{t('person.none')}</li>}
        {open &&
          shown.map((u) => {
            const away = isAway(u, at);
            return (
              <li
                key={u.username}
                id={optionId(u)}
                role="option"
                aria-selected={u === chosen}
                class={u === chosen ? 'active' : ''}
                onMouseDown={(e) => {
                  e.preventDefault();
                  pick(u);
                }}
              >
                <strong>{u.name || u.username}</strong> <span class="muted">{u.username}</span>
                {away && (
                  <span class="badge away" data-testid={`away-${u.username}`}>
                    {u.away?.substitute
                      ? t('person.awayWith', { until: formatTime(u.away.until), substitute: u.away.substitute })
                      : t('person.away', { until: formatTime(u.away!.until) })}
                  </span>
                )}
              </li>
            );
          })}
      </ul>
    </div>
  );
}
