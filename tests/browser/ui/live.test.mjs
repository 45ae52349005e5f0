// SPDX-License-Identifier: GPL-3.0-or-later
// Live updates over the WebSocket: what one user does shows up on another user's open page
// without a reload.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { World, openJumpQueue } from '../lib/harness.mjs';
import { assertNotReloaded, badgeCount, markNoReload, moveClockToBusinessMorning, newJumpQueueTicket, openQueue, waitBadge } from '../lib/flows.mjs';

const world = new World('live');
before(() => world.start());
after(() => world.stop());

world.test('a ticket opened by an agent appears on the supervisor\'s open queue page without reload', async () => {
  const sue = await world.signIn('sue');
  await openQueue(sue, 'cs-supervisors');
  await markNoReload(sue);

  const amy = await world.signIn('amy');
  const first = await newJumpQueueTicket(amy, { title: 'Live: first shipment' });
  await sue.getByTestId(`ticket-row-${first.key}`).waitFor();
  // A second one joins the first on the same page, still without a reload.
  const second = await newJumpQueueTicket(amy, { title: 'Live: second shipment', customerId: 'C-78' });
  await sue.getByTestId(`ticket-row-${second.key}`).waitFor();
  await sue.getByTestId(`ticket-row-${first.key}`).waitFor();
  await assertNotReloaded(sue);
  assert.equal(await sue.getByTestId('live-bar').count(), 0, 'the live connection was reported lost');

  // A claim by the supervisor shows on the agent's "My tickets" page as it happens.
  await amy.getByTestId('nav-mine').click();
  const row = amy.getByTestId(`ticket-row-${first.key}`);
  await row.waitFor();
  await markNoReload(amy);
  await sue.getByTestId(`claim-${first.key}`).click();
  await row.filter({ hasText: 'sue' }).waitFor();
  await assertNotReloaded(amy);
});

world.test('an SLA breach reaches the open queue page and the bell of the queue\'s backup live, with a toast', async () => {
  await world.closePages();
  const { admin } = await moveClockToBusinessMorning(world);
  const ticket = await openJumpQueue(await world.apiAs('amy'), { title: 'Live: breach on the clock', tier: 'B' });
  const sam = await world.signIn('sam');
  await openQueue(sam, 'cs-supervisors');
  await sam.locator(`[data-testid="sla-${ticket.key}"][data-sla=ok]`).waitFor();
  await markNoReload(sam);
  const unreadBefore = await badgeCount(sam, 'notifications-count');

  await admin.post('/admin/clock', { advance_seconds: 20 * 60 });
  await sam.locator(`[data-testid="sla-${ticket.key}"][data-sla=breached]`).waitFor();
  // The bell counts at least this breach (seeded demo tickets may breach at the same moment).
  await sam.waitForFunction(
    (n) => Number(document.querySelector('[data-testid=notifications-count]')?.textContent ?? 0) > n,
    unreadBefore,
  );
  // A breach notice is an error-coloured toast linking to the ticket.
  await sam.locator(`[data-testid=toast].toast-error a[href="#/tickets/${ticket.id}"]`).waitFor();
  await assertNotReloaded(sam);
  await world.shot(sam, 'en-live-breach-toast');
});
