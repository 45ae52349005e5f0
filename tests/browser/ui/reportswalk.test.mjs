// SPDX-License-Identifier: GPL-3.0-or-later
// Reports, the supervisor's question (issue 17, "Done when"): "which step of which department
// made customers wait most last month, and has it improved?" walked in the UI, in English and
// in Chinese: open Reports → last 30 days → by step → compare with the previous period → sort
// by breaches and by median → drill down → read the change. The walk's time is written to
// `reports-walk.json` in the artifacts (recorded, not asserted). Then every number of the heat
// map drills down (a state's entered count, an arrow, a transition's count), the transitions
// read in the page's language, the backlog's days read whole for 7, 30 and 90 days, and axe-core
// finds nothing serious on the page.
//
// The data (jump-queue, Customer Service's review step): 31 days ago two tickets were approved 20
// minutes late (both breached); now four were reviewed — two at once, two 20 minutes late — and
// one declined, back with the agent for three hours (its 30-minute target breached).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { World, artifactsDir, openJumpQueue, unnamedControls } from '../lib/harness.mjs';
import { moveClockToBusinessMorning } from '../lib/flows.mjs';
import { violations } from '../lib/axe.mjs';

const world = new World('reportswalk');
before(() => world.start());
after(() => world.stop());

const shot = (page, name) => page.screenshot({ path: path.join(artifactsDir, `${name}.png`), fullPage: true });
const minute = 60;

async function approveLate(world, n, late) {
  const amy = await world.apiAs('amy');
  const sue = await world.apiAs('sue');
  const admin = await world.apiAs('admin');
  const tickets = [];
  for (let i = 0; i < n; ++i) tickets.push(await openJumpQueue(amy, { title: `Reports walk ${late ? 'late' : 'soon'} ${i}` }));
  await admin.post('/admin/clock', { advance_seconds: (late ? 20 : 2) * minute });
  for (const t of tickets) await sue.post(`/tickets/${t.id}/actions/approve`, {});
  return tickets;
}

let declined;

async function work() {
  // The previous period: two approvals 20 minutes late.
  await moveClockToBusinessMorning(world);
  await approveLate(world, 2, true);
  // 31 days on (another business morning): this period's work.
  const admin = await world.apiAs('admin');
  await admin.post('/admin/clock', { advance_seconds: 31 * 86400 });
  // The jump ended every session.
  world.forgetSessions();
  await moveClockToBusinessMorning(world);
  await approveLate(world, 2, false);
  await approveLate(world, 2, true);
  const amy = await world.apiAs('amy');
  const sue = await world.apiAs('sue');
  declined = await openJumpQueue(amy, { title: 'Reports walk declined' });
  await (await world.apiAs('admin')).post('/admin/clock', { advance_seconds: 2 * minute });
  await sue.post(`/tickets/${declined.id}/actions/decline`, { fields: { reply: 'Not this time' } });
  await (await world.apiAs('admin')).post('/admin/clock', { advance_seconds: 3 * 3600 });
  await amy.post(`/tickets/${declined.id}/actions/confirm`, { fields: { reply: 'Told the customer' } });
}

/** The walk: returns its milliseconds and what it read. */
async function walk(page, lang) {
  const started = Date.now();
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('reports-page').waitFor();
  await page.getByTestId('rep-period').selectOption('last_30_days');
  await page.getByTestId('rep-by').selectOption('state');
  await page.getByTestId('rep-compare').check();
  await page.getByTestId('rep-previous-shown').waitFor();
  // Sort by breaches: the step that breached most comes first.
  await page.getByTestId('table-steps-sort-breached').click();
  const first = page.locator('[data-testid=table-steps] tbody tr').first();
  await first.locator('[data-testid$=-breach_change]').waitFor();
  const worst = (await first.getAttribute('data-testid')).replace('steps-row-', '');
  // By median time too.
  await page.getByTestId('table-time-sort-median').click();
  const slowest = (await page.locator('[data-testid=table-time] tbody tr').first().getAttribute('data-testid')).replace('time-row-', '');
  // Drill down to the tickets behind the worst step's breaches.
  await page.getByTestId(`steps-${worst}-breached`).click();
  await page.getByTestId('drill-panel').getByTestId('drill-table').waitFor();
  const drilled = await page.getByTestId('drill-panel').getByTestId('drill-row').count();
  // Has it improved?
  const change = await page.getByTestId(`steps-${worst}-breach_change`).getAttribute('data-change');
  const medianChange = await page.getByTestId(`time-${worst}-median_change`).getAttribute('data-change');
  const ms = Date.now() - started;
  await shot(page, `reports-walk-${lang}`);
  return { ms, worst, slowest, drilled, change, medianChange };
}

