// SPDX-License-Identifier: GPL-3.0-or-later
// One keyboard contract for every "type to find, pick from a list" control (the person, customer
// and standard-answer pickers had three copies that had drifted apart: one list wrapped round at
// its ends, the others stopped). The WAI-ARIA 1.2 combobox pattern with a listbox popup:
// - Down/Up move the active option and wrap round at the ends; Down (or Alt+Down) opens a closed
//   list; Home/End go to the first and last option while the list is open;
// - Enter picks the active option (never with Ctrl/Cmd: Ctrl+Enter submits the form around it);
// - Escape closes an open list (and nothing else: the form or dialog around it keeps its Escape);
// - the input holds the focus throughout and names the active option in aria-activedescendant;
// - while an input method composes (pinyin), its keys are its own: the Enter that commits the
//   characters, or the arrows that choose among candidates, pick and move nothing here.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

export interface ComboboxOptions<T> {
  /** The options shown, best first. */
  items: T[];
  /** The listbox's element id; option ids are derived from it and `key`. */
  listId: string;
  /** A stable key of an option (part of its element id). */
  key: (item: T) => string | number | undefined;
  onPick: (item: T) => void;
  /** Open state when the caller owns it (a popup that is open as long as it is shown). */
  open?: boolean;
  onOpenChange?: (open: boolean) => void;
}

export interface Combobox<T> {
  open: boolean;
  setOpen: (open: boolean) => void;
  /** The option Enter would pick (undefined when the list is empty). */
  chosen: T | undefined;
  /** Makes the first option active again (after the text changed). */
  reset: () => void;
  setActive: (index: number) => void;
  optionId: (item: T) => string;
  listId: string;
  /** The keys of the pattern; returns true when it handled the key. */
  onKeyDown: (e: KeyboardEvent) => boolean;
  /** ARIA attributes for the input. */
  inputAria: {
    role: 'combobox';
    'aria-autocomplete': 'list';
    'aria-expanded': boolean;
    'aria-controls': string;
    'aria-activedescendant': string | undefined;
  };
  pick: (item: T | undefined) => void;
}

/**
 * A key as part of an element id: letters, digits and '-' as they are, anything else (a space in
 * a customer id, Chinese, '_') as _hex_, so two keys never give the same id.
 */
export function idPart(key: string | number | undefined): string {
  return String(key).replace(/[^A-Za-z0-9-]/gu, (c) => `_${c.codePointAt(0)!.toString(16)}_`);
}

export function useCombobox<T>({ items, listId, key, onPick, open: ownedOpen, onOpenChange }: ComboboxOptions<T>): Combobox<T> {
  const [localOpen, setLocalOpen] = useState(false);
  const [active, setActive] = useState(0);
  const open = ownedOpen ?? localOpen;
  const setOpen = (o: boolean) => {
    if (ownedOpen === undefined) setLocalOpen(o);
    onOpenChange?.(o);
  };
  const n = items.length;
  const index = n ? Math.min(Math.max(active, 0), n - 1) : -1;
  const chosen = index >= 0 ? items[index] : undefined;
  const optionId = (item: T) => `${listId}-${idPart(key(item))}`;
  const pick = (item: T | undefined) => {
    if (item === undefined) return;
    setOpen(false);
    setActive(0);
    onPick(item);
  };

  const onKeyDown = (e: KeyboardEvent): boolean => {
    // 229: the key an input method took (Safari sends the committing Enter after compositionend).
    if (e.isComposing || e.keyCode === 229) return false;
    const plain = !e.ctrlKey && !e.metaKey;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!open) {
        setOpen(true);
        if (e.key === 'ArrowUp') setActive(n - 1);
        return true;
      }
      if (e.altKey || !n) return true;
      const step = e.key === 'ArrowDown' ? 1 : -1;
      setActive((index + step + n) % n);
      return true;
    }
    if (open && plain && (e.key === 'Home' || e.key === 'End') && n) {
      e.preventDefault();
      setActive(e.key === 'Home' ? 0 : n - 1);
      return true;
    }
    if (e.key === 'Enter' && plain && open) {
      e.preventDefault();
      e.stopPropagation(); // the form around it must not see the Enter that picked
      pick(chosen);
      return true;
    }
    if (e.key === 'Escape' && open) {
      e.preventDefault();
      e.stopPropagation(); // a dialog or form around it keeps its own Escape
      setOpen(false);
      return true;
    }
    return false;
  };

  return {
    open,
    setOpen,
    chosen,
    reset: () => setActive(0),
    setActive,
    optionId,
    listId,
    onKeyDown,
    inputAria: {
      role: 'combobox',
      'aria-autocomplete': 'list',
      'aria-expanded': open,
      'aria-controls': listId,
      'aria-activedescendant': open && chosen !== undefined ? optionId(chosen) : undefined,
    },
    pick,
  };
}

export interface ListProps<T> {
  combo: Combobox<T>;
  items: T[];
  label: string;
  /** Shown as the only row when the open list is empty. */
  empty: ComponentChildren;
  render: (item: T) => ComponentChildren;
  class?: string;
  testid?: string;
  optionTestid?: (item: T) => string | undefined;
}

/** The listbox of a combobox: options picked by a click (the input keeps the focus). */
export function ComboList<T>({ combo, items, label, empty, render, class: cls = 'combo-list', testid, optionTestid }: ListProps<T>) {
  return (
    <ul id={combo.listId} role="listbox" aria-label={label} class={cls} hidden={!combo.open} data-testid={testid}>
      {combo.open && items.length === 0 && (
        <li class="muted small" role="presentation">
          {empty}
        </li>
      )}
      {combo.open &&
        items.map((item, i) => {
          const selected = item === combo.chosen;
          return (
            <li
              key={combo.optionId(item)}
              id={combo.optionId(item)}
              role="option"
              aria-selected={selected}
              class={selected ? 'active' : ''}
              data-testid={optionTestid?.(item)}
              onMouseDown={(e) => e.preventDefault() /* the input keeps the focus */}
              onClick={() => combo.pick(item)}
              onMouseEnter={() => combo.setActive(i)}
            >
              {render(item)}
            </li>
          );
        })}
    </ul>
  );
}

/** A combobox and the props of its list: what the list shows is set up once, with the keys. */
export interface ComboListSetup<T> extends ComboboxOptions<T> {
  label: string;
  empty: ComponentChildren;
  class?: string;
  testid?: string;
  optionTestid?: (item: T) => string | undefined;
}

/** useCombobox and the ComboList props that go with it: `<ComboList {...list} render={…} />`. */
export function useComboList<T>({ label, empty, class: cls, testid, optionTestid, ...options }: ComboListSetup<T>) {
  const combo = useCombobox(options);
  const list: Omit<ListProps<T>, 'render'> = { combo, items: options.items, label, empty, class: cls, testid, optionTestid };
  return { combo, list };
}
