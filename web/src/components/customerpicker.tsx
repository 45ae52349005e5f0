// SPDX-License-Identifier: GPL-3.0-or-later
// Finding a returning customer while they wait: type a phone number (any spelling), any part of a
// name, or an id; suggestions come as you type. The shared combobox (combobox.tsx) gives the keys.
import type { Ref } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Customer } from '../api/types';
import { useT } from '../i18n';
import { debounce } from '../lib/util';
import { ComboList, useComboList } from './combobox';

interface Props {
  onPick: (c: Customer) => void;
  inputRef?: Ref<HTMLInputElement>;
}

export function CustomerPicker({ onPick, inputRef }: Props) {
  const t = useT();
  const [text, setText] = useState('');
  const [items, setItems] = useState<Customer[]>([]);
  const { combo, list } = useComboList({
    items,
    listId: 'customer-suggestions',
    key: (c) => c.id ?? c.name,
    onPick: (c) => {
      setText('');
      setItems([]);
      onPick(c);
    },
    label: t('customer.suggestions'),
    empty: t('customer.none'),
    testid: 'customer-suggestions',
  });
  const asked = useRef('');
  const answered = useRef(combo);
  answered.current = combo;
  const find = useRef(
    debounce((q: string) => {
      asked.current = q;
      if (q.length < 2) {
        setItems([]);
        answered.current.setOpen(false);
        return;
      }
      api.customers(q).then(
        (r) => {
          if (asked.current !== q) return; // an answer to an older question
          setItems(r.items);
          answered.current.reset();
          answered.current.setOpen(true);
        },
        () => setItems([]),
      );
    }, 200),
  ).current;
  useEffect(
    () => () => {
      asked.current = '\u0000'; // unmounted: drop late answers
    },
    [],
  );

  return (
    <div class="field field-wide combo">
      <label for="customer-find">{t('customer.find')}</label>
      <input
        id="customer-find"
        ref={inputRef}
        {...combo.inputAria}
        aria-describedby="customer-find-hint"
        autoComplete="off"
        value={text}
        placeholder={t('customer.findHint')}
        data-testid="customer-find"
        onInput={(e) => {
          setText(e.currentTarget.value);
          find(e.currentTarget.value.trim());
        }}
        onKeyDown={(e) => combo.onKeyDown(e)}
        onBlur={() => window.setTimeout(() => combo.setOpen(false), 150)}
      />
      <span id="customer-find-hint" class="muted small">{t('customer.findKeys')}</span>
      <ComboList
        {...list}
        render={(c) => (
          <>
            <strong>{c.name || c.id}</strong> <span class="muted">{c.id}</span> {c.phone && <span>{c.phone}</span>} {c.tier && <span class="muted">{t('customer.tier', { tier: c.tier })}</span>}
          </>
        )}
      />
    </div>
  );
}
