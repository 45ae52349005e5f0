// SPDX-License-Identifier: GPL-3.0-or-later
// What the viewer reads when a call to the API fails.
import { ApiError } from '../api/client';
import type { T } from '../i18n';

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
        return e.message || t('error.validation');
    }
    if (e.status === 403) return t('error.forbidden');
    if (e.status === 404) return t('error.notFound');
    return e.message ? t('error.generic', { message: e.message }) : t('error.unknown');
  }
  return t('error.unknown');
}
