// SPDX-License-Identifier: GPL-3.0-or-later
// One report table and the section around it. Every report is a table of rows described by its
// columns: a header, a value, how the value reads, and — for counts — the tickets behind it
// (the drill-down filter). The section adds the heading, the CSV download, loading and "nothing
// in this period", so each report only says what its columns are.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useT } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { href } from '../../state/router';

export type Params = Record<string, string | undefined>;

/** The tickets behind a number: the report, group and measure the drill-down asks for. */
export interface Drill {
  report: 'steps' | 'volume' | 'outcomes' | 'escalations' | 'backlog' | 'satisfaction' | 'flow';
  group: string;
  groupTitle: string;
  measure?: string;
  date?: string;
  /** The number's name, translated when shown (the language may change meanwhile). */
  what: MessageKey;
  extra?: Params;
}

export interface ReportColumn<R> {
  /** Unique in its table: the cell's key and the end of a drillable cell's test id. */
  id: string;
  /** A message key, or a text shown as is (a date). */
  header: MessageKey | { text: string };
  value: (row: R) => number | string;
  /** How the value reads when not as is (a share, a duration). */
  format?: (row: R) => string;
  /** For a count: the tickets it stands for; a non-zero count then opens them. */
  drill?: (row: R) => Drill;
  /** Text before the value in the same cell ("met / " before a drillable count due). */
  prefix?: (row: R) => string;
  /** The cell links to this route (a ticket). */
  link?: (row: R) => string;
  /** The cell is marked as bad news (breaches) when this holds. */
  alert?: (row: R) => boolean;
  /** The row's heading (the group); otherwise a data cell. */
  heading?: boolean;
  /** Words rather than a number: not right-aligned. */
  words?: boolean;
  /** The cell's content when more than text (a change in words, coloured). */
  render?: (row: R) => ComponentChildren;
  /** What the column sorts by when not its value (a duration's seconds; null sorts last). */
  sort?: (row: R) => number | string | null;
}

interface TableProps<R> {
  columns: ReportColumn<R>[];
  rows: R[];
  rowKey: (row: R) => string;
  testid: string;
  /** Test ids of drillable cells: `${cellPrefix}-${rowKey}-${column id}`. */
  cellPrefix?: string;
  rowTestid?: (row: R) => string;
  caption?: string;
  /** Shown above the table; by default the caption is for screen readers only. */
  captionShown?: boolean;
  onDrill?: (d: Drill) => void;
  /** Headers sort the rows (by default; a table of a few fixed rows may turn it off). */
  sortable?: boolean;
}

/** A number that opens the tickets behind it (a plain number when there are none). */
function Num({ n, text, onDrill, testid }: { n: number; text: string; onDrill: () => void; testid: string }) {
  const t = useT();
  if (!n) return <span data-testid={testid}>{text}</span>;
  return (
    <button type="button" class="link-btn num-btn" onClick={onDrill} aria-label={t('rep.drill.open', { n: text })} data-testid={testid}>
      {text}
    </button>
  );
}

function columnClass<R>(c: ReportColumn<R>, row?: R) {
  if (c.words || c.heading) return undefined;
  return row !== undefined && c.alert?.(row) ? 'num breach-text' : 'num';
}

type Sort = { id: string; descending: boolean } | null;

/** The rows in the order of `sort` (a stable sort; empty values last either way). */
function sorted<R>(rows: R[], columns: ReportColumn<R>[], sort: Sort): R[] {
  const c = sort && columns.find((x) => x.id === sort.id);
  if (!c || !sort) return rows;
  const key = c.sort ?? c.value;
  const sign = sort.descending ? -1 : 1;
  return rows
    .map((row, i) => ({ row, i, v: key(row) }))
    .sort((a, b) => {
      if (a.v === null || b.v === null) return a.v === b.v ? a.i - b.i : a.v === null ? 1 : -1;
      const d = typeof a.v === 'number' && typeof b.v === 'number' ? a.v - b.v : String(a.v).localeCompare(String(b.v));
      return d ? sign * d : a.i - b.i;
    })
    .map((x) => x.row);
}

