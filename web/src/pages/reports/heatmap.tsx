// SPDX-License-Identifier: GPL-3.0-or-later
// "Where tickets wait": the workflow's states laid out in columns by distance from the initial
// state, each coloured by its breach rate or median business time, and the transitions drawn
// as thick as the number of tickets that took them. Our own SVG rather than the editor's
// Mermaid diagram: Mermaid's state diagrams cannot give one arrow another width, and its node
// ids are the server's, not the states'; here every state is a control that drills down.
import type { FlowReport, WorkflowDetail } from '../../api/types';
import { clip } from './charts';

export type HeatColour = 'breach' | 'median';

interface Node {
  name: string;
  title: string;
  x: number;
  y: number;
  value: number;
  text: string;
}

const W = 150;
const H = 48;
const GAP_X = 70;
const GAP_Y = 24;

/** Columns by breadth-first distance from the initial state; unreachable ones last. */
function layers(workflow: WorkflowDetail & { initial?: string }): string[][] {
  const names = workflow.states.map((s) => s.name);
  const next = new Map(workflow.states.map((s) => [s.name, (s.transitions ?? []).map((t) => t.to).filter((t): t is string => !!t && names.includes(t))]));
  const start = workflow.initial && names.includes(workflow.initial) ? workflow.initial : names[0];
  const depth = new Map<string, number>([[start, 0]]);
  const queue = [start];
  while (queue.length) {
    const s = queue.shift()!;
    for (const t of next.get(s) ?? [])
      if (!depth.has(t)) {
        depth.set(t, depth.get(s)! + 1);
        queue.push(t);
      }
  }
  const deepest = Math.max(0, ...depth.values());
  const out: string[][] = [];
  for (const n of names) {
    const d = depth.get(n) ?? deepest + 1;
    (out[d] ??= []).push(n);
  }
  return out.filter(Boolean);
}

function heat(v: number) {
  // white → red, never so dark that the text cannot be read
  const a = Math.max(0, Math.min(1, v));
  const g = Math.round(255 - a * 160);
  return `rgb(255, ${g}, ${g})`;
}

