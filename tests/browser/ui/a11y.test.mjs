// SPDX-License-Identifier: GPL-3.0-or-later
// Accessibility: axe-core (WCAG 2.1 A and AA rules) on every main page, as the three kinds of
// user reach them, in English and in Chinese. quality.md: no serious or critical violation.
// Each violation is reported with its rule, its impact and the elements it was found on.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { World, openJumpQueue } from '../lib/harness.mjs';
import { violations } from '../lib/axe.mjs';
import { mainPages, tourPages } from '../lib/flows.mjs';

const world = new World('a11y');
const data = {};

before(async () => {
  await world.start();
  const amy = await world.apiAs('amy');
  data.ticket = await openJumpQueue(amy, { title: 'Accessibility: a ticket with history', tier: 'A', customerId: 'C-300' });
  await amy.post(`/tickets/${data.ticket.id}/comments`, { body: 'Customer called again' });
});
after(() => world.stop());

async function audit(lang) {
  const found = [];
  await tourPages(world, mainPages(world, { listed: data.ticket, commented: data.ticket }), lang, async (page, name) => {
    for (const v of await violations(page)) found.push(`${name}: ${v}`);
  });
  return found;
}

world.test('no serious or critical axe violation on the main pages in English', async () => {
  const found = await audit('en');
  assert.deepEqual(found, [], `axe-core found:\n${found.join('\n')}`);
});

world.test('no serious or critical axe violation on the main pages in Chinese', async () => {
  const found = await audit('zh');
  assert.deepEqual(found, [], `axe-core found:\n${found.join('\n')}`);
});
