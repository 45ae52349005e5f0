// SPDX-License-Identifier: GPL-3.0-or-later
// The signed-in user's preferences (GET/PATCH /me/preferences): their own time zone, which
// channels besides the bell carry each kind of notice to them, their quiet hours, and their
// absence.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Preferences, QuietHours } from '../api/types';
import { kindText } from '../components/notifications';
import { TimeZonePicker } from '../components/timezonepicker';
import { lang, useT } from '../i18n';
import { useStore } from '../lib/store';
import { errorText } from '../model/errors';
import { browserZone, me } from '../state/session';
import { AwayControl } from '../shell/topbar';

type Choice = Record<string, string[]>;

/** Each kind's channels as the form shows them: a kind not chosen goes through every channel. */
function choiceShown(prefs: Preferences): Choice {
  const shown: Choice = {};
  for (const kind of prefs.notification_kinds)
    shown[kind] = (prefs.channels[kind] ?? prefs.available_channels).filter((c) => prefs.available_channels.includes(c));
  return shown;
}

/**
 * What is saved: the stored choice with only the kinds the user changed replaced (review item
 * 12: the page showed no box for a channel not configured at that moment, so sending what it
 * showed wiped the stored choice). A changed kind keeps the channels the page cannot show; with
 * every channel chosen and none unseen it goes back to "every channel" (absent).
 */
function choiceSaved(prefs: Preferences, shown: Choice, changed: Set<string>): Choice {
  const available = prefs.available_channels;
  const saved: Choice = { ...prefs.channels };
  for (const kind of changed) {
    const chosen = (shown[kind] ?? []).filter((c) => available.includes(c));
    const unseen = (prefs.channels[kind] ?? []).filter((c) => !available.includes(c));
    if (!unseen.length && available.every((c) => chosen.includes(c))) delete saved[kind];
    else saved[kind] = [...chosen, ...unseen];
  }
  return saved;
}

/** The kinds whose channels differ from the loaded choice (order aside): what a save sends. */
function changedKinds(prefs: Preferences, shown: Choice): Set<string> {
  const loaded = choiceShown(prefs);
  const same = (a: string[] = [], b: string[] = []) => a.length === b.length && a.every((c) => b.includes(c));
  return new Set(prefs.notification_kinds.filter((kind) => !same(loaded[kind], shown[kind])));
}

/**
 * The quiet hours as the form shows them when loaded (null: none), to compare a save with.
 * Hours stored without a zone are on the user's own time zone's clock: timezone ''.
 */
function quietLoaded(prefs: Preferences): QuietHours | null {
  return prefs.quiet_hours ? { timezone: '', breaches: true, ...prefs.quiet_hours } : null;
}

/** The quiet hours as saved: on the user's own zone ('') they name none. */
function quietSent(quiet: QuietHours | null): QuietHours | null {
  if (!quiet || quiet.timezone) return quiet;
  const { timezone: _own, ...rest } = quiet;
  return rest;
}

