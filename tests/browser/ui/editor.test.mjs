// SPDX-License-Identifier: GPL-3.0-or-later
// The admin's workflow editor: a mistake typed into the YAML is reported at its line (list and
// editor marks), the fix clears it, Publish shows the diff and makes the next version, and the
// next ticket opened runs on that version while an older ticket keeps its own.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { World, openJumpQueue } from '../lib/harness.mjs';
import { newJumpQueueTicket } from '../lib/flows.mjs';

const world = new World('editor');
before(() => world.start());
after(() => world.stop());

/** Puts the cursor at the end of line `n` (1-based) by keyboard, and checks it is `expected`. */
async function endOfLine(page, n, expected) {
  const editor = page.getByTestId('yaml-editor');
  await editor.click();
  await page.keyboard.press('Control+Home');
  for (let i = 1; i < n; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
  const active = page.locator('.cm-activeLine');
  assert.equal(await active.innerText(), expected, `line ${n} is not the expected one`);
}

/** Types `text` and waits for the validation of the document that contains `marker`. */
async function typeAndValidate(page, text, marker) {
  const checked = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/workflows/validate' && (r.request().postData() ?? '').includes(marker));
  if (text === 'Backspace') await page.keyboard.press('Backspace');
  else await page.keyboard.type(text);
  const res = await checked;
  assert.equal(res.status(), 200, `validate answered ${res.status()}: ${await res.text()}`);
  return res.json();
}

world.test('an admin breaks a workflow, sees the error at its line, fixes it and publishes; the next ticket uses the new version', async () => {
  const adminApi = await world.apiAs('admin');
  const current = await adminApi.get('/workflows/jump-queue');
  const lines = current.source.split('\n');
  const reviewTitle = 'title: {en: Supervisor review, zh: 主管审核}';
  const initialLine = lines.indexOf('initial: review') + 1;
  const titleLine = lines.indexOf(`    ${reviewTitle}`) + 1;
  assert.ok(initialLine > 0 && titleLine > 0, 'the shipped jump-queue.yaml changed: update this test');

  // A ticket on the current version, opened before the change.
  const amyApi = await world.apiAs('amy');
  const before = await openJumpQueue(amyApi, { title: 'Editor: opened on the old version' });
  assert.equal(before.workflow_version, current.version);

  const admin = await world.signIn('admin');
  await admin.getByTestId('nav-admin').click();
  await admin.getByTestId('edit-workflow-jump-queue').click();
  await admin.getByTestId('yaml-editor').waitFor();
  await admin.locator('[data-testid=editor-validity][data-valid=true]').waitFor();
  await admin.getByTestId('diagram').locator('svg').first().waitFor();
  await admin.getByTestId('editor-current-version').filter({ hasText: String(current.version) }).waitFor();

  // The mistake: an initial state that does not exist.
  await endOfLine(admin, initialLine, 'initial: review');
  const bad = await typeAndValidate(admin, 'x', 'initial: reviewx\n');
  assert.equal(bad.valid, false);
  assert.ok(bad.errors.some((e) => e.line === initialLine), `no error at line ${initialLine}: ${JSON.stringify(bad.errors)}`);
  await admin.locator('[data-testid=editor-validity][data-valid=false]').waitFor();
  const problem = admin.getByTestId('problems').locator('li').filter({ hasText: `Line ${initialLine},` });
  await problem.waitFor();
  assert.match(await problem.innerText(), /reviewx/);
  // Marked in the editor too: the underline sits on the line with the mistake, and Publish is off.
  await admin.locator('.cm-activeLine .cm-lintRange-error').waitFor();
  await admin.locator('.cm-gutter-lint .cm-lint-marker-error').first().waitFor();
  assert.equal(await admin.getByTestId('editor-publish').isDisabled(), true);
  await world.shot(admin, 'en-admin-editor-error');

  // The fix, then a visible change: the review step's title.
  const fixed = await typeAndValidate(admin, 'Backspace', 'initial: review\n');
  assert.equal(fixed.valid, true, JSON.stringify(fixed.errors));
  await admin.getByTestId('problems-none').waitFor();
  await endOfLine(admin, titleLine, `    ${reviewTitle}`);
  for (const _ of ', zh: 主管审核}') await admin.keyboard.press('ArrowLeft'); // to the English text's end
  const changed = await typeAndValidate(admin, ' (v2)', 'title: {en: Supervisor review (v2), zh: 主管审核}\n');
  assert.equal(changed.valid, true, JSON.stringify(changed.errors));
  await admin.locator('[data-testid=editor-validity][data-valid=true]').waitFor();

  await admin.getByTestId('editor-publish').click();
  const diff = admin.getByTestId('publish-diff');
  await diff.waitFor();
  await diff.locator('.add').filter({ hasText: 'Supervisor review (v2)' }).waitFor();
  await diff.locator('.del').filter({ hasText: 'Supervisor review' }).waitFor();
  const published = admin.waitForResponse((r) => r.request().method() === 'PUT' && new URL(r.url()).pathname === '/api/v1/workflows/jump-queue');
  await admin.getByTestId('publish-confirm').click();
  const res = await published;
  assert.equal(res.status(), 201, `publishing answered ${res.status()}: ${await res.text()}`);
  const next = (await res.json()).version;
  assert.equal(next, current.version + 1);
  await admin.getByTestId('editor-published').filter({ hasText: String(next) }).waitFor();
  await admin.getByTestId('editor-current-version').filter({ hasText: String(next) }).waitFor();

  // The next ticket runs on the new version, and its page shows the new title.
  const amy = await world.signIn('amy');
  const ticket = await newJumpQueueTicket(amy, { title: 'Editor: opened on the new version' });
  assert.equal(ticket.workflow_version, next);
  await amy.getByTestId('created-ticket-link').click();
  await amy.getByTestId('ticket-state').filter({ hasText: 'Supervisor review (v2)' }).waitFor();

  // The older ticket stays on its version.
  const old = await amyApi.get(`/tickets/${before.id}`);
  assert.equal(old.workflow_version, current.version);
  assert.equal(old.state_title, 'Supervisor review');
});
