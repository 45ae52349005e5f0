// SPDX-License-Identifier: GPL-3.0-or-later
// Steps through the UI that several tests share. Each waits on what the UI shows or on the
// server's answer, never on time.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { sourceDir } from './harness.mjs';

/** Opens a jump-queue ticket on the new-ticket page; returns the server's ticket. */
export async function newJumpQueueTicket(page, { title, tier = 'B', customerId = 'C-77', customerName = 'Li Wei', heldAt = 'hub', reason = 'Customer needs it on Friday' } = {}) {
  await page.getByTestId('nav-new').click();
  await page.getByTestId('new-ticket-form').waitFor();
  const pick = page.getByTestId('new-workflow');
  if (await pick.count()) await pick.selectOption('jump-queue');
  await page.getByTestId('field-awb').waitFor();
  await page.getByTestId('field-awb').fill('123456789012');
  await page.getByTestId('field-held_at').selectOption(heldAt);
  await page.getByTestId('field-reason').fill(reason);
  if (title) await page.getByTestId('new-title').fill(title);
  await page.getByTestId('customer-id').fill(customerId);
  await page.getByTestId('customer-name').fill(customerName);
  await page.getByTestId('customer-tier').selectOption(tier);
  const created = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/tickets');
  await page.getByTestId('field-reason').press('Control+Enter');
  const res = await created;
  assert.equal(res.status(), 201, `opening the ticket answered ${res.status()}: ${await res.text()}`);
  const ticket = await res.json();
  const link = page.getByTestId('created-ticket-link');
  await link.filter({ hasText: ticket.key }).waitFor();
  assert.equal(await link.getAttribute('href'), `#/tickets/${ticket.id}`);
  // The form is ready for the next customer.
  assert.equal(await page.getByTestId('field-awb').inputValue(), '');
  return ticket;
}

/** Shows queue `name` and waits for its table (or its empty state). */
export async function openQueue(page, name) {
  await page.getByTestId('nav-queues').click();
  await page.getByTestId(`queue-${name}`).click();
  await page.locator('[data-testid=queue-table], [data-testid=queue-empty]').first().waitFor();
}

/** The ticket page of `key`, reached from a row of the current list. */
export async function openFromList(page, key) {
  await page.getByTestId(`open-${key}`).click();
  await page.locator(`[data-testid=ticket-page][data-key="${key}"]`).waitFor();
}

/** Waits for the ticket page to show `state` (and, if given, `status`). */
export async function ticketIn(page, state, status) {
  const sel = `[data-testid=ticket-page][data-state="${state}"]${status ? `[data-status="${status}"]` : ''}`;
  await page.locator(sel).waitFor();
}

/** Takes an action that opens an inline form, fills its fields, submits, waits for the answer. */
export async function actWithForm(page, prefix, action, fields) {
  await page.getByTestId(`${prefix}-${action}`).click();
  const form = page.getByTestId(`${prefix}-form`);
  await form.waitFor();
  for (const [name, value] of Object.entries(fields)) {
    const control = form.getByTestId(`field-${name}`);
    if ((await control.evaluate((el) => el.tagName)) === 'SELECT') await control.selectOption(value);
    else await control.fill(value);
  }
  const answered = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes(`/actions/${action}`));
  await form.getByTestId(`${prefix}-submit`).click();
  const res = await answered;
  assert.equal(res.status(), 200, `action ${action} answered ${res.status()}: ${await res.text()}`);
  return res.json();
}

/** Takes an action without fields (a plain button). */
export async function actPlain(page, prefix, action) {
  const answered = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes(`/actions/${action}`));
  await page.getByTestId(`${prefix}-${action}`).click();
  const res = await answered;
  assert.equal(res.status(), 200, `action ${action} answered ${res.status()}: ${await res.text()}`);
  return res.json();
}

/**
 * The number a badge shows (0 when it is absent), once the page has loaded what the badge counts.
 * `--demo` seeds tickets, so tests compare counts with their value before instead of assuming 0.
 */
export async function badgeCount(page, testid) {
  await page.waitForLoadState('networkidle');
  const badge = page.getByTestId(testid);
  return (await badge.count()) ? Number(await badge.innerText()) : 0;
}

/** Waits until a badge shows `n` (or is gone, for 0). */
export async function waitBadge(page, testid, n) {
  if (n === 0) await page.getByTestId(testid).waitFor({ state: 'detached' });
  else await page.getByTestId(testid).filter({ hasText: new RegExp(`^${n}$`) }).waitFor();
}

/** The standard-answer picker is open and its search box has the focus (it takes it as it opens). */
export async function pickerFocused(page) {
  await page.getByTestId('answer-picker').waitFor();
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'answer-search');
}

