// SPDX-License-Identifier: GPL-3.0-or-later
// Dates and times as an agent types them into one box (issue 16: the browser's date-time input
// is five Tab stops in Chromium). Read in the browser's zone, like the input it replaces:
//   2026-12-08 14:30   2026/12/8 1430   2026.12.08 14.30   2026年12月8日 14:30
//   12-08 14:30        (no year: the next 8 December, this year's if it has not passed)
//   today 17  tomorrow 9:30  今天 17:00  明天 9点
// A date field takes the same without the time. The form keeps the browser input's formats
// ("YYYY-MM-DDTHH:MM", "YYYY-MM-DD"), so the rest of the form code is unchanged.

const pad = (n: number) => String(n).padStart(2, '0');

function validDate(y: number, m: number, d: number): boolean {
  const probe = new Date(y, m - 1, d);
  return probe.getFullYear() === y && probe.getMonth() === m - 1 && probe.getDate() === d;
}

/** "14:30", "1430", "14.30", "14", "9点", "9点30" → [hours, minutes]; null when not a time. */
function readTime(text: string): [number, number] | null {
  const m = /^(\d{1,2})(?:[:.：点时]?(\d{2}))?(?:分)?点?$/.exec(text.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = m[2] === undefined ? 0 : Number(m[2]);
  return h < 24 && min < 60 ? [h, min] : null;
}

/** The date part: [y, m, d] or null. `today` is the instant the relative words count from. */
function readDate(text: string, today: Date): [number, number, number] | null {
  const word = text.trim().toLowerCase();
  if (word === 'today' || word === '今天' || word === 'tomorrow' || word === '明天') {
    const d = new Date(today.getFullYear(), today.getMonth(), today.getDate() + (word === 'today' || word === '今天' ? 0 : 1));
    return [d.getFullYear(), d.getMonth() + 1, d.getDate()];
  }
  const full = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(word);
  if (full) {
    const [y, m, d] = [Number(full[1]), Number(full[2]), Number(full[3])];
    return validDate(y, m, d) ? [y, m, d] : null;
  }
  const short = /^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(word);
  if (short) {
    const [m, d] = [Number(short[1]), Number(short[2])];
    let y = today.getFullYear();
    if (new Date(y, m - 1, d) < new Date(today.getFullYear(), today.getMonth(), today.getDate())) y += 1;
    return validDate(y, m, d) ? [y, m, d] : null;
  }
  return null;
}

/** An instant as the form value in the browser's zone: "YYYY-MM-DDTHH:MM". */
export function localMinute(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** An instant as the API writes it ("2026-12-08T06:30:00Z", or with an offset). */
const apiInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Whether a value is an instant as the API writes it (a ticket's date-time field). */
export function isApiInstant(value: string): boolean {
  return apiInstant.test(value) && !Number.isNaN(new Date(value).getTime());
}

/**
 * What was typed → the form value ("YYYY-MM-DDTHH:MM" with a time, "YYYY-MM-DD" without);
 * null when it is not a date (and time) this reads.
 */
export function parseTypedDateTime(text: string, withTime: boolean, today: Date = new Date()): string | null {
  const s = text.trim().replace(/\s+/g, ' ');
  if (!s) return null;
  // An instant pasted as the API writes it: the same instant in the browser's zone.
  if (withTime && apiInstant.test(s)) {
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? null : localMinute(d);
  }
  if (!withTime) {
    const d = readDate(s, today);
    return d ? `${d[0]}-${pad(d[1])}-${pad(d[2])}` : null;
  }
  // The date and the time: split at "T", a space, or where 日 ends the date.
  const m = /^(.*?)(?:[T ]|(?<=日))\s*([^ T]+)$/.exec(s);
  if (!m) return null;
  const d = readDate(m[1], today);
  const tm = readTime(m[2]);
  if (!d || !tm) return null;
  return `${d[0]}-${pad(d[1])}-${pad(d[2])}T${pad(tm[0])}:${pad(tm[1])}`;
}

/**
 * A form value as the box shows it: "2026-12-08 14:30" (a space, not the "T"). An API instant
 * (a value the ticket already has, "2026-12-08T06:30:00Z") is shown in the browser's zone.
 */
export function typedFromValue(value: string): string {
  const local = isApiInstant(value) ? localMinute(new Date(value)) : value;
  return local.replace(/^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}).*$/, '$1 $2');
}

/**
 * Whether a form value is one the box holds: what it produced (a complete date, and time when
 * asked) or, for a date-time, the API instant it was given and has not been edited.
 */
export function isDateTimeValue(value: string, withTime: boolean): boolean {
  return withTime
    ? /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) || isApiInstant(value)
    : /^\d{4}-\d{2}-\d{2}$/.test(value);
}
