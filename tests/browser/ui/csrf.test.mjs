// SPDX-License-Identifier: GPL-3.0-or-later
// Cross-site and same-site request forgery, as a browser does it. A page served from another
// port of the same host is the same *site* as Baton (SameSite=Strict still sends the session
// cookie) but another *origin*: its form-style posts and its WebSocket must get nothing, while
// Baton's own UI keeps working.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before } from 'node:test';
import { World, openJumpQueue } from '../lib/harness.mjs';
import { markNoReload, assertNotReloaded, openQueue } from '../lib/flows.mjs';

const world = new World('csrf');

/** The attacker's own web server on 127.0.0.1, another port; serves one page. */
function attackerServer(page) {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(page);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * What the attacker's page does once loaded: the forgeries a page may send without asking the
 * target (CORS "simple" requests: no-cors fetches with text/plain, form encoding or no body, and
 * an HTML form posted into a hidden frame), plus a WebSocket, which browsers never restrict by
 * origin. Everything it learns lands in window.attack.
 */
function attackPage(base, ticketId) {
  const approve = `${base}/api/v1/tickets/${ticketId}/actions/approve`;
  return `<!doctype html><html><head><title>Cheap flights</title></head><body>
<iframe name="sink" style="display:none"></iframe>
<form id="f" method="POST" action="${approve}" enctype="text/plain" target="sink">
  <input type="hidden" name='{"comment":"forged","x":"' value='"}'>
</form>
<script>
window.attack = { posts: 0, formLoaded: false, messages: [], opened: false, closed: false };
const posts = [
  { body: '' },
  { body: '{"comment":"forged"}', headers: { 'Content-Type': 'text/plain' } },
  { body: 'comment=forged', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } },
];
Promise.all(posts.map((p) => fetch(${JSON.stringify(approve)}, { method: 'POST', mode: 'no-cors', credentials: 'include', ...p })
  .catch(() => null).then(() => { window.attack.posts++; })));
document.querySelector('iframe').addEventListener('load', () => { window.attack.formLoaded = true; });
document.getElementById('f').submit();
const ws = new WebSocket(${JSON.stringify(base.replace('http:', 'ws:') + '/api/v1/stream')});
ws.onopen = () => { window.attack.opened = true; };
ws.onmessage = (e) => { window.attack.messages.push(String(e.data)); };
ws.onclose = () => { window.attack.closed = true; };
</script></body></html>`;
}

let attacker = null;
before(() => world.start());
after(async () => {
  if (attacker) await new Promise((r) => attacker.close(r));
  await world.stop();
});

world.test('a page on another port of the same host cannot approve a ticket or read the live stream; the UI still works', async () => {
  const amy = await world.apiAs('amy');
  const ticket = await openJumpQueue(amy, { title: 'CSRF: waiting for a supervisor' });
  assert.equal(ticket.state, 'review');

  // The supervisor signs in to Baton in her browser; the attacker's tab opens in the same
  // browser (same cookie jar).
  const sue = await world.signIn('sue');
  attacker = await attackerServer(attackPage(world.base, ticket.id));
  const evilOrigin = `http://127.0.0.1:${attacker.address().port}`;
  assert.notEqual(evilOrigin, world.base);
  const evil = await sue.context().newPage();
  const answers = [];
  evil.on('response', (r) => {
    if (r.url().startsWith(world.base)) answers.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`);
  });
  await evil.goto(`${evilOrigin}/`);
  // Every forged post was answered, the form's frame loaded, and the socket ended or spoke.
  await evil.waitForFunction(() => window.attack.posts === 3 && window.attack.formLoaded);
  await evil.waitForFunction(() => window.attack.closed || window.attack.messages.length > 0);

  // A change the supervisor may see: had the socket opened, it would carry it.
  await amy.post(`/tickets/${ticket.id}/comments`, { body: 'Any news?' });
  const after = await amy.get(`/tickets/${ticket.id}`);
  assert.equal(after.state, 'review', `a forged post moved the ticket: ${JSON.stringify(after)}`);
  assert.equal(after.version, ticket.version + 1, 'only the comment changed the ticket');
  const attack = await evil.evaluate(() => window.attack);
  assert.equal(attack.opened, false, 'the WebSocket of another origin was upgraded');
  assert.deepEqual(attack.messages, [], 'the page of another origin read the live stream');
  // The browser did send the cookie (same site) and the server refused each request itself.
  const refused = answers.filter((a) => a.endsWith(' 403'));
  assert.ok(refused.length >= 4, `the forged requests were not all refused: ${answers.join(', ')}`);
  await evil.close();

  // Baton's own pages: a claim (POST with the cookie, Origin and JSON) and the live stream.
  await openQueue(sue, 'cs-supervisors');
  await markNoReload(sue);
  const fresh = await openJumpQueue(amy, { title: 'CSRF: seen live by the supervisor' });
  await sue.getByTestId(`ticket-row-${fresh.key}`).waitFor();
  const claimed = sue.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/tickets/${ticket.id}/claim`));
  await sue.getByTestId(`claim-${ticket.key}`).click();
  assert.equal((await claimed).status(), 200);
  assert.equal((await amy.get(`/tickets/${ticket.id}`)).assignee, 'sue');
  await assertNotReloaded(sue);
  assert.equal(await sue.getByTestId('live-bar').count(), 0, 'the live connection was reported lost');
});
