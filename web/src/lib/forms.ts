// SPDX-License-Identifier: GPL-3.0-or-later
// Keyboard behaviour shared by the UI's forms.
import type { FormHTMLAttributes } from 'preact';

/**
 * The `onSubmit` and `onKeyDown` of a form that submits through `submit` (never the browser's
 * own submission). Ctrl+Enter (⌘+Enter on a Mac) submits from anywhere in the form, a textarea
 * included, where plain Enter adds a line; Escape calls `onEscape` when there is one.
 * A plain function, not a hook: it keeps no state, so it may be called anywhere in a render.
 */
export function submitKeys(
  submit: () => unknown,
  onEscape?: () => void,
): Pick<FormHTMLAttributes<HTMLFormElement>, 'onSubmit' | 'onKeyDown'> {
  return {
    onSubmit: (e) => {
      e.preventDefault();
      void submit();
    },
    onKeyDown: (e) => {
      if (isCtrlEnter(e)) {
        e.preventDefault();
        void submit();
      } else if (e.key === 'Escape' && onEscape) onEscape();
    },
  };
}

/** Ctrl+Enter, or ⌘+Enter on a Mac: "send this". */
export function isCtrlEnter(e: KeyboardEvent) {
  return e.key === 'Enter' && (e.ctrlKey || e.metaKey);
}

/**
 * The `onKeyDown` of a field inside a larger form that sends only itself on Ctrl+Enter
 * (through `send`): the key goes no further, so the form around it is not submitted.
 */
export function sendOnCtrlEnter(send: () => unknown) {
  return (e: KeyboardEvent) => {
    if (!isCtrlEnter(e)) return;
    e.preventDefault();
    e.stopPropagation();
    void send();
  };
}
