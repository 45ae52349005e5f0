// SPDX-License-Identifier: GPL-3.0-or-later
// Issue 13's rules as the UI shows them: the new-ticket form asks only what opening writes; the
// transfer dialog offers only where the step's work may go, by title, and wants a reason; an
// internal note is labelled for the back office and never reaches the originator's page.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { World, openJumpQueue } from '../lib/harness.mjs';

const world = new World('rules');
before(() => world.start());
after(() => world.stop());

world.test('the new-ticket form shows only the fields opening accepts', async () => {
  const amy = await world.signIn('amy');
  await amy.getByTestId('nav-new').click();
  await amy.getByTestId('new-ticket-form').waitFor();
  const pick = amy.getByTestId('new-workflow');
  if (await pick.count()) await pick.selectOption('jump-queue');
  await amy.getByTestId('field-awb').waitFor();
  await amy.getByTestId('field-reason').waitFor();
  // The customer's satisfaction and the departments' notes belong to later steps.
  for (const later of ['outcome', 'billing_note', 'ops_note', 'reply', 'reopen_note'])
    assert.equal(await amy.getByTestId(`field-${later}`).count(), 0, `field ${later} is on the opening form`);
  assert.equal(await amy.getByText('Customer satisfaction').count(), 0);
});

world.test('the transfer dialog lists only the step\'s targets, by title, and needs a reason', async () => {
  const amyApi = await world.apiAs('amy');
  const ticket = await openJumpQueue(amyApi, { title: 'Rules: review stays with supervisors' });
  const alan = await world.signIn('alan');
  await alan.goto(`${world.base}/#/tickets/${ticket.id}`);
  const select = alan.getByTestId('transfer-queue');
  await select.waitFor();
  const options = await select.locator('option').evaluateAll((os) => os.map((o) => ({ value: o.value, text: o.textContent })));
  const targets = options.filter((o) => o.value);
  assert.deepEqual(targets, [{ value: 'cs-agents', text: 'Customer service agents' }]);
  await select.selectOption('cs-agents');
  assert.equal(await alan.getByTestId('transfer-submit').isDisabled(), true, 'a transfer without a reason can be sent');
  await alan.getByTestId('transfer-reason').fill('The desk knows the customer');
  const done = alan.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/transfer'));
  await alan.getByTestId('transfer-submit').click();
  assert.equal((await done).status(), 200);
  await alan.locator('[data-testid=ticket-queue]', { hasText: 'Customer service agents' }).waitFor();
});

world.test('an internal note is for the back office: labelled so, and not on the originator\'s page', async () => {
  const amyApi = await world.apiAs('amy');
  const ticket = await openJumpQueue(amyApi, { title: 'Rules: internal note' });
  const sue = await world.signIn('sue');
  await sue.goto(`${world.base}/#/tickets/${ticket.id}`);
  await sue.getByTestId('comment-body').fill('Watch list: refund abuse');
  const box = sue.getByTestId('comment-internal');
  await box.check();
  const label = await sue.locator('label.check', { has: box }).textContent();
  assert.match(label, /Internal note \(back office only\)/);
  await sue.getByTestId('comment-submit').click();
  await sue.locator('[data-testid=event-commented]', { hasText: 'Watch list' }).waitFor();

  const amy = await world.signIn('amy');
  await amy.goto(`${world.base}/#/tickets/${ticket.id}`);
  await amy.getByTestId('timeline').waitFor();
  assert.equal(await amy.getByText('Watch list').count(), 0, 'the originator sees the internal note');
  assert.equal(await amy.getByTestId('comment-internal').count(), 0, 'the originator is offered internal notes');
});
