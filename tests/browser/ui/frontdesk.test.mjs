// SPDX-License-Identifier: GPL-3.0-or-later
// The front desk's lists and forms (issue 16): who the customer is and the whole title in every
// list, titles instead of ids, a default title that says something; choice options in the
// reader's language and a required choice never chosen for the agent; a confirmation naming the
// branches an action throws away; reassigning by a person's name; standard answers on the
// new-ticket form; the server's refusals in the reader's language.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { World, openJumpQueue } from '../lib/harness.mjs';
import { violations } from '../lib/axe.mjs';
import { newJumpQueueTicket, openQueue, pickerFocused, ticketIn } from '../lib/flows.mjs';

const world = new World('frontdesk');
before(() => world.start());
after(() => world.stop());

const LONG_TITLE =
  'Shipment of medical samples held at the Kwai Chung hub since Monday: the customer needs it at the ' +
  'Queen Mary Hospital laboratory before Friday noon, otherwise the samples are spoilt and must be taken again';

world.test('lists show the customer, whole titles and titles instead of ids; the default title says something', async () => {
  const api = await world.apiAs('amy');
  const long = await api.post('/tickets', {
    workflow: 'jump-queue',
    title: LONG_TITLE,
    fields: { awb: '123456789012', urgency: 'high', held_at: 'hub', reason: 'Needed on Friday' },
    customer: { id: 'C-4410', name: '黄志明', phone: '+852 9123 4567', tier: 'A' },
  });

  const amy = await world.signIn('amy');
  await amy.getByTestId('nav-mine').click();
  const row = amy.getByTestId(`ticket-row-${long.key}`);
  await row.waitFor();
  // The customer column: name and phone.
  const who = amy.getByTestId(`customer-${long.key}`);
  assert.match(await who.innerText(), /黄志明[\s\S]*\+852 9123 4567/);
  // The whole title can be read: not cut (nothing hidden to the side or below).
  const title = row.locator('td.col-title');
  assert.equal((await title.innerText()).trim(), LONG_TITLE);
  const cut = await title.evaluate((el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1);
  assert.equal(cut, false, 'the title is cut off in the list');
  // Where it is now (state and queue titles) is read whole too.
  const where = row.locator('td.col-where');
  assert.equal(await where.evaluate((el) => el.scrollWidth > el.clientWidth + 1), false, `cut off: ${await where.innerText()}`);

  // The queue page has the customer too.
  const sue = await world.signIn('sue');
  await openQueue(sue, 'cs-supervisors');
  assert.match(await sue.getByTestId(`customer-${long.key}`).innerText(), /黄志明/);

  // The dashboard names departments by their titles, not their ids.
  const departments = await (await world.apiAs('sue')).get('/departments');
  const cs = departments.find((d) => d.name === 'customer-service');
  assert.ok(cs && cs.title && cs.title !== cs.name, JSON.stringify(cs));
  await sue.getByTestId('nav-dashboard').click();
  await sue.getByTestId('dashboard-row-cs-supervisors').waitFor();
  const dept = sue.getByTestId('dashboard-dept-customer-service');
  assert.equal(await dept.count(), 1, 'no department cell for customer-service');
  assert.equal((await dept.innerText()).trim(), cs.title);

  // Left empty, the title is the first required text field and the customer.
  const opened = await newJumpQueueTicket(amy, { reason: 'Customer needs it on Friday', customerName: 'Li Wei' });
  assert.equal(opened.title, 'Customer needs it on Friday · Li Wei');
});

world.test('choice options are labelled in the reader\'s language and a required choice is never chosen for the agent', async () => {
  // Chinese: the options and the ticket's value read in Chinese.
  const amyZh = await world.signIn('amy', { lang: 'zh' });
  await amyZh.getByTestId('nav-new').click();
  await amyZh.getByTestId('new-workflow').selectOption('jump-queue');
  const heldAt = amyZh.getByTestId('field-held_at');
  await heldAt.waitFor();
  const labels = await heldAt.locator('option').allInnerTexts();
  assert.ok(labels.includes('海关'), `options: ${labels.join(' | ')}`);
  const api = await world.apiAs('amy');
  const ticket = await openJumpQueue(api, { title: 'Held at customs', heldAt: 'customs' });
  await amyZh.goto(`${world.base}/#/tickets/${ticket.id}`);
  await amyZh.getByTestId('ticket-field-held_at').filter({ hasText: '海关' }).waitFor();

  // English: the complaint's category is required and has no default: nothing is chosen for the
  // agent, typing a letter picks an option (never the placeholder), and leaving it empty is an
  // error under the field, with nothing sent.
  const amy = await world.signIn('amy');
  await amy.getByTestId('nav-new').click();
  await amy.getByTestId('new-workflow').selectOption('complaint');
  const category = amy.getByTestId('field-category');
  await category.waitFor();
  assert.equal(await category.inputValue(), '');
  assert.deepEqual(await category.locator('option').allInnerTexts(), ['— Choose —', 'Network', 'Billing', 'Marketing campaign']);
  await amy.getByTestId('field-customer_words').fill('The bill doubled this month');
  await amy.getByTestId('field-phone').fill('13912345678');
  let posted = false;
  amy.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/tickets') posted = true;
  });
  await amy.getByTestId('field-customer_words').press('Control+Enter');
  const error = amy.getByTestId('error-category');
  await error.waitFor();
  assert.equal(await error.innerText(), 'Choose one of the options.');
  assert.equal(await category.getAttribute('aria-invalid'), 'true');
  assert.equal(await amy.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'field-category');
  assert.equal(posted, false, 'the form was sent with the required choice empty');
  // Typing a letter picks the option it starts (the placeholder starts with none).
  await amy.keyboard.press('m');
  assert.equal(await category.inputValue(), 'marketing-campaign');
});

