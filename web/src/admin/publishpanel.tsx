// SPDX-License-Identifier: GPL-3.0-or-later
// "What will Publish change": the next version number and a line diff of the text against the
// current version, confirmed or cancelled. The workflow editor and the Organisation page use it.
import { useT } from '../i18n';
import { hunks, lineDiff } from './diff';

export function PublishPanel(props: { before: string | null; after: string; from: number; next: number; busy: boolean; err: string; onCancel: () => void; onConfirm: () => void }) {
  const t = useT();
  const lines = props.before === null ? null : hunks(lineDiff(props.before, props.after));
  return (
    <div class="publish-panel card" role="dialog" aria-labelledby="publish-h" data-testid="publish-panel">
      <h2 id="publish-h">{t('editor.publishAs', { n: props.next })}</h2>
      <h3 class="small-head">{props.before === null ? t('editor.diffNew') : t('editor.diff', { n: props.from })}</h3>
      {lines && (
        <pre class="diff" data-testid="publish-diff">
          {lines.length === 0 || lines.every((l) => !l || l.op === ' ')
            ? t('editor.noChanges')
            : lines.map((l, i) =>
                l === null ? (
                  <div key={i} class="gap">⋯</div>
                ) : (
                  <div key={i} class={l.op === '+' ? 'add' : l.op === '-' ? 'del' : 'ctx'}>
                    <span class="ln">{l.oldNo ?? ''}</span>
                    <span class="ln">{l.newNo ?? ''}</span>
                    {l.op} {l.text}
                  </div>
                ),
              )}
        </pre>
      )}
      {props.err && <div class="form-error" role="alert">{props.err}</div>}
      <div class="form-buttons">
        <button type="button" class="btn primary" disabled={props.busy} onClick={props.onConfirm} data-testid="publish-confirm">
          {t('editor.publishAs', { n: props.next })}
        </button>
        <button type="button" class="btn ghost" onClick={props.onCancel}>{t('cancel')}</button>
      </div>
    </div>
  );
}
