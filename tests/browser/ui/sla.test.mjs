// SPDX-License-Identifier: GPL-3.0-or-later
// An SLA breach after moving the fake clock: the queue page shows the ticket as breached and the
// queue's backup contact gets a notification, both live.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { World, openJumpQueue, sourceDir } from '../lib/harness.mjs';
import { assertNotReloaded, markNoReload, openQueue } from '../lib/flows.mjs';

const world = new World('sla');
before(() => world.start());
after(() => world.stop());

/**
 * 10:00 in Hong Kong on the first Tuesday-to-Thursday at least a day after `now` that is not a
 * hk-office holiday (workflows/org.yaml): a moment with business hours on both sides, so that
 * twenty minutes of clock are twenty business minutes in Customer Service.
 */
function businessMorning(now) {
  const org = fs.readFileSync(path.join(sourceDir, 'workflows/org.yaml'), 'utf8');
  const block = org.slice(org.indexOf('  hk-office:'), org.indexOf('  cn-office:'));
  const holidays = new Set(block.match(/\d{4}-\d{2}-\d{2}/g) ?? []);
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 2, 0, 0));
  for (;;) {
    day.setUTCDate(day.getUTCDate() + 1);
    const iso = day.toISOString().slice(0, 10); // 02:00Z is the same calendar day in Hong Kong
    if ([2, 3, 4].includes(day.getUTCDay()) && !holidays.has(iso)) return day;
  }
}

world.test('twenty minutes on the fake clock breach a 15-minute response target: queue badge and notification', async () => {
  const admin = await world.apiAs('admin');
  const { now } = await admin.get('/admin/clock');
  const start = businessMorning(new Date(now));
  const set = await admin.post('/admin/clock', { set: start.toISOString().replace('.000Z', 'Z') });
  assert.equal(new Date(set.now).getTime(), start.getTime(), `the clock did not move to ${start.toISOString()}`);

  // sam is the backup contact of cs-supervisors: a breach there is addressed to him.
  const sam = await world.signIn('sam');
  await openQueue(sam, 'cs-supervisors');
  await sam.getByTestId('queue-empty').waitFor();
  await markNoReload(sam);

  const amy = await world.apiAs('amy');
  const ticket = await openJumpQueue(amy, { title: 'SLA: held at the hub', tier: 'B' });
  assert.ok(ticket.sla?.respond_due, `the review step has a 15-minute response target: ${JSON.stringify(ticket.sla)}`);
  const badge = sam.getByTestId(`sla-${ticket.key}`);
  await sam.getByTestId(`ticket-row-${ticket.key}`).waitFor();
  assert.equal(await badge.getAttribute('data-sla'), 'ok');
  assert.equal(await sam.getByTestId('notifications-count').count(), 0);

  const moved = await admin.post('/admin/clock', { advance_seconds: 20 * 60 });
  assert.equal(new Date(moved.now).getTime() - start.getTime(), 20 * 60 * 1000);

  // The row turns red and the bell counts the breach, without reloading the page.
  await sam.locator(`[data-testid="sla-${ticket.key}"][data-sla=breached]`).waitFor();
  await sam.getByTestId('notifications-count').waitFor();
  // A breach notice arrives as an error-coloured toast.
  await sam.locator('[data-testid=toast].toast-error').first().waitFor();
  await assertNotReloaded(sam);
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
