// SPDX-License-Identifier: GPL-3.0-or-later
// The application: sign-in or the workspace, with the connection bars and the toasts over either.
import { useEffect } from 'preact/hooks';
import { offline, retryNow, sessionLost } from '../api/client';
import { resetBackToMe } from '../state/backtome';
import { lang, translate, useT } from '../i18n';
import { liveStatus, reconnectLive, stopLive } from '../api/live';
import { loadSession, me } from '../state/session';
import { useStore } from '../lib/store';
import { dismiss, toast, toasts } from '../state/toasts';
import { SignIn } from '../pages/signin';
import { Shell } from './shell';

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
