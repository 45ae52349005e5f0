// SPDX-License-Identifier: GPL-3.0-or-later
// Admin → Users (issue 15): a user's email, phone and language of mail and SMS, set when the user
// is added and when one is edited, are kept (shown after a reload, returned by the API); clearing
// them clears them; every control of the page has an accessible name, in English and Chinese.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { World } from '../lib/harness.mjs';

const world = new World('users');
before(() => world.start());
after(() => world.stop());

async function openUsers(lang = 'en') {
  const page = await world.signIn('admin', { lang });
  await page.goto(`${world.base}/#/admin/users`);
  await page.getByTestId('users-table').waitFor();
  return page;
}

function unnamedControls(page, selector) {
  return page.locator(selector).evaluate((root) =>
    [...root.querySelectorAll('button, a, input, select, textarea')]
      .filter((el) => !(el.getAttribute('aria-label') || el.textContent.trim() ||
        (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.closest('label')))
      .map((el) => el.outerHTML.slice(0, 120)));
}

const saved = (page, username) =>
  page.waitForResponse((r) => r.request().method() === 'PATCH' && new URL(r.url()).pathname === `/api/v1/users/${username}`);

world.test("an edited user's email, phone and language are shown after a reload", async () => {
  const admin = await world.apiAs('admin');
  const page = await openUsers();
  const row = page.getByTestId('user-row-amy');
  await row.getByRole('button', { name: 'Edit roles and contact of amy' }).click();
  await row.getByRole('textbox', { name: 'Email' }).fill('amy@example.com');
  await row.getByRole('textbox', { name: 'Phone (SMS)' }).fill('+852 9123 4567');
  await row.getByRole('combobox', { name: 'Language of mail and SMS' }).selectOption('zh');
  assert.deepEqual(await unnamedControls(page, '[data-testid=users-table]'), []);
  const res = saved(page, 'amy');
  await row.getByRole('button', { name: 'Save' }).click();
  assert.equal((await res).status(), 200, await (await res).text());

  await page.reload();
  await page.getByTestId('users-table').waitFor();
  await page.getByTestId('user-row-amy').getByText('amy@example.com · +852 9123 4567 · 中文').waitFor();
  const amy = (await admin.get('/users')).find((u) => u.username === 'amy');
  assert.equal(amy.email, 'amy@example.com');
  assert.equal(amy.phone, '+852 9123 4567');
  assert.equal(amy.language, 'zh');

  // The edit form starts from what is stored; emptied fields are cleared.
  const again = page.getByTestId('user-row-amy');
  await again.getByRole('button', { name: 'Edit roles and contact of amy' }).click();
  assert.equal(await again.getByRole('textbox', { name: 'Email' }).inputValue(), 'amy@example.com');
  assert.equal(await again.getByRole('combobox', { name: 'Language of mail and SMS' }).inputValue(), 'zh');
  await again.getByRole('textbox', { name: 'Phone (SMS)' }).fill('');
  await again.getByRole('combobox', { name: 'Language of mail and SMS' }).selectOption('en');
  const res2 = saved(page, 'amy');
  await again.getByRole('button', { name: 'Save' }).click();
  assert.equal((await res2).status(), 200);
  await page.reload();
  await page.getByTestId('user-row-amy').getByText('amy@example.com · English', { exact: true }).waitFor();
  const amy2 = (await admin.get('/users')).find((u) => u.username === 'amy');
  assert.ok(!amy2.phone, `phone still ${amy2.phone}`);
  assert.equal(amy2.language, 'en');
});

world.test("a new user's email, phone and language are kept", async () => {
  const page = await openUsers();
  await page.getByTestId('user-form-username').fill('qa-nina');
  await page.getByTestId('user-form-name').fill('Nina Ho');
  await page.getByTestId('user-form-password').fill('nina-long-password-1');
  await page.getByTestId('user-form-email').fill('nina@example.com');
  await page.getByTestId('user-form-phone').fill('+852 6000 0001');
  await page.getByTestId('user-form-language').selectOption('en');
  const created = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/users');
  await page.getByTestId('user-form-submit').click();
  const res = await created;
  assert.equal(res.status(), 201, await res.text());
  await page.reload();
  await page.getByTestId('user-row-qa-nina').getByText('nina@example.com · +852 6000 0001 · English').waitFor();
});

world.test('the users page in Chinese names every control', async () => {
  const page = await openUsers('zh');
  const row = page.getByTestId('user-row-amy');
  await row.getByRole('button', { name: '编辑 amy 的角色与联系方式' }).click();
  await row.getByRole('textbox', { name: '电子邮箱' }).waitFor();
  await row.getByRole('textbox', { name: '手机（短信）' }).waitFor();
  await row.getByRole('combobox', { name: '邮件与短信语言' }).waitFor();
  await page.getByRole('combobox', { name: '邮件与短信语言' }).first().waitFor();
  await world.shot(page, 'zh-admin-users-edit');
  assert.deepEqual(await unnamedControls(page, 'main'), []);
});

world.test('a mistyped email is refused with a message and the row stays open to fix it', async () => {
  const page = await openUsers();
  const row = page.getByTestId('user-row-sue');
  await row.getByRole('button', { name: 'Edit roles and contact of sue' }).click();
  await row.getByRole('textbox', { name: 'Email' }).fill('sue at example');
  const res = saved(page, 'sue');
  await row.getByRole('button', { name: 'Save' }).click();
  assert.equal((await res).status(), 422);
  const alert = page.getByTestId('toast').and(page.getByRole('alert'));
  await alert.waitFor();
  assert.match(await alert.innerText(), /^Email: \S/);
  assert.equal(await row.getByRole('textbox', { name: 'Email' }).getAttribute('aria-invalid'), 'true');
  // Still editing, with what was typed, so the mistake can be corrected.
  assert.equal(await row.getByRole('textbox', { name: 'Email' }).inputValue(), 'sue at example');
  await row.getByRole('textbox', { name: 'Email' }).fill('sue@example.com');
  const ok = saved(page, 'sue');
  await row.getByRole('button', { name: 'Save' }).click();
  assert.equal((await ok).status(), 200);
  await row.getByText('sue@example.com', { exact: true }).waitFor();
});

// The zone picker of Admin → Users (the one on Preferences has its own test): a zone is found by
// its Chinese name on the English page as on the Chinese one ("香港" is how a Hong Kong team
// writes it, whichever language the admin reads), kept, and shown again after a reload — in
// the row, the API and the edit form that starts from it.
world.test('an admin finds a zone by typing 香港, in English and in Chinese, and it is kept', async () => {
  const admin = await world.apiAs('admin');
  const page = await openUsers();
  const row = page.getByTestId('user-row-alan');
  await row.getByRole('button', { name: 'Edit roles and contact of alan' }).click();
  const zone = row.getByRole('combobox', { name: 'Time zone', exact: true });
  await zone.fill('香港');
  const hk = page.getByTestId('user-edit-time-zone-alan-option-Asia/Hong_Kong');
  await hk.waitFor();
  // The option speaks the page's language; the Chinese name only found it.
  assert.match(await hk.innerText(), /Hong Kong/);
  await hk.click();
  assert.equal(await zone.inputValue(), 'Asia/Hong_Kong');
  assert.deepEqual(await unnamedControls(page, '[data-testid=users-table]'), []);
  const res = saved(page, 'alan');
  await row.getByRole('button', { name: 'Save' }).click();
  assert.equal((await res).status(), 200, await (await res).text());
  await page.reload();
  await page.getByTestId('user-row-alan').getByText('Asia/Hong_Kong').waitFor();
  assert.equal((await admin.get('/users')).find((u) => u.username === 'alan').time_zone, 'Asia/Hong_Kong');
  await page.getByTestId('user-row-alan').getByRole('button', { name: 'Edit roles and contact of alan' }).click();
  assert.equal(await page.getByTestId('user-row-alan').getByRole('combobox', { name: 'Time zone', exact: true }).inputValue(), 'Asia/Hong_Kong');

  // In Chinese, a new user: the add form's picker, labelled in Chinese, finds the zone by 香港
  // and shows it in Chinese; the zone is stored with the user.
  const zh = await openUsers('zh');
  await zh.getByTestId('user-form-username').fill('qa-kayan');
  await zh.getByTestId('user-form-name').fill('王嘉欣');
  await zh.getByTestId('user-form-password').fill('kayan-long-password-1');
  const zhZone = zh.getByRole('combobox', { name: '时区', exact: true });
  await zhZone.fill('香港');
  const hkZh = zh.getByTestId('user-form-time-zone-option-Asia/Hong_Kong');
  await hkZh.waitFor();
  assert.match(await hkZh.innerText(), /香港/);
  await zhZone.press('Enter'); // the first match, picked with the keyboard
  assert.equal(await zhZone.inputValue(), 'Asia/Hong_Kong');
  assert.deepEqual(await unnamedControls(zh, '[data-testid=user-form]'), []);
  const created = zh.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/users');
  await zh.getByTestId('user-form-submit').click();
  assert.equal((await created).status(), 201, await (await created).text());
  await zh.reload();
  await zh.getByTestId('user-row-qa-kayan').getByText('Asia/Hong_Kong').waitFor();
  assert.equal((await admin.get('/users')).find((u) => u.username === 'qa-kayan').time_zone, 'Asia/Hong_Kong');
});
