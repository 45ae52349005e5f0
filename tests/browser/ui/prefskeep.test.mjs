// SPDX-License-Identifier: GPL-3.0-or-later
// Saving preferences keeps what the page did not show (review item 12): a server started with no
// mail or SMS channel configured shows no channel boxes, so saving quiet hours from it must not
// wipe the channel choice stored while the channels were there. The page sends only what the user
// changed.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { World } from '../lib/harness.mjs';

const world = new World('prefskeep');
before(() => world.start());
after(() => world.stop());

world.test('quiet hours saved where no channel is configured keep the stored channel choice', async () => {
  const api = await world.apiAs('amy');
  const stored = await api.call('PATCH', '/me/preferences', { channels: { sla_warning: ['email'], assigned: [] } });
  assert.deepEqual(stored.channels, { sla_warning: ['email'], assigned: [] });
  assert.deepEqual(stored.available_channels, []);

  const page = await world.signIn('amy');
  await page.getByTestId('user-menu').click();
  await page.getByTestId('nav-preferences').click();
  await page.getByTestId('preferences-page').waitFor();
  await page.getByTestId('prefs-no-channels').waitFor();
  await page.getByRole('checkbox', { name: 'Hold mail and SMS during quiet hours' }).check();
  await page.getByLabel('From', { exact: true }).fill('21:00');
  await page.getByLabel('Until', { exact: true }).fill('08:00');
  const saved = page.waitForResponse((r) => r.request().method() === 'PATCH' && new URL(r.url()).pathname === '/api/v1/me/preferences');
  await page.getByRole('button', { name: 'Save preferences' }).click();
  const res = await saved;
  assert.equal(res.status(), 200);
  assert.equal(res.request().postDataJSON().channels, undefined, `sent ${res.request().postData()}`);
  await page.getByTestId('prefs-status').getByText('Saved.').waitFor();

  const after = await api.get('/me/preferences');
  assert.deepEqual(after.channels, { sla_warning: ['email'], assigned: [] });
  assert.equal(after.quiet_hours?.from, '21:00');
  assert.equal(after.quiet_hours?.until, '08:00');

  // Saving again with nothing changed sends nothing and keeps everything.
  let patches = 0;
  page.on('request', (r) => {
    if (r.method() === 'PATCH') patches += 1;
  });
  await page.reload();
  await page.getByTestId('preferences-page').waitFor();
  await page.getByRole('button', { name: 'Save preferences' }).click();
  await page.getByTestId('prefs-status').getByText('Saved.').waitFor();
  assert.equal(patches, 0);
  assert.deepEqual((await api.get('/me/preferences')).channels, { sla_warning: ['email'], assigned: [] });
});
