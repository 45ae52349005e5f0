// SPDX-License-Identifier: GPL-3.0-or-later
// Finding a returning customer while they wait: type a phone number (any spelling), any part of a
// name, or an id; suggestions come as you type. An ARIA combobox (WAI-ARIA 1.2 "list" pattern):
// arrows move through the suggestions, Enter picks one, Escape closes the list.
import type { Ref } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Customer } from '../api/types';
import { useT } from '../i18n';
import { debounce } from '../lib/util';

interface Props {
  onPick: (c: Customer) => void;
  inputRef?: Ref<HTMLInputElement>;
}

export function CustomerPicker({ onPick, inputRef }: Props) {
  const t = useT();
  const [text, setText] = useState('');
  const [items, setItems] = useState<Customer[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const asked = useRef('');
  const find = useRef(
    debounce((q: string) => {
      asked.current = q;
      if (q.length < 2) {
        setItems([]);
        setOpen(false);
        return;
      }
      api.customers(q).then(
        (r) => {
          if (asked.current !== q) return; // an answer to an older question
          setItems(r.items);
          setOpen(true);
          setActive(r.items.length ? 0 : -1);
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

  const pick = (c: Customer) => {
    setOpen(false);
    setText('');
    setItems([]);
    onPick(c);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' && items.length) {
      e.preventDefault();
      setOpen(true);
      setActive((i) => (i + 1) % items.length);
    } else if (e.key === 'ArrowUp' && items.length) {
      e.preventDefault();
      setActive((i) => (i <= 0 ? items.length - 1 : i - 1));
    } else if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey && open && active >= 0 && items[active]) {
      e.preventDefault(); // picks; the form is submitted with Ctrl+Enter
      pick(items[active]);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
    }
  };
  const listId = 'customer-suggestions';
  return (
    <div class="field field-wide combo">
      <label for="customer-find">{t('customer.find')}</label>
      <input
        id="customer-find"
        ref={inputRef}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={open && active >= 0 ? `customer-option-${active}` : undefined}
        aria-describedby="customer-find-hint"
        autoComplete="off"
        value={text}
        placeholder={t('customer.findHint')}
        data-testid="customer-find"
        onInput={(e) => {
          setText(e.currentTarget.value);
          find(e.currentTarget.value.trim());
        }}
        onKeyDown={onKeyDown}
        onBlur={() => window.setTimeout(() => setOpen(false), 150)}
      />
      <span id="customer-find-hint" class="muted small">{t('customer.findKeys')}</span>
      <ul id={listId} role="listbox" aria-label={t('customer.suggestions')} class="combo-list" hidden={!open} data-testid="customer-suggestions">
        {open && items.length === 0 && <li class="muted small" role="presentation">{t('customer.none')}</li>}
        {items.map((c, i) => (
          <li
            key={c.id}
            id={`customer-option-${i}`}
            role="option"
            aria-selected={i === active}
            class={i === active ? 'active' : ''}
            onMouseDown={(e) => {
              e.preventDefault();
              pick(c);
            }}
          >
            <strong>{c.name || c.id}</strong> <span class="muted">{c.id}</span> {c.phone && <span>{c.phone}</span>} {c.tier && <span class="muted">{t('customer.tier', { tier: c.tier })}</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}
