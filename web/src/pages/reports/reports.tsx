// SPDX-License-Identifier: GPL-3.0-or-later
// Reports (issue 17): for a period in the viewer's zone, grouped as chosen — volume and SLA
// compliance, time in step, outcomes and handoffs, escalations, the backlog, satisfaction —
// and the workflow as a heat map. Every number opens the tickets behind it; every table
// downloads as CSV. Supervisors see their departments, admins everything (the API decides).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, reportCsvUrl } from '../../api/client';
import type {
  BacklogReport, DrillDown, EscalationReportRow, FlowReport, GroupedReport, NotSolvedAnswer, OutcomeRow, SatisfactionReport,
  SatisfactionRow, StepReportRow, VolumeRow, WorkflowDetail,
} from '../../api/types';
import { formatDuration, formatTime, lang, useT, type T } from '../../i18n';
import { dayLabel, dayText, periodDays } from './days';
import type { MessageKey } from '../../i18n/en';
import { errorText } from '../../model/errors';
import { useStore } from '../../lib/store';
import { me, ownZone, workflows } from '../../state/session';
import { BarChart, LineChart } from './charts';
import { HeatMap, type HeatColour } from './heatmap';
import { Loading, ReportSection, ReportTable, type Drill, type Params, type ReportColumn } from './reporttable';

const PERIODS = ['today', 'this_week', 'last_7_days', 'last_30_days', 'this_month', 'last_month', 'custom'] as const;
const GROUPINGS = ['department', 'queue', 'workflow', 'state', 'assignee', 'tier', 'origin'] as const;

