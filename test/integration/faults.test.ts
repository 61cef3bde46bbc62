// Issue 8: Jepsen-style fault runs against real processes (test/faults/). Every fault kind runs one
// short cycle under 16 concurrent clients (replicas and the gateway, gets, puts, CAS and deletes);
// each history must be linearizable and the cluster must recover. Two runs break the guarantees on
// purpose and must be caught: stale reads, and replicas that acknowledge before fsync.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNSAFE_ACK_BEFORE_FSYNC_CONSENT, UNSAFE_ACK_BEFORE_FSYNC_ENV } from '../../infra/node/unsafe-ack-before-fsync.ts';
import { FaultCluster } from '../faults/fault-cluster.ts';
import { renderKindTable } from '../faults/report.ts';
import { runFaults, type FaultRunResult } from '../faults/run-faults.ts';
import { FAULT_KINDS, planSchedule, type FaultKind } from '../faults/schedule.ts';

/** Fixed so CI replays the same schedule; a failure prints it with the rerun command. */
const SEED = 8_008;
const CLIENTS = 16;
/** Shortens every planned duration; liveness waits stay generous (the machine is shared). */
const SCALE = 0.6;

function cyclesOf(cluster: FaultCluster, kind: FaultKind, seed: number, cycles = 1) {
  return planSchedule({ seed, lengthMs: 0, cycles, kinds: [kind], replicas: cluster.ids, scale: SCALE });
}

function summary(result: FaultRunResult): string {
  const notes = result.cycles.flatMap((cycle) => cycle.parts.flatMap((part) => part.notes));
  return `${result.label}: seed ${result.seed}, ${result.ops.total} ops (${result.ops.ok} ok, ${result.ops.unknown} unknown), ` +
    `${Math.round(result.elapsedMs / 1000)} s; ${result.linearizable ? 'linearizable' : 'NOT linearizable'}\n  ${notes.join('\n  ')}`;
}

describe('fault runs against real processes', () => {
  let cluster: FaultCluster;
  const results: FaultRunResult[] = [];
  beforeAll(async () => {
    cluster = await FaultCluster.start();
  });
  afterAll(async () => {
    if (results.length > 0) console.log(renderKindTable({ cycles: results.flatMap((r) => r.cycles), ops: sumOps(results), finalReads: { read: sumFinal(results), unread: [] } }));
    await cluster?.stop();
  });

  FAULT_KINDS.forEach((kind, i) => {
    it(`${kind}: the history is linearizable and the cluster recovers`, async () => {
      const result = await runFaults({ cluster, schedule: cyclesOf(cluster, kind, SEED + i), label: kind, clients: CLIENTS, timeoutMs: 3_000 });
      results.push(result);
      console.log(summary(result));
      expect(result.livenessError).toBeUndefined();
      expect(result.check.failures.map((f) => f.counterexample)).toEqual([]);
      expect(result.check.unknown).toBeUndefined();
      expect(result.linearizable).toBe(true);
      expect(result.ops.ok).toBeGreaterThan(100);
      expect(result.finalReads.unread).toEqual([]);
      if (kind === 'kill-leader' || kind === 'partition-leader' || kind === 'kill-all') {
        // The fault hit: the leader was lost and a new term began.
        expect(result.cycles[0]!.elections).toBeGreaterThanOrEqual(1);
      }
      if (kind === 'wipe' || kind === 'membership') {
        // The emptied replica was caught up by a snapshot (the leader compacts every 200 entries).
        expect(result.cycles[0]!.parts.flatMap((part) => part.notes).join('\n')).toMatch(/caught up .* by an installed snapshot/);
      }
    });
  });

  it('teeth: with ?consistency=stale reads and an isolated replica, the checker reports a violation', async () => {
    const schedule = planSchedule({ seed: SEED, lengthMs: 0, cycles: 1, kinds: ['partition-random'], replicas: cluster.ids, scale: 1 });
    const result = await runFaults({ cluster, schedule, label: 'stale-reads', clients: CLIENTS, timeoutMs: 3_000, readConsistency: 'stale', artifactsDir: 'test-artifacts/expected-violations', overwriteArtifacts: true });
    console.log(summary(result));
    expect(result.livenessError).toBeUndefined();
    expect(result.linearizable).toBe(false);
    expect(result.check.failures.length).toBeGreaterThan(0);
    // The counterexample is a read that missed an acknowledged write.
    expect(result.check.failures[0]!.operations.some((entry) => entry.op.type === 'get')).toBe(true);
  });
});

describe('teeth: replicas that acknowledge before fsync', () => {
  let cluster: FaultCluster;
  beforeAll(async () => {
    cluster = await FaultCluster.start({ replicaEnv: { [UNSAFE_ACK_BEFORE_FSYNC_ENV]: UNSAFE_ACK_BEFORE_FSYNC_CONSENT } });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('loses acknowledged writes when every replica is killed, and the checker reports it', async () => {
    await cluster.waitHealthy(90_000);
    for (const id of cluster.ids) expect(cluster.output(id)).toContain(`${UNSAFE_ACK_BEFORE_FSYNC_ENV} is set`);
    const result = await runFaults({
      cluster,
      schedule: cyclesOf(cluster, 'kill-all', SEED, 2),
      label: 'unsafe-ack-before-fsync',
      clients: CLIENTS,
      timeoutMs: 3_000,
      artifactsDir: 'test-artifacts/expected-violations', overwriteArtifacts: true,
    });
    console.log(summary(result));
    expect(result.livenessError).toBeUndefined();
    expect(result.linearizable).toBe(false);
    expect(result.check.failures.length).toBeGreaterThan(0);
  });
});

function sumOps(results: readonly FaultRunResult[]) {
  const total = { total: 0, ok: 0, fail: 0, unknown: 0 };
  for (const r of results) {
    total.total += r.ops.total;
    total.ok += r.ops.ok;
    total.fail += r.ops.fail;
    total.unknown += r.ops.unknown;
  }
  return total;
}

function sumFinal(results: readonly FaultRunResult[]): number {
  return results.reduce((n, r) => n + r.finalReads.read, 0);
}
