// SPDX-License-Identifier: GPL-3.0-or-later
// The top bar: search, the notifications bell, the language choice and the user's menu.
import { useRef, useState } from 'preact/hooks';
import { api } from '../api/client';
import { resetBackToMe } from '../state/backtome';
import { LangSwitch } from '../components/langswitch';
import { useT } from '../i18n';
import { stopLive } from '../api/live';
import { Bell, unread } from '../components/notifications';
import { href, navigate, useRoute } from '../state/router';
import { bootError, me } from '../state/session';
import { useStore } from '../lib/store';
import { useDismiss } from '../lib/dismiss';

export function TopBar() {
  const t = useT();
  const r = useRoute();
  const [q, setQ] = useState(r.parts[0] === 'search' ? r.query.get('q') ?? '' : '');
  return (
    <header class="topbar">
      <form
        class="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          const v = q.trim();
          if (v) navigate(`/search?q=${encodeURIComponent(v)}`);
        }}
      >
        <input
          type="search"
          value={q}
          onInput={(e) => setQ(e.currentTarget.value)}
          placeholder={t('top.search')}
          aria-label={t('top.search')}
          data-testid="search-input"
        />
        <button type="submit" class="btn small" data-testid="search-submit">{t('top.searchButton')}</button>
      </form>
      <div class="top-actions">
        <Bell />
        <LangSwitch testid="lang-switch" />
        <UserMenu />
      </div>
    </header>
  );
}

function UserMenu() {
  const t = useT();
  const user = useStore(me)!;
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useDismiss(open, box, () => setOpen(false));
  const signOut = async () => {
    try {
      await api.logout();
    } catch {
      /* the session is dropped locally either way */
    }
    stopLive();
    resetBackToMe();
    unread.set([]);
    me.set(null);
    bootError.set('');
    navigate('/');
  };
  return (
    <div class="menu-wrap" ref={box}>
      <button
        type="button"
        class="user-btn"
        aria-haspopup="true"
        aria-expanded={open}
        title={t('top.userMenu', { name: user.name || user.username })}
        data-testid="user-menu"
        onClick={() => setOpen(!open)}
      >
        {/* The name shown is the button's name (WCAG 2.5.3, label in name); aria-haspopup says it opens a menu. */}
        <span class="avatar" aria-hidden="true">{(user.name || user.username).slice(0, 1).toUpperCase()}</span>
        <span class="user-name">{user.name || user.username}</span>
      </button>
      {open && (
        <div class="menu user-menu">
          <div class="menu-head">
            <strong>{user.name}</strong> <span class="muted">@{user.username}</span>
          </div>
          <p class="muted small">{t('top.roles', { roles: user.roles.join(', ') })}</p>
          <p class="muted small">{t('top.departments', { departments: user.departments.join(', ') })}</p>
          <AwayControl />
          <p>
            <a href={href('/preferences')} data-testid="nav-preferences" onClick={() => setOpen(false)}>{t('nav.preferences')}</a>
          </p>
          <button type="button" class="btn" onClick={signOut} data-testid="sign-out">{t('signout')}</button>
        </div>
      )}
    </div>
  );
}

/** Marks the user away until a time, with an optional substitute, or back (PATCH /me/preferences). */
export function AwayControl() {
  const t = useT();
  const user = useStore(me)!;
  const [until, setUntil] = useState('');
  const [substitute, setSubstitute] = useState('');
  const [error, setError] = useState('');
  const save = async (away: { until: string; substitute?: string } | null) => {
    setError('');
    try {
      const reply = await api.setAway(away);
      me.set({ ...user, away: reply.away });
    } catch (e) {
      setError(t('top.away.failed', { message: e instanceof Error ? e.message : String(e) }));
    }
  };
  const away = user.away;
  return (
    <fieldset class="away" data-testid="away">
      <legend>{t('top.away.title')}</legend>
      {away ? (
        <>
          <p class="small" data-testid="away-status">
            {away.substitute
              ? t('top.away.nowWith', { until: new Date(away.until).toLocaleString(), substitute: away.substitute })
              : t('top.away.now', { until: new Date(away.until).toLocaleString() })}
          </p>
          <button type="button" class="btn small" data-testid="away-back" onClick={() => save(null)}>
            {t('top.away.back')}
          </button>
        </>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (!until) return;
            const s = substitute.trim();
            void save({ until: new Date(until).toISOString(), ...(s ? { substitute: s } : {}) });
          }}
        >
          <label class="small">
            {t('top.away.until')}
            <input type="datetime-local" required value={until} data-testid="away-until"
              onInput={(e) => setUntil(e.currentTarget.value)} />
          </label>
          <label class="small">
            {t('top.away.substitute')}
            <input type="text" value={substitute} data-testid="away-substitute"
              onInput={(e) => setSubstitute(e.currentTarget.value)} />
          </label>
          <button type="submit" class="btn small" data-testid="away-set">{t('top.away.set')}</button>
        </form>
      )}
      {error && <p class="error small" role="alert">{error}</p>}
    </fieldset>
  );
}
