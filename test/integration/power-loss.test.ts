// Issue 3: power loss — every replica is SIGKILLed at once during a write load and restarted from its
// data directory; every acknowledged write is still there once a leader is back.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessCluster, sleep, waitUntil } from '../helpers/process-cluster.ts';
import { missingWrites, readAll, startWriteLoad } from '../helpers/write-load.ts';

let cluster: ProcessCluster;
beforeAll(async () => {
  cluster = await ProcessCluster.start();
});
afterAll(async () => {
  await cluster?.stop();
});

describe('power loss with real processes', () => {
  it('SIGKILL of every replica at once loses no acknowledged write', async () => {
    const load = startWriteLoad(() => cluster.liveUrls(), { concurrency: 8, prefix: 'pl' });
    await sleep(2_000);
    const ackedBeforeKill = load.acked.size;
    expect(ackedBeforeKill).toBeGreaterThan(0);

    const killedAt = Date.now();
    await Promise.all(cluster.ids.map((id) => cluster.kill(id, 'SIGKILL')));
    expect(cluster.ids.filter((id) => cluster.isRunning(id))).toEqual([]);
    for (const id of cluster.ids) cluster.spawn(id);
    await Promise.all(cluster.ids.map((id) => waitUntil(`${id} to serve HTTP`, async () => (await fetch(`${cluster.url(id)}/v1/leader`)).status > 0, 30_000, 50)));
    const upAt = Date.now();
    const leader = await cluster.waitForLeader(30_000);
    const leaderAt = Date.now();
    while (load.firstAckAfter(leaderAt - 1) === null && Date.now() - leaderAt < 20_000) await sleep(20);
    const resumedAt = load.firstAckAfter(leaderAt - 1);
    await sleep(1_000);
    const result = await load.stop();
    expect(resumedAt).not.toBeNull();
    console.log(
      `power loss: ${ackedBeforeKill} writes acknowledged before the kill; processes serving HTTP ${upAt - killedAt} ms after it, leader ${leader} ${leaderAt - killedAt} ms after it, ` +
        `writes resumed ${resumedAt! - killedAt} ms after it; ${result.acked.size} acknowledged of ${result.attempts} in all`,
    );

    const present = await readAll(cluster.url(leader), 'pl-');
    expect(missingWrites(result.acked, present)).toEqual([]);
    // Nothing the load did not send appeared.
    expect([...present.keys()].filter((k) => !result.attempted.has(k))).toEqual([]);
    for (const id of cluster.ids) {
      await cluster.waitReady(id, 30_000);
      const fromReplica = await readAll(cluster.url(id), 'pl-');
      expect(missingWrites(result.acked, fromReplica), `replica ${id}`).toEqual([]);
    }
  });
});
