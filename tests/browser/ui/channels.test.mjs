// SPDX-License-Identifier: GPL-3.0-or-later
// Admin → Channels (issue 15) in a browser: the server runs with the shipped plugins and a
// channels.yaml holding one webhook channel aimed at a closed local port. The webhook plugin is
// listed with its version, the channel shows, "send a test message" shows the failure, a ticket
// opened puts a row in the delivery log, the page's words are Chinese after switching to 中文,
// and every control has an accessible name.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { World, binary, freePort, openJumpQueue, sourceDir } from '../lib/harness.mjs';

const channel = 'ops-hook';
let closedPort = 0;

const world = new World('channels', {
  async prepare(tmp) {
    // Nothing listens on a port the OS just handed out and took back: every send fails.
    closedPort = await freePort();
    const workflows = path.join(tmp, 'workflows');
    fs.cpSync(path.join(sourceDir, 'workflows'), workflows, { recursive: true });
    fs.writeFileSync(path.join(workflows, 'channels.yaml'),
      `channels:\n  ${channel}:\n    plugin: webhook\n    url: http://127.0.0.1:${closedPort}/hook\n` +
      '    secret: ${BATON_TEST_WEBHOOK_SECRET}\n    timeout_seconds: 2\n');
    return {
      workflows,
      args: ['--plugins', path.join(path.dirname(binary), 'plugins')],
      env: { BATON_TEST_WEBHOOK_SECRET: 'browser-test-secret' },
    };
  },
});
before(() => world.start());
after(() => world.stop());

async function openChannels(lang = 'en') {
  const page = await world.signIn('admin', { lang });
  await page.goto(`${world.base}/#/admin/channels`);
  await page.getByTestId(`channel-${channel}`).waitFor();
  return page;
}

/** Cells under `selector` whose content is cut off (an error reason must be readable whole). */
function clippedCells(page, selector) {
  return page.locator(selector).evaluate((root) =>
    [...root.querySelectorAll('td')].filter((td) => td.scrollWidth > td.clientWidth + 1).map((td) => td.innerText.slice(0, 80)));
}

/** Buttons, links, inputs and selects inside `selector` without an accessible name. */
function unnamedControls(page, selector) {
  return page.locator(selector).evaluate((root) =>
    [...root.querySelectorAll('button, a, input, select, textarea')]
      .filter((el) => !(el.getAttribute('aria-label') || el.textContent.trim() ||
        (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.closest('label')))
      .map((el) => el.outerHTML.slice(0, 120)));
}

world.test('the webhook plugin and the channel are listed; a test message shows the failure', async () => {
  const page = await openChannels();
  const plugin = page.getByTestId('plugin-webhook');
  await plugin.waitFor();
  const version = (await (await world.apiAs('admin')).get('/admin/plugins')).loaded.find((p) => p.name === 'webhook').version;
  assert.ok(version, 'the API names a version');
  assert.match(await plugin.innerText(), new RegExp(`webhook\\s+version ${version.replace(/\./g, '\\.')}`));
  assert.equal(await page.locator('[data-testid^="plugin-failed-"]').count(), 0);

  const row = page.getByTestId(`channel-${channel}`);
  assert.match(await row.innerText(), /ops-hook\s+webhook/);
  // The secret is never shown.
  assert.ok(!(await page.locator('.channels-page').innerHTML()).includes('browser-test-secret'), 'the secret is shown');

  const sent = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/api/v1/admin/channels/${channel}/test`);
  await page.getByRole('button', { name: `Send a test message through ${channel}` }).click();
  assert.equal((await sent).status(), 200);
  const result = page.getByTestId(`channel-test-result-${channel}`);
  await result.waitFor();
  assert.match(await result.innerText(), /^Not sent: \S/);
  assert.equal(await result.getAttribute('role'), 'status');
  assert.deepEqual(await clippedCells(page, `[data-testid=channel-${channel}]`), []);
  await world.shot(page, 'en-admin-channels');
});

world.test('a ticket opened puts a row in the delivery log', async () => {
  const ticket = await openJumpQueue(await world.apiAs('amy'));
  const page = await openChannels();
  await page.getByTestId('log-ticket').fill(ticket.key);
  await page.getByTestId('log-channel').selectOption(channel);
  await page.getByTestId('log-search').click();
  const rows = page.locator('[data-testid=delivery-log] tbody tr');
  await rows.first().waitFor();
  const texts = await rows.allInnerTexts();
  assert.ok(texts.length >= 1);
  for (const text of texts) {
    assert.ok(text.includes(ticket.key), text);
    assert.ok(text.includes(channel), text);
  }
  // The channel takes every event: the ticket's opening is among them.
  assert.ok(texts.some((text) => /\topened\t/.test(text)), texts.join('\n'));
  assert.deepEqual(await clippedCells(page, '[data-testid=delivery-log]'), []);
  // Another ticket's key finds nothing.
  await page.getByTestId('log-ticket').fill('NO-SUCH-1');
  await page.getByTestId('log-search').click();
  await page.getByText('No delivery matches.').waitFor();
});

world.test('after switching to 中文 the page is Chinese, and every control has a name', async () => {
  const page = await openChannels('en');
  await page.getByRole('heading', { name: 'Channels and deliveries' }).waitFor();
  await page.getByTestId('lang-switch').selectOption('zh');
  await page.getByRole('heading', { name: '渠道与投递', level: 1 }).waitFor();
  await page.getByRole('heading', { name: '插件', level: 2 }).waitFor();
  await page.getByRole('heading', { name: '投递记录', level: 2 }).waitFor();
  await page.getByRole('table', { name: '渠道' }).getByRole('columnheader', { name: '死信' }).waitFor();
  const search = page.getByRole('search', { name: '搜索投递记录' });
  await search.getByRole('textbox', { name: '工单' }).waitFor();
  await search.getByRole('combobox', { name: '渠道' }).waitFor();
  await search.getByRole('combobox', { name: '状态' }).waitFor();
  await search.getByRole('button', { name: '搜索', exact: true }).waitFor();
  assert.match(await page.getByTestId('plugin-webhook').innerText(), /版本 \S/);
  await page.getByRole('button', { name: `通过 ${channel} 发送测试消息` }).click();
  const result = page.getByTestId(`channel-test-result-${channel}`);
  await result.waitFor();
  assert.match(await result.innerText(), /^未发送：/);
  await world.shot(page, 'zh-admin-channels');
  assert.deepEqual(await unnamedControls(page, '.channels-page'), []);
});
