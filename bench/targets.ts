// The targets Atlas is held to (issue 7), evaluated from measured runs. A target whose runs are
// missing from the matrix (e.g. 64 clients not run, a system left out) is N/A, never PASS.

import { findRun, type FailoverRecord, type ProcessRecord, type RunRecord, type TargetCheck } from './report-types.ts';
import type { OpKind, TargetName } from './systems/types.ts';

export const TARGET_CLIENTS = 64;
export const IDLE_RSS_LIMIT_MB = 100;
export const FAILOVER_LIMIT_MS = 1_500;

export function evaluateTargets(runs: readonly RunRecord[], processes: readonly ProcessRecord[], failovers: readonly FailoverRecord[]): TargetCheck[] {
  return [
    ratioTarget(runs, {
      id: 'http-put',
      description: `HTTP put @${TARGET_CLIENTS}: Atlas >= 2.0x etcd throughput, with p99 <= etcd's`,
      op: 'put',
      atlas: 'atlas-http',
      baseline: 'etcd-http',
      minRatio: 2,
      p99NoWorse: true,
    }),
    ratioTarget(runs, {
      id: 'nats-put',
      description: `NATS put @${TARGET_CLIENTS}: Atlas >= 1.0x JetStream KV throughput`,
      op: 'put',
      atlas: 'atlas-nats',
      baseline: 'jetstream-kv',
      minRatio: 1,
      p99NoWorse: false,
    }),
    ratioTarget(runs, {
      id: 'http-get',
      description: `HTTP linearizable get @${TARGET_CLIENTS}: Atlas >= 2.0x etcd throughput`,
      op: 'get',
      atlas: 'atlas-http',
      baseline: 'etcd-http',
      minRatio: 2,
      p99NoWorse: false,
    }),
    idleRssTarget(processes),
    failoverTarget(failovers),
  ];
}

interface RatioSpec {
  readonly id: string;
  readonly description: string;
  readonly op: OpKind;
  readonly atlas: TargetName;
  readonly baseline: TargetName;
  readonly minRatio: number;
  readonly p99NoWorse: boolean;
}

function ratioTarget(runs: readonly RunRecord[], spec: RatioSpec): TargetCheck {
  const atlas = findRun(runs, spec.atlas, spec.op, TARGET_CLIENTS);
  const baseline = findRun(runs, spec.baseline, spec.op, TARGET_CLIENTS);
  if (!atlas || !baseline) {
    return { id: spec.id, description: spec.description, status: 'N/A', measured: `not measured (needs ${spec.atlas} and ${spec.baseline} at ${TARGET_CLIENTS} clients)`, ratio: null };
  }
  if (baseline.throughputPerSecond <= 0) {
    return { id: spec.id, description: spec.description, status: 'N/A', measured: `${spec.baseline} completed no operations`, ratio: null };
  }
  const ofMedians = round2(atlas.throughputPerSecond / baseline.throughputPerSecond);
  const perRound = pairedRoundRatios(atlas, baseline);
  const ratio = perRound ? round2(median(perRound)) : ofMedians;
  const p99Ok = !spec.p99NoWorse || atlas.latency.p99Ms <= baseline.latency.p99Ms;
  const measured =
    `Atlas ${fmtRate(atlas.throughputPerSecond)}/s (p99 ${Math.round(atlas.latency.p99Ms * 10) / 10} ms) vs ` +
    `${spec.baseline} ${fmtRate(baseline.throughputPerSecond)}/s (p99 ${Math.round(baseline.latency.p99Ms * 10) / 10} ms): ` +
    (perRound ? `${ratio}x, the median of the rounds' ratios ${perRound.map((r) => `${round2(r)}x`).join(', ')} (${ofMedians}x between the median rounds)` : `${ratio}x`);
  return { id: spec.id, description: spec.description, status: ratio >= spec.minRatio && p99Ok ? 'PASS' : 'FAIL', measured, ratio };
}

/**
 * Atlas over the baseline round by round, when both ran the same number (>= 2) of rounds. Within a
 * round the two took their turns seconds apart, so each ratio compares them in the same phase of the
 * host; their median is the ratio a target is held to. The ratio of the two median rounds can pair
 * one system's fast round with the other's slow one (bench/rounds.ts).
 */
export function pairedRoundRatios(atlas: RunRecord, baseline: RunRecord): number[] | null {
  const a = atlas.roundThroughputs;
  const b = baseline.roundThroughputs;
  if (!a || !b || a.length !== b.length || a.length < 2 || b.some((rate) => rate <= 0)) return null;
  return a.map((rate, i) => rate / b[i]!);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function idleRssTarget(processes: readonly ProcessRecord[]): TargetCheck {
  const description = `Idle Atlas replica RSS < ${IDLE_RSS_LIMIT_MB} MB`;
  const idle = processes.filter((p) => p.system === 'atlas' && p.idleRssMb !== null).map((p) => p.idleRssMb!);
  if (idle.length === 0) return { id: 'idle-rss', description, status: 'N/A', measured: 'Atlas not measured', ratio: null };
  const worst = Math.max(...idle);
  return { id: 'idle-rss', description, status: worst < IDLE_RSS_LIMIT_MB ? 'PASS' : 'FAIL', measured: `largest replica ${worst} MB (all: ${idle.join(', ')} MB)`, ratio: null };
}

function failoverTarget(failovers: readonly FailoverRecord[]): TargetCheck {
  const description = `Atlas leader failover (SIGKILL to next acknowledged write) < ${FAILOVER_LIMIT_MS / 1000} s`;
  const atlas = failovers.find((f) => f.system === 'atlas');
  const etcd = failovers.find((f) => f.system === 'etcd');
  const etcdText = etcd ? `; etcd ${etcd.failoverMs === null ? 'did not recover' : `${etcd.failoverMs} ms`}${etcd.killedTheLeader ? '' : ' (invalid: leadership had moved)'}` : '';
  if (!atlas) return { id: 'failover', description, status: 'N/A', measured: `Atlas not measured${etcdText}`, ratio: null };
  if (!atlas.killedTheLeader) return { id: 'failover', description, status: 'N/A', measured: `invalid run: leadership moved before the kill (${atlas.failoverMs ?? '?'} ms)${etcdText}`, ratio: null };
  if (atlas.failoverMs === null) return { id: 'failover', description, status: 'FAIL', measured: `Atlas did not recover${etcdText}`, ratio: null };
  return { id: 'failover', description, status: atlas.failoverMs < FAILOVER_LIMIT_MS ? 'PASS' : 'FAIL', measured: `Atlas ${atlas.failoverMs} ms${etcdText}`, ratio: null };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export function fmtRate(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