export function PreferencesPage() {
  const t = useT();
  const language = useStore(lang);
  const [prefs, setPrefs] = useState<Preferences | null>(null);
  const [choice, setChoice] = useState<Choice>({});
  const [quietOn, setQuietOn] = useState(false);
  const [quiet, setQuiet] = useState<QuietHours>({ from: '22:00', until: '07:00', timezone: '', breaches: true });
  const [ownTz, setOwnTz] = useState('');
  const [status, setStatus] = useState('');
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);

  const show = (p: Preferences) => {
    setPrefs(p);
    setChoice(choiceShown(p));
    setQuietOn(!!p.quiet_hours);
    setOwnTz(p.time_zone ?? '');
    const loaded = quietLoaded(p);
    // New quiet hours: on the user's own clock, or the browser's for one who has no zone.
    if (loaded) setQuiet(loaded);
    else setQuiet((q) => ({ ...q, timezone: p.time_zone ? '' : browserZone() }));
    // The rest of the UI (the reports' days) follows the zone at once.
    const user = me.get();
    if (user && (user.time_zone ?? '') !== (p.time_zone ?? '')) me.set({ ...user, time_zone: p.time_zone });
  };
  useEffect(() => {
    api.preferences().then(show, (e) => setErr(errorText(e, t)));
  }, [language]);

  if (!prefs) return <section class="page" aria-busy="true">{err ? <p class="form-error" role="alert">{err}</p> : <p class="muted">{t('loading')}</p>}</section>;

  const toggle = (kind: string, channel: string, on: boolean) => {
    const now = choice[kind] ?? [];
    setChoice({ ...choice, [kind]: on ? [...now.filter((c) => c !== channel), channel] : now.filter((c) => c !== channel) });
    setStatus('');
  };
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErr('');
    setStatus('');
    try {
      // Only what the user changed: a key left out keeps what is stored (another tab's save).
      const body: Partial<Pick<Preferences, 'channels' | 'quiet_hours' | 'time_zone'>> = {};
      if (ownTz !== (prefs.time_zone ?? '')) body.time_zone = ownTz;
      const changed = changedKinds(prefs, choice);
      if (changed.size) body.channels = choiceSaved(prefs, choice, changed);
      // The quiet hours saved again only when they differ from those loaded.
      const quietNow = quietSent(quietOn ? quiet : null);
      if (JSON.stringify(quietNow) !== JSON.stringify(quietSent(quietLoaded(prefs)))) body.quiet_hours = quietNow;
      if (Object.keys(body).length) show(await api.setPreferences(body));
      setStatus(t('prefs.saved'));
    } catch (x) {
      setErr(t('prefs.failed', { message: errorText(x, t) }));
    } finally {
      setBusy(false);
    }
  };
  const channelName = (c: string) => (c === 'sms' ? t('prefs.channels.sms') : t('prefs.channels.email'));

  return (
    <section class="page preferences-page" data-testid="preferences-page" aria-labelledby="prefs-h">
      <div class="page-head">
        <h1 id="prefs-h">{t('prefs.title')}</h1>
      </div>
      <form onSubmit={save} data-testid="preferences-form">
        <fieldset class="prefs-zone" data-testid="prefs-zone">
          <legend>{t('prefs.zone.title')}</legend>
          <p class="muted small" id="prefs-zone-intro">{t('prefs.zone.intro')}</p>
          <TimeZonePicker
            value={ownTz}
            onChange={(z) => { setOwnTz(z); setStatus(''); }}
            id="prefs-time-zone"
            label={t('prefs.zone.label')}
            defaultLabel={t('prefs.zone.default')}
            testid="prefs-time-zone"
          />
        </fieldset>
        <section aria-labelledby="prefs-channels-h">
          <h2 id="prefs-channels-h">{t('prefs.channels.title')}</h2>
          <p class="muted">{t('prefs.channels.intro')}</p>
          {prefs.available_channels.length === 0 && <p class="muted" data-testid="prefs-no-channels">{t('prefs.channels.none')}</p>}
          <table class="data prefs-channels" aria-labelledby="prefs-channels-h">
            <thead>
              <tr>
                <th scope="col">{t('prefs.channels.kind')}</th>
                <th scope="col">{t('prefs.channels.app')}</th>
                {prefs.available_channels.map((c) => <th scope="col" key={c}>{channelName(c)}</th>)}
              </tr>
            </thead>
            <tbody>
              {prefs.notification_kinds.map((kind) => (
                <tr key={kind} data-testid={`prefs-kind-${kind}`}>
                  <th scope="row">{kindText(kind)}</th>
                  <td>
                    <input type="checkbox" checked disabled aria-label={t('prefs.channels.appBox', { kind: kindText(kind) })} />
                  </td>
                  {prefs.available_channels.map((c) => (
                    <td key={c}>
                      <input
                        type="checkbox"
                        data-testid={`prefs-${kind}-${c}`}
                        checked={(choice[kind] ?? []).includes(c)}
                        aria-label={t('prefs.channels.box', { channel: channelName(c), kind: kindText(kind) })}
                        onChange={(e) => toggle(kind, c, e.currentTarget.checked)}
                      />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <fieldset class="prefs-quiet" data-testid="prefs-quiet">
          <legend>{t('prefs.quiet.title')}</legend>
          <label>
            <input type="checkbox" checked={quietOn} data-testid="prefs-quiet-on" onChange={(e) => { setQuietOn(e.currentTarget.checked); setStatus(''); }} />
            {t('prefs.quiet.on')}
          </label>
          {quietOn && (
            <div class="prefs-quiet-times">
              <label>
                {t('prefs.quiet.from')}
                <input type="time" required value={quiet.from} data-testid="prefs-quiet-from" onInput={(e) => setQuiet({ ...quiet, from: e.currentTarget.value })} />
              </label>
              <label>
                {t('prefs.quiet.until')}
                <input type="time" required value={quiet.until} data-testid="prefs-quiet-until" onInput={(e) => setQuiet({ ...quiet, until: e.currentTarget.value })} />
              </label>
              <TimeZonePicker
                value={quiet.timezone ?? ''}
                onChange={(z) => setQuiet({ ...quiet, timezone: z })}
                id="prefs-quiet-timezone"
                label={t('prefs.quiet.timezone')}
                defaultLabel={t('prefs.quiet.ownZone', { zone: ownTz || 'UTC' })}
                testid="prefs-quiet-timezone"
              />
              <label>
                <input type="checkbox" checked={quiet.breaches !== false} data-testid="prefs-quiet-breaches" onChange={(e) => setQuiet({ ...quiet, breaches: e.currentTarget.checked })} />
                {t('prefs.quiet.breaches')}
              </label>
            </div>
          )}
        </fieldset>
        <p>
          <button type="submit" class="btn primary" disabled={busy} data-testid="prefs-save">{t('prefs.save')}</button>
        </p>
        <p role="status" class="small" data-testid="prefs-status">{status}</p>
        {err && <p class="form-error" role="alert" data-testid="prefs-error">{err}</p>}
      </form>
      <AwayControl />
    </section>
  );
}
