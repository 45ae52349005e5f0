// SPDX-License-Identifier: GPL-3.0-or-later
// The HTTP API against its OpenAPI 3.1 document (engine/api/openapi.json), on a real `baton serve
// --demo --fake-clock` with a throw-away SQLite database: a realistic flow through every documented
// operation (sign in, workflows, organisation, users, a ticket from opening to closing and
// reopening, comments, events, notifications, the test clock, sign out), where
//   - every request body is valid against the operation's requestBody schema before it is sent,
//   - every reply's status is one the operation documents, and its body is valid against that
//     response's schema (JSON Schema 2020-12, ajv, formats checked),
//   - every documented operation is called at least once,
// plus: every example in the document is valid against its schema, and the served document is
// the file, as application/json with Cache-Control: no-store.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const here = path.dirname(fileURLToPath(import.meta.url));
const sourceDir = process.env.BATON_SOURCE_DIR || path.resolve(here, '../../..');
const binary = process.env.BATON_BINARY || path.join(sourceDir, 'build/baton');
const documentFile = path.join(sourceDir, 'engine/api/openapi.json');
const document = JSON.parse(fs.readFileSync(documentFile, 'utf8'));
const DEMO_PASSWORD = 'baton-demo';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

// ---- the document as a JSON Schema registry ---------------------------------------------------

// Strict: an unknown keyword (a typo such as "requried") in the document is an error, not ignored.
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
ajv.addKeyword({ keyword: 'components' }); // the wrapper that holds the document's schemas
addFormats(ajv);
ajv.addSchema({ $id: 'baton-openapi', components: document.components });
const compiled = new Map();

/** A validator for a schema taken from anywhere in the document (its refs point at the root). */
function validatorFor(schema) {
  // A named schema is compiled once, inside the document (compiling a copy recompiles its refs).
  if (Object.keys(schema).length === 1 && typeof schema.$ref === 'string' && schema.$ref.startsWith('#/components/'))
    return ajv.getSchema(`baton-openapi${schema.$ref}`);
  const text = JSON.stringify(schema);
  if (!compiled.has(text)) compiled.set(text, ajv.compile(JSON.parse(text.replaceAll('"#/components/', '"baton-openapi#/components/'))));
  return compiled.get(text);
}

function check(schema, value, what) {
  const validate = validatorFor(schema);
  if (!validate(value))
    assert.fail(`${what} does not match the document:\n${ajv.errorsText(validate.errors, { separator: '\n' })}\n${JSON.stringify(value).slice(0, 1500)}`);
}

function deref(object) {
  let at = object;
  while (at && at.$ref) at = at.$ref.slice(2).split('/').reduce((o, k) => o[k], document);
  return at;
}

/** The path template of the document that a concrete path matches ("/api/v1/tickets/{id}"). */
function templateOf(method, concrete) {
  const segments = concrete.split('/');
  let best = null;
  let bestLiterals = -1;
  for (const [template, item] of Object.entries(document.paths)) {
    if (!item[method]) continue;
    const t = template.split('/');
    if (t.length !== segments.length) continue;
    let literals = 0;
    if (!t.every((s, i) => (s.startsWith('{') ? true : s === segments[i] && ++literals))) continue;
    if (literals > bestLiterals) [best, bestLiterals] = [template, literals];
  }
  return best;
}

// ---- the server ---------------------------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const server = { proc: null, tmp: null, base: '', log: [], adminPassword: `admin-${Math.random().toString(36).slice(2)}-pw` };

