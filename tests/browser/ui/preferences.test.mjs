// SPDX-License-Identifier: GPL-3.0-or-later
// The Preferences page (issue 15) in a browser: the server runs with the shipped plugins and a
// channels.yaml holding a mail and an SMS channel (aimed at closed local ports). An agent opens
// the page from the user menu, keeps SLA warnings off SMS, sets quiet hours, saves; the API has
// the choice and a reload shows it. In Chinese the page's words change and every control,
// including each kind's checkbox, has a name; marking oneself away works from the page.
// A user's own time zone is picked by typing a city (or its name in Chinese); the weekly summary,
// quiet hours without a zone and the reports' days follow it.
// Someone away carries an "away" badge (休假中) where work is given to people: the queue list's
// assignee, the ticket's assignee and the reassign choices.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { World, binary, freePort, openJumpQueue, sourceDir, unnamedControls } from '../lib/harness.mjs';
import { openFromList, openQueue } from '../lib/flows.mjs';

const world = new World('preferences', {
  async prepare(tmp) {
    const closedPort = await freePort();
    const workflows = path.join(tmp, 'workflows');
    fs.cpSync(path.join(sourceDir, 'workflows'), workflows, { recursive: true });
    fs.writeFileSync(path.join(workflows, 'channels.yaml'),
      'channels:\n' +
      `  staff-mail:\n    plugin: email\n    host: 127.0.0.1\n    port: ${closedPort}\n    tls: none\n    from: "Baton <baton@example.com>"\n` +
      `  pager:\n    plugin: sms\n    url: http://127.0.0.1:${closedPort}/sms\n    body: '{"to": "{phone}"}'\n`);
    return { workflows, args: ['--plugins', path.join(path.dirname(binary), 'plugins')] };
  },
});
before(() => world.start());
after(() => world.stop());

async function openPreferences(lang = 'en') {
  const page = await world.signIn('amy', { lang });
  await page.getByTestId('user-menu').click();
  await page.getByTestId('nav-preferences').click();
  await page.getByTestId('preferences-page').waitFor();
  return page;
}

world.test('an agent keeps SLA warnings off SMS and sets quiet hours; the API and a reload show it', async () => {
  const page = await openPreferences();
  await page.getByRole('heading', { name: 'Preferences', level: 1 }).waitFor();
  const sms = page.getByRole('checkbox', { name: 'SMS for “SLA warning”' });
  const mail = page.getByRole('checkbox', { name: 'Mail for “SLA warning”' });
  // Nothing chosen yet: every channel.
  assert.equal(await sms.isChecked(), true);
  assert.equal(await mail.isChecked(), true);
  assert.equal(await page.getByRole('checkbox', { name: 'In Baton for “SLA breached” (always)' }).isDisabled(), true);
  await sms.uncheck();
  await page.getByRole('checkbox', { name: 'Hold mail and SMS during quiet hours' }).check();
  await page.getByLabel('From', { exact: true }).fill('22:00');
  await page.getByLabel('Until', { exact: true }).fill('07:00');
  // The quiet hours' zone is picked from the list, found by typing part of its name.
  await page.getByLabel('Time zone', { exact: true }).fill('hong kong');
  await page.getByTestId('prefs-quiet-timezone-option-Asia/Hong_Kong').click();
  const saved = page.waitForResponse((r) => r.request().method() === 'PATCH' && new URL(r.url()).pathname === '/api/v1/me/preferences');
  await page.getByRole('button', { name: 'Save preferences' }).click();
  assert.equal((await saved).status(), 200);
  await page.getByTestId('prefs-status').getByText('Saved.').waitFor();

  const prefs = await (await world.apiAs('amy')).get('/me/preferences');
  assert.deepEqual(prefs.channels, { sla_warning: ['email'] });
  assert.deepEqual(prefs.available_channels, ['email', 'sms']);
  assert.equal(prefs.quiet_hours.from, '22:00');
  assert.equal(prefs.quiet_hours.until, '07:00');
  assert.equal(prefs.quiet_hours.timezone, 'Asia/Hong_Kong');

  await page.reload();
  await page.getByTestId('preferences-page').waitFor();
  assert.equal(await page.getByRole('checkbox', { name: 'SMS for “SLA warning”' }).isChecked(), false);
  assert.equal(await page.getByRole('checkbox', { name: 'SMS for “SLA breached”' }).isChecked(), true);
  assert.equal(await page.getByTestId('prefs-quiet-from').inputValue(), '22:00');
  await world.shot(page, 'en-preferences');
});

world.test('in Chinese the words change, every control has a name, and away is set from the page', async () => {
  const page = await openPreferences('en');
  await page.getByTestId('lang-switch').selectOption('zh');
  await page.getByRole('heading', { name: '偏好设置', level: 1 }).waitFor();
  await page.getByRole('heading', { name: '通知方式', level: 2 }).waitFor();
  await page.getByRole('checkbox', { name: '“时限预警”通过短信发送' }).waitFor();
  await page.getByRole('checkbox', { name: '免打扰时段内暂缓发送邮件和短信' }).waitFor();
  await page.getByRole('button', { name: '保存偏好设置' }).waitFor();
  assert.deepEqual(await unnamedControls(page, '[data-testid=preferences-page]'), []);
  await world.shot(page, 'zh-preferences');

  const away = page.getByTestId('preferences-page').getByTestId('away');
  await away.getByLabel('外出至').fill('2030-01-10T18:00');
  await away.getByRole('button', { name: '标记我外出' }).click();
  await away.getByTestId('away-status').waitFor();
  const prefs = await (await world.apiAs('amy')).get('/me/preferences');
  assert.ok(prefs.away && prefs.away.until.startsWith('2030-01-10'), JSON.stringify(prefs.away));
  await away.getByRole('button', { name: '我已回来' }).click();
});

