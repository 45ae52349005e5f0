// SPDX-License-Identifier: GPL-3.0-or-later
// People by their names, not their logins (issue 16): lists, the ticket page and the timeline
// say "Sam Lee" where the API says `sam`. The directory is fetched once per page load; a person
// it does not know (or a failed fetch) is shown by login, which is what the API gives.
import { useEffect } from 'preact/hooks';
import { api } from '../api/client';
import { createStore, useStore } from '../lib/store';

export const peopleNames = createStore<Record<string, string>>({});
let loading = false;

export function loadPeopleNames() {
  if (loading) return;
  loading = true;
  api.users().then(
    (list) => peopleNames.set(Object.fromEntries(list.map((u) => [u.username, u.name || u.username]))),
    () => {
      loading = false;
    },
  );
}

/** A person's display name, or the login while it is unknown. */
export function personName(names: Record<string, string>, username: string | null | undefined): string {
  return username ? names[username] || username : '';
}

/** `name(username)` for a component, loading the directory on first use. */
export function usePersonName(): (username: string | null | undefined) => string {
  const names = useStore(peopleNames);
  useEffect(loadPeopleNames, []);
  return (username) => personName(names, username);
}
