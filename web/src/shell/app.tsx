// SPDX-License-Identifier: GPL-3.0-or-later
// The application shell: sign-in or the workspace (navigation, top bar, bars, toasts, the page).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ComponentType } from 'preact';
import { api, mutated, offline, retryNow, sessionLost } from '../api/client';
import { backToMe, refreshBackToMe, resetBackToMe } from '../state/backtome';
import { ErrorBoundary } from '../components/boundary';
import { LangSwitch } from '../components/langswitch';
import { lang, translate, useT } from '../i18n';
import { liveStatus, onLive, reconnectLive, startLive, stopLive } from '../api/live';
import { Bell, kindText, refreshNotifications, unread } from '../components/notifications';
import { href, navigate, useRoute } from '../state/router';
import { bootError, capabilities, homePath, loadSession, me, workflows } from '../state/session';
import { useStore } from '../lib/store';
import { dismiss, toast, toasts } from '../state/toasts';
import { SignIn } from '../pages/signin';
import { NewTicket } from '../pages/newticket';
import { MyTickets, BackToMe } from '../pages/mytickets';
import { Queues } from '../pages/queues';
import { TicketPage } from '../pages/ticket/ticket';
import { Dashboard } from '../pages/dashboard';
import { Search } from '../pages/search';
import { useDismiss } from '../lib/dismiss';
import { debounce } from '../lib/util';

export function App() {
  const user = useStore(me);
  useEffect(() => {
    void loadSession();
  }, []);
  const lost = useStore(sessionLost);
  useEffect(() => {
    if (lost && me.get()) {
      stopLive();
      resetBackToMe();
      me.set(null);
      toast(translate(lang.get(), 'session.expired'), 'warn');
    }
  }, [lost]);

  if (user === undefined) {
    return (
      <div class="boot" aria-busy="true">
        <LoadingText />
      </div>
    );
  }
  return (
    <>
      <OfflineBar />
      {user ? <Shell /> : <SignIn />}
      <Toasts />
    </>
  );
}

function LoadingText() {
  const t = useT();
  return <p class="muted">{t('loading')}</p>;
}

function OfflineBar() {
  const t = useT();
  const isOffline = useStore(offline);
  const live = useStore(liveStatus);
  if (isOffline) {
    return (
      <div class="conn-bar" role="status" data-testid="connection-bar">
        {t('conn.lost')}
        <button type="button" class="btn small" onClick={() => retryNow()}>{t('conn.retry')}</button>
      </div>
    );
  }
  if (live === 'lost') {
    return (
      <div class="conn-bar" role="status" data-testid="live-bar">
        {t('live.lost')}
        <button type="button" class="btn small" onClick={() => reconnectLive()}>{t('conn.retry')}</button>
      </div>
    );
  }
  return null;
}

function Toasts() {
  const t = useT();
  const list = useStore(toasts);
  return (
    <div class="toasts" aria-live="polite" data-testid="toasts">
      {list.map((x) => (
        <div key={x.id} class={`toast toast-${x.kind}`} role={x.kind === 'error' ? 'alert' : 'status'} data-testid="toast">
          <span>{x.text}</span>
          {x.href && <a href={x.href} onClick={() => dismiss(x.id)}>{x.linkText}</a>}
          <button type="button" class="icon-btn small" aria-label={t('toast.dismiss')} onClick={() => dismiss(x.id)}>×</button>
        </div>
      ))}
    </div>
  );
}

/** Loads a page module on first use (the admin pages pull in the editor and the diagram). */
function lazyPage<P>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  return function LazyPage(props: P) {
    const t = useT();
    const [C, setC] = useState<ComponentType<P> | null>(() => loaded);
    const [err, setErr] = useState(false);
    useEffect(() => {
      if (!C)
        load().then(
          (c) => {
            loaded = c;
            setC(() => c);
          },
          () => setErr(true),
        );
    }, []);
    if (err) return <div class="form-error" role="alert">{t('error.server')}</div>;
    return C ? <C {...(props as P & object)} /> : <p class="muted">{t('loading')}</p>;
  };
}

const Admin = lazyPage(() => import('../admin/admin').then((m) => m.Admin));

