// SPDX-License-Identifier: GPL-3.0-or-later
// Admin → Organisation (issue 18): a holiday added in the calendar form shows in the month
// preview, a queue's contacts changed in the contacts form, Publish sends the text (PUT
// /api/v1/org) and GET /api/v1/org and /queues show both at once; an open ticket's due instant
// moves by the holiday. A mistake made in a form is shown next to that form with its
// line:column, and Publish waits for it to be fixed. Every control is named.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { openJumpQueue, World } from '../lib/harness.mjs';

const world = new World('org');
before(() => world.start());
after(() => world.stop());

function unnamedControls(page, selector) {
  return page.locator(selector).evaluate((root) =>
    [...root.querySelectorAll('button, a, input, select, textarea')]
      .filter((el) => !(el.getAttribute('aria-label') || el.textContent.trim() ||
        (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.closest('label')))
      .map((el) => el.outerHTML.slice(0, 120)));
}

const validated = (page) =>
  page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/org/validate');

world.test('a holiday and a contact added through the forms are published and move a due instant', async () => {
  // Monday 23 November 2026, 17:50 in Hong Kong: a tier-A review in cs-supervisors (hk-office,
  // 09:00-13:00 and 14:00-18:00) has 10 minutes left today, so its 30-minute resolve target
  // falls on Tuesday 09:20 HKT (01:20Z); Tuesday made a holiday moves it to Wednesday.
  let admin = await world.apiAs('admin');
  await admin.post('/admin/clock', { set: '2026-11-23T09:50:00Z' });
  world.forgetSessions();
  admin = await world.apiAs('admin');
  const ticket = await openJumpQueue(await world.apiAs('amy'), { tier: 'A', customerId: 'C-ORG' });
  assert.equal(ticket.sla.resolve_due, '2026-11-24T01:20:00Z');

  const page = await world.signIn('admin');
  await page.goto(`${world.base}/#/admin/org`);
  await page.getByTestId('org-version').getByText(/Published version \d+/).waitFor();
  const before = await admin.get('/org');

  // The calendar form: hk-office's holidays gain 24 November; the preview shows it off.
  await page.getByRole('combobox', { name: 'Calendar' }).selectOption('hk-office');
  await page.getByLabel('Month to preview').fill('2026-11');
  assert.equal(await page.locator('[data-testid=month-grid] td[data-date="2026-11-24"]').getAttribute('class'), 'day-work');
  await page.getByLabel('Date to add to Holidays').fill('2026-11-24');
  await page.getByTestId('holidays-add').click();
  await page.getByTestId('holidays-list').getByText('2026-11-24').waitFor();
  assert.equal(await page.locator('[data-testid=month-grid] td[data-date="2026-11-24"]').getAttribute('class'), 'day-off');

  // A mistake in the contacts form is shown next to it, at its line and column.
  await page.getByRole('combobox', { name: 'Queue' }).selectOption('cs-agents');
  await page.getByRole('textbox', { name: 'Escalates to' }).fill('nowhere-queue');
  let check = validated(page);
  await page.getByTestId('contact-apply').click();
  await check;
  const fieldError = page.locator('.org-form .field-error').filter({ hasText: 'nowhere-queue' });
  await fieldError.waitFor();
  assert.match(await fieldError.innerText(), /org\.yaml:\d+:\d+: .*nowhere-queue/);
  assert.equal(await page.getByTestId('org-publish').isDisabled(), true);

  // Fixed, and a contact added.
  await page.getByRole('textbox', { name: 'Escalates to' }).fill('cs-supervisors');
  await page.getByRole('textbox', { name: 'Primary contacts (A)' }).fill('amy, alan, zoe');
  check = validated(page);
  await page.getByTestId('contact-apply').click();
  assert.equal((await (await check).json()).valid, true);
  await page.locator('.org-form .field-error').waitFor({ state: 'detached' });
  assert.deepEqual(await unnamedControls(page, '.org-page'), []);

  // Publish first shows what changes: the two lines against the current version.
  await page.getByTestId('org-publish').click();
  const diff = page.getByTestId('publish-diff');
  await diff.waitFor();
  assert.match(await page.getByTestId('publish-panel').innerText(), new RegExp(`version ${before.version + 1}`));
  const diffLines = (await diff.locator('.add, .del').allInnerTexts())
    .map((l) => l.replace(/^[\d\s]*/, '').replace(/\s+/g, ' ').trim());
  assert.deepEqual(diffLines.sort(), ['+ - 2026-11-24', '+ primary: [amy, alan, zoe]', '- primary: [amy, alan]']);
  assert.deepEqual(await unnamedControls(page, '.org-page'), []);
  const put = page.waitForResponse((r) => r.request().method() === 'PUT' && new URL(r.url()).pathname === '/api/v1/org');
  await page.getByTestId('publish-confirm').click();
  const res = await put;
  assert.equal(res.status(), 201, await res.text());
  await page.getByTestId('org-version').getByText(`Published version ${before.version + 1}`).waitFor();

  const org = await admin.get('/org');
  assert.equal(org.version, before.version + 1);
  assert.match(org.source, /\n\s+- 2026-11-24\n/);
  assert.match(org.source, /primary: \[amy, alan, zoe\]/);
  // Only those two changes: every other line (comments too) is as it was.
  const added = org.source.split('\n').filter((l) => !before.source.split('\n').includes(l));
  assert.deepEqual(added.map((l) => l.trim()), ['- 2026-11-24', 'primary: [amy, alan, zoe]']);
  const csAgents = (await admin.get('/queues')).find((q) => q.name === 'cs-agents');
  assert.deepEqual(csAgents.primary, ['amy', 'alan', 'zoe']);
  // The queues table on the page shows the new contact too.
  await page.getByTestId('org-queues').getByText('amy, alan, zoe').waitFor();
  const moved = await admin.get(`/tickets/${ticket.id}`);
  assert.equal(moved.sla.resolve_due, '2026-11-25T01:20:00Z');
});

// The preview counts days as the calendar does: its own week (hk-office works Saturday
// mornings; `always` every day, written as a flow map), holidays, and extra workdays worked
// with the Monday–Friday hours.
world.test('the month preview follows each calendar\'s own week, holidays and extra workdays', async () => {
  const page = await world.signIn('admin');
  await page.goto(`${world.base}/#/admin/org`);
  await page.getByTestId('org-version').getByText(/Published version \d+/).waitFor();
  const day = (date) => page.locator(`[data-testid=month-grid] td[data-date="${date}"]`);
  const kind = async (date) => [await day(date).getAttribute('class'), await day(date).getAttribute('data-minutes')];
  const calendar = page.getByRole('combobox', { name: 'Calendar' });
  const month = page.getByLabel('Month to preview');

  await calendar.selectOption('hk-office');
  await month.fill('2026-11');
  assert.deepEqual(await kind('2026-11-27'), ['day-work', '480']); // Friday
  assert.deepEqual(await kind('2026-11-28'), ['day-work day-part', '240']); // Saturday morning
  assert.deepEqual(await kind('2026-11-29'), ['day-off', '0']); // Sunday
  await month.fill('2026-12');
  assert.deepEqual(await kind('2026-12-25'), ['day-off', '0']); // Christmas Day, a Friday
  assert.deepEqual(await kind('2026-12-26'), ['day-off', '0']); // a Saturday holiday
  assert.deepEqual(await kind('2026-12-19'), ['day-work day-part', '240']);
  assert.match(await day('2026-12-19').getAttribute('title'), /09:00-13:00/);
  // An extra workday added in the form (a Sunday) is worked with the Monday–Friday hours.
  await page.getByTestId('workdays-date').fill('2026-12-20');
  await page.getByTestId('workdays-add').click();
  await page.getByTestId('workdays-list').getByText('2026-12-20').waitFor();
  assert.deepEqual(await kind('2026-12-20'), ['day-work', '480']);

  // cn-office: 7.5 hours Monday to Friday; Saturday 14 February 2026 worked in exchange (调休).
  await calendar.selectOption('cn-office');
  await month.fill('2026-02');
  assert.deepEqual(await kind('2026-02-13'), ['day-work', '450']);
  assert.deepEqual(await kind('2026-02-14'), ['day-work', '450']);
  assert.deepEqual(await kind('2026-02-07'), ['day-off', '0']);
  assert.deepEqual(await kind('2026-02-16'), ['day-off', '0']); // Spring Festival

  await calendar.selectOption('always');
  assert.deepEqual(await kind('2026-02-15'), ['day-work', '1440']); // a Sunday, round the clock
  assert.deepEqual(await unnamedControls(page, '.org-page'), []);
});

world.test('the Organisation page is named in Chinese', async () => {
  const page = await world.signIn('admin', { lang: 'zh' });
  await page.goto(`${world.base}/#/admin/org`);
  await page.getByTestId('org-version').getByText(/已发布版本/).waitFor();
  await page.getByRole('combobox', { name: '日历' }).waitFor();
  await page.getByLabel('添加到节假日的日期').waitFor();
  await page.getByRole('textbox', { name: '主要联系人（A 角）' }).waitFor();
  assert.deepEqual(await unnamedControls(page, '.org-page'), []);
});
