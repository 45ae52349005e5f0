// SPDX-License-Identifier: GPL-3.0-or-later
// Tickets that came back to the signed-in user (an `assignee: originator` state, assigned to me,
// opened by me). Shared by the navigation badge, the Back to me page and the return toast.
import { api } from '../api/client';
import { t } from '../i18n';
import { me } from './session';
import { createStore } from '../lib/store';
import { toast } from './toasts';
import type { Ticket } from '../api/types';

export const backToMe = createStore<Ticket[] | null>(null);
let known: Set<number> | null = null;

export function isBackToMe(tk: Ticket, username: string | undefined) {
  return !!username && tk.status === 'open' && tk.assignee === username && tk.originator === username;
}

export async function refreshBackToMe() {
  const user = me.get();
  if (!user) return;
  const items: Ticket[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 10; page++) {
    const res = await api.tickets({ assignee: 'me', status: 'open', sort: 'due', limit: 100, cursor });
    items.push(...res.items.filter((tk) => isBackToMe(tk, user.username)));
    cursor = res.next_cursor;
    if (!cursor) break;
  }
  if (known) {
    for (const tk of items) {
      if (!known.has(tk.id)) toast(t('back.toast', { key: tk.key, title: tk.title }), 'success', `#/tickets/${tk.id}`, tk.key, 10000);
    }
  }
  known = new Set(items.map((x) => x.id));
  backToMe.set(items);
}

export function resetBackToMe() {
  known = null;
  backToMe.set(null);
}
