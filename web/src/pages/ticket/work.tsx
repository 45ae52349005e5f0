// SPDX-License-Identifier: GPL-3.0-or-later
// Claim, assign and transfer: moving the ticket's work between people and queues.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { QueueInfo, Ticket, User } from '../../api/types';
import { PersonPicker } from '../../components/personpicker';
import { useT } from '../../i18n';
import { useStore } from '../../lib/store';
import { errorText } from '../../model/errors';
import { me } from '../../state/session';
import { toast } from '../../state/toasts';

/** Claim, assign and transfer (a handoff, counted). */
export function WorkPanel({ tk, onDone }: { tk: Ticket; onDone: (t?: Ticket) => void }) {
  const t = useT();
  const user = useStore(me)!;
  const [tq, setTq] = useState('');
  const [reason, setReason] = useState('');
  const openBranches = (tk.branches ?? []).filter((b) => b.status === 'open');
  const [branch, setBranch] = useState(openBranches[0]?.name ?? '');
  // Only where this step's work may go (the server's `transfer_targets`), by title.
  const targets = (openBranches.length ? openBranches.find((b) => b.name === branch)?.transfer_targets : tk.transfer_targets) ?? [];
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  const [users, setUsers] = useState<User[]>([]);
  const [queues, setQueues] = useState<QueueInfo[]>([]);
  const staffLike = user.roles.some((r) => r === 'staff' || r === 'supervisor' || r === 'admin') || (user.queues ?? []).length > 0;
  useEffect(() => {
    if (!staffLike) return;
    api.users().then(setUsers, () => setUsers([]));
    api.queues().then(setQueues, () => setQueues([]));
  }, []);
  // Whose work it is: the step's (or the chosen branch's) queue; its people first, then the
  // rest of its department, then (a ticket with no queue) everyone.
  const workQueue = openBranches.length ? openBranches.find((b) => b.name === branch)?.queue : tk.queue;
  const people = rankPeople(users, workQueue ?? null, queues.find((q) => q.name === workQueue)?.department ?? null);
  if (!staffLike) return null;
  const canClaim = !tk.branches?.length && !tk.assignee && !!tk.queue && ((user.queues ?? []).includes(tk.queue) || user.roles.includes('admin'));

  const run = async (fn: () => Promise<Ticket>, ok: string) => {
    setBusy(true);
    setErr('');
    try {
      const next = await fn();
      toast(ok, 'success');
      onDone(next);
      return true;
    } catch (e) {
      setErr(errorText(e, t));
      return false;
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="work-h" data-testid="work-panel">
      <h2 id="work-h">{t('ticket.work')}</h2>
      {canClaim && (
        <button type="button" class="btn primary" disabled={busy} data-testid="ticket-claim" onClick={() => run(() => api.claim(tk.id), t('claimed', { key: tk.key }))}>
          {t('ticket.claim')}
        </button>
      )}
      <div class="inline-form">
        <PersonPicker
          id="assign-to"
          testid="assign"
          label={t('ticket.assignTo')}
          people={people}
          disabled={busy}
          onPick={(u) => void run(() => api.assign(tk.id, u.username, openBranches.length ? branch : undefined), t('ticket.assigned', { user: u.name || u.username }))}
        />
      </div>
      <form
        class="inline-form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!tq || !reason.trim()) return;
          const b = openBranches.length ? branch : undefined;
          const title = targets.find((x) => x.queue === tq)?.title || tq;
          if (await run(() => api.transfer(tk.id, tq, reason.trim(), b), t('ticket.transferred', { queue: title }))) {
            setTq('');
            setReason('');
          }
        }}
      >
        {openBranches.length > 0 && (
          <>
            <label for="transfer-branch">{t('ticket.transferBranch')}</label>
            <select id="transfer-branch" value={branch} onChange={(e) => setBranch(e.currentTarget.value)} data-testid="transfer-branch">
              {openBranches.map((b) => (
                <option key={b.name} value={b.name}>{b.title || b.name}</option>
              ))}
            </select>
          </>
        )}
        <label for="transfer-queue">{t('ticket.transferTo')}</label>
        <select id="transfer-queue" value={tq} onChange={(e) => setTq(e.currentTarget.value)} data-testid="transfer-queue" disabled={!targets.length}>
          <option value="">{targets.length ? t('field.choose') : t('ticket.transferNowhere')}</option>
          {targets.map((q) => (
            <option key={q.queue} value={q.queue}>{q.title || q.queue}</option>
          ))}
        </select>
        <label for="transfer-reason">{t('ticket.transferReason')}</label>
        <div class="row">
          <input id="transfer-reason" value={reason} required aria-required="true" onInput={(e) => setReason(e.currentTarget.value)} data-testid="transfer-reason" />
          <button type="submit" class="btn" disabled={busy || !tq || !reason.trim()} data-testid="transfer-submit">{t('ticket.transfer')}</button>
        </div>
      </form>
      {err && <div class="form-error" role="alert" data-testid="work-error">{err}</div>}
    </section>
  );
}

/** The people work may be assigned to, best first: the queue's, then its department's; everyone
 *  when there is no queue. Inactive users are left out. */
function rankPeople(users: User[], queue: string | null, department: string | null): User[] {
  const active = users.filter((u) => u.active !== false);
  const rank = (u: User) => (queue && u.queues?.includes(queue) ? 0 : department && u.departments?.includes(department) ? 1 : 2);
  const wanted = queue || department ? active.filter((u) => rank(u) < 2) : active;
  return wanted.sort((a, b) => rank(a) - rank(b) || (a.name || a.username).localeCompare(b.name || b.username));
}
