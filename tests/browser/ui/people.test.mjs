// SPDX-License-Identifier: GPL-3.0-or-later
// People by name, not by login (issue 16): the assignee in a queue's list, on My tickets and on
// the ticket page, the originator, and the timeline's people ("Sam … was assigned", who did it)
// are shown by their display names; the login stays on hover.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { World, openJumpQueue } from '../lib/harness.mjs';
import { openQueue } from '../lib/flows.mjs';

const world = new World('people');
before(() => world.start());
after(() => world.stop());

world.test('assignees, originators and the timeline\'s people by display name', async () => {
  // The demo's names are the logins capitalised; these read differently from the logins.
  const admin = await world.apiAs('admin');
  const sam = 'Sam Wong';
  const amyName = 'Amy Chan';
  const sueName = 'Sue Lee';
  for (const [login, name] of [['sam', sam], ['amy', amyName], ['sue', sueName]]) await admin.call('PATCH', `/users/${login}`, { name });
  const sueApi = await world.apiAs('sue');

  const ticket = await openJumpQueue(await world.apiAs('amy'), { title: 'Who has it' });
  const assigned = await sueApi.post(`/tickets/${ticket.id}/assign`, { username: 'sam' });
  assert.equal(assigned.assignee, 'sam');

  const sue = await world.signIn('sue');
  await openQueue(sue, 'cs-supervisors');
  const cell = sue.getByTestId(`ticket-row-${ticket.key}`).locator('td.col-assignee');
  await cell.filter({ hasText: sam }).waitFor();
  assert.equal(await cell.getAttribute('title'), 'sam');

  await sue.goto(`${world.base}/#/tickets/${ticket.id}`);
  await sue.getByTestId('ticket-assignee').filter({ hasText: sam }).waitFor();
  assert.equal((await sue.getByTestId('ticket-originator').innerText()).trim(), amyName);
  // The timeline: "assigned to Sam …" by Sue …, opened by Amy ….
  const assignedLine = sue.locator('[data-testid=timeline] [data-testid=event-assigned]').last();
  await assignedLine.filter({ hasText: sam }).waitFor();
  assert.match(await assignedLine.innerText(), new RegExp(sueName));
  assert.doesNotMatch(await assignedLine.innerText(), /\bsam\b/);
  assert.match(await sue.locator('[data-testid=timeline] [data-testid=event-opened]').innerText(), new RegExp(amyName));

  // Amy's list of the tickets she opened says who has it, by name.
  const amy = await world.signIn('amy');
  await amy.getByTestId('nav-mine').click();
  await amy.getByTestId(`ticket-row-${ticket.key}`).locator('td.col-assignee').filter({ hasText: sam }).waitFor();
});