/** Today (plus `offset` days) in `tz`, as YYYY-MM-DD. */
function localDay(tz: string, offset = 0) {
  const d = new Date(Date.now() + offset * 86400000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

/** The instant midnight begins `day` (YYYY-MM-DD) in `tz` (the offset found by two guesses: DST). */
function midnightIn(y: number, m: number, d: number, tz: string): Date {
  const asUtc = Date.UTC(y, m - 1, d);
  const offsetAt = (ms: number) => {
    const p = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
      .formatToParts(new Date(ms))
      .reduce<Record<string, number>>((o, x) => (x.type === 'literal' ? o : { ...o, [x.type]: Number(x.value) }), {});
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - ms;
  };
  let ms = asUtc - offsetAt(asUtc);
  ms = asUtc - offsetAt(ms);
  return new Date(ms);
}

/** The custom range's instants in `tz`: midnight of the first day to that after the last. */
function customRange(first: string, last: string, tz: string): { from: string; to: string } | null {
  const [y1, m1, d1] = first.split('-').map(Number);
  const [y2, m2, d2] = last.split('-').map(Number);
  if (!y1 || !y2) return null;
  const from = midnightIn(y1, m1, d1, tz);
  const to = midnightIn(y2, m2, d2 + 1, tz);
  return from < to ? { from: from.toISOString(), to: to.toISOString() } : null;
}

const pct = (part: number, whole: number) => (whole ? `${Math.round((part / whole) * 100)}%` : '—');
const ratio = (part: number, whole: number) => (whole ? part / whole : null);

export function Reports() {
  const t = useT();
  const wfs = useStore(workflows);
  const [period, setPeriod] = useState<string>('last_30_days');
  // The user's own time zone (Preferences), else the browser's: the days the report counts.
  const tz = ownZone(useStore(me));
  const [first, setFirst] = useState(localDay(tz, -6));
  const [last, setLast] = useState(localDay(tz));
  const [by, setBy] = useState<string>('department');
  const [compare, setCompare] = useState(false);
  const [workflow, setWorkflow] = useState('');
  const [colour, setColour] = useState<HeatColour>('breach');
  const [drill, setDrill] = useState<Drill | null>(null);
  const range = period === 'custom' ? customRange(first, last, tz) : null;
  const base: Params | null = period === 'custom' ? (range ? { ...range, tz } : null) : { period, tz };

  useEffect(() => {
    if (!workflow && wfs.length) setWorkflow(wfs[0].name);
  }, [wfs]);
  useEffect(() => setDrill(null), [period, first, last, by]);

  return (
    <section class="page reports" data-testid="reports-page">
      <div class="page-head">
        <h1>{t('rep.title')}</h1>
        <p class="muted">{t('rep.intro')}</p>
      </div>
      <form class="report-controls" onSubmit={(e) => e.preventDefault()}>
        <label>
          {t('rep.period')}
          <select value={period} onChange={(e) => setPeriod(e.currentTarget.value)} data-testid="rep-period">
            {PERIODS.map((p) => <option key={p} value={p}>{t(`rep.period.${p}` as MessageKey)}</option>)}
          </select>
        </label>
        {period === 'custom' && (
          <>
            <label>
              {t('rep.from')}
              <input type="date" value={first} onChange={(e) => setFirst(e.currentTarget.value)} data-testid="rep-from" />
            </label>
            <label>
              {t('rep.to')}
              <input type="date" value={last} onChange={(e) => setLast(e.currentTarget.value)} data-testid="rep-to" />
            </label>
          </>
        )}
        <label>
          {t('rep.by')}
          <select value={by} onChange={(e) => setBy(e.currentTarget.value)} data-testid="rep-by">
            {GROUPINGS.map((g) => <option key={g} value={g}>{t(`rep.by.${g}` as MessageKey)}</option>)}
          </select>
        </label>
        <label class="inline-check">
          <input type="checkbox" checked={compare} onChange={(e) => setCompare(e.currentTarget.checked)} data-testid="rep-compare" />
          {t('rep.compare')}
        </label>
        <span class="muted small">{t('rep.zone', { tz })}</span>
      </form>
      {!base ? (
        <p class="form-error" role="alert">{t('rep.badRange')}</p>
      ) : (
        <>
          {drill && <DrillPanel drill={drill} base={{ ...base, by }} onClose={() => setDrill(null)} />}
          <StepsSection base={base} by={by} compare={compare} onDrill={setDrill} />
          <VolumeSection base={base} by={by} onDrill={setDrill} />
          <OutcomesSection base={base} by={by} onDrill={setDrill} />
          <EscalationsSection base={base} by={by} onDrill={setDrill} />
          <BacklogSection base={base} onDrill={setDrill} />
          <SatisfactionSection base={base} by={by} onDrill={setDrill} />
          <section class="report-section" aria-labelledby="rep-heat">
            <div class="report-head">
              <h2 id="rep-heat">{t('rep.heat.title')}</h2>
              <label>
                {t('rep.workflow')}
                <select value={workflow} onChange={(e) => setWorkflow(e.currentTarget.value)} data-testid="rep-workflow">
                  {wfs.map((w) => <option key={w.name} value={w.name}>{w.title || w.name}</option>)}
                </select>
              </label>
              <label>
                {t('rep.colourBy')}
                <select value={colour} onChange={(e) => setColour(e.currentTarget.value as HeatColour)} data-testid="rep-colour">
                  <option value="breach">{t('rep.colour.breach')}</option>
                  <option value="median">{t('rep.colour.median')}</option>
                </select>
              </label>
            </div>
            {workflow ? <FlowSection base={base} workflow={workflow} colour={colour} onDrill={setDrill} /> : <p class="empty">{t('rep.heat.none')}</p>}
          </section>
        </>
      )}
    </section>
  );
}

/** Loads a report whenever its parameters change; the newest answer wins. */
function useReport<R>(kind: string, params: Params): { data: R | null; err: string } {
  const t = useT();
  const [state, setState] = useState<{ data: R | null; err: string }>({ data: null, err: '' });
  // Titles come in the viewer's language: a switch asks again.
  const language = useStore(lang);
  const key = JSON.stringify([kind, params, language]);
  useEffect(() => {
    let live = true;
    setState({ data: null, err: '' });
    api.report<R>(kind, params).then(
      (data) => live && setState({ data, err: '' }),
      (e) => live && setState({ data: null, err: errorText(e, t) }),
    );
    return () => {
      live = false;
    };
  }, [key]);
  return state;
}

const seconds = (s: number | null, t: T) => (s === null ? '—' : formatDuration(s, t));
const groupTitle = (key: string, title: string, t: T) => (key ? title || key : t('rep.nobody'));
const byKey = (r: { key: string }) => r.key;

type Grouped = { key: string; title: string };

/** The first column of a grouped report: the group, titled in the viewer's language. */
function groupColumn<R extends Grouped>(by: string, t: T): ReportColumn<R> {
  return { id: 'group', header: `rep.by.${by}` as MessageKey, value: (r) => groupTitle(r.key, r.title, t), heading: true };
}

/** A count of a grouped report that opens its tickets: `measure` of the row's group. */
function countColumn<R extends Grouped>(report: Drill['report'], id: keyof R & string, what: MessageKey, t: T, measure: string = id): ReportColumn<R> {
  return {
    id, header: what, value: (r) => Number(r[id]),
    drill: (r) => ({ report, group: r.key, groupTitle: groupTitle(r.key, r.title, t), measure, what }),
  };
}

/** A change between two periods in words, coloured: lower is better for breaches and waits. */
function Change({ now, before, text, testid }: { now: number | null; before: number | null; text: (d: number) => string; testid: string }) {
  const t = useT();
  if (now === null) return <span data-testid={testid}>—</span>;
  if (before === null) return <span data-testid={testid} data-change="new">{t('rep.new')}</span>;
  const d = now - before;
  if (Math.abs(d) < 1e-9) return <span data-testid={testid} data-change="same">{t('rep.same')}</span>;
  const better = d < 0;
  return (
    <span class={better ? 'delta-better' : 'delta-worse'} data-testid={testid} data-change={better ? 'better' : 'worse'}>
      {better ? '▼ ' : '▲ '}{t(better ? 'rep.better' : 'rep.worse', { d: text(Math.abs(d)) })}
    </span>
  );
}

/** The period the report answered for, in the viewer's words: first and last day and the zone. */
function PeriodLine({ from, to, tz, testid, what = 'rep.periodShown' }: { from: string; to: string; tz: string; testid: string; what?: MessageKey }) {
  const t = useT();
  const [first, last] = periodDays(from, to, tz);
  return <p class="report-period muted" data-testid={testid}>{t(what, { from: dayText(first, true), to: dayText(last, true), tz })}</p>;
}

/** A previous period's group as a row of this period in which nothing was done. */
function nothingThisPeriod(r: StepReportRow): StepReportRow {
  return {
    key: r.key, title: r.title, steps: 0, respond_met: 0, respond_due: 0, resolve_met: 0, resolve_due: 0, breached: 0,
    escalated: 0, transfers: 0, paused_steps: 0, paused_seconds: 0,
    median_business_seconds: null, p90_business_seconds: null, median_seconds: null, p90_seconds: null,
  };
}

function StepsSection({ base, by, compare, onDrill }: { base: Params; by: string; compare: boolean; onDrill: (d: Drill) => void }) {
  const t = useT();
  const params = { ...base, by, compare: compare ? 'previous' : undefined };
  const { data, err } = useReport<GroupedReport<StepReportRow>>('steps', params);
  const previous = data?.previous;
  const before = new Map((previous?.rows ?? []).map((r) => [r.key, r]));
  // A group worked only in the previous period (a step nobody finished since) is a row too, with
  // nothing this period: "has it improved?" must not hide what stopped being done.
  const current = data?.rows ?? [];
  const seen = new Set(current.map((r) => r.key));
  const rows = [...current, ...(previous?.rows ?? []).filter((r) => !seen.has(r.key)).map(nothingThisPeriod)];
  type Column = ReportColumn<StepReportRow>;
  const count = (id: keyof StepReportRow & string, what: MessageKey, measure: string = id): Column =>
    countColumn('steps', id, what, t, measure);
  const time = (id: keyof StepReportRow & string, header: MessageKey): Column =>
    ({ id, header, value: (r) => seconds(r[id] as number | null, t), sort: (r) => r[id] as number | null });
  const breachRate = (r: StepReportRow | undefined) => (r ? ratio(r.breached, r.steps) : null);
  // The previous period's numbers drill down to its own tickets.
  const earlier = previous ? { period: undefined, from: previous.from, to: previous.to } : undefined;
  const comparing: Column[] = !previous ? [] : [
    {
      id: 'prev_breached', header: 'rep.prevBreached', value: (r) => before.get(r.key)?.breached ?? 0,
      prefix: (r) => (before.get(r.key) ? `${pct(before.get(r.key)!.breached, before.get(r.key)!.steps)} · ` : ''),
      drill: (r) => ({ report: 'steps', group: r.key, groupTitle: groupTitle(r.key, r.title, t), measure: 'breached', what: 'rep.prevBreached', extra: earlier }),
    },
    {
      id: 'breach_change', header: 'rep.breachChange', words: true,
      value: (r) => {
        const now = breachRate(r), was = breachRate(before.get(r.key));
        return now === null || was === null ? '' : String(now - was);
      },
      sort: (r) => {
        const now = breachRate(r), was = breachRate(before.get(r.key));
        return now === null || was === null ? null : now - was;
      },
    },
  ];
  const sla: Column[] = [
    groupColumn(by, t),
    count('steps', 'rep.steps'),
    // "met / due": the count due opens the steps that had that target.
    { ...count('respond_due', 'rep.respond'), id: 'respond', prefix: (r) => `${r.respond_met} / ` },
    { ...count('resolve_due', 'rep.resolve'), prefix: (r) => `${r.resolve_met} / ` },
    { id: 'compliance', header: 'rep.compliance', value: (r) => pct(r.resolve_met, r.resolve_due), sort: (r) => ratio(r.resolve_met, r.resolve_due) },
    { ...count('breached', 'rep.breached'), alert: (r) => r.breached > 0 },
    { id: 'breach_rate', header: 'rep.breachRate', value: (r) => pct(r.breached, r.steps), sort: breachRate },
    ...comparing,
    count('escalated', 'rep.escalated'),
    count('transfers', 'rep.transfers'),
  ];
  const timeColumns: Column[] = [
    groupColumn(by, t),
    { ...count('steps', 'rep.medianBusiness'), id: 'median', format: (r) => seconds(r.median_business_seconds, t), sort: (r) => r.median_business_seconds },
    ...(!previous ? [] : [
      {
        ...count('steps', 'rep.prevMedian'), id: 'prev_median', value: (r: StepReportRow) => before.get(r.key)?.steps ?? 0,
        format: (r: StepReportRow) => seconds(before.get(r.key)?.median_business_seconds ?? null, t),
        sort: (r: StepReportRow) => before.get(r.key)?.median_business_seconds ?? null,
        drill: (r: StepReportRow) => ({ report: 'steps' as const, group: r.key, groupTitle: groupTitle(r.key, r.title, t), measure: 'steps', what: 'rep.prevMedian' as MessageKey, extra: earlier }),
      },
      {
        id: 'median_change', header: 'rep.medianChange' as MessageKey, words: true, value: () => '',
        sort: (r: StepReportRow) => {
          const was = before.get(r.key)?.median_business_seconds;
          return r.median_business_seconds === null || was == null ? null : r.median_business_seconds - was;
        },
      },
    ]),
    time('p90_business_seconds', 'rep.p90Business'),
    time('median_seconds', 'rep.medianClock'),
    time('p90_seconds', 'rep.p90Clock'),
    { ...count('paused_steps', 'rep.paused'), id: 'paused' },
    time('paused_seconds', 'rep.pausedTime'),
  ];
  // The change columns read in words (better / worse), coloured.
  for (const c of sla)
    if (c.id === 'breach_change')
      c.render = (r) => (
        <Change now={breachRate(r)} before={breachRate(before.get(r.key))} text={(d) => t('rep.pts', { n: Math.round(d * 100) })} testid={`steps-${r.key}-breach_change`} />
      );
  for (const c of timeColumns)
    if (c.id === 'median_change')
      c.render = (r) => (
        <Change now={r.median_business_seconds} before={before.get(r.key)?.median_business_seconds ?? null} text={(d) => formatDuration(d, t)} testid={`time-${r.key}-median_change`} />
      );
  const section = { csv: reportCsvUrl('steps', params), err, ready: !!data, empty: rows.length === 0 };
  return (
    <>
      {data && <PeriodLine from={data.from} to={data.to} tz={data.tz} testid="rep-period-shown" />}
      {previous && <PeriodLine from={previous.from} to={previous.to} tz={data!.tz} testid="rep-previous-shown" what="rep.previousShown" />}
      <ReportSection id="rep-steps" title={t('rep.sla.title')} {...section}>
        <BarChart
          testid="chart-compliance"
          label={t('rep.sla.chart')}
          bars={rows.filter((r) => r.resolve_due > 0).map((r) => ({ label: groupTitle(r.key, r.title, t), value: r.resolve_met / r.resolve_due, text: pct(r.resolve_met, r.resolve_due) }))}
        />
        <ReportTable testid="table-steps" cellPrefix="steps" caption={t('rep.sla.title')} columns={sla} rows={rows} rowKey={byKey} rowTestid={(r) => `steps-row-${r.key}`} onDrill={onDrill} />
      </ReportSection>
      <ReportSection id="rep-time" title={t('rep.time.title')} {...section}>
        <ReportTable testid="table-time" cellPrefix="time" caption={t('rep.time.title')} columns={timeColumns} rows={rows} rowKey={byKey} rowTestid={(r) => `time-row-${r.key}`} onDrill={onDrill} />
      </ReportSection>
    </>
  );
}

/** Volume: tickets opened (by their first step's group), steps finished, tickets closed. */
function VolumeSection({ base, by, onDrill }: { base: Params; by: string; onDrill: (d: Drill) => void }) {
  const t = useT();
  const params = { ...base, by };
  const { data, err } = useReport<GroupedReport<VolumeRow>>('volume', params);
  const rows = data?.rows ?? [];
  const columns: ReportColumn<VolumeRow>[] = [
    groupColumn(by, t),
    // Opened: by the first step's group; the steps and closures are those of the steps and
    // outcomes reports: their tickets.
    countColumn<VolumeRow>('volume', 'opened', 'rep.opened', t),
    countColumn<VolumeRow>('steps', 'steps', 'rep.steps', t),
    countColumn<VolumeRow>('outcomes', 'closed', 'rep.closed', t),
  ];
  return (
    <>
      {data?.backfill && (
        <p class="notice" role="status" data-testid="rep-backfill">
          {t('rep.backfill', { pct: pct(data.backfill.next_ticket, data.backfill.last_ticket || 1) })}
        </p>
      )}
      <ReportSection id="rep-volume" title={t('rep.volume.title')} csv={reportCsvUrl('volume', params)} err={err} ready={!!data} empty={rows.length === 0}>
        <ReportTable testid="table-volume" cellPrefix="volume" caption={t('rep.volume.title')} columns={columns} rows={rows} rowKey={byKey} rowTestid={(r) => `volume-row-${r.key}`} onDrill={onDrill} />
      </ReportSection>
    </>
  );
}

function OutcomesSection({ base, by, onDrill }: { base: Params; by: string; onDrill: (d: Drill) => void }) {
  const t = useT();
  const params = { ...base, by };
  const { data, err } = useReport<GroupedReport<OutcomeRow>>('outcomes', params);
  const rows = data?.rows ?? [];
  const count = (measure: keyof OutcomeRow & string, what: MessageKey) => countColumn<OutcomeRow>('outcomes', measure, what, t);
  const columns: ReportColumn<OutcomeRow>[] = [
    groupColumn(by, t),
    count('closed', 'rep.closed'), count('reopened', 'rep.reopened'), count('first_contact', 'rep.firstContact'),
    count('handoffs', 'rep.handoffs'), count('bounced', 'rep.bounced'), count('handoff_limit', 'rep.handoffLimit'), count('escalated', 'rep.escalated'),
    { id: 'reopen_rate', header: 'rep.reopenRate', value: (r) => pct(r.reopened, r.closed) },
    { id: 'first_contact_rate', header: 'rep.firstContactRate', value: (r) => pct(r.first_contact, r.closed) },
  ];
  return (
    <ReportSection id="rep-outcomes" title={t('rep.outcomes.title')} csv={reportCsvUrl('outcomes', params)} err={err} ready={!!data} empty={rows.length === 0}>
      <ReportTable testid="table-outcomes" cellPrefix="outcomes" caption={t('rep.outcomes.title')} columns={columns} rows={rows} rowKey={byKey} onDrill={onDrill} />
    </ReportSection>
  );
}

function EscalationsSection({ base, by, onDrill }: { base: Params; by: string; onDrill: (d: Drill) => void }) {
  const t = useT();
  const params = { ...base, by };
  const { data, err } = useReport<GroupedReport<EscalationReportRow>>('escalations', params);
  const rows = data?.rows ?? [];
  const movedTo = (r: EscalationReportRow) => (r.to ? r.to_title || r.to : t('rep.notifyOnly'));
  const columns: ReportColumn<EscalationReportRow>[] = [
    groupColumn(by, t),
    { id: 'to', header: 'rep.movedTo', value: movedTo, words: true },
    {
      id: 'count', header: 'rep.count', value: (r) => r.count,
      // The row's escalated steps that went to its target ("" : those that moved nothing).
      drill: (r) => ({ report: 'escalations', group: r.key, groupTitle: `${groupTitle(r.key, r.title, t)} → ${movedTo(r)}`, what: 'rep.escalated', extra: { target: r.to } }),
    },
  ];
  return (
    <ReportSection id="rep-escalations" title={t('rep.escalations.title')} csv={reportCsvUrl('escalations', params)} err={err} ready={!!data} empty={rows.length === 0}>
      <ReportTable testid="table-escalations" cellPrefix="esc" caption={t('rep.escalations.title')} columns={columns} rows={rows} rowKey={(r) => `${r.key}>${r.to}`} onDrill={onDrill} />
    </ReportSection>
  );
}

type BacklogDay = { date: string; i: number };

/** The backlog: a line per queue over the days, and a table with a row per day (a column per
 * queue), so that 90 days read as well as 7 — a column per day cut the dates to a few letters. */
function BacklogSection({ base, onDrill }: { base: Params; onDrill: (d: Drill) => void }) {
  const t = useT();
  const params = { ...base, by: 'queue' };
  const { data, err } = useReport<BacklogReport>('backlog', params);
  const rows = data?.rows ?? [];
  const days: BacklogDay[] = (data?.days ?? []).map((d, i) => ({ date: d.date, i }));
  const columns: ReportColumn<BacklogDay>[] = [
    { id: 'day', header: 'rep.day', value: (d) => dayText(d.date), sort: (d) => d.date, heading: true },
    ...rows.map((r): ReportColumn<BacklogDay> => ({
      id: r.key, header: { text: r.title || r.key }, value: (d) => r.open[d.i],
      drill: (d) => ({ report: 'backlog', group: r.key, groupTitle: `${r.title || r.key} · ${dayText(d.date)}`, date: d.date, what: 'rep.backlog.title', extra: { by: 'queue' } }),
    })),
  ];
  return (
    <ReportSection id="rep-backlog" title={t('rep.backlog.title')} csv={reportCsvUrl('backlog', params)} err={err} ready={!!data} empty={rows.length === 0}>
      <LineChart testid="chart-backlog" label={t('rep.backlog.chart')} xLabels={days.map((d) => dayLabel(d.date))} series={rows.map((r) => ({ label: r.title || r.key, values: r.open }))} />
      <div class="table-scroll">
        <ReportTable testid="table-backlog" cellPrefix="backlog" caption={t('rep.backlog.chart')} columns={columns} rows={days} rowKey={(d) => d.date} rowTestid={(d) => `backlog-day-${d.date}`} onDrill={onDrill} />
      </div>
    </ReportSection>
  );
}

function SatisfactionSection({ base, by, onDrill }: { base: Params; by: string; onDrill: (d: Drill) => void }) {
  const t = useT();
  const params = { ...base, by };
  const { data, err } = useReport<SatisfactionReport>('satisfaction', params);
  const rows = data?.rows ?? [];
  const count = (measure: 'ratings' | 'not_solved', what: MessageKey) => countColumn<SatisfactionRow>('satisfaction', measure, what, t);
  const columns: ReportColumn<SatisfactionRow>[] = [
    groupColumn(by, t),
    count('ratings', 'rep.ratings'),
    { id: 'average', header: 'rep.average', value: (r) => r.average.toFixed(2) },
    { ...count('not_solved', 'rep.notSolved'), alert: (r) => r.not_solved > 0 },
  ];
  const notSolved: ReportColumn<NotSolvedAnswer>[] = [
    { id: 'key', header: 'rep.followUp', value: (a) => a.key, link: (a) => `/tickets/${a.id}`, words: true },
    { id: 'source', header: 'rep.followedUp', value: (a) => a.source_key, link: (a) => `/tickets/${a.source}`, words: true },
    { id: 'rating', header: 'rep.rating', value: (a) => String(a.rating), words: true },
    { id: 'at', header: 'rep.recorded', value: (a) => formatTime(a.at), words: true },
    { id: 'groups', header: 'rep.workedBy', value: (a) => a.groups.join(', '), words: true },
  ];
  return (
    <ReportSection id="rep-satisfaction" title={t('rep.sat.title')} csv={reportCsvUrl('satisfaction', params)} err={err} ready={!!data} empty={rows.length === 0}>
      <ReportTable testid="table-satisfaction" cellPrefix="sat" caption={t('rep.sat.title')} columns={columns} rows={rows} rowKey={byKey} onDrill={onDrill} />
      {data && data.not_solved.length > 0 && (
        <>
          <div class="report-head">
            <h3 id="rep-not-solved">{t('rep.notSolvedList')}</h3>
            <a class="btn small" href={reportCsvUrl('satisfaction', { ...params, table: 'not_solved' })} download aria-label={t('rep.csvOf', { what: t('rep.notSolvedList') })} data-testid="csv-rep-not-solved">{t('rep.csv')}</a>
          </div>
          <ReportTable testid="table-not-solved" columns={notSolved} rows={data.not_solved} rowKey={(a) => String(a.id)} />
        </>
      )}
    </ReportSection>
  );
}

type FlowState = FlowReport['states'][number];
type FlowTransition = FlowReport['transitions'][number];
type DrillTicket = DrillDown['tickets'][number];

function FlowSection({ base, workflow, colour, onDrill }: { base: Params; workflow: string; colour: HeatColour; onDrill: (d: Drill) => void }) {
  const t = useT();
  const params = { ...base, workflow };
  const { data, err } = useReport<FlowReport>('flow', params);
  const [detail, setDetail] = useState<WorkflowDetail | null>(null);
  const language = useStore(lang);
  useEffect(() => {
    let live = true;
    setDetail(null);
    api.workflow(workflow).then((w) => live && setDetail(w), () => {});
    return () => {
      live = false;
    };
  }, [workflow, language]);
  // The heat map's numbers are the main flow's steps (the flow report's own): its drill-downs.
  const flowDrill = (state: string, title: string, measure: string, what: MessageKey): Drill =>
    ({ report: 'flow', group: state, groupTitle: title, measure, what, extra: { workflow } });
  const edgeDrill = (from: string, to: string, fromTitle: string, toTitle: string, action?: string, actionTitle?: string): Drill => ({
    report: 'flow', group: from, measure: 'transition', what: 'rep.transition',
    groupTitle: t('rep.transitionOf', { from: fromTitle, to: toTitle }) + (actionTitle ? ` (${actionTitle})` : ''),
    extra: { workflow, next: to, action },
  });
  const time = (id: 'median_business_seconds' | 'p90_business_seconds', header: MessageKey): ReportColumn<FlowState> =>
    ({ id, header, value: (s) => seconds(s[id], t), sort: (s) => s[id] });
  const titleOf = (s: FlowState) => s.title || s.state;
  const states: ReportColumn<FlowState>[] = [
    { id: 'state', header: 'rep.state', value: titleOf, heading: true },
    { id: 'entered', header: 'rep.entered', value: (s) => s.entered, drill: (s) => flowDrill(s.state, titleOf(s), 'entered', 'rep.entered') },
    { id: 'left', header: 'rep.left', value: (s) => s.left, drill: (s) => flowDrill(s.state, titleOf(s), 'left', 'rep.left') },
    { id: 'breached', header: 'rep.breached', value: (s) => s.breached, alert: (s) => s.breached > 0, drill: (s) => flowDrill(s.state, titleOf(s), 'breached', 'rep.breached') },
    { id: 'breach_rate', header: 'rep.breachRate', value: (s) => pct(s.breached, s.left), sort: (s) => ratio(s.breached, s.left) },
    time('median_business_seconds', 'rep.medianBusiness'),
    time('p90_business_seconds', 'rep.p90Business'),
  ];
  const stateTitle = (name: string) => data?.states.find((s) => s.state === name)?.title || name;
  const transitions: ReportColumn<FlowTransition>[] = [
    { id: 'from', header: 'rep.fromState', value: (x) => x.from_title || x.from, words: true },
    { id: 'to', header: 'rep.toState', value: (x) => x.to_title || x.to, words: true },
    { id: 'action', header: 'rep.action', value: (x) => x.action_title || x.action, words: true },
    {
      id: 'count', header: 'rep.count', value: (x) => x.count,
      drill: (x) => edgeDrill(x.from, x.to, x.from_title || x.from, x.to_title || x.to, x.action, x.action_title || x.action),
    },
  ];
  const diagram = detail ? t('rep.heat.diagram', { name: detail.title || workflow }) : '';
  return (
    <>
      <div class="report-head">
        <span />
        <a class="btn small" href={reportCsvUrl('flow', params)} download aria-label={t('rep.csvOf', { what: t('rep.heat.title') })} data-testid="csv-rep-flow">{t('rep.csv')}</a>
      </div>
      <Loading err={err}>
        {data && detail && (
          <>
            <p class="muted small">{t('rep.heat.legend', { what: t(colour === 'breach' ? 'rep.colour.breach' : 'rep.colour.median') })}</p>
            <div class="table-scroll">
              <HeatMap
                workflow={detail} flow={data} colour={colour} label={diagram} format={(s) => seconds(s, t)}
                edgeLabel={(from, to, n) => t('rep.edge', { from, to, n })}
                onDrill={(state, title) => onDrill(flowDrill(state, title, 'left', 'rep.left'))}
                onDrillEdge={(from, to, fromTitle, toTitle) => onDrill(edgeDrill(from, to, fromTitle || stateTitle(from), toTitle || stateTitle(to)))}
              />
            </div>
            <ReportTable testid="table-flow" cellPrefix="flow" caption={diagram} columns={states} rows={data.states} rowKey={(s) => s.state} onDrill={onDrill} />
            {data.transitions.length > 0 && (
              <ReportTable testid="table-transitions" cellPrefix="transition" caption={t('rep.transitionsTable')} captionShown columns={transitions} rows={data.transitions} rowKey={(x) => `${x.from}>${x.to}>${x.action}`} onDrill={onDrill} />
            )}
          </>
        )}
      </Loading>
    </>
  );
}

function DrillPanel({ drill, base, onClose }: { drill: Drill; base: Params; onClose: () => void }) {
  const t = useT();
  const params: Params = { ...base, ...drill.extra, report: drill.report, group: drill.group, measure: drill.measure, date: drill.date };
  const { data, err } = useReport<DrillDown>('tickets', params);
  const title = t('rep.drill.title', { what: t(drill.what), group: drill.groupTitle });
  // The list opens above the reports: brought into view (a number clicked at the heat map, far
  // below, seemed to do nothing), its heading focused so that keyboard users land there.
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.scrollIntoView?.({ block: 'start' });
    heading.current?.focus({ preventScroll: true });
  }, [drill]);
  const columns: ReportColumn<DrillTicket>[] = [
    { id: 'key', header: 'rep.key', value: (x) => x.key, link: (x) => `/tickets/${x.id}`, words: true },
    { id: 'title', header: 'rep.ticketTitle', value: (x) => x.title, words: true },
    { id: 'state', header: 'rep.state', value: (x) => x.state_title || x.state, words: true },
    { id: 'status', header: 'rep.status', value: (x) => t(x.status === 'closed' ? 'ticket.status.closed' : 'ticket.status.open'), words: true },
  ];
  return (
    <section class="report-section drill" aria-labelledby="rep-drill" aria-live="polite" data-testid="drill-panel">
      <div class="report-head">
        <h2 id="rep-drill" ref={heading} tabIndex={-1}>{title}</h2>
        <a class="btn small" href={reportCsvUrl('tickets', params)} download aria-label={t('rep.csvOf', { what: title })} data-testid="csv-rep-drill">{t('rep.csv')}</a>
        <button type="button" class="btn small" onClick={onClose} aria-label={t('rep.drill.close')} data-testid="drill-close">×</button>
      </div>
      <Loading err={err}>
        {data && (data.tickets.length === 0 ? <p class="empty">{t('rep.drill.none')}</p> : (
          <ReportTable testid="drill-table" columns={columns} rows={data.tickets} rowKey={(x) => String(x.id)} rowTestid={() => 'drill-row'} />
        ))}
        {data?.truncated && <p class="muted small">{t('rep.drill.truncated')}</p>}
      </Loading>
    </section>
  );
}
