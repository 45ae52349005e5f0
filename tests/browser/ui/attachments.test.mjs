// SPDX-License-Identifier: GPL-3.0-or-later
// Attachments (issue 16): an agent attaches a photo to a comment in the ticket's comment box and
// sees it on the ticket with its size and a thumbnail that the browser drew from the download
// route; the timeline records it; the link downloads the same bytes.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { World } from '../lib/harness.mjs';

const world = new World('attachments');
before(() => world.start());
after(() => world.stop());

// A 2 × 2 red PNG.
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);

world.test('a photo attached to a comment shows as a thumbnail on the ticket', async () => {
  const api = await world.apiAs('amy');
  const ticket = await api.post('/tickets', {
    workflow: 'jump-queue',
    title: 'Parcel arrived damaged',
    fields: { awb: '123456789012', urgency: 'high', held_at: 'hub', reason: 'Box crushed' },
  });

  const amy = await world.signIn('amy');
  await amy.goto(`${world.base}/#/tickets/${ticket.id}`);
  await amy.getByTestId('comment-form').waitFor();
  // The control is reachable by its label, as a screen reader user finds it.
  const input = amy.getByLabel(/Attach files|添加附件/);
  await input.setInputFiles({ name: '破损包裹.png', mimeType: 'image/png', buffer: png });
  await amy.getByTestId('comment-files-files').getByText('破损包裹.png').waitFor();
  await amy.getByTestId('comment-body').fill('Photo of the box as delivered.');
  await amy.getByTestId('comment-submit').click();

  const item = amy.locator('[data-testid=attachment][data-name="破损包裹.png"]');
  await item.waitFor();
  assert.match(await item.getByTestId('attachment-size').textContent(), /^\d+ B$/);
  const thumb = item.getByTestId('attachment-thumb');
  await thumb.waitFor();
  // Drawn: the browser fetched the image through the download route (cookie, same origin).
  await amy.waitForFunction(
    () => {
      const img = document.querySelector('[data-testid=attachment-thumb]');
      return img && img.complete && img.naturalWidth === 2;
    },
    null,
    { timeout: 15000 },
  );
  const href = await item.getByTestId('attachment-link').getAttribute('href');
  assert.match(href, new RegExp(`^/api/v1/tickets/${ticket.id}/attachments/\\d+$`));
  // The timeline says who attached what.
  await amy.getByText(/attached 破损包裹\.png|上传了附件 破损包裹\.png/).first().waitFor();
  // The same bytes come back.
  const res = await fetch(`${world.base}${href}`, { headers: { Authorization: `Bearer ${api.token}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-disposition'), /^attachment; /);
  const body = Buffer.from(await res.arrayBuffer());
  assert.ok(body.equals(png), 'the download differs from the upload');
});
