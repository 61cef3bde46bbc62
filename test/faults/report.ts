// Summaries of fault runs: one row per fault kind (cycles, how long the faults were active, how many
// operations the checker covered, the verdict), as a Markdown table.

import type { CycleReport, FaultRunResult, OpCounts } from './run-faults.ts';
import { FAULT_KINDS, type FaultKind } from './schedule.ts';

export interface KindSummary {
  readonly kind: FaultKind;
  readonly cycles: number;
  readonly faultMs: number;
  readonly cycleMs: number;
  readonly maxHealMs: number;
  /** Terms started during the faults (elections that succeeded or not). */
  readonly elections: number;
  readonly ops: OpCounts;
  readonly violations: number;
  readonly undecided: number;
  readonly livenessFailures: number;
}

export function summarizeByKind(cycles: readonly CycleReport[]): KindSummary[] {
  return FAULT_KINDS.flatMap((kind) => {
    const mine = cycles.filter((cycle) => cycle.cycle.kind === kind);
    if (mine.length === 0) return [];
    const ops: OpCounts = { total: 0, ok: 0, fail: 0, unknown: 0 };
    for (const cycle of mine) {
      ops.total += cycle.ops.total;
      ops.ok += cycle.ops.ok;
      ops.fail += cycle.ops.fail;
      ops.unknown += cycle.ops.unknown;
    }
    return [
      {
        kind,
        cycles: mine.length,
        faultMs: sum(mine.map((c) => c.faultMs)),
        cycleMs: sum(mine.map((c) => c.cycleMs)),
        maxHealMs: Math.max(...mine.map((c) => c.healMs)),
        elections: sum(mine.map((c) => c.elections)),
        ops,
        violations: mine.filter((c) => c.failures.length > 0).length,
        undecided: mine.filter((c) => c.undecided).length,
        livenessFailures: mine.filter((c) => c.livenessError !== undefined).length,
      },
    ];
  });
}

export function verdict(summary: Pick<KindSummary, 'violations' | 'undecided' | 'livenessFailures'>): string {
  const problems = [
    summary.violations > 0 ? `**${summary.violations} NOT linearizable**` : '',
    summary.undecided > 0 ? `${summary.undecided} undecided` : '',
    summary.livenessFailures > 0 ? `${summary.livenessFailures} did not recover` : '',
  ].filter((p) => p !== '');
  return problems.length === 0 ? 'linearizable, no lost writes' : problems.join(', ');
}

/** The per-kind table plus a total row. */
export function renderKindTable(result: Pick<FaultRunResult, 'cycles' | 'ops' | 'finalReads'>): string {
  const rows = summarizeByKind(result.cycles);
  const lines = [
    '| fault | cycles | faults active | cycles incl. recovery | slowest recovery | new terms | operations checked (ok / fail / unknown) | result |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (row) =>
        `| ${row.kind} | ${row.cycles} | ${seconds(row.faultMs)} | ${seconds(row.cycleMs)} | ${seconds(row.maxHealMs)} | ${row.elections} | ` +
        `${row.ops.total} (${row.ops.ok} / ${row.ops.fail} / ${row.ops.unknown}) | ${verdict(row)} |`,
    ),
  ];
  const all = summarizeAll(rows);
  lines.push(
    `| **all** | ${all.cycles} | ${seconds(all.faultMs)} | ${seconds(all.cycleMs)} | ${seconds(all.maxHealMs)} | ${all.elections} | ` +
      `${result.ops.total} (${result.ops.ok} / ${result.ops.fail} / ${result.ops.unknown}) incl. ${result.finalReads.read} final reads | ${verdict(all)} |`,
  );
  return lines.join('\n');
}

function summarizeAll(rows: readonly KindSummary[]): Omit<KindSummary, 'kind' | 'ops'> {
  return {
    cycles: sum(rows.map((r) => r.cycles)),
    faultMs: sum(rows.map((r) => r.faultMs)),
    cycleMs: sum(rows.map((r) => r.cycleMs)),
    maxHealMs: Math.max(0, ...rows.map((r) => r.maxHealMs)),
    elections: sum(rows.map((r) => r.elections)),
    violations: sum(rows.map((r) => r.violations)),
    undecided: sum(rows.map((r) => r.undecided)),
    livenessFailures: sum(rows.map((r) => r.livenessFailures)),
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
