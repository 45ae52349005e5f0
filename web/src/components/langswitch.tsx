// SPDX-License-Identifier: GPL-3.0-or-later
// The language choice (English or Simplified Chinese), on the sign-in page and in the top bar.
import { lang, setLang, useT, type Lang } from '../i18n';
import { useStore } from '../lib/store';

export function LangSwitch({ testid }: { testid: string }) {
  const t = useT();
  const l = useStore(lang);
  return (
    <label class="lang-switch">
      <span class="sr-only">{t('lang.label')}</span>
      <select value={l} onChange={(e) => setLang(e.currentTarget.value as Lang)} aria-label={t('lang.label')} data-testid={testid}>
        <option value="en">{t('lang.en')}</option>
        <option value="zh">{t('lang.zh')}</option>
      </select>
    </label>
  );
}
