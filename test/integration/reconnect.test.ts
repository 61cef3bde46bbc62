// Issue 3: nats-server restarts under a write load (down for 2 s, back on the same port). The
// replica processes keep running with their state, reconnect on their own and serve writes again;
// no acknowledged write is lost.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessCluster, sleep, waitUntil } from '../helpers/process-cluster.ts';
import { missingWrites, readAll, startWriteLoad } from '../helpers/write-load.ts';

const NATS_DOWN_MS = 2_000;

let cluster: ProcessCluster;
beforeAll(async () => {
  cluster = await ProcessCluster.start();
});
afterAll(async () => {
  await cluster?.stop();
});

describe('nats-server restart with real processes', () => {
  it('replicas reconnect after nats-server restarts and keep every acknowledged write', async () => {
    const pids = cluster.ids.map((id) => cluster.pid(id));
    const load = startWriteLoad(() => cluster.liveUrls(), { concurrency: 4, prefix: 'rc' });
    await sleep(1_500);
    const ackedBefore = new Map(load.acked);
    expect(ackedBefore.size).toBeGreaterThan(0);
    const port = cluster.nats.port;
    const termBefore = (await cluster.localView(await cluster.leader())).term;

    const stoppedAt = Date.now();
    await cluster.restartNats(NATS_DOWN_MS);
    const restartedAt = Date.now();
    expect(cluster.nats.port).toBe(port);

    const resumedAt = await waitUntil('a write acknowledged after the restart', () => load.firstAckAfter(restartedAt), 30_000, 20);
    const leader = await cluster.waitForLeader(15_000);
    await sleep(1_500);
    const result = await load.stop();
    const duringOutage = result.outcomes.filter((o) => o.at >= stoppedAt && o.startedAt < restartedAt);
    const slowestMs = Math.max(...duringOutage.map((o) => o.at - o.startedAt));
    const termAfter = (await cluster.localView(leader)).term;
    console.log(
      `reconnect: nats-server down ${restartedAt - stoppedAt} ms; first acknowledged write ${resumedAt - restartedAt} ms after it was back ` +
        `(leader ${leader}, term ${termBefore} -> ${termAfter}); writes in flight during the outage: ${duringOutage.filter((o) => o.ok).length} of ${duringOutage.length} acknowledged, slowest ${slowestMs} ms; ` +
        `${result.acked.size} acknowledged of ${result.attempts} in all`,
    );

    // The same processes, never restarted, kept their state and serve every write.
    expect(cluster.ids.map((id) => cluster.pid(id))).toEqual(pids);
    const present = await readAll(cluster.url(leader), 'rc-');
    expect(missingWrites(ackedBefore, present)).toEqual([]);
    expect(missingWrites(result.acked, present)).toEqual([]);
    expect([...present.keys()].filter((k) => !result.attempted.has(k))).toEqual([]);
    for (const id of cluster.ids) {
      await cluster.waitReady(id, 15_000);
      const fromReplica = await readAll(cluster.url(id), 'rc-');
      expect(missingWrites(result.acked, fromReplica), `replica ${id}`).toEqual([]);
    }
  });
});
