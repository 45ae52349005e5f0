// SPDX-License-Identifier: GPL-3.0-or-later
// The admin's workflow editor: a mistake typed into the YAML is reported at its line (list and
// editor marks), the fix clears it, Publish shows the diff and makes the next version, and the
// next ticket opened runs on that version while an older ticket keeps its own.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { World, openJumpQueue } from '../lib/harness.mjs';
import { newJumpQueueTicket } from '../lib/flows.mjs';

const world = new World('editor');
before(() => world.start());
after(() => world.stop());

/** Puts the cursor at the end of line `n` (1-based) by keyboard, and checks it is `expected`. */
async function endOfLine(page, n, expected) {
  const editor = page.getByTestId('yaml-editor');
  await editor.click();
  await page.keyboard.press('Control+Home');
  for (let i = 1; i < n; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
  const active = page.locator('.cm-activeLine');
  assert.equal(await active.innerText(), expected, `line ${n} is not the expected one`);
}

/** Types `text` and waits for the validation of the document that contains `marker`. */
async function typeAndValidate(page, text, marker) {
  const checked = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/workflows/validate' && (r.request().postData() ?? '').includes(marker));
  if (text === 'Backspace') await page.keyboard.press('Backspace');
  else await page.keyboard.type(text);
  const res = await checked;
  assert.equal(res.status(), 200, `validate answered ${res.status()}: ${await res.text()}`);
  return res.json();
}

world.test('an admin breaks a workflow, sees the error at its line, fixes it and publishes; the next ticket uses the new version', async () => {
  const adminApi = await world.apiAs('admin');
  const current = await adminApi.get('/workflows/jump-queue');
  const lines = current.source.split('\n');
  const reviewTitle = 'title: {en: Supervisor review, zh: 主管审核}';
  const initialLine = lines.indexOf('initial: review') + 1;
  const titleLine = lines.indexOf(`    ${reviewTitle}`) + 1;
  assert.ok(initialLine > 0 && titleLine > 0, 'the shipped jump-queue.yaml changed: update this test');

  // A ticket on the current version, opened before the change.
  const amyApi = await world.apiAs('amy');
  const before = await openJumpQueue(amyApi, { title: 'Editor: opened on the old version' });
  assert.equal(before.workflow_version, current.version);

  const admin = await world.signIn('admin');
  await admin.getByTestId('nav-admin').click();
  await admin.getByTestId('edit-workflow-jump-queue').click();
  await admin.getByTestId('yaml-editor').waitFor();
  await admin.locator('[data-testid=editor-validity][data-valid=true]').waitFor();
  await admin.getByTestId('diagram').locator('svg').first().waitFor();
  await admin.getByTestId('editor-current-version').filter({ hasText: String(current.version) }).waitFor();

  // The mistake: an initial state that does not exist.
  await endOfLine(admin, initialLine, 'initial: review');
  const bad = await typeAndValidate(admin, 'x', 'initial: reviewx\n');
  assert.equal(bad.valid, false);
  assert.ok(bad.errors.some((e) => e.line === initialLine), `no error at line ${initialLine}: ${JSON.stringify(bad.errors)}`);
  await admin.locator('[data-testid=editor-validity][data-valid=false]').waitFor();
  const problem = admin.getByTestId('problems').locator('li').filter({ hasText: `Line ${initialLine},` });
  await problem.waitFor();
  assert.match(await problem.innerText(), /reviewx/);
  // Marked in the editor too: the underline sits on the line with the mistake, and Publish is off.
  await admin.locator('.cm-activeLine .cm-lintRange-error').waitFor();
  await admin.locator('.cm-gutter-lint .cm-lint-marker-error').first().waitFor();
  assert.equal(await admin.getByTestId('editor-publish').isDisabled(), true);
  await world.shot(admin, 'en-admin-editor-error');

  // The fix, then a visible change: the review step's title.
  const fixed = await typeAndValidate(admin, 'Backspace', 'initial: review\n');
  assert.equal(fixed.valid, true, JSON.stringify(fixed.errors));
  await admin.getByTestId('problems-none').waitFor();
  await endOfLine(admin, titleLine, `    ${reviewTitle}`);
  for (const _ of ', zh: 主管审核}') await admin.keyboard.press('ArrowLeft'); // to the English text's end
  const changed = await typeAndValidate(admin, ' (v2)', 'title: {en: Supervisor review (v2), zh: 主管审核}\n');
  assert.equal(changed.valid, true, JSON.stringify(changed.errors));
  await admin.locator('[data-testid=editor-validity][data-valid=true]').waitFor();

  await admin.getByTestId('editor-publish').click();
  const diff = admin.getByTestId('publish-diff');
  await diff.waitFor();
  await diff.locator('.add').filter({ hasText: 'Supervisor review (v2)' }).waitFor();
  await diff.locator('.del').filter({ hasText: 'Supervisor review' }).waitFor();
  const published = admin.waitForResponse((r) => r.request().method() === 'PUT' && new URL(r.url()).pathname === '/api/v1/workflows/jump-queue');
  await admin.getByTestId('publish-confirm').click();
  const res = await published;
  assert.equal(res.status(), 201, `publishing answered ${res.status()}: ${await res.text()}`);
  const next = (await res.json()).version;
  assert.equal(next, current.version + 1);
  await admin.getByTestId('editor-published').filter({ hasText: String(next) }).waitFor();
  await admin.getByTestId('editor-current-version').filter({ hasText: String(next) }).waitFor();
  // The version history tells each version's origin: the new one is the admin's, from the
  // editor; the first was published from the file at start.
  const mine = admin.getByTestId(`editor-version-${next}`);
  await mine.filter({ hasText: 'Editor, by admin' }).waitFor();
  assert.equal(await mine.getAttribute('data-origin'), 'user');
  const first = admin.getByTestId('editor-version-1');
  assert.equal(await first.getAttribute('data-origin'), 'file');
  assert.match(await first.innerText(), /jump-queue\.yaml/);
  assert.equal(await admin.getByTestId('editor-conflict').count(), 0);

  // The next ticket runs on the new version, and its page shows the new title.
  const amy = await world.signIn('amy');
  const ticket = await newJumpQueueTicket(amy, { title: 'Editor: opened on the new version' });
  assert.equal(ticket.workflow_version, next);
  await amy.getByTestId('created-ticket-link').click();
  await amy.getByTestId('ticket-state').filter({ hasText: 'Supervisor review (v2)' }).waitFor();

  // The older ticket stays on its version.
  const old = await amyApi.get(`/tickets/${before.id}`);
  assert.equal(old.workflow_version, current.version);
  assert.equal(old.state_title, 'Supervisor review');
});

// ---- The diagram pane's zoom ----------------------------------------------------------------

/** The drawing's and the pane's boxes, the pane's scroll state and the zoom shown. */
async function diagramState(page) {
  return page.getByTestId('diagram').evaluate((pane) => {
    const svg = pane.querySelector('.diagram-svg svg');
    const box = (el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height };
    };
    const level = document.querySelector('[data-testid=diagram-zoom-level]');
    return {
      id: svg?.id, svg: svg && box(svg), pane: box(pane),
      clientWidth: pane.clientWidth, clientHeight: pane.clientHeight,
      scrollLeft: pane.scrollLeft, scrollTop: pane.scrollTop,
      overflows: pane.scrollWidth > pane.clientWidth || pane.scrollHeight > pane.clientHeight,
      zoom: Number(level?.dataset.zoom), fit: level?.dataset.fit === 'true',
    };
  });
}

