// Issue 3: a steady, moderate write load for 60 s causes no election: on every replica the term and
// atlas_leader_changes_total are the same after the run as before it. Prints writes/s and latency.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessCluster, sleep, type LocalView } from '../helpers/process-cluster.ts';
import { missingWrites, readAll, startWriteLoad } from '../helpers/write-load.ts';

const RUN_MS = 60_000;
const CLIENTS = 4;

let cluster: ProcessCluster;
beforeAll(async () => {
  cluster = await ProcessCluster.start();
});
afterAll(async () => {
  await cluster?.stop();
});

async function views(): Promise<Record<string, LocalView>> {
  return Object.fromEntries(await Promise.all(cluster.ids.map(async (id) => [id, await cluster.localView(id)] as const)));
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

describe('steady load with real processes', () => {
  it(`${RUN_MS / 1_000} s of ${CLIENTS} writing clients cause no election`, { timeout: RUN_MS + 120_000 }, async () => {
    const leader = await cluster.leader();
    // Let every replica learn the leader before the baseline is taken.
    for (const id of cluster.ids) await cluster.waitReady(id);
    const before = await views();
    const startedAt = Date.now();
    const load = startWriteLoad(() => cluster.liveUrls(), { concurrency: CLIENTS, prefix: 'sl' });
    await sleep(RUN_MS);
    const result = await load.stop();
    const elapsedMs = Date.now() - startedAt;
    const after = await views();

    const latencies = result.outcomes.filter((o) => o.ok).map((o) => o.at - o.startedAt).sort((a, b) => a - b);
    const failed = result.outcomes.filter((o) => !o.ok).length;
    console.log(
      `steady load: ${result.acked.size} writes acknowledged in ${elapsedMs} ms = ${((result.acked.size * 1_000) / elapsedMs).toFixed(1)} writes/s ` +
        `with ${CLIENTS} clients, ${failed} failed; latency p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, ` +
        `max ${latencies.at(-1)} ms; terms ${cluster.ids.map((id) => `${before[id]!.term}->${after[id]!.term}`).join(' ')}, ` +
        `leader changes ${cluster.ids.map((id) => `${before[id]!.leaderChanges}->${after[id]!.leaderChanges}`).join(' ')}`,
    );

    const outputs = cluster.ids.map((id) => `--- ${id}\n${cluster.output(id).slice(-1_500)}`).join('\n');
    if (cluster.ids.some((id) => after[id]!.term !== before[id]!.term)) console.log(`replica output:\n${outputs}`);
    for (const id of cluster.ids) {
      expect(after[id]!.term, `${id} term`).toBe(before[id]!.term);
      expect(after[id]!.leaderChanges, `${id} atlas_leader_changes_total`).toBe(before[id]!.leaderChanges);
      expect(after[id]!.leader, `${id} leader`).toBe(leader);
    }
    expect(failed).toBe(0);
    expect(result.acked.size).toBeGreaterThan(0);
    const present = await readAll(cluster.url(leader), 'sl-');
    expect(missingWrites(result.acked, present)).toEqual([]);
  });
});