export function ReportTable<R>(p: TableProps<R>) {
  const t = useT();
  const [sort, setSort] = useState<Sort>(null);
  const sortable = p.sortable !== false && p.rows.length > 1;
  const cell = (c: ReportColumn<R>, row: R) => {
    const value = c.value(row);
    const text = c.format ? c.format(row) : String(value);
    const { drill } = c;
    let content: ComponentChildren = text;
    if (c.render) content = c.render(row);
    else if (c.link) content = <a href={href(c.link(row))}>{text}</a>;
    else if (drill && p.onDrill) {
      const onDrill = p.onDrill;
      const testid = `${p.cellPrefix}-${p.rowKey(row)}-${c.id}`;
      content = <Num n={value as number} text={text} onDrill={() => onDrill(drill(row))} testid={testid} />;
    }
    const prefix = c.prefix?.(row);
    const children = prefix ? <>{prefix}{content}</> : content;
    if (c.heading) return <th key={c.id} scope="row">{children}</th>;
    return <td key={c.id} class={columnClass(c, row)}>{children}</td>;
  };
  // Numbers sort most first (breaches, waits), words from A.
  const toggle = (c: ReportColumn<R>) =>
    setSort(sort?.id === c.id ? { id: c.id, descending: !sort.descending } : { id: c.id, descending: !(c.words || c.heading) });
  const header = (c: ReportColumn<R>) => {
    const text = typeof c.header === 'string' ? t(c.header) : c.header.text;
    const state = sort?.id === c.id ? (sort.descending ? 'descending' : 'ascending') : undefined;
    if (!sortable) return <th key={c.id} scope="col" class={columnClass(c)}>{text}</th>;
    return (
      <th key={c.id} scope="col" class={columnClass(c)} aria-sort={state}>
        <button type="button" class="sort-btn" onClick={() => toggle(c)} title={t('rep.sortBy', { what: text })} data-testid={`${p.testid}-sort-${c.id}`}>
          {text}
          <span aria-hidden="true" class="sort-mark">{state === 'descending' ? ' ▼' : state === 'ascending' ? ' ▲' : ''}</span>
        </button>
      </th>
    );
  };
  return (
    <table class="tickets report-table" data-testid={p.testid}>
      {p.caption && <caption class={p.captionShown ? undefined : 'sr-only'}>{p.caption}</caption>}
      <thead>
        <tr>{p.columns.map(header)}</tr>
      </thead>
      <tbody>
        {sorted(p.rows, p.columns, sort).map((row) => (
          <tr key={p.rowKey(row)} data-testid={p.rowTestid?.(row)}>
            {p.columns.map((c) => cell(c, row))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Loading({ err, children }: { err: string; children: ComponentChildren }) {
  const t = useT();
  if (err) return <p class="form-error" role="alert">{err}</p>;
  return children ? <>{children}</> : <p class="muted">{t('loading')}</p>;
}

interface SectionProps {
  id: string;
  title: string;
  csv: string;
  err: string;
  /** The report has answered. */
  ready: boolean;
  /** It answered with no rows. */
  empty: boolean;
  children: ComponentChildren;
}

/** A report's section: its heading with the CSV download, then its tables once it answered. */
export function ReportSection({ id, title, csv, err, ready, empty, children }: SectionProps) {
  const t = useT();
  return (
    <section class="report-section" aria-labelledby={id}>
      <div class="report-head">
        <h2 id={id}>{title}</h2>
        <a class="btn small" href={csv} download aria-label={t('rep.csvOf', { what: title })} data-testid={`csv-${id}`}>{t('rep.csv')}</a>
      </div>
      <Loading err={err}>{ready && (empty ? <p class="empty">{t('rep.empty')}</p> : children)}</Loading>
    </section>
  );
}
