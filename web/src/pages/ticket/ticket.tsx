// SPDX-License-Identifier: GPL-3.0-or-later
// One ticket: where it is, its clocks and branches, what this user may do, and everything that happened.
// This file loads the ticket and lays out its panels; each panel is a file of this folder.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client';
import { AttachmentList } from '../../components/attachments';
import { useLive } from '../../api/live';
import type { FieldDef, Ticket, TicketEvent } from '../../api/types';
import { lang, useT } from '../../i18n';
import { useStore } from '../../lib/store';
import { errorText } from '../../model/errors';
import { Branches } from './branches';
import { CommentForm } from './comment';
import { CustomerPanel } from './customer';
import { FieldsPanel } from './fields';
import { TicketHead, TicketMeta } from './head';
import { Links } from './links';
import { SlaClocks } from './sla';
import { namesOf, noNames, Timeline, type Names } from './timeline';
import { WorkPanel } from './work';

export function TicketPage({ id }: { id: string }) {
  const t = useT();
  const [tk, setTk] = useState<Ticket | null>(null);
  const [events, setEvents] = useState<TicketEvent[]>([]);
  const [fields, setFields] = useState<FieldDef[]>([]);
  const [names, setNames] = useState<Names>(noNames);
  const [err, setErr] = useState('');
  const [notFound, setNotFound] = useState(false);

  const load = async () => {
    try {
      const [ticket, ev] = await Promise.all([api.ticket(id), api.events(Number(id)).catch(() => ({ items: [] as TicketEvent[] }))]);
      setTk(ticket);
      setEvents(ev.items ?? []);
      setErr('');
      setNotFound(false);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setNotFound(true);
      else setErr(errorText(e, t));
    }
  };
  useEffect(() => {
    void load();
  }, [id]);
  useLive(() => void load(), (m) => m.type === 'ticket' && String(m.id) === String(id));

  // The field definitions of the version this ticket runs on, for labels and typed action forms.
  const wfKey = tk ? `${tk.workflow}@${tk.workflow_version}` : '';
  const language = useStore(lang); // labels and state names come in the UI's language
  useEffect(() => {
    if (!tk) return;
    api
      .workflow(tk.workflow, tk.workflow_version)
      .catch(() => api.workflow(tk.workflow))
      .then(
        (w) => {
          setFields(w.fields);
          setNames(namesOf(w.states, w.fields));
        },
        () => setFields([]),
      );
  }, [wfKey, language]);

  if (notFound) return <p class="empty" role="alert" data-testid="ticket-not-found">{t('ticket.notFound')}</p>;
  if (!tk) return err ? <div class="form-error" role="alert">{err}</div> : <p class="muted">{t('loading')}</p>;

  const onChanged = (next?: Ticket) => {
    if (next && typeof next === 'object' && 'id' in next) setTk(next);
    void load();
  };

  return (
    <article class="page ticket-page" data-testid="ticket-page" data-key={tk.key} data-state={tk.state} data-status={tk.status}>
      {err && <div class="form-error" role="alert">{err}</div>}
      <div class="ticket-grid">
        <div class="ticket-main">
          <TicketHead tk={tk} fields={fields} onDone={onChanged} />
          <TicketMeta tk={tk} />
          <FieldsPanel tk={tk} defs={fields} />
          <AttachmentList tk={tk} />
          <section class="card" aria-labelledby="timeline-h">
            <h2 id="timeline-h">{t('ticket.timeline')}</h2>
            <Timeline events={events} names={names} />
            {tk.status === 'open' && <CommentForm tk={tk} onDone={onChanged} />}
          </section>
        </div>
        <aside class="ticket-side">
          <SlaClocks tk={tk} />
          <Branches tk={tk} fields={fields} onDone={onChanged} />
          <CustomerPanel tk={tk} />
          {tk.status === 'open' && <WorkPanel tk={tk} onDone={onChanged} />}
          <Links tk={tk} onDone={onChanged} />
        </aside>
      </div>
    </article>
  );
}