world.test('a supervisor finds the step that made customers wait most and whether it improved, in English and Chinese', async () => {
  await work();
  const tz = 'Asia/Hong_Kong';
  const sue = await world.apiAs('sue');
  const steps = await sue.get(`/reports/steps?period=last_30_days&tz=${encodeURIComponent(tz)}&by=state&compare=previous`);
  const byBreaches = [...steps.rows].sort((a, b) => b.breached - a.breached);
  const byMedian = [...steps.rows].sort((a, b) => (b.median_business_seconds ?? -1) - (a.median_business_seconds ?? -1));
  const review = steps.rows.find((r) => r.key === 'jump-queue/review');
  const reviewBefore = steps.previous.rows.find((r) => r.key === 'jump-queue/review');
  assert.ok(review && reviewBefore, JSON.stringify(steps));
  assert.ok(review.breached >= 2 && reviewBefore.breached >= 2, JSON.stringify({ review, reviewBefore }));
  assert.ok(review.breached / review.steps < reviewBefore.breached / reviewBefore.steps, JSON.stringify({ review, reviewBefore }));

  const timings = {};
  for (const lang of ['en', 'zh']) {
    const page = await world.signIn('sue');
    if (lang === 'zh') {
      await page.getByTestId('lang-switch').selectOption('zh');
      await page.getByTestId('nav-reports').filter({ hasText: '报表' }).waitFor();
    }
    const read = await walk(page, lang);
    timings[lang] = read.ms;
    assert.equal(read.worst, byBreaches[0].key, `${lang}: ${JSON.stringify(read)}`);
    assert.equal(read.slowest, byMedian[0].key, `${lang}: ${JSON.stringify(read)}`);
    const worst = steps.rows.find((r) => r.key === read.worst);
    const behind = await sue.get(`/reports/tickets?period=last_30_days&tz=${encodeURIComponent(tz)}&by=state&report=steps&group=${encodeURIComponent(read.worst)}&measure=breached`);
    assert.equal(read.drilled, behind.tickets.length);
    assert.ok(read.drilled >= 1 && read.drilled <= worst.breached);
    if (read.worst === 'jump-queue/review') {
      assert.equal(read.change, 'better');
      assert.equal(read.medianChange, 'better');
    }
    // The period and the previous one are named with their zone.
    assert.match(await page.getByTestId('rep-period-shown').textContent(), /Asia\/Hong_Kong/);
    if (lang === 'zh') {
      assert.match(await page.getByTestId(`steps-jump-queue/review-breach_change`).textContent(), /改善/);
      assert.match(await page.getByTestId('rep-previous-shown').textContent(), /对比时间段/);
    } else {
      assert.match(await page.getByTestId(`steps-jump-queue/review-breach_change`).textContent(), /better/);
    }
    // The previous period's breaches drill down to its own tickets.
    await page.getByTestId('steps-jump-queue/review-prev_breached').click();
    await page.getByTestId('drill-panel').getByTestId('drill-row').first().waitFor();
    assert.equal(await page.getByTestId('drill-panel').getByTestId('drill-row').count(), reviewBefore.breached);
    assert.deepEqual(await unnamedControls(page, '[data-testid=reports-page]'), []);
    assert.deepEqual(await violations(page), [], `${lang}: axe-core on the reports page`);
  }
  // A step worked only in the previous period (the admin sees the demo's, from before the jump)
  // is a row too, with nothing this period.
  const all = await (await world.apiAs('admin')).get(`/reports/steps?period=last_30_days&tz=${encodeURIComponent(tz)}&by=state&compare=previous`);
  const onlyBefore = all.previous.rows.filter((r) => !all.rows.some((now) => now.key === r.key));
  assert.ok(onlyBefore.length >= 1, JSON.stringify(all));
  const admin = await world.signIn('admin');
  await admin.getByTestId('nav-reports').click();
  await admin.getByTestId('rep-period').selectOption('last_30_days');
  await admin.getByTestId('rep-by').selectOption('state');
  await admin.getByTestId('rep-compare').check();
  await admin.getByTestId('rep-previous-shown').waitFor();
  for (const was of onlyBefore) {
    await admin.getByTestId(`steps-row-${was.key}`).waitFor();
    assert.equal((await admin.getByTestId(`steps-${was.key}-steps`).textContent()).trim(), '0', was.key);
    assert.equal((await admin.getByTestId(`steps-${was.key}-prev_breached`).textContent()).trim(), String(was.breached), was.key);
    await admin.getByTestId(`time-row-${was.key}`).waitFor();
  }
  assert.equal(await admin.locator('[data-testid=table-steps] tbody tr').count(), all.rows.length + onlyBefore.length);
  fs.writeFileSync(path.join(artifactsDir, 'reports-walk.json'), `${JSON.stringify(timings, null, 2)}\n`);
  console.log(`reports walk: ${JSON.stringify(timings)} ms`);
});

