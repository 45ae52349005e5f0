// SPDX-License-Identifier: GPL-3.0-or-later
// Reading and editing the few parts of org.yaml the Organisation page's forms change (a queue's
// contacts, a calendar's holidays and extra workdays) in its text, line by line, so that every
// other line — comments included — stays as the admin wrote it. The server checks the result.

interface Block {
  line: number; // the key's line (0-based)
  end: number; // first line after the block
  indent: number;
}

const keyLine = /^(\s*)([A-Za-z0-9_.-]+):(.*)$/;

function indentOf(s: string) {
  return s.length - s.trimStart().length;
}

function meaningful(s: string) {
  const t = s.trim();
  return t !== '' && !t.startsWith('#');
}

function blockEnd(ls: string[], line: number, indent: number) {
  let end = line + 1;
  for (let i = line + 1; i < ls.length; i++) {
    if (!meaningful(ls[i])) continue;
    if (indentOf(ls[i]) <= indent) break;
    end = i + 1;
  }
  return end;
}

/** The block of `path` (keys from the top), or null. */
function find(ls: string[], path: string[]): Block | null {
  let from = 0;
  let to = ls.length;
  let parentIndent = -1;
  let found: Block | null = null;
  for (const key of path) {
    found = null;
    let childIndent = -1;
    for (let i = from; i < to; i++) {
      if (!meaningful(ls[i])) continue;
      const ind = indentOf(ls[i]);
      if (ind <= parentIndent) break;
      if (childIndent < 0) childIndent = ind;
      if (ind !== childIndent) continue;
      const m = keyLine.exec(ls[i]);
      if (m && m[2] === key) {
        found = { line: i, end: blockEnd(ls, i, ind), indent: ind };
        break;
      }
    }
    if (!found) return null;
    from = found.line + 1;
    to = found.end;
    parentIndent = found.indent;
  }
  return found;
}

