// SPDX-License-Identifier: GPL-3.0-or-later
// The SLA badge: words and colour (never colour alone), the due instant on hover.
import { formatDuration, formatTimeFull, useT } from '../i18n';
import { useStore } from '../lib/store';
import type { Sla } from '../api/types';
import { now } from '../lib/util';

export function slaDue(sla: Sla): string | null {
  // The nearest target still running, or for a breach the one that passed.
  const times = [sla.respond_due, sla.resolve_due].filter((x): x is string => !!x);
  if (!times.length) return null;
  if (sla.breached) {
    const past = times.filter((x) => new Date(x).getTime() <= Date.now()).sort();
    if (past.length) return past[past.length - 1];
  }
  return times.sort()[0];
}

export function SlaBadge({ sla, testid }: { sla: Sla | null | undefined; testid?: string }) {
  const t = useT();
  const nowMs = useStore(now);
  if (!sla || (!sla.respond_due && !sla.resolve_due && sla.remaining === null)) {
    return <span class="sla sla-none" data-testid={testid} data-sla="none">{t('sla.none')}</span>;
  }
  const due = slaDue(sla);
  const titleParts: string[] = [];
  if (sla.respond_due) titleParts.push(t('sla.respondDue', { at: formatTimeFull(sla.respond_due) }));
  if (sla.resolve_due) titleParts.push(t('sla.resolveDue', { at: formatTimeFull(sla.resolve_due) }));
  titleParts.push(t('sla.businessHint'));
  const title = titleParts.join('\n');
  if (sla.breached) {
    const ago = due ? Math.max(0, (nowMs - new Date(due).getTime()) / 1000) : 0;
    return (
      <span class="sla sla-breached" title={title} data-testid={testid} data-sla="breached">
        <span aria-hidden="true">●</span> {ago >= 60 ? t('sla.breached', { d: formatDuration(ago, t) }) : t('sla.breachedNow')}
      </span>
    );
  }
  if (sla.paused) {
    return (
      <span class="sla sla-paused" title={title} data-testid={testid} data-sla="paused">
        <span aria-hidden="true">❚❚</span> {t('sla.paused')}
      </span>
    );
  }
  const left = formatDuration(sla.remaining ?? (due ? (new Date(due).getTime() - nowMs) / 1000 : 0), t);
  if (sla.at_risk) {
    return (
      <span class="sla sla-risk" title={title} data-testid={testid} data-sla="at_risk">
        <span aria-hidden="true">▲</span> {t('sla.atRisk', { d: left })}
      </span>
    );
  }
  return (
    <span class="sla sla-ok" title={title} data-testid={testid} data-sla="ok">
      <span aria-hidden="true">✓</span> {t('sla.left', { d: left })}
    </span>
  );
}

export function TierBadge({ tier }: { tier?: string | null }) {
  const t = useT();
  if (!tier) return <span class="tier tier-none" title={t('tier.none')}>{t('none')}</span>;
  const T = tier.toUpperCase();
  const title = T === 'A' ? t('tier.titleA') : T === 'B' ? t('tier.titleB') : T === 'C' ? t('tier.titleC') : t('tier.label', { tier: T });
  return (
    <span class={`tier tier-${T.toLowerCase()}`} title={title} aria-label={t('tier.label', { tier: T })} data-testid="tier-badge">
      {T}
    </span>
  );
}