world.test("every number of the heat map drills down, and its transitions read in the page's language", async () => {
  const tz = 'Asia/Hong_Kong';
  const sue = await world.apiAs('sue');
  const flow = await sue.get(`/reports/flow?period=last_30_days&tz=${encodeURIComponent(tz)}&workflow=jump-queue`);
  const answer = flow.states.find((s) => s.state === 'answer');
  assert.ok(answer && answer.entered >= 1, JSON.stringify(flow));
  const page = await world.signIn('sue');
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('rep-workflow').selectOption('jump-queue');
  const panel = page.getByTestId('drill-panel');

  // A state's entered count.
  await page.getByTestId('flow-answer-entered').click();
  await panel.getByRole('heading', { name: /^Tickets behind Entered: Back to the agent$/ }).waitFor();
  await panel.getByTestId('drill-row').first().waitFor();
  assert.equal(await panel.getByTestId('drill-row').count(), answer.entered);
  await panel.getByRole('link', { name: declined.key, exact: true }).waitFor();

  // An arrow of the heat map: every ticket that went that way.
  const approved = flow.transitions.filter((x) => x.from === 'review' && x.to === 'expedite').reduce((n, x) => n + x.count, 0);
  await page.getByTestId('heat-edge-review-expedite').click();
  await panel.getByRole('heading', { name: /^Tickets behind Transition: Supervisor review → Billing and ground operations act/ }).waitFor();
  await panel.getByTestId('drill-row').first().waitFor();
  assert.equal(await panel.getByTestId('drill-row').count(), approved);

  // A transition's count in the table.
  await page.getByTestId('transition-review>answer>decline-count').click();
  await panel.getByRole('heading', { name: /Supervisor review → Back to the agent \(Decline\)$/ }).waitFor();
  await panel.getByRole('link', { name: declined.key, exact: true }).waitFor();
  const declines = flow.transitions.find((x) => x.from === 'review' && x.to === 'answer' && x.action === 'decline');
  assert.equal(await panel.getByTestId('drill-row').count(), declines.count);
  await shot(page, 'reports-heat-en');

  // In Chinese: the transitions table by the workflow's titles, not its names.
  await page.getByTestId('lang-switch').selectOption('zh');
  const row = page.getByTestId('table-transitions').locator('tbody tr').filter({ hasText: '驳回' });
  await row.waitFor();
  const cells = await row.locator('td').allTextContents();
  assert.deepEqual(cells.slice(0, 3), ['主管审核', '退回客服', '驳回'], cells.join(' | '));
  for (const text of await page.getByTestId('table-transitions').locator('tbody td:nth-child(-n+3)').allTextContents())
    assert.ok(!/^[a-z_]+$/.test(text), `a raw name in the Chinese transitions table: ${text}`);
  // The arrow's name is Chinese too.
  assert.match(await page.getByTestId('heat-edge-review-expedite').getAttribute('aria-label'), /主管审核 → .*张工单/);
  await page.getByTestId('flow-answer-entered').click();
  await panel.getByRole('heading', { name: /^进入背后的工单：退回客服$/ }).waitFor();
  assert.deepEqual(await violations(page), [], 'axe-core, heat map in Chinese');
  await shot(page, 'reports-heat-zh');
});

