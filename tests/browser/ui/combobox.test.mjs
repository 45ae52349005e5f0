// SPDX-License-Identifier: GPL-3.0-or-later
// One keyboard contract for the three "type to find, pick from a list" controls (issue 16's
// review: three copies had drifted apart): the person picker (reassign), the customer finder (new
// ticket) and the standard-answer picker (comment). In each, Up from the first option goes to the
// last and Down from the last to the first; Home and End go to the ends; the input names the
// active option in aria-activedescendant (an option with aria-selected=true in the listbox it
// controls); Escape closes the list without closing anything else; Enter picks.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { World, openJumpQueue } from '../lib/harness.mjs';
import { pickerFocused } from '../lib/flows.mjs';

const world = new World('combobox');
before(() => world.start());
after(() => world.stop());

/** The option the input names as active, checked against the listbox it controls. */
async function activeOption(input) {
  return input.evaluate((el) => {
    const list = document.getElementById(el.getAttribute('aria-controls'));
    const id = el.getAttribute('aria-activedescendant');
    const options = [...list.querySelectorAll('[role=option]')];
    const selected = options.filter((o) => o.getAttribute('aria-selected') === 'true');
    return {
      index: options.findIndex((o) => o.id === id),
      count: options.length,
      selected: selected.map((o) => o.id),
      id,
      expanded: el.getAttribute('aria-expanded'),
    };
  });
}

/** Walks the ends of an open list of at least two options by keyboard. */
async function walkTheEnds(page, input, what) {
  let a = await activeOption(input);
  assert.ok(a.count >= 2, `${what}: ${a.count} options`);
  assert.equal(a.index, 0, `${what}: the first option is active at first (${JSON.stringify(a)})`);
  assert.deepEqual(a.selected, [a.id], `${what}: exactly the active option is selected`);
  const last = a.count - 1;
  await page.keyboard.press('ArrowUp');
  a = await activeOption(input);
  assert.equal(a.index, last, `${what}: Up from the first goes to the last (${JSON.stringify(a)})`);
  await page.keyboard.press('ArrowDown');
  a = await activeOption(input);
  assert.equal(a.index, 0, `${what}: Down from the last goes to the first`);
  await page.keyboard.press('End');
  assert.equal((await activeOption(input)).index, last, `${what}: End`);
  await page.keyboard.press('Home');
  assert.equal((await activeOption(input)).index, 0, `${what}: Home`);
  assert.deepEqual((await activeOption(input)).selected, [(await activeOption(input)).id]);
}

