// SPDX-License-Identifier: GPL-3.0-or-later
// Reports (issue 17): for a period in the viewer's zone, grouped as chosen — volume and SLA
// compliance, time in step, outcomes and handoffs, escalations, the backlog, satisfaction —
// and the workflow as a heat map. Every number opens the tickets behind it; every table
// downloads as CSV. Supervisors see their departments, admins everything (the API decides).
import { useEffect, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { api, reportCsvUrl } from '../../api/client';
import type {
  BacklogReport, DrillDown, EscalationReportRow, FlowReport, GroupedReport, OutcomeRow, SatisfactionReport,
  StepReportRow, WorkflowDetail,
} from '../../api/types';
import { formatDuration, formatTime, lang, useT, type T } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { errorText } from '../../model/errors';
import { useStore } from '../../lib/store';
import { href } from '../../state/router';
import { workflows } from '../../state/session';
import { BarChart, LineChart } from './charts';
import { HeatMap, type HeatColour } from './heatmap';

const PERIODS = ['today', 'this_week', 'last_7_days', 'last_30_days', 'this_month', 'custom'] as const;
const GROUPINGS = ['department', 'queue', 'workflow', 'state', 'assignee', 'tier', 'origin'] as const;
type Params = Record<string, string | undefined>;

interface Drill {
  report: 'steps' | 'outcomes' | 'backlog' | 'satisfaction';
  group: string;
  groupTitle: string;
  measure?: string;
  date?: string;
  /** The number's name, translated when shown (the language may change meanwhile). */
  what: MessageKey;
  extra?: Params;
}

const viewerZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

function localDay(offset = 0) {
  const d = new Date();
  d.setDate(d.getDate() + offset);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The custom range's instants: local midnight of the first day to that after the last. */
function customRange(first: string, last: string): { from: string; to: string } | null {
  const [y1, m1, d1] = first.split('-').map(Number);
  const [y2, m2, d2] = last.split('-').map(Number);
  if (!y1 || !y2) return null;
  const from = new Date(y1, m1 - 1, d1);
  const to = new Date(y2, m2 - 1, d2 + 1);
  return from < to ? { from: from.toISOString(), to: to.toISOString() } : null;
}

const pct = (part: number, whole: number) => (whole ? `${Math.round((part / whole) * 100)}%` : '—');

export function Reports() {
  const t = useT();
  const wfs = useStore(workflows);
  const [period, setPeriod] = useState<string>('last_30_days');
  const [first, setFirst] = useState(localDay(-6));
  const [last, setLast] = useState(localDay());
  const [by, setBy] = useState<string>('department');
  const [workflow, setWorkflow] = useState('');
  const [colour, setColour] = useState<HeatColour>('breach');
  const [drill, setDrill] = useState<Drill | null>(null);
  const tz = viewerZone();
  const range = period === 'custom' ? customRange(first, last) : null;
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
        <span class="muted small">{t('rep.zone', { tz })}</span>
      </form>
      {!base ? (
        <p class="form-error" role="alert">{t('rep.badRange')}</p>
      ) : (
        <>
          {drill && <DrillPanel drill={drill} base={{ ...base, by }} onClose={() => setDrill(null)} />}
          <StepsSection base={base} by={by} onDrill={setDrill} />
          <OutcomesSection base={base} by={by} onDrill={setDrill} />
          <EscalationsSection base={base} by={by} />
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

function SectionHead({ id, title, csv, what }: { id: string; title: string; csv: string; what: string }) {
  const t = useT();
  return (
    <div class="report-head">
      <h2 id={id}>{title}</h2>
      <a class="btn small" href={csv} download aria-label={t('rep.csvOf', { what })} data-testid={`csv-${id}`}>{t('rep.csv')}</a>
    </div>
  );
}

function Loading({ err, children }: { err: string; children: ComponentChildren }) {
  const t = useT();
  if (err) return <p class="form-error" role="alert">{err}</p>;
  return children ? <>{children}</> : <p class="muted">{t('loading')}</p>;
}

/** A number that opens the tickets behind it (a plain number when there are none). */
function Num({ n, text, onDrill, testid }: { n: number; text?: string; onDrill: () => void; testid: string }) {
  const t = useT();
  const shown = text ?? String(n);
  if (!n) return <span data-testid={testid}>{shown}</span>;
  return (
    <button type="button" class="link-btn num-btn" onClick={onDrill} aria-label={t('rep.drill.open', { n: shown })} data-testid={testid}>
      {shown}
    </button>
  );
}

const seconds = (s: number | null, t: T) => (s === null ? '—' : formatDuration(s, t));
const groupTitle = (key: string, title: string, t: T) => (key ? title || key : t('rep.nobody'));

function StepsSection({ base, by, onDrill }: { base: Params; by: string; onDrill: (d: Drill) => void }) {
  const t = useT();
  const params = { ...base, by };
  const { data, err } = useReport<GroupedReport<StepReportRow>>('steps', params);
  const rows = data?.rows ?? [];
  const drill = (r: StepReportRow, measure: string, what: MessageKey) => () =>
    onDrill({ report: 'steps', group: r.key, groupTitle: groupTitle(r.key, r.title, t), measure, what });
  return (
    <>
      <section class="report-section" aria-labelledby="rep-steps">
        <SectionHead id="rep-steps" title={t('rep.sla.title')} csv={reportCsvUrl('steps', params)} what={t('rep.sla.title')} />
        <Loading err={err}>
          {data && (rows.length === 0 ? <p class="empty">{t('rep.empty')}</p> : (
            <>
              <BarChart
                testid="chart-compliance"
                label={t('rep.sla.chart')}
                bars={rows.filter((r) => r.resolve_due > 0).map((r) => ({ label: groupTitle(r.key, r.title, t), value: r.resolve_met / r.resolve_due, text: pct(r.resolve_met, r.resolve_due) }))}
              />
              <table class="tickets report-table" data-testid="table-steps">
                <caption class="sr-only">{t('rep.sla.title')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t(`rep.by.${by}` as MessageKey)}</th>
                    <th scope="col" class="num">{t('rep.steps')}</th>
                    <th scope="col" class="num">{t('rep.respond')}</th>
                    <th scope="col" class="num">{t('rep.resolve')}</th>
                    <th scope="col" class="num">{t('rep.compliance')}</th>
                    <th scope="col" class="num">{t('rep.breached')}</th>
                    <th scope="col" class="num">{t('rep.escalated')}</th>
                    <th scope="col" class="num">{t('rep.transfers')}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.key} data-testid={`steps-row-${r.key}`}>
                      <th scope="row">{groupTitle(r.key, r.title, t)}</th>
                      <td class="num"><Num n={r.steps} onDrill={drill(r, 'steps', 'rep.steps')} testid={`steps-${r.key}-steps`} /></td>
                      <td class="num">{r.respond_met} / {r.respond_due}</td>
                      <td class="num">{r.resolve_met} / <Num n={r.resolve_due} onDrill={drill(r, 'steps', 'rep.resolve')} testid={`steps-${r.key}-resolve_due`} /></td>
                      <td class="num">{pct(r.resolve_met, r.resolve_due)}</td>
                      <td class={`num${r.breached ? ' breach-text' : ''}`}><Num n={r.breached} onDrill={drill(r, 'breached', 'rep.breached')} testid={`steps-${r.key}-breached`} /></td>
                      <td class="num"><Num n={r.escalated} onDrill={drill(r, 'escalated', 'rep.escalated')} testid={`steps-${r.key}-escalated`} /></td>
                      <td class="num"><Num n={r.transfers} onDrill={drill(r, 'transfers', 'rep.transfers')} testid={`steps-${r.key}-transfers`} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ))}
        </Loading>
      </section>
      <section class="report-section" aria-labelledby="rep-time">
        <SectionHead id="rep-time" title={t('rep.time.title')} csv={reportCsvUrl('steps', params)} what={t('rep.time.title')} />
        <Loading err={err}>
          {data && (rows.length === 0 ? <p class="empty">{t('rep.empty')}</p> : (
            <table class="tickets report-table" data-testid="table-time">
              <caption class="sr-only">{t('rep.time.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t(`rep.by.${by}` as MessageKey)}</th>
                  <th scope="col" class="num">{t('rep.medianBusiness')}</th>
                  <th scope="col" class="num">{t('rep.p90Business')}</th>
                  <th scope="col" class="num">{t('rep.medianClock')}</th>
                  <th scope="col" class="num">{t('rep.p90Clock')}</th>
                  <th scope="col" class="num">{t('rep.paused')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.key}>
                    <th scope="row">{groupTitle(r.key, r.title, t)}</th>
                    <td class="num"><Num n={r.steps} text={seconds(r.median_business_seconds, t)} onDrill={drill(r, 'steps', 'rep.medianBusiness')} testid={`time-${r.key}-median`} /></td>
                    <td class="num">{seconds(r.p90_business_seconds, t)}</td>
                    <td class="num">{seconds(r.median_seconds, t)}</td>
                    <td class="num">{seconds(r.p90_seconds, t)}</td>
                    <td class="num"><Num n={r.paused_steps} onDrill={drill(r, 'paused_steps', 'rep.paused')} testid={`time-${r.key}-paused`} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
        </Loading>
      </section>
    </>
  );
}

function OutcomesSection({ base, by, onDrill }: { base: Params; by: string; onDrill: (d: Drill) => void }) {
  const t = useT();
  const params = { ...base, by };
  const { data, err } = useReport<GroupedReport<OutcomeRow>>('outcomes', params);
  const rows = data?.rows ?? [];
  const cells: [keyof OutcomeRow, MessageKey][] = [
    ['closed', 'rep.closed'], ['reopened', 'rep.reopened'], ['first_contact', 'rep.firstContact'],
    ['handoffs', 'rep.handoffs'], ['bounced', 'rep.bounced'], ['handoff_limit', 'rep.handoffLimit'], ['escalated', 'rep.escalated'],
  ];
  return (
    <section class="report-section" aria-labelledby="rep-outcomes">
      <SectionHead id="rep-outcomes" title={t('rep.outcomes.title')} csv={reportCsvUrl('outcomes', params)} what={t('rep.outcomes.title')} />
      <Loading err={err}>
        {data && (rows.length === 0 ? <p class="empty">{t('rep.empty')}</p> : (
          <table class="tickets report-table" data-testid="table-outcomes">
            <caption class="sr-only">{t('rep.outcomes.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t(`rep.by.${by}` as MessageKey)}</th>
                {cells.map(([, label]) => <th key={label} scope="col" class="num">{t(label)}</th>)}
                <th scope="col" class="num">{t('rep.reopenRate')}</th>
                <th scope="col" class="num">{t('rep.firstContactRate')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.key}>
                  <th scope="row">{groupTitle(r.key, r.title, t)}</th>
                  {cells.map(([measure, label]) => (
                    <td key={measure} class="num">
                      <Num n={r[measure] as number} testid={`outcomes-${r.key}-${measure}`} onDrill={() => onDrill({ report: 'outcomes', group: r.key, groupTitle: groupTitle(r.key, r.title, t), measure, what: label })} />
                    </td>
                  ))}
                  <td class="num">{pct(r.reopened, r.closed)}</td>
                  <td class="num">{pct(r.first_contact, r.closed)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      </Loading>
    </section>
  );
}

function EscalationsSection({ base, by }: { base: Params; by: string }) {
  const t = useT();
  const params = { ...base, by };
  const { data, err } = useReport<GroupedReport<EscalationReportRow>>('escalations', params);
  const rows = data?.rows ?? [];
  return (
    <section class="report-section" aria-labelledby="rep-escalations">
      <SectionHead id="rep-escalations" title={t('rep.escalations.title')} csv={reportCsvUrl('escalations', params)} what={t('rep.escalations.title')} />
      <Loading err={err}>
        {data && (rows.length === 0 ? <p class="empty">{t('rep.empty')}</p> : (
          <table class="tickets report-table" data-testid="table-escalations">
            <caption class="sr-only">{t('rep.escalations.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t(`rep.by.${by}` as MessageKey)}</th>
                <th scope="col">{t('rep.movedTo')}</th>
                <th scope="col" class="num">{t('rep.count')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.key}>${r.to}`}>
                  <th scope="row">{groupTitle(r.key, r.title, t)}</th>
                  <td>{r.to ? r.to_title || r.to : t('rep.notifyOnly')}</td>
                  <td class="num">{r.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      </Loading>
    </section>
  );
}

function BacklogSection({ base, onDrill }: { base: Params; onDrill: (d: Drill) => void }) {
  const t = useT();
  const params = { ...base, by: 'queue' };
  const { data, err } = useReport<BacklogReport>('backlog', params);
  const rows = data?.rows ?? [];
  const days = data?.days ?? [];
  return (
    <section class="report-section" aria-labelledby="rep-backlog">
      <SectionHead id="rep-backlog" title={t('rep.backlog.title')} csv={reportCsvUrl('backlog', params)} what={t('rep.backlog.title')} />
      <Loading err={err}>
        {data && (rows.length === 0 ? <p class="empty">{t('rep.empty')}</p> : (
          <>
            <LineChart testid="chart-backlog" label={t('rep.backlog.chart')} xLabels={days.map((d) => d.date)} series={rows.map((r) => ({ label: r.title || r.key, values: r.open }))} />
            <div class="table-scroll">
              <table class="tickets report-table" data-testid="table-backlog">
                <caption class="sr-only">{t('rep.backlog.chart')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('rep.queue')}</th>
                    {days.map((d) => <th key={d.date} scope="col" class="num">{d.date.slice(5)}</th>)}
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.key}>
                      <th scope="row">{r.title || r.key}</th>
                      {r.open.map((n, i) => (
                        <td key={days[i].date} class="num">
                          <Num n={n} testid={`backlog-${r.key}-${days[i].date}`} onDrill={() => onDrill({ report: 'backlog', group: r.key, groupTitle: `${r.title || r.key} · ${days[i].date}`, date: days[i].date, what: 'rep.backlog.title', extra: { by: 'queue' } })} />
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ))}
      </Loading>
    </section>
  );
}

function SatisfactionSection({ base, by, onDrill }: { base: Params; by: string; onDrill: (d: Drill) => void }) {
  const t = useT();
  const params = { ...base, by };
  const { data, err } = useReport<SatisfactionReport>('satisfaction', params);
  const rows = data?.rows ?? [];
  const drill = (key: string, title: string, measure: string, what: MessageKey) => () =>
    onDrill({ report: 'satisfaction', group: key, groupTitle: groupTitle(key, title, t), measure, what });
  return (
    <section class="report-section" aria-labelledby="rep-satisfaction">
      <SectionHead id="rep-satisfaction" title={t('rep.sat.title')} csv={reportCsvUrl('satisfaction', params)} what={t('rep.sat.title')} />
      <Loading err={err}>
        {data && (rows.length === 0 ? <p class="empty">{t('rep.empty')}</p> : (
          <>
            <table class="tickets report-table" data-testid="table-satisfaction">
              <caption class="sr-only">{t('rep.sat.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t(`rep.by.${by}` as MessageKey)}</th>
                  <th scope="col" class="num">{t('rep.ratings')}</th>
                  <th scope="col" class="num">{t('rep.average')}</th>
                  <th scope="col" class="num">{t('rep.notSolved')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.key}>
                    <th scope="row">{groupTitle(r.key, r.title, t)}</th>
                    <td class="num"><Num n={r.ratings} onDrill={drill(r.key, r.title, 'ratings', 'rep.ratings')} testid={`sat-${r.key}-ratings`} /></td>
                    <td class="num">{r.average.toFixed(2)}</td>
                    <td class={`num${r.not_solved ? ' breach-text' : ''}`}><Num n={r.not_solved} onDrill={drill(r.key, r.title, 'not_solved', 'rep.notSolved')} testid={`sat-${r.key}-not_solved`} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
            {data.not_solved.length > 0 && (
              <>
                <h3>{t('rep.notSolvedList')}</h3>
                <table class="tickets report-table" data-testid="table-not-solved">
                  <thead>
                    <tr>
                      <th scope="col">{t('rep.followUp')}</th>
                      <th scope="col">{t('rep.followedUp')}</th>
                      <th scope="col">{t('rep.rating')}</th>
                      <th scope="col">{t('rep.recorded')}</th>
                      <th scope="col">{t('rep.workedBy')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.not_solved.map((a) => (
                      <tr key={a.id}>
                        <td><a href={href(`/tickets/${a.id}`)}>{a.key}</a></td>
                        <td><a href={href(`/tickets/${a.source}`)}>{a.source_key}</a></td>
                        <td>{String(a.rating)}</td>
                        <td>{formatTime(a.at)}</td>
                        <td>{a.groups.join(', ')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
          </>
        ))}
      </Loading>
    </section>
  );
}

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
  const drillState = (state: string, title: string) =>
    onDrill({ report: 'steps', group: `${workflow}/${state}`, groupTitle: title, measure: 'steps', what: 'rep.steps', extra: { by: 'state', workflow } });
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
              <HeatMap workflow={detail} flow={data} colour={colour} label={t('rep.heat.diagram', { name: detail.title || workflow })} format={(s) => seconds(s, t)} onDrill={drillState} />
            </div>
            <table class="tickets report-table" data-testid="table-flow">
              <caption class="sr-only">{t('rep.heat.diagram', { name: detail.title || workflow })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('rep.state')}</th>
                  <th scope="col" class="num">{t('rep.entered')}</th>
                  <th scope="col" class="num">{t('rep.left')}</th>
                  <th scope="col" class="num">{t('rep.breached')}</th>
                  <th scope="col" class="num">{t('rep.breachRate')}</th>
                  <th scope="col" class="num">{t('rep.medianBusiness')}</th>
                  <th scope="col" class="num">{t('rep.p90Business')}</th>
                </tr>
              </thead>
              <tbody>
                {data.states.map((s) => (
                  <tr key={s.state}>
                    <th scope="row">{s.title || s.state}</th>
                    <td class="num">{s.entered}</td>
                    <td class="num"><Num n={s.left} onDrill={() => drillState(s.state, s.title || s.state)} testid={`flow-${s.state}-left`} /></td>
                    <td class="num">{s.breached}</td>
                    <td class="num">{pct(s.breached, s.left)}</td>
                    <td class="num">{seconds(s.median_business_seconds, t)}</td>
                    <td class="num">{seconds(s.p90_business_seconds, t)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {data.transitions.length > 0 && (
              <table class="tickets report-table" data-testid="table-transitions">
                <caption>{t('rep.transitionsTable')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('rep.fromState')}</th>
                    <th scope="col">{t('rep.toState')}</th>
                    <th scope="col">{t('rep.action')}</th>
                    <th scope="col" class="num">{t('rep.count')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.transitions.map((x) => (
                    <tr key={`${x.from}>${x.to}>${x.action}`}>
                      <td>{x.from}</td>
                      <td>{x.to}</td>
                      <td>{x.action}</td>
                      <td class="num">{x.count}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
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
  return (
    <section class="report-section drill" aria-labelledby="rep-drill" aria-live="polite" data-testid="drill-panel">
      <div class="report-head">
        <h2 id="rep-drill">{t('rep.drill.title', { what: t(drill.what), group: drill.groupTitle })}</h2>
        <button type="button" class="btn small" onClick={onClose} aria-label={t('rep.drill.close')} data-testid="drill-close">×</button>
      </div>
      <Loading err={err}>
        {data && (data.tickets.length === 0 ? <p class="empty">{t('rep.drill.none')}</p> : (
          <table class="tickets report-table" data-testid="drill-table">
            <thead>
              <tr>
                <th scope="col">{t('rep.key')}</th>
                <th scope="col">{t('rep.ticketTitle')}</th>
                <th scope="col">{t('rep.state')}</th>
                <th scope="col">{t('rep.status')}</th>
              </tr>
            </thead>
            <tbody>
              {data.tickets.map((x) => (
                <tr key={x.id} data-testid="drill-row">
                  <td><a href={href(`/tickets/${x.id}`)}>{x.key}</a></td>
                  <td>{x.title}</td>
                  <td>{x.state}</td>
                  <td>{x.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
        {data?.truncated && <p class="muted small">{t('rep.drill.truncated')}</p>}
      </Loading>
    </section>
  );
}
