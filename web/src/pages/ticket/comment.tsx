// SPDX-License-Identifier: GPL-3.0-or-later
// Adding a comment (or, for the back office, an internal note) to an open ticket.
import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { FilePicker, uploadAll } from '../../components/attachments';
import type { Ticket } from '../../api/types';
import { useT } from '../../i18n';
import { AnswerTextarea } from '../../components/answerpicker';
import { submitKeys } from '../../lib/forms';
import { errorText } from '../../model/errors';
import { toast } from '../../state/toasts';

export function CommentForm({ tk, onDone }: { tk: Ticket; onDone: () => void }) {
  const t = useT();
  const [body, setBody] = useState('');
  const [internal, setInternal] = useState(false);
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  const [files, setFiles] = useState<File[]>([]);
  // Internal notes are the back office's: offered to those the server says read them.
  const backOffice = !!tk.internal_notes;
  const submit = async () => {
    if (!body.trim() && !files.length) return;
    setBusy(true);
    setErr('');
    try {
      // The comment first, then its files (each is recorded right after it on the timeline).
      if (body.trim()) await api.comment(tk.id, body.trim(), backOffice && internal);
      setBody('');
      const failed = await uploadAll(tk.id, files, t);
      setFiles([]);
      if (failed.length) setErr(failed.join(' '));
      else toast(files.length && !body.trim() ? t('attach.added') : t('ticket.commentAdded'), 'success');
      onDone();
    } catch (e) {
      setErr(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="comment-form"
      data-testid="comment-form"
      {...submitKeys(submit)}
    >
      <label for="comment-body">{t('ticket.comments')}</label>
      <AnswerTextarea id="comment-body" rows={2} value={body} onValue={setBody} context={{ ticket: tk }} data-testid="comment-body" />
      <FilePicker id="comment-files" files={files} onChange={setFiles} />
      <div class="form-buttons">
        {backOffice && (
          <label class="check" title={t('ticket.internalHint')}>
            <input type="checkbox" checked={internal} onChange={(e) => setInternal(e.currentTarget.checked)} data-testid="comment-internal" />
            {t('ticket.internal')}
          </label>
        )}
        <button type="submit" class="btn" disabled={busy || (!body.trim() && !files.length)} data-testid="comment-submit">{t('ticket.addComment')}</button>
      </div>
      {err && <div class="form-error" role="alert">{err}</div>}
    </form>
  );
}
