// The chart (`latest.svg`), hand-written SVG: four panels (put and get; throughput and p99 latency)
// with concurrency on the x axis (one evenly spaced step per level, i.e. a log-like scale) and one
// line per target.

import type { BenchReport } from './report-types.ts';
import type { OpKind, TargetName } from './systems/types.ts';

const PANEL_WIDTH = 460;
const PANEL_HEIGHT = 300;
const MARGIN = { top: 36, right: 20, bottom: 44, left: 64 };
const LEGEND_HEIGHT = 40;

export const SERIES_STYLE: Readonly<Record<TargetName, { label: string; color: string; dash: string }>> = {
  'atlas-http': { label: 'Atlas (HTTP)', color: '#1f6feb', dash: '' },
  'etcd-http': { label: 'etcd (HTTP gateway)', color: '#e36209', dash: '' },
  'atlas-nats': { label: 'Atlas (NATS API)', color: '#2da44e', dash: '6 4' },
  'jetstream-kv': { label: 'JetStream KV (NATS)', color: '#8250df', dash: '6 4' },
};
const TARGET_ORDER: readonly TargetName[] = ['atlas-http', 'etcd-http', 'atlas-nats', 'jetstream-kv'];

interface Panel {
  readonly op: OpKind;
  readonly metric: 'throughput' | 'p99';
  readonly title: string;
}
const PANELS: readonly Panel[] = [
  { op: 'put', metric: 'throughput', title: 'put throughput (ops/s)' },
  { op: 'put', metric: 'p99', title: 'put p99 latency (ms)' },
  { op: 'get', metric: 'throughput', title: 'get throughput (ops/s)' },
  { op: 'get', metric: 'p99', title: 'get p99 latency (ms)' },
];

/** The smallest of 1, 2, 2.5, 5 × 10^k that is >= value (1 for non-positive values). */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= value) return m * power;
  return 10 * power;
}

export function renderSvg(report: BenchReport): string {
  const width = PANEL_WIDTH * 2;
  const height = LEGEND_HEIGHT + PANEL_HEIGHT * 2;
  const targets = TARGET_ORDER.filter((t) => report.runs.some((r) => r.target === t));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  targets.forEach((target, i) => {
    const style = SERIES_STYLE[target];
    const x = 20 + i * 220;
    parts.push(
      `<line x1="${x}" y1="20" x2="${x + 28}" y2="20" stroke="${style.color}" stroke-width="2.5"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''}/>`,
      `<text x="${x + 34}" y="24">${escapeXml(style.label)}</text>`,
    );
  });
  PANELS.forEach((panel, i) => {
    const originX = (i % 2) * PANEL_WIDTH;
    const originY = LEGEND_HEIGHT + Math.floor(i / 2) * PANEL_HEIGHT;
    parts.push(renderPanel(report, panel, targets, originX, originY));
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function renderPanel(report: BenchReport, panel: Panel, targets: readonly TargetName[], originX: number, originY: number): string {
  const levels = report.config.concurrency;
  const plotLeft = originX + MARGIN.left;
  const plotRight = originX + PANEL_WIDTH - MARGIN.right;
  const plotTop = originY + MARGIN.top;
  const plotBottom = originY + PANEL_HEIGHT - MARGIN.bottom;
  const valueOf = (target: TargetName, clients: number): number | null => {
    const run = report.runs.find((r) => r.target === target && r.op === panel.op && r.clients === clients);
    if (!run) return null;
    return panel.metric === 'throughput' ? run.throughputPerSecond : run.latency.p99Ms;
  };
  const all = targets.flatMap((t) => levels.map((c) => valueOf(t, c))).filter((v): v is number => v !== null);
  const yMax = niceCeiling(Math.max(0, ...all) * 1.05);
  const xOf = (index: number) => (levels.length === 1 ? (plotLeft + plotRight) / 2 : plotLeft + (index / (levels.length - 1)) * (plotRight - plotLeft));
  const yOf = (value: number) => plotBottom - (value / yMax) * (plotBottom - plotTop);

  const out: string[] = [`<g>`, `<text x="${originX + PANEL_WIDTH / 2}" y="${originY + 22}" text-anchor="middle" font-weight="bold">${escapeXml(panel.title)}</text>`];
  const ticks = 5;
  for (let t = 0; t <= ticks; t++) {
    const value = (yMax / ticks) * t;
    const y = yOf(value);
    out.push(
      `<line x1="${plotLeft}" y1="${y.toFixed(1)}" x2="${plotRight}" y2="${y.toFixed(1)}" stroke="#e1e4e8"/>`,
      `<text x="${plotLeft - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" fill="#57606a">${formatTick(value)}</text>`,
    );
  }
  out.push(
    `<line x1="${plotLeft}" y1="${plotBottom}" x2="${plotRight}" y2="${plotBottom}" stroke="#57606a"/>`,
    `<line x1="${plotLeft}" y1="${plotTop}" x2="${plotLeft}" y2="${plotBottom}" stroke="#57606a"/>`,
  );
  levels.forEach((clients, i) => {
    out.push(`<text x="${xOf(i).toFixed(1)}" y="${plotBottom + 16}" text-anchor="middle" fill="#57606a">${clients}</text>`);
  });
  out.push(`<text x="${(plotLeft + plotRight) / 2}" y="${plotBottom + 34}" text-anchor="middle" fill="#57606a">concurrent clients</text>`);
  for (const target of targets) {
    const style = SERIES_STYLE[target];
    const points = levels.flatMap((clients, i) => {
      const v = valueOf(target, clients);
      return v === null ? [] : [`${xOf(i).toFixed(1)},${yOf(v).toFixed(1)}`];
    });
    if (points.length === 0) continue;
    out.push(
      `<polyline data-target="${target}" fill="none" stroke="${style.color}" stroke-width="2.5"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''} points="${points.join(' ')}"/>`,
    );
    for (const point of points) {
      const [x, y] = point.split(',');
      out.push(`<circle cx="${x}" cy="${y}" r="3.5" fill="${style.color}"/>`);
    }
  }
  out.push('</g>');
  return out.join('\n');
}

function formatTick(value: number): string {
  if (value >= 10_000) return `${Math.round(value / 1000)}k`;
  if (value >= 1_000) return `${(value / 1000).toFixed(1)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