/** The whole drawing is inside the pane's visible area and fills it in one direction. */
function assertFits(s, what) {
  const inside = s.svg.left >= s.pane.left - 0.5 && s.svg.top >= s.pane.top - 0.5 &&
    s.svg.right <= s.pane.left + s.clientWidth + 0.5 && s.svg.bottom <= s.pane.top + s.clientHeight + 0.5;
  assert.ok(inside, `${what}: the diagram ${JSON.stringify(s.svg)} is not inside the pane ${JSON.stringify(s.pane)} (${s.clientWidth}×${s.clientHeight})`);
  assert.ok(s.svg.width >= s.clientWidth * 0.8 || s.svg.height >= s.clientHeight * 0.8,
    `${what}: the fitted diagram (${s.svg.width}×${s.svg.height}) does not use the pane (${s.clientWidth}×${s.clientHeight})`);
  assert.equal(s.overflows, false, `${what}: the fitted pane scrolls`);
  assert.equal(s.fit, true, `${what}: the zoom is not marked as fit`);
}

/** Waits until the zoom shown differs from `zoom` and returns the new state. */
async function afterZoomChange(page, zoom) {
  await page.locator(`[data-testid=diagram-zoom-level][data-zoom]:not([data-zoom="${zoom}"])`).waitFor();
  return diagramState(page);
}

