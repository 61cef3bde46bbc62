// The shape of a bench report (`bench/results/latest.json`); the Markdown and SVG reports are
// rendered from it alone.

import type { LatencySummaryMs } from './histogram.ts';
import type { OpKind, SystemName, TargetName, Transport } from './systems/types.ts';

export interface RunRecord {
  readonly target: TargetName;
  readonly system: SystemName;
  readonly transport: Transport;
  readonly op: OpKind;
  readonly clients: number;
  readonly seconds: number;
  readonly ops: number;
  readonly errors: number;
  readonly throughputPerSecond: number;
  readonly latency: LatencySummaryMs;
  readonly errorSamples: readonly string[];
  /** Cost per operation: server CPU (`cpuMicrosPerOp`), load generator CPU (`clientCpuMicrosPerOp`), and for Atlas `natsServerCpuMicrosPerOp` (its nats-server, not in cpuMicrosPerOp), `raftMessagesPerOp`, `syncsPerOp`. */
  readonly perOp?: Readonly<Record<string, number>>;
  /** With more than one round: every round's throughput, in round order (this record is the median round's). */
  readonly roundThroughputs?: readonly number[];
}

export interface ProcessRecord {
  readonly system: SystemName;
  readonly label: string;
  /** VmRSS after the fresh cluster idled `idleSettleSeconds`, before any load; null when not measured. */
  readonly idleRssMb: number | null;
  /** VmHWM at the end of the system's runs (before the failover kill). */
  readonly peakRssMb: number | null;
}

export interface FailoverRecord {
  readonly system: SystemName;
  readonly failoverMs: number | null;
  readonly killed: string;
  readonly termBefore: number;
  readonly newLeader: string | null;
  readonly termAfter: number | null;
  /** False when leadership had moved before the kill: failoverMs is then not a failover time. */
  readonly killedTheLeader: boolean;
  readonly steadyPutsPerSecond: number;
  readonly failedWrites: number;
  readonly errorSamples: readonly string[];
}

export type CheckStatus = 'PASS' | 'FAIL' | 'N/A';

export interface TargetCheck {
  readonly id: string;
  readonly description: string;
  readonly status: CheckStatus;
  /** What was measured, in words. */
  readonly measured: string;
  /** Atlas relative to the baseline (throughput ratio), when the target is a ratio. */
  readonly ratio: number | null;
}

export interface SystemRecord {
  readonly name: SystemName;
  readonly version: string;
  readonly notes: readonly string[];
  readonly readSemantics: Readonly<Partial<Record<TargetName, string>>>;
  /** CPU of the system's server processes while it idled before the runs, in % of one core. */
  readonly idleCpuPercent?: number;
}

export interface BenchReport {
  readonly schema: 1;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationSeconds: number;
  readonly machine: {
    readonly cpus: number;
    readonly node: string;
    readonly platform: string;
    readonly loadAverageAtStart: readonly number[];
    readonly loadAverageAtEnd: readonly number[];
  };
  readonly config: {
    readonly seconds: number;
    readonly warmupSeconds: number;
    readonly concurrency: readonly number[];
    readonly systems: readonly SystemName[];
    readonly keys: number;
    readonly valueBytes: number;
    readonly seed: number;
    readonly httpClient: string;
    readonly natsConnections: number;
    readonly quick: boolean;
    /** Times each cell ran (reports before rounds existed have none: one). */
    readonly rounds?: number;
  };
  readonly systems: readonly SystemRecord[];
  readonly runs: readonly RunRecord[];
  readonly processes: readonly ProcessRecord[];
  readonly failovers: readonly FailoverRecord[];
  readonly targets: readonly TargetCheck[];
  readonly notes: readonly string[];
}

/** The run of `target` doing `op` with `clients` clients, if the report has it. */
export function findRun(runs: readonly RunRecord[], target: TargetName, op: OpKind, clients: number): RunRecord | undefined {
  return runs.find((r) => r.target === target && r.op === op && r.clients === clients);
}
