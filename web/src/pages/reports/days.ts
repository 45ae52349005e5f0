// SPDX-License-Identifier: GPL-3.0-or-later
// Days of a report in the viewer's words: "Mon 7 Dec" / "12月7日 周一". A report's days are
// calendar dates in the report's zone (YYYY-MM-DD); they are formatted as dates, never through
// the browser's own zone, which may differ from the one the report was asked in.
import { lang } from '../../i18n';

const asUtc = (date: string) => {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, (m || 1) - 1, d || 1));
};

/** A day (YYYY-MM-DD) in the page's language, with its weekday; the year when asked. */
export function dayText(date: string, withYear = false, weekday = true): string {
  const zh = lang.get() === 'zh';
  return new Intl.DateTimeFormat(zh ? 'zh-CN' : 'en-GB', {
    timeZone: 'UTC', day: 'numeric', month: zh ? 'numeric' : 'short', weekday: weekday ? 'short' : undefined,
    year: withYear ? 'numeric' : undefined,
  }).format(asUtc(date));
}

/** A chart's short label of a day: "7 Dec" / "12/7". */
export function dayLabel(date: string): string {
  const zh = lang.get() === 'zh';
  const d = asUtc(date);
  return zh ? `${d.getUTCMonth() + 1}/${d.getUTCDate()}` : dayText(date, false, false);
}

/** The first and the last day (YYYY-MM-DD, in `tz`) of the period [from, to). */
export function periodDays(from: string, to: string, tz: string): [string, string] {
  const day = (ms: number) => {
    try {
      return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
    } catch {
      return new Date(ms).toISOString().slice(0, 10);
    }
  };
  return [day(Date.parse(from)), day(Date.parse(to) - 1)];
}
