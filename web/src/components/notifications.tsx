// SPDX-License-Identifier: GPL-3.0-or-later
// The bell: unread count, a drop-down list, mark read. Live notices arrive over the stream.
import { useRef, useState } from 'preact/hooks';
import { api } from '../api/client';
import { formatTime, formatTimeFull, lang, t, useT } from '../i18n';
import type { MessageKey } from '../i18n/en';
import { navigate } from '../state/router';
import { useDismiss } from '../lib/dismiss';
import { createStore, useStore } from '../lib/store';
import type { Notification } from '../api/types';
import { errorText } from '../model/errors';
import { noticeText, type NoticeLike, type NoticeWords } from '../model/notices';
import { peopleNames, personName, usePersonName } from '../state/people';

export const unread = createStore<Notification[]>([]);

export async function refreshNotifications() {
  const res = await api.notifications(true);
  unread.set(res.items ?? []);
}

export function kindText(kind: string) {
  const key = `notif.kind.${kind}` as MessageKey;
  const s = t(key);
  return s === key ? t('notif.kind.other') : s;
}

/** A notice's sentence in the language shown now (for a toast, outside a component). */
export function noticeNow(n: NoticeLike): string {
  const names = peopleNames.get();
  return noticeText(n, { lang: lang.get(), person: (u) => personName(names, u), time: formatTime });
}

export function Bell() {
  const tr = useT();
  const words: NoticeWords = { lang: useStore(lang), person: usePersonName(), time: formatTime };
  const items = useStore(unread);
  const [open, setOpen] = useState(false);
  const [err, setErr] = useState('');
  const box = useRef<HTMLDivElement>(null);

  useDismiss(open, box, () => setOpen(false));

  const markRead = async (n: Notification) => {
    try {
      await api.markRead(n.id);
      unread.update((list) => list.filter((x) => x.id !== n.id));
    } catch (e) {
      setErr(errorText(e, tr));
    }
  };
  const markAll = async () => {
    for (const n of items) await markRead(n);
  };

  const count = items.length;
  return (
    <div class="menu-wrap" ref={box}>
      <button
        type="button"
        class="icon-btn bell"
        aria-haspopup="true"
        aria-expanded={open}
        aria-label={count ? tr('top.notificationsUnread', { n: count }) : tr('top.notifications')}
        data-testid="notifications-bell"
        onClick={() => {
          setOpen(!open);
          if (!open) void refreshNotifications().catch(() => {});
        }}
      >
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
          <path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.5-2.5h-5A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z" />
        </svg>
        {count > 0 && <span class="badge" data-testid="notifications-count">{count}</span>}
      </button>
      {open && (
        <div class="menu notif-menu" role="region" aria-label={tr('notif.title')} data-testid="notifications-panel">
          <div class="menu-head">
            <strong>{tr('notif.title')}</strong>
            {count > 0 && (
              <button type="button" class="link-btn" onClick={markAll} data-testid="notifications-mark-all">{tr('notif.markAll')}</button>
            )}
          </div>
          {err && <div class="form-error" role="alert">{err}</div>}
          {count === 0 ? (
            <p class="empty">{tr('notif.empty')}</p>
          ) : (
            <ul class="notif-list">
              {items.map((n) => {
                const text = noticeText(n, words);
                return (
                <li key={n.id} data-testid={`notification-${n.id}`}>
                  <button
                    type="button"
                    class="notif-open"
                    onClick={() => {
                      void markRead(n);
                      setOpen(false);
                      navigate(`/tickets/${n.ticket}`);
                    }}
                  >
                    <span class={`notif-kind kind-${n.kind}`}>{kindText(n.kind)}</span>
                    <span class="notif-msg" data-testid="notification-text">{text}</span>
                    <time title={formatTimeFull(n.at)}>{formatTime(n.at)}</time>
                  </button>
                  <button type="button" class="link-btn small" aria-label={`${tr('notif.markRead')}: ${text}`} onClick={() => markRead(n)}>
                    {tr('notif.markRead')}
                  </button>
                </li>
                );
              })}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