function stripComment(s: string) {
  const i = s.search(/\s#/);
  return (i >= 0 ? s.slice(0, i) : s).trim();
}

function unquote(s: string) {
  const t = s.trim();
  return /^(['"]).*\1$/.test(t) ? t.slice(1, -1) : t;
}

/** The scalar or list at `path`: a list as its items, a scalar as one item, absent as []. */
export function readList(text: string, path: string[]): string[] {
  const ls = text.split('\n');
  const b = find(ls, path);
  if (!b) return [];
  const value = stripComment(keyLine.exec(ls[b.line])![3]);
  if (value.startsWith('[')) {
    const inner = value.replace(/^\[/, '').replace(/\]$/, '').trim();
    return inner ? inner.split(',').map(unquote).filter(Boolean) : [];
  }
  if (value) return [unquote(value)];
  const items: string[] = [];
  for (let i = b.line + 1; i < b.end; i++) {
    const t = ls[i].trim();
    if (t.startsWith('- ')) items.push(unquote(stripComment(t.slice(2))));
  }
  return items;
}

/** The names of the keys directly under `path`. */
export function childKeys(text: string, path: string[]): string[] {
  const ls = text.split('\n');
  const b = find(ls, path);
  if (!b) return [];
  const names: string[] = [];
  let childIndent = -1;
  for (let i = b.line + 1; i < b.end; i++) {
    if (!meaningful(ls[i])) continue;
    const ind = indentOf(ls[i]);
    if (childIndent < 0) childIndent = ind;
    const m = ind === childIndent ? keyLine.exec(ls[i]) : null;
    if (m) names.push(m[2]);
  }
  return names;
}

/** The top-level section and entry a 1-based line is in: ['queues', 'billing'], or []. */
export function sectionAt(text: string, line: number): string[] {
  const ls = text.split('\n');
  let section = '';
  let entry = '';
  for (let i = 0; i < Math.min(line, ls.length); i++) {
    if (!meaningful(ls[i])) continue;
    const m = keyLine.exec(ls[i]);
    if (!m) continue;
    if (m[1].length === 0) {
      section = m[2];
      entry = '';
    } else if (m[1].length === 2) entry = m[2];
  }
  return section ? (entry ? [section, entry] : [section]) : [];
}

/**
 * Sets `path`'s last key to `values` as a flow list (`key: [a, b]`), or a scalar when `scalar`;
 * nothing removes the key. A missing key is added at the end of its parent (which must exist).
 */
export function writeValue(text: string, path: string[], values: string[], scalar = false): string {
  const ls = text.split('\n');
  const key = path[path.length - 1];
  const b = find(ls, path);
  const clean = values.map((v) => v.trim()).filter(Boolean);
  const render = (indent: number, comment: string) =>
    ' '.repeat(indent) + key + ': ' + (scalar ? clean[0] ?? '' : '[' + clean.join(', ') + ']') + comment;
  if (b) {
    const m = keyLine.exec(ls[b.line])!;
    const rest = m[3];
    const c = rest.search(/\s#/);
    const comment = c >= 0 && !rest.trim().startsWith('#') ? rest.slice(c) : '';
    const replacement = clean.length ? [render(b.indent, comment)] : [];
    ls.splice(b.line, b.end - b.line, ...replacement);
    return ls.join('\n');
  }
  if (!clean.length) return text;
  const parent = find(ls, path.slice(0, -1));
  if (!parent) return text;
  // The parent's children are indented like its first child, else two more than it.
  let indent = parent.indent + 2;
  for (let i = parent.line + 1; i < parent.end; i++)
    if (meaningful(ls[i])) {
      indent = indentOf(ls[i]);
      break;
    }
  ls.splice(parent.end, 0, render(indent, ''));
  return ls.join('\n');
}

/**
 * Adds `item` to the list at `path` keeping the list's own form: a block list gets a new
 * `- item` line after its last one (the others, with their comments, stay); a flow list or a
 * missing key is written as a flow list.
 */
export function addItem(text: string, path: string[], item: string): string {
  const current = readList(text, path);
  if (current.includes(item)) return text;
  const ls = text.split('\n');
  const b = find(ls, path);
  if (b && !stripComment(keyLine.exec(ls[b.line])![3])) {
    let last = -1;
    for (let i = b.line + 1; i < b.end; i++) if (ls[i].trim().startsWith('- ')) last = i;
    if (last >= 0) {
      ls.splice(last + 1, 0, ' '.repeat(indentOf(ls[last])) + '- ' + item);
      return ls.join('\n');
    }
  }
  return writeValue(text, path, [...current, item]);
}

/** Removes `item` from the list at `path` (its own line in a block list). */
export function removeItem(text: string, path: string[], item: string): string {
  const ls = text.split('\n');
  const b = find(ls, path);
  if (!b) return text;
  if (!stripComment(keyLine.exec(ls[b.line])![3])) {
    for (let i = b.line + 1; i < b.end; i++) {
      const t = ls[i].trim();
      if (t.startsWith('- ') && unquote(stripComment(t.slice(2))) === item) {
        ls.splice(i, 1);
        return ls.join('\n');
      }
    }
    return text;
  }
  return writeValue(text, path, readList(text, path).filter((v) => v !== item));
}

const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** Monday = 0 … Sunday = 6 for a `week:` key (`sat`, `mon-fri`), [] when it is none. */
function daysOfKey(key: string): number[] {
  const [from, to = from] = key.trim().split('-');
  const a = weekdays.indexOf(from);
  const b = weekdays.indexOf(to);
  if (a < 0 || b < a) return [];
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

/**
 * A calendar's working hours by weekday (Monday first): each day's `"HH:MM-HH:MM"` intervals
 * as written under `week:`, in block form or as a flow map (`week: {mon-sun: [...]}`).
 */
export function readWeek(text: string, calendar: string): string[][] {
  const week: string[][] = weekdays.map(() => []);
  const path = ['calendars', calendar, 'week'];
  const ls = text.split('\n');
  const b = find(ls, path);
  if (!b) return week;
  const set = (key: string, intervals: string[]) => {
    for (const d of daysOfKey(key)) week[d] = intervals;
  };
  const inline = stripComment(keyLine.exec(ls[b.line])![3]);
  if (inline.startsWith('{')) {
    for (const m of inline.matchAll(/([a-z]{3}(?:-[a-z]{3})?)\s*:\s*\[([^\]]*)\]/g))
      set(m[1], m[2].split(',').map(unquote).filter(Boolean));
    return week;
  }
  for (const key of childKeys(text, path)) set(key, readList(text, [...path, key]));
  return week;
}

/** The working minutes of a day's `"HH:MM-HH:MM"` intervals. */
export function minutesOf(intervals: string[]): number {
  let total = 0;
  for (const interval of intervals) {
    const m = /^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/.exec(interval.trim());
    if (m) total += Math.max(0, +m[3] * 60 + +m[4] - (+m[1] * 60 + +m[2]));
  }
  return total;
}