world.test('an action that throws open branches away asks first, naming them, and is not the primary button', async () => {
  const amyApi = await world.apiAs('amy');
  const ticket = await openJumpQueue(amyApi, { title: 'Branches at risk', heldAt: 'hub' });
  await (await world.apiAs('sue')).post(`/tickets/${ticket.id}/actions/approve`, {});
  // The server says which open branches an action would cancel: leaving the parallel state
  // ("Ask the customer", offered to whoever works a branch) all of them; a branch failing the others.
  const seen = await (await world.apiAs('gary')).get(`/tickets/${ticket.id}`);
  assert.equal(seen.state, 'expedite');
  const ask = seen.actions.find((a) => a.name === 'ask_customer');
  assert.ok(ask, JSON.stringify(seen.actions));
  assert.deepEqual(ask.discards, ['billing', 'ground']);
  const ground = seen.branches.find((b) => b.name === 'ground');
  assert.equal(ground.title, 'Pull the shipment forward');
  assert.deepEqual(ground.actions.find((a) => a.name === 'cannot').discards, ['billing']);
  assert.deepEqual(ground.actions.find((a) => a.name === 'done').discards, []);

  const gary = await world.signIn('gary');
  await gary.goto(`${world.base}/#/tickets/${ticket.id}`);
  await ticketIn(gary, 'expedite', 'open');
  const button = gary.getByTestId('action-ask_customer');
  assert.doesNotMatch((await button.getAttribute('class')) ?? '', /\bprimary\b/);
  let posted = 0;
  gary.on('request', (r) => {
    if (r.method() === 'POST' && r.url().includes('/actions/ask_customer')) posted += 1;
  });
  await button.click();
  const confirm = gary.getByTestId('action-confirm');
  await confirm.waitFor();
  const text = await confirm.innerText();
  assert.match(text, /Re-bill the express handling/);
  assert.match(text, /Pull the shipment forward/);
  assert.deepEqual(await violations(gary), [], 'axe-core on the page asking to confirm');
  await gary.getByTestId('action-confirm-cancel').click();
  await confirm.waitFor({ state: 'detached' });
  assert.equal(posted, 0);
  await button.click();
  const answered = gary.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/actions/ask_customer'));
  await gary.getByTestId('action-confirm-ok').click();
  assert.equal((await answered).status(), 200);
  assert.equal(posted, 1);
});