const close = (a, b, what, tolerance = 0.02) => assert.ok(Math.abs(a / b - 1) <= tolerance, `${what}: ${a} is not about ${b}`);

world.test('the diagram of a large workflow fits its pane, zooms in and out, keeps the zoom while typing, and fits again', async () => {
  const admin = await world.signIn('admin');
  await admin.goto(`${world.base}/#/admin/workflows/complaint`);
  await admin.locator('[data-testid=editor-validity][data-valid=true]').waitFor();
  await admin.getByTestId('diagram').locator('svg').first().waitFor();
  await admin.locator('[data-testid=diagram-zoom-level][data-zoom]').waitFor();

  // The controls have accessible names (visible text or aria-label), and so has the pane.
  const controls = admin.getByRole('group', { name: 'Diagram zoom' });
  const fitButton = controls.getByRole('button', { name: 'Fit', exact: true });
  const zoomIn = controls.getByRole('button', { name: 'Zoom in', exact: true });
  const zoomOut = controls.getByRole('button', { name: 'Zoom out', exact: true });
  const actual = controls.getByRole('button', { name: 'Zoom to 100%', exact: true });
  for (const b of [fitButton, zoomIn, zoomOut, actual]) assert.equal(await b.count(), 1);
  assert.equal(await admin.getByRole('region', { name: 'State diagram' }).count(), 1);

  const fitted = await diagramState(admin);
  assertFits(fitted, 'complaint.yaml on opening');
  assert.ok(fitted.zoom < 100, `complaint.yaml should need shrinking to fit, shown at ${fitted.zoom}%`);
  assert.equal(await zoomOut.isDisabled(), true, 'zoom out below the fit is offered');
  await world.shot(admin, 'en-admin-editor-diagram-fit');

  // Zoom in by keyboard: the drawing grows by a step and the pane scrolls.
  await zoomIn.focus();
  await admin.keyboard.press('Enter');
  const once = await afterZoomChange(admin, fitted.zoom);
  close(once.svg.width, fitted.svg.width * 1.25, 'one step in');
  assert.equal(once.fit, false);
  await admin.keyboard.press('Enter');
  const zoomed = await afterZoomChange(admin, once.zoom);
  close(zoomed.svg.width, fitted.svg.width * 1.25 * 1.25, 'two steps in');
  assert.ok(zoomed.overflows, 'the zoomed diagram does not scroll');

  // Ctrl + wheel zooms around the pointer: the point under it stays put.
  const at = { x: zoomed.pane.left + zoomed.clientWidth * 0.3, y: zoomed.pane.top + zoomed.clientHeight * 0.6 };
  const fraction = (s) => ({ x: (at.x - s.svg.left) / s.svg.width, y: (at.y - s.svg.top) / s.svg.height });
  await admin.mouse.move(at.x, at.y);
  await admin.keyboard.down('Control');
  await admin.mouse.wheel(0, -200);
  await admin.keyboard.up('Control');
  const wheeled = await afterZoomChange(admin, zoomed.zoom);
  assert.ok(wheeled.zoom > zoomed.zoom, `Ctrl + wheel up zoomed out (${zoomed.zoom}% → ${wheeled.zoom}%)`);
  const [f0, f1] = [fraction(zoomed), fraction(wheeled)];
  assert.ok(Math.abs(f1.x - f0.x) * wheeled.svg.width < 2 && Math.abs(f1.y - f0.y) * wheeled.svg.height < 2,
    `the point under the pointer moved: ${JSON.stringify(f0)} → ${JSON.stringify(f1)}`);

  // Dragging pans.
  await admin.mouse.move(at.x, at.y);
  await admin.mouse.down();
  await admin.mouse.move(at.x - 120, at.y - 80, { steps: 4 });
  await admin.mouse.up();
  const dragged = await diagramState(admin);
  assert.ok(dragged.scrollLeft > wheeled.scrollLeft + 60 && dragged.scrollTop > wheeled.scrollTop + 40,
    `dragging did not pan: (${wheeled.scrollLeft}, ${wheeled.scrollTop}) → (${dragged.scrollLeft}, ${dragged.scrollTop})`);
  await world.shot(admin, 'en-admin-editor-diagram-zoomed');

  // Typing (a comment after the bilingual title's map) redraws the diagram at the same zoom
  // and scroll position.
  const lines = (await (await world.apiAs('admin')).get('/workflows/complaint')).source.split('\n');
  const titleLine = lines.findIndex((l) => /^title: /.test(l)) + 1;
  await endOfLine(admin, titleLine, lines[titleLine - 1]);
  const typed = await typeAndValidate(admin, ' # zoom', ' # zoom\n');
  assert.equal(typed.valid, true, JSON.stringify(typed.errors));
  await admin.locator(`[data-testid=diagram] svg:not([id="${dragged.id}"])`).first().waitFor();
  const redrawn = await diagramState(admin);
  assert.equal(redrawn.zoom, dragged.zoom, 'the zoom changed on a redraw');
  assert.equal(redrawn.fit, false);
  close(redrawn.svg.width, dragged.svg.width, 'the redrawn diagram\'s width', 0.01);
  assert.ok(Math.abs(redrawn.scrollLeft - dragged.scrollLeft) <= 1 && Math.abs(redrawn.scrollTop - dragged.scrollTop) <= 1,
    `the redraw scrolled the pane: (${dragged.scrollLeft}, ${dragged.scrollTop}) → (${redrawn.scrollLeft}, ${redrawn.scrollTop})`);

  // 100% draws it at Mermaid's own size; Fit brings the whole diagram back.
  await actual.click();
  const natural = await afterZoomChange(admin, redrawn.zoom);
  assert.equal(natural.zoom, 100);
  await fitButton.click();
  const refitted = await afterZoomChange(admin, 100);
  assertFits(refitted, 'after Fit');
  close(refitted.svg.width, fitted.svg.width, 'the refitted width', 0.01);
});

