// SPDX-License-Identifier: GPL-3.0-or-later
// A date-time field is one Tab stop (issue 16; Chromium's own date-time input is five: month,
// day, year, hours, minutes): jump-queue's "Customer needs it by" takes what an agent types —
// "2026-12-08 14:30", "tomorrow 17", "明天 9点" — reads it back under the box in the reader's
// language, sends the instant, and refuses what it cannot read under the field.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { World } from '../lib/harness.mjs';

const world = new World('datetime');
before(() => world.start());
after(() => world.stop());

async function newJumpQueueForm(page) {
  await page.getByTestId('nav-new').click();
  await page.getByTestId('new-workflow').selectOption('jump-queue');
  await page.getByTestId('field-needed_by').waitFor();
}

const focused = (page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid'));

/** The instant a local date and time in the browser's zone is, as the API writes it. */
const instant = (page, y, m, d, h, min) =>
  page.evaluate(([y, m, d, h, min]) => new Date(y, m - 1, d, h, min).toISOString().replace(/\.\d{3}Z$/, 'Z'), [y, m, d, h, min]);

async function fillRest(page) {
  await page.getByTestId('field-awb').fill('123456789012');
  await page.getByTestId('field-held_at').selectOption('hub');
  await page.getByTestId('field-reason').fill('Customer needs it for a fair');
  await page.getByTestId('customer-name').fill('Li Wei');
}

world.test('a date and time typed in one box, one Tab stop, sent as the instant', async () => {
  const amy = await world.signIn('amy');
  await newJumpQueueForm(amy);
  const box = amy.getByTestId('field-needed_by');
  await box.focus();
  // One Tab leaves the field; Shift+Tab comes back to the whole field, not to its last part.
  await amy.keyboard.press('Tab');
  assert.notEqual(await focused(amy), 'field-needed_by', 'Tab stayed inside the date-time field');
  await amy.keyboard.press('Shift+Tab');
  assert.equal(await focused(amy), 'field-needed_by');
  await amy.keyboard.type('2026-12-08 14:30');
  assert.match(await amy.getByTestId('field-needed_by-reads').innerText(), /8 Dec 2026.*14:30/);
  await amy.keyboard.press('Tab');
  assert.notEqual(await focused(amy), 'field-needed_by', 'Tab stayed inside the date-time field');
  assert.equal(await box.inputValue(), '2026-12-08 14:30');

  // "tomorrow 17" as an agent says it.
  await box.fill('tomorrow 17');
  const [y, m, d] = await amy.evaluate(() => {
    const t = new Date();
    const n = new Date(t.getFullYear(), t.getMonth(), t.getDate() + 1);
    return [n.getFullYear(), n.getMonth() + 1, n.getDate()];
  });
  await box.blur();
  assert.equal(await box.inputValue(), `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')} 17:00`);
  await fillRest(amy);
  const created = amy.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/tickets');
  await amy.getByTestId('field-reason').press('Control+Enter');
  const res = await created;
  assert.equal(res.status(), 201, await res.text());
  assert.equal((await res.json()).fields.needed_by, await instant(amy, y, m, d, 17, 0));
});

world.test('Chinese: 明天 9点 read back in Chinese; what cannot be read is refused under the field', async () => {
  const amy = await world.signIn('amy', { lang: 'zh' });
  await newJumpQueueForm(amy);
  const box = amy.getByTestId('field-needed_by');
  await box.fill('明天 9点');
  assert.match(await amy.getByTestId('field-needed_by-reads').innerText(), /\d{4}年\d{1,2}月\d{1,2}日.*09:00/);
  await box.fill('32/13 25:00');
  assert.equal(await amy.getByTestId('field-needed_by-reads').innerText(), '');
  await fillRest(amy);
  let posted = false;
  amy.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/tickets') posted = true;
  });
  await amy.getByTestId('field-reason').press('Control+Enter');
  const error = amy.getByTestId('error-needed_by');
  await error.waitFor();
  assert.match(await error.innerText(), /请输入日期和时间/);
  assert.equal(await box.getAttribute('aria-invalid'), 'true');
  assert.equal(posted, false);
});
