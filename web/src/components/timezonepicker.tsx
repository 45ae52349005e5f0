// SPDX-License-Identifier: GPL-3.0-or-later
// Picking a time zone (a user's own, their quiet hours'): ~430 IANA names are too many for a
// plain select, so it is a combobox like the person picker (the keyboard contract of
// combobox.tsx). Type any part of the name ("kong", "new york") or of its name in either
// language ("香港", "Pacific Time" — on the English page as on the Chinese one: an admin types
// the city as their colleague calls it); each option shows the name and its words in the page's
// language, and the zone's offset now.
import { useMemo, useState } from 'preact/hooks';
import { lang, useT } from '../i18n';
import { useStore } from '../lib/store';
import { ComboList, useComboList } from './combobox';

/**
 * The current IANA names of zones the browser lists by an older one (its ICU keeps CLDR's ids:
 * "Asia/Calcutta" for Kolkata), so that people find and save the name they know.
 */
const CURRENT_NAMES: Record<string, string> = {
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Asia/Rangoon': 'Asia/Yangon',
  'Europe/Kiev': 'Europe/Kyiv',
  'America/Godthab': 'America/Nuuk',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
};

/** The zones the browser knows (IANA names, as the server checks them), UTC first. */
function zoneNames(): string[] {
  let names: string[] = [];
  try {
    names = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  } catch {
    /* an old browser: the typed name alone */
  }
  return ['UTC', ...names.filter((n) => n !== 'UTC').map((n) => CURRENT_NAMES[n] ?? n)];
}

/** A zone's name in `locale` in `style` ("香港时间", "GMT+8"); empty when unknown. */
function zoneName(zone: string, locale: string, style: 'longGeneric' | 'shortOffset'): string {
  try {
    const parts = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: style }).formatToParts(new Date());
    return parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
  } catch {
    return '';
  }
}

/** A zone's name in `locale` and its offset now ("香港时间 · GMT+8"); empty when unknown. */
const zoneWords = (zone: string, locale: string) =>
  [zoneName(zone, locale, 'longGeneric'), zoneName(zone, locale, 'shortOffset')].filter(Boolean).join(' · ');

interface Zone {
  id: string; // '' : the default
  words: string; // shown: in the page's language
  also: string; // found by, not shown: the name in the other language
}

/** `query` simplified for matching: lower case, '_' and '/' as spaces. */
const simple = (s: string) => s.toLowerCase().replace(/[_/]+/g, ' ').trim();

interface Props {
  /** An IANA name, or '' for the default. */
  value: string;
  onChange: (zone: string) => void;
  id: string;
  label: string;
  /** What '' means here ("The organisation's default"). */
  defaultLabel: string;
  /** Test ids: `${testid}` (the input), `${testid}-options` (the list). */
  testid: string;
}

export function TimeZonePicker({ value, onChange, id, label, defaultLabel, testid }: Props) {
  const t = useT();
  const language = useStore(lang);
  const locale = language === 'zh' ? 'zh-CN' : 'en-GB';
  const otherLocale = language === 'zh' ? 'en-GB' : 'zh-CN';
  // The zones' words in the page's language and their names in the other, made once per
  // language (≈1,300 formatters).
  const zones = useMemo<Zone[]>(
    () => zoneNames().map((id) => ({ id, words: zoneWords(id, locale), also: zoneName(id, otherLocale, 'longGeneric') })),
    [locale, otherLocale],
  );
  const [text, setText] = useState<string | null>(null); // null: not typing, the value shown
  const words = simple(text ?? '').split(/\s+/).filter(Boolean);
  const all: Zone[] = [{ id: '', words: defaultLabel, also: '' }, ...zones];
  if (value && !zones.some((z) => z.id === value)) all.push({ id: value, words: '', also: '' });
  const shown = (words.length ? all.filter((z) => z.id && words.every((w) => simple(`${z.id} ${z.words} ${z.also}`).includes(w))) : all).slice(0, 60);
  const { combo, list } = useComboList({
    items: shown,
    listId: `${id}-options`,
    key: (z) => z.id || 'default',
    onPick: (z) => {
      setText(null);
      onChange(z.id);
    },
    label: t('tz.list', { label }),
    empty: t('tz.none'),
    testid: `${testid}-options`,
    optionTestid: (z) => `${testid}-option-${z.id || 'default'}`,
  });
  const valueText = value ? value : defaultLabel;
  return (
    <div class="combo tz-picker">
      <label for={id}>{label}</label>
      <input
        id={id}
        {...combo.inputAria}
        autoComplete="off"
        spellcheck={false}
        value={text ?? valueText}
        placeholder={t('tz.findHint')}
        data-testid={testid}
        onInput={(e) => {
          setText(e.currentTarget.value);
          combo.reset();
          combo.setOpen(true);
        }}
        onFocus={(e) => {
          e.currentTarget.select();
          combo.setOpen(true);
        }}
        onKeyDown={(e) => {
          if (!combo.onKeyDown(e) && e.key === 'Enter' && !e.ctrlKey && !e.metaKey) e.preventDefault();
        }}
        onBlur={() =>
          window.setTimeout(() => {
            combo.setOpen(false);
            setText(null); // what was typed and not picked is not a choice
          }, 150)
        }
      />
      <ComboList
        {...list}
        render={(z) =>
          z.id ? (
            <>
              <strong>{z.id}</strong> {z.words && <span class="muted small">{z.words}</span>}
            </>
          ) : (
            <em>{z.words}</em>
          )
        }
      />
    </div>
  );
}