world.test('a supervisor reassigns by picking a person by name, and sees who is away', async () => {
  // sam is off for three days (this file leaves the fake clock where it started, at the real
  // time); his supervisor says so.
  const until = new Date(Date.now() + 3 * 86400e3).toISOString().replace(/\.\d{3}Z$/, 'Z');
  await (await world.apiAs('sue')).call('PATCH', '/users/sam/away', { away: { until } });
  const ticket = await openJumpQueue(await world.apiAs('amy'), { title: 'Reassign me' });
  const sue = await world.signIn('sue');
  await sue.goto(`${world.base}/#/tickets/${ticket.id}`);
  const find = sue.getByTestId('assign-find');
  await find.waitFor();
  await find.fill('sa');
  const option = sue.locator('[data-testid=assign-options] [role=option]').filter({ hasText: 'Sam' });
  await option.waitFor();
  assert.match(await option.innerText(), /away/i);
  assert.equal(await find.getAttribute('aria-expanded'), 'true');
  assert.deepEqual(await violations(sue), [], 'axe-core on the page with the people listed');
  const answered = sue.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/tickets/${ticket.id}/assign`));
  await find.press('Enter');
  const res = await answered;
  assert.equal(res.status(), 200, await res.text());
  assert.equal(JSON.parse(res.request().postData()).username, 'sam');
  await sue.getByTestId('ticket-assignee').filter({ hasText: 'Sam' }).waitFor();
});

world.test('the new-ticket form offers standard answers in its text fields', async () => {
  const sueApi = await world.apiAs('sue');
  const answer = await sueApi.post('/answers', {
    department: 'customer-service',
    title: { en: 'Trade fair promise', zh: '展会承诺' },
    body: { en: '{customer.name} needs it before the trade fair opens.', zh: '{customer.name}需要在展会开幕前收到。' },
  });
  const amy = await world.signIn('amy');
  await amy.getByTestId('nav-new').click();
  await amy.getByTestId('new-workflow').selectOption('jump-queue');
  await amy.getByTestId('field-reason').waitFor();
  await amy.getByTestId('customer-name').fill('Li Wei');
  await amy.getByTestId('field-reason').focus();
  await amy.keyboard.press('/');
  await pickerFocused(amy);
  await amy.keyboard.type('fair');
  await amy.getByTestId(`answer-option-${answer.id}`).waitFor();
  await amy.keyboard.press('Enter');
  await amy.getByTestId('answer-picker').waitFor({ state: 'detached' });
  assert.equal(await amy.getByTestId('field-reason').inputValue(), 'Li Wei needs it before the trade fair opens.');
});

world.test('the server\'s refusals read in the reader\'s language', async () => {
  const amy = await world.signIn('amy', { lang: 'zh' });
  await amy.getByTestId('nav-new').click();
  await amy.getByTestId('new-workflow').selectOption('jump-queue');
  await amy.getByTestId('field-awb').waitFor();
  await amy.getByTestId('field-awb').fill('123456789012');
  await amy.getByTestId('field-urgency').selectOption('normal');
  await amy.getByTestId('field-reason').fill('普通快件');
  const answered = amy.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/tickets');
  await amy.getByTestId('field-reason').press('Control+Enter');
  const res = await answered;
  assert.equal(res.status(), 422);
  const message = (await res.json()).error.message;
  const shown = amy.getByTestId('new-ticket-error');
  await shown.waitFor();
  const text = await shown.innerText();
  assert.ok(!text.includes(message), `the server's English is shown: ${text}`);
  assert.match(text, /不能/);
  assert.match(text, /urgency != "normal"/);
});
