// SPDX-License-Identifier: GPL-3.0-or-later
// The jump-queue round trip through the UI, one browser context per person: the agent opens the
// ticket, a supervisor approves, Billing and Ground Operations each finish their branch, the
// ticket comes back to the agent ("Back to me", live), the agent confirms with the customer, and
// Customer Experience records the satisfaction call, which closes it (workflows/jump-queue.yaml).
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { World } from '../lib/harness.mjs';
import { actPlain, actWithForm, badgeCount, newJumpQueueTicket, openFromList, openQueue, ticketIn, waitBadge } from '../lib/flows.mjs';

const world = new World('roundtrip');
before(() => world.start());
after(() => world.stop());

world.test('a jump-queue ticket goes round every department and back to its agent, then closes', async () => {
  // Demo users from workflows/org.yaml: amy (cs-agents), sue (customer-service supervisor),
  // bill (billing desk), gary (hub operations desk), cathy (customer experience coordination).
  const amy = await world.signIn('amy');
  // `--demo` seeds tickets, some of them back with amy already.
  const backBefore = await badgeCount(amy, 'back-count');
  const ticket = await newJumpQueueTicket(amy, { title: 'Round trip: shipment stuck at the hub', tier: 'A' });
  const key = ticket.key;
  assert.equal(ticket.state, 'review');

  // The supervisor approves from the supervisors' queue.
  const sue = await world.signIn('sue');
  await openQueue(sue, 'cs-supervisors');
  await sue.getByTestId(`ticket-row-${key}`).waitFor();
  await openFromList(sue, key);
  const approved = await actPlain(sue, 'action', 'approve');
  assert.equal(approved.state, 'expedite');
  await ticketIn(sue, 'expedite');
  await sue.locator('[data-testid=branch-billing][data-status=open]').waitFor();
  await sue.locator('[data-testid=branch-ground][data-status=open]').waitFor();

  // Billing claims its branch from its queue and adjusts the invoice.
  const bill = await world.signIn('bill');
  await openQueue(bill, 'billing');
  await bill.getByTestId(`ticket-row-${key}`).waitFor();
  await openFromList(bill, key);
  await bill.getByTestId('branch-billing-claim').click();
  await bill.getByTestId('branch-billing-assignee').filter({ hasText: 'bill' }).waitFor();
  await actWithForm(bill, 'branch-billing-action', 'done', { billing_note: 'Express handling fee added to invoice' });
  await bill.locator('[data-testid=branch-billing][data-status=done]').waitFor();
  // Ground operations has not acted yet: the ticket is still in the parallel state.
  await ticketIn(bill, 'expedite', 'open');

  // Ground operations pulls the shipment forward; both branches done, the ticket goes back.
  const gary = await world.signIn('gary');
  await openQueue(gary, 'ground-ops');
  await gary.getByTestId(`ticket-row-${key}`).waitFor();
  await openFromList(gary, key);
  const expedited = await actWithForm(gary, 'branch-ground-action', 'done', { ops_note: 'Loaded on the next flight' });
  assert.equal(expedited.state, 'answer');
  assert.equal(expedited.assignee, 'amy');
  await ticketIn(gary, 'answer');

  // Back to the agent: the badge and a toast arrive live, without reloading amy's page.
  await waitBadge(amy, 'back-count', backBefore + 1);
  await amy.getByTestId('toast').filter({ hasText: key }).first().waitFor();
  await amy.getByTestId('nav-back').click();
  await amy.getByTestId(`ticket-row-${key}`).waitFor();
  await openFromList(amy, key);
  await ticketIn(amy, 'answer', 'open');
  const confirmed = await actWithForm(amy, 'action', 'confirm', { reply: 'Delivered on Friday as the customer needed' });
  assert.equal(confirmed.state, 'satisfaction');
  await ticketIn(amy, 'satisfaction', 'open');
  // Confirmed: no longer waiting on amy.
  await waitBadge(amy, 'back-count', backBefore);

  // Customer Experience calls the customer back; "satisfied" closes the ticket.
  const cathy = await world.signIn('cathy');
  await openQueue(cathy, 'cx-coordination');
  await cathy.getByTestId(`ticket-row-${key}`).waitFor();
  await openFromList(cathy, key);
  const closed = await actPlain(cathy, 'action', 'satisfied');
  assert.equal(closed.status, 'closed');
  await ticketIn(cathy, 'closed', 'closed');

  // The agent sees it closed, with every step in the timeline.
  await amy.reload();
  await ticketIn(amy, 'closed', 'closed');
  for (const type of ['opened', 'transitioned', 'branch_completed', 'closed'])
    await amy.getByTestId(`event-${type}`).first().waitFor();
  const api = await world.apiAs('amy');
  const final = await api.get(`/tickets/${ticket.id}`);
  assert.equal(final.status, 'closed');
  assert.equal(final.fields.outcome, 'satisfied');
  assert.equal(final.fields.billing_note, 'Express handling fee added to invoice');
  assert.equal(final.fields.ops_note, 'Loaded on the next flight');
});
