// SPDX-License-Identifier: GPL-3.0-or-later
// Where each kind of user lands after signing in (agents on New ticket, back-office staff on
// their own queue, supervisors on the dashboard, admins on Admin), and wrong addresses: an
// unknown route shows a page with the way home, and "#/tickets/abc" never asks the server for
// /tickets/NaN.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { World } from '../lib/harness.mjs';

const world = new World('home');

before(() => world.start());
after(() => world.stop());

async function landing(username) {
  const page = await world.signIn(username);
  await page.waitForFunction(() => location.hash.length > 2);
  return page;
}

world.test('each kind of user lands on the page of their work', async () => {
  const amy = await landing('amy'); // agent, front line
  assert.equal(await amy.evaluate(() => location.hash), '#/new');
  await amy.getByTestId('new-ticket-form').waitFor();

  const bill = await landing('bill'); // billing back office
  assert.equal(await bill.evaluate(() => location.hash), '#/queues/billing');
  await bill.getByTestId('queue-billing').waitFor();
  assert.equal(await bill.getByTestId('new-ticket-form').count(), 0);

  const sue = await landing('sue'); // supervisor
  assert.equal(await sue.evaluate(() => location.hash), '#/dashboard');
  await sue.locator('[data-testid^=dashboard-row-]').first().waitFor();

  const admin = await landing('admin');
  assert.equal(await admin.evaluate(() => location.hash), '#/admin');
  // The brand link leads to the same start page.
  assert.equal(await bill.getByRole('link', { name: 'Baton' }).first().getAttribute('href'), '#/queues/billing');
  await world.closePages();
});

world.test('a wrong address shows a page with the way home, in both languages', async () => {
  const bill = await world.signIn('bill');
  const asked = [];
  bill.on('request', (r) => asked.push(new URL(r.url()).pathname));

  await bill.goto(`${world.base}/#/no-such-page`);
  await bill.getByTestId('not-found').waitFor();
  await bill.getByRole('heading', { name: 'No such page' }).waitFor();

  await bill.goto(`${world.base}/#/tickets/abc`);
  await bill.getByTestId('not-found').waitFor();
  await bill.waitForLoadState('networkidle');
  assert.deepEqual(asked.filter((p) => /NaN|\/tickets\/abc/.test(p)), [], 'the page asked the server for a ticket that cannot exist');

  await bill.getByTestId('not-found-home').click();
  await bill.waitForFunction(() => location.hash === '#/queues/billing');
  await bill.getByTestId('queue-billing').waitFor();
  await bill.context().close();

  const zh = await world.signIn('amy', { lang: 'zh' });
  await zh.goto(`${world.base}/#/nowhere`);
  await zh.getByRole('heading', { name: '没有这个页面' }).waitFor();
  assert.equal(await zh.getByTestId('not-found-home').innerText(), '回到首页');
  await zh.context().close();
});