before(async () => {
  assert.ok(fs.existsSync(binary), `BATON_BINARY ${binary} does not exist: build first (make build)`);
  server.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-openapi-'));
  const port = await freePort();
  server.base = `http://127.0.0.1:${port}`;
  server.proc = spawn(binary, ['serve', '--listen', `127.0.0.1:${port}`, '--db', `sqlite:${path.join(server.tmp, 'baton.db')}`,
    '--workflows', path.join(sourceDir, 'workflows'), '--demo', '--fake-clock'],
  { cwd: server.tmp, env: { ...process.env, BATON_ADMIN_PASSWORD: server.adminPassword }, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk) => server.log.push(chunk.toString());
  server.proc.stdout.on('data', keep);
  server.proc.stderr.on('data', keep);
  let exited = false;
  server.proc.on('exit', () => (exited = true));
  const until = Date.now() + 60000;
  for (;;) {
    if (exited) assert.fail(`baton serve exited during start-up:\n${server.log.join('').slice(-3000)}`);
    if (Date.now() > until) assert.fail(`baton serve did not become healthy:\n${server.log.join('').slice(-3000)}`);
    try {
      if ((await fetch(`${server.base}/healthz`)).ok) break;
    } catch {
      /* the port is not open yet */
    }
    // Waiting for the port to open: the only way to learn it is to ask again.
    await new Promise((r) => setTimeout(r, 50));
  }
});

after(async () => {
  if (server.proc && server.proc.exitCode === null) {
    server.proc.kill('SIGTERM');
    await new Promise((r) => server.proc.once('exit', r));
  }
  if (server.tmp) fs.rmSync(server.tmp, { recursive: true, force: true });
});

// ---- calls checked against the document ---------------------------------------------------------

const exercised = new Map(); // "METHOD /template" → statuses seen

/**
 * One request: the body is checked against the operation's requestBody schema, the reply's
 * status must be documented (and be one of `expect`), its JSON body valid against that response.
 */
async function call(token, method, concrete, body, { expect = [200], headers = {}, yaml = false, invalid = false, contentType, file } = {}) {
  const m = method.toLowerCase();
  const template = templateOf(m, concrete.split('?')[0]);
  assert.ok(template, `${method} ${concrete} is not in the document`);
  const operation = document.paths[template][m];
  const init = { method, headers: { ...headers } };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    const requestBody = deref(operation.requestBody);
    assert.ok(requestBody, `${method} ${template} documents no request body`);
    if (file) {
      // A file upload: the bytes themselves in their own media type.
      assert.ok(requestBody.content[contentType] || requestBody.content['*/*'], `${method} ${template} takes no ${contentType}`);
      init.headers['Content-Type'] = contentType;
      init.body = body;
    } else if (yaml) {
      assert.ok(requestBody.content['application/yaml'], `${method} ${template} takes no YAML`);
      init.headers['Content-Type'] = 'application/yaml';
      init.body = body;
    } else {
      // `invalid`: a body the document itself refuses, sent to see the documented error.
      if (!invalid) check(requestBody.content['application/json'].schema, body, `request body of ${method} ${template}`);
      init.headers['Content-Type'] = contentType ?? 'application/json';
      init.body = JSON.stringify(body);
    }
  }
  const res = await fetch(`${server.base}${concrete}`, init);
  const text = await res.text();
  const where = `${method} ${concrete} → ${res.status} ${text.slice(0, 300)}`;
  assert.ok(expect.includes(res.status), `unexpected status: ${where}`);
  if (concrete.startsWith('/api/')) assert.equal(res.headers.get('cache-control'), 'no-store', `Cache-Control of ${where}`);
  const key = `${method.toUpperCase()} ${template}`;
  if (!exercised.has(key)) exercised.set(key, new Set());
  exercised.get(key).add(res.status);
  const documented = deref(operation.responses[String(res.status)] ?? operation.responses.default);
  assert.ok(documented, `status ${res.status} is not documented for ${method} ${template}: ${where}`);
  if (res.status === 204) return { status: 204, json: null, res };
  const type = (res.headers.get('content-type') || '').split(';')[0].trim();
  assert.ok(documented.content?.[type] || documented.content?.['*/*'], `${method} ${template} ${res.status}: ${type} is not a documented content type`);
  let json = null;
  if (type === 'application/json') {
    json = JSON.parse(text);
    check(documented.content[type].schema, json, `reply of ${key} (${res.status})`);
  }
  return { status: res.status, json, text, res };
}

async function login(username, password = DEMO_PASSWORD) {
  const { json } = await call(null, 'POST', '/api/v1/login', { username, password });
  assert.equal(json.user.username, username);
  return json.token;
}

// ---- the tests ----------------------------------------------------------------------------------

test('every schema of the document compiles in strict mode (no unknown or misspelt keyword)', () => {
  for (const name of Object.keys(document.components.schemas))
    assert.ok(ajv.getSchema(`baton-openapi#/components/schemas/${name}`), name);
});