export function HeatMap({ workflow, flow, colour, label, format, onDrill, onDrillEdge, edgeLabel }: {
  workflow: WorkflowDetail;
  flow: FlowReport;
  colour: HeatColour;
  label: string;
  format: (seconds: number | null) => string;
  onDrill: (state: string, title: string) => void;
  /** An arrow taken by tickets opens them (every action between the two states). */
  onDrillEdge: (from: string, to: string, fromTitle: string, toTitle: string) => void;
  /** The arrow's accessible name: its states' titles and its count. */
  edgeLabel: (from: string, to: string, n: number) => string;
}) {
  const cols = layers(workflow);
  const stats = new Map(flow.states.map((s) => [s.state, s]));
  const maxMedian = Math.max(1, ...flow.states.map((s) => s.median_business_seconds ?? 0));
  const nodes = new Map<string, Node>();
  cols.forEach((col, i) =>
    col.forEach((name, j) => {
      const def = workflow.states.find((s) => s.name === name)!;
      const s = stats.get(name);
      const value = !s ? 0 : colour === 'breach' ? s.breach_rate : (s.median_business_seconds ?? 0) / maxMedian;
      const text = !s || s.left === 0 ? '—' : colour === 'breach' ? `${Math.round(s.breach_rate * 100)}% · ${s.left}` : `${format(s.median_business_seconds)} · ${s.left}`;
      nodes.set(name, { name, title: def.title || name, x: 10 + i * (W + GAP_X), y: 10 + j * (H + GAP_Y), value, text });
    }),
  );
  const width = 20 + cols.length * (W + GAP_X) - GAP_X;
  const height = 20 + Math.max(1, ...cols.map((c) => c.length)) * (H + GAP_Y) + 40;
  const maxCount = Math.max(1, ...flow.transitions.map((t) => t.count));
  // One arrow per pair of states (actions between the same two states add up).
  const edges = new Map<string, { from: string; to: string; count: number }>();
  for (const s of workflow.states)
    for (const t of s.transitions ?? [])
      if (t.to && nodes.has(t.to)) edges.set(`${s.name}>${t.to}`, { from: s.name, to: t.to, count: 0 });
  for (const t of flow.transitions) {
    const k = `${t.from}>${t.to}`;
    const e = edges.get(k) ?? { from: t.from, to: t.to, count: 0 };
    if (nodes.has(t.from) && nodes.has(t.to)) edges.set(k, { ...e, count: e.count + t.count });
  }
  return (
    <svg class="heatmap" role="group" aria-label={label} data-testid="heatmap" viewBox={`0 0 ${width} ${height}`} width={width} height={height}>
      <defs>
        <marker id="heat-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse">
          <path d="M0,0 L10,5 L0,10 z" fill="#475569" />
        </marker>
      </defs>
      {[...edges.values()].map((e) => {
        const a = nodes.get(e.from)!;
        const b = nodes.get(e.to)!;
        const forward = b.x > a.x;
        const x1 = forward ? a.x + W : a.x + W / 2;
        const y1 = forward ? a.y + H / 2 : a.y + H;
        const x2 = forward ? b.x : b.x + W / 2;
        const y2 = forward ? b.y + H / 2 : b.y + H;
        const d = forward
          ? `M${x1},${y1} C${x1 + GAP_X / 2},${y1} ${x2 - GAP_X / 2},${y2} ${x2},${y2}`
          : `M${x1},${y1} C${x1},${y1 + 40} ${x2},${y2 + 40} ${x2},${y2}`;
        const w = e.count ? 1.5 + (e.count / maxCount) * 7 : 1;
        return (
          <g
            key={`${e.from}>${e.to}`}
            data-testid={`heat-edge-${e.from}-${e.to}`}
            data-count={e.count}
            {...(e.count > 0 && {
              role: 'button',
              tabIndex: 0,
              class: 'heat-edge',
              'aria-label': edgeLabel(a.title, b.title, e.count),
              onClick: () => onDrillEdge(e.from, e.to, a.title, b.title),
              onKeyDown: (ev: KeyboardEvent) => {
                if (ev.key === 'Enter' || ev.key === ' ') {
                  ev.preventDefault();
                  onDrillEdge(e.from, e.to, a.title, b.title);
                }
              },
            })}
          >
            {/* A wide invisible stroke under the arrow, so that a thin one can be clicked. */}
            {e.count > 0 && <path d={d} fill="none" stroke="transparent" stroke-width={Math.max(12, w + 8)} />}
            <path d={d} fill="none" stroke={e.count ? '#475569' : '#cbd5e1'} stroke-width={w} stroke-dasharray={e.count ? undefined : '4 3'} marker-end="url(#heat-arrow)" />
            {e.count > 0 && (
              <text x={(x1 + x2) / 2} y={forward ? (y1 + y2) / 2 - 6 : Math.max(y1, y2) + 34} text-anchor="middle" class="chart-label">{e.count}</text>
            )}
          </g>
        );
      })}
      {[...nodes.values()].map((n) => (
        <g
          key={n.name}
          role="button"
          tabIndex={0}
          aria-label={`${n.title}: ${n.text}`}
          data-testid={`heat-state-${n.name}`}
          data-value={n.value.toFixed(3)}
          class="heat-node"
          onClick={() => onDrill(n.name, n.title)}
          onKeyDown={(ev) => {
            if (ev.key === 'Enter' || ev.key === ' ') {
              ev.preventDefault();
              onDrill(n.name, n.title);
            }
          }}
        >
          <rect x={n.x} y={n.y} width={W} height={H} rx="6" fill={heat(n.value)} stroke="#475569" />
        </g>
      ))}
      {/* The states' words over their boxes, outside the controls: a title cut short is not the
          control's name (its aria-label has the whole title), and clicks go through to the box. */}
      {[...nodes.values()].map((n) => (
        <g key={`${n.name}-text`} aria-hidden="true" pointer-events="none">
          <text x={n.x + W / 2} y={n.y + 19} text-anchor="middle" class="heat-title">{clip(n.title, 20)}</text>
          <text x={n.x + W / 2} y={n.y + 37} text-anchor="middle" class="chart-label">{n.text}</text>
        </g>
      ))}
    </svg>
  );
}
