// SPDX-License-Identifier: GPL-3.0-or-later
// A returning customer found by phone (issue 16): keyboard only on the new-ticket form, counting
// the keys pressed beyond the data typed; their history beside the form, "add to this ticket
// instead" for a repeat contact, the customer page and the search box finding customers.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { World, artifactsDir } from '../lib/harness.mjs';

const world = new World('customers');
before(() => world.start());
after(() => world.stop());

const customer = { id: 'C-5501', name: '陈美玲', tier: 'A', phone: '+86 139 1234 5678' };

async function openFor(api, title) {
  return api.post('/tickets', {
    workflow: 'jump-queue',
    title,
    fields: { awb: '123456789012', urgency: 'high', held_at: 'hub', reason: 'Needed on Friday' },
    customer: { id: customer.id },
    channel: 'phone',
  });
}

world.test('a returning customer found by phone opens a ticket by keyboard alone', async () => {
  const api = await world.apiAs('amy');
  await api.post('/customers', customer, { expect: [201] });
  const earlier = await openFor(api, 'Earlier: parcel held at the hub');

  const amy = await world.signIn('amy');
  await amy.getByTestId('nav-new').click();
  await amy.getByTestId('new-ticket-form').waitFor();
  const pick = amy.getByTestId('new-workflow');
  if (await pick.count()) await pick.selectOption('jump-queue');
  await amy.getByTestId('field-awb').waitFor();
  // The finder has the focus: the agent types the number as the customer says it.
  await amy.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'customer-find');

  let keys = 0;
  const press = async (key) => {
    keys += 1;
    await amy.keyboard.press(key);
  };
  const focused = () => amy.evaluate(() => document.activeElement?.getAttribute('data-testid'));
  const typeData = (text) => amy.keyboard.type(text);

  await typeData('139 1234 5678');
  const option = amy.locator('#customer-suggestions [role=option][aria-selected=true]');
  await option.filter({ hasText: customer.name }).waitFor();
  assert.equal(await amy.getByTestId('customer-find').getAttribute('aria-expanded'), 'true');
  await press('Enter');
  // Picked: name, phone and tier filled, the open ticket shown with "add to this ticket instead".
  await amy.getByTestId(`add-to-${earlier.key}`).waitFor();
  assert.equal(await amy.getByTestId('customer-name').inputValue(), customer.name);
  assert.equal(await amy.getByTestId('customer-phone').inputValue(), customer.phone);
  assert.equal(await amy.getByTestId('customer-tier').inputValue(), 'A');
  await amy.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'field-awb');

  await typeData('987654321098');
  for (let i = 0; i < 20 && (await focused()) !== 'field-reason'; i++) await press('Tab');
  assert.equal(await focused(), 'field-reason');
  await typeData('Customer needs it for a trade fair');
  const created = amy.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/tickets');
  await press('Control+Enter');
  const res = await created;
  assert.equal(res.status(), 201, await res.text());
  const ticket = await res.json();
  assert.deepEqual(ticket.customer, { id: customer.id, name: customer.name, tier: 'A', phone: customer.phone });
  assert.equal(ticket.fields.awb, '987654321098');
  // The figure the issue asks for: keys beyond the data typed, and the time it stands for at
  // 0.25 s a key plus 1.2 s for each of the three fields typed (phone, waybill, reason).
  const seconds = keys * 0.25 + 3 * 1.2;
  console.log(`returning customer by phone: ${keys} keystrokes beyond the data, about ${seconds.toFixed(1)} s`);
  fs.mkdirSync(artifactsDir, { recursive: true });
  fs.writeFileSync(path.join(artifactsDir, 'customers-keystrokes.json'), JSON.stringify({ keys, seconds }, null, 2));
  assert.ok(keys <= 30, `${keys} keystrokes beyond the data`);
});

world.test('a repeat contact is added to the open ticket instead of opening a duplicate', async () => {
  const api = await world.apiAs('amy');
  const before = (await api.get(`/customers/${customer.id}`)).tickets;
  const open = before.filter((x) => x.status === 'open');
  const target = open[open.length - 1];
  const amy = await world.signIn('amy');
  await amy.getByTestId('nav-new').click();
  await amy.getByTestId('customer-find').waitFor();
  await amy.getByTestId('customer-find').fill('陈美');
  await amy.locator('#customer-suggestions [role=option]').filter({ hasText: customer.id }).waitFor();
  await amy.getByTestId('customer-find').press('Enter');
  await amy.getByTestId(`add-to-${target.key}`).click();
  await amy.getByTestId('add-note-body').fill('She called again: the fair starts Thursday.');
  const posted = amy.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/api/v1/tickets/${target.id}/comments`);
  await amy.getByTestId('add-note-submit').click();
  assert.equal((await posted).status(), 201);
  const events = (await api.get(`/tickets/${target.id}/events`)).items;
  assert.ok(events.some((e) => e.type === 'commented' && JSON.stringify(e.data).includes('fair starts Thursday')));
  // A comment, not a duplicate: the customer has as many tickets as before.
  assert.equal((await api.get(`/customers/${customer.id}`)).tickets.length, before.length);
});

world.test('the customer page shows the history and the search box finds the customer', async () => {
  const api = await world.apiAs('amy');
  const all = (await api.get(`/customers/${customer.id}`)).tickets;
  const amy = await world.signIn('amy');
  await amy.goto(`${world.server.base}/#/customers/${customer.id}`);
  await amy.getByTestId('customer-page').waitFor();
  for (const x of all) await amy.getByTestId(`ticket-row-${x.key}`).waitFor();
  await world.shot(amy, 'en-customer-page');
  await amy.getByTestId('search-input').fill('13912345678');
  await amy.getByTestId('search-input').press('Enter');
  const link = amy.getByTestId('search-customers').locator(`a[href="#/customers/${customer.id}"]`);
  await link.waitFor();
  await link.click();
  await amy.getByTestId('customer-page-id').filter({ hasText: customer.id }).waitFor();
});
