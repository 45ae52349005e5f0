// SPDX-License-Identifier: GPL-3.0-or-later
// The admin's HTTP API reference (Admin → API reference), rendered from /api/v1/openapi.json:
// every documented operation listed under its tag; one opened shows its parameters, request body
// and responses as tables; a schema name leads to its table; the filter narrows the list; the
// page's own words and every control's name in English and in Chinese.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { World } from '../lib/harness.mjs';

const world = new World('apiref');
let documented = [];

before(async () => {
  await world.start();
  const res = await fetch(`${world.base}/api/v1/openapi.json`);
  const doc = await res.json();
  for (const [p, item] of Object.entries(doc.paths))
    for (const m of ['get', 'post', 'put', 'patch', 'delete']) if (item[m]) documented.push(`${m.toUpperCase()} ${p}`);
});
after(() => world.stop());

async function openReference(lang) {
  const page = await world.signIn('admin', { lang });
  await page.goto(`${world.base}/#/admin/api`);
  await page.getByTestId('api-reference').waitFor();
  await page.locator('[data-testid^="api-op-"]').first().waitFor();
  return page;
}

world.test('every documented operation is listed; one opens into tables; a schema link opens its table', async () => {
  const page = await openReference('en');
  const listed = await page.locator('[data-testid^="api-op-"]').evaluateAll((els) => els.map((e) => e.dataset.testid.slice('api-op-'.length)));
  assert.deepEqual([...listed].sort(), [...documented].sort());
  assert.equal(await page.getByRole('heading', { name: 'Tickets', level: 2 }).count(), 1);

  const op = page.getByTestId('api-op-POST /api/v1/tickets/{id}/transfer');
  await op.locator('summary').click();
  await op.getByRole('table', { name: 'Parameters: POST /api/v1/tickets/{id}/transfer' }).waitFor();
  await op.getByRole('table', { name: 'Request body: POST /api/v1/tickets/{id}/transfer' }).getByRole('cell', { name: 'reason', exact: true }).waitFor();
  await op.getByRole('table', { name: 'Responses: POST /api/v1/tickets/{id}/transfer' }).getByRole('cell', { name: '422', exact: true }).waitFor();
  await world.shot(page, 'en-admin-api');

  // The Ticket schema's button opens the Ticket table at the bottom.
  await op.getByRole('button', { name: 'Show the schema Ticket' }).first().click();
  const ticket = page.getByTestId('api-schema-Ticket');
  assert.equal(await ticket.evaluate((d) => d.open), true);
  await ticket.getByRole('table', { name: 'Ticket' }).getByRole('cell', { name: 'workflow_version', exact: true }).waitFor();

  // The filter narrows the list.
  await page.getByRole('searchbox', { name: 'Filter endpoints' }).fill('notifications');
  const left = await page.locator('[data-testid^="api-op-"]').evaluateAll((els) => els.map((e) => e.dataset.testid));
  assert.ok(left.length >= 2 && left.every((id) => id.includes('notifications')), left.join(', '));
  await page.getByRole('searchbox', { name: 'Filter endpoints' }).fill('no such endpoint at all');
  await page.getByText('No endpoint matches the filter.').waitFor();
});

world.test('the page speaks Chinese, and every control has a name', async () => {
  const page = await openReference('zh');
  await page.getByRole('heading', { name: 'HTTP API 参考' }).waitFor();
  await page.getByRole('link', { name: 'API 参考' }).waitFor(); // the admin tab
  await page.getByRole('searchbox', { name: '筛选接口' }).waitFor();
  await page.getByRole('link', { name: 'OpenAPI 文档（JSON）' }).waitFor();
  const op = page.getByTestId('api-op-GET /api/v1/tickets');
  await op.locator('summary').click();
  await op.getByRole('table', { name: '参数: GET /api/v1/tickets' }).getByRole('columnheader', { name: '必填' }).waitFor();
  await op.getByRole('button', { name: '查看数据结构 TicketPage' }).waitFor();
  await world.shot(page, 'zh-admin-api');
  // Every button, link, input of the page has an accessible name.
  const unnamed = await page.locator('[data-testid=api-reference]').evaluate((root) =>
    [...root.querySelectorAll('button, a, input, select, textarea')]
      .filter((el) => !(el.getAttribute('aria-label') || el.textContent.trim() || (el.id && root.querySelector(`label[for="${el.id}"]`))))
      .map((el) => el.outerHTML.slice(0, 120)));
  assert.deepEqual(unnamed, []);
});
