// Issue 4: 32 concurrent clients doing puts, gets, CAS and deletes on a small set of keys while the
// leader is killed and restarted; every outcome is recorded and the history must be linearizable.

import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHistory, HistoryRecorder } from '../faults/checker/index.ts';
import { writeHistory } from '../faults/checker/write-history.ts';
import { KvClient } from '../faults/kv-client.ts';
import { ProcessCluster } from '../helpers/process-cluster.ts';

let cluster: ProcessCluster;
beforeAll(async () => {
  cluster = await ProcessCluster.start();
});
afterAll(async () => {
  await cluster?.stop();
});

const KEYS = ['a', 'b', 'c', 'd', 'e'];

describe('linearizability under leader failure', () => {
  it('32 clients: the recorded history is linearizable across a leader kill and restart', async () => {
    const recorder = new HistoryRecorder();
    let running = true;
    let unique = 0;
    const clients = Array.from({ length: 32 }, (_, p) => {
      const kv = new KvClient({ recorder, process: p, url: () => cluster.url(cluster.ids[Math.floor(Math.random() * cluster.ids.length)]!), timeoutMs: 2_000 });
      return (async () => {
        while (running) {
          const key = KEYS[Math.floor(Math.random() * KEYS.length)]!;
          const roll = Math.random();
          if (roll < 0.35) await kv.get(key);
          else if (roll < 0.65) await kv.put(key, `v${p}-${unique++}`);
          else if (roll < 0.9) await kv.cas(key, `c${p}-${unique++}`);
          else await kv.delete(key);
        }
      })();
    });
    await new Promise((r) => setTimeout(r, 3_000));
    const leader = await cluster.leader();
    await cluster.kill(leader, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 3_000));
    cluster.spawn(leader);
    await cluster.waitReady(leader);
    await new Promise((r) => setTimeout(r, 3_000));
    running = false;
    await Promise.all(clients);

    const history = recorder.history();
    const okOps = history.filter((e) => e.outcome.type === 'ok').length;
    const result = checkHistory(history, { timeoutMs: 60_000 });
    console.log(`linearizability: ${history.length} operations (${okOps} ok), ${result.partitions} partitions, ok=${result.ok}${result.unknown ? ' (undecided partitions)' : ''}`);
    if (!result.ok) {
      mkdirSync('test-artifacts', { recursive: true });
      await writeHistory('test-artifacts/linearizable-failover-history.json', history);
      for (const f of result.failures) console.log(`keys ${f.keys.join(',')}:\n${f.counterexample}`);
    }
    expect(okOps).toBeGreaterThan(500);
    expect(result.failures).toEqual([]);
    expect(result.ok).toBe(true);
  });
});
