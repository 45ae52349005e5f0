// SPDX-License-Identifier: GPL-3.0-or-later
// "away" beside a person's name where work is given to people (the server says who is away:
// `assignee_away` on tickets and branches, `away` on queues).
import { useT } from '../i18n';
import { usePersonName } from '../state/people';

export function AwayBadge({ testid = 'away-badge' }: { testid?: string }) {
  const t = useT();
  return <span class="badge away" data-testid={testid}>{t('away.badge')}</span>;
}

/** A person's display name (by login until the directory is loaded) with the badge when they
 *  are away; "(me)" for the viewer. */
export function PersonName({ name, away, self, testid }: { name: string; away?: boolean; self?: string; testid?: string }) {
  const t = useT();
  const displayName = usePersonName();
  return (
    <>
      {name === self ? `${displayName(name)} (${t('me')})` : displayName(name)}
      {away && <> <AwayBadge testid={testid ? `${testid}-away` : undefined} /></>}
    </>
  );
}
