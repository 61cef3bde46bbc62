// Issue: SIGKILL of the leader during a write load — a new leader takes over and no acknowledged
// write is lost; the time from kill to the next successful write is printed.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessCluster } from '../helpers/process-cluster.ts';
import { missingWrites, readAll, startWriteLoad } from '../helpers/write-load.ts';

let cluster: ProcessCluster;
beforeAll(async () => {
  cluster = await ProcessCluster.start();
});
afterAll(async () => {
  await cluster?.stop();
});

describe('leader failover with real processes', () => {
  it('a new leader takes over after SIGKILL and every acknowledged write survives', async () => {
    const oldLeader = await cluster.leader();
    const live = () => cluster.ids.filter((id) => cluster.replicas.get(id)!.child).map((id) => cluster.url(id));
    const load = startWriteLoad(live, { concurrency: 8, prefix: 'fo' });
    await new Promise((r) => setTimeout(r, 1_500));
    const killedAt = Date.now();
    await cluster.kill(oldLeader, 'SIGKILL');
    const newLeader = await cluster.waitForLeader(10_000, oldLeader);
    while (load.firstAckAfter(killedAt) === null && Date.now() - killedAt < 10_000) await new Promise((r) => setTimeout(r, 10));
    const resumedAt = load.firstAckAfter(killedAt);
    await new Promise((r) => setTimeout(r, 1_000));
    const result = await load.stop();
    expect(newLeader).not.toBe(oldLeader);
    expect(resumedAt).not.toBeNull();
    console.log(`failover: ${resumedAt! - killedAt} ms from SIGKILL of ${oldLeader} to the next acknowledged write (new leader ${newLeader}); ${result.acked.size} writes acknowledged of ${result.attempts}`);

    cluster.spawn(oldLeader);
    const present = await readAll(cluster.url(newLeader), 'fo-');
    expect(missingWrites(result.acked, present)).toEqual([]);
    // The restarted replica recovers its log, rejoins and serves the same data.
    await cluster.waitReady(oldLeader);
    const fromRestarted = await readAll(cluster.url(oldLeader), 'fo-');
    expect(missingWrites(result.acked, fromRestarted)).toEqual([]);
  });
});
