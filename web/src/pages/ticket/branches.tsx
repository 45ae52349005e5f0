// SPDX-License-Identifier: GPL-3.0-or-later
// Parallel branches: each with its queue, assignee, clock and actions.
import { useEffect, useState } from 'preact/hooks';
import { PersonName } from '../../components/awaybadge';
import { api } from '../../api/client';
import type { Branch, FieldDef, Ticket } from '../../api/types';
import { SlaBadge } from '../../components/sla';
import { useT } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { useStore } from '../../lib/store';
import { errorText } from '../../model/errors';
import { me } from '../../state/session';
import { toast } from '../../state/toasts';
import { loadQueueTitles, queueTitle, queueTitles } from '../../state/queuetitles';
import { ActionBar } from './actions';

export function Branches({ tk, fields, onDone }: { tk: Ticket; fields: FieldDef[]; onDone: (t?: Ticket) => void }) {
  const t = useT();
  if (!tk.branches?.length) return null;
  return (
    <section class="card" aria-labelledby="branches-h" data-testid="branches">
      <h2 id="branches-h">{t('ticket.branches')}</h2>
      <div class="branch-cards">
        {tk.branches.map((b) => (
          <BranchCard key={b.name} tk={tk} b={b} fields={fields} onDone={onDone} />
        ))}
      </div>
    </section>
  );
}

function BranchCard({ tk, b, fields, onDone }: { tk: Ticket; b: Branch; fields: FieldDef[]; onDone: (t?: Ticket) => void }) {
  const t = useT();
  const user = useStore(me)!;
  const statusKey = `branch.status.${b.status}` as MessageKey;
  const statusText = ['open', 'done', 'failed', 'cancelled'].includes(b.status) ? t(statusKey) : b.status;
  const canClaim = b.status === 'open' && !b.assignee && (user.queues ?? []).includes(b.queue);
  const [busy, setBusy] = useState(false);
  const titles = useStore(queueTitles);
  useEffect(loadQueueTitles, []);
  return (
    <div class={`branch-card status-${b.status}`} data-testid={`branch-${b.name}`} data-status={b.status}>
      <div class="branch-head">
        <strong title={b.name}>{b.title || b.name}</strong>
        <span class={`branch-status st-${b.status}`} data-testid={`branch-${b.name}-status`}>{statusText}</span>
      </div>
      <div class="muted small">
        {t('ticket.queue')}: <span title={b.queue}>{queueTitle(titles, b.queue)}</span> · {t('ticket.assignee')}: <span data-testid={`branch-${b.name}-assignee`} title={b.assignee ?? undefined}>{b.assignee ? <PersonName name={b.assignee} away={b.assignee_away} testid={`branch-${b.name}-assignee`} /> : t('unassigned')}</span>
      </div>
      {b.status === 'open' && <SlaBadge sla={b.sla} testid={`branch-${b.name}-sla`} />}
      {canClaim && (
        <button
          type="button"
          class="btn small"
          disabled={busy}
          data-testid={`branch-${b.name}-claim`}
          onClick={async () => {
            setBusy(true);
            try {
              onDone(await api.claim(tk.id));
              toast(t('claimed', { key: `${tk.key} · ${b.name}` }), 'success');
            } catch (e) {
              toast(errorText(e, t), 'error');
            } finally {
              setBusy(false);
            }
          }}
        >
          {t('ticket.claim')}
        </button>
      )}
      {b.status === 'open' && <ActionBar tk={tk} fields={fields} actions={b.actions ?? []} branch={b.name} onDone={onDone} />}
    </div>
  );
}
