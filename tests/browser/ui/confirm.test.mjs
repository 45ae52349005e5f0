// SPDX-License-Identifier: GPL-3.0-or-later
// Asked first (issue 16): a transition the workflow marks `confirm: true`, and one that goes back
// to an earlier step (jump-queue's "Needs more": Back to the agent → Supervisor review), are never
// the primary button and ask before anything is sent, in English and Chinese; a way forward does
// not ask. The API's Action says so (`confirm`, `backwards`).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { World, openJumpQueue, sourceDir } from '../lib/harness.mjs';
import { violations } from '../lib/axe.mjs';
import { ticketIn } from '../lib/flows.mjs';

const world = new World('confirm', {
  prepare(tmp) {
    // This copy of jump-queue asks before a supervisor declines.
    const workflows = path.join(tmp, 'workflows');
    fs.cpSync(path.join(sourceDir, 'workflows'), workflows, { recursive: true });
    const file = path.join(workflows, 'jump-queue.yaml');
    const yaml = fs.readFileSync(file, 'utf8');
    const declined = yaml.replace(/(\n {6}decline:\n {8}title: [^\n]*\n)/, '$1        confirm: true\n');
    assert.notEqual(declined, yaml, 'jump-queue.yaml has no decline to mark');
    fs.writeFileSync(file, declined);
    return { workflows };
  },
});
before(() => world.start());
after(() => world.stop());

/** Counts the POSTs of one action a page sends. */
function countPosts(page, action) {
  const seen = { n: 0 };
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().includes(`/actions/${action}`)) seen.n += 1;
  });
  return seen;
}

world.test('an action marked confirm: true asks first and is not the primary button', async () => {
  const ticket = await openJumpQueue(await world.apiAs('amy'), { title: 'Decline asks' });
  const seen = await (await world.apiAs('sue')).get(`/tickets/${ticket.id}`);
  const decline = seen.actions.find((a) => a.name === 'decline');
  assert.equal(decline.confirm, true, JSON.stringify(seen.actions));
  assert.equal(decline.backwards, false);
  assert.equal(seen.actions.find((a) => a.name === 'approve').confirm, false);

  const sue = await world.signIn('sue');
  await sue.goto(`${world.base}/#/tickets/${ticket.id}`);
  await ticketIn(sue, 'review', 'open');
  const button = sue.getByTestId('action-decline');
  assert.doesNotMatch((await button.getAttribute('class')) ?? '', /\bprimary\b/);
  assert.match((await sue.getByTestId('action-approve').getAttribute('class')) ?? '', /\bprimary\b/);
  await button.click();
  const confirm = sue.locator('[role=alertdialog][data-testid=action-confirm]');
  await confirm.waitFor();
  assert.match(await confirm.innerText(), /Take “Decline”\?/);
  // The question has the focus on its safe answer; Escape leaves everything as it was.
  await sue.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'action-confirm-cancel');
  await sue.keyboard.press('Escape');
  await confirm.waitFor({ state: 'detached' });
  assert.equal(await sue.locator('#action-decline-reply').count(), 0, 'the form opened without asking');
  await button.click();
  await sue.getByTestId('action-confirm-ok').click();
  // Decline needs a reply: its form opens only now.
  await sue.locator('#action-decline-reply').waitFor();
});

world.test('going back to an earlier step asks first, in English and Chinese; going forward does not', async () => {
  const ticket = await openJumpQueue(await world.apiAs('amy'), { title: 'Back to review asks' });
  const sueApi = await world.apiAs('sue');
  await sueApi.post(`/tickets/${ticket.id}/actions/decline`, { fields: { reply: 'Not possible this week' } });
  const seen = await (await world.apiAs('amy')).get(`/tickets/${ticket.id}`);
  assert.equal(seen.state, 'answer');
  const byName = Object.fromEntries(seen.actions.map((a) => [a.name, a]));
  assert.equal(byName.reopen.backwards, true, JSON.stringify(seen.actions));
  assert.equal(byName.reopen.confirm, true);
  assert.equal(byName.confirm.backwards, false);
  assert.equal(byName.confirm.confirm, false);
  assert.equal(byName.ask_customer.confirm, false, 'a detour is not going back');

  // jump-queue has an action named "confirm": its button and the question share the test id
  // prefix, so the question is found by its role.
  const question = (page) => page.locator('[role=alertdialog][data-testid=action-confirm]');
  const amy = await world.signIn('amy');
  const posts = countPosts(amy, 'reopen');
  await amy.goto(`${world.base}/#/tickets/${ticket.id}`);
  await ticketIn(amy, 'answer', 'open');
  const back = amy.getByTestId('action-reopen');
  assert.doesNotMatch((await back.getAttribute('class')) ?? '', /\bprimary\b/);
  // Forward ("Confirmed with the customer") opens its form at once, without a question.
  const forward = amy.locator('button[data-testid=action-confirm]');
  assert.match((await forward.getAttribute('class')) ?? '', /\bprimary\b/);
  await forward.click();
  await amy.locator('#action-confirm-reply').waitFor();
  assert.equal(await question(amy).count(), 0, 'going forward asked');
  await forward.click(); // closes its form again

  await back.click();
  await question(amy).waitFor();
  assert.match(await question(amy).innerText(), /earlier step/);
  assert.equal(await amy.locator('#action-reopen-reopen_note').count(), 0, 'the form opened without asking');
  assert.deepEqual(await violations(amy), [], 'axe-core on the question');
  await amy.getByTestId('action-confirm-cancel').click();
  await question(amy).waitFor({ state: 'detached' });
  assert.equal(posts.n, 0);

  const amyZh = await world.signIn('amy', { lang: 'zh' });
  await amyZh.goto(`${world.base}/#/tickets/${ticket.id}`);
  await ticketIn(amyZh, 'answer', 'open');
  await amyZh.getByTestId('action-reopen').click();
  await question(amyZh).waitFor();
  assert.match(await question(amyZh).innerText(), /退回到之前的步骤/);

  await back.click();
  await amy.getByTestId('action-confirm-ok').click();
  await amy.locator('#action-reopen-reopen_note').waitFor();
});
