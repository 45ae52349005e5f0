// SPDX-License-Identifier: GPL-3.0-or-later
// An action that edits a date-time field the ticket already has (issue 16, owed since session
// 10): a custom workflow "callback" whose Reschedule action accepts `call_at`. The browser is in
// Hong Kong (UTC+8): the box shows the ticket's 06:30Z as 14:30; left alone it is not sent and the
// ticket keeps the same instant; retyped, the typed local time is sent as its instant.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { World, sourceDir } from '../lib/harness.mjs';

const CALLBACK = `workflow: callback
title: {en: Call back, zh: 回电}
start:
  roles: [agent, staff, supervisor]
  fields: [call_at, note]
fields:
  call_at: {type: datetime, label: {en: Call at, zh: 回电时间}}
  note: {type: string, label: {en: Note, zh: 备注}}
initial: waiting
states:
  waiting:
    title: {en: Waiting for the call, zh: 等待回电}
    queue: cs-supervisors
    on:
      reschedule:
        title: {en: Reschedule, zh: 改期}
        to: waiting
        fields: [call_at, note]
      called: {title: {en: Called, zh: 已回电}, to: done}
  done: {title: {en: Done, zh: 完成}, final: true}
`;

const world = new World('datetimeedit', {
  prepare(tmp) {
    const workflows = path.join(tmp, 'workflows');
    fs.cpSync(path.join(sourceDir, 'workflows'), workflows, { recursive: true });
    fs.writeFileSync(path.join(workflows, 'callback.yaml'), CALLBACK);
    return { workflows };
  },
});
before(() => world.start());
after(() => world.stop());

/** Opens Reschedule on the ticket page and returns its form and date-time box. */
async function openReschedule(page) {
  await page.getByTestId('action-reschedule').click();
  const form = page.getByTestId('action-form');
  await form.waitFor();
  return { form, box: form.getByTestId('field-call_at') };
}

/** Submits the action form and returns the body the browser sent and the ticket answered. */
async function submit(page, form) {
  const answered = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/actions/reschedule'));
  await form.getByTestId('action-submit').click();
  const res = await answered;
  assert.equal(res.status(), 200, `reschedule answered ${res.status()}: ${await res.text()}`);
  return { sent: res.request().postDataJSON(), ticket: await res.json() };
}

world.test('a date-time the ticket has: shown in local time, unchanged not sent, retyped sent as its instant', async () => {
  const sueApi = await world.apiAs('sue');
  const opened = await sueApi.post('/tickets', {
    workflow: 'callback', title: 'Call Mr Zhou back', fields: { call_at: '2026-12-08T06:30:00Z', note: 'first' },
  });
  assert.equal(opened.fields.call_at, '2026-12-08T06:30:00Z');

  const sue = await world.signIn('sue');
  await sue.goto(`${world.base}/#/tickets/${opened.id}`);
  let { form, box } = await openReschedule(sue);
  // The instant in the browser's zone (Hong Kong), read back under the box.
  assert.equal(await box.inputValue(), '2026-12-08 14:30');
  await sue.getByTestId('field-call_at-reads').filter({ hasText: '14:30' }).waitFor();

  // Only the note changes: the date-time is not sent, the ticket keeps its instant.
  await form.getByTestId('field-note').fill('second');
  let { sent, ticket } = await submit(sue, form);
  assert.equal(sent.fields.call_at, undefined, `sent ${JSON.stringify(sent)}`);
  assert.equal(sent.fields.note, 'second');
  assert.equal(ticket.fields.call_at, '2026-12-08T06:30:00Z');

  // Retyped: 9 December 09:15 in Hong Kong is 01:15Z.
  await sue.getByTestId('action-form').waitFor({ state: 'detached' });
  ({ form, box } = await openReschedule(sue));
  assert.equal(await box.inputValue(), '2026-12-08 14:30');
  await box.fill('2026-12-09 09:15');
  ({ sent, ticket } = await submit(sue, form));
  assert.equal(sent.fields.call_at, '2026-12-09T01:15:00Z');
  assert.equal(ticket.fields.call_at, '2026-12-09T01:15:00Z');

  // Typed back to the same local time it shows: the same instant, so nothing to send.
  await sue.getByTestId('action-form').waitFor({ state: 'detached' });
  ({ form, box } = await openReschedule(sue));
  assert.equal(await box.inputValue(), '2026-12-09 09:15');
  await box.fill('2026-12-09 09:15');
  ({ sent, ticket } = await submit(sue, form));
  assert.equal(sent.fields.call_at, undefined, `sent ${JSON.stringify(sent)}`);
  assert.equal(ticket.fields.call_at, '2026-12-09T01:15:00Z');
});