world.test('an assignee who is away is marked on the queue list, the ticket and the reassign picker', async () => {
  const admin = await world.apiAs('admin');
  const ticket = await openJumpQueue(await world.apiAs('amy'), { title: 'Assigned to someone away' });
  await admin.post(`/tickets/${ticket.id}/assign`, { username: 'sam' });
  await admin.call('PATCH', '/users/sam/away', { away: { until: '2099-01-01T00:00:00Z', substitute: 'sue' } });
  const fromApi = await admin.get(`/tickets/${ticket.id}`);
  assert.equal(fromApi.assignee, 'sam');
  assert.equal(fromApi.assignee_away, true);
  assert.deepEqual((await admin.get('/queues')).find((q) => q.name === 'cs-supervisors').away, ['sam']);

  const page = await world.signIn('sue');
  await openQueue(page, 'cs-supervisors');
  const listed = page.getByTestId(`assignee-${ticket.key}-away`);
  await listed.waitFor();
  assert.equal(await listed.innerText(), 'away');
  await openFromList(page, ticket.key);
  assert.equal(await page.getByTestId('ticket-assignee-away').innerText(), 'away');
  // The reassign picker says who is away, until when and who stands in.
  await page.getByTestId('assign-find').fill('sam');
  const picked = page.getByTestId('assign-options').getByTestId('away-sam');
  await picked.waitFor();
  assert.match(await picked.innerText(), /^away until .+; sue stands in$/);
  await page.getByTestId('lang-switch').selectOption('zh');
  await page.getByTestId('ticket-assignee-away').getByText('休假中').waitFor();
  await world.shot(page, 'zh-ticket-assignee-away');

  await admin.call('PATCH', '/users/sam/away', { away: null });
  assert.equal((await admin.get(`/tickets/${ticket.id}`)).assignee_away, false);
});

world.test('a user picks their own time zone by typing, in English and in Chinese; quiet hours and reports follow it', async () => {
  const page = await openPreferences();
  const own = page.getByLabel('Your time zone', { exact: true });
  assert.equal(await own.inputValue(), 'The organisation’s default');
  // Typed and picked with the keyboard: typing opens the list, Enter picks the first match.
  await own.fill('kolkata');
  await page.getByTestId('prefs-time-zone-option-Asia/Kolkata').waitFor();
  await own.press('Enter');
  assert.equal(await own.inputValue(), 'Asia/Kolkata');
  // Quiet hours turned on now are on her own clock (no zone of their own).
  const quietOn = page.getByRole('checkbox', { name: 'Hold mail and SMS during quiet hours' });
  if (await quietOn.isChecked()) await quietOn.uncheck();
  await page.getByRole('button', { name: 'Save preferences' }).click();
  await page.getByTestId('prefs-status').getByText('Saved.').waitFor();
  const amy = await world.apiAs('amy');
  assert.equal((await amy.get('/me/preferences')).time_zone, 'Asia/Kolkata');
  assert.equal((await amy.get('/me')).time_zone, 'Asia/Kolkata');
  await quietOn.check();
  assert.equal(await page.getByLabel('Time zone', { exact: true }).inputValue(), 'Your time zone (Asia/Kolkata)');
  await quietOn.uncheck();

  // In Chinese: the words change, the zone is found by its Chinese name, every control is named.
  await page.getByTestId('lang-switch').selectOption('zh');
  await page.getByRole('group', { name: '所在地' }).waitFor();
  const ownZh = page.getByLabel('您的时区', { exact: true });
  assert.equal(await ownZh.inputValue(), 'Asia/Kolkata');
  await ownZh.fill('香港');
  const hk = page.getByTestId('prefs-time-zone-option-Asia/Hong_Kong');
  await hk.waitFor();
  assert.match(await hk.innerText(), /香港/);
  await hk.click();
  assert.deepEqual(await unnamedControls(page, '[data-testid=preferences-page]'), []);
  await world.shot(page, 'zh-preferences-time-zone');
  await page.getByRole('button', { name: '保存偏好设置' }).click();
  await page.getByTestId('prefs-status').getByText('已保存').waitFor();
  assert.equal((await amy.get('/me/preferences')).time_zone, 'Asia/Hong_Kong');
  // Back to the organisation's default.
  await ownZh.fill('');
  await page.getByTestId('prefs-time-zone-option-default').click();
  assert.equal(await ownZh.inputValue(), '组织默认时区');
  await page.getByRole('button', { name: '保存偏好设置' }).click();
  await page.getByTestId('prefs-status').getByText('已保存').waitFor();
  assert.equal((await amy.get('/me/preferences')).time_zone, '');
});

world.test('the reports count the days of the user’s own time zone, else the browser’s', async () => {
  const sue = await world.apiAs('sue');
  const page = await world.signIn('sue');
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('reports-page').getByText('Times in Asia/Hong_Kong').first().waitFor();
  await sue.call('PATCH', '/me/preferences', { time_zone: 'America/New_York' });
  await page.reload();
  await page.getByTestId('reports-page').getByText('Times in America/New_York').first().waitFor();
  await sue.call('PATCH', '/me/preferences', { time_zone: '' });
});
