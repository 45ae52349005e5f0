// SPDX-License-Identifier: GPL-3.0-or-later
// The SLA badge: words and colour (never colour alone), the due instant on hover.
import { formatDuration, formatTimeFull, useT } from '../i18n';
import { useStore } from '../lib/store';
import type { Sla, Ticket } from '../api/types';
import { now } from '../lib/util';

// When this browser first saw each Sla object: the server's figures are as of that moment, and
// a badge counts on from there until the next refresh brings new ones.
const firstSeen = new WeakMap<object, number>();

/** The server's `remaining` counted on to `nowMs` (a paused clock stands still); null if none. */
export function remainingNow(sla: Sla, nowMs: number): number | null {
  if (sla.remaining === null || sla.remaining === undefined) return null;
  let seen = firstSeen.get(sla);
  if (seen === undefined) {
    seen = Date.now();
    firstSeen.set(sla, seen);
  }
  const elapsed = sla.paused ? 0 : Math.max(0, (nowMs - seen) / 1000);
  return sla.remaining - elapsed;
}

/**
 * The ticket's most urgent clock, as the server chose it (`sla_urgent`); the step's without. A
 * branch's clock carries the branch's title, so that its badge names it as the page does.
 */
export function urgentSla(tk: Ticket): Sla | null {
  if (tk.status === 'closed') return null;
  const sla = tk.sla_urgent !== undefined ? tk.sla_urgent : tk.sla ?? null;
  if (sla?.clock !== 'branch') return sla;
  return { ...sla, branch_title: tk.branches?.find((b) => b.name === sla.branch)?.title };
}

/** Whose clock a badge shows, in words, for its hover text. */
function clockName(sla: Sla, t: ReturnType<typeof useT>): string | null {
  if (sla.clock === 'ticket') return t('sla.clockTicket');
  if (sla.clock === 'branch') return t('sla.clockBranch', { branch: sla.branch_title || sla.branch || '' });
  if (sla.clock === 'step') return t('sla.clockStep');
  return null;
}

export function SlaBadge({ sla, testid }: { sla: Sla | null | undefined; testid?: string }) {
  const t = useT();
  const nowMs = useStore(now);
  if (!sla || (!sla.respond_due && !sla.resolve_due && sla.remaining === null)) {
    return <span class="sla sla-none" data-testid={testid} data-sla="none">{t('sla.none')}</span>;
  }
  const titleParts: string[] = [];
  const whose = clockName(sla, t);
  if (whose) titleParts.push(whose);
  if (sla.respond_due) titleParts.push(t('sla.respondDue', { at: formatTimeFull(sla.respond_due) }));
  if (sla.resolve_due) titleParts.push(t('sla.resolveDue', { at: formatTimeFull(sla.resolve_due) }));
  titleParts.push(t('sla.businessHint'));
  const title = titleParts.join('\n');
  const left = remainingNow(sla, nowMs);
  const common = { title, 'data-testid': testid, 'data-clock': sla.clock ?? undefined };
  if (sla.breached) {
    // Overdue by the clock still running past its target; a target met late has no figure.
    const over = left !== null && left < 0 ? -left : 0;
    return (
      <span class="sla sla-breached" {...common} data-sla="breached">
        <span aria-hidden="true">●</span> {over >= 60 ? t('sla.breached', { d: formatDuration(over, t) }) : t('sla.breachedNow')}
      </span>
    );
  }
  if (sla.paused) {
    return (
      <span class="sla sla-paused" {...common} data-sla="paused">
        <span aria-hidden="true">❚❚</span> {t('sla.paused')}
      </span>
    );
  }
  const d = formatDuration(Math.max(0, left ?? 0), t);
  if (sla.at_risk) {
    return (
      <span class="sla sla-risk" {...common} data-sla="at_risk">
        <span aria-hidden="true">▲</span> {t('sla.atRisk', { d })}
      </span>
    );
  }
  return (
    <span class="sla sla-ok" {...common} data-sla="ok">
      <span aria-hidden="true">✓</span> {t('sla.left', { d })}
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
