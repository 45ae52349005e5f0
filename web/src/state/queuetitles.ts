// SPDX-License-Identifier: GPL-3.0-or-later
// Queue titles in the UI's language, so that lists and the ticket page say "Customer service
// supervisors" rather than the queue's id (issue 16). Fetched once per language.
import { api } from '../api/client';
import { lang } from '../i18n';
import { createStore } from '../lib/store';

export const queueTitles = createStore<Record<string, string>>({});
let loadedFor = '';

/** Loads the titles for the current language if not loaded yet (failures leave the ids). */
export function loadQueueTitles() {
  const language = lang.get();
  if (loadedFor === language) return;
  loadedFor = language;
  api.queues().then(
    (qs) => queueTitles.set(Object.fromEntries(qs.map((q) => [q.name, q.title || q.name]))),
    () => {
      loadedFor = '';
    },
  );
}

lang.subscribe(() => {
  if (loadedFor) loadQueueTitles();
});

/** A queue's title, or its id while the titles are unknown. */
export function queueTitle(titles: Record<string, string>, queue: string | null | undefined): string {
  return queue ? titles[queue] ?? queue : '';
}
