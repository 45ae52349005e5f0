// SPDX-License-Identifier: GPL-3.0-or-later
// Closing a pop-up menu the way menus close: a click outside it, or Escape.
import type { RefObject } from 'preact';
import { useEffect } from 'preact/hooks';

/** While `open`, a mouse press outside `box` or the Escape key calls `close`. */
export function useDismiss(open: boolean, box: RefObject<HTMLElement | null>, close: () => void) {
  useEffect(() => {
    if (!open) return;
    const outside = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) close();
    };
    const esc = (e: KeyboardEvent) => e.key === 'Escape' && close();
    document.addEventListener('mousedown', outside);
    document.addEventListener('keydown', esc);
    return () => {
      document.removeEventListener('mousedown', outside);
      document.removeEventListener('keydown', esc);
    };
  }, [open]);
}
