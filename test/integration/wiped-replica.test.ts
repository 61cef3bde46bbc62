// Issue 3: a follower loses its disk. It is SIGKILLed, its data directory deleted and the process
// restarted empty; the leader has compacted its log (snapshots every 50 entries), so the follower is
// caught up by an installed snapshot, then by the log, and serves every key.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessCluster, waitUntil } from '../helpers/process-cluster.ts';
import { readAll } from '../helpers/write-load.ts';

const KEYS = 300;
const LATER_KEYS = 20;

let cluster: ProcessCluster;
beforeAll(async () => {
  cluster = await ProcessCluster.start({ snapshotEvery: 50 });
});
afterAll(async () => {
  await cluster?.stop();
});

const keyName = (i: number) => `wk-${String(i).padStart(4, '0')}`;

/** PUTs keys [from, to) through `url` with a few concurrent clients; every write must succeed. */
async function writeKeys(url: string, from: number, to: number): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to) {
      const i = next++;
      const res = await fetch(`${url}/v1/kv/${keyName(i)}`, { method: 'PUT', body: `value-${i}`, signal: AbortSignal.timeout(10_000) });
      expect(res.status, `PUT ${keyName(i)}: ${await res.text()}`).toBe(200);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}

async function staleGet(url: string, key: string): Promise<string | null> {
  const res = await fetch(`${url}/v1/kv/${key}?consistency=stale`, { signal: AbortSignal.timeout(2_000) });
  return res.status === 200 ? res.text() : null;
}

describe('wiped follower with real processes', () => {
  it('a follower restarted with an empty data directory is caught up by snapshot and serves every key', async () => {
    const leader = await cluster.leader();
    const writeStart = Date.now();
    await writeKeys(cluster.url(leader), 0, KEYS);
    const writeMs = Date.now() - writeStart;
    const leaderView = await cluster.localView(leader);
    expect(leaderView.snapshotIndex).toBeGreaterThan(0);

    const follower = cluster.ids.find((id) => id !== leader)!;
    await cluster.kill(follower, 'SIGKILL');
    cluster.wipe(follower);
    const restartedAt = Date.now();
    cluster.spawn(follower);

    const lastKey = keyName(KEYS - 1);
    let lastView: unknown = null;
    const caughtUp = await waitUntil(
      `${follower} to install a snapshot and serve ${lastKey} stale`,
      async () => {
        const view = await cluster.localView(follower, 1_000);
        lastView = view;
        return view.snapshotIndex > 0 && (await staleGet(cluster.url(follower), lastKey)) === `value-${KEYS - 1}` ? view : null;
      },
      45_000,
      100,
    ).catch(async (error: Error) => {
      const leaderNow = JSON.stringify(await cluster.localView(leader).catch(String));
      throw new Error(
        `${error.message}\n${follower} sees ${JSON.stringify(lastView)}; leader ${leader} sees ${leaderNow}\n--- ${follower} output\n${cluster.output(follower).slice(-4_000)}`,
      );
    });
    const caughtUpAt = Date.now();
    const output = cluster.output(follower);
    const installed = /installed snapshot at index (\d+)/.exec(output);
    expect(installed, `no "installed snapshot" line in ${follower}'s output:\n${output.slice(-2_000)}`).not.toBeNull();
    expect(Number(installed![1])).toBeGreaterThan(0);

    // Linearizable reads on the rejoined follower see every key with its value.
    const all = await readAll(cluster.url(follower), 'wk-');
    expect(all.size).toBe(KEYS);
    for (let i = 0; i < KEYS; i++) expect(all.get(keyName(i)), keyName(i)).toBe(`value-${i}`);

    // Replication continues by log after the snapshot.
    await writeKeys(cluster.url(leader), KEYS, KEYS + LATER_KEYS);
    await waitUntil(`${follower} to apply the later writes`, async () => (await staleGet(cluster.url(follower), keyName(KEYS + LATER_KEYS - 1))) !== null, 15_000);
    const after = await readAll(cluster.url(follower), 'wk-');
    expect(after.size).toBe(KEYS + LATER_KEYS);

    // It started blank: it voted only once every voter had told it its term (actors/raft/blank-start.ts).
    // (The output may hold both runs: the first, at the cluster's creation, votes from term 1 on.)
    const blankEnds = [...cluster.output(follower).matchAll(/started with an empty log; every voter has told it its term, so it votes from term (\d+) on/g)];
    expect(blankEnds.length, `no blank-start line in ${follower}'s output:\n${cluster.output(follower).slice(-2_000)}`).toBeGreaterThan(0);
    expect(Number(blankEnds.at(-1)![1])).toBeGreaterThanOrEqual(2);

    // And it votes again: with the leader gone, it and the other follower elect a new one.
    await cluster.kill(leader, 'SIGKILL');
    const next = await cluster.leader(15_000);
    expect(next).not.toBe(leader);
    await writeKeys(cluster.url(next), KEYS + LATER_KEYS, KEYS + LATER_KEYS + 1);
    console.log(
      `wiped replica: ${KEYS} writes in ${writeMs} ms (leader snapshot index ${leaderView.snapshotIndex}, commit ${leaderView.commitIndex}); ` +
        `${follower} caught up ${caughtUpAt - restartedAt} ms after restart (process start included) by a snapshot at index ${installed![1]} ` +
        `(its snapshot index ${caughtUp.snapshotIndex}, applied ${caughtUp.appliedIndex}); ${after.size} keys readable on it afterwards`,
    );
  });
});
