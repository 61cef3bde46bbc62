// The human-readable report (`latest.md`): targets with PASS/FAIL, one table per comparison (Atlas
// beside its baseline at every concurrency), memory, failover, and how the systems were run.

import { findRun, type BenchReport, type RunRecord } from './report-types.ts';
import type { OpKind, TargetName } from './systems/types.ts';
import { fmtRate } from './targets.ts';

interface Comparison {
  readonly title: string;
  readonly atlas: TargetName;
  readonly baseline: TargetName;
  readonly atlasLabel: string;
  readonly baselineLabel: string;
}

export const COMPARISONS: readonly Comparison[] = [
  { title: 'HTTP: Atlas replicas vs etcd HTTP/JSON gateway', atlas: 'atlas-http', baseline: 'etcd-http', atlasLabel: 'Atlas', baselineLabel: 'etcd' },
  { title: 'NATS: Atlas NATS API vs JetStream KV', atlas: 'atlas-nats', baseline: 'jetstream-kv', atlasLabel: 'Atlas', baselineLabel: 'JetStream' },
];
const OPS: readonly OpKind[] = ['put', 'get'];

export function renderMarkdown(report: BenchReport, svgFileName = 'latest.svg'): string {
  const lines: string[] = [];
  const cfg = report.config;
  lines.push('# Atlas benchmark: Atlas vs etcd and NATS JetStream KV', '');
  lines.push(
    `${report.startedAt} · ${report.durationSeconds} s · Node ${report.machine.node} · ${report.machine.cpus} CPUs · ` +
      `load average at start ${report.machine.loadAverageAtStart.map((n) => n.toFixed(2)).join(' ')}, at end ${report.machine.loadAverageAtEnd.map((n) => n.toFixed(2)).join(' ')}`,
    '',
  );
  lines.push(
    `Closed loop: ${cfg.seconds} s per run after ${cfg.warmupSeconds} s warm-up, concurrency ${cfg.concurrency.join(', ')}, ` +
      `${cfg.keys.toLocaleString('en-US')} keys (prefilled) picked at random (seed ${cfg.seed}), ${cfg.valueBytes}-byte values, ` +
      `HTTP client ${cfg.httpClient}, ${cfg.natsConnections} NATS connections${cfg.quick ? ' (--quick)' : ''}. Latencies in ms; ops/s counts acknowledged operations only.` +
      ((cfg.rounds ?? 1) > 1 ? ` Every cell ran ${cfg.rounds} rounds, the targets taking turns; each row is the cell's median round (per-round numbers under Rounds).` : ''),
    '',
  );
  if (report.machine.loadAverageAtStart[0]! > report.machine.cpus * 0.75) {
    lines.push(`> The machine was busy (1-minute load ${report.machine.loadAverageAtStart[0]!.toFixed(2)} on ${report.machine.cpus} CPUs): absolute numbers are low and noisy; compare ratios.`, '');
  }

  lines.push('## Targets', '', '| target | result | measured |', '|---|---|---|');
  for (const t of report.targets) lines.push(`| ${t.description} | **${t.status}** | ${t.measured} |`);
  lines.push('');

  for (const cmp of COMPARISONS) {
    const present = report.runs.some((r) => r.target === cmp.atlas || r.target === cmp.baseline);
    if (!present) continue;
    lines.push(`## ${cmp.title}`, '');
    lines.push(
      `| op | clients | ${cmp.atlasLabel} ops/s | p50 | p99 | p99.9 | ${cmp.baselineLabel} ops/s | p50 | p99 | p99.9 | ${cmp.atlasLabel}/${cmp.baselineLabel} |`,
      '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    );
    for (const op of OPS) {
      for (const clients of cfg.concurrency) {
        const a = findRun(report.runs, cmp.atlas, op, clients);
        const b = findRun(report.runs, cmp.baseline, op, clients);
        if (!a && !b) continue;
        const ratio = a && b && b.throughputPerSecond > 0 ? `${(a.throughputPerSecond / b.throughputPerSecond).toFixed(2)}x` : '–';
        lines.push(`| ${op} | ${clients} | ${runCells(a)} | ${runCells(b)} | ${ratio} |`);
      }
    }
    lines.push('');
  }

  const repeated = report.runs.filter((r) => (r.roundThroughputs?.length ?? 0) > 1);
  if (repeated.length > 0) {
    lines.push('## Rounds', '', 'Throughput of every round of a cell, in the order they ran, and the spread (highest over lowest).', '');
    lines.push('| target | op | clients | ops/s per round | spread |', '|---|---|--:|---|--:|');
    for (const r of repeated) {
      const rates = r.roundThroughputs!;
      const spread = Math.min(...rates) > 0 ? `${(Math.max(...rates) / Math.min(...rates)).toFixed(2)}x` : '–';
      lines.push(`| ${r.target} | ${r.op} | ${r.clients} | ${rates.map(fmtRate).join(', ')} | ${spread} |`);
    }
    lines.push('');
  }

  const costed = report.runs.filter((r) => r.perOp && Object.keys(r.perOp).length > 0);
  if (costed.length > 0) {
    lines.push(
      '## Server cost per operation',
      '',
      'Summed over the servers of the system, per acknowledged operation (warm-up included): CPU time, and for Atlas the Raft messages sent and log syncs. Atlas\'s CPU is its replicas\'; the nats-server they talk through is its own column (JetStream KV\'s CPU is its nats-servers, the whole system). Load generator CPU is the benchmark process itself, which shares the cores with the servers.',
      '',
      '| target | op | clients | CPU µs/op | Atlas nats-server CPU µs/op | load generator CPU µs/op | Raft messages/op | syncs/op |',
      '|---|---|--:|--:|--:|--:|--:|--:|',
    );
    for (const r of costed) {
      const cost = r.perOp!;
      lines.push(
        `| ${r.target} | ${r.op} | ${r.clients} | ${cost.cpuMicrosPerOp ?? '–'} | ${cost.natsServerCpuMicrosPerOp ?? '–'} | ${cost.clientCpuMicrosPerOp ?? '–'} | ${cost.raftMessagesPerOp ?? '–'} | ${cost.syncsPerOp ?? '–'} |`,
      );
    }
    lines.push('');
  }

  if (report.processes.length > 0) {
    lines.push('## Memory (resident set)', '', '| process | idle RSS MB | peak RSS MB (VmHWM) |', '|---|--:|--:|');
    for (const p of report.processes) lines.push(`| ${p.label} | ${p.idleRssMb ?? '–'} | ${p.peakRssMb ?? '–'} |`);
    lines.push('');
  }

  if (report.failovers.length > 0) {
    lines.push(
      '## Leader failover',
      '',
      'SIGKILL of the leader under a moderate HTTP put load; time from the kill to the first acknowledged put started after it.',
      '',
      '| system | failover ms | killed (term) | new leader (term) | puts/s before the kill | failed writes |',
      '|---|--:|---|---|--:|--:|',
    );
    for (const f of report.failovers) {
      const ms = f.failoverMs === null ? 'no recovery' : f.killedTheLeader ? String(f.failoverMs) : `${f.failoverMs} (invalid: not the leader)`;
      lines.push(`| ${f.system} | ${ms} | ${f.killed} (${f.termBefore}) | ${f.newLeader ?? '?'} (${f.termAfter ?? '?'}) | ${fmtRate(f.steadyPutsPerSecond)} | ${f.failedWrites} |`);
    }
    lines.push('');
  }

  lines.push('## How the systems were run', '');
  for (const s of report.systems) {
    for (const note of s.notes) lines.push(`- ${note}`);
    if (s.idleCpuPercent !== undefined) lines.push(`- ${s.name} idle (before the runs): ${s.idleCpuPercent}% of one core for its server processes`);
    for (const [target, semantics] of Object.entries(s.readSemantics)) lines.push(`- ${target} reads: ${semantics}`);
  }
  for (const note of report.notes) lines.push(`- ${note}`);
  const errors = report.runs.filter((r) => r.errors > 0);
  if (errors.length > 0) {
    lines.push('', '## Errors', '');
    for (const r of errors) lines.push(`- ${r.target} ${r.op} @${r.clients}: ${r.errors} errors; e.g. ${r.errorSamples.join(' | ')}`);
  }
  lines.push('', `![throughput and p99 against concurrency](${svgFileName})`, '');
  return lines.join('\n');
}

function runCells(run: RunRecord | undefined): string {
  if (!run) return '– | – | – | –';
  const rate = `${fmtRate(run.throughputPerSecond)}${run.errors > 0 ? ` (${run.errors} err)` : ''}`;
  return `${rate} | ${fmtMs(run.latency.p50Ms)} | ${fmtMs(run.latency.p99Ms)} | ${fmtMs(run.latency.p999Ms)}`;
}

/** Milliseconds to 3 significant digits or 0.01 ms, whichever is coarser. */
export function fmtMs(ms: number): string {
  return String(Number(ms.toFixed(ms < 10 ? 2 : ms < 100 ? 1 : 0)));
}