function Shell() {
  const t = useT();
  const user = useStore(me)!;
  const wfs = useStore(workflows);
  const r = useRoute();
  const back = useStore(backToMe);
  const caps = capabilities(user, wfs);

  useEffect(() => {
    startLive();
    const refresh = debounce(() => {
      void refreshBackToMe().catch(() => {});
    }, 300);
    refresh();
    void refreshNotifications().catch(() => {});
    const off = onLive((m) => {
      if (m.type === 'ticket') {
        refresh();
      } else if (m.type === 'notification') {
        void refreshNotifications().catch(() => {});
        const text = m.message ? String(m.message) : kindText(String(m.kind ?? ''));
        toast(text, m.kind === 'sla_breached' ? 'error' : 'warn', m.ticket ? `#/tickets/${m.ticket}` : undefined, m.ticket ? t('notif.ticket', { key: String(m.ticket) }) : undefined, 10000);
      }
    });
    const offMut = mutated.subscribe(refresh);
    // A slow safety net in case the stream is unavailable; SLA badges also age.
    const poll = window.setInterval(() => {
      refresh();
      void refreshNotifications().catch(() => {});
    }, 60000);
    return () => {
      off();
      offMut();
      window.clearInterval(poll);
    };
  }, []);

  useEffect(() => {
    if (r.path === '/' || r.path === '') navigate(homePath(user, wfs));
  }, [r.path, wfs]);

  const page = renderPage(r.parts, caps);
  const count = back?.length ?? 0;
  const navItem = (path: string, label: string, testid: string, extra?: preact.ComponentChildren) => {
    const active = r.path === path || r.path.startsWith(`${path}/`);
    return (
      <li>
        <a href={href(path)} class={active ? 'active' : ''} aria-current={active ? 'page' : undefined} data-testid={testid}>
          <span>{label}</span>
          {extra}
        </a>
      </li>
    );
  };

  return (
    <div class="shell">
      <nav class="sidenav" aria-label={t('nav.label')}>
        <a class="brand" href={href(homePath(user, wfs))}>{t('app.name')}</a>
        <ul>
          {caps.newTicket && navItem('/new', t('nav.new'), 'nav-new')}
          {caps.mine && navItem('/mine', t('nav.mine'), 'nav-mine')}
          {caps.back &&
            navItem(
              '/back',
              t('nav.back'),
              'nav-back',
              count > 0 ? (
                <span class="badge loud" data-testid="back-count" aria-label={count === 1 ? t('nav.backCountOne') : t('nav.backCount', { n: count })}>{count}</span>
              ) : null,
            )}
          {caps.queues && navItem('/queues', t('nav.queues'), 'nav-queues')}
          {caps.dashboard && navItem('/dashboard', t('nav.dashboard'), 'nav-dashboard')}
          {caps.admin && navItem('/admin', t('nav.admin'), 'nav-admin')}
        </ul>
      </nav>
      <div class="main-col">
        <TopBar />
        <main class="content" id="main">
          <ErrorBoundary resetKey={r.path}>{page}</ErrorBoundary>
        </main>
      </div>
    </div>
  );
}

function renderPage(parts: string[], caps: ReturnType<typeof capabilities>) {
  const [first, second] = parts;
  switch (first) {
    case 'new':
      return <NewTicket />;
    case 'mine':
      return <MyTickets />;
    case 'back':
      return <BackToMe />;
    case 'queues':
      return <Queues selected={second} />;
    case 'tickets':
      return second ? <TicketPage id={second} key={second} /> : <MyTickets />;
    case 'dashboard':
      return <Dashboard />;
    case 'search':
      return <Search />;
    case 'admin':
      return caps.admin ? <Admin parts={parts.slice(1)} /> : <Forbidden />;
    default:
      return null;
  }
}

function Forbidden() {
  const t = useT();
  return <p class="form-error" role="alert">{t('error.forbidden')}</p>;
}

function TopBar() {
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
        aria-label={t('top.userMenu', { name: user.name || user.username })}
        data-testid="user-menu"
        onClick={() => setOpen(!open)}
      >
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
          <button type="button" class="btn" onClick={signOut} data-testid="sign-out">{t('signout')}</button>
        </div>
      )}
    </div>
  );
}
