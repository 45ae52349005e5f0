// SPDX-License-Identifier: GPL-3.0-or-later
// The reports' charts, in SVG of our own: a bar chart (SLA compliance) and a line chart (the
// backlog) are a few dozen lines each, where a chart library would add more to the page than
// the whole reports page weighs. Each is an image with a label; the same numbers are in the
// table beside it, which is what screen readers read.

const PALETTE = ['#2563eb', '#d97706', '#16a34a', '#db2777', '#7c3aed', '#0891b2', '#57534e', '#dc2626'];

export interface Bar {
  label: string;
  /** 0..1 */
  value: number;
  text: string;
}

/** Horizontal bars, one a row, each with its label and its value in words. */
export function BarChart({ bars, label, testid }: { bars: Bar[]; label: string; testid: string }) {
  const row = 26;
  const labelWidth = 170;
  const width = 560;
  const plot = width - labelWidth - 60;
  return (
    <svg class="chart" role="img" aria-label={label} data-testid={testid} viewBox={`0 0 ${width} ${bars.length * row + 8}`} width={width} height={bars.length * row + 8}>
      {bars.map((b, i) => (
        <g key={b.label} transform={`translate(0 ${i * row + 4})`}>
          <text x={labelWidth - 8} y={row / 2 + 4} text-anchor="end" class="chart-label">{clip(b.label, 24)}</text>
          <rect x={labelWidth} y={4} width={plot} height={row - 10} fill="var(--grey-1, #f1f5f9)" />
          <rect x={labelWidth} y={4} width={Math.max(0, Math.min(1, b.value)) * plot} height={row - 10} fill={b.value >= 0.9 ? '#16a34a' : b.value >= 0.7 ? '#d97706' : '#dc2626'} data-testid={`${testid}-bar`} data-value={b.text} />
          <text x={labelWidth + plot + 6} y={row / 2 + 4} class="chart-label">{b.text}</text>
        </g>
      ))}
    </svg>
  );
}

export interface Series {
  label: string;
  values: number[];
}

/** One line a series over the x labels (days), with a legend and the y axis from 0. */
export function LineChart({ series, xLabels, label, testid }: { series: Series[]; xLabels: string[]; label: string; testid: string }) {
  const width = 640;
  const height = 220;
  const left = 36;
  const bottom = 28;
  const top = 10;
  const right = 12;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const n = Math.max(1, xLabels.length - 1);
  const x = (i: number) => left + (i / n) * (width - left - right);
  const y = (v: number) => top + (1 - v / max) * (height - top - bottom);
  // As many day labels as fit side by side (about 52 px each, Chinese or English), evenly spaced.
  const fit = Math.max(2, Math.floor((width - left - right) / 52));
  const every = Math.max(1, Math.ceil(xLabels.length / fit));
  return (
    <figure class="chart-figure">
      <svg class="chart" role="img" aria-label={label} data-testid={testid} viewBox={`0 0 ${width} ${height}`} width={width} height={height}>
        <line x1={left} y1={y(0)} x2={width - right} y2={y(0)} stroke="#94a3b8" />
        <line x1={left} y1={top} x2={left} y2={y(0)} stroke="#94a3b8" />
        <text x={left - 4} y={y(max) + 4} text-anchor="end" class="chart-label">{max}</text>
        <text x={left - 4} y={y(0) + 4} text-anchor="end" class="chart-label">0</text>
        {xLabels.map((d, i) =>
          i % every === 0 ? (
            <text key={`${i}`} x={x(i)} y={height - 8} text-anchor={i === 0 ? 'start' : i === xLabels.length - 1 ? 'end' : 'middle'} class="chart-label" data-testid={`${testid}-day`}>{d}</text>
          ) : null,
        )}
        {series.map((s, k) => (
          <g key={s.label} data-testid={`${testid}-series`} data-label={s.label}>
            <polyline fill="none" stroke={PALETTE[k % PALETTE.length]} stroke-width="2" points={s.values.map((v, i) => `${x(i)},${y(v)}`).join(' ')} />
            {s.values.map((v, i) => (
              <circle key={i} cx={x(i)} cy={y(v)} r="3" fill={PALETTE[k % PALETTE.length]} />
            ))}
          </g>
        ))}
      </svg>
      <figcaption class="chart-legend" aria-hidden="true">
        {series.map((s, k) => (
          <span key={s.label}>
            <span class="swatch" style={{ background: PALETTE[k % PALETTE.length] }} /> {s.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

export function clip(text: string, n: number) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}
