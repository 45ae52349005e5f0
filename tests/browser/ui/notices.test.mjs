// SPDX-License-Identifier: GPL-3.0-or-later
// Notices in the reader's language (issue 16): the server stores a notice's kind and params and
// the web UI says it in the reader's language — the bell's list and the live toast. A Chinese
// reader sees Chinese sentences (people by display name, the queue's Chinese title, the due
// instant in local time), not the English text the server stores for older clients.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before } from 'node:test';
import { World, openJumpQueue } from '../lib/harness.mjs';
import { moveClockToBusinessMorning } from '../lib/flows.mjs';

const world = new World('notices');
before(() => world.start());
after(() => world.stop());

async function bellText(page, id) {
  await page.getByTestId('notifications-bell').click();
  await page.getByTestId('notifications-panel').waitFor();
  const item = page.getByTestId(`notification-${id}`).getByTestId('notification-text');
  await item.waitFor();
  const text = (await item.innerText()).trim();
  await page.getByTestId('notifications-bell').click();
  return text;
}

world.test('a Chinese reader is told of an assignment in Chinese, in the toast and the bell', async () => {
  const admin = await world.apiAs('admin');
  await admin.call('PATCH', '/users/sue', { name: 'Sue Lee' });
  const ticket = await openJumpQueue(await world.apiAs('amy'), { title: 'Parcel for Mr Zhou' });

  const sam = await world.signIn('sam', { lang: 'zh' });
  await sam.getByTestId('notifications-bell').waitFor();
  await (await world.apiAs('sue')).post(`/tickets/${ticket.id}/assign`, { username: 'sam' });

  // The API keeps the English text and gives what the sentence is made of.
  const items = (await (await world.apiAs('sam')).get('/notifications?unread=true')).items;
  const notice = items.find((n) => n.ticket === ticket.id && n.kind === 'assigned');
  assert.ok(notice, `sam's notifications: ${JSON.stringify(items)}`);
  assert.deepEqual(notice.params, { key: ticket.key, title: 'Parcel for Mr Zhou', by: 'sue' });
  assert.equal(notice.message, `${ticket.key} "Parcel for Mr Zhou" was assigned to you by sue`);

  const expected = `${ticket.key}「Parcel for Mr Zhou」已由 Sue Lee 分配给你`;
  const toast = sam.locator('[data-testid=toast]').filter({ hasText: ticket.key });
  await toast.first().waitFor();
  assert.match(await toast.first().innerText(), new RegExp(expected));
  assert.equal(await bellText(sam, notice.id), expected);
  await world.shot(sam, 'zh-notice-assigned');

  // The same notice read in English, by the same user, after switching language.
  const en = await world.signIn('sam');
  assert.equal(await bellText(en, notice.id), `${ticket.key} "Parcel for Mr Zhou" was assigned to you by Sue Lee`);
});

world.test('an SLA breach is told in Chinese with the queue\'s Chinese title and no English', async () => {
  const { admin } = await moveClockToBusinessMorning(world);
  const ticket = await openJumpQueue(await world.apiAs('amy'), { title: 'Held at the hub' });
  await admin.post('/admin/clock', { advance_seconds: 20 * 60 });

  // sam is the backup contact of cs-supervisors: the breach is addressed to him.
  const api = await world.apiAs('sam');
  let breach;
  for (let i = 0; i < 300 && !breach; i++) {
    breach = (await api.get('/notifications?unread=true')).items.find((n) => n.ticket === ticket.id && n.kind === 'sla_breached');
    if (!breach) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(breach, 'no sla_breached notice for sam');
  assert.equal(breach.params.key, ticket.key);
  assert.equal(breach.params.percent, 100);
  assert.ok(breach.params.queue?.zh, `the queue's title in both languages: ${JSON.stringify(breach.params)}`);

  const sam = await world.signIn('sam', { lang: 'zh' });
  const text = await bellText(sam, breach.id);
  assert.ok(text.startsWith(`${ticket.key}「Held at the hub」：`), text);
  assert.match(text, /响应时限已超时/);
  assert.ok(text.includes(breach.params.queue.zh), `${text} names ${breach.params.queue.zh}`);
  // Apart from the ticket's own key and title, no English is left.
  const rest = text.replace(ticket.key, '').replace('Held at the hub', '');
  assert.doesNotMatch(rest, /[A-Za-z]{2,}/, text);
  await world.shot(sam, 'zh-notice-breached');
});

world.test('a notice of a kind the UI has no sentence for shows its stored text, even one named like an object member', async () => {
  // The sentences are a plain object: "constructor" or "toString" are in it by inheritance, not
  // as sentences. Such a notice (a newer server's kind) is written straight into the database.
  const sam = await world.signIn('sam');
  await sam.getByTestId('notifications-bell').waitFor();
  const ids = {};
  for (const kind of ['constructor', 'toString']) {
    const out = execFileSync('sqlite3', ['-cmd', '.timeout 10000', path.join(world.server.tmp, 'baton.db'),
      `INSERT INTO notifications (username, kind, message, at, params) VALUES ('sam', '${kind}', 'Stored words of ${kind}', 0, '{"key":"JQ-1"}') RETURNING id`]);
    ids[kind] = Number(String(out).trim());
  }
  await sam.reload();
  for (const kind of ['constructor', 'toString'])
    assert.equal(await bellText(sam, ids[kind]), `Stored words of ${kind}`);
});