/** A generated workflow with `lanes` × `depth` states besides triage and closed. */
function generatedWorkflow(name, lanes, depth) {
  const out = [`workflow: ${name}`, `title: Generated ${lanes * depth + 2} states`, 'start:', '  roles: [agent]', 'fields:',
    '  summary: {type: text, label: Summary, required: true}', 'initial: triage', 'states:', '  triage:', '    title: Triage',
    '    queue: cs-supervisors', '    on:'];
  for (let l = 1; l <= lanes; l++) out.push(`      lane${l}: {to: l${l}s1}`);
  for (let l = 1; l <= lanes; l++)
    for (let s = 1; s <= depth; s++)
      out.push(`  l${l}s${s}:`, `    title: Lane ${l} step ${s}`, '    queue: cs-supervisors', '    on:',
        `      next: {to: ${s === depth ? 'closed' : `l${l}s${s + 1}`}}`);
  out.push('  closed: {final: true}', '');
  return out.join('\n');
}

world.test('a 200-state workflow\'s diagram fits its pane; the controls are named in Chinese too', async () => {
  const adminApi = await world.apiAs('admin');
  const source = generatedWorkflow('generated-200', 10, 20);
  await adminApi.call('PUT', '/workflows/generated-200', source, { headers: { 'Content-Type': 'application/yaml' } });

  const admin = await world.signIn('admin', { lang: 'zh' });
  await admin.goto(`${world.base}/#/admin/workflows/generated-200`);
  await admin.locator('[data-testid=editor-validity][data-valid=true]').waitFor();
  await admin.locator('[data-testid=diagram-zoom-level][data-zoom]').waitFor({ timeout: 60000 });
  const fitted = await diagramState(admin);
  assert.ok(await admin.getByTestId('diagram').locator('svg g.node').count() >= 200, 'the diagram lacks states');
  assertFits(fitted, 'generated-200');
  await world.shot(admin, 'zh-admin-editor-diagram-200');

  const controls = admin.getByRole('group', { name: '状态图缩放' });
  for (const name of ['适应窗格', '放大', '缩小', '缩放到 100%'])
    assert.equal(await controls.getByRole('button', { name, exact: true }).count(), 1, `no button named ${name}`);
  await controls.getByRole('button', { name: '放大', exact: true }).click();
  const zoomed = await afterZoomChange(admin, fitted.zoom);
  close(zoomed.svg.width, fitted.svg.width * 1.25, 'one step in');
  await admin.getByTestId('diagram').focus();
  await admin.keyboard.press('0');
  assertFits(await afterZoomChange(admin, zoomed.zoom), 'generated-200 after the 0 key');
});