world.test('the person picker: ends wrap, Home/End, Escape closes, Enter picks', async () => {
  const ticket = await openJumpQueue(await world.apiAs('amy'), { title: 'Combobox person' });
  const sue = await world.signIn('sue');
  await sue.goto(`${world.base}/#/tickets/${ticket.id}`);
  const find = sue.getByTestId('assign-find');
  await find.waitFor();
  await find.focus();
  await sue.locator('[data-testid=assign-options] [role=option]').nth(1).waitFor();
  await walkTheEnds(sue, find, 'person');
  await sue.keyboard.press('Escape');
  assert.equal(await find.getAttribute('aria-expanded'), 'false');
  assert.equal(await find.getAttribute('aria-activedescendant'), null);
  await sue.keyboard.press('ArrowDown'); // opens again
  assert.equal(await find.getAttribute('aria-expanded'), 'true');
  await find.fill('sam');
  await sue.locator('[data-testid=assign-options] [role=option][aria-selected=true]').filter({ hasText: 'Sam' }).waitFor();
  const answered = sue.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/tickets/${ticket.id}/assign`));
  await sue.keyboard.press('Enter');
  assert.equal(JSON.parse((await answered).request().postData()).username, 'sam');
});

world.test('the customer finder: ends wrap, Home/End, Escape closes, Enter picks', async () => {
  const api = await world.apiAs('amy');
  await api.post('/customers', { id: 'C-8801', name: 'Combo One', phone: '+86 138 0000 8801' }, { expect: [201] });
  await api.post('/customers', { id: 'C-8802', name: 'Combo Two', phone: '+86 138 0000 8802' }, { expect: [201] });
  const amy = await world.signIn('amy');
  await amy.getByTestId('nav-new').click();
  const find = amy.getByTestId('customer-find');
  await find.waitFor();
  await find.focus();
  await amy.keyboard.type('Combo');
  await amy.locator('#customer-suggestions [role=option]').nth(1).waitFor();
  await walkTheEnds(amy, find, 'customer');
  await amy.keyboard.press('Escape');
  assert.equal(await find.getAttribute('aria-expanded'), 'false');
  await amy.keyboard.press('ArrowDown');
  assert.equal(await find.getAttribute('aria-expanded'), 'true');
  await amy.keyboard.press('ArrowDown');
  await amy.keyboard.press('Enter');
  assert.equal(await amy.getByTestId('customer-name').inputValue(), 'Combo Two');
});

world.test('the customer finder leaves the keys to an input method while it composes; option ids are ids', async () => {
  const api = await world.apiAs('amy');
  await api.post('/customers', { id: 'C 8803', name: 'Pinyin 李 One', phone: '+86 138 0000 8803' }, { expect: [201] });
  await api.post('/customers', { id: 'C 8804', name: 'Pinyin 李 Two', phone: '+86 138 0000 8804' }, { expect: [201] });
  const amy = await world.signIn('amy');
  await amy.getByTestId('nav-new').click();
  const find = amy.getByTestId('customer-find');
  await find.waitFor();
  await find.focus();
  await amy.keyboard.type('Pinyin');
  await amy.locator('#customer-suggestions [role=option]').nth(1).waitFor();

  // An id with a space is one IDREF that names the active option.
  const first = await activeOption(find);
  assert.doesNotMatch(first.id, /\s/, `option id ${JSON.stringify(first.id)}`);
  assert.equal(first.index, 0);

  // Pinyin being composed: the arrows choose a candidate and Enter commits the characters — as
  // Chromium and Firefox send them (isComposing) and as Safari sends the Enter after
  // compositionend (keyCode 229). None of them moves or picks an option.
  await find.evaluate((el) => {
    el.dispatchEvent(new CompositionEvent('compositionstart', { bubbles: true, data: '' }));
    const key = (k, init) => el.dispatchEvent(new KeyboardEvent('keydown', { key: k, code: k, bubbles: true, cancelable: true, ...init }));
    key('ArrowDown', { isComposing: true, keyCode: 229 });
    key('Enter', { isComposing: true, keyCode: 229 });
    el.dispatchEvent(new CompositionEvent('compositionend', { bubbles: true, data: '李' }));
    key('Enter', { keyCode: 229 });
  });
  assert.equal(await amy.getByTestId('customer-name').inputValue(), '', 'the Enter that committed pinyin picked a customer');
  const after = await activeOption(find);
  assert.equal(after.expanded, 'true');
  assert.equal(after.index, 0, 'an arrow key of the input method moved the active option');

  // Composition over, the real keys work.
  await amy.keyboard.press('ArrowDown');
  await amy.keyboard.press('Enter');
  assert.equal(await amy.getByTestId('customer-name').inputValue(), 'Pinyin 李 Two');
});

world.test('the standard-answer picker: ends wrap, Home/End, Escape returns to the text, Enter inserts', async () => {
  const sueApi = await world.apiAs('sue');
  for (const n of ['one', 'two']) {
    await sueApi.post('/answers', {
      department: 'customer-service',
      title: { en: `Combo answer ${n}`, zh: `组合答复${n}` },
      body: { en: `Answer ${n}.`, zh: `答复${n}。` },
    });
  }
  const ticket = await openJumpQueue(await world.apiAs('amy'), { title: 'Combobox answers' });
  const amy = await world.signIn('amy');
  await amy.goto(`${world.base}/#/tickets/${ticket.id}`);
  const body = amy.getByTestId('comment-body');
  await body.waitFor();
  await body.focus();
  await amy.keyboard.press('Control+k');
  await pickerFocused(amy);
  await amy.keyboard.type('Combo answer');
  await amy.locator('[data-testid=answer-options] [role=option]').nth(1).waitFor();
  const search = amy.getByTestId('answer-search');
  await walkTheEnds(amy, search, 'answer');
  await amy.keyboard.press('Escape');
  await amy.getByTestId('answer-picker').waitFor({ state: 'detached' });
  await amy.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'comment-body');
  await amy.keyboard.press('Control+k');
  await pickerFocused(amy);
  await amy.keyboard.type('Combo answer two');
  await amy.locator('[data-testid=answer-options] [role=option][aria-selected=true]').filter({ hasText: 'Combo answer two' }).waitFor();
  await amy.keyboard.press('Enter');
  await amy.getByTestId('answer-picker').waitFor({ state: 'detached' });
  assert.equal(await body.inputValue(), 'Answer two.');
});