/** Marks the document so a later check can tell the page was not reloaded. */
export async function markNoReload(page) {
  await page.evaluate(() => {
    window.__batonNoReload = true;
  });
}

export async function assertNotReloaded(page) {
  assert.equal(await page.evaluate(() => window.__batonNoReload === true), true, 'the page was reloaded');
}

/**
 * 10:00 in Hong Kong on the first Tuesday-to-Thursday at least a day after `now` that is not a
 * hk-office holiday (workflows/org.yaml): a moment with business hours on both sides, so that
 * twenty minutes of clock are twenty business minutes in Customer Service.
 */
function businessMorning(now) {
  const org = fs.readFileSync(path.join(sourceDir, 'workflows/org.yaml'), 'utf8');
  const block = org.slice(org.indexOf('  hk-office:'), org.indexOf('  cn-office:'));
  const holidays = new Set(block.match(/\d{4}-\d{2}-\d{2}/g) ?? []);
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 2, 0, 0));
  for (;;) {
    day.setUTCDate(day.getUTCDate() + 1);
    const iso = day.toISOString().slice(0, 10); // 02:00Z is the same calendar day in Hong Kong
    if ([2, 3, 4].includes(day.getUTCDay()) && !holidays.has(iso)) return day;
  }
}

/**
 * Sets the fake clock to a business morning (see businessMorning) as admin; sessions expire by
 * the server's clock, which may have jumped past them, so every cached API session is dropped.
 * Browser pages signed in before this are signed out too: sign them in afterwards.
 */
export async function moveClockToBusinessMorning(world) {
  let admin = await world.apiAs('admin');
  const { now } = await admin.get('/admin/clock');
  const start = businessMorning(new Date(now));
  const set = await admin.post('/admin/clock', { set: start.toISOString().replace('.000Z', 'Z') });
  assert.equal(new Date(set.now).getTime(), start.getTime(), `the clock did not move to ${start.toISOString()}`);
  world.forgetSessions();
  admin = await world.apiAs('admin');
  return { admin, start };
}

/**
 * The main pages as [name, user, how to get there, what shows it is ready]: `listed` is a
 * ticket waiting for the supervisors (on amy's list and the cs-supervisors queue), `commented`
 * a ticket with a comment, `back` (optional) one back with its agent.
 */
export function mainPages(world, { listed, commented, back }) {
  return [
    ['new-ticket', 'amy', async (p) => {
      await p.getByTestId('nav-new').click();
      await p.getByTestId('new-ticket-form').waitFor();
      const pick = p.getByTestId('new-workflow');
      if (await pick.count()) await pick.selectOption('jump-queue');
    }, '[data-testid=field-awb]'],
    ['my-tickets', 'amy', (p) => p.getByTestId('nav-mine').click(), `[data-testid="ticket-row-${listed.key}"]`],
    ...(back ? [['back-to-me', 'amy', (p) => p.getByTestId('nav-back').click(), `[data-testid="ticket-row-${back.key}"]`]] : []),
    ['ticket', 'amy', (p) => p.goto(`${world.base}/#/tickets/${commented.id}`), '[data-testid=ticket-page] [data-testid=event-commented]'],
    ['queue', 'sue', (p) => p.getByTestId('nav-queues').click().then(() => p.getByTestId('queue-cs-supervisors').click()), `[data-testid="ticket-row-${listed.key}"]`],
    ['dashboard', 'sue', (p) => p.getByTestId('nav-dashboard').click(), '[data-testid=dashboard-row-cs-supervisors]'],
    ['admin-editor', 'admin', (p) => p.goto(`${world.base}/#/admin/workflows/jump-queue`), '[data-testid=editor-validity][data-valid=true]'],
    ['admin-org', 'admin', (p) => p.goto(`${world.base}/#/admin/org`), '[data-testid=org-queues]'],
    ['admin-users', 'admin', (p) => p.goto(`${world.base}/#/admin/users`), '[data-testid=users-table]'],
  ];
}

/**
 * Visits the sign-in page and then every page of `pages` in `lang` (one signed-in browser per
 * user), settled; calls `check(page, name)` on each.
 */
export async function tourPages(world, pages, lang, check) {
  const signin = await world.newPage(`signin-${lang}`, lang);
  await signin.goto(`${world.base}/`);
  await signin.getByTestId('signin-form').waitFor();
  await check(signin, 'signin');
  await signin.context().close();

  const signedIn = new Map();
  for (const [name, user, go, ready] of pages) {
    if (!signedIn.has(user)) signedIn.set(user, await world.signIn(user, { lang }));
    const page = signedIn.get(user);
    await go(page);
    await page.locator(ready).first().waitFor();
    // Pages fetch in parallel (counts, badges): let the page settle before looking at it.
    await page.waitForLoadState('networkidle');
    await check(page, name);
  }
  for (const p of signedIn.values()) await p.context().close();
}
