// SPDX-License-Identifier: GPL-3.0-or-later
// The ticket's filled-in fields, labelled by the definitions of the version it runs on.
import type { FieldDef, Ticket } from '../../api/types';
import { useT } from '../../i18n';
import { displayFieldValue, fieldLabel } from '../../model/fields';

export function FieldsPanel({ tk, defs }: { tk: Ticket; defs: FieldDef[] }) {
  const t = useT();
  return (
    <section class="card" aria-labelledby="fields-h">
      <h2 id="fields-h">{t('ticket.fields')}</h2>
      <FieldsView tk={tk} defs={defs} />
    </section>
  );
}

function FieldsView({ tk, defs }: { tk: Ticket; defs: FieldDef[] }) {
  const t = useT();
  const names = [...defs.map((d) => d.name), ...Object.keys(tk.fields ?? {}).filter((k) => !defs.some((d) => d.name === k))];
  const filled = names.filter((n) => tk.fields?.[n] !== undefined && tk.fields?.[n] !== null && tk.fields?.[n] !== '');
  if (!filled.length) return <p class="muted">{t('ticket.noFields')}</p>;
  return (
    <dl class="fields-view" data-testid="ticket-fields">
      {filled.map((n) => {
        const def = defs.find((d) => d.name === n) ?? { name: n, type: 'string' };
        return (
          <div key={n} class="meta-item">
            <dt>{fieldLabel(def)}</dt>
            <dd data-testid={`ticket-field-${n}`}>{displayFieldValue(def, tk.fields[n], t)}</dd>
          </div>
        );
      })}
    </dl>
  );
}
