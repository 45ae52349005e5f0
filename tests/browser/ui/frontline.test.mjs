// SPDX-License-Identifier: GPL-3.0-or-later
// Issue 16's front line: a ticket past its whole-ticket deadline shows breached, in red, on the
// queue list and its page (never its step's "15m left" in green); a supervisor publishes a
// standard answer and changes it (versions with who and when); an agent inserts it into a
// comment with the keyboard only, placeholders filled.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { World, openJumpQueue, sourceDir } from '../lib/harness.mjs';
import { openQueue, pickerFocused } from '../lib/flows.mjs';

const world = new World('frontline');
before(() => world.start());
after(() => world.stop());

const RED = 'rgb(179, 38, 30)'; // --breach (styles.css)
const GREEN = 'rgb(23, 112, 58)'; // --ok

/** 13:30 in Hong Kong on the next Saturday (not a hk-office holiday) at least a day after `now`: the office closed at 13:00 and opens again on Monday. */
function saturdayAfternoon(now) {
  const org = fs.readFileSync(path.join(sourceDir, 'workflows/org.yaml'), 'utf8');
  const block = org.slice(org.indexOf('  hk-office:'), org.indexOf('  cn-office:'));
  const holidays = new Set(block.match(/\d{4}-\d{2}-\d{2}/g) ?? []);
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 5, 30, 0));
  for (;;) {
    day.setUTCDate(day.getUTCDate() + 1);
    const iso = day.toISOString().slice(0, 10);
    if (day.getUTCDay() === 6 && !holidays.has(iso)) return day;
  }
}

const colour = (locator) => locator.evaluate((el) => getComputedStyle(el).color);

