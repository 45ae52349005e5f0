// SPDX-License-Identifier: GPL-3.0-or-later
// A phone (390 × 844): an agent opens a ticket and follows it, a supervisor works a queue, an
// admin edits users — and no page scrolls sideways, even with a 300-character URL in a comment
// (it once widened the ticket page to 5,278 px). Tables scroll inside their own box.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { World, openJumpQueue } from '../lib/harness.mjs';
import { newJumpQueueTicket } from '../lib/flows.mjs';

const world = new World('phone');
const data = {};
const PHONE = { width: 390, height: 844 };

before(async () => {
  await world.start();
  const amy = await world.apiAs('amy');
  data.ticket = await openJumpQueue(amy, { title: 'Phone: a ticket with a long link in a comment' });
  data.url = `https://tracking.example.com/awb/${'0123456789'.repeat(30)}`;
  await amy.post(`/tickets/${data.ticket.id}/comments`, { body: `See ${data.url}` });
});
after(() => world.stop());

async function onPhone(username, lang = 'en') {
  const page = await world.signIn(username, { lang });
  await page.setViewportSize(PHONE);
  return page;
}

/** The page's width beyond the screen: 0 when nothing scrolls sideways. */
async function sideways(page) {
  await page.waitForLoadState('networkidle');
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

world.test('no page scrolls sideways on a phone', async () => {
  const pages = [
    ['amy', '/new', '[data-testid=new-ticket-form]'],
    ['amy', '/mine', `[data-testid="ticket-row-${data.ticket.key}"]`],
    ['amy', `/tickets/${data.ticket.id}`, '[data-testid=event-commented]'],
    ['sue', '/queues/cs-supervisors', `[data-testid="ticket-row-${data.ticket.key}"]`],
    ['sue', '/dashboard', '[data-testid=dashboard-totals]'],
    ['admin', '/admin/users', '[data-testid=users-table]'],
    ['admin', '/admin/workflows/jump-queue', '[data-testid=editor-validity]'],
  ];
  const wide = [];
  const signedIn = new Map();
  for (const [user, path, ready] of pages) {
    if (!signedIn.has(user)) signedIn.set(user, await onPhone(user));
    const page = signedIn.get(user);
    await page.goto(`${world.base}/#${path}`);
    await page.locator(ready).first().waitFor();
    const extra = await sideways(page);
    if (extra > 0) wide.push(`${path} as ${user}: ${extra} px wider than the screen`);
    await world.shot(page, `phone-${path.replace(/\W+/g, '-')}`);
  }
  assert.deepEqual(wide, []);
  // The long link wraps inside the comment: it is all there, on several lines.
  const amy = signedIn.get('amy');
  await amy.goto(`${world.base}/#/tickets/${data.ticket.id}`);
  const comment = amy.getByTestId('event-commented').filter({ hasText: 'tracking.example.com' }).first();
  await comment.waitFor();
  const box = await comment.boundingBox();
  assert.ok(box.width <= PHONE.width, `the comment is ${box.width} px wide`);
  assert.ok((await comment.innerText()).replace(/\s/g, '').includes(data.url));
  for (const page of signedIn.values()) await page.context().close();
});

world.test('an agent opens and follows a ticket on a phone, in Chinese too', async () => {
  const amy = await onPhone('amy');
  // The navigation is a strip on top: every entry reachable.
  for (const id of ['nav-new', 'nav-mine', 'nav-back']) assert.ok(await amy.getByTestId(id).isVisible(), `${id} hidden`);
  const { key } = await newJumpQueueTicket(amy, { title: 'Opened on a phone' });
  assert.equal(await sideways(amy), 0);
  await amy.getByTestId('nav-mine').click();
  await amy.getByTestId(`ticket-row-${key}`).waitFor();
  assert.equal(await sideways(amy), 0);
  await amy.context().close();

  const zh = await onPhone('amy', 'zh');
  await zh.goto(`${world.base}/#/tickets/${data.ticket.id}`);
  await zh.getByTestId('event-commented').first().waitFor();
  assert.equal(await sideways(zh), 0);
  await zh.context().close();
});
