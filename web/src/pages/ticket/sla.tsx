// SPDX-License-Identifier: GPL-3.0-or-later
// The ticket's SLA clocks: this step's and, when the workflow has one, the whole ticket's.
import type { Sla, Ticket } from '../../api/types';
import { SlaBadge } from '../../components/sla';
import { formatTime, formatTimeFull, useT } from '../../i18n';

export function SlaClocks({ tk }: { tk: Ticket }) {
  const t = useT();
  return (
    <section class="card" aria-labelledby="sla-h" data-testid="sla-clocks">
      <h2 id="sla-h">{t('ticket.slaClocks')}</h2>
      {tk.status === 'closed' ? (
        <p class="muted">{t('ticket.closedNote')}</p>
      ) : (
        <>
          <Clock label={t('ticket.slaStep')} sla={tk.sla} testid="sla-step" />
          {tk.ticket_sla && <Clock label={t('ticket.slaTicket')} sla={tk.ticket_sla} testid="sla-ticket" />}
        </>
      )}
    </section>
  );
}

function Clock({ label, sla, testid }: { label: string; sla: Sla | null | undefined; testid: string }) {
  const t = useT();
  return (
    <div class="clock" data-testid={testid}>
      <div class="clock-head">
        <span>{label}</span>
        <SlaBadge sla={sla} testid={`${testid}-badge`} />
      </div>
      {sla?.respond_due && (
        <div class="muted small" title={formatTimeFull(sla.respond_due)}>
          {t('ticket.respond')}: {formatTime(sla.respond_due)}
        </div>
      )}
      {sla?.resolve_due && (
        <div class="muted small" title={formatTimeFull(sla.resolve_due)}>
          {t('ticket.resolve')}: {formatTime(sla.resolve_due)}
        </div>
      )}
    </div>
  );
}
