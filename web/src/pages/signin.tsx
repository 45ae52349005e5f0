// SPDX-License-Identifier: GPL-3.0-or-later
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api/client';
import { LangSwitch } from '../components/langswitch';
import { useT } from '../i18n';
import { bootError, loadWorkflows, me } from '../state/session';
import { useStore } from '../lib/store';
import { errorText } from '../model/errors';

export function SignIn() {
  const t = useT();
  const boot = useStore(bootError);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState('');

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErr('');
    try {
      const res = await api.login(username.trim(), password);
      bootError.set('');
      await loadWorkflows();
      // Prefer /me for queues; the login reply's user is the fallback.
      me.set(await api.me().catch(() => res.user));
    } catch (ex) {
      if (ex instanceof ApiError && (ex.status === 401 || ex.code === 'unauthenticated')) setErr(t('signin.failed'));
      else setErr(errorText(ex, t));
    } finally {
      setBusy(false);
    }
  };

  const bootText = boot === 'server' ? t('error.server') : boot ? t('error.unknown') : '';
  return (
    <div class="signin-page">
      <form class="signin card" onSubmit={submit} aria-labelledby="signin-title" data-testid="signin-form">
        <div class="signin-head">
          <h1 id="signin-title">{t('signin.title')}</h1>
          <LangSwitch testid="signin-lang" />
        </div>
        <p class="muted">{t('signin.subtitle')}</p>
        {bootText && !err && (
          <div class="form-error" role="alert" data-testid="signin-boot-error">{bootText}</div>
        )}
        <div class="field">
          <label for="signin-username">{t('signin.username')}</label>
          <input
            id="signin-username"
            name="username"
            autoComplete="username"
            autoFocus
            required
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
            data-testid="signin-username"
          />
        </div>
        <div class="field">
          <label for="signin-password">{t('signin.password')}</label>
          <input
            id="signin-password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            data-testid="signin-password"
          />
        </div>
        {err && <div class="form-error" role="alert" data-testid="signin-error">{err}</div>}
        <button type="submit" class="btn primary wide" disabled={busy} data-testid="signin-submit">
          {busy ? t('signin.busy') : t('signin.submit')}
        </button>
      </form>
    </div>
  );
}
