// SPDX-License-Identifier: GPL-3.0-or-later
// Reports (issue 17): a supervisor opens the Reports page on demo data plus a ticket the test
// works (amy opens a jump-queue ticket, sue approves it 20 minutes later, past its response
// target's escalation: a finished, escalated step in Customer Service's supervisors' queue). A
// number on the page equals the API's; it drills down to the tickets behind it (steps, opened,
// escalations, a state of the heat map), in English and Chinese; the heat map shows the step and the transition taken; a table downloads as CSV with
// a byte order mark; the page switches to Chinese; every control has a name; an agent has no
// Reports entry (and the API answers 403).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { World, openJumpQueue } from '../lib/harness.mjs';
import { moveClockToBusinessMorning } from '../lib/flows.mjs';

const world = new World('reports');
before(() => world.start());
after(() => world.stop());

const shots = process.env.BATON_REPORT_SHOTS;
const shot = async (page, name) => {
  if (shots) await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
};

function unnamedControls(page, selector) {
  return page.locator(selector).evaluate((root) =>
    [...root.querySelectorAll('button, a, input, select, textarea, [role=button]')]
      .filter((el) => !(el.getAttribute('aria-label') || el.textContent.trim() ||
        (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.closest('label')))
      .map((el) => el.outerHTML.slice(0, 120)));
}

world.test("a supervisor's report matches the API, drills down, downloads CSV and reads in Chinese", async () => {
  // A business morning, so that the review step's 15-minute response target runs: 20 minutes
  // on, its 100% ladder step has escalated it (raised the priority) when sue approves.
  const { admin } = await moveClockToBusinessMorning(world);
  const amy = await world.apiAs('amy');
  const sue = await world.apiAs('sue');
  const ticket = await openJumpQueue(amy, { title: 'Reports: approved late' });
  await admin.post('/admin/clock', { advance_seconds: 20 * 60 });
  await sue.post(`/tickets/${ticket.id}/actions/approve`, {});

  const page = await world.signIn('sue');
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('reports-page').waitFor();
  const tz = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  const query = `period=last_30_days&tz=${encodeURIComponent(tz)}&by=department`;
  const steps = await sue.get(`/reports/steps?${query}`);
  const cs = steps.rows.find((r) => r.key === 'customer-service');
  assert.ok(cs && cs.steps >= 1, JSON.stringify(steps));
  // sue supervises Customer Service only: no other department's row, on the page or the API.
  assert.deepEqual(steps.rows.map((r) => r.key), ['customer-service']);
  const cell = page.getByTestId('steps-customer-service-steps');
  await cell.waitFor();
  assert.equal(await cell.textContent(), String(cs.steps));
  assert.equal(await page.locator('[data-testid^=steps-row-]').count(), steps.rows.length);
  // The compliance chart draws one bar per group with a resolve target.
  assert.equal(await page.getByTestId('chart-compliance-bar').count(), steps.rows.filter((r) => r.resolve_due > 0).length);

  // Drill down: the tickets behind the number are the API's, and include the one approved.
  const behind = await sue.get(`/reports/tickets?${query}&report=steps&group=customer-service&measure=steps`);
  await cell.click();
  const panel = page.getByTestId('drill-panel');
  await panel.getByTestId('drill-table').waitFor();
  assert.equal(await panel.getByTestId('drill-row').count(), behind.tickets.length);
  await panel.getByRole('link', { name: ticket.key, exact: true }).waitFor();
  await shot(page, 'reports-en-drilldown');

  // The heat map of jump-queue: review left at least once, the approve transition drawn.
  await page.getByTestId('rep-workflow').selectOption('jump-queue');
  const flow = await sue.get(`/reports/flow?period=last_30_days&tz=${encodeURIComponent(tz)}&workflow=jump-queue`);
  const review = flow.states.find((s) => s.state === 'review');
  assert.ok(review && review.left >= 1, JSON.stringify(flow));
  await page.getByTestId('heat-state-review').waitFor();
  assert.equal(await page.getByTestId('flow-review-left').textContent(), String(review.left));
  const approved = flow.transitions.filter((x) => x.from === 'review' && x.to === 'expedite').reduce((n, x) => n + x.count, 0);
  assert.equal(await page.getByTestId('heat-edge-review-expedite').getAttribute('data-count'), String(approved));
  assert.ok(approved >= 1);
  // A state of the heat map drills down to its steps' tickets.
  await page.getByTestId('heat-state-review').click();
  await panel.getByRole('link', { name: ticket.key, exact: true }).waitFor();
  await shot(page, 'reports-en-heatmap');

  // CSV: UTF-8 with a byte order mark, the same numbers.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('csv-rep-steps').click()]);
  const file = await download.path();
  const bytes = fs.readFileSync(file);
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const lines = bytes.subarray(3).toString('utf8').split('\r\n');
  assert.ok(lines[0].startsWith('key,title,steps,'), lines[0]);
  assert.ok(lines.some((l) => l.startsWith(`customer-service,`) && l.split(',')[2] === String(cs.steps)), lines.join('\n'));

  // Volume: the tickets opened per group (the approved one among them), as the API counts them.
  const volume = await sue.get(`/reports/volume?${query}`);
  const opened = volume.rows.find((r) => r.key === 'customer-service');
  assert.ok(opened && opened.opened >= 1, JSON.stringify(volume));
  const volumeRow = page.getByTestId('volume-row-customer-service');
  assert.equal(await volumeRow.locator('td').first().textContent(), String(opened.opened));
  assert.equal(await page.getByTestId('volume-customer-service-steps').textContent(), String(opened.steps));
  // Opened drills down to the tickets opened, as the API lists them.
  const openedBehind = await sue.get(`/reports/tickets?${query}&report=volume&group=customer-service&measure=opened`);
  assert.equal(openedBehind.tickets.length, opened.opened);
  await page.getByTestId('volume-customer-service-opened').click();
  await page.getByRole('heading', { name: /^Tickets behind Opened: Customer Service$/ }).waitFor();
  assert.equal(await panel.getByTestId('drill-row').count(), openedBehind.tickets.length);
  await panel.getByRole('link', { name: ticket.key, exact: true }).waitFor();

  // Escalations: the review step escalated by notifying (no queue moved to) drills down to the
  // ticket.
  const escalations = await sue.get(`/reports/escalations?${query}`);
  const notified = escalations.rows.find((r) => r.key === 'customer-service' && r.to === '');
  assert.ok(notified && notified.count >= 1, JSON.stringify(escalations));
  const escalatedCell = page.getByTestId('esc-customer-service>-count');
  assert.equal(await escalatedCell.textContent(), String(notified.count));
  const escalatedBehind = await sue.get(`/reports/tickets?${query}&report=escalations&group=customer-service&target=`);
  await escalatedCell.click();
  await page.getByRole('heading', { name: /^Tickets behind Escalated: Customer Service → \(notified only\)$/ }).waitFor();
  assert.equal(await panel.getByTestId('drill-row').count(), escalatedBehind.tickets.length);
  await panel.getByRole('link', { name: ticket.key, exact: true }).waitFor();
  await shot(page, 'reports-en-escalations');
  // The drill-down's list downloads as CSV too: a byte order mark, a line per ticket.
  const [drillCsv] = await Promise.all([page.waitForEvent('download'), panel.getByTestId('csv-rep-drill').click()]);
  const drillBytes = fs.readFileSync(await drillCsv.path());
  assert.deepEqual([...drillBytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const drillLines = drillBytes.subarray(3).toString('utf8').split('\r\n').filter(Boolean);
  assert.equal(drillLines[0], 'id,key,title,workflow,state,state_title,status');
  assert.equal(drillLines.length - 1, escalatedBehind.tickets.length);
  assert.ok(drillLines.some((l) => l.startsWith(`${ticket.id},${ticket.key},`)), drillLines.join('\n'));

  assert.deepEqual(await unnamedControls(page, '[data-testid=reports-page]'), []);

  // 中文: the page's words follow, the numbers stay.
  await page.getByTestId('lang-switch').selectOption('zh');
  await page.getByRole('heading', { name: '报表', level: 1 }).waitFor();
  await page.getByRole('heading', { name: '工作量与 SLA 达标' }).waitFor();
  await page.getByRole('combobox', { name: '分组方式' }).waitFor();
  // The open drill-down's heading is translated too (its number's name is kept as a key).
  await page.getByRole('heading', { name: /^已升级背后的工单：/ }).waitFor();
  assert.equal(await page.getByTestId('steps-customer-service-steps').textContent(), String(cs.steps));
  // A drill-down opened in Chinese: its heading, the ticket still listed.
  await page.getByTestId('volume-customer-service-opened').click();
  await page.getByRole('heading', { name: /^新建背后的工单：/ }).waitFor();
  await panel.getByRole('link', { name: ticket.key, exact: true }).waitFor();
  // Its step and status read in Chinese too (the state's title, not its name).
  const drilled = panel.getByTestId('drill-row').filter({ has: page.getByRole('link', { name: ticket.key, exact: true }) });
  const cells = await drilled.locator('td').allTextContents();
  assert.equal(cells[3], '处理中', cells.join(' | '));
  assert.ok(/[\u4e00-\u9fff]/.test(cells[2]), cells.join(' | '));
  assert.deepEqual(await unnamedControls(page, '[data-testid=reports-page]'), []);
  await shot(page, 'reports-zh');
});

world.test('an agent has no Reports entry, and the API answers 403', async () => {
  const page = await world.signIn('amy');
  await page.getByTestId('nav-mine').waitFor();
  assert.equal(await page.getByTestId('nav-reports').count(), 0);
  const amy = await world.apiAs('amy');
  const refused = await amy.get('/reports/steps?period=today', { expect: [403], raw: true });
  assert.equal(refused.status, 403);
  await page.goto(`${world.base}/#/reports`);
  await page.getByRole('alert').waitFor();
  assert.equal(await page.getByTestId('reports-page').count(), 0);
});