test('every example in the document is valid against its schema', () => {
  let examples = 0;
  const walk = (node, where) => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}/${i}`));
    if (!node || typeof node !== 'object') return;
    // A media type or parameter: example / examples{name: {value}} against its schema.
    if (node.schema && (node.example !== undefined || node.examples)) {
      if (node.example !== undefined) check(node.schema, node.example, `${where}/example`), examples++;
      for (const [name, ex] of Object.entries(node.examples || {})) check(node.schema, deref(ex).value, `${where}/examples/${name}`), examples++;
    }
    // A schema's own JSON Schema "examples" array.
    if (where.includes('/schemas/') && Array.isArray(node.examples) && (node.type || node.oneOf || node.anyOf || node.properties)) {
      const schema = /^#\/components\/schemas\/[^/]+$/.test(where) ? { $ref: where } : node;
      node.examples.forEach((ex, i) => (check(schema, ex, `${where}/examples/${i}`), examples++));
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'examples' && k !== 'example') walk(v, `${where}/${k}`);
  };
  walk(document, '#');
  assert.ok(examples >= 30, `only ${examples} examples checked`);
});

test('the served document is the file, as JSON, never cached, without a session', async () => {
  const { res, json } = await call(null, 'GET', '/api/v1/openapi.json');
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.deepEqual(json, document);
  assert.equal(json.openapi, '3.1.0');
});

test('a realistic flow through every documented operation matches the document', async () => {
  // Operations
  await call(null, 'GET', '/healthz');
  const metrics = await call(null, 'GET', '/metrics');
  assert.match(metrics.text, /baton_/);

  // Sessions
  await call(null, 'POST', '/api/v1/login', { username: 'amy', password: 'wrong-password' }, { expect: [401] });
  const raw = await fetch(`${server.base}/api/v1/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"username":' });
  assert.equal(raw.status, 400);
  check(deref(document.paths['/api/v1/login'].post.responses['400']).content['application/json'].schema, await raw.json(), 'a 400 of login');
  const amy = await login('amy');
  const sue = await login('sue');
  const bill = await login('bill');
  const gary = await login('gary');
  const cathy = await login('cathy');
  const admin = await login('admin', server.adminPassword);
  await call(null, 'GET', '/api/v1/me', undefined, { expect: [401] });
  const me = (await call(amy, 'GET', '/api/v1/me')).json;
  assert.deepEqual(me.username, 'amy');

  // Workflows
  const workflows = (await call(amy, 'GET', '/api/v1/workflows')).json;
  assert.ok(workflows.some((w) => w.name === 'jump-queue' && w.startable));
  const jq = (await call(amy, 'GET', '/api/v1/workflows/jump-queue', undefined, { headers: { 'Accept-Language': 'zh-CN' } })).json;
  assert.ok(jq.opening_fields.includes('awb'));
  await call(amy, 'GET', `/api/v1/workflows/jump-queue/versions/${jq.version}`);
  const history = (await call(amy, 'GET', '/api/v1/workflows/jump-queue/versions')).json;
  assert.equal(history[0].origin, 'file');
  assert.match(history[0].path, /jump-queue\.yaml$/);
  assert.equal(history.at(-1).current, true);
  await call(amy, 'GET', '/api/v1/workflows/no-such-workflow/versions', undefined, { expect: [404] });
  await call(amy, 'GET', '/api/v1/workflows/jump-queue/versions/999', undefined, { expect: [404] });
  await call(amy, 'GET', '/api/v1/workflows/no-such-workflow', undefined, { expect: [404] });
  const good = (await call(admin, 'POST', '/api/v1/workflows/validate', jq.source, { yaml: true })).json;
  assert.equal(good.valid, true);
  const bad = (await call(admin, 'POST', '/api/v1/workflows/validate', 'workflow: x\nstates: [', { yaml: true })).json;
  assert.equal(bad.valid, false);
  assert.ok(bad.errors.length > 0);
  await call(amy, 'PUT', '/api/v1/workflows/jump-queue', jq.source, { yaml: true, expect: [403] });
  await call(admin, 'PUT', '/api/v1/workflows/jump-queue', jq.source, { yaml: true, expect: [200] });
  await call(admin, 'PUT', '/api/v1/workflows/jump-queue', `${jq.source}\n# a comment makes a new version\n`, { yaml: true, expect: [201] });
  await call(admin, 'PUT', '/api/v1/workflows/jump-queue', 'workflow: jump-queue\n', { yaml: true, expect: [422] });
  const published = (await call(amy, 'GET', '/api/v1/workflows/jump-queue/versions')).json.at(-1);
  assert.deepEqual([published.origin, published.published_by, published.current], ['user', 'admin', true]);

  // Organisation
  const queues = (await call(amy, 'GET', '/api/v1/queues')).json;
  assert.ok(queues.some((q) => q.name === 'cs-supervisors'));
  await call(amy, 'GET', '/api/v1/departments');
  await call(amy, 'GET', '/api/v1/calendars');
  const csAgents = queues.find((q) => q.name === 'cs-agents');
  assert.ok(Array.isArray(csAgents.primary) && csAgents.primary.length > 0, JSON.stringify(csAgents));
  const org = (await call(amy, 'GET', '/api/v1/org')).json;
  assert.ok(org.source.includes('calendars:'));
  const orgGood = (await call(admin, 'POST', '/api/v1/org/validate', org.source, { yaml: true })).json;
  assert.equal(orgGood.valid, true);
  const orgBad = (await call(admin, 'POST', '/api/v1/org/validate', 'calendars: [', { yaml: true })).json;
  assert.equal(orgBad.valid, false);
  await call(amy, 'PUT', '/api/v1/org', org.source, { yaml: true, expect: [403] });
  await call(admin, 'PUT', '/api/v1/org', org.source, { yaml: true, expect: [200] });
  await call(admin, 'PUT', '/api/v1/org', `${org.source}\n# a comment makes a new version\n`, { yaml: true, expect: [201] });
  await call(admin, 'PUT', '/api/v1/org', 'queues: {}\n', { yaml: true, expect: [422] });

  // Users
  await call(amy, 'GET', '/api/v1/users');
  const newUser = { username: 'olga', name: 'Olga Ng', password: 'olga-password-1', departments: ['billing'], roles: ['agent'] };
  await call(amy, 'POST', '/api/v1/users', newUser, { expect: [403] });
  await call(admin, 'POST', '/api/v1/users', newUser, { expect: [201] });
  await call(admin, 'POST', '/api/v1/users', newUser, { expect: [409] });
  await call(admin, 'POST', '/api/v1/users', { ...newUser, username: 'oscar', departments: ['no-such-department'] }, { expect: [422] });
  await call(admin, 'PATCH', '/api/v1/users/olga', { name: 'Olga Ng Wai-man', active: false });
  await call(admin, 'PATCH', '/api/v1/users/nobody-here', { name: 'Nobody' }, { expect: [404] });

  // Away and substitutes: oneself in preferences; a team member by their supervisor or an admin
  assert.equal((await call(amy, 'GET', '/api/v1/me/preferences')).json.away, null);
  const away = (await call(amy, 'PATCH', '/api/v1/me/preferences', { away: { until: '2099-01-01T00:00:00Z', substitute: 'admin' } })).json.away;
  assert.deepEqual(away, { from: null, until: '2099-01-01T00:00:00Z', substitute: 'admin' });
  await call(amy, 'PATCH', '/api/v1/me/preferences', { away: { until: '2000-01-01T00:00:00Z' } }, { expect: [422] });
  await call(amy, 'PATCH', '/api/v1/me/preferences', { away: { until: 'soon' } }, { expect: [400], invalid: true });
  assert.equal((await call(amy, 'PATCH', '/api/v1/me/preferences', { away: null })).json.away, null);
  const quiet = { from: '22:00', until: '07:00', timezone: 'Asia/Hong_Kong', breaches: true };
  assert.deepEqual((await call(amy, 'PATCH', '/api/v1/me/preferences', { quiet_hours: quiet })).json.quiet_hours, quiet);
  await call(amy, 'PATCH', '/api/v1/me/preferences', { quiet_hours: { from: '25:00', until: '07:00' } }, { expect: [422] });
  assert.equal((await call(amy, 'PATCH', '/api/v1/me/preferences', { quiet_hours: null })).json.quiet_hours, null);
  // Channels per notification kind (the bell always): a kind left out goes through every channel.
  const chosen = (await call(amy, 'PATCH', '/api/v1/me/preferences', { channels: { sla_breached: ['email', 'sms'], sla_warning: [] } })).json;
  assert.deepEqual(chosen.channels, { sla_breached: ['email', 'sms'], sla_warning: [] });
  assert.ok(chosen.notification_kinds.includes('returned_to_originator'));
  await call(amy, 'PATCH', '/api/v1/me/preferences', { channels: { sla_warning: ['fax'] } }, { expect: [422], invalid: true });
  assert.deepEqual((await call(amy, 'PATCH', '/api/v1/me/preferences', { channels: null })).json.channels, {});
  await call(amy, 'PATCH', '/api/v1/users/olga/away', { away: { until: '2099-01-01T00:00:00Z' } }, { expect: [403] });
  const olgaAway = (await call(admin, 'PATCH', '/api/v1/users/olga/away', { away: { from: '2098-12-01T00:00:00Z', until: '2099-01-01T00:00:00Z' } })).json;
  assert.equal(olgaAway.away.from, '2098-12-01T00:00:00Z');
  await call(admin, 'PATCH', '/api/v1/users/nobody-here/away', { away: null }, { expect: [404] });

  // A ticket from opening to closing
  const openBody = {
    workflow: 'jump-queue', title: 'Move AWB 123456789012 forward',
    fields: { awb: '123456789012', urgency: 'high', reason: 'A wedding dress for Saturday' },
    customer: { id: 'C-77', name: 'Wing On Trading', tier: 'A', phone: '+852 2345 6789' }, channel: 'phone',
  };
  const idem = { 'Idempotency-Key': `contract-${Date.now()}` };
  for (const name of Object.keys(openBody.fields)) assert.ok(jq.opening_fields.includes(name), `${name} is no opening field`);
  const notOpening = (await call(amy, 'POST', '/api/v1/tickets', { ...openBody, fields: { ...openBody.fields, reply: 'Too early' } }, { expect: [422] })).json;
  assert.ok('reply' in notOpening.error.details.fields, 'the 422 names the field the opening does not take');
  const opened = (await call(amy, 'POST', '/api/v1/tickets', openBody, { expect: [201], headers: idem })).json;
  const again = (await call(amy, 'POST', '/api/v1/tickets', openBody, { expect: [201], headers: idem })).json;
  assert.equal(again.id, opened.id);
  await call(amy, 'POST', '/api/v1/tickets', { ...openBody, title: 'Another' }, { expect: [409], headers: idem });
  await call(amy, 'POST', '/api/v1/tickets', { ...openBody, fields: { urgency: 'high' } }, { expect: [422] });
  await call(amy, 'POST', '/api/v1/tickets', { ...openBody, workflow: 'no-such-workflow' }, { expect: [404, 422] });
  const id = opened.id;
  await call(amy, 'GET', `/api/v1/tickets/${id}`);
  await call(amy, 'GET', '/api/v1/tickets/999999', undefined, { expect: [404] });
  const page = (await call(sue, 'GET', '/api/v1/tickets?queue=cs-supervisors&status=open&sort=-created&limit=1')).json;
  assert.ok(page.items.some((t) => t.id === id));
  await call(amy, 'GET', '/api/v1/tickets?originator=me&q=wedding');
  await call(amy, 'GET', '/api/v1/tickets?colour=red', undefined, { expect: [400] });
  await call(amy, 'POST', `/api/v1/tickets/${id}/comments`, { body: 'The customer called again.', internal: false }, { expect: [201] });
  // Attachments: a file in, listed on the ticket, the same bytes out; over the limit, refused
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
  const attached = (await call(amy, 'POST', `/api/v1/tickets/${id}/attachments?name=${encodeURIComponent('破损 parcel.png')}`, png, { expect: [201], file: true, contentType: 'image/png' })).json;
  assert.equal(attached.size, png.length);
  assert.equal(attached.name, '破损 parcel.png');
  assert.ok((await call(amy, 'GET', `/api/v1/tickets/${id}`)).json.attachments.some((a) => a.id === attached.id));
  const fileBack = (await call(amy, 'GET', `/api/v1/tickets/${id}/attachments/${attached.id}`)).res;
  assert.match(fileBack.headers.get('content-disposition'), /^attachment; filename="[^"]*"; filename\*=UTF-8''/);
  assert.equal(fileBack.headers.get('x-content-type-options'), 'nosniff');
  await call(amy, 'GET', `/api/v1/tickets/${id}/attachments/999999`, undefined, { expect: [404] });
  assert.equal((await call(amy, 'POST', `/api/v1/tickets/${id}/attachments`, png, { expect: [400], file: true, contentType: 'image/png' })).json.error.code, 'bad_request');
  const tooLarge = await call(amy, 'POST', `/api/v1/tickets/${id}/attachments?name=big.bin`, Buffer.alloc(21 * 1024 * 1024), { expect: [413], file: true, contentType: 'application/octet-stream' });
  assert.equal(tooLarge.json.error.code, 'payload_too_large');
  await call(sue, 'POST', `/api/v1/tickets/${id}/claim`, {});
  await call(amy, 'POST', `/api/v1/tickets/${id}/actions/approve`, {}, { expect: [403, 422] });
  await call(sue, 'POST', `/api/v1/tickets/${id}/actions/approve`, { version: 1 }, { expect: [409] });
  const approved = (await call(sue, 'POST', `/api/v1/tickets/${id}/actions/approve`, { comment: 'Go ahead' })).json;
  assert.equal(approved.state, 'expedite');
  assert.equal(approved.branches.length, 2);
  await call(gary, 'POST', `/api/v1/tickets/${id}/transfer`, { queue: 'no-such-queue', reason: 'Wrong desk', branch: 'ground' }, { expect: [404, 422] });
  await call(admin, 'POST', `/api/v1/tickets/${id}/assign`, { username: 'bill', branch: 'billing' });
  await call(admin, 'POST', `/api/v1/tickets/${id}/assign`, { username: 'no-such-user', branch: 'billing' }, { expect: [422] });
  // Someone away is marked where work is given to people: the branch's assignee, the queue's contacts.
  await call(admin, 'PATCH', '/api/v1/users/bill/away', { away: { until: '2099-01-01T00:00:00Z' } });
  assert.equal((await call(admin, 'GET', `/api/v1/tickets/${id}`)).json.branches.find((b) => b.name === 'billing').assignee_away, true);
  assert.deepEqual((await call(admin, 'GET', '/api/v1/queues')).json.find((q) => q.name === 'billing').away, ['bill']);
  await call(admin, 'PATCH', '/api/v1/users/bill/away', { away: null });
  assert.equal((await call(admin, 'GET', `/api/v1/tickets/${id}`)).json.assignee_away, false);
  const billingDone = (await call(bill, 'GET', `/api/v1/tickets/${id}`)).json.branches.find((b) => b.name === 'billing').actions.find((a) => a.name === 'done');
  assert.deepEqual(billingDone.accepts, ['billing_note']);
  const notAccepted = (await call(bill, 'POST', `/api/v1/tickets/${id}/actions/done`, { branch: 'billing', fields: { billing_note: 'Express fee HK$300', ops_note: 'Not mine' } }, { expect: [422] })).json;
  assert.ok('ops_note' in notAccepted.error.details.fields, 'the 422 names the field the action does not take');
  await call(bill, 'POST', `/api/v1/tickets/${id}/actions/done`, { branch: 'billing', fields: { billing_note: 'Express fee HK$300' } });
  const back = (await call(gary, 'POST', `/api/v1/tickets/${id}/actions/done`, { branch: 'ground', fields: { ops_note: 'On CX 101' } })).json;
  assert.equal(back.state, 'answer');
  await call(amy, 'POST', `/api/v1/tickets/${id}/actions/confirm`, {}, { expect: [422] });
  await call(amy, 'POST', `/api/v1/tickets/${id}/actions/confirm`, { fields: { reply: 'It flies on CX 101 tonight.' } });
  const closed = (await call(cathy, 'POST', `/api/v1/tickets/${id}/actions/satisfied`, {})).json;
  assert.equal(closed.status, 'closed');
  const reopened = (await call(amy, 'POST', `/api/v1/tickets/${id}/reopen`, { reason: 'The customer wrote again.' })).json;
  assert.equal(reopened.status, 'open');
  const targets = (await call(sue, 'GET', `/api/v1/tickets/${id}`)).json.transfer_targets.map((t) => t.queue);
  assert.ok(targets.length > 0 && !targets.includes('cx-coordination'), `transfer targets: ${targets}`);
  const noReason = (await call(sue, 'POST', `/api/v1/tickets/${id}/transfer`, { queue: targets[0], reason: '  ' }, { expect: [422], invalid: true })).json;
  assert.ok('reason' in noReason.error.details.fields);
  const notTarget = (await call(sue, 'POST', `/api/v1/tickets/${id}/transfer`, { queue: 'cx-coordination', reason: 'Customer Experience follows up' }, { expect: [422] })).json;
  assert.ok('queue' in notTarget.error.details.fields);
  const transferred = (await call(sue, 'POST', `/api/v1/tickets/${id}/transfer`, { queue: targets[0], reason: 'The agents follow up' })).json;
  assert.equal(transferred.queue, targets[0]);
  const events = (await call(amy, 'GET', `/api/v1/tickets/${id}/events`)).json;
  assert.ok(events.items.length >= 8);

  // Notifications (approve notifies the originator)
  const notes = (await call(amy, 'GET', '/api/v1/notifications?unread=true')).json;
  await call(amy, 'GET', '/api/v1/notifications?unread=maybe', undefined, { expect: [400] });
  if (notes.items.length > 0) await call(amy, 'POST', `/api/v1/notifications/${notes.items[0].id}/read`, undefined, { expect: [204] });
  await call(amy, 'POST', '/api/v1/notifications/999999/read', undefined, { expect: [404] });

  // Strict transport: JSON only as application/json; a change with the session cookie needs the
  // server's own Origin and the JSON content type; another origin is refused even with a token.
  const origin = { Origin: server.base };
  const comment = { body: 'Seen.' };
  const asError = async (promise, code) => assert.equal((await promise).json.error.code, code);
  await asError(call(amy, 'POST', `/api/v1/tickets/${id}/comments`, comment, { expect: [415], contentType: 'text/plain' }), 'unsupported_media_type');
  await asError(call(amy, 'POST', `/api/v1/tickets/${id}/comments`, comment, { expect: [403], headers: { Origin: 'http://evil.example' } }), 'forbidden_origin');
  const cookie = { Cookie: `baton_session=${amy}` };
  await asError(call(null, 'POST', `/api/v1/tickets/${id}/comments`, comment, { expect: [403], headers: cookie }), 'forbidden_origin');
  await asError(call(null, 'POST', `/api/v1/tickets/${id}/comments`, comment, { expect: [403], headers: { ...cookie, ...origin }, contentType: 'text/plain' }), 'forbidden_content_type');
  await call(null, 'POST', `/api/v1/tickets/${id}/comments`, comment, { expect: [201], headers: { ...cookie, ...origin } });
  await asError(call(amy, 'POST', `/api/v1/tickets/${id}/comments`, { body: 'a\u0000b' }, { expect: [400] }), 'bad_request');

  // Live updates: only as a WebSocket
  await call(amy, 'GET', '/api/v1/stream', undefined, { expect: [400] });

  // Reports: the steps the ticket above ended, as JSON and as CSV; agents get none
  const period = 'from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z';
  const steps = (await call(admin, 'GET', `/api/v1/reports/steps?${period}&by=state&workflow=jump-queue`)).json;
  assert.ok(steps.rows.some((r) => r.key === 'jump-queue/review' && r.steps >= 1), JSON.stringify(steps.rows));
  const csv = await call(sue, 'GET', `/api/v1/reports/steps?${period}&format=csv`);
  assert.match(csv.res.headers.get('content-type'), /^text\/csv/);
  await call(amy, 'GET', `/api/v1/reports/steps?${period}`, undefined, { expect: [403] });
  await call(admin, 'GET', '/api/v1/reports/steps', undefined, { expect: [400] });
  const flow = (await call(admin, 'GET', `/api/v1/reports/flow?workflow=jump-queue&${period}`)).json;
  assert.ok(flow.transitions.length > 0);
  await call(admin, 'GET', `/api/v1/reports/flow?${period}`, undefined, { expect: [400] });
  const outcomes = (await call(admin, 'GET', `/api/v1/reports/outcomes?${period}&by=department`)).json;
  assert.ok(Array.isArray(outcomes.rows), JSON.stringify(outcomes));
  await call(admin, 'GET', `/api/v1/reports/escalations?${period}`);
  const volume = (await call(sue, 'GET', `/api/v1/reports/volume?${period}&by=workflow`)).json;
  assert.ok(volume.rows.some((r) => r.key === 'jump-queue' && r.opened >= 1 && r.steps >= 1), JSON.stringify(volume));
  await call(amy, 'GET', `/api/v1/reports/volume?${period}`, undefined, { expect: [403] });
  await call(admin, 'GET', '/api/v1/reports/backlog?period=last_7_days&tz=Asia/Shanghai&by=queue');
  await call(admin, 'GET', '/api/v1/reports/backlog?period=someday', undefined, { expect: [400] });
  const satisfaction = (await call(sue, 'GET', `/api/v1/reports/satisfaction?${period}&by=assignee`)).json;
  assert.ok(Array.isArray(satisfaction.rows) && Array.isArray(satisfaction.not_solved), JSON.stringify(satisfaction));
  await call(amy, 'GET', `/api/v1/reports/satisfaction?${period}`, undefined, { expect: [403] });
  await call(admin, 'GET', `/api/v1/reports/satisfaction?${period}&by=colour`, undefined, { expect: [400] });
  const behind = (await call(admin, 'GET', `/api/v1/reports/tickets?report=steps&by=state&group=jump-queue/review&measure=steps&${period}`)).json;
  assert.ok(behind.tickets.length >= 1, JSON.stringify(behind));
  await call(amy, 'GET', `/api/v1/reports/tickets?report=steps&group=x&${period}`, undefined, { expect: [403] });

  // Delivery administration: this server has no channels.yaml, so no channel and no delivery
  const plugins = (await call(admin, 'GET', '/api/v1/admin/plugins')).json;
  assert.ok(Array.isArray(plugins.loaded), JSON.stringify(plugins));
  await call(amy, 'GET', '/api/v1/admin/plugins', undefined, { expect: [403] });
  assert.deepEqual((await call(admin, 'GET', '/api/v1/admin/channels')).json, []);
  await call(admin, 'POST', '/api/v1/admin/channels/no-such-channel/test', undefined, { expect: [404] });
  // The weekly summary needs an email channel; with none it is a 409, and only for admins.
  await call(admin, 'POST', '/api/v1/admin/weekly-summary', undefined, { expect: [409] });
  await call(sue, 'POST', '/api/v1/admin/weekly-summary', undefined, { expect: [403] });
  await call(admin, 'GET', '/api/v1/admin/deliveries?limit=10');
  await call(admin, 'POST', '/api/v1/admin/deliveries/no-such-delivery/retry', undefined, { expect: [404] });

  // Customers: created, found by phone (any spelling), changed, read with their tickets
  await call(amy, 'POST', '/api/v1/customers', { id: 'C-CONTRACT', name: '王小明', tier: 'B', phone: '+86 139 1234 5678' }, { expect: [201] });
  await call(amy, 'POST', '/api/v1/customers', { id: 'C-CONTRACT' }, { expect: [409] });
  await asError(call(amy, 'POST', '/api/v1/customers', { id: 'C-BAD', phone: 'call me' }, { expect: [422] }), 'validation_failed');
  const foundCustomers = (await call(amy, 'GET', `/api/v1/customers?q=${encodeURIComponent('0086 139-1234-5678')}`)).json;
  assert.deepEqual(foundCustomers.items.map((c) => c.id), ['C-CONTRACT']);
  await call(amy, 'GET', '/api/v1/customers', undefined, { expect: [400] });
  await call(amy, 'PATCH', '/api/v1/customers/C-CONTRACT', { email: 'wang@example.com' });
  await call(amy, 'PATCH', '/api/v1/customers/C-NONE', { email: 'x@example.com' }, { expect: [404] });
  assert.equal((await call(amy, 'GET', '/api/v1/customers/C-CONTRACT')).json.email, 'wang@example.com');
  await call(amy, 'GET', '/api/v1/customers/C-NONE', undefined, { expect: [404] });

  // Links and merging: a second contact about the same parcel, linked, then merged into the first
  const repeat = (await call(amy, 'POST', '/api/v1/tickets', { ...openBody, title: 'Second call' }, { expect: [201] })).json;
  const linkedRepeat = (await call(amy, 'POST', `/api/v1/tickets/${repeat.id}/links`, { ticket: opened.key, relation: 'relates_to' }, { expect: [201] })).json;
  assert.equal(linkedRepeat.links.at(-1).relation, 'relates_to');
  await asError(call(amy, 'POST', `/api/v1/tickets/${repeat.id}/links`, { ticket: 'JQ-999999' }, { expect: [422] }), 'validation_failed');
  const mergedRepeat = (await call(amy, 'POST', `/api/v1/tickets/${repeat.id}/merge`, { into: opened.key, reason: 'Same parcel' })).json;
  assert.equal(mergedRepeat.status, 'closed');
  await asError(call(amy, 'POST', `/api/v1/tickets/${repeat.id}/merge`, { into: opened.key }, { expect: [422] }), 'validation_failed');

  // Standard answers: published by an admin, found by any user, changed (a new version), history
  const publishedAnswer = (await call(admin, 'POST', '/api/v1/answers', {
    department: 'customer-service',
    title: { en: 'Held at customs', zh: '海关扣留' },
    body: { en: 'Dear {customer.name}, {ticket.key} is at customs.', zh: '{customer.name}您好，{ticket.key}正在清关。' },
  }, { expect: [201] })).json;
  await call(amy, 'POST', '/api/v1/answers', { department: 'customer-service', title: { en: 'x', zh: 'y' }, body: { en: 'x', zh: 'y' } }, { expect: [403] });
  await asError(call(admin, 'POST', '/api/v1/answers', { department: 'customer-service', title: { en: 'x' }, body: { en: '{nope}', zh: 'y' } }, { expect: [422] }), 'validation_failed');
  assert.equal((await call(amy, 'GET', '/api/v1/answers?q=customs')).json.items.length, 1);
  await call(amy, 'GET', `/api/v1/answers/${publishedAnswer.id}`);
  await call(admin, 'PATCH', `/api/v1/answers/${publishedAnswer.id}`, { title: { en: 'Parcel held at customs' }, version: 1 });
  await call(admin, 'PATCH', `/api/v1/answers/${publishedAnswer.id}`, { active: false, version: 1 }, { expect: [409] });
  assert.equal((await call(amy, 'GET', `/api/v1/answers/${publishedAnswer.id}/versions`)).json.items.length, 2);

  // Test clock
  await call(amy, 'GET', '/api/v1/admin/clock');
  await call(amy, 'POST', '/api/v1/admin/clock', { advance_seconds: 60 }, { expect: [403] });
  await call(admin, 'POST', '/api/v1/admin/clock', { advance_seconds: 60 });
  await call(admin, 'POST', '/api/v1/admin/clock', {}, { expect: [400] });

  // Signing out ends the token
  await call(amy, 'POST', '/api/v1/logout', undefined, { expect: [204] });
  await call(amy, 'GET', '/api/v1/me', undefined, { expect: [401] });

  const missing = [];
  for (const [template, item] of Object.entries(document.paths))
    for (const m of METHODS) if (item[m] && !exercised.has(`${m.toUpperCase()} ${template}`)) missing.push(`${m.toUpperCase()} ${template}`);
  assert.deepEqual(missing, [], 'documented operations the flow never called');
});
