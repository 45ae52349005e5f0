// SPDX-License-Identifier: GPL-3.0-or-later
// A dead letter retried from Admin → Channels (issue 15): the server runs with the shipped
// plugins and a webhook channel aimed at a real local receiver started here, which answers 500.
// Two tickets are opened; the fake clock is moved to each next try until both deliveries have
// used their twenty tries and are dead letters. The receiver then answers 200. An admin finds
// the dead letters in the delivery log and presses Retry — in English for one, 重试 in Chinese
// for the other — and each is shown delivered (and the receiver got it).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before } from 'node:test';
import { World, binary, freePort, openJumpQueue, sourceDir } from '../lib/harness.mjs';

const channel = 'ops-hook';
let receiverPort = 0;
let answer = 500;
const received = []; // Baton-Delivery ids answered 200

const receiver = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (answer === 200) received.push(req.headers['baton-delivery']);
    res.writeHead(answer, { 'Content-Length': '0' });
    res.end();
  });
});

const world = new World('deadletter', {
  async prepare(tmp) {
    receiverPort = await freePort();
    await new Promise((resolve) => receiver.listen(receiverPort, '127.0.0.1', resolve));
    const workflows = path.join(tmp, 'workflows');
    fs.cpSync(path.join(sourceDir, 'workflows'), workflows, { recursive: true });
    fs.writeFileSync(path.join(workflows, 'channels.yaml'),
      `channels:\n  ${channel}:\n    plugin: webhook\n    url: http://127.0.0.1:${receiverPort}/hook\n` +
      '    secret: ${BATON_TEST_WEBHOOK_SECRET}\n    timeout_seconds: 2\n    events: [opened]\n');
    return {
      workflows,
      args: ['--plugins', path.join(path.dirname(binary), 'plugins')],
      env: { BATON_TEST_WEBHOOK_SECRET: 'browser-test-secret' },
    };
  },
});
before(() => world.start());
after(async () => {
  await world.stop();
  receiver.close();
});

/** The outbox rows of `key` on the channel, through the admin API. */
async function deliveriesOf(key) {
  world.forgetSessions(); // the clock may have jumped past the session's expiry
  return (await world.apiAs('admin')).get(`/admin/deliveries?ticket=${encodeURIComponent(key)}&channel=${channel}`);
}

/** Waits (polling the API; the worker looks every second) until `check(rows)` holds. */
async function waitForRows(key, check, what) {
  for (let i = 0; i < 300; i++) {
    const rows = await deliveriesOf(key);
    if (check(rows)) return rows;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${key}: ${what}: ${JSON.stringify(await deliveriesOf(key))}`);
}

let tickets = [];

world.test('two deliveries refused until their last try become dead letters', async () => {
  const amy = await world.apiAs('amy');
  tickets = [await openJumpQueue(amy, { customerId: 'C-201' }), await openJumpQueue(amy, { customerId: 'C-202' })];
  for (let round = 0; round < 40; round++) {
    const rows = [];
    for (const t of tickets) rows.push(...(await waitForRows(t.key, (r) => r.length === 1 && r[0].attempts > 0 && (r[0].status === 'dead' || new Date(r[0].next_attempt_at) > new Date((r[0].last_attempt_at))), 'tried')));
    if (rows.every((r) => r.status === 'dead')) break;
    // Both are waiting for their next try: move the clock past the later one (the API's
    // instants are whole seconds).
    const next = Math.max(...rows.filter((r) => r.status === 'pending').map((r) => new Date(r.next_attempt_at).getTime()));
    const before = rows.map((r) => r.attempts);
    world.forgetSessions();
    await (await world.apiAs('admin')).post('/admin/clock', { set: new Date(next + 1000).toISOString() });
    for (const [i, t] of tickets.entries()) {
      if (rows[i].status !== 'dead') await waitForRows(t.key, (r) => r[0].attempts > before[i] && r[0].next_attempt_at !== rows[i].next_attempt_at, 'tried again');
    }
  }
  for (const t of tickets) {
    const [row] = await deliveriesOf(t.key);
    assert.equal(row.status, 'dead', JSON.stringify(row));
    assert.equal(row.attempts, 20);
    assert.match(row.last_error, /HTTP 500/);
  }
  assert.deepEqual(received, []);
});

async function retryFromThePage(lang, ticket, words) {
  answer = 200;
  world.forgetSessions();
  await world.closePages();
  const page = await world.signIn('admin', { lang });
  await page.goto(`${world.base}/#/admin/channels`);
  await page.getByTestId(`channel-${channel}`).waitFor();
  await page.getByTestId('log-ticket').fill(ticket.key);
  await page.getByTestId('log-status').selectOption('dead');
  await page.getByTestId('log-search').click();
  const [dead] = await deliveriesOf(ticket.key);
  const row = page.getByTestId(`delivery-${dead.id}`);
  await row.waitFor();
  assert.match(await row.innerText(), new RegExp(words.dead));
  const button = row.getByRole('button', { name: words.label(dead.id) });
  assert.equal((await button.innerText()).trim(), words.retry);
  const retried = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/api/v1/admin/deliveries/${dead.id}/retry`);
  await button.click();
  assert.equal((await retried).status(), 200);
  // Delivered by the worker: the search again (all statuses) shows it so.
  await waitForRows(ticket.key, (r) => r[0].status === 'delivered', 'delivered after the retry');
  await page.getByTestId('log-status').selectOption('');
  await page.getByTestId('log-search').click();
  await row.getByText(words.delivered, { exact: true }).waitFor();
  assert.equal(await row.getByRole('button').count(), 0, 'a delivered row has no Retry button');
  assert.ok(received.includes(dead.id), `the receiver got ${dead.id}`);
  await world.shot(page, `${lang}-admin-deadletter-retried`);
}

world.test('Retry in English delivers the first dead letter', async () => {
  await retryFromThePage('en', tickets[0], {
    dead: 'dead letter', retry: 'Retry', delivered: 'delivered', label: (id) => `Retry delivery ${id}`,
  });
});

world.test('重试 in Chinese delivers the second dead letter', async () => {
  await retryFromThePage('zh', tickets[1], {
    dead: '死信', retry: '重试', delivered: '已投递', label: (id) => `重试投递 ${id}`,
  });
});
