// SPDX-License-Identifier: GPL-3.0-or-later
// What the viewer reads when a call to the API fails: the error's code, and the server's known
// sentences (its refusals and its messages for fields, always in English) as messages in the
// viewer's language. A sentence this list does not know is shown as the server wrote it.
import { ApiError } from '../api/client';
import type { T } from '../i18n';
import type { MessageKey } from '../i18n/en';

/** A server sentence, its message key, and the names of the parts the pattern captures. */
const SENTENCES: [RegExp, MessageKey, string[]][] = [
  [/^some fields are missing or not valid$/, 'error.validation', []],
  [/^(\S+) cannot be opened for this request \((.+)\)$/s, 'server.cannotOpen', ['workflow', 'condition']],
  [/^only (.+) may open (\S+)$/, 'server.onlyMayOpen', ['roles', 'workflow']],
  [/^the condition of "(.+)" does not hold: (.+)$/s, 'server.conditionFails', ['action', 'condition']],
  [/^action "(.+)" is not available in state (\S+)$/, 'server.actionUnavailable', ['action', 'state']],
  [/^you may not take "(.+)" here$/, 'server.mayNotTake', ['action']],
  [/^several branches offer "(.+)": name the branch$/, 'server.nameBranch', ['action']],
  [/^no branch named "(.+)"$/, 'server.noBranch', ['branch']],
  [/^branch "(.+)" is already (\S+)$/, 'server.branchEnded', ['branch', 'status']],
  // Messages for one field (details.fields).
  [/^required$/, 'field.required', []],
  [/^required; it cannot be cleared$/, 'server.cannotClear', []],
  [/^required for (.+)$/, 'server.requiredFor', ['action']],
  [/^unknown field$/, 'server.unknownField', []],
  [/^at most (\d+) characters$/, 'server.atMost', ['n']],
  [/^must be A, B or C$/, 'server.tier', []],
  [/^must be one of: (.+)$/, 'server.oneOf', ['values']],
  [/^does not match the pattern (.+)$/, 'field.pattern', ['pattern']],
  [/^must be a whole number$/, 'field.int', []],
  [/^must be a number$/, 'field.decimal', []],
  [/^must be true or false$/, 'server.bool', []],
  [/^must be a date \(YYYY-MM-DD\)$/, 'server.date', []],
  [/^must be a date and time \(RFC 3339\)$/, 'server.datetime', []],
  [/^no queue named "(.+)"$/, 'server.noQueue', ['queue']],
];

/** A sentence of the server in the viewer's language; the server's own text when unknown. */
export function serverText(text: string, t: T): string {
  const s = text.trim();
  for (const [pattern, key, names] of SENTENCES) {
    const m = pattern.exec(s);
    if (m) return t(key, Object.fromEntries(names.map((n, i) => [n, m[i + 1]])));
  }
  return text;
}

/** `details.fields` of a 422, each message in the viewer's language. */
export function fieldErrorTexts(e: ApiError, t: T): Record<string, string> {
  return Object.fromEntries(Object.entries(e.fieldErrors).map(([k, v]) => [k, serverText(String(v), t)]));
}

/** A sentence for an error, in the viewer's language where the code is known. */
export function errorText(e: unknown, t: T): string {
  if (e instanceof ApiError) {
    switch (e.code) {
      case 'network':
        return t('error.server');
      case 'forbidden':
        return t('error.forbidden');
      case 'not_found':
        return t('error.notFound');
      case 'conflict':
        return t('error.conflict');
      case 'payload_too_large':
        return t('error.tooLarge');
      case 'rate_limited':
        return t('signin.rateLimited');
      case 'validation_failed':
        return e.message ? serverText(e.message, t) : t('error.validation');
    }
    if (e.status === 403) return t('error.forbidden');
    if (e.status === 404) return t('error.notFound');
    return e.message ? t('error.generic', { message: serverText(e.message, t) }) : t('error.unknown');
  }
  return t('error.unknown');
}