/** Header cells of the backlog table cut short (text wider than the cell), and chart day labels that overlap. */
async function unreadableDays(page) {
  return page.evaluate(() => {
    const cut = [...document.querySelectorAll('[data-testid=table-backlog] th')]
      .filter((th) => th.scrollWidth > th.clientWidth + 1)
      .map((th) => th.textContent);
    const boxes = [...document.querySelectorAll('[data-testid=chart-backlog] text')]
      .filter((t) => /\d/.test(t.textContent) && t.getAttribute('y') > 150)
      .map((t) => t.getBBox())
      .sort((a, b) => a.x - b.x);
    const overlaps = boxes.filter((b, i) => i > 0 && boxes[i - 1].x + boxes[i - 1].width > b.x).length;
    return { cut, overlaps, labels: boxes.length };
  });
}

world.test("the backlog's days read whole for 7, 30 and 90 days, in English and Chinese", async () => {
  // A ticket left waiting in Customer Service's review queue: a backlog on every day since.
  await openJumpQueue(await world.apiAs('amy'), { title: 'Reports walk waiting' });
  // Days by the server's (fake) clock, in Hong Kong, where the browser is.
  const { now } = await (await world.apiAs('admin')).get('/admin/clock');
  const today = new Date(Date.parse(now) + 8 * 3600000).toISOString().slice(0, 10);
  const page = await world.signIn('sue');
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('reports-page').waitFor();
  const dayBefore = (n) => new Date(Date.parse(`${today}T00:00:00Z`) - n * 86400000).toISOString().slice(0, 10);
  for (const lang of ['en', 'zh']) {
    if (lang === 'zh') await page.getByTestId('lang-switch').selectOption('zh');
    await page.getByTestId('rep-period').selectOption('custom');
    for (const days of [7, 30, 90]) {
      const from = encodeURIComponent(new Date(`${dayBefore(days - 1)}T00:00:00+08:00`).toISOString());
      const to = encodeURIComponent(new Date(Date.parse(`${today}T00:00:00+08:00`) + 86400000).toISOString());
      const backlog = page.waitForResponse((r) => r.url().includes('/reports/backlog') && r.url().includes(from) && r.url().includes(to));
      await page.getByTestId('rep-to').fill(today);
      await page.getByTestId('rep-from').fill(dayBefore(days - 1));
      await backlog;
      await page.getByTestId('table-backlog').waitFor();
      await page.getByTestId('chart-backlog').waitFor();
      const read = await unreadableDays(page);
      assert.deepEqual(read.cut, [], `${lang}, ${days} days: header cells cut short`);
      assert.equal(read.overlaps, 0, `${lang}, ${days} days: chart labels overlap`);
      assert.ok(read.labels >= 2, `${lang}, ${days} days: ${read.labels} day labels on the chart`);
      if (days === 90) await shot(page, `reports-backlog-90-${lang}`);
    }
  }
});
