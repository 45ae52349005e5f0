// SPDX-License-Identifier: GPL-3.0-or-later
// Files on a ticket: a picker for the forms that open, comment on or act on a ticket, the
// uploads after the form's own request succeeded, and the list on the ticket page (images as
// thumbnails, drawn by the browser from the download itself).
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api/client';
import type { Attachment, Ticket } from '../api/types';
import { useT, type T } from '../i18n';
import { errorText } from '../model/errors';

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** "Attach files": a labelled file input and the chosen files, each removable. */
export function FilePicker({ id, files, onChange }: { id: string; files: File[]; onChange: (files: File[]) => void }) {
  const t = useT();
  return (
    <div class="file-picker field field-wide" data-testid={`${id}-files`}>
      <label for={id}>{t('attach.label')}</label>
      <input
        id={id}
        type="file"
        multiple
        data-testid={id}
        onChange={(e) => {
          const chosen = Array.from(e.currentTarget.files ?? []);
          onChange([...files, ...chosen]);
          e.currentTarget.value = '';
        }}
      />
      {files.length > 0 && (
        <ul class="mini-list" aria-label={t('attach.chosen')}>
          {files.map((f, i) => (
            <li key={`${f.name}-${i}`}>
              <span class="ellipsis" title={f.name}>{f.name}</span>
              <span class="muted small">{formatSize(f.size)}</span>
              <button
                type="button"
                class="btn ghost small"
                aria-label={t('attach.remove', { name: f.name })}
                onClick={() => onChange(files.filter((_, k) => k !== i))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * Uploads the files one after another to a ticket that exists now; the messages of those that
 * failed (the ticket itself is kept either way).
 */
export async function uploadAll(ticket: number, files: File[], t: T): Promise<string[]> {
  const failed: string[] = [];
  for (const f of files) {
    try {
      await api.upload(ticket, f);
    } catch (e) {
      const why = e instanceof ApiError && e.status === 413 ? t('attach.tooLarge') : errorText(e, t);
      failed.push(`${f.name}: ${why}`);
    }
  }
  return failed;
}

const isImage = (a: Attachment) => /^image\/(png|jpeg|gif|webp|bmp|avif)$/.test(a.content_type);

/** The ticket's files: name (a download), size, and a thumbnail for images. */
export function AttachmentList({ tk }: { tk: Ticket }) {
  const t = useT();
  const [broken, setBroken] = useState<Set<number>>(new Set());
  const list = tk.attachments ?? [];
  if (!list.length) return null;
  return (
    <section class="card attachments" aria-labelledby="attachments-h" data-testid="attachments">
      <h2 id="attachments-h">{t('attach.title')}</h2>
      <ul class="attachment-list">
        {list.map((a) => {
          const url = api.attachmentUrl(tk.id, a.id);
          return (
            <li key={a.id} data-testid="attachment" data-name={a.name}>
              {isImage(a) && !broken.has(a.id) && (
                <a href={url} download={a.name} class="thumb" aria-label={t('attach.download', { name: a.name })}>
                  <img
                    src={url}
                    alt={a.name}
                    loading="lazy"
                    width={96}
                    height={72}
                    data-testid="attachment-thumb"
                    onError={() => setBroken((b) => new Set(b).add(a.id))}
                  />
                </a>
              )}
              <a href={url} download={a.name} class="ellipsis" title={a.name} data-testid="attachment-link">
                {a.name}
              </a>
              <span class="muted small" data-testid="attachment-size">{formatSize(a.size)}</span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
