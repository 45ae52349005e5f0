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
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void submit();
      } else if (e.key === 'Escape' && onEscape) onEscape();
    },
  };
}
