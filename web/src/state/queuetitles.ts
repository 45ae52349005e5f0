// SPDX-License-Identifier: GPL-3.0-or-later
// Queue and department titles in the UI's language, so that lists, the dashboard and the ticket
// page say "Customer service supervisors" rather than the id (issue 16). Fetched once per language.
import { api } from '../api/client';
import { lang } from '../i18n';
import { createStore, type Store } from '../lib/store';

/** A name → title store filled from `fetch` once per language (a failure leaves the ids). */
function titleStore(fetch: () => Promise<{ name: string; title?: string }[]>) {
  const store = createStore<Record<string, string>>({});
  let loadedFor = '';
  const load = () => {
    const language = lang.get();
    if (loadedFor === language) return;
    loadedFor = language;
    fetch().then(
      (items) => store.set(Object.fromEntries(items.map((x) => [x.name, x.title || x.name]))),
      () => {
        loadedFor = '';
      },
    );
  };
  lang.subscribe(() => {
    if (loadedFor) load();
  });
  return [store, load] as [Store<Record<string, string>>, () => void];
}

export const [queueTitles, loadQueueTitles] = titleStore(() => api.queues());
export const [departmentTitles, loadDepartmentTitles] = titleStore(() => api.departments());

/** A queue's (or department's) title, or its id while the titles are unknown. */
export function queueTitle(titles: Record<string, string>, queue: string | null | undefined): string {
  return queue ? titles[queue] ?? queue : '';
}