world.test('a ticket an hour past its whole-ticket deadline is red "breached 1h ago" on the queue and its page, in both languages', async () => {
  let admin = await world.apiAs('admin');
  const { now } = await admin.get('/admin/clock');
  const start = saturdayAfternoon(new Date(now));
  await admin.post('/admin/clock', { set: start.toISOString().replace('.000Z', 'Z') });
  world.forgetSessions();
  const amy = await world.apiAs('amy');
  const ticket = await openJumpQueue(amy, { title: 'Weekend: held at the hub', tier: 'B' });
  admin = await world.apiAs('admin');
  await admin.post('/admin/clock', { advance_seconds: 25 * 3600 });
  world.forgetSessions();

  // The server's view: the step's respond clock has not started (office closed), the ticket's is past.
  const seen = await (await world.apiAs('sam')).get(`/tickets/${ticket.id}`);
  assert.equal(seen.sla.breached, false, JSON.stringify(seen.sla));
  assert.equal(seen.ticket_sla.breached, true, JSON.stringify(seen.ticket_sla));

  const sam = await world.signIn('sam');
  await openQueue(sam, 'cs-supervisors');
  const row = sam.getByTestId(`sla-${ticket.key}`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-sla'), 'breached', `list badge: ${await row.innerText()}`);
  assert.equal(await row.getAttribute('data-clock'), 'ticket');
  assert.match(await row.innerText(), /breached 1h ago/);
  assert.equal(await colour(row), RED);
  await world.shot(sam, 'en-queue-ticket-clock-breached');

  await sam.getByTestId(`open-${ticket.key}`).click();
  const head = sam.getByTestId('ticket-sla');
  await head.waitFor();
  assert.equal(await head.getAttribute('data-sla'), 'breached');
  assert.match(await head.innerText(), /breached 1h ago/);
  assert.equal(await colour(head), RED);
  // Each clock on its own still tells its own truth.
  const step = sam.getByTestId('sla-step-badge');
  assert.equal(await step.getAttribute('data-sla'), 'ok');
  assert.match(await step.innerText(), /15m left/);
  assert.equal(await colour(step), GREEN);
  assert.equal(await sam.getByTestId('sla-ticket-badge').getAttribute('data-sla'), 'breached');
  // The queue by its title, not its id.
  await sam.locator('[data-testid=ticket-queue]', { hasText: 'Customer service supervisors' }).waitFor();

  const samZh = await world.signIn('sam', { lang: 'zh' });
  await samZh.goto(`${world.base}/#/tickets/${ticket.id}`);
  const headZh = samZh.getByTestId('ticket-sla');
  await headZh.waitFor();
  assert.match(await headZh.innerText(), /已超时/);
  await samZh.locator('[data-testid=ticket-queue]', { hasText: '客服主管' }).waitFor();
  assert.equal(await colour(headZh), RED);
  await world.closePages();
});

world.test('a supervisor publishes and changes a standard answer; an agent inserts it with the keyboard only', async () => {
  const sue = await world.signIn('sue');
  await sue.getByTestId('nav-answers').click();
  await sue.getByTestId('answers-page').waitFor();
  await sue.getByTestId('answer-new').click();
  await sue.getByTestId('answer-form').waitFor();
  await sue.getByTestId('answer-department').selectOption('customer-service');
  await sue.getByTestId('answer-title-en').fill('Held at customs');
  await sue.getByTestId('answer-title-zh').fill('海关扣留');
  await sue.getByTestId('answer-body-en').fill('Dear {customer.name}, parcel {ticket.key} is held at customs. — {agent.nmae}');
  await sue.getByTestId('answer-body-zh').fill('{customer.name}您好，快件{ticket.key}正在海关查验。{agent.name}');
  await sue.getByTestId('answer-save').click();
  // A misspelt placeholder is refused under its field.
  const fieldError = sue.locator('#answer-body-en-error');
  await fieldError.waitFor();
  assert.match(await fieldError.innerText(), /agent\.nmae/);
  assert.equal(await sue.getByTestId('answer-body-en').getAttribute('aria-invalid'), 'true');
  await sue.getByTestId('answer-body-en').fill('Dear {customer.name}, parcel {ticket.key} is held at customs. — {agent.name}');
  await sue.getByTestId('answer-body-en').press('Control+Enter');
  await sue.getByTestId('answer-form').waitFor({ state: 'detached' });
  const listed = await (await world.apiAs('sue')).get('/answers?q=customs');
  assert.equal(listed.items.length, 1);
  const answer = listed.items[0];

  // A change is a new version, kept with who and when.
  await sue.getByTestId(`answer-edit-${answer.id}`).click();
  await sue.getByTestId('answer-title-en').fill('Parcel held at customs');
  await sue.getByTestId('answer-save').click();
  await sue.getByTestId('answer-form').waitFor({ state: 'detached' });
  await sue.getByTestId(`answer-history-${answer.id}`).click();
  await sue.getByTestId('answer-version-2').waitFor();
  assert.match(await sue.getByTestId('answer-version-2').innerText(), /Version 2 .* sue/);
  assert.match(await sue.getByTestId('answer-version-1').innerText(), /Version 1 .* sue/);
  await world.shot(sue, 'en-answers');

  // amy, an agent, answers her customer: "/" then a few letters, Enter, Ctrl+Enter.
  const amyApi = await world.apiAs('amy');
  const ticket = await openJumpQueue(amyApi, { title: 'Parcel stuck', heldAt: 'customs' });
  const amyName = (await amyApi.get('/me')).name;
  const amy = await world.signIn('amy');
  await amy.goto(`${world.base}/#/tickets/${ticket.id}`);
  const box = amy.getByTestId('comment-body');
  await box.waitFor();
  await box.focus();
  let keys = 0;
  await amy.keyboard.press('/');
  keys += 1;
  await pickerFocused(amy);
  await amy.keyboard.type('cust');
  await amy.getByTestId(`answer-option-${answer.id}`).waitFor();
  await amy.keyboard.press('Enter');
  keys += 1;
  await amy.getByTestId('answer-picker').waitFor({ state: 'detached' });
  const expected = `Dear Li Wei, parcel ${ticket.key} is held at customs. — ${amyName}`;
  assert.equal(await box.inputValue(), expected);
  assert.equal(await amy.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'comment-body');
  // Ctrl+K anywhere in the text; Escape closes and leaves the text as it was.
  await amy.keyboard.press('Control+k');
  await pickerFocused(amy);
  await amy.keyboard.press('Escape');
  await amy.getByTestId('answer-picker').waitFor({ state: 'detached' });
  assert.equal(await box.inputValue(), expected);
  // A "/" inside a word is just a slash.
  await amy.keyboard.type(' and/or ');
  assert.equal(await box.inputValue(), `${expected} and/or `);
  // "//" at the start of a word types one slash.
  await amy.keyboard.press('/');
  await pickerFocused(amy);
  await amy.keyboard.press('/');
  await amy.getByTestId('answer-picker').waitFor({ state: 'detached' });
  assert.equal(await box.inputValue(), `${expected} and/or /`);
  await amy.keyboard.press('Control+Enter');
  keys += 1;
  await amy.locator('[data-testid=timeline]').getByText(expected).first().waitFor();
  console.log(`frontline: a standard answer inserted and sent with ${keys} keys beyond the letters typed`);

  // In Chinese: the picker's words are Chinese and it inserts the Chinese text by default.
  const amyZh = await world.signIn('amy', { lang: 'zh' });
  await amyZh.goto(`${world.base}/#/tickets/${ticket.id}`);
  const boxZh = amyZh.getByTestId('comment-body');
  await boxZh.waitFor();
  assert.equal(await amyZh.getByTestId('comment-body-answers-open').innerText(), '插入标准答复');
  await boxZh.focus();
  await amyZh.keyboard.press('Control+k');
  await pickerFocused(amyZh);
  assert.equal(await amyZh.getByTestId('answer-search').getAttribute('aria-label'), '查找标准答复');
  await amyZh.keyboard.type('海关');
  await amyZh.getByTestId(`answer-option-${answer.id}`).waitFor();
  await amyZh.keyboard.press('Enter');
  assert.equal(await boxZh.inputValue(), `Li Wei您好，快件${ticket.key}正在海关查验。${amyName}`);
  await world.closePages();
});

world.test('links, merging a duplicate (its events readable on the other ticket) and reopening, from the ticket page', async () => {
  const amyApi = await world.apiAs('amy');
  const first = await openJumpQueue(amyApi, { title: 'First call about the parcel' });
  const second = await openJumpQueue(amyApi, { title: 'Second call about the parcel' });
  await amyApi.post(`/tickets/${second.id}/comments`, { body: 'Customer rang again, same parcel.' });
  const amy = await world.signIn('amy');

  // Link the first to the second.
  await amy.goto(`${world.base}/#/tickets/${first.id}`);
  await amy.locator(`[data-testid=ticket-page][data-key="${first.key}"]`).waitFor();
  await amy.getByTestId('link-open').click();
  await amy.getByTestId('link-ticket').fill(second.key.toLowerCase());
  await amy.getByTestId('link-relation').selectOption('relates_to');
  await amy.getByTestId('link-submit').click();
  await amy.getByTestId(`link-relates_to-${second.key}`).waitFor();
  // An unknown ticket: the message stands under the field.
  await amy.getByTestId('link-open').click();
  await amy.getByTestId('link-ticket').fill('JQ-99999');
  await amy.getByTestId('link-ticket').press('Enter');
  await amy.getByTestId('link-error').waitFor();
  assert.equal(await amy.getByTestId('link-ticket').getAttribute('aria-invalid'), 'true');

  // Merge the second into the first: closed, linked, its events readable on the first.
  await amy.goto(`${world.base}/#/tickets/${second.id}`);
  await amy.locator(`[data-testid=ticket-page][data-key="${second.key}"]`).waitFor();
  await amy.getByTestId('merge-open').click();
  await amy.getByTestId('merge-ticket').fill(first.key);
  await amy.getByTestId('merge-reason').fill('Same parcel');
  await amy.getByTestId('merge-submit').click();
  await amy.locator(`[data-testid=ticket-page][data-key="${second.key}"][data-status=closed]`).waitFor();
  await amy.getByTestId(`link-merged_into-${first.key}`).waitFor();
  await amy.getByTestId(`link-merged_into-${first.key}`).getByRole('link', { name: first.key }).click();
  await amy.locator(`[data-testid=ticket-page][data-key="${first.key}"]`).waitFor();
  const merged = amy.getByTestId(`merged-events-${second.key}`);
  await merged.locator('summary').click();
  await merged.getByText('Customer rang again, same parcel.').waitFor();
  await world.shot(amy, 'en-ticket-merged-from');

  // Reopen the merged one.
  await amy.goto(`${world.base}/#/tickets/${second.id}`);
  await amy.getByTestId('reopen-open').click();
  await amy.getByTestId('reopen-reason').fill('Not the same parcel after all');
  await amy.getByTestId('reopen-submit').click();
  await amy.locator(`[data-testid=ticket-page][data-key="${second.key}"][data-status=open]`).waitFor();

  // The controls have Chinese names.
  const amyZh = await world.signIn('amy', { lang: 'zh' });
  await amyZh.goto(`${world.base}/#/tickets/${first.id}`);
  assert.equal(await amyZh.getByTestId('link-open').innerText(), '关联工单…');
  assert.equal(await amyZh.getByTestId('merge-open').innerText(), '合并到…');
  await world.closePages();
});

world.test('each role lands on its own home page', async () => {
  const homes = { amy: '#/new', bill: '#/queues/billing', cathy: '#/dashboard', admin: '#/admin' };
  for (const [user, home] of Object.entries(homes)) {
    const page = await world.signIn(user);
    await page.waitForFunction((h) => location.hash === h || location.hash.startsWith(`${h}/`), home);
    await page.context().close();
  }
});
