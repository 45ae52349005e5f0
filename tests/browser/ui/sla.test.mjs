// SPDX-License-Identifier: GPL-3.0-or-later
// An SLA breach after moving the fake clock: the queue page shows the ticket as breached and the
// queue's backup contact gets a notification.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { World, openJumpQueue } from '../lib/harness.mjs';
import { badgeCount, moveClockToBusinessMorning, openQueue } from '../lib/flows.mjs';

const world = new World('sla');
before(() => world.start());
after(() => world.stop());

world.test('twenty minutes on the fake clock breach a 15-minute response target: queue badge and notification', async () => {
  const { admin, start } = await moveClockToBusinessMorning(world);

  const amy = await world.apiAs('amy');
  const ticket = await openJumpQueue(amy, { title: 'SLA: held at the hub', tier: 'B' });
  assert.ok(ticket.sla?.respond_due, `the review step has a 15-minute response target: ${JSON.stringify(ticket.sla)}`);

  // sam is the backup contact of cs-supervisors: a breach there is addressed to him.
  const sam = await world.signIn('sam');
  await openQueue(sam, 'cs-supervisors');
  const badge = sam.getByTestId(`sla-${ticket.key}`);
  await sam.getByTestId(`ticket-row-${ticket.key}`).waitFor();
  assert.equal(await badge.getAttribute('data-sla'), 'ok');
  const unreadBefore = await badgeCount(sam, 'notifications-count');

  const moved = await admin.post('/admin/clock', { advance_seconds: 20 * 60 });
  assert.equal(new Date(moved.now).getTime() - start.getTime(), 20 * 60 * 1000);

  // The row turns red and the bell counts the breach (live arrival: live.test.mjs).
  await sam.reload();
  await sam.locator(`[data-testid="sla-${ticket.key}"][data-sla=breached]`).waitFor();
  assert.ok((await badgeCount(sam, 'notifications-count')) > unreadBefore, 'the bell does not count the breach');
  await world.shot(sam, 'en-queue-breached');

  const server = await (await world.apiAs('sam')).get('/notifications?unread=true');
  const mine = server.items.filter((n) => n.ticket === ticket.id);
  assert.ok(mine.some((n) => n.kind === 'sla_breached'), `sam's notifications: ${JSON.stringify(server.items)}`);
  const breach = mine.find((n) => n.kind === 'sla_breached');
  await sam.getByTestId('notifications-bell').click();
  await sam.getByTestId('notifications-panel').waitFor();
  await sam.getByTestId(`notification-${breach.id}`).waitFor();
  await world.shot(sam, 'en-notifications');

  // 150 % (22.5 minutes) is not reached: the ticket is still in its queue, with a breached clock.
  const now2 = await amy.get(`/tickets/${ticket.id}`);
  assert.equal(now2.queue, 'cs-supervisors');
  assert.equal(now2.sla.breached, true);
  await sam.getByTestId(`open-${ticket.key}`).click();
  await sam.locator('[data-testid=sla-step-badge][data-sla=breached]').waitFor();
});
