// SPDX-License-Identifier: GPL-3.0-or-later
// The workspace of a signed-in user: navigation by role, the top bar, and the page of the route.
import { useEffect, useState } from 'preact/hooks';
import type { ComponentType } from 'preact';
import { mutated } from '../api/client';
import { backToMe, refreshBackToMe } from '../state/backtome';
import { ErrorBoundary } from '../components/boundary';
import { useT } from '../i18n';
import { onLive, startLive } from '../api/live';
import { kindText, noticeNow, refreshNotifications } from '../components/notifications';
import { href, navigate, useRoute } from '../state/router';
import { capabilities, homePath, me, workflows } from '../state/session';
import { useStore } from '../lib/store';
import { toast } from '../state/toasts';
import { NewTicket } from '../pages/newticket';
import { MyTickets, BackToMe } from '../pages/mytickets';
import { Queues } from '../pages/queues';
import { TicketPage } from '../pages/ticket/ticket';
import { Dashboard } from '../pages/dashboard';
import { Search } from '../pages/search';
import { CustomerPage } from '../pages/customer';
import { AnswersPage } from '../pages/answers';
import { PreferencesPage } from '../pages/preferences';
import { debounce } from '../lib/util';
import { TopBar } from './topbar';

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
// The reports page carries its charts and heat map: loaded on first visit, like the editor.
const Reports = lazyPage(() => import('../pages/reports/reports').then((m) => m.Reports));

export function Shell() {
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
        const text = noticeNow(m) || kindText(String(m.kind ?? ''));
        toast(text, m.kind === 'sla_breached' ? 'error' : 'warn', m.ticket ? `#/tickets/${m.ticket}` : undefined, m.ticket ? t('notif.ticket', { key: String(m.params?.key ?? m.ticket) }) : undefined, 10000);
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
          {caps.reports && navItem('/reports', t('nav.reports'), 'nav-reports')}
          {caps.answers && navItem('/answers', t('nav.answers'), 'nav-answers')}
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
      // Ticket ids are numbers: "#/tickets/abc" is a wrong address, not a request for /tickets/NaN.
      if (second && !/^[1-9][0-9]*$/.test(second)) return <NotFound />;
      return second ? <TicketPage id={second} key={second} /> : <MyTickets />;
    case 'dashboard':
      return <Dashboard />;
    case 'search':
      return <Search />;
    case 'customers':
      return second ? <CustomerPage id={second} key={second} /> : <Search />;
    case 'reports':
      return caps.reports ? <Reports /> : <Forbidden />;
    case 'answers':
      return <AnswersPage />;
    case 'preferences':
      return <PreferencesPage />;
    case 'admin':
      return caps.admin ? <Admin parts={parts.slice(1)} /> : <Forbidden />;
    default:
      return <NotFound />;
  }
}

/** A wrong address (a mistyped or old link): say so and offer the way home. */
function NotFound() {
  const t = useT();
  const user = useStore(me);
  const wfs = useStore(workflows);
  return (
    <section class="not-found" data-testid="not-found" aria-labelledby="not-found-title">
      <h1 id="not-found-title">{t('notFound.title')}</h1>
      <p>{t('notFound.text')}</p>
      <p>
        <a class="btn primary" href={href(homePath(user, wfs))} data-testid="not-found-home">{t('notFound.home')}</a>
      </p>
    </section>
  );
}

function Forbidden() {
  const t = useT();
  return <p class="form-error" role="alert">{t('error.forbidden')}</p>;
}
